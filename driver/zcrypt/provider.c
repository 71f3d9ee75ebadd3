// SPDX-License-Identifier: GPL-2.0
/*
 * The zcrypt provider's translation and card bookkeeping: the core's
 * requests as zcrypt EP11 request blocks aimed at exactly one APQN,
 * zcrypt's outcomes as the provider contract's errnos, and the cards that
 * zcrypt reports online registered with the core.  zcrypt itself is
 * reached only through struct ep11z_ops (see ep11z.h); docs/zcrypt.md
 * has the mapping and the rescan rules.
 */
#define pr_fmt(fmt) "ep11_zcrypt: " fmt

#include <linux/bitmap.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <linux/ep11.h>

#include "../ep11_provider.h"
#include "ep11z.h"

/**
 * ep11z_build_urb() - fill zcrypt's request block for one APQN
 * @urb:     the block to fill
 * @target:  filled with the APQN; the block's only target
 * @card:    adapter number
 * @domain:  usage domain
 * @req:     the request (CPRB and payload), a kernel buffer
 * @req_len: its length
 * @rep:     the reply buffer, a kernel buffer
 * @rep_cap: its size
 *
 * The buffers are kernel memory: the block is for zcrypt_send_ep11_cprb(),
 * which copies with memcpy(), not copy_from_user().  One target, so that
 * zcrypt never picks another APQN than the one the core chose.
 *
 * Context: any.
 */
void ep11z_build_urb(struct ep11z_urb *urb, struct ep11z_target *target,
		     u8 card, u16 domain, const void *req, size_t req_len,
		     void *rep, size_t rep_cap)
{
	target->ap_id = card;
	target->dom_id = domain;
	memset(urb, 0, sizeof(*urb));
	urb->targets_num = 1;
	urb->targets = (u8 __force __user *)target;
	urb->req_len = req_len;
	urb->req = (u8 __force __user *)req;
	urb->resp_len = rep_cap;
	urb->resp = (u8 __force __user *)rep;
}

/**
 * ep11z_map_error() - zcrypt's error as the provider contract's
 * @rc: what zcrypt_send_ep11_cprb() returned, not 0
 *
 * -ENODEV is the one error zcrypt (6.1) gives only before the request is
 * queued for the card (no eligible queue, queue not operating): not run.
 * -EAGAIN comes from a queue flushed by a reset or a removal (with the
 * requests the card had already been given) and from card error replies:
 * it may have run, so -EIO.  Everything else that zcrypt does not name
 * as "not run" is -EIO too.
 *
 * Context: any.
 * Return: the errno for the core.
 */
int ep11z_map_error(long rc)
{
	switch (rc) {
	case -ENODEV:
		return -ENODEV;
	case -ETIME:
	case -ETIMEDOUT:
		return -ETIMEDOUT;
	case -ERESTARTSYS:
	case -EINTR:
		return -EINTR;
	case -EMSGSIZE:
		return -EMSGSIZE;
	default:
		return -EIO;
	}
}

/**
 * ep11z_check_reply() - check a reply zcrypt copied out
 * @rep:     the reply
 * @rep_len: its length as zcrypt set it in the block
 * @rep_cap: the buffer's size
 *
 * Context: any.
 * Return: @rep_len for a good reply; -EMSGSIZE when zcrypt claims more
 * than the buffer holds; -EBADMSG for a reply shorter than the CPRB
 * header, a header that is not an EP11 reply header (length, version,
 * "T4") or whose payload length is not the bytes after it; -EBUSY for
 * the card's busy code.
 */
int ep11z_check_reply(const void *rep, size_t rep_len, size_t rep_cap)
{
	const struct ep11_cprb *cprb = rep;

	BUILD_BUG_ON(EP11Z_SERIAL_LEN != EP11_SERIAL_LEN);
	if (rep_len > rep_cap)
		return -EMSGSIZE;
	if (rep_len < sizeof(*cprb))
		return -EBADMSG;
	if (be16_to_cpu(cprb->cprb_len) != EP11_CPRB_LEN ||
	    cprb->cprb_ver_id != EP11_CPRB_VERSION ||
	    cprb->func_id[0] != EP11_CPRB_FUNC_ID0 ||
	    cprb->func_id[1] != EP11_CPRB_FUNC_ID1 ||
	    be32_to_cpu(cprb->payload_len) != rep_len - sizeof(*cprb))
		return -EBADMSG;
	if (be32_to_cpu(cprb->ret_code) == EP11_CPRB_RC_BUSY)
		return -EBUSY;
	return rep_len;
}

