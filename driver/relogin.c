// SPDX-License-Identifier: GPL-2.0
/*
 * Relogin: a live session survives its card's loss.  Every live session
 * keeps its PIN and nonce (login.c) and, for each of its APQNs, the
 * wrapping key verification pattern (WKID) of the domain it was logged in
 * on.  When an APQN goes offline or its card away, the session's entry
 * there becomes AWAY: it keeps its slot (the card may still hold the
 * session) and requests no longer go there.  When the APQN comes back, or
 * a card registers whose domain has the same WKID (the same card after a
 * reset, or a replacement with the same master key), the session is
 * logged in again there, with the same PIN and nonce, before requests go
 * there again.  EP11 derives the pin blob from the session id and the
 * wrapping key, so the card must give back the very pin blob the session
 * has (and key blobs bound to the session keep working); another pin blob
 * is logged out again and the APQN is not used for the session.  Requests
 * for a session none of whose APQNs is usable wait for this, up to
 * relogin_wait_ms, instead of failing at once.
 *
 * Where an entry goes: its own APQN once it is online again; for a card
 * that went away, the same domain of a registered card with the same WKID
 * (the card under the same number first).  When the WKID of either side
 * is not known, only the same domain of a card under the same number is
 * tried, and the pin blob decides.  An APQN whose WKID has not been read
 * since it was registered or came online is not tried yet: its card's
 * work reads it first (card.c) and then logs in every session waiting
 * for it (ep11_relogin_card_fn()); a request that waits tries as well.
 * While the card under the entry's number has its WKID read, no other
 * card is tried (bounded by one round trip's time-out).  A card under the
 * entry's number with another WKID is not used; when no registered card
 * can take the entry, or a card refuses it for good (another pin blob,
 * the PIN refused), the entry is "refused" and requests stop waiting for
 * it; every card that comes has it looked at again.  Other failures of a
 * Login (time-outs, a busy or full card, the card's other codes) are no
 * refusal: the requests that wait share their outcome and back off before
 * they try that entry again.
 *
 * Locking: the relogins of a session hold its id's lock for writing
 * (session.c) across each Login round trip and its publication, so that
 * no Logout of that id runs in between (a request waits for that lock,
 * and gives the Login, no longer than its deadline); they publish under
 * ep11_sess_lock,
 * only while the session lives and only when the APQN has not gone away
 * since the Login (its away_seq).  Moving an entry to another card hands
 * the old card's slot back and takes one on the new card; when the new
 * card is not the old one (another serial number), the old card's logout
 * is kept for its return (orphan.c), as for any card that leaves.  What a
 * relogin leaves on a card and does not keep (the session died meanwhile,
 * another pin blob, an APQN that went away again, an answer that was not
 * seen) is handed to reclaim as a record of its own, as a failed login's
 * leftovers are.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "card.h"
#include "event.h"
#include "orphan.h"
#include "reclaim.h"
#include "relogin.h"
#include "session.h"
#include "xfer.h"

/* A waiting request looks again at least this often. */
#define EP11_RELOGIN_POLL	(HZ / 10)
/* ... and tries to log its session in again itself at least this often. */
#define EP11_RELOGIN_RETRY	HZ
/*
 * After a Login of an entry failed (not for good), requests try that entry
 * again no sooner than this, doubled per failure in a row up to
 * EP11_RELOGIN_RETRY << EP11_RELOGIN_BACKOFF_MAX.
 */
#define EP11_RELOGIN_BACKOFF_MAX	3
/*
 * An entry logged in again after its card answered CKR_SESSION_CLOSED is
 * not logged in again for that reason before this passed.
 */
#define EP11_RELOGIN_CLOSED_HOLDOFF	(10 * HZ)
/* A request waiting for a session id's lock looks again this often. */
#define EP11_RELOGIN_LOCK_POLL	(HZ / 50)

unsigned int ep11_relogin_wait_ms = 10000;
module_param_named(relogin_wait_ms, ep11_relogin_wait_ms, uint, 0644);
MODULE_PARM_DESC(relogin_wait_ms,
		 "how long a request waits for its session to be logged in again on a card that comes back (ms, 0: no wait)");

static struct workqueue_struct *ep11_relogin_wq;
/* Bumped and woken whenever an entry may have become usable or hopeless. */
static atomic_long_t ep11_relogin_changes = ATOMIC_LONG_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(ep11_relogin_waitq);

static void ep11_relogin_changed(void)
{
	atomic_long_inc(&ep11_relogin_changes);
	wake_up_all(&ep11_relogin_waitq);
}

/**
 * ep11_relogin_seq() - the count of changes requests wait for
 *
 * Read before a request's pass over the session's APQNs, so that a
 * relogin during the pass is not missed.
 *
 * Context: any context.
 * Return: the count.
 */
unsigned long ep11_relogin_seq(void)
{
	return atomic_long_read(&ep11_relogin_changes);
}

/**
 * ep11_relogin_deadline() - when a request that found no APQN gives up
 *
 * Context: any context.
 * Return: jiffies, relogin_wait_ms from now.
 */
unsigned long ep11_relogin_deadline(void)
{
	return jiffies + msecs_to_jiffies(READ_ONCE(ep11_relogin_wait_ms));
}

/**
 * struct ep11_away_ctx - the entries going away
 * @card: the card
 * @apqn: the APQN, or NULL for every APQN of @card
 * @n:    entries marked
 */
