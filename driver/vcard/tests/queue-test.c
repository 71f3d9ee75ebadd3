// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of a virtual card's request queue: the core's ->send() in
 * kernel threads on one side, the firmware's take/deliver on the other
 * (read() and write() minus the copies from and to user space), with
 * lockdep and KASAN watching.  The cards are not registered with ep11sess,
 * but for the test of their removal.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/string.h>

#include "../../ep11_provider.h"
#include "../vcard.h"

#define DOM_A		0x24
#define DOM_B		0x25
#define REQ_LEN		40
#define LONG_WAIT	(10 * HZ)

struct sender {
	struct vcard *card;
	u16 domain;
	unsigned long timeout;
	size_t rep_cap;
	u8 req[REQ_LEN];
	u8 rep[256];
	int ret;
	struct completion done;
};

static struct vcard *test_card(struct kunit *test, unsigned int depth)
{
	struct ep11_vcard_new arg = {
		.size = sizeof(arg),
		.card = 0x0b,
		.queue_depth = depth,
		.domains = { (1ULL << DOM_A) | (1ULL << DOM_B) },
	};
	struct vcard *card = vcard_alloc(&arg);

	KUNIT_ASSERT_FALSE(test, IS_ERR(card));
	return card;
}

static int send_now(struct sender *s)
{
	return vcard_provider_ops.send(s->card, s->domain, s->req, REQ_LEN,
				       s->rep, s->rep_cap, s->timeout);
}

static int sender_fn(void *arg)
{
	struct sender *s = arg;

	s->ret = send_now(s);
	complete(&s->done);
	return 0;
}

static struct sender *sender_new(struct kunit *test, struct vcard *card,
				 u16 domain, unsigned long timeout)
{
	struct sender *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->card = card;
	s->domain = domain;
	s->timeout = timeout;
	s->rep_cap = sizeof(s->rep);
	memset(s->req, 0x5a, sizeof(s->req));
	init_completion(&s->done);
	return s;
}

static struct sender *sender_start(struct kunit *test, struct vcard *card,
				   u16 domain, unsigned long timeout)
{
	struct sender *s = sender_new(test, card, domain, timeout);
	struct task_struct *t;

	t = kthread_run(sender_fn, s, "vcard-test-send");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	return s;
}

/* Waits for a sender; it must end within @timeout jiffies. */
static int sender_wait(struct kunit *test, struct sender *s,
		       unsigned long timeout)
{
	if (!wait_for_completion_timeout(&s->done, timeout)) {
		KUNIT_FAIL(test, "expected the send to end, it still waits");
		return INT_MIN;
	}
	return s->ret;
}

/* Takes the next request, waiting up to a second for one to be queued. */
static struct vcard_req *take(struct kunit *test, struct vcard *card)
{
	struct vcard_req *req = NULL;
	int i, ret = -EAGAIN;

	for (i = 0; i < 1000 && ret == -EAGAIN; i++) {
		ret = vcard_take_request(card, SIZE_MAX, &req);
		if (ret == -EAGAIN)
			usleep_range(1000, 2000);
	}
	KUNIT_EXPECT_EQ(test, ret, 0);
	return ret ? NULL : req;
}

