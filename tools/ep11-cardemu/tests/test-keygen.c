// SPDX-License-Identifier: GPL-2.0
/*
 * GenerateKey, GenerateKeyPair and GetAttributeValue: key sizes, curves,
 * templates, the public key the card hands out, what GetAttributeValue
 * keeps secret, and the blob errors: session binding, another wrapping
 * key, tampering.
 */
#include <openssl/core_names.h>

#include "crypto-call.h"

static char *dir, *other_dir;
static struct fw *fw, *other;

static void test_generate_aes_and_generic(void)
{
	static const u32 aes_len[] = { 16, 24, 32 };
	struct bytes blob, v;
	size_t i;

	for (i = 0; i < 3; i++) {
		EXPECT_EQ(gen_secret(fw, D0, CKM_AES_KEY_GEN, aes_len[i], NULL,
				     NULL, &blob), EP11_CKR_OK);
		EXPECT_EQ(get_attr(fw, D0, &blob, CKA_VALUE_LEN, &v),
			  EP11_CKR_OK);
		EXPECT_EQ(v.n, 4);
		EXPECT_EQ(v.p[3], aes_len[i]);
		EXPECT_EQ(get_attr(fw, D0, &blob, CKA_KEY_TYPE, &v),
			  EP11_CKR_OK);
		EXPECT_EQ(v.p[3], CKK_AES);
		/* The card generated it: local, always sensitive. */
		EXPECT_EQ(get_attr(fw, D0, &blob, CKA_LOCAL, &v), EP11_CKR_OK);
		EXPECT_EQ(v.p[0], 1);
		EXPECT_EQ(get_attr(fw, D0, &blob, CKA_ALWAYS_SENSITIVE, &v),
			  EP11_CKR_OK);
		EXPECT_EQ(v.p[0], 1);
	}
	EXPECT_EQ(gen_secret(fw, D0, CKM_GENERIC_SECRET_KEY_GEN, 20, NULL,
			     NULL, &blob), EP11_CKR_OK);
	EXPECT_EQ(get_attr(fw, D0, &blob, CKA_KEY_TYPE, &v), EP11_CKR_OK);
	EXPECT_EQ(v.p[3], CKK_GENERIC_SECRET);
	EXPECT_EQ(get_attr(fw, D0, &blob, CKA_KEY_GEN_MECHANISM, &v),
		  EP11_CKR_OK);
	EXPECT_EQ(v.p[2] << 8 | v.p[3], CKM_GENERIC_SECRET_KEY_GEN);
}

static void test_generate_key_errors(void)
{
	struct bytes blob, t = { .n = 0 };
	u8 two = 2;

	EXPECT_EQ(gen_secret(fw, D0, CKM_AES_KEY_GEN, 17, NULL, NULL, &blob),
		  EP11_CKR_KEY_SIZE_RANGE);
	EXPECT_EQ(gen_secret(fw, D0, CKM_GENERIC_SECRET_KEY_GEN, 513, NULL,
			     NULL, &blob), EP11_CKR_KEY_SIZE_RANGE);
	EXPECT_EQ(gen_secret(fw, D0, CKM_AES_ECB, 16, NULL, NULL, &blob),
		  EP11_CKR_MECHANISM_INVALID);
	/* No CKA_VALUE_LEN. */
	EXPECT_EQ(CALL(fw, D0, EP11_FN_GENERATE_KEY, NULL,
		       mech(CKM_AES_KEY_GEN, NULL, 0), &no_bytes),
		  EP11_CKR_TEMPLATE_INCOMPLETE);
	/* A value only the card sets. */
	tmpl_bytes(&t, CKA_VALUE, "0123456789abcdef", 16);
	EXPECT_EQ(gen_secret(fw, D0, CKM_AES_KEY_GEN, 16, &t, NULL, &blob),
		  EP11_CKR_ATTRIBUTE_READ_ONLY);
	/* An attribute the card does not know. */
	t.n = 0;
	tmpl_bool(&t, 0x80001234, true);
	EXPECT_EQ(gen_secret(fw, D0, CKM_AES_KEY_GEN, 16, &t, NULL, &blob),
		  EP11_CKR_ATTRIBUTE_TYPE_INVALID);
	/* A CK_BBOOL that is neither 0 nor 1. */
	t.n = 0;
	tmpl_bytes(&t, CKA_ENCRYPT, &two, 1);
	EXPECT_EQ(gen_secret(fw, D0, CKM_AES_KEY_GEN, 16, &t, NULL, &blob),
		  EP11_CKR_ATTRIBUTE_VALUE_INVALID);
	/* A key type the mechanism does not make. */
	t.n = 0;
	tmpl_ulong(&t, CKA_KEY_TYPE, CKK_GENERIC_SECRET);
	EXPECT_EQ(gen_secret(fw, D0, CKM_AES_KEY_GEN, 16, &t, NULL, &blob),
		  EP11_CKR_TEMPLATE_INCONSISTENT);
	/* A truncated template. */
	t.n = 0;
	tmpl_ulong(&t, CKA_LABEL, 5);
	t.n -= 2;
	EXPECT_EQ(gen_secret(fw, D0, CKM_AES_KEY_GEN, 16, &t, NULL, &blob),
		  EP11_CKR_TEMPLATE_INCONSISTENT);
}

