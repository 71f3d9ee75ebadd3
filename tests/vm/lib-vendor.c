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
 * - an unknown public id: CKR_ARGUMENTS_BAD, privileged or not.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep11sess-cryptoki.h"
#include "p11-client.h"

static CK_FUNCTION_LIST *f;
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
	expect("EP11_GetStatus", CKR_OK, v->EP11_GetStatus(st, &n));
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
	expect("EP11_GetStatus", CKR_OK, v->EP11_GetStatus(st, &n));
	a = find_apqn(st, n);
	if (a->held != 1 || a->card_avail != max - 1)
		fail("EP11_GetStatus logged in: expected held 1, available %lu; got %u, %u",
		     max - 1, a->held, a->card_avail);

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
	expect("C_Finalize", CKR_OK, f->C_Finalize(NULL));
	p11_unload(&m);
	printf("lib-vendor: ok\n");
	return 0;
}
