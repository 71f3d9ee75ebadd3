// SPDX-License-Identifier: GPL-2.0
/*
 * p11-bench: the signature rate of a PKCS#11 module, loaded with dlopen()
 * as any client loads it.
 *
 *   p11-bench MODULE LABEL ecdsa|rsa THREADS SECONDS
 *
 * Finds the token LABEL (or initialises the first uninitialised token
 * with it: SO PIN "87654321", USER PIN "12345678"), logs in, makes one
 * key pair (EC P-256 or RSA-2048) as session objects, then THREADS
 * threads, each with its own session, sign a 32-byte digest (CKM_ECDSA,
 * CKM_RSA_PKCS over a SHA-256 DigestInfo) for SECONDS and verify the
 * first signature.  Prints one line:
 *
 *   <mech> threads <n> signs <count> seconds <s> rate <signs/s>
 *
 * When the module has the ep11sess vendor interface, it also prints the
 * card's round trips during the run (EP11_GetStatusSized: requests and the
 * time the kernel's provider spent on them), so that the time per
 * signature splits into the card's round trip and the rest (library,
 * ioctl).  With P11_BENCH_CARDEMU set to an emulated card's control
 * socket, it also asks the card (its "status": requests and the time its
 * firmware spent on them) and times OpenSSL's own signature in this
 * process, and prints where the time of one signature goes: the library,
 * ioctl and core; the transport to the card and back; the firmware; and,
 * within the firmware, the signature itself.  Never fails on time.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "../../lib/ep11sess-cryptoki.h"
#include "../../lib/pkcs11_3.h"

#define SO_PIN		"87654321"
#define USER_PIN	"12345678"

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static CK_OBJECT_HANDLE priv_key;
static CK_MECHANISM mech;
static double run_seconds;
static unsigned char digest[51];
static size_t digest_len;

static void die(const char *what, CK_RV rv)
{
	fprintf(stderr, "p11-bench: %s: 0x%lx\n", what, rv);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool label_is(const CK_UTF8CHAR *l, const char *want)
{
	size_t n = strlen(want), i;

	if (n > 32 || memcmp(l, want, n))
		return false;
	for (i = n; i < 32; i++)
		if (l[i] != ' ')
			return false;
	return true;
}

static void find_token(const char *label)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64, i;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;
	CK_UTF8CHAR lab[32];
	CK_RV rv;

	rv = f->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK)
		die("C_GetSlotList", rv);
	for (i = 0; i < n; i++) {
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		if ((ti.flags & CKF_TOKEN_INITIALIZED) && (ti.flags & CKF_USER_PIN_INITIALIZED) &&
		    label_is(ti.label, label)) {
			slot = slots[i];
			return;
		}
	}
	for (i = 0; i < n; i++) {
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK ||
		    (ti.flags & CKF_TOKEN_INITIALIZED))
			continue;
		memset(lab, ' ', sizeof(lab));
		memcpy(lab, label, strlen(label));
		rv = f->C_InitToken(slots[i], (CK_UTF8CHAR_PTR)SO_PIN,
				    strlen(SO_PIN), lab);
		if (rv != CKR_OK)
			die("C_InitToken", rv);
		/* SoftHSM moves an initialised token to a new slot id. */
		n = 64;
		if (f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
			die("C_GetSlotList", rv);
		for (i = 0; i < n; i++)
			if (f->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
			    label_is(ti.label, label))
				break;
		slot = slots[i];
		rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
				      NULL, NULL, &s);
		if (rv != CKR_OK)
			die("C_OpenSession (SO)", rv);
		rv = f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN));
		if (rv != CKR_OK)
			die("C_Login (SO)", rv);
		rv = f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN));
		if (rv != CKR_OK)
			die("C_InitPIN", rv);
		f->C_CloseSession(s);
		return;
	}
	fprintf(stderr, "p11-bench: no token '%s' and none to initialise\n", label);
	exit(1);
}

struct worker {
	pthread_t t;
	unsigned long count;
	CK_RV rv;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned char sig[512];
	CK_SESSION_HANDLE s;
	CK_ULONG n;
	double end;

