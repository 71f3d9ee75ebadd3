// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of a live session surviving its card's loss (relogin.c)
 * against fake in-kernel cards whose wrapping key, serial number and
 * session table the test controls: the same card after a reset, a
 * replacement with the same key under another number, a card with
 * another key (WKID) that is never used, a card that reports the right
 * WKID but gives another pin blob (logged out again), an APQN that comes
 * back online; and the interleavings: a request racing the relogin, the
 * last holder leaving while the relogin's Login is in the card, the card
 * going away again during the relogin; and a card that restarted without
 * going offline (a request answered CKR_SESSION_CLOSED makes the kernel
 * log the session in again); and a card that returns while a pending
 * logout of a live session's id waits for it (the live session keeps its
 * card session); and a removed card's orphaned logouts, adopted by the
 * card under its serial number only once its domain's WKID is read and is
 * the one the session was logged in with, else kept until they expire.
 * Throughout, no card session may
 * be left that the kernel does not count, and the card's count and the
 * kernel's must agree.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/iopoll.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "../card.h"
#include "../chardev.h"
#include "../ep11_wire.h"
#include "../event.h"
#include "../login.h"
#include "../orphan.h"
#include "../relogin.h"
#include "../send.h"
#include "../session.h"
#include "../xfer.h"

#define HSM_SLOTS	16
#define HSM_MAX		8
#define RL_ID		0x72
#define RL_OTHER_ID	0x73
#define RL_DOM		1
#define POLL_US		10000
#define POLL_MAX_US	5000000

static const u8 rl_pin[] = "relogin1";
static const u16 rl_domains[] = { 1, 2 };

/**
 * struct hsm - the card behind a registration: its key and its sessions
 * @lock:      protects everything below
 * @key:       the wrapping key; pin blobs derive from it
 * @wkid_key:  the key whose WKID the card reports (another than @key
 *             stages a card that gives other pin blobs than its WKID says)
 * @wkid_fail: WKID queries answer CKR_DEVICE_ERROR
 * @tail_key:  when not 0, the key of the pin blobs' tails, the session
 *             ids staying those of @key (a card whose session ids do not
 *             depend on the wrapping key, as real cards may derive them)
 * @blobs:     live sessions' pin blobs
 * @doms:      their domains
 * @used:      which slots are live
 * @logins:    Login round trips the card ran
 * @logouts:   Logouts that ended a session
 * @unseen:    run the next Login, then answer -ETIMEDOUT
 * @login_rc:  when not 0, Logins answer this code instead (a card in
 *             trouble, a full card)
 * @login_rc_left: how many Logins more answer @login_rc, -1 all
 * @bound:     bound requests the card ran in a live session
 * @closed:    bound requests refused: the session was not logged in
 * @stale:     the next this many bound requests answer CKR_SESSION_CLOSED
 *             though the session is logged in (a key blob bound to another
 *             session)
 * @gate_fn:   the next request of this function stops after the card ran
 *             it, until @gate_release (0: none)
 * @gate_eio:  the gated request then ends with -EIO (the card went away
 *             after reading it), not with its reply
 * @gate_arrived: completed when the gated request stopped
 * @gate_release: completed by the test to let it go on
 */
struct hsm {
	struct mutex lock; /* see above */
	u8 key;
	u8 wkid_key;
	bool wkid_fail;
	u8 tail_key;
	u8 blobs[HSM_SLOTS][EP11_PINBLOB_LEN];
	u16 doms[HSM_SLOTS];
	bool used[HSM_SLOTS];
	unsigned int logins;
	unsigned int logouts;
	bool unseen;
	u32 login_rc;
	int login_rc_left;
	unsigned int bound;
	unsigned int closed;
	unsigned int stale;
	u32 gate_fn;
	bool gate_eio;
	struct completion gate_arrived;
	struct completion gate_release;
};

/**
 * struct rl_test - per-test state
 * @h:        the fake cards' insides
 * @cards:    registrations the test has not removed yet
 * @wait_ms:  relogin_wait_ms to restore
 * @timeout_ms: request_timeout_ms to restore
 * @kept0:    orphaned logouts before the test
 * @orphan_timeout_s: orphan_timeout_s to restore
 * @orphan_recheck_s: orphan_recheck_s to restore
 * @wkid_status_age: ep11_wkid_status_age to restore
 * @nb:       relogin event listener
 * @ev_lock:  protects @ev and @nev
 * @ev:       the last relogin event seen
 * @nev:      relogin events seen
 */
struct rl_test {
	struct hsm h[3];
	struct ep11_card *cards[4];
	unsigned int wait_ms;
	unsigned int timeout_ms;
	unsigned int kept0;
	unsigned int orphan_timeout_s;
	unsigned int orphan_recheck_s;
	unsigned long wkid_status_age;
	struct notifier_block nb;
	spinlock_t ev_lock; /* see above */
	struct ep11_event ev;
	unsigned int nev;
};

static void hsm_blob(u8 *blob, u8 key, u8 tail_key, const u8 *pin,
		     size_t pin_len, const u8 *nonce, size_t nonce_len)
{
	size_t i;

	for (i = 0; i < EP11_SESSION_ID_LEN; i++)
		blob[i] = pin[i % pin_len] ^ nonce[i % nonce_len] ^ i ^ key;
	for (; i < EP11_PINBLOB_LEN; i++)
		blob[i] = (tail_key ? tail_key : key) + 0x40 + i;
}

static int hsm_find_locked(struct hsm *h, u16 domain, const u8 *blob)
{
	unsigned int i;

	for (i = 0; i < HSM_SLOTS; i++)
		if (h->used[i] && h->doms[i] == domain &&
		    !memcmp(h->blobs[i], blob, EP11_PINBLOB_LEN))
			return i;
	return -1;
}

static unsigned int hsm_live_locked(struct hsm *h)
{
	unsigned int i, n = 0;

	for (i = 0; i < HSM_SLOTS; i++)
		n += h->used[i];
	return n;
}

static unsigned int hsm_live(struct hsm *h)
{
	unsigned int n;

	mutex_lock(&h->lock);
	n = hsm_live_locked(h);
	mutex_unlock(&h->lock);
	return n;
}

static u32 hsm_login(struct hsm *h, u16 domain, struct ep11_msg *m, u8 *blob)
{
	const u8 *pin, *nonce;
	size_t pin_len, nonce_len;
	unsigned int i;

	if (ep11_wire_next(m, &pin, &pin_len) ||
	    ep11_wire_next(m, &nonce, &nonce_len) || !pin_len || !nonce_len)
		return EP11_CKR_ARGUMENTS_BAD;
	h->logins++;
	if (h->login_rc && h->login_rc_left) {
		if (h->login_rc_left > 0)
			h->login_rc_left--;
		return h->login_rc;
	}
	hsm_blob(blob, h->key, h->tail_key, pin, pin_len, nonce, nonce_len);
	if (hsm_find_locked(h, domain, blob) >= 0)
		return EP11_CKR_OK;
	if (hsm_live_locked(h) >= HSM_MAX)
		return EP11_CKR_SESSION_COUNT;
	for (i = 0; i < HSM_SLOTS; i++) {
		if (!h->used[i]) {
			h->used[i] = true;
			h->doms[i] = domain;
			memcpy(h->blobs[i], blob, EP11_PINBLOB_LEN);
			return EP11_CKR_OK;
		}
	}
	return EP11_CKR_SESSION_COUNT;
}

static u32 hsm_logout(struct hsm *h, u16 domain, struct ep11_msg *m)
{
	const u8 *blob;
	size_t len;
	int i;

	if (ep11_wire_next(m, &blob, &len) || len != EP11_PINBLOB_LEN)
		return EP11_CKR_ARGUMENTS_BAD;
	i = hsm_find_locked(h, domain, blob);
	if (i < 0)
		return EP11_CKR_SESSION_CLOSED;
	h->used[i] = false;
	h->logouts++;
	return EP11_CKR_OK;
}

/* GenerateRandom, bound: (length, pin blob) -> length zero bytes. */
static u32 hsm_random(struct hsm *h, u16 domain, struct ep11_msg *m,
		      struct ep11_wbuf *b)
{
	static const u8 zero[8];
	const u8 *blob;
	size_t len;
	u32 n;

	if (ep11_wire_count(m) != 2 || ep11_wire_next_u32(m, &n) ||
	    n > sizeof(zero) || ep11_wire_next(m, &blob, &len) ||
	    len != EP11_PINBLOB_LEN)
		return EP11_CKR_ARGUMENTS_BAD;
	if (hsm_find_locked(h, domain, blob) < 0) {
		h->closed++;
		return EP11_CKR_SESSION_CLOSED;
	}
	if (h->stale) {
		h->stale--;
		return EP11_CKR_SESSION_CLOSED;
	}
	h->bound++;
	ep11_wire_put(b, zero, n);
	return EP11_CKR_OK;
}

static u32 hsm_xcp_info(struct hsm *h, struct ep11_msg *m,
			struct ep11_wbuf *b)
{
	u8 wkid[EP11_WKID_LEN];
	__be32 caps[4];
	u32 query;

