// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of what ep11_vcard accepts from user space: the arguments of
 * EP11_VCARD_IOC_NEW and the transport-level checks of a firmware's reply.
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "../vcard.h"

#define DOM	0x24

/* A reply: CPRB header and @payload bytes, as the firmware writes it. */
static void *make_reply(struct kunit *test, u32 payload, u32 *len)
{
	struct ep11_cprb *c;

	*len = EP11_CPRB_LEN + payload;
	c = kunit_kzalloc(test, *len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->cprb_len = cpu_to_be16(EP11_CPRB_LEN);
	c->cprb_ver_id = EP11_CPRB_VERSION;
	c->func_id[0] = EP11_CPRB_FUNC_ID0;
	c->func_id[1] = EP11_CPRB_FUNC_ID1;
	c->target_id = cpu_to_be32(DOM);
	c->payload_len = cpu_to_be32(payload);
	return c;
}

enum reply_fault {
	RF_NONE,
	RF_BUSY,
	RF_CPRB_LEN,
	RF_VERSION,
	RF_FUNC_ID,
	RF_PAYLOAD_LONG,
	RF_PAYLOAD_SHORT,
	RF_DOMAIN,
	RF_TRUNCATED,
	RF_TOO_LONG,
	RF_OTHER_RC,
};

struct reply_case {
	const char *name;
	u32 payload;
	enum reply_fault fault;
	int want;
};

static const struct reply_case reply_cases[] = {
	{ "good reply", 16, RF_NONE, 0 },
	{ "good reply without payload", 0, RF_NONE, 0 },
	{ "CPRB busy", 0, RF_BUSY, -EBUSY },
	{ "other CPRB return code passes", 16, RF_OTHER_RC, 0 },
	{ "cprb_len 0x21", 16, RF_CPRB_LEN, -EBADMSG },
	{ "version 3", 16, RF_VERSION, -EBADMSG },
	{ "function id T5", 16, RF_FUNC_ID, -EBADMSG },
	{ "payload_len one too many", 16, RF_PAYLOAD_LONG, -EBADMSG },
	{ "payload_len one too few", 16, RF_PAYLOAD_SHORT, -EBADMSG },
	{ "domain of another APQN", 16, RF_DOMAIN, -EBADMSG },
	{ "shorter than a CPRB", 16, RF_TRUNCATED, -EBADMSG },
	{ "longer than EP11_MAX_MSG_LEN", 16, RF_TOO_LONG, -EBADMSG },
};

static void reply_case_desc(const struct reply_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(reply, reply_cases, reply_case_desc);

static void vcard_reply_checked(struct kunit *test)
{
	const struct reply_case *c = test->param_value;
	struct ep11_vcard_msg hdr = { .msgid = 1, .domain = DOM };
	struct ep11_cprb *cprb;
	u32 len;

	cprb = make_reply(test, c->payload, &len);
	hdr.len = len;
	switch (c->fault) {
	case RF_NONE:
		break;
	case RF_BUSY:
		cprb->ret_code = cpu_to_be32(EP11_CPRB_RC_BUSY);
		break;
	case RF_OTHER_RC:
		cprb->ret_code = cpu_to_be32(0x00080001);
		break;
	case RF_CPRB_LEN:
		cprb->cprb_len = cpu_to_be16(EP11_CPRB_LEN + 1);
		break;
	case RF_VERSION:
		cprb->cprb_ver_id = 3;
		break;
	case RF_FUNC_ID:
		cprb->func_id[1] = '5';
		break;
	case RF_PAYLOAD_LONG:
		cprb->payload_len = cpu_to_be32(c->payload + 1);
		break;
	case RF_PAYLOAD_SHORT:
		cprb->payload_len = cpu_to_be32(c->payload - 1);
		break;
	case RF_DOMAIN:
		hdr.domain = DOM + 1;
		break;
	case RF_TRUNCATED:
		hdr.len = EP11_CPRB_LEN - 1;
		break;
	case RF_TOO_LONG:
		hdr.len = EP11_MAX_MSG_LEN + 1;
		cprb->payload_len = cpu_to_be32(hdr.len - EP11_CPRB_LEN);
		break;
	}
	KUNIT_EXPECT_EQ(test, vcard_reply_check(&hdr, cprb, DOM), c->want);
}

enum new_fault {
	NF_NONE,
	NF_FLAGS,
	NF_PAD,
	NF_RESERVED,
	NF_DEPTH_MAX,
	NF_DEPTH_OVER,
	NF_DEPTH_DEFAULT,
	NF_NO_DOMAIN,
	NF_LAST_DOMAIN,
	NF_SERIAL_ZERO,
	NF_SERIAL_CONTROL,
	NF_SERIAL_DEL,
	NF_SERIAL_HIGH,
};

struct new_case {
	const char *name;
	enum new_fault fault;
	int want;
};

static const struct new_case new_cases[] = {
	{ "good arguments", NF_NONE, 0 },
	{ "unknown flag", NF_FLAGS, -EINVAL },
	{ "non-zero pad", NF_PAD, -EINVAL },
	{ "non-zero reserved", NF_RESERVED, -EINVAL },
	{ "largest depth", NF_DEPTH_MAX, 0 },
	{ "depth above the largest", NF_DEPTH_OVER, -EINVAL },
	{ "depth 0 for the default", NF_DEPTH_DEFAULT, 0 },
	{ "no domain", NF_NO_DOMAIN, -EINVAL },
	{ "only domain 0xff", NF_LAST_DOMAIN, 0 },
	{ "serial number all zero", NF_SERIAL_ZERO, 0 },
	{ "control character in the serial", NF_SERIAL_CONTROL, -EINVAL },
	{ "DEL in the serial", NF_SERIAL_DEL, -EINVAL },
	{ "non-ASCII byte in the serial", NF_SERIAL_HIGH, -EINVAL },
};

static void new_case_desc(const struct new_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(new, new_cases, new_case_desc);

static void vcard_new_args_checked(struct kunit *test)
{
	const struct new_case *c = test->param_value;
	struct ep11_vcard_new arg = {
		.size = sizeof(arg),
		.card = 0x0b,
		.queue_depth = EP11_VCARD_DEFAULT_DEPTH,
		.domains = { 1ULL << DOM },
		.serial = "93AABEET00001234",
	};

	switch (c->fault) {
	case NF_NONE:
		break;
	case NF_FLAGS:
		arg.flags = 1;
		break;
	case NF_PAD:
		arg.pad[1] = 1;
		break;
	case NF_RESERVED:
		arg.reserved = 1;
		break;
	case NF_DEPTH_MAX:
		arg.queue_depth = EP11_VCARD_MAX_DEPTH;
		break;
	case NF_DEPTH_OVER:
		arg.queue_depth = EP11_VCARD_MAX_DEPTH + 1;
		break;
	case NF_DEPTH_DEFAULT:
		arg.queue_depth = 0;
		break;
	case NF_NO_DOMAIN:
		arg.domains[0] = 0;
		break;
	case NF_LAST_DOMAIN:
		arg.domains[0] = 0;
		arg.domains[3] = 1ULL << 63;
		break;
	case NF_SERIAL_ZERO:
		memset(arg.serial, 0, sizeof(arg.serial));
		break;
	case NF_SERIAL_CONTROL:
		arg.serial[4] = '\n';
		break;
	case NF_SERIAL_DEL:
		arg.serial[15] = 0x7f;
		break;
	case NF_SERIAL_HIGH:
		arg.serial[0] = (char)0xc3;
		break;
	}
	KUNIT_EXPECT_EQ(test, vcard_new_check(&arg), c->want);
}

static struct kunit_case vcard_validate_test_cases[] = {
	KUNIT_CASE_PARAM(vcard_reply_checked, reply_gen_params),
	KUNIT_CASE_PARAM(vcard_new_args_checked, new_gen_params),
	{}
};

static struct kunit_suite vcard_validate_test_suite = {
	.name = "ep11-vcard-validate",
	.test_cases = vcard_validate_test_cases,
};

kunit_test_suite(vcard_validate_test_suite);
