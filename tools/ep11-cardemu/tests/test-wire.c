// SPDX-License-Identifier: GPL-2.0
/*
 * The EP11 wire codec (driver/ep11_wire.c) compiled for user space:
 * round trips, hand-made malformed messages, every truncation and every
 * single-byte change of valid messages, and the pin blob append.
 */
#include <errno.h>

#include "harness.h"
#include "ep11_wire.h"

#define DOM	0x25

static u8 buf[EP11_MAX_MSG_LEN + 64];

static void test_login_round_trip(void)
{
	u8 pin[64], nonce[64], blob[EP11_PINBLOB_LEN], got[EP11_PINBLOB_LEN];
	struct ep11_wbuf b;
	struct ep11_msg m;
	const u8 *p;
	size_t n;
	u32 rc;
	int len;

	memset(pin, 'p', sizeof(pin));
	memset(nonce, 'n', sizeof(nonce));
	len = ep11_wire_enc_login(buf, sizeof(buf), DOM, pin, 64, nonce, 64);
	ASSERT_TRUE(len > 0);
	EXPECT_EQ(ep11_wire_parse_request(buf, len, &m), 0);
	EXPECT_EQ(m.fn, EP11_FN(EP11_FN_LOGIN));
	EXPECT_EQ(m.domain, DOM);
	EXPECT_EQ(m.fn_domain, DOM);
	EXPECT_EQ(m.flags, 0);
	EXPECT_EQ(ep11_wire_count(&m), 2);
	EXPECT_EQ(ep11_wire_next(&m, &p, &n), 0);
	EXPECT_EQ(n, 64);
	EXPECT_EQ(ep11_wire_next(&m, &p, &n), 0);
	EXPECT_EQ(ep11_wire_next(&m, &p, &n), -ENOENT);

	EXPECT_EQ(ep11_wire_enc_login(buf, sizeof(buf), DOM, pin, 7, NULL, 0),
		  -EINVAL);
	EXPECT_EQ(ep11_wire_enc_login(buf, sizeof(buf), DOM, pin, 65, NULL, 0),
		  -EINVAL);
	EXPECT_EQ(ep11_wire_enc_login(buf, sizeof(buf), DOM, pin, 8, nonce,
				      65), -EINVAL);

	memset(blob, 0xb1, sizeof(blob));
	ep11_wire_reply_init(&b, buf, sizeof(buf), EP11_FN(EP11_FN_LOGIN), DOM,
			     EP11_CKR_OK);
	ep11_wire_put(&b, blob, sizeof(blob));
	len = ep11_wire_finish(&b);
	ASSERT_TRUE(len > 0);
	EXPECT_EQ(ep11_wire_dec_login(buf, len, DOM, &rc, got), 0);
	EXPECT_EQ(rc, EP11_CKR_OK);
	EXPECT_MEM(got, blob, sizeof(blob));
	/* The same reply read as if it came from another domain. */
	EXPECT_EQ(ep11_wire_dec_login(buf, len, DOM + 1, &rc, got), -EPROTO);
	/* Read as a Logout reply: another function. */
	EXPECT_EQ(ep11_wire_dec_logout(buf, len, DOM, &rc), -EPROTO);
}

