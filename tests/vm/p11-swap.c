// SPDX-License-Identifier: GPL-2.0
/*
 * p11-swap: a PKCS#11 application that signs in a loop while its card is
 * swapped under it (t-core-swap.sh).
 *
 *   p11-swap MODULE SLOT PIN
 *
 * Logs in as USER on SLOT, generates an EC P-256 session key pair (its
 * blobs bound to the login's EP11 session), prints "ready", then signs
 * (CKM_ECDSA_SHA256) and verifies the signature, over and over.  Every
 * call that fails prints "fail FUNCTION RV after MS ms" at once.  SIGUSR1
 * prints "stats calls=N failed=F signed=S longest_ms=MS
 * longest_call=FUNCTION" for the calls since the last stats line (S: the
 * signatures made) and starts counting anew; SIGTERM
 * prints the stats, finalizes and exits 0.  Any failure before "ready"
 * prints what was expected and what came back, and exits 1.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "p11-client.h"

static CK_FUNCTION_LIST *f;
static volatile sig_atomic_t want_stats, want_stop;

/**
 * struct swap_stats - the calls since the last stats line
 * @calls:   C_* calls made
 * @failed:  of those, calls that did not return CKR_OK
 * @longest: the longest call, milliseconds
 * @which:   its function
 * @signed:  signatures made (C_Sign returned CKR_OK)
 */
static struct swap_stats {
	unsigned long calls;
	unsigned long failed;
	double longest;
	const char *which;
	unsigned long signed_ok;
} st = { .which = "none" };

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_stats = 1;
	else
		want_stop = 1;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void setup_check(const char *what, CK_RV rv)
{
	if (rv == CKR_OK)
		return;
	printf("FAIL: %s: expected CKR_OK, got %s\n", what, p11_rv_name(rv));
	exit(1);
}

/* Counts one call of the loop that took from @t0 until now. */
static bool counted(const char *what, CK_RV rv, double t0)
{
	double ms = now_ms() - t0;

	st.calls++;
	if (ms > st.longest) {
		st.longest = ms;
		st.which = what;
	}
	if (rv == CKR_OK)
		return true;
	st.failed++;
	printf("fail %s %s after %.0f ms\n", what, p11_rv_name(rv), ms);
	return false;
}

static void print_stats(void)
{
	printf("stats calls=%lu failed=%lu signed=%lu longest_ms=%.0f longest_call=%s\n",
	       st.calls, st.failed, st.signed_ok, st.longest, st.which);
	memset(&st, 0, sizeof(st));
	st.which = "none";
}

/* One signature and its check; false when a call failed. */
static bool sign_once(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv,
		      CK_OBJECT_HANDLE pub, unsigned long n)
{
	CK_MECHANISM ecdsa = { CKM_ECDSA_SHA256, NULL, 0 };
	unsigned char data[32], sig[128];
	CK_ULONG siglen = sizeof(sig);
	double t0;

	snprintf((char *)data, sizeof(data), "swap message %lu", n);
	t0 = now_ms();
	if (!counted("C_SignInit", f->C_SignInit(s, &ecdsa, priv), t0))
		return false;
	t0 = now_ms();
	if (!counted("C_Sign", f->C_Sign(s, data, sizeof(data), sig, &siglen),
		     t0))
		return false;
	st.signed_ok++;
	t0 = now_ms();
	if (!counted("C_VerifyInit", f->C_VerifyInit(s, &ecdsa, pub), t0))
		return false;
	t0 = now_ms();
	return counted("C_Verify",
		       f->C_Verify(s, data, sizeof(data), sig, siglen), t0);
}

int main(int argc, char **argv)
{
	static const CK_BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
					0x3d, 0x03, 0x01, 0x07 };
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE pt[] = {
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_EC_PARAMS, (void *)p256, sizeof(p256) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
	};
	CK_ATTRIBUTE vt[] = {
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	CK_OBJECT_HANDLE pub, priv;
	struct p11_module m;
	CK_SESSION_HANDLE s;
	unsigned long n = 0;
	char err[512];

	if (argc != 4) {
		fprintf(stderr, "usage: p11-swap MODULE SLOT PIN\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGUSR1, &sa, NULL) || sigaction(SIGTERM, &sa, NULL)) {
		perror("p11-swap: sigaction");
		return 1;
	}
	if (p11_load(argv[1], &m, err, sizeof(err))) {
		printf("FAIL: %s\n", err);
		return 1;
	}
	f = m.f2;
	setup_check("C_Initialize", f->C_Initialize(NULL));
	setup_check("C_OpenSession",
		    f->C_OpenSession(strtoul(argv[2], NULL, 10),
				     CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
				     NULL, &s));
	setup_check("C_Login", f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)argv[3],
					  strlen(argv[3])));
	setup_check("C_GenerateKeyPair",
		    f->C_GenerateKeyPair(s, &gen, pt, 3, vt, 3, &pub, &priv));
	if (!sign_once(s, priv, pub, n++)) {
		printf("FAIL: the first signature: expected it to succeed\n");
		return 1;
	}
	memset(&st, 0, sizeof(st));
	st.which = "none";
	printf("ready\n");
	while (!want_stop) {
		if (want_stats) {
			want_stats = 0;
			print_stats();
		}
		if (!sign_once(s, priv, pub, n++)) {
			/* Failing at once: do not flood the output. */
			struct timespec pause = { 0, 50 * 1000 * 1000 };

			nanosleep(&pause, NULL);
		}
	}
	print_stats();
	f->C_Finalize(NULL);
	p11_unload(&m);
	printf("done\n");
	return 0;
}
