// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The token store (lib/store.c): creating and opening, C_InitToken,
 * logins with their failure counters and lockout, C_InitPIN and C_SetPIN
 * keeping the data key, private objects and secrets encrypted at rest,
 * tampered rows, several processes at once, a writer killed mid-way, the
 * session lock, files that are not stores, the shared logins' records and
 * the upgrade of a version 1 store.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "expect.h"
#include "store.h"

#define ITER		1000	/* PBKDF2 iterations: small, for speed */
#define MAX_TRIES	10
#define SO_PIN		"so-pin-Zq81x"
#define USER_PIN	"user-pin-Kw7"
#define NEW_PIN		"new-pin-Rt52"

struct fx {
	char dir[512];
	char path[600];
	struct ck_store *s;
};

static int rm_entry(const char *p, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/ck-store-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/token.db", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	ck_store_close(fx->s);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static struct ck_store *open_store(const char *path, unsigned int max_tries)
{
	struct ck_store *s = NULL;
	char err[512] = "";
	CK_RV rv = ck_store_open(path, max_tries, ITER, &s, err, sizeof(err));

	if (rv != CKR_OK)
		fail_msg("ck_store_open(%s): expected CKR_OK, got %s: %s", path,
			 rv_name(rv), err);
	return s;
}

static char label32[32];

static const char *label(const char *text)
{
	memset(label32, ' ', sizeof(label32));
	memcpy(label32, text, strlen(text));
	return label32;
}

static CK_RV login(struct ck_store *s, CK_USER_TYPE who, const char *pin,
		   struct ck_login_keys *keys)
{
	struct ck_login_keys scratch;

	return ck_store_login(s, who, pin, strlen(pin), keys ? keys : &scratch);
}

/* An initialized token with a USER PIN; @dk gets its data key. */
static struct ck_store *ready_store(struct fx *fx, unsigned int max_tries,
				    uint8_t dk[CK_STORE_KEY_LEN])
{
	struct ck_login_keys k;
	struct ck_store *s = open_store(fx->path, max_tries);

	expect_rv(ck_store_init_token(s, SO_PIN, strlen(SO_PIN), label("test")),
		  CKR_OK);
	expect_rv(login(s, CKU_SO, SO_PIN, &k), CKR_OK);
	expect_rv(ck_store_init_pin(s, k.data_key, USER_PIN, strlen(USER_PIN)),
		  CKR_OK);
	if (dk)
		memcpy(dk, k.data_key, CK_STORE_KEY_LEN);
	fx->s = s;
	return s;
}

static struct ck_token_rec token(struct ck_store *s)
{
	struct ck_token_rec r;

	expect_rv(ck_store_token(s, &r), CKR_OK);
	return r;
}

/* Objects */

static int64_t add_obj(struct ck_store *s, const uint8_t *dk, const char *lbl,
		       bool priv, const void *blob, size_t bloblen)
{
	struct ck_attrs a = { 0 };
	int64_t id = -1;

	ck_attrs_set_ulong(&a, CKA_CLASS, CKO_SECRET_KEY);
	ck_attrs_set_bool(&a, CKA_TOKEN, true);
	ck_attrs_set_bool(&a, CKA_PRIVATE, priv);
	ck_attrs_set(&a, CKA_LABEL, lbl, strlen(lbl));
	expect_rv(ck_store_obj_add(s, dk, &a, blob, bloblen, &id), CKR_OK);
	ck_attrs_free(&a);
	return id;
}

struct obj {
	int64_t id;
	bool priv;
	struct ck_attrs attrs;
	uint8_t *blob;
	size_t bloblen;
};

struct objs {
	struct obj *v;
	size_t n, cap;
	size_t stop_after;	/* 0: never */
};

static CK_RV collect(void *ctx, int64_t id, bool priv, struct ck_attrs *attrs,
		     const void *blob, size_t bloblen)
{
	struct objs *o = ctx;
	struct obj *e;

	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 16;
		o->v = realloc(o->v, o->cap * sizeof(*o->v));
		assert_non_null(o->v);
	}
	e = &o->v[o->n++];
	e->id = id;
	e->priv = priv;
	/* The list is the callee's: moved out, left empty. */
	e->attrs = *attrs;
	memset(attrs, 0, sizeof(*attrs));
	e->blob = malloc(bloblen ? bloblen : 1);
	assert_non_null(e->blob);
	memcpy(e->blob, blob, bloblen);
	e->bloblen = bloblen;
	if (o->stop_after && o->n == o->stop_after)
		return CKR_CANCEL;
	return CKR_OK;
}

static void objs_free(struct objs *o)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		ck_attrs_free(&o->v[i].attrs);
		free(o->v[i].blob);
	}
	free(o->v);
	memset(o, 0, sizeof(*o));
}

static struct objs load(struct ck_store *s, const uint8_t *dk)
{
	struct objs o = { 0 };

	expect_rv(ck_store_obj_load(s, dk, collect, &o), CKR_OK);
	return o;
}

static const struct obj *find_obj(const struct objs *o, int64_t id)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->v[i].id == id)
			return &o->v[i];
	return NULL;
}

static void expect_obj(const struct objs *o, int64_t id, const char *lbl,
		       bool priv, const void *blob, size_t bloblen)
{
	const struct obj *e = find_obj(o, id);
	const CK_ATTRIBUTE *at;

	if (!e)
		fail_msg("object %lld (%s): expected it loaded, it was not",
			 (long long)id, lbl);
	at = ck_attrs_get(&e->attrs, CKA_LABEL);
	if (!at || at->ulValueLen != strlen(lbl) ||
	    memcmp(at->pValue, lbl, strlen(lbl)))
		fail_msg("object %lld: expected label %s, got %.*s", (long long)id,
			 lbl, at ? (int)at->ulValueLen : 6,
			 at ? (const char *)at->pValue : "(none)");
	if (e->priv != priv)
		fail_msg("object %lld: expected private %d, got %d",
			 (long long)id, priv, e->priv);
	if (e->bloblen != bloblen || memcmp(e->blob, blob, bloblen))
		fail_msg("object %lld: expected its %zu-byte blob, got %zu bytes%s",
			 (long long)id, bloblen, e->bloblen,
			 e->bloblen == bloblen ? " that differ" : "");
}

/* Captured stderr */

struct capture {
	int saved;
	char file[PATH_MAX];
};

static void capture_start(struct capture *c, const struct fx *fx)
{
	int fd;

	snprintf(c->file, sizeof(c->file), "%s/stderr.txt", fx->dir);
	fflush(stderr);
	c->saved = dup(2);
	fd = open(c->file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(c->saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
}

/* What went to stderr (also echoed there); free it. */
static char *capture_end(struct capture *c)
{
	char *text = calloc(1, 65536);
	int fd;

	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	assert_non_null(text);
	fd = open(c->file, O_RDONLY);
	assert_true(fd >= 0);
	if (read(fd, text, 65535) < 0)
		text[0] = 0;
	close(fd);
	unlink(c->file);
	fputs(text, stderr);
	return text;
}

/* Lines of @text holding every one of @a and @b. */
static int lines_with(const char *text, const char *a, const char *b)
{
	const char *line = text;
	int n = 0;

	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (memmem(line, len, a, strlen(a)) &&
		    (!b || memmem(line, len, b, strlen(b))))
			n++;
		line += len + (end ? 1 : 0);
	}
	return n;
}

static int lines(const char *text)
{
	int n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* Raw access to the database, as an attacker or a checker would have */

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		fail_msg("sqlite3_open_v2(%s): %s", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 10000);
	return db;
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = raw_open(path);
	char *e = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &e) != SQLITE_OK)
		fail_msg("%s: %s", sql, e);
	sqlite3_close(db);
}

