// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the ep11sess core against a fake in-kernel provider: the
 * card's counts read after registration, session create/join/drop, budget
 * accounting, partial login and roll-back, session id disagreement, wrong
 * PIN, busy retry, waiting for a free session, recovery of an unanswered
 * login, reclaim with an offline APQN, card removal with a pending
 * logout, the APQNs of a session logged out at once, and a card's removal
 * that does not wait for another card's logouts.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/iopoll.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/ep11sess_genl.h>

#include "../card.h"
#include "../chardev.h"
#include "../event.h"
#include "../fleet.h"
#include "../ep11_wire.h"
#include "../login.h"
#include "../named.h"
#include "../orphan.h"
#include "../reclaim.h"
#include "../session.h"
#include "../xfer.h"

#define FAKE_ID		0x70
#define FAKE_SLOTS	16
#define FAKE_MAX	4

static const u8 good_pin[] = "12345678";
static const u8 bad_pin[] = "87654321";
static const u16 fake_domains[] = { 1, 2, 3 };

/**
 * struct fake_card - an in-kernel EP11 card
 * @lock:     protects everything below
 * @max:      session budget
 * @blobs:    live sessions' pin blobs
 * @used:     which @blobs are live
 * @logins:   Logins that spent a slot
 * @logouts:  Logouts that ended a session
 * @busy:     answer this many requests with -EBUSY first
 * @unseen:   run the next Login, then answer -ETIMEDOUT
 * @offline:  domains whose provider answers -ENODEV
 * @skew:     domains whose session ids differ from the others'
 * @delay_ms: every request takes this long (outside @lock)
 * @inflight: requests in the provider right now
 * @max_inflight: the most requests seen in the provider at once
 * @refuse_logout: domains whose card refuses every Logout for good
 * @gate_fn:  function whose next request stops in the provider, after the
 *            card ran it, until @gate_release (0: none)
 * @gate_arrived: completed when the gated request stopped
 * @gate_release: completed by the test to let it go on
 * @foreign:  slots another host holds: they count against @max
 * @login_reqs: Login requests the card answered, whatever the answer
 */
struct fake_card {
	struct mutex lock; /* see above */
	unsigned int max;
	u8 blobs[FAKE_SLOTS][EP11_PINBLOB_LEN];
	bool used[FAKE_SLOTS];
	unsigned int logins;
	unsigned int logouts;
	unsigned int busy;
	bool unseen;
	bool offline[256];
	bool skew[256];
	unsigned int delay_ms;
	atomic_t inflight;
	atomic_t max_inflight;
	bool refuse_logout[256];
	u32 gate_fn;
	struct completion gate_arrived;
	struct completion gate_release;
	unsigned int foreign;
	unsigned int login_reqs;
};

/**
 * struct core_test - per-test state
 * @fc:       the fake card
 * @card:     its registration
 * @removed:  the test unregistered the card itself
 * @drop:     delayed drop of @victim's hold
 * @victim:   a session to drop from @drop
 * @timeout_ms: the request time-out to restore after the test, or 0
 */
struct core_test {
	struct fake_card fc;
	struct ep11_card *card;
	bool removed;
	struct delayed_work drop;
	struct ep11_session *victim;
	unsigned int timeout_ms;
};

static unsigned int fake_live_locked(struct fake_card *fc)
{
	unsigned int i, n = 0;

	for (i = 0; i < FAKE_SLOTS; i++)
		n += fc->used[i];
	return n;
}

static unsigned int fake_live(struct fake_card *fc)
{
	unsigned int n;

	mutex_lock(&fc->lock);
	n = fake_live_locked(fc);
	mutex_unlock(&fc->lock);
	return n;
}

static void fake_blob(u8 *blob, u16 domain, bool skew, const u8 *pin,
		      size_t pin_len, const u8 *nonce, size_t nonce_len)
{
	size_t i;

	for (i = 0; i < EP11_SESSION_ID_LEN; i++)
		blob[i] = pin[i % pin_len] ^ nonce[i % nonce_len] ^ i ^
			  (skew ? domain : 0);
	for (; i < EP11_PINBLOB_LEN; i++)
		blob[i] = domain;
}

static u32 fake_login(struct fake_card *fc, u16 domain, struct ep11_msg *m,
		      u8 *blob)
{
	unsigned int i, free = FAKE_SLOTS;
	const u8 *pin, *nonce;
	size_t pin_len, nonce_len;

	if (ep11_wire_next(m, &pin, &pin_len) ||
	    ep11_wire_next(m, &nonce, &nonce_len) || !nonce_len)
		return EP11_CKR_ARGUMENTS_BAD;
	if (pin_len != sizeof(good_pin) - 1 ||
	    memcmp(pin, good_pin, pin_len))
		return EP11_CKR_PIN_INCORRECT;
	fake_blob(blob, domain, fc->skew[domain], pin, pin_len, nonce,
		  nonce_len);
	for (i = 0; i < FAKE_SLOTS; i++) {
		if (fc->used[i] &&
		    !memcmp(fc->blobs[i], blob, EP11_PINBLOB_LEN))
			return EP11_CKR_OK;
		if (!fc->used[i] && free == FAKE_SLOTS)
			free = i;
	}
	if (free == FAKE_SLOTS || fake_live_locked(fc) + fc->foreign >= fc->max)
		return EP11_CKR_SESSION_COUNT;
	fc->used[free] = true;
	memcpy(fc->blobs[free], blob, EP11_PINBLOB_LEN);
	fc->logins++;
	return EP11_CKR_OK;
}

static u32 fake_logout(struct fake_card *fc, struct ep11_msg *m)
{
	const u8 *blob;
	size_t len;
	unsigned int i;

	if (ep11_wire_next(m, &blob, &len) || len != EP11_PINBLOB_LEN)
		return EP11_CKR_ARGUMENTS_BAD;
	for (i = 0; i < FAKE_SLOTS; i++) {
		if (fc->used[i] && !memcmp(fc->blobs[i], blob, len)) {
			fc->used[i] = false;
			fc->logouts++;
			return EP11_CKR_OK;
		}
	}
	return EP11_CKR_SESSION_CLOSED;
}

static int fake_send(void *priv, u16 domain, const void *req, size_t req_len,
		     void *rep, size_t rep_cap, unsigned long timeout)
{
	struct fake_card *fc = priv;
	u8 blob[EP11_PINBLOB_LEN];
	struct ep11_wbuf b;
	struct ep11_msg m;
	bool unseen = false;
	u8 wkid[EP11_WKID_LEN];
	__be32 caps[4];
	int ret, now, seen;
	u32 rc, query;

	now = atomic_inc_return(&fc->inflight);
	seen = atomic_read(&fc->max_inflight);
	while (now > seen &&
	       !atomic_try_cmpxchg(&fc->max_inflight, &seen, now))
		;
	if (READ_ONCE(fc->delay_ms))
		msleep(READ_ONCE(fc->delay_ms));
	atomic_dec(&fc->inflight);
	mutex_lock(&fc->lock);
	if (fc->offline[domain]) {
		ret = -ENODEV;
		goto out;
	}
	if (fc->busy) {
		fc->busy--;
		ret = -EBUSY;
		goto out;
	}
	ret = ep11_wire_parse_request(req, req_len, &m);
	if (ret < 0) {
		ret = -EIO;
		goto out;
	}
	switch (m.fn & 0xffff) {
	case EP11_FN_LOGIN:
		fc->login_reqs++;
		rc = fake_login(fc, domain, &m, blob);
		ep11_wire_reply_init(&b, rep, rep_cap, m.fn, domain, rc);
		if (rc == EP11_CKR_OK)
			ep11_wire_put(&b, blob, sizeof(blob));
		unseen = fc->unseen;
		fc->unseen = false;
		break;
	case EP11_FN_LOGOUT:
		rc = fc->refuse_logout[domain] ? EP11_CKR_IBM_BLOB_ERROR :
		     fake_logout(fc, &m);
		ep11_wire_reply_init(&b, rep, rep_cap, m.fn, domain, rc);
		break;
	case EP11_FN_GET_XCP_INFO:
		if (ep11_wire_next_u32(&m, &query)) {
			ep11_wire_reply_init(&b, rep, rep_cap, m.fn, domain,
					     EP11_CKR_ARGUMENTS_BAD);
			break;
		}
		ep11_wire_reply_init(&b, rep, rep_cap, m.fn, domain,
				     EP11_CKR_OK);
		if (query == EP11_XCP_QUERY_DOMAIN) {
			/* One wrapping key, whose WKID never changes. */
			memset(wkid, 0x5a, sizeof(wkid));
			ep11_wire_put(&b, wkid, sizeof(wkid));
			break;
		}
		caps[0] = cpu_to_be32(EP11_XCP_CAP_MAX_SESSIONS);
		caps[1] = cpu_to_be32(fc->max);
		caps[2] = cpu_to_be32(EP11_XCP_CAP_AVAIL_SESSIONS);
		caps[3] = cpu_to_be32(fc->max - fake_live_locked(fc) -
				      fc->foreign);
		ep11_wire_put(&b, caps, sizeof(caps));
		break;
	default:
		ep11_wire_reply_init(&b, rep, rep_cap, m.fn, domain,
				     EP11_CKR_FUNCTION_NOT_SUPPORTED);
		break;
	}
	ret = ep11_wire_finish(&b);
	if (unseen)
		ret = -ETIMEDOUT;
	if (fc->gate_fn && fc->gate_fn == (m.fn & 0xffff)) {
		fc->gate_fn = 0;
		mutex_unlock(&fc->lock);
		complete(&fc->gate_arrived);
		wait_for_completion(&fc->gate_release);
		return ret;
	}
out:
	mutex_unlock(&fc->lock);
	return ret;
}

/* The next request of function @fn stops after the card ran it. */
static void fake_gate(struct fake_card *fc, u32 fn)
{
	init_completion(&fc->gate_arrived);
	init_completion(&fc->gate_release);
	mutex_lock(&fc->lock);
	fc->gate_fn = fn;
	mutex_unlock(&fc->lock);
}

static const struct ep11_provider_ops fake_ops = {
	.send = fake_send,
};

static int core_test_init(struct kunit *test)
{
	struct ep11_card_desc desc = {
		.id = FAKE_ID,
		.serial = "FAKE000000000001",
		.domains = fake_domains,
		.ndomains = ARRAY_SIZE(fake_domains),
	};
	struct core_test *ct;

	ct = kunit_kzalloc(test, sizeof(*ct), GFP_KERNEL);
	if (!ct)
		return -ENOMEM;
	mutex_init(&ct->fc.lock);
	ct->fc.max = FAKE_MAX;
	ct->card = ep11_card_register(&desc, &fake_ops, &ct->fc);
	if (IS_ERR(ct->card))
		return PTR_ERR(ct->card);
	flush_work(&ct->card->info_work);
	test->priv = ct;
	return 0;
}

static void core_test_exit(struct kunit *test)
{
	struct core_test *ct = test->priv;

	if (ct->timeout_ms)
		ep11_request_timeout_ms = ct->timeout_ms;
	if (!ct->removed)
		ep11_card_unregister(ct->card);
	KUNIT_EXPECT_EQ_MSG(test, ep11_session_count(), 0U,
			    "sessions left in the table after the test");
	mutex_destroy(&ct->fc.lock);
}

static struct ep11_apqn *apqn_of(struct core_test *ct, u16 domain)
{
	return ep11_apqn_find(ct->card, domain);
}

