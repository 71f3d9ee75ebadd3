// SPDX-License-Identifier: GPL-2.0
/*
 * The key cache: a blob's second use finds its OpenSSL key decoded, yet
 * every use is still authenticated (a tampered blob is refused while its
 * key is cached) and still checks its session (a Logout drops the
 * session's keys and their blobs are refused); at most
 * FW_KEY_CACHE_SIZE keys, the least recently used leave first; secret
 * keys never enter; several threads share it.
 */
#include <pthread.h>

#include "card.h"
#include "crypto-call.h"

#define NKEYS		(FW_KEY_CACHE_SIZE + 8)
#define THREADS		4
#define ROUNDS		25

static char *dir;
static struct fw *fw;
static struct key_pair p256;

struct counts {
	unsigned long long hits;
	unsigned long long misses;
	unsigned int entries;
};

static struct counts counts(void)
{
	struct counts c;

	fw_key_cache_stats(&fw->keys, &c.hits, &c.misses, &c.entries);
	return c;
}

static struct bytes *digest(u8 v)
{
	static _Thread_local struct bytes d;

	memset(d.p, v, 32);
	d.n = 32;
	return &d;
}

static u32 sign_with(const struct bytes *priv, const u8 *pinblob,
		     struct bytes *sig)
{
	u32 rc = CALL(fw, D0, EP11_FN_SIGN_SINGLE, pinblob,
		      mech(CKM_ECDSA, NULL, 0), priv, digest(7));

	if (!rc)
		*sig = call_res[0];
	return rc;
}

static u32 verify_with(const struct bytes *pub, const u8 *pinblob,
		       const struct bytes *sig)
{
	return CALL(fw, D0, EP11_FN_VERIFY_SINGLE, pinblob,
		    mech(CKM_ECDSA, NULL, 0), pub, digest(7), sig);
}

static void test_second_use_finds_the_key_decoded(void)
{
	struct bytes sig1, sig2;
	struct counts c0, c;

	c0 = counts();
	ASSERT_TRUE(sign_with(&p256.priv, NULL, &sig1) == EP11_CKR_OK);
	c = counts();
	EXPECT_EQ(c.misses - c0.misses, 1);
	EXPECT_EQ(c.hits - c0.hits, 0);
	ASSERT_TRUE(sign_with(&p256.priv, NULL, &sig2) == EP11_CKR_OK);
	c = counts();
	EXPECT_EQ(c.misses - c0.misses, 1);
	EXPECT_EQ(c.hits - c0.hits, 1);
	/* Fresh nonces: two different signatures, both valid. */
	EXPECT_EQ(sig1.n, 64);
	EXPECT_TRUE(sig1.n != sig2.n || memcmp(sig1.p, sig2.p, sig1.n));
	EXPECT_EQ(verify_with(&p256.pub, NULL, &sig1), EP11_CKR_OK);
	EXPECT_EQ(verify_with(&p256.pub, NULL, &sig2), EP11_CKR_OK);
	/* The public key too: decoded once, found once. */
	c = counts();
	EXPECT_EQ(c.misses - c0.misses, 2);
	EXPECT_EQ(c.hits - c0.hits, 2);
	sig1.p[5] ^= 1;
	EXPECT_EQ(verify_with(&p256.pub, NULL, &sig1),
		  EP11_CKR_SIGNATURE_INVALID);
}

static void test_tampered_blob_refused_while_cached(void)
{
	struct bytes sig, bad;
	struct counts c0, c;
	const size_t at[] = {
		0,				/* session id (AAD) */
		EP11_SESSION_ID_LEN + EP11_WKID_LEN,	/* IV */
		FW_BLOB_HDR_LEN + 10,		/* ciphertext */
	};
	size_t i;

	ASSERT_TRUE(sign_with(&p256.priv, NULL, &sig) == EP11_CKR_OK);
	c0 = counts();
	for (i = 0; i < ARRAY_SIZE(at); i++) {
		bad = p256.priv;
		bad.p[at[i]] ^= 0x20;
		EXPECT_EQ(sign_with(&bad, NULL, &sig),
			  EP11_CKR_IBM_BLOB_ERROR);
	}
	/* The tag. */
	bad = p256.priv;
	bad.p[bad.n - 1] ^= 1;
	EXPECT_EQ(sign_with(&bad, NULL, &sig), EP11_CKR_IBM_BLOB_ERROR);
	/* Truncated. */
	bad = p256.priv;
	bad.n--;
	EXPECT_EQ(sign_with(&bad, NULL, &sig), EP11_CKR_IBM_BLOB_ERROR);
	/* None of them got as far as the cache. */
	c = counts();
	EXPECT_EQ(c.hits, c0.hits);
	EXPECT_EQ(c.misses, c0.misses);
	/* The blob itself still serves, from the cache. */
	EXPECT_EQ(sign_with(&p256.priv, NULL, &sig), EP11_CKR_OK);
	EXPECT_EQ(counts().hits, c0.hits + 1);
}

