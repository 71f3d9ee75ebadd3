// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-card: lib/card.c end to end against the emulated card's firmware.
 *
 * The program links card.c, attr.c, the wire codec and libep11fw (the
 * firmware of tools/ep11-cardemu, request in, reply out), but not dev.c:
 * ck_dev_send() below stands in for the kernel.  It checks a request as
 * EP11SESS_IOC_SEND does (framing, a function of the signature table in
 * its unbound form, the CPRB fields only a card sets left zero), sets the
 * domain of the APQN it goes to in the header and the payload, appends
 * the session's pin blob to a bound request, and runs it through
 * fw_handle(): every reply card.c reads in the "card" group is one the
 * emulated firmware wrote.  The "malformed" group bends those replies
 * (truncations, wrong echoes, extra and missing results, oversized
 * blobs) on their way back, and skips the kernel's own reply check to
 * show that card.c does not depend on it.
 *
 *   test-card [encode|card|malformed]...	the groups to run (all without)
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "card.h"
#ifndef CK_CARD_H
#error "card.h must be libcryptoki's (lib/card.h), not the emulator's"
#endif
#include "firmware.h"

#define CARD		0x0b
#define D_UNBOUND	0x24	/* the context's APQN: unbound requests go here */
#define D_SESSION	0x25	/* the session's APQN: bound requests go here */
#define HANDLE		7	/* the one session handle the stand-in kernel knows */

#define P256	"\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07"
#define P384	"\x06\x05\x2b\x81\x04\x00\x22"
#define P521	"\x06\x05\x2b\x81\x04\x00\x23"
#define ED25519	"\x06\x03\x2b\x65\x70"

#define assert_rv(expr, want)						\
	do {								\
		CK_RV got_ = (expr), want_ = (want);			\
		if (got_ != want_)					\
			fail_msg("%s: expected %s (0x%lx), got 0x%lx",	\
				 #expr, #want, (unsigned long)want_,	\
				 (unsigned long)got_);			\
	} while (0)

#define expect_eq(got, want)						\
	do {								\
		unsigned long long g_ = (got), w_ = (want);		\
		if (g_ != w_)						\
			fail_msg("%s: expected %s = %llu (0x%llx), got %llu (0x%llx)", \
				 #got, #want, w_, w_, g_, g_);		\
	} while (0)

#define expect_mem(got, want, n)					\
	do {								\
		if (memcmp((got), (want), (n)))				\
			fail_msg("%s: expected the %zu bytes of %s",	\
				 #got, (size_t)(n), #want);		\
	} while (0)

static const u8 card_pin[] = "card-test-pin-01";

/* The stand-in kernel. */

/**
 * enum mut_kind - what happens to the card's reply on its way back
 * @M_NONE:         nothing
 * @M_TRUNC:        cut at @mut.at bytes
 * @M_TRUNC_FRAMED: cut at @mut.at bytes, the header's payload length fixed
 * @M_REWRITE:      decoded and encoded again with @mut's changes
 * @M_BUSY:         a header-only reply with EP11_CPRB_RC_BUSY
 */
enum mut_kind { M_NONE, M_TRUNC, M_TRUNC_FRAMED, M_REWRITE, M_BUSY };

static struct mutation {
	enum mut_kind kind;
	size_t at;
	u32 fn_xor;		/* the function echo */
	bool fn_zero;		/* the function echo 0 */
	u32 dom_xor;		/* the payload's domain */
	u32 hdr_dom_xor;	/* the header's domain */
	u32 cprb_rc;		/* the header's transport code */
	bool drop_last;		/* one result less */
	bool add_extra;		/* one result more */
	bool set_rc;		/* a failure code, results kept */
	u32 rc;
	int res;		/* result @res replaced by @res_p, unless < 0 */
	const void *res_p;
	size_t res_n;
	bool changed;		/* out: the rewrite found what to change */
} mut;

static struct kernel {
	struct fw *fw;
	char *dir;
	u8 pinblob[EP11_PINBLOB_LEN];
	int fail;		/* the errno of the next send, when set */
	unsigned int fail_n;	/* sends that get @fail (0 counts as 1) */
	unsigned int calls;	/* send ioctls card.c made */
	unsigned int live_asked; /* ck_dev_session_live() calls */
	int live;		/* its answer */
	bool relogin;		/* it logs the session in again first */
	bool relogin_send;	/* the send does, and says so, after the
				 * card's CKR_SESSION_CLOSED */
	unsigned int sends;	/* requests the card ran */
	uint32_t last_handle;
	bool last_any_apqn;
	u16 last_domain;	/* the domain the card ran the last request on */
	size_t last_rep_len;	/* the card's own reply, before any mutation */
	unsigned int last_nres;
	u8 work[EP11_MAX_MSG_LEN];
	u8 reply[EP11_MAX_MSG_LEN];
} k;

/* A reply taken apart: its fixed fields and results. */
struct parts {
	u32 fn, fn_domain, hdr_domain, rc;
	unsigned int n;
	const u8 *p[16];
	size_t len[16];
};

static u8 part_store[EP11_MAX_MSG_LEN];

static void be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static bool split(const u8 *rep, size_t len, struct parts *pt)
{
	struct ep11_msg m;
	const u8 *p;
	size_t n, off = 0;

	if (ep11_wire_parse_reply(rep, len, &m))
		return false;
	pt->fn = m.fn;
	pt->fn_domain = m.fn_domain;
	pt->hdr_domain = m.domain;
	pt->rc = m.rc;
	pt->n = 0;
	while (pt->n < 16 && !ep11_wire_next(&m, &p, &n)) {
		memcpy(part_store + off, p, n);
		pt->p[pt->n] = part_store + off;
		pt->len[pt->n++] = n;
		off += n;
	}
	return true;
}

static int build(const struct parts *pt, u8 *rep, size_t cap)
{
	struct ep11_wbuf b;
	unsigned int i;
	int len;

	ep11_wire_reply_init(&b, rep, cap, pt->fn, pt->fn_domain, pt->rc);
	for (i = 0; i < pt->n; i++)
		ep11_wire_put(&b, pt->p[i], pt->len[i]);
	len = ep11_wire_finish(&b);
	if (len > 0)
		be32(rep + offsetof(struct ep11_cprb, target_id), pt->hdr_domain);
	return len;
}

static const u8 extra_result[4] = { 1, 2, 3, 4 };

/* Applies @mut to the reply of @len bytes in k.reply; the new length. */
static size_t mutate(size_t len)
{
	struct parts pt;
	int r;

	switch (mut.kind) {
	case M_TRUNC:
		return mut.at < len ? mut.at : len;
	case M_TRUNC_FRAMED:
		if (mut.at >= len)
			return len;
		if (mut.at >= EP11_CPRB_LEN)
			be32(k.reply + offsetof(struct ep11_cprb, payload_len),
			     mut.at - EP11_CPRB_LEN);
		return mut.at;
	case M_BUSY:
		r = ep11_wire_reply_cprb_rc(k.reply, sizeof(k.reply),
					    k.last_domain, EP11_CPRB_RC_BUSY);
		return r > 0 ? (size_t)r : len;
	case M_REWRITE:
		break;
	default:
		return len;
	}
	if (!split(k.reply, len, &pt))
		return len;
	pt.fn ^= mut.fn_xor;
	if (mut.fn_zero)
		pt.fn = 0;
	pt.fn_domain ^= mut.dom_xor;
	pt.hdr_domain ^= mut.hdr_dom_xor;
	mut.changed = mut.fn_xor || mut.fn_zero || mut.dom_xor ||
		      mut.hdr_dom_xor || mut.cprb_rc;
	if (mut.drop_last && pt.n) {
		pt.n--;
		mut.changed = true;
	}
	if (mut.add_extra) {
		pt.p[pt.n] = extra_result;
		pt.len[pt.n++] = sizeof(extra_result);
		mut.changed = true;
	}
	if (mut.res >= 0 && (unsigned int)mut.res < pt.n) {
		pt.p[mut.res] = mut.res_p;
		pt.len[mut.res] = mut.res_n;
		mut.changed = true;
	}
	if (mut.set_rc) {
		pt.rc = mut.rc;
		mut.changed = true;
	}
	r = build(&pt, k.reply, sizeof(k.reply));
	if (r > 0 && mut.cprb_rc)
		be32(k.reply + offsetof(struct ep11_cprb, ret_code),
		     mut.cprb_rc);
	return r > 0 ? (size_t)r : len;
}

static void mut_reset(void)
{
	memset(&mut, 0, sizeof(mut));
	mut.res = -1;
}

/* The CPRB fields only a card or the transport sets must be zero. */
static bool cprb_ok(const u8 *req)
{
	static const u8 zero[12];
	const struct ep11_cprb *h = (const struct ep11_cprb *)req;

	return !memcmp(&h->source_id, zero, 4) &&
	       !memcmp(&h->ret_code, zero, 12) &&
	       !(h->flags & ~(EP11_CPRB_FLAG_ADMIN | EP11_CPRB_FLAG_SPECIAL));
}

int ck_dev_send(struct ck_dev *d, uint32_t handle, bool any_apqn,
		const struct ep11sess_apqn *apqn, const void *req, size_t req_len,
		void *rep, size_t rep_cap, size_t *rep_len,
		struct ep11sess_apqn *served, uint32_t *result)
{
	const struct ep11_fn_sig *sig;
	struct ep11_msg m, rm;
	struct ep11_wbuf b;
	const u8 *p;
	size_t n, out;
	u16 domain;
	int len;

	if (result)
		*result = 0;
	k.calls++;
	k.last_handle = handle;
	k.last_any_apqn = any_apqn;
	if (!d || !req || !rep || !rep_len || req_len > EP11_MAX_MSG_LEN ||
	    (any_apqn && !handle))
		return -EINVAL;
	if (k.fail) {
		int err = k.fail;

		if (k.fail_n <= 1) {
			k.fail = 0;
			k.fail_n = 0;
		} else {
			k.fail_n--;
		}
		return err;
	}
	if (ep11_wire_parse_request(req, req_len, &m) || !cprb_ok(req))
		return -EINVAL;
	sig = ep11_wire_fn_sig(m.fn);
	if (!sig || (sig->flags & (EP11_SIG_LOGIN | EP11_SIG_ADMIN)) ||
	    ep11_wire_req_form(&m) != EP11_FORM_UNBOUND)
		return -EINVAL;
	if (handle) {
		if (handle != HANDLE)
			return -ENOENT;
		if (!(sig->flags & EP11_SIG_PINBLOB))
			return -EINVAL;
		if (!any_apqn && (!apqn || apqn->card != CARD ||
				  apqn->domain != D_SESSION))
			return -ENODEV;
		domain = D_SESSION;
	} else {
		if (!apqn || apqn->card != CARD ||
		    !fw_has_domain(k.fw, apqn->domain))
			return -ENODEV;
		domain = apqn->domain;
	}
	/* The request again, with the APQN's domain and the pin blob. */
	ep11_wire_request_init(&b, k.work, sizeof(k.work), m.fn, domain,
			       m.flags);
	while (!ep11_wire_next(&m, &p, &n))
		ep11_wire_put(&b, p, n);
	len = ep11_wire_finish(&b);
	if (len > 0 && handle)
		len = ep11_wire_append(k.work, len, sizeof(k.work), k.pinblob,
				       EP11_PINBLOB_LEN);
	if (len < 0)
		return -EINVAL;
	len = fw_handle(k.fw, domain, k.work, len, k.reply, sizeof(k.reply));
	memset(k.work, 0, sizeof(k.work));
	if (len < 0)
		return -EIO;
	k.sends++;
	k.last_domain = domain;
	k.last_rep_len = len;
	k.last_nres = ep11_wire_parse_reply(k.reply, len, &rm) ? 0 : rm.count;
	if (handle && k.relogin_send && !ep11_wire_parse_reply(k.reply, len, &rm) &&
	    rm.rc == EP11_CKR_SESSION_CLOSED &&
	    fw_session_login(k.fw, D_SESSION, card_pin, sizeof(card_pin) - 1,
			     NULL, 0, k.pinblob) == EP11_CKR_OK && result)
		*result = EP11SESS_SEND_RELOGGED_IN;
	if (mut.kind != M_NONE)
		out = mutate(len);
	else if (ep11_wire_parse_reply(k.reply, len, &rm))
		return -EBADMSG;
	else
		out = len;
	if (out > rep_cap)
		return -EMSGSIZE;
	memcpy(rep, k.reply, out);
	*rep_len = out;
	if (served) {
		served->card = CARD;
		served->domain = domain;
	}
	return 0;
}


/*
 * The kernel's list of the file's sessions, as far as card.c asks it:
 * @k.live; with @k.relogin the kernel has logged the session in again on
 * a card that forgot it, as it does before it answers CKR_SESSION_CLOSED.
 */
int ck_dev_session_live(struct ck_dev *d, uint32_t handle)
{
	k.live_asked++;
	if (!d || handle != HANDLE)
		return handle ? 0 : -EINVAL;
	if (k.relogin &&
	    fw_session_login(k.fw, D_SESSION, card_pin, sizeof(card_pin) - 1,
			     NULL, 0, k.pinblob) != EP11_CKR_OK)
		return -EIO;
	return k.live;
}

/* dev.h's table, as it documents it (dev.c is not linked here). */
CK_RV ck_errno_to_rv(int err, enum ck_op op)
{
	bool login = op == CK_OP_LOGIN || op == CK_OP_LOGIN_STRICT;

	switch (err < 0 ? -err : err) {
	case 0:
		return CKR_OK;
	case ENOSPC:
	case EDQUOT:
		return op == CK_OP_LOGIN_STRICT ? CKR_SESSION_COUNT :
		       CKR_DEVICE_MEMORY;
	case ENODEV:
		return CKR_DEVICE_REMOVED;
	case ESTALE:
		return CKR_USER_NOT_LOGGED_IN;
	case ENOMEM:
	case EMFILE:
	case ENFILE:
		return CKR_HOST_MEMORY;
	case EACCES:
		return login ? CKR_PIN_INCORRECT : CKR_GENERAL_ERROR;
	case EINVAL:
	case E2BIG:
	case EBADF:
		return CKR_ARGUMENTS_BAD;
	case EINTR:
		return CKR_FUNCTION_CANCELED;
	case EPERM:
		return CKR_FUNCTION_REJECTED;
	case ETIMEDOUT:
	case EIO:
	case EPROTO:
	case EBADMSG:
	case EBUSY:
	case EREMOTEIO:
	case EXDEV:
	case ECANCELED:
		return CKR_DEVICE_ERROR;
	default:
		return CKR_GENERAL_ERROR;
	}
}

CK_RV ck_card_rc_to_rv(uint32_t rc)
{
	switch (rc) {
	case CKR_OK:
	case CKR_ATTRIBUTE_READ_ONLY:
	case CKR_ATTRIBUTE_SENSITIVE:
	case CKR_ATTRIBUTE_TYPE_INVALID:
	case CKR_ATTRIBUTE_VALUE_INVALID:
	case CKR_DATA_INVALID:
	case CKR_DATA_LEN_RANGE:
	case CKR_ENCRYPTED_DATA_INVALID:
	case CKR_ENCRYPTED_DATA_LEN_RANGE:
	case CKR_KEY_SIZE_RANGE:
	case CKR_KEY_TYPE_INCONSISTENT:
	case CKR_KEY_FUNCTION_NOT_PERMITTED:
	case CKR_KEY_NOT_WRAPPABLE:
	case CKR_MECHANISM_INVALID:
	case CKR_MECHANISM_PARAM_INVALID:
	case CKR_SIGNATURE_INVALID:
	case CKR_SIGNATURE_LEN_RANGE:
	case CKR_TEMPLATE_INCOMPLETE:
	case CKR_TEMPLATE_INCONSISTENT:
	case CKR_WRAPPED_KEY_INVALID:
	case CKR_WRAPPED_KEY_LEN_RANGE:
	case CKR_CURVE_NOT_SUPPORTED:
	case CKR_FUNCTION_NOT_SUPPORTED:
		return rc;
	case CKR_HOST_MEMORY:
		return CKR_DEVICE_MEMORY;
	default:
		return CKR_DEVICE_ERROR;
	}
}

/* The card and the session. */

static struct ck_dev dev = { .fd = -1 };

static void ctx_init(struct ck_card_ctx *c, bool bound)
{
	memset(c, 0, sizeof(*c));
	c->dev = &dev;
	c->handle = bound ? HANDLE : 0;
	c->apqn.card = CARD;
	c->apqn.domain = D_UNBOUND;
}

static void rm_dir(char *path)
{
	char file[4096];
	struct dirent *e;
	DIR *d = opendir(path);

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		unlink(file);
	}
	if (d)
		closedir(d);
	rmdir(path);
	free(path);
}

static int card_up(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct fw_config cfg = {
		.card = CARD,
		.domains = { D_UNBOUND, D_SESSION },
		.ndomains = 2,
		.max_sessions = 8,
	};

	if (asprintf(&k.dir, "%s/test-card.XXXXXX", tmp ? tmp : "/tmp") < 0 ||
	    !mkdtemp(k.dir))
		return -1;
	cfg.state_dir = k.dir;
	k.fw = fw_new(&cfg);
	if (!k.fw)
		return -1;
	if (fw_session_login(k.fw, D_SESSION, card_pin, sizeof(card_pin) - 1,
			     NULL, 0, k.pinblob) != EP11_CKR_OK)
		return -1;
	k.live = 1;
	mut_reset();
	return 0;
}

static int card_down(void **state)
{
	fw_free(k.fw);
	k.fw = NULL;
	if (k.dir)
		rm_dir(k.dir);
	k.dir = NULL;
	memset(k.pinblob, 0, sizeof(k.pinblob));
	return 0;
}

/* Templates and keys. */

static void set_ulong(struct ck_attrs *a, CK_ATTRIBUTE_TYPE t, CK_ULONG v)
{
	assert_int_equal(ck_attrs_set_ulong(a, t, v), 0);
}

static void set_bool(struct ck_attrs *a, CK_ATTRIBUTE_TYPE t, bool v)
{
	assert_int_equal(ck_attrs_set_bool(a, t, v), 0);
}

static void set_bytes(struct ck_attrs *a, CK_ATTRIBUTE_TYPE t, const void *v,
		      size_t n)
{
	assert_int_equal(ck_attrs_set(a, t, v, n), 0);
}

static const CK_MECHANISM aes_gen = { CKM_AES_KEY_GEN, NULL, 0 };
static const CK_MECHANISM ec_gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
static const CK_MECHANISM ed_gen = { CKM_EC_EDWARDS_KEY_PAIR_GEN, NULL, 0 };

/* An AES key of @len bytes; @readable: CKA_SENSITIVE false. */
static void gen_aes(struct ck_card_ctx *c, CK_ULONG len, bool readable,
		    struct ck_buf *blob)
{
	struct ck_attrs t = { 0 };

	set_ulong(&t, CKA_VALUE_LEN, len);
	if (readable)
		set_bool(&t, CKA_SENSITIVE, false);
	assert_rv(ck_card_generate_key(c, &aes_gen, &t, blob), CKR_OK);
	ck_attrs_free(&t);
}

struct pair {
	struct ck_buf priv, pub, spki;
};

static void pair_free(struct pair *p)
{
	ck_buf_free(&p->priv);
	ck_buf_free(&p->pub);
	ck_buf_free(&p->spki);
}

static void gen_pair(struct ck_card_ctx *c, const CK_MECHANISM *m,
		     const char *params, size_t plen, struct pair *p)
{
	struct ck_attrs pub = { 0 }, priv = { 0 };

	set_bytes(&pub, CKA_EC_PARAMS, params, plen);
	set_bool(&priv, CKA_SIGN, true);
	assert_rv(ck_card_generate_key_pair(c, m, &pub, &priv, &p->priv,
					    &p->pub, &p->spki), CKR_OK);
	ck_attrs_free(&pub);
	ck_attrs_free(&priv);
}

static EVP_PKEY *spki_pkey(const struct ck_buf *spki)
{
	const unsigned char *p = spki->p;
	EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, spki->n);

	if (!pkey)
		fail_msg("the card's SubjectPublicKeyInfo does not parse");
	return pkey;
}

