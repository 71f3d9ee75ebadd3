// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * card.c: the card's EP11 functions as C calls.  Every request is built
 * with the shared wire codec (driver/ep11_wire.h), sent with
 * ck_dev_send() and its reply checked before anything is taken from it:
 * the function and domain it answers, the number of results, and the
 * length of each.  Mechanisms and templates change from their PKCS#11
 * host form to the wire form of docs/ep11-wire.md here and only here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "card.h"
#include "ep11_wire.h"

/* The largest integer the wire carries (4 bytes, big-endian). */
#define WIRE_U32_MAX		0xffffffffUL
/* Room a request needs besides its parameters: header, SEQUENCE, fixed fields. */
#define REQ_OVERHEAD		(EP11_CPRB_LEN + 4 + 2 * (1 + 1 + 4))
/* Room one parameter needs besides its value: tag and longest length. */
#define PARAM_OVERHEAD		4

#define AES_BLOCK		16
#define KW_IV_LEN		8
#define KWP_IV_LEN		4

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void ck_buf_free(struct ck_buf *b)
{
	if (!b)
		return;
	OPENSSL_clear_free(b->p, b->n);
	b->p = NULL;
	b->n = 0;
}

/* Copies @n bytes into @b, which must be empty.  CKR_OK or CKR_HOST_MEMORY. */
static CK_RV buf_dup(struct ck_buf *b, const void *p, size_t n)
{
	b->p = OPENSSL_malloc(n ? n : 1);
	if (!b->p)
		return CKR_HOST_MEMORY;
	if (n)
		memcpy(b->p, p, n);
	b->n = n;
	return CKR_OK;
}

/* Replaces what @dst holds (cleared) by @src's buffer; @src is empty after. */
static void buf_move(struct ck_buf *dst, struct ck_buf *src)
{
	ck_buf_free(dst);
	*dst = *src;
	src->p = NULL;
	src->n = 0;
}

/* Mechanisms. */

/* The layout of a mechanism's parameter (docs/ep11-wire.md, "Mechanisms"). */
enum mech_param {
	MP_NONE,	/* none: ulParameterLen 0 */
	MP_IV,		/* the 16-byte IV of CBC and CBC-PAD */
	MP_GCM,		/* CK_GCM_PARAMS */
	MP_PSS,		/* CK_RSA_PKCS_PSS_PARAMS */
	MP_OAEP,	/* CK_RSA_PKCS_OAEP_PARAMS */
	MP_KW_IV,	/* AES key wrap: none, or an 8-byte IV */
	MP_KWP_IV,	/* AES key wrap with padding: none, or a 4-byte IV */
};

static const struct {
	CK_MECHANISM_TYPE type;
	enum mech_param param;
} mech_params[] = {
	{ CKM_SHA_1, MP_NONE },
	{ CKM_SHA224, MP_NONE },
	{ CKM_SHA256, MP_NONE },
	{ CKM_SHA384, MP_NONE },
	{ CKM_SHA512, MP_NONE },
	{ CKM_AES_KEY_GEN, MP_NONE },
	{ CKM_GENERIC_SECRET_KEY_GEN, MP_NONE },
	{ CKM_RSA_PKCS_KEY_PAIR_GEN, MP_NONE },
	{ CKM_EC_KEY_PAIR_GEN, MP_NONE },
	{ CKM_EC_EDWARDS_KEY_PAIR_GEN, MP_NONE },
	{ CKM_RSA_PKCS, MP_NONE },
	{ CKM_RSA_PKCS_OAEP, MP_OAEP },
	{ CKM_RSA_PKCS_PSS, MP_PSS },
	{ CKM_SHA224_RSA_PKCS, MP_NONE },
	{ CKM_SHA256_RSA_PKCS, MP_NONE },
	{ CKM_SHA384_RSA_PKCS, MP_NONE },
	{ CKM_SHA512_RSA_PKCS, MP_NONE },
	{ CKM_SHA224_RSA_PKCS_PSS, MP_PSS },
	{ CKM_SHA256_RSA_PKCS_PSS, MP_PSS },
	{ CKM_SHA384_RSA_PKCS_PSS, MP_PSS },
	{ CKM_SHA512_RSA_PKCS_PSS, MP_PSS },
	{ CKM_ECDSA, MP_NONE },
	{ CKM_ECDSA_SHA224, MP_NONE },
	{ CKM_ECDSA_SHA256, MP_NONE },
	{ CKM_ECDSA_SHA384, MP_NONE },
	{ CKM_ECDSA_SHA512, MP_NONE },
	{ CKM_EDDSA, MP_NONE },
	{ CKM_SHA224_HMAC, MP_NONE },
	{ CKM_SHA256_HMAC, MP_NONE },
	{ CKM_SHA384_HMAC, MP_NONE },
	{ CKM_SHA512_HMAC, MP_NONE },
	{ CKM_AES_ECB, MP_NONE },
	{ CKM_AES_CBC, MP_IV },
	{ CKM_AES_CBC_PAD, MP_IV },
	{ CKM_AES_GCM, MP_GCM },
	{ CKM_AES_KEY_WRAP, MP_KW_IV },
	{ CKM_AES_KEY_WRAP_KWP, MP_KWP_IV },
};

/* The parameter layout of @type; false for a mechanism not in the table. */
static bool mech_param_of(CK_MECHANISM_TYPE type, enum mech_param *mp)
{
	size_t i;

	for (i = 0; i < sizeof(mech_params) / sizeof(mech_params[0]); i++) {
		if (mech_params[i].type == type) {
			*mp = mech_params[i].param;
			return true;
		}
	}
	return false;
}

/* A bounded writer of a parameter's bytes; the sizes are computed first. */
struct wr {
	unsigned char *p;
	size_t n;
};

static void wr_u32(struct wr *w, uint32_t v)
{
	put_be32(w->p + w->n, v);
	w->n += 4;
}

static void wr_bytes(struct wr *w, const void *p, size_t n)
{
	if (n)
		memcpy(w->p + w->n, p, n);
	w->n += n;
}

/* A CK_ULONG that must fit in a wire integer. */
static bool fits_u32(CK_ULONG v)
{
	return v <= WIRE_U32_MAX;
}

