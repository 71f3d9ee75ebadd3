/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The card's state, shared by the files of libep11fw.  Not part of the
 * handler API (firmware.h).
 */
#ifndef EP11_CARDEMU_CARD_H
#define EP11_CARDEMU_CARD_H

#include <pthread.h>

#include <openssl/evp.h>

#include "firmware.h"

/**
 * struct fw_domain - one usage domain
 * @id:      domain number
 * @wrapkey: AES-256 wrapping key (the domain's master key)
 * @wkid:    first 16 bytes of SHA-256(@wrapkey)
 * @mac:     HMAC-SHA256 keyed with @wrapkey, never updated: fw_hmac()
 *           works on copies
 * @gcm:     AES-256-GCM keyed with @wrapkey, never used itself: key
 *           blobs are sealed and opened with copies
 *
 * @mac and @gcm are only read after fw_new(), so any number of threads
 * may copy them at once.
 */
struct fw_domain {
	u16 id;
	u8 wrapkey[FW_WRAPKEY_LEN];
	u8 wkid[EP11_WKID_LEN];
	EVP_MAC_CTX *mac;
	EVP_CIPHER_CTX *gcm;
};

/**
 * struct fw_session - one slot of the card's session table
 * @used:    the slot holds a session
 * @domain:  the domain it is logged in on
 * @pinblob: its pin blob; the first 32 bytes are the session id
 * @next:    the next slot of its chain in the card's session index, -1
 *           for none
 */
struct fw_session {
	bool used;
	u16 domain;
	u8 pinblob[EP11_PINBLOB_LEN];
	int next;
};

/* Entries of the key cache. */
#define FW_KEY_CACHE_SIZE	256

/**
 * struct fw_cached_key - one entry of the key cache
 * @id:      SHA-256 of the blob the key was opened from
 * @session: the session that blob is bound to, all zero for none
 * @domain:  the domain it was opened on
 * @pkey:    the decoded OpenSSL key; NULL: the entry is free
 * @op:      a context of @pkey initialised for EVP_PKEY_sign() (@op_sign)
 *           or EVP_PKEY_verify(), never used itself: a raw signature
 *           operation starts from a copy; NULL when there is none
 * @op_sign: @op is for signing
 * @used:    the cache's clock when it last served (least recently used
 *           goes first)
 */
struct fw_cached_key {
	u8 id[32];
	u8 session[EP11_SESSION_ID_LEN];
	u16 domain;
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *op;
	bool op_sign;
	unsigned long long used;
};

/**
 * struct fw_key_cache - the OpenSSL keys of blobs the card opened
 * @lock:   protects the fields below
 * @clock:  lookups and insertions so far
 * @hits:   lookups that found their key
 * @misses: lookups that did not
 * @e:      the entries
 *
 * Decoding a private key's PKCS#8 costs far more than the operation it
 * serves, so the keys of recently used blobs stay decoded.  A blob is
 * looked up only after fw_blob_open() has authenticated it and checked
 * its session: the cache saves the decoding, never a check.  The keys of
 * a session leave the cache when it logs out.
 */
struct fw_key_cache {
	pthread_mutex_t lock;
	unsigned long long clock;
	unsigned long long hits;
	unsigned long long misses;
	struct fw_cached_key e[FW_KEY_CACHE_SIZE];
};

/* The digests the card's mechanisms name, fetched once (fw_md()). */
#define FW_NDIGESTS		5

/* AES modes the card fetches once for each key size (fw_aes()). */
enum fw_aes_mode {
	FW_AES_ECB,
	FW_AES_CBC,
	FW_AES_GCM,
	FW_AES_WRAP,
	FW_AES_WRAP_PAD,
	FW_AES_NMODES,
};

/**
 * struct fw - the card
 * @cfg:      configuration (read-only after fw_new())
 * @serial:   serial number in use
 * @dom:      the domains, @cfg.ndomains of them (read-only)
 * @hmac:     fetched HMAC implementation
 * @gcm:      fetched AES-256-GCM implementation
 * @md:       fetched digests, in the order of fw_md()'s names
 * @aes:      fetched AES ciphers by key size (128, 192, 256) and mode
 * @lock:     protects @sessions, @nsessions, @nforeign and @index
 * @sessions: the session table, @cfg.max_sessions slots
 * @nsessions: slots in use
 * @nforeign: slots held by another host (control socket's foreign-login);
 *            they count against the budget and no pin blob names them
 * @index:    the first slot of each chain of sessions, by domain and the
 *            first bytes of the session id; -1 for none
 * @nindex:   chains in @index, a power of two
 * @keys:     decoded keys of recently opened blobs
 * @fns:      handlers by function number (set before serving)
 */
