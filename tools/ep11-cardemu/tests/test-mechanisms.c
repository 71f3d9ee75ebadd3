// SPDX-License-Identifier: GPL-2.0
/*
 * GetMechanismList and GetMechanismInfo tell the truth: the list is
 * exactly the mechanisms the card implements, with their key sizes and
 * flags, and every function accepts exactly the mechanisms whose flags
 * say it does.
 */
#include "crypto-call.h"

static char *dir;
static struct fw *fw;

#define HW	CKF_HW
#define SV	(CKF_HW | CKF_SIGN | CKF_VERIFY)
#define ED	(CKF_HW | CKF_ENCRYPT | CKF_DECRYPT)
#define WU	(CKF_HW | CKF_WRAP | CKF_UNWRAP)
#define EC	(CKF_EC_F_P | CKF_EC_OID | CKF_EC_UNCOMPRESS)

static const struct {
	u32 mech, min, max, flags;
} want[] = {
	{ CKM_SHA_1, 0, 0, HW | CKF_DIGEST },
	{ CKM_SHA224, 0, 0, HW | CKF_DIGEST },
	{ CKM_SHA256, 0, 0, HW | CKF_DIGEST },
	{ CKM_SHA384, 0, 0, HW | CKF_DIGEST },
	{ CKM_SHA512, 0, 0, HW | CKF_DIGEST },
	{ CKM_AES_KEY_GEN, 16, 32, HW | CKF_GENERATE },
	{ CKM_GENERIC_SECRET_KEY_GEN, 8, 4096, HW | CKF_GENERATE },
	{ CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, 4096, HW | CKF_GENERATE_KEY_PAIR },
	{ CKM_EC_KEY_PAIR_GEN, 256, 521, HW | CKF_GENERATE_KEY_PAIR | EC },
	{ CKM_EC_EDWARDS_KEY_PAIR_GEN, 255, 255,
	  HW | CKF_GENERATE_KEY_PAIR | CKF_EC_OID },
	{ CKM_RSA_PKCS, 2048, 4096, SV | ED },
	{ CKM_RSA_PKCS_OAEP, 2048, 4096, ED | WU },
	{ CKM_RSA_PKCS_PSS, 2048, 4096, SV },
	{ CKM_SHA224_RSA_PKCS, 2048, 4096, SV },
	{ CKM_SHA256_RSA_PKCS, 2048, 4096, SV },
	{ CKM_SHA384_RSA_PKCS, 2048, 4096, SV },
	{ CKM_SHA512_RSA_PKCS, 2048, 4096, SV },
	{ CKM_SHA224_RSA_PKCS_PSS, 2048, 4096, SV },
	{ CKM_SHA256_RSA_PKCS_PSS, 2048, 4096, SV },
	{ CKM_SHA384_RSA_PKCS_PSS, 2048, 4096, SV },
	{ CKM_SHA512_RSA_PKCS_PSS, 2048, 4096, SV },
	{ CKM_ECDSA, 256, 521, SV | EC },
	{ CKM_ECDSA_SHA224, 256, 521, SV | EC },
	{ CKM_ECDSA_SHA256, 256, 521, SV | EC },
	{ CKM_ECDSA_SHA384, 256, 521, SV | EC },
	{ CKM_ECDSA_SHA512, 256, 521, SV | EC },
	{ CKM_EDDSA, 255, 255, SV },
	{ CKM_SHA224_HMAC, 1, 512, SV },
	{ CKM_SHA256_HMAC, 1, 512, SV },
	{ CKM_SHA384_HMAC, 1, 512, SV },
	{ CKM_SHA512_HMAC, 1, 512, SV },
	{ CKM_AES_ECB, 16, 32, ED },
	{ CKM_AES_CBC, 16, 32, ED },
	{ CKM_AES_CBC_PAD, 16, 32, ED | WU },
	{ CKM_AES_GCM, 16, 32, ED },
	{ CKM_AES_KEY_WRAP, 16, 32, WU },
	{ CKM_AES_KEY_WRAP_KWP, 16, 32, WU },
};

#define NWANT	(ARRAY_SIZE(want))