/*
 * A byte string of a parameter: its pointer given when it has a length,
 * and a length that a message can carry.
 */
static bool param_bytes_ok(const void *p, CK_ULONG n)
{
	return (p || !n) && n <= EP11_MAX_PAYLOAD_LEN;
}

/* The host struct of a structured parameter, copied (it may be unaligned). */
static bool param_struct(const CK_MECHANISM *mech, void *dst, size_t size)
{
	if (!mech->pParameter || mech->ulParameterLen != size)
		return false;
	memcpy(dst, mech->pParameter, size);
	return true;
}

static CK_RV encode_gcm(const CK_MECHANISM *mech, struct ck_buf *out)
{
	CK_GCM_PARAMS g;
	struct wr w;

	if (!param_struct(mech, &g, sizeof(g)) ||
	    !param_bytes_ok(g.pIv, g.ulIvLen) ||
	    !param_bytes_ok(g.pAAD, g.ulAADLen) || !fits_u32(g.ulTagBits))
		return CKR_MECHANISM_PARAM_INVALID;
	/* ulIvBits is not used: the IV's length is ulIvLen bytes. */
	out->n = 4 + 4 + g.ulIvLen + 4 + g.ulAADLen + 4;
	out->p = OPENSSL_malloc(out->n);
	if (!out->p)
		return CKR_HOST_MEMORY;
	w.p = out->p;
	w.n = 0;
	wr_u32(&w, mech->mechanism);
	wr_u32(&w, g.ulIvLen);
	wr_bytes(&w, g.pIv, g.ulIvLen);
	wr_u32(&w, g.ulAADLen);
	wr_bytes(&w, g.pAAD, g.ulAADLen);
	wr_u32(&w, g.ulTagBits);
	return CKR_OK;
}

static CK_RV encode_pss(const CK_MECHANISM *mech, struct ck_buf *out)
{
	CK_RSA_PKCS_PSS_PARAMS s;
	struct wr w;

	if (!param_struct(mech, &s, sizeof(s)) || !fits_u32(s.hashAlg) ||
	    !fits_u32(s.mgf) || !fits_u32(s.sLen))
		return CKR_MECHANISM_PARAM_INVALID;
	out->n = 4 * 4;
	out->p = OPENSSL_malloc(out->n);
	if (!out->p)
		return CKR_HOST_MEMORY;
	w.p = out->p;
	w.n = 0;
	wr_u32(&w, mech->mechanism);
	wr_u32(&w, s.hashAlg);
	wr_u32(&w, s.mgf);
	wr_u32(&w, s.sLen);
	return CKR_OK;
}

static CK_RV encode_oaep(const CK_MECHANISM *mech, struct ck_buf *out)
{
	CK_RSA_PKCS_OAEP_PARAMS o;
	size_t label;
	struct wr w;

	if (!param_struct(mech, &o, sizeof(o)) || !fits_u32(o.hashAlg) ||
	    !fits_u32(o.mgf))
		return CKR_MECHANISM_PARAM_INVALID;
	if (o.source == 0) {
		/* No label: nothing may follow the source on the wire. */
		if (o.ulSourceDataLen)
			return CKR_MECHANISM_PARAM_INVALID;
	} else if (o.source != CKZ_DATA_SPECIFIED ||
		   !param_bytes_ok(o.pSourceData, o.ulSourceDataLen)) {
		return CKR_MECHANISM_PARAM_INVALID;
	}
	label = o.source ? o.ulSourceDataLen : 0;
	out->n = 4 * 4 + label;
	out->p = OPENSSL_malloc(out->n);
	if (!out->p)
		return CKR_HOST_MEMORY;
	w.p = out->p;
	w.n = 0;
	wr_u32(&w, mech->mechanism);
	wr_u32(&w, o.hashAlg);
	wr_u32(&w, o.mgf);
	wr_u32(&w, o.source);
	wr_bytes(&w, o.pSourceData, label);
	return CKR_OK;
}

/* The type and, if any, the parameter's bytes as they are (IVs). */
static CK_RV encode_raw(const CK_MECHANISM *mech, struct ck_buf *out)
{
	struct wr w;

	out->n = 4 + mech->ulParameterLen;
	out->p = OPENSSL_malloc(out->n);
	if (!out->p)
		return CKR_HOST_MEMORY;
	w.p = out->p;
	w.n = 0;
	wr_u32(&w, mech->mechanism);
	wr_bytes(&w, mech->pParameter, mech->ulParameterLen);
	return CKR_OK;
}

CK_RV ck_card_encode_mech(const CK_MECHANISM *mech, struct ck_buf *out)
{
	struct ck_buf tmp = { 0 };
	enum mech_param mp;
	bool none;
	CK_RV rv;

	if (!mech || !out)
		return CKR_ARGUMENTS_BAD;
	if (!fits_u32(mech->mechanism))
		return CKR_MECHANISM_INVALID;
	if (!mech->pParameter && mech->ulParameterLen)
		return CKR_MECHANISM_PARAM_INVALID;
	/* A length of 0 is no parameter, whatever the pointer. */
	none = !mech->ulParameterLen;
	if (!mech_param_of(mech->mechanism, &mp)) {
		/*
		 * A mechanism this file does not know: without a parameter
		 * the card decides whether it has it; a parameter of
		 * unknown layout cannot be put on the wire.
		 */
		if (!none)
			return CKR_MECHANISM_INVALID;
		mp = MP_NONE;
	}
	switch (mp) {
	case MP_NONE:
		rv = none ? encode_raw(mech, &tmp) :
			    CKR_MECHANISM_PARAM_INVALID;
		break;
	case MP_IV:
		rv = mech->pParameter && mech->ulParameterLen == AES_BLOCK ?
		     encode_raw(mech, &tmp) : CKR_MECHANISM_PARAM_INVALID;
		break;
	case MP_KW_IV:
	case MP_KWP_IV:
		rv = none || (mech->pParameter && mech->ulParameterLen ==
			      (mp == MP_KW_IV ? KW_IV_LEN : KWP_IV_LEN)) ?
		     encode_raw(mech, &tmp) : CKR_MECHANISM_PARAM_INVALID;
		break;
	case MP_GCM:
		rv = encode_gcm(mech, &tmp);
		break;
	case MP_PSS:
		rv = encode_pss(mech, &tmp);
		break;
	case MP_OAEP:
		rv = encode_oaep(mech, &tmp);
		break;
	default:
		rv = CKR_MECHANISM_INVALID;
		break;
	}
	if (rv != CKR_OK) {
		ck_buf_free(&tmp);
		return rv;
	}
	buf_move(out, &tmp);
	return CKR_OK;
}

