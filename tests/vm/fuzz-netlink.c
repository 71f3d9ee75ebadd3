// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz-netlink: a fuzzer of the ep11sess generic netlink family, run in the
 * VM by tests/vm/t-fuzz-netlink.sh against emulated cards.
 *
 *   fuzz-netlink [-s SEED] [-n MESSAGES] [-S SESSIONS] [-u UID] APQN...
 *
 * Raw netlink sockets, so that anything can be sent: every command of
 * linux/ep11sess_genl.h (the orphan dump among them) and unknown ones, as a request, a dump or
 * neither, with random attributes (the command's own with right and
 * wrong lengths and values, unknown types, nested ones several levels
 * deep, lengths that run past the message), sometimes two messages in
 * one datagram or a message whose header lies about its length.  A
 * thread keeps SESSIONS (96) sessions held through /dev/ep11sess (logging in
 * again what an administrator's logout ended), so the session dumps span
 * several messages; dumps are interrupted: the socket closed after the
 * first part, another request sent in the middle, a child killed while
 * it dumps.  As root the events group is joined and drained; as another
 * user joining it must fail.
 *
 * Each answer is checked: a request gets exactly one acknowledgement or
 * one dump ending in NLMSG_DONE, within 10 s; its errno is one that
 * docs/netlink.md or the generic netlink core gives; a logout by a user
 * without CAP_NET_ADMIN fails with EPERM; every message of a dump parses.
 * At the end every session is let go and the cards must be back at their
 * baseline: their own count of used sessions, nothing held, nothing
 * pending, and no session left in a dump.
 *
 * The seed is printed; -s repeats the sequence of messages.  -u drops to
 * that uid (and its gid) after /dev/ep11sess is open.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/ep11.h>
#include <linux/ep11sess.h>
#include <linux/ep11sess_genl.h>

#include "vmtest.h"

#define PIN		"fuzz-pin-0000002"
#define MSG_MAX		4096
#define RECV_LEN	(64 * 1024)
#define REPLY_WAIT_MS	10000
#define NPUBIDS		64
#define NCMDS		8	/* commands counted: 0..6, 7 = any other */
#define ERRNO_MAX	134
#define REPORT_MAX	25
#define END_WAIT_S	20

/* How a dump is cut short. */
enum interrupt { I_NONE, I_CLOSE, I_SECOND, I_CHILD, NINTERRUPT };

static const char *const interrupt_names[NINTERRUPT] = {
	"read to the end", "socket closed after the first part",
	"another request in the middle", "child killed while dumping",
};

static const char *const cmd_names[NCMDS] = {
	"UNSPEC", "APQN_GET", "SESSION_GET", "LOGOUT", "EVENT", "ORPHAN_GET",
	"6", "other",
};

/* What the family, the genetlink core or attribute validation may say. */
static const int allowed[] = {
	EINVAL, ERANGE, EPERM, ENODEV, ENOENT, EOPNOTSUPP, ENOMEM, EMSGSIZE,
	EBUSY, EAGAIN, 0
};

struct figs {
	unsigned long msgs;
	unsigned long per_cmd[NCMDS];
	unsigned long err[ERRNO_MAX + 1];
	unsigned long dumps;
	unsigned long dump_msgs;
	unsigned long multipart;	/* dumps read in several parts */
	unsigned long midway;		/* dumps cut after their first part */
	unsigned long sessions_seen;
	unsigned long apqns_seen;
	unsigned long orphans_seen;
	unsigned long interrupted[NINTERRUPT];
	unsigned long no_reply_expected;
	unsigned long events;
	unsigned long unexpected;
};

static struct figs fig;
static struct ep11sess_apqn apqns[EP11SESS_MAX_APQNS];
static unsigned int napqns;
static uint64_t seed, rng;
static uint32_t seq = 1;
static int family;
static bool root;
static uid_t run_uid;
static unsigned int nsessions = 96;

/* Public ids of the sessions the holder logged in, for the filters. */
static uint8_t pubids[NPUBIDS][EP11_PUBLIC_ID_LEN];
static atomic_uint npubids;
static atomic_bool stop;
static atomic_ulong logins;
static int sess_fd = -1;
static int status_fd = -1;	/* opened before any privilege is dropped */

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

static const char *errname(int e)
{
	const char *s = e ? strerrorname_np(e) : "success";

	return s ? s : "?";
}

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
{
	va_list ap;

	if (fig.unexpected++ >= REPORT_MAX)
		return;
	fprintf(stderr, "fuzz-netlink: unexpected: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		vmt_die("netlink socket: %s", strerror(errno));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return fd;
}

/* A message being built. */
struct msg {
	uint8_t b[MSG_MAX] __attribute__((aligned(4)));
	size_t len;
};

static struct nlattr *put_attr(struct msg *m, uint16_t type, const void *p,
			       size_t n)
{
	struct nlattr *a;

	if (m->len + NLA_HDRLEN + NLA_ALIGN(n) > sizeof(m->b))
		return NULL;
	a = (struct nlattr *)(m->b + m->len);
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + n;
	if (n)
		memcpy(m->b + m->len + NLA_HDRLEN, p, n);
	memset(m->b + m->len + NLA_HDRLEN + n, 0, NLA_ALIGN(n) - n);
	m->len += NLA_HDRLEN + NLA_ALIGN(n);
	return a;
}

static void start_msg(struct msg *m, uint16_t type, uint16_t flags,
		      uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->b;
	struct genlmsghdr *g = NLMSG_DATA(nlh);

	memset(m->b, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq++;
	g->cmd = cmd;
	g->version = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

static void end_msg(struct msg *m)
{
	((struct nlmsghdr *)m->b)->nlmsg_len = m->len;
}

static int resolve_family(int fd)
{
	static uint8_t buf[RECV_LEN] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct msg m;
	ssize_t len;
	size_t off;

	start_msg(&m, GENL_ID_CTRL, NLM_F_REQUEST, CTRL_CMD_GETFAMILY, 1);
	put_attr(&m, CTRL_ATTR_FAMILY_NAME, EP11SESS_GENL_NAME,
		 sizeof(EP11SESS_GENL_NAME));
	end_msg(&m);
	if (send(fd, m.b, m.len, 0) < 0)
		vmt_die("send: %s", strerror(errno));
	len = recv(fd, buf, sizeof(buf), 0);
	if (len < (ssize_t)NLMSG_HDRLEN || nlh->nlmsg_type != GENL_ID_CTRL)
		vmt_die("the family %s is not registered", EP11SESS_GENL_NAME);
	for (off = NLMSG_HDRLEN + GENL_HDRLEN;
	     off + NLA_HDRLEN <= nlh->nlmsg_len;) {
		struct nlattr *a = (struct nlattr *)(buf + off);

		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(uint16_t *)((uint8_t *)a + NLA_HDRLEN);
		off += NLA_ALIGN(a->nla_len);
	}
	vmt_die("no family id in the answer");
}

/* The sessions a thread keeps held, so that dumps have something to show. */
static int login_one(int fd, unsigned int i)
{
	struct ep11sess_target t[EP11SESS_MAX_APQNS];
	struct ep11sess_login l;
	char nonce[32];

	vmt_login_init(&l, t, &apqns[i % napqns], 1, PIN);
	if (i % 4 == 0) {
		snprintf(nonce, sizeof(nonce), "fuzz-nl-%u", i);
		l.flags = EP11SESS_LOGIN_SHARED;
		l.nonce = (uintptr_t)nonce;
		l.nonce_len = strlen(nonce);
	}
	if (ioctl(fd, EP11SESS_IOC_LOGIN, &l))
		return -errno;
	memcpy(pubids[i % NPUBIDS], l.public_id, EP11_PUBLIC_ID_LEN);
	if (atomic_load(&npubids) < NPUBIDS)
		atomic_fetch_add(&npubids, 1);
	atomic_fetch_add(&logins, 1);
	return 0;
}

static void *holder_main(void *arg)
{
	static struct ep11sess_session_info info[256];
	struct ep11sess_list l;
	struct ep11sess_logout lo;
	unsigned int i, held, next = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		memset(&l, 0, sizeof(l));
		l.size = sizeof(l);
		l.entries = (uintptr_t)info;
		l.entry_size = sizeof(info[0]);
		l.count = 256;
		if (ioctl(sess_fd, EP11SESS_IOC_LIST, &l))
			vmt_die("holder: LIST: %s", strerror(errno));
		held = 0;
		/* An administrator's logout leaves handles that fail: drop. */
		for (i = 0; i < l.count && i < 256; i++) {
			if (!(info[i].flags & EP11SESS_SESSION_DYING)) {
				held++;
				continue;
			}
			memset(&lo, 0, sizeof(lo));
			lo.size = sizeof(lo);
			lo.handle = info[i].handle;
			ioctl(sess_fd, EP11SESS_IOC_LOGOUT, &lo);
		}
		for (; held < nsessions && !atomic_load(&stop); held++)
			if (login_one(sess_fd, next++))
				break;
		usleep(50 * 1000);
	}
	return NULL;
}

/* Attributes. */

/* One attribute of the kind the command's policy takes, mostly valid. */
static void good_attr(struct msg *m, unsigned int cmd)
{
	static const uint16_t types[] = {
		EP11SESS_A_CARD, EP11SESS_A_DOMAIN, EP11SESS_A_REFRESH,
		EP11SESS_A_PUBLIC_ID, EP11SESS_A_PID, EP11SESS_A_BEFORE_NS,
		EP11SESS_A_FORCE,
	};
	struct ep11sess_apqn a = apqns[below(napqns)];
	uint16_t type = types[below(sizeof(types) / sizeof(types[0]))];
	uint8_t id[EP11_PUBLIC_ID_LEN], u8v;
	uint16_t u16v;
	uint32_t u32v, n;
	uint64_t u64v;

	(void)cmd;
	switch (type) {
	case EP11SESS_A_CARD:
		u8v = chance(70) ? a.card : rnd();
		put_attr(m, type, &u8v, 1);
		break;
	case EP11SESS_A_DOMAIN:
		u16v = chance(70) ? a.domain : chance(50) ? 0x100 : rnd();
		put_attr(m, type, &u16v, 2);
		break;
	case EP11SESS_A_REFRESH:
		/* Asks every card: rare. */
		if (chance(10))
			put_attr(m, type, NULL, 0);
		break;
	case EP11SESS_A_FORCE:
		put_attr(m, type, NULL, 0);
		break;
	case EP11SESS_A_PUBLIC_ID:
		n = atomic_load(&npubids);
		if (n && chance(5))
			memcpy(id, pubids[below(n)], sizeof(id));
		else
			for (u32v = 0; u32v < sizeof(id); u32v++)
				id[u32v] = rnd();
		put_attr(m, type, id, sizeof(id));
		break;
	case EP11SESS_A_PID:
		/* Our own pid matches every session: only now and then. */
		u32v = below(1000) < 2 ? (uint32_t)getpid() :
		       chance(30) ? 0 : (uint32_t)rnd();
		put_attr(m, type, &u32v, 4);
		break;
	default:
		u64v = below(1000) < 2 ? ~0ULL : chance(50) ? 0 : rnd() >> 8;
		put_attr(m, type, &u64v, 8);
		break;
	}
}

static void rand_attrs(struct msg *m, unsigned int cmd, unsigned int depth)
{
	unsigned int n = below(depth ? 4 : 7), i, j, len;
	uint8_t data[48];
	struct nlattr *a;
	size_t start;

	for (i = 0; i < n; i++) {
		unsigned int r = below(100);

		len = below(sizeof(data));
		for (j = 0; j < len; j++)
			data[j] = rnd();
		if (r < 55 && !depth) {
			good_attr(m, cmd);
		} else if (r < 70) {	/* a known type, any length */
			put_attr(m, 1 + below(EP11SESS_A_MAX), data,
				 below(13));
		} else if (r < 80) {	/* an unknown type */
			put_attr(m, chance(50) ? 0 : EP11SESS_A_MAX + 1 +
				 below(0x3fff - EP11SESS_A_MAX), data, len);
		} else if (r < 90 && depth < 3) {	/* nested */
			start = m->len;
			a = put_attr(m, (chance(70) ? NLA_F_NESTED : 0) |
				     (1 + below(EP11SESS_A_MAX + 2)), NULL, 0);
			if (!a)
				return;
			rand_attrs(m, cmd, depth + 1);
			a->nla_len = m->len - start;
		} else if (r < 94) {	/* byte-order flag, any type */
			put_attr(m, NLA_F_NET_BYTEORDER |
				 (1 + below(EP11SESS_A_MAX)), data, len % 9);
		} else {		/* a length that lies */
			a = put_attr(m, 1 + below(EP11SESS_A_MAX), data, len);
			if (!a)
				return;
			a->nla_len = chance(50) ? below(NLA_HDRLEN) :
				     a->nla_len + 1 + below(200);
			return;
		}
	}
}

/* Answers. */

/*
 * A request whose answer is awaited.  A dump ends with NLMSG_DONE or an
 * error; a request with NLM_F_ACK with its acknowledgement; one without,
 * with its first message (a reply or an error).
 */
enum wait_for { W_DUMP, W_ACK, W_FIRST };

struct answer {
	uint32_t seq;
	enum wait_for wait;
	bool complete;
	int err;		/* of the ack or of NLMSG_DONE */
	unsigned int data;	/* data messages */
	unsigned int parts;	/* datagrams that carried them */
};

static void answer_init(struct answer *ans, uint32_t rseq, uint16_t flags)
{
	memset(ans, 0, sizeof(*ans));
	ans->seq = rseq;
	ans->wait = (flags & NLM_F_DUMP) == NLM_F_DUMP ? W_DUMP :
		    (flags & NLM_F_ACK) ? W_ACK : W_FIRST;
}

/* Checks that a data message of the family parses. */
static void check_data(const struct nlmsghdr *nlh)
{
	const uint8_t *p = (const uint8_t *)nlh;
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;
	const struct nlattr *a;

	if (nlh->nlmsg_len < off) {
		report("a data message of %u bytes, shorter than its headers",
		       nlh->nlmsg_len);
		return;
	}
	if (g->cmd == EP11SESS_CMD_SESSION_GET)
		fig.sessions_seen++;
	else if (g->cmd == EP11SESS_CMD_APQN_GET)
		fig.apqns_seen++;
	else if (g->cmd == EP11SESS_CMD_ORPHAN_GET)
		fig.orphans_seen++;
	while (off < nlh->nlmsg_len) {
		a = (const struct nlattr *)(p + off);
		if (off + NLA_HDRLEN > nlh->nlmsg_len ||
		    a->nla_len < NLA_HDRLEN ||
		    off + a->nla_len > nlh->nlmsg_len) {
			report("an answer of command %u with a malformed attribute at offset %zu",
			       g->cmd, off);
			return;
		}
		if ((a->nla_type & NLA_TYPE_MASK) > EP11SESS_A_MAX)
			report("an answer of command %u with unknown attribute %u",
			       g->cmd, a->nla_type & NLA_TYPE_MASK);
		off += NLA_ALIGN(a->nla_len);
	}
}

/* The first incomplete answer awaited for @seq. */
static struct answer *awaited(struct answer *ans, unsigned int n,
			      uint32_t rseq)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!ans[i].complete && ans[i].seq == rseq)
			return &ans[i];
	return NULL;
}

/*
 * Reads what comes until the @n answers are complete, up to @wait_ms in
 * all; with @first_only, returns after the first datagram.  Messages of
 * other sequence numbers (the rest of an interrupted dump) are parsed and
 * dropped.  Returns false on time-out.
 */
static bool read_answers(int fd, struct answer *ans, unsigned int n,
			 int wait_ms, bool first_only)
{
	static uint8_t buf[RECV_LEN] __attribute__((aligned(4)));
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	double end = vmt_now_us() + wait_ms * 1000.0;
	bool counted[2] = { false };
	struct nlmsghdr *nlh;
	struct answer *a;
	unsigned int i;
	ssize_t len;
	int left;

	while (awaited(ans, n, ans[0].seq) ||
	       (n > 1 && awaited(ans, n, ans[1].seq))) {
		left = (end - vmt_now_us()) / 1000;
		if (left < 0 || poll(&pfd, 1, left) <= 0)
			return false;
		/*
		 * Each datagram is read with a buffer of its own size: the
		 * kernel sizes a dump's parts by the largest buffer a read
		 * offered, and small parts make a dump span several.
		 */
		len = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
		if (len >= 0)
			len = recv(fd, buf, len < (ssize_t)sizeof(buf) ?
				   (size_t)len : sizeof(buf), MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ENOBUFS)
				continue;
			report("recv: %s", strerror(errno));
			return false;
		}
		for (i = 0; i < n; i++)
			counted[i] = false;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			a = awaited(ans, n, nlh->nlmsg_seq);
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (a) {
					a->complete = true;
					a->err = -e->error;
				}
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				if (a && a->wait == W_DUMP) {
					a->complete = true;
					a->err = nlh->nlmsg_len >=
						 NLMSG_HDRLEN + sizeof(int) ?
						 -*(int *)NLMSG_DATA(nlh) : 0;
				}
			} else if (nlh->nlmsg_type == family) {
				check_data(nlh);
				if (a) {
					a->data++;
					fig.dump_msgs++;
					if (!counted[a - ans]) {
						counted[a - ans] = true;
						a->parts++;
					}
					if (a->wait == W_FIRST)
						a->complete = true;
				}
			}
		}
		if (first_only)
			return true;
	}
	return true;
}

