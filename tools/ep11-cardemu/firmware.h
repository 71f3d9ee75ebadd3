/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulated EP11 card's firmware: request in, reply out.
 *
 * libep11fw holds everything the card does; the vcard I/O loop
 * (ep11-cardemu.c) and the unit tests only call fw_new(), fw_handle() and
 * fw_free().  fw_handle() is thread-safe: any number of threads may call
 * it at once on one struct fw.
 *
 * Writing a function handler
 * --------------------------
 * 1. In your own file (e.g. sign.c), write a handler
 *
 *	static u32 sign_single(struct fw_req *req, struct ep11_wbuf *rep)
 *
 *    The framework has already checked the header, the domain and the
 *    parameter count (the function's signature in the table that the
 *    card shares with ep11sess.ko, ep11_wire_fn_sig()), and split the
 *    parameters into req->param[0 .. req->nparams - 1] (pointers into the
 *    request, valid during the call).  Integers are 4-byte big-endian: use fw_param_u32().  An
 *    optional parameter that is absent is an empty OCTET STRING.
 *
 *    Write the results with ep11_wire_put() / ep11_wire_put_u32() into
 *    @rep (function, domain and return code are already there) and return
 *    EP11_CKR_OK.  Return any other CKR value to fail: the framework then
 *    discards what you wrote and sends only the return code.  If @rep runs
 *    out of room the reply becomes EP11_CKR_BUFFER_TOO_SMALL.
 *
 * 2. Group your handlers:
 *
 *	static const struct fw_fn sign_fns[] = {
 *		{ EP11_FN_SIGN_SINGLE, sign_single },
 *	};
 *	const struct fw_fn_group fw_group_sign = FW_FN_GROUP(sign_fns);
 *
 * 3. Declare the group below (next to fw_group_session) and add it to
 *    fw_builtin_groups[] in fn_table.c; add your file to libep11fw in
 *    meson.build.  fw_register() adds a handler at run time (tests).
 *
 *    The function must be in the codec's table of signatures
 *    (driver/ep11_wire.c, docs/ep11-wire.md "Function signatures"): its
 *    parameter count and whether it takes a pin blob are defined there
 *    once, for the card and for the kernel that sends to it.
 *
 * Session-bound requests
 * ----------------------
 * A function whose signature has EP11_SIG_PINBLOB accepts its parameters
 * plus one more: the 80-byte pin blob that ep11sess.ko appends as the
 * last OCTET STRING.  The framework takes it off, checks its MAC and that
 * its session is logged in on this domain (else the reply is
 * EP11_CKR_SESSION_CLOSED, or EP11_CKR_IBM_BLOB_ERROR for a forged blob),
 * and sets req->bound and req->session.  Any other count, or a last
 * parameter of another length, is EP11_CKR_ARGUMENTS_BAD.  New keys
 * generated in a bound request should be bound to req->session.
 *
 * Keys and blobs
 * --------------
 * A key in the clear is a struct fw_key: its attributes (struct fw_attrs),
 * its key material and the session it is bound to (all zero: none).  The
 * material is whatever the mechanism code chooses to store (raw bytes for
 * secret keys; DER PKCS#8 for private keys and SubjectPublicKeyInfo for
 * public keys is the natural choice with OpenSSL).  fw_blob_seal() turns a
 * key into a blob for the host; fw_blob_open() turns a blob back into a
 * key, and returns the CKR value to send when it cannot:
 * EP11_CKR_IBM_WKID_MISMATCH, EP11_CKR_IBM_BLOB_ERROR or
 * EP11_CKR_SESSION_CLOSED.  Clear keys must never reach a reply; free them
 * with fw_key_free(), which wipes them.  The OpenSSL keys of private and
 * public keys opened from blobs stay decoded in the card's key cache
 * (card.h, struct fw_key_cache): fw_key_pkey() looks there first, after
 * fw_blob_open() has checked the blob as always.
 *
 * Attributes
 * ----------
 * On the wire an attribute template is one OCTET STRING holding
 * (u32 type, u32 length, value) triples, big-endian, as PKCS#11 CKA_*
 * types.  CK_BBOOL values are 1 byte (0 or 1), CK_ULONG values 4 bytes
 * big-endian, byte arrays as they are.  fw_attrs_parse() reads a
 * template; fw_attrs_get_bool() / fw_attrs_get_ulong() / fw_attrs_find()
 * look values up; fw_attrs_set() adds or replaces; fw_attrs_encode()
 * writes the same format (GetAttributeValue can return it as is).
 *
 * Return values: functions returning u32 return a CKR value
 * (EP11_CKR_OK on success); functions returning int return 0 or a
 * negative errno.
 */