/* Templates. */

static enum ck_attr_kind attr_kind(CK_ATTRIBUTE_TYPE type)
{
	const struct ck_attr_def *d = ck_attr_def(type);

	return d ? d->kind : CK_ATTR_BYTES;
}

/*
 * The wire length of one host attribute's value, or 0 with *@rv set when
 * it cannot go on the wire.  CK_UNAVAILABLE_INFORMATION is the one
 * CK_ULONG above 0xffffffff that can: as 0xffffffff, what the card uses
 * for it (CKA_KEY_GEN_MECHANISM of unwrapped keys).
 */
static size_t attr_wire_len(const CK_ATTRIBUTE *a, CK_RV *rv)
{
	const unsigned char *v = a->pValue;
	CK_ULONG u, i;

	*rv = CKR_ATTRIBUTE_VALUE_INVALID;
	if (!fits_u32(a->type)) {
		*rv = CKR_ATTRIBUTE_TYPE_INVALID;
		return 0;
	}
	if ((!v && a->ulValueLen) || a->ulValueLen > EP11_MAX_PAYLOAD_LEN)
		return 0;
	switch (attr_kind(a->type)) {
	case CK_ATTR_BOOL:
		if (a->ulValueLen != sizeof(CK_BBOOL) || v[0] > 1)
			return 0;
		break;
	case CK_ATTR_ULONG:
		if (a->ulValueLen != sizeof(CK_ULONG))
			return 0;
		memcpy(&u, v, sizeof(u));
		if (!fits_u32(u) && u != CK_UNAVAILABLE_INFORMATION)
			return 0;
		*rv = CKR_OK;
		return 8 + 4;
	case CK_ATTR_DATE:
		if (a->ulValueLen != 0 && a->ulValueLen != sizeof(CK_DATE))
			return 0;
		break;
	case CK_ATTR_MECHS:
		if (a->ulValueLen % sizeof(CK_MECHANISM_TYPE))
			return 0;
		for (i = 0; i < a->ulValueLen / sizeof(u); i++) {
			memcpy(&u, v + i * sizeof(u), sizeof(u));
			if (!fits_u32(u))
				return 0;
		}
		*rv = CKR_OK;
		return 8 + a->ulValueLen / sizeof(u) * 4;
	case CK_ATTR_ATTRS:
		/* Pointers: no card keeps a nested template. */
		*rv = CKR_ATTRIBUTE_TYPE_INVALID;
		return 0;
	default:
		break;
	}
	*rv = CKR_OK;
	return 8 + a->ulValueLen;
}

static void attr_wire_put(struct wr *w, const CK_ATTRIBUTE *a)
{
	const unsigned char *v = a->pValue;
	CK_ULONG u, i;

	wr_u32(w, a->type);
	switch (attr_kind(a->type)) {
	case CK_ATTR_ULONG:
		memcpy(&u, v, sizeof(u));
		wr_u32(w, 4);
		wr_u32(w, fits_u32(u) ? u : WIRE_U32_MAX);
		break;
	case CK_ATTR_MECHS:
		wr_u32(w, a->ulValueLen / sizeof(u) * 4);
		for (i = 0; i < a->ulValueLen / sizeof(u); i++) {
			memcpy(&u, v + i * sizeof(u), sizeof(u));
			wr_u32(w, u);
		}
		break;
	default:
		wr_u32(w, a->ulValueLen);
		wr_bytes(w, v, a->ulValueLen);
		break;
	}
}

CK_RV ck_card_encode_template(const struct ck_attrs *tmpl, struct ck_buf *out)
{
	struct ck_buf tmp = { 0 };
	size_t i, len, total = 0;
	struct wr w;
	CK_RV rv;

	if (!out || (tmpl && tmpl->n && !tmpl->v))
		return CKR_ARGUMENTS_BAD;
	for (i = 0; tmpl && i < tmpl->n; i++) {
		len = attr_wire_len(&tmpl->v[i], &rv);
		if (rv != CKR_OK)
			return rv;
		total += len;
		if (total > EP11_MAX_PAYLOAD_LEN)
			return CKR_TEMPLATE_INCONSISTENT;
	}
	tmp.p = OPENSSL_malloc(total ? total : 1);
	if (!tmp.p)
		return CKR_HOST_MEMORY;
	tmp.n = total;
	w.p = tmp.p;
	w.n = 0;
	for (i = 0; tmpl && i < tmpl->n; i++)
		attr_wire_put(&w, &tmpl->v[i]);
	buf_move(out, &tmp);
	return CKR_OK;
}

/* One wire attribute into @a in host form; false when it is malformed. */
static bool attr_from_wire(struct ck_attrs *a, CK_ATTRIBUTE_TYPE type,
			   const unsigned char *v, uint32_t len, CK_RV *rv)
{
	CK_MECHANISM_TYPE *mechs;
	uint32_t i, u;
	int err;

	*rv = CKR_DEVICE_ERROR;
	switch (attr_kind(type)) {
	case CK_ATTR_BOOL:
		if (len != 1 || v[0] > 1)
			return false;
		err = ck_attrs_set_bool(a, type, v[0]);
		break;
	case CK_ATTR_ULONG:
		if (len != 4)
			return false;
		u = get_be32(v);
		err = ck_attrs_set_ulong(a, type, u == WIRE_U32_MAX ?
					 CK_UNAVAILABLE_INFORMATION : u);
		break;
	case CK_ATTR_DATE:
		if (len != 0 && len != sizeof(CK_DATE))
			return false;
		err = ck_attrs_set(a, type, v, len);
		break;
	case CK_ATTR_MECHS:
		if (len % 4)
			return false;
		mechs = malloc(len ? len / 4 * sizeof(*mechs) : 1);
		if (!mechs) {
			*rv = CKR_HOST_MEMORY;
			return false;
		}
		for (i = 0; i < len / 4; i++)
			mechs[i] = get_be32(v + 4 * i);
		err = ck_attrs_set(a, type, mechs, len / 4 * sizeof(*mechs));
		free(mechs);
		break;
	case CK_ATTR_ATTRS:
		return false;
	default:
		err = ck_attrs_set(a, type, v, len);
		break;
	}
	if (err) {
		*rv = CKR_HOST_MEMORY;
		return false;
	}
	*rv = CKR_OK;
	return true;
}

