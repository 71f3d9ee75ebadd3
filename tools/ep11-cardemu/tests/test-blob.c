// SPDX-License-Identifier: GPL-2.0
/*
 * Key blobs and attribute templates: seal/open round trips and every
 * failure code (WKID mismatch, tampering, truncation, a session that is
 * not logged in).
 */
#include "fixture.h"

#define CKA_CLASS	0x000
#define CKA_SIGN	0x108
#define CKA_VALUE_LEN	0x161
#define CKA_LABEL	0x003

static void make_key(struct fw_key *key, const u8 *session)
{
	static const u8 secret[32] = "0123456789abcdef0123456789abcdef";

	memset(key, 0, sizeof(*key));
	if (session)
		memcpy(key->session, session, EP11_SESSION_ID_LEN);
	EXPECT_EQ(fw_attrs_set_ulong(&key->attrs, CKA_CLASS, 4), 0);
	EXPECT_EQ(fw_attrs_set_bool(&key->attrs, CKA_SIGN, true), 0);
	EXPECT_EQ(fw_attrs_set(&key->attrs, CKA_LABEL, "label", 5), 0);
	EXPECT_EQ(fw_key_set_material(key, secret, sizeof(secret)), 0);
}

static void test_seal_open(void)
{
	u8 blob[FW_MAX_BLOB_LEN], blob2[FW_MAX_BLOB_LEN];
	char *dir = test_mkdir();
	struct fw *fw = card_new(dir, 0x0b, 4);
	struct fw_key key, out;
	size_t len = 0, len2 = 0;
	bool sign = false;
	u32 cls = 0;

	ASSERT_TRUE(fw);
	make_key(&key, NULL);
	EXPECT_EQ(fw_blob_seal(fw, D0, &key, blob, sizeof(blob), &len), 0);
	EXPECT_EQ(len, FW_BLOB_OVERHEAD + 3 * 8 + 4 + 1 + 5 + 32);
	/* The clear key is nowhere in the blob. */
	EXPECT_TRUE(!memmem(blob, len, key.material, 8));
	/* A fresh IV each time. */
	EXPECT_EQ(fw_blob_seal(fw, D0, &key, blob2, sizeof(blob2), &len2), 0);
	EXPECT_TRUE(memcmp(blob, blob2, len));

	EXPECT_EQ(fw_blob_open(fw, D0, blob, len, &out), EP11_CKR_OK);
	EXPECT_EQ(out.material_len, 32);
	EXPECT_MEM(out.material, key.material, 32);
	EXPECT_EQ(fw_attrs_get_ulong(&out.attrs, CKA_CLASS, &cls), 0);
	EXPECT_EQ(cls, 4);
	EXPECT_EQ(fw_attrs_get_bool(&out.attrs, CKA_SIGN, false, &sign), 0);
	EXPECT_TRUE(sign);
	EXPECT_EQ(fw_attrs_find(&out.attrs, CKA_LABEL)->len, 5);
	fw_key_free(&out);

	EXPECT_EQ(fw_blob_seal(fw, D0, &key, blob, 40, &len2),
		  EP11_CKR_BUFFER_TOO_SMALL);
	EXPECT_EQ(fw_blob_seal(fw, 0x77, &key, blob, sizeof(blob), &len2),
		  EP11_CKR_ARGUMENTS_BAD);
	fw_key_free(&key);
	fw_free(fw);
	test_rmdir(dir);
}

static void test_open_failures(void)
{
	u8 blob[FW_MAX_BLOB_LEN], bad[FW_MAX_BLOB_LEN];
	char *dir = test_mkdir(), *other = test_mkdir();
	struct fw *fw = card_new(dir, 0x0b, 4);
	struct fw *fw2 = card_new(other, 0x0c, 4);
	struct fw_key key, out;
	size_t len = 0, i;

	ASSERT_TRUE(fw && fw2);
	make_key(&key, NULL);
	EXPECT_EQ(fw_blob_seal(fw, D0, &key, blob, sizeof(blob), &len), 0);
	fw_key_free(&key);

	/* Another domain or another card's state: another wrapping key. */
	EXPECT_EQ(fw_blob_open(fw, D1, blob, len, &out),
		  EP11_CKR_IBM_WKID_MISMATCH);
	EXPECT_EQ(fw_blob_open(fw2, D0, blob, len, &out),
		  EP11_CKR_IBM_WKID_MISMATCH);
	/* Any other changed byte: blob error. */
	for (i = 0; i < len; i++) {
		if (i >= EP11_SESSION_ID_LEN &&
		    i < EP11_SESSION_ID_LEN + EP11_WKID_LEN)
			continue;
		memcpy(bad, blob, len);
		bad[i] ^= 0x80;
		if (fw_blob_open(fw, D0, bad, len, &out) !=
		    EP11_CKR_IBM_BLOB_ERROR) {
			fprintf(stderr, "byte %zu changed\n", i);
			EXPECT_TRUE(0);
		}
	}
	for (i = 0; i < len; i += 5)
		EXPECT_EQ(fw_blob_open(fw, D0, blob, i, &out),
			  EP11_CKR_IBM_BLOB_ERROR);
	EXPECT_EQ(fw_blob_open(fw, D0, blob, FW_MAX_BLOB_LEN + 1, &out),
		  EP11_CKR_IBM_BLOB_ERROR);
	EXPECT_EQ(out.material, NULL);
	EXPECT_EQ(out.attrs.n, 0);
	fw_free(fw);
	fw_free(fw2);
	test_rmdir(dir);
	test_rmdir(other);
}

