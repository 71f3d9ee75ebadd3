// SPDX-License-Identifier: GPL-2.0
/*
 * EP11 wire codec: builds and parses EP11 messages (a struct ep11_cprb
 * header and a DER SEQUENCE of OCTET STRINGs).  Freestanding: compiled into
 * ep11sess.ko and, without __KERNEL__, into user space.
 *
 * Parsing is defensive: only short-form, 0x81 and 0x82 lengths, each in its
 * minimal form; every length is checked against the buffer; the SEQUENCE
 * must fill the payload exactly; every element must be an OCTET STRING.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/stddef.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <stddef.h>
#include <string.h>
/* User space links the codec statically: nothing to export. */
#define EXPORT_SYMBOL_NS_GPL(sym, ns)
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#endif

#include "ep11_wire.h"

/* Longest DER length field accepted: 0x82 and two bytes. */
#define DER_MAX_LEN		0xffff
/* Room the builder keeps for the SEQUENCE header: tag, 0x82, two bytes. */
#define SEQ_HDR_RESERVE		4
/* Fixed fields: function and domain; replies add the return code. */
#define REQ_FIXED		2
#define REP_FIXED		3

#define CPRB_OFF(field)		offsetof(struct ep11_cprb, field)

static void put_be16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static u16 get_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static u32 get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/* Bytes needed to encode a DER length of @n, or 0 if @n is too large. */
static size_t der_len_size(size_t n)
{
	if (n < 0x80)
		return 1;
	if (n <= 0xff)
		return 2;
	if (n <= DER_MAX_LEN)
		return 3;
	return 0;
}

static void der_put_len(u8 *p, size_t n)
{
	if (n < 0x80) {
		p[0] = n;
	} else if (n <= 0xff) {
		p[0] = 0x81;
		p[1] = n;
	} else {
		p[0] = 0x82;
		put_be16(p + 1, n);
	}
}

/*
 * Parses one TLV with tag @tag at the start of @p (@avail bytes).  On
 * success stores the value and its length and returns the TLV's total
 * size.  Rejects long forms other than 0x81/0x82, non-minimal lengths and
 * values that run past @avail.
 */
static int der_get(const u8 *p, size_t avail, u8 tag,
		   const u8 **val, size_t *vlen)
{
	size_t hdr, n;

	if (avail < 2 || p[0] != tag)
		return -EBADMSG;
	if (p[1] < 0x80) {
		hdr = 2;
		n = p[1];
	} else if (p[1] == 0x81) {
		if (avail < 3 || p[2] < 0x80)
			return -EBADMSG;
		hdr = 3;
		n = p[2];
	} else if (p[1] == 0x82) {
		if (avail < 4)
			return -EBADMSG;
		n = get_be16(p + 2);
		if (n <= 0xff)
			return -EBADMSG;
		hdr = 4;
	} else {
		return -EBADMSG;
	}
	if (n > avail - hdr)
		return -EBADMSG;
	*val = p + hdr;
	*vlen = n;
	return hdr + n;
}

static void put_header(u8 *h, u8 flags, u16 domain)
{
	memset(h, 0, EP11_CPRB_LEN);
	put_be16(h + CPRB_OFF(cprb_len), EP11_CPRB_LEN);
	h[CPRB_OFF(cprb_ver_id)] = EP11_CPRB_VERSION;
	h[CPRB_OFF(flags)] = flags;
	h[CPRB_OFF(func_id)] = EP11_CPRB_FUNC_ID0;
	h[CPRB_OFF(func_id) + 1] = EP11_CPRB_FUNC_ID1;
	put_be32(h + CPRB_OFF(target_id), domain);
}

static void wbuf_init(struct ep11_wbuf *b, void *buf, size_t cap, u8 flags,
		      u16 domain)
{
	b->data = buf;
	b->cap = cap;
	b->len = 0;
	b->err = 0;
	if (!buf || cap < EP11_CPRB_LEN + SEQ_HDR_RESERVE) {
		b->err = -EMSGSIZE;
		return;
	}
	put_header(buf, flags, domain);
	b->len = EP11_CPRB_LEN + SEQ_HDR_RESERVE;
}

/**
 * ep11_wire_request_init() - start building a request
 * @b:      the builder
 * @buf:    buffer for the whole message (header and payload)
 * @cap:    size of @buf
 * @fn:     function value, (api << 16) | fnid, usually EP11_FN(fnid)
 * @domain: target domain, written to the header and the payload
 * @flags:  CPRB flags (%EP11_CPRB_FLAG_ADMIN, ...)
 *
 * Writes the header and the fixed fields.  Errors (a buffer too small) are
 * kept in @b and returned by ep11_wire_finish().
 *
 * Context: any context; touches only @b and @buf.
 */
