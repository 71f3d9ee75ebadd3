/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Virtual EP11 cards: /dev/ep11_vcard creates a card whose EP11 firmware
 * runs in the user-space process that holds the returned card fd
 * (ep11-cardemu).  The card's APQNs are handed to ep11sess; closing the
 * card fd removes the card.
 */
#ifndef _UAPI_LINUX_EP11_VCARD_H
#define _UAPI_LINUX_EP11_VCARD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define EP11_VCARD_IOC_MAGIC		0xE8	/* shared with ep11sess.h */

#define EP11_VCARD_MAX_DEPTH		64
#define EP11_VCARD_DEFAULT_DEPTH	8

/**
 * struct ep11_vcard_new - argument of %EP11_VCARD_IOC_NEW
 * @size:        sizeof(struct ep11_vcard_new), set by the caller
 * @flags:       must be zero
 * @card:        adapter number, 0x00-0xff, not yet in use
 * @pad:         must be zero
 * @queue_depth: requests in flight per APQN before the core sees a full
 *               queue, 1-%EP11_VCARD_MAX_DEPTH, or 0 for
 *               %EP11_VCARD_DEFAULT_DEPTH
 * @domains:     bitmap of the card's usage domains: domain d is bit d % 64
 *               of domains[d / 64]; at least one bit set
 * @serial:      16 printable ASCII characters, not NUL-terminated, or all
 *               zero when the card has no serial number
 * @fd:          returned: the card fd (close-on-exec, read/write/poll);
 *               ignored on input
 * @reserved:    must be zero
 */
struct ep11_vcard_new {
	__u32 size;
	__u32 flags;
	__u8 card;
	__u8 pad[3];
	__u32 queue_depth;
	__u64 domains[4];
	char serial[16];
	__s32 fd;
	__u32 reserved;
};

/**
 * struct ep11_vcard_online - argument of %EP11_VCARD_IOC_SET_ONLINE
 * @size:     sizeof(struct ep11_vcard_online), set by the caller
 * @flags:    must be zero
 * @domain:   one of the card's domains
 * @online:   1 to take the APQN online, 0 to take it offline
 */
struct ep11_vcard_online {
	__u32 size;
	__u32 flags;
	__u32 domain;
	__u32 online;
};

/**
 * struct ep11_vcard_msg - header of every read() and write() on a card fd
 * @msgid:  the request's id; a reply carries the id of its request
 * @domain: the APQN's domain
 * @len:    bytes of EP11 message (struct ep11_cprb + payload) that follow
 *
 * read() returns one whole request (header + message) or fails with
 * EMSGSIZE when the buffer cannot hold it; it blocks unless the fd is
 * non-blocking (EAGAIN).  write() takes one whole reply; a reply to a
 * request that has timed out or was cancelled fails with ENOENT.  A write
 * whose @len differs from the bytes after the header fails with EINVAL, one
 * above EP11_MAX_MSG_LEN with EMSGSIZE; the request keeps waiting.  A reply
 * whose CPRB header is malformed fails with EBADMSG and so does its
 * request.  docs/vcard.md has the details.
 */
struct ep11_vcard_msg {
	__u64 msgid;
	__u32 domain;
	__u32 len;
};

/*
 * Commands take a pointer to their size-first struct; the number does not
 * encode the size, which copy_struct_from_user() handles (as iommufd).
 */
/* On /dev/ep11_vcard: create a card, returns its fd in @fd. */
#define EP11_VCARD_IOC_NEW	   _IO(EP11_VCARD_IOC_MAGIC, 0x40)
/* On a card fd: take one APQN online or offline. */
#define EP11_VCARD_IOC_SET_ONLINE  _IO(EP11_VCARD_IOC_MAGIC, 0x41)

#endif /* _UAPI_LINUX_EP11_VCARD_H */