CK_RV ck_card_decode_template(const void *p, size_t n, struct ck_attrs *out)
{
	const unsigned char *b = p;
	struct ck_attrs tmp = { 0 };
	size_t off = 0;
	uint32_t type, len;
	CK_RV rv = CKR_OK;

	if (!out || (!p && n))
		return CKR_ARGUMENTS_BAD;
	while (off < n) {
		if (n - off < 8) {
			rv = CKR_DEVICE_ERROR;
			break;
		}
		type = get_be32(b + off);
		len = get_be32(b + off + 4);
		off += 8;
		if (len > n - off || ck_attrs_get(&tmp, type)) {
			rv = CKR_DEVICE_ERROR;
			break;
		}
		if (!attr_from_wire(&tmp, type, b + off, len, &rv))
			break;
		off += len;
	}
	if (rv != CKR_OK) {
		ck_attrs_free(&tmp);
		return rv;
	}
	ck_attrs_free(out);
	*out = tmp;
	return CKR_OK;
}

/* Requests and replies. */

/* One parameter of a request, or one result of a reply. */
struct el {
	const void *p;
	size_t n;
};

/**
 * struct reply - a reply being read
 * @buf: the whole message (owned; cleared when freed)
 * @cap: size of @buf
 * @len: bytes the card sent
 * @m:   the parsed message
 */
struct reply {
	unsigned char *buf;
	size_t cap;
	size_t len;
	struct ep11_msg m;
};

static void reply_free(struct reply *r)
{
	if (r->buf)
		OPENSSL_clear_free(r->buf, r->len <= r->cap ? r->len : r->cap);
	memset(r, 0, sizeof(*r));
}

/* The context's outputs, reset at the start of each call. */
static void ctx_reset(struct ck_card_ctx *c)
{
	c->card_rc = 0;
	c->err = 0;
}

/*
 * Sends @req (@req_len bytes), bound to the context's session when
 * @bound (to any APQN of it), else to the context's APQN.  On CKR_OK @r
 * holds the reply and @served the APQN that answered it.
 */
static CK_RV send_req(struct ck_card_ctx *c, bool bound, const void *req,
		      size_t req_len, struct reply *r,
		      struct ep11sess_apqn *served, uint32_t *result)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->cap = EP11_MAX_MSG_LEN;
	r->buf = OPENSSL_malloc(r->cap);
	if (!r->buf)
		return CKR_HOST_MEMORY;
	*served = c->apqn;
	err = ck_dev_send(c->dev, bound ? c->handle : 0, bound, &c->apqn, req,
			  req_len, r->buf, r->cap, &r->len, served, result);
	if (err) {
		c->err = err < 0 ? err : -err;
		r->len = r->cap;
		reply_free(r);
		return ck_errno_to_rv(c->err, CK_OP_SEND);
	}
	if (r->len > r->cap) {
		reply_free(r);
		return CKR_DEVICE_ERROR;
	}
	return CKR_OK;
}

/*
 * Checks that @r answers function @fnid on @domain and takes its return
 * code.  CKR_OK: the card succeeded and the results may be read; the
 * card's code mapped when it failed; CKR_DEVICE_ERROR for a reply that
 * is malformed or answers something else.
 */
static CK_RV check_reply(struct ck_card_ctx *c, struct reply *r, uint16_t fnid,
			 uint16_t domain)
{
	CK_RV rv;

	if (ep11_wire_parse_reply(r->buf, r->len, &r->m) || r->m.cprb_rc ||
	    r->m.fn != EP11_FN(fnid) || r->m.domain != domain ||
	    r->m.fn_domain != domain)
		return CKR_DEVICE_ERROR;
	c->card_rc = r->m.rc;
	if (r->m.rc == EP11_CKR_OK)
		return CKR_OK;
	/* A failed request has no results. */
	if (ep11_wire_count(&r->m))
		return CKR_DEVICE_ERROR;
	rv = ck_card_rc_to_rv(r->m.rc);
	return rv == CKR_OK ? CKR_DEVICE_ERROR : rv;
}

/* An errno of the send ioctl that says no APQN of the session answered. */
static bool transport_failed(int err)
{
	return err == -ENODEV || err == -EIO || err == -ETIMEDOUT;
}

bool ck_card_may_repeat(uint16_t fnid)
{
	switch (fnid) {
	/* They compute, or read: the same kind of answer again. */
	case EP11_FN_GENERATE_RANDOM:
	case EP11_FN_DIGEST_SINGLE:
	case EP11_FN_ENCRYPT_SINGLE:
	case EP11_FN_DECRYPT_SINGLE:
	case EP11_FN_SIGN_SINGLE:
	case EP11_FN_VERIFY_SINGLE:
	case EP11_FN_WRAP_KEY:
	case EP11_FN_GET_ATTRIBUTE_VALUE:
	case EP11_FN_GET_MECHANISM_LIST:
	case EP11_FN_GET_MECHANISM_INFO:
	case EP11_FN_GET_XCP_INFO:
	/* They make a blob the card does not keep: a new one again. */
	case EP11_FN_GENERATE_KEY:
	case EP11_FN_GENERATE_KEY_PAIR:
	case EP11_FN_UNWRAP_KEY:
	case EP11_FN_DERIVE_KEY:
		return true;
	/* SeedRandom, admin, the login functions, anything else. */
	default:
		return false;
	}
}

/*
 * Whether a request the card answered CKR_SESSION_CLOSED goes once more:
 * the kernel says it logged the session in again there since the request
 * went to the card (a card that restarted unseen); a kernel without
 * EP11SESS_FEAT_RELOGIN does not say, and is asked whether it still holds
 * the session live.
 */
