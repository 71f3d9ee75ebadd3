// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-dev.c: lib/dev.h on the host, without the driver.
 *
 * - The errno and card return code tables, value by value against the
 *   rules dev.h states, and every errno docs/ioctl.md names and every code
 *   docs/ep11-wire.md names covered by those rules.
 * - ck_dev_open() on what is not the device: a missing node, /dev/null, a
 *   regular file; a clear message, no file descriptor left open.
 * - The ioctl wrappers against a fake driver: this program's own ioctl()
 *   answers the ep11sess commands on /dev/null as the kernel would, and
 *   checks every argument against include/uapi/linux/ep11sess.h (sizes,
 *   flags, reserved and output fields zero).  It pins EINTR handling, the
 *   LIST/STATUS count loop, and the named logins' commands (a login's
 *   name and scope, ATTACH, KEEP, LOGOUT_EVERYONE).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>
#include <libudev.h>
#include <linux/ep11.h>

#include "dev.h"

#ifndef CK_SOURCE_ROOT
#error "CK_SOURCE_ROOT must name the source tree"
#endif

/* ---- the errno table ---------------------------------------------------- */

/**
 * struct errno_rule - what dev.h says an errno becomes, per op
 * @name:   the errno's name as the docs write it
 * @err:    its value
 * @rv:     the expected CKR_* value, indexed by enum ck_op
 */
struct errno_rule {
	const char *name;
	int err;
	CK_RV rv[4];
};

#define SAME(rv)	{ rv, rv, rv, rv }

/* Written from dev.h's comment of ck_errno_to_rv(), rule by rule. */
static const struct errno_rule errno_rules[] = {
	/* ENOSPC -> CKR_SESSION_COUNT for strict, CKR_DEVICE_MEMORY else. */
	{ "ENOSPC", ENOSPC, {
		[CK_OP_LOGIN] = CKR_DEVICE_MEMORY,
		[CK_OP_LOGIN_STRICT] = CKR_SESSION_COUNT,
		[CK_OP_SEND] = CKR_DEVICE_MEMORY,
		[CK_OP_OTHER] = CKR_DEVICE_MEMORY } },
	{ "ENODEV", ENODEV, SAME(CKR_DEVICE_REMOVED) },
	{ "ESTALE", ESTALE, SAME(CKR_USER_NOT_LOGGED_IN) },
	{ "ENOMEM", ENOMEM, SAME(CKR_HOST_MEMORY) },
	{ "EMFILE", EMFILE, SAME(CKR_HOST_MEMORY) },
	{ "ENFILE", ENFILE, SAME(CKR_HOST_MEMORY) },
	/* EACCES -> CKR_PIN_INCORRECT at login, CKR_GENERAL_ERROR otherwise. */
	{ "EACCES", EACCES, {
		[CK_OP_LOGIN] = CKR_PIN_INCORRECT,
		[CK_OP_LOGIN_STRICT] = CKR_PIN_INCORRECT,
		[CK_OP_SEND] = CKR_GENERAL_ERROR,
		[CK_OP_OTHER] = CKR_GENERAL_ERROR } },
	/* EEXIST -> CKR_USER_ANOTHER_ALREADY_LOGGED_IN at login, else GENERAL. */
	{ "EEXIST", EEXIST, {
		[CK_OP_LOGIN] = CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
		[CK_OP_LOGIN_STRICT] = CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
		[CK_OP_SEND] = CKR_GENERAL_ERROR,
		[CK_OP_OTHER] = CKR_GENERAL_ERROR } },
	{ "EINVAL", EINVAL, SAME(CKR_ARGUMENTS_BAD) },
	{ "E2BIG", E2BIG, SAME(CKR_ARGUMENTS_BAD) },
	{ "EBADF", EBADF, SAME(CKR_ARGUMENTS_BAD) },
	{ "EINTR", EINTR, SAME(CKR_FUNCTION_CANCELED) },
	{ "EPERM", EPERM, SAME(CKR_FUNCTION_REJECTED) },
	/* EDQUOT (the host's share, the user's quota): as ENOSPC. */
	{ "EDQUOT", EDQUOT, {
		[CK_OP_LOGIN] = CKR_DEVICE_MEMORY,
		[CK_OP_LOGIN_STRICT] = CKR_SESSION_COUNT,
		[CK_OP_SEND] = CKR_DEVICE_MEMORY,
		[CK_OP_OTHER] = CKR_DEVICE_MEMORY } },
	{ "ETIMEDOUT", ETIMEDOUT, SAME(CKR_DEVICE_ERROR) },
	{ "EIO", EIO, SAME(CKR_DEVICE_ERROR) },
	{ "EPROTO", EPROTO, SAME(CKR_DEVICE_ERROR) },
	{ "EBADMSG", EBADMSG, SAME(CKR_DEVICE_ERROR) },
	{ "EBUSY", EBUSY, SAME(CKR_DEVICE_ERROR) },
	{ "EREMOTEIO", EREMOTEIO, SAME(CKR_DEVICE_ERROR) },
	{ "EXDEV", EXDEV, SAME(CKR_DEVICE_ERROR) },
	{ "ECANCELED", ECANCELED, SAME(CKR_DEVICE_ERROR) },
	/* "anything else (ENOENT, EFAULT, EMSGSIZE, ENOTTY...) CKR_GENERAL_ERROR" */
	{ "ENOENT", ENOENT, SAME(CKR_GENERAL_ERROR) },
	{ "EFAULT", EFAULT, SAME(CKR_GENERAL_ERROR) },
	{ "EMSGSIZE", EMSGSIZE, SAME(CKR_GENERAL_ERROR) },
	{ "ENOTTY", ENOTTY, SAME(CKR_GENERAL_ERROR) },
	{ "EAGAIN", EAGAIN, SAME(CKR_GENERAL_ERROR) },
	{ "ENOSYS", ENOSYS, SAME(CKR_GENERAL_ERROR) },
	{ "ERANGE", ERANGE, SAME(CKR_GENERAL_ERROR) },
	{ "4095", 4095, SAME(CKR_GENERAL_ERROR) },
	/* 0 -> CKR_OK */
	{ "0", 0, SAME(CKR_OK) },
};

#define NRULES	(sizeof(errno_rules) / sizeof(errno_rules[0]))

static const char *const op_names[] = {
	"CK_OP_LOGIN", "CK_OP_LOGIN_STRICT", "CK_OP_SEND", "CK_OP_OTHER",
};

static void test_errno_rules(void **state)
{
	unsigned int i, op;
	CK_RV got;

	for (i = 0; i < NRULES; i++) {
		const struct errno_rule *r = &errno_rules[i];

		for (op = CK_OP_LOGIN; op <= CK_OP_OTHER; op++) {
			got = ck_errno_to_rv(r->err, (enum ck_op)op);
			if (got != r->rv[op])
				fail_msg("%s at %s: expected 0x%lx, got 0x%lx",
					 r->name, op_names[op], r->rv[op], got);
			got = ck_errno_to_rv(-r->err, (enum ck_op)op);
			if (got != r->rv[op])
				fail_msg("-%s at %s: expected 0x%lx, got 0x%lx",
					 r->name, op_names[op], r->rv[op], got);
		}
	}
}

/* Values no errno has, and an op the enum does not name, never crash. */
static void test_errno_odd_values(void **state)
{
	assert_int_equal(ck_errno_to_rv(INT_MIN, CK_OP_SEND),
			 CKR_GENERAL_ERROR);
	assert_int_equal(ck_errno_to_rv(INT_MAX, CK_OP_SEND),
			 CKR_GENERAL_ERROR);
	/* An unknown op counts as CK_OP_OTHER. */
	assert_int_equal(ck_errno_to_rv(EACCES, (enum ck_op)99),
			 CKR_GENERAL_ERROR);
	assert_int_equal(ck_errno_to_rv(-ENOSPC, (enum ck_op)-1),
			 CKR_DEVICE_MEMORY);
}

