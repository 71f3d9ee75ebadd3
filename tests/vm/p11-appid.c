// SPDX-License-Identifier: GPL-2.0
/*
 * p11-appid: a PKCS#11 application driven line by line, for the tests of
 * libcryptoki's application ids (t-lib-appid.sh), where several such
 * processes take turns.
 *
 *   p11-appid MODULE SLOT [MAJOR.MINOR]
 *
 * With MAJOR.MINOR it calls CA_SetApplicationID before C_Initialize (as
 * Luna's applications do); without it the process has the configuration's
 * id, or none.  It then reads commands from standard input, one a line,
 * and answers each with one line: "ok" (and what it saw), or "FAIL: what:
 * expected X, got Y", after which it exits 1.  CKR arguments are names
 * (CKR_OK, CKR_USER_NOT_LOGGED_IN, ...).
 *
 *   open                   a R/W session (one at most)
 *   state USER|PUBLIC      C_GetSessionInfo says CKS_RW_USER_FUNCTIONS or
 *                          CKS_RW_PUBLIC_SESSION
 *   login PIN [CKR]        C_Login as USER answers CKR (CKR_OK)
 *   logout [CKR]           C_Logout answers CKR (CKR_OK)
 *   makekey LABEL          an EC P-256 token key pair (private key private)
 *   makedata LABEL VALUE   a private token data object
 *   count LABEL N          N private objects labelled LABEL are found
 *   sign LABEL             the private key LABEL signs (ECDSA-SHA256) and
 *                          the public key verifies it
 *   read LABEL VALUE       the private data object LABEL has CKA_VALUE VALUE
 *   signinit LABEL         C_SignInit with the private key LABEL
 *   signfinal CKR          C_Sign of the operation signinit began answers CKR
 *   private CKR            C_CreateObject of a private session data object
 *                          answers CKR
 *   setid MAJOR.MINOR CKR  CA_SetApplicationID now answers CKR
 *   keep MAJOR.MINOR [CKR] CA_OpenApplicationID answers CKR (CKR_OK)
 *   unkeep MAJOR.MINOR     CA_CloseApplicationID answers CKR_OK
 *   vendor                 the vendor interface 1.1 has the CA_* functions
 *                          the library exports, 1.0 is still given
 *   close                  C_CloseSession
 *   quit                   C_Finalize, exit 0
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep11sess-cryptoki.h"
#include "p11-client.h"

typedef CK_RV (*ca_set_fn)(CK_ULONG, CK_ULONG);
typedef CK_RV (*ca_open_fn)(CK_SLOT_ID, CK_ULONG, CK_ULONG);

static struct p11_module mod;
static CK_FUNCTION_LIST *f;
static CK_SLOT_ID slot;
static CK_SESSION_HANDLE sess;
static ca_set_fn ca_set;
static ca_open_fn ca_open, ca_close;

static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

/* @got must be the code named @want (NULL: CKR_OK). */
static void expect(const char *what, const char *want, CK_RV got)
{
	if (!want)
		want = "CKR_OK";
	if (strcmp(p11_rv_name(got), want))
		fail("%s: expected %s, got %s", what, want, p11_rv_name(got));
}

static void parse_id(const char *s, CK_ULONG *major, CK_ULONG *minor)
{
	char *end;

	*major = strtoul(s, &end, 10);
	if (*end != '.')
		fail("'%s': expected MAJOR.MINOR", s);
	*minor = strtoul(end + 1, &end, 10);
	if (*end)
		fail("'%s': expected MAJOR.MINOR", s);
}

/*
 * Objects labelled @label: private ones of class @cls, or of any class
 * (CK_UNAVAILABLE_INFORMATION); public keys of CKO_PUBLIC_KEY.
 */
static CK_ULONG find(CK_OBJECT_CLASS cls, const char *label,
		     CK_OBJECT_HANDLE *out)
{
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[3];
	CK_OBJECT_HANDLE o[4];
	CK_ULONG n = 0, nt = 0;

	t[nt++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
	if (cls != CKO_PUBLIC_KEY)
		t[nt++] = (CK_ATTRIBUTE){ CKA_PRIVATE, &yes, sizeof(yes) };
	if (cls != CK_UNAVAILABLE_INFORMATION)
		t[nt++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	expect("C_FindObjectsInit", NULL, f->C_FindObjectsInit(sess, t, nt));
	expect("C_FindObjects", NULL, f->C_FindObjects(sess, o, 4, &n));
	expect("C_FindObjectsFinal", NULL, f->C_FindObjectsFinal(sess));
	if (out && n)
		*out = o[0];
	return n;
}

static CK_OBJECT_HANDLE find_one(CK_OBJECT_CLASS cls, const char *label)
{
	CK_OBJECT_HANDLE h = 0;
	CK_ULONG n = find(cls, label, &h);

	if (n != 1)
		fail("find '%s' of class %lu: expected 1 object, got %lu",
		     label, cls, n);
	return h;
}

static void cmd_state(const char *want)
{
	CK_STATE w = !strcmp(want, "USER") ? CKS_RW_USER_FUNCTIONS :
		     CKS_RW_PUBLIC_SESSION;
	CK_SESSION_INFO si;

	expect("C_GetSessionInfo", NULL, f->C_GetSessionInfo(sess, &si));
	if (si.state != w)
		fail("C_GetSessionInfo: expected state %lu (%s), got %lu", w,
		     want, si.state);
}

static void cmd_makekey(const char *label)
{
	static const CK_BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
					0x3d, 0x03, 0x01, 0x07 };
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE pt[] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_EC_PARAMS, (void *)p256, sizeof(p256) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_ATTRIBUTE vt[] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_OBJECT_HANDLE pub, priv;

	expect("C_GenerateKeyPair", NULL,
	       f->C_GenerateKeyPair(sess, &gen, pt, 3, vt, 4, &pub, &priv));
}

static void cmd_makedata(const char *label, const char *value)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_VALUE, (void *)value, strlen(value) },
	};
	CK_OBJECT_HANDLE h;

	expect("C_CreateObject", NULL, f->C_CreateObject(sess, t, 5, &h));
}

