// SPDX-License-Identifier: GPL-2.0
/*
 * lib-api: the PKCS#11 rules that libcryptoki promises its users, one
 * cmocka test per rule, named after the rule, each asserting the exact
 * return code of PKCS#11 3.0.  The library is loaded with dlopen() exactly
 * as a client loads it (C_GetFunctionList, C_GetInterface("PKCS 11", 3.0));
 * nothing of its insides is used.  The kernel's side is read from
 * /dev/ep11sess (the status and list ioctls) to see which EP11 sessions
 * the library holds.
 *
 *   lib-api [--mode default|strict|slowpin|wait] [--filter PATTERN] [--apqn APQN]
 *           [--label LABEL] [LIBRARY]
 *
 * LIBRARY: the module, else $EP11SESS_CRYPTOKI_LIB.  The library reads its
 * own configuration ($EP11SESS_CRYPTOKI_CONF); the token labelled LABEL
 * (default "lib-api") is initialised afresh by the program, so give it a
 * token whose store may be wiped.
 *
 * --mode: the token's session mode; "default" runs the rules, "strict"
 * the rules that depend on strict mode (one EP11 session per logged-in
 * PKCS#11 session, session objects bound to it); "slowpin" and "wait" the
 * rules of a login that takes long (a slow PIN check; a wait for room on
 * a card whose host share another process fills); "full" the rules of a
 * strict-mode token on a card with room for one EP11 session of it (the
 * host's share of the card: as many card sessions as the token has
 * APQNs); "solock" locks the token's SO PIN (give it a token of its own).
 * --apqn: the token's first APQN; the tests that count the kernel's EP11
 * sessions are skipped without it.
 * --filter: a cmocka test-name pattern ("login_*").
 *
 * Environment: LIBAPI_PIN_MAX_TRIES (the configuration's pin_max_tries,
 * default 3), LIBAPI_CYCLES (C_Initialize/C_Finalize cycles, default 300).
 */
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <setjmp.h>
#include <sched.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "p11-client.h"
#include "vmtest.h"

#define N(a)		(sizeof(a) / sizeof((a)[0]))
#define SO_PIN		"so-pin-0123"
#define USER_PIN	"user-pin-0123"
#define NEW_PIN		"user-pin-4567"
#define BAD_PIN		"wrong-pin-99"
#define PIN(x)		(CK_UTF8CHAR_PTR)(x), (CK_ULONG)strlen(x)
#define NO_SESSION	((CK_SESSION_HANDLE)0)

static struct p11_module mod;
static CK_FUNCTION_LIST_3_0 *p;
static CK_SLOT_ID slot;
static char token_label[33] = "lib-api";
static CK_UTF8CHAR label32[32];
static unsigned int max_tries = 3;
static unsigned int cycles = 300;
static bool have_apqn;
static struct ep11sess_apqn apqn;
static int devfd = -1;
/* A test that changes the PINs sets it until it has put them back. */
static bool dirty;
/* What a loop adds to a failure message ("cycle 12: "). */
static char where[160];

static CK_C_INITIALIZE_ARGS os_locking = { .flags = CKF_OS_LOCKING_OK };
static const CK_BYTE p256_oid[] = {
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
};
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

#define EXPECT_RV(want, call) do {					\
	CK_RV rv_ = (call);						\
	if (rv_ != (CK_RV)(want))					\
		fail_msg("%s%s: expected %s, got %s", where, #call,	\
			 p11_rv_name(want), p11_rv_name(rv_));		\
} while (0)
#define OK(call)	EXPECT_RV(CKR_OK, call)
#define EXPECT(cond, fmt, ...) do {					\
	if (!(cond))							\
		fail_msg("%sexpected " fmt, where, ##__VA_ARGS__);	\
} while (0)

static void at(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void at(const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(where, sizeof(where) - 3, fmt, ap);
	va_end(ap);
	n = strlen(where);
	strcpy(where + n, ": ");
}

/* ---- children: no cmocka in them; they report by exit status ---- */

static void child_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void child_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lib-api child %d: expected ", (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(1);
}

#define CHILD_RV(want, call) do {					\
	CK_RV rv_ = (call);						\
	if (rv_ != (CK_RV)(want))					\
		child_fail("%s: %s, got %s", #call, p11_rv_name(want),	\
			   p11_rv_name(rv_));				\
} while (0)
#define CHILD_OK(call)	CHILD_RV(CKR_OK, call)

/* Children a test started; teardown kills those a failed test left. */
static pid_t children[16];

static pid_t fork_or_fail(void)
{
	unsigned int i;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (!pid)
		return 0;
	for (i = 0; i < N(children); i++)
		if (!children[i]) {
			children[i] = pid;
			break;
		}
	return pid;
}

static void forget_child(pid_t pid)
{
	unsigned int i;

	for (i = 0; i < N(children); i++)
		if (children[i] == pid)
			children[i] = 0;
}

static void kill_children(void)
{
	unsigned int i;

	for (i = 0; i < N(children); i++) {
		if (!children[i])
			continue;
		kill(children[i], SIGKILL);
		waitpid(children[i], NULL, 0);
		children[i] = 0;
	}
}

/* Pipes of a test; closed by teardown. */
static int pipes[8][2];
static unsigned int npipes;

static int *pipe_or_fail(void)
{
	if (npipes == N(pipes) || pipe(pipes[npipes]))
		fail_msg("pipe: %s", npipes == N(pipes) ? "too many" : strerror(errno));
	return pipes[npipes++];
}

static void close_pipes(void)
{
	while (npipes) {
		npipes--;
		close(pipes[npipes][0]);
		close(pipes[npipes][1]);
	}
}

/* Waits for @pid; its exit status must be 0. */
static void wait_child(pid_t pid, const char *what)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		fail_msg("%s: waitpid: %s", what, strerror(errno));
	forget_child(pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail_msg("%s: expected the child to exit with 0, got %s %d (its messages are above)",
			 what, WIFEXITED(st) ? "exit status" : "signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

static void write_byte(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		_exit(3);
}

static char read_byte(int fd)
{
	char c = 0;

	return read(fd, &c, 1) == 1 ? c : 0;
}

/* ---- the library ---- */

static CK_SESSION_HANDLE open_session(CK_FLAGS flags)
{
	CK_SESSION_HANDLE s = NO_SESSION;

	OK(p->C_OpenSession(slot, CKF_SERIAL_SESSION | flags, NULL, NULL, &s));
	return s;
}

static CK_SESSION_HANDLE open_rw(void)
{
	return open_session(CKF_RW_SESSION);
}

static CK_SESSION_HANDLE open_ro(void)
{
	return open_session(0);
}

static CK_RV login(CK_SESSION_HANDLE s, CK_USER_TYPE who, const char *pin)
{
	return p->C_Login(s, who, PIN(pin));
}

static CK_STATE state_of(CK_SESSION_HANDLE s)
{
	CK_SESSION_INFO si;

	OK(p->C_GetSessionInfo(s, &si));
	return si.state;
}

static const char *state_name(CK_STATE st)
{
	static const char *const names[] = {
		"CKS_RO_PUBLIC_SESSION", "CKS_RO_USER_FUNCTIONS",
		"CKS_RW_PUBLIC_SESSION", "CKS_RW_USER_FUNCTIONS",
		"CKS_RW_SO_FUNCTIONS",
	};

	return st < N(names) ? names[st] : "CKS_?";
}

static void expect_state(CK_SESSION_HANDLE s, CK_STATE want, const char *what)
{
	CK_STATE got = state_of(s);

	EXPECT(got == want, "%s: session state %s, got %s", what,
	       state_name(want), state_name(got));
}

static CK_TOKEN_INFO token_info(void)
{
	CK_TOKEN_INFO ti;

	OK(p->C_GetTokenInfo(slot, &ti));
	return ti;
}

static CK_FLAGS token_flags(void)
{
	return token_info().flags;
}

/*
 * The token from scratch: C_InitToken with SO_PIN, the USER PIN set to
 * USER_PIN.  Needs the library initialised and no session open.
 */
static void token_reset(void)
{
	CK_SESSION_HANDLE s;

	OK(p->C_InitToken(slot, PIN(SO_PIN), label32));
	s = open_rw();
	OK(login(s, CKU_SO, SO_PIN));
	OK(p->C_InitPIN(s, PIN(USER_PIN)));
	OK(p->C_Logout(s));
	OK(p->C_CloseSession(s));
}

static void get_attrs(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE *a,
		      CK_ULONG n)
{
	OK(p->C_GetAttributeValue(s, o, a, n));
}

static CK_OBJECT_HANDLE make_data(CK_SESSION_HANDLE s, const char *label,
				  CK_BBOOL token, CK_BBOOL priv,
				  const void *val, size_t len)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_TOKEN, &token, sizeof(token) },
		{ CKA_PRIVATE, &priv, sizeof(priv) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_VALUE, (void *)val, len },
	};

	OK(p->C_CreateObject(s, t, N(t), &o));
	return o;
}

static CK_ULONG find_label(CK_SESSION_HANDLE s, const char *label,
			   CK_OBJECT_HANDLE *out, CK_ULONG max)
{
	CK_ATTRIBUTE t[] = { { CKA_LABEL, (void *)label, strlen(label) } };
	CK_ULONG n = 0;

	OK(p->C_FindObjectsInit(s, t, N(t)));
	OK(p->C_FindObjects(s, out, max, &n));
	OK(p->C_FindObjectsFinal(s));
	return n;
}

/* The one private key labelled @label. */
static CK_OBJECT_HANDLE find_private_key(CK_SESSION_HANDLE s, const char *label)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = {
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_CLASS, &cls, sizeof(cls) },
	};
	CK_OBJECT_HANDLE o[2];
	CK_ULONG n = 0;

	OK(p->C_FindObjectsInit(s, t, N(t)));
	OK(p->C_FindObjects(s, o, N(o), &n));
	OK(p->C_FindObjectsFinal(s));
	EXPECT(n == 1, "one private key labelled %s, got %lu", label, (unsigned long)n);
	return o[0];
}

/* An EC P-256 key pair for signing; the private half sensitive, private. */
static void gen_ec(CK_SESSION_HANDLE s, CK_BBOOL token, const char *label,
		   CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = {
		{ CKA_EC_PARAMS, (void *)p256_oid, sizeof(p256_oid) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
		{ CKA_TOKEN, &token, sizeof(token) },
		{ CKA_PRIVATE, &no, sizeof(no) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_ATTRIBUTE kt[] = {
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_TOKEN, &token, sizeof(token) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};

	OK(p->C_GenerateKeyPair(s, &m, pt, N(pt), kt, N(kt), pub, priv));
}

/* An AES key with a known value, imported with C_CreateObject. */
static CK_OBJECT_HANDLE import_aes(CK_SESSION_HANDLE s, const CK_BYTE *key,
				   CK_ULONG len)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_ENCRYPT, &yes, sizeof(yes) },
		{ CKA_DECRYPT, &yes, sizeof(yes) },
		{ CKA_VALUE, (void *)key, len },
	};

	OK(p->C_CreateObject(s, t, N(t), &o));
	return o;
}

static CK_OBJECT_HANDLE gen_aes(CK_SESSION_HANDLE s)
{
	CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ULONG len = 32;
	CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
		{ CKA_VALUE_LEN, &len, sizeof(len) },
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_ENCRYPT, &yes, sizeof(yes) },
		{ CKA_DECRYPT, &yes, sizeof(yes) },
	};

	OK(p->C_GenerateKey(s, &m, t, N(t), &o));
	return o;
}

/* One ECDSA-SHA256 signature of @data, 64 bytes into @sig. */
static void sign_once(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv,
		      const void *data, CK_ULONG len, CK_BYTE sig[64])
{
	CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_ULONG siglen = 64;

	OK(p->C_SignInit(s, &m, priv));
	OK(p->C_Sign(s, (CK_BYTE_PTR)data, len, sig, &siglen));
	EXPECT(siglen == 64, "a 64-byte P-256 signature, got %lu bytes",
	       (unsigned long)siglen);
}

/* ---- OpenSSL's view of the token's public keys ---- */

/* The public key of @pub (CKA_EC_PARAMS P-256, CKA_EC_POINT) for OpenSSL. */
static EVP_PKEY *ec_pub(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub)
{
	CK_BYTE point[160], params[32];
	CK_ATTRIBUTE a[] = {
		{ CKA_EC_POINT, point, sizeof(point) },
		{ CKA_EC_PARAMS, params, sizeof(params) },
	};
	const unsigned char *q = point;
	ASN1_OCTET_STRING *os;
	OSSL_PARAM prm[3];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pk = NULL;

	get_attrs(s, pub, a, N(a));
	EXPECT(a[1].ulValueLen == sizeof(p256_oid) &&
	       !memcmp(params, p256_oid, sizeof(p256_oid)),
	       "CKA_EC_PARAMS to be the OID of P-256 (%zu bytes), got %lu bytes",
	       sizeof(p256_oid), (unsigned long)a[1].ulValueLen);
	os = d2i_ASN1_OCTET_STRING(NULL, &q, (long)a[0].ulValueLen);
	EXPECT(os && os->length == 65 && os->data[0] == 4,
	       "CKA_EC_POINT to be a DER OCTET STRING of a 65-byte uncompressed point (%lu bytes)",
	       (unsigned long)a[0].ulValueLen);
	prm[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						  (char *)"prime256v1", 0);
	prm[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						   os->data, os->length);
	prm[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, prm) <= 0)
		pk = NULL;
	EVP_PKEY_CTX_free(ctx);
	ASN1_OCTET_STRING_free(os);
	EXPECT(pk, "OpenSSL to take the token's P-256 public key");
	return pk;
}

/* OpenSSL's verdict on an ECDSA-SHA256 signature (r | s) of @data. */
static bool ecdsa_ok(EVP_PKEY *pk, const void *data, size_t len,
		     const CK_BYTE *sig, size_t siglen)
{
	unsigned char dgst[32], *der = NULL;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r, *sv;
	EVP_PKEY_CTX *ctx;
	int der_len, ok = 0;

	if (siglen != 64 || !es)
		goto out;
	r = BN_bin2bn(sig, 32, NULL);
	sv = BN_bin2bn(sig + 32, 32, NULL);
	if (!r || !sv || !ECDSA_SIG_set0(es, r, sv)) {
		BN_free(r);
		BN_free(sv);
		goto out;
	}
	der_len = i2d_ECDSA_SIG(es, &der);
	if (der_len <= 0 || !EVP_Digest(data, len, dgst, NULL, EVP_sha256(), NULL))
		goto out;
	ctx = EVP_PKEY_CTX_new(pk, NULL);
	if (ctx && EVP_PKEY_verify_init(ctx) > 0)
		ok = EVP_PKEY_verify(ctx, der, der_len, dgst, sizeof(dgst)) == 1;
	EVP_PKEY_CTX_free(ctx);
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	return ok;
}

/* ---- the kernel's view ---- */

/* EP11 sessions the kernel holds on the token's first APQN. */
static unsigned int kernel_held(void)
{
	struct ep11sess_apqn_status st;
	int ret = vmt_status_of(devfd, EP11SESS_STATUS_CACHED, apqn, &st);

	if (ret)
		fail_msg("status of %02x.%04x: %s", apqn.card, apqn.domain,
			 strerror(-ret));
	return st.held;
}

/* The kernel holds @want sessions on the APQN, within 10 s. */
static void expect_held(unsigned int want, const char *what)
{
	unsigned int got = 0, i;

	for (i = 0; i < 100; i++) {
		got = kernel_held();
		if (got == want)
			return;
		usleep(100000);
	}
	fail_msg("%s%s: expected the kernel to hold %u EP11 sessions on %02x.%04x, got %u",
		 where, what, want, apqn.card, apqn.domain, got);
}

#define MAX_OWN 32
struct own_sessions {
	unsigned int n;
	uint8_t id[MAX_OWN][16];
};

/* The live EP11 sessions whose owner is @pid, from the kernel's full list. */
static void own_sessions(pid_t pid, struct own_sessions *o)
{
	static struct ep11sess_session_info info[512];
	struct ep11sess_list l = {
		.size = sizeof(l),
		.flags = EP11SESS_LIST_ALL,
		.entries = (uintptr_t)info,
		.entry_size = sizeof(info[0]),
		.count = N(info),
	};
	unsigned int i;

	if (ioctl(devfd, EP11SESS_IOC_LIST, &l))
		fail_msg("EP11SESS_IOC_LIST: %s", strerror(errno));
	o->n = 0;
	for (i = 0; i < l.count && i < N(info); i++) {
		if (info[i].owner_pid != pid ||
		    (info[i].flags & EP11SESS_SESSION_DYING))
			continue;
		if (o->n < MAX_OWN)
			memcpy(o->id[o->n], info[i].public_id, 16);
		o->n++;
	}
}

static void expect_same_sessions(const struct own_sessions *a,
				 const struct own_sessions *b, const char *what)
{
	unsigned int i, j;

	EXPECT(a->n == b->n, "%s: the parent's %u EP11 sessions in the kernel, got %u",
	       what, a->n, b->n);
	for (i = 0; i < a->n && i < MAX_OWN; i++) {
		for (j = 0; j < b->n && j < MAX_OWN; j++)
			if (!memcmp(a->id[i], b->id[j], 16))
				break;
		EXPECT(j < b->n, "%s: the parent's EP11 session %u still live, it is gone",
		       what, i);
	}
}

static void need_kernel(void)
{
	if (!have_apqn) {
		print_message("no --apqn: the kernel's counts are not checked\n");
		skip();
	}
}

/* ---- setup and teardown ---- */

static int setup_none(void **state)
{
	where[0] = 0;
	return 0;
}

static int setup_init(void **state)
{
	CK_RV rv;

	where[0] = 0;
	rv = p->C_Initialize(&os_locking);
	if (rv != CKR_OK) {
		print_error("C_Initialize: expected CKR_OK, got %s\n",
			    p11_rv_name(rv));
		return -1;
	}
	return 0;
}

/*
 * The token from scratch, outside a test: C_InitToken with SO_PIN, the
 * USER PIN set to USER_PIN.  0, or -1 with a message.
 */