static char *read_doc(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	char *text;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", CK_SOURCE_ROOT, rel);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot read %s: %s", path, strerror(errno));
	assert_int_equal(fstat(fileno(f), &st), 0);
	text = calloc(1, (size_t)st.st_size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)st.st_size, f),
			 (size_t)st.st_size);
	fclose(f);
	return text;
}

/* Every errno docs/ioctl.md names (`EXXX` or `-EXXX`) has its rule here. */
static void test_errno_doc_coverage(void **state)
{
	char *doc = read_doc("docs/ioctl.md"), *p, name[32];
	unsigned int found = 0, i;
	size_t n;

	for (p = doc; (p = strchr(p, '`')); ) {
		char *s = p + 1;

		p = s;
		if (*s == '-')
			s++;
		if (*s != 'E')
			continue;
		n = strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") + 1;
		if (s[n] != '`' || n < 3 || n >= sizeof(name))
			continue;
		memcpy(name, s, n);
		name[n] = '\0';
		for (i = 0; i < NRULES; i++)
			if (!strcmp(errno_rules[i].name, name))
				break;
		if (i == NRULES)
			fail_msg("docs/ioctl.md names %s, which no rule of this test covers",
				 name);
		found++;
		p = s + n + 1;
	}
	free(doc);
	/* The doc names about twenty errnos, most of them several times. */
	if (found < 40)
		fail_msg("expected at least 40 errnos in docs/ioctl.md, found %u",
			 found);
}

/* ---- the card return code table ----------------------------------------- */

/**
 * struct rc_rule - what dev.h says a card code becomes
 * @name: the code's name as docs/ep11-wire.md writes it
 * @rc:   the code
 * @rv:   the expected CKR_* value
 */
struct rc_rule {
	const char *name;
	uint32_t rc;
	CK_RV rv;
};

#define PASS(x)		{ #x, x, x }
#define DEVERR(x)	{ #x, x, CKR_DEVICE_ERROR }

/* Written from dev.h's comment of ck_card_rc_to_rv(), rule by rule. */
static const struct rc_rule rc_rules[] = {
	{ "CKR_OK", CKR_OK, CKR_OK },
	/* The request's keys, mechanism, template and data pass through. */
	PASS(CKR_ATTRIBUTE_READ_ONLY),
	PASS(CKR_ATTRIBUTE_SENSITIVE),
	PASS(CKR_ATTRIBUTE_TYPE_INVALID),
	PASS(CKR_ATTRIBUTE_VALUE_INVALID),
	PASS(CKR_CURVE_NOT_SUPPORTED),
	PASS(CKR_DATA_INVALID),
	PASS(CKR_DATA_LEN_RANGE),
	PASS(CKR_ENCRYPTED_DATA_INVALID),
	PASS(CKR_ENCRYPTED_DATA_LEN_RANGE),
	PASS(CKR_KEY_FUNCTION_NOT_PERMITTED),
	PASS(CKR_KEY_NOT_WRAPPABLE),
	PASS(CKR_KEY_SIZE_RANGE),
	PASS(CKR_KEY_TYPE_INCONSISTENT),
	PASS(CKR_MECHANISM_INVALID),
	PASS(CKR_MECHANISM_PARAM_INVALID),
	PASS(CKR_SIGNATURE_INVALID),
	PASS(CKR_SIGNATURE_LEN_RANGE),
	PASS(CKR_TEMPLATE_INCOMPLETE),
	PASS(CKR_TEMPLATE_INCONSISTENT),
	PASS(CKR_WRAPPED_KEY_INVALID),
	PASS(CKR_WRAPPED_KEY_LEN_RANGE),
	/* A function the card does not have passes through too. */
	PASS(CKR_FUNCTION_NOT_SUPPORTED),
	/* The card's session, the transport, the encoding, CKR_PIN_*. */
	DEVERR(CKR_SESSION_CLOSED),
	DEVERR(CKR_SESSION_COUNT),
	DEVERR(CKR_ARGUMENTS_BAD),
	DEVERR(CKR_BUFFER_TOO_SMALL),
	DEVERR(CKR_PIN_INCORRECT),
	DEVERR(CKR_PIN_INVALID),
	DEVERR(CKR_PIN_LEN_RANGE),
	DEVERR(CKR_PIN_EXPIRED),
	DEVERR(CKR_PIN_LOCKED),
	/* Every IBM vendor code. */
	{ "CKR_IBM_WKID_MISMATCH", 0x80010001, CKR_DEVICE_ERROR },
	{ "CKR_IBM_INTERNAL_ERROR", 0x80010002, CKR_DEVICE_ERROR },
	{ "CKR_IBM_TRANSPORT_ERROR", 0x80010003, CKR_DEVICE_ERROR },
	{ "CKR_IBM_BLOB_ERROR", 0x80010004, CKR_DEVICE_ERROR },
	{ "CKR_IBM_REQ_TIMEOUT", 0x8001000b, CKR_DEVICE_ERROR },
	{ "CKR_IBM_SESSION_IMMUTABLE", 0x80010033, CKR_DEVICE_ERROR },
	{ "CKR_VENDOR_DEFINED", 0x80000000, CKR_DEVICE_ERROR },
	{ "a vendor code nobody defined", 0x80012345, CKR_DEVICE_ERROR },
	{ "the largest vendor code", 0xffffffff, CKR_DEVICE_ERROR },
	/* CKR_HOST_MEMORY becomes CKR_DEVICE_MEMORY. */
	{ "CKR_HOST_MEMORY", CKR_HOST_MEMORY, CKR_DEVICE_MEMORY },
	/* A code in neither list: CKR_DEVICE_ERROR. */
	DEVERR(CKR_DEVICE_ERROR),
	DEVERR(CKR_GENERAL_ERROR),
	DEVERR(CKR_FUNCTION_FAILED),
	DEVERR(CKR_SLOT_ID_INVALID),
	DEVERR(CKR_USER_NOT_LOGGED_IN),
	DEVERR(CKR_OPERATION_ACTIVE),
	{ "an undefined code", 0x1234, CKR_DEVICE_ERROR },
	{ "the largest standard code", 0x7fffffff, CKR_DEVICE_ERROR },
};

#define NRCS	(sizeof(rc_rules) / sizeof(rc_rules[0]))

static void test_card_rc_rules(void **state)
{
	unsigned int i;
	CK_RV got;

	for (i = 0; i < NRCS; i++) {
		got = ck_card_rc_to_rv(rc_rules[i].rc);
		if (got != rc_rules[i].rv)
			fail_msg("%s (0x%08x): expected 0x%lx, got 0x%lx",
				 rc_rules[i].name, rc_rules[i].rc,
				 rc_rules[i].rv, got);
	}
}

static const struct rc_rule *rc_rule(const char *name)
{
	unsigned int i;

	for (i = 0; i < NRCS; i++)
		if (!strcmp(rc_rules[i].name, name))
			return &rc_rules[i];
	return NULL;
}

/*
 * Every `CKR_X` docs/ep11-wire.md names has its rule here, and where the
 * doc gives its value (`CKR_X` (`0x..`) or `CKR_X` | `0x..`), the rule
 * has that value.
 */
