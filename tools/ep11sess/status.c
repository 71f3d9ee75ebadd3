// SPDX-License-Identifier: GPL-2.0
/*
 * ep11sess status: per APQN, the card's max and available sessions as
 * pkcsep11_session status prints them, plus what the kernel holds, the
 * pending logouts, the reclaims and the sessions logged in again after the
 * card came back; then the orphaned logouts, those removed cards owe (the
 * counts from sysfs, the logouts one by one from the orphan dump: all of
 * them for CAP_SYS_ADMIN, else the caller's).
 *
 * The card's counts are fresh (asked now), cached (not asked: --cached,
 * or no CAP_SYS_ADMIN) or stale: asked, but the card could not answer.
 * The kernel does not say whether a card answered, so a first dump
 * without asking notes each card's failed round trips and whether it
 * has an online APQN; a card without one, or whose failures grew while
 * the cards were asked, did not answer and its counts are the last read.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <netlink/genl/genl.h>
#include <linux/ep11sess.h>

#include "ep11sess.h"
#include "prometheus.h"

/* Options of status alone. */
enum ep11_status_opt {
	EP11_STATUS_OPT_PROMETHEUS = 0x200,
	EP11_STATUS_OPT_OUTPUT,
	EP11_STATUS_OPT_WATCH,
};

