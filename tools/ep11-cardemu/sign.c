// SPDX-License-Identifier: GPL-2.0
/*
 * Signatures and MACs:
 *   SignSingle (31):   (mechanism, key blob, data) -> (signature)
 *   VerifySingle (32): (mechanism, key blob, data, signature) -> ()
 * RSA PKCS#1 v1.5 (raw and with SHA-2), RSA-PSS (raw and with SHA-2),
 * ECDSA (raw and with SHA-2; signatures are r | s, each as long as the
 * curve's order), EdDSA (Ed25519) and HMAC with SHA-2 on generic secret
 * keys.  Signing needs a private key (a secret key for HMAC) with
 * CKA_SIGN, verifying a public key (a secret key) with CKA_VERIFY.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "card.h"
#include "fw_crypto.h"

#define SIG_MAX		1024

/**
 * struct sig_op - one signature operation
 * @m:       the mechanism
 * @pkey:    the key (asymmetric mechanisms)
 * @key:     the key in the clear
 * @pss_md:  RSA-PSS: hash of the parameter
 * @mgf_md:  RSA-PSS: MGF1 hash of the parameter
 * @saltlen: RSA-PSS: salt length of the parameter
 */
struct sig_op {
	const struct fw_mech *m;
	EVP_PKEY *pkey;
	struct fw_key key;
	const char *pss_md;
	const char *mgf_md;
	int saltlen;
};

static bool is_pss(const struct fw_mech *m)
{
	return m->type == CKM_RSA_PKCS_PSS ||
	       (m->type >= CKM_SHA256_RSA_PKCS_PSS &&
		m->type <= CKM_SHA512_RSA_PKCS_PSS) ||
	       m->type == CKM_SHA224_RSA_PKCS_PSS;
}

static bool is_hmac(const struct fw_mech *m)
{
	return m->key_type == CKK_GENERIC_SECRET;
}

/* CK_RSA_PKCS_PSS_PARAMS: u32 hashAlg, u32 mgf, u32 sLen. */
static u32 pss_params(struct sig_op *op, const struct fw_param *p)
{
	u32 hash, mgf, slen, em;
	struct fw_rd r;
	int hlen;

	fw_rd_init(&r, p);
	hash = fw_rd_u32(&r);
	mgf = fw_rd_u32(&r);
	slen = fw_rd_u32(&r);
	if (r.bad || r.n)
		return EP11_CKR_MECHANISM_PARAM_INVALID;
	op->pss_md = fw_hash_md(hash);
	op->mgf_md = fw_mgf_md(mgf);
	if (!op->pss_md || !op->mgf_md ||
	    (op->m->md && strcmp(op->m->md, op->pss_md)))
		return EP11_CKR_MECHANISM_PARAM_INVALID;
	hlen = EVP_MD_get_size(EVP_get_digestbyname(op->pss_md));
	em = (EVP_PKEY_get_bits(op->pkey) + 6) / 8;
	if (hlen <= 0 || em < (u32)hlen + 2 || slen > em - hlen - 2)
		return EP11_CKR_MECHANISM_PARAM_INVALID;
	op->saltlen = slen;
	return EP11_CKR_OK;
}

/*
 * Opens the key and reads the mechanism parameter.  @sign: for
 * SignSingle (else VerifySingle).
 */
static u32 sig_setup(struct fw_req *req, bool sign, struct sig_op *op)
{
	struct fw_mech_arg a;
	u32 cls, rc;

	rc = fw_mech_get(&req->param[0], sign ? CKF_SIGN : CKF_VERIFY, &a);
	if (rc)
		return rc;
	op->m = a.m;
	if (!is_pss(a.m)) {
		rc = fw_mech_no_param(&a);
		if (rc)
			return rc;
	}
	rc = fw_key_open(req, &req->param[1], &op->key);
	if (rc)
		return rc;
	cls = is_hmac(a.m) ? CKO_SECRET_KEY :
	      sign ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY;
	rc = fw_key_check(&op->key, cls, a.m->key_type,
			  sign ? CKA_SIGN : CKA_VERIFY);
	if (rc)
		return rc;
	if (is_hmac(a.m)) {
		if (op->key.material_len < a.m->min_key ||
		    op->key.material_len > a.m->max_key)
			return EP11_CKR_KEY_SIZE_RANGE;
		return EP11_CKR_OK;
	}
	op->pkey = fw_key_pkey(&op->key);
	if (!op->pkey)
		return EP11_CKR_IBM_BLOB_ERROR;
	if (is_pss(a.m))
		return pss_params(op, &a.param);
	return EP11_CKR_OK;
}

