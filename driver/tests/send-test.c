// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of what EP11SESS_IOC_SEND lets through, for every function
 * of the signature table (ep11_wire_fn_sig()): only a function's unbound
 * parameter count goes; with EP11SESS_SEND_SESSION the pin blob is
 * appended as the last parameter, so the card sees the bound form; one
 * parameter fewer or more, a request that already has the bound form's
 * count, SEND_SESSION for a function that takes no pin blob, the login
 * functions and unknown functions are refused.  The admin function needs
 * CAP_SYS_ADMIN with or without the CPRB admin flag.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../ep11_wire.h"
#include "../send.h"

#define DOM		0x24
#define OTHER_DOM	0x31
#define BUFSZ		2048
/* Parameters a test request has at most. */
#define MAXP		8

/**
 * struct sig_case - an EP11 function as docs/ep11-wire.md documents it
 * @fnid:    function number
 * @name:    its name
 * @nparams: parameters of the unbound form
 * @flags:   EP11_SIG_* flags
 */
struct sig_case {
	u16 fnid;
	const char *name;
	unsigned int nparams;
	u8 flags;
};

#define PB	EP11_SIG_PINBLOB

static const struct sig_case sig_cases[] = {
	{ EP11_FN_LOGIN, "Login", 2, EP11_SIG_LOGIN },
	{ EP11_FN_LOGOUT, "Logout", 1, EP11_SIG_LOGIN },
	{ EP11_FN_SEED_RANDOM, "SeedRandom", 1, 0 },
	{ EP11_FN_GENERATE_RANDOM, "GenerateRandom", 1, PB },
	{ EP11_FN_DIGEST_SINGLE, "DigestSingle", 2, PB },
	{ EP11_FN_ENCRYPT_SINGLE, "EncryptSingle", 3, PB },
	{ EP11_FN_DECRYPT_SINGLE, "DecryptSingle", 3, PB },
	{ EP11_FN_GENERATE_KEY, "GenerateKey", 2, PB },
	{ EP11_FN_GENERATE_KEY_PAIR, "GenerateKeyPair", 3, PB },
	{ EP11_FN_SIGN_SINGLE, "SignSingle", 3, PB },
	{ EP11_FN_VERIFY_SINGLE, "VerifySingle", 4, PB },
	{ EP11_FN_WRAP_KEY, "WrapKey", 3, PB },
	{ EP11_FN_UNWRAP_KEY, "UnwrapKey", 4, PB },
	{ EP11_FN_DERIVE_KEY, "DeriveKey", 4, PB },
	{ EP11_FN_GET_MECHANISM_LIST, "GetMechanismList", 0, PB },
	{ EP11_FN_GET_MECHANISM_INFO, "GetMechanismInfo", 1, PB },
	{ EP11_FN_GET_XCP_INFO, "get_xcp_info", 1, 0 },
	{ EP11_FN_GET_ATTRIBUTE_VALUE, "GetAttributeValue", 2, PB },
	{ EP11_FN_SET_ATTRIBUTE_VALUE, "SetAttributeValue", 2, PB },
	{ EP11_FN_ADMIN, "admin", 2, EP11_SIG_ADMIN },
	{ EP11_FN_LOGIN_EXTENDED, "LoginExtended", 3, EP11_SIG_LOGIN },
	{ EP11_FN_LOGOUT_EXTENDED, "LogoutExtended", 3, EP11_SIG_LOGIN },
};

static void sig_case_desc(const struct sig_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s (%u)", c->name, c->fnid);
}

KUNIT_ARRAY_PARAM(sig, sig_cases, sig_case_desc);

static const struct sig_case *doc_of(u32 fnid)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sig_cases); i++)
		if (sig_cases[i].fnid == fnid)
			return &sig_cases[i];
	return NULL;
}