static void test_xcp_round_trips(void)
{
	u8 caps[] = { 0, 0, 0, 12, 0, 0, 4, 0, 0, 0, 0, 13, 0, 0, 1, 0 };
	u8 wkid[EP11_WKID_LEN], got[EP11_WKID_LEN];
	char serial[EP11_SERIAL_LEN + 1];
	u32 rc, max, avail, api, major, minor, query;
	struct ep11_wbuf b;
	struct ep11_msg m;
	int len;

	len = ep11_wire_enc_xcp_info(buf, sizeof(buf), DOM,
				     EP11_XCP_QUERY_EXT_CAPLIST);
	ASSERT_TRUE(len > 0);
	EXPECT_EQ(ep11_wire_parse_request(buf, len, &m), 0);
	EXPECT_EQ(ep11_wire_next_u32(&m, &query), 0);
	EXPECT_EQ(query, EP11_XCP_QUERY_EXT_CAPLIST);

	ep11_wire_reply_init(&b, buf, sizeof(buf),
			     EP11_FN(EP11_FN_GET_XCP_INFO), DOM, EP11_CKR_OK);
	ep11_wire_put(&b, caps, sizeof(caps));
	len = ep11_wire_finish(&b);
	EXPECT_EQ(ep11_wire_dec_xcp_caplist(buf, len, DOM, &rc, &max, &avail),
		  0);
	EXPECT_EQ(max, 1024);
	EXPECT_EQ(avail, 256);

	ep11_wire_reply_init(&b, buf, sizeof(buf),
			     EP11_FN(EP11_FN_GET_XCP_INFO), DOM, EP11_CKR_OK);
	ep11_wire_put(&b, "0123456789ABCDEF", EP11_SERIAL_LEN);
	ep11_wire_put_u32(&b, 4);
	ep11_wire_put_u32(&b, 7);
	ep11_wire_put_u32(&b, 9);
	len = ep11_wire_finish(&b);
	EXPECT_EQ(ep11_wire_dec_xcp_module(buf, len, DOM, &rc, serial, &api,
					   &major, &minor), 0);
	EXPECT_TRUE(!strcmp(serial, "0123456789ABCDEF"));
	EXPECT_EQ(api, 4);
	EXPECT_EQ(major, 7);
	EXPECT_EQ(minor, 9);

	memset(wkid, 0x5a, sizeof(wkid));
	ep11_wire_reply_init(&b, buf, sizeof(buf),
			     EP11_FN(EP11_FN_GET_XCP_INFO), DOM, EP11_CKR_OK);
	ep11_wire_put(&b, wkid, sizeof(wkid));
	len = ep11_wire_finish(&b);
	EXPECT_EQ(ep11_wire_dec_xcp_domain(buf, len, DOM, &rc, got), 0);
	EXPECT_MEM(got, wkid, sizeof(wkid));
	/* A 16-byte WKID is not a caplist of whole pairs... */
	EXPECT_EQ(ep11_wire_dec_xcp_caplist(buf, len, DOM, &rc, &max, &avail),
		  -EPROTO);
	/* ...nor module info. */
	EXPECT_EQ(ep11_wire_dec_xcp_module(buf, len, DOM, &rc, serial, &api,
					   &major, &minor), -EPROTO);
}

/* Hand-made messages: header, then payload bytes. */
struct raw_case {
	const char *name;
	u8 payload[16];
	size_t len;
	int want;
};

static const struct raw_case raw_cases[] = {
	{ "empty payload", { 0 }, 0, -EBADMSG },
	{ "minimal request", { 0x30, 12, 4, 4, 0, 4, 0, 1, 4, 4, 0, 0, 0,
			       DOM }, 14, 0 },
	{ "SEQUENCE too long", { 0x30, 13, 4, 4, 0, 4, 0, 1, 4, 4, 0, 0, 0,
				 DOM }, 14, -EBADMSG },
	{ "element runs out", { 0x30, 12, 4, 4, 0, 4, 0, 1, 4, 5, 0, 0, 0,
				DOM }, 14, -EBADMSG },
	{ "3-byte function", { 0x30, 11, 4, 3, 4, 0, 1, 4, 4, 0, 0, 0, DOM },
	  13, -EBADMSG },
	{ "no domain", { 0x30, 6, 4, 4, 0, 4, 0, 1 }, 8, -EBADMSG },
	{ "0x81 short value", { 0x30, 0x81, 12, 4, 4, 0, 4, 0, 1, 4, 4, 0, 0,
				0, DOM }, 15, -EBADMSG },
	{ "0x82 short value", { 0x30, 0x82, 0, 12, 4, 4, 0, 4, 0, 1, 4, 4, 0,
				0, 0, DOM }, 16, -EBADMSG },
	{ "0x84 length", { 0x30, 0x84, 0, 0, 0, 12 }, 6, -EBADMSG },
	{ "indefinite length", { 0x30, 0x80, 4, 4, 0, 4, 0, 1, 0, 0 }, 10,
	  -EBADMSG },
	{ "INTEGER element", { 0x30, 12, 4, 4, 0, 4, 0, 1, 2, 4, 0, 0, 0,
			       DOM }, 14, -EBADMSG },
	{ "trailing garbage", { 0x30, 12, 4, 4, 0, 4, 0, 1, 4, 4, 0, 0, 0,
				DOM, 0 }, 15, -EBADMSG },
	{ "lone tag", { 0x30 }, 1, -EBADMSG },
};

