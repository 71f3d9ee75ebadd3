// SPDX-License-Identifier: GPL-2.0
/*
 * core-sess: the VM tests' client of /dev/ep11sess.  Each subcommand is
 * one behaviour of the core, done with real processes and real system
 * calls; it prints what it expected and what it got on failure and exits
 * non-zero.  The card's own counts come from the status ioctl, which asks
 * the card (get_xcp_info) every time.
 *
 *   core-sess abi
 *   core-sess cycle APQN...
 *   core-sess hold [-s NONCE] [-x] APQN...
 *   core-sess count APQN
 *   core-sess orphans
 *   core-sess storm N APQN
 *   core-sess fork APQN
 *   core-sess export APQN
 *   core-sess shared N APQN
 *   core-sess failover APQN APQN
 *   core-sess admin APQN
 *   core-sess nobody APQN
 *   core-sess quota APQN
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/ep11.h>
#include <linux/ep11sess.h>

#include "ep11_wire.h"
#include "vmtest.h"

#define PIN		"vm-test-pin-0001"

/* Login on @n APQNs; returns 0 or -errno, handle and public id. */
static int login(int fd, const struct ep11sess_apqn *a, unsigned int n,
		 const char *nonce, unsigned int wait_ms, __u32 *handle,
		 __u8 *pubid, int *joined)
{
	struct ep11sess_target t[EP11SESS_MAX_APQNS];
	struct ep11sess_login l;
	unsigned int i;

	vmt_login_init(&l, t, a, n, PIN);
	if (nonce) {
		l.flags = EP11SESS_LOGIN_SHARED;
		l.nonce = (uintptr_t)nonce;
		l.nonce_len = strlen(nonce);
	}
	l.wait_ms = wait_ms;
	if (ioctl(fd, EP11SESS_IOC_LOGIN, &l)) {
		int e = errno;

		for (i = 0; i < l.ntargets && i < n; i++)
			if (t[i].error)
				fprintf(stderr, "  %02x.%04x: error %d rc 0x%x\n",
					t[i].apqn.card, t[i].apqn.domain,
					t[i].error, t[i].ep11_rc);
		return -e;
	}
	if (handle)
		*handle = l.handle;
	if (pubid)
		memcpy(pubid, l.public_id, 16);
	if (joined)
		*joined = l.joined;
	return 0;
}

static int logout(int fd, __u32 handle)
{
	struct ep11sess_logout l = { .size = sizeof(l), .handle = handle };

	return ioctl(fd, EP11SESS_IOC_LOGOUT, &l) ? -errno : 0;
}

/* GenerateRandom(16), bound to @handle when non-zero. */
static int send_random(int fd, __u32 handle, __u32 flags,
		       struct ep11sess_apqn *a, __u32 *rc)
{
	struct ep11sess_send s;
	struct ep11_wbuf b;
	struct ep11_msg m;
	__u8 req[256], rep[512];
	int len;

	ep11_wire_request_init(&b, req, sizeof(req),
			       EP11_FN(EP11_FN_GENERATE_RANDOM), a->domain, 0);
	ep11_wire_put_u32(&b, 16);
	len = ep11_wire_finish(&b);
	if (len < 0)
		vmt_die("cannot build GenerateRandom: %d", len);
	vmt_send_init(&s, flags, handle, *a, req, len, rep, sizeof(rep));
	if (ioctl(fd, EP11SESS_IOC_SEND, &s))
		return -errno;
	*a = s.apqn;
	if (ep11_wire_parse_reply(rep, s.rep_len, &m) < 0)
		vmt_die("send: malformed reply of %u bytes", s.rep_len);
	*rc = m.rc;
	return 0;
}

/* A bound GenerateRandom with one byte of its CPRB header set to @val. */
static int send_cprb_byte(int fd, __u32 handle, struct ep11sess_apqn a,
			  size_t off, __u8 val)
{
	struct ep11sess_send s;
	struct ep11_wbuf b;
	__u8 req[256], rep[512];
	int len;

	ep11_wire_request_init(&b, req, sizeof(req),
			       EP11_FN(EP11_FN_GENERATE_RANDOM), a.domain, 0);
	ep11_wire_put_u32(&b, 16);
	len = ep11_wire_finish(&b);
	if (len < 0)
		vmt_die("cannot build GenerateRandom: %d", len);
	req[off] = val;
	vmt_send_init(&s, EP11SESS_SEND_SESSION, handle, a, req, len, rep,
		      sizeof(rep));
	return ioctl(fd, EP11SESS_IOC_SEND, &s) ? -errno : 0;
}

/* The APQN's status, asked of the card; dies when the ioctl fails. */
static int status_of(int fd, struct ep11sess_apqn a,
		     struct ep11sess_apqn_status *out)
{
	int ret = vmt_status_of(fd, 0, a, out);

	if (ret && ret != -ENOENT)
		vmt_die("status: %s", strerror(-ret));
	return ret;
}

/* The card's own count of used sessions must equal the kernel's. */
static void expect_used(int fd, struct ep11sess_apqn a, unsigned int want,
			const char *when)
{
	struct ep11sess_apqn_status st;

	if (status_of(fd, a, &st))
		vmt_die("%s: APQN %02x.%04x not in status", when, a.card,
			a.domain);
	if (!(st.flags & EP11SESS_APQN_CAPS_VALID)) {
		vmt_fail("%s: card%02x did not answer get_xcp_info", when, a.card);
		return;
	}
	if (st.card_max - st.card_avail != want || st.card_held != want)
		vmt_fail("%s: card%02x: expected %u used, got %u by the card (max %u available %u) and %u by the kernel",
			 when, a.card, want, st.card_max - st.card_avail,
			 st.card_max, st.card_avail, st.card_held);
}