/* The SPKI parses, is the key type asked for, and matches the blob. */
static void check_pair(const struct key_pair *kp, const char *type,
		       int bits)
{
	EVP_PKEY *pkey = spki_pkey(&kp->spki);
	struct bytes v;

	ASSERT_TRUE(pkey);
	EXPECT_TRUE(EVP_PKEY_is_a(pkey, type));
	EXPECT_EQ(EVP_PKEY_get_bits(pkey), bits);
	EVP_PKEY_free(pkey);
	EXPECT_EQ(get_attr(fw, D0, &kp->pub, CKA_PUBLIC_KEY_INFO, &v),
		  EP11_CKR_OK);
	EXPECT_EQ(v.n, kp->spki.n);
	EXPECT_MEM(v.p, kp->spki.p, kp->spki.n);
	EXPECT_EQ(get_attr(fw, D0, &kp->priv, CKA_CLASS, &v), EP11_CKR_OK);
	EXPECT_EQ(v.p[3], CKO_PRIVATE_KEY);
	EXPECT_EQ(get_attr(fw, D0, &kp->pub, CKA_CLASS, &v), EP11_CKR_OK);
	EXPECT_EQ(v.p[3], CKO_PUBLIC_KEY);
}

static void test_generate_rsa(void)
{
	struct bytes pub = { .n = 0 }, v;
	struct key_pair kp;
	EVP_PKEY *pkey;
	BIGNUM *e = NULL;

	tmpl_bytes(&pub, CKA_PUBLIC_EXPONENT, "\x01\x00\x01", 3);
	ASSERT_TRUE(gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, NULL,
			     &pub, NULL, NULL, &kp) == EP11_CKR_OK);
	check_pair(&kp, "RSA", 2048);
	EXPECT_EQ(get_attr(fw, D0, &kp.pub, CKA_MODULUS, &v), EP11_CKR_OK);
	EXPECT_EQ(v.n, 256);
	EXPECT_EQ(get_attr(fw, D0, &kp.priv, CKA_MODULUS_BITS, &v),
		  EP11_CKR_OK);
	EXPECT_EQ(v.p[2] << 8 | v.p[3], 2048);

	/* Another public exponent, 3 bytes long: 0x010001 + 2. */
	pub.n = 0;
	tmpl_bytes(&pub, CKA_PUBLIC_EXPONENT, "\x01\x00\x03", 3);
	ASSERT_TRUE(gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 3072, NULL,
			     &pub, NULL, NULL, &kp) == EP11_CKR_OK);
	check_pair(&kp, "RSA", 3072);
	pkey = spki_pkey(&kp.spki);
	ASSERT_TRUE(pkey);
	EXPECT_TRUE(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e));
	EXPECT_EQ(BN_get_word(e), 0x010003);
	BN_free(e);
	EVP_PKEY_free(pkey);
}