static void sig_done(struct sig_op *op)
{
	EVP_PKEY_free(op->pkey);
	fw_key_free(&op->key);
}

static u32 hmac(const struct fw *fw, const struct sig_op *op,
		const struct fw_param *data, u8 *mac, size_t *len)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 (char *)op->m->md, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(fw->hmac);
	int ok;

	ok = ctx && EVP_MAC_init(ctx, op->key.material, op->key.material_len,
				 params) &&
	     EVP_MAC_update(ctx, data->p, data->n) &&
	     EVP_MAC_final(ctx, mac, len, EVP_MAX_MD_SIZE);
	EVP_MAC_CTX_free(ctx);
	return ok ? EP11_CKR_OK : EP11_CKR_DEVICE_ERROR;
}

/* Sets padding, MGF1 and salt of an RSA operation on @ctx. */
static bool rsa_ctx(const struct sig_op *op, EVP_PKEY_CTX *ctx)
{
	if (!is_pss(op->m))
		return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0;
	return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
	       EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, op->mgf_md, NULL) > 0 &&
	       EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, op->saltlen) > 0;
}

/*
 * The operation context: a digest-and-sign one for mechanisms that hash
 * (and EdDSA), else a raw one.  Returns a CKR value.
 */
static u32 op_init(const struct sig_op *op, const struct fw_param *data,
		   bool sign, EVP_MD_CTX **mctx, EVP_PKEY_CTX **pctx)
{
	const struct fw_mech *m = op->m;
	EVP_PKEY_CTX *ctx;
	u32 rc;
	int ok;

	*mctx = NULL;
	*pctx = NULL;
	if (m->md || m->type == CKM_EDDSA) {
		*mctx = EVP_MD_CTX_new();
		if (!*mctx)
			return EP11_CKR_HOST_MEMORY;
		ok = sign ? EVP_DigestSignInit_ex(*mctx, &ctx, m->md, NULL,
						  NULL, op->pkey, NULL) :
			    EVP_DigestVerifyInit_ex(*mctx, &ctx, m->md, NULL,
						    NULL, op->pkey, NULL);
		if (ok > 0 && m->key_type == CKK_RSA)
			ok = rsa_ctx(op, ctx);
		return ok > 0 ? EP11_CKR_OK : EP11_CKR_DEVICE_ERROR;
	}
	if (m->type == CKM_RSA_PKCS_PSS &&
	    (int)data->n != EVP_MD_get_size(EVP_get_digestbyname(op->pss_md)))
		return EP11_CKR_DATA_LEN_RANGE;
	if (m->type == CKM_RSA_PKCS &&
	    (int)data->n > EVP_PKEY_get_size(op->pkey) - 11)
		return EP11_CKR_DATA_LEN_RANGE;
	rc = fw_key_sig_ctx(&op->key, op->pkey, sign, pctx);
	if (rc)
		return rc;
	ok = 1;
	if (m->key_type == CKK_RSA)
		ok = rsa_ctx(op, *pctx);
	if (ok > 0 && is_pss(m)) {
		const EVP_MD *md = EVP_get_digestbyname(op->pss_md);

		ok = EVP_PKEY_CTX_set_signature_md(*pctx, md);
	}
	return ok > 0 ? EP11_CKR_OK : EP11_CKR_DEVICE_ERROR;
}

/* ECDSA signatures: DER on the OpenSSL side, r | s on the wire. */
static size_t ec_half(const struct sig_op *op)
{
	return (EVP_PKEY_get_bits(op->pkey) + 7) / 8;
}

static u32 der_to_rs(const struct sig_op *op, const u8 *der, size_t len,
		     u8 *out, size_t *out_len)
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, len);
	const BIGNUM *r, *s;
	size_t half = ec_half(op);
	int ok;

	if (!sig)
		return EP11_CKR_DEVICE_ERROR;
	ECDSA_SIG_get0(sig, &r, &s);
	ok = BN_bn2binpad(r, out, half) == (int)half &&
	     BN_bn2binpad(s, out + half, half) == (int)half;
	ECDSA_SIG_free(sig);
	*out_len = 2 * half;
	return ok ? EP11_CKR_OK : EP11_CKR_DEVICE_ERROR;
}