struct ep11_away_ctx {
	struct ep11_card *card;
	struct ep11_apqn *apqn;
	unsigned int n;
};

/*
 * Entry @sa stops being used and waits to be logged in again, with a clean
 * slate: no refusal, no backoff.  Under ep11_sess_lock, the entry LIVE.
 */
static void ep11_relogin_sa_away(struct ep11_sess_apqn *sa)
{
	lockdep_assert_held(&ep11_sess_lock);
	WRITE_ONCE(sa->refused, false);
	sa->refused_gen = 0;
	sa->fails = 0;
	sa->wkid_wait = 0;
	sa->closed_at = 0;
	WRITE_ONCE(sa->state, EP11SESS_STATE_AWAY);
}

static int ep11_relogin_away_one(struct ep11_session *sess, void *arg)
{
	struct ep11_away_ctx *ac = arg;
	unsigned int i, n = ep11_session_napqns(sess);

	lockdep_assert_held(&ep11_sess_lock);
	if (sess->orphan || sess->life != EP11_SESS_ALIVE)
		return 0;
	for (i = 0; i < n; i++) {
		struct ep11_sess_apqn *sa = &sess->apqns[i];

		if (sa->apqn->card != ac->card ||
		    (ac->apqn && sa->apqn != ac->apqn) ||
		    READ_ONCE(sa->state) != EP11SESS_STATE_LIVE)
			continue;
		ep11_relogin_sa_away(sa);
		ac->n++;
	}
	return 0;
}

/**
 * ep11_relogin_mark_away() - live sessions stop using an APQN that left
 * @card: the card
 * @apqn: the APQN that went offline, or NULL when @card went away
 *
 * Each live session's entry there becomes %EP11SESS_STATE_AWAY until it is
 * logged in again.  The caller has bumped the APQNs' away_seq first.
 *
 * Context: process context; takes ep11_sess_lock.
 */
void ep11_relogin_mark_away(struct ep11_card *card, struct ep11_apqn *apqn)
{
	struct ep11_away_ctx ac = { .card = card, .apqn = apqn };

	ep11_session_for_each(ep11_relogin_away_one, &ac);
	ep11_relogin_changed();
	if (!ac.n)
		return;
	if (apqn)
		pr_info_ratelimited("%02x.%04x offline: %u live session(s) wait to be logged in again when it returns\n",
				    card->id, apqn->domain, ac.n);
	else
		pr_info("card%02x removed: %u live session APQN(s) wait for it, or a card with the same wrapping key, to be logged in again\n",
			card->id, ac.n);
}

/**
 * struct ep11_relogin_ent - a snapshot of an entry taken under
 * ep11_sess_lock
 * @apqn:       the APQN it is on (the session's card reference)
 * @wkid:       the WKID it was logged in with
 * @wkid_valid: @wkid is known
 * @refused:    refused already in this absence
 * @refused_gen: the registration of the card whose Login refused it for
 *              good, or 0
 * @refused_seq: that APQN's away_seq then
 */
struct ep11_relogin_ent {
	struct ep11_apqn *apqn;
	u8 wkid[EP11_WKID_LEN];
	bool wkid_valid;
	bool refused;
	u64 refused_gen;
	unsigned long refused_seq;
};

/**
 * struct ep11_relogin_search - the best place found for an entry
 * @sess:  the session
 * @ent:   the entry's snapshot
 * @best:  the APQN, with a card reference, or NULL
 * @score: 1 worth a Login, 0 the card under the entry's number has
 *         another wrapping key, -1 nothing found
 */
struct ep11_relogin_search {
	struct ep11_session *sess;
	const struct ep11_relogin_ent *ent;
	struct ep11_apqn *best;
	int score;
};

static bool ep11_relogin_card_gone(struct ep11_card *card)
{
	bool gone;

	spin_lock(&card->lock);
	gone = card->dead;
	spin_unlock(&card->lock);
	return gone;
}

/*
 * How @a suits the entry: 1 worth a Login, 0 the card under the entry's
 * number with another wrapping key, -1 not a place for it (offline, its
 * WKID not read yet, already one of the session's, another card with
 * another or an unknown key, the APQN whose Login refused the entry for
 * good and that has not gone away since).  Called under the session id's
 * lock.
 */
static int ep11_relogin_judge(struct ep11_session *sess,
			      const struct ep11_relogin_ent *ent,
			      struct ep11_apqn *a)
{
	bool same = a->card->id == ent->apqn->card->id;
	u8 wkid[EP11_WKID_LEN];
	unsigned long seq;
	u8 st;

	if (!ep11_apqn_usable(a, &seq))
		return -1;
	if (ent->refused_gen && a->card->gen == ent->refused_gen &&
	    seq == ent->refused_seq)
		return -1;
	st = ep11_apqn_wkid(a, wkid);
	if (st == EP11_WKID_UNKNOWN)
		return -1;
	if (a != ent->apqn && ep11_session_find_apqn(sess, a))
		return -1;
	if (ent->wkid_valid && st == EP11_WKID_VALID) {
		if (!memcmp(wkid, ent->wkid, EP11_WKID_LEN))
			return 1;
		return same ? 0 : -1;
	}
	return same ? 1 : -1;
}