static uint64_t u64_or_0(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

static uint32_t u32_or_0(struct nlattr *a)
{
	return a ? nla_get_u32(a) : 0;
}

/* The card's uid quota and who holds its sessions, from sysfs. */
static void ep11_status_quota(uint8_t card, bool json)
{
	char *quota = ep11_card_attr(card, "uid_quota");
	char *usage = ep11_card_attr(card, "uid_usage");
	unsigned int uid, n, i = 0;
	const char *p = usage;
	int len;

	if (json) {
		printf(", \"uid_quota\": %s, \"uid_usage\": {",
		       quota ? quota : "null");
		while (p && sscanf(p, "%u %u%n", &uid, &n, &len) == 2) {
			printf("%s\"%u\": %u", i++ ? ", " : "", uid, n);
			p += len;
		}
		printf("}");
	} else {
		if (quota && strcmp(quota, "0"))
			printf("  Quota per UID:       %s\n", quota);
		else
			printf("  Quota per UID:       none\n");
		while (p && sscanf(p, "%u %u%n", &uid, &n, &len) == 2) {
			printf("  Held by UID %-8u %u\n", uid, n);
			p += len;
		}
	}
	free(quota);
	free(usage);
}

/**
 * struct ep11_apqn_row - one APQN of a dump
 * @card:    adapter
 * @domain:  domain
 * @online:  takes requests
 * @valid:   the card's counts are known
 * @cached:  the kernel did not ask the card
 * @serial:  the card's serial, NUL-terminated
 * @max:     the card's max sessions
 * @avail:   the card's available sessions
 * @card_held: sessions the kernel holds on the card
 * @held:    through this APQN
 * @pending: pending logouts
 * @logins:  counters...
 * @logouts: ...
 * @reclaimed: ...
 * @lost:    ...
 * @errors:  failed round trips
 * @last_reclaim_us: latency of the last reclaim
 * @has_unacc: @unaccounted came with the card's counts
 * @unaccounted: the card's sessions this host does not hold
 * @share:   this host's share of the card, 0 for none
 * @has_hist: the kernel sent the reclaim histogram
 * @sum_us:  sum of the reclaim latencies
 * @buckets: reclaims by latency bucket (EP11SESS_RECLAIM_BOUNDS_US)
 * @has_wkid: @wkid is known
 * @wkid:    the domain's wrapping key verification pattern, in hex
 */
struct ep11_apqn_row {
	uint8_t card;
	uint16_t domain;
	bool online;
	bool valid;
	bool cached;
	char serial[17];
	uint32_t max, avail, card_held, held, pending;
	uint64_t logins, logouts, reclaimed, lost, errors, last_reclaim_us, relogins;
	bool has_unacc;
	uint32_t unaccounted, share;
	bool has_hist;
	uint64_t sum_us;
	uint64_t buckets[EP11SESS_RECLAIM_BUCKETS];
	bool has_wkid;
	char wkid[33];
};

/**
 * struct ep11_apqn_rows - the APQNs of a dump
 * @rows: the APQNs
 * @n:    entries
 * @cap:  room
 */
struct ep11_apqn_rows {
	struct ep11_apqn_row *rows;
	size_t n;
	size_t cap;
};

/* The figures of hosts sharing the card and the reclaim histogram. */
static void ep11_status_fleet_read(struct nlattr **tb, struct ep11_apqn_row *r)
{
	struct nlattr *h = tb[EP11SESS_A_RECLAIM_BUCKETS];

	r->has_unacc = tb[EP11SESS_A_CAPS_VALID] &&
		       tb[EP11SESS_A_CARD_UNACCOUNTED];
	r->unaccounted = u32_or_0(tb[EP11SESS_A_CARD_UNACCOUNTED]);
	r->share = u32_or_0(tb[EP11SESS_A_HOST_SHARE]);
	r->sum_us = u64_or_0(tb[EP11SESS_A_RECLAIM_SUM_US]);
	r->has_hist = h && nla_len(h) == (int)sizeof(r->buckets);
	if (r->has_hist)
		memcpy(r->buckets, nla_data(h), sizeof(r->buckets));
}

/*
 * Hosts that share the card: its sessions this host does not hold, this
 * host's share and its use; and the APQN's reclaim latency histogram.
 */
static void ep11_status_fleet(const struct ep11_apqn_row *r, bool json)
{
	static const uint64_t bounds[] = EP11SESS_RECLAIM_BOUNDS_US;
	unsigned int i;

	if (json) {
		if (r->has_unacc)
			printf(", \"unaccounted_sessions\": %u", r->unaccounted);
		else
			printf(", \"unaccounted_sessions\": null");
		printf(", \"host_share\": %u, \"host_share_used\": %u",
		       r->share, r->card_held);
		if (!r->has_hist) {
			printf(", \"reclaim_latency\": null");
			return;
		}
		printf(", \"reclaim_latency\": {\"sum_us\": %llu, \"buckets\": [",
		       (unsigned long long)r->sum_us);
		for (i = 0; i < EP11SESS_RECLAIM_BUCKETS; i++) {
			if (i < EP11SESS_RECLAIM_NBOUNDS)
				printf("%s{\"le_us\": %llu, \"count\": %llu}",
				       i ? ", " : "",
				       (unsigned long long)bounds[i],
				       (unsigned long long)r->buckets[i]);
			else
				printf(", {\"le_us\": null, \"count\": %llu}",
				       (unsigned long long)r->buckets[i]);
		}
		printf("]}");
		return;
	}
	if (r->has_unacc)
		printf("  Unaccounted:         %u (on the card, not held by this host)\n",
		       r->unaccounted);
	else
		printf("  Unaccounted:         unknown\n");
	if (r->share)
		printf("  Host Share:          %u of %u used\n", r->card_held,
		       r->share);
	else
		printf("  Host Share:          none (%u held)\n", r->card_held);
	if (!r->has_hist)
		return;
	printf("  Reclaim Latency:    ");
	for (i = 0; i < EP11SESS_RECLAIM_BUCKETS; i++) {
		if (!r->buckets[i])
			continue;
		if (i < EP11SESS_RECLAIM_NBOUNDS)
			printf(" <=%lluus:%llu", (unsigned long long)bounds[i],
			       (unsigned long long)r->buckets[i]);
		else
			printf(" >%lluus:%llu",
			       (unsigned long long)bounds[i - 1],
			       (unsigned long long)r->buckets[i]);
	}
	printf("%s\n", r->reclaimed ? "" : " none yet");
}

static int ep11_status_one(struct nlmsghdr *nlh, struct nlattr **tb,
			   void *arg)
{
	struct ep11_apqn_rows *l = arg;
	struct ep11_apqn_row *r;

	if (!tb[EP11SESS_A_CARD] || !tb[EP11SESS_A_DOMAIN])
		return -EPROTO;
	r = ep11_append(&l->rows, &l->n, &l->cap, sizeof(*r), 64);
	if (!r)
		return -ENOMEM;
	r->card = nla_get_u8(tb[EP11SESS_A_CARD]);
	r->domain = nla_get_u16(tb[EP11SESS_A_DOMAIN]);
	r->online = tb[EP11SESS_A_ONLINE] && nla_get_u8(tb[EP11SESS_A_ONLINE]);
	r->valid = tb[EP11SESS_A_CAPS_VALID];
	r->cached = tb[EP11SESS_A_CACHED];
	if (tb[EP11SESS_A_SERIAL]) {
		size_t n = nla_len(tb[EP11SESS_A_SERIAL]);

		memcpy(r->serial, nla_data(tb[EP11SESS_A_SERIAL]),
		       n < 16 ? n : 16);
		r->serial[strnlen(r->serial, 16)] = '\0';
	}
	r->max = u32_or_0(tb[EP11SESS_A_CARD_MAX]);
	r->avail = u32_or_0(tb[EP11SESS_A_CARD_AVAIL]);
	r->card_held = u32_or_0(tb[EP11SESS_A_CARD_HELD]);
	r->held = u32_or_0(tb[EP11SESS_A_HELD]);
	r->pending = u32_or_0(tb[EP11SESS_A_PENDING]);
	r->logins = u64_or_0(tb[EP11SESS_A_LOGINS]);
	r->logouts = u64_or_0(tb[EP11SESS_A_LOGOUTS]);
	r->reclaimed = u64_or_0(tb[EP11SESS_A_RECLAIMED]);
	r->lost = u64_or_0(tb[EP11SESS_A_LOST]);
	r->errors = u64_or_0(tb[EP11SESS_A_ERRORS]);
	r->last_reclaim_us = u64_or_0(tb[EP11SESS_A_LAST_RECLAIM_US]);
	r->relogins = u64_or_0(tb[EP11SESS_A_RELOGINS]);
	r->has_wkid = tb[EP11SESS_A_WKID] && nla_len(tb[EP11SESS_A_WKID]) == 16;
	if (r->has_wkid)
		ep11_hex(r->wkid, nla_data(tb[EP11SESS_A_WKID]), 16);
	ep11_status_fleet_read(tb, r);
	return 0;
}

/* A card's failed round trips, over its APQNs in @l. */
static uint64_t ep11_card_errors(const struct ep11_apqn_rows *l, uint8_t card)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->rows[i].card == card)
			sum += l->rows[i].errors;
	return sum;
}