	if (ep11_wire_next_u32(m, &query))
		return EP11_CKR_ARGUMENTS_BAD;
	switch (query) {
	case EP11_XCP_QUERY_DOMAIN:
		if (h->wkid_fail)
			return EP11_CKR_DEVICE_ERROR;
		memset(wkid, h->wkid_key, sizeof(wkid));
		ep11_wire_put(b, wkid, sizeof(wkid));
		return EP11_CKR_OK;
	case EP11_XCP_QUERY_EXT_CAPLIST:
		caps[0] = cpu_to_be32(EP11_XCP_CAP_MAX_SESSIONS);
		caps[1] = cpu_to_be32(HSM_MAX);
		caps[2] = cpu_to_be32(EP11_XCP_CAP_AVAIL_SESSIONS);
		caps[3] = cpu_to_be32(HSM_MAX - hsm_live_locked(h));
		ep11_wire_put(b, caps, sizeof(caps));
		return EP11_CKR_OK;
	default:
		return EP11_CKR_ARGUMENTS_BAD;
	}
}

static int hsm_send(void *priv, u16 domain, const void *req, size_t req_len,
		    void *rep, size_t rep_cap, unsigned long timeout)
{
	struct hsm *h = priv;
	u8 blob[EP11_PINBLOB_LEN];
	struct ep11_wbuf b;
	struct ep11_msg m;
	bool eio;
	int ret;
	u32 rc;

	mutex_lock(&h->lock);
	if (ep11_wire_parse_request(req, req_len, &m) < 0) {
		mutex_unlock(&h->lock);
		return -EIO;
	}
	switch (m.fn & 0xffff) {
	case EP11_FN_LOGIN:
		rc = hsm_login(h, domain, &m, blob);
		ep11_wire_reply_init(&b, rep, rep_cap, m.fn, domain, rc);
		if (rc == EP11_CKR_OK)
			ep11_wire_put(&b, blob, sizeof(blob));
		break;
	case EP11_FN_LOGOUT:
		rc = hsm_logout(h, domain, &m);
		ep11_wire_reply_init(&b, rep, rep_cap, m.fn, domain, rc);
		break;
	case EP11_FN_GENERATE_RANDOM:
		ep11_wire_reply_init(&b, rep, rep_cap, m.fn, domain, 0);
		rc = hsm_random(h, domain, &m, &b);
		if (rc)
			ep11_wire_reply_init(&b, rep, rep_cap, m.fn, domain,
					     rc);
		break;
	case EP11_FN_GET_XCP_INFO:
		ep11_wire_reply_init(&b, rep, rep_cap, m.fn, domain, 0);
		rc = hsm_xcp_info(h, &m, &b);
		if (rc)
			ep11_wire_reply_init(&b, rep, rep_cap, m.fn, domain,
					     rc);
		break;
	default:
		ep11_wire_reply_init(&b, rep, rep_cap, m.fn, domain,
				     EP11_CKR_FUNCTION_NOT_SUPPORTED);
		break;
	}
	ret = ep11_wire_finish(&b);
	if (h->unseen && (m.fn & 0xffff) == EP11_FN_LOGIN) {
		h->unseen = false;
		ret = -ETIMEDOUT;
	}
	if (h->gate_fn && h->gate_fn == (m.fn & 0xffff)) {
		h->gate_fn = 0;
		eio = h->gate_eio;
		mutex_unlock(&h->lock);
		complete(&h->gate_arrived);
		wait_for_completion(&h->gate_release);
		return eio ? -EIO : ret;
	}
	mutex_unlock(&h->lock);
	return ret;
}

static const struct ep11_provider_ops hsm_ops = {
	.send = hsm_send,
};

static void hsm_init(struct hsm *h, u8 key)
{
	mutex_init(&h->lock);
	h->key = key;
	h->wkid_key = key;
	init_completion(&h->gate_arrived);
	init_completion(&h->gate_release);
}

/* The card forgets every session, as a restarted card does. */
static void hsm_reset(struct hsm *h)
{
	mutex_lock(&h->lock);
	memset(h->used, 0, sizeof(h->used));
	memset(h->blobs, 0, sizeof(h->blobs));
	mutex_unlock(&h->lock);
}

/* The next @n Logins (-1: all) answer @rc. */
static void hsm_fail_logins(struct hsm *h, u32 rc, int n)
{
	mutex_lock(&h->lock);
	h->login_rc = rc;
	h->login_rc_left = n;
	mutex_unlock(&h->lock);
}

static unsigned int hsm_logins(struct hsm *h)
{
	unsigned int n;

	mutex_lock(&h->lock);
	n = h->logins;
	mutex_unlock(&h->lock);
	return n;
}

/* The next request of function @fn stops in the card after it ran. */
static void hsm_gate(struct hsm *h, u32 fn, bool eio)
{
	reinit_completion(&h->gate_arrived);
	reinit_completion(&h->gate_release);
	mutex_lock(&h->lock);
	h->gate_fn = fn;
	h->gate_eio = eio;
	mutex_unlock(&h->lock);
}

static unsigned int orphans_kept(void)
{
	struct ep11_orphan_stats st;

	ep11_orphan_stats(&st);
	return st.kept;
}

static int rl_event(struct notifier_block *nb, unsigned long type, void *data)
{
	struct rl_test *rt = container_of(nb, struct rl_test, nb);

	if (type != EP11_EV_RELOGIN)
		return NOTIFY_DONE;
	spin_lock(&rt->ev_lock);
	rt->ev = *(struct ep11_event *)data;
	rt->nev++;
	spin_unlock(&rt->ev_lock);
	return NOTIFY_DONE;
}

static int rl_init(struct kunit *test)
{
	struct rl_test *rt;
	unsigned int i;

	rt = kunit_kzalloc(test, sizeof(*rt), GFP_KERNEL);
	if (!rt)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(rt->h); i++)
		hsm_init(&rt->h[i], 0x11);
	spin_lock_init(&rt->ev_lock);
	rt->nb.notifier_call = rl_event;
	ep11_event_register(&rt->nb);
	rt->wait_ms = ep11_relogin_wait_ms;
	rt->timeout_ms = ep11_request_timeout_ms;
	ep11_relogin_wait_ms = 5000;
	rt->kept0 = orphans_kept();
	rt->orphan_timeout_s = ep11_orphan_timeout_s;
	rt->orphan_recheck_s = ep11_orphan_recheck_s;
	rt->wkid_status_age = ep11_wkid_status_age;
	test->priv = rt;
	return 0;
}

static void rl_exit(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(rt->cards); i++)
		if (rt->cards[i])
			ep11_card_unregister(rt->cards[i]);
	KUNIT_EXPECT_EQ_MSG(test, read_poll_timeout(ep11_session_count, n, !n,
						    POLL_US, POLL_MAX_US, false),
			    0, "%u sessions left in the table after the test",
			    ep11_session_count());
	ep11_event_unregister(&rt->nb);
	ep11_relogin_wait_ms = rt->wait_ms;
	ep11_request_timeout_ms = rt->timeout_ms;
	ep11_orphan_timeout_s = rt->orphan_timeout_s;
	ep11_orphan_recheck_s = rt->orphan_recheck_s;
	ep11_wkid_status_age = rt->wkid_status_age;
	for (i = 0; i < ARRAY_SIZE(rt->h); i++)
		mutex_destroy(&rt->h[i].lock);
}

/* Register @h as card @id with serial @serial in slot @slot. */
static struct ep11_card *rl_plug(struct kunit *test, unsigned int slot,
				 struct hsm *h, u8 id, const char *serial,
				 bool settle)
{
	struct rl_test *rt = test->priv;
	struct ep11_card_desc desc = {
		.id = id,
		.domains = rl_domains,
		.ndomains = ARRAY_SIZE(rl_domains),
	};
	struct ep11_card *card;

	memcpy(desc.serial, serial, EP11_SERIAL_LEN);
	card = ep11_card_register(&desc, &hsm_ops, h);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(card), "cannot register card%02x: %ld",
			       id, PTR_ERR(card));
	rt->cards[slot] = card;
	if (settle) {
		flush_work(&card->info_work);
		flush_work(&card->relogin_work);
	}
	return card;
}

/* Remove the card in slot @slot, as its provider going away does. */
static void rl_unplug(struct rl_test *rt, unsigned int slot)
{
	ep11_card_unregister(rt->cards[slot]);
	rt->cards[slot] = NULL;
}

static int rl_login(struct ep11_session **sess, u8 card, const char *nonce)
{
	struct ep11sess_target t = {
		.apqn = { .card = card, .domain = RL_DOM },
	};
	u8 rnd[32];
	struct ep11_login_req req = {
		.targets = &t,
		.ntargets = 1,
		.pin = rl_pin,
		.pin_len = sizeof(rl_pin) - 1,
		.shared = !!nonce,
	};
	bool joined;

	if (nonce) {
		req.nonce = nonce;
		req.nonce_len = strlen(nonce);
	} else {
		get_random_bytes(rnd, sizeof(rnd));
		req.nonce = rnd;
		req.nonce_len = sizeof(rnd);
	}
	return ep11_login(&req, sess, &joined);
}

/*
 * A bound GenerateRandom to any APQN of @sess, with @flags besides: 0, the
 * card's code and the send's result.
 */
