// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * session.c: PKCS#11 sessions: C_OpenSession, C_CloseSession,
 * C_CloseAllSessions, C_GetSessionInfo, C_Login, C_LoginUser, C_Logout,
 * C_SessionCancel and the functions the library does not support on
 * sessions (operation state, parallel functions).
 *
 * The session table is sorted by handle (handles only grow), so lookups
 * are a binary search under the library lock.  A session is referenced
 * while a call uses it; C_CloseSession takes it out of the table at once
 * and the last reference frees it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "module.h"

struct ck_session *ck_session_find_locked(CK_SESSION_HANDLE h)
{
	size_t lo = 0, hi = ck_g.nsessions;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		struct ck_session *s = ck_g.sessions[mid];

		if (s->handle == h)
			return s;
		if (s->handle < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

CK_RV ck_session_get(CK_SESSION_HANDLE h, struct ck_session **out)
{
	struct ck_session *s;
	CK_RV rv = ck_check_init();

	if (rv != CKR_OK)
		return rv;
	ck_mutex_lock(&ck_g.lock);
	s = ck_session_find_locked(h);
	if (!s) {
		ck_mutex_unlock(&ck_g.lock);
		return CKR_SESSION_HANDLE_INVALID;
	}
	s->refs++;
	/* Another process of the application id may have logged in or out. */
	ck_appid_sync(s->slot);
	ck_mutex_unlock(&ck_g.lock);
	*out = s;
	return CKR_OK;
}

void ck_session_free(struct ck_session *s)
{
	int k;

	for (k = 0; k < CK_OPK_COUNT; k++)
		ck_op_reset(&s->ops[k]);
	ck_mutex_destroy(&s->op_lock);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

void ck_session_put(struct ck_session *s)
{
	bool last;

	ck_mutex_lock(&ck_g.lock);
	last = --s->refs == 0;
	ck_mutex_unlock(&ck_g.lock);
	if (last)
		ck_session_free(s);
}

CK_STATE ck_session_state(const struct ck_session *s)
{
	bool rw = s->flags & CKF_RW_SESSION;

	switch (s->slot->login) {
	case CK_LOGGED_SO:
		return CKS_RW_SO_FUNCTIONS;
	case CK_LOGGED_USER:
		return rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
	default:
		return rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
	}
}

void ck_op_reset(struct ck_oper *op)
{
	if (op->mech.pParameter)
		OPENSSL_clear_free(op->mech.pParameter, op->mech.ulParameterLen);
	ck_buf_free(&op->key);
	EVP_PKEY_free(op->pub);
	EVP_MD_CTX_free(op->md);
	if (op->data)
		OPENSSL_clear_free(op->data, op->len);
	free(op->found);
	memset(op, 0, sizeof(*op));
}

static CK_RV table_insert(struct ck_session *s)
{
	if (ck_g.nsessions == ck_g.capsessions) {
		size_t cap = ck_g.capsessions ? ck_g.capsessions * 2 : 16;
		struct ck_session **v = realloc(ck_g.sessions, cap * sizeof(*v));

		if (!v)
			return CKR_HOST_MEMORY;
		ck_g.sessions = v;
		ck_g.capsessions = cap;
	}
	ck_g.sessions[ck_g.nsessions++] = s;	/* handles only grow */
	return CKR_OK;
}

static void table_remove(struct ck_session *s)
{
	size_t i;

	for (i = 0; i < ck_g.nsessions; i++)
		if (ck_g.sessions[i] == s) {
			memmove(&ck_g.sessions[i], &ck_g.sessions[i + 1],
				(ck_g.nsessions - i - 1) * sizeof(s));
			ck_g.nsessions--;
			return;
		}
}

CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication,
		    CK_NOTIFY Notify, CK_SESSION_HANDLE_PTR phSession)
{
	struct ck_token_rec rec;
	struct ck_session *s;
	struct ck_slot *slot;
	CK_RV rv = ck_check_init();

	if (rv != CKR_OK)
		return rv;
	slot = ck_slot_find(slotID);
	if (!slot)
		return CKR_SLOT_ID_INVALID;
	if (!phSession)
		return CKR_ARGUMENTS_BAD;
	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	if (flags & ~(CKF_SERIAL_SESSION | CKF_RW_SESSION))
		return CKR_ARGUMENTS_BAD;
	rv = ck_store_token(slot->store, &rec);
	if (rv != CKR_OK)
		return rv;
	if (!rec.initialized)
		return CKR_TOKEN_NOT_RECOGNIZED;
	s = calloc(1, sizeof(*s));
	if (!s)
		return CKR_HOST_MEMORY;
	s->slot = slot;
	s->flags = flags;
	s->notify = Notify;
	s->app = pApplication;
	s->refs = 1;
	rv = ck_mutex_init(&s->op_lock);
	if (rv != CKR_OK) {
		free(s);
		return rv;
	}
	ck_mutex_lock(&ck_g.lock);
	if (!(flags & CKF_RW_SESSION) && slot->login == CK_LOGGED_SO) {
		rv = CKR_SESSION_READ_WRITE_SO_EXISTS;
		goto fail;
	}
	if (slot->nsessions >= CK_MAX_SESSIONS) {
		rv = CKR_SESSION_COUNT;
		goto fail;
	}
	if (!slot->held) {
		if (ck_store_hold(slot->store)) {
			rv = CKR_DEVICE_ERROR;
			goto fail;
		}
		slot->held = true;
	}
	s->handle = ck_g.next_session++;
	if (slot->conf->mode == CK_MODE_STRICT && slot->login == CK_LOGGED_USER) {
		rv = ck_login_strict_session(s);
		if (rv != CKR_OK)
			goto fail_hold;
	}
	rv = table_insert(s);
	if (rv != CKR_OK) {
		if (s->ep11_handle)
			ck_dev_logout(&ck_g.dev, s->ep11_handle);
		goto fail_hold;
	}
	slot->nsessions++;
	if (flags & CKF_RW_SESSION)
		slot->nrw++;
	*phSession = s->handle;
	/* The application id's login, when another process has it. */
	ck_appid_sync(slot);
	ck_mutex_unlock(&ck_g.lock);
	return CKR_OK;

fail_hold:
	if (!slot->nsessions) {
		ck_store_unhold(slot->store);
		slot->held = false;
	}
fail:
	ck_mutex_unlock(&ck_g.lock);
	ck_mutex_destroy(&s->op_lock);
	free(s);
	return rv;
}

/* Lib lock held.  Takes @s out of the table; the caller drops the table's reference. */
static void close_locked(struct ck_session *s)
{
	struct ck_slot *slot = s->slot;

	table_remove(s);
	s->closed = true;
	ck_objects_drop_session(s->handle);
	if (s->ep11_handle) {
		ck_dev_logout(&ck_g.dev, s->ep11_handle);
		s->ep11_handle = 0;
	}
	slot->nsessions--;
	if (s->flags & CKF_RW_SESSION)
		slot->nrw--;
	if (!slot->nsessions) {
		/* A shared login stays for the other processes that hold it. */
		if (slot->login != CK_LOGGED_OUT)
			ck_logout(slot);
		ck_appid_release(slot);
		ck_store_unhold(slot->store);
		slot->held = false;
	}
}

CK_RV C_CloseSession(CK_SESSION_HANDLE hSession)
{
	struct ck_session *s;
	bool last;
	CK_RV rv = ck_check_init();

	if (rv != CKR_OK)
		return rv;
	ck_mutex_lock(&ck_g.lock);
	s = ck_session_find_locked(hSession);
	if (!s) {
		ck_mutex_unlock(&ck_g.lock);
		return CKR_SESSION_HANDLE_INVALID;
	}
	close_locked(s);
	last = --s->refs == 0;
	ck_mutex_unlock(&ck_g.lock);
	if (last)
		ck_session_free(s);
	return CKR_OK;
}

CK_RV C_CloseAllSessions(CK_SLOT_ID slotID)
{
	struct ck_slot *slot;
	CK_RV rv = ck_check_init();
	size_t i;

	if (rv != CKR_OK)
		return rv;
	slot = ck_slot_find(slotID);
	if (!slot)
		return CKR_SLOT_ID_INVALID;
	ck_mutex_lock(&ck_g.lock);
	for (i = ck_g.nsessions; i-- > 0;) {
		struct ck_session *s = ck_g.sessions[i];

		if (s->slot != slot)
			continue;
		close_locked(s);
		if (--s->refs == 0)
			ck_session_free(s);
		if (i > ck_g.nsessions)
			i = ck_g.nsessions;
	}
	ck_mutex_unlock(&ck_g.lock);
	return CKR_OK;
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
	struct ck_session *s;
	CK_RV rv;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pInfo) {
		ck_session_put(s);
		return CKR_ARGUMENTS_BAD;
	}
	ck_mutex_lock(&ck_g.lock);
	pInfo->slotID = s->slot->conf->id;
	pInfo->state = ck_session_state(s);
	pInfo->flags = s->flags;
	pInfo->ulDeviceError = atomic_load(&s->device_error);
	ck_mutex_unlock(&ck_g.lock);
	ck_session_put(s);
	return CKR_OK;
}

static CK_RV login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType,
		   CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	struct ck_session *s;
	CK_RV rv;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (userType != CKU_SO && userType != CKU_USER &&
	    userType != CKU_CONTEXT_SPECIFIC) {
		rv = CKR_USER_TYPE_INVALID;
		goto out;
	}
	if (!pPin) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	ck_mutex_lock(&ck_g.lock);
	rv = ck_login(s, userType, pPin, ulPinLen);
	ck_mutex_unlock(&ck_g.lock);
out:
	ck_session_put(s);
	return rv;
}

CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType,
	      CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	return login(hSession, userType, pPin, ulPinLen);
}

CK_RV C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType,
		  CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
		  CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
	/* A token has one SO and one user: a user name is not a choice here. */
	if (!pUsername && ulUsernameLen)
		return CKR_ARGUMENTS_BAD;
	return login(hSession, userType, pPin, ulPinLen);
}

CK_RV C_Logout(CK_SESSION_HANDLE hSession)
{
	struct ck_session *s;
	CK_RV rv;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	ck_mutex_lock(&ck_g.lock);
	if (s->slot->login == CK_LOGGED_OUT)
		rv = CKR_USER_NOT_LOGGED_IN;
	else if (s->slot->appid)
		rv = ck_appid_logout(s->slot);	/* every process of the id */
	else
		rv = ck_logout(s->slot);
	ck_mutex_unlock(&ck_g.lock);
	ck_session_put(s);
	return rv;
}

CK_RV C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags)
{
	static const struct {
		CK_FLAGS flag;
		enum ck_op_kind kind;
	} map[] = {
		{ CKF_ENCRYPT, CK_OPK_ENCRYPT },
		{ CKF_DECRYPT, CK_OPK_DECRYPT },
		{ CKF_DIGEST, CK_OPK_DIGEST },
		{ CKF_SIGN, CK_OPK_SIGN },
		{ CKF_VERIFY, CK_OPK_VERIFY },
		{ CKF_FIND_OBJECTS, CK_OPK_FIND },
	};
	struct ck_session *s;
	CK_RV rv;
	size_t i;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	ck_mutex_lock(&s->op_lock);
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (flags & map[i].flag)
			ck_op_reset(&s->ops[map[i].kind]);
	ck_mutex_unlock(&s->op_lock);
	ck_session_put(s);
	return CKR_OK;
}

CK_RV ck_session_refuse(CK_SESSION_HANDLE h, CK_RV refusal)
{
	struct ck_session *s;
	CK_RV rv = ck_session_get(h, &s);

	if (rv != CKR_OK)
		return rv;
	ck_session_put(s);
	return refusal;
}

/* The card's single-part functions keep no state to save. */
CK_RV C_GetOperationState(CK_SESSION_HANDLE hSession,
			  CK_BYTE_PTR pOperationState,
			  CK_ULONG_PTR pulOperationStateLen)
{
	return ck_session_refuse(hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_SetOperationState(CK_SESSION_HANDLE hSession,
			  CK_BYTE_PTR pOperationState,
			  CK_ULONG ulOperationStateLen,
			  CK_OBJECT_HANDLE hEncryptionKey,
			  CK_OBJECT_HANDLE hAuthenticationKey)
{
	return ck_session_refuse(hSession, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE hSession)
{
	return ck_session_refuse(hSession, CKR_FUNCTION_NOT_PARALLEL);
}

CK_RV C_CancelFunction(CK_SESSION_HANDLE hSession)
{
	return ck_session_refuse(hSession, CKR_FUNCTION_NOT_PARALLEL);
}
