// SPDX-License-Identifier: GPL-2.0
/*
 * SignSingle and VerifySingle: HMAC-SHA-256 against RFC 4231, every
 * signature mechanism on every key type it takes (a round trip, a
 * changed message, a changed or shortened signature), signatures that
 * OpenSSL verifies with the SubjectPublicKeyInfo the card handed out,
 * and every failure code.  RSA-4096 is generated once.
 */
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "crypto-call.h"

static char *dir, *other_dir;
static struct fw *fw, *other;
static struct key_pair rsa2k, rsa4k, p256, p384, p521, ed;
static struct bytes hmac_key, aes_key;

/* CK_RSA_PKCS_PSS_PARAMS as the card reads them. */
static struct bytes *pss(u32 hash, u32 mgf, u32 slen)
{
	static struct bytes p;

	p.n = 0;
	bytes_u32(&p, hash);
	bytes_u32(&p, mgf);
	bytes_u32(&p, slen);
	return &p;
}

static u32 sign(u32 mechanism, const struct bytes *param,
		const struct bytes *key, const struct bytes *data,
		struct bytes *sig)
{
	u32 rc = CALL(fw, D0, EP11_FN_SIGN_SINGLE, NULL,
		      mech_param(mechanism, param), key, data);

	if (!rc)
		*sig = call_res[0];
	return rc;
}

static u32 verify(u32 mechanism, const struct bytes *param,
		  const struct bytes *key, const struct bytes *data,
		  const struct bytes *sig)
{
	return CALL(fw, D0, EP11_FN_VERIFY_SINGLE, NULL,
		    mech_param(mechanism, param), key, data, sig);
}

static void test_hmac_rfc4231(void)
{
	struct bytes key, sig, data;

	/* Test case 1. */
	ASSERT_TRUE(seal_secret(fw, D0, CKK_GENERIC_SECRET,
				"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
				NULL, &key));
	bytes_set(&data, "Hi There", 8);
	EXPECT_EQ(sign(CKM_SHA256_HMAC, NULL, &key, &data, &sig),
		  EP11_CKR_OK);
	EXPECT_HEX(&sig, "b0344c61d8db38535ca8afceaf0bf12b"
			 "881dc200c9833da726e9376c2e32cff7");
	EXPECT_EQ(verify(CKM_SHA256_HMAC, NULL, &key, &data, &sig),
		  EP11_CKR_OK);
	/* Test case 2: a key shorter than the hash. */
	ASSERT_TRUE(seal_secret(fw, D0, CKK_GENERIC_SECRET, "4a656665", NULL,
				&key));
	bytes_set(&data, "what do ya want for nothing?", 28);
	EXPECT_EQ(sign(CKM_SHA256_HMAC, NULL, &key, &data, &sig),
		  EP11_CKR_OK);
	EXPECT_HEX(&sig, "5bdcc146bf60754e6a042426089575c7"
			 "5a003f089d2739839dec58b964ec3843");
	EXPECT_EQ(sign(CKM_SHA512_HMAC, NULL, &key, &data, &sig),
		  EP11_CKR_OK);
	EXPECT_HEX(&sig, "164b7a7bfcf819e2e395fbe73b56e0a3"
			 "87bd64222e831fd610270cd7ea250554"
			 "9758bf75c05a994a6d034f65f8f0e6fd"
			 "caeab1a34d4a6b4b636e070a38bce737");
}

/**
 * struct sig_case - one signature mechanism on one key
 * @name:  for failures
 * @mech:  the mechanism
 * @pss:   its PSS parameter, or hash 0 for none
 * @kp:    asymmetric key pair, or NULL for the HMAC key
 * @raw:   the data is a hash of this many bytes (raw mechanisms), else 0
 */
struct sig_case {
	const char *name;
	u32 mech;
	u32 pss_hash, pss_mgf, pss_slen;
	struct key_pair *kp;
	size_t raw;
};