static void test_logout_drops_the_sessions_keys(void)
{
	u8 pinblob[EP11_PINBLOB_LEN], again[EP11_PINBLOB_LEN];
	struct key_pair bound;
	struct bytes sig;
	struct counts c0, c;

	ASSERT_TRUE(login_nonce(fw, D0, "keycache", pinblob) == EP11_CKR_OK);
	ASSERT_TRUE(gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P256_PARAMS,
			     NULL, NULL, pinblob, &bound) == EP11_CKR_OK);
	ASSERT_TRUE(sign_with(&p256.priv, NULL, &sig) == EP11_CKR_OK);
	c0 = counts();
	ASSERT_TRUE(sign_with(&bound.priv, pinblob, &sig) == EP11_CKR_OK);
	EXPECT_EQ(verify_with(&bound.pub, pinblob, &sig), EP11_CKR_OK);
	c = counts();
	EXPECT_EQ(c.entries, c0.entries + 2);

	EXPECT_EQ(fw_session_logout(fw, D0, pinblob), EP11_CKR_OK);
	c = counts();
	EXPECT_EQ(c.entries, c0.entries);
	/* The blobs are refused; the unbound key stays cached. */
	EXPECT_EQ(sign_with(&bound.priv, NULL, &sig),
		  EP11_CKR_SESSION_CLOSED);
	EXPECT_EQ(counts().entries, c0.entries);
	EXPECT_EQ(sign_with(&p256.priv, NULL, &sig), EP11_CKR_OK);
	EXPECT_EQ(counts().hits, c.hits + 1);

	/* The same PIN and nonce give the same session: the blob serves. */
	ASSERT_TRUE(login_nonce(fw, D0, "keycache", again) == EP11_CKR_OK);
	EXPECT_MEM(again, pinblob, EP11_PINBLOB_LEN);
	c = counts();
	EXPECT_EQ(sign_with(&bound.priv, again, &sig), EP11_CKR_OK);
	EXPECT_EQ(counts().misses, c.misses + 1);
	EXPECT_EQ(verify_with(&bound.pub, again, &sig), EP11_CKR_OK);
	EXPECT_EQ(fw_session_logout(fw, D0, again), EP11_CKR_OK);
}

static void test_secret_keys_stay_out(void)
{
	struct bytes aes, gcm, data;
	struct counts c0, c;

	ASSERT_TRUE(gen_secret(fw, D0, CKM_AES_KEY_GEN, 32, NULL, NULL,
			       &aes) == EP11_CKR_OK);
	gcm.n = 0;
	bytes_u32(&gcm, 12);
	bytes_add(&gcm, "iv of twelve", 12);
	bytes_u32(&gcm, 0);
	bytes_u32(&gcm, 128);
	bytes_set(&data, "secret", 6);
	c0 = counts();
	EXPECT_EQ(CALL(fw, D0, EP11_FN_ENCRYPT_SINGLE, NULL,
		       mech_param(CKM_AES_GCM, &gcm), &aes, &data),
		  EP11_CKR_OK);
	c = counts();
	EXPECT_EQ(c.hits, c0.hits);
	EXPECT_EQ(c.misses, c0.misses);
	EXPECT_EQ(c.entries, c0.entries);
}

static struct bytes many[NKEYS];

/* Replaces the card with a new one on the same state: an empty cache. */
static bool fresh_card(void)
{
	fw_free(fw);
	fw = card_new(dir, 0x0b, 8);
	return fw;
}

