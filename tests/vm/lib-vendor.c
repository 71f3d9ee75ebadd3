// SPDX-License-Identifier: GPL-2.0
/*
 * lib-vendor: libcryptoki's vendor interface ("Vendor ep11sess") and what
 * an administrator's logout does to an application's login.
 *
 *   lib-vendor MODULE SLOT PIN APQN MAX
 *
 * SLOT is a default-mode token on the single APQN (card.domain, hex) of a
 * card with MAX sessions; the token is initialised with USER PIN PIN.
 * Checks, each failing with what it expected and what it got:
 * - EP11_GetStatus: the count query, CKR_BUFFER_TOO_SMALL for a short
 *   buffer, then the APQN with the card's max and one held session while
 *   logged in;
 * - EP11_ListSessions: none of this process's before C_Login, one after
 *   (live on the APQN), none after C_Logout;
 * - EP11_Logout of the process's own session by public id: the login
 *   drops to public (session state, a private key's handle is invalid);
 * - EP11_Logout with privileged set (root): the next request with a
 *   session key answers CKR_USER_NOT_LOGGED_IN and the state is public;
 * - an unknown public id: CKR_ARGUMENTS_BAD, privileged or not;
 * - the entry sizes: EP11_GetStatus and EP11_ListSessions write entries
 *   of the sizes versions 1.0 and 1.1 were published with and nothing
 *   beyond; EP11_GetStatusSized and EP11_ListSessionsSized (1.2) write
 *   the caller's size, zero-filling what the library does not know and
 *   cutting what the caller's layout has no room for, and refuse sizes
 *   below the first layout or above the maximum; C_GetInterface gives
 *   versions 1.1 and 1.0 by number;
 * - the APQN's wrapping key verification pattern is in the status, and
 *   C_Initialize takes it from there: it sends the card no request of
 *   its own (the kernel's request count, read without asking the card,
 *   is the same before and after).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ep11sess-cryptoki.h"
#include "p11-client.h"
#include "vmtest.h"

static CK_FUNCTION_LIST *f;
static CK_FUNCTION_LIST_3_0 *f3;
static const EP11SESS_FUNCTION_LIST *v;
static struct ep11sess_apqn apqn;

static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static void expect(const char *what, CK_RV want, CK_RV got)
{
	if (want != got)
		fail("%s: expected %s, got %s", what, p11_rv_name(want),
		     p11_rv_name(got));
}

/* This process's sessions; the first one's public id in @id. */
static CK_ULONG own(CK_BYTE *id)
{
	struct ep11sess_session_info l[16];
	CK_ULONG n = 16;

	expect("EP11_ListSessions", CKR_OK, v->EP11_ListSessions(CK_FALSE, l, &n));
	if (n && id)
		memcpy(id, l[0].public_id, 16);
	if (n && (l[0].napqns != 1 || l[0].apqns[0].apqn.card != apqn.card ||
		  l[0].apqns[0].apqn.domain != apqn.domain ||
		  l[0].apqns[0].state != EP11SESS_STATE_LIVE))
		fail("own session: expected live on %02x.%04x, got %u APQNs, first %02x.%04x state %u",
		     apqn.card, apqn.domain, l[0].napqns,
		     l[0].apqns[0].apqn.card, l[0].apqns[0].apqn.domain,
		     l[0].apqns[0].state);
	return n;
}

static CK_STATE state(CK_SESSION_HANDLE s)
{
	CK_SESSION_INFO si;

	expect("C_GetSessionInfo", CKR_OK, f->C_GetSessionInfo(s, &si));
	return si.state;
}

static void gen(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *priv)
{
	static const CK_BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
					0x3d, 0x03, 0x01, 0x07 };
	CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { { CKA_EC_PARAMS, (void *)p256, sizeof(p256) } };
	CK_OBJECT_HANDLE pub;

	expect("C_GenerateKeyPair", CKR_OK,
	       f->C_GenerateKeyPair(s, &m, pt, 1, NULL, 0, &pub, priv));
}

