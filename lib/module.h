/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * module.h: libcryptoki's process-wide state: slots (one token each),
 * PKCS#11 sessions, objects, and the locks that guard them.
 *
 * Locking:
 * - ck_lib.lock (the library lock: OS mutex or the application's mutex
 *   callbacks) guards the slot list's login state, the session table,
 *   the object table and every field marked "lib lock" below.  It is never
 *   held across a round trip to the card, except for store reads of the
 *   object cache.
 * - ck_session.op_lock serialises the operations of one session (one
 *   active operation of each kind, as the standard says); a card round
 *   trip runs under it, with the library lock dropped, so that two
 *   threads with two sessions run in parallel.  Order: op_lock, then
 *   lock.
 * - C_Initialize and C_Finalize are serialised by a process-wide mutex of
 *   their own (init.c).
 */
#ifndef CK_MODULE_H
#define CK_MODULE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/evp.h>

#include "appid.h"
#include "attr.h"
#include "card.h"
#include "config.h"
#include "dev.h"
#include "pkcs11_3.h"
#include "store.h"

#define CK_LIB_MANUFACTURER	"ep11sess"
#define CK_LIB_DESCRIPTION	"ep11sess PKCS#11 library"
#define CK_LIB_VERSION_MAJOR	0
#define CK_LIB_VERSION_MINOR	1
/* Most bytes a buffered multi-part operation accepts (CKR_DATA_LEN_RANGE). */
#define CK_MULTIPART_MAX	(48 * 1024)
/* Most PKCS#11 sessions of one process on one token. */
#define CK_MAX_SESSIONS		4096

/* A mutex: the OS's, or the application's callbacks. */
struct ck_mutex {
	void *m;
};
CK_RV ck_mutex_init(struct ck_mutex *mx);
void ck_mutex_destroy(struct ck_mutex *mx);
void ck_mutex_lock(struct ck_mutex *mx);
void ck_mutex_unlock(struct ck_mutex *mx);

enum ck_login_state {
	CK_LOGGED_OUT,
	CK_LOGGED_USER,
	CK_LOGGED_SO,
};

struct ck_slot {
	struct ck_slot_conf *conf;
	struct ck_store *store;
	/* lib lock: */
	enum ck_login_state login;
	struct ck_login_keys keys;	/* valid while logged in */
	uint32_t ep11_handle;		/* default/vhsm/fips: the login's EP11 session */
	uint8_t ep11_public_id[16];
	unsigned int nsessions, nrw;
	bool held;			/* the store's session lock */
	uint64_t objects_gen;		/* store generation the cache reflects */
	bool objects_private;		/* the cache holds private objects */
	uint64_t login_gen;		/* + 1 at every logout: ends private ops */
	bool login_busy;		/* a C_Login runs with the lock dropped */
	/* set at C_Initialize: */
	struct ep11sess_apqn apqns[EP11SESS_MAX_APQNS]; /* resolved */
	unsigned int napqns;
	uint8_t wkid[16];
	bool wkid_valid;
	char serial[16];
	uint8_t salt[32];		/* the store's: application ids' names */
	CK_MECHANISM_TYPE *mechs;	/* the card's list, filtered (lib lock) */
	size_t nmechs;
	/*
	 * Application id (appid.c): set at C_Initialize and by
	 * CA_SetApplicationID while the process has no session (lib lock).
	 */
	bool appid;			/* the USER login is a named login */
	uint32_t appid_major, appid_minor;
	uint8_t appid_name[EP11SESS_NAME_LEN];
	uint32_t appid_scope;		/* enum ep11sess_scope */
	uint32_t appid_scope_id;	/* the euid, or app_id_group's gid */
	/* lib lock: */
	bool appid_attached;		/* the login came by ATTACH, without the PIN */
	uint32_t appid_stuck;		/* held, but its data key is not (yet) found */
	uint64_t appid_stuck_gen;	/* the store's generation when it was not */
	bool appid_told;		/* a refusal of the scope is logged already */
	struct ck_appid_wish *wishes;	/* CA_OpenApplicationID not placed yet */
	size_t nwishes;
};

/* The kinds of operation a session can have active at once. */
enum ck_op_kind {
	CK_OPK_ENCRYPT,
	CK_OPK_DECRYPT,
	CK_OPK_DIGEST,
	CK_OPK_SIGN,
	CK_OPK_VERIFY,
	CK_OPK_FIND,
	CK_OPK_COUNT,
};

