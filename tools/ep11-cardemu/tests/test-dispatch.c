// SPDX-License-Identifier: GPL-2.0
/*
 * Requests through fw_handle(), encoded and decoded with the kernel's
 * codec: get_xcp_info, Login/Logout and a full card, malformed requests,
 * session-bound dispatch, fault options and concurrent requests.
 */
#include <pthread.h>
#include <time.h>

#include "fixture.h"

/*
 * The probe handler stands in for a function of the signature table that
 * the card does not implement: SetAttributeValue, two parameters and a
 * pin blob.
 */
#define TEST_FNID	EP11_FN_SET_ATTRIBUTE_VALUE
/* A number the signature table does not know. */
#define UNKNOWN_FNID	60

static u8 req[EP11_MAX_MSG_LEN], rep[EP11_MAX_MSG_LEN];

static int call(struct fw *fw, u16 dom, int len)
{
	return fw_handle(fw, dom, req, len, rep, sizeof(rep));
}

/* The return code of a reply that must parse and answer @fn on @dom. */
static u32 reply_rc(int len, u32 fn, u16 dom)
{
	struct ep11_msg m;

	if (len < 0 || ep11_wire_parse_reply(rep, len, &m)) {
		fprintf(stderr, "reply of %d bytes does not parse\n", len);
		return 0xffffffff;
	}
	if (m.fn != fn || m.fn_domain != dom || m.domain != dom) {
		fprintf(stderr, "reply answers fn %#x dom %#x, not %#x %#x\n",
			m.fn, m.fn_domain, fn, dom);
		return 0xfffffffe;
	}
	return m.rc;
}

static int login(struct fw *fw, u16 dom, const char *nonce, u32 *rc,
		 u8 blob[EP11_PINBLOB_LEN])
{
	int len = ep11_wire_enc_login(req, sizeof(req), dom, PIN,
				      (const u8 *)nonce, strlen(nonce));

	len = call(fw, dom, len);
	return ep11_wire_dec_login(rep, len, dom, rc, blob);
}

static void test_xcp_info(void)
{
	u8 wkid[EP11_WKID_LEN], want[EP11_WKID_LEN], blob[EP11_PINBLOB_LEN];
	char serial[EP11_SERIAL_LEN + 1];
	u32 rc = 1, max = 0, avail = 0, api, major, minor;
	char *dir = test_mkdir();
	struct fw *fw = card_new(dir, 0x0b, 16);
	struct ep11_msg m;
	int len;

	ASSERT_TRUE(fw);
	len = ep11_wire_enc_xcp_info(req, sizeof(req), D0,
				     EP11_XCP_QUERY_MODULE);
	len = call(fw, D0, len);
	EXPECT_EQ(ep11_wire_dec_xcp_module(rep, len, D0, &rc, serial, &api,
					   &major, &minor), 0);
	EXPECT_EQ(rc, EP11_CKR_OK);
	EXPECT_TRUE(!strcmp(serial, "EP11EMU00000000B"));
	EXPECT_EQ(api, EP11_API_ORDINAL);

	len = ep11_wire_enc_xcp_info(req, sizeof(req), D1,
				     EP11_XCP_QUERY_DOMAIN);
	len = call(fw, D1, len);
	EXPECT_EQ(ep11_wire_dec_xcp_domain(rep, len, D1, &rc, wkid), 0);
	EXPECT_EQ(fw_wkid(fw, D1, want), 0);
	EXPECT_MEM(wkid, want, EP11_WKID_LEN);

	len = ep11_wire_enc_xcp_info(req, sizeof(req), D0,
				     EP11_XCP_QUERY_EXT_CAPS);
	len = call(fw, D0, len);
	EXPECT_EQ(reply_rc(len, EP11_FN(EP11_FN_GET_XCP_INFO), D0), 0);
	EXPECT_EQ(ep11_wire_parse_reply(rep, len, &m), 0);
	EXPECT_EQ(ep11_wire_next_u32(&m, &api), 0);
	EXPECT_EQ(api, 2);

	EXPECT_EQ(login(fw, D1, "a", &rc, blob), 0);
	len = ep11_wire_enc_xcp_info(req, sizeof(req), D0,
				     EP11_XCP_QUERY_EXT_CAPLIST);
	len = call(fw, D0, len);
	EXPECT_EQ(ep11_wire_dec_xcp_caplist(rep, len, D0, &rc, &max, &avail),
		  0);
	EXPECT_EQ(max, 16);
	EXPECT_EQ(avail, 15);

	len = ep11_wire_enc_xcp_info(req, sizeof(req), D0, 2);
	len = call(fw, D0, len);
	EXPECT_EQ(reply_rc(len, EP11_FN(EP11_FN_GET_XCP_INFO), D0),
		  EP11_CKR_ARGUMENTS_BAD);
	fw_free(fw);
	test_rmdir(dir);
}

