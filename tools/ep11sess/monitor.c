// SPDX-License-Identifier: GPL-2.0
/*
 * ep11sess monitor: the kernel's events as they happen, one line each
 * with a timestamp: logins, logouts, reclaims of sessions whose holder
 * died, exhausted cards, APQNs going online or offline, sessions logged in
 * again on a card that came back.
 *
 * The socket also listens to the generic netlink controller's
 * notifications: when the module is unloaded its family goes away and
 * the monitor says so; when a module registers the family again the
 * monitor joins its events group again and says that too.  The family is
 * never looked up while it is gone, so the monitor does not load the
 * module itself.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <linux/capability.h>
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
	[EP11SESS_EVENT_UNACCOUNTED] = "unaccounted",
	[EP11SESS_EVENT_ADMIN_LOGOUT] = "admin-logout",
};

#define EP11_NEVENTS	(sizeof(ep11_event_names) / sizeof(ep11_event_names[0]))
#define EP11_MON_APQNS	16

/**
 * struct ep11_monitor - the monitor's state
 * @json:    print JSON
 * @sk:      the socket
 * @family:  the family's id while it exists, else -1
 * @gone:    the family went away (module unloaded)
 * @back:    a family of our name was registered again
 * @events:  bit per &enum ep11sess_genl_event to print; 0: all
 * @napqns:  entries in @apqns; 0: every APQN
 * @apqns:   the APQNs to print
 * @apqns.card:   adapter
 * @apqns.domain: domain
 */
struct ep11_monitor {
	bool json;
	struct nl_sock *sk;
	int family;
	bool gone;
	bool back;
	uint32_t events;
	unsigned int napqns;
	struct {
		uint8_t card;
		uint16_t domain;
	} apqns[EP11_MON_APQNS];
};

/* A line about the monitor itself: stderr, and an object with --json. */
static void ep11_monitor_note(struct ep11_monitor *m, const char *what,
			      const char *text)
{
	fprintf(stderr, "%s: monitor: %s\n", ep11_prog, text);
	if (!m->json)
		return;
	printf("{");
	ep11_json_time(stdout, "time", ep11_now_ns());
	printf(", \"event\": \"%s\", \"apqn\": null, \"card\": null, \"domain\": null, \"id\": null, \"pid\": null, \"comm\": null, \"latency_us\": null, \"message\": ",
	       what);
	ep11_json_string(stdout, text);
	printf("}\n");
}

static bool ep11_monitor_wanted(const struct ep11_monitor *m, uint32_t ev,
				uint8_t card, uint16_t domain)
{
	unsigned int i;

	if (m->events && (ev >= 32 || !(m->events & (1U << ev))))
		return false;
	if (!m->napqns)
		return true;
	for (i = 0; i < m->napqns; i++)
		if (m->apqns[i].card == card && m->apqns[i].domain == domain)
			return true;
	return false;
}

static void ep11_monitor_print(struct ep11_monitor *m, struct nlattr **tb)
{
	const char *name = "unknown";
	char when[48], id[33] = "", comm[17] = "";
	uint32_t ev, pid = 0;
	uint64_t ns = 0, lat = 0;
	int32_t relogin_err = 0;
	uint8_t card;
	uint16_t domain;

	ev = nla_get_u32(tb[EP11SESS_A_EVENT]);
	card = nla_get_u8(tb[EP11SESS_A_CARD]);
	domain = nla_get_u16(tb[EP11SESS_A_DOMAIN]);
	if (!ep11_monitor_wanted(m, ev, card, domain))
		return;
	if (ev < EP11_NEVENTS && ep11_event_names[ev])
		name = ep11_event_names[ev];
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

	if (m->json) {
		printf("{");
		ep11_json_time(stdout, "time", ns);
		printf(", \"event\": \"%s\", \"apqn\": \"%02x.%04x\", \"card\": %u, \"domain\": %u, \"id\": ",
		       name, card, domain, card, domain);
		if (id[0])
			printf("\"%s\"", id);
		else
			printf("null");
		if (id[0] && pid)
			printf(", \"pid\": %u", pid);
		else
			printf(", \"pid\": null");
		printf(", \"comm\": ");
		if (id[0] && comm[0])
			ep11_json_string(stdout, comm);
		else
			printf("null");
		if (tb[EP11SESS_A_LATENCY_US])
			printf(", \"latency_us\": %llu",
			       (unsigned long long)lat);
		else
			printf(", \"latency_us\": null");
		if (tb[EP11SESS_A_RELOGIN_ERROR])
			printf(", \"ok\": %s, \"error\": %d",
			       relogin_err ? "false" : "true", relogin_err);
		printf(", \"message\": null}\n");
		return;
	}
	ep11_format_time(when, sizeof(when), ns, true);
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
	else if (ev == EP11SESS_EVENT_UNACCOUNTED)
		printf(": %u of card %02x's sessions not held by this host (was %u)",
		       tb[EP11SESS_A_CARD_UNACCOUNTED] ?
		       nla_get_u32(tb[EP11SESS_A_CARD_UNACCOUNTED]) : 0, card,
		       tb[EP11SESS_A_UNACCOUNTED_BEFORE] ?
		       nla_get_u32(tb[EP11SESS_A_UNACCOUNTED_BEFORE]) : 0);
	else if (ev == EP11SESS_EVENT_ADMIN_LOGOUT)
		printf(": logged out by an administrator, uid %u pid %u",
		       tb[EP11SESS_A_ADMIN_UID] ?
		       nla_get_u32(tb[EP11SESS_A_ADMIN_UID]) : 0,
		       tb[EP11SESS_A_ADMIN_PID] ?
		       nla_get_u32(tb[EP11SESS_A_ADMIN_PID]) : 0);
	printf("\n");
}

