// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz-ioctl: a structure-aware fuzzer of the /dev/ep11sess ioctls, run in
 * the VM by tests/vm/t-fuzz-ioctl.sh against emulated cards.
 *
 *   fuzz-ioctl [-s SEED] [-n CALLS] [-t THREADS] [-u UID] [-x fks1ane] APQN...
 *
 * Each call starts from a valid struct of one command (a login with a
 * good PIN on the APQNs given, a send of a request the card answers, a
 * handle or export fd that exists) and then may get its size field set
 * around the struct's size (and its ABI version 1 size, where it has grown
 * since), be placed behind a wild pointer (NULL, small, kernel,
 * non-canonical, unaligned, read-only, straddling a PROT_NONE page) and
 * have some fields mutated (flags, reserved fields, lengths, inner
 * pointers, handles, fds, APQNs, names, scopes, ids, time-to-lives).
 * Unknown command numbers and the commands' numbers with a size or
 * direction encoded are tried too.  Several threads share a few fds while
 * others close them, dup2() other files over them, and fork children that
 * keep calling (some killed with SIGKILL).
 *
 * Named logins are among the logins: a few names, mostly in the caller's
 * uid scope, sometimes in a group scope, with a group the caller is in
 * (its own or a supplementary one) or not in.  ATTACH looks those names
 * up (in scope, out of scope, names that never lived), KEEP places
 * keep-alive holds with short time-to-lives (a few ms to 200 ms) or none,
 * renews and releases them, and some logouts are for everyone.
 *
 * Every result is checked against what docs/ioctl.md and the uapi header
 * promise: ENOTTY for an unknown command, EFAULT for an unreadable struct,
 * EINVAL for a size below the ABI version 1 size, E2BIG for a non-zero
 * tail, EINVAL for a non-zero reserved or output field, an unknown flag, a
 * name given without EP11SESS_LOGIN_NAMED or an all-zero one with it, a
 * scope beyond EP11SESS_SCOPE_GID, a time-to-live with
 * EP11SESS_KEEP_RELEASE or beyond EP11SESS_MAX_KEEP_MS; EPERM for a scope
 * the caller is not in; success for a VERSION, LIST or STATUS whose
 * arguments are valid; and only the command's documented errnos
 * otherwise.  A KEEP's expiry time must be its time-to-live from the
 * call.  A call whose fd was replaced while it ran is only counted.
 *
 * At the end every fd is closed and no export fd may be left that the
 * fuzzer was never told of; each name in the caller's uid scope gets a
 * keep-alive hold, half with a short time-to-live and half with none, from
 * a file closed at once, and the short holds get time to expire.  Then
 * every name the fuzzer logged in with is attached to once more: a session
 * still alive must have no holder but the attach and its keep-alive hold,
 * a hold with a time-to-live must have ended within a few seconds of it,
 * one without must still be there, and those are logged out for everyone.
 * A LOGIN, an ATTACH, an EXPORT and a KEEP whose answer cannot be written
 * must leave nothing behind, a LOGIN, a LIST and a STATUS of the ABI
 * version 1 sizes must work, and the cards must be back at their
 * baseline: their own count of used sessions (get_xcp_info through the
 * status ioctl), the kernel's sessions held and pending logouts.
 *
 * The seed is printed; -s repeats a run's sequence of calls per thread
 * (the interleaving of the threads is the scheduler's).  -u drops to that
 * uid (and its gid, with one supplementary group) after the first fds are
 * open; the fds opened later need a device node the user may open.  -x
 * leaves parts out, to narrow down what a failure needs: f no fork
 * children, k none killed, s no shared logins, 1 one APQN per login, a no
 * admin logout, n no named logins, ATTACH or KEEP, e no logout for
 * everyone.  Exit status 0 when nothing unexpected happened and the cards
 * are at their baseline.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/ep11.h>
#include <linux/ep11sess.h>

#include "ep11_wire.h"
#include "vmtest.h"

#define NSLOTS		6
#define NHANDLES	64
#define NEXPORTS	16
#define MAX_THREADS	16
#define AREA_LEN	(128 * 1024)
#define INNER_LEN	(64 * 1024)
#define ERRNO_MAX	134
#define REPORT_MAX	25
#define REPORT_SAME	3	/* reports printed of one kind */
#define REPORT_KINDS	64
#define PIN		"fuzz-pin-0000001"
#define END_WAIT_S	20
#define NNAMES		4	/* names of the named logins */
#define NNHANDLES	16	/* handles of named sessions */
#define NREG		512	/* names, scopes and ids logged in with */
#define MAX_GIDS	8
#define FUZZ_GID	4242	/* the supplementary group of the run */
#define SHORT_TTL_MS	200	/* the longest short time-to-live */
#define EXPIRY_GRACE_MS	5000	/* a hold past its expiry this long: stuck */

/* Commands, and the index of everything that is not one. */
enum cmd_idx {
	C_VERSION, C_LOGIN, C_LOGOUT, C_SEND, C_LIST, C_STATUS, C_EXPORT,
	C_IMPORT, C_ADMIN, C_ATTACH, C_KEEP, C_UNKNOWN, NCMD
};

/* How a field is mutated. */
enum fkind {
	F_FLAGS,	/* bits; outside @known the call must fail */
	F_ZERO,		/* must be zero; non-zero must fail */
	F_PTR,		/* a user pointer */
	F_LEN,		/* a length or count */
	F_HANDLE,	/* a session handle */
	F_FD,		/* an fd */
	F_APQN,		/* struct ep11sess_apqn */
	F_ANY,		/* any value */
	F_WAIT,		/* a wait in ms, kept short when valid */
	F_NAME,		/* a session's name */
	F_SCOPE,	/* an enum ep11sess_scope */
	F_ID,		/* a uid or gid */
	F_TTL,		/* a keep-alive time-to-live in ms */
};

struct field {
	const char *name;
	unsigned short off;
	unsigned short size;
	enum fkind kind;
	uint32_t known;
};

#define FLD(s, f, k, kn) \
	{ #f, offsetof(struct s, f), sizeof(((struct s *)0)->f), k, kn }

static const struct field f_version[] = {
	FLD(ep11sess_version, flags, F_FLAGS, 0),
	FLD(ep11sess_version, abi_version, F_ZERO, 0),
	FLD(ep11sess_version, max_apqns, F_ZERO, 0),
	FLD(ep11sess_version, features, F_ZERO, 0),
};

static const struct field f_login[] = {
	FLD(ep11sess_login, flags, F_FLAGS, 7),
	FLD(ep11sess_login, pin_len, F_LEN, 0),
	FLD(ep11sess_login, nonce_len, F_LEN, 0),
	FLD(ep11sess_login, pin, F_PTR, 0),
	FLD(ep11sess_login, nonce, F_PTR, 0),
	FLD(ep11sess_login, targets, F_PTR, 0),
	FLD(ep11sess_login, ntargets, F_LEN, 0),
	FLD(ep11sess_login, targets_cap, F_LEN, 0),
	FLD(ep11sess_login, wait_ms, F_WAIT, 0),
	FLD(ep11sess_login, handle, F_ZERO, 0),
	FLD(ep11sess_login, public_id, F_ZERO, 0),
	FLD(ep11sess_login, joined, F_ZERO, 0),
	FLD(ep11sess_login, reserved, F_ZERO, 0),
	FLD(ep11sess_login, name, F_NAME, 0),
	FLD(ep11sess_login, scope, F_SCOPE, 0),
	FLD(ep11sess_login, gid, F_ID, 0),
};

static const struct field f_logout[] = {
	FLD(ep11sess_logout, flags, F_FLAGS, 1),
	FLD(ep11sess_logout, handle, F_HANDLE, 0),
	FLD(ep11sess_logout, reserved, F_ZERO, 0),
};

static const struct field f_send[] = {
	FLD(ep11sess_send, flags, F_FLAGS, 7),
	FLD(ep11sess_send, handle, F_HANDLE, 0),
	FLD(ep11sess_send, apqn, F_APQN, 0),
	FLD(ep11sess_send, req, F_PTR, 0),
	FLD(ep11sess_send, rep, F_PTR, 0),
	FLD(ep11sess_send, req_len, F_LEN, 0),
	FLD(ep11sess_send, rep_cap, F_LEN, 0),
	FLD(ep11sess_send, rep_len, F_ZERO, 0),
	FLD(ep11sess_send, timeout_ms, F_ANY, 0),
	FLD(ep11sess_send, result, F_ZERO, 0),
	FLD(ep11sess_send, reserved, F_ZERO, 0),
};

static const struct field f_list[] = {
	FLD(ep11sess_list, flags, F_FLAGS, 1),
	FLD(ep11sess_list, entries, F_PTR, 0),
	FLD(ep11sess_list, entry_size, F_LEN, 0),
	FLD(ep11sess_list, count, F_LEN, 0),
};

static const struct field f_status[] = {
	FLD(ep11sess_status, flags, F_FLAGS, 1),
	FLD(ep11sess_status, entries, F_PTR, 0),
	FLD(ep11sess_status, entry_size, F_LEN, 0),
	FLD(ep11sess_status, count, F_LEN, 0),
	FLD(ep11sess_status, orphaned, F_ZERO, 0),
	FLD(ep11sess_status, orphan_timeout_s, F_ZERO, 0),
	FLD(ep11sess_status, orphans_adopted, F_ZERO, 0),
	FLD(ep11sess_status, orphans_expired, F_ZERO, 0),
};

static const struct field f_export[] = {
	FLD(ep11sess_export, flags, F_FLAGS, 0),
	FLD(ep11sess_export, handle, F_HANDLE, 0),
	FLD(ep11sess_export, fd, F_ZERO, 0),
};

static const struct field f_import[] = {
	FLD(ep11sess_import, flags, F_FLAGS, 0),
	FLD(ep11sess_import, fd, F_FD, 0),
	FLD(ep11sess_import, handle, F_ZERO, 0),
};

static const struct field f_admin[] = {
	FLD(ep11sess_admin_logout, flags, F_FLAGS, 0x1f),
	FLD(ep11sess_admin_logout, public_id, F_ANY, 0),
	FLD(ep11sess_admin_logout, pid, F_ANY, 0),
	FLD(ep11sess_admin_logout, apqn, F_APQN, 0),
	FLD(ep11sess_admin_logout, before_ns, F_ANY, 0),
	FLD(ep11sess_admin_logout, matched, F_ZERO, 0),
	FLD(ep11sess_admin_logout, failed, F_ZERO, 0),
};

static const struct field f_attach[] = {
	FLD(ep11sess_attach, flags, F_FLAGS, 0),
	FLD(ep11sess_attach, name, F_NAME, 0),
	FLD(ep11sess_attach, scope, F_SCOPE, 0),
	FLD(ep11sess_attach, id, F_ID, 0),
	FLD(ep11sess_attach, handle, F_ZERO, 0),
	FLD(ep11sess_attach, public_id, F_ZERO, 0),
	FLD(ep11sess_attach, reserved, F_ZERO, 0),
};

static const struct field f_keep[] = {
	FLD(ep11sess_keep, flags, F_FLAGS, 1),
	FLD(ep11sess_keep, handle, F_HANDLE, 0),
	FLD(ep11sess_keep, ttl_ms, F_TTL, 0),
	FLD(ep11sess_keep, expires_ns, F_ZERO, 0),
};

/* What a command may fail with besides EINVAL, EFAULT and E2BIG. */
static const int e_version[] = { 0 };
static const int e_login[] = { ENOMEM, ENODEV, EACCES, ENOSPC, EREMOTEIO,
			       EPROTO, EBUSY, EINTR, ETIMEDOUT, EIO, EXDEV,
			       EDQUOT, EEXIST, EPERM, 0 };
static const int e_logout[] = { ENOENT, ESTALE, EPERM, 0 };
static const int e_send[] = { EPERM, ENODEV, ETIMEDOUT, EIO, EMSGSIZE,
			      EBADMSG, ENOENT, ESTALE, ENOMEM, EBUSY, EINTR,
			      0 };
static const int e_list[] = { EPERM, ENOMEM, 0 };
static const int e_status[] = { ENOMEM, 0 };
static const int e_export[] = { ENOENT, ESTALE, EMFILE, ENOMEM, 0 };
static const int e_import[] = { EBADF, ESTALE, ENOMEM, EDQUOT, 0 };
static const int e_admin[] = { EPERM, ENOENT, ENOMEM, 0 };
static const int e_attach[] = { EPERM, ENOENT, EDQUOT, ENOMEM, 0 };
static const int e_keep[] = { ENOENT, ESTALE, EPERM, 0 };

/*
 * What a call with valid arguments (nothing mutated, the struct readable
 * and writable) may fail with, for the commands whose success does not
 * depend on what other threads did.  LIST's EPERM is judged apart.
 */
static const int v_version[] = { 0 };
static const int v_list[] = { ENOMEM, 0 };
static const int v_status[] = { ENOMEM, 0 };
static const int v_attach[] = { ENOENT, EDQUOT, ENOMEM, 0 };

/*
 * @min_size is the struct's ABI version 1 size (up to and including its
 * field @last); @whole: the fuzzer knows every check of every field, so a
 * call with nothing refused is valid even when mutated.
 */
struct cmd_desc {
	const char *name;
	unsigned long nr;
	unsigned int size;
	unsigned int min_size;
	const struct field *fields;
	unsigned int nfields;
	const int *errs;
	const int *valid_errs;
	bool whole;
	unsigned int weight;
};

#define CMD(n, s, last, f, e, v, wh, w) \
	{ #n, EP11SESS_IOC_##n, sizeof(struct s), \
	  offsetof(struct s, last) + sizeof(((struct s *)0)->last), f, \
	  sizeof(f) / sizeof(f[0]), e, v, wh, w }

static const struct cmd_desc cmds[NCMD] = {
	[C_VERSION] = CMD(VERSION, ep11sess_version, features, f_version,
			  e_version, v_version, true, 6),
	[C_LOGIN] = CMD(LOGIN, ep11sess_login, reserved, f_login, e_login,
			NULL, false, 10),
	[C_LOGOUT] = CMD(LOGOUT, ep11sess_logout, reserved, f_logout,
			 e_logout, NULL, false, 8),
	[C_SEND] = CMD(SEND, ep11sess_send, timeout_ms, f_send, e_send, NULL,
		       false, 10),
	[C_LIST] = CMD(LIST, ep11sess_list, count, f_list, e_list, v_list,
		       false, 6),
	[C_STATUS] = CMD(STATUS, ep11sess_status, count, f_status, e_status,
			 v_status, false, 6),
	[C_EXPORT] = CMD(EXPORT, ep11sess_export, fd, f_export, e_export,
			 NULL, false, 8),
	[C_IMPORT] = CMD(IMPORT, ep11sess_import, handle, f_import, e_import,
			 NULL, false, 8),
	[C_ADMIN] = CMD(ADMIN_LOGOUT, ep11sess_admin_logout, failed, f_admin,
			e_admin, NULL, false, 3),
	[C_ATTACH] = CMD(ATTACH, ep11sess_attach, reserved, f_attach,
			 e_attach, v_attach, true, 6),
	[C_KEEP] = CMD(KEEP, ep11sess_keep, expires_ns, f_keep, e_keep, NULL,
		       false, 6),
	[C_UNKNOWN] = { "unknown", 0, 0, 0, NULL, 0, NULL, NULL, false, 8 },
};

/* Where the struct is. */
enum pshape {
	P_OK, P_UNALIGNED, P_STRADDLE, P_RO, P_NULL, P_SMALL, P_KERNEL,
	P_NONCANON, P_GUARD, NPSHAPE
};

static const char *const pshape_names[NPSHAPE] = {
	"ok", "unaligned", "straddling PROT_NONE", "read-only", "NULL",
	"small", "kernel", "non-canonical", "PROT_NONE",
};

/* What the size field says. */
enum sshape {
	S_EXACT, S_ZERO, S_FOUR, S_MINUS1, S_PLUS1_ZERO, S_PLUS1_NZ,
	S_LARGE_ZERO, S_LARGE_NZ, S_HUGE, S_RANDOM, S_V1, S_V1_MINUS1,
	NSSHAPE
};

static const char *const sshape_names[NSSHAPE] = {
	"exact", "0", "4", "size-1", "size+1 zero tail",
	"size+1 non-zero tail", "large zero tail", "large non-zero tail",
	"huge", "random", "ABI version 1 size", "ABI version 1 size-1",
};

static const uint64_t kernel_ptrs[] = {
	0xffff888000000000ULL, 0xffffffff81000000ULL, 0xffffffffff600000ULL,
	0xffffc90000000000ULL, 0xffffea0000000000ULL, 0xfffffffffffff000ULL,
	0xffffffffffffffffULL,
};

static const uint64_t noncanon_ptrs[] = {
	0x0000800000000000ULL, 0x8000000000000000ULL, 0x7fffffffffffffffULL,
	0x00ff000000000000ULL,
};

/* A name, scope and id a named login was tried with (in its scope). */
struct named_rec {
	uint8_t name[EP11SESS_NAME_LEN];
	uint32_t scope;
	uint32_t id;
	atomic_int ready;
};

/* Counters shared with the fork children (MAP_SHARED). */
struct stats {
	atomic_ulong calls;
	atomic_ulong child_calls;
	atomic_ulong per_cmd[NCMD];
	atomic_ulong ok[NCMD];
	atomic_ulong ns[NCMD];
	atomic_ulong err[ERRNO_MAX + 1];
	atomic_ulong sessions;
	atomic_ulong joined;
	atomic_ulong exports;
	atomic_ulong imports;
	atomic_ulong replaced;
	atomic_ulong closed;
	atomic_ulong forks;
	atomic_ulong killed;
	atomic_ulong named;
	atomic_ulong attached;
	atomic_ulong kept;
	atomic_ulong kept_forever;
	atomic_ulong released;
	atomic_ulong everyone;
	atomic_ulong unexpected;
	atomic_ulong reports;
	atomic_uint_fast64_t kinds[REPORT_KINDS];
	atomic_uint kind_seen[REPORT_KINDS];
	atomic_uint nreg;
	struct named_rec reg[NREG];
};

/*
 * An fd the threads share.  @gen is odd while the fd is being replaced;
 * a call that saw the same even @gen before and after ran on a file of
 * kind @kind.
 */
struct slot {
	atomic_int fd;
	atomic_uint gen;
	atomic_int kind;	/* 1: /dev/ep11sess, 0: another file, 2: none */
	atomic_flag busy;
};

/* Buffers that the structs point into, at the start of the inner area. */
struct inner {
	char pin[128];
	char nonce[128];
	struct ep11sess_target targets[EP11SESS_MAX_APQNS + 8];
	uint8_t req[8192];
	uint8_t rep[8192];
	struct ep11sess_session_info infos[8];
	uint8_t pad[2048];
	struct ep11sess_apqn_status st[32];
};

struct tctx {
	int id;
	uint64_t rng;
	uint8_t *area;		/* AREA_LEN bytes, then a PROT_NONE page */
	uint8_t *ro;		/* a page, then a PROT_NONE page */
	uint8_t *inner_area;	/* INNER_LEN bytes, then a PROT_NONE page */
	struct inner *in;
	uint8_t sb[4096];	/* the struct being built */
	pthread_t th;
};

/* One call: what was built and what it must not do. */
struct call {
	int cmd;
	unsigned long nr;
	enum pshape p;
	enum sshape s;
	uint32_t usize;
	const char *mutated;	/* the field named in a report */
	bool must_fail;		/* a field the ABI refuses whatever else */
	int want;		/* with @must_fail: the errno, when fixed */
	bool targets_bad;	/* a login target the ABI refuses */
	unsigned int mut;	/* fields mutated */
	bool named;		/* a named login, in its scope */
};

static struct stats *st;
static struct slot slots[NSLOTS];
static atomic_uint_fast64_t handles[NHANDLES];	/* slot:8 gen:24 handle:32 */
static atomic_uint_fast64_t nhandles[NNHANDLES];	/* named sessions' */
static uint8_t pubids[NHANDLES][16];
static atomic_int exports[NEXPORTS];
static struct ep11sess_apqn apqns[EP11SESS_MAX_APQNS];
static unsigned int napqns;
static unsigned long ncalls = 100000;
static unsigned int nthreads = 4;
static uint64_t seed;
static long page;
static int devnull = -1;
static dev_t dev_rdev;		/* /dev/ep11sess */
static bool in_child;
/* Parts that -x can leave out, to narrow down what a failure needs. */
static bool no_fork, no_kill, no_shared, one_apqn, no_admin, no_named,
	    no_everyone;
static uid_t run_uid;
/* The caller's groups (for group scopes), and groups it is not in. */
static gid_t in_gids[MAX_GIDS], out_gids[MAX_GIDS];
static unsigned int nin_gids, nout_gids;
static uint8_t names[NNAMES][EP11SESS_NAME_LEN];

static void churn(struct tctx *t, unsigned int s);

static uint64_t rnd(struct tctx *t)
{
	uint64_t x = t->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static uint32_t below(struct tctx *t, uint32_t n)
{
	return n ? rnd(t) % n : 0;
}

static bool chance(struct tctx *t, unsigned int pct)
{
	return below(t, 100) < pct;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * A message's kind: its text without digits (sizes, fds, numbers) and
 * without what it says in parentheses (the size's shape, a file's path).
 */
static uint64_t report_kind(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned int depth = 0;

	for (; *s; s++) {
		if (*s == '(')
			depth++;
		else if (*s == ')' && depth)
			depth--;
		else if (!depth && (*s < '0' || *s > '9'))
			h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	}
	return h;
}

/*
 * Reports go straight to stderr with write(): safe in fork children.  At
 * most REPORT_SAME of one kind are printed, REPORT_MAX in all, so that one
 * frequent failure does not hide the others.
 */
static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
{
	char buf[512];
	unsigned int i, slot;
	uint64_t kind, k;
	va_list ap;
	int n, m;

	atomic_fetch_add(&st->unexpected, 1);
	m = snprintf(buf, sizeof(buf), "fuzz-ioctl: unexpected%s: ",
		     in_child ? " (in a fork child)" : "");
	va_start(ap, fmt);
	n = m + vsnprintf(buf + m, sizeof(buf) - m, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n] = '\0';
	kind = report_kind(buf + m) | 1;
	for (i = 0; i < REPORT_KINDS; i++) {
		slot = (kind + i) % REPORT_KINDS;
		k = 0;
		if (atomic_compare_exchange_strong(&st->kinds[slot], &k, kind) ||
		    k == kind)
			break;
	}
	if (i < REPORT_KINDS &&
	    atomic_fetch_add(&st->kind_seen[slot], 1) >= REPORT_SAME)
		return;
	if (atomic_fetch_add(&st->reports, 1) >= REPORT_MAX)
		return;
	buf[n++] = '\n';
	if (write(2, buf, n) < 0)
		return;
}

static const char *errname(int e)
{
	const char *s = e ? strerrorname_np(e) : "success";

	return s ? s : "?";
}

static bool in_list(const int *l, int e)
{
	for (; *l; l++)
		if (*l == e)
			return true;
	return false;
}

static int open_dev(void)
{
	return open("/dev/ep11sess", O_RDWR | O_CLOEXEC);
}

/*
 * Handles: remembered per slot and generation of its file; those of
 * named sessions also in a ring of their own.
 */
static void handle_add(unsigned int slot, unsigned int gen, uint32_t h,
		       const uint8_t *pubid, bool named, struct tctx *t)
{
	unsigned int i = below(t, NHANDLES);
	uint64_t v = ((uint64_t)slot << 56) |
		     ((uint64_t)(gen & 0xffffff) << 32) | h;

	if (pubid)
		memcpy(pubids[i], pubid, 16);
	atomic_store(&handles[i], v);
	if (named)
		atomic_store(&nhandles[below(t, NNHANDLES)], v);
}

/* A handle of @ring of @slot's current file when one is known, else any. */
static uint32_t ring_pick(struct tctx *t, atomic_uint_fast64_t *ring,
			  unsigned int n, unsigned int slot, unsigned int gen)
{
	unsigned int i, start = below(t, n);
	uint64_t v, any = 0;

	for (i = 0; i < n; i++) {
		v = atomic_load(&ring[(start + i) % n]);
		if (!v)
			continue;
		if (!any)
			any = v;
		if ((v >> 56) == slot && ((v >> 32) & 0xffffff) == (gen & 0xffffff))
			return (uint32_t)v;
	}
	return any ? (uint32_t)any : 1 + below(t, 4);
}

static uint32_t handle_pick(struct tctx *t, unsigned int slot,
			    unsigned int gen)
{
	return ring_pick(t, handles, NHANDLES, slot, gen);
}

/* Mostly a handle of a named session. */
static uint32_t named_handle_pick(struct tctx *t, unsigned int slot,
				  unsigned int gen)
{
	if (chance(t, 25))
		return handle_pick(t, slot, gen);
	return ring_pick(t, nhandles, NNHANDLES, slot, gen);
}

/* Names, scopes and ids. */
static bool in_group(uint32_t gid)
{
	unsigned int i;

	for (i = 0; i < nin_gids; i++)
		if (in_gids[i] == gid)
			return true;
	return false;
}

/*
 * What the kernel says to a scope and id: 0 in scope, EPERM out of it,
 * EINVAL for an unknown scope or an id that maps to no user or group.  A
 * login's uid scope is the caller's own uid: only a gid of 0 is valid.
 */
static int scope_verdict(uint32_t scope, uint32_t id, bool login)
{
	switch (scope) {
	case EP11SESS_SCOPE_UID:
		if (login)
			return id ? EINVAL : 0;
		if (id == (uint32_t)-1)
			return EINVAL;
		return id == run_uid ? 0 : EPERM;
	case EP11SESS_SCOPE_GID:
		if (id == (uint32_t)-1)
			return EINVAL;
		return in_group(id) ? 0 : EPERM;
	default:
		return EINVAL;
	}
}

/* A scope and id: mostly the caller's uid, sometimes a group. */
static void scope_pick(struct tctx *t, uint32_t *scope, uint32_t *id,
		       bool login)
{
	unsigned int r = below(t, 100);

	if (r < 75) {
		*scope = EP11SESS_SCOPE_UID;
		*id = login ? 0 : run_uid;
	} else if (r < 92 || !nout_gids) {
		*scope = EP11SESS_SCOPE_GID;
		*id = in_gids[below(t, nin_gids)];
	} else if (r < 97 || login) {
		*scope = EP11SESS_SCOPE_GID;
		*id = out_gids[below(t, nout_gids)];
	} else {
		*scope = EP11SESS_SCOPE_UID;
		*id = run_uid ? 0 : 65534;
	}
}

/*
 * Remembers a name a named login in its scope is about to try, so that
 * the end can find its session; false when there is no room left.
 */
static bool name_register(const uint8_t *name, uint32_t scope, uint32_t id)
{
	struct named_rec *r;
	unsigned int i, n = atomic_load(&st->nreg);

	if (scope == EP11SESS_SCOPE_UID)
		id = run_uid;
	for (i = 0; i < n && i < NREG; i++) {
		r = &st->reg[i];
		if (atomic_load(&r->ready) && r->scope == scope && r->id == id &&
		    !memcmp(r->name, name, EP11SESS_NAME_LEN))
			return true;
	}
	i = atomic_fetch_add(&st->nreg, 1);
	if (i >= NREG)
		return false;
	r = &st->reg[i];
	memcpy(r->name, name, EP11SESS_NAME_LEN);
	r->scope = scope;
	r->id = id;
	atomic_store(&r->ready, 1);
	return true;
}

static void export_add(int fd)
{
	int old = atomic_exchange(&exports[fd % NEXPORTS], fd);

	if (old > 2)
		close(old);
}

static int export_pick(struct tctx *t)
{
	return atomic_load(&exports[below(t, NEXPORTS)]);
}

static struct ep11sess_apqn apqn_pick(struct tctx *t)
{
	return apqns[below(t, napqns)];
}

/* Wild values. */
static uint64_t wild_ptr(struct tctx *t)
{
	switch (below(t, 9)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(t, 4096);
	case 2:
		return kernel_ptrs[below(t, sizeof(kernel_ptrs) / 8)];
	case 3:
		return noncanon_ptrs[below(t, sizeof(noncanon_ptrs) / 8)];
	case 4:	/* the PROT_NONE page after the inner area */
		return (uintptr_t)t->inner_area + INNER_LEN + below(t, page);
	case 5:	/* a few bytes before it */
		return (uintptr_t)t->inner_area + INNER_LEN - 1 - below(t, 64);
	case 6:	/* unaligned, inside */
		return (uintptr_t)t->inner_area + 1 + 2 * below(t, 1024);
	case 7:
		return (uintptr_t)t->ro;
	default:
		return rnd(t) & 0x00007ffffffff000ULL;
	}
}

static uint32_t wild_len(struct tctx *t, uint32_t orig)
{
	static const uint32_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 79,
		80, 81, 255, 256, 4095, 4096, 65535, 65536, 65537, 0x7fffffff,
		0xffffffff,
	};

	switch (below(t, 4)) {
	case 0:
		return orig + 1;
	case 1:
		return orig - 1;
	case 2:
		return below(t, 40);
	default:
		return v[below(t, sizeof(v) / sizeof(v[0]))];
	}
}

static int wild_fd(struct tctx *t)
{
	static const int v[] = { -1, 0, 1, 2, 1 << 20, INT_MAX, INT_MIN };

	switch (below(t, 4)) {
	case 0:
		return v[below(t, sizeof(v) / sizeof(v[0]))];
	case 1:
		return atomic_load(&slots[below(t, NSLOTS)].fd);
	case 2:
		return devnull;
	default:
		return export_pick(t);
	}
}

static bool memchr_inv_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return true;
	return false;
}

static void put_field(uint8_t *sb, const struct field *f, uint64_t v)
{
	uint32_t v32 = v;
	uint16_t v16 = v;

	switch (f->size) {
	case 2:
		memcpy(sb + f->off, &v16, 2);
		break;
	case 4:
		memcpy(sb + f->off, &v32, 4);
		break;
	case 8:
		memcpy(sb + f->off, &v, 8);
		break;
	default:
		break;
	}
}

static uint64_t get_field(const uint8_t *sb, const struct field *f)
{
	uint64_t v = 0;
	uint32_t v32;

	if (f->size == 8) {
		memcpy(&v, sb + f->off, 8);
	} else if (f->size == 4) {
		memcpy(&v32, sb + f->off, 4);
		v = v32;
	}
	return v;
}

/* Mutates one field of the struct in @t->sb. */
static void mutate(struct tctx *t, struct call *c)
{
	const struct cmd_desc *d = &cmds[c->cmd];
	const struct field *f = &d->fields[below(t, d->nfields)];
	uint8_t *p = t->sb + f->off;
	struct ep11sess_apqn a;
	uint64_t v;
	unsigned int i;

	c->mutated = f->name;
	switch (f->kind) {
	case F_FLAGS:
		switch (below(t, 4)) {
		case 0:
			v = 1U << below(t, 32);
			break;
		case 1:
			v = 0xffffffff;
			break;
		case 2:
			v = f->known ? below(t, f->known + 1) : 0;
			break;
		default:
			v = (uint32_t)rnd(t);
			break;
		}
		put_field(t->sb, f, v);
		break;
	case F_ZERO:
		if (f->size > 8) {
			p[below(t, f->size)] = 1 + below(t, 255);
		} else {
			v = rnd(t);
			if (!v)
				v = 1;
			if (f->size == 4 && !(uint32_t)v)
				v = 1;
			put_field(t->sb, f, v);
		}
		break;
	case F_PTR:
		put_field(t->sb, f, wild_ptr(t));
		break;
	case F_LEN:
		put_field(t->sb, f, wild_len(t, get_field(t->sb, f)));
		break;
	case F_HANDLE:
		switch (below(t, 4)) {
		case 0:
			v = 0;
			break;
		case 1:
			v = 0xffffffff;
			break;
		case 2:
			v = handle_pick(t, below(t, NSLOTS), 0);
			break;
		default:
			v = below(t, 64);
			break;
		}
		put_field(t->sb, f, v);
		break;
	case F_FD:
		put_field(t->sb, f, (uint32_t)wild_fd(t));
		break;
	case F_APQN:
		memcpy(&a, p, sizeof(a));
		switch (below(t, 4)) {
		case 0:
			a.pad = 1 + below(t, 255);
			break;
		case 1:
			a.domain = 0x100 + below(t, 0xff00);
			break;
		case 2:
			a.card = 0x70 + below(t, 0x10);
			break;
		default:
			a.card = rnd(t);
			a.domain = rnd(t);
			break;
		}
		memcpy(p, &a, sizeof(a));
		break;
	case F_ANY:
		if (f->size > 8) {
			for (i = 0; i < f->size; i++)
				p[i] = rnd(t);
		} else {
			put_field(t->sb, f, chance(t, 20) ? ~0ULL : rnd(t));
		}
		break;
	case F_WAIT:
		/* A long valid wait would stall the run: short or invalid. */
		put_field(t->sb, f, chance(t, 50) ? below(t, 20) :
			  EP11SESS_MAX_WAIT_MS + 1 + below(t, 1000));
		break;
	case F_NAME:
		switch (below(t, 5)) {
		case 0:	/* all zero */
			memset(p, 0, f->size);
			break;
		case 1:
			memcpy(p, names[below(t, NNAMES)], f->size);
			break;
		case 2:	/* one byte changed */
			p[below(t, f->size)] ^= 1 + below(t, 255);
			break;
		case 3:	/* a single byte, anywhere */
			memset(p, 0, f->size);
			p[below(t, f->size)] = 1 + below(t, 255);
			break;
		default:
			for (i = 0; i < f->size; i++)
				p[i] = rnd(t);
			break;
		}
		break;
	case F_SCOPE:
		switch (below(t, 5)) {
		case 0:
			v = EP11SESS_SCOPE_UID;
			break;
		case 1:
			v = EP11SESS_SCOPE_GID;
			break;
		case 2:
			v = EP11SESS_SCOPE_GID + 1 + below(t, 8);
			break;
		case 3:
			v = 1U << below(t, 32);
			break;
		default:
			v = chance(t, 50) ? 0xffffffff : (uint32_t)rnd(t);
			break;
		}
		put_field(t->sb, f, v);
		break;
	case F_ID:
		switch (below(t, 7)) {
		case 0:
			v = run_uid;
			break;
		case 1:
			v = in_gids[below(t, nin_gids)];
			break;
		case 2:
			v = nout_gids ? out_gids[below(t, nout_gids)] : 1;
			break;
		case 3:
			v = 0;
			break;
		case 4:	/* maps to no user or group */
			v = 0xffffffff;
			break;
		case 5:
			v = 65534;
			break;
		default:
			v = (uint32_t)rnd(t);
			break;
		}
		put_field(t->sb, f, v);
		break;
	case F_TTL:
		switch (below(t, 6)) {
		case 0:
			v = 0;
			break;
		case 1:
			v = 1 + below(t, SHORT_TTL_MS);
			break;
		case 2:	/* the longest, or close: outlives the run */
			v = EP11SESS_MAX_KEEP_MS - below(t, EP11SESS_MAX_KEEP_MS / 2);
			break;
		case 3:
			v = EP11SESS_MAX_KEEP_MS + 1 + below(t, 1000);
			break;
		case 4:
			v = 0xffffffff;
			break;
		default:	/* beyond the longest */
			v = EP11SESS_MAX_KEEP_MS + 1 +
			    below(t, 0xffffffff - EP11SESS_MAX_KEEP_MS);
			break;
		}
		put_field(t->sb, f, v);
		break;
	}
}

/*
 * The named part of LOGIN, ATTACH and KEEP that the ABI refuses whatever
 * else the struct holds: a name without EP11SESS_LOGIN_NAMED, an all-zero
 * name, an unknown scope, a gid with the uid scope or one that maps to no
 * group, a time-to-live with EP11SESS_KEEP_RELEASE or beyond
 * EP11SESS_MAX_KEEP_MS.  Returns what is refused, or NULL.
 */
static const char *refused_named(int cmd, const uint8_t *sb)
{
	switch (cmd) {
	case C_LOGIN: {
		const struct ep11sess_login *l = (const void *)sb;

		if (!(l->flags & EP11SESS_LOGIN_NAMED)) {
			if (memchr_inv_zero(l->name, sizeof(l->name)))
				return "name without EP11SESS_LOGIN_NAMED";
			if (l->scope)
				return "scope without EP11SESS_LOGIN_NAMED";
			if (l->gid)
				return "gid without EP11SESS_LOGIN_NAMED";
			return NULL;
		}
		if (!memchr_inv_zero(l->name, sizeof(l->name)))
			return "an all-zero name";
		if (scope_verdict(l->scope, l->gid, true) == EINVAL)
			return l->scope > EP11SESS_SCOPE_GID ?
			       "scope beyond EP11SESS_SCOPE_GID" :
			       l->scope ? "a gid that maps to no group" :
			       "gid with the uid scope";
		return NULL;
	}
	case C_ATTACH: {
		const struct ep11sess_attach *a = (const void *)sb;

		if (!memchr_inv_zero(a->name, sizeof(a->name)))
			return "an all-zero name";
		if (scope_verdict(a->scope, a->id, false) == EINVAL)
			return a->scope > EP11SESS_SCOPE_GID ?
			       "scope beyond EP11SESS_SCOPE_GID" :
			       "an id that maps to nobody";
		return NULL;
	}
	case C_KEEP: {
		const struct ep11sess_keep *k = (const void *)sb;

		if (k->ttl_ms > EP11SESS_MAX_KEEP_MS)
			return "ttl_ms beyond EP11SESS_MAX_KEEP_MS";
		if ((k->flags & EP11SESS_KEEP_RELEASE) && k->ttl_ms)
			return "ttl_ms with EP11SESS_KEEP_RELEASE";
		return NULL;
	}
	default:
		return NULL;
	}
}

/*
 * Whether the struct in t->sb, as mutated, has a field the ABI refuses
 * whatever else it holds: an unknown flag, a non-zero reserved field, pad
 * or output field, or a named field refused_named() refuses.  Returns that
 * field's name, or NULL.
 */
static const char *refused(struct tctx *t, int cmd)
{
	const struct cmd_desc *d = &cmds[cmd];
	const struct field *f;
	struct ep11sess_apqn a;
	unsigned int i;

	for (i = 0; i < d->nfields; i++) {
		f = &d->fields[i];
		if (f->kind == F_FLAGS &&
		    (get_field(t->sb, f) & ~(uint64_t)f->known))
			return f->name;
		if (f->kind == F_ZERO && f->size > 8 &&
		    memchr_inv_zero(t->sb + f->off, f->size))
			return f->name;
		if (f->kind == F_ZERO && f->size <= 8 && get_field(t->sb, f))
			return f->name;
		if (f->kind == F_APQN) {
			memcpy(&a, t->sb + f->off, sizeof(a));
			if (a.pad)
				return f->name;
		}
	}
	return refused_named(cmd, t->sb);
}

/* A request the card answers quickly, for SEND. */
static int build_request(struct tctx *t, uint16_t domain, uint8_t *buf,
			 size_t cap)
{
	static const uint32_t digests[] = { 0x220, 0x250, 0x255, 0x260, 0x270 };
	uint32_t fn, pick = below(t, 10);
	struct ep11_wbuf b;
	uint8_t data[256];
	unsigned int i, n;

	switch (pick) {
	case 0:
	case 1:
		ep11_wire_request_init(&b, buf, cap, EP11_FN(4), domain, 0);
		ep11_wire_put_u32(&b, below(t, 64));
		break;
	case 2:
		ep11_wire_request_init(&b, buf, cap, EP11_FN(38), domain, 0);
		ep11_wire_put_u32(&b, chance(t, 80) ? 1 + 2 * below(t, 3) :
				  (uint32_t)rnd(t));
		break;
	case 3:
		ep11_wire_request_init(&b, buf, cap, EP11_FN(36), domain, 0);
		break;
	case 4:
		ep11_wire_request_init(&b, buf, cap, EP11_FN(37), domain, 0);
		ep11_wire_put_u32(&b, chance(t, 50) ? 0x1080 : (uint32_t)rnd(t));
		break;
	case 5:
	case 6: {
		uint32_t mech = digests[below(t, 5)];
		uint8_t m[4] = { mech >> 24, mech >> 16, mech >> 8, mech };

		ep11_wire_request_init(&b, buf, cap, EP11_FN(10), domain, 0);
		ep11_wire_put(&b, m, 4);
		n = below(t, sizeof(data));
		for (i = 0; i < n; i++)
			data[i] = rnd(t);
		ep11_wire_put(&b, data, n);
		break;
	}
	default:
		/* Any function (Login and Logout are refused) but key pairs. */
		do {
			fn = below(t, 4) ? below(t, 50) : (uint32_t)rnd(t);
		} while ((fn & 0xffff) == 22);
		ep11_wire_request_init(&b, buf, cap,
				       below(t, 4) ? EP11_FN(fn) : fn, domain,
				       chance(t, 10) ? EP11_CPRB_FLAG_ADMIN : 0);
		n = below(t, 4);
		for (i = 0; i < n; i++) {
			uint8_t p[16];
			unsigned int j, len = below(t, sizeof(p));

			for (j = 0; j < len; j++)
				p[j] = rnd(t);
			ep11_wire_put(&b, p, len);
		}
		break;
	}
	return ep11_wire_finish(&b);
}

/* Builds a valid struct for @c->cmd in t->sb; returns its size. */
static unsigned int build(struct tctx *t, struct call *c, unsigned int slot,
			  unsigned int gen)
{
	struct inner *in = t->in;
	unsigned int i, n;
	int len;

	memset(t->sb, 0, cmds[c->cmd].size + 8);
	switch (c->cmd) {
	case C_VERSION: {
		struct ep11sess_version *v = (void *)t->sb;

		v->size = sizeof(*v);
		break;
	}
	case C_LOGIN: {
		struct ep11sess_login *l = (void *)t->sb;
		struct ep11sess_apqn a;
		unsigned int j;

		memset(in->targets, 0, sizeof(in->targets));
		n = one_apqn ? 1 : 1 + below(t, napqns < 3 ? napqns : 3);
		for (i = 0, j = 0; i < n; i++) {
			a = apqn_pick(t);
			if (!one_apqn && chance(t, 8)) {
				in->targets[j].apqn.card = a.card;
				in->targets[j++].flags =
					EP11SESS_TARGET_ALL_DOMAINS;
				break;
			}
			in->targets[j++].apqn = a;
		}
		/* A duplicate APQN, which the kernel refuses, is fine. */
		l->size = sizeof(*l);
		strcpy(in->pin, PIN);
		l->pin = (uintptr_t)in->pin;
		l->pin_len = strlen(PIN);
		l->targets = (uintptr_t)in->targets;
		l->ntargets = j;
		l->targets_cap = EP11SESS_MAX_APQNS;
		if (!no_shared && chance(t, 40)) {
			l->flags |= EP11SESS_LOGIN_SHARED;
			snprintf(in->nonce, sizeof(in->nonce), "fuzz-nonce-%u",
				 below(t, 4));
			l->nonce = (uintptr_t)in->nonce;
			l->nonce_len = strlen(in->nonce);
		}
		if (chance(t, 30))
			l->flags |= EP11SESS_LOGIN_ALL_OR_NOTHING;
		if (!no_named && chance(t, 35)) {
			l->flags |= EP11SESS_LOGIN_NAMED;
			memcpy(l->name, names[below(t, NNAMES)],
			       sizeof(l->name));
			scope_pick(t, &l->scope, &l->gid, true);
		}
		l->wait_ms = chance(t, 10) ? below(t, 20) : 0;
		if (chance(t, 5)) {
			/* A target field the kernel must refuse. */
			i = below(t, j);
			switch (below(t, 3)) {
			case 0:
				in->targets[i].apqn.pad = 1;
				break;
			case 1:
				in->targets[i].reserved = 1 + below(t, 9);
				break;
			default:
				in->targets[i].flags |= 2U << below(t, 31);
				break;
			}
			c->targets_bad = true;
		}
		break;
	}
	case C_LOGOUT: {
		struct ep11sess_logout *l = (void *)t->sb;

		l->size = sizeof(*l);
		if (!no_named && !no_everyone && chance(t, 12)) {
			l->flags = EP11SESS_LOGOUT_EVERYONE;
			l->handle = named_handle_pick(t, slot, gen);
		} else {
			l->handle = handle_pick(t, slot, gen);
		}
		break;
	}
	case C_SEND: {
		struct ep11sess_send *s = (void *)t->sb;
		struct ep11sess_apqn a = apqn_pick(t);

		len = build_request(t, a.domain, in->req, sizeof(in->req));
		vmt_send_init(s, 0, 0, a, in->req, len > 0 ? len : 0, in->rep,
			      chance(t, 90) ? sizeof(in->rep) : below(t, 64));
		if (chance(t, 40)) {
			s->handle = handle_pick(t, slot, gen);
			s->flags = below(t, 3) + 1;
		}
		if (chance(t, 3) && len > 40)
			in->req[below(t, len)] ^= 1 << below(t, 8);
		s->timeout_ms = chance(t, 20) ? 1 + below(t, 1000) : 0;
		break;
	}
	case C_LIST: {
		struct ep11sess_list *l = (void *)t->sb;

		l->size = sizeof(*l);
		l->flags = chance(t, 30) ? EP11SESS_LIST_ALL : 0;
		/* What is not written reads as entries of nothing. */
		memset(in->infos, 0, sizeof(in->infos));
		memset(in->pad, 0, sizeof(in->pad));
		l->entries = (uintptr_t)in->infos;
		/* An older caller's entries, a newer caller's, or ours. */
		l->entry_size = chance(t, 15) ?
				EP11SESS_SESSION_INFO_SIZE_VER1 :
				sizeof(in->infos[0]) +
				(chance(t, 20) ? 8 * below(t, 3) : 0);
		l->count = below(t, 8 * sizeof(in->infos[0]) / l->entry_size);
		break;
	}
	case C_STATUS: {
		struct ep11sess_status *s = (void *)t->sb;

		s->size = sizeof(*s);
		s->flags = chance(t, 85) ? EP11SESS_STATUS_CACHED : 0;
		s->entries = (uintptr_t)in->st;
		s->entry_size = chance(t, 15) ? EP11SESS_APQN_STATUS_SIZE_VER1 :
				sizeof(in->st[0]);
		s->count = below(t, 32);
		break;
	}
	case C_EXPORT: {
		struct ep11sess_export *e = (void *)t->sb;

		e->size = sizeof(*e);
		e->handle = handle_pick(t, slot, gen);
		break;
	}
	case C_IMPORT: {
		struct ep11sess_import *im = (void *)t->sb;

		im->size = sizeof(*im);
		im->fd = chance(t, 85) ? export_pick(t) : wild_fd(t);
		break;
	}
	case C_ADMIN: {
		struct ep11sess_admin_logout *a = (void *)t->sb;
		unsigned int h = below(t, NHANDLES);

		a->size = sizeof(*a);
		switch (below(t, 4)) {
		case 0:
			a->flags = EP11SESS_ADMIN_BY_PID;
			a->pid = getpid();
			break;
		case 1:
			a->flags = EP11SESS_ADMIN_BY_ID;
			memcpy(a->public_id, pubids[h], 16);
			break;
		case 2:
			a->flags = EP11SESS_ADMIN_BY_APQN | EP11SESS_ADMIN_BY_PID;
			a->apqn = apqn_pick(t);
			a->pid = getpid();
			break;
		default:
			a->flags = EP11SESS_ADMIN_BEFORE | EP11SESS_ADMIN_BY_PID;
			a->before_ns = rnd(t);
			a->pid = getpid();
			break;
		}
		if (chance(t, 30))
			a->flags |= EP11SESS_ADMIN_FORCE;
		break;
	}
	case C_ATTACH: {
		struct ep11sess_attach *a = (void *)t->sb;

		a->size = sizeof(*a);
		if (chance(t, 92)) {
			memcpy(a->name, names[below(t, NNAMES)],
			       sizeof(a->name));
		} else {	/* a name no login gives */
			for (i = 0; i < sizeof(a->name); i++)
				a->name[i] = rnd(t);
			a->name[0] |= 1;
		}
		scope_pick(t, &a->scope, &a->id, false);
		break;
	}
	case C_KEEP: {
		struct ep11sess_keep *k = (void *)t->sb;
		unsigned int r = below(t, 100);

		k->size = sizeof(*k);
		k->handle = named_handle_pick(t, slot, gen);
		if (r < 30)
			k->flags = EP11SESS_KEEP_RELEASE;
		else if (r < 42)
			k->ttl_ms = 0;	/* until released or logged out */
		else
			k->ttl_ms = 2 + below(t, SHORT_TTL_MS - 1);
		break;
	}
	default:
		break;
	}
	return cmds[c->cmd].size;
}

static unsigned long unknown_nr(struct tctx *t)
{
	static const unsigned int magics[] = { 0xe7, 0xe9, 0xea, 0xfe };
	unsigned int nr = below(t, C_UNKNOWN);

	switch (below(t, 6)) {
	case 0:	/* past ours: C_UNKNOWN is the first free number */
		return _IO(EP11SESS_IOC_MAGIC, C_UNKNOWN + below(t, 0x40 - C_UNKNOWN));
	case 1:	/* ep11_vcard's range */
		return _IO(EP11SESS_IOC_MAGIC, 0x40 + below(t, 0x10));
	case 2:
		return _IOWR(EP11SESS_IOC_MAGIC, nr, cmds[nr].size);
	case 3:
		return _IOC(1 + below(t, 3), EP11SESS_IOC_MAGIC, nr,
			    below(t, 1 << 14));
	case 4:
		return _IO(magics[below(t, 4)], nr);
	default:	/* any direction and size, a number past ours */
		return ((uint32_t)rnd(t) & 0xffff0000) |
		       (EP11SESS_IOC_MAGIC << 8) |
		       (C_UNKNOWN + below(t, 256 - C_UNKNOWN));
	}
}

static enum pshape pick_pshape(struct tctx *t)
{
	unsigned int r = below(t, 100);

	if (r < 72)
		return P_OK;
	if (r < 77)
		return P_UNALIGNED;
	if (r < 81)
		return P_STRADDLE;
	if (r < 84)
		return P_RO;
	return P_NULL + below(t, NPSHAPE - P_NULL);
}

static enum sshape pick_sshape(struct tctx *t, int cmd)
{
	enum sshape s = chance(t, 70) ? S_EXACT : 1 + below(t, NSSHAPE - 1);

	/* The version 1 sizes only where the struct grew since. */
	if ((s == S_V1 || s == S_V1_MINUS1) &&
	    (cmd == C_UNKNOWN || cmds[cmd].min_size == cmds[cmd].size))
		s = S_MINUS1;
	return s;
}

static uint32_t sshape_size(struct tctx *t, enum sshape s, uint32_t ksize,
			    uint32_t min_size)
{
	switch (s) {
	case S_EXACT:
		return ksize;
	case S_V1:
		return min_size;
	case S_V1_MINUS1:
		return min_size - 1;
	case S_ZERO:
		return 0;
	case S_FOUR:
		return 4;
	case S_MINUS1:
		return ksize - 1;
	case S_PLUS1_ZERO:
	case S_PLUS1_NZ:
		return ksize + 1 + below(t, 8);
	case S_LARGE_ZERO:
	case S_LARGE_NZ:
		return ksize + 64 + below(t, AREA_LEN / 2);
	case S_HUGE:
		return chance(t, 50) ? 0xffffffff : 0x7fffffff + below(t, 9);
	default:
		return rnd(t);
	}
}

/*
 * Places the struct (usize as its size, @ksize bytes built in t->sb) in
 * memory of shape @c->p; returns the pointer, and in *acc how many bytes
 * from it can be read (0 for a wild pointer).
 */
static uint8_t *place(struct tctx *t, struct call *c, uint32_t ksize,
		      size_t *acc, size_t *written)
{
	uint8_t *p;
	size_t room, n, tail;

	*written = 0;
	switch (c->p) {
	case P_OK:
		p = t->area;
		break;
	case P_UNALIGNED:
		p = t->area + 1 + below(t, 7);
		break;
	case P_STRADDLE:
		p = t->area + AREA_LEN - 1 - below(t, ksize + 4);
		break;
	case P_RO:
		p = t->ro;
		break;
	case P_NULL:
		*acc = 0;
		return NULL;
	case P_SMALL:
		*acc = 0;
		return (uint8_t *)(uintptr_t)(1 + below(t, 4095));
	case P_KERNEL:
		*acc = 0;
		return (uint8_t *)(uintptr_t)
			kernel_ptrs[below(t, sizeof(kernel_ptrs) / 8)];
	case P_NONCANON:
		*acc = 0;
		return (uint8_t *)(uintptr_t)
			noncanon_ptrs[below(t, sizeof(noncanon_ptrs) / 8)];
	default:
		*acc = 0;
		return t->area + AREA_LEN + below(t, page - 8);
	}
	room = c->p == P_RO ? (size_t)page : (size_t)(t->area + AREA_LEN - p);
	*acc = room;
	n = ksize < room ? ksize : room;
	if (c->p == P_RO)
		mprotect(t->ro, page, PROT_READ | PROT_WRITE);
	memcpy(p, t->sb, n);
	*written = n;
	/* A non-zero byte somewhere in the tail the size claims. */
	if ((c->s == S_PLUS1_NZ || c->s == S_LARGE_NZ) && c->usize > ksize) {
		tail = ksize + below(t, c->usize - ksize);
		if (tail < room) {
			p[tail] = 0x5a;
			if (tail + 1 > *written)
				*written = tail + 1;
		}
	}
	if (c->p == P_RO)
		mprotect(t->ro, page, PROT_READ);
	return p;
}

/* Zeroes what place() wrote, so that tails read as zero next time. */
static void unplace(struct tctx *t, struct call *c, uint8_t *p,
		    size_t written)
{
	if (!written)
		return;
	if (c->p == P_RO) {
		mprotect(t->ro, page, PROT_READ | PROT_WRITE);
		memset(p, 0, written);
		return;
	}
	memset(p, 0, written);
}

/*
 * The errno the ABI fixes for this call before any handler runs, or 0: a
 * size from the ABI version 1 size up to ours is read as far as it goes,
 * and a struct that cannot be written back is refused before its fields
 * are looked at.
 */
static int fixed_errno(struct call *c, const uint8_t *p, size_t acc,
		       uint32_t ksize)
{
	size_t i, end;

	if (c->cmd == C_UNKNOWN)
		return ENOTTY;
	if (acc < 4)
		return EFAULT;
	if (c->usize < cmds[c->cmd].min_size)
		return EINVAL;
	if (c->usize > ksize) {
		end = c->usize < acc ? c->usize : acc;
		for (i = ksize; i < end; i++)
			if (p[i])
				return E2BIG;
		if (c->usize > acc)
			return EFAULT;
	}
	if ((c->usize < ksize ? c->usize : ksize) > acc)
		return EFAULT;
	/* Every command answers in its struct: it must be writable. */
	if (c->p == P_RO)
		return EFAULT;
	return 0;
}

/* Reads a result back from where the struct was (any alignment). */
/* Whether a name's first bytes are those of a name tried in a scope. */
static bool name_head_known(const uint8_t *head, size_t len, uint32_t scope,
			    uint32_t id)
{
	unsigned int i, n = atomic_load(&st->nreg);
	struct named_rec *r;

	for (i = 0; i < n && i < NREG; i++) {
		r = &st->reg[i];
		if (atomic_load(&r->ready) && r->scope == scope &&
		    r->id == id && !memcmp(r->name, head, len))
			return true;
	}
	return false;
}

/*
 * One entry of a LIST answer, @len bytes of it as the caller asked: its
 * flags known and consistent, the named fields zero for an unnamed
 * session, and for a named one a scope this process is in and the head of
 * a name it tried there.
 */
static void check_info(const struct ep11sess_session_info *e, size_t len)
{
	const uint32_t known = EP11SESS_SESSION_SHARED | EP11SESS_SESSION_HELD |
			       EP11SESS_SESSION_DYING | EP11SESS_SESSION_NAMED |
			       EP11SESS_SESSION_KEPT;
	bool named = e->flags & EP11SESS_SESSION_NAMED;

	if (e->flags & ~known || !(e->flags & EP11SESS_SESSION_HELD) != !e->handle ||
	    (e->flags & EP11SESS_SESSION_KEPT && !named) ||
	    e->napqns > EP11SESS_MAX_APQNS) {
		report("LIST entry: flags 0x%x, handle %u, %u APQNs: unknown flags, HELD without a handle or KEPT without NAMED",
		       e->flags, e->handle, e->napqns);
		return;
	}
	if (len < sizeof(*e))
		return;
	if (!named) {
		if (e->scope || e->scope_id || e->keep_expires_ns ||
		    memchr_inv_zero(e->name_head, sizeof(e->name_head)))
			report("LIST entry of an unnamed session: expected no scope, name or expiry, got scope %u id %u, name head %02x%02x.., expiry %llu",
			       e->scope, e->scope_id, e->name_head[0],
			       e->name_head[1],
			       (unsigned long long)e->keep_expires_ns);
		return;
	}
	if (scope_verdict(e->scope, e->scope_id, false) ||
	    !name_head_known(e->name_head, sizeof(e->name_head), e->scope,
			     e->scope_id))
		report("LIST entry of a named session: scope %u id %u, name head %.8s: not a scope this process is in or not a name it tried there",
		       e->scope, e->scope_id, (const char *)e->name_head);
	if (!(e->flags & EP11SESS_SESSION_KEPT) && e->keep_expires_ns)
		report("LIST entry of a named session without a keep-alive hold: expected no expiry, got %llu",
		       (unsigned long long)e->keep_expires_ns);
}

static void check_list(struct tctx *t, const struct ep11sess_list *out)
{
	const struct ep11sess_list *l = (const void *)t->sb;
	struct ep11sess_session_info e;
	const uint8_t *base = (const uint8_t *)t->in->infos;
	size_t room = sizeof(t->in->infos) + sizeof(t->in->pad);
	unsigned int i, n;

	if (l->entries != (uintptr_t)base || !l->entry_size ||
	    l->entry_size > room)
		return;
	n = out->count < l->count ? out->count : l->count;
	if (n > room / l->entry_size)
		n = room / l->entry_size;
	for (i = 0; i < n; i++) {
		memset(&e, 0, sizeof(e));
		memcpy(&e, base + (size_t)i * l->entry_size,
		       l->entry_size < sizeof(e) ? l->entry_size : sizeof(e));
		check_info(&e, l->entry_size);
	}
}

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Reads a successful call's answer back from where the struct was (any
 * alignment, @n bytes of it readable), takes what it created and checks
 * what it says; @t0 and @t1 bracket the call on the wall clock.
 */
static void result(struct tctx *t, struct call *c, const uint8_t *p,
		   size_t n, unsigned int slot, unsigned int gen, uint64_t t0,
		   uint64_t t1)
{
	union {
		struct ep11sess_version v;
		struct ep11sess_login l;
		struct ep11sess_list li;
		struct ep11sess_export e;
		struct ep11sess_import im;
		struct ep11sess_attach a;
		struct ep11sess_keep k;
	} u = { };

	memcpy(&u, p, n < cmds[c->cmd].size ? n : cmds[c->cmd].size);
	if (c->cmd == C_VERSION) {
		if (u.v.abi_version != EP11SESS_ABI_VERSION ||
		    u.v.max_apqns != EP11SESS_MAX_APQNS ||
		    !(u.v.features & EP11SESS_FEAT_NAMED) ||
		    !(u.v.features & EP11SESS_FEAT_RELOGIN))
			report("VERSION: expected ABI version %u, %u APQNs, EP11SESS_FEAT_NAMED and EP11SESS_FEAT_RELOGIN, got version %u, %u APQNs, features 0x%llx",
			       EP11SESS_ABI_VERSION, EP11SESS_MAX_APQNS,
			       u.v.abi_version, u.v.max_apqns,
			       (unsigned long long)u.v.features);
	} else if (c->cmd == C_LOGIN) {
		struct ep11sess_login l = u.l;

		atomic_fetch_add(&st->sessions, 1);
		if (l.joined)
			atomic_fetch_add(&st->joined, 1);
		handle_add(slot, gen, l.handle, l.public_id, c->named, t);
		if (c->named)
			atomic_fetch_add(&st->named, 1);
	} else if (c->cmd == C_EXPORT) {
		struct ep11sess_export e = u.e;

		atomic_fetch_add(&st->exports, 1);
		if (e.fd > 2)
			export_add(e.fd);
	} else if (c->cmd == C_IMPORT) {
		struct ep11sess_import im = u.im;

		atomic_fetch_add(&st->imports, 1);
		handle_add(slot, gen, im.handle, NULL, false, t);
	} else if (c->cmd == C_LIST) {
		check_list(t, &u.li);
	} else if (c->cmd == C_LOGOUT) {
		if (((const struct ep11sess_logout *)t->sb)->flags &
		    EP11SESS_LOGOUT_EVERYONE)
			atomic_fetch_add(&st->everyone, 1);
	} else if (c->cmd == C_ATTACH) {
		atomic_fetch_add(&st->attached, 1);
		if (!u.a.handle)
			report("ATTACH: expected a handle, got 0");
		else
			handle_add(slot, gen, u.a.handle, u.a.public_id, true, t);
	} else if (c->cmd == C_KEEP) {
		const struct ep11sess_keep *k = (const void *)t->sb;
		uint64_t ttl = k->ttl_ms * 1000000ULL;

		if (k->flags & EP11SESS_KEEP_RELEASE) {
			atomic_fetch_add(&st->released, 1);
		} else {
			atomic_fetch_add(&st->kept, 1);
			if (!k->ttl_ms || k->ttl_ms > SHORT_TTL_MS)
				atomic_fetch_add(&st->kept_forever, 1);
		}
		if (k->flags & EP11SESS_KEEP_RELEASE || !k->ttl_ms) {
			if (u.k.expires_ns)
				report("KEEP %s: expected expires_ns 0, got %" PRIu64,
				       k->flags & EP11SESS_KEEP_RELEASE ?
				       "release" : "without a time-to-live",
				       (uint64_t)u.k.expires_ns);
		} else if (u.k.expires_ns + 1000000 < t0 + ttl ||
			   u.k.expires_ns > t1 + ttl + 1000000) {
			/* The wall clock, 1 ms either side for its readers. */
			report("KEEP with ttl_ms %u: expected expires_ns within 1 ms of %" PRIu64 "-%" PRIu64 " (the call's wall-clock time plus the ttl), got %" PRIu64,
			       k->ttl_ms, t0 + ttl, t1 + ttl,
			       (uint64_t)u.k.expires_ns);
		}
	}
}

/*
 * What the struct in t->sb, as mutated and cut to its size, must get:
 * a refused field EINVAL, a scope the caller is not in EPERM.  A named
 * login in its scope has its name remembered for the end.
 */
static void judge(struct tctx *t, struct call *c)
{
	const char *bad;
	int v;

	/* A bad target must fail if nothing else changed. */
	if (c->targets_bad && !c->mut) {
		c->must_fail = true;
		c->mutated = "targets[]";
	}
	bad = refused(t, c->cmd);
	if (bad) {
		c->must_fail = true;
		c->want = EINVAL;
		c->mutated = bad;
		return;
	}
	if (c->cmd == C_LOGIN) {
		struct ep11sess_login *l = (void *)t->sb;

		if (!(l->flags & EP11SESS_LOGIN_NAMED))
			return;
		v = scope_verdict(l->scope, l->gid, true);
		if (v == EPERM) {
			/* Checked before the PIN, the nonce, the targets. */
			c->must_fail = true;
			c->mutated = "a group the caller is not in";
			if (!c->mut)
				c->want = EPERM;
			return;
		}
		c->named = true;
		if (!name_register(l->name, l->scope, l->gid)) {
			/* No room to remember another: one it knows. */
			memcpy(l->name, names[0], sizeof(l->name));
			name_register(l->name, l->scope, l->gid);
		}
	} else if (c->cmd == C_ATTACH) {
		struct ep11sess_attach *a = (void *)t->sb;

		if (scope_verdict(a->scope, a->id, false) == EPERM) {
			c->must_fail = true;
			c->want = EPERM;
			c->mutated = a->scope == EP11SESS_SCOPE_UID ?
				     "another uid" : "a group the caller is not in";
		}
	}
}

static void one_call(struct tctx *t)
{
	struct call c = { 0 };
	unsigned int slot = below(t, NSLOTS), g1, g2, i;
	size_t acc = 0, written = 0;
	uint64_t ns, t0, t1;
	uint32_t ksize;
	uint8_t *p;
	int fd, kind, ret, err, fixed;
	unsigned int r, w = 0;
	bool valid;

	for (i = 0; i < NCMD; i++)
		w += cmds[i].weight;
	r = below(t, w);
	w = 0;
	for (c.cmd = 0; c.cmd < NCMD - 1; c.cmd++) {
		w += cmds[c.cmd].weight;
		if (r < w)
			break;
	}
	if (c.cmd == C_ADMIN && no_admin)
		c.cmd = C_VERSION;
	if ((c.cmd == C_ATTACH || c.cmd == C_KEEP) && no_named)
		c.cmd = C_LIST;
	/* Mostly on a file that holds a named session, for KEEP. */
	if (c.cmd == C_KEEP && chance(t, 70)) {
		uint64_t v = atomic_load(&nhandles[below(t, NNHANDLES)]);

		if (v)
			slot = (v >> 56) % NSLOTS;
	}
	g1 = atomic_load(&slots[slot].gen);
	fd = atomic_load(&slots[slot].fd);
	kind = atomic_load(&slots[slot].kind);

	c.p = pick_pshape(t);
	c.s = pick_sshape(t, c.cmd);
	if (c.cmd == C_UNKNOWN) {
		c.nr = unknown_nr(t);
		ksize = 64;
		memset(t->sb, 0, ksize);
		c.usize = sshape_size(t, c.s, ksize, ksize);
		memcpy(t->sb, &c.usize, 4);
	} else {
		c.nr = cmds[c.cmd].nr;
		ksize = build(t, &c, slot, g1);
		c.mut = chance(t, 35) ? 0 : 1 + below(t, 3);
		for (i = 0; i < c.mut; i++)
			mutate(t, &c);
		c.usize = sshape_size(t, c.s, ksize, cmds[c.cmd].min_size);
		/* What a shorter size leaves out reads as zero to the kernel. */
		if (c.usize >= cmds[c.cmd].min_size && c.usize < ksize)
			memset(t->sb + c.usize, 0, ksize - c.usize);
		memcpy(t->sb, &c.usize, 4);
		judge(t, &c);
	}
	p = place(t, &c, ksize, &acc, &written);
	fixed = fixed_errno(&c, p, acc, ksize);
	valid = !c.must_fail && !c.targets_bad &&
		(!c.mut || cmds[c.cmd].whole) &&
		(c.p == P_OK || c.p == P_UNALIGNED || c.p == P_STRADDLE);

	t0 = real_ns();
	ns = now_ns();
	ret = ioctl(fd, c.nr, p);
	err = ret ? errno : 0;
	ns = now_ns() - ns;
	t1 = real_ns();
	g2 = atomic_load(&slots[slot].gen);
	atomic_fetch_add(&st->ns[c.cmd], ns);

	atomic_fetch_add(&st->per_cmd[c.cmd], 1);
	if (!err)
		atomic_fetch_add(&st->ok[c.cmd], 1);
	atomic_fetch_add(&st->err[err <= ERRNO_MAX ? err : 0], 1);
	if (in_child)
		atomic_fetch_add(&st->child_calls, 1);

	if (!ret && (c.cmd == C_EXPORT || (kind == 1 && g1 == g2)))
		result(t, &c, p, acc, slot, g1, t0, t1);
	unplace(t, &c, p, written);

	if (g1 != g2 || (g1 & 1))
		return;		/* the fd changed under the call */
	if (kind != 1) {
		if (chance(t, 10))
			churn(t, slot);	/* not for long */
		fixed = kind ? EBADF : ENOTTY;
		if (err != fixed) {
			char path[64], link[128] = "";

			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			if (readlink(path, link, sizeof(link) - 1) < 0)
				strcpy(link, "closed");
			report("%s on %s (slot %u fd %d gen %u, now %s): expected %s, got %s",
			       cmds[c.cmd].name,
			       kind ? "a closed fd" : "a file that is not /dev/ep11sess",
			       slot, fd, g1, link, errname(fixed),
			       errname(err));
		}
		return;
	}
	if (fixed) {
		if (err != fixed)
			report("%s (nr 0x%lx) struct %s, size %u (%s): expected %s, got %s",
			       cmds[c.cmd].name, c.nr, pshape_names[c.p],
			       c.usize, sshape_names[c.s], errname(fixed),
			       errname(err));
		return;
	}
	if (!err) {
		if (c.must_fail)
			report("%s with %s: expected %s, got success",
			       cmds[c.cmd].name, c.mutated,
			       c.want ? errname(c.want) : "an error");
		else if (c.p == P_RO)
			report("%s with its struct in a read-only page: expected EFAULT (the answer cannot be written), got success",
			       cmds[c.cmd].name);
		else if (c.cmd == C_LIST && run_uid &&
			 (((struct ep11sess_list *)t->sb)->flags &
			  EP11SESS_LIST_ALL))
			report("LIST with EP11SESS_LIST_ALL as uid %u: expected EPERM, got success",
			       run_uid);
		else if (c.cmd == C_ADMIN && run_uid)
			report("ADMIN_LOGOUT as uid %u: expected EPERM, got success",
			       run_uid);
		return;
	}
	if (c.want && err != c.want) {
		report("%s struct %s, size %u (%s), with %s: expected %s, got %s",
		       cmds[c.cmd].name, pshape_names[c.p], c.usize,
		       sshape_names[c.s], c.mutated, errname(c.want),
		       errname(err));
		return;
	}
	if (valid && cmds[c.cmd].valid_errs &&
	    !in_list(cmds[c.cmd].valid_errs, err) &&
	    !(c.cmd == C_LIST && err == EPERM && run_uid &&
	      (((struct ep11sess_list *)t->sb)->flags & EP11SESS_LIST_ALL))) {
		report("%s struct %s, size %u (%s), with valid arguments%s: expected success, got %s",
		       cmds[c.cmd].name, pshape_names[c.p], c.usize,
		       sshape_names[c.s],
		       c.mut ? " (mutated within them)" : "", errname(err));
		return;
	}
	if (err != EINVAL && err != EFAULT && err != E2BIG &&
	    !in_list(cmds[c.cmd].errs, err))
		report("%s struct %s, size %u (%s), mutated %s: %s is not one of its documented errors",
		       cmds[c.cmd].name, pshape_names[c.p], c.usize,
		       sshape_names[c.s], c.mutated ? c.mutated : "nothing",
		       errname(err));
}

/* Replaces the file of a slot under the other threads. */
static void churn(struct tctx *t, unsigned int s)
{
	static const int how[10] = { 0, 0, 0, 0, 1, 1, 1, 3, 3, 2 };
	unsigned int o;
	struct slot *sl = &slots[s];
	int nfd, old, kind;

	if (atomic_flag_test_and_set(&sl->busy))
		return;
	atomic_fetch_add(&sl->gen, 1);
	old = atomic_load(&sl->fd);
	/* Mostly a new /dev/ep11sess file; rarely another file. */
	switch (old < 0 ? 1 : atomic_load(&sl->kind) != 1 ? 0 :
		how[below(t, 10)]) {
	case 0:	/* a new open file under the same number */
		nfd = open_dev();
		if (nfd >= 0) {
			if (dup2(nfd, old) >= 0)
				atomic_store(&sl->kind, 1);
			close(nfd);
		}
		break;
	case 1:	/* closed, then a new file, likely at another number */
		close(old);
		atomic_fetch_add(&st->closed, 1);
		kind = 1;
		nfd = open_dev();
		if (nfd < 0) {
			kind = 0;
			nfd = dup(devnull);
		}
		atomic_store(&sl->kind, nfd < 0 ? 2 : kind);
		atomic_store(&sl->fd, nfd);
		break;
	case 2:	/* not /dev/ep11sess for a while */
		if (dup2(devnull, old) >= 0)
			atomic_store(&sl->kind, 0);
		break;
	default:	/* the same open file as another slot */
		o = below(t, NSLOTS);
		if (o != s && !atomic_flag_test_and_set(&slots[o].busy)) {
			if (dup2(atomic_load(&slots[o].fd), old) >= 0)
				atomic_store(&sl->kind,
					     atomic_load(&slots[o].kind));
			atomic_flag_clear(&slots[o].busy);
		}
		break;
	}
	atomic_fetch_add(&st->replaced, 1);
	atomic_fetch_add(&sl->gen, 1);
	atomic_flag_clear(&sl->busy);
}

/*
 * What kind of file @fd is now: 1 /dev/ep11sess, 0 another file, 2 none;
 * with @export, whether it is an export fd.
 */
static int fd_kind(int fd, bool *export)
{
	char path[64], link[128];
	struct stat sb;
	ssize_t len;

	*export = false;
	if (fd < 0 || fstat(fd, &sb))
		return 2;
	if (S_ISCHR(sb.st_mode) && sb.st_rdev == dev_rdev)
		return 1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	len = readlink(path, link, sizeof(link) - 1);
	if (len > 0) {
		link[len] = '\0';
		*export = strstr(link, "ep11sess-session");
	}
	return 0;
}

/*
 * fork() copies the fd table and the memory at two different moments
 * while the other threads go on replacing fds, so a child cannot trust
 * what the slots and the export ring say: it looks at its fds again.
 */
static void child_resync(void)
{
	unsigned int i, j, g;
	int fd, kind;
	bool export;

	for (i = 0; i < NSLOTS; i++) {
		fd = atomic_load(&slots[i].fd);
		kind = fd_kind(fd, &export);
		/* A number closed here: taken, so that no new fd gets it. */
		if (kind == 2 && fd > 2 && dup2(devnull, fd) == fd)
			kind = 0;
		atomic_store(&slots[i].kind, kind);
		g = atomic_load(&slots[i].gen);
		atomic_store(&slots[i].gen, (g | 1) + 1);
		atomic_flag_clear(&slots[i].busy);
	}
	/*
	 * A slot being replaced in the parent can still name a number that
	 * another slot took meanwhile (its own gen was odd there, so nobody
	 * used it); here both would be live.  The later one gets a file of
	 * its own.  Every slot's number is open by now, so the new one is
	 * none of theirs.
	 */
	for (i = 0; i < NSLOTS; i++) {
		fd = atomic_load(&slots[i].fd);
		for (j = 0; j < i && fd >= 0; j++)
			if (atomic_load(&slots[j].fd) == fd)
				break;
		if (fd < 0 || j == i)
			continue;
		fd = dup(devnull);
		atomic_store(&slots[i].fd, fd);
		atomic_store(&slots[i].kind, fd < 0 ? 2 : 0);
	}
	for (i = 0; i < NEXPORTS; i++) {
		fd = atomic_load(&exports[i]);
		fd_kind(fd, &export);
		for (j = 0; j < NSLOTS && export; j++)
			export = fd != atomic_load(&slots[j].fd);
		if (!export)
			atomic_store(&exports[i], -1);
	}
}

/* A child that shares the fds, calls a while and exits or is killed. */
static void fork_child(struct tctx *t)
{
	unsigned int n = 20 + below(t, 150), i;
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		in_child = true;
		child_resync();
		t->rng = splitmix(t->rng + 1);	/* not the parent's */
		for (i = 0; i < n; i++) {
			if (chance(t, 2))
				churn(t, below(t, NSLOTS));
			atomic_fetch_add(&st->calls, 1);
			one_call(t);
		}
		_exit(0);
	}
	atomic_fetch_add(&st->forks, 1);
	if (!no_kill && chance(t, 40)) {
		usleep(below(t, 20000));
		if (!kill(pid, SIGKILL))
			atomic_fetch_add(&st->killed, 1);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static void *thread_main(void *arg)
{
	struct tctx *t = arg;

	while (atomic_fetch_add(&st->calls, 1) < ncalls) {
		if (chance(t, 1))
			churn(t, below(t, NSLOTS));
		if (!no_fork && below(t, 1000) < 3)
			fork_child(t);
		one_call(t);
	}
	return NULL;
}

static uint8_t *guarded(size_t len)
{
	uint8_t *p = mmap(NULL, len + page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		vmt_die("mmap: %s", strerror(errno));
	if (mprotect(p + len, page, PROT_NONE))
		vmt_die("mprotect: %s", strerror(errno));
	return p;
}

static void tctx_init(struct tctx *t, int id)
{
	t->id = id;
	t->rng = splitmix(seed + id) | 1;
	t->area = guarded(AREA_LEN);
	t->ro = guarded(page);
	mprotect(t->ro, page, PROT_READ);
	t->inner_area = guarded(INNER_LEN);
	t->in = (struct inner *)t->inner_area;
}

/* The figures of every APQN given, from the status ioctl. */
struct apqn_fig {
	uint32_t used;		/* card_max - card_avail, by the card */
	uint32_t max;
	uint32_t held;
	uint32_t card_held;
	uint32_t pending;
	uint64_t logins;
	uint64_t logouts;
	uint64_t reclaimed;
	uint64_t lost;
	uint64_t errors;
	bool valid;
};

static int figures(int fd, struct apqn_fig *f)
{
	struct ep11sess_apqn_status s;
	unsigned int i;
	int ret;

	for (i = 0; i < napqns; i++) {
		ret = vmt_status_of(fd, i ? EP11SESS_STATUS_CACHED : 0,
				    apqns[i], &s);
		if (ret)
			return ret;
		f[i].valid = s.flags & EP11SESS_APQN_CAPS_VALID;
		f[i].used = s.card_max - s.card_avail;
		f[i].max = s.card_max;
		f[i].held = s.held;
		f[i].card_held = s.card_held;
		f[i].pending = s.pending;
		f[i].logins = s.logins;
		f[i].logouts = s.logouts;
		f[i].reclaimed = s.reclaimed;
		f[i].lost = s.lost;
		f[i].errors = s.errors;
	}
	return 0;
}

static bool at_baseline(const struct apqn_fig *now,
			const struct apqn_fig *base)
{
	unsigned int i;

	for (i = 0; i < napqns; i++)
		if (!now[i].valid || now[i].used != base[i].used ||
		    now[i].held || now[i].card_held || now[i].pending)
			return false;
	return true;
}

/* Export fds the fuzzer never learnt about (EXPORT failed after making them). */
static unsigned int close_stray_exports(void)
{
	char path[64], link[128];
	unsigned int n = 0;
	struct dirent *de;
	DIR *d;
	ssize_t len;
	int fd;

	d = opendir("/proc/self/fd");
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		fd = atoi(de->d_name);
		if (fd <= 2 || fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (strstr(link, "ep11sess-session")) {
			close(fd);
			n++;
		}
	}
	closedir(d);
	return n;
}

/* Export fds open in this process. */
static unsigned int count_exports(void)
{
	char path[300], link[128];
	unsigned int n = 0;
	struct dirent *de;
	ssize_t len;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		n += !!strstr(link, "ep11sess-session");
	}
	closedir(d);
	return n;
}

/*
 * What the fuzzing hits at random, made certain: a command whose answer
 * cannot be written back (its struct in a read-only page) fails with
 * EFAULT, and must then leave nothing behind: a LOGIN no session held
 * by the file, an EXPORT no fd, a LOGOUT its session still held.
 */
static void probe_efault(struct tctx *t)
{
	struct ep11sess_target tg[EP11SESS_MAX_APQNS];
	struct ep11sess_export e = { .size = sizeof(e) };
	struct ep11sess_list l = {
		.size = sizeof(l),
		.entry_size = sizeof(struct ep11sess_session_info),
	};
	struct ep11sess_logout lo = { .size = sizeof(lo) };
	struct ep11sess_session_info info;
	struct ep11sess_login lg;
	unsigned int before, after;
	int fd, ret;

	fd = open_dev();
	if (fd < 0)
		vmt_die("open /dev/ep11sess: %s", strerror(errno));
	vmt_login_init(&lg, tg, apqns, 1, PIN);
	mprotect(t->ro, page, PROT_READ | PROT_WRITE);
	memcpy(t->ro, &lg, sizeof(lg));
	mprotect(t->ro, page, PROT_READ);
	ret = ioctl(fd, EP11SESS_IOC_LOGIN, t->ro) ? errno : 0;
	if (ioctl(fd, EP11SESS_IOC_LIST, &l))
		vmt_die("LIST: %s", strerror(errno));
	if (ret != EFAULT || l.count)
		vmt_fail("LOGIN with its struct read-only: expected EFAULT and no session held by the file, got %s and %u held",
			 errname(ret), l.count);

	vmt_login_init(&lg, tg, apqns, 1, PIN);
	if (ioctl(fd, EP11SESS_IOC_LOGIN, &lg)) {
		vmt_fail("LOGIN on %02x.%04x for the export probe: %s",
			 apqns[0].card, apqns[0].domain, strerror(errno));
		close(fd);
		return;
	}
	e.handle = lg.handle;
	mprotect(t->ro, page, PROT_READ | PROT_WRITE);
	memcpy(t->ro, &e, sizeof(e));
	mprotect(t->ro, page, PROT_READ);
	before = count_exports();
	ret = ioctl(fd, EP11SESS_IOC_EXPORT, t->ro) ? errno : 0;
	after = count_exports();
	if (ret != EFAULT || after != before)
		vmt_fail("EXPORT with its struct read-only: expected EFAULT and no new fd, got %s and %u new export fds",
			 errname(ret), after - before);
	close_stray_exports();

	/* An administrator's logout that cannot answer ends nothing. */
	if (!run_uid) {
		struct ep11sess_admin_logout a = {
			.size = sizeof(a),
			.flags = EP11SESS_ADMIN_BY_ID,
		};

		memcpy(a.public_id, lg.public_id, sizeof(a.public_id));
		mprotect(t->ro, page, PROT_READ | PROT_WRITE);
		memcpy(t->ro, &a, sizeof(a));
		mprotect(t->ro, page, PROT_READ);
		ret = ioctl(fd, EP11SESS_IOC_ADMIN_LOGOUT, t->ro) ? errno : 0;
		memset(&info, 0, sizeof(info));
		l.entries = (uintptr_t)&info;
		l.entry_size = sizeof(info);
		l.count = 1;
		if (ioctl(fd, EP11SESS_IOC_LIST, &l) || l.count != 1)
			vmt_die("LIST of the probe's session: %s, %u entries",
				strerror(errno), l.count);
		if (ret != EFAULT || info.apqns[0].state != EP11SESS_STATE_LIVE)
			vmt_fail("ADMIN_LOGOUT with its struct read-only: expected EFAULT and the session still live, got %s and state %u",
				 errname(ret), info.apqns[0].state);
		l.entries = 0;
	}

	/* A logout that cannot answer is not done: the handle still works. */
	lo.handle = lg.handle;
	mprotect(t->ro, page, PROT_READ | PROT_WRITE);
	memcpy(t->ro, &lo, sizeof(lo));
	mprotect(t->ro, page, PROT_READ);
	ret = ioctl(fd, EP11SESS_IOC_LOGOUT, t->ro) ? errno : 0;
	l.count = 0;
	if (ioctl(fd, EP11SESS_IOC_LIST, &l))
		vmt_die("LIST: %s", strerror(errno));
	if (ret != EFAULT || l.count != 1)
		vmt_fail("LOGOUT with its struct read-only: expected EFAULT and the session still held, got %s and %u held",
			 errname(ret), l.count);
	if (ioctl(fd, EP11SESS_IOC_LOGOUT, &lo))
		vmt_fail("LOGOUT of the probe's session: %s", strerror(errno));
	close(fd);
}

/*
 * KEEP and ATTACH, like LOGIN and EXPORT: with their struct read-only the
 * answer cannot be written, so they fail with EFAULT and must change
 * nothing: no new keep-alive hold, no new time-to-live for a hold, no
 * release, no handle in the attaching file.
 */
static void probe_named_efault(struct tctx *t)
{
	struct ep11sess_target tg[EP11SESS_MAX_APQNS];
	struct ep11sess_session_info info;
	struct ep11sess_list l = {
		.size = sizeof(l),
		.entries = (uintptr_t)&info,
		.entry_size = sizeof(info),
		.count = 1,
	};
	struct ep11sess_keep k = { .size = sizeof(k) };
	struct ep11sess_attach a = { .size = sizeof(a) };
	struct ep11sess_login lg;
	int fd, fd2, ret;

	fd = open_dev();
	fd2 = open_dev();
	if (fd < 0 || fd2 < 0)
		vmt_die("open /dev/ep11sess: %s", strerror(errno));
	vmt_login_init(&lg, tg, apqns, 1, PIN);
	lg.flags = EP11SESS_LOGIN_NAMED;
	snprintf((char *)lg.name, sizeof(lg.name), "fuzz-probe");
	if (ioctl(fd, EP11SESS_IOC_LOGIN, &lg)) {
		vmt_fail("named LOGIN on %02x.%04x for the KEEP and ATTACH probe: %s",
			 apqns[0].card, apqns[0].domain, strerror(errno));
		goto out;
	}

	k.handle = lg.handle;
	mprotect(t->ro, page, PROT_READ | PROT_WRITE);
	memcpy(t->ro, &k, sizeof(k));
	mprotect(t->ro, page, PROT_READ);
	ret = ioctl(fd, EP11SESS_IOC_KEEP, t->ro) ? errno : 0;
	if (ioctl(fd, EP11SESS_IOC_LIST, &l) || l.count != 1)
		vmt_die("LIST of the probe's session: %s, %u entries",
			strerror(errno), l.count);
	if (ret != EFAULT || (info.flags & EP11SESS_SESSION_KEPT))
		vmt_fail("KEEP with its struct read-only: expected EFAULT and no keep-alive hold, got %s and %s (%u holders)",
			 errname(ret), info.flags & EP11SESS_SESSION_KEPT ?
			 "a hold" : "none", info.holders);
	/* A renewal that cannot be told keeps the hold. */
	memset(&k, 0, sizeof(k));
	k.size = sizeof(k);
	k.handle = lg.handle;
	if (!(info.flags & EP11SESS_SESSION_KEPT) &&
	    ioctl(fd, EP11SESS_IOC_KEEP, &k))
		vmt_fail("KEEP of the probe's session: %s", strerror(errno));
	k.ttl_ms = 60000;
	mprotect(t->ro, page, PROT_READ | PROT_WRITE);
	memcpy(t->ro, &k, sizeof(k));
	mprotect(t->ro, page, PROT_READ);
	ret = ioctl(fd, EP11SESS_IOC_KEEP, t->ro) ? errno : 0;
	l.count = 1;
	if (ioctl(fd, EP11SESS_IOC_LIST, &l) || l.count != 1)
		vmt_die("LIST of the probe's session: %s, %u entries",
			strerror(errno), l.count);
	if (ret != EFAULT || !(info.flags & EP11SESS_SESSION_KEPT) ||
	    info.keep_expires_ns)
		vmt_fail("KEEP renewal with a time-to-live, its struct read-only: expected EFAULT and the hold kept as it was (no expiry), got %s, %s, expiry %llu",
			 errname(ret), info.flags & EP11SESS_SESSION_KEPT ?
			 "a hold" : "no hold",
			 (unsigned long long)info.keep_expires_ns);
	k.ttl_ms = 0;
	k.flags = EP11SESS_KEEP_RELEASE;
	mprotect(t->ro, page, PROT_READ | PROT_WRITE);
	memcpy(t->ro, &k, sizeof(k));
	mprotect(t->ro, page, PROT_READ);
	ret = ioctl(fd, EP11SESS_IOC_KEEP, t->ro) ? errno : 0;
	l.count = 1;
	if (ioctl(fd, EP11SESS_IOC_LIST, &l) || l.count != 1)
		vmt_die("LIST of the probe's session: %s, %u entries",
			strerror(errno), l.count);
	if (ret != EFAULT || !(info.flags & EP11SESS_SESSION_KEPT))
		vmt_fail("KEEP release with its struct read-only: expected EFAULT and the hold still there, got %s and %s",
			 errname(ret), info.flags & EP11SESS_SESSION_KEPT ?
			 "a hold" : "no hold");
	if (ioctl(fd, EP11SESS_IOC_KEEP, &k))
		vmt_fail("KEEP release of the probe's session: %s",
			 strerror(errno));

	memcpy(a.name, lg.name, sizeof(a.name));
	a.scope = EP11SESS_SCOPE_UID;
	a.id = run_uid;
	mprotect(t->ro, page, PROT_READ | PROT_WRITE);
	memcpy(t->ro, &a, sizeof(a));
	mprotect(t->ro, page, PROT_READ);
	ret = ioctl(fd2, EP11SESS_IOC_ATTACH, t->ro) ? errno : 0;
	l.count = 1;
	if (ioctl(fd2, EP11SESS_IOC_LIST, &l))
		vmt_die("LIST of the attaching file: %s", strerror(errno));
	if (ret != EFAULT || l.count)
		vmt_fail("ATTACH with its struct read-only: expected EFAULT and no session held by the file, got %s and %u held",
			 errname(ret), l.count);
out:
	close(fd2);
	close(fd);
}

/*
 * A caller built against the ABI version 1 header: its LOGIN struct ends
 * at @reserved, its list entries at @apqns, its status entries at
 * @request_ns's predecessors, and all of them work; the kernel writes no
 * further than the entry size.
 */
/*
 * STATUS with its ABI version 1 struct: the kernel writes the version 1
 * fields and nothing of the orphan counts that follow them.
 */
static void probe_v1_status(int fd)
{
	uint8_t sts[sizeof(struct ep11sess_apqn_status)];
	union {
		struct ep11sess_status s;
		uint8_t b[sizeof(struct ep11sess_status)];
	} u;
	size_t i;

	memset(&u, 0x5a, sizeof(u));
	memset(&u.s, 0, EP11SESS_STATUS_SIZE_VER1);
	u.s.size = EP11SESS_STATUS_SIZE_VER1;
	u.s.flags = EP11SESS_STATUS_CACHED;
	u.s.entries = (uintptr_t)sts;
	u.s.entry_size = sizeof(sts);
	u.s.count = 1;
	if (ioctl(fd, EP11SESS_IOC_STATUS, &u)) {
		vmt_fail("STATUS with the ABI version 1 size %u: expected success, got %s",
			 EP11SESS_STATUS_SIZE_VER1, strerror(errno));
		return;
	}
	for (i = EP11SESS_STATUS_SIZE_VER1; i < sizeof(u); i++)
		if (u.b[i] != 0x5a)
			break;
	if (!u.s.count || i < sizeof(u))
		vmt_fail("STATUS with the ABI version 1 size %u: expected APQNs and nothing written past the struct, got %u APQNs, byte %zu 0x%02x",
			 EP11SESS_STATUS_SIZE_VER1, u.s.count, i,
			 i < sizeof(u) ? u.b[i] : 0);
}

static void probe_v1_sizes(void)
{
	const size_t v1_info = EP11SESS_SESSION_INFO_SIZE_VER1;
	const size_t v1_st = EP11SESS_APQN_STATUS_SIZE_VER1;
	uint8_t sts[2 * sizeof(struct ep11sess_apqn_status)];
	struct ep11sess_status s = {
		.size = sizeof(s),
		.flags = EP11SESS_STATUS_CACHED,
		.entries = (uintptr_t)sts,
		.entry_size = v1_st,
		.count = 1,
	};
	struct ep11sess_target tg[EP11SESS_MAX_APQNS];
	uint8_t entries[2 * sizeof(struct ep11sess_session_info)];
	struct ep11sess_session_info info;
	struct ep11sess_list l = {
		.size = sizeof(l),
		.entries = (uintptr_t)entries,
		.entry_size = v1_info,
		.count = 1,
	};
	struct ep11sess_logout lo = { .size = sizeof(lo) };
	struct ep11sess_login lg;
	int fd;

	fd = open_dev();
	if (fd < 0)
		vmt_die("open /dev/ep11sess: %s", strerror(errno));
	vmt_login_init(&lg, tg, apqns, 1, PIN);
	lg.size = offsetof(struct ep11sess_login, name);
	if (ioctl(fd, EP11SESS_IOC_LOGIN, &lg) || !lg.handle) {
		vmt_fail("LOGIN with the ABI version 1 size %u: expected success and a handle, got %s and handle %u",
			 lg.size, strerror(errno), lg.handle);
		close(fd);
		return;
	}
	memset(entries, 0x5a, sizeof(entries));
	if (ioctl(fd, EP11SESS_IOC_LIST, &l)) {
		vmt_fail("LIST with the ABI version 1 entry size %zu: expected success, got %s",
			 v1_info, strerror(errno));
	} else {
		memcpy(&info, entries, v1_info);
		if (l.count != 1 || info.handle != lg.handle ||
		    entries[v1_info] != 0x5a)
			vmt_fail("LIST with the ABI version 1 entry size %zu: expected 1 entry of handle %u and nothing written past it, got %u entries, handle %u, byte %zu 0x%02x",
				 v1_info, lg.handle, l.count, info.handle,
				 v1_info, entries[v1_info]);
	}
	lo.handle = lg.handle;
	if (ioctl(fd, EP11SESS_IOC_LOGOUT, &lo))
		vmt_fail("LOGOUT of the ABI version 1 login: %s",
			 strerror(errno));
	memset(sts, 0x5a, sizeof(sts));
	if (ioctl(fd, EP11SESS_IOC_STATUS, &s))
		vmt_fail("STATUS with the ABI version 1 entry size %zu: expected success, got %s",
			 v1_st, strerror(errno));
	else if (!s.count || sts[v1_st] != 0x5a)
		vmt_fail("STATUS with the ABI version 1 entry size %zu: expected APQNs and nothing written past the first entry, got %u APQNs, byte %zu 0x%02x",
			 v1_st, s.count, v1_st, sts[v1_st]);
	probe_v1_status(fd);
	close(fd);
}

/* A name for a message: the string when it is one, else hex. */
static const char *name_str(const uint8_t *name, char *buf, size_t cap)
{
	unsigned int i, n = 0;

	for (i = 0; i < EP11SESS_NAME_LEN && name[i]; i++)
		if (name[i] < 0x20 || name[i] > 0x7e)
			break;
	if (i && (i == EP11SESS_NAME_LEN || !name[i]) &&
	    !memchr_inv_zero(name + i, EP11SESS_NAME_LEN - i)) {
		snprintf(buf, cap, "'%.*s'", (int)i, (const char *)name);
		return buf;
	}
	for (i = 0; i < EP11SESS_NAME_LEN && n + 3 < cap; i++)
		n += snprintf(buf + n, cap - n, "%02x", name[i]);
	return buf;
}

/* What end_named() found. */
struct end_fig {
	unsigned int everyone;	/* logged out for everyone */
	unsigned int expired;	/* short holds waited out */
	/* The holds placed on the names before the close, 0: none. */
	uint32_t end_ttl[NNAMES];
	bool end_kept[NNAMES];
};

/*
 * Once the calls' files are closed: each name in the caller's uid scope
 * gets a session (the live one a hold kept, or a new login) and a
 * keep-alive hold, half of them with a short time-to-live and half with
 * none, and the file goes too.  The holds must outlive it; the short ones
 * then end by themselves, the others stay until end_named() logs them
 * out.
 */
static void end_keep(struct end_fig *ef)
{
	struct ep11sess_target tg[EP11SESS_MAX_APQNS];
	struct ep11sess_keep k;
	struct ep11sess_attach a;
	struct ep11sess_login lg;
	unsigned int i;
	uint32_t h;
	int fd;

	fd = open_dev();
	if (fd < 0)
		vmt_die("open /dev/ep11sess for the last holds: %s",
			strerror(errno));
	for (i = 0; i < NNAMES; i++) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		memcpy(a.name, names[i], sizeof(a.name));
		a.id = run_uid;
		h = 0;
		if (!ioctl(fd, EP11SESS_IOC_ATTACH, &a)) {
			h = a.handle;
		} else if (errno == ENOENT) {
			vmt_login_init(&lg, tg, &apqns[i % napqns], 1, PIN);
			lg.flags = EP11SESS_LOGIN_NAMED;
			memcpy(lg.name, names[i], sizeof(lg.name));
			if (!ioctl(fd, EP11SESS_IOC_LOGIN, &lg))
				h = lg.handle;
			else if (errno != ENOSPC && errno != EBUSY)
				vmt_fail("named LOGIN of %s before the close: %s",
					 names[i], strerror(errno));
		} else {
			vmt_fail("ATTACH to %s before the close: expected success or ENOENT, got %s",
				 names[i], errname(errno));
		}
		if (!h)
			continue;
		memset(&k, 0, sizeof(k));
		k.size = sizeof(k);
		k.handle = h;
		k.ttl_ms = i % 2 ? 0 : SHORT_TTL_MS / 2;
		if (ioctl(fd, EP11SESS_IOC_KEEP, &k)) {
			vmt_fail("KEEP of %s before the close: expected success, got %s",
				 names[i], errname(errno));
			continue;
		}
		ef->end_kept[i] = true;
		ef->end_ttl[i] = k.ttl_ms;
	}
	close(fd);
}

/*
 * Every file is closed and the short holds have had their time: each name
 * a named login was tried with is attached to.  A session still alive
 * must have no holder but the attach and a keep-alive hold; a hold with a
 * short time-to-live must end by itself (within EXPIRY_GRACE_MS of its
 * expiry); the others, without a time-to-live or with a long one, are
 * logged out for everyone, after which the name is found no more.
 */
static void end_named(struct end_fig *ef)
{
	struct ep11sess_session_info info;
	struct ep11sess_list l = {
		.size = sizeof(l),
		.entries = (uintptr_t)&info,
		.entry_size = sizeof(info),
	};
	struct ep11sess_logout lo = { .size = sizeof(lo) };
	struct ep11sess_attach a;
	unsigned int i, j, n = atomic_load(&st->nreg), rounds;
	struct named_rec *r;
	bool kept, ended;
	int base;
	char nbuf[40];
	uint64_t now;
	int fd;

	fd = open_dev();
	if (fd < 0)
		vmt_die("open /dev/ep11sess for the named sessions: %s",
			strerror(errno));
	for (i = 0; i < n && i < NREG; i++) {
		r = &st->reg[i];
		if (!atomic_load(&r->ready))
			continue;
		name_str(r->name, nbuf, sizeof(nbuf));
		ended = false;
		/* One of the names end_keep() kept? */
		base = -1;
		for (j = 0; j < NNAMES && r->scope == EP11SESS_SCOPE_UID; j++)
			if (!memcmp(r->name, names[j], EP11SESS_NAME_LEN))
				base = j;
		for (rounds = 0; rounds < 1000; rounds++) {
			memset(&a, 0, sizeof(a));
			a.size = sizeof(a);
			memcpy(a.name, r->name, sizeof(a.name));
			a.scope = r->scope;
			a.id = r->id;
			if (ioctl(fd, EP11SESS_IOC_ATTACH, &a)) {
				if (errno != ENOENT)
					vmt_fail("ATTACH to %s (scope %u id %u) at the end: expected success or ENOENT, got %s",
						 nbuf, r->scope, r->id,
						 errname(errno));
				else if (!ended && base >= 0 &&
					 ef->end_kept[base] && !ef->end_ttl[base])
					vmt_fail("%s, kept without a time-to-live before every file was closed: expected its session alive until logged out for everyone, got ENOENT",
						 nbuf);
				break;
			}
			if (ended) {
				vmt_fail("ATTACH to %s (scope %u id %u) after its logout for everyone: expected ENOENT, got a session",
					 nbuf, r->scope, r->id);
				lo.handle = a.handle;
				lo.flags = 0;
				ioctl(fd, EP11SESS_IOC_LOGOUT, &lo);
				break;
			}
			l.count = 1;
			if (ioctl(fd, EP11SESS_IOC_LIST, &l) || l.count != 1 ||
			    info.handle != a.handle)
				vmt_die("LIST after the ATTACH to %s: %s, %u entries, handle %u (expected %u)",
					nbuf, strerror(errno), l.count,
					info.handle, a.handle);
			kept = info.flags & EP11SESS_SESSION_KEPT;
			if (info.holders != 1U + kept)
				vmt_fail("named session %s (scope %u id %u) after every file was closed: expected %u holders (the attach%s), got %u",
					 nbuf, r->scope, r->id, 1 + kept,
					 kept ? " and the keep-alive hold" : "",
					 info.holders);
			now = real_ns();
			lo.handle = a.handle;
			if (kept && info.keep_expires_ns &&
			    info.keep_expires_ns < now + 60000000000ULL &&
			    now < info.keep_expires_ns +
				  EXPIRY_GRACE_MS * 1000000ULL) {
				/* A short hold: it must end by itself. */
				lo.flags = 0;
				if (ioctl(fd, EP11SESS_IOC_LOGOUT, &lo))
					vmt_die("LOGOUT of the attach to %s: %s",
						nbuf, strerror(errno));
				if (!rounds)
					ef->expired++;
				usleep(50 * 1000);
				continue;
			}
			if (kept && info.keep_expires_ns &&
			    info.keep_expires_ns < now)
				vmt_fail("keep-alive hold of %s (scope %u id %u): still there %" PRIu64 " ms after its expiry",
					 nbuf, r->scope, r->id,
					 (uint64_t)(now - info.keep_expires_ns) / 1000000);
			lo.flags = EP11SESS_LOGOUT_EVERYONE;
			if (ioctl(fd, EP11SESS_IOC_LOGOUT, &lo)) {
				vmt_fail("LOGOUT for everyone of %s at the end: expected success, got %s",
					 nbuf, errname(errno));
				lo.flags = 0;
				ioctl(fd, EP11SESS_IOC_LOGOUT, &lo);
			}
			ef->everyone++;
			ended = true;
		}
	}
	close(fd);
}

static void drop_privileges(uid_t uid)
{
	gid_t g = FUZZ_GID;

	if (setgroups(1, &g) || setgid(uid) || setuid(uid))
		vmt_die("dropping to uid %u: %s", uid, strerror(errno));
	if (!setuid(0))
		vmt_die("uid %u could become root again", uid);
}

/*
 * The names, the caller's groups (for group scopes) and a few it is not
 * in; the names in every scope are remembered for the end whatever the
 * logins make of them.
 */
static void scopes_init(void)
{
	static const gid_t others[] = { 0, FUZZ_GID + 1, 65534, 100, 31337 };
	gid_t g[MAX_GIDS];
	unsigned int i, j;
	int n;

	in_gids[nin_gids++] = getegid();
	n = getgroups(MAX_GIDS, g);
	for (j = 0; n > 0 && j < (unsigned int)n; j++)
		if (!in_group(g[j]) && nin_gids < MAX_GIDS)
			in_gids[nin_gids++] = g[j];
	for (j = 0; j < sizeof(others) / sizeof(others[0]); j++)
		if (!in_group(others[j]) && nout_gids < MAX_GIDS)
			out_gids[nout_gids++] = others[j];
	for (i = 0; i < NNAMES; i++) {
		snprintf((char *)names[i], EP11SESS_NAME_LEN, "fuzz-name-%u", i);
		name_register(names[i], EP11SESS_SCOPE_UID, 0);
		for (j = 0; j < nin_gids; j++)
			name_register(names[i], EP11SESS_SCOPE_GID, in_gids[j]);
	}
}

static void print_figures(double secs, unsigned int stray,
			  const struct end_fig *ef)
{
	unsigned int i, held = 0, forever = 0;
	unsigned long total = 0;

	for (i = 0; i < NCMD; i++)
		total += atomic_load(&st->per_cmd[i]);
	for (i = 0; i < NNAMES; i++) {
		held += ef->end_kept[i];
		forever += ef->end_kept[i] && !ef->end_ttl[i];
	}
	printf("fuzz-ioctl: seed 0x%016" PRIx64 " (repeat with -s 0x%" PRIx64 "), uid %u, %u threads\n",
	       seed, seed, run_uid, nthreads);
	printf("fuzz-ioctl: %lu calls in %.1f s (%.0f/s), %lu of them in fork children\n",
	       total, secs, total / secs, atomic_load(&st->child_calls));
	printf("fuzz-ioctl: calls per command (successes, time in them):");
	for (i = 0; i < NCMD; i++)
		printf(" %s %lu (%lu, %.1f s)", cmds[i].name,
		       atomic_load(&st->per_cmd[i]), atomic_load(&st->ok[i]),
		       atomic_load(&st->ns[i]) / 1e9);
	printf("\nfuzz-ioctl: errno histogram:");
	for (i = 0; i <= ERRNO_MAX; i++)
		if (atomic_load(&st->err[i]))
			printf(" %s %lu", i ? errname(i) : "OK",
			       atomic_load(&st->err[i]));
	printf("\nfuzz-ioctl: logins seen %lu (joined %lu), exports %lu, imports %lu, fds replaced %lu (closed %lu), forks %lu (killed %lu), stray export fds %u\n",
	       atomic_load(&st->sessions), atomic_load(&st->joined),
	       atomic_load(&st->exports), atomic_load(&st->imports),
	       atomic_load(&st->replaced), atomic_load(&st->closed),
	       atomic_load(&st->forks), atomic_load(&st->killed), stray);
	printf("fuzz-ioctl: named logins %lu, attaches %lu, keep-alive holds %lu (%lu without a short time-to-live), released %lu, logouts for everyone %lu; names tried %u; before the close %u holds placed (%u without a time-to-live); at the end %u holds expired by themselves, %u sessions logged out for everyone\n",
	       atomic_load(&st->named), atomic_load(&st->attached),
	       atomic_load(&st->kept), atomic_load(&st->kept_forever),
	       atomic_load(&st->released), atomic_load(&st->everyone),
	       atomic_load(&st->nreg) < NREG ? atomic_load(&st->nreg) : NREG,
	       held, forever, ef->expired, ef->everyone);
}

int main(int argc, char **argv)
{
	struct apqn_fig base[EP11SESS_MAX_APQNS], now[EP11SESS_MAX_APQNS];
	struct end_fig endf = { 0 };
	struct tctx *t;
	struct rlimit rl;
	struct stat sb;
	unsigned int i, stray;
	bool drop = false, ok;
	double t0, secs;
	int opt, fd;

	vmt_prefix = "fuzz-ioctl: ";
	seed = splitmix((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
	while ((opt = getopt(argc, argv, "s:n:t:u:x:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			ncalls = strtoul(optarg, NULL, 0);
			break;
		case 't':
			nthreads = strtoul(optarg, NULL, 0);
			break;
		case 'u':
			run_uid = strtoul(optarg, NULL, 0);
			drop = true;
			break;
		case 'x':
			no_named |= !!strchr(optarg, 'n');
			no_everyone |= !!strchr(optarg, 'e');
			no_fork |= !!strchr(optarg, 'f');
			no_kill |= !!strchr(optarg, 'k');
			no_shared |= !!strchr(optarg, 's');
			one_apqn |= !!strchr(optarg, '1');
			no_admin |= !!strchr(optarg, 'a');
			break;
		default:
			vmt_die("usage: fuzz-ioctl [-s SEED] [-n CALLS] [-t THREADS] [-u UID] [-x fks1ane] APQN...");
		}
	}
	if (nthreads < 1 || nthreads > MAX_THREADS)
		vmt_die("-t: 1 to %d threads", MAX_THREADS);
	for (; optind < argc && napqns < EP11SESS_MAX_APQNS; optind++)
		apqns[napqns++] = vmt_apqn(argv[optind]);
	if (!napqns)
		vmt_die("give the APQNs of the emulated cards");
	printf("fuzz-ioctl: seed 0x%016" PRIx64 "\n", seed);
	fflush(stdout);

	page = sysconf(_SC_PAGESIZE);
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED)
		vmt_die("mmap: %s", strerror(errno));
	memset(st, 0, sizeof(*st));
	/* EXPORT may leave fds behind; do not let them run out. */
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (stat("/dev/ep11sess", &sb))
		vmt_die("/dev/ep11sess: %s", strerror(errno));
	dev_rdev = sb.st_rdev;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		vmt_die("/dev/null: %s", strerror(errno));
	for (i = 0; i < NSLOTS; i++) {
		atomic_store(&slots[i].fd, vmt_open_dev());
		atomic_store(&slots[i].kind, 1);
		atomic_flag_clear(&slots[i].busy);
	}
	for (i = 0; i < NEXPORTS; i++)
		atomic_store(&exports[i], -1);
	fd = vmt_open_dev();
	if (figures(fd, base))
		vmt_die("status: the APQNs given are not all registered");
	close(fd);
	if (drop) {
		drop_privileges(run_uid);
	} else {
		gid_t g = FUZZ_GID;

		run_uid = geteuid();
		/* A supplementary group here too, where allowed. */
		if (!run_uid && setgroups(1, &g))
			vmt_die("setgroups: %s", strerror(errno));
	}
	scopes_init();

	t = calloc(nthreads, sizeof(*t));
	if (!t)
		vmt_die("out of memory");
	t0 = vmt_now_us();
	for (i = 0; i < nthreads; i++) {
		tctx_init(&t[i], i);
		if (pthread_create(&t[i].th, NULL, thread_main, &t[i]))
			vmt_die("pthread_create failed");
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(t[i].th, NULL);
	secs = (vmt_now_us() - t0) / 1e6;

	for (i = 0; i < NSLOTS; i++)
		close(atomic_load(&slots[i].fd));
	for (i = 0; i < NEXPORTS; i++)
		if (atomic_load(&exports[i]) > 2)
			close(atomic_load(&exports[i]));
	stray = close_stray_exports();
	if (!no_named)
		end_keep(&endf);
	/* The short holds' time, then the names that outlived every file. */
	usleep((SHORT_TTL_MS + 50) * 1000);
	end_named(&endf);
	print_figures(secs, stray, &endf);
	if (stray)
		vmt_fail("EXPORT left %u export fds that the caller was never told of (it failed after installing them)",
			 stray);
	probe_efault(&t[0]);
	if (!no_named)
		probe_named_efault(&t[0]);
	probe_v1_sizes();

	/* Every hold is gone: the cards must come back to their baseline. */
	fd = open_dev();
	if (fd < 0)
		vmt_die("open /dev/ep11sess for the end check: %s",
			strerror(errno));
	ok = false;
	for (i = 0; i < END_WAIT_S * 10 && !ok; i++) {
		if (figures(fd, now))
			vmt_die("status at the end failed");
		ok = at_baseline(now, base);
		if (!ok)
			usleep(100 * 1000);
	}
	for (i = 0; i < napqns; i++) {
		printf("fuzz-ioctl: %02x.%04x: card used %u of %u (baseline %u), kernel held %u (card %u), pending %u; logins %" PRIu64 " logouts %" PRIu64 " reclaimed %" PRIu64 " lost %" PRIu64 " errors %" PRIu64 "\n",
		       apqns[i].card, apqns[i].domain, now[i].used, now[i].max,
		       base[i].used, now[i].held, now[i].card_held,
		       now[i].pending, now[i].logins - base[i].logins,
		       now[i].logouts - base[i].logouts,
		       now[i].reclaimed - base[i].reclaimed,
		       now[i].lost - base[i].lost,
		       now[i].errors - base[i].errors);
	}
	if (!ok)
		vmt_fail("the cards did not come back to their baseline within %d s of the last close",
			 END_WAIT_S);
	close(fd);
	if (atomic_load(&st->unexpected))
		vmt_fail("%lu calls had unexpected results (above: at most %d of each kind, %d in all)",
			 atomic_load(&st->unexpected), REPORT_SAME, REPORT_MAX);
	if (!vmt_failed)
		printf("fuzz-ioctl: ok\n");
	return vmt_failed;
}