/* An active cryptographic operation. */
struct ck_oper {
	bool active;
	bool multipart;			/* an Update was called */
	CK_MECHANISM mech;		/* pParameter owned */
	CK_MECHANISM_TYPE card_mech;	/* what is sent to the card */
	struct ck_buf key;		/* the key's blob (copy) */
	uint32_t bind;			/* the EP11 session handle for the key, or 0 */
	bool key_private;		/* ended by a logout */
	uint64_t login_gen;
	EVP_PKEY *pub;			/* a public key used locally */
	EVP_MD_CTX *md;			/* hash-then-sign and digests, local */
	CK_ULONG key_class, key_type;
	size_t out_len;			/* a signature's or RSA block's size, 0: unknown */
	unsigned char *data;		/* buffered multi-part input */
	size_t len;
	/* find: */
	CK_OBJECT_HANDLE *found;
	size_t nfound, next;
};

struct ck_session {
	CK_SESSION_HANDLE handle;
	struct ck_slot *slot;
	CK_FLAGS flags;
	CK_NOTIFY notify;
	void *app;
	uint32_t ep11_handle;		/* strict mode: this session's EP11 session */
	uint8_t ep11_public_id[16];
	atomic_ulong device_error;	/* the card's last return code */
	unsigned int refs;		/* lib lock */
	bool closed;			/* lib lock */
	struct ck_mutex op_lock;
	struct ck_oper ops[CK_OPK_COUNT];	/* op_lock */
};

struct ck_object {
	CK_OBJECT_HANDLE handle;
	struct ck_slot *slot;
	struct ck_attrs attrs;		/* no key material */
	struct ck_buf blob;		/* the card's key blob, or empty */
	bool token, priv;
	int64_t store_id;		/* token objects */
	CK_SESSION_HANDLE session;	/* session objects: their session */
	uint32_t bind;			/* session objects: EP11 session handle, or 0 */
	bool seen;			/* cache refresh mark */
};

struct ck_lib {
	bool initialized;		/* lib lock (and the init mutex) */
	pid_t pid;
	struct ck_mutex lock;
	bool app_mutexes;
	CK_C_INITIALIZE_ARGS args;
	struct ck_dev dev;
	struct ck_config cfg;
	struct ck_slot *slots;
	unsigned int nslots;
	struct ck_session **sessions;	/* lib lock; sorted by handle */
	size_t nsessions, capsessions;
	CK_SESSION_HANDLE next_session;
	struct ck_object **objects;	/* lib lock; sorted by handle */
	size_t nobjects, capobjects;
	CK_OBJECT_HANDLE next_object;
	struct ck_buf transport_key;	/* key import: the card's AES key (lib lock) */
};

extern struct ck_lib ck_g;

/* Called at every entry but C_Initialize: CKR_CRYPTOKI_NOT_INITIALIZED after fork or before init. */
CK_RV ck_check_init(void);
/* @src (@len bytes) into a blank-padded PKCS#11 text field of @n bytes. */
void ck_pad(CK_UTF8CHAR *dst, size_t n, const char *src, size_t len);
/* Messages for the administrator, on stderr, prefixed "libcryptoki: ". */
void ck_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Slots (slot.c). */
struct ck_slot *ck_slot_find(CK_SLOT_ID id);
CK_RV ck_slots_setup(char *err, size_t errlen);
/* Frees the slots; in a forked child closes only the child's copies. */
void ck_slots_teardown(void);
/* A context for a request to the slot's card: unbound, or bound to @bind. */
void ck_slot_ctx(struct ck_slot *slot, uint32_t bind, struct ck_card_ctx *c);
/* Runs an unbound request on the slot's APQNs in turn while they are gone. */
typedef CK_RV (*ck_card_fn)(struct ck_card_ctx *c, void *arg);
CK_RV ck_slot_call(struct ck_slot *slot, uint32_t bind, ck_card_fn fn, void *arg,
		   CK_ULONG *device_error);

/* Sessions (session.c); the lib lock is taken inside. */
CK_RV ck_session_get(CK_SESSION_HANDLE h, struct ck_session **out);
void ck_session_put(struct ck_session *s);
/* Lib lock held. */
struct ck_session *ck_session_find_locked(CK_SESSION_HANDLE h);
CK_STATE ck_session_state(const struct ck_session *s);
void ck_op_reset(struct ck_oper *op);
/*
 * For what the card cannot do: CKR_SESSION_HANDLE_INVALID (and the other
 * answers of ck_session_get()) first, as the standard's precedence wants,
 * else @refusal.
 */
CK_RV ck_session_refuse(CK_SESSION_HANDLE h, CK_RV refusal);
/* Frees a session no table holds any more (its operations included). */
void ck_session_free(struct ck_session *s);

