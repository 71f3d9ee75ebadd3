// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus text exposition format (version 0.0.4) of the kernel's
 * figures: one family of samples per metric, each with HELP and TYPE,
 * names in base units, counters ending in _total, labels card, domain
 * and serial.  Card-wide figures carry card and serial; per-APQN figures
 * add domain.  The reclaim latency is a histogram whose buckets the
 * kernel keeps (EP11SESS_RECLAIM_BOUNDS_US).
 *
 * With --output, the text goes to a temporary file in the same directory
 * (named FILE.XXXXXX, so a textfile collector that reads *.prom never sees
 * it), which is flushed to disk and renamed over FILE: a reader sees the
 * old file or the new one, never part of one.  When the kernel cannot be
 * asked (module not loaded), the file says so with ep11sess_up 0 instead
 * of keeping figures that are no longer true.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <netlink/genl/genl.h>
#include <linux/ep11sess.h>

#include "prometheus.h"

/**
 * struct ep11_prom_apqn - one APQN's figures from the dump
 * @card:        adapter
 * @domain:      domain
 * @serial:      the card's serial number
 * @online:      takes requests
 * @valid:       the card has answered its counts
 * @cached:      the counts are the last ones read, not asked for now
 * @max:         the card's max sessions
 * @avail:       the card's available sessions
 * @unaccounted: the card's sessions this host does not hold
 * @card_held:   sessions this host holds on the card
 * @share:       this host's share of the card, 0 for none
 * @held:        sessions held through this APQN
 * @pending:     pending logouts
 * @logins:      successful logins
 * @logouts:     successful logouts
 * @reclaimed:   of those, reclaims
 * @lost:        logouts given up
 * @errors:      failed round trips
 * @has_hist:    the kernel sent the histogram
 * @sum_us:      sum of the reclaim latencies
 * @buckets:     reclaims by latency bucket
 */
struct ep11_prom_apqn {
	uint8_t card;
	uint16_t domain;
	char serial[17];
	bool online;
	bool valid;
	bool cached;
	uint32_t max;
	uint32_t avail;
	uint32_t unaccounted;
	uint32_t card_held;
	uint32_t share;
	uint32_t held;
	uint32_t pending;
	uint64_t logins;
	uint64_t logouts;
	uint64_t reclaimed;
	uint64_t lost;
	uint64_t errors;
	bool has_hist;
	uint64_t sum_us;
	uint64_t buckets[EP11SESS_RECLAIM_BUCKETS];
};

/**
 * struct ep11_prom_dump - the APQNs of one dump
 * @a:   the APQNs, in the kernel's order (by card, then domain)
 * @n:   entries in @a
 * @cap: room at @a
 */
struct ep11_prom_dump {
	struct ep11_prom_apqn *a;
	size_t n;
	size_t cap;
};

static volatile sig_atomic_t ep11_prom_stop;

