// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * crypto.c: encryption, decryption, digests, signatures, verification and
 * random numbers.
 *
 * The card has single-part functions only.  Multi-part operations hash
 * locally and have the card sign the digest where the mechanism allows it
 * (CKM_ECDSA_SHA*, CKM_SHA*_RSA_PKCS, CKM_SHA*_RSA_PKCS_PSS: struct
 * ck_mech_def.md), with no bound on the data, and buffer the input
 * otherwise, up to CK_MULTIPART_MAX bytes (CKR_DATA_LEN_RANGE beyond).  Operations with a
 * public key (verify, RSA encryption) run locally with OpenSSL: they need
 * no secret.  Digests run locally too.
 *
 * Every operation follows the length-query convention: a NULL output
 * gives the length and keeps the operation; a short buffer gives
 * CKR_BUFFER_TOO_SMALL and keeps it; anything else ends it.  An operation
 * with a private key ends at the application's logout.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "keys.h"
#include "mech.h"

#define F_ENCRYPT	0
#define F_DECRYPT	1
#define F_SIGN		2
#define F_VERIFY	3

static const unsigned int fn_mf[] = { CK_MF_CRYPT, CK_MF_CRYPT, CK_MF_SIGN,
				      CK_MF_SIGN };
static const enum ck_op_kind fn_kind[] = { CK_OPK_ENCRYPT, CK_OPK_DECRYPT,
					   CK_OPK_SIGN, CK_OPK_VERIFY };
static const CK_ATTRIBUTE_TYPE fn_usage[] = { CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN,
					      CKA_VERIFY };

static CK_RV copy_mech(CK_MECHANISM *dst, const CK_MECHANISM *src)
{
	*dst = *src;
	dst->pParameter = NULL;
	if (src->ulParameterLen && !src->pParameter)
		return CKR_MECHANISM_PARAM_INVALID;
	if (src->ulParameterLen) {
		dst->pParameter = OPENSSL_memdup(src->pParameter,
						 src->ulParameterLen);
		if (!dst->pParameter)
			return CKR_HOST_MEMORY;
	}
	return CKR_OK;
}

/* The size of a signature or RSA block with this key, 0 when unknown. */
static size_t key_out_len(const struct ck_oper *op, const struct ck_attrs *a)
{
	const CK_ATTRIBUTE *params;
	static const struct {
		const char *der;
		size_t n, len;
	} curves[] = {
		{ "\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07", 10, 64 },
		{ "\x06\x05\x2b\x81\x04\x00\x22", 7, 96 },
		{ "\x06\x05\x2b\x81\x04\x00\x23", 7, 132 },
	};
	size_t i;

	switch (op->key_type) {
	case CKK_RSA:
		params = ck_attrs_get(a, CKA_MODULUS);
		if (params)
			return params->ulValueLen;
		return (ck_attrs_ulong(a, CKA_MODULUS_BITS, 0) + 7) / 8;
	case CKK_EC:
		params = ck_attrs_get(a, CKA_EC_PARAMS);
		for (i = 0; params && i < sizeof(curves) / sizeof(curves[0]); i++)
			if (params->ulValueLen == curves[i].n &&
			    !memcmp(params->pValue, curves[i].der, curves[i].n))
				return curves[i].len;
		return 0;
	case CKK_EC_EDWARDS:
		return 64;
	default:
		return 0;
	}
}

static size_t hmac_len(CK_MECHANISM_TYPE m)
{
	switch (m) {
	case CKM_SHA224_HMAC:
		return 28;
	case CKM_SHA256_HMAC:
		return 32;
	case CKM_SHA384_HMAC:
		return 48;
	case CKM_SHA512_HMAC:
		return 64;
	default:
		return 0;
	}
}

