// SPDX-License-Identifier: GPL-2.0
/*
 * Key blobs: a key and its attributes under AES-256-GCM with the domain's
 * wrapping key.  Layout in firmware.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "card.h"
#include "pkcs11_ids.h"

#define WKID_OFF	EP11_SESSION_ID_LEN
#define IV_OFF		(EP11_SESSION_ID_LEN + EP11_WKID_LEN)

static const u8 no_session[EP11_SESSION_ID_LEN];

u32 fw_key_set_material(struct fw_key *key, const void *p, size_t len)
{
	u8 *copy = malloc(len + 1);

	if (!copy)
		return EP11_CKR_HOST_MEMORY;
	if (len)
		memcpy(copy, p, len);
	if (key->material) {
		OPENSSL_cleanse(key->material, key->material_len);
		free(key->material);
	}
	key->material = copy;
	key->material_len = len;
	return EP11_CKR_OK;
}

void fw_key_free(struct fw_key *key)
{
	fw_attrs_free(&key->attrs);
	if (key->material) {
		OPENSSL_cleanse(key->material, key->material_len);
		free(key->material);
	}
	memset(key, 0, sizeof(*key));
}

/*
 * AES-256-GCM over @in into @out; @enc 1 seals (writes @tag), 0 opens.
 * Starts from a copy of the domain's keyed context.
 */
static bool gcm(const struct fw_domain *d, int enc, const u8 *aad,
		const u8 *in, size_t n, u8 *out, u8 *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int l, ok;

	if (!ctx)
		return false;
	ok = EVP_CIPHER_CTX_copy(ctx, d->gcm) &&
	     EVP_CipherInit_ex2(ctx, NULL, NULL, aad + IV_OFF, enc, NULL) &&
	     EVP_CipherUpdate(ctx, NULL, &l, aad, FW_BLOB_HDR_LEN) &&
	     EVP_CipherUpdate(ctx, out, &l, in, n) && (size_t)l == n;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG,
					 FW_BLOB_TAG_LEN, tag);
	if (ok)
		ok = EVP_CipherFinal_ex(ctx, out + n, &l) && l == 0;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG,
					 FW_BLOB_TAG_LEN, tag);
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

u32 fw_blob_seal(struct fw *fw, u16 domain, const struct fw_key *key,
		 u8 *blob, size_t cap, size_t *blob_len)
{
	const struct fw_domain *d = fw_domain_get(fw, domain);
	size_t alen, plen, total;
	u8 *plain;
	u32 rc = EP11_CKR_OK;
	int r;

	if (!d)
		return EP11_CKR_ARGUMENTS_BAD;
	r = fw_attrs_encode(&key->attrs, NULL, 0);
	if (r < 0)
		return EP11_CKR_ARGUMENTS_BAD;
	alen = r;
	plen = 4 + alen + key->material_len;
	total = FW_BLOB_HDR_LEN + plen + FW_BLOB_TAG_LEN;
	if (total > cap || total > FW_MAX_BLOB_LEN)
		return EP11_CKR_BUFFER_TOO_SMALL;
	plain = malloc(plen + FW_BLOB_TAG_LEN);
	if (!plain)
		return EP11_CKR_HOST_MEMORY;
	plain[0] = alen >> 24;
	plain[1] = alen >> 16;
	plain[2] = alen >> 8;
	plain[3] = alen;
	fw_attrs_encode(&key->attrs, plain + 4, alen);
	if (key->material_len)
		memcpy(plain + 4 + alen, key->material, key->material_len);

	memcpy(blob, key->session, EP11_SESSION_ID_LEN);
	memcpy(blob + WKID_OFF, d->wkid, EP11_WKID_LEN);
	if (RAND_bytes(blob + IV_OFF, FW_BLOB_IV_LEN) != 1 ||
	    !gcm(d, 1, blob, plain, plen, blob + FW_BLOB_HDR_LEN,
		 blob + FW_BLOB_HDR_LEN + plen)) {
		OPENSSL_cleanse(blob, total);
		rc = EP11_CKR_DEVICE_ERROR;
	} else {
		*blob_len = total;
	}
	OPENSSL_cleanse(plain, plen + FW_BLOB_TAG_LEN);
	free(plain);
	return rc;
}

/*
 * Names an authenticated private or public key by the SHA-256 of its
 * blob, under which the card's key cache keeps its OpenSSL key.  Without
 * a name the key is only decoded anew each time.
 */
static void name_key(struct fw *fw, u16 domain, const u8 *blob, size_t len,
		     struct fw_key *key)
{
	unsigned int n = 0;
	u32 cls;

	if (fw_attrs_get_ulong(&key->attrs, CKA_CLASS, &cls) ||
	    (cls != CKO_PRIVATE_KEY && cls != CKO_PUBLIC_KEY))
		return;
	if (!EVP_Digest(blob, len, key->blob_id, &n, fw_md(fw, "SHA256"),
			NULL) || n != sizeof(key->blob_id))
		return;
	key->card = fw;
	key->domain = domain;
}

u32 fw_blob_open(struct fw *fw, u16 domain, const u8 *blob, size_t len,
		 struct fw_key *key)
{
	const struct fw_domain *d = fw_domain_get(fw, domain);
	size_t plen, alen;
	u8 *plain;
	u32 rc;

	memset(key, 0, sizeof(*key));
	if (!d)
		return EP11_CKR_ARGUMENTS_BAD;
	if (len < FW_BLOB_OVERHEAD || len > FW_MAX_BLOB_LEN)
		return EP11_CKR_IBM_BLOB_ERROR;
	if (memcmp(blob + WKID_OFF, d->wkid, EP11_WKID_LEN))
		return EP11_CKR_IBM_WKID_MISMATCH;
	plen = len - FW_BLOB_HDR_LEN - FW_BLOB_TAG_LEN;
	plain = malloc(plen + FW_BLOB_TAG_LEN);
	if (!plain)
		return EP11_CKR_HOST_MEMORY;
	if (!gcm(d, 0, blob, blob + FW_BLOB_HDR_LEN, plen, plain,
		 (u8 *)blob + FW_BLOB_HDR_LEN + plen)) {
		rc = EP11_CKR_IBM_BLOB_ERROR;
		goto out;
	}
	alen = (size_t)plain[0] << 24 | plain[1] << 16 | plain[2] << 8 |
	       plain[3];
	if (alen > plen - 4) {
		rc = EP11_CKR_IBM_BLOB_ERROR;
		goto out;
	}
	rc = fw_attrs_parse(&key->attrs, plain + 4, alen);
	if (rc == EP11_CKR_TEMPLATE_INCONSISTENT)
		rc = EP11_CKR_IBM_BLOB_ERROR;
	if (rc)
		goto out;
	if (memcmp(blob, no_session, EP11_SESSION_ID_LEN) &&
	    !fw_session_active(fw, domain, blob)) {
		rc = EP11_CKR_SESSION_CLOSED;
		goto out;
	}
	memcpy(key->session, blob, EP11_SESSION_ID_LEN);
	rc = fw_key_set_material(key, plain + 4 + alen, plen - 4 - alen);
	if (rc == EP11_CKR_OK)
		name_key(fw, domain, blob, len, key);
out:
	if (rc)
		fw_key_free(key);
	OPENSSL_cleanse(plain, plen + FW_BLOB_TAG_LEN);
	free(plain);
	return rc;
}