/* Log in on @n domains of card @card_id. */
static int login_card(u8 card_id, struct ep11_session **sess, bool *joined,
		      struct ep11sess_target *t, const u16 *doms,
		      unsigned int n, const u8 *pin, const char *shared_nonce,
		      bool all_or_none, unsigned int wait_ms)
{
	u8 nonce[32];
	struct ep11_login_req req = {
		.targets = t,
		.ntargets = n,
		.pin = pin,
		.pin_len = 8,
		.shared = !!shared_nonce,
		.all_or_none = all_or_none,
		.wait = msecs_to_jiffies(wait_ms),
	};
	unsigned int i;

	memset(t, 0, n * sizeof(*t));
	for (i = 0; i < n; i++) {
		t[i].apqn.card = card_id;
		t[i].apqn.domain = doms[i];
	}
	if (shared_nonce) {
		req.nonce = shared_nonce;
		req.nonce_len = strlen(shared_nonce);
	} else {
		get_random_bytes(nonce, sizeof(nonce));
		req.nonce = nonce;
		req.nonce_len = sizeof(nonce);
	}
	return ep11_login(&req, sess, joined);
}

/* Log in on @n domains of the fake card. */
static int login(struct ep11_session **sess, bool *joined,
		 struct ep11sess_target *t, const u16 *doms, unsigned int n,
		 const u8 *pin, const char *shared_nonce, bool all_or_none,
		 unsigned int wait_ms)
{
	return login_card(FAKE_ID, sess, joined, t, doms, n, pin,
			  shared_nonce, all_or_none, wait_ms);
}

/* Poll @op(@arg) every 10 ms for up to 5 s until it returns @want. */
#define POLL_US		10000
#define POLL_MAX_US	5000000

static unsigned int apqn_pending(struct ep11_apqn *apqn)
{
	return READ_ONCE(apqn->pending);
}

static void core_caps_read_after_register(struct kunit *test)
{
	struct core_test *ct = test->priv;

	KUNIT_EXPECT_TRUE(test, ct->card->caps_valid);
	KUNIT_EXPECT_EQ(test, ct->card->max_sessions, (u32)FAKE_MAX);
	KUNIT_EXPECT_EQ(test, ct->card->avail_sessions, (u32)FAKE_MAX);
}

