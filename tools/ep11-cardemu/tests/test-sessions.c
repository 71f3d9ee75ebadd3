// SPDX-License-Identifier: GPL-2.0
/*
 * The session table: Login and Logout semantics, the card-wide budget,
 * pin blob checks, injected login failures, concurrent use and a full
 * table.
 */
#include <pthread.h>

#include "fixture.h"

static void test_login_logout(void)
{
	u8 a[EP11_PINBLOB_LEN], b[EP11_PINBLOB_LEN], c[EP11_PINBLOB_LEN];
	char *dir = test_mkdir();
	struct fw *fw = card_new(dir, 0x0b, 4);

	ASSERT_TRUE(fw);
	EXPECT_EQ(card_avail(fw), 4);
	EXPECT_EQ(fw_session_login(fw, D0, PIN, (u8 *)"n1", 2, a),
		  EP11_CKR_OK);
	EXPECT_EQ(card_avail(fw), 3);
	EXPECT_TRUE(fw_session_active(fw, D0, a));
	EXPECT_TRUE(!fw_session_active(fw, D1, a));

	/* Same PIN and nonce: same pin blob, no extra slot. */
	EXPECT_EQ(fw_session_login(fw, D0, PIN, (u8 *)"n1", 2, b),
		  EP11_CKR_OK);
	EXPECT_MEM(a, b, EP11_PINBLOB_LEN);
	EXPECT_EQ(card_avail(fw), 3);

	/* Another nonce: another session. */
	EXPECT_EQ(fw_session_login(fw, D0, PIN, (u8 *)"n2", 2, c),
		  EP11_CKR_OK);
	EXPECT_TRUE(memcmp(a, c, EP11_SESSION_ID_LEN));
	EXPECT_EQ(card_avail(fw), 2);

	EXPECT_EQ(fw_session_logout(fw, D0, a), EP11_CKR_OK);
	EXPECT_EQ(card_avail(fw), 3);
	EXPECT_TRUE(!fw_session_active(fw, D0, a));
	/* Logging out again: the card no longer knows it. */
	EXPECT_EQ(fw_session_logout(fw, D0, a), EP11_CKR_SESSION_CLOSED);
	EXPECT_EQ(fw_session_logout(fw, D0, c), EP11_CKR_OK);
	EXPECT_EQ(card_avail(fw), 4);
	fw_free(fw);
	test_rmdir(dir);
}

static void test_budget_shared_by_domains(void)
{
	u8 blob[4][EP11_PINBLOB_LEN], extra[EP11_PINBLOB_LEN];
	char *dir = test_mkdir();
	struct fw *fw = card_new(dir, 0x0b, 3);
	u8 nonce = 0;

	ASSERT_TRUE(fw);
	EXPECT_EQ(fw_session_login(fw, D0, PIN, &nonce, 1, blob[0]), 0);
	nonce++;
	EXPECT_EQ(fw_session_login(fw, D1, PIN, &nonce, 1, blob[1]), 0);
	/* The same PIN and nonce on the other domain is another slot. */
	EXPECT_EQ(fw_session_login(fw, D0, PIN, &nonce, 1, blob[2]), 0);
	EXPECT_EQ(card_avail(fw), 0);
	nonce++;
	EXPECT_EQ(fw_session_login(fw, D1, PIN, &nonce, 1, extra),
		  EP11_CKR_SESSION_COUNT);
	EXPECT_EQ(fw_session_login(fw, D0, PIN, &nonce, 1, extra),
		  EP11_CKR_SESSION_COUNT);
	/* A repeated login of a live session still works on a full card. */
	nonce = 0;
	EXPECT_EQ(fw_session_login(fw, D0, PIN, &nonce, 1, extra), 0);
	EXPECT_MEM(extra, blob[0], EP11_PINBLOB_LEN);
	/* Freeing a slot on one domain makes room on the other. */
	EXPECT_EQ(fw_session_logout(fw, D1, blob[1]), 0);
	nonce = 9;
	EXPECT_EQ(fw_session_login(fw, D0, PIN, &nonce, 1, blob[3]), 0);
	EXPECT_EQ(card_avail(fw), 0);
	fw_free(fw);
	test_rmdir(dir);
}

static void test_login_arguments(void)
{
	u8 pin[65], nonce[65], blob[EP11_PINBLOB_LEN];
	char *dir = test_mkdir();
	struct fw *fw = card_new(dir, 0x0b, 4);

	ASSERT_TRUE(fw);
	memset(pin, 'x', sizeof(pin));
	memset(nonce, 'y', sizeof(nonce));
	EXPECT_EQ(fw_session_login(fw, D0, pin, 7, NULL, 0, blob),
		  EP11_CKR_PIN_LEN_RANGE);
	EXPECT_EQ(fw_session_login(fw, D0, pin, 65, NULL, 0, blob),
		  EP11_CKR_PIN_LEN_RANGE);
	EXPECT_EQ(fw_session_login(fw, D0, pin, 8, nonce, 65, blob),
		  EP11_CKR_ARGUMENTS_BAD);
	EXPECT_EQ(fw_session_login(fw, 0x30, pin, 8, NULL, 0, blob),
		  EP11_CKR_ARGUMENTS_BAD);
	EXPECT_EQ(fw_session_login(fw, D0, pin, 64, nonce, 64, blob), 0);
	EXPECT_EQ(fw_session_login(fw, D0, pin, 8, NULL, 0, blob), 0);
	EXPECT_EQ(card_avail(fw), 2);
	fw_free(fw);
	test_rmdir(dir);
}

