// SPDX-License-Identifier: GPL-2.0
/*
 * fleet-sess: the helper of the VM tests of hosts sharing a card
 * (t-fleet-*.sh).
 *
 *   fleet-sess events             print the events of hosts sharing a card
 *                                 (unaccounted, admin-logout), one line
 *                                 each, after "ready" on stderr, until
 *                                 killed
 *   fleet-sess login APQN WAIT_MS one private login that may wait WAIT_MS
 *                                 for a free session; prints "ok" or the
 *                                 errno's name (EDQUOT, ENOSPC, ...)
 *   fleet-sess admin-logout ID    the administrator's logout by public id
 *                                 through the ioctl; prints "matched N"
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include <linux/ep11sess.h>
#include <linux/ep11sess_genl.h>

#include "vmtest.h"

#define PIN	"vm-fleet-pin-001"

static const char *errno_name(int err)
{
	switch (err) {
	case EDQUOT:
		return "EDQUOT";
	case ENOSPC:
		return "ENOSPC";
	case EINTR:
		return "EINTR";
	case ENODEV:
		return "ENODEV";
	case EPERM:
		return "EPERM";
	}
	return strerror(err);
}

static int cmd_login(const char *apqn, const char *wait)
{
	struct ep11sess_target t[EP11SESS_MAX_APQNS];
	struct ep11sess_apqn a = vmt_apqn(apqn);
	struct ep11sess_login l;
	int fd;

	fd = vmt_open_dev();
	vmt_login_init(&l, t, &a, 1, PIN);
	l.wait_ms = atoi(wait);
	if (ioctl(fd, EP11SESS_IOC_LOGIN, &l))
		printf("%s\n", errno_name(errno));
	else
		printf("ok\n");
	close(fd);
	return 0;
}

static int cmd_admin_logout(const char *hex)
{
	struct ep11sess_admin_logout a = {
		.size = sizeof(a),
		.flags = EP11SESS_ADMIN_BY_ID,
	};
	unsigned int i, b;
	int fd;

	if (strlen(hex) != 32)
		vmt_die("a public id is 32 hex digits: %s", hex);
	for (i = 0; i < 16; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			vmt_die("not hex: %s", hex);
		a.public_id[i] = b;
	}
	fd = vmt_open_dev();
	if (ioctl(fd, EP11SESS_IOC_ADMIN_LOGOUT, &a))
		vmt_die("admin logout: %s", strerror(errno));
	printf("matched %u\n", a.matched);
	close(fd);
	return 0;
}

static unsigned int u32_of(struct nlattr **tb, int a)
{
	return tb[a] ? nla_get_u32(tb[a]) : 0;
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[EP11SESS_A_MAX + 1];
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	unsigned int ev, i;
	char id[33] = "";

	(void)arg;
	if (nla_parse(tb, EP11SESS_A_MAX, genlmsg_attrdata(g, 0),
		      genlmsg_attrlen(g, 0), NULL) || !tb[EP11SESS_A_EVENT])
		return NL_OK;
	ev = nla_get_u32(tb[EP11SESS_A_EVENT]);
	if (ev == EP11SESS_EVENT_UNACCOUNTED) {
		printf("unaccounted card=%02x domain=%04x now=%u before=%u max=%u avail=%u held=%u\n",
		       tb[EP11SESS_A_CARD] ? nla_get_u8(tb[EP11SESS_A_CARD]) : 0xff,
		       tb[EP11SESS_A_DOMAIN] ? nla_get_u16(tb[EP11SESS_A_DOMAIN]) : 0xffff,
		       u32_of(tb, EP11SESS_A_CARD_UNACCOUNTED),
		       u32_of(tb, EP11SESS_A_UNACCOUNTED_BEFORE),
		       u32_of(tb, EP11SESS_A_CARD_MAX),
		       u32_of(tb, EP11SESS_A_CARD_AVAIL),
		       u32_of(tb, EP11SESS_A_CARD_HELD));
	} else if (ev == EP11SESS_EVENT_ADMIN_LOGOUT) {
		if (tb[EP11SESS_A_PUBLIC_ID] &&
		    nla_len(tb[EP11SESS_A_PUBLIC_ID]) == 16)
			for (i = 0; i < 16; i++)
				sprintf(id + 2 * i, "%02x",
					((unsigned char *)nla_data(tb[EP11SESS_A_PUBLIC_ID]))[i]);
		printf("admin-logout card=%02x domain=%04x id=%s owner_pid=%u owner_uid=%u owner_comm=%s admin_uid=%u admin_pid=%u admin_comm=%s via=%s failed=%u force=%d\n",
		       tb[EP11SESS_A_CARD] ? nla_get_u8(tb[EP11SESS_A_CARD]) : 0xff,
		       tb[EP11SESS_A_DOMAIN] ? nla_get_u16(tb[EP11SESS_A_DOMAIN]) : 0xffff,
		       id, u32_of(tb, EP11SESS_A_PID),
		       u32_of(tb, EP11SESS_A_UID),
		       tb[EP11SESS_A_COMM] ? nla_get_string(tb[EP11SESS_A_COMM]) : "-",
		       u32_of(tb, EP11SESS_A_ADMIN_UID),
		       u32_of(tb, EP11SESS_A_ADMIN_PID),
		       tb[EP11SESS_A_ADMIN_COMM] ?
		       nla_get_string(tb[EP11SESS_A_ADMIN_COMM]) : "-",
		       !tb[EP11SESS_A_VIA] ? "none" :
		       u32_of(tb, EP11SESS_A_VIA) == EP11SESS_VIA_NETLINK ?
		       "netlink" : "ioctl",
		       u32_of(tb, EP11SESS_A_FAILED),
		       !!tb[EP11SESS_A_FORCE]);
	}
	fflush(stdout);
	return NL_OK;
}

static __attribute__((noreturn)) void cmd_events(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int grp;

	if (!sk || genl_connect(sk))
		vmt_die("generic netlink socket");
	grp = genl_ctrl_resolve_grp(sk, EP11SESS_GENL_NAME,
				    EP11SESS_GENL_MCGRP_EVENTS);
	if (grp < 0 || nl_socket_add_membership(sk, grp))
		vmt_die("cannot join the events group: %s", nl_geterror(grp));
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, NULL);
	fprintf(stderr, "ready\n");
	for (;;)
		nl_recvmsgs_default(sk);
}

int main(int argc, char **argv)
{
	vmt_prefix = "fleet-sess: ";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "events"))
		cmd_events();
	if (argc == 4 && !strcmp(argv[1], "login"))
		return cmd_login(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "admin-logout"))
		return cmd_admin_logout(argv[2]);
	fprintf(stderr,
		"usage: fleet-sess events | login APQN WAIT_MS | admin-logout ID\n");
	return 2;
}