static bool relogged_in(struct ck_card_ctx *c, uint32_t result)
{
	if (c->dev->features & EP11SESS_FEAT_RELOGIN)
		return result & EP11SESS_SEND_RELOGGED_IN;
	return ck_dev_session_live(c->dev, c->handle) == 1;
}

/*
 * Sends @req and checks that its reply answers @fnid: the one place where
 * a request is tried again, and only once.  A bound request goes again
 * after a transport failure (the kernel tried every APQN of the session
 * and waited for it to be logged in again on a card that came back) when
 * its function may run twice (ck_card_may_repeat()), or after the card's
 * CKR_SESSION_CLOSED when the kernel logged the session in again since
 * (a card that restarted: the kernel does it before it answers), not for
 * a key blob bound to another session.  Unbound requests fail over
 * between the slot's APQNs in ck_slot_call() instead.  On CKR_OK @r
 * holds a reply that succeeded and @served the APQN that answered it.
 */
static CK_RV exchange(struct ck_card_ctx *c, bool bound, uint16_t fnid,
		      const void *req, size_t req_len, struct reply *r,
		      struct ep11sess_apqn *served)
{
	bool again = bound;
	uint32_t result = 0;
	CK_RV rv;

	for (;;) {
		rv = send_req(c, bound, req, req_len, r, served, &result);
		if (rv != CKR_OK) {
			if (again && transport_failed(c->err) &&
			    ck_card_may_repeat(fnid)) {
				again = false;
				c->err = 0;
				continue;
			}
			return rv;
		}
		rv = check_reply(c, r, fnid, served->domain);
		if (rv == CKR_OK)
			return rv;
		reply_free(r);
		if (again && c->card_rc == EP11_CKR_SESSION_CLOSED &&
		    relogged_in(c, result)) {
			again = false;
			c->card_rc = 0;
			continue;
		}
		return rv;
	}
}

/*
 * Runs function @fnid with the @np parameters @pp; @too_big is the answer
 * when they do not fit in one message.  Bound to the context's session
 * when it has one: every function called this way has a bound form.  On
 * CKR_OK @r holds a reply that succeeded; free it with reply_free().
 */
static CK_RV call(struct ck_card_ctx *c, uint16_t fnid, const struct el *pp,
		  unsigned int np, CK_RV too_big, struct reply *r)
{
	struct ep11sess_apqn served;
	struct ep11_wbuf b;
	unsigned char *req;
	size_t cap = REQ_OVERHEAD;
	unsigned int i;
	int len;
	CK_RV rv;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < np; i++) {
		if (pp[i].n > EP11_MAX_PAYLOAD_LEN)
			return too_big;
		cap += PARAM_OVERHEAD + pp[i].n;
	}
	/* The codec itself refuses what a whole message cannot carry. */
	if (cap > EP11_MAX_MSG_LEN)
		cap = EP11_MAX_MSG_LEN;
	req = OPENSSL_malloc(cap);
	if (!req)
		return CKR_HOST_MEMORY;
	ep11_wire_request_init(&b, req, cap, EP11_FN(fnid), c->apqn.domain, 0);
	for (i = 0; i < np; i++)
		ep11_wire_put(&b, pp[i].p, pp[i].n);
	len = ep11_wire_finish(&b);
	if (len < 0) {
		OPENSSL_clear_free(req, cap);
		return too_big;
	}
	rv = exchange(c, c->handle != 0, fnid, req, len, r, &served);
	OPENSSL_clear_free(req, cap);
	return rv;
}

/* Takes exactly @n results from a reply that succeeded. */
static CK_RV results(struct reply *r, struct el *res, unsigned int n)
{
	const u8 *p;
	unsigned int i;
	size_t len;

	if (ep11_wire_count(&r->m) != n)
		return CKR_DEVICE_ERROR;
	for (i = 0; i < n; i++) {
		if (ep11_wire_next(&r->m, &p, &len))
			return CKR_DEVICE_ERROR;
		res[i].p = p;
		res[i].n = len;
	}
	return CKR_OK;
}

/*
 * Runs @fnid and copies its one result into @out (replacing what @out
 * held), which must be between @min and @max bytes long.
 */
static CK_RV call_one(struct ck_card_ctx *c, uint16_t fnid,
		      const struct el *pp, unsigned int np, CK_RV too_big,
		      size_t min, size_t max, struct ck_buf *out)
{
	struct ck_buf tmp = { 0 };
	struct reply r;
	struct el res;
	CK_RV rv;

	rv = call(c, fnid, pp, np, too_big, &r);
	if (rv != CKR_OK)
		return rv;
	rv = results(&r, &res, 1);
	if (rv == CKR_OK && (res.n < min || res.n > max))
		rv = CKR_DEVICE_ERROR;
	if (rv == CKR_OK)
		rv = buf_dup(&tmp, res.p, res.n);
	reply_free(&r);
	if (rv == CKR_OK)
		buf_move(out, &tmp);
	return rv;
}

/* A key blob the caller gives: present and not empty. */
static bool blob_ok(const struct ck_buf *b)
{
	return b && b->p && b->n;
}

/* Input bytes: a pointer whenever there is a length. */
static bool data_ok(const void *p, size_t n)
{
	return p || !n;
}

CK_RV ck_card_random(struct ck_card_ctx *c, void *out, size_t n)
{
	unsigned char *o = out, be[4];
	struct el pp = { be, sizeof(be) };
	struct reply r;
	struct el res;
	size_t done, chunk;
	CK_RV rv = CKR_OK;

	if (!c || !data_ok(out, n))
		return CKR_ARGUMENTS_BAD;
	ctx_reset(c);
	for (done = 0; done < n && rv == CKR_OK; done += chunk) {
		chunk = n - done < CK_CARD_MAX_RANDOM ? n - done :
			CK_CARD_MAX_RANDOM;
		put_be32(be, chunk);
		rv = call(c, EP11_FN_GENERATE_RANDOM, &pp, 1, CKR_ARGUMENTS_BAD,
			  &r);
		if (rv != CKR_OK)
			break;
		rv = results(&r, &res, 1);
		if (rv == CKR_OK && res.n != chunk)
			rv = CKR_DEVICE_ERROR;
		if (rv == CKR_OK)
			memcpy(o + done, res.p, chunk);
		reply_free(&r);
	}
	if (rv != CKR_OK && n)
		OPENSSL_cleanse(out, n);
	return rv;
}

