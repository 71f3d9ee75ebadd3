/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pkcs11_3.h: what PKCS#11 3.0 adds to the 2.40 header of p11-kit
 * (<p11-kit/pkcs11.h>, which defines CK_* names in its compatibility
 * mode): the interface structures, the 3.0 function list, the new
 * functions, flags, return codes and mechanisms that ep11sess's
 * libcryptoki uses.  Numeric values are those of the OASIS standard.
 */
#ifndef EP11SESS_PKCS11_3_H
#define EP11SESS_PKCS11_3_H

#include <p11-kit/pkcs11.h>

#ifndef CKR_OPERATION_CANCEL_FAILED
#define CKR_OPERATION_CANCEL_FAILED	(0x202UL)
#endif
#ifndef CKM_AES_KEY_WRAP_KWP
#define CKM_AES_KEY_WRAP_KWP		(0x210bUL)
#endif
#ifndef CKF_EC_OID
#define CKF_EC_OID			(1UL << 23)
#endif
#ifndef CKA_UNIQUE_ID
#define CKA_UNIQUE_ID			(0x4UL)
#endif
#ifndef CKF_INTERFACE_FORK_SAFE
#define CKF_INTERFACE_FORK_SAFE		(0x1UL)
#endif
#ifndef CKF_MESSAGE_ENCRYPT
#define CKF_MESSAGE_ENCRYPT		(0x2UL)
#define CKF_MESSAGE_DECRYPT		(0x4UL)
#define CKF_MESSAGE_SIGN		(0x8UL)
#define CKF_MESSAGE_VERIFY		(0x10UL)
#define CKF_MULTI_MESSAGE		(0x20UL)
#define CKF_FIND_OBJECTS		(0x40UL)
#endif
#ifndef CKF_END_OF_MESSAGE
#define CKF_END_OF_MESSAGE		(0x1UL)
#endif

typedef CK_ULONG CK_PROFILE_ID;

/* CK_INTERFACE: a named function list (PKCS#11 3.0, 5.15). */
typedef struct CK_INTERFACE {
	CK_CHAR *pInterfaceName;
	CK_VOID_PTR pFunctionList;
	CK_FLAGS flags;
} CK_INTERFACE;
typedef CK_INTERFACE *CK_INTERFACE_PTR;
typedef CK_INTERFACE_PTR *CK_INTERFACE_PTR_PTR;

typedef CK_ULONG CK_USER_TYPE_3;

#define EP11_CK_FN(name, args) typedef CK_RV (*CK_##name) args; CK_RV name args

EP11_CK_FN(C_GetInterfaceList, (CK_INTERFACE_PTR pInterfacesList,
				CK_ULONG_PTR pulCount));
EP11_CK_FN(C_GetInterface, (CK_UTF8CHAR_PTR pInterfaceName,
			    CK_VERSION_PTR pVersion,
			    CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags));
EP11_CK_FN(C_LoginUser, (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType,
			 CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
			 CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen));
EP11_CK_FN(C_SessionCancel, (CK_SESSION_HANDLE hSession, CK_FLAGS flags));
EP11_CK_FN(C_MessageEncryptInit, (CK_SESSION_HANDLE hSession,
				  CK_MECHANISM_PTR pMechanism,
				  CK_OBJECT_HANDLE hKey));
EP11_CK_FN(C_EncryptMessage, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
			      CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
			      CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pPlaintext,
			      CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext,
			      CK_ULONG_PTR pulCiphertextLen));
EP11_CK_FN(C_EncryptMessageBegin, (CK_SESSION_HANDLE hSession,
				   CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
				   CK_BYTE_PTR pAssociatedData,
				   CK_ULONG ulAssociatedDataLen));
EP11_CK_FN(C_EncryptMessageNext, (CK_SESSION_HANDLE hSession,
				  CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
				  CK_BYTE_PTR pPlaintextPart,
				  CK_ULONG ulPlaintextPartLen,
				  CK_BYTE_PTR pCiphertextPart,
				  CK_ULONG_PTR pulCiphertextPartLen, CK_FLAGS flags));
EP11_CK_FN(C_MessageEncryptFinal, (CK_SESSION_HANDLE hSession));
EP11_CK_FN(C_MessageDecryptInit, (CK_SESSION_HANDLE hSession,
				  CK_MECHANISM_PTR pMechanism,
				  CK_OBJECT_HANDLE hKey));
