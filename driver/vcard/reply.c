// SPDX-License-Identifier: GPL-2.0
/*
 * Transport-level validation of the replies a virtual card's firmware
 * writes, before the core sees them.  The DER payload is the core's to
 * parse; here only what a real AP queue guarantees is checked.
 */
#include <linux/errno.h>
#include <asm/byteorder.h>
#include <linux/ep11.h>
#include <linux/ep11_vcard.h>

#include "vcard.h"

/**
 * vcard_reply_check() - check a reply's header and CPRB
 * @hdr:    the reply's header; @hdr->len bytes of message follow in @msg,
 *          at most %EP11_MAX_MSG_LEN (the caller bounds it)
 * @msg:    the message: struct ep11_cprb and payload
 * @domain: domain of the request the reply answers
 *
 * A reply must name the request's domain and carry a sane CPRB: header
 * length %EP11_CPRB_LEN, version %EP11_CPRB_VERSION, function id "T4" and
 * a payload length that accounts for every byte after the header.
 *
 * Context: any context; takes no locks.
 * Return: 0 for a good reply, -EBUSY when the CPRB return code says the
 * card is busy (%EP11_CPRB_RC_BUSY), -EBADMSG for a malformed reply.
 */
int vcard_reply_check(const struct ep11_vcard_msg *hdr, const void *msg,
		      u32 domain)
{
	const struct ep11_cprb *cprb = msg;

	if (hdr->domain != domain)
		return -EBADMSG;
	if (hdr->len < EP11_CPRB_LEN || hdr->len > EP11_MAX_MSG_LEN)
		return -EBADMSG;
	if (be16_to_cpu(cprb->cprb_len) != EP11_CPRB_LEN ||
	    cprb->cprb_ver_id != EP11_CPRB_VERSION ||
	    cprb->func_id[0] != EP11_CPRB_FUNC_ID0 ||
	    cprb->func_id[1] != EP11_CPRB_FUNC_ID1)
		return -EBADMSG;
	if (be32_to_cpu(cprb->payload_len) != hdr->len - EP11_CPRB_LEN)
		return -EBADMSG;
	if (be32_to_cpu(cprb->ret_code) == EP11_CPRB_RC_BUSY)
		return -EBUSY;
	return 0;
}