static int token_repair(void)
{
	CK_SESSION_HANDLE s;
	const char *what;
	CK_RV rv;

	what = "C_Initialize";
	rv = p->C_Initialize(&os_locking);
	if (rv != CKR_OK)
		goto out;
	what = "C_InitToken with the test's SO PIN (a fresh store is needed)";
	rv = p->C_InitToken(slot, PIN(SO_PIN), label32);
	if (rv != CKR_OK)
		goto fin;
	what = "C_OpenSession";
	rv = p->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	if (rv != CKR_OK)
		goto fin;
	what = "C_Login as SO";
	rv = login(s, CKU_SO, SO_PIN);
	if (rv != CKR_OK)
		goto fin;
	what = "C_InitPIN";
	rv = p->C_InitPIN(s, PIN(USER_PIN));
fin:
	p->C_Finalize(NULL);
out:
	if (rv != CKR_OK)
		fprintf(stderr, "lib-api: preparing token '%s': %s: expected CKR_OK, got %s\n",
			token_label, what, p11_rv_name(rv));
	return rv == CKR_OK ? 0 : -1;
}

static int teardown_fin(void **state)
{
	CK_RV rv;

	kill_children();
	close_pipes();
	rv = p->C_Finalize(NULL);

	if (rv != CKR_OK && rv != CKR_CRYPTOKI_NOT_INITIALIZED) {
		print_error("C_Finalize: expected CKR_OK, got %s\n", p11_rv_name(rv));
		return -1;
	}
	if (dirty) {
		/* A test that failed half-way left the PINs changed. */
		dirty = false;
		return token_repair();
	}
	return 0;
}

/* ==== C_GetFunctionList, C_GetInterfaceList, C_GetInterface ==== */

static void get_function_list_works_before_initialize(void **state)
{
	CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym(mod.dl, "C_GetFunctionList");
	CK_FUNCTION_LIST *l = NULL;
	CK_INFO info;

	OK(gfl(&l));
	EXPECT(l && l->version.major == 2 && l->version.minor == 40,
	       "C_GetFunctionList's list to be version 2.40, got %u.%u",
	       l ? l->version.major : 0, l ? l->version.minor : 0);
	EXPECT_RV(CKR_ARGUMENTS_BAD, gfl(NULL));
	EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED, l->C_GetInfo(&info));
	OK(l->C_Initialize(NULL));
	OK(l->C_GetInfo(&info));
	EXPECT(info.cryptokiVersion.major == 3 && info.cryptokiVersion.minor == 0,
	       "C_GetInfo's cryptokiVersion 3.0, got %u.%u",
	       info.cryptokiVersion.major, info.cryptokiVersion.minor);
	OK(l->C_Finalize(NULL));
}

static void interface_list_count_then_buffer(void **state)
{
	CK_C_GetInterfaceList gil = (CK_C_GetInterfaceList)dlsym(mod.dl, "C_GetInterfaceList");
	CK_INTERFACE ifs[16];
	CK_ULONG n = 0, small, got, i;
	bool v30 = false, v240 = false, vendor = false;

	EXPECT(gil, "the library to export C_GetInterfaceList");
	OK(gil(NULL, &n));
	EXPECT(n >= 2 && n <= N(ifs), "2-%zu interfaces, got %lu", N(ifs),
	       (unsigned long)n);
	small = n - 1;
	EXPECT_RV(CKR_BUFFER_TOO_SMALL, gil(ifs, &small));
	EXPECT(small == n, "the count %lu after CKR_BUFFER_TOO_SMALL, got %lu",
	       (unsigned long)n, (unsigned long)small);
	got = n;
	OK(gil(ifs, &got));
	EXPECT(got == n, "%lu interfaces, got %lu", (unsigned long)n, (unsigned long)got);
	EXPECT_RV(CKR_ARGUMENTS_BAD, gil(ifs, NULL));
	for (i = 0; i < n; i++) {
		const CK_VERSION *v = ifs[i].pFunctionList;

		EXPECT(ifs[i].pInterfaceName && v, "interface %lu to have a name and a list",
		       (unsigned long)i);
		vendor |= !strcmp((char *)ifs[i].pInterfaceName, "Vendor ep11sess");
		if (strcmp((char *)ifs[i].pInterfaceName, "PKCS 11"))
			continue;
		EXPECT(!(ifs[i].flags & CKF_INTERFACE_FORK_SAFE),
		       "\"PKCS 11\" %u.%u not to claim CKF_INTERFACE_FORK_SAFE",
		       v->major, v->minor);
		v30 |= v->major == 3 && v->minor == 0;
		v240 |= v->major == 2 && v->minor == 40;
	}
	EXPECT(v30 && v240, "\"PKCS 11\" 3.0 and 2.40 listed, got 3.0 %s, 2.40 %s",
	       v30 ? "yes" : "no", v240 ? "yes" : "no");
	/* ep11sess-pkcs11(7): the driver's status and logout from C. */
	EXPECT(vendor, "\"Vendor ep11sess\" listed");
}

static void get_interface_by_name_version_flags(void **state)
{
	CK_C_GetInterface gi = (CK_C_GetInterface)dlsym(mod.dl, "C_GetInterface");
	CK_VERSION v30 = { 3, 0 }, v240 = { 2, 40 }, v99 = { 9, 9 };
	CK_INTERFACE *i = NULL;
	const CK_VERSION *v;

	EXPECT(gi, "the library to export C_GetInterface");
	OK(gi((CK_UTF8CHAR_PTR)"PKCS 11", &v30, &i, 0));
	v = i->pFunctionList;
	EXPECT(v->major == 3 && v->minor == 0, "version 3.0, got %u.%u", v->major, v->minor);
	OK(gi((CK_UTF8CHAR_PTR)"PKCS 11", &v240, &i, 0));
	v = i->pFunctionList;
	EXPECT(v->major == 2 && v->minor == 40, "version 2.40, got %u.%u", v->major, v->minor);
	/* No name: the library's default interface. */
	OK(gi(NULL, NULL, &i, 0));
	EXPECT(i && i->pFunctionList, "a default interface");
	EXPECT_RV(CKR_ARGUMENTS_BAD, gi((CK_UTF8CHAR_PTR)"PKCS 11", &v30, NULL, 0));
	EXPECT_RV(CKR_ARGUMENTS_BAD, gi((CK_UTF8CHAR_PTR)"No such interface", NULL, &i, 0));
	EXPECT_RV(CKR_ARGUMENTS_BAD, gi((CK_UTF8CHAR_PTR)"PKCS 11", &v99, &i, 0));
	/* The library does not promise fork-safe state. */
	EXPECT_RV(CKR_ARGUMENTS_BAD, gi((CK_UTF8CHAR_PTR)"PKCS 11", &v30, &i,
					CKF_INTERFACE_FORK_SAFE));
}

/* ==== C_Initialize, C_Finalize ==== */

static void initialize_reserved_non_null_is_arguments_bad(void **state)
{
	CK_C_INITIALIZE_ARGS a = { .pReserved = &a };
	CK_INFO info;

	EXPECT_RV(CKR_ARGUMENTS_BAD, p->C_Initialize(&a));
	a.flags = CKF_OS_LOCKING_OK;
	EXPECT_RV(CKR_ARGUMENTS_BAD, p->C_Initialize(&a));
	EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED, p->C_GetInfo(&info));
}

static atomic_int mx_created, mx_destroyed, mx_locked, mx_unlocked;

static CK_RV mx_create(void **m)
{
	pthread_mutex_t *x = malloc(sizeof(*x));

	if (!x)
		return CKR_HOST_MEMORY;
	pthread_mutex_init(x, NULL);
	*m = x;
	mx_created++;
	return CKR_OK;
}

static CK_RV mx_destroy(void *m)
{
	pthread_mutex_destroy(m);
	free(m);
	mx_destroyed++;
	return CKR_OK;
}

static CK_RV mx_lock(void *m)
{
	pthread_mutex_lock(m);
	mx_locked++;
	return CKR_OK;
}

static CK_RV mx_unlock(void *m)
{
	mx_unlocked++;
	pthread_mutex_unlock(m);
	return CKR_OK;
}

static void initialize_some_mutex_callbacks_is_arguments_bad(void **state)
{
	unsigned int mask, fl;
	CK_INFO info;

	for (fl = 0; fl < 2; fl++) {
		for (mask = 1; mask < 15; mask++) {
			CK_C_INITIALIZE_ARGS a = {
				.CreateMutex = mask & 1 ? mx_create : NULL,
				.DestroyMutex = mask & 2 ? mx_destroy : NULL,
				.LockMutex = mask & 4 ? mx_lock : NULL,
				.UnlockMutex = mask & 8 ? mx_unlock : NULL,
				.flags = fl ? CKF_OS_LOCKING_OK : 0,
			};

			at("callbacks %s%s%s%s, flags %s", mask & 1 ? "Create " : "",
			   mask & 2 ? "Destroy " : "", mask & 4 ? "Lock " : "",
			   mask & 8 ? "Unlock " : "", fl ? "CKF_OS_LOCKING_OK" : "0");
			EXPECT_RV(CKR_ARGUMENTS_BAD, p->C_Initialize(&a));
			EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED, p->C_GetInfo(&info));
		}
	}
}

static void initialize_app_mutex_callbacks_are_used(void **state)
{
	CK_C_INITIALIZE_ARGS a = {
		.CreateMutex = mx_create, .DestroyMutex = mx_destroy,
		.LockMutex = mx_lock, .UnlockMutex = mx_unlock,
	};
	CK_SESSION_HANDLE s;

	mx_created = mx_destroyed = mx_locked = mx_unlocked = 0;
	OK(p->C_Initialize(&a));
	s = open_ro();
	OK(p->C_CloseSession(s));
	OK(p->C_Finalize(NULL));
	EXPECT(mx_created > 0 && mx_locked > 0,
	       "the library to create and lock mutexes with the application's callbacks, got %d created, %d locks",
	       mx_created, mx_locked);
	EXPECT(mx_destroyed == mx_created,
	       "every mutex created destroyed by C_Finalize, got %d created, %d destroyed",
	       mx_created, mx_destroyed);
	EXPECT(mx_locked == mx_unlocked, "as many unlocks as locks, got %d locks, %d unlocks",
	       mx_locked, mx_unlocked);
}

static int mx_create_calls;

static CK_RV mx_create_fails(void **m)
{
	(void)m;
	mx_create_calls++;
	return CKR_HOST_MEMORY;
}

/*
 * Callbacks the library must use (no CKF_OS_LOCKING_OK) that cannot make
 * a mutex: C_Initialize is CKR_CANT_LOCK and leaves the library
 * uninitialised.  With CKF_OS_LOCKING_OK the library may lock with the
 * system's mutexes, and does.
 */
static void initialize_cant_lock_with_failing_callbacks(void **state)
{
	CK_C_INITIALIZE_ARGS a = {
		.CreateMutex = mx_create_fails, .DestroyMutex = mx_destroy,
		.LockMutex = mx_lock, .UnlockMutex = mx_unlock,
	};
	CK_INFO info;

	mx_create_calls = 0;
	EXPECT_RV(CKR_CANT_LOCK, p->C_Initialize(&a));
	EXPECT(mx_create_calls > 0, "the library to ask the application's CreateMutex");
	EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED, p->C_GetInfo(&info));
	a.flags = CKF_OS_LOCKING_OK;
	OK(p->C_Initialize(&a));
	OK(p->C_GetInfo(&info));
	OK(p->C_Finalize(NULL));
}

static void initialize_twice_is_already_initialized(void **state)
{
	OK(p->C_Initialize(NULL));
	EXPECT_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED, p->C_Initialize(NULL));
	EXPECT_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED, p->C_Initialize(&os_locking));
	EXPECT_RV(CKR_ARGUMENTS_BAD, p->C_Finalize(&os_locking));
	OK(p->C_Finalize(NULL));
	EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED, p->C_Finalize(NULL));
}

#define MAX_CALLS 96
struct call_results {
	unsigned int n;
	const char *name[MAX_CALLS];
	CK_RV rv[MAX_CALLS];
};

#define CALL(fn, ...) do {						\
	unsigned int i_ = r->n++;					\
	r->name[i_] = #fn;						\
	r->rv[i_] = !only || only[i_] ? p->fn(__VA_ARGS__) : CKR_OK;	\
} while (0)

/*
 * Every function of the 3.0 list but C_Initialize and the three that
 * work before it, with harmless arguments: no slot or session that
 * exists, nothing that can change a token.  @only: call just the
 * functions whose index is true in it (the others get CKR_OK), or all
 * when NULL.
 */
static void call_every_function(struct call_results *r, const bool *only)
{
	CK_SESSION_HANDLE s = NO_SESSION, sh;
	CK_OBJECT_HANDLE o = CK_INVALID_HANDLE, oh, oh2;
	CK_SLOT_ID bad_slot = 0xdead, sid;
	CK_BYTE buf[64] = { 0 };
	CK_ULONG len = sizeof(buf), ns = 4;
	CK_MECHANISM m = { CKM_SHA256, NULL, 0 };
	CK_ATTRIBUTE a = { CKA_CLASS, buf, sizeof(buf) };
	CK_INFO info;
	CK_SLOT_ID slots[4];
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	CK_MECHANISM_TYPE mt[4];
	CK_MECHANISM_INFO mi;
	CK_SESSION_INFO sei;

	r->n = 0;
	CALL(C_Finalize, NULL);
	CALL(C_GetInfo, &info);
	CALL(C_GetSlotList, CK_FALSE, slots, &ns);
	CALL(C_GetSlotInfo, bad_slot, &si);
	CALL(C_GetTokenInfo, bad_slot, &ti);
	CALL(C_GetMechanismList, bad_slot, mt, &ns);
	CALL(C_GetMechanismInfo, bad_slot, CKM_SHA256, &mi);
	CALL(C_InitToken, bad_slot, PIN(BAD_PIN), label32);
	CALL(C_InitPIN, s, PIN(BAD_PIN));
	CALL(C_SetPIN, s, PIN(BAD_PIN), PIN(BAD_PIN));
	CALL(C_OpenSession, bad_slot, CKF_SERIAL_SESSION, NULL, NULL, &sh);
	CALL(C_CloseSession, s);
	CALL(C_CloseAllSessions, bad_slot);
	CALL(C_GetSessionInfo, s, &sei);
	CALL(C_GetOperationState, s, buf, &len);
	CALL(C_SetOperationState, s, buf, 16, o, o);
	CALL(C_Login, s, CKU_USER, PIN(BAD_PIN));
	CALL(C_Logout, s);
	CALL(C_CreateObject, s, &a, 1, &oh);
	CALL(C_CopyObject, s, o, &a, 1, &oh);
	CALL(C_DestroyObject, s, o);
	CALL(C_GetObjectSize, s, o, &len);
	CALL(C_GetAttributeValue, s, o, &a, 1);
	CALL(C_SetAttributeValue, s, o, &a, 1);
	CALL(C_FindObjectsInit, s, &a, 1);
	CALL(C_FindObjects, s, &oh, 1, &len);
	CALL(C_FindObjectsFinal, s);
	CALL(C_EncryptInit, s, &m, o);
	CALL(C_Encrypt, s, buf, 16, buf, &len);
	CALL(C_EncryptUpdate, s, buf, 16, buf, &len);
	CALL(C_EncryptFinal, s, buf, &len);
	CALL(C_DecryptInit, s, &m, o);
	CALL(C_Decrypt, s, buf, 16, buf, &len);
	CALL(C_DecryptUpdate, s, buf, 16, buf, &len);
	CALL(C_DecryptFinal, s, buf, &len);
	CALL(C_DigestInit, s, &m);
	CALL(C_Digest, s, buf, 16, buf, &len);
	CALL(C_DigestUpdate, s, buf, 16);
	CALL(C_DigestKey, s, o);
	CALL(C_DigestFinal, s, buf, &len);
	CALL(C_SignInit, s, &m, o);
	CALL(C_Sign, s, buf, 16, buf, &len);
	CALL(C_SignUpdate, s, buf, 16);
	CALL(C_SignFinal, s, buf, &len);
	CALL(C_SignRecoverInit, s, &m, o);
	CALL(C_SignRecover, s, buf, 16, buf, &len);
	CALL(C_VerifyInit, s, &m, o);
	CALL(C_Verify, s, buf, 16, buf, 16);
	CALL(C_VerifyUpdate, s, buf, 16);
	CALL(C_VerifyFinal, s, buf, 16);
	CALL(C_VerifyRecoverInit, s, &m, o);
	CALL(C_VerifyRecover, s, buf, 16, buf, &len);
	CALL(C_DigestEncryptUpdate, s, buf, 16, buf, &len);
	CALL(C_DecryptDigestUpdate, s, buf, 16, buf, &len);
	CALL(C_SignEncryptUpdate, s, buf, 16, buf, &len);
	CALL(C_DecryptVerifyUpdate, s, buf, 16, buf, &len);
	CALL(C_GenerateKey, s, &m, &a, 1, &oh);
	CALL(C_GenerateKeyPair, s, &m, &a, 1, &a, 1, &oh, &oh2);
	CALL(C_WrapKey, s, &m, o, o, buf, &len);
	CALL(C_UnwrapKey, s, &m, o, buf, 16, &a, 1, &oh);
	CALL(C_DeriveKey, s, &m, o, &a, 1, &oh);
	CALL(C_SeedRandom, s, buf, 16);
	CALL(C_GenerateRandom, s, buf, 16);
	CALL(C_GetFunctionStatus, s);
	CALL(C_CancelFunction, s);
	CALL(C_WaitForSlotEvent, CKF_DONT_BLOCK, &sid, NULL);
	CALL(C_LoginUser, s, CKU_USER, PIN(BAD_PIN), (CK_UTF8CHAR_PTR)"u", 1);
	CALL(C_SessionCancel, s, 0);
	CALL(C_MessageEncryptInit, s, &m, o);
	CALL(C_EncryptMessage, s, buf, 16, buf, 16, buf, 16, buf, &len);
	CALL(C_EncryptMessageBegin, s, buf, 16, buf, 16);
	CALL(C_EncryptMessageNext, s, buf, 16, buf, 16, buf, &len, 0);
	CALL(C_MessageEncryptFinal, s);
	CALL(C_MessageDecryptInit, s, &m, o);
	CALL(C_DecryptMessage, s, buf, 16, buf, 16, buf, 16, buf, &len);
	CALL(C_DecryptMessageBegin, s, buf, 16, buf, 16);
	CALL(C_DecryptMessageNext, s, buf, 16, buf, 16, buf, &len, 0);
	CALL(C_MessageDecryptFinal, s);
	CALL(C_MessageSignInit, s, &m, o);
	CALL(C_SignMessage, s, buf, 16, buf, 16, buf, &len);
	CALL(C_SignMessageBegin, s, buf, 16);
	CALL(C_SignMessageNext, s, buf, 16, buf, 16, buf, &len);
	CALL(C_MessageSignFinal, s);
	CALL(C_MessageVerifyInit, s, &m, o);
	CALL(C_VerifyMessage, s, buf, 16, buf, 16, buf, 16);
	CALL(C_VerifyMessageBegin, s, buf, 16);
	CALL(C_VerifyMessageNext, s, buf, 16, buf, 16, buf, 16);
	CALL(C_MessageVerifyFinal, s);
}

