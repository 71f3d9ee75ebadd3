// SPDX-License-Identifier: GPL-2.0
/*
 * GetAttributeValue (39): (key blob, u32 CKA_* types as one string) ->
 * (template of those attributes).  An empty list asks for every
 * attribute the blob holds.  Key values (CKA_VALUE, the private parts
 * of RSA keys) come out only of keys with CKA_SENSITIVE false and
 * CKA_EXTRACTABLE true: else CKR_ATTRIBUTE_SENSITIVE.  A type the key
 * does not have: CKR_ATTRIBUTE_TYPE_INVALID.  The first attribute that
 * cannot be returned decides the code, and nothing is returned.
 */
#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include "card.h"
#include "fw_crypto.h"

/* The private values of a key and their OpenSSL names, by key type. */
static const struct {
	u32 key_type;
	u32 type;
	const char *name;
	bool octets;
} secret_parts[] = {
	{ CKK_RSA, CKA_PRIVATE_EXPONENT, OSSL_PKEY_PARAM_RSA_D, false },
	{ CKK_RSA, CKA_PRIME_1, OSSL_PKEY_PARAM_RSA_FACTOR1, false },
	{ CKK_RSA, CKA_PRIME_2, OSSL_PKEY_PARAM_RSA_FACTOR2, false },
	{ CKK_RSA, CKA_EXPONENT_1, OSSL_PKEY_PARAM_RSA_EXPONENT1, false },
	{ CKK_RSA, CKA_EXPONENT_2, OSSL_PKEY_PARAM_RSA_EXPONENT2, false },
	{ CKK_RSA, CKA_COEFFICIENT, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, false },
	{ CKK_EC, CKA_VALUE, OSSL_PKEY_PARAM_PRIV_KEY, false },
	{ CKK_EC_EDWARDS, CKA_VALUE, OSSL_PKEY_PARAM_PRIV_KEY, true },
};

#define NPARTS	(ARRAY_SIZE(secret_parts))

static bool is_secret_part(const struct fw_key *key, u32 type)
{
	u32 cls = fw_key_ulong(key, CKA_CLASS);
	unsigned int i;

	if (cls == CKO_SECRET_KEY)
		return type == CKA_VALUE;
	if (cls != CKO_PRIVATE_KEY)
		return false;
	for (i = 0; i < NPARTS; i++)
		if (secret_parts[i].type == type)
			return true;
	return false;
}

/* Adds the private value @type of a private key to @out. */
static u32 add_private_part(const struct fw_key *key, u32 type,
			    struct fw_attrs *out)
{
	u32 kt = fw_key_ulong(key, CKA_KEY_TYPE);
	u8 buf[600];
	EVP_PKEY *pkey;
	BIGNUM *bn = NULL;
	size_t len = 0;
	unsigned int i;
	u32 rc = EP11_CKR_ATTRIBUTE_TYPE_INVALID;
	int ok = 0;

	for (i = 0; i < NPARTS; i++)
		if (secret_parts[i].key_type == kt &&
		    secret_parts[i].type == type)
			break;
	if (i == NPARTS)
		return rc;
	pkey = fw_key_pkey(key);
	if (!pkey)
		return EP11_CKR_IBM_BLOB_ERROR;
	if (secret_parts[i].octets) {
		ok = EVP_PKEY_get_octet_string_param(pkey,
						     secret_parts[i].name,
						     buf, sizeof(buf), &len);
	} else if (EVP_PKEY_get_bn_param(pkey, secret_parts[i].name, &bn) &&
		   BN_num_bytes(bn) <= (int)sizeof(buf)) {
		len = BN_bn2bin(bn, buf);
		ok = 1;
	}
	rc = ok ? fw_attrs_set(out, type, buf, len) : EP11_CKR_DEVICE_ERROR;
	BN_clear_free(bn);
	OPENSSL_cleanse(buf, sizeof(buf));
	EVP_PKEY_free(pkey);
	return rc;
}

static u32 add_attr(const struct fw_key *key, u32 type, struct fw_attrs *out)
{
	const struct fw_attr *a;

	if (is_secret_part(key, type)) {
		if (fw_key_bool(key, CKA_SENSITIVE) ||
		    !fw_key_bool(key, CKA_EXTRACTABLE))
			return EP11_CKR_ATTRIBUTE_SENSITIVE;
		if (fw_key_ulong(key, CKA_CLASS) == CKO_SECRET_KEY)
			return fw_attrs_set(out, type, key->material,
					    key->material_len);
		return add_private_part(key, type, out);
	}
	a = fw_attrs_find(&key->attrs, type);
	if (!a)
		return EP11_CKR_ATTRIBUTE_TYPE_INVALID;
	return fw_attrs_set(out, type, a->val, a->len);
}

static u32 get_attribute_value(struct fw_req *req, struct ep11_wbuf *rep)
{
	const struct fw_param *list = &req->param[1];
	struct fw_attrs out = { 0 };
	struct fw_key key = { 0 };
	unsigned int i;
	u8 *buf = NULL;
	u32 rc, type;
	int len = 0;

	if (list->n % 4 || list->n / 4 > FW_MAX_ATTRS)
		return EP11_CKR_ARGUMENTS_BAD;
	rc = fw_key_open(req, &req->param[0], &key);
	if (rc)
		return rc;
	for (i = 0; !rc && i < list->n / 4; i++) {
		type = (u32)list->p[4 * i] << 24 |
		       (u32)list->p[4 * i + 1] << 16 |
		       (u32)list->p[4 * i + 2] << 8 | list->p[4 * i + 3];
		rc = add_attr(&key, type, &out);
	}
	for (i = 0; !rc && !list->n && i < key.attrs.n; i++)
		rc = add_attr(&key, key.attrs.a[i].type, &out);
	if (rc)
		goto out;
	len = fw_attrs_encode(&out, NULL, 0);
	buf = malloc(len + 1);
	if (!buf) {
		rc = EP11_CKR_HOST_MEMORY;
		goto out;
	}
	fw_attrs_encode(&out, buf, len);
	ep11_wire_put(rep, buf, len);
out:
	if (buf) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	fw_attrs_free(&out);
	fw_key_free(&key);
	return rc;
}

static const struct fw_fn attrval_fns[] = {
	{ EP11_FN_GET_ATTRIBUTE_VALUE, get_attribute_value },
};

const struct fw_fn_group fw_group_attrval = FW_FN_GROUP(attrval_fns);