void ep11_wire_request_init(struct ep11_wbuf *b, void *buf, size_t cap,
			    u32 fn, u16 domain, u8 flags)
{
	wbuf_init(b, buf, cap, flags, domain);
	ep11_wire_put_u32(b, fn);
	ep11_wire_put_u32(b, domain);
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_request_init, EP11SESS);

/**
 * ep11_wire_reply_init() - start building a reply
 * @b:      the builder
 * @buf:    buffer for the whole message (header and payload)
 * @cap:    size of @buf
 * @fn:     function value of the request being answered
 * @domain: domain of the request being answered
 * @rc:     EP11 return code (a CKR value)
 *
 * Writes the header (CPRB return code zero) and the fixed fields.
 *
 * Context: any context; touches only @b and @buf.
 */
void ep11_wire_reply_init(struct ep11_wbuf *b, void *buf, size_t cap,
			  u32 fn, u16 domain, u32 rc)
{
	wbuf_init(b, buf, cap, 0, domain);
	ep11_wire_put_u32(b, fn);
	ep11_wire_put_u32(b, domain);
	ep11_wire_put_u32(b, rc);
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_reply_init, EP11SESS);

/**
 * ep11_wire_put() - append one OCTET STRING parameter or result
 * @b: the builder
 * @p: the value (may be NULL when @n is 0)
 * @n: its length
 *
 * Context: any context; touches only @b.
 */
void ep11_wire_put(struct ep11_wbuf *b, const void *p, size_t n)
{
	size_t ls = der_len_size(n);

	if (b->err)
		return;
	if (!ls || n > b->cap || 1 + ls > b->cap - n ||
	    b->len > b->cap - n - 1 - ls ||
	    b->len + 1 + ls + n > EP11_MAX_MSG_LEN) {
		b->err = -EMSGSIZE;
		return;
	}
	b->data[b->len] = EP11_TAG_OCTET_STRING;
	der_put_len(b->data + b->len + 1, n);
	if (n)
		memcpy(b->data + b->len + 1 + ls, p, n);
	b->len += 1 + ls + n;
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_put, EP11SESS);

/**
 * ep11_wire_put_u32() - append a 4-byte big-endian OCTET STRING
 * @b: the builder
 * @v: the value
 *
 * Context: any context; touches only @b.
 */
void ep11_wire_put_u32(struct ep11_wbuf *b, u32 v)
{
	u8 be[4];

	put_be32(be, v);
	ep11_wire_put(b, be, sizeof(be));
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_put_u32, EP11SESS);

/* Writes the SEQUENCE header for @content bytes that start at @from and
 * moves them so the header is minimal; returns the payload length.
 */
static size_t seq_close(u8 *data, size_t from, size_t content)
{
	size_t hs = 1 + der_len_size(content);
	u8 *payload = data + EP11_CPRB_LEN;

	memmove(payload + hs, data + from, content);
	/* The header is shorter than reserved: clear the tail left behind. */
	if (data + from > payload + hs)
		memset(payload + hs + content, 0,
		       data + from - (payload + hs));
	payload[0] = EP11_TAG_SEQUENCE;
	der_put_len(payload + 1, content);
	put_be32(data + CPRB_OFF(payload_len), hs + content);
	return hs + content;
}

/**
 * ep11_wire_finish() - complete a message
 * @b: the builder
 *
 * Closes the SEQUENCE with a minimal length and sets the header's payload
 * length.  @b must not be used afterwards.
 *
 * Context: any context; touches only @b.
 * Return: the message length, or the first error seen while building
 * (-EMSGSIZE).
 */
int ep11_wire_finish(struct ep11_wbuf *b)
{
	size_t start = EP11_CPRB_LEN + SEQ_HDR_RESERVE;
	size_t content;

	if (b->err)
		return b->err;
	content = b->len - start;
	if (!der_len_size(content))
		return -EMSGSIZE;
	b->len = EP11_CPRB_LEN + seq_close(b->data, start, content);
	return b->len;
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_finish, EP11SESS);

