/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ep11_zcrypt internals.  provider.c turns the core's requests into
 * zcrypt's EP11 user request blocks and zcrypt's outcomes into the provider
 * contract's errnos, and keeps the set of registered cards equal to what
 * zcrypt reports online.  It reaches zcrypt only through struct ep11z_ops,
 * so that it builds (and KUnit tests it) where zcrypt does not exist;
 * main.c fills the table with zcrypt's exported functions on s390.
 *
 * Lifetime: a card (struct ep11z_card) is referenced by the instance's
 * card table while registered and by every request in progress.  A request
 * (struct ep11z_req) is referenced by its waiter, the thread in ->send(),
 * and by the work item that calls zcrypt; whichever drops the last
 * reference frees it, so a waiter that gives up (time-out, fatal signal,
 * card removed) never waits for zcrypt, whose wait has no time-out.
 *
 * Locking: ep11z.lock (a mutex) serialises rescans and protects the card
 * table; ep11z_card.lock (a spinlock) protects a card's @gone flag, its
 * list of requests and each request's @result.
 */
#ifndef _EP11_ZCRYPT_H
#define _EP11_ZCRYPT_H

#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

/*
 * zcrypt's structures of arch/s390/include/uapi/asm/zcrypt.h (6.1) under
 * names of their own: that header cannot be included with linux/ep11.h
 * (both define struct ep11_cprb) and does not exist off s390.  main.c
 * checks at build time that the layouts are zcrypt's.
 */
struct ep11z_target {
	__u16 ap_id;
	__u16 dom_id;
};

struct ep11z_urb {
	__u16		targets_num;
	__u8 __user	*targets;
	__u64		weight;
	__u64		req_no;
	__u64		req_len;
	__u8 __user	*req;
	__u64		resp_len;
	__u8 __user	*resp;
} __packed;

struct ep11z_devstat {
	unsigned int hwtype:8;
	unsigned int qid:16;
	unsigned int online:1;
	unsigned int functions:6;
	unsigned int reserved:1;
};

#define EP11Z_CARDS		256
#define EP11Z_DOMAINS		256
#define EP11Z_ENTRIES		(EP11Z_CARDS * EP11Z_DOMAINS)
#define EP11Z_SERIAL_LEN	16

/* ep11z_devstat.functions (the AP functions >> 26): EP11 coprocessor. */
#define EP11Z_FUNC_EP11		0x01

struct ep11_card;
struct ep11_card_desc;
struct ep11_provider_ops;

/**
 * struct ep11z_ops - the zcrypt functions the provider calls
 * @status: fill EP11Z_ENTRIES entries, indexed card * 256 + domain,
 *	as zcrypt_device_status_mask_ext() does
 * @serial: read the card's serial number from its module info, as
 *	ep11_get_card_info() does; 0 or a negative errno
 * @send:   send an EP11 request block with kernel buffers and sleep for the
 *	reply, as zcrypt_send_ep11_cprb() does; 0 or a negative errno
 */
struct ep11z_ops {
	void (*status)(struct ep11z_devstat *matrix);
	int (*serial)(u16 card, char serial[EP11Z_SERIAL_LEN]);
	long (*send)(struct ep11z_urb *urb);
};

struct ep11z;

/**
 * struct ep11z_card - an EP11 card of zcrypt as registered with the core
 * @ref:     the card table and every request in progress
 * @z:       the instance the card belongs to
 * @core:    the card as the core knows it
 * @lock:    protects @gone, @reqs and the requests' results
 * @gone:    the card is being unregistered: new requests get -ENODEV
 * @reqs:    requests in progress (struct ep11z_req.node)
 * @id:      adapter number
 * @serial:  serial number (16 characters), or all zero when it could not
 *           be read (the core then reads it)
 * @domains: the usage domains registered, as a bitmap
 * @online:  those of @domains last reported online to the core
 */
struct ep11z_card {
	struct kref ref;
	struct ep11z *z;
	struct ep11_card *core;
	spinlock_t lock;		/* @gone, @reqs, results */
	bool gone;
	struct list_head reqs;
	u8 id;
	char serial[EP11Z_SERIAL_LEN];
	DECLARE_BITMAP(domains, EP11Z_DOMAINS);
	DECLARE_BITMAP(online, EP11Z_DOMAINS);
};

/**
 * struct ep11z - one provider instance: the module's, or a test's
 * @ops:       the zcrypt functions
 * @wq:        runs the zcrypt calls of requests
 * @lock:      serialises rescans; protects @cards
 * @cards:     the registered cards by adapter number
 * @scan_work: the periodic rescan
 * @period:    rescan period in jiffies; 0: no periodic rescan
 * @kick_lock: protects @stopped against queueing @scan_work
 * @stopped:   no more rescans are queued (module exit)
 * @kicks:     rescans asked for by -ENODEV or -EAGAIN from zcrypt
 * @scans:     rescans done
 * @refused:   cards the core refused (id taken), logged once
 */
struct ep11z {
	const struct ep11z_ops *ops;
	struct workqueue_struct *wq;
	struct mutex lock;		/* rescans, @cards */
	struct ep11z_card *cards[EP11Z_CARDS];
	struct delayed_work scan_work;
	unsigned long period;
	spinlock_t kick_lock;		/* @stopped */
	bool stopped;
	atomic_t kicks;
	atomic_t scans;
	DECLARE_BITMAP(refused, EP11Z_CARDS);
};

/**
 * struct ep11z_req - one request of the core in progress
 * @ref:     the waiter and the work item
 * @work:    calls zcrypt
 * @node:    entry on ep11z_card.reqs while the waiter waits
 * @done:    completed when @result is final
 * @card:    the card (referenced)
 * @result:  reply length or negative errno; 1 while undecided
 * @target:  the one APQN the request may go to
 * @urb:     zcrypt's request block
 * @rep:     the reply buffer, @rep_cap bytes
 * @rep_cap: room at @rep
 * @req_len: bytes of request at @data
 * @data:    a copy of the request
 */
struct ep11z_req {
	struct kref ref;
	struct work_struct work;
	struct list_head node;
	struct completion done;
	struct ep11z_card *card;
	int result;
	struct ep11z_target target;
	struct ep11z_urb urb;
	u8 *rep;
	size_t rep_cap;
	size_t req_len;
	u8 data[];
};

extern const struct ep11_provider_ops ep11z_provider_ops;

void ep11z_build_urb(struct ep11z_urb *urb, struct ep11z_target *target,
		     u8 card, u16 domain, const void *req, size_t req_len,
		     void *rep, size_t rep_cap);
int ep11z_map_error(long rc);
int ep11z_check_reply(const void *rep, size_t rep_len, size_t rep_cap);
unsigned int ep11z_card_domains(const struct ep11z_devstat *matrix,
				unsigned int card, unsigned long *listed,
				unsigned long *online);

int ep11z_init(struct ep11z *z, const struct ep11z_ops *ops,
	       unsigned long period);
void ep11z_rescan(struct ep11z *z);
void ep11z_kick(struct ep11z *z);
void ep11z_exit(struct ep11z *z);

#endif /* _EP11_ZCRYPT_H */