static bool ep11_card_online(const struct ep11_apqn_rows *l, uint8_t card)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->rows[i].card == card && l->rows[i].online)
			return true;
	return false;
}

/*
 * "fresh", "cached", "stale" or "unknown": a card that was asked but has
 * no online APQN, or whose failures grew while the cards were asked, did
 * not answer, and its counts are the last read.
 */
static const char *ep11_counts_state(const struct ep11_apqn_row *r,
				     const struct ep11_apqn_rows *before,
				     const struct ep11_apqn_rows *after)
{
	if (!r->valid)
		return "unknown";
	if (r->cached || !before)
		return "cached";
	if (!ep11_card_online(after, r->card) ||
	    ep11_card_errors(after, r->card) > ep11_card_errors(before, r->card))
		return "stale";
	return "fresh";
}

static void ep11_status_json(const struct ep11_apqn_row *r, const char *counts,
			     bool first)
{
	printf("%s\n    {\"apqn\": \"%02x.%04x\", \"card\": %u, \"domain\": %u, \"online\": %s, \"serial\": ",
	       first ? "" : ",", r->card, r->domain, r->card, r->domain,
	       r->online ? "true" : "false");
	if (r->serial[0])
		ep11_json_string(stdout, r->serial);
	else
		printf("null");
	if (r->valid)
		printf(", \"max_sessions\": %u, \"available_sessions\": %u",
		       r->max, r->avail);
	else
		printf(", \"max_sessions\": null, \"available_sessions\": null");
	printf(", \"counts\": \"%s\", \"cached\": %s, \"card_held\": %u, \"held\": %u, \"pending\": %u, \"logins\": %llu, \"logouts\": %llu, \"reclaimed\": %llu, \"lost\": %llu, \"errors\": %llu, \"last_reclaim_us\": %llu, \"relogins\": %llu",
	       counts, strcmp(counts, "fresh") ? "true" : "false",
	       r->card_held, r->held, r->pending,
	       (unsigned long long)r->logins, (unsigned long long)r->logouts,
	       (unsigned long long)r->reclaimed, (unsigned long long)r->lost,
	       (unsigned long long)r->errors,
	       (unsigned long long)r->last_reclaim_us,
	       (unsigned long long)r->relogins);
	printf(", \"wkid\": ");
	if (r->has_wkid)
		printf("\"%s\"", r->wkid);
	else
		printf("null");
	ep11_status_quota(r->card, true);
	ep11_status_fleet(r, true);
	printf("}");
}

