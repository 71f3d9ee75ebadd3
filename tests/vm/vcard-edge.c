// SPDX-License-Identifier: GPL-2.0
/*
 * vcard-edge: plays the firmware of virtual cards through /dev/ep11_vcard
 * while sending requests to them through /dev/ep11sess, and checks how
 * ep11_vcard.ko behaves at its edges: argument checks, permissions,
 * queue-full, time-outs, offline APQNs, malformed and late replies, the
 * card fd closed or the firmware killed with requests in flight, a fatal
 * signal in the requester, and many requests in flight at once.
 *
 * Usage: vcard-edge [TEST...]   (no argument: every test; -l lists them)
 * Exit: 0 all passed, 1 a test failed, 77 the modules are not loaded.
 * Each failure says what was expected and what was got.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/ep11.h>
#include <linux/ep11_vcard.h>
#include <linux/ep11sess.h>

#include "ep11_wire.h"

#define CTL_DEV		"/dev/ep11_vcard"
#define SESS_DEV	"/dev/ep11sess"
#define TIMEOUT_PARAM	"/sys/module/ep11_vcard/parameters/reply_timeout_ms"
#define MSG_ROOM	(sizeof(struct ep11_vcard_msg) + EP11_MAX_MSG_LEN)
#define FN_RANDOM	EP11_FN(EP11_FN_GENERATE_RANDOM)

static int failures;
static const char *cur_test;

static void __attribute__((format(printf, 2, 3)))
fail_at(int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL %s (line %d): ", cur_test, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

#define FAIL(...)	fail_at(__LINE__, __VA_ARGS__)

/* Checks that a call failed with errno @want: @ret is its return value. */
#define EXPECT_ERRNO(ret, want, what)					\
	do {								\
		int _e = (ret) < 0 ? errno : 0;				\
		if (_e != (want))					\
			FAIL("%s: expected %s, got %s", what,		\
			     strerrorname_np(want),			\
			     _e ? strerrorname_np(_e) : "success");	\
	} while (0)

#define EXPECT_OK(ret, what)						\
	do {								\
		if ((ret) < 0)						\
			FAIL("%s: expected success, got %s", what,	\
			     strerrorname_np(errno));			\
	} while (0)

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the control device ------------------------------------------------ */

static int ctl_fd = -1;

static void new_arg(struct ep11_vcard_new *a, uint8_t card,
		    const uint16_t *doms, int ndoms, uint32_t depth)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->card = card;
	a->queue_depth = depth;
	for (i = 0; i < ndoms; i++)
		a->domains[doms[i] / 64] |= 1ULL << (doms[i] % 64);
	memcpy(a->serial, "VCARDEDGETEST", 13);
	a->serial[13] = '0' + card / 100 % 10;
	a->serial[14] = '0' + card / 10 % 10;
	a->serial[15] = '0' + card % 10;
	a->fd = -1;
}

/* Creates a card; returns its fd or -1 with errno set. */
static int card_new(uint8_t card, const uint16_t *doms, int ndoms,
		    uint32_t depth)
{
	struct ep11_vcard_new a;

	new_arg(&a, card, doms, ndoms, depth);
	if (ioctl(ctl_fd, EP11_VCARD_IOC_NEW, &a) < 0)
		return -1;
	return a.fd;
}

static int set_online(int fd, uint32_t domain, uint32_t online)
{
	struct ep11_vcard_online o = {
		.size = sizeof(o), .domain = domain, .online = online,
	};

	return ioctl(fd, EP11_VCARD_IOC_SET_ONLINE, &o);
}

/* ---- the firmware side ------------------------------------------------- */

struct fwreq {
	uint8_t raw[MSG_ROOM];
	struct ep11_vcard_msg hdr;
	const uint8_t *msg;
	struct ep11_msg m;
	uint32_t want;		/* GenerateRandom: bytes asked for */
};

static ssize_t fw_write(int fd, uint64_t msgid, uint32_t domain,
			const void *msg, size_t len)
{
	struct ep11_vcard_msg h = {
		.msgid = msgid, .domain = domain, .len = len,
	};
	uint8_t *buf = malloc(sizeof(h) + len);
	ssize_t n;

	if (!buf)
		return -1;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), msg, len);
	n = write(fd, buf, sizeof(h) + len);
	free(buf);
	return n;
}

/* Builds a GenerateRandom reply of @n bytes of @fill into @buf. */
static int random_reply(void *buf, size_t cap, uint16_t domain, size_t n,
			uint8_t fill)
{
	uint8_t data[4096];
	struct ep11_wbuf b;

	memset(data, fill, n);
	ep11_wire_reply_init(&b, buf, cap, FN_RANDOM, domain, EP11_CKR_OK);
	ep11_wire_put(&b, data, n);
	return ep11_wire_finish(&b);
}

/* Answers what the core itself asks: get_xcp_info, anything else refused. */
static void fw_answer_core(int fd, struct fwreq *r)
{
	uint8_t rep[256];
	struct ep11_wbuf b;
	uint32_t query = 0;
	uint8_t caps[16] = {
		0, 0, 0, EP11_XCP_CAP_MAX_SESSIONS, 0, 0, 0, 16,
		0, 0, 0, EP11_XCP_CAP_AVAIL_SESSIONS, 0, 0, 0, 16,
	};
	int len;

	if (r->m.fn == EP11_FN(EP11_FN_GET_XCP_INFO) &&
	    !ep11_wire_next_u32(&r->m, &query) &&
	    query == EP11_XCP_QUERY_EXT_CAPLIST) {
		ep11_wire_reply_init(&b, rep, sizeof(rep), r->m.fn,
				     r->hdr.domain, EP11_CKR_OK);
		ep11_wire_put(&b, caps, sizeof(caps));
	} else {
		ep11_wire_reply_init(&b, rep, sizeof(rep), r->m.fn,
				     r->hdr.domain,
				     EP11_CKR_FUNCTION_NOT_SUPPORTED);
	}
	len = ep11_wire_finish(&b);
	if (len > 0)
		fw_write(fd, r->hdr.msgid, r->hdr.domain, rep, len);
}

/*
 * Reads requests until a GenerateRandom (the tests' own requests) arrives
 * within @timeout_ms, answering the core's own requests on the way.
 * Returns 0, or -1 on time-out or error (errno set).
 */
