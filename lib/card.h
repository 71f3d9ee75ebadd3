/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * card.h: the card's EP11 functions as C calls.  Each builds its request
 * with the shared wire codec (driver/ep11_wire.h), sends it through
 * ck_dev_send() and decodes the reply defensively: the card's replies are
 * untrusted (every length checked, a malformed reply is
 * CKR_DEVICE_ERROR).  Templates and mechanisms are converted from their
 * PKCS#11 host form to the wire form of docs/ep11-wire.md here and only
 * here.
 *
 * Every call returns a CKR_* value: CKR_OK; the card's return code
 * mapped by ck_card_rc_to_rv() (the raw code is left in @ctx->card_rc);
 * a kernel errno mapped by ck_errno_to_rv(.., CK_OP_SEND) (the raw errno
 * in @ctx->err).  Outputs follow no length-query convention here: a
 * result comes back in a struct ck_buf (or struct ck_attrs) that the call
 * allocates, replacing (cleared) what it held, and only on CKR_OK.
 * Requests with a bound form go bound to any APQN of @ctx->handle when it
 * is set; get_xcp_info has none and always goes to @ctx->apqn.
 *
 * A bound request is sent once more, never twice more, after the send
 * ioctl's ENODEV, EIO or ETIMEDOUT (no APQN of the session answered, even
 * after the kernel's wait for the session to be logged in again on a card
 * that came back) when its function may run twice (ck_card_may_repeat()),
 * or after the card's CKR_SESSION_CLOSED when the kernel says it logged
 * the session in again since the request went to the card
 * (EP11SESS_SEND_RELOGGED_IN; a kernel without EP11SESS_FEAT_RELOGIN:
 * while it still lists the session live, ck_dev_session_live());
 * @ctx->err and @ctx->card_rc are then the second try's.
 */
#ifndef CK_CARD_H
#define CK_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attr.h"
#include "dev.h"

#define CK_CARD_MAX_REPLY	(16384 + 8192)
#define CK_CARD_MAX_BLOB	16384
#define CK_CARD_MAX_RANDOM	8192	/* per request; ck_card_random() loops */

/* Where a request goes, and what came back besides the result. */
struct ck_card_ctx {
	struct ck_dev *dev;
	uint32_t handle;		/* 0: unbound; else bound, any APQN of the session */
	struct ep11sess_apqn apqn;	/* unbound requests go here */
	uint32_t card_rc;		/* out: the card's return code (0 if none) */
	int err;			/* out: the negative errno of the ioctl, or 0 */
};

/*
 * Whether a request of function @fnid may be sent once more after a first
 * try that may have run on the card (the send ioctl's ETIMEDOUT or EIO):
 * EP11 keeps nothing on the card for the functions that compute or read
 * (random, digest, encrypt, decrypt, sign, verify, wrap, the attribute,
 * mechanism and module queries) nor for those that make a new blob
 * (GenerateKey, GenerateKeyPair, UnwrapKey, DeriveKey: the first try's
 * blob never reached anyone).  SeedRandom, admin and any other function
 * change or may change the card's state: not sent again.
 */
bool ck_card_may_repeat(uint16_t fnid);

/*
 * A growable byte buffer owned by the caller: its bytes come from
 * OPENSSL_malloc(); free with ck_buf_free().
 */
struct ck_buf {
	unsigned char *p;
	size_t n;
};
void ck_buf_free(struct ck_buf *b);	/* clears, frees, empties */

CK_RV ck_card_random(struct ck_card_ctx *c, void *out, size_t n);
/* A digest mechanism (CKM_SHA_1 ... CKM_SHA512), no parameter. */
CK_RV ck_card_digest(struct ck_card_ctx *c, CK_MECHANISM_TYPE mech,
		     const void *in, size_t inlen, struct ck_buf *out);
CK_RV ck_card_generate_key(struct ck_card_ctx *c, const CK_MECHANISM *mech,
			   const struct ck_attrs *tmpl, struct ck_buf *blob);
CK_RV ck_card_generate_key_pair(struct ck_card_ctx *c, const CK_MECHANISM *mech,
				const struct ck_attrs *pub_tmpl,
				const struct ck_attrs *priv_tmpl,
				struct ck_buf *priv_blob, struct ck_buf *pub_blob,
				struct ck_buf *spki);
