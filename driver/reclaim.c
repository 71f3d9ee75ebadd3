// SPDX-License-Identifier: GPL-2.0
/*
 * Reclaim: a session without holders is logged out on each APQN by work
 * items, one per APQN, all at once (never in the context of a dying task,
 * whose fatal signal would cut the provider's wait short), while the
 * releasing task waits for them with a bound.  Such a round of work items
 * is a pass; the last item to finish ends it.  What fails stays as a
 * pending logout; the session stays in ep11_pending, and one delayed work
 * starts new passes with a doubling backoff, and at once when an APQN
 * comes online.  A card's removal waits for its own APQNs' work items only
 * and hands its pending logouts to the orphan store (orphan.c), which
 * keeps them for the card's return.
 *
 * Locking: ep11_pending_lock protects the list, every dying session's
 * @reclaim_left, @retrying, @next_try and @backoff_ms.  While an entry's
 * work item runs, it alone writes the entry's state.
 *
 * The same machinery recovers logins whose answer was not seen (a fatal
 * signal, a time-out): such APQNs carry %EP11_SA_RECOVER and the PIN and
 * nonce; the worker logs in again, which returns the same pin blob without
 * spending a slot, and logs that session out.
 *
 * A Login the caller abandoned (a fatal signal, a time-out) may have been
 * read by the card and still run there, side by side with later requests:
 * recovering it at once could log in and out before it runs, and it would
 * then leave its session behind.  A recovery record therefore starts its
 * first attempt only after the request time-out, when the card has
 * answered the abandoned Login or never will; APQNs coming online do not
 * hurry it.  A recovery Login that is abandoned in turn (an APQN taken
 * offline after the card read it, a time-out) holds the next attempt off
 * in the same way.
 *
 * Every Logout round trip holds its session id's lock for reading
 * (session.c) and is
 * sent only when no live session holds that id on that APQN; when one
 * does, the live session takes the card session over.  A queued work item
 * holds a reference on its session, so the last item of a pass may still
 * touch it after another pass ended it.  A logout the card refuses for
 * good (a refusal other than a busy or failing device) is not retried: it
 * ends as lost and counts as an error.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "card.h"
#include "event.h"
#include "orphan.h"
#include "reclaim.h"
#include "session.h"
#include "xfer.h"

#define EP11_RETRY_FIRST_MS	100
/* A logout waiting for a live session's relogin looks again this often. */
#define EP11_AWAIT_RETRY_MS	1000

unsigned int ep11_release_timeout_ms = 5000;
module_param_named(release_timeout_ms, ep11_release_timeout_ms, uint, 0644);
MODULE_PARM_DESC(release_timeout_ms,
		 "how long close() waits for its logouts (ms)");

static unsigned int ep11_retry_max_ms = 30000;
module_param_named(retry_max_ms, ep11_retry_max_ms, uint, 0644);
MODULE_PARM_DESC(retry_max_ms, "longest backoff of a pending logout (ms)");

static struct workqueue_struct *ep11_reclaim_wq;
static DEFINE_SPINLOCK(ep11_pending_lock);
/* Dying sessions, from ep11_reclaim_start() until logged out everywhere. */
static LIST_HEAD(ep11_pending);			/* ep11_pending_lock */
static bool ep11_kicked;			/* ep11_pending_lock */
static bool ep11_stopping;			/* ep11_pending_lock */
static unsigned long ep11_retry_at;		/* ep11_pending_lock */
static void ep11_reclaim_retry(struct work_struct *work);
static DECLARE_DELAYED_WORK(ep11_retry_work, ep11_reclaim_retry);
#if IS_ENABLED(CONFIG_EP11SESS_KUNIT_TEST)
/* Called by the last work item of a pass before it completes the pass. */
void (*ep11_reclaim_pass_end_hook)(struct ep11_session *sess);
#endif

/* Woken at the end of every pass. */
static DECLARE_WAIT_QUEUE_HEAD(ep11_pass_wq);

static void ep11_reclaim_event(struct ep11_session *sess,
			       struct ep11_apqn *apqn,
			       enum ep11_event_type type, u64 latency_us)
{
	struct ep11_event ev = {
		.card = apqn->card->id,
		.domain = apqn->domain,
		.owner_tgid = pid_nr(sess->owner),
		.latency_us = latency_us,
	};

	ep11_session_public_id(sess, ev.public_id);
	memcpy(ev.comm, sess->comm, sizeof(ev.comm));
	ep11_event_emit(type, &ev);
}