static void ep11_relogin_consider(struct ep11_relogin_search *rs,
				  struct ep11_apqn *a)
{
	int v = ep11_relogin_judge(rs->sess, rs->ent, a);

	if (v <= rs->score)
		return;
	if (rs->best)
		ep11_card_put(rs->best->card);
	kref_get(&a->card->ref);
	rs->best = a;
	rs->score = v;
}

static int ep11_relogin_search_card(struct ep11_card *card, void *arg)
{
	struct ep11_relogin_search *rs = arg;
	struct ep11_apqn *a;

	if (card == rs->ent->apqn->card)
		return 0;
	a = ep11_apqn_find(card, rs->ent->apqn->domain);
	if (a)
		ep11_relogin_consider(rs, a);
	return rs->score == 1;
}

/* An online APQN whose WKID its card's work has still to read. */
static bool ep11_relogin_wkid_unread(struct ep11_apqn *a)
{
	u8 wkid[EP11_WKID_LEN];
	unsigned long seq;

	return ep11_apqn_usable(a, &seq) &&
	       ep11_apqn_wkid(a, wkid) == EP11_WKID_UNKNOWN;
}

/*
 * The card now under entry @sa's card number has its WKID still unread:
 * whether the entry waits for it rather than going to another card.  It
 * waits one round trip's time-out at most, counted from the first look.
 * Called under the session id's lock.
 */
static bool ep11_relogin_wkid_wait(struct ep11_sess_apqn *sa)
{
	if (!sa->wkid_wait)
		sa->wkid_wait = (jiffies + ep11_xfer_default_timeout()) | 1;
	return time_before(jiffies, sa->wkid_wait);
}

/*
 * The place to log entry @sa in again: its own APQN when its card is
 * still registered, else the same domain of the card under the same
 * number, else of any card.  While that card's WKID is being read, no
 * other card is looked at (bounded, ep11_relogin_wkid_wait()).  Called
 * under the session id's lock.
 */
static void ep11_relogin_find(struct ep11_relogin_search *rs,
			      struct ep11_sess_apqn *sa)
{
	struct ep11_apqn *old = rs->ent->apqn, *a;
	struct ep11_card *card;

	if (!ep11_relogin_card_gone(old->card)) {
		ep11_relogin_consider(rs, old);
		return;
	}
	card = ep11_card_get(old->card->id);
	if (card) {
		a = ep11_apqn_find(card, old->domain);
		if (a && ep11_relogin_wkid_unread(a)) {
			if (ep11_relogin_wkid_wait(sa)) {
				ep11_card_put(card);
				return;
			}
		} else {
			sa->wkid_wait = 0;
		}
		ep11_relogin_search_card(card, rs);
		ep11_card_put(card);
	}
	if (rs->score < 1)
		ep11_cards_for_each(ep11_relogin_search_card, rs);
}

/**
 * struct ep11_relogin_res - one entry's relogin, and what is left to do
 * once the session id's lock is dropped
 * @apqn:       where the Login went (or the card that has another key),
 *              with a card reference; NULL when nothing was tried
 * @moved_from: the APQN the entry left for @apqn, with the reference the
 *              session had on its card
 * @old_wkid:   with @moved_from: the WKID the entry was logged in with
 *              there
 * @old_wkid_valid: @old_wkid is known
 * @err:        0 when logged in again, else why not
 * @logout:     log @blob out on @apqn: the card holds it but the session
 *              does not use it
 * @recover:    the Login's answer on @apqn was not seen
 * @blob:       the pin blob @apqn gave
 */
struct ep11_relogin_res {
	struct ep11_apqn *apqn;
	struct ep11_apqn *moved_from;
	u8 old_wkid[EP11_WKID_LEN];
	bool old_wkid_valid;
	int err;
	bool logout;
	bool recover;
	u8 blob[EP11_PINBLOB_LEN];
};

/* Take the relogin: the entry is LIVE on @apqn again.  Id lock held. */
static bool ep11_relogin_publish(struct ep11_session *sess,
				 struct ep11_sess_apqn *sa,
				 struct ep11_relogin_res *r, unsigned long seq)
{
	struct ep11_apqn *apqn = r->apqn;
	unsigned long now;
	bool ok;

	mutex_lock(&ep11_sess_lock);
	ok = sess->life == EP11_SESS_ALIVE &&
	     READ_ONCE(sa->state) == EP11SESS_STATE_AWAY &&
	     ep11_apqn_usable(apqn, &now) && now == seq;
	if (ok) {
		if (sa->apqn != apqn) {
			ep11_apqn_slot_released(sa->apqn, sess->owner_uid,
						false);
			ep11_apqn_slot_taken(apqn, sess->owner_uid);
			kref_get(&apqn->card->ref);
			r->moved_from = sa->apqn;
			memcpy(r->old_wkid, sa->wkid, sizeof(r->old_wkid));
			r->old_wkid_valid = sa->wkid_valid;
			WRITE_ONCE(sa->apqn, apqn);
		}
		sa->wkid_valid = ep11_apqn_wkid(apqn, sa->wkid) ==
				 EP11_WKID_VALID;
		WRITE_ONCE(sa->refused, false);
		sa->refused_gen = 0;
		sa->fails = 0;
		sa->wkid_wait = 0;
		WRITE_ONCE(sa->relogins, sa->relogins + 1);
		/* Pairs with the acquire of send.c: @apqn is seen with it. */
		smp_store_release(&sa->state, EP11SESS_STATE_LIVE);
	}
	mutex_unlock(&ep11_sess_lock);
	/* A logout that waited for this entry hands its card session over. */
	if (ok)
		ep11_reclaim_kick();
	return ok;
}