static void ep11_status_text(const struct ep11_apqn_row *r, const char *counts)
{
	printf("APQN %02x.%04x:\n", r->card, r->domain);
	if (r->valid) {
		printf("  Max Sessions:        %u\n", r->max);
		printf("  Available Sessions:  %u%s\n", r->avail,
		       !strcmp(counts, "stale") ?
		       " (stale: the card did not answer; as last read)" :
		       !strcmp(counts, "cached") ? " (as last read)" : "");
	} else {
		printf("  Max Sessions:        unknown (the card has not answered)\n");
		printf("  Available Sessions:  unknown\n");
	}
	printf("  Held:                %u (card: %u)\n", r->held, r->card_held);
	printf("  Pending Logouts:     %u\n", r->pending);
	printf("  Reclaimed:           %llu (last in %llu us)\n",
	       (unsigned long long)r->reclaimed,
	       (unsigned long long)r->last_reclaim_us);
	printf("  Logged In Again:     %llu\n",
	       (unsigned long long)r->relogins);
	printf("  Online:              %s%s%s\n", r->online ? "yes" : "no",
	       r->serial[0] ? ", serial " : "", r->serial);
	printf("  Wrapping Key:        %s\n",
	       r->has_wkid ? r->wkid : "unknown (not read)");
	ep11_status_quota(r->card, false);
	ep11_status_fleet(r, false);
}

/* One APQN dump into @l; 0 or the exit code after the report. */
static int ep11_status_dump(struct ep11_nl *nl, const struct ep11_filter *f,
			    bool refresh, struct ep11_apqn_rows *l)
{
	struct nl_msg *msg;

	msg = ep11_nl_new(nl, EP11SESS_CMD_APQN_GET, NLM_F_DUMP);
	if (!msg || (f->have_apqn && ep11_filter_put(f, msg) < 0) ||
	    (refresh && nla_put_flag(msg, EP11SESS_A_REFRESH) < 0)) {
		nlmsg_free(msg);
		return ep11_fail(EP11_EXIT_FAILED, ENOMEM, "out of memory");
	}
	if (ep11_nl_exchange(nl, msg, ep11_status_one, l))
		return ep11_nl_report(nl, "status");
	return 0;
}

/**
 * struct ep11_orphan_row - one orphaned logout of the orphan dump
 * @serial:   the card's serial number, NUL-terminated
 * @domain:   the domain
 * @has_wkid: @wkid is known
 * @wkid:     the domain's WKID when the session was logged in, in hex
 * @id:       the session's public id in hex
 * @pid:      its owner's pid (0: gone or not visible)
 * @uid:      its owner's uid
 * @comm:     its owner's command name
 * @created_ns: its creation time
 * @recover:  the login's answer was not seen (else a pending logout)
 * @expires_s: seconds until it is given up
 */
