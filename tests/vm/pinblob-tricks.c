// SPDX-License-Identifier: GPL-2.0
/*
 * pinblob-tricks: with a session logged in, every parameter-count trick
 * through EP11SESS_IOC_SEND, for every function number 0-63 and 0xffff:
 * fewer or more parameters than the function has, with and without
 * EP11SESS_SEND_SESSION (and EP11SESS_SEND_ANY_APQN), a last parameter
 * of 4 bytes or an 80-byte pin blob look-alike.  What docs/ep11-wire.md
 * ("Function signatures") and docs/ioctl.md allow must be answered by the
 * card; everything else must be refused with EINVAL (EPERM for admin
 * without CAP_SYS_ADMIN), before any card sees it.  Then the read-back of
 * the pin blob through EncryptSingle(mechanism, key) + DecryptSingle,
 * specifically.
 *
 * The pin blob itself is never known here: only the session's public id
 * (the first 16 bytes of its id, from the login and LIST).  Every reply is
 * searched for it: the only place it may appear is the start of a key
 * blob bound to the session, followed there, after the rest of the
 * session id, by the domain's wrapping key verification pattern (WKID).
 * In a pin blob the session id is followed by its salt instead.
 *
 *   pinblob-tricks [--no-admin] APQN
 *
 * --no-admin drops CAP_SYS_ADMIN first: then admin (41) and the CPRB
 * admin flag must give EPERM.  Prints what it expected and what it got on
 * failure, a summary line on success.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/ep11.h>
#include <linux/ep11sess.h>

#include "ep11_wire.h"
#include "pkcs11_ids.h"
#include "vmtest.h"

#define PIN		"pinblob-tricks-1"
#define MAXP		8
#define MAX_BYTES	8192
#define MAX_FNID	64
#define P256_PARAMS	"\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07"

/* A byte string: a parameter, a result, a key blob. */
struct bytes {
	u8 p[MAX_BYTES];
	size_t n;
};

/**
 * struct fn_doc - a function as docs/ep11-wire.md documents it
 * @fnid:        function number
 * @name:        its name
 * @n:           parameters of the unbound form
 * @pinblob:     it takes a pin blob (has a bound form)
 * @login:       a login function, never sent through SEND
 * @admin:       needs CAP_SYS_ADMIN
 * @implemented: the emulated card runs it
 */
struct fn_doc {
	u16 fnid;
	const char *name;
	unsigned int n;
	bool pinblob, login, admin, implemented;
};

static const struct fn_doc docs[] = {
	{ EP11_FN_LOGIN, "Login", 2, false, true, false, true },
	{ EP11_FN_LOGOUT, "Logout", 1, false, true, false, true },
	{ EP11_FN_SEED_RANDOM, "SeedRandom", 1, false, false, false, false },
	{ EP11_FN_GENERATE_RANDOM, "GenerateRandom", 1, true, false, false,
	  true },
	{ EP11_FN_DIGEST_SINGLE, "DigestSingle", 2, true, false, false, true },
	{ EP11_FN_ENCRYPT_SINGLE, "EncryptSingle", 3, true, false, false,
	  true },
	{ EP11_FN_DECRYPT_SINGLE, "DecryptSingle", 3, true, false, false,
	  true },
	{ EP11_FN_GENERATE_KEY, "GenerateKey", 2, true, false, false, true },
	{ EP11_FN_GENERATE_KEY_PAIR, "GenerateKeyPair", 3, true, false, false,
	  true },
	{ EP11_FN_SIGN_SINGLE, "SignSingle", 3, true, false, false, true },
	{ EP11_FN_VERIFY_SINGLE, "VerifySingle", 4, true, false, false,
	  true },
	{ EP11_FN_WRAP_KEY, "WrapKey", 3, true, false, false, true },
	{ EP11_FN_UNWRAP_KEY, "UnwrapKey", 4, true, false, false, true },
	{ EP11_FN_DERIVE_KEY, "DeriveKey", 4, true, false, false, false },
	{ EP11_FN_GET_MECHANISM_LIST, "GetMechanismList", 0, true, false,
	  false, true },
	{ EP11_FN_GET_MECHANISM_INFO, "GetMechanismInfo", 1, true, false,
	  false, true },
	{ EP11_FN_GET_XCP_INFO, "get_xcp_info", 1, false, false, false, true },
	{ EP11_FN_GET_ATTRIBUTE_VALUE, "GetAttributeValue", 2, true, false,
	  false, true },
	{ EP11_FN_SET_ATTRIBUTE_VALUE, "SetAttributeValue", 2, true, false,
	  false, false },
	{ EP11_FN_ADMIN, "admin", 2, false, false, true, false },
	{ EP11_FN_LOGIN_EXTENDED, "LoginExtended", 3, false, true, false,
	  false },
	{ EP11_FN_LOGOUT_EXTENDED, "LogoutExtended", 3, false, true, false,
	  false },
};

