// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * store.c: a token's store (store.h): the rows in SQLite, the PIN records
 * and the encryption of private rows with OpenSSL 3.
 *
 * Schema version 2:
 *   meta(name, value)		"schema_version" = 2
 *   token(id = 1, initialized, label, serial, salt, so_failures, user_failures)
 *   pin(user, token, kdf, iterations, salt, verifier, wrapped_key)
 *   secret(name, value)	IV | AES-256-GCM ciphertext | tag
 *   object(id, private, payload)
 *   shared_key(name, scope, scope_id, check, payload)
 * Version 1 lacked shared_key; opening such a store adds it (and the new
 * version) in the transaction that reads the schema.
 *
 * shared_key holds, per named login (application ids), what lets a process
 * attached to the login without the PIN have the data key (store.h,
 * "Shared logins"): opaque bytes, sealed here like a secret under a key
 * derived from the session's public id, which only the session's holders,
 * its owner's uid and the administrator see.  HKDF-SHA-256 of the public
 * id with the token's salt gives 48 bytes: a check value (16), which finds
 * a session's record without naming the session, and the key (32).  The
 * additional data is "shared" | name | scope | scope id | token serial.
 *
 * A PIN record: PBKDF2-SHA-256 of the PIN under the record's own random
 * salt gives 96 bytes: verifier | key-encryption key | card PIN.  Every
 * write of a record (C_InitToken, C_InitPIN, C_SetPIN) draws a new salt,
 * so the card PIN of a USER PIN changes with it.  The data key is wrapped
 * under the KEK with AES-256 key wrap with padding (RFC 5649).
 *
 * An object's payload is: u32 BE n | ck_attrs_serialize() (n bytes) | key
 * blob; a private object's payload is that, sealed like a secret:
 * IV (12) | AES-256-GCM ciphertext | tag (16).  The additional data ties a
 * ciphertext to its place, "object" | row id (u64 BE) | token serial, or
 * "secret" | name | token serial, so a row copied over another does not
 * decrypt.  A new private object's row is inserted first and its payload
 * written once the row id is known, in the same transaction.  Row ids are
 * AUTOINCREMENT: never reused, so an old payload never decrypts under a
 * later object's id.  secure_delete overwrites what a deletion frees.
 *
 * A PIN check derives its keys outside any transaction (PBKDF2 is slow on
 * purpose), then in one BEGIN IMMEDIATE transaction reads the record and
 * the counter again, compares and counts, so that no two processes ever
 * lose a counter update and a locked PIN is never checked.  A record that
 * changed in between (another process's C_SetPIN) makes it start over.
 *
 * Every call takes the store's mutex; a PIN check drops it while it
 * derives.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "store.h"

#define SCHEMA_VERSION		2
#define BUSY_TIMEOUT_MS		10000
#define KDF_NAME		"pbkdf2-sha256"
#define KDF_ITER_MIN		1000
#define KDF_ITER_MAX		10000000
#define SALT_LEN		32
#define VERIFIER_LEN		32
#define KEK_OFF			32
#define CARD_PIN_OFF		64
#define DERIVED_LEN		96
#define WRAPPED_LEN		40	/* RFC 5649 of a 32-byte key */
#define IV_LEN			12
#define TAG_LEN			16
#define SEAL_OVERHEAD		(IV_LEN + TAG_LEN)
#define SERIAL_LEN		16
#define SECRET_NAME_MAX		32
#define PAYLOAD_MAX		(64UL << 20)
#define CHECK_RESTARTS		8	/* a record changing under a check */

struct ck_store {
	pthread_mutex_t lock;
	sqlite3 *db;
	EVP_KDF *kdf;
	char *path;
	char serial[SERIAL_LEN];
	uint8_t salt[SALT_LEN];
	int lock_fd;
	bool held;
	pid_t pid;			/* the process that opened it */
	unsigned int max_tries;
	unsigned int kdf_iterations;
	uint64_t own_writes;		/* commits of this connection */
	uint64_t last_gen;
};

static const char *const schema_sql =
	"CREATE TABLE meta ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" value INTEGER NOT NULL);"
	"CREATE TABLE token ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" initialized INTEGER NOT NULL DEFAULT 0,"
	" label BLOB NOT NULL,"
	" serial TEXT NOT NULL,"
	" salt BLOB NOT NULL,"
	" so_failures INTEGER NOT NULL DEFAULT 0,"
	" user_failures INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE pin ("
	" user INTEGER PRIMARY KEY,"
	" token INTEGER NOT NULL DEFAULT 1 REFERENCES token(id),"
	" kdf TEXT NOT NULL,"
	" iterations INTEGER NOT NULL,"
	" salt BLOB NOT NULL,"
	" verifier BLOB NOT NULL,"
	" wrapped_key BLOB NOT NULL);"
	"CREATE TABLE secret ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" value BLOB NOT NULL);"
	"CREATE TABLE object ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" private INTEGER NOT NULL,"
	" payload BLOB NOT NULL);";

/* What version 2 added. */
static const char *const shared_key_sql =
	"CREATE TABLE shared_key ("
	" name BLOB NOT NULL,"
	" scope INTEGER NOT NULL,"
	" scope_id INTEGER NOT NULL,"
	" check_value BLOB NOT NULL,"
	" payload BLOB NOT NULL,"
	" PRIMARY KEY (name, scope, scope_id));";

/* Messages */

static void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* One line on stderr naming the store. */
static void msg(const struct ck_store *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void msg(const struct ck_store *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "libcryptoki: store %s: %s\n", s->path, buf);
}

static CK_RV rv_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return CKR_OK;
	case SQLITE_NOMEM:
		return CKR_HOST_MEMORY;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PROTOCOL:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return CKR_DEVICE_ERROR;
	default:
		return CKR_GENERAL_ERROR;
	}
}

/* A failed SQLite call: one message with SQLite's own words, and the CKR. */
static CK_RV db_err(const struct ck_store *s, int rc, const char *what)
{
	const char *m = sqlite3_errmsg(s->db);

	if (sqlite3_errcode(s->db) == SQLITE_OK)
		m = sqlite3_errstr(rc);
	msg(s, "%s: %s", what, m);
	return rv_of(rc);
}

/* Statements and transactions (s->lock held) */

static CK_RV prep(struct ck_store *s, const char *sql, sqlite3_stmt **st,
		  const char *what)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);

	if (rc != SQLITE_OK) {
		*st = NULL;
		return db_err(s, rc, what);
	}
	return CKR_OK;
}

/* Steps a statement that returns no row, and finalizes it. */
static CK_RV run(struct ck_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	CK_RV rv = CKR_OK;

	if (rc != SQLITE_DONE)
		rv = db_err(s, rc, what);
	sqlite3_finalize(st);
	return rv;
}

static CK_RV exec(struct ck_store *s, const char *sql, const char *what)
{
	char *e = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &e);

	if (rc != SQLITE_OK) {
		msg(s, "%s: %s", what, e ? e : sqlite3_errstr(rc));
		sqlite3_free(e);
		return rv_of(rc);
	}
	return CKR_OK;
}

static CK_RV tx_begin(struct ck_store *s)
{
	return exec(s, "BEGIN IMMEDIATE", "starting a write transaction");
}

static void tx_rollback(struct ck_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static CK_RV tx_commit(struct ck_store *s)
{
	CK_RV rv = exec(s, "COMMIT", "committing");

	if (rv != CKR_OK)
		tx_rollback(s);
	else
		s->own_writes++;
	return rv;
}

/* Ends a write transaction: committed on CKR_OK, rolled back otherwise. */
static CK_RV tx_end(struct ck_store *s, CK_RV rv)
{
	if (rv == CKR_OK)
		return tx_commit(s);
	tx_rollback(s);
	return rv;
}

/*
 * Takes the store's mutex.  False, with a message, in a forked child: the
 * parent's connection and lock must not be used there (SQLite forbids it,
 * and the lock file's open file description is the parent's).
 */
static bool enter(struct ck_store *s)
{
	if (s->pid != getpid()) {
		msg(s, "used in a child process after fork(); the child must open the store itself");
		return false;
	}
	pthread_mutex_lock(&s->lock);
	return true;
}

static void leave(struct ck_store *s)
{
	pthread_mutex_unlock(&s->lock);
}

/* Crypto */

static int derive(const struct ck_store *s, const void *pin, size_t len,
		  const uint8_t *salt, unsigned int iterations,
		  uint8_t out[DERIVED_LEN])
{
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(s->kdf);
	uint64_t iter = iterations;
	OSSL_PARAM p[5];
	int ok;

	if (!ctx)
		return -1;
	p[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
						 (void *)pin, len);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 (void *)salt, SALT_LEN);
	p[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &iter);
	p[3] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)"SHA256", 0);
	p[4] = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(ctx, out, DERIVED_LEN, p) == 1;
	EVP_KDF_CTX_free(ctx);
	return ok ? 0 : -1;
}

