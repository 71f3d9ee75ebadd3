/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ep11sess-cryptoki.h: the vendor interface of libcryptoki, the ep11sess
 * PKCS#11 library.  A C program gets it with
 *
 *	CK_INTERFACE_PTR iface;
 *	C_GetInterface((CK_UTF8CHAR_PTR)EP11SESS_VENDOR_INTERFACE, NULL,
 *		       &iface, 0);
 *	const EP11SESS_FUNCTION_LIST *f = iface->pFunctionList;
 *
 * and needs no other library to see the card's session budget and end
 * its own EP11 sessions.  Every EP11_* function needs C_Initialize first
 * (CKR_CRYPTOKI_NOT_INITIALIZED otherwise) and follows the PKCS#11
 * count+buffer idiom: a NULL buffer gives the count, a short one
 * CKR_BUFFER_TOO_SMALL with the count needed.
 *
 * The library also exports SafeNet Luna's application id functions under
 * their own names (CA_SetApplicationID, CA_OpenApplicationID,
 * CA_CloseApplicationID), for programs written against Luna's API, and
 * has them in the vendor interface from version 1.1 on.
 * ep11sess-pkcs11(7), "APPLICATION IDS", describes them.
 */
#ifndef EP11SESS_CRYPTOKI_H
#define EP11SESS_CRYPTOKI_H

#include <linux/ep11sess.h>
#include <p11-kit/pkcs11.h>

#define EP11SESS_VENDOR_INTERFACE	"Vendor ep11sess"

/*
 * The entry sizes of EP11_GetStatus and EP11_ListSessions (versions 1.0
 * and 1.1): those two always write entries of exactly these sizes, the
 * first layouts of struct ep11sess_apqn_status and struct
 * ep11sess_session_info they were published with, whatever the structs
 * in a newer linux/ep11sess.h hold.  A program that wants the newer
 * fields, or one built against an older header, uses the *Sized
 * functions of version 1.2, which take the caller's entry size.
 */
#define EP11SESS_VENDOR_APQN_STATUS_SIZE_1_0	264
#define EP11SESS_VENDOR_SESSION_INFO_SIZE_1_0	216
/* The largest entry size the *Sized functions take. */
#define EP11SESS_VENDOR_ENTRY_SIZE_MAX		4096

/**
 * CA_SetApplicationID() - the process's application id
 * @ulHigh: its major part, 0-0xffffffff (CKR_ARGUMENTS_BAD beyond)
 * @ulLow:  its minor part, 0-0xffffffff
 *
 * Before C_Initialize (as Luna requires), or after it while the process
 * has no session open (CKR_SESSION_EXISTS otherwise): the id replaces the
 * configuration's app_id on every token but strict ones.  The processes
 * of one id and scope on a token share one login state.  Kept across
 * C_Finalize and C_Initialize.  CKR_FUNCTION_NOT_SUPPORTED after
 * C_Initialize when the ep11sess module has no named logins (before it,
 * C_Initialize then fails, naming the token).
 */
CK_RV CA_SetApplicationID(CK_ULONG ulHigh, CK_ULONG ulLow);

/**
 * CA_OpenApplicationID() - keep an application id's login alive
 * @slotID: the token
 * @ulHigh: the id's major part
 * @ulLow:  the id's minor part
 *
 * Places a keep-alive hold, owned by the kernel, on the id's live login
 * on the token (in the process's scope), so that it stays logged in with
 * no process left, until CA_CloseApplicationID(), a C_Logout of the id,
 * an administrator's logout or the token's app_id_keep_ms time-to-live.
 * Without a live login yet, the hold is placed on the first one this
 * process sees.  CKR_FUNCTION_NOT_SUPPORTED on a strict token or without
 * named logins.
 */
CK_RV CA_OpenApplicationID(CK_SLOT_ID slotID, CK_ULONG ulHigh, CK_ULONG ulLow);

/**
 * CA_CloseApplicationID() - end CA_OpenApplicationID's hold
 * @slotID: the token
 * @ulHigh: the id's major part
 * @ulLow:  the id's minor part
 *
 * Releases the keep-alive hold of the id's login on the token (and
 * forgets a hold still waiting for one): once no process holds the login
 * either, it is logged out.  CKR_OK when there was none.
 */