static void test_card_rc_doc_coverage(void **state)
{
	char *doc = read_doc("docs/ep11-wire.md"), *p, name[64], *end;
	const struct rc_rule *r;
	unsigned int names = 0, values = 0;
	unsigned long v;
	size_t n;

	for (p = doc; (p = strstr(p, "`CKR_")); ) {
		n = strspn(p + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		if (p[1 + n] != '`' || n >= sizeof(name)) {
			p++;
			continue;
		}
		memcpy(name, p + 1, n);
		name[n] = '\0';
		r = rc_rule(name);
		if (!r)
			fail_msg("docs/ep11-wire.md names %s, which no rule of this test covers",
				 name);
		names++;
		p += n + 2;
		if (!strncmp(p, " (`0x", 5))
			p += 3;
		else if (!strncmp(p, " | `0x", 6))
			p += 4;
		else
			continue;
		v = strtoul(p, &end, 16);
		if (*end != '`')
			continue;
		if (v != r->rc)
			fail_msg("docs/ep11-wire.md gives %s as 0x%lx, the rule 0x%x",
				 name, v, r->rc);
		values++;
	}
	free(doc);
	if (names < 80 || values < 40)
		fail_msg("expected at least 80 codes and 40 values in docs/ep11-wire.md, found %u and %u",
			 names, values);
}

/* ---- the fake driver ---------------------------------------------------- */

#define FAKE_NCMDS	(_IOC_NR(EP11SESS_IOC_KEEP) + 1)
#define FAKE_TABLE	80

/**
 * struct fake - the kernel as the wrappers see it
 * @on:        answer the ep11sess commands on /dev/null
 * @calls:     commands seen, by number
 * @eintr:     EINTR answers still to give, by number
 * @fail:      errno to answer with (after the EINTRs), by number
 * @abi:       what VERSION says
 * @why:       the first ABI rule an argument broke ("" when none)
 * @login:     the last LOGIN argument
 * @targets:   its targets as they came in
 * @logout:    the last LOGOUT argument
 * @send:      the last SEND argument
 * @admin:     the last ADMIN_LOGOUT argument
 * @attach:    the last ATTACH argument
 * @keep:      the last KEEP argument
 * @answered:  LIST/STATUS: calls answered (not counting EINTRs)
 * @counts:    LIST/STATUS: the count the kernel has at each answered call
 * @grow:      LIST/STATUS: the count grows by one at every call
 * @room:      LIST/STATUS: the room each call offered
 * @flags:     LIST/STATUS: the flags of each call
 * @null_entries: LIST/STATUS: whether each call had no entries pointer
 */
static struct fake {
	bool on;
	unsigned int calls[FAKE_NCMDS];
	unsigned int eintr[FAKE_NCMDS];
	int fail[FAKE_NCMDS];
	uint32_t abi;
	char why[256];
	struct ep11sess_login login;
	struct ep11sess_target targets[EP11SESS_MAX_APQNS];
	struct ep11sess_logout logout;
	struct ep11sess_send send;
	struct ep11sess_admin_logout admin;
	struct ep11sess_attach attach;
	struct ep11sess_keep keep;
	unsigned int answered;
	uint32_t counts[FAKE_TABLE];
	bool grow;
	uint32_t room[FAKE_TABLE];
	uint32_t flags[FAKE_TABLE];
	bool null_entries[FAKE_TABLE];
	uint32_t dying;		/* LIST: this handle is being logged out */
} fake;

static void __attribute__((format(printf, 1, 2))) fake_broken(const char *fmt,
							       ...)
{
	va_list ap;

	if (fake.why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(fake.why, sizeof(fake.why), fmt, ap);
	va_end(ap);
}

static bool fake_is_dev_null(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISCHR(st.st_mode) &&
	       st.st_rdev == makedev(1, 3);
}

static int fake_version(struct ep11sess_version *v)
{
	if (v->size != sizeof(*v))
		fake_broken("VERSION: size %u", v->size);
	if (v->flags || v->abi_version || v->max_apqns || v->features)
		fake_broken("VERSION: flags or output fields not zero");
	v->abi_version = fake.abi;
	v->max_apqns = EP11SESS_MAX_APQNS;
	v->features = 0x3ff;
	return 0;
}

static int fake_login(struct ep11sess_login *l, int fail)
{
	struct ep11sess_target *t = (void *)(uintptr_t)l->targets;
	struct ep11sess_target out[EP11SESS_MAX_APQNS];
	bool shared = l->flags & EP11SESS_LOGIN_SHARED;
	bool named = l->flags & EP11SESS_LOGIN_NAMED;
	static const uint8_t zero[EP11SESS_NAME_LEN];
	unsigned int i, n = 0;

	fake.login = *l;
	if (l->size != sizeof(*l))
		fake_broken("LOGIN: size %u", l->size);
	if (l->flags & ~(EP11SESS_LOGIN_SHARED | EP11SESS_LOGIN_ALL_OR_NOTHING |
			 EP11SESS_LOGIN_NAMED))
		fake_broken("LOGIN: unknown flags 0x%x", l->flags);
	if (named ? !memcmp(l->name, zero, sizeof(zero)) || l->scope > 1 ||
		    (l->scope != EP11SESS_SCOPE_GID && l->gid) :
		    memcmp(l->name, zero, sizeof(zero)) || l->scope || l->gid)
		fake_broken("LOGIN: name, scope or gid with flags 0x%x",
			    l->flags);
	if (l->reserved || l->handle || l->joined)
		fake_broken("LOGIN: reserved or output fields not zero");
	for (i = 0; i < sizeof(l->public_id); i++)
		if (l->public_id[i])
			fake_broken("LOGIN: public_id not zero");
	if (!l->pin || shared != (l->nonce != 0) ||
	    shared != (l->nonce_len != 0))
		fake_broken("LOGIN: PIN or nonce");
	if (l->targets_cap != EP11SESS_MAX_APQNS || !l->ntargets ||
	    l->ntargets > l->targets_cap || !t)
		fake_broken("LOGIN: targets %u of %u", l->ntargets,
			    l->targets_cap);
	if (fake.why[0]) {
		errno = EINVAL;
		return -1;
	}
	memcpy(fake.targets, t, l->ntargets * sizeof(*t));
	for (i = 0; i < l->ntargets; i++) {
		if (t[i].apqn.pad || t[i].reserved || t[i].error ||
		    t[i].ep11_rc || t[i].state ||
		    t[i].flags & ~EP11SESS_TARGET_ALL_DOMAINS)
			fake_broken("LOGIN: target %u not clean", i);
		memset(&out[n], 0, sizeof(out[n]));
		out[n].apqn = t[i].apqn;
		if (t[i].flags & EP11SESS_TARGET_ALL_DOMAINS) {
			/* Two online domains on every card. */
			out[n++].apqn.domain = 1;
			memset(&out[n], 0, sizeof(out[n]));
			out[n].apqn.card = t[i].apqn.card;
			out[n].apqn.domain = 2;
		}
		n++;
	}
	for (i = 0; i < n; i++) {
		out[i].error = -fail;
		out[i].ep11_rc = fail ? 0xa0 : 0;
		out[i].state = fail ? EP11SESS_STATE_NONE : EP11SESS_STATE_LIVE;
	}
	memcpy(t, out, n * sizeof(*t));
	l->ntargets = n;
	if (fail) {
		errno = fail;
		return -1;
	}
	l->handle = 7;
	for (i = 0; i < sizeof(l->public_id); i++)
		l->public_id[i] = (uint8_t)(0xa0 + i);
	l->joined = shared;
	return 0;
}

static int fake_logout(struct ep11sess_logout *l)
{
	fake.logout = *l;
	if (l->size != sizeof(*l) || l->flags & ~EP11SESS_LOGOUT_EVERYONE ||
	    l->reserved)
		fake_broken("LOGOUT: size, flags or reserved");
	return 0;
}

static int fake_attach(struct ep11sess_attach *a)
{
	unsigned int i;

	fake.attach = *a;
	if (a->size != sizeof(*a) || a->flags || a->reserved || a->handle ||
	    a->scope > EP11SESS_SCOPE_GID)
		fake_broken("ATTACH: size, flags, scope, reserved or handle");
	for (i = 0; i < sizeof(a->public_id); i++)
		if (a->public_id[i])
			fake_broken("ATTACH: public_id not zero");
	a->handle = 11;
	for (i = 0; i < sizeof(a->public_id); i++)
		a->public_id[i] = (uint8_t)(0x50 + i);
	return 0;
}

static int fake_keep(struct ep11sess_keep *k)
{
	fake.keep = *k;
	if (k->size != sizeof(*k) || k->flags & ~EP11SESS_KEEP_RELEASE ||
	    k->expires_ns || !k->handle ||
	    ((k->flags & EP11SESS_KEEP_RELEASE) && k->ttl_ms))
		fake_broken("KEEP: size, flags, handle, ttl or expires_ns");
	k->expires_ns = k->ttl_ms ? 1000000ULL * k->ttl_ms + 5 : 0;
	return 0;
}

static int fake_send(struct ep11sess_send *s)
{
	const uint32_t known = EP11SESS_SEND_SESSION | EP11SESS_SEND_ANY_APQN;

	fake.send = *s;
	if (s->size != sizeof(*s))
		fake_broken("SEND: size %u", s->size);
	if (s->flags & ~known || s->apqn.pad || s->rep_len || !s->req ||
	    !s->rep || ((s->flags & known) ? !s->handle : !!s->handle))
		fake_broken("SEND: flags 0x%x handle %u pad %u rep_len %u",
			    s->flags, s->handle, s->apqn.pad, s->rep_len);
	if (s->rep_cap < 5) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy((void *)(uintptr_t)s->rep, "REPLY", 5);
	s->rep_len = 5;
	if (s->flags & EP11SESS_SEND_ANY_APQN) {
		s->apqn.card = 0x0c;
		s->apqn.domain = 0x42;
	}
	return 0;
}

/* LIST and STATUS: the kernel counts, and fills what room there is. */
static int fake_table(unsigned int nr, struct ep11sess_list *l)
{
	bool list = nr == _IOC_NR(EP11SESS_IOC_LIST);
	size_t want = list ? sizeof(struct ep11sess_session_info) :
			     sizeof(struct ep11sess_apqn_status);
	unsigned int k = fake.answered++, i;
	uint32_t count;

	if (k >= FAKE_TABLE)
		k = FAKE_TABLE - 1;
	if (l->size != sizeof(*l) || l->entry_size != want ||
	    l->flags & ~1U || (l->count && !l->entries))
		fake_broken("%s: size %u entry_size %u flags 0x%x count %u",
			    list ? "LIST" : "STATUS", l->size, l->entry_size,
			    l->flags, l->count);
	fake.room[k] = l->count;
	fake.flags[k] = l->flags;
	fake.null_entries[k] = !l->entries;
	count = fake.grow ? k + 1 : fake.counts[k];
	for (i = 0; i < count && i < l->count; i++) {
		if (list) {
			struct ep11sess_session_info *e =
				(void *)(uintptr_t)(l->entries + i * want);

			memset(e, 0, sizeof(*e));
			e->handle = i + 1;
			if (e->handle == fake.dying)
				e->flags = EP11SESS_SESSION_DYING;
			strcpy(e->comm, "fake");
		} else {
			struct ep11sess_apqn_status *e =
				(void *)(uintptr_t)(l->entries + i * want);

			memset(e, 0, sizeof(*e));
			e->apqn.card = (uint8_t)i;
			e->held = i + 10;
		}
	}
	l->count = count;
	return 0;
}

static int fake_admin(struct ep11sess_admin_logout *a)
{
	fake.admin = *a;
	if (a->size != sizeof(*a) || a->matched || a->failed || a->apqn.pad)
		fake_broken("ADMIN_LOGOUT: size, pad or output fields");
	a->matched = 3;
	a->failed = 1;
	return 0;
}

static int fake_ioctl(unsigned long req, void *arg)
{
	unsigned int nr = _IOC_NR(req);

	if (nr >= FAKE_NCMDS) {
		errno = ENOTTY;
		return -1;
	}
	fake.calls[nr]++;
	if (fake.eintr[nr]) {
		fake.eintr[nr]--;
		errno = EINTR;
		return -1;
	}
	if (fake.fail[nr] && nr != _IOC_NR(EP11SESS_IOC_LOGIN)) {
		errno = fake.fail[nr];
		return -1;
	}
	switch (req) {
	case EP11SESS_IOC_VERSION:
		return fake_version(arg);
	case EP11SESS_IOC_LOGIN:
		return fake_login(arg, fake.fail[nr]);
	case EP11SESS_IOC_LOGOUT:
		return fake_logout(arg);
	case EP11SESS_IOC_SEND:
		return fake_send(arg);
	case EP11SESS_IOC_LIST:
	case EP11SESS_IOC_STATUS:
		return fake_table(nr, arg);
	case EP11SESS_IOC_ADMIN_LOGOUT:
		return fake_admin(arg);
	case EP11SESS_IOC_ATTACH:
		return fake_attach(arg);
	case EP11SESS_IOC_KEEP:
		return fake_keep(arg);
	}
	errno = ENOTTY;
	return -1;
}

/*
 * Stands in for the C library's ioctl(): the ep11sess commands on
 * /dev/null go to the fake driver while it is on, everything else to the
 * kernel.
 */
int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fake.on && _IOC_TYPE(req) == EP11SESS_IOC_MAGIC &&
	    fake_is_dev_null(fd))
		return fake_ioctl(req, arg);
	return (int)syscall(SYS_ioctl, fd, req, arg);
}

