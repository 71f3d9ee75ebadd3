// SPDX-License-Identifier: GPL-2.0
/*
 * The request queue of a virtual card: the core's ->send() on one side, the
 * firmware's read() and write() on the card fd on the other.
 *
 * Message ids: each card numbers its requests with a 64-bit counter that
 * starts at 1 and is never reused while the card lives (zcrypt puts the
 * submitter's pid in the upper half and a counter in the lower; a plain
 * counter is unique without a wrap-around argument).  A reply therefore
 * matches at most one request, and a late reply -- to a request whose
 * waiter has given up or that was failed -- matches none.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../ep11_provider.h"
#include "vcard.h"

/* Requests and replies carry PINs and pin blobs: wiped when freed. */
static void vcard_req_release(struct kref *ref)
{
	struct vcard_req *req = container_of(ref, struct vcard_req, ref);

	kvfree_sensitive(req->reply, req->reply_len);
	kvfree_sensitive(req, struct_size(req, data, req->hdr.len));
}

/**
 * vcard_req_put() - drop a reference to a request
 * @req: the request
 *
 * Context: any context that may free memory; takes no locks.
 */
void vcard_req_put(struct vcard_req *req)
{
	kref_put(&req->ref, vcard_req_release);
}

/* Takes @req off its list, makes @result its outcome and wakes its waiter. */
static void vcard_req_finish(struct vcard *card, struct vcard_req *req,
			     int result)
{
	lockdep_assert_held(&card->lock);
	WARN_ON_ONCE(req->state == VCARD_REQ_DONE);

	list_del_init(&req->node);
	req->apqn->inflight--;
	req->state = VCARD_REQ_DONE;
	req->result = result;
	complete(&req->done);
}

static void vcard_fail_list(struct vcard *card, struct list_head *list,
			    struct vcard_apqn *apqn, int err)
{
	struct vcard_req *req, *tmp;

	lockdep_assert_held(&card->lock);

	list_for_each_entry_safe(req, tmp, list, node) {
		if (apqn && req->apqn != apqn)
			continue;
		req->apqn->stats.failed++;
		vcard_req_finish(card, req, err);
	}
}

/*
 * Ends the requests of @apqn, or of the whole card, that cannot be
 * answered any more.  One the firmware never read cannot have run: its
 * waiter gets -ENODEV, which the core takes as "not executed" and may
 * send elsewhere.  One the firmware has read may have run, and may have
 * left something on the card (a Login, its session): its waiter gets
 * -EIO, which the core takes as "may have run".  The caller first makes
 * sure no new request is accepted, under the same hold of the lock.
 */
static void vcard_fail_requests(struct vcard *card, struct vcard_apqn *apqn)
{
	lockdep_assert_held(&card->lock);

	vcard_fail_list(card, &card->pending, apqn, -ENODEV);
	vcard_fail_list(card, &card->inflight, apqn, -EIO);
}

/**
 * vcard_apqn_set_online() - take an APQN offline or bring it online
 * @card:   the card
 * @apqn:   one of its APQNs
 * @online: the new state
 *
 * Taking it offline ends its requests: -ENODEV for those the firmware
 * never read, -EIO for those it did (they may have run).  Replies to them
 * that arrive later fail with -ENOENT, and new requests fail with
 * -ENODEV until the APQN is online again.
 *
 * Context: process context; takes vcard.lock.
 */
void vcard_apqn_set_online(struct vcard *card, struct vcard_apqn *apqn,
			   bool online)
{
	spin_lock(&card->lock);
	apqn->online = online;
	if (!online)
		vcard_fail_requests(card, apqn);
	spin_unlock(&card->lock);
}

/**
 * vcard_kill() - refuse new requests and fail every request of a card
 * @card: the card
 *
 * Does what the provider interface asks before ep11_card_unregister():
 * every ->send() in progress returns at once (-ENODEV for a request the
 * firmware never read, -EIO for one it did) and new ones fail with
 * -ENODEV, so that the unregistration does not wait for a reply that
 * cannot come.
 *
 * Context: process context; takes vcard.lock.
 */
void vcard_kill(struct vcard *card)
{
	spin_lock(&card->lock);
	card->dead = true;
	vcard_fail_requests(card, NULL);
	spin_unlock(&card->lock);
}

/**
 * vcard_has_pending() - whether a request waits for the firmware
 * @card: the card
 *
 * Context: any; lockless, so only a hint: read() re-checks under the lock.
 * Return: true when the pending list is not empty.
 */
bool vcard_has_pending(struct vcard *card)
{
	return !list_empty(&card->pending);
}