static int wrap_key(const uint8_t *kek, const uint8_t *key,
		    uint8_t out[WRAPPED_LEN])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	if (!c)
		return -1;
	EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	ok = EVP_EncryptInit_ex(c, EVP_aes_256_wrap_pad(), NULL, kek, NULL) == 1 &&
	     EVP_EncryptUpdate(c, out, &n, key, CK_STORE_KEY_LEN) == 1 &&
	     n <= WRAPPED_LEN &&
	     EVP_EncryptFinal_ex(c, out + n, &m) == 1 && n + m == WRAPPED_LEN;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static int unwrap_key(const uint8_t *kek, const uint8_t *wrapped,
		      uint8_t key[CK_STORE_KEY_LEN])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t buf[WRAPPED_LEN];
	int n = 0, m = 0, ok;

	if (!c)
		return -1;
	EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	ok = EVP_DecryptInit_ex(c, EVP_aes_256_wrap_pad(), NULL, kek, NULL) == 1 &&
	     EVP_DecryptUpdate(c, buf, &n, wrapped, WRAPPED_LEN) == 1 &&
	     n <= (int)sizeof(buf) &&
	     EVP_DecryptFinal_ex(c, buf + n, &m) == 1 &&
	     n + m == CK_STORE_KEY_LEN;
	if (ok)
		memcpy(key, buf, CK_STORE_KEY_LEN);
	OPENSSL_cleanse(buf, sizeof(buf));
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

/* IV | AES-256-GCM(@pt) | tag, in a new buffer. */
static int seal(const uint8_t *key, const uint8_t *aad, size_t aadlen,
		const uint8_t *pt, size_t ptlen, uint8_t **out, size_t *outlen)
{
	size_t n = ptlen + SEAL_OVERHEAD;
	EVP_CIPHER_CTX *c;
	uint8_t *buf;
	int l, ok;

	if (ptlen > INT_MAX - SEAL_OVERHEAD)
		return -1;
	buf = malloc(n);
	c = EVP_CIPHER_CTX_new();
	ok = buf && c && RAND_bytes(buf, IV_LEN) == 1 &&
	     EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, buf) == 1 &&
	     EVP_EncryptUpdate(c, NULL, &l, aad, (int)aadlen) == 1 &&
	     EVP_EncryptUpdate(c, buf + IV_LEN, &l, pt, (int)ptlen) == 1 &&
	     EVP_EncryptFinal_ex(c, buf + IV_LEN + l, &l) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
				 buf + n - TAG_LEN) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok) {
		free(buf);
		return -1;
	}
	*out = buf;
	*outlen = n;
	return 0;
}

/* The other way: the plaintext (OPENSSL_clear_free() it), or -1. */
static int unseal(const uint8_t *key, const uint8_t *aad, size_t aadlen,
		  const uint8_t *in, size_t inlen, uint8_t **out,
		  size_t *outlen)
{
	size_t n = inlen - SEAL_OVERHEAD;
	EVP_CIPHER_CTX *c;
	uint8_t *buf;
	int l, ok;

	if (inlen < SEAL_OVERHEAD || inlen > INT_MAX)
		return -1;
	buf = OPENSSL_malloc(n ? n : 1);
	c = EVP_CIPHER_CTX_new();
	ok = buf && c &&
	     EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, in) == 1 &&
	     EVP_DecryptUpdate(c, NULL, &l, aad, (int)aadlen) == 1 &&
	     EVP_DecryptUpdate(c, buf, &l, in + IV_LEN, (int)n) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
				 (void *)(in + inlen - TAG_LEN)) == 1 &&
	     EVP_DecryptFinal_ex(c, buf + l, &l) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok) {
		OPENSSL_clear_free(buf, n ? n : 1);
		return -1;
	}
	*out = buf;
	*outlen = n;
	return 0;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

#define OBJ_AAD_LEN	(7 + 8 + SERIAL_LEN)

static void obj_aad(const struct ck_store *s, int64_t id, uint8_t aad[OBJ_AAD_LEN])
{
	memcpy(aad, "object", 7);
	put_be64(aad + 7, (uint64_t)id);
	memcpy(aad + 15, s->serial, SERIAL_LEN);
}

#define SECRET_AAD_MAX	(7 + SECRET_NAME_MAX + 1 + SERIAL_LEN)

static size_t secret_aad(const struct ck_store *s, const char *name,
			 uint8_t aad[SECRET_AAD_MAX])
{
	size_t n = strlen(name) + 1;

	memcpy(aad, "secret", 7);
	memcpy(aad + 7, name, n);
	memcpy(aad + 7 + n, s->serial, SERIAL_LEN);
	return 7 + n + SERIAL_LEN;
}

/* Opening and closing */

static bool blob_col(sqlite3_stmt *st, int col, void *dst, int len)
{
	const void *p = sqlite3_column_blob(st, col);

	if (sqlite3_column_type(st, col) != SQLITE_BLOB ||
	    sqlite3_column_bytes(st, col) != len || !p)
		return false;
	memcpy(dst, p, len);
	return true;
}

static bool printable(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e)
			return false;
	return true;
}

/* The first token record of a new store. */
static CK_RV create_schema(struct ck_store *s)
{
	static const char hex[] = "0123456789ABCDEF";
	uint8_t rnd[SERIAL_LEN / 2], salt[SALT_LEN];
	char serial[SERIAL_LEN], label[32];
	sqlite3_stmt *st;
	CK_RV rv;
	size_t i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    RAND_bytes(salt, sizeof(salt)) != 1)
		return CKR_GENERAL_ERROR;
	for (i = 0; i < sizeof(rnd); i++) {
		serial[2 * i] = hex[rnd[i] >> 4];
		serial[2 * i + 1] = hex[rnd[i] & 15];
	}
	memset(label, ' ', sizeof(label));
	rv = exec(s, schema_sql, "creating the schema");
	if (rv == CKR_OK)
		rv = exec(s, shared_key_sql, "creating the schema");
	if (rv != CKR_OK)
		return rv;
	rv = prep(s, "INSERT INTO meta (name, value) VALUES ('schema_version', ?1)",
		  &st, "creating the schema");
	if (rv != CKR_OK)
		return rv;
	sqlite3_bind_int(st, 1, SCHEMA_VERSION);
	rv = run(s, st, "writing the schema version");
	if (rv != CKR_OK)
		return rv;
	rv = prep(s, "INSERT INTO token (id, label, serial, salt) VALUES (1, ?1, ?2, ?3)",
		  &st, "creating the token record");
	if (rv != CKR_OK)
		return rv;
	if (sqlite3_bind_blob(st, 1, label, sizeof(label), SQLITE_TRANSIENT) ||
	    sqlite3_bind_text(st, 2, serial, SERIAL_LEN, SQLITE_TRANSIENT) ||
	    sqlite3_bind_blob(st, 3, salt, sizeof(salt), SQLITE_TRANSIENT)) {
		sqlite3_finalize(st);
		return CKR_HOST_MEMORY;
	}
	return run(s, st, "creating the token record");
}

/* Version 1 to 2: the shared_key table (inside load_schema()'s transaction). */
static CK_RV upgrade_v1(struct ck_store *s)
{
	CK_RV rv = exec(s, shared_key_sql, "upgrading the schema");

	if (rv == CKR_OK)
		rv = exec(s, "UPDATE meta SET value = 2 WHERE name = 'schema_version'",
			  "upgrading the schema");
	return rv;
}

/*
 * Creates the schema of an empty store, or checks an existing one's
 * version (upgrading version 1), and reads the serial; in one write transaction so that two
 * processes creating one store do not both create it.
 */