static int rl_send_ex(struct ep11_session *sess, u32 flags, u32 *rc,
		      u32 *result)
{
	u8 req[128], rep[256];
	struct ep11sess_send s = {
		.size = sizeof(s),
		.flags = EP11SESS_SEND_SESSION | EP11SESS_SEND_ANY_APQN | flags,
		.handle = 1,
		.req = 1,
		.rep = 1,
		.rep_cap = sizeof(rep),
	};
	struct ep11_wbuf b;
	struct ep11_msg m;
	int len, ret;

	ep11_wire_request_init(&b, req, sizeof(req),
			       EP11_FN(EP11_FN_GENERATE_RANDOM), 0, 0);
	ep11_wire_put_u32(&b, 8);
	len = ep11_wire_finish(&b);
	if (len < 0)
		return len;
	s.req_len = len;
	*rc = ~0U;
	*result = ~0U;
	ret = ep11_send_kernel(sess, &s, req, rep);
	if (ret)
		return ret;
	*result = s.result;
	if (ep11_wire_parse_reply(rep, s.rep_len, &m) < 0)
		return -EBADMSG;
	*rc = m.rc;
	return 0;
}

/* A bound GenerateRandom to any APQN of @sess: 0 and the card's code. */
static int rl_send(struct ep11_session *sess, u32 *rc)
{
	u32 result;

	return rl_send_ex(sess, 0, rc, &result);
}

/**
 * struct rl_async - a request sent by its own thread
 * @sess: the session
 * @ret:  rl_send()'s result
 * @rc:   the card's code
 * @ms:   how long it took
 * @done: completed when it returned
 */
struct rl_async {
	struct ep11_session *sess;
	int ret;
	u32 rc;
	s64 ms;
	struct completion done;
};

static int rl_async_fn(void *arg)
{
	struct rl_async *a = arg;
	ktime_t t0 = ktime_get();

	a->ret = rl_send(a->sess, &a->rc);
	a->ms = ktime_ms_delta(ktime_get(), t0);
	complete(&a->done);
	return 0;
}

static void rl_async_start(struct kunit *test, struct rl_async *a,
			   struct ep11_session *sess)
{
	struct task_struct *task;

	a->sess = sess;
	init_completion(&a->done);
	task = kthread_run(rl_async_fn, a, "ep11-test-send");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
}

/**
 * struct rl_async_unplug - a card removed by its own thread
 * @card: the card
 * @done: completed when ep11_card_unregister() returned
 */
struct rl_async_unplug {
	struct ep11_card *card;
	struct completion done;
};

static int rl_unplug_fn(void *arg)
{
	struct rl_async_unplug *u = arg;

	ep11_card_unregister(u->card);
	complete(&u->done);
	return 0;
}

/**
 * struct rl_async_login - a login made by its own thread
 * @card: the card number
 * @sess: the session it made
 * @ret:  rl_login()'s result
 * @done: completed when it returned
 */
struct rl_async_login {
	u8 card;
	struct ep11_session *sess;
	int ret;
	struct completion done;
};

static int rl_login_fn(void *arg)
{
	struct rl_async_login *l = arg;

	l->ret = rl_login(&l->sess, l->card, NULL);
	complete(&l->done);
	return 0;
}

static u32 sa_state(struct ep11_session *sess)
{
	return READ_ONCE(sess->apqns[0].state);
}

static unsigned int card_held(struct ep11_card *card)
{
	unsigned int n;

	spin_lock(&card->lock);
	n = card->held;
	spin_unlock(&card->lock);
	return n;
}

/* The card's own count and the kernel's agree: @n sessions. */
static void rl_expect_counts(struct kunit *test, struct hsm *h,
			     struct ep11_card *card, unsigned int n,
			     const char *when)
{
	unsigned int got;

	KUNIT_EXPECT_EQ_MSG(test, read_poll_timeout(hsm_live, got, got == n,
						    POLL_US, POLL_MAX_US,
						    false, h),
			    0, "%s: the card holds %u session(s), expected %u",
			    when, got, n);
	KUNIT_EXPECT_EQ_MSG(test, read_poll_timeout(card_held, got, got == n,
						    POLL_US, POLL_MAX_US,
						    false, card),
			    0, "%s: the kernel counts %u session(s) on card%02x, expected %u",
			    when, got, card->id, n);
}

/* Hand the orphaned logouts of serial @serial back to a card with it. */
static void rl_adopt(struct kunit *test, unsigned int slot, struct hsm *h,
		     u8 id, const char *serial)
{
	struct rl_test *rt = test->priv;
	unsigned int n;

	rl_plug(test, slot, h, id, serial, true);
	KUNIT_EXPECT_EQ_MSG(test, read_poll_timeout(orphans_kept, n,
						    n == rt->kept0, POLL_US,
						    POLL_MAX_US, false),
			    0, "orphaned logouts: %u, expected %u", n,
			    rt->kept0);
	rl_unplug(rt, slot);
}

static void relogin_same_card_after_reset(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	struct ep11_card *card;
	u8 blob[EP11_PINBLOB_LEN];
	u32 rc;

	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T01-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	memcpy(blob, sess->apqns[0].pinblob, sizeof(blob));
	KUNIT_EXPECT_TRUE_MSG(test, sess->apqns[0].wkid_valid,
			      "the APQN's WKID was not recorded at login");

	rl_unplug(rt, 0);
	hsm_reset(&rt->h[0]);
	KUNIT_EXPECT_EQ(test, sa_state(sess), (u32)EP11SESS_STATE_AWAY);

	card = rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T01-CARD", true);
	KUNIT_EXPECT_EQ_MSG(test, sa_state(sess), (u32)EP11SESS_STATE_LIVE,
			    "not logged in again on the card that came back");
	KUNIT_EXPECT_PTR_EQ(test, sess->apqns[0].apqn,
			    ep11_apqn_find(card, RL_DOM));
	KUNIT_EXPECT_EQ(test, memcmp(blob, sess->apqns[0].pinblob,
				     sizeof(blob)), 0);
	rl_expect_counts(test, &rt->h[0], card, 1, "after the relogin");
	KUNIT_EXPECT_EQ(test, ep11_apqn_find(card, RL_DOM)->stats.relogins,
			1ULL);
	KUNIT_EXPECT_EQ(test, rt->nev, 1U);
	KUNIT_EXPECT_EQ(test, rt->ev.error, 0);
	KUNIT_EXPECT_EQ(test, rt->ev.card, RL_ID);
	KUNIT_EXPECT_EQ(test, orphans_kept(), rt->kept0);

	KUNIT_EXPECT_EQ(test, rl_send(sess, &rc), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_OK);
	KUNIT_EXPECT_EQ(test, rt->h[0].bound, 1U);

	ep11_drop_hold(sess, true, true);
	rl_expect_counts(test, &rt->h[0], card, 0, "after the logout");
}

static void relogin_on_replacement_with_same_key(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	struct ep11_card *card;
	u32 rc;

	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T02-OLD0", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, "t2-shared"), 0);
	rl_unplug(rt, 0);

	/* Another card, another number, the same master key. */
	card = rl_plug(test, 1, &rt->h[1], RL_OTHER_ID, "RELOGIN-T02-NEW0",
		       true);
	KUNIT_EXPECT_EQ(test, sa_state(sess), (u32)EP11SESS_STATE_LIVE);
	KUNIT_EXPECT_PTR_EQ_MSG(test, sess->apqns[0].apqn,
				ep11_apqn_find(card, RL_DOM),
				"the session did not move to the replacement");
	rl_expect_counts(test, &rt->h[1], card, 1, "after the relogin");
	KUNIT_EXPECT_EQ_MSG(test, orphans_kept(), rt->kept0 + 1,
			    "the old card's logout was not kept for its return");
	KUNIT_EXPECT_EQ(test, rl_send(sess, &rc), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_OK);
	KUNIT_EXPECT_EQ(test, rt->h[1].bound, 1U);

	ep11_drop_hold(sess, true, true);
	rl_expect_counts(test, &rt->h[1], card, 0, "after the logout");
	/* The old card returns: its copy of the session is logged out. */
	rl_adopt(test, 0, &rt->h[0], RL_ID, "RELOGIN-T02-OLD0");
	KUNIT_EXPECT_EQ(test, hsm_live(&rt->h[0]), 0U);
}

static void relogin_refuses_another_wrapping_key(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	struct ep11_card *card;
	ktime_t t0;
	s64 ms;
	u32 rc;

	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T03-OLD0", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	rl_unplug(rt, 0);
	hsm_reset(&rt->h[0]);

	rt->h[1].key = 0x22;
	rt->h[1].wkid_key = 0x22;
	card = rl_plug(test, 1, &rt->h[1], RL_ID, "RELOGIN-T03-NEW0", true);
	KUNIT_EXPECT_EQ_MSG(test, rt->h[1].logins, 0U,
			    "a Login was sent to a card with another WKID");
	KUNIT_EXPECT_EQ(test, sa_state(sess), (u32)EP11SESS_STATE_AWAY);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(sess->apqns[0].refused));
	KUNIT_EXPECT_EQ(test, rt->nev, 1U);
	KUNIT_EXPECT_EQ(test, rt->ev.error, -EXDEV);

	t0 = ktime_get();
	KUNIT_EXPECT_EQ(test, rl_send(sess, &rc), -ENODEV);
	ms = ktime_ms_delta(ktime_get(), t0);
	KUNIT_EXPECT_LT_MSG(test, ms, 1000LL,
			    "a request for a refused session waited %lld ms",
			    ms);
	rl_expect_counts(test, &rt->h[1], card, 0, "card with another key");

	ep11_drop_hold(sess, true, true);
	rl_unplug(rt, 1);
	rl_adopt(test, 0, &rt->h[0], RL_ID, "RELOGIN-T03-OLD0");
}