static bool unsupported(CK_RV rv)
{
	return rv == CKR_FUNCTION_NOT_SUPPORTED || rv == CKR_FUNCTION_NOT_PARALLEL;
}

static void functions_before_initialize_are_not_initialized(void **state)
{
	struct call_results before, after;
	bool uns[MAX_CALLS] = { false };
	unsigned int i, nuns = 0;

	call_every_function(&before, NULL);
	for (i = 0; i < before.n; i++) {
		uns[i] = unsupported(before.rv[i]);
		nuns += uns[i];
		EXPECT(before.rv[i] == CKR_CRYPTOKI_NOT_INITIALIZED || uns[i],
		       "%s before C_Initialize: CKR_CRYPTOKI_NOT_INITIALIZED (or, for a function the library does not have, CKR_FUNCTION_NOT_SUPPORTED), got %s",
		       before.name[i], p11_rv_name(before.rv[i]));
	}
	if (!nuns)
		return;
	/*
	 * What says "not supported" before C_Initialize must be truly
	 * missing: the same answer afterwards.  Calling everything again
	 * initialised is harmless: no slot or session named exists.
	 */
	OK(p->C_Initialize(&os_locking));
	call_every_function(&after, uns);
	OK(p->C_Finalize(NULL));
	for (i = 0; i < before.n; i++) {
		if (!uns[i])
			continue;
		print_message("not supported: %s\n", before.name[i]);
		EXPECT(after.rv[i] == before.rv[i],
		       "%s, %s before C_Initialize, to give it after too, got %s",
		       before.name[i], p11_rv_name(before.rv[i]),
		       p11_rv_name(after.rv[i]));
	}
}

static void initialize_finalize_cycles_start_clean(void **state)
{
	unsigned int i, base = have_apqn ? kernel_held() : 0;
	double t0 = vmt_now_us();
	CK_SESSION_HANDLE s, r;
	CK_TOKEN_INFO ti;

	for (i = 0; i < cycles; i++) {
		at("cycle %u of %u", i + 1, cycles);
		OK(p->C_Initialize(&os_locking));
		ti = token_info();
		EXPECT(ti.ulSessionCount == 0 && ti.ulRwSessionCount == 0,
		       "no session left from the cycle before, got %lu sessions, %lu R/W",
		       (unsigned long)ti.ulSessionCount,
		       (unsigned long)ti.ulRwSessionCount);
		/*
		 * Public: the login of the cycle before is gone (a login
		 * belongs to the application, and every session it opens
		 * shares it).
		 */
		s = open_rw();
		expect_state(s, CKS_RW_PUBLIC_SESSION, "a session opened after C_Initialize");
		/* A login every fourth cycle: the PIN's KDF and the card's login are slow. */
		if (i % 4 == 0) {
			OK(login(s, CKU_USER, USER_PIN));
			r = open_ro();
			expect_state(r, CKS_RO_USER_FUNCTIONS, "a second session");
		} else if (i % 2) {
			open_ro();
		}
		/* C_Finalize with the sessions open and logged in. */
		OK(p->C_Finalize(NULL));
		if (have_apqn && i % 50 == 49)
			expect_held(base, "after C_Finalize");
	}
	where[0] = 0;
	print_message("%u cycles, a login in every fourth: %.1f s\n", cycles,
		      (vmt_now_us() - t0) / 1e6);
	if (have_apqn)
		expect_held(base, "after the last C_Finalize");
}

/* ==== slots, tokens, mechanisms: the length-query convention ==== */

static void get_slot_list_length_query(void **state)
{
	CK_SLOT_ID ids[16];
	CK_ULONG n = 0, small = 0, got, i;

	OK(p->C_GetSlotList(CK_TRUE, NULL, &n));
	EXPECT(n >= 1 && n <= N(ids), "1-%zu slots with a token, got %lu", N(ids),
	       (unsigned long)n);
	EXPECT_RV(CKR_BUFFER_TOO_SMALL, p->C_GetSlotList(CK_TRUE, ids, &small));
	EXPECT(small == n, "the count %lu after CKR_BUFFER_TOO_SMALL, got %lu",
	       (unsigned long)n, (unsigned long)small);
	got = n;
	OK(p->C_GetSlotList(CK_TRUE, ids, &got));
	EXPECT(got == n, "%lu slots, got %lu", (unsigned long)n, (unsigned long)got);
	for (i = 0; i < got; i++)
		if (ids[i] == slot)
			break;
	EXPECT(i < got, "the token's slot %lu in the list", (unsigned long)slot);
	EXPECT_RV(CKR_ARGUMENTS_BAD, p->C_GetSlotList(CK_TRUE, NULL, NULL));
}

static bool has_mech(const CK_MECHANISM_TYPE *l, CK_ULONG n, CK_MECHANISM_TYPE m)
{
	CK_ULONG i;

	for (i = 0; i < n; i++)
		if (l[i] == m)
			return true;
	return false;
}

static void get_mechanism_list_length_query(void **state)
{
	static const CK_MECHANISM_TYPE want[] = {
		CKM_SHA256, CKM_EC_KEY_PAIR_GEN, CKM_ECDSA, CKM_ECDSA_SHA256,
		CKM_AES_KEY_GEN, CKM_AES_CBC_PAD, CKM_AES_GCM,
		CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_SHA256_RSA_PKCS,
	};
	CK_MECHANISM_TYPE l[128];
	CK_MECHANISM_INFO mi;
	CK_ULONG n = 0, small, got, i;

	OK(p->C_GetMechanismList(slot, NULL, &n));
	EXPECT(n >= N(want) && n <= N(l), "%zu-%zu mechanisms, got %lu", N(want), N(l),
	       (unsigned long)n);
	small = n - 1;
	EXPECT_RV(CKR_BUFFER_TOO_SMALL, p->C_GetMechanismList(slot, l, &small));
	EXPECT(small == n, "the count %lu after CKR_BUFFER_TOO_SMALL, got %lu",
	       (unsigned long)n, (unsigned long)small);
	got = n;
	OK(p->C_GetMechanismList(slot, l, &got));
	EXPECT(got == n, "%lu mechanisms, got %lu", (unsigned long)n, (unsigned long)got);
	for (i = 0; i < N(want); i++)
		EXPECT(has_mech(l, got, want[i]), "mechanism 0x%lx in the list",
		       (unsigned long)want[i]);
	OK(p->C_GetMechanismInfo(slot, CKM_ECDSA, &mi));
	EXPECT((mi.flags & (CKF_SIGN | CKF_VERIFY | CKF_HW)) == (CKF_SIGN | CKF_VERIFY | CKF_HW) &&
	       mi.ulMinKeySize == 256 && mi.ulMaxKeySize == 521,
	       "CKM_ECDSA: CKF_HW|CKF_SIGN|CKF_VERIFY, 256-521 bits, got flags 0x%lx, %lu-%lu",
	       (unsigned long)mi.flags, (unsigned long)mi.ulMinKeySize,
	       (unsigned long)mi.ulMaxKeySize);
	EXPECT_RV(CKR_MECHANISM_INVALID, p->C_GetMechanismInfo(slot, 0x7ffffff0UL, &mi));
	EXPECT_RV(CKR_SLOT_ID_INVALID, p->C_GetMechanismList(0xdead, NULL, &n));
	EXPECT_RV(CKR_ARGUMENTS_BAD, p->C_GetMechanismList(slot, l, NULL));
}

/* ==== C_InitToken, C_InitPIN, C_SetPIN ==== */

static void init_token_with_session_open_is_session_exists(void **state)
{
	CK_SESSION_HANDLE s = open_ro(), t;
	CK_FLAGS f;

	EXPECT_RV(CKR_SESSION_EXISTS, p->C_InitToken(slot, PIN(SO_PIN), label32));
	OK(p->C_CloseSession(s));
	dirty = true;
	EXPECT_RV(CKR_PIN_INCORRECT, p->C_InitToken(slot, PIN(BAD_PIN), label32));
	OK(p->C_InitToken(slot, PIN(SO_PIN), label32));
	f = token_flags();
	EXPECT((f & CKF_TOKEN_INITIALIZED) && !(f & CKF_USER_PIN_INITIALIZED) &&
	       !(f & CKF_SO_PIN_COUNT_LOW),
	       "after C_InitToken: CKF_TOKEN_INITIALIZED, no USER PIN, no SO PIN failure counted, got flags 0x%lx",
	       (unsigned long)f);
	t = open_rw();
	EXPECT_RV(CKR_USER_PIN_NOT_INITIALIZED, login(t, CKU_USER, USER_PIN));
	OK(login(t, CKU_SO, SO_PIN));
	OK(p->C_InitPIN(t, PIN(USER_PIN)));
	OK(p->C_Logout(t));
	OK(login(t, CKU_USER, USER_PIN));
	dirty = false;
}

static void init_token_other_process_session_is_session_exists(void **state)
{
	int *go = pipe_or_fail(), *ready = pipe_or_fail();
	CK_SESSION_HANDLE s;
	pid_t pid;

	pid = fork_or_fail();
	if (!pid) {
		close(go[1]);
		CHILD_OK(p->C_Initialize(&os_locking));
		CHILD_OK(p->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s));
		write_byte(ready[1], 'r');
		read_byte(go[0]);
		CHILD_OK(p->C_CloseSession(s));
		CHILD_OK(p->C_Finalize(NULL));
		_exit(0);
	}
	EXPECT(read_byte(ready[0]) == 'r', "the child to open a session");
	dirty = true;
	EXPECT_RV(CKR_SESSION_EXISTS, p->C_InitToken(slot, PIN(SO_PIN), label32));
	write_byte(go[1], 'g');
	wait_child(pid, "the child holding a session");

	/* A holder killed with SIGKILL leaves no trace. */
	pid = fork_or_fail();
	if (!pid) {
		CHILD_OK(p->C_Initialize(&os_locking));
		CHILD_OK(p->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s));
		write_byte(ready[1], 'r');
		for (;;)
			pause();
	}
	EXPECT(read_byte(ready[0]) == 'r', "the second child to open a session");
	EXPECT_RV(CKR_SESSION_EXISTS, p->C_InitToken(slot, PIN(SO_PIN), label32));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	forget_child(pid);
	token_reset();
	dirty = false;
}

static void init_pin_needs_rw_so_state(void **state)
{
	CK_SESSION_HANDLE s = open_rw(), r;

	EXPECT_RV(CKR_USER_NOT_LOGGED_IN, p->C_InitPIN(s, PIN(USER_PIN)));
	r = open_ro();
	EXPECT_RV(CKR_USER_NOT_LOGGED_IN, p->C_InitPIN(r, PIN(USER_PIN)));
	OK(login(s, CKU_USER, USER_PIN));
	EXPECT_RV(CKR_USER_NOT_LOGGED_IN, p->C_InitPIN(s, PIN(USER_PIN)));
	EXPECT_RV(CKR_USER_NOT_LOGGED_IN, p->C_InitPIN(r, PIN(USER_PIN)));
	OK(p->C_Logout(s));
	OK(p->C_CloseSession(r));
	OK(login(s, CKU_SO, SO_PIN));
	OK(p->C_InitPIN(s, PIN(USER_PIN)));
	OK(p->C_Logout(s));
}

static void set_pin_in_ro_session_is_session_read_only(void **state)
{
	CK_SESSION_HANDLE r = open_ro();

	EXPECT_RV(CKR_SESSION_READ_ONLY, p->C_SetPIN(r, PIN(USER_PIN), PIN(NEW_PIN)));
	OK(login(r, CKU_USER, USER_PIN));
	EXPECT_RV(CKR_SESSION_READ_ONLY, p->C_SetPIN(r, PIN(USER_PIN), PIN(NEW_PIN)));
	OK(p->C_Logout(r));
	/* The PIN did not change. */
	OK(login(r, CKU_USER, USER_PIN));
}

static void set_pin_changes_the_logged_in_users_pin(void **state)
{
	CK_SESSION_HANDLE s = open_rw();

	dirty = true;
	/* Logged in as USER: the USER PIN. */
	OK(login(s, CKU_USER, USER_PIN));
	EXPECT_RV(CKR_PIN_INCORRECT, p->C_SetPIN(s, PIN(BAD_PIN), PIN(NEW_PIN)));
	OK(p->C_SetPIN(s, PIN(USER_PIN), PIN(NEW_PIN)));
	OK(p->C_Logout(s));
	EXPECT_RV(CKR_PIN_INCORRECT, login(s, CKU_USER, USER_PIN));
	OK(login(s, CKU_USER, NEW_PIN));
	OK(p->C_Logout(s));
	/* Nobody logged in: the USER PIN too. */
	OK(p->C_SetPIN(s, PIN(NEW_PIN), PIN(USER_PIN)));
	OK(login(s, CKU_USER, USER_PIN));
	OK(p->C_Logout(s));
	/* Logged in as SO: the SO PIN. */
	OK(login(s, CKU_SO, SO_PIN));
	OK(p->C_SetPIN(s, PIN(SO_PIN), PIN("so-pin-9876")));
	OK(p->C_Logout(s));
	EXPECT_RV(CKR_PIN_INCORRECT, login(s, CKU_SO, SO_PIN));
	OK(login(s, CKU_SO, "so-pin-9876"));
	OK(p->C_SetPIN(s, PIN("so-pin-9876"), PIN(SO_PIN)));
	OK(p->C_Logout(s));
	OK(login(s, CKU_USER, USER_PIN));
	dirty = false;
}

/* ==== sessions and login states ==== */

static void open_session_without_serial_is_parallel_not_supported(void **state)
{
	CK_SESSION_HANDLE s;

	EXPECT_RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED,
		  p->C_OpenSession(slot, 0, NULL, NULL, &s));
	EXPECT_RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED,
		  p->C_OpenSession(slot, CKF_RW_SESSION, NULL, NULL, &s));
	EXPECT_RV(CKR_SLOT_ID_INVALID,
		  p->C_OpenSession(0xdead, CKF_SERIAL_SESSION, NULL, NULL, &s));
	EXPECT_RV(CKR_ARGUMENTS_BAD,
		  p->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, NULL));
}

static void closed_session_handle_is_invalid(void **state)
{
	CK_SESSION_HANDLE s = open_ro();
	CK_SESSION_INFO si;

	OK(p->C_CloseSession(s));
	EXPECT_RV(CKR_SESSION_HANDLE_INVALID, p->C_GetSessionInfo(s, &si));
	EXPECT_RV(CKR_SESSION_HANDLE_INVALID, p->C_CloseSession(s));
	EXPECT_RV(CKR_SESSION_HANDLE_INVALID, p->C_GetSessionInfo(NO_SESSION, &si));
	EXPECT_RV(CKR_SLOT_ID_INVALID, p->C_CloseAllSessions(0xdead));
}

static void open_ro_while_so_is_read_write_so_exists(void **state)
{
	CK_SESSION_HANDLE s = open_rw(), t;

	OK(login(s, CKU_SO, SO_PIN));
	EXPECT_RV(CKR_SESSION_READ_WRITE_SO_EXISTS,
		  p->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &t));
	t = open_rw();
	expect_state(t, CKS_RW_SO_FUNCTIONS, "an R/W session opened while the SO is logged in");
	OK(p->C_Logout(s));
}

static void so_login_with_ro_session_is_read_only_exists(void **state)
{
	CK_SESSION_HANDLE r = open_ro(), s = open_rw();
	CK_FLAGS f;

	EXPECT_RV(CKR_SESSION_READ_ONLY_EXISTS, login(s, CKU_SO, SO_PIN));
	EXPECT_RV(CKR_SESSION_READ_ONLY_EXISTS, login(s, CKU_SO, BAD_PIN));
	f = token_flags();
	EXPECT(!(f & CKF_SO_PIN_COUNT_LOW),
	       "a refused login not to count as a wrong SO PIN, got flags 0x%lx",
	       (unsigned long)f);
	OK(p->C_CloseSession(r));
	OK(login(s, CKU_SO, SO_PIN));
	OK(p->C_Logout(s));
}

static void login_twice_is_already_logged_in(void **state)
{
	CK_SESSION_HANDLE s = open_rw(), r = open_ro();

	OK(login(s, CKU_USER, USER_PIN));
	EXPECT_RV(CKR_USER_ALREADY_LOGGED_IN, login(s, CKU_USER, USER_PIN));
	EXPECT_RV(CKR_USER_ALREADY_LOGGED_IN, login(r, CKU_USER, USER_PIN));
	OK(p->C_Logout(r));
	OK(p->C_CloseSession(r));
	OK(login(s, CKU_SO, SO_PIN));
	EXPECT_RV(CKR_USER_ALREADY_LOGGED_IN, login(s, CKU_SO, SO_PIN));
	OK(p->C_Logout(s));
}

static void login_other_user_type_is_another_already_logged_in(void **state)
{
	CK_SESSION_HANDLE s = open_rw();

	OK(login(s, CKU_USER, USER_PIN));
	EXPECT_RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN, login(s, CKU_SO, SO_PIN));
	OK(p->C_Logout(s));
	OK(login(s, CKU_SO, SO_PIN));
	EXPECT_RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN, login(s, CKU_USER, USER_PIN));
	OK(p->C_Logout(s));
	EXPECT_RV(CKR_USER_TYPE_INVALID, login(s, 77, USER_PIN));
}

static void logout_without_login_is_user_not_logged_in(void **state)
{
	CK_SESSION_HANDLE s = open_rw();

	EXPECT_RV(CKR_USER_NOT_LOGGED_IN, p->C_Logout(s));
	OK(login(s, CKU_USER, USER_PIN));
	OK(p->C_Logout(s));
	EXPECT_RV(CKR_USER_NOT_LOGGED_IN, p->C_Logout(s));
}

