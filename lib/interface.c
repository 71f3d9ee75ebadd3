// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * interface.c: the function lists and interfaces (C_GetFunctionList,
 * C_GetInterfaceList, C_GetInterface: "PKCS 11" 3.0 and 2.40, and
 * "Vendor ep11sess"), the vendor functions, and what the card cannot do:
 * message-based functions, recovery signatures and dual-function
 * updates answer CKR_FUNCTION_NOT_SUPPORTED.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ep11sess-cryptoki.h"
#include "module.h"



#define NOT_SUPPORTED_SESSION(name, args) \
CK_RV name args \
{ \
	return ck_session_refuse(hSession, CKR_FUNCTION_NOT_SUPPORTED); \
}

NOT_SUPPORTED_SESSION(C_SignRecoverInit, (CK_SESSION_HANDLE hSession,
		      CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k))
NOT_SUPPORTED_SESSION(C_SignRecover, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR d,
		      CK_ULONG dl, CK_BYTE_PTR sg, CK_ULONG_PTR sl))
NOT_SUPPORTED_SESSION(C_VerifyRecoverInit, (CK_SESSION_HANDLE hSession,
		      CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k))
NOT_SUPPORTED_SESSION(C_VerifyRecover, (CK_SESSION_HANDLE hSession,
		      CK_BYTE_PTR sg, CK_ULONG sl, CK_BYTE_PTR d, CK_ULONG_PTR dl))
NOT_SUPPORTED_SESSION(C_DigestEncryptUpdate, (CK_SESSION_HANDLE hSession,
		      CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d))
NOT_SUPPORTED_SESSION(C_DecryptDigestUpdate, (CK_SESSION_HANDLE hSession,
		      CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d))
NOT_SUPPORTED_SESSION(C_SignEncryptUpdate, (CK_SESSION_HANDLE hSession,
		      CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d))
NOT_SUPPORTED_SESSION(C_DecryptVerifyUpdate, (CK_SESSION_HANDLE hSession,
		      CK_BYTE_PTR a, CK_ULONG b, CK_BYTE_PTR c, CK_ULONG_PTR d))
NOT_SUPPORTED_SESSION(C_MessageEncryptInit, (CK_SESSION_HANDLE hSession,
		      CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k))
NOT_SUPPORTED_SESSION(C_EncryptMessage, (CK_SESSION_HANDLE hSession,
		      CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR a, CK_ULONG al,
		      CK_BYTE_PTR pt, CK_ULONG ptl, CK_BYTE_PTR c, CK_ULONG_PTR cl))
NOT_SUPPORTED_SESSION(C_EncryptMessageBegin, (CK_SESSION_HANDLE hSession,
		      CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR a, CK_ULONG al))
NOT_SUPPORTED_SESSION(C_EncryptMessageNext, (CK_SESSION_HANDLE hSession,
		      CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR pt, CK_ULONG ptl,
		      CK_BYTE_PTR c, CK_ULONG_PTR cl, CK_FLAGS f))
NOT_SUPPORTED_SESSION(C_MessageEncryptFinal, (CK_SESSION_HANDLE hSession))
NOT_SUPPORTED_SESSION(C_MessageDecryptInit, (CK_SESSION_HANDLE hSession,
		      CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k))
NOT_SUPPORTED_SESSION(C_DecryptMessage, (CK_SESSION_HANDLE hSession,
		      CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR a, CK_ULONG al,
		      CK_BYTE_PTR c, CK_ULONG cl, CK_BYTE_PTR pt, CK_ULONG_PTR ptl))
NOT_SUPPORTED_SESSION(C_DecryptMessageBegin, (CK_SESSION_HANDLE hSession,
		      CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR a, CK_ULONG al))
NOT_SUPPORTED_SESSION(C_DecryptMessageNext, (CK_SESSION_HANDLE hSession,
		      CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR c, CK_ULONG cl,
		      CK_BYTE_PTR pt, CK_ULONG_PTR ptl, CK_FLAGS f))
NOT_SUPPORTED_SESSION(C_MessageDecryptFinal, (CK_SESSION_HANDLE hSession))
NOT_SUPPORTED_SESSION(C_MessageSignInit, (CK_SESSION_HANDLE hSession,
		      CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k))
NOT_SUPPORTED_SESSION(C_SignMessage, (CK_SESSION_HANDLE hSession, CK_VOID_PTR p,
		      CK_ULONG pl, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR sg,
		      CK_ULONG_PTR sl))
NOT_SUPPORTED_SESSION(C_SignMessageBegin, (CK_SESSION_HANDLE hSession,
		      CK_VOID_PTR p, CK_ULONG pl))