/* The controller's news of our family: gone, or registered again. */
static void ep11_monitor_ctrl(struct ep11_monitor *m, struct nlmsghdr *nlh)
{
	struct genlmsghdr *ghdr = nlmsg_data(nlh);
	struct nlattr *tb[CTRL_ATTR_MAX + 1];

	if (genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, NULL) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_NAME] ||
	    strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]),
		   EP11SESS_GENL_NAME))
		return;
	if (ghdr->cmd == CTRL_CMD_DELFAMILY) {
		m->gone = true;
		m->family = -1;
	} else if (ghdr->cmd == CTRL_CMD_NEWFAMILY) {
		m->back = true;
	}
}

static int ep11_monitor_msg(struct nl_msg *msg, void *arg)
{
	struct ep11_monitor *m = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[EP11SESS_A_MAX + 1];

	if (nlh->nlmsg_type == GENL_ID_CTRL) {
		ep11_monitor_ctrl(m, nlh);
		return NL_OK;
	}
	if (m->family < 0 || nlh->nlmsg_type != m->family)
		return NL_OK;
	if (ep11_nl_parse(nlh, tb) < 0 || !tb[EP11SESS_A_EVENT] ||
	    !tb[EP11SESS_A_CARD] || !tb[EP11SESS_A_DOMAIN])
		return NL_OK;
	ep11_monitor_print(m, tb);
	return NL_OK;
}

/*
 * Join the family's events group, looked up on a socket of its own so
 * that no event of the main socket is consumed by the lookup.
 */
static int ep11_monitor_join(struct ep11_monitor *m)
{
	struct nl_sock *sk = nl_socket_alloc();
	int family, grp, ret;

	if (!sk || genl_connect(sk)) {
		nl_socket_free(sk);
		return ep11_fail(EP11_EXIT_FAILED, errno,
				 "monitor: cannot open a generic netlink socket");
	}
	family = genl_ctrl_resolve(sk, EP11SESS_GENL_NAME);
	grp = family < 0 ? family :
	      genl_ctrl_resolve_grp(sk, EP11SESS_GENL_NAME,
				    EP11SESS_GENL_MCGRP_EVENTS);
	nl_socket_free(sk);
	if (family < 0)
		return ep11_module_missing();
	if (grp < 0)
		return ep11_fail(EP11_EXIT_NO_MODULE, ENOENT,
				 "monitor: the family has no group \"%s\": is the module older than this tool?",
				 EP11SESS_GENL_MCGRP_EVENTS);
	ret = nl_socket_add_membership(m->sk, grp);
	if (ret == -NLE_PERM || ret == -NLE_NOACCESS)
		return ep11_fail(EP11_EXIT_PERM, EPERM,
				 "monitor: permission denied: the events show everyone's sessions; %s",
				 ep11_cap_hint("monitor"));
	if (ret < 0)
		return ep11_fail(EP11_EXIT_FAILED, 0,
				 "monitor: cannot join the events group: %s",
				 nl_geterror(ret));
	m->family = family;
	return 0;
}

static void ep11_monitor_usage(FILE *out)
{
	fprintf(out,
		"Usage: %s monitor [--apqn CARD.DOMAIN]... [--event NAME[,NAME]...] [--json]\n"
		"\n"
		"Prints the kernel's EP11 session events as they happen, one line\n"
		"each with a timestamp, until interrupted.  When the module is\n"
		"unloaded it says so and waits; when it is loaded again it resumes.\n"
		"Needs CAP_SYS_ADMIN.\n"
		"\n"
		"  --apqn 0b.0024  only events of this APQN (repeat for more)\n"
		"  --event NAMES   only these events: login, logout, reclaimed,\n"
		"                  exhausted, online, offline, lost, relogin,\n"
		"                  unaccounted, admin-logout\n"
		"                  (comma-separated,\n"
		"                  or repeat the option)\n"
		"  --json          one JSON object per line (ep11sess(8))\n"
		"  -h, --help      this text\n", ep11_prog);
}

