// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * slot.c: slots and tokens.  A slot is one configured token: a set of
 * APQNs that share one wrapping key, and a store.  C_GetSlotList,
 * C_GetSlotInfo, C_GetTokenInfo, C_WaitForSlotEvent, C_GetMechanismList,
 * C_GetMechanismInfo, C_InitToken, C_InitPIN, C_SetPIN.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mech.h"
#include "module.h"

struct ck_slot *ck_slot_find(CK_SLOT_ID id)
{
	unsigned int i;

	for (i = 0; i < ck_g.nslots; i++)
		if (ck_g.slots[i].conf->id == id)
			return &ck_g.slots[i];
	return NULL;
}

void ck_slot_ctx(struct ck_slot *slot, uint32_t bind, struct ck_card_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->dev = &ck_g.dev;
	c->handle = bind;
	if (slot->napqns)
		c->apqn = slot->apqns[0];
}

CK_RV ck_slot_call(struct ck_slot *slot, uint32_t bind, ck_card_fn fn, void *arg,
		   CK_ULONG *device_error)
{
	struct ck_card_ctx c;
	unsigned int i, n = slot->napqns ? slot->napqns : 1;
	CK_RV rv = CKR_DEVICE_REMOVED;

	/* A bound request fails over in the kernel; an unbound one here. */
	for (i = 0; i < n; i++) {
		ck_slot_ctx(slot, bind, &c);
		if (slot->napqns)
			c.apqn = slot->apqns[i];
		rv = fn(&c, arg);
		if (device_error)
			*device_error = c.card_rc;
		if (bind || (c.err != -ENODEV && c.err != -EIO &&
			     c.err != -ETIMEDOUT))
			break;
	}
	return rv;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* The slot's APQNs that the kernel knows, in the configured order. */
static int resolve_apqns(struct ck_slot *slot,
			 const struct ep11sess_apqn_status *st, size_t nst)
{
	const struct ck_slot_conf *conf = slot->conf;
	unsigned int i;
	size_t k;

	slot->napqns = 0;
	for (i = 0; i < conf->napqns; i++) {
		const struct ck_apqn_spec *sp = &conf->apqns[i];

		for (k = 0; k < nst && slot->napqns < EP11SESS_MAX_APQNS; k++) {
			if (st[k].apqn.card != sp->card)
				continue;
			if (sp->all_domains ?
			    !(st[k].flags & EP11SESS_APQN_ONLINE) :
			    st[k].apqn.domain != sp->domain)
				continue;
			slot->apqns[slot->napqns++] = st[k].apqn;
		}
	}
	return 0;
}

/*
 * The wrapping key verification pattern of an APQN: as the kernel last
 * read it (status), or asked from the card when the kernel does not know
 * it (a kernel without it, a card registered a moment ago).
 */
static CK_RV apqn_wkid(struct ck_slot *slot, struct ep11sess_apqn apqn,
		       const struct ep11sess_apqn_status *st, size_t nst,
		       uint8_t wkid[16])
{
	struct ck_card_ctx c;
	size_t k;

	for (k = 0; k < nst; k++) {
		if (st[k].apqn.card != apqn.card ||
		    st[k].apqn.domain != apqn.domain)
			continue;
		if (st[k].flags & EP11SESS_APQN_WKID_VALID) {
			memcpy(wkid, st[k].wkid, 16);
			return CKR_OK;
		}
		if (!(st[k].flags & EP11SESS_APQN_ONLINE))
			return CKR_DEVICE_REMOVED;
		break;
	}
	ck_slot_ctx(slot, 0, &c);
	c.apqn = apqn;
	return ck_card_wkid(&c, wkid);
}

/*
 * Every APQN of the slot that answers must have the same wrapping key.
 * What the kernel read last may be older than a master key change that
 * left the APQNs online: patterns that differ there are asked from the
 * cards before the token is refused.
 */
static CK_RV check_wkids(struct ck_slot *slot,
			 const struct ep11sess_apqn_status *st, size_t nst,
			 char *err, size_t errlen)
{
	char a[33], b[33];
	unsigned int i, first = 0;
	bool have = false;
	uint8_t w[16];

	for (i = 0; i < slot->napqns; i++) {
		if (apqn_wkid(slot, slot->apqns[i], st, nst, w) != CKR_OK)
			continue;	/* offline: checked when it answers */
		if (!have) {
			memcpy(slot->wkid, w, 16);
			first = i;
			have = true;
			continue;
		}
		if (memcmp(slot->wkid, w, 16)) {
			if (nst)	/* as the kernel read them: ask the cards */
				return check_wkids(slot, NULL, 0, err, errlen);
			hex(a, slot->wkid, 16);
			hex(b, w, 16);
			snprintf(err, errlen,
				 "%s: slot %lu (%s): APQN %02x.%04x has wrapping key %s but APQN %02x.%04x has %s; a token's APQNs must share one wrapping key",
				 ck_g.cfg.path, slot->conf->id, slot->conf->label,
				 slot->apqns[i].card, slot->apqns[i].domain, b,
				 slot->apqns[first].card,
				 slot->apqns[first].domain, a);
			return CKR_GENERAL_ERROR;
		}
	}
	slot->wkid_valid = have;
	return CKR_OK;
}

CK_RV ck_slots_setup(char *err, size_t errlen)
{
	struct ep11sess_apqn_status *st = NULL;
	size_t nst = 0;
	unsigned int i;
	CK_RV rv = CKR_OK;
	int e;

	e = ck_dev_status(&ck_g.dev, true, &st, &nst);
	if (e) {
		snprintf(err, errlen, "/dev/ep11sess: status: %s", strerror(-e));
		return CKR_DEVICE_ERROR;
	}
	ck_g.slots = calloc(ck_g.cfg.nslots ? ck_g.cfg.nslots : 1,
			    sizeof(*ck_g.slots));
	if (!ck_g.slots) {
		free(st);
		return CKR_HOST_MEMORY;
	}
	for (i = 0; i < ck_g.cfg.nslots; i++) {
		struct ck_slot *slot = &ck_g.slots[i];
		struct ck_token_rec rec;
		char serr[512];

		slot->conf = &ck_g.cfg.slots[i];
		ck_g.nslots++;
		resolve_apqns(slot, st, nst);
		rv = ck_store_open(slot->conf->store, ck_g.cfg.pin_max_tries,
				   ck_g.cfg.pin_kdf_iterations, &slot->store,
				   serr, sizeof(serr));
		if (rv != CKR_OK) {
			snprintf(err, errlen, "slot %lu (%s): %s", slot->conf->id,
				 slot->conf->label, serr);
			break;
		}
		rv = ck_store_token(slot->store, &rec);
		if (rv != CKR_OK) {
			snprintf(err, errlen, "slot %lu (%s): %s: cannot read the token record",
				 slot->conf->id, slot->conf->label,
				 slot->conf->store);
			break;
		}
		memcpy(slot->serial, rec.serial, sizeof(slot->serial));
		memcpy(slot->salt, rec.salt, sizeof(slot->salt));
		OPENSSL_cleanse(&rec, sizeof(rec));
		rv = check_wkids(slot, st, nst, err, errlen);
		if (rv == CKR_OK)
			rv = ck_appid_configure(slot, err, errlen);
		if (rv != CKR_OK)
			break;
	}
	free(st);
	if (rv != CKR_OK)
		ck_slots_teardown();
	return rv;
}

void ck_slots_teardown(void)
{
	unsigned int i;

	for (i = 0; i < ck_g.nslots; i++) {
		struct ck_slot *slot = &ck_g.slots[i];

		ck_objects_drop_slot(slot);
		free(slot->mechs);
		ck_appid_teardown(slot);
		OPENSSL_cleanse(&slot->keys, sizeof(slot->keys));
		OPENSSL_cleanse(slot->salt, sizeof(slot->salt));
		/* In a child, this closes only the child's copies (store.h). */
		if (slot->store)
			ck_store_close(slot->store);
	}
	free(ck_g.slots);
	ck_g.slots = NULL;
	ck_g.nslots = 0;
}

CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList,
		    CK_ULONG_PTR pulCount)
{
	CK_RV rv = ck_check_init();
	unsigned int i;

	if (rv != CKR_OK)
		return rv;
	if (!pulCount)
		return CKR_ARGUMENTS_BAD;
	/* Every configured slot has its token (the store) present. */
	(void)tokenPresent;
	if (!pSlotList) {
		*pulCount = ck_g.nslots;
		return CKR_OK;
	}
	if (*pulCount < ck_g.nslots) {
		*pulCount = ck_g.nslots;
		return CKR_BUFFER_TOO_SMALL;
	}
	for (i = 0; i < ck_g.nslots; i++)
		pSlotList[i] = ck_g.slots[i].conf->id;
	*pulCount = ck_g.nslots;
	return CKR_OK;
}

CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
	CK_RV rv = ck_check_init();
	struct ck_slot *slot;
	char desc[64];
	int n;

	if (rv != CKR_OK)
		return rv;
	slot = ck_slot_find(slotID);
	if (!slot)
		return CKR_SLOT_ID_INVALID;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	memset(pInfo, 0, sizeof(*pInfo));
	n = snprintf(desc, sizeof(desc), "EP11 token %s (%s, %u APQNs)",
		     slot->conf->label, ck_mode_name(slot->conf->mode),
		     slot->napqns);
	ck_pad(pInfo->slotDescription, sizeof(pInfo->slotDescription), desc,
	       n < 0 ? 0 : (size_t)n);
	ck_pad(pInfo->manufacturerID, sizeof(pInfo->manufacturerID),
	       CK_LIB_MANUFACTURER, strlen(CK_LIB_MANUFACTURER));
	pInfo->flags = CKF_TOKEN_PRESENT | CKF_HW_SLOT;
	pInfo->hardwareVersion.major = CK_LIB_VERSION_MAJOR;
	pInfo->hardwareVersion.minor = CK_LIB_VERSION_MINOR;
	pInfo->firmwareVersion = pInfo->hardwareVersion;
	return CKR_OK;
}

static CK_FLAGS pin_flags(unsigned int failures, unsigned int max, bool so)
{
	CK_FLAGS f = 0;

	if (!failures)
		return 0;
	if (failures >= max)
		return so ? CKF_SO_PIN_LOCKED : CKF_USER_PIN_LOCKED;
	f |= so ? CKF_SO_PIN_COUNT_LOW : CKF_USER_PIN_COUNT_LOW;
	if (failures + 1 == max)
		f |= so ? CKF_SO_PIN_FINAL_TRY : CKF_USER_PIN_FINAL_TRY;
	return f;
}

CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	CK_RV rv = ck_check_init();
	struct ck_token_rec rec;
	struct ck_slot *slot;
	char model[17];

	if (rv != CKR_OK)
		return rv;
	slot = ck_slot_find(slotID);
	if (!slot)
		return CKR_SLOT_ID_INVALID;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	rv = ck_store_token(slot->store, &rec);
	if (rv != CKR_OK)
		return rv;
	memset(pInfo, 0, sizeof(*pInfo));
	if (rec.initialized)
		memcpy(pInfo->label, rec.label, sizeof(pInfo->label));
	else
		ck_pad(pInfo->label, sizeof(pInfo->label), slot->conf->label,
		       strlen(slot->conf->label));
	ck_pad(pInfo->manufacturerID, sizeof(pInfo->manufacturerID),
	       CK_LIB_MANUFACTURER, strlen(CK_LIB_MANUFACTURER));
	snprintf(model, sizeof(model), "EP11 %s", ck_mode_name(slot->conf->mode));
	ck_pad(pInfo->model, sizeof(pInfo->model), model, strlen(model));
	memcpy(pInfo->serialNumber, rec.serial, sizeof(pInfo->serialNumber));
	pInfo->flags = CKF_RNG | CKF_LOGIN_REQUIRED;
	if (rec.initialized)
		pInfo->flags |= CKF_TOKEN_INITIALIZED;
	if (rec.user_pin_initialized)
		pInfo->flags |= CKF_USER_PIN_INITIALIZED;
	pInfo->flags |= pin_flags(rec.user_failures, rec.max_tries, false);
	pInfo->flags |= pin_flags(rec.so_failures, rec.max_tries, true);
	ck_mutex_lock(&ck_g.lock);
	pInfo->ulSessionCount = slot->nsessions;
	pInfo->ulRwSessionCount = slot->nrw;
	ck_mutex_unlock(&ck_g.lock);
	pInfo->ulMaxSessionCount = CK_MAX_SESSIONS;
	pInfo->ulMaxRwSessionCount = CK_MAX_SESSIONS;
	pInfo->ulMaxPinLen = CK_STORE_PIN_MAX;
	pInfo->ulMinPinLen = CK_STORE_PIN_MIN;
	pInfo->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	pInfo->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	pInfo->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	pInfo->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	pInfo->hardwareVersion.major = CK_LIB_VERSION_MAJOR;
	pInfo->hardwareVersion.minor = CK_LIB_VERSION_MINOR;
	pInfo->firmwareVersion = pInfo->hardwareVersion;
	memset(pInfo->utcTime, ' ', sizeof(pInfo->utcTime));
	OPENSSL_cleanse(&rec, sizeof(rec));
	return CKR_OK;
}

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot,
			 CK_VOID_PTR pReserved)
{
	CK_RV rv = ck_check_init();

	if (rv != CKR_OK)
		return rv;
	if (pReserved || !pSlot)
		return CKR_ARGUMENTS_BAD;
	/* Tokens are configured, not inserted: there is never an event. */
	if (flags & CKF_DONT_BLOCK)
		return CKR_NO_EVENT;
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pList,
			 CK_ULONG_PTR pulCount)
{
	CK_RV rv = ck_check_init();
	const CK_MECHANISM_TYPE *list;
	struct ck_slot *slot;
	size_t n;

	if (rv != CKR_OK)
		return rv;
	slot = ck_slot_find(slotID);
	if (!slot)
		return CKR_SLOT_ID_INVALID;
	if (!pulCount)
		return CKR_ARGUMENTS_BAD;
	rv = ck_mech_list(slot, &list, &n);
	if (rv != CKR_OK)
		return rv;
	if (!pList) {
		*pulCount = n;
		return CKR_OK;
	}
	if (*pulCount < n) {
		*pulCount = n;
		return CKR_BUFFER_TOO_SMALL;
	}
	memcpy(pList, list, n * sizeof(*list));
	*pulCount = n;
	return CKR_OK;
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type,
			 CK_MECHANISM_INFO_PTR pInfo)
{
	CK_RV rv = ck_check_init();
	struct ck_slot *slot;

	if (rv != CKR_OK)
		return rv;
	slot = ck_slot_find(slotID);
	if (!slot)
		return CKR_SLOT_ID_INVALID;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	return ck_mech_info(slot, type, pInfo);
}

