// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the zcrypt provider's translation and card bookkeeping against a
 * fake zcrypt (struct ep11z_ops), with the real ep11sess core.  Runs where
 * zcrypt does not exist (UML).
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/ep11.h>

#include "../../card.h"
#include "../../ep11_provider.h"
#include "../ep11z.h"

/* Card ids no other suite registers. */
#define FAKE_CARD	0xe5
#define FAKE_CARD2	0xe6
/* The domain the tests send to; the core's own queries go to a lower one. */
#define FAKE_DOM	9
#define FAKE_INFO_DOM	3

static const char fake_serial[EP11Z_SERIAL_LEN + 1] = "ZC0123456789ABCD";

/**
 * struct fake_zcrypt - what the fake zcrypt reports and does
 * @lock:       protects everything below but @matrix's contents
 * @matrix:     what ->status() copies out
 * @serial_rc:  ->serial()'s result
 * @send_rc:    ->send()'s result for FAKE_DOM
 * @reply:      the reply ->send() copies for FAKE_DOM (when @send_rc is 0)
 * @reply_len:  its length, copied at most up to the block's resp_len
 * @claim_len:  resp_len ->send() reports (0: @reply_len)
 * @block:      when set, ->send() for FAKE_DOM waits for it
 * @entered:    completed when ->send() for FAKE_DOM is entered
 * @others:     ->send() calls for other APQNs (the core's own queries)
 * @sends:      ->send() calls for FAKE_DOM
 * @targets:    targets_num of the last of them
 * @target:     its first target
 * @req:        its request bytes (the first 64)
 * @req_len:    its req_len
 * @resp_len:   the resp_len the block came with
 */
struct fake_zcrypt {
	struct mutex lock;	/* the fields below */
	struct ep11z_devstat *matrix;
	int serial_rc;
	long send_rc;
	u8 reply[128];
	size_t reply_len;
	size_t claim_len;
	struct completion *block;
	struct completion entered;
	unsigned int others;
	unsigned int sends;
	unsigned int targets;
	struct ep11z_target target;
	u8 req[64];
	u64 req_len;
	u64 resp_len;
};

static struct fake_zcrypt fake;

static void fake_status(struct ep11z_devstat *matrix)
{
	mutex_lock(&fake.lock);
	memcpy(matrix, fake.matrix, EP11Z_ENTRIES * sizeof(*matrix));
	mutex_unlock(&fake.lock);
}

static int fake_serial_fn(u16 card, char serial[EP11Z_SERIAL_LEN])
{
	int rc;

	mutex_lock(&fake.lock);
	rc = fake.serial_rc;
	mutex_unlock(&fake.lock);
	if (!rc)
		memcpy(serial, fake_serial, EP11Z_SERIAL_LEN);
	return rc;
}

static long fake_send(struct ep11z_urb *urb)
{
	const struct ep11z_target *t =
		(const struct ep11z_target __force *)urb->targets;
	struct completion *block;
	size_t n, claim;
	long rc;

	/* The core's own queries after registration: nothing there. */
	if (urb->targets_num != 1 || t->dom_id != FAKE_DOM) {
		mutex_lock(&fake.lock);
		fake.others++;
		mutex_unlock(&fake.lock);
		return -ENODEV;
	}

	mutex_lock(&fake.lock);
	fake.sends++;
	fake.targets = urb->targets_num;
	fake.target = *t;
	fake.req_len = urb->req_len;
	fake.resp_len = urb->resp_len;
	memcpy(fake.req, (const void __force *)urb->req,
	       min_t(u64, urb->req_len, sizeof(fake.req)));
	block = fake.block;
	mutex_unlock(&fake.lock);
	complete(&fake.entered);
	if (block)
		wait_for_completion(block);

	mutex_lock(&fake.lock);
	rc = fake.send_rc;
	if (!rc) {
		/* A zcrypt that copies at most resp_len, as the real one. */
		n = min_t(u64, fake.reply_len, urb->resp_len);
		memcpy((void __force *)urb->resp, fake.reply, n);
		claim = fake.claim_len ? fake.claim_len : fake.reply_len;
		urb->resp_len = claim;
	}
	mutex_unlock(&fake.lock);
	return rc;
}

static const struct ep11z_ops fake_ops = {
	.status = fake_status,
	.serial = fake_serial_fn,
	.send = fake_send,
};