static void test_login_logout_full_card(void)
{
	u8 b1[EP11_PINBLOB_LEN], b2[EP11_PINBLOB_LEN], b3[EP11_PINBLOB_LEN];
	char *dir = test_mkdir();
	struct fw *fw = card_new(dir, 0x0b, 2);
	u32 rc = 1, max, avail;
	int len;

	ASSERT_TRUE(fw);
	EXPECT_EQ(login(fw, D0, "one", &rc, b1), 0);
	EXPECT_EQ(rc, EP11_CKR_OK);
	EXPECT_EQ(login(fw, D1, "two", &rc, b2), 0);
	EXPECT_EQ(rc, EP11_CKR_OK);
	EXPECT_EQ(login(fw, D1, "three", &rc, b3), 0);
	EXPECT_EQ(rc, EP11_CKR_SESSION_COUNT);
	len = ep11_wire_enc_xcp_info(req, sizeof(req), D1,
				     EP11_XCP_QUERY_EXT_CAPLIST);
	len = call(fw, D1, len);
	EXPECT_EQ(ep11_wire_dec_xcp_caplist(rep, len, D1, &rc, &max, &avail),
		  0);
	EXPECT_EQ(avail, 0);

	len = ep11_wire_enc_logout(req, sizeof(req), D0, b1);
	len = call(fw, D0, len);
	EXPECT_EQ(ep11_wire_dec_logout(rep, len, D0, &rc), 0);
	EXPECT_EQ(rc, EP11_CKR_OK);
	len = ep11_wire_enc_logout(req, sizeof(req), D0, b1);
	len = call(fw, D0, len);
	EXPECT_EQ(ep11_wire_dec_logout(rep, len, D0, &rc), 0);
	EXPECT_EQ(rc, EP11_CKR_SESSION_CLOSED);
	/* A pin blob of D1 sent to D0: not a pin blob of that domain. */
	len = ep11_wire_enc_logout(req, sizeof(req), D0, b2);
	len = call(fw, D0, len);
	EXPECT_EQ(ep11_wire_dec_logout(rep, len, D0, &rc), 0);
	EXPECT_EQ(rc, EP11_CKR_IBM_BLOB_ERROR);
	EXPECT_EQ(login(fw, D1, "three", &rc, b3), 0);
	EXPECT_EQ(rc, EP11_CKR_OK);
	fw_free(fw);
	test_rmdir(dir);
}

