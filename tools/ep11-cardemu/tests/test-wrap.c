// SPDX-License-Identifier: GPL-2.0
/*
 * WrapKey and UnwrapKey: AES key wrap against RFC 3394 and RFC 5649,
 * private keys wrapped, unwrapped and put to work, RSA-OAEP wrapping,
 * and every failure code.
 */
#include "crypto-call.h"

static char *dir, *other_dir;
static struct fw *fw, *other;
static struct bytes kek;
static struct key_pair rsa;

static u32 wrap(struct fw *card, u32 mechanism, const struct bytes *param,
		const struct bytes *wrapping, const struct bytes *key,
		struct bytes *out)
{
	u32 rc = CALL(card, D0, EP11_FN_WRAP_KEY, NULL,
		      mech_param(mechanism, param), wrapping, key);

	if (!rc)
		*out = call_res[0];
	return rc;
}

static u32 unwrap(u32 mechanism, const struct bytes *param,
		  const struct bytes *unwrapping, const struct bytes *in,
		  const struct bytes *tmpl, const u8 *pinblob,
		  struct bytes *blob)
{
	u32 rc = CALL(fw, D0, EP11_FN_UNWRAP_KEY, pinblob,
		      mech_param(mechanism, param), unwrapping, in, tmpl);

	if (!rc)
		*blob = call_res[0];
	return rc;
}

/* An unwrap template: class, key type, readable value. */
static struct bytes *kind(u32 cls, u32 key_type)
{
	static struct bytes t;

	t.n = 0;
	tmpl_ulong(&t, CKA_CLASS, cls);
	tmpl_ulong(&t, CKA_KEY_TYPE, key_type);
	if (cls == CKO_SECRET_KEY)
		tmpl_bool(&t, CKA_SENSITIVE, false);
	return &t;
}

static void check_value(const struct bytes *blob, const char *hex)
{
	struct bytes v = { .n = 0 };

	EXPECT_EQ(get_attr(fw, D0, blob, CKA_VALUE, &v), EP11_CKR_OK);
	EXPECT_HEX(&v, hex);
}