/* The length of a digest mechanism's output, or 0 when not known here. */
static size_t digest_len(CK_MECHANISM_TYPE mech)
{
	switch (mech) {
	case CKM_SHA_1:
		return 20;
	case CKM_SHA224:
		return 28;
	case CKM_SHA256:
		return 32;
	case CKM_SHA384:
		return 48;
	case CKM_SHA512:
		return 64;
	default:
		return 0;
	}
}

/* The longest digest any hash gives. */
#define DIGEST_MAX	64

CK_RV ck_card_digest(struct ck_card_ctx *c, CK_MECHANISM_TYPE mech,
		     const void *in, size_t inlen, struct ck_buf *out)
{
	CK_MECHANISM m = { mech, NULL, 0 };
	struct ck_buf wm = { 0 };
	size_t want = digest_len(mech);
	struct el pp[2];
	CK_RV rv;

	if (!c || !out || !data_ok(in, inlen))
		return CKR_ARGUMENTS_BAD;
	ctx_reset(c);
	rv = ck_card_encode_mech(&m, &wm);
	if (rv != CKR_OK)
		return rv;
	pp[0] = (struct el){ wm.p, wm.n };
	pp[1] = (struct el){ in, inlen };
	rv = call_one(c, EP11_FN_DIGEST_SINGLE, pp, 2, CKR_DATA_LEN_RANGE,
		      want ? want : 1, want ? want : DIGEST_MAX, out);
	ck_buf_free(&wm);
	return rv;
}

CK_RV ck_card_generate_key(struct ck_card_ctx *c, const CK_MECHANISM *mech,
			   const struct ck_attrs *tmpl, struct ck_buf *blob)
{
	struct ck_buf wm = { 0 }, wt = { 0 };
	struct el pp[2];
	CK_RV rv;

	if (!c || !mech || !blob)
		return CKR_ARGUMENTS_BAD;
	ctx_reset(c);
	rv = ck_card_encode_mech(mech, &wm);
	if (rv == CKR_OK)
		rv = ck_card_encode_template(tmpl, &wt);
	if (rv == CKR_OK) {
		pp[0] = (struct el){ wm.p, wm.n };
		pp[1] = (struct el){ wt.p, wt.n };
		rv = call_one(c, EP11_FN_GENERATE_KEY, pp, 2,
			      CKR_TEMPLATE_INCONSISTENT, 1, CK_CARD_MAX_BLOB,
			      blob);
	}
	ck_buf_free(&wm);
	ck_buf_free(&wt);
	return rv;
}

CK_RV ck_card_generate_key_pair(struct ck_card_ctx *c, const CK_MECHANISM *mech,
				const struct ck_attrs *pub_tmpl,
				const struct ck_attrs *priv_tmpl,
				struct ck_buf *priv_blob, struct ck_buf *pub_blob,
				struct ck_buf *spki)
{
	struct ck_buf wm = { 0 }, wpub = { 0 }, wpriv = { 0 };
	struct ck_buf out[3] = { { 0 } };
	struct el pp[3], res[3];
	struct reply r;
	unsigned int i;
	CK_RV rv;

	if (!c || !mech || !priv_blob || !pub_blob || !spki)
		return CKR_ARGUMENTS_BAD;
	ctx_reset(c);
	rv = ck_card_encode_mech(mech, &wm);
	if (rv == CKR_OK)
		rv = ck_card_encode_template(pub_tmpl, &wpub);
	if (rv == CKR_OK)
		rv = ck_card_encode_template(priv_tmpl, &wpriv);
	if (rv != CKR_OK)
		goto out;
	pp[0] = (struct el){ wm.p, wm.n };
	pp[1] = (struct el){ wpub.p, wpub.n };
	pp[2] = (struct el){ wpriv.p, wpriv.n };
	rv = call(c, EP11_FN_GENERATE_KEY_PAIR, pp, 3,
		  CKR_TEMPLATE_INCONSISTENT, &r);
	if (rv != CKR_OK)
		goto out;
	/* Private key blob, public key blob, SubjectPublicKeyInfo. */
	rv = results(&r, res, 3);
	for (i = 0; i < 3 && rv == CKR_OK; i++) {
		if (!res[i].n || (i < 2 && res[i].n > CK_CARD_MAX_BLOB))
			rv = CKR_DEVICE_ERROR;
		else
			rv = buf_dup(&out[i], res[i].p, res[i].n);
	}
	reply_free(&r);
	if (rv == CKR_OK) {
		buf_move(priv_blob, &out[0]);
		buf_move(pub_blob, &out[1]);
		buf_move(spki, &out[2]);
	}
out:
	for (i = 0; i < 3; i++)
		ck_buf_free(&out[i]);
	ck_buf_free(&wm);
	ck_buf_free(&wpub);
	ck_buf_free(&wpriv);
	return rv;
}

/*
 * The single-part functions of one mechanism, one key and data:
 * SignSingle, EncryptSingle, DecryptSingle.
 */
static CK_RV mech_key_data(struct ck_card_ctx *c, uint16_t fnid,
			   const CK_MECHANISM *mech, const struct ck_buf *key,
			   const void *in, size_t inlen, size_t min,
			   struct ck_buf *out)
{
	struct ck_buf wm = { 0 };
	struct el pp[3];
	CK_RV rv;

	if (!c || !mech || !blob_ok(key) || !data_ok(in, inlen) || !out)
		return CKR_ARGUMENTS_BAD;
	ctx_reset(c);
	rv = ck_card_encode_mech(mech, &wm);
	if (rv != CKR_OK)
		return rv;
	pp[0] = (struct el){ wm.p, wm.n };
	pp[1] = (struct el){ key->p, key->n };
	pp[2] = (struct el){ in, inlen };
	rv = call_one(c, fnid, pp, 3, fnid == EP11_FN_DECRYPT_SINGLE ?
		      CKR_ENCRYPTED_DATA_LEN_RANGE : CKR_DATA_LEN_RANGE,
		      min, EP11_MAX_PAYLOAD_LEN, out);
	ck_buf_free(&wm);
	return rv;
}

