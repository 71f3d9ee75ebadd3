// SPDX-License-Identifier: GPL-2.0
/*
 * ep11sess logout: an administrator ends the sessions that match the
 * filters, whoever holds them and whether or not their owner lives.
 * Says what it logged out and what failed.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <linux/ep11sess.h>
#include <netlink/genl/genl.h>

#include "ep11sess.h"

static void ep11_logout_usage(FILE *out)
{
	fprintf(out,
		"Usage: %s logout [-id HEX] [-pid PID] [-date yyyy/mm/dd] [--apqn CARD.DOMAIN] [-force] [--json]\n"
		"\n"
		"Logs out every live session that matches all filters given (at\n"
		"least one), on all its APQNs; its holders' handles go stale.\n"
		"Needs root.\n"
		"\n"
		"  -id HEX           the session with this public id (32 hex digits)\n"
		"  -pid PID          sessions created by this process\n"
		"  -date yyyy/mm/dd  sessions created before this day\n"
		"  --apqn 0b.0024    sessions on this APQN\n"
		"  -force            forget APQNs whose logout fails instead of\n"
		"                    keeping the logout pending\n"
		"  --json            one JSON object for scripts\n"
		"  -h, --help        this text\n", ep11_prog);
}

/**
 * struct ep11_logout_ctx - the kernel's answer
 * @json:    print JSON
 * @matched: sessions logged out
 * @failed:  of those, sessions with an APQN that failed
 * @listed:  sessions the answer lists
 */
struct ep11_logout_ctx {
	bool json;
	uint32_t matched;
	uint32_t failed;
	uint32_t listed;
};

/* One session of the answer; returns true when an APQN failed. */
static int ep11_logout_result(struct nlattr *nest, struct ep11_logout_ctx *ctx)
{
	struct nlattr *tb[EP11SESS_A_MAX + 1], *sub[EP11SESS_A_MAX + 1], *a;
	char id[33], comm[17] = "";
	uint32_t pid, st;
	bool failed = false;
	unsigned int n = 0;
	int rem;

	if (nla_parse_nested(tb, EP11SESS_A_MAX, nest, NULL) < 0 ||
	    !tb[EP11SESS_A_PUBLIC_ID] ||
	    nla_len(tb[EP11SESS_A_PUBLIC_ID]) != 16 || !tb[EP11SESS_A_PID])
		return -EPROTO;
	ep11_hex(id, nla_data(tb[EP11SESS_A_PUBLIC_ID]), 16);
	pid = nla_get_u32(tb[EP11SESS_A_PID]);
	if (tb[EP11SESS_A_COMM])
		nla_strlcpy(comm, tb[EP11SESS_A_COMM], sizeof(comm));
	nla_for_each_nested(a, nest, rem)
		if (nla_type(a) == EP11SESS_A_SESSION_APQN &&
		    (nla_parse_nested(sub, EP11SESS_A_MAX, a, NULL) < 0 ||
		     !sub[EP11SESS_A_STATE] ||
		     nla_get_u32(sub[EP11SESS_A_STATE]) != EP11SESS_STATE_DONE))
			failed = true;

	if (ctx->json) {
		printf("%s\n    {\"id\": \"%s\", \"pid\": %u, \"comm\": ",
		       ctx->listed ? "," : "", id, pid);
		ep11_json_string(stdout, comm);
		printf(", \"result\": \"%s\", \"apqns\": [",
		       failed ? "failed" : "logged-out");
	} else {
		printf("%-10s %s (pid %u, %s)%s", failed ? "FAILED" : "logged out",
		       id, pid, comm, failed ? ":" : " on");
	}
	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) != EP11SESS_A_SESSION_APQN ||
		    nla_parse_nested(sub, EP11SESS_A_MAX, a, NULL) < 0 ||
		    !sub[EP11SESS_A_CARD] || !sub[EP11SESS_A_DOMAIN] ||
		    !sub[EP11SESS_A_STATE])
			continue;
		st = nla_get_u32(sub[EP11SESS_A_STATE]);
		if (ctx->json)
			printf("%s{\"apqn\": \"%02x.%04x\", \"state\": \"%s\"}",
			       n ? ", " : "", nla_get_u8(sub[EP11SESS_A_CARD]),
			       nla_get_u16(sub[EP11SESS_A_DOMAIN]),
			       ep11_state_name(st));
		else if (!failed)
			printf(" %02x.%04x", nla_get_u8(sub[EP11SESS_A_CARD]),
			       nla_get_u16(sub[EP11SESS_A_DOMAIN]));
		else
			printf(" %02x.%04x %s", nla_get_u8(sub[EP11SESS_A_CARD]),
			       nla_get_u16(sub[EP11SESS_A_DOMAIN]),
			       st == EP11SESS_STATE_PENDING ?
			       "pending (the kernel retries it)" :
			       st == EP11SESS_STATE_LOST ?
			       "lost (forgotten; the card may count it until it is reset)" :
			       ep11_state_name(st));
		n++;
	}
	printf(ctx->json ? "]}" : "\n");
	ctx->listed++;
	return 0;
}