static void core_private_login_logout(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_target t[1];
	struct ep11_session *sess;
	static const u16 d[] = { 1 };
	bool joined;

	KUNIT_ASSERT_EQ(test, login(&sess, &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	KUNIT_EXPECT_FALSE(test, joined);
	KUNIT_EXPECT_EQ(test, t[0].error, 0);
	KUNIT_EXPECT_EQ(test, t[0].state, (u32)EP11SESS_STATE_LIVE);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 1U);
	KUNIT_EXPECT_EQ(test, apqn_of(ct, 1)->held, 1U);
	KUNIT_EXPECT_EQ(test, ct->card->held, 1U);
	KUNIT_EXPECT_EQ(test, sess->holders, 1U);

	ep11_card_refresh_caps(ct->card, HZ);
	KUNIT_EXPECT_EQ_MSG(test, ct->card->max_sessions -
			    ct->card->avail_sessions, ct->card->held,
			    "card's count and kernel's count disagree");

	ep11_drop_hold(sess, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	KUNIT_EXPECT_EQ(test, apqn_of(ct, 1)->held, 0U);
	KUNIT_EXPECT_EQ(test, apqn_of(ct, 1)->stats.logouts, 1ULL);
	KUNIT_EXPECT_EQ(test, apqn_of(ct, 1)->stats.reclaimed, 1ULL);
}

static void core_shared_join_spends_one_slot(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11_session *a, *b;
	struct ep11sess_target t[2];
	static const u16 d[] = { 1, 3 };
	bool joined;

	KUNIT_ASSERT_EQ(test, login(&a, &joined, t, d, 2, good_pin,
				    "token-1", false, 0), 0);
	KUNIT_EXPECT_FALSE(test, joined);
	KUNIT_ASSERT_EQ(test, login(&b, &joined, t, d, 2, good_pin,
				    "token-1", false, 0), 0);
	KUNIT_EXPECT_TRUE(test, joined);
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	KUNIT_EXPECT_EQ(test, a->holders, 2U);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 2U);
	KUNIT_EXPECT_EQ(test, ct->fc.logins, 2U);
	KUNIT_EXPECT_EQ(test, ct->card->held, 2U);

	ep11_drop_hold(b, true, true);
	KUNIT_EXPECT_EQ_MSG(test, fake_live(&ct->fc), 2U,
			    "logged out while a holder remained");
	ep11_drop_hold(a, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	KUNIT_EXPECT_EQ(test, ct->card->held, 0U);
}

static void core_partial_login(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_target t[2];
	struct ep11_session *sess;
	static const u16 d[] = { 1, 2 };
	bool joined;

	ct->fc.offline[2] = true;
	KUNIT_ASSERT_EQ(test, login(&sess, &joined, t, d, 2, good_pin, NULL,
				    false, 0), 0);
	KUNIT_EXPECT_EQ(test, t[0].error, 0);
	KUNIT_EXPECT_EQ(test, t[1].error, -ENODEV);
	KUNIT_EXPECT_EQ(test, t[1].state, (u32)EP11SESS_STATE_NONE);
	KUNIT_EXPECT_EQ(test, sess->napqns, 1U);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 1U);
	ep11_drop_hold(sess, false, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
}

static void core_all_or_nothing_rolls_back(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_target t[2];
	struct ep11_session *sess;
	static const u16 d[] = { 1, 2 };
	bool joined;

	ct->fc.offline[2] = true;
	KUNIT_EXPECT_EQ(test, login(&sess, &joined, t, d, 2, good_pin, NULL,
				    true, 0), -ENODEV);
	KUNIT_EXPECT_NULL(test, sess);
	KUNIT_EXPECT_EQ(test, t[0].error, -ECANCELED);
	KUNIT_EXPECT_EQ(test, t[1].error, -ENODEV);
	KUNIT_EXPECT_EQ_MSG(test, fake_live(&ct->fc), 0U,
			    "the successful APQN was not rolled back");
	KUNIT_EXPECT_EQ(test, ct->fc.logouts, 1U);
	KUNIT_EXPECT_EQ(test, ct->card->held, 0U);
}

static void core_session_id_disagreement(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_target t[3];
	struct ep11_session *sess;
	static const u16 d[] = { 1, 2, 3 };
	bool joined;

	ct->fc.skew[2] = true;
	KUNIT_EXPECT_EQ(test, login(&sess, &joined, t, d, 3, good_pin, NULL,
				    false, 0), -EXDEV);
	KUNIT_EXPECT_NULL(test, sess);
	KUNIT_EXPECT_EQ(test, t[1].error, -EXDEV);
	KUNIT_EXPECT_EQ(test, t[0].error, -ECANCELED);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	KUNIT_EXPECT_EQ(test, ct->card->held, 0U);
}

static void core_wrong_pin(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_target t[1];
	struct ep11_session *sess;
	static const u16 d[] = { 1 };
	bool joined;

	KUNIT_EXPECT_EQ(test, login(&sess, &joined, t, d, 1, bad_pin, NULL,
				    false, 0), -EACCES);
	KUNIT_EXPECT_EQ(test, t[0].ep11_rc, (u32)EP11_CKR_PIN_INCORRECT);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
}

static void core_busy_is_retried(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_target t[1];
	struct ep11_session *sess;
	static const u16 d[] = { 3 };
	bool joined;

	ct->fc.busy = 3;
	KUNIT_ASSERT_EQ(test, login(&sess, &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	KUNIT_EXPECT_EQ(test, ct->fc.busy, 0U);
	ep11_drop_hold(sess, false, true);

	ct->fc.busy = 100;
	KUNIT_EXPECT_EQ(test, login(&sess, &joined, t, d, 1, good_pin, NULL,
				    false, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
}

static void core_drop_later(struct work_struct *work)
{
	struct core_test *ct = container_of(work, struct core_test,
					    drop.work);

	ep11_drop_hold(ct->victim, true, true);
}

static void core_full_card_waits_for_a_slot(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11_session *a, *b;
	struct ep11sess_target t[1];
	static const u16 d[] = { 1 };
	unsigned long start;
	bool joined;

	ct->fc.max = 1;
	KUNIT_ASSERT_EQ(test, ep11_card_refresh_caps(ct->card, HZ), 0);
	KUNIT_ASSERT_EQ(test, login(&a, &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	KUNIT_EXPECT_EQ(test, login(&b, &joined, t, d, 1, good_pin, NULL,
				    false, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, t[0].error, -ENOSPC);

	/* A shared login is not refused by the kernel's own count. */
	ct->card->max_sessions = 4;
	KUNIT_EXPECT_EQ(test, login(&b, &joined, t, d, 1, good_pin, "x",
				    false, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, t[0].ep11_rc, (u32)EP11_CKR_SESSION_COUNT);
	ct->card->max_sessions = 1;

	ct->victim = a;
	INIT_DELAYED_WORK(&ct->drop, core_drop_later);
	schedule_delayed_work(&ct->drop, msecs_to_jiffies(200));
	start = jiffies;
	KUNIT_EXPECT_EQ(test, login(&b, &joined, t, d, 1, good_pin, NULL,
				    false, 3000), 0);
	KUNIT_EXPECT_GE_MSG(test, jiffies_to_msecs(jiffies - start), 150U,
			    "login did not wait for the slot");
	flush_delayed_work(&ct->drop);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 1U);
	ep11_drop_hold(b, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
}

static void core_unanswered_login_is_recovered(struct kunit *test)
{
	struct core_test *ct = test->priv;
	unsigned int n;
	struct ep11sess_target t[1];
	struct ep11_session *sess;
	static const u16 d[] = { 2 };
	bool joined;

	/* The recovery waits for the request time-out: make it short. */
	ct->timeout_ms = ep11_request_timeout_ms;
	ep11_request_timeout_ms = 300;
	ct->fc.unseen = true;
	KUNIT_EXPECT_EQ(test, login(&sess, &joined, t, d, 1, good_pin, NULL,
				    false, 0), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, t[0].state, (u32)EP11SESS_STATE_PENDING);
	KUNIT_EXPECT_EQ_MSG(test, read_poll_timeout(fake_live, n, !n, POLL_US,
						    POLL_MAX_US, false, &ct->fc),
			    0, "the card still holds %u session(s)", n);
	KUNIT_EXPECT_EQ(test, ct->fc.logouts, 1U);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	KUNIT_EXPECT_EQ(test, ct->card->held, 0U);
}

static void core_reclaim_offline_pending_online(struct kunit *test)
{
	struct core_test *ct = test->priv;
	unsigned int n;
	struct ep11sess_target t[2];
	struct ep11_session *sess;
	static const u16 d[] = { 1, 2 };
	struct ep11_apqn *a2 = apqn_of(ct, 2);
	bool joined;

	KUNIT_ASSERT_EQ(test, login(&sess, &joined, t, d, 2, good_pin, NULL,
				    false, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 2U);
	KUNIT_ASSERT_EQ(test, ep11_apqn_set_online(ct->card, 2, false), 0);
	ep11_drop_hold(sess, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 1U);
	KUNIT_EXPECT_EQ(test, a2->pending, 1U);
	KUNIT_EXPECT_EQ(test, a2->held, 1U);
	KUNIT_EXPECT_EQ(test, ct->card->pending, 1U);
	KUNIT_EXPECT_EQ(test, ep11_session_count(), 1U);

	KUNIT_ASSERT_EQ(test, ep11_apqn_set_online(ct->card, 2, true), 0);
	KUNIT_EXPECT_EQ_MSG(test, read_poll_timeout(apqn_pending, n, !n,
						    POLL_US, POLL_MAX_US, false,
						    a2),
			    0, "pending logout not retried after online");
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	KUNIT_EXPECT_EQ(test, a2->held, 0U);
	KUNIT_EXPECT_EQ(test, a2->stats.reclaimed, 1ULL);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
}

/* Register the fake card again, with the same serial number. */
static struct ep11_card *core_reregister(struct kunit *test,
					 struct core_test *ct)
{
	struct ep11_card_desc desc = {
		.id = FAKE_ID,
		.serial = "FAKE000000000001",
		.domains = fake_domains,
		.ndomains = ARRAY_SIZE(fake_domains),
	};
	struct ep11_card *card;

	card = ep11_card_register(&desc, &fake_ops, &ct->fc);
	KUNIT_EXPECT_FALSE(test, IS_ERR(card));
	if (IS_ERR(card))
		return NULL;
	flush_work(&card->info_work);
	return card;
}

static unsigned int orphans_kept(void)
{
	struct ep11_orphan_stats st;

	ep11_orphan_stats(&st);
	return st.kept;
}

static void core_card_removed_with_pending(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11_card *card = ct->card, *back;
	struct ep11sess_target t[2];
	struct ep11_orphan_stats st0, st;
	struct ep11_session *sess;
	static const u16 d[] = { 1, 3 };
	unsigned int n;
	bool joined;

	ep11_orphan_stats(&st0);
	KUNIT_ASSERT_EQ(test, login(&sess, &joined, t, d, 2, good_pin, NULL,
				    false, 0), 0);
	ct->fc.offline[3] = true;
	ep11_drop_hold(sess, true, true);
	KUNIT_EXPECT_EQ(test, card->apqns[2].pending, 1U);

	kref_get(&card->ref);
	ep11_card_unregister(card);
	ct->removed = true;
	KUNIT_EXPECT_EQ(test, card->apqns[2].pending, 0U);
	KUNIT_EXPECT_EQ_MSG(test, card->apqns[2].stats.lost, 0ULL,
			    "a removed card's pending logout was given up");
	KUNIT_EXPECT_EQ(test, card->held, 0U);
	KUNIT_EXPECT_EQ(test, ep11_session_count(), 0U);
	KUNIT_EXPECT_NULL(test, ep11_card_get(FAKE_ID));
	ep11_card_put(card);
	ep11_orphan_stats(&st);
	KUNIT_EXPECT_EQ(test, st.kept, st0.kept + 1);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 1U);

	/* The card returns (its sessions kept): the logout is done then. */
	ct->fc.offline[3] = false;
	back = core_reregister(test, ct);
	KUNIT_ASSERT_NOT_NULL(test, back);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	KUNIT_EXPECT_EQ_MSG(test, fake_live(&ct->fc), 0U,
			    "the returning card still holds the orphaned session");
	ep11_orphan_stats(&st);
	KUNIT_EXPECT_EQ(test, st.kept, st0.kept);
	KUNIT_EXPECT_EQ(test, st.adopted, st0.adopted + 1);
	KUNIT_EXPECT_EQ(test, back->held, 0U);
	KUNIT_EXPECT_EQ(test, back->apqns[2].stats.reclaimed, 1ULL);
	ep11_card_unregister(back);
}

static void core_orphan_waits_for_its_own_serial(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11_card_desc other = {
		.id = FAKE_ID,
		.serial = "FAKE000000000009",
		.domains = fake_domains,
		.ndomains = ARRAY_SIZE(fake_domains),
	};
	struct ep11sess_target t[1];
	struct ep11_session *sess;
	struct ep11_card *card;
	static const u16 d[] = { 2 };
	unsigned int kept0 = orphans_kept(), n;
	bool joined;

	KUNIT_ASSERT_EQ(test, login(&sess, &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	ep11_card_unregister(ct->card);
	ct->removed = true;
	ep11_drop_hold(sess, true, true);
	KUNIT_EXPECT_EQ(test, orphans_kept(), kept0 + 1);

	/* Another card under the same number is not that card. */
	card = ep11_card_register(&other, &fake_ops, &ct->fc);
	KUNIT_ASSERT_FALSE(test, IS_ERR(card));
	flush_work(&card->info_work);
	KUNIT_EXPECT_EQ(test, orphans_kept(), kept0 + 1);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 1U);
	ep11_card_unregister(card);

	card = core_reregister(test, ct);
	KUNIT_ASSERT_NOT_NULL(test, card);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(orphans_kept, n, n == kept0,
						POLL_US, POLL_MAX_US, false),
			0);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	ep11_card_unregister(card);
}

static void core_reclaim_logs_apqns_out_concurrently(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_target t[3];
	struct ep11_session *sess;
	static const u16 d[] = { 1, 2, 3 };
	unsigned int i;
	bool joined;

	KUNIT_ASSERT_EQ(test, login(&sess, &joined, t, d, 3, good_pin, NULL,
				    false, 0), 0);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 3U);
	atomic_set(&ct->fc.max_inflight, 0);
	WRITE_ONCE(ct->fc.delay_ms, 300);
	ep11_drop_hold(sess, true, true);
	WRITE_ONCE(ct->fc.delay_ms, 0);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&ct->fc.max_inflight), 3,
			    "logouts of the 3 APQNs were not sent at once");
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	for (i = 0; i < ARRAY_SIZE(d); i++) {
		struct ep11_apqn *a = apqn_of(ct, d[i]);

		KUNIT_EXPECT_EQ(test, a->held, 0U);
		KUNIT_EXPECT_EQ(test, a->pending, 0U);
		KUNIT_EXPECT_EQ(test, a->stats.reclaimed, 1ULL);
	}
	KUNIT_EXPECT_EQ(test, ct->card->held, 0U);
}

static void core_card_removal_waits_only_for_its_own(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11_card_desc desc = {
		.id = FAKE_ID + 1,
		.serial = "FAKE000000000002",
		.domains = fake_domains,
		.ndomains = ARRAY_SIZE(fake_domains),
	};
	struct ep11sess_target t[2];
	struct ep11_session *slow, *sess;
	struct ep11_card *card = ct->card, *other;
	static const u16 d[] = { 1, 3 };
	struct fake_card *fc2;
	unsigned int n;
	bool joined;
	ktime_t t0;
	s64 ms;

	fc2 = kunit_kzalloc(test, sizeof(*fc2), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fc2);
	mutex_init(&fc2->lock);
	fc2->max = FAKE_MAX;
	other = ep11_card_register(&desc, &fake_ops, fc2);
	KUNIT_ASSERT_FALSE(test, IS_ERR(other));
	flush_work(&other->info_work);
	KUNIT_ASSERT_EQ(test, login_card(FAKE_ID + 1, &slow, &joined, t, d, 1,
					 good_pin, NULL, false, 0), 0);
	KUNIT_ASSERT_EQ(test, login(&sess, &joined, t, d, 2, good_pin, NULL,
				    false, 0), 0);
	ct->fc.offline[3] = true;
	ep11_drop_hold(sess, true, true);
	KUNIT_EXPECT_EQ(test, card->apqns[2].pending, 1U);

	/* The other card's logout is on its way and takes 2 s. */
	WRITE_ONCE(fc2->delay_ms, 2000);
	ep11_drop_hold(slow, true, false);
	msleep(100);

	t0 = ktime_get();
	kref_get(&card->ref);
	ep11_card_unregister(card);
	ct->removed = true;
	ms = ktime_ms_delta(ktime_get(), t0);
	KUNIT_EXPECT_LT_MSG(test, ms, 1000LL,
			    "removing a card waited %lld ms for another card's logout",
			    ms);
	KUNIT_EXPECT_EQ(test, card->apqns[2].pending, 0U);
	KUNIT_EXPECT_EQ(test, card->held, 0U);
	ep11_card_put(card);

	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	KUNIT_EXPECT_EQ(test, fake_live(fc2), 0U);
	KUNIT_EXPECT_EQ(test, other->apqns[0].stats.reclaimed, 1ULL);
	ep11_card_unregister(other);
	mutex_destroy(&fc2->lock);

	/* The orphaned logout goes to the card's return. */
	ct->fc.offline[3] = false;
	card = core_reregister(test, ct);
	KUNIT_ASSERT_NOT_NULL(test, card);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	ep11_card_unregister(card);
}

struct refresh_call {
	int only;
	struct completion done;
};

static int refresh_call_fn(void *arg)
{
	struct refresh_call *rc = arg;

	ep11_cards_refresh_caps(rc->only, 0, msecs_to_jiffies(10000));
	complete(&rc->done);
	return 0;
}

static u32 card_max(struct ep11_card *card)
{
	return READ_ONCE(card->max_sessions);
}

/*
 * A refresh asks the cards at once: a card that does not answer delays no
 * other card's counts; asked about one card, only that card is asked.
 */
static void core_refresh_asks_cards_in_parallel(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11_card_desc desc = {
		.id = FAKE_ID + 1,
		.serial = "FAKE000000000002",
		.domains = fake_domains,
		.ndomains = ARRAY_SIZE(fake_domains),
	};
	struct refresh_call *rc;
	struct fake_card *fc2;
	struct ep11_card *other;
	struct task_struct *task;
	u32 max;

	fc2 = kunit_kzalloc(test, sizeof(*fc2), GFP_KERNEL);
	rc = kunit_kzalloc(test, sizeof(*rc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fc2);
	KUNIT_ASSERT_NOT_NULL(test, rc);
	mutex_init(&fc2->lock);
	fc2->max = FAKE_MAX;
	other = ep11_card_register(&desc, &fake_ops, fc2);
	KUNIT_ASSERT_FALSE(test, IS_ERR(other));
	flush_work(&other->info_work);

	/* The fake card stops in its get_xcp_info; the other changed. */
	fake_gate(&ct->fc, EP11_FN_GET_XCP_INFO);
	mutex_lock(&fc2->lock);
	fc2->max = FAKE_MAX - 1;
	mutex_unlock(&fc2->lock);
	rc->only = -1;
	init_completion(&rc->done);
	task = kthread_run(refresh_call_fn, rc, "ep11-test-refresh");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&ct->fc.gate_arrived,
							    5 * HZ));
	KUNIT_EXPECT_EQ_MSG(test, read_poll_timeout(card_max, max,
						    max == FAKE_MAX - 1,
						    POLL_US, POLL_MAX_US, false,
						    other), 0,
			    "the other card's counts waited for a card that did not answer (max %u)",
			    card_max(other));
	KUNIT_EXPECT_FALSE(test, completion_done(&rc->done));
	complete(&ct->fc.gate_release);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&rc->done, 5 * HZ));

	/* Only the card asked about. */
	fake_gate(&ct->fc, EP11_FN_GET_XCP_INFO);
	mutex_lock(&fc2->lock);
	fc2->max = FAKE_MAX - 2;
	mutex_unlock(&fc2->lock);
	ep11_cards_refresh_caps(FAKE_ID + 1, 0, msecs_to_jiffies(10000));
	KUNIT_EXPECT_EQ(test, card_max(other), (u32)FAKE_MAX - 2);
	KUNIT_EXPECT_FALSE_MSG(test, completion_done(&ct->fc.gate_arrived),
			       "a refresh of one card asked another");
	/* Counts younger than the age asked for are not asked again. */
	mutex_lock(&fc2->lock);
	fc2->max = FAKE_MAX - 3;
	mutex_unlock(&fc2->lock);
	ep11_cards_refresh_caps(FAKE_ID + 1, 60 * HZ, msecs_to_jiffies(10000));
	KUNIT_EXPECT_EQ(test, card_max(other), (u32)FAKE_MAX - 2);
	mutex_lock(&ct->fc.lock);
	ct->fc.gate_fn = 0;
	mutex_unlock(&ct->fc.lock);
	ep11_card_unregister(other);
	mutex_destroy(&fc2->lock);
}

static void core_register_rejects_bad_cards(struct kunit *test)
{
	struct core_test *ct = test->priv;
	static const u16 dup[] = { 4, 4 };
	static const u16 big[] = { 0x100 };
	struct ep11_card_desc desc = { .id = FAKE_ID + 1 };

	desc.domains = dup;
	desc.ndomains = 2;
	KUNIT_EXPECT_EQ(test, PTR_ERR(ep11_card_register(&desc, &fake_ops,
							 &ct->fc)), -EINVAL);
	desc.domains = big;
	desc.ndomains = 1;
	KUNIT_EXPECT_EQ(test, PTR_ERR(ep11_card_register(&desc, &fake_ops,
							 &ct->fc)), -EINVAL);
	desc.id = FAKE_ID;
	desc.domains = fake_domains;
	KUNIT_EXPECT_EQ(test, PTR_ERR(ep11_card_register(&desc, &fake_ops,
							 &ct->fc)), -EEXIST);
	KUNIT_EXPECT_EQ(test, ep11_apqn_set_online(ct->card, 9, false),
			-ENOENT);
}

/**
 * struct async_login - a login run by its own thread
 * @ct:      the test
 * @doms:    the domains
 * @n:       entries in @doms
 * @nonce:   shared nonce, or NULL for a private login
 * @wait_ms: how long to wait for a free session
 * @t:       per-target results
 * @sess:    the session on success
 * @joined:  a live session was joined
 * @ret:     ep11_login()'s result
 * @done:    completed when the login returned
 */
struct async_login {
	struct core_test *ct;
	const u16 *doms;
	unsigned int n;
	const char *nonce;
	unsigned int wait_ms;
	struct ep11sess_target t[3];
	struct ep11_session *sess;
	bool joined;
	int ret;
	struct completion done;
};

static int async_login_fn(void *arg)
{
	struct async_login *al = arg;

	al->ret = login(&al->sess, &al->joined, al->t, al->doms, al->n,
			good_pin, al->nonce, false, al->wait_ms);
	complete(&al->done);
	return 0;
}

static void async_login_start(struct kunit *test, struct async_login *al)
{
	struct task_struct *task;

	init_completion(&al->done);
	task = kthread_run(async_login_fn, al, "ep11-test-login");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
}

static bool async_login_wait(struct async_login *al, unsigned int ms)
{
	return wait_for_completion_timeout(&al->done, msecs_to_jiffies(ms));
}

static struct ep11_session *h1_sess;
static bool h1_fired;
static unsigned int h1_refs;
static struct core_test *h1_ct;
static DECLARE_COMPLETION(h1_done);

/* In the last work item of the first pass: let a second pass end it. */
static void h1_pass_end(struct ep11_session *sess)
{
	unsigned int i;

	if (sess != h1_sess || h1_fired)
		return;
	h1_fired = true;
	mutex_lock(&h1_ct->fc.lock);
	h1_ct->fc.offline[3] = false;
	mutex_unlock(&h1_ct->fc.lock);
	ep11_reclaim_kick();
	for (i = 0; i < 100 && ep11_session_count(); i++)
		msleep(20);
	h1_refs = kref_read(&sess->ref);
	complete(&h1_done);
}

static void core_reclaim_work_holds_its_session(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_target t[2];
	struct ep11_session *sess;
	static const u16 d[] = { 3, 1 };
	unsigned int n;
	bool joined;

	KUNIT_ASSERT_EQ(test, login(&sess, &joined, t, d, 2, good_pin, NULL,
				    false, 0), 0);
	/* The test's own reference keeps the memory; the refs are counted. */
	ep11_session_get(sess);
	h1_sess = sess;
	h1_ct = ct;
	h1_fired = false;
	reinit_completion(&h1_done);
	mutex_lock(&ct->fc.lock);
	ct->fc.offline[3] = true;
	mutex_unlock(&ct->fc.lock);
	fake_gate(&ct->fc, EP11_FN_LOGOUT);
	WRITE_ONCE(ep11_reclaim_pass_end_hook, h1_pass_end);
	ep11_drop_hold(sess, true, false);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&ct->fc.gate_arrived,
							    5 * HZ));
	KUNIT_EXPECT_EQ(test, read_poll_timeout(apqn_pending, n, n == 1,
						POLL_US, POLL_MAX_US, false,
						apqn_of(ct, 3)), 0);
	complete(&ct->fc.gate_release);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&h1_done, 10 * HZ));
	WRITE_ONCE(ep11_reclaim_pass_end_hook, NULL);
	KUNIT_EXPECT_TRUE(test, h1_fired);
	KUNIT_EXPECT_GE_MSG(test, h1_refs, 2U,
			    "the last work item of a pass ran on a session it held no reference to (%u refs)",
			    h1_refs);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	/* Let the last work item finish before the reference goes. */
	msleep(100);
	ep11_session_put(sess);
}

