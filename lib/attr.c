// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * attr.c: attribute lists in host form and the table of known attributes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "attr.h"

#define A(t, k, f) { t, #t, k, f }
static const struct ck_attr_def attr_defs[] = {
	A(CKA_CLASS, CK_ATTR_ULONG, 0),
	A(CKA_TOKEN, CK_ATTR_BOOL, 0),
	A(CKA_PRIVATE, CK_ATTR_BOOL, 0),
	A(CKA_LABEL, CK_ATTR_BYTES, 0),
	A(CKA_UNIQUE_ID, CK_ATTR_BYTES, 0),
	A(CKA_APPLICATION, CK_ATTR_BYTES, 0),
	A(CKA_VALUE, CK_ATTR_BYTES, CK_AF_SENSITIVE),
	A(CKA_OBJECT_ID, CK_ATTR_BYTES, 0),
	A(CKA_CERTIFICATE_TYPE, CK_ATTR_ULONG, 0),
	A(CKA_ISSUER, CK_ATTR_BYTES, 0),
	A(CKA_SERIAL_NUMBER, CK_ATTR_BYTES, 0),
	A(CKA_AC_ISSUER, CK_ATTR_BYTES, 0),
	A(CKA_OWNER, CK_ATTR_BYTES, 0),
	A(CKA_ATTR_TYPES, CK_ATTR_BYTES, 0),
	A(CKA_TRUSTED, CK_ATTR_BOOL, 0),
	A(CKA_CERTIFICATE_CATEGORY, CK_ATTR_ULONG, 0),
	A(CKA_JAVA_MIDP_SECURITY_DOMAIN, CK_ATTR_ULONG, 0),
	A(CKA_URL, CK_ATTR_BYTES, 0),
	A(CKA_HASH_OF_SUBJECT_PUBLIC_KEY, CK_ATTR_BYTES, 0),
	A(CKA_HASH_OF_ISSUER_PUBLIC_KEY, CK_ATTR_BYTES, 0),
	A(CKA_NAME_HASH_ALGORITHM, CK_ATTR_ULONG, 0),
	A(CKA_CHECK_VALUE, CK_ATTR_BYTES, 0),
	A(CKA_KEY_TYPE, CK_ATTR_ULONG, CK_AF_CARD),
	A(CKA_SUBJECT, CK_ATTR_BYTES, CK_AF_CARD),
	A(CKA_ID, CK_ATTR_BYTES, CK_AF_CARD),
	A(CKA_SENSITIVE, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_ENCRYPT, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_DECRYPT, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_WRAP, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_UNWRAP, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_SIGN, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_SIGN_RECOVER, CK_ATTR_BOOL, 0),
	A(CKA_VERIFY, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_VERIFY_RECOVER, CK_ATTR_BOOL, 0),
	A(CKA_DERIVE, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_START_DATE, CK_ATTR_DATE, CK_AF_CARD),
	A(CKA_END_DATE, CK_ATTR_DATE, CK_AF_CARD),
	A(CKA_MODULUS, CK_ATTR_BIGINT, CK_AF_CARD),
	A(CKA_MODULUS_BITS, CK_ATTR_ULONG, CK_AF_CARD),
	A(CKA_PUBLIC_EXPONENT, CK_ATTR_BIGINT, CK_AF_CARD),
	A(CKA_PRIVATE_EXPONENT, CK_ATTR_BIGINT, CK_AF_SENSITIVE),
	A(CKA_PRIME_1, CK_ATTR_BIGINT, CK_AF_SENSITIVE),
	A(CKA_PRIME_2, CK_ATTR_BIGINT, CK_AF_SENSITIVE),
	A(CKA_EXPONENT_1, CK_ATTR_BIGINT, CK_AF_SENSITIVE),
	A(CKA_EXPONENT_2, CK_ATTR_BIGINT, CK_AF_SENSITIVE),
	A(CKA_COEFFICIENT, CK_ATTR_BIGINT, CK_AF_SENSITIVE),
	A(CKA_PUBLIC_KEY_INFO, CK_ATTR_BYTES, CK_AF_CARD),
	A(CKA_PRIME, CK_ATTR_BIGINT, 0),
	A(CKA_SUBPRIME, CK_ATTR_BIGINT, 0),
	A(CKA_BASE, CK_ATTR_BIGINT, 0),
	A(CKA_PRIME_BITS, CK_ATTR_ULONG, 0),
	A(CKA_SUB_PRIME_BITS, CK_ATTR_ULONG, 0),
	A(CKA_VALUE_BITS, CK_ATTR_ULONG, 0),
	A(CKA_VALUE_LEN, CK_ATTR_ULONG, CK_AF_CARD),
	A(CKA_EXTRACTABLE, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_LOCAL, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_NEVER_EXTRACTABLE, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_ALWAYS_SENSITIVE, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_KEY_GEN_MECHANISM, CK_ATTR_ULONG, CK_AF_CARD),
	A(CKA_MODIFIABLE, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_COPYABLE, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_DESTROYABLE, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_EC_PARAMS, CK_ATTR_BYTES, CK_AF_CARD),
	A(CKA_EC_POINT, CK_ATTR_BYTES, CK_AF_CARD),
	A(CKA_ALWAYS_AUTHENTICATE, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_WRAP_WITH_TRUSTED, CK_ATTR_BOOL, CK_AF_CARD),
	A(CKA_WRAP_TEMPLATE, CK_ATTR_ATTRS, 0),
	A(CKA_UNWRAP_TEMPLATE, CK_ATTR_ATTRS, 0),
	A(CKA_DERIVE_TEMPLATE, CK_ATTR_ATTRS, 0),
	A(CKA_ALLOWED_MECHANISMS, CK_ATTR_MECHS, 0),
};
#undef A