static bool ep11_card_is_dead(struct ep11_card *card)
{
	bool dead;

	spin_lock(&card->lock);
	dead = card->dead;
	spin_unlock(&card->lock);
	return dead;
}

/* A recovery Login may still run in the card: no attempt before it has. */
static void ep11_reclaim_hold_off(struct ep11_session *sess)
{
	spin_lock(&ep11_pending_lock);
	sess->not_before = jiffies + ep11_xfer_default_timeout();
	sess->hold_off = true;
	spin_unlock(&ep11_pending_lock);
}

/* A login whose answer was not seen: log in again to learn the blob. */
static void ep11_reclaim_recover(struct ep11_session *sess,
				 struct ep11_sess_apqn *sa)
{
	struct rw_semaphore *id_lock; /* the id's lock, see session.c */
	enum ep11_live_on live;
	u32 rc;
	int ret;

	ret = ep11_xfer_login(sa->apqn, sess->pin, sess->pin_len, sess->nonce,
			      sess->nonce_len, sa->pinblob, &rc,
			      ep11_xfer_default_timeout());
	if (ret == -EACCES || ret == -ENOSPC || ret == -EREMOTEIO) {
		/* The card answered: no session of ours was left there. */
		WRITE_ONCE(sa->state, EP11SESS_STATE_DONE);
		return;
	}
	if (ret) {
		if (ep11_xfer_maybe_ran(ret))
			ep11_reclaim_hold_off(sess);
		return;
	}
	mutex_lock(&ep11_sess_lock);
	if (!memchr_inv(sess->id, 0, EP11_SESSION_ID_LEN))
		memcpy(sess->id, sa->pinblob, EP11_SESSION_ID_LEN);
	mutex_unlock(&ep11_sess_lock);
	id_lock = ep11_session_id_lock(sa->pinblob);
	down_read(id_lock);
	live = ep11_session_live_on(sa->pinblob, sa->apqn);
	up_read(id_lock);
	if (live == EP11_LIVE_ON) {
		/* A live shared session owns it: the login only joined. */
		WRITE_ONCE(sa->state, EP11SESS_STATE_DONE);
		return;
	}
	/*
	 * Ours, or the Login found the card session of a live session that
	 * waits for its relogin here: owed until that relogin publishes.
	 */
	ep11_apqn_slot_taken(sa->apqn, sess->owner_uid);
	ep11_apqn_set_pending(sa->apqn);
	WRITE_ONCE(sa->state, EP11SESS_STATE_PENDING);
}

/* Whether the card's refusal of a Logout may change on a later try. */
static bool ep11_reclaim_refused_for_good(int ret, u32 rc)
{
	if (ret != -EREMOTEIO)
		return false;
	switch (rc) {
	case EP11_CKR_HOST_MEMORY:
	case EP11_CKR_GENERAL_ERROR:
	case EP11_CKR_DEVICE_ERROR:
	case EP11_CKR_IBM_INTERNAL_ERROR:
	case EP11_CKR_IBM_TRANSPORT_ERROR:
	case EP11_CKR_IBM_REQ_TIMEOUT:
		return false;
	default:
		return true;
	}
}

/*
 * The Logout round trip, under the id's lock: sent only when no live
 * session holds the same pin blob on the APQN or waits to be logged in
 * again there with it.  Returns 1 when a live session took the card
 * session over, 2 when one waits for its relogin there (the logout stays
 * pending until it publishes, or is refused, or the session ends), else 0
 * or the round trip's error.
 */
static int ep11_reclaim_logout(struct ep11_sess_apqn *sa, u32 *rc)
{
	struct rw_semaphore *id_lock = ep11_session_id_lock(sa->pinblob);
	int ret;

	down_read(id_lock);
	switch (ep11_session_live_on(sa->pinblob, sa->apqn)) {
	case EP11_LIVE_ON:
		ret = 1;
		break;
	case EP11_LIVE_AWAITED:
		ret = 2;
		break;
	default:
		ret = ep11_xfer_logout(sa->apqn, sa->pinblob, rc,
				       ep11_xfer_default_timeout());
		ep11_apqn_logout_sent(sa->apqn);
		break;
	}
	up_read(id_lock);
	return ret;
}

/*
 * One logout attempt on one APQN of @sess, by the APQN's work item, which
 * owns the entry's state while it runs.  Returns true when the APQN is
 * left pending.
 */