static CK_RV sign(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv)
{
	CK_MECHANISM m = { CKM_ECDSA, NULL, 0 };
	unsigned char d[32] = { 1 }, sig[128];
	CK_ULONG n = sizeof(sig);
	CK_RV rv = f->C_SignInit(s, &m, priv);

	if (rv != CKR_OK)
		return rv;
	return f->C_Sign(s, d, sizeof(d), sig, &n);
}

static const struct ep11sess_apqn_status *find_apqn(
	const struct ep11sess_apqn_status *st, CK_ULONG n)
{
	CK_ULONG i;

	for (i = 0; i < n; i++)
		if (st[i].apqn.card == apqn.card && st[i].apqn.domain == apqn.domain)
			return &st[i];
	fail("EP11_GetStatus: expected APQN %02x.%04x among %lu, not there",
	     apqn.card, apqn.domain, n);
	return NULL;
}

#define CANARY 0xa5

/* Bytes [from, to) of @p are all @c. */
static int all(const unsigned char *p, size_t from, size_t to, int c)
{
	for (; from < to; from++)
		if (p[from] != c)
			return 0;
	return 1;
}

/*
 * Entries of @usize bytes from a *Sized call (or the 1.0 layout) against
 * the library's own layout in @ref: the common part equal in the fields
 * that cannot change between two calls, zeros beyond it, nothing written
 * past the last entry.
 */
static void check_status_entries(const char *what, const unsigned char *buf,
				 size_t usize, CK_ULONG n,
				 const struct ep11sess_apqn_status *ref,
				 CK_ULONG nref)
{
	size_t common = usize < sizeof(*ref) ? usize : sizeof(*ref);
	CK_ULONG i;

	if (n != nref)
		fail("%s: expected %lu entries, got %lu", what, nref, n);
	for (i = 0; i < n; i++) {
		const struct ep11sess_apqn_status *e =
			(const void *)(buf + i * usize);
		struct ep11sess_apqn_status got;

		memset(&got, 0, sizeof(got));
		memcpy(&got, e, common);
		if (got.apqn.card != ref[i].apqn.card ||
		    got.apqn.domain != ref[i].apqn.domain ||
		    got.card_max != ref[i].card_max ||
		    memcmp(got.serial, ref[i].serial, sizeof(got.serial)))
			fail("%s: entry %lu: expected %02x.%04x max %u, got %02x.%04x max %u",
			     what, i, ref[i].apqn.card, ref[i].apqn.domain,
			     ref[i].card_max, got.apqn.card, got.apqn.domain,
			     got.card_max);
		if (!all(buf + i * usize, common, usize, 0))
			fail("%s: entry %lu: expected zeros after byte %zu of %zu",
			     what, i, common, usize);
	}
	if (!all(buf, n * usize, n * usize + 64, CANARY))
		fail("%s: expected nothing written after %lu entries of %zu bytes",
		     what, n, usize);
}

