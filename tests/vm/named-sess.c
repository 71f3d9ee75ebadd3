// SPDX-License-Identifier: GPL-2.0
/*
 * named-sess: named logins with real processes.  A login carries a name
 * and a scope; files in the scope attach without the PIN, files outside it
 * learn nothing; a keep-alive hold keeps the session with no file open,
 * until it is released, expires or the session is logged out for
 * everyone.  The card's own count (get_xcp_info) is checked after every
 * step.
 *
 *   named-sess scope APQN
 *   named-sess everyone APQN
 *   named-sess keep APQN
 *   named-sess storm N APQN
 *   named-sess keepone NAME TTL_MS APQN   (prints the public id, exits)
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/ep11.h>
#include <linux/ep11sess.h>

#include "ep11_wire.h"
#include "vmtest.h"

#define PIN		"named-test-pin-01"
#define OTHER_PIN	"named-test-pin-02"
#define GROUP		4242
#define NOBODY		65534

static struct ep11sess_apqn apqn;

static void name_of(__u8 *out, const char *s)
{
	memset(out, 0, EP11SESS_NAME_LEN);
	memcpy(out, s, strnlen(s, EP11SESS_NAME_LEN));
}

/* A named login; returns 0 or -errno. */
static int nlogin(int fd, const char *pin, const char *nonce, const char *name,
		  __u32 scope, __u32 gid, __u32 *handle, __u8 *pubid)
{
	struct ep11sess_target t[EP11SESS_MAX_APQNS];
	struct ep11sess_login l;

	vmt_login_init(&l, t, &apqn, 1, pin);
	if (nonce) {
		l.flags = EP11SESS_LOGIN_SHARED;
		l.nonce = (uintptr_t)nonce;
		l.nonce_len = strlen(nonce);
	}
	if (name) {
		l.flags |= EP11SESS_LOGIN_NAMED;
		name_of(l.name, name);
		l.scope = scope;
		l.gid = gid;
	}
	if (ioctl(fd, EP11SESS_IOC_LOGIN, &l))
		return -errno;
	if (handle)
		*handle = l.handle;
	if (pubid)
		memcpy(pubid, l.public_id, 16);
	return 0;
}

static int attach(int fd, const char *name, __u32 scope, __u32 id,
		  __u32 *handle, __u8 *pubid)
{
	struct ep11sess_attach a = {
		.size = sizeof(a), .scope = scope, .id = id,
	};

	name_of(a.name, name);
	if (ioctl(fd, EP11SESS_IOC_ATTACH, &a))
		return -errno;
	if (handle)
		*handle = a.handle;
	if (pubid)
		memcpy(pubid, a.public_id, 16);
	return 0;
}

static int logout(int fd, __u32 handle, __u32 flags)
{
	struct ep11sess_logout l = {
		.size = sizeof(l), .flags = flags, .handle = handle,
	};

	return ioctl(fd, EP11SESS_IOC_LOGOUT, &l) ? -errno : 0;
}

static int keep(int fd, __u32 handle, __u32 flags, __u32 ttl_ms,
		__u64 *expires_ns)
{
	struct ep11sess_keep k = {
		.size = sizeof(k), .flags = flags, .handle = handle,
		.ttl_ms = ttl_ms,
	};

	if (ioctl(fd, EP11SESS_IOC_KEEP, &k))
		return -errno;
	if (expires_ns)
		*expires_ns = k.expires_ns;
	return 0;
}

/* GenerateRandom(16) bound to @handle: 0 or -errno. */
static int use(int fd, __u32 handle)
{
	__u8 req[256], rep[512];
	struct ep11sess_send s;
	struct ep11_wbuf b;
	struct ep11_msg m;
	int len;

	ep11_wire_request_init(&b, req, sizeof(req),
			       EP11_FN(EP11_FN_GENERATE_RANDOM), apqn.domain, 0);
	ep11_wire_put_u32(&b, 16);
	len = ep11_wire_finish(&b);
	if (len < 0)
		vmt_die("cannot build GenerateRandom: %d", len);
	vmt_send_init(&s, EP11SESS_SEND_SESSION, handle, apqn, req, len, rep,
		      sizeof(rep));
	if (ioctl(fd, EP11SESS_IOC_SEND, &s))
		return -errno;
	if (ep11_wire_parse_reply(rep, s.rep_len, &m) < 0 || m.rc)
		vmt_die("GenerateRandom: a malformed or failed reply");
	return 0;
}