static void test_list_is_exactly_the_implemented_set(void)
{
	bool seen[NWANT] = { false };
	size_t i, j;
	u32 m;

	ASSERT_TRUE(CALL(fw, D0, EP11_FN_GET_MECHANISM_LIST, NULL) ==
		    EP11_CKR_OK);
	ASSERT_TRUE(call_nres == 1);
	EXPECT_EQ(call_res[0].n, 4 * NWANT);
	for (i = 0; i + 4 <= call_res[0].n; i += 4) {
		const u8 *p = call_res[0].p + i;

		m = (u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
		for (j = 0; j < NWANT && want[j].mech != m; j++)
			;
		if (j == NWANT) {
			fprintf(stderr, "unexpected mechanism %#x\n", m);
			test_failures++;
		} else {
			EXPECT_TRUE(!seen[j]);
			seen[j] = true;
		}
	}
	for (j = 0; j < NWANT; j++) {
		if (!seen[j]) {
			fprintf(stderr, "mechanism %#x missing\n", want[j].mech);
			test_failures++;
		}
	}
}

static void test_info_of_each(void)
{
	u32 min, max, flags;
	size_t i;

	for (i = 0; i < NWANT; i++) {
		ASSERT_TRUE(CALL(fw, D1, EP11_FN_GET_MECHANISM_INFO, NULL,
				 u32_param(want[i].mech)) == EP11_CKR_OK);
		ASSERT_TRUE(call_nres == 3 && call_res[0].n == 4);
		min = (u32)call_res[0].p[0] << 24 | call_res[0].p[1] << 16 |
		      call_res[0].p[2] << 8 | call_res[0].p[3];
		max = (u32)call_res[1].p[0] << 24 | call_res[1].p[1] << 16 |
		      call_res[1].p[2] << 8 | call_res[1].p[3];
		flags = (u32)call_res[2].p[0] << 24 | call_res[2].p[1] << 16 |
			call_res[2].p[2] << 8 | call_res[2].p[3];
		if (min != want[i].min || max != want[i].max ||
		    flags != want[i].flags)
			fprintf(stderr, "mechanism %#x:\n", want[i].mech);
		EXPECT_EQ(min, want[i].min);
		EXPECT_EQ(max, want[i].max);
		EXPECT_EQ(flags, want[i].flags);
	}
	EXPECT_EQ(CALL(fw, D1, EP11_FN_GET_MECHANISM_INFO, NULL,
		       u32_param(0x221)), EP11_CKR_MECHANISM_INVALID);
	EXPECT_EQ(CALL(fw, D1, EP11_FN_GET_MECHANISM_INFO, NULL,
		       u32_param(CKM_AES_KEY_WRAP + 1)),
		  EP11_CKR_MECHANISM_INVALID);
	EXPECT_EQ(CALL(fw, D1, EP11_FN_GET_MECHANISM_INFO, NULL,
		       str_param("abc")), EP11_CKR_ARGUMENTS_BAD);
}

/*
 * Runs the function of @flag with @m and placeholder arguments (a key
 * blob that is not one).  Only whether the mechanism was accepted
 * matters.
 */
static u32 try_function(u32 flag, u32 m)
{
	struct bytes junk = { .p = "junk", .n = 4 };

	switch (flag) {
	case CKF_DIGEST:
		return CALL(fw, D0, EP11_FN_DIGEST_SINGLE, NULL,
			    mech(m, NULL, 0), &junk);
	case CKF_GENERATE:
		return CALL(fw, D0, EP11_FN_GENERATE_KEY, NULL,
			    mech(m, NULL, 0), &no_bytes);
	case CKF_GENERATE_KEY_PAIR:
		return CALL(fw, D0, EP11_FN_GENERATE_KEY_PAIR, NULL,
			    mech(m, NULL, 0), &no_bytes, &no_bytes);
	case CKF_SIGN:
		return CALL(fw, D0, EP11_FN_SIGN_SINGLE, NULL,
			    mech(m, NULL, 0), &junk, &junk);
	case CKF_VERIFY:
		return CALL(fw, D0, EP11_FN_VERIFY_SINGLE, NULL,
			    mech(m, NULL, 0), &junk, &junk, &junk);
	case CKF_ENCRYPT:
		return CALL(fw, D0, EP11_FN_ENCRYPT_SINGLE, NULL,
			    mech(m, NULL, 0), &junk, &junk);
	case CKF_DECRYPT:
		return CALL(fw, D0, EP11_FN_DECRYPT_SINGLE, NULL,
			    mech(m, NULL, 0), &junk, &junk);
	case CKF_WRAP:
		return CALL(fw, D0, EP11_FN_WRAP_KEY, NULL, mech(m, NULL, 0),
			    &junk, &junk);
	default:
		return CALL(fw, D0, EP11_FN_UNWRAP_KEY, NULL, mech(m, NULL, 0),
			    &junk, &junk, &no_bytes);
	}
}

static void test_functions_accept_what_the_flags_say(void)
{
	static const u32 fns[] = {
		CKF_DIGEST, CKF_GENERATE, CKF_GENERATE_KEY_PAIR, CKF_SIGN,
		CKF_VERIFY, CKF_ENCRYPT, CKF_DECRYPT, CKF_WRAP, CKF_UNWRAP,
	};
	size_t i, j;
	u32 rc;

	for (i = 0; i < NWANT; i++) {
		for (j = 0; j < ARRAY_SIZE(fns); j++) {
			rc = try_function(fns[j], want[i].mech);
			if (want[i].flags & fns[j] ?
			    rc == EP11_CKR_MECHANISM_INVALID || rc > 0xffff0000 :
			    rc != EP11_CKR_MECHANISM_INVALID) {
				fprintf(stderr,
					"mechanism %#x, function flag %#x: got %#x\n",
					want[i].mech, fns[j], rc);
				test_failures++;
			}
		}
	}
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_list_is_exactly_the_implemented_set),
		TEST(test_info_of_each),
		TEST(test_functions_accept_what_the_flags_say),
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