static void fake_set(unsigned int card, unsigned int dom, bool present,
		     bool online, unsigned int functions)
{
	struct ep11z_devstat *e = &fake.matrix[card * EP11Z_DOMAINS + dom];

	mutex_lock(&fake.lock);
	memset(e, 0, sizeof(*e));
	if (present) {
		e->qid = (card << 8) | dom;
		e->online = online;
		e->functions = functions;
		e->hwtype = 14;
	}
	mutex_unlock(&fake.lock);
}

/* A reply of @payload payload bytes with CPRB return code @ret_code. */
static void fake_reply(size_t payload, u32 ret_code)
{
	struct ep11_cprb *c = (struct ep11_cprb *)fake.reply;

	mutex_lock(&fake.lock);
	memset(fake.reply, 0, sizeof(fake.reply));
	c->cprb_len = cpu_to_be16(EP11_CPRB_LEN);
	c->cprb_ver_id = EP11_CPRB_VERSION;
	c->func_id[0] = EP11_CPRB_FUNC_ID0;
	c->func_id[1] = EP11_CPRB_FUNC_ID1;
	c->ret_code = cpu_to_be32(ret_code);
	c->payload_len = cpu_to_be32(payload);
	memset(fake.reply + EP11_CPRB_LEN, 0xa5, payload);
	fake.reply_len = EP11_CPRB_LEN + payload;
	fake.claim_len = 0;
	fake.send_rc = 0;
	mutex_unlock(&fake.lock);
}

static int fake_init(struct kunit *test)
{
	memset(&fake, 0, sizeof(fake));
	mutex_init(&fake.lock);
	init_completion(&fake.entered);
	fake.matrix = kvcalloc(EP11Z_ENTRIES, sizeof(*fake.matrix),
			       GFP_KERNEL);
	return fake.matrix ? 0 : -ENOMEM;
}

static void fake_exit(struct kunit *test)
{
	kvfree(fake.matrix);
	fake.matrix = NULL;
}

/* An instance with FAKE_CARD's FAKE_INFO_DOM and FAKE_DOM online. */
static struct ep11z *start(struct kunit *test)
{
	struct ep11z *z = kunit_kzalloc(test, sizeof(*z), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, z);
	fake_set(FAKE_CARD, FAKE_INFO_DOM, true, true, EP11Z_FUNC_EP11);
	fake_set(FAKE_CARD, FAKE_DOM, true, true, EP11Z_FUNC_EP11);
	KUNIT_ASSERT_EQ(test, ep11z_init(z, &fake_ops, 0), 0);
	/* The first scan is queued, not done in the caller. */
	flush_delayed_work(&z->scan_work);
	KUNIT_ASSERT_NOT_NULL_MSG(test, z->cards[FAKE_CARD],
				  "card %02x with two online EP11 queues was not registered",
				  FAKE_CARD);
	/*
	 * The core's own queries after registration (counts, wrapping key
	 * patterns) are done before a test counts its requests.
	 */
	flush_work(&z->cards[FAKE_CARD]->core->info_work);
	flush_work(&z->cards[FAKE_CARD]->core->relogin_work);
	flush_workqueue(z->wq);
	mutex_lock(&fake.lock);
	fake.sends = 0;
	reinit_completion(&fake.entered);
	mutex_unlock(&fake.lock);
	return z;
}

static int zsend(struct ep11z *z, void *rep, size_t cap, unsigned long tmo)
{
	static const u8 req[40] = { 0x00, 0x20, 0x04, [6] = 'T', [7] = '4',
				    [39] = 0x77 };

	return ep11z_provider_ops.send(z->cards[FAKE_CARD], FAKE_DOM, req,
				       sizeof(req), rep, cap, tmo);
}