static int vcard_send(void *priv, u16 domain, const void *buf, size_t len,
		      void *rep, size_t rep_cap, unsigned long timeout)
{
	struct vcard *card = priv;
	struct vcard_apqn *apqn;
	struct vcard_req *req;
	long left;
	int ret;

	if (len < EP11_CPRB_LEN)
		return -EINVAL;
	if (len > EP11_MAX_MSG_LEN)
		return -EMSGSIZE;
	apqn = vcard_apqn(card, domain);
	if (!apqn)
		return -ENODEV;

	req = kvmalloc(struct_size(req, data, len), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	kref_init(&req->ref);
	INIT_LIST_HEAD(&req->node);
	init_completion(&req->done);
	req->reply = NULL;
	req->reply_len = 0;
	req->result = 0;
	req->apqn = apqn;
	req->hdr.domain = domain;
	req->hdr.len = len;
	memcpy(req->data, buf, len);

	kref_get(&card->ref);
	spin_lock(&card->lock);
	if (card->dead || !apqn->online) {
		ret = -ENODEV;
	} else if (apqn->inflight >= card->depth) {
		apqn->stats.queue_full++;
		ret = -EBUSY;
	} else {
		req->hdr.msgid = card->next_msgid++;
		req->state = VCARD_REQ_PENDING;
		list_add_tail(&req->node, &card->pending);
		apqn->inflight++;
		apqn->stats.requests++;
		ret = 0;
	}
	spin_unlock(&card->lock);
	if (ret)
		goto out;
	wake_up_interruptible_poll(&card->readq, EPOLLIN | EPOLLRDNORM);

	timeout = min(timeout, vcard_default_timeout());
	left = wait_for_completion_killable_timeout(&req->done, timeout);

	spin_lock(&card->lock);
	if (req->state != VCARD_REQ_DONE) {
		apqn->stats.timeouts++;
		vcard_req_finish(card, req, left < 0 ? -EINTR : -ETIMEDOUT);
	}
	ret = req->result;
	spin_unlock(&card->lock);

	if (ret == -ETIMEDOUT)
		pr_warn_ratelimited("card%02x.%04x: no reply to request %llu within %u ms; is the card's firmware alive?\n",
				    card->id, domain, req->hdr.msgid,
				    jiffies_to_msecs(timeout));
	if (ret > 0) {
		if (ret > rep_cap)
			ret = -EMSGSIZE;
		else
			memcpy(rep, req->reply, ret);
	}
out:
	vcard_req_put(req);
	vcard_put(card);
	return ret;
}

/* The provider operations the card registers with ep11sess. */
const struct ep11_provider_ops vcard_provider_ops = {
	.send = vcard_send,
};

/**
 * vcard_take_request() - take the oldest pending request for the firmware
 * @card: the card
 * @room: bytes the reader can take (header and message)
 * @reqp: returns the request, with a reference the caller drops with
 *        vcard_req_put()
 *
 * Moves the request to the in-flight list: from now on a reply to it is
 * accepted.
 *
 * Context: takes vcard.lock; does not sleep.
 * Return: 0, -EAGAIN when no request is pending, -EMSGSIZE when the
 * oldest does not fit in @room (it stays queued).
 */
int vcard_take_request(struct vcard *card, size_t room,
		       struct vcard_req **reqp)
{
	struct vcard_req *req;
	int ret = 0;

	spin_lock(&card->lock);
	req = list_first_entry_or_null(&card->pending, struct vcard_req, node);
	if (!req) {
		ret = -EAGAIN;
	} else if (room < sizeof(req->hdr) + req->hdr.len) {
		ret = -EMSGSIZE;
	} else {
		list_move_tail(&req->node, &card->inflight);
		req->state = VCARD_REQ_INFLIGHT;
		kref_get(&req->ref);
		*reqp = req;
	}
	spin_unlock(&card->lock);
	return ret;
}

/**
 * vcard_untake_request() - queue a request again that could not be handed
 * to the firmware
 * @card: the card
 * @req:  a request from vcard_take_request()
 *
 * Puts @req back at the head of the pending list unless it has ended in
 * the meantime, and wakes readers.  Does not drop the caller's reference.
 *
 * Context: takes vcard.lock; does not sleep.
 */
void vcard_untake_request(struct vcard *card, struct vcard_req *req)
{
	spin_lock(&card->lock);
	if (req->state == VCARD_REQ_INFLIGHT) {
		list_move(&req->node, &card->pending);
		req->state = VCARD_REQ_PENDING;
	}
	spin_unlock(&card->lock);
	wake_up_interruptible_poll(&card->readq, EPOLLIN | EPOLLRDNORM);
}

/**
 * vcard_read_request() - hand the oldest pending request to the firmware
 * @card:     the card
 * @buf:      the firmware's buffer
 * @count:    its size
 * @nonblock: fail with -EAGAIN instead of waiting for a request
 *
 * Copies struct ep11_vcard_msg and the request to @buf.  A request that does
 * not fit stays queued (-EMSGSIZE); one whose copy faults is queued again
 * at the head (-EFAULT).
 *
 * Context: process context, may sleep; takes vcard.lock.
 * Return: the bytes copied or a negative errno.
 */
ssize_t vcard_read_request(struct vcard *card, char __user *buf,
			   size_t count, bool nonblock)
{
	struct vcard_req *req;
	ssize_t len;
	int ret;

	for (;;) {
		ret = vcard_take_request(card, count, &req);
		if (ret != -EAGAIN)
			break;
		if (nonblock)
			return -EAGAIN;
		ret = wait_event_interruptible(card->readq,
					       vcard_has_pending(card));
		if (ret)
			return ret;
	}
	if (ret)
		return ret;

	len = sizeof(req->hdr) + req->hdr.len;
	if (copy_to_user(buf, &req->hdr, sizeof(req->hdr)) ||
	    copy_to_user(buf + sizeof(req->hdr), req->data, req->hdr.len)) {
		vcard_untake_request(card, req);
		len = -EFAULT;
	}
	vcard_req_put(req);
	return len;
}

static struct vcard_req *vcard_find_inflight(struct vcard *card, u64 msgid)
{
	struct vcard_req *req;

	lockdep_assert_held(&card->lock);

	/* At most depth x domains entries; replies come mostly in order. */
	list_for_each_entry(req, &card->inflight, node)
		if (req->hdr.msgid == msgid)
			return req;
	return NULL;
}

/**
 * vcard_deliver_reply() - end a request in flight with its reply
 * @card: the card
 * @hdr:  the reply's header; @hdr->len is at most %EP11_MAX_MSG_LEN
 * @msg:  the reply, kvmalloc'ed, at least %EP11_CPRB_LEN and @hdr->len
 *        bytes allocated; always consumed (wiped when freed)
 *
 * Validates the reply with vcard_reply_check(): a good one is handed to
 * the waiter, a busy one ends the request with -EBUSY, a malformed one
 * with -EBADMSG.
 *
 * Context: takes vcard.lock; does not sleep.
 * Return: 0 (also for a busy reply), -ENOENT when no request in flight
 * has the reply's id, -EBADMSG for a malformed reply.
 */
int vcard_deliver_reply(struct vcard *card, const struct ep11_vcard_msg *hdr,
			void *msg)
{
	struct vcard_req *req;
	int check, result;
	u32 domain;

	spin_lock(&card->lock);
	req = vcard_find_inflight(card, hdr->msgid);
	if (!req) {
		spin_unlock(&card->lock);
		kvfree_sensitive(msg, hdr->len);
		return -ENOENT;
	}
	domain = req->hdr.domain;
	check = vcard_reply_check(hdr, msg, domain);
	if (check == -EBADMSG) {
		req->apqn->stats.bad_replies++;
		result = -EBADMSG;
	} else {
		req->apqn->stats.replies++;
		result = check ? check : hdr->len;
	}
	if (!check) {
		req->reply = msg;
		req->reply_len = hdr->len;
		msg = NULL;
	}
	vcard_req_finish(card, req, result);
	spin_unlock(&card->lock);
	kvfree_sensitive(msg, hdr->len);

	if (check == -EBADMSG) {
		pr_warn_ratelimited("card%02x.%04x: malformed reply to request %llu refused; fix the card's firmware\n",
				    card->id, domain, hdr->msgid);
		return -EBADMSG;
	}
	return 0;
}

/**
 * vcard_write_reply() - take a reply from the firmware
 * @card:  the card
 * @buf:   struct ep11_vcard_msg and the reply
 * @count: the size of both; the header's len must account for every byte
 *
 * A reply whose framing is wrong (short header, len not matching @count,
 * larger than %EP11_MAX_MSG_LEN) is refused and its request keeps waiting.
 * A reply that matches a request goes to vcard_deliver_reply().
 *
 * Context: process context, may sleep; takes vcard.lock.
 * Return: @count, or -EINVAL, -EMSGSIZE, -EFAULT, -ENOMEM for bad framing,
 * -ENOENT when no request in flight has the reply's id (it timed out, was
 * cancelled or failed, or never existed), -EBADMSG for a malformed reply.
 */
ssize_t vcard_write_reply(struct vcard *card, const char __user *buf,
			  size_t count)
{
	struct ep11_vcard_msg hdr;
	void *msg;
	int ret;

	if (count < sizeof(hdr))
		return -EINVAL;
	if (copy_from_user(&hdr, buf, sizeof(hdr)))
		return -EFAULT;
	if (hdr.len != count - sizeof(hdr))
		return -EINVAL;
	if (hdr.len > EP11_MAX_MSG_LEN)
		return -EMSGSIZE;

	msg = kvmalloc(max_t(size_t, hdr.len, EP11_CPRB_LEN), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	if (copy_from_user(msg, buf + sizeof(hdr), hdr.len)) {
		kvfree_sensitive(msg, hdr.len);
		return -EFAULT;
	}
	ret = vcard_deliver_reply(card, &hdr, msg);
	return ret ? ret : count;
}