static void relogin_pinblob_mismatch_is_logged_out(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	struct ep11_card *card;
	u32 rc;

	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T04-OLD0", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	rl_unplug(rt, 0);
	hsm_reset(&rt->h[0]);

	/* Its WKID says the same key; its pin blobs say otherwise. */
	rt->h[1].key = 0x33;
	card = rl_plug(test, 1, &rt->h[1], RL_ID, "RELOGIN-T04-NEW0", true);
	KUNIT_EXPECT_EQ(test, rt->h[1].logins, 1U);
	KUNIT_EXPECT_EQ(test, sa_state(sess), (u32)EP11SESS_STATE_AWAY);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(sess->apqns[0].refused));
	KUNIT_EXPECT_EQ(test, rt->ev.error, -EXDEV);
	rl_expect_counts(test, &rt->h[1], card, 0,
			 "the login with another pin blob");
	KUNIT_EXPECT_EQ(test, ep11_apqn_find(card, RL_DOM)->stats.relogins,
			0ULL);
	KUNIT_EXPECT_EQ(test, rl_send(sess, &rc), -ENODEV);
	KUNIT_EXPECT_EQ(test, rt->h[1].bound + rt->h[1].closed, 0U);
	KUNIT_EXPECT_EQ_MSG(test, rt->h[1].logins, 1U,
			    "a request logged a refused session in again");

	ep11_drop_hold(sess, true, true);
	rl_unplug(rt, 1);
	rl_adopt(test, 0, &rt->h[0], RL_ID, "RELOGIN-T04-OLD0");
}

static void relogin_request_waits_for_the_relogin(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	struct ep11_card *card;
	struct rl_async *a;

	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T05-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	rl_unplug(rt, 0);
	hsm_reset(&rt->h[0]);

	rl_async_start(test, a, sess);
	KUNIT_EXPECT_FALSE_MSG(test, wait_for_completion_timeout(&a->done,
								 HZ / 5),
			       "a request failed at once (%d) while its card was away",
			       a->ret);
	/* The card returns; its relogin's Login stops in the card. */
	hsm_gate(&rt->h[0], EP11_FN_LOGIN, false);
	card = rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T05-CARD", false);
	KUNIT_ASSERT_TRUE(test,
			  wait_for_completion_timeout(&rt->h[0].gate_arrived,
						      5 * HZ));
	msleep(200);
	KUNIT_EXPECT_FALSE_MSG(test, completion_done(&a->done),
			       "the request went on before the relogin ended (%d)",
			       a->ret);
	KUNIT_EXPECT_EQ(test, rt->h[0].bound + rt->h[0].closed, 0U);
	complete(&rt->h[0].gate_release);

	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&a->done,
							    10 * HZ));
	KUNIT_EXPECT_EQ(test, a->ret, 0);
	KUNIT_EXPECT_EQ(test, a->rc, (u32)EP11_CKR_OK);
	KUNIT_EXPECT_EQ_MSG(test, rt->h[0].closed, 0U,
			    "a request reached the card before its session");
	KUNIT_EXPECT_EQ(test, rt->h[0].bound, 1U);
	flush_work(&card->relogin_work);
	rl_expect_counts(test, &rt->h[0], card, 1, "after the relogin");
	ep11_drop_hold(sess, true, true);
	rl_expect_counts(test, &rt->h[0], card, 0, "after the logout");
}

static void relogin_request_gives_up_after_the_wait(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	ktime_t t0;
	s64 ms;
	u32 rc;

	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T06-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	rl_unplug(rt, 0);
	ep11_relogin_wait_ms = 400;
	t0 = ktime_get();
	KUNIT_EXPECT_EQ(test, rl_send(sess, &rc), -ENODEV);
	ms = ktime_ms_delta(ktime_get(), t0);
	KUNIT_EXPECT_GE_MSG(test, ms, 350LL,
			    "the request gave up after %lld ms, expected ~400",
			    ms);
	KUNIT_EXPECT_LT_MSG(test, ms, 2000LL,
			    "the request waited %lld ms, expected ~400", ms);
	ep11_drop_hold(sess, true, true);
	/* The card did not reset: its return ends the session there. */
	rl_adopt(test, 0, &rt->h[0], RL_ID, "RELOGIN-T06-CARD");
	KUNIT_EXPECT_EQ(test, hsm_live(&rt->h[0]), 0U);
}

static void relogin_apqn_online_again(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	struct ep11_card *card;
	u32 rc;

	card = rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T07-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	KUNIT_ASSERT_EQ(test, ep11_apqn_set_online(card, RL_DOM, false), 0);
	KUNIT_EXPECT_EQ(test, sa_state(sess), (u32)EP11SESS_STATE_AWAY);
	KUNIT_ASSERT_EQ(test, ep11_apqn_set_online(card, RL_DOM, true), 0);
	flush_work(&card->info_work);
	flush_work(&card->relogin_work);
	KUNIT_EXPECT_EQ(test, sa_state(sess), (u32)EP11SESS_STATE_LIVE);
	/* The card kept the session: the Login found it, no new slot. */
	KUNIT_EXPECT_EQ(test, rt->h[0].logins, 2U);
	rl_expect_counts(test, &rt->h[0], card, 1, "online again");
	KUNIT_EXPECT_EQ(test, rl_send(sess, &rc), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_OK);
	ep11_drop_hold(sess, true, true);
	rl_expect_counts(test, &rt->h[0], card, 0, "after the logout");
}

static void relogin_holder_leaves_during_relogin(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	struct ep11_card *card;
	unsigned int n;

	card = rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T08-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	KUNIT_ASSERT_EQ(test, ep11_apqn_set_online(card, RL_DOM, false), 0);
	/* Reset while offline: the relogin's Login makes a new session. */
	hsm_reset(&rt->h[0]);
	hsm_gate(&rt->h[0], EP11_FN_LOGIN, false);
	KUNIT_ASSERT_EQ(test, ep11_apqn_set_online(card, RL_DOM, true), 0);
	KUNIT_ASSERT_TRUE(test,
			  wait_for_completion_timeout(&rt->h[0].gate_arrived,
						      5 * HZ));
	KUNIT_EXPECT_EQ(test, hsm_live(&rt->h[0]), 1U);
	ep11_drop_hold(sess, true, false);
	complete(&rt->h[0].gate_release);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	rl_expect_counts(test, &rt->h[0], card, 0,
			 "the last holder left during the relogin");
}

/*
 * The card is back under its serial before the session is logged in
 * there again, and the last holder leaves then: the logout the old card
 * object owed goes to the card that is back, not to a store that waits
 * for a registration that already happened.
 */
static void relogin_holder_leaves_before_the_relogin(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	struct ep11_card *card;
	unsigned int n;

	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T15-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	/* No reset: the card keeps the session while it is away. */
	rl_unplug(rt, 0);
	KUNIT_EXPECT_EQ(test, sa_state(sess), (u32)EP11SESS_STATE_AWAY);
	hsm_gate(&rt->h[0], EP11_FN_LOGIN, false);
	card = rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T15-CARD", false);
	KUNIT_ASSERT_TRUE(test,
			  wait_for_completion_timeout(&rt->h[0].gate_arrived,
						      5 * HZ));
	ep11_drop_hold(sess, true, false);
	complete(&rt->h[0].gate_release);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	rl_expect_counts(test, &rt->h[0], card, 0,
			 "the last holder left before the relogin on the returned card");
	KUNIT_EXPECT_EQ_MSG(test, orphans_kept(), rt->kept0,
			    "a logout waits for a card that is already back");
}

static void relogin_holder_leaves_during_move(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	struct ep11_card *card;
	unsigned int n;

	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T09-OLD0", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	rl_unplug(rt, 0);

	hsm_gate(&rt->h[1], EP11_FN_LOGIN, false);
	card = rl_plug(test, 1, &rt->h[1], RL_OTHER_ID, "RELOGIN-T09-NEW0",
		       false);
	KUNIT_ASSERT_TRUE(test,
			  wait_for_completion_timeout(&rt->h[1].gate_arrived,
						      5 * HZ));
	ep11_drop_hold(sess, true, false);
	complete(&rt->h[1].gate_release);
	KUNIT_EXPECT_EQ(test, read_poll_timeout(ep11_session_count, n, !n,
						POLL_US, POLL_MAX_US, false),
			0);
	rl_expect_counts(test, &rt->h[1], card, 0,
			 "the replacement after the holder left mid-relogin");
	/* The old card did not reset: its session ends on its return. */
	KUNIT_EXPECT_EQ(test, orphans_kept(), rt->kept0 + 1);
	rl_adopt(test, 0, &rt->h[0], RL_ID, "RELOGIN-T09-OLD0");
	KUNIT_EXPECT_EQ(test, hsm_live(&rt->h[0]), 0U);
}

