// SPDX-License-Identifier: GPL-2.0
/*
 * EncryptSingle and DecryptSingle: AES ECB and CBC against NIST SP
 * 800-38A, AES-GCM against the GCM specification's test cases, CBC-PAD
 * and RSA PKCS#1 v1.5 / OAEP round trips, RSA-OAEP ciphertext made by
 * OpenSSL with the card's public key, and every failure code.
 */
#include <openssl/rsa.h>

#include "crypto-call.h"

static char *dir;
static struct fw *fw;
static struct key_pair rsa, ec;
static struct bytes aes128, aes256;

#define SP800_38A_PLAIN							\
	"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" \
	"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"

static u32 crypt_call(u16 fnid, u32 mechanism, const struct bytes *param,
		      const struct bytes *key, const struct bytes *in,
		      struct bytes *out)
{
	u32 rc = CALL(fw, D0, fnid, NULL,
		      mech_param(mechanism, param), key, in);

	if (!rc)
		*out = call_res[0];
	return rc;
}

#define ENC(m, p, k, i, o) crypt_call(EP11_FN_ENCRYPT_SINGLE, m, p, k, i, o)
#define DEC(m, p, k, i, o) crypt_call(EP11_FN_DECRYPT_SINGLE, m, p, k, i, o)

static void test_aes_ecb_cbc_sp800_38a(void)
{
	struct bytes plain, out, back, iv;

	plain = *hex_param(SP800_38A_PLAIN);
	/* F.1.1 ECB-AES128.Encrypt, F.1.2 Decrypt */
	ASSERT_TRUE(ENC(CKM_AES_ECB, NULL, &aes128, &plain, &out) ==
		    EP11_CKR_OK);
	EXPECT_HEX(&out, "3ad77bb40d7a3660a89ecaf32466ef97"
			 "f5d3d58503b9699de785895a96fdbaaf"
			 "43b1cd7f598ece23881b00e3ed030688"
			 "7b0c785e27e8ad3f8223207104725dd4");
	ASSERT_TRUE(DEC(CKM_AES_ECB, NULL, &aes128, &out, &back) ==
		    EP11_CKR_OK);
	EXPECT_HEX(&back, SP800_38A_PLAIN);
	/* F.1.5 ECB-AES256.Encrypt */
	ASSERT_TRUE(ENC(CKM_AES_ECB, NULL, &aes256, &plain, &out) ==
		    EP11_CKR_OK);
	EXPECT_HEX(&out, "f3eed1bdb5d2a03c064b5a7e3db181f8"
			 "591ccb10d410ed26dc5ba74a31362870"
			 "b6ed21b99ca6f4f9f153e7b1beafed1d"
			 "23304b7a39f9f3ff067d8d8f9e24ecc7");
	/* F.2.1 CBC-AES128.Encrypt, F.2.2 Decrypt */
	iv = *hex_param("000102030405060708090a0b0c0d0e0f");
	ASSERT_TRUE(ENC(CKM_AES_CBC, &iv, &aes128, &plain, &out) ==
		    EP11_CKR_OK);
	EXPECT_HEX(&out, "7649abac8119b246cee98e9b12e9197d"
			 "5086cb9b507219ee95db113a917678b2"
			 "73bed6b8e3c1743b7116e69e22229516"
			 "3ff1caa1681fac09120eca307586e1a7");
	ASSERT_TRUE(DEC(CKM_AES_CBC, &iv, &aes128, &out, &back) ==
		    EP11_CKR_OK);
	EXPECT_HEX(&back, SP800_38A_PLAIN);
}

/* CK_GCM_PARAMS as the card reads them. */
static struct bytes *gcm(const char *iv, const char *aad, u32 tag_bits)
{
	static struct bytes p;
	u8 b[256];
	size_t n;

	p.n = 0;
	n = unhex(iv, b);
	bytes_u32(&p, n);
	bytes_add(&p, b, n);
	n = unhex(aad, b);
	bytes_u32(&p, n);
	bytes_add(&p, b, n);
	bytes_u32(&p, tag_bits);
	return &p;
}