static void count_err(int err)
{
	fig.err[err > 0 && err <= ERRNO_MAX ? err : 0]++;
}

static bool is_allowed(int err)
{
	const int *p;

	for (p = allowed; *p; p++)
		if (*p == err)
			return true;
	return false;
}

/* A child that starts a session dump, reads a part and is killed. */
static void dump_in_child(void)
{
	struct answer ans;
	struct msg m;
	pid_t pid;
	int fd;

	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		fd = nl_open();
		start_msg(&m, family, NLM_F_REQUEST | NLM_F_DUMP,
			  EP11SESS_CMD_SESSION_GET, 1);
		end_msg(&m);
		if (send(fd, m.b, m.len, 0) < 0)
			_exit(1);
		answer_init(&ans, seq - 1, NLM_F_DUMP);
		read_answers(fd, &ans, 1, 2000, true);
		pause();
		_exit(0);
	}
	usleep(below(20000));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	fig.interrupted[I_CHILD]++;
}

/* One message (or two in one datagram), its answer checked. */
static void one_message(int *fdp)
{
	uint16_t flags = NLM_F_REQUEST, type = family;
	unsigned int cmd, r = below(100), counted, i;
	enum interrupt intr = I_NONE;
	bool expect_reply, dump, batch = false, lie = false;
	struct answer ans[2];
	struct nlmsghdr *nlh;
	struct msg m;
	uint32_t rseq;
	int fd = *fdp;

	cmd = r < 27 ? EP11SESS_CMD_SESSION_GET : r < 49 ?
	      EP11SESS_CMD_APQN_GET : r < 58 ? EP11SESS_CMD_ORPHAN_GET :
	      r < 80 ? EP11SESS_CMD_LOGOUT : r < 90 ? below(7) : below(256);
	if (cmd == EP11SESS_CMD_LOGOUT ? chance(10) : chance(85))
		flags |= NLM_F_DUMP;
	if (chance(60))
		flags |= NLM_F_ACK;
	if (chance(5))
		flags |= 1 << (4 + below(8));	/* the dump/new bits, others */
	if (chance(2))
		flags &= ~NLM_F_REQUEST;
	if (chance(2))
		type = chance(50) ? below(NLMSG_MIN_TYPE) :
		       NLMSG_MIN_TYPE + 0x100 + below(0x1000);
	dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;
	start_msg(&m, type, flags, cmd, chance(90) ? 1 : rnd());
	rseq = seq - 1;
	rand_attrs(&m, cmd, 0);
	end_msg(&m);
	nlh = (struct nlmsghdr *)m.b;
	if (chance(2)) {	/* the header lies about the length */
		nlh->nlmsg_len = chance(50) ? below(NLMSG_HDRLEN) :
				 m.len + 1 + below(64);
		lie = true;
	} else if (chance(3) && m.len * 2 <= sizeof(m.b)) {
		memcpy(m.b + m.len, m.b, m.len);	/* the same seq twice */
		batch = true;
	}

	counted = cmd < NCMDS - 1 ? cmd : NCMDS - 1;
	fig.msgs++;
	fig.per_cmd[counted]++;
	if (send(fd, m.b, batch ? 2 * m.len : m.len, 0) < 0) {
		count_err(errno);
		report("send of command %u: %s", cmd, strerror(errno));
		return;
	}

	/*
	 * The kernel drops a message whose header claims less than a
	 * header or more than was sent; it acknowledges one that asks for
	 * it (NLM_F_ACK) and answers a request (NLM_F_REQUEST) of a type
	 * above the control types.
	 */
	expect_reply = !lie && ((flags & NLM_F_ACK) ||
				((flags & NLM_F_REQUEST) &&
				 type >= NLMSG_MIN_TYPE));
	for (i = 0; i < 2; i++)
		answer_init(&ans[i], rseq, flags);
	if (!(flags & NLM_F_REQUEST) || type < NLMSG_MIN_TYPE)
		ans[0].wait = ans[1].wait = W_ACK;
	if (!expect_reply) {
		fig.no_reply_expected++;
		read_answers(fd, ans, 1, 0, true);
		return;
	}
	if (dump && type == family && (flags & NLM_F_REQUEST)) {
		fig.dumps++;
		intr = chance(85) ? I_NONE : below(NINTERRUPT - 1) + 1;
		if (intr == I_CHILD) {
			dump_in_child();
			intr = I_NONE;
		}
	}
	if (intr == I_CLOSE) {
		read_answers(fd, ans, 1, REPLY_WAIT_MS, true);
		fig.midway += !ans[0].complete;
		close(fd);
		*fdp = nl_open();
		fig.interrupted[I_CLOSE]++;
		return;
	}
	if (intr == I_SECOND) {
		struct msg m2;
		uint16_t f2 = NLM_F_REQUEST | NLM_F_ACK |
			      (chance(50) ? NLM_F_DUMP : 0);

		read_answers(fd, ans, 1, REPLY_WAIT_MS, true);
		fig.midway += !ans[0].complete;
		start_msg(&m2, family, f2, EP11SESS_CMD_APQN_GET, 1);
		end_msg(&m2);
		answer_init(&ans[1], seq - 1, f2);
		if (send(fd, m2.b, m2.len, 0) < 0)
			report("send in the middle of a dump: %s",
			       strerror(errno));
		fig.interrupted[I_SECOND]++;
		if (!read_answers(fd, ans, 2, REPLY_WAIT_MS, false))
			report("%s after another request was sent in the middle of a dump",
			       ans[0].complete ? "no answer to that request" :
			       "no end to the dump");
		for (i = 0; i < 2; i++) {
			count_err(ans[i].err);
			if (ans[i].err && !is_allowed(ans[i].err))
				report("a dump interrupted by another request: %s",
				       errname(ans[i].err));
		}
		return;
	}
	if (!read_answers(fd, ans, batch ? 2 : 1, REPLY_WAIT_MS, false)) {
		report("no answer within %d s to command %u, flags 0x%x, type %u%s",
		       REPLY_WAIT_MS / 1000, cmd, flags, type,
		       batch ? ", sent twice in one datagram" : "");
		return;
	}
	if (intr == I_NONE && dump) {
		fig.interrupted[I_NONE]++;
		fig.multipart += ans[0].parts > 1;
	}
	count_err(ans[0].err);
	if (ans[0].err && !is_allowed(ans[0].err))
		report("command %u, flags 0x%x: %s is not an error the family documents",
		       cmd, flags, errname(ans[0].err));
	/*
	 * Generic netlink refuses flags it does not define (EINVAL) before
	 * it checks the logout's permission.
	 */
	if (!root && type == family && cmd == EP11SESS_CMD_LOGOUT &&
	    (flags & NLM_F_REQUEST) &&
	    !((dump ? flags & ~NLM_F_DUMP : flags) &
	      ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)) &&
	    ans[0].err != EPERM)
		report("LOGOUT as uid %u: expected EPERM, got %s", run_uid,
		       errname(ans[0].err));
}

