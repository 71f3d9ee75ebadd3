// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-appid.c: the names of application ids' named logins (lib/appid.h):
 * RFC 5869's construction, computed here with HMAC-SHA-256 step by step;
 * the same name for the same token and id, in this process and another;
 * another name for another serial, salt, major or minor; never all zero.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "appid.h"

static const char serial_a[16] = "0123456789ABCDEF";
static const uint8_t salt_a[32] = {
	0x5e, 0x01, 0x77, 0x9a, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde,
	0xf0, 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96,
	0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0, 0x01, 0x02, 0x03, 0x04,
};

static void hmac(const void *key, size_t keylen, const void *a, size_t alen,
		 const void *b, size_t blen, uint8_t out[32])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM p[2];
	size_t n = 0;

	assert_non_null(ctx);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						(char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_MAC_init(ctx, key, keylen, p), 1);
	assert_int_equal(EVP_MAC_update(ctx, a, alen), 1);
	if (blen)
		assert_int_equal(EVP_MAC_update(ctx, b, blen), 1);
	assert_int_equal(EVP_MAC_final(ctx, out, &n, 32), 1);
	assert_int_equal(n, 32);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

/* RFC 5869 by hand: PRK = HMAC(salt, IKM), T(1) = HMAC(PRK, info | 1). */
static void expected_name(const char serial[16], const uint8_t salt[32],
			  uint32_t major, uint32_t minor, uint8_t out[16])
{
	uint8_t prk[32], t1[32], info[64];
	size_t n = strlen(CK_APPID_INFO);
	int i;

	hmac(salt, 32, serial, 16, NULL, 0, prk);
	memcpy(info, CK_APPID_INFO, n);
	for (i = 3; i >= 0; i--)
		info[n++] = (uint8_t)(major >> (8 * i));
	for (i = 3; i >= 0; i--)
		info[n++] = (uint8_t)(minor >> (8 * i));
	info[n++] = 1;
	hmac(prk, 32, info, n, NULL, 0, t1);
	memcpy(out, t1, 16);
}

static void name(const char serial[16], const uint8_t salt[32],
		 uint32_t major, uint32_t minor, uint8_t out[16])
{
	if (ck_appid_name(serial, salt, major, minor, out))
		fail_msg("ck_appid_name(%u.%u): expected 0, got -1", major,
			 minor);
}

static void hex(const uint8_t *p, char out[33])
{
	int i;

	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void expect_same(const uint8_t *got, const uint8_t *want,
			const char *what)
{
	char g[33], w[33];

	if (memcmp(got, want, 16)) {
		hex(got, g);
		hex(want, w);
		fail_msg("%s: expected %s, got %s", what, w, g);
	}
}

static void expect_differs(const uint8_t *a, const uint8_t *b,
			   const char *what)
{
	char h[33];

	if (!memcmp(a, b, 16)) {
		hex(a, h);
		fail_msg("%s: expected two names, got %s for both", what, h);
	}
}

/* The name is RFC 5869's HKDF-SHA-256 of the documented inputs. */
static void test_name_is_hkdf_of_serial_salt_and_id(void **state)
{
	static const uint32_t ids[][2] = {
		{ 0, 0 }, { 1, 40 }, { 40, 1 }, { 0xffffffff, 0xffffffff },
		{ 0x80000000, 7 },
	};
	uint8_t got[16], want[16];
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		name(serial_a, salt_a, ids[i][0], ids[i][1], got);
		expected_name(serial_a, salt_a, ids[i][0], ids[i][1], want);
		expect_same(got, want, "HKDF-SHA-256 by RFC 5869");
	}
}

/* Stable: every call, and another process, gives the same name. */
static void test_name_is_stable(void **state)
{
	uint8_t first[16], again[16], child[16];
	int fds[2], status;
	pid_t pid;

	name(serial_a, salt_a, 1, 40, first);
	name(serial_a, salt_a, 1, 40, again);
	expect_same(again, first, "the second call");
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		uint8_t n[16];

		close(fds[0]);
		if (ck_appid_name(serial_a, salt_a, 1, 40, n) ||
		    write(fds[1], n, 16) != 16)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], child, 16), 16);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	expect_same(child, first, "another process");
}

/* Another token or another id: another name. */
static void test_name_differs_by_token_and_id(void **state)
{
	uint8_t base[16], other[16], salt_b[32];
	char serial_b[16];

	name(serial_a, salt_a, 1, 40, base);
	memcpy(serial_b, serial_a, 16);
	serial_b[15] = 'E';
	name(serial_b, salt_a, 1, 40, other);
	expect_differs(base, other, "a serial one character apart");
	memcpy(salt_b, salt_a, 32);
	salt_b[0] ^= 1;
	name(serial_a, salt_b, 1, 40, other);
	expect_differs(base, other, "a salt one bit apart");
	name(serial_a, salt_a, 2, 40, other);
	expect_differs(base, other, "another major");
	name(serial_a, salt_a, 1, 41, other);
	expect_differs(base, other, "another minor");
	name(serial_a, salt_a, 40, 1, other);
	expect_differs(base, other, "major and minor swapped");
	/* 1.256 and 256.1 would meet if the numbers were not fixed-width. */
	name(serial_a, salt_a, 1, 256, base);
	name(serial_a, salt_a, 256, 1, other);
	expect_differs(base, other, "1.256 and 256.1");
}

/* The kernel refuses an all-zero name: none of these is one. */
static void test_name_never_zero(void **state)
{
	static const uint8_t zero[16];
	uint8_t n[16];
	uint32_t i;

	for (i = 0; i < 1000; i++) {
		name(serial_a, salt_a, i, i * 7919, n);
		if (!memcmp(n, zero, 16))
			fail_msg("id %u.%u: expected a name not all zero, got zeros",
				 i, i * 7919);
	}
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_is_hkdf_of_serial_salt_and_id),
		cmocka_unit_test(test_name_is_stable),
		cmocka_unit_test(test_name_differs_by_token_and_id),
		cmocka_unit_test(test_name_never_zero),
	};

	return cmocka_run_group_tests_name("appid", tests, NULL, NULL);
}
