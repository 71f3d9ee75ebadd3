// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the EP11 wire codec: round trips of the messages the
 * kernel sends, malformed and truncated replies, the pin blob append, and
 * the parameter count of the SEQUENCE's own elements.
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "../ep11_wire.h"

#define DOM	0x24
#define BUFSZ	1024

static void fill(u8 *p, size_t n, u8 seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = seed + i;
}

/* A Login request round trip: every PIN and nonce length at the limits. */
struct login_case {
	const char *name;
	size_t pin_len;
	size_t nonce_len;
	int want;
};

static const struct login_case login_cases[] = {
	{ "shortest PIN, no nonce", 8, 0, 0 },
	{ "longest PIN and nonce", 64, 64, 0 },
	{ "PIN too short", 7, 0, -EINVAL },
	{ "PIN too long", 65, 0, -EINVAL },
	{ "nonce too long", 8, 65, -EINVAL },
};

static void login_case_desc(const struct login_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(login, login_cases, login_case_desc);

static void wire_login_request_round_trip(struct kunit *test)
{
	const struct login_case *c = test->param_value;
	u8 *buf = kunit_kzalloc(test, BUFSZ, GFP_KERNEL);
	u8 p[65], nonce[65];
	struct ep11_msg m;
	const u8 *v;
	size_t n;
	int len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	fill(p, sizeof(p), 1);
	fill(nonce, sizeof(nonce), 100);
	len = ep11_wire_enc_login(buf, BUFSZ, DOM, p, c->pin_len, nonce,
				  c->nonce_len);
	if (c->want) {
		KUNIT_EXPECT_EQ(test, len, c->want);
		return;
	}
	KUNIT_ASSERT_GT(test, len, EP11_CPRB_LEN);
	KUNIT_ASSERT_EQ(test, ep11_wire_parse_request(buf, len, &m), 0);
	KUNIT_EXPECT_EQ(test, m.fn, (u32)EP11_FN(EP11_FN_LOGIN));
	KUNIT_EXPECT_EQ(test, m.domain, (u32)DOM);
	KUNIT_EXPECT_EQ(test, m.fn_domain, (u32)DOM);
	KUNIT_EXPECT_EQ(test, ep11_wire_count(&m), (size_t)2);
	KUNIT_ASSERT_EQ(test, ep11_wire_next(&m, &v, &n), 0);
	KUNIT_EXPECT_EQ(test, n, c->pin_len);
	KUNIT_EXPECT_EQ(test, memcmp(v, p, n), 0);
	KUNIT_ASSERT_EQ(test, ep11_wire_next(&m, &v, &n), 0);
	KUNIT_EXPECT_EQ(test, n, c->nonce_len);
	KUNIT_EXPECT_EQ(test, memcmp(v, nonce, n), 0);
	KUNIT_EXPECT_EQ(test, ep11_wire_next(&m, &v, &n), -ENOENT);
}

/* Replies to decode: a valid one per function, then one defect each. */
enum reply_kind { R_LOGIN, R_LOGOUT, R_CAPLIST, R_MODULE };

enum defect {
	D_NONE,
	D_TRUNCATED,		/* last byte missing, header says it is there */
	D_SHORT_HEADER,		/* fewer than 32 bytes */
	D_PAYLOAD_LEN,		/* header payload length off by one */
	D_VERSION,		/* CPRB version 3 */
	D_FUNC_ID,		/* "T5" */
	D_CPRB_LEN,		/* cprb_len 0x0021 */
	D_SEQ_TAG,		/* SET instead of SEQUENCE */
	D_SEQ_LONGFORM,		/* 0x83 length form */
	D_SEQ_INDEFINITE,	/* 0x80 indefinite length */
	D_SEQ_NONMINIMAL,	/* 0x81 with a value below 0x80 */
	D_TRAILING,		/* a byte after the SEQUENCE */
	D_ELEM_TAG,		/* an INTEGER among the results */
	D_WRONG_FN,		/* answers another function */
	D_WRONG_DOMAIN,		/* answers another domain */
	D_EXTRA_RESULT,		/* one result too many */
	D_BAD_RESULT,		/* a result of the wrong size or content */
	D_BUSY,			/* CPRB return code busy, no payload */
	D_CARD_RC,		/* an EP11 error code, no results */
};

struct reply_case {
	const char *name;
	enum reply_kind kind;
	enum defect defect;
	int want;
};

static const struct reply_case reply_cases[] = {
	{ "login ok", R_LOGIN, D_NONE, 0 },
	{ "login truncated", R_LOGIN, D_TRUNCATED, -EBADMSG },
	{ "login short header", R_LOGIN, D_SHORT_HEADER, -EBADMSG },
	{ "login payload length", R_LOGIN, D_PAYLOAD_LEN, -EBADMSG },
	{ "login version", R_LOGIN, D_VERSION, -EBADMSG },
	{ "login func id", R_LOGIN, D_FUNC_ID, -EBADMSG },
	{ "login cprb len", R_LOGIN, D_CPRB_LEN, -EBADMSG },
	{ "login seq tag", R_LOGIN, D_SEQ_TAG, -EBADMSG },
	{ "login 0x83 length", R_LOGIN, D_SEQ_LONGFORM, -EBADMSG },
	{ "login indefinite", R_LOGIN, D_SEQ_INDEFINITE, -EBADMSG },
	{ "login non-minimal", R_LOGIN, D_SEQ_NONMINIMAL, -EBADMSG },
	{ "login trailing byte", R_LOGIN, D_TRAILING, -EBADMSG },
	{ "login element tag", R_LOGIN, D_ELEM_TAG, -EBADMSG },
	{ "login wrong function", R_LOGIN, D_WRONG_FN, -EPROTO },
	{ "login wrong domain", R_LOGIN, D_WRONG_DOMAIN, -EPROTO },
	{ "login two results", R_LOGIN, D_EXTRA_RESULT, -EPROTO },
	{ "login 79-byte pin blob", R_LOGIN, D_BAD_RESULT, -EPROTO },
	{ "login busy", R_LOGIN, D_BUSY, -EBUSY },
	{ "login session count", R_LOGIN, D_CARD_RC, 0 },
	{ "logout ok", R_LOGOUT, D_NONE, 0 },
	{ "logout truncated", R_LOGOUT, D_TRUNCATED, -EBADMSG },
	{ "logout wrong function", R_LOGOUT, D_WRONG_FN, -EPROTO },
	{ "logout wrong domain", R_LOGOUT, D_WRONG_DOMAIN, -EPROTO },
	{ "logout with a result", R_LOGOUT, D_EXTRA_RESULT, -EPROTO },
	{ "logout session closed", R_LOGOUT, D_CARD_RC, 0 },
	{ "logout busy", R_LOGOUT, D_BUSY, -EBUSY },
	{ "caplist ok", R_CAPLIST, D_NONE, 0 },
	{ "caplist truncated", R_CAPLIST, D_TRUNCATED, -EBADMSG },
	{ "caplist trailing byte", R_CAPLIST, D_TRAILING, -EBADMSG },
	{ "caplist two results", R_CAPLIST, D_EXTRA_RESULT, -EPROTO },
	{ "caplist available > max", R_CAPLIST, D_BAD_RESULT, -EPROTO },
	{ "caplist error code", R_CAPLIST, D_CARD_RC, 0 },
	{ "module ok", R_MODULE, D_NONE, 0 },
	{ "module truncated", R_MODULE, D_TRUNCATED, -EBADMSG },
	{ "module extra result", R_MODULE, D_EXTRA_RESULT, -EPROTO },
	{ "module serial not printable", R_MODULE, D_BAD_RESULT, -EPROTO },
	{ "module wrong function", R_MODULE, D_WRONG_FN, -EPROTO },
};

static void reply_case_desc(const struct reply_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(reply, reply_cases, reply_case_desc);

static const u32 fnid_of[] = {
	[R_LOGIN] = EP11_FN_LOGIN,
	[R_LOGOUT] = EP11_FN_LOGOUT,
	[R_CAPLIST] = EP11_FN_GET_XCP_INFO,
	[R_MODULE] = EP11_FN_GET_XCP_INFO,
};

static void put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* Builds the reply of @c into @buf; returns its length. */
static int build_reply(const struct reply_case *c, u8 *buf)
{
	u32 fn = EP11_FN(fnid_of[c->kind]);
	u16 dom = c->defect == D_WRONG_DOMAIN ? DOM + 1 : DOM;
	u8 pinblob[EP11_PINBLOB_LEN], caps[24], u32be[4];
	bool bad = c->defect == D_BAD_RESULT;
	struct ep11_wbuf b;
	u32 rc = EP11_CKR_OK;

	if (c->defect == D_BUSY)
		return ep11_wire_reply_cprb_rc(buf, BUFSZ, DOM,
					       EP11_CPRB_RC_BUSY);
	if (c->defect == D_WRONG_FN)
		fn = EP11_FN(EP11_FN_GENERATE_RANDOM);
	if (c->defect == D_CARD_RC)
		rc = c->kind == R_LOGIN ? EP11_CKR_SESSION_COUNT :
					  EP11_CKR_SESSION_CLOSED;
	ep11_wire_reply_init(&b, buf, BUFSZ, fn, dom, rc);
	if (rc == EP11_CKR_OK) {
		switch (c->kind) {
		case R_LOGIN:
			fill(pinblob, sizeof(pinblob), 7);
			ep11_wire_put(&b, pinblob, bad ? 79 : 80);
			break;
		case R_LOGOUT:
			break;
		case R_CAPLIST:
			put_be32(caps, 1);
			put_be32(caps + 4, 99);
			put_be32(caps + 8, EP11_XCP_CAP_MAX_SESSIONS);
			put_be32(caps + 12, 16);
			put_be32(caps + 16, EP11_XCP_CAP_AVAIL_SESSIONS);
			put_be32(caps + 20, bad ? 17 : 12);
			ep11_wire_put(&b, caps, sizeof(caps));
			break;
		case R_MODULE:
			ep11_wire_put(&b, bad ? "SERIAL\n123456789" :
				      "EP11EMU00000000B", EP11_SERIAL_LEN);
			ep11_wire_put_u32(&b, EP11_API_ORDINAL);
			ep11_wire_put_u32(&b, 1);
			ep11_wire_put_u32(&b, 2);
			break;
		}
		if (c->defect == D_EXTRA_RESULT) {
			put_be32(u32be, 0);
			ep11_wire_put(&b, u32be, sizeof(u32be));
		}
	}
	return ep11_wire_finish(&b);
}

/* Applies a byte-level defect to the valid reply @buf of @len bytes. */
static int apply_defect(enum defect d, u8 *buf, int len)
{
	u8 *seq = buf + EP11_CPRB_LEN;
	size_t content;

	switch (d) {
	case D_TRUNCATED:
		return len - 1;
	case D_SHORT_HEADER:
		return EP11_CPRB_LEN - 1;
	case D_PAYLOAD_LEN:
		buf[31]++;
		return len;
	case D_VERSION:
		buf[2] = 3;
		return len;
	case D_FUNC_ID:
		buf[7] = '5';
		return len;
	case D_CPRB_LEN:
		buf[1] = 0x21;
		return len;
	case D_SEQ_TAG:
		seq[0] = 0x31;
		return len;
	case D_SEQ_LONGFORM:
		/* [30 L] becomes [30 83 00 00 L]. */
		content = seq[1];
		memmove(seq + 5, seq + 2, content);
		seq[1] = 0x83;
		seq[2] = 0;
		seq[3] = 0;
		seq[4] = content;
		put_be32(buf + 28, len + 3 - EP11_CPRB_LEN);
		return len + 3;
	case D_SEQ_NONMINIMAL:
		/* [30 L] becomes [30 81 L] with L < 0x80. */
		content = seq[1];
		memmove(seq + 3, seq + 2, content);
		seq[1] = 0x81;
		seq[2] = content;
		put_be32(buf + 28, len + 1 - EP11_CPRB_LEN);
		return len + 1;
	case D_SEQ_INDEFINITE:
		seq[1] = 0x80;
		return len;
	case D_TRAILING:
		buf[len] = 0;
		put_be32(buf + 28, len + 1 - EP11_CPRB_LEN);
		return len + 1;
	case D_ELEM_TAG:
		/* The first result's tag: after the three 6-byte fields. */
		seq[2 + 18] = 0x02;
		return len;
	default:
		return len;
	}
}

static void wire_reply_decode(struct kunit *test)
{
	const struct reply_case *c = test->param_value;
	u8 *buf = kunit_kzalloc(test, BUFSZ, GFP_KERNEL);
	u8 pinblob[EP11_PINBLOB_LEN], want_blob[EP11_PINBLOB_LEN];
	char serial[EP11_SERIAL_LEN + 1];
	u32 rc = 0xdead, max = 0, avail = 0, api = 0, major = 0, minor = 0;
	int len, r = 0;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = build_reply(c, buf);
	KUNIT_ASSERT_GE(test, len, EP11_CPRB_LEN);
	/* The byte-level defects assume a short-form SEQUENCE length. */
	KUNIT_ASSERT_LT(test, buf[EP11_CPRB_LEN + 1], 0x80);
	len = apply_defect(c->defect, buf, len);

	switch (c->kind) {
	case R_LOGIN:
		r = ep11_wire_dec_login(buf, len, DOM, &rc, pinblob);
		break;
	case R_LOGOUT:
		r = ep11_wire_dec_logout(buf, len, DOM, &rc);
		break;
	case R_CAPLIST:
		r = ep11_wire_dec_xcp_caplist(buf, len, DOM, &rc, &max,
					      &avail);
		break;
	case R_MODULE:
		r = ep11_wire_dec_xcp_module(buf, len, DOM, &rc, serial, &api,
					     &major, &minor);
		break;
	}
	KUNIT_EXPECT_EQ(test, r, c->want);
	if (r)
		return;
	if (c->defect == D_CARD_RC) {
		KUNIT_EXPECT_EQ(test, rc, c->kind == R_LOGIN ?
				EP11_CKR_SESSION_COUNT :
				EP11_CKR_SESSION_CLOSED);
		return;
	}
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_OK);
	switch (c->kind) {
	case R_LOGIN:
		fill(want_blob, sizeof(want_blob), 7);
		KUNIT_EXPECT_EQ(test, memcmp(pinblob, want_blob,
					     EP11_PINBLOB_LEN), 0);
		break;
	case R_CAPLIST:
		KUNIT_EXPECT_EQ(test, max, 16U);
		KUNIT_EXPECT_EQ(test, avail, 12U);
		break;
	case R_MODULE:
		KUNIT_EXPECT_STREQ(test, serial, "EP11EMU00000000B");
		KUNIT_EXPECT_EQ(test, api, (u32)EP11_API_ORDINAL);
		KUNIT_EXPECT_EQ(test, major, 1U);
		KUNIT_EXPECT_EQ(test, minor, 2U);
		break;
	default:
		break;
	}
}

/*
 * Appending the pin blob: requests whose SEQUENCE content is just below
 * the 0x80 and 0x100 boundaries, so the header moves to a longer form.
 */
struct append_case {
	const char *name;
	size_t param_len;	/* one parameter before the pin blob */
	u8 hdr_before;		/* SEQUENCE length byte before */
	u8 hdr_after;		/* and after */
};

static const struct append_case append_cases[] = {
	{ "short form stays short", 0, 14, 96 },
	{ "short form to 0x81", 100, 114, 0x81 },
	{ "0x81 to 0x82", 200, 0x81, 0x82 },
	{ "0x82 stays 0x82", 600, 0x82, 0x82 },
};

static void append_case_desc(const struct append_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(append, append_cases, append_case_desc);

static int build_param_request(u8 *buf, const u8 *param, size_t len)
{
	struct ep11_wbuf b;

	ep11_wire_request_init(&b, buf, BUFSZ, EP11_FN(EP11_FN_SIGN_SINGLE),
			       DOM, 0);
	ep11_wire_put(&b, param, len);
	return ep11_wire_finish(&b);
}

static void wire_append_pinblob(struct kunit *test)
{
	const struct append_case *c = test->param_value;
	u8 *buf = kunit_kzalloc(test, BUFSZ, GFP_KERNEL);
	u8 *param = kunit_kzalloc(test, c->param_len + 1, GFP_KERNEL);
	u8 pinblob[EP11_PINBLOB_LEN];
	struct ep11_msg m;
	int len, full, r;
	const u8 *v;
	size_t n;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, param);
	fill(param, c->param_len, 3);
	fill(pinblob, sizeof(pinblob), 200);

	/* Learn the appended length with plenty of room. */
	len = build_param_request(buf, param, c->param_len);
	KUNIT_ASSERT_GT(test, len, 0);
	KUNIT_EXPECT_EQ(test, buf[EP11_CPRB_LEN + 1], c->hdr_before);
	full = ep11_wire_append(buf, len, BUFSZ, pinblob, sizeof(pinblob));
	KUNIT_ASSERT_GT(test, full, len);

	/* One byte short of room: refused, message untouched. */
	memset(buf, 0, BUFSZ);
	len = build_param_request(buf, param, c->param_len);
	r = ep11_wire_append(buf, len, full - 1, pinblob, sizeof(pinblob));
	KUNIT_EXPECT_EQ(test, r, -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, ep11_wire_parse_request(buf, len, &m), 0);
	KUNIT_EXPECT_EQ(test, buf[EP11_CPRB_LEN + 1], c->hdr_before);

	/* Exactly enough room. */
	r = ep11_wire_append(buf, len, full, pinblob, sizeof(pinblob));
	KUNIT_ASSERT_EQ(test, r, full);
	KUNIT_EXPECT_EQ(test, buf[EP11_CPRB_LEN + 1], c->hdr_after);
	KUNIT_ASSERT_EQ(test, ep11_wire_parse_request(buf, r, &m), 0);
	KUNIT_EXPECT_EQ(test, m.fn, (u32)EP11_FN(EP11_FN_SIGN_SINGLE));
	KUNIT_EXPECT_EQ(test, ep11_wire_count(&m), (size_t)2);
	KUNIT_ASSERT_EQ(test, ep11_wire_next(&m, &v, &n), 0);
	KUNIT_EXPECT_EQ(test, n, c->param_len);
	KUNIT_EXPECT_EQ(test, memcmp(v, param, n), 0);
	KUNIT_ASSERT_EQ(test, ep11_wire_next(&m, &v, &n), 0);
	KUNIT_EXPECT_EQ(test, n, (size_t)EP11_PINBLOB_LEN);
	KUNIT_EXPECT_EQ(test, memcmp(v, pinblob, n), 0);
}

/* Appending to something that is not a valid request is refused. */
static void wire_append_rejects_garbage(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, BUFSZ, GFP_KERNEL);
	u8 pinblob[EP11_PINBLOB_LEN] = { 0 };
	int len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = ep11_wire_enc_xcp_info(buf, BUFSZ, DOM, EP11_XCP_QUERY_MODULE);
	KUNIT_ASSERT_GT(test, len, 0);
	KUNIT_EXPECT_EQ(test, ep11_wire_append(buf, len - 1, BUFSZ, pinblob,
					       sizeof(pinblob)), -EBADMSG);
	KUNIT_EXPECT_EQ(test, ep11_wire_append(buf, 10, BUFSZ, pinblob,
					       sizeof(pinblob)), -EBADMSG);
}