static void relogin_card_goes_again_during_relogin(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct rl_async_unplug *u;
	struct ep11_session *sess;
	struct ep11_card *card;
	struct task_struct *task;
	u32 rc;

	u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, u);
	/* The recovery of an unanswered Login waits for the time-out. */
	ep11_request_timeout_ms = 300;
	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T0A-OLD0", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	rl_unplug(rt, 0);

	/* The replacement goes too while its Login is in it. */
	hsm_gate(&rt->h[1], EP11_FN_LOGIN, true);
	rl_plug(test, 1, &rt->h[1], RL_OTHER_ID, "RELOGIN-T0A-NEW0", false);
	KUNIT_ASSERT_TRUE(test,
			  wait_for_completion_timeout(&rt->h[1].gate_arrived,
						      5 * HZ));
	u->card = rt->cards[1];
	rt->cards[1] = NULL;
	init_completion(&u->done);
	task = kthread_run(rl_unplug_fn, u, "ep11-test-unplug");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	msleep(100);
	complete(&rt->h[1].gate_release);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&u->done,
							    10 * HZ));
	KUNIT_EXPECT_EQ(test, sa_state(sess), (u32)EP11SESS_STATE_AWAY);
	KUNIT_EXPECT_EQ_MSG(test, hsm_live(&rt->h[1]), 1U,
			    "the card that went away ran the Login");

	/* It comes back with that session: taken, and nothing twice. */
	card = rl_plug(test, 1, &rt->h[1], RL_OTHER_ID, "RELOGIN-T0A-NEW0",
		       true);
	KUNIT_EXPECT_EQ(test, rl_send(sess, &rc), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_OK);
	rl_expect_counts(test, &rt->h[1], card, 1, "the replacement is back");
	ep11_drop_hold(sess, true, true);
	rl_expect_counts(test, &rt->h[1], card, 0, "after the logout");
	rl_adopt(test, 0, &rt->h[0], RL_ID, "RELOGIN-T0A-OLD0");
	KUNIT_EXPECT_EQ(test, hsm_live(&rt->h[0]), 0U);
}

static void relogin_card_restarted_unseen(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	struct ep11_card *card;
	u32 rc, result;

	card = rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T0B-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	/* The card forgets its sessions without going offline. */
	hsm_reset(&rt->h[0]);
	KUNIT_EXPECT_EQ(test, rl_send_ex(sess, 0, &rc, &result), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_SESSION_CLOSED);
	KUNIT_EXPECT_EQ_MSG(test, result, (u32)EP11SESS_SEND_RELOGGED_IN,
			    "the answer does not say the session was logged in again");
	KUNIT_EXPECT_EQ_MSG(test, sa_state(sess), (u32)EP11SESS_STATE_LIVE,
			    "not logged in again after CKR_SESSION_CLOSED");
	rl_expect_counts(test, &rt->h[0], card, 1, "logged in again");
	KUNIT_EXPECT_EQ(test, ep11_apqn_find(card, RL_DOM)->stats.relogins,
			1ULL);
	/* The second try, as libcryptoki makes it, finds the session. */
	KUNIT_EXPECT_EQ(test, rl_send(sess, &rc), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_OK);
	ep11_drop_hold(sess, true, true);
	rl_expect_counts(test, &rt->h[0], card, 0, "after the logout");
}

/* Whether every kept reply buffer is all zero; how many there are in @n. */
static bool rep_kept_clean(unsigned int *n)
{
	void *bufs[EP11_SEND_REP_KEEP];
	unsigned int i;

	*n = ep11_send_rep_kept(bufs);
	for (i = 0; i < *n; i++)
		if (memchr_inv(bufs[i], 0, EP11_MAX_MSG_LEN))
			return false;
	return true;
}

/*
 * A full-size reply buffer is kept for the next request, wiped of the
 * reply, and reused: the pool does not grow with the requests.  A round
 * trip that failed after the card wrote its reply leaves nothing either;
 * a smaller buffer is not kept.
 */
static void send_reply_buffer_kept_wiped(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	void *kept[EP11_SEND_REP_KEEP], *again[EP11_SEND_REP_KEEP];
	struct ep11sess_send s = {
		.size = sizeof(s),
		.flags = EP11SESS_SEND_SESSION | EP11SESS_SEND_ANY_APQN,
		.handle = 1,
		.req = 1,
		.rep = 1,
		.rep_cap = EP11_MAX_MSG_LEN,
	};
	struct ep11_session *sess;
	unsigned int n, n0, i;
	struct ep11_wbuf b;
	struct ep11_msg m;
	u8 req[128], *rep;
	int len;

	rep = kunit_kzalloc(test, EP11_MAX_MSG_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rep);
	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T0K-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	ep11_wire_request_init(&b, req, sizeof(req),
			       EP11_FN(EP11_FN_GENERATE_RANDOM), 0, 0);
	ep11_wire_put_u32(&b, 8);
	len = ep11_wire_finish(&b);
	KUNIT_ASSERT_GT(test, len, 0);
	s.req_len = len;

	for (i = 0; i < 3; i++) {
		void **bufs = i ? again : kept;

		s.rep_len = 0;
		s.result = 0;
		KUNIT_ASSERT_EQ(test, ep11_send_kernel(sess, &s, req, rep), 0);
		KUNIT_ASSERT_GE(test, ep11_wire_parse_reply(rep, s.rep_len, &m), 0);
		KUNIT_EXPECT_EQ(test, m.rc, (u32)EP11_CKR_OK);
		KUNIT_EXPECT_TRUE_MSG(test, rep_kept_clean(&n),
				      "a kept reply buffer holds data");
		KUNIT_ASSERT_GE_MSG(test, n, 1U, "no reply buffer kept");
		KUNIT_EXPECT_LE(test, n, (unsigned int)EP11_SEND_REP_KEEP);
		KUNIT_EXPECT_EQ(test, ep11_send_rep_kept(bufs), n);
		if (i)
			KUNIT_EXPECT_PTR_EQ_MSG(test, again[n - 1], kept[n - 1],
						"the kept buffer was not reused");
	}
	n0 = n;

	/* The card writes its reply, then the transport fails. */
	hsm_gate(&rt->h[0], EP11_FN_GENERATE_RANDOM, true);
	complete(&rt->h[0].gate_release);
	s.flags |= EP11SESS_SEND_NO_WAIT;
	s.rep_len = 0;
	s.result = 0;
	KUNIT_EXPECT_EQ(test, ep11_send_kernel(sess, &s, req, rep), -EIO);
	KUNIT_EXPECT_TRUE_MSG(test, rep_kept_clean(&n),
			      "a failed round trip left its reply behind");
	KUNIT_EXPECT_EQ(test, n, n0);

	/* A caller's smaller buffer is freed, not kept. */
	s.flags &= ~EP11SESS_SEND_NO_WAIT;
	s.rep_cap = 4096;
	s.rep_len = 0;
	s.result = 0;
	KUNIT_EXPECT_EQ(test, ep11_send_kernel(sess, &s, req, rep), 0);
	KUNIT_EXPECT_TRUE(test, rep_kept_clean(&n));
	KUNIT_EXPECT_EQ(test, n, n0);
	ep11_drop_hold(sess, true, true);
}

static void relogin_returning_card_keeps_a_live_session(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess, *other;
	struct ep11_card *card;
	u32 rc;

	ep11_request_timeout_ms = 300;
	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T0C-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, "t0c-shared"), 0);
	/* A second login of the same session whose answer is not seen. */
	mutex_lock(&rt->h[0].lock);
	rt->h[0].unseen = true;
	mutex_unlock(&rt->h[0].lock);
	KUNIT_EXPECT_EQ(test, rl_login(&other, RL_ID, "t0c-shared"),
			-ETIMEDOUT);
	/* The card leaves (not reset): the recovery is kept by serial. */
	rl_unplug(rt, 0);
	KUNIT_EXPECT_EQ(test, orphans_kept(), rt->kept0 + 1);

	/* It returns: the recovery must not end the live session there. */
	card = rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T0C-CARD", true);
	KUNIT_EXPECT_EQ(test, orphans_kept(), rt->kept0);
	KUNIT_EXPECT_EQ(test, sa_state(sess), (u32)EP11SESS_STATE_LIVE);
	KUNIT_EXPECT_EQ_MSG(test, rt->h[0].logouts, 0U,
			    "the returning card's recovery logged the live session out");
	rl_expect_counts(test, &rt->h[0], card, 1, "the card came back");
	KUNIT_EXPECT_EQ(test, rl_send(sess, &rc), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_OK);
	ep11_drop_hold(sess, true, true);
	rl_expect_counts(test, &rt->h[0], card, 0, "after the logout");
}

/*
 * The card comes back with another master key, and its session ids do
 * not depend on the key: a recovery kept for it logs in and gets a pin
 * blob with the live session's id but another tail.  That card session
 * is not the live session's (which the card refuses): it is logged out,
 * not handed to the refused entry.
 */
static void relogin_returning_card_other_key_same_id(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess, *other;
	struct ep11_card *card;

	ep11_request_timeout_ms = 300;
	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T16-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, "t16-shared"), 0);
	mutex_lock(&rt->h[0].lock);
	rt->h[0].unseen = true;
	mutex_unlock(&rt->h[0].lock);
	KUNIT_EXPECT_EQ(test, rl_login(&other, RL_ID, "t16-shared"),
			-ETIMEDOUT);
	rl_unplug(rt, 0);
	KUNIT_EXPECT_EQ(test, orphans_kept(), rt->kept0 + 1);

	/*
	 * Reset with another master key: same ids, other pin blobs; its WKID
	 * still says the old key (with another WKID the recovery would stay
	 * kept, orphan_another_wkid_is_not_adopted_and_expires).
	 */
	hsm_reset(&rt->h[0]);
	rt->h[0].tail_key = 0x44;
	card = rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T16-CARD", true);
	KUNIT_EXPECT_EQ(test, orphans_kept(), rt->kept0);
	KUNIT_EXPECT_EQ(test, sa_state(sess), (u32)EP11SESS_STATE_AWAY);
	KUNIT_EXPECT_TRUE_MSG(test, READ_ONCE(sess->apqns[0].refused),
			      "a card with another wrapping key was not refused");
	rl_expect_counts(test, &rt->h[0], card, 0,
			 "the recovery on the card with another key");
	ep11_drop_hold(sess, true, true);
	rl_expect_counts(test, &rt->h[0], card, 0, "after the logout");
}

