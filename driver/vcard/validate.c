// SPDX-License-Identifier: GPL-2.0
/*
 * Validation of what user space hands a virtual card: the arguments of
 * EP11_VCARD_IOC_NEW and, at the transport level, the replies the firmware
 * writes, before the core sees them.  A reply's DER payload is the core's
 * to parse; here only what a real AP queue guarantees is checked.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/ep11.h>
#include <linux/ep11_vcard.h>
#include <asm/byteorder.h>

#include "vcard.h"

static bool vcard_serial_ok(const char *serial)
{
	bool zero = true, printable = true;
	unsigned int i;

	for (i = 0; i < EP11_SERIAL_LEN; i++) {
		if (serial[i])
			zero = false;
		if (serial[i] < 0x20 || serial[i] > 0x7e)
			printable = false;
	}
	return zero || printable;
}

/**
 * vcard_new_check() - check the arguments of %EP11_VCARD_IOC_NEW
 * @arg: the arguments as copied from user space
 *
 * Flags, pad and reserved must be zero, the queue depth at most
 * %EP11_VCARD_MAX_DEPTH (0 stands for the default), at least one domain
 * set, and the serial number either all zero or 16 printable ASCII
 * characters (it is shown in sysfs).
 *
 * Context: any context; takes no locks.
 * Return: 0, or -EINVAL for bad arguments.
 */
int vcard_new_check(const struct ep11_vcard_new *arg)
{
	unsigned int i;
	u64 any = 0;

	if (arg->flags || arg->reserved ||
	    memchr_inv(arg->pad, 0, sizeof(arg->pad)))
		return -EINVAL;
	if (arg->queue_depth > EP11_VCARD_MAX_DEPTH)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(arg->domains); i++)
		any |= arg->domains[i];
	if (!any)
		return -EINVAL;
	if (!vcard_serial_ok(arg->serial))
		return -EINVAL;
	return 0;
}

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