struct ep11_orphan_row {
	char serial[17];
	uint16_t domain;
	bool has_wkid;
	char wkid[33];
	char id[33];
	uint32_t pid;
	uint32_t uid;
	char comm[16];
	uint64_t created_ns;
	bool recover;
	uint32_t expires_s;
};

/**
 * struct ep11_orphan_rows - the orphan dump
 * @rows: the orphaned logouts
 * @n:    entries
 * @cap:  room
 */
struct ep11_orphan_rows {
	struct ep11_orphan_row *rows;
	size_t n;
	size_t cap;
};

static int ep11_orphan_one(struct nlmsghdr *nlh, struct nlattr **tb,
			   void *arg)
{
	struct ep11_orphan_rows *l = arg;
	struct ep11_orphan_row *r;
	struct nlattr *a;

	(void)nlh;
	if (!tb[EP11SESS_A_SERIAL] || !tb[EP11SESS_A_DOMAIN] ||
	    !tb[EP11SESS_A_PUBLIC_ID] ||
	    nla_len(tb[EP11SESS_A_PUBLIC_ID]) != 16)
		return -EPROTO;
	r = ep11_append(&l->rows, &l->n, &l->cap, sizeof(*r), 16);
	if (!r)
		return -ENOMEM;
	a = tb[EP11SESS_A_SERIAL];
	memcpy(r->serial, nla_data(a), nla_len(a) < 16 ? nla_len(a) : 16);
	r->serial[strnlen(r->serial, 16)] = '\0';
	r->domain = nla_get_u16(tb[EP11SESS_A_DOMAIN]);
	a = tb[EP11SESS_A_WKID];
	r->has_wkid = a && nla_len(a) == 16;
	if (r->has_wkid)
		ep11_hex(r->wkid, nla_data(a), 16);
	ep11_hex(r->id, nla_data(tb[EP11SESS_A_PUBLIC_ID]), 16);
	r->pid = u32_or_0(tb[EP11SESS_A_PID]);
	r->uid = u32_or_0(tb[EP11SESS_A_UID]);
	if (tb[EP11SESS_A_COMM])
		snprintf(r->comm, sizeof(r->comm), "%s",
			 nla_get_string(tb[EP11SESS_A_COMM]));
	r->created_ns = u64_or_0(tb[EP11SESS_A_CREATED_NS]);
	r->recover = tb[EP11SESS_A_RECOVER];
	r->expires_s = u32_or_0(tb[EP11SESS_A_EXPIRES_S]);
	return 0;
}

/*
 * The orphan dump into @l: 0, -1 when the module has no orphan dump (an
 * older one), or the exit code after the report.
 */
static int ep11_orphan_dump(struct ep11_nl *nl, struct ep11_orphan_rows *l)
{
	struct nl_msg *msg;
	int ret;

	msg = ep11_nl_new(nl, EP11SESS_CMD_ORPHAN_GET, NLM_F_DUMP);
	if (!msg)
		return ep11_fail(EP11_EXIT_FAILED, ENOMEM, "out of memory");
	ret = ep11_nl_exchange(nl, msg, ep11_orphan_one, l);
	if (ret == -EOPNOTSUPP)
		return -1;
	if (ret)
		return ep11_nl_report(nl, "status");
	return 0;
}

/* A class counter of sysfs as JSON: null when it cannot be read. */
static void ep11_json_counter(const char *key, long v)
{
	if (v < 0)
		printf(", \"%s\": null", key);
	else
		printf(", \"%s\": %ld", key, v);
}