/* A builder that runs out of room reports -EMSGSIZE, never overruns. */
static void wire_builder_overflow(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, 64, GFP_KERNEL);
	u8 pinblob[EP11_PINBLOB_LEN] = { 0 };

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, ep11_wire_enc_logout(buf, 64, DOM, pinblob),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, ep11_wire_enc_xcp_info(buf, 35, DOM, 1),
			-EMSGSIZE);
	KUNIT_EXPECT_GT(test, ep11_wire_enc_xcp_info(buf, 64, DOM, 1), 0);
}

/*
 * The count is of the SEQUENCE's own elements: what an OCTET STRING holds
 * is one parameter however much DER it looks like, and an element that is
 * not a primitive OCTET STRING (a nested SEQUENCE, a constructed OCTET
 * STRING) makes the message malformed instead of hiding parameters.
 */
static void wire_count_is_top_level(struct kunit *test)
{
	/* Three OCTET STRINGs, as the value of one. */
	static const u8 nested[] = {
		0x04, 0x02, 0xaa, 0xbb, 0x04, 0x01, 0xcc, 0x04, 0x00,
	};
	static const u8 tags[] = { 0x30, 0x24, 0x31, 0x02, 0xa0 };
	u8 *buf = kunit_kzalloc(test, BUFSZ, GFP_KERNEL);
	struct ep11_wbuf b;
	struct ep11_msg m;
	size_t i, n, off;
	const u8 *v;
	int len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	ep11_wire_request_init(&b, buf, BUFSZ, EP11_FN(EP11_FN_DIGEST_SINGLE),
			       DOM, 0);
	ep11_wire_put_u32(&b, 0x250);
	ep11_wire_put(&b, nested, sizeof(nested));
	len = ep11_wire_finish(&b);
	KUNIT_ASSERT_GT(test, len, 0);
	KUNIT_ASSERT_EQ(test, ep11_wire_parse_request(buf, len, &m), 0);
	KUNIT_EXPECT_EQ(test, ep11_wire_count(&m), (size_t)2);
	KUNIT_EXPECT_EQ(test, ep11_wire_req_form(&m), EP11_FORM_UNBOUND);
	KUNIT_ASSERT_EQ(test, ep11_wire_next(&m, &v, &n), 0);
	KUNIT_ASSERT_EQ(test, ep11_wire_next(&m, &v, &n), 0);
	KUNIT_EXPECT_EQ(test, n, sizeof(nested));
	KUNIT_EXPECT_EQ(test, ep11_wire_next(&m, &v, &n), -ENOENT);
	/* The count does not move with the iterator. */
	KUNIT_EXPECT_EQ(test, ep11_wire_count(&m), (size_t)2);

	/* The second parameter's tag: anything but 0x04 is malformed. */
	off = len - sizeof(nested) - 2;
	KUNIT_ASSERT_EQ(test, buf[off], EP11_TAG_OCTET_STRING);
	for (i = 0; i < ARRAY_SIZE(tags); i++) {
		buf[off] = tags[i];
		KUNIT_EXPECT_EQ_MSG(test, ep11_wire_parse_request(buf, len, &m),
				    -EBADMSG, "parameter with tag %#x",
				    tags[i]);
	}
	buf[off] = EP11_TAG_OCTET_STRING;
	/* A length one short leaves a stray byte: malformed too. */
	buf[off + 1]--;
	KUNIT_EXPECT_EQ(test, ep11_wire_parse_request(buf, len, &m), -EBADMSG);
}

static struct kunit_case ep11_wire_test_cases[] = {
	KUNIT_CASE_PARAM(wire_login_request_round_trip, login_gen_params),
	KUNIT_CASE_PARAM(wire_reply_decode, reply_gen_params),
	KUNIT_CASE_PARAM(wire_append_pinblob, append_gen_params),
	KUNIT_CASE(wire_append_rejects_garbage),
	KUNIT_CASE(wire_builder_overflow),
	KUNIT_CASE(wire_count_is_top_level),
	{}
};

static struct kunit_suite ep11_wire_test_suite = {
	.name = "ep11sess-wire",
	.test_cases = ep11_wire_test_cases,
};

kunit_test_suite(ep11_wire_test_suite);