static int fd;
static u32 handle;
static struct ep11sess_apqn apqn;
static bool have_admin = true;
static u8 pubid[EP11_PUBLIC_ID_LEN];
static u8 wkid[EP11_WKID_LEN];
static u8 req_buf[EP11_MAX_MSG_LEN], rep_buf[EP11_MAX_MSG_LEN];

/* Figures for the summary. */
static unsigned int n_sent, n_einval, n_eperm, n_answered, n_bound_blobs;

/* The keys and values the valid requests use. */
static struct bytes aes, ct, sig, wrapped, data16, gcm_mech, tmpl_aes,
	tmpl_ec, tmpl_unwrap, attr_list, m_sha256, m_keygen, m_pairgen,
	m_ecdsa, m_kwp, m_ecb, u_len16, u_mech_info, u_query, pin_b, nonce_b,
	extra, lookalike, empty;
static struct bytes ec_priv, ec_pub;

static void put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void add(struct bytes *b, const void *p, size_t n)
{
	if (b->n + n > sizeof(b->p))
		vmt_die("test parameter too long");
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void add_u32(struct bytes *b, u32 v)
{
	u8 x[4];

	put_be32(x, v);
	add(b, x, 4);
}

static void set_u32(struct bytes *b, u32 v)
{
	b->n = 0;
	add_u32(b, v);
}

/* A template attribute: u32 type, u32 length, value. */
static void attr(struct bytes *t, u32 type, const void *v, size_t n)
{
	add_u32(t, type);
	add_u32(t, n);
	add(t, v, n);
}

static void attr_u32(struct bytes *t, u32 type, u32 v)
{
	u8 x[4];

	put_be32(x, v);
	attr(t, type, x, 4);
}

static const struct fn_doc *doc_of(u32 fnid)
{
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		if (docs[i].fnid == fnid)
			return &docs[i];
	return NULL;
}

/*
 * Searches a reply for the public id.  It may appear only where a key
 * blob bound to the session starts: followed, after the session id's
 * other 16 bytes, by the domain's WKID.  Anything else is (part of) a
 * pin blob.  Fails and returns false on a find.
 */
static bool scan_reply(const u8 *rep, size_t len, const char *what)
{
	size_t i;

	for (i = 0; i + EP11_PUBLIC_ID_LEN <= len; i++) {
		if (memcmp(rep + i, pubid, EP11_PUBLIC_ID_LEN))
			continue;
		if (i + EP11_SESSION_ID_LEN + EP11_WKID_LEN <= len &&
		    !memcmp(rep + i + EP11_SESSION_ID_LEN, wkid,
			    EP11_WKID_LEN)) {
			n_bound_blobs++;
			continue;
		}
		vmt_fail("%s: the session's public id at offset %zu of a %zu-byte reply, not at the start of a key blob: part of the pin blob came back",
			 what, i, len);
		return false;
	}
	return true;
}

/**
 * struct call - one request's reply
 * @rc:   the card's return code
 * @nres: results in @res
 * @res:  the results
 */
struct call {
	u32 rc;
	unsigned int nres;
	struct bytes res[4];
};

/*
 * Sends @fn with @n parameters; @flags EP11SESS_SEND_*, the session's
 * handle goes with any flag; @cprb_flags in the header.  Returns 0 and
 * fills @c when a reply came (searched for the public id), else -errno.
 */
static int send_fn(u32 fn, unsigned int n, const struct bytes *const *p,
		   u32 flags, u8 cprb_flags, struct call *c, const char *what)
{
	struct ep11sess_send s;
	struct ep11_wbuf b;
	struct ep11_msg m;
	unsigned int i;
	const u8 *v;
	size_t len;
	int r;

	ep11_wire_request_init(&b, req_buf, sizeof(req_buf), fn, apqn.domain,
			       cprb_flags);
	for (i = 0; i < n; i++)
		ep11_wire_put(&b, p[i]->p, p[i]->n);
	r = ep11_wire_finish(&b);
	if (r < 0)
		vmt_die("%s: does not encode: %d", what, r);
	vmt_send_init(&s, flags, flags ? handle : 0, apqn, req_buf, r,
		      rep_buf, sizeof(rep_buf));
	n_sent++;
	if (ioctl(fd, EP11SESS_IOC_SEND, &s)) {
		r = -errno;
		if (r == -EINVAL)
			n_einval++;
		else if (r == -EPERM)
			n_eperm++;
		return r;
	}
	n_answered++;
	scan_reply(rep_buf, s.rep_len, what);
	r = ep11_wire_parse_reply(rep_buf, s.rep_len, &m);
	if (r < 0)
		vmt_die("%s: the reply does not parse: %d", what, r);
	if (m.fn != fn)
		vmt_die("%s: the reply names function %#x", what, m.fn);
	memset(c, 0, sizeof(*c));
	c->rc = m.rc;
	while (!ep11_wire_next(&m, &v, &len)) {
		if (c->nres == 4 || len > MAX_BYTES)
			vmt_die("%s: too many or too long results", what);
		memcpy(c->res[c->nres].p, v, len);
		c->res[c->nres++].n = len;
	}
	return 0;
}

#define CALL(fnid, flags, c, what, ...)					\
	({								\
		const struct bytes *const _p[] = { __VA_ARGS__ };	\
		int _r = send_fn(EP11_FN(fnid),				\
				 sizeof(_p) / sizeof(_p[0]), _p, flags, 0, \
				 c, what);				\
		if (_r)							\
			vmt_die("%s: expected a reply, got %s", what,	\
				strerror(-_r));				\
		(c)->rc;						\
	})

static void want_result(u32 rc, const struct call *c, const char *what,
			struct bytes *out)
{
	if (rc || c->nres < 1)
		vmt_die("%s: expected rc 0 and a result, got rc %#x and %u result(s)",
			what, rc, c->nres);
	*out = c->res[0];
}

/* The public id from the login must be what LIST shows for the handle. */
static void check_list(void)
{
	struct ep11sess_session_info info[4];
	struct ep11sess_list l = {
		.size = sizeof(l),
		.entries = (uintptr_t)info,
		.entry_size = sizeof(info[0]),
		.count = 4,
	};
	unsigned int i;

	if (ioctl(fd, EP11SESS_IOC_LIST, &l))
		vmt_die("LIST: %s", strerror(errno));
	for (i = 0; i < l.count && i < 4; i++)
		if (info[i].handle == handle &&
		    !memcmp(info[i].public_id, pubid, sizeof(pubid)))
			return;
	vmt_die("LIST: expected handle %u with the login's public id", handle);
}

static void setup(void)
{
	struct ep11sess_target t[EP11SESS_MAX_APQNS];
	struct ep11sess_login l;
	struct call c;
	u32 rc;

	fd = vmt_open_dev();
	vmt_login_init(&l, t, &apqn, 1, PIN);
	if (ioctl(fd, EP11SESS_IOC_LOGIN, &l))
		vmt_die("login on %02x.%04x: %s (rc %#x)", apqn.card,
			apqn.domain, strerror(errno), t[0].ep11_rc);
	handle = l.handle;
	memcpy(pubid, l.public_id, sizeof(pubid));
	check_list();

	set_u32(&u_query, EP11_XCP_QUERY_DOMAIN);
	rc = CALL(EP11_FN_GET_XCP_INFO, 0, &c, "get_xcp_info DOMAIN",
		  &u_query);
	if (rc || c.nres != 1 || c.res[0].n != EP11_WKID_LEN)
		vmt_die("get_xcp_info DOMAIN: expected rc 0 and a WKID, got rc %#x",
			rc);
	memcpy(wkid, c.res[0].p, EP11_WKID_LEN);
	set_u32(&u_query, EP11_XCP_QUERY_MODULE);

	set_u32(&m_sha256, CKM_SHA256);
	set_u32(&m_keygen, CKM_AES_KEY_GEN);
	set_u32(&m_pairgen, CKM_EC_KEY_PAIR_GEN);
	set_u32(&m_ecdsa, CKM_ECDSA_SHA256);
	set_u32(&m_kwp, CKM_AES_KEY_WRAP_KWP);
	set_u32(&m_ecb, CKM_AES_ECB);
	set_u32(&u_len16, 16);
	set_u32(&u_mech_info, CKM_AES_GCM);
	set_u32(&extra, 0x5a5a5a5a);
	add(&data16, "sixteen bytes!!!", 16);
	add_u32(&gcm_mech, CKM_AES_GCM);
	add_u32(&gcm_mech, 12);
	add(&gcm_mech, "pinblob-iv-1", 12);
	add_u32(&gcm_mech, 0);
	add_u32(&gcm_mech, 128);
	attr_u32(&tmpl_aes, CKA_VALUE_LEN, 32);
	attr(&tmpl_ec, CKA_EC_PARAMS, P256_PARAMS, sizeof(P256_PARAMS) - 1);
	attr_u32(&tmpl_unwrap, CKA_CLASS, CKO_PRIVATE_KEY);
	attr_u32(&tmpl_unwrap, CKA_KEY_TYPE, CKK_EC);
	add_u32(&attr_list, CKA_CLASS);
	add(&pin_b, PIN, strlen(PIN));
	add(&nonce_b, "pinblob-tricks", 14);
	/* Looks like this session's pin blob: its public id, then filler. */
	add(&lookalike, pubid, sizeof(pubid));
	while (lookalike.n < EP11_PINBLOB_LEN)
		add(&lookalike, "\xa5", 1);

	rc = CALL(EP11_FN_GENERATE_KEY, 0, &c, "GenerateKey AES unbound",
		  &m_keygen, &tmpl_aes);
	want_result(rc, &c, "GenerateKey AES unbound", &aes);
	rc = CALL(EP11_FN_GENERATE_KEY_PAIR, 0, &c, "GenerateKeyPair EC",
		  &m_pairgen, &tmpl_ec, &empty);
	if (rc)
		vmt_die("GenerateKeyPair EC: expected rc 0, got %#x", rc);
	if (c.nres != 3)
		vmt_die("GenerateKeyPair EC: expected 3 results, got %u",
			c.nres);
	ec_priv = c.res[0];
	ec_pub = c.res[1];
	rc = CALL(EP11_FN_ENCRYPT_SINGLE, 0, &c, "EncryptSingle AES-GCM",
		  &gcm_mech, &aes, &data16);
	want_result(rc, &c, "EncryptSingle AES-GCM", &ct);
	rc = CALL(EP11_FN_SIGN_SINGLE, 0, &c, "SignSingle ECDSA",
		  &m_ecdsa, &ec_priv, &data16);
	want_result(rc, &c, "SignSingle ECDSA", &sig);
	rc = CALL(EP11_FN_WRAP_KEY, 0, &c, "WrapKey KWP", &m_kwp, &aes,
		  &ec_priv);
	want_result(rc, &c, "WrapKey KWP", &wrapped);
}

/* A valid unbound request of @fnid in @p; returns its count. */
static unsigned int valid_params(const struct fn_doc *d,
				 const struct bytes **p)
{
	unsigned int i;

	switch (d->fnid) {
	case EP11_FN_LOGIN:
		p[0] = &pin_b;
		p[1] = &nonce_b;
		return 2;
	case EP11_FN_LOGOUT:
		p[0] = &lookalike;	/* the real one is the kernel's */
		return 1;
	case EP11_FN_GENERATE_RANDOM:
		p[0] = &u_len16;
		return 1;
	case EP11_FN_DIGEST_SINGLE:
		p[0] = &m_sha256;
		p[1] = &data16;
		return 2;
	case EP11_FN_ENCRYPT_SINGLE:
		p[0] = &gcm_mech;
		p[1] = &aes;
		p[2] = &data16;
		return 3;
	case EP11_FN_DECRYPT_SINGLE:
		p[0] = &gcm_mech;
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
		p[2] = &empty;
		return 3;
	case EP11_FN_SIGN_SINGLE:
		p[0] = &m_ecdsa;
		p[1] = &ec_priv;
		p[2] = &data16;
		return 3;
	case EP11_FN_VERIFY_SINGLE:
		p[0] = &m_ecdsa;
		p[1] = &ec_pub;
		p[2] = &data16;
		p[3] = &sig;
		return 4;
	case EP11_FN_WRAP_KEY:
		p[0] = &m_kwp;
		p[1] = &aes;
		p[2] = &ec_priv;
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
		p[0] = &u_mech_info;
		return 1;
	case EP11_FN_GET_XCP_INFO:
		p[0] = &u_query;
		return 1;
	case EP11_FN_GET_ATTRIBUTE_VALUE:
		p[0] = &ec_pub;
		p[1] = &attr_list;
		return 2;
	default:
		/* Functions the card does not implement: any bytes. */
		for (i = 0; i < d->n; i++)
			p[i] = &extra;
		return d->n;
	}
}

/* What the documents let through: 0, or the errno of the refusal. */
static int doc_errno(const struct fn_doc *d, unsigned int count, u32 flags)
{
	if (!d || d->login || count != d->n)
		return EINVAL;
	if ((flags & EP11SESS_SEND_SESSION) && !d->pinblob)
		return EINVAL;
	if (d->admin && !have_admin)
		return EPERM;
	return 0;
}

static const u32 flag_sets[] = {
	0, EP11SESS_SEND_SESSION, EP11SESS_SEND_ANY_APQN,
	EP11SESS_SEND_SESSION | EP11SESS_SEND_ANY_APQN,
};

/*
 * Every count from none to two past the bound form, a last parameter of
 * 4 bytes or a pin blob look-alike, every flag set: one function number.
 */
static void tricks_of(u32 fn)
{
	const struct fn_doc *d = doc_of(fn & 0xffff);
	const struct bytes *valid[MAXP], *p[MAXP + 3];
	unsigned int n = 0, count, last, f, i;
	const char *name = d ? d->name : "unknown";
	char what[160];
	struct call c;
	int want, r;

	if (d)
		n = valid_params(d, valid);
	for (count = 0; count <= n + 2; count++) {
		for (last = 0; last < 2; last++) {
			if (last && !count)
				continue;
			for (i = 0; i < count; i++)
				p[i] = i < n ? valid[i] : &extra;
			if (last)
				p[count - 1] = &lookalike;
			for (f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]);
			     f++) {
				snprintf(what, sizeof(what),
					 "%s (%#x) with %u parameters (last %s), flags %#x",
					 name, fn, count,
					 last ? "a pin blob look-alike" :
					 "4 bytes or valid", flag_sets[f]);
				want = doc_errno(d, count, flag_sets[f]);
				r = send_fn(fn, count, p, flag_sets[f], 0, &c,
					    what);
				if (r != -want) {
					vmt_fail("%s: expected %s, got %s", what,
						 want ? strerror(want) : "a reply",
						 r ? strerror(-r) : "a reply");
					continue;
				}
				if (r || last)
					continue;
				/* The request the documents describe runs. */
				if (d->implemented && c.rc)
					vmt_fail("%s: expected rc 0, got %#x",
						 what, c.rc);
				if (!d->implemented &&
				    c.rc != EP11_CKR_FUNCTION_NOT_SUPPORTED)
					vmt_fail("%s: expected rc %#x (CKR_FUNCTION_NOT_SUPPORTED), got %#x",
						 what,
						 EP11_CKR_FUNCTION_NOT_SUPPORTED,
						 c.rc);
			}
		}
	}
}