static const struct sig_case cases[] = {
	{ "RSA-PKCS raw", CKM_RSA_PKCS, 0, 0, 0, &rsa2k, 51 },
	{ "SHA224-RSA-PKCS", CKM_SHA224_RSA_PKCS, 0, 0, 0, &rsa2k, 0 },
	{ "SHA256-RSA-PKCS", CKM_SHA256_RSA_PKCS, 0, 0, 0, &rsa2k, 0 },
	{ "SHA384-RSA-PKCS", CKM_SHA384_RSA_PKCS, 0, 0, 0, &rsa2k, 0 },
	{ "SHA512-RSA-PKCS 4096", CKM_SHA512_RSA_PKCS, 0, 0, 0, &rsa4k, 0 },
	{ "RSA-PSS raw", CKM_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 32,
	  &rsa2k, 32 },
	{ "SHA224-RSA-PSS", CKM_SHA224_RSA_PKCS_PSS, CKM_SHA224,
	  CKG_MGF1_SHA224, 28, &rsa2k, 0 },
	{ "SHA256-RSA-PSS", CKM_SHA256_RSA_PKCS_PSS, CKM_SHA256,
	  CKG_MGF1_SHA256, 32, &rsa2k, 0 },
	{ "SHA384-RSA-PSS mgf1-sha1 salt 0", CKM_SHA384_RSA_PKCS_PSS,
	  CKM_SHA384, CKG_MGF1_SHA1, 0, &rsa2k, 0 },
	{ "SHA512-RSA-PSS 4096", CKM_SHA512_RSA_PKCS_PSS, CKM_SHA512,
	  CKG_MGF1_SHA512, 64, &rsa4k, 0 },
	{ "ECDSA raw P-256", CKM_ECDSA, 0, 0, 0, &p256, 32 },
	{ "ECDSA-SHA224 P-256", CKM_ECDSA_SHA224, 0, 0, 0, &p256, 0 },
	{ "ECDSA-SHA256 P-256", CKM_ECDSA_SHA256, 0, 0, 0, &p256, 0 },
	{ "ECDSA-SHA384 P-384", CKM_ECDSA_SHA384, 0, 0, 0, &p384, 0 },
	{ "ECDSA raw P-384", CKM_ECDSA, 0, 0, 0, &p384, 48 },
	{ "ECDSA-SHA512 P-521", CKM_ECDSA_SHA512, 0, 0, 0, &p521, 0 },
	{ "ECDSA raw P-521", CKM_ECDSA, 0, 0, 0, &p521, 64 },
	{ "EdDSA", CKM_EDDSA, 0, 0, 0, &ed, 0 },
	{ "SHA224-HMAC", CKM_SHA224_HMAC, 0, 0, 0, NULL, 0 },
	{ "SHA256-HMAC", CKM_SHA256_HMAC, 0, 0, 0, NULL, 0 },
	{ "SHA384-HMAC", CKM_SHA384_HMAC, 0, 0, 0, NULL, 0 },
	{ "SHA512-HMAC", CKM_SHA512_HMAC, 0, 0, 0, NULL, 0 },
};

static void round_trip(const struct sig_case *c)
{
	const struct bytes *priv = c->kp ? &c->kp->priv : &hmac_key;
	const struct bytes *pub = c->kp ? &c->kp->pub : &hmac_key;
	struct bytes param, data, sig;
	const struct bytes *pp = NULL;
	int failures = test_failures;

	if (c->pss_hash) {
		param = *pss(c->pss_hash, c->pss_mgf, c->pss_slen);
		pp = &param;
	}
	data.n = c->raw ? c->raw : 1000;
	memset(data.p, 0x5a, data.n);
	data.p[0] = c->mech;
	ASSERT_TRUE(sign(c->mech, pp, priv, &data, &sig) == EP11_CKR_OK);
	EXPECT_EQ(verify(c->mech, pp, pub, &data, &sig), EP11_CKR_OK);
	/* A changed message. */
	data.p[data.n - 1] ^= 1;
	EXPECT_EQ(verify(c->mech, pp, pub, &data, &sig),
		  EP11_CKR_SIGNATURE_INVALID);
	data.p[data.n - 1] ^= 1;
	/* A changed signature. */
	sig.p[sig.n / 2] ^= 0x10;
	EXPECT_EQ(verify(c->mech, pp, pub, &data, &sig),
		  EP11_CKR_SIGNATURE_INVALID);
	sig.p[sig.n / 2] ^= 0x10;
	/* A shortened one. */
	sig.n--;
	EXPECT_EQ(verify(c->mech, pp, pub, &data, &sig),
		  EP11_CKR_SIGNATURE_LEN_RANGE);
	if (test_failures != failures)
		fprintf(stderr, "in case %s\n", c->name);
}

static void test_sign_verify_every_mechanism(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		round_trip(&cases[i]);
}

/* OpenSSL verifies @sig over @data with the card's SPKI. */
static int openssl_verify(const struct key_pair *kp, const char *md,
			  int padding, const struct bytes *data,
			  const struct bytes *sig)
{
	EVP_PKEY *pkey = spki_pkey(&kp->spki);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx;
	int r = -1;

	if (pkey && ctx &&
	    EVP_DigestVerifyInit_ex(ctx, &pctx, md, NULL, NULL, pkey,
				    NULL) == 1 &&
	    (!padding || EVP_PKEY_CTX_set_rsa_padding(pctx, padding) == 1))
		r = EVP_DigestVerify(ctx, sig->p, sig->n, data->p, data->n);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return r;
}