/* The events group: root may join it, others may not. */
static int events_socket(void)
{
	int fd = nl_open(), grp = 0, ret;
	uint8_t buf[RECV_LEN] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct msg m;
	ssize_t len;
	size_t off;

	start_msg(&m, GENL_ID_CTRL, NLM_F_REQUEST, CTRL_CMD_GETFAMILY, 1);
	put_attr(&m, CTRL_ATTR_FAMILY_NAME, EP11SESS_GENL_NAME,
		 sizeof(EP11SESS_GENL_NAME));
	end_msg(&m);
	if (send(fd, m.b, m.len, 0) < 0 ||
	    (len = recv(fd, buf, sizeof(buf), 0)) <= 0)
		vmt_die("family lookup: %s", strerror(errno));
	/* CTRL_ATTR_MCAST_GROUPS { { NAME, ID } } */
	for (off = NLMSG_HDRLEN + GENL_HDRLEN;
	     off + NLA_HDRLEN <= nlh->nlmsg_len && !grp;) {
		struct nlattr *a = (struct nlattr *)(buf + off);

		if (a->nla_len < NLA_HDRLEN)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GROUPS) {
			size_t o2 = off + NLA_HDRLEN + NLA_HDRLEN;

			while (o2 + NLA_HDRLEN <= off + a->nla_len) {
				struct nlattr *b = (struct nlattr *)(buf + o2);

				if (b->nla_len < NLA_HDRLEN)
					break;
				if (b->nla_type == CTRL_ATTR_MCAST_GRP_ID)
					grp = *(uint32_t *)((uint8_t *)b +
							    NLA_HDRLEN);
				o2 += NLA_ALIGN(b->nla_len);
			}
		}
		off += NLA_ALIGN(a->nla_len);
	}
	if (!grp)
		vmt_die("no events group in the family");
	ret = setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
			 sizeof(grp)) ? errno : 0;
	if (root ? ret : ret != EPERM)
		report("joining the events group as uid %u: expected %s, got %s",
		       run_uid, root ? "success" : "EPERM", errname(ret));
	return fd;
}