static void wrong_pin_counts_low_final_try_then_locks(void **state)
{
	CK_SESSION_HANDLE s = open_rw();
	unsigned int i;
	CK_FLAGS f;

	dirty = true;
	/* One failure, then a success: the count starts again. */
	EXPECT_RV(CKR_PIN_INCORRECT, login(s, CKU_USER, BAD_PIN));
	f = token_flags();
	EXPECT((f & CKF_USER_PIN_COUNT_LOW) && !(f & CKF_USER_PIN_LOCKED) &&
	       (max_tries < 3 || !(f & CKF_USER_PIN_FINAL_TRY)),
	       "after one wrong PIN of %u: CKF_USER_PIN_COUNT_LOW only, got flags 0x%lx",
	       max_tries, (unsigned long)f);
	OK(login(s, CKU_USER, USER_PIN));
	f = token_flags();
	EXPECT(!(f & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED)),
	       "after a good PIN: no failure flag, got flags 0x%lx", (unsigned long)f);
	OK(p->C_Logout(s));

	for (i = 1; i < max_tries; i++) {
		at("wrong PIN %u of %u", i, max_tries);
		EXPECT_RV(CKR_PIN_INCORRECT, login(s, CKU_USER, BAD_PIN));
		f = token_flags();
		EXPECT(f & CKF_USER_PIN_COUNT_LOW, "CKF_USER_PIN_COUNT_LOW, got flags 0x%lx",
		       (unsigned long)f);
		EXPECT(!(f & CKF_USER_PIN_LOCKED), "no CKF_USER_PIN_LOCKED, got flags 0x%lx",
		       (unsigned long)f);
		if (i == max_tries - 1)
			EXPECT(f & CKF_USER_PIN_FINAL_TRY,
			       "CKF_USER_PIN_FINAL_TRY with one try left, got flags 0x%lx",
			       (unsigned long)f);
		else
			EXPECT(!(f & CKF_USER_PIN_FINAL_TRY),
			       "no CKF_USER_PIN_FINAL_TRY with %u tries left, got flags 0x%lx",
			       max_tries - i, (unsigned long)f);
	}
	at("wrong PIN %u of %u", max_tries, max_tries);
	EXPECT_RV(CKR_PIN_INCORRECT, login(s, CKU_USER, BAD_PIN));
	f = token_flags();
	EXPECT(f & CKF_USER_PIN_LOCKED, "CKF_USER_PIN_LOCKED, got flags 0x%lx",
	       (unsigned long)f);
	at("the right PIN once locked");
	EXPECT_RV(CKR_PIN_LOCKED, login(s, CKU_USER, USER_PIN));
	EXPECT_RV(CKR_PIN_LOCKED, login(s, CKU_USER, BAD_PIN));
	where[0] = 0;

	/* The SO unlocks it by setting the PIN again. */
	OK(login(s, CKU_SO, SO_PIN));
	OK(p->C_InitPIN(s, PIN(USER_PIN)));
	OK(p->C_Logout(s));
	f = token_flags();
	EXPECT(!(f & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED)),
	       "after C_InitPIN: no failure flag, got flags 0x%lx", (unsigned long)f);
	OK(login(s, CKU_USER, USER_PIN));
	dirty = false;
}

static void pin_failure_count_shared_across_processes(void **state)
{
	CK_SESSION_HANDLE s;
	CK_TOKEN_INFO ti;
	CK_FLAGS f;
	pid_t pid;

	f = token_flags();
	EXPECT(!(f & CKF_USER_PIN_COUNT_LOW), "no failure counted yet, got flags 0x%lx",
	       (unsigned long)f);
	pid = fork_or_fail();
	if (!pid) {
		CHILD_OK(p->C_Initialize(&os_locking));
		CHILD_OK(p->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s));
		CHILD_RV(CKR_PIN_INCORRECT, login(s, CKU_USER, BAD_PIN));
		CHILD_OK(p->C_Finalize(NULL));
		_exit(0);
	}
	wait_child(pid, "the child giving a wrong PIN");
	f = token_flags();
	EXPECT(f & CKF_USER_PIN_COUNT_LOW,
	       "the other process's wrong PIN counted here: CKF_USER_PIN_COUNT_LOW, got flags 0x%lx",
	       (unsigned long)f);
	s = open_ro();
	OK(login(s, CKU_USER, USER_PIN));
	pid = fork_or_fail();
	if (!pid) {
		CHILD_OK(p->C_Initialize(&os_locking));
		CHILD_OK(p->C_GetTokenInfo(slot, &ti));
		if (ti.flags & CKF_USER_PIN_COUNT_LOW)
			child_fail("the parent's good PIN to clear CKF_USER_PIN_COUNT_LOW, got flags 0x%lx",
				   (unsigned long)ti.flags);
		CHILD_OK(p->C_Finalize(NULL));
		_exit(0);
	}
	wait_child(pid, "the child reading the flags");
}

static void login_shared_by_all_sessions_of_process(void **state)
{
	CK_SESSION_HANDLE s1 = open_rw(), s2 = open_ro(), s3, s4;
	CK_OBJECT_HANDLE o, found[4];

	OK(login(s1, CKU_USER, USER_PIN));
	expect_state(s1, CKS_RW_USER_FUNCTIONS, "the session that logged in");
	expect_state(s2, CKS_RO_USER_FUNCTIONS, "an R/O session open before the login");
	s3 = open_ro();
	s4 = open_rw();
	expect_state(s3, CKS_RO_USER_FUNCTIONS, "an R/O session opened after the login");
	expect_state(s4, CKS_RW_USER_FUNCTIONS, "an R/W session opened after the login");
	o = make_data(s1, "shared-login-private", CK_FALSE, CK_TRUE, "x", 1);
	EXPECT(find_label(s3, "shared-login-private", found, N(found)) == 1 &&
	       found[0] == o, "another session to see the private session object");
	OK(p->C_Logout(s3));
	expect_state(s1, CKS_RW_PUBLIC_SESSION, "after C_Logout in another session");
	expect_state(s2, CKS_RO_PUBLIC_SESSION, "after C_Logout in another session");
	EXPECT_RV(CKR_USER_NOT_LOGGED_IN, p->C_Logout(s1));
}

static void closing_last_session_logs_out(void **state)
{
	unsigned int base = have_apqn ? kernel_held() : 0;
	CK_SESSION_HANDLE s1 = open_rw(), s2, s3;

	OK(login(s1, CKU_USER, USER_PIN));
	s2 = open_ro();
	OK(p->C_CloseSession(s1));
	expect_state(s2, CKS_RO_USER_FUNCTIONS, "the last session left");
	OK(p->C_CloseSession(s2));
	s3 = open_rw();
	expect_state(s3, CKS_RW_PUBLIC_SESSION, "a session opened after the last one closed");
	EXPECT_RV(CKR_USER_NOT_LOGGED_IN, p->C_Logout(s3));
	if (have_apqn)
		expect_held(base, "after the last C_CloseSession");

	OK(login(s3, CKU_USER, USER_PIN));
	s2 = open_ro();
	OK(p->C_CloseAllSessions(slot));
	EXPECT_RV(CKR_SESSION_HANDLE_INVALID, p->C_Logout(s3));
	s1 = open_ro();
	expect_state(s1, CKS_RO_PUBLIC_SESSION, "a session opened after C_CloseAllSessions");
	if (have_apqn)
		expect_held(base, "after C_CloseAllSessions");
}

static void token_info_counts_this_applications_sessions(void **state)
{
	int *go = pipe_or_fail(), *ready = pipe_or_fail();
	CK_SESSION_HANDLE s;
	CK_TOKEN_INFO ti;
	pid_t pid;

	open_rw();
	open_rw();
	open_ro();
	ti = token_info();
	EXPECT(ti.ulSessionCount == 3 && ti.ulRwSessionCount == 2,
	       "3 sessions, 2 R/W, got %lu, %lu", (unsigned long)ti.ulSessionCount,
	       (unsigned long)ti.ulRwSessionCount);
	pid = fork_or_fail();
	if (!pid) {
		close(go[1]);
		CHILD_OK(p->C_Initialize(&os_locking));
		CHILD_OK(p->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
					  NULL, NULL, &s));
		CHILD_OK(p->C_GetTokenInfo(slot, &ti));
		if (ti.ulSessionCount != 1 || ti.ulRwSessionCount != 1)
			child_fail("its own session only: 1, 1 R/W, got %lu, %lu",
				   (unsigned long)ti.ulSessionCount,
				   (unsigned long)ti.ulRwSessionCount);
		write_byte(ready[1], 'r');
		read_byte(go[0]);
		_exit(0);
	}
	EXPECT(read_byte(ready[0]) == 'r', "the child to open a session");
	ti = token_info();
	write_byte(go[1], 'g');
	wait_child(pid, "the child with its own session");
	EXPECT(ti.ulSessionCount == 3 && ti.ulRwSessionCount == 2,
	       "this application's sessions only, 3 and 2 R/W, with another process's open, got %lu, %lu",
	       (unsigned long)ti.ulSessionCount, (unsigned long)ti.ulRwSessionCount);
}

/* ==== objects and logout ==== */

static void private_handle_invalid_after_logout_even_after_relogin(void **state)
{
	CK_SESSION_HANDLE s = open_rw();
	CK_OBJECT_HANDLE tok, ses, pub, found[4];
	CK_BYTE buf[32];
	CK_ATTRIBUTE a = { CKA_LABEL, buf, sizeof(buf) };
	CK_ATTRIBUTE v = { CKA_VALUE, buf, sizeof(buf) };
	CK_ULONG n;

	OK(login(s, CKU_USER, USER_PIN));
	tok = make_data(s, "relogin-token-private", CK_TRUE, CK_TRUE, "secret", 6);
	ses = make_data(s, "relogin-session-private", CK_FALSE, CK_TRUE, "secret", 6);
	pub = make_data(s, "relogin-session-public", CK_FALSE, CK_FALSE, "public", 6);
	get_attrs(s, tok, &a, 1);
	OK(p->C_Logout(s));
	a.ulValueLen = sizeof(buf);
	EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, p->C_GetAttributeValue(s, tok, &a, 1));
	EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, p->C_GetAttributeValue(s, ses, &a, 1));
	/* A public object's handle stays valid. */
	get_attrs(s, pub, &a, 1);
	EXPECT(find_label(s, "relogin-token-private", found, N(found)) == 0,
	       "a public session not to find the private token object");

	OK(login(s, CKU_USER, USER_PIN));
	a.ulValueLen = sizeof(buf);
	EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, p->C_GetAttributeValue(s, tok, &a, 1));
	EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, p->C_GetAttributeValue(s, ses, &a, 1));
	EXPECT(find_label(s, "relogin-session-private", found, N(found)) == 0,
	       "the private session object destroyed by C_Logout");
	n = find_label(s, "relogin-token-private", found, N(found));
	EXPECT(n == 1, "the private token object found again, got %lu objects",
	       (unsigned long)n);
	EXPECT(found[0] != tok, "a new handle for the private token object, got the old one %lu",
	       (unsigned long)tok);
	get_attrs(s, found[0], &v, 1);
	EXPECT(v.ulValueLen == 6 && !memcmp(buf, "secret", 6),
	       "the private object's CKA_VALUE back");
	OK(p->C_DestroyObject(s, found[0]));
}

/*
 * C_Logout ends what the login allowed: an operation initialised with a
 * private key fails afterwards with CKR_USER_NOT_LOGGED_IN (the login it
 * belonged to has ended) and is over (CKR_OPERATION_NOT_INITIALIZED); a
 * new login does not bring it back.
 */
static void operation_with_private_key_fails_after_logout(void **state)
{
	CK_SESSION_HANDLE s = open_rw();
	CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE sig[64];
	CK_ULONG len = sizeof(sig);

	OK(login(s, CKU_USER, USER_PIN));
	gen_ec(s, CK_TRUE, "logout-op", &pub, &priv);
	at("single-part, logged out");
	OK(p->C_SignInit(s, &m, priv));
	OK(p->C_Logout(s));
	EXPECT_RV(CKR_USER_NOT_LOGGED_IN, p->C_Sign(s, (CK_BYTE_PTR)"data", 4, sig, &len));
	EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED,
		  p->C_Sign(s, (CK_BYTE_PTR)"data", 4, sig, &len));
	OK(login(s, CKU_USER, USER_PIN));
	EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED,
		  p->C_Sign(s, (CK_BYTE_PTR)"data", 4, sig, &len));

	at("multi-part, logged out");
	gen_ec(s, CK_FALSE, "logout-op-2", &pub, &priv);
	OK(p->C_SignInit(s, &m, priv));
	OK(p->C_SignUpdate(s, (CK_BYTE_PTR)"data", 4));
	OK(p->C_Logout(s));
	len = sizeof(sig);
	EXPECT_RV(CKR_USER_NOT_LOGGED_IN, p->C_SignFinal(s, sig, &len));
	EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, p->C_SignFinal(s, sig, &len));

	at("single-part, logged out and in again");
	OK(login(s, CKU_USER, USER_PIN));
	gen_ec(s, CK_FALSE, "logout-op-3", &pub, &priv);
	OK(p->C_SignInit(s, &m, priv));
	OK(p->C_Logout(s));
	OK(login(s, CKU_USER, USER_PIN));
	len = sizeof(sig);
	EXPECT_RV(CKR_USER_NOT_LOGGED_IN, p->C_Sign(s, (CK_BYTE_PTR)"data", 4, sig, &len));
	EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED,
		  p->C_Sign(s, (CK_BYTE_PTR)"data", 4, sig, &len));

	at("a new operation replaces the ended one at once");
	gen_ec(s, CK_FALSE, "logout-op-4", &pub, &priv);
	OK(p->C_SignInit(s, &m, priv));
	OK(p->C_Logout(s));
	OK(login(s, CKU_USER, USER_PIN));
	gen_ec(s, CK_FALSE, "logout-op-5", &pub, &priv);
	OK(p->C_SignInit(s, &m, priv));
	len = sizeof(sig);
	OK(p->C_Sign(s, (CK_BYTE_PTR)"data", 4, sig, &len));
	where[0] = 0;
	/* The new login signs with the token key as found again. */
	priv = find_private_key(s, "logout-op");
	sign_once(s, priv, "data", 4, sig);
	OK(p->C_DestroyObject(s, priv));
}

static void session_object_dies_with_its_session(void **state)
{
	CK_SESSION_HANDLE s0 = open_rw(), s1;
	CK_OBJECT_HANDLE pub, priv, data, found[4];
	CK_KEY_TYPE kt = 0;
	CK_ATTRIBUTE a = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	CK_BYTE sig[64];

	OK(login(s0, CKU_USER, USER_PIN));
	s1 = open_rw();
	gen_ec(s1, CK_FALSE, "dies-with-session", &pub, &priv);
	data = make_data(s1, "dies-with-session", CK_FALSE, CK_FALSE, "d", 1);
	sign_once(s1, priv, "abc", 3, sig);
	/* Visible to the application's other sessions while s1 lives. */
	get_attrs(s0, priv, &a, 1);
	EXPECT(kt == CKK_EC, "CKK_EC, got %lu", (unsigned long)kt);
	OK(p->C_CloseSession(s1));
	a.ulValueLen = sizeof(kt);
	EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, p->C_GetAttributeValue(s0, priv, &a, 1));
	EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, p->C_GetAttributeValue(s0, pub, &a, 1));
	EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, p->C_DestroyObject(s0, data));
	EXPECT(find_label(s0, "dies-with-session", found, N(found)) == 0,
	       "no object of the closed session found");
}

/* ==== C_GetAttributeValue ==== */

static void get_attribute_value_length_query(void **state)
{
	static const char label[] = "length-query-label";
	CK_SESSION_HANDLE s = open_rw();
	CK_BYTE val[40], vbuf[64], lbuf[4];
	CK_OBJECT_CLASS cls = 0;
	CK_OBJECT_HANDLE o;
	CK_ULONG i;

	for (i = 0; i < sizeof(val); i++)
		val[i] = (CK_BYTE)(i * 7 + 1);
	o = make_data(s, label, CK_FALSE, CK_FALSE, val, sizeof(val));
	{
		CK_ATTRIBUTE a[] = {
			{ CKA_LABEL, NULL, 0 },
			{ CKA_VALUE, NULL, 0 },
		};

		OK(p->C_GetAttributeValue(s, o, a, N(a)));
		EXPECT(a[0].ulValueLen == strlen(label) && a[1].ulValueLen == sizeof(val),
		       "lengths %zu and %zu, got %lu and %lu", strlen(label), sizeof(val),
		       (unsigned long)a[0].ulValueLen, (unsigned long)a[1].ulValueLen);
	}
	{
		CK_ATTRIBUTE a[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_LABEL, lbuf, sizeof(lbuf) },
			{ CKA_VALUE, vbuf, sizeof(vbuf) },
		};

		EXPECT_RV(CKR_BUFFER_TOO_SMALL, p->C_GetAttributeValue(s, o, a, N(a)));
		EXPECT(a[1].ulValueLen == CK_UNAVAILABLE_INFORMATION,
		       "CKA_LABEL in a 4-byte buffer: CK_UNAVAILABLE_INFORMATION, got %lu",
		       (unsigned long)a[1].ulValueLen);
		EXPECT(a[0].ulValueLen == sizeof(cls) && cls == CKO_DATA,
		       "CKA_CLASS filled all the same: CKO_DATA, got %lu (length %lu)",
		       (unsigned long)cls, (unsigned long)a[0].ulValueLen);
		EXPECT(a[2].ulValueLen == sizeof(val) && !memcmp(vbuf, val, sizeof(val)),
		       "CKA_VALUE filled all the same, got length %lu",
		       (unsigned long)a[2].ulValueLen);
	}
	{
		CK_BYTE exact[sizeof(label) - 1];
		CK_ATTRIBUTE a = { CKA_LABEL, exact, sizeof(exact) };

		OK(p->C_GetAttributeValue(s, o, &a, 1));
		EXPECT(!memcmp(exact, label, sizeof(exact)), "the label back");
	}
	{
		CK_ATTRIBUTE a = { CKA_CLASS, &cls, sizeof(cls) };

		EXPECT_RV(CKR_OBJECT_HANDLE_INVALID,
			  p->C_GetAttributeValue(s, 0x7ffffff0UL, &a, 1));
	}
}