/* The value of test parameter @i: 4 bytes, or 80 for a blob look-alike. */
static size_t param_of(unsigned int i, bool last_blob, bool last, u8 *v)
{
	size_t n = last && last_blob ? EP11_PINBLOB_LEN : 4, k;

	for (k = 0; k < n; k++)
		v[k] = 0x10 * (i + 1) + k;
	return n;
}

/*
 * Builds a request of @fn with @count parameters, the last one 80 bytes
 * long when @last_blob, and parses it into @m.
 */
static int build_req(struct kunit *test, u8 *buf, u32 fn, unsigned int count,
		     bool last_blob, u8 cprb_flags, struct ep11_msg *m)
{
	u8 v[EP11_PINBLOB_LEN];
	struct ep11_wbuf b;
	unsigned int i;
	size_t n;
	int len;

	ep11_wire_request_init(&b, buf, BUFSZ, fn, DOM, cprb_flags);
	for (i = 0; i < count; i++) {
		n = param_of(i, last_blob, i + 1 == count, v);
		ep11_wire_put(&b, v, n);
	}
	len = ep11_wire_finish(&b);
	KUNIT_ASSERT_GT(test, len, 0);
	KUNIT_ASSERT_EQ(test, ep11_wire_parse_request(buf, len, m), 0);
	KUNIT_ASSERT_EQ(test, ep11_wire_count(m), (size_t)count);
	return len;
}

/* The table holds exactly the documented functions, as documented. */
static void send_table_is_documented(struct kunit *test)
{
	const struct ep11_fn_sig *sig;
	const struct sig_case *d;
	unsigned int fnid, known = 0;

	for (fnid = 0; fnid <= 0xffff; fnid++) {
		sig = ep11_wire_fn_sig(EP11_FN(fnid));
		d = doc_of(fnid);
		KUNIT_EXPECT_EQ_MSG(test, !!sig, !!d,
				    "function %u: in the table %d, documented %d",
				    fnid, !!sig, !!d);
		if (!sig || !d)
			continue;
		known++;
		KUNIT_EXPECT_STREQ(test, sig->name, d->name);
		KUNIT_EXPECT_EQ_MSG(test, (unsigned int)sig->nparams,
				    d->nparams, "%s: parameters", d->name);
		KUNIT_EXPECT_EQ_MSG(test, sig->flags, d->flags,
				    "%s: flags", d->name);
	}
	KUNIT_EXPECT_EQ(test, known, (unsigned int)ARRAY_SIZE(sig_cases));
}

/* Whether docs/ep11-wire.md's rules let @count parameters go. */
static bool doc_allows(const struct sig_case *c, unsigned int count,
		       u32 flags)
{
	if (c->flags & EP11_SIG_LOGIN || count != c->nparams)
		return false;
	return !(flags & EP11SESS_SEND_SESSION) || (c->flags & PB);
}

/*
 * What goes to the card for an accepted request: the caller's
 * parameters, untouched, on the APQN's domain, and the pin blob last
 * exactly when the send is bound.
 */
