// SPDX-License-Identifier: GPL-2.0
/*
 * get_xcp_info (38): (query) -> results by query:
 *   MODULE (1):      serial number (16), API ordinal (u32),
 *                    firmware major (u32), firmware minor (u32)
 *   DOMAIN (3):      the domain's WKID (16)
 *   EXT_CAPS (5):    number of EXT_CAPLIST entries (u32)
 *   EXT_CAPLIST (6): one string of (u32 index, u32 value) pairs:
 *                    (12, max sessions), (13, available sessions)
 */
#include <string.h>

#include "card.h"

#define FW_VERSION_MAJOR	1
#define FW_VERSION_MINOR	0
#define NCAPS			2

static void put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static u32 xcp_info(struct fw_req *req, struct ep11_wbuf *rep)
{
	unsigned int max, avail;
	u8 wkid[EP11_WKID_LEN];
	u8 caps[NCAPS * 8];
	u32 query, rc;

	rc = fw_param_u32(req, 0, &query);
	if (rc)
		return rc;
	switch (query) {
	case EP11_XCP_QUERY_MODULE:
		ep11_wire_put(rep, fw_serial(req->fw), EP11_SERIAL_LEN);
		ep11_wire_put_u32(rep, EP11_API_ORDINAL);
		ep11_wire_put_u32(rep, FW_VERSION_MAJOR);
		ep11_wire_put_u32(rep, FW_VERSION_MINOR);
		return EP11_CKR_OK;
	case EP11_XCP_QUERY_DOMAIN:
		if (fw_wkid(req->fw, req->domain, wkid))
			return EP11_CKR_ARGUMENTS_BAD;
		ep11_wire_put(rep, wkid, sizeof(wkid));
		return EP11_CKR_OK;
	case EP11_XCP_QUERY_EXT_CAPS:
		ep11_wire_put_u32(rep, NCAPS);
		return EP11_CKR_OK;
	case EP11_XCP_QUERY_EXT_CAPLIST:
		fw_session_counts(req->fw, &max, &avail);
		put_be32(caps, EP11_XCP_CAP_MAX_SESSIONS);
		put_be32(caps + 4, max);
		put_be32(caps + 8, EP11_XCP_CAP_AVAIL_SESSIONS);
		put_be32(caps + 12, avail);
		ep11_wire_put(rep, caps, sizeof(caps));
		return EP11_CKR_OK;
	default:
		return EP11_CKR_ARGUMENTS_BAD;
	}
}

static const struct fw_fn xcp_info_fns[] = {
	{ EP11_FN_GET_XCP_INFO, xcp_info },
};

const struct fw_fn_group fw_group_xcp_info = FW_FN_GROUP(xcp_info_fns);