/* The value of an extractable, non-sensitive key, from the card. */
static void key_value(struct ck_card_ctx *c, const struct ck_buf *key,
		      unsigned char *out, size_t n)
{
	CK_ATTRIBUTE_TYPE t = CKA_VALUE;
	struct ck_attrs a = { 0 };
	const CK_ATTRIBUTE *v;

	assert_rv(ck_card_get_attrs(c, key, &t, 1, &a), CKR_OK);
	v = ck_attrs_get(&a, CKA_VALUE);
	assert_non_null(v);
	expect_eq(v->ulValueLen, n);
	memcpy(out, v->pValue, n);
	ck_attrs_free(&a);
}

/* OpenSSL's verdict on a signature of @data. */
static bool ossl_verify(EVP_PKEY *pkey, const char *md, int pad, int salt,
			const void *data, size_t n, const void *sig,
			size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	bool ok;

	ok = ctx && EVP_DigestVerifyInit_ex(ctx, &pctx, md, NULL, NULL, pkey,
					    NULL) == 1;
	if (ok && pad)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, pad) > 0;
	if (ok && pad == RSA_PKCS1_PSS_PADDING)
		ok = EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) > 0 &&
		     EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, md, NULL) > 0;
	ok = ok && EVP_DigestVerify(ctx, sig, siglen, data, n) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* An ECDSA r | s signature as DER, for OpenSSL. */
static size_t ecdsa_der(const struct ck_buf *sig, unsigned char *der)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	size_t h = sig->n / 2;
	BIGNUM *r = BN_bin2bn(sig->p, h, NULL);
	BIGNUM *t = BN_bin2bn(sig->p + h, h, NULL);
	int n;

	assert_true(s && r && t && ECDSA_SIG_set0(s, r, t));
	n = i2d_ECDSA_SIG(s, &der);
	ECDSA_SIG_free(s);
	assert_true(n > 0);
	return n;
}

/* The "encode" group: mechanisms and templates, no card. */

static void encoded(const CK_MECHANISM *m, const void *want, size_t n)
{
	struct ck_buf out = { 0 };

	assert_rv(ck_card_encode_mech(m, &out), CKR_OK);
	expect_eq(out.n, n);
	expect_mem(out.p, want, n);
	ck_buf_free(&out);
}

static void refused(const CK_MECHANISM *m, CK_RV want)
{
	struct ck_buf out = { 0 };

	assert_rv(ck_card_encode_mech(m, &out), want);
	assert_null(out.p);
	expect_eq(out.n, 0);
}

static void mech_without_parameter_is_the_type_alone(void **state)
{
	unsigned char iv[16] = { 0 };
	CK_MECHANISM m = { CKM_AES_ECB, NULL, 0 };

	encoded(&m, "\x00\x00\x10\x81", 4);
	/* No parameter: a length of 0, whatever the pointer. */
	m.pParameter = iv;
	encoded(&m, "\x00\x00\x10\x81", 4);
	m.ulParameterLen = 16;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	m.mechanism = CKM_SHA256;
	m.ulParameterLen = 1;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	m.mechanism = CKM_ECDSA_SHA256;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
}

static void mech_parameter_null_with_a_length_is_refused(void **state)
{
	CK_MECHANISM m = { CKM_AES_CBC, NULL, 16 };

	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	m.mechanism = CKM_AES_GCM;
	m.ulParameterLen = sizeof(CK_GCM_PARAMS);
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	m.mechanism = CKM_SHA_1;
	m.ulParameterLen = 4;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	refused(NULL, CKR_ARGUMENTS_BAD);
}

static void mech_cbc_takes_a_16_byte_iv(void **state)
{
	unsigned char iv[17], want[4 + 16];
	CK_MECHANISM m = { CKM_AES_CBC_PAD, iv, 16 };
	int i;

	for (i = 0; i < 17; i++)
		iv[i] = i + 1;
	memcpy(want, "\x00\x00\x10\x85", 4);
	memcpy(want + 4, iv, 16);
	encoded(&m, want, sizeof(want));
	m.ulParameterLen = 15;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = 17;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = 0;
	m.mechanism = CKM_AES_CBC;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
}

