// SPDX-License-Identifier: GPL-2.0
/*
 * Key generation:
 *   GenerateKey (21):     (mechanism, template) -> (key blob)
 *   GenerateKeyPair (22): (mechanism, public key template, private key
 *                          template) -> (private key blob, public key
 *                          blob, SubjectPublicKeyInfo)
 * Keys made in a request bound to a session are bound to it.
 */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "card.h"
#include "fw_crypto.h"

#define RSA_MAX_E_LEN	8
#define SECRET_MAX_LEN	512

/* GenerateKey: AES (CKA_VALUE_LEN 16, 24, 32) or generic secret. */
static u32 generate_key(struct fw_req *req, struct ep11_wbuf *rep)
{
	struct fw_key key = { 0 };
	struct fw_mech_arg a;
	u8 value[SECRET_MAX_LEN];
	u32 rc, len = 0;

	rc = fw_mech_get(&req->param[0], CKF_GENERATE, &a);
	rc = rc ?: fw_mech_no_param(&a);
	if (rc)
		return rc;
	rc = fw_template_apply(&key, &req->param[1], CKO_SECRET_KEY,
			       a.m->key_type);
	rc = rc ?: fw_attrs_get_ulong(&key.attrs, CKA_VALUE_LEN, &len);
	if (rc)
		goto out;
	if (a.m->key_type == CKK_AES ? len != 16 && len != 24 && len != 32 :
	    !len || len > SECRET_MAX_LEN) {
		rc = EP11_CKR_KEY_SIZE_RANGE;
		goto out;
	}
	if (RAND_priv_bytes(value, len) != 1) {
		rc = EP11_CKR_DEVICE_ERROR;
		goto out;
	}
	rc = fw_key_set_material(&key, value, len);
	rc = rc ?: fw_template_finish(&key, CKO_SECRET_KEY, a.m->key_type,
				      a.m->type, true);
	rc = rc ?: fw_key_seal_put(req, &key, rep);
out:
	OPENSSL_cleanse(value, sizeof(value));
	fw_key_free(&key);
	return rc;
}

/*
 * The RSA key generation context asked for by the public template, up to
 * the card's cap.
 */
static u32 rsa_ctx(const struct fw *fw, const struct fw_key *pub,
		   EVP_PKEY_CTX *ctx)
{
	const struct fw_attr *e = fw_attrs_find(&pub->attrs,
						CKA_PUBLIC_EXPONENT);
	BIGNUM *bn = NULL;
	u32 bits, rc;
	int ok;

	rc = fw_attrs_get_ulong(&pub->attrs, CKA_MODULUS_BITS, &bits);
	if (rc)
		return rc;
	if (bits < FW_RSA_MIN_BITS || bits > fw->cfg.rsa_max_bits || bits % 8)
		return EP11_CKR_KEY_SIZE_RANGE;
	if (e) {
		bn = BN_bin2bn(e->val, e->len, NULL);
		if (!bn)
			return EP11_CKR_HOST_MEMORY;
		if (e->len > RSA_MAX_E_LEN || !BN_is_odd(bn) ||
		    BN_is_one(bn)) {
			BN_free(bn);
			return EP11_CKR_ATTRIBUTE_VALUE_INVALID;
		}
	}
	ok = EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) > 0 &&
	     (!bn || EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, bn) > 0);
	BN_free(bn);
	return ok ? EP11_CKR_OK : EP11_CKR_DEVICE_ERROR;
}

/* Generates the OpenSSL key pair the mechanism and templates ask for. */
static u32 generate_pkey(const struct fw *fw, const struct fw_mech *m,
			 const struct fw_key *pub, EVP_PKEY **pkey)
{
	const struct fw_attr *params = fw_attrs_find(&pub->attrs,
						     CKA_EC_PARAMS);
	const struct fw_curve *c = NULL;
	EVP_PKEY_CTX *ctx;
	u32 rc = EP11_CKR_OK;

	if (m->key_type == CKK_EC || m->key_type == CKK_EC_EDWARDS) {
		if (!params)
			return EP11_CKR_TEMPLATE_INCOMPLETE;
		c = fw_curve_by_params(params->val, params->len);
		if (!c || c->key_type != m->key_type)
			return EP11_CKR_CURVE_NOT_SUPPORTED;
	} else if (params) {
		return EP11_CKR_TEMPLATE_INCONSISTENT;
	}
	ctx = EVP_PKEY_CTX_new_from_name(NULL, m->key_type == CKK_RSA ? "RSA" :
					 m->key_type == CKK_EC ? "EC" :
					 "ED25519", NULL);
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0) {
		rc = EP11_CKR_DEVICE_ERROR;
		goto out;
	}
	if (m->key_type == CKK_RSA)
		rc = rsa_ctx(fw, pub, ctx);
	else if (m->key_type == CKK_EC &&
		 EVP_PKEY_CTX_set_group_name(ctx, c->group) <= 0)
		rc = EP11_CKR_DEVICE_ERROR;
	if (!rc && EVP_PKEY_generate(ctx, pkey) <= 0)
		rc = EP11_CKR_DEVICE_ERROR;
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* GenerateKeyPair: RSA, EC on P-256/P-384/P-521, Ed25519. */
static u32 generate_key_pair(struct fw_req *req, struct ep11_wbuf *rep)
{
	struct fw_key pub = { 0 }, priv = { 0 };
	unsigned char *spki = NULL;
	EVP_PKEY *pkey = NULL;
	struct fw_mech_arg a;
	u32 rc, kt;
	int len = 0;

	rc = fw_mech_get(&req->param[0], CKF_GENERATE_KEY_PAIR, &a);
	rc = rc ?: fw_mech_no_param(&a);
	if (rc)
		return rc;
	kt = a.m->key_type;
	rc = fw_template_apply(&pub, &req->param[1], CKO_PUBLIC_KEY, kt);
	rc = rc ?: fw_template_apply(&priv, &req->param[2], CKO_PRIVATE_KEY,
				     kt);
	rc = rc ?: generate_pkey(req->fw, a.m, &pub, &pkey);
	if (rc)
		goto out;
	len = i2d_PUBKEY(pkey, &spki);
	if (len <= 0) {
		rc = EP11_CKR_DEVICE_ERROR;
		goto out;
	}
	rc = fw_key_set_private(&priv, pkey);
	rc = rc ?: fw_key_set_material(&pub, spki, len);
	rc = rc ?: fw_template_finish(&priv, CKO_PRIVATE_KEY, kt, a.m->type,
				      true);
	rc = rc ?: fw_template_finish(&pub, CKO_PUBLIC_KEY, kt, a.m->type,
				      true);
	rc = rc ?: fw_template_pkey_attrs(&priv, pkey);
	rc = rc ?: fw_template_pkey_attrs(&pub, pkey);
	rc = rc ?: fw_key_seal_put(req, &priv, rep);
	rc = rc ?: fw_key_seal_put(req, &pub, rep);
	if (!rc)
		ep11_wire_put(rep, spki, len);
out:
	OPENSSL_free(spki);
	EVP_PKEY_free(pkey);
	fw_key_free(&pub);
	fw_key_free(&priv);
	return rc;
}

static const struct fw_fn keygen_fns[] = {
	{ EP11_FN_GENERATE_KEY, generate_key },
	{ EP11_FN_GENERATE_KEY_PAIR, generate_key_pair },
};

const struct fw_fn_group fw_group_keygen = FW_FN_GROUP(keygen_fns);