NOT_SUPPORTED_SESSION(C_SignMessageNext, (CK_SESSION_HANDLE hSession,
		      CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR d, CK_ULONG dl,
		      CK_BYTE_PTR sg, CK_ULONG_PTR sl))
NOT_SUPPORTED_SESSION(C_MessageSignFinal, (CK_SESSION_HANDLE hSession))
NOT_SUPPORTED_SESSION(C_MessageVerifyInit, (CK_SESSION_HANDLE hSession,
		      CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k))
NOT_SUPPORTED_SESSION(C_VerifyMessage, (CK_SESSION_HANDLE hSession,
		      CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR d, CK_ULONG dl,
		      CK_BYTE_PTR sg, CK_ULONG sl))
NOT_SUPPORTED_SESSION(C_VerifyMessageBegin, (CK_SESSION_HANDLE hSession,
		      CK_VOID_PTR p, CK_ULONG pl))
NOT_SUPPORTED_SESSION(C_VerifyMessageNext, (CK_SESSION_HANDLE hSession,
		      CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR d, CK_ULONG dl,
		      CK_BYTE_PTR sg, CK_ULONG sl))
NOT_SUPPORTED_SESSION(C_MessageVerifyFinal, (CK_SESSION_HANDLE hSession))

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList);
CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList,
				CK_ULONG_PTR pulCount);
CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName,
			    CK_VERSION_PTR pVersion,
			    CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags);

#define LIST_240 \
	C_Initialize, C_Finalize, C_GetInfo, C_GetFunctionList, \
	C_GetSlotList, C_GetSlotInfo, C_GetTokenInfo, C_GetMechanismList, \
	C_GetMechanismInfo, C_InitToken, C_InitPIN, C_SetPIN, \
	C_OpenSession, C_CloseSession, C_CloseAllSessions, \
	C_GetSessionInfo, C_GetOperationState, C_SetOperationState, \
	C_Login, C_Logout, C_CreateObject, C_CopyObject, C_DestroyObject, \
	C_GetObjectSize, C_GetAttributeValue, C_SetAttributeValue, \
	C_FindObjectsInit, C_FindObjects, C_FindObjectsFinal, \
	C_EncryptInit, C_Encrypt, C_EncryptUpdate, C_EncryptFinal, \
	C_DecryptInit, C_Decrypt, C_DecryptUpdate, C_DecryptFinal, \
	C_DigestInit, C_Digest, C_DigestUpdate, C_DigestKey, C_DigestFinal, \
	C_SignInit, C_Sign, C_SignUpdate, C_SignFinal, C_SignRecoverInit, \
	C_SignRecover, C_VerifyInit, C_Verify, C_VerifyUpdate, \
	C_VerifyFinal, C_VerifyRecoverInit, C_VerifyRecover, \
	C_DigestEncryptUpdate, C_DecryptDigestUpdate, C_SignEncryptUpdate, \
	C_DecryptVerifyUpdate, C_GenerateKey, C_GenerateKeyPair, \
	C_WrapKey, C_UnwrapKey, C_DeriveKey, C_SeedRandom, \
	C_GenerateRandom, C_GetFunctionStatus, C_CancelFunction, \
	C_WaitForSlotEvent

static CK_FUNCTION_LIST list_240 = {
	{ 2, 40 }, LIST_240
};

static CK_FUNCTION_LIST_3_0 list_300 = {
	{ 3, 0 }, LIST_240,
	C_GetInterfaceList, C_GetInterface, C_LoginUser, C_SessionCancel,
	C_MessageEncryptInit, C_EncryptMessage, C_EncryptMessageBegin,
	C_EncryptMessageNext, C_MessageEncryptFinal, C_MessageDecryptInit,
	C_DecryptMessage, C_DecryptMessageBegin, C_DecryptMessageNext,
	C_MessageDecryptFinal, C_MessageSignInit, C_SignMessage,
	C_SignMessageBegin, C_SignMessageNext, C_MessageSignFinal,
	C_MessageVerifyInit, C_VerifyMessage, C_VerifyMessageBegin,
	C_VerifyMessageNext, C_MessageVerifyFinal,
};

static CK_RV vendor_status(struct ep11sess_apqn_status *entries,
			   CK_ULONG_PTR count);
static CK_RV vendor_list(CK_BBOOL all, struct ep11sess_session_info *entries,
			 CK_ULONG_PTR count);
static CK_RV vendor_logout(const CK_BYTE *public_id, CK_BBOOL privileged);
static CK_RV vendor_status_sized(void *entries, CK_ULONG entry_size,
				 CK_ULONG_PTR count);
