// SPDX-License-Identifier: GPL-2.0
/*
 * admin-sess: the helper of the administrator's VM tests (t-admin-*.sh)
 * and of make demo.
 *
 *   admin-sess hold N APQN...  log in N private sessions on the APQNs,
 *                              print "session HEX" for each, then "ready",
 *                              and wait to be killed
 *   admin-sess die APQN        log in one session, print "PID HEX", then
 *                              die by SIGKILL without logging out
 *   admin-sess orphan APQN     log in one session, print "session HEX" and
 *                              "creator PID", fork a child that keeps the
 *                              file and prints "holder PID" and "ready",
 *                              and exit: the child holds the session of a
 *                              creator that is gone until it is killed
 *   admin-sess login-fail APQN log in once without waiting for a free
 *                              session; exit 0 when the card was full
 *   admin-sess uevents         print the kernel's uevents of subsystem
 *                              ep11sess ("ACTION DEVPATH ONLINE=x"), after
 *                              "ready" on stderr, until killed
 *   admin-sess nl-bad          send malformed ep11sess generic netlink
 *                              requests; each must fail with its errno
 *                              and an explanation
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/ep11sess.h>
#include <linux/ep11sess_genl.h>

#include "vmtest.h"

#define PIN	"vm-admin-pin-001"

static int login(int fd, const struct ep11sess_apqn *a, unsigned int n,
		 unsigned int wait_ms, __u8 *pubid)
{
	struct ep11sess_target t[EP11SESS_MAX_APQNS];
	struct ep11sess_login l;

	vmt_login_init(&l, t, a, n, PIN);
	l.wait_ms = wait_ms;
	if (ioctl(fd, EP11SESS_IOC_LOGIN, &l))
		return -errno;
	memcpy(pubid, l.public_id, 16);
	return 0;
}

static void hex(char *out, const __u8 *in)
{
	int i;

	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

static __attribute__((noreturn)) void cmd_hold(int argc, char **argv)
{
	struct ep11sess_apqn a[EP11SESS_MAX_APQNS];
	unsigned int i, n = atoi(argv[0]), na = 0;
	char id[33];
	__u8 pub[16];
	int fd, ret;

	for (i = 1; i < (unsigned int)argc && na < EP11SESS_MAX_APQNS; i++)
		a[na++] = vmt_apqn(argv[i]);
	if (!n || !na)
		vmt_die("usage: admin-sess hold N APQN...");
	fd = vmt_open_dev();
	for (i = 0; i < n; i++) {
		ret = login(fd, a, na, 10000, pub);
		if (ret)
			vmt_die("login %u of %u: %s", i + 1, n, strerror(-ret));
		hex(id, pub);
		printf("session %s\n", id);
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

static int cmd_die(const char *apqn)
{
	struct ep11sess_apqn a = vmt_apqn(apqn);
	char id[33];
	__u8 pub[16];
	int fd, ret;

	fd = vmt_open_dev();
	ret = login(fd, &a, 1, 30000, pub);
	if (ret)
		vmt_die("pid %d: login on %s: %s", getpid(), apqn, strerror(-ret));
	hex(id, pub);
	printf("%d %s\n", getpid(), id);
	fflush(stdout);
	raise(SIGKILL);
	return 1;
}

static int cmd_orphan(const char *apqn)
{
	struct ep11sess_apqn a = vmt_apqn(apqn);
	char id[33];
	__u8 pub[16];
	pid_t child;
	int fd, ret;

	fd = vmt_open_dev();
	ret = login(fd, &a, 1, 30000, pub);
	if (ret)
		vmt_die("login on %s: %s", apqn, strerror(-ret));
	hex(id, pub);
	printf("session %s\ncreator %d\n", id, getpid());
	fflush(stdout);
	child = fork();
	if (child < 0)
		vmt_die("fork: %s", strerror(errno));
	if (child)
		_exit(0);
	/* The child: the inherited file holds the session. */
	printf("holder %d\nready\n", getpid());
	fflush(stdout);
	for (;;)
		pause();
}

static int cmd_login_fail(const char *apqn)
{
	struct ep11sess_apqn a = vmt_apqn(apqn);
	__u8 pub[16];
	int fd, ret;

	fd = vmt_open_dev();
	ret = login(fd, &a, 1, 0, pub);
	if (ret == -ENOSPC)
		return 0;
	vmt_die("expected ENOSPC from a login on the full card, got %s",
		ret ? strerror(-ret) : "success");
	return 1;
}