/**
 * ep11_wire_reply_cprb_rc() - build a reply that carries only a CPRB code
 * @buf:     buffer for the reply
 * @cap:     size of @buf
 * @domain:  domain of the request being answered
 * @cprb_rc: transport-level code, e.g. %EP11_CPRB_RC_BUSY
 *
 * Such a reply has no payload: the request was not executed.
 *
 * Context: any context; touches only @buf.
 * Return: the reply length (%EP11_CPRB_LEN), -EINVAL when @cprb_rc is zero,
 * -EMSGSIZE when @cap is too small.
 */
int ep11_wire_reply_cprb_rc(void *buf, size_t cap, u16 domain, u32 cprb_rc)
{
	if (!cprb_rc)
		return -EINVAL;
	if (!buf || cap < EP11_CPRB_LEN)
		return -EMSGSIZE;
	put_header(buf, 0, domain);
	put_be32((u8 *)buf + CPRB_OFF(ret_code), cprb_rc);
	return EP11_CPRB_LEN;
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_reply_cprb_rc, EP11SESS);

/*
 * Checks the header and the SEQUENCE of a message and fills @m up to the
 * fixed fields.  @nfixed is REQ_FIXED or REP_FIXED.
 */
static int parse_msg(const void *buf, size_t len, struct ep11_msg *m,
		     unsigned int nfixed)
{
	const u8 *h = buf, *seq, *v;
	size_t seq_len, vlen, pos;
	u32 fixed[REP_FIXED];
	unsigned int i;
	int r;

	memset(m, 0, sizeof(*m));
	if (!buf || len < EP11_CPRB_LEN)
		return -EBADMSG;
	if (len > EP11_MAX_MSG_LEN)
		return -EMSGSIZE;
	if (get_be16(h + CPRB_OFF(cprb_len)) != EP11_CPRB_LEN ||
	    h[CPRB_OFF(cprb_ver_id)] != EP11_CPRB_VERSION ||
	    h[CPRB_OFF(func_id)] != EP11_CPRB_FUNC_ID0 ||
	    h[CPRB_OFF(func_id) + 1] != EP11_CPRB_FUNC_ID1 ||
	    get_be32(h + CPRB_OFF(payload_len)) != len - EP11_CPRB_LEN)
		return -EBADMSG;
	m->flags = h[CPRB_OFF(flags)];
	m->domain = get_be32(h + CPRB_OFF(target_id));
	m->cprb_rc = get_be32(h + CPRB_OFF(ret_code));

	/* A reply refused at transport level carries no payload. */
	if (nfixed == REP_FIXED && m->cprb_rc && len == EP11_CPRB_LEN)
		return 0;

	r = der_get(h + EP11_CPRB_LEN, len - EP11_CPRB_LEN, EP11_TAG_SEQUENCE,
		    &seq, &seq_len);
	if (r < 0)
		return r;
	if ((size_t)r != len - EP11_CPRB_LEN)
		return -EBADMSG;

	pos = 0;
	for (i = 0; i < nfixed; i++) {
		r = der_get(seq + pos, seq_len - pos, EP11_TAG_OCTET_STRING,
			    &v, &vlen);
		if (r < 0)
			return r;
		if (vlen != 4)
			return -EBADMSG;
		fixed[i] = get_be32(v);
		pos += r;
	}
	m->fn = fixed[0];
	m->fn_domain = fixed[1];
	if (nfixed == REP_FIXED)
		m->rc = fixed[2];
	m->params = seq + pos;
	m->params_len = seq_len - pos;

	/*
	 * Every remaining element must be a well-formed OCTET STRING; they
	 * are the parameters or results, counted here once and for all.  An
	 * OCTET STRING is primitive: whatever its value holds is one element.
	 */
	for (pos = 0; pos < m->params_len; pos += r) {
		r = der_get(m->params + pos, m->params_len - pos,
			    EP11_TAG_OCTET_STRING, &v, &vlen);
		if (r < 0)
			return r;
		m->count++;
	}
	return 0;
}

/**
 * ep11_wire_parse_request() - check a request and find its parameters
 * @buf: the message (header and payload)
 * @len: its length
 * @m:   filled with the header fields, function, domain and parameters
 *
 * Context: any context; reads @buf, writes @m.
 * Return: 0, -EBADMSG for a malformed or truncated message, -EMSGSIZE for
 * one longer than %EP11_MAX_MSG_LEN.
 */
int ep11_wire_parse_request(const void *buf, size_t len, struct ep11_msg *m)
{
	return parse_msg(buf, len, m, REQ_FIXED);
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_parse_request, EP11SESS);