static void mech_gcm_is_ivlen_iv_aadlen_aad_tagbits(void **state)
{
	unsigned char iv[12] = "0123456789a", aad[3] = "xyz";
	CK_GCM_PARAMS g = {
		.pIv = iv, .ulIvLen = 12, .ulIvBits = 96,
		.pAAD = aad, .ulAADLen = 3, .ulTagBits = 128,
	};
	CK_MECHANISM m = { CKM_AES_GCM, &g, sizeof(g) };
	const unsigned char want[] =
		"\x00\x00\x10\x87" "\x00\x00\x00\x0c" "0123456789a\0"
		"\x00\x00\x00\x03" "xyz" "\x00\x00\x00\x80";

	encoded(&m, want, sizeof(want) - 1);
	/* ulIvBits is not what sets the IV's length. */
	g.ulIvBits = 7;
	encoded(&m, want, sizeof(want) - 1);
	/* Tag bits go as the caller gave them: the card judges them. */
	g.ulTagBits = 100;
	{
		unsigned char w2[sizeof(want) - 1];

		memcpy(w2, want, sizeof(w2));
		w2[sizeof(w2) - 1] = 100;
		encoded(&m, w2, sizeof(w2));
	}
#if ULONG_MAX > 0xffffffffUL
	g.ulTagBits = 0x100000080UL;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
#endif
	g.ulTagBits = 128;
	m.ulParameterLen = sizeof(g) - 1;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = sizeof(g) + 8;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = sizeof(g);
	g.pIv = NULL;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	g.pIv = iv;
	g.pAAD = NULL;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	/* No additional data: a zero length, no pointer needed. */
	g.ulAADLen = 0;
	{
		const unsigned char w3[] =
			"\x00\x00\x10\x87" "\x00\x00\x00\x0c" "0123456789a\0"
			"\x00\x00\x00\x00" "\x00\x00\x00\x80";

		encoded(&m, w3, sizeof(w3) - 1);
	}
}

static void mech_pss_is_hash_mgf_slen(void **state)
{
	CK_RSA_PKCS_PSS_PARAMS p = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS_PSS, &p, sizeof(p) };

	encoded(&m, "\x00\x00\x00\x43" "\x00\x00\x02\x50" "\x00\x00\x00\x02"
		"\x00\x00\x00\x20", 16);
	m.ulParameterLen = sizeof(p) - sizeof(CK_ULONG);
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = sizeof(p);
	m.pParameter = NULL;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	/* A PSS mechanism needs its parameter. */
	m.ulParameterLen = 0;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
#if ULONG_MAX > 0xffffffffUL
	m.pParameter = &p;
	m.ulParameterLen = sizeof(p);
	p.sLen = 0x100000000UL;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
#endif
}

static void mech_oaep_source_and_label(void **state)
{
	unsigned char label[3] = "abc";
	CK_RSA_PKCS_OAEP_PARAMS o = { CKM_SHA256, CKG_MGF1_SHA256, 0, NULL, 0 };
	CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, &o, sizeof(o) };

	encoded(&m, "\x00\x00\x00\x09" "\x00\x00\x02\x50" "\x00\x00\x00\x02"
		"\x00\x00\x00\x00", 16);
	o.source = CKZ_DATA_SPECIFIED;
	encoded(&m, "\x00\x00\x00\x09" "\x00\x00\x02\x50" "\x00\x00\x00\x02"
		"\x00\x00\x00\x01", 16);
	o.pSourceData = label;
	o.ulSourceDataLen = 3;
	encoded(&m, "\x00\x00\x00\x09" "\x00\x00\x02\x50" "\x00\x00\x00\x02"
		"\x00\x00\x00\x01" "abc", 19);
	o.pSourceData = NULL;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	/* No source, no label. */
	o.source = 0;
	o.pSourceData = label;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	o.source = 2;
	o.ulSourceDataLen = 0;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	o.source = 0;
	m.ulParameterLen = sizeof(o) + 1;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
}

static void mech_aes_key_wrap_iv_is_optional(void **state)
{
	unsigned char iv[8] = { 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6 };
	CK_MECHANISM m = { CKM_AES_KEY_WRAP, NULL, 0 };

	encoded(&m, "\x00\x00\x21\x09", 4);
	m.pParameter = iv;
	m.ulParameterLen = 8;
	encoded(&m, "\x00\x00\x21\x09\xa6\xa6\xa6\xa6\xa6\xa6\xa6\xa6", 12);
	m.ulParameterLen = 4;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	m.mechanism = CKM_AES_KEY_WRAP_KWP;
	encoded(&m, "\x00\x00\x21\x0b\xa6\xa6\xa6\xa6", 8);
	m.ulParameterLen = 8;
	refused(&m, CKR_MECHANISM_PARAM_INVALID);
	m.pParameter = NULL;
	m.ulParameterLen = 0;
	encoded(&m, "\x00\x00\x21\x0b", 4);
}

static void mech_unknown_goes_only_without_parameter(void **state)
{
	unsigned char x = 0;
	CK_MECHANISM m = { CKM_SHA_1_HMAC, NULL, 0 };

	/* The card decides whether it has it. */
	encoded(&m, "\x00\x00\x02\x21", 4);
	m.pParameter = &x;
	m.ulParameterLen = 1;
	refused(&m, CKR_MECHANISM_INVALID);
#if ULONG_MAX > 0xffffffffUL
	m.mechanism = 0x100001081UL;
	m.pParameter = NULL;
	m.ulParameterLen = 0;
	refused(&m, CKR_MECHANISM_INVALID);
#endif
}

static void template_wire_form(void **state)
{
	static const unsigned char want[] =
		"\x00\x00\x01\x03" "\x00\x00\x00\x01" "\x00"		/* SENSITIVE */
		"\x00\x00\x01\x61" "\x00\x00\x00\x04" "\x00\x00\x00\x20" /* VALUE_LEN */
		"\x00\x00\x00\x03" "\x00\x00\x00\x02" "hi"		/* LABEL */
		"\x80\x00\x00\x01" "\x00\x00\x00\x01" "z"		/* vendor */
		"\x00\x00\x01\x66" "\x00\x00\x00\x04" "\xff\xff\xff\xff"; /* KEY_GEN_MECHANISM */
	struct ck_attrs t = { 0 };
	struct ck_buf out = { 0 };

	set_bool(&t, CKA_SENSITIVE, false);
	set_ulong(&t, CKA_VALUE_LEN, 32);
	set_bytes(&t, CKA_LABEL, "hi", 2);
	set_bytes(&t, CKA_VENDOR_DEFINED + 1, "z", 1);
	set_ulong(&t, CKA_KEY_GEN_MECHANISM, CK_UNAVAILABLE_INFORMATION);
	assert_rv(ck_card_encode_template(&t, &out), CKR_OK);
	expect_eq(out.n, sizeof(want) - 1);
	expect_mem(out.p, want, sizeof(want) - 1);
	ck_buf_free(&out);
	ck_attrs_free(&t);
	/* NULL is the empty template. */
	assert_rv(ck_card_encode_template(NULL, &out), CKR_OK);
	expect_eq(out.n, 0);
	ck_buf_free(&out);
}

static void template_values_the_wire_cannot_carry(void **state)
{
	CK_ATTRIBUTE a = { CKA_SENSITIVE, NULL, 0 };
	struct ck_attrs t = { &a, 1, 1 };
	struct ck_buf out = { 0 };
	unsigned char two[2] = { 1, 0 };
	CK_ULONG v = 16;

	a.pValue = two;
	a.ulValueLen = 2;
	assert_rv(ck_card_encode_template(&t, &out),
		  CKR_ATTRIBUTE_VALUE_INVALID);
	a.ulValueLen = 1;
	two[0] = 2;
	assert_rv(ck_card_encode_template(&t, &out),
		  CKR_ATTRIBUTE_VALUE_INVALID);
	a.type = CKA_VALUE_LEN;
	a.pValue = &v;
	a.ulValueLen = 4;
	assert_rv(ck_card_encode_template(&t, &out),
		  CKR_ATTRIBUTE_VALUE_INVALID);
	a.ulValueLen = sizeof(v);
#if ULONG_MAX > 0xffffffffUL
	v = 0x100000000UL;
	assert_rv(ck_card_encode_template(&t, &out),
		  CKR_ATTRIBUTE_VALUE_INVALID);
	v = 0xffffffffUL;
	assert_rv(ck_card_encode_template(&t, &out), CKR_OK);
	ck_buf_free(&out);
	a.type = 0x100000000UL;
	assert_rv(ck_card_encode_template(&t, &out),
		  CKR_ATTRIBUTE_TYPE_INVALID);
#endif
	a.type = CKA_START_DATE;
	a.pValue = two;
	a.ulValueLen = 2;
	assert_rv(ck_card_encode_template(&t, &out),
		  CKR_ATTRIBUTE_VALUE_INVALID);
	/* A nested template holds pointers: no card keeps one. */
	a.type = CKA_UNWRAP_TEMPLATE;
	a.ulValueLen = 0;
	assert_rv(ck_card_encode_template(&t, &out),
		  CKR_ATTRIBUTE_TYPE_INVALID);
	a.type = CKA_LABEL;
	a.pValue = NULL;
	a.ulValueLen = 3;
	assert_rv(ck_card_encode_template(&t, &out),
		  CKR_ATTRIBUTE_VALUE_INVALID);
	assert_null(out.p);
}

static void template_round_trip_widens_ulongs(void **state)
{
	CK_MECHANISM_TYPE mechs[2] = { CKM_AES_GCM, CKM_ECDSA };
	struct ck_attrs t = { 0 }, back = { 0 };
	struct ck_buf w = { 0 };
	const CK_ATTRIBUTE *a;
	size_t i;

	set_ulong(&t, CKA_CLASS, CKO_SECRET_KEY);
	set_bool(&t, CKA_TOKEN, true);
	set_bytes(&t, CKA_ID, "\x01\x02\x03", 3);
	set_bytes(&t, CKA_START_DATE, "20240101", 8);
	set_bytes(&t, CKA_ALLOWED_MECHANISMS, mechs, sizeof(mechs));
	set_bytes(&t, CKA_VENDOR_DEFINED | 0x42, "", 0);
	set_ulong(&t, CKA_KEY_GEN_MECHANISM, CK_UNAVAILABLE_INFORMATION);
	assert_rv(ck_card_encode_template(&t, &w), CKR_OK);
	/* CK_ULONG and the mechanism list are 4 bytes a value on the wire. */
	expect_eq(w.n, 7 * 8 + 4 + 1 + 3 + 8 + 8 + 0 + 4);
	assert_rv(ck_card_decode_template(w.p, w.n, &back), CKR_OK);
	expect_eq(back.n, t.n);
	for (i = 0; i < t.n; i++) {
		a = ck_attrs_get(&back, t.v[i].type);
		assert_non_null(a);
		expect_eq(a->ulValueLen, t.v[i].ulValueLen);
		if (a->ulValueLen)
			expect_mem(a->pValue, t.v[i].pValue, a->ulValueLen);
	}
	ck_attrs_free(&back);
	ck_attrs_free(&t);
	ck_buf_free(&w);
}

static void template_decode_refuses_malformed(void **state)
{
	/* SENSITIVE false, VALUE_LEN 16, LABEL "ab". */
	static const unsigned char good[] =
		"\x00\x00\x01\x03\x00\x00\x00\x01\x00"
		"\x00\x00\x01\x61\x00\x00\x00\x04\x00\x00\x00\x10"
		"\x00\x00\x00\x03\x00\x00\x00\x02" "ab";
	static const struct {
		const char *what;
		const char *p;
		size_t n;
	} bad[] = {
		{ "a type twice", "\x00\x00\x00\x03\x00\x00\x00\x00"
		  "\x00\x00\x00\x03\x00\x00\x00\x00", 16 },
		{ "a CK_BBOOL of 2 bytes", "\x00\x00\x01\x03\x00\x00\x00\x02\x00\x00", 10 },
		{ "a CK_BBOOL of 2", "\x00\x00\x01\x03\x00\x00\x00\x01\x02", 9 },
		{ "a CK_ULONG of 8 bytes", "\x00\x00\x01\x61\x00\x00\x00\x08"
		  "\x00\x00\x00\x00\x00\x00\x00\x10", 16 },
		{ "a CK_ULONG of 3 bytes", "\x00\x00\x01\x61\x00\x00\x00\x03\x00\x00\x10", 11 },
		{ "a CK_DATE of 3 bytes", "\x00\x00\x01\x10\x00\x00\x00\x03" "abc", 11 },
		{ "a nested template", "\x40\x00\x02\x12\x00\x00\x00\x00", 8 },
		{ "a length past the end", "\x00\x00\x00\x03\xff\xff\xff\xff" "ab", 10 },
	};
	struct ck_attrs out = { 0 };
	size_t cut, i, at[] = { 0, 9, 21, 31 };
	bool boundary;

	set_bytes(&out, CKA_LABEL, "kept", 4);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CK_RV rv = ck_card_decode_template(bad[i].p, bad[i].n, &out);

		if (rv != CKR_DEVICE_ERROR)
			fail_msg("%s: expected CKR_DEVICE_ERROR, got 0x%lx",
				 bad[i].what, rv);
	}
	/* Cut anywhere: malformed, unless cut between two attributes. */
	for (cut = 0; cut < sizeof(good) - 1; cut++) {
		CK_RV rv = ck_card_decode_template(good, cut, &out);

		boundary = false;
		for (i = 0; i < 4; i++)
			boundary |= cut == at[i];
		if (!boundary && rv != CKR_DEVICE_ERROR)
			fail_msg("cut at %zu: expected CKR_DEVICE_ERROR, got 0x%lx",
				 cut, rv);
		if (boundary && rv != CKR_OK)
			fail_msg("cut at %zu: expected CKR_OK, got 0x%lx", cut,
				 rv);
		if (boundary) {
			ck_attrs_free(&out);
			set_bytes(&out, CKA_LABEL, "kept", 4);
		}
	}
	/* A failure leaves the output as it was. */
	assert_rv(ck_card_decode_template(bad[0].p, bad[0].n, &out),
		  CKR_DEVICE_ERROR);
	assert_rv(ck_card_decode_template(NULL, 8, &out), CKR_ARGUMENTS_BAD);
	expect_eq(out.n, 1);
	expect_mem(ck_attrs_get(&out, CKA_LABEL)->pValue, "kept", 4);
	assert_rv(ck_card_decode_template(good, sizeof(good) - 1, &out),
		  CKR_OK);
	expect_eq(out.n, 3);
	expect_eq(ck_attrs_ulong(&out, CKA_VALUE_LEN, 0), 16);
	expect_eq(ck_attrs_get(&out, CKA_VALUE_LEN)->ulValueLen,
		  sizeof(CK_ULONG));
	ck_attrs_free(&out);
}