static void core_simultaneous_shared_logins_make_one_session(struct kunit *test)
{
	struct core_test *ct = test->priv;
	static const u16 d[] = { 1, 3 };
	struct async_login *al;
	unsigned int round, i, created;
	char nonce[16];

	al = kunit_kcalloc(test, 4, sizeof(*al), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, al);
	for (round = 0; round < 20; round++) {
		snprintf(nonce, sizeof(nonce), "h3a-%u", round);
		for (i = 0; i < 4; i++) {
			memset(&al[i], 0, sizeof(al[i]));
			al[i].ct = ct;
			al[i].doms = d;
			al[i].n = 2;
			al[i].nonce = nonce;
			async_login_start(test, &al[i]);
		}
		created = 0;
		for (i = 0; i < 4; i++) {
			KUNIT_ASSERT_TRUE(test, async_login_wait(&al[i], 10000));
			KUNIT_ASSERT_EQ(test, al[i].ret, 0);
			KUNIT_EXPECT_PTR_EQ(test, al[i].sess, al[0].sess);
			created += !al[i].joined;
		}
		KUNIT_EXPECT_EQ_MSG(test, created, 1U,
				    "round %u: %u sessions created for one card session",
				    round, created);
		KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 2U);
		KUNIT_EXPECT_EQ(test, ct->card->held, 2U);
		for (i = 0; i < 4; i++)
			ep11_drop_hold(al[i].sess, true, true);
		KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
		KUNIT_EXPECT_EQ(test, ct->card->held, 0U);
	}
}

/* Prepare @al as a shared login on the domains @d of the fake card. */
static void async_login_prep(struct async_login *al, struct core_test *ct,
			     const u16 *d, unsigned int n, const char *nonce)
{
	memset(al, 0, sizeof(*al));
	al->ct = ct;
	al->doms = d;
	al->n = n;
	al->nonce = nonce;
}

/*
 * H3a, staged: a shared login whose Login ran on the card but which has not
 * published yet, while a second login with the same PIN and nonce creates
 * the session.  The first must join it: one session for one card session.
 */
static void core_late_shared_login_joins_the_first(struct kunit *test)
{
	struct core_test *ct = test->priv;
	static const u16 d[] = { 1, 3 };
	struct async_login *al;

	al = kunit_kcalloc(test, 2, sizeof(*al), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, al);
	async_login_prep(&al[0], ct, d, 2, "h3a-staged");
	async_login_prep(&al[1], ct, d, 2, "h3a-staged");
	fake_gate(&ct->fc, EP11_FN_LOGIN);
	async_login_start(test, &al[0]);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&ct->fc.gate_arrived,
							    5 * HZ));
	/* The first login's card session exists; it is not published. */
	async_login_start(test, &al[1]);
	KUNIT_ASSERT_TRUE(test, async_login_wait(&al[1], 10000));
	KUNIT_ASSERT_EQ(test, al[1].ret, 0);
	KUNIT_EXPECT_FALSE(test, al[1].joined);
	complete(&ct->fc.gate_release);
	KUNIT_ASSERT_TRUE(test, async_login_wait(&al[0], 10000));
	KUNIT_ASSERT_EQ(test, al[0].ret, 0);
	KUNIT_EXPECT_TRUE_MSG(test, al[0].joined,
			      "the login published last created a second session for the card session of the first");
	KUNIT_EXPECT_PTR_EQ(test, al[0].sess, al[1].sess);
	KUNIT_EXPECT_EQ(test, ep11_session_count(), 1U);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 2U);
	KUNIT_EXPECT_EQ(test, ct->card->held, 2U);
	ep11_drop_hold(al[1].sess, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 2U);
	ep11_drop_hold(al[0].sess, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	KUNIT_EXPECT_EQ(test, ct->card->held, 0U);
}

/*
 * M4, staged: an administrator logs a shared session out while a login that
 * would join it has run its Login on the card but not yet published.  The
 * logout ends the card session the Login found; the joiner must not join
 * the dead session (a LIVE entry nobody logs out), but log in again and
 * make a session of its own whose card session exists.
 */
static void core_admin_logout_racing_a_join(struct kunit *test)
{
	struct core_test *ct = test->priv;
	static const u16 d[] = { 2 };
	struct ep11sess_target t[1];
	struct ep11_session *s;
	struct async_login *al;
	unsigned int n;
	bool joined;

	al = kunit_kzalloc(test, sizeof(*al), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, al);
	KUNIT_ASSERT_EQ(test, login(&s, &joined, t, d, 1, good_pin, "m4", false,
				    0), 0);
	async_login_prep(al, ct, d, 1, "m4");
	fake_gate(&ct->fc, EP11_FN_LOGIN);
	async_login_start(test, al);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&ct->fc.gate_arrived,
							    5 * HZ));
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 1U);
	KUNIT_EXPECT_TRUE(test, ep11_kill(s, false));
	KUNIT_EXPECT_EQ(test, read_poll_timeout(fake_live, n, !n, POLL_US,
						POLL_MAX_US, false, &ct->fc),
			0);
	complete(&ct->fc.gate_release);
	KUNIT_ASSERT_TRUE(test, async_login_wait(al, 10000));
	KUNIT_ASSERT_EQ(test, al->ret, 0);
	KUNIT_EXPECT_FALSE_MSG(test, al->joined,
			       "the login joined a session an administrator had logged out");
	KUNIT_EXPECT_PTR_NE(test, al->sess, s);
	KUNIT_EXPECT_EQ_MSG(test, fake_live(&ct->fc), 1U,
			    "the new session has no card session behind it");
	KUNIT_EXPECT_EQ(test, ct->card->held, 1U);
	ep11_drop_hold(s, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 1U);
	ep11_drop_hold(al->sess, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	KUNIT_EXPECT_EQ(test, ct->card->held, 0U);
}

/*
 * M4 the other way round: the administrator's Logout has run on the card
 * and is still on its way back when a login with the same PIN and nonce
 * runs its Login (a new card session with the same pin blob).  The late
 * logout must not be taken for the new login's, nor the new login join the
 * dying session.
 */
static void core_join_racing_an_admin_logout(struct kunit *test)
{
	struct core_test *ct = test->priv;
	static const u16 d[] = { 2 };
	struct ep11sess_target t[1];
	struct ep11_session *s;
	struct async_login *al;
	bool joined;

	al = kunit_kzalloc(test, sizeof(*al), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, al);
	KUNIT_ASSERT_EQ(test, login(&s, &joined, t, d, 1, good_pin, "m4b",
				    false, 0), 0);
	fake_gate(&ct->fc, EP11_FN_LOGOUT);
	KUNIT_EXPECT_TRUE(test, ep11_kill(s, false));
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&ct->fc.gate_arrived,
							    5 * HZ));
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	async_login_prep(al, ct, d, 1, "m4b");
	async_login_start(test, al);
	/* Let the login's Login run and its publication wait, if it does. */
	msleep(200);
	complete(&ct->fc.gate_release);
	KUNIT_ASSERT_TRUE(test, async_login_wait(al, 10000));
	KUNIT_ASSERT_EQ(test, al->ret, 0);
	KUNIT_EXPECT_FALSE(test, al->joined);
	KUNIT_EXPECT_PTR_NE(test, al->sess, s);
	ep11_drop_hold(s, true, true);
	ep11_reclaim_kick();
	msleep(100);
	KUNIT_EXPECT_EQ_MSG(test, fake_live(&ct->fc), 1U,
			    "the administrator's logout ended the new login's card session");
	KUNIT_EXPECT_EQ(test, ct->card->held, 1U);
	ep11_drop_hold(al->sess, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	KUNIT_EXPECT_EQ(test, ct->card->held, 0U);
}

