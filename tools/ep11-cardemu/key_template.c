// SPDX-License-Identifier: GPL-2.0
/*
 * Key templates: which attributes a host may give a new key of each
 * class, the card's defaults, the attributes the card computes, and the
 * public attributes (modulus, curve, point, SubjectPublicKeyInfo) it
 * derives from an OpenSSL key.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "card.h"
#include "fw_crypto.h"

#define FW_UNAVAILABLE	0xffffffff

static const u8 oid_p256[] = {
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
};

static const u8 oid_p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };
static const u8 oid_p521[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23 };
static const u8 oid_ed25519[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };
/* PrintableString "edwards25519", which PKCS#11 3.0 also allows. */
static const u8 name_ed25519[] = {
	0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9',
};

static const struct fw_curve curves[] = {
	{ "prime256v1", oid_p256, sizeof(oid_p256), 256, CKK_EC },
	{ "secp384r1", oid_p384, sizeof(oid_p384), 384, CKK_EC },
	{ "secp521r1", oid_p521, sizeof(oid_p521), 521, CKK_EC },
	{ "ED25519", oid_ed25519, sizeof(oid_ed25519), 255, CKK_EC_EDWARDS },
	{ "ED25519", name_ed25519, sizeof(name_ed25519), 255,
	  CKK_EC_EDWARDS },
};

#define NCURVES	(ARRAY_SIZE(curves))

/* The curve whose CKA_EC_PARAMS are @p, or NULL. */
const struct fw_curve *fw_curve_by_params(const u8 *p, size_t n)
{
	unsigned int i;

	for (i = 0; i < NCURVES; i++)
		if (curves[i].len == n && !memcmp(curves[i].params, p, n))
			return &curves[i];
	return NULL;
}

/* The curve of an EC or Ed25519 key (its OID form), or NULL. */
const struct fw_curve *fw_curve_of(EVP_PKEY *pkey)
{
	char group[64];
	unsigned int i;
	size_t len;

	if (EVP_PKEY_is_a(pkey, "ED25519"))
		return &curves[3];
	if (!EVP_PKEY_is_a(pkey, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
					    group, sizeof(group), &len))
		return NULL;
	for (i = 0; i < NCURVES; i++)
		if (!strcmp(curves[i].group, group))
			return &curves[i];
	return NULL;
}

/* Attributes a template may hold, by class. */
static const u32 attrs_any[] = {
	CKA_CLASS, CKA_KEY_TYPE, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL, CKA_ID,
	CKA_MODIFIABLE, CKA_COPYABLE, CKA_DESTROYABLE, CKA_START_DATE,
	CKA_END_DATE, CKA_DERIVE,
};

static const u32 attrs_secret[] = {
	CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN,
	CKA_VERIFY, CKA_WRAP, CKA_UNWRAP, CKA_VALUE_LEN, CKA_WRAP_WITH_TRUSTED,
};

static const u32 attrs_private[] = {
	CKA_SUBJECT, CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_DECRYPT, CKA_SIGN,
	CKA_UNWRAP, CKA_ALWAYS_AUTHENTICATE, CKA_WRAP_WITH_TRUSTED,
};

static const u32 attrs_public[] = {
	CKA_SUBJECT, CKA_ENCRYPT, CKA_VERIFY, CKA_WRAP, CKA_MODULUS_BITS,
	CKA_PUBLIC_EXPONENT, CKA_EC_PARAMS,
};

/* CK_BBOOL attributes: their values must be one byte, 0 or 1. */
static const u32 attrs_bool[] = {
	CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE, CKA_COPYABLE,
	CKA_DESTROYABLE, CKA_DERIVE, CKA_SENSITIVE, CKA_EXTRACTABLE,
	CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_WRAP, CKA_UNWRAP,
	CKA_WRAP_WITH_TRUSTED, CKA_ALWAYS_AUTHENTICATE,
};

/* Attributes only the card sets. */
static const u32 attrs_computed[] = {
	CKA_VALUE, CKA_LOCAL, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE,
	CKA_KEY_GEN_MECHANISM, CKA_MODULUS, CKA_EC_POINT, CKA_PUBLIC_KEY_INFO,
	CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1,
	CKA_EXPONENT_2, CKA_COEFFICIENT,
};