const struct ck_attr_def *ck_attr_def(CK_ATTRIBUTE_TYPE type)
{
	size_t i;

	for (i = 0; i < sizeof(attr_defs) / sizeof(attr_defs[0]); i++)
		if (attr_defs[i].type == type)
			return &attr_defs[i];
	return NULL;
}

static CK_ATTRIBUTE *find(const struct ck_attrs *a, CK_ATTRIBUTE_TYPE type)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->v[i].type == type)
			return &a->v[i];
	return NULL;
}

const CK_ATTRIBUTE *ck_attrs_get(const struct ck_attrs *a, CK_ATTRIBUTE_TYPE type)
{
	return find(a, type);
}

int ck_attrs_set(struct ck_attrs *a, CK_ATTRIBUTE_TYPE type, const void *val,
		 CK_ULONG len)
{
	CK_ATTRIBUTE *at = find(a, type);
	void *copy = NULL;

	if (len) {
		copy = OPENSSL_malloc(len);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, val, len);
	}
	if (!at) {
		if (a->n == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 16;
			CK_ATTRIBUTE *v = realloc(a->v, cap * sizeof(*v));

			if (!v) {
				OPENSSL_free(copy);
				return -ENOMEM;
			}
			a->v = v;
			a->cap = cap;
		}
		at = &a->v[a->n++];
	} else {
		OPENSSL_clear_free(at->pValue, at->ulValueLen);
	}
	at->type = type;
	at->pValue = copy;
	at->ulValueLen = len;
	return 0;
}

int ck_attrs_set_bool(struct ck_attrs *a, CK_ATTRIBUTE_TYPE type, bool v)
{
	CK_BBOOL b = v ? CK_TRUE : CK_FALSE;

	return ck_attrs_set(a, type, &b, sizeof(b));
}

int ck_attrs_set_ulong(struct ck_attrs *a, CK_ATTRIBUTE_TYPE type, CK_ULONG v)
{
	return ck_attrs_set(a, type, &v, sizeof(v));
}

void ck_attrs_del(struct ck_attrs *a, CK_ATTRIBUTE_TYPE type)
{
	CK_ATTRIBUTE *at = find(a, type);

	if (!at)
		return;
	OPENSSL_clear_free(at->pValue, at->ulValueLen);
	*at = a->v[--a->n];
}

bool ck_attrs_bool(const struct ck_attrs *a, CK_ATTRIBUTE_TYPE type, bool dflt)
{
	const CK_ATTRIBUTE *at = find(a, type);

	if (!at || at->ulValueLen != sizeof(CK_BBOOL))
		return dflt;
	return *(const CK_BBOOL *)at->pValue != CK_FALSE;
}

CK_ULONG ck_attrs_ulong(const struct ck_attrs *a, CK_ATTRIBUTE_TYPE type,
			CK_ULONG dflt)
{
	const CK_ATTRIBUTE *at = find(a, type);
	CK_ULONG v;

	if (!at || at->ulValueLen != sizeof(CK_ULONG))
		return dflt;
	memcpy(&v, at->pValue, sizeof(v));
	return v;
}

int ck_attrs_merge(struct ck_attrs *dst, const struct ck_attrs *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		if (ck_attrs_set(dst, src->v[i].type, src->v[i].pValue,
				 src->v[i].ulValueLen))
			return -ENOMEM;
	return 0;
}

int ck_attrs_dup(struct ck_attrs *dst, const struct ck_attrs *src)
{
	memset(dst, 0, sizeof(*dst));
	if (ck_attrs_merge(dst, src)) {
		ck_attrs_free(dst);
		return -ENOMEM;
	}
	return 0;
}