static void get_attribute_value_sensitive_and_invalid(void **state)
{
	CK_SESSION_HANDLE s = open_rw();
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE buf[256], lbl[64];
	CK_KEY_TYPE kt = 0;
	CK_BBOOL sens = CK_FALSE;

	OK(login(s, CKU_USER, USER_PIN));
	gen_ec(s, CK_FALSE, "sensitive-key", &pub, &priv);
	{
		CK_ATTRIBUTE a = { CKA_VALUE, buf, sizeof(buf) };

		EXPECT_RV(CKR_ATTRIBUTE_SENSITIVE, p->C_GetAttributeValue(s, priv, &a, 1));
		EXPECT(a.ulValueLen == CK_UNAVAILABLE_INFORMATION,
		       "CKA_VALUE of a sensitive key: CK_UNAVAILABLE_INFORMATION, got %lu",
		       (unsigned long)a.ulValueLen);
		a.pValue = NULL;
		a.ulValueLen = 0;
		EXPECT_RV(CKR_ATTRIBUTE_SENSITIVE, p->C_GetAttributeValue(s, priv, &a, 1));
		EXPECT(a.ulValueLen == CK_UNAVAILABLE_INFORMATION,
		       "its length query: CK_UNAVAILABLE_INFORMATION, got %lu",
		       (unsigned long)a.ulValueLen);
	}
	{
		CK_ATTRIBUTE a = { 0x0000beefUL, buf, sizeof(buf) };
		CK_ATTRIBUTE m = { CKA_MODULUS, buf, sizeof(buf) };

		EXPECT_RV(CKR_ATTRIBUTE_TYPE_INVALID, p->C_GetAttributeValue(s, priv, &a, 1));
		EXPECT(a.ulValueLen == CK_UNAVAILABLE_INFORMATION,
		       "an unknown attribute: CK_UNAVAILABLE_INFORMATION, got %lu",
		       (unsigned long)a.ulValueLen);
		EXPECT_RV(CKR_ATTRIBUTE_TYPE_INVALID, p->C_GetAttributeValue(s, pub, &m, 1));
		EXPECT(m.ulValueLen == CK_UNAVAILABLE_INFORMATION,
		       "CKA_MODULUS of an EC key: CK_UNAVAILABLE_INFORMATION, got %lu",
		       (unsigned long)m.ulValueLen);
	}
	{
		/* The others are filled all the same. */
		CK_ATTRIBUTE a[] = {
			{ CKA_KEY_TYPE, &kt, sizeof(kt) },
			{ CKA_VALUE, buf, sizeof(buf) },
			{ CKA_SENSITIVE, &sens, sizeof(sens) },
			{ CKA_LABEL, lbl, sizeof(lbl) },
		};

		EXPECT_RV(CKR_ATTRIBUTE_SENSITIVE, p->C_GetAttributeValue(s, priv, a, N(a)));
		EXPECT(kt == CKK_EC && a[0].ulValueLen == sizeof(kt),
		       "CKA_KEY_TYPE CKK_EC beside a sensitive attribute, got %lu",
		       (unsigned long)kt);
		EXPECT(a[1].ulValueLen == CK_UNAVAILABLE_INFORMATION,
		       "CKA_VALUE: CK_UNAVAILABLE_INFORMATION, got %lu",
		       (unsigned long)a[1].ulValueLen);
		EXPECT(sens == CK_TRUE && a[2].ulValueLen == 1, "CKA_SENSITIVE true");
		EXPECT(a[3].ulValueLen == strlen("sensitive-key") &&
		       !memcmp(lbl, "sensitive-key", a[3].ulValueLen), "the label");
	}
}

/*
 * A generated private key has the attributes PKCS#11 gives its class
 * (3.0, "Private key objects"), with their values or defaults: clients
 * read them (pkcs11-tool --test reads CKA_ALWAYS_AUTHENTICATE of every
 * private key it decrypts with) and must not get CKR_ATTRIBUTE_TYPE_INVALID.
 */
static void private_key_has_the_attributes_of_its_class(void **state)
{
	static const struct {
		CK_ATTRIBUTE_TYPE type;
		const char *name;
		CK_BBOOL want;
	} b[] = {
		{ CKA_TOKEN, "CKA_TOKEN", CK_FALSE },
		{ CKA_PRIVATE, "CKA_PRIVATE", CK_TRUE },
		{ CKA_SIGN, "CKA_SIGN", CK_TRUE },
		{ CKA_SENSITIVE, "CKA_SENSITIVE", CK_TRUE },
		{ CKA_ALWAYS_SENSITIVE, "CKA_ALWAYS_SENSITIVE", CK_TRUE },
		{ CKA_LOCAL, "CKA_LOCAL", CK_TRUE },
		{ CKA_ALWAYS_AUTHENTICATE, "CKA_ALWAYS_AUTHENTICATE", CK_FALSE },
		{ CKA_DERIVE, "CKA_DERIVE", CK_FALSE },
	};
	CK_SESSION_HANDLE s = open_rw();
	CK_OBJECT_HANDLE pub, priv;
	CK_MECHANISM_TYPE gen = 0;
	CK_BBOOL v;
	unsigned int i;

	OK(login(s, CKU_USER, USER_PIN));
	gen_ec(s, CK_FALSE, "class-attributes", &pub, &priv);
	for (i = 0; i < N(b); i++) {
		CK_ATTRIBUTE a = { b[i].type, &v, sizeof(v) };

		at("%s", b[i].name);
		v = 0xff;
		OK(p->C_GetAttributeValue(s, priv, &a, 1));
		EXPECT(a.ulValueLen == 1 && v == b[i].want, "%s %u, got %u (length %lu)",
		       b[i].name, b[i].want, v, (unsigned long)a.ulValueLen);
	}
	at("CKA_KEY_GEN_MECHANISM");
	{
		CK_ATTRIBUTE a = { CKA_KEY_GEN_MECHANISM, &gen, sizeof(gen) };

		OK(p->C_GetAttributeValue(s, priv, &a, 1));
		EXPECT(gen == CKM_EC_KEY_PAIR_GEN, "CKM_EC_KEY_PAIR_GEN, got 0x%lx",
		       (unsigned long)gen);
	}
}

/* ==== the length-query convention of the cryptographic functions ==== */

static void sign_length_query_keeps_operation_active(void **state)
{
	CK_SESSION_HANDLE s = open_rw();
	CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE sig[128], data[] = "length query";
	CK_ULONG len;
	EVP_PKEY *pk;

	OK(login(s, CKU_USER, USER_PIN));
	gen_ec(s, CK_FALSE, "sign-length", &pub, &priv);
	OK(p->C_SignInit(s, &m, priv));
	EXPECT_RV(CKR_OPERATION_ACTIVE, p->C_SignInit(s, &m, priv));
	len = 0;
	OK(p->C_Sign(s, data, sizeof(data), NULL, &len));
	EXPECT(len == 64, "the length 64, got %lu", (unsigned long)len);
	len = 0;
	OK(p->C_Sign(s, data, sizeof(data), NULL, &len));
	EXPECT(len == 64, "the operation active after a length query: 64 again, got %lu",
	       (unsigned long)len);
	len = 10;
	EXPECT_RV(CKR_BUFFER_TOO_SMALL, p->C_Sign(s, data, sizeof(data), sig, &len));
	EXPECT(len == 64, "the length 64 with CKR_BUFFER_TOO_SMALL, got %lu",
	       (unsigned long)len);
	len = sizeof(sig);
	OK(p->C_Sign(s, data, sizeof(data), sig, &len));
	EXPECT(len == 64, "a 64-byte signature, got %lu", (unsigned long)len);
	EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, p->C_Sign(s, data, sizeof(data), sig, &len));
	pk = ec_pub(s, pub);
	EXPECT(ecdsa_ok(pk, data, sizeof(data), sig, len),
	       "OpenSSL to verify the signature with the public key");
	EVP_PKEY_free(pk);
}

static void encrypt_length_query_keeps_operation_active(void **state)
{
	CK_SESSION_HANDLE s = open_rw();
	CK_BYTE iv[16] = { 1, 2, 3 }, data[20], ct[64], pt[64];
	CK_MECHANISM m = { CKM_AES_CBC_PAD, iv, sizeof(iv) };
	CK_OBJECT_HANDLE k;
	CK_ULONG len, ctlen;

	memset(data, 'e', sizeof(data));
	OK(login(s, CKU_USER, USER_PIN));
	k = gen_aes(s);
	OK(p->C_EncryptInit(s, &m, k));
	len = 0;
	OK(p->C_Encrypt(s, data, sizeof(data), NULL, &len));
	EXPECT(len >= 32 && len <= sizeof(ct), "room for 32 bytes, got %lu", (unsigned long)len);
	len = 16;
	EXPECT_RV(CKR_BUFFER_TOO_SMALL, p->C_Encrypt(s, data, sizeof(data), ct, &len));
	EXPECT(len >= 32, "room for 32 bytes with CKR_BUFFER_TOO_SMALL, got %lu",
	       (unsigned long)len);
	ctlen = sizeof(ct);
	OK(p->C_Encrypt(s, data, sizeof(data), ct, &ctlen));
	EXPECT(ctlen == 32, "20 bytes padded to 32, got %lu", (unsigned long)ctlen);
	EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, p->C_Encrypt(s, data, sizeof(data), ct, &len));

	OK(p->C_DecryptInit(s, &m, k));
	len = 0;
	OK(p->C_Decrypt(s, ct, ctlen, NULL, &len));
	EXPECT(len >= 20, "room for 20 bytes, got %lu", (unsigned long)len);
	len = 4;
	EXPECT_RV(CKR_BUFFER_TOO_SMALL, p->C_Decrypt(s, ct, ctlen, pt, &len));
	len = sizeof(pt);
	OK(p->C_Decrypt(s, ct, ctlen, pt, &len));
	EXPECT(len == sizeof(data) && !memcmp(pt, data, sizeof(data)),
	       "the 20 bytes back, got %lu bytes", (unsigned long)len);
}

static void digest_length_query_keeps_operation_active(void **state)
{
	CK_SESSION_HANDLE s = open_ro();
	CK_MECHANISM m = { CKM_SHA256, NULL, 0 };
	CK_BYTE data[] = "digest me", out[64], want[32];
	CK_ULONG len;

	EVP_Digest(data, sizeof(data), want, NULL, EVP_sha256(), NULL);
	OK(p->C_DigestInit(s, &m));
	EXPECT_RV(CKR_OPERATION_ACTIVE, p->C_DigestInit(s, &m));
	len = 0;
	OK(p->C_Digest(s, data, sizeof(data), NULL, &len));
	EXPECT(len == 32, "the length 32, got %lu", (unsigned long)len);
	len = 31;
	EXPECT_RV(CKR_BUFFER_TOO_SMALL, p->C_Digest(s, data, sizeof(data), out, &len));
	EXPECT(len == 32, "the length 32 with CKR_BUFFER_TOO_SMALL, got %lu", (unsigned long)len);
	len = sizeof(out);
	OK(p->C_Digest(s, data, sizeof(data), out, &len));
	EXPECT(len == 32 && !memcmp(out, want, 32), "OpenSSL's SHA-256");
	EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, p->C_Digest(s, data, sizeof(data), out, &len));
}

/*
 * Multi-part calls: the length-query convention at the final call, a
 * hash-then-sign over more data than anything is buffered for (the hash
 * carries it), and the bound of a buffered operation.
 */
#define BIG	(100 * 1024)

static void final_length_query_keeps_operation_active(void **state)
{
	CK_SESSION_HANDLE s = open_rw();
	CK_BYTE iv[16] = { 7 }, data[20], ct[64], pt[64], out[64], want[32];
	CK_MECHANISM m = { CKM_AES_CBC_PAD, iv, sizeof(iv) };
	CK_MECHANISM dm = { CKM_SHA256, NULL, 0 };
	CK_ULONG len, got, fin;
	CK_OBJECT_HANDLE k;

	memset(data, 'f', sizeof(data));
	OK(login(s, CKU_USER, USER_PIN));
	k = gen_aes(s);
	OK(p->C_EncryptInit(s, &m, k));
	got = sizeof(ct);
	OK(p->C_EncryptUpdate(s, data, sizeof(data), ct, &got));
	EXPECT(got <= 16, "at most one block out of 20 bytes, got %lu", (unsigned long)got);
	fin = 0;
	OK(p->C_EncryptFinal(s, NULL, &fin));
	EXPECT(got + fin >= 32, "room for the rest of 32 bytes, got %lu + %lu",
	       (unsigned long)got, (unsigned long)fin);
	len = 1;
	EXPECT_RV(CKR_BUFFER_TOO_SMALL, p->C_EncryptFinal(s, ct + got, &len));
	EXPECT(len == fin, "the same length with CKR_BUFFER_TOO_SMALL, got %lu",
	       (unsigned long)len);
	len = sizeof(ct) - got;
	OK(p->C_EncryptFinal(s, ct + got, &len));
	EXPECT(got + len == 32, "20 bytes padded to 32, got %lu", (unsigned long)(got + len));
	EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, p->C_EncryptFinal(s, ct, &len));
	OK(p->C_DecryptInit(s, &m, k));
	len = sizeof(pt);
	OK(p->C_Decrypt(s, ct, 32, pt, &len));
	EXPECT(len == sizeof(data) && !memcmp(pt, data, len),
	       "the parts' ciphertext to decrypt to the 20 bytes, got %lu bytes",
	       (unsigned long)len);

	OK(p->C_DecryptInit(s, &m, k));
	got = sizeof(pt);
	OK(p->C_DecryptUpdate(s, ct, 32, pt, &got));
	fin = 0;
	OK(p->C_DecryptFinal(s, NULL, &fin));
	EXPECT(got + fin >= sizeof(data), "room for the 20 bytes, got %lu + %lu",
	       (unsigned long)got, (unsigned long)fin);
	len = sizeof(pt) - got;
	OK(p->C_DecryptFinal(s, pt + got, &len));
	EXPECT(got + len == sizeof(data) && !memcmp(pt, data, sizeof(data)),
	       "the 20 bytes back in parts, got %lu", (unsigned long)(got + len));

	EVP_Digest(data, sizeof(data), want, NULL, EVP_sha256(), NULL);
	OK(p->C_DigestInit(s, &dm));
	OK(p->C_DigestUpdate(s, data, 5));
	OK(p->C_DigestUpdate(s, data + 5, sizeof(data) - 5));
	len = 0;
	OK(p->C_DigestFinal(s, NULL, &len));
	EXPECT(len == 32, "the length 32, got %lu", (unsigned long)len);
	len = 31;
	EXPECT_RV(CKR_BUFFER_TOO_SMALL, p->C_DigestFinal(s, out, &len));
	len = sizeof(out);
	OK(p->C_DigestFinal(s, out, &len));
	EXPECT(len == 32 && !memcmp(out, want, 32), "OpenSSL's SHA-256 of the parts");
}

static void multipart_hash_sign_has_no_bound(void **state)
{
	CK_SESSION_HANDLE s = open_rw();
	CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE *data = malloc(BIG), sig[64];
	CK_ULONG len, i;
	EVP_PKEY *pk;

	assert_non_null(data);
	for (i = 0; i < BIG; i++)
		data[i] = (CK_BYTE)(i * 7);
	OK(login(s, CKU_USER, USER_PIN));
	gen_ec(s, CK_FALSE, "sign-big", &pub, &priv);
	OK(p->C_SignInit(s, &m, priv));
	for (i = 0; i < BIG; i += 4096)
		OK(p->C_SignUpdate(s, data + i, 4096 < BIG - i ? 4096 : BIG - i));
	len = 0;
	OK(p->C_SignFinal(s, NULL, &len));
	EXPECT(len == 64, "the length 64, got %lu", (unsigned long)len);
	len = 63;
	EXPECT_RV(CKR_BUFFER_TOO_SMALL, p->C_SignFinal(s, sig, &len));
	len = sizeof(sig);
	OK(p->C_SignFinal(s, sig, &len));
	pk = ec_pub(s, pub);
	EXPECT(ecdsa_ok(pk, data, BIG, sig, len),
	       "OpenSSL to verify the signature of 100 KiB signed in parts");
	EVP_PKEY_free(pk);
	OK(p->C_VerifyInit(s, &m, pub));
	OK(p->C_VerifyUpdate(s, data, BIG / 2));
	OK(p->C_VerifyUpdate(s, data + BIG / 2, BIG - BIG / 2));
	OK(p->C_VerifyFinal(s, sig, len));
	free(data);
}

static void multipart_buffered_bound_is_data_len_range(void **state)
{
	CK_SESSION_HANDLE s = open_rw();
	CK_MECHANISM gm = { CKM_GENERIC_SECRET_KEY_GEN, NULL, 0 };
	CK_MECHANISM m = { CKM_SHA256_HMAC, NULL, 0 };
	CK_BYTE *data = calloc(1, BIG), mac[32];
	CK_ULONG klen = 32, len, i;
	CK_OBJECT_HANDLE k;
	CK_ATTRIBUTE t[] = {
		{ CKA_VALUE_LEN, &klen, sizeof(klen) },
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
	};

	assert_non_null(data);
	OK(login(s, CKU_USER, USER_PIN));
	OK(p->C_GenerateKey(s, &gm, t, N(t), &k));
	/* 48 KiB in parts is taken... */
	OK(p->C_SignInit(s, &m, k));
	for (i = 0; i < 48 * 1024; i += 8192)
		OK(p->C_SignUpdate(s, data + i, 8192));
	len = sizeof(mac);
	OK(p->C_SignFinal(s, mac, &len));
	EXPECT(len == 32, "a 32-byte HMAC-SHA256, got %lu", (unsigned long)len);
	OK(p->C_VerifyInit(s, &m, k));
	OK(p->C_Verify(s, data, 48 * 1024, mac, len));
	/* ... one byte more is not, and ends the operation. */
	OK(p->C_SignInit(s, &m, k));
	OK(p->C_SignUpdate(s, data, 48 * 1024));
	EXPECT_RV(CKR_DATA_LEN_RANGE, p->C_SignUpdate(s, data, 1));
	len = sizeof(mac);
	EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, p->C_SignFinal(s, mac, &len));
	/* A single-part call of a buffered mechanism has the same bound. */
	OK(p->C_SignInit(s, &m, k));
	len = sizeof(mac);
	EXPECT_RV(CKR_DATA_LEN_RANGE, p->C_Sign(s, data, 48 * 1024 + 1, mac, &len));
	free(data);
}