/* The "card" group: every function against the emulated firmware. */

static void random_loops_in_chunks(void **state)
{
	static unsigned char a[20000], b[20000];
	static const unsigned char zero[8192];
	struct ck_card_ctx c;
	unsigned int before;

	ctx_init(&c, true);
	before = k.sends;
	assert_rv(ck_card_random(&c, a, sizeof(a)), CKR_OK);
	/* 8192 + 8192 + 3616: the card gives at most 8192 a request. */
	expect_eq(k.sends - before, 3);
	expect_eq(k.last_handle, HANDLE);
	assert_true(k.last_any_apqn);
	assert_rv(ck_card_random(&c, b, sizeof(b)), CKR_OK);
	assert_true(memcmp(a, b, sizeof(a)));
	assert_true(memcmp(a + 16384, zero, sizeof(a) - 16384));
	before = k.sends;
	assert_rv(ck_card_random(&c, a, 0), CKR_OK);
	expect_eq(k.sends, before);
	assert_rv(ck_card_random(&c, NULL, 1), CKR_ARGUMENTS_BAD);
}

static void digests_match_openssl(void **state)
{
	static const struct {
		CK_MECHANISM_TYPE m;
		const char *md;
	} d[] = {
		{ CKM_SHA_1, "SHA1" }, { CKM_SHA224, "SHA224" },
		{ CKM_SHA256, "SHA256" }, { CKM_SHA384, "SHA384" },
		{ CKM_SHA512, "SHA512" },
	};
	unsigned char want[EVP_MAX_MD_SIZE], data[1000];
	struct ck_buf out = { 0 };
	struct ck_card_ctx c;
	unsigned int len;
	size_t i, n;

	ctx_init(&c, false);
	memset(data, 'a', sizeof(data));
	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		for (n = 0; n <= sizeof(data); n += 500) {
			assert_rv(ck_card_digest(&c, d[i].m, data, n, &out),
				  CKR_OK);
			assert_true(EVP_Digest(data, n, want, &len,
					       EVP_get_digestbyname(d[i].md),
					       NULL));
			expect_eq(out.n, len);
			expect_mem(out.p, want, len);
		}
	}
	/* Near the largest request a message carries. */
	{
		size_t big = 65000;
		unsigned char *p = calloc(1, big);

		assert_non_null(p);
		assert_rv(ck_card_digest(&c, CKM_SHA256, p, big, &out), CKR_OK);
		assert_true(EVP_Digest(p, big, want, &len, EVP_sha256(), NULL));
		expect_eq(out.n, len);
		expect_mem(out.p, want, len);
		free(p);
	}
	ck_buf_free(&out);
	assert_rv(ck_card_digest(&c, CKM_AES_ECB, data, 3, &out),
		  CKR_MECHANISM_INVALID);
	expect_eq(c.card_rc, CKR_MECHANISM_INVALID);
	assert_null(out.p);
}

/* AES with the card, checked against OpenSSL with the key's value. */
static void aes_ciphers_match_openssl(void **state)
{
	unsigned char key[32], iv[16], data[48], want[128], aad[5] = "head";
	CK_GCM_PARAMS g = {
		.pIv = iv, .ulIvLen = 12, .pAAD = aad, .ulAADLen = 5,
		.ulTagBits = 128,
	};
	static const struct {
		CK_MECHANISM_TYPE m;
		const char *cipher;
		size_t n;
	} modes[] = {
		{ CKM_AES_ECB, "AES-256-ECB", 48 },
		{ CKM_AES_CBC, "AES-256-CBC", 48 },
		{ CKM_AES_CBC_PAD, "AES-256-CBC", 45 },
		{ CKM_AES_GCM, "AES-256-GCM", 45 },
	};
	struct ck_buf blob = { 0 }, ct = { 0 }, pt = { 0 };
	struct ck_card_ctx c;
	size_t i;

	ctx_init(&c, true);
	gen_aes(&c, 32, true, &blob);
	key_value(&c, &blob, key, 32);
	for (i = 0; i < sizeof(iv); i++)
		iv[i] = 0x30 + i;
	for (i = 0; i < sizeof(data); i++)
		data[i] = i * 7;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		CK_MECHANISM m = { modes[i].m, NULL, 0 };
		EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
		EVP_CIPHER *ci = EVP_CIPHER_fetch(NULL, modes[i].cipher, NULL);
		int l1 = 0, l2 = 0;

		if (m.mechanism == CKM_AES_CBC || m.mechanism == CKM_AES_CBC_PAD) {
			m.pParameter = iv;
			m.ulParameterLen = 16;
		} else if (m.mechanism == CKM_AES_GCM) {
			m.pParameter = &g;
			m.ulParameterLen = sizeof(g);
		}
		assert_rv(ck_card_encrypt(&c, &m, &blob, data, modes[i].n, &ct),
			  CKR_OK);
		assert_true(x && ci && EVP_EncryptInit_ex2(x, ci, NULL, NULL, NULL));
		if (m.mechanism == CKM_AES_GCM)
			assert_true(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN,
							12, NULL));
		assert_true(EVP_EncryptInit_ex2(x, NULL, key, iv, NULL));
		EVP_CIPHER_CTX_set_padding(x, m.mechanism == CKM_AES_CBC_PAD);
		if (m.mechanism == CKM_AES_GCM)
			assert_true(EVP_EncryptUpdate(x, NULL, &l1, aad, 5));
		assert_true(EVP_EncryptUpdate(x, want, &l1, data, modes[i].n));
		assert_true(EVP_EncryptFinal_ex(x, want + l1, &l2));
		if (m.mechanism == CKM_AES_GCM) {
			assert_true(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG,
							16, want + l1 + l2));
			l2 += 16;
		}
		expect_eq(ct.n, (size_t)(l1 + l2));
		expect_mem(ct.p, want, ct.n);
		assert_rv(ck_card_decrypt(&c, &m, &blob, ct.p, ct.n, &pt),
			  CKR_OK);
		expect_eq(pt.n, modes[i].n);
		expect_mem(pt.p, data, pt.n);
		EVP_CIPHER_free(ci);
		EVP_CIPHER_CTX_free(x);
	}
	/* A changed GCM tag does not decrypt. */
	{
		CK_MECHANISM m = { CKM_AES_GCM, &g, sizeof(g) };

		ct.p[ct.n - 1] ^= 1;
		assert_rv(ck_card_decrypt(&c, &m, &blob, ct.p, ct.n, &pt),
			  CKR_ENCRYPTED_DATA_INVALID);
		/* The output is untouched by a failure. */
		expect_eq(pt.n, 45);
		expect_mem(pt.p, data, 45);
	}
	ck_buf_free(&blob);
	ck_buf_free(&ct);
	ck_buf_free(&pt);
}

static void gcm_tag_bits_are_the_cards_to_judge(void **state)
{
	unsigned char iv[12] = { 0 }, data[16] = { 0 };
	CK_GCM_PARAMS g = { .pIv = iv, .ulIvLen = 12, .ulTagBits = 100 };
	CK_MECHANISM m = { CKM_AES_GCM, &g, sizeof(g) };
	struct ck_buf blob = { 0 }, ct = { 0 };
	struct ck_card_ctx c;
	unsigned int before;

	ctx_init(&c, true);
	gen_aes(&c, 16, false, &blob);
	assert_rv(ck_card_encrypt(&c, &m, &blob, data, 16, &ct),
		  CKR_MECHANISM_PARAM_INVALID);
	expect_eq(c.card_rc, CKR_MECHANISM_PARAM_INVALID);
	g.ulTagBits = 96;
	assert_rv(ck_card_encrypt(&c, &m, &blob, data, 16, &ct), CKR_OK);
	expect_eq(ct.n, 16 + 12);
	/* What cannot be encoded never reaches the card. */
	before = k.sends;
	m.ulParameterLen = sizeof(g) - 1;
	assert_rv(ck_card_encrypt(&c, &m, &blob, data, 16, &ct),
		  CKR_MECHANISM_PARAM_INVALID);
	expect_eq(c.card_rc, 0);
	expect_eq(k.sends, before);
	ck_buf_free(&blob);
	ck_buf_free(&ct);
}

static void ec_and_ed25519_sign_and_verify(void **state)
{
	static const struct {
		const CK_MECHANISM *gen;
		const char *params;
		size_t plen;
		CK_MECHANISM_TYPE sign;
		const char *md;
		size_t siglen;
	} curves[] = {
		{ &ec_gen, P256, sizeof(P256) - 1, CKM_ECDSA_SHA256, "SHA256", 64 },
		{ &ec_gen, P384, sizeof(P384) - 1, CKM_ECDSA_SHA384, "SHA384", 96 },
		{ &ec_gen, P521, sizeof(P521) - 1, CKM_ECDSA_SHA512, "SHA512", 132 },
		{ &ed_gen, ED25519, sizeof(ED25519) - 1, CKM_EDDSA, NULL, 64 },
	};
	static const char msg[] = "the message to sign";
	unsigned char der[256];
	struct ck_buf sig = { 0 };
	struct ck_card_ctx c;
	struct pair p = { 0 };
	EVP_PKEY *pkey;
	size_t i, n;

	ctx_init(&c, true);
	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
		CK_MECHANISM m = { curves[i].sign, NULL, 0 };

		gen_pair(&c, curves[i].gen, curves[i].params, curves[i].plen,
			 &p);
		assert_rv(ck_card_sign(&c, &m, &p.priv, msg, sizeof(msg), &sig),
			  CKR_OK);
		expect_eq(sig.n, curves[i].siglen);
		assert_rv(ck_card_verify(&c, &m, &p.pub, msg, sizeof(msg),
					 sig.p, sig.n), CKR_OK);
		assert_rv(ck_card_verify(&c, &m, &p.pub, msg, sizeof(msg) - 1,
					 sig.p, sig.n), CKR_SIGNATURE_INVALID);
		expect_eq(c.card_rc, CKR_SIGNATURE_INVALID);
		assert_rv(ck_card_verify(&c, &m, &p.pub, msg, sizeof(msg),
					 sig.p, sig.n - 1),
			  CKR_SIGNATURE_LEN_RANGE);
		/* OpenSSL agrees, with the SubjectPublicKeyInfo alone. */
		pkey = spki_pkey(&p.spki);
		if (curves[i].md) {
			n = ecdsa_der(&sig, der);
			assert_true(ossl_verify(pkey, curves[i].md, 0, 0, msg,
						sizeof(msg), der, n));
		} else {
			assert_true(ossl_verify(pkey, NULL, 0, 0, msg,
						sizeof(msg), sig.p, sig.n));
		}
		EVP_PKEY_free(pkey);
		pair_free(&p);
	}
	ck_buf_free(&sig);
}

