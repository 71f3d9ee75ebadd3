// SPDX-License-Identifier: GPL-2.0
/*
 * ep11sess monitor: the kernel's events as they happen, one line each
 * with a timestamp: logins, logouts, reclaims of sessions whose holder
 * died, exhausted cards, APQNs going online or offline, sessions logged in
 * again on a card that came back.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "ep11sess.h"

static const char *const ep11_event_names[] = {
	[EP11SESS_EVENT_LOGIN] = "login",
	[EP11SESS_EVENT_LOGOUT] = "logout",
	[EP11SESS_EVENT_RECLAIMED] = "reclaimed",
	[EP11SESS_EVENT_EXHAUSTED] = "exhausted",
	[EP11SESS_EVENT_ONLINE] = "online",
	[EP11SESS_EVENT_OFFLINE] = "offline",
	[EP11SESS_EVENT_LOST] = "lost",
	[EP11SESS_EVENT_RELOGIN] = "relogin",
};

static int ep11_monitor_event(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[EP11SESS_A_MAX + 1];
	const bool *json = arg;
	const char *name = "unknown";
	char when[48], id[33] = "", comm[17] = "";
	uint32_t ev, pid = 0;
	uint64_t ns = 0, lat = 0;
	int32_t relogin_err = 0;
	uint8_t card;
	uint16_t domain;

	if (ep11_nl_parse(nlmsg_hdr(msg), tb) < 0 || !tb[EP11SESS_A_EVENT] ||
	    !tb[EP11SESS_A_CARD] || !tb[EP11SESS_A_DOMAIN])
		return NL_OK;
	ev = nla_get_u32(tb[EP11SESS_A_EVENT]);
	if (ev < sizeof(ep11_event_names) / sizeof(ep11_event_names[0]) &&
	    ep11_event_names[ev])
		name = ep11_event_names[ev];
	card = nla_get_u8(tb[EP11SESS_A_CARD]);
	domain = nla_get_u16(tb[EP11SESS_A_DOMAIN]);
	if (tb[EP11SESS_A_TIME_NS])
		ns = nla_get_u64(tb[EP11SESS_A_TIME_NS]);
	if (tb[EP11SESS_A_PUBLIC_ID] && nla_len(tb[EP11SESS_A_PUBLIC_ID]) == 16)
		ep11_hex(id, nla_data(tb[EP11SESS_A_PUBLIC_ID]), 16);
	if (tb[EP11SESS_A_PID])
		pid = nla_get_u32(tb[EP11SESS_A_PID]);
	if (tb[EP11SESS_A_COMM])
		nla_strlcpy(comm, tb[EP11SESS_A_COMM], sizeof(comm));
	if (tb[EP11SESS_A_LATENCY_US])
		lat = nla_get_u64(tb[EP11SESS_A_LATENCY_US]);
	if (tb[EP11SESS_A_RELOGIN_ERROR])
		relogin_err = nla_get_s32(tb[EP11SESS_A_RELOGIN_ERROR]);
	ep11_format_time(when, sizeof(when), ns, true);

	if (*json) {
		printf("{\"time\": \"%s\", \"time_ns\": %llu, \"event\": \"%s\", \"apqn\": \"%02x.%04x\"",
		       when, (unsigned long long)ns, name, card, domain);
		if (id[0]) {
			printf(", \"id\": \"%s\", \"pid\": %u, \"comm\": ", id,
			       pid);
			ep11_json_string(stdout, comm);
		}
		if (tb[EP11SESS_A_LATENCY_US])
			printf(", \"latency_us\": %llu",
			       (unsigned long long)lat);
		if (tb[EP11SESS_A_RELOGIN_ERROR])
			printf(", \"ok\": %s, \"error\": %d",
			       relogin_err ? "false" : "true", relogin_err);
		printf("}\n");
		return NL_OK;
	}
	printf("%s %-9s %02x.%04x", when, name, card, domain);
	if (id[0])
		printf(" session %s pid %u (%s)", id, pid, comm);
	if (ev == EP11SESS_EVENT_RECLAIMED)
		printf(": owner gone, logged out in %llu us",
		       (unsigned long long)lat);
	else if (ev == EP11SESS_EVENT_EXHAUSTED)
		printf(": no free session on card %02x", card);
	else if (ev == EP11SESS_EVENT_RELOGIN && !relogin_err)
		printf(": logged in again");
	else if (ev == EP11SESS_EVENT_RELOGIN)
		printf(": failed: %s", relogin_err == -EXDEV ?
		       "the card has another wrapping key" :
		       strerror(-relogin_err));
	printf("\n");
	return NL_OK;
}

static void ep11_monitor_usage(FILE *out)
{
	fprintf(out,
		"Usage: %s monitor [--json]\n"
		"\n"
		"Prints the kernel's EP11 session events as they happen, one line\n"
		"each with a timestamp, until interrupted.  Needs root.\n"
		"\n"
		"  --json      one JSON object per line\n"
		"  -h, --help  this text\n", ep11_prog);
}

int ep11_cmd_monitor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, EP11_OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	struct ep11_nl nl;
	int opt, ret, grp;

	while ((opt = getopt_long_only(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case EP11_OPT_JSON:
			json = true;
			break;
		case 'h':
			ep11_monitor_usage(stdout);
			return EP11_EXIT_OK;
		default:
			ep11_monitor_usage(stderr);
			return EP11_EXIT_USAGE;
		}
	}
	if (ep11_no_operands("monitor", argc, argv))
		return EP11_EXIT_USAGE;
	ret = ep11_nl_open(&nl);
	if (ret)
		return ret;
	grp = genl_ctrl_resolve_grp(nl.sk, EP11SESS_GENL_NAME,
				    EP11SESS_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		fprintf(stderr, "%s: monitor: the family has no group \"%s\"\n",
			ep11_prog, EP11SESS_GENL_MCGRP_EVENTS);
		ret = EP11_EXIT_NO_MODULE;
		goto out;
	}
	ret = nl_socket_add_membership(nl.sk, grp);
	if (ret < 0) {
		if (ret == -NLE_PERM) {
			fprintf(stderr, "%s: monitor: permission denied: the events show everyone's sessions and need root (CAP_SYS_ADMIN); membership of group ep11 only grants the use of /dev/ep11sess\n",
				ep11_prog);
			ret = EP11_EXIT_PERM;
		} else {
			fprintf(stderr, "%s: monitor: cannot join the events group: %s\n",
				ep11_prog, nl_geterror(ret));
			ret = EP11_EXIT_FAILED;
		}
		goto out;
	}
	nl_socket_disable_seq_check(nl.sk);
	nl_socket_set_buffer_size(nl.sk, 4 << 20, 0);
	nl_socket_modify_cb(nl.sk, NL_CB_VALID, NL_CB_CUSTOM,
			    ep11_monitor_event, &json);
	setvbuf(stdout, NULL, _IOLBF, 0);
	fprintf(stderr, "%s: monitoring events, interrupt to stop\n",
		ep11_prog);
	for (;;) {
		ret = nl_recvmsgs_default(nl.sk);
		if (ret == -NLE_NOMEM || ret == -NLE_INTR) {
			if (ret == -NLE_NOMEM)
				fprintf(stderr, "%s: monitor: events were lost (the socket buffer overflowed)\n",
					ep11_prog);
			continue;
		}
		if (ret < 0) {
			fprintf(stderr, "%s: monitor: %s\n", ep11_prog,
				nl_geterror(ret));
			ret = EP11_EXIT_FAILED;
			break;
		}
	}
out:
	ep11_nl_close(&nl);
	return ret;
}