static void check_built(struct kunit *test, const struct sig_case *c,
			const u8 *req, int len, const struct ep11_msg *m,
			const u8 *pinblob)
{
	u8 *work = kunit_kzalloc(test, BUFSZ, GFP_KERNEL);
	unsigned int i, want = c->nparams + !!pinblob;
	u8 v[EP11_PINBLOB_LEN];
	struct ep11_msg out;
	const u8 *p;
	size_t n;
	int r;

	KUNIT_ASSERT_NOT_NULL(test, work);
	r = ep11_send_build(work, len + EP11_SEND_SLACK, req, len, m,
			    OTHER_DOM, pinblob);
	KUNIT_ASSERT_GT_MSG(test, r, 0, "%s: build", c->name);
	KUNIT_ASSERT_EQ(test, ep11_wire_parse_request(work, r, &out), 0);
	KUNIT_EXPECT_EQ(test, out.fn, m->fn);
	KUNIT_EXPECT_EQ(test, out.domain, (u32)OTHER_DOM);
	KUNIT_EXPECT_EQ(test, out.fn_domain, (u32)OTHER_DOM);
	KUNIT_ASSERT_EQ_MSG(test, ep11_wire_count(&out), (size_t)want,
			    "%s %s: parameters the card gets", c->name,
			    pinblob ? "bound" : "unbound");
	for (i = 0; i < c->nparams; i++) {
		size_t vn = param_of(i, false, false, v);

		KUNIT_ASSERT_EQ(test, ep11_wire_next(&out, &p, &n), 0);
		KUNIT_EXPECT_EQ(test, n, vn);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(p, v, vn), 0,
				    "%s: parameter %u changed", c->name, i);
	}
	if (pinblob) {
		KUNIT_ASSERT_EQ(test, ep11_wire_next(&out, &p, &n), 0);
		KUNIT_EXPECT_EQ(test, n, (size_t)EP11_PINBLOB_LEN);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(p, pinblob, n), 0,
				    "%s: the last parameter is not the pin blob",
				    c->name);
	}
	KUNIT_EXPECT_EQ(test, ep11_wire_next(&out, &p, &n), -ENOENT);
	/* The card, by the same table, sees the form the send meant. */
	KUNIT_EXPECT_EQ_MSG(test, ep11_wire_req_form(&out),
			    pinblob ? EP11_FORM_BOUND : EP11_FORM_UNBOUND,
			    "%s: the card's view of the request", c->name);
}

/*
 * Every count from none to two past the bound form, a last parameter of
 * 4 or 80 bytes, every flag combination: only what the documented rules
 * allow passes, and it reaches the card as meant.
 */
static void send_counts_of_every_function(struct kunit *test)
{
	static const u32 flag_sets[] = {
		0, EP11SESS_SEND_SESSION, EP11SESS_SEND_ANY_APQN,
		EP11SESS_SEND_SESSION | EP11SESS_SEND_ANY_APQN,
	};
	const struct sig_case *c = test->param_value;
	u8 *req = kunit_kzalloc(test, BUFSZ, GFP_KERNEL);
	u8 pinblob[EP11_PINBLOB_LEN];
	unsigned int count, f, blob;
	struct ep11_msg m;
	bool ok;
	int len;

	KUNIT_ASSERT_NOT_NULL(test, req);
	memset(pinblob, 0xb1, sizeof(pinblob));
	for (count = 0; count <= c->nparams + 2; count++) {
		for (blob = 0; blob < 2; blob++) {
			if (blob && !count)
				continue;
			len = build_req(test, req, EP11_FN(c->fnid), count,
					blob, 0, &m);
			for (f = 0; f < ARRAY_SIZE(flag_sets); f++) {
				ok = doc_allows(c, count, flag_sets[f]);
				KUNIT_EXPECT_EQ_MSG(test,
						    ep11_send_check_fn(&m, flag_sets[f]),
						    ok ? 0 : -EINVAL,
						    "%s with %u parameters (last %u bytes), flags %#x",
						    c->name, count,
						    blob ? EP11_PINBLOB_LEN : 4,
						    flag_sets[f]);
				if (ok && !blob)
					check_built(test, c, req, len, &m,
						    flag_sets[f] & EP11SESS_SEND_SESSION ?
						    pinblob : NULL);
			}
		}
	}
}