/*
 * A refusal that a later try on the same card will not change: another
 * wrapping key or pin blob, the PIN refused.  Time-outs, a busy or full
 * card, a card going away and the card's other codes (an internal or
 * device error) are not.
 */
static bool ep11_relogin_refused_for_good(int err, u32 rc)
{
	return err == -EXDEV || err == -EACCES ||
	       (err == -EREMOTEIO && rc == EP11_CKR_IBM_WKID_MISMATCH);
}

/* How long requests leave an entry alone after @fails failures in a row. */
static unsigned long ep11_relogin_backoff(unsigned int fails)
{
	return EP11_RELOGIN_RETRY << min_t(unsigned int, fails - 1,
					   EP11_RELOGIN_BACKOFF_MAX);
}

/*
 * Log entry @sa in again where it can go, the Login given no more than
 * what is left until @deadline, if given.  @came: a card has just come
 * (its WKIDs read): an entry refused is looked at again, and a request's
 * backoff does not apply.  Id lock held.
 */
static void ep11_relogin_entry(struct ep11_session *sess,
			       struct ep11_sess_apqn *sa, bool came,
			       const unsigned long *deadline,
			       struct ep11_relogin_res *r)
{
	struct ep11_relogin_ent ent;
	struct ep11_relogin_search rs = { .sess = sess, .ent = &ent,
					  .score = -1 };
	unsigned long seq, timeout = ep11_xfer_default_timeout();
	long left;
	u32 rc;
	int ret;

	if (deadline) {
		left = (long)(*deadline - jiffies);
		if (left <= 0)
			return;
		timeout = min_t(unsigned long, timeout, left);
	}
	mutex_lock(&ep11_sess_lock);
	ent.apqn = sa->apqn;
	memcpy(ent.wkid, sa->wkid, sizeof(ent.wkid));
	ent.wkid_valid = sa->wkid_valid;
	ent.refused = sa->refused;
	ent.refused_gen = sa->refused_gen;
	ent.refused_seq = sa->refused_seq;
	mutex_unlock(&ep11_sess_lock);

	/* A refused entry is looked at again when a card comes. */
	if (ent.refused && !came)
		return;
	/*
	 * Requests share the outcome of a Login that failed: none tries the
	 * entry again before its backoff passed.
	 */
	if (!came && sa->fails && time_before(jiffies, sa->retry_at))
		return;
	ep11_relogin_find(&rs, sa);
	if (!rs.best)
		return;
	r->apqn = rs.best;
	if (rs.score < 1) {
		/* The card in its place has another wrapping key. */
		if (ent.refused) {
			ep11_card_put(r->apqn->card);
			r->apqn = NULL;
			return;
		}
		WRITE_ONCE(sa->refused, true);
		/* A logout that waited for this entry goes now. */
		ep11_reclaim_kick();
		r->err = -EXDEV;
		pr_warn_ratelimited("%02x.%04x: the card's wrapping key (WKID) is not the one session %*phN was logged in with; the session does not use it\n",
				    r->apqn->card->id, r->apqn->domain,
				    EP11_PUBLIC_ID_LEN, sess->id);
		ep11_relogin_changed();
		return;
	}

	ep11_apqn_usable(r->apqn, &seq);
	ret = ep11_xfer_login(r->apqn, sess->pin, sess->pin_len, sess->nonce,
			      sess->nonce_len, r->blob, &rc, timeout);
	if (!ret && memcmp(r->blob, sa->pinblob, EP11_PINBLOB_LEN)) {
		/* Another key: a session of its own, not this one. */
		ret = -EXDEV;
		r->logout = true;
		pr_warn_ratelimited("%02x.%04x: the card gives session %*phN another pin blob (another wrapping key?); logged out there, not used\n",
				    r->apqn->card->id, r->apqn->domain,
				    EP11_PUBLIC_ID_LEN, sess->id);
	} else if (!ret && !ep11_relogin_publish(sess, sa, r, seq)) {
		/*
		 * The session died or the APQN went away meanwhile.  The
		 * entry's own APQN keeps its slot, and the dying session logs
		 * it out; another card's session is logged out here.
		 */
		ret = -EAGAIN;
		r->logout = r->apqn != ent.apqn;
	} else if (ret && ep11_xfer_maybe_ran(ret) && r->apqn != ent.apqn) {
		r->recover = true;
	}
	r->err = ret;
	if (ret && ep11_relogin_refused_for_good(ret, rc)) {
		/* Not this APQN again until it went away and came back. */
		sa->refused_gen = r->apqn->card->gen;
		sa->refused_seq = seq;
		WRITE_ONCE(sa->refused, true);
		ep11_reclaim_kick();
	} else if (ret && ret != -EAGAIN) {
		/*
		 * It may work later: requests try again after a backoff, and
		 * are not woken for it (each would try in turn).
		 */
		sa->fails++;
		sa->retry_at = jiffies + ep11_relogin_backoff(sa->fails);
		return;
	}
	ep11_relogin_changed();
}