static void wrap_length_query_keeps_nothing_half_done(void **state)
{
	CK_SESSION_HANDLE s = open_rw();
	CK_MECHANISM gm = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_MECHANISM wm = { CKM_AES_KEY_WRAP, NULL, 0 };
	CK_MECHANISM em = { CKM_AES_ECB, NULL, 0 };
	CK_BYTE iv[16] = { 3, 1, 4, 1, 5, 9, 2, 6 };
	CK_MECHANISM pm = { CKM_AES_CBC_PAD, iv, sizeof(iv) };
	CK_OBJECT_CLASS sk = CKO_SECRET_KEY;
	CK_KEY_TYPE aes = CKK_AES;
	CK_ULONG klen = 32, len, n1, n2;
	CK_OBJECT_HANDLE kek, key, back;
	CK_BYTE wrapped[128], block[16] = "sixteen bytes!!", c1[16], c2[16];
	CK_ATTRIBUTE kt[] = {
		{ CKA_VALUE_LEN, &klen, sizeof(klen) },
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_WRAP, &yes, sizeof(yes) },
		{ CKA_UNWRAP, &yes, sizeof(yes) },
	};
	CK_ATTRIBUTE t[] = {
		{ CKA_VALUE_LEN, &klen, sizeof(klen) },
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_EXTRACTABLE, &yes, sizeof(yes) },
		{ CKA_ENCRYPT, &yes, sizeof(yes) },
	};
	CK_ATTRIBUTE ut[] = {
		{ CKA_CLASS, &sk, sizeof(sk) },
		{ CKA_KEY_TYPE, &aes, sizeof(aes) },
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_ENCRYPT, &yes, sizeof(yes) },
	};

	OK(login(s, CKU_USER, USER_PIN));
	OK(p->C_GenerateKey(s, &gm, kt, N(kt), &kek));
	OK(p->C_GenerateKey(s, &gm, t, N(t), &key));
	len = 0;
	OK(p->C_WrapKey(s, &wm, kek, key, NULL, &len));
	EXPECT(len == 40, "40 bytes for a 32-byte key wrapped, got %lu", (unsigned long)len);
	len = 39;
	EXPECT_RV(CKR_BUFFER_TOO_SMALL, p->C_WrapKey(s, &wm, kek, key, wrapped, &len));
	EXPECT(len == 40, "the length 40 with CKR_BUFFER_TOO_SMALL, got %lu", (unsigned long)len);
	len = sizeof(wrapped);
	OK(p->C_WrapKey(s, &wm, kek, key, wrapped, &len));
	EXPECT(len == 40, "40 bytes wrapped, got %lu", (unsigned long)len);
	OK(p->C_UnwrapKey(s, &wm, kek, wrapped, len, ut, N(ut), &back));
	OK(p->C_EncryptInit(s, &em, key));
	n1 = sizeof(c1);
	OK(p->C_Encrypt(s, block, sizeof(block), c1, &n1));
	OK(p->C_EncryptInit(s, &em, back));
	n2 = sizeof(c2);
	OK(p->C_Encrypt(s, block, sizeof(block), c2, &n2));
	EXPECT(n1 == 16 && n2 == 16 && !memcmp(c1, c2, 16),
	       "the unwrapped key to encrypt as the original does");

	/* The same with AES-CBC-PAD and its IV: 32 bytes padded to 48. */
	len = 0;
	OK(p->C_WrapKey(s, &pm, kek, key, NULL, &len));
	EXPECT(len == 48, "48 bytes for a 32-byte key under CBC-PAD, got %lu", (unsigned long)len);
	len = sizeof(wrapped);
	OK(p->C_WrapKey(s, &pm, kek, key, wrapped, &len));
	OK(p->C_UnwrapKey(s, &pm, kek, wrapped, len, ut, N(ut), &back));
	OK(p->C_EncryptInit(s, &em, back));
	n2 = sizeof(c2);
	OK(p->C_Encrypt(s, block, sizeof(block), c2, &n2));
	EXPECT(n2 == 16 && !memcmp(c1, c2, 16),
	       "the key unwrapped from CBC-PAD to encrypt as the original does");
}

/*
 * C_GetSessionInfo's ulDeviceError carries the card's own code of the
 * session's last request: a CBC-PAD decryption whose padding is wrong
 * (sixteen zero bytes, encrypted without padding) is the card's
 * CKR_ENCRYPTED_DATA_INVALID there; a request that works clears it.
 */
static void session_info_device_error_is_the_cards_code(void **state)
{
	CK_SESSION_HANDLE s = open_rw();
	CK_BYTE iv[16] = { 9 }, zero[16] = { 0 }, ct[32], pt[32];
	CK_MECHANISM cbc = { CKM_AES_CBC, iv, sizeof(iv) };
	CK_MECHANISM pad = { CKM_AES_CBC_PAD, iv, sizeof(iv) };
	CK_OBJECT_HANDLE k;
	CK_SESSION_INFO si;
	CK_ULONG len;

	OK(login(s, CKU_USER, USER_PIN));
	k = gen_aes(s);
	OK(p->C_EncryptInit(s, &cbc, k));
	len = sizeof(ct);
	OK(p->C_Encrypt(s, zero, sizeof(zero), ct, &len));
	OK(p->C_GetSessionInfo(s, &si));
	EXPECT(si.ulDeviceError == 0, "no device error after a request that worked, got 0x%lx",
	       (unsigned long)si.ulDeviceError);
	OK(p->C_DecryptInit(s, &pad, k));
	len = sizeof(pt);
	EXPECT_RV(CKR_ENCRYPTED_DATA_INVALID, p->C_Decrypt(s, ct, 16, pt, &len));
	OK(p->C_GetSessionInfo(s, &si));
	EXPECT(si.ulDeviceError == CKR_ENCRYPTED_DATA_INVALID,
	       "ulDeviceError: the card's CKR_ENCRYPTED_DATA_INVALID (0x%lx), got 0x%lx",
	       (unsigned long)CKR_ENCRYPTED_DATA_INVALID, (unsigned long)si.ulDeviceError);
	OK(p->C_EncryptInit(s, &cbc, k));
	len = sizeof(ct);
	OK(p->C_Encrypt(s, zero, sizeof(zero), ct, &len));
	OK(p->C_GetSessionInfo(s, &si));
	EXPECT(si.ulDeviceError == 0, "the device error cleared by a request that worked, got 0x%lx",
	       (unsigned long)si.ulDeviceError);
}

/* ==== threads ==== */

#define THREADS 4
#define SIGNS 50

struct signer {
	pthread_t t;
	CK_OBJECT_HANDLE key;
	unsigned int id;
	unsigned int done;
	CK_RV rv;
	const char *what;
	CK_BYTE sig[SIGNS][64];
};

static void *signer_run(void *arg)
{
	struct signer *w = arg;
	CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_SESSION_HANDLE s;
	char data[32];
	CK_ULONG len;

	w->what = "C_OpenSession";
	w->rv = p->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
	if (w->rv != CKR_OK)
		return NULL;
	for (w->done = 0; w->done < SIGNS; w->done++) {
		snprintf(data, sizeof(data), "thread %u sign %u", w->id, w->done);
		w->what = "C_SignInit";
		w->rv = p->C_SignInit(s, &m, w->key);
		if (w->rv != CKR_OK)
			return NULL;
		len = 64;
		w->what = "C_Sign";
		w->rv = p->C_Sign(s, (CK_BYTE_PTR)data, strlen(data), w->sig[w->done], &len);
		if (w->rv != CKR_OK)
			return NULL;
		if (len != 64) {
			w->rv = CKR_GENERAL_ERROR;
			w->what = "C_Sign's length (not 64)";
			return NULL;
		}
	}
	w->what = "C_CloseSession";
	w->rv = p->C_CloseSession(s);
	return NULL;
}

static void threads_each_with_own_session_sign(void **state)
{
	static struct signer w[THREADS];
	CK_SESSION_HANDLE s = open_rw();
	CK_OBJECT_HANDLE pub, priv;
	unsigned int i, j;
	char data[32];
	EVP_PKEY *pk;

	OK(login(s, CKU_USER, USER_PIN));
	gen_ec(s, CK_FALSE, "threads", &pub, &priv);
	for (i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = i;
		w[i].key = priv;
		if (pthread_create(&w[i].t, NULL, signer_run, &w[i]))
			fail_msg("pthread_create failed");
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(w[i].t, NULL);
	pk = ec_pub(s, pub);
	for (i = 0; i < THREADS; i++) {
		EXPECT(w[i].rv == CKR_OK, "thread %u: %s: CKR_OK, got %s after %u signatures",
		       i, w[i].what, p11_rv_name(w[i].rv), w[i].done);
		for (j = 0; j < SIGNS; j++) {
			snprintf(data, sizeof(data), "thread %u sign %u", i, j);
			EXPECT(ecdsa_ok(pk, data, strlen(data), w[i].sig[j], 64),
			       "OpenSSL to verify thread %u's signature %u", i, j);
		}
	}
	EVP_PKEY_free(pk);
}

/* ==== fork ==== */

/*
 * The child of a process that has a logged-in session: uninitialised,
 * then its own application.  @finalize: it ends with C_Finalize, else
 * with exit() alone; @hang: it waits to be killed after its login.
 */
static void forked_child(CK_BBOOL finalize, bool hang, int ready)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE pub, priv;
	CK_SESSION_INFO si;
	CK_TOKEN_INFO ti;
	CK_INFO info;
	CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_MECHANISM g = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = {
		{ CKA_EC_PARAMS, (void *)p256_oid, sizeof(p256_oid) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
	};
	CK_ATTRIBUTE kt[] = { { CKA_SIGN, &yes, sizeof(yes) } };
	CK_BYTE sig[64];
	CK_ULONG len = sizeof(sig);

	CHILD_RV(CKR_CRYPTOKI_NOT_INITIALIZED, p->C_GetInfo(&info));
	CHILD_OK(p->C_Initialize(&os_locking));
	CHILD_OK(p->C_GetTokenInfo(slot, &ti));
	if (ti.ulSessionCount != 0)
		child_fail("no session of its own after C_Initialize, got %lu",
			   (unsigned long)ti.ulSessionCount);
	CHILD_OK(p->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s));
	CHILD_OK(p->C_GetSessionInfo(s, &si));
	if (si.state != CKS_RW_PUBLIC_SESSION)
		child_fail("a public session (the parent's login is not the child's), got %s",
			   state_name(si.state));
	CHILD_OK(login(s, CKU_USER, USER_PIN));
	CHILD_OK(p->C_GenerateKeyPair(s, &g, pt, N(pt), kt, N(kt), &pub, &priv));
	CHILD_OK(p->C_SignInit(s, &m, priv));
	CHILD_OK(p->C_Sign(s, (CK_BYTE_PTR)"child", 5, sig, &len));
	CHILD_OK(p->C_VerifyInit(s, &m, pub));
	CHILD_OK(p->C_Verify(s, (CK_BYTE_PTR)"child", 5, sig, len));
	if (hang) {
		write_byte(ready, 'r');
		for (;;)
			pause();
	}
	if (finalize) {
		CHILD_OK(p->C_Finalize(NULL));
		_exit(0);
	}
	exit(0);
}

static void fork_child_initializes_and_leaves_parent_alone(void **state)
{
	static const char *const how[] = {
		"a child ending with exit() without C_Finalize",
		"a child ending with C_Finalize",
		"a child killed with SIGKILL after its login",
	};
	CK_SESSION_HANDLE s = open_rw();
	CK_OBJECT_HANDLE pub, priv;
	struct own_sessions before, after;
	unsigned int base = 0, i;
	CK_BYTE sig[64];
	int *ready = pipe_or_fail();
	EVP_PKEY *pk;
	pid_t pid;

	OK(login(s, CKU_USER, USER_PIN));
	gen_ec(s, CK_FALSE, "fork-parent", &pub, &priv);
	sign_once(s, priv, "parent", 6, sig);
	pk = ec_pub(s, pub);
	if (have_apqn) {
		base = kernel_held();
		own_sessions(getpid(), &before);
		EXPECT(before.n >= 1, "the parent's login to hold an EP11 session, got %u",
		       before.n);
	}
	for (i = 0; i < N(how); i++) {
		at("%s", how[i]);
		pid = fork_or_fail();
		if (!pid)
			forked_child(i == 1, i == 2, ready[1]);
		if (i == 2) {
			EXPECT(read_byte(ready[0]) == 'r', "the child to log in");
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			forget_child(pid);
		} else {
			wait_child(pid, how[i]);
		}
		expect_state(s, CKS_RW_USER_FUNCTIONS, "the parent's session");
		sign_once(s, priv, "parent", 6, sig);
		EXPECT(ecdsa_ok(pk, "parent", 6, sig, 64),
		       "OpenSSL to verify the parent's signature");
		if (have_apqn) {
			expect_held(base, "the child's EP11 session gone, the parent's kept");
			own_sessions(getpid(), &after);
			expect_same_sessions(&before, &after, "the parent's EP11 sessions");
		}
	}
	EVP_PKEY_free(pk);
}

/* ==== the store under SIGKILL ==== */

#define CRASH_ROUNDS 4

static void crash_value(unsigned int round, unsigned int i, CK_BYTE out[32])
{
	char label[32];

	snprintf(label, sizeof(label), "crash-%u-%u", round, i);
	EVP_Digest(label, strlen(label), out, NULL, EVP_sha256(), NULL);
}

/* The creating child: objects crash-R-0, crash-R-1, ... until killed. */
static void crash_creator(unsigned int round, int report)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE o;
	CK_BYTE val[32];
	CK_BBOOL priv;
	char label[32];
	unsigned int i;

	CHILD_OK(p->C_Initialize(&os_locking));
	CHILD_OK(p->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s));
	CHILD_OK(login(s, CKU_USER, USER_PIN));
	for (i = 0; i < 100000; i++) {
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_TOKEN, &yes, sizeof(yes) },
			{ CKA_PRIVATE, &priv, sizeof(priv) },
			{ CKA_LABEL, label, 0 },
			{ CKA_VALUE, val, sizeof(val) },
		};

		priv = i % 2 ? CK_TRUE : CK_FALSE;
		snprintf(label, sizeof(label), "crash-%u-%u", round, i);
		t[3].ulValueLen = strlen(label);
		crash_value(round, i, val);
		CHILD_OK(p->C_CreateObject(s, t, N(t), &o));
		if (write(report, &i, sizeof(i)) != sizeof(i))
			_exit(3);
	}
	_exit(0);
}

/*
 * A fresh process: every object reported committed is there, once, with
 * its value and privacy; at most the one in flight besides; and it can
 * create more.  Exits non-zero on a failure.
 */
static void crash_checker(unsigned int round, unsigned int committed)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE o[8];
	CK_ATTRIBUTE ct = { CKA_CLASS, &cls, sizeof(cls) };
	CK_BYTE val[32], got[64];
	CK_BBOOL priv;
	char label[32];
	unsigned int i;
	CK_ULONG n;

	CHILD_OK(p->C_Initialize(&os_locking));
	CHILD_OK(p->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s));
	CHILD_OK(login(s, CKU_USER, USER_PIN));
	for (i = 0; i <= committed; i++) {
		CK_ATTRIBUTE lt[] = { { CKA_LABEL, label, 0 }, ct };
		CK_ATTRIBUTE a[] = {
			{ CKA_VALUE, got, sizeof(got) },
			{ CKA_PRIVATE, &priv, sizeof(priv) },
		};

		snprintf(label, sizeof(label), "crash-%u-%u", round, i);
		lt[0].ulValueLen = strlen(label);
		CHILD_OK(p->C_FindObjectsInit(s, lt, N(lt)));
		CHILD_OK(p->C_FindObjects(s, o, N(o), &n));
		CHILD_OK(p->C_FindObjectsFinal(s));
		if (i == committed) {
			/* The one in flight when the kill came: there or not. */
			if (n > 1)
				child_fail("%s: at most one object, got %lu", label,
					   (unsigned long)n);
			if (!n)
				break;
		} else if (n != 1) {
			child_fail("%s, reported committed, once in the store, got %lu objects",
				   label, (unsigned long)n);
		}
		CHILD_OK(p->C_GetAttributeValue(s, o[0], a, N(a)));
		crash_value(round, i, val);
		if (a[0].ulValueLen != sizeof(val) || memcmp(got, val, sizeof(val)))
			child_fail("%s: its 32-byte value intact, got %lu bytes%s", label,
				   (unsigned long)a[0].ulValueLen,
				   a[0].ulValueLen == sizeof(val) ? " that differ" : "");
		if (priv != (i % 2 ? CK_TRUE : CK_FALSE))
			child_fail("%s: CKA_PRIVATE %u, got %u", label, i % 2, priv);
	}
	/* Nothing beyond the one in flight. */
	snprintf(label, sizeof(label), "crash-%u-%u", round, committed + 1);
	{
		CK_ATTRIBUTE lt[] = { { CKA_LABEL, label, strlen(label) }, ct };

		CHILD_OK(p->C_FindObjectsInit(s, lt, N(lt)));
		CHILD_OK(p->C_FindObjects(s, o, N(o), &n));
		CHILD_OK(p->C_FindObjectsFinal(s));
		if (n)
			child_fail("no %s (never reported), got %lu", label, (unsigned long)n);
	}
	{
		CK_ATTRIBUTE t[] = {
			ct,
			{ CKA_TOKEN, &yes, sizeof(yes) },
			{ CKA_LABEL, (void *)"crash-after", 11 },
		};

		CHILD_OK(p->C_CreateObject(s, t, N(t), &o[0]));
		CHILD_OK(p->C_DestroyObject(s, o[0]));
	}
	CHILD_OK(p->C_Finalize(NULL));
	_exit(0);
}

static void store_survives_sigkill_mid_create_object(void **state)
{
	unsigned int round, i, last, reports, want;
	struct timespec ts;
	int *rep;
	pid_t pid;

	for (round = 0; round < CRASH_ROUNDS; round++) {
		at("round %u", round);
		rep = pipe_or_fail();
		pid = fork_or_fail();
		if (!pid) {
			close(rep[0]);
			crash_creator(round, rep[1]);
		}
		close(rep[1]);
		rep[1] = -1;
		want = 8 + 5 * round;
		reports = 0;
		last = 0;
		while (reports < want && read(rep[0], &i, sizeof(i)) == sizeof(i)) {
			last = i;
			reports++;
		}
		EXPECT(reports == want, "%u objects created before the kill, got %u",
		       want, reports);
		/* Somewhere inside the next C_CreateObject. */
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(round * 700 + 100) * 1000;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		while (read(rep[0], &i, sizeof(i)) == sizeof(i)) {
			last = i;
			reports++;
		}
		waitpid(pid, NULL, 0);
		forget_child(pid);
		close_pipes();
		EXPECT(last + 1 == reports, "reports 0..%u in order, got %u reports",
		       last, reports);
		print_message("round %u: killed after %u objects committed\n", round, reports);
		pid = fork_or_fail();
		if (!pid)
			crash_checker(round, reports);
		wait_child(pid, "a fresh process checking the store");
	}
	where[0] = 0;
	{
		/* This process, initialised all along, sees them too. */
		CK_SESSION_HANDLE s = open_rw();
		CK_OBJECT_HANDLE o[4];

		OK(login(s, CKU_USER, USER_PIN));
		EXPECT(find_label(s, "crash-0-0", o, N(o)) == 1 &&
		       find_label(s, "crash-0-1", o, N(o)) == 1,
		       "this process to find the objects others committed");
	}
}

