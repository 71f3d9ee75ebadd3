// SPDX-License-Identifier: GPL-2.0
/*
 * Key wrapping:
 *   WrapKey (33):   (mechanism, wrapping key blob, key blob) -> (wrapped)
 *   UnwrapKey (34): (mechanism, unwrapping key blob, wrapped, template)
 *                   -> (key blob)
 * AES key wrap (RFC 3394, CKM_AES_KEY_WRAP) and with padding (RFC 5649,
 * CKM_AES_KEY_WRAP_KWP) and AES-CBC with PKCS#7 padding (CKM_AES_CBC_PAD,
 * a 16-byte IV; what host libraries import clear keys with: the key
 * encrypted with EncryptSingle, then unwrapped) under AES keys, RSA-OAEP
 * under RSA public keys
 * (unwrap: private keys).  What is wrapped: a secret key's value, a
 * private key's DER PrivateKeyInfo.  The wrapping key needs CKA_WRAP
 * (CKA_UNWRAP), the wrapped key CKA_EXTRACTABLE.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "card.h"
#include "fw_crypto.h"

#define KW_BLOCK	8
#define SECRET_MAX_LEN	512

static bool is_kw(const struct fw_mech *m)
{
	return m->type == CKM_AES_KEY_WRAP || m->type == CKM_AES_KEY_WRAP_KWP;
}

/* Wrapping under an AES key: KW, KWP or CBC-PAD. */
static bool is_aes(const struct fw_mech *m)
{
	return is_kw(m) || m->type == CKM_AES_CBC_PAD;
}

/*
 * The IV: 8 bytes for KW, 4 for KWP, optional (none: the RFC default);
 * 16 for CBC-PAD, required.
 */
static u32 aes_iv(const struct fw_mech_arg *a, const u8 **iv)
{
	size_t want = a->m->type == CKM_AES_KEY_WRAP ? 8 :
		      a->m->type == CKM_AES_KEY_WRAP_KWP ? 4 : 16;

	*iv = NULL;
	if (!a->param.n && is_kw(a->m))
		return EP11_CKR_OK;
	if (a->param.n != want)
		return EP11_CKR_MECHANISM_PARAM_INVALID;
	*iv = a->param.p;
	return EP11_CKR_OK;
}

/*
 * RFC 3394 / RFC 5649 / CBC with PKCS#7 padding with the AES key @kek.
 * @out has room for @n + 16 bytes.  Returns 0 or -1 (on unwrapping: the
 * integrity check or the padding failed).
 */
static int aes_wrap(const struct fw *fw, const struct fw_mech *m,
		    const struct fw_key *kek, const u8 *iv, bool enc,
		    const u8 *in, size_t n, u8 *out, size_t *out_len)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	bool cbc = m->type == CKM_AES_CBC_PAD;
	EVP_CIPHER *cipher;
	int l = 0, f = 0, r = -1;

	cipher = fw_aes(fw, kek->material_len,
			cbc ? FW_AES_CBC :
			m->type == CKM_AES_KEY_WRAP_KWP ? FW_AES_WRAP_PAD :
			FW_AES_WRAP);
	if (!ctx || !cipher)
		goto out;
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (!EVP_CipherInit_ex2(ctx, cipher, kek->material, iv, enc, NULL) ||
	    !EVP_CipherUpdate(ctx, out, &l, in, n) ||
	    (cbc && !EVP_CipherFinal_ex(ctx, out + l, &f)))
		goto out;
	if (l + f > 0) {
		*out_len = l + f;
		r = 0;
	}
out:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

/* Opens the (un)wrapping key and checks it against the mechanism. */
static u32 open_kek(struct fw_req *req, const struct fw_mech_arg *a,
		    bool wrap, struct fw_key *kek)
{
	u32 cls, rc;

	cls = is_aes(a->m) ? CKO_SECRET_KEY :
	      wrap ? CKO_PUBLIC_KEY : CKO_PRIVATE_KEY;
	rc = fw_key_open(req, &req->param[1], kek);
	rc = rc ?: fw_key_check(kek, cls, a->m->key_type,
				wrap ? CKA_WRAP : CKA_UNWRAP);
	if (!rc && is_aes(a->m) && kek->material_len != 16 &&
	    kek->material_len != 24 && kek->material_len != 32)
		rc = EP11_CKR_KEY_SIZE_RANGE;
	return rc;
}