/*
 * A card session the relogin left on @r->apqn and the session does not
 * use: a dying record of the session's owner, logged out (or, when the
 * answer was not seen, recovered and logged out) by reclaim.
 */
static void ep11_relogin_leftover(struct ep11_session *sess,
				  struct ep11_relogin_res *r)
{
	struct ep11_session *rec;

	rec = ep11_session_alloc(sess->shared, 1, GFP_KERNEL);
	if (!rec)
		goto nomem;
	put_pid(rec->owner);
	rec->owner = get_pid(sess->owner);
	rec->owner_uid = sess->owner_uid;
	memcpy(rec->comm, sess->comm, sizeof(rec->comm));
	rec->created_ns = sess->created_ns;
	if (r->recover) {
		rec->orphan = true;
		rec->pin = kmemdup(sess->pin, sess->pin_len, GFP_KERNEL);
		rec->nonce = kmemdup(sess->nonce, sess->nonce_len, GFP_KERNEL);
		rec->pin_len = sess->pin_len;
		rec->nonce_len = sess->nonce_len;
		if (!rec->pin || !rec->nonce) {
			ep11_session_put(rec);
			goto nomem;
		}
		ep11_session_add_apqn(rec, r->apqn, NULL, EP11_SA_RECOVER);
	} else {
		ep11_session_add_apqn(rec, r->apqn, r->blob,
				      EP11SESS_STATE_LIVE);
		ep11_apqn_slot_taken(r->apqn, rec->owner_uid);
	}
	rec->life = EP11_SESS_DYING;
	rec->dying_since = ktime_get();
	ep11_session_link(rec);
	if (r->recover)
		ep11_reclaim_start_after(rec, ep11_xfer_default_timeout());
	else
		ep11_reclaim_start(rec, false);
	ep11_session_put(rec);
	return;
nomem:
	pr_err("%02x.%04x: out of memory: a login of session %*phN stays on the card until it is reset\n",
	       r->apqn->card->id, r->apqn->domain, EP11_PUBLIC_ID_LEN,
	       sess->id);
}

/* The old card may come back with the session: keep its logout. */
static void ep11_relogin_keep_old(struct ep11_session *sess,
				  struct ep11_sess_apqn *sa,
				  struct ep11_relogin_res *r)
{
	struct ep11_card *old = r->moved_from->card;
	struct ep11_sess_apqn *tmp;

	if (!memcmp(old->serial, r->apqn->card->serial, EP11_SERIAL_LEN))
		return;
	tmp = kzalloc(sizeof(*tmp), GFP_KERNEL);
	if (!tmp)
		return;
	tmp->apqn = r->moved_from;
	tmp->state = EP11SESS_STATE_PENDING;
	memcpy(tmp->pinblob, sa->pinblob, EP11_PINBLOB_LEN);
	memcpy(tmp->wkid, r->old_wkid, sizeof(tmp->wkid));
	tmp->wkid_valid = r->old_wkid_valid;
	ep11_orphan_keep(sess, tmp);
	kfree_sensitive(tmp);
}

/* After the id's lock: leftovers, the old card's logout, the event. */
static void ep11_relogin_finish(struct ep11_session *sess,
				struct ep11_sess_apqn *sa,
				struct ep11_relogin_res *r)
{
	struct ep11_event ev = { .owner_tgid = pid_nr(sess->owner) };

	if (!r->apqn)
		return;
	if (r->moved_from) {
		ep11_relogin_keep_old(sess, sa, r);
		ep11_card_put(r->moved_from->card);
	}
	if (r->logout || r->recover)
		ep11_relogin_leftover(sess, r);
	if (!r->err)
		ep11_apqn_count_relogin(r->apqn);
	ev.card = r->apqn->card->id;
	ev.domain = r->apqn->domain;
	ev.error = r->err;
	ep11_session_public_id(sess, ev.public_id);
	memcpy(ev.comm, sess->comm, sizeof(ev.comm));
	ep11_event_emit(EP11_EV_RELOGIN, &ev);
	ep11_card_put(r->apqn->card);
}

/*
 * Take the id's lock for writing: killable, and with @deadline no longer
 * than until then (a relogin elsewhere may hold it across a slow Login).
 */
static int ep11_relogin_lock(struct rw_semaphore *id_lock,
			     const unsigned long *deadline)
{
	long left;

	if (!deadline)
		return down_write_killable(id_lock) ? -EINTR : 0;
	for (;;) {
		if (down_write_trylock(id_lock))
			return 0;
		left = (long)(*deadline - jiffies);
		if (left <= 0)
			return -ETIMEDOUT;
		if (wait_event_killable_timeout(ep11_relogin_waitq,
						!rwsem_is_locked(id_lock),
						min_t(long, left,
						      EP11_RELOGIN_LOCK_POLL)) < 0)
			return -EINTR;
	}
}