/*
 * The read-back: EncryptSingle with only an AES-ECB mechanism and an
 * unbound AES key, bound to the session.  Were the pin blob appended,
 * the card would encrypt it as data, and DecryptSingle would give it
 * back; were that pin blob then accepted in an unbound request, it would
 * work without the session's handle.  Every step that comes back is
 * followed to its end, so a kernel that lets the first through fails
 * here with what it gave away.
 */
static void readback(void)
{
	static const u32 ways[] = {
		EP11SESS_SEND_SESSION,
		EP11SESS_SEND_SESSION | EP11SESS_SEND_ANY_APQN,
	};
	const struct bytes *p[3];
	struct bytes pt;
	struct call c;
	unsigned int w;
	char what[128];
	int r;

	for (w = 0; w < 2; w++) {
		snprintf(what, sizeof(what),
			 "EncryptSingle(AES-ECB, key), flags %#x", ways[w]);
		p[0] = &m_ecb;
		p[1] = &aes;
		r = send_fn(EP11_FN(EP11_FN_ENCRYPT_SINGLE), 2, p, ways[w], 0,
			    &c, what);
		if (r == -EINVAL)
			continue;
		if (r || c.rc || c.nres != 1) {
			vmt_fail("%s: expected EINVAL, got %s rc %#x", what,
				 r ? strerror(-r) : "a reply", c.rc);
			continue;
		}
		vmt_fail("%s: expected EINVAL, got a ciphertext of %zu bytes",
			 what, c.res[0].n);
		pt = c.res[0];
		p[2] = &pt;
		r = send_fn(EP11_FN(EP11_FN_DECRYPT_SINGLE), 3, p, 0, 0, &c,
			    "DecryptSingle of that ciphertext, unbound");
		if (r || c.rc || c.nres != 1)
			continue;
		pt = c.res[0];
		if (pt.n >= EP11_PUBLIC_ID_LEN &&
		    !memcmp(pt.p, pubid, EP11_PUBLIC_ID_LEN))
			vmt_fail("the %zu bytes decrypted begin with the session's public id: the pin blob",
				 pt.n);
		if (pt.n < EP11_PINBLOB_LEN)
			continue;
		pt.n = EP11_PINBLOB_LEN;
		p[0] = &m_keygen;
		p[1] = &tmpl_aes;
		p[2] = &pt;
		r = send_fn(EP11_FN(EP11_FN_GENERATE_KEY), 3, p, 0, 0, &c,
			    "GenerateKey unbound, with the read-back pin blob last");
		if (!r && !c.rc)
			vmt_fail("an unbound GenerateKey carrying the read-back pin blob was run: rc 0, a key of the session without its handle");
	}
	/* An unbound request with a pin blob look-alike last. */
	p[0] = &m_keygen;
	p[1] = &tmpl_aes;
	p[2] = &lookalike;
	r = send_fn(EP11_FN(EP11_FN_GENERATE_KEY), 3, p, 0, 0, &c,
		    "GenerateKey unbound with a pin blob look-alike last");
	if (r != -EINVAL)
		vmt_fail("GenerateKey unbound with a pin blob look-alike last: expected EINVAL, got %s",
			 r ? strerror(-r) : "a reply");
}