static CK_RV op_init(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		     CK_OBJECT_HANDLE hKey, int fn)
{
	const struct ck_mech_def *d;
	struct ck_attrs a = { 0 };
	struct ck_session *s;
	struct ck_oper *op;
	CK_RV rv;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pMechanism) {
		ck_session_put(s);
		return CKR_ARGUMENTS_BAD;
	}
	ck_mutex_lock(&s->op_lock);
	op = &s->ops[fn_kind[fn]];
	/* An operation whose key's login has ended is over already. */
	if (op->active && op->key_private) {
		ck_mutex_lock(&ck_g.lock);
		if (op->login_gen != s->slot->login_gen)
			ck_op_reset(op);
		ck_mutex_unlock(&ck_g.lock);
	}
	if (op->active) {
		rv = CKR_OPERATION_ACTIVE;
		goto out;
	}
	rv = ck_mech_check(s->slot, pMechanism->mechanism, fn_mf[fn]);
	if (rv != CKR_OK)
		goto out;
	d = ck_mech_def(pMechanism->mechanism);
	rv = ck_keys_take(s, hKey, &op->key, &op->bind, &a);
	if (rv != CKR_OK)
		goto fail;
	op->key_class = ck_attrs_ulong(&a, CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
	op->key_type = ck_attrs_ulong(&a, CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION);
	op->key_private = ck_attrs_bool(&a, CKA_PRIVATE, false);
	if (op->key_type != d->key_type) {
		rv = CKR_KEY_TYPE_INCONSISTENT;
		goto fail;
	}
	rv = ck_mech_fips_key(s->slot, op->key_type, &a);
	if (rv != CKR_OK)
		goto fail;
	if (!ck_attrs_bool(&a, fn_usage[fn], false)) {
		rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
		goto fail;
	}
	switch (op->key_class) {
	case CKO_PUBLIC_KEY:
		if (fn != F_ENCRYPT && fn != F_VERIFY) {
			rv = CKR_KEY_TYPE_INCONSISTENT;
			goto fail;
		}
		rv = ck_keys_public_pkey(&a, &op->pub);
		if (rv != CKR_OK)
			goto fail;
		break;
	case CKO_PRIVATE_KEY:
		if (fn != F_DECRYPT && fn != F_SIGN) {
			rv = CKR_KEY_TYPE_INCONSISTENT;
			goto fail;
		}
		break;
	case CKO_SECRET_KEY:
		break;
	default:
		rv = CKR_KEY_TYPE_INCONSISTENT;
		goto fail;
	}
	if (!op->key.n && !op->pub) {
		rv = CKR_KEY_TYPE_INCONSISTENT;
		goto fail;
	}
	rv = copy_mech(&op->mech, pMechanism);
	if (rv != CKR_OK)
		goto fail;
	/* A parameter that breaks its layout fails here, not at the card. */
	{
		struct ck_buf enc = { 0 };

		rv = ck_card_encode_mech(pMechanism, &enc);
		ck_buf_free(&enc);
		if (rv != CKR_OK)
			goto fail;
	}
	op->card_mech = pMechanism->mechanism;
	if (d->md) {
		op->md = EVP_MD_CTX_new();
		if (!op->md || !EVP_DigestInit_ex(op->md, EVP_get_digestbyname(d->md),
						  NULL)) {
			rv = CKR_HOST_MEMORY;
			goto fail;
		}
		op->card_mech = d->raw;
	}
	/* Remember the output size now: the key's attributes are at hand. */
	op->out_len = op->key_type == CKK_GENERIC_SECRET ?
		      hmac_len(pMechanism->mechanism) : key_out_len(op, &a);
	ck_mutex_lock(&ck_g.lock);
	op->login_gen = s->slot->login_gen;
	ck_mutex_unlock(&ck_g.lock);
	op->active = true;
	goto out;
fail:
	ck_op_reset(op);
out:
	ck_attrs_free(&a);
	ck_mutex_unlock(&s->op_lock);
	ck_session_put(s);
	return rv;
}

/* The operation of @fn of a session, locked; CKR_OK or why not. */
static CK_RV op_get(CK_SESSION_HANDLE h, int kind, struct ck_session **ps,
		    struct ck_oper **pop)
{
	struct ck_session *s;
	struct ck_oper *op;
	bool revoked;
	CK_RV rv;

	rv = ck_session_get(h, &s);
	if (rv != CKR_OK)
		return rv;
	ck_mutex_lock(&s->op_lock);
	op = &s->ops[kind];
	if (!op->active) {
		ck_mutex_unlock(&s->op_lock);
		ck_session_put(s);
		return CKR_OPERATION_NOT_INITIALIZED;
	}
	ck_mutex_lock(&ck_g.lock);
	revoked = op->key_private && op->login_gen != s->slot->login_gen;
	ck_mutex_unlock(&ck_g.lock);
	if (revoked) {
		/* The key belonged to a login that has ended. */
		ck_op_reset(op);
		ck_mutex_unlock(&s->op_lock);
		ck_session_put(s);
		return CKR_USER_NOT_LOGGED_IN;
	}
	*ps = s;
	*pop = op;
	return CKR_OK;
}

