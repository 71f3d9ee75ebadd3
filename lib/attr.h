/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attr.h: attribute lists in host form, and the one table of every
 * attribute libcryptoki knows (its value kind, and what the card's wire
 * form of it is).  Card templates (card.c), the token store (store.c) and
 * the object layer (object.c) all go through this table.
 */
#ifndef CK_ATTR_H
#define CK_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkcs11_3.h"

/* What a value of an attribute is. */
enum ck_attr_kind {
	CK_ATTR_BYTES,		/* a byte string (CKA_LABEL, CKA_ID, ...) */
	CK_ATTR_BOOL,		/* CK_BBOOL: 1 byte host, 1 byte wire */
	CK_ATTR_ULONG,		/* CK_ULONG: host size, 4 bytes BE on wire */
	CK_ATTR_DATE,		/* CK_DATE: 8 bytes, or empty */
	CK_ATTR_BIGINT,		/* big-endian integer bytes */
	CK_ATTR_ATTRS,		/* CK_ATTRIBUTE array (wrap/unwrap/derive templates) */
	CK_ATTR_MECHS,		/* CK_MECHANISM_TYPE array */
};

/* Flags of an attribute in the table. */
#define CK_AF_SENSITIVE	(1U << 0) /* key material: never stored in clear */
#define CK_AF_CARD	(1U << 1) /* the card keeps it in the key blob */

/**
 * struct ck_attr_def - one attribute libcryptoki knows
 * @type:  the CKA_* value
 * @name:  its name, for messages
 * @kind:  its value kind
 * @flags: CK_AF_* flags
 */
struct ck_attr_def {
	CK_ATTRIBUTE_TYPE type;
	const char *name;
	enum ck_attr_kind kind;
	unsigned int flags;
};

/* The table entry of @type, or NULL for an attribute libcryptoki does not know. */
const struct ck_attr_def *ck_attr_def(CK_ATTRIBUTE_TYPE type);

/*
 * An attribute list in host form: each value owned by the list, CK_ULONG
 * values host-sized, CK_BBOOL one byte.  Types are unique.
 */
struct ck_attrs {
	CK_ATTRIBUTE *v;
	size_t n, cap;
};

/* Sets (adds or replaces) @type to a copy of @len bytes at @val. 0 or -ENOMEM. */
int ck_attrs_set(struct ck_attrs *a, CK_ATTRIBUTE_TYPE type, const void *val,
		 CK_ULONG len);
int ck_attrs_set_bool(struct ck_attrs *a, CK_ATTRIBUTE_TYPE type, bool v);
int ck_attrs_set_ulong(struct ck_attrs *a, CK_ATTRIBUTE_TYPE type, CK_ULONG v);
/* Removes @type if present. */
void ck_attrs_del(struct ck_attrs *a, CK_ATTRIBUTE_TYPE type);
/* The attribute @type, or NULL. */
const CK_ATTRIBUTE *ck_attrs_get(const struct ck_attrs *a, CK_ATTRIBUTE_TYPE type);
/* @type's value as a CK_BBOOL (@dflt when absent or malformed). */
bool ck_attrs_bool(const struct ck_attrs *a, CK_ATTRIBUTE_TYPE type, bool dflt);
/* @type's value as a CK_ULONG (@dflt when absent or malformed). */
CK_ULONG ck_attrs_ulong(const struct ck_attrs *a, CK_ATTRIBUTE_TYPE type,
			CK_ULONG dflt);
/* Copies @src's attributes into @dst, replacing those of the same type. */
int ck_attrs_merge(struct ck_attrs *dst, const struct ck_attrs *src);
/* A deep copy.  0 or -ENOMEM. */
int ck_attrs_dup(struct ck_attrs *dst, const struct ck_attrs *src);
/* Frees every value (cleared first) and the array; @a is empty after. */
void ck_attrs_free(struct ck_attrs *a);

/*
 * Checks a caller's template: pValue/ulValueLen consistent, every known
 * attribute's value of its kind's size (CK_BBOOL 1 byte and 0/1, CK_ULONG
 * sizeof(CK_ULONG), CK_DATE 0 or 8 bytes), no type twice.  Returns CKR_OK,
 * CKR_ARGUMENTS_BAD (NULL template with a count), CKR_ATTRIBUTE_VALUE_INVALID
 * or CKR_TEMPLATE_INCONSISTENT (duplicate), and copies the template into
 * @out (which must be empty) on success.
 */
CK_RV ck_attrs_from_template(struct ck_attrs *out, const CK_ATTRIBUTE *tmpl,
			     CK_ULONG count);

/*
 * The store's serial form: a versioned, host-independent encoding (type
 * u64 BE, length u32 BE, value; CK_ULONG values as u64 BE).  Decoding
 * checks every length and fails with -EINVAL on anything malformed.
 */
int ck_attrs_serialize(const struct ck_attrs *a, unsigned char **out,
		       size_t *outlen);
int ck_attrs_deserialize(struct ck_attrs *a, const unsigned char *p, size_t n);

#endif /* CK_ATTR_H */
