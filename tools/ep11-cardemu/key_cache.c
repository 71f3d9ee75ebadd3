// SPDX-License-Identifier: GPL-2.0
/*
 * The key cache: the decoded OpenSSL keys of the blobs the card opened
 * last, by SHA-256 of the blob, at most FW_KEY_CACHE_SIZE of them; the
 * least recently used makes room.  What it may and may not save is
 * described with struct fw_key_cache (card.h).
 *
 * Entries are found by a scan: a few hundred compares cost less than a
 * microsecond, nothing next to the signature the key is wanted for.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "card.h"
#include "fw_crypto.h"

static const u8 no_session[EP11_SESSION_ID_LEN];

void fw_key_cache_init(struct fw_key_cache *c)
{
	pthread_mutex_init(&c->lock, NULL);
}

static void entry_clear(struct fw_cached_key *e)
{
	EVP_PKEY_CTX_free(e->op);
	EVP_PKEY_free(e->pkey);
	OPENSSL_cleanse(e, sizeof(*e));
}

void fw_key_cache_free(struct fw_key_cache *c)
{
	unsigned int i;

	for (i = 0; i < FW_KEY_CACHE_SIZE; i++)
		entry_clear(&c->e[i]);
	pthread_mutex_destroy(&c->lock);
}

/* Caller holds c->lock. */
static struct fw_cached_key *find(struct fw_key_cache *c, const u8 id[32])
{
	unsigned int i;

	for (i = 0; i < FW_KEY_CACHE_SIZE; i++)
		if (c->e[i].pkey && !memcmp(c->e[i].id, id, 32))
			return &c->e[i];
	return NULL;
}

EVP_PKEY *fw_key_cache_get(struct fw_key_cache *c, const u8 id[32])
{
	struct fw_cached_key *e;
	EVP_PKEY *pkey = NULL;

	pthread_mutex_lock(&c->lock);
	e = find(c, id);
	if (e && EVP_PKEY_up_ref(e->pkey)) {
		e->used = ++c->clock;
		pkey = e->pkey;
		c->hits++;
	} else {
		c->misses++;
	}
	pthread_mutex_unlock(&c->lock);
	return pkey;
}

/*
 * The context a raw signature operation with @pkey starts from: signing
 * for a private key, verifying for a public one.  NULL when OpenSSL has
 * none (EdDSA signs only through EVP_DigestSign()).
 */
static EVP_PKEY_CTX *op_template(EVP_PKEY *pkey, bool sign)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	int ok;

	if (!ctx)
		return NULL;
	ERR_set_mark();
	ok = sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx);
	ERR_pop_to_mark();
	if (ok <= 0) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

void fw_key_cache_put(const struct fw_key *key, EVP_PKEY *pkey)
{
	struct fw *fw = key->card;
	struct fw_key_cache *c = &fw->keys;
	struct fw_cached_key *e, *victim = NULL;
	bool sign = fw_key_ulong(key, CKA_CLASS) == CKO_PRIVATE_KEY;
	EVP_PKEY_CTX *op = op_template(pkey, sign);
	unsigned int i;

	pthread_mutex_lock(&c->lock);
	/* Another thread may have decoded the same blob meanwhile. */
	if (find(c, key->blob_id))
		goto out;
	/*
	 * Checked under the cache's lock: a Logout that ends the session
	 * now drops the session's keys only after this insertion.
	 */
	if (memcmp(key->session, no_session, EP11_SESSION_ID_LEN) &&
	    !fw_session_active(fw, key->domain, key->session))
		goto out;
	for (i = 0; i < FW_KEY_CACHE_SIZE; i++) {
		e = &c->e[i];
		if (!e->pkey) {
			victim = e;
			break;
		}
		if (!victim || e->used < victim->used)
			victim = e;
	}
	if (!EVP_PKEY_up_ref(pkey))
		goto out;
	entry_clear(victim);
	memcpy(victim->id, key->blob_id, sizeof(victim->id));
	memcpy(victim->session, key->session, EP11_SESSION_ID_LEN);
	victim->domain = key->domain;
	victim->pkey = pkey;
	victim->op = op;
	victim->op_sign = sign;
	victim->used = ++c->clock;
	op = NULL;
out:
	pthread_mutex_unlock(&c->lock);
	EVP_PKEY_CTX_free(op);
}

EVP_PKEY_CTX *fw_key_cache_op_ctx(struct fw_key_cache *c, const u8 id[32],
				  bool sign)
{
	struct fw_cached_key *e;
	EVP_PKEY_CTX *ctx = NULL;

	/* Copied under the lock: the template is never used concurrently. */
	pthread_mutex_lock(&c->lock);
	e = find(c, id);
	if (e && e->op && e->op_sign == sign)
		ctx = EVP_PKEY_CTX_dup(e->op);
	pthread_mutex_unlock(&c->lock);
	return ctx;
}

void fw_key_cache_drop_session(struct fw_key_cache *c, u16 domain,
			       const u8 session[EP11_SESSION_ID_LEN])
{
	unsigned int i;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < FW_KEY_CACHE_SIZE; i++) {
		struct fw_cached_key *e = &c->e[i];

		if (e->pkey && e->domain == domain &&
		    !memcmp(e->session, session, EP11_SESSION_ID_LEN))
			entry_clear(e);
	}
	pthread_mutex_unlock(&c->lock);
}

void fw_key_cache_stats(struct fw_key_cache *c, unsigned long long *hits,
			unsigned long long *misses, unsigned int *entries)
{
	unsigned int i, n = 0;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < FW_KEY_CACHE_SIZE; i++)
		n += !!c->e[i].pkey;
	*hits = c->hits;
	*misses = c->misses;
	*entries = n;
	pthread_mutex_unlock(&c->lock);
}
