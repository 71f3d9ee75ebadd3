// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mech.c: the mechanism table, the card's mechanism list and fips mode.
 *
 * fips tokens offer only what FIPS 140-3 approves (docs/ep11sess-pkcs11.7
 * lists it): SHA-2 digests; AES key generation, ECB, CBC, CBC-PAD, GCM,
 * KW and KWP; generic secret generation and SHA-2 HMAC with keys of at
 * least 112 bits; RSA key pairs of 2048 bits or more, RSA PKCS#1 v1.5
 * and PSS signatures and OAEP encryption (PKCS#1 v1.5 encryption is not
 * offered); EC key pairs and ECDSA on P-256, P-384, P-521; Ed25519 and
 * EdDSA.  SHA-1 is not offered.
 */
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "mech.h"

#define D CK_MF_DIGEST
#define S CK_MF_SIGN
#define C CK_MF_CRYPT
#define W CK_MF_WRAP
#define G CK_MF_GEN
#define P CK_MF_GENPAIR
#define NA CK_UNAVAILABLE_INFORMATION

static const struct ck_mech_def mech_defs[] = {
	{ CKM_SHA_1, D, NULL, 0, NA, false, 0 },
	{ CKM_SHA224, D, NULL, 0, NA, true, D },
	{ CKM_SHA256, D, NULL, 0, NA, true, D },
	{ CKM_SHA384, D, NULL, 0, NA, true, D },
	{ CKM_SHA512, D, NULL, 0, NA, true, D },
	{ CKM_AES_KEY_GEN, G, NULL, 0, CKK_AES, true, G },
	{ CKM_GENERIC_SECRET_KEY_GEN, G, NULL, 0, CKK_GENERIC_SECRET, true, G },
	{ CKM_RSA_PKCS_KEY_PAIR_GEN, P, NULL, 0, CKK_RSA, true, P },
	{ CKM_EC_KEY_PAIR_GEN, P, NULL, 0, CKK_EC, true, P },
	{ CKM_EC_EDWARDS_KEY_PAIR_GEN, P, NULL, 0, CKK_EC_EDWARDS, true, P },
	{ CKM_RSA_PKCS, S | C, NULL, 0, CKK_RSA, true, S },
	{ CKM_RSA_PKCS_OAEP, C | W, NULL, 0, CKK_RSA, true, C | W },
	{ CKM_RSA_PKCS_PSS, S, NULL, 0, CKK_RSA, true, S },
	{ CKM_SHA224_RSA_PKCS, S, "SHA224", CKM_RSA_PKCS, CKK_RSA, true, S },
	{ CKM_SHA256_RSA_PKCS, S, "SHA256", CKM_RSA_PKCS, CKK_RSA, true, S },
	{ CKM_SHA384_RSA_PKCS, S, "SHA384", CKM_RSA_PKCS, CKK_RSA, true, S },
	{ CKM_SHA512_RSA_PKCS, S, "SHA512", CKM_RSA_PKCS, CKK_RSA, true, S },
	{ CKM_SHA224_RSA_PKCS_PSS, S, "SHA224", CKM_RSA_PKCS_PSS, CKK_RSA, true, S },
	{ CKM_SHA256_RSA_PKCS_PSS, S, "SHA256", CKM_RSA_PKCS_PSS, CKK_RSA, true, S },
	{ CKM_SHA384_RSA_PKCS_PSS, S, "SHA384", CKM_RSA_PKCS_PSS, CKK_RSA, true, S },
	{ CKM_SHA512_RSA_PKCS_PSS, S, "SHA512", CKM_RSA_PKCS_PSS, CKK_RSA, true, S },
	{ CKM_ECDSA, S, NULL, 0, CKK_EC, true, S },
	{ CKM_ECDSA_SHA224, S, "SHA224", CKM_ECDSA, CKK_EC, true, S },
	{ CKM_ECDSA_SHA256, S, "SHA256", CKM_ECDSA, CKK_EC, true, S },
	{ CKM_ECDSA_SHA384, S, "SHA384", CKM_ECDSA, CKK_EC, true, S },
	{ CKM_ECDSA_SHA512, S, "SHA512", CKM_ECDSA, CKK_EC, true, S },
	{ CKM_EDDSA, S, NULL, 0, CKK_EC_EDWARDS, true, S },
	{ CKM_SHA224_HMAC, S, NULL, 0, CKK_GENERIC_SECRET, true, S },
	{ CKM_SHA256_HMAC, S, NULL, 0, CKK_GENERIC_SECRET, true, S },
	{ CKM_SHA384_HMAC, S, NULL, 0, CKK_GENERIC_SECRET, true, S },
	{ CKM_SHA512_HMAC, S, NULL, 0, CKK_GENERIC_SECRET, true, S },
	{ CKM_AES_ECB, C, NULL, 0, CKK_AES, true, C },
	{ CKM_AES_CBC, C, NULL, 0, CKK_AES, true, C },
	{ CKM_AES_CBC_PAD, C | W, NULL, 0, CKK_AES, true, C },
	{ CKM_AES_GCM, C, NULL, 0, CKK_AES, true, C },
	{ CKM_AES_KEY_WRAP, W, NULL, 0, CKK_AES, true, W },
	{ CKM_AES_KEY_WRAP_KWP, W, NULL, 0, CKK_AES, true, W },
};

