// SPDX-License-Identifier: GPL-2.0
/*
 * The function signatures the card shares with ep11sess.ko
 * (ep11_wire_fn_sig()): the table says what docs/ep11-wire.md says, and
 * the card applies it.  For every function the card implements, a valid
 * request of the unbound count runs, the same with a session's pin blob
 * appended runs bound when the function takes a pin blob, and every
 * other count is CKR_ARGUMENTS_BAD; a forged pin blob is
 * CKR_IBM_BLOB_ERROR.  Functions of the table the card does not
 * implement, and numbers the table does not know, are
 * CKR_FUNCTION_NOT_SUPPORTED whatever their count.
 */
#include "crypto-call.h"

/**
 * struct fn_case - a function as docs/ep11-wire.md documents it
 * @fnid:        function number
 * @name:        its name
 * @nparams:     parameters of the unbound form
 * @flags:       EP11_SIG_* flags
 * @implemented: the emulated card runs it
 */
struct fn_case {
	u16 fnid;
	const char *name;
	unsigned int nparams;
	u8 flags;
	bool implemented;
};

#define PB	EP11_SIG_PINBLOB

static const struct fn_case fns[] = {
	{ EP11_FN_LOGIN, "Login", 2, EP11_SIG_LOGIN, true },
	{ EP11_FN_LOGOUT, "Logout", 1, EP11_SIG_LOGIN, true },
	{ EP11_FN_SEED_RANDOM, "SeedRandom", 1, 0, false },
	{ EP11_FN_GENERATE_RANDOM, "GenerateRandom", 1, PB, true },
	{ EP11_FN_DIGEST_SINGLE, "DigestSingle", 2, PB, true },
	{ EP11_FN_ENCRYPT_SINGLE, "EncryptSingle", 3, PB, true },
	{ EP11_FN_DECRYPT_SINGLE, "DecryptSingle", 3, PB, true },
	{ EP11_FN_GENERATE_KEY, "GenerateKey", 2, PB, true },
	{ EP11_FN_GENERATE_KEY_PAIR, "GenerateKeyPair", 3, PB, true },
	{ EP11_FN_SIGN_SINGLE, "SignSingle", 3, PB, true },
	{ EP11_FN_VERIFY_SINGLE, "VerifySingle", 4, PB, true },
	{ EP11_FN_WRAP_KEY, "WrapKey", 3, PB, true },
	{ EP11_FN_UNWRAP_KEY, "UnwrapKey", 4, PB, true },
	{ EP11_FN_DERIVE_KEY, "DeriveKey", 4, PB, false },
	{ EP11_FN_GET_MECHANISM_LIST, "GetMechanismList", 0, PB, true },
	{ EP11_FN_GET_MECHANISM_INFO, "GetMechanismInfo", 1, PB, true },
	{ EP11_FN_GET_XCP_INFO, "get_xcp_info", 1, 0, true },
	{ EP11_FN_GET_ATTRIBUTE_VALUE, "GetAttributeValue", 2, PB, true },
	{ EP11_FN_SET_ATTRIBUTE_VALUE, "SetAttributeValue", 2, PB, false },
	{ EP11_FN_ADMIN, "admin", 2, EP11_SIG_ADMIN, false },
	{ EP11_FN_LOGIN_EXTENDED, "LoginExtended", 3, EP11_SIG_LOGIN, false },
	{ EP11_FN_LOGOUT_EXTENDED, "LogoutExtended", 3, EP11_SIG_LOGIN,
	  false },
};

#define MAXP	8

static char *dir;
static struct fw *fw;
/* The session whose pin blob bound requests carry, and a forgery of it. */
static u8 blob[EP11_PINBLOB_LEN], forged[EP11_PINBLOB_LEN];
/* A session that the valid Logout request ends. */
static u8 victim[EP11_PINBLOB_LEN];
static struct bytes aes, data, ct, sig, wrapped, gcm, tmpl_aes, tmpl_ec,
	tmpl_unwrap, attr_list, m_digest, m_keygen, m_pairgen, m_ecdsa,
	m_kwp, m_info, q_module, len16, pblob, pvictim, pin, nonce, extra;
static struct key_pair ec;

