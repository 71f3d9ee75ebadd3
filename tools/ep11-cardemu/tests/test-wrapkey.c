// SPDX-License-Identifier: GPL-2.0
/*
 * Wrapping keys: created 0600 on first start, kept across restarts,
 * shared by cards on one state directory, distinct across directories;
 * unsafe or damaged key files are refused, and so is a state directory
 * that others may write or that another user owns.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "fixture.h"

static void test_restart_keeps_keys(void)
{
	u8 w1[EP11_WKID_LEN], w2[EP11_WKID_LEN], w3[EP11_WKID_LEN];
	u8 b1[EP11_PINBLOB_LEN], b2[EP11_PINBLOB_LEN];
	char *dir = test_mkdir(), path[4200];
	struct stat st;
	struct fw *fw;

	fw = card_new(dir, 0x0b, 4);
	ASSERT_TRUE(fw);
	EXPECT_EQ(fw_wkid(fw, D0, w1), 0);
	EXPECT_EQ(fw_wkid(fw, D1, w3), 0);
	EXPECT_TRUE(memcmp(w1, w3, EP11_WKID_LEN));
	EXPECT_EQ(fw_wkid(fw, 0x99, w3), -ENOENT);
	EXPECT_EQ(fw_session_login(fw, D0, PIN, (u8 *)"x", 1, b1), 0);
	fw_free(fw);

	snprintf(path, sizeof(path), "%s/wrapping-key-%04x", dir, D0);
	EXPECT_EQ(stat(path, &st), 0);
	EXPECT_EQ(st.st_mode & 0777, 0600);
	EXPECT_EQ(st.st_size, FW_WRAPKEY_LEN);

	fw = card_new(dir, 0x0b, 4);
	ASSERT_TRUE(fw);
	EXPECT_EQ(fw_wkid(fw, D0, w2), 0);
	EXPECT_MEM(w2, w1, EP11_WKID_LEN);
	/* The session is gone (a restarted card), its id is the same. */
	EXPECT_EQ(fw_session_logout(fw, D0, b1), EP11_CKR_SESSION_CLOSED);
	EXPECT_EQ(fw_session_login(fw, D0, PIN, (u8 *)"x", 1, b2), 0);
	EXPECT_MEM(b2, b1, EP11_SESSION_ID_LEN);
	fw_free(fw);
	test_rmdir(dir);
}

static void test_cards_sharing_a_directory(void)
{
	u8 w1[EP11_WKID_LEN], w2[EP11_WKID_LEN];
	u8 b1[EP11_PINBLOB_LEN], b2[EP11_PINBLOB_LEN];
	char *dir = test_mkdir(), *other = test_mkdir();
	struct fw *a = card_new(dir, 0x0b, 4), *b = card_new(dir, 0x0c, 4);
	struct fw *c = card_new(other, 0x0d, 4);

	ASSERT_TRUE(a && b && c);
	EXPECT_EQ(fw_wkid(a, D0, w1), 0);
	EXPECT_EQ(fw_wkid(b, D0, w2), 0);
	EXPECT_MEM(w1, w2, EP11_WKID_LEN);
	EXPECT_EQ(fw_session_login(a, D0, PIN, (u8 *)"n", 1, b1), 0);
	EXPECT_EQ(fw_session_login(b, D0, PIN, (u8 *)"n", 1, b2), 0);
	EXPECT_MEM(b1, b2, EP11_SESSION_ID_LEN);
	/* Each card counts its own sessions. */
	EXPECT_EQ(card_avail(a), 3);
	EXPECT_EQ(card_avail(b), 3);

	EXPECT_EQ(fw_wkid(c, D0, w2), 0);
	EXPECT_TRUE(memcmp(w1, w2, EP11_WKID_LEN));
	EXPECT_EQ(fw_session_login(c, D0, PIN, (u8 *)"n", 1, b2), 0);
	EXPECT_TRUE(memcmp(b1, b2, EP11_SESSION_ID_LEN));
	fw_free(a);
	fw_free(b);
	fw_free(c);
	test_rmdir(dir);
	test_rmdir(other);
}