CK_RV ck_card_sign(struct ck_card_ctx *c, const CK_MECHANISM *mech,
		   const struct ck_buf *key, const void *data, size_t len,
		   struct ck_buf *sig);
/* CKR_OK, or CKR_SIGNATURE_INVALID / CKR_SIGNATURE_LEN_RANGE from the card. */
CK_RV ck_card_verify(struct ck_card_ctx *c, const CK_MECHANISM *mech,
		     const struct ck_buf *key, const void *data, size_t len,
		     const void *sig, size_t siglen);
CK_RV ck_card_encrypt(struct ck_card_ctx *c, const CK_MECHANISM *mech,
		      const struct ck_buf *key, const void *in, size_t inlen,
		      struct ck_buf *out);
CK_RV ck_card_decrypt(struct ck_card_ctx *c, const CK_MECHANISM *mech,
		      const struct ck_buf *key, const void *in, size_t inlen,
		      struct ck_buf *out);
/*
 * ck_card_encrypt() or ck_card_decrypt() as a ck_slot_call() callback:
 * @arg is a struct ck_card_crypt_arg.
 */
struct ck_card_crypt_arg {
	bool decrypt;
	const CK_MECHANISM *mech;
	const struct ck_buf *key;
	const void *in;
	size_t inlen;
	struct ck_buf *out;
};
CK_RV ck_card_crypt_call(struct ck_card_ctx *c, void *arg);
CK_RV ck_card_wrap(struct ck_card_ctx *c, const CK_MECHANISM *mech,
		   const struct ck_buf *wrapping_key, const struct ck_buf *key,
		   struct ck_buf *wrapped);
CK_RV ck_card_unwrap(struct ck_card_ctx *c, const CK_MECHANISM *mech,
		     const struct ck_buf *unwrapping_key, const void *wrapped,
		     size_t len, const struct ck_attrs *tmpl,
		     struct ck_buf *blob);
/*
 * GetAttributeValue: every attribute the blob holds (@ntypes 0) or those
 * asked for, into @out in host form (CK_ULONG widened, CK_BBOOL 1 byte).
 * A reply that lacks a type asked for, or has one not asked for, is
 * CKR_DEVICE_ERROR.
 */
CK_RV ck_card_get_attrs(struct ck_card_ctx *c, const struct ck_buf *key,
			const CK_ATTRIBUTE_TYPE *types, size_t ntypes,
			struct ck_attrs *out);
/* *@list malloc'ed. */
CK_RV ck_card_mechanisms(struct ck_card_ctx *c, CK_MECHANISM_TYPE **list,
			 size_t *n);
CK_RV ck_card_mechanism_info(struct ck_card_ctx *c, CK_MECHANISM_TYPE type,
			     CK_MECHANISM_INFO *info);
/* get_xcp_info: module (serial, API ordinal, firmware) and domain (WKID). */
CK_RV ck_card_module_info(struct ck_card_ctx *c, char serial[16],
			  uint32_t *api, uint32_t *fw_major, uint32_t *fw_minor);
CK_RV ck_card_wkid(struct ck_card_ctx *c, uint8_t wkid[16]);

/*
 * The wire form of a mechanism (u32 type | parameter, docs/ep11-wire.md
 * "Mechanisms") from a CK_MECHANISM: CK_GCM_PARAMS, CK_RSA_PKCS_PSS_PARAMS,
 * CK_RSA_PKCS_OAEP_PARAMS, a 16-byte IV, the optional AES-KW IV.  A
 * parameter of the wrong size or layout is CKR_MECHANISM_PARAM_INVALID;
 * CKR_OK with the encoding in @out.  Exposed for tests.
 */
CK_RV ck_card_encode_mech(const CK_MECHANISM *mech, struct ck_buf *out);
/*
 * The wire form of a template (docs/ep11-wire.md "Attribute templates");
 * NULL is the empty template.  A CK_ULONG above 0xffffffff is
 * CKR_ATTRIBUTE_VALUE_INVALID, except CK_UNAVAILABLE_INFORMATION, which
 * goes as 0xffffffff (and 0xffffffff comes back as it).
 */
CK_RV ck_card_encode_template(const struct ck_attrs *tmpl, struct ck_buf *out);
/* The host form of a wire template; CKR_DEVICE_ERROR when malformed. */
CK_RV ck_card_decode_template(const void *p, size_t n, struct ck_attrs *out);

#endif /* CK_CARD_H */
