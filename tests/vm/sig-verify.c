// SPDX-License-Identifier: GPL-2.0
/*
 * sig-verify: many detached signatures checked in one process with plain
 * OpenSSL, where one `openssl pkeyutl -verify` per file would cost more
 * than the signing it checks (t-lib-openssl-1000.sh, make demo).
 *
 *   sig-verify PUBKEY.pem SUFFIX FILE...
 *	verifies FILE SUFFIX (e.g. data.7.sig.ec) as a SHA-256 signature
 *	of FILE by the public key: ECDSA (DER) for an EC key, PKCS #1 v1.5
 *	for an RSA key, as `openssl pkeyutl -sign -rawin -digest sha256`
 *	makes them.  Prints "verified N of M" and one line per failure;
 *	exits 0 only when all M (at least one) verified.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

/* Large enough for any file the tests sign and an RSA-4096 signature. */
#define MAX_BYTES	(1024 * 1024)
/* Failures named one by one; the rest only counted. */
#define MAX_NAMED	20

static unsigned char data[MAX_BYTES], sig[MAX_BYTES];

/* Reads @path into @buf; returns its length, or -1 with a message in @why. */
static long read_all(const char *path, unsigned char *buf, char *why,
		     size_t whylen)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		snprintf(why, whylen, "cannot open %s: %s", path,
			 strerror(errno));
		return -1;
	}
	n = fread(buf, 1, MAX_BYTES, f);
	if (ferror(f) || !feof(f)) {
		snprintf(why, whylen, "cannot read %s whole (at most %d bytes)",
			 path, MAX_BYTES);
		fclose(f);
		return -1;
	}
	fclose(f);
	return (long)n;
}

/* 0 when @file's signature verifies; otherwise -1 and the reason in @why. */
static int verify_one(EVP_PKEY *pub, const char *file, const char *suffix,
		      char *why, size_t whylen)
{
	char sigpath[4096];
	long dn, sn;
	EVP_MD_CTX *ctx;
	unsigned long err;
	int ret;

	if (snprintf(sigpath, sizeof(sigpath), "%s%s", file, suffix) >=
	    (int)sizeof(sigpath)) {
		snprintf(why, whylen, "path too long");
		return -1;
	}
	dn = read_all(file, data, why, whylen);
	if (dn < 0)
		return -1;
	sn = read_all(sigpath, sig, why, whylen);
	if (sn < 0)
		return -1;
	if (!sn) {
		snprintf(why, whylen, "%s is empty", sigpath);
		return -1;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	ret = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) == 1 ?
	      EVP_DigestVerify(ctx, sig, sn, data, dn) : -1;
	EVP_MD_CTX_free(ctx);
	if (ret == 1)
		return 0;
	err = ERR_get_error();
	if (!ret)
		snprintf(why, whylen, "%s does not verify", sigpath);
	else
		snprintf(why, whylen, "%s is no signature this key can check (%s)",
			 sigpath, err ? ERR_error_string(err, NULL) :
			 "EVP_DigestVerify failed");
	ERR_clear_error();
	return -1;
}

int main(int argc, char **argv)
{
	unsigned int ok = 0, bad = 0;
	char why[4400];
	EVP_PKEY *pub;
	FILE *f;
	int i;

	if (argc < 4) {
		fprintf(stderr, "usage: sig-verify PUBKEY.pem SUFFIX FILE...\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f) {
		fprintf(stderr, "sig-verify: cannot open %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	pub = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (!pub) {
		fprintf(stderr, "sig-verify: %s: expected a PEM public key\n",
			argv[1]);
		return 1;
	}
	for (i = 3; i < argc; i++) {
		if (!verify_one(pub, argv[i], argv[2], why, sizeof(why))) {
			ok++;
			continue;
		}
		if (++bad <= MAX_NAMED)
			printf("FAILED: %s\n", why);
	}
	EVP_PKEY_free(pub);
	if (bad > MAX_NAMED)
		printf("FAILED: %u more\n", bad - MAX_NAMED);
	printf("verified %u of %d\n", ok, argc - 3);
	return bad ? 1 : 0;
}
