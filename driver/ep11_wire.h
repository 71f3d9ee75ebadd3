/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EP11 wire codec, shared by ep11sess.ko and the user-space parts
 * (ep11-cardemu, libcryptoki).  ep11_wire.c is freestanding: it compiles
 * in the kernel and, with __KERNEL__ undefined, in user space.
 *
 * A message is a struct ep11_cprb header followed by a DER SEQUENCE:
 *   request: OCTET STRING(4) function, OCTET STRING(4) domain, params...
 *   reply:   OCTET STRING(4) function, OCTET STRING(4) domain,
 *            OCTET STRING(4) return code, results...
 * Every parameter and result is one OCTET STRING.  Integers are 4-byte
 * big-endian OCTET STRINGs.  docs/ep11-wire.md gives the layout of each
 * function.
 *
 * All functions return 0 or a positive length on success and a negative
 * errno on failure: -EMSGSIZE when a buffer is too small or a limit is
 * exceeded, -EBADMSG when input is malformed or truncated, -EPROTO when a
 * well-formed message is not the one expected (wrong function, domain or
 * result count, or a request whose parameter count is no form of its
 * function), -EOPNOTSUPP for a function ep11sess does not know, -ENOENT
 * when a parameter iterator is exhausted.
 * Decoders of replies return -EBUSY (CPRB return code %EP11_CPRB_RC_BUSY)
 * or -EIO (any other non-zero CPRB return code) when the card refused the
 * request at transport level; encoders return -EINVAL for arguments out of
 * range (PIN or nonce length).
 */
#ifndef _EP11_WIRE_H
#define _EP11_WIRE_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
#endif
#include <linux/ep11.h>

/**
 * struct ep11_wbuf - a message being built
 * @data: the caller's buffer
 * @cap:  its size
 * @len:  bytes used so far
 * @err:  first error seen; later puts are no-ops and ep11_wire_finish()
 *        returns it
 */
struct ep11_wbuf {
	u8 *data;
	size_t cap;
	size_t len;
	int err;
};

/**
 * struct ep11_msg - a parsed message
 * @flags:      CPRB flags
 * @domain:     CPRB target domain
 * @cprb_rc:    CPRB return code (replies only)
 * @fn:         function value from the payload (api << 16 | fnid)
 * @fn_domain:  domain value from the payload
 * @rc:         EP11 return code (replies only)
 * @params:     start of the first parameter/result after the fixed fields
 * @params_len: bytes from @params to the end of the SEQUENCE
 * @count:      parameters (request) or results (reply): the elements of
 *              the SEQUENCE after the fixed fields
 * @pos:        iterator position within @params
 */
struct ep11_msg {
	u8 flags;
	u32 domain;
	u32 cprb_rc;
	u32 fn;
	u32 fn_domain;
	u32 rc;
	const u8 *params;
	size_t params_len;
	size_t count;
	size_t pos;
};

/**
 * struct ep11_fn_sig - the signature of an EP11 function
 * @name:    EP11's name of the function
 * @nparams: parameters of the unbound form (after function and domain)
 * @flags:   %EP11_SIG_PINBLOB, %EP11_SIG_LOGIN, %EP11_SIG_ADMIN
 *
 * A function has an unbound form of exactly @nparams parameters and, with
 * %EP11_SIG_PINBLOB, a bound form of @nparams + 1 whose last parameter is
 * a session's pin blob (%EP11_PINBLOB_LEN bytes).  No other count is a
 * request of the function.  ep11_wire_fn_sig() looks one up; the table is
 * in ep11_wire.c and in docs/ep11-wire.md, "Function signatures".
 */
struct ep11_fn_sig {
	const char *name;
	u8 nparams;
	u8 flags;
};

/* The function also has a bound form: the pin blob as last parameter. */
#define EP11_SIG_PINBLOB	0x01
/* The function starts or ends a login session (only the kernel sends it). */
#define EP11_SIG_LOGIN		0x02
/* The function administers the card or a domain. */
#define EP11_SIG_ADMIN		0x04

/* The forms of a request, as ep11_wire_req_form() tells them apart. */
#define EP11_FORM_UNBOUND	0
#define EP11_FORM_BOUND		1

/* Building. */
void ep11_wire_request_init(struct ep11_wbuf *b, void *buf, size_t cap,
			    u32 fn, u16 domain, u8 flags);
void ep11_wire_reply_init(struct ep11_wbuf *b, void *buf, size_t cap,
			  u32 fn, u16 domain, u32 rc);
void ep11_wire_put(struct ep11_wbuf *b, const void *p, size_t n);
void ep11_wire_put_u32(struct ep11_wbuf *b, u32 v);
int ep11_wire_finish(struct ep11_wbuf *b);
/* A reply with only a CPRB return code (busy): the request did not run. */
int ep11_wire_reply_cprb_rc(void *buf, size_t cap, u16 domain, u32 cprb_rc);

/* Appends one OCTET STRING to a finished request in place (the pin blob). */
int ep11_wire_append(void *buf, size_t len, size_t cap,
		     const void *p, size_t n);

/* Parsing: whole-message checks (header, lengths, fixed fields). */
int ep11_wire_parse_request(const void *buf, size_t len, struct ep11_msg *m);
int ep11_wire_parse_reply(const void *buf, size_t len, struct ep11_msg *m);
int ep11_wire_next(struct ep11_msg *m, const u8 **p, size_t *n);
int ep11_wire_next_u32(struct ep11_msg *m, u32 *v);
size_t ep11_wire_count(const struct ep11_msg *m);

/* Function signatures: one table for the kernel and the emulated card. */
const struct ep11_fn_sig *ep11_wire_fn_sig(u32 fn);
int ep11_wire_req_form(const struct ep11_msg *m);

/* The messages the kernel itself sends: Login, Logout, get_xcp_info. */
int ep11_wire_enc_login(void *buf, size_t cap, u16 domain,
			const u8 *pin, size_t pin_len,
			const u8 *nonce, size_t nonce_len);
int ep11_wire_dec_login(const void *buf, size_t len, u16 domain, u32 *rc,
			u8 pinblob[EP11_PINBLOB_LEN]);
int ep11_wire_enc_logout(void *buf, size_t cap, u16 domain,
			 const u8 pinblob[EP11_PINBLOB_LEN]);
int ep11_wire_dec_logout(const void *buf, size_t len, u16 domain, u32 *rc);
int ep11_wire_enc_xcp_info(void *buf, size_t cap, u16 domain, u32 query);
int ep11_wire_dec_xcp_caplist(const void *buf, size_t len, u16 domain,
			      u32 *rc, u32 *max_sessions,
			      u32 *avail_sessions);
int ep11_wire_dec_xcp_module(const void *buf, size_t len, u16 domain,
			     u32 *rc, char serial[EP11_SERIAL_LEN + 1],
			     u32 *api_ordinal, u32 *fw_major, u32 *fw_minor);
int ep11_wire_dec_xcp_domain(const void *buf, size_t len, u16 domain,
			     u32 *rc, u8 wkid[EP11_WKID_LEN]);

#endif /* _EP11_WIRE_H */