static void test_aes_key_wrap_rfc3394(void)
{
	struct bytes k, key, out, blob, v;

	/* 4.1: 128 bits of key data with a 128-bit KEK. */
	ASSERT_TRUE(seal_secret(fw, D0, CKK_AES,
				"000102030405060708090a0b0c0d0e0f", NULL, &k));
	ASSERT_TRUE(seal_secret(fw, D0, CKK_AES,
				"00112233445566778899aabbccddeeff", NULL,
				&key));
	ASSERT_TRUE(wrap(fw, CKM_AES_KEY_WRAP, NULL, &k, &key, &out) ==
		    EP11_CKR_OK);
	EXPECT_HEX(&out, "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
	/* The RFC's default IV given explicitly. */
	ASSERT_TRUE(wrap(fw, CKM_AES_KEY_WRAP, hex_param("a6a6a6a6a6a6a6a6"),
			 &k, &key, &out) == EP11_CKR_OK);
	EXPECT_HEX(&out, "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
	ASSERT_TRUE(unwrap(CKM_AES_KEY_WRAP, NULL, &k, &out,
			   kind(CKO_SECRET_KEY, CKK_AES), NULL, &blob) ==
		    EP11_CKR_OK);
	check_value(&blob, "00112233445566778899aabbccddeeff");
	/* Unwrapped, not generated here. */
	EXPECT_EQ(get_attr(fw, D0, &blob, CKA_LOCAL, &v), EP11_CKR_OK);
	EXPECT_EQ(v.p[0], 0);
	EXPECT_EQ(get_attr(fw, D0, &blob, CKA_KEY_GEN_MECHANISM, &v),
		  EP11_CKR_OK);
	EXPECT_HEX(&v, "ffffffff");
	/* Any changed byte fails the integrity check. */
	out.p[5] ^= 1;
	EXPECT_EQ(unwrap(CKM_AES_KEY_WRAP, NULL, &k, &out,
			 kind(CKO_SECRET_KEY, CKK_AES), NULL, &blob),
		  EP11_CKR_WRAPPED_KEY_INVALID);
	out.p[5] ^= 1;
	/* So does another IV. */
	EXPECT_EQ(unwrap(CKM_AES_KEY_WRAP, hex_param("a6a6a6a6a6a6a6a7"), &k,
			 &out, kind(CKO_SECRET_KEY, CKK_AES), NULL, &blob),
		  EP11_CKR_WRAPPED_KEY_INVALID);

	/* 4.6: 256 bits of key data with a 256-bit KEK. */
	ASSERT_TRUE(seal_secret(fw, D0, CKK_AES,
				"000102030405060708090a0b0c0d0e0f"
				"101112131415161718191a1b1c1d1e1f", NULL, &k));
	ASSERT_TRUE(seal_secret(fw, D0, CKK_AES,
				"00112233445566778899aabbccddeeff"
				"000102030405060708090a0b0c0d0e0f", NULL,
				&key));
	ASSERT_TRUE(wrap(fw, CKM_AES_KEY_WRAP, NULL, &k, &key, &out) ==
		    EP11_CKR_OK);
	EXPECT_HEX(&out, "28c9f404c4b810f4cbccb35cfb87f826"
			 "3f5786e2d80ed326cbc7f0e71a99f43b"
			 "fb988b9b7a02dd21");
}

static void test_aes_key_wrap_pad_rfc5649(void)
{
	struct bytes k, key, out, blob;

	ASSERT_TRUE(seal_secret(fw, D0, CKK_AES,
				"5840df6e29b02af1ab493b705bf16ea1"
				"ae8338f4dcc176a8", NULL, &k));
	ASSERT_TRUE(seal_secret(fw, D0, CKK_GENERIC_SECRET,
				"c37b7e6492584340bed12207808941155068f738",
				NULL, &key));
	ASSERT_TRUE(wrap(fw, CKM_AES_KEY_WRAP_KWP, NULL, &k, &key, &out) ==
		    EP11_CKR_OK);
	EXPECT_HEX(&out, "138bdeaa9b8fa7fc61f97742e72248ee"
			 "5ae6ae5360d1ae6a5f54f373fa543b6a");
	ASSERT_TRUE(unwrap(CKM_AES_KEY_WRAP_KWP, NULL, &k, &out,
			   kind(CKO_SECRET_KEY, CKK_GENERIC_SECRET), NULL,
			   &blob) == EP11_CKR_OK);
	check_value(&blob, "c37b7e6492584340bed12207808941155068f738");

	ASSERT_TRUE(seal_secret(fw, D0, CKK_GENERIC_SECRET, "466f7250617369",
				NULL, &key));
	ASSERT_TRUE(wrap(fw, CKM_AES_KEY_WRAP_KWP, NULL, &k, &key, &out) ==
		    EP11_CKR_OK);
	EXPECT_HEX(&out, "afbeb0f07dfbf5419200f2ccb50bb24f");
	ASSERT_TRUE(unwrap(CKM_AES_KEY_WRAP_KWP, NULL, &k, &out,
			   kind(CKO_SECRET_KEY, CKK_GENERIC_SECRET), NULL,
			   &blob) == EP11_CKR_OK);
	check_value(&blob, "466f7250617369");
	/* KW without padding takes whole 8-byte blocks only. */
	EXPECT_EQ(wrap(fw, CKM_AES_KEY_WRAP, NULL, &k, &key, &out),
		  EP11_CKR_KEY_SIZE_RANGE);
}

/*
 * AES-CBC-PAD with its 16-byte IV (SP 800-38A F.2.1: the first block),
 * as a host imports a clear key: EncryptSingle under a key that may
 * encrypt and unwrap gives what WrapKey gives, and UnwrapKey takes it.
 */
static void test_aes_cbc_pad_wrap_and_import(void)
{
	struct bytes k, key, out, enc, blob, iv, data, first;

	ASSERT_TRUE(seal_secret(fw, D0, CKK_AES,
				"2b7e151628aed2a6abf7158809cf4f3c", NULL, &k));
	ASSERT_TRUE(seal_secret(fw, D0, CKK_AES,
				"6bc1bee22e409f96e93d7e117393172a", NULL, &key));
	iv.n = unhex("000102030405060708090a0b0c0d0e0f", iv.p);
	data.n = unhex("6bc1bee22e409f96e93d7e117393172a", data.p);
	ASSERT_TRUE(wrap(fw, CKM_AES_CBC_PAD, &iv, &k, &key, &out) ==
		    EP11_CKR_OK);
	EXPECT_EQ(out.n, 32);
	bytes_set(&first, out.p, 16);
	EXPECT_HEX(&first, "7649abac8119b246cee98e9b12e9197d");
	ASSERT_TRUE(CALL(fw, D0, EP11_FN_ENCRYPT_SINGLE, NULL,
			 mech_param(CKM_AES_CBC_PAD, &iv), &k, &data) ==
		    EP11_CKR_OK);
	enc = call_res[0];
	EXPECT_TRUE(enc.n == out.n && !memcmp(enc.p, out.p, out.n));
	ASSERT_TRUE(unwrap(CKM_AES_CBC_PAD, &iv, &k, &enc,
			   kind(CKO_SECRET_KEY, CKK_AES), NULL, &blob) ==
		    EP11_CKR_OK);
	check_value(&blob, "6bc1bee22e409f96e93d7e117393172a");

	/* The IV is required; whole blocks only; the padding is checked. */
	EXPECT_EQ(wrap(fw, CKM_AES_CBC_PAD, NULL, &k, &key, &out),
		  EP11_CKR_MECHANISM_PARAM_INVALID);
	enc.n = 31;
	EXPECT_EQ(unwrap(CKM_AES_CBC_PAD, &iv, &k, &enc,
			 kind(CKO_SECRET_KEY, CKK_AES), NULL, &blob),
		  EP11_CKR_WRAPPED_KEY_LEN_RANGE);
	enc.n = 16;
	EXPECT_EQ(unwrap(CKM_AES_CBC_PAD, &iv, &k, &enc,
			 kind(CKO_SECRET_KEY, CKK_AES), NULL, &blob),
		  EP11_CKR_WRAPPED_KEY_INVALID);
}

/* Wraps @kp's private key, unwraps it and signs with the copy. */
static void private_round_trip(u32 wrap_mech, const struct key_pair *kp,
			       u32 key_type, u32 sig_mech)
{
	struct bytes out, blob, data;

	bytes_set(&data, "signed by the copy", 18);
	ASSERT_TRUE(wrap(fw, wrap_mech, NULL, &kek, &kp->priv, &out) ==
		    EP11_CKR_OK);
	ASSERT_TRUE(unwrap(wrap_mech, NULL, &kek, &out,
			   kind(CKO_PRIVATE_KEY, key_type), NULL, &blob) ==
		    EP11_CKR_OK);
	ASSERT_TRUE(CALL(fw, D0, EP11_FN_SIGN_SINGLE, NULL,
			 mech(sig_mech, NULL, 0), &blob, &data) ==
		    EP11_CKR_OK);
	out = call_res[0];
	EXPECT_EQ(CALL(fw, D0, EP11_FN_VERIFY_SINGLE, NULL,
		       mech(sig_mech, NULL, 0), &kp->pub, &data, &out),
		  EP11_CKR_OK);
}

static void test_private_keys_wrapped_and_used(void)
{
	struct key_pair p256, p521, ed;
	struct bytes out, blob;

	ASSERT_TRUE(gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P256_PARAMS,
			     NULL, NULL, NULL, &p256) == EP11_CKR_OK);
	ASSERT_TRUE(gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P521_PARAMS,
			     NULL, NULL, NULL, &p521) == EP11_CKR_OK);
	ASSERT_TRUE(gen_pair(fw, D0, CKM_EC_EDWARDS_KEY_PAIR_GEN, 0,
			     ED25519_PARAMS, NULL, NULL, NULL, &ed) ==
		    EP11_CKR_OK);
	private_round_trip(CKM_AES_KEY_WRAP_KWP, &p256, CKK_EC,
			   CKM_ECDSA_SHA256);
	private_round_trip(CKM_AES_KEY_WRAP_KWP, &p521, CKK_EC,
			   CKM_ECDSA_SHA512);
	private_round_trip(CKM_AES_KEY_WRAP_KWP, &rsa, CKK_RSA,
			   CKM_SHA256_RSA_PKCS);
	/* An Ed25519 PrivateKeyInfo is 48 bytes: plain KW takes it. */
	private_round_trip(CKM_AES_KEY_WRAP, &ed, CKK_EC_EDWARDS, CKM_EDDSA);

	/* The wrapped key is a PrivateKeyInfo of its type only. */
	ASSERT_TRUE(wrap(fw, CKM_AES_KEY_WRAP_KWP, NULL, &kek, &p256.priv,
			 &out) == EP11_CKR_OK);
	EXPECT_EQ(unwrap(CKM_AES_KEY_WRAP_KWP, NULL, &kek, &out,
			 kind(CKO_PRIVATE_KEY, CKK_RSA), NULL, &blob),
		  EP11_CKR_WRAPPED_KEY_INVALID);
	EXPECT_EQ(unwrap(CKM_AES_KEY_WRAP_KWP, NULL, &kek, &out,
			 kind(CKO_PRIVATE_KEY, CKK_EC_EDWARDS), NULL, &blob),
		  EP11_CKR_WRAPPED_KEY_INVALID);
	EXPECT_EQ(unwrap(CKM_AES_KEY_WRAP_KWP, NULL, &kek, &out,
			 kind(CKO_SECRET_KEY, CKK_AES), NULL, &blob),
		  EP11_CKR_WRAPPED_KEY_INVALID);
}