CK_RV ck_card_sign(struct ck_card_ctx *c, const CK_MECHANISM *mech,
		   const struct ck_buf *key, const void *data, size_t len,
		   struct ck_buf *sig)
{
	return mech_key_data(c, EP11_FN_SIGN_SINGLE, mech, key, data, len, 1,
			     sig);
}

CK_RV ck_card_verify(struct ck_card_ctx *c, const CK_MECHANISM *mech,
		     const struct ck_buf *key, const void *data, size_t len,
		     const void *sig, size_t siglen)
{
	struct ck_buf wm = { 0 };
	struct el pp[4];
	struct reply r;
	CK_RV rv;

	if (!c || !mech || !blob_ok(key) || !data_ok(data, len) ||
	    !data_ok(sig, siglen))
		return CKR_ARGUMENTS_BAD;
	ctx_reset(c);
	rv = ck_card_encode_mech(mech, &wm);
	if (rv != CKR_OK)
		return rv;
	pp[0] = (struct el){ wm.p, wm.n };
	pp[1] = (struct el){ key->p, key->n };
	pp[2] = (struct el){ data, len };
	pp[3] = (struct el){ sig, siglen };
	rv = call(c, EP11_FN_VERIFY_SINGLE, pp, 4, CKR_DATA_LEN_RANGE, &r);
	if (rv == CKR_OK) {
		/* A valid signature: no results. */
		rv = results(&r, NULL, 0);
		reply_free(&r);
	}
	ck_buf_free(&wm);
	return rv;
}

CK_RV ck_card_encrypt(struct ck_card_ctx *c, const CK_MECHANISM *mech,
		      const struct ck_buf *key, const void *in, size_t inlen,
		      struct ck_buf *out)
{
	return mech_key_data(c, EP11_FN_ENCRYPT_SINGLE, mech, key, in, inlen,
			     0, out);
}

CK_RV ck_card_decrypt(struct ck_card_ctx *c, const CK_MECHANISM *mech,
		      const struct ck_buf *key, const void *in, size_t inlen,
		      struct ck_buf *out)
{
	return mech_key_data(c, EP11_FN_DECRYPT_SINGLE, mech, key, in, inlen,
			     0, out);
}

CK_RV ck_card_crypt_call(struct ck_card_ctx *c, void *arg)
{
	struct ck_card_crypt_arg *a = arg;

	if (a->decrypt)
		return ck_card_decrypt(c, a->mech, a->key, a->in, a->inlen,
				       a->out);
	return ck_card_encrypt(c, a->mech, a->key, a->in, a->inlen, a->out);
}

CK_RV ck_card_wrap(struct ck_card_ctx *c, const CK_MECHANISM *mech,
		   const struct ck_buf *wrapping_key, const struct ck_buf *key,
		   struct ck_buf *wrapped)
{
	struct ck_buf wm = { 0 };
	struct el pp[3];
	CK_RV rv;

	if (!c || !mech || !blob_ok(wrapping_key) || !blob_ok(key) ||
	    !wrapped)
		return CKR_ARGUMENTS_BAD;
	ctx_reset(c);
	rv = ck_card_encode_mech(mech, &wm);
	if (rv != CKR_OK)
		return rv;
	pp[0] = (struct el){ wm.p, wm.n };
	pp[1] = (struct el){ wrapping_key->p, wrapping_key->n };
	pp[2] = (struct el){ key->p, key->n };
	rv = call_one(c, EP11_FN_WRAP_KEY, pp, 3, CKR_ARGUMENTS_BAD, 1,
		      EP11_MAX_PAYLOAD_LEN, wrapped);
	ck_buf_free(&wm);
	return rv;
}

CK_RV ck_card_unwrap(struct ck_card_ctx *c, const CK_MECHANISM *mech,
		     const struct ck_buf *unwrapping_key, const void *wrapped,
		     size_t len, const struct ck_attrs *tmpl,
		     struct ck_buf *blob)
{
	struct ck_buf wm = { 0 }, wt = { 0 };
	struct el pp[4];
	CK_RV rv;

	if (!c || !mech || !blob_ok(unwrapping_key) || !data_ok(wrapped, len) ||
	    !blob)
		return CKR_ARGUMENTS_BAD;
	ctx_reset(c);
	rv = ck_card_encode_mech(mech, &wm);
	if (rv == CKR_OK)
		rv = ck_card_encode_template(tmpl, &wt);
	if (rv == CKR_OK) {
		pp[0] = (struct el){ wm.p, wm.n };
		pp[1] = (struct el){ unwrapping_key->p, unwrapping_key->n };
		pp[2] = (struct el){ wrapped, len };
		pp[3] = (struct el){ wt.p, wt.n };
		rv = call_one(c, EP11_FN_UNWRAP_KEY, pp, 4,
			      CKR_WRAPPED_KEY_LEN_RANGE, 1, CK_CARD_MAX_BLOB,
			      blob);
	}
	ck_buf_free(&wm);
	ck_buf_free(&wt);
	return rv;
}

/* Whether @type is among the @n types asked for. */
static bool type_asked(const CK_ATTRIBUTE_TYPE *types, size_t n,
		       CK_ATTRIBUTE_TYPE type)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (types[i] == type)
			return true;
	return false;
}

CK_RV ck_card_get_attrs(struct ck_card_ctx *c, const struct ck_buf *key,
			const CK_ATTRIBUTE_TYPE *types, size_t ntypes,
			struct ck_attrs *out)
{
	struct ck_attrs got = { 0 };
	unsigned char *list = NULL;
	struct el pp[2], res;
	struct reply r;
	size_t i;
	CK_RV rv;