static CK_RV load_schema(struct ck_store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 version;
	const unsigned char *serial;
	const char *what;
	int rc;
	CK_RV rv;

	rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		what = "cannot start a transaction";
		goto sql_fail;
	}
	what = "cannot read the schema";
	rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1,
				&st, NULL);
	if (rc != SQLITE_OK)
		goto sql_fail;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		goto sql_fail;
	if (sqlite3_column_int64(st, 0) == 0) {
		sqlite3_finalize(st);
		st = NULL;
		rv = create_schema(s);
		if (rv != CKR_OK) {
			errf(err, errlen, "store %s: cannot create the schema (see above)",
			     s->path);
			goto fail;
		}
	} else {
		sqlite3_finalize(st);
		rc = sqlite3_prepare_v2(s->db,
					"SELECT value FROM meta WHERE name = 'schema_version'",
					-1, &st, NULL);
		if (rc != SQLITE_OK) {
			errf(err, errlen,
			     "store %s: not a token store (an SQLite database without its schema: %s)",
			     s->path, sqlite3_errmsg(s->db));
			rv = CKR_GENERAL_ERROR;
			goto fail;
		}
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			goto sql_fail;
		version = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		if (rc != SQLITE_ROW ||
		    sqlite3_column_type(st, 0) != SQLITE_INTEGER || version < 1) {
			errf(err, errlen, "store %s: not a token store (no valid schema version)",
			     s->path);
			rv = CKR_GENERAL_ERROR;
			goto fail;
		}
		if (version > SCHEMA_VERSION) {
			errf(err, errlen,
			     "store %s: schema version %lld is newer than this libcryptoki's %d; use a newer libcryptoki",
			     s->path, (long long)version, SCHEMA_VERSION);
			rv = CKR_GENERAL_ERROR;
			goto fail;
		}
		if (version == 1) {
			sqlite3_finalize(st);
			st = NULL;
			rv = upgrade_v1(s);
			if (rv != CKR_OK) {
				errf(err, errlen,
				     "store %s: cannot add the shared_key table of schema version 2 (see above)",
				     s->path);
				goto fail;
			}
		}
	}
	sqlite3_finalize(st);
	what = "cannot read the token record";
	rc = sqlite3_prepare_v2(s->db, "SELECT serial, salt FROM token WHERE id = 1",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		goto sql_fail;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto sql_fail;
	serial = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	if (!serial || sqlite3_column_bytes(st, 0) != SERIAL_LEN ||
	    !printable(serial, SERIAL_LEN) ||
	    !blob_col(st, 1, s->salt, SALT_LEN)) {
		errf(err, errlen, "store %s: the token record is missing or damaged",
		     s->path);
		rv = CKR_DEVICE_ERROR;
		goto fail;
	}
	memcpy(s->serial, serial, SERIAL_LEN);
	sqlite3_finalize(st);
	st = NULL;
	rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		what = "cannot commit the schema";
		goto sql_fail;
	}
	return CKR_OK;

sql_fail:
	errf(err, errlen, "store %s: %s: %s", s->path, what,
	     sqlite3_errcode(s->db) != SQLITE_OK ? sqlite3_errmsg(s->db) :
	     sqlite3_errstr(rc));
	rv = rv_of(rc);
	if (rv == CKR_OK)
		rv = CKR_GENERAL_ERROR;
fail:
	sqlite3_finalize(st);
	tx_rollback(s);
	return rv;
}

/* Creates the file with mode 0660 when it does not exist. */
static CK_RV create_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0660);
	char *copy;

	if (fd >= 0) {
		close(fd);
		return CKR_OK;
	}
	if (errno == EEXIST)
		return CKR_OK;
	if (errno == ENOENT) {
		copy = strdup(path);
		errf(err, errlen, "store %s: directory %s does not exist", path,
		     copy ? dirname(copy) : "?");
		free(copy);
		return CKR_GENERAL_ERROR;
	}
	errf(err, errlen, "store %s: cannot create it: %s", path, strerror(errno));
	return CKR_DEVICE_ERROR;
}

static CK_RV configure(struct ck_store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	const char *mode;
	int rc;

	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		goto fail;
	mode = (const char *)sqlite3_column_text(st, 0);
	if (!mode || strcmp(mode, "wal")) {
		errf(err, errlen, "store %s: cannot use WAL mode (the journal mode is %s)",
		     s->path, mode ? mode : "unknown");
		sqlite3_finalize(st);
		return CKR_DEVICE_ERROR;
	}
	sqlite3_finalize(st);
	st = NULL;
	rc = sqlite3_exec(s->db,
			  "PRAGMA synchronous = FULL;"
			  "PRAGMA foreign_keys = ON;"
			  "PRAGMA secure_delete = ON;", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	return CKR_OK;
fail:
	errf(err, errlen, "store %s: %s", s->path,
	     sqlite3_errcode(s->db) != SQLITE_OK ? sqlite3_errmsg(s->db) :
	     sqlite3_errstr(rc));
	sqlite3_finalize(st);
	return rv_of(rc) == CKR_OK ? CKR_GENERAL_ERROR : rv_of(rc);
}

static CK_RV open_lock_file(struct ck_store *s, char *err, size_t errlen)
{
	size_t n = strlen(s->path) + sizeof(".lock");
	char *lp = malloc(n);

	if (!lp)
		return CKR_HOST_MEMORY;
	snprintf(lp, n, "%s.lock", s->path);
	s->lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
	if (s->lock_fd < 0 && (errno == EACCES || errno == EROFS))
		s->lock_fd = open(lp, O_RDONLY | O_CLOEXEC);
	if (s->lock_fd < 0) {
		errf(err, errlen, "store %s: cannot open its lock file %s: %s",
		     s->path, lp, strerror(errno));
		free(lp);
		return CKR_DEVICE_ERROR;
	}
	free(lp);
	return CKR_OK;
}

CK_RV ck_store_open(const char *path, unsigned int max_tries,
		    unsigned int kdf_iterations, struct ck_store **out,
		    char *err, size_t errlen)
{
	struct ck_store *s;
	CK_RV rv;
	int rc;

	if (!out)
		return CKR_ARGUMENTS_BAD;
	*out = NULL;
	if (!path || !*path) {
		errf(err, errlen, "store: no path given");
		return CKR_ARGUMENTS_BAD;
	}
	if (!max_tries || kdf_iterations < KDF_ITER_MIN ||
	    kdf_iterations > KDF_ITER_MAX) {
		errf(err, errlen,
		     "store %s: max_tries %u (at least 1) or kdf_iterations %u (%d-%d) out of range",
		     path, max_tries, kdf_iterations, KDF_ITER_MIN, KDF_ITER_MAX);
		return CKR_ARGUMENTS_BAD;
	}
	s = calloc(1, sizeof(*s));
	if (s)
		s->path = strdup(path);
	if (!s || !s->path) {
		free(s);
		errf(err, errlen, "store %s: out of memory", path);
		return CKR_HOST_MEMORY;
	}
	s->lock_fd = -1;
	s->pid = getpid();
	s->max_tries = max_tries;
	s->kdf_iterations = kdf_iterations;
	pthread_mutex_init(&s->lock, NULL);

	rv = create_file(path, err, errlen);
	if (rv != CKR_OK)
		goto fail;
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
	if (rc != SQLITE_OK) {
		errf(err, errlen, "store %s: cannot open: %s", path,
		     s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		rv = rv_of(rc);
		goto fail;
	}
	rv = configure(s, err, errlen);
	if (rv == CKR_OK)
		rv = load_schema(s, err, errlen);
	if (rv == CKR_OK)
		rv = open_lock_file(s, err, errlen);
	if (rv != CKR_OK)
		goto fail;
	s->kdf = EVP_KDF_fetch(NULL, "PBKDF2", NULL);
	if (!s->kdf) {
		errf(err, errlen, "store %s: OpenSSL has no PBKDF2", path);
		rv = CKR_GENERAL_ERROR;
		goto fail;
	}
	*out = s;
	return CKR_OK;
fail:
	ck_store_close(s);
	return rv;
}

void ck_store_close(struct ck_store *s)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET };
	bool owner;

	if (!s)
		return;
	/*
	 * In a forked child the lock file's open file description is the
	 * parent's: unlocking it would drop the parent's hold.  Closing the
	 * child's copies only (file descriptors, SQLite's per-process lock
	 * state) leaves the parent's store as it was.
	 */
	owner = s->pid == getpid();
	if (owner && s->held)
		fcntl(s->lock_fd, F_OFD_SETLK, &fl);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	if (s->db)
		sqlite3_close(s->db);
	EVP_KDF_free(s->kdf);
	if (owner)
		pthread_mutex_destroy(&s->lock);
	free(s->path);
	free(s);
}

/* The session lock */

int ck_store_hold(struct ck_store *s)
{
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
	int ret = 0;

	if (!s)
		return -EINVAL;
	if (!enter(s))
		return -EBADFD;
	if (!s->held) {
		if (fcntl(s->lock_fd, F_OFD_SETLK, &fl) < 0)
			ret = -errno;
		else
			s->held = true;
	}
	leave(s);
	return ret;
}

void ck_store_unhold(struct ck_store *s)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET };

	if (!s || !enter(s))
		return;
	if (s->held && fcntl(s->lock_fd, F_OFD_SETLK, &fl) == 0)
		s->held = false;
	leave(s);
}

bool ck_store_held_elsewhere(struct ck_store *s)
{
	/*
	 * F_OFD_GETLK asks whether a write lock could be placed without
	 * placing it: the same answer as taking and dropping one, and this
	 * open file's own read lock never conflicts with it.
	 */
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	bool held;

	if (!s || !enter(s))
		return true;
	if (fcntl(s->lock_fd, F_OFD_GETLK, &fl) < 0) {
		msg(s, "cannot test its lock file: %s; taking it as held",
		    strerror(errno));
		held = true;
	} else {
		held = fl.l_type != F_UNLCK;
	}
	leave(s);
	return held;
}

/* The token record and PIN records (s->lock held) */

struct pin_rec {
	unsigned int iterations;
	uint8_t salt[SALT_LEN];
	uint8_t verifier[VERIFIER_LEN];
	uint8_t wrapped[WRAPPED_LEN];
};