static void cmd_count(const char *label, const char *want)
{
	CK_ULONG got = find(CK_UNAVAILABLE_INFORMATION, label, NULL);
	CK_ULONG n = strtoul(want, NULL, 10);

	if (got != n)
		fail("private objects labelled '%s': expected %lu, got %lu",
		     label, n, got);
}

static void cmd_sign(const char *label)
{
	CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_OBJECT_HANDLE priv = find_one(CKO_PRIVATE_KEY, label);
	CK_OBJECT_HANDLE pub = find_one(CKO_PUBLIC_KEY, label);
	unsigned char sig[256];
	CK_ULONG siglen = sizeof(sig);

	expect("C_SignInit", NULL, f->C_SignInit(sess, &m, priv));
	expect("C_Sign", NULL, f->C_Sign(sess, (CK_BYTE_PTR)"appid", 5, sig,
					 &siglen));
	expect("C_VerifyInit", NULL, f->C_VerifyInit(sess, &m, pub));
	expect("C_Verify", NULL, f->C_Verify(sess, (CK_BYTE_PTR)"appid", 5, sig,
					     siglen));
}

static void cmd_read(const char *label, const char *want)
{
	CK_OBJECT_HANDLE h = find_one(CKO_DATA, label);
	char buf[256];
	CK_ATTRIBUTE a = { CKA_VALUE, buf, sizeof(buf) - 1 };

	expect("C_GetAttributeValue(CKA_VALUE)", NULL,
	       f->C_GetAttributeValue(sess, h, &a, 1));
	buf[a.ulValueLen] = '\0';
	if (strcmp(buf, want))
		fail("CKA_VALUE of '%s': expected '%s', got '%s'", label, want,
		     buf);
}

static void cmd_signinit(const char *label)
{
	CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };

	expect("C_SignInit", NULL,
	       f->C_SignInit(sess, &m, find_one(CKO_PRIVATE_KEY, label)));
}

static void cmd_signfinal(const char *want)
{
	unsigned char sig[256];
	CK_ULONG siglen = sizeof(sig);

	expect("C_Sign", want, f->C_Sign(sess, (CK_BYTE_PTR)"late", 4, sig,
					 &siglen));
}

static void cmd_private(const char *want)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_VALUE, (void *)"x", 1 },
	};
	CK_OBJECT_HANDLE h;

	expect("C_CreateObject(private)", want,
	       f->C_CreateObject(sess, t, 3, &h));
}

/* The CA_* functions of vendor interface @v are the exported ones. */
static void expect_exported_ca(const EP11SESS_FUNCTION_LIST *v)
{
	if (v->CA_SetApplicationID != ca_set ||
	    v->CA_OpenApplicationID != ca_open ||
	    v->CA_CloseApplicationID != ca_close)
		fail("vendor interface %u.%u: expected the exported CA_* functions, got others",
		     v->version.major, v->version.minor);
}

/*
 * The vendor interface: the newest (1.2) by name and 1.1 by number, each
 * with the exported CA_* functions; 1.0 by number.
 */
