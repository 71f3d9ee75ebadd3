// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * appid.c: application ids.  The processes of one application id on a
 * token share one login state, as with SafeNet Luna's application ids,
 * but on the kernel's named logins (docs/ioctl.md): the USER login of
 * such a token is an EP11 login with a name (derived from the token and
 * the id, appid.h) and a scope (the process's euid, or app_id_group), and
 * another process of the id and scope finds it with EP11SESS_IOC_ATTACH,
 * without the PIN.  The kernel checks the scope; the session lives while
 * a process holds it or a keep-alive hold (CA_OpenApplicationID) keeps it,
 * and C_Logout in any process ends it for all (EP11SESS_LOGOUT_EVERYONE).
 *
 * Private objects need the token's data key, which only the PIN unwraps.
 * The process that logs in has the card make an AES-256 key bound to the
 * named session and seal the data key with it (AES-GCM on the card, the
 * session's public id and the token serial as additional data), and puts
 * the key's blob and the sealed bytes in the store (store.h, "Shared
 * logins"), which encrypts them under a key derived from the session's
 * public id.  A process that attaches learns the public id from the
 * kernel, opens the record and has the card open the data key.  So the
 * data key needs both the public id, which the kernel shows only to the
 * session's holders, its owner's uid and the administrator, and the live
 * session: the card refuses a key bound to a session that has ended (and
 * a real card the request without the session's pin blob, which the
 * kernel appends for holders only).  Neither the data key nor anything
 * that opens it without the live session is ever stored.
 *
 * Every function here but the CA_* entry points runs with the library
 * lock held; the card's round trips of a login's sealing and an attach's
 * unsealing run under it, as the logins' own do (login.c).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "ep11sess-cryptoki.h"
#include "module.h"

#define SEAL_IV_LEN		12
#define SEAL_TAG_LEN		16
#define SEALED_LEN		(SEAL_IV_LEN + CK_STORE_KEY_LEN + SEAL_TAG_LEN)
#define SEAL_AAD_LABEL		"ep11sess shared login data key"
#define SEAL_AAD_LEN		(sizeof(SEAL_AAD_LABEL) + 16 + 16)

/* A CA_OpenApplicationID whose session did not exist yet. */
struct ck_appid_wish {
	uint8_t name[EP11SESS_NAME_LEN];
};

/*
 * The process's own id (CA_SetApplicationID), kept across C_Initialize
 * and C_Finalize: Luna's applications set it before C_Initialize.
 */
static pthread_mutex_t own_lock = PTHREAD_MUTEX_INITIALIZER;
static bool own_set;
static uint32_t own_major, own_minor;

int ck_appid_name(const char serial[16], const uint8_t salt[32],
		  uint32_t major, uint32_t minor,
		  uint8_t name[EP11SESS_NAME_LEN])
{
	static const uint8_t zero[EP11SESS_NAME_LEN];
	unsigned char info[sizeof(CK_APPID_INFO) - 1 + 8];
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM p[5];
	EVP_KDF *kdf;
	size_t n = sizeof(CK_APPID_INFO) - 1;
	int ok = 0;

	memcpy(info, CK_APPID_INFO, n);
	info[n++] = (unsigned char)(major >> 24);
	info[n++] = (unsigned char)(major >> 16);
	info[n++] = (unsigned char)(major >> 8);
	info[n++] = (unsigned char)major;
	info[n++] = (unsigned char)(minor >> 24);
	info[n++] = (unsigned char)(minor >> 16);
	info[n++] = (unsigned char)(minor >> 8);
	info[n++] = (unsigned char)minor;
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if (kdf)
		ctx = EVP_KDF_CTX_new(kdf);
	if (ctx) {
		p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
							(char *)"SHA256", 0);
		p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
							 (void *)serial, 16);
		p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
							 (void *)salt, 32);
		p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
							 info, n);
		p[4] = OSSL_PARAM_construct_end();
		ok = EVP_KDF_derive(ctx, name, EP11SESS_NAME_LEN, p) == 1;
	}
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	if (!ok || !memcmp(name, zero, sizeof(zero))) {
		memset(name, 0, EP11SESS_NAME_LEN);
		return -1;
	}
	return 0;
}

