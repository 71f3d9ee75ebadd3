// SPDX-License-Identifier: GPL-2.0
/*
 * DigestSingle (10): (mechanism, data) -> (digest), with CKM_SHA_1,
 * CKM_SHA224, CKM_SHA256, CKM_SHA384 or CKM_SHA512 and no parameter.
 */
#include "card.h"
#include "fw_crypto.h"

static u32 digest_single(struct fw_req *req, struct ep11_wbuf *rep)
{
	u8 md[EVP_MAX_MD_SIZE];
	struct fw_mech_arg a;
	unsigned int len = 0;
	const EVP_MD *type;
	u32 rc;
	int ok;

	rc = fw_mech_get(&req->param[0], CKF_DIGEST, &a);
	rc = rc ?: fw_mech_no_param(&a);
	if (rc)
		return rc;
	type = fw_md(req->fw, a.m->md);
	if (!type)
		return EP11_CKR_DEVICE_ERROR;
	ok = EVP_Digest(req->param[1].p, req->param[1].n, md, &len, type,
			NULL);
	if (!ok)
		return EP11_CKR_DEVICE_ERROR;
	ep11_wire_put(rep, md, len);
	return EP11_CKR_OK;
}

static const struct fw_fn digest_fns[] = {
	{ EP11_FN_DIGEST_SINGLE, digest_single },
};

const struct fw_fn_group fw_group_digest = FW_FN_GROUP(digest_fns);