/* ==== C_SessionCancel ==== */

static void session_cancel_ends_operation(void **state)
{
	CK_SESSION_HANDLE s = open_rw();
	CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_MECHANISM d = { CKM_SHA256, NULL, 0 };
	CK_OBJECT_HANDLE pub, priv, o;
	CK_BYTE sig[64];
	CK_ULONG len = sizeof(sig), n;
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof(cls) };

	OK(login(s, CKU_USER, USER_PIN));
	gen_ec(s, CK_FALSE, "cancel", &pub, &priv);
	OK(p->C_SignInit(s, &m, priv));
	OK(p->C_SessionCancel(s, CKF_SIGN));
	EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, p->C_Sign(s, (CK_BYTE_PTR)"x", 1, sig, &len));
	OK(p->C_SignInit(s, &m, priv));
	/* No flags, or another operation's: nothing changes. */
	OK(p->C_SessionCancel(s, 0));
	OK(p->C_SessionCancel(s, CKF_ENCRYPT | CKF_DECRYPT));
	len = sizeof(sig);
	OK(p->C_Sign(s, (CK_BYTE_PTR)"x", 1, sig, &len));

	OK(p->C_DigestInit(s, &d));
	OK(p->C_SessionCancel(s, CKF_DIGEST));
	EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, p->C_DigestUpdate(s, (CK_BYTE_PTR)"x", 1));
	OK(p->C_FindObjectsInit(s, &t, 1));
	OK(p->C_SessionCancel(s, CKF_FIND_OBJECTS));
	EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, p->C_FindObjects(s, &o, 1, &n));
	EXPECT_RV(CKR_SESSION_HANDLE_INVALID, p->C_SessionCancel(NO_SESSION, CKF_SIGN));
}

/* ==== multi-part operations ==== */

static void multipart_sign_equals_single_part_verify(void **state)
{
	CK_SESSION_HANDLE s = open_rw();
	CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE data[300], sig[64];
	CK_ULONG len;
	EVP_PKEY *pk;

	RAND_bytes(data, sizeof(data));
	OK(login(s, CKU_USER, USER_PIN));
	gen_ec(s, CK_FALSE, "multipart-sign", &pub, &priv);
	OK(p->C_SignInit(s, &m, priv));
	OK(p->C_SignUpdate(s, data, 100));
	OK(p->C_SignUpdate(s, data + 100, 0));
	OK(p->C_SignUpdate(s, data + 100, 150));
	OK(p->C_SignUpdate(s, data + 250, 50));
	len = 0;
	OK(p->C_SignFinal(s, NULL, &len));
	EXPECT(len == 64, "C_SignFinal's length 64, got %lu", (unsigned long)len);
	len = 63;
	EXPECT_RV(CKR_BUFFER_TOO_SMALL, p->C_SignFinal(s, sig, &len));
	len = sizeof(sig);
	OK(p->C_SignFinal(s, sig, &len));
	EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, p->C_SignFinal(s, sig, &len));

	OK(p->C_VerifyInit(s, &m, pub));
	OK(p->C_Verify(s, data, sizeof(data), sig, len));
	OK(p->C_VerifyInit(s, &m, pub));
	OK(p->C_VerifyUpdate(s, data, 7));
	OK(p->C_VerifyUpdate(s, data + 7, sizeof(data) - 7));
	OK(p->C_VerifyFinal(s, sig, len));
	data[5] ^= 1;
	OK(p->C_VerifyInit(s, &m, pub));
	EXPECT_RV(CKR_SIGNATURE_INVALID, p->C_Verify(s, data, sizeof(data), sig, len));
	data[5] ^= 1;
	pk = ec_pub(s, pub);
	EXPECT(ecdsa_ok(pk, data, sizeof(data), sig, len),
	       "OpenSSL to verify the multi-part signature");
	EVP_PKEY_free(pk);
}

/* Runs @in through Update in the chunk sizes @chunks, then Final. */
static CK_ULONG crypt_parts(CK_SESSION_HANDLE s, bool enc, const CK_BYTE *in,
			    CK_ULONG inlen, const CK_ULONG *chunks, unsigned int nchunks,
			    CK_BYTE *out, CK_ULONG cap)
{
	CK_ULONG done = 0, outlen = 0, piece, part;
	CK_BYTE_PTR src;
	unsigned int i;

	for (i = 0; done < inlen; i++) {
		part = i < nchunks ? chunks[i] : inlen - done;
		if (part > inlen - done)
			part = inlen - done;
		src = (CK_BYTE_PTR)in + done;
		piece = cap - outlen;
		if (enc)
			OK(p->C_EncryptUpdate(s, src, part, out + outlen, &piece));
		else
			OK(p->C_DecryptUpdate(s, src, part, out + outlen, &piece));
		outlen += piece;
		done += part;
	}
	piece = cap - outlen;
	if (enc)
		OK(p->C_EncryptFinal(s, out + outlen, &piece));
	else
		OK(p->C_DecryptFinal(s, out + outlen, &piece));
	return outlen + piece;
}

static void multipart_encrypt_decrypt_aes_cbc_pad(void **state)
{
	static const CK_ULONG enc_chunks[] = { 7, 16, 0, 50, 27 };
	static const CK_ULONG dec_chunks[] = { 5, 33, 16, 1 };
	CK_SESSION_HANDLE s = open_rw();
	CK_BYTE key[32], iv[16], data[100], ct[160], ct1[160], want[160], pt[160];
	CK_MECHANISM m = { CKM_AES_CBC_PAD, iv, sizeof(iv) };
	CK_OBJECT_HANDLE k;
	CK_ULONG ctlen, ct1len, ptlen;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0;

	RAND_bytes(key, sizeof(key));
	RAND_bytes(iv, sizeof(iv));
	RAND_bytes(data, sizeof(data));
	if (!c || !EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, key, iv) ||
	    !EVP_EncryptUpdate(c, want, &l1, data, sizeof(data)) ||
	    !EVP_EncryptFinal_ex(c, want + l1, &l2))
		fail_msg("OpenSSL's AES-256-CBC failed");
	EVP_CIPHER_CTX_free(c);

	OK(login(s, CKU_USER, USER_PIN));
	k = import_aes(s, key, sizeof(key));
	OK(p->C_EncryptInit(s, &m, k));
	ctlen = crypt_parts(s, true, data, sizeof(data), enc_chunks, N(enc_chunks),
			    ct, sizeof(ct));
	EXPECT(ctlen == (CK_ULONG)(l1 + l2) && !memcmp(ct, want, ctlen),
	       "the multi-part ciphertext to be OpenSSL's AES-256-CBC with PKCS#7 padding (%d bytes), got %lu bytes%s",
	       l1 + l2, (unsigned long)ctlen, ctlen == (CK_ULONG)(l1 + l2) ? " that differ" : "");
	OK(p->C_EncryptInit(s, &m, k));
	ct1len = sizeof(ct1);
	OK(p->C_Encrypt(s, data, sizeof(data), ct1, &ct1len));
	EXPECT(ct1len == ctlen && !memcmp(ct1, ct, ctlen),
	       "single-part C_Encrypt to give the same ciphertext");

	OK(p->C_DecryptInit(s, &m, k));
	ptlen = crypt_parts(s, false, ct, ctlen, dec_chunks, N(dec_chunks), pt, sizeof(pt));
	EXPECT(ptlen == sizeof(data) && !memcmp(pt, data, sizeof(data)),
	       "the 100 bytes back from multi-part C_Decrypt*, got %lu bytes",
	       (unsigned long)ptlen);
	OPENSSL_cleanse(key, sizeof(key));
}

/* ==== random, digests ==== */

static void generate_random(void **state)
{
	CK_SESSION_HANDLE s = open_ro();
	CK_BYTE a[32] = { 0 }, b[32] = { 0 }, zero[32] = { 0 };
	static CK_BYTE big[20000];
	CK_ULONG i, zeros = 0;

	OK(p->C_GenerateRandom(s, a, sizeof(a)));
	OK(p->C_GenerateRandom(s, b, sizeof(b)));
	EXPECT(memcmp(a, b, sizeof(a)) && memcmp(a, zero, sizeof(a)),
	       "two different, non-zero 32-byte random strings");
	/* More than the card gives in one request. */
	OK(p->C_GenerateRandom(s, big, sizeof(big)));
	for (i = 0; i < sizeof(big); i++)
		zeros += !big[i];
	EXPECT(zeros < 200, "about %zu zero bytes in %zu random ones, got %lu",
	       sizeof(big) / 256, sizeof(big), (unsigned long)zeros);
	EXPECT_RV(CKR_ARGUMENTS_BAD, p->C_GenerateRandom(s, NULL, 16));
	EXPECT_RV(CKR_SESSION_HANDLE_INVALID, p->C_GenerateRandom(NO_SESSION, a, 16));
}

static void digests_match_openssl(void **state)
{
	static const struct {
		CK_MECHANISM_TYPE mech;
		const char *name;
	} dg[] = {
		{ CKM_SHA_1, "SHA1" }, { CKM_SHA224, "SHA224" }, { CKM_SHA256, "SHA256" },
		{ CKM_SHA384, "SHA384" }, { CKM_SHA512, "SHA512" },
	};
	static CK_BYTE data[100000];
	static const CK_ULONG sizes[] = { 0, 1, 55, 64, 4096 };
	CK_SESSION_HANDLE s = open_ro();
	CK_BYTE out[64], want[64];
	unsigned int i, j, wlen;
	CK_ULONG len, off;

	RAND_bytes(data, sizeof(data));
	for (i = 0; i < N(dg); i++) {
		CK_MECHANISM m = { dg[i].mech, NULL, 0 };
		const EVP_MD *md = EVP_get_digestbyname(dg[i].name);

		for (j = 0; j < N(sizes); j++) {
			at("%s of %lu bytes", dg[i].name, (unsigned long)sizes[j]);
			EVP_Digest(data, sizes[j], want, &wlen, md, NULL);
			OK(p->C_DigestInit(s, &m));
			len = sizeof(out);
			OK(p->C_Digest(s, data, sizes[j], out, &len));
			EXPECT(len == wlen && !memcmp(out, want, wlen), "OpenSSL's digest");
		}
		at("%s of %zu bytes in 1000-byte parts", dg[i].name, sizeof(data));
		EVP_Digest(data, sizeof(data), want, &wlen, md, NULL);
		OK(p->C_DigestInit(s, &m));
		for (off = 0; off < sizeof(data); off += 1000)
			OK(p->C_DigestUpdate(s, data + off, 1000));
		len = sizeof(out);
		OK(p->C_DigestFinal(s, out, &len));
		EXPECT(len == wlen && !memcmp(out, want, wlen), "OpenSSL's digest");
	}
}

/* ==== the kernel's EP11 sessions per mode ==== */

static void default_mode_one_ep11_session_per_login(void **state)
{
	unsigned int base;
	CK_SESSION_HANDLE s1, s2, s3;

	need_kernel();
	base = kernel_held();
	s1 = open_rw();
	s2 = open_ro();
	expect_held(base, "sessions open, nobody logged in");
	OK(login(s1, CKU_USER, USER_PIN));
	expect_held(base + 1, "logged in with two sessions");
	s3 = open_rw();
	expect_held(base + 1, "a third session opened while logged in");
	OK(p->C_Logout(s2));
	expect_held(base, "after C_Logout");
	OK(login(s3, CKU_USER, USER_PIN));
	expect_held(base + 1, "logged in again");
	OK(p->C_CloseAllSessions(slot));
	expect_held(base, "after C_CloseAllSessions");
}

static void strict_mode_one_ep11_session_per_logged_in_session(void **state)
{
	unsigned int base;
	CK_SESSION_HANDLE s1, s2, s3;

	need_kernel();
	base = kernel_held();
	s1 = open_rw();
	expect_held(base, "a session open, nobody logged in");
	OK(login(s1, CKU_USER, USER_PIN));
	expect_held(base + 1, "one session logged in");
	s2 = open_rw();
	expect_held(base + 2, "a second session opened while logged in");
	s3 = open_ro();
	expect_held(base + 3, "a third session opened while logged in");
	OK(p->C_CloseSession(s2));
	expect_held(base + 2, "after closing one of the three");
	OK(p->C_Logout(s3));
	expect_held(base, "after C_Logout");
	OK(login(s1, CKU_USER, USER_PIN));
	expect_held(base + 2, "logged in again with two sessions");
	OK(p->C_CloseAllSessions(slot));
	expect_held(base, "after C_CloseAllSessions");
}

static void strict_mode_sign_in_each_logged_in_session(void **state)
{
	CK_SESSION_HANDLE s1 = open_rw(), s2;
	CK_OBJECT_HANDLE pub1, priv1, pub2, priv2;
	CK_BYTE sig[64];
	EVP_PKEY *pk;

	OK(login(s1, CKU_USER, USER_PIN));
	s2 = open_rw();
	gen_ec(s1, CK_FALSE, "strict-1", &pub1, &priv1);
	gen_ec(s2, CK_FALSE, "strict-2", &pub2, &priv2);
	sign_once(s1, priv1, "one", 3, sig);
	pk = ec_pub(s1, pub1);
	EXPECT(ecdsa_ok(pk, "one", 3, sig, 64), "OpenSSL to verify session 1's signature");
	EVP_PKEY_free(pk);
	sign_once(s2, priv2, "two", 3, sig);
	pk = ec_pub(s2, pub2);
	EXPECT(ecdsa_ok(pk, "two", 3, sig, 64), "OpenSSL to verify session 2's signature");
	EVP_PKEY_free(pk);
	/* A token key works in every session. */
	gen_ec(s1, CK_TRUE, "strict-token", &pub1, &priv1);
	sign_once(s2, priv1, "three", 5, sig);
	pk = ec_pub(s2, pub1);
	EXPECT(ecdsa_ok(pk, "three", 5, sig, 64),
	       "OpenSSL to verify a token key's signature made in another session");
	EVP_PKEY_free(pk);
	OK(p->C_DestroyObject(s1, priv1));
	OK(p->C_DestroyObject(s1, pub1));
}

/* ==== a login's PIN check does not stop the other threads ==== */

struct slow_login {
	CK_SESSION_HANDLE s;
	CK_RV rv;
	atomic_int calling;
	atomic_int done;
};

static void *slow_login_run(void *arg)
{
	struct slow_login *w = arg;

	atomic_store(&w->calling, 1);
	w->rv = login(w->s, CKU_USER, USER_PIN);
	atomic_store(&w->done, 1);
	return NULL;
}

/*
 * Run on a token whose PIN records take a slow PBKDF2 (t-lib-api gives it
 * 200,000 iterations): while one thread's C_Login checks the PIN, another
 * thread's calls on its own session are answered.  With the library lock
 * held across the check, the second thread's first call would wait for
 * the whole login, and none would be answered during it.
 */
static void login_pin_check_lets_other_threads_go_on(void **state)
{
	CK_SESSION_HANDLE s = open_rw(), s2 = open_rw();
	struct timespec pause = { 0, 1000 * 1000 }, used;
	struct slow_login w = { .s = s };
	clockid_t cpu;
	unsigned long during = 0;
	CK_SESSION_INFO si;
	pthread_t t;

	if (pthread_create(&t, NULL, slow_login_run, &w))
		fail_msg("pthread_create failed");
	if (pthread_getcpuclockid(t, &cpu))
		fail_msg("pthread_getcpuclockid failed");
	/*
	 * The login is inside its PIN check once its thread has spent 20 ms
	 * of CPU: nothing else in C_Login computes for that long.
	 */
	do {
		nanosleep(&pause, NULL);
		clock_gettime(cpu, &used);
	} while (!atomic_load(&w.done) &&
		 used.tv_sec * 1000 + used.tv_nsec / 1000000 < 20);
	if (atomic_load(&w.done))
		fail_msg("the PIN check ended before its thread had spent 20 ms of CPU: too fast to judge (give the token's PIN records more PBKDF2 iterations)");
	while (!atomic_load(&w.done)) {
		OK(p->C_GetSessionInfo(s2, &si));
		if (!atomic_load(&w.done))
			during++;
	}
	pthread_join(t, NULL);
	EXPECT(w.rv == CKR_OK, "the slow C_Login: CKR_OK, got %s",
	       p11_rv_name(w.rv));
	EXPECT(during >= 10,
	       "another thread's C_GetSessionInfo answered while C_Login checked the PIN: expected at least 10 answers, got %lu",
	       during);
	OK(p->C_GetSessionInfo(s2, &si));
	EXPECT(si.state == CKS_RW_USER_FUNCTIONS,
	       "the other session to be logged in after the login: state %d, got %lu",
	       CKS_RW_USER_FUNCTIONS, (unsigned long)si.state);
	/* A second login during the first: the second comes second. */
	OK(p->C_Logout(s));
	memset(&w, 0, sizeof(w));
	w.s = s;
	if (pthread_create(&t, NULL, slow_login_run, &w))
		fail_msg("pthread_create failed");
	while (!atomic_load(&w.calling))
		sched_yield();
	{
		CK_RV rv = login(s2, CKU_USER, USER_PIN);

		pthread_join(t, NULL);
		EXPECT((rv == CKR_OK && w.rv == CKR_USER_ALREADY_LOGGED_IN) ||
		       (w.rv == CKR_OK && rv == CKR_USER_ALREADY_LOGGED_IN),
		       "two simultaneous logins: one CKR_OK and one CKR_USER_ALREADY_LOGGED_IN, got %s and %s",
		       p11_rv_name(w.rv), p11_rv_name(rv));
	}
	OK(p->C_Logout(s));
}

/*
 * Another process logs in as USER on the token and holds that login until
 * a byte comes on @down (then it exits, and the kernel logs its session
 * out).  Returns its pid once the kernel holds its session: @base + 1.
 */