static int raw_message(const struct raw_case *c)
{
	static const u8 hdr[EP11_CPRB_LEN] = {
		0, 32, 4, 0, 0, 0, 'T', '4', 0, 0, 0, 0, 0, 0, 0, DOM,
	};

	memcpy(buf, hdr, sizeof(hdr));
	buf[28] = 0;
	buf[29] = 0;
	buf[30] = 0;
	buf[31] = c->len;
	memcpy(buf + EP11_CPRB_LEN, c->payload, c->len);
	return EP11_CPRB_LEN + c->len;
}

static void test_raw_requests(void)
{
	struct ep11_msg m;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(raw_cases); i++) {
		int len = raw_message(&raw_cases[i]);
		int r = ep11_wire_parse_request(buf, len, &m);

		if (r != raw_cases[i].want)
			fprintf(stderr, "case \"%s\":\n", raw_cases[i].name);
		EXPECT_EQ(r, raw_cases[i].want);
	}
}

static void test_header_checks(void)
{
	struct ep11_msg m;
	int len;

	len = ep11_wire_enc_xcp_info(buf, sizeof(buf), DOM, 1);
	ASSERT_TRUE(len > 0);
	EXPECT_EQ(ep11_wire_parse_request(buf, len, &m), 0);
	buf[2] = 5;
	EXPECT_EQ(ep11_wire_parse_request(buf, len, &m), -EBADMSG);
	buf[2] = 4;
	buf[6] = 'X';
	EXPECT_EQ(ep11_wire_parse_request(buf, len, &m), -EBADMSG);
	buf[6] = 'T';
	buf[1] = 31;
	EXPECT_EQ(ep11_wire_parse_request(buf, len, &m), -EBADMSG);
	buf[1] = 32;
	EXPECT_EQ(ep11_wire_parse_request(buf, len + 1, &m), -EBADMSG);
	EXPECT_EQ(ep11_wire_parse_request(buf, EP11_MAX_MSG_LEN + 1, &m),
		  -EMSGSIZE);
	EXPECT_EQ(ep11_wire_parse_request(NULL, 0, &m), -EBADMSG);
	/* A payload-less reply is only valid with a CPRB code. */
	len = ep11_wire_reply_cprb_rc(buf, sizeof(buf), DOM,
				      EP11_CPRB_RC_BUSY);
	EXPECT_EQ(len, EP11_CPRB_LEN);
	EXPECT_EQ(ep11_wire_parse_reply(buf, len, &m), 0);
	EXPECT_EQ(m.cprb_rc, EP11_CPRB_RC_BUSY);
	EXPECT_EQ(ep11_wire_parse_request(buf, len, &m), -EBADMSG);
	buf[19] = 0;	/* ret_code 0x000c0000: another refusal */
	EXPECT_EQ(ep11_wire_dec_logout(buf, len, DOM, &(u32){ 0 }), -EIO);
	buf[17] = 0;	/* ret_code 0 and no payload */
	EXPECT_EQ(ep11_wire_parse_reply(buf, len, &m), -EBADMSG);
}

/*
 * Every strict prefix of a valid message is rejected, and no single-byte
 * change makes the parser read outside the message (run under ASan in
 * the fuzz build; here: it returns and its result is consistent).
 */