static void test_signatures_verify_in_openssl(void)
{
	struct bytes data, sig, der;
	ECDSA_SIG *es;
	BIGNUM *r, *s;
	unsigned char *p;
	int len;

	bytes_set(&data, "signed by the card", 18);
	ASSERT_TRUE(sign(CKM_SHA256_RSA_PKCS, NULL, &rsa2k.priv, &data,
			 &sig) == EP11_CKR_OK);
	EXPECT_EQ(sig.n, 256);
	EXPECT_EQ(openssl_verify(&rsa2k, "SHA256", 0, &data, &sig), 1);
	ASSERT_TRUE(sign(CKM_SHA256_RSA_PKCS_PSS,
			 pss(CKM_SHA256, CKG_MGF1_SHA256, 32), &rsa2k.priv,
			 &data, &sig) == EP11_CKR_OK);
	EXPECT_EQ(openssl_verify(&rsa2k, "SHA256", RSA_PKCS1_PSS_PADDING,
				 &data, &sig), 1);
	ASSERT_TRUE(sign(CKM_EDDSA, NULL, &ed.priv, &data, &sig) ==
		    EP11_CKR_OK);
	EXPECT_EQ(sig.n, 64);
	EXPECT_EQ(openssl_verify(&ed, NULL, 0, &data, &sig), 1);

	/* ECDSA: r | s, 66 bytes each on P-521. */
	ASSERT_TRUE(sign(CKM_ECDSA_SHA512, NULL, &p521.priv, &data, &sig) ==
		    EP11_CKR_OK);
	ASSERT_TRUE(sig.n == 132);
	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig.p, 66, NULL);
	s = BN_bin2bn(sig.p + 66, 66, NULL);
	ASSERT_TRUE(es && r && s && ECDSA_SIG_set0(es, r, s));
	p = der.p;
	len = i2d_ECDSA_SIG(es, &p);
	ECDSA_SIG_free(es);
	ASSERT_TRUE(len > 0);
	der.n = len;
	EXPECT_EQ(openssl_verify(&p521, "SHA512", 0, &data, &der), 1);
}

static void test_deterministic_signatures(void)
{
	struct bytes data, s1, s2;

	bytes_set(&data, "same", 4);
	ASSERT_TRUE(sign(CKM_SHA256_RSA_PKCS, NULL, &rsa2k.priv, &data,
			 &s1) == EP11_CKR_OK);
	ASSERT_TRUE(sign(CKM_SHA256_RSA_PKCS, NULL, &rsa2k.priv, &data,
			 &s2) == EP11_CKR_OK);
	EXPECT_EQ(s1.n, s2.n);
	EXPECT_MEM(s1.p, s2.p, s1.n);
	/* PSS is randomised. */
	ASSERT_TRUE(sign(CKM_SHA256_RSA_PKCS_PSS,
			 pss(CKM_SHA256, CKG_MGF1_SHA256, 32), &rsa2k.priv,
			 &data, &s1) == EP11_CKR_OK);
	ASSERT_TRUE(sign(CKM_SHA256_RSA_PKCS_PSS,
			 pss(CKM_SHA256, CKG_MGF1_SHA256, 32), &rsa2k.priv,
			 &data, &s2) == EP11_CKR_OK);
	EXPECT_TRUE(memcmp(s1.p, s2.p, s1.n));
}

static void test_key_function_not_permitted(void)
{
	struct bytes t = { .n = 0 }, data, sig, key;
	struct key_pair kp;

	bytes_set(&data, "abc", 3);
	tmpl_bool(&t, CKA_SIGN, false);
	ASSERT_TRUE(gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P256_PARAMS,
			     NULL, &t, NULL, &kp) == EP11_CKR_OK);
	EXPECT_EQ(sign(CKM_ECDSA_SHA256, NULL, &kp.priv, &data, &sig),
		  EP11_CKR_KEY_FUNCTION_NOT_PERMITTED);
	t.n = 0;
	tmpl_bool(&t, CKA_VERIFY, false);
	ASSERT_TRUE(gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P256_PARAMS, &t,
			     NULL, NULL, &kp) == EP11_CKR_OK);
	ASSERT_TRUE(sign(CKM_ECDSA_SHA256, NULL, &kp.priv, &data, &sig) ==
		    EP11_CKR_OK);
	EXPECT_EQ(verify(CKM_ECDSA_SHA256, NULL, &kp.pub, &data, &sig),
		  EP11_CKR_KEY_FUNCTION_NOT_PERMITTED);
	t.n = 0;
	tmpl_bool(&t, CKA_SIGN, false);
	ASSERT_TRUE(seal_secret(fw, D0, CKK_GENERIC_SECRET, "00112233", &t,
				&key));
	EXPECT_EQ(sign(CKM_SHA256_HMAC, NULL, &key, &data, &sig),
		  EP11_CKR_KEY_FUNCTION_NOT_PERMITTED);
}