/**
 * ep11_relogin_session() - log a live session in again where it can go
 * @sess:     a session with a reference
 * @came:     a card has just come, its WKIDs read (a card's work): entries
 *            refused are looked at again, and requests' backoff does not
 *            apply; false for a request
 * @deadline: jiffies after which nothing more is tried (a request's
 *            wait), or NULL for no bound (a card's work)
 *
 * Every entry of @sess that is %EP11SESS_STATE_AWAY is logged in again on
 * its APQN, if that is online again, or on the same domain of a card
 * with the same wrapping key, every registered card being looked at.  An
 * APQN whose WKID has not been read since it came is not tried (and while
 * the card under the entry's number is read, no other card is); an entry
 * refused is looked at again only when @came, and never on the APQN that
 * refused it before that APQN went away and came back.  A request does
 * not try an entry whose last Login failed before that failure's backoff
 * passed.  Each entry's Login and publication hold the session id's lock;
 * with @deadline, the lock is waited for and the Login given no longer
 * than until then.
 *
 * Context: process context, sleeps for the card round trips; takes the
 * session id's lock (killable) and ep11_sess_lock; no locks held.
 * Return: the entries logged in again, -EINTR, or -ENOMEM.
 */
int ep11_relogin_session(struct ep11_session *sess, bool came,
			 const unsigned long *deadline)
{
	struct ep11_relogin_res *res;
	struct rw_semaphore *id_lock;
	unsigned int i, n, done = 0;
	int ret = 0;

	if (sess->orphan || !sess->pin || !sess->nonce)
		return 0;
	res = kcalloc(EP11SESS_MAX_APQNS, sizeof(*res), GFP_KERNEL);
	if (!res)
		return -ENOMEM;
	id_lock = ep11_session_id_lock(sess->id);
	n = ep11_session_napqns(sess);
	for (i = 0; i < n; i++) {
		if (READ_ONCE(sess->apqns[i].state) != EP11SESS_STATE_AWAY)
			continue;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		ret = ep11_relogin_lock(id_lock, deadline);
		if (ret) {
			if (ret != -EINTR)
				ret = 0;
			break;
		}
		/* Another relogin may have taken it meanwhile. */
		if (READ_ONCE(sess->apqns[i].state) == EP11SESS_STATE_AWAY)
			ep11_relogin_entry(sess, &sess->apqns[i], came,
					   deadline, &res[i]);
		up_write(id_lock);
		/* Requests waiting for the lock, not for a change. */
		wake_up_all(&ep11_relogin_waitq);
	}
	for (i = 0; i < n; i++) {
		done += res[i].apqn && !res[i].err;
		ep11_relogin_finish(sess, &sess->apqns[i], &res[i]);
	}
	kfree_sensitive(res);
	return ret ? ret : done;
}

/**
 * struct ep11_relogin_col - live sessions waiting for a card
 * @card: the card
 * @s:    the sessions, with references
 * @n:    entries in @s
 * @cap:  room at @s
 */
struct ep11_relogin_col {
	struct ep11_card *card;
	struct ep11_session **s;
	unsigned int n;
	unsigned int cap;
};

static int ep11_relogin_collect(struct ep11_session *sess, void *arg)
{
	struct ep11_relogin_col *col = arg;
	unsigned int i, n = ep11_session_napqns(sess);
	struct ep11_session **s;
	bool away = false;

	lockdep_assert_held(&ep11_sess_lock);
	if (sess->orphan || sess->life != EP11_SESS_ALIVE)
		return 0;
	for (i = 0; i < n; i++) {
		struct ep11_sess_apqn *sa = &sess->apqns[i];
		u32 st = READ_ONCE(sa->state);

		if (st == EP11SESS_STATE_AWAY)
			away = true;
		else if (st == EP11SESS_STATE_LIVE && !sa->wkid_valid &&
			 sa->apqn->card == col->card)
			/* Logged in before the card's WKID was known. */
			sa->wkid_valid = ep11_apqn_wkid(sa->apqn, sa->wkid) ==
					 EP11_WKID_VALID;
	}
	if (!away)
		return 0;
	if (col->n == col->cap) {
		s = krealloc_array(col->s, col->cap * 2 + 16, sizeof(*s),
				   GFP_KERNEL);
		if (!s)
			return -ENOMEM;
		col->s = s;
		col->cap = col->cap * 2 + 16;
	}
	ep11_session_get(sess);
	col->s[col->n++] = sess;
	return 0;
}

/**
 * ep11_relogin_card_fn() - log sessions in again on a card that came
 * @work: the card's @relogin_work
 *
 * Queued once the card's WKIDs have been read after it registered or an
 * APQN of it came online.  Every live session with an entry waiting is
 * logged in again where this card can take it.
 *
 * Context: the relogin workqueue.
 */
void ep11_relogin_card_fn(struct work_struct *work)
{
	struct ep11_card *card = container_of(work, struct ep11_card,
					      relogin_work);
	struct ep11_relogin_col col = { .card = card };
	unsigned int i, done = 0;
	int ret;

	if (ep11_session_for_each(ep11_relogin_collect, &col))
		pr_warn("card%02x: out of memory: some sessions are logged in again only when a request needs them\n",
			card->id);
	for (i = 0; i < col.n; i++) {
		ret = ep11_relogin_session(col.s[i], true, NULL);
		if (ret > 0)
			done += ret;
		ep11_session_put(col.s[i]);
	}
	kfree(col.s);
	ep11_relogin_changed();
	if (done)
		pr_info_ratelimited("card%02x: %u session APQN(s) logged in again\n",
				    card->id, done);
}

/**
 * ep11_relogin_card_kick() - log sessions in again on a card, soon
 * @card: a registered card whose WKIDs have just been read
 *
 * Not once the card is unregistered: ep11_card_unregister() sets @dead
 * under the card's lock before it cancels the work, and a caller that
 * holds only a reference (a status refresh) may come after that.
 *
 * Context: any context; takes the card's spinlock.
 */