static void urb_targets_one_apqn(struct kunit *test)
{
	struct ep11z_target target = { 0xffff, 0xffff };
	struct ep11z_urb urb;
	u8 req[48], rep[96];

	memset(&urb, 0xff, sizeof(urb));
	ep11z_build_urb(&urb, &target, 0x0b, 0x24, req, sizeof(req), rep,
			sizeof(rep));
	KUNIT_EXPECT_EQ_MSG(test, urb.targets_num, 1,
			    "expected one target, so zcrypt cannot choose another APQN");
	KUNIT_EXPECT_PTR_EQ(test, (void __force *)urb.targets, (void *)&target);
	KUNIT_EXPECT_EQ(test, target.ap_id, 0x0b);
	KUNIT_EXPECT_EQ(test, target.dom_id, 0x24);
	KUNIT_EXPECT_PTR_EQ(test, (void __force *)urb.req, (void *)req);
	KUNIT_EXPECT_EQ(test, urb.req_len, sizeof(req));
	KUNIT_EXPECT_PTR_EQ(test, (void __force *)urb.resp, (void *)rep);
	KUNIT_EXPECT_EQ_MSG(test, urb.resp_len, sizeof(rep),
			    "resp_len must be the buffer's size, zcrypt's limit for the copy");
	KUNIT_EXPECT_EQ(test, urb.weight, 0);
	KUNIT_EXPECT_EQ(test, urb.req_no, 0);
}