static void test_aes_gcm_spec_vectors(void)
{
	struct bytes key, plain, param, out, back;

	/* Test case 2: zero key, one zero block. */
	ASSERT_TRUE(seal_secret(fw, D0, CKK_AES,
				"00000000000000000000000000000000", NULL,
				&key));
	plain = *hex_param("00000000000000000000000000000000");
	param = *gcm("000000000000000000000000", "", 128);
	ASSERT_TRUE(ENC(CKM_AES_GCM, &param, &key, &plain, &out) ==
		    EP11_CKR_OK);
	EXPECT_HEX(&out, "0388dace60b6a392f328c2b971b2fe78"
			 "ab6e47d42cec13bdf53a67b21257bddf");

	/* Test case 4: additional data, a partial last block. */
	ASSERT_TRUE(seal_secret(fw, D0, CKK_AES,
				"feffe9928665731c6d6a8f9467308308", NULL,
				&key));
	plain = *hex_param("d9313225f88406e5a55909c5aff5269a"
			   "86a7a9531534f7da2e4c303d8a318a72"
			   "1c3c0c95956809532fcf0e2449a6b525"
			   "b16aedf5aa0de657ba637b39");
	param = *gcm("cafebabefacedbaddecaf888",
		     "feedfacedeadbeeffeedfacedeadbeefabaddad2", 128);
	ASSERT_TRUE(ENC(CKM_AES_GCM, &param, &key, &plain, &out) ==
		    EP11_CKR_OK);
	EXPECT_HEX(&out, "42831ec2217774244b7221b784d0d49c"
			 "e3aa212f2c02a4e035c17e2329aca12e"
			 "21d514b25466931c7d8f6a5aac84aa05"
			 "1ba30b396a0aac973d58e091"
			 "5bc94fbc3221a5db94fae95ae7121a47");
	ASSERT_TRUE(DEC(CKM_AES_GCM, &param, &key, &out, &back) ==
		    EP11_CKR_OK);
	EXPECT_EQ(back.n, plain.n);
	EXPECT_MEM(back.p, plain.p, plain.n);
	/* A changed tag, a changed ciphertext, other additional data. */
	out.p[out.n - 1] ^= 1;
	EXPECT_EQ(DEC(CKM_AES_GCM, &param, &key, &out, &back),
		  EP11_CKR_ENCRYPTED_DATA_INVALID);
	out.p[out.n - 1] ^= 1;
	out.p[0] ^= 1;
	EXPECT_EQ(DEC(CKM_AES_GCM, &param, &key, &out, &back),
		  EP11_CKR_ENCRYPTED_DATA_INVALID);
	out.p[0] ^= 1;
	param = *gcm("cafebabefacedbaddecaf888", "feedface", 128);
	EXPECT_EQ(DEC(CKM_AES_GCM, &param, &key, &out, &back),
		  EP11_CKR_ENCRYPTED_DATA_INVALID);
	/* A 96-bit tag is the first 12 bytes of the full one. */
	param = *gcm("cafebabefacedbaddecaf888",
		     "feedfacedeadbeeffeedfacedeadbeefabaddad2", 96);
	ASSERT_TRUE(ENC(CKM_AES_GCM, &param, &key, &plain, &out) ==
		    EP11_CKR_OK);
	EXPECT_EQ(out.n, plain.n + 12);
	EXPECT_HEX(&call_res[0], "42831ec2217774244b7221b784d0d49c"
				 "e3aa212f2c02a4e035c17e2329aca12e"
				 "21d514b25466931c7d8f6a5aac84aa05"
				 "1ba30b396a0aac973d58e091"
				 "5bc94fbc3221a5db94fae95a");
}