/*
 * The card is removed while a login's Login is in it: the removal marks
 * the live sessions away before the new one is published.  The new
 * session's entry starts AWAY, not LIVE on a card that is gone, and the
 * card's return logs it in again.
 */
static void relogin_login_races_the_removal(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct rl_async_unplug *u;
	struct rl_async_login *l;
	struct task_struct *task;
	struct ep11_card *card;
	u32 rc;

	u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);
	l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, u);
	KUNIT_ASSERT_NOT_NULL(test, l);
	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T17-CARD", true);
	hsm_gate(&rt->h[0], EP11_FN_LOGIN, false);
	l->card = RL_ID;
	init_completion(&l->done);
	task = kthread_run(rl_login_fn, l, "ep11-test-login");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	KUNIT_ASSERT_TRUE(test,
			  wait_for_completion_timeout(&rt->h[0].gate_arrived,
						      5 * HZ));
	/* The card goes while the Login is in it; it answers after. */
	u->card = rt->cards[0];
	rt->cards[0] = NULL;
	init_completion(&u->done);
	task = kthread_run(rl_unplug_fn, u, "ep11-test-unplug");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	msleep(100);
	complete(&rt->h[0].gate_release);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&l->done,
							    10 * HZ));
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&u->done,
							    10 * HZ));
	KUNIT_ASSERT_EQ(test, l->ret, 0);
	KUNIT_EXPECT_EQ_MSG(test, sa_state(l->sess), (u32)EP11SESS_STATE_AWAY,
			    "a login published beside the removal of its card is in state %u",
			    sa_state(l->sess));

	/* The card returns, not reset: the session is logged in there. */
	card = rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T17-CARD", true);
	KUNIT_EXPECT_EQ_MSG(test, sa_state(l->sess), (u32)EP11SESS_STATE_LIVE,
			    "not logged in again on the card that came back (state %u)",
			    sa_state(l->sess));
	rl_expect_counts(test, &rt->h[0], card, 1, "the card came back");
	KUNIT_EXPECT_EQ(test, rl_send(l->sess, &rc), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_OK);
	ep11_drop_hold(l->sess, true, true);
	rl_expect_counts(test, &rt->h[0], card, 0, "after the logout");
}

/*
 * A request waits for its session no longer than relogin_wait_ms, even
 * when the card that came back holds the session id's lock in a slow
 * Login of the relogin: it does not wait for that lock past its deadline.
 */
static void relogin_request_bounded_by_a_slow_relogin(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	struct ep11_card *card;
	unsigned long returned;
	struct rl_async *a;

	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T18-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	rl_unplug(rt, 0);
	ep11_relogin_wait_ms = 1500;
	rl_async_start(test, a, sess);
	msleep(100);

	/* It returns; its relogin's Login stays in the card for 4 s. */
	hsm_gate(&rt->h[0], EP11_FN_LOGIN, false);
	card = rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T18-CARD", false);
	KUNIT_ASSERT_TRUE(test,
			  wait_for_completion_timeout(&rt->h[0].gate_arrived,
						      5 * HZ));
	returned = wait_for_completion_timeout(&a->done, 4 * HZ);
	complete(&rt->h[0].gate_release);
	KUNIT_ASSERT_TRUE(test, returned ||
			  wait_for_completion_timeout(&a->done, 10 * HZ));
	KUNIT_EXPECT_LT_MSG(test, a->ms, 2200LL,
			    "the request took %lld ms (%d), relogin_wait_ms is 1500",
			    a->ms, a->ret);
	KUNIT_EXPECT_EQ(test, a->ret, -ENODEV);
	flush_work(&card->relogin_work);
	KUNIT_EXPECT_EQ(test, sa_state(sess), (u32)EP11SESS_STATE_LIVE);
	rl_expect_counts(test, &rt->h[0], card, 1, "after the slow relogin");
	ep11_drop_hold(sess, true, true);
	rl_expect_counts(test, &rt->h[0], card, 0, "after the logout");
}

/*
 * A private session on RL_DOM of card @serial (slot 0, the first card's
 * key), whose card is removed while it lives and whose last holder then
 * goes: its logout is kept for the card's return, with the domain's WKID.
 */
static void rl_orphan(struct kunit *test, const char *serial)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;

	rl_plug(test, 0, &rt->h[0], RL_ID, serial, true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	KUNIT_ASSERT_TRUE_MSG(test, sess->apqns[0].wkid_valid,
			      "the APQN's WKID was not recorded at login");
	rl_unplug(rt, 0);
	ep11_drop_hold(sess, true, true);
	KUNIT_ASSERT_EQ_MSG(test, orphans_kept(), rt->kept0 + 1,
			    "the removed card's logout was not kept");
	KUNIT_ASSERT_EQ(test, hsm_live(&rt->h[0]), 1U);
}

static void hsm_set_wkid(struct hsm *h, u8 wkid_key)
{
	mutex_lock(&h->lock);
	h->wkid_key = wkid_key;
	mutex_unlock(&h->lock);
}

/*
 * The orphaned logout kept since @st0 was adopted @when: none kept, the
 * card (slot 0) holds no session, counted as adopted, none expired.
 */
static void rl_expect_adopted(struct kunit *test,
			      const struct ep11_orphan_stats *st0,
			      const char *when)
{
	struct rl_test *rt = test->priv;
	struct ep11_orphan_stats st;
	unsigned int n;

	KUNIT_EXPECT_EQ_MSG(test, read_poll_timeout(orphans_kept, n,
						    n == rt->kept0, POLL_US,
						    POLL_MAX_US, false),
			    0, "not adopted %s: %u kept", when, n);
	KUNIT_EXPECT_EQ_MSG(test, read_poll_timeout(hsm_live, n, !n, POLL_US,
						    POLL_MAX_US, false,
						    &rt->h[0]),
			    0, "adopted %s, the card still holds %u session(s)",
			    when, n);
	ep11_orphan_stats(&st);
	KUNIT_EXPECT_EQ(test, st.adopted, st0->adopted + 1);
	KUNIT_EXPECT_EQ(test, st.expired, st0->expired);
}

static void orphan_adoption_waits_for_the_wkid(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_orphan_stats st0;
	struct ep11_card *card;

	rl_orphan(test, "ORPHAN-T01-CARD");
	ep11_orphan_stats(&st0);
	/* The card returns; it reads its counts, then the WKIDs: stop it. */
	hsm_gate(&rt->h[0], EP11_FN_GET_XCP_INFO, false);
	card = rl_plug(test, 0, &rt->h[0], RL_ID, "ORPHAN-T01-CARD", false);
	KUNIT_ASSERT_TRUE(test,
			  wait_for_completion_timeout(&rt->h[0].gate_arrived,
						      5 * HZ));
	/* An adoption now, with the domain's WKID not read yet, waits. */
	ep11_orphan_adopt(card);
	KUNIT_EXPECT_EQ_MSG(test, orphans_kept(), rt->kept0 + 1,
			    "adopted before the domain's WKID was read");
	KUNIT_EXPECT_EQ(test, hsm_live(&rt->h[0]), 1U);
	complete(&rt->h[0].gate_release);
	flush_work(&card->info_work);

	rl_expect_adopted(test, &st0, "once the same WKID was read");
}

static void orphan_another_wkid_is_not_adopted_and_expires(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_orphan_stats st0, st;
	unsigned int n;

	ep11_orphan_timeout_s = 3;
	rl_orphan(test, "ORPHAN-T02-CARD");
	ep11_orphan_stats(&st0);
	/* Back with another master key in the domain; its sessions stay. */
	hsm_set_wkid(&rt->h[0], 0x22);
	rl_plug(test, 0, &rt->h[0], RL_ID, "ORPHAN-T02-CARD", true);
	/* Adopted never; on a slow host it may have expired already. */
	ep11_orphan_stats(&st);
	KUNIT_EXPECT_EQ_MSG(test, st.adopted, st0.adopted,
			    "adopted by a domain with another wrapping key");
	KUNIT_EXPECT_EQ_MSG(test, (u64)st.kept + st.expired - st0.expired,
			    (u64)st0.kept,
			    "the orphaned logout is neither kept nor expired");
	KUNIT_EXPECT_EQ_MSG(test, hsm_live(&rt->h[0]), 1U,
			    "a Logout went to a domain with another wrapping key");

	KUNIT_EXPECT_EQ_MSG(test, read_poll_timeout(orphans_kept, n,
						    n == rt->kept0, POLL_US,
						    POLL_MAX_US, false),
			    0, "the orphaned logout did not expire: %u kept", n);
	ep11_orphan_stats(&st);
	KUNIT_EXPECT_EQ(test, st.expired, st0.expired + 1);
	KUNIT_EXPECT_EQ(test, st.adopted, st0.adopted);
	KUNIT_EXPECT_EQ(test, hsm_live(&rt->h[0]), 1U);
}

