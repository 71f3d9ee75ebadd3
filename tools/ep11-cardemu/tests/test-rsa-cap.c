// SPDX-License-Identifier: GPL-2.0
/*
 * The card's cap on RSA key generation (struct fw_config.rsa_max_bits):
 * GenerateKeyPair refuses larger moduli with CKR_KEY_SIZE_RANGE,
 * GetMechanismInfo reports the cap, and fw_new() rejects caps outside
 * 2048-4096 or not a multiple of 8.
 */
#include <errno.h>

#include "crypto-call.h"

static char *dir;

static struct fw *capped_card(unsigned int bits)
{
	struct fw_config cfg = {
		.card = 0x0b,
		.domains = { D0 },
		.ndomains = 1,
		.max_sessions = 4,
		.state_dir = dir,
		.rsa_max_bits = bits,
	};

	return fw_new(&cfg);
}

/* GetMechanismInfo's max key size of RSA key pair generation. */
static u32 rsa_gen_max(struct fw *fw)
{
	if (CALL(fw, D0, EP11_FN_GET_MECHANISM_INFO, NULL,
		 u32_param(CKM_RSA_PKCS_KEY_PAIR_GEN)) || call_nres != 3 ||
	    call_res[1].n != 4)
		return 0;
	return (u32)call_res[1].p[0] << 24 | (u32)call_res[1].p[1] << 16 |
	       (u32)call_res[1].p[2] << 8 | call_res[1].p[3];
}

static void test_capped_generation(void)
{
	struct fw *fw = capped_card(2048);
	struct key_pair kp;

	ASSERT_TRUE(fw);
	EXPECT_EQ(rsa_gen_max(fw), 2048);
	EXPECT_EQ(gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 2056, NULL,
			   NULL, NULL, NULL, &kp), EP11_CKR_KEY_SIZE_RANGE);
	EXPECT_EQ(gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 4096, NULL,
			   NULL, NULL, NULL, &kp), EP11_CKR_KEY_SIZE_RANGE);
	EXPECT_EQ(gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, NULL,
			   NULL, NULL, NULL, &kp), EP11_CKR_OK);
	/* Other key pairs are not capped. */
	EXPECT_EQ(gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P521_PARAMS, NULL,
			   NULL, NULL, &kp), EP11_CKR_OK);
	fw_free(fw);
}

static void test_default_cap(void)
{
	struct fw *fw = capped_card(0);

	ASSERT_TRUE(fw);
	EXPECT_EQ(rsa_gen_max(fw), FW_RSA_MAX_BITS);
	fw_free(fw);
	fw = capped_card(3072);
	ASSERT_TRUE(fw);
	EXPECT_EQ(rsa_gen_max(fw), 3072);
	fw_free(fw);
}

static void test_bad_caps(void)
{
	static const unsigned int bad[] = { 1024, 2047, 2050, 4104, 8192 };
	struct fw *fw;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		fw = capped_card(bad[i]);
		EXPECT_TRUE(!fw);
		EXPECT_EQ(errno, EINVAL);
		fw_free(fw);
	}
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_capped_generation),
		TEST(test_default_cap),
		TEST(test_bad_caps),
	};
	int r;

	dir = test_mkdir();
	r = test_run(tests, ARRAY_SIZE(tests));
	test_rmdir(dir);
	return r;
}