static void rsa_2048_signs_encrypts_and_decrypts(void **state)
{
	static const char msg[] = "RSA on the emulated card";
	unsigned char label[5] = "label", ct[256], one = 1;
	CK_RSA_PKCS_PSS_PARAMS pss = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_RSA_PKCS_OAEP_PARAMS oaep = {
		CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, label, 5,
	};
	CK_MECHANISM pkcs = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_MECHANISM pssm = { CKM_SHA256_RSA_PKCS_PSS, &pss, sizeof(pss) };
	CK_MECHANISM raw = { CKM_RSA_PKCS, NULL, 0 };
	CK_MECHANISM oaepm = { CKM_RSA_PKCS_OAEP, &oaep, sizeof(oaep) };
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	struct ck_attrs pub = { 0 }, priv = { 0 };
	struct ck_buf sig = { 0 }, out = { 0 }, back = { 0 };
	EVP_PKEY_CTX *ectx;
	struct ck_card_ctx c;
	struct pair p = { 0 };
	EVP_PKEY *pkey;
	size_t ctlen = sizeof(ct);

	ctx_init(&c, true);
	set_ulong(&pub, CKA_MODULUS_BITS, 2048);
	set_bytes(&pub, CKA_PUBLIC_EXPONENT, "\x01\x00\x01", 3);
	set_bool(&priv, CKA_DECRYPT, true);
	assert_rv(ck_card_generate_key_pair(&c, &gen, &pub, &priv, &p.priv,
					    &p.pub, &p.spki), CKR_OK);
	ck_attrs_free(&pub);
	ck_attrs_free(&priv);
	pkey = spki_pkey(&p.spki);
	expect_eq(EVP_PKEY_get_bits(pkey), 2048);

	assert_rv(ck_card_sign(&c, &pkcs, &p.priv, msg, sizeof(msg), &sig),
		  CKR_OK);
	expect_eq(sig.n, 256);
	assert_rv(ck_card_verify(&c, &pkcs, &p.pub, msg, sizeof(msg), sig.p,
				 sig.n), CKR_OK);
	assert_true(ossl_verify(pkey, "SHA256", RSA_PKCS1_PADDING, 0, msg,
				sizeof(msg), sig.p, sig.n));
	assert_rv(ck_card_sign(&c, &pssm, &p.priv, msg, sizeof(msg), &sig),
		  CKR_OK);
	assert_rv(ck_card_verify(&c, &pssm, &p.pub, msg, sizeof(msg), sig.p,
				 sig.n), CKR_OK);
	assert_true(ossl_verify(pkey, "SHA256", RSA_PKCS1_PSS_PADDING, 32, msg,
				sizeof(msg), sig.p, sig.n));
	/* A salt longer than the modulus allows is the card's to refuse. */
	pss.sLen = 256;
	assert_rv(ck_card_sign(&c, &pssm, &p.priv, msg, sizeof(msg), &sig),
		  CKR_MECHANISM_PARAM_INVALID);

	/* PKCS#1 v1.5 encryption, round trip on the card. */
	assert_rv(ck_card_encrypt(&c, &raw, &p.pub, msg, sizeof(msg), &out),
		  CKR_OK);
	expect_eq(out.n, 256);
	assert_rv(ck_card_decrypt(&c, &raw, &p.priv, out.p, out.n, &back),
		  CKR_OK);
	expect_eq(back.n, sizeof(msg));
	expect_mem(back.p, msg, sizeof(msg));
	/* OAEP with a label: OpenSSL encrypts, the card decrypts. */
	ectx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	assert_true(ectx && EVP_PKEY_encrypt_init(ectx) > 0 &&
		    EVP_PKEY_CTX_set_rsa_padding(ectx, RSA_PKCS1_OAEP_PADDING) > 0 &&
		    EVP_PKEY_CTX_set_rsa_oaep_md_name(ectx, "SHA256", NULL) > 0 &&
		    EVP_PKEY_CTX_set_rsa_mgf1_md_name(ectx, "SHA256", NULL) > 0 &&
		    EVP_PKEY_CTX_set0_rsa_oaep_label(ectx, OPENSSL_memdup(label, 5), 5) > 0 &&
		    EVP_PKEY_encrypt(ectx, ct, &ctlen, (const unsigned char *)msg,
				     sizeof(msg)) > 0);
	EVP_PKEY_CTX_free(ectx);
	assert_rv(ck_card_decrypt(&c, &oaepm, &p.priv, ct, ctlen, &back),
		  CKR_OK);
	expect_eq(back.n, sizeof(msg));
	expect_mem(back.p, msg, sizeof(msg));
	/* Another label does not decrypt. */
	oaep.pSourceData = &one;
	oaep.ulSourceDataLen = 1;
	assert_rv(ck_card_decrypt(&c, &oaepm, &p.priv, ct, ctlen, &back),
		  CKR_ENCRYPTED_DATA_INVALID);
	/* No label, both ways on the card. */
	oaep.source = 0;
	oaep.pSourceData = NULL;
	oaep.ulSourceDataLen = 0;
	assert_rv(ck_card_encrypt(&c, &oaepm, &p.pub, msg, sizeof(msg), &out),
		  CKR_OK);
	assert_rv(ck_card_decrypt(&c, &oaepm, &p.priv, out.p, out.n, &back),
		  CKR_OK);
	expect_mem(back.p, msg, sizeof(msg));
	EVP_PKEY_free(pkey);
	pair_free(&p);
	ck_buf_free(&sig);
	ck_buf_free(&out);
	ck_buf_free(&back);
}

/* AES key wrap by the card, checked against OpenSSL's RFC 3394/5649. */
static void aes_key_wrap_and_unwrap(void **state)
{
	static const struct {
		CK_MECHANISM_TYPE m;
		const char *cipher;
		CK_ULONG len;
		size_t wrapped;
	} kw[] = {
		{ CKM_AES_KEY_WRAP, "AES-256-WRAP", 16, 24 },
		{ CKM_AES_KEY_WRAP_KWP, "AES-256-WRAP-PAD", 24, 32 },
	};
	unsigned char kek[32], value[32], got[32], want[64];
	unsigned char iv8[8] = { 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6 };
	struct ck_buf kblob = { 0 }, blob = { 0 }, wrapped = { 0 };
	struct ck_buf again = { 0 }, unwrapped = { 0 };
	struct ck_attrs t = { 0 };
	struct ck_card_ctx c;
	size_t i;

	ctx_init(&c, true);
	gen_aes(&c, 32, true, &kblob);
	key_value(&c, &kblob, kek, 32);
	set_ulong(&t, CKA_CLASS, CKO_SECRET_KEY);
	set_ulong(&t, CKA_KEY_TYPE, CKK_AES);
	set_bool(&t, CKA_SENSITIVE, false);
	for (i = 0; i < 2; i++) {
		CK_MECHANISM m = { kw[i].m, NULL, 0 };
		EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
		EVP_CIPHER *ci = EVP_CIPHER_fetch(NULL, kw[i].cipher, NULL);
		int l1 = 0, l2 = 0;

		gen_aes(&c, kw[i].len, true, &blob);
		key_value(&c, &blob, value, kw[i].len);
		assert_rv(ck_card_wrap(&c, &m, &kblob, &blob, &wrapped), CKR_OK);
		expect_eq(wrapped.n, kw[i].wrapped);
		assert_true(x && ci && EVP_EncryptInit_ex2(x, ci, kek, NULL, NULL));
		assert_true(EVP_EncryptUpdate(x, want, &l1, value, kw[i].len));
		assert_true(EVP_EncryptFinal_ex(x, want + l1, &l2));
		expect_eq(wrapped.n, (size_t)(l1 + l2));
		expect_mem(wrapped.p, want, wrapped.n);
		assert_rv(ck_card_unwrap(&c, &m, &kblob, wrapped.p, wrapped.n,
					 &t, &unwrapped), CKR_OK);
		key_value(&c, &unwrapped, got, kw[i].len);
		expect_mem(got, value, kw[i].len);
		EVP_CIPHER_free(ci);
		EVP_CIPHER_CTX_free(x);
	}
	/* KW's default IV given explicitly wraps the same. */
	{
		CK_MECHANISM m = { CKM_AES_KEY_WRAP, iv8, 8 };

		assert_rv(ck_card_wrap(&c, &m, &kblob, &blob, &again), CKR_OK);
		expect_eq(again.n, wrapped.n);
		/* KWP's own wrapping differs: that key was wrapped last. */
		m.pParameter = NULL;
		m.ulParameterLen = 0;
		assert_rv(ck_card_wrap(&c, &m, &kblob, &blob, &wrapped), CKR_OK);
		expect_eq(again.n, wrapped.n);
		expect_mem(again.p, wrapped.p, wrapped.n);
		/* A damaged wrapping does not unwrap. */
		wrapped.p[3] ^= 1;
		assert_rv(ck_card_unwrap(&c, &m, &kblob, wrapped.p, wrapped.n,
					 &t, &unwrapped),
			  CKR_WRAPPED_KEY_INVALID);
	}
	ck_attrs_free(&t);
	ck_buf_free(&kblob);
	ck_buf_free(&blob);
	ck_buf_free(&wrapped);
	ck_buf_free(&again);
	ck_buf_free(&unwrapped);
}

static bool listed(const CK_MECHANISM_TYPE *l, size_t n, CK_MECHANISM_TYPE m)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i] == m)
			return true;
	return false;
}

static void mechanism_list_and_info(void **state)
{
	static const CK_MECHANISM_TYPE expected[] = {
		CKM_SHA_1, CKM_SHA512, CKM_AES_KEY_GEN, CKM_RSA_PKCS_KEY_PAIR_GEN,
		CKM_EC_KEY_PAIR_GEN, CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_RSA_PKCS,
		CKM_RSA_PKCS_OAEP, CKM_RSA_PKCS_PSS, CKM_ECDSA, CKM_EDDSA,
		CKM_SHA256_HMAC, CKM_AES_ECB, CKM_AES_CBC_PAD, CKM_AES_GCM,
		CKM_AES_KEY_WRAP, CKM_AES_KEY_WRAP_KWP,
	};
	CK_MECHANISM_TYPE *list = NULL;
	CK_MECHANISM_INFO info;
	struct ck_card_ctx c;
	size_t n = 0, i;

	ctx_init(&c, true);
	assert_rv(ck_card_mechanisms(&c, &list, &n), CKR_OK);
	assert_true(n >= sizeof(expected) / sizeof(expected[0]));
	for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		if (!listed(list, n, expected[i]))
			fail_msg("mechanism 0x%lx: expected in the card's list",
				 expected[i]);
	for (i = 0; i < n; i++)
		assert_rv(ck_card_mechanism_info(&c, list[i], &info), CKR_OK);
	free(list);
	assert_rv(ck_card_mechanism_info(&c, CKM_AES_KEY_GEN, &info), CKR_OK);
	expect_eq(info.ulMinKeySize, 16);
	expect_eq(info.ulMaxKeySize, 32);
	assert_true(info.flags & CKF_GENERATE);
	assert_rv(ck_card_mechanism_info(&c, CKM_ECDSA, &info), CKR_OK);
	expect_eq(info.ulMinKeySize, 256);
	expect_eq(info.ulMaxKeySize, 521);
	expect_eq(info.flags & (CKF_SIGN | CKF_VERIFY | CKF_EC_OID),
		  CKF_SIGN | CKF_VERIFY | CKF_EC_OID);
	assert_rv(ck_card_mechanism_info(&c, CKM_DES3_CBC, &info),
		  CKR_MECHANISM_INVALID);
	expect_eq(c.card_rc, CKR_MECHANISM_INVALID);
}

