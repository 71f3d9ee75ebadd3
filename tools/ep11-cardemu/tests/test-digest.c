// SPDX-License-Identifier: GPL-2.0
/*
 * DigestSingle against the FIPS 180 "abc" vectors, GenerateRandom, and
 * the mechanism errors every crypto function shares.
 */
#include "crypto-call.h"

static char *dir;
static struct fw *fw;

static const struct {
	u32 mech;
	const char *md;
} abc[] = {
	{ CKM_SHA_1, "a9993e364706816aba3e25717850c26c9cd0d89d" },
	{ CKM_SHA224,
	  "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7" },
	{ CKM_SHA256,
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ CKM_SHA384,
	  "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
	  "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7" },
	{ CKM_SHA512,
	  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	  "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f" },
};

static void test_digest_abc(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(abc); i++) {
		EXPECT_EQ(CALL(fw, D0, EP11_FN_DIGEST_SINGLE, NULL,
			       mech(abc[i].mech, NULL, 0), str_param("abc")),
			  EP11_CKR_OK);
		EXPECT_EQ(call_nres, 1);
		EXPECT_HEX(&call_res[0], abc[i].md);
	}
}

static void test_digest_empty_message(void)
{
	EXPECT_EQ(CALL(fw, D1, EP11_FN_DIGEST_SINGLE, NULL,
		       mech(CKM_SHA256, NULL, 0), &no_bytes), EP11_CKR_OK);
	EXPECT_HEX(&call_res[0],
		   "e3b0c44298fc1c149afbf4c8996fb924"
		   "27ae41e4649b934ca495991b7852b855");
}

static void test_mechanism_errors(void)
{
	struct bytes shortmech = { .p = { 0, 0, 2 }, .n = 3 };

	/* Not a mechanism the card knows. */
	EXPECT_EQ(CALL(fw, D0, EP11_FN_DIGEST_SINGLE, NULL,
		       mech(0x12345, NULL, 0), str_param("abc")),
		  EP11_CKR_MECHANISM_INVALID);
	/* Known, but not a digest. */
	EXPECT_EQ(CALL(fw, D0, EP11_FN_DIGEST_SINGLE, NULL,
		       mech(CKM_AES_ECB, NULL, 0), str_param("abc")),
		  EP11_CKR_MECHANISM_INVALID);
	/* Digests take no parameter. */
	EXPECT_EQ(CALL(fw, D0, EP11_FN_DIGEST_SINGLE, NULL,
		       mech(CKM_SHA256, "x", 1), str_param("abc")),
		  EP11_CKR_MECHANISM_PARAM_INVALID);
	/* Three bytes are not a mechanism type. */
	EXPECT_EQ(CALL(fw, D0, EP11_FN_DIGEST_SINGLE, NULL, &shortmech,
		       str_param("abc")), EP11_CKR_ARGUMENTS_BAD);
	/* A parameter too few. */
	EXPECT_EQ(CALL(fw, D0, EP11_FN_DIGEST_SINGLE, NULL,
		       mech(CKM_SHA256, NULL, 0)), EP11_CKR_ARGUMENTS_BAD);
}

static void test_generate_random(void)
{
	struct bytes first;

	EXPECT_EQ(CALL(fw, D0, EP11_FN_GENERATE_RANDOM, NULL, u32_param(32)),
		  EP11_CKR_OK);
	EXPECT_EQ(call_res[0].n, 32);
	first = call_res[0];
	EXPECT_EQ(CALL(fw, D0, EP11_FN_GENERATE_RANDOM, NULL, u32_param(32)),
		  EP11_CKR_OK);
	EXPECT_TRUE(memcmp(first.p, call_res[0].p, 32));

	EXPECT_EQ(CALL(fw, D0, EP11_FN_GENERATE_RANDOM, NULL, u32_param(0)),
		  EP11_CKR_OK);
	EXPECT_EQ(call_res[0].n, 0);
	EXPECT_EQ(CALL(fw, D0, EP11_FN_GENERATE_RANDOM, NULL,
		       u32_param(8192)), EP11_CKR_OK);
	EXPECT_EQ(call_res[0].n, 8192);
	EXPECT_EQ(CALL(fw, D0, EP11_FN_GENERATE_RANDOM, NULL,
		       u32_param(8193)), EP11_CKR_ARGUMENTS_BAD);
	EXPECT_EQ(CALL(fw, D0, EP11_FN_GENERATE_RANDOM, NULL,
		       str_param("ab")), EP11_CKR_ARGUMENTS_BAD);
}

/* With a pin blob of a live session the request runs; after logout not. */
static void test_session_bound_request(void)
{
	u8 pinblob[EP11_PINBLOB_LEN];

	ASSERT_TRUE(login_nonce(fw, D0, "digest", pinblob) == EP11_CKR_OK);
	EXPECT_EQ(CALL(fw, D0, EP11_FN_DIGEST_SINGLE, pinblob,
		       mech(CKM_SHA_1, NULL, 0), str_param("abc")),
		  EP11_CKR_OK);
	EXPECT_HEX(&call_res[0], abc[0].md);
	EXPECT_EQ(fw_session_logout(fw, D0, pinblob), EP11_CKR_OK);
	EXPECT_EQ(CALL(fw, D0, EP11_FN_DIGEST_SINGLE, pinblob,
		       mech(CKM_SHA_1, NULL, 0), str_param("abc")),
		  EP11_CKR_SESSION_CLOSED);
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_digest_abc),
		TEST(test_digest_empty_message),
		TEST(test_mechanism_errors),
		TEST(test_generate_random),
		TEST(test_session_bound_request),
	};
	int r;

	dir = test_mkdir();
	fw = card_new(dir, 0x0b, 8);
	if (!fw)
		return 1;
	r = test_run(tests, ARRAY_SIZE(tests));
	fw_free(fw);
	test_rmdir(dir);
	return r;
}