static void test_aes_cbc_pad_round_trips(void)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 33, 1000 };
	struct bytes plain, out, back, iv;
	size_t i;

	iv = *hex_param("f0e0d0c0b0a090807060504030201000");
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		plain.n = lens[i];
		memset(plain.p, 'a' + i, plain.n);
		ASSERT_TRUE(ENC(CKM_AES_CBC_PAD, &iv, &aes256, &plain, &out) ==
			    EP11_CKR_OK);
		EXPECT_EQ(out.n, (lens[i] / 16 + 1) * 16);
		ASSERT_TRUE(DEC(CKM_AES_CBC_PAD, &iv, &aes256, &out, &back) ==
			    EP11_CKR_OK);
		EXPECT_EQ(back.n, plain.n);
		EXPECT_MEM(back.p, plain.p, plain.n);
	}
	/* Decrypted without padding removal, the padding shows; a block
	 * that does not end in valid padding is refused.
	 */
	ASSERT_TRUE(DEC(CKM_AES_CBC, &iv, &aes256, &out, &back) ==
		    EP11_CKR_OK);
	EXPECT_EQ(back.p[back.n - 1], 16 - 1000 % 16);
	plain = *hex_param("00000000000000000000000000000011");
	ASSERT_TRUE(ENC(CKM_AES_CBC, &iv, &aes256, &plain, &out) ==
		    EP11_CKR_OK);
	EXPECT_EQ(DEC(CKM_AES_CBC_PAD, &iv, &aes256, &out, &back),
		  EP11_CKR_ENCRYPTED_DATA_INVALID);
}