static __attribute__((noreturn)) void cmd_uevents(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	char buf[8192];
	int fd;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
		    NETLINK_KOBJECT_UEVENT);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		vmt_die("uevent socket: %s", strerror(errno));
	fprintf(stderr, "ready\n");
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		const char *action = "", *path = "", *online = "";
		bool ours = false;
		ssize_t len = recv(fd, buf, sizeof(buf) - 1, 0);
		char *p;

		if (len <= 0)
			vmt_die("recv: %s", strerror(errno));
		buf[len] = '\0';
		for (p = buf; p < buf + len; p += strlen(p) + 1) {
			if (!strncmp(p, "ACTION=", 7))
				action = p + 7;
			else if (!strncmp(p, "DEVPATH=", 8))
				path = p + 8;
			else if (!strncmp(p, "ONLINE=", 7))
				online = p;
			else if (!strcmp(p, "SUBSYSTEM=ep11sess"))
				ours = true;
		}
		if (ours)
			printf("%s %s %s\n", action, path, online);
	}
}

/* Generic netlink by hand, to send what libnl would refuse to build. */

static int nl_fd;

static void put_attr(char *buf, size_t *off, int type, const void *data,
		     size_t len)
{
	struct nlattr *a = (struct nlattr *)(buf + *off);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy(buf + *off + NLA_HDRLEN, data, len);
	*off += NLA_ALIGN(a->nla_len);
}

/* The extended ack's message among the attributes from @off on. */
static void nl_msg_attr(const struct nlmsghdr *nlh, size_t off, char *msg,
			size_t msglen)
{
	const struct nlattr *a;

	while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
		a = (const struct nlattr *)((const char *)nlh + off);
		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type == NLMSGERR_ATTR_MSG)
			snprintf(msg, msglen, "%.*s",
				 (int)(a->nla_len - NLA_HDRLEN),
				 (const char *)a + NLA_HDRLEN);
		off += NLA_ALIGN(a->nla_len);
	}
}

/* Send one request; returns the errno of its ack, and the message. */
static int nl_call(int family, int cmd, int flags, const char *attrs,
		   size_t alen, char *msg, size_t msglen)
{
	char buf[4096] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	ssize_t len;

	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + alen;
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = 1;
	g->cmd = cmd;
	g->version = EP11SESS_GENL_VERSION;
	memcpy(buf + NLMSG_HDRLEN + GENL_HDRLEN, attrs, alen);
	if (send(nl_fd, buf, nlh->nlmsg_len, 0) < 0)
		vmt_die("send: %s", strerror(errno));
	msg[0] = '\0';
	for (;;) {
		len = recv(nl_fd, buf, sizeof(buf), 0);
		if (len < 0)
			vmt_die("recv: %s", strerror(errno));
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			struct nlmsgerr *e = NLMSG_DATA(nlh);
			size_t off;

			if (nlh->nlmsg_type == NLMSG_DONE) {
				/* A dump's error, then its explanation. */
				int err = *(int *)NLMSG_DATA(nlh);

				off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(err));
				nl_msg_attr(nlh, off, msg, msglen);
				return err;
			}
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			off = NLMSG_HDRLEN + sizeof(*e);
			nl_msg_attr(nlh, off, msg, msglen);
			return e->error;
		}
	}
}

static int nl_family(void)
{
	char buf[4096] __attribute__((aligned(4)));
	char attrs[64];
	size_t alen = 0;
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	ssize_t len;
	size_t off;

	put_attr(attrs, &alen, CTRL_ATTR_FAMILY_NAME, EP11SESS_GENL_NAME,
		 sizeof(EP11SESS_GENL_NAME));
	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + alen;
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	memcpy(buf + NLMSG_HDRLEN + GENL_HDRLEN, attrs, alen);
	if (send(nl_fd, buf, nlh->nlmsg_len, 0) < 0)
		vmt_die("send: %s", strerror(errno));
	len = recv(nl_fd, buf, sizeof(buf), 0);
	if (len < 0 || nlh->nlmsg_type != GENL_ID_CTRL)
		vmt_die("the family %s is not registered", EP11SESS_GENL_NAME);
	off = NLMSG_HDRLEN + GENL_HDRLEN;
	while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
		struct nlattr *a = (struct nlattr *)(buf + off);

		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(__u16 *)((char *)a + NLA_HDRLEN);
		off += NLA_ALIGN(a->nla_len);
	}
	vmt_die("no family id in the answer");
	return -1;
}

