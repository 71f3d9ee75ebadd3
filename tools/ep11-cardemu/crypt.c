// SPDX-License-Identifier: GPL-2.0
/*
 * Encryption:
 *   EncryptSingle (19): (mechanism, key blob, data) -> (ciphertext)
 *   DecryptSingle (20): (mechanism, key blob, ciphertext) -> (data)
 * AES ECB, CBC, CBC with PKCS#7 padding and GCM (the tag follows the
 * ciphertext) on AES keys; RSA PKCS#1 v1.5 and OAEP, encrypting with a
 * public key and decrypting with a private key.  The key needs
 * CKA_ENCRYPT or CKA_DECRYPT.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>

#include "card.h"
#include "fw_crypto.h"

#define AES_BLOCK	16
#define GCM_IV_MAX	128

/**
 * struct aes_op - parameters of an AES operation
 * @iv:     IV (CBC, GCM), or NULL
 * @iv_len: its length
 * @aad:    GCM additional data
 * @aad_len: its length
 * @tag_len: GCM tag length in bytes
 */
struct aes_op {
	const u8 *iv;
	size_t iv_len;
	const u8 *aad;
	size_t aad_len;
	size_t tag_len;
};

/* CK_GCM_PARAMS: u32 ivLen, iv, u32 aadLen, aad, u32 tagBits. */
static u32 gcm_params(const struct fw_param *p, struct aes_op *op)
{
	struct fw_rd r;
	u32 bits;

	fw_rd_init(&r, p);
	op->iv_len = fw_rd_u32(&r);
	if (r.bad || !op->iv_len || op->iv_len > GCM_IV_MAX)
		return EP11_CKR_MECHANISM_PARAM_INVALID;
	op->iv = fw_rd_bytes(&r, op->iv_len);
	op->aad_len = fw_rd_u32(&r);
	op->aad = fw_rd_bytes(&r, op->aad_len);
	bits = fw_rd_u32(&r);
	if (r.bad || r.n)
		return EP11_CKR_MECHANISM_PARAM_INVALID;
	if (bits != 32 && bits != 64 && (bits < 96 || bits > 128 || bits % 8))
		return EP11_CKR_MECHANISM_PARAM_INVALID;
	op->tag_len = bits / 8;
	return EP11_CKR_OK;
}

static u32 aes_params(const struct fw_mech_arg *a, struct aes_op *op)
{
	memset(op, 0, sizeof(*op));
	switch (a->m->type) {
	case CKM_AES_ECB:
		return fw_mech_no_param(a);
	case CKM_AES_CBC:
	case CKM_AES_CBC_PAD:
		if (a->param.n != AES_BLOCK)
			return EP11_CKR_MECHANISM_PARAM_INVALID;
		op->iv = a->param.p;
		op->iv_len = AES_BLOCK;
		return EP11_CKR_OK;
	default:
		return gcm_params(&a->param, op);
	}
}

/* The input length fits the mode: a whole number of blocks, a tag. */
static u32 aes_check_len(u32 mech, bool enc, size_t n, size_t tag_len)
{
	u32 bad = enc ? EP11_CKR_DATA_LEN_RANGE :
			EP11_CKR_ENCRYPTED_DATA_LEN_RANGE;

	switch (mech) {
	case CKM_AES_ECB:
	case CKM_AES_CBC:
		return n % AES_BLOCK ? bad : EP11_CKR_OK;
	case CKM_AES_CBC_PAD:
		return !enc && (!n || n % AES_BLOCK) ? bad : EP11_CKR_OK;
	default:
		return !enc && n < tag_len ? bad : EP11_CKR_OK;
	}
}

