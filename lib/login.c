// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * login.c: the application's login state on a token, and the EP11
 * sessions behind it, by the token's mode:
 *
 * - default: one private EP11 login (the kernel draws the nonce) per
 *   application login, made at C_Login and shared by all the process's
 *   PKCS#11 sessions; ended at C_Logout, at the last C_CloseSession, at
 *   C_Finalize and, by the kernel, when the process dies.
 * - strict: one private EP11 login per PKCS#11 session while logged in.
 * - vhsm, fips: every process logged in as USER joins one shared EP11
 *   session (nonce: the token serial and "VHSM" or "FIPS"), made with the
 *   token's VHSM or FIPS PIN, which the store keeps encrypted under the
 *   USER PIN's keys.
 *
 * SO logins and public sessions make no EP11 login.  The card PIN of the
 * private logins is derived from the USER PIN (struct ck_login_keys).
 * On a token with an application id (appid.c) the default, vhsm and fips
 * logins are named logins: the same login as above, with the id's name
 * and scope, which the other processes of the id attach to.
 * Everything here runs with the library lock held.  ck_login() drops it
 * for the PIN check and, except in strict mode, for the EP11 login's
 * round trip (which may wait for a free card session for login_wait_ms):
 * the process's other threads go on meanwhile.  The slot is reserved for
 * the login while the lock is dropped (login_busy): another C_Login on it
 * waits for the outcome, and the application id's sync leaves it alone.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "module.h"

static void set_targets(struct ck_slot *slot, struct ck_login_req *r)
{
	const struct ck_slot_conf *conf = slot->conf;
	unsigned int i;

	r->ntargets = 0;
	for (i = 0; i < conf->napqns; i++) {
		struct ep11sess_target *t = &r->targets[r->ntargets++];

		memset(t, 0, sizeof(*t));
		t->apqn.card = conf->apqns[i].card;
		if (conf->apqns[i].all_domains)
			t->flags = EP11SESS_TARGET_ALL_DOMAINS;
		else
			t->apqn.domain = conf->apqns[i].domain;
	}
}

/*
 * One EP11 login on the slot's APQNs.  @nonce NULL: a private login.
 * @named: with the slot's application id's name and scope; a name taken
 * by a live login is -EEXIST in *@errp (which is the errno in any case).
 */
static CK_RV ep11_login(struct ck_slot *slot, const void *pin, size_t pin_len,
			const void *nonce, size_t nonce_len, enum ck_op op,
			bool named, uint32_t *handle, uint8_t public_id[16],
			int *errp)
{
	struct ck_login_req r;
	int err;

	memset(&r, 0, sizeof(r));
	r.pin = pin;
	r.pin_len = pin_len;
	r.nonce = nonce;
	r.nonce_len = nonce_len;
	if (named) {
		r.name = slot->appid_name;
		r.scope = slot->appid_scope;
		if (slot->appid_scope == EP11SESS_SCOPE_GID)
			r.gid = slot->appid_scope_id;
	}
	/* A new session in strict mode does not wait: CKR_SESSION_COUNT. */
	r.wait_ms = op == CK_OP_LOGIN_STRICT ? 0 : ck_g.cfg.login_wait_ms;
	set_targets(slot, &r);
	/*
	 * The round trip, and a wait for room on the card, without the lock
	 * when the slot is reserved (ck_login()); strict mode logs several
	 * sessions in and keeps it.
	 */
	if (slot->login_busy && slot->conf->mode != CK_MODE_STRICT) {
		ck_mutex_unlock(&ck_g.lock);
		err = ck_dev_login(&ck_g.dev, &r);
		ck_mutex_lock(&ck_g.lock);
	} else {
		err = ck_dev_login(&ck_g.dev, &r);
	}
	OPENSSL_cleanse(&r.pin, sizeof(r.pin));
	if (errp)
		*errp = err;
	if (err == -EEXIST && named)
		return CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
	if (err) {
		if (err == -ENOSPC && op == CK_OP_LOGIN)
			ck_log("slot %lu (%s): no free EP11 session on the card after %u ms",
			       slot->conf->id, slot->conf->label, r.wait_ms);
		if (err == -EDQUOT && op == CK_OP_LOGIN)
			ck_log("slot %lu (%s): no room within this host's share of the card or the user's quota after %u ms",
			       slot->conf->id, slot->conf->label, r.wait_ms);
		return ck_errno_to_rv(err, op);
	}
	*handle = r.handle;
	memcpy(public_id, r.public_id, 16);
	return CKR_OK;
}