static void test_truncations_and_flips(void)
{
	u8 pin[16] = "0123456789abcdef", msg[512];
	struct ep11_msg m;
	int len, i, r;
	unsigned int v;

	len = ep11_wire_enc_login(msg, sizeof(msg), DOM, pin, sizeof(pin),
				  pin, 8);
	ASSERT_TRUE(len > 0);
	for (i = 0; i < len; i++) {
		memcpy(buf, msg, len);
		r = ep11_wire_parse_request(buf, i, &m);
		if (r != -EBADMSG)
			fprintf(stderr, "prefix of %d bytes\n", i);
		EXPECT_EQ(r, -EBADMSG);
	}
	for (i = 0; i < len; i++) {
		for (v = 0; v < 256; v++) {
			memcpy(buf, msg, len);
			buf[i] = v;
			r = ep11_wire_parse_request(buf, len, &m);
			if (r == 0)
				EXPECT_TRUE(m.params + m.params_len <=
					    buf + len);
			else
				EXPECT_EQ(r, -EBADMSG);
		}
	}
}

static void test_append_forms(void)
{
	static const struct {
		size_t param;
		u8 before, after;
	} cases[] = {
		{ 0, 14, 96 }, { 100, 114, 0x81 }, { 200, 0x81, 0x82 },
		{ 600, 0x82, 0x82 },
	};
	u8 param[600], blob[EP11_PINBLOB_LEN];
	struct ep11_wbuf b;
	struct ep11_msg m;
	const u8 *p;
	size_t i, n;
	int len, r;

	memset(param, 0x11, sizeof(param));
	memset(blob, 0xbb, sizeof(blob));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ep11_wire_request_init(&b, buf, sizeof(buf),
				       EP11_FN(EP11_FN_SIGN_SINGLE), DOM, 0);
		ep11_wire_put(&b, param, cases[i].param);
		len = ep11_wire_finish(&b);
		ASSERT_TRUE(len > 0);
		EXPECT_EQ(buf[EP11_CPRB_LEN + 1], cases[i].before);
		r = ep11_wire_append(buf, len, sizeof(buf), blob,
				     sizeof(blob));
		ASSERT_TRUE(r > len);
		EXPECT_EQ(buf[EP11_CPRB_LEN + 1], cases[i].after);
		EXPECT_EQ(ep11_wire_parse_request(buf, r, &m), 0);
		EXPECT_EQ(ep11_wire_count(&m), 2);
		EXPECT_EQ(ep11_wire_next(&m, &p, &n), 0);
		EXPECT_EQ(n, cases[i].param);
		EXPECT_EQ(ep11_wire_next(&m, &p, &n), 0);
		EXPECT_EQ(n, EP11_PINBLOB_LEN);
		EXPECT_MEM(p, blob, sizeof(blob));
	}
}

static void test_size_limits(void)
{
	static u8 big[EP11_MAX_MSG_LEN];
	struct ep11_wbuf b;
	struct ep11_msg m;
	int len;

	/* The largest parameter that fits the 0x82 form and the limit. */
	ep11_wire_request_init(&b, buf, sizeof(buf),
			       EP11_FN(EP11_FN_ENCRYPT_SINGLE), DOM, 0);
	ep11_wire_put(&b, big, 0xffff - 12 - 4);
	len = ep11_wire_finish(&b);
	EXPECT_EQ(len, -EMSGSIZE);

	ep11_wire_request_init(&b, buf, sizeof(buf),
			       EP11_FN(EP11_FN_ENCRYPT_SINGLE), DOM, 0);
	ep11_wire_put(&b, big, EP11_MAX_MSG_LEN - EP11_CPRB_LEN - 4 - 12 -
		      4);
	len = ep11_wire_finish(&b);
	EXPECT_EQ(len, EP11_MAX_MSG_LEN);
	EXPECT_EQ(ep11_wire_parse_request(buf, len, &m), 0);
	/* Nothing more can be appended. */
	EXPECT_EQ(ep11_wire_append(buf, len, sizeof(buf), big, 1),
		  -EMSGSIZE);
	/* A buffer too small for the header. */
	ep11_wire_request_init(&b, buf, 20, 1, DOM, 0);
	EXPECT_EQ(ep11_wire_finish(&b), -EMSGSIZE);
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_login_round_trip),
		TEST(test_xcp_round_trips),
		TEST(test_raw_requests),
		TEST(test_header_checks),
		TEST(test_truncations_and_flips),
		TEST(test_append_forms),
		TEST(test_size_limits),
	};

	return test_run(tests, ARRAY_SIZE(tests));
}