static void op_put(struct ck_session *s)
{
	ck_mutex_unlock(&s->op_lock);
	ck_session_put(s);
}

static CK_RV buffer(struct ck_oper *op, const void *p, size_t n)
{
	unsigned char *d;

	if (n > CK_MULTIPART_MAX - op->len)
		return CKR_DATA_LEN_RANGE;
	if (!n)
		return CKR_OK;
	d = OPENSSL_realloc(op->data, op->len + n);
	if (!d)
		return CKR_HOST_MEMORY;
	memcpy(d + op->len, p, n);
	op->data = d;
	op->len += n;
	return CKR_OK;
}

/* The card's code of the last request, and the kernel's ESTALE. */
static CK_RV card_rv(struct ck_session *s, CK_RV rv, const struct ck_card_ctx *c)
{
	atomic_store(&s->device_error, c->card_rc);
	return ck_login_stale(s, rv, c->err);
}

struct card_arg {
	int fn;
	struct ck_oper *op;
	const CK_MECHANISM *mech;
	const void *in;
	size_t inlen;
	const void *sig;
	size_t siglen;
	struct ck_buf *out;
	struct ck_card_ctx last;
};

static CK_RV card_call(struct ck_card_ctx *c, void *arg)
{
	struct card_arg *a = arg;
	CK_RV rv;

	switch (a->fn) {
	case F_ENCRYPT:
		rv = ck_card_encrypt(c, a->mech, &a->op->key, a->in, a->inlen,
				     a->out);
		break;
	case F_DECRYPT:
		rv = ck_card_decrypt(c, a->mech, &a->op->key, a->in, a->inlen,
				     a->out);
		break;
	case F_SIGN:
		rv = ck_card_sign(c, a->mech, &a->op->key, a->in, a->inlen,
				  a->out);
		break;
	default:
		rv = ck_card_verify(c, a->mech, &a->op->key, a->in, a->inlen,
				    a->sig, a->siglen);
		break;
	}
	a->last = *c;
	return rv;
}

static CK_RV on_card(struct ck_session *s, struct ck_oper *op, int fn,
		     const void *in, size_t inlen, const void *sig,
		     size_t siglen, struct ck_buf *out)
{
	CK_MECHANISM m = op->mech;
	struct card_arg a = { .fn = fn, .op = op, .mech = &m, .in = in,
			      .inlen = inlen, .sig = sig, .siglen = siglen,
			      .out = out };
	CK_RV rv;

	m.mechanism = op->card_mech;
	if (op->md && op->card_mech == CKM_ECDSA) {
		m.pParameter = NULL;
		m.ulParameterLen = 0;
	}
	rv = ck_slot_call(s->slot, op->bind, card_call, &a, NULL);
	return card_rv(s, rv, &a.last);
}

/* The data the card signs: a digest (with a DigestInfo for RSA PKCS#1). */
static CK_RV final_digest(struct ck_oper *op, struct ck_buf *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	const unsigned char *di = NULL;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 0;
	size_t din = 0;
	int ok;

	/* A copy is finished: the hash goes on if the answer is kept back. */
	ok = c && EVP_MD_CTX_copy_ex(c, op->md) && EVP_DigestFinal_ex(c, md, &n);
	EVP_MD_CTX_free(c);
	if (!ok)
		return CKR_GENERAL_ERROR;
	if (op->card_mech == CKM_RSA_PKCS)
		di = ck_mech_digest_info(EVP_MD_get0_name(EVP_MD_CTX_get0_md(op->md)),
					 &din);
	out->p = OPENSSL_malloc(din + n);
	if (!out->p)
		return CKR_HOST_MEMORY;
	if (din)
		memcpy(out->p, di, din);
	memcpy(out->p + din, md, n);
	out->n = din + n;
	return CKR_OK;
}