/* The token's state as one user sees it. */
struct tok_state {
	bool initialized;
	bool has_pin;
	unsigned int failures;
	struct pin_rec rec;
};

static const char *who_name(CK_USER_TYPE who)
{
	return who == CKU_SO ? "SO" : "USER";
}

static bool count_col(sqlite3_stmt *st, int col, unsigned int *v)
{
	sqlite3_int64 x = sqlite3_column_int64(st, col);

	if (sqlite3_column_type(st, col) != SQLITE_INTEGER || x < 0 ||
	    x > UINT_MAX)
		return false;
	*v = (unsigned int)x;
	return true;
}

/* The token record and @who's PIN record, in one statement (one snapshot). */
static CK_RV read_state(struct ck_store *s, CK_USER_TYPE who,
			struct tok_state *t)
{
	static const char sql[] =
		"SELECT t.initialized, t.so_failures, t.user_failures,"
		" p.kdf, p.iterations, p.salt, p.verifier, p.wrapped_key"
		" FROM token t LEFT JOIN pin p ON p.user = ?1 WHERE t.id = 1";
	sqlite3_stmt *st;
	unsigned int so_f, user_f;
	const char *kdf;
	CK_RV rv;
	int rc;

	memset(t, 0, sizeof(*t));
	rv = prep(s, sql, &st, "reading the token record");
	if (rv != CKR_OK)
		return rv;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)who);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE) {
			msg(s, "the token record is missing");
			rv = CKR_DEVICE_ERROR;
		} else {
			rv = db_err(s, rc, "reading the token record");
		}
		goto out;
	}
	if (!count_col(st, 1, &so_f) || !count_col(st, 2, &user_f)) {
		msg(s, "the token record's failure counters are damaged");
		rv = CKR_DEVICE_ERROR;
		goto out;
	}
	t->initialized = sqlite3_column_int64(st, 0) != 0;
	t->failures = who == CKU_SO ? so_f : user_f;
	t->has_pin = sqlite3_column_type(st, 3) != SQLITE_NULL;
	if (!t->has_pin)
		goto out;
	kdf = (const char *)sqlite3_column_text(st, 3);
	if (!kdf || strcmp(kdf, KDF_NAME) ||
	    !count_col(st, 4, &t->rec.iterations) ||
	    t->rec.iterations < KDF_ITER_MIN || t->rec.iterations > KDF_ITER_MAX ||
	    !blob_col(st, 5, t->rec.salt, SALT_LEN) ||
	    !blob_col(st, 6, t->rec.verifier, VERIFIER_LEN) ||
	    !blob_col(st, 7, t->rec.wrapped, WRAPPED_LEN)) {
		msg(s, "the %s PIN record is damaged", who_name(who));
		rv = CKR_DEVICE_ERROR;
	}
out:
	sqlite3_finalize(st);
	return rv;
}

/* What a state allows before any PIN is derived. */
static CK_RV state_rv(const struct ck_store *s, CK_USER_TYPE who,
		      const struct tok_state *t)
{
	if (!t->initialized)
		return CKR_TOKEN_NOT_RECOGNIZED;
	if (t->failures >= s->max_tries)
		return CKR_PIN_LOCKED;
	if (!t->has_pin) {
		if (who == CKU_USER)
			return CKR_USER_PIN_NOT_INITIALIZED;
		msg(s, "the token is initialized but has no SO PIN record");
		return CKR_DEVICE_ERROR;
	}
	return CKR_OK;
}

static CK_RV set_failures(struct ck_store *s, CK_USER_TYPE who,
			  unsigned int n)
{
	sqlite3_stmt *st;
	CK_RV rv;

	rv = prep(s, who == CKU_SO ?
		  "UPDATE token SET so_failures = ?1 WHERE id = 1" :
		  "UPDATE token SET user_failures = ?1 WHERE id = 1",
		  &st, "counting a PIN check");
	if (rv != CKR_OK)
		return rv;
	sqlite3_bind_int64(st, 1, n);
	return run(s, st, "counting a PIN check");
}

/* A PIN record to write: a fresh salt and what the PIN derives under it. */
struct new_pin {
	uint8_t salt[SALT_LEN];
	uint8_t derived[DERIVED_LEN];
	unsigned int iterations;
};

/* Derives @pin under a new salt; s->lock is dropped meanwhile. */
static CK_RV new_pin_prepare(struct ck_store *s, const void *pin, size_t len,
			     struct new_pin *np)
{
	int r;

	np->iterations = s->kdf_iterations;
	if (RAND_bytes(np->salt, SALT_LEN) != 1) {
		msg(s, "no random bytes for a PIN record's salt");
		return CKR_GENERAL_ERROR;
	}
	pthread_mutex_unlock(&s->lock);
	r = derive(s, pin, len, np->salt, np->iterations, np->derived);
	pthread_mutex_lock(&s->lock);
	if (r) {
		msg(s, "PBKDF2 failed");
		return CKR_GENERAL_ERROR;
	}
	return CKR_OK;
}

/* Writes @who's PIN record from @np, with @data_key wrapped under its KEK. */
static CK_RV write_pin(struct ck_store *s, CK_USER_TYPE who,
		       const struct new_pin *np, const uint8_t *data_key)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO pin"
		" (user, kdf, iterations, salt, verifier, wrapped_key)"
		" VALUES (?1, '" KDF_NAME "', ?2, ?3, ?4, ?5)";
	uint8_t wrapped[WRAPPED_LEN];
	sqlite3_stmt *st;
	CK_RV rv;

	if (wrap_key(np->derived + KEK_OFF, data_key, wrapped)) {
		msg(s, "wrapping the data key failed");
		return CKR_GENERAL_ERROR;
	}
	rv = prep(s, sql, &st, "writing a PIN record");
	if (rv != CKR_OK)
		return rv;
	if (sqlite3_bind_int64(st, 1, (sqlite3_int64)who) ||
	    sqlite3_bind_int64(st, 2, np->iterations) ||
	    sqlite3_bind_blob(st, 3, np->salt, SALT_LEN, SQLITE_TRANSIENT) ||
	    sqlite3_bind_blob(st, 4, np->derived, VERIFIER_LEN, SQLITE_TRANSIENT) ||
	    sqlite3_bind_blob(st, 5, wrapped, WRAPPED_LEN, SQLITE_TRANSIENT)) {
		sqlite3_finalize(st);
		return CKR_HOST_MEMORY;
	}
	return run(s, st, "writing a PIN record");
}

/* A PIN check in progress: @who's state as read, and the PIN derived under it. */
struct pin_check {
	struct tok_state st;
	uint8_t derived[DERIVED_LEN];
};

/*
 * The first half of a PIN check: refuses what the state refuses without
 * deriving anything (a locked PIN is never checked), else derives @pin
 * under the record as it is now, with s->lock dropped meanwhile.
 */
static CK_RV check_prepare(struct ck_store *s, CK_USER_TYPE who,
			   const void *pin, size_t len, struct pin_check *c)
{
	CK_RV rv;
	int r;

	rv = read_state(s, who, &c->st);
	if (rv == CKR_OK)
		rv = state_rv(s, who, &c->st);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_unlock(&s->lock);
	r = derive(s, pin, len, c->st.rec.salt, c->st.rec.iterations,
		   c->derived);
	pthread_mutex_lock(&s->lock);
	if (r) {
		msg(s, "PBKDF2 failed");
		return CKR_GENERAL_ERROR;
	}
	return CKR_OK;
}

/*
 * The second half, inside a write transaction: reads the state again;
 * *@again when the record changed since check_prepare(); else compares:
 * CKR_PIN_INCORRECT with the counter incremented (to be committed), or
 * CKR_OK with @data_key unwrapped and the counter reset.
 */
static CK_RV check_finish(struct ck_store *s, CK_USER_TYPE who,
			  const struct pin_check *c, uint8_t *data_key,
			  bool *again)
{
	struct tok_state now;
	CK_RV rv;

	*again = false;
	rv = read_state(s, who, &now);
	if (rv == CKR_OK)
		rv = state_rv(s, who, &now);
	if (rv != CKR_OK)
		goto out;
	if (now.rec.iterations != c->st.rec.iterations ||
	    memcmp(now.rec.salt, c->st.rec.salt, SALT_LEN) ||
	    memcmp(now.rec.verifier, c->st.rec.verifier, VERIFIER_LEN) ||
	    memcmp(now.rec.wrapped, c->st.rec.wrapped, WRAPPED_LEN)) {
		*again = true;
		goto out;
	}
	if (CRYPTO_memcmp(c->derived, now.rec.verifier, VERIFIER_LEN)) {
		rv = set_failures(s, who, now.failures + 1);
		if (rv == CKR_OK)
			rv = CKR_PIN_INCORRECT;
		goto out;
	}
	if (unwrap_key(c->derived + KEK_OFF, now.rec.wrapped, data_key)) {
		msg(s, "the %s PIN is right but the data key does not unwrap: the PIN record is damaged",
		    who_name(who));
		rv = CKR_DEVICE_ERROR;
		goto out;
	}
	if (now.failures)
		rv = set_failures(s, who, 0);
out:
	OPENSSL_cleanse(&now, sizeof(now));
	return rv;
}