/* The name of @major.@minor on @slot's token, with a message on failure. */
static CK_RV name_of(const struct ck_slot *slot, uint32_t major,
		     uint32_t minor, uint8_t name[EP11SESS_NAME_LEN])
{
	if (ck_appid_name(slot->serial, slot->salt, major, minor, name)) {
		ck_log("slot %lu (%s): cannot derive the name of application id %u.%u (OpenSSL HKDF failed)",
		       slot->conf->id, slot->conf->label, major, minor);
		return CKR_GENERAL_ERROR;
	}
	return CKR_OK;
}

CK_RV ck_appid_configure(struct ck_slot *slot, char *err, size_t errlen)
{
	const struct ck_slot_conf *conf = slot->conf;
	uint32_t major, minor;
	bool set;

	slot->appid = false;
	pthread_mutex_lock(&own_lock);
	set = own_set;
	major = own_major;
	minor = own_minor;
	pthread_mutex_unlock(&own_lock);
	if (!set && conf->app_id_set) {
		set = true;
		major = conf->app_id_major;
		minor = conf->app_id_minor;
	}
	/* One EP11 login per PKCS#11 session is not one login to share. */
	if (!set || conf->mode == CK_MODE_STRICT)
		return CKR_OK;
	if (!(ck_g.dev.features & EP11SESS_FEAT_NAMED)) {
		snprintf(err, errlen,
			 "slot %lu (%s): application id %u.%u needs named logins, which this ep11sess module does not offer (EP11SESS_FEAT_NAMED); load a newer ep11sess.ko",
			 conf->id, conf->label, major, minor);
		return CKR_GENERAL_ERROR;
	}
	if (name_of(slot, major, minor, slot->appid_name) != CKR_OK) {
		snprintf(err, errlen, "slot %lu (%s): application id %u.%u: no name",
			 conf->id, conf->label, major, minor);
		return CKR_GENERAL_ERROR;
	}
	slot->appid_major = major;
	slot->appid_minor = minor;
	if (conf->app_id_group_set) {
		slot->appid_scope = EP11SESS_SCOPE_GID;
		slot->appid_scope_id = conf->app_id_gid;
	} else {
		slot->appid_scope = EP11SESS_SCOPE_UID;
		slot->appid_scope_id = (uint32_t)geteuid();
	}
	slot->appid = true;
	return CKR_OK;
}

static const char *scope_name(const struct ck_slot *slot, char *buf,
			      size_t len)
{
	snprintf(buf, len, "%s %u",
		 slot->appid_scope == EP11SESS_SCOPE_GID ? "group" : "uid",
		 slot->appid_scope_id);
	return buf;
}

static int attach(const struct ck_slot *slot, const uint8_t *name,
		  uint32_t *handle, uint8_t public_id[16])
{
	return ck_dev_attach(&ck_g.dev, name, slot->appid_scope,
			     slot->appid_scope_id, handle, public_id);
}

/* Whether this process uses @h for the slot's login (not an extra hold). */
static bool slot_uses(const struct ck_slot *slot, uint32_t h)
{
	return (slot->login == CK_LOGGED_USER && slot->ep11_handle == h) ||
	       slot->appid_stuck == h;
}

/* Sealing the data key */

static void seal_aad(const struct ck_slot *slot, const uint8_t public_id[16],
		     uint8_t aad[SEAL_AAD_LEN])
{
	memcpy(aad, SEAL_AAD_LABEL, sizeof(SEAL_AAD_LABEL));
	memcpy(aad + sizeof(SEAL_AAD_LABEL), public_id, 16);
	memcpy(aad + sizeof(SEAL_AAD_LABEL) + 16, slot->serial, 16);
}