/* Converts a PKCS#11 ECDSA signature (r | s) to DER for OpenSSL. */
static unsigned char *ecdsa_der(const unsigned char *sig, size_t n, size_t *dlen)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, n / 2, NULL);
	BIGNUM *sv = BN_bin2bn(sig + n / 2, n / 2, NULL);
	unsigned char *der = NULL;
	int l;

	if (!es || !r || !sv || !ECDSA_SIG_set0(es, r, sv)) {
		BN_free(r);
		BN_free(sv);
		ECDSA_SIG_free(es);
		return NULL;
	}
	l = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	if (l <= 0)
		return NULL;
	*dlen = l;
	return der;
}

static const EVP_MD *md_of_mech(CK_MECHANISM_TYPE m)
{
	switch (m) {
	case CKM_SHA_1:
	case CKG_MGF1_SHA1:
		return EVP_sha1();
	case CKM_SHA224:
	case CKG_MGF1_SHA224:
		return EVP_sha224();
	case CKM_SHA256:
	case CKG_MGF1_SHA256:
		return EVP_sha256();
	case CKM_SHA384:
	case CKG_MGF1_SHA384:
		return EVP_sha384();
	case CKM_SHA512:
	case CKG_MGF1_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

static const EVP_MD *mgf_md(CK_RSA_PKCS_MGF_TYPE mgf)
{
	switch (mgf) {
	case CKG_MGF1_SHA1:
		return EVP_sha1();
	case CKG_MGF1_SHA224:
		return EVP_sha224();
	case CKG_MGF1_SHA256:
		return EVP_sha256();
	case CKG_MGF1_SHA384:
		return EVP_sha384();
	case CKG_MGF1_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

/* Verifies @data (already the digest when op->md) locally with op->pub. */
static CK_RV verify_local(struct ck_oper *op, const unsigned char *data,
			  size_t len, const unsigned char *sig, size_t siglen)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_MD_CTX *mctx = NULL;
	unsigned char *der = NULL;
	size_t want = op->out_len;
	CK_RV rv = CKR_SIGNATURE_INVALID;
	int ok;

	if (want && siglen != want)
		return CKR_SIGNATURE_LEN_RANGE;
	if (op->key_type == CKK_EC_EDWARDS) {
		mctx = EVP_MD_CTX_new();
		if (!mctx || EVP_DigestVerifyInit(mctx, NULL, NULL, NULL,
						  op->pub) <= 0) {
			rv = CKR_HOST_MEMORY;
			goto out;
		}
		ok = EVP_DigestVerify(mctx, sig, siglen, data, len);
		rv = ok == 1 ? CKR_OK : CKR_SIGNATURE_INVALID;
		goto out;
	}
	ctx = EVP_PKEY_CTX_new(op->pub, NULL);
	if (!ctx || EVP_PKEY_verify_init(ctx) <= 0) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (op->key_type == CKK_EC) {
		size_t dlen = 0;

		der = ecdsa_der(sig, siglen, &dlen);
		if (!der)
			goto out;
		ok = EVP_PKEY_verify(ctx, der, dlen, data, len);
		rv = ok == 1 ? CKR_OK : CKR_SIGNATURE_INVALID;
		goto out;
	}
	/* RSA */
	if (op->card_mech == CKM_RSA_PKCS_PSS) {
		const CK_RSA_PKCS_PSS_PARAMS *p = op->mech.pParameter;

		if (!p || op->mech.ulParameterLen != sizeof(*p) ||
		    !md_of_mech(p->hashAlg) || !mgf_md(p->mgf)) {
			rv = CKR_MECHANISM_PARAM_INVALID;
			goto out;
		}
		if (len != (size_t)EVP_MD_get_size(md_of_mech(p->hashAlg))) {
			rv = CKR_DATA_LEN_RANGE;
			goto out;
		}
		if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_signature_md(ctx, md_of_mech(p->hashAlg)) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, mgf_md(p->mgf)) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, (int)p->sLen) <= 0) {
			rv = CKR_MECHANISM_PARAM_INVALID;
			goto out;
		}
	} else if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) {
		goto out;
	}
	ok = EVP_PKEY_verify(ctx, sig, siglen, data, len);
	rv = ok == 1 ? CKR_OK : CKR_SIGNATURE_INVALID;
out:
	OPENSSL_free(der);
	EVP_PKEY_CTX_free(ctx);
	EVP_MD_CTX_free(mctx);
	return rv;
}