static int fw_next(int fd, struct fwreq *r, int timeout_ms)
{
	long end = now_ms() + timeout_ms;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int left;

	for (;;) {
		left = end - now_ms();
		if (left < 0)
			left = 0;
		if (poll(&p, 1, left) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = read(fd, r->raw, sizeof(r->raw));
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < (ssize_t)sizeof(r->hdr))
			return -1;
		memcpy(&r->hdr, r->raw, sizeof(r->hdr));
		if (r->hdr.len != n - sizeof(r->hdr)) {
			errno = EPROTO;
			return -1;
		}
		r->msg = r->raw + sizeof(r->hdr);
		if (ep11_wire_parse_request(r->msg, r->hdr.len, &r->m)) {
			errno = EBADMSG;
			return -1;
		}
		if (r->m.fn != FN_RANDOM) {
			fw_answer_core(fd, r);
			continue;
		}
		if (ep11_wire_next_u32(&r->m, &r->want))
			r->want = 0;
		return 0;
	}
}

/* Answers the core until it has been quiet for @quiet_ms. */
static void fw_drain(int fd, int quiet_ms)
{
	struct fwreq *r = malloc(sizeof(*r));

	while (r && !fw_next(fd, r, quiet_ms))
		FAIL("unexpected test request %llu while draining",
		     (unsigned long long)r->hdr.msgid);
	free(r);
}

static ssize_t fw_reply(int fd, const struct fwreq *r, uint8_t fill)
{
	uint8_t rep[4200];
	int len = random_reply(rep, sizeof(rep), r->hdr.domain, r->want,
			       fill);

	if (len < 0) {
		errno = -len;
		return -1;
	}
	return fw_write(fd, r->hdr.msgid, r->hdr.domain, rep, len);
}

/* ---- the requester side ------------------------------------------------ */

static int sess_fd = -1;

struct sender {
	pthread_t th;
	uint8_t card;
	uint16_t domain;
	uint32_t want;
	uint32_t timeout_ms;
	uint32_t rep_cap;
	int err;		/* 0 or the ioctl's errno */
	uint32_t rep_len;
	uint8_t rep[4200];
	volatile bool done;
};

/* Sends GenerateRandom(@s->want) and checks the reply when one comes. */
static int send_random(struct sender *s)
{
	uint8_t req[64];
	struct ep11sess_send a;
	struct ep11_wbuf b;
	int len;

	ep11_wire_request_init(&b, req, sizeof(req), FN_RANDOM, s->domain, 0);
	ep11_wire_put_u32(&b, s->want);
	len = ep11_wire_finish(&b);
	if (len < 0)
		return -len;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.apqn.card = s->card;
	a.apqn.domain = s->domain;
	a.req = (uintptr_t)req;
	a.req_len = len;
	a.rep = (uintptr_t)s->rep;
	a.rep_cap = s->rep_cap ? s->rep_cap : sizeof(s->rep);
	a.timeout_ms = s->timeout_ms;
	if (ioctl(sess_fd, EP11SESS_IOC_SEND, &a) < 0)
		return errno;
	s->rep_len = a.rep_len;
	return 0;
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;

	s->err = send_random(s);
	s->done = true;
	return NULL;
}

static void sender_start(struct sender *s, uint8_t card, uint16_t domain,
			 uint32_t want, uint32_t timeout_ms)
{
	memset(s, 0, sizeof(*s));
	s->card = card;
	s->domain = domain;
	s->want = want;
	s->timeout_ms = timeout_ms;
	if (pthread_create(&s->th, NULL, sender_main, s)) {
		FAIL("pthread_create failed");
		exit(1);
	}
}

/* Joins @s within @ms; returns false (and leaves it running) otherwise. */
static bool sender_join(struct sender *s, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_timedjoin_np(s->th, NULL, &ts) == 0;
}

/* Checks that a sender finished in time with @want_err (0: a good reply). */
static void sender_expect(struct sender *s, int ms, int want_err,
			  uint8_t fill, const char *what)
{
	const uint8_t *p;
	struct ep11_msg m;
	size_t n, i;

	if (!sender_join(s, ms)) {
		FAIL("%s: expected the request to end within %d ms, it still waits",
		     what, ms);
		return;
	}
	if (s->err != want_err) {
		FAIL("%s: expected %s, got %s", what,
		     want_err ? strerrorname_np(want_err) : "a reply",
		     s->err ? strerrorname_np(s->err) : "a reply");
		return;
	}
	if (want_err)
		return;
	if (ep11_wire_parse_reply(s->rep, s->rep_len, &m) ||
	    m.rc != EP11_CKR_OK || ep11_wire_next(&m, &p, &n)) {
		FAIL("%s: expected a good GenerateRandom reply, got %u bytes that do not parse",
		     what, s->rep_len);
		return;
	}
	if (n != s->want) {
		FAIL("%s: expected %u random bytes, got %zu", what, s->want, n);
		return;
	}
	for (i = 0; i < n; i++)
		if (p[i] != fill) {
			FAIL("%s: expected byte %zu to be 0x%02x, got 0x%02x",
			     what, i, fill, p[i]);
			return;
		}
}

/* ---- tests ------------------------------------------------------------- */

static void drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) ||
	    (d[0].effective &= ~(1U << CAP_SYS_ADMIN),
	     syscall(SYS_capset, &h, d)))
		_exit(3);
}

/* Runs @fn in a child and returns its exit status. */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn());
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int child_open_without_cap(void)
{
	drop_cap_sys_admin();
	if (open(CTL_DEV, O_RDWR) >= 0)
		return 0;
	return errno == EPERM ? 10 : 20;
}

static int child_open_as_nobody(void)
{
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 3;
	if (open(CTL_DEV, O_RDWR) >= 0)
		return 0;
	return errno == EACCES ? 10 : 20;
}

static int child_new_without_cap(void)
{
	static const uint16_t dom = 1;

	drop_cap_sys_admin();
	if (card_new(0xe0, &dom, 1, 0) >= 0)
		return 0;
	return errno == EPERM ? 10 : 20;
}

static void test_permissions(void)
{
	struct stat st;
	int r;

	if (stat(CTL_DEV, &st)) {
		FAIL("expected %s to exist, got %s", CTL_DEV,
		     strerrorname_np(errno));
		return;
	}
	if (!S_ISCHR(st.st_mode) || (st.st_mode & 07777) != 0600)
		FAIL("expected %s a character device of mode 0600, got mode 0%o",
		     CTL_DEV, st.st_mode);
	r = in_child(child_open_without_cap);
	if (r != 10)
		FAIL("open by root without CAP_SYS_ADMIN: expected EPERM (10), got child status %d",
		     r);
	r = in_child(child_open_as_nobody);
	if (r != 10)
		FAIL("open by uid 65534: expected EACCES (10), got child status %d",
		     r);
	r = in_child(child_new_without_cap);
	if (r != 10)
		FAIL("EP11_VCARD_IOC_NEW on an inherited fd without CAP_SYS_ADMIN: expected EPERM (10), got child status %d",
		     r);
}