static void drain_events(int fd)
{
	static uint8_t buf[RECV_LEN] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;
	ssize_t len;

	while ((len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0 ||
	       (len < 0 && errno == ENOBUFS)) {
		if (len < 0)
			continue;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len))
			if (nlh->nlmsg_type == family) {
				fig.events++;
				check_data(nlh);
			}
	}
}

/* Sessions a plain session dump shows now. */
static int dump_count(int fd)
{
	unsigned long before = fig.sessions_seen;
	struct answer ans;
	struct msg m;

	start_msg(&m, family, NLM_F_REQUEST | NLM_F_DUMP,
		  EP11SESS_CMD_SESSION_GET, 1);
	end_msg(&m);
	answer_init(&ans, seq - 1, NLM_F_DUMP);
	if (send(fd, m.b, m.len, 0) < 0 ||
	    !read_answers(fd, &ans, 1, REPLY_WAIT_MS, false) || ans.err)
		return -1;
	return fig.sessions_seen - before;
}

/* The status ioctl's figures of the APQNs given. */
struct apqn_fig {
	uint32_t used;
	uint32_t held;
	uint32_t pending;
	bool valid;
};

static void figures(int fd, struct apqn_fig *f)
{
	struct ep11sess_apqn_status s;
	unsigned int i;

	for (i = 0; i < napqns; i++) {
		if (vmt_status_of(fd, i ? EP11SESS_STATUS_CACHED : 0,
				  apqns[i], &s))
			vmt_die("status: %02x.%04x is not registered",
				apqns[i].card, apqns[i].domain);
		f[i].valid = s.flags & EP11SESS_APQN_CAPS_VALID;
		f[i].used = s.card_max - s.card_avail;
		f[i].held = s.card_held;
		f[i].pending = s.pending;
	}
}

