/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * appid.h: application ids (SafeNet Luna's CA_SetApplicationID,
 * CA_OpenApplicationID, CA_CloseApplicationID and the host-wide AppIdMajor
 * and AppIdMinor) built on the kernel's named logins: the processes of one
 * application id on a token share one login state (ep11sess-pkcs11(7),
 * "APPLICATION IDS").  What needs no process state is here, for the host
 * tests; the rest is declared in module.h.
 */
#ifndef CK_APPID_H
#define CK_APPID_H

#include <stdint.h>

#include <linux/ep11sess.h>

/* What HKDF's info starts with; the id's two numbers follow. */
#define CK_APPID_INFO		"ep11sess application id v1"

/*
 * The name of the named login of application id @major.@minor on the
 * token whose store has serial @serial and salt @salt: the first
 * EP11SESS_NAME_LEN bytes of HKDF-SHA-256 (RFC 5869) with the salt as
 * HKDF's salt, the serial as its input key material and CK_APPID_INFO |
 * major (4 bytes, big-endian) | minor (4 bytes, big-endian) as its info.
 * Stable for a token and an id; another token (serial or salt) or another
 * id gives another name, and nobody without the store's salt can guess
 * one.  0, or -1 when OpenSSL fails or the name would be all zero (which
 * the kernel refuses).
 */
int ck_appid_name(const char serial[16], const uint8_t salt[32],
		  uint32_t major, uint32_t minor,
		  uint8_t name[EP11SESS_NAME_LEN]);

#endif /* CK_APPID_H */