#ifndef EP11_CARDEMU_FIRMWARE_H
#define EP11_CARDEMU_FIRMWARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/ep11.h>

#include "ep11_wire.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

#define FW_MAX_DOMAINS		256
#define FW_MAX_SESSIONS		4096
#define FW_MAX_PARAMS		16
#define FW_MAX_FNID		64
#define FW_MAX_ATTRS		64
#define FW_MAX_ATTR_LEN		4096
#define FW_MAX_BLOB_LEN		16384
#define FW_WRAPKEY_LEN		32
#define FW_RSA_MIN_BITS		2048
#define FW_RSA_MAX_BITS		4096

/**
 * struct fw_config - how the card is set up; copied by fw_new()
 * @card:            adapter number
 * @domains:         usage domains
 * @ndomains:        entries in @domains (1 - %FW_MAX_DOMAINS)
 * @max_sessions:    session budget of the card, shared by its domains
 *                   (1 - %FW_MAX_SESSIONS)
 * @state_dir:       directory holding the wrapping keys (created 0700 if
 *                   missing)
 * @serial:          16-character serial number; empty: derived from @card
 * @latency_us:      delay before each request is handled
 * @busy_rate:       probability (0-1) of answering a request with the CPRB
 *                   return code %EP11_CPRB_RC_BUSY without running it
 * @login_fail_rate: probability (0-1) of failing a Login with
 *                   %EP11_CKR_DEVICE_ERROR without creating a session
 * @rsa_max_bits:    largest RSA modulus GenerateKeyPair makes, a multiple
 *                   of 8 in %FW_RSA_MIN_BITS - %FW_RSA_MAX_BITS (0:
 *                   %FW_RSA_MAX_BITS); GetMechanismInfo reports it.  A
 *                   smaller cap bounds the time one request can take.
 */
struct fw_config {
	u8 card;
	u16 domains[FW_MAX_DOMAINS];
	unsigned int ndomains;
	unsigned int max_sessions;
	const char *state_dir;
	char serial[EP11_SERIAL_LEN + 1];
	unsigned int latency_us;
	double busy_rate;
	double login_fail_rate;
	unsigned int rsa_max_bits;
};

struct fw;

/**
 * fw_new() - start a card
 * @cfg: its configuration
 *
 * Loads each domain's wrapping key from @cfg->state_dir, creating it
 * (mode 0600) on first start.  Errors are logged to stderr.
 *
 * Return: the card, or NULL with errno set.
 */
struct fw *fw_new(const struct fw_config *cfg);

/** fw_free() - stop a card; every session ends. @fw may be NULL. */
void fw_free(struct fw *fw);

/**
 * fw_handle() - run one request
 * @fw:     the card
 * @domain: the APQN's domain the request arrived on
 * @req:    the request (struct ep11_cprb + payload)
 * @len:    its length
 * @rep:    buffer for the reply
 * @cap:    its size; %EP11_MAX_MSG_LEN always suffices
 *
 * Every request gets a reply, malformed ones an error code
 * (%EP11_CKR_ARGUMENTS_BAD, %EP11_CKR_FUNCTION_NOT_SUPPORTED, ...).
 * Thread-safe.
 *
 * Return: the reply length, or -EMSGSIZE when @cap cannot hold even an
 * error reply.
 */
int fw_handle(struct fw *fw, u16 domain, const void *req, size_t len,
	      void *rep, size_t cap);

/** fw_card() - the card's adapter number. */
u8 fw_card(const struct fw *fw);

/** fw_serial() - the card's 16-character serial number (NUL-terminated). */
const char *fw_serial(const struct fw *fw);

/** fw_has_domain() - whether @domain is one of the card's domains. */
bool fw_has_domain(const struct fw *fw, u16 domain);