static void orphan_adopted_when_its_wkid_returns(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_orphan_stats st0;
	struct ep11_card *card;

	rl_orphan(test, "ORPHAN-T03-CARD");
	ep11_orphan_stats(&st0);
	hsm_set_wkid(&rt->h[0], 0x22);
	card = rl_plug(test, 0, &rt->h[0], RL_ID, "ORPHAN-T03-CARD", true);
	KUNIT_EXPECT_EQ_MSG(test, orphans_kept(), rt->kept0 + 1,
			    "adopted by a domain with another wrapping key");

	/* The domain goes offline and comes back with the session's key. */
	KUNIT_ASSERT_EQ(test, ep11_apqn_set_online(card, RL_DOM, false), 0);
	hsm_set_wkid(&rt->h[0], 0x11);
	KUNIT_ASSERT_EQ(test, ep11_apqn_set_online(card, RL_DOM, true), 0);
	flush_work(&card->info_work);
	rl_expect_adopted(test, &st0, "when the domain's WKID came back");
}

/*
 * The domain's key comes back while its APQN stays online: nothing goes
 * offline to make the core read the WKID again, so the orphan's own wait
 * must read it again (orphan_recheck_s), or the logout expires and the
 * session stays on the card.
 */
static void orphan_adopted_when_its_key_returns_online(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_orphan_stats st0;

	ep11_orphan_recheck_s = 1;
	rl_orphan(test, "ORPHAN-T04-CARD");
	ep11_orphan_stats(&st0);
	hsm_set_wkid(&rt->h[0], 0x22);
	rl_plug(test, 0, &rt->h[0], RL_ID, "ORPHAN-T04-CARD", true);
	KUNIT_EXPECT_EQ_MSG(test, orphans_kept(), rt->kept0 + 1,
			    "adopted by a domain with another wrapping key");

	hsm_set_wkid(&rt->h[0], 0x11);
	rl_expect_adopted(test, &st0,
			  "when the key came back on the online domain");
}

static u8 rl_wkid(struct ep11_card *card, u8 *wkid)
{
	return ep11_apqn_wkid(ep11_apqn_find(card, RL_DOM), wkid);
}

/*
 * A master key changed while the APQN stays online shows in status (which
 * asks the cards) once the last read is older than the status age; a
 * failed read keeps the pattern known.
 */
static void wkid_status_reads_a_changed_key(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	u8 wkid[EP11_WKID_LEN], want[EP11_WKID_LEN];
	struct ep11_card *card;

	card = rl_plug(test, 0, &rt->h[0], RL_ID, "WKID-STATUS-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_wkid(card, wkid), EP11_WKID_VALID);
	memset(want, 0x11, sizeof(want));
	KUNIT_EXPECT_EQ(test, memcmp(wkid, want, sizeof(want)), 0);

	/* Read a moment ago: status does not ask again. */
	hsm_set_wkid(&rt->h[0], 0x33);
	ep11_cards_refresh_caps(RL_ID, 0, HZ);
	KUNIT_ASSERT_EQ(test, rl_wkid(card, wkid), EP11_WKID_VALID);
	KUNIT_EXPECT_EQ_MSG(test, memcmp(wkid, want, sizeof(want)), 0,
			    "status read a WKID again that it read a moment ago");

	ep11_wkid_status_age = 0;
	ep11_cards_refresh_caps(RL_ID, 0, HZ);
	KUNIT_ASSERT_EQ(test, rl_wkid(card, wkid), EP11_WKID_VALID);
	memset(want, 0x33, sizeof(want));
	KUNIT_EXPECT_EQ_MSG(test, memcmp(wkid, want, sizeof(want)), 0,
			    "status did not read the changed WKID: %*phN",
			    EP11_WKID_LEN, wkid);

	/* A read that fails keeps what is known. */
	mutex_lock(&rt->h[0].lock);
	rt->h[0].wkid_fail = true;
	rt->h[0].wkid_key = 0x44;
	mutex_unlock(&rt->h[0].lock);
	ep11_cards_refresh_caps(RL_ID, 0, HZ);
	KUNIT_EXPECT_EQ_MSG(test, rl_wkid(card, wkid), EP11_WKID_VALID,
			    "a failed read again lost the known WKID");
	KUNIT_EXPECT_EQ(test, memcmp(wkid, want, sizeof(want)), 0);
}

/*
 * The card comes back but every Login fails (the card is full): the
 * requests that wait for the session share the outcome of a Login and
 * back off, rather than each trying in turn as soon as the other's
 * attempt ended; once the card has room, a request logs it in again.
 */
static void relogin_waiters_share_a_failing_login(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct rl_async *a;
	struct ep11_session *sess;
	struct ep11_card *card;
	unsigned int i, before, during;
	u32 rc;

	a = kunit_kcalloc(test, 3, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T19-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	rl_unplug(rt, 0);
	hsm_reset(&rt->h[0]);

	hsm_fail_logins(&rt->h[0], EP11_CKR_SESSION_COUNT, -1);
	card = rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T19-CARD", true);
	KUNIT_EXPECT_EQ(test, sa_state(sess), (u32)EP11SESS_STATE_AWAY);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(sess->apqns[0].refused));
	/* The login, and the card's work's relogin. */
	before = hsm_logins(&rt->h[0]);
	KUNIT_EXPECT_EQ(test, before, 2U);

	ep11_relogin_wait_ms = 1500;
	for (i = 0; i < 3; i++)
		rl_async_start(test, &a[i], sess);
	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&a[i].done,
								    10 * HZ));
		KUNIT_EXPECT_EQ(test, a[i].ret, -ENODEV);
	}
	during = hsm_logins(&rt->h[0]) - before;
	KUNIT_EXPECT_LE_MSG(test, during, 2U,
			    "3 requests waiting 1.5 s sent %u Logins to a card that fails them",
			    during);

	/* The card has room again: the next request logs it in. */
	hsm_fail_logins(&rt->h[0], 0, 0);
	ep11_relogin_wait_ms = 5000;
	KUNIT_EXPECT_EQ(test, rl_send(sess, &rc), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_OK);
	rl_expect_counts(test, &rt->h[0], card, 1, "after the relogin");
	ep11_drop_hold(sess, true, true);
	rl_expect_counts(test, &rt->h[0], card, 0, "after the logout");
}

/*
 * The card under the session's number comes back with another wrapping
 * key while a card with the session's key is registered already: the
 * session goes there, rather than being refused with only the new card
 * looked at.
 */
static void relogin_refusal_looks_at_registered_cards(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	struct ep11_card *other;
	u32 rc;

	other = rl_plug(test, 1, &rt->h[1], RL_OTHER_ID, "RELOGIN-T20-OTHR",
			true);
	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T20-OLD0", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	rl_unplug(rt, 0);

	rt->h[2].key = 0x22;
	rt->h[2].wkid_key = 0x22;
	rl_plug(test, 2, &rt->h[2], RL_ID, "RELOGIN-T20-NEW0", true);
	KUNIT_EXPECT_EQ(test, rt->h[2].logins, 0U);
	KUNIT_EXPECT_EQ_MSG(test, sa_state(sess), (u32)EP11SESS_STATE_LIVE,
			    "refused (%d) though card%02x has the session's key",
			    READ_ONCE(sess->apqns[0].refused), RL_OTHER_ID);
	KUNIT_EXPECT_PTR_EQ(test, sess->apqns[0].apqn,
			    ep11_apqn_find(other, RL_DOM));
	KUNIT_EXPECT_EQ(test, rl_send(sess, &rc), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_OK);
	KUNIT_EXPECT_EQ(test, rt->h[1].bound, 1U);
	rl_expect_counts(test, &rt->h[1], other, 1, "after the move");

	ep11_drop_hold(sess, true, true);
	rl_expect_counts(test, &rt->h[1], other, 0, "after the logout");
	rl_unplug(rt, 2);
	/* The old card did not reset: its session ends on its return. */
	rl_adopt(test, 0, &rt->h[0], RL_ID, "RELOGIN-T20-OLD0");
	KUNIT_EXPECT_EQ(test, hsm_live(&rt->h[0]), 0U);
}

/*
 * The card comes back and its Login fails with an error of the card's
 * (CKR_DEVICE_ERROR), then with a PIN it refuses: the first is not a
 * refusal (a request still waits and logs the session in), the second is.
 */
static void relogin_transient_error_is_no_refusal(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	struct ep11_card *card;
	u32 rc;

	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T21-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	rl_unplug(rt, 0);
	hsm_reset(&rt->h[0]);

	hsm_fail_logins(&rt->h[0], EP11_CKR_DEVICE_ERROR, 1);
	card = rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T21-CARD", true);
	KUNIT_EXPECT_EQ(test, rt->h[0].logins, 2U);
	KUNIT_EXPECT_EQ(test, rt->ev.error, -EREMOTEIO);
	KUNIT_EXPECT_EQ(test, sa_state(sess), (u32)EP11SESS_STATE_AWAY);
	KUNIT_EXPECT_FALSE_MSG(test, READ_ONCE(sess->apqns[0].refused),
			       "a device error refused the session for good");
	KUNIT_EXPECT_EQ(test, rl_send(sess, &rc), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_OK);
	rl_expect_counts(test, &rt->h[0], card, 1, "after the relogin");

	/* Offline and back, and now the card refuses the PIN. */
	KUNIT_ASSERT_EQ(test, ep11_apqn_set_online(card, RL_DOM, false), 0);
	hsm_fail_logins(&rt->h[0], EP11_CKR_PIN_INCORRECT, -1);
	KUNIT_ASSERT_EQ(test, ep11_apqn_set_online(card, RL_DOM, true), 0);
	flush_work(&card->info_work);
	flush_work(&card->relogin_work);
	KUNIT_EXPECT_EQ(test, rt->ev.error, -EACCES);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(sess->apqns[0].refused));
	KUNIT_EXPECT_EQ(test, rl_send(sess, &rc), -ENODEV);
	/* Another card's coming does not send that APQN the Login again. */
	rl_plug(test, 1, &rt->h[1], RL_OTHER_ID, "RELOGIN-T21-OTHR", true);
	KUNIT_EXPECT_EQ_MSG(test, rt->h[0].logins, 4U,
			    "the APQN that refused the PIN got %u Logins",
			    rt->h[0].logins);
	hsm_fail_logins(&rt->h[0], 0, 0);
	ep11_drop_hold(sess, true, true);
	rl_expect_counts(test, &rt->h[0], card, 0, "after the logout");
}