static void expect_err(int got, int want, const char *what)
{
	if (got != want)
		vmt_fail("%s: expected %s, got %s", what,
			 want ? strerror(-want) : "success",
			 got ? strerror(-got) : "success");
}

static int raw_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int cmd_abi(void)
{
	struct ep11sess_version v = { .size = sizeof(v) };
	struct ep11sess_logout lo = { .size = sizeof(lo) };
	struct {
		struct ep11sess_version v;
		__u64 tail;
	} big = { .v = { .size = sizeof(big) } };
	struct ep11sess_list li = { .size = sizeof(li) };
	int fd = vmt_open_dev();

	expect_err(raw_ioctl(fd, EP11SESS_IOC_VERSION, &v), 0, "version");
	if (v.abi_version != EP11SESS_ABI_VERSION || !v.features ||
	    v.max_apqns != EP11SESS_MAX_APQNS)
		vmt_fail("version: expected abi %u, features, max_apqns %u; got %u, 0x%llx, %u",
			 EP11SESS_ABI_VERSION, EP11SESS_MAX_APQNS, v.abi_version,
			 (unsigned long long)v.features, v.max_apqns);
	big.tail = 0;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_VERSION, &big), 0,
		   "version, larger struct with zero tail");
	big.tail = 1;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_VERSION, &big), -E2BIG,
		   "version, larger struct with non-zero tail");
	v.size = 4;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_VERSION, &v), -EINVAL,
		   "version, size below ABI v1");
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.flags = 1;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_VERSION, &v), -EINVAL,
		   "version, unknown flag");
	expect_err(raw_ioctl(fd, _IO(EP11SESS_IOC_MAGIC, 0x3f), &v), -ENOTTY,
		   "unknown command 0x3f");
	expect_err(raw_ioctl(fd, _IO('X', 0x01), &v), -ENOTTY,
		   "foreign magic");
	expect_err(raw_ioctl(fd, EP11SESS_IOC_VERSION, NULL), -EFAULT,
		   "NULL argument");
	lo.reserved = 1;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_LOGOUT, &lo), -EINVAL,
		   "logout, reserved field");
	lo.reserved = 0;
	lo.handle = 12345;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_LOGOUT, &lo), -ENOENT,
		   "logout, unknown handle");
	li.entry_size = 8;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_LIST, &li), -EINVAL,
		   "list, entry size too small");
	li.entry_size = sizeof(struct ep11sess_session_info);
	expect_err(raw_ioctl(fd, EP11SESS_IOC_LIST, &li), 0, "list, empty");
	if (li.count)
		vmt_fail("list: expected 0 sessions in a new file, got %u",
			 li.count);
	close(fd);
	return vmt_failed;
}

static int cmd_login_args(const struct ep11sess_apqn *a)
{
	struct ep11sess_target t[2] = { { .apqn = *a } };
	struct ep11sess_login l;
	int fd = vmt_open_dev();

#define RESET() do {							\
		memset(&l, 0, sizeof(l));				\
		l.size = sizeof(l);					\
		l.pin = (uintptr_t)PIN;					\
		l.pin_len = strlen(PIN);				\
		l.targets = (uintptr_t)t;				\
		l.ntargets = 1;						\
		l.targets_cap = 2;					\
	} while (0)
	RESET();
	l.pin_len = 7;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_LOGIN, &l), -EINVAL,
		   "login, PIN of 7 bytes");
	RESET();
	l.pin_len = 65;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_LOGIN, &l), -EINVAL,
		   "login, PIN of 65 bytes");
	RESET();
	l.nonce_len = 4;
	l.nonce = (uintptr_t)"abcd";
	expect_err(raw_ioctl(fd, EP11SESS_IOC_LOGIN, &l), -EINVAL,
		   "login, nonce on a private login");
	RESET();
	l.flags = EP11SESS_LOGIN_SHARED;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_LOGIN, &l), -EINVAL,
		   "login, shared without a nonce");
	RESET();
	l.flags = 0x80;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_LOGIN, &l), -EINVAL,
		   "login, unknown flag");
	RESET();
	l.ntargets = 0;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_LOGIN, &l), -EINVAL,
		   "login, no target");
	RESET();
	t[1] = t[0];
	l.ntargets = 2;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_LOGIN, &l), -EINVAL,
		   "login, duplicate APQN");
	RESET();
	t[0].reserved = 1;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_LOGIN, &l), -EINVAL,
		   "login, reserved field of a target");
	t[0].reserved = 0;
	RESET();
	t[0].apqn.card ^= 0x80;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_LOGIN, &l), -ENODEV,
		   "login, unknown card");
	t[0].apqn.card ^= 0x80;
	RESET();
	l.pin = 8;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_LOGIN, &l), -EFAULT,
		   "login, bad PIN pointer");
	RESET();
	l.pin = (uintptr_t)"wrong-pin";
	l.pin_len = 9;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_LOGIN, &l), 0,
		   "login, another PIN (a new session: the card derives it)");
	expect_err(logout(fd, l.handle), 0, "logout of it");