static void expect(int got, int want, const char *what)
{
	if (got != want)
		vmt_fail("%s: expected %s, got %s", what,
			 want ? strerror(-want) : "success",
			 got ? strerror(-got) : "success");
}

/* The card's own count of used sessions, and the kernel's. */
static void expect_used(int fd, unsigned int want, const char *when)
{
	struct ep11sess_apqn_status st;

	if (vmt_status_of(fd, 0, apqn, &st))
		vmt_die("%s: no status for the APQN", when);
	if (st.card_max - st.card_avail != want || st.card_held != want)
		vmt_fail("%s: expected %u sessions used, got %u by the card and %u by the kernel",
			 when, want, st.card_max - st.card_avail, st.card_held);
}

/* Waits up to @ms for the card to count @want; false on time-out. */
static bool wait_used(int fd, unsigned int want, unsigned int ms)
{
	struct ep11sess_apqn_status st;
	unsigned int waited;

	for (waited = 0; waited <= ms; waited += 50) {
		if (!vmt_status_of(fd, 0, apqn, &st) &&
		    st.card_max - st.card_avail == want && st.card_held == want)
			return true;
		usleep(50000);
	}
	return false;
}

/* Every session, as an administrator lists them; returns the count. */
static unsigned int list_all(int fd, struct ep11sess_session_info *info,
			     unsigned int room)
{
	struct ep11sess_list l = {
		.size = sizeof(l), .flags = EP11SESS_LIST_ALL,
		.entries = (uintptr_t)info, .entry_size = sizeof(*info),
		.count = room,
	};

	if (ioctl(fd, EP11SESS_IOC_LIST, &l))
		vmt_die("list: %s", strerror(errno));
	return l.count;
}

static const struct ep11sess_session_info *
find_info(struct ep11sess_session_info *info, unsigned int n, const __u8 *id)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!memcmp(info[i].public_id, id, 16))
			return &info[i];
	return NULL;
}