static void ep11_orphans_json(const struct ep11_orphan_rows *l, bool known)
{
	size_t i;

	if (!known) {
		printf(", \"orphans\": null");
		return;
	}
	printf(", \"orphans\": [");
	for (i = 0; i < l->n; i++) {
		const struct ep11_orphan_row *r = &l->rows[i];

		printf("%s\n    {\"serial\": ", i ? "," : "");
		ep11_json_string(stdout, r->serial);
		printf(", \"domain\": %u, \"wkid\": ", r->domain);
		if (r->has_wkid)
			printf("\"%s\"", r->wkid);
		else
			printf("null");
		printf(", \"id\": \"%s\", \"pid\": ", r->id);
		if (r->pid)
			printf("%u", r->pid);
		else
			printf("null");
		printf(", \"uid\": %u, \"comm\": ", r->uid);
		ep11_json_string(stdout, r->comm);
		printf(", ");
		ep11_json_time(stdout, "created", r->created_ns);
		printf(", \"state\": \"%s\", \"expires_in_s\": %u}",
		       r->recover ? "recover" : "pending", r->expires_s);
	}
	printf("%s]", l->n ? "\n  " : "");
}

static void ep11_orphans_text(const struct ep11_orphan_rows *l, long kept,
			      long adopted, long expired)
{
	size_t i;

	if (kept > 0)
		printf("Orphaned Logouts:      %ld (owed by removed cards, retried when they return)\n",
		       kept);
	if (adopted > 0 || expired > 0)
		printf("Orphans:               %ld adopted by a returning card, %ld expired\n",
		       adopted > 0 ? adopted : 0, expired > 0 ? expired : 0);
	for (i = 0; i < l->n; i++) {
		const struct ep11_orphan_row *r = &l->rows[i];

		printf("  Card %s Domain %04x: session %s, uid %u (%s), %s, WKID %s, expires in %u s\n",
		       r->serial, r->domain, r->id, r->uid, r->comm,
		       r->recover ? "login to recover" : "logout pending",
		       r->has_wkid ? r->wkid : "unknown", r->expires_s);
	}
}

/* --output FILE, --watch SECONDS. */
static int ep11_status_prom_option(int opt, const char *arg,
				   struct ep11_prom_opts *o)
{
	unsigned long n;
	char *end;

	if (opt == EP11_STATUS_OPT_OUTPUT) {
		if (!*arg) {
			fprintf(stderr, "%s: status: --output wants a file name\n",
				ep11_prog);
			return -1;
		}
		o->output = arg;
		return 0;
	}
	errno = 0;
	n = strtoul(arg, &end, 10);
	if (!*arg || *end || *arg == '-' || errno || !n ||
	    n > EP11_PROM_WATCH_MAX) {
		fprintf(stderr, "%s: status: --watch wants seconds from 1 to %u, not '%s'\n",
			ep11_prog, EP11_PROM_WATCH_MAX, arg);
		return -1;
	}
	o->watch = n;
	return 0;
}

static void ep11_status_usage(FILE *out)
{
	fprintf(out,
		"Usage: %s status [--apqn CARD.DOMAIN] [--cached] [--json]\n"
		"       %s status --prometheus [--output FILE [--watch SECONDS]]\n"
		"\n"
		"Sessions per APQN: the card's own Max and Available Sessions,\n"
		"those the kernel holds, pending logouts and reclaims.\n"
		"\n"
		"  --apqn 0b.0024  only this APQN\n"
		"  --cached        do not ask the cards, show their last answer\n"
		"  --json          one JSON object for scripts (ep11sess(8))\n"
		"  --prometheus    the Prometheus text exposition format\n"
		"  --output FILE   write it to FILE atomically (temporary file, rename)\n"
		"  --watch SECONDS write FILE again every SECONDS until SIGTERM\n"
		"\n"
		"Counts a card could not give now are marked: \"as last read\" when\n"
		"it was not asked (--cached, or without CAP_SYS_ADMIN), \"stale\"\n"
		"when it was asked and did not answer.\n"
		"  -h, --help      this text\n", ep11_prog, ep11_prog);
}