/**
 * ep11_wire_parse_reply() - check a reply and find its results
 * @buf: the message (header and payload)
 * @len: its length
 * @m:   filled with the header fields, function, domain, return code and
 *       results
 *
 * A reply whose CPRB return code is non-zero may have no payload at all
 * (the card refused the request, e.g. %EP11_CPRB_RC_BUSY); then only
 * @m->flags, @m->domain and @m->cprb_rc are set.
 *
 * Context: any context; reads @buf, writes @m.
 * Return: 0, -EBADMSG for a malformed or truncated message, -EMSGSIZE for
 * one longer than %EP11_MAX_MSG_LEN.
 */
int ep11_wire_parse_reply(const void *buf, size_t len, struct ep11_msg *m)
{
	return parse_msg(buf, len, m, REP_FIXED);
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_parse_reply, EP11SESS);

/**
 * ep11_wire_next() - take the next parameter or result
 * @m: a parsed message
 * @p: set to the value (points into the message)
 * @n: set to its length
 *
 * Context: any context; advances @m's iterator.
 * Return: 0, -ENOENT when there are no more, -EBADMSG if @m is corrupt.
 */
int ep11_wire_next(struct ep11_msg *m, const u8 **p, size_t *n)
{
	int r;

	if (m->pos >= m->params_len)
		return -ENOENT;
	r = der_get(m->params + m->pos, m->params_len - m->pos,
		    EP11_TAG_OCTET_STRING, p, n);
	if (r < 0)
		return r;
	m->pos += r;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_next, EP11SESS);

/**
 * ep11_wire_next_u32() - take the next parameter as a 4-byte integer
 * @m: a parsed message
 * @v: set to the big-endian value
 *
 * Context: any context; advances @m's iterator.
 * Return: 0, -ENOENT when there are no more, -EBADMSG when the value is not
 * exactly 4 bytes long.
 */
int ep11_wire_next_u32(struct ep11_msg *m, u32 *v)
{
	const u8 *p;
	size_t n;
	int r;

	r = ep11_wire_next(m, &p, &n);
	if (r)
		return r;
	if (n != 4)
		return -EBADMSG;
	*v = get_be32(p);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_next_u32, EP11SESS);

/**
 * ep11_wire_count() - number of parameters or results
 * @m: a message that ep11_wire_parse_request() or ep11_wire_parse_reply()
 *     accepted
 *
 * Counts all of them, whatever the iterator's position: the elements of
 * the SEQUENCE after the fixed fields, as the parser found them.
 *
 * Context: any context; reads @m only.
 * Return: the count.
 */
size_t ep11_wire_count(const struct ep11_msg *m)
{
	return m->count;
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_count, EP11SESS);

/*
 * Every EP11 function ep11sess knows, by function number: the parameters
 * of its unbound form and whether it has a bound form (one more
 * parameter, the pin blob, last).  docs/ep11-wire.md, "Function
 * signatures", is this table in prose; change both together.  A number
 * without a name is a function ep11sess does not know.
 */