static void test_pinblob_checks(void)
{
	u8 blob[EP11_PINBLOB_LEN], forged[EP11_PINBLOB_LEN];
	u8 sid[EP11_SESSION_ID_LEN];
	char *dir = test_mkdir();
	struct fw *fw = card_new(dir, 0x0b, 4);
	size_t i;

	ASSERT_TRUE(fw);
	EXPECT_EQ(fw_session_login(fw, D0, PIN, NULL, 0, blob), 0);
	EXPECT_EQ(fw_session_verify(fw, D0, blob, sid), EP11_CKR_OK);
	EXPECT_MEM(sid, blob, sizeof(sid));
	/* Any changed byte breaks the MAC. */
	for (i = 0; i < EP11_PINBLOB_LEN; i += 7) {
		memcpy(forged, blob, sizeof(forged));
		forged[i] ^= 0x01;
		EXPECT_EQ(fw_session_verify(fw, D0, forged, sid),
			  EP11_CKR_IBM_BLOB_ERROR);
		EXPECT_EQ(fw_session_logout(fw, D0, forged),
			  EP11_CKR_IBM_BLOB_ERROR);
	}
	/* Another domain has another wrapping key. */
	EXPECT_EQ(fw_session_verify(fw, D1, blob, sid),
		  EP11_CKR_IBM_BLOB_ERROR);
	EXPECT_EQ(card_avail(fw), 3);
	EXPECT_EQ(fw_session_logout(fw, D0, blob), 0);
	EXPECT_EQ(fw_session_verify(fw, D0, blob, sid),
		  EP11_CKR_SESSION_CLOSED);
	fw_free(fw);
	test_rmdir(dir);
}

static void test_login_fail_rate(void)
{
	struct fw_config cfg = {
		.card = 1, .domains = { D0 }, .ndomains = 1,
		.max_sessions = 2, .login_fail_rate = 1.0,
	};
	u8 blob[EP11_PINBLOB_LEN];
	char *dir = test_mkdir();
	struct fw *fw;

	cfg.state_dir = dir;
	fw = fw_new(&cfg);
	ASSERT_TRUE(fw);
	EXPECT_EQ(fw_session_login(fw, D0, PIN, NULL, 0, blob),
		  EP11_CKR_DEVICE_ERROR);
	EXPECT_EQ(card_avail(fw), 2);
	fw_free(fw);
	test_rmdir(dir);
}

struct worker {
	struct fw *fw;
	u8 id;
	int errors;
};

/* Each thread logs in and out its own sessions many times. */
static void *churn(void *arg)
{
	struct worker *w = arg;
	u8 blob[EP11_PINBLOB_LEN], nonce[2] = { w->id };
	int i;

	for (i = 0; i < 300; i++) {
		nonce[1] = i % 4;
		if (fw_session_login(w->fw, D0 + (i & 1), PIN, nonce, 2,
				     blob) ||
		    fw_session_logout(w->fw, D0 + (i & 1), blob))
			w->errors++;
	}
	return NULL;
}

static void test_concurrent(void)
{
	char *dir = test_mkdir();
	struct fw *fw = card_new(dir, 0x0b, 8);
	struct worker w[8];
	pthread_t t[8];
	int i;

	ASSERT_TRUE(fw);
	for (i = 0; i < 8; i++) {
		w[i] = (struct worker){ .fw = fw, .id = i };
		pthread_create(&t[i], NULL, churn, &w[i]);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(w[i].errors, 0);
	}
	EXPECT_EQ(card_avail(fw), 8);
	fw_free(fw);
	test_rmdir(dir);
}

/*
 * A full table of FW_MAX_SESSIONS on two domains: every session is found
 * by its pin blob, also after the sessions around it in the card's
 * index have logged out and in again.
 */