static int cmd_nl_bad(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, family, failed = 0, ret;
	char attrs[256], msg[256];
	size_t alen;
	unsigned int i;
	__u8 id15[15] = { 0 }, u8v = 0x0b;
	__u16 dom = 0x100, dom_ok = 0x24;
	__u32 big = 0;
	struct {
		const char *what;
		int cmd;
		int flags;
		int expect;
	} cases[] = {
		{ "a public id of 15 bytes", EP11SESS_CMD_LOGOUT, 0, -ERANGE },
		{ "an unknown attribute", EP11SESS_CMD_SESSION_GET,
		  NLM_F_DUMP, -EINVAL },
		{ "domain 0x100", EP11SESS_CMD_APQN_GET, NLM_F_DUMP, -ERANGE },
		{ "an attribute longer than the message",
		  EP11SESS_CMD_SESSION_GET, NLM_F_DUMP, -EINVAL },
		{ "a logout without a filter", EP11SESS_CMD_LOGOUT, 0,
		  -EINVAL },
		{ "a card without a domain", EP11SESS_CMD_SESSION_GET,
		  NLM_F_DUMP, -EINVAL },
		{ "an unknown command", 99, 0, -EOPNOTSUPP },
		{ "a dump of a do-only command", EP11SESS_CMD_LOGOUT,
		  NLM_F_DUMP, -EOPNOTSUPP },
		{ "pid 0", EP11SESS_CMD_SESSION_GET, NLM_F_DUMP, -ERANGE },
		{ "an APQN that is not registered", EP11SESS_CMD_APQN_GET,
		  NLM_F_DUMP, -ENODEV },
	};

	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl_fd < 0 || bind(nl_fd, (struct sockaddr *)&sa, sizeof(sa)))
		vmt_die("netlink socket: %s", strerror(errno));
	setsockopt(nl_fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	family = nl_family();

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		alen = 0;
		switch (i) {
		case 0:
			put_attr(attrs, &alen, EP11SESS_A_PUBLIC_ID, id15,
				 sizeof(id15));
			break;
		case 1:
			put_attr(attrs, &alen, 200, &big, sizeof(big));
			break;
		case 2:
			put_attr(attrs, &alen, EP11SESS_A_CARD, &u8v, 1);
			put_attr(attrs, &alen, EP11SESS_A_DOMAIN, &dom, 2);
			break;
		case 3:
			put_attr(attrs, &alen, EP11SESS_A_PID, &big, 4);
			((struct nlattr *)attrs)->nla_len = 64;
			break;
		case 5:
			put_attr(attrs, &alen, EP11SESS_A_CARD, &u8v, 1);
			break;
		case 7:
			put_attr(attrs, &alen, EP11SESS_A_DOMAIN, &dom_ok, 2);
			break;
		case 8:
			put_attr(attrs, &alen, EP11SESS_A_PID, &big, 4);
			break;
		case 9:
			u8v = 0xfe;
			put_attr(attrs, &alen, EP11SESS_A_CARD, &u8v, 1);
			put_attr(attrs, &alen, EP11SESS_A_DOMAIN, &dom_ok, 2);
			break;
		}
		ret = nl_call(family, cases[i].cmd, cases[i].flags, attrs,
			      alen, msg, sizeof(msg));
		printf("%-40s -> %s%s%s\n", cases[i].what,
		       ret ? strerror(-ret) : "accepted",
		       msg[0] ? ": " : "", msg);
		if (ret != cases[i].expect) {
			printf("FAIL: %s: expected %s, got %s\n", cases[i].what,
			       strerror(-cases[i].expect),
			       ret ? strerror(-ret) : "success");
			failed = 1;
		} else if (!msg[0] && i != 6 && i != 7) {
			printf("FAIL: %s: expected an explanation from the kernel\n",
			       cases[i].what);
			failed = 1;
		}
	}
	return failed;
}

int main(int argc, char **argv)
{
	vmt_prefix = "admin-sess: ";
	if (argc >= 4 && !strcmp(argv[1], "hold"))
		cmd_hold(argc - 2, argv + 2);
	if (argc == 3 && !strcmp(argv[1], "die"))
		return cmd_die(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "orphan"))
		return cmd_orphan(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "login-fail"))
		return cmd_login_fail(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "uevents"))
		cmd_uevents();
	if (argc == 2 && !strcmp(argv[1], "nl-bad"))
		return cmd_nl_bad();
	vmt_die("usage: admin-sess hold N APQN... | die APQN | orphan APQN | login-fail APQN | uevents | nl-bad");
	return 2;
}
