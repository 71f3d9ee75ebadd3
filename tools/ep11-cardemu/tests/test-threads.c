// SPDX-License-Identifier: GPL-2.0
/*
 * The crypto functions from several threads at once on one card, as
 * the vcard I/O loop runs them: key generation, AES-GCM, ECDSA, HMAC
 * and key wrapping, each thread checking its own results.
 */
#include <pthread.h>

#include "crypto-call.h"

#define THREADS		4
#define ROUNDS		40

static char *dir;
static struct fw *fw;
static struct key_pair ec;

static void *worker(void *arg)
{
	long id = (long)arg, failed = 0;
	struct bytes aes, hmac, gcm, data, ct, sig, wrapped, copy;
	u8 pinblob[EP11_PINBLOB_LEN];
	char nonce[16];
	int i;

	snprintf(nonce, sizeof(nonce), "thread %ld", id);
	if (login_nonce(fw, D0, nonce, pinblob))
		return (void *)1L;
	for (i = 0; i < ROUNDS && !failed; i++) {
		data.n = 0;
		bytes_add(&data, nonce, strlen(nonce));
		bytes_u32(&data, i);
		gcm.n = 0;
		bytes_u32(&gcm, 12);
		bytes_add(&gcm, "iv of twelve", 12);
		bytes_u32(&gcm, 0);
		bytes_u32(&gcm, 128);
		failed |= gen_secret(fw, D0, CKM_AES_KEY_GEN, 16, NULL, pinblob,
				     &aes);
		failed |= gen_secret(fw, D0, CKM_GENERIC_SECRET_KEY_GEN, 32,
				     NULL, pinblob, &hmac);
		failed |= CALL(fw, D0, EP11_FN_ENCRYPT_SINGLE, pinblob,
			       mech(CKM_AES_GCM, gcm.p, gcm.n), &aes, &data);
		ct = call_res[0];
		failed |= CALL(fw, D0, EP11_FN_DECRYPT_SINGLE, pinblob,
			       mech(CKM_AES_GCM, gcm.p, gcm.n), &aes, &ct);
		failed |= call_res[0].n != data.n ||
			  memcmp(call_res[0].p, data.p, data.n);
		failed |= CALL(fw, D0, EP11_FN_SIGN_SINGLE, pinblob,
			       mech(CKM_ECDSA_SHA256, NULL, 0), &ec.priv,
			       &data);
		sig = call_res[0];
		failed |= CALL(fw, D0, EP11_FN_VERIFY_SINGLE, pinblob,
			       mech(CKM_ECDSA_SHA256, NULL, 0), &ec.pub, &data,
			       &sig);
		failed |= CALL(fw, D0, EP11_FN_SIGN_SINGLE, pinblob,
			       mech(CKM_SHA256_HMAC, NULL, 0), &hmac, &data);
		sig = call_res[0];
		failed |= CALL(fw, D0, EP11_FN_VERIFY_SINGLE, pinblob,
			       mech(CKM_SHA256_HMAC, NULL, 0), &hmac, &data,
			       &sig);
		failed |= CALL(fw, D0, EP11_FN_WRAP_KEY, pinblob,
			       mech(CKM_AES_KEY_WRAP, NULL, 0), &aes, &hmac);
		wrapped = call_res[0];
		copy.n = 0;
		tmpl_ulong(&copy, CKA_CLASS, CKO_SECRET_KEY);
		tmpl_ulong(&copy, CKA_KEY_TYPE, CKK_GENERIC_SECRET);
		failed |= CALL(fw, D0, EP11_FN_UNWRAP_KEY, pinblob,
			       mech(CKM_AES_KEY_WRAP, NULL, 0), &aes, &wrapped,
			       &copy);
		copy = call_res[0];
		/* The unwrapped copy verifies the original's MAC. */
		failed |= CALL(fw, D0, EP11_FN_VERIFY_SINGLE, pinblob,
			       mech(CKM_SHA256_HMAC, NULL, 0), &copy, &data,
			       &sig);
	}
	if (failed)
		fprintf(stderr, "thread %ld failed in round %d\n", id, i);
	if (fw_session_logout(fw, D0, pinblob))
		failed = 1;
	return (void *)failed;
}

static void test_concurrent_crypto(void)
{
	pthread_t t[THREADS];
	void *r;
	long i;

	for (i = 0; i < THREADS; i++)
		ASSERT_TRUE(!pthread_create(&t[i], NULL, worker, (void *)i));
	for (i = 0; i < THREADS; i++) {
		EXPECT_EQ(pthread_join(t[i], &r), 0);
		EXPECT_EQ((long)r, 0);
	}
	EXPECT_EQ(card_avail(fw), 8);
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_concurrent_crypto),
	};
	int r;

	dir = test_mkdir();
	fw = card_new(dir, 0x0b, 8);
	if (!fw || gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P256_PARAMS, NULL,
			    NULL, NULL, &ec))
		return 1;
	r = test_run(tests, ARRAY_SIZE(tests));
	fw_free(fw);
	test_rmdir(dir);
	return r;
}