/* --event login,logout: 0 or an exit code. */
static int ep11_monitor_events(struct ep11_monitor *m, const char *arg)
{
	char buf[256], *tok, *save = NULL;
	unsigned int i;

	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < EP11_NEVENTS; i++)
			if (ep11_event_names[i] && !strcmp(tok, ep11_event_names[i]))
				break;
		if (i == EP11_NEVENTS)
			return ep11_fail(EP11_EXIT_USAGE, 0,
					 "monitor: --event: no event '%s' (login, logout, reclaimed, exhausted, online, offline, lost, relogin, unaccounted, admin-logout)",
					 tok);
		m->events |= 1U << i;
	}
	if (!m->events)
		return ep11_fail(EP11_EXIT_USAGE, 0,
				 "monitor: --event wants event names, not '%s'",
				 arg);
	return 0;
}

int ep11_cmd_monitor(int argc, char **argv)
{
	enum { OPT_EVENT = 0x200 };
	static const struct option opts[] = {
		{ "apqn", required_argument, NULL, EP11_OPT_APQN },
		{ "event", required_argument, NULL, OPT_EVENT },
		{ "json", no_argument, NULL, EP11_OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ep11_monitor m = { .family = -1 };
	struct ep11_filter f;
	int opt, ret, ctrl_grp;

	while ((opt = getopt_long_only(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case EP11_OPT_APQN:
			memset(&f, 0, sizeof(f));
			if (ep11_filter_option(opt, optarg, &f))
				return EP11_EXIT_USAGE;
			if (m.napqns == EP11_MON_APQNS)
				return ep11_fail(EP11_EXIT_USAGE, 0,
						 "monitor: at most %d --apqn",
						 EP11_MON_APQNS);
			m.apqns[m.napqns].card = f.card;
			m.apqns[m.napqns].domain = f.domain;
			m.napqns++;
			break;
		case OPT_EVENT:
			ret = ep11_monitor_events(&m, optarg);
			if (ret)
				return ret;
			break;
		case EP11_OPT_JSON:
			m.json = true;
			break;
		case 'h':
			ep11_monitor_usage(stdout);
			return EP11_EXIT_OK;
		default:
			return ep11_bad_option(opt, argc, argv,
					       ep11_monitor_usage);
		}
	}
	if (ep11_no_operands("monitor", argc, argv))
		return EP11_EXIT_USAGE;
	ret = ep11_need_caps("monitor", false);
	if (ret)
		return ret;
	m.sk = nl_socket_alloc();
	if (!m.sk || genl_connect(m.sk)) {
		nl_socket_free(m.sk);
		return ep11_fail(EP11_EXIT_FAILED, errno,
				 "monitor: cannot open a generic netlink socket");
	}
	ctrl_grp = genl_ctrl_resolve_grp(m.sk, "nlctrl", "notify");
	if (ctrl_grp < 0 || nl_socket_add_membership(m.sk, ctrl_grp) < 0) {
		ret = ep11_fail(EP11_EXIT_FAILED, 0,
				"monitor: cannot listen to the generic netlink controller");
		goto out;
	}
	ret = ep11_monitor_join(&m);
	if (ret)
		goto out;
	nl_socket_disable_seq_check(m.sk);
	nl_socket_set_buffer_size(m.sk, 4 << 20, 0);
	nl_socket_modify_cb(m.sk, NL_CB_VALID, NL_CB_CUSTOM, ep11_monitor_msg,
			    &m);
	setvbuf(stdout, NULL, _IOLBF, 0);
	fprintf(stderr, "%s: monitoring events, interrupt to stop\n",
		ep11_prog);
	for (;;) {
		ret = nl_recvmsgs_default(m.sk);
		if (ret == -NLE_NOMEM) {
			ep11_monitor_note(&m, "lost-events",
					  "events were lost (the socket buffer overflowed)");
			continue;
		}
		if (ret == -NLE_INTR)
			continue;
		if (ret < 0) {
			ret = ep11_fail(EP11_EXIT_FAILED, 0, "monitor: %s",
					nl_geterror(ret));
			break;
		}
		if (m.gone) {
			m.gone = false;
			ep11_monitor_note(&m, "module-gone",
					  "the ep11sess module went away (unloaded); waiting for it to be loaded again");
		}
		if (m.back) {
			m.back = false;
			if (ep11_monitor_join(&m) == 0)
				ep11_monitor_note(&m, "reconnected",
						  "the ep11sess module is back; monitoring its events again");
		}
	}
out:
	nl_socket_free(m.sk);
	return ret;
}