/**
 * ep11z_card_domains() - a card's EP11 usage domains in zcrypt's matrix
 * @matrix: EP11Z_ENTRIES entries from ep11z_ops.status
 * @card:   adapter number
 * @listed: filled with the domains zcrypt lists for the card as EP11
 *          queues, online or not
 * @online: filled with those of @listed that are online
 *
 * Context: any.
 * Return: the number of domains in @listed.
 */
unsigned int ep11z_card_domains(const struct ep11z_devstat *matrix,
				unsigned int card, unsigned long *listed,
				unsigned long *online)
{
	unsigned int d, n = 0;

	bitmap_zero(listed, EP11Z_DOMAINS);
	bitmap_zero(online, EP11Z_DOMAINS);
	if (card >= EP11Z_CARDS)
		return 0;
	for (d = 0; d < EP11Z_DOMAINS; d++) {
		const struct ep11z_devstat *e =
			&matrix[card * EP11Z_DOMAINS + d];

		/* An entry zcrypt did not fill is all zero. */
		if (e->qid != ((card << 8) | d) ||
		    !(e->functions & EP11Z_FUNC_EP11))
			continue;
		__set_bit(d, listed);
		n++;
		if (e->online)
			__set_bit(d, online);
	}
	return n;
}

static void ep11z_card_release(struct kref *ref)
{
	kfree(container_of(ref, struct ep11z_card, ref));
}

static void ep11z_card_put(struct ep11z_card *zc)
{
	kref_put(&zc->ref, ep11z_card_release);
}

static void ep11z_req_release(struct kref *ref)
{
	struct ep11z_req *req = container_of(ref, struct ep11z_req, ref);

	ep11z_card_put(req->card);
	/* Requests and replies carry PINs and pin blobs. */
	kvfree_sensitive(req->rep, req->rep_cap);
	kvfree_sensitive(req, struct_size(req, data, req->req_len));
}

static void ep11z_req_put(struct ep11z_req *req)
{
	kref_put(&req->ref, ep11z_req_release);
}

/**
 * ep11z_kick() - rescan at once
 * @z: the instance
 *
 * Context: any context that may take a spinlock.
 */
void ep11z_kick(struct ep11z *z)
{
	spin_lock(&z->kick_lock);
	if (!z->stopped) {
		atomic_inc(&z->kicks);
		mod_delayed_work(z->wq, &z->scan_work, 0);
	}
	spin_unlock(&z->kick_lock);
}

/* Ends @req with @result unless it has ended; false if it had. */
static bool ep11z_req_end(struct ep11z_req *req, int result)
{
	bool ended = false;

	spin_lock(&req->card->lock);
	if (req->result == 1) {
		req->result = result;
		complete(&req->done);
		ended = true;
	}
	spin_unlock(&req->card->lock);
	return ended;
}

static void ep11z_req_work(struct work_struct *work)
{
	struct ep11z_req *req = container_of(work, struct ep11z_req, work);
	struct ep11z_card *zc = req->card;
	bool skip;
	long rc;
	int res;

	/* A waiter that gave up before this point: the card never gets it. */
	spin_lock(&zc->lock);
	skip = req->result != 1;
	spin_unlock(&zc->lock);
	if (skip)
		goto out;

	rc = zc->z->ops->send(&req->urb);
	if (rc == -ENODEV || rc == -EAGAIN)
		ep11z_kick(zc->z);
	if (rc)
		res = ep11z_map_error(rc);
	else
		res = ep11z_check_reply(req->rep, req->urb.resp_len,
					req->rep_cap);
	if (res == -EBADMSG)
		pr_warn_ratelimited("card%02x.%04x: malformed reply (%llu bytes) refused\n",
				    zc->id, req->target.dom_id,
				    (unsigned long long)req->urb.resp_len);
	ep11z_req_end(req, res);
out:
	ep11z_req_put(req);
}

