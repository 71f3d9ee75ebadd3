/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mech.h: the mechanisms a token offers (the card's own list, read with
 * GetMechanismList and GetMechanismInfo, filtered in fips mode) and the
 * one table that says how the library runs each of them: on the card in
 * one request, as a local hash followed by the card's signature of the
 * digest, or buffered.
 */
#ifndef CK_MECH_H
#define CK_MECH_H

#include "module.h"

/* Functions a mechanism serves (CK_MECHANISM_INFO flags mirror them). */
#define CK_MF_DIGEST	(1U << 0)
#define CK_MF_SIGN	(1U << 1)	/* sign and verify */
#define CK_MF_CRYPT	(1U << 2)	/* encrypt and decrypt */
#define CK_MF_WRAP	(1U << 3)
#define CK_MF_GEN	(1U << 4)
#define CK_MF_GENPAIR	(1U << 5)

/**
 * struct ck_mech_def - how the library runs one mechanism
 * @type:   the CKM_* value
 * @fns:    CK_MF_* functions it serves
 * @md:     for hash-then-sign mechanisms, the digest (OpenSSL name) the
 *          library computes; NULL otherwise
 * @raw:    the card mechanism that signs the digest (CKM_ECDSA,
 *          CKM_RSA_PKCS with a DigestInfo, CKM_RSA_PKCS_PSS)
 * @key_type: the CKK_* of its keys, or CK_UNAVAILABLE_INFORMATION
 * @fips:   offered on fips tokens
 * @fips_fns: what a fips token offers it for (subset of @fns)
 */
struct ck_mech_def {
	CK_MECHANISM_TYPE type;
	unsigned int fns;
	const char *md;
	CK_MECHANISM_TYPE raw;
	CK_KEY_TYPE key_type;
	bool fips;
	unsigned int fips_fns;
};

const struct ck_mech_def *ck_mech_def(CK_MECHANISM_TYPE type);
/* The slot's mechanisms (cached after the first call). */
CK_RV ck_mech_list(struct ck_slot *slot, const CK_MECHANISM_TYPE **list,
		   size_t *n);
CK_RV ck_mech_info(struct ck_slot *slot, CK_MECHANISM_TYPE type,
		   CK_MECHANISM_INFO *info);
/*
 * CKR_OK when @slot offers @type for @fn (a CK_MF_* bit), else
 * CKR_MECHANISM_INVALID.
 */
CK_RV ck_mech_check(struct ck_slot *slot, CK_MECHANISM_TYPE type,
		    unsigned int fn);
/*
 * CKR_OK unless @slot is a fips token and the key of type @kt that @a
 * describes (an object's attributes, or a generation template) is of a
 * size or curve FIPS 140-3 does not approve: RSA below 2048 bits, a
 * generic secret below 112 bits, an EC curve other than P-256, P-384 and
 * P-521; then CKR_MECHANISM_INVALID, as for a mechanism not offered.
 */
struct ck_attrs;
CK_RV ck_mech_fips_key(const struct ck_slot *slot, CK_KEY_TYPE kt,
		       const struct ck_attrs *a);
/* The DER DigestInfo prefix of an OpenSSL digest name, or NULL. */
const unsigned char *ck_mech_digest_info(const char *md, size_t *len);

#endif /* CK_MECH_H */