/**
 * fw_wkid() - a domain's wrapping key verification pattern
 * @fw:     the card
 * @domain: one of its domains
 * @wkid:   set to the first 16 bytes of SHA-256 of the wrapping key
 *
 * Return: 0, or -ENOENT for a domain that is not the card's.
 */
int fw_wkid(const struct fw *fw, u16 domain, u8 wkid[EP11_WKID_LEN]);

/**
 * fw_session_counts() - the card's session budget
 * @fw:    the card
 * @max:   set to the maximum
 * @avail: set to the number still free
 */
void fw_session_counts(struct fw *fw, unsigned int *max,
		       unsigned int *avail);

/**
 * fw_foreign_login() - open sessions on the card as another host would
 * @fw: the card
 * @n:  how many, at least 1
 *
 * The sessions take @n slots of the card's budget (get_xcp_info reports
 * them as not available) and no pin blob of this host names them: to the
 * kernel they are sessions of another LPAR.  All or nothing.
 *
 * Return: 0, or -ENOSPC when fewer than @n slots are free (nothing taken).
 */
int fw_foreign_login(struct fw *fw, unsigned int n);

/**
 * fw_foreign_logout() - close sessions fw_foreign_login() opened
 * @fw: the card
 * @n:  how many, at least 1
 *
 * Return: 0, or -ENOENT when fewer than @n are open (nothing closed).
 */
int fw_foreign_logout(struct fw *fw, unsigned int n);

/**
 * fw_foreign_count() - sessions fw_foreign_login() holds open
 * @fw: the card
 *
 * Return: the count.
 */
unsigned int fw_foreign_count(struct fw *fw);

/* Handlers. */

/**
 * struct fw_param - one parameter of a request
 * @p: its value (points into the request)
 * @n: its length
 */
struct fw_param {
	const u8 *p;
	size_t n;
};

/**
 * struct fw_req - a request being handled
 * @fw:      the card
 * @domain:  the domain it runs on
 * @fn:      the function value as sent ((api << 16) | fnid)
 * @nparams: parameters in @param (without the pin blob)
 * @param:   the parameters
 * @bound:   a valid pin blob of a logged-in session came with the request
 * @session: that session's id, all zero unless @bound
 */
struct fw_req {
	struct fw *fw;
	u16 domain;
	u32 fn;
	unsigned int nparams;
	struct fw_param param[FW_MAX_PARAMS];
	bool bound;
	u8 session[EP11_SESSION_ID_LEN];
};

typedef u32 (*fw_handler_t)(struct fw_req *req, struct ep11_wbuf *rep);

/**
 * struct fw_fn - a function the card implements
 * @fnid:    EP11 function number (1 - %FW_MAX_FNID - 1), one that
 *           ep11_wire_fn_sig() knows: its signature gives the parameters
 * @handler: the code
 */
struct fw_fn {
	u16 fnid;
	fw_handler_t handler;
};

/**
 * struct fw_fn_group - the handlers of one source file
 * @fns: array of handlers
 * @n:   entries in @fns
 */
struct fw_fn_group {
	const struct fw_fn *fns;
	unsigned int n;
};

#define FW_FN_GROUP(arr)	{ .fns = (arr), .n = ARRAY_SIZE(arr) }

/* Built-in groups, listed in fw_builtin_groups[] (fn_table.c). */
extern const struct fw_fn_group fw_group_session;
extern const struct fw_fn_group fw_group_xcp_info;
extern const struct fw_fn_group fw_group_mechanisms;
extern const struct fw_fn_group fw_group_random;
extern const struct fw_fn_group fw_group_digest;
extern const struct fw_fn_group fw_group_keygen;
extern const struct fw_fn_group fw_group_sign;
extern const struct fw_fn_group fw_group_crypt;
extern const struct fw_fn_group fw_group_wrap;
extern const struct fw_fn_group fw_group_attrval;

/**
 * fw_register() - add a handler to a running card
 * @fw: the card
 * @fn: the handler; must outlive @fw
 *
 * Not thread-safe against fw_handle(): call before serving requests.
 *
 * Return: 0, -EINVAL for a bad descriptor or a function without a
 * signature, -EEXIST when @fn->fnid is taken.
 */
int fw_register(struct fw *fw, const struct fw_fn *fn);

