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
const struct fw_mech *fw_mech_find(u32 type);
u32 fw_mech_get(const struct fw_param *p, u32 flag, struct fw_mech_arg *a);
u32 fw_mech_no_param(const struct fw_mech_arg *a);
const char *fw_hash_md(u32 ckm_hash);
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

void fw_rd_init(struct fw_rd *r, const struct fw_param *p);
u32 fw_rd_u32(struct fw_rd *r);
const u8 *fw_rd_bytes(struct fw_rd *r, size_t n);

/* crypt.c */
u32 fw_rsa_crypt(const struct fw_mech_arg *a, EVP_PKEY *pkey, bool enc,
		 const u8 *in, size_t n, u8 *out, size_t *out_len);

/* key_use.c */
u32 fw_key_open(struct fw_req *req, const struct fw_param *blob,
		struct fw_key *key);
u32 fw_key_check(const struct fw_key *key, u32 cls, u32 key_type,
		 u32 usage);
u32 fw_key_ulong(const struct fw_key *key, u32 type);
bool fw_key_bool(const struct fw_key *key, u32 type);
EVP_PKEY *fw_key_pkey(const struct fw_key *key);
u32 fw_key_set_private(struct fw_key *key, EVP_PKEY *pkey);
u32 fw_key_seal_put(struct fw_req *req, struct fw_key *key,
		    struct ep11_wbuf *rep);
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
const struct fw_curve *fw_curve_by_params(const u8 *p, size_t n);
const struct fw_curve *fw_curve_of(EVP_PKEY *pkey);
u32 fw_template_apply(struct fw_key *key, const struct fw_param *tmpl,
		      u32 cls, u32 key_type);
u32 fw_template_finish(struct fw_key *key, u32 cls, u32 key_type,
		       u32 gen_mech, bool local);
u32 fw_template_pkey_attrs(struct fw_key *key, EVP_PKEY *pkey);

#endif /* EP11_CARDEMU_FW_CRYPTO_H */