static void entry_sizes(void)
{
	static unsigned char buf[64 * (EP11SESS_VENDOR_ENTRY_SIZE_MAX + 1) + 64];
	const size_t sizes[] = { EP11SESS_APQN_STATUS_SIZE_VER1,
				 sizeof(struct ep11sess_apqn_status) - 8,
				 sizeof(struct ep11sess_apqn_status),
				 sizeof(struct ep11sess_apqn_status) + 40,
				 EP11SESS_VENDOR_ENTRY_SIZE_MAX };
	struct ep11sess_apqn_status ref[64];
	struct ep11sess_session_info li[16];
	CK_INTERFACE_PTR iface;
	CK_VERSION ver;
	CK_ULONG n, k;
	size_t i;
	char what[96];

	if (v->version.major != 1 || v->version.minor < 2)
		fail("vendor interface: expected version 1.2 or later, got %u.%u",
		     v->version.major, v->version.minor);
	for (ver.major = 1, ver.minor = 0; ver.minor <= 1; ver.minor++) {
		const EP11SESS_FUNCTION_LIST *old;

		expect("C_GetInterface(Vendor ep11sess, 1.x)", CKR_OK,
		       f3->C_GetInterface((CK_UTF8CHAR_PTR)EP11SESS_VENDOR_INTERFACE,
					  &ver, &iface, 0));
		old = iface->pFunctionList;
		if (old->version.major != 1 || old->version.minor != ver.minor)
			fail("C_GetInterface(1.%u): got version %u.%u", ver.minor,
			     old->version.major, old->version.minor);
	}

	n = 64;
	expect("EP11_GetStatusSized", CKR_OK,
	       v->EP11_GetStatusSized(ref, sizeof(ref[0]), &n));
	/* 1.0's layout: entries of the published size, nothing beyond. */
	memset(buf, CANARY, sizeof(buf));
	k = 64;
	expect("EP11_GetStatus (1.0 layout)", CKR_OK,
	       v->EP11_GetStatus((void *)buf, &k));
	check_status_entries("EP11_GetStatus", buf,
			     EP11SESS_VENDOR_APQN_STATUS_SIZE_1_0, k, ref, n);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(what, sizeof(what), "EP11_GetStatusSized(%zu)",
			 sizes[i]);
		memset(buf, CANARY, sizeof(buf));
		k = 0;
		expect(what, CKR_OK, v->EP11_GetStatusSized(NULL, sizes[i], &k));
		if (k != n)
			fail("%s count: expected %lu, got %lu", what, n, k);
		expect(what, CKR_OK, v->EP11_GetStatusSized(buf, sizes[i], &k));
		check_status_entries(what, buf, sizes[i], k, ref, n);
	}
	k = 64;
	expect("EP11_GetStatusSized below the first layout", CKR_ARGUMENTS_BAD,
	       v->EP11_GetStatusSized(buf, EP11SESS_APQN_STATUS_SIZE_VER1 - 1,
				      &k));
	expect("EP11_GetStatusSized above the maximum", CKR_ARGUMENTS_BAD,
	       v->EP11_GetStatusSized(buf, EP11SESS_VENDOR_ENTRY_SIZE_MAX + 1,
				      &k));

	/* Sessions: this process's one, in a bigger layout and the first. */
	n = 16;
	expect("EP11_ListSessions", CKR_OK, v->EP11_ListSessions(CK_FALSE, li, &n));
	if (n != 1)
		fail("EP11_ListSessions: expected one session, got %lu", n);
	memset(buf, CANARY, sizeof(buf));
	k = 4;
	expect("EP11_ListSessionsSized(+40)", CKR_OK,
	       v->EP11_ListSessionsSized(CK_FALSE, buf, sizeof(li[0]) + 40, &k));
	if (k != 1 || memcmp(buf, &li[0], sizeof(li[0])) ||
	    !all(buf, sizeof(li[0]), sizeof(li[0]) + 40, 0) ||
	    !all(buf, sizeof(li[0]) + 40, sizeof(li[0]) + 104, CANARY))
		fail("EP11_ListSessionsSized(+40): expected the session, zeros, then nothing written; got %lu entries", k);
	memset(buf, CANARY, sizeof(buf));
	k = 4;
	expect("EP11_ListSessionsSized(VER1)", CKR_OK,
	       v->EP11_ListSessionsSized(CK_FALSE, buf,
					 EP11SESS_SESSION_INFO_SIZE_VER1, &k));
	if (k != 1 || memcmp(buf, &li[0], EP11SESS_SESSION_INFO_SIZE_VER1) ||
	    !all(buf, EP11SESS_SESSION_INFO_SIZE_VER1,
		 EP11SESS_SESSION_INFO_SIZE_VER1 + 64, CANARY))
		fail("EP11_ListSessionsSized(VER1): expected the session's first %d bytes and nothing after",
		     EP11SESS_SESSION_INFO_SIZE_VER1);
	k = 0;
	expect("EP11_ListSessionsSized short", CKR_BUFFER_TOO_SMALL,
	       v->EP11_ListSessionsSized(CK_FALSE, buf, sizeof(li[0]), &k));
	if (k != 1)
		fail("EP11_ListSessionsSized short: expected count 1, got %lu", k);
	expect("EP11_ListSessionsSized below the first layout",
	       CKR_ARGUMENTS_BAD,
	       v->EP11_ListSessionsSized(CK_FALSE, buf,
					 EP11SESS_SESSION_INFO_SIZE_VER1 - 1,
					 &k));
}