static void test_generate_rsa_errors(void)
{
	struct bytes pub = { .n = 0 };
	struct key_pair kp;

	EXPECT_EQ(gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 1024, NULL,
			   NULL, NULL, NULL, &kp), EP11_CKR_KEY_SIZE_RANGE);
	EXPECT_EQ(gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 8192, NULL,
			   NULL, NULL, NULL, &kp), EP11_CKR_KEY_SIZE_RANGE);
	EXPECT_EQ(gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 0, NULL, NULL,
			   NULL, NULL, &kp), EP11_CKR_TEMPLATE_INCOMPLETE);
	tmpl_bytes(&pub, CKA_PUBLIC_EXPONENT, "\x01\x00\x00", 3);
	EXPECT_EQ(gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, NULL,
			   &pub, NULL, NULL, &kp),
		  EP11_CKR_ATTRIBUTE_VALUE_INVALID);
	/* CKA_SIGN belongs to the private key, CKA_VERIFY to the public. */
	pub.n = 0;
	tmpl_bool(&pub, CKA_SIGN, true);
	EXPECT_EQ(gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, NULL,
			   &pub, NULL, NULL, &kp),
		  EP11_CKR_ATTRIBUTE_TYPE_INVALID);
	EXPECT_EQ(gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, NULL,
			   NULL, &pub, NULL, &kp), EP11_CKR_OK);
}

static void test_generate_ec(void)
{
	static const struct {
		const char *params;
		int bits;
	} curves[] = {
		{ P256_PARAMS, 256 }, { P384_PARAMS, 384 },
		{ P521_PARAMS, 521 },
	};
	struct key_pair kp;
	struct bytes v;
	size_t i;

	for (i = 0; i < 3; i++) {
		ASSERT_TRUE(gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0,
				     curves[i].params, NULL, NULL, NULL,
				     &kp) == EP11_CKR_OK);
		check_pair(&kp, "EC", curves[i].bits);
		EXPECT_EQ(get_attr(fw, D0, &kp.pub, CKA_EC_PARAMS, &v),
			  EP11_CKR_OK);
		EXPECT_HEX(&v, curves[i].params);
		/* DER OCTET STRING of the uncompressed point. */
		EXPECT_EQ(get_attr(fw, D0, &kp.pub, CKA_EC_POINT, &v),
			  EP11_CKR_OK);
		EXPECT_EQ(v.p[0], 0x04);
		EXPECT_EQ(v.p[v.n - 2 * ((curves[i].bits + 7) / 8) - 1], 0x04);
	}
	ASSERT_TRUE(gen_pair(fw, D0, CKM_EC_EDWARDS_KEY_PAIR_GEN, 0,
			     ED25519_PARAMS, NULL, NULL, NULL, &kp) ==
		    EP11_CKR_OK);
	check_pair(&kp, "ED25519", 256);
	EXPECT_EQ(get_attr(fw, D0, &kp.pub, CKA_EC_POINT, &v), EP11_CKR_OK);
	EXPECT_EQ(v.n, 34);
	/* PKCS#11 3.0 also names the curve by a PrintableString. */
	EXPECT_EQ(gen_pair(fw, D0, CKM_EC_EDWARDS_KEY_PAIR_GEN, 0,
			   "130c656477617264733235353139", NULL, NULL, NULL,
			   &kp), EP11_CKR_OK);
}

static void test_generate_ec_errors(void)
{
	struct key_pair kp;

	/* secp256k1 */
	EXPECT_EQ(gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, "06052b8104000a",
			   NULL, NULL, NULL, &kp),
		  EP11_CKR_CURVE_NOT_SUPPORTED);
	EXPECT_EQ(gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, ED25519_PARAMS,
			   NULL, NULL, NULL, &kp),
		  EP11_CKR_CURVE_NOT_SUPPORTED);
	EXPECT_EQ(gen_pair(fw, D0, CKM_EC_EDWARDS_KEY_PAIR_GEN, 0,
			   P256_PARAMS, NULL, NULL, NULL, &kp),
		  EP11_CKR_CURVE_NOT_SUPPORTED);
	EXPECT_EQ(gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, NULL, NULL, NULL,
			   NULL, &kp), EP11_CKR_TEMPLATE_INCOMPLETE);
	EXPECT_EQ(gen_pair(fw, D0, CKM_AES_KEY_GEN, 0, P256_PARAMS, NULL,
			   NULL, NULL, &kp), EP11_CKR_MECHANISM_INVALID);
}

