// SPDX-License-Identifier: GPL-2.0
/*
 * p11-hold: a PKCS#11 application that logs in and stays, for the tests
 * of libcryptoki's session modes (t-lib-modes.sh).
 *
 *   p11-hold MODULE SLOT PIN SESSIONS [make LABEL | use LABEL]
 *
 * Opens SESSIONS R/W sessions on SLOT, logs in as USER, then with "make"
 * generates an EC P-256 token key pair LABEL and a token copy of its private
 * key (LABEL-copy) and signs with the copy, with "use" finds the private
 * key LABEL and signs with it (the signature checked with the public key).
 * Prints "ready" and waits until it is killed; any failure prints what
 * was expected and what came back, and exits 1.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkcs11_3.h"

static CK_FUNCTION_LIST_PTR f;

static void check(const char *what, CK_RV rv)
{
	if (rv == CKR_OK)
		return;
	printf("FAIL: %s: expected CKR_OK, got 0x%lx\n", what, rv);
	exit(1);
}

static CK_OBJECT_HANDLE find(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
			     const char *label)
{
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_OBJECT_HANDLE o[2];
	CK_ULONG n = 0;

	check("C_FindObjectsInit", f->C_FindObjectsInit(s, t, 2));
	check("C_FindObjects", f->C_FindObjects(s, o, 2, &n));
	check("C_FindObjectsFinal", f->C_FindObjectsFinal(s));
	if (n != 1) {
		printf("FAIL: find '%s' class %lu: expected 1 object, got %lu\n",
		       label, cls, n);
		exit(1);
	}
	return o[0];
}

int main(int argc, char **argv)
{
	static const CK_BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
					0x3d, 0x03, 0x01, 0x07 };
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM ecdsa = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_BBOOL yes = CK_TRUE;
	CK_SESSION_HANDLE s[64];
	CK_C_GetFunctionList gfl;
	CK_OBJECT_HANDLE pub, priv;
	unsigned char sig[256];
	CK_ULONG siglen = sizeof(sig);
	CK_SLOT_ID slot;
	int n, i;
	void *dl;

	if (argc != 5 && argc != 7) {
		fprintf(stderr, "usage: p11-hold MODULE SLOT PIN SESSIONS [make|use LABEL]\n");
		return 2;
	}
	slot = strtoul(argv[2], NULL, 10);
	n = atoi(argv[4]);
	if (n < 1 || n > 64)
		return 2;
	dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		printf("FAIL: %s\n", dlerror());
		return 1;
	}
	gfl = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
	check("C_GetFunctionList", gfl ? gfl(&f) : CKR_GENERAL_ERROR);
	check("C_Initialize", f->C_Initialize(NULL));
	for (i = 0; i < n; i++)
		check("C_OpenSession",
		      f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
				       NULL, NULL, &s[i]));
	check("C_Login", f->C_Login(s[0], CKU_USER, (CK_UTF8CHAR_PTR)argv[3],
				   strlen(argv[3])));
	if (argc == 7 && !strcmp(argv[5], "make")) {
		CK_ATTRIBUTE pt[] = {
			{ CKA_TOKEN, &yes, sizeof(yes) },
			{ CKA_EC_PARAMS, (void *)p256, sizeof(p256) },
			{ CKA_LABEL, argv[6], strlen(argv[6]) },
		};
		CK_ATTRIBUTE vt[] = {
			{ CKA_TOKEN, &yes, sizeof(yes) },
			{ CKA_LABEL, argv[6], strlen(argv[6]) },
		};

		char copy[64];
		CK_ATTRIBUTE ct[] = {
			{ CKA_LABEL, copy, 0 },
		};

		check("C_GenerateKeyPair",
		      f->C_GenerateKeyPair(s[0], &gen, pt, 3, vt, 2, &pub, &priv));
		/* A token copy of the new key signs as the key does. */
		snprintf(copy, sizeof(copy), "%s-copy", argv[6]);
		ct[0].ulValueLen = strlen(copy);
		check("C_CopyObject of the new private key",
		      f->C_CopyObject(s[0], priv, ct, 1, &priv));
	} else if (argc == 7) {
		priv = find(s[n - 1], CKO_PRIVATE_KEY, argv[6]);
		pub = find(s[n - 1], CKO_PUBLIC_KEY, argv[6]);
	}
	if (argc == 7) {
		check("C_SignInit", f->C_SignInit(s[n - 1], &ecdsa, priv));
		check("C_Sign", f->C_Sign(s[n - 1], (CK_BYTE_PTR)"held", 4, sig,
					  &siglen));
		check("C_VerifyInit", f->C_VerifyInit(s[n - 1], &ecdsa, pub));
		check("C_Verify", f->C_Verify(s[n - 1], (CK_BYTE_PTR)"held", 4,
					      sig, siglen));
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
