// SPDX-License-Identifier: GPL-2.0
/*
 * Writes a seed corpus for fuzz-request into the directory given as the
 * only argument: a valid request of every function the card knows, with
 * every mechanism, on valid key blobs and the pin blob of the seeds'
 * session.  The keys are made here, on a card with the fuzz target's
 * fixed wrapping keys (fuzz-card.h), so the blobs open on the fuzz
 * target's card as well.  Each request runs here first and must succeed:
 * a seed that the card refuses would only test the early checks.
 */
#include <ftw.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-card.h"
#include "pkcs11_ids.h"

#define MAX_RES		3
#define MAX_BYTES	FW_MAX_BLOB_LEN

/* A byte string: a parameter, a result, a key blob. */
struct bytes {
	u8 p[MAX_BYTES];
	size_t n;
};

static struct fw *fw;
static const char *out_dir;
static char state_dir[] = "/tmp/ep11-fuzz-seeds.XXXXXX";
static u8 pinblob[EP11_PINBLOB_LEN];
static u8 req[EP11_MAX_MSG_LEN], rep[EP11_MAX_MSG_LEN];
static struct bytes res[MAX_RES];
static unsigned int nres, nseeds;
static int errors;

static void add(struct bytes *b, const void *p, size_t n)
{
	if (b->n + n > sizeof(b->p)) {
		fprintf(stderr, "fuzz-seeds: parameter too long\n");
		exit(1);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void add_u32(struct bytes *b, u32 v)
{
	u8 x[4] = { v >> 24, v >> 16, v >> 8, v };

	add(b, x, 4);
}

static void attr(struct bytes *t, u32 type, const void *v, size_t n)
{
	add_u32(t, type);
	add_u32(t, n);
	add(t, v, n);
}

static void attr_u32(struct bytes *t, u32 type, u32 v)
{
	u8 x[4] = { v >> 24, v >> 16, v >> 8, v };

	attr(t, type, x, 4);
}

static struct bytes *bytes_of(const void *p, size_t n)
{
	static struct bytes pool[8];
	static unsigned int next;
	struct bytes *b = &pool[next++ % 8];

	b->n = 0;
	add(b, p, n);
	return b;
}

#define STR(s)		bytes_of(s, sizeof(s) - 1)

static struct bytes *u32_of(u32 v)
{
	u8 x[4] = { v >> 24, v >> 16, v >> 8, v };

	return bytes_of(x, 4);
}

/* A mechanism: u32 type, then @nwords u32 words of parameter. */
static struct bytes *mech(u32 type, unsigned int nwords, ...)
{
	struct bytes m = { .n = 0 };
	va_list ap;

	add_u32(&m, type);
	va_start(ap, nwords);
	while (nwords--)
		add_u32(&m, va_arg(ap, u32));
	va_end(ap);
	return bytes_of(m.p, m.n);
}

static struct bytes *mech_bytes(u32 type, const void *p, size_t n)
{
	struct bytes m = { .n = 0 };

	add_u32(&m, type);
	add(&m, p, n);
	return bytes_of(m.p, m.n);
}

/*
 * Encodes function @fnid with @n parameters (and the seeds' pin blob when
 * @bound) on FUZZ_DOM0, runs it on the card, and saves it as seed @name
 * when the card answers CKR_OK.  The results land in res[].
 */
static int seed_v(const char *name, u16 fnid, bool bound, unsigned int n,
		  const struct bytes *const *params)
{
	char path[4096];
	struct ep11_wbuf b;
	struct ep11_msg m;
	const u8 *p;
	u8 dom = FUZZ_DOM0;
	unsigned int i;
	size_t len, req_len;
	FILE *f;
	int r;

	ep11_wire_request_init(&b, req, sizeof(req), EP11_FN(fnid), dom, 0);
	for (i = 0; i < n; i++)
		ep11_wire_put(&b, params[i]->p, params[i]->n);
	if (bound)
		ep11_wire_put(&b, pinblob, sizeof(pinblob));
	r = ep11_wire_finish(&b);
	if (r < 0) {
		fprintf(stderr, "fuzz-seeds: %s does not encode: %d\n", name,
			r);
		errors++;
		return -1;
	}
	req_len = r;
	r = fw_handle(fw, dom, req, req_len, rep, sizeof(rep));
	if (r < 0 || ep11_wire_parse_reply(rep, r, &m) || m.rc) {
		fprintf(stderr,
			"fuzz-seeds: %s: expected the card to accept it, got rc 0x%x\n",
			name, r < 0 ? 0 : m.rc);
		errors++;
		return -1;
	}
	nres = 0;
	while (nres < MAX_RES && !ep11_wire_next(&m, &p, &len)) {
		memcpy(res[nres].p, p, len);
		res[nres++].n = len;
	}
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(&dom, 1, 1, f) != 1 ||
	    fwrite(req, 1, req_len, f) != req_len) {
		perror(path);
		errors++;
		if (f)
			fclose(f);
		return -1;
	}
	if (fclose(f)) {
		perror(path);
		errors++;
		return -1;
	}
	nseeds++;
	return 0;
}

#define SEED(name, fnid, bound, ...)					\
	seed_v(name, fnid, bound,					\
	       sizeof((const struct bytes *[]){ __VA_ARGS__ }) /	\
	       sizeof(const struct bytes *),				\
	       (const struct bytes *const[]){ __VA_ARGS__ })

/* Saves a request that is not run here (Login, Logout, bare parameters). */
static void save_raw(const char *name, u16 dom, const u8 *msg, int len)
{
	char path[4096];
	u8 d = dom;
	FILE *f;

	if (len < 0) {
		fprintf(stderr, "fuzz-seeds: %s does not encode\n", name);
		errors++;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(&d, 1, 1, f) != 1 ||
	    fwrite(msg, 1, len, f) != (size_t)len || fclose(f)) {
		perror(path);
		errors++;
		return;
	}
	nseeds++;
}

static void session_seeds(void)
{
	u8 buf[512], bad[EP11_PINBLOB_LEN];
	u32 q;

	save_raw("login", FUZZ_DOM0, buf,
		 ep11_wire_enc_login(buf, sizeof(buf), FUZZ_DOM0,
				     (const u8 *)FUZZ_PIN, strlen(FUZZ_PIN),
				     (const u8 *)FUZZ_NONCE,
				     strlen(FUZZ_NONCE)));
	save_raw("logout", FUZZ_DOM0, buf,
		 ep11_wire_enc_logout(buf, sizeof(buf), FUZZ_DOM0, pinblob));
	memset(bad, 0x42, sizeof(bad));
	save_raw("logout-forged", FUZZ_DOM1, buf,
		 ep11_wire_enc_logout(buf, sizeof(buf), FUZZ_DOM1, bad));
	for (q = 1; q <= 6; q++) {
		char name[32];

		snprintf(name, sizeof(name), "xcp-info-%u", q);
		save_raw(name, FUZZ_DOM0, buf,
			 ep11_wire_enc_xcp_info(buf, sizeof(buf), FUZZ_DOM0,
						q));
	}
}

/* Keys of every type, made on the seed card. */
static struct bytes aes, aes_bound, hmac, rsa_priv, rsa_pub, ec_priv,
	ec_pub, ed_priv, ed_pub;

static void keep(struct bytes *dst, unsigned int i)
{
	if (i < nres)
		*dst = res[i];
}

static void key_seeds(void)
{
	static const u32 digests[] = {
		CKM_SHA_1, CKM_SHA224, CKM_SHA256, CKM_SHA384, CKM_SHA512,
	};
	struct bytes t = { .n = 0 }, pt = { .n = 0 }, st = { .n = 0 };
	struct bytes none = { .n = 0 };
	unsigned int i;
	char name[64];

	SEED("random", EP11_FN_GENERATE_RANDOM, false, u32_of(64));
	SEED("random-bound", EP11_FN_GENERATE_RANDOM, true, u32_of(16));
	for (i = 0; i < ARRAY_SIZE(digests); i++) {
		snprintf(name, sizeof(name), "digest-%x", digests[i]);
		SEED(name, EP11_FN_DIGEST_SINGLE, false, mech(digests[i], 0),
		     STR("abc"));
	}
	seed_v("mech-list", EP11_FN_GET_MECHANISM_LIST, false, 0, NULL);
	SEED("mech-info-rsa-gen", EP11_FN_GET_MECHANISM_INFO, false,
	     u32_of(CKM_RSA_PKCS_KEY_PAIR_GEN));
	SEED("mech-info-gcm", EP11_FN_GET_MECHANISM_INFO, true,
	     u32_of(CKM_AES_GCM));

	attr_u32(&t, CKA_VALUE_LEN, 32);
	attr(&t, CKA_LABEL, "seed", 4);
	if (!SEED("genkey-aes", EP11_FN_GENERATE_KEY, false,
		  mech(CKM_AES_KEY_GEN, 0), &t))
		keep(&aes, 0);
	if (!SEED("genkey-aes-bound", EP11_FN_GENERATE_KEY, true,
		  mech(CKM_AES_KEY_GEN, 0), &t))
		keep(&aes_bound, 0);
	t.n = 0;
	attr_u32(&t, CKA_VALUE_LEN, 32);
	attr_u32(&t, CKA_KEY_TYPE, CKK_GENERIC_SECRET);
	if (!SEED("genkey-generic", EP11_FN_GENERATE_KEY, false,
		  mech(CKM_GENERIC_SECRET_KEY_GEN, 0), &t))
		keep(&hmac, 0);

	attr_u32(&pt, CKA_MODULUS_BITS, FW_RSA_MIN_BITS);
	attr(&pt, CKA_PUBLIC_EXPONENT, "\x01\x00\x01", 3);
	if (!SEED("genpair-rsa", EP11_FN_GENERATE_KEY_PAIR, false,
		  mech(CKM_RSA_PKCS_KEY_PAIR_GEN, 0), &pt, &st)) {
		keep(&rsa_priv, 0);
		keep(&rsa_pub, 1);
	}
	pt.n = 0;
	attr(&pt, CKA_EC_PARAMS, "\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07",
	     10);
	attr(&st, CKA_ID, "id", 2);
	if (!SEED("genpair-p256", EP11_FN_GENERATE_KEY_PAIR, false,
		  mech(CKM_EC_KEY_PAIR_GEN, 0), &pt, &st)) {
		keep(&ec_priv, 0);
		keep(&ec_pub, 1);
	}
	pt.n = 0;
	attr(&pt, CKA_EC_PARAMS, "\x06\x05\x2b\x81\x04\x00\x22", 7);
	SEED("genpair-p384-bound", EP11_FN_GENERATE_KEY_PAIR, true,
	     mech(CKM_EC_KEY_PAIR_GEN, 0), &pt, &st);
	pt.n = 0;
	attr(&pt, CKA_EC_PARAMS, "\x06\x05\x2b\x81\x04\x00\x23", 7);
	SEED("genpair-p521", EP11_FN_GENERATE_KEY_PAIR, false,
	     mech(CKM_EC_KEY_PAIR_GEN, 0), &pt, &st);
	pt.n = 0;
	attr(&pt, CKA_EC_PARAMS, "\x06\x03\x2b\x65\x70", 5);
	if (!SEED("genpair-ed25519", EP11_FN_GENERATE_KEY_PAIR, false,
		  mech(CKM_EC_EDWARDS_KEY_PAIR_GEN, 0), &pt, &none)) {
		keep(&ed_priv, 0);
		keep(&ed_pub, 1);
	}
}

/* SignSingle with @m and @key, then VerifySingle of the signature. */
static void sign_pair(const char *what, const struct bytes *m,
		      const struct bytes *priv, const struct bytes *pub,
		      const struct bytes *data)
{
	struct bytes mm = *m, sig;
	char name[64];

	snprintf(name, sizeof(name), "sign-%s", what);
	if (SEED(name, EP11_FN_SIGN_SINGLE, false, &mm, priv, data))
		return;
	sig = res[0];
	snprintf(name, sizeof(name), "verify-%s", what);
	SEED(name, EP11_FN_VERIFY_SINGLE, false, &mm, pub, data, &sig);
}

static void sign_seeds(void)
{
	static const u8 digest_info[51] = {
		0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
		0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
	};
	struct bytes h32 = { .n = 32 }, msg = { .n = 0 };

	memset(h32.p, 0x5a, 32);
	add(&msg, "message to sign", 15);
	sign_pair("rsa-pkcs", mech(CKM_RSA_PKCS, 0), &rsa_priv, &rsa_pub,
		  bytes_of(digest_info, sizeof(digest_info)));
	sign_pair("sha256-rsa-pkcs", mech(CKM_SHA256_RSA_PKCS, 0), &rsa_priv,
		  &rsa_pub, &msg);
	sign_pair("rsa-pss", mech(CKM_RSA_PKCS_PSS, 3, CKM_SHA256,
				  CKG_MGF1_SHA256, 32),
		  &rsa_priv, &rsa_pub, &h32);
	sign_pair("sha384-rsa-pss", mech(CKM_SHA384_RSA_PKCS_PSS, 3,
					 CKM_SHA384, CKG_MGF1_SHA384, 48),
		  &rsa_priv, &rsa_pub, &msg);
	sign_pair("ecdsa", mech(CKM_ECDSA, 0), &ec_priv, &ec_pub, &h32);
	sign_pair("ecdsa-sha256", mech(CKM_ECDSA_SHA256, 0), &ec_priv,
		  &ec_pub, &msg);
	sign_pair("eddsa", mech(CKM_EDDSA, 0), &ed_priv, &ed_pub, &msg);
	sign_pair("hmac-sha256", mech(CKM_SHA256_HMAC, 0), &hmac, &hmac,
		  &msg);
	SEED("sign-ecdsa-bound-key", EP11_FN_SIGN_SINGLE, true,
	     mech(CKM_ECDSA, 0), &ec_priv, &h32);
	SEED("sign-hmac-bound", EP11_FN_SIGN_SINGLE, true,
	     mech(CKM_SHA512_HMAC, 0), &hmac, &msg);
}

/* EncryptSingle with @m, then DecryptSingle of the ciphertext. */
static void crypt_pair(const char *what, const struct bytes *m,
		       const struct bytes *enc_key,
		       const struct bytes *dec_key, const struct bytes *data,
		       bool bound)
{
	struct bytes mm = *m, ct;
	char name[64];

	snprintf(name, sizeof(name), "encrypt-%s", what);
	if (SEED(name, EP11_FN_ENCRYPT_SINGLE, bound, &mm, enc_key, data))
		return;
	ct = res[0];
	snprintf(name, sizeof(name), "decrypt-%s", what);
	SEED(name, EP11_FN_DECRYPT_SINGLE, bound, &mm, dec_key, &ct);
}

static void crypt_seeds(void)
{
	static const u8 iv[16] = "seed-iv-16-bytes";
	struct bytes blocks = { .n = 32 }, msg = { .n = 0 }, gcm = { .n = 0 };

	memset(blocks.p, 0x33, 32);
	add(&msg, "plaintext of odd length", 23);
	crypt_pair("aes-ecb", mech(CKM_AES_ECB, 0), &aes, &aes, &blocks,
		   false);
	crypt_pair("aes-cbc", mech_bytes(CKM_AES_CBC, iv, 16), &aes, &aes,
		   &blocks, false);
	crypt_pair("aes-cbc-pad", mech_bytes(CKM_AES_CBC_PAD, iv, 16), &aes,
		   &aes, &msg, false);
	add_u32(&gcm, 12);
	add(&gcm, iv, 12);
	add_u32(&gcm, 5);
	add(&gcm, "aad-5", 5);
	add_u32(&gcm, 128);
	crypt_pair("aes-gcm", mech_bytes(CKM_AES_GCM, gcm.p, gcm.n), &aes,
		   &aes, &msg, false);
	crypt_pair("aes-gcm-bound-key", mech_bytes(CKM_AES_GCM, gcm.p, gcm.n),
		   &aes_bound, &aes_bound, &msg, true);
	crypt_pair("rsa-pkcs", mech(CKM_RSA_PKCS, 0), &rsa_pub, &rsa_priv,
		   &msg, false);
	crypt_pair("rsa-oaep", mech(CKM_RSA_PKCS_OAEP, 3, CKM_SHA256,
				    CKG_MGF1_SHA256, 0),
		   &rsa_pub, &rsa_priv, &msg, false);
	crypt_pair("rsa-oaep-label",
		   mech_bytes(CKM_RSA_PKCS_OAEP,
			      "\0\0\x02\x50\0\0\0\x02\0\0\0\x01label", 17),
		   &rsa_pub, &rsa_priv, &msg, false);
}

/* WrapKey with @m, then UnwrapKey of the result with @tmpl. */
static void wrap_pair(const char *what, const struct bytes *m,
		      const struct bytes *wrapping, const struct bytes *target,
		      const struct bytes *unwrapping,
		      const struct bytes *tmpl)
{
	struct bytes mm = *m, wrapped;
	char name[64];

	snprintf(name, sizeof(name), "wrap-%s", what);
	if (SEED(name, EP11_FN_WRAP_KEY, false, &mm, wrapping, target))
		return;
	wrapped = res[0];
	snprintf(name, sizeof(name), "unwrap-%s", what);
	SEED(name, EP11_FN_UNWRAP_KEY, false, &mm, unwrapping, &wrapped,
	     tmpl);
}

static void wrap_seeds(void)
{
	struct bytes sec = { .n = 0 }, ec = { .n = 0 }, gen = { .n = 0 };

	attr_u32(&sec, CKA_CLASS, CKO_SECRET_KEY);
	attr_u32(&sec, CKA_KEY_TYPE, CKK_AES);
	attr_u32(&gen, CKA_CLASS, CKO_SECRET_KEY);
	attr_u32(&gen, CKA_KEY_TYPE, CKK_GENERIC_SECRET);
	attr_u32(&ec, CKA_CLASS, CKO_PRIVATE_KEY);
	attr_u32(&ec, CKA_KEY_TYPE, CKK_EC);
	wrap_pair("aes-kw", mech(CKM_AES_KEY_WRAP, 0), &aes, &hmac, &aes,
		  &gen);
	wrap_pair("aes-kw-iv", mech_bytes(CKM_AES_KEY_WRAP, "\xa6\xa6\xa6\xa6"
					  "\xa6\xa6\xa6\xa6", 8),
		  &aes, &aes, &aes, &sec);
	wrap_pair("aes-kwp", mech(CKM_AES_KEY_WRAP_KWP, 0), &aes, &ec_priv,
		  &aes, &ec);
	wrap_pair("rsa-oaep", mech(CKM_RSA_PKCS_OAEP, 3, CKM_SHA256,
				   CKG_MGF1_SHA256, 0),
		  &rsa_pub, &aes, &rsa_priv, &sec);
}

static void attr_seeds(void)
{
	struct bytes none = { .n = 0 }, list = { .n = 0 };

	add_u32(&list, CKA_CLASS);
	add_u32(&list, CKA_VALUE_LEN);
	add_u32(&list, CKA_LABEL);
	SEED("attrs-all-aes", EP11_FN_GET_ATTRIBUTE_VALUE, false, &aes,
	     &none);
	SEED("attrs-list-aes", EP11_FN_GET_ATTRIBUTE_VALUE, false, &aes,
	     &list);
	list.n = 0;
	add_u32(&list, CKA_EC_POINT);
	add_u32(&list, CKA_EC_PARAMS);
	SEED("attrs-ec-pub-bound", EP11_FN_GET_ATTRIBUTE_VALUE, true, &ec_pub,
	     &list);
	list.n = 0;
	add_u32(&list, CKA_MODULUS);
	add_u32(&list, CKA_PUBLIC_EXPONENT);
	SEED("attrs-rsa-priv", EP11_FN_GET_ATTRIBUTE_VALUE, false, &rsa_priv,
	     &list);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

int main(int argc, char **argv)
{
	u32 rc;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-seeds DIR\n");
		return 2;
	}
	out_dir = argv[1];
	if (mkdir(out_dir, 0755) && errno != EEXIST) {
		perror(out_dir);
		return 1;
	}
	if (!mkdtemp(state_dir)) {
		perror(state_dir);
		return 1;
	}
	fw = fuzz_card_new(state_dir);
	if (!fw) {
		perror("fuzz-seeds: card");
		nftw(state_dir, rm_entry, 4, FTW_DEPTH | FTW_PHYS);
		return 1;
	}
	rc = fuzz_login(fw, pinblob);
	if (rc) {
		fprintf(stderr, "fuzz-seeds: login: rc 0x%x\n", rc);
		errors++;
	} else {
		session_seeds();
		key_seeds();
		sign_seeds();
		crypt_seeds();
		wrap_seeds();
		attr_seeds();
	}
	fw_free(fw);
	nftw(state_dir, rm_entry, 4, FTW_DEPTH | FTW_PHYS);
	printf("fuzz-seeds: %u seeds in %s%s\n", nseeds, out_dir,
	       errors ? ", with errors" : "");
	return errors ? 1 : 0;
}