CK_RV CA_CloseApplicationID(CK_SLOT_ID slotID, CK_ULONG ulHigh, CK_ULONG ulLow);

typedef struct EP11SESS_FUNCTION_LIST {
	/**
	 * @version: 1.2 (the functions below); C_GetInterface also gives
	 * version 1.1 (up to CA_CloseApplicationID) and 1.0 (the first
	 * three only) to a caller that asks for them by number
	 */
	CK_VERSION version;
	/**
	 * @EP11_GetStatus: every APQN the driver knows, as struct
	 * ep11sess_apqn_status (include/uapi/linux/ep11sess.h): the card's
	 * max and available sessions (asked of the card now), sessions held
	 * on this host, pending logouts and counters.  Entries of
	 * %EP11SESS_VENDOR_APQN_STATUS_SIZE_1_0 bytes each.
	 */
	CK_RV (*EP11_GetStatus)(struct ep11sess_apqn_status *entries,
				CK_ULONG_PTR count);
	/**
	 * @EP11_ListSessions: this process's EP11 sessions (@all false), or
	 * every session of the host (@all true, CAP_SYS_ADMIN, else
	 * CKR_FUNCTION_REJECTED): public id, APQNs and their states, owner.
	 * Entries of %EP11SESS_VENDOR_SESSION_INFO_SIZE_1_0 bytes each.
	 */
	CK_RV (*EP11_ListSessions)(CK_BBOOL all,
				   struct ep11sess_session_info *entries,
				   CK_ULONG_PTR count);
	/**
	 * @EP11_Logout: logs out the EP11 session with this 16-byte public
	 * id.  Without @privileged, one of this process's own (the PKCS#11
	 * login it served drops to public; CKR_ARGUMENTS_BAD when this
	 * process holds none such); with @privileged, any session of the host
	 * (CAP_SYS_ADMIN, else CKR_FUNCTION_REJECTED; its holders get
	 * CKR_USER_NOT_LOGGED_IN on their next request).
	 */
	CK_RV (*EP11_Logout)(const CK_BYTE *public_id, CK_BBOOL privileged);
	/** @CA_SetApplicationID: as the exported function (1.1) */
	CK_RV (*CA_SetApplicationID)(CK_ULONG ulHigh, CK_ULONG ulLow);
	/** @CA_OpenApplicationID: as the exported function (1.1) */
	CK_RV (*CA_OpenApplicationID)(CK_SLOT_ID slotID, CK_ULONG ulHigh,
				      CK_ULONG ulLow);
	/** @CA_CloseApplicationID: as the exported function (1.1) */
	CK_RV (*CA_CloseApplicationID)(CK_SLOT_ID slotID, CK_ULONG ulHigh,
				       CK_ULONG ulLow);
	/**
	 * @EP11_GetStatusSized: as EP11_GetStatus, in entries of
	 * @entry_size bytes (1.2): pass sizeof(struct ep11sess_apqn_status)
	 * of the header the program is built with.  The library writes
	 * what it knows of each entry up to @entry_size and zero-fills the
	 * rest; @entry_size below %EP11SESS_APQN_STATUS_SIZE_VER1 or above
	 * %EP11SESS_VENDOR_ENTRY_SIZE_MAX is CKR_ARGUMENTS_BAD.
	 */
	CK_RV (*EP11_GetStatusSized)(void *entries, CK_ULONG entry_size,
				     CK_ULONG_PTR count);
	/**
	 * @EP11_ListSessionsSized: as EP11_ListSessions, in entries of
	 * @entry_size bytes (1.2), at least
	 * %EP11SESS_SESSION_INFO_SIZE_VER1 and at most
	 * %EP11SESS_VENDOR_ENTRY_SIZE_MAX (CKR_ARGUMENTS_BAD otherwise).
	 */
	CK_RV (*EP11_ListSessionsSized)(CK_BBOOL all, void *entries,
					CK_ULONG entry_size,
					CK_ULONG_PTR count);
} EP11SESS_FUNCTION_LIST;

#endif /* EP11SESS_CRYPTOKI_H */