static void test_aes_errors(void)
{
	struct bytes data, out, iv, t = { .n = 0 }, key;

	data.n = 17;
	memset(data.p, 0, data.n);
	iv = *hex_param("000102030405060708090a0b0c0d0e0f");
	EXPECT_EQ(ENC(CKM_AES_ECB, NULL, &aes128, &data, &out),
		  EP11_CKR_DATA_LEN_RANGE);
	EXPECT_EQ(DEC(CKM_AES_CBC, &iv, &aes128, &data, &out),
		  EP11_CKR_ENCRYPTED_DATA_LEN_RANGE);
	EXPECT_EQ(DEC(CKM_AES_CBC_PAD, &iv, &aes128, &no_bytes, &out),
		  EP11_CKR_ENCRYPTED_DATA_LEN_RANGE);
	EXPECT_EQ(DEC(CKM_AES_GCM, gcm("00", "", 128), &aes128,
		      hex_param("00"), &out),
		  EP11_CKR_ENCRYPTED_DATA_LEN_RANGE);
	/* Parameters. */
	iv.n = 8;
	EXPECT_EQ(ENC(CKM_AES_CBC, &iv, &aes128, &no_bytes, &out),
		  EP11_CKR_MECHANISM_PARAM_INVALID);
	EXPECT_EQ(ENC(CKM_AES_ECB, &iv, &aes128, &no_bytes, &out),
		  EP11_CKR_MECHANISM_PARAM_INVALID);
	EXPECT_EQ(ENC(CKM_AES_GCM, gcm("00", "", 100), &aes128, &no_bytes,
		      &out), EP11_CKR_MECHANISM_PARAM_INVALID);
	EXPECT_EQ(ENC(CKM_AES_GCM, gcm("", "", 128), &aes128, &no_bytes,
		      &out), EP11_CKR_MECHANISM_PARAM_INVALID);
	iv = *gcm("00112233", "", 128);
	iv.n++;
	EXPECT_EQ(ENC(CKM_AES_GCM, &iv, &aes128, &no_bytes, &out),
		  EP11_CKR_MECHANISM_PARAM_INVALID);
	iv.n -= 2;
	EXPECT_EQ(ENC(CKM_AES_GCM, &iv, &aes128, &no_bytes, &out),
		  EP11_CKR_MECHANISM_PARAM_INVALID);
	/* An AES length that runs past the parameter. */
	iv.n = 0;
	bytes_u32(&iv, 12);
	bytes_add(&iv, "0123456789ab", 12);
	bytes_u32(&iv, 0x7fffffff);
	EXPECT_EQ(ENC(CKM_AES_GCM, &iv, &aes128, &no_bytes, &out),
		  EP11_CKR_MECHANISM_PARAM_INVALID);
	/* Keys. */
	tmpl_bool(&t, CKA_ENCRYPT, false);
	ASSERT_TRUE(seal_secret(fw, D0, CKK_AES,
				"00112233445566778899aabbccddeeff", &t, &key));
	EXPECT_EQ(ENC(CKM_AES_ECB, NULL, &key, &no_bytes, &out),
		  EP11_CKR_KEY_FUNCTION_NOT_PERMITTED);
	EXPECT_EQ(DEC(CKM_AES_ECB, NULL, &key, &no_bytes, &out), EP11_CKR_OK);
	t.n = 0;
	tmpl_bool(&t, CKA_DECRYPT, false);
	ASSERT_TRUE(seal_secret(fw, D0, CKK_AES,
				"00112233445566778899aabbccddeeff", &t, &key));
	EXPECT_EQ(DEC(CKM_AES_ECB, NULL, &key, &no_bytes, &out),
		  EP11_CKR_KEY_FUNCTION_NOT_PERMITTED);
	ASSERT_TRUE(seal_secret(fw, D0, CKK_GENERIC_SECRET,
				"00112233445566778899aabbccddeeff", NULL,
				&key));
	EXPECT_EQ(ENC(CKM_AES_ECB, NULL, &key, &no_bytes, &out),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
	EXPECT_EQ(ENC(CKM_AES_ECB, NULL, &rsa.pub, &no_bytes, &out),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
	EXPECT_EQ(ENC(CKM_SHA256_HMAC, NULL, &aes128, &no_bytes, &out),
		  EP11_CKR_MECHANISM_INVALID);
	EXPECT_EQ(ENC(CKM_AES_KEY_WRAP, NULL, &aes128, &no_bytes, &out),
		  EP11_CKR_MECHANISM_INVALID);
}

/* CK_RSA_PKCS_OAEP_PARAMS as the card reads them. */
static struct bytes *oaep(u32 hash, u32 mgf, const char *label)
{
	static struct bytes p;

	p.n = 0;
	bytes_u32(&p, hash);
	bytes_u32(&p, mgf);
	bytes_u32(&p, label ? CKZ_DATA_SPECIFIED : 0);
	if (label)
		bytes_add(&p, label, strlen(label));
	return &p;
}

static void test_rsa_round_trips(void)
{
	static const struct {
		u32 hash, mgf;
		const char *label;
	} o[] = {
		{ CKM_SHA_1, CKG_MGF1_SHA1, NULL },
		{ CKM_SHA224, CKG_MGF1_SHA224, NULL },
		{ CKM_SHA256, CKG_MGF1_SHA256, "label" },
		{ CKM_SHA384, CKG_MGF1_SHA384, NULL },
		{ CKM_SHA512, CKG_MGF1_SHA1, "" },
	};
	struct bytes plain, out, back, param;
	size_t i;

	bytes_set(&plain, "a secret of some length", 23);
	ASSERT_TRUE(ENC(CKM_RSA_PKCS, NULL, &rsa.pub, &plain, &out) ==
		    EP11_CKR_OK);
	EXPECT_EQ(out.n, 256);
	ASSERT_TRUE(DEC(CKM_RSA_PKCS, NULL, &rsa.priv, &out, &back) ==
		    EP11_CKR_OK);
	EXPECT_EQ(back.n, plain.n);
	EXPECT_MEM(back.p, plain.p, plain.n);
	for (i = 0; i < ARRAY_SIZE(o); i++) {
		param = *oaep(o[i].hash, o[i].mgf, o[i].label);
		ASSERT_TRUE(ENC(CKM_RSA_PKCS_OAEP, &param, &rsa.pub, &plain,
				&out) == EP11_CKR_OK);
		ASSERT_TRUE(DEC(CKM_RSA_PKCS_OAEP, &param, &rsa.priv, &out,
				&back) == EP11_CKR_OK);
		EXPECT_EQ(back.n, plain.n);
		EXPECT_MEM(back.p, plain.p, plain.n);
		/* Another label does not decrypt. */
		EXPECT_EQ(DEC(CKM_RSA_PKCS_OAEP, oaep(o[i].hash, o[i].mgf,
						      "other"), &rsa.priv,
			      &out, &back), EP11_CKR_ENCRYPTED_DATA_INVALID);
	}
}

/* OpenSSL encrypts with the SPKI, the card decrypts. */
static void test_rsa_oaep_from_openssl(void)
{
	EVP_PKEY *pkey = spki_pkey(&rsa.spki);
	EVP_PKEY_CTX *ctx = pkey ? EVP_PKEY_CTX_new(pkey, NULL) : NULL;
	struct bytes out, back;
	char *label = OPENSSL_strdup("L");
	size_t len = sizeof(out.p);

	ASSERT_TRUE(ctx && label);
	ASSERT_TRUE(EVP_PKEY_encrypt_init(ctx) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(ctx,
						 RSA_PKCS1_OAEP_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, "SHA256",
						      NULL) == 1 &&
		    EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, "SHA256",
						      NULL) == 1 &&
		    EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, 1) == 1);
	ASSERT_TRUE(EVP_PKEY_encrypt(ctx, out.p, &len,
				     (const u8 *)"from openssl", 12) == 1);
	out.n = len;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	EXPECT_EQ(DEC(CKM_RSA_PKCS_OAEP, oaep(CKM_SHA256, CKG_MGF1_SHA256,
					      "L"), &rsa.priv, &out, &back),
		  EP11_CKR_OK);
	EXPECT_EQ(back.n, 12);
	EXPECT_MEM(back.p, "from openssl", 12);
}