static u32 wrap_key(struct fw_req *req, struct ep11_wbuf *rep)
{
	struct fw_key kek = { 0 }, key = { 0 };
	EVP_PKEY *pkey = NULL;
	struct fw_mech_arg a;
	size_t out_len = 0, cap = 0;
	const u8 *iv = NULL;
	u8 *out = NULL;
	u32 rc, cls;

	rc = fw_mech_get(&req->param[0], CKF_WRAP, &a);
	if (rc)
		return rc;
	if (is_aes(a.m))
		rc = aes_iv(&a, &iv);
	rc = rc ?: open_kek(req, &a, true, &kek);
	rc = rc ?: fw_key_open(req, &req->param[2], &key);
	if (rc)
		goto out;
	cls = fw_key_ulong(&key, CKA_CLASS);
	if (cls != CKO_SECRET_KEY && cls != CKO_PRIVATE_KEY) {
		rc = EP11_CKR_KEY_NOT_WRAPPABLE;
		goto out;
	}
	if (!fw_key_bool(&key, CKA_EXTRACTABLE)) {
		rc = EP11_CKR_KEY_FUNCTION_NOT_PERMITTED;
		goto out;
	}
	if (is_aes(a.m)) {
		bool kw = a.m->type == CKM_AES_KEY_WRAP;

		if (!key.material_len ||
		    (kw && (key.material_len < 2 * KW_BLOCK ||
			    key.material_len % KW_BLOCK))) {
			rc = EP11_CKR_KEY_SIZE_RANGE;
			goto out;
		}
		cap = key.material_len + 2 * KW_BLOCK;
	} else {
		pkey = fw_key_pkey(&kek);
		if (!pkey) {
			rc = EP11_CKR_IBM_BLOB_ERROR;
			goto out;
		}
		cap = EVP_PKEY_get_size(pkey);
	}
	out = malloc(cap);
	if (!out) {
		rc = EP11_CKR_HOST_MEMORY;
		goto out;
	}
	if (is_aes(a.m)) {
		if (aes_wrap(req->fw, a.m, &kek, iv, true, key.material,
			     key.material_len, out, &out_len))
			rc = EP11_CKR_DEVICE_ERROR;
	} else {
		rc = fw_rsa_crypt(&a, pkey, true, key.material,
				  key.material_len, out, &out_len);
		if (rc == EP11_CKR_DATA_LEN_RANGE)
			rc = EP11_CKR_KEY_SIZE_RANGE;
	}
	if (!rc)
		ep11_wire_put(rep, out, out_len);
out:
	free(out);
	EVP_PKEY_free(pkey);
	fw_key_free(&kek);
	fw_key_free(&key);
	return rc;
}

/* Unwrapping with @kek into @plain (room for @n + 16 bytes). */
static u32 unwrap_bytes(const struct fw *fw, const struct fw_mech_arg *a,
			const struct fw_key *kek, const struct fw_param *in,
			u8 *plain, size_t *len)
{
	const u8 *iv = NULL;
	EVP_PKEY *pkey;
	u32 rc;

	if (is_aes(a->m)) {
		rc = aes_iv(a, &iv);
		if (rc)
			return rc;
		if (a->m->type == CKM_AES_CBC_PAD ?
		    !in->n || in->n % (2 * KW_BLOCK) :
		    in->n < (a->m->type == CKM_AES_KEY_WRAP ? 3 : 2) *
			    KW_BLOCK || in->n % KW_BLOCK)
			return EP11_CKR_WRAPPED_KEY_LEN_RANGE;
		if (aes_wrap(fw, a->m, kek, iv, false, in->p, in->n, plain,
			     len))
			return EP11_CKR_WRAPPED_KEY_INVALID;
		return EP11_CKR_OK;
	}
	pkey = fw_key_pkey(kek);
	if (!pkey)
		return EP11_CKR_IBM_BLOB_ERROR;
	rc = fw_rsa_crypt(a, pkey, false, in->p, in->n, plain, len);
	EVP_PKEY_free(pkey);
	if (rc == EP11_CKR_ENCRYPTED_DATA_LEN_RANGE)
		return EP11_CKR_WRAPPED_KEY_LEN_RANGE;
	if (rc == EP11_CKR_ENCRYPTED_DATA_INVALID)
		return EP11_CKR_WRAPPED_KEY_INVALID;
	return rc;
}