static void test_malformed_requests(void)
{
	char *dir = test_mkdir();
	struct fw *fw = card_new(dir, 0x0b, 2);
	struct ep11_wbuf b;
	int len, full, i;

	ASSERT_TRUE(fw);
	/* Garbage and every truncation of a valid request. */
	memset(req, 0xa5, 300);
	EXPECT_EQ(reply_rc(call(fw, D0, 300), 0, D0), EP11_CKR_ARGUMENTS_BAD);
	EXPECT_EQ(reply_rc(call(fw, D0, 0), 0, D0), EP11_CKR_ARGUMENTS_BAD);
	full = ep11_wire_enc_login(req, sizeof(req), D0, PIN, NULL, 0);
	for (i = 0; i < full; i++)
		EXPECT_EQ(reply_rc(call(fw, D0, i), 0, D0),
			  EP11_CKR_ARGUMENTS_BAD);

	/* Arrived on D1, addressed to D0. */
	len = ep11_wire_enc_xcp_info(req, sizeof(req), D0, 1);
	EXPECT_EQ(reply_rc(call(fw, D1, len), EP11_FN(EP11_FN_GET_XCP_INFO),
			   D1), EP11_CKR_ARGUMENTS_BAD);
	/* A domain the card does not have. */
	len = ep11_wire_enc_xcp_info(req, sizeof(req), 0x30, 1);
	EXPECT_EQ(reply_rc(call(fw, 0x30, len),
			   EP11_FN(EP11_FN_GET_XCP_INFO), 0x30),
		  EP11_CKR_ARGUMENTS_BAD);
	/* Functions the card does not implement. */
	ep11_wire_request_init(&b, req, sizeof(req), EP11_FN(43), D0, 0);
	len = ep11_wire_finish(&b);
	EXPECT_EQ(reply_rc(call(fw, D0, len), EP11_FN(43), D0),
		  EP11_CKR_FUNCTION_NOT_SUPPORTED);
	ep11_wire_request_init(&b, req, sizeof(req), 0x4ffff, D0, 0);
	len = ep11_wire_finish(&b);
	EXPECT_EQ(reply_rc(call(fw, D0, len), 0x4ffff, D0),
		  EP11_CKR_FUNCTION_NOT_SUPPORTED);
	/* Wrong parameter counts and sizes. */
	ep11_wire_request_init(&b, req, sizeof(req), EP11_FN(EP11_FN_LOGIN),
			       D0, 0);
	ep11_wire_put(&b, "12345678", 8);
	len = ep11_wire_finish(&b);
	EXPECT_EQ(reply_rc(call(fw, D0, len), EP11_FN(EP11_FN_LOGIN), D0),
		  EP11_CKR_ARGUMENTS_BAD);
	ep11_wire_request_init(&b, req, sizeof(req), EP11_FN(EP11_FN_LOGOUT),
			       D0, 0);
	ep11_wire_put(&b, rep, EP11_PINBLOB_LEN - 1);
	len = ep11_wire_finish(&b);
	EXPECT_EQ(reply_rc(call(fw, D0, len), EP11_FN(EP11_FN_LOGOUT), D0),
		  EP11_CKR_ARGUMENTS_BAD);
	ep11_wire_request_init(&b, req, sizeof(req),
			       EP11_FN(EP11_FN_GET_XCP_INFO), D0, 0);
	ep11_wire_put(&b, "12", 2);
	len = ep11_wire_finish(&b);
	EXPECT_EQ(reply_rc(call(fw, D0, len), EP11_FN(EP11_FN_GET_XCP_INFO),
			   D0), EP11_CKR_ARGUMENTS_BAD);
	ep11_wire_request_init(&b, req, sizeof(req),
			       EP11_FN(EP11_FN_GET_XCP_INFO), D0, 0);
	for (i = 0; i < FW_MAX_PARAMS + 1; i++)
		ep11_wire_put_u32(&b, 1);
	len = ep11_wire_finish(&b);
	EXPECT_EQ(reply_rc(call(fw, D0, len), EP11_FN(EP11_FN_GET_XCP_INFO),
			   D0), EP11_CKR_ARGUMENTS_BAD);

	/* No room for the reply. */
	len = ep11_wire_enc_login(req, sizeof(req), D0, PIN, NULL, 0);
	EXPECT_EQ(fw_handle(fw, D0, req, len, rep, 40), -EMSGSIZE);
	len = fw_handle(fw, D0, req, len, rep, 100);
	EXPECT_EQ(reply_rc(len, EP11_FN(EP11_FN_LOGIN), D0),
		  EP11_CKR_BUFFER_TOO_SMALL);
	EXPECT_EQ(card_avail(fw), 1);	/* the login itself happened */
	fw_free(fw);
	test_rmdir(dir);
}

/* A session-capable handler: returns whether it was bound and to what. */
static u32 probe(struct fw_req *r, struct ep11_wbuf *out)
{
	if (r->param[0].n == 1 && r->param[0].p[0] == 'F') {
		ep11_wire_put(out, "leak", 4);
		return EP11_CKR_KEY_FUNCTION_NOT_PERMITTED;
	}
	ep11_wire_put_u32(out, r->bound);
	ep11_wire_put(out, r->session, sizeof(r->session));
	return EP11_CKR_OK;
}