/* Runs @fn as uid @uid with groups @groups in a child; its exit status. */
static int as_user(uid_t uid, const gid_t *groups, size_t ngroups,
		   int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		vmt_die("fork: %s", strerror(errno));
	if (!pid) {
		/* The device's group comes with every identity. */
		struct stat sb;
		gid_t all[8];

		if (stat("/dev/ep11sess", &sb) || ngroups > 7)
			vmt_die("stat /dev/ep11sess: %s", strerror(errno));
		all[0] = sb.st_gid;
		memcpy(all + 1, groups, ngroups * sizeof(*groups));
		if (setgroups(ngroups + 1, all) || setgid(uid) || setuid(uid))
			vmt_die("cannot become uid %u: %s", uid,
				strerror(errno));
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		vmt_die("the child as uid %u did not exit", uid);
	return WEXITSTATUS(status);
}

static int nobody_out_of_scope(void *arg)
{
	int fd = vmt_open_dev();
	__u32 h;

	(void)arg;
	/* Another uid's scope: EPERM whether or not the name exists. */
	expect(attach(fd, "app-A", EP11SESS_SCOPE_UID, 0, &h, NULL), -EPERM,
	       "nobody attaching to uid 0's name app-A");
	expect(attach(fd, "no-such-name", EP11SESS_SCOPE_UID, 0, &h, NULL),
	       -EPERM, "nobody attaching to a name uid 0 does not have");
	/* Its own scope: the name is not there. */
	expect(attach(fd, "app-A", EP11SESS_SCOPE_UID, NOBODY, &h, NULL),
	       -ENOENT, "nobody attaching to app-A in its own scope");
	/* A group it is not in. */
	expect(attach(fd, "app-G", EP11SESS_SCOPE_GID, GROUP, &h, NULL),
	       -EPERM, "nobody outside group 4242 attaching to app-G");
	expect(nlogin(fd, PIN, NULL, "app-N", EP11SESS_SCOPE_GID, GROUP, &h,
		      NULL), -EPERM,
	       "a named login in a group the caller is not in");
	return vmt_failed;
}

static int nobody_in_group(void *arg)
{
	const __u8 *want = arg;
	int fd = vmt_open_dev();
	__u8 id[16];
	__u32 h;

	expect(attach(fd, "app-G", EP11SESS_SCOPE_GID, GROUP, &h, id), 0,
	       "nobody in group 4242 attaching to app-G");
	if (!vmt_failed && memcmp(id, want, 16))
		vmt_fail("attach to app-G: expected the group session's public id");
	if (!vmt_failed)
		expect(use(fd, h), 0, "nobody using the attached group session");
	return vmt_failed;
}

static int cmd_scope(void)
{
	const gid_t group = GROUP;
	int fa = vmt_open_dev(), fb = vmt_open_dev(), fc = vmt_open_dev();
	__u8 ida[16], idb[16], idg[16];
	__u32 ha, hb, hb2, hg, hx;
	struct ep11sess_login bad;
	struct ep11sess_target t[EP11SESS_MAX_APQNS];

	expect_used(fa, 0, "before");
	expect(nlogin(fa, PIN, NULL, "app-A", EP11SESS_SCOPE_UID, 0, &ha, ida),
	       0, "a named private login");
	expect(attach(fb, "app-A", EP11SESS_SCOPE_UID, 0, &hb, idb), 0,
	       "another file of the same uid attaching to app-A");
	if (memcmp(ida, idb, 16))
		vmt_fail("attach: expected the login's public id");
	expect(attach(fb, "app-A", EP11SESS_SCOPE_UID, 0, &hb2, NULL), 0,
	       "attaching twice from one file");
	if (hb2 != hb)
		vmt_fail("attaching twice: expected the same handle %u, got %u",
			 hb, hb2);
	expect(use(fb, hb), 0, "a request bound to the attached session");
	expect(attach(fb, "app-Z", EP11SESS_SCOPE_UID, 0, &hx, NULL), -ENOENT,
	       "attaching to a name nobody has");
	expect_used(fa, 1, "one named session, two holders");

	/* The name is taken: another login with it fails and costs nothing. */
	expect(nlogin(fc, OTHER_PIN, NULL, "app-A", EP11SESS_SCOPE_UID, 0, &hx,
		      NULL), -EEXIST, "a second login with a live name");
	expect_used(fa, 1, "after the refused second login");

	/* Malformed named logins. */
	vmt_login_init(&bad, t, &apqn, 1, PIN);
	bad.flags = EP11SESS_LOGIN_NAMED;
	expect(ioctl(fc, EP11SESS_IOC_LOGIN, &bad) ? -errno : 0, -EINVAL,
	       "a named login with an all-zero name");
	vmt_login_init(&bad, t, &apqn, 1, PIN);
	bad.flags = EP11SESS_LOGIN_NAMED;
	name_of(bad.name, "x");
	bad.scope = 7;
	expect(ioctl(fc, EP11SESS_IOC_LOGIN, &bad) ? -errno : 0, -EINVAL,
	       "a named login with scope 7");
	vmt_login_init(&bad, t, &apqn, 1, PIN);
	name_of(bad.name, "x");
	expect(ioctl(fc, EP11SESS_IOC_LOGIN, &bad) ? -errno : 0, -EINVAL,
	       "a name without EP11SESS_LOGIN_NAMED");

	/* A group scope: root in group 4242 makes it. */
	if (setgroups(1, &group))
		vmt_die("setgroups: %s", strerror(errno));
	expect(nlogin(fc, PIN, "group-nonce", "app-G", EP11SESS_SCOPE_GID,
		      GROUP, &hg, idg), 0, "a named shared login for group 4242");
	expect_used(fa, 2, "with the group session");

	if (as_user(NOBODY, NULL, 0, nobody_out_of_scope, NULL))
		vmt_fail("nobody outside every scope: see above");
	if (as_user(NOBODY, &group, 1, nobody_in_group, idg))
		vmt_fail("nobody in group 4242: see above");

	/* The last holders go: both sessions are logged out. */
	close(fa);
	close(fb);
	close(fc);
	fa = vmt_open_dev();
	if (!wait_used(fa, 0, 5000))
		expect_used(fa, 0, "after every holder closed");
	expect(attach(fa, "app-A", EP11SESS_SCOPE_UID, 0, &hx, NULL), -ENOENT,
	       "attaching to a name whose session ended");
	close(fa);
	return vmt_failed;
}

static int cmd_everyone(void)
{
	int fa = vmt_open_dev(), fb = vmt_open_dev();
	__u32 ha, hb, hu;

	expect(nlogin(fa, PIN, NULL, "app-E", EP11SESS_SCOPE_UID, 0, &ha,
		      NULL), 0, "a named login");
	expect(attach(fb, "app-E", EP11SESS_SCOPE_UID, 0, &hb, NULL), 0,
	       "attach");
	expect(nlogin(fb, OTHER_PIN, NULL, NULL, 0, 0, &hu, NULL), 0,
	       "an unnamed login");
	expect(logout(fb, hu, EP11SESS_LOGOUT_EVERYONE), -EINVAL,
	       "logging an unnamed session out for everyone");
	expect(logout(fb, hu, 0), 0, "logging the unnamed session out");
	expect(keep(fa, ha, 0, 0, NULL), 0, "a keep-alive hold");
	expect_used(fa, 1, "named session held by two files and a keep");
	expect(logout(fb, hb, EP11SESS_LOGOUT_EVERYONE), 0,
	       "logging the named session out for everyone");
	expect(use(fa, ha), -ESTALE, "the other holder's request afterwards");
	expect(use(fb, hb), -ENOENT, "the logging-out file's old handle");
	expect_used(fa, 0, "after the logout for everyone");
	expect(attach(fb, "app-E", EP11SESS_SCOPE_UID, 0, &hb, NULL), -ENOENT,
	       "attaching after the logout for everyone");
	expect(logout(fa, ha, 0), 0, "dropping the stale handle");
	close(fa);
	close(fb);
	return vmt_failed;
}

static int cmd_keep(void)
{
	struct ep11sess_session_info info[64];
	const struct ep11sess_session_info *si;
	int fa = vmt_open_dev(), fb;
	__u8 id[16];
	__u64 exp1 = 0, exp2 = 0, now;
	struct timespec ts;
	__u32 ha, hb, hu;
	unsigned int n;

	expect(nlogin(fa, PIN, NULL, NULL, 0, 0, &hu, NULL), 0,
	       "an unnamed login");
	expect(keep(fa, hu, 0, 0, NULL), -EINVAL,
	       "a keep-alive hold on an unnamed session");
	expect(logout(fa, hu, 0), 0, "logout");

	/* Without a time-to-live: kept until released. */
	expect(nlogin(fa, PIN, NULL, "app-K", EP11SESS_SCOPE_UID, 0, &ha, id),
	       0, "a named login");
	expect(keep(fa, ha, EP11SESS_KEEP_RELEASE, 0, NULL), -ENOENT,
	       "releasing a hold that does not exist");
	expect(keep(fa, ha, 0, EP11SESS_MAX_KEEP_MS + 1, NULL), -EINVAL,
	       "a time-to-live beyond the largest");
	expect(keep(fa, ha, 0, 0, &exp1), 0, "a keep-alive hold");
	if (exp1)
		vmt_fail("a hold without time-to-live: expected expires_ns 0, got %llu",
			 (unsigned long long)exp1);
	close(fa);
	fa = vmt_open_dev();
	usleep(300000);
	expect_used(fa, 1, "the kept session with no file open");
	n = list_all(fa, info, 64);
	si = find_info(info, n < 64 ? n : 64, id);
	if (!si)
		vmt_fail("the kept session is not listed");
	else if (!(si->flags & EP11SESS_SESSION_KEPT) ||
		 !(si->flags & EP11SESS_SESSION_NAMED) || si->holders != 1 ||
		 memcmp(si->name_head, "app-K", 5) || si->keep_expires_ns)
		vmt_fail("the kept session's listing: flags 0x%x holders %u name_head %.8s expires %llu",
			 si->flags, si->holders, (const char *)si->name_head,
			 (unsigned long long)si->keep_expires_ns);
	fb = vmt_open_dev();
	expect(attach(fb, "app-K", EP11SESS_SCOPE_UID, 0, &hb, NULL), 0,
	       "attaching to the kept session");
	expect(use(fb, hb), 0, "using it");
	expect(keep(fb, hb, EP11SESS_KEEP_RELEASE, 0, NULL), 0,
	       "releasing the hold");
	expect_used(fa, 1, "released, one file still holding");
	close(fb);
	if (!wait_used(fa, 0, 5000))
		expect_used(fa, 0, "after the hold's release and the last file");

	/* With a time-to-live: it expires and logs the session out. */
	expect(nlogin(fa, PIN, NULL, "app-T", EP11SESS_SCOPE_UID, 0, &ha, id),
	       0, "a named login");
	expect(keep(fa, ha, 0, 60000, &exp1), 0, "a hold for 60 s");
	expect(keep(fa, ha, 0, 1500, &exp2), 0, "the hold renewed for 1.5 s");
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	if (!exp1 || !exp2 || exp2 >= exp1 || exp2 > now + 1500000000ULL ||
	    exp2 + 1000000000ULL < now)
		vmt_fail("expires_ns: expected the renewed hold to end about 1.5 s from now, got %lld ms from now (first %lld ms)",
			 (long long)(exp2 - now) / 1000000,
			 (long long)(exp1 - now) / 1000000);
	close(fa);
	fa = vmt_open_dev();
	expect_used(fa, 1, "the kept session before its time-to-live");
	n = list_all(fa, info, 64);
	si = find_info(info, n < 64 ? n : 64, id);
	if (!si || si->keep_expires_ns != exp2)
		vmt_fail("the listing's keep_expires_ns: expected %llu",
			 (unsigned long long)exp2);
	if (!wait_used(fa, 0, 6000))
		vmt_fail("the hold's time-to-live passed: expected the session logged out");

	/* An administrator's logout ends a hold. */
	expect(nlogin(fa, PIN, NULL, "app-D", EP11SESS_SCOPE_UID, 0, &ha, id),
	       0, "a named login");
	expect(keep(fa, ha, 0, 0, NULL), 0, "a hold");
	close(fa);
	fa = vmt_open_dev();
	{
		struct ep11sess_admin_logout a = {
			.size = sizeof(a), .flags = EP11SESS_ADMIN_BY_ID,
		};

		memcpy(a.public_id, id, 16);
		expect(ioctl(fa, EP11SESS_IOC_ADMIN_LOGOUT, &a) ? -errno : 0,
		       0, "an administrator's logout of the kept session");
	}
	if (!wait_used(fa, 0, 5000))
		expect_used(fa, 0, "after the administrator's logout");
	n = list_all(fa, info, 64);
	if (find_info(info, n < 64 ? n : 64, id))
		vmt_fail("the kept session is still listed after the administrator's logout");
	close(fa);
	return vmt_failed;
}

/* One storm worker: named logins, attaches, holds and logouts. */
static void storm_worker(unsigned int seed, unsigned int rounds)
{
	static const char *const names[] = { "s-0", "s-1", "s-2" };
	int fd = vmt_open_dev();
	unsigned int i;
	__u32 h;
	int r;

	srand(seed);
	for (i = 0; i < rounds; i++) {
		const char *nm = names[rand() % 3];

		switch (rand() % 6) {
		case 0:
			r = nlogin(fd, PIN, nm, nm, EP11SESS_SCOPE_UID, 0, &h,
				   NULL);
			break;
		case 1:
		case 2:
			r = attach(fd, nm, EP11SESS_SCOPE_UID, 0, &h, NULL);
			break;
		case 3:
			r = attach(fd, nm, EP11SESS_SCOPE_UID, 0, &h, NULL);
			if (!r)
				r = keep(fd, h, 0, rand() % 2 ? 0 : 200, NULL);
			break;
		case 4:
			r = attach(fd, nm, EP11SESS_SCOPE_UID, 0, &h, NULL);
			if (!r)
				r = logout(fd, h, rand() % 2 ?
					   EP11SESS_LOGOUT_EVERYONE : 0);
			break;
		default:
			close(fd);
			fd = vmt_open_dev();
			r = 0;
			break;
		}
		if (r && r != -ENOENT && r != -EEXIST && r != -ESTALE &&
		    r != -ENOSPC)
			vmt_die("storm: unexpected %s", strerror(-r));
	}
	_exit(0);
}

static int cmd_storm(unsigned int n)
{
	unsigned int i, killed = 0;
	int fd = vmt_open_dev(), status;
	pid_t pids[64];
	__u32 h;

	if (n > 64)
		n = 64;
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			vmt_die("fork: %s", strerror(errno));
		if (!pids[i])
			storm_worker(i + 1, 400);
	}
	usleep(400000);
	for (i = 0; i < n; i += 2)
		killed += !kill(pids[i], SIGKILL);
	for (i = 0; i < n; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i])
			vmt_die("waitpid");
		if (WIFEXITED(status) && WEXITSTATUS(status))
			vmt_fail("storm worker %u failed", i);
	}
	/* Holds without a time-to-live outlive their workers: release them. */
	for (i = 0; i < 3; i++) {
		char nm[8];

		snprintf(nm, sizeof(nm), "s-%u", i);
		if (!attach(fd, nm, EP11SESS_SCOPE_UID, 0, &h, NULL))
			expect(logout(fd, h, EP11SESS_LOGOUT_EVERYONE), 0,
			       "ending a storm session for everyone");
	}
	if (!wait_used(fd, 0, 10000))
		expect_used(fd, 0, "after the storm");
	printf("named-sess storm: %u workers, %u killed\n", n, killed);
	close(fd);
	return vmt_failed;
}