static const struct fn_case *doc_of(u16 fnid)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fns); i++)
		if (fns[i].fnid == fnid)
			return &fns[i];
	return NULL;
}

static void test_table_is_documented(void)
{
	const struct ep11_fn_sig *sig_of;
	const struct fn_case *d;
	unsigned int fnid, known = 0;

	for (fnid = 0; fnid <= 0xffff; fnid++) {
		sig_of = ep11_wire_fn_sig(EP11_FN(fnid));
		d = doc_of(fnid);
		if (!sig_of && !d)
			continue;
		if (!sig_of || !d) {
			fprintf(stderr, "function %u: documented %s, in the table %s\n",
				fnid, d ? "yes" : "no", sig_of ? "yes" : "no");
			test_failures++;
			continue;
		}
		known++;
		if (strcmp(sig_of->name, d->name) ||
		    sig_of->nparams != d->nparams || sig_of->flags != d->flags) {
			fprintf(stderr, "function %u: documented %s, %u parameters, flags %#x; the table has %s, %u, %#x\n",
				fnid, d->name, d->nparams, d->flags,
				sig_of->name, sig_of->nparams, sig_of->flags);
			test_failures++;
		}
	}
	EXPECT_EQ(known, ARRAY_SIZE(fns));
	/* The API ordinal does not change the function. */
	EXPECT_TRUE(ep11_wire_fn_sig(0x10000 | EP11_FN_ENCRYPT_SINGLE) ==
		    ep11_wire_fn_sig(EP11_FN(EP11_FN_ENCRYPT_SINGLE)));
}

/* A valid unbound request of @fnid, in @p; returns the count. */
static unsigned int valid_params(u16 fnid, const struct bytes **p)
{
	switch (fnid) {
	case EP11_FN_LOGIN:
		p[0] = &pin;
		p[1] = &nonce;
		return 2;
	case EP11_FN_LOGOUT:
		p[0] = &pvictim;
		return 1;
	case EP11_FN_GENERATE_RANDOM:
		p[0] = &len16;
		return 1;
	case EP11_FN_DIGEST_SINGLE:
		p[0] = &m_digest;
		p[1] = &data;
		return 2;
	case EP11_FN_ENCRYPT_SINGLE:
		p[0] = &gcm;
		p[1] = &aes;
		p[2] = &data;
		return 3;
	case EP11_FN_DECRYPT_SINGLE:
		p[0] = &gcm;
		p[1] = &aes;
		p[2] = &ct;
		return 3;
	case EP11_FN_GENERATE_KEY:
		p[0] = &m_keygen;
		p[1] = &tmpl_aes;
		return 2;
	case EP11_FN_GENERATE_KEY_PAIR:
		p[0] = &m_pairgen;
		p[1] = &tmpl_ec;
		p[2] = &no_bytes;
		return 3;
	case EP11_FN_SIGN_SINGLE:
		p[0] = &m_ecdsa;
		p[1] = &ec.priv;
		p[2] = &data;
		return 3;
	case EP11_FN_VERIFY_SINGLE:
		p[0] = &m_ecdsa;
		p[1] = &ec.pub;
		p[2] = &data;
		p[3] = &sig;
		return 4;
	case EP11_FN_WRAP_KEY:
		p[0] = &m_kwp;
		p[1] = &aes;
		p[2] = &ec.priv;
		return 3;
	case EP11_FN_UNWRAP_KEY:
		p[0] = &m_kwp;
		p[1] = &aes;
		p[2] = &wrapped;
		p[3] = &tmpl_unwrap;
		return 4;
	case EP11_FN_GET_MECHANISM_LIST:
		return 0;
	case EP11_FN_GET_MECHANISM_INFO:
		p[0] = &m_info;
		return 1;
	case EP11_FN_GET_XCP_INFO:
		p[0] = &q_module;
		return 1;
	case EP11_FN_GET_ATTRIBUTE_VALUE:
		p[0] = &ec.pub;
		p[1] = &attr_list;
		return 2;
	default:
		return ~0U;
	}
}

static u32 run(u16 fnid, unsigned int n, const struct bytes *const *p)
{
	return call_v(fw, D0, fnid, NULL, n, p);
}