#undef RESET
	close(fd);
	return vmt_failed;
}

/* The CPRB fields only a card sets, and unknown flags: EINVAL. */
#define CPRB_AT(field)	offsetof(struct ep11_cprb, field)

static void check_send_cprb(int fd, __u32 handle, struct ep11sess_apqn a)
{
	static const struct {
		const char *what;
		size_t off;
		__u8 val;
		int want;
	} c[] = {
		{ "send, CPRB as built", CPRB_AT(flags), 0, 0 },
		{ "send, CPRB unknown flag", CPRB_AT(flags), 0x01, -EINVAL },
		{ "send, CPRB source id", CPRB_AT(source_id), 1, -EINVAL },
		{ "send, CPRB return code", CPRB_AT(ret_code) + 3, 1, -EINVAL },
		{ "send, CPRB reserved1", CPRB_AT(reserved1), 1, -EINVAL },
		{ "send, CPRB reserved2", CPRB_AT(reserved2) + 3, 1, -EINVAL },
	};
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		expect_err(send_cprb_byte(fd, handle, a, c[i].off, c[i].val),
			   c[i].want, c[i].what);
}

static int cmd_cycle(int argc, char **argv)
{
	struct ep11sess_apqn a[EP11SESS_MAX_APQNS] = { 0 }, used;
	unsigned int n = argc, i;
	__u32 handle, rc;
	__u8 id[16];
	int fd = vmt_open_dev();

	for (i = 0; i < n; i++)
		a[i] = vmt_apqn(argv[i]);
	for (i = 0; i < n; i++)
		expect_used(fd, a[i], 0, "before login");
	expect_err(login(fd, a, n, NULL, 0, &handle, id, NULL), 0, "login");
	for (i = 0; i < n; i++)
		expect_used(fd, a[i], 1, "after login");

	used = a[n - 1];
	expect_err(send_random(fd, handle, EP11SESS_SEND_SESSION, &used, &rc),
		   0, "send bound to the session");
	if (rc)
		vmt_fail("send: expected CKR_OK, got 0x%x", rc);
	used = a[0];
	expect_err(send_random(fd, handle, EP11SESS_SEND_SESSION |
			       EP11SESS_SEND_ANY_APQN, &used, &rc), 0,
		   "send to any APQN of the session");
	if (rc)
		vmt_fail("send any: expected CKR_OK, got 0x%x", rc);
	used = a[0];
	expect_err(send_random(fd, 0, 0, &used, &rc), 0, "unbound send");
	if (rc != EP11_CKR_ARGUMENTS_BAD && rc != EP11_CKR_OK)
		vmt_fail("unbound send: unexpected rc 0x%x", rc);
	expect_err(send_random(fd, handle + 100, EP11SESS_SEND_SESSION, &used,
			       &rc), -ENOENT, "send with an unknown handle");
	check_send_cprb(fd, handle, a[0]);
	for (i = 0; i < n; i++)
		expect_used(fd, a[i], 1, "after send");
	expect_err(logout(fd, handle), 0, "logout");
	expect_err(logout(fd, handle), -ENOENT, "second logout");
	for (i = 0; i < n; i++)
		expect_used(fd, a[i], 0, "after logout");
	close(fd);
	if (!vmt_failed)
		printf("cycle on %u APQN(s): login, send, logout; card and kernel agree\n",
		       n);
	return vmt_failed;
}

/*
 * Log in on A and B, wait for a line on stdin (the script takes A offline
 * meanwhile), then send to A bound to the session: B must answer.
 */
static int cmd_failover(struct ep11sess_apqn a, struct ep11sess_apqn b)
{
	struct ep11sess_apqn ab[2] = { a, b }, used = a;
	char line[16];
	__u32 handle, rc;
	int fd = vmt_open_dev();

	expect_err(login(fd, ab, 2, NULL, 0, &handle, NULL, NULL), 0,
		   "failover: login on two APQNs");
	printf("ready\n");
	if (!fgets(line, sizeof(line), stdin))
		vmt_die("failover: no go line on stdin");
	expect_err(send_random(fd, handle, EP11SESS_SEND_SESSION, &used, &rc),
		   0, "failover: send to the offline APQN");
	if (used.card != b.card || used.domain != b.domain || rc)
		vmt_fail("failover: expected %02x.%04x to answer with CKR_OK, got %02x.%04x rc 0x%x",
			 b.card, b.domain, used.card, used.domain, rc);
	expect_err(logout(fd, handle), 0, "failover: logout");
	close(fd);
	if (!vmt_failed)
		printf("failover: the request went to %02x.%04x\n", b.card,
		       b.domain);
	return vmt_failed;
}

static int cmd_hold(int argc, char **argv)
{
	struct ep11sess_apqn a[EP11SESS_MAX_APQNS];
	const char *nonce = NULL;
	unsigned int n = 0, i;
	int opt, exit_now = 0, ret, fd;
	__u8 id[16];

	while ((opt = getopt(argc, argv, "s:x")) != -1) {
		if (opt == 's')
			nonce = optarg;
		else if (opt == 'x')
			exit_now = 1;
		else
			vmt_die("hold: bad option");
	}
	for (i = optind; i < (unsigned int)argc; i++)
		a[n++] = vmt_apqn(argv[i]);
	fd = vmt_open_dev();
	ret = login(fd, a, n, nonce, 10000, NULL, id, NULL);
	if (ret)
		vmt_die("hold: login failed: %s", strerror(-ret));
	printf("ready ");
	for (i = 0; i < 16; i++)
		printf("%02x", id[i]);
	printf("\n");
	fflush(stdout);
	if (exit_now)
		_exit(0);
	for (;;)
		pause();
}