static void get_attrs_all_and_asked(void **state)
{
	CK_ATTRIBUTE_TYPE asked[] = { CKA_CLASS, CKA_VALUE_LEN, CKA_SENSITIVE,
				      CKA_LABEL };
	CK_ATTRIBUTE_TYPE value = CKA_VALUE, modulus = CKA_MODULUS;
	struct ck_buf blob = { 0 }, secret = { 0 };
	struct ck_attrs t = { 0 }, a = { 0 };
	struct ck_card_ctx c;

	ctx_init(&c, true);
	set_ulong(&t, CKA_VALUE_LEN, 24);
	set_bool(&t, CKA_SENSITIVE, false);
	set_bytes(&t, CKA_LABEL, "a label", 7);
	assert_rv(ck_card_generate_key(&c, &aes_gen, &t, &blob), CKR_OK);
	ck_attrs_free(&t);
	assert_rv(ck_card_get_attrs(&c, &blob, NULL, 0, &a), CKR_OK);
	/* What the card adds, widened to host CK_ULONGs. */
	expect_eq(ck_attrs_ulong(&a, CKA_CLASS, 99), CKO_SECRET_KEY);
	expect_eq(ck_attrs_ulong(&a, CKA_KEY_TYPE, 99), CKK_AES);
	expect_eq(ck_attrs_get(&a, CKA_KEY_TYPE)->ulValueLen, sizeof(CK_ULONG));
	expect_eq(ck_attrs_ulong(&a, CKA_KEY_GEN_MECHANISM, 99), CKM_AES_KEY_GEN);
	expect_eq(ck_attrs_bool(&a, CKA_LOCAL, false), true);
	expect_eq(ck_attrs_bool(&a, CKA_SENSITIVE, true), false);
	/* All attributes: no key value. */
	assert_null(ck_attrs_get(&a, CKA_VALUE));
	assert_rv(ck_card_get_attrs(&c, &blob, asked, 4, &a), CKR_OK);
	expect_eq(a.n, 4);
	expect_eq(ck_attrs_ulong(&a, CKA_VALUE_LEN, 0), 24);
	expect_mem(ck_attrs_get(&a, CKA_LABEL)->pValue, "a label", 7);
	assert_rv(ck_card_get_attrs(&c, &blob, &value, 1, &a), CKR_OK);
	expect_eq(ck_attrs_get(&a, CKA_VALUE)->ulValueLen, 24);
	assert_rv(ck_card_get_attrs(&c, &blob, &modulus, 1, &a),
		  CKR_ATTRIBUTE_TYPE_INVALID);
	/* A failure leaves the output as it was. */
	expect_eq(a.n, 1);
	gen_aes(&c, 16, false, &secret);
	assert_rv(ck_card_get_attrs(&c, &secret, &value, 1, &a),
		  CKR_ATTRIBUTE_SENSITIVE);
	expect_eq(c.card_rc, CKR_ATTRIBUTE_SENSITIVE);
	ck_attrs_free(&a);
	ck_buf_free(&blob);
	ck_buf_free(&secret);
}

static void module_info_and_wkid_go_unbound(void **state)
{
	char serial[16];
	uint32_t api, maj, min;
	uint8_t wkid[16], want[16];
	struct ck_card_ctx c;

	/* A bound context too: get_xcp_info has no bound form. */
	ctx_init(&c, true);
	assert_rv(ck_card_module_info(&c, serial, &api, &maj, &min), CKR_OK);
	expect_eq(k.last_handle, 0);
	expect_eq(k.last_domain, D_UNBOUND);
	expect_mem(serial, fw_serial(k.fw), 16);
	expect_eq(api, EP11_API_ORDINAL);
	expect_eq(maj, 1);
	expect_eq(min, 0);
	assert_rv(ck_card_wkid(&c, wkid), CKR_OK);
	assert_int_equal(fw_wkid(k.fw, D_UNBOUND, want), 0);
	expect_mem(wkid, want, 16);
	c.apqn.domain = D_SESSION;
	assert_rv(ck_card_wkid(&c, wkid), CKR_OK);
	assert_int_equal(fw_wkid(k.fw, D_SESSION, want), 0);
	expect_mem(wkid, want, 16);
}

static void bound_and_unbound_requests_go_where_they_should(void **state)
{
	static const char msg[] = "x";
	CK_MECHANISM m = { CKM_ECDSA, NULL, 0 };
	struct ck_card_ctx bound, unbound;
	struct ck_buf sig = { 0 };
	struct pair p = { 0 };

	ctx_init(&bound, true);
	ctx_init(&unbound, false);
	gen_pair(&unbound, &ec_gen, P256, sizeof(P256) - 1, &p);
	expect_eq(k.last_handle, 0);
	expect_eq(k.last_domain, D_UNBOUND);
	assert_rv(ck_card_sign(&unbound, &m, &p.priv, msg, 1, &sig), CKR_OK);
	/*
	 * Bound, the request goes to the session's APQN, whose wrapping key
	 * is another: the card says so, and the reply's domain (not the
	 * context's) is the one card.c checks.
	 */
	assert_rv(ck_card_sign(&bound, &m, &p.priv, msg, 1, &sig),
		  CKR_DEVICE_ERROR);
	expect_eq(bound.card_rc, CKR_VENDOR_DEFINED + 0x10001);
	expect_eq(k.last_handle, HANDLE);
	assert_true(k.last_any_apqn);
	expect_eq(k.last_domain, D_SESSION);
	pair_free(&p);
	ck_buf_free(&sig);
}

static void card_codes_and_errnos_are_mapped(void **state)
{
	struct ck_attrs t = { 0 };
	struct ck_buf blob = { 0 };
	struct ck_card_ctx c;
	unsigned char r[4];

	ctx_init(&c, true);
	/* No CKA_VALUE_LEN: the card's CKR_TEMPLATE_INCOMPLETE. */
	assert_rv(ck_card_generate_key(&c, &aes_gen, &t, &blob),
		  CKR_TEMPLATE_INCOMPLETE);
	expect_eq(c.card_rc, CKR_TEMPLATE_INCOMPLETE);
	expect_eq(c.err, 0);
	set_bytes(&t, CKA_MODULUS, "\x01", 1);
	set_ulong(&t, CKA_VALUE_LEN, 16);
	assert_rv(ck_card_generate_key(&c, &aes_gen, &t, &blob),
		  CKR_ATTRIBUTE_READ_ONLY);
	ck_attrs_free(&t);
	assert_null(blob.p);
	/* The kernel's errnos: the raw one kept, no card code. */
	k.fail = -ENODEV;
	k.fail_n = 2;
	assert_rv(ck_card_random(&c, r, 4), CKR_DEVICE_REMOVED);
	expect_eq(c.err, -ENODEV);
	expect_eq(c.card_rc, 0);
	k.fail = -ESTALE;
	assert_rv(ck_card_random(&c, r, 4), CKR_USER_NOT_LOGGED_IN);
	expect_eq(c.err, -ESTALE);
	/* An unknown handle. */
	c.handle = HANDLE + 1;
	assert_rv(ck_card_random(&c, r, 4),
		  ck_errno_to_rv(-ENOENT, CK_OP_SEND));
	expect_eq(c.err, -ENOENT);
	/* The outputs of the last call only. */
	ctx_init(&c, true);
	assert_rv(ck_card_random(&c, r, 4), CKR_OK);
	expect_eq(c.err, 0);
	expect_eq(c.card_rc, 0);
}

static void bound_request_goes_once_more_after_a_transport_failure(void **state)
{
	static const int errs[] = { -ENODEV, -EIO, -ETIMEDOUT };
	struct ck_card_ctx c;
	unsigned char r[4];
	unsigned int i, calls, sends;

	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		/* Failed once: the second try is the answer. */
		ctx_init(&c, true);
		calls = k.calls;
		sends = k.sends;
		k.fail = errs[i];
		k.fail_n = 1;
		assert_rv(ck_card_random(&c, r, 4), CKR_OK);
		expect_eq(k.calls - calls, 2);
		expect_eq(k.sends - sends, 1);
		expect_eq(c.err, 0);
		/* Failed twice: no third try, the second's errno kept. */
		calls = k.calls;
		k.fail = errs[i];
		k.fail_n = 2;
		assert_rv(ck_card_random(&c, r, 4),
			  ck_errno_to_rv(errs[i], CK_OP_SEND));
		expect_eq(k.calls - calls, 2);
		expect_eq(c.err, errs[i]);
		k.fail = 0;
		k.fail_n = 0;
	}
	/* Other errnos are the answer at once. */
	calls = k.calls;
	k.fail = -ESTALE;
	assert_rv(ck_card_random(&c, r, 4), CKR_USER_NOT_LOGGED_IN);
	expect_eq(k.calls - calls, 1);
	/* Unbound: ck_slot_call() tries the slot's other APQNs instead. */
	ctx_init(&c, false);
	calls = k.calls;
	k.fail = -ENODEV;
	assert_rv(ck_card_random(&c, r, 4), CKR_DEVICE_REMOVED);
	expect_eq(k.calls - calls, 1);
}

static void session_closed_goes_once_more_while_the_kernel_holds_it(void **state)
{
	struct ck_card_ctx c;
	unsigned char r[4];
	unsigned int calls, asked;

	/* The card restarted and forgot the session; the kernel did not. */
	assert_int_equal(fw_session_logout(k.fw, D_SESSION, k.pinblob),
			 EP11_CKR_OK);
	ctx_init(&c, true);
	calls = k.calls;
	asked = k.live_asked;
	k.live = 1;
	k.relogin = true;
	assert_rv(ck_card_random(&c, r, 4), CKR_OK);
	expect_eq(k.calls - calls, 2);
	expect_eq(k.live_asked - asked, 1);
	expect_eq(c.card_rc, 0);

	/* The kernel no longer holds it live: the card's answer stands. */
	k.relogin = false;
	assert_int_equal(fw_session_logout(k.fw, D_SESSION, k.pinblob),
			 EP11_CKR_OK);
	k.live = 0;
	calls = k.calls;
	assert_rv(ck_card_random(&c, r, 4), CKR_DEVICE_ERROR);
	expect_eq(c.card_rc, EP11_CKR_SESSION_CLOSED);
	expect_eq(k.calls - calls, 1);

	/* Live, but the card still does not know it: one retry only. */
	k.live = 1;
	calls = k.calls;
	asked = k.live_asked;
	assert_rv(ck_card_random(&c, r, 4), CKR_DEVICE_ERROR);
	expect_eq(c.card_rc, EP11_CKR_SESSION_CLOSED);
	expect_eq(k.calls - calls, 2);
	expect_eq(k.live_asked - asked, 1);

	/* A transport failure and then CKR_SESSION_CLOSED: still one retry. */
	calls = k.calls;
	k.fail = -ENODEV;
	assert_rv(ck_card_random(&c, r, 4), CKR_DEVICE_ERROR);
	expect_eq(k.calls - calls, 2);

	/* The session back for the tests that follow. */
	assert_int_equal(fw_session_login(k.fw, D_SESSION, card_pin,
					  sizeof(card_pin) - 1, NULL, 0,
					  k.pinblob), EP11_CKR_OK);
}

/*
 * A kernel with EP11SESS_FEAT_RELOGIN says whether it logged the session
 * in again after the card's CKR_SESSION_CLOSED: only then does the
 * request go once more (a key blob bound to another session gets
 * CKR_SESSION_CLOSED from a card that knows the session).
 */
static void session_closed_goes_once_more_when_logged_in_again(void **state)
{
	struct ck_card_ctx c;
	unsigned char r[4];
	unsigned int calls, asked;

	dev.features = EP11SESS_FEAT_RELOGIN;
	/* The card forgot the session; the kernel logs it in again. */
	assert_int_equal(fw_session_logout(k.fw, D_SESSION, k.pinblob),
			 EP11_CKR_OK);
	ctx_init(&c, true);
	calls = k.calls;
	asked = k.live_asked;
	k.live = 1;
	k.relogin_send = true;
	assert_rv(ck_card_random(&c, r, 4), CKR_OK);
	expect_eq(k.calls - calls, 2);
	expect_eq(k.live_asked - asked, 0);

	/* CKR_SESSION_CLOSED, the session live, not logged in again. */
	k.relogin_send = false;
	assert_int_equal(fw_session_logout(k.fw, D_SESSION, k.pinblob),
			 EP11_CKR_OK);
	calls = k.calls;
	assert_rv(ck_card_random(&c, r, 4), CKR_DEVICE_ERROR);
	expect_eq(c.card_rc, EP11_CKR_SESSION_CLOSED);
	expect_eq(k.calls - calls, 1);
	expect_eq(k.live_asked - asked, 0);

	dev.features = 0;
	assert_int_equal(fw_session_login(k.fw, D_SESSION, card_pin,
					  sizeof(card_pin) - 1, NULL, 0,
					  k.pinblob), EP11_CKR_OK);
}