static void test_rsa_errors(void)
{
	struct bytes data, out, t = { .n = 0 }, param;
	struct key_pair kp;

	/* 2048-bit OAEP with SHA-256 takes 256 - 2 - 64 = 190 bytes. */
	data.n = 191;
	memset(data.p, 7, data.n);
	param = *oaep(CKM_SHA256, CKG_MGF1_SHA256, NULL);
	EXPECT_EQ(ENC(CKM_RSA_PKCS_OAEP, &param, &rsa.pub, &data, &out),
		  EP11_CKR_DATA_LEN_RANGE);
	data.n = 190;
	EXPECT_EQ(ENC(CKM_RSA_PKCS_OAEP, &param, &rsa.pub, &data, &out),
		  EP11_CKR_OK);
	data.n = 246;
	EXPECT_EQ(ENC(CKM_RSA_PKCS, NULL, &rsa.pub, &data, &out),
		  EP11_CKR_DATA_LEN_RANGE);
	EXPECT_EQ(DEC(CKM_RSA_PKCS, NULL, &rsa.priv, &data, &out),
		  EP11_CKR_ENCRYPTED_DATA_LEN_RANGE);
	data.n = 256;
	EXPECT_EQ(DEC(CKM_RSA_PKCS, NULL, &rsa.priv, &data, &out),
		  EP11_CKR_ENCRYPTED_DATA_INVALID);
	/* OAEP parameters. */
	EXPECT_EQ(ENC(CKM_RSA_PKCS_OAEP, oaep(CKM_AES_ECB, CKG_MGF1_SHA1,
					      NULL), &rsa.pub, &no_bytes,
		      &out), EP11_CKR_MECHANISM_PARAM_INVALID);
	EXPECT_EQ(ENC(CKM_RSA_PKCS_OAEP, oaep(CKM_SHA256, 0, NULL), &rsa.pub,
		      &no_bytes, &out), EP11_CKR_MECHANISM_PARAM_INVALID);
	param = *oaep(CKM_SHA256, CKG_MGF1_SHA256, NULL);
	param.p[11] = 2;
	EXPECT_EQ(ENC(CKM_RSA_PKCS_OAEP, &param, &rsa.pub, &no_bytes, &out),
		  EP11_CKR_MECHANISM_PARAM_INVALID);
	/* Source 0 with a label. */
	param = *oaep(CKM_SHA256, CKG_MGF1_SHA256, "x");
	param.p[11] = 0;
	EXPECT_EQ(ENC(CKM_RSA_PKCS_OAEP, &param, &rsa.pub, &no_bytes, &out),
		  EP11_CKR_MECHANISM_PARAM_INVALID);
	param.n = 8;
	EXPECT_EQ(ENC(CKM_RSA_PKCS_OAEP, &param, &rsa.pub, &no_bytes, &out),
		  EP11_CKR_MECHANISM_PARAM_INVALID);
	EXPECT_EQ(ENC(CKM_RSA_PKCS, &param, &rsa.pub, &no_bytes, &out),
		  EP11_CKR_MECHANISM_PARAM_INVALID);
	/* Keys: the wrong half, another type, a forbidden use. */
	EXPECT_EQ(ENC(CKM_RSA_PKCS, NULL, &rsa.priv, &no_bytes, &out),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
	EXPECT_EQ(DEC(CKM_RSA_PKCS, NULL, &rsa.pub, &data, &out),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
	EXPECT_EQ(ENC(CKM_RSA_PKCS, NULL, &ec.pub, &no_bytes, &out),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
	EXPECT_EQ(ENC(CKM_RSA_PKCS, NULL, &aes128, &no_bytes, &out),
		  EP11_CKR_KEY_TYPE_INCONSISTENT);
	tmpl_bool(&t, CKA_ENCRYPT, false);
	ASSERT_TRUE(gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, NULL,
			     &t, NULL, NULL, &kp) == EP11_CKR_OK);
	EXPECT_EQ(ENC(CKM_RSA_PKCS, NULL, &kp.pub, &no_bytes, &out),
		  EP11_CKR_KEY_FUNCTION_NOT_PERMITTED);
	t.n = 0;
	tmpl_bool(&t, CKA_DECRYPT, false);
	ASSERT_TRUE(gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, NULL,
			     NULL, &t, NULL, &kp) == EP11_CKR_OK);
	ASSERT_TRUE(ENC(CKM_RSA_PKCS, NULL, &kp.pub, &no_bytes, &out) ==
		    EP11_CKR_OK);
	EXPECT_EQ(DEC(CKM_RSA_PKCS, NULL, &kp.priv, &out, &data),
		  EP11_CKR_KEY_FUNCTION_NOT_PERMITTED);
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_aes_ecb_cbc_sp800_38a),
		TEST(test_aes_gcm_spec_vectors),
		TEST(test_aes_cbc_pad_round_trips),
		TEST(test_aes_errors),
		TEST(test_rsa_round_trips),
		TEST(test_rsa_oaep_from_openssl),
		TEST(test_rsa_errors),
	};
	int r;

	dir = test_mkdir();
	fw = card_new(dir, 0x0b, 8);
	if (!fw ||
	    !seal_secret(fw, D0, CKK_AES, "2b7e151628aed2a6abf7158809cf4f3c",
			 NULL, &aes128) ||
	    !seal_secret(fw, D0, CKK_AES,
			 "603deb1015ca71be2b73aef0857d7781"
			 "1f352c073b6108d72d9810a30914dff4", NULL, &aes256) ||
	    gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, NULL, NULL, NULL,
		     NULL, &rsa) ||
	    gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P256_PARAMS, NULL, NULL,
		     NULL, &ec)) {
		fprintf(stderr, "cannot set up the card and its keys\n");
		return 1;
	}
	r = test_run(tests, ARRAY_SIZE(tests));
	fw_free(fw);
	test_rmdir(dir);
	return r;
}
