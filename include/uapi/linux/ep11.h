/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * EP11 wire format: the message header, function numbers, return codes and
 * sizes shared by the kernel driver, the card emulator and user space that
 * builds EP11 requests for EP11SESS_IOC_SEND.  docs/ep11-wire.md describes
 * the encoding of every message.
 */
#ifndef _UAPI_LINUX_EP11_H
#define _UAPI_LINUX_EP11_H

#include <linux/types.h>

/**
 * struct ep11_cprb - EP11 request/reply header (32 bytes, big-endian)
 * @cprb_len:    length of this header, always %EP11_CPRB_LEN
 * @cprb_ver_id: header version, always %EP11_CPRB_VERSION
 * @pad_000:     zero
 * @flags:       %EP11_CPRB_FLAG_ADMIN or %EP11_CPRB_FLAG_SPECIAL or 0
 * @func_id:     the two characters "T4"
 * @source_id:   zero in requests; echoed in replies
 * @target_id:   the target domain
 * @ret_code:    zero in requests; a transport-level code in replies
 *               (%EP11_CPRB_RC_BUSY: the card is busy, try again)
 * @reserved1:   zero
 * @reserved2:   zero
 * @payload_len: length of the DER payload that follows this header
 */
struct ep11_cprb {
	__be16 cprb_len;
	__u8 cprb_ver_id;
	__u8 pad_000[2];
	__u8 flags;
	__u8 func_id[2];
	__be32 source_id;
	__be32 target_id;
	__be32 ret_code;
	__be32 reserved1;
	__be32 reserved2;
	__be32 payload_len;
} __attribute__((packed));

#define EP11_CPRB_LEN			32
#define EP11_CPRB_VERSION		0x04
#define EP11_CPRB_FLAG_ADMIN		0x80
#define EP11_CPRB_FLAG_SPECIAL		0x20
#define EP11_CPRB_FUNC_ID0		'T'
#define EP11_CPRB_FUNC_ID1		'4'
#define EP11_CPRB_RC_BUSY		0x000c0003

/* Largest message (header + payload) either side accepts. */
#define EP11_MAX_MSG_LEN		65536
#define EP11_MAX_PAYLOAD_LEN		(EP11_MAX_MSG_LEN - EP11_CPRB_LEN)

/* DER tags used on the wire. */
#define EP11_TAG_SEQUENCE		0x30
#define EP11_TAG_OCTET_STRING		0x04

/* The API ordinal sent in the upper 16 bits of the function value. */
#define EP11_API_ORDINAL		4
#define EP11_FN(fnid)			((EP11_API_ORDINAL << 16) | (fnid))

/*
 * EP11 function numbers (the lower 16 bits of the function value).  What
 * each takes, and which accept a session's pin blob, is in
 * docs/ep11-wire.md ("Function signatures").
 */
enum ep11_fnid {
	EP11_FN_LOGIN			= 1,
	EP11_FN_LOGOUT			= 2,
	EP11_FN_SEED_RANDOM		= 3,
	EP11_FN_GENERATE_RANDOM		= 4,
	EP11_FN_DIGEST_SINGLE		= 10,
	EP11_FN_ENCRYPT_SINGLE		= 19,
	EP11_FN_DECRYPT_SINGLE		= 20,
	EP11_FN_GENERATE_KEY		= 21,
	EP11_FN_GENERATE_KEY_PAIR	= 22,
	EP11_FN_SIGN_SINGLE		= 31,
	EP11_FN_VERIFY_SINGLE		= 32,
	EP11_FN_WRAP_KEY		= 33,
	EP11_FN_UNWRAP_KEY		= 34,
	EP11_FN_DERIVE_KEY		= 35,
	EP11_FN_GET_MECHANISM_LIST	= 36,
	EP11_FN_GET_MECHANISM_INFO	= 37,
	EP11_FN_GET_XCP_INFO		= 38,
	EP11_FN_GET_ATTRIBUTE_VALUE	= 39,
	EP11_FN_SET_ATTRIBUTE_VALUE	= 40,
	EP11_FN_ADMIN			= 41,
	EP11_FN_LOGIN_EXTENDED		= 43,
	EP11_FN_LOGOUT_EXTENDED		= 44,
};

/* get_xcp_info queries. */
#define EP11_XCP_QUERY_MODULE		1
#define EP11_XCP_QUERY_DOMAIN		3
#define EP11_XCP_QUERY_EXT_CAPS		5
#define EP11_XCP_QUERY_EXT_CAPLIST	6