static CK_RV vendor_list_sized(CK_BBOOL all, void *entries,
			       CK_ULONG entry_size, CK_ULONG_PTR count);

static EP11SESS_FUNCTION_LIST list_vendor = {
	{ 1, 2 }, vendor_status, vendor_list, vendor_logout,
	CA_SetApplicationID, CA_OpenApplicationID, CA_CloseApplicationID,
	vendor_status_sized, vendor_list_sized,
};

/* Version 1.1, for callers that ask for it by number. */
static EP11SESS_FUNCTION_LIST list_vendor_11 = {
	{ 1, 1 }, vendor_status, vendor_list, vendor_logout,
	CA_SetApplicationID, CA_OpenApplicationID, CA_CloseApplicationID,
};

/* Version 1.0, for callers that ask for it by number: its three functions. */
static EP11SESS_FUNCTION_LIST list_vendor_10 = {
	{ 1, 0 }, vendor_status, vendor_list, vendor_logout,
};

/* A name without a version finds the first of its name: the newest. */
static CK_INTERFACE interfaces[] = {
	{ (CK_CHAR *)"PKCS 11", &list_300, 0 },
	{ (CK_CHAR *)"PKCS 11", &list_240, 0 },
	{ (CK_CHAR *)EP11SESS_VENDOR_INTERFACE, &list_vendor, 0 },
	{ (CK_CHAR *)EP11SESS_VENDOR_INTERFACE, &list_vendor_11, 0 },
	{ (CK_CHAR *)EP11SESS_VENDOR_INTERFACE, &list_vendor_10, 0 },
};
#define NIFACES (sizeof(interfaces) / sizeof(interfaces[0]))

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
	if (!ppFunctionList)
		return CKR_ARGUMENTS_BAD;
	*ppFunctionList = &list_240;
	return CKR_OK;
}

CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount)
{
	if (!pulCount)
		return CKR_ARGUMENTS_BAD;
	if (!pInterfacesList) {
		*pulCount = NIFACES;
		return CKR_OK;
	}
	if (*pulCount < NIFACES) {
		*pulCount = NIFACES;
		return CKR_BUFFER_TOO_SMALL;
	}
	memcpy(pInterfacesList, interfaces, sizeof(interfaces));
	*pulCount = NIFACES;
	return CKR_OK;
}

CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
		     CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags)
{
	size_t i;

	if (!ppInterface)
		return CKR_ARGUMENTS_BAD;
	for (i = 0; i < NIFACES; i++) {
		const CK_VERSION *v = interfaces[i].pFunctionList;

		if (pInterfaceName &&
		    strcmp((const char *)pInterfaceName,
			   (const char *)interfaces[i].pInterfaceName))
			continue;
		if (pVersion && (v->major != pVersion->major ||
				 v->minor != pVersion->minor))
			continue;
		if ((interfaces[i].flags & flags) != flags)
			continue;
		*ppInterface = &interfaces[i];
		return CKR_OK;
	}
	return CKR_ARGUMENTS_BAD;
}

/*
 * Copies @n entries of @ksize bytes from @src to @dst in entries of
 * @usize bytes: what both know, and zeros for what only the caller's
 * layout has.
 */
static void copy_entries(void *dst, size_t usize, const void *src,
			 size_t ksize, size_t n)
{
	size_t len = usize < ksize ? usize : ksize;
	unsigned char *d = dst;
	const unsigned char *s = src;

	for (; n; n--, d += usize, s += ksize) {
		memcpy(d, s, len);
		memset(d + len, 0, usize - len);
	}
}

/* The count+buffer idiom over a table the driver answered. */
static CK_RV give_entries(void *entries, size_t usize, CK_ULONG_PTR count,
			  const void *src, size_t ksize, size_t n)
{
	CK_RV rv = CKR_OK;

	if (entries && *count < n)
		rv = CKR_BUFFER_TOO_SMALL;
	else if (entries)
		copy_entries(entries, usize, src, ksize, n);
	*count = n;
	return rv;
}

static CK_RV status_entries(void *entries, size_t usize, CK_ULONG_PTR count)
{
	struct ep11sess_apqn_status *st = NULL;
	CK_RV rv = ck_check_init();
	size_t n = 0;
	int err;

	if (rv != CKR_OK)
		return rv;
	if (!count || usize < EP11SESS_APQN_STATUS_SIZE_VER1)
		return CKR_ARGUMENTS_BAD;
	err = ck_dev_status(&ck_g.dev, false, &st, &n);
	if (err)
		return ck_errno_to_rv(err, CK_OP_OTHER);
	rv = give_entries(entries, usize, count, st, sizeof(*st), n);
	free(st);
	return rv;
}