static u32 aes_crypt(const struct fw *fw, const struct fw_mech_arg *a,
		     const struct fw_key *key, bool enc,
		     const struct fw_param *in, struct ep11_wbuf *rep)
{
	u32 mech = a->m->type;
	EVP_CIPHER_CTX *ctx = NULL;
	EVP_CIPHER *cipher = NULL;
	size_t n = in->n, out_len = 0;
	struct aes_op op;
	u8 *out = NULL;
	int l, ok;
	u32 rc;

	if (key->material_len != 16 && key->material_len != 24 &&
	    key->material_len != 32)
		return EP11_CKR_KEY_SIZE_RANGE;
	rc = aes_params(a, &op);
	rc = rc ?: aes_check_len(mech, enc, n, op.tag_len);
	if (rc)
		return rc;
	if (mech == CKM_AES_GCM && !enc)
		n -= op.tag_len;
	cipher = fw_aes(fw, key->material_len,
			mech == CKM_AES_ECB ? FW_AES_ECB :
			mech == CKM_AES_GCM ? FW_AES_GCM : FW_AES_CBC);
	ctx = EVP_CIPHER_CTX_new();
	out = malloc(n + 2 * AES_BLOCK);
	if (!cipher || !ctx || !out) {
		rc = EP11_CKR_HOST_MEMORY;
		goto out;
	}
	ok = EVP_CipherInit_ex2(ctx, cipher, NULL, NULL, enc, NULL);
	if (ok && mech == CKM_AES_GCM)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN,
					 op.iv_len, NULL);
	ok = ok && EVP_CipherInit_ex2(ctx, NULL, key->material, op.iv, enc,
				      NULL) &&
	     EVP_CIPHER_CTX_set_padding(ctx, mech == CKM_AES_CBC_PAD);
	if (ok && mech == CKM_AES_GCM && op.aad_len)
		ok = EVP_CipherUpdate(ctx, NULL, &l, op.aad, op.aad_len);
	if (ok && mech == CKM_AES_GCM && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, op.tag_len,
					 (void *)(in->p + n));
	if (!ok) {
		rc = EP11_CKR_DEVICE_ERROR;
		goto out;
	}
	ok = EVP_CipherUpdate(ctx, out, &l, in->p, n);
	out_len = ok ? l : 0;
	if (ok)
		ok = EVP_CipherFinal_ex(ctx, out + out_len, &l);
	if (!ok) {
		/* Only decryption can fail here: bad padding or tag. */
		rc = enc ? EP11_CKR_DEVICE_ERROR :
			   EP11_CKR_ENCRYPTED_DATA_INVALID;
		goto out;
	}
	out_len += l;
	if (mech == CKM_AES_GCM && enc &&
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, op.tag_len,
				 out + out_len)) {
		rc = EP11_CKR_DEVICE_ERROR;
		goto out;
	}
	if (mech == CKM_AES_GCM && enc)
		out_len += op.tag_len;
	ep11_wire_put(rep, out, out_len);
out:
	if (out) {
		OPENSSL_cleanse(out, n + 2 * AES_BLOCK);
		free(out);
	}
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/*
 * CK_RSA_PKCS_OAEP_PARAMS: u32 hashAlg, u32 mgf, u32 source, then the
 * label (source CKZ_DATA_SPECIFIED) or nothing (source 0).
 */
static u32 oaep_ctx(const struct fw_param *p, EVP_PKEY_CTX *ctx,
		    const char **md)
{
	const char *mgf;
	struct fw_rd r;
	u32 hash, m, src;
	u8 *label = NULL;

	fw_rd_init(&r, p);
	hash = fw_rd_u32(&r);
	m = fw_rd_u32(&r);
	src = fw_rd_u32(&r);
	*md = fw_hash_md(hash);
	mgf = fw_mgf_md(m);
	if (r.bad || !*md || !mgf || src > CKZ_DATA_SPECIFIED ||
	    (!src && r.n))
		return EP11_CKR_MECHANISM_PARAM_INVALID;
	if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, *md, NULL) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, mgf, NULL) <= 0)
		return EP11_CKR_DEVICE_ERROR;
	if (!r.n)
		return EP11_CKR_OK;
	/* set0 takes ownership of the label. */
	label = OPENSSL_memdup(r.p, r.n);
	if (!label)
		return EP11_CKR_HOST_MEMORY;
	if (EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, r.n) <= 0) {
		OPENSSL_free(label);
		return EP11_CKR_DEVICE_ERROR;
	}
	return EP11_CKR_OK;
}

/**
 * fw_rsa_crypt() - RSA PKCS#1 v1.5 or OAEP encryption or decryption
 * @a:       CKM_RSA_PKCS or CKM_RSA_PKCS_OAEP with its parameter
 * @pkey:    a public key to encrypt, a private key to decrypt
 * @enc:     encrypt (else decrypt)
 * @in:      the input
 * @n:       its length
 * @out:     room for EVP_PKEY_get_size(@pkey) bytes
 * @out_len: set to the output length
 *
 * Return: EP11_CKR_OK, EP11_CKR_MECHANISM_PARAM_INVALID,
 * EP11_CKR_DATA_LEN_RANGE (too long to encrypt),
 * EP11_CKR_ENCRYPTED_DATA_LEN_RANGE (not the modulus length),
 * EP11_CKR_ENCRYPTED_DATA_INVALID (padding wrong),
 * EP11_CKR_DEVICE_ERROR.
 */