static int cmd_count(const char *apqn)
{
	struct ep11sess_apqn_status st;
	int fd = vmt_open_dev();

	if (status_of(fd, vmt_apqn(apqn), &st))
		vmt_die("count: %s not known", apqn);
	printf("card_used %u kernel_held %u online %u pending %u reclaimed %llu lost %llu last_reclaim_us %llu\n",
	       st.card_max - st.card_avail, st.card_held,
	       !!(st.flags & EP11SESS_APQN_ONLINE), st.pending,
	       (unsigned long long)st.reclaimed,
	       (unsigned long long)st.lost,
	       (unsigned long long)st.last_reclaim_us);
	close(fd);
	return 0;
}

/*
 * The orphan counts of the status ioctl; a caller of ABI version 1 (its
 * 24-byte struct) gets the same APQNs and nothing past its struct.
 */
static int cmd_orphans(void)
{
	struct ep11sess_status s = {
		.size = sizeof(s),
		.flags = EP11SESS_STATUS_CACHED,
		.entry_size = sizeof(struct ep11sess_apqn_status),
	};
	union {
		struct ep11sess_status s;
		__u8 b[sizeof(struct ep11sess_status)];
	} v1;
	int fd = vmt_open_dev();
	size_t i;

	if (ioctl(fd, EP11SESS_IOC_STATUS, &s))
		vmt_die("status: %s", strerror(errno));
	memset(&v1, 0xa5, sizeof(v1));
	memset(&v1.s, 0, EP11SESS_STATUS_SIZE_VER1);
	v1.s.size = EP11SESS_STATUS_SIZE_VER1;
	v1.s.flags = EP11SESS_STATUS_CACHED;
	v1.s.entry_size = EP11SESS_APQN_STATUS_SIZE_VER1;
	if (ioctl(fd, EP11SESS_IOC_STATUS, &v1.s))
		vmt_fail("status with the ABI version 1 struct (%u bytes): %s",
			 EP11SESS_STATUS_SIZE_VER1, strerror(errno));
	else if (v1.s.count != s.count)
		vmt_fail("status with the ABI version 1 struct: expected %u APQNs, got %u",
			 s.count, v1.s.count);
	for (i = EP11SESS_STATUS_SIZE_VER1; i < sizeof(v1); i++)
		if (v1.b[i] != 0xa5) {
			vmt_fail("status with the ABI version 1 struct: byte %zu past it written (0x%02x)",
				 i, v1.b[i]);
			break;
		}
	printf("orphaned %u timeout_s %u adopted %llu expired %llu\n",
	       s.orphaned, s.orphan_timeout_s,
	       (unsigned long long)s.orphans_adopted,
	       (unsigned long long)s.orphans_expired);
	close(fd);
	return vmt_failed;
}

/* N processes, each logs in and exits without logout or is killed. */
static int cmd_storm(unsigned int n, struct ep11sess_apqn a)
{
	unsigned int i, ok = 0, killed = 0;
	int fd = vmt_open_dev(), st;
	double t0 = vmt_now_us() / 1e3;

	for (i = 0; i < n; i++) {
		int p[2];
		pid_t pid;
		char c;

		pid = vmt_fork_piped(p);
		if (!pid) {
			int cfd = vmt_open_dev();
			int ret = login(cfd, &a, 1, NULL, 10000, NULL, NULL,
					NULL);

			c = ret ? 'f' : 'o';
			if (write(p[1], &c, 1) != 1)
				_exit(3);
			if (ret)
				_exit(2);
			if (i % 2)
				_exit(0);
			for (;;)
				pause();
		}
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			c = 'f';
		close(p[0]);
		if (c == 'o')
			ok++;
		if (i % 2 == 0 && c == 'o') {
			kill(pid, SIGKILL);
			killed++;
		}
		waitpid(pid, &st, 0);
	}
	printf("storm: %u of %u logins succeeded (%u killed, the rest exited without logout) in %.0f ms\n",
	       ok, n, killed, vmt_now_us() / 1e3 - t0);
	if (ok != n)
		vmt_fail("storm: expected %u successful logins, got %u", n, ok);
	expect_used(fd, a, 0, "after the storm");
	close(fd);
	return vmt_failed;
}