static int ep11z_send(void *priv, u16 domain, const void *buf, size_t len,
		      void *rep, size_t rep_cap, unsigned long timeout)
{
	struct ep11z_card *zc = priv;
	struct ep11z_req *req;
	long left;
	int res;

	if (domain >= EP11Z_DOMAINS || !test_bit(domain, zc->domains))
		return -ENODEV;
	req = kvzalloc(struct_size(req, data, len), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	req->rep = kvzalloc(rep_cap, GFP_KERNEL);
	if (!req->rep) {
		kvfree(req);
		return -ENOMEM;
	}
	kref_init(&req->ref);
	INIT_WORK(&req->work, ep11z_req_work);
	init_completion(&req->done);
	req->result = 1;
	req->rep_cap = rep_cap;
	req->req_len = len;
	memcpy(req->data, buf, len);
	ep11z_build_urb(&req->urb, &req->target, zc->id, domain, req->data,
			len, req->rep, rep_cap);

	spin_lock(&zc->lock);
	if (zc->gone) {
		spin_unlock(&zc->lock);
		kvfree(req->rep);
		kvfree(req);
		return -ENODEV;
	}
	kref_get(&zc->ref);
	req->card = zc;
	list_add_tail(&req->node, &zc->reqs);
	spin_unlock(&zc->lock);

	kref_get(&req->ref);
	queue_work(zc->z->wq, &req->work);

	left = wait_for_completion_killable_timeout(&req->done,
						    max(timeout, 1UL));
	spin_lock(&zc->lock);
	if (req->result == 1)
		req->result = left < 0 ? -EINTR : -ETIMEDOUT;
	res = req->result;
	list_del(&req->node);
	spin_unlock(&zc->lock);
	if (res > 0)
		memcpy(rep, req->rep, res);
	ep11z_req_put(req);
	return res;
}

const struct ep11_provider_ops ep11z_provider_ops = {
	.send = ep11z_send,
};

static void ep11z_card_remove(struct ep11z *z, struct ep11z_card *zc)
{
	struct ep11z_req *req;

	spin_lock(&zc->lock);
	zc->gone = true;
	/* zcrypt may have handed them to the card: they may have run. */
	list_for_each_entry(req, &zc->reqs, node) {
		if (req->result == 1) {
			req->result = -EIO;
			complete(&req->done);
		}
	}
	spin_unlock(&zc->lock);
	/* Waits for the sends in progress, which end at once. */
	ep11_card_unregister(zc->core);
	z->cards[zc->id] = NULL;
	pr_info("card%02x: removed\n", zc->id);
	ep11z_card_put(zc);
}

static struct ep11z_card *ep11z_card_add(struct ep11z *z, unsigned int id,
					 const unsigned long *listed)
{
	struct ep11_card_desc desc = { .id = id };
	struct ep11_card *core;
	struct ep11z_card *zc;
	unsigned int d, n = 0;
	u16 *doms;
	int ret;

	zc = kzalloc(sizeof(*zc), GFP_KERNEL);
	doms = kcalloc(EP11Z_DOMAINS, sizeof(*doms), GFP_KERNEL);
	if (!zc || !doms) {
		kfree(zc);
		kfree(doms);
		return NULL;
	}
	kref_init(&zc->ref);
	zc->z = z;
	spin_lock_init(&zc->lock);
	INIT_LIST_HEAD(&zc->reqs);
	zc->id = id;
	bitmap_copy(zc->domains, listed, EP11Z_DOMAINS);
	bitmap_copy(zc->online, listed, EP11Z_DOMAINS);
	for_each_set_bit(d, listed, EP11Z_DOMAINS)
		doms[n++] = d;

	ret = z->ops->serial(id, zc->serial);
	if (ret) {
		/* The core reads it itself once an APQN answers. */
		memset(zc->serial, 0, sizeof(zc->serial));
		pr_warn("card%02x: cannot read the serial number: %d\n", id,
			ret);
	}
	memcpy(desc.serial, zc->serial, sizeof(desc.serial));
	desc.domains = doms;
	desc.ndomains = n;
	core = ep11_card_register(&desc, &ep11z_provider_ops, zc);
	kfree(doms);
	if (IS_ERR(core)) {
		if (!test_and_set_bit(id, z->refused))
			pr_err("card%02x: ep11sess refused the card: %ld\n", id,
			       PTR_ERR(core));
		kfree(zc);
		return NULL;
	}
	clear_bit(id, z->refused);
	zc->core = core;
	z->cards[id] = zc;
	pr_info("card%02x: serial %.16s, %u domain(s)\n", id,
		zc->serial[0] ? zc->serial : "(unknown)", n);
	return zc;
}

static void ep11z_card_update(struct ep11z_card *zc,
			      const unsigned long *online)
{
	unsigned int d;

	for_each_set_bit(d, zc->domains, EP11Z_DOMAINS) {
		bool on = test_bit(d, online);

		if (on == test_bit(d, zc->online))
			continue;
		if (ep11_apqn_set_online(zc->core, d, on))
			continue;
		__assign_bit(d, zc->online, on);
		pr_info("card%02x.%04x: %s\n", zc->id, d,
			on ? "online" : "offline");
	}
}

/**
 * ep11z_rescan() - make the registered cards what zcrypt reports
 * @z: the instance
 *
 * A card with an online EP11 queue that is not registered is registered
 * with every EP11 domain zcrypt lists for it; a registered card whose list
 * of domains changed is unregistered and registered again; one that zcrypt
 * no longer lists is unregistered (its pending logouts are kept under its
 * serial number by the core); queues going offline or online are told to
 * the core.
 *
 * Context: process context, may sleep (reads serial numbers from new
 * cards, waits for sends to removed cards); takes ep11z.lock.
 */
void ep11z_rescan(struct ep11z *z)
{
	struct ep11z_devstat *matrix;
	unsigned long *listed, *online;
	unsigned int card;

	matrix = kvcalloc(EP11Z_ENTRIES, sizeof(*matrix), GFP_KERNEL);
	listed = bitmap_zalloc(EP11Z_DOMAINS, GFP_KERNEL);
	online = bitmap_zalloc(EP11Z_DOMAINS, GFP_KERNEL);
	if (!matrix || !listed || !online)
		goto out;

	mutex_lock(&z->lock);
	z->ops->status(matrix);
	for (card = 0; card < EP11Z_CARDS; card++) {
		struct ep11z_card *zc = z->cards[card];

		ep11z_card_domains(matrix, card, listed, online);
		if (zc && !bitmap_equal(zc->domains, listed,
					EP11Z_DOMAINS)) {
			ep11z_card_remove(z, zc);
			zc = NULL;
		}
		if (!zc && !bitmap_empty(online, EP11Z_DOMAINS))
			zc = ep11z_card_add(z, card, listed);
		if (zc)
			ep11z_card_update(zc, online);
	}
	atomic_inc(&z->scans);
	mutex_unlock(&z->lock);
out:
	bitmap_free(online);
	bitmap_free(listed);
	kvfree(matrix);
}

static void ep11z_scan_work(struct work_struct *work)
{
	struct ep11z *z = container_of(to_delayed_work(work), struct ep11z,
				       scan_work);

	ep11z_rescan(z);
	spin_lock(&z->kick_lock);
	if (!z->stopped && z->period)
		queue_delayed_work(z->wq, &z->scan_work, z->period);
	spin_unlock(&z->kick_lock);
}

/**
 * ep11z_init() - set up an instance and queue its first scan
 * @z:      the instance, zeroed
 * @ops:    the zcrypt functions
 * @period: rescan period in jiffies; 0: rescan only when kicked
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int ep11z_init(struct ep11z *z, const struct ep11z_ops *ops,
	       unsigned long period)
{
	z->ops = ops;
	z->period = period;
	mutex_init(&z->lock);
	spin_lock_init(&z->kick_lock);
	INIT_DELAYED_WORK(&z->scan_work, ep11z_scan_work);
	z->wq = alloc_workqueue("ep11_zcrypt", WQ_UNBOUND, 0);
	if (!z->wq)
		return -ENOMEM;
	/*
	 * The first scan reads serial numbers from the cards; zcrypt's wait
	 * has no time-out, so it does not run in the caller (insmod).
	 */
	queue_delayed_work(z->wq, &z->scan_work, 0);
	return 0;
}

/**
 * ep11z_exit() - unregister every card and stop an instance
 * @z: an instance set up by ep11z_init()
 *
 * Waits for the zcrypt calls in progress, whose waiters have been ended.
 *
 * Context: process context, may sleep.
 */
void ep11z_exit(struct ep11z *z)
{
	unsigned int card;

	spin_lock(&z->kick_lock);
	z->stopped = true;
	spin_unlock(&z->kick_lock);
	cancel_delayed_work_sync(&z->scan_work);
	mutex_lock(&z->lock);
	for (card = 0; card < EP11Z_CARDS; card++)
		if (z->cards[card])
			ep11z_card_remove(z, z->cards[card]);
	mutex_unlock(&z->lock);
	destroy_workqueue(z->wq);
	mutex_destroy(&z->lock);
}