static CK_RV gen_seal_key(struct ck_card_ctx *c, void *arg)
{
	static const CK_MECHANISM mech = { CKM_AES_KEY_GEN, NULL, 0 };
	struct ck_attrs t = { 0 };
	CK_RV rv = CKR_HOST_MEMORY;

	if (!ck_attrs_set_ulong(&t, CKA_CLASS, CKO_SECRET_KEY) &&
	    !ck_attrs_set_ulong(&t, CKA_KEY_TYPE, CKK_AES) &&
	    !ck_attrs_set_ulong(&t, CKA_VALUE_LEN, 32) &&
	    !ck_attrs_set_bool(&t, CKA_SENSITIVE, true) &&
	    !ck_attrs_set_bool(&t, CKA_EXTRACTABLE, false) &&
	    !ck_attrs_set_bool(&t, CKA_ENCRYPT, true) &&
	    !ck_attrs_set_bool(&t, CKA_DECRYPT, true) &&
	    !ck_attrs_set_bool(&t, CKA_SIGN, false) &&
	    !ck_attrs_set_bool(&t, CKA_VERIFY, false) &&
	    !ck_attrs_set_bool(&t, CKA_WRAP, false) &&
	    !ck_attrs_set_bool(&t, CKA_UNWRAP, false))
		rv = ck_card_generate_key(c, &mech, &t, arg);
	ck_attrs_free(&t);
	return rv;
}

/*
 * The card's AES-GCM under @key (a blob bound to @handle's session):
 * @in to @out, with @iv and the record's additional data.
 */
static CK_RV card_gcm(struct ck_slot *slot, uint32_t handle, bool decrypt,
		      const struct ck_buf *key, const uint8_t iv[SEAL_IV_LEN],
		      const uint8_t public_id[16], const void *in, size_t inlen,
		      struct ck_buf *out)
{
	uint8_t aad[SEAL_AAD_LEN];
	CK_GCM_PARAMS gp = {
		.pIv = (CK_BYTE_PTR)iv, .ulIvLen = SEAL_IV_LEN,
		.ulIvBits = SEAL_IV_LEN * 8, .pAAD = aad,
		.ulAADLen = sizeof(aad), .ulTagBits = SEAL_TAG_LEN * 8,
	};
	CK_MECHANISM mech = { CKM_AES_GCM, &gp, sizeof(gp) };
	struct ck_card_crypt_arg g = { decrypt, &mech, key, in, inlen, out };

	seal_aad(slot, public_id, aad);
	return ck_slot_call(slot, handle, ck_card_crypt_call, &g, NULL);
}

/*
 * Seals slot->keys.data_key for the named session @handle (@public_id)
 * and stores the record, replacing an ended login's.
 */
static CK_RV seal_data_key(struct ck_slot *slot, uint32_t handle,
			   const uint8_t public_id[16])
{
	uint8_t sealed[SEALED_LEN], *rec;
	struct ck_buf key = { 0 }, ct = { 0 };
	CK_RV rv;

	rv = ck_slot_call(slot, handle, gen_seal_key, &key, NULL);
	if (rv != CKR_OK) {
		ck_log("slot %lu (%s): the card made no key to seal the data key for the shared login: 0x%lx",
		       slot->conf->id, slot->conf->label, rv);
		return rv;
	}
	if (RAND_bytes(sealed, SEAL_IV_LEN) != 1) {
		rv = CKR_GENERAL_ERROR;
		goto out;
	}
	rv = card_gcm(slot, handle, false, &key, sealed, public_id,
		      slot->keys.data_key, CK_STORE_KEY_LEN, &ct);
	if (rv == CKR_OK && ct.n != CK_STORE_KEY_LEN + SEAL_TAG_LEN) {
		ck_log("slot %lu (%s): the card sealed the data key into %zu bytes, not %d",
		       slot->conf->id, slot->conf->label, ct.n,
		       CK_STORE_KEY_LEN + SEAL_TAG_LEN);
		rv = CKR_DEVICE_ERROR;
	}
	if (rv != CKR_OK)
		goto out;
	memcpy(sealed + SEAL_IV_LEN, ct.p, ct.n);
	/* The record: u32 BE blob length | the key's blob | the sealed key. */
	rec = OPENSSL_malloc(4 + key.n + sizeof(sealed));
	if (!rec) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rec[0] = (uint8_t)(key.n >> 24);
	rec[1] = (uint8_t)(key.n >> 16);
	rec[2] = (uint8_t)(key.n >> 8);
	rec[3] = (uint8_t)key.n;
	memcpy(rec + 4, key.p, key.n);
	memcpy(rec + 4 + key.n, sealed, sizeof(sealed));
	rv = ck_store_put_shared(slot->store, slot->appid_name,
				 slot->appid_scope, slot->appid_scope_id,
				 public_id, rec, 4 + key.n + sizeof(sealed));
	OPENSSL_clear_free(rec, 4 + key.n + sizeof(sealed));
out:
	ck_buf_free(&key);
	ck_buf_free(&ct);
	return rv;
}