/* EXT_CAPLIST indices. */
#define EP11_XCP_CAP_MAX_SESSIONS	12
#define EP11_XCP_CAP_AVAIL_SESSIONS	13

/* Sizes. */
#define EP11_PINBLOB_LEN		80
#define EP11_SESSION_ID_LEN		32
#define EP11_PINBLOB_SALT_LEN		16
#define EP11_PINBLOB_MAC_LEN		32
#define EP11_PUBLIC_ID_LEN		16
#define EP11_PIN_MIN_LEN		8
#define EP11_PIN_MAX_LEN		64
#define EP11_NONCE_MAX_LEN		64
#define EP11_SERIAL_LEN			16
#define EP11_WKID_LEN			16

/* Return codes (CKR values) the card gives. */
#define EP11_CKR_OK				0x00000000
#define EP11_CKR_HOST_MEMORY			0x00000002
#define EP11_CKR_GENERAL_ERROR			0x00000005
#define EP11_CKR_ARGUMENTS_BAD			0x00000007
#define EP11_CKR_ATTRIBUTE_TYPE_INVALID		0x00000012
#define EP11_CKR_ATTRIBUTE_VALUE_INVALID	0x00000013
#define EP11_CKR_FUNCTION_NOT_SUPPORTED		0x00000054
#define EP11_CKR_KEY_FUNCTION_NOT_PERMITTED	0x00000068
#define EP11_CKR_MECHANISM_INVALID		0x00000070
#define EP11_CKR_PIN_INCORRECT			0x000000a0
#define EP11_CKR_PIN_LEN_RANGE			0x000000a2
#define EP11_CKR_SESSION_CLOSED			0x000000b0
#define EP11_CKR_SESSION_COUNT			0x000000b1
#define EP11_CKR_TEMPLATE_INCOMPLETE		0x000000d0
#define EP11_CKR_TEMPLATE_INCONSISTENT		0x000000d1
#define EP11_CKR_DEVICE_ERROR			0x00000030
#define EP11_CKR_DATA_LEN_RANGE			0x00000021
#define EP11_CKR_BUFFER_TOO_SMALL		0x00000150
#define EP11_CKR_ATTRIBUTE_READ_ONLY		0x00000010
#define EP11_CKR_ATTRIBUTE_SENSITIVE		0x00000011
#define EP11_CKR_DATA_INVALID			0x00000020
#define EP11_CKR_ENCRYPTED_DATA_INVALID		0x00000040
#define EP11_CKR_ENCRYPTED_DATA_LEN_RANGE	0x00000041
#define EP11_CKR_KEY_SIZE_RANGE			0x00000062
#define EP11_CKR_KEY_TYPE_INCONSISTENT		0x00000063
#define EP11_CKR_KEY_NOT_WRAPPABLE		0x00000069
#define EP11_CKR_MECHANISM_PARAM_INVALID	0x00000071
#define EP11_CKR_SIGNATURE_INVALID		0x000000c0
#define EP11_CKR_SIGNATURE_LEN_RANGE		0x000000c1
#define EP11_CKR_WRAPPED_KEY_INVALID		0x00000110
#define EP11_CKR_WRAPPED_KEY_LEN_RANGE		0x00000112
#define EP11_CKR_CURVE_NOT_SUPPORTED		0x00000140
#define EP11_CKR_VENDOR_DEFINED			0x80000000
#define EP11_CKR_IBM_WKID_MISMATCH		(EP11_CKR_VENDOR_DEFINED + 0x10001)
#define EP11_CKR_IBM_INTERNAL_ERROR		(EP11_CKR_VENDOR_DEFINED + 0x10002)
#define EP11_CKR_IBM_TRANSPORT_ERROR		(EP11_CKR_VENDOR_DEFINED + 0x10003)
#define EP11_CKR_IBM_BLOB_ERROR			(EP11_CKR_VENDOR_DEFINED + 0x10004)
#define EP11_CKR_IBM_REQ_TIMEOUT		(EP11_CKR_VENDOR_DEFINED + 0x1000b)
#define EP11_CKR_IBM_SESSION_IMMUTABLE		(EP11_CKR_VENDOR_DEFINED + 0x10033)

#endif /* _UAPI_LINUX_EP11_H */