static bool ep11_reclaim_one(struct ep11_session *sess,
			     struct ep11_sess_apqn *sa)
{
	struct ep11_apqn *apqn = sa->apqn;
	bool was_pending;
	u64 lat;
	u32 rc;
	int ret;

	if (sa->state == EP11_SA_RECOVER) {
		if (ep11_card_is_dead(apqn->card)) {
			WRITE_ONCE(sa->state, !sess->force &&
				   !ep11_orphan_keep(sess, sa) ?
				   EP11_SA_ORPHANED : EP11SESS_STATE_LOST);
			return false;
		}
		ep11_reclaim_recover(sess, sa);
		if (sa->state == EP11_SA_RECOVER && READ_ONCE(sess->force)) {
			/* Forced: what may be on the card is forgotten. */
			WRITE_ONCE(sa->state, EP11SESS_STATE_LOST);
			ep11_reclaim_event(sess, apqn, EP11_EV_LOST, 0);
			return false;
		}
		if (sa->state == EP11_SA_RECOVER)
			return true;
	}
	/* An entry waiting for its card holds its slot like a live one. */
	if (sa->state != EP11SESS_STATE_LIVE &&
	    sa->state != EP11SESS_STATE_AWAY &&
	    sa->state != EP11SESS_STATE_PENDING)
		return false;
	was_pending = sa->state == EP11SESS_STATE_PENDING;
	if (ep11_card_is_dead(apqn->card) && !READ_ONCE(sess->force) &&
	    !ep11_orphan_keep(sess, sa)) {
		WRITE_ONCE(sa->state, EP11_SA_ORPHANED);
		ep11_apqn_slot_released(apqn, sess->owner_uid, was_pending);
		return false;
	}
	if (ep11_card_is_dead(apqn->card)) {
		WRITE_ONCE(sa->state, EP11SESS_STATE_LOST);
		if (was_pending)
			pr_info("%02x.%04x: card removed, pending logout of session %*phN lost\n",
				apqn->card->id, apqn->domain,
				EP11_PUBLIC_ID_LEN, sess->id);
		ep11_apqn_slot_lost(apqn, sess->owner_uid, was_pending);
		ep11_reclaim_event(sess, apqn, EP11_EV_LOST, 0);
		return false;
	}
	WRITE_ONCE(sa->state, EP11SESS_STATE_LOGGING_OUT);
	rc = 0;
	ret = ep11_reclaim_logout(sa, &rc);
	if (ret == 2 && !READ_ONCE(sess->force)) {
		/* Neither ended nor handed over before the relogin is. */
		WRITE_ONCE(sa->state, EP11SESS_STATE_PENDING);
		WRITE_ONCE(sess->awaiting, true);
		if (!was_pending)
			ep11_apqn_set_pending(apqn);
		return true;
	}
	if (ret >= 1) {
		WRITE_ONCE(sa->state, EP11_SA_TAKEN);
		ep11_apqn_slot_released(apqn, sess->owner_uid, was_pending);
		return false;
	}
	if (!ret) {
		lat = ktime_us_delta(ktime_get(), sess->dying_since);
		WRITE_ONCE(sa->state, EP11SESS_STATE_DONE);
		ep11_apqn_slot_freed(apqn, sess->owner_uid, was_pending,
				     sess->reclaim, lat);
		ep11_reclaim_event(sess, apqn, sess->reclaim ?
				   EP11_EV_RECLAIMED : EP11_EV_LOGOUT, lat);
		return false;
	}
	if (READ_ONCE(sess->force) || ep11_reclaim_refused_for_good(ret, rc)) {
		if (!sess->force) {
			ep11_apqn_count_error(apqn);
			pr_warn("%02x.%04x: the card refuses to log session %*phN out (rc 0x%x); given up\n",
				apqn->card->id, apqn->domain,
				EP11_PUBLIC_ID_LEN, sess->id, rc);
		}
		WRITE_ONCE(sa->state, EP11SESS_STATE_LOST);
		ep11_apqn_slot_lost(apqn, sess->owner_uid, was_pending);
		ep11_reclaim_event(sess, apqn, EP11_EV_LOST, 0);
		return false;
	}
	WRITE_ONCE(sa->state, EP11SESS_STATE_PENDING);
	if (!was_pending) {
		ep11_apqn_set_pending(apqn);
		pr_info("%02x.%04x: logout failed (%d, rc 0x%x), kept pending\n",
			apqn->card->id, apqn->domain, ret, rc);
	}
	return true;
}