/* The functions libcryptoki sends may run twice; others may not. */
static void only_repeatable_functions_go_again(void **state)
{
	static const uint16_t again[] = {
		EP11_FN_GENERATE_RANDOM, EP11_FN_DIGEST_SINGLE,
		EP11_FN_ENCRYPT_SINGLE, EP11_FN_DECRYPT_SINGLE,
		EP11_FN_SIGN_SINGLE, EP11_FN_VERIFY_SINGLE, EP11_FN_WRAP_KEY,
		EP11_FN_UNWRAP_KEY, EP11_FN_GENERATE_KEY,
		EP11_FN_GENERATE_KEY_PAIR, EP11_FN_DERIVE_KEY,
		EP11_FN_GET_ATTRIBUTE_VALUE, EP11_FN_GET_MECHANISM_LIST,
		EP11_FN_GET_MECHANISM_INFO, EP11_FN_GET_XCP_INFO,
	};
	static const uint16_t once[] = {
		EP11_FN_SEED_RANDOM, EP11_FN_ADMIN, EP11_FN_LOGIN,
		EP11_FN_LOGOUT, EP11_FN_SET_ATTRIBUTE_VALUE, 0xffff,
	};
	unsigned int i;

	for (i = 0; i < sizeof(again) / sizeof(again[0]); i++)
		if (!ck_card_may_repeat(again[i]))
			fail_msg("function %u is not sent again", again[i]);
	for (i = 0; i < sizeof(once) / sizeof(once[0]); i++)
		if (ck_card_may_repeat(once[i]))
			fail_msg("function %u is sent again", once[i]);
}

static void bad_arguments_never_reach_the_card(void **state)
{
	CK_MECHANISM m = { CKM_AES_ECB, NULL, 0 };
	struct ck_buf empty = { 0 }, out = { 0 }, blob = { 0 };
	CK_MECHANISM_TYPE *list;
	struct ck_card_ctx c;
	unsigned int before = k.sends;

	ctx_init(&c, true);
	blob.p = (unsigned char *)"x";
	blob.n = 1;
	assert_rv(ck_card_encrypt(&c, &m, &empty, "a", 1, &out),
		  CKR_ARGUMENTS_BAD);
	assert_rv(ck_card_encrypt(&c, &m, &blob, NULL, 1, &out),
		  CKR_ARGUMENTS_BAD);
	assert_rv(ck_card_encrypt(&c, NULL, &blob, "a", 1, &out),
		  CKR_ARGUMENTS_BAD);
	assert_rv(ck_card_sign(NULL, &m, &blob, "a", 1, &out),
		  CKR_ARGUMENTS_BAD);
	assert_rv(ck_card_verify(&c, &m, &blob, "a", 1, NULL, 4),
		  CKR_ARGUMENTS_BAD);
	assert_rv(ck_card_get_attrs(&c, &blob, NULL, 2, NULL),
		  CKR_ARGUMENTS_BAD);
	assert_rv(ck_card_mechanisms(&c, &list, NULL), CKR_ARGUMENTS_BAD);
	assert_rv(ck_card_unwrap(&c, &m, &blob, NULL, 5, NULL, &out),
		  CKR_ARGUMENTS_BAD);
	/* Data no message can carry. */
	{
		size_t big = EP11_MAX_MSG_LEN;
		unsigned char *p = calloc(1, big);

		assert_non_null(p);
		assert_rv(ck_card_encrypt(&c, &m, &blob, p, big, &out),
			  CKR_DATA_LEN_RANGE);
		assert_rv(ck_card_decrypt(&c, &m, &blob, p, big, &out),
			  CKR_ENCRYPTED_DATA_LEN_RANGE);
		assert_rv(ck_card_digest(&c, CKM_SHA256, p, big, &out),
			  CKR_DATA_LEN_RANGE);
		free(p);
	}
	expect_eq(k.sends, before);
	assert_null(out.p);
}

/* The "malformed" group: replies bent on their way back. */

static struct keys {
	struct ck_buf aes, kek, wrapped, cbc_ct;
	struct pair ec;
	struct ck_buf ec_sig;
} K;

static const unsigned char iv16[16] = "0123456789abcdef";
static const CK_MECHANISM cbc = { CKM_AES_CBC, (void *)iv16, 16 };
static const CK_MECHANISM kwm = { CKM_AES_KEY_WRAP, NULL, 0 };
static const CK_MECHANISM ecdsa = { CKM_ECDSA_SHA256, NULL, 0 };

static int malformed_up(void **state)
{
	struct ck_card_ctx c;
	struct ck_attrs pub = { 0 }, t = { 0 };

	if (card_up(state))
		return -1;
	ctx_init(&c, true);
	ck_attrs_set_ulong(&t, CKA_VALUE_LEN, 16);
	ck_attrs_set_bool(&t, CKA_SENSITIVE, false);
	ck_attrs_set(&pub, CKA_EC_PARAMS, P256, sizeof(P256) - 1);
	if (ck_card_generate_key(&c, &aes_gen, &t, &K.aes) ||
	    ck_card_generate_key(&c, &aes_gen, &t, &K.kek) ||
	    ck_card_wrap(&c, &kwm, &K.kek, &K.aes, &K.wrapped) ||
	    ck_card_encrypt(&c, &cbc, &K.aes, iv16, 16, &K.cbc_ct) ||
	    ck_card_generate_key_pair(&c, &ec_gen, &pub, NULL, &K.ec.priv,
				      &K.ec.pub, &K.ec.spki) ||
	    ck_card_sign(&c, &ecdsa, &K.ec.priv, "m", 1, &K.ec_sig))
		return -1;
	ck_attrs_free(&pub);
	ck_attrs_free(&t);
	return 0;
}

static int malformed_down(void **state)
{
	ck_buf_free(&K.aes);
	ck_buf_free(&K.kek);
	ck_buf_free(&K.wrapped);
	ck_buf_free(&K.cbc_ct);
	ck_buf_free(&K.ec_sig);
	pair_free(&K.ec);
	return card_down(state);
}

/*
 * One call of each function.  Returns its code; *@touched tells whether
 * it changed its outputs (which only success may do).
 */
typedef CK_RV (*op_fn)(struct ck_card_ctx *c, bool *touched);

static CK_RV op_random(struct ck_card_ctx *c, bool *touched)
{
	unsigned char r[100];
	static const unsigned char zero[100];
	CK_RV rv;

	memset(r, 0, sizeof(r));
	rv = ck_card_random(c, r, sizeof(r));
	*touched = memcmp(r, zero, sizeof(r)) != 0;
	return rv;
}

static CK_RV op_digest(struct ck_card_ctx *c, bool *touched)
{
	struct ck_buf out = { 0 };
	CK_RV rv = ck_card_digest(c, CKM_SHA256, "abc", 3, &out);

	*touched = out.p != NULL;
	ck_buf_free(&out);
	return rv;
}

static CK_RV op_generate_key(struct ck_card_ctx *c, bool *touched)
{
	struct ck_attrs t = { 0 };
	struct ck_buf out = { 0 };
	CK_RV rv;

	ck_attrs_set_ulong(&t, CKA_VALUE_LEN, 16);
	rv = ck_card_generate_key(c, &aes_gen, &t, &out);
	*touched = out.p != NULL;
	ck_buf_free(&out);
	ck_attrs_free(&t);
	return rv;
}

static CK_RV op_generate_key_pair(struct ck_card_ctx *c, bool *touched)
{
	struct ck_attrs pub = { 0 };
	struct pair p = { 0 };
	CK_RV rv;

	ck_attrs_set(&pub, CKA_EC_PARAMS, P256, sizeof(P256) - 1);
	rv = ck_card_generate_key_pair(c, &ec_gen, &pub, NULL, &p.priv, &p.pub,
				       &p.spki);
	*touched = p.priv.p || p.pub.p || p.spki.p;
	pair_free(&p);
	ck_attrs_free(&pub);
	return rv;
}

static CK_RV op_sign(struct ck_card_ctx *c, bool *touched)
{
	struct ck_buf out = { 0 };
	CK_RV rv = ck_card_sign(c, &ecdsa, &K.ec.priv, "m", 1, &out);

	*touched = out.p != NULL;
	ck_buf_free(&out);
	return rv;
}

static CK_RV op_verify(struct ck_card_ctx *c, bool *touched)
{
	*touched = false;
	return ck_card_verify(c, &ecdsa, &K.ec.pub, "m", 1, K.ec_sig.p,
			      K.ec_sig.n);
}

static CK_RV op_encrypt(struct ck_card_ctx *c, bool *touched)
{
	struct ck_buf out = { 0 };
	CK_RV rv = ck_card_encrypt(c, &cbc, &K.aes, iv16, 16, &out);

	*touched = out.p != NULL;
	ck_buf_free(&out);
	return rv;
}

static CK_RV op_decrypt(struct ck_card_ctx *c, bool *touched)
{
	struct ck_buf out = { 0 };
	CK_RV rv = ck_card_decrypt(c, &cbc, &K.aes, K.cbc_ct.p, K.cbc_ct.n,
				   &out);

	*touched = out.p != NULL;
	ck_buf_free(&out);
	return rv;
}

static CK_RV op_wrap(struct ck_card_ctx *c, bool *touched)
{
	struct ck_buf out = { 0 };
	CK_RV rv = ck_card_wrap(c, &kwm, &K.kek, &K.aes, &out);

	*touched = out.p != NULL;
	ck_buf_free(&out);
	return rv;
}

static CK_RV op_unwrap(struct ck_card_ctx *c, bool *touched)
{
	struct ck_attrs t = { 0 };
	struct ck_buf out = { 0 };
	CK_RV rv;

	ck_attrs_set_ulong(&t, CKA_CLASS, CKO_SECRET_KEY);
	ck_attrs_set_ulong(&t, CKA_KEY_TYPE, CKK_AES);
	rv = ck_card_unwrap(c, &kwm, &K.kek, K.wrapped.p, K.wrapped.n, &t,
			    &out);
	*touched = out.p != NULL;
	ck_buf_free(&out);
	ck_attrs_free(&t);
	return rv;
}

static CK_RV op_get_attrs(struct ck_card_ctx *c, bool *touched)
{
	static const CK_ATTRIBUTE_TYPE asked[] = { CKA_CLASS, CKA_VALUE_LEN,
						   CKA_VALUE };
	struct ck_attrs a = { 0 };
	CK_RV rv = ck_card_get_attrs(c, &K.aes, asked, 3, &a);

	*touched = a.n != 0;
	ck_attrs_free(&a);
	return rv;
}

static CK_RV op_get_all_attrs(struct ck_card_ctx *c, bool *touched)
{
	struct ck_attrs a = { 0 };
	CK_RV rv = ck_card_get_attrs(c, &K.ec.pub, NULL, 0, &a);

	*touched = a.n != 0;
	ck_attrs_free(&a);
	return rv;
}

static CK_RV op_mechanisms(struct ck_card_ctx *c, bool *touched)
{
	CK_MECHANISM_TYPE *l = NULL;
	size_t n = 0;
	CK_RV rv = ck_card_mechanisms(c, &l, &n);

	*touched = l != NULL || n;
	free(l);
	return rv;
}

static CK_RV op_mechanism_info(struct ck_card_ctx *c, bool *touched)
{
	CK_MECHANISM_INFO i = { 0 };
	CK_RV rv = ck_card_mechanism_info(c, CKM_AES_GCM, &i);

	*touched = i.ulMinKeySize || i.ulMaxKeySize || i.flags;
	return rv;
}

static CK_RV op_module_info(struct ck_card_ctx *c, bool *touched)
{
	char serial[16] = { 0 };
	uint32_t api = 0, maj = 0, min = 0;
	CK_RV rv = ck_card_module_info(c, serial, &api, &maj, &min);

	*touched = serial[0] || api || maj || min;
	return rv;
}

static CK_RV op_wkid(struct ck_card_ctx *c, bool *touched)
{
	static const uint8_t zero[16];
	uint8_t w[16] = { 0 };
	CK_RV rv = ck_card_wkid(c, w);

	*touched = memcmp(w, zero, 16) != 0;
	return rv;
}

static const struct op {
	const char *name;
	op_fn fn;
} ops[] = {
	{ "GenerateRandom", op_random },
	{ "DigestSingle", op_digest },
	{ "GenerateKey", op_generate_key },
	{ "GenerateKeyPair", op_generate_key_pair },
	{ "SignSingle", op_sign },
	{ "VerifySingle", op_verify },
	{ "EncryptSingle", op_encrypt },
	{ "DecryptSingle", op_decrypt },
	{ "WrapKey", op_wrap },
	{ "UnwrapKey", op_unwrap },
	{ "GetAttributeValue", op_get_attrs },
	{ "GetAttributeValue (all)", op_get_all_attrs },
	{ "GetMechanismList", op_mechanisms },
	{ "GetMechanismInfo", op_mechanism_info },
	{ "get_xcp_info MODULE", op_module_info },
	{ "get_xcp_info DOMAIN", op_wkid },
};

#define NOPS	(sizeof(ops) / sizeof(ops[0]))