static void errors_map_to_contract(struct kunit *test)
{
	static const struct { long zc; int want; } map[] = {
		{ -ENODEV, -ENODEV },	/* never queued: not run */
		{ -EAGAIN, -EIO },	/* flushed or card error: may have run */
		{ -ETIME, -ETIMEDOUT },
		{ -ETIMEDOUT, -ETIMEDOUT },
		{ -ERESTARTSYS, -EINTR },
		{ -EINTR, -EINTR },
		{ -EMSGSIZE, -EMSGSIZE },
		{ -EINVAL, -EIO },
		{ -EFAULT, -EIO },
		{ -ENOMEM, -EIO },
		{ -EPERM, -EIO },
		{ -EBUSY, -EIO },	/* zcrypt cannot say it was not run */
		{ 1, -EIO },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		KUNIT_EXPECT_EQ_MSG(test, ep11z_map_error(map[i].zc),
				    map[i].want, "zcrypt error %ld",
				    map[i].zc);
}

static void replies_checked(struct kunit *test)
{
	struct ep11_cprb *c;
	u8 buf[64];

	fake_reply(16, 0);
	memcpy(buf, fake.reply, sizeof(buf));
	c = (struct ep11_cprb *)buf;
	KUNIT_EXPECT_EQ(test, ep11z_check_reply(buf, 48, 64), 48);
	KUNIT_EXPECT_EQ_MSG(test, ep11z_check_reply(buf, 48, 47), -EMSGSIZE,
			    "a length above the buffer is an error, never a copy");
	KUNIT_EXPECT_EQ(test, ep11z_check_reply(buf, 31, 64), -EBADMSG);
	KUNIT_EXPECT_EQ(test, ep11z_check_reply(buf, 0, 64), -EBADMSG);
	KUNIT_EXPECT_EQ_MSG(test, ep11z_check_reply(buf, 47, 64), -EBADMSG,
			    "payload_len 16 with 15 bytes after the header");
	KUNIT_EXPECT_EQ_MSG(test, ep11z_check_reply(buf, 49, 64), -EBADMSG,
			    "payload_len 16 with 17 bytes after the header");
	c->cprb_ver_id = 3;
	KUNIT_EXPECT_EQ(test, ep11z_check_reply(buf, 48, 64), -EBADMSG);
	c->cprb_ver_id = EP11_CPRB_VERSION;
	c->func_id[1] = '3';
	KUNIT_EXPECT_EQ(test, ep11z_check_reply(buf, 48, 64), -EBADMSG);
	c->func_id[1] = EP11_CPRB_FUNC_ID1;
	c->cprb_len = cpu_to_be16(0x40);
	KUNIT_EXPECT_EQ(test, ep11z_check_reply(buf, 48, 64), -EBADMSG);
	c->cprb_len = cpu_to_be16(EP11_CPRB_LEN);
	c->ret_code = cpu_to_be32(EP11_CPRB_RC_BUSY);
	c->payload_len = 0;
	KUNIT_EXPECT_EQ(test, ep11z_check_reply(buf, 32, 64), -EBUSY);
	c->ret_code = cpu_to_be32(0x00010000);
	KUNIT_EXPECT_EQ_MSG(test, ep11z_check_reply(buf, 32, 64), 32,
			    "other CPRB return codes are the core's to read");
}

static void matrix_filtered(struct kunit *test)
{
	DECLARE_BITMAP(listed, EP11Z_DOMAINS);
	DECLARE_BITMAP(online, EP11Z_DOMAINS);

	fake_set(0x0b, 0x01, true, true, EP11Z_FUNC_EP11);
	fake_set(0x0b, 0x24, true, false, EP11Z_FUNC_EP11);
	fake_set(0x0b, 0x30, true, true, 0x04);		/* CCA */
	fake_set(0x0c, 0x02, true, true, EP11Z_FUNC_EP11);
	/* An entry whose qid is not its place: not trusted. */
	fake_set(0x0b, 0x40, true, true, EP11Z_FUNC_EP11);
	fake.matrix[0x0b * EP11Z_DOMAINS + 0x40].qid = 0x0b41;

	KUNIT_EXPECT_EQ(test, ep11z_card_domains(fake.matrix, 0x0b, listed,
						 online), 2);
	KUNIT_EXPECT_TRUE(test, test_bit(0x01, listed));
	KUNIT_EXPECT_TRUE(test, test_bit(0x24, listed));
	KUNIT_EXPECT_EQ(test, bitmap_weight(listed, EP11Z_DOMAINS), 2);
	KUNIT_EXPECT_TRUE(test, test_bit(0x01, online));
	KUNIT_EXPECT_EQ_MSG(test, bitmap_weight(online, EP11Z_DOMAINS), 1,
			    "0b.0024 is offline");
	KUNIT_EXPECT_EQ(test, ep11z_card_domains(fake.matrix, 0x0d, listed,
						 online), 0);
	KUNIT_EXPECT_EQ(test, ep11z_card_domains(fake.matrix, 256, listed,
						 online), 0);
}

static void send_reaches_the_chosen_apqn(struct kunit *test)
{
	struct ep11z *z = start(test);
	u8 rep[64];
	int ret;

	KUNIT_EXPECT_EQ(test, memcmp(z->cards[FAKE_CARD]->serial, fake_serial,
				     EP11Z_SERIAL_LEN), 0);
	fake_reply(20, 0);
	memset(rep, 0, sizeof(rep));
	ret = zsend(z, rep, sizeof(rep), HZ * 10);
	KUNIT_EXPECT_EQ_MSG(test, ret, 52, "a good 52-byte reply");
	KUNIT_EXPECT_EQ(test, memcmp(rep, fake.reply, 52), 0);
	KUNIT_EXPECT_EQ(test, fake.sends, 1);
	KUNIT_EXPECT_EQ(test, fake.targets, 1);
	KUNIT_EXPECT_EQ(test, fake.target.ap_id, FAKE_CARD);
	KUNIT_EXPECT_EQ(test, fake.target.dom_id, FAKE_DOM);
	KUNIT_EXPECT_EQ(test, fake.req_len, 40);
	KUNIT_EXPECT_EQ(test, fake.req[39], 0x77);
	KUNIT_EXPECT_EQ(test, fake.resp_len, sizeof(rep));

	/* A domain the card was not registered with never reaches zcrypt. */
	KUNIT_EXPECT_EQ(test, ep11z_provider_ops.send(z->cards[FAKE_CARD], 10,
						      rep, 40, rep,
						      sizeof(rep), HZ),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, fake.sends, 1);
	ep11z_exit(z);
}

static void bad_replies_never_overrun(struct kunit *test)
{
	struct ep11z *z = start(test);
	u8 rep[64 + 16];
	int ret;

	/* zcrypt says 72 bytes for a 64-byte buffer. */
	fake_reply(40, 0);
	fake.claim_len = 72;
	memset(rep, 0x5a, sizeof(rep));
	ret = zsend(z, rep, 64, HZ * 10);
	KUNIT_EXPECT_EQ(test, ret, -EMSGSIZE);
	KUNIT_EXPECT_NULL_MSG(test, memchr_inv(rep, 0x5a, sizeof(rep)),
			      "nothing may be copied to the core's buffer");

	/* Short and garbled replies. */
	fake_reply(0, 0);
	fake.claim_len = 20;
	KUNIT_EXPECT_EQ(test, zsend(z, rep, 64, HZ * 10), -EBADMSG);
	fake_reply(8, 0);
	fake.reply[2] = 9;
	KUNIT_EXPECT_EQ(test, zsend(z, rep, 64, HZ * 10), -EBADMSG);
	KUNIT_EXPECT_NULL(test, memchr_inv(rep, 0x5a, sizeof(rep)));

	/* zcrypt's own -EMSGSIZE; a busy card. */
	fake_reply(8, 0);
	fake.send_rc = -EMSGSIZE;
	KUNIT_EXPECT_EQ(test, zsend(z, rep, 64, HZ * 10), -EMSGSIZE);
	fake_reply(0, EP11_CPRB_RC_BUSY);
	KUNIT_EXPECT_EQ(test, zsend(z, rep, 64, HZ * 10), -EBUSY);
	ep11z_exit(z);
}

static void enodev_and_eagain_rescan(struct kunit *test)
{
	struct ep11z *z = start(test);
	int kicks, scans, i;
	u8 rep[64];

	/* Let the core's own query after registration and its kick pass. */
	for (i = 0; i < 100 && !READ_ONCE(fake.others); i++)
		msleep(50);
	KUNIT_ASSERT_GT(test, READ_ONCE(fake.others), 0);
	flush_workqueue(z->wq);
	flush_workqueue(z->wq);
	kicks = atomic_read(&z->kicks);
	scans = atomic_read(&z->scans);
	fake_reply(0, 0);
	fake.send_rc = -ENODEV;
	KUNIT_EXPECT_EQ(test, zsend(z, rep, sizeof(rep), HZ * 10), -ENODEV);
	flush_delayed_work(&z->scan_work);
	KUNIT_EXPECT_GT_MSG(test, atomic_read(&z->kicks), kicks,
			    "-ENODEV from zcrypt must ask for a rescan");
	KUNIT_EXPECT_GT(test, atomic_read(&z->scans), scans);

	kicks = atomic_read(&z->kicks);
	fake.send_rc = -EAGAIN;
	KUNIT_EXPECT_EQ(test, zsend(z, rep, sizeof(rep), HZ * 10), -EIO);
	KUNIT_EXPECT_GT(test, atomic_read(&z->kicks), kicks);
	flush_delayed_work(&z->scan_work);
	ep11z_exit(z);
}

static void timeout_drops_the_reply(struct kunit *test)
{
	struct ep11z *z = start(test);
	DECLARE_COMPLETION_ONSTACK(gate);
	u8 rep[64];

	fake_reply(8, 0);
	fake.block = &gate;
	memset(rep, 0x5a, sizeof(rep));
	KUNIT_EXPECT_EQ_MSG(test, zsend(z, rep, sizeof(rep), HZ / 10),
			    -ETIMEDOUT,
			    "zcrypt's wait has no time-out; the provider's has");
	complete_all(&gate);
	flush_workqueue(z->wq);
	KUNIT_EXPECT_EQ(test, fake.sends, 1);
	KUNIT_EXPECT_NULL_MSG(test, memchr_inv(rep, 0x5a, sizeof(rep)),
			      "a reply after the time-out is dropped");
	ep11z_exit(z);
}

struct sender {
	struct ep11z *z;
	int ret;
	struct completion done;
};

static int sender_fn(void *arg)
{
	struct sender *s = arg;
	u8 rep[64];

	s->ret = zsend(s->z, rep, sizeof(rep), HZ * 30);
	complete(&s->done);
	return 0;
}

static void removal_ends_requests(struct kunit *test)
{
	struct ep11z *z = start(test);
	DECLARE_COMPLETION_ONSTACK(gate);
	struct task_struct *t;
	struct sender s = { .z = z };

	init_completion(&s.done);
	fake_reply(8, 0);
	fake.block = &gate;
	t = kthread_run(sender_fn, &s, "ep11z-kunit");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&fake.entered,
							  HZ * 10), 0);
	/* The card leaves zcrypt while zcrypt holds the request. */
	fake_set(FAKE_CARD, FAKE_INFO_DOM, false, false, 0);
	fake_set(FAKE_CARD, FAKE_DOM, false, false, 0);
	ep11z_rescan(z);
	KUNIT_EXPECT_NULL(test, z->cards[FAKE_CARD]);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&s.done, HZ * 10),
			0);
	KUNIT_EXPECT_EQ_MSG(test, s.ret, -EIO,
			    "a request zcrypt may have given the card: may have run");
	complete_all(&gate);
	ep11z_exit(z);
}

