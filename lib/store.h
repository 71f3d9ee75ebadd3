/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * store.h: a token's store, one SQLite database per token (WAL mode, a
 * busy time-out, never a spin; one transaction per call that writes; the
 * schema version in the database).  It holds the token's record (label,
 * serial, salt, flags, PIN failure counters), the SO and USER PIN records,
 * secrets (the VHSM and FIPS PINs), objects: attributes plus the card's
 * key blob, and the shared logins' sealed data keys.
 *
 * PIN records: a salted PBKDF2-SHA-256 (OpenSSL EVP_KDF) of the PIN, the
 * iteration count in the record, giving 96 bytes: a verifier (compared in
 * constant time), a key-encryption key and, for the USER PIN, the card PIN.
 * Each record has its own random salt, new at every write, so the card PIN
 * changes with the USER PIN (C_InitPIN, C_SetPIN).
 * The token's data key (32 random bytes, made at C_InitToken) is stored
 * wrapped (AES-256 key wrap with padding, RFC 5649) under the SO's and
 * the USER's key-encryption keys, so the SO's C_InitPIN keeps private
 * objects readable and C_SetPIN only rewraps it.  Private objects
 * (CKA_PRIVATE true) are stored whole (attributes and blob) encrypted with
 * AES-256-GCM under the data key, their row id and the token serial as
 * additional data; public objects in clear.  Secrets like the VHSM PIN are
 * encrypted the same way.
 *
 * Failure counters live in the database, so every process sees them:
 * each failed check increments the user's counter in the same
 * transaction that read it; a success resets it.  At max_tries the PIN
 * is locked (CKR_PIN_LOCKED, and a locked PIN is not even checked).
 *
 * Every function may be called from any thread (one mutex per store).
 * After fork() the child must not use the parent's store: every call on
 * it fails there (CKR_GENERAL_ERROR, -EBADFD, or "held"), except
 * ck_store_close(), which frees only the child's copies (file descriptors
 * and SQLite's per-process lock state) and leaves the parent's connection
 * and hold as they are.  A child that opens the same store must close the
 * parent's first: SQLite keeps its POSIX lock state per process, and the
 * child's new connection would otherwise take the parent's locks for its
 * own and hold none.
 */
#ifndef CK_STORE_H
#define CK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attr.h"

#define CK_STORE_KEY_LEN	32
#define CK_STORE_PIN_MIN	4
#define CK_STORE_PIN_MAX	64
#define CK_STORE_SECRET_MAX	64
#define CK_STORE_NAME_LEN	16	/* a named login's name (EP11SESS_NAME_LEN) */

struct ck_store;

/* The token's record. */
struct ck_token_rec {
	bool initialized;		/* C_InitToken has run */
	bool user_pin_initialized;	/* a USER PIN is set */
	char label[32];			/* space-padded, as CK_TOKEN_INFO */
	char serial[16];		/* printable, made when the store is created */
	uint8_t salt[32];		/* random, made with the store */
	unsigned int so_failures;	/* failed SO logins since the last success */
	unsigned int user_failures;
	unsigned int max_tries;		/* from the config */
};

/* What a successful login unlocks; clear it (OPENSSL_cleanse) when done. */
struct ck_login_keys {
	uint8_t data_key[CK_STORE_KEY_LEN];
	uint8_t card_pin[32];		/* USER only: the card's login PIN */
};

/*
 * Opens (creating it and its schema when missing, mode 0660) the store at
 * @path, whose directory must exist.  @max_tries (at least 1): failed
 * logins before a PIN locks; @kdf_iterations (1000-10000000; the config
 * sets the production minimum): PBKDF2 iterations for PIN records written
 * from now on.  CKR_OK, or CKR_GENERAL_ERROR / CKR_DEVICE_ERROR with a
 * message in @err naming the file and what is wrong (not a database, newer
 * schema, corrupt: "database disk image is malformed", ...);
 * CKR_ARGUMENTS_BAD for arguments out of range, CKR_HOST_MEMORY.
 */
CK_RV ck_store_open(const char *path, unsigned int max_tries,
		    unsigned int kdf_iterations, struct ck_store **out,
		    char *err, size_t errlen);
/* Closes @s (NULL is fine), dropping this process's hold. */
void ck_store_close(struct ck_store *s);

/*
 * The "this process has sessions on the token" lock: an fcntl OFD read
 * lock on <path>.lock, taken by every process that has a PKCS#11 session
 * on the token and dropped when its last one closes (or it dies).
 * ck_store_hold() is idempotent; 0 or a negative errno.
 * ck_store_held_elsewhere() asks (F_OFD_GETLK, without taking it) whether
 * a write lock on its own open file could be taken: true when any other
 * process holds.  This store's own hold never counts, so it may be called
 * while this process holds.
 */
int ck_store_hold(struct ck_store *s);
void ck_store_unhold(struct ck_store *s);
bool ck_store_held_elsewhere(struct ck_store *s);

/* The token's record; CKR_DEVICE_ERROR (and a message) when it is damaged. */
CK_RV ck_store_token(struct ck_store *s, struct ck_token_rec *out);

/*
 * C_InitToken's store part: when the token is initialized the SO PIN must
 * match (counted as a login: CKR_PIN_INCORRECT, CKR_PIN_LOCKED); then in
 * one transaction every object, secret and the USER PIN go, the SO PIN
 * and @label (32 bytes, space-padded) are set, a new data key made and
 * the counters reset.  CKR_PIN_LEN_RANGE for a PIN outside
 * CK_STORE_PIN_MIN..CK_STORE_PIN_MAX.
 */
CK_RV ck_store_init_token(struct ck_store *s, const void *so_pin, size_t len,
			  const char label[32]);
