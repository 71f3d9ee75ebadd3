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
 * its own EP11 sessions.  Every function needs C_Initialize first
 * (CKR_CRYPTOKI_NOT_INITIALIZED otherwise) and follows the PKCS#11
 * count+buffer idiom: a NULL buffer gives the count, a short one
 * CKR_BUFFER_TOO_SMALL with the count needed.
 */
#ifndef EP11SESS_CRYPTOKI_H
#define EP11SESS_CRYPTOKI_H

#include <linux/ep11sess.h>
#include <p11-kit/pkcs11.h>

#define EP11SESS_VENDOR_INTERFACE	"Vendor ep11sess"

typedef struct EP11SESS_FUNCTION_LIST {
	/** @version: 1.0 */
	CK_VERSION version;
	/**
	 * @EP11_GetStatus: every APQN the driver knows, as struct
	 * ep11sess_apqn_status (include/uapi/linux/ep11sess.h): the card's
	 * max and available sessions (asked of the card now), sessions held
	 * on this host, pending logouts and counters.
	 */
	CK_RV (*EP11_GetStatus)(struct ep11sess_apqn_status *entries,
				CK_ULONG_PTR count);
	/**
	 * @EP11_ListSessions: this process's EP11 sessions (@all false), or
	 * every session of the host (@all true, CAP_SYS_ADMIN, else
	 * CKR_FUNCTION_REJECTED): public id, APQNs and their states, owner.
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
} EP11SESS_FUNCTION_LIST;

#endif /* EP11SESS_CRYPTOKI_H */