EP11_CK_FN(C_DecryptMessage, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
			      CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
			      CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pCiphertext,
			      CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext,
			      CK_ULONG_PTR pulPlaintextLen));
EP11_CK_FN(C_DecryptMessageBegin, (CK_SESSION_HANDLE hSession,
				   CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
				   CK_BYTE_PTR pAssociatedData,
				   CK_ULONG ulAssociatedDataLen));
EP11_CK_FN(C_DecryptMessageNext, (CK_SESSION_HANDLE hSession,
				  CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
				  CK_BYTE_PTR pCiphertextPart,
				  CK_ULONG ulCiphertextPartLen,
				  CK_BYTE_PTR pPlaintextPart,
				  CK_ULONG_PTR pulPlaintextPartLen, CK_FLAGS flags));
EP11_CK_FN(C_MessageDecryptFinal, (CK_SESSION_HANDLE hSession));
EP11_CK_FN(C_MessageSignInit, (CK_SESSION_HANDLE hSession,
			       CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey));
EP11_CK_FN(C_SignMessage, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
			   CK_ULONG ulParameterLen, CK_BYTE_PTR pData,
			   CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
			   CK_ULONG_PTR pulSignatureLen));
EP11_CK_FN(C_SignMessageBegin, (CK_SESSION_HANDLE hSession,
				CK_VOID_PTR pParameter, CK_ULONG ulParameterLen));
EP11_CK_FN(C_SignMessageNext, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
			       CK_ULONG ulParameterLen, CK_BYTE_PTR pData,
			       CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
			       CK_ULONG_PTR pulSignatureLen));
EP11_CK_FN(C_MessageSignFinal, (CK_SESSION_HANDLE hSession));
EP11_CK_FN(C_MessageVerifyInit, (CK_SESSION_HANDLE hSession,
				 CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey));
EP11_CK_FN(C_VerifyMessage, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
			     CK_ULONG ulParameterLen, CK_BYTE_PTR pData,
			     CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
			     CK_ULONG ulSignatureLen));
EP11_CK_FN(C_VerifyMessageBegin, (CK_SESSION_HANDLE hSession,
				  CK_VOID_PTR pParameter, CK_ULONG ulParameterLen));
EP11_CK_FN(C_VerifyMessageNext, (CK_SESSION_HANDLE hSession,
				 CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
				 CK_BYTE_PTR pData, CK_ULONG ulDataLen,
				 CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen));
EP11_CK_FN(C_MessageVerifyFinal, (CK_SESSION_HANDLE hSession));

/*
 * The 3.0 function list: the 2.40 list's members in their order, then
 * the 3.0 functions (PKCS#11 3.0, CK_FUNCTION_LIST_3_0).
 */