/*
 * Checks @who's (CKU_SO or CKU_USER) PIN: CKR_OK with @keys filled,
 * CKR_USER_PIN_NOT_INITIALIZED, CKR_PIN_INCORRECT (counter + 1, also for
 * the failure that reaches max_tries), CKR_PIN_LOCKED (from then on),
 * CKR_PIN_LEN_RANGE (not counted); CKR_USER_TYPE_INVALID for another user
 * type; CKR_TOKEN_NOT_RECOGNIZED when not initialized.
 */
CK_RV ck_store_login(struct ck_store *s, CK_USER_TYPE who, const void *pin,
		     size_t len, struct ck_login_keys *keys);
/*
 * C_InitPIN: sets the USER PIN (data key from the SO's login), unlocks it.
 * CKR_TOKEN_NOT_RECOGNIZED when not initialized.
 */
CK_RV ck_store_init_pin(struct ck_store *s, const uint8_t *data_key,
			const void *pin, size_t len);
/* C_SetPIN: @old is checked as a login of @who would be, then replaced. */
CK_RV ck_store_set_pin(struct ck_store *s, CK_USER_TYPE who, const void *old,
		       size_t oldlen, const void *newpin, size_t newlen);

/*
 * Secrets by name ("vhsm", "fips"; 1-32 characters): at most
 * CK_STORE_SECRET_MAX bytes, encrypted under the data key; put with @len 0
 * unsets.  get: @val holds CK_STORE_SECRET_MAX bytes, *@len gets the
 * length, CKR_OK with *@len 0 when unset; CKR_DEVICE_ERROR (and a message)
 * for a secret that does not decrypt under @data_key.
 */
CK_RV ck_store_put_secret(struct ck_store *s, const uint8_t *data_key,
			  const char *name, const void *val, size_t len);
CK_RV ck_store_get_secret(struct ck_store *s, const uint8_t *data_key,
			  const char *name, void *val, size_t *len);

/*
 * Objects.  @data_key is needed for private objects (CKA_PRIVATE true in
 * @attrs, or an update of a private row), and may be NULL otherwise:
 * CKR_USER_NOT_LOGGED_IN without it.  add/update/delete are each one
 * transaction; update and delete of a row that is gone give
 * CKR_OBJECT_HANDLE_INVALID.  Row ids are never reused.
 */
CK_RV ck_store_obj_add(struct ck_store *s, const uint8_t *data_key,
		       const struct ck_attrs *attrs, const void *blob,
		       size_t bloblen, int64_t *id);
CK_RV ck_store_obj_update(struct ck_store *s, const uint8_t *data_key,
			  int64_t id, const struct ck_attrs *attrs,
			  const void *blob, size_t bloblen);
CK_RV ck_store_obj_delete(struct ck_store *s, int64_t id);

/*
 * Calls @cb for every public object, and every private one too when
 * @data_key is given, in row id order.  @attrs is the callee's to keep
 * (it may move the list out and leave it empty).  A row that does not
 * decrypt or decode is skipped with one message on stderr naming the store
 * and the row.  @cb returns 0 to go on, non-zero to stop (then that
 * value, as CK_RV, is returned).  The rows are read before the first
 * call, so @cb may call the store.
 */
typedef CK_RV (*ck_store_obj_cb)(void *ctx, int64_t id, bool priv,
				 struct ck_attrs *attrs, const void *blob,
				 size_t bloblen);
CK_RV ck_store_obj_load(struct ck_store *s, const uint8_t *data_key,
			ck_store_obj_cb cb, void *ctx);
/*
 * Shared logins (application ids).  A process that attached to a named
 * EP11 session without the PIN needs the token's data key for private
 * objects; the process that logged in has it, and leaves for the others,
 * here, what lets a holder of the session have it through the card
 * (appid.c): @secret, opaque bytes of at most 20 KiB.
 *
 * A record is found by the login's name, scope (enum ep11sess_scope) and
 * scope id (the uid or gid): a name is unique among the live sessions of
 * its scope, so a new login under that name replaces the record of an
 * ended one (put is INSERT OR REPLACE).  @secret is stored encrypted with
 * AES-256-GCM under a key derived (HKDF-SHA-256, with the token's salt)
 * from the session's public id, which the kernel shows only to the
 * session's holders, its owner's uid and the administrator; a one-way
 * check value of the public id, not the id, finds the record.  get gives
 * the record of @public_id's session: CKR_OK with *@secret (malloc'ed;
 * OPENSSL_clear_free() it) and *@len, or with *@secret NULL when there is
 * none for that session (another session's, or one that does not decrypt:
 * one message on stderr).  del removes the record only while it is
 * @public_id's (a newer login's stays).  C_InitToken removes them all.
 * Each call is one statement, committed.
 */
CK_RV ck_store_put_shared(struct ck_store *s, const uint8_t *name,
			  uint32_t scope, uint32_t scope_id,
			  const uint8_t public_id[16], const void *secret,
			  size_t len);
CK_RV ck_store_get_shared(struct ck_store *s, const uint8_t *name,
			  uint32_t scope, uint32_t scope_id,
			  const uint8_t public_id[16], void **secret,
			  size_t *len);
CK_RV ck_store_del_shared(struct ck_store *s, const uint8_t *name,
			  uint32_t scope, uint32_t scope_id,
			  const uint8_t public_id[16]);

/*
 * A number that changes whenever any process commits a change to the
 * store (PRAGMA data_version plus this connection's own writes; a failed
 * login's counter is a change too): the object cache reloads only when it
 * moved.
 */
uint64_t ck_store_generation(struct ck_store *s);

#endif /* CK_STORE_H */