/* ---- opening the device ------------------------------------------------- */

static char tmpdir[] = "/tmp/test-dev-XXXXXX";

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int setup(void **state)
{
	memset(&fake, 0, sizeof(fake));
	fake.abi = EP11SESS_ABI_VERSION;
	unsetenv(CK_DEV_ENV);
	return 0;
}

static int group_setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	rmdir(tmpdir);
	return 0;
}

/* ck_dev_open() fails with @want_ret and message @want; no fd is left. */
static void expect_open_error(int want_ret, const char *want)
{
	struct ck_dev d = { .fd = 1234 };
	char err[512] = "";
	int before = count_fds(), ret;

	ret = ck_dev_open(&d, err, sizeof(err));
	if (ret != want_ret || strcmp(err, want))
		fail_msg("expected %d \"%s\", got %d \"%s\"", want_ret, want,
			 ret, err);
	assert_int_equal(d.fd, -1);
	if (count_fds() != before)
		fail_msg("expected %d open fds after the failure, got %d",
			 before, count_fds());
}

static void test_open_missing_node(void **state)
{
	char path[PATH_MAX], want[PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s/ep11sess", tmpdir);
	setenv(CK_DEV_ENV, path, 1);
	snprintf(want, sizeof(want),
		 "cannot open %s: No such file or directory (is the ep11sess module loaded?)",
		 path);
	expect_open_error(-ENOENT, want);
}

static void test_open_dev_null(void **state)
{
	setenv(CK_DEV_ENV, "/dev/null", 1);
	expect_open_error(-ENOTTY,
			  "/dev/null is not the ep11sess device: EP11SESS_IOC_VERSION failed: Inappropriate ioctl for device");
}

static void test_open_regular_file(void **state)
{
	char path[PATH_MAX], want[PATH_MAX + 128];
	int fd;

	snprintf(path, sizeof(path), "%s/plain", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	setenv(CK_DEV_ENV, path, 1);
	snprintf(want, sizeof(want),
		 "%s is not the ep11sess device: not a character device", path);
	expect_open_error(-ENOTTY, want);
	unlink(path);
}

static void test_open_env_too_long(void **state)
{
	char path[PATH_MAX + 16];

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	setenv(CK_DEV_ENV, path, 1);
	expect_open_error(-ENAMETOOLONG,
			  "EP11SESS_DEVICE: the path is too long");
}

/* Without EP11SESS_DEVICE: libudev's node, else /dev/ep11sess. */
static void test_open_default_node(void **state)
{
	struct udev_device *dev = NULL;
	struct udev *udev = udev_new();
	struct stat st;

	if (udev)
		dev = udev_device_new_from_subsystem_sysname(udev, "misc",
							     "ep11sess");
	if (dev)
		udev_device_unref(dev);
	if (udev)
		udev_unref(udev);
	if (dev || !stat("/dev/ep11sess", &st))
		skip();	/* the driver is loaded on this host */
	setenv(CK_DEV_ENV, "", 1);
	expect_open_error(-ENOENT,
			  "cannot open /dev/ep11sess: No such file or directory (is the ep11sess module loaded?)");
}

static void test_open_abi_mismatch(void **state)
{
	fake.on = true;
	fake.abi = EP11SESS_ABI_VERSION + 1;
	setenv(CK_DEV_ENV, "/dev/null", 1);
	expect_open_error(-EPROTO,
			  "/dev/null: the ep11sess module speaks ABI version 2, this library version 1: install a module and library of one release");
	assert_string_equal(fake.why, "");
}

/* Opens the fake device; the fds before it in *@before. */
static void open_fake(struct ck_dev *d, int *before)
{
	char err[256] = "";

	fake.on = true;
	setenv(CK_DEV_ENV, "/dev/null", 1);
	*before = count_fds();
	if (ck_dev_open(d, err, sizeof(err)))
		fail_msg("expected the fake device to open, got \"%s\"", err);
	assert_true(d->fd >= 0);
	assert_int_equal(count_fds(), *before + 1);
	/* The kernel's feature bits are kept for the callers to test. */
	if (d->features != 0x3ff)
		fail_msg("expected the features 0x3ff VERSION gave, got 0x%llx",
			 (unsigned long long)d->features);
}

static void close_fake(struct ck_dev *d, int before)
{
	ck_dev_close(d);
	assert_int_equal(d->fd, -1);
	ck_dev_close(d);
	assert_int_equal(count_fds(), before);
	if (fake.why[0])
		fail_msg("an argument broke the ABI: %s", fake.why);
}

static void test_open_version_repeated_on_eintr(void **state)
{
	struct ck_dev d;
	int before, fd_flags;

	fake.eintr[_IOC_NR(EP11SESS_IOC_VERSION)] = 2;
	open_fake(&d, &before);
	assert_int_equal(fake.calls[_IOC_NR(EP11SESS_IOC_VERSION)], 3);
	fd_flags = fcntl(d.fd, F_GETFD);
	assert_true(fd_flags & FD_CLOEXEC);
	assert_int_equal(fcntl(d.fd, F_GETFL) & O_ACCMODE, O_RDWR);
	close_fake(&d, before);
}

/* ---- the wrappers -------------------------------------------------------- */

static const char pin[] = "0123456789abcdef";

static void login_req(struct ck_login_req *r)
{
	memset(r, 0, sizeof(*r));
	r->pin = pin;
	r->pin_len = 16;
	r->wait_ms = 1234;
	r->targets[0].apqn.card = 0x0b;
	r->targets[0].apqn.domain = 0x24;
	/* Leftovers of an earlier call, which the wrapper must clear. */
	r->targets[0].apqn.pad = 0xff;
	r->targets[0].error = -5;
	r->targets[0].ep11_rc = 0x30;
	r->targets[0].state = 3;
	r->targets[0].reserved = 9;
	r->targets[1].apqn.card = 0x0c;
	r->targets[1].flags = EP11SESS_TARGET_ALL_DOMAINS;
	r->ntargets = 2;
}

static void test_login_private(void **state)
{
	struct ck_login_req r;
	struct ck_dev d;
	unsigned int i;
	int before;

	open_fake(&d, &before);
	login_req(&r);
	assert_int_equal(ck_dev_login(&d, &r), 0);
	assert_int_equal(fake.login.flags, 0);
	assert_int_equal(fake.login.pin, (uintptr_t)pin);
	assert_int_equal(fake.login.pin_len, 16);
	assert_int_equal(fake.login.nonce, 0);
	assert_int_equal(fake.login.nonce_len, 0);
	assert_int_equal(fake.login.wait_ms, 1234);
	assert_int_equal(fake.login.targets, (uintptr_t)r.targets);
	assert_int_equal(fake.targets[0].apqn.card, 0x0b);
	assert_int_equal(fake.targets[0].apqn.domain, 0x24);
	assert_int_equal(fake.targets[1].flags, EP11SESS_TARGET_ALL_DOMAINS);
	/* The kernel's results: 0c.* became two APQNs. */
	assert_int_equal(r.ntargets, 3);
	assert_int_equal(r.targets[1].apqn.card, 0x0c);
	assert_int_equal(r.targets[1].apqn.domain, 1);
	assert_int_equal(r.targets[2].apqn.domain, 2);
	assert_int_equal(r.targets[2].state, EP11SESS_STATE_LIVE);
	assert_int_equal(r.handle, 7);
	for (i = 0; i < 16; i++)
		assert_int_equal(r.public_id[i], 0xa0 + i);
	assert_false(r.joined);
	close_fake(&d, before);
}

static void test_login_shared_all_or_nothing(void **state)
{
	static const char nonce[] = "token serial VHSM";
	struct ck_login_req r;
	struct ck_dev d;
	int before;

	open_fake(&d, &before);
	login_req(&r);
	r.nonce = nonce;
	r.nonce_len = sizeof(nonce) - 1;
	r.all_or_nothing = true;
	assert_int_equal(ck_dev_login(&d, &r), 0);
	assert_int_equal(fake.login.flags,
			 EP11SESS_LOGIN_SHARED | EP11SESS_LOGIN_ALL_OR_NOTHING);
	assert_int_equal(fake.login.nonce, (uintptr_t)nonce);
	assert_int_equal(fake.login.nonce_len, sizeof(nonce) - 1);
	assert_true(r.joined);
	close_fake(&d, before);
}

/* A refused login: -errno, no handle, and the targets say why. */
static void test_login_failure_keeps_targets(void **state)
{
	struct ck_login_req r;
	struct ck_dev d;
	int before;

	open_fake(&d, &before);
	login_req(&r);
	r.handle = 99;
	r.joined = true;
	fake.fail[_IOC_NR(EP11SESS_IOC_LOGIN)] = EACCES;
	assert_int_equal(ck_dev_login(&d, &r), -EACCES);
	assert_int_equal(r.handle, 0);
	assert_false(r.joined);
	assert_int_equal(r.ntargets, 3);
	assert_int_equal(r.targets[0].error, -EACCES);
	assert_int_equal(r.targets[0].ep11_rc, 0xa0);
	close_fake(&d, before);
}

/* EINTR: the login may have run; it is never repeated. */
static void test_login_not_repeated_on_eintr(void **state)
{
	struct ck_login_req r;
	struct ck_dev d;
	int before;

	open_fake(&d, &before);
	login_req(&r);
	fake.eintr[_IOC_NR(EP11SESS_IOC_LOGIN)] = 1;
	assert_int_equal(ck_dev_login(&d, &r), -EINTR);
	assert_int_equal(fake.calls[_IOC_NR(EP11SESS_IOC_LOGIN)], 1);
	assert_int_equal(r.handle, 0);
	close_fake(&d, before);
}

static void test_login_bad_requests(void **state)
{
	struct ck_login_req r;
	struct ck_dev d;
	int before;

	open_fake(&d, &before);
	login_req(&r);
	r.ntargets = 0;
	assert_int_equal(ck_dev_login(&d, &r), -EINVAL);
	r.ntargets = EP11SESS_MAX_APQNS + 1;
	assert_int_equal(ck_dev_login(&d, &r), -EINVAL);
	login_req(&r);
	r.nonce = "n";
	assert_int_equal(ck_dev_login(&d, &r), -EINVAL);
	login_req(&r);
	r.nonce_len = 4;
	assert_int_equal(ck_dev_login(&d, &r), -EINVAL);
	login_req(&r);
	r.pin = NULL;
	assert_int_equal(ck_dev_login(&d, &r), -EINVAL);
	assert_int_equal(ck_dev_login(&d, NULL), -EINVAL);
	assert_int_equal(fake.calls[_IOC_NR(EP11SESS_IOC_LOGIN)], 0);
	close_fake(&d, before);
}

static void test_logout(void **state)
{
	struct ck_dev d;
	int before;

	open_fake(&d, &before);
	assert_int_equal(ck_dev_logout(&d, 9), 0);
	assert_int_equal(fake.logout.handle, 9);
	fake.eintr[_IOC_NR(EP11SESS_IOC_LOGOUT)] = 1;
	assert_int_equal(ck_dev_logout(&d, 9), -EINTR);
	assert_int_equal(fake.calls[_IOC_NR(EP11SESS_IOC_LOGOUT)], 2);
	fake.fail[_IOC_NR(EP11SESS_IOC_LOGOUT)] = ENOENT;
	assert_int_equal(ck_dev_logout(&d, 10), -ENOENT);
	close_fake(&d, before);
}

/* A named login carries its name, scope and group; an unnamed one none. */
static void test_login_named(void **state)
{
	static const uint8_t name[EP11SESS_NAME_LEN] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	struct ck_login_req r;
	struct ck_dev d;
	int before;

	open_fake(&d, &before);
	login_req(&r);
	r.name = name;
	assert_int_equal(ck_dev_login(&d, &r), 0);
	assert_int_equal(fake.login.flags, EP11SESS_LOGIN_NAMED);
	assert_memory_equal(fake.login.name, name, sizeof(name));
	assert_int_equal(fake.login.scope, EP11SESS_SCOPE_UID);
	assert_int_equal(fake.login.gid, 0);
	r.scope = EP11SESS_SCOPE_GID;
	r.gid = 1234;
	assert_int_equal(ck_dev_login(&d, &r), 0);
	assert_int_equal(fake.login.scope, EP11SESS_SCOPE_GID);
	assert_int_equal(fake.login.gid, 1234);
	if (fake.why[0])
		fail_msg("expected a clean LOGIN argument, got: %s", fake.why);

	/* A scope without a name, a group without the group scope. */
	login_req(&r);
	r.scope = EP11SESS_SCOPE_GID;
	assert_int_equal(ck_dev_login(&d, &r), -EINVAL);
	login_req(&r);
	r.name = name;
	r.gid = 5;
	assert_int_equal(ck_dev_login(&d, &r), -EINVAL);
	r.scope = 2;
	assert_int_equal(ck_dev_login(&d, &r), -EINVAL);
	assert_int_equal(fake.calls[_IOC_NR(EP11SESS_IOC_LOGIN)], 2);
	close_fake(&d, before);
}

static void test_logout_everyone(void **state)
{
	struct ck_dev d;
	int before;

	open_fake(&d, &before);
	assert_int_equal(ck_dev_logout_everyone(&d, 9), 0);
	assert_int_equal(fake.logout.handle, 9);
	assert_int_equal(fake.logout.flags, EP11SESS_LOGOUT_EVERYONE);
	assert_int_equal(ck_dev_logout(&d, 9), 0);
	assert_int_equal(fake.logout.flags, 0);
	fake.eintr[_IOC_NR(EP11SESS_IOC_LOGOUT)] = 1;
	assert_int_equal(ck_dev_logout_everyone(&d, 9), -EINTR);
	assert_int_equal(fake.calls[_IOC_NR(EP11SESS_IOC_LOGOUT)], 3);
	fake.fail[_IOC_NR(EP11SESS_IOC_LOGOUT)] = EPERM;
	assert_int_equal(ck_dev_logout_everyone(&d, 9), -EPERM);
	close_fake(&d, before);
}

/* ATTACH: name, scope and id in; handle and public id out; EINTR repeated. */
static void test_attach(void **state)
{
	static const uint8_t name[EP11SESS_NAME_LEN] = { [0] = 0x42, [15] = 7 };
	uint8_t pub[16];
	uint32_t h = 99;
	struct ck_dev d;
	unsigned int i;
	int before;

	open_fake(&d, &before);
	fake.eintr[_IOC_NR(EP11SESS_IOC_ATTACH)] = 2;
	assert_int_equal(ck_dev_attach(&d, name, EP11SESS_SCOPE_GID, 321, &h,
				       pub), 0);
	assert_int_equal(fake.calls[_IOC_NR(EP11SESS_IOC_ATTACH)], 3);
	assert_memory_equal(fake.attach.name, name, sizeof(name));
	assert_int_equal(fake.attach.scope, EP11SESS_SCOPE_GID);
	assert_int_equal(fake.attach.id, 321);
	assert_int_equal(h, 11);
	for (i = 0; i < 16; i++)
		assert_int_equal(pub[i], 0x50 + i);
	assert_int_equal(ck_dev_attach(&d, name, EP11SESS_SCOPE_UID, 0, &h,
				       NULL), 0);
	if (fake.why[0])
		fail_msg("expected a clean ATTACH argument, got: %s", fake.why);
	fake.fail[_IOC_NR(EP11SESS_IOC_ATTACH)] = ENOENT;
	assert_int_equal(ck_dev_attach(&d, name, EP11SESS_SCOPE_UID, 0, &h,
				       pub), -ENOENT);
	assert_int_equal(h, 0);
	fake.fail[_IOC_NR(EP11SESS_IOC_ATTACH)] = EPERM;
	assert_int_equal(ck_dev_attach(&d, name, EP11SESS_SCOPE_UID, 0, &h,
				       pub), -EPERM);
	assert_int_equal(ck_dev_attach(&d, NULL, EP11SESS_SCOPE_UID, 0, &h,
				       pub), -EINVAL);
	assert_int_equal(ck_dev_attach(&d, name, EP11SESS_SCOPE_UID, 0, NULL,
				       pub), -EINVAL);
	close_fake(&d, before);
}

/* KEEP: a hold with and without a time-to-live, its release; no repeat. */
static void test_keep(void **state)
{
	uint64_t exp = 1;
	struct ck_dev d;
	int before;

	open_fake(&d, &before);
	assert_int_equal(ck_dev_keep(&d, 3, false, 250, &exp), 0);
	assert_int_equal(fake.keep.handle, 3);
	assert_int_equal(fake.keep.flags, 0);
	assert_int_equal(fake.keep.ttl_ms, 250);
	assert_int_equal(exp, 250000005ULL);
	assert_int_equal(ck_dev_keep(&d, 3, false, 0, &exp), 0);
	assert_int_equal(exp, 0);
	assert_int_equal(ck_dev_keep(&d, 3, true, 0, NULL), 0);
	assert_int_equal(fake.keep.flags, EP11SESS_KEEP_RELEASE);
	if (fake.why[0])
		fail_msg("expected a clean KEEP argument, got: %s", fake.why);
	assert_int_equal(ck_dev_keep(&d, 3, true, 5, &exp), -EINVAL);
	assert_int_equal(fake.calls[_IOC_NR(EP11SESS_IOC_KEEP)], 3);
	fake.eintr[_IOC_NR(EP11SESS_IOC_KEEP)] = 1;
	assert_int_equal(ck_dev_keep(&d, 3, true, 0, &exp), -EINTR);
	assert_int_equal(fake.calls[_IOC_NR(EP11SESS_IOC_KEEP)], 4);
	fake.fail[_IOC_NR(EP11SESS_IOC_KEEP)] = ENOENT;
	assert_int_equal(ck_dev_keep(&d, 3, true, 0, &exp), -ENOENT);
	close_fake(&d, before);
}

static void test_send_unbound(void **state)
{
	const struct ep11sess_apqn apqn = { .card = 0x0b, .domain = 0x24 };
	struct ep11sess_apqn served = { .card = 1, .pad = 7, .domain = 1 };
	unsigned char req[40] = { 0 }, rep[64];
	size_t len = 77;
	struct ck_dev d;
	int before;

	open_fake(&d, &before);
	assert_int_equal(ck_dev_send(&d, 0, false, &apqn, req, sizeof(req), rep,
				     sizeof(rep), &len, &served, NULL), 0);
	assert_int_equal(fake.send.flags, 0);
	assert_int_equal(fake.send.handle, 0);
	assert_int_equal(fake.send.apqn.card, 0x0b);
	assert_int_equal(fake.send.apqn.domain, 0x24);
	assert_int_equal(fake.send.req, (uintptr_t)req);
	assert_int_equal(fake.send.req_len, sizeof(req));
	assert_int_equal(fake.send.rep, (uintptr_t)rep);
	assert_int_equal(fake.send.rep_cap, sizeof(rep));
	assert_int_equal(fake.send.timeout_ms, 0);
	assert_int_equal(len, 5);
	assert_memory_equal(rep, "REPLY", 5);
	assert_int_equal(served.card, 0x0b);
	assert_int_equal(served.domain, 0x24);
	assert_int_equal(served.pad, 0);
	close_fake(&d, before);
}

static void test_send_bound(void **state)
{
	const struct ep11sess_apqn apqn = { .card = 0x0b, .domain = 0x24 };
	struct ep11sess_apqn served;
	unsigned char req[40] = { 0 }, rep[64];
	struct ck_dev d;
	size_t len;
	int before;

	open_fake(&d, &before);
	/* Any APQN of the session: no APQN needed, the answer says which. */
	assert_int_equal(ck_dev_send(&d, 3, true, NULL, req, sizeof(req), rep,
				     sizeof(rep), &len, &served, NULL), 0);
	assert_int_equal(fake.send.flags,
			 EP11SESS_SEND_SESSION | EP11SESS_SEND_ANY_APQN);
	assert_int_equal(fake.send.handle, 3);
	assert_int_equal(served.card, 0x0c);
	assert_int_equal(served.domain, 0x42);
	/* Bound, to one APQN; @served may be NULL. */
	assert_int_equal(ck_dev_send(&d, 3, false, &apqn, req, sizeof(req),
				     rep, sizeof(rep), &len, NULL, NULL), 0);
	assert_int_equal(fake.send.flags, EP11SESS_SEND_SESSION);
	assert_int_equal(fake.send.apqn.card, 0x0b);
	assert_int_equal(fake.send.apqn.domain, 0x24);
	close_fake(&d, before);
}

static void test_send_bad_requests(void **state)
{
	const struct ep11sess_apqn apqn = { .card = 0x0b, .domain = 0x24 };
	unsigned char req[40] = { 0 }, rep[64];
	struct ck_dev d;
	size_t len = 77;
	int before;

	open_fake(&d, &before);
	/* Any APQN needs a session. */
	assert_int_equal(ck_dev_send(&d, 0, true, &apqn, req, sizeof(req), rep,
				     sizeof(rep), &len, NULL, NULL), -EINVAL);
	assert_int_equal(len, 0);
	/* One APQN needs its name. */
	assert_int_equal(ck_dev_send(&d, 0, false, NULL, req, sizeof(req), rep,
				     sizeof(rep), &len, NULL, NULL), -EINVAL);
	assert_int_equal(ck_dev_send(&d, 3, false, NULL, req, sizeof(req), rep,
				     sizeof(rep), &len, NULL, NULL), -EINVAL);
	assert_int_equal(ck_dev_send(&d, 0, false, &apqn, NULL, 0, rep,
				     sizeof(rep), &len, NULL, NULL), -EINVAL);
	assert_int_equal(ck_dev_send(&d, 0, false, &apqn, req, sizeof(req),
				     rep, sizeof(rep), NULL, NULL, NULL), -EINVAL);
	assert_int_equal(fake.calls[_IOC_NR(EP11SESS_IOC_SEND)], 0);
	/* The kernel's refusal comes back as is. */
	assert_int_equal(ck_dev_send(&d, 0, false, &apqn, req, sizeof(req),
				     rep, 4, &len, NULL, NULL), -EMSGSIZE);
	close_fake(&d, before);
}

/* EINTR: the request may have run; it is never repeated. */
static void test_send_not_repeated_on_eintr(void **state)
{
	unsigned char req[40] = { 0 }, rep[64];
	struct ck_dev d;
	size_t len;
	int before;

	open_fake(&d, &before);
	fake.eintr[_IOC_NR(EP11SESS_IOC_SEND)] = 1;
	assert_int_equal(ck_dev_send(&d, 3, true, NULL, req, sizeof(req), rep,
				     sizeof(rep), &len, NULL, NULL), -EINTR);
	assert_int_equal(fake.calls[_IOC_NR(EP11SESS_IOC_SEND)], 1);
	close_fake(&d, before);
}

/* No room first, then room for the count, again while it grows. */
static void test_list_count_grows(void **state)
{
	const unsigned int nr = _IOC_NR(EP11SESS_IOC_LIST);
	struct ep11sess_session_info *out = NULL;
	struct ck_dev d;
	size_t n = 99, i;
	int before;

	open_fake(&d, &before);
	fake.counts[0] = 2;
	fake.counts[1] = 3;
	fake.counts[2] = 3;
	fake.eintr[nr] = 1;	/* a list changes nothing: repeated */
	assert_int_equal(ck_dev_list(&d, true, &out, &n), 0);
	assert_int_equal(fake.calls[nr], 4);
	assert_int_equal(fake.answered, 3);
	assert_int_equal(fake.room[0], 0);
	assert_true(fake.null_entries[0]);
	assert_int_equal(fake.room[1], 2);
	assert_false(fake.null_entries[1]);
	assert_int_equal(fake.room[2], 3);
	assert_int_equal(fake.flags[0], EP11SESS_LIST_ALL);
	assert_int_equal(fake.flags[2], EP11SESS_LIST_ALL);
	assert_int_equal(n, 3);
	assert_non_null(out);
	for (i = 0; i < n; i++) {
		assert_int_equal(out[i].handle, i + 1);
		assert_string_equal(out[i].comm, "fake");
	}
	free(out);
	close_fake(&d, before);
}

static void test_list_counts_without_eintr(void **state)
{
	const unsigned int nr = _IOC_NR(EP11SESS_IOC_LIST);
	struct ep11sess_session_info *out = NULL;
	struct ck_dev d;
	size_t n;
	int before;

	open_fake(&d, &before);
	fake.counts[0] = 2;
	fake.counts[1] = 2;
	assert_int_equal(ck_dev_list(&d, false, &out, &n), 0);
	assert_int_equal(fake.calls[nr], 2);
	assert_int_equal(fake.room[0], 0);
	assert_true(fake.null_entries[0]);
	assert_int_equal(fake.room[1], 2);
	assert_int_equal(fake.flags[0], 0);
	assert_int_equal(fake.flags[1], 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[1].handle, 2);
	free(out);
	close_fake(&d, before);
}

static void test_list_empty(void **state)
{
	struct ep11sess_session_info *out = (void *)1;
	struct ck_dev d;
	size_t n = 5;
	int before;

	open_fake(&d, &before);
	assert_int_equal(ck_dev_list(&d, false, &out, &n), 0);
	assert_int_equal(fake.calls[_IOC_NR(EP11SESS_IOC_LIST)], 1);
	assert_int_equal(n, 0);
	assert_null(out);
	close_fake(&d, before);
}

/* A handle is live when the file's list has it and it is not dying. */
static void test_session_live(void **state)
{
	const unsigned int nr = _IOC_NR(EP11SESS_IOC_LIST);
	struct ck_dev d;
	int before;

	open_fake(&d, &before);
	fake.counts[0] = 3;
	fake.counts[1] = 3;
	fake.dying = 2;
	assert_int_equal(ck_dev_session_live(&d, 1), 1);
	fake.answered = 0;
	assert_int_equal(ck_dev_session_live(&d, 2), 0);
	fake.answered = 0;
	assert_int_equal(ck_dev_session_live(&d, 4), 0);
	assert_int_equal(fake.flags[1], 0);
	assert_int_equal(ck_dev_session_live(&d, 0), -EINVAL);
	fake.fail[nr] = EPERM;
	assert_int_equal(ck_dev_session_live(&d, 1), -EPERM);
	fake.fail[nr] = 0;
	fake.dying = 0;
	close_fake(&d, before);
}

/* Fewer sessions on the second call: only those are returned. */
static void test_list_count_shrinks(void **state)
{
	struct ep11sess_session_info *out;
	struct ck_dev d;
	size_t n;
	int before;

	open_fake(&d, &before);
	fake.counts[0] = 3;
	fake.counts[1] = 1;
	assert_int_equal(ck_dev_list(&d, false, &out, &n), 0);
	assert_int_equal(fake.calls[_IOC_NR(EP11SESS_IOC_LIST)], 2);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].handle, 1);
	free(out);

	/* And to none. */
	memset(fake.counts, 0, sizeof(fake.counts));
	fake.answered = 0;
	fake.counts[0] = 2;
	assert_int_equal(ck_dev_list(&d, false, &out, &n), 0);
	assert_int_equal(n, 0);
	assert_null(out);
	close_fake(&d, before);
}