static void cmd_vendor(void)
{
	CK_VERSION v10 = { 1, 0 }, v11 = { 1, 1 };
	CK_C_GetInterface gi = (CK_C_GetInterface)dlsym(mod.dl, "C_GetInterface");
	const EP11SESS_FUNCTION_LIST *v;
	CK_INTERFACE_PTR iface;

	expect("C_GetInterface(Vendor ep11sess)", NULL,
	       gi((CK_UTF8CHAR_PTR)EP11SESS_VENDOR_INTERFACE, NULL, &iface, 0));
	v = iface->pFunctionList;
	if (v->version.major != 1 || v->version.minor != 2 ||
	    !v->EP11_GetStatusSized || !v->EP11_ListSessionsSized)
		fail("vendor interface by name: expected version 1.2 with the sized functions, got %u.%u",
		     v->version.major, v->version.minor);
	expect_exported_ca(v);
	expect("C_GetInterface(Vendor ep11sess, 1.1)", NULL,
	       gi((CK_UTF8CHAR_PTR)EP11SESS_VENDOR_INTERFACE, &v11, &iface, 0));
	v = iface->pFunctionList;
	if (v->version.major != 1 || v->version.minor != 1)
		fail("vendor interface 1.1: expected version 1.1, got %u.%u",
		     v->version.major, v->version.minor);
	expect_exported_ca(v);
	expect("C_GetInterface(Vendor ep11sess, 1.0)", NULL,
	       gi((CK_UTF8CHAR_PTR)EP11SESS_VENDOR_INTERFACE, &v10, &iface, 0));
	v = iface->pFunctionList;
	if (v->version.major != 1 || v->version.minor != 0 || !v->EP11_Logout)
		fail("vendor interface 1.0: expected version 1.0 with EP11_Logout, got %u.%u",
		     v->version.major, v->version.minor);
}

static void run(char *line)
{
	char *w[4] = { 0 };
	CK_ULONG a, b;
	int n = 0;

	for (char *t = strtok(line, " \t\n"); t && n < 4; t = strtok(NULL, " \t\n"))
		w[n++] = t;
	if (!n)
		fail("an empty command");
	if (!strcmp(w[0], "open")) {
		expect("C_OpenSession", NULL,
		       f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
					NULL, NULL, &sess));
	} else if (!strcmp(w[0], "state") && w[1]) {
		cmd_state(w[1]);
	} else if (!strcmp(w[0], "login") && w[1]) {
		expect("C_Login", w[2], f->C_Login(sess, CKU_USER,
						    (CK_UTF8CHAR_PTR)w[1],
						    strlen(w[1])));
	} else if (!strcmp(w[0], "logout")) {
		expect("C_Logout", w[1], f->C_Logout(sess));
	} else if (!strcmp(w[0], "makekey") && w[1]) {
		cmd_makekey(w[1]);
	} else if (!strcmp(w[0], "makedata") && w[2]) {
		cmd_makedata(w[1], w[2]);
	} else if (!strcmp(w[0], "count") && w[2]) {
		cmd_count(w[1], w[2]);
	} else if (!strcmp(w[0], "sign") && w[1]) {
		cmd_sign(w[1]);
	} else if (!strcmp(w[0], "read") && w[2]) {
		cmd_read(w[1], w[2]);
	} else if (!strcmp(w[0], "signinit") && w[1]) {
		cmd_signinit(w[1]);
	} else if (!strcmp(w[0], "signfinal") && w[1]) {
		cmd_signfinal(w[1]);
	} else if (!strcmp(w[0], "private") && w[1]) {
		cmd_private(w[1]);
	} else if (!strcmp(w[0], "setid") && w[2]) {
		parse_id(w[1], &a, &b);
		expect("CA_SetApplicationID", w[2], ca_set(a, b));
	} else if (!strcmp(w[0], "keep") && w[1]) {
		parse_id(w[1], &a, &b);
		expect("CA_OpenApplicationID", w[2], ca_open(slot, a, b));
	} else if (!strcmp(w[0], "unkeep") && w[1]) {
		parse_id(w[1], &a, &b);
		expect("CA_CloseApplicationID", NULL, ca_close(slot, a, b));
	} else if (!strcmp(w[0], "vendor")) {
		cmd_vendor();
	} else if (!strcmp(w[0], "close")) {
		expect("C_CloseSession", NULL, f->C_CloseSession(sess));
	} else if (!strcmp(w[0], "quit")) {
		expect("C_Finalize", NULL, f->C_Finalize(NULL));
		printf("ok\n");
		fflush(stdout);
		exit(0);
	} else {
		fail("unknown command '%s'", w[0]);
	}
}

int main(int argc, char **argv)
{
	char line[512], err[512];
	CK_ULONG major, minor;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: p11-appid MODULE SLOT [MAJOR.MINOR]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	slot = strtoul(argv[2], NULL, 10);
	if (p11_load(argv[1], &mod, err, sizeof(err)))
		fail("%s", err);
	f = mod.f2;
	ca_set = (ca_set_fn)dlsym(mod.dl, "CA_SetApplicationID");
	ca_open = (ca_open_fn)dlsym(mod.dl, "CA_OpenApplicationID");
	ca_close = (ca_open_fn)dlsym(mod.dl, "CA_CloseApplicationID");
	if (!ca_set || !ca_open || !ca_close)
		fail("%s: expected CA_SetApplicationID, CA_OpenApplicationID and CA_CloseApplicationID exported",
		     argv[1]);
	if (argc == 4) {
		parse_id(argv[3], &major, &minor);
		expect("CA_SetApplicationID before C_Initialize", NULL,
		       ca_set(major, minor));
	}
	expect("C_Initialize", NULL, f->C_Initialize(NULL));
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		run(line);
		printf("ok\n");
	}
	f->C_Finalize(NULL);
	return 0;
}