static bool ep11_sa_needs_work(struct ep11_sess_apqn *sa)
{
	u32 state = READ_ONCE(sa->state);

	return state == EP11SESS_STATE_LIVE || state == EP11SESS_STATE_AWAY ||
	       state == EP11SESS_STATE_PENDING || state == EP11_SA_RECOVER;
}

/* Queue the work of entry @i of @sess; it joins the session's pass. */
static void ep11_reclaim_queue_locked(struct ep11_session *sess,
				      unsigned int i)
{
	struct ep11_sess_apqn *sa = &sess->apqns[i];

	lockdep_assert_held(&ep11_pending_lock);
	if (!queue_work(ep11_reclaim_wq, &sa->work))
		return;
	/* Dropped by the work item, after its last touch of @sess. */
	ep11_session_get(sess);
	sess->reclaim_left++;
	if (i < sess->napqns)
		atomic_inc(&sa->apqn->card->reclaiming);
}

/*
 * A pass: one work item per APQN that still needs a logout, all at once,
 * so a session's latency is that of its slowest APQN, not their sum.  The
 * first entry's work always runs, so that a pass always ends.
 */
static void ep11_reclaim_pass_locked(struct ep11_session *sess)
{
	unsigned int i;

	lockdep_assert_held(&ep11_pending_lock);
	ep11_reclaim_queue_locked(sess, 0);
	for (i = 1; i < sess->napqns; i++)
		if (ep11_sa_needs_work(&sess->apqns[i]))
			ep11_reclaim_queue_locked(sess, i);
}

/* Run the retry work after @delay, never later than it was due already. */
static void ep11_reclaim_schedule_locked(unsigned long delay)
{
	unsigned long at;

	lockdep_assert_held(&ep11_pending_lock);
	if (ep11_stopping)
		return;
	if (ep11_kicked)
		delay = 0;
	at = jiffies + delay;
	if (delayed_work_pending(&ep11_retry_work) &&
	    !time_before(at, ep11_retry_at))
		return;
	ep11_retry_at = at;
	mod_delayed_work(ep11_reclaim_wq, &ep11_retry_work, delay);
}

/* The last work item of a pass: keep the session pending or end it. */
static void ep11_reclaim_pass_done(struct ep11_session *sess)
{
	unsigned int i, left = 0;
	unsigned long now;

	lockdep_assert_held(&ep11_pending_lock);
	for (i = 0; i < sess->napqns; i++) {
		u32 state = READ_ONCE(sess->apqns[i].state);

		left += state == EP11SESS_STATE_PENDING ||
			state == EP11_SA_RECOVER;
	}
	if (!left) {
		list_del_init(&sess->pending_node);
		return;
	}
	now = jiffies;
	if (READ_ONCE(sess->awaiting)) {
		/*
		 * A relogin is awaited: kicked when it publishes or is
		 * refused, looked at again now and then, with no backoff.
		 */
		WRITE_ONCE(sess->awaiting, false);
		sess->next_try = now + msecs_to_jiffies(EP11_AWAIT_RETRY_MS);
	} else {
		if (sess->retrying)
			sess->backoff_ms = min(sess->backoff_ms * 2,
					       max(ep11_retry_max_ms, 1U));
		else
			sess->backoff_ms = EP11_RETRY_FIRST_MS;
		sess->retrying = true;
		sess->next_try = now + msecs_to_jiffies(sess->backoff_ms);
	}
	if (sess->hold_off && time_before(sess->next_try, sess->not_before))
		sess->next_try = sess->not_before;
	ep11_reclaim_schedule_locked(sess->next_try - now);
}

static void ep11_reclaim_fn(struct work_struct *work)
{
	struct ep11_sess_apqn *sa = container_of(work, struct ep11_sess_apqn,
						 work);
	struct ep11_session *sess = sa->sess;
	unsigned int i = sa - sess->apqns;
	bool ended;

	if (i < sess->napqns) {
		struct ep11_card *card = sa->apqn->card;

		ep11_reclaim_one(sess, sa);
		/* The session's card reference keeps @card. */
		if (atomic_dec_and_test(&card->reclaiming))
			wake_up_all(&card->reclaim_wq);
	}

	spin_lock(&ep11_pending_lock);
	if (--sess->reclaim_left) {
		spin_unlock(&ep11_pending_lock);
		ep11_session_put(sess);
		return;
	}
	ep11_reclaim_pass_done(sess);
	ended = list_empty(&sess->pending_node);
	spin_unlock(&ep11_pending_lock);

	if (ended)
		ep11_session_unlink(sess);
#if IS_ENABLED(CONFIG_EP11SESS_KUNIT_TEST)
	if (READ_ONCE(ep11_reclaim_pass_end_hook))
		ep11_reclaim_pass_end_hook(sess);
#endif
	complete_all(&sess->reclaimed);
	wake_up_all(&ep11_pass_wq);
	if (ended)
		ep11_session_put(sess);
	/* This work item's own reference. */
	ep11_session_put(sess);
}