const struct ck_mech_def *ck_mech_def(CK_MECHANISM_TYPE type)
{
	size_t i;

	for (i = 0; i < sizeof(mech_defs) / sizeof(mech_defs[0]); i++)
		if (mech_defs[i].type == type)
			return &mech_defs[i];
	return NULL;
}

struct list_arg {
	CK_MECHANISM_TYPE *list;
	size_t n;
};

static CK_RV get_list(struct ck_card_ctx *c, void *arg)
{
	struct list_arg *a = arg;

	return ck_card_mechanisms(c, &a->list, &a->n);
}

static bool offered(const struct ck_slot *slot, const struct ck_mech_def *d)
{
	if (!d)
		return false;	/* the library cannot run it */
	if (slot->conf->mode == CK_MODE_FIPS && !d->fips)
		return false;
	return true;
}

CK_RV ck_mech_list(struct ck_slot *slot, const CK_MECHANISM_TYPE **list,
		   size_t *n)
{
	struct list_arg a = { 0 };
	size_t i, k = 0;
	CK_RV rv;

	ck_mutex_lock(&ck_g.lock);
	if (slot->mechs) {
		*list = slot->mechs;
		*n = slot->nmechs;
		ck_mutex_unlock(&ck_g.lock);
		return CKR_OK;
	}
	ck_mutex_unlock(&ck_g.lock);
	rv = ck_slot_call(slot, 0, get_list, &a, NULL);
	if (rv != CKR_OK)
		return rv;
	for (i = 0; i < a.n; i++)
		if (offered(slot, ck_mech_def(a.list[i])))
			a.list[k++] = a.list[i];
	ck_mutex_lock(&ck_g.lock);
	if (!slot->mechs) {
		slot->mechs = a.list;
		slot->nmechs = k;
		a.list = NULL;
	}
	*list = slot->mechs;
	*n = slot->nmechs;
	ck_mutex_unlock(&ck_g.lock);
	free(a.list);
	return CKR_OK;
}

struct info_arg {
	CK_MECHANISM_TYPE type;
	CK_MECHANISM_INFO info;
};

static CK_RV get_info(struct ck_card_ctx *c, void *arg)
{
	struct info_arg *a = arg;

	return ck_card_mechanism_info(c, a->type, &a->info);
}

/* CKR_OK when the slot's list (the card's, filtered) holds @type. */
static CK_RV listed(struct ck_slot *slot, CK_MECHANISM_TYPE type)
{
	const CK_MECHANISM_TYPE *list;
	size_t n, i;
	CK_RV rv = ck_mech_list(slot, &list, &n);

	if (rv != CKR_OK)
		return rv;
	for (i = 0; i < n; i++)
		if (list[i] == type)
			return CKR_OK;
	return CKR_MECHANISM_INVALID;
}

CK_RV ck_mech_check(struct ck_slot *slot, CK_MECHANISM_TYPE type,
		    unsigned int fn)
{
	const struct ck_mech_def *d = ck_mech_def(type);

	if (!offered(slot, d))
		return CKR_MECHANISM_INVALID;
	if (!(d->fns & fn))
		return CKR_MECHANISM_INVALID;
	if (slot->conf->mode == CK_MODE_FIPS && !(d->fips_fns & fn))
		return CKR_MECHANISM_INVALID;
	return listed(slot, type);
}