static CK_RV strict_login(struct ck_session *s, enum ck_op op)
{
	struct ck_slot *slot = s->slot;

	return ep11_login(slot, slot->keys.card_pin, sizeof(slot->keys.card_pin),
			  NULL, 0, op, false, &s->ep11_handle, s->ep11_public_id,
			  NULL);
}

CK_RV ck_login_strict_session(struct ck_session *s)
{
	return strict_login(s, CK_OP_LOGIN_STRICT);
}

/* vhsm and fips: the shared login with the token's own PIN. */
static CK_RV shared_login(struct ck_slot *slot, int *errp)
{
	const char *name = slot->conf->mode == CK_MODE_FIPS ? "fips" : "vhsm";
	unsigned char pin[CK_STORE_SECRET_MAX];
	unsigned char nonce[sizeof(slot->serial) + 4];
	size_t len = sizeof(pin);
	CK_RV rv;

	rv = ck_store_get_secret(slot->store, slot->keys.data_key, name, pin,
				 &len);
	if (rv != CKR_OK)
		return rv;
	if (!len) {
		ck_log("slot %lu (%s): no %s PIN is set; set it with 'ep11sess %spin -slot %lu'",
		       slot->conf->id, slot->conf->label,
		       slot->conf->mode == CK_MODE_FIPS ? "FIPS" : "VHSM",
		       name, slot->conf->id);
		return CKR_USER_PIN_NOT_INITIALIZED;
	}
	memcpy(nonce, slot->serial, sizeof(slot->serial));
	memcpy(nonce + sizeof(slot->serial),
	       slot->conf->mode == CK_MODE_FIPS ? "FIPS" : "VHSM", 4);
	rv = ep11_login(slot, pin, len, nonce, sizeof(nonce), CK_OP_LOGIN,
			slot->appid, &slot->ep11_handle, slot->ep11_public_id,
			errp);
	OPENSSL_cleanse(pin, sizeof(pin));
	return rv;
}

/* default, vhsm and fips: the one EP11 login of the application's login. */
static CK_RV slot_ep11_login(struct ck_slot *slot, int *errp)
{
	if (slot->conf->mode == CK_MODE_DEFAULT)
		return ep11_login(slot, slot->keys.card_pin,
				  sizeof(slot->keys.card_pin), NULL, 0,
				  CK_OP_LOGIN, slot->appid, &slot->ep11_handle,
				  slot->ep11_public_id, errp);
	return shared_login(slot, errp);
}

/*
 * A named login whose name a live login has: that login is the
 * application id's, and this process joins it (CKR_USER_ALREADY_LOGGED_IN,
 * as Luna answers).  When it ends between the two, the login is tried
 * again; a name that stays taken without a login to join (a vhsm or fips
 * session that another name, or none, has already) is refused.
 */
static CK_RV named_login(struct ck_slot *slot)
{
	int tries, err = 0;
	CK_RV rv = CKR_OK;

	for (tries = 0; tries < 3; tries++) {
		rv = slot_ep11_login(slot, &err);
		if (err != -EEXIST)
			return rv;
		rv = ck_appid_join(slot);
		if (rv != CKR_OK)
			return rv;
	}
	ck_log("slot %lu (%s): the token's EP11 session cannot carry the name of application id %u.%u (a %s session of the token has another name, or none)",
	       slot->conf->id, slot->conf->label, slot->appid_major,
	       slot->appid_minor, ck_mode_name(slot->conf->mode));
	return CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
}