static void core_pending_logout_spares_a_new_login(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_target t[1];
	struct ep11_session *a, *b;
	static const u16 d[] = { 1 };
	struct ep11_apqn *a1 = apqn_of(ct, 1);
	unsigned int n;
	bool joined;

	KUNIT_ASSERT_EQ(test, login(&a, &joined, t, d, 1, good_pin, "h3b",
				    false, 0), 0);
	ct->fc.offline[1] = true;
	ep11_drop_hold(a, true, true);
	KUNIT_EXPECT_EQ(test, a1->pending, 1U);
	ct->fc.offline[1] = false;

	KUNIT_ASSERT_EQ(test, login(&b, &joined, t, d, 1, good_pin, "h3b",
				    false, 0), 0);
	ep11_reclaim_kick();
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, n == 1,
						POLL_US, POLL_MAX_US, false),
			0);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(apqn_pending, n, !n, POLL_US,
						POLL_MAX_US, false, a1), 0);
	KUNIT_EXPECT_EQ_MSG(test, fake_live(&ct->fc), 1U,
			    "a pending logout ended the card session of a live login");
	KUNIT_EXPECT_EQ(test, a1->held, 1U);
	ep11_drop_hold(b, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	KUNIT_EXPECT_EQ(test, a1->held, 0U);
}