static int cmd_fork(struct ep11sess_apqn a)
{
	int fd = vmt_open_dev(), go[2], st;
	pid_t parent, child = 0;

	parent = vmt_fork_piped(go);
	if (!parent) {
		int pfd = vmt_open_dev();

		if (login(pfd, &a, 1, NULL, 0, NULL, NULL, NULL))
			_exit(2);
		child = fork();
		if (!child) {
			char c;

			close(go[1]);
			/* Holds pfd until told to go. */
			if (read(go[0], &c, 1) < 0)
				_exit(3);
			_exit(0);
		}
		_exit(child > 0 ? 0 : 4);	/* the parent dies first */
	}
	close(go[0]);
	waitpid(parent, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		vmt_die("fork: the logging-in parent failed (status %d)", st);
	expect_used(fd, a, 1, "after the parent died, the child holding");
	close(go[1]);			/* the child exits */
	usleep(200000);
	{
		double end = vmt_now_us() / 1e3 + 5000;
		struct ep11sess_apqn_status s;

		while (vmt_now_us() / 1e3 < end) {
			status_of(fd, a, &s);
			if (!s.card_held)
				break;
			usleep(20000);
		}
	}
	expect_used(fd, a, 0, "after the child exited");
	close(fd);
	if (!vmt_failed)
		printf("fork: the child kept the session after the parent died, until it exited\n");
	return vmt_failed;
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char b = 'x';
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int cmd_export(struct ep11sess_apqn a)
{
	int sv[2], fd = vmt_open_dev(), efd, st, flags;
	struct ep11sess_import im = { .size = sizeof(im) };
	struct ep11sess_apqn used = a;
	pid_t pid;
	__u32 rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		vmt_die("socketpair: %s", strerror(errno));
	pid = fork();
	if (!pid) {
		struct ep11sess_export ex = { .size = sizeof(ex) };
		int cfd = vmt_open_dev();

		if (login(cfd, &a, 1, NULL, 0, &ex.handle, NULL, NULL))
			_exit(2);
		if (ioctl(cfd, EP11SESS_IOC_EXPORT, &ex))
			_exit(3);
		flags = fcntl(ex.fd, F_GETFD);
		if (!(flags & FD_CLOEXEC))
			_exit(4);
		if (send_fd(sv[1], ex.fd))
			_exit(5);
		_exit(0);		/* the creator goes away */
	}
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		vmt_die("export: the creator failed with status %d (3: export, 4: fd not close-on-exec)",
			WEXITSTATUS(st));
	efd = recv_fd(sv[0]);
	if (efd < 0)
		vmt_die("export: no fd received");
	expect_used(fd, a, 1, "after the creator died, the export fd in flight");
	im.fd = efd;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_IMPORT, &im), 0, "import");
	close(efd);
	expect_used(fd, a, 1, "after import and close of the export fd");
	expect_err(send_random(fd, im.handle, EP11SESS_SEND_SESSION, &used,
			       &rc), 0, "send on the imported session");
	if (rc)
		vmt_fail("send on the imported session: expected CKR_OK, got 0x%x",
			 rc);
	im.fd = 0;
	im.handle = 0;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_IMPORT, &im), -EINVAL,
		   "import of an fd that is not an export fd");
	close(fd);
	fd = vmt_open_dev();
	expect_used(fd, a, 0, "after the importer closed");
	close(fd);
	if (!vmt_failed)
		printf("export/import: the session survived its creator and ended with the importer\n");
	return vmt_failed;
}

static int cmd_shared(unsigned int n, struct ep11sess_apqn a)
{
	int fd = vmt_open_dev(), rep[2], go[2], st;
	unsigned int i, joined = 0, ok = 0;
	pid_t pids[64];

	if (n > 64)
		vmt_die("shared: at most 64");
	if (pipe(rep) || pipe(go))
		vmt_die("pipe: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (!pids[i]) {
			int cfd = vmt_open_dev(), j = 0;
			char c;

			close(go[1]);
			c = login(cfd, &a, 1, "vm-shared-nonce", 0, NULL, NULL,
				  &j) ? 'f' : (j ? 'j' : 'n');
			if (write(rep[1], &c, 1) != 1)
				_exit(3);
			if (read(go[0], &c, 1) < 0)
				_exit(4);
			_exit(0);
		}
		/* One after the other, so the first one creates it. */
		{
			char c;

			if (read(rep[0], &c, 1) != 1)
				c = 'f';
			ok += c != 'f';
			joined += c == 'j';
		}
	}
	close(go[0]);
	if (ok != n || joined != n - 1)
		vmt_fail("shared: expected %u logins with %u joins, got %u and %u",
			 n, n - 1, ok, joined);
	expect_used(fd, a, 1, "with all holders of the shared session");
	close(go[1]);
	for (i = 0; i < n; i++)
		waitpid(pids[i], &st, 0);
	expect_used(fd, a, 0, "after the last holder exited");
	close(fd);
	if (!vmt_failed)
		printf("shared: %u processes, one card slot, logged out after the last\n",
		       n);
	return vmt_failed;
}

static int list_all(int fd, struct ep11sess_session_info *info,
		    unsigned int room)
{
	struct ep11sess_list l = {
		.size = sizeof(l),
		.flags = EP11SESS_LIST_ALL,
		.entries = (uintptr_t)info,
		.entry_size = sizeof(*info),
		.count = room,
	};

	return ioctl(fd, EP11SESS_IOC_LIST, &l) ? -errno : (int)l.count;
}

/* A child that logs in and then, told so, tries to use the session. */
static pid_t victim(struct ep11sess_apqn a, int *go, int *res)
{
	int g[2], r[2];
	pid_t pid;

	if (pipe(g) || pipe(r))
		vmt_die("pipe: %s", strerror(errno));
	pid = fork();
	if (!pid) {
		int cfd = vmt_open_dev();
		__u32 h, rc;
		char c;
		int ret;

		ret = login(cfd, &a, 1, NULL, 0, &h, NULL, NULL);
		c = ret ? 'f' : 'o';
		if (write(r[1], &c, 1) != 1 || ret)
			_exit(2);
		if (read(g[0], &c, 1) != 1)
			_exit(3);
		ret = send_random(cfd, h, EP11SESS_SEND_SESSION, &a, &rc);
		c = ret == -ESTALE ? 's' : 'u';
		if (write(r[1], &c, 1) != 1)
			_exit(4);
		_exit(0);
	}
	close(g[0]);
	close(r[1]);
	*go = g[1];
	*res = r[0];
	{
		char c;

		if (read(r[0], &c, 1) != 1 || c != 'o')
			vmt_die("admin: the victim could not log in");
	}
	return pid;
}