static const struct ep11_fn_sig fn_sigs[] = {
	/* PIN, nonce */
	[EP11_FN_LOGIN] = { "Login", 2, EP11_SIG_LOGIN },
	/* pin blob */
	[EP11_FN_LOGOUT] = { "Logout", 1, EP11_SIG_LOGIN },
	/* seed */
	[EP11_FN_SEED_RANDOM] = { "SeedRandom", 1, 0 },
	/* length */
	[EP11_FN_GENERATE_RANDOM] = { "GenerateRandom", 1, EP11_SIG_PINBLOB },
	/* mechanism, data */
	[EP11_FN_DIGEST_SINGLE] = { "DigestSingle", 2, EP11_SIG_PINBLOB },
	/* mechanism, key, data */
	[EP11_FN_ENCRYPT_SINGLE] = { "EncryptSingle", 3, EP11_SIG_PINBLOB },
	/* mechanism, key, ciphertext */
	[EP11_FN_DECRYPT_SINGLE] = { "DecryptSingle", 3, EP11_SIG_PINBLOB },
	/* mechanism, template */
	[EP11_FN_GENERATE_KEY] = { "GenerateKey", 2, EP11_SIG_PINBLOB },
	/* mechanism, public key template, private key template */
	[EP11_FN_GENERATE_KEY_PAIR] = { "GenerateKeyPair", 3,
					EP11_SIG_PINBLOB },
	/* mechanism, key, data */
	[EP11_FN_SIGN_SINGLE] = { "SignSingle", 3, EP11_SIG_PINBLOB },
	/* mechanism, key, data, signature */
	[EP11_FN_VERIFY_SINGLE] = { "VerifySingle", 4, EP11_SIG_PINBLOB },
	/* mechanism, wrapping key, key to wrap */
	[EP11_FN_WRAP_KEY] = { "WrapKey", 3, EP11_SIG_PINBLOB },
	/* mechanism, unwrapping key, wrapped key, template */
	[EP11_FN_UNWRAP_KEY] = { "UnwrapKey", 4, EP11_SIG_PINBLOB },
	/* mechanism, template, base key, data */
	[EP11_FN_DERIVE_KEY] = { "DeriveKey", 4, EP11_SIG_PINBLOB },
	/* nothing */
	[EP11_FN_GET_MECHANISM_LIST] = { "GetMechanismList", 0,
					 EP11_SIG_PINBLOB },
	/* mechanism type */
	[EP11_FN_GET_MECHANISM_INFO] = { "GetMechanismInfo", 1,
					 EP11_SIG_PINBLOB },
	/* query */
	[EP11_FN_GET_XCP_INFO] = { "get_xcp_info", 1, 0 },
	/* key, attribute types */
	[EP11_FN_GET_ATTRIBUTE_VALUE] = { "GetAttributeValue", 2,
					  EP11_SIG_PINBLOB },
	/* key, template */
	[EP11_FN_SET_ATTRIBUTE_VALUE] = { "SetAttributeValue", 2,
					  EP11_SIG_PINBLOB },
	/* command block, signatures */
	[EP11_FN_ADMIN] = { "admin", 2, EP11_SIG_ADMIN },
	/* PIN, nonce, login parameters */
	[EP11_FN_LOGIN_EXTENDED] = { "LoginExtended", 3, EP11_SIG_LOGIN },
	/* PIN, nonce, login parameters */
	[EP11_FN_LOGOUT_EXTENDED] = { "LogoutExtended", 3, EP11_SIG_LOGIN },
};

/**
 * ep11_wire_fn_sig() - the signature of an EP11 function
 * @fn: the function value, (api << 16) | fnid; the API ordinal is not
 *      looked at
 *
 * Context: any context.
 * Return: the function's entry of the table, or NULL when ep11sess does
 * not know the function.
 */
const struct ep11_fn_sig *ep11_wire_fn_sig(u32 fn)
{
	u32 fnid = fn & 0xffff;

	if (fnid >= ARRAY_SIZE(fn_sigs) || !fn_sigs[fnid].name)
		return NULL;
	return &fn_sigs[fnid];
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_fn_sig, EP11SESS);

/**
 * ep11_wire_req_form() - which form of its function a request has
 * @m: a request that ep11_wire_parse_request() accepted
 *
 * The unbound form has exactly the function's parameter count; the bound
 * form, for a function with %EP11_SIG_PINBLOB, one more, whose last
 * parameter is %EP11_PINBLOB_LEN bytes long.  Any other request is no
 * request of the function.
 *
 * Context: any context; reads @m only.
 * Return: %EP11_FORM_UNBOUND, %EP11_FORM_BOUND, -EOPNOTSUPP for a function
 * ep11sess does not know, -EPROTO for a parameter count (or a last
 * parameter's length) that fits neither form.
 */
int ep11_wire_req_form(const struct ep11_msg *m)
{
	const struct ep11_fn_sig *sig = ep11_wire_fn_sig(m->fn);
	struct ep11_msg it;
	const u8 *p;
	size_t i, n = 0;

	if (!sig)
		return -EOPNOTSUPP;
	if (m->count == sig->nparams)
		return EP11_FORM_UNBOUND;
	if (!(sig->flags & EP11_SIG_PINBLOB) || m->count != sig->nparams + 1U)
		return -EPROTO;
	it = *m;
	it.pos = 0;
	for (i = 0; i < m->count; i++)
		if (ep11_wire_next(&it, &p, &n))
			return -EPROTO;
	return n == EP11_PINBLOB_LEN ? EP11_FORM_BOUND : -EPROTO;
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_req_form, EP11SESS);

/**
 * ep11_wire_append() - append one OCTET STRING to a finished request
 * @buf: the request, as returned by ep11_wire_finish()
 * @len: its length
 * @cap: size of @buf
 * @p:   the value (the pin blob of a session-bound request)
 * @n:   its length
 *
 * The new element becomes the last one of the SEQUENCE; the SEQUENCE
 * header grows to a longer length form when needed and the header's
 * payload length is updated.
 *
 * Context: any context; touches only @buf.
 * Return: the new message length, -EBADMSG when @buf is not a valid
 * request, -EMSGSIZE when the result does not fit in @cap or exceeds
 * %EP11_MAX_MSG_LEN.
 */
