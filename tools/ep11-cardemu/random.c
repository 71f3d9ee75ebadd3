// SPDX-License-Identifier: GPL-2.0
/*
 * GenerateRandom (4): (u32 length) -> (length random bytes), at most
 * FW_RANDOM_MAX bytes per request.
 */
#include <stdlib.h>

#include <openssl/rand.h>

#include "card.h"
#include "fw_crypto.h"

#define FW_RANDOM_MAX	8192

static u32 generate_random(struct fw_req *req, struct ep11_wbuf *rep)
{
	u8 buf[FW_RANDOM_MAX];
	u32 len, rc;

	rc = fw_param_u32(req, 0, &len);
	if (rc)
		return rc;
	if (len > FW_RANDOM_MAX)
		return EP11_CKR_ARGUMENTS_BAD;
	if (len && RAND_bytes(buf, len) != 1)
		return EP11_CKR_DEVICE_ERROR;
	ep11_wire_put(rep, buf, len);
	return EP11_CKR_OK;
}

static const struct fw_fn random_fns[] = {
	{ EP11_FN_GENERATE_RANDOM, generate_random },
};

const struct fw_fn_group fw_group_random = FW_FN_GROUP(random_fns);