static bool at_baseline(const struct apqn_fig *now,
			const struct apqn_fig *base)
{
	unsigned int i;

	for (i = 0; i < napqns; i++)
		if (!now[i].valid || now[i].used != base[i].used ||
		    now[i].held || now[i].pending)
			return false;
	return true;
}

static void print_figures(double secs)
{
	unsigned int i;

	printf("fuzz-netlink: seed 0x%016" PRIx64 " (repeat with -s 0x%" PRIx64 "), uid %u\n",
	       seed, seed, run_uid);
	printf("fuzz-netlink: %lu messages in %.1f s (%.0f/s)\n", fig.msgs,
	       secs, fig.msgs / secs);
	printf("fuzz-netlink: messages per command:");
	for (i = 0; i < NCMDS; i++)
		printf(" %s %lu", cmd_names[i], fig.per_cmd[i]);
	printf("\nfuzz-netlink: errno histogram:");
	for (i = 0; i <= ERRNO_MAX; i++)
		if (fig.err[i])
			printf(" %s %lu", i ? errname(i) : "OK", fig.err[i]);
	printf("\nfuzz-netlink: dumps %lu:", fig.dumps);
	for (i = 0; i < NINTERRUPT; i++)
		printf(" %s %lu%s", interrupt_names[i], fig.interrupted[i],
		       i + 1 < NINTERRUPT ? "," : "");
	printf("; read in several parts %lu, cut after the first part %lu\n",
	       fig.multipart, fig.midway);
	printf("fuzz-netlink: dump messages %lu (sessions %lu, APQNs %lu, orphaned logouts %lu), events %lu, no answer expected %lu, logins by the holder %lu\n",
	       fig.dump_msgs, fig.sessions_seen, fig.apqns_seen,
	       fig.orphans_seen, fig.events,
	       fig.no_reply_expected, atomic_load(&logins));
}