static int ep11_logout_answer(struct nlmsghdr *nlh, struct nlattr **tb,
			      void *arg)
{
	struct ep11_logout_ctx *ctx = arg;
	struct nlattr *a;
	int rem, ret;

	if (!tb[EP11SESS_A_MATCHED] || !tb[EP11SESS_A_FAILED])
		return -EPROTO;
	ctx->matched = nla_get_u32(tb[EP11SESS_A_MATCHED]);
	ctx->failed = nla_get_u32(tb[EP11SESS_A_FAILED]);
	if (ctx->json)
		printf("{\"matched\": %u, \"failed\": %u, \"sessions\": [",
		       ctx->matched, ctx->failed);
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		if (nla_type(a) != EP11SESS_A_RESULT)
			continue;
		ret = ep11_logout_result(a, ctx);
		if (ret)
			return ret;
	}
	if (ctx->json)
		printf("%s]}\n", ctx->listed ? "\n  " : "");
	return 0;
}

int ep11_cmd_logout(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, EP11_OPT_ID },
		{ "pid", required_argument, NULL, EP11_OPT_PID },
		{ "date", required_argument, NULL, EP11_OPT_DATE },
		{ "apqn", required_argument, NULL, EP11_OPT_APQN },
		{ "force", no_argument, NULL, EP11_OPT_FORCE },
		{ "json", no_argument, NULL, EP11_OPT_JSON },
		{ "slot", required_argument, NULL, EP11_OPT_SLOT },
		{ "pin", required_argument, NULL, EP11_OPT_PIN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ep11_logout_ctx ctx = { 0 };
	struct ep11_filter f = { 0 };
	bool force = false;
	struct nl_msg *msg;
	struct ep11_nl nl;
	int opt, ret;

	while ((opt = getopt_long_only(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case EP11_OPT_ID:
		case EP11_OPT_PID:
		case EP11_OPT_DATE:
		case EP11_OPT_APQN:
			if (ep11_filter_option(opt, optarg, &f))
				return EP11_EXIT_USAGE;
			break;
		case EP11_OPT_FORCE:
			force = true;
			break;
		case EP11_OPT_JSON:
			ctx.json = true;
			break;
		case EP11_OPT_SLOT:
		case EP11_OPT_PIN:
			fprintf(stderr, "%s: note: -%s is not needed, the kernel logs out without the PIN\n",
				ep11_prog, opt == EP11_OPT_SLOT ? "slot" : "pin");
			break;
		case 'h':
			ep11_logout_usage(stdout);
			return EP11_EXIT_OK;
		default:
			ep11_logout_usage(stderr);
			return EP11_EXIT_USAGE;
		}
	}
	if (ep11_no_operands("logout", argc, argv))
		return EP11_EXIT_USAGE;
	if (!f.have_id && !f.have_pid && !f.have_date && !f.have_apqn) {
		fprintf(stderr, "%s: logout: give at least one of -id, -pid, -date or --apqn\n",
			ep11_prog);
		return EP11_EXIT_USAGE;
	}
	ret = ep11_nl_open_filtered(&nl, &f);
	if (ret)
		return ret;
	msg = ep11_nl_new(&nl, EP11SESS_CMD_LOGOUT, 0);
	if (!msg || ep11_filter_put(&f, msg) < 0 ||
	    (force && nla_put_flag(msg, EP11SESS_A_FORCE) < 0)) {
		nlmsg_free(msg);
		fprintf(stderr, "%s: out of memory\n", ep11_prog);
		ret = EP11_EXIT_FAILED;
		goto out;
	}
	if (ep11_nl_exchange(&nl, msg, ep11_logout_answer, &ctx)) {
		ret = ep11_nl_report(&nl, "logout");
		goto out;
	}
	if (!ctx.json) {
		if (ctx.listed < ctx.matched)
			printf("... and %u more session(s) not listed\n",
			       ctx.matched - ctx.listed);
		printf("%u session(s) logged out, %u with an APQN that failed\n",
		       ctx.matched, ctx.failed);
	}
	ret = ctx.failed ? EP11_EXIT_FAILED : EP11_EXIT_OK;
out:
	ep11_nl_close(&nl);
	return ret;
}