/*
 * The data key of the named session @handle (@public_id), from its record,
 * through the card.  CKR_OK with @data_key; CKR_USER_NOT_LOGGED_IN when
 * there is no record for this session (yet); another CKR_* else.
 */
static CK_RV unseal_data_key(struct ck_slot *slot, uint32_t handle,
			     const uint8_t public_id[16],
			     uint8_t data_key[CK_STORE_KEY_LEN])
{
	struct ck_buf key = { 0 }, pt = { 0 };
	uint8_t *rec = NULL;
	size_t len = 0, bloblen;
	CK_RV rv;

	rv = ck_store_get_shared(slot->store, slot->appid_name,
				 slot->appid_scope, slot->appid_scope_id,
				 public_id, (void **)&rec, &len);
	if (rv != CKR_OK)
		return rv;
	if (!rec)
		return CKR_USER_NOT_LOGGED_IN;
	bloblen = len < 4 ? 0 : (size_t)rec[0] << 24 | (size_t)rec[1] << 16 |
				(size_t)rec[2] << 8 | rec[3];
	if (len < 4 || !bloblen || bloblen > CK_CARD_MAX_BLOB ||
	    len != 4 + bloblen + SEALED_LEN) {
		ck_log("slot %lu (%s): the shared login's record holds %zu bytes, not a key blob and a sealed data key; ignored",
		       slot->conf->id, slot->conf->label, len);
		rv = CKR_USER_NOT_LOGGED_IN;
		goto out;
	}
	key.p = rec + 4;
	key.n = bloblen;
	rv = card_gcm(slot, handle, true, &key, rec + 4 + bloblen, public_id,
		      rec + 4 + bloblen + SEAL_IV_LEN, SEALED_LEN - SEAL_IV_LEN,
		      &pt);
	if (rv == CKR_OK && pt.n != CK_STORE_KEY_LEN)
		rv = CKR_DEVICE_ERROR;
	if (rv == CKR_OK)
		memcpy(data_key, pt.p, CK_STORE_KEY_LEN);
	else
		ck_log("slot %lu (%s): the card did not open the shared login's data key (0x%lx); the record is damaged or not this session's",
		       slot->conf->id, slot->conf->label, rv);
out:
	ck_buf_free(&pt);
	OPENSSL_clear_free(rec, len);
	return rv;
}

/* Keep-alive holds */

static bool is_own_name(const struct ck_slot *slot, const uint8_t *name)
{
	return slot->appid && !memcmp(name, slot->appid_name, EP11SESS_NAME_LEN);
}

/*
 * Places a keep-alive hold on the live session named @name: true when
 * done (or when it can never be: a message says why), false when there is
 * no such session yet.
 */
static bool place_hold(struct ck_slot *slot, const uint8_t *name)
{
	uint32_t h = 0, ttl = slot->conf->app_id_keep_ms;
	uint64_t expires = 0;
	char sc[32];
	int err;

	if (is_own_name(slot, name) && slot->login == CK_LOGGED_USER) {
		h = slot->ep11_handle;
	} else {
		err = attach(slot, name, &h, NULL);
		if (err == -ENOENT)
			return false;
		if (err) {
			ck_log("slot %lu (%s): CA_OpenApplicationID: cannot attach to the login in scope %s: %s; no hold placed",
			       slot->conf->id, slot->conf->label,
			       scope_name(slot, sc, sizeof(sc)), strerror(-err));
			return true;
		}
	}
	err = ck_dev_keep(&ck_g.dev, h, false, ttl, &expires);
	if (err)
		ck_log("slot %lu (%s): CA_OpenApplicationID: the kernel placed no keep-alive hold: %s",
		       slot->conf->id, slot->conf->label, strerror(-err));
	if (!slot_uses(slot, h))
		ck_dev_logout(&ck_g.dev, h);	/* only the hold keeps it */
	return true;
}

