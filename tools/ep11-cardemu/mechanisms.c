// SPDX-License-Identifier: GPL-2.0
/*
 * The card's mechanism table, the mechanism parameter encoding, and the
 * functions that tell the host about them:
 *   GetMechanismList (36): () -> (list of u32 CKM_* values)
 *   GetMechanismInfo (37): (u32 CKM_*) -> (u32 min key size,
 *                           u32 max key size, u32 CKF_* flags)
 * The table lists exactly what the other crypto files implement.
 */
#include <string.h>

#include "card.h"
#include "fw_crypto.h"

#define F_SIGN		(CKF_HW | CKF_SIGN | CKF_VERIFY)
#define F_CRYPT		(CKF_HW | CKF_ENCRYPT | CKF_DECRYPT)
#define F_WRAP		(CKF_HW | CKF_WRAP | CKF_UNWRAP)
#define F_EC		(CKF_EC_F_P | CKF_EC_OID | CKF_EC_UNCOMPRESS)

/*
 * Key sizes: AES and HMAC in bytes, generic secret generation, RSA and
 * EC in bits, as PKCS#11 counts them.
 */
static const struct fw_mech mechs[] = {
	{ CKM_SHA_1, "SHA-1", 0, 0, CKF_HW | CKF_DIGEST, FW_NO_KEY, "SHA1" },
	{ CKM_SHA224, "SHA-224", 0, 0, CKF_HW | CKF_DIGEST, FW_NO_KEY,
	  "SHA224" },
	{ CKM_SHA256, "SHA-256", 0, 0, CKF_HW | CKF_DIGEST, FW_NO_KEY,
	  "SHA256" },
	{ CKM_SHA384, "SHA-384", 0, 0, CKF_HW | CKF_DIGEST, FW_NO_KEY,
	  "SHA384" },
	{ CKM_SHA512, "SHA-512", 0, 0, CKF_HW | CKF_DIGEST, FW_NO_KEY,
	  "SHA512" },

	{ CKM_AES_KEY_GEN, "AES-KEY-GEN", 16, 32, CKF_HW | CKF_GENERATE,
	  CKK_AES, NULL },
	{ CKM_GENERIC_SECRET_KEY_GEN, "GENERIC-SECRET-KEY-GEN", 8, 4096,
	  CKF_HW | CKF_GENERATE, CKK_GENERIC_SECRET, NULL },
	{ CKM_RSA_PKCS_KEY_PAIR_GEN, "RSA-PKCS-KEY-PAIR-GEN", 2048, 4096,
	  CKF_HW | CKF_GENERATE_KEY_PAIR, CKK_RSA, NULL },
	{ CKM_EC_KEY_PAIR_GEN, "EC-KEY-PAIR-GEN", 256, 521,
	  CKF_HW | CKF_GENERATE_KEY_PAIR | F_EC, CKK_EC, NULL },
	{ CKM_EC_EDWARDS_KEY_PAIR_GEN, "EC-EDWARDS-KEY-PAIR-GEN", 255, 255,
	  CKF_HW | CKF_GENERATE_KEY_PAIR | CKF_EC_OID, CKK_EC_EDWARDS, NULL },

	{ CKM_RSA_PKCS, "RSA-PKCS", 2048, 4096, F_SIGN | F_CRYPT, CKK_RSA,
	  NULL },
	{ CKM_RSA_PKCS_OAEP, "RSA-PKCS-OAEP", 2048, 4096, F_CRYPT | F_WRAP,
	  CKK_RSA, NULL },
	{ CKM_RSA_PKCS_PSS, "RSA-PKCS-PSS", 2048, 4096, F_SIGN, CKK_RSA,
	  NULL },
	{ CKM_SHA224_RSA_PKCS, "SHA224-RSA-PKCS", 2048, 4096, F_SIGN, CKK_RSA,
	  "SHA224" },
	{ CKM_SHA256_RSA_PKCS, "SHA256-RSA-PKCS", 2048, 4096, F_SIGN, CKK_RSA,
	  "SHA256" },
	{ CKM_SHA384_RSA_PKCS, "SHA384-RSA-PKCS", 2048, 4096, F_SIGN, CKK_RSA,
	  "SHA384" },
	{ CKM_SHA512_RSA_PKCS, "SHA512-RSA-PKCS", 2048, 4096, F_SIGN, CKK_RSA,
	  "SHA512" },
	{ CKM_SHA224_RSA_PKCS_PSS, "SHA224-RSA-PKCS-PSS", 2048, 4096, F_SIGN,
	  CKK_RSA, "SHA224" },
	{ CKM_SHA256_RSA_PKCS_PSS, "SHA256-RSA-PKCS-PSS", 2048, 4096, F_SIGN,
	  CKK_RSA, "SHA256" },
	{ CKM_SHA384_RSA_PKCS_PSS, "SHA384-RSA-PKCS-PSS", 2048, 4096, F_SIGN,
	  CKK_RSA, "SHA384" },
	{ CKM_SHA512_RSA_PKCS_PSS, "SHA512-RSA-PKCS-PSS", 2048, 4096, F_SIGN,
	  CKK_RSA, "SHA512" },

	{ CKM_ECDSA, "ECDSA", 256, 521, F_SIGN | F_EC, CKK_EC, NULL },
	{ CKM_ECDSA_SHA224, "ECDSA-SHA224", 256, 521, F_SIGN | F_EC, CKK_EC,
	  "SHA224" },
	{ CKM_ECDSA_SHA256, "ECDSA-SHA256", 256, 521, F_SIGN | F_EC, CKK_EC,
	  "SHA256" },
	{ CKM_ECDSA_SHA384, "ECDSA-SHA384", 256, 521, F_SIGN | F_EC, CKK_EC,
	  "SHA384" },
	{ CKM_ECDSA_SHA512, "ECDSA-SHA512", 256, 521, F_SIGN | F_EC, CKK_EC,
	  "SHA512" },
	{ CKM_EDDSA, "EDDSA", 255, 255, F_SIGN, CKK_EC_EDWARDS, NULL },

	{ CKM_SHA224_HMAC, "SHA224-HMAC", 1, 512, F_SIGN, CKK_GENERIC_SECRET,
	  "SHA224" },
	{ CKM_SHA256_HMAC, "SHA256-HMAC", 1, 512, F_SIGN, CKK_GENERIC_SECRET,
	  "SHA256" },
	{ CKM_SHA384_HMAC, "SHA384-HMAC", 1, 512, F_SIGN, CKK_GENERIC_SECRET,
	  "SHA384" },
	{ CKM_SHA512_HMAC, "SHA512-HMAC", 1, 512, F_SIGN, CKK_GENERIC_SECRET,
	  "SHA512" },

	{ CKM_AES_ECB, "AES-ECB", 16, 32, F_CRYPT, CKK_AES, NULL },
	{ CKM_AES_CBC, "AES-CBC", 16, 32, F_CRYPT, CKK_AES, NULL },
	{ CKM_AES_CBC_PAD, "AES-CBC-PAD", 16, 32, F_CRYPT | F_WRAP, CKK_AES,
	  NULL },
	{ CKM_AES_GCM, "AES-GCM", 16, 32, F_CRYPT, CKK_AES, NULL },
	{ CKM_AES_KEY_WRAP, "AES-KEY-WRAP", 16, 32, F_WRAP, CKK_AES, NULL },
	{ CKM_AES_KEY_WRAP_KWP, "AES-KEY-WRAP-KWP", 16, 32, F_WRAP, CKK_AES,
	  NULL },
};

