// SPDX-License-Identifier: GPL-2.0
/*
 * Reclaim: a session without holders is logged out on each APQN by a work
 * item (never in the context of a dying task, whose fatal signal would cut
 * the provider's wait short), while the releasing task waits for it with a
 * bound.  What fails stays as a pending logout in ep11_pending, retried
 * with a doubling backoff by one delayed work, and at once when an APQN
 * comes online.  A card's removal ends its pending logouts as lost.
 *
 * The same machinery recovers logins whose answer was not seen (a fatal
 * signal, a time-out): such APQNs carry %EP11_SA_RECOVER and the PIN and
 * nonce; the worker logs in again, which returns the same pin blob without
 * spending a slot, and logs that session out.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "card.h"
#include "event.h"
#include "reclaim.h"
#include "session.h"
#include "xfer.h"

#define EP11_RETRY_FIRST_MS	100

unsigned int ep11_release_timeout_ms = 5000;
module_param_named(release_timeout_ms, ep11_release_timeout_ms, uint, 0644);
MODULE_PARM_DESC(release_timeout_ms,
		 "how long close() waits for its logouts (ms)");

static unsigned int ep11_retry_max_ms = 30000;
module_param_named(retry_max_ms, ep11_retry_max_ms, uint, 0644);
MODULE_PARM_DESC(retry_max_ms, "longest backoff of a pending logout (ms)");

static struct workqueue_struct *ep11_reclaim_wq;
static DEFINE_SPINLOCK(ep11_pending_lock);
static LIST_HEAD(ep11_pending);			/* ep11_pending_lock */
static bool ep11_kicked;			/* ep11_pending_lock */
static bool ep11_stopping;			/* ep11_pending_lock */
static void ep11_reclaim_retry(struct work_struct *work);
static DECLARE_DELAYED_WORK(ep11_retry_work, ep11_reclaim_retry);

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

/* A login whose answer was not seen: log in again to learn the blob. */
static void ep11_reclaim_recover(struct ep11_session *sess,
				 struct ep11_sess_apqn *sa)
{
	struct ep11_session *live;
	bool dying;
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
	if (ret)
		return;
	live = ep11_session_lookup_shared(sa->pinblob, &dying);
	if (live && !dying && ep11_session_find_apqn(live, sa->apqn)) {
		/* A live shared session owns it: the login only joined. */
		ep11_session_put(live);
		WRITE_ONCE(sa->state, EP11SESS_STATE_DONE);
		return;
	}
	ep11_session_put(live);
	ep11_apqn_slot_taken(sa->apqn);
	ep11_apqn_set_pending(sa->apqn);
	WRITE_ONCE(sa->state, EP11SESS_STATE_PENDING);
}

/*
 * One logout attempt on every APQN of @sess that still needs one.
 * Returns the number of APQNs left pending.
 */
static unsigned int ep11_reclaim_attempt(struct ep11_session *sess)
{
	bool reclaim = sess->reclaim;
	unsigned int i, left = 0;

	lockdep_assert_held(&sess->lock);
	for (i = 0; i < sess->napqns; i++) {
		struct ep11_sess_apqn *sa = &sess->apqns[i];
		struct ep11_apqn *apqn = sa->apqn;
		bool was_pending;
		u64 lat;
		u32 rc;
		int ret;

		if (sa->state == EP11_SA_RECOVER) {
			if (ep11_card_is_dead(apqn->card)) {
				WRITE_ONCE(sa->state, EP11SESS_STATE_LOST);
				continue;
			}
			ep11_reclaim_recover(sess, sa);
			if (sa->state == EP11_SA_RECOVER) {
				left++;
				continue;
			}
		}
		if (sa->state != EP11SESS_STATE_LIVE &&
		    sa->state != EP11SESS_STATE_PENDING)
			continue;
		was_pending = sa->state == EP11SESS_STATE_PENDING;
		if (ep11_card_is_dead(apqn->card)) {
			WRITE_ONCE(sa->state, EP11SESS_STATE_LOST);
			if (was_pending)
				pr_info("%02x.%04x: card removed, pending logout of session %*phN lost\n",
					apqn->card->id, apqn->domain,
					EP11_PUBLIC_ID_LEN, sess->id);
			ep11_apqn_slot_lost(apqn, was_pending);
			ep11_reclaim_event(sess, apqn, EP11_EV_LOST, 0);
			continue;
		}
		WRITE_ONCE(sa->state, EP11SESS_STATE_LOGGING_OUT);
		ret = ep11_xfer_logout(apqn, sa->pinblob, &rc,
				       ep11_xfer_default_timeout());
		if (!ret) {
			lat = ktime_us_delta(ktime_get(), sess->dying_since);
			WRITE_ONCE(sa->state, EP11SESS_STATE_DONE);
			ep11_apqn_slot_freed(apqn, was_pending, reclaim, lat);
			ep11_reclaim_event(sess, apqn, reclaim ?
					   EP11_EV_RECLAIMED : EP11_EV_LOGOUT,
					   lat);
			continue;
		}
		if (sess->force) {
			WRITE_ONCE(sa->state, EP11SESS_STATE_LOST);
			ep11_apqn_slot_lost(apqn, was_pending);
			ep11_reclaim_event(sess, apqn, EP11_EV_LOST, 0);
			continue;
		}
		WRITE_ONCE(sa->state, EP11SESS_STATE_PENDING);
		if (!was_pending) {
			ep11_apqn_set_pending(apqn);
			pr_info("%02x.%04x: logout failed (%d, rc 0x%x), kept pending\n",
				apqn->card->id, apqn->domain, ret, rc);
		}
		left++;
	}
	return left;
}