/* RSA encryption with a public key, locally. */
static CK_RV encrypt_local(struct ck_oper *op, const unsigned char *in, size_t inlen,
			   struct ck_buf *out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(op->pub, NULL);
	CK_RV rv = CKR_HOST_MEMORY;
	size_t n = 0;

	if (!ctx || EVP_PKEY_encrypt_init(ctx) <= 0)
		goto out;
	if (op->card_mech == CKM_RSA_PKCS_OAEP) {
		const CK_RSA_PKCS_OAEP_PARAMS *p = op->mech.pParameter;

		rv = CKR_MECHANISM_PARAM_INVALID;
		if (!p || op->mech.ulParameterLen != sizeof(*p) ||
		    !md_of_mech(p->hashAlg) || !mgf_md(p->mgf) ||
		    (p->source != 0 && p->source != CKZ_DATA_SPECIFIED) ||
		    (!p->pSourceData && p->ulSourceDataLen))
			goto out;
		if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md_of_mech(p->hashAlg)) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, mgf_md(p->mgf)) <= 0)
			goto out;
		if (p->source == CKZ_DATA_SPECIFIED && p->ulSourceDataLen) {
			void *label = OPENSSL_memdup(p->pSourceData,
						     p->ulSourceDataLen);

			if (!label ||
			    EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label,
							     (int)p->ulSourceDataLen) <= 0) {
				OPENSSL_free(label);
				goto out;
			}
		}
	} else if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) {
		goto out;
	}
	rv = CKR_HOST_MEMORY;
	if (EVP_PKEY_encrypt(ctx, NULL, &n, in, inlen) <= 0)
		goto out;
	out->p = OPENSSL_malloc(n);
	if (!out->p)
		goto out;
	if (EVP_PKEY_encrypt(ctx, out->p, &n, in, inlen) <= 0) {
		rv = CKR_DATA_LEN_RANGE;
		goto out;
	}
	out->n = n;
	rv = CKR_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	return rv;
}

/* The exact (or largest) output of @fn for @inlen bytes of input. */
static size_t out_bound(const struct ck_oper *op, int fn, size_t inlen)
{
	const CK_GCM_PARAMS *g;

	if (fn == F_SIGN)
		return op->out_len;
	switch (op->card_mech) {
	case CKM_AES_ECB:
	case CKM_AES_CBC:
		return inlen;
	case CKM_AES_CBC_PAD:
		return fn == F_ENCRYPT ? (inlen / 16 + 1) * 16 : inlen;
	case CKM_AES_GCM:
		g = op->mech.pParameter;
		if (!g || op->mech.ulParameterLen != sizeof(*g))
			return inlen;
		return fn == F_ENCRYPT ? inlen + g->ulTagBits / 8 : inlen;
	default:	/* RSA */
		return op->out_len ? op->out_len : inlen;
	}
}

/* One whole operation on @in: sign, encrypt or decrypt into @out. */
static CK_RV run(struct ck_session *s, struct ck_oper *op, int fn,
		 const unsigned char *in, size_t inlen, unsigned char *out,
		 CK_ULONG_PTR outlen)
{
	struct ck_buf res = { 0 }, dig = { 0 };
	size_t bound = out_bound(op, fn, inlen);
	CK_RV rv;

	if (!outlen)
		return CKR_ARGUMENTS_BAD;
	/* Exact lengths are known before the card is asked. */
	if (bound && !out) {
		*outlen = bound;
		return CKR_OK;
	}
	if (bound && *outlen < bound && (fn == F_SIGN || fn == F_ENCRYPT)) {
		*outlen = bound;
		return CKR_BUFFER_TOO_SMALL;
	}
	if (op->md) {
		if (inlen && !EVP_DigestUpdate(op->md, in, inlen))
			return CKR_GENERAL_ERROR;
		rv = final_digest(op, &dig);
		if (rv != CKR_OK)
			goto done;
		in = dig.p;
		inlen = dig.n;
	}
	if (op->pub)
		rv = encrypt_local(op, in, inlen, &res);
	else
		rv = on_card(s, op, fn, in, inlen, NULL, 0, &res);
	if (rv != CKR_OK)
		goto done;
	if (!out) {
		*outlen = res.n;
		rv = CKR_OK;
		goto keep;
	}
	if (*outlen < res.n) {
		*outlen = res.n;
		rv = CKR_BUFFER_TOO_SMALL;
		goto keep;
	}
	memcpy(out, res.p, res.n);
	*outlen = res.n;
done:
	ck_buf_free(&res);
	ck_buf_free(&dig);
	ck_op_reset(op);
	return rv;
keep:
	/*
	 * The operation stays.  A final call's hash holds the parts and goes
	 * on; a single-part call is made again with its data: start anew.
	 */
	ck_buf_free(&res);
	ck_buf_free(&dig);
	if (op->md && !op->multipart)
		EVP_DigestInit_ex(op->md, EVP_MD_CTX_get0_md(op->md), NULL);
	return rv;
}