/* The kernel's request count of the APQN, without asking any card. */
static unsigned long long apqn_requests(void)
{
	struct ep11sess_apqn_status st;
	int fd = vmt_open_dev(), ret;

	ret = vmt_status_of(fd, EP11SESS_STATUS_CACHED, apqn, &st);
	close(fd);
	if (ret)
		fail("status of %02x.%04x: %s", apqn.card, apqn.domain,
		     strerror(-ret));
	return st.requests;
}

/*
 * The APQN's WKID is in the status, and C_Initialize uses it instead of
 * asking the card.
 */
static void wkid_from_status(void)
{
	static const unsigned char zero[16];
	struct ep11sess_apqn_status st[64];
	const struct ep11sess_apqn_status *a;
	unsigned long long r0, r1;
	CK_ULONG n = 64;

	expect("EP11_GetStatusSized", CKR_OK,
	       v->EP11_GetStatusSized(st, sizeof(st[0]), &n));
	a = find_apqn(st, n);
	if (!(a->flags & EP11SESS_APQN_WKID_VALID) ||
	    !memcmp(a->wkid, zero, sizeof(zero)))
		fail("EP11_GetStatus %02x.%04x: expected a WKID, got flags %#x",
		     apqn.card, apqn.domain, a->flags);
	expect("C_Finalize", CKR_OK, f->C_Finalize(NULL));
	r0 = apqn_requests();
	expect("C_Initialize again", CKR_OK, f->C_Initialize(NULL));
	r1 = apqn_requests();
	if (r1 != r0)
		fail("C_Initialize sent %llu request(s) to %02x.%04x; the kernel's status has its WKID",
		     r1 - r0, apqn.card, apqn.domain);
}

