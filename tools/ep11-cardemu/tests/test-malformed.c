// SPDX-License-Identifier: GPL-2.0
/*
 * The crypto functions under damaged input: valid requests of each
 * function (with real key blobs, templates and mechanism parameters),
 * every truncation and every single-byte change of them.  Each must get
 * a reply that parses and answers the function on the domain; none may
 * crash or leak (run under AddressSanitizer as well).
 */
#include "crypto-call.h"

static char *dir;
static struct fw *fw;
static u8 msg[EP11_MAX_MSG_LEN];
/* Where the function value of the undamaged request starts. */
static size_t fn_off;

/*
 * Runs @len bytes of msg; false when the reply does not parse, is not
 * on D0, or answers another function than the one the (possibly
 * damaged) request names.  A request too damaged to parse is answered
 * with function 0.
 */
static bool runs_clean(size_t len)
{
	const u8 *f = msg + fn_off;
	struct ep11_msg m;
	u32 sent = 0;
	int r;

	if (len >= fn_off + 4)
		sent = (u32)f[0] << 24 | f[1] << 16 | f[2] << 8 | f[3];
	r = fw_handle(fw, D0, msg, len, call_rep, sizeof(call_rep));
	if (r < 0 || ep11_wire_parse_reply(call_rep, r, &m))
		return false;
	if (m.fn != sent && (m.fn != 0 || m.rc == EP11_CKR_OK))
		return false;
	return m.fn_domain == D0 && m.domain == D0;
}

/*
 * Encodes a request like call_v(), then checks every truncation and
 * every byte of the request changed in three ways.
 */
static void damage(u16 fnid, unsigned int n, const struct bytes *const *p)
{
	static const u8 xors[] = { 0x01, 0x80, 0xff };
	u32 fn = EP11_FN(fnid);
	struct ep11_wbuf b;
	unsigned int i, bad = 0;
	size_t len, pos, x;
	int r;

	ep11_wire_request_init(&b, msg, sizeof(msg), fn, D0, 0);
	for (i = 0; i < n; i++)
		ep11_wire_put(&b, p[i]->p, p[i]->n);
	r = ep11_wire_finish(&b);
	ASSERT_TRUE(r > 0);
	len = r;
	/* SEQUENCE tag and length (short, 0x81 or 0x82 form), OCTET STRING
	 * tag and length.
	 */
	fn_off = EP11_CPRB_LEN + 2 + (msg[EP11_CPRB_LEN + 1] & 0x80 ?
				      msg[EP11_CPRB_LEN + 1] & 0x7f : 0) + 2;
	ASSERT_TRUE(runs_clean(len));
	for (pos = 0; pos < len; pos++)
		if (!runs_clean(pos))
			bad++;
	for (pos = 0; pos < len; pos++) {
		for (x = 0; x < sizeof(xors); x++) {
			msg[pos] ^= xors[x];
			if (!runs_clean(len))
				bad++;
			msg[pos] ^= xors[x];
		}
	}
	if (bad)
		fprintf(stderr, "function %u: %u damaged requests misanswered\n",
			fnid, bad);
	EXPECT_EQ(bad, 0);
}

#define DAMAGE(fnid, ...)						\
	damage(fnid, sizeof((const struct bytes *[]){ __VA_ARGS__ }) /	\
	       sizeof(const struct bytes *),				\
	       (const struct bytes *const[]){ __VA_ARGS__ })

static void test_damaged_crypto_requests(void)
{
	struct bytes aes, gcm = { .n = 0 }, data, pss = { .n = 0 }, t, sig;
	struct bytes list = { .n = 0 }, pt = { .n = 0 }, wrapped, m;
	struct key_pair rsa, ec;

	ASSERT_TRUE(gen_secret(fw, D0, CKM_AES_KEY_GEN, 16, NULL, NULL,
			       &aes) == EP11_CKR_OK);
	ASSERT_TRUE(gen_pair(fw, D0, CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, NULL,
			     NULL, NULL, NULL, &rsa) == EP11_CKR_OK);
	ASSERT_TRUE(gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P256_PARAMS,
			     NULL, NULL, NULL, &ec) == EP11_CKR_OK);
	bytes_set(&data, "some data to work on", 20);

	m = *mech(CKM_SHA256, NULL, 0);
	DAMAGE(EP11_FN_DIGEST_SINGLE, &m, &data);
	DAMAGE(EP11_FN_GENERATE_RANDOM, u32_param(16));
	DAMAGE(EP11_FN_GET_MECHANISM_INFO, u32_param(CKM_AES_GCM));

	bytes_u32(&gcm, CKM_AES_GCM);
	bytes_u32(&gcm, 12);
	bytes_add(&gcm, "0123456789ab", 12);
	bytes_u32(&gcm, 4);
	bytes_add(&gcm, "aad!", 4);
	bytes_u32(&gcm, 128);
	DAMAGE(EP11_FN_ENCRYPT_SINGLE, &gcm, &aes, &data);

	bytes_u32(&pss, CKM_SHA256_RSA_PKCS_PSS);
	bytes_u32(&pss, CKM_SHA256);
	bytes_u32(&pss, CKG_MGF1_SHA256);
	bytes_u32(&pss, 32);
	DAMAGE(EP11_FN_SIGN_SINGLE, &pss, &rsa.priv, &data);

	m = *mech(CKM_ECDSA_SHA256, NULL, 0);
	ASSERT_TRUE(CALL(fw, D0, EP11_FN_SIGN_SINGLE, NULL, &m, &ec.priv,
			 &data) == EP11_CKR_OK);
	sig = call_res[0];
	DAMAGE(EP11_FN_VERIFY_SINGLE, &m, &ec.pub, &data, &sig);

	t.n = 0;
	tmpl_ulong(&t, CKA_VALUE_LEN, 32);
	tmpl_bool(&t, CKA_SENSITIVE, false);
	m = *mech(CKM_AES_KEY_GEN, NULL, 0);
	DAMAGE(EP11_FN_GENERATE_KEY, &m, &t);

	tmpl_bytes(&pt, CKA_EC_PARAMS, "\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07",
		   10);
	m = *mech(CKM_EC_KEY_PAIR_GEN, NULL, 0);
	DAMAGE(EP11_FN_GENERATE_KEY_PAIR, &m, &pt, &no_bytes);

	m = *mech(CKM_AES_KEY_WRAP_KWP, NULL, 0);
	ASSERT_TRUE(CALL(fw, D0, EP11_FN_WRAP_KEY, NULL, &m, &aes,
			 &ec.priv) == EP11_CKR_OK);
	wrapped = call_res[0];
	DAMAGE(EP11_FN_WRAP_KEY, &m, &aes, &ec.priv);
	t.n = 0;
	tmpl_ulong(&t, CKA_CLASS, CKO_PRIVATE_KEY);
	tmpl_ulong(&t, CKA_KEY_TYPE, CKK_EC);
	DAMAGE(EP11_FN_UNWRAP_KEY, &m, &aes, &wrapped, &t);

	bytes_u32(&list, CKA_CLASS);
	bytes_u32(&list, CKA_EC_POINT);
	DAMAGE(EP11_FN_GET_ATTRIBUTE_VALUE, &ec.pub, &list);
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_damaged_crypto_requests),
	};
	int r;

	dir = test_mkdir();
	fw = card_new(dir, 0x0b, 8);
	if (!fw)
		return 1;
	r = test_run(tests, ARRAY_SIZE(tests));
	fw_free(fw);
	test_rmdir(dir);
	return r;
}
