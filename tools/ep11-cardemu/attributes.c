// SPDX-License-Identifier: GPL-2.0
/*
 * Attribute sets and their template encoding: (u32 type, u32 length,
 * value) triples, big-endian.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "card.h"

static u32 get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static void put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

void fw_attrs_free(struct fw_attrs *as)
{
	unsigned int i;

	for (i = 0; i < as->n; i++) {
		if (as->a[i].val)
			OPENSSL_cleanse(as->a[i].val, as->a[i].len);
		free(as->a[i].val);
	}
	memset(as, 0, sizeof(*as));
}

const struct fw_attr *fw_attrs_find(const struct fw_attrs *as, u32 type)
{
	unsigned int i;

	for (i = 0; i < as->n; i++)
		if (as->a[i].type == type)
			return &as->a[i];
	return NULL;
}

u32 fw_attrs_set(struct fw_attrs *as, u32 type, const void *val, size_t len)
{
	struct fw_attr *a = (struct fw_attr *)fw_attrs_find(as, type);
	u8 *copy;

	if (len > FW_MAX_ATTR_LEN || (!a && as->n >= FW_MAX_ATTRS))
		return EP11_CKR_TEMPLATE_INCONSISTENT;
	/* One byte more so that an empty value still gets a pointer. */
	copy = malloc(len + 1);
	if (!copy)
		return EP11_CKR_HOST_MEMORY;
	if (len)
		memcpy(copy, val, len);
	if (!a) {
		a = &as->a[as->n++];
	} else if (a->val) {
		OPENSSL_cleanse(a->val, a->len);
		free(a->val);
	}
	a->type = type;
	a->len = len;
	a->val = copy;
	return EP11_CKR_OK;
}

u32 fw_attrs_set_bool(struct fw_attrs *as, u32 type, bool v)
{
	u8 b = v;

	return fw_attrs_set(as, type, &b, 1);
}

u32 fw_attrs_set_ulong(struct fw_attrs *as, u32 type, u32 v)
{
	u8 be[4];

	put_be32(be, v);
	return fw_attrs_set(as, type, be, sizeof(be));
}

u32 fw_attrs_get_bool(const struct fw_attrs *as, u32 type, bool dflt,
		      bool *v)
{
	const struct fw_attr *a = fw_attrs_find(as, type);

	if (!a) {
		*v = dflt;
		return EP11_CKR_OK;
	}
	if (a->len != 1 || a->val[0] > 1)
		return EP11_CKR_ATTRIBUTE_VALUE_INVALID;
	*v = a->val[0];
	return EP11_CKR_OK;
}

u32 fw_attrs_get_ulong(const struct fw_attrs *as, u32 type, u32 *v)
{
	const struct fw_attr *a = fw_attrs_find(as, type);

	if (!a)
		return EP11_CKR_TEMPLATE_INCOMPLETE;
	if (a->len != 4)
		return EP11_CKR_ATTRIBUTE_VALUE_INVALID;
	*v = get_be32(a->val);
	return EP11_CKR_OK;
}

u32 fw_attrs_parse(struct fw_attrs *as, const u8 *p, size_t n)
{
	size_t pos = 0;
	u32 type, len, rc;

	fw_attrs_free(as);
	while (pos < n) {
		if (n - pos < 8)
			goto bad;
		type = get_be32(p + pos);
		len = get_be32(p + pos + 4);
		pos += 8;
		if (len > n - pos || fw_attrs_find(as, type))
			goto bad;
		rc = fw_attrs_set(as, type, p + pos, len);
		if (rc) {
			fw_attrs_free(as);
			return rc;
		}
		pos += len;
	}
	return EP11_CKR_OK;
bad:
	fw_attrs_free(as);
	return EP11_CKR_TEMPLATE_INCONSISTENT;
}

int fw_attrs_encode(const struct fw_attrs *as, u8 *out, size_t cap)
{
	size_t need = 0, pos = 0;
	unsigned int i;

	for (i = 0; i < as->n; i++)
		need += 8 + as->a[i].len;
	if (!out)
		return need;
	if (need > cap)
		return -EMSGSIZE;
	for (i = 0; i < as->n; i++) {
		put_be32(out + pos, as->a[i].type);
		put_be32(out + pos + 4, as->a[i].len);
		memcpy(out + pos + 8, as->a[i].val, as->a[i].len);
		pos += 8 + as->a[i].len;
	}
	return need;
}