	w->rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
	if (w->rv != CKR_OK)
		return NULL;
	end = now() + run_seconds;
	while (now() < end) {
		w->rv = f->C_SignInit(s, &mech, priv_key);
		if (w->rv != CKR_OK)
			break;
		n = sizeof(sig);
		w->rv = f->C_Sign(s, digest, digest_len, sig, &n);
		if (w->rv != CKR_OK)
			break;
		w->count++;
	}
	f->C_CloseSession(s);
	return NULL;
}

static void card_counters(CK_C_GetInterface gi, unsigned long long *req,
			  unsigned long long *ns)
{
	struct ep11sess_apqn_status st[64];
	const EP11SESS_FUNCTION_LIST *v;
	CK_INTERFACE_PTR iface;
	CK_ULONG n = 64, i;

	*req = *ns = 0;
	if (!gi || gi((CK_UTF8CHAR_PTR)EP11SESS_VENDOR_INTERFACE, NULL, &iface,
		      0) != CKR_OK)
		return;
	v = iface->pFunctionList;
	if (v->version.minor < 2 ||
	    v->EP11_GetStatusSized(st, sizeof(st[0]), &n) != CKR_OK)
		return;
	for (i = 0; i < n; i++) {
		*req += st[i].requests;
		*ns += st[i].request_ns;
	}
}

/*
 * The emulated card's request count and firmware time, from its control
 * socket's "status" answer.  Returns false (and says why) when it cannot.
 */
static bool emu_counters(const char *path, unsigned long long *req,
			 unsigned long long *ns)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[8192], *p;
	size_t len = 0;
	ssize_t n;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "p11-bench: socket path too long: %s\n", path);
		return false;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, "status\n", 7) != 7) {
		fprintf(stderr, "p11-bench: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	while (len < sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	p = strstr(buf, "\nrequests ");
	if (!p || sscanf(p, "\nrequests %llu", req) != 1 ||
	    !(p = strstr(buf, "\nfirmware_ns ")) ||
	    sscanf(p, "\nfirmware_ns %llu", ns) != 1) {
		fprintf(stderr, "p11-bench: %s: no request counters in the card's status\n",
			path);
		return false;
	}
	return true;
}

/*
 * Milliseconds of one signature by OpenSSL itself, in this process, on a
 * key of the benchmark's kind: the cost of the crypto alone.
 */
static double openssl_ms(bool rsa)
{
	unsigned char sig[512];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk;
	double t0, el = 0;
	unsigned long n = 0;
	size_t len;

	pk = rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048) :
		   EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (pk)
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	if (!ctx || EVP_PKEY_sign_init(ctx) <= 0 ||
	    (rsa && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0))
		goto out;
	t0 = now();
	do {
		len = sizeof(sig);
		if (EVP_PKEY_sign(ctx, sig, &len, digest, digest_len) <= 0)
			goto out;
		n++;
		el = now() - t0;
	} while (el < 1);
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return n ? el * 1e3 / n : -1;
}