/* Single-part and final calls of encrypt, decrypt and sign. */
static CK_RV single(CK_SESSION_HANDLE h, int fn, const unsigned char *in,
		    size_t inlen, unsigned char *out, CK_ULONG_PTR outlen,
		    bool final)
{
	struct ck_session *s;
	struct ck_oper *op;
	CK_RV rv;

	rv = op_get(h, fn_kind[fn], &s, &op);
	if (rv != CKR_OK)
		return rv;
	if (!final && (!in && inlen)) {
		ck_op_reset(op);
		op_put(s);
		return CKR_ARGUMENTS_BAD;
	}
	if (!final && op->multipart) {
		op_put(s);
		return CKR_OPERATION_ACTIVE;
	}
	if (final && !op->md) {
		in = op->data;
		inlen = op->len;
	}
	if (final && op->md) {
		/* The digest holds everything: nothing more to feed it. */
		in = NULL;
		inlen = 0;
	}
	if (!op->md && !final && inlen > CK_MULTIPART_MAX) {
		ck_op_reset(op);
		op_put(s);
		return CKR_DATA_LEN_RANGE;
	}
	rv = run(s, op, fn, in, inlen, out, outlen);
	op_put(s);
	return rv;
}

static CK_RV update(CK_SESSION_HANDLE h, int fn, const unsigned char *in,
		    size_t inlen)
{
	struct ck_session *s;
	struct ck_oper *op;
	CK_RV rv;

	rv = op_get(h, fn_kind[fn], &s, &op);
	if (rv != CKR_OK)
		return rv;
	if (!in && inlen) {
		rv = CKR_ARGUMENTS_BAD;
	} else if (op->md) {
		/* The hash carries the parts: no bound on their length. */
		if (inlen && !EVP_DigestUpdate(op->md, in, inlen))
			rv = CKR_GENERAL_ERROR;
	} else {
		rv = buffer(op, in, inlen);
	}
	op->multipart = true;
	if (rv != CKR_OK)
		ck_op_reset(op);
	op_put(s);
	return rv;
}

CK_RV C_EncryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return op_init(h, m, k, F_ENCRYPT);
}

CK_RV C_Encrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
		CK_BYTE_PTR pEncryptedData, CK_ULONG_PTR pulEncryptedDataLen)
{
	return single(h, F_ENCRYPT, pData, ulDataLen, pEncryptedData,
		      pulEncryptedDataLen, false);
}

CK_RV C_EncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
		      CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen)
{
	CK_RV rv;

	if (!pulEncryptedPartLen)
		return CKR_ARGUMENTS_BAD;
	rv = update(h, F_ENCRYPT, pPart, ulPartLen);
	if (rv == CKR_OK)
		*pulEncryptedPartLen = 0;	/* all of it comes at the end */
	return rv;
}

CK_RV C_EncryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR pLastEncryptedPart,
		     CK_ULONG_PTR pulLastEncryptedPartLen)
{
	return single(h, F_ENCRYPT, NULL, 0, pLastEncryptedPart,
		      pulLastEncryptedPartLen, true);
}

CK_RV C_DecryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return op_init(h, m, k, F_DECRYPT);
}

CK_RV C_Decrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR pEncryptedData,
		CK_ULONG ulEncryptedDataLen, CK_BYTE_PTR pData,
		CK_ULONG_PTR pulDataLen)
{
	return single(h, F_DECRYPT, pEncryptedData, ulEncryptedDataLen, pData,
		      pulDataLen, false);
}

