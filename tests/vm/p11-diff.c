// SPDX-License-Identifier: GPL-2.0
/*
 * p11-diff: one scripted sequence of PKCS#11 calls, the same for every
 * module, printing one line per step: "<step> <result>", the result being
 * the call's CKR name (and, for some steps, what it returned: a length, a
 * session state, token flags).  t-lib-softhsm.sh runs it against
 * libcryptoki and against SoftHSM2 and compares the two outputs with the
 * differences that docs/pkcs11-softhsm-differences.md explains.
 *
 *   p11-diff MODULE LABEL
 *
 * The sequence: C_Initialize rules, C_InitToken (the token labelled LABEL,
 * or the first uninitialised one), C_InitPIN, session and login rules,
 * a wrong PIN and the token flags, EC key generation, ECDSA sign and verify
 * with the length-query convention, C_FindObjects, C_GetAttributeValue
 * with length queries, sensitive and invalid attributes, C_Logout and
 * private handles, a fork with C_Initialize in the child, C_Finalize.
 * Only PKCS#11 2.40 calls (C_GetFunctionList's list): SoftHSM 2.6 has no
 * other.  A step that cannot run because an earlier one failed prints
 * "<step> skipped".  Exits 0 when the sequence ran to its end, whatever
 * the results; 1 when the module cannot be loaded.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "p11-client.h"

#define N(a)		(sizeof(a) / sizeof((a)[0]))
#define SO_PIN		"so-pin-5555"
#define USER_PIN	"user-pin-5555"
#define BAD_PIN		"wrong-pin-55"
#define PIN(x)		(CK_UTF8CHAR_PTR)(x), (CK_ULONG)strlen(x)

static CK_FUNCTION_LIST *f;
static CK_SLOT_ID slot;
static CK_UTF8CHAR label32[32];
static const char *label;

/* Prints "<step> <CKR name>[ <what>]" and returns @rv. */
static CK_RV step(const char *name, CK_RV rv, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static CK_RV step(const char *name, CK_RV rv, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s", name, p11_rv_name(rv));
	if (fmt) {
		putchar(' ');
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	putchar('\n');
	fflush(stdout);
	return rv;
}

static void note(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

#define STEP(name, call)	step(name, (call), NULL)

static const char *state_name(CK_STATE st)
{
	static const char *const names[] = {
		"CKS_RO_PUBLIC_SESSION", "CKS_RO_USER_FUNCTIONS",
		"CKS_RW_PUBLIC_SESSION", "CKS_RW_USER_FUNCTIONS",
		"CKS_RW_SO_FUNCTIONS",
	};

	return st < N(names) ? names[st] : "CKS_?";
}

static void state_step(const char *name, CK_SESSION_HANDLE s)
{
	CK_SESSION_INFO si = { 0 };
	CK_RV rv = f->C_GetSessionInfo(s, &si);

	step(name, rv, "%s", rv == CKR_OK ? state_name(si.state) : "-");
}

/* The PIN failure flags of the token: "none" or their names. */
static void flags_step(const char *name)
{
	static const struct {
		CK_FLAGS flag;
		const char *name;
	} fl[] = {
		{ CKF_USER_PIN_COUNT_LOW, "USER_PIN_COUNT_LOW" },
		{ CKF_USER_PIN_FINAL_TRY, "USER_PIN_FINAL_TRY" },
		{ CKF_USER_PIN_LOCKED, "USER_PIN_LOCKED" },
		{ CKF_SO_PIN_COUNT_LOW, "SO_PIN_COUNT_LOW" },
		{ CKF_SO_PIN_FINAL_TRY, "SO_PIN_FINAL_TRY" },
		{ CKF_SO_PIN_LOCKED, "SO_PIN_LOCKED" },
		{ CKF_USER_PIN_INITIALIZED, "USER_PIN_INITIALIZED" },
	};
	CK_TOKEN_INFO ti;
	char buf[160] = "";
	unsigned int i;
	CK_RV rv;

	rv = f->C_GetTokenInfo(slot, &ti);
	for (i = 0; rv == CKR_OK && i < N(fl); i++) {
		if (!(ti.flags & fl[i].flag))
			continue;
		if (*buf)
			strcat(buf, "|");
		strcat(buf, fl[i].name);
	}
	step(name, rv, "%s", *buf ? buf : "none");
}

static const char *ulong_str(CK_ULONG v, char *buf, size_t len)
{
	if (v == CK_UNAVAILABLE_INFORMATION)
		return "CK_UNAVAILABLE_INFORMATION";
	if (v == CK_EFFECTIVELY_INFINITE)
		return "CK_EFFECTIVELY_INFINITE";
	snprintf(buf, len, "%lu", (unsigned long)v);
	return buf;
}

/* The slot of the token labelled @label, else the first uninitialised one. */
static bool find_slot(void)
{
	CK_SLOT_ID ids[64];
	CK_ULONG n = N(ids), i;
	CK_TOKEN_INFO ti;
	bool found = false;

	if (f->C_GetSlotList(CK_TRUE, ids, &n) != CKR_OK)
		return false;
	for (i = 0; i < n; i++) {
		if (f->C_GetTokenInfo(ids[i], &ti) != CKR_OK)
			continue;
		if (!memcmp(ti.label, label32, sizeof(label32))) {
			slot = ids[i];
			return true;
		}
		if (!found && !(ti.flags & CKF_TOKEN_INITIALIZED)) {
			slot = ids[i];
			found = true;
		}
	}
	return found;
}

static const CK_BYTE p256_oid[] = {
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
};

/* The sequence's part with an EC key pair, logged in as USER in @s. */
static void keys_and_objects(CK_SESSION_HANDLE s)
{
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM ecdsa = { CKM_ECDSA, NULL, 0 };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	static const char klabel[] = "p11-diff-ec";
	CK_ATTRIBUTE pt[] = {
		{ CKA_EC_PARAMS, (void *)p256_oid, sizeof(p256_oid) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &no, sizeof(no) },
		{ CKA_LABEL, (void *)klabel, sizeof(klabel) - 1 },
	};
	CK_ATTRIBUTE kt[] = {
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_LABEL, (void *)klabel, sizeof(klabel) - 1 },
	};
	CK_ATTRIBUTE ft[] = { { CKA_LABEL, (void *)klabel, sizeof(klabel) - 1 } };
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE, found[8];
	CK_BYTE dgst[32], sig[128], buf[256], lbl[4];
	CK_ULONG len, n = 0;
	char num[32];
	CK_RV rv;

	EVP_Digest("p11-diff", 8, dgst, NULL, EVP_sha256(), NULL);
	rv = STEP("generate_key_pair_ec_p256",
		  f->C_GenerateKeyPair(s, &gen, pt, N(pt), kt, N(kt), &pub, &priv));
	if (rv != CKR_OK) {
		note("keys_and_objects", "skipped");
		return;
	}
	STEP("sign_init_ecdsa", f->C_SignInit(s, &ecdsa, priv));
	STEP("sign_init_while_active", f->C_SignInit(s, &ecdsa, priv));
	len = 0;
	rv = f->C_Sign(s, dgst, sizeof(dgst), NULL, &len);
	step("sign_length_query", rv, "%s", ulong_str(len, num, sizeof(num)));
	len = 10;
	rv = f->C_Sign(s, dgst, sizeof(dgst), sig, &len);
	step("sign_buffer_too_small", rv, "%s", ulong_str(len, num, sizeof(num)));
	len = sizeof(sig);
	rv = f->C_Sign(s, dgst, sizeof(dgst), sig, &len);
	step("sign", rv, "%s", ulong_str(len, num, sizeof(num)));
	STEP("sign_after_it_ended", f->C_Sign(s, dgst, sizeof(dgst), sig, &len));
	STEP("verify_init", f->C_VerifyInit(s, &ecdsa, pub));
	STEP("verify", f->C_Verify(s, dgst, sizeof(dgst), sig, len));
	sig[3] ^= 1;
	STEP("verify_init_again", f->C_VerifyInit(s, &ecdsa, pub));
	STEP("verify_bad_signature", f->C_Verify(s, dgst, sizeof(dgst), sig, len));

	STEP("find_objects_init", f->C_FindObjectsInit(s, ft, N(ft)));
	rv = f->C_FindObjects(s, found, N(found), &n);
	step("find_objects", rv, "%lu", (unsigned long)n);
	STEP("find_objects_final", f->C_FindObjectsFinal(s));
	STEP("find_objects_without_init", f->C_FindObjects(s, found, N(found), &n));

	{
		CK_ATTRIBUTE a = { CKA_LABEL, NULL, 0 };

		rv = f->C_GetAttributeValue(s, priv, &a, 1);
		step("get_attribute_label_length", rv, "%s",
		     ulong_str(a.ulValueLen, num, sizeof(num)));
	}
	{
		CK_KEY_TYPE kty = 0;
		CK_ATTRIBUTE a[] = {
			{ CKA_KEY_TYPE, &kty, sizeof(kty) },
			{ CKA_LABEL, lbl, sizeof(lbl) },
		};

		rv = f->C_GetAttributeValue(s, priv, a, N(a));
		step("get_attribute_label_too_small", rv, "%s key_type %lu",
		     ulong_str(a[1].ulValueLen, num, sizeof(num)), (unsigned long)kty);
	}
	{
		CK_ATTRIBUTE a = { CKA_VALUE, buf, sizeof(buf) };

		rv = f->C_GetAttributeValue(s, priv, &a, 1);
		step("get_attribute_sensitive_value", rv, "%s",
		     ulong_str(a.ulValueLen, num, sizeof(num)));
	}
	{
		CK_ATTRIBUTE a = { CKA_MODULUS, buf, sizeof(buf) };

		rv = f->C_GetAttributeValue(s, pub, &a, 1);
		step("get_attribute_modulus_of_ec_key", rv, "%s",
		     ulong_str(a.ulValueLen, num, sizeof(num)));
	}

	/* Logout: private handles and operations with private keys end. */
	STEP("sign_init_before_logout", f->C_SignInit(s, &ecdsa, priv));
	STEP("logout", f->C_Logout(s));
	len = sizeof(sig);
	STEP("sign_after_logout", f->C_Sign(s, dgst, sizeof(dgst), sig, &len));
	{
		CK_ATTRIBUTE a = { CKA_LABEL, buf, sizeof(buf) };

		STEP("get_attribute_private_after_logout",
		     f->C_GetAttributeValue(s, priv, &a, 1));
		a.ulValueLen = sizeof(buf);
		STEP("get_attribute_public_after_logout",
		     f->C_GetAttributeValue(s, pub, &a, 1));
		STEP("login_again", f->C_Login(s, CKU_USER, PIN(USER_PIN)));
		a.ulValueLen = sizeof(buf);
		STEP("get_attribute_private_after_relogin",
		     f->C_GetAttributeValue(s, priv, &a, 1));
	}
	STEP("find_objects_init_after_relogin", f->C_FindObjectsInit(s, ft, N(ft)));
	rv = f->C_FindObjects(s, found, N(found), &n);
	step("find_objects_after_relogin", rv, "%lu", (unsigned long)n);
	STEP("find_objects_final_after_relogin", f->C_FindObjectsFinal(s));
}

/* The child of a process with a logged-in session. */
static void forked_child(void)
{
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	CK_SESSION_HANDLE s;
	CK_INFO info;
	CK_RV rv;

	STEP("child_get_info_before_initialize", f->C_GetInfo(&info));
	STEP("child_initialize", f->C_Initialize(&args));
	rv = STEP("child_open_session",
		  f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s));
	if (rv == CKR_OK) {
		state_step("child_session_state", s);
		STEP("child_login", f->C_Login(s, CKU_USER, PIN(USER_PIN)));
	}
	STEP("child_finalize", f->C_Finalize(NULL));
	fflush(stdout);
	_exit(0);
}

static void sequence(void)
{
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE, r = CK_INVALID_HANDLE, t;
	CK_SLOT_ID ids[64];
	CK_TOKEN_INFO ti;
	CK_ULONG n;
	CK_INFO info;
	char num[32];
	pid_t pid;
	CK_RV rv;
	int st;

	STEP("get_info_before_initialize", f->C_GetInfo(&info));
	STEP("initialize_reserved_non_null",
	     f->C_Initialize(&(CK_C_INITIALIZE_ARGS){ .pReserved = &args }));
	STEP("initialize", f->C_Initialize(&args));
	STEP("initialize_again", f->C_Initialize(&args));
	n = 0;
	rv = f->C_GetSlotList(CK_TRUE, NULL, &n);
	step("get_slot_list_count", rv, "%s", n ? "some" : "none");
	n = 0;
	STEP("get_slot_list_too_small", f->C_GetSlotList(CK_TRUE, ids, &n));
	if (!find_slot()) {
		note("find_token", "none");
		return;
	}
	note("find_token", "found");

	/* C_InitToken may renumber the slot (SoftHSM does): find it again. */
	STEP("init_token", f->C_InitToken(slot, PIN(SO_PIN), label32));
	note("find_token_after_init", find_slot() ? "found" : "none");
	STEP("init_token_wrong_so_pin", f->C_InitToken(slot, PIN(BAD_PIN), label32));
	STEP("open_session_without_serial", f->C_OpenSession(slot, 0, NULL, NULL, &t));
	rv = STEP("open_rw_session",
		  f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s));
	if (rv != CKR_OK)
		return;
	STEP("init_token_with_session_open", f->C_InitToken(slot, PIN(SO_PIN), label32));
	STEP("login_user_before_init_pin", f->C_Login(s, CKU_USER, PIN(USER_PIN)));
	STEP("init_pin_in_public_session", f->C_InitPIN(s, PIN(USER_PIN)));
	STEP("login_so", f->C_Login(s, CKU_SO, PIN(SO_PIN)));
	state_step("session_state_so", s);
	STEP("open_ro_session_while_so",
	     f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &t));
	STEP("login_so_again", f->C_Login(s, CKU_SO, PIN(SO_PIN)));
	STEP("login_user_while_so", f->C_Login(s, CKU_USER, PIN(USER_PIN)));
	STEP("init_pin", f->C_InitPIN(s, PIN(USER_PIN)));
	STEP("logout_so", f->C_Logout(s));
	STEP("logout_without_login", f->C_Logout(s));
	STEP("open_ro_session", f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &r));
	STEP("login_so_with_ro_session", f->C_Login(s, CKU_SO, PIN(SO_PIN)));
	STEP("set_pin_in_ro_session", f->C_SetPIN(r, PIN(USER_PIN), PIN(USER_PIN)));
	flags_step("token_flags_before_wrong_pin");
	STEP("login_user_wrong_pin", f->C_Login(s, CKU_USER, PIN(BAD_PIN)));
	flags_step("token_flags_after_wrong_pin");
	STEP("login_user", f->C_Login(s, CKU_USER, PIN(USER_PIN)));
	flags_step("token_flags_after_good_pin");
	state_step("session_state_rw_user", s);
	state_step("session_state_ro_user", r);
	STEP("login_user_again", f->C_Login(r, CKU_USER, PIN(USER_PIN)));
	STEP("login_so_while_user_with_ro_session", f->C_Login(s, CKU_SO, PIN(SO_PIN)));
	rv = f->C_GetTokenInfo(slot, &ti);
	step("token_info_session_count", rv, "%s",
	     ulong_str(ti.ulSessionCount, num, sizeof(num)));
	step("token_info_max_session_count", rv, "%s",
	     ulong_str(ti.ulMaxSessionCount, num, sizeof(num)));

	keys_and_objects(s);

	/* A child of a process with a logged-in session. */
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		forked_child();
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		note("fork", "failed");
	} else {
		note("child_exit", "%s %d", WIFEXITED(st) ? "status" : "signal",
		     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
	state_step("session_state_after_child", s);

	STEP("close_session", f->C_CloseSession(r));
	STEP("close_session_again", f->C_CloseSession(r));
	STEP("close_all_sessions", f->C_CloseAllSessions(slot));
	rv = STEP("open_session_after_close_all",
		  f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &t));
	if (rv == CKR_OK)
		state_step("session_state_after_close_all", t);
	STEP("finalize_reserved_non_null", f->C_Finalize(&args));
	STEP("finalize", f->C_Finalize(NULL));
	STEP("finalize_again", f->C_Finalize(NULL));
}

int main(int argc, char **argv)
{
	struct p11_module m;
	char err[512];
	size_t len;

	if (argc != 3) {
		fprintf(stderr, "usage: p11-diff MODULE LABEL\n");
		return 2;
	}
	label = argv[2];
	len = strlen(label);
	if (!len || len > sizeof(label32)) {
		fprintf(stderr, "p11-diff: LABEL: expected 1-32 bytes, got %zu\n", len);
		return 2;
	}
	memset(label32, ' ', sizeof(label32));
	memcpy(label32, label, len);
	if (p11_load(argv[1], &m, err, sizeof(err))) {
		fprintf(stderr, "p11-diff: %s\n", err);
		return 1;
	}
	note("exports_c_get_interface", "%s", m.f3 ? "yes" : "no");
	f = m.f2;
	sequence();
	note("end", "of the sequence");
	return 0;
}