static void place_wishes(struct ck_slot *slot)
{
	size_t i = 0;

	while (i < slot->nwishes) {
		if (place_hold(slot, slot->wishes[i].name)) {
			slot->wishes[i] = slot->wishes[--slot->nwishes];
			continue;
		}
		i++;
	}
}

/* Attaching */

/* Drops the held session whose data key was not found. */
static void drop_stuck(struct ck_slot *slot)
{
	if (slot->appid_stuck) {
		ck_dev_logout(&ck_g.dev, slot->appid_stuck);
		slot->appid_stuck = 0;
	}
}

/*
 * A public process found the named login @h: unseals the data key and
 * becomes USER.  Without the data key (the login's record not written
 * yet, or lost) it stays public and keeps the hold, to look again when
 * the store changes.
 */
static void adopt(struct ck_slot *slot, uint32_t h, const uint8_t pub[16])
{
	struct ck_login_keys keys;
	CK_RV rv;

	if (h == slot->appid_stuck &&
	    ck_store_generation(slot->store) == slot->appid_stuck_gen)
		return;
	memset(&keys, 0, sizeof(keys));
	rv = unseal_data_key(slot, h, pub, keys.data_key);
	if (rv != CKR_OK) {
		if (h != slot->appid_stuck) {
			drop_stuck(slot);
			ck_log("slot %lu (%s): the shared login of application id %u.%u has no data key for this process yet; the process stays public until it has",
			       slot->conf->id, slot->conf->label,
			       slot->appid_major, slot->appid_minor);
		}
		slot->appid_stuck = h;
		slot->appid_stuck_gen = ck_store_generation(slot->store);
		OPENSSL_cleanse(&keys, sizeof(keys));
		return;
	}
	if (h != slot->appid_stuck)
		drop_stuck(slot);
	slot->appid_stuck = 0;
	slot->keys = keys;
	OPENSSL_cleanse(&keys, sizeof(keys));
	slot->ep11_handle = h;
	memcpy(slot->ep11_public_id, pub, 16);
	slot->login = CK_LOGGED_USER;
	slot->appid_attached = true;
	slot->objects_gen = 0;	/* reload: private objects are visible now */
}

void ck_appid_sync(struct ck_slot *slot)
{
	uint8_t pub[16];
	uint32_t h = 0;
	char sc[32];
	int err;

	/* A C_Login in progress decides the slot's login itself. */
	if (!slot->appid || !slot->nsessions || slot->login == CK_LOGGED_SO ||
	    slot->login_busy)
		return;
	err = attach(slot, slot->appid_name, &h, pub);
	if (slot->login == CK_LOGGED_USER) {
		if (!err && h == slot->ep11_handle)
			goto holds;
		/* Ended (ENOENT), or a newer login has the name now. */
		ck_logout(slot);
	}
	if (err == -ENOENT) {
		drop_stuck(slot);
		goto holds;
	}
	if (err) {
		if (!slot->appid_told)
			ck_log("slot %lu (%s): cannot attach to the shared login of application id %u.%u in scope %s: %s; the process stays public",
			       slot->conf->id, slot->conf->label,
			       slot->appid_major, slot->appid_minor,
			       scope_name(slot, sc, sizeof(sc)), strerror(-err));
		slot->appid_told = true;
		return;
	}
	slot->appid_told = false;
	adopt(slot, h, pub);
holds:
	if (slot->nwishes)
		place_wishes(slot);
}

CK_RV ck_appid_logged_in(struct ck_slot *slot, bool fresh)
{
	CK_RV rv;

	if (fresh) {
		drop_stuck(slot);
		rv = seal_data_key(slot, slot->ep11_handle,
				   slot->ep11_public_id);
		if (rv != CKR_OK)
			return rv;
		slot->appid_attached = false;
	}
	if (slot->nwishes)
		place_wishes(slot);
	return CKR_OK;
}