static CK_RV user_ep11_login(struct ck_slot *slot)
{
	size_t i;
	CK_RV rv;

	switch (slot->conf->mode) {
	case CK_MODE_DEFAULT:
		return slot->appid ? named_login(slot) :
		       slot_ep11_login(slot, NULL);
	case CK_MODE_STRICT:
		for (i = 0; i < ck_g.nsessions; i++) {
			struct ck_session *s = ck_g.sessions[i];

			if (s->slot != slot)
				continue;
			rv = strict_login(s, CK_OP_LOGIN);
			if (rv != CKR_OK) {
				/* Roll back: the login did not happen. */
				while (i-- > 0) {
					s = ck_g.sessions[i];
					if (s->slot == slot && s->ep11_handle) {
						ck_dev_logout(&ck_g.dev, s->ep11_handle);
						s->ep11_handle = 0;
					}
				}
				return rv;
			}
		}
		return CKR_OK;
	default:
		return slot->appid ? named_login(slot) :
		       shared_login(slot, NULL);
	}
}

/* Whether a login as @who may start on @s's slot now; lib lock held. */
static CK_RV login_allowed(struct ck_session *s, CK_USER_TYPE who)
{
	struct ck_slot *slot = s->slot;
	size_t i;

	if (s->closed)
		return CKR_SESSION_CLOSED;
	if (slot->login != CK_LOGGED_OUT)
		return (slot->login == CK_LOGGED_SO) == (who == CKU_SO) ?
		       CKR_USER_ALREADY_LOGGED_IN :
		       CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
	if (who == CKU_SO)
		for (i = 0; i < ck_g.nsessions; i++)
			if (ck_g.sessions[i]->slot == slot &&
			    !(ck_g.sessions[i]->flags & CKF_RW_SESSION))
				return CKR_SESSION_READ_ONLY_EXISTS;
	return CKR_OK;
}

static bool slot_busy(const struct ck_slot *slot)
{
	size_t i;

	if (slot)
		return slot->login_busy;
	for (i = 0; i < ck_g.nslots; i++)
		if (ck_g.slots[i].login_busy)
			return true;
	return false;
}

/*
 * Another thread's C_Login on the slot runs with the lock dropped: wait
 * for its outcome (it ends in a bounded time: the PIN check, then the
 * EP11 login, which waits at most login_wait_ms and the kernel's request
 * time-out, at most three times for a named login), then look again.
 * The library's lock may be the application's mutex, so no condition
 * variable can wait on it: poll, 1 ms at first, then every 16 ms.
 */
void ck_login_wait_idle(struct ck_slot *slot, const struct ck_session *s)
{
	struct timespec ts = { 0, 1000000 };

	while (slot_busy(slot) && !(s && s->closed)) {
		ck_mutex_unlock(&ck_g.lock);
		nanosleep(&ts, NULL);
		if (ts.tv_nsec < 16000000)
			ts.tv_nsec *= 2;
		ck_mutex_lock(&ck_g.lock);
	}
}

static CK_RV login_wait_allowed(struct ck_session *s, CK_USER_TYPE who)
{
	ck_login_wait_idle(s->slot, s);
	return login_allowed(s, who);
}

/*
 * The PIN check is slow by design (a PBKDF2 of many iterations), and the
 * EP11 login may wait for room on the card, so both run with the library
 * lock dropped: the process's other threads go on meanwhile.  The slot is
 * reserved meanwhile (login_busy): no other login or logout changes its
 * login state.  The store serialises itself.  A session closed meanwhile
 * ends the login again: CKR_SESSION_CLOSED, nothing left logged in.
 */