static void test_bound_blob(void)
{
	u8 pinblob[EP11_PINBLOB_LEN], blob[FW_MAX_BLOB_LEN];
	char *dir = test_mkdir();
	struct fw *fw = card_new(dir, 0x0b, 4);
	struct fw_key key, out;
	size_t len = 0;

	ASSERT_TRUE(fw);
	EXPECT_EQ(fw_session_login(fw, D0, PIN, NULL, 0, pinblob), 0);
	make_key(&key, pinblob);
	EXPECT_EQ(fw_blob_seal(fw, D0, &key, blob, sizeof(blob), &len), 0);
	fw_key_free(&key);
	EXPECT_MEM(blob, pinblob, EP11_SESSION_ID_LEN);

	EXPECT_EQ(fw_blob_open(fw, D0, blob, len, &out), EP11_CKR_OK);
	EXPECT_MEM(out.session, pinblob, EP11_SESSION_ID_LEN);
	fw_key_free(&out);
	EXPECT_EQ(fw_session_logout(fw, D0, pinblob), 0);
	EXPECT_EQ(fw_blob_open(fw, D0, blob, len, &out),
		  EP11_CKR_SESSION_CLOSED);
	/* Logging in again with the same PIN and nonce revives the key. */
	EXPECT_EQ(fw_session_login(fw, D0, PIN, NULL, 0, pinblob), 0);
	EXPECT_EQ(fw_blob_open(fw, D0, blob, len, &out), EP11_CKR_OK);
	fw_key_free(&out);
	fw_free(fw);
	test_rmdir(dir);
}

static void test_attribute_templates(void)
{
	static const u8 good[] = {
		0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 3,
		0, 0, 1, 8, 0, 0, 0, 1, 1,
		0, 0, 0, 3, 0, 0, 0, 0,
	};
	static const u8 dup[] = {
		0, 0, 1, 8, 0, 0, 0, 1, 1,
		0, 0, 1, 8, 0, 0, 0, 1, 0,
	};
	static const u8 bad_bool[] = { 0, 0, 1, 8, 0, 0, 0, 1, 2 };
	u8 out[64];
	struct fw_attrs as = { 0 };
	bool b;
	u32 v;

	EXPECT_EQ(fw_attrs_parse(&as, good, sizeof(good)), EP11_CKR_OK);
	EXPECT_EQ(as.n, 3);
	EXPECT_EQ(fw_attrs_get_ulong(&as, CKA_CLASS, &v), 0);
	EXPECT_EQ(v, 3);
	EXPECT_EQ(fw_attrs_get_ulong(&as, CKA_VALUE_LEN, &v),
		  EP11_CKR_TEMPLATE_INCOMPLETE);
	EXPECT_EQ(fw_attrs_get_ulong(&as, CKA_SIGN, &v),
		  EP11_CKR_ATTRIBUTE_VALUE_INVALID);
	EXPECT_EQ(fw_attrs_find(&as, CKA_LABEL)->len, 0);
	EXPECT_EQ(fw_attrs_encode(&as, out, sizeof(out)), sizeof(good));
	EXPECT_MEM(out, good, sizeof(good));
	EXPECT_EQ(fw_attrs_encode(&as, out, 4), -EMSGSIZE);

	EXPECT_EQ(fw_attrs_parse(&as, good, sizeof(good) - 1),
		  EP11_CKR_TEMPLATE_INCONSISTENT);
	EXPECT_EQ(as.n, 0);
	EXPECT_EQ(fw_attrs_parse(&as, good, 5),
		  EP11_CKR_TEMPLATE_INCONSISTENT);
	EXPECT_EQ(fw_attrs_parse(&as, dup, sizeof(dup)),
		  EP11_CKR_TEMPLATE_INCONSISTENT);
	EXPECT_EQ(fw_attrs_parse(&as, bad_bool, sizeof(bad_bool)), 0);
	EXPECT_EQ(fw_attrs_get_bool(&as, CKA_SIGN, false, &b),
		  EP11_CKR_ATTRIBUTE_VALUE_INVALID);
	EXPECT_EQ(fw_attrs_get_bool(&as, CKA_CLASS, true, &b), 0);
	EXPECT_TRUE(b);
	fw_attrs_free(&as);
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_seal_open),
		TEST(test_open_failures),
		TEST(test_bound_blob),
		TEST(test_attribute_templates),
	};

	return test_run(tests, ARRAY_SIZE(tests));
}