static void test_unsafe_key_files(void)
{
	char *dir = test_mkdir(), path[4200];
	struct fw *fw;
	int fd;

	fw = card_new(dir, 0x0b, 4);
	ASSERT_TRUE(fw);
	fw_free(fw);
	snprintf(path, sizeof(path), "%s/wrapping-key-%04x", dir, D1);

	EXPECT_EQ(chmod(path, 0640), 0);
	errno = 0;
	EXPECT_TRUE(!card_new(dir, 0x0b, 4));
	EXPECT_EQ(errno, EPERM);

	EXPECT_EQ(chmod(path, 0600), 0);
	fd = open(path, O_WRONLY | O_TRUNC);
	EXPECT_TRUE(fd >= 0);
	EXPECT_EQ(write(fd, "short", 5), 5);
	close(fd);
	errno = 0;
	EXPECT_TRUE(!card_new(dir, 0x0b, 4));
	EXPECT_EQ(errno, EINVAL);
	test_rmdir(dir);
}

/* fw_new() fails with @err (errno) on @dir. */
static void expect_refused(const char *dir, int err)
{
	errno = 0;
	EXPECT_TRUE(!card_new(dir, 0x0b, 4));
	EXPECT_EQ(errno, err);
}

static void test_unsafe_state_dir(void)
{
	char *dir = test_mkdir(), path[4200];
	struct fw *fw;

	/* Group-writable or world-writable: anyone could swap the keys. */
	EXPECT_EQ(chmod(dir, 0770), 0);
	expect_refused(dir, EPERM);
	EXPECT_EQ(chmod(dir, 0757), 0);
	expect_refused(dir, EPERM);
	/* Readable by others is no danger for the folder itself. */
	EXPECT_EQ(chmod(dir, 0755), 0);
	fw = card_new(dir, 0x0b, 4);
	EXPECT_TRUE(fw);
	fw_free(fw);

	/* A folder or a key of another user (only root can make one). */
	snprintf(path, sizeof(path), "%s/wrapping-key-%04x", dir, D0);
	if (geteuid() == 0) {
		EXPECT_EQ(chown(dir, 65534, 65534), 0);
		expect_refused(dir, EPERM);
		EXPECT_EQ(chown(dir, 0, 0), 0);
		EXPECT_EQ(chown(path, 65534, 0), 0);
		expect_refused(dir, EPERM);
		EXPECT_EQ(chown(path, 0, 0), 0);
		fw = card_new(dir, 0x0b, 4);
		EXPECT_TRUE(fw);
		fw_free(fw);
	}

	/* A file where the folder should be. */
	snprintf(path, sizeof(path), "%s/wrapping-key-%04x", dir, D0);
	expect_refused(path, ENOTDIR);
	test_rmdir(dir);
}

static void test_bad_configs(void)
{
	struct fw_config cfg = {
		.card = 1, .domains = { 1, 1 }, .ndomains = 2,
		.max_sessions = 2, .state_dir = "/nonexistent/x",
	};

	EXPECT_TRUE(!fw_new(&cfg));	/* domain twice */
	cfg.ndomains = 1;
	cfg.max_sessions = 0;
	EXPECT_TRUE(!fw_new(&cfg));
	cfg.max_sessions = 2;
	strcpy(cfg.serial, "SHORT");
	EXPECT_TRUE(!fw_new(&cfg));
	cfg.serial[0] = 0;
	cfg.busy_rate = 1.5;
	EXPECT_TRUE(!fw_new(&cfg));
	cfg.busy_rate = 0;
	EXPECT_TRUE(!fw_new(&cfg));	/* state dir cannot be created */
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_restart_keeps_keys),
		TEST(test_cards_sharing_a_directory),
		TEST(test_unsafe_key_files),
		TEST(test_unsafe_state_dir),
		TEST(test_bad_configs),
	};

	return test_run(tests, ARRAY_SIZE(tests));
}