/* A count that grows at every call ends with -EAGAIN, nothing leaked. */
static void test_list_never_settles(void **state)
{
	struct ep11sess_session_info *out = (void *)1;
	struct ck_dev d;
	size_t n = 5;
	int before;

	open_fake(&d, &before);
	fake.grow = true;
	assert_int_equal(ck_dev_list(&d, false, &out, &n), -EAGAIN);
	assert_int_equal(fake.calls[_IOC_NR(EP11SESS_IOC_LIST)], 64);
	assert_null(out);
	assert_int_equal(n, 0);
	close_fake(&d, before);
}

static void test_list_refused(void **state)
{
	struct ep11sess_session_info *out = (void *)1;
	struct ck_dev d;
	size_t n = 5;
	int before;

	open_fake(&d, &before);
	fake.fail[_IOC_NR(EP11SESS_IOC_LIST)] = EPERM;
	assert_int_equal(ck_dev_list(&d, true, &out, &n), -EPERM);
	assert_null(out);
	assert_int_equal(n, 0);
	assert_int_equal(ck_dev_list(&d, true, NULL, &n), -EINVAL);
	close_fake(&d, before);
}

/* The count is asked from the cache; the filling call asks the cards. */
static void test_status_flags(void **state)
{
	const unsigned int nr = _IOC_NR(EP11SESS_IOC_STATUS);
	struct ep11sess_apqn_status *out;
	struct ck_dev d;
	size_t n;
	int before;

	open_fake(&d, &before);
	fake.counts[0] = 2;
	fake.counts[1] = 2;
	assert_int_equal(ck_dev_status(&d, false, &out, &n), 0);
	assert_int_equal(fake.calls[nr], 2);
	assert_int_equal(fake.flags[0], EP11SESS_STATUS_CACHED);
	assert_int_equal(fake.flags[1], 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[1].apqn.card, 1);
	assert_int_equal(out[1].held, 11);
	free(out);

	fake.calls[nr] = 0;
	fake.answered = 0;
	fake.eintr[nr] = 1;	/* a status changes nothing: repeated */
	assert_int_equal(ck_dev_status(&d, true, &out, &n), 0);
	assert_int_equal(fake.calls[nr], 3);
	assert_int_equal(fake.flags[0], EP11SESS_STATUS_CACHED);
	assert_int_equal(fake.flags[1], EP11SESS_STATUS_CACHED);
	assert_int_equal(n, 2);
	free(out);
	close_fake(&d, before);
}