int ep11_wire_append(void *buf, size_t len, size_t cap,
		     const void *p, size_t n)
{
	u8 *data = buf, *payload = data + EP11_CPRB_LEN;
	size_t old_hs, new_hs, content, new_content, ls, total;
	struct ep11_msg m;
	const u8 *seq;
	u8 *end;
	int r;

	r = ep11_wire_parse_request(buf, len, &m);
	if (r)
		return r;
	r = der_get(payload, len - EP11_CPRB_LEN, EP11_TAG_SEQUENCE,
		    &seq, &content);
	if (r < 0)
		return r;
	old_hs = seq - payload;
	ls = der_len_size(n);
	if (!ls)
		return -EMSGSIZE;
	new_content = content + 1 + ls + n;
	if (!der_len_size(new_content))
		return -EMSGSIZE;
	new_hs = 1 + der_len_size(new_content);
	total = EP11_CPRB_LEN + new_hs + new_content;
	if (total > cap || total > EP11_MAX_MSG_LEN)
		return -EMSGSIZE;

	/* The header only grows: move the content up, then add the element. */
	memmove(payload + new_hs, payload + old_hs, content);
	payload[0] = EP11_TAG_SEQUENCE;
	der_put_len(payload + 1, new_content);
	end = payload + new_hs + content;
	end[0] = EP11_TAG_OCTET_STRING;
	der_put_len(end + 1, n);
	if (n)
		memcpy(end + 1 + ls, p, n);
	put_be32(data + CPRB_OFF(payload_len), new_hs + new_content);
	return total;
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_append, EP11SESS);

/*
 * Parses a reply to @fnid from @domain.  Returns -EBUSY or -EIO for a
 * transport-level refusal, -EPROTO when the reply answers another function
 * or domain.
 */
static int dec_reply(const void *buf, size_t len, u16 fnid, u16 domain,
		     struct ep11_msg *m)
{
	int r;

	r = ep11_wire_parse_reply(buf, len, m);
	if (r)
		return r;
	if (m->cprb_rc)
		return m->cprb_rc == EP11_CPRB_RC_BUSY ? -EBUSY : -EIO;
	if (m->fn != EP11_FN(fnid) || m->fn_domain != domain ||
	    m->domain != domain)
		return -EPROTO;
	return 0;
}

/* Takes the only result of a successful reply, which must be @want long
 * (any length if @want is 0).
 */
static int dec_one(struct ep11_msg *m, size_t want, const u8 **p, size_t *n)
{
	if (ep11_wire_count(m) != 1)
		return -EPROTO;
	if (ep11_wire_next(m, p, n))
		return -EBADMSG;
	if (want && *n != want)
		return -EPROTO;
	return 0;
}

/*
 * Decodes a reply to @fnid on @domain whose only result, when the card
 * said OK, is @out_len bytes copied to @out.
 */
static int dec_fixed(const void *buf, size_t len, u16 fnid, u16 domain,
		     u32 *rc, u8 *out, size_t out_len)
{
	struct ep11_msg m;
	const u8 *p;
	size_t n;
	int r;

	r = dec_reply(buf, len, fnid, domain, &m);
	if (r)
		return r;
	*rc = m.rc;
	if (m.rc != EP11_CKR_OK)
		return 0;
	r = dec_one(&m, out_len, &p, &n);
	if (r)
		return r;
	memcpy(out, p, out_len);
	return 0;
}

/**
 * ep11_wire_enc_login() - build a Login request
 * @buf:       buffer for the request
 * @cap:       size of @buf
 * @domain:    target domain
 * @pin:       the PIN, %EP11_PIN_MIN_LEN to %EP11_PIN_MAX_LEN bytes
 * @pin_len:   its length
 * @nonce:     the nonce (may be NULL when @nonce_len is 0)
 * @nonce_len: its length, at most %EP11_NONCE_MAX_LEN
 *
 * Context: any context; touches only @buf.
 * Return: the request length, -EINVAL for a PIN or nonce length out of
 * range, -EMSGSIZE when @cap is too small.
 */