static void test_rsa_oaep_wrap(void)
{
	struct bytes param = { .n = 0 }, aes, out, blob, c1, c2, block;

	bytes_u32(&param, CKM_SHA256);
	bytes_u32(&param, CKG_MGF1_SHA256);
	bytes_u32(&param, 0);
	ASSERT_TRUE(gen_secret(fw, D0, CKM_AES_KEY_GEN, 32, NULL, NULL,
			       &aes) == EP11_CKR_OK);
	ASSERT_TRUE(wrap(fw, CKM_RSA_PKCS_OAEP, &param, &rsa.pub, &aes,
			 &out) == EP11_CKR_OK);
	EXPECT_EQ(out.n, 256);
	ASSERT_TRUE(unwrap(CKM_RSA_PKCS_OAEP, &param, &rsa.priv, &out,
			   kind(CKO_SECRET_KEY, CKK_AES), NULL, &blob) ==
		    EP11_CKR_OK);
	/* Both keys encrypt alike. */
	block = *hex_param("000102030405060708090a0b0c0d0e0f");
	ASSERT_TRUE(CALL(fw, D0, EP11_FN_ENCRYPT_SINGLE, NULL,
			 mech(CKM_AES_ECB, NULL, 0), &aes, &block) ==
		    EP11_CKR_OK);
	c1 = call_res[0];
	ASSERT_TRUE(CALL(fw, D0, EP11_FN_ENCRYPT_SINGLE, NULL,
			 mech(CKM_AES_ECB, NULL, 0), &blob, &block) ==
		    EP11_CKR_OK);
	c2 = call_res[0];
	EXPECT_EQ(c1.n, 16);
	EXPECT_MEM(c1.p, c2.p, 16);
	/* A private key does not fit in one RSA block. */
	EXPECT_EQ(wrap(fw, CKM_RSA_PKCS_OAEP, &param, &rsa.pub, &rsa.priv,
		       &out), EP11_CKR_KEY_SIZE_RANGE);
	/* Truncated and changed wrapped keys. */
	out.n = 255;
	EXPECT_EQ(unwrap(CKM_RSA_PKCS_OAEP, &param, &rsa.priv, &out,
			 kind(CKO_SECRET_KEY, CKK_AES), NULL, &blob),
		  EP11_CKR_WRAPPED_KEY_LEN_RANGE);
	out.n = 256;
	out.p[100] ^= 1;
	EXPECT_EQ(unwrap(CKM_RSA_PKCS_OAEP, &param, &rsa.priv, &out,
			 kind(CKO_SECRET_KEY, CKK_AES), NULL, &blob),
		  EP11_CKR_WRAPPED_KEY_INVALID);
	/* The wrong halves of the pair. */
	EXPECT_EQ(wrap(fw, CKM_RSA_PKCS_OAEP, &param, &rsa.priv, &aes, &out),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
	EXPECT_EQ(unwrap(CKM_RSA_PKCS_OAEP, &param, &rsa.pub, &out,
			 kind(CKO_SECRET_KEY, CKK_AES), NULL, &blob),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
}

static void test_wrap_permissions(void)
{
	struct bytes t = { .n = 0 }, key, k, out, blob;

	/* A key that may not leave the card. */
	tmpl_bool(&t, CKA_EXTRACTABLE, false);
	ASSERT_TRUE(gen_secret(fw, D0, CKM_AES_KEY_GEN, 16, &t, NULL, &key) ==
		    EP11_CKR_OK);
	EXPECT_EQ(wrap(fw, CKM_AES_KEY_WRAP, NULL, &kek, &key, &out),
		  EP11_CKR_KEY_FUNCTION_NOT_PERMITTED);
	/* A wrapping key without CKA_WRAP, one without CKA_UNWRAP. */
	ASSERT_TRUE(gen_secret(fw, D0, CKM_AES_KEY_GEN, 16, NULL, NULL,
			       &key) == EP11_CKR_OK);
	t.n = 0;
	tmpl_bool(&t, CKA_WRAP, false);
	ASSERT_TRUE(seal_secret(fw, D0, CKK_AES,
				"000102030405060708090a0b0c0d0e0f", &t, &k));
	EXPECT_EQ(wrap(fw, CKM_AES_KEY_WRAP, NULL, &k, &key, &out),
		  EP11_CKR_KEY_FUNCTION_NOT_PERMITTED);
	ASSERT_TRUE(wrap(fw, CKM_AES_KEY_WRAP, NULL, &kek, &key, &out) ==
		    EP11_CKR_OK);
	t.n = 0;
	tmpl_bool(&t, CKA_UNWRAP, false);
	ASSERT_TRUE(gen_secret(fw, D0, CKM_AES_KEY_GEN, 16, &t, NULL, &k) ==
		    EP11_CKR_OK);
	EXPECT_EQ(unwrap(CKM_AES_KEY_WRAP, NULL, &k, &out,
			 kind(CKO_SECRET_KEY, CKK_AES), NULL, &blob),
		  EP11_CKR_KEY_FUNCTION_NOT_PERMITTED);
	/* Public keys are not wrapped: they are public. */
	EXPECT_EQ(wrap(fw, CKM_AES_KEY_WRAP_KWP, NULL, &kek, &rsa.pub, &out),
		  EP11_CKR_KEY_NOT_WRAPPABLE);
	/* Wrapping keys of the wrong type. */
	EXPECT_EQ(wrap(fw, CKM_AES_KEY_WRAP, NULL, &rsa.pub, &key, &out),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
	ASSERT_TRUE(seal_secret(fw, D0, CKK_GENERIC_SECRET,
				"000102030405060708090a0b0c0d0e0f", NULL, &k));
	EXPECT_EQ(wrap(fw, CKM_AES_KEY_WRAP, NULL, &k, &key, &out),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
}

static void test_wrap_parameters_and_templates(void)
{
	struct bytes key, out, blob, t = { .n = 0 };

	ASSERT_TRUE(seal_secret(fw, D0, CKK_AES,
				"00112233445566778899aabbccddeeff", NULL,
				&key));
	EXPECT_EQ(wrap(fw, 0x2100, NULL, &kek, &key, &out),
		  EP11_CKR_MECHANISM_INVALID);
	EXPECT_EQ(wrap(fw, CKM_AES_ECB, NULL, &kek, &key, &out),
		  EP11_CKR_MECHANISM_INVALID);
	EXPECT_EQ(wrap(fw, CKM_AES_KEY_WRAP, hex_param("a6a6a6a6a6"), &kek,
		       &key, &out), EP11_CKR_MECHANISM_PARAM_INVALID);
	EXPECT_EQ(wrap(fw, CKM_AES_KEY_WRAP_KWP, hex_param("a6a6a6a6a6a6a6a6"),
		       &kek, &key, &out), EP11_CKR_MECHANISM_PARAM_INVALID);
	EXPECT_EQ(wrap(fw, CKM_RSA_PKCS_OAEP, NULL, &rsa.pub, &key, &out),
		  EP11_CKR_MECHANISM_PARAM_INVALID);
	ASSERT_TRUE(wrap(fw, CKM_AES_KEY_WRAP, NULL, &kek, &key, &out) ==
		    EP11_CKR_OK);

	/* Templates: class and type are needed and must make sense. */
	tmpl_ulong(&t, CKA_CLASS, CKO_SECRET_KEY);
	EXPECT_EQ(unwrap(CKM_AES_KEY_WRAP, NULL, &kek, &out, &t, NULL, &blob),
		  EP11_CKR_TEMPLATE_INCOMPLETE);
	EXPECT_EQ(unwrap(CKM_AES_KEY_WRAP, NULL, &kek, &out,
			 kind(CKO_PUBLIC_KEY, CKK_RSA), NULL, &blob),
		  EP11_CKR_TEMPLATE_INCONSISTENT);
	EXPECT_EQ(unwrap(CKM_AES_KEY_WRAP, NULL, &kek, &out,
			 kind(CKO_SECRET_KEY, CKK_EC), NULL, &blob),
		  EP11_CKR_TEMPLATE_INCONSISTENT);
	t = *kind(CKO_SECRET_KEY, CKK_AES);
	tmpl_ulong(&t, CKA_VALUE_LEN, 32);
	EXPECT_EQ(unwrap(CKM_AES_KEY_WRAP, NULL, &kek, &out, &t, NULL, &blob),
		  EP11_CKR_TEMPLATE_INCONSISTENT);
	t = *kind(CKO_SECRET_KEY, CKK_AES);
	tmpl_bytes(&t, CKA_VALUE, "x", 1);
	EXPECT_EQ(unwrap(CKM_AES_KEY_WRAP, NULL, &kek, &out, &t, NULL, &blob),
		  EP11_CKR_ATTRIBUTE_READ_ONLY);
	/* The unwrapped key gets the template's usage flags. */
	t = *kind(CKO_SECRET_KEY, CKK_AES);
	tmpl_bool(&t, CKA_ENCRYPT, false);
	ASSERT_TRUE(unwrap(CKM_AES_KEY_WRAP, NULL, &kek, &out, &t, NULL,
			   &blob) == EP11_CKR_OK);
	EXPECT_EQ(CALL(fw, D0, EP11_FN_ENCRYPT_SINGLE, NULL,
		       mech(CKM_AES_ECB, NULL, 0), &blob, &no_bytes),
		  EP11_CKR_KEY_FUNCTION_NOT_PERMITTED);
	/* Wrapped lengths KW cannot have produced. */
	out.n = 20;
	EXPECT_EQ(unwrap(CKM_AES_KEY_WRAP, NULL, &kek, &out,
			 kind(CKO_SECRET_KEY, CKK_AES), NULL, &blob),
		  EP11_CKR_WRAPPED_KEY_LEN_RANGE);
	out.n = 16;
	EXPECT_EQ(unwrap(CKM_AES_KEY_WRAP, NULL, &kek, &out,
			 kind(CKO_SECRET_KEY, CKK_AES), NULL, &blob),
		  EP11_CKR_WRAPPED_KEY_LEN_RANGE);
}

static void test_unwrap_binding_and_blob_errors(void)
{
	u8 pinblob[EP11_PINBLOB_LEN];
	struct bytes key, out, blob, bad, v;

	ASSERT_TRUE(gen_secret(fw, D0, CKM_AES_KEY_GEN, 16, NULL, NULL,
			       &key) == EP11_CKR_OK);
	ASSERT_TRUE(wrap(fw, CKM_AES_KEY_WRAP, NULL, &kek, &key, &out) ==
		    EP11_CKR_OK);
	ASSERT_TRUE(login_nonce(fw, D0, "unwrap", pinblob) == EP11_CKR_OK);
	ASSERT_TRUE(unwrap(CKM_AES_KEY_WRAP, NULL, &kek, &out,
			   kind(CKO_SECRET_KEY, CKK_AES), pinblob, &blob) ==
		    EP11_CKR_OK);
	EXPECT_MEM(blob.p, pinblob, EP11_SESSION_ID_LEN);
	EXPECT_EQ(fw_session_logout(fw, D0, pinblob), EP11_CKR_OK);
	EXPECT_EQ(get_attr(fw, D0, &blob, CKA_CLASS, &v),
		  EP11_CKR_SESSION_CLOSED);
	/* The wrapping key of another card, a tampered one. */
	EXPECT_EQ(wrap(other, CKM_AES_KEY_WRAP, NULL, &kek, &key, &out),
		  EP11_CKR_IBM_WKID_MISMATCH);
	bad = kek;
	bad.p[bad.n - 5] ^= 1;
	EXPECT_EQ(wrap(fw, CKM_AES_KEY_WRAP, NULL, &bad, &key, &out),
		  EP11_CKR_IBM_BLOB_ERROR);
	bad = key;
	bad.p[70] ^= 1;
	EXPECT_EQ(wrap(fw, CKM_AES_KEY_WRAP, NULL, &kek, &bad, &out),
		  EP11_CKR_IBM_BLOB_ERROR);
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_aes_key_wrap_rfc3394),
		TEST(test_aes_key_wrap_pad_rfc5649),
		TEST(test_aes_cbc_pad_wrap_and_import),
		TEST(test_private_keys_wrapped_and_used),
		TEST(test_rsa_oaep_wrap),
		TEST(test_wrap_permissions),
		TEST(test_wrap_parameters_and_templates),
		TEST(test_unwrap_binding_and_blob_errors),
	};
	int r;

	dir = test_mkdir();
	other_dir = test_mkdir();
	fw = card_new(dir, 0x0b, 8);
	other = card_new(other_dir, 0x0c, 8);
	if (!fw || !other ||
	    gen_secret(fw, D0, CKM_AES_KEY_GEN, 32, NULL, NULL, &kek) ||
	    gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, NULL, NULL, NULL,
		     NULL, &rsa)) {
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