/* A named session kept alive after this process exits. */
static int cmd_keepone(const char *name, unsigned int ttl_ms)
{
	int fd = vmt_open_dev();
	__u8 id[16];
	__u32 h;
	int i;

	expect(nlogin(fd, PIN, NULL, name, EP11SESS_SCOPE_UID, 0, &h, id), 0,
	       "a named login");
	expect(keep(fd, h, 0, ttl_ms, NULL), 0, "a keep-alive hold");
	for (i = 0; i < 16; i++)
		printf("%02x", id[i]);
	printf("\n");
	return vmt_failed;
}

int main(int argc, char **argv)
{
	vmt_prefix = "named-sess: ";
	if (argc < 3)
		vmt_die("usage: named-sess scope|everyone|keep APQN, or storm N APQN");
	apqn = vmt_apqn(argv[argc - 1]);
	if (!strcmp(argv[1], "scope"))
		return cmd_scope();
	if (!strcmp(argv[1], "everyone"))
		return cmd_everyone();
	if (!strcmp(argv[1], "keep"))
		return cmd_keep();
	if (!strcmp(argv[1], "keepone") && argc == 5)
		return cmd_keepone(argv[2], strtoul(argv[3], NULL, 0));
	if (!strcmp(argv[1], "storm") && argc == 4)
		return cmd_storm(strtoul(argv[2], NULL, 0));
	vmt_die("unknown command %s", argv[1]);
}