static void test_new_args(void)
{
	static const uint16_t doms[] = { 0x24, 0x25 };
	struct {
		struct ep11_vcard_new a;
		uint64_t tail;
	} big;
	struct ep11_vcard_new a, *ro;
	int fd, fd2, fl, free_fd;

	new_arg(&a, 0xe1, doms, 2, 0);
	a.size = 8;
	EXPECT_ERRNO(ioctl(ctl_fd, EP11_VCARD_IOC_NEW, &a), EINVAL,
		     "size 8");
	new_arg(&a, 0xe1, doms, 2, 0);
	a.size = sizeof(a) - 4;
	EXPECT_ERRNO(ioctl(ctl_fd, EP11_VCARD_IOC_NEW, &a), EINVAL,
		     "size one field short");
	new_arg(&a, 0xe1, doms, 2, 0);
	a.flags = 1;
	EXPECT_ERRNO(ioctl(ctl_fd, EP11_VCARD_IOC_NEW, &a), EINVAL,
		     "unknown flag");
	new_arg(&a, 0xe1, doms, 2, 0);
	a.pad[2] = 1;
	EXPECT_ERRNO(ioctl(ctl_fd, EP11_VCARD_IOC_NEW, &a), EINVAL,
		     "non-zero pad");
	new_arg(&a, 0xe1, doms, 2, 0);
	a.reserved = 1;
	EXPECT_ERRNO(ioctl(ctl_fd, EP11_VCARD_IOC_NEW, &a), EINVAL,
		     "non-zero reserved");
	new_arg(&a, 0xe1, doms, 2, EP11_VCARD_MAX_DEPTH + 1);
	EXPECT_ERRNO(ioctl(ctl_fd, EP11_VCARD_IOC_NEW, &a), EINVAL,
		     "queue depth above the maximum");
	new_arg(&a, 0xe1, doms, 0, 0);
	EXPECT_ERRNO(ioctl(ctl_fd, EP11_VCARD_IOC_NEW, &a), EINVAL,
		     "empty domain set");
	new_arg(&a, 0xe1, doms, 2, 0);
	a.serial[3] = '\n';
	EXPECT_ERRNO(ioctl(ctl_fd, EP11_VCARD_IOC_NEW, &a), EINVAL,
		     "control character in the serial number");
	EXPECT_ERRNO(ioctl(ctl_fd, EP11_VCARD_IOC_NEW, (void *)8), EFAULT,
		     "bad pointer");
	EXPECT_ERRNO(ioctl(ctl_fd, _IO(EP11_VCARD_IOC_MAGIC, 0x4f), &a),
		     ENOTTY, "unknown command");

	/*
	 * The card fd cannot be stored in a read-only struct: EFAULT, and
	 * neither the card nor an fd is left behind.
	 */
	ro = mmap(NULL, sizeof(*ro), PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED) {
		FAIL("mmap: expected a page, got %s", strerrorname_np(errno));
	} else {
		new_arg(ro, 0xe1, doms, 2, 0);
		mprotect(ro, sizeof(*ro), PROT_READ);
		free_fd = dup(ctl_fd);
		close(free_fd);
		EXPECT_ERRNO(ioctl(ctl_fd, EP11_VCARD_IOC_NEW, ro), EFAULT,
			     "NEW with a read-only struct");
		fd = dup(ctl_fd);
		if (fd != free_fd)
			FAIL("NEW with a read-only struct: expected fd %d to stay free, got %d as the lowest free fd",
			     free_fd, fd);
		close(fd);
		fd = card_new(0xe1, doms, 2, 0);
		EXPECT_OK(fd, "the same id again after NEW failed with EFAULT");
		if (fd >= 0)
			close(fd);
		munmap(ro, sizeof(*ro));
	}

	new_arg(&big.a, 0xe1, doms, 2, 0);
	big.a.size = sizeof(big);
	big.tail = 1;
	EXPECT_ERRNO(ioctl(ctl_fd, EP11_VCARD_IOC_NEW, &big), E2BIG,
		     "longer struct with a non-zero tail");

	/* A longer struct with a zero tail is a good one. */
	big.tail = 0;
	big.a.queue_depth = EP11_VCARD_MAX_DEPTH;
	if (ioctl(ctl_fd, EP11_VCARD_IOC_NEW, &big) < 0) {
		FAIL("good NEW: expected a card fd, got %s",
		     strerrorname_np(errno));
		return;
	}
	fd = big.a.fd;
	fl = fcntl(fd, F_GETFD);
	if (fl < 0 || !(fl & FD_CLOEXEC))
		FAIL("card fd: expected FD_CLOEXEC, got flags 0x%x", fl);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) != O_RDWR)
		FAIL("card fd: expected O_RDWR, got flags 0x%x", fl);

	fd2 = card_new(0xe1, doms, 2, 0);
	EXPECT_ERRNO(fd2, EEXIST, "second card with the same id");
	if (fd2 >= 0)
		close(fd2);

	close(fd);
	fd2 = card_new(0xe1, doms, 2, 0);
	EXPECT_OK(fd2, "the same id again after closing the card fd");
	if (fd2 >= 0)
		close(fd2);
}

