/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * keys.h: keys on the card: generation, import of clear keys, the
 * attributes a new key object gets, public keys used locally.
 */
#ifndef CK_KEYS_H
#define CK_KEYS_H

#include "module.h"

/* Makes an object of @attrs (moved) and @blob (moved); lib lock held. */
CK_RV ck_object_new(struct ck_session *s, struct ck_attrs *attrs,
		    struct ck_buf *blob, uint32_t bind, CK_OBJECT_HANDLE *out);
/* R/W for token objects, USER login for private ones; lib lock held. */
CK_RV ck_object_check_new(struct ck_session *s, const struct ck_attrs *attrs);
/* A public key template of C_CreateObject holds a usable key. */
CK_RV ck_keys_check_public(const struct ck_attrs *a);
/* C_CreateObject of a secret or private key (takes the locks it needs). */
CK_RV ck_keys_import(struct ck_session *s, struct ck_attrs *a,
		     CK_OBJECT_HANDLE *out);
/* A non-sensitive, extractable key's value from the card; lib lock held. */
CK_RV ck_keys_read_value(struct ck_session *s, struct ck_object *o,
			 CK_ATTRIBUTE_TYPE type, struct ck_attrs *out);
/*
 * A copy of a key object's blob, the EP11 session it needs (0: none) and,
 * with @attrs, its attributes.  CKR_KEY_HANDLE_INVALID, or
 * CKR_USER_NOT_LOGGED_IN for a key bound to a session this application
 * is not logged in to.  Takes the lib lock.
 */
CK_RV ck_keys_take(struct ck_session *s, CK_OBJECT_HANDLE h, struct ck_buf *blob,
		   uint32_t *bind, struct ck_attrs *attrs);
/* The OpenSSL form of a public key object. */
CK_RV ck_keys_public_pkey(const struct ck_attrs *a, EVP_PKEY **out);

#endif /* CK_KEYS_H */