/**
 * ep11_reclaim_start() - log a session out on every APQN, asynchronously
 * @sess:    a linked session that has just become dying (called once)
 * @reclaim: its last holder went away without logging out: the logouts
 *           count as reclaimed
 *
 * Each APQN is logged out by its own work item, all at once.
 *
 * Context: process context; no locks held.
 */
void ep11_reclaim_start(struct ep11_session *sess, bool reclaim)
{
	unsigned int i;

	sess->reclaim = reclaim;
	for (i = 0; i < sess->napqns; i++) {
		sess->apqns[i].sess = sess;
		INIT_WORK(&sess->apqns[i].work, ep11_reclaim_fn);
	}
	ep11_session_get(sess);
	spin_lock(&ep11_pending_lock);
	list_add_tail(&sess->pending_node, &ep11_pending);
	ep11_reclaim_pass_locked(sess);
	spin_unlock(&ep11_pending_lock);
}

/**
 * ep11_reclaim_start_after() - recover a login whose answer was not seen
 * @sess:  a linked recovery record that has just become dying
 * @delay: jiffies before its first attempt: the request time-out, after
 *         which the abandoned Login has run or never will
 *
 * Context: process context; no locks held.
 */
void ep11_reclaim_start_after(struct ep11_session *sess, unsigned long delay)
{
	unsigned int i;

	sess->reclaim = false;
	for (i = 0; i < sess->napqns; i++) {
		sess->apqns[i].sess = sess;
		INIT_WORK(&sess->apqns[i].work, ep11_reclaim_fn);
	}
	ep11_session_get(sess);
	spin_lock(&ep11_pending_lock);
	sess->not_before = jiffies + delay;
	sess->hold_off = true;
	sess->next_try = sess->not_before;
	list_add_tail(&sess->pending_node, &ep11_pending);
	ep11_reclaim_schedule_locked(delay);
	spin_unlock(&ep11_pending_lock);
}

/**
 * ep11_reclaim_wait() - wait for a session's first logout attempt
 * @sess:     a session passed to ep11_reclaim_start()
 * @deadline: jiffies after which the wait gives up
 *
 * Context: process context, sleeps uninterruptibly up to @deadline (the
 * caller may be a task that is being killed).
 * Return: true when every APQN was attempted.
 */
bool ep11_reclaim_wait(struct ep11_session *sess, unsigned long deadline)
{
	long left = (long)(deadline - jiffies);

	if (completion_done(&sess->reclaimed))
		return true;
	if (left <= 0)
		return false;
	return wait_for_completion_timeout(&sess->reclaimed, left);
}

/**
 * ep11_reclaim_force() - give a dying session's pending logouts one last try
 * @sess:     a session passed to ep11_reclaim_start()
 * @deadline: jiffies after which the wait gives up
 *
 * The session's APQNs that still fail are forgotten (counted as lost)
 * instead of staying pending.  Waits for that attempt, up to @deadline.
 *
 * Context: process context, sleeps; no locks held.
 * Return: true when the session is no longer pending.
 */
bool ep11_reclaim_force(struct ep11_session *sess, unsigned long deadline)
{
	long left;

	spin_lock(&ep11_pending_lock);
	WRITE_ONCE(sess->force, true);
	if (!list_empty(&sess->pending_node) && !sess->reclaim_left)
		ep11_reclaim_pass_locked(sess);
	spin_unlock(&ep11_pending_lock);
	left = (long)(deadline - jiffies);
	if (left <= 0)
		left = 1;
	return wait_event_timeout(ep11_pass_wq, !ep11_reclaim_busy(sess),
				  left);
}

/**
 * ep11_reclaim_busy() - whether a session still has logouts to do
 * @sess: a session passed to ep11_reclaim_start()
 *
 * Context: any context; takes the pending-list spinlock.
 * Return: true while it is pending or a pass runs.
 */
bool ep11_reclaim_busy(struct ep11_session *sess)
{
	bool busy;

	spin_lock(&ep11_pending_lock);
	busy = !list_empty(&sess->pending_node) || sess->reclaim_left;
	spin_unlock(&ep11_pending_lock);
	return busy;
}