/* The rules the issue names, spelled out for each function. */
static void send_rules_of_every_function(struct kunit *test)
{
	const struct sig_case *c = test->param_value;
	u8 *req = kunit_kzalloc(test, BUFSZ, GFP_KERNEL);
	u32 fn = EP11_FN(c->fnid);
	unsigned int n = c->nparams;
	struct ep11_msg m;

	KUNIT_ASSERT_NOT_NULL(test, req);
	if (c->flags & EP11_SIG_LOGIN) {
		build_req(test, req, fn, n, false, 0, &m);
		KUNIT_EXPECT_EQ_MSG(test, ep11_send_check_fn(&m, 0), -EINVAL,
				    "%s: a login function is the ioctls' own",
				    c->name);
		return;
	}
	build_req(test, req, fn, n, false, 0, &m);
	KUNIT_EXPECT_EQ_MSG(test, ep11_send_check_fn(&m, 0), 0,
			    "%s: the unbound count, unbound", c->name);
	KUNIT_EXPECT_EQ_MSG(test,
			    ep11_send_check_fn(&m, EP11SESS_SEND_SESSION),
			    c->flags & PB ? 0 : -EINVAL,
			    "%s: the unbound count with SEND_SESSION", c->name);
	if (n) {
		build_req(test, req, fn, n - 1, false, 0, &m);
		KUNIT_EXPECT_EQ_MSG(test,
				    ep11_send_check_fn(&m, EP11SESS_SEND_SESSION),
				    -EINVAL,
				    "%s: one parameter fewer with SEND_SESSION",
				    c->name);
	}
	build_req(test, req, fn, n + 1, false, 0, &m);
	KUNIT_EXPECT_EQ_MSG(test, ep11_send_check_fn(&m, EP11SESS_SEND_SESSION),
			    -EINVAL, "%s: one parameter more with SEND_SESSION",
			    c->name);
	build_req(test, req, fn, n + 1, true, 0, &m);
	KUNIT_EXPECT_EQ_MSG(test, ep11_send_check_fn(&m, 0), -EINVAL,
			    "%s: the bound form's count, a pin blob of the caller's",
			    c->name);
	KUNIT_EXPECT_EQ_MSG(test, ep11_send_check_fn(&m, EP11SESS_SEND_SESSION),
			    -EINVAL,
			    "%s: the bound form's count with SEND_SESSION",
			    c->name);
}

/*
 * The request of the pin blob's read-back: EncryptSingle with only the
 * mechanism and the key.  With the pin blob appended the card would see
 * the unbound form and encrypt the pin blob as data; the send refuses it.
 */
static void send_refuses_pinblob_as_data(struct kunit *test)
{
	u8 *req = kunit_kzalloc(test, BUFSZ, GFP_KERNEL);
	u8 *work = kunit_kzalloc(test, BUFSZ, GFP_KERNEL);
	u8 pinblob[EP11_PINBLOB_LEN];
	struct ep11_msg m, out;
	int len, r;

	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_ASSERT_NOT_NULL(test, work);
	memset(pinblob, 0xb1, sizeof(pinblob));
	len = build_req(test, req, EP11_FN(EP11_FN_ENCRYPT_SINGLE), 2, false,
			0, &m);
	/* What the card would make of it, were it sent. */
	r = ep11_wire_append(memcpy(work, req, len), len, BUFSZ, pinblob,
			     sizeof(pinblob));
	KUNIT_ASSERT_GT(test, r, 0);
	KUNIT_ASSERT_EQ(test, ep11_wire_parse_request(work, r, &out), 0);
	KUNIT_EXPECT_EQ(test, ep11_wire_req_form(&out), EP11_FORM_UNBOUND);
	KUNIT_EXPECT_EQ(test, ep11_send_check_fn(&m, EP11SESS_SEND_SESSION),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ep11_send_check_fn(&m, EP11SESS_SEND_SESSION |
						 EP11SESS_SEND_ANY_APQN),
			-EINVAL);
}

/* Function numbers outside the table go nowhere, whatever the API. */
static void send_refuses_unknown_functions(struct kunit *test)
{
	static const u32 apis[] = { 0, 1, 4, 6 };
	u8 *req = kunit_kzalloc(test, BUFSZ, GFP_KERNEL);
	unsigned int fnid, count, a;
	struct ep11_msg m;
	u32 fn;

	KUNIT_ASSERT_NOT_NULL(test, req);
	for (fnid = 0; fnid <= 0x100; fnid++) {
		if (doc_of(fnid))
			continue;
		for (a = 0; a < ARRAY_SIZE(apis); a++) {
			fn = apis[a] << 16 | (fnid == 0x100 ? 0xffff : fnid);
			for (count = 0; count <= 4; count++) {
				build_req(test, req, fn, count, count == 4, 0,
					  &m);
				KUNIT_EXPECT_EQ_MSG(test,
						    ep11_send_check_fn(&m, 0),
						    -EINVAL,
						    "function %#x, %u parameters",
						    fn, count);
				KUNIT_EXPECT_EQ_MSG(test,
						    ep11_send_check_fn(&m, EP11SESS_SEND_SESSION),
						    -EINVAL,
						    "function %#x, %u parameters, bound",
						    fn, count);
			}
		}
	}
}