static pid_t other_process_logs_in(int *up, int *down, unsigned int base)
{
	pid_t pid = fork_or_fail();

	if (!pid) {
		CK_SESSION_HANDLE cs;

		CHILD_OK(p->C_Initialize(&os_locking));
		CHILD_OK(p->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL,
					  &cs));
		CHILD_OK(login(cs, CKU_USER, USER_PIN));
		write_byte(up[1], 'L');
		read_byte(down[0]);
		_exit(0);
	}
	if (read_byte(up[0]) != 'L')
		fail_msg("the other process did not log in (its messages are above)");
	expect_held(base + 1, "the other process's login");
	return pid;
}

/*
 * Run with the card's host_share at 2 (one login on the token's two
 * APQNs) and login_wait_ms at 8000: another process's login fills this
 * host's share, so a C_Login here waits in the kernel for room.  While it
 * waits, another thread's calls are answered; its session is closed
 * during the wait, then the other process ends and room comes: the login
 * that was made for a closed session is ended again (CKR_SESSION_CLOSED,
 * nothing held), and the next C_Login works.  With the library lock held
 * across the EP11 login, no call would be answered during the wait.
 */
static void login_waiting_for_room_lets_other_threads_go_on(void **state)
{
	CK_SESSION_HANDLE s = open_rw(), s2 = open_rw();
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	struct slow_login w = { .s = s };
	int *up = pipe_or_fail(), *down = pipe_or_fail();
	unsigned int base = kernel_held(), i;
	unsigned long during = 0;
	CK_SESSION_INFO si;
	pthread_t t;
	pid_t pid;

	pid = other_process_logs_in(up, down, base);

	if (pthread_create(&t, NULL, slow_login_run, &w))
		fail_msg("pthread_create failed");
	for (i = 0; i < 100 && !atomic_load(&w.done); i++)
		nanosleep(&pause, NULL);
	if (atomic_load(&w.done))
		fail_msg("C_Login ended within 1 s (%s): this host's share of the card is not full, nothing to judge",
			 p11_rv_name(w.rv));
	for (i = 0; i < 50 && !atomic_load(&w.done); i++) {
		OK(p->C_GetSessionInfo(s2, &si));
		if (!atomic_load(&w.done))
			during++;
		nanosleep(&pause, NULL);
	}
	EXPECT(during >= 10,
	       "another thread's C_GetSessionInfo answered while C_Login waited for room on the card: expected at least 10 answers, got %lu",
	       during);
	EXPECT(!atomic_load(&w.done),
	       "C_Login to wait for room until the other process ends, it returned %s",
	       p11_rv_name(w.rv));

	OK(p->C_CloseSession(s));
	write_byte(down[1], 'x');
	wait_child(pid, "the process that filled the share");
	pthread_join(t, NULL);
	EXPECT(w.rv == CKR_SESSION_CLOSED,
	       "a C_Login whose session was closed during its wait: CKR_SESSION_CLOSED, got %s",
	       p11_rv_name(w.rv));
	expect_held(base, "after the login whose session was closed during its wait");
	EXPECT(state_of(s2) == CKS_RW_PUBLIC_SESSION,
	       "the other session to stay public, state %lu",
	       (unsigned long)state_of(s2));
	OK(login(s2, CKU_USER, USER_PIN));
	expect_held(base + 1, "the next C_Login");
	OK(p->C_Logout(s2));
	expect_held(base, "after C_Logout");
}

/* ==== main ==== */

#define T(f)	cmocka_unit_test_setup_teardown(f, setup_init, teardown_fin)
#define TU(f)	cmocka_unit_test_setup_teardown(f, setup_none, teardown_fin)

static const struct CMUnitTest default_tests[] = {
	TU(get_function_list_works_before_initialize),
	TU(interface_list_count_then_buffer),
	TU(get_interface_by_name_version_flags),
	TU(initialize_reserved_non_null_is_arguments_bad),
	TU(initialize_some_mutex_callbacks_is_arguments_bad),
	TU(initialize_app_mutex_callbacks_are_used),
	TU(initialize_cant_lock_with_failing_callbacks),
	TU(initialize_twice_is_already_initialized),
	TU(functions_before_initialize_are_not_initialized),
	TU(initialize_finalize_cycles_start_clean),
	T(get_slot_list_length_query),
	T(get_mechanism_list_length_query),
	T(init_token_with_session_open_is_session_exists),
	T(init_token_other_process_session_is_session_exists),
	T(init_pin_needs_rw_so_state),
	T(set_pin_in_ro_session_is_session_read_only),
	T(set_pin_changes_the_logged_in_users_pin),
	T(open_session_without_serial_is_parallel_not_supported),
	T(closed_session_handle_is_invalid),
	T(open_ro_while_so_is_read_write_so_exists),
	T(so_login_with_ro_session_is_read_only_exists),
	T(login_twice_is_already_logged_in),
	T(login_other_user_type_is_another_already_logged_in),
	T(logout_without_login_is_user_not_logged_in),
	T(wrong_pin_counts_low_final_try_then_locks),
	T(pin_failure_count_shared_across_processes),
	T(login_shared_by_all_sessions_of_process),
	T(closing_last_session_logs_out),
	T(token_info_counts_this_applications_sessions),
	T(private_handle_invalid_after_logout_even_after_relogin),
	T(operation_with_private_key_fails_after_logout),
	T(session_object_dies_with_its_session),
	T(get_attribute_value_length_query),
	T(get_attribute_value_sensitive_and_invalid),
	T(private_key_has_the_attributes_of_its_class),
	T(sign_length_query_keeps_operation_active),
	T(encrypt_length_query_keeps_operation_active),
	T(digest_length_query_keeps_operation_active),
	T(final_length_query_keeps_operation_active),
	T(multipart_hash_sign_has_no_bound),
	T(multipart_buffered_bound_is_data_len_range),
	T(wrap_length_query_keeps_nothing_half_done),
	T(session_info_device_error_is_the_cards_code),
	T(threads_each_with_own_session_sign),
	T(fork_child_initializes_and_leaves_parent_alone),
	T(store_survives_sigkill_mid_create_object),
	T(session_cancel_ends_operation),
	T(multipart_sign_equals_single_part_verify),
	T(multipart_encrypt_decrypt_aes_cbc_pad),
	T(generate_random),
	T(digests_match_openssl),
	T(default_mode_one_ep11_session_per_login),
};

static const struct CMUnitTest strict_tests[] = {
	T(strict_mode_one_ep11_session_per_logged_in_session),
	T(session_object_dies_with_its_session),
	T(strict_mode_sign_in_each_logged_in_session),
	T(login_shared_by_all_sessions_of_process),
	T(closing_last_session_logs_out),
	T(operation_with_private_key_fails_after_logout),
	T(fork_child_initializes_and_leaves_parent_alone),
};

/* A token whose PIN records have a slow PBKDF2. */
static const struct CMUnitTest slowpin_tests[] = {
	T(login_pin_check_lets_other_threads_go_on),
};

/* A token on a card whose host share another process fills. */
/*
 * Strict mode, room for one EP11 session of the token: a second session
 * opened while logged in needs another one and gets CKR_SESSION_COUNT,
 * with nothing held for it; a login that needs two (two sessions open)
 * waits for room, gets CKR_DEVICE_MEMORY when none comes and leaves
 * nothing held and the sessions public; with one session closed it fits.
 */
static void strict_mode_full_card_session_count_and_device_memory(void **state)
{
	CK_SESSION_HANDLE a, b, c = CK_INVALID_HANDLE;
	unsigned int base;

	OK(p->C_CloseAllSessions(slot));
	base = kernel_held();
	a = open_rw();
	OK(login(a, CKU_USER, USER_PIN));
	expect_held(base + 1, "one EP11 session for the logged-in session");
	EXPECT_RV(CKR_SESSION_COUNT,
		  p->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
				   NULL, NULL, &c));
	expect_held(base + 1, "nothing more after CKR_SESSION_COUNT");
	OK(p->C_Logout(a));
	expect_held(base, "the logout");
	b = open_rw();
	EXPECT_RV(CKR_DEVICE_MEMORY, login(a, CKU_USER, USER_PIN));
	expect_held(base, "a login that did not fit");
	EXPECT(state_of(a) == CKS_RW_PUBLIC_SESSION && state_of(b) == CKS_RW_PUBLIC_SESSION,
	       "both sessions public after the login failed, got %lu and %lu",
	       (unsigned long)state_of(a), (unsigned long)state_of(b));
	OK(p->C_CloseSession(b));
	OK(login(a, CKU_USER, USER_PIN));
	expect_held(base + 1, "the login with one session open");
	OK(p->C_CloseAllSessions(slot));
	expect_held(base, "all sessions closed");
}

/*
 * The SO PIN's failure count, as the USER PIN's: CKF_SO_PIN_COUNT_LOW
 * after a wrong one, CKF_SO_PIN_FINAL_TRY with one try left, then
 * CKF_SO_PIN_LOCKED; once locked the right SO PIN is CKR_PIN_LOCKED at
 * C_Login and at C_InitToken, and the USER still logs in.  It leaves the
 * token's SO PIN locked: its own token, run last.
 */
static void so_pin_counts_low_final_try_then_locks(void **state)
{
	CK_SESSION_HANDLE s = open_rw();
	unsigned int i;
	CK_FLAGS f;

	EXPECT_RV(CKR_PIN_INCORRECT, login(s, CKU_SO, BAD_PIN));
	f = token_flags();
	EXPECT((f & CKF_SO_PIN_COUNT_LOW) && !(f & CKF_SO_PIN_LOCKED),
	       "after one wrong SO PIN: CKF_SO_PIN_COUNT_LOW, got flags 0x%lx",
	       (unsigned long)f);
	OK(login(s, CKU_SO, SO_PIN));
	OK(p->C_Logout(s));
	f = token_flags();
	EXPECT(!(f & (CKF_SO_PIN_COUNT_LOW | CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_LOCKED)),
	       "after the right SO PIN: no failure flag, got flags 0x%lx",
	       (unsigned long)f);
	for (i = 1; i < max_tries; i++) {
		at("wrong SO PIN %u of %u", i, max_tries);
		EXPECT_RV(CKR_PIN_INCORRECT, login(s, CKU_SO, BAD_PIN));
		f = token_flags();
		EXPECT((f & CKF_SO_PIN_COUNT_LOW) && !(f & CKF_SO_PIN_LOCKED),
		       "CKF_SO_PIN_COUNT_LOW and no lock, got flags 0x%lx", (unsigned long)f);
		EXPECT(!(f & CKF_SO_PIN_FINAL_TRY) == (i != max_tries - 1),
		       "CKF_SO_PIN_FINAL_TRY exactly with one try left, got flags 0x%lx",
		       (unsigned long)f);
		EXPECT(!(f & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED)),
		       "the USER PIN's flags untouched, got flags 0x%lx", (unsigned long)f);
	}
	at("wrong SO PIN %u of %u", max_tries, max_tries);
	EXPECT_RV(CKR_PIN_INCORRECT, login(s, CKU_SO, BAD_PIN));
	f = token_flags();
	EXPECT(f & CKF_SO_PIN_LOCKED, "CKF_SO_PIN_LOCKED, got flags 0x%lx", (unsigned long)f);
	at("the right SO PIN once locked");
	EXPECT_RV(CKR_PIN_LOCKED, login(s, CKU_SO, SO_PIN));
	OK(login(s, CKU_USER, USER_PIN));
	OK(p->C_CloseAllSessions(slot));
	EXPECT_RV(CKR_PIN_LOCKED, p->C_InitToken(slot, PIN(SO_PIN), label32));
	where[0] = 0;
}

static const struct CMUnitTest solock_tests[] = {
	T(so_pin_counts_low_final_try_then_locks),
};

static const struct CMUnitTest full_tests[] = {
	T(strict_mode_full_card_session_count_and_device_memory),
};

static atomic_int usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&usr1_seen, 1);
}

/*
 * A login waiting for room on the card gets signals the application
 * handles (a timer's, SIGCHLD): they are handled, and the login goes on
 * waiting, and succeeds when the room comes; it does not end with
 * CKR_FUNCTION_CANCELED.
 */
static void login_wait_goes_on_through_handled_signals(void **state)
{
	CK_SESSION_HANDLE s = open_rw();
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	struct sigaction sa = { .sa_handler = on_usr1 }, old;
	struct slow_login w = { .s = s };
	int *up = pipe_or_fail(), *down = pipe_or_fail();
	unsigned int base = kernel_held(), i;
	pthread_t t;
	pid_t pid;

	pid = other_process_logs_in(up, down, base);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, &old);
	atomic_store(&usr1_seen, 0);
	if (pthread_create(&t, NULL, slow_login_run, &w))
		fail_msg("pthread_create failed");
	for (i = 0; i < 20 && !atomic_load(&w.done); i++) {
		nanosleep(&pause, NULL);
		pthread_kill(t, SIGUSR1);
	}
	nanosleep(&pause, NULL);
	EXPECT(!atomic_load(&w.done),
	       "C_Login to go on waiting through the signals, it returned %s",
	       p11_rv_name(w.rv));
	EXPECT(atomic_load(&usr1_seen) > 0, "the login thread to handle SIGUSR1");
	write_byte(down[1], 'x');
	wait_child(pid, "the process that filled the share");
	pthread_join(t, NULL);
	sigaction(SIGUSR1, &old, NULL);
	EXPECT(w.rv == CKR_OK, "the login to succeed once the room came, got %s",
	       p11_rv_name(w.rv));
	expect_held(base + 1, "the login that waited");
	OK(p->C_Logout(s));
	expect_held(base, "after C_Logout");
}

static const struct CMUnitTest wait_tests[] = {
	T(login_waiting_for_room_lets_other_threads_go_on),
	T(login_wait_goes_on_through_handled_signals),
};

/* Finds the token labelled token_label: 0, or -1 with a message. */
static int find_token(void)
{
	CK_SLOT_ID ids[64];
	CK_ULONG n = N(ids), i;
	CK_TOKEN_INFO ti;
	CK_RV rv;

	rv = p->C_Initialize(&os_locking);
	if (rv != CKR_OK) {
		fprintf(stderr, "lib-api: C_Initialize: expected CKR_OK, got %s (the library's messages are above)\n",
			p11_rv_name(rv));
		return -1;
	}
	rv = p->C_GetSlotList(CK_TRUE, ids, &n);
	for (i = 0; rv == CKR_OK && i < n; i++)
		if (p->C_GetTokenInfo(ids[i], &ti) == CKR_OK &&
		    !memcmp(ti.label, label32, sizeof(label32)))
			break;
	p->C_Finalize(NULL);
	if (rv != CKR_OK) {
		fprintf(stderr, "lib-api: C_GetSlotList: expected CKR_OK, got %s\n",
			p11_rv_name(rv));
		return -1;
	}
	if (i == n) {
		fprintf(stderr, "lib-api: expected a token labelled '%s' among %lu, found none\n",
			token_label, (unsigned long)n);
		return -1;
	}
	slot = ids[i];
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "filter", required_argument, NULL, 'f' },
		{ "apqn", required_argument, NULL, 'a' },
		{ "label", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mode = "default", *lib, *env;
	char err[512];
	size_t len;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mode = optarg;
			break;
		case 'f':
			cmocka_set_test_filter(optarg);
			break;
		case 'a':
			if (!vmt_parse_apqn(optarg, &apqn)) {
				fprintf(stderr, "lib-api: bad APQN '%s' (expected like 1e.0024)\n",
					optarg);
				return 2;
			}
			have_apqn = true;
			break;
		case 'l':
			snprintf(token_label, sizeof(token_label), "%s", optarg);
			break;
		default:
			fprintf(stderr, "usage: lib-api [--mode default|strict|slowpin|wait|full|solock] [--filter PATTERN] [--apqn APQN] [--label LABEL] [LIBRARY]\n");
			return 2;
		}
	}
	lib = optind < argc ? argv[optind] : getenv("EP11SESS_CRYPTOKI_LIB");
	if (!lib || !*lib) {
		fprintf(stderr, "lib-api: no library: give its path or set EP11SESS_CRYPTOKI_LIB\n");
		return 2;
	}
	if (strcmp(mode, "default") && strcmp(mode, "strict") &&
	    strcmp(mode, "slowpin") && strcmp(mode, "wait") &&
	    strcmp(mode, "full") && strcmp(mode, "solock")) {
		fprintf(stderr, "lib-api: --mode: expected default, strict, slowpin, wait, full or solock, got '%s'\n",
			mode);
		return 2;
	}
	env = getenv("LIBAPI_PIN_MAX_TRIES");
	if (env)
		max_tries = (unsigned int)strtoul(env, NULL, 10);
	env = getenv("LIBAPI_CYCLES");
	if (env)
		cycles = (unsigned int)strtoul(env, NULL, 10);
	if (max_tries < 2) {
		fprintf(stderr, "lib-api: LIBAPI_PIN_MAX_TRIES: expected 2 or more, got %u\n",
			max_tries);
		return 2;
	}
	memset(label32, ' ', sizeof(label32));
	len = strlen(token_label);
	memcpy(label32, token_label, len);
	if (have_apqn)
		devfd = vmt_open_dev();

	if (p11_load(lib, &mod, err, sizeof(err))) {
		fprintf(stderr, "lib-api: %s\n", err);
		return 1;
	}
	if (!mod.f3) {
		fprintf(stderr, "lib-api: %s: expected a PKCS#11 3.0 library (C_GetInterface), it has none\n",
			lib);
		return 1;
	}
	p = mod.f3;
	if (find_token() || token_repair())
		return 1;
	if (!strcmp(mode, "strict"))
		return cmocka_run_group_tests_name("lib-api strict", strict_tests, NULL, NULL);
	if (!strcmp(mode, "slowpin"))
		return cmocka_run_group_tests_name("lib-api slowpin", slowpin_tests, NULL, NULL);
	if (!strcmp(mode, "wait"))
		return cmocka_run_group_tests_name("lib-api wait", wait_tests, NULL, NULL);
	if (!strcmp(mode, "full"))
		return cmocka_run_group_tests_name("lib-api full", full_tests, NULL, NULL);
	if (!strcmp(mode, "solock"))
		return cmocka_run_group_tests_name("lib-api solock", solock_tests, NULL, NULL);
	return cmocka_run_group_tests_name("lib-api default", default_tests, NULL, NULL);
}
