// SPDX-License-Identifier: GPL-2.0
/*
 * ep11sess show: the sessions the kernel holds, their public ids, owners,
 * creation times, holders and APQNs.  Everyone's for root, the caller's
 * own otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <unistd.h>
#include <linux/capability.h>

#include "ep11sess.h"

static void ep11_show_usage(FILE *out)
{
	fprintf(out,
		"Usage: %s show [-id HEX] [-pid PID] [-date yyyy/mm/dd] [--apqn CARD.DOMAIN] [--json]\n"
		"\n"
		"Lists the EP11 sessions the kernel holds (root: all of them,\n"
		"others: those created under their uid), the live processes that\n"
		"hold them, and why a leftover is one.  PID is the creator's while\n"
		"it runs, \"gone\" after it exited.  Filters combine.\n"
		"\n"
		"  -id HEX           the session with this public id (32 hex digits)\n"
		"  -pid PID          sessions created by this process\n"
		"  -date yyyy/mm/dd  sessions created on this day or before\n"
		"  --apqn 0b.0024    sessions on this APQN\n"
		"  -slot N           accepted as pkcsep11_session takes it (every\n"
		"                    session is shown: the kernel knows them all)\n"
		"  --json            one JSON object for scripts (ep11sess(8))\n"
		"  -h, --help        this text\n", ep11_prog);
}

int ep11_cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, EP11_OPT_ID },
		{ "pid", required_argument, NULL, EP11_OPT_PID },
		{ "date", required_argument, NULL, EP11_OPT_DATE },
		{ "apqn", required_argument, NULL, EP11_OPT_APQN },
		{ "json", no_argument, NULL, EP11_OPT_JSON },
		{ "slot", required_argument, NULL, EP11_OPT_SLOT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ep11_sess_list list;
	struct ep11_filter f = { 0 };
	bool json = false;
	bool admin = ep11_has_cap(CAP_SYS_ADMIN);
	struct ep11_nl nl;
	int opt, ret;

	while ((opt = getopt_long_only(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case EP11_OPT_ID:
		case EP11_OPT_PID:
		case EP11_OPT_DATE:
		case EP11_OPT_APQN:
			if (ep11_filter_option(opt, optarg, &f))
				return EP11_EXIT_USAGE;
			break;
		case EP11_OPT_JSON:
			json = true;
			break;
		case EP11_OPT_SLOT:
			if (!ep11_json)
				fprintf(stderr, "%s: note: -slot is not needed, the kernel knows every session\n",
					ep11_prog);
			break;
		case 'h':
			ep11_show_usage(stdout);
			return EP11_EXIT_OK;
		default:
			return ep11_bad_option(opt, argc, argv, ep11_show_usage);
		}
	}
	if (ep11_no_operands("show", argc, argv))
		return EP11_EXIT_USAGE;
	ret = ep11_nl_open_filtered(&nl, &f);
	if (ret)
		return ret;
	if (ep11_sessions_get(&nl, &f, &list)) {
		ret = ep11_nl_report(&nl, "show");
		goto out;
	}
	ret = EP11_EXIT_OK;
	if (!list.n && (f.have_id || f.have_pid || f.have_date ||
			f.have_apqn)) {
		ret = ep11_fail(EP11_EXIT_NOT_FOUND, ENOENT, "no such session%s",
				admin ? "" :
				" among yours (CAP_SYS_ADMIN sees everyone's)");
		ep11_sessions_free(&list);
		goto out;
	}
	ep11_find_holders(&list);
	ep11_sessions_print(&list, json);
	if (!list.n && !json)
		printf("No EP11 session is held%s.\n",
		       admin ? "" : " under your uid");
	ep11_sessions_free(&list);
out:
	ep11_nl_close(&nl);
	return ret;
}