#define EP11_CK_LIST_240_MEMBERS \
	CK_C_Initialize C_Initialize; \
	CK_C_Finalize C_Finalize; \
	CK_C_GetInfo C_GetInfo; \
	CK_C_GetFunctionList C_GetFunctionList; \
	CK_C_GetSlotList C_GetSlotList; \
	CK_C_GetSlotInfo C_GetSlotInfo; \
	CK_C_GetTokenInfo C_GetTokenInfo; \
	CK_C_GetMechanismList C_GetMechanismList; \
	CK_C_GetMechanismInfo C_GetMechanismInfo; \
	CK_C_InitToken C_InitToken; \
	CK_C_InitPIN C_InitPIN; \
	CK_C_SetPIN C_SetPIN; \
	CK_C_OpenSession C_OpenSession; \
	CK_C_CloseSession C_CloseSession; \
	CK_C_CloseAllSessions C_CloseAllSessions; \
	CK_C_GetSessionInfo C_GetSessionInfo; \
	CK_C_GetOperationState C_GetOperationState; \
	CK_C_SetOperationState C_SetOperationState; \
	CK_C_Login C_Login; \
	CK_C_Logout C_Logout; \
	CK_C_CreateObject C_CreateObject; \
	CK_C_CopyObject C_CopyObject; \
	CK_C_DestroyObject C_DestroyObject; \
	CK_C_GetObjectSize C_GetObjectSize; \
	CK_C_GetAttributeValue C_GetAttributeValue; \
	CK_C_SetAttributeValue C_SetAttributeValue; \
	CK_C_FindObjectsInit C_FindObjectsInit; \
	CK_C_FindObjects C_FindObjects; \
	CK_C_FindObjectsFinal C_FindObjectsFinal; \
	CK_C_EncryptInit C_EncryptInit; \
	CK_C_Encrypt C_Encrypt; \
	CK_C_EncryptUpdate C_EncryptUpdate; \
	CK_C_EncryptFinal C_EncryptFinal; \
	CK_C_DecryptInit C_DecryptInit; \
	CK_C_Decrypt C_Decrypt; \
	CK_C_DecryptUpdate C_DecryptUpdate; \
	CK_C_DecryptFinal C_DecryptFinal; \
	CK_C_DigestInit C_DigestInit; \
	CK_C_Digest C_Digest; \
	CK_C_DigestUpdate C_DigestUpdate; \
	CK_C_DigestKey C_DigestKey; \
	CK_C_DigestFinal C_DigestFinal; \
	CK_C_SignInit C_SignInit; \
	CK_C_Sign C_Sign; \
	CK_C_SignUpdate C_SignUpdate; \
	CK_C_SignFinal C_SignFinal; \
	CK_C_SignRecoverInit C_SignRecoverInit; \
	CK_C_SignRecover C_SignRecover; \
	CK_C_VerifyInit C_VerifyInit; \
	CK_C_Verify C_Verify; \
	CK_C_VerifyUpdate C_VerifyUpdate; \
	CK_C_VerifyFinal C_VerifyFinal; \
	CK_C_VerifyRecoverInit C_VerifyRecoverInit; \
	CK_C_VerifyRecover C_VerifyRecover; \
	CK_C_DigestEncryptUpdate C_DigestEncryptUpdate; \
	CK_C_DecryptDigestUpdate C_DecryptDigestUpdate; \
	CK_C_SignEncryptUpdate C_SignEncryptUpdate; \
	CK_C_DecryptVerifyUpdate C_DecryptVerifyUpdate; \
	CK_C_GenerateKey C_GenerateKey; \
	CK_C_GenerateKeyPair C_GenerateKeyPair; \
	CK_C_WrapKey C_WrapKey; \
	CK_C_UnwrapKey C_UnwrapKey; \
	CK_C_DeriveKey C_DeriveKey; \
	CK_C_SeedRandom C_SeedRandom; \
	CK_C_GenerateRandom C_GenerateRandom; \
	CK_C_GetFunctionStatus C_GetFunctionStatus; \
	CK_C_CancelFunction C_CancelFunction; \
	CK_C_WaitForSlotEvent C_WaitForSlotEvent

typedef struct CK_FUNCTION_LIST_3_0 {
	CK_VERSION version;
	EP11_CK_LIST_240_MEMBERS;
	CK_C_GetInterfaceList C_GetInterfaceList;
	CK_C_GetInterface C_GetInterface;
	CK_C_LoginUser C_LoginUser;
	CK_C_SessionCancel C_SessionCancel;
	CK_C_MessageEncryptInit C_MessageEncryptInit;
	CK_C_EncryptMessage C_EncryptMessage;
	CK_C_EncryptMessageBegin C_EncryptMessageBegin;
	CK_C_EncryptMessageNext C_EncryptMessageNext;
	CK_C_MessageEncryptFinal C_MessageEncryptFinal;
	CK_C_MessageDecryptInit C_MessageDecryptInit;
	CK_C_DecryptMessage C_DecryptMessage;
	CK_C_DecryptMessageBegin C_DecryptMessageBegin;
	CK_C_DecryptMessageNext C_DecryptMessageNext;
	CK_C_MessageDecryptFinal C_MessageDecryptFinal;
	CK_C_MessageSignInit C_MessageSignInit;
	CK_C_SignMessage C_SignMessage;
	CK_C_SignMessageBegin C_SignMessageBegin;
	CK_C_SignMessageNext C_SignMessageNext;
	CK_C_MessageSignFinal C_MessageSignFinal;
	CK_C_MessageVerifyInit C_MessageVerifyInit;
	CK_C_VerifyMessage C_VerifyMessage;
	CK_C_VerifyMessageBegin C_VerifyMessageBegin;
	CK_C_VerifyMessageNext C_VerifyMessageNext;
	CK_C_MessageVerifyFinal C_MessageVerifyFinal;
} CK_FUNCTION_LIST_3_0;
typedef CK_FUNCTION_LIST_3_0 *CK_FUNCTION_LIST_3_0_PTR;

#endif /* EP11SESS_PKCS11_3_H */