static void test_least_recently_used_leave_first(void)
{
	struct key_pair kp;
	struct bytes sig;
	struct counts c;
	unsigned int i;

	ASSERT_TRUE(fresh_card());
	for (i = 0; i < NKEYS; i++) {
		ASSERT_TRUE(gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0,
				     P256_PARAMS, NULL, NULL, NULL,
				     &kp) == EP11_CKR_OK);
		many[i] = kp.priv;
	}
	for (i = 0; i < NKEYS; i++)
		ASSERT_TRUE(sign_with(&many[i], NULL, &sig) == EP11_CKR_OK);
	c = counts();
	EXPECT_EQ(c.entries, FW_KEY_CACHE_SIZE);
	EXPECT_EQ(c.misses, NKEYS);
	EXPECT_EQ(c.hits, 0);
	/* The last is there; the first 8 made room for the last 8. */
	EXPECT_EQ(sign_with(&many[NKEYS - 1], NULL, &sig), EP11_CKR_OK);
	EXPECT_EQ(counts().hits, 1);
	EXPECT_EQ(sign_with(&many[0], NULL, &sig), EP11_CKR_OK);
	EXPECT_EQ(counts().misses, NKEYS + 1);
	EXPECT_EQ(sig.n, 64);
	/* many[0] took the place of many[8], the oldest left. */
	EXPECT_EQ(sign_with(&many[9], NULL, &sig), EP11_CKR_OK);
	EXPECT_EQ(counts().hits, 2);
	EXPECT_EQ(sign_with(&many[8], NULL, &sig), EP11_CKR_OK);
	EXPECT_EQ(counts().misses, NKEYS + 2);
	EXPECT_EQ(counts().entries, FW_KEY_CACHE_SIZE);
}

static void *worker(void *arg)
{
	long id = (long)arg, failed = 0;
	u8 pinblob[EP11_PINBLOB_LEN];
	struct key_pair own = { 0 };
	struct bytes sig;
	char nonce[16];
	int i;

	snprintf(nonce, sizeof(nonce), "cache %ld", id);
	for (i = 0; i < ROUNDS && !failed; i++) {
		/* A new session every few rounds: its keys come and go. */
		if (i % 5 == 0) {
			failed |= login_nonce(fw, D0, nonce, pinblob);
			failed |= gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0,
					   P256_PARAMS, NULL, NULL, pinblob,
					   &own);
		}
		failed |= sign_with(&p256.priv, pinblob, &sig);
		failed |= verify_with(&p256.pub, pinblob, &sig);
		failed |= sign_with(&own.priv, pinblob, &sig);
		failed |= verify_with(&own.pub, pinblob, &sig);
		if (i % 5 == 4)
			failed |= fw_session_logout(fw, D0, pinblob);
	}
	if (failed)
		fprintf(stderr, "thread %ld: a call failed in round %d\n", id,
			i);
	return (void *)failed;
}

static void test_threads_share_the_cache(void)
{
	pthread_t t[THREADS];
	void *ret;
	long i;

	ASSERT_TRUE(fresh_card());
	ASSERT_TRUE(gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P256_PARAMS, NULL,
			     NULL, NULL, &p256) == EP11_CKR_OK);
	for (i = 0; i < THREADS; i++)
		ASSERT_TRUE(!pthread_create(&t[i], NULL, worker, (void *)i));
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], &ret);
		EXPECT_EQ((long)ret, 0);
	}
	/* Every session logged out: only the shared pair is left. */
	EXPECT_EQ(counts().entries, 2);
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_second_use_finds_the_key_decoded),
		TEST(test_tampered_blob_refused_while_cached),
		TEST(test_logout_drops_the_sessions_keys),
		TEST(test_secret_keys_stay_out),
		TEST(test_least_recently_used_leave_first),
		TEST(test_threads_share_the_cache),
	};
	int r;

	dir = test_mkdir();
	fw = card_new(dir, 0x0b, 8);
	if (!fw || gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P256_PARAMS, NULL,
			    NULL, NULL, &p256)) {
		fprintf(stderr, "cannot set up the card\n");
		return 1;
	}
	r = test_run(tests, ARRAY_SIZE(tests));
	fw_free(fw);
	test_rmdir(dir);
	return r;
}