static void test_admin_logout(void **state)
{
	struct ep11sess_admin_logout a;
	struct ck_dev d;
	int before;

	open_fake(&d, &before);
	memset(&a, 0, sizeof(a));
	a.flags = EP11SESS_ADMIN_BY_APQN;
	a.apqn.card = 0x0b;
	a.apqn.domain = 0x24;
	a.apqn.pad = 1;
	a.matched = 8;
	a.failed = 8;
	assert_int_equal(ck_dev_admin_logout(&d, &a), 0);
	assert_int_equal(fake.admin.flags, EP11SESS_ADMIN_BY_APQN);
	assert_int_equal(fake.admin.apqn.card, 0x0b);
	assert_int_equal(fake.admin.apqn.domain, 0x24);
	assert_int_equal(a.matched, 3);
	assert_int_equal(a.failed, 1);

	fake.eintr[_IOC_NR(EP11SESS_IOC_ADMIN_LOGOUT)] = 1;
	assert_int_equal(ck_dev_admin_logout(&d, &a), -EINTR);
	assert_int_equal(fake.calls[_IOC_NR(EP11SESS_IOC_ADMIN_LOGOUT)], 2);
	assert_int_equal(ck_dev_admin_logout(&d, NULL), -EINVAL);
	close_fake(&d, before);
}