static bool in(const u32 *list, size_t n, u32 type)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == type)
			return true;
	return false;
}

static u32 check_attr(const struct fw_attr *a, u32 cls, u32 key_type)
{
	u32 t = a->type;
	bool allowed;

	if (in(attrs_computed, ARRAY_SIZE(attrs_computed), t))
		return EP11_CKR_ATTRIBUTE_READ_ONLY;
	if (cls == CKO_SECRET_KEY)
		allowed = in(attrs_secret, ARRAY_SIZE(attrs_secret), t);
	else if (cls == CKO_PRIVATE_KEY)
		allowed = in(attrs_private, ARRAY_SIZE(attrs_private), t);
	else
		allowed = in(attrs_public, ARRAY_SIZE(attrs_public), t);
	if (!allowed && !in(attrs_any, ARRAY_SIZE(attrs_any), t))
		return EP11_CKR_ATTRIBUTE_TYPE_INVALID;
	if (in(attrs_bool, ARRAY_SIZE(attrs_bool), t) &&
	    (a->len != 1 || a->val[0] > 1))
		return EP11_CKR_ATTRIBUTE_VALUE_INVALID;
	if ((a->type == CKA_CLASS || a->type == CKA_KEY_TYPE ||
	     a->type == CKA_VALUE_LEN || a->type == CKA_MODULUS_BITS) &&
	    a->len != 4)
		return EP11_CKR_ATTRIBUTE_VALUE_INVALID;
	return EP11_CKR_OK;
}

/*
 * Reads the host's template @tmpl for a new key of class @cls and type
 * @key_type into @key->attrs.  CKA_CLASS and CKA_KEY_TYPE, when given,
 * must match (CKR_TEMPLATE_INCONSISTENT).
 */
u32 fw_template_apply(struct fw_key *key, const struct fw_param *tmpl,
		      u32 cls, u32 key_type)
{
	struct fw_attrs as = { 0 };
	unsigned int i;
	u32 rc, v;

	rc = fw_attrs_parse(&as, tmpl->p, tmpl->n);
	if (rc)
		return rc;
	for (i = 0; i < as.n && !rc; i++) {
		rc = check_attr(&as.a[i], cls, key_type);
		if (rc)
			break;
		rc = fw_attrs_set(&key->attrs, as.a[i].type, as.a[i].val,
				  as.a[i].len);
	}
	if (!rc && !fw_attrs_get_ulong(&as, CKA_CLASS, &v) && v != cls)
		rc = EP11_CKR_TEMPLATE_INCONSISTENT;
	if (!rc && !fw_attrs_get_ulong(&as, CKA_KEY_TYPE, &v) &&
	    v != key_type)
		rc = EP11_CKR_TEMPLATE_INCONSISTENT;
	fw_attrs_free(&as);
	return rc;
}

static u32 set_default(struct fw_key *key, u32 type, bool v)
{
	if (fw_attrs_find(&key->attrs, type))
		return EP11_CKR_OK;
	return fw_attrs_set_bool(&key->attrs, type, v);
}

/*
 * Completes the attributes of a new key: class and type, the defaults
 * of the usage flags a template left out, and what the card computes
 * (CKA_LOCAL, CKA_KEY_GEN_MECHANISM, CKA_ALWAYS_SENSITIVE,
 * CKA_NEVER_EXTRACTABLE).  @local: the card generated the key (else it
 * was unwrapped and @gen_mech is ignored).
 */