static void test_card_fd_args(void)
{
	static const uint16_t doms[] = { 0x24, 0x25 };
	uint8_t buf[128] = { 0 };
	struct ep11_vcard_online o;
	struct ep11_vcard_msg h;
	struct pollfd p;
	uint8_t *huge;
	int fd, fl;

	fd = card_new(0xe2, doms, 2, 2);
	if (fd < 0) {
		FAIL("NEW: expected a card fd, got %s", strerrorname_np(errno));
		return;
	}
	/* The core's own requests must be over before "nothing queued". */
	fw_drain(fd, 1000);

	EXPECT_ERRNO(set_online(fd, 0x26, 0), EINVAL,
		     "SET_ONLINE of a domain the card does not have");
	EXPECT_ERRNO(set_online(fd, 0x1024, 0), EINVAL,
		     "SET_ONLINE of domain 0x1024");
	EXPECT_ERRNO(set_online(fd, 0x24, 2), EINVAL, "SET_ONLINE online=2");
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.domain = 0x24;
	o.flags = 1;
	EXPECT_ERRNO(ioctl(fd, EP11_VCARD_IOC_SET_ONLINE, &o), EINVAL,
		     "SET_ONLINE with an unknown flag");
	o.flags = 0;
	o.size = 8;
	EXPECT_ERRNO(ioctl(fd, EP11_VCARD_IOC_SET_ONLINE, &o), EINVAL,
		     "SET_ONLINE size 8");
	EXPECT_ERRNO(ioctl(fd, EP11_VCARD_IOC_NEW, &o), ENOTTY,
		     "NEW on a card fd");

	/* Nothing queued: non-blocking read fails, poll says writable only. */
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	EXPECT_ERRNO(read(fd, buf, sizeof(buf)), EAGAIN,
		     "non-blocking read with no request");
	fcntl(fd, F_SETFL, fl);
	p.fd = fd;
	p.events = POLLIN | POLLOUT;
	if (poll(&p, 1, 0) != 1 || p.revents != POLLOUT)
		FAIL("poll with no request: expected POLLOUT only, got 0x%x",
		     p.revents);

	/* Framing of writes. */
	EXPECT_ERRNO(write(fd, buf, 8), EINVAL, "write shorter than a header");
	h.msgid = 1;
	h.domain = 0x24;
	h.len = 40;
	memcpy(buf, &h, sizeof(h));
	EXPECT_ERRNO(write(fd, buf, sizeof(h) + 32), EINVAL,
		     "write whose header len disagrees with its size");
	huge = calloc(1, MSG_ROOM + 1);
	if (huge) {
		h.len = EP11_MAX_MSG_LEN + 1;
		memcpy(huge, &h, sizeof(h));
		EXPECT_ERRNO(write(fd, huge, MSG_ROOM + 1), EMSGSIZE,
			     "reply longer than EP11_MAX_MSG_LEN");
		free(huge);
	}
	{
		uint8_t rep[128];
		int len = random_reply(rep, sizeof(rep), 0x24, 8, 0);

		EXPECT_ERRNO(fw_write(fd, 0x7fffffffffffULL, 0x24, rep, len),
			     ENOENT, "good reply to a request never made");
	}
	close(fd);
}

static void test_roundtrip(void)
{
	static const uint16_t doms[] = { 0x24, 0x25 };
	struct epoll_event ev = { .events = EPOLLIN };
	uint8_t small[40];
	struct fwreq *r = malloc(sizeof(*r));
	struct sender s;
	struct pollfd p;
	uint64_t first;
	int fd, ep;

	fd = card_new(0xe3, doms, 2, 4);
	if (fd < 0 || !r) {
		FAIL("NEW: expected a card fd, got %s", strerrorname_np(errno));
		free(r);
		return;
	}
	fw_drain(fd, 300);
	ep = epoll_create1(EPOLL_CLOEXEC);
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);

	sender_start(&s, 0xe3, 0x25, 32, 10000);
	if (epoll_wait(ep, &ev, 1, 5000) != 1 || !(ev.events & EPOLLIN))
		FAIL("epoll: expected EPOLLIN within 5 s of a request, got none");
	p.fd = fd;
	p.events = POLLIN | POLLOUT;
	if (poll(&p, 1, 0) != 1 || p.revents != (POLLIN | POLLOUT))
		FAIL("poll with a request queued: expected POLLIN|POLLOUT, got 0x%x",
		     p.revents);
	EXPECT_ERRNO(read(fd, small, sizeof(small)), EMSGSIZE,
		     "read into a buffer smaller than the request");

	if (fw_next(fd, r, 5000)) {
		FAIL("expected the request to be read after EMSGSIZE, got %s",
		     strerrorname_np(errno));
		goto out;
	}
	if (r->hdr.domain != 0x25 || r->m.fn_domain != 0x25 || !r->hdr.msgid)
		FAIL("request header: expected domain 0x25 and a non-zero id, got domain 0x%x/0x%x id %llu",
		     r->hdr.domain, r->m.fn_domain,
		     (unsigned long long)r->hdr.msgid);
	if (r->want != 32)
		FAIL("request: expected GenerateRandom(32), got (%u)", r->want);
	first = r->hdr.msgid;
	if (fw_reply(fd, r, 0xa5) < 0)
		FAIL("good reply: expected write to succeed, got %s",
		     strerrorname_np(errno));
	sender_expect(&s, 5000, 0, 0xa5, "round trip");

	EXPECT_ERRNO(fw_reply(fd, r, 0xa5), ENOENT,
		     "second reply to a request");

	sender_start(&s, 0xe3, 0x24, 100, 10000);
	if (!fw_next(fd, r, 5000)) {
		if (r->hdr.msgid <= first)
			FAIL("message ids: expected %llu after %llu to be larger",
			     (unsigned long long)r->hdr.msgid,
			     (unsigned long long)first);
		fw_reply(fd, r, 0x11);
	} else {
		FAIL("second request: expected it within 5 s, got %s",
		     strerrorname_np(errno));
	}
	sender_expect(&s, 5000, 0, 0x11, "round trip on the other domain");
out:
	close(ep);
	close(fd);
	free(r);
}

static void test_queue_full(void)
{
	static const uint16_t doms[] = { 1, 2 };
	struct fwreq *r = calloc(2, sizeof(*r));
	struct fwreq *extra = malloc(sizeof(*extra));
	struct sender s[4];
	int fd, i;

	fd = card_new(0xe4, doms, 2, 2);
	if (fd < 0 || !r || !extra) {
		FAIL("NEW depth 2: expected a card fd, got %s",
		     strerrorname_np(errno));
		goto free;
	}
	fw_drain(fd, 300);
	for (i = 0; i < 2; i++) {
		sender_start(&s[i], 0xe4, 1, 8, 30000);
		if (fw_next(fd, &r[i], 5000))
			FAIL("request %d: expected it within 5 s, got %s", i,
			     strerrorname_np(errno));
	}
	/* Two in flight on 01.0001: the third is refused, after retries. */
	sender_start(&s[2], 0xe4, 1, 8, 30000);
	sender_expect(&s[2], 60000, EBUSY, 0, "third request at depth 2");
	/* The depth is per APQN: 01.0002 still takes requests. */
	sender_start(&s[3], 0xe4, 2, 8, 30000);
	if (!fw_next(fd, extra, 5000))
		fw_reply(fd, extra, 0x22);
	else
		FAIL("request to the other APQN: expected it within 5 s, got %s",
		     strerrorname_np(errno));
	sender_expect(&s[3], 5000, 0, 0x22, "other APQN while one is full");
	for (i = 0; i < 2; i++) {
		fw_reply(fd, &r[i], 0x30 + i);
		sender_expect(&s[i], 5000, 0, 0x30 + i, "held request");
	}
	close(fd);
free:
	free(extra);
	free(r);
}