/* admin and the CPRB admin flag, with and without CAP_SYS_ADMIN. */
static void admin_checks(void)
{
	const struct bytes *p[2] = { &extra, &extra };
	int want = have_admin ? 0 : -EPERM;
	struct call c;
	u32 flags;
	int r;

	for (flags = 0; flags <= EP11_CPRB_FLAG_ADMIN;
	     flags += EP11_CPRB_FLAG_ADMIN) {
		r = send_fn(EP11_FN(EP11_FN_ADMIN), 2, p, 0, flags, &c,
			    "admin");
		if (r != want)
			vmt_fail("admin, CPRB flags %#x, %s CAP_SYS_ADMIN: expected %s, got %s",
				 flags, have_admin ? "with" : "without",
				 want ? strerror(-want) : "a reply",
				 r ? strerror(-r) : "a reply");
	}
	p[0] = &u_len16;
	r = send_fn(EP11_FN(EP11_FN_GENERATE_RANDOM), 1, p, 0,
		    EP11_CPRB_FLAG_ADMIN, &c, "GenerateRandom, admin flag");
	if (r != want)
		vmt_fail("GenerateRandom with the CPRB admin flag, %s CAP_SYS_ADMIN: expected %s, got %s",
			 have_admin ? "with" : "without",
			 want ? strerror(-want) : "a reply",
			 r ? strerror(-r) : "a reply");
	r = send_fn(EP11_FN(EP11_FN_GENERATE_RANDOM), 1, p,
		    EP11SESS_SEND_SESSION, 0, &c, "GenerateRandom bound");
	if (r || c.rc)
		vmt_fail("GenerateRandom bound, no admin flag: expected rc 0, got %s rc %#x",
			 r ? strerror(-r) : "a reply", c.rc);
}

