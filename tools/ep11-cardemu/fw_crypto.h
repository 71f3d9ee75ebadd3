/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the card's crypto functions share: the mechanism table, the
 * mechanism parameter encoding, opening a key blob for one use, key
 * templates, and OpenSSL keys from key material.  Not part of the handler
 * API (firmware.h).
 *
 * A mechanism travels as one OCTET STRING: u32 CKM_* type, big-endian,
 * followed by the mechanism parameter bytes (layout per mechanism in
 * docs/ep11-wire.md, "Cryptographic functions").
 */
#ifndef EP11_CARDEMU_FW_CRYPTO_H
#define EP11_CARDEMU_FW_CRYPTO_H

#include <openssl/evp.h>

#include "firmware.h"
#include "pkcs11_ids.h"

/* Key type of a mechanism that needs no key (digests). */
#define FW_NO_KEY		0xffffffff

/**
 * struct fw_mech - one mechanism the card implements
 * @type:     CKM_* value
 * @name:     for logs
 * @min_key:  smallest key size (unit per mechanism, as in PKCS#11)
 * @max_key:  largest key size
 * @flags:    CKF_* functions it serves
 * @key_type: CKK_* type of the key it uses or makes, %FW_NO_KEY
 * @md:       OpenSSL digest name it hashes with, or NULL
 */
struct fw_mech {
	u32 type;
	const char *name;
	u32 min_key;
	u32 max_key;
	u32 flags;
	u32 key_type;
	const char *md;
};

/**
 * struct fw_mech_arg - a mechanism from a request
 * @m:     its table entry
 * @param: its parameter bytes (points into the request)
 */
struct fw_mech_arg {
	const struct fw_mech *m;
	struct fw_param param;
};

/* mechanisms.c */

/** fw_mech_find() - the table entry of CKM_* @type, or NULL. */
const struct fw_mech *fw_mech_find(u32 type);

/**
 * fw_mech_get() - read the mechanism parameter of a request
 * @p:    the parameter (u32 CKM_* type | mechanism parameter)
 * @flag: the CKF_* function the caller serves
 * @a:    set to the mechanism and its parameter bytes
 *
 * Return: EP11_CKR_OK, EP11_CKR_ARGUMENTS_BAD (fewer than 4 bytes),
 * EP11_CKR_MECHANISM_INVALID (unknown, or not a mechanism of @flag).
 */
u32 fw_mech_get(const struct fw_param *p, u32 flag, struct fw_mech_arg *a);

/**
 * fw_mech_no_param() - check that a mechanism came without parameter
 * @a: the mechanism from the request
 *
 * Return: EP11_CKR_OK, EP11_CKR_MECHANISM_PARAM_INVALID.
 */
u32 fw_mech_no_param(const struct fw_mech_arg *a);

/** fw_hash_md() - OpenSSL name of a CKM_SHA* digest, or NULL. */
const char *fw_hash_md(u32 ckm_hash);

/** fw_mgf_md() - OpenSSL name of the hash of a CKG_MGF1_*, or NULL. */
const char *fw_mgf_md(u32 mgf);

/**
 * struct fw_rd - a reader over mechanism parameter bytes
 * @p:   next byte
 * @n:   bytes left
 * @bad: a read ran past the end
 */
struct fw_rd {
	const u8 *p;
	size_t n;
	bool bad;
};

/** fw_rd_init() - start reading @p. */
void fw_rd_init(struct fw_rd *r, const struct fw_param *p);

/**
 * fw_rd_u32() - read a 4-byte big-endian integer
 * @r: the reader
 *
 * Return: the value; 0 and @r->bad set when fewer than 4 bytes are left.
 */
u32 fw_rd_u32(struct fw_rd *r);

/**
 * fw_rd_bytes() - take @n bytes
 * @r: the reader
 * @n: how many
 *
 * Return: a pointer to them; NULL and @r->bad set when fewer are left.
 */
const u8 *fw_rd_bytes(struct fw_rd *r, size_t n);

/* crypt.c: fw_rsa_crypt() is documented where it is defined. */
u32 fw_rsa_crypt(const struct fw_mech_arg *a, EVP_PKEY *pkey, bool enc,
		 const u8 *in, size_t n, u8 *out, size_t *out_len);

/* key_use.c */

/**
 * fw_key_open() - open a key blob of a request
 * @req:  the request
 * @blob: the blob parameter
 * @key:  filled on success, left empty on failure
 *
 * Return: as fw_blob_open().
 */
u32 fw_key_open(struct fw_req *req, const struct fw_param *blob,
		struct fw_key *key);

/**
 * fw_key_check() - may @key serve a mechanism and a function?
 * @key:      the key
 * @cls:      the CKO_* class the mechanism needs
 * @key_type: the CKK_* type it needs
 * @usage:    the CK_BBOOL attribute that must be true (CKA_SIGN...)
 *
 * Return: EP11_CKR_OK, EP11_CKR_KEY_TYPE_INCONSISTENT (class or type),
 * EP11_CKR_KEY_FUNCTION_NOT_PERMITTED (@usage false or absent).
 */
u32 fw_key_check(const struct fw_key *key, u32 cls, u32 key_type,
		 u32 usage);

/** fw_key_ulong() - a CK_ULONG attribute, 0xffffffff when absent. */
u32 fw_key_ulong(const struct fw_key *key, u32 type);

