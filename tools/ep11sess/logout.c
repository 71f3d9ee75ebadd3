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

static int ep11_logout_answer(struct nlmsghdr *nlh, struct nlattr **tb,
			      void *arg)
{
	uint32_t *res = arg;

	if (!tb[EP11SESS_A_MATCHED] || !tb[EP11SESS_A_FAILED])
		return -EPROTO;
	res[0] = nla_get_u32(tb[EP11SESS_A_MATCHED]);
	res[1] = nla_get_u32(tb[EP11SESS_A_FAILED]);
	return 0;
}

static const struct ep11_sess_row *
ep11_find_row(const struct ep11_sess_list *list, const char *id)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (!strcmp(list->rows[i].id, id))
			return &list->rows[i];
	return NULL;
}

/* What became of one session that was live before the logout. */
static bool ep11_logout_result(const struct ep11_sess_row *r,
			       const struct ep11_sess_list *after, bool json,
			       bool first)
{
	const struct ep11_sess_row *a = ep11_find_row(after, r->id);
	bool failed = false;
	unsigned int j;

	if (a)
		for (j = 0; j < a->napqns; j++)
			if (a->apqns[j].state != EP11SESS_STATE_DONE)
				failed = true;
	if (json) {
		printf("%s\n    {\"id\": \"%s\", \"pid\": %u, \"comm\": ",
		       first ? "" : ",", r->id, r->pid);
		ep11_json_string(stdout, r->comm);
		printf(", \"result\": \"%s\", \"apqns\": [",
		       failed ? "failed" : "logged-out");
		for (j = 0; j < r->napqns; j++) {
			uint32_t st = EP11SESS_STATE_DONE;
			unsigned int k;

			for (k = 0; a && k < a->napqns; k++)
				if (a->apqns[k].card == r->apqns[j].card &&
				    a->apqns[k].domain == r->apqns[j].domain)
					st = a->apqns[k].state;
			printf("%s{\"apqn\": \"%02x.%04x\", \"state\": \"%s\"}",
			       j ? ", " : "", r->apqns[j].card,
			       r->apqns[j].domain, ep11_state_name(st));
		}
		printf("]}");
		return failed;
	}
	if (!failed) {
		printf("logged out %s (pid %u, %s) on", r->id, r->pid,
		       r->comm);
		for (j = 0; j < r->napqns; j++)
			printf(" %02x.%04x", r->apqns[j].card,
			       r->apqns[j].domain);
		printf("\n");
		return false;
	}
	printf("FAILED     %s (pid %u, %s):", r->id, r->pid, r->comm);
	for (j = 0; j < a->napqns; j++)
		printf(" %02x.%04x %s", a->apqns[j].card, a->apqns[j].domain,
		       a->apqns[j].state == EP11SESS_STATE_PENDING ?
		       "pending (the kernel retries it)" :
		       ep11_state_name(a->apqns[j].state));
	printf("\n");
	return true;
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
	struct ep11_sess_list before = { 0 }, after = { 0 };
	struct ep11_filter f = { 0 };
	bool json = false, force = false, first = true;
	uint32_t res[2] = { 0, 0 };
	unsigned int failed = 0;
	struct nl_msg *msg;
	struct ep11_nl nl;
	int opt, ret;
	size_t i;

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
			json = true;
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
	if (optind < argc) {
		fprintf(stderr, "%s: logout: unexpected argument '%s'\n",
			ep11_prog, argv[optind]);
		return EP11_EXIT_USAGE;
	}
	if (!f.have_id && !f.have_pid && !f.have_date && !f.have_apqn) {
		fprintf(stderr, "%s: logout: give at least one of -id, -pid, -date or --apqn\n",
			ep11_prog);
		return EP11_EXIT_USAGE;
	}
	ret = ep11_nl_open(&nl);
	if (ret)
		return ret;
	if (f.have_apqn) {
		ret = ep11_apqn_check(f.card, f.domain);
		if (ret)
			goto out;
	}
	if (ep11_sessions_get(&nl, &f, &before)) {
		ret = ep11_nl_report(&nl, "logout");
		goto out;
	}
	msg = ep11_nl_new(&nl, EP11SESS_CMD_LOGOUT, 0);
	if (!msg || ep11_filter_put(&f, msg) < 0 ||
	    (force && nla_put_flag(msg, EP11SESS_A_FORCE) < 0)) {
		nlmsg_free(msg);
		fprintf(stderr, "%s: out of memory\n", ep11_prog);
		ret = EP11_EXIT_FAILED;
		goto out;
	}
	if (ep11_nl_exchange(&nl, msg, ep11_logout_answer, res)) {
		ret = ep11_nl_report(&nl, "logout");
		goto out;
	}
	if (ep11_sessions_get(&nl, &f, &after)) {
		ret = ep11_nl_report(&nl, "logout");
		goto out;
	}
	if (json)
		printf("{\"matched\": %u, \"failed\": %u, \"sessions\": [",
		       res[0], res[1]);
	for (i = 0; i < before.n; i++) {
		if (before.rows[i].dying)
			continue;
		failed += ep11_logout_result(&before.rows[i], &after, json,
					     first);
		first = false;
	}
	if (json)
		printf("%s]}\n", first ? "" : "\n  ");
	else
		printf("%u session(s) logged out, %u with an APQN that failed\n",
		       res[0], res[1]);
	ret = res[1] || failed ? EP11_EXIT_FAILED : EP11_EXIT_OK;
out:
	ep11_sessions_free(&before);
	ep11_sessions_free(&after);
	ep11_nl_close(&nl);
	return ret;
}