int main(int argc, char **argv)
{
	struct apqn_fig base[EP11SESS_MAX_APQNS], now[EP11SESS_MAX_APQNS];
	unsigned long nmsgs = 100000, i;
	bool drop = false, ok;
	pthread_t holder;
	int opt, fd, evfd, left = -1;
	double t0, secs;

	vmt_prefix = "fuzz-netlink: ";
	seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^ getpid();
	while ((opt = getopt(argc, argv, "s:n:S:u:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			nmsgs = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			nsessions = strtoul(optarg, NULL, 0);
			break;
		case 'u':
			run_uid = strtoul(optarg, NULL, 0);
			drop = true;
			break;
		default:
			vmt_die("usage: fuzz-netlink [-s SEED] [-n MESSAGES] [-S SESSIONS] [-u UID] APQN...");
		}
	}
	for (; optind < argc && napqns < EP11SESS_MAX_APQNS; optind++)
		apqns[napqns++] = vmt_apqn(argv[optind]);
	if (!napqns)
		vmt_die("give the APQNs of the emulated cards");
	rng = seed | 1;
	printf("fuzz-netlink: seed 0x%016" PRIx64 "\n", seed);
	fflush(stdout);

	sess_fd = vmt_open_dev();
	status_fd = vmt_open_dev();
	figures(status_fd, base);
	if (drop && (setgroups(0, NULL) || setgid(run_uid) ||
		     setuid(run_uid)))
		vmt_die("dropping to uid %u: %s", run_uid, strerror(errno));
	root = !geteuid();
	fd = nl_open();
	family = resolve_family(fd);
	evfd = events_socket();

	if (pthread_create(&holder, NULL, holder_main, NULL))
		vmt_die("pthread_create failed");
	for (i = 0; i < 200 && atomic_load(&logins) < nsessions; i++)
		usleep(50 * 1000);

	t0 = vmt_now_us();
	for (i = 0; i < nmsgs; i++) {
		one_message(&fd);
		if (i % 64 == 0)
			drain_events(evfd);
	}
	secs = (vmt_now_us() - t0) / 1e6;
	drain_events(evfd);
	atomic_store(&stop, true);
	pthread_join(holder, NULL);
	print_figures(secs);

	/* Every session let go: the cards must come back to their baseline. */
	close(sess_fd);
	ok = false;
	for (i = 0; i < END_WAIT_S * 10 && !ok; i++) {
		figures(status_fd, now);
		left = dump_count(fd);
		ok = at_baseline(now, base) && left == 0;
		if (!ok)
			usleep(100 * 1000);
	}
	for (i = 0; i < napqns; i++)
		printf("fuzz-netlink: %02x.%04x: card used %u (baseline %u), kernel held %u, pending %u\n",
		       apqns[i].card, apqns[i].domain, now[i].used,
		       base[i].used, now[i].held, now[i].pending);
	printf("fuzz-netlink: sessions in a dump at the end: %d\n", left);
	if (!ok)
		vmt_fail("the cards did not come back to their baseline within %d s of the last close",
			 END_WAIT_S);
	if (fig.unexpected)
		vmt_fail("%lu messages had unexpected answers (the first %d are above)",
			 fig.unexpected, REPORT_MAX);
	close(fd);
	close(evfd);
	if (!vmt_failed)
		printf("fuzz-netlink: ok\n");
	return vmt_failed;
}