static void expect_rc(const struct fn_case *d, const char *what, u32 got,
		      u32 want)
{
	if (got == want)
		return;
	fprintf(stderr, "%s (%u) %s: expected rc %#x, got %#x\n", d->name,
		d->fnid, what, want, got);
	test_failures++;
}

static const struct bytes *const pblob_p = &pblob;

/* Every count of one implemented function. */
static void counts_of(const struct fn_case *d)
{
	const struct bytes *valid[MAXP], *p[MAXP + 3];
	bool takes = d->flags & EP11_SIG_PINBLOB;
	struct bytes fake;
	unsigned int n, c, i;
	char what[64];

	n = valid_params(d->fnid, valid);
	if (n != d->nparams) {
		fprintf(stderr, "%s (%u): the documented request has %u parameters, not %u\n",
			d->name, d->fnid, n, d->nparams);
		test_failures++;
		return;
	}
	/* Every count but the function's: fewer, or 4-byte extras. */
	for (c = 0; c <= n + 2; c++) {
		if (c == n)
			continue;
		for (i = 0; i < c; i++)
			p[i] = i < n ? valid[i] : &extra;
		snprintf(what, sizeof(what), "with %u parameters", c);
		expect_rc(d, what, run(d->fnid, c, p), EP11_CKR_ARGUMENTS_BAD);
	}
	for (i = 0; i < n; i++)
		p[i] = valid[i];

	/* The bound form: the pin blob last, and nothing after it. */
	p[n] = pblob_p;
	expect_rc(d, "with a session's pin blob", run(d->fnid, n + 1, p),
		  takes ? EP11_CKR_OK : EP11_CKR_ARGUMENTS_BAD);
	bytes_set(&fake, forged, sizeof(forged));
	p[n] = &fake;
	expect_rc(d, "with a forged pin blob", run(d->fnid, n + 1, p),
		  takes ? EP11_CKR_IBM_BLOB_ERROR : EP11_CKR_ARGUMENTS_BAD);
	p[n] = pblob_p;
	p[n + 1] = &extra;
	expect_rc(d, "with a pin blob, then one more", run(d->fnid, n + 2, p),
		  EP11_CKR_ARGUMENTS_BAD);
	p[n] = &extra;
	p[n + 1] = pblob_p;
	expect_rc(d, "with one more, then a pin blob", run(d->fnid, n + 2, p),
		  EP11_CKR_ARGUMENTS_BAD);
	p[n] = pblob_p;
	p[n + 1] = pblob_p;
	expect_rc(d, "with two pin blobs", run(d->fnid, n + 2, p),
		  EP11_CKR_ARGUMENTS_BAD);

	/* Last, as it may use up its parameters (Logout). */
	expect_rc(d, "unbound", run(d->fnid, n, p), EP11_CKR_OK);
}

static void test_counts_of_every_function(void)
{
	const struct fn_case *d;
	const struct bytes *p[8];
	unsigned int c, i, fnid;
	size_t k;
	char what[64];

	for (k = 0; k < ARRAY_SIZE(fns); k++) {
		d = &fns[k];
		if (d->implemented) {
			counts_of(d);
			continue;
		}
		for (c = 0; c <= d->nparams + 2; c++) {
			for (i = 0; i < c; i++)
				p[i] = i + 1 == c && c == d->nparams + 1 ?
				       pblob_p : &extra;
			snprintf(what, sizeof(what),
				 "(not implemented) with %u parameters", c);
			expect_rc(d, what, run(d->fnid, c, p),
				  EP11_CKR_FUNCTION_NOT_SUPPORTED);
		}
	}
	/* Numbers the table does not know. */
	for (fnid = 0; fnid < FW_MAX_FNID; fnid++) {
		const struct fn_case unknown = { fnid, "unknown", 0, 0, false };

		if (doc_of(fnid))
			continue;
		for (c = 0; c <= 3; c++) {
			for (i = 0; i < c; i++)
				p[i] = i + 1 == c ? pblob_p : &extra;
			snprintf(what, sizeof(what), "with %u parameters", c);
			expect_rc(&unknown, what, run(fnid, c, p),
				  EP11_CKR_FUNCTION_NOT_SUPPORTED);
		}
	}
}