u32 fw_template_finish(struct fw_key *key, u32 cls, u32 key_type,
		       u32 gen_mech, bool local)
{
	struct fw_attrs *as = &key->attrs;
	bool secret = cls == CKO_SECRET_KEY, priv = cls == CKO_PRIVATE_KEY;
	bool pub = cls == CKO_PUBLIC_KEY;
	u32 rc;

	rc = fw_attrs_set_ulong(as, CKA_CLASS, cls);
	rc = rc ?: fw_attrs_set_ulong(as, CKA_KEY_TYPE, key_type);
	rc = rc ?: set_default(key, CKA_DERIVE, false);
	rc = rc ?: set_default(key, CKA_ENCRYPT, secret || pub);
	rc = rc ?: set_default(key, CKA_VERIFY, secret || pub);
	rc = rc ?: set_default(key, CKA_WRAP, secret || pub);
	rc = rc ?: set_default(key, CKA_DECRYPT, secret || priv);
	rc = rc ?: set_default(key, CKA_SIGN, secret || priv);
	rc = rc ?: set_default(key, CKA_UNWRAP, secret || priv);
	rc = rc ?: fw_attrs_set_bool(as, CKA_LOCAL, local);
	rc = rc ?: fw_attrs_set_ulong(as, CKA_KEY_GEN_MECHANISM,
				      local ? gen_mech : FW_UNAVAILABLE);
	if (rc || pub)
		return rc;
	rc = set_default(key, CKA_SENSITIVE, true);
	rc = rc ?: set_default(key, CKA_EXTRACTABLE, true);
	rc = rc ?: fw_attrs_set_bool(as, CKA_ALWAYS_SENSITIVE,
				     local && fw_key_bool(key, CKA_SENSITIVE));
	rc = rc ?: fw_attrs_set_bool(as, CKA_NEVER_EXTRACTABLE,
				     local &&
				     !fw_key_bool(key, CKA_EXTRACTABLE));
	return rc;
}

static u32 set_bn(struct fw_key *key, EVP_PKEY *pkey, const char *name,
		  u32 type)
{
	unsigned char buf[512];
	BIGNUM *bn = NULL;
	int len;
	u32 rc;

	if (!EVP_PKEY_get_bn_param(pkey, name, &bn))
		return EP11_CKR_DEVICE_ERROR;
	len = BN_bn2binpad(bn, buf, BN_num_bytes(bn));
	BN_free(bn);
	if (len < 0 || (size_t)len > sizeof(buf))
		return EP11_CKR_DEVICE_ERROR;
	rc = fw_attrs_set(&key->attrs, type, buf, len);
	return rc;
}

/* CKA_EC_POINT: the encoded point as a DER OCTET STRING. */
static u32 set_point(struct fw_key *key, EVP_PKEY *pkey)
{
	u8 der[3 + 160];
	size_t len, hdr;

	if (!EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY,
					     der + 3, sizeof(der) - 3, &len))
		return EP11_CKR_DEVICE_ERROR;
	hdr = len < 128 ? 2 : 3;
	der[3 - hdr] = 0x04;
	if (hdr == 2) {
		der[2] = len;
	} else {
		der[1] = 0x81;
		der[2] = len;
	}
	return fw_attrs_set(&key->attrs, CKA_EC_POINT, der + 3 - hdr,
			    len + hdr);
}

/*
 * Sets the public attributes of @key from @pkey: CKA_PUBLIC_KEY_INFO;
 * for RSA CKA_MODULUS, CKA_MODULUS_BITS and CKA_PUBLIC_EXPONENT; for EC
 * and Ed25519 CKA_EC_PARAMS and, on public keys, CKA_EC_POINT.
 */
u32 fw_template_pkey_attrs(struct fw_key *key, EVP_PKEY *pkey)
{
	const struct fw_curve *c;
	unsigned char *spki = NULL;
	int len;
	u32 rc;

	len = i2d_PUBKEY(pkey, &spki);
	if (len <= 0)
		return EP11_CKR_DEVICE_ERROR;
	rc = fw_attrs_set(&key->attrs, CKA_PUBLIC_KEY_INFO, spki, len);
	OPENSSL_free(spki);
	if (rc)
		return rc;
	if (EVP_PKEY_is_a(pkey, "RSA")) {
		rc = set_bn(key, pkey, OSSL_PKEY_PARAM_RSA_N, CKA_MODULUS);
		rc = rc ?: set_bn(key, pkey, OSSL_PKEY_PARAM_RSA_E,
				  CKA_PUBLIC_EXPONENT);
		rc = rc ?: fw_attrs_set_ulong(&key->attrs, CKA_MODULUS_BITS,
					      EVP_PKEY_get_bits(pkey));
		return rc;
	}
	c = fw_curve_of(pkey);
	if (!c)
		return EP11_CKR_DEVICE_ERROR;
	rc = fw_attrs_set(&key->attrs, CKA_EC_PARAMS, c->params, c->len);
	if (!rc && fw_key_ulong(key, CKA_CLASS) == CKO_PUBLIC_KEY)
		rc = set_point(key, pkey);
	return rc;
}