void ep11_relogin_card_kick(struct ep11_card *card)
{
	spin_lock(&card->lock);
	if (!card->dead)
		queue_work(ep11_relogin_wq, &card->relogin_work);
	spin_unlock(&card->lock);
}

/**
 * ep11_relogin_awaits() - whether a live session's away entry may be
 * logged in again on an APQN with a pin blob
 * @sess:    a live session
 * @apqn:    an APQN of a registered card
 * @pinblob: the pin blob of a card session there
 *
 * True when an entry of @sess with @pinblob waits to be logged in again
 * on @apqn and no card has refused it: it is @apqn itself, or the same
 * domain of the same card (number and serial number) before it went away.
 * The card session there may be the live session's once the relogin
 * publishes; until then a pending logout of it is neither sent (the
 * relogin would log in anew) nor handed over (the relogin may never come:
 * a refusal, the session's end), see ep11_reclaim_one().
 *
 * Context: any context; the caller holds ep11_sess_lock.
 * Return: true or false.
 */
bool ep11_relogin_awaits(struct ep11_session *sess, struct ep11_apqn *apqn,
			 const u8 *pinblob)
{
	unsigned int i, n = ep11_session_napqns(sess);
	static const char zero[EP11_SERIAL_LEN];

	lockdep_assert_held(&ep11_sess_lock);
	for (i = 0; i < n; i++) {
		struct ep11_sess_apqn *sa = &sess->apqns[i];
		struct ep11_card *old = sa->apqn->card;

		if (READ_ONCE(sa->state) != EP11SESS_STATE_AWAY ||
		    READ_ONCE(sa->refused) ||
		    memcmp(sa->pinblob, pinblob, EP11_PINBLOB_LEN))
			continue;
		if (sa->apqn == apqn)
			return true;
		if (old != apqn->card && old->id == apqn->card->id &&
		    sa->apqn->domain == apqn->domain &&
		    memcmp(old->serial, zero, sizeof(zero)) &&
		    !memcmp(old->serial, apqn->card->serial, EP11_SERIAL_LEN) &&
		    ep11_relogin_card_gone(old))
			return true;
	}
	return false;
}

/**
 * ep11_relogin_forgotten() - a card answered that it does not know a live
 * session
 * @sess:     a live session
 * @apqn:     the APQN whose card answered CKR_SESSION_CLOSED to a request
 *            bound to @sess (a card that restarted without going offline)
 * @relogins: the entry's count of relogins when the request went there
 * @wait:     log it in again before returning; else the card's work does
 *
 * The entry becomes %EP11SESS_STATE_AWAY and the session is logged in
 * again there, as for a card that came back; the request's answer stays
 * what it was.  Not when the entry has been logged in again since the
 * request went to the card (the answer predates that), nor within
 * %EP11_RELOGIN_CLOSED_HOLDOFF of the last time this did it on the same
 * APQN: a key blob bound to another session gets CKR_SESSION_CLOSED too,
 * from a card that knows the session well, and each such request would
 * cost a Login.
 *
 * Context: process context, sleeps for the Login round trip when @wait;
 * no locks held.
 */
void ep11_relogin_forgotten(struct ep11_session *sess, struct ep11_apqn *apqn,
			    u32 relogins, bool wait)
{
	unsigned long deadline;
	struct ep11_sess_apqn *sa;
	bool marked = false;

	mutex_lock(&ep11_sess_lock);
	sa = ep11_session_find_apqn(sess, apqn);
	if (sa && sess->life == EP11_SESS_ALIVE && !sess->orphan &&
	    READ_ONCE(sa->state) == EP11SESS_STATE_LIVE &&
	    sa->relogins == relogins &&
	    !(sa->closed_at &&
	      time_before(jiffies, sa->closed_at + EP11_RELOGIN_CLOSED_HOLDOFF))) {
		ep11_relogin_sa_away(sa);
		sa->closed_at = jiffies | 1;
		marked = true;
	}
	mutex_unlock(&ep11_sess_lock);
	if (!marked)
		return;
	pr_info_ratelimited("%02x.%04x: the card does not know session %*phN: logging it in again\n",
			    apqn->card->id, apqn->domain, EP11_PUBLIC_ID_LEN,
			    sess->id);
	ep11_relogin_changed();
	if (!wait) {
		ep11_relogin_card_kick(apqn->card);
		return;
	}
	/* One Login's time at most: the request has its answer already. */
	deadline = jiffies + ep11_xfer_default_timeout();
	ep11_relogin_session(sess, false, &deadline);
}

/* What a session's requests can hope for. */
enum ep11_relogin_outlook {
	EP11_OUTLOOK_USABLE,	/* a live entry on an online APQN */
	EP11_OUTLOOK_WAIT,	/* an entry that may be logged in again */
	EP11_OUTLOOK_NONE,	/* nothing will come back by itself */
};

/*
 * What @sess's requests can hope for.  *@stale is set when a LIVE entry is
 * on a card that is gone: nothing else will mark it away.
 */