/*
 * The card under the session's number is back but its WKID is still being
 * read, and another card with the session's key is registered: a request
 * waits for the read, and the session is logged in on its own card, not
 * moved to the other.
 */
static void relogin_waits_for_the_wkid_under_its_number(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	struct ep11_card *card, *other;
	struct rl_async *a;

	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	other = rl_plug(test, 1, &rt->h[1], RL_OTHER_ID, "RELOGIN-T22-OTHR",
			true);
	rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T22-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	rl_unplug(rt, 0);
	hsm_reset(&rt->h[0]);

	/* It returns; its work stops in the card before the WKIDs. */
	hsm_gate(&rt->h[0], EP11_FN_GET_XCP_INFO, false);
	card = rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T22-CARD", false);
	KUNIT_ASSERT_TRUE(test,
			  wait_for_completion_timeout(&rt->h[0].gate_arrived,
						      5 * HZ));
	rl_async_start(test, a, sess);
	msleep(300);
	KUNIT_EXPECT_EQ_MSG(test, rt->h[1].logins, 0U,
			    "the session went to card%02x while its card's WKID was unread",
			    RL_OTHER_ID);
	KUNIT_EXPECT_FALSE(test, completion_done(&a->done));
	complete(&rt->h[0].gate_release);

	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&a->done,
							    10 * HZ));
	KUNIT_EXPECT_EQ(test, a->ret, 0);
	KUNIT_EXPECT_EQ(test, a->rc, (u32)EP11_CKR_OK);
	flush_work(&card->info_work);
	flush_work(&card->relogin_work);
	KUNIT_EXPECT_PTR_EQ(test, sess->apqns[0].apqn,
			    ep11_apqn_find(card, RL_DOM));
	KUNIT_EXPECT_EQ(test, rt->h[0].bound, 1U);
	rl_expect_counts(test, &rt->h[0], card, 1, "its own card");
	rl_expect_counts(test, &rt->h[1], other, 0, "the other card");
	ep11_drop_hold(sess, true, true);
	rl_expect_counts(test, &rt->h[0], card, 0, "after the logout");
}

/*
 * EP11SESS_SEND_NO_WAIT: a request whose session's card is away fails at
 * once instead of waiting for the relogin; a card that restarted unseen
 * gets the session logged in again by its work, after the answer.
 */
static void relogin_no_wait_fails_at_once(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	struct ep11_card *card;
	u32 rc, result;
	ktime_t t0;
	s64 ms;

	card = rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T23-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);

	hsm_reset(&rt->h[0]);
	KUNIT_EXPECT_EQ(test, rl_send_ex(sess, EP11SESS_SEND_NO_WAIT, &rc,
					 &result), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_SESSION_CLOSED);
	flush_work(&card->relogin_work);
	KUNIT_EXPECT_EQ(test, sa_state(sess), (u32)EP11SESS_STATE_LIVE);
	rl_expect_counts(test, &rt->h[0], card, 1, "logged in again");
	KUNIT_EXPECT_EQ(test, rl_send(sess, &rc), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_OK);

	KUNIT_ASSERT_EQ(test, ep11_apqn_set_online(card, RL_DOM, false), 0);
	t0 = ktime_get();
	KUNIT_EXPECT_EQ(test, rl_send_ex(sess, EP11SESS_SEND_NO_WAIT, &rc,
					 &result), -ENODEV);
	ms = ktime_ms_delta(ktime_get(), t0);
	KUNIT_EXPECT_LT_MSG(test, ms, 500LL,
			    "a request that does not wait took %lld ms", ms);
	KUNIT_ASSERT_EQ(test, ep11_apqn_set_online(card, RL_DOM, true), 0);
	flush_work(&card->info_work);
	flush_work(&card->relogin_work);
	KUNIT_EXPECT_EQ(test, rl_send(sess, &rc), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_OK);
	ep11_drop_hold(sess, true, true);
	rl_expect_counts(test, &rt->h[0], card, 0, "after the logout");
}

/*
 * A card that knows the session answers CKR_SESSION_CLOSED (a key blob
 * bound to another session): the kernel logs the session in again once,
 * says so, and not again for the next such answer, which then says the
 * session was not logged in again (libcryptoki does not send it again).
 */
static void relogin_closed_by_a_stale_blob(struct kunit *test)
{
	struct rl_test *rt = test->priv;
	struct ep11_session *sess;
	struct ep11_card *card;
	u32 rc, result;

	card = rl_plug(test, 0, &rt->h[0], RL_ID, "RELOGIN-T24-CARD", true);
	KUNIT_ASSERT_EQ(test, rl_login(&sess, RL_ID, NULL), 0);
	KUNIT_EXPECT_EQ(test, rt->h[0].logins, 1U);
	mutex_lock(&rt->h[0].lock);
	rt->h[0].stale = 3;
	mutex_unlock(&rt->h[0].lock);

	KUNIT_EXPECT_EQ(test, rl_send_ex(sess, 0, &rc, &result), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_SESSION_CLOSED);
	KUNIT_EXPECT_EQ(test, result, (u32)EP11SESS_SEND_RELOGGED_IN);
	KUNIT_EXPECT_EQ(test, rt->h[0].logins, 2U);
	KUNIT_EXPECT_EQ(test, rl_send_ex(sess, 0, &rc, &result), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_SESSION_CLOSED);
	KUNIT_EXPECT_EQ(test, result, 0U);
	KUNIT_EXPECT_EQ(test, rl_send_ex(sess, 0, &rc, &result), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_SESSION_CLOSED);
	KUNIT_EXPECT_EQ(test, result, 0U);
	KUNIT_EXPECT_EQ_MSG(test, rt->h[0].logins, 2U,
			    "%u Logins for 3 answers CKR_SESSION_CLOSED of a card that knows the session",
			    rt->h[0].logins);
	KUNIT_EXPECT_EQ(test, sa_state(sess), (u32)EP11SESS_STATE_LIVE);
	KUNIT_EXPECT_EQ(test, rl_send(sess, &rc), 0);
	KUNIT_EXPECT_EQ(test, rc, (u32)EP11_CKR_OK);
	rl_expect_counts(test, &rt->h[0], card, 1, "the session is the one");
	ep11_drop_hold(sess, true, true);
	rl_expect_counts(test, &rt->h[0], card, 0, "after the logout");
}

static struct kunit_case ep11_relogin_test_cases[] = {
	KUNIT_CASE(relogin_same_card_after_reset),
	KUNIT_CASE(relogin_on_replacement_with_same_key),
	KUNIT_CASE(relogin_refuses_another_wrapping_key),
	KUNIT_CASE(relogin_pinblob_mismatch_is_logged_out),
	KUNIT_CASE(relogin_request_waits_for_the_relogin),
	KUNIT_CASE(relogin_request_gives_up_after_the_wait),
	KUNIT_CASE(relogin_apqn_online_again),
	KUNIT_CASE(relogin_holder_leaves_during_relogin),
	KUNIT_CASE(relogin_holder_leaves_during_move),
	KUNIT_CASE(relogin_holder_leaves_before_the_relogin),
	KUNIT_CASE(relogin_card_goes_again_during_relogin),
	KUNIT_CASE(relogin_card_restarted_unseen),
	KUNIT_CASE(send_reply_buffer_kept_wiped),
	KUNIT_CASE(relogin_returning_card_keeps_a_live_session),
	KUNIT_CASE(relogin_returning_card_other_key_same_id),
	KUNIT_CASE(relogin_login_races_the_removal),
	KUNIT_CASE(relogin_request_bounded_by_a_slow_relogin),
	KUNIT_CASE(orphan_adoption_waits_for_the_wkid),
	KUNIT_CASE(orphan_another_wkid_is_not_adopted_and_expires),
	KUNIT_CASE(orphan_adopted_when_its_key_returns_online),
	KUNIT_CASE(wkid_status_reads_a_changed_key),
	KUNIT_CASE(orphan_adopted_when_its_wkid_returns),
	KUNIT_CASE(relogin_waiters_share_a_failing_login),
	KUNIT_CASE(relogin_refusal_looks_at_registered_cards),
	KUNIT_CASE(relogin_transient_error_is_no_refusal),
	KUNIT_CASE(relogin_waits_for_the_wkid_under_its_number),
	KUNIT_CASE(relogin_no_wait_fails_at_once),
	KUNIT_CASE(relogin_closed_by_a_stale_blob),
	{}
};

static struct kunit_suite ep11_relogin_test_suite = {
	.name = "ep11sess-relogin",
	.init = rl_init,
	.exit = rl_exit,
	.test_cases = ep11_relogin_test_cases,
};

kunit_test_suite(ep11_relogin_test_suite);