static void admin_case(int fd, struct ep11sess_apqn a, const char *what,
		       __u32 flags)
{
	static struct ep11sess_session_info info[64];
	struct ep11sess_admin_logout al = { .size = sizeof(al) };
	int go, res, st, n, i, found = -1;
	pid_t pid = victim(a, &go, &res);
	char c;

	n = list_all(fd, info, 64);
	if (n < 0)
		vmt_die("admin: list all: %s", strerror(-n));
	for (i = 0; i < n && i < 64; i++)
		if (info[i].owner_pid == pid)
			found = i;
	if (found < 0) {
		vmt_fail("%s: expected the victim's session (pid %d) in the list", what,
			 pid);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return;
	}
	al.flags = flags;
	al.pid = pid;
	memcpy(al.public_id, info[found].public_id, 16);
	al.before_ns = info[found].created_ns + 1;
	al.apqn = a;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_ADMIN_LOGOUT, &al), 0, what);
	if (al.matched != 1 || al.failed)
		vmt_fail("%s: expected 1 matched, 0 failed; got %u and %u", what,
			 al.matched, al.failed);
	expect_used(fd, a, 0, what);
	if (write(go, "g", 1) != 1 || read(res, &c, 1) != 1)
		c = '?';
	if (c != 's')
		vmt_fail("%s: expected the victim's send to fail with ESTALE", what);
	waitpid(pid, &st, 0);
	close(go);
	close(res);
}

/*
 * The privileged list shows everyone's sessions and, on the caller's own,
 * the caller's handle; another file sees no handle on them.
 */
static void admin_list_handles(int fd, struct ep11sess_apqn a)
{
	static struct ep11sess_session_info info[64];
	int go, res, st, n, i, other = vmt_open_dev(), seen = 0;
	pid_t pid = victim(a, &go, &res);
	__u32 h[2], want;

	if (login(fd, &a, 1, NULL, 0, &h[0], NULL, NULL) ||
	    login(fd, &a, 1, NULL, 0, &h[1], NULL, NULL))
		vmt_die("admin list: login failed");
	n = list_all(fd, info, 64);
	if (n < 0)
		vmt_die("admin list: list all: %s", strerror(-n));
	for (i = 0; i < n && i < 64; i++) {
		int mine = info[i].owner_pid == getpid();

		want = 0;
		if (mine)
			want = info[i].handle == h[0] ? h[0] : h[1];
		if (info[i].handle != want ||
		    !!(info[i].flags & EP11SESS_SESSION_HELD) != mine)
			vmt_fail("admin list: session of pid %d: expected handle %u%s, got %u (flags 0x%x)",
				 info[i].owner_pid, want, mine ? ", held" : "",
				 info[i].handle, info[i].flags);
		seen += mine || info[i].owner_pid == pid;
	}
	if (seen != 3)
		vmt_fail("admin list: expected our 2 sessions and the victim's, saw %d of them",
			 seen);
	n = list_all(other, info, 64);
	for (i = 0; i < n && i < 64; i++)
		if (info[i].handle || info[i].flags & EP11SESS_SESSION_HELD)
			vmt_fail("admin list from another file: expected no handle, got %u (flags 0x%x)",
				 info[i].handle, info[i].flags);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(go);
	close(res);
	close(other);
	for (i = 0; i < 2; i++)
		expect_err(logout(fd, h[i]), 0, "admin list: logout");
}

static int cmd_admin(struct ep11sess_apqn a)
{
	struct ep11sess_admin_logout al = { .size = sizeof(al) };
	int fd = vmt_open_dev();

	admin_list_handles(fd, a);

	admin_case(fd, a, "admin logout by pid", EP11SESS_ADMIN_BY_PID);
	admin_case(fd, a, "admin logout by public id", EP11SESS_ADMIN_BY_ID);
	admin_case(fd, a, "admin logout by date", EP11SESS_ADMIN_BEFORE |
		   EP11SESS_ADMIN_BY_APQN);
	al.flags = EP11SESS_ADMIN_BY_PID;
	al.pid = 1;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_ADMIN_LOGOUT, &al), -ENOENT,
		   "admin logout matching nothing");
	al.flags = 0;
	expect_err(raw_ioctl(fd, EP11SESS_IOC_ADMIN_LOGOUT, &al), -EINVAL,
		   "admin logout without a filter");
	close(fd);
	if (!vmt_failed)
		printf("admin: list all with the caller's handles; logout by pid, public id and date; holders get ESTALE\n");
	return vmt_failed;
}