u32 fw_rsa_crypt(const struct fw_mech_arg *a, EVP_PKEY *pkey, bool enc,
		 const u8 *in, size_t n, u8 *out, size_t *out_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	size_t k = EVP_PKEY_get_size(pkey), max = k - 11;
	const char *md = NULL;
	u32 rc = EP11_CKR_OK;
	int ok;

	if (!ctx)
		return EP11_CKR_HOST_MEMORY;
	ok = enc ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx);
	if (ok <= 0) {
		rc = EP11_CKR_DEVICE_ERROR;
		goto out;
	}
	if (a->m->type == CKM_RSA_PKCS_OAEP) {
		rc = oaep_ctx(&a->param, ctx, &md);
		max = k - 2 - 2 * EVP_MD_get_size(EVP_get_digestbyname(md ?
							       md : "SHA1"));
	} else {
		rc = fw_mech_no_param(a);
		if (!rc &&
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0)
			rc = EP11_CKR_DEVICE_ERROR;
	}
	if (rc)
		goto out;
	if (enc && n > max) {
		rc = EP11_CKR_DATA_LEN_RANGE;
		goto out;
	}
	if (!enc && n != k) {
		rc = EP11_CKR_ENCRYPTED_DATA_LEN_RANGE;
		goto out;
	}
	*out_len = k;
	ok = enc ? EVP_PKEY_encrypt(ctx, out, out_len, in, n) :
		   EVP_PKEY_decrypt(ctx, out, out_len, in, n);
	if (ok <= 0)
		rc = enc ? EP11_CKR_DEVICE_ERROR :
			   EP11_CKR_ENCRYPTED_DATA_INVALID;
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static u32 rsa_crypt(const struct fw_mech_arg *a, const struct fw_key *key,
		     bool enc, const struct fw_param *in,
		     struct ep11_wbuf *rep)
{
	EVP_PKEY *pkey = fw_key_pkey(key);
	size_t len = 0;
	u8 *out;
	u32 rc;

	if (!pkey)
		return EP11_CKR_IBM_BLOB_ERROR;
	out = malloc(EVP_PKEY_get_size(pkey));
	if (!out) {
		EVP_PKEY_free(pkey);
		return EP11_CKR_HOST_MEMORY;
	}
	rc = fw_rsa_crypt(a, pkey, enc, in->p, in->n, out, &len);
	if (!rc)
		ep11_wire_put(rep, out, len);
	OPENSSL_cleanse(out, EVP_PKEY_get_size(pkey));
	free(out);
	EVP_PKEY_free(pkey);
	return rc;
}

static u32 crypt_single(struct fw_req *req, struct ep11_wbuf *rep, bool enc)
{
	struct fw_key key = { 0 };
	struct fw_mech_arg a;
	bool rsa;
	u32 rc;

	rc = fw_mech_get(&req->param[0], enc ? CKF_ENCRYPT : CKF_DECRYPT,
			 &a);
	if (rc)
		return rc;
	rsa = a.m->key_type == CKK_RSA;
	rc = fw_key_open(req, &req->param[1], &key);
	rc = rc ?: fw_key_check(&key, !rsa ? CKO_SECRET_KEY :
				enc ? CKO_PUBLIC_KEY : CKO_PRIVATE_KEY,
				a.m->key_type, enc ? CKA_ENCRYPT : CKA_DECRYPT);
	if (!rc && rsa)
		rc = rsa_crypt(&a, &key, enc, &req->param[2], rep);
	else if (!rc)
		rc = aes_crypt(req->fw, &a, &key, enc, &req->param[2], rep);
	fw_key_free(&key);
	return rc;
}

static u32 encrypt_single(struct fw_req *req, struct ep11_wbuf *rep)
{
	return crypt_single(req, rep, true);
}

static u32 decrypt_single(struct fw_req *req, struct ep11_wbuf *rep)
{
	return crypt_single(req, rep, false);
}

static const struct fw_fn crypt_fns[] = {
	{ EP11_FN_ENCRYPT_SINGLE, encrypt_single },
	{ EP11_FN_DECRYPT_SINGLE, decrypt_single },
};

const struct fw_fn_group fw_group_crypt = FW_FN_GROUP(crypt_fns);