/* What a successful PIN check goes on to do in its transaction. */
typedef CK_RV (*check_then_fn)(struct ck_store *s, const uint8_t *data_key,
			       void *ctx);

/*
 * A whole PIN check of @who, counted; on success @then (when given) runs in
 * the same transaction.  @card_pin, when given, gets the card PIN.
 */
static CK_RV check_pin(struct ck_store *s, CK_USER_TYPE who, const void *pin,
		       size_t len, uint8_t *data_key, uint8_t *card_pin,
		       check_then_fn then, void *ctx)
{
	struct pin_check c;
	bool again = false;
	CK_RV rv = CKR_OK;
	int i;

	for (i = 0; i < CHECK_RESTARTS; i++) {
		again = false;
		rv = check_prepare(s, who, pin, len, &c);
		if (rv != CKR_OK)
			break;
		rv = tx_begin(s);
		if (rv != CKR_OK)
			break;
		rv = check_finish(s, who, &c, data_key, &again);
		if (rv == CKR_OK && !again && then)
			rv = then(s, data_key, ctx);
		if (rv == CKR_PIN_INCORRECT) {
			CK_RV crv = tx_commit(s);

			if (crv != CKR_OK)
				rv = crv;
		} else {
			rv = tx_end(s, again ? CKR_CANCEL : rv);
		}
		if (!again)
			break;
	}
	if (again) {
		msg(s, "the %s PIN record kept changing during the check",
		    who_name(who));
		rv = CKR_DEVICE_ERROR;
	}
	if (rv == CKR_OK && card_pin)
		memcpy(card_pin, c.derived + CARD_PIN_OFF, 32);
	if (rv != CKR_OK)
		OPENSSL_cleanse(data_key, CK_STORE_KEY_LEN);
	OPENSSL_cleanse(&c, sizeof(c));
	return rv;
}

static bool pin_len_ok(const void *pin, size_t len)
{
	return pin && len >= CK_STORE_PIN_MIN && len <= CK_STORE_PIN_MAX;
}

CK_RV ck_store_token(struct ck_store *s, struct ck_token_rec *out)
{
	static const char sql[] =
		"SELECT initialized, label, serial, salt, so_failures,"
		" user_failures, EXISTS (SELECT 1 FROM pin WHERE user = ?1)"
		" FROM token WHERE id = 1";
	sqlite3_stmt *st;
	CK_RV rv;
	int rc;

	if (!s || !out)
		return CKR_ARGUMENTS_BAD;
	memset(out, 0, sizeof(*out));
	if (!enter(s))
		return CKR_GENERAL_ERROR;
	rv = prep(s, sql, &st, "reading the token record");
	if (rv != CKR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, CKU_USER);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE) {
			msg(s, "the token record is missing");
			rv = CKR_DEVICE_ERROR;
		} else {
			rv = db_err(s, rc, "reading the token record");
		}
	} else if (!blob_col(st, 1, out->label, sizeof(out->label)) ||
		   sqlite3_column_bytes(st, 2) != SERIAL_LEN ||
		   !sqlite3_column_text(st, 2) ||
		   !blob_col(st, 3, out->salt, sizeof(out->salt)) ||
		   !count_col(st, 4, &out->so_failures) ||
		   !count_col(st, 5, &out->user_failures)) {
		msg(s, "the token record is damaged");
		rv = CKR_DEVICE_ERROR;
	} else {
		out->initialized = sqlite3_column_int64(st, 0) != 0;
		out->user_pin_initialized = sqlite3_column_int64(st, 6) != 0;
		memcpy(out->serial, sqlite3_column_text(st, 2), SERIAL_LEN);
		out->max_tries = s->max_tries;
	}
	sqlite3_finalize(st);
out:
	leave(s);
	if (rv != CKR_OK)
		memset(out, 0, sizeof(*out));
	return rv;
}

struct reinit_ctx {
	const struct new_pin *so;
	const uint8_t *data_key;
	const char *label;
};

/* Everything goes; the new SO PIN, label and data key come. */
static CK_RV reinit(struct ck_store *s, const uint8_t *old_key, void *ctx)
{
	const struct reinit_ctx *r = ctx;
	sqlite3_stmt *st;
	CK_RV rv;

	rv = exec(s, "DELETE FROM object; DELETE FROM secret; DELETE FROM pin;"
		  " DELETE FROM shared_key;", "emptying the token");
	if (rv == CKR_OK)
		rv = write_pin(s, CKU_SO, r->so, r->data_key);
	if (rv != CKR_OK)
		return rv;
	rv = prep(s, "UPDATE token SET initialized = 1, label = ?1,"
		  " so_failures = 0, user_failures = 0 WHERE id = 1",
		  &st, "writing the token record");
	if (rv != CKR_OK)
		return rv;
	if (sqlite3_bind_blob(st, 1, r->label, 32, SQLITE_TRANSIENT)) {
		sqlite3_finalize(st);
		return CKR_HOST_MEMORY;
	}
	return run(s, st, "writing the token record");
}

CK_RV ck_store_init_token(struct ck_store *s, const void *so_pin, size_t len,
			  const char label[32])
{
	uint8_t data_key[CK_STORE_KEY_LEN], old_key[CK_STORE_KEY_LEN];
	struct reinit_ctx r;
	struct tok_state st;
	struct new_pin np;
	CK_RV rv;

	if (!s || !label)
		return CKR_ARGUMENTS_BAD;
	if (!pin_len_ok(so_pin, len))
		return so_pin || !len ? CKR_PIN_LEN_RANGE : CKR_ARGUMENTS_BAD;
	if (RAND_bytes(data_key, sizeof(data_key)) != 1)
		return CKR_GENERAL_ERROR;
	r.so = &np;
	r.data_key = data_key;
	r.label = label;
	if (!enter(s))
		return CKR_GENERAL_ERROR;
	rv = new_pin_prepare(s, so_pin, len, &np);
	if (rv == CKR_OK)
		rv = read_state(s, CKU_SO, &st);
	if (rv == CKR_OK && !st.initialized) {
		/* No SO PIN to check, unless another process sets one first. */
		rv = tx_begin(s);
		if (rv == CKR_OK)
			rv = read_state(s, CKU_SO, &st);
		if (rv == CKR_OK && !st.initialized) {
			rv = tx_end(s, reinit(s, NULL, &r));
			goto out;
		}
		tx_rollback(s);
	}
	if (rv == CKR_OK)
		rv = check_pin(s, CKU_SO, so_pin, len, old_key, NULL, reinit, &r);
out:
	leave(s);
	OPENSSL_cleanse(&st, sizeof(st));
	OPENSSL_cleanse(&np, sizeof(np));
	OPENSSL_cleanse(data_key, sizeof(data_key));
	OPENSSL_cleanse(old_key, sizeof(old_key));
	return rv;
}

CK_RV ck_store_login(struct ck_store *s, CK_USER_TYPE who, const void *pin,
		     size_t len, struct ck_login_keys *keys)
{
	CK_RV rv;

	if (!s || !keys)
		return CKR_ARGUMENTS_BAD;
	memset(keys, 0, sizeof(*keys));
	if (who != CKU_SO && who != CKU_USER)
		return CKR_USER_TYPE_INVALID;
	if (!pin_len_ok(pin, len))
		return pin || !len ? CKR_PIN_LEN_RANGE : CKR_ARGUMENTS_BAD;
	if (!enter(s))
		return CKR_GENERAL_ERROR;
	rv = check_pin(s, who, pin, len, keys->data_key,
		       who == CKU_USER ? keys->card_pin : NULL, NULL, NULL);
	leave(s);
	if (rv != CKR_OK)
		OPENSSL_cleanse(keys, sizeof(*keys));
	return rv;
}

CK_RV ck_store_init_pin(struct ck_store *s, const uint8_t *data_key,
			const void *pin, size_t len)
{
	struct tok_state st;
	struct new_pin np;
	CK_RV rv;

	if (!s || !data_key)
		return CKR_ARGUMENTS_BAD;
	if (!pin_len_ok(pin, len))
		return pin || !len ? CKR_PIN_LEN_RANGE : CKR_ARGUMENTS_BAD;
	if (!enter(s))
		return CKR_GENERAL_ERROR;
	rv = new_pin_prepare(s, pin, len, &np);
	if (rv == CKR_OK)
		rv = tx_begin(s);
	if (rv != CKR_OK)
		goto out;
	rv = read_state(s, CKU_USER, &st);
	if (rv == CKR_OK && !st.initialized)
		rv = CKR_TOKEN_NOT_RECOGNIZED;
	if (rv == CKR_OK)
		rv = write_pin(s, CKU_USER, &np, data_key);
	if (rv == CKR_OK)
		rv = set_failures(s, CKU_USER, 0);
	rv = tx_end(s, rv);
	OPENSSL_cleanse(&st, sizeof(st));
out:
	leave(s);
	OPENSSL_cleanse(&np, sizeof(np));
	return rv;
}

