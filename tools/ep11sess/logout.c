// SPDX-License-Identifier: GPL-2.0
/*
 * ep11sess logout: an administrator ends sessions, whoever holds them and
 * whether or not their creator lives.
 *
 * Without a filter it ends the leftovers, as pkcsep11_session logout
 * does: sessions whose creator is gone while other files still hold
 * them, sessions that only a keep-alive hold keeps, and (with -force)
 * sessions whose logout is pending.  --all ends every session; -id,
 * -pid, -date and --apqn end those that match them all.  -slot N keeps
 * to the APQNs of libcryptoki's slot N.  --dry-run says what it would
 * end.  Each session is ended by its public id, so what is printed is
 * exactly what was asked.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <linux/ep11sess.h>
#include <netlink/genl/genl.h>

#include "config.h"
#include "ep11sess.h"

static void ep11_logout_usage(FILE *out)
{
	fprintf(out,
		"Usage: %s logout [--all | -id HEX | -pid PID | -date yyyy/mm/dd | --apqn CARD.DOMAIN]...\n"
		"                 [-slot N] [-force] [--dry-run] [--json]\n"
		"\n"
		"Without a filter, logs out the leftover sessions, as pkcsep11_session\n"
		"logout does: those whose creator is gone while other files still hold\n"
		"them, and those only a keep-alive hold keeps; with -force also those\n"
		"whose logout is pending.  Sessions in use by a running creator are\n"
		"left alone.  With filters, every live session that matches them all;\n"
		"with --all, every session.  Needs CAP_SYS_ADMIN and CAP_NET_ADMIN.\n"
		"\n"
		"  --all             every session (no filter with it)\n"
		"  -id HEX           the session with this public id (32 hex digits)\n"
		"  -pid PID          sessions created by this process\n"
		"  -date yyyy/mm/dd  sessions created on this day or before\n"
		"  --apqn 0b.0024    sessions on this APQN\n"
		"  -slot N           only sessions on the APQNs of libcryptoki's slot N\n"
		"  -force            forget APQNs whose logout fails instead of keeping\n"
		"                    it pending; also ends pending logouts\n"
		"  --dry-run         print what would be logged out, log out nothing\n"
		"  --json            one JSON object for scripts (ep11sess(8))\n"
		"  -h, --help        this text\n", ep11_prog);
}

/**
 * struct ep11_logout_ctx - a logout in progress
 * @json:     print JSON
 * @dry_run:  print, do not log out
 * @force:    %EP11SESS_A_FORCE
 * @matched:  sessions logged out
 * @failed:   of those, sessions with an APQN that failed
 * @gone:     sessions that ended before their turn
 * @listed:   sessions printed
 * @row:      the session being logged out
 */
struct ep11_logout_ctx {
	bool json;
	bool dry_run;
	bool force;
	uint32_t matched;
	uint32_t failed;
	uint32_t gone;
	uint32_t listed;
	const struct ep11_sess_row *row;
};

/* "(pid N, comm)" or "(creator gone, comm)": never a reused pid. */
static void ep11_logout_owner(const struct ep11_sess_row *r, char *out,
			      size_t len)
{
	if (r->owner == EP11_OWNER_ALIVE)
		snprintf(out, len, "pid %u, %s", r->pid, r->comm);
	else
		snprintf(out, len, "creator %s, %s",
			 r->owner == EP11_OWNER_GONE ? "gone" : "not visible",
			 r->comm);
}

static void ep11_logout_json_head(const struct ep11_sess_row *r,
				  const char *result, uint32_t listed)
{
	const char *why = ep11_leftover_name(ep11_leftover(r));

	printf("%s\n    {\"id\": \"%s\", \"pid\": ", listed ? "," : "", r->id);
	if (r->owner == EP11_OWNER_ALIVE)
		printf("%u", r->pid);
	else
		printf("null");
	printf(", \"owner\": \"%s\", \"comm\": ",
	       r->owner == EP11_OWNER_ALIVE ? "alive" :
	       r->owner == EP11_OWNER_GONE ? "gone" : "unknown");
	ep11_json_string(stdout, r->comm);
	printf(", \"leftover\": ");
	if (why)
		printf("\"%s\"", why);
	else
		printf("null");
	printf(", \"result\": \"%s\", \"apqns\": [", result);
}