static char *raw_text(const char *path, const char *sql)
{
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *st;
	char *v = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void raw_set_payload(const char *path, int64_t id, const void *p,
			    size_t n)
{
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db,
			 "UPDATE object SET payload = ?1 WHERE id = ?2", -1, &st,
			 NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, p, (int)n, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static uint8_t *raw_payload(const char *path, int64_t id, size_t *n)
{
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *st;
	uint8_t *p;

	assert_int_equal(sqlite3_prepare_v2(db,
			 "SELECT payload FROM object WHERE id = ?1", -1, &st,
			 NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	*n = (size_t)sqlite3_column_bytes(st, 0);
	p = malloc(*n);
	assert_non_null(p);
	memcpy(p, sqlite3_column_blob(st, 0), *n);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return p;
}

static void expect_integrity_ok(const char *path)
{
	char *r = raw_text(path, "PRAGMA integrity_check");

	if (!r || strcmp(r, "ok"))
		fail_msg("PRAGMA integrity_check of %s: expected ok, got %s", path,
			 r ? r : "(nothing)");
	free(r);
}

/* Files */

/* Whether @path's bytes hold @needle; a missing file holds nothing. */
static bool file_holds(const char *path, const void *needle, size_t n)
{
	struct stat st;
	bool found;
	void *p;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return false;
	if (fstat(fd, &st) || st.st_size == 0) {
		close(fd);
		return false;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	assert_true(p != MAP_FAILED);
	found = memmem(p, (size_t)st.st_size, needle, n) != NULL;
	munmap(p, (size_t)st.st_size);
	return found;
}

/* Whether the database, its WAL or its shared-memory file holds @needle. */
static bool store_holds(const char *path, const void *needle, size_t n)
{
	char p[PATH_MAX + 8];

	if (file_holds(path, needle, n))
		return true;
	snprintf(p, sizeof(p), "%s-wal", path);
	if (file_holds(p, needle, n))
		return true;
	snprintf(p, sizeof(p), "%s-shm", path);
	return file_holds(p, needle, n);
}

static void write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void fill_random(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	srand(seed);
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rand();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Creating and opening */

static void test_open_creates_store_mode_0660(void **state)
{
	struct fx *fx = *state;
	struct ck_token_rec r, r2;
	char lock[PATH_MAX + 8];
	struct stat st;
	mode_t old = umask(0);
	char *v;
	int i;

	fx->s = open_store(fx->path, MAX_TRIES);
	umask(old);
	assert_int_equal(stat(fx->path, &st), 0);
	expect_eq(st.st_mode & 0777, 0660, "the database's mode with umask 0");
	snprintf(lock, sizeof(lock), "%s.lock", fx->path);
	assert_int_equal(stat(lock, &st), 0);
	expect_eq(st.st_mode & 0777, 0660, "the lock file's mode with umask 0");

	r = token(fx->s);
	assert_false(r.initialized);
	assert_false(r.user_pin_initialized);
	assert_memory_equal(r.label, label(""), 32);
	for (i = 0; i < 16; i++)
		if (r.serial[i] < 0x21 || r.serial[i] > 0x7e)
			fail_msg("serial byte %d: expected printable, got 0x%02x", i,
				 (unsigned char)r.serial[i]);
	expect_eq(r.max_tries, MAX_TRIES, "max_tries reported");
	expect_eq(r.so_failures + r.user_failures, 0, "failure counters");

	v = raw_text(fx->path, "PRAGMA journal_mode");
	assert_non_null(v);
	assert_string_equal(v, "wal");
	free(v);
	v = raw_text(fx->path, "SELECT value FROM meta WHERE name = 'schema_version'");
	assert_non_null(v);
	assert_string_equal(v, "2");
	free(v);

	/* Reopened: the same serial and salt, the new max_tries. */
	ck_store_close(fx->s);
	fx->s = open_store(fx->path, 5);
	r2 = token(fx->s);
	assert_memory_equal(r2.serial, r.serial, 16);
	assert_memory_equal(r2.salt, r.salt, 32);
	expect_eq(r2.max_tries, 5, "max_tries after reopening with 5");
}

static void test_open_respects_umask(void **state)
{
	struct fx *fx = *state;
	struct stat st;
	mode_t old = umask(027);

	fx->s = open_store(fx->path, MAX_TRIES);
	umask(old);
	assert_int_equal(stat(fx->path, &st), 0);
	expect_eq(st.st_mode & 0777, 0640, "the database's mode with umask 027");
}

static void test_open_missing_directory_names_it(void **state)
{
	struct fx *fx = *state;
	struct ck_store *s = NULL;
	char path[PATH_MAX + 32], dir[PATH_MAX + 8], err[512] = "";

	snprintf(dir, sizeof(dir), "%s/nope", fx->dir);
	snprintf(path, sizeof(path), "%s/token.db", dir);
	expect_rv(ck_store_open(path, MAX_TRIES, ITER, &s, err, sizeof(err)),
		  CKR_GENERAL_ERROR);
	assert_null(s);
	if (!strstr(err, dir) || !strstr(err, "does not exist"))
		fail_msg("expected a message naming %s as missing, got: %s", dir, err);
	assert_int_equal(access(dir, F_OK), -1);
}

static void test_open_bad_arguments(void **state)
{
	struct fx *fx = *state;
	struct ck_store *s = NULL;
	char err[512];

	expect_rv(ck_store_open(fx->path, MAX_TRIES, 999, &s, err, sizeof(err)),
		  CKR_ARGUMENTS_BAD);
	expect_rv(ck_store_open(fx->path, 0, ITER, &s, err, sizeof(err)),
		  CKR_ARGUMENTS_BAD);
	expect_rv(ck_store_open(NULL, MAX_TRIES, ITER, &s, err, sizeof(err)),
		  CKR_ARGUMENTS_BAD);
	assert_null(s);
	expect_rv(ck_store_open(fx->path, 1, 1000, &s, NULL, 0), CKR_OK);
	ck_store_close(s);
}

/* A file that is not a store: an error naming it, the file left as it was. */
static void expect_open_refused(const struct fx *fx, const void *bytes,
				size_t n, CK_RV want, const char *words)
{
	struct ck_store *s = NULL;
	char err[512] = "";
	uint8_t *after;
	struct stat st;
	int fd;

	write_file(fx->path, bytes, n);
	expect_rv(ck_store_open(fx->path, MAX_TRIES, ITER, &s, err, sizeof(err)),
		  want);
	assert_null(s);
	if (!strstr(err, fx->path) || (words && !strstr(err, words)))
		fail_msg("expected a message naming %s%s%s, got: %s", fx->path,
			 words ? " and saying " : "", words ? words : "", err);
	fprintf(stderr, "refused as expected: %s\n", err);
	assert_int_equal(stat(fx->path, &st), 0);
	expect_eq(st.st_size, n, "the refused file's size");
	after = malloc(n);
	fd = open(fx->path, O_RDONLY);
	assert_int_equal(read(fd, after, n), (ssize_t)n);
	close(fd);
	assert_memory_equal(after, bytes, n);
	free(after);
}

static void test_open_garbage_file_names_it(void **state)
{
	struct fx *fx = *state;
	static const char text[] = "[slot 0]\nlabel = not a database\n";
	uint8_t junk[8192];

	fill_random(junk, sizeof(junk), 1);
	expect_open_refused(fx, junk, sizeof(junk), CKR_DEVICE_ERROR,
			    "not a database");
	expect_open_refused(fx, text, sizeof(text) - 1, CKR_DEVICE_ERROR,
			    "not a database");
}

static void test_open_newer_schema_refused(void **state)
{
	struct fx *fx = *state;
	struct ck_store *s = NULL;
	char err[512] = "";

	ck_store_close(open_store(fx->path, MAX_TRIES));
	raw_exec(fx->path, "UPDATE meta SET value = 3 WHERE name = 'schema_version'");
	expect_rv(ck_store_open(fx->path, MAX_TRIES, ITER, &s, err, sizeof(err)),
		  CKR_GENERAL_ERROR);
	if (!strstr(err, fx->path) || !strstr(err, "newer"))
		fail_msg("expected a message naming %s and a newer schema, got: %s",
			 fx->path, err);
}

static void test_open_other_sqlite_database_refused(void **state)
{
	struct fx *fx = *state;
	struct ck_store *s = NULL;
	char err[512] = "";
	sqlite3 *db;

	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	expect_rv(ck_store_open(fx->path, MAX_TRIES, ITER, &s, err, sizeof(err)),
		  CKR_GENERAL_ERROR);
	if (!strstr(err, fx->path) || !strstr(err, "not a token store"))
		fail_msg("expected a message naming %s as not a token store, got: %s",
			 fx->path, err);
}

/*
 * A damaged copy of a good store: ck_store_open refuses it, or the first
 * call that reaches the damage fails with CKR_DEVICE_ERROR and one message
 * naming the file.  Never a crash, never a wrong object.
 */
static void expect_damage_found(struct fx *fx, const char *path,
				const uint8_t *dk, size_t want_objects)
{
	struct ck_store *s = NULL;
	struct capture cap;
	struct objs o = { 0 };
	char err[512] = "";
	char *text;
	CK_RV rv;

	rv = ck_store_open(path, MAX_TRIES, ITER, &s, err, sizeof(err));
	if (rv != CKR_OK) {
		if (rv != CKR_DEVICE_ERROR || !strstr(err, path))
			fail_msg("opening damaged %s: expected CKR_DEVICE_ERROR naming it, got %s: %s",
				 path, rv_name(rv), err);
		fprintf(stderr, "refused at open as expected: %s\n", err);
		return;
	}
	capture_start(&cap, fx);
	rv = ck_store_obj_load(s, dk, collect, &o);
	text = capture_end(&cap);
	ck_store_close(s);
	if (rv == CKR_OK && o.n == want_objects)
		fail_msg("loading damaged %s: expected an error, got all %zu objects",
			 path, o.n);
	if (rv != CKR_DEVICE_ERROR)
		fail_msg("loading damaged %s: expected CKR_DEVICE_ERROR, got %s",
			 path, rv_name(rv));
	expect_eq(lines(text), 1, "lines on stderr");
	expect_eq(lines_with(text, path, "malformed"), 1,
		  "lines naming the store and saying malformed");
	free(text);
	objs_free(&o);
}

static void test_open_damaged_store_fails_cleanly(void **state)
{
	struct fx *fx = *state;
	uint8_t dk[CK_STORE_KEY_LEN], blob[2048];
	char copy[PATH_MAX + 16], lbl[32];
	struct stat st;
	uint8_t *bytes;
	ssize_t n;
	int i, fd;

	ready_store(fx, MAX_TRIES, dk);
	for (i = 0; i < 200; i++) {
		snprintf(lbl, sizeof(lbl), "object %d", i);
		fill_random(blob, sizeof(blob), i);
		add_obj(fx->s, dk, lbl, i & 1, blob, sizeof(blob));
	}
	ck_store_close(fx->s);
	fx->s = NULL;
	assert_int_equal(stat(fx->path, &st), 0);
	bytes = malloc((size_t)st.st_size);
	fd = open(fx->path, O_RDONLY);
	n = read(fd, bytes, (size_t)st.st_size);
	close(fd);
	assert_int_equal(n, st.st_size);
	fprintf(stderr, "a good store of %lld bytes\n", (long long)st.st_size);

	/* Cut to half. */
	snprintf(copy, sizeof(copy), "%s/half.db", fx->dir);
	write_file(copy, bytes, (size_t)n / 2);
	expect_damage_found(fx, copy, dk, 200);

	/* Pages in the middle overwritten. */
	snprintf(copy, sizeof(copy), "%s/holed.db", fx->dir);
	fill_random(bytes + n / 2, 16384, 7);
	write_file(copy, bytes, (size_t)n);
	expect_damage_found(fx, copy, dk, 200);

	/* The first page's b-tree overwritten (the schema). */
	snprintf(copy, sizeof(copy), "%s/header.db", fx->dir);
	fill_random(bytes + 100, 3000, 9);
	write_file(copy, bytes, (size_t)n);
	expect_damage_found(fx, copy, dk, 200);
	free(bytes);
}

/* C_InitToken and logins */

static void test_login_before_init_token_is_not_recognized(void **state)
{
	struct fx *fx = *state;
	uint8_t dk[CK_STORE_KEY_LEN] = { 0 };

	fx->s = open_store(fx->path, MAX_TRIES);
	expect_rv(login(fx->s, CKU_SO, SO_PIN, NULL), CKR_TOKEN_NOT_RECOGNIZED);
	expect_rv(login(fx->s, CKU_USER, USER_PIN, NULL), CKR_TOKEN_NOT_RECOGNIZED);
	expect_rv(ck_store_init_pin(fx->s, dk, USER_PIN, strlen(USER_PIN)),
		  CKR_TOKEN_NOT_RECOGNIZED);
}

static void test_init_token_sets_so_pin_and_label(void **state)
{
	struct fx *fx = *state;
	struct ck_login_keys k;
	struct ck_token_rec r;
	uint8_t zero[32] = { 0 };

	fx->s = open_store(fx->path, MAX_TRIES);
	expect_rv(ck_store_init_token(fx->s, SO_PIN, 3, label("t")),
		  CKR_PIN_LEN_RANGE);
	expect_rv(ck_store_init_token(fx->s, SO_PIN, strlen(SO_PIN), label("first token")),
		  CKR_OK);
	r = token(fx->s);
	assert_true(r.initialized);
	assert_false(r.user_pin_initialized);
	assert_memory_equal(r.label, label("first token"), 32);
	expect_rv(login(fx->s, CKU_SO, SO_PIN, &k), CKR_OK);
	/* The SO gets the data key and no card PIN. */
	assert_true(memcmp(k.data_key, zero, 32) != 0);
	assert_memory_equal(k.card_pin, zero, 32);
	expect_rv(login(fx->s, CKU_USER, USER_PIN, NULL),
		  CKR_USER_PIN_NOT_INITIALIZED);
}

static void test_login_checks_pin_and_counts_failures(void **state)
{
	struct fx *fx = *state;
	uint8_t dk[CK_STORE_KEY_LEN], zero[32] = { 0 };
	struct ck_login_keys k, k2;
	struct ck_store *s = ready_store(fx, MAX_TRIES, dk);
	char long_pin[CK_STORE_PIN_MAX + 1];
	struct ck_token_rec r;

	expect_rv(login(s, CKU_USER, "wrong-pin", NULL), CKR_PIN_INCORRECT);
	expect_eq(token(s).user_failures, 1, "USER failures after one wrong PIN");
	expect_rv(login(s, CKU_USER, "wrong-pin", NULL), CKR_PIN_INCORRECT);
	r = token(s);
	expect_eq(r.user_failures, 2, "USER failures after two wrong PINs");
	expect_eq(r.so_failures, 0, "SO failures after USER's wrong PINs");

	/* Out of range, NULL, or another user type: refused, not counted. */
	memset(long_pin, '7', sizeof(long_pin));
	expect_rv(ck_store_login(s, CKU_USER, "123", 3, &k), CKR_PIN_LEN_RANGE);
	expect_rv(ck_store_login(s, CKU_USER, long_pin, CK_STORE_PIN_MAX + 1, &k),
		  CKR_PIN_LEN_RANGE);
	expect_rv(ck_store_login(s, CKU_USER, NULL, 8, &k), CKR_ARGUMENTS_BAD);
	expect_rv(ck_store_login(s, CKU_CONTEXT_SPECIFIC, USER_PIN,
				 strlen(USER_PIN), &k), CKR_USER_TYPE_INVALID);
	expect_rv(ck_store_login(s, 7, USER_PIN, strlen(USER_PIN), &k),
		  CKR_USER_TYPE_INVALID);
	expect_eq(token(s).user_failures, 2, "USER failures after refused calls");

	/* The right PIN: the data key, a card PIN, the counter reset. */
	expect_rv(login(s, CKU_USER, USER_PIN, &k), CKR_OK);
	expect_eq(token(s).user_failures, 0, "USER failures after a success");
	assert_memory_equal(k.data_key, dk, CK_STORE_KEY_LEN);
	assert_true(memcmp(k.card_pin, zero, 32) != 0);
	assert_true(memcmp(k.card_pin, USER_PIN, strlen(USER_PIN)) != 0);
	expect_rv(login(s, CKU_USER, USER_PIN, &k2), CKR_OK);
	assert_memory_equal(k2.card_pin, k.card_pin, 32);

	expect_rv(login(s, CKU_SO, USER_PIN, NULL), CKR_PIN_INCORRECT);
	r = token(s);
	expect_eq(r.so_failures, 1, "SO failures after one wrong SO PIN");
	expect_eq(r.user_failures, 0, "USER failures after a wrong SO PIN");
}

static void test_pin_locks_at_max_tries(void **state)
{
	struct fx *fx = *state;
	uint8_t dk[CK_STORE_KEY_LEN];
	struct ck_store *s = ready_store(fx, 3, dk);
	struct ck_login_keys k;
	int i;

	for (i = 1; i <= 3; i++) {
		expect_rv(login(s, CKU_USER, "wrong-pin", NULL), CKR_PIN_INCORRECT);
		expect_eq(token(s).user_failures, i, "USER failures");
	}
	/* Locked: even the right PIN is refused, and nothing more is counted. */
	expect_rv(login(s, CKU_USER, USER_PIN, NULL), CKR_PIN_LOCKED);
	expect_rv(login(s, CKU_USER, "wrong-pin", NULL), CKR_PIN_LOCKED);
	expect_rv(ck_store_set_pin(s, CKU_USER, USER_PIN, strlen(USER_PIN),
				   NEW_PIN, strlen(NEW_PIN)), CKR_PIN_LOCKED);
	expect_eq(token(s).user_failures, 3, "USER failures once locked");

	/* The SO is not locked, and C_InitPIN unlocks the USER. */
	expect_rv(login(s, CKU_SO, SO_PIN, &k), CKR_OK);
	expect_rv(ck_store_init_pin(s, k.data_key, NEW_PIN, strlen(NEW_PIN)), CKR_OK);
	expect_eq(token(s).user_failures, 0, "USER failures after C_InitPIN");
	expect_rv(login(s, CKU_USER, NEW_PIN, &k), CKR_OK);
	assert_memory_equal(k.data_key, dk, CK_STORE_KEY_LEN);

	/* The SO locks the same way, and C_InitToken needs the SO. */
	for (i = 0; i < 3; i++)
		expect_rv(login(s, CKU_SO, "wrong-pin", NULL), CKR_PIN_INCORRECT);
	expect_rv(login(s, CKU_SO, SO_PIN, NULL), CKR_PIN_LOCKED);
	expect_rv(ck_store_init_token(s, SO_PIN, strlen(SO_PIN), label("x")),
		  CKR_PIN_LOCKED);
	expect_rv(login(s, CKU_USER, NEW_PIN, NULL), CKR_OK);

	/* max_tries is the opener's: a higher one lets the SO in again. */
	ck_store_close(s);
	fx->s = s = open_store(fx->path, 5);
	expect_rv(login(s, CKU_SO, SO_PIN, NULL), CKR_OK);
	expect_eq(token(s).so_failures, 0, "SO failures after a success");
}

static void test_locked_pin_is_not_checked(void **state)
{
	struct fx *fx = *state;
	struct ck_store *s = ready_store(fx, 2, NULL);
	double t0, t_locked, t_check;

	expect_rv(login(s, CKU_USER, "wrong-pin", NULL), CKR_PIN_INCORRECT);
	expect_rv(login(s, CKU_USER, "wrong-pin", NULL), CKR_PIN_INCORRECT);
	/* A record whose check takes a while: 300,000 iterations. */
	raw_exec(fx->path, "UPDATE pin SET iterations = 300000 WHERE user = 1");
	t0 = now();
	expect_rv(login(s, CKU_USER, USER_PIN, NULL), CKR_PIN_LOCKED);
	t_locked = now() - t0;
	/* The same record unlocked: checked, and slow. */
	raw_exec(fx->path, "UPDATE token SET user_failures = 0");
	t0 = now();
	expect_rv(login(s, CKU_USER, USER_PIN, NULL), CKR_PIN_INCORRECT);
	t_check = now() - t0;
	fprintf(stderr, "locked: %.4f s, checked: %.4f s\n", t_locked, t_check);
	if (t_locked * 4 > t_check)
		fail_msg("a locked PIN took %.4f s against %.4f s for a check: expected no check",
			 t_locked, t_check);
}

static void test_init_token_again_needs_so_pin_and_wipes(void **state)
{
	struct fx *fx = *state;
	uint8_t dk[CK_STORE_KEY_LEN], secret[CK_STORE_SECRET_MAX];
	struct ck_store *s = ready_store(fx, MAX_TRIES, dk);
	struct ck_token_rec before, r;
	struct ck_login_keys k;
	struct objs o;
	int64_t a, b, c;
	size_t n;

	a = add_obj(s, NULL, "public", false, "blob-a", 6);
	b = add_obj(s, dk, "private", true, "blob-b", 6);
	expect_rv(ck_store_put_secret(s, dk, "vhsm", "VHSMpin12345", 12), CKR_OK);
	before = token(s);

	expect_rv(ck_store_init_token(s, "wrong-pin", 9, label("second")),
		  CKR_PIN_INCORRECT);
	r = token(s);
	expect_eq(r.so_failures, 1, "SO failures after a wrong C_InitToken");
	assert_memory_equal(r.label, before.label, 32);
	o = load(s, dk);
	expect_eq(o.n, 2, "objects after a refused C_InitToken");
	objs_free(&o);

	expect_rv(ck_store_init_token(s, NEW_PIN, strlen(NEW_PIN), label("second")),
		  CKR_PIN_INCORRECT);
	expect_rv(ck_store_init_token(s, SO_PIN, strlen(SO_PIN), label("second")),
		  CKR_OK);
	r = token(s);
	assert_true(r.initialized);
	assert_false(r.user_pin_initialized);
	assert_memory_equal(r.label, label("second"), 32);
	assert_memory_equal(r.serial, before.serial, 16);
	expect_eq(r.so_failures + r.user_failures, 0, "failure counters after C_InitToken");
	expect_rv(login(s, CKU_USER, USER_PIN, NULL), CKR_USER_PIN_NOT_INITIALIZED);
	expect_rv(login(s, CKU_SO, SO_PIN, &k), CKR_OK);
	assert_true(memcmp(k.data_key, dk, CK_STORE_KEY_LEN) != 0);
	o = load(s, k.data_key);
	expect_eq(o.n, 0, "objects after C_InitToken");
	objs_free(&o);
	n = 99;
	expect_rv(ck_store_get_secret(s, k.data_key, "vhsm", secret, &n), CKR_OK);
	expect_eq(n, 0, "the VHSM PIN's length after C_InitToken");

	/* Row ids are never reused. */
	c = add_obj(s, NULL, "after", false, NULL, 0);
	if (c <= a || c <= b)
		fail_msg("a new object after C_InitToken: expected an id above %lld, got %lld",
			 (long long)b, (long long)c);
}

static void test_init_pin_by_so_keeps_private_objects_readable(void **state)
{
	struct fx *fx = *state;
	uint8_t dk[CK_STORE_KEY_LEN];
	struct ck_store *s = ready_store(fx, MAX_TRIES, dk);
	struct ck_login_keys so, user;
	struct objs o;
	int64_t id;

	expect_rv(login(s, CKU_USER, USER_PIN, &user), CKR_OK);
	id = add_obj(s, user.data_key, "mine", true, "key-blob", 8);
	expect_rv(login(s, CKU_SO, SO_PIN, &so), CKR_OK);
	expect_rv(ck_store_init_pin(s, so.data_key, NEW_PIN, strlen(NEW_PIN)), CKR_OK);
	expect_rv(login(s, CKU_USER, USER_PIN, NULL), CKR_PIN_INCORRECT);
	expect_rv(login(s, CKU_USER, NEW_PIN, &user), CKR_OK);
	assert_memory_equal(user.data_key, dk, CK_STORE_KEY_LEN);
	o = load(s, user.data_key);
	expect_eq(o.n, 1, "objects after C_InitPIN");
	expect_obj(&o, id, "mine", true, "key-blob", 8);
	objs_free(&o);
}

static void test_set_pin_rewraps_the_data_key(void **state)
{
	struct fx *fx = *state;
	uint8_t dk[CK_STORE_KEY_LEN];
	struct ck_store *s = ready_store(fx, MAX_TRIES, dk);
	struct ck_login_keys k;
	struct objs o;
	int64_t id;

	id = add_obj(s, dk, "mine", true, "key-blob", 8);

	/* A wrong old PIN counts as a failed login and changes nothing. */
	expect_rv(ck_store_set_pin(s, CKU_USER, "wrong-pin", 9, NEW_PIN,
				   strlen(NEW_PIN)), CKR_PIN_INCORRECT);
	expect_eq(token(s).user_failures, 1, "USER failures after a wrong C_SetPIN");
	expect_rv(ck_store_set_pin(s, CKU_USER, USER_PIN, strlen(USER_PIN),
				   "abc", 3), CKR_PIN_LEN_RANGE);
	expect_eq(token(s).user_failures, 1, "USER failures after a short new PIN");
	expect_rv(ck_store_set_pin(s, CKU_CONTEXT_SPECIFIC, USER_PIN,
				   strlen(USER_PIN), NEW_PIN, strlen(NEW_PIN)),
		  CKR_USER_TYPE_INVALID);

	expect_rv(ck_store_set_pin(s, CKU_USER, USER_PIN, strlen(USER_PIN),
				   NEW_PIN, strlen(NEW_PIN)), CKR_OK);
	expect_eq(token(s).user_failures, 0, "USER failures after C_SetPIN");
	expect_rv(login(s, CKU_USER, USER_PIN, NULL), CKR_PIN_INCORRECT);
	expect_rv(login(s, CKU_USER, NEW_PIN, &k), CKR_OK);
	assert_memory_equal(k.data_key, dk, CK_STORE_KEY_LEN);
	o = load(s, k.data_key);
	expect_obj(&o, id, "mine", true, "key-blob", 8);
	objs_free(&o);

	/* The SO's PIN the same way; the SO still sets the USER PIN after. */
	expect_rv(ck_store_set_pin(s, CKU_SO, SO_PIN, strlen(SO_PIN), "so-new-pin",
				   10), CKR_OK);
	expect_rv(login(s, CKU_SO, SO_PIN, NULL), CKR_PIN_INCORRECT);
	expect_rv(login(s, CKU_SO, "so-new-pin", &k), CKR_OK);
	assert_memory_equal(k.data_key, dk, CK_STORE_KEY_LEN);
	expect_rv(ck_store_init_pin(s, k.data_key, USER_PIN, strlen(USER_PIN)), CKR_OK);
	expect_rv(login(s, CKU_USER, USER_PIN, &k), CKR_OK);
	assert_memory_equal(k.data_key, dk, CK_STORE_KEY_LEN);
}

static void test_set_pin_without_user_pin(void **state)
{
	struct fx *fx = *state;

	fx->s = open_store(fx->path, MAX_TRIES);
	expect_rv(ck_store_init_token(fx->s, SO_PIN, strlen(SO_PIN), label("t")),
		  CKR_OK);
	expect_rv(ck_store_set_pin(fx->s, CKU_USER, USER_PIN, strlen(USER_PIN),
				   NEW_PIN, strlen(NEW_PIN)),
		  CKR_USER_PIN_NOT_INITIALIZED);
}

/* Objects and secrets */

static void test_private_objects_need_the_data_key(void **state)
{
	struct fx *fx = *state;
	uint8_t dk[CK_STORE_KEY_LEN];
	struct ck_store *s = ready_store(fx, MAX_TRIES, dk);
	struct ck_attrs a = { 0 };
	int64_t pub, priv, id;
	struct objs o;

	ck_attrs_set_bool(&a, CKA_PRIVATE, true);
	ck_attrs_set(&a, CKA_LABEL, "x", 1);
	expect_rv(ck_store_obj_add(s, NULL, &a, "b", 1, &id), CKR_USER_NOT_LOGGED_IN);
	ck_attrs_free(&a);

	pub = add_obj(s, NULL, "public one", false, "public-blob", 11);
	priv = add_obj(s, dk, "private one", true, "private-blob", 12);

	o = load(s, NULL);
	expect_eq(o.n, 1, "objects loaded without the data key");
	expect_obj(&o, pub, "public one", false, "public-blob", 11);
	objs_free(&o);

	o = load(s, dk);
	expect_eq(o.n, 2, "objects loaded with the data key");
	expect_obj(&o, pub, "public one", false, "public-blob", 11);
	expect_obj(&o, priv, "private one", true, "private-blob", 12);
	assert_true(o.v[0].id < o.v[1].id);
	expect_eq(ck_attrs_ulong(&o.v[1].attrs, CKA_CLASS, 0), CKO_SECRET_KEY,
		  "CKA_CLASS of the private object");
	objs_free(&o);

	ck_attrs_set(&a, CKA_LABEL, "changed", 7);
	expect_rv(ck_store_obj_update(s, NULL, priv, &a, NULL, 0),
		  CKR_USER_NOT_LOGGED_IN);
	ck_attrs_free(&a);
}

static void test_private_bytes_never_in_the_files(void **state)
{
	struct fx *fx = *state;
	static const char priv_label[] = "private-label-7d1f3a";
	static const char pub_label[] = "public-label-5c2e9b";
	static const char vhsm[] = "VHSMpin-q8Lm2";
	uint8_t dk[CK_STORE_KEY_LEN], blob[256], pub_blob[256];
	struct ck_store *s = ready_store(fx, MAX_TRIES, dk);
	int round;

	fill_random(blob, sizeof(blob), 42);
	fill_random(pub_blob, sizeof(pub_blob), 43);
	add_obj(s, dk, priv_label, true, blob, sizeof(blob));
	add_obj(s, NULL, pub_label, false, pub_blob, sizeof(pub_blob));
	expect_rv(ck_store_put_secret(s, dk, "vhsm", vhsm, strlen(vhsm)), CKR_OK);

	/* While open (WAL) and after the last close (checkpointed). */
	for (round = 0; round < 2; round++) {
		/* The check can fail: the public object's bytes are found. */
		assert_true(store_holds(fx->path, pub_label, strlen(pub_label)));
		assert_true(store_holds(fx->path, pub_blob, sizeof(pub_blob)));
		if (store_holds(fx->path, priv_label, strlen(priv_label)))
			fail_msg("round %d: a private object's label is in the files", round);
		if (store_holds(fx->path, blob, 16))
			fail_msg("round %d: a private key blob's bytes are in the files", round);
		if (store_holds(fx->path, vhsm, strlen(vhsm)))
			fail_msg("round %d: the VHSM PIN is in the files", round);
		if (store_holds(fx->path, dk, 16))
			fail_msg("round %d: the data key is in the files", round);
		if (store_holds(fx->path, USER_PIN, strlen(USER_PIN)) ||
		    store_holds(fx->path, SO_PIN, strlen(SO_PIN)))
			fail_msg("round %d: a PIN is in the files", round);
		ck_store_close(fx->s);
		fx->s = NULL;
	}
}

static void test_tampered_rows_are_skipped_with_one_message(void **state)
{
	struct fx *fx = *state;
	uint8_t dk[CK_STORE_KEY_LEN];
	struct ck_store *s = ready_store(fx, MAX_TRIES, dk);
	int64_t a, b, c, d;
	uint8_t *pb, *pc;
	size_t nb, nc;
	struct capture cap;
	struct objs o;
	char *text, row[32];

	a = add_obj(s, NULL, "A", false, "blob-a", 6);
	b = add_obj(s, dk, "B", true, "blob-b", 6);
	c = add_obj(s, dk, "C", true, "blob-c", 6);
	d = add_obj(s, NULL, "D", false, "blob-d", 6);
	pb = raw_payload(fx->path, b, &nb);
	pc = raw_payload(fx->path, c, &nc);

	/* One bit of B's ciphertext flipped. */
	pb[nb / 2] ^= 0x01;
	raw_set_payload(fx->path, b, pb, nb);
	pb[nb / 2] ^= 0x01;
	capture_start(&cap, fx);
	o = load(s, dk);
	text = capture_end(&cap);
	expect_eq(o.n, 3, "objects loaded with B flipped");
	expect_obj(&o, a, "A", false, "blob-a", 6);
	expect_obj(&o, c, "C", true, "blob-c", 6);
	expect_obj(&o, d, "D", false, "blob-d", 6);
	snprintf(row, sizeof(row), "object %lld ", (long long)b);
	expect_eq(lines(text), 1, "lines on stderr for B flipped");
	expect_eq(lines_with(text, fx->path, row), 1,
		  "lines naming the store and B");
	free(text);
	objs_free(&o);

	/* C's payload copied over B: it does not decrypt in B's place. */
	raw_set_payload(fx->path, b, pc, nc);
	capture_start(&cap, fx);
	o = load(s, dk);
	text = capture_end(&cap);
	expect_eq(o.n, 3, "objects loaded with C copied over B");
	expect_obj(&o, c, "C", true, "blob-c", 6);
	assert_null(find_obj(&o, b));
	expect_eq(lines(text), 1, "lines on stderr for C over B");
	expect_eq(lines_with(text, fx->path, row), 1, "lines naming the store and B");
	free(text);
	objs_free(&o);

	/* B restored; D cut short; A marked private. */
	raw_set_payload(fx->path, b, pb, nb);
	raw_set_payload(fx->path, d, "\0\0\0", 3);
	raw_exec(fx->path, "UPDATE object SET private = 1 WHERE id = 1");
	assert_int_equal(a, 1);
	capture_start(&cap, fx);
	o = load(s, dk);
	text = capture_end(&cap);
	expect_eq(o.n, 2, "objects loaded with D cut and A marked private");
	expect_obj(&o, b, "B", true, "blob-b", 6);
	expect_obj(&o, c, "C", true, "blob-c", 6);
	expect_eq(lines(text), 2, "lines on stderr for D cut and A marked private");
	snprintf(row, sizeof(row), "object %lld ", (long long)d);
	expect_eq(lines_with(text, fx->path, row), 1, "lines naming the store and D");
	snprintf(row, sizeof(row), "object %lld ", (long long)a);
	expect_eq(lines_with(text, fx->path, row), 1, "lines naming the store and A");
	free(text);
	objs_free(&o);

	/* B's ciphertext marked public: skipped without the data key too. */
	raw_exec(fx->path, "UPDATE object SET private = 0 WHERE id = 2");
	assert_int_equal(b, 2);
	capture_start(&cap, fx);
	o = load(s, NULL);
	text = capture_end(&cap);
	expect_eq(o.n, 0, "public objects loaded with B marked public and D cut");
	expect_eq(lines(text), 2, "lines on stderr for B marked public and D cut");
	snprintf(row, sizeof(row), "object %lld ", (long long)b);
	expect_eq(lines_with(text, fx->path, row), 1, "lines naming the store and B");
	free(text);
	objs_free(&o);
	free(pb);
	free(pc);
}

static void test_update_and_delete(void **state)
{
	struct fx *fx = *state;
	uint8_t dk[CK_STORE_KEY_LEN];
	struct ck_store *s = ready_store(fx, MAX_TRIES, dk);
	struct ck_attrs a = { 0 };
	int64_t id, id2;
	struct objs o;

	id = add_obj(s, NULL, "before", false, "old-blob", 8);
	ck_attrs_set(&a, CKA_LABEL, "after", 5);
	ck_attrs_set_bool(&a, CKA_PRIVATE, false);
	expect_rv(ck_store_obj_update(s, NULL, id, &a, "new-blob!", 9), CKR_OK);
	o = load(s, NULL);
	expect_eq(o.n, 1, "objects after an update");
	expect_obj(&o, id, "after", false, "new-blob!", 9);
	objs_free(&o);

	/* Made private: encrypted, gone from public loads. */
	ck_attrs_set_bool(&a, CKA_PRIVATE, true);
	expect_rv(ck_store_obj_update(s, NULL, id, &a, "x", 1), CKR_USER_NOT_LOGGED_IN);
	expect_rv(ck_store_obj_update(s, dk, id, &a, "secret-blob", 11), CKR_OK);
	o = load(s, NULL);
	expect_eq(o.n, 0, "public objects after making the only one private");
	objs_free(&o);
	o = load(s, dk);
	expect_obj(&o, id, "after", true, "secret-blob", 11);
	objs_free(&o);
	assert_false(store_holds(fx->path, "secret-blob", 11));

	expect_rv(ck_store_obj_update(s, dk, id + 100, &a, NULL, 0),
		  CKR_OBJECT_HANDLE_INVALID);
	expect_rv(ck_store_obj_delete(s, id), CKR_OK);
	expect_rv(ck_store_obj_delete(s, id), CKR_OBJECT_HANDLE_INVALID);
	expect_rv(ck_store_obj_update(s, dk, id, &a, NULL, 0),
		  CKR_OBJECT_HANDLE_INVALID);
	o = load(s, dk);
	expect_eq(o.n, 0, "objects after the delete");
	objs_free(&o);
	id2 = add_obj(s, NULL, "next", false, NULL, 0);
	if (id2 <= id)
		fail_msg("the id after deleting %lld: expected a higher one, got %lld",
			 (long long)id, (long long)id2);
	expect_rv(ck_store_obj_add(s, NULL, &a, NULL, 5, &id2), CKR_ARGUMENTS_BAD);
	ck_attrs_free(&a);
}

static void test_load_stops_when_the_callback_says(void **state)
{
	struct fx *fx = *state;
	struct ck_store *s = ready_store(fx, MAX_TRIES, NULL);
	struct objs o = { .stop_after = 2 };
	int i;

	for (i = 0; i < 5; i++)
		add_obj(s, NULL, "o", false, "b", 1);
	expect_rv(ck_store_obj_load(s, NULL, collect, &o), CKR_CANCEL);
	expect_eq(o.n, 2, "callbacks before the stop");
	objs_free(&o);
}

static void test_secrets(void **state)
{
	struct fx *fx = *state;
	uint8_t dk[CK_STORE_KEY_LEN], other[CK_STORE_KEY_LEN];
	struct ck_store *s = ready_store(fx, MAX_TRIES, dk);
	uint8_t val[CK_STORE_SECRET_MAX], big[CK_STORE_SECRET_MAX + 1];
	struct capture cap;
	size_t n;
	char *text;

	n = 5;
	expect_rv(ck_store_get_secret(s, dk, "vhsm", val, &n), CKR_OK);
	expect_eq(n, 0, "the length of an unset secret");
	expect_rv(ck_store_put_secret(s, dk, "vhsm", "vhsm-pin-1234", 13), CKR_OK);
	expect_rv(ck_store_put_secret(s, dk, "fips", "fips-pin-98765", 14), CKR_OK);
	expect_rv(ck_store_get_secret(s, dk, "vhsm", val, &n), CKR_OK);
	expect_eq(n, 13, "the VHSM PIN's length");
	assert_memory_equal(val, "vhsm-pin-1234", 13);
	expect_rv(ck_store_get_secret(s, dk, "fips", val, &n), CKR_OK);
	expect_eq(n, 14, "the FIPS PIN's length");
	assert_memory_equal(val, "fips-pin-98765", 14);

	/* Replaced; too long; bad arguments. */
	expect_rv(ck_store_put_secret(s, dk, "vhsm", "another-pin", 11), CKR_OK);
	expect_rv(ck_store_get_secret(s, dk, "vhsm", val, &n), CKR_OK);
	expect_eq(n, 11, "the replaced VHSM PIN's length");
	memset(big, 'x', sizeof(big));
	expect_rv(ck_store_put_secret(s, dk, "vhsm", big, sizeof(big)),
		  CKR_ARGUMENTS_BAD);
	expect_rv(ck_store_put_secret(s, dk, "vhsm", big, CK_STORE_SECRET_MAX), CKR_OK);
	expect_rv(ck_store_put_secret(s, NULL, "vhsm", "x", 1), CKR_ARGUMENTS_BAD);
	expect_rv(ck_store_put_secret(s, dk, "", "x", 1), CKR_ARGUMENTS_BAD);

	/* Under another key, or moved to another name: an error, one message. */
	fill_random(other, sizeof(other), 5);
	capture_start(&cap, fx);
	expect_rv(ck_store_get_secret(s, other, "fips", val, &n), CKR_DEVICE_ERROR);
	raw_exec(fx->path, "UPDATE secret SET value = (SELECT value FROM secret"
		 " WHERE name = 'vhsm') WHERE name = 'fips'");
	expect_rv(ck_store_get_secret(s, dk, "fips", val, &n), CKR_DEVICE_ERROR);
	text = capture_end(&cap);
	expect_eq(n, 0, "the length returned with an error");
	expect_eq(lines(text), 2, "lines on stderr");
	expect_eq(lines_with(text, fx->path, "\"fips\""), 2,
		  "lines naming the store and the secret");
	free(text);

	/* A zero length unsets. */
	expect_rv(ck_store_put_secret(s, dk, "fips", NULL, 0), CKR_OK);
	expect_rv(ck_store_get_secret(s, dk, "fips", val, &n), CKR_OK);
	expect_eq(n, 0, "the FIPS PIN's length once unset");
}

static void test_generation_moves_with_every_commit(void **state)
{
	struct fx *fx = *state;
	uint8_t dk[CK_STORE_KEY_LEN];
	struct ck_store *s = ready_store(fx, MAX_TRIES, dk), *other;
	uint64_t g0, g1, g2, g3;

	g0 = ck_store_generation(s);
	assert_true(ck_store_generation(s) == g0);
	add_obj(s, NULL, "mine", false, NULL, 0);
	g1 = ck_store_generation(s);
	assert_true(g1 != g0);
	assert_true(ck_store_generation(s) == g1);

	other = open_store(fx->path, MAX_TRIES);
	add_obj(other, NULL, "theirs", false, NULL, 0);
	g2 = ck_store_generation(s);
	assert_true(g2 != g1);
	expect_rv(login(other, CKU_USER, "wrong-pin", NULL), CKR_PIN_INCORRECT);
	g3 = ck_store_generation(s);
	assert_true(g3 != g2);
	assert_true(ck_store_generation(s) == g3);
	ck_store_close(other);
}

/* Shared logins */

static const uint8_t name_a[CK_STORE_NAME_LEN] = "name-of-login-A";
static const uint8_t name_b[CK_STORE_NAME_LEN] = "name-of-login-B";
static const uint8_t pub_1[16] = "public-id-one..";
static const uint8_t pub_2[16] = "public-id-two..";

/* The record of (@name, @scope, @id) for session @pub must be @want (NULL: none). */
static void expect_shared(struct ck_store *s, const uint8_t *name,
			  uint32_t scope, uint32_t id, const uint8_t *pub,
			  const char *want)
{
	void *got = NULL;
	size_t len = 7;

	expect_rv(ck_store_get_shared(s, name, scope, id, pub, &got, &len),
		  CKR_OK);
	if (!want) {
		if (got)
			fail_msg("expected no record of %.15s scope %u/%u for %.15s, got '%.*s'",
				 (const char *)name, scope, id,
				 (const char *)pub, (int)len, (char *)got);
		expect_eq(len, 0, "the length of no record");
		return;
	}
	if (!got)
		fail_msg("expected the record '%s' of %.15s scope %u/%u for %.15s, got none",
			 want, (const char *)name, scope, id, (const char *)pub);
	if (len != strlen(want) || memcmp(got, want, len))
		fail_msg("expected the record '%s', got '%.*s'", want, (int)len,
			 (char *)got);
	free(got);
}

static CK_RV put_shared(struct ck_store *s, const uint8_t *name,
			uint32_t scope, uint32_t id, const uint8_t *pub,
			const char *secret)
{
	return ck_store_put_shared(s, name, scope, id, pub, secret,
				   strlen(secret));
}

/*
 * One record per name and scope, found only with its session's public
 * id: a new login replaces an ended one's, a scope or name apart is
 * another record, and a delete removes only the login it names.  Another
 * process sees every change.
 */
static void test_shared_records(void **state)
{
	struct fx *fx = *state;
	struct ck_store *s = ready_store(fx, MAX_TRIES, NULL), *other;
	uint8_t big[20 * 1024 + 1];
	uint64_t g;

	expect_shared(s, name_a, 0, 1000, pub_1, NULL);
	g = ck_store_generation(s);
	expect_rv(put_shared(s, name_a, 0, 1000, pub_1, "record-1"), CKR_OK);
	assert_true(ck_store_generation(s) != g);
	expect_shared(s, name_a, 0, 1000, pub_1, "record-1");
	/* Another session's public id, uid, group of that number, name. */
	expect_shared(s, name_a, 0, 1000, pub_2, NULL);
	expect_shared(s, name_a, 0, 1001, pub_1, NULL);
	expect_shared(s, name_a, 1, 1000, pub_1, NULL);
	expect_shared(s, name_b, 0, 1000, pub_1, NULL);
	expect_rv(put_shared(s, name_a, 1, 1000, pub_2, "group-record"), CKR_OK);

	other = open_store(fx->path, MAX_TRIES);
	expect_shared(other, name_a, 0, 1000, pub_1, "record-1");
	/* A later login of that name replaces the record. */
	expect_rv(put_shared(other, name_a, 0, 1000, pub_2, "record-2"), CKR_OK);
	expect_shared(s, name_a, 0, 1000, pub_1, NULL);
	expect_shared(s, name_a, 0, 1000, pub_2, "record-2");
	/* The ended login's delete leaves the newer one's record. */
	expect_rv(ck_store_del_shared(s, name_a, 0, 1000, pub_1), CKR_OK);
	expect_shared(other, name_a, 0, 1000, pub_2, "record-2");
	expect_rv(ck_store_del_shared(s, name_a, 0, 1000, pub_2), CKR_OK);
	expect_shared(other, name_a, 0, 1000, pub_2, NULL);
	expect_shared(other, name_a, 1, 1000, pub_2, "group-record");
	ck_store_close(other);

	/* Bad arguments. */
	memset(big, 'b', sizeof(big));
	expect_rv(ck_store_put_shared(s, name_a, 0, 1, pub_1, big, sizeof(big)),
		  CKR_ARGUMENTS_BAD);
	expect_rv(ck_store_put_shared(s, name_a, 0, 1, pub_1, "", 0),
		  CKR_ARGUMENTS_BAD);
	expect_rv(ck_store_put_shared(s, name_a, 2, 1, pub_1, "x", 1),
		  CKR_ARGUMENTS_BAD);
	expect_rv(ck_store_put_shared(s, NULL, 0, 1, pub_1, "x", 1),
		  CKR_ARGUMENTS_BAD);
	expect_rv(ck_store_put_shared(s, name_a, 0, 1, NULL, "x", 1),
		  CKR_ARGUMENTS_BAD);
	expect_rv(ck_store_get_shared(s, name_a, 0, 1, pub_1, NULL, NULL),
		  CKR_ARGUMENTS_BAD);
	expect_rv(ck_store_del_shared(s, name_a, 0, 1, NULL), CKR_ARGUMENTS_BAD);
	expect_rv(ck_store_put_shared(s, name_a, 0, 1, pub_1, big,
				      sizeof(big) - 1), CKR_OK);
}

/*
 * Neither the record's bytes nor the session's public id is in the
 * files: a reader of the store without the public id learns nothing.
 */
static void test_shared_record_bytes_not_in_the_files(void **state)
{
	static const char secret[] = "SECRET-SHARED-RECORD-BYTES-0123";
	static const char name_clear[] = "name-of-login-B";
	struct fx *fx = *state;
	struct ck_store *s = ready_store(fx, MAX_TRIES, NULL);
	int round;

	expect_rv(put_shared(s, name_b, 0, 7, pub_1, secret), CKR_OK);
	/* While open (WAL) and after the last close (checkpointed). */
	for (round = 0; round < 2; round++) {
		/* The check can fail: the record's name is found. */
		assert_true(store_holds(fx->path, name_clear, strlen(name_clear)));
		if (store_holds(fx->path, secret, strlen(secret)))
			fail_msg("round %d: expected the record's bytes encrypted, found them in clear",
				 round);
		if (store_holds(fx->path, pub_1, sizeof(pub_1)))
			fail_msg("round %d: expected no public id in the files, found it",
				 round);
		ck_store_close(fx->s);
		fx->s = NULL;
	}
}

/* A tampered record is no record, with one message naming the store. */
static void test_shared_record_tampered(void **state)
{
	struct fx *fx = *state;
	struct ck_store *s = ready_store(fx, MAX_TRIES, NULL);
	struct capture cap;
	char *text;

	expect_rv(put_shared(s, name_a, 0, 7, pub_1, "record"), CKR_OK);
	expect_rv(put_shared(s, name_b, 0, 7, pub_1, "other"), CKR_OK);
	/* Moved to another name: its additional data no longer fits. */
	raw_exec(fx->path, "UPDATE shared_key SET payload = (SELECT payload"
		 " FROM shared_key WHERE name = CAST('name-of-login-B' || x'00' AS BLOB))"
		 " WHERE name = CAST('name-of-login-A' || x'00' AS BLOB)");
	capture_start(&cap, fx);
	expect_shared(s, name_a, 0, 7, pub_1, NULL);
	text = capture_end(&cap);
	expect_eq(lines_with(text, fx->path, "shared login"), 1,
		  "lines naming the store and the tampered record");
	free(text);
	expect_shared(s, name_b, 0, 7, pub_1, "other");
}

/* C_InitToken wipes the records with the data key they sealed. */
static void test_init_token_wipes_shared_records(void **state)
{
	struct fx *fx = *state;
	struct ck_store *s = ready_store(fx, MAX_TRIES, NULL);

	expect_rv(put_shared(s, name_a, 0, 7, pub_1, "record"), CKR_OK);
	expect_rv(ck_store_init_token(s, SO_PIN, strlen(SO_PIN), label("again")),
		  CKR_OK);
	expect_shared(s, name_a, 0, 7, pub_1, NULL);
}

/*
 * A version 1 store (no shared_key table) is upgraded at open: its
 * objects and PINs stay, the table comes, the version says 2, and an
 * older library's refusal of version 2 is what the version is for.
 */
static void test_open_upgrades_version_1(void **state)
{
	struct fx *fx = *state;
	uint8_t dk[CK_STORE_KEY_LEN];
	struct ck_store *s = ready_store(fx, MAX_TRIES, dk);
	struct ck_login_keys k;
	struct objs o;
	int64_t id;
	char *v;

	id = add_obj(s, dk, "kept", true, "blob", 4);
	ck_store_close(s);
	fx->s = NULL;
	raw_exec(fx->path, "DROP TABLE shared_key;"
		 " UPDATE meta SET value = 1 WHERE name = 'schema_version'");
	v = raw_text(fx->path, "SELECT count(*) FROM sqlite_master WHERE name = 'shared_key'");
	assert_string_equal(v, "0");
	free(v);

	s = fx->s = open_store(fx->path, MAX_TRIES);
	v = raw_text(fx->path, "SELECT value FROM meta WHERE name = 'schema_version'");
	if (!v || strcmp(v, "2"))
		fail_msg("expected schema version 2 after the upgrade, got %s",
			 v ? v : "none");
	free(v);
	expect_rv(login(s, CKU_USER, USER_PIN, &k), CKR_OK);
	assert_memory_equal(k.data_key, dk, CK_STORE_KEY_LEN);
	o = load(s, dk);
	expect_eq(o.n, 1, "objects after the upgrade");
	expect_obj(&o, id, "kept", true, "blob", 4);
	objs_free(&o);
	expect_rv(put_shared(s, name_a, 0, 7, pub_1, "record"), CKR_OK);
	expect_shared(s, name_a, 0, 7, pub_1, "record");
	expect_integrity_ok(fx->path);
}

/* Several processes */

static void wait_child(pid_t pid, int *code)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		fail_msg("child %d: expected an exit, got status 0x%x", pid, status);
	*code = WEXITSTATUS(status);
}

/*
 * @tries wrong USER logins, started together with the other children
 * (@go is read once every child is ready).  Exit: how many were
 * CKR_PIN_INCORRECT; 200 when one got anything but INCORRECT or LOCKED.
 */
static void hammer_child(const char *path, unsigned int max_tries, int tries,
			 int go)
{
	struct ck_login_keys k;
	struct ck_store *s;
	int i, incorrect = 0;
	char c;

	if (ck_store_open(path, max_tries, ITER, &s, NULL, 0) != CKR_OK)
		_exit(250);
	if (read(go, &c, 1) != 1)
		_exit(251);
	for (i = 0; i < tries; i++) {
		CK_RV rv = ck_store_login(s, CKU_USER, "wrong-pin", 9, &k);

		if (rv == CKR_PIN_INCORRECT)
			incorrect++;
		else if (rv != CKR_PIN_LOCKED)
			_exit(200);
	}
	ck_store_close(s);
	_exit(incorrect);
}

static void hammer(struct fx *fx, unsigned int max_tries, int tries,
		   int codes[2])
{
	pid_t pids[2];
	int go[2], i;
	bool started;

	ck_store_close(fx->s);
	fx->s = NULL;
	assert_int_equal(pipe(go), 0);
	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(go[1]);
			hammer_child(fx->path, max_tries, tries, go[0]);
		}
	}
	close(go[0]);
	started = pids[0] > 0 && pids[1] > 0 && write(go[1], "gg", 2) == 2;
	/* Closed in any case: a child still waiting for "go" exits. */
	close(go[1]);
	for (i = 0; i < 2; i++)
		if (pids[i] > 0)
			wait_child(pids[i], &codes[i]);
	if (!started)
		fail_msg("expected two children started, got pids %d and %d",
			 pids[0], pids[1]);
}

static void test_two_processes_lose_no_failure_count(void **state)
{
	struct fx *fx = *state;
	int codes[2];

	ready_store(fx, 1000, NULL);
	hammer(fx, 1000, 60, codes);
	expect_eq(codes[0], 60, "CKR_PIN_INCORRECT in the first child");
	expect_eq(codes[1], 60, "CKR_PIN_INCORRECT in the second child");
	fx->s = open_store(fx->path, 1000);
	expect_eq(token(fx->s).user_failures, 120,
		  "USER failures after 2 x 60 concurrent wrong PINs");
}

static void test_two_processes_lock_at_exactly_max_tries(void **state)
{
	struct fx *fx = *state;
	int codes[2];

	ready_store(fx, 10, NULL);
	hammer(fx, 10, 15, codes);
	if (codes[0] > 15 || codes[1] > 15)
		fail_msg("children: expected counts of CKR_PIN_INCORRECT, got exit codes %d and %d",
			 codes[0], codes[1]);
	expect_eq(codes[0] + codes[1], 10,
		  "CKR_PIN_INCORRECT in both children before CKR_PIN_LOCKED");
	fx->s = open_store(fx->path, 10);
	expect_eq(token(fx->s).user_failures, 10, "USER failures once locked");
}

struct added {
	uint32_t n;
	int64_t id;
};

static void pattern(uint8_t *p, size_t len, int round, uint32_t n)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(n * 31 + i * 7 + round);
}

#define KILL_BLOB	8192

/* Adds objects until killed, writing each committed one to @out. */
static void writer_child(const char *path, const uint8_t *dk, int round,
			 int out)
{
	static uint8_t blob[KILL_BLOB];
	struct ck_store *s;
	struct added rec;
	uint32_t n;

	memset(&rec, 0, sizeof(rec));
	if (ck_store_open(path, MAX_TRIES, ITER, &s, NULL, 0) != CKR_OK)
		_exit(2);
	for (n = 0; ; n++) {
		struct ck_attrs a = { 0 };
		char lbl[32];

		snprintf(lbl, sizeof(lbl), "r%d-%06u", round, n);
		ck_attrs_set(&a, CKA_LABEL, lbl, strlen(lbl));
		ck_attrs_set_bool(&a, CKA_PRIVATE, n & 1);
		pattern(blob, sizeof(blob), round, n);
		if (ck_store_obj_add(s, dk, &a, blob, sizeof(blob), &rec.id) != CKR_OK)
			_exit(3);
		ck_attrs_free(&a);
		rec.n = n;
		if (write(out, &rec, sizeof(rec)) != sizeof(rec))
			_exit(4);
	}
}

static void test_killed_writer_leaves_a_consistent_store(void **state)
{
	struct fx *fx = *state;
	static struct added done[4][4096];
	static uint8_t blob[KILL_BLOB];
	size_t ndone[4] = { 0 }, i, total = 0;
	uint8_t dk[CK_STORE_KEY_LEN];
	struct capture cap;
	struct objs o;
	char *text;
	int round;

	ready_store(fx, MAX_TRIES, dk);
	ck_store_close(fx->s);
	fx->s = NULL;
	for (round = 0; round < 4; round++) {
		size_t want = 5 + 9 * (size_t)round;
		int p[2], status;
		pid_t pid;
		ssize_t r;

		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			writer_child(fx->path, dk, round, p[1]);
		}
		close(p[1]);
		while (ndone[round] < want &&
		       read(p[0], &done[round][ndone[round]], sizeof(done[0][0])) ==
		       sizeof(done[0][0]))
			ndone[round]++;
		kill(pid, SIGKILL);
		while (ndone[round] < 4096 &&
		       (r = read(p[0], &done[round][ndone[round]],
				 sizeof(done[0][0]))) == sizeof(done[0][0]))
			ndone[round]++;
		close(p[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg("round %d: expected the writer killed, got status 0x%x",
				 round, status);
		fprintf(stderr, "round %d: writer killed after %zu committed objects\n",
			round, ndone[round]);

		/* Consistent, and every committed object there and whole. */
		expect_integrity_ok(fx->path);
		fx->s = open_store(fx->path, MAX_TRIES);
		capture_start(&cap, fx);
		o = load(fx->s, dk);
		text = capture_end(&cap);
		expect_eq(lines(text), 0, "lines on stderr loading after the kill");
		free(text);
		total += ndone[round];
		if (o.n != total && o.n != total + 1)
			fail_msg("round %d: expected %zu committed objects (or one more, committed unreported), got %zu",
				 round, total, o.n);
		total = o.n;
		for (i = 0; i < o.n; i++) {
			const CK_ATTRIBUTE *at = ck_attrs_get(&o.v[i].attrs, CKA_LABEL);
			char lbl[32] = "";
			int rd, fields;
			unsigned int n;

			assert_non_null(at);
			assert_true(at->ulValueLen < sizeof(lbl));
			memcpy(lbl, at->pValue, at->ulValueLen);
			fields = sscanf(lbl, "r%d-%6u", &rd, &n);
			if (fields != 2)
				fail_msg("object %lld: expected a label r<round>-<n>, got %s",
					 (long long)o.v[i].id, lbl);
			pattern(blob, sizeof(blob), rd, n);
			if (o.v[i].bloblen != sizeof(blob) ||
			    memcmp(o.v[i].blob, blob, sizeof(blob)))
				fail_msg("object %lld (round %d, #%u): its blob differs",
					 (long long)o.v[i].id, rd, n);
			expect_eq(o.v[i].priv, n & 1, "an object's private flag");
		}
		for (i = 0; i < ndone[round]; i++)
			if (!find_obj(&o, done[round][i].id))
				fail_msg("round %d: committed object %lld (#%u) is gone",
					 round, (long long)done[round][i].id,
					 done[round][i].n);
		objs_free(&o);
		ck_store_close(fx->s);
		fx->s = NULL;
	}
}

/* The session lock */

/*
 * A child that closes its copy of the parent's store, opens its own and
 * then: holds it (@hold) and reports 'h', or reports whether the store is
 * held elsewhere ('1'/'0'), waits for a byte on @go and exits 0 when it is
 * no longer held.  Every pipe end the child does not use is closed, so
 * that a parent that stops early never leaves it blocked.
 */
static pid_t lock_child(struct fx *fx, bool hold, int up[2], int go[2])
{
	struct ck_store *mine;
	pid_t pid;
	char c;

	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid) {
		close(up[1]);
		close(go[0]);
		return pid;
	}
	close(up[0]);
	close(go[1]);
	ck_store_close(fx->s);
	if (ck_store_open(fx->path, MAX_TRIES, ITER, &mine, NULL, 0))
		_exit(10);
	if (hold) {
		if (ck_store_hold(mine) || write(up[1], "h", 1) != 1)
			_exit(11);
		for (;;)
			pause();
	}
	c = ck_store_held_elsewhere(mine) ? '1' : '0';
	if (write(up[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
		_exit(12);
	c = ck_store_held_elsewhere(mine);
	ck_store_close(mine);
	_exit(c ? 13 : 0);
}

static void test_session_lock_seen_from_other_processes(void **state)
{
	struct fx *fx = *state;
	struct ck_store *s;
	bool during, after;
	int up[2], go[2], code, status;
	ssize_t r;
	pid_t pid;
	char c = 0;

	fx->s = s = open_store(fx->path, MAX_TRIES);
	assert_false(ck_store_held_elsewhere(s));
	/* This process's own hold is not "elsewhere"; hold is idempotent. */
	assert_int_equal(ck_store_hold(s), 0);
	assert_int_equal(ck_store_hold(s), 0);
	assert_false(ck_store_held_elsewhere(s));
	ck_store_unhold(s);

	/* Another process holds until it dies. */
	pid = lock_child(fx, true, up, go);
	r = read(up[0], &c, 1);
	during = ck_store_held_elsewhere(s);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	after = ck_store_held_elsewhere(s);
	close(up[0]);
	close(go[1]);
	if (r != 1 || c != 'h')
		fail_msg("the holding child: expected 'h', got none (status 0x%x)", status);
	if (!during)
		fail_msg("while another process holds: expected held elsewhere, got not held");
	if (after)
		fail_msg("after the holder was killed: expected not held, got held");

	/*
	 * This process holds; a child that closed its copy of the store
	 * (which must not drop the parent's hold) sees it, until unhold.
	 */
	assert_int_equal(ck_store_hold(s), 0);
	pid = lock_child(fx, false, up, go);
	c = 0;
	r = read(up[0], &c, 1);
	ck_store_unhold(s);
	if (write(go[1], "u", 1) != 1)
		r = -1;
	close(up[0]);
	close(go[1]);
	wait_child(pid, &code);
	if (r != 1 || c != '1')
		fail_msg("the child, while this process holds: expected '1' (held elsewhere), got '%c' (exit %d)",
			 c ? c : '-', code);
	expect_eq(code, 0, "the child's exit (13: still held after unhold)");
}

static void test_parent_store_refused_in_forked_child(void **state)
{
	struct fx *fx = *state;
	uint8_t dk[CK_STORE_KEY_LEN];
	struct ck_store *s = ready_store(fx, MAX_TRIES, dk);
	struct ck_token_rec r;
	struct objs o;
	pid_t pid;
	int code;

	add_obj(s, dk, "kept", true, "blob", 4);
	assert_int_equal(ck_store_hold(s), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int bad = 0;

		if (ck_store_token(s, &r) != CKR_GENERAL_ERROR)
			bad |= 1;
		if (ck_store_hold(s) >= 0)
			bad |= 2;
		ck_store_unhold(s);
		if (ck_store_login(s, CKU_USER, USER_PIN, strlen(USER_PIN),
				   &(struct ck_login_keys){ 0 }) != CKR_GENERAL_ERROR)
			bad |= 4;
		ck_store_close(s);
		_exit(bad);
	}
	wait_child(pid, &code);
	expect_eq(code, 0, "the child's failed checks (bit mask)");
	/* The parent's store and hold are as they were. */
	expect_rv(login(s, CKU_USER, USER_PIN, NULL), CKR_OK);
	o = load(s, dk);
	expect_eq(o.n, 1, "objects in the parent after the child");
	objs_free(&o);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ck_store *mine;
		int held;

		ck_store_close(s);
		if (ck_store_open(fx->path, MAX_TRIES, ITER, &mine, NULL, 0))
			_exit(2);
		held = ck_store_held_elsewhere(mine);
		ck_store_close(mine);
		_exit(held ? 0 : 1);
	}
	wait_child(pid, &code);
	expect_eq(code, 0, "a child seeing the parent's hold (1: not seen)");
}

/* POSIX locks this process holds on inode @ino, from /proc/locks. */
static int posix_locks_held(ino_t ino)
{
	char line[512], me[32], inode[40];
	FILE *f = fopen("/proc/locks", "r");
	int n = 0;

	if (!f)
		return -1;
	snprintf(me, sizeof(me), " %d ", getpid());
	snprintf(inode, sizeof(inode), ":%lu ", (unsigned long)ino);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "POSIX") && strstr(line, me) && strstr(line, inode))
			n++;
	fclose(f);
	return n;
}

/*
 * SQLite keeps its POSIX lock state per process: a child that opened the
 * store while the parent's connection was still open in its memory would
 * believe it held the parent's lock.  Closing the parent's store first
 * frees that state, and the child's own connection holds its own lock.
 */
static void test_forked_child_closing_parent_store_locks_for_itself(void **state)
{
	struct fx *fx = *state;
	struct ck_token_rec r;
	struct stat st;
	pid_t pid;
	int code;

	fx->s = open_store(fx->path, MAX_TRIES);
	expect_rv(ck_store_token(fx->s, &r), CKR_OK);
	assert_int_equal(stat(fx->path, &st), 0);
	if (posix_locks_held(st.st_ino) < 1)
		fail_msg("the parent's connection: expected a POSIX lock on the database, got %d",
			 posix_locks_held(st.st_ino));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ck_store *mine;
		int n;

		ck_store_close(fx->s);
		if (ck_store_open(fx->path, MAX_TRIES, ITER, &mine, NULL, 0) ||
		    ck_store_token(mine, &r))
			_exit(100);
		n = posix_locks_held(st.st_ino);
		ck_store_close(mine);
		_exit(n < 0 ? 101 : n);
	}
	wait_child(pid, &code);
	if (code < 1 || code >= 100)
		fail_msg("the child's own connection: expected a POSIX lock on the database, got %d%s",
			 code, code >= 100 ? " (the child failed)" : "");
	/* The parent's connection works on. */
	expect_rv(ck_store_token(fx->s, &r), CKR_OK);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_creates_store_mode_0660),
		T(test_open_respects_umask),
		T(test_open_missing_directory_names_it),
		T(test_open_bad_arguments),
		T(test_open_garbage_file_names_it),
		T(test_open_newer_schema_refused),
		T(test_open_other_sqlite_database_refused),
		T(test_open_damaged_store_fails_cleanly),
		T(test_login_before_init_token_is_not_recognized),
		T(test_init_token_sets_so_pin_and_label),
		T(test_login_checks_pin_and_counts_failures),
		T(test_pin_locks_at_max_tries),
		T(test_locked_pin_is_not_checked),
		T(test_init_token_again_needs_so_pin_and_wipes),
		T(test_init_pin_by_so_keeps_private_objects_readable),
		T(test_set_pin_rewraps_the_data_key),
		T(test_set_pin_without_user_pin),
		T(test_private_objects_need_the_data_key),
		T(test_private_bytes_never_in_the_files),
		T(test_tampered_rows_are_skipped_with_one_message),
		T(test_update_and_delete),
		T(test_load_stops_when_the_callback_says),
		T(test_secrets),
		T(test_generation_moves_with_every_commit),
		T(test_shared_records),
		T(test_shared_record_bytes_not_in_the_files),
		T(test_shared_record_tampered),
		T(test_init_token_wipes_shared_records),
		T(test_open_upgrades_version_1),
		T(test_two_processes_lose_no_failure_count),
		T(test_two_processes_lock_at_exactly_max_tries),
		T(test_killed_writer_leaves_a_consistent_store),
		T(test_session_lock_seen_from_other_processes),
		T(test_parent_store_refused_in_forked_child),
		T(test_forked_child_closing_parent_store_locks_for_itself),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