/*
 * Login (login.c); lib lock held unless said otherwise.  ck_login() drops
 * the lock during the PIN check and, except in strict mode, the EP11
 * login, and takes it again: the caller holds a reference on @s, and must
 * look again at anything it read before.
 */
/*
 * Waits, lib lock held, until no C_Login runs with the lock dropped on
 * @slot (NULL: on any slot), or @s (may be NULL) is closed.
 */
void ck_login_wait_idle(struct ck_slot *slot, const struct ck_session *s);
CK_RV ck_login(struct ck_session *s, CK_USER_TYPE who, const void *pin,
	       size_t len);
CK_RV ck_logout(struct ck_slot *slot);
/* Strict mode: the EP11 session of a new session (lib lock held throughout). */
CK_RV ck_login_strict_session(struct ck_session *s);
/*
 * A request's result, after the kernel said ESTALE (an administrator ended
 * the login): the application is public again and the call gets
 * CKR_USER_NOT_LOGGED_IN.  Any other @err: @rv.  Takes the lib lock.
 */
CK_RV ck_login_stale(struct ck_session *s, CK_RV rv, int err);
/* The EP11 handle new bound keys of @s get, or 0 for unbound ones. */
uint32_t ck_login_bind_for(struct ck_session *s, bool token);
/* The EP11 handle whose session id starts like @blob, or 0 (unbound blob: 0 too). */
CK_RV ck_login_bind_of_blob(struct ck_session *s, const struct ck_buf *blob,
			    uint32_t *bind);

/*
 * Application ids (appid.c); lib lock held.  A token with an application
 * id (slot->appid) makes its USER login a named login, name and scope
 * from the id, which the processes of that id share.
 */
/*
 * The slot's id (the process's CA_SetApplicationID, else the config's
 * app_id; none on a strict token), name and scope.  CKR_GENERAL_ERROR
 * with @err when the slot has an id and the kernel has no named logins.
 */
CK_RV ck_appid_configure(struct ck_slot *slot, char *err, size_t errlen);
/*
 * Brings this process's login state on @slot in line with the shared
 * one, with one EP11SESS_IOC_ATTACH: a public process that finds the
 * named login attaches to it (USER, the data key unsealed through the
 * card); a USER process whose named login ended, or was replaced by a
 * newer one, is public again (then attaches to the newer one).  Places
 * the CA_OpenApplicationID holds that wait for a login.  Nothing for a
 * slot without an id, without sessions, or logged in as SO.  Called at
 * every function that takes a session and at C_OpenSession.
 */
void ck_appid_sync(struct ck_slot *slot);
/*
 * After C_Login's USER login on a slot with an id (slot->login set,
 * slot->ep11_handle the named login, the PIN's keys in slot->keys): with
 * @fresh (a new login, not ck_appid_join()'s) seals the data key for the
 * processes that attach; then places the holds that wait.  On failure
 * the caller ends the login.
 */
CK_RV ck_appid_logged_in(struct ck_slot *slot, bool fresh);
/*
 * C_Login's named login found the name taken (EEXIST): attaches to the
 * live login with the PIN's keys (already in slot->keys) and answers
 * CKR_USER_ALREADY_LOGGED_IN with slot->ep11_handle set; CKR_OK with
 * nothing done when the login ended meanwhile (the caller logs in
 * again); another CKR_* when the name cannot be had.
 */
CK_RV ck_appid_join(struct ck_slot *slot);
/*
 * C_Logout of a named login: removes its sealed data key, ends the
 * session for every holder (EP11SESS_LOGOUT_EVERYONE: their next request
 * answers CKR_USER_NOT_LOGGED_IN) and logs this process out.
 */
CK_RV ck_appid_logout(struct ck_slot *slot);
/* The process's last session on @slot closed: drops what it held for it. */
void ck_appid_release(struct ck_slot *slot);
/* Frees the slot's waiting holds (C_Finalize, a forked child's init). */
void ck_appid_teardown(struct ck_slot *slot);

/* Objects (object.c); lib lock held. */
struct ck_object *ck_object_find(struct ck_session *s, CK_OBJECT_HANDLE h);
CK_RV ck_object_add(struct ck_object *o);
void ck_object_remove(struct ck_object *o);
void ck_object_free(struct ck_object *o);
CK_RV ck_objects_sync(struct ck_slot *slot);
void ck_objects_drop_session(CK_SESSION_HANDLE h);
void ck_objects_drop_private(struct ck_slot *slot);
void ck_objects_drop_slot(struct ck_slot *slot);
bool ck_object_visible(const struct ck_session *s, const struct ck_object *o);
bool ck_object_matches(const struct ck_object *o, const CK_ATTRIBUTE *tmpl,
		       CK_ULONG n);

#endif /* CK_MODULE_H */