/* admin needs CAP_SYS_ADMIN with or without the flag; others with it. */
static void send_admin_needs_cap(struct kunit *test)
{
	u8 *req = kunit_kzalloc(test, BUFSZ, GFP_KERNEL);
	const struct sig_case *c;
	struct ep11_msg m;
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, req);
	for (i = 0; i < ARRAY_SIZE(sig_cases); i++) {
		c = &sig_cases[i];
		build_req(test, req, EP11_FN(c->fnid), c->nparams, false, 0,
			  &m);
		KUNIT_EXPECT_EQ_MSG(test, ep11_send_needs_admin(&m),
				    (bool)(c->fnid == EP11_FN_ADMIN),
				    "%s without the CPRB admin flag", c->name);
		build_req(test, req, EP11_FN(c->fnid), c->nparams, false,
			  EP11_CPRB_FLAG_ADMIN, &m);
		KUNIT_EXPECT_TRUE_MSG(test, ep11_send_needs_admin(&m),
				      "%s with the CPRB admin flag", c->name);
	}
	build_req(test, req, EP11_FN(0x7777), 0, false, EP11_CPRB_FLAG_ADMIN,
		  &m);
	KUNIT_EXPECT_TRUE(test, ep11_send_needs_admin(&m));
}

/* The build step refuses what does not fit or is not what @m says. */
static void send_build_limits(struct kunit *test)
{
	u8 *req = kunit_kzalloc(test, BUFSZ, GFP_KERNEL);
	u8 *work = kunit_kzalloc(test, BUFSZ, GFP_KERNEL);
	u8 pinblob[EP11_PINBLOB_LEN] = { 0 };
	struct ep11_msg m, other;
	int len;

	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_ASSERT_NOT_NULL(test, work);
	len = build_req(test, req, EP11_FN(EP11_FN_GENERATE_RANDOM), 1, false,
			0, &m);
	KUNIT_EXPECT_EQ(test, ep11_send_build(work, len, req, len, &m, DOM,
					      pinblob), -EINVAL);
	KUNIT_EXPECT_EQ(test, ep11_send_build(work, len - 1, req, len, &m,
					      DOM, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ep11_send_build(work, len, req, len, &m, DOM,
					      NULL), len);
	/* A parse of another buffer does not describe @req. */
	other = m;
	other.params = req + BUFSZ;
	KUNIT_EXPECT_EQ(test, ep11_send_build(work, BUFSZ, req, len, &other,
					      DOM, NULL), -EINVAL);
	other.params = req + 8;
	KUNIT_EXPECT_EQ(test, ep11_send_build(work, BUFSZ, req, len, &other,
					      DOM, NULL), -EINVAL);
}

static struct kunit_case ep11_send_test_cases[] = {
	KUNIT_CASE(send_table_is_documented),
	KUNIT_CASE_PARAM(send_counts_of_every_function, sig_gen_params),
	KUNIT_CASE_PARAM(send_rules_of_every_function, sig_gen_params),
	KUNIT_CASE(send_refuses_pinblob_as_data),
	KUNIT_CASE(send_refuses_unknown_functions),
	KUNIT_CASE(send_admin_needs_cap),
	KUNIT_CASE(send_build_limits),
	{}
};

static struct kunit_suite ep11_send_test_suite = {
	.name = "ep11sess-send",
	.test_cases = ep11_send_test_cases,
};

kunit_test_suite(ep11_send_test_suite);