struct rewrite_ctx {
	CK_USER_TYPE who;
	const struct new_pin *np;
};

static CK_RV rewrite_pin(struct ck_store *s, const uint8_t *data_key, void *ctx)
{
	const struct rewrite_ctx *r = ctx;

	return write_pin(s, r->who, r->np, data_key);
}

CK_RV ck_store_set_pin(struct ck_store *s, CK_USER_TYPE who, const void *old,
		       size_t oldlen, const void *newpin, size_t newlen)
{
	uint8_t data_key[CK_STORE_KEY_LEN];
	struct rewrite_ctx r;
	struct new_pin np;
	CK_RV rv;

	if (!s)
		return CKR_ARGUMENTS_BAD;
	if (who != CKU_SO && who != CKU_USER)
		return CKR_USER_TYPE_INVALID;
	if (!pin_len_ok(old, oldlen))
		return old || !oldlen ? CKR_PIN_LEN_RANGE : CKR_ARGUMENTS_BAD;
	if (!pin_len_ok(newpin, newlen))
		return newpin || !newlen ? CKR_PIN_LEN_RANGE : CKR_ARGUMENTS_BAD;
	r.who = who;
	r.np = &np;
	if (!enter(s))
		return CKR_GENERAL_ERROR;
	rv = new_pin_prepare(s, newpin, newlen, &np);
	if (rv == CKR_OK)
		rv = check_pin(s, who, old, oldlen, data_key, NULL,
			       rewrite_pin, &r);
	leave(s);
	OPENSSL_cleanse(&np, sizeof(np));
	OPENSSL_cleanse(data_key, sizeof(data_key));
	return rv;
}

/* Secrets */

static bool secret_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n && n <= SECRET_NAME_MAX;
}

CK_RV ck_store_put_secret(struct ck_store *s, const uint8_t *data_key,
			  const char *name, const void *val, size_t len)
{
	uint8_t aad[SECRET_AAD_MAX];
	sqlite3_stmt *st;
	uint8_t *ct = NULL;
	size_t ctlen = 0, aadlen;
	CK_RV rv;

	if (!s || !data_key || !secret_name_ok(name) || (len && !val) ||
	    len > CK_STORE_SECRET_MAX)
		return CKR_ARGUMENTS_BAD;
	aadlen = secret_aad(s, name, aad);
	if (len && seal(data_key, aad, aadlen, val, len, &ct, &ctlen))
		return CKR_GENERAL_ERROR;
	if (!enter(s)) {
		free(ct);
		return CKR_GENERAL_ERROR;
	}
	rv = prep(s, len ? "INSERT OR REPLACE INTO secret (name, value) VALUES (?1, ?2)" :
		  "DELETE FROM secret WHERE name = ?1", &st, "writing a secret");
	if (rv != CKR_OK)
		goto out;
	if (sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT) ||
	    (len && sqlite3_bind_blob(st, 2, ct, (int)ctlen, SQLITE_TRANSIENT))) {
		sqlite3_finalize(st);
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rv = run(s, st, "writing a secret");
	if (rv == CKR_OK)
		s->own_writes++;
out:
	leave(s);
	free(ct);
	return rv;
}

CK_RV ck_store_get_secret(struct ck_store *s, const uint8_t *data_key,
			  const char *name, void *val, size_t *len)
{
	uint8_t aad[SECRET_AAD_MAX];
	uint8_t *ct = NULL, *pt = NULL;
	size_t ctlen = 0, ptlen = 0, aadlen;
	sqlite3_stmt *st;
	CK_RV rv;
	int rc;

	if (!s || !data_key || !secret_name_ok(name) || !val || !len)
		return CKR_ARGUMENTS_BAD;
	*len = 0;
	if (!enter(s))
		return CKR_GENERAL_ERROR;
	rv = prep(s, "SELECT value FROM secret WHERE name = ?1", &st,
		  "reading a secret");
	if (rv != CKR_OK)
		goto out;
	if (sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT)) {
		sqlite3_finalize(st);
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ctlen = (size_t)sqlite3_column_bytes(st, 0);
		ct = ctlen ? malloc(ctlen) : NULL;
		if (ct)
			memcpy(ct, sqlite3_column_blob(st, 0), ctlen);
		else if (ctlen)
			rv = CKR_HOST_MEMORY;
	} else if (rc != SQLITE_DONE) {
		rv = db_err(s, rc, "reading a secret");
	}
	sqlite3_finalize(st);
	if (rv != CKR_OK || rc == SQLITE_DONE)
		goto out;
	aadlen = secret_aad(s, name, aad);
	if (ctlen <= SEAL_OVERHEAD ||
	    ctlen > SEAL_OVERHEAD + CK_STORE_SECRET_MAX ||
	    unseal(data_key, aad, aadlen, ct, ctlen, &pt, &ptlen)) {
		msg(s, "secret \"%s\" does not decrypt under this data key (damaged, or not this token's)",
		    name);
		rv = CKR_DEVICE_ERROR;
		goto out;
	}
	memcpy(val, pt, ptlen);
	*len = ptlen;
	OPENSSL_clear_free(pt, ptlen);
out:
	leave(s);
	free(ct);
	return rv;
}

/* Objects */

/* ck_attrs_serialize() allocates with malloc(); values may be sensitive. */
static void free_serialized(unsigned char *ser, size_t n)
{
	OPENSSL_cleanse(ser, n);
	free(ser);
}

/* u32 BE n | serialized attributes (n bytes) | blob (OPENSSL_clear_free() it) */
static CK_RV build_payload(const struct ck_attrs *attrs, const void *blob,
			   size_t bloblen, uint8_t **out, size_t *outlen)
{
	unsigned char *ser;
	size_t serlen, n;
	uint8_t *p;

	if (ck_attrs_serialize(attrs, &ser, &serlen))
		return CKR_HOST_MEMORY;
	if (serlen > PAYLOAD_MAX || bloblen > PAYLOAD_MAX - serlen) {
		free_serialized(ser, serlen);
		return CKR_DATA_LEN_RANGE;
	}
	n = 4 + serlen + bloblen;
	p = OPENSSL_malloc(n);
	if (!p) {
		free_serialized(ser, serlen);
		return CKR_HOST_MEMORY;
	}
	p[0] = (uint8_t)(serlen >> 24);
	p[1] = (uint8_t)(serlen >> 16);
	p[2] = (uint8_t)(serlen >> 8);
	p[3] = (uint8_t)serlen;
	memcpy(p + 4, ser, serlen);
	if (bloblen)
		memcpy(p + 4 + serlen, blob, bloblen);
	free_serialized(ser, serlen);
	*out = p;
	*outlen = n;
	return CKR_OK;
}