CK_RV ck_appid_join(struct ck_slot *slot)
{
	uint8_t pub[16], *rec = NULL;
	size_t len = 0;
	uint32_t h = 0;
	char sc[32];
	CK_RV rv;
	int err;

	err = attach(slot, slot->appid_name, &h, pub);
	if (err == -ENOENT)
		return CKR_OK;	/* ended meanwhile: log in again */
	if (err) {
		ck_log("slot %lu (%s): the shared login of application id %u.%u in scope %s exists but cannot be attached to: %s",
		       slot->conf->id, slot->conf->label, slot->appid_major,
		       slot->appid_minor, scope_name(slot, sc, sizeof(sc)),
		       strerror(-err));
		return ck_errno_to_rv(err, CK_OP_OTHER);
	}
	/* The PIN was right: repair a missing record with the PIN's key. */
	rv = ck_store_get_shared(slot->store, slot->appid_name,
				 slot->appid_scope, slot->appid_scope_id, pub,
				 (void **)&rec, &len);
	if (rv == CKR_OK && !rec)
		seal_data_key(slot, h, pub);
	OPENSSL_clear_free(rec, len);
	if (h != slot->appid_stuck)
		drop_stuck(slot);
	slot->appid_stuck = 0;
	slot->ep11_handle = h;
	memcpy(slot->ep11_public_id, pub, 16);
	slot->appid_attached = true;
	return CKR_USER_ALREADY_LOGGED_IN;
}

CK_RV ck_appid_logout(struct ck_slot *slot)
{
	uint32_t h = slot->ep11_handle;
	int err = 0;

	if (slot->login == CK_LOGGED_USER && slot->appid && h) {
		ck_store_del_shared(slot->store, slot->appid_name,
				    slot->appid_scope, slot->appid_scope_id,
				    slot->ep11_public_id);
		err = ck_dev_logout_everyone(&ck_g.dev, h);
		/* The kernel dropped this file's handle with the session. */
		if (!err)
			slot->ep11_handle = 0;
		if (err == -ESTALE || err == -ENOENT)
			err = 0;	/* ended already */
		if (err)
			ck_log("slot %lu (%s): the shared login of application id %u.%u did not end for the other processes: %s",
			       slot->conf->id, slot->conf->label,
			       slot->appid_major, slot->appid_minor,
			       strerror(-err));
	}
	ck_logout(slot);
	return err ? ck_errno_to_rv(err, CK_OP_OTHER) : CKR_OK;
}

void ck_appid_release(struct ck_slot *slot)
{
	drop_stuck(slot);
	slot->appid_attached = false;
}

void ck_appid_teardown(struct ck_slot *slot)
{
	free(slot->wishes);
	slot->wishes = NULL;
	slot->nwishes = 0;
}

/* The CA_* functions */

static bool id_ok(CK_ULONG high, CK_ULONG low)
{
	return high <= UINT32_MAX && low <= UINT32_MAX;
}

CK_RV CA_SetApplicationID(CK_ULONG ulHigh, CK_ULONG ulLow)
{
	char err[512] = "";
	unsigned int i;
	CK_RV rv = CKR_OK;

	if (!id_ok(ulHigh, ulLow))
		return CKR_ARGUMENTS_BAD;
	if (ck_check_init() != CKR_OK) {
		/* Before C_Initialize (Luna's rule): it takes effect there. */
		pthread_mutex_lock(&own_lock);
		own_set = true;
		own_major = (uint32_t)ulHigh;
		own_minor = (uint32_t)ulLow;
		pthread_mutex_unlock(&own_lock);
		return CKR_OK;
	}
	ck_mutex_lock(&ck_g.lock);
	if (ck_g.nsessions) {
		/* A login state is in use: it cannot change its id. */
		rv = CKR_SESSION_EXISTS;
		goto out;
	}
	if (!(ck_g.dev.features & EP11SESS_FEAT_NAMED)) {
		ck_log("CA_SetApplicationID: this ep11sess module has no named logins (EP11SESS_FEAT_NAMED); load a newer ep11sess.ko");
		rv = CKR_FUNCTION_NOT_SUPPORTED;
		goto out;
	}
	pthread_mutex_lock(&own_lock);
	own_set = true;
	own_major = (uint32_t)ulHigh;
	own_minor = (uint32_t)ulLow;
	pthread_mutex_unlock(&own_lock);
	for (i = 0; i < ck_g.nslots; i++) {
		rv = ck_appid_configure(&ck_g.slots[i], err, sizeof(err));
		if (rv != CKR_OK) {
			ck_log("%s", err);
			break;
		}
	}
out:
	ck_mutex_unlock(&ck_g.lock);
	return rv;
}