int ep11_wire_enc_login(void *buf, size_t cap, u16 domain,
			const u8 *pin, size_t pin_len,
			const u8 *nonce, size_t nonce_len)
{
	struct ep11_wbuf b;

	if (!pin || pin_len < EP11_PIN_MIN_LEN || pin_len > EP11_PIN_MAX_LEN ||
	    nonce_len > EP11_NONCE_MAX_LEN || (nonce_len && !nonce))
		return -EINVAL;
	ep11_wire_request_init(&b, buf, cap, EP11_FN(EP11_FN_LOGIN), domain, 0);
	ep11_wire_put(&b, pin, pin_len);
	ep11_wire_put(&b, nonce, nonce_len);
	return ep11_wire_finish(&b);
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_enc_login, EP11SESS);

/**
 * ep11_wire_dec_login() - decode a Login reply
 * @buf:    the reply
 * @len:    its length
 * @domain: the domain the request went to
 * @rc:     set to the EP11 return code
 * @pinblob: set to the pin blob when *@rc is %EP11_CKR_OK
 *
 * Context: any context; reads @buf.
 * Return: 0 (check *@rc), -EBADMSG for a malformed reply, -EPROTO for a
 * reply to another function or domain or with the wrong results, -EBUSY or
 * -EIO when the card refused the request at transport level.
 */
int ep11_wire_dec_login(const void *buf, size_t len, u16 domain, u32 *rc,
			u8 pinblob[EP11_PINBLOB_LEN])
{
	return dec_fixed(buf, len, EP11_FN_LOGIN, domain, rc, pinblob,
			 EP11_PINBLOB_LEN);
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_dec_login, EP11SESS);

/**
 * ep11_wire_enc_logout() - build a Logout request
 * @buf:     buffer for the request
 * @cap:     size of @buf
 * @domain:  target domain
 * @pinblob: the pin blob of the session
 *
 * Context: any context; touches only @buf.
 * Return: the request length, or -EMSGSIZE when @cap is too small.
 */
int ep11_wire_enc_logout(void *buf, size_t cap, u16 domain,
			 const u8 pinblob[EP11_PINBLOB_LEN])
{
	struct ep11_wbuf b;

	ep11_wire_request_init(&b, buf, cap, EP11_FN(EP11_FN_LOGOUT), domain,
			       0);
	ep11_wire_put(&b, pinblob, EP11_PINBLOB_LEN);
	return ep11_wire_finish(&b);
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_enc_logout, EP11SESS);

/**
 * ep11_wire_dec_logout() - decode a Logout reply
 * @buf:    the reply
 * @len:    its length
 * @domain: the domain the request went to
 * @rc:     set to the EP11 return code
 *
 * Context: any context; reads @buf.
 * Return: 0 (check *@rc), or as ep11_wire_dec_login().
 */
int ep11_wire_dec_logout(const void *buf, size_t len, u16 domain, u32 *rc)
{
	struct ep11_msg m;
	int r;

	r = dec_reply(buf, len, EP11_FN_LOGOUT, domain, &m);
	if (r)
		return r;
	*rc = m.rc;
	if (m.rc == EP11_CKR_OK && m.params_len)
		return -EPROTO;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_dec_logout, EP11SESS);

/**
 * ep11_wire_enc_xcp_info() - build a get_xcp_info request
 * @buf:    buffer for the request
 * @cap:    size of @buf
 * @domain: target domain
 * @query:  %EP11_XCP_QUERY_MODULE, ..._DOMAIN, ..._EXT_CAPS or
 *          ..._EXT_CAPLIST
 *
 * Context: any context; touches only @buf.
 * Return: the request length, or -EMSGSIZE when @cap is too small.
 */
int ep11_wire_enc_xcp_info(void *buf, size_t cap, u16 domain, u32 query)
{
	struct ep11_wbuf b;

	ep11_wire_request_init(&b, buf, cap, EP11_FN(EP11_FN_GET_XCP_INFO),
			       domain, 0);
	ep11_wire_put_u32(&b, query);
	return ep11_wire_finish(&b);
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_enc_xcp_info, EP11SESS);

/**
 * ep11_wire_dec_xcp_caplist() - decode a get_xcp_info EXT_CAPLIST reply
 * @buf:            the reply
 * @len:            its length
 * @domain:         the domain the request went to
 * @rc:             set to the EP11 return code
 * @max_sessions:   set to capability 12 when *@rc is %EP11_CKR_OK
 * @avail_sessions: set to capability 13 when *@rc is %EP11_CKR_OK
 *
 * The result is one OCTET STRING of (index, value) pairs of 4-byte
 * big-endian integers; both capabilities must appear exactly once and
 * the available count must not exceed the maximum.
 *
 * Context: any context; reads @buf.
 * Return: 0 (check *@rc), or as ep11_wire_dec_login().
 */