int main(int argc, char **argv)
{
	struct ep11sess_apqn_status st[64];
	const struct ep11sess_apqn_status *a;
	struct p11_module m;
	CK_INTERFACE_PTR iface;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE priv;
	CK_BYTE id[16], none[16];
	unsigned int card, dom;
	CK_SLOT_ID slot;
	const char *pin;
	CK_ULONG n, max;
	char err[256];

	if (argc != 6 || sscanf(argv[4], "%x.%x", &card, &dom) != 2) {
		fprintf(stderr, "usage: lib-vendor MODULE SLOT PIN APQN MAX\n");
		return 2;
	}
	apqn.card = card;
	apqn.domain = dom;
	slot = strtoul(argv[2], NULL, 10);
	pin = argv[3];
	max = strtoul(argv[5], NULL, 10);
	if (p11_load(argv[1], &m, err, sizeof(err)))
		fail("%s", err);
	f = m.f2;
	f3 = m.f3;
	expect("C_GetInterface(Vendor ep11sess) before C_Initialize", CKR_OK,
	       m.f3->C_GetInterface((CK_UTF8CHAR_PTR)EP11SESS_VENDOR_INTERFACE,
				    NULL, &iface, 0));
	v = iface->pFunctionList;
	if (v->version.major != 1)
		fail("vendor interface version: expected 1.x, got %u.%u",
		     v->version.major, v->version.minor);
	n = 0;
	expect("EP11_GetStatus before C_Initialize",
	       CKR_CRYPTOKI_NOT_INITIALIZED, v->EP11_GetStatus(NULL, &n));
	expect("C_Initialize", CKR_OK, f->C_Initialize(NULL));

	/* Status: the count, a short buffer, then the entries. */
	expect("EP11_GetStatus count", CKR_OK, v->EP11_GetStatus(NULL, &n));
	if (n < 1 || n > 64)
		fail("EP11_GetStatus count: expected 1-64, got %lu", n);
	if (n > 1) {
		CK_ULONG k = 1;

		expect("EP11_GetStatus short", CKR_BUFFER_TOO_SMALL,
		       v->EP11_GetStatus(st, &k));
		if (k != n)
			fail("EP11_GetStatus short: expected count %lu, got %lu", n, k);
	}
	n = 64;
	expect("EP11_GetStatusSized", CKR_OK,
	       v->EP11_GetStatusSized(st, sizeof(st[0]), &n));
	a = find_apqn(st, n);
	if (!(a->flags & EP11SESS_APQN_CAPS_VALID) || a->card_max != max ||
	    a->held != 0)
		fail("EP11_GetStatus %02x.%04x: expected caps valid, max %lu, held 0; got flags %#x max %u held %u",
		     card, dom, max, a->flags, a->card_max, a->held);

	expect("C_OpenSession", CKR_OK,
	       f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
				NULL, &s));
	if (own(NULL) != 0)
		fail("EP11_ListSessions before C_Login: expected none");
	expect("C_Login", CKR_OK,
	       f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)));
	if (own(id) != 1)
		fail("EP11_ListSessions after C_Login: expected one");
	n = 64;
	expect("EP11_GetStatusSized", CKR_OK,
	       v->EP11_GetStatusSized(st, sizeof(st[0]), &n));
	a = find_apqn(st, n);
	if (a->held != 1 || a->card_avail != max - 1)
		fail("EP11_GetStatus logged in: expected held 1, available %lu; got %u, %u",
		     max - 1, a->held, a->card_avail);
	entry_sizes();

	/* The process's own logout by public id: public again. */
	gen(s, &priv);
	expect("EP11_Logout own", CKR_OK, v->EP11_Logout(id, CK_FALSE));
	if (state(s) != CKS_RW_PUBLIC_SESSION)
		fail("after EP11_Logout: expected CKS_RW_PUBLIC_SESSION, got %lu",
		     state(s));
	expect("sign with the private key after EP11_Logout",
	       CKR_KEY_HANDLE_INVALID, sign(s, priv));
	if (own(NULL) != 0)
		fail("EP11_ListSessions after EP11_Logout: expected none");

	/* An administrator's logout: the next request finds out. */
	expect("C_Login again", CKR_OK,
	       f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)));
	if (own(id) != 1)
		fail("EP11_ListSessions after the second C_Login: expected one");
	gen(s, &priv);
	expect("sign before the administrator's logout", CKR_OK, sign(s, priv));
	expect("EP11_Logout privileged", CKR_OK, v->EP11_Logout(id, CK_TRUE));
	expect("sign with a session key after the administrator's logout",
	       CKR_USER_NOT_LOGGED_IN, sign(s, priv));
	if (state(s) != CKS_RW_PUBLIC_SESSION)
		fail("after the administrator's logout: expected CKS_RW_PUBLIC_SESSION, got %lu",
		     state(s));
	expect("C_Logout after the administrator's logout",
	       CKR_USER_NOT_LOGGED_IN, f->C_Logout(s));

	memset(none, 0xee, sizeof(none));
	expect("EP11_Logout own, unknown id", CKR_ARGUMENTS_BAD,
	       v->EP11_Logout(none, CK_FALSE));
	expect("EP11_Logout privileged, unknown id", CKR_ARGUMENTS_BAD,
	       v->EP11_Logout(none, CK_TRUE));
	n = 0;
	expect("EP11_ListSessions all (root)", CKR_OK,
	       v->EP11_ListSessions(CK_TRUE, NULL, &n));
	wkid_from_status();
	expect("C_Finalize", CKR_OK, f->C_Finalize(NULL));
	p11_unload(&m);
	printf("lib-vendor: ok\n");
	return 0;
}