static enum ep11_relogin_outlook ep11_relogin_outlook(struct ep11_session *sess,
						      bool *stale)
{
	enum ep11_relogin_outlook o = EP11_OUTLOOK_NONE;
	unsigned int i, n = ep11_session_napqns(sess);

	*stale = false;
	if (READ_ONCE(sess->killed))
		return EP11_OUTLOOK_NONE;
	rcu_read_lock();
	for (i = 0; i < n; i++) {
		struct ep11_sess_apqn *sa = &sess->apqns[i];
		/* Pairs with the release in ep11_relogin_publish(). */
		u32 st = smp_load_acquire(&sa->state);
		struct ep11_apqn *a;

		if (st == EP11SESS_STATE_LIVE) {
			a = READ_ONCE(sa->apqn);
			if (ep11_apqn_is_online(a)) {
				o = EP11_OUTLOOK_USABLE;
				break;
			}
			/*
			 * Offline, not yet marked away: it will be; on a card
			 * that is gone, the caller marks it.
			 */
			if (ep11_relogin_card_gone(a->card))
				*stale = true;
			o = EP11_OUTLOOK_WAIT;
		} else if (st == EP11SESS_STATE_AWAY &&
			   !READ_ONCE(sa->refused)) {
			o = EP11_OUTLOOK_WAIT;
		}
	}
	rcu_read_unlock();
	return o;
}

/*
 * LIVE entries of @sess on a card that is gone become AWAY (a login that
 * published beside the card's removal).  Returns how many.
 */
static unsigned int ep11_relogin_mark_gone(struct ep11_session *sess)
{
	unsigned int i, n, marked = 0;

	mutex_lock(&ep11_sess_lock);
	n = ep11_session_napqns(sess);
	if (sess->life == EP11_SESS_ALIVE && !sess->orphan) {
		for (i = 0; i < n; i++) {
			struct ep11_sess_apqn *sa = &sess->apqns[i];

			if (READ_ONCE(sa->state) != EP11SESS_STATE_LIVE ||
			    !ep11_relogin_card_gone(sa->apqn->card))
				continue;
			ep11_relogin_sa_away(sa);
			marked++;
		}
	}
	mutex_unlock(&ep11_sess_lock);
	if (marked)
		ep11_relogin_changed();
	return marked;
}

/**
 * ep11_relogin_wait() - wait for a session to be usable again
 * @sess:     a live session whose request found no APQN that answered
 * @seq:      ep11_relogin_seq() before that request's pass
 * @deadline: jiffies when the request gives up (ep11_relogin_deadline())
 *
 * Tries to log the session in again itself, then waits for its card's
 * work or for an APQN to come back, looking again at least every 100 ms.
 * A session with an APQN that is usable, and that nothing changed since
 * @seq nor in the 100 ms after, does not wait longer: the request's
 * failure was its own.
 *
 * Context: process context, sleeps (killable) up to @deadline; no locks
 * held.
 * Return: 0 when the request should be tried again; -ENODEV when no APQN
 * can come back by itself or @deadline passed; -ESTALE when an
 * administrator logged the session out; -EINTR on a fatal signal.
 */
int ep11_relogin_wait(struct ep11_session *sess, unsigned long seq,
		      unsigned long deadline)
{
	unsigned long tried = 0, tried_seq = 0;
	enum ep11_relogin_outlook o;
	bool graced = false, first = true, stale;
	long left;
	int ret;

	for (;;) {
		if (fatal_signal_pending(current))
			return -EINTR;
		if (READ_ONCE(sess->killed))
			return -ESTALE;
		/*
		 * Try again when something changed, and now and then for a
		 * Login that failed on the way (a card that came meanwhile
		 * is tried by its own work).
		 */
		if (first || ep11_relogin_seq() != tried_seq ||
		    time_after(jiffies, tried + EP11_RELOGIN_RETRY)) {
			first = false;
			ret = ep11_relogin_session(sess, false, &deadline);
			if (ret == -EINTR)
				return ret;
			if (ret > 0)
				return 0;
			/* Its own failures do not call for another try. */
			tried = jiffies;
			tried_seq = ep11_relogin_seq();
		}
		o = ep11_relogin_outlook(sess, &stale);
		if (stale && ep11_relogin_mark_gone(sess))
			continue;
		left = (long)(deadline - jiffies);
		if (o == EP11_OUTLOOK_NONE || left <= 0)
			return -ENODEV;
		if (o == EP11_OUTLOOK_USABLE) {
			if (ep11_relogin_seq() != seq)
				return 0;
			/*
			 * A provider ends the requests of a card that goes
			 * away just before it unregisters the card: one look
			 * more, a poll later, before the failure is the
			 * request's own.
			 */
			if (graced)
				return -ENODEV;
			graced = true;
		}
		seq = ep11_relogin_seq();
		if (wait_event_killable_timeout(ep11_relogin_waitq,
						ep11_relogin_seq() != seq,
						min_t(long, left,
						      EP11_RELOGIN_POLL)) < 0)
			return -EINTR;
	}
}

/**
 * ep11_relogin_init() - start the relogin workqueue
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int ep11_relogin_init(void)
{
	ep11_relogin_wq = alloc_workqueue("ep11sess_relogin",
					  WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	return ep11_relogin_wq ? 0 : -ENOMEM;
}

/**
 * ep11_relogin_uninit() - stop it
 *
 * Providers depend on this module, so every card, and with it every card
 * work item, is gone.
 *
 * Context: module exit.
 */
void ep11_relogin_uninit(void)
{
	destroy_workqueue(ep11_relogin_wq);
}