/* The card runs the bound form as bound: a new key carries the session. */
static void test_bound_form_binds(void)
{
	const struct bytes *p[3] = { &m_keygen, &tmpl_aes, &pblob };

	ASSERT_TRUE(call_v(fw, D0, EP11_FN_GENERATE_KEY, NULL, 3, p) ==
		    EP11_CKR_OK);
	ASSERT_TRUE(call_nres == 1 &&
		    call_res[0].n > EP11_SESSION_ID_LEN);
	EXPECT_MEM(call_res[0].p, blob, EP11_SESSION_ID_LEN);
	ASSERT_TRUE(call_v(fw, D0, EP11_FN_GENERATE_KEY, NULL, 2, p) ==
		    EP11_CKR_OK);
	ASSERT_TRUE(call_nres == 1);
	EXPECT_TRUE(call_res[0].p[0] == 0 &&
		    !memcmp(call_res[0].p, call_res[0].p + 1,
			    EP11_SESSION_ID_LEN - 1));
}

static bool setup(void)
{
	u8 p256[16];

	dir = test_mkdir();
	fw = card_new(dir, 0x0b, 8);
	if (!fw)
		return false;
	if (login_nonce(fw, D0, "signatures", blob) ||
	    login_nonce(fw, D0, "victim", victim))
		return false;
	memcpy(forged, blob, sizeof(forged));
	forged[EP11_PINBLOB_LEN - 1] ^= 1;
	bytes_set(&pblob, blob, sizeof(blob));
	bytes_set(&pvictim, victim, sizeof(victim));
	bytes_set(&pin, test_pin, 8);
	bytes_set(&nonce, "login-case", 10);
	bytes_u32(&extra, 0x5a5a5a5a);
	bytes_u32(&len16, 16);
	bytes_u32(&m_info, CKM_AES_GCM);
	bytes_u32(&q_module, EP11_XCP_QUERY_MODULE);
	bytes_set(&data, "some data to work on", 20);
	m_digest = *mech(CKM_SHA256, NULL, 0);
	m_keygen = *mech(CKM_AES_KEY_GEN, NULL, 0);
	m_pairgen = *mech(CKM_EC_KEY_PAIR_GEN, NULL, 0);
	m_ecdsa = *mech(CKM_ECDSA_SHA256, NULL, 0);
	m_kwp = *mech(CKM_AES_KEY_WRAP_KWP, NULL, 0);
	gcm.n = 0;
	bytes_u32(&gcm, CKM_AES_GCM);
	bytes_u32(&gcm, 12);
	bytes_add(&gcm, "0123456789ab", 12);
	bytes_u32(&gcm, 0);
	bytes_u32(&gcm, 128);
	tmpl_ulong(&tmpl_aes, CKA_VALUE_LEN, 32);
	tmpl_bytes(&tmpl_ec, CKA_EC_PARAMS, p256, unhex(P256_PARAMS, p256));
	tmpl_ulong(&tmpl_unwrap, CKA_CLASS, CKO_PRIVATE_KEY);
	tmpl_ulong(&tmpl_unwrap, CKA_KEY_TYPE, CKK_EC);
	bytes_u32(&attr_list, CKA_CLASS);
	if (gen_secret(fw, D0, CKM_AES_KEY_GEN, 16, NULL, NULL, &aes) ||
	    gen_pair(fw, D0, CKM_EC_KEY_PAIR_GEN, 0, P256_PARAMS, NULL, NULL,
		     NULL, &ec))
		return false;
	if (CALL(fw, D0, EP11_FN_ENCRYPT_SINGLE, NULL, &gcm, &aes, &data))
		return false;
	ct = call_res[0];
	if (CALL(fw, D0, EP11_FN_SIGN_SINGLE, NULL, &m_ecdsa, &ec.priv, &data))
		return false;
	sig = call_res[0];
	if (CALL(fw, D0, EP11_FN_WRAP_KEY, NULL, &m_kwp, &aes, &ec.priv))
		return false;
	wrapped = call_res[0];
	return true;
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_table_is_documented),
		TEST(test_counts_of_every_function),
		TEST(test_bound_form_binds),
	};
	int r;

	if (!setup()) {
		fprintf(stderr, "cannot set up the card, its sessions and keys\n");
		return 1;
	}
	r = test_run(tests, ARRAY_SIZE(tests));
	fw_free(fw);
	test_rmdir(dir);
	return r;
}