static void test_full_table(void)
{
	static u8 blob[FW_MAX_SESSIONS][EP11_PINBLOB_LEN];
	u8 again[EP11_PINBLOB_LEN], sid[EP11_SESSION_ID_LEN];
	char *dir = test_mkdir();
	struct fw *fw = card_new(dir, 0x0b, FW_MAX_SESSIONS);
	unsigned int i, bad = 0;
	char nonce[16];

	ASSERT_TRUE(fw);
	for (i = 0; i < FW_MAX_SESSIONS; i++) {
		snprintf(nonce, sizeof(nonce), "full %u", i / 2);
		bad += fw_session_login(fw, i % 2 ? D1 : D0, PIN,
					(const u8 *)nonce, strlen(nonce),
					blob[i]) != EP11_CKR_OK;
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(card_avail(fw), 0);
	EXPECT_EQ(fw_session_login(fw, D0, PIN, (const u8 *)"one more", 8,
				   again), EP11_CKR_SESSION_COUNT);
	for (i = 0; i < FW_MAX_SESSIONS; i++)
		bad += fw_session_verify(fw, i % 2 ? D1 : D0, blob[i], sid) !=
		       EP11_CKR_OK || memcmp(sid, blob[i], sizeof(sid));
	EXPECT_EQ(bad, 0);
	/* A session is not found on the other domain. */
	EXPECT_EQ(fw_session_active(fw, D1, blob[0]), false);
	EXPECT_EQ(fw_session_active(fw, D0, blob[0]), true);

	/* Every third session logs out; the others are still found. */
	for (i = 0; i < FW_MAX_SESSIONS; i += 3)
		bad += fw_session_logout(fw, i % 2 ? D1 : D0, blob[i]) !=
		       EP11_CKR_OK;
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(card_avail(fw), (FW_MAX_SESSIONS + 2) / 3);
	for (i = 0; i < FW_MAX_SESSIONS; i++)
		bad += fw_session_verify(fw, i % 2 ? D1 : D0, blob[i], sid) !=
		       (i % 3 ? EP11_CKR_OK : EP11_CKR_SESSION_CLOSED);
	EXPECT_EQ(bad, 0);

	/* They log in again and get their pin blobs back. */
	for (i = 0; i < FW_MAX_SESSIONS; i += 3) {
		snprintf(nonce, sizeof(nonce), "full %u", i / 2);
		bad += fw_session_login(fw, i % 2 ? D1 : D0, PIN,
					(const u8 *)nonce, strlen(nonce),
					again) != EP11_CKR_OK ||
		       memcmp(again, blob[i], sizeof(again));
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(card_avail(fw), 0);
	for (i = 0; i < FW_MAX_SESSIONS; i++)
		bad += fw_session_logout(fw, i % 2 ? D1 : D0, blob[i]) !=
		       EP11_CKR_OK;
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(card_avail(fw), FW_MAX_SESSIONS);
	fw_free(fw);
	test_rmdir(dir);
}

/*
 * Another host's sessions (foreign-login): they take slots of the budget,
 * a login of ours finds the card full, they are all or nothing, and
 * closing them frees the slots.
 */
static void test_foreign_sessions(void)
{
	u8 a[EP11_PINBLOB_LEN], b[EP11_PINBLOB_LEN];
	char *dir = test_mkdir();
	struct fw *fw = card_new(dir, 0x0b, 4);

	ASSERT_TRUE(fw);
	EXPECT_EQ(fw_session_login(fw, D0, PIN, (u8 *)"n1", 2, a),
		  EP11_CKR_OK);
	EXPECT_EQ(fw_foreign_login(fw, 2), 0);
	EXPECT_EQ(fw_foreign_count(fw), 2);
	EXPECT_EQ(card_avail(fw), 1);
	/* Three more do not fit: nothing is taken. */
	EXPECT_EQ(fw_foreign_login(fw, 2), -ENOSPC);
	EXPECT_EQ(fw_foreign_count(fw), 2);
	EXPECT_EQ(card_avail(fw), 1);
	EXPECT_EQ(fw_foreign_login(fw, 1), 0);
	EXPECT_EQ(card_avail(fw), 0);
	EXPECT_EQ(fw_session_login(fw, D1, PIN, (u8 *)"n2", 2, b),
		  EP11_CKR_SESSION_COUNT);
	/* Closing more than are open closes nothing. */
	EXPECT_EQ(fw_foreign_logout(fw, 4), -ENOENT);
	EXPECT_EQ(fw_foreign_count(fw), 3);
	EXPECT_EQ(fw_foreign_logout(fw, 1), 0);
	EXPECT_EQ(fw_session_login(fw, D1, PIN, (u8 *)"n2", 2, b),
		  EP11_CKR_OK);
	EXPECT_EQ(fw_foreign_logout(fw, 2), 0);
	EXPECT_EQ(fw_foreign_count(fw), 0);
	EXPECT_EQ(card_avail(fw), 2);
	EXPECT_EQ(fw_session_logout(fw, D0, a), EP11_CKR_OK);
	EXPECT_EQ(fw_session_logout(fw, D1, b), EP11_CKR_OK);
	EXPECT_EQ(card_avail(fw), 4);
	fw_free(fw);
	test_rmdir(dir);
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_login_logout),
		TEST(test_budget_shared_by_domains),
		TEST(test_login_arguments),
		TEST(test_pinblob_checks),
		TEST(test_login_fail_rate),
		TEST(test_concurrent),
		TEST(test_full_table),
		TEST(test_foreign_sessions),
	};

	return test_run(tests, ARRAY_SIZE(tests));
}