int main(int argc, char **argv)
{
	static const unsigned char di256[] = {
		0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
		0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };
	static const CK_BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
					0x3d, 0x03, 0x01, 0x07 };
	CK_C_INITIALIZE_ARGS init = { .flags = CKF_OS_LOCKING_OK };
	CK_MECHANISM gen_ec = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM gen_rsa = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE ec_pub[] = {
		{ CKA_EC_PARAMS, (void *)p256, sizeof(p256) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
	};
	CK_ATTRIBUTE rsa_pub[] = {
		{ CKA_MODULUS_BITS, &bits, sizeof(bits) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
	};
	CK_ATTRIBUTE priv[] = {
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
	};
	CK_C_GetFunctionList gfl;
	CK_C_GetInterface gi;
	CK_OBJECT_HANDLE pub_key;
	CK_SESSION_HANDLE s;
	struct worker *w;
	unsigned long long req0, ns0, req1, ns1;
	unsigned long long emu_req0 = 0, emu_ns0 = 0, emu_req1 = 0, emu_ns1 = 0;
	const char *emu = getenv("P11_BENCH_CARDEMU");
	unsigned long total = 0;
	double t0, el;
	bool rsa;
	int threads, i;
	void *lib;
	CK_RV rv;

	if (argc != 6) {
		fprintf(stderr, "usage: p11-bench MODULE LABEL ecdsa|rsa THREADS SECONDS\n");
		return 2;
	}
	rsa = !strcmp(argv[3], "rsa");
	threads = atoi(argv[4]);
	run_seconds = atof(argv[5]);
	if (threads < 1 || threads > 64 || run_seconds <= 0) {
		fprintf(stderr, "p11-bench: bad threads or seconds\n");
		return 2;
	}
	lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "p11-bench: %s\n", dlerror());
		return 1;
	}
	gfl = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
	gi = (CK_C_GetInterface)dlsym(lib, "C_GetInterface");
	if (!gfl || gfl(&f) != CKR_OK) {
		fprintf(stderr, "p11-bench: no C_GetFunctionList\n");
		return 1;
	}
	rv = f->C_Initialize(&init);
	if (rv != CKR_OK)
		die("C_Initialize", rv);
	find_token(argv[2]);
	rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
			      NULL, &s);
	if (rv != CKR_OK)
		die("C_OpenSession", rv);
	rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN));
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
		die("C_Login", rv);
	if (rsa)
		rv = f->C_GenerateKeyPair(s, &gen_rsa, rsa_pub, 2, priv, 2,
					  &pub_key, &priv_key);
	else
		rv = f->C_GenerateKeyPair(s, &gen_ec, ec_pub, 2, priv, 2,
					  &pub_key, &priv_key);
	if (rv != CKR_OK)
		die("C_GenerateKeyPair", rv);
	memset(digest, 0x5a, sizeof(digest));
	if (rsa) {
		memcpy(digest, di256, sizeof(di256));
		digest_len = sizeof(di256) + 32;
		mech.mechanism = CKM_RSA_PKCS;
	} else {
		digest_len = 32;
		mech.mechanism = CKM_ECDSA;
	}
	/* One signature verified, so that the figures are of real work. */
	{
		unsigned char sig[512];
		CK_ULONG n = sizeof(sig);

		if ((rv = f->C_SignInit(s, &mech, priv_key)) != CKR_OK ||
		    (rv = f->C_Sign(s, digest, digest_len, sig, &n)) != CKR_OK)
			die("C_Sign", rv);
		if ((rv = f->C_VerifyInit(s, &mech, pub_key)) != CKR_OK ||
		    (rv = f->C_Verify(s, digest, digest_len, sig, n)) != CKR_OK)
			die("C_Verify", rv);
	}
	w = calloc(threads, sizeof(*w));
	if (!w)
		return 1;
	if (emu && !emu_counters(emu, &emu_req0, &emu_ns0))
		return 1;
	card_counters(gi, &req0, &ns0);
	t0 = now();
	for (i = 0; i < threads; i++)
		pthread_create(&w[i].t, NULL, work, &w[i]);
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].t, NULL);
		if (w[i].rv != CKR_OK)
			die("signing thread", w[i].rv);
		total += w[i].count;
	}
	el = now() - t0;
	card_counters(gi, &req1, &ns1);
	if (emu && !emu_counters(emu, &emu_req1, &emu_ns1))
		return 1;
	printf("%s threads %d signs %lu seconds %.2f rate %.1f\n",
	       rsa ? "rsa2048" : "ecdsa-p256", threads, total, el, total / el);
	if (req1 > req0 && total)
		printf("  card round trips %llu, %.3f ms each in the provider; %.3f ms per signature in all\n",
		       req1 - req0, (ns1 - ns0) / 1e6 / (req1 - req0),
		       el * 1e3 * threads / total);
	if (emu && req1 > req0 && total) {
		double all = el * 1e3 * threads / total;
		double prov = (ns1 - ns0) / 1e6 / total;
		double fw = (emu_ns1 - emu_ns0) / 1e6 / total;

		double ossl = openssl_ms(rsa);

		printf("  per signature %.3f ms: library, ioctl and core %.3f, transport to the card and back %.3f, firmware %.3f (%llu requests); ",
		       all, all - prov, prov - fw, fw, emu_req1 - emu_req0);
		if (ossl < 0)
			printf("OpenSSL alone could not sign here\n");
		else
			printf("OpenSSL alone signs in %.3f ms here\n", ossl);
	}
	f->C_CloseSession(s);
	f->C_Finalize(NULL);
	free(w);
	return 0;
}