static void core_recovery_spares_a_joiner_not_yet_linked(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_target t[1];
	struct ep11_session *sess;
	static const u16 d[] = { 2 };
	struct async_login *al;
	unsigned int n;
	bool joined;

	al = kunit_kzalloc(test, sizeof(*al), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, al);
	al->ct = ct;
	al->doms = d;
	al->n = 1;
	al->nonce = "h3c";
	fake_gate(&ct->fc, EP11_FN_LOGIN);
	async_login_start(test, al);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&ct->fc.gate_arrived,
							    5 * HZ));
	/* The joiner's Login ran on the card; its answer is on its way. */
	ct->timeout_ms = ep11_request_timeout_ms;
	ep11_request_timeout_ms = 300;
	mutex_lock(&ct->fc.lock);
	ct->fc.unseen = true;
	mutex_unlock(&ct->fc.lock);
	KUNIT_EXPECT_EQ(test, login(&sess, &joined, t, d, 1, good_pin, "h3c",
				    false, 0), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	complete(&ct->fc.gate_release);
	KUNIT_ASSERT_TRUE(test, async_login_wait(al, 10000));
	KUNIT_ASSERT_EQ(test, al->ret, 0);
	KUNIT_EXPECT_EQ_MSG(test, fake_live(&ct->fc), 1U,
			    "the login was published without its card session");
	KUNIT_EXPECT_EQ(test, ct->card->held, 1U);
	ep11_drop_hold(al->sess, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	KUNIT_EXPECT_EQ(test, ct->card->held, 0U);
}

static void core_waiting_login_ends_when_the_card_goes(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11_card *card = ct->card;
	struct ep11sess_target t[1];
	static const u16 d[] = { 1 };
	struct ep11_session *a;
	struct async_login *al;
	unsigned int n;
	bool joined;
	ktime_t t0;
	s64 ms;

	ct->fc.max = 1;
	KUNIT_ASSERT_EQ(test, ep11_card_refresh_caps(card, HZ), 0);
	KUNIT_ASSERT_EQ(test, login(&a, &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	al = kunit_kzalloc(test, sizeof(*al), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, al);
	al->ct = ct;
	al->doms = d;
	al->n = 1;
	al->wait_ms = 4000;
	async_login_start(test, al);
	msleep(200);

	t0 = ktime_get();
	kref_get(&card->ref);
	ep11_card_unregister(card);
	ct->removed = true;
	KUNIT_ASSERT_TRUE(test, async_login_wait(al, 10000));
	ms = ktime_ms_delta(ktime_get(), t0);
	KUNIT_EXPECT_EQ(test, al->ret, -ENODEV);
	KUNIT_EXPECT_LT_MSG(test, ms, 1000LL,
			    "a waiting login went on for %lld ms on a removed card",
			    ms);
	ep11_drop_hold(a, true, true);
	ep11_card_put(card);
	/* Its logout was kept for the card's return: let it return. */
	card = core_reregister(test, ct);
	KUNIT_ASSERT_NOT_NULL(test, card);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	ep11_card_unregister(card);
}

static void core_refused_logout_is_not_retried(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_target t[1];
	struct ep11_session *sess;
	static const u16 d[] = { 1 };
	struct ep11_apqn *a1 = apqn_of(ct, 1);
	unsigned int n;
	bool joined;

	KUNIT_ASSERT_EQ(test, login(&sess, &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	ct->fc.refuse_logout[1] = true;
	ep11_drop_hold(sess, true, true);
	KUNIT_EXPECT_EQ_MSG(test, read_poll_timeout(ep11_session_count, n, !n,
						    POLL_US, POLL_MAX_US, false),
			    0, "a logout the card refuses for good stays pending");
	KUNIT_EXPECT_EQ(test, a1->pending, 0U);
	KUNIT_EXPECT_EQ(test, a1->held, 0U);
	KUNIT_EXPECT_EQ(test, a1->stats.lost, 1ULL);
	KUNIT_EXPECT_GE(test, a1->stats.errors, 1ULL);
}

static void core_forced_admin_logout_ends_a_pending_logout(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_admin_logout a = {
		.size = sizeof(a),
		.flags = EP11SESS_ADMIN_BY_ID | EP11SESS_ADMIN_FORCE,
	};
	struct ep11sess_target t[1];
	struct ep11_session *sess;
	static const u16 d[] = { 1 };
	struct ep11_apqn *a1 = apqn_of(ct, 1);
	unsigned int n;
	bool joined;

	KUNIT_ASSERT_EQ(test, login(&sess, &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	ep11_session_public_id(sess, a.public_id);
	ct->fc.offline[1] = true;
	ep11_drop_hold(sess, true, true);
	KUNIT_ASSERT_EQ(test, a1->pending, 1U);

	KUNIT_EXPECT_EQ(test, ep11_admin_logout(&a, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, a.matched, 1U);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	KUNIT_EXPECT_EQ(test, a1->pending, 0U);
	KUNIT_EXPECT_EQ(test, a1->held, 0U);
	KUNIT_EXPECT_EQ(test, a1->stats.lost, 1ULL);
}

/* A named login (uid scope, id 0) on domain 1 of the fake card. */
static int login_named(struct ep11_session **sess, bool *joined,
		       const char *name, const char *shared_nonce)
{
	u8 nm[EP11SESS_NAME_LEN] = { }, nonce[32];
	struct ep11sess_target t[1] = { { .apqn = { FAKE_ID, 0, 1 } } };
	struct ep11_login_req req = {
		.targets = t,
		.ntargets = 1,
		.pin = good_pin,
		.pin_len = 8,
		.shared = !!shared_nonce,
	};
	int ret;

	strscpy(nm, name, sizeof(nm));
	if (shared_nonce) {
		req.nonce = shared_nonce;
		req.nonce_len = strlen(shared_nonce);
	} else {
		get_random_bytes(nonce, sizeof(nonce));
		req.nonce = nonce;
		req.nonce_len = sizeof(nonce);
	}
	req.name = ep11_name_alloc(nm, EP11SESS_SCOPE_UID, 0);
	if (!req.name)
		return -ENOMEM;
	ret = ep11_login(&req, sess, joined);
	ep11_name_free(req.name);
	return ret;
}

static struct ep11_session *attach_named(const char *name)
{
	u8 nm[EP11SESS_NAME_LEN] = { };

	strscpy(nm, name, sizeof(nm));
	return ep11_name_attach(nm, EP11SESS_SCOPE_UID, 0);
}

static void core_named_login_name_is_unique(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11_session *a, *b, *c;
	bool joined;

	KUNIT_ASSERT_EQ(test, login_named(&a, &joined, "app", "n-1"), 0);
	KUNIT_EXPECT_PTR_EQ(test, a->name->sess, a);
	/* Another session cannot take a live name; its login is undone. */
	KUNIT_EXPECT_EQ(test, login_named(&b, &joined, "app", NULL), -EEXIST);
	KUNIT_EXPECT_EQ_MSG(test, fake_live(&ct->fc), 1U,
			    "the refused login's card session stayed");
	/* The same shared login joins under the same name... */
	KUNIT_ASSERT_EQ(test, login_named(&b, &joined, "app", "n-1"), 0);
	KUNIT_EXPECT_TRUE(test, joined);
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	/* ...but not under another name, and the live session is spared. */
	KUNIT_EXPECT_EQ(test, login_named(&c, &joined, "other", "n-1"),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, a->holders, 2U);
	KUNIT_EXPECT_EQ_MSG(test, fake_live(&ct->fc), 1U,
			    "the refused join logged the live session out");
	c = attach_named("app");
	KUNIT_ASSERT_PTR_EQ(test, c, a);
	KUNIT_EXPECT_EQ(test, a->holders, 3U);
	ep11_drop_hold(c, true, true);
	ep11_drop_hold(b, true, true);
	ep11_drop_hold(a, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	/* A name whose session ended attaches nothing and can be reused. */
	KUNIT_EXPECT_PTR_EQ(test, attach_named("app"), ERR_PTR(-ENOENT));
	KUNIT_ASSERT_EQ(test, login_named(&a, &joined, "app", NULL), 0);
	ep11_drop_hold(a, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);

	/* Only the login that creates a session names it. */
	{
		static const u16 d[] = { 1 };
		struct ep11sess_target t[1];

		KUNIT_ASSERT_EQ(test, login(&a, &joined, t, d, 1, good_pin,
					    "n-2", false, 0), 0);
		KUNIT_EXPECT_EQ(test, login_named(&b, &joined, "late", "n-2"),
				-EEXIST);
		KUNIT_EXPECT_NULL(test, a->name);
		KUNIT_EXPECT_EQ(test, a->holders, 1U);
		KUNIT_EXPECT_EQ_MSG(test, fake_live(&ct->fc), 1U,
				    "the refused join logged the session out");
		ep11_drop_hold(a, true, true);
		KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	}
}

static void core_keep_holds_a_session_with_no_file(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_admin_logout al = {
		.size = sizeof(al), .flags = EP11SESS_ADMIN_BY_ID,
	};
	struct ep11_session *a, *b;
	unsigned int n;
	bool joined, placed;
	u64 exp;

	KUNIT_ASSERT_EQ(test, login_named(&a, &joined, "kept", NULL), 0);
	KUNIT_EXPECT_EQ(test, ep11_name_keep(a, 0, &exp, &placed), 0);
	KUNIT_EXPECT_EQ(test, exp, 0ULL);
	KUNIT_EXPECT_EQ(test, ep11_name_keep(a, 0, &exp, &placed), 0);
	KUNIT_EXPECT_EQ_MSG(test, a->holders, 2U,
			    "a second keep must renew, not add a hold");
	ep11_session_public_id(a, al.public_id);
	ep11_drop_hold(a, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 1U);
	b = attach_named("kept");
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	ep11_drop_hold(b, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 1U);
	/* An administrator's logout ends the hold and the session. */
	KUNIT_EXPECT_EQ(test, ep11_admin_logout(&al, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
}

static void core_keep_expires(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11_session *a;
	unsigned int n;
	bool joined, placed;
	u64 exp;

	KUNIT_ASSERT_EQ(test, login_named(&a, &joined, "ttl", NULL), 0);
	KUNIT_EXPECT_EQ(test, ep11_name_keep(a, 500, &exp, &placed), 0);
	KUNIT_EXPECT_TRUE(test, placed);
	KUNIT_EXPECT_NE(test, exp, 0ULL);
	ep11_drop_hold(a, true, true);
	KUNIT_EXPECT_EQ_MSG(test, fake_live(&ct->fc), 1U,
			    "the hold did not keep the session");
	KUNIT_EXPECT_EQ(test, ep11_session_count(), 1U);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(fake_live, n, !n, POLL_US,
						POLL_MAX_US, false, &ct->fc),
			0);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
}

/* Parks an expiry at one of its points until the test lets it go. */
static struct {
	bool at_claimed;
	atomic_t armed;
	struct completion arrived;
	struct completion go;
} park;

static void park_hook(struct ep11_session *sess, bool claimed)
{
	if (claimed != park.at_claimed || !atomic_xchg(&park.armed, 0))
		return;
	complete(&park.arrived);
	wait_for_completion(&park.go);
}

/* Keep @a for 10 ms and wait for its expiry to park at the point. */
static void park_expiry(struct kunit *test, struct ep11_session *a,
			bool at_claimed)
{
	bool placed;
	u64 exp;

	park.at_claimed = at_claimed;
	init_completion(&park.arrived);
	init_completion(&park.go);
	atomic_set(&park.armed, 1);
	WRITE_ONCE(ep11_name_expire_hook, park_hook);
	KUNIT_ASSERT_EQ(test, ep11_name_keep(a, 10, &exp, &placed), 0);
	KUNIT_ASSERT_TRUE(test, placed);
	KUNIT_ASSERT_NE_MSG(test, wait_for_completion_timeout(&park.arrived,
							      5 * HZ), 0UL,
			    "the expiry never ran");
}

static void unpark_expiry(struct ep11_session *a)
{
	complete(&park.go);
	flush_delayed_work(&a->name->keep_work);
	WRITE_ONCE(ep11_name_expire_hook, NULL);
}

/*
 * The hold's expiry against its release, a renewal and a logout for
 * everyone, at both of the expiry's points: whatever wins, the hold is
 * dropped once, the work's references balance, and the session is logged
 * out once.
 */
static void core_keep_races(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11_session *a;
	unsigned int n, refs, round;
	bool joined, placed;
	u64 exp;

	for (round = 0; round < 6; round++) {
		bool claimed = round & 1;

		KUNIT_ASSERT_EQ(test, login_named(&a, &joined, "race", NULL),
				0);
		refs = kref_read(&a->ref);
		park_expiry(test, a, claimed);
		switch (round / 2) {
		case 0:	/* release */
			KUNIT_EXPECT_EQ_MSG(test, ep11_name_keep_release(a),
					    claimed ? -ENOENT : 0,
					    "release with the expiry %s",
					    claimed ? "past its claim" :
					    "before its lock");
			break;
		case 1:	/* renewal */
			KUNIT_EXPECT_EQ(test, ep11_name_keep(a, 60000, &exp,
							     &placed), 0);
			KUNIT_EXPECT_EQ_MSG(test, placed, claimed,
					    "a renewal after the expiry's claim places a new hold");
			break;
		default: /* logout for everyone */
			KUNIT_EXPECT_TRUE(test, ep11_kill(a, false));
			break;
		}
		unpark_expiry(a);
		if (round / 2 == 1) {
			/* The renewed (or new) hold is there: release it. */
			KUNIT_EXPECT_EQ(test, a->holders, 2U);
			KUNIT_EXPECT_EQ(test, ep11_name_keep_release(a), 0);
		}
		KUNIT_EXPECT_EQ_MSG(test, a->holders, 1U,
				    "round %u: the hold was dropped twice or never",
				    round);
		/* A killed session's reclaim holds references of its own. */
		if (round / 2 != 2)
			KUNIT_EXPECT_EQ_MSG(test, kref_read(&a->ref), refs,
					    "round %u: the hold's and the work's references do not balance",
					    round);
		ep11_drop_hold(a, true, true);
		KUNIT_EXPECT_EQ(test,
				read_poll_timeout(ep11_session_count, n, !n,
						  POLL_US, POLL_MAX_US, false),
				0);
		KUNIT_ASSERT_EQ_MSG(test, fake_live(&ct->fc), 0U,
				    "round %u left a card session", round);
	}
}

static void core_name_uninit_ends_every_hold(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11_session *a, *b;
	unsigned int n;
	bool joined, placed;
	u64 exp;

	KUNIT_ASSERT_EQ(test, login_named(&a, &joined, "u-1", NULL), 0);
	KUNIT_ASSERT_EQ(test, login_named(&b, &joined, "u-2", NULL), 0);
	KUNIT_EXPECT_EQ(test, ep11_name_keep(a, 0, &exp, &placed), 0);
	KUNIT_EXPECT_EQ(test, ep11_name_keep(b, 600000, &exp, &placed), 0);
	ep11_drop_hold(a, true, true);
	ep11_drop_hold(b, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 2U);
	ep11_name_end_all();
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
}

static struct kunit_case ep11_core_test_cases[] = {
	KUNIT_CASE(core_caps_read_after_register),
	KUNIT_CASE(core_private_login_logout),
	KUNIT_CASE(core_shared_join_spends_one_slot),
	KUNIT_CASE(core_partial_login),
	KUNIT_CASE(core_all_or_nothing_rolls_back),
	KUNIT_CASE(core_session_id_disagreement),
	KUNIT_CASE(core_wrong_pin),
	KUNIT_CASE(core_busy_is_retried),
	KUNIT_CASE(core_full_card_waits_for_a_slot),
	KUNIT_CASE(core_unanswered_login_is_recovered),
	KUNIT_CASE(core_reclaim_offline_pending_online),
	KUNIT_CASE(core_card_removed_with_pending),
	KUNIT_CASE(core_orphan_waits_for_its_own_serial),
	KUNIT_CASE(core_reclaim_logs_apqns_out_concurrently),
	KUNIT_CASE(core_card_removal_waits_only_for_its_own),
	KUNIT_CASE(core_refresh_asks_cards_in_parallel),
	KUNIT_CASE(core_register_rejects_bad_cards),
	KUNIT_CASE(core_reclaim_work_holds_its_session),
	KUNIT_CASE(core_simultaneous_shared_logins_make_one_session),
	KUNIT_CASE(core_late_shared_login_joins_the_first),
	KUNIT_CASE(core_admin_logout_racing_a_join),
	KUNIT_CASE(core_join_racing_an_admin_logout),
	KUNIT_CASE(core_pending_logout_spares_a_new_login),
	KUNIT_CASE(core_recovery_spares_a_joiner_not_yet_linked),
	KUNIT_CASE(core_waiting_login_ends_when_the_card_goes),
	KUNIT_CASE(core_refused_logout_is_not_retried),
	KUNIT_CASE(core_forced_admin_logout_ends_a_pending_logout),
	KUNIT_CASE(core_named_login_name_is_unique),
	KUNIT_CASE(core_keep_holds_a_session_with_no_file),
	KUNIT_CASE(core_keep_expires),
	KUNIT_CASE(core_keep_races),
	KUNIT_CASE(core_name_uninit_ends_every_hold),
	{}
};

static struct kunit_suite ep11_core_test_suite = {
	.name = "ep11sess-core",
	.init = core_test_init,
	.exit = core_test_exit,
	.test_cases = ep11_core_test_cases,
};

/*
 * Hosts that share a card: unaccounted sessions, the host share, the
 * reclaim histogram and the audit of administrators' logouts.
 */

/**
 * struct fleet_events - events a test caught
 * @lock:   protects the fields below
 * @nunacc: %EP11_EV_UNACCOUNTED events
 * @unacc:  the last one
 * @nadmin: %EP11_EV_ADMIN_LOGOUT events
 * @admin:  the last one
 */
struct fleet_events {
	spinlock_t lock; /* see above */
	unsigned int nunacc;
	struct ep11_event unacc;
	unsigned int nadmin;
	struct ep11_event admin;
};

static struct fleet_events fleet_ev;

static int fleet_event(struct notifier_block *nb, unsigned long type,
		       void *data)
{
	const struct ep11_event *ev = data;

	spin_lock(&fleet_ev.lock);
	if (type == EP11_EV_UNACCOUNTED && ev->card == FAKE_ID) {
		fleet_ev.nunacc++;
		fleet_ev.unacc = *ev;
	} else if (type == EP11_EV_ADMIN_LOGOUT && ev->card == FAKE_ID) {
		fleet_ev.nadmin++;
		fleet_ev.admin = *ev;
	}
	spin_unlock(&fleet_ev.lock);
	return NOTIFY_DONE;
}

static struct notifier_block fleet_nb = {
	.notifier_call = fleet_event,
};

static int fleet_test_init(struct kunit *test)
{
	int ret;

	spin_lock_init(&fleet_ev.lock);
	memset(&fleet_ev.unacc, 0, sizeof(fleet_ev.unacc));
	memset(&fleet_ev.admin, 0, sizeof(fleet_ev.admin));
	fleet_ev.nunacc = 0;
	fleet_ev.nadmin = 0;
	ret = core_test_init(test);
	if (ret)
		return ret;
	return ep11_event_register(&fleet_nb);
}

static void fleet_test_exit(struct kunit *test)
{
	ep11_event_unregister(&fleet_nb);
	core_test_exit(test);
}

static void fleet_set_foreign(struct core_test *ct, unsigned int n)
{
	mutex_lock(&ct->fc.lock);
	ct->fc.foreign = n;
	mutex_unlock(&ct->fc.lock);
}

static unsigned int fleet_nunacc(void)
{
	unsigned int n;

	spin_lock(&fleet_ev.lock);
	n = fleet_ev.nunacc;
	spin_unlock(&fleet_ev.lock);
	return n;
}

/* max - available - held here; an event each time the count grows. */
static void fleet_unaccounted_are_other_hosts_sessions(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_target t[1];
	struct ep11_session *sess;
	static const u16 d[] = { 1 };
	bool joined;

	KUNIT_ASSERT_EQ(test, login(&sess, &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	KUNIT_ASSERT_EQ(test, ep11_card_refresh_caps(ct->card, HZ), 0);
	KUNIT_EXPECT_EQ_MSG(test, ct->card->unaccounted, 0U,
			    "our own session counted as another host's");
	KUNIT_EXPECT_EQ(test, fleet_nunacc(), 0U);

	fleet_set_foreign(ct, 2);
	KUNIT_ASSERT_EQ(test, ep11_card_refresh_caps(ct->card, HZ), 0);
	KUNIT_EXPECT_EQ(test, ct->card->unaccounted, 2U);
	KUNIT_EXPECT_EQ(test, fleet_nunacc(), 1U);
	KUNIT_EXPECT_EQ(test, fleet_ev.unacc.unaccounted, 2U);
	KUNIT_EXPECT_EQ(test, fleet_ev.unacc.unaccounted_before, 0U);
	KUNIT_EXPECT_EQ(test, fleet_ev.unacc.card_max, (u32)FAKE_MAX);
	KUNIT_EXPECT_EQ(test, fleet_ev.unacc.card_avail, (u32)FAKE_MAX - 3);
	KUNIT_EXPECT_EQ(test, fleet_ev.unacc.card_held, 1U);

	/* The same answer again, or fewer: no event. */
	KUNIT_ASSERT_EQ(test, ep11_card_refresh_caps(ct->card, HZ), 0);
	fleet_set_foreign(ct, 1);
	KUNIT_ASSERT_EQ(test, ep11_card_refresh_caps(ct->card, HZ), 0);
	KUNIT_EXPECT_EQ(test, ct->card->unaccounted, 1U);
	KUNIT_EXPECT_EQ_MSG(test, fleet_nunacc(), 1U,
			    "an event although the count did not grow");

	fleet_set_foreign(ct, 3);
	KUNIT_ASSERT_EQ(test, ep11_card_refresh_caps(ct->card, HZ), 0);
	KUNIT_EXPECT_EQ(test, ct->card->unaccounted, 3U);
	KUNIT_EXPECT_EQ(test, fleet_nunacc(), 2U);
	KUNIT_EXPECT_EQ(test, fleet_ev.unacc.unaccounted_before, 1U);

	/* Our logout is not another host's. */
	ep11_drop_hold(sess, false, true);
	KUNIT_ASSERT_EQ(test, ep11_card_refresh_caps(ct->card, HZ), 0);
	KUNIT_EXPECT_EQ(test, ct->card->unaccounted, 3U);
	fleet_set_foreign(ct, 0);
	KUNIT_ASSERT_EQ(test, ep11_card_refresh_caps(ct->card, HZ), 0);
	KUNIT_EXPECT_EQ(test, ct->card->unaccounted, 0U);
}

/* Beyond the share: EDQUOT without a card round trip, not ENOSPC. */
static void fleet_share_caps_this_hosts_logins(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11_session *s[3];
	struct ep11sess_target t[1];
	static const u16 d[] = { 1 };
	unsigned int logins;
	unsigned long start;
	bool joined;

	ep11_card_set_host_share(ct->card, 2);
	KUNIT_ASSERT_EQ(test, login(&s[0], &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	KUNIT_ASSERT_EQ(test, login(&s[1], &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	logins = ct->fc.logins;
	KUNIT_EXPECT_EQ(test, login(&s[2], &joined, t, d, 1, good_pin, NULL,
				    false, 0), -EDQUOT);
	KUNIT_EXPECT_EQ(test, t[0].error, -EDQUOT);
	KUNIT_EXPECT_EQ_MSG(test, ct->fc.logins, logins,
			    "a login beyond the share reached the card");
	KUNIT_EXPECT_EQ(test, ct->card->share_reserved, 0U);

	/* The card is full too: the share still answers first. */
	fleet_set_foreign(ct, FAKE_MAX - 2);
	KUNIT_ASSERT_EQ(test, ep11_card_refresh_caps(ct->card, HZ), 0);
	KUNIT_EXPECT_EQ(test, login(&s[2], &joined, t, d, 1, good_pin, NULL,
				    false, 0), -EDQUOT);
	/* Without a share, the full card is ENOSPC. */
	ep11_card_set_host_share(ct->card, 0);
	KUNIT_EXPECT_EQ(test, login(&s[2], &joined, t, d, 1, good_pin, NULL,
				    false, 0), -ENOSPC);
	fleet_set_foreign(ct, 0);

	/* A login that may wait gets the slot a holder gives back. */
	ep11_card_set_host_share(ct->card, 2);
	ct->victim = s[0];
	INIT_DELAYED_WORK(&ct->drop, core_drop_later);
	schedule_delayed_work(&ct->drop, msecs_to_jiffies(200));
	start = jiffies;
	KUNIT_EXPECT_EQ(test, login(&s[2], &joined, t, d, 1, good_pin, NULL,
				    false, 3000), 0);
	KUNIT_EXPECT_GE_MSG(test, jiffies_to_msecs(jiffies - start), 150U,
			    "login did not wait for the share");
	flush_delayed_work(&ct->drop);
	KUNIT_EXPECT_EQ(test, ct->card->held, 2U);
	KUNIT_EXPECT_EQ(test, ct->card->share_reserved, 0U);
	ep11_drop_hold(s[1], true, true);
	ep11_drop_hold(s[2], true, true);
	ep11_card_set_host_share(ct->card, -1);
}

/* A share lowered below its use ends nothing and admits nothing new. */
static void fleet_share_lowered_below_use(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11_session *s[4];
	struct ep11sess_target t[1];
	static const u16 d[] = { 1 };
	bool joined;
	int i;

	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, login(&s[i], &joined, t, d, 1, good_pin,
					    NULL, false, 0), 0);
	ep11_card_set_host_share(ct->card, 1);
	KUNIT_EXPECT_EQ_MSG(test, ct->card->held, 3U,
			    "lowering the share ended sessions");
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 3U);
	KUNIT_EXPECT_EQ(test, login(&s[3], &joined, t, d, 1, good_pin, NULL,
				    false, 0), -EDQUOT);
	ep11_drop_hold(s[0], true, true);
	KUNIT_EXPECT_EQ(test, login(&s[3], &joined, t, d, 1, good_pin, NULL,
				    false, 0), -EDQUOT);
	ep11_drop_hold(s[1], true, true);
	KUNIT_EXPECT_EQ_MSG(test, login(&s[3], &joined, t, d, 1, good_pin,
					NULL, false, 0), -EDQUOT,
			    "use 1 of share 1 admitted another");
	ep11_drop_hold(s[2], true, true);
	KUNIT_EXPECT_EQ(test, login(&s[3], &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	ep11_drop_hold(s[3], true, true);
	/* The module's default, no cap: the card's budget again. */
	ep11_card_set_host_share(ct->card, -1);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, login(&s[i], &joined, t, d, 1, good_pin,
					    NULL, false, 0), 0);
	for (i = 0; i < 3; i++)
		ep11_drop_hold(s[i], true, true);
}

/* Logins racing for the last slots of a share: exactly the share wins. */
static void fleet_share_concurrent_logins_at_the_boundary(struct kunit *test)
{
	struct core_test *ct = test->priv;
	static const u16 d[] = { 1 };
	struct async_login *al;
	unsigned int round, i, won, quota;
	const unsigned int n = 6, share = 2;

	al = kunit_kcalloc(test, n, sizeof(*al), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, al);
	ep11_card_set_host_share(ct->card, share);
	ct->fc.delay_ms = 5;
	for (round = 0; round < 8; round++) {
		for (i = 0; i < n; i++) {
			memset(&al[i], 0, sizeof(al[i]));
			al[i].ct = ct;
			al[i].doms = d;
			al[i].n = 1;
			async_login_start(test, &al[i]);
		}
		won = 0;
		quota = 0;
		for (i = 0; i < n; i++) {
			KUNIT_ASSERT_TRUE(test, async_login_wait(&al[i], 10000));
			won += !al[i].ret;
			quota += al[i].ret == -EDQUOT;
		}
		KUNIT_EXPECT_EQ_MSG(test, won, share,
				    "round %u: %u logins won a share of %u",
				    round, won, share);
		KUNIT_EXPECT_EQ(test, quota, n - share);
		KUNIT_EXPECT_EQ(test, ct->card->held, share);
		KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), share);
		KUNIT_EXPECT_EQ(test, ct->card->share_reserved, 0U);
		for (i = 0; i < n; i++)
			if (!al[i].ret)
				ep11_drop_hold(al[i].sess, true, true);
		KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	}
	ct->fc.delay_ms = 0;
	ep11_card_set_host_share(ct->card, -1);
}

/* At a full share a shared login joins, a new shared session does not. */
static void fleet_share_full_shared_join(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11_session *a, *b, *c;
	struct ep11sess_target t[1];
	static const u16 d[] = { 1 };
	unsigned int n;
	bool joined;

	ep11_card_set_host_share(ct->card, 1);
	KUNIT_ASSERT_EQ(test, login(&a, &joined, t, d, 1, good_pin, "tok-1",
				    false, 0), 0);
	KUNIT_EXPECT_EQ(test, login(&b, &joined, t, d, 1, good_pin, "tok-1",
				    false, 0), 0);
	KUNIT_EXPECT_TRUE(test, joined);
	KUNIT_EXPECT_EQ(test, login(&c, &joined, t, d, 1, good_pin, "tok-2",
				    false, 0), -EDQUOT);
	KUNIT_EXPECT_EQ_MSG(test, read_poll_timeout(fake_live, n, n == 1,
						    POLL_US, POLL_MAX_US,
						    false, &ct->fc), 0,
			    "the card session beyond the share stayed: %u live",
			    fake_live(&ct->fc));
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, n == 1,
						POLL_US, POLL_MAX_US, false),
			0);
	KUNIT_EXPECT_EQ(test, ct->card->held, 1U);
	ep11_drop_hold(a, true, true);
	ep11_drop_hold(b, true, true);
	ep11_card_set_host_share(ct->card, -1);
}

/* Every reclaim lands in one bucket; their sum is the reclaimed count. */
static void fleet_reclaim_histogram(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_target t[1];
	struct ep11_session *sess;
	static const u16 d[] = { 1 };
	struct ep11_apqn *a1 = apqn_of(ct, 1);
	u64 sum = 0;
	bool joined;
	int i;

	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_EQ(test, login(&sess, &joined, t, d, 1, good_pin,
					    NULL, false, 0), 0);
		ep11_drop_hold(sess, true, true);
	}
	ct->fc.delay_ms = 120;
	KUNIT_ASSERT_EQ(test, login(&sess, &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	ep11_drop_hold(sess, true, true);
	ct->fc.delay_ms = 0;
	for (i = 0; i < EP11SESS_RECLAIM_BUCKETS; i++)
		sum += a1->stats.reclaim_buckets[i];
	KUNIT_EXPECT_EQ(test, sum, a1->stats.reclaimed);
	KUNIT_EXPECT_EQ(test, sum, 4ULL);
	KUNIT_EXPECT_GE(test, a1->stats.reclaim_sum_us, 120000ULL);
	/* 120 ms: above 100 ms, at most 250 ms (bucket 10). */
	KUNIT_EXPECT_GE_MSG(test, a1->stats.reclaim_buckets[10] +
			    a1->stats.reclaim_buckets[11] +
			    a1->stats.reclaim_buckets[12], 1ULL,
			    "the 120 ms reclaim is in no bucket above 100 ms");
}

/* An administrator's logout names who did it and what it ended. */
static void fleet_admin_logout_is_audited(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_admin_logout a = {
		.size = sizeof(a),
		.flags = EP11SESS_ADMIN_BY_ID,
	};
	struct ep11sess_target t[1];
	struct ep11_session *sess;
	static const u16 d[] = { 2 };
	u8 pub[16];
	unsigned int n;
	bool joined;

	KUNIT_ASSERT_EQ(test, login(&sess, &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	ep11_session_public_id(sess, a.public_id);
	memcpy(pub, a.public_id, sizeof(pub));
	KUNIT_EXPECT_EQ(test, ep11_admin_logout(&a, NULL, NULL), 0);
	spin_lock(&fleet_ev.lock);
	n = fleet_ev.nadmin;
	spin_unlock(&fleet_ev.lock);
	KUNIT_EXPECT_EQ(test, n, 1U);
	KUNIT_EXPECT_EQ_MSG(test, memcmp(fleet_ev.admin.public_id, pub,
					 sizeof(pub)), 0,
			    "the event names another session: %*phN, expected %*phN",
			    (int)sizeof(pub), fleet_ev.admin.public_id,
			    (int)sizeof(pub), pub);
	KUNIT_EXPECT_EQ(test, fleet_ev.admin.admin_tgid, task_tgid_nr(current));
	KUNIT_EXPECT_EQ(test, fleet_ev.admin.via, (u32)EP11SESS_VIA_IOCTL);
	KUNIT_EXPECT_EQ(test, fleet_ev.admin.domain, (u16)2);
	KUNIT_EXPECT_FALSE(test, fleet_ev.admin.failed);
	/* The holder's hold is what is left; dropping it frees the memory. */
	ep11_drop_hold(sess, false, true);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
}

static unsigned int fleet_login_reqs(struct fake_card *fc)
{
	unsigned int n;

	mutex_lock(&fc->lock);
	n = fc->login_reqs;
	mutex_unlock(&fc->lock);
	return n;
}

/*
 * Shared logins waiting at a full share send nothing to the card while it
 * stays full (no Login and Logout of a session that cannot join), and one
 * of them gets the slot that frees.
 */
static void fleet_share_waiters_wait_without_card_work(struct kunit *test)
{
	struct core_test *ct = test->priv;
	static const u16 d[] = { 1 };
	struct ep11sess_target t[1];
	struct async_login *al;
	struct ep11_session *p;
	unsigned int reqs, now, i, won = 0, quota = 0, n;
	bool joined;

	al = kunit_kcalloc(test, 2, sizeof(*al), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, al);
	ep11_card_set_host_share(ct->card, 1);
	KUNIT_ASSERT_EQ(test, login(&p, &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	async_login_prep(&al[0], ct, d, 1, "tok-a");
	async_login_prep(&al[1], ct, d, 1, "tok-b");
	al[0].wait_ms = 1500;
	al[1].wait_ms = 1500;
	reqs = fleet_login_reqs(&ct->fc);
	async_login_start(test, &al[0]);
	async_login_start(test, &al[1]);
	msleep(300);
	now = fleet_login_reqs(&ct->fc);
	KUNIT_EXPECT_EQ_MSG(test, now, reqs,
			    "%u Login requests reached the card while the share stayed full",
			    now - reqs);
	KUNIT_EXPECT_EQ(test, ct->card->held, 1U);
	KUNIT_EXPECT_FALSE(test, completion_done(&al[0].done));
	KUNIT_EXPECT_FALSE(test, completion_done(&al[1].done));

	ep11_drop_hold(p, true, true);
	for (i = 0; i < 2; i++) {
		KUNIT_ASSERT_TRUE(test, async_login_wait(&al[i], 10000));
		won += !al[i].ret;
		quota += al[i].ret == -EDQUOT;
	}
	KUNIT_EXPECT_EQ_MSG(test, won, 1U,
			    "%u of two waiting logins got the slot that freed",
			    won);
	KUNIT_EXPECT_EQ(test, quota, 1U);
	KUNIT_EXPECT_EQ(test, ct->card->held, 1U);
	KUNIT_EXPECT_EQ(test, ct->card->share_reserved, 0U);
	/* The loser's try beyond the share was no reclaim; p's drop was. */
	KUNIT_EXPECT_EQ(test, apqn_of(ct, 1)->stats.reclaimed, 1ULL);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(fake_live, n, n == 1,
						POLL_US, POLL_MAX_US, false,
						&ct->fc), 0);
	for (i = 0; i < 2; i++)
		if (!al[i].ret)
			ep11_drop_hold(al[i].sess, true, true);
	ep11_card_set_host_share(ct->card, -1);
}

/**
 * struct two_card_login - a shared login on domain 1 of two cards
 * @t:     the targets: the fake card first, then the other
 * @sess:  the session on success
 * @ret:   ep11_login()'s result
 * @done:  completed when the login returned
 */
struct two_card_login {
	struct ep11sess_target t[2];
	struct ep11_session *sess;
	int ret;
	struct completion done;
};

static int two_card_login_fn(void *arg)
{
	struct two_card_login *tl = arg;
	struct ep11_login_req req = {
		.targets = tl->t,
		.ntargets = 2,
		.pin = good_pin,
		.pin_len = 8,
		.nonce = "tok-1",
		.nonce_len = 5,
		.shared = true,
	};
	bool joined;

	tl->t[0].apqn.card = FAKE_ID;
	tl->t[0].apqn.domain = 1;
	tl->t[1].apqn.card = FAKE_ID + 1;
	tl->t[1].apqn.domain = 1;
	tl->ret = ep11_login(&req, &tl->sess, &joined);
	complete(&tl->done);
	return 0;
}

/*
 * A login beyond the share may only join: when the live session it found
 * loses its last holder before the login is published (and another login
 * takes the freed slot), that APQN is refused with EDQUOT, not given a
 * slot beyond the share.
 */
static void fleet_share_join_only_when_the_session_left(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11_card_desc desc = {
		.id = FAKE_ID + 1,
		.serial = "FAKE000000000002",
		.domains = fake_domains,
		.ndomains = ARRAY_SIZE(fake_domains),
	};
	struct ep11_session *p, *a, *q;
	struct two_card_login *tl;
	struct ep11sess_target t[1];
	static const u16 d[] = { 1 };
	struct task_struct *task;
	struct fake_card *fc2;
	struct ep11_card *other;
	unsigned int n;
	bool joined;

	fc2 = kunit_kzalloc(test, sizeof(*fc2), GFP_KERNEL);
	tl = kunit_kzalloc(test, sizeof(*tl), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fc2);
	KUNIT_ASSERT_NOT_NULL(test, tl);
	mutex_init(&fc2->lock);
	fc2->max = FAKE_MAX;
	other = ep11_card_register(&desc, &fake_ops, fc2);
	KUNIT_ASSERT_FALSE(test, IS_ERR(other));
	flush_work(&other->info_work);

	ep11_card_set_host_share(ct->card, 2);
	KUNIT_ASSERT_EQ(test, login(&p, &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	KUNIT_ASSERT_EQ(test, login(&a, &joined, t, d, 1, good_pin, "tok-1",
				    false, 0), 0);

	/* The login found a's card session; it stops on the other card. */
	fake_gate(fc2, EP11_FN_LOGIN);
	init_completion(&tl->done);
	task = kthread_run(two_card_login_fn, tl, "ep11-test-login");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&fc2->gate_arrived,
							    5 * HZ));
	ep11_drop_hold(a, true, true);
	KUNIT_EXPECT_EQ(test, login(&q, &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	complete(&fc2->gate_release);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&tl->done, 10 * HZ));

	KUNIT_EXPECT_LE_MSG(test, ct->card->held, 2U,
			    "this host holds %u sessions of a share of 2",
			    ct->card->held);
	KUNIT_EXPECT_EQ_MSG(test, tl->t[0].error, -EDQUOT,
			    "the APQN beyond the share: error %d, expected -EDQUOT",
			    tl->t[0].error);
	KUNIT_EXPECT_EQ(test, tl->ret, 0);
	KUNIT_EXPECT_EQ(test, tl->t[1].error, 0);
	KUNIT_EXPECT_EQ_MSG(test, apqn_of(ct, 1)->stats.reclaimed, 1ULL,
			    "the refused APQN's logout counted as a reclaim");
	KUNIT_EXPECT_EQ(test, read_poll_timeout(fake_live, n, n == 2,
						POLL_US, POLL_MAX_US, false,
						&ct->fc), 0);
	if (!tl->ret)
		ep11_drop_hold(tl->sess, true, true);
	ep11_drop_hold(p, true, true);
	ep11_drop_hold(q, true, true);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	KUNIT_EXPECT_EQ(test, fake_live(fc2), 0U);
	ep11_card_set_host_share(ct->card, -1);
	ep11_card_unregister(other);
	mutex_destroy(&fc2->lock);
}

/*
 * A login's reservation of the share becomes its slot at once, and an
 * APQN that only joined gives it back at the publication: a login still
 * busy after it (here, logging out what the session could not take) does
 * not keep a third login out of a share of 3 with 2 used.
 */
static void fleet_share_reservation_handed_over(struct kunit *test)
{
	struct core_test *ct = test->priv;
	static const u16 d1[] = { 1 }, d12[] = { 1, 2 }, d3[] = { 3 };
	struct ep11_session *l, *c;
	struct ep11sess_target t[1];
	struct async_login *al;
	unsigned int n;
	bool joined;
	int ret;

	al = kunit_kzalloc(test, sizeof(*al), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, al);
	ep11_card_set_host_share(ct->card, 3);
	/* A session on one APQN has room for no other. */
	KUNIT_ASSERT_EQ(test, login(&l, &joined, t, d1, 1, good_pin, "tok-1",
				    false, 0), 0);

	fake_gate(&ct->fc, EP11_FN_LOGOUT);
	async_login_prep(al, ct, d12, 2, "tok-1");
	async_login_start(test, al);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&ct->fc.gate_arrived,
							    5 * HZ));
	/* Held: l's and the one being logged out; nothing is in flight. */
	KUNIT_EXPECT_EQ(test, ct->card->held, 2U);
	KUNIT_EXPECT_EQ_MSG(test, ct->card->share_reserved, 0U,
			    "%u slots still reserved after the publication",
			    ct->card->share_reserved);
	ret = login(&c, &joined, t, d3, 1, good_pin, NULL, false, 0);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0,
			    "a login with 2 of a share of 3 used: %d", ret);
	complete(&ct->fc.gate_release);
	KUNIT_ASSERT_TRUE(test, async_login_wait(al, 10000));
	KUNIT_EXPECT_EQ(test, al->ret, 0);
	KUNIT_EXPECT_TRUE(test, al->joined);
	KUNIT_EXPECT_EQ(test, al->t[1].error, -E2BIG);
	KUNIT_EXPECT_EQ(test, ct->card->share_reserved, 0U);
	if (!ret)
		ep11_drop_hold(c, true, true);
	if (!al->ret)
		ep11_drop_hold(al->sess, true, true);
	ep11_drop_hold(l, true, true);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	KUNIT_EXPECT_EQ(test, ct->card->held, 0U);
	ep11_card_set_host_share(ct->card, -1);
}

/*
 * A logout of this host's that races the question for the counts is not
 * another host's session; a count reported once is not reported again
 * until it rises above it.
 */
static void fleet_unaccounted_ignores_racing_logouts(struct kunit *test)
{
	struct core_test *ct = test->priv;
	struct ep11sess_target t[1];
	struct ep11_session *sess;
	static const u16 d[] = { 1 };
	struct refresh_call *rc;
	struct task_struct *task;
	bool joined;

	rc = kunit_kzalloc(test, sizeof(*rc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rc);
	KUNIT_ASSERT_EQ(test, login(&sess, &joined, t, d, 1, good_pin, NULL,
				    false, 0), 0);
	KUNIT_ASSERT_EQ(test, ep11_card_refresh_caps(ct->card, HZ), 0);
	KUNIT_ASSERT_EQ(test, fleet_nunacc(), 0U);

	/* The card counted the session; it is logged out before the answer. */
	fake_gate(&ct->fc, EP11_FN_GET_XCP_INFO);
	rc->only = FAKE_ID;
	init_completion(&rc->done);
	task = kthread_run(refresh_call_fn, rc, "ep11-test-refresh");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&ct->fc.gate_arrived,
							    5 * HZ));
	ep11_drop_hold(sess, true, true);
	KUNIT_EXPECT_EQ(test, fake_live(&ct->fc), 0U);
	complete(&ct->fc.gate_release);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&rc->done, 5 * HZ));
	KUNIT_EXPECT_EQ_MSG(test, ct->card->unaccounted, 0U,
			    "our own logout counted as %u other host's session(s)",
			    ct->card->unaccounted);
	KUNIT_EXPECT_EQ(test, fleet_nunacc(), 0U);

	fleet_set_foreign(ct, 2);
	KUNIT_ASSERT_EQ(test, ep11_card_refresh_caps(ct->card, HZ), 0);
	KUNIT_EXPECT_EQ(test, fleet_nunacc(), 1U);
	fleet_set_foreign(ct, 1);
	KUNIT_ASSERT_EQ(test, ep11_card_refresh_caps(ct->card, HZ), 0);
	fleet_set_foreign(ct, 2);
	KUNIT_ASSERT_EQ(test, ep11_card_refresh_caps(ct->card, HZ), 0);
	KUNIT_EXPECT_EQ(test, ct->card->unaccounted, 2U);
	KUNIT_EXPECT_EQ_MSG(test, fleet_nunacc(), 1U,
			    "a count back at the one reported was reported again");
	fleet_set_foreign(ct, 3);
	KUNIT_ASSERT_EQ(test, ep11_card_refresh_caps(ct->card, HZ), 0);
	KUNIT_EXPECT_EQ(test, fleet_nunacc(), 2U);
	fleet_set_foreign(ct, 0);
	KUNIT_ASSERT_EQ(test, ep11_card_refresh_caps(ct->card, HZ), 0);
	KUNIT_EXPECT_EQ(test, ct->card->unaccounted, 0U);
}

static struct kunit_case ep11_fleet_test_cases[] = {
	KUNIT_CASE(fleet_unaccounted_are_other_hosts_sessions),
	KUNIT_CASE(fleet_share_caps_this_hosts_logins),
	KUNIT_CASE(fleet_share_lowered_below_use),
	KUNIT_CASE(fleet_share_concurrent_logins_at_the_boundary),
	KUNIT_CASE(fleet_share_full_shared_join),
	KUNIT_CASE(fleet_reclaim_histogram),
	KUNIT_CASE(fleet_admin_logout_is_audited),
	KUNIT_CASE(fleet_share_waiters_wait_without_card_work),
	KUNIT_CASE(fleet_share_join_only_when_the_session_left),
	KUNIT_CASE(fleet_share_reservation_handed_over),
	KUNIT_CASE(fleet_unaccounted_ignores_racing_logouts),
	{}
};

static struct kunit_suite ep11_fleet_test_suite = {
	.name = "ep11sess-fleet",
	.init = fleet_test_init,
	.exit = fleet_test_exit,
	.test_cases = ep11_fleet_test_cases,
};

kunit_test_suites(&ep11_core_test_suite, &ep11_fleet_test_suite);