/* The payload stored for row @id: @plain itself, or sealed. */
static CK_RV store_payload(struct ck_store *s, const uint8_t *data_key,
			   int64_t id, bool priv, const uint8_t *plain,
			   size_t plainlen, const char *sql)
{
	uint8_t aad[OBJ_AAD_LEN];
	const uint8_t *p = plain;
	uint8_t *ct = NULL;
	size_t n = plainlen;
	sqlite3_stmt *st;
	CK_RV rv;

	if (priv) {
		obj_aad(s, id, aad);
		if (seal(data_key, aad, sizeof(aad), plain, plainlen, &ct, &n)) {
			msg(s, "encrypting object %lld failed", (long long)id);
			return CKR_GENERAL_ERROR;
		}
		p = ct;
	}
	rv = prep(s, sql, &st, "writing an object");
	if (rv != CKR_OK)
		goto out;
	if (sqlite3_bind_int(st, 1, priv) ||
	    sqlite3_bind_blob(st, 2, p, (int)n, SQLITE_STATIC) ||
	    sqlite3_bind_int64(st, 3, id)) {
		sqlite3_finalize(st);
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rv = run(s, st, "writing an object");
out:
	free(ct);
	return rv;
}

CK_RV ck_store_obj_add(struct ck_store *s, const uint8_t *data_key,
		       const struct ck_attrs *attrs, const void *blob,
		       size_t bloblen, int64_t *id)
{
	bool priv;
	uint8_t *plain = NULL;
	size_t plainlen = 0;
	sqlite3_stmt *st;
	int64_t rowid;
	CK_RV rv;

	if (!s || !attrs || (!blob && bloblen) || !id)
		return CKR_ARGUMENTS_BAD;
	priv = ck_attrs_bool(attrs, CKA_PRIVATE, false);
	if (priv && !data_key)
		return CKR_USER_NOT_LOGGED_IN;
	rv = build_payload(attrs, blob, bloblen, &plain, &plainlen);
	if (rv != CKR_OK)
		return rv;
	if (!enter(s)) {
		OPENSSL_clear_free(plain, plainlen);
		return CKR_GENERAL_ERROR;
	}
	rv = tx_begin(s);
	if (rv != CKR_OK)
		goto out;
	/* A private row's id is part of its additional data: insert first. */
	rv = prep(s, "INSERT INTO object (private, payload) VALUES (?1, x'')",
		  &st, "adding an object");
	if (rv == CKR_OK) {
		sqlite3_bind_int(st, 1, priv);
		rv = run(s, st, "adding an object");
	}
	rowid = sqlite3_last_insert_rowid(s->db);
	if (rv == CKR_OK)
		rv = store_payload(s, data_key, rowid, priv, plain, plainlen,
				   "UPDATE object SET private = ?1, payload = ?2 WHERE id = ?3");
	rv = tx_end(s, rv);
	if (rv == CKR_OK)
		*id = rowid;
out:
	leave(s);
	OPENSSL_clear_free(plain, plainlen);
	return rv;
}

CK_RV ck_store_obj_update(struct ck_store *s, const uint8_t *data_key,
			  int64_t id, const struct ck_attrs *attrs,
			  const void *blob, size_t bloblen)
{
	bool priv;
	uint8_t *plain = NULL;
	size_t plainlen = 0;
	sqlite3_stmt *st;
	CK_RV rv;
	int rc;

	if (!s || !attrs || (!blob && bloblen))
		return CKR_ARGUMENTS_BAD;
	priv = ck_attrs_bool(attrs, CKA_PRIVATE, false);
	if (priv && !data_key)
		return CKR_USER_NOT_LOGGED_IN;
	rv = build_payload(attrs, blob, bloblen, &plain, &plainlen);
	if (rv != CKR_OK)
		return rv;
	if (!enter(s)) {
		OPENSSL_clear_free(plain, plainlen);
		return CKR_GENERAL_ERROR;
	}
	rv = tx_begin(s);
	if (rv != CKR_OK)
		goto out;
	rv = prep(s, "SELECT private FROM object WHERE id = ?1", &st,
		  "updating an object");
	if (rv != CKR_OK)
		goto end;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		rv = CKR_OBJECT_HANDLE_INVALID;
	else if (rc != SQLITE_ROW)
		rv = db_err(s, rc, "updating an object");
	else if (sqlite3_column_int64(st, 0) && !data_key)
		rv = CKR_USER_NOT_LOGGED_IN;
	sqlite3_finalize(st);
	if (rv == CKR_OK)
		rv = store_payload(s, data_key, id, priv, plain, plainlen,
				   "UPDATE object SET private = ?1, payload = ?2 WHERE id = ?3");
end:
	rv = tx_end(s, rv);
out:
	leave(s);
	OPENSSL_clear_free(plain, plainlen);
	return rv;
}

CK_RV ck_store_obj_delete(struct ck_store *s, int64_t id)
{
	sqlite3_stmt *st;
	CK_RV rv;

	if (!s)
		return CKR_ARGUMENTS_BAD;
	if (!enter(s))
		return CKR_GENERAL_ERROR;
	rv = prep(s, "DELETE FROM object WHERE id = ?1", &st,
		  "deleting an object");
	if (rv == CKR_OK) {
		sqlite3_bind_int64(st, 1, id);
		rv = run(s, st, "deleting an object");
	}
	if (rv == CKR_OK) {
		if (sqlite3_changes(s->db) == 0)
			rv = CKR_OBJECT_HANDLE_INVALID;
		else
			s->own_writes++;
	}
	leave(s);
	return rv;
}

struct row {
	int64_t id;
	bool priv;
	uint8_t *payload;
	size_t len;
};

static void rows_free(struct row *rows, size_t from, size_t n)
{
	size_t i;

	for (i = from; i < n; i++)
		free(rows[i].payload);
	free(rows);
}

/* Every row to load, copied out in one statement (one snapshot). */
static CK_RV read_rows(struct ck_store *s, bool with_private,
		       struct row **out, size_t *count)
{
	struct row *rows = NULL, *r;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	CK_RV rv;
	int rc;

	rv = prep(s, with_private ?
		  "SELECT id, private, payload FROM object ORDER BY id" :
		  "SELECT id, private, payload FROM object WHERE private = 0 ORDER BY id",
		  &st, "reading the objects");
	if (rv != CKR_OK)
		return rv;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			r = realloc(rows, cap * sizeof(*rows));
			if (!r) {
				rv = CKR_HOST_MEMORY;
				break;
			}
			rows = r;
		}
		r = &rows[n];
		r->id = sqlite3_column_int64(st, 0);
		r->priv = sqlite3_column_int64(st, 1) != 0;
		r->len = (size_t)sqlite3_column_bytes(st, 2);
		r->payload = malloc(r->len ? r->len : 1);
		if (!r->payload) {
			rv = CKR_HOST_MEMORY;
			break;
		}
		if (r->len)
			memcpy(r->payload, sqlite3_column_blob(st, 2), r->len);
		n++;
	}
	if (rv == CKR_OK && rc != SQLITE_DONE)
		rv = db_err(s, rc, "reading the objects");
	sqlite3_finalize(st);
	if (rv != CKR_OK) {
		rows_free(rows, 0, n);
		return rv;
	}
	*out = rows;
	*count = n;
	return CKR_OK;
}

/*
 * A row's attributes and blob: @plain is the buffer to clear and free
 * after use.  -1, with its one message, for a row that does not decode.
 */
static int decode_row(const struct ck_store *s, const uint8_t *data_key,
		      const struct row *r, struct ck_attrs *attrs,
		      uint8_t **plain, size_t *plainlen, size_t *blob_off)
{
	uint8_t aad[OBJ_AAD_LEN];
	const char *why;
	size_t serlen;
	uint8_t *p;
	size_t n;

	memset(attrs, 0, sizeof(*attrs));
	if (r->priv) {
		obj_aad(s, r->id, aad);
		if (unseal(data_key, aad, sizeof(aad), r->payload, r->len,
			   &p, &n)) {
			why = "does not decrypt under the token's data key (tampered with, or moved)";
			goto bad;
		}
	} else {
		p = r->payload;
		n = r->len;
	}
	why = "its attributes are malformed";
	if (n < 4)
		goto bad_plain;
	serlen = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
	if (serlen > n - 4 || ck_attrs_deserialize(attrs, p + 4, serlen))
		goto bad_plain;
	if (ck_attrs_bool(attrs, CKA_PRIVATE, false) != r->priv) {
		why = r->priv ? "a private row holds a public object" :
			"a public row holds a private object";
		ck_attrs_free(attrs);
		goto bad_plain;
	}
	*plain = r->priv ? p : NULL;
	*plainlen = r->priv ? n : 0;
	*blob_off = 4 + serlen;
	return 0;
bad_plain:
	if (r->priv)
		OPENSSL_clear_free(p, n);
bad:
	msg(s, "object %lld %s; skipped", (long long)r->id, why);
	return -1;
}

CK_RV ck_store_obj_load(struct ck_store *s, const uint8_t *data_key,
			ck_store_obj_cb cb, void *ctx)
{
	struct row *rows = NULL;
	size_t n = 0, i, plainlen, off;
	struct ck_attrs attrs;
	uint8_t *plain;
	CK_RV rv;

	if (!s || !cb)
		return CKR_ARGUMENTS_BAD;
	if (!enter(s))
		return CKR_GENERAL_ERROR;
	rv = read_rows(s, data_key != NULL, &rows, &n);
	leave(s);
	if (rv != CKR_OK)
		return rv;
	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];
		const uint8_t *base;

		if (decode_row(s, data_key, r, &attrs, &plain, &plainlen, &off))
			goto next;
		base = plain ? plain : r->payload;
		rv = cb(ctx, r->id, r->priv, &attrs, base + off,
			(plain ? plainlen : r->len) - off);
		ck_attrs_free(&attrs);
		OPENSSL_clear_free(plain, plainlen);
next:
		free(r->payload);
		r->payload = NULL;
		if (rv != CKR_OK) {
			i++;
			break;
		}
	}
	rows_free(rows, i, n);
	return rv;
}

/* Shared logins */

#define SHARED_PAYLOAD_MAX	(20 * 1024)
#define SHARED_CHECK_LEN	16
#define SHARED_KEYS_LEN		(SHARED_CHECK_LEN + CK_STORE_KEY_LEN)
#define SHARED_INFO		"ep11sess shared login record"
#define SHARED_AAD_LEN		(7 + CK_STORE_NAME_LEN + 8 + SERIAL_LEN)

static bool shared_args_ok(const uint8_t *name, uint32_t scope,
			   const uint8_t *public_id)
{
	return name && scope <= 1 && public_id;
}