/* Runs @o under the current mutation; it must fail with CKR_DEVICE_ERROR. */
static void expect_device_error(const struct op *o, const char *what,
				size_t at)
{
	struct ck_card_ctx c;
	bool touched = false;
	CK_RV rv;

	ctx_init(&c, true);
	mut.changed = false;
	rv = o->fn(&c, &touched);
	if (mut.kind == M_REWRITE && !mut.changed)
		fail_msg("%s, %s %zu: the reply was not changed", o->name,
			 what, at);
	if (rv != CKR_DEVICE_ERROR)
		fail_msg("%s, %s %zu: expected CKR_DEVICE_ERROR, got 0x%lx",
			 o->name, what, at, rv);
	if (touched)
		fail_msg("%s, %s %zu: expected the outputs untouched", o->name,
			 what, at);
}

/* The good reply's length and result count, from an unbent run. */
static size_t good_reply(const struct op *o, unsigned int *nres)
{
	struct ck_card_ctx c;
	bool touched;

	mut_reset();
	ctx_init(&c, true);
	assert_rv(o->fn(&c, &touched), CKR_OK);
	*nres = k.last_nres;
	return k.last_rep_len;
}

static void truncated_at_every_byte(void **state)
{
	unsigned int nres;
	size_t i, len, at;

	for (i = 0; i < NOPS; i++) {
		len = good_reply(&ops[i], &nres);
		for (at = 0; at < len; at++) {
			mut_reset();
			mut.kind = M_TRUNC;
			mut.at = at;
			expect_device_error(&ops[i], "cut at", at);
			mut.kind = M_TRUNC_FRAMED;
			expect_device_error(&ops[i], "cut, header fixed, at", at);
		}
	}
	mut_reset();
}

static void wrong_function_or_domain_echo(void **state)
{
	static const struct {
		const char *what;
		u32 fn, dom, hdr;
	} bends[] = {
		{ "function + 1", 1, 0, 0 },
		{ "function of another API ordinal", 0x00010000, 0, 0 },
		{ "function 0 (a request that did not parse)", 0, 0, 0 },
		{ "payload domain", 0, 1, 0 },
		{ "header domain", 0, 0, 1 },
		{ "both domains", 0, 1, 1 },
	};
	unsigned int nres;
	size_t i, j;

	for (i = 0; i < NOPS; i++) {
		good_reply(&ops[i], &nres);
		for (j = 0; j < sizeof(bends) / sizeof(bends[0]); j++) {
			mut_reset();
			mut.kind = M_REWRITE;
			mut.fn_xor = bends[j].fn;
			mut.dom_xor = bends[j].dom;
			mut.hdr_dom_xor = bends[j].hdr;
			mut.fn_zero = j == 2;
			expect_device_error(&ops[i], bends[j].what, j);
		}
	}
	mut_reset();
}

static void extra_or_missing_results(void **state)
{
	unsigned int nres;
	size_t i;

	for (i = 0; i < NOPS; i++) {
		good_reply(&ops[i], &nres);
		mut_reset();
		mut.kind = M_REWRITE;
		mut.add_extra = true;
		expect_device_error(&ops[i], "one result more, results", nres);
		if (!nres)
			continue;
		mut_reset();
		mut.kind = M_REWRITE;
		mut.drop_last = true;
		expect_device_error(&ops[i], "one result less, results", nres);
		/* A failure code with results is no reply of the card's. */
		mut_reset();
		mut.kind = M_REWRITE;
		mut.set_rc = true;
		mut.rc = CKR_MECHANISM_INVALID;
		expect_device_error(&ops[i], "failure with results", nres);
	}
	mut_reset();
}

static void transport_codes(void **state)
{
	size_t i;

	for (i = 0; i < NOPS; i++) {
		mut_reset();
		mut.kind = M_BUSY;
		expect_device_error(&ops[i], "busy, header only", 0);
		/* A transport code on a reply that has its payload. */
		mut.kind = M_REWRITE;
		mut.cprb_rc = EP11_CPRB_RC_BUSY;
		expect_device_error(&ops[i], "busy with a payload", 0);
		mut.cprb_rc = 0x00080010;
		expect_device_error(&ops[i], "a transport failure with a payload",
				    0);
	}
	mut_reset();
}

static unsigned char big[CK_CARD_MAX_BLOB + 1];

static void blob_larger_than_the_limit(void **state)
{
	static const struct {
		size_t op;
		int res;
	} blobs[] = {
		{ 2, 0 },	/* GenerateKey's blob */
		{ 3, 0 },	/* GenerateKeyPair's private key blob */
		{ 3, 1 },	/* its public key blob */
		{ 9, 0 },	/* UnwrapKey's blob */
	};
	struct ck_card_ctx c;
	bool touched;
	size_t i;

	memset(big, 0x5a, sizeof(big));
	for (i = 0; i < sizeof(blobs) / sizeof(blobs[0]); i++) {
		const struct op *o = &ops[blobs[i].op];

		mut_reset();
		mut.kind = M_REWRITE;
		mut.res = blobs[i].res;
		mut.res_p = big;
		mut.res_n = CK_CARD_MAX_BLOB + 1;
		expect_device_error(o, "a blob of 16385 bytes, result",
				    blobs[i].res);
		/* The limit itself is a blob. */
		mut.res_n = CK_CARD_MAX_BLOB;
		ctx_init(&c, true);
		assert_rv(o->fn(&c, &touched), CKR_OK);
		/* An empty blob is none. */
		mut.res_n = 0;
		expect_device_error(o, "an empty blob, result", blobs[i].res);
	}
	mut_reset();
}

/* Replaces the only result of op @i's reply by @n bytes of @p. */
static void result_is(size_t i, const void *p, size_t n, const char *what)
{
	mut_reset();
	mut.kind = M_REWRITE;
	mut.res = 0;
	mut.res_p = p;
	mut.res_n = n;
	expect_device_error(&ops[i], what, n);
}

static void results_of_the_wrong_size(void **state)
{
	static const unsigned char t_extra[] =	/* CLASS, VALUE_LEN, VALUE, LABEL */
		"\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x04"
		"\x00\x00\x01\x61\x00\x00\x00\x04\x00\x00\x00\x10"
		"\x00\x00\x00\x11\x00\x00\x00\x01" "k"
		"\x00\x00\x00\x03\x00\x00\x00\x00";
	static const unsigned char t_missing[] = /* CLASS, VALUE_LEN */
		"\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x04"
		"\x00\x00\x01\x61\x00\x00\x00\x04\x00\x00\x00\x10";
	static const unsigned char t_bad[] = /* CLASS of 2 bytes, ... */
		"\x00\x00\x00\x00\x00\x00\x00\x02\x00\x04"
		"\x00\x00\x01\x61\x00\x00\x00\x04\x00\x00\x00\x10"
		"\x00\x00\x00\x11\x00\x00\x00\x01" "k";
	static const unsigned char t_twice[] =	/* CLASS twice */
		"\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x04"
		"\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x04"
		"\x00\x00\x00\x11\x00\x00\x00\x01" "k";
	unsigned char r[CK_CARD_MAX_RANDOM + 1] = { 0 };

	result_is(0, r, 99, "random bytes, fewer than asked:");
	result_is(0, r, 101, "random bytes, more than asked:");
	result_is(1, r, 31, "a SHA-256 digest of");
	result_is(1, r, 33, "a SHA-256 digest of");
	result_is(4, r, 0, "a signature of");
	result_is(8, r, 0, "a wrapped key of");
	result_is(10, t_extra, sizeof(t_extra) - 1, "a template with one more type:");
	result_is(10, t_missing, sizeof(t_missing) - 1, "a template with one type less:");
	result_is(10, t_bad, sizeof(t_bad) - 1, "a template with a bad CK_ULONG:");
	result_is(10, t_twice, sizeof(t_twice) - 1, "a template with a type twice:");
	result_is(11, t_bad, sizeof(t_bad) - 1, "all attributes, a bad CK_ULONG:");
	result_is(12, r, 7, "a mechanism list of");
	result_is(13, r, 8, "a mechanism's minimum key size of");
	result_is(14, "EP11EMU\x01" "00000000", 16, "a serial number with a control character:");
	result_is(15, r, 15, "a WKID of");
	mut_reset();
}

static void results_of_the_wrong_size_in_the_middle(void **state)
{
	unsigned char r[8] = { 0 };

	/* Each of GetMechanismInfo's three integers. */
	mut_reset();
	mut.kind = M_REWRITE;
	mut.res = 1;
	mut.res_p = r;
	mut.res_n = 3;
	expect_device_error(&ops[13], "a maximum key size of", 3);
	mut.res = 2;
	mut.res_n = 5;
	expect_device_error(&ops[13], "flags of", 5);
	/* GenerateKeyPair's SubjectPublicKeyInfo, empty. */
	mut.res = 2;
	mut.res_n = 0;
	expect_device_error(&ops[3], "a SubjectPublicKeyInfo of", 0);
	/* get_xcp_info MODULE's API ordinal, 2 bytes. */
	mut.res = 1;
	mut.res_n = 2;
	expect_device_error(&ops[14], "an API ordinal of", 2);
	mut_reset();
}

/* Every group, or those named on the command line. */
int main(int argc, char **argv)
{
	const struct CMUnitTest encode[] = {
		cmocka_unit_test(mech_without_parameter_is_the_type_alone),
		cmocka_unit_test(mech_parameter_null_with_a_length_is_refused),
		cmocka_unit_test(mech_cbc_takes_a_16_byte_iv),
		cmocka_unit_test(mech_gcm_is_ivlen_iv_aadlen_aad_tagbits),
		cmocka_unit_test(mech_pss_is_hash_mgf_slen),
		cmocka_unit_test(mech_oaep_source_and_label),
		cmocka_unit_test(mech_aes_key_wrap_iv_is_optional),
		cmocka_unit_test(mech_unknown_goes_only_without_parameter),
		cmocka_unit_test(template_wire_form),
		cmocka_unit_test(template_values_the_wire_cannot_carry),
		cmocka_unit_test(template_round_trip_widens_ulongs),
		cmocka_unit_test(template_decode_refuses_malformed),
	};
	const struct CMUnitTest card[] = {
		cmocka_unit_test(random_loops_in_chunks),
		cmocka_unit_test(digests_match_openssl),
		cmocka_unit_test(aes_ciphers_match_openssl),
		cmocka_unit_test(gcm_tag_bits_are_the_cards_to_judge),
		cmocka_unit_test(ec_and_ed25519_sign_and_verify),
		cmocka_unit_test(rsa_2048_signs_encrypts_and_decrypts),
		cmocka_unit_test(aes_key_wrap_and_unwrap),
		cmocka_unit_test(mechanism_list_and_info),
		cmocka_unit_test(get_attrs_all_and_asked),
		cmocka_unit_test(module_info_and_wkid_go_unbound),
		cmocka_unit_test(bound_and_unbound_requests_go_where_they_should),
		cmocka_unit_test(card_codes_and_errnos_are_mapped),
		cmocka_unit_test(bound_request_goes_once_more_after_a_transport_failure),
		cmocka_unit_test(session_closed_goes_once_more_while_the_kernel_holds_it),
		cmocka_unit_test(session_closed_goes_once_more_when_logged_in_again),
		cmocka_unit_test(only_repeatable_functions_go_again),
		cmocka_unit_test(bad_arguments_never_reach_the_card),
	};
	const struct CMUnitTest malformed[] = {
		cmocka_unit_test(truncated_at_every_byte),
		cmocka_unit_test(wrong_function_or_domain_echo),
		cmocka_unit_test(extra_or_missing_results),
		cmocka_unit_test(transport_codes),
		cmocka_unit_test(blob_larger_than_the_limit),
		cmocka_unit_test(results_of_the_wrong_size),
		cmocka_unit_test(results_of_the_wrong_size_in_the_middle),
	};
	bool w_encode = argc < 2, w_card = argc < 2, w_malformed = argc < 2;
	int failed = 0, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "encode")) {
			w_encode = true;
		} else if (!strcmp(argv[i], "card")) {
			w_card = true;
		} else if (!strcmp(argv[i], "malformed")) {
			w_malformed = true;
		} else {
			fprintf(stderr, "usage: %s [encode|card|malformed]...\n",
				argv[0]);
			return 2;
		}
	}
	if (w_encode)
		failed |= cmocka_run_group_tests_name("encode", encode, NULL,
						      NULL);
	if (w_card)
		failed |= cmocka_run_group_tests_name("card", card, card_up,
						      card_down);
	if (w_malformed)
		failed |= cmocka_run_group_tests_name("malformed", malformed,
						      malformed_up,
						      malformed_down);
	return failed ? 1 : 0;
}
