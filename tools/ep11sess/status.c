// SPDX-License-Identifier: GPL-2.0
/*
 * ep11sess status: per APQN, the card's max and available sessions as
 * pkcsep11_session status prints them, plus what the kernel holds, the
 * pending logouts, the reclaims and the sessions logged in again after the
 * card came back.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <netlink/genl/genl.h>

#include "ep11sess.h"

/**
 * struct ep11_status_ctx - the output in progress
 * @json:  print JSON
 * @count: APQNs printed
 */
struct ep11_status_ctx {
	bool json;
	unsigned int count;
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

static int ep11_status_one(struct nlmsghdr *nlh, struct nlattr **tb,
			   void *arg)
{
	struct ep11_status_ctx *ctx = arg;
	char serial[17] = "", apqn[16];
	bool valid = tb[EP11SESS_A_CAPS_VALID];
	bool online;

	if (!tb[EP11SESS_A_CARD] || !tb[EP11SESS_A_DOMAIN])
		return -EPROTO;
	snprintf(apqn, sizeof(apqn), "%02x.%04x",
		 nla_get_u8(tb[EP11SESS_A_CARD]),
		 nla_get_u16(tb[EP11SESS_A_DOMAIN]));
	online = tb[EP11SESS_A_ONLINE] && nla_get_u8(tb[EP11SESS_A_ONLINE]);
	if (tb[EP11SESS_A_SERIAL]) {
		size_t n = nla_len(tb[EP11SESS_A_SERIAL]);

		memcpy(serial, nla_data(tb[EP11SESS_A_SERIAL]),
		       n < 16 ? n : 16);
		serial[16] = '\0';
	}
	if (ctx->json) {
		printf("%s\n    {\"apqn\": \"%s\", \"card\": %u, \"domain\": %u, \"online\": %s, \"serial\": ",
		       ctx->count ? "," : "", apqn,
		       nla_get_u8(tb[EP11SESS_A_CARD]),
		       nla_get_u16(tb[EP11SESS_A_DOMAIN]),
		       online ? "true" : "false");
		ep11_json_string(stdout, serial);
		if (valid)
			printf(", \"max_sessions\": %u, \"available_sessions\": %u",
			       u32_or_0(tb[EP11SESS_A_CARD_MAX]),
			       u32_or_0(tb[EP11SESS_A_CARD_AVAIL]));
		else
			printf(", \"max_sessions\": null, \"available_sessions\": null");
		printf(", \"cached\": %s, \"card_held\": %u, \"held\": %u, \"pending\": %u, \"logins\": %llu, \"logouts\": %llu, \"reclaimed\": %llu, \"lost\": %llu, \"errors\": %llu, \"last_reclaim_us\": %llu, \"relogins\": %llu",
		       tb[EP11SESS_A_CACHED] ? "true" : "false",
		       u32_or_0(tb[EP11SESS_A_CARD_HELD]),
		       u32_or_0(tb[EP11SESS_A_HELD]),
		       u32_or_0(tb[EP11SESS_A_PENDING]),
		       (unsigned long long)u64_or_0(tb[EP11SESS_A_LOGINS]),
		       (unsigned long long)u64_or_0(tb[EP11SESS_A_LOGOUTS]),
		       (unsigned long long)u64_or_0(tb[EP11SESS_A_RECLAIMED]),
		       (unsigned long long)u64_or_0(tb[EP11SESS_A_LOST]),
		       (unsigned long long)u64_or_0(tb[EP11SESS_A_ERRORS]),
		       (unsigned long long)u64_or_0(tb[EP11SESS_A_LAST_RECLAIM_US]),
		       (unsigned long long)u64_or_0(tb[EP11SESS_A_RELOGINS]));
		ep11_status_quota(nla_get_u8(tb[EP11SESS_A_CARD]), true);
		printf("}");
		ctx->count++;
		return 0;
	}
	printf("APQN %s:\n", apqn);
	if (valid) {
		printf("  Max Sessions:        %u\n",
		       u32_or_0(tb[EP11SESS_A_CARD_MAX]));
		printf("  Available Sessions:  %u%s\n",
		       u32_or_0(tb[EP11SESS_A_CARD_AVAIL]),
		       tb[EP11SESS_A_CACHED] ? " (as last read)" : "");
	} else {
		printf("  Max Sessions:        unknown (the card has not answered)\n");
		printf("  Available Sessions:  unknown\n");
	}
	printf("  Held:                %u (card: %u)\n",
	       u32_or_0(tb[EP11SESS_A_HELD]),
	       u32_or_0(tb[EP11SESS_A_CARD_HELD]));
	printf("  Pending Logouts:     %u\n", u32_or_0(tb[EP11SESS_A_PENDING]));
	printf("  Reclaimed:           %llu (last in %llu us)\n",
	       (unsigned long long)u64_or_0(tb[EP11SESS_A_RECLAIMED]),
	       (unsigned long long)u64_or_0(tb[EP11SESS_A_LAST_RECLAIM_US]));
	printf("  Logged In Again:     %llu\n",
	       (unsigned long long)u64_or_0(tb[EP11SESS_A_RELOGINS]));
	printf("  Online:              %s%s%s\n", online ? "yes" : "no",
	       serial[0] ? ", serial " : "", serial);
	ep11_status_quota(nla_get_u8(tb[EP11SESS_A_CARD]), false);
	ctx->count++;
	return 0;
}

static void ep11_status_usage(FILE *out)
{
	fprintf(out,
		"Usage: %s status [--apqn CARD.DOMAIN] [--cached] [--json]\n"
		"\n"
		"Sessions per APQN: the card's own Max and Available Sessions,\n"
		"those the kernel holds, pending logouts and reclaims.\n"
		"\n"
		"  --apqn 0b.0024  only this APQN\n"
		"  --cached        do not ask the cards, show their last answer\n"
		"  --json          one JSON object for scripts\n"
		"  -h, --help      this text\n", ep11_prog);
}

int ep11_cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "apqn", required_argument, NULL, EP11_OPT_APQN },
		{ "cached", no_argument, NULL, EP11_OPT_CACHED },
		{ "json", no_argument, NULL, EP11_OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ep11_status_ctx ctx = { 0 };
	struct ep11_filter f = { 0 };
	bool cached = false;
	struct ep11_nl nl;
	long orphans;
	struct nl_msg *msg;
	int opt, ret;

	while ((opt = getopt_long_only(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case EP11_OPT_APQN:
			if (ep11_filter_option(opt, optarg, &f))
				return EP11_EXIT_USAGE;
			break;
		case EP11_OPT_CACHED:
			cached = true;
			break;
		case EP11_OPT_JSON:
			ctx.json = true;
			break;
		case 'h':
			ep11_status_usage(stdout);
			return EP11_EXIT_OK;
		default:
			ep11_status_usage(stderr);
			return EP11_EXIT_USAGE;
		}
	}
	if (ep11_no_operands("status", argc, argv))
		return EP11_EXIT_USAGE;
	ret = ep11_nl_open_filtered(&nl, &f);
	if (ret)
		return ret;
	msg = ep11_nl_new(&nl, EP11SESS_CMD_APQN_GET, NLM_F_DUMP);
	if (!msg || (f.have_apqn && ep11_filter_put(&f, msg) < 0) ||
	    (!cached && nla_put_flag(msg, EP11SESS_A_REFRESH) < 0)) {
		nlmsg_free(msg);
		fprintf(stderr, "%s: out of memory\n", ep11_prog);
		ret = EP11_EXIT_FAILED;
		goto out;
	}
	if (ctx.json)
		printf("{\"apqns\": [");
	if (ep11_nl_exchange(&nl, msg, ep11_status_one, &ctx)) {
		if (ctx.json)
			printf("\n]}\n");
		ret = ep11_nl_report(&nl, "status");
		goto out;
	}
	orphans = ep11_class_attr("orphaned_logouts");
	if (ctx.json)
		printf(orphans < 0 ? "%s], \"orphaned_logouts\": null}\n" :
		       "%s], \"orphaned_logouts\": %ld}\n",
		       ctx.count ? "\n  " : "", orphans);
	else if (!ctx.count)
		printf("No EP11 APQN is registered.\n");
	if (!ctx.json && orphans > 0)
		printf("Orphaned Logouts:      %ld (owed by removed cards, retried when they return)\n",
		       orphans);
	ret = EP11_EXIT_OK;
out:
	ep11_nl_close(&nl);
	return ret;
}