/* A closed device: every wrapper says EBADF, nothing is called. */
static void test_closed_device(void **state)
{
	const struct ep11sess_apqn apqn = { .card = 0x0b, .domain = 0x24 };
	struct ep11sess_session_info *list;
	struct ep11sess_apqn_status *st;
	struct ep11sess_admin_logout a = { 0 };
	struct ck_dev d = { .fd = -1 };
	struct ck_login_req r;
	unsigned char buf[40] = { 0 };
	size_t n;

	fake.on = true;
	login_req(&r);
	assert_int_equal(ck_dev_login(&d, &r), -EBADF);
	assert_int_equal(ck_dev_logout(&d, 1), -EBADF);
	assert_int_equal(ck_dev_send(&d, 0, false, &apqn, buf, sizeof(buf),
				     buf, sizeof(buf), &n, NULL, NULL), -EBADF);
	assert_int_equal(ck_dev_list(&d, false, &list, &n), -EBADF);
	assert_int_equal(ck_dev_status(&d, false, &st, &n), -EBADF);
	assert_int_equal(ck_dev_admin_logout(&d, &a), -EBADF);
	assert_int_equal(ck_dev_logout_everyone(&d, 1), -EBADF);
	assert_int_equal(ck_dev_attach(&d, buf, EP11SESS_SCOPE_UID, 0,
				       &(uint32_t){ 0 }, NULL), -EBADF);
	assert_int_equal(ck_dev_keep(&d, 1, false, 0, NULL), -EBADF);
	ck_dev_close(&d);
	ck_dev_close(NULL);
}