int ep11_cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "apqn", required_argument, NULL, EP11_OPT_APQN },
		{ "cached", no_argument, NULL, EP11_OPT_CACHED },
		{ "json", no_argument, NULL, EP11_OPT_JSON },
		{ "prometheus", no_argument, NULL, EP11_STATUS_OPT_PROMETHEUS },
		{ "output", required_argument, NULL, EP11_STATUS_OPT_OUTPUT },
		{ "watch", required_argument, NULL, EP11_STATUS_OPT_WATCH },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ep11_prom_opts prom = { 0 };
	bool prometheus = false;
	struct ep11_apqn_rows before = { 0 }, rows = { 0 };
	struct ep11_orphan_rows orows = { 0 };
	struct ep11_filter f = { 0 };
	bool cached = false, json = false, refresh, listed;
	struct ep11_nl nl;
	long orphans, adopted, expired;
	int opt, ret;
	size_t i;

	while ((opt = getopt_long_only(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case EP11_OPT_APQN:
			if (ep11_filter_option(opt, optarg, &f))
				return EP11_EXIT_USAGE;
			break;
		case EP11_OPT_CACHED:
			cached = true;
			break;
		case EP11_OPT_JSON:
			json = true;
			break;
		case EP11_STATUS_OPT_PROMETHEUS:
			prometheus = true;
			break;
		case EP11_STATUS_OPT_OUTPUT:
		case EP11_STATUS_OPT_WATCH:
			if (ep11_status_prom_option(opt, optarg, &prom))
				return EP11_EXIT_USAGE;
			break;
		case 'h':
			ep11_status_usage(stdout);
			return EP11_EXIT_OK;
		default:
			return ep11_bad_option(opt, argc, argv,
					       ep11_status_usage);
		}
	}
	if (ep11_no_operands("status", argc, argv))
		return EP11_EXIT_USAGE;
	if (prometheus || prom.output || prom.watch) {
		if (!prometheus || json) {
			fprintf(stderr, "%s: status: %s\n", ep11_prog,
				json ? "--json and --prometheus exclude each other" :
				"--output and --watch go with --prometheus");
			return EP11_EXIT_USAGE;
		}
		prom.cached = cached;
		prom.f = &f;
		ret = ep11_prom_check(&prom);
		return ret ? ret : ep11_prom_run(&prom);
	}
	ret = ep11_nl_open_filtered(&nl, &f);
	if (ret)
		return ret;
	/* Only CAP_SYS_ADMIN makes the cards answer; others get the cache. */
	refresh = !cached && ep11_has_cap(CAP_SYS_ADMIN);
	if (refresh) {
		ret = ep11_status_dump(&nl, &f, false, &before);
		if (ret)
			goto out;
	}
	ret = ep11_status_dump(&nl, &f, !cached, &rows);
	if (ret)
		goto out;
	ret = ep11_orphan_dump(&nl, &orows);
	if (ret > 0)
		goto out;
	listed = !ret;
	orphans = ep11_class_attr("orphaned_logouts");
	adopted = ep11_class_attr("orphans_adopted");
	expired = ep11_class_attr("orphans_expired");
	if (json) {
		printf("{");
		ep11_json_time(stdout, "time", ep11_now_ns());
		printf(", \"apqns\": [");
	}
	for (i = 0; i < rows.n; i++) {
		const char *counts = ep11_counts_state(&rows.rows[i],
						       refresh ? &before : NULL,
						       &rows);

		if (json)
			ep11_status_json(&rows.rows[i], counts, !i);
		else
			ep11_status_text(&rows.rows[i], counts);
	}
	if (json) {
		printf("%s]", rows.n ? "\n  " : "");
		ep11_json_counter("orphaned_logouts", orphans);
		ep11_json_counter("orphans_adopted", adopted);
		ep11_json_counter("orphans_expired", expired);
		ep11_orphans_json(&orows, listed);
		printf("}\n");
	} else {
		if (!rows.n)
			printf("No EP11 APQN is registered.\n");
		ep11_orphans_text(&orows, orphans, adopted, expired);
	}
	ret = EP11_EXIT_OK;
out:
	free(before.rows);
	free(rows.rows);
	free(orows.rows);
	ep11_nl_close(&nl);
	return ret;
}