static CK_RV list_entries(CK_BBOOL all, void *entries, size_t usize,
			  CK_ULONG_PTR count)
{
	struct ep11sess_session_info *l = NULL;
	CK_RV rv = ck_check_init();
	size_t n = 0;
	int err;

	if (rv != CKR_OK)
		return rv;
	if (!count || usize < EP11SESS_SESSION_INFO_SIZE_VER1)
		return CKR_ARGUMENTS_BAD;
	err = ck_dev_list(&ck_g.dev, all, &l, &n);
	if (err)
		return err == -EPERM ? CKR_FUNCTION_REJECTED :
		       ck_errno_to_rv(err, CK_OP_OTHER);
	rv = give_entries(entries, usize, count, l, sizeof(*l), n);
	free(l);
	return rv;
}

/* Versions 1.0 and 1.1: entries of the layouts they were published with. */
static CK_RV vendor_status(struct ep11sess_apqn_status *entries,
			   CK_ULONG_PTR count)
{
	return status_entries(entries, EP11SESS_VENDOR_APQN_STATUS_SIZE_1_0,
			      count);
}

static CK_RV vendor_list(CK_BBOOL all, struct ep11sess_session_info *entries,
			 CK_ULONG_PTR count)
{
	return list_entries(all, entries, EP11SESS_VENDOR_SESSION_INFO_SIZE_1_0,
			    count);
}

static CK_RV vendor_status_sized(void *entries, CK_ULONG entry_size,
				 CK_ULONG_PTR count)
{
	if (entry_size > EP11SESS_VENDOR_ENTRY_SIZE_MAX)
		return CKR_ARGUMENTS_BAD;
	return status_entries(entries, entry_size, count);
}

static CK_RV vendor_list_sized(CK_BBOOL all, void *entries,
			       CK_ULONG entry_size, CK_ULONG_PTR count)
{
	if (entry_size > EP11SESS_VENDOR_ENTRY_SIZE_MAX)
		return CKR_ARGUMENTS_BAD;
	return list_entries(all, entries, entry_size, count);
}

/* Lib lock held: ends the use of @handle by a login or session. */
static bool forget_handle(uint32_t handle)
{
	size_t i;

	for (i = 0; i < ck_g.nslots; i++)
		if (ck_g.slots[i].ep11_handle == handle) {
			/* A shared login ends for every process of the id. */
			if (ck_g.slots[i].appid)
				ck_appid_logout(&ck_g.slots[i]);
			else
				ck_logout(&ck_g.slots[i]);
			return true;
		}
	for (i = 0; i < ck_g.nsessions; i++)
		if (ck_g.sessions[i]->ep11_handle == handle) {
			ck_dev_logout(&ck_g.dev, handle);
			ck_g.sessions[i]->ep11_handle = 0;
			return true;
		}
	return false;
}

static CK_RV vendor_logout(const CK_BYTE *public_id, CK_BBOOL privileged)
{
	struct ep11sess_session_info *l = NULL;
	CK_RV rv = ck_check_init();
	size_t n = 0, i;
	int err;

	if (rv != CKR_OK)
		return rv;
	if (!public_id)
		return CKR_ARGUMENTS_BAD;
	if (privileged) {
		struct ep11sess_admin_logout a = {
			.size = sizeof(a), .flags = EP11SESS_ADMIN_BY_ID,
		};

		memcpy(a.public_id, public_id, 16);
		err = ck_dev_admin_logout(&ck_g.dev, &a);
		if (err == -ENOENT)
			return CKR_ARGUMENTS_BAD;	/* no such session */
		if (err)
			return err == -EPERM ? CKR_FUNCTION_REJECTED :
			       ck_errno_to_rv(err, CK_OP_OTHER);
		return a.matched ? CKR_OK : CKR_ARGUMENTS_BAD;
	}
	err = ck_dev_list(&ck_g.dev, false, &l, &n);
	if (err)
		return ck_errno_to_rv(err, CK_OP_OTHER);
	rv = CKR_ARGUMENTS_BAD;
	ck_mutex_lock(&ck_g.lock);
	/*
	 * A login in flight when the list was read may be listed already:
	 * once it is done, its handle is where forget_handle() finds it.
	 */
	ck_login_wait_idle(NULL, NULL);
	for (i = 0; i < n; i++) {
		if (!l[i].handle || memcmp(l[i].public_id, public_id, 16))
			continue;
		if (!forget_handle(l[i].handle))
			ck_dev_logout(&ck_g.dev, l[i].handle);
		rv = CKR_OK;
		break;
	}
	ck_mutex_unlock(&ck_g.lock);
	free(l);
	return rv;
}