/** fw_key_bool() - a CK_BBOOL attribute, false when absent. */
bool fw_key_bool(const struct fw_key *key, u32 type);

/**
 * fw_key_pkey() - the OpenSSL key of a private or public key
 * @key: the key
 *
 * Return: the key (free with EVP_PKEY_free()), NULL for other classes
 * or material that does not parse.
 */
EVP_PKEY *fw_key_pkey(const struct fw_key *key);

/**
 * fw_key_sig_ctx() - a context for a raw signature operation
 * @key:  the key
 * @pkey: its OpenSSL key, from fw_key_pkey()
 * @sign: for EVP_PKEY_sign() (else EVP_PKEY_verify())
 * @ctx:  set to the context, initialised for the operation and nothing
 *        else (free with EVP_PKEY_CTX_free()); NULL on failure
 *
 * A copy of the key cache's context when it has one, else a new one.
 *
 * Return: EP11_CKR_OK, EP11_CKR_HOST_MEMORY, EP11_CKR_DEVICE_ERROR.
 */
u32 fw_key_sig_ctx(const struct fw_key *key, EVP_PKEY *pkey, bool sign,
		   EVP_PKEY_CTX **ctx);

/**
 * fw_key_set_private() - set a private key's material
 * @key:  the key
 * @pkey: its OpenSSL key, stored as DER PrivateKeyInfo
 *
 * Return: EP11_CKR_OK, EP11_CKR_HOST_MEMORY, EP11_CKR_DEVICE_ERROR.
 */
u32 fw_key_set_private(struct fw_key *key, EVP_PKEY *pkey);

/**
 * fw_key_seal_put() - bind, seal and reply a new key
 * @req: the request; a bound one binds @key to its session
 * @key: the key
 * @rep: the reply, which gets the blob as its next result
 *
 * Return: as fw_blob_seal().
 */
u32 fw_key_seal_put(struct fw_req *req, struct fw_key *key,
		    struct ep11_wbuf *rep);

/** fw_put_be32() - store @v big-endian at @p. */
void fw_put_be32(u8 *p, u32 v);

/**
 * struct fw_curve - an elliptic or Edwards curve the card knows
 * @group:    OpenSSL group or key type name
 * @params:   DER of its CKA_EC_PARAMS (namedCurve OID)
 * @len:      length of @params
 * @bits:     key size in bits, as GetMechanismInfo counts it
 * @key_type: CKK_EC or CKK_EC_EDWARDS
 */
struct fw_curve {
	const char *group;
	const u8 *params;
	size_t len;
	u32 bits;
	u32 key_type;
};

/* key_template.c */

/** fw_curve_by_params() - the curve of DER CKA_EC_PARAMS, or NULL. */
const struct fw_curve *fw_curve_by_params(const u8 *p, size_t n);

/** fw_curve_of() - the curve of an EC or Ed25519 key, or NULL. */
const struct fw_curve *fw_curve_of(EVP_PKEY *pkey);

/**
 * fw_template_apply() - read a host's template for a new key
 * @key:      gets the attributes
 * @tmpl:     the template parameter
 * @cls:      CKO_* class of the new key
 * @key_type: its CKK_* type
 *
 * Return: EP11_CKR_OK, EP11_CKR_TEMPLATE_INCONSISTENT (malformed, or
 * class or type contradict @cls, @key_type), EP11_CKR_ATTRIBUTE_READ_ONLY
 * (an attribute the card sets), EP11_CKR_ATTRIBUTE_TYPE_INVALID (one the
 * class does not have), EP11_CKR_ATTRIBUTE_VALUE_INVALID (a bad
 * CK_BBOOL or CK_ULONG), EP11_CKR_HOST_MEMORY.
 */
u32 fw_template_apply(struct fw_key *key, const struct fw_param *tmpl,
		      u32 cls, u32 key_type);

/**
 * fw_template_finish() - complete the attributes of a new key
 * @key:      the key, its template applied
 * @cls:      CKO_* class
 * @key_type: CKK_* type
 * @gen_mech: the mechanism that generated it
 * @local:    the card generated it (else it was unwrapped)
 *
 * Sets class and type, the defaults of the usage flags the template
 * left out, CKA_LOCAL, CKA_KEY_GEN_MECHANISM, CKA_ALWAYS_SENSITIVE and
 * CKA_NEVER_EXTRACTABLE.
 *
 * Return: EP11_CKR_OK, EP11_CKR_HOST_MEMORY,
 * EP11_CKR_TEMPLATE_INCONSISTENT (too many attributes).
 */
u32 fw_template_finish(struct fw_key *key, u32 cls, u32 key_type,
		       u32 gen_mech, bool local);

/**
 * fw_template_pkey_attrs() - set the public attributes of @key
 * @key:  a private or public key, its class set
 * @pkey: its OpenSSL key
 *
 * CKA_PUBLIC_KEY_INFO; RSA: CKA_MODULUS, CKA_MODULUS_BITS,
 * CKA_PUBLIC_EXPONENT; EC and Ed25519: CKA_EC_PARAMS and, on public
 * keys, CKA_EC_POINT.
 *
 * Return: EP11_CKR_OK, EP11_CKR_HOST_MEMORY, EP11_CKR_DEVICE_ERROR.
 */
u32 fw_template_pkey_attrs(struct fw_key *key, EVP_PKEY *pkey);

#endif /* EP11_CARDEMU_FW_CRYPTO_H */