struct fw {
	struct fw_config cfg;
	char serial[EP11_SERIAL_LEN + 1];
	struct fw_domain dom[FW_MAX_DOMAINS];
	EVP_MAC *hmac;
	EVP_CIPHER *gcm;
	EVP_MD *md[FW_NDIGESTS];
	EVP_CIPHER *aes[3][FW_AES_NMODES];
	pthread_mutex_t lock;
	struct fw_session *sessions;
	unsigned int nsessions;
	unsigned int nforeign;
	int *index;
	unsigned int nindex;
	struct fw_key_cache keys;
	const struct fw_fn *fns[FW_MAX_FNID];
};

/* One input of fw_hmac(). */
struct fw_buf {
	const void *p;
	size_t n;
};

const struct fw_domain *fw_domain_get(const struct fw *fw, u16 id);
int fw_hmac(const struct fw_domain *d, const struct fw_buf *in,
	    unsigned int nin, u8 out[32]);
bool fw_roll(double rate);
void fw_log(const struct fw *fw, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * fw_md() - a digest the card fetched at start
 * @fw:   the card
 * @name: its OpenSSL name as the mechanism table spells it (SHA1, SHA224,
 *        SHA256, SHA384, SHA512)
 *
 * Return: the digest, owned by @fw; NULL for another name.
 */
const EVP_MD *fw_md(const struct fw *fw, const char *name);

/**
 * fw_aes() - an AES cipher the card fetched at start
 * @fw:      the card
 * @key_len: key length in bytes: 16, 24 or 32
 * @mode:    the mode
 *
 * Return: the cipher, owned by @fw; NULL for another key length.
 */
EVP_CIPHER *fw_aes(const struct fw *fw, size_t key_len,
		   enum fw_aes_mode mode);

/* key_cache.c */

/**
 * fw_key_cache_init() - set up an empty key cache
 * @c: the cache, zeroed
 */
void fw_key_cache_init(struct fw_key_cache *c);

/**
 * fw_key_cache_free() - free every key of a cache set up with
 * fw_key_cache_init()
 * @c: the cache
 */
void fw_key_cache_free(struct fw_key_cache *c);

/**
 * fw_key_cache_get() - the cached OpenSSL key of a blob
 * @c:  the cache
 * @id: SHA-256 of the blob
 *
 * Context: takes @c->lock.
 * Return: a new reference to the key (free with EVP_PKEY_free()), or NULL
 * when the cache does not hold it.
 */
EVP_PKEY *fw_key_cache_get(struct fw_key_cache *c, const u8 id[32]);

/**
 * fw_key_cache_put() - remember the OpenSSL key of a blob
 * @key:  a key opened from a blob (@key->card set): its card's cache
 *        gets the OpenSSL key
 * @pkey: that key, decoded; the cache takes a reference of its own
 *
 * The least recently used entry makes room.  A key bound to a session
 * that is no longer logged in is not kept.
 *
 * Context: takes the cache's lock, then the card's session lock.
 */
void fw_key_cache_put(const struct fw_key *key, EVP_PKEY *pkey);

/**
 * fw_key_cache_op_ctx() - a context for a raw signature operation from
 * the cache
 * @c:    the cache
 * @id:   SHA-256 of the key's blob
 * @sign: for EVP_PKEY_sign() (else EVP_PKEY_verify())
 *
 * Context: takes @c->lock.
 * Return: a copy of the cached key's initialised context (free with
 * EVP_PKEY_CTX_free()), or NULL when the cache has none for @sign.
 */
EVP_PKEY_CTX *fw_key_cache_op_ctx(struct fw_key_cache *c, const u8 id[32],
				  bool sign);

/**
 * fw_key_cache_drop_session() - forget the keys of a session
 * @c:       the cache
 * @domain:  the domain it was logged in on
 * @session: its id
 *
 * Context: takes @c->lock.
 */
void fw_key_cache_drop_session(struct fw_key_cache *c, u16 domain,
			       const u8 session[EP11_SESSION_ID_LEN]);

/**
 * fw_key_cache_stats() - how the cache has served
 * @c:       the cache
 * @hits:    set to the lookups that found their key
 * @misses:  set to those that did not
 * @entries: set to the keys it holds
 *
 * Context: takes @c->lock.
 */
void fw_key_cache_stats(struct fw_key_cache *c, unsigned long long *hits,
			unsigned long long *misses, unsigned int *entries);

/* sessions.c */

/**
 * fw_sessions_init() - set up the card's empty session table and index
 * @fw: the card, @fw->cfg.max_sessions set
 *
 * Return: 0 or -ENOMEM.  fw_free() frees what was set up either way.
 */
int fw_sessions_init(struct fw *fw);

/* wrapping_key.c */
int fw_wrapkey_load(const char *dir, u16 domain, u8 key[FW_WRAPKEY_LEN]);

/* fn_table.c */
extern const struct fw_fn_group *const fw_builtin_groups[];
extern const unsigned int fw_builtin_ngroups;

#endif /* EP11_CARDEMU_CARD_H */