/* The check value and key of @public_id's record (clear @out after use). */
static int shared_keys(const struct ck_store *s, const uint8_t public_id[16],
		       uint8_t out[SHARED_KEYS_LEN])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[5];
	int ok = 0;

	if (ctx) {
		p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
							(char *)"SHA256", 0);
		p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
							 (void *)public_id, 16);
		p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
							 (void *)s->salt,
							 SALT_LEN);
		p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
							 (void *)SHARED_INFO,
							 sizeof(SHARED_INFO) - 1);
		p[4] = OSSL_PARAM_construct_end();
		ok = EVP_KDF_derive(ctx, out, SHARED_KEYS_LEN, p) == 1;
	}
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
}

static void shared_aad(const struct ck_store *s, const uint8_t *name,
		       uint32_t scope, uint32_t scope_id,
		       uint8_t aad[SHARED_AAD_LEN])
{
	memcpy(aad, "shared", 7);
	memcpy(aad + 7, name, CK_STORE_NAME_LEN);
	put_be64(aad + 7 + CK_STORE_NAME_LEN,
		 (uint64_t)scope << 32 | scope_id);
	memcpy(aad + 7 + CK_STORE_NAME_LEN + 8, s->serial, SERIAL_LEN);
}

/* Binds name, scope and scope id to parameters 1-3. */
static bool bind_shared_key(sqlite3_stmt *st, const uint8_t *name,
			    uint32_t scope, uint32_t scope_id)
{
	return sqlite3_bind_blob(st, 1, name, CK_STORE_NAME_LEN,
				 SQLITE_TRANSIENT) == SQLITE_OK &&
	       sqlite3_bind_int64(st, 2, scope) == SQLITE_OK &&
	       sqlite3_bind_int64(st, 3, scope_id) == SQLITE_OK;
}

/*
 * The start of reading or deleting a shared login's record: the arguments,
 * the record's keys from the public id (wiped on failure), the store's
 * lock.  On CKR_OK the caller leaves the store and wipes @keys.
 */
static CK_RV shared_enter(struct ck_store *s, const uint8_t *name,
			  uint32_t scope, const uint8_t public_id[16],
			  uint8_t keys[SHARED_KEYS_LEN])
{
	if (!s || !shared_args_ok(name, scope, public_id))
		return CKR_ARGUMENTS_BAD;
	if (shared_keys(s, public_id, keys))
		return CKR_GENERAL_ERROR;
	if (!enter(s)) {
		OPENSSL_cleanse(keys, SHARED_KEYS_LEN);
		return CKR_GENERAL_ERROR;
	}
	return CKR_OK;
}

CK_RV ck_store_put_shared(struct ck_store *s, const uint8_t *name,
			  uint32_t scope, uint32_t scope_id,
			  const uint8_t public_id[16], const void *secret,
			  size_t len)
{
	uint8_t keys[SHARED_KEYS_LEN], aad[SHARED_AAD_LEN];
	uint8_t *ct = NULL;
	size_t ctlen = 0;
	sqlite3_stmt *st;
	CK_RV rv;

	if (!s || !shared_args_ok(name, scope, public_id) || !secret || !len ||
	    len > SHARED_PAYLOAD_MAX)
		return CKR_ARGUMENTS_BAD;
	shared_aad(s, name, scope, scope_id, aad);
	if (shared_keys(s, public_id, keys) ||
	    seal(keys + SHARED_CHECK_LEN, aad, sizeof(aad), secret, len, &ct,
		 &ctlen)) {
		OPENSSL_cleanse(keys, sizeof(keys));
		return CKR_GENERAL_ERROR;
	}
	if (!enter(s)) {
		rv = CKR_GENERAL_ERROR;
		goto out_free;
	}
	rv = prep(s, "INSERT OR REPLACE INTO shared_key"
		  " (name, scope, scope_id, check_value, payload)"
		  " VALUES (?1, ?2, ?3, ?4, ?5)", &st,
		  "writing a shared login's record");
	if (rv != CKR_OK)
		goto out;
	if (!bind_shared_key(st, name, scope, scope_id) ||
	    sqlite3_bind_blob(st, 4, keys, SHARED_CHECK_LEN, SQLITE_TRANSIENT) ||
	    sqlite3_bind_blob(st, 5, ct, (int)ctlen, SQLITE_TRANSIENT)) {
		sqlite3_finalize(st);
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rv = run(s, st, "writing a shared login's record");
	if (rv == CKR_OK)
		s->own_writes++;
out:
	leave(s);
out_free:
	OPENSSL_cleanse(keys, sizeof(keys));
	free(ct);
	return rv;
}

CK_RV ck_store_get_shared(struct ck_store *s, const uint8_t *name,
			  uint32_t scope, uint32_t scope_id,
			  const uint8_t public_id[16], void **secret,
			  size_t *len)
{
	uint8_t keys[SHARED_KEYS_LEN], aad[SHARED_AAD_LEN];
	uint8_t check[SHARED_CHECK_LEN], *ct = NULL, *pt = NULL;
	size_t ctlen = 0, ptlen = 0;
	bool found = false;
	sqlite3_stmt *st;
	CK_RV rv;
	int rc;

	if (!secret || !len)
		return CKR_ARGUMENTS_BAD;
	*secret = NULL;
	*len = 0;
	rv = shared_enter(s, name, scope, public_id, keys);
	if (rv != CKR_OK)
		return rv;
	rv = prep(s, "SELECT check_value, payload FROM shared_key"
		  " WHERE name = ?1 AND scope = ?2 AND scope_id = ?3", &st,
		  "reading a shared login's record");
	if (rv != CKR_OK)
		goto out;
	if (!bind_shared_key(st, name, scope, scope_id)) {
		sqlite3_finalize(st);
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		/* Another session's record (an ended login's) is none for this one. */
		found = blob_col(st, 0, check, SHARED_CHECK_LEN) &&
			!CRYPTO_memcmp(check, keys, SHARED_CHECK_LEN);
		ctlen = (size_t)sqlite3_column_bytes(st, 1);
		if (found && (sqlite3_column_type(st, 1) != SQLITE_BLOB ||
			      ctlen <= SEAL_OVERHEAD ||
			      ctlen > SHARED_PAYLOAD_MAX + SEAL_OVERHEAD)) {
			msg(s, "a shared login's record is damaged; ignored");
			found = false;
		}
		if (found) {
			ct = malloc(ctlen);
			if (ct)
				memcpy(ct, sqlite3_column_blob(st, 1), ctlen);
			else
				rv = CKR_HOST_MEMORY;
		}
	} else if (rc != SQLITE_DONE) {
		rv = db_err(s, rc, "reading a shared login's record");
	}
	sqlite3_finalize(st);
	if (rv != CKR_OK || !ct)
		goto out;
	shared_aad(s, name, scope, scope_id, aad);
	if (unseal(keys + SHARED_CHECK_LEN, aad, sizeof(aad), ct, ctlen, &pt,
		   &ptlen) || !ptlen) {
		msg(s, "a shared login's record does not decrypt under its session's key (tampered with, or moved); ignored");
		if (pt)
			OPENSSL_clear_free(pt, ptlen);
		goto out;
	}
	*secret = pt;
	*len = ptlen;
out:
	leave(s);
	OPENSSL_cleanse(keys, sizeof(keys));
	free(ct);
	return rv;
}

CK_RV ck_store_del_shared(struct ck_store *s, const uint8_t *name,
			  uint32_t scope, uint32_t scope_id,
			  const uint8_t public_id[16])
{
	uint8_t keys[SHARED_KEYS_LEN];
	sqlite3_stmt *st;
	CK_RV rv;

	rv = shared_enter(s, name, scope, public_id, keys);
	if (rv != CKR_OK)
		return rv;
	rv = prep(s, "DELETE FROM shared_key WHERE name = ?1 AND scope = ?2"
		  " AND scope_id = ?3 AND check_value = ?4", &st,
		  "deleting a shared login's record");
	if (rv != CKR_OK)
		goto out;
	if (!bind_shared_key(st, name, scope, scope_id) ||
	    sqlite3_bind_blob(st, 4, keys, SHARED_CHECK_LEN, SQLITE_TRANSIENT)) {
		sqlite3_finalize(st);
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rv = run(s, st, "deleting a shared login's record");
	if (rv == CKR_OK && sqlite3_changes(s->db))
		s->own_writes++;
out:
	leave(s);
	OPENSSL_cleanse(keys, sizeof(keys));
	return rv;
}

uint64_t ck_store_generation(struct ck_store *s)
{
	sqlite3_stmt *st;
	uint64_t gen;
	int rc;

	if (!s || !enter(s))
		return 0;
	rc = sqlite3_prepare_v2(s->db, "PRAGMA data_version", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		gen = (uint64_t)sqlite3_column_int64(st, 0) + s->own_writes;
	} else {
		/* A number not returned last time: the caller reloads. */
		db_err(s, rc, "reading the data version");
		gen = s->last_gen + 1;
	}
	sqlite3_finalize(st);
	s->last_gen = gen;
	leave(s);
	return gen;
}
