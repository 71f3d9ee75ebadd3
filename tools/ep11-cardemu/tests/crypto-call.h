/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calling the card's crypto functions the way the host does: requests
 * encoded with the kernel's codec, run through fw_handle(), replies
 * parsed and checked.  Mechanisms, templates and attribute lists are
 * built as docs/ep11-wire.md describes them.
 */
#ifndef EP11_TEST_CRYPTO_CALL_H
#define EP11_TEST_CRYPTO_CALL_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fixture.h"
#include "pkcs11_ids.h"

#define MAX_RESULTS	8

/* A byte string: a parameter, a result, a key blob. */
struct bytes {
	u8 p[FW_MAX_BLOB_LEN];
	size_t n;
};

/* Per thread, so that tests may call the card from several at once. */
static _Thread_local u8 call_req[EP11_MAX_MSG_LEN];
static _Thread_local u8 call_rep[EP11_MAX_MSG_LEN];
static _Thread_local struct bytes call_res[MAX_RESULTS];
static _Thread_local unsigned int call_nres;

static inline void be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline void bytes_set(struct bytes *b, const void *p, size_t n)
{
	memcpy(b->p, p, n);
	b->n = n;
}

static inline void bytes_add(struct bytes *b, const void *p, size_t n)
{
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static inline void bytes_u32(struct bytes *b, u32 v)
{
	be32(b->p + b->n, v);
	b->n += 4;
}

/* The mechanism parameter: u32 type, then the parameter bytes. */
static inline struct bytes *mech(u32 type, const void *param, size_t n)
{
	static _Thread_local struct bytes m;

	m.n = 0;
	bytes_u32(&m, type);
	if (n)
		bytes_add(&m, param, n);
	return &m;
}

/* The same, with the parameter bytes in @param, or none if @param is NULL. */
static inline struct bytes *mech_param(u32 type, const struct bytes *param)
{
	return mech(type, param ? param->p : NULL, param ? param->n : 0);
}

/* Templates: (u32 type, u32 length, value) triples. */
static inline void tmpl_bytes(struct bytes *t, u32 type, const void *v,
			      size_t n)
{
	bytes_u32(t, type);
	bytes_u32(t, n);
	bytes_add(t, v, n);
}

static inline void tmpl_bool(struct bytes *t, u32 type, bool v)
{
	u8 b = v;

	tmpl_bytes(t, type, &b, 1);
}

static inline void tmpl_ulong(struct bytes *t, u32 type, u32 v)
{
	u8 b[4];

	be32(b, v);
	tmpl_bytes(t, type, b, 4);
}

/*
 * Runs function @fnid with @n parameters (struct bytes *) on @dom, with
 * the pin blob @pinblob appended unless NULL.  The results land in
 * call_res[0 .. call_nres - 1].  Returns the reply's return code, or
 * 0xffffffff when the reply does not parse or answers something else.
 */
static inline u32 call_v(struct fw *fw, u16 dom, u16 fnid,
			 const u8 *pinblob, unsigned int n,
			 const struct bytes *const *params)
{
	struct ep11_wbuf b;
	struct ep11_msg m;
	const u8 *p;
	unsigned int i;
	size_t len;
	int r;

	ep11_wire_request_init(&b, call_req, sizeof(call_req), EP11_FN(fnid),
			       dom, 0);
	for (i = 0; i < n; i++)
		ep11_wire_put(&b, params[i]->p, params[i]->n);
	if (pinblob)
		ep11_wire_put(&b, pinblob, EP11_PINBLOB_LEN);
	r = ep11_wire_finish(&b);
	if (r < 0) {
		fprintf(stderr, "request does not encode: %d\n", r);
		return 0xffffffff;
	}
	r = fw_handle(fw, dom, call_req, r, call_rep, sizeof(call_rep));
	if (r < 0 || ep11_wire_parse_reply(call_rep, r, &m) ||
	    m.fn != EP11_FN(fnid) || m.fn_domain != dom) {
		fprintf(stderr, "reply to function %u does not parse\n", fnid);
		return 0xffffffff;
	}
	call_nres = 0;
	while (call_nres < MAX_RESULTS && !ep11_wire_next(&m, &p, &len))
		bytes_set(&call_res[call_nres++], p, len);
	if (m.rc && call_nres) {
		fprintf(stderr, "error reply %#x carries results\n", m.rc);
		return 0xfffffffe;
	}
	return m.rc;
}

#define CALL(fw, dom, fnid, pin, ...)					\
	call_v(fw, dom, fnid, pin,					\
	       sizeof((const struct bytes *[]){ __VA_ARGS__ }) /	\
	       sizeof(const struct bytes *),				\
	       (const struct bytes *const[]){ __VA_ARGS__ })

static const struct bytes no_bytes;

/* A u32 parameter. */
static inline struct bytes *u32_param(u32 v)
{
	static _Thread_local struct bytes b;

	b.n = 0;
	bytes_u32(&b, v);
	return &b;
}

/* A byte parameter from a literal string (without its NUL). */
static inline struct bytes *str_param(const char *s)
{
	static _Thread_local struct bytes b;

	bytes_set(&b, s, strlen(s));
	return &b;
}

/* Hex to bytes; returns the length. */
static inline size_t unhex(const char *hex, u8 *out)
{
	size_t n = 0;
	unsigned int v;

	while (hex[0] && hex[1] && sscanf(hex, "%2x", &v) == 1) {
		out[n++] = v;
		hex += 2;
	}
	return n;
}

static inline struct bytes *hex_param(const char *hex)
{
	static _Thread_local struct bytes b;

	b.n = unhex(hex, b.p);
	return &b;
}

/* Checks a result against hex. */
#define EXPECT_HEX(res, hex)						\
	do {								\
		const struct bytes *_hr = (res);			\
		u8 _hw[4096];						\
		size_t _hn = unhex(hex, _hw);				\
		EXPECT_EQ(_hr->n, _hn);					\
		if (_hr->n == _hn)					\
			EXPECT_MEM(_hr->p, _hw, _hn);			\
	} while (0)

/*
 * A secret key with a known value, sealed as the card would: class,
 * type, CKA_VALUE_LEN, every usage flag true, CKA_SENSITIVE false and
 * CKA_EXTRACTABLE true unless @extra overrides them (an attribute
 * template, may be NULL).
 */
static inline bool seal_secret(struct fw *fw, u16 dom, u32 key_type,
			       const char *hex, const struct bytes *extra,
			       struct bytes *blob)
{
	static const u32 usage[] = {
		CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_WRAP,
		CKA_UNWRAP, CKA_EXTRACTABLE,
	};
	struct fw_key key = { 0 };
	struct fw_attrs ex = { 0 };
	u8 v[512];
	size_t n = unhex(hex, v), i;
	u32 rc = 0;

	rc |= fw_attrs_set_ulong(&key.attrs, CKA_CLASS, CKO_SECRET_KEY);
	rc |= fw_attrs_set_ulong(&key.attrs, CKA_KEY_TYPE, key_type);
	rc |= fw_attrs_set_ulong(&key.attrs, CKA_VALUE_LEN, n);
	for (i = 0; i < ARRAY_SIZE(usage); i++)
		rc |= fw_attrs_set_bool(&key.attrs, usage[i], true);
	rc |= fw_attrs_set_bool(&key.attrs, CKA_SENSITIVE, false);
	if (extra)
		rc |= fw_attrs_parse(&ex, extra->p, extra->n);
	for (i = 0; i < ex.n; i++)
		rc |= fw_attrs_set(&key.attrs, ex.a[i].type, ex.a[i].val,
				   ex.a[i].len);
	rc |= fw_key_set_material(&key, v, n);
	rc |= fw_blob_seal(fw, dom, &key, blob->p, sizeof(blob->p),
			   &blob->n);
	fw_attrs_free(&ex);
	fw_key_free(&key);
	return !rc;
}

/* GenerateKey of an AES or generic secret key of @len bytes. */
static inline u32 gen_secret(struct fw *fw, u16 dom, u32 mechanism,
			     u32 len, const struct bytes *extra,
			     const u8 *pinblob, struct bytes *blob)
{
	struct bytes t = { .n = 0 };
	u32 rc;

	tmpl_ulong(&t, CKA_VALUE_LEN, len);
	if (extra)
		bytes_add(&t, extra->p, extra->n);
	rc = CALL(fw, dom, EP11_FN_GENERATE_KEY, pinblob,
		  mech(mechanism, NULL, 0), &t);
	if (!rc)
		*blob = call_res[0];
	return rc;
}

/* The DER CKA_EC_PARAMS of the curves. */
#define P256_PARAMS	"06082a8648ce3d030107"
#define P384_PARAMS	"06052b81040022"
#define P521_PARAMS	"06052b81040023"
#define ED25519_PARAMS	"06032b6570"

/**
 * struct key_pair - a generated key pair
 * @priv: private key blob
 * @pub:  public key blob
 * @spki: SubjectPublicKeyInfo
 */
struct key_pair {
	struct bytes priv;
	struct bytes pub;
	struct bytes spki;
};

/*
 * GenerateKeyPair: RSA of @bits (0: EC or Ed25519 of @ec_params hex),
 * with extra public and private template attributes (may be NULL).
 */
static inline u32 gen_pair(struct fw *fw, u16 dom, u32 mechanism, u32 bits,
			   const char *ec_params, const struct bytes *pub_extra,
			   const struct bytes *priv_extra, const u8 *pinblob,
			   struct key_pair *kp)
{
	struct bytes pt = { .n = 0 }, st = { .n = 0 };
	u8 params[64];
	u32 rc;

	if (bits)
		tmpl_ulong(&pt, CKA_MODULUS_BITS, bits);
	if (ec_params)
		tmpl_bytes(&pt, CKA_EC_PARAMS, params,
			   unhex(ec_params, params));
	if (pub_extra)
		bytes_add(&pt, pub_extra->p, pub_extra->n);
	if (priv_extra)
		bytes_add(&st, priv_extra->p, priv_extra->n);
	rc = CALL(fw, dom, EP11_FN_GENERATE_KEY_PAIR, pinblob,
		  mech(mechanism, NULL, 0), &pt, &st);
	if (rc)
		return rc;
	if (call_nres != 3) {
		fprintf(stderr, "GenerateKeyPair gave %u results, not 3\n",
			call_nres);
		return 0xfffffffd;
	}
	kp->priv = call_res[0];
	kp->pub = call_res[1];
	kp->spki = call_res[2];
	return rc;
}

/* The OpenSSL public key of a SubjectPublicKeyInfo. */
static inline EVP_PKEY *spki_pkey(const struct bytes *spki)
{
	const unsigned char *p = spki->p;

	return d2i_PUBKEY(NULL, &p, spki->n);
}

/* GetAttributeValue of one attribute; the value lands in @out. */
static inline u32 get_attr(struct fw *fw, u16 dom, const struct bytes *blob,
			   u32 type, struct bytes *out)
{
	struct bytes list = { .n = 0 };
	struct fw_attrs as = { 0 };
	const struct fw_attr *a;
	u32 rc;

	bytes_u32(&list, type);
	rc = CALL(fw, dom, EP11_FN_GET_ATTRIBUTE_VALUE, NULL, blob, &list);
	if (rc)
		return rc;
	if (call_nres != 1 || fw_attrs_parse(&as, call_res[0].p,
					     call_res[0].n))
		return 0xfffffffc;
	a = fw_attrs_find(&as, type);
	if (!a || as.n != 1)
		rc = 0xfffffffb;
	else
		bytes_set(out, a->val, a->len);
	fw_attrs_free(&as);
	return rc;
}

/* Logs in on @dom with the test PIN and @nonce. */
static inline u32 login_nonce(struct fw *fw, u16 dom, const char *nonce,
			      u8 pinblob[EP11_PINBLOB_LEN])
{
	return fw_session_login(fw, dom, test_pin, 8, (const u8 *)nonce,
				strlen(nonce), pinblob);
}

#endif /* EP11_TEST_CRYPTO_CALL_H */