/* Returns the DER length, 0 on failure; *der is OPENSSL_malloc()ed. */
static int rs_to_der(const struct sig_op *op, const u8 *rs, u8 **der)
{
	size_t half = ec_half(op);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(rs, half, NULL);
	BIGNUM *s = BN_bin2bn(rs + half, half, NULL);
	int len = 0;

	*der = NULL;
	if (sig && r && s && ECDSA_SIG_set0(sig, r, s)) {
		r = NULL;
		s = NULL;
		len = i2d_ECDSA_SIG(sig, der);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	return len > 0 ? len : 0;
}

static u32 sign_single(struct fw_req *req, struct ep11_wbuf *rep)
{
	const struct fw_param *data = &req->param[2];
	struct sig_op op = { 0 };
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	u8 sig[SIG_MAX], rs[SIG_MAX];
	size_t len = sizeof(sig);
	u32 rc;
	int ok;

	rc = sig_setup(req, true, &op);
	if (rc)
		goto out;
	if (is_hmac(op.m)) {
		rc = hmac(req->fw, &op, data, sig, &len);
		goto put;
	}
	rc = op_init(&op, data, true, &mctx, &pctx);
	if (rc)
		goto out;
	if (mctx)
		ok = EVP_DigestSign(mctx, sig, &len, data->p, data->n);
	else
		ok = EVP_PKEY_sign(pctx, sig, &len, data->p, data->n);
	if (ok <= 0) {
		rc = EP11_CKR_DEVICE_ERROR;
		goto out;
	}
	if (op.m->key_type == CKK_EC) {
		rc = der_to_rs(&op, sig, len, rs, &len);
		memcpy(sig, rs, len);
	}
put:
	if (!rc)
		ep11_wire_put(rep, sig, len);
out:
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
	OPENSSL_cleanse(sig, sizeof(sig));
	sig_done(&op);
	return rc;
}

static size_t sig_len(const struct sig_op *op)
{
	if (op->m->key_type == CKK_EC)
		return 2 * ec_half(op);
	if (op->m->key_type == CKK_EC_EDWARDS)
		return 64;
	return EVP_PKEY_get_size(op->pkey);
}

static u32 verify_single(struct fw_req *req, struct ep11_wbuf *rep)
{
	const struct fw_param *data = &req->param[2], *sig = &req->param[3];
	struct sig_op op = { 0 };
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	u8 mac[EVP_MAX_MD_SIZE], *der = NULL;
	const u8 *s = sig->p;
	size_t len = sig->n;
	u32 rc;
	int ok;

	rc = sig_setup(req, false, &op);
	if (rc)
		goto out;
	if (is_hmac(op.m)) {
		rc = hmac(req->fw, &op, data, mac, &len);
		if (!rc && len != sig->n)
			rc = EP11_CKR_SIGNATURE_LEN_RANGE;
		else if (!rc && CRYPTO_memcmp(mac, sig->p, len))
			rc = EP11_CKR_SIGNATURE_INVALID;
		goto out;
	}
	if (sig->n != sig_len(&op)) {
		rc = EP11_CKR_SIGNATURE_LEN_RANGE;
		goto out;
	}
	rc = op_init(&op, data, false, &mctx, &pctx);
	if (rc)
		goto out;
	if (op.m->key_type == CKK_EC) {
		len = rs_to_der(&op, sig->p, &der);
		if (!len) {
			rc = EP11_CKR_DEVICE_ERROR;
			goto out;
		}
		s = der;
	}
	if (mctx)
		ok = EVP_DigestVerify(mctx, s, len, data->p, data->n);
	else
		ok = EVP_PKEY_verify(pctx, s, len, data->p, data->n);
	if (ok != 1)
		rc = EP11_CKR_SIGNATURE_INVALID;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
	OPENSSL_cleanse(mac, sizeof(mac));
	sig_done(&op);
	return rc;
}

static const struct fw_fn sign_fns[] = {
	{ EP11_FN_SIGN_SINGLE, sign_single },
	{ EP11_FN_VERIFY_SINGLE, verify_single },
};

const struct fw_fn_group fw_group_sign = FW_FN_GROUP(sign_fns);