/* Runs as nobody (on a file opened as root): returns non-zero on failure. */
static int nobody_checks(int nfd, struct ep11sess_apqn a, pid_t victim_pid)
{
	struct ep11sess_session_info info[4];
	struct ep11sess_admin_logout al = { .size = sizeof(al) };
	struct ep11sess_list l = {
		.size = sizeof(l),
		.entries = (uintptr_t)info,
		.entry_size = sizeof(info[0]),
		.count = 4,
	};
	__u32 rc;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		vmt_die("nobody: cannot become nobody: %s", strerror(errno));
	expect_err(list_all(nfd, info, 4) < 0 ? -errno : 0, -EPERM,
		   "nobody lists every session");
	al.flags = EP11SESS_ADMIN_BY_PID;
	al.pid = victim_pid;
	expect_err(raw_ioctl(nfd, EP11SESS_IOC_ADMIN_LOGOUT, &al), -EPERM,
		   "nobody logs out another user's session");
	expect_err(send_random(nfd, 1, EP11SESS_SEND_SESSION, &a, &rc),
		   -ENOENT, "nobody sends on a handle it does not hold");
	expect_err(raw_ioctl(nfd, EP11SESS_IOC_LIST, &l), 0,
		   "nobody lists its own sessions");
	if (l.count)
		vmt_fail("nobody: expected to see 0 sessions, got %u", l.count);
	if (open("/dev/ep11sess", O_RDWR | O_CLOEXEC) >= 0 || errno != EACCES)
		vmt_fail("nobody: expected EACCES opening /dev/ep11sess (mode 0660 root)");
	return vmt_failed;
}

static int cmd_nobody(struct ep11sess_apqn a)
{
	int fd = vmt_open_dev(), go, res, st;
	pid_t pid = victim(a, &go, &res), checker;

	checker = fork();
	if (!checker)
		_exit(nobody_checks(vmt_open_dev(), a, pid));
	waitpid(checker, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		vmt_fail("nobody: the unprivileged checks failed");
	expect_used(fd, a, 1, "after nobody's attempts");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	expect_used(fd, a, 0, "after the victim was killed");
	close(fd);
	close(go);
	close(res);
	if (!vmt_failed)
		printf("nobody: cannot list, use or log out another user's session (EPERM)\n");
	return vmt_failed;
}

static void write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(val, f) < 0 || fclose(f))
		vmt_die("cannot write %s to %s: %s", val, path,
			strerror(errno));
}

static char *read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		vmt_die("cannot read %s: %s", path, strerror(errno));
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/*
 * As @uid: log in until refused; report the count of successes and the
 * refusal's errno through @res, then hold the sessions until @go closes.
 */
static void quota_user(struct ep11sess_apqn a, uid_t uid, int res, int go)
{
	int fd = vmt_open_dev(), ret, n = 0, out[3];
	double t0;
	char c;

	if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
		vmt_die("quota: cannot become uid %u: %s", uid,
			strerror(errno));
	while ((ret = login(fd, &a, 1, NULL, 0, NULL, NULL, NULL)) == 0 &&
	       n < 64)
		n++;
	t0 = vmt_now_us();
	/* Waiting does not help: its own sessions are all there are. */
	out[2] = login(fd, &a, 1, NULL, 300, NULL, NULL, NULL);
	out[0] = n;
	out[1] = ret;
	if ((vmt_now_us() - t0) / 1000 < 250)
		out[2] = 0;
	if (write(res, out, sizeof(out)) != sizeof(out))
		_exit(2);
	if (read(go, &c, 1) < 0)
		_exit(2);
	_exit(0);
}

static pid_t quota_start(struct ep11sess_apqn a, uid_t uid, int out[3],
			 int *go_w)
{
	int res[2], go[2];
	pid_t pid;

	if (pipe(go))
		vmt_die("pipe: %s", strerror(errno));
	pid = vmt_fork_piped(res);
	if (!pid) {
		close(res[0]);
		close(go[1]);
		quota_user(a, uid, res[1], go[0]);
	}
	close(res[1]);
	close(go[0]);
	if (read(res[0], out, 3 * sizeof(int)) != 3 * sizeof(int))
		vmt_die("quota: uid %u's child died", uid);
	close(res[0]);
	*go_w = go[1];
	return pid;
}

static void quota_end(pid_t pid, int go)
{
	int st;

	close(go);
	waitpid(pid, &st, 0);
}