CK_RV C_DecryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR pEncryptedPart,
		      CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart,
		      CK_ULONG_PTR pulPartLen)
{
	CK_RV rv;

	if (!pulPartLen)
		return CKR_ARGUMENTS_BAD;
	rv = update(h, F_DECRYPT, pEncryptedPart, ulEncryptedPartLen);
	if (rv == CKR_OK)
		*pulPartLen = 0;
	return rv;
}

CK_RV C_DecryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR pLastPart,
		     CK_ULONG_PTR pulLastPartLen)
{
	return single(h, F_DECRYPT, NULL, 0, pLastPart, pulLastPartLen, true);
}

CK_RV C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return op_init(h, m, k, F_SIGN);
}

CK_RV C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
	     CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
	return single(h, F_SIGN, pData, ulDataLen, pSignature, pulSignatureLen,
		      false);
}

CK_RV C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
	return update(h, F_SIGN, pPart, ulPartLen);
}

CK_RV C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR pSignature,
		  CK_ULONG_PTR pulSignatureLen)
{
	return single(h, F_SIGN, NULL, 0, pSignature, pulSignatureLen, true);
}

CK_RV C_VerifyInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return op_init(h, m, k, F_VERIFY);
}

static CK_RV verify(CK_SESSION_HANDLE h, const unsigned char *data, size_t len,
		    const unsigned char *sig, size_t siglen, bool final)
{
	struct ck_buf dig = { 0 };
	struct ck_session *s;
	struct ck_oper *op;
	CK_RV rv;

	rv = op_get(h, CK_OPK_VERIFY, &s, &op);
	if (rv != CKR_OK)
		return rv;
	if (!sig || (!final && !data && len)) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	if (!final && op->multipart) {
		op_put(s);
		return CKR_OPERATION_ACTIVE;
	}
	if (final) {
		data = op->data;
		len = op->len;
	}
	if (op->md) {
		if (!final && len && !EVP_DigestUpdate(op->md, data, len)) {
			rv = CKR_GENERAL_ERROR;
			goto out;
		}
		rv = final_digest(op, &dig);
		if (rv != CKR_OK)
			goto out;
		data = dig.p;
		len = dig.n;
	} else if (len > CK_MULTIPART_MAX) {
		rv = CKR_DATA_LEN_RANGE;
		goto out;
	}
	if (op->pub)
		rv = verify_local(op, data, len, sig, siglen);
	else
		rv = on_card(s, op, F_VERIFY, data, len, sig, siglen, NULL);
out:
	ck_buf_free(&dig);
	ck_op_reset(op);
	op_put(s);
	return rv;
}

CK_RV C_Verify(CK_SESSION_HANDLE h, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
	       CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	return verify(h, pData, ulDataLen, pSignature, ulSignatureLen, false);
}

CK_RV C_VerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
	return update(h, F_VERIFY, pPart, ulPartLen);
}

CK_RV C_VerifyFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR pSignature,
		    CK_ULONG ulSignatureLen)
{
	return verify(h, NULL, 0, pSignature, ulSignatureLen, true);
}