	if (!c || !blob_ok(key) || (!types && ntypes) || !out ||
	    ntypes > EP11_MAX_PAYLOAD_LEN / 4)
		return CKR_ARGUMENTS_BAD;
	ctx_reset(c);
	list = malloc(ntypes ? ntypes * 4 : 1);
	if (!list)
		return CKR_HOST_MEMORY;
	for (i = 0; i < ntypes; i++) {
		if (!fits_u32(types[i])) {
			free(list);
			return CKR_ATTRIBUTE_TYPE_INVALID;
		}
		put_be32(list + 4 * i, types[i]);
	}
	pp[0] = (struct el){ key->p, key->n };
	pp[1] = (struct el){ list, ntypes * 4 };
	rv = call(c, EP11_FN_GET_ATTRIBUTE_VALUE, pp, 2, CKR_ARGUMENTS_BAD, &r);
	free(list);
	if (rv != CKR_OK)
		return rv;
	rv = results(&r, &res, 1);
	if (rv == CKR_OK)
		rv = ck_card_decode_template(res.p, res.n, &got);
	reply_free(&r);
	if (rv != CKR_OK)
		return rv;
	/* What was asked for, and nothing else, came back. */
	for (i = 0; ntypes && i < got.n; i++)
		if (!type_asked(types, ntypes, got.v[i].type))
			rv = CKR_DEVICE_ERROR;
	for (i = 0; i < ntypes; i++)
		if (!ck_attrs_get(&got, types[i]))
			rv = CKR_DEVICE_ERROR;
	if (rv != CKR_OK) {
		ck_attrs_free(&got);
		return rv;
	}
	ck_attrs_free(out);
	*out = got;
	return CKR_OK;
}

CK_RV ck_card_mechanisms(struct ck_card_ctx *c, CK_MECHANISM_TYPE **list,
			 size_t *n)
{
	const unsigned char *p;
	CK_MECHANISM_TYPE *l;
	struct reply r;
	struct el res;
	size_t i, cnt;
	CK_RV rv;

	if (!c || !list || !n)
		return CKR_ARGUMENTS_BAD;
	ctx_reset(c);
	rv = call(c, EP11_FN_GET_MECHANISM_LIST, NULL, 0, CKR_ARGUMENTS_BAD,
		  &r);
	if (rv != CKR_OK)
		return rv;
	rv = results(&r, &res, 1);
	if (rv == CKR_OK && res.n % 4)
		rv = CKR_DEVICE_ERROR;
	if (rv != CKR_OK) {
		reply_free(&r);
		return rv;
	}
	cnt = res.n / 4;
	l = malloc(cnt ? cnt * sizeof(*l) : 1);
	if (!l) {
		reply_free(&r);
		return CKR_HOST_MEMORY;
	}
	p = res.p;
	for (i = 0; i < cnt; i++)
		l[i] = get_be32(p + 4 * i);
	reply_free(&r);
	*list = l;
	*n = cnt;
	return CKR_OK;
}

CK_RV ck_card_mechanism_info(struct ck_card_ctx *c, CK_MECHANISM_TYPE type,
			     CK_MECHANISM_INFO *info)
{
	unsigned char be[4];
	struct el pp = { be, sizeof(be) }, res[3];
	struct reply r;
	unsigned int i;
	CK_RV rv;

	if (!c || !info)
		return CKR_ARGUMENTS_BAD;
	ctx_reset(c);
	if (!fits_u32(type))
		return CKR_MECHANISM_INVALID;
	put_be32(be, type);
	rv = call(c, EP11_FN_GET_MECHANISM_INFO, &pp, 1, CKR_ARGUMENTS_BAD, &r);
	if (rv != CKR_OK)
		return rv;
	/* Minimum key size, maximum key size, flags. */
	rv = results(&r, res, 3);
	for (i = 0; i < 3 && rv == CKR_OK; i++)
		if (res[i].n != 4)
			rv = CKR_DEVICE_ERROR;
	if (rv == CKR_OK) {
		info->ulMinKeySize = get_be32(res[0].p);
		info->ulMaxKeySize = get_be32(res[1].p);
		info->flags = get_be32(res[2].p);
	}
	reply_free(&r);
	return rv;
}

/*
 * get_xcp_info with @query: it has no bound form, so it always goes
 * unbound to the context's APQN, whatever session the context names.  On
 * CKR_OK @r holds a reply that succeeded, for the codec's decoders, and
 * @domain the domain that answered.
 */
static CK_RV xcp_info(struct ck_card_ctx *c, uint32_t query, struct reply *r,
		      uint16_t *domain)
{
	struct ep11sess_apqn served;
	unsigned char req[64];
	int len;
	CK_RV rv;

	len = ep11_wire_enc_xcp_info(req, sizeof(req), c->apqn.domain, query);
	if (len < 0)
		return CKR_GENERAL_ERROR;
	rv = exchange(c, false, EP11_FN_GET_XCP_INFO, req, len, r, &served);
	if (rv == CKR_OK)
		*domain = served.domain;
	return rv;
}

CK_RV ck_card_module_info(struct ck_card_ctx *c, char serial[16],
			  uint32_t *api, uint32_t *fw_major, uint32_t *fw_minor)
{
	char s[EP11_SERIAL_LEN + 1];
	uint32_t rc, a, maj, min;
	struct reply r;
	uint16_t domain;
	int err;
	CK_RV rv;

	if (!c || !serial || !api || !fw_major || !fw_minor)
		return CKR_ARGUMENTS_BAD;
	ctx_reset(c);
	rv = xcp_info(c, EP11_XCP_QUERY_MODULE, &r, &domain);
	if (rv != CKR_OK)
		return rv;
	err = ep11_wire_dec_xcp_module(r.buf, r.len, domain, &rc, s, &a, &maj,
				       &min);
	reply_free(&r);
	if (err || rc != EP11_CKR_OK)
		return CKR_DEVICE_ERROR;
	memcpy(serial, s, EP11_SERIAL_LEN);
	*api = a;
	*fw_major = maj;
	*fw_minor = min;
	return CKR_OK;
}

CK_RV ck_card_wkid(struct ck_card_ctx *c, uint8_t wkid[16])
{
	uint8_t w[EP11_WKID_LEN];
	struct reply r;
	uint16_t domain;
	uint32_t rc;
	int err;
	CK_RV rv;

	if (!c || !wkid)
		return CKR_ARGUMENTS_BAD;
	ctx_reset(c);
	rv = xcp_info(c, EP11_XCP_QUERY_DOMAIN, &r, &domain);
	if (rv != CKR_OK)
		return rv;
	err = ep11_wire_dec_xcp_domain(r.buf, r.len, domain, &rc, w);
	reply_free(&r);
	if (err || rc != EP11_CKR_OK)
		return CKR_DEVICE_ERROR;
	memcpy(wkid, w, EP11_WKID_LEN);
	return CKR_OK;
}