#define NMECHS	(ARRAY_SIZE(mechs))

void fw_put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

const struct fw_mech *fw_mech_find(u32 type)
{
	unsigned int i;

	for (i = 0; i < NMECHS; i++)
		if (mechs[i].type == type)
			return &mechs[i];
	return NULL;
}

/*
 * Reads the mechanism parameter @p of a request: a mechanism that the
 * card does not know, or that does not serve @flag (CKF_*), is
 * CKR_MECHANISM_INVALID.
 */
u32 fw_mech_get(const struct fw_param *p, u32 flag, struct fw_mech_arg *a)
{
	u32 type;

	if (p->n < 4)
		return EP11_CKR_ARGUMENTS_BAD;
	type = (u32)p->p[0] << 24 | (u32)p->p[1] << 16 | (u32)p->p[2] << 8 |
	       p->p[3];
	a->m = fw_mech_find(type);
	if (!a->m || !(a->m->flags & flag))
		return EP11_CKR_MECHANISM_INVALID;
	a->param.p = p->p + 4;
	a->param.n = p->n - 4;
	return EP11_CKR_OK;
}

/* For mechanisms without a parameter: any parameter bytes are an error. */
u32 fw_mech_no_param(const struct fw_mech_arg *a)
{
	return a->param.n ? EP11_CKR_MECHANISM_PARAM_INVALID : EP11_CKR_OK;
}