CK_RV C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism)
{
	struct ck_session *s;
	struct ck_oper *op;
	const EVP_MD *md;
	CK_RV rv;

	rv = ck_session_get(h, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pMechanism) {
		ck_session_put(s);
		return CKR_ARGUMENTS_BAD;
	}
	ck_mutex_lock(&s->op_lock);
	op = &s->ops[CK_OPK_DIGEST];
	if (op->active) {
		rv = CKR_OPERATION_ACTIVE;
		goto out;
	}
	rv = ck_mech_check(s->slot, pMechanism->mechanism, CK_MF_DIGEST);
	if (rv != CKR_OK)
		goto out;
	if (pMechanism->pParameter || pMechanism->ulParameterLen) {
		rv = CKR_MECHANISM_PARAM_INVALID;
		goto out;
	}
	md = md_of_mech(pMechanism->mechanism);
	op->md = EVP_MD_CTX_new();
	if (!md || !op->md || !EVP_DigestInit_ex(op->md, md, NULL)) {
		ck_op_reset(op);
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	op->mech.mechanism = pMechanism->mechanism;
	op->active = true;
out:
	ck_mutex_unlock(&s->op_lock);
	ck_session_put(s);
	return rv;
}

static CK_RV digest_out(struct ck_oper *op, unsigned char *out, CK_ULONG_PTR outlen)
{
	size_t n = EVP_MD_CTX_get_size(op->md);
	unsigned int got;

	if (!outlen)
		return CKR_ARGUMENTS_BAD;
	if (!out) {
		*outlen = n;
		return CKR_OK;
	}
	if (*outlen < n) {
		*outlen = n;
		return CKR_BUFFER_TOO_SMALL;
	}
	if (!EVP_DigestFinal_ex(op->md, out, &got))
		return CKR_GENERAL_ERROR;
	*outlen = got;
	ck_op_reset(op);
	return CKR_OK;
}

CK_RV C_Digest(CK_SESSION_HANDLE h, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
	       CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen)
{
	struct ck_session *s;
	struct ck_oper *op;
	CK_RV rv;

	rv = op_get(h, CK_OPK_DIGEST, &s, &op);
	if (rv != CKR_OK)
		return rv;
	if (op->multipart) {
		op_put(s);
		return CKR_OPERATION_ACTIVE;
	}
	if (!pData && ulDataLen) {
		ck_op_reset(op);
		op_put(s);
		return CKR_ARGUMENTS_BAD;
	}
	if (pDigest && pulDigestLen &&
	    *pulDigestLen >= (CK_ULONG)EVP_MD_CTX_get_size(op->md) &&
	    ulDataLen && !EVP_DigestUpdate(op->md, pData, ulDataLen)) {
		ck_op_reset(op);
		op_put(s);
		return CKR_GENERAL_ERROR;
	}
	rv = digest_out(op, pDigest, pulDigestLen);
	op_put(s);
	return rv;
}

CK_RV C_DigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
	struct ck_session *s;
	struct ck_oper *op;
	CK_RV rv;

	rv = op_get(h, CK_OPK_DIGEST, &s, &op);
	if (rv != CKR_OK)
		return rv;
	op->multipart = true;
	if (!pPart && ulPartLen)
		rv = CKR_ARGUMENTS_BAD;
	else if (ulPartLen && !EVP_DigestUpdate(op->md, pPart, ulPartLen))
		rv = CKR_GENERAL_ERROR;
	if (rv != CKR_OK)
		ck_op_reset(op);
	op_put(s);
	return rv;
}

CK_RV C_DigestKey(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE hKey)
{
	struct ck_session *s;
	struct ck_oper *op;
	CK_RV rv;

	rv = op_get(h, CK_OPK_DIGEST, &s, &op);
	if (rv != CKR_OK)
		return rv;
	/* A key's value never leaves the card to be hashed here. */
	ck_op_reset(op);
	op_put(s);
	return CKR_KEY_INDIGESTIBLE;
}

CK_RV C_DigestFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR pDigest,
		    CK_ULONG_PTR pulDigestLen)
{
	struct ck_session *s;
	struct ck_oper *op;
	CK_RV rv;

	rv = op_get(h, CK_OPK_DIGEST, &s, &op);
	if (rv != CKR_OK)
		return rv;
	rv = digest_out(op, pDigest, pulDigestLen);
	op_put(s);
	return rv;
}

struct random_arg {
	void *out;
	size_t n;
	struct ck_card_ctx last;
};

static CK_RV random_call(struct ck_card_ctx *c, void *arg)
{
	struct random_arg *a = arg;
	CK_RV rv = ck_card_random(c, a->out, a->n);

	a->last = *c;
	return rv;
}

CK_RV C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR pRandomData,
		       CK_ULONG ulRandomLen)
{
	struct random_arg a = { .out = pRandomData, .n = ulRandomLen };
	struct ck_session *s;
	CK_RV rv;

	rv = ck_session_get(h, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pRandomData && ulRandomLen) {
		ck_session_put(s);
		return CKR_ARGUMENTS_BAD;
	}
	if (ulRandomLen)
		rv = ck_slot_call(s->slot, 0, random_call, &a, NULL);
	if (ulRandomLen)
		atomic_store(&s->device_error, a.last.card_rc);
	ck_session_put(s);
	return rv;
}

CK_RV C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen)
{
	CK_RV rv = ck_session_refuse(h, CKR_OK);

	if (rv != CKR_OK)
		return rv;
	if (!pSeed && ulSeedLen)
		return CKR_ARGUMENTS_BAD;
	/* The card's generator takes no seed from the host. */
	return CKR_RANDOM_SEED_NOT_SUPPORTED;
}