static void drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		vmt_die("capget: %s", strerror(errno));
	d[0].effective &= ~(1U << CAP_SYS_ADMIN);
	d[0].permitted &= ~(1U << CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &h, d))
		vmt_die("capset: %s", strerror(errno));
	have_admin = false;
}

int main(int argc, char **argv)
{
	struct ep11sess_logout lo = { .size = sizeof(lo) };
	unsigned int fnid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "--no-admin")) {
		drop_cap_sys_admin();
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: pinblob-tricks [--no-admin] APQN\n");
		return 2;
	}
	apqn = vmt_apqn(argv[1]);
	setup();
	for (fnid = 0; fnid < MAX_FNID; fnid++)
		tricks_of(EP11_FN(fnid));
	tricks_of(EP11_FN(0xffff));
	readback();
	admin_checks();
	/* The session is whole after all of it. */
	check_list();
	lo.handle = handle;
	if (ioctl(fd, EP11SESS_IOC_LOGOUT, &lo))
		vmt_fail("logout: %s", strerror(errno));
	close(fd);
	if (vmt_failed)
		return 1;
	printf("pinblob-tricks %02x.%04x%s: %u requests, %u refused with EINVAL, %u with EPERM, %u answered; the public id came back only as the session id of %u bound key blob(s)\n",
	       apqn.card, apqn.domain, have_admin ? "" : " without CAP_SYS_ADMIN",
	       n_sent, n_einval, n_eperm, n_answered, n_bound_blobs);
	return 0;
}