static void test_key_type_inconsistent(void)
{
	struct bytes data, sig;

	bytes_set(&data, "abc", 3);
	/* Signing with a public key, verifying with a private one. */
	EXPECT_EQ(sign(CKM_SHA256_RSA_PKCS, NULL, &rsa2k.pub, &data, &sig),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
	ASSERT_TRUE(sign(CKM_SHA256_RSA_PKCS, NULL, &rsa2k.priv, &data,
			 &sig) == EP11_CKR_OK);
	EXPECT_EQ(verify(CKM_SHA256_RSA_PKCS, NULL, &rsa2k.priv, &data, &sig),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
	/* Keys of another algorithm. */
	EXPECT_EQ(sign(CKM_ECDSA_SHA256, NULL, &rsa2k.priv, &data, &sig),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
	EXPECT_EQ(sign(CKM_SHA256_RSA_PKCS, NULL, &p256.priv, &data, &sig),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
	EXPECT_EQ(sign(CKM_EDDSA, NULL, &p256.priv, &data, &sig),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
	EXPECT_EQ(sign(CKM_ECDSA, NULL, &ed.priv, &data, &sig),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
	EXPECT_EQ(sign(CKM_SHA256_HMAC, NULL, &aes_key, &data, &sig),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
	EXPECT_EQ(sign(CKM_SHA256_HMAC, NULL, &p256.priv, &data, &sig),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
}

static void test_mechanism_and_parameter_errors(void)
{
	struct bytes data, sig, shortp = { .n = 0 };

	bytes_set(&data, "abc", 3);
	EXPECT_EQ(sign(0x80000001, NULL, &rsa2k.priv, &data, &sig),
		  EP11_CKR_MECHANISM_INVALID);
	EXPECT_EQ(sign(CKM_AES_ECB, NULL, &aes_key, &data, &sig),
		  EP11_CKR_MECHANISM_INVALID);
	EXPECT_EQ(sign(CKM_SHA256, NULL, &hmac_key, &data, &sig),
		  EP11_CKR_MECHANISM_INVALID);
	EXPECT_EQ(sign(CKM_SHA256_RSA_PKCS, &data, &rsa2k.priv, &data, &sig),
		  EP11_CKR_MECHANISM_PARAM_INVALID);
	EXPECT_EQ(sign(CKM_SHA256_RSA_PKCS_PSS, NULL, &rsa2k.priv, &data,
		       &sig), EP11_CKR_MECHANISM_PARAM_INVALID);
	bytes_u32(&shortp, CKM_SHA256);
	bytes_u32(&shortp, CKG_MGF1_SHA256);
	EXPECT_EQ(sign(CKM_SHA256_RSA_PKCS_PSS, &shortp, &rsa2k.priv, &data,
		       &sig), EP11_CKR_MECHANISM_PARAM_INVALID);
	/* The parameter's hash must be the mechanism's. */
	EXPECT_EQ(sign(CKM_SHA256_RSA_PKCS_PSS,
		       pss(CKM_SHA384, CKG_MGF1_SHA256, 32), &rsa2k.priv,
		       &data, &sig), EP11_CKR_MECHANISM_PARAM_INVALID);
	EXPECT_EQ(sign(CKM_SHA256_RSA_PKCS_PSS, pss(CKM_SHA256, 9, 32),
		       &rsa2k.priv, &data, &sig),
		  EP11_CKR_MECHANISM_PARAM_INVALID);
	EXPECT_EQ(sign(CKM_RSA_PKCS_PSS, pss(CKM_AES_ECB, CKG_MGF1_SHA256, 32),
		       &rsa2k.priv, &data, &sig),
		  EP11_CKR_MECHANISM_PARAM_INVALID);
	/* Salt longer than the modulus allows: 256 - 32 - 2 = 222 fits. */
	EXPECT_EQ(sign(CKM_SHA256_RSA_PKCS_PSS,
		       pss(CKM_SHA256, CKG_MGF1_SHA256, 223), &rsa2k.priv,
		       &data, &sig), EP11_CKR_MECHANISM_PARAM_INVALID);
	EXPECT_EQ(sign(CKM_SHA256_RSA_PKCS_PSS,
		       pss(CKM_SHA256, CKG_MGF1_SHA256, 0xffffffff),
		       &rsa2k.priv, &data, &sig),
		  EP11_CKR_MECHANISM_PARAM_INVALID);
	EXPECT_EQ(sign(CKM_SHA256_RSA_PKCS_PSS,
		       pss(CKM_SHA256, CKG_MGF1_SHA256, 222), &rsa2k.priv,
		       &data, &sig), EP11_CKR_OK);
	/* Raw PSS signs a hash of the parameter's length only. */
	EXPECT_EQ(sign(CKM_RSA_PKCS_PSS, pss(CKM_SHA256, CKG_MGF1_SHA256, 32),
		       &rsa2k.priv, &data, &sig), EP11_CKR_DATA_LEN_RANGE);
	/* Raw PKCS#1 v1.5 signs at most k - 11 bytes. */
	data.n = 246;
	memset(data.p, 1, data.n);
	EXPECT_EQ(sign(CKM_RSA_PKCS, NULL, &rsa2k.priv, &data, &sig),
		  EP11_CKR_DATA_LEN_RANGE);
	data.n = 245;
	EXPECT_EQ(sign(CKM_RSA_PKCS, NULL, &rsa2k.priv, &data, &sig),
		  EP11_CKR_OK);
}

static void test_blob_errors(void)
{
	u8 pinblob[EP11_PINBLOB_LEN];
	struct bytes data, sig, key;
	struct key_pair kp;

	bytes_set(&data, "abc", 3);
	EXPECT_EQ(CALL(other, D0, EP11_FN_SIGN_SINGLE, NULL,
		       mech(CKM_ECDSA_SHA256, NULL, 0), &p256.priv, &data),
		  EP11_CKR_IBM_WKID_MISMATCH);
	key = p256.priv;
	key.p[key.n - 1] ^= 1;
	EXPECT_EQ(sign(CKM_ECDSA_SHA256, NULL, &key, &data, &sig),
		  EP11_CKR_IBM_BLOB_ERROR);
	ASSERT_TRUE(login_nonce(fw, D0, "sign", pinblob) == EP11_CKR_OK);
	ASSERT_TRUE(gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P256_PARAMS,
			     NULL, NULL, pinblob, &kp) == EP11_CKR_OK);
	EXPECT_EQ(sign(CKM_ECDSA_SHA256, NULL, &kp.priv, &data, &sig),
		  EP11_CKR_OK);
	EXPECT_EQ(fw_session_logout(fw, D0, pinblob), EP11_CKR_OK);
	EXPECT_EQ(sign(CKM_ECDSA_SHA256, NULL, &kp.priv, &data, &sig),
		  EP11_CKR_SESSION_CLOSED);
}

static int setup(void)
{
	struct bytes t = { .n = 0 };

	return gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, NULL, NULL,
			NULL, NULL, &rsa2k) ||
	       gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 4096, NULL, NULL,
			NULL, NULL, &rsa4k) ||
	       gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P256_PARAMS, NULL,
			NULL, NULL, &p256) ||
	       gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P384_PARAMS, NULL,
			NULL, NULL, &p384) ||
	       gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P521_PARAMS, NULL,
			NULL, NULL, &p521) ||
	       gen_pair(fw, D0, CKM_EC_EDWARDS_KEY_PAIR_GEN, 0,
			ED25519_PARAMS, NULL, NULL, NULL, &ed) ||
	       gen_secret(fw, D0, CKM_GENERIC_SECRET_KEY_GEN, 32, &t, NULL,
			  &hmac_key) ||
	       gen_secret(fw, D0, CKM_AES_KEY_GEN, 32, NULL, NULL, &aes_key);
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_hmac_rfc4231),
		TEST(test_sign_verify_every_mechanism),
		TEST(test_signatures_verify_in_openssl),
		TEST(test_deterministic_signatures),
		TEST(test_key_function_not_permitted),
		TEST(test_key_type_inconsistent),
		TEST(test_mechanism_and_parameter_errors),
		TEST(test_blob_errors),
	};
	int r;

	dir = test_mkdir();
	other_dir = test_mkdir();
	fw = card_new(dir, 0x0b, 8);
	other = card_new(other_dir, 0x0c, 8);
	if (!fw || !other || setup()) {
		fprintf(stderr, "cannot set up the card and its keys\n");
		return 1;
	}
	r = test_run(tests, ARRAY_SIZE(tests));
	fw_free(fw);
	fw_free(other);
	test_rmdir(dir);
	test_rmdir(other_dir);
	return r;
}