static int write_param(const char *val)
{
	int fd = open(TIMEOUT_PARAM, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -1 : 0;
}

static void test_timeout(void)
{
	static const uint16_t dom = 7;
	struct fwreq *r = malloc(sizeof(*r));
	char old[32] = "";
	struct sender s;
	long t0, dt;
	int fd, pfd;

	fd = card_new(0xe5, &dom, 1, 4);
	if (fd < 0 || !r) {
		FAIL("NEW: expected a card fd, got %s", strerrorname_np(errno));
		free(r);
		return;
	}
	fw_drain(fd, 300);

	/* The core's time-out, shorter than the module's. */
	t0 = now_ms();
	sender_start(&s, 0xe5, dom, 8, 500);
	if (fw_next(fd, r, 5000))
		FAIL("expected the request within 5 s, got %s",
		     strerrorname_np(errno));
	sender_expect(&s, 10000, ETIMEDOUT, 0, "no reply, 500 ms time-out");
	dt = now_ms() - t0;
	if (dt < 450)
		FAIL("time-out: expected at least 500 ms, got %ld ms", dt);
	EXPECT_ERRNO(fw_reply(fd, r, 0), ENOENT, "late reply after a time-out");

	/* The module's time-out, shorter than the core's. */
	pfd = open(TIMEOUT_PARAM, O_RDONLY);
	if (pfd < 0 || read(pfd, old, sizeof(old) - 1) <= 0) {
		FAIL("expected to read %s, got %s", TIMEOUT_PARAM,
		     strerrorname_np(errno));
		goto out;
	}
	close(pfd);
	EXPECT_ERRNO(write_param("0"), EINVAL, "reply_timeout_ms=0");
	EXPECT_OK(write_param("400"), "reply_timeout_ms=400");
	t0 = now_ms();
	sender_start(&s, 0xe5, dom, 8, 60000);
	if (fw_next(fd, r, 5000))
		FAIL("expected the request within 5 s, got %s",
		     strerrorname_np(errno));
	sender_expect(&s, 10000, ETIMEDOUT, 0,
		      "no reply, module time-out 400 ms");
	dt = now_ms() - t0;
	if (dt < 350)
		FAIL("module time-out: expected at least 400 ms, got %ld ms",
		     dt);
	EXPECT_ERRNO(fw_reply(fd, r, 0), ENOENT,
		     "late reply after the module's time-out");
	EXPECT_OK(write_param(old), "restoring reply_timeout_ms");
out:
	close(fd);
	free(r);
}

static void test_offline(void)
{
	static const uint16_t doms[] = { 3, 4 };
	struct fwreq *r = calloc(2, sizeof(*r));
	struct sender s[3];
	long t0;
	int fd;

	fd = card_new(0xe6, doms, 2, 4);
	if (fd < 0 || !r) {
		FAIL("NEW: expected a card fd, got %s", strerrorname_np(errno));
		free(r);
		return;
	}
	fw_drain(fd, 300);

	/* One request read by the firmware, one still queued. */
	sender_start(&s[0], 0xe6, 3, 8, 30000);
	if (fw_next(fd, &r[0], 5000))
		FAIL("expected the request within 5 s, got %s",
		     strerrorname_np(errno));
	sender_start(&s[1], 0xe6, 3, 8, 30000);
	usleep(200 * 1000);
	t0 = now_ms();
	EXPECT_OK(set_online(fd, 3, 0), "taking e6.0003 offline");
	/* Read by the firmware, it may have run: EIO.  Queued: ENODEV. */
	sender_expect(&s[0], 2000, EIO, 0,
		      "request read by the firmware of an APQN taken offline");
	sender_expect(&s[1], 2000, ENODEV, 0,
		      "request queued on an APQN taken offline");
	if (now_ms() - t0 > 2000)
		FAIL("offline: expected requests to fail at once, took %ld ms",
		     now_ms() - t0);
	EXPECT_ERRNO(fw_reply(fd, &r[0], 0), ENOENT,
		     "late reply to a request failed by offline");

	sender_start(&s[2], 0xe6, 3, 8, 30000);
	sender_expect(&s[2], 5000, ENODEV, 0, "request to an offline APQN");
	sender_start(&s[2], 0xe6, 4, 8, 30000);
	if (!fw_next(fd, &r[1], 5000))
		fw_reply(fd, &r[1], 0x44);
	sender_expect(&s[2], 5000, 0, 0x44, "other APQN while one is offline");

	EXPECT_OK(set_online(fd, 3, 1), "taking e6.0003 online again");
	fw_drain(fd, 300);
	sender_start(&s[2], 0xe6, 3, 8, 30000);
	if (!fw_next(fd, &r[1], 5000))
		fw_reply(fd, &r[1], 0x33);
	sender_expect(&s[2], 5000, 0, 0x33, "APQN back online");
	close(fd);
	free(r);
}

enum bad_kind {
	BAD_CPRB_LEN, BAD_VERSION, BAD_FUNC_ID, BAD_PAYLOAD_LEN,
	BAD_DOMAIN, BAD_SHORT, BAD_KINDS,
};

static const char *const bad_name[BAD_KINDS] = {
	"cprb_len 0x21", "version 3", "function id T5",
	"payload_len one too many", "header domain of another APQN",
	"reply shorter than a CPRB",
};

static void test_bad_replies(void)
{
	static const uint16_t doms[] = { 8, 9 };
	struct fwreq *r = malloc(sizeof(*r));
	uint8_t rep[4200];
	struct ep11_cprb *c = (struct ep11_cprb *)rep;
	struct ep11_vcard_msg h;
	struct sender s;
	uint32_t domain;
	int fd, k, len, busy;
	long t0;

	fd = card_new(0xe7, doms, 2, 4);
	if (fd < 0 || !r) {
		FAIL("NEW: expected a card fd, got %s", strerrorname_np(errno));
		free(r);
		return;
	}
	fw_drain(fd, 300);

	for (k = 0; k < BAD_KINDS; k++) {
		sender_start(&s, 0xe7, 8, 8, 30000);
		if (fw_next(fd, r, 5000)) {
			FAIL("%s: expected the request within 5 s, got %s",
			     bad_name[k], strerrorname_np(errno));
			continue;
		}
		len = random_reply(rep, sizeof(rep), 8, 8, 0);
		domain = 8;
		switch (k) {
		case BAD_CPRB_LEN:
			c->cprb_len = htobe16(0x21);
			break;
		case BAD_VERSION:
			c->cprb_ver_id = 3;
			break;
		case BAD_FUNC_ID:
			c->func_id[1] = '5';
			break;
		case BAD_PAYLOAD_LEN:
			c->payload_len = htobe32(be32toh(c->payload_len) + 1);
			break;
		case BAD_DOMAIN:
			domain = 9;
			break;
		case BAD_SHORT:
			len = 16;
			break;
		}
		EXPECT_ERRNO(fw_write(fd, r->hdr.msgid, domain, rep, len),
			     EBADMSG, bad_name[k]);
		sender_expect(&s, 5000, EBADMSG, 0, bad_name[k]);
	}

	/* A framing error leaves the request waiting for a good reply. */
	sender_start(&s, 0xe7, 9, 8, 30000);
	if (!fw_next(fd, r, 5000)) {
		h.msgid = r->hdr.msgid;
		h.domain = 9;
		len = random_reply(rep + sizeof(h), sizeof(rep) - sizeof(h),
				   9, 8, 0x99);
		h.len = len + 1;
		memcpy(rep, &h, sizeof(h));
		EXPECT_ERRNO(write(fd, rep, sizeof(h) + len), EINVAL,
			     "reply whose header len disagrees with its size");
		if (s.done)
			FAIL("framing error: expected the request to keep waiting, it ended with %s",
			     strerrorname_np(s.err));
		fw_reply(fd, r, 0x99);
	}
	sender_expect(&s, 5000, 0, 0x99, "good reply after a framing error");

	/* A reply too long for the caller's buffer. */
	memset(&s, 0, sizeof(s));
	s.card = 0xe7;
	s.domain = 9;
	s.want = 200;
	s.timeout_ms = 30000;
	s.rep_cap = 64;
	pthread_create(&s.th, NULL, sender_main, &s);
	if (!fw_next(fd, r, 5000))
		EXPECT_OK(fw_reply(fd, r, 1), "reply too long for the caller");
	sender_expect(&s, 5000, EMSGSIZE, 0, "reply too long for the caller");

	/* Busy once: the core retries and the retry is answered. */
	sender_start(&s, 0xe7, 8, 8, 30000);
	for (busy = 0; busy < 2; busy++) {
		if (fw_next(fd, r, 10000)) {
			FAIL("busy: expected request %d within 10 s, got %s",
			     busy, strerrorname_np(errno));
			break;
		}
		if (busy == 0) {
			len = ep11_wire_reply_cprb_rc(rep, sizeof(rep), 8,
						      EP11_CPRB_RC_BUSY);
			EXPECT_OK(fw_write(fd, r->hdr.msgid, 8, rep, len),
				  "busy reply");
		} else {
			fw_reply(fd, r, 0x5b);
		}
	}
	sender_expect(&s, 5000, 0, 0x5b, "reply after one busy reply");

	/* Busy for ever: the core gives up with EBUSY. */
	sender_start(&s, 0xe7, 8, 8, 30000);
	t0 = now_ms();
	while (!s.done && now_ms() - t0 < 60000) {
		if (fw_next(fd, r, 200))
			continue;
		len = ep11_wire_reply_cprb_rc(rep, sizeof(rep), 8,
					      EP11_CPRB_RC_BUSY);
		fw_write(fd, r->hdr.msgid, 8, rep, len);
	}
	sender_expect(&s, 5000, EBUSY, 0, "busy replies only");
	close(fd);
	free(r);
}

static void test_close_inflight(void)
{
	static const uint16_t doms[] = { 5, 6 };
	struct fwreq *r = malloc(sizeof(*r));
	bool read_by_fw[6] = { false };
	struct sender s[6];
	int fd, i;
	long t0;

	fd = card_new(0xe8, doms, 2, 8);
	if (fd < 0 || !r) {
		FAIL("NEW: expected a card fd, got %s", strerrorname_np(errno));
		free(r);
		return;
	}
	fw_drain(fd, 300);
	/* Sender i asks for 8 + i bytes: the request says whose it is. */
	for (i = 0; i < 6; i++)
		sender_start(&s[i], 0xe8, doms[i % 2], 8 + i, 60000);
	/* Three read by the firmware, the rest still queued. */
	for (i = 0; i < 3; i++) {
		if (fw_next(fd, r, 5000))
			FAIL("expected request %d within 5 s, got %s", i,
			     strerrorname_np(errno));
		else if (r->want >= 8 && r->want < 14)
			read_by_fw[r->want - 8] = true;
	}
	usleep(200 * 1000);
	t0 = now_ms();
	close(fd);
	/* What the firmware read may have run (EIO); the rest did not. */
	for (i = 0; i < 6; i++)
		sender_expect(&s[i], 3000, read_by_fw[i] ? EIO : ENODEV, 0,
			      read_by_fw[i] ?
			      "request read by the firmware when the card fd closes" :
			      "request queued when the card fd closes");
	if (now_ms() - t0 > 3000)
		FAIL("close: expected every request to fail at once, took %ld ms",
		     now_ms() - t0);
	sender_start(&s[0], 0xe8, 5, 8, 1000);
	sender_expect(&s[0], 5000, ENODEV, 0, "request to a removed card");
	fd = card_new(0xe8, doms, 2, 8);
	EXPECT_OK(fd, "the card id again after its removal");
	if (fd >= 0)
		close(fd);
	free(r);
}

/* The firmware is a child process that is killed with requests in flight. */
static void test_firmware_killed(void)
{
	static const uint16_t dom = 0x10;
	struct pollfd pfd;
	int ready[2], got[2];
	struct sender s[3];
	pid_t pid;
	char c;
	int i, status, n = 0;
	long t0;

	if (pipe(ready) || pipe(got)) {
		FAIL("pipe: %s", strerrorname_np(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		struct fwreq *r = malloc(sizeof(*r));
		int fd = card_new(0xe9, &dom, 1, 8);

		if (fd < 0 || !r)
			_exit(2);
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		/* Read requests, say so, and never answer them. */
		while (r && !fw_next(fd, r, 60000))
			if (write(got[1], "g", 1) != 1)
				_exit(2);
		_exit(0);
	}
	close(ready[1]);
	close(got[1]);
	if (pid < 0 || read(ready[0], &c, 1) != 1) {
		FAIL("firmware child: expected it to create card e9, it did not");
		close(ready[0]);
		close(got[0]);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return;
	}
	close(ready[0]);
	for (i = 0; i < 3; i++)
		sender_start(&s[i], 0xe9, dom, 8, 60000);
	pfd.fd = got[0];
	pfd.events = POLLIN;
	while (n < 3 && poll(&pfd, 1, 10000) > 0 && read(got[0], &c, 1) == 1)
		n++;
	close(got[0]);
	if (n < 3)
		FAIL("firmware child: expected it to read 3 requests within 10 s, it read %d",
		     n);
	t0 = now_ms();
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	/* The firmware read them all: each may have run. */
	for (i = 0; i < 3; i++)
		sender_expect(&s[i], 3000, EIO, 0,
			      "request read by the firmware when it is killed");
	if (now_ms() - t0 > 3000)
		FAIL("firmware killed: expected requests to fail at once, took %ld ms",
		     now_ms() - t0);
}

static int child_send_and_wait(void)
{
	static struct sender s;

	s.card = 0xea;
	s.domain = 0x11;
	s.want = 8;
	s.timeout_ms = 60000;
	send_random(&s);
	return 0;
}

static void test_fatal_signal(void)
{
	static const uint16_t dom = 0x11;
	struct fwreq *r = malloc(sizeof(*r));
	pid_t pid, w;
	int fd, status;
	long t0;

	fd = card_new(0xea, &dom, 1, 4);
	if (fd < 0 || !r) {
		FAIL("NEW: expected a card fd, got %s", strerrorname_np(errno));
		free(r);
		return;
	}
	fw_drain(fd, 300);
	pid = fork();
	if (pid == 0)
		_exit(child_send_and_wait());
	if (fw_next(fd, r, 5000)) {
		FAIL("expected the child's request within 5 s, got %s",
		     strerrorname_np(errno));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	t0 = now_ms();
	kill(pid, SIGKILL);
	do {
		w = waitpid(pid, &status, WNOHANG);
		if (!w)
			usleep(10 * 1000);
	} while (!w && now_ms() - t0 < 3000);
	if (w != pid) {
		FAIL("SIGKILL: expected the waiting requester to die within 3 s, it did not");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	EXPECT_ERRNO(fw_reply(fd, r, 0), ENOENT,
		     "late reply to a request whose requester was killed");
out:
	close(fd);
	free(r);
}

/*
 * Several firmware threads read one card fd: poll() wakes them all for one
 * request, so the fd must be non-blocking or the losers would sleep in
 * read() past the end of the test.
 */
static void fw_threads_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Many requests in flight, answered out of order by several threads. */
struct fw_thread {
	pthread_t th;
	int fd;
	int answered;
	volatile bool *stop;
};

static void *fw_thread_main(void *arg)
{
	struct fw_thread *t = arg;
	struct fwreq *r = malloc(sizeof(*r));

	while (r && !*t->stop) {
		if (fw_next(t->fd, r, 100))
			continue;
		if (rand() % 4 == 0)
			usleep(rand() % 2000);
		if (fw_reply(t->fd, r, r->want & 0xff) >= 0)
			t->answered++;
	}
	free(r);
	return NULL;
}

#define STRESS_SENDERS	8
#define STRESS_ROUNDS	25

static void test_concurrent(void)
{
	static const uint16_t doms[] = { 0x20, 0x21 };
	struct sender *s = calloc(STRESS_SENDERS, sizeof(*s));
	struct fw_thread fw[3];
	volatile bool stop = false;
	int fd, i, round, answered = 0;

	fd = card_new(0xeb, doms, 2, EP11_VCARD_MAX_DEPTH);
	if (fd < 0 || !s) {
		FAIL("NEW: expected a card fd, got %s", strerrorname_np(errno));
		free(s);
		return;
	}
	fw_threads_nonblock(fd);
	for (i = 0; i < 3; i++) {
		fw[i].fd = fd;
		fw[i].answered = 0;
		fw[i].stop = &stop;
		pthread_create(&fw[i].th, NULL, fw_thread_main, &fw[i]);
	}
	for (round = 0; round < STRESS_ROUNDS; round++) {
		for (i = 0; i < STRESS_SENDERS; i++)
			sender_start(&s[i], 0xeb, doms[i % 2],
				     1 + (round * STRESS_SENDERS + i) % 300,
				     20000);
		for (i = 0; i < STRESS_SENDERS; i++)
			sender_expect(&s[i], 30000, 0, s[i].want & 0xff,
				      "concurrent request");
	}
	stop = true;
	for (i = 0; i < 3; i++) {
		pthread_join(fw[i].th, NULL);
		answered += fw[i].answered;
	}
	if (answered != STRESS_SENDERS * STRESS_ROUNDS)
		FAIL("concurrent: expected %d replies accepted, got %d",
		     STRESS_SENDERS * STRESS_ROUNDS, answered);
	close(fd);
	free(s);
}

/*
 * Replies racing time-outs: each request ends exactly once, so the replies
 * the card accepted are exactly the replies the requesters got; the rest
 * were refused as late (ENOENT) and their requesters timed out.
 */
struct race_fw {
	pthread_t th;
	int fd;
	int max_delay_us;
	int accepted;
	int late;
	int other;
	volatile bool *stop;
};

static void *race_fw_main(void *arg)
{
	struct race_fw *t = arg;
	struct fwreq *r = malloc(sizeof(*r));
	unsigned int seed = (uintptr_t)t;

	while (r && !*t->stop) {
		if (fw_next(t->fd, r, 100)) {
			if (errno == EBADF)
				break;
			continue;
		}
		if (t->max_delay_us)
			usleep(rand_r(&seed) % t->max_delay_us);
		if (fw_reply(t->fd, r, r->want & 0xff) >= 0)
			t->accepted++;
		else if (errno == ENOENT)
			t->late++;
		else if (errno != EBADF)
			t->other++;
	}
	free(r);
	return NULL;
}

#define RACE_THREADS	3
#define RACE_SENDERS	8
#define RACE_ROUNDS	15

static void race_fw_start(struct race_fw *fw, int fd, int max_delay_us,
			  volatile bool *stop)
{
	int i;

	fw_threads_nonblock(fd);
	for (i = 0; i < RACE_THREADS; i++) {
		memset(&fw[i], 0, sizeof(fw[i]));
		fw[i].fd = fd;
		fw[i].max_delay_us = max_delay_us;
		fw[i].stop = stop;
		pthread_create(&fw[i].th, NULL, race_fw_main, &fw[i]);
	}
}

static void test_reply_races(void)
{
	static const uint16_t dom = 0x30;
	struct sender *s = calloc(RACE_SENDERS, sizeof(*s));
	struct race_fw fw[RACE_THREADS];
	volatile bool stop = false;
	int fd, i, round, replies = 0, timeouts = 0;
	int accepted = 0, late = 0;

	fd = card_new(0xec, &dom, 1, EP11_VCARD_MAX_DEPTH);
	if (fd < 0 || !s) {
		FAIL("NEW: expected a card fd, got %s", strerrorname_np(errno));
		free(s);
		return;
	}
	race_fw_start(fw, fd, 30000, &stop);
	for (round = 0; round < RACE_ROUNDS; round++) {
		for (i = 0; i < RACE_SENDERS; i++)
			sender_start(&s[i], 0xec, dom, 8 + i, 15);
		for (i = 0; i < RACE_SENDERS; i++) {
			if (!sender_join(&s[i], 10000)) {
				FAIL("race: expected every request to end within 10 s, one still waits");
				goto out;
			}
			if (s[i].err == 0)
				replies++;
			else if (s[i].err == ETIMEDOUT)
				timeouts++;
			else
				FAIL("race: expected a reply or ETIMEDOUT, got %s",
				     strerrorname_np(s[i].err));
		}
	}
	/* Let the firmware answer what it still holds, all of it late. */
	usleep(100 * 1000);
out:
	stop = true;
	for (i = 0; i < RACE_THREADS; i++) {
		pthread_join(fw[i].th, NULL);
		accepted += fw[i].accepted;
		late += fw[i].late;
		if (fw[i].other)
			FAIL("race: expected replies accepted or ENOENT, %d failed otherwise",
			     fw[i].other);
	}
	if (accepted != replies)
		FAIL("race: expected the %d replies the requesters got to be the ones accepted, the card accepted %d",
		     replies, accepted);
	/* A request can time out before the firmware has read it. */
	if (late > timeouts)
		FAIL("race: expected at most one late reply for each of the %d time-outs, got %d",
		     timeouts, late);
	printf("# race: %d replies, %d time-outs, %d late replies\n",
	       replies, timeouts, late);
	close(fd);
	free(s);
}

/* The card fd closed while requests and replies are under way. */
struct close_sender {
	pthread_t th;
	uint16_t domain;
	int last_err;
	int rounds;
};

static void *close_sender_main(void *arg)
{
	struct close_sender *c = arg;
	struct sender s;

	do {
		memset(&s, 0, sizeof(s));
		s.card = 0xed;
		s.domain = c->domain;
		s.want = 16;
		s.timeout_ms = 20000;
		c->last_err = send_random(&s);
		c->rounds++;
	} while (c->last_err != ENODEV && c->rounds < 100000);
	return NULL;
}

static void test_close_race(void)
{
	static const uint16_t doms[] = { 0x31, 0x32 };
	struct close_sender cs[RACE_SENDERS];
	struct race_fw fw[RACE_THREADS];
	volatile bool stop = false;
	struct timespec ts;
	int fd, i, total = 0;
	long t0;

	fd = card_new(0xed, doms, 2, 4);
	if (fd < 0) {
		FAIL("NEW: expected a card fd, got %s", strerrorname_np(errno));
		return;
	}
	race_fw_start(fw, fd, 2000, &stop);
	for (i = 0; i < RACE_SENDERS; i++) {
		memset(&cs[i], 0, sizeof(cs[i]));
		cs[i].domain = doms[i % 2];
		pthread_create(&cs[i].th, NULL, close_sender_main, &cs[i]);
	}
	usleep(500 * 1000);
	t0 = now_ms();
	close(fd);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	for (i = 0; i < RACE_SENDERS; i++) {
		if (pthread_timedjoin_np(cs[i].th, NULL, &ts)) {
			FAIL("close race: expected sender %d to end within 5 s, it still sends",
			     i);
			continue;
		}
		total += cs[i].rounds;
		if (cs[i].last_err != ENODEV)
			FAIL("close race: expected ENODEV at the end, got %s",
			     cs[i].last_err ? strerrorname_np(cs[i].last_err)
					    : "success");
	}
	if (now_ms() - t0 > 5000)
		FAIL("close race: expected everything to end at once, took %ld ms",
		     now_ms() - t0);
	stop = true;
	for (i = 0; i < RACE_THREADS; i++)
		pthread_join(fw[i].th, NULL);
	printf("# close race: %d requests before the close\n", total);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "permissions", test_permissions },
	{ "new-args", test_new_args },
	{ "card-fd-args", test_card_fd_args },
	{ "roundtrip", test_roundtrip },
	{ "queue-full", test_queue_full },
	{ "timeout", test_timeout },
	{ "offline", test_offline },
	{ "bad-replies", test_bad_replies },
	{ "close-inflight", test_close_inflight },
	{ "firmware-killed", test_firmware_killed },
	{ "fatal-signal", test_fatal_signal },
	{ "concurrent", test_concurrent },
	{ "reply-races", test_reply_races },
	{ "close-race", test_close_race },
};

int main(int argc, char **argv)
{
	unsigned int i;
	int a, ran = 0, before;

	if (argc > 1 && !strcmp(argv[1], "-l")) {
		for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
			puts(tests[i].name);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ctl_fd = open(CTL_DEV, O_RDWR | O_CLOEXEC);
	if (ctl_fd < 0) {
		printf("SKIP: cannot open %s: %s (ep11_vcard not loaded?)\n",
		       CTL_DEV, strerror(errno));
		return 77;
	}
	sess_fd = open(SESS_DEV, O_RDWR | O_CLOEXEC);
	if (sess_fd < 0) {
		printf("SKIP: cannot open %s: %s\n", SESS_DEV,
		       strerror(errno));
		return 77;
	}
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		bool want = argc == 1;

		for (a = 1; a < argc; a++)
			if (!strcmp(argv[a], tests[i].name))
				want = true;
		if (!want)
			continue;
		cur_test = tests[i].name;
		before = failures;
		tests[i].fn();
		printf("%s %s\n", failures == before ? "ok  " : "FAIL",
		       tests[i].name);
		ran++;
	}
	if (!ran) {
		fprintf(stderr, "vcard-edge: no such test; -l lists them\n");
		return 2;
	}
	return failures ? 1 : 0;
}