/* A private key of type @kt from DER PrivateKeyInfo into @key. */
static u32 import_private(struct fw_key *key, u32 kt, const u8 *der,
			  size_t n)
{
	const unsigned char *p = der;
	const struct fw_curve *c;
	EVP_PKEY *pkey;
	u32 rc = EP11_CKR_OK;
	int bits;

	pkey = d2i_AutoPrivateKey_ex(NULL, &p, n, NULL, NULL);
	if (!pkey || p != der + n)
		rc = EP11_CKR_WRAPPED_KEY_INVALID;
	if (!rc && kt == CKK_RSA) {
		bits = EVP_PKEY_get_bits(pkey);
		if (!EVP_PKEY_is_a(pkey, "RSA"))
			rc = EP11_CKR_WRAPPED_KEY_INVALID;
		else if (bits < 2048 || bits > 4096)
			rc = EP11_CKR_KEY_SIZE_RANGE;
	} else if (!rc) {
		c = fw_curve_of(pkey);
		if (!c || c->key_type != kt)
			rc = EP11_CKR_WRAPPED_KEY_INVALID;
	}
	rc = rc ?: fw_key_set_private(key, pkey);
	rc = rc ?: fw_template_finish(key, CKO_PRIVATE_KEY, kt, 0, false);
	rc = rc ?: fw_template_pkey_attrs(key, pkey);
	EVP_PKEY_free(pkey);
	return rc;
}

/* A secret key of type @kt with value @v into @key. */
static u32 import_secret(struct fw_key *key, u32 kt, const u8 *v, size_t n)
{
	u32 want, rc;

	if (kt == CKK_AES ? n != 16 && n != 24 && n != 32 :
	    !n || n > SECRET_MAX_LEN)
		return EP11_CKR_WRAPPED_KEY_INVALID;
	rc = fw_attrs_get_ulong(&key->attrs, CKA_VALUE_LEN, &want);
	if (rc == EP11_CKR_OK && want != n)
		return EP11_CKR_TEMPLATE_INCONSISTENT;
	rc = fw_attrs_set_ulong(&key->attrs, CKA_VALUE_LEN, n);
	rc = rc ?: fw_key_set_material(key, v, n);
	rc = rc ?: fw_template_finish(key, CKO_SECRET_KEY, kt, 0, false);
	return rc;
}

/* CKA_CLASS and CKA_KEY_TYPE of an unwrap template. */
static u32 template_kind(const struct fw_param *tmpl, u32 *cls, u32 *kt)
{
	struct fw_attrs as = { 0 };
	u32 rc;

	rc = fw_attrs_parse(&as, tmpl->p, tmpl->n);
	rc = rc ?: fw_attrs_get_ulong(&as, CKA_CLASS, cls);
	rc = rc ?: fw_attrs_get_ulong(&as, CKA_KEY_TYPE, kt);
	fw_attrs_free(&as);
	if (rc)
		return rc;
	if (*cls == CKO_SECRET_KEY && (*kt == CKK_AES ||
				       *kt == CKK_GENERIC_SECRET))
		return EP11_CKR_OK;
	if (*cls == CKO_PRIVATE_KEY && (*kt == CKK_RSA || *kt == CKK_EC ||
					*kt == CKK_EC_EDWARDS))
		return EP11_CKR_OK;
	return EP11_CKR_TEMPLATE_INCONSISTENT;
}

static u32 unwrap_key(struct fw_req *req, struct ep11_wbuf *rep)
{
	const struct fw_param *in = &req->param[2];
	struct fw_key kek = { 0 }, key = { 0 };
	struct fw_mech_arg a;
	size_t len = 0, cap = 0;
	const u8 *iv = NULL;
	u8 *plain = NULL;
	u32 rc, cls, kt;

	rc = fw_mech_get(&req->param[0], CKF_UNWRAP, &a);
	if (!rc && is_aes(a.m))
		rc = aes_iv(&a, &iv);
	rc = rc ?: template_kind(&req->param[3], &cls, &kt);
	rc = rc ?: open_kek(req, &a, false, &kek);
	if (rc)
		goto out;
	cap = in->n + 2 * KW_BLOCK;
	plain = malloc(cap);
	if (!plain) {
		rc = EP11_CKR_HOST_MEMORY;
		goto out;
	}
	rc = unwrap_bytes(req->fw, &a, &kek, in, plain, &len);
	rc = rc ?: fw_template_apply(&key, &req->param[3], cls, kt);
	if (rc)
		goto out;
	if (cls == CKO_SECRET_KEY)
		rc = import_secret(&key, kt, plain, len);
	else
		rc = import_private(&key, kt, plain, len);
	rc = rc ?: fw_key_seal_put(req, &key, rep);
out:
	if (plain) {
		OPENSSL_cleanse(plain, cap);
		free(plain);
	}
	fw_key_free(&kek);
	fw_key_free(&key);
	return rc;
}

static const struct fw_fn wrap_fns[] = {
	{ EP11_FN_WRAP_KEY, wrap_key },
	{ EP11_FN_UNWRAP_KEY, unwrap_key },
};

const struct fw_fn_group fw_group_wrap = FW_FN_GROUP(wrap_fns);