static void test_attribute_value_secrecy(void)
{
	struct bytes t = { .n = 0 }, blob, v, list = { .n = 0 };
	struct fw_attrs as = { 0 };
	struct key_pair kp;

	/* Sensitive by default. */
	ASSERT_TRUE(gen_secret(fw, D0, CKM_AES_KEY_GEN, 32, NULL, NULL,
			       &blob) == EP11_CKR_OK);
	EXPECT_EQ(get_attr(fw, D0, &blob, CKA_VALUE, &v),
		  EP11_CKR_ATTRIBUTE_SENSITIVE);
	/* Everything else, all at once: no CKA_VALUE among it. */
	EXPECT_EQ(CALL(fw, D0, EP11_FN_GET_ATTRIBUTE_VALUE, NULL, &blob,
		       &no_bytes), EP11_CKR_OK);
	ASSERT_TRUE(fw_attrs_parse(&as, call_res[0].p, call_res[0].n) ==
		    EP11_CKR_OK);
	EXPECT_TRUE(fw_attrs_find(&as, CKA_SENSITIVE));
	EXPECT_TRUE(fw_attrs_find(&as, CKA_ENCRYPT));
	EXPECT_TRUE(!fw_attrs_find(&as, CKA_VALUE));
	fw_attrs_free(&as);
	/* Not sensitive but not extractable: still secret. */
	tmpl_bool(&t, CKA_SENSITIVE, false);
	tmpl_bool(&t, CKA_EXTRACTABLE, false);
	ASSERT_TRUE(gen_secret(fw, D0, CKM_AES_KEY_GEN, 16, &t, NULL,
			       &blob) == EP11_CKR_OK);
	EXPECT_EQ(get_attr(fw, D0, &blob, CKA_VALUE, &v),
		  EP11_CKR_ATTRIBUTE_SENSITIVE);
	EXPECT_EQ(get_attr(fw, D0, &blob, CKA_NEVER_EXTRACTABLE, &v),
		  EP11_CKR_OK);
	EXPECT_EQ(v.p[0], 1);
	/* Neither: the value comes out, and it is the key. */
	t.n = 0;
	tmpl_bool(&t, CKA_SENSITIVE, false);
	ASSERT_TRUE(gen_secret(fw, D0, CKM_AES_KEY_GEN, 16, &t, NULL,
			       &blob) == EP11_CKR_OK);
	EXPECT_EQ(get_attr(fw, D0, &blob, CKA_VALUE, &v), EP11_CKR_OK);
	EXPECT_EQ(v.n, 16);
	/* A type the key does not have; a list that is not whole u32s. */
	EXPECT_EQ(get_attr(fw, D0, &blob, CKA_MODULUS, &v),
		  EP11_CKR_ATTRIBUTE_TYPE_INVALID);
	bytes_add(&list, "\0\0\1", 3);
	EXPECT_EQ(CALL(fw, D0, EP11_FN_GET_ATTRIBUTE_VALUE, NULL, &blob,
		       &list), EP11_CKR_ARGUMENTS_BAD);

	/* Private key parts follow the same rule. */
	ASSERT_TRUE(gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, NULL,
			     NULL, NULL, NULL, &kp) == EP11_CKR_OK);
	EXPECT_EQ(get_attr(fw, D0, &kp.priv, CKA_PRIVATE_EXPONENT, &v),
		  EP11_CKR_ATTRIBUTE_SENSITIVE);
	EXPECT_EQ(get_attr(fw, D0, &kp.priv, CKA_PUBLIC_EXPONENT, &v),
		  EP11_CKR_OK);
	EXPECT_HEX(&v, "010001");
	ASSERT_TRUE(gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P256_PARAMS,
			     NULL, &t, NULL, &kp) == EP11_CKR_OK);
	EXPECT_EQ(get_attr(fw, D0, &kp.priv, CKA_VALUE, &v), EP11_CKR_OK);
	EXPECT_TRUE(v.n > 0 && v.n <= 32);
}