int ep11_wire_dec_xcp_caplist(const void *buf, size_t len, u16 domain,
			      u32 *rc, u32 *max_sessions,
			      u32 *avail_sessions)
{
	unsigned int seen_max = 0, seen_avail = 0;
	struct ep11_msg m;
	u32 idx, val, max = 0, avail = 0;
	const u8 *p;
	size_t n, i;
	int r;

	r = dec_reply(buf, len, EP11_FN_GET_XCP_INFO, domain, &m);
	if (r)
		return r;
	*rc = m.rc;
	if (m.rc != EP11_CKR_OK)
		return 0;
	r = dec_one(&m, 0, &p, &n);
	if (r)
		return r;
	if (n % 8)
		return -EPROTO;
	for (i = 0; i < n; i += 8) {
		idx = get_be32(p + i);
		val = get_be32(p + i + 4);
		if (idx == EP11_XCP_CAP_MAX_SESSIONS) {
			seen_max++;
			max = val;
		} else if (idx == EP11_XCP_CAP_AVAIL_SESSIONS) {
			seen_avail++;
			avail = val;
		}
	}
	if (seen_max != 1 || seen_avail != 1 || avail > max)
		return -EPROTO;
	*max_sessions = max;
	*avail_sessions = avail;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_dec_xcp_caplist, EP11SESS);

/**
 * ep11_wire_dec_xcp_module() - decode a get_xcp_info MODULE reply
 * @buf:         the reply
 * @len:         its length
 * @domain:      the domain the request went to
 * @rc:          set to the EP11 return code
 * @serial:      set to the NUL-terminated serial number (16 printable
 *               ASCII characters) when *@rc is %EP11_CKR_OK
 * @api_ordinal: set to the card's API ordinal
 * @fw_major:    set to the firmware's major version
 * @fw_minor:    set to the firmware's minor version
 *
 * Context: any context; reads @buf.
 * Return: 0 (check *@rc), or as ep11_wire_dec_login().
 */
int ep11_wire_dec_xcp_module(const void *buf, size_t len, u16 domain,
			     u32 *rc, char serial[EP11_SERIAL_LEN + 1],
			     u32 *api_ordinal, u32 *fw_major, u32 *fw_minor)
{
	struct ep11_msg m;
	u32 api, major, minor;
	const u8 *p;
	size_t n, i;
	int r;

	r = dec_reply(buf, len, EP11_FN_GET_XCP_INFO, domain, &m);
	if (r)
		return r;
	*rc = m.rc;
	if (m.rc != EP11_CKR_OK)
		return 0;
	if (ep11_wire_count(&m) != 4)
		return -EPROTO;
	if (ep11_wire_next(&m, &p, &n))
		return -EBADMSG;
	if (n != EP11_SERIAL_LEN)
		return -EPROTO;
	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return -EPROTO;
	if (ep11_wire_next_u32(&m, &api) || ep11_wire_next_u32(&m, &major) ||
	    ep11_wire_next_u32(&m, &minor))
		return -EPROTO;
	memcpy(serial, p, EP11_SERIAL_LEN);
	serial[EP11_SERIAL_LEN] = '\0';
	*api_ordinal = api;
	*fw_major = major;
	*fw_minor = minor;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_dec_xcp_module, EP11SESS);

/**
 * ep11_wire_dec_xcp_domain() - decode a get_xcp_info DOMAIN reply
 * @buf:    the reply
 * @len:    its length
 * @domain: the domain the request went to
 * @rc:     set to the EP11 return code
 * @wkid:   set to the domain's wrapping key verification pattern when
 *          *@rc is %EP11_CKR_OK
 *
 * Context: any context; reads @buf.
 * Return: 0 (check *@rc), or as ep11_wire_dec_login().
 */
int ep11_wire_dec_xcp_domain(const void *buf, size_t len, u16 domain,
			     u32 *rc, u8 wkid[EP11_WKID_LEN])
{
	return dec_fixed(buf, len, EP11_FN_GET_XCP_INFO, domain, rc, wkid,
			 EP11_WKID_LEN);
}
EXPORT_SYMBOL_NS_GPL(ep11_wire_dec_xcp_domain, EP11SESS);