/* A slot for CA_Open/CloseApplicationID, and the name of the id there. */
static CK_RV hold_args(CK_SLOT_ID slotID, CK_ULONG high, CK_ULONG low,
		       struct ck_slot **out, uint8_t name[EP11SESS_NAME_LEN])
{
	struct ck_slot *slot;
	CK_RV rv = ck_check_init();

	if (rv != CKR_OK)
		return rv;
	slot = ck_slot_find(slotID);
	if (!slot)
		return CKR_SLOT_ID_INVALID;
	if (!id_ok(high, low))
		return CKR_ARGUMENTS_BAD;
	if (!(ck_g.dev.features & EP11SESS_FEAT_NAMED) ||
	    slot->conf->mode == CK_MODE_STRICT)
		return CKR_FUNCTION_NOT_SUPPORTED;
	*out = slot;
	return name_of(slot, (uint32_t)high, (uint32_t)low, name);
}

static ssize_t find_wish(const struct ck_slot *slot, const uint8_t *name)
{
	size_t i;

	for (i = 0; i < slot->nwishes; i++)
		if (!memcmp(slot->wishes[i].name, name, EP11SESS_NAME_LEN))
			return (ssize_t)i;
	return -1;
}

CK_RV CA_OpenApplicationID(CK_SLOT_ID slotID, CK_ULONG ulHigh, CK_ULONG ulLow)
{
	uint8_t name[EP11SESS_NAME_LEN];
	struct ck_appid_wish *w;
	struct ck_slot *slot;
	CK_RV rv;

	rv = hold_args(slotID, ulHigh, ulLow, &slot, name);
	if (rv != CKR_OK)
		return rv;
	ck_mutex_lock(&ck_g.lock);
	/* Not while a login of the slot is in flight: it may be this one. */
	ck_login_wait_idle(slot, NULL);
	if (find_wish(slot, name) >= 0 || place_hold(slot, name))
		goto out;
	/* No such login yet: placed as soon as this process sees one. */
	w = realloc(slot->wishes, (slot->nwishes + 1) * sizeof(*w));
	if (!w) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	slot->wishes = w;
	memcpy(w[slot->nwishes++].name, name, EP11SESS_NAME_LEN);
out:
	ck_mutex_unlock(&ck_g.lock);
	return rv;
}

CK_RV CA_CloseApplicationID(CK_SLOT_ID slotID, CK_ULONG ulHigh, CK_ULONG ulLow)
{
	uint8_t name[EP11SESS_NAME_LEN];
	struct ck_slot *slot;
	ssize_t i;
	uint32_t h = 0;
	CK_RV rv;
	int err;

	rv = hold_args(slotID, ulHigh, ulLow, &slot, name);
	if (rv != CKR_OK)
		return rv;
	ck_mutex_lock(&ck_g.lock);
	/* Not while a login of the slot is in flight: it may be this one. */
	ck_login_wait_idle(slot, NULL);
	i = find_wish(slot, name);
	if (i >= 0)
		slot->wishes[i] = slot->wishes[--slot->nwishes];
	err = attach(slot, name, &h, NULL);
	if (err == -ENOENT) {
		err = 0;	/* no login: nothing keeps it */
		goto out;
	}
	if (err)
		goto out;
	err = ck_dev_keep(&ck_g.dev, h, true, 0, NULL);
	if (err == -ENOENT)
		err = 0;	/* it had no hold */
	if (!slot_uses(slot, h))
		ck_dev_logout(&ck_g.dev, h);
out:
	ck_mutex_unlock(&ck_g.lock);
	return err ? ck_errno_to_rv(err, CK_OP_OTHER) : CKR_OK;
}