void ck_attrs_free(struct ck_attrs *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		OPENSSL_clear_free(a->v[i].pValue, a->v[i].ulValueLen);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static CK_RV check_value(const CK_ATTRIBUTE *t)
{
	const struct ck_attr_def *d = ck_attr_def(t->type);

	if (!d)
		return CKR_OK;
	switch (d->kind) {
	case CK_ATTR_BOOL:
		if (t->ulValueLen != sizeof(CK_BBOOL) ||
		    *(const CK_BBOOL *)t->pValue > 1)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		break;
	case CK_ATTR_ULONG:
		if (t->ulValueLen != sizeof(CK_ULONG))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		break;
	case CK_ATTR_DATE:
		if (t->ulValueLen != 0 && t->ulValueLen != sizeof(CK_DATE))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		break;
	case CK_ATTR_ATTRS:
		if (t->ulValueLen % sizeof(CK_ATTRIBUTE))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		break;
	case CK_ATTR_MECHS:
		if (t->ulValueLen % sizeof(CK_MECHANISM_TYPE))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		break;
	default:
		break;
	}
	return CKR_OK;
}

CK_RV ck_attrs_from_template(struct ck_attrs *out, const CK_ATTRIBUTE *tmpl,
			     CK_ULONG count)
{
	CK_ULONG i;
	CK_RV rv;

	if (!tmpl && count)
		return CKR_ARGUMENTS_BAD;
	for (i = 0; i < count; i++) {
		const CK_ATTRIBUTE *t = &tmpl[i];
		const struct ck_attr_def *d = ck_attr_def(t->type);

		if (!t->pValue && t->ulValueLen)
			goto bad_args;
		if (t->ulValueLen > (1UL << 20))
			goto bad_value;
		if (find(out, t->type)) {
			ck_attrs_free(out);
			return CKR_TEMPLATE_INCONSISTENT;
		}
		rv = check_value(t);
		if (rv != CKR_OK) {
			ck_attrs_free(out);
			return rv;
		}
		/* Nested templates are kept as the caller gave them only
		 * when they hold no pointers we would have to follow. */
		if (d && d->kind == CK_ATTR_ATTRS && t->ulValueLen)
			goto bad_value;
		if (ck_attrs_set(out, t->type, t->pValue, t->ulValueLen)) {
			ck_attrs_free(out);
			return CKR_HOST_MEMORY;
		}
	}
	return CKR_OK;
bad_args:
	ck_attrs_free(out);
	return CKR_ARGUMENTS_BAD;
bad_value:
	ck_attrs_free(out);
	return CKR_ATTRIBUTE_VALUE_INVALID;
}

/* Serial form: "CKA1" | u32 count | { u64 type | u32 len | value }. */
#define SER_MAGIC	"CKA1"

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_u64(unsigned char *p, uint64_t v)
{
	put_u32(p, v >> 32);
	put_u32(p + 4, (uint32_t)v);
}

static uint64_t get_u64(const unsigned char *p)
{
	return (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
}

static bool is_ulong(CK_ATTRIBUTE_TYPE type)
{
	const struct ck_attr_def *d = ck_attr_def(type);

	return d && d->kind == CK_ATTR_ULONG;
}

int ck_attrs_serialize(const struct ck_attrs *a, unsigned char **out,
		       size_t *outlen)
{
	size_t n = 8, i, off;
	unsigned char *p;

	for (i = 0; i < a->n; i++)
		n += 12 + (is_ulong(a->v[i].type) ? 8 : a->v[i].ulValueLen);
	p = malloc(n);
	if (!p)
		return -ENOMEM;
	memcpy(p, SER_MAGIC, 4);
	put_u32(p + 4, (uint32_t)a->n);
	off = 8;
	for (i = 0; i < a->n; i++) {
		const CK_ATTRIBUTE *t = &a->v[i];

		put_u64(p + off, t->type);
		if (is_ulong(t->type) && t->ulValueLen == sizeof(CK_ULONG)) {
			CK_ULONG v;

			memcpy(&v, t->pValue, sizeof(v));
			put_u32(p + off + 8, 8);
			put_u64(p + off + 12, v);
			off += 20;
		} else {
			put_u32(p + off + 8, (uint32_t)t->ulValueLen);
			if (t->ulValueLen)
				memcpy(p + off + 12, t->pValue, t->ulValueLen);
			off += 12 + t->ulValueLen;
		}
	}
	*out = p;
	*outlen = off;
	return 0;
}

int ck_attrs_deserialize(struct ck_attrs *a, const unsigned char *p, size_t n)
{
	uint32_t count, i;
	size_t off = 8;

	memset(a, 0, sizeof(*a));
	if (n < 8 || memcmp(p, SER_MAGIC, 4))
		return -EINVAL;
	count = get_u32(p + 4);
	if (count > 1024)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		uint64_t type;
		uint32_t len;
		int err;

		if (n - off < 12)
			goto bad;
		type = get_u64(p + off);
		len = get_u32(p + off + 8);
		off += 12;
		if (len > n - off || type > (CK_ATTRIBUTE_TYPE)-1 ||
		    find(a, (CK_ATTRIBUTE_TYPE)type))
			goto bad;
		if (is_ulong((CK_ATTRIBUTE_TYPE)type) && len == 8) {
			uint64_t v = get_u64(p + off);

			if (v > (CK_ULONG)-1)
				goto bad;
			err = ck_attrs_set_ulong(a, (CK_ATTRIBUTE_TYPE)type,
						 (CK_ULONG)v);
		} else if (is_ulong((CK_ATTRIBUTE_TYPE)type)) {
			goto bad;
		} else {
			err = ck_attrs_set(a, (CK_ATTRIBUTE_TYPE)type, p + off,
					   len);
		}
		if (err)
			goto bad;
		off += len;
	}
	if (off != n)
		goto bad;
	return 0;
bad:
	ck_attrs_free(a);
	return -EINVAL;
}