CK_RV ck_mech_info(struct ck_slot *slot, CK_MECHANISM_TYPE type,
		   CK_MECHANISM_INFO *info)
{
	const struct ck_mech_def *d = ck_mech_def(type);
	struct info_arg a = { .type = type };
	CK_RV rv;

	rv = listed(slot, type);
	if (rv != CKR_OK)
		return rv;
	rv = ck_slot_call(slot, 0, get_info, &a, NULL);
	if (rv != CKR_OK)
		return rv;
	*info = a.info;
	if (slot->conf->mode == CK_MODE_FIPS) {
		if (!(d->fips_fns & CK_MF_CRYPT))
			info->flags &= ~(CKF_ENCRYPT | CKF_DECRYPT);
		if (!(d->fips_fns & CK_MF_WRAP))
			info->flags &= ~(CKF_WRAP | CKF_UNWRAP);
		if (d->key_type == CKK_GENERIC_SECRET && info->ulMinKeySize < 14 &&
		    (d->fns & CK_MF_SIGN))
			info->ulMinKeySize = 14;
		if (type == CKM_GENERIC_SECRET_KEY_GEN && info->ulMinKeySize < 112)
			info->ulMinKeySize = 112;
		if (d->key_type == CKK_RSA && info->ulMinKeySize < 2048)
			info->ulMinKeySize = 2048;
	}
	return CKR_OK;
}

/* The bits of a big-endian unsigned integer. */
static CK_ULONG int_bits(const unsigned char *p, CK_ULONG n)
{
	CK_ULONG bits;
	unsigned char top;

	while (n && !*p) {
		p++;
		n--;
	}
	if (!n)
		return 0;
	for (bits = 8 * (n - 1), top = *p; top; top >>= 1)
		bits++;
	return bits;
}

CK_RV ck_mech_fips_key(const struct ck_slot *slot, CK_KEY_TYPE kt,
		       const struct ck_attrs *a)
{
	/* namedCurve OIDs of P-256, P-384 and P-521 (RFC 5480). */
	static const struct {
		const char *der;
		size_t n;
	} approved[] = {
		{ "\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07", 10 },
		{ "\x06\x05\x2b\x81\x04\x00\x22", 7 },
		{ "\x06\x05\x2b\x81\x04\x00\x23", 7 },
	};
	const CK_ATTRIBUTE *v;
	CK_ULONG n;
	size_t i;

	if (slot->conf->mode != CK_MODE_FIPS)
		return CKR_OK;
	switch (kt) {
	/* What is missing is the template's or the object's error, not this. */
	case CKK_RSA:
		v = ck_attrs_get(a, CKA_MODULUS);
		if (!v && !ck_attrs_get(a, CKA_MODULUS_BITS))
			return CKR_OK;
		n = v ? int_bits(v->pValue, v->ulValueLen) :
			ck_attrs_ulong(a, CKA_MODULUS_BITS, 0);
		return n >= 2048 ? CKR_OK : CKR_MECHANISM_INVALID;
	case CKK_GENERIC_SECRET:
		v = ck_attrs_get(a, CKA_VALUE);
		if (!v && !ck_attrs_get(a, CKA_VALUE_LEN))
			return CKR_OK;
		n = v ? v->ulValueLen : ck_attrs_ulong(a, CKA_VALUE_LEN, 0);
		return n >= 14 ? CKR_OK : CKR_MECHANISM_INVALID;
	case CKK_EC:
		v = ck_attrs_get(a, CKA_EC_PARAMS);
		if (!v)
			return CKR_OK;
		for (i = 0; i < sizeof(approved) / sizeof(approved[0]); i++)
			if (v->ulValueLen == approved[i].n &&
			    !memcmp(v->pValue, approved[i].der, approved[i].n))
				return CKR_OK;
		return CKR_MECHANISM_INVALID;
	default:
		return CKR_OK;
	}
}

/* DER DigestInfo prefixes (RFC 8017, 9.2 note 1). */
static const unsigned char di_sha224[] = {
	0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c };
static const unsigned char di_sha256[] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };
static const unsigned char di_sha384[] = {
	0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30 };
static const unsigned char di_sha512[] = {
	0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40 };

const unsigned char *ck_mech_digest_info(const char *md, size_t *len)
{
	static const struct {
		const char *md;
		const unsigned char *p;
		size_t n;
	} t[] = {
		{ "SHA224", di_sha224, sizeof(di_sha224) },
		{ "SHA256", di_sha256, sizeof(di_sha256) },
		{ "SHA384", di_sha384, sizeof(di_sha384) },
		{ "SHA512", di_sha512, sizeof(di_sha512) },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].md, md)) {
			*len = t[i].n;
			return t[i].p;
		}
	return NULL;
}