static void test_session_binding(void)
{
	u8 pinblob[EP11_PINBLOB_LEN], zero[EP11_SESSION_ID_LEN] = { 0 };
	struct bytes blob, unbound, v;
	struct key_pair kp;

	ASSERT_TRUE(gen_secret(fw, D1, CKM_AES_KEY_GEN, 16, NULL, NULL,
			       &unbound) == EP11_CKR_OK);
	EXPECT_MEM(unbound.p, zero, EP11_SESSION_ID_LEN);
	ASSERT_TRUE(login_nonce(fw, D1, "bind", pinblob) == EP11_CKR_OK);
	ASSERT_TRUE(gen_secret(fw, D1, CKM_AES_KEY_GEN, 16, NULL, pinblob,
			       &blob) == EP11_CKR_OK);
	EXPECT_MEM(blob.p, pinblob, EP11_SESSION_ID_LEN);
	ASSERT_TRUE(gen_pair(fw, D1, CKM_EC_KEY_PAIR_GEN, 0, P256_PARAMS,
			     NULL, NULL, pinblob, &kp) == EP11_CKR_OK);
	EXPECT_MEM(kp.priv.p, pinblob, EP11_SESSION_ID_LEN);
	EXPECT_MEM(kp.pub.p, pinblob, EP11_SESSION_ID_LEN);
	/* Usable with or without the pin blob while the session lives. */
	EXPECT_EQ(get_attr(fw, D1, &blob, CKA_CLASS, &v), EP11_CKR_OK);
	EXPECT_EQ(fw_session_logout(fw, D1, pinblob), EP11_CKR_OK);
	EXPECT_EQ(get_attr(fw, D1, &blob, CKA_CLASS, &v),
		  EP11_CKR_SESSION_CLOSED);
	EXPECT_EQ(get_attr(fw, D1, &kp.priv, CKA_CLASS, &v),
		  EP11_CKR_SESSION_CLOSED);
	EXPECT_EQ(get_attr(fw, D1, &unbound, CKA_CLASS, &v), EP11_CKR_OK);
	/* Logging in again with the same PIN and nonce revives the keys. */
	ASSERT_TRUE(login_nonce(fw, D1, "bind", pinblob) == EP11_CKR_OK);
	EXPECT_EQ(get_attr(fw, D1, &blob, CKA_CLASS, &v), EP11_CKR_OK);
	EXPECT_EQ(fw_session_logout(fw, D1, pinblob), EP11_CKR_OK);
}

static void test_foreign_and_tampered_blobs(void)
{
	struct bytes blob, v;
	size_t i;

	ASSERT_TRUE(gen_secret(fw, D0, CKM_AES_KEY_GEN, 16, NULL, NULL,
			       &blob) == EP11_CKR_OK);
	/* Another card with another master key. */
	EXPECT_EQ(get_attr(other, D0, &blob, CKA_CLASS, &v),
		  EP11_CKR_IBM_WKID_MISMATCH);
	/* The same card's other domain has another wrapping key too. */
	EXPECT_EQ(get_attr(fw, D1, &blob, CKA_CLASS, &v),
		  EP11_CKR_IBM_WKID_MISMATCH);
	/* Any changed byte after the WKID, and a truncation. */
	for (i = EP11_SESSION_ID_LEN + EP11_WKID_LEN; i < blob.n; i += 7) {
		blob.p[i] ^= 0x40;
		EXPECT_EQ(get_attr(fw, D0, &blob, CKA_CLASS, &v),
			  EP11_CKR_IBM_BLOB_ERROR);
		blob.p[i] ^= 0x40;
	}
	blob.n--;
	EXPECT_EQ(get_attr(fw, D0, &blob, CKA_CLASS, &v),
		  EP11_CKR_IBM_BLOB_ERROR);
	blob.n++;
	/* The session id is authenticated: no moving a key to another. */
	blob.p[0] ^= 1;
	EXPECT_EQ(get_attr(fw, D0, &blob, CKA_CLASS, &v),
		  EP11_CKR_IBM_BLOB_ERROR);
	blob.p[0] ^= 1;
	EXPECT_EQ(get_attr(fw, D0, &blob, CKA_CLASS, &v), EP11_CKR_OK);
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_generate_aes_and_generic),
		TEST(test_generate_key_errors),
		TEST(test_generate_rsa),
		TEST(test_generate_rsa_errors),
		TEST(test_generate_ec),
		TEST(test_generate_ec_errors),
		TEST(test_attribute_value_secrecy),
		TEST(test_session_binding),
		TEST(test_foreign_and_tampered_blobs),
	};
	int r;

	dir = test_mkdir();
	other_dir = test_mkdir();
	fw = card_new(dir, 0x0b, 8);
	other = card_new(other_dir, 0x0c, 8);
	if (!fw || !other)
		return 1;
	r = test_run(tests, ARRAY_SIZE(tests));
	fw_free(fw);
	fw_free(other);
	test_rmdir(dir);
	test_rmdir(other_dir);
	return r;
}