static void rescan_follows_zcrypt(struct kunit *test)
{
	struct ep11z *z = start(test);
	struct ep11z_card *zc = z->cards[FAKE_CARD];

	/* Nothing changed: the same card object stays. */
	ep11z_rescan(z);
	KUNIT_EXPECT_PTR_EQ(test, z->cards[FAKE_CARD], zc);

	/* A queue goes offline and online again: the same card. */
	fake_set(FAKE_CARD, FAKE_DOM, true, false, EP11Z_FUNC_EP11);
	ep11z_rescan(z);
	KUNIT_EXPECT_PTR_EQ(test, z->cards[FAKE_CARD], zc);
	KUNIT_EXPECT_FALSE(test, test_bit(FAKE_DOM, zc->online));
	KUNIT_EXPECT_TRUE(test, test_bit(FAKE_INFO_DOM, zc->online));
	fake_set(FAKE_CARD, FAKE_DOM, true, true, EP11Z_FUNC_EP11);
	ep11z_rescan(z);
	KUNIT_EXPECT_TRUE(test, test_bit(FAKE_DOM, zc->online));

	/* A second card appears, its serial unreadable: registered anyway. */
	fake.serial_rc = -EIO;
	fake_set(FAKE_CARD2, 1, true, true, EP11Z_FUNC_EP11);
	fake_set(FAKE_CARD2, 2, true, true, 0x04);	/* CCA: not EP11 */
	ep11z_rescan(z);
	KUNIT_ASSERT_NOT_NULL(test, z->cards[FAKE_CARD2]);
	KUNIT_EXPECT_EQ(test, bitmap_weight(z->cards[FAKE_CARD2]->domains,
					    EP11Z_DOMAINS), 1);
	KUNIT_EXPECT_NULL(test, memchr_inv(z->cards[FAKE_CARD2]->serial, 0,
					   EP11Z_SERIAL_LEN));
	fake.serial_rc = 0;

	/* A domain added to a card: registered again with both. */
	fake_set(FAKE_CARD2, 5, true, true, EP11Z_FUNC_EP11);
	ep11z_rescan(z);
	KUNIT_ASSERT_NOT_NULL(test, z->cards[FAKE_CARD2]);
	KUNIT_EXPECT_EQ(test, bitmap_weight(z->cards[FAKE_CARD2]->domains,
					    EP11Z_DOMAINS), 2);
	KUNIT_EXPECT_EQ(test, memcmp(z->cards[FAKE_CARD2]->serial,
				     fake_serial, EP11Z_SERIAL_LEN), 0);

	/* A card whose queues are all offline at first sight waits. */
	fake_set(FAKE_CARD2, 1, false, false, 0);
	fake_set(FAKE_CARD2, 5, false, false, 0);
	ep11z_rescan(z);
	KUNIT_EXPECT_NULL_MSG(test, z->cards[FAKE_CARD2],
			      "card %02x left zcrypt and must be unregistered",
			      FAKE_CARD2);
	fake_set(FAKE_CARD2, 7, true, false, EP11Z_FUNC_EP11);
	ep11z_rescan(z);
	KUNIT_EXPECT_NULL(test, z->cards[FAKE_CARD2]);
	fake_set(FAKE_CARD2, 7, true, true, EP11Z_FUNC_EP11);
	ep11z_rescan(z);
	KUNIT_EXPECT_NOT_NULL(test, z->cards[FAKE_CARD2]);
	KUNIT_EXPECT_PTR_EQ(test, z->cards[FAKE_CARD], zc);
	ep11z_exit(z);
	KUNIT_EXPECT_NULL(test, z->cards[FAKE_CARD]);
	KUNIT_EXPECT_NULL(test, z->cards[FAKE_CARD2]);
}

static struct kunit_case ep11z_cases[] = {
	KUNIT_CASE(urb_targets_one_apqn),
	KUNIT_CASE(errors_map_to_contract),
	KUNIT_CASE(replies_checked),
	KUNIT_CASE(matrix_filtered),
	KUNIT_CASE(send_reaches_the_chosen_apqn),
	KUNIT_CASE(bad_replies_never_overrun),
	KUNIT_CASE(enodev_and_eagain_rescan),
	KUNIT_CASE(timeout_drops_the_reply),
	KUNIT_CASE(removal_ends_requests),
	KUNIT_CASE(rescan_follows_zcrypt),
	{}
};

static struct kunit_suite ep11z_suite = {
	.name = "ep11-zcrypt",
	.init = fake_init,
	.exit = fake_exit,
	.test_cases = ep11z_cases,
};

kunit_test_suite(ep11z_suite);