static uint64_t get_u64(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

static uint32_t get_u32(struct nlattr *a)
{
	return a ? nla_get_u32(a) : 0;
}

static int ep11_prom_one(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct ep11_prom_dump *d = arg;
	struct ep11_prom_apqn *p;

	if (!tb[EP11SESS_A_CARD] || !tb[EP11SESS_A_DOMAIN])
		return -EPROTO;
	p = ep11_append(&d->a, &d->n, &d->cap, sizeof(*p), 16);
	if (!p)
		return -ENOMEM;
	p->card = nla_get_u8(tb[EP11SESS_A_CARD]);
	p->domain = nla_get_u16(tb[EP11SESS_A_DOMAIN]);
	if (tb[EP11SESS_A_SERIAL]) {
		size_t n = nla_len(tb[EP11SESS_A_SERIAL]);

		memcpy(p->serial, nla_data(tb[EP11SESS_A_SERIAL]),
		       n < 16 ? n : 16);
	}
	p->online = tb[EP11SESS_A_ONLINE] && nla_get_u8(tb[EP11SESS_A_ONLINE]);
	p->valid = tb[EP11SESS_A_CAPS_VALID];
	p->cached = tb[EP11SESS_A_CACHED];
	p->max = get_u32(tb[EP11SESS_A_CARD_MAX]);
	p->avail = get_u32(tb[EP11SESS_A_CARD_AVAIL]);
	p->unaccounted = get_u32(tb[EP11SESS_A_CARD_UNACCOUNTED]);
	p->card_held = get_u32(tb[EP11SESS_A_CARD_HELD]);
	p->share = get_u32(tb[EP11SESS_A_HOST_SHARE]);
	p->held = get_u32(tb[EP11SESS_A_HELD]);
	p->pending = get_u32(tb[EP11SESS_A_PENDING]);
	p->logins = get_u64(tb[EP11SESS_A_LOGINS]);
	p->logouts = get_u64(tb[EP11SESS_A_LOGOUTS]);
	p->reclaimed = get_u64(tb[EP11SESS_A_RECLAIMED]);
	p->lost = get_u64(tb[EP11SESS_A_LOST]);
	p->errors = get_u64(tb[EP11SESS_A_ERRORS]);
	p->sum_us = get_u64(tb[EP11SESS_A_RECLAIM_SUM_US]);
	if (tb[EP11SESS_A_RECLAIM_BUCKETS] &&
	    nla_len(tb[EP11SESS_A_RECLAIM_BUCKETS]) ==
	    (int)sizeof(p->buckets)) {
		memcpy(p->buckets, nla_data(tb[EP11SESS_A_RECLAIM_BUCKETS]),
		       sizeof(p->buckets));
		p->has_hist = true;
	}
	return 0;
}

/* A label value: backslash, double quote and newline escaped. */
static void ep11_prom_label(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void ep11_prom_labels(FILE *out, const struct ep11_prom_apqn *p,
			     bool domain, const char *le)
{
	fprintf(out, "{card=\"%02x\"", p->card);
	if (domain)
		fprintf(out, ",domain=\"%04x\"", p->domain);
	fputs(",serial=", out);
	ep11_prom_label(out, p->serial);
	if (le)
		fprintf(out, ",le=\"%s\"", le);
	fputc('}', out);
}

static void ep11_prom_head(FILE *out, const char *name, const char *type,
			   const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The first APQN of each card stands for the card. */
static bool ep11_prom_card_first(const struct ep11_prom_dump *d, size_t i)
{
	return !i || d->a[i - 1].card != d->a[i].card;
}

/**
 * struct ep11_prom_metric - one metric family of numbers
 * @name: its name
 * @type: "gauge" or "counter"
 * @help: its HELP text
 * @card: one sample per card (labels card, serial), else per APQN
 * @caps: only for cards that answered their counts
 * @off:  offset of a uint32_t (@wide false) or uint64_t in the APQN
 * @wide: the field is a uint64_t
 */
struct ep11_prom_metric {
	const char *name;
	const char *type;
	const char *help;
	bool card;
	bool caps;
	size_t off;
	bool wide;
};

#define M32(f)	offsetof(struct ep11_prom_apqn, f), false
#define M64(f)	offsetof(struct ep11_prom_apqn, f), true

static const struct ep11_prom_metric ep11_prom_metrics[] = {
	{ "ep11sess_card_max_sessions", "gauge",
	  "Session budget of the card, as the card answers it (all hosts and domains).",
	  true, true, M32(max) },
	{ "ep11sess_card_available_sessions", "gauge",
	  "Sessions the card says are free.", true, true, M32(avail) },
	{ "ep11sess_card_unaccounted_sessions", "gauge",
	  "Sessions on the card this host does not hold: other hosts', other users', or leaked (max - available - held here).",
	  true, true, M32(unaccounted) },
	{ "ep11sess_card_held_sessions", "gauge",
	  "Sessions this host holds on the card, pending logouts included.",
	  true, false, M32(card_held) },
	{ "ep11sess_card_host_share_sessions", "gauge",
	  "Most sessions this host may hold on the card (0: no cap).",
	  true, false, M32(share) },
	{ "ep11sess_apqn_held_sessions", "gauge",
	  "Sessions this host holds through the APQN, pending logouts included.",
	  false, false, M32(held) },
	{ "ep11sess_apqn_pending_logouts", "gauge",
	  "Logouts that failed on the APQN and are being retried.",
	  false, false, M32(pending) },
	{ "ep11sess_apqn_logins_total", "counter",
	  "Successful logins on the APQN.", false, false, M64(logins) },
	{ "ep11sess_apqn_logouts_total", "counter",
	  "Successful logouts on the APQN, reclaims included.",
	  false, false, M64(logouts) },
	{ "ep11sess_apqn_reclaims_total", "counter",
	  "Logouts of sessions whose last holder went away without logging out.",
	  false, false, M64(reclaimed) },
	{ "ep11sess_apqn_lost_logouts_total", "counter",
	  "Logouts given up: the card went away, or an administrator forced it.",
	  false, false, M64(lost) },
	{ "ep11sess_apqn_errors_total", "counter",
	  "Failed round trips to the APQN (transport, time-out, bad reply).",
	  false, false, M64(errors) },
};

static void ep11_prom_metric(FILE *out, const struct ep11_prom_dump *d,
			     const struct ep11_prom_metric *m)
{
	size_t i;

	ep11_prom_head(out, m->name, m->type, m->help);
	for (i = 0; i < d->n; i++) {
		const struct ep11_prom_apqn *p = &d->a[i];
		const char *f = (const char *)p + m->off;
		uint64_t v;

		if ((m->card && !ep11_prom_card_first(d, i)) ||
		    (m->caps && !p->valid))
			continue;
		if (m->wide)
			memcpy(&v, f, sizeof(v));
		else
			v = *(const uint32_t *)f;
		fputs(m->name, out);
		ep11_prom_labels(out, p, !m->card, NULL);
		fprintf(out, " %" PRIu64 "\n", v);
	}
}

static void ep11_prom_histogram(FILE *out, const struct ep11_prom_dump *d)
{
	static const uint64_t bounds[] = EP11SESS_RECLAIM_BOUNDS_US;
	const char *name = "ep11sess_apqn_reclaim_latency_seconds";
	char le[32];
	uint64_t cum;
	size_t i, b;

	ep11_prom_head(out, name, "histogram",
		       "Time from a session's last holder going away to its logout on the APQN.");
	for (i = 0; i < d->n; i++) {
		const struct ep11_prom_apqn *p = &d->a[i];

		if (!p->has_hist)
			continue;
		cum = 0;
		for (b = 0; b < EP11SESS_RECLAIM_BUCKETS; b++) {
			cum += p->buckets[b];
			if (b < EP11SESS_RECLAIM_NBOUNDS)
				snprintf(le, sizeof(le), "%g",
					 bounds[b] / 1e6);
			else
				snprintf(le, sizeof(le), "+Inf");
			fprintf(out, "%s_bucket", name);
			ep11_prom_labels(out, p, true, le);
			fprintf(out, " %" PRIu64 "\n", cum);
		}
		fprintf(out, "%s_sum", name);
		ep11_prom_labels(out, p, true, NULL);
		fprintf(out, " %.6f\n", p->sum_us / 1e6);
		fprintf(out, "%s_count", name);
		ep11_prom_labels(out, p, true, NULL);
		fprintf(out, " %" PRIu64 "\n", cum);
	}
}

static void ep11_prom_print(FILE *out, const struct ep11_prom_dump *d,
			    bool up)
{
	long orphans = up ? ep11_class_attr("orphaned_logouts") : -1;
	size_t i;

	ep11_prom_head(out, "ep11sess_up", "gauge",
		       "1 when the ep11sess kernel module answered, 0 when it could not be asked.");
	fprintf(out, "ep11sess_up %d\n", up);
	ep11_prom_head(out, "ep11sess_scrape_timestamp_seconds", "gauge",
		       "When these figures were read, seconds since the epoch.");
	fprintf(out, "ep11sess_scrape_timestamp_seconds %lld\n",
		(long long)time(NULL));
	if (!up)
		return;
	ep11_prom_head(out, "ep11sess_apqn_online", "gauge",
		       "1 when the APQN takes requests.");
	for (i = 0; i < d->n; i++) {
		fputs("ep11sess_apqn_online", out);
		ep11_prom_labels(out, &d->a[i], true, NULL);
		fprintf(out, " %d\n", d->a[i].online);
	}
	ep11_prom_head(out, "ep11sess_card_counts_cached", "gauge",
		       "1 when the card's counts are its last answer, not asked for at this read.");
	for (i = 0; i < d->n; i++) {
		if (!ep11_prom_card_first(d, i) || !d->a[i].valid)
			continue;
		fputs("ep11sess_card_counts_cached", out);
		ep11_prom_labels(out, &d->a[i], false, NULL);
		fprintf(out, " %d\n", d->a[i].cached);
	}
	for (i = 0; i < sizeof(ep11_prom_metrics) / sizeof(ep11_prom_metrics[0]);
	     i++)
		ep11_prom_metric(out, d, &ep11_prom_metrics[i]);
	ep11_prom_histogram(out, d);
	if (orphans >= 0) {
		ep11_prom_head(out, "ep11sess_orphaned_logouts", "gauge",
			       "Logouts owed by removed cards, retried when they return.");
		fprintf(out, "ep11sess_orphaned_logouts %ld\n", orphans);
	}
}

/* One dump; returns an exit code, with *@up false when the kernel is not there. */
static int ep11_prom_collect(const struct ep11_prom_opts *o,
			     struct ep11_prom_dump *d, bool *up, bool quiet)
{
	struct ep11_nl nl;
	struct nl_msg *msg;
	int ret;

	d->n = 0;
	*up = false;
	if (quiet && !ep11_module_loaded())
		return EP11_EXIT_NO_MODULE;
	ret = ep11_nl_open_filtered(&nl, o->f);
	if (ret)
		return ret;
	msg = ep11_nl_new(&nl, EP11SESS_CMD_APQN_GET, NLM_F_DUMP);
	if (!msg || (o->f->have_apqn && ep11_filter_put(o->f, msg) < 0) ||
	    (!o->cached && nla_put_flag(msg, EP11SESS_A_REFRESH) < 0)) {
		nlmsg_free(msg);
		fprintf(stderr, "%s: out of memory\n", ep11_prog);
		ep11_nl_close(&nl);
		return EP11_EXIT_FAILED;
	}
	if (ep11_nl_exchange(&nl, msg, ep11_prom_one, d)) {
		ret = ep11_nl_report(&nl, "status --prometheus");
		ep11_nl_close(&nl);
		return ret;
	}
	ep11_nl_close(&nl);
	*up = true;
	return EP11_EXIT_OK;
}

/* Write @d to @path through a temporary file in its directory. */
static int ep11_prom_write(const char *path, const struct ep11_prom_dump *d,
			   bool up)
{
	size_t len = strlen(path);
	char *tmp = malloc(len + sizeof(".XXXXXX"));
	FILE *out = NULL;
	int fd, err = 0;

	if (!tmp) {
		fprintf(stderr, "%s: out of memory\n", ep11_prog);
		return EP11_EXIT_FAILED;
	}
	memcpy(tmp, path, len);
	memcpy(tmp + len, ".XXXXXX", sizeof(".XXXXXX"));
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot create a temporary file beside %s: %s\n",
			ep11_prog, path, strerror(errno));
		free(tmp);
		return EP11_EXIT_FAILED;
	}
	if (fchmod(fd, 0644) || !(out = fdopen(fd, "w"))) {
		err = errno;
		close(fd);
	} else {
		ep11_prom_print(out, d, up);
		if (fflush(out) || ferror(out) || fsync(fileno(out)))
			err = errno ? errno : EIO;
		if (fclose(out) && !err)
			err = errno;
	}
	if (!err && rename(tmp, path))
		err = errno;
	if (err) {
		fprintf(stderr, "%s: cannot write %s: %s\n", ep11_prog, path,
			strerror(err));
		unlink(tmp);
	}
	free(tmp);
	return err ? EP11_EXIT_FAILED : EP11_EXIT_OK;
}

int ep11_prom_check(const struct ep11_prom_opts *o)
{
	const char *base;

	if (o->watch && !o->output) {
		fprintf(stderr, "%s: status: --watch needs --output FILE (the file it keeps fresh)\n",
			ep11_prog);
		return EP11_EXIT_USAGE;
	}
	if (o->output) {
		base = strrchr(o->output, '/');
		base = base ? base + 1 : o->output;
		if (!*base) {
			fprintf(stderr, "%s: status: --output wants a file name, not a directory: %s\n",
				ep11_prog, o->output);
			return EP11_EXIT_USAGE;
		}
	}
	return EP11_EXIT_OK;
}

static void ep11_prom_signal(int sig)
{
	(void)sig;
	ep11_prom_stop = 1;
}

int ep11_prom_run(const struct ep11_prom_opts *o)
{
	struct ep11_prom_dump d = { 0 };
	struct sigaction sa = { .sa_handler = ep11_prom_signal };
	struct timespec next, left;
	bool up, was_up = true;
	int ret;

	if (!o->watch) {
		ret = ep11_prom_collect(o, &d, &up, false);
		if (o->output) {
			/* A kernel that cannot be asked is ep11sess_up 0. */
			int wret = ep11_prom_write(o->output, &d, up);

			if (ret == EP11_EXIT_OK)
				ret = wret;
		} else if (ret == EP11_EXIT_OK) {
			ep11_prom_print(stdout, &d, up);
		}
		free(d.a);
		return ret;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!ep11_prom_stop) {
		ret = ep11_prom_collect(o, &d, &up, !was_up);
		if (up != was_up)
			fprintf(stderr, up ? "%s: the ep11sess module answers again\n" :
				"%s: the ep11sess module cannot be asked; %s says ep11sess_up 0\n",
				ep11_prog, o->output);
		was_up = up;
		if (ret != EP11_EXIT_OK && ret != EP11_EXIT_NO_MODULE &&
		    ret != EP11_EXIT_FAILED) {
			free(d.a);
			return ret;
		}
		ret = ep11_prom_write(o->output, &d, up);
		if (ret != EP11_EXIT_OK) {
			free(d.a);
			return ret;
		}
		next.tv_sec += o->watch;
		while (!ep11_prom_stop &&
		       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
				       &left) == EINTR)
			;
	}
	free(d.a);
	return EP11_EXIT_OK;
}