/**
 * fw_param_u32() - read parameter @i as a 4-byte big-endian integer
 * Return: EP11_CKR_OK, or EP11_CKR_ARGUMENTS_BAD when it is not 4 bytes.
 */
u32 fw_param_u32(const struct fw_req *req, unsigned int i, u32 *v);

/* Sessions (Login and Logout are built in; these serve tests and blobs). */

/**
 * fw_session_login() - log in on @domain (the Login function)
 * Return: EP11_CKR_OK and the pin blob, or EP11_CKR_PIN_LEN_RANGE,
 * EP11_CKR_ARGUMENTS_BAD (nonce too long, unknown domain),
 * EP11_CKR_SESSION_COUNT (card full), EP11_CKR_DEVICE_ERROR (injected).
 */
u32 fw_session_login(struct fw *fw, u16 domain, const u8 *pin,
		     size_t pin_len, const u8 *nonce, size_t nonce_len,
		     u8 pinblob[EP11_PINBLOB_LEN]);

/**
 * fw_session_logout() - end the session of @pinblob on @domain
 * Return: EP11_CKR_OK, EP11_CKR_SESSION_CLOSED (not logged in),
 * EP11_CKR_IBM_BLOB_ERROR (MAC wrong), EP11_CKR_ARGUMENTS_BAD.
 */
u32 fw_session_logout(struct fw *fw, u16 domain,
		      const u8 pinblob[EP11_PINBLOB_LEN]);

/**
 * fw_session_verify() - check a pin blob sent with a request
 * Return: EP11_CKR_OK and the session id, EP11_CKR_IBM_BLOB_ERROR (MAC
 * wrong), EP11_CKR_SESSION_CLOSED (not logged in on @domain).
 */
u32 fw_session_verify(struct fw *fw, u16 domain,
		      const u8 pinblob[EP11_PINBLOB_LEN],
		      u8 session[EP11_SESSION_ID_LEN]);

/** fw_session_active() - whether @session is logged in on @domain. */
bool fw_session_active(struct fw *fw, u16 domain,
		       const u8 session[EP11_SESSION_ID_LEN]);

/* Attributes. */

/**
 * struct fw_attr - one attribute
 * @type: CKA_* value
 * @len:  length of @val
 * @val:  the value (heap, owned by the containing struct fw_attrs)
 */
struct fw_attr {
	u32 type;
	u32 len;
	u8 *val;
};

/**
 * struct fw_attrs - a set of attributes, each type at most once
 * @n: entries used in @a
 * @a: the attributes
 *
 * Zero-initialise before use; release with fw_attrs_free().
 */
struct fw_attrs {
	unsigned int n;
	struct fw_attr a[FW_MAX_ATTRS];
};

/**
 * fw_attrs_parse() - read a template (see "Attributes" above)
 * @as: filled; freed first
 * Return: EP11_CKR_OK, EP11_CKR_TEMPLATE_INCONSISTENT (truncated, a type
 * twice, too many, value too long), EP11_CKR_HOST_MEMORY.
 */
u32 fw_attrs_parse(struct fw_attrs *as, const u8 *p, size_t n);

/**
 * fw_attrs_encode() - write @as in template format
 * @out: the buffer, or NULL to learn the length
 * Return: the length, or -EMSGSIZE when @cap is too small.
 */
int fw_attrs_encode(const struct fw_attrs *as, u8 *out, size_t cap);

/** fw_attrs_find() - the attribute of @type, or NULL. */
const struct fw_attr *fw_attrs_find(const struct fw_attrs *as, u32 type);

/**
 * fw_attrs_get_bool() - a CK_BBOOL attribute, @dflt when absent
 * Return: EP11_CKR_OK, EP11_CKR_ATTRIBUTE_VALUE_INVALID (not 1 byte of 0/1)
 */
u32 fw_attrs_get_bool(const struct fw_attrs *as, u32 type, bool dflt,
		      bool *v);

/**
 * fw_attrs_get_ulong() - a CK_ULONG attribute
 * Return: EP11_CKR_OK, EP11_CKR_TEMPLATE_INCOMPLETE (absent),
 * EP11_CKR_ATTRIBUTE_VALUE_INVALID (not 4 bytes)
 */