static int cmd_quota(struct ep11sess_apqn a)
{
	char path[128], qpath[128], buf[256], want[32];
	int fd = vmt_open_dev(), out[3], go, go2, i;
	__u32 h[4];
	pid_t p1, p2;

	snprintf(path, sizeof(path), "/sys/class/ep11sess/card%02x/uid_usage",
		 a.card);
	snprintf(qpath, sizeof(qpath), "/sys/class/ep11sess/card%02x/uid_quota",
		 a.card);
	expect_used(fd, a, 0, "before the quota test");
	if (atoi(read_file(qpath, buf, sizeof(buf))) != 8)
		vmt_fail("quota: expected a default uid_quota of 8 (half of 16), got %s",
			 buf);

	p1 = quota_start(a, 65534, out, &go);
	if (out[0] != 8 || out[1] != -EDQUOT || out[2] != -EDQUOT)
		vmt_fail("quota: expected uid 65534 to get 8 sessions, then EDQUOT at once and after a 300 ms wait; got %d, then %d and %d",
			 out[0], out[1], out[2]);
	snprintf(want, sizeof(want), "65534 8\n");
	if (!strstr(read_file(path, buf, sizeof(buf)), want))
		vmt_fail("quota: expected \"65534 8\" in uid_usage, got \"%s\"",
			 buf);
	expect_used(fd, a, 8, "with uid 65534 at its quota");
	snprintf(buf, sizeof(buf),
		 "%s/build/meson/tools/ep11sess/ep11sess status --apqn %02x.%04x | grep -q 'Held by UID 65534 *8$'",
		 getenv("EP11VM_REPO") ? getenv("EP11VM_REPO") : ".", a.card,
		 a.domain);
	if (system(buf))
		vmt_fail("quota: expected 'ep11sess status' to show uid 65534 holding 8 sessions");

	/* Another user still logs in, up to its own quota. */
	write_file(qpath, "3");
	p2 = quota_start(a, 65533, out, &go2);
	if (out[0] != 3 || out[1] != -EDQUOT)
		vmt_fail("quota: expected uid 65533 to get 3 sessions under a quota of 3, then EDQUOT; got %d, then %d",
			 out[0], out[1]);
	expect_used(fd, a, 11, "with two users at their quotas");
	quota_end(p2, go2);
	/* A number is decimal: "010" is ten, "0x10" no number. */
	write_file(qpath, "010");
	if (strcmp(read_file(qpath, buf, sizeof(buf)), "10\n"))
		vmt_fail("quota: expected uid_quota 10 after writing \"010\", got %s",
			 buf);
	i = open(qpath, O_WRONLY);
	if (i < 0)
		vmt_die("cannot open %s: %s", qpath, strerror(errno));
	errno = 0;
	if (write(i, "0x10", 4) != -1 || errno != EINVAL)
		vmt_fail("quota: expected EINVAL writing \"0x10\" to uid_quota, got %s",
			 errno ? strerror(errno) : "success");
	close(i);
	write_file(qpath, "auto");
	if (atoi(read_file(qpath, buf, sizeof(buf))) != 8)
		vmt_fail("quota: expected uid_quota back at 8 after \"auto\", got %s",
			 buf);

	/* The administrator is not held to it. */
	for (i = 0; i < 4; i++)
		expect_err(login(fd, &a, 1, NULL, 0, &h[i], NULL, NULL), 0,
			   "root logs in beyond a user's quota");
	for (i = 0; i < 4; i++)
		logout(fd, h[i]);
	quota_end(p1, go);
	expect_used(fd, a, 0, "after the users exited");
	if (strstr(read_file(path, buf, sizeof(buf)), "65534"))
		vmt_fail("quota: uid 65534 still in uid_usage after it exited: %s",
			 buf);

	/* A cap on the sessions one open file holds. */
	write_file("/sys/module/ep11sess/parameters/max_handles", "3");
	for (i = 0; i < 3; i++)
		expect_err(login(fd, &a, 1, NULL, 0, &h[i], NULL, NULL), 0,
			   "login within max_handles");
	expect_err(login(fd, &a, 1, NULL, 0, NULL, NULL, NULL), -EDQUOT,
		   "login beyond max_handles");
	expect_used(fd, a, 3, "after a login refused by max_handles");
	write_file("/sys/module/ep11sess/parameters/max_handles", "4096");
	close(fd);
	fd = vmt_open_dev();
	expect_used(fd, a, 0, "after the file was closed");
	close(fd);
	if (!vmt_failed)
		printf("quota: a user at its quota gets EDQUOT, others still log in; max_handles caps a file\n");
	return vmt_failed;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		vmt_die("usage: core-sess abi|args|cycle|hold|count|orphans|storm|fork|export|shared|admin|nobody ...");
	if (!strcmp(argv[1], "abi"))
		return cmd_abi();
	if (!strcmp(argv[1], "args") && argc == 3) {
		struct ep11sess_apqn a = vmt_apqn(argv[2]);

		return cmd_login_args(&a);
	}
	if (!strcmp(argv[1], "cycle") && argc >= 3)
		return cmd_cycle(argc - 2, argv + 2);
	if (!strcmp(argv[1], "hold"))
		return cmd_hold(argc - 1, argv + 1);
	if (!strcmp(argv[1], "count") && argc == 3)
		return cmd_count(argv[2]);
	if (!strcmp(argv[1], "orphans") && argc == 2)
		return cmd_orphans();
	if (!strcmp(argv[1], "storm") && argc == 4)
		return cmd_storm(atoi(argv[2]), vmt_apqn(argv[3]));
	if (!strcmp(argv[1], "fork") && argc == 3)
		return cmd_fork(vmt_apqn(argv[2]));
	if (!strcmp(argv[1], "export") && argc == 3)
		return cmd_export(vmt_apqn(argv[2]));
	if (!strcmp(argv[1], "shared") && argc == 4)
		return cmd_shared(atoi(argv[2]), vmt_apqn(argv[3]));
	if (!strcmp(argv[1], "failover") && argc == 4)
		return cmd_failover(vmt_apqn(argv[2]), vmt_apqn(argv[3]));
	if (!strcmp(argv[1], "admin") && argc == 3)
		return cmd_admin(vmt_apqn(argv[2]));
	if (!strcmp(argv[1], "nobody") && argc == 3)
		return cmd_nobody(vmt_apqn(argv[2]));
	if (!strcmp(argv[1], "quota") && argc == 3)
		return cmd_quota(vmt_apqn(argv[2]));
	vmt_die("core-sess: unknown command or arguments: %s", argv[1]);
	return 1;
}