CK_RV C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
		  CK_UTF8CHAR_PTR pLabel)
{
	CK_RV rv = ck_check_init();
	struct ck_slot *slot;
	char label[32];

	if (rv != CKR_OK)
		return rv;
	slot = ck_slot_find(slotID);
	if (!slot)
		return CKR_SLOT_ID_INVALID;
	if (!pPin || !pLabel)
		return CKR_ARGUMENTS_BAD;
	memcpy(label, pLabel, sizeof(label));
	ck_mutex_lock(&ck_g.lock);
	if (slot->nsessions || ck_store_held_elsewhere(slot->store)) {
		ck_mutex_unlock(&ck_g.lock);
		return CKR_SESSION_EXISTS;
	}
	rv = ck_store_init_token(slot->store, pPin, ulPinLen, label);
	if (rv == CKR_OK)
		ck_objects_drop_slot(slot);
	ck_mutex_unlock(&ck_g.lock);
	return rv;
}

CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin,
		CK_ULONG ulPinLen)
{
	struct ck_session *s;
	CK_RV rv;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pPin) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	ck_mutex_lock(&ck_g.lock);
	if (ck_session_state(s) != CKS_RW_SO_FUNCTIONS)
		rv = CKR_USER_NOT_LOGGED_IN;
	else
		rv = ck_store_init_pin(s->slot->store, s->slot->keys.data_key,
				       pPin, ulPinLen);
	ck_mutex_unlock(&ck_g.lock);
out:
	ck_session_put(s);
	return rv;
}

CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin,
	       CK_ULONG ulOldLen, CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
	struct ck_session *s;
	CK_USER_TYPE who;
	CK_RV rv;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pOldPin || !pNewPin) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	ck_mutex_lock(&ck_g.lock);
	if (!(s->flags & CKF_RW_SESSION)) {
		rv = CKR_SESSION_READ_ONLY;
	} else {
		who = s->slot->login == CK_LOGGED_SO ? CKU_SO : CKU_USER;
		rv = ck_store_set_pin(s->slot->store, who, pOldPin, ulOldLen,
				      pNewPin, ulNewLen);
	}
	ck_mutex_unlock(&ck_g.lock);
out:
	ck_session_put(s);
	return rv;
}