#define T(f)	cmocka_unit_test_setup(f, setup)

int main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_errno_rules),
		T(test_errno_odd_values),
		T(test_errno_doc_coverage),
		T(test_card_rc_rules),
		T(test_card_rc_doc_coverage),
		T(test_open_missing_node),
		T(test_open_dev_null),
		T(test_open_regular_file),
		T(test_open_env_too_long),
		T(test_open_default_node),
		T(test_open_abi_mismatch),
		T(test_open_version_repeated_on_eintr),
		T(test_login_private),
		T(test_login_shared_all_or_nothing),
		T(test_login_failure_keeps_targets),
		T(test_login_not_repeated_on_eintr),
		T(test_login_bad_requests),
		T(test_logout),
		T(test_login_named),
		T(test_logout_everyone),
		T(test_attach),
		T(test_keep),
		T(test_send_unbound),
		T(test_send_bound),
		T(test_send_bad_requests),
		T(test_send_not_repeated_on_eintr),
		T(test_list_count_grows),
		T(test_list_counts_without_eintr),
		T(test_list_empty),
		T(test_session_live),
		T(test_list_count_shrinks),
		T(test_list_never_settles),
		T(test_list_refused),
		T(test_status_flags),
		T(test_admin_logout),
		T(test_closed_device),
	};

	return cmocka_run_group_tests_name("dev", tests, group_setup,
					   group_teardown);
}