/**
 * ep11_reclaim_kick() - retry every pending logout now
 *
 * Context: any context; takes the pending-list spinlock.
 */
void ep11_reclaim_kick(void)
{
	spin_lock(&ep11_pending_lock);
	ep11_kicked = true;
	ep11_reclaim_schedule_locked(0);
	spin_unlock(&ep11_pending_lock);
}

/*
 * Start a pass for every idle session whose retry is due.  Never talks to
 * a card itself, so one slow APQN does not hold the others' retries up.
 */
static void ep11_reclaim_retry(struct work_struct *work)
{
	struct ep11_session *sess;
	unsigned long next = 0;
	bool kicked, have_next = false;

	spin_lock(&ep11_pending_lock);
	kicked = ep11_kicked;
	ep11_kicked = false;
	list_for_each_entry(sess, &ep11_pending, pending_node) {
		if (sess->reclaim_left)
			continue;
		if (sess->hold_off && time_before(jiffies, sess->not_before)) {
			/* A recovery waits for its abandoned Login. */
		} else if (kicked || !time_before(jiffies, sess->next_try)) {
			ep11_reclaim_pass_locked(sess);
			continue;
		}
		if (!have_next || time_before(sess->next_try, next))
			next = sess->next_try;
		have_next = true;
	}
	if (have_next)
		ep11_reclaim_schedule_locked(time_after_eq(jiffies, next) ?
					     0 : next - jiffies);
	spin_unlock(&ep11_pending_lock);
}

static bool ep11_card_reclaim_idle(struct ep11_card *card)
{
	return !atomic_read(&card->reclaiming);
}

/**
 * ep11_reclaim_card_removed() - end the pending logouts of a removed card
 * @card: a card marked dead whose ops are gone
 *
 * Waits only for the work items of @card's APQNs: those in flight end on
 * the dead card at once; then every pending logout of @card gets a work
 * item of its own, which keeps it for the card's return (orphan.c) or,
 * when it cannot, counts it as lost.  Other cards' logouts, however
 * slow, are not waited for.
 *
 * Context: process context, may sleep.
 */
void ep11_reclaim_card_removed(struct ep11_card *card)
{
	struct ep11_session *sess;
	unsigned int i;

	wait_event(card->reclaim_wq, ep11_card_reclaim_idle(card));
	spin_lock(&ep11_pending_lock);
	list_for_each_entry(sess, &ep11_pending, pending_node) {
		for (i = 0; i < sess->napqns; i++) {
			struct ep11_sess_apqn *sa = &sess->apqns[i];
			u32 state = READ_ONCE(sa->state);

			if (sa->apqn->card == card &&
			    (state == EP11SESS_STATE_PENDING ||
			     state == EP11_SA_RECOVER))
				ep11_reclaim_queue_locked(sess, i);
		}
	}
	spin_unlock(&ep11_pending_lock);
	wait_event(card->reclaim_wq, ep11_card_reclaim_idle(card));
}

/**
 * ep11_reclaim_init() - start the reclaim workqueue
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int ep11_reclaim_init(void)
{
	ep11_reclaim_wq = alloc_workqueue("ep11sess_reclaim",
					  WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	return ep11_reclaim_wq ? 0 : -ENOMEM;
}

/**
 * ep11_reclaim_uninit() - last attempt on every pending logout, then stop
 *
 * Providers depend on this module, so their cards are gone: what is still
 * pending ends as lost.
 *
 * Context: module exit.
 */
void ep11_reclaim_uninit(void)
{
	struct ep11_session *sess, *next;
	LIST_HEAD(left);

	flush_workqueue(ep11_reclaim_wq);
	ep11_reclaim_kick();
	flush_delayed_work(&ep11_retry_work);
	flush_workqueue(ep11_reclaim_wq);
	spin_lock(&ep11_pending_lock);
	ep11_stopping = true;
	list_splice_init(&ep11_pending, &left);
	spin_unlock(&ep11_pending_lock);
	cancel_delayed_work_sync(&ep11_retry_work);
	list_for_each_entry_safe(sess, next, &left, pending_node) {
		pr_warn("session %*phN: pending logout dropped at unload\n",
			EP11_PUBLIC_ID_LEN, sess->id);
		list_del_init(&sess->pending_node);
		ep11_session_unlink(sess);
		ep11_session_put(sess);
	}
	destroy_workqueue(ep11_reclaim_wq);
}