CK_RV ck_login(struct ck_session *s, CK_USER_TYPE who, const void *pin,
	       size_t len)
{
	struct ck_slot *slot = s->slot;
	struct ck_login_keys keys;
	CK_RV rv;

	if (who == CKU_CONTEXT_SPECIFIC)
		return CKR_OPERATION_NOT_INITIALIZED;
	rv = login_wait_allowed(s, who);
	if (rv != CKR_OK)
		return rv;
	slot->login_busy = true;
	ck_mutex_unlock(&ck_g.lock);
	rv = ck_store_login(slot->store, who, pin, len, &keys);
	ck_mutex_lock(&ck_g.lock);
	if (rv == CKR_OK)
		rv = login_allowed(s, who);
	if (rv == CKR_OK)
		slot->keys = keys;
	OPENSSL_cleanse(&keys, sizeof(keys));
	if (rv != CKR_OK)
		goto out;
	if (who == CKU_USER) {
		/* CKR_USER_ALREADY_LOGGED_IN: joined the id's live login. */
		rv = user_ep11_login(slot);
		if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
			OPENSSL_cleanse(&slot->keys, sizeof(slot->keys));
			if (s->closed)
				rv = CKR_SESSION_CLOSED;
			goto out;
		}
	}
	slot->login = who == CKU_SO ? CK_LOGGED_SO : CK_LOGGED_USER;
	slot->objects_gen = 0;	/* reload: private objects are visible now */
	if (s->closed) {
		/* Closed during the EP11 login: nothing stays logged in. */
		ck_logout(slot);
		rv = CKR_SESSION_CLOSED;
		goto out;
	}
	if (who == CKU_USER && slot->appid) {
		CK_RV arv = ck_appid_logged_in(slot, rv == CKR_OK);

		if (arv != CKR_OK) {
			ck_logout(slot);
			rv = arv;
		}
	}
out:
	slot->login_busy = false;
	return rv;
}

CK_RV ck_logout(struct ck_slot *slot)
{
	size_t i;

	for (i = 0; i < ck_g.nsessions; i++) {
		struct ck_session *s = ck_g.sessions[i];

		if (s->slot == slot && s->ep11_handle) {
			ck_dev_logout(&ck_g.dev, s->ep11_handle);
			s->ep11_handle = 0;
			memset(s->ep11_public_id, 0, 16);
		}
	}
	if (slot->ep11_handle) {
		ck_dev_logout(&ck_g.dev, slot->ep11_handle);
		slot->ep11_handle = 0;
		memset(slot->ep11_public_id, 0, 16);
	}
	ck_objects_drop_private(slot);
	slot->login_gen++;
	slot->login = CK_LOGGED_OUT;
	OPENSSL_cleanse(&slot->keys, sizeof(slot->keys));
	return CKR_OK;
}

CK_RV ck_login_stale(struct ck_session *s, CK_RV rv, int err)
{
	if (err != -ESTALE)
		return rv;
	ck_mutex_lock(&ck_g.lock);
	if (s->slot->login == CK_LOGGED_USER)
		ck_logout(s->slot);
	ck_mutex_unlock(&ck_g.lock);
	return CKR_USER_NOT_LOGGED_IN;
}

uint32_t ck_login_bind_for(struct ck_session *s, bool token)
{
	struct ck_slot *slot = s->slot;

	if (slot->login != CK_LOGGED_USER)
		return 0;
	switch (slot->conf->mode) {
	case CK_MODE_DEFAULT:
		return token ? 0 : slot->ep11_handle;
	case CK_MODE_STRICT:
		return token ? 0 : s->ep11_handle;
	default:
		return slot->ep11_handle;
	}
}

CK_RV ck_login_bind_of_blob(struct ck_session *s, const struct ck_buf *blob,
			    uint32_t *bind)
{
	static const uint8_t zero[32];
	struct ck_slot *slot = s->slot;
	size_t i;

	*bind = 0;
	if (blob->n < 32 || !memcmp(blob->p, zero, 32))
		return CKR_OK;
	if (slot->ep11_handle && !memcmp(blob->p, slot->ep11_public_id, 16)) {
		*bind = slot->ep11_handle;
		return CKR_OK;
	}
	for (i = 0; i < ck_g.nsessions; i++) {
		struct ck_session *o = ck_g.sessions[i];

		if (o->slot == slot && o->ep11_handle &&
		    !memcmp(blob->p, o->ep11_public_id, 16)) {
			*bind = o->ep11_handle;
			return CKR_OK;
		}
	}
	/* Bound to a session this application is not logged in to. */
	return CKR_USER_NOT_LOGGED_IN;
}