/* A reply for @req with @payload bytes of 0xa5 after the CPRB. */
static int deliver(struct vcard *card, struct vcard_req *req, u32 payload,
		   u32 cprb_rc)
{
	struct ep11_vcard_msg hdr = {
		.msgid = req->hdr.msgid,
		.domain = req->hdr.domain,
		.len = EP11_CPRB_LEN + payload,
	};
	struct ep11_cprb *c = kvzalloc(hdr.len, GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	c->cprb_len = cpu_to_be16(EP11_CPRB_LEN);
	c->cprb_ver_id = EP11_CPRB_VERSION;
	c->func_id[0] = EP11_CPRB_FUNC_ID0;
	c->func_id[1] = EP11_CPRB_FUNC_ID1;
	c->ret_code = cpu_to_be32(cprb_rc);
	c->payload_len = cpu_to_be32(payload);
	memset(c + 1, 0xa5, payload);
	return vcard_deliver_reply(card, &hdr, c);
}

static void vcard_queue_round_trip(struct kunit *test)
{
	struct vcard *card = test_card(test, 4);
	struct sender *s = sender_start(test, card, DOM_B, LONG_WAIT);
	struct vcard_req *req = take(test, card);

	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_EXPECT_EQ(test, req->hdr.msgid, 1ULL);
	KUNIT_EXPECT_EQ(test, req->hdr.domain, (u32)DOM_B);
	KUNIT_EXPECT_EQ(test, req->hdr.len, (u32)REQ_LEN);
	KUNIT_EXPECT_EQ(test, memcmp(req->data, s->req, REQ_LEN), 0);
	KUNIT_EXPECT_EQ(test, deliver(card, req, 16, 0), 0);
	KUNIT_EXPECT_EQ(test, sender_wait(test, s, LONG_WAIT),
			EP11_CPRB_LEN + 16);
	KUNIT_EXPECT_EQ(test, s->rep[EP11_CPRB_LEN + 15], 0xa5);
	KUNIT_EXPECT_EQ(test, card->apqn[1].inflight, 0U);
	/* The request has ended: a second reply finds nothing. */
	KUNIT_EXPECT_EQ(test, deliver(card, req, 16, 0), -ENOENT);
	vcard_req_put(req);

	s = sender_start(test, card, DOM_A, LONG_WAIT);
	req = take(test, card);
	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_EXPECT_EQ(test, req->hdr.msgid, 2ULL);
	KUNIT_EXPECT_EQ(test, deliver(card, req, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, sender_wait(test, s, LONG_WAIT), EP11_CPRB_LEN);
	vcard_req_put(req);
	vcard_put(card);
}

static void vcard_queue_full_at_depth(struct kunit *test)
{
	struct vcard *card = test_card(test, 1);
	struct sender *a = sender_start(test, card, DOM_A, LONG_WAIT);
	struct sender *b = sender_new(test, card, DOM_A, LONG_WAIT);
	struct sender *other;
	struct vcard_req *req = take(test, card);

	KUNIT_ASSERT_NOT_NULL(test, req);
	/* One in flight at depth 1: the next fails at once. */
	KUNIT_EXPECT_EQ(test, send_now(b), -EBUSY);
	KUNIT_EXPECT_EQ(test, card->apqn[0].stats.queue_full, 1ULL);
	/* The depth is per APQN. */
	other = sender_start(test, card, DOM_B, LONG_WAIT);
	KUNIT_EXPECT_EQ(test, deliver(card, req, 4, EP11_CPRB_RC_BUSY), 0);
	KUNIT_EXPECT_EQ(test, sender_wait(test, a, LONG_WAIT), -EBUSY);
	vcard_req_put(req);
	req = take(test, card);
	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_EXPECT_EQ(test, req->hdr.domain, (u32)DOM_B);
	KUNIT_EXPECT_EQ(test, deliver(card, req, 8, 0), 0);
	KUNIT_EXPECT_EQ(test, sender_wait(test, other, LONG_WAIT),
			EP11_CPRB_LEN + 8);
	vcard_req_put(req);
	vcard_put(card);
}

static void vcard_queue_timeout(struct kunit *test)
{
	struct vcard *card = test_card(test, 4);
	struct sender *s = sender_new(test, card, DOM_A, 2);
	struct vcard_req *req;

	/* Never read: times out and leaves the queue. */
	KUNIT_EXPECT_EQ(test, send_now(s), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, vcard_take_request(card, SIZE_MAX, &req),
			-EAGAIN);
	KUNIT_EXPECT_EQ(test, card->apqn[0].inflight, 0U);

	/* Read but never answered: the late reply finds nothing. */
	s = sender_start(test, card, DOM_A, HZ / 10);
	req = take(test, card);
	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_EXPECT_EQ(test, sender_wait(test, s, LONG_WAIT), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, deliver(card, req, 8, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, card->apqn[0].stats.timeouts, 2ULL);
	vcard_req_put(req);
	vcard_put(card);
}

static void vcard_queue_offline(struct kunit *test)
{
	struct vcard *card = test_card(test, 4);
	struct sender *read = sender_start(test, card, DOM_A, LONG_WAIT);
	struct vcard_req *req = take(test, card);
	struct sender *queued = sender_start(test, card, DOM_A, LONG_WAIT);
	struct sender *other = sender_start(test, card, DOM_B, LONG_WAIT);
	struct sender *late = sender_new(test, card, DOM_A, LONG_WAIT);

	KUNIT_ASSERT_NOT_NULL(test, req);
	msleep(20);
	vcard_apqn_set_online(card, &card->apqn[0], false);

	/* Read by the firmware: may have run.  Still queued: did not. */
	KUNIT_EXPECT_EQ(test, sender_wait(test, read, HZ), -EIO);
	KUNIT_EXPECT_EQ(test, sender_wait(test, queued, HZ), -ENODEV);
	KUNIT_EXPECT_EQ(test, deliver(card, req, 8, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, send_now(late), -ENODEV);
	vcard_req_put(req);

	/* The other APQN's request is untouched. */
	KUNIT_EXPECT_FALSE(test, completion_done(&other->done));
	req = take(test, card);
	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_EXPECT_EQ(test, req->hdr.domain, (u32)DOM_B);
	KUNIT_EXPECT_EQ(test, deliver(card, req, 8, 0), 0);
	KUNIT_EXPECT_EQ(test, sender_wait(test, other, LONG_WAIT),
			EP11_CPRB_LEN + 8);
	vcard_req_put(req);
	vcard_put(card);
}

static void vcard_queue_dead_card(struct kunit *test)
{
	struct vcard *card = test_card(test, 8);
	int i, ret, eio = 0, enodev = 0;
	struct sender *s[4];
	struct vcard_req *req;

	for (i = 0; i < 4; i++)
		s[i] = sender_start(test, card, i % 2 ? DOM_B : DOM_A,
				    LONG_WAIT);
	req = take(test, card);
	KUNIT_ASSERT_NOT_NULL(test, req);
	msleep(20);
	vcard_kill(card);
	/* The one the firmware read may have run; the others did not. */
	for (i = 0; i < 4; i++) {
		ret = sender_wait(test, s[i], HZ);
		eio += ret == -EIO;
		enodev += ret == -ENODEV;
	}
	KUNIT_EXPECT_EQ_MSG(test, eio, 1, "expected 1 -EIO (read), got %d",
			    eio);
	KUNIT_EXPECT_EQ_MSG(test, enodev, 3,
			    "expected 3 -ENODEV (never read), got %d", enodev);
	KUNIT_EXPECT_EQ(test, deliver(card, req, 8, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, send_now(s[0]), -ENODEV);
	vcard_req_put(req);
	vcard_put(card);
}

/* The firmware takes @apqn offline, as EP11_VCARD_IOC_SET_ONLINE does. */
static void go_offline(struct vcard *card, struct vcard_apqn *apqn)
{
	vcard_apqn_set_online(card, apqn, false);
}

/*
 * A request the firmware never read cannot have run: taking its APQN
 * offline ends it with -ENODEV, which the core takes as "not executed".
 */
static void vcard_queue_offline_fails_pending_with_enodev(struct kunit *test)
{
	struct vcard *card = test_card(test, 4);
	struct sender *s = sender_start(test, card, DOM_A, LONG_WAIT);
	struct vcard_req *req;
	int i;

	for (i = 0; i < 1000 && !vcard_has_pending(card); i++)
		usleep_range(1000, 2000);
	KUNIT_ASSERT_TRUE_MSG(test, vcard_has_pending(card),
			      "expected the request queued within 1 s");
	go_offline(card, &card->apqn[0]);
	KUNIT_EXPECT_EQ_MSG(test, sender_wait(test, s, HZ), -ENODEV,
			    "expected -ENODEV for a request never read");
	KUNIT_EXPECT_EQ(test, vcard_take_request(card, SIZE_MAX, &req),
			-EAGAIN);
	KUNIT_EXPECT_EQ(test, card->apqn[0].inflight, 0U);
	KUNIT_EXPECT_EQ(test, card->apqn[0].stats.failed, 1ULL);
	vcard_put(card);
}

/*
 * A request the firmware has read may have run (a Login may have left a
 * session on the card): taking its APQN offline ends it with -EIO, which
 * the core takes as "may have run".
 */
static void vcard_queue_offline_fails_inflight_with_eio(struct kunit *test)
{
	struct vcard *card = test_card(test, 4);
	struct sender *s = sender_start(test, card, DOM_A, LONG_WAIT);
	struct vcard_req *req = take(test, card);

	KUNIT_ASSERT_NOT_NULL(test, req);
	go_offline(card, &card->apqn[0]);
	KUNIT_EXPECT_EQ_MSG(test, sender_wait(test, s, HZ), -EIO,
			    "expected -EIO for a request the firmware read");
	KUNIT_EXPECT_EQ(test, deliver(card, req, 8, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, card->apqn[0].inflight, 0U);
	vcard_req_put(req);
	vcard_put(card);
}

/* The card fd closed: a request never read ends with -ENODEV. */
static void vcard_queue_kill_fails_pending_with_enodev(struct kunit *test)
{
	struct vcard *card = test_card(test, 4);
	struct sender *s = sender_start(test, card, DOM_B, LONG_WAIT);
	int i;

	for (i = 0; i < 1000 && !vcard_has_pending(card); i++)
		usleep_range(1000, 2000);
	KUNIT_ASSERT_TRUE_MSG(test, vcard_has_pending(card),
			      "expected the request queued within 1 s");
	vcard_kill(card);
	KUNIT_EXPECT_EQ_MSG(test, sender_wait(test, s, HZ), -ENODEV,
			    "expected -ENODEV for a request never read");
	KUNIT_EXPECT_FALSE(test, vcard_has_pending(card));
	vcard_put(card);
}

/* The card fd closed: a request the firmware read ends with -EIO. */
static void vcard_queue_kill_fails_inflight_with_eio(struct kunit *test)
{
	struct vcard *card = test_card(test, 4);
	struct sender *s = sender_start(test, card, DOM_B, LONG_WAIT);
	struct vcard_req *req = take(test, card);

	KUNIT_ASSERT_NOT_NULL(test, req);
	vcard_kill(card);
	KUNIT_EXPECT_EQ_MSG(test, sender_wait(test, s, HZ), -EIO,
			    "expected -EIO for a request the firmware read");
	KUNIT_EXPECT_EQ(test, deliver(card, req, 8, 0), -ENOENT);
	vcard_req_put(req);
	vcard_put(card);
}

static int killable_sender_fn(void *arg)
{
	allow_signal(SIGKILL);
	return sender_fn(arg);
}

/* A sender that a fatal signal can interrupt; holds a task reference. */
static struct task_struct *killable_sender_start(struct kunit *test,
						 struct sender *s)
{
	struct task_struct *t;

	t = kthread_create(killable_sender_fn, s, "vcard-test-kill");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	wake_up_process(t);
	return t;
}

/*
 * A waiter killed while its request is still queued takes the request
 * off the queue: the firmware never sees, never runs it.  Killed after
 * the firmware read it, the waiter returns -EINTR (may have run) and the
 * late reply is refused.
 */
static void vcard_queue_fatal_signal(struct kunit *test)
{
	struct vcard *card = test_card(test, 4);
	struct sender *s = sender_new(test, card, DOM_A, LONG_WAIT);
	struct task_struct *t = killable_sender_start(test, s);
	struct vcard_req *req;
	int i;

	for (i = 0; i < 1000 && !vcard_has_pending(card); i++)
		usleep_range(1000, 2000);
	KUNIT_ASSERT_TRUE_MSG(test, vcard_has_pending(card),
			      "expected the request queued within 1 s");
	send_sig(SIGKILL, t, 1);
	KUNIT_EXPECT_EQ(test, sender_wait(test, s, HZ), -EINTR);
	put_task_struct(t);
	KUNIT_EXPECT_EQ_MSG(test, vcard_take_request(card, SIZE_MAX, &req),
			    -EAGAIN,
			    "expected the abandoned request gone from the queue");
	KUNIT_EXPECT_EQ(test, card->apqn[0].inflight, 0U);

	s = sender_new(test, card, DOM_A, LONG_WAIT);
	t = killable_sender_start(test, s);
	req = take(test, card);
	KUNIT_ASSERT_NOT_NULL(test, req);
	send_sig(SIGKILL, t, 1);
	KUNIT_EXPECT_EQ(test, sender_wait(test, s, HZ), -EINTR);
	put_task_struct(t);
	KUNIT_EXPECT_EQ(test, deliver(card, req, 8, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, card->apqn[0].stats.timeouts, 2ULL);
	vcard_req_put(req);
	vcard_put(card);
}

static void vcard_queue_bad_replies(struct kunit *test)
{
	struct vcard *card = test_card(test, 4);
	struct sender *s = sender_start(test, card, DOM_A, LONG_WAIT);
	struct vcard_req *req = take(test, card);
	struct ep11_vcard_msg hdr;
	struct task_struct *task;
	u8 *msg;

	KUNIT_ASSERT_NOT_NULL(test, req);
	hdr.msgid = req->hdr.msgid;
	hdr.domain = DOM_A;
	hdr.len = EP11_CPRB_LEN;
	msg = kvzalloc(EP11_CPRB_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	KUNIT_EXPECT_EQ(test, vcard_deliver_reply(card, &hdr, msg), -EBADMSG);
	KUNIT_EXPECT_EQ(test, sender_wait(test, s, LONG_WAIT), -EBADMSG);
	KUNIT_EXPECT_EQ(test, card->apqn[0].stats.bad_replies, 1ULL);
	vcard_req_put(req);

	/* A good reply longer than the core's buffer. */
	s = sender_new(test, card, DOM_A, LONG_WAIT);
	s->rep_cap = EP11_CPRB_LEN + 8;
	task = kthread_run(sender_fn, s, "vcard-test-send");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	req = take(test, card);
	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_EXPECT_EQ(test, deliver(card, req, 9, 0), 0);
	KUNIT_EXPECT_EQ(test, sender_wait(test, s, LONG_WAIT), -EMSGSIZE);
	vcard_req_put(req);
	vcard_put(card);
}

static void vcard_queue_take_and_untake(struct kunit *test)
{
	struct vcard *card = test_card(test, 4);
	struct sender *s = sender_start(test, card, DOM_A, LONG_WAIT);
	struct vcard_req *req, *again;
	int i, ret = -EAGAIN;

	/* Too little room: the request stays queued. */
	for (i = 0; i < 1000 && ret == -EAGAIN; i++) {
		ret = vcard_take_request(card, REQ_LEN, &req);
		if (ret == -EAGAIN)
			usleep_range(1000, 2000);
	}
	KUNIT_EXPECT_EQ(test, ret, -EMSGSIZE);
	KUNIT_EXPECT_TRUE(test, vcard_has_pending(card));

	req = take(test, card);
	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_EXPECT_FALSE(test, vcard_has_pending(card));
	/* A failed copy to the firmware puts it back at the head. */
	vcard_untake_request(card, req);
	KUNIT_EXPECT_TRUE(test, vcard_has_pending(card));
	/* Not in flight any more: a reply to it is refused. */
	KUNIT_EXPECT_EQ(test, deliver(card, req, 8, 0), -ENOENT);
	again = take(test, card);
	KUNIT_ASSERT_PTR_EQ(test, again, req);
	KUNIT_EXPECT_EQ(test, deliver(card, again, 8, 0), 0);
	KUNIT_EXPECT_EQ(test, sender_wait(test, s, LONG_WAIT),
			EP11_CPRB_LEN + 8);
	vcard_req_put(again);
	vcard_req_put(req);
	vcard_put(card);
}

/*
 * Removing a registered card ends the requests it holds at once.  The core
 * asks a card for its session counts as soon as it is registered; when the
 * card goes before anyone answers (the firmware gone, or the card fd never
 * made), the removal must not wait for that request's time-out.
 */
static void vcard_queue_remove_ends_requests(struct kunit *test)
{
	struct ep11_vcard_new arg = {
		.size = sizeof(arg),
		.card = 0xee,
		.queue_depth = 4,
		.domains = { 1ULL << DOM_A },
	};
	struct vcard *card = vcard_alloc(&arg);
	unsigned long start, took;
	int i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(card));
	KUNIT_ASSERT_EQ(test, vcard_register(card), 0);
	for (i = 0; i < 1000 && !vcard_has_pending(card); i++)
		usleep_range(1000, 2000);
	KUNIT_EXPECT_TRUE_MSG(test, vcard_has_pending(card),
			      "expected the core's query after registration");

	start = jiffies;
	vcard_remove(card);
	took = jiffies - start;
	KUNIT_EXPECT_LT_MSG(test, took, (unsigned long)HZ,
			    "expected the removal within 1 s, it took %u ms",
			    jiffies_to_msecs(took));
}

static struct kunit_case vcard_queue_test_cases[] = {
	KUNIT_CASE(vcard_queue_round_trip),
	KUNIT_CASE(vcard_queue_full_at_depth),
	KUNIT_CASE(vcard_queue_timeout),
	KUNIT_CASE(vcard_queue_offline),
	KUNIT_CASE(vcard_queue_dead_card),
	KUNIT_CASE(vcard_queue_offline_fails_pending_with_enodev),
	KUNIT_CASE(vcard_queue_offline_fails_inflight_with_eio),
	KUNIT_CASE(vcard_queue_kill_fails_pending_with_enodev),
	KUNIT_CASE(vcard_queue_kill_fails_inflight_with_eio),
	KUNIT_CASE(vcard_queue_fatal_signal),
	KUNIT_CASE(vcard_queue_bad_replies),
	KUNIT_CASE(vcard_queue_take_and_untake),
	KUNIT_CASE(vcard_queue_remove_ends_requests),
	{}
};

static struct kunit_suite vcard_queue_test_suite = {
	.name = "ep11-vcard-queue",
	.test_cases = vcard_queue_test_cases,
};

kunit_test_suite(vcard_queue_test_suite);