u32 fw_attrs_get_ulong(const struct fw_attrs *as, u32 type, u32 *v);

/**
 * fw_attrs_set() - add or replace an attribute (the value is copied)
 * Return: EP11_CKR_OK, EP11_CKR_TEMPLATE_INCONSISTENT (full, too long),
 * EP11_CKR_HOST_MEMORY.
 */
u32 fw_attrs_set(struct fw_attrs *as, u32 type, const void *val, size_t len);

/** fw_attrs_set_bool() - fw_attrs_set() of a CK_BBOOL. */
u32 fw_attrs_set_bool(struct fw_attrs *as, u32 type, bool v);

/** fw_attrs_set_ulong() - fw_attrs_set() of a CK_ULONG. */
u32 fw_attrs_set_ulong(struct fw_attrs *as, u32 type, u32 v);

/** fw_attrs_free() - wipe and free every value; @as is empty after. */
void fw_attrs_free(struct fw_attrs *as);

/* Keys and blobs. */

/**
 * struct fw_key - a key in the clear, inside the card only
 * @session:      the session it is bound to, all zero for none
 * @attrs:        its attributes
 * @material:     the key material (heap, wiped by fw_key_free())
 * @material_len: its length
 * @card:         the card that opened it from a blob (fw_blob_open(), for
 *                private and public keys only), whose key cache may hold
 *                its OpenSSL key; NULL for any other key
 * @domain:       the domain it was opened on; set only with @card
 * @blob_id:      SHA-256 of that blob, the key's name in the cache; set
 *                only with @card
 */
struct fw_key {
	u8 session[EP11_SESSION_ID_LEN];
	struct fw_attrs attrs;
	u8 *material;
	size_t material_len;
	struct fw *card;
	u16 domain;
	u8 blob_id[32];
};

/**
 * fw_key_set_material() - copy @len bytes of key material into @key
 * Return: EP11_CKR_OK, EP11_CKR_HOST_MEMORY.
 */
u32 fw_key_set_material(struct fw_key *key, const void *p, size_t len);

/** fw_key_free() - wipe and free @key's material and attributes. */
void fw_key_free(struct fw_key *key);

/*
 * Blob layout: session id (32) | WKID (16) | GCM IV (12) | ciphertext |
 * GCM tag (16).  The first 60 bytes are the additional authenticated
 * data; the plaintext is u32 attribute length | attribute template | key
 * material, under AES-256-GCM with the domain's wrapping key.
 */
#define FW_BLOB_IV_LEN		12
#define FW_BLOB_TAG_LEN		16
#define FW_BLOB_HDR_LEN		(EP11_SESSION_ID_LEN + EP11_WKID_LEN + \
				 FW_BLOB_IV_LEN)
#define FW_BLOB_OVERHEAD	(FW_BLOB_HDR_LEN + 4 + FW_BLOB_TAG_LEN)

/**
 * fw_blob_seal() - wrap @key under @domain's wrapping key
 * @blob:     the output, at most %FW_MAX_BLOB_LEN bytes are needed
 * @blob_len: set to the blob's length
 * Return: EP11_CKR_OK, EP11_CKR_ARGUMENTS_BAD (unknown domain),
 * EP11_CKR_BUFFER_TOO_SMALL, EP11_CKR_DEVICE_ERROR (OpenSSL failed).
 */
u32 fw_blob_seal(struct fw *fw, u16 domain, const struct fw_key *key,
		 u8 *blob, size_t cap, size_t *blob_len);

/**
 * fw_blob_open() - unwrap a blob from the host into @key
 * @key: filled on success; on failure it is left empty
 * Return: EP11_CKR_OK, EP11_CKR_IBM_WKID_MISMATCH (another wrapping key),
 * EP11_CKR_IBM_BLOB_ERROR (short, tampered or malformed),
 * EP11_CKR_SESSION_CLOSED (bound to a session not logged in on @domain),
 * EP11_CKR_ARGUMENTS_BAD (unknown domain), EP11_CKR_HOST_MEMORY.
 */
u32 fw_blob_open(struct fw *fw, u16 domain, const u8 *blob, size_t len,
		 struct fw_key *key);

#endif /* EP11_CARDEMU_FIRMWARE_H */