/* The OpenSSL name of a CKM_SHA* digest mechanism, or NULL. */
const char *fw_hash_md(u32 ckm_hash)
{
	const struct fw_mech *m = fw_mech_find(ckm_hash);

	return m && (m->flags & CKF_DIGEST) ? m->md : NULL;
}

/* The OpenSSL name of the digest of a CKG_MGF1_* function, or NULL. */
const char *fw_mgf_md(u32 mgf)
{
	switch (mgf) {
	case CKG_MGF1_SHA1:
		return "SHA1";
	case CKG_MGF1_SHA224:
		return "SHA224";
	case CKG_MGF1_SHA256:
		return "SHA256";
	case CKG_MGF1_SHA384:
		return "SHA384";
	case CKG_MGF1_SHA512:
		return "SHA512";
	default:
		return NULL;
	}
}

void fw_rd_init(struct fw_rd *r, const struct fw_param *p)
{
	r->p = p->p;
	r->n = p->n;
	r->bad = false;
}

u32 fw_rd_u32(struct fw_rd *r)
{
	const u8 *p = fw_rd_bytes(r, 4);

	if (!p)
		return 0;
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

const u8 *fw_rd_bytes(struct fw_rd *r, size_t n)
{
	const u8 *p = r->p;

	if (r->bad || n > r->n) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	r->n -= n;
	return p;
}

/* GetMechanismList: () -> (u32 CKM_* values, one string). */
static u32 mechanism_list(struct fw_req *req, struct ep11_wbuf *rep)
{
	u8 list[NMECHS * 4];
	unsigned int i;

	for (i = 0; i < NMECHS; i++)
		fw_put_be32(list + 4 * i, mechs[i].type);
	ep11_wire_put(rep, list, sizeof(list));
	return EP11_CKR_OK;
}

/* GetMechanismInfo: (u32 CKM_*) -> (u32 min, u32 max, u32 flags). */
static u32 mechanism_info(struct fw_req *req, struct ep11_wbuf *rep)
{
	const struct fw_mech *m;
	u32 type, rc;

	rc = fw_param_u32(req, 0, &type);
	if (rc)
		return rc;
	m = fw_mech_find(type);
	if (!m)
		return EP11_CKR_MECHANISM_INVALID;
	ep11_wire_put_u32(rep, m->min_key);
	/* Key pair generation is capped by the card's configuration. */
	if (m->type == CKM_RSA_PKCS_KEY_PAIR_GEN)
		ep11_wire_put_u32(rep, req->fw->cfg.rsa_max_bits);
	else
		ep11_wire_put_u32(rep, m->max_key);
	ep11_wire_put_u32(rep, m->flags);
	return EP11_CKR_OK;
}

static const struct fw_fn mechanism_fns[] = {
	{ EP11_FN_GET_MECHANISM_LIST, mechanism_list },
	{ EP11_FN_GET_MECHANISM_INFO, mechanism_info },
};

const struct fw_fn_group fw_group_mechanisms = FW_FN_GROUP(mechanism_fns);