/* What a dry run prints for one session. */
static void ep11_logout_would(struct ep11_logout_ctx *ctx,
			      const struct ep11_sess_row *r)
{
	const char *why = ep11_leftover_name(ep11_leftover(r));
	char owner[64];
	unsigned int j;

	if (ctx->json) {
		ep11_logout_json_head(r, "would-log-out", ctx->listed);
		for (j = 0; j < r->napqns; j++)
			printf("%s{\"apqn\": \"%02x.%04x\", \"card\": %u, \"domain\": %u, \"state\": \"%s\"}",
			       j ? ", " : "", r->apqns[j].card,
			       r->apqns[j].domain, r->apqns[j].card,
			       r->apqns[j].domain,
			       ep11_state_name(r->apqns[j].state));
		printf("]}");
	} else {
		ep11_logout_owner(r, owner, sizeof(owner));
		printf("would log out %s (%s)%s%s on", r->id, owner,
		       why ? ", " : "", why ? why : "");
		for (j = 0; j < r->napqns; j++)
			printf(" %02x.%04x", r->apqns[j].card,
			       r->apqns[j].domain);
		printf("\n");
	}
	ctx->listed++;
}

/* One session of the kernel's answer. */
static int ep11_logout_result(struct nlattr *nest, struct ep11_logout_ctx *ctx)
{
	struct nlattr *tb[EP11SESS_A_MAX + 1], *sub[EP11SESS_A_MAX + 1], *a;
	const struct ep11_sess_row *r = ctx->row;
	char owner[64];
	bool failed = false;
	unsigned int n = 0;
	uint32_t st;
	int rem;

	if (nla_parse_nested(tb, EP11SESS_A_MAX, nest, NULL) < 0 ||
	    !tb[EP11SESS_A_PUBLIC_ID] ||
	    nla_len(tb[EP11SESS_A_PUBLIC_ID]) != 16 || !tb[EP11SESS_A_PID])
		return -EPROTO;
	nla_for_each_nested(a, nest, rem)
		if (nla_type(a) == EP11SESS_A_SESSION_APQN &&
		    (nla_parse_nested(sub, EP11SESS_A_MAX, a, NULL) < 0 ||
		     !sub[EP11SESS_A_STATE] ||
		     nla_get_u32(sub[EP11SESS_A_STATE]) != EP11SESS_STATE_DONE))
			failed = true;

	if (ctx->json) {
		ep11_logout_json_head(r, failed ? "failed" : "logged-out",
				      ctx->listed);
	} else {
		ep11_logout_owner(r, owner, sizeof(owner));
		printf("%-10s %s (%s)%s", failed ? "FAILED" : "logged out",
		       r->id, owner, failed ? ":" : " on");
	}
	nla_for_each_nested(a, nest, rem) {
		uint8_t card;
		uint16_t dom;

		if (nla_type(a) != EP11SESS_A_SESSION_APQN ||
		    nla_parse_nested(sub, EP11SESS_A_MAX, a, NULL) < 0 ||
		    !sub[EP11SESS_A_CARD] || !sub[EP11SESS_A_DOMAIN] ||
		    !sub[EP11SESS_A_STATE])
			continue;
		st = nla_get_u32(sub[EP11SESS_A_STATE]);
		card = nla_get_u8(sub[EP11SESS_A_CARD]);
		dom = nla_get_u16(sub[EP11SESS_A_DOMAIN]);
		if (ctx->json)
			printf("%s{\"apqn\": \"%02x.%04x\", \"card\": %u, \"domain\": %u, \"state\": \"%s\"}",
			       n ? ", " : "", card, dom, card, dom,
			       ep11_state_name(st));
		else if (!failed)
			printf(" %02x.%04x", card, dom);
		else
			printf(" %02x.%04x %s", card, dom,
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
	ctx->matched += nla_get_u32(tb[EP11SESS_A_MATCHED]);
	ctx->failed += nla_get_u32(tb[EP11SESS_A_FAILED]);
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		if (nla_type(a) != EP11SESS_A_RESULT)
			continue;
		ret = ep11_logout_result(a, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

/* Log out one session by its public id; 0 or an exit code. */
static int ep11_logout_one(struct ep11_nl *nl, struct ep11_logout_ctx *ctx,
			   const struct ep11_sess_row *r)
{
	struct ep11_filter f = { .have_id = true };
	struct nl_msg *msg;
	unsigned int i;

	for (i = 0; i < 16; i++) {
		char byte[3] = { r->id[2 * i], r->id[2 * i + 1], '\0' };

		f.id[i] = strtoul(byte, NULL, 16);
	}
	msg = ep11_nl_new(nl, EP11SESS_CMD_LOGOUT, 0);
	if (!msg || ep11_filter_put(&f, msg) < 0 ||
	    (ctx->force && nla_put_flag(msg, EP11SESS_A_FORCE) < 0)) {
		nlmsg_free(msg);
		return ep11_fail(EP11_EXIT_FAILED, ENOMEM, "out of memory");
	}
	ctx->row = r;
	if (!ep11_nl_exchange(nl, msg, ep11_logout_answer, ctx))
		return 0;
	/* Ended meanwhile: its holder logged out or went away. */
	if (nl->err == -ENOENT) {
		ctx->gone++;
		return 0;
	}
	return ep11_nl_report(nl, "logout");
}

/* Whether a session has an APQN of the slot's token. */
static bool ep11_on_slot(const struct ep11_sess_row *r,
			 const struct ck_slot_conf *slot)
{
	unsigned int i, j;

	for (i = 0; i < r->napqns; i++)
		for (j = 0; j < slot->napqns; j++)
			if (r->apqns[i].card == slot->apqns[j].card &&
			    (slot->apqns[j].all_domains ||
			     r->apqns[i].domain == slot->apqns[j].domain))
				return true;
	return false;
}

/**
 * ep11_logout_slot() - the APQNs of libcryptoki's slot N
 * @id:   the slot
 * @cfg:  loaded here; free with ck_config_free()
 * @slot: the slot found, NULL when there is no configuration at all
 *
 * Return: 0, or an exit code after saying what is wrong.
 */
static int ep11_logout_slot(long id, struct ck_config *cfg,
			    const struct ck_slot_conf **slot)
{
	char err[512];
	unsigned int i;
	FILE *f;

	*slot = NULL;
	f = fopen(ck_config_path(), "r");
	if (!f && errno == ENOENT) {
		if (!ep11_json)
			fprintf(stderr, "%s: note: -slot %ld: %s does not exist, so no slot names APQNs: every APQN is meant\n",
				ep11_prog, id, ck_config_path());
		return 0;
	}
	if (f)
		fclose(f);
	if (ck_config_load(ck_config_path(), cfg, err, sizeof(err)))
		return ep11_fail(EP11_EXIT_FAILED, 0, "logout -slot %ld: %s",
				 id, err);
	for (i = 0; i < cfg->nslots; i++)
		if (cfg->slots[i].id == (unsigned long)id)
			*slot = &cfg->slots[i];
	if (!*slot)
		return ep11_fail(EP11_EXIT_NOT_FOUND, ENOENT,
				 "logout: %s has no slot %ld", cfg->path, id);
	return 0;
}

/**
 * enum ep11_logout_mode - what the command line selects
 * @EP11_SEL_LEFTOVERS: no filter: the leftovers
 * @EP11_SEL_ALL:       --all
 * @EP11_SEL_FILTERS:   -id, -pid, -date, --apqn
 */
enum ep11_logout_mode {
	EP11_SEL_LEFTOVERS,
	EP11_SEL_ALL,
	EP11_SEL_FILTERS,
};

static const char *const ep11_sel_names[] = {
	[EP11_SEL_LEFTOVERS] = "leftovers",
	[EP11_SEL_ALL] = "all",
	[EP11_SEL_FILTERS] = "filters",
};

int ep11_cmd_logout(int argc, char **argv)
{
	enum { OPT_ALL = 0x200, OPT_DRY_RUN };
	static const struct option opts[] = {
		{ "id", required_argument, NULL, EP11_OPT_ID },
		{ "pid", required_argument, NULL, EP11_OPT_PID },
		{ "date", required_argument, NULL, EP11_OPT_DATE },
		{ "apqn", required_argument, NULL, EP11_OPT_APQN },
		{ "force", no_argument, NULL, EP11_OPT_FORCE },
		{ "json", no_argument, NULL, EP11_OPT_JSON },
		{ "slot", required_argument, NULL, EP11_OPT_SLOT },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ep11_logout_ctx ctx = { 0 };
	const struct ck_slot_conf *slot = NULL;
	enum ep11_logout_mode mode;
	struct ck_config cfg = { 0 };
	struct ep11_filter f = { 0 };
	struct ep11_sess_list list = { 0 };
	uint32_t busy = 0, pending = 0;
	bool all = false;
	long slot_id = -1;
	struct ep11_nl nl;
	char *end;
	int opt, ret;
	size_t i;

	while ((opt = getopt_long_only(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case EP11_OPT_ID:
		case EP11_OPT_PID:
		case EP11_OPT_DATE:
		case EP11_OPT_APQN:
			if (ep11_filter_option(opt, optarg, &f))
				return EP11_EXIT_USAGE;
			break;
		case EP11_OPT_FORCE:
			ctx.force = true;
			break;
		case EP11_OPT_JSON:
			ctx.json = true;
			break;
		case EP11_OPT_SLOT:
			errno = 0;
			slot_id = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || slot_id < 0 ||
			    slot_id > 255)
				return ep11_fail(EP11_EXIT_USAGE, 0,
						 "logout: -slot wants a slot number 0-255, not '%s'",
						 optarg);
			break;
		case OPT_ALL:
			all = true;
			break;
		case OPT_DRY_RUN:
			ctx.dry_run = true;
			break;
		case 'h':
			ep11_logout_usage(stdout);
			return EP11_EXIT_OK;
		default:
			return ep11_bad_option(opt, argc, argv, ep11_logout_usage);
		}
	}
	if (ep11_no_operands("logout", argc, argv))
		return EP11_EXIT_USAGE;
	mode = f.have_id || f.have_pid || f.have_date || f.have_apqn ?
	       EP11_SEL_FILTERS : all ? EP11_SEL_ALL : EP11_SEL_LEFTOVERS;
	if (all && mode == EP11_SEL_FILTERS)
		return ep11_fail(EP11_EXIT_USAGE, 0,
				 "logout: --all means every session, so it takes no -id, -pid, -date or --apqn");
	/* A dry run reads everyone's sessions; a logout also ends them. */
	ret = ep11_need_caps("logout", !ctx.dry_run);
	if (ret)
		return ret;
	if (slot_id >= 0) {
		ret = ep11_logout_slot(slot_id, &cfg, &slot);
		if (ret)
			goto out_cfg;
	}
	ret = ep11_nl_open_filtered(&nl, &f);
	if (ret)
		goto out_cfg;
	if (ep11_sessions_get(&nl, &f, &list)) {
		ret = ep11_nl_report(&nl, "logout");
		goto out;
	}
	if (mode == EP11_SEL_FILTERS && !list.n) {
		ret = ep11_fail(EP11_EXIT_NOT_FOUND, ENOENT,
				"logout: no such session (no session matches the filters)");
		goto out;
	}
	if (ctx.json) {
		printf("{");
		ep11_json_time(stdout, "time", ep11_now_ns());
		printf(", \"selection\": \"%s\", \"slot\": ", ep11_sel_names[mode]);
		if (slot_id >= 0)
			printf("%ld", slot_id);
		else
			printf("null");
		printf(", \"dry_run\": %s, \"force\": %s, \"sessions\": [",
		       ctx.dry_run ? "true" : "false",
		       ctx.force ? "true" : "false");
	}
	ret = 0;
	for (i = 0; i < list.n && !ret; i++) {
		const struct ep11_sess_row *r = &list.rows[i];
		enum ep11_leftover why = ep11_leftover(r);

		if (slot && !ep11_on_slot(r, slot))
			continue;
		/* The kernel's own logouts: only -force takes them over. */
		if (r->dying || why == EP11_LEFTOVER_PENDING) {
			if (!ctx.force) {
				pending++;
				continue;
			}
		} else if (mode == EP11_SEL_LEFTOVERS &&
			   why == EP11_LEFTOVER_NONE) {
			busy++;
			continue;
		}
		if (ctx.dry_run) {
			ep11_logout_would(&ctx, r);
			ctx.matched++;
		} else {
			ret = ep11_logout_one(&nl, &ctx, r);
		}
	}
	if (ret) {
		/* The error was printed; close what JSON was opened. */
		if (ctx.json)
			printf("]}\n");
		goto out;
	}
	if (ctx.json) {
		printf("%s], \"matched\": %u, \"failed\": %u, \"ended_meanwhile\": %u, \"left_in_use\": %u, \"left_pending\": %u}\n",
		       ctx.listed ? "\n  " : "", ctx.matched, ctx.failed,
		       ctx.gone, busy, pending);
	} else {
		printf("%u session(s) %s, %u with an APQN that failed\n",
		       ctx.matched,
		       ctx.dry_run ? "would be logged out" : "logged out",
		       ctx.failed);
		if (ctx.gone)
			printf("%u session(s) ended before their turn (their holders logged out)\n",
			       ctx.gone);
		if (busy)
			printf("%u session(s) left alone: their creator still runs, and without a filter logout ends only leftovers (use --all or -id, -pid, -date, --apqn for those)\n",
			       busy);
		if (pending)
			printf("%u session(s) left alone: their logout is pending and the kernel retries it (-force gives it one last try and forgets the APQNs that still fail)\n",
			       pending);
	}
	ret = ctx.failed ? EP11_EXIT_FAILED : EP11_EXIT_OK;
out:
	ep11_sessions_free(&list);
	ep11_nl_close(&nl);
out_cfg:
	ck_config_free(&cfg);
	return ret;
}
