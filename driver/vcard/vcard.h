/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ep11_vcard internals: a virtual EP11 card whose firmware is the user-space
 * process holding the card fd.
 *
 * Lifetime: a card is created by EP11_VCARD_IOC_NEW and referenced by its
 * card fd and by every ->send() in progress (struct vcard.ref).  Closing the
 * card fd marks the card dead, fails every request (-ENODEV if the firmware
 * never read it, -EIO if it did), calls ep11_card_unregister() (which waits
 * for the sends in progress) and drops the fd's reference.
 *
 * A request (struct vcard_req) is referenced by its waiter, the thread in
 * ->send(), and for the duration of a read() by the reader that copies it
 * to the firmware.  It sits on the card's @pending list until the firmware
 * reads it, then on @inflight until its reply arrives, it is cancelled
 * (timeout, fatal signal) or failed (APQN offline, card fd closed).  Taking
 * it off either list and setting VCARD_REQ_DONE happens once, under
 * vcard.lock; whoever does it owns the outcome.  A failed request that
 * was still pending ends with -ENODEV (it never ran); one in flight with
 * -EIO (it may have run).  Requests and replies are wiped when freed.
 */
#ifndef _EP11_VCARD_H
#define _EP11_VCARD_H

#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/ep11.h>
#include <linux/ep11_vcard.h>

#define VCARD_MAX_DOMAINS	256

struct ep11_card;
struct file;

/**
 * struct vcard_stats - counters of one APQN, protected by vcard.lock
 * @requests:    requests queued for the firmware
 * @replies:     replies handed to the core (including busy replies)
 * @bad_replies: replies that failed validation (-EBADMSG to the waiter)
 * @timeouts:    requests whose waiter gave up (timeout or fatal signal)
 * @failed:      requests failed because the APQN or the card went away
 * @queue_full:  requests refused because @inflight reached the depth
 */
struct vcard_stats {
	u64 requests;
	u64 replies;
	u64 bad_replies;
	u64 timeouts;
	u64 failed;
	u64 queue_full;
};

/**
 * struct vcard_apqn - one usage domain of a virtual card
 * @domain:   the domain, 0x00-0xff
 * @online:   false while the firmware has taken the APQN offline
 * @inflight: requests with a waiter (queued or read by the firmware)
 * @stats:    counters
 *
 * All fields but @domain are protected by vcard.lock.
 */
struct vcard_apqn {
	u16 domain;
	bool online;
	unsigned int inflight;
	struct vcard_stats stats;
};

/**
 * struct vcard - a virtual card
 * @ref:         the card fd and each ->send() in progress
 * @lock:        protects @pending, @inflight, @dead, @next_msgid and the
 *               APQNs' state
 * @readq:       readers and pollers of the card fd wait here
 * @pending:     requests not yet read by the firmware, oldest first
 * @inflight:    requests read by the firmware, awaiting a reply
 * @dead:        the card fd is being closed; no new request is accepted
 * @next_msgid:  id of the next request; ids are never reused on a card
 * @online_lock: serialises EP11_VCARD_IOC_SET_ONLINE so that the core's
 *               view of an APQN changes in the same order as ours
 * @core:        the card as registered with ep11sess
 * @id:          adapter number
 * @depth:       requests in flight per APQN before -EBUSY
 * @serial:      serial number (16 characters, or all zero)
 * @domains:     bitmap of the card's domains
 * @ndomains:    number of domains, entries in @apqn
 * @apqn:        the APQNs in ascending domain order
 */
struct vcard {
	struct kref ref;
	spinlock_t lock;		/* lists, @dead, ids, APQN state */
	wait_queue_head_t readq;
	struct list_head pending;
	struct list_head inflight;
	bool dead;
	u64 next_msgid;
	struct mutex online_lock;	/* serialises SET_ONLINE */
	struct ep11_card *core;
	u8 id;
	unsigned int depth;
	char serial[EP11_SERIAL_LEN];
	DECLARE_BITMAP(domains, VCARD_MAX_DOMAINS);
	unsigned int ndomains;
	struct vcard_apqn apqn[];
};

/**
 * enum vcard_req_state - where a request is
 * @VCARD_REQ_PENDING:  on vcard.pending, waiting for the firmware to read it
 * @VCARD_REQ_INFLIGHT: on vcard.inflight, read, awaiting its reply
 * @VCARD_REQ_DONE:     off both lists; vcard_req.result is final
 */
enum vcard_req_state {
	VCARD_REQ_PENDING,
	VCARD_REQ_INFLIGHT,
	VCARD_REQ_DONE,
};

/**
 * struct vcard_req - one request from the core
 * @ref:       the waiter and a reader copying the request out
 * @node:      entry on vcard.pending or vcard.inflight
 * @done:      completed when @state becomes VCARD_REQ_DONE by a reply or a
 *             failure
 * @state:     see enum vcard_req_state; protected by vcard.lock
 * @result:    reply length or negative errno, valid once done
 * @reply:     the validated reply (kvmalloc'ed), owned by the waiter once
 *             done, or NULL
 * @reply_len: bytes of reply at @reply
 * @apqn:      the target APQN
 * @hdr:       the header read() hands to the firmware
 * @data:      the request, @hdr.len bytes
 */
struct vcard_req {
	struct kref ref;
	struct list_head node;
	struct completion done;
	enum vcard_req_state state;
	int result;
	void *reply;
	u32 reply_len;
	struct vcard_apqn *apqn;
	struct ep11_vcard_msg hdr;
	u8 data[];
};

/* main.c */
unsigned long vcard_default_timeout(void);

/* card.c */
struct vcard *vcard_alloc(const struct ep11_vcard_new *arg);
int vcard_register(struct vcard *card);
void vcard_remove(struct vcard *card);
int vcard_create(const struct ep11_vcard_new *arg, struct file **filep);
void vcard_put(struct vcard *card);
struct vcard_apqn *vcard_apqn(struct vcard *card, u32 domain);

/* queue.c */
extern const struct ep11_provider_ops vcard_provider_ops;
void vcard_apqn_set_online(struct vcard *card, struct vcard_apqn *apqn,
			   bool online);
void vcard_kill(struct vcard *card);
void vcard_req_put(struct vcard_req *req);
int vcard_take_request(struct vcard *card, size_t room,
		       struct vcard_req **reqp);
void vcard_untake_request(struct vcard *card, struct vcard_req *req);
int vcard_deliver_reply(struct vcard *card, const struct ep11_vcard_msg *hdr,
			void *msg);
ssize_t vcard_read_request(struct vcard *card, char __user *buf,
			   size_t count, bool nonblock);
ssize_t vcard_write_reply(struct vcard *card, const char __user *buf,
			  size_t count);
bool vcard_has_pending(struct vcard *card);

/* validate.c */
int vcard_new_check(const struct ep11_vcard_new *arg);
int vcard_reply_check(const struct ep11_vcard_msg *hdr, const void *msg,
		      u32 domain);

#endif /* _EP11_VCARD_H */
