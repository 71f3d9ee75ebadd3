// SPDX-License-Identifier: GPL-2.0
/*
 * Keys at work: opening a blob from a request, checking that the key may
 * serve the mechanism and the function asked for, turning its material
 * into an OpenSSL key, and sealing a new key into the reply.
 *
 * Key material: secret keys hold their raw value, private keys DER
 * PrivateKeyInfo (PKCS#8), public keys DER SubjectPublicKeyInfo.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/x509.h>

#include "card.h"
#include "fw_crypto.h"

/* Opens the key blob @blob of a request into @key. */
u32 fw_key_open(struct fw_req *req, const struct fw_param *blob,
		struct fw_key *key)
{
	return fw_blob_open(req->fw, req->domain, blob->p, blob->n, key);
}

/* A CK_ULONG attribute of @key, 0xffffffff when absent or malformed. */
u32 fw_key_ulong(const struct fw_key *key, u32 type)
{
	u32 v;

	if (fw_attrs_get_ulong(&key->attrs, type, &v))
		return 0xffffffff;
	return v;
}

/* A CK_BBOOL attribute of @key; absent or malformed counts as false. */
bool fw_key_bool(const struct fw_key *key, u32 type)
{
	bool v;

	if (fw_attrs_get_bool(&key->attrs, type, false, &v))
		return false;
	return v;
}

/*
 * Checks that @key is of class @cls and type @key_type
 * (CKR_KEY_TYPE_INCONSISTENT otherwise) and that its CK_BBOOL attribute
 * @usage is true (CKR_KEY_FUNCTION_NOT_PERMITTED otherwise).
 */
u32 fw_key_check(const struct fw_key *key, u32 cls, u32 key_type, u32 usage)
{
	if (fw_key_ulong(key, CKA_CLASS) != cls ||
	    fw_key_ulong(key, CKA_KEY_TYPE) != key_type)
		return EP11_CKR_KEY_TYPE_INCONSISTENT;
	if (!fw_key_bool(key, usage))
		return EP11_CKR_KEY_FUNCTION_NOT_PERMITTED;
	return EP11_CKR_OK;
}

/*
 * Decodes a DER PrivateKeyInfo of key type @key_type.  Naming the key
 * type spares OpenSSL trying every decoder it has, which costs several
 * times the decoding itself; material that does not decode so gets the
 * general decoder.
 */
static EVP_PKEY *decode_private(const u8 *der, size_t len, u32 key_type)
{
	const char *type = key_type == CKK_RSA ? "RSA" :
			   key_type == CKK_EC ? "EC" :
			   key_type == CKK_EC_EDWARDS ? "ED25519" : NULL;
	OSSL_DECODER_CTX *dctx = NULL;
	const unsigned char *p = der;
	EVP_PKEY *pkey = NULL;
	size_t n = len;

	if (type)
		dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER",
						     "PrivateKeyInfo", type,
						     EVP_PKEY_KEYPAIR, NULL,
						     NULL);
	if (dctx && !OSSL_DECODER_from_data(dctx, &p, &n)) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	OSSL_DECODER_CTX_free(dctx);
	if (pkey)
		return pkey;
	p = der;
	return d2i_AutoPrivateKey_ex(NULL, &p, len, NULL, NULL);
}

/*
 * The OpenSSL key of a private or public @key, or NULL.  A key opened
 * from a blob is looked up in its card's key cache first and put there
 * once decoded.
 */
EVP_PKEY *fw_key_pkey(const struct fw_key *key)
{
	const unsigned char *p = key->material;
	u32 cls = fw_key_ulong(key, CKA_CLASS);
	EVP_PKEY *pkey = NULL;

	if (!p || key->material_len > FW_MAX_BLOB_LEN)
		return NULL;
	if (cls != CKO_PRIVATE_KEY && cls != CKO_PUBLIC_KEY)
		return NULL;
	if (key->card) {
		pkey = fw_key_cache_get(&key->card->keys, key->blob_id);
		if (pkey)
			return pkey;
	}
	if (cls == CKO_PRIVATE_KEY)
		pkey = decode_private(key->material, key->material_len,
				      fw_key_ulong(key, CKA_KEY_TYPE));
	else
		pkey = d2i_PUBKEY(NULL, &p, key->material_len);
	if (pkey && key->card)
		fw_key_cache_put(key, pkey);
	return pkey;
}

/*
 * A context for EVP_PKEY_sign() or EVP_PKEY_verify() with @pkey: copied
 * from the key cache, which spares looking the signature algorithm up
 * again, or made here.
 */
u32 fw_key_sig_ctx(const struct fw_key *key, EVP_PKEY *pkey, bool sign,
		   EVP_PKEY_CTX **ctx)
{
	int ok;

	*ctx = NULL;
	if (key->card) {
		*ctx = fw_key_cache_op_ctx(&key->card->keys, key->blob_id,
					   sign);
		if (*ctx)
			return EP11_CKR_OK;
	}
	*ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!*ctx)
		return EP11_CKR_HOST_MEMORY;
	ok = sign ? EVP_PKEY_sign_init(*ctx) : EVP_PKEY_verify_init(*ctx);
	if (ok > 0)
		return EP11_CKR_OK;
	EVP_PKEY_CTX_free(*ctx);
	*ctx = NULL;
	return EP11_CKR_DEVICE_ERROR;
}

/* Sets the material of a private @key: @pkey as DER PrivateKeyInfo. */
u32 fw_key_set_private(struct fw_key *key, EVP_PKEY *pkey)
{
	OSSL_ENCODER_CTX *ectx;
	unsigned char *der = NULL;
	size_t len = 0;
	u32 rc = EP11_CKR_DEVICE_ERROR;

	ectx = OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_KEYPAIR, "DER",
					     "PrivateKeyInfo", NULL);
	if (ectx && OSSL_ENCODER_to_data(ectx, &der, &len) && der)
		rc = fw_key_set_material(key, der, len);
	OPENSSL_clear_free(der, len);
	OSSL_ENCODER_CTX_free(ectx);
	return rc;
}

/*
 * Binds @key to the request's session if it came with one, seals it and
 * writes the blob as the next result.
 */
u32 fw_key_seal_put(struct fw_req *req, struct fw_key *key,
		    struct ep11_wbuf *rep)
{
	size_t len = 0;
	u8 *blob;
	u32 rc;

	memcpy(key->session, req->session, EP11_SESSION_ID_LEN);
	blob = malloc(FW_MAX_BLOB_LEN);
	if (!blob)
		return EP11_CKR_HOST_MEMORY;
	rc = fw_blob_seal(req->fw, req->domain, key, blob, FW_MAX_BLOB_LEN,
			  &len);
	if (rc == EP11_CKR_OK)
		ep11_wire_put(rep, blob, len);
	free(blob);
	return rc;
}