static const struct fw_fn probe_fn = { TEST_FNID, probe };

static int probe_req(u16 dom, const char *arg, const u8 *pinblob,
		     size_t pinblob_len)
{
	struct ep11_wbuf b;
	int len;

	ep11_wire_request_init(&b, req, sizeof(req), EP11_FN(TEST_FNID), dom,
			       0);
	ep11_wire_put(&b, arg, strlen(arg));
	ep11_wire_put(&b, NULL, 0);
	len = ep11_wire_finish(&b);
	if (pinblob)
		len = ep11_wire_append(req, len, sizeof(req), pinblob,
				       pinblob_len);
	return len;
}

static void test_session_bound_dispatch(void)
{
	static const struct fw_fn bad_fn = { 0, probe };
	static const struct fw_fn big_fn = { FW_MAX_FNID, probe };
	static const struct fw_fn unknown_fn = { UNKNOWN_FNID, probe };
	u8 blob[EP11_PINBLOB_LEN], forged[EP11_PINBLOB_LEN];
	char *dir = test_mkdir();
	struct fw *fw = card_new(dir, 0x0b, 2);
	const u32 fn = EP11_FN(TEST_FNID);
	struct ep11_msg m;
	const u8 *p;
	size_t n;
	u32 v, rc;
	int len;

	ASSERT_TRUE(fw);
	EXPECT_EQ(fw_register(fw, &probe_fn), 0);
	EXPECT_EQ(fw_register(fw, &probe_fn), -EEXIST);
	EXPECT_EQ(fw_register(fw, &bad_fn), -EINVAL);
	EXPECT_EQ(fw_register(fw, &big_fn), -EINVAL);
	EXPECT_EQ(fw_register(fw, &unknown_fn), -EINVAL);

	/* Unbound. */
	len = call(fw, D0, probe_req(D0, "x", NULL, 0));
	EXPECT_EQ(reply_rc(len, fn, D0), EP11_CKR_OK);
	EXPECT_EQ(ep11_wire_parse_reply(rep, len, &m), 0);
	EXPECT_EQ(ep11_wire_next_u32(&m, &v), 0);
	EXPECT_EQ(v, 0);

	/* Bound to a live session: the handler sees it. */
	EXPECT_EQ(login(fw, D0, "s", &rc, blob), 0);
	len = call(fw, D0, probe_req(D0, "x", blob, sizeof(blob)));
	EXPECT_EQ(reply_rc(len, fn, D0), EP11_CKR_OK);
	EXPECT_EQ(ep11_wire_parse_reply(rep, len, &m), 0);
	EXPECT_EQ(ep11_wire_next_u32(&m, &v), 0);
	EXPECT_EQ(v, 1);
	EXPECT_EQ(ep11_wire_next(&m, &p, &n), 0);
	EXPECT_EQ(n, EP11_SESSION_ID_LEN);
	EXPECT_MEM(p, blob, EP11_SESSION_ID_LEN);

	/* A failing handler's partial results are dropped. */
	len = call(fw, D0, probe_req(D0, "F", blob, sizeof(blob)));
	EXPECT_EQ(reply_rc(len, fn, D0), EP11_CKR_KEY_FUNCTION_NOT_PERMITTED);
	EXPECT_EQ(ep11_wire_parse_reply(rep, len, &m), 0);
	EXPECT_EQ(ep11_wire_count(&m), 0);

	memcpy(forged, blob, sizeof(forged));
	forged[40] ^= 1;
	len = call(fw, D0, probe_req(D0, "x", forged, sizeof(forged)));
	EXPECT_EQ(reply_rc(len, fn, D0), EP11_CKR_IBM_BLOB_ERROR);
	len = call(fw, D0, probe_req(D0, "x", blob, 79));
	EXPECT_EQ(reply_rc(len, fn, D0), EP11_CKR_ARGUMENTS_BAD);

	EXPECT_EQ(fw_session_logout(fw, D0, blob), 0);
	len = call(fw, D0, probe_req(D0, "x", blob, sizeof(blob)));
	EXPECT_EQ(reply_rc(len, fn, D0), EP11_CKR_SESSION_CLOSED);

	/* Functions whose signature has no pin blob take none. */
	len = ep11_wire_enc_xcp_info(req, sizeof(req), D0, 1);
	len = ep11_wire_append(req, len, sizeof(req), blob, sizeof(blob));
	EXPECT_EQ(reply_rc(call(fw, D0, len), EP11_FN(EP11_FN_GET_XCP_INFO),
			   D0), EP11_CKR_ARGUMENTS_BAD);
	fw_free(fw);
	test_rmdir(dir);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_fault_options(void)
{
	struct fw_config cfg = {
		.card = 0x0b, .domains = { D0 }, .ndomains = 1,
		.max_sessions = 2, .busy_rate = 1.0,
	};
	u8 blob[EP11_PINBLOB_LEN];
	char *dir = test_mkdir();
	struct fw *fw;
	double t;
	u32 rc;
	int len;

	cfg.state_dir = dir;
	fw = fw_new(&cfg);
	ASSERT_TRUE(fw);
	EXPECT_EQ(login(fw, D0, "x", &rc, blob), -EBUSY);
	EXPECT_EQ(card_avail(fw), 2);
	fw_free(fw);

	cfg.busy_rate = 0;
	cfg.latency_us = 30000;
	cfg.login_fail_rate = 1.0;
	fw = fw_new(&cfg);
	ASSERT_TRUE(fw);
	t = now();
	EXPECT_EQ(login(fw, D0, "x", &rc, blob), 0);
	EXPECT_TRUE(now() - t >= 0.03);
	EXPECT_EQ(rc, EP11_CKR_DEVICE_ERROR);
	EXPECT_EQ(card_avail(fw), 2);
	len = ep11_wire_enc_xcp_info(req, sizeof(req), D0, 1);
	EXPECT_EQ(reply_rc(call(fw, D0, len), EP11_FN(EP11_FN_GET_XCP_INFO),
			   D0), EP11_CKR_OK);
	fw_free(fw);
	test_rmdir(dir);
}

struct client {
	struct fw *fw;
	int id;
	int errors;
};

static void *client(void *arg)
{
	static __thread u8 q[1024], r[1024];
	struct client *c = arg;
	u8 blob[EP11_PINBLOB_LEN], nonce = c->id;
	u32 rc, max, avail;
	int i, len;

	for (i = 0; i < 200; i++) {
		len = ep11_wire_enc_login(q, sizeof(q), D1, PIN, &nonce, 1);
		len = fw_handle(c->fw, D1, q, len, r, sizeof(r));
		if (ep11_wire_dec_login(r, len, D1, &rc, blob) || rc)
			c->errors++;
		len = ep11_wire_enc_xcp_info(q, sizeof(q), D1,
					     EP11_XCP_QUERY_EXT_CAPLIST);
		len = fw_handle(c->fw, D1, q, len, r, sizeof(r));
		if (ep11_wire_dec_xcp_caplist(r, len, D1, &rc, &max, &avail) ||
		    rc || max != 4 || avail > 3)
			c->errors++;
		len = ep11_wire_enc_logout(q, sizeof(q), D1, blob);
		len = fw_handle(c->fw, D1, q, len, r, sizeof(r));
		if (ep11_wire_dec_logout(r, len, D1, &rc) || rc)
			c->errors++;
	}
	return NULL;
}

static void test_concurrent_requests(void)
{
	char *dir = test_mkdir();
	struct fw *fw = card_new(dir, 0x0b, 4);
	struct client c[4];
	pthread_t t[4];
	int i;

	ASSERT_TRUE(fw);
	for (i = 0; i < 4; i++) {
		c[i] = (struct client){ .fw = fw, .id = i };
		pthread_create(&t[i], NULL, client, &c[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(c[i].errors, 0);
	}
	EXPECT_EQ(card_avail(fw), 4);
	fw_free(fw);
	test_rmdir(dir);
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_xcp_info),
		TEST(test_login_logout_full_card),
		TEST(test_malformed_requests),
		TEST(test_session_bound_dispatch),
		TEST(test_fault_options),
		TEST(test_concurrent_requests),
	};

	return test_run(tests, ARRAY_SIZE(tests));
}