static void ep11_pending_add(struct ep11_session *sess)
{
	unsigned long delay;

	spin_lock(&ep11_pending_lock);
	if (list_empty(&sess->pending_node)) {
		ep11_session_get(sess);
		list_add_tail(&sess->pending_node, &ep11_pending);
	}
	delay = msecs_to_jiffies(sess->backoff_ms);
	sess->next_try = jiffies + delay;
	if (!ep11_stopping)
		mod_delayed_work(ep11_reclaim_wq, &ep11_retry_work,
				 ep11_kicked ? 0 : delay);
	spin_unlock(&ep11_pending_lock);
}

static void ep11_reclaim_fn(struct work_struct *work)
{
	struct ep11_session *sess = container_of(work, struct ep11_session,
						 reclaim_work);
	unsigned int left;

	mutex_lock(&sess->lock);
	left = ep11_reclaim_attempt(sess);
	mutex_unlock(&sess->lock);
	sess->backoff_ms = EP11_RETRY_FIRST_MS;
	if (left)
		ep11_pending_add(sess);
	else
		ep11_session_unlink(sess);
	complete_all(&sess->reclaimed);
	ep11_session_put(sess);
}

/**
 * ep11_reclaim_start() - log a session out on every APQN, asynchronously
 * @sess:    a linked session that has just become dying (called once)
 * @reclaim: its last holder went away without logging out: the logouts
 *           count as reclaimed
 *
 * Context: process context; no locks held.
 */
void ep11_reclaim_start(struct ep11_session *sess, bool reclaim)
{
	sess->reclaim = reclaim;
	INIT_WORK(&sess->reclaim_work, ep11_reclaim_fn);
	ep11_session_get(sess);
	queue_work(ep11_reclaim_wq, &sess->reclaim_work);
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
 * ep11_reclaim_kick() - retry every pending logout now
 *
 * Context: any context; takes the pending-list spinlock.
 */
void ep11_reclaim_kick(void)
{
	spin_lock(&ep11_pending_lock);
	ep11_kicked = true;
	if (!ep11_stopping)
		mod_delayed_work(ep11_reclaim_wq, &ep11_retry_work, 0);
	spin_unlock(&ep11_pending_lock);
}

static void ep11_reclaim_retry(struct work_struct *work)
{
	struct ep11_session *sess, *next_sess;
	unsigned long next = 0;
	bool kicked, have_next = false;
	unsigned int left;
	LIST_HEAD(batch);

	spin_lock(&ep11_pending_lock);
	list_splice_init(&ep11_pending, &batch);
	kicked = ep11_kicked;
	ep11_kicked = false;
	spin_unlock(&ep11_pending_lock);

	list_for_each_entry_safe(sess, next_sess, &batch, pending_node) {
		if (!kicked && time_before(jiffies, sess->next_try))
			continue;
		mutex_lock(&sess->lock);
		left = ep11_reclaim_attempt(sess);
		mutex_unlock(&sess->lock);
		if (left) {
			sess->backoff_ms = min(sess->backoff_ms * 2,
					       max(ep11_retry_max_ms, 1U));
			sess->next_try = jiffies +
					 msecs_to_jiffies(sess->backoff_ms);
			continue;
		}
		list_del_init(&sess->pending_node);
		ep11_session_unlink(sess);
		ep11_session_put(sess);
	}

	spin_lock(&ep11_pending_lock);
	list_splice(&batch, &ep11_pending);
	list_for_each_entry(sess, &ep11_pending, pending_node) {
		if (!have_next || time_before(sess->next_try, next))
			next = sess->next_try;
		have_next = true;
	}
	if (!ep11_stopping && (have_next || ep11_kicked))
		mod_delayed_work(ep11_reclaim_wq, &ep11_retry_work,
				 ep11_kicked || time_after_eq(jiffies, next) ?
				 0 : next - jiffies);
	spin_unlock(&ep11_pending_lock);
}

/**
 * ep11_reclaim_card_removed() - end the pending logouts of a removed card
 * @card: a card marked dead whose ops are gone
 *
 * Context: process context, may sleep: waits for the first logout
 * attempts in flight and for one pass of the retry worker.
 */
void ep11_reclaim_card_removed(struct ep11_card *card)
{
	flush_workqueue(ep11_reclaim_wq);
	ep11_reclaim_kick();
	flush_delayed_work(&ep11_retry_work);
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
