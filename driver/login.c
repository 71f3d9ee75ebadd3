// SPDX-License-Identifier: GPL-2.0
/*
 * Login: send Login to each target APQN, check that the session ids agree,
 * wait for a free session when a card is full, create the session or join
 * a live shared one, and roll back or recover what must not stay behind.
 *
 * A shared login is published (created or joined) under its session id's
 * lock, which every logout round trip of that id also holds.  Its Login
 * round trips ran before that lock was taken, so an APQN where any logout
 * was sent meanwhile is asked again under the lock: the card's session is
 * then known to be there when the session becomes visible.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "card.h"
#include "event.h"
#include "fleet.h"
#include "login.h"
#include "named.h"
#include "reclaim.h"
#include "session.h"
#include "xfer.h"

/**
 * struct ep11_login_ctx - state of one login across its APQNs
 * @req:    the request
 * @apqns:  resolved APQNs (each with a card reference), NULL if unknown
 * @blobs:  pin blobs the cards returned
 * @seq:    each APQN's logout sequence number before its Login was sent
 * @away:   each APQN's away_seq before its Login was sent
 * @state:  the state each published entry started in (LIVE or AWAY)
 * @ok:     the card accepted the login
 * @unseen: the login may have run but its answer was not seen
 * @exempt: the caller is an administrator, not held to the uid quota
 * @reserved: a slot of the card's host share is reserved for the APQN
 * @join_only: the Login went beyond the host share: the APQN may only join
 *          the live shared session that holds the card session
 * @end:    jiffies when waiting for a free session ends
 */
struct ep11_login_ctx {
	struct ep11_login_req *req;
	struct ep11_apqn *apqns[EP11SESS_MAX_APQNS];
	u8 blobs[EP11SESS_MAX_APQNS][EP11_PINBLOB_LEN];
	unsigned long seq[EP11SESS_MAX_APQNS];
	unsigned long away[EP11SESS_MAX_APQNS];
	u32 state[EP11SESS_MAX_APQNS];
	bool ok[EP11SESS_MAX_APQNS];
	bool unseen[EP11SESS_MAX_APQNS];
	bool exempt;
	bool reserved[EP11SESS_MAX_APQNS];
	bool join_only[EP11SESS_MAX_APQNS];
	unsigned long end;
};

static int ep11_login_leftover(struct ep11_login_ctx *ctx, const bool *which,
			       u32 state, bool wait);

/*
 * Count the APQN's card session in the card's @held; a slot reserved of
 * the host share becomes that slot at once (ep11_apqn_slot_taken_reserved()).
 */
static void ep11_login_slot_taken(struct ep11_login_ctx *ctx, unsigned int i,
				  kuid_t uid)
{
	if (ctx->reserved[i]) {
		ctx->reserved[i] = false;
		ep11_apqn_slot_taken_reserved(ctx->apqns[i], uid);
	} else {
		ep11_apqn_slot_taken(ctx->apqns[i], uid);
	}
}

/* Give back the share's slots of APQNs that took none (they joined). */
static void ep11_login_unreserve(struct ep11_login_ctx *ctx, const bool *keep)
{
	unsigned int i;

	for (i = 0; i < ctx->req->ntargets; i++) {
		if (!ctx->reserved[i] || (keep && keep[i]))
			continue;
		ctx->reserved[i] = false;
		ep11_card_share_unreserve(ctx->apqns[i]->card);
	}
}

static void ep11_login_exhausted(struct ep11_apqn *apqn)
{
	struct ep11_event ev = {
		.card = apqn->card->id,
		.domain = apqn->domain,
	};

	ep11_event_emit(EP11_EV_EXHAUSTED, &ev);
}

static bool ep11_slot_changed(struct ep11_card *card, unsigned long seq)
{
	return ep11_card_slot_seq(card) != seq || READ_ONCE(card->dead);
}

/*
 * Wait for room in the host share, or the card's end.  The waits for room
 * are killable only: a signal the caller handles must not fail its login
 * (a PKCS#11 application's timer or SIGCHLD would end C_Login).
 */
static long ep11_login_wait_share(struct ep11_card *card, long left)
{
	return wait_event_killable_timeout(card->slot_wq,
					   ep11_card_share_room(card), left);
}

/* Wait for a change of the card's sessions since @seq, or its end. */
static long ep11_login_wait_slot(struct ep11_card *card, unsigned long seq,
				 long left)
{
	return wait_event_killable_timeout(card->slot_wq,
					   ep11_slot_changed(card, seq), left);
}

/*
 * One Login round trip within this host's share of the card.  A login
 * reserves its slot first; at a full share it fails with -EDQUOT and sets
 * *@share_full, without a round trip, unless it is shared and a live
 * shared session is on the APQN: it may then join that session without a
 * new slot.  It logs in, and when the card's session is not one this host
 * already holds on the APQN, logs it out again and fails the same way;
 * when it is, the APQN is marked join-only (see ep11_login_publish()).
 * The reservation is kept on success, until the slot is taken or given up.
 */
static int ep11_login_share(struct ep11_login_ctx *ctx, unsigned int i,
			    u32 *rc, bool *share_full)
{
	struct ep11_login_req *req = ctx->req;
	struct ep11_apqn *apqn = ctx->apqns[i];
	struct ep11_card *card = apqn->card;
	bool which[EP11SESS_MAX_APQNS] = { };
	bool over;
	int ret;

	over = ep11_card_share_reserve(card) == -EDQUOT;
	if (over && (!req->shared || !ep11_session_shared_on(apqn))) {
		*share_full = true;
		return -EDQUOT;
	}
	if (!over && !req->shared && ep11_card_full(card)) {
		ep11_card_share_unreserve(card);
		return -ENOSPC;
	}
	ret = ep11_xfer_login(apqn, req->pin, req->pin_len, req->nonce,
			      req->nonce_len, ctx->blobs[i], rc,
			      ep11_xfer_default_timeout());
	if (!over) {
		if (ret)
			ep11_card_share_unreserve(card);
		else
			ctx->reserved[i] = true;
		return ret;
	}
	if (ret)
		return ret;
	if (ep11_session_live_on(ctx->blobs[i], apqn) != EP11_LIVE_NONE) {
		ctx->join_only[i] = true;
		return 0;
	}
	which[i] = true;
	if (ep11_login_leftover(ctx, which, EP11SESS_STATE_LIVE, true))
		pr_err("%02x.%04x: cannot log out a login beyond this host's share: out of memory\n",
		       card->id, apqn->domain);
	*share_full = true;
	return -EDQUOT;
}

/* Log in on one APQN, waiting for a free session while the card is full. */
static int ep11_login_one(struct ep11_login_ctx *ctx, unsigned int i)
{
	struct ep11_login_req *req = ctx->req;
	struct ep11sess_target *t = &req->targets[i];
	struct ep11_apqn *apqn = ctx->apqns[i];
	struct ep11_card *card = apqn->card;
	unsigned long seq;
	bool share_full;
	long left;
	u32 rc;
	int ret;

	for (;;) {
		if (READ_ONCE(card->dead)) {
			ret = -ENODEV;
			break;
		}
		seq = ep11_card_slot_seq(card);
		rc = 0;
		share_full = false;
		ctx->join_only[i] = false;
		ctx->seq[i] = ep11_apqn_logout_seq(apqn);
		/* A change before the publication: the entry starts AWAY. */
		ep11_apqn_usable(apqn, &ctx->away[i]);
		if (!ctx->exempt && ep11_card_uid_at_quota(card, current_uid()))
			ret = -EDQUOT;
		else
			ret = ep11_login_share(ctx, i, &rc, &share_full);
		t->ep11_rc = rc;
		if (ret != -ENOSPC && ret != -EDQUOT)
			break;
		if (ret == -ENOSPC)
			ep11_login_exhausted(apqn);
		left = (long)(ctx->end - jiffies);
		if (left <= 0)
			break;
		/*
		 * At a full share, only room in it (or the card's end) is
		 * worth another try: slots this host's own tries take and
		 * free must not wake it.
		 */
		if (share_full)
			left = ep11_login_wait_share(card, left);
		else
			left = ep11_login_wait_slot(card, seq, left);
		if (left < 0)
			return -EINTR;
		if (!left) {
			/* Time is up; one last try below may still succeed. */
			ctx->end = jiffies;
		}
	}
	if (ep11_xfer_maybe_ran(ret))
		ctx->unseen[i] = true;
	return ret;
}

/*
 * A record of APQNs to log out (@state LIVE, the blobs known) or to
 * recover (%EP11_SA_RECOVER, PIN and nonce kept), handed to reclaim.
 * Returns -ENOMEM when the record cannot be made.
 */
static int ep11_login_leftover(struct ep11_login_ctx *ctx, const bool *which,
			       u32 state, bool wait)
{
	struct ep11_login_req *req = ctx->req;
	struct ep11_session *rec;
	unsigned int i, n = 0;

	for (i = 0; i < req->ntargets; i++)
		n += which[i];
	if (!n)
		return 0;
	rec = ep11_session_alloc(req->shared, n, GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	if (state == EP11_SA_RECOVER) {
		rec->orphan = true;
		rec->pin = kmemdup(req->pin, req->pin_len, GFP_KERNEL);
		rec->nonce = kmemdup(req->nonce, req->nonce_len, GFP_KERNEL);
		rec->pin_len = req->pin_len;
		rec->nonce_len = req->nonce_len;
		if (!rec->pin || !rec->nonce) {
			ep11_session_put(rec);
			return -ENOMEM;
		}
	}
	for (i = 0; i < req->ntargets; i++) {
		if (!which[i])
			continue;
		ep11_session_add_apqn(rec, ctx->apqns[i],
				      state == EP11_SA_RECOVER ?
				      NULL : ctx->blobs[i], state);
		if (state == EP11SESS_STATE_LIVE)
			ep11_login_slot_taken(ctx, i, rec->owner_uid);
	}
	rec->life = EP11_SESS_DYING;
	rec->dying_since = ktime_get();
	ep11_session_link(rec);
	if (state == EP11_SA_RECOVER)
		ep11_reclaim_start_after(rec, ep11_xfer_default_timeout());
	else
		ep11_reclaim_start(rec, false);
	if (wait)
		ep11_reclaim_wait(rec, jiffies +
				  msecs_to_jiffies(ep11_release_timeout_ms));
	ep11_session_put(rec);
	return 0;
}

/*
 * Log out what the cards accepted.  A live shared session that holds the
 * same card session keeps it: reclaim takes it over instead of logging it
 * out.  Must not be called under the session id's lock.
 */
static void ep11_login_rollback(struct ep11_login_ctx *ctx, int why)
{
	struct ep11_login_req *req = ctx->req;
	bool undo[EP11SESS_MAX_APQNS] = { };
	unsigned int i;

	for (i = 0; i < req->ntargets; i++) {
		if (!ctx->ok[i])
			continue;
		ctx->ok[i] = false;
		if (!req->targets[i].error)
			req->targets[i].error = why;
		undo[i] = true;
	}
	if (ep11_login_leftover(ctx, undo, EP11SESS_STATE_LIVE, true))
		pr_err("cannot roll a login back: out of memory; sessions stay on the card until it is reset\n");
}

static void ep11_login_events(struct ep11_login_ctx *ctx,
			      struct ep11_session *sess)
{
	struct ep11_event ev = { .owner_tgid = task_tgid_nr(current) };
	unsigned int i;

	ep11_session_public_id(sess, ev.public_id);
	get_task_comm(ev.comm, current);
	for (i = 0; i < ctx->req->ntargets; i++) {
		if (!ctx->ok[i])
			continue;
		ev.card = ctx->apqns[i]->card->id;
		ev.domain = ctx->apqns[i]->domain;
		ep11_event_emit(EP11_EV_LOGIN, &ev);
	}
}

/* One pass over the targets; returns the first error or 0. */
static int ep11_login_pass(struct ep11_login_ctx *ctx)
{
	struct ep11_login_req *req = ctx->req;
	int first = 0, ret;
	unsigned int i;

	for (i = 0; i < req->ntargets; i++) {
		struct ep11sess_target *t = &req->targets[i];

		ctx->ok[i] = false;
		t->state = EP11SESS_STATE_NONE;
		if (!ctx->apqns[i]) {
			t->error = -ENODEV;
		} else if (fatal_signal_pending(current)) {
			t->error = -EINTR;
		} else {
			ret = ep11_login_one(ctx, i);
			t->error = ret;
			ctx->ok[i] = !ret;
		}
		if (t->error && !first)
			first = t->error;
	}
	return first;
}

/* The session ids must agree; the first APQN that accepted sets it. */
static int ep11_login_agree(struct ep11_login_ctx *ctx)
{
	struct ep11_login_req *req = ctx->req;
	const u8 *id = NULL;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < req->ntargets; i++) {
		if (!ctx->ok[i])
			continue;
		if (!id) {
			id = ctx->blobs[i];
			continue;
		}
		if (memcmp(id, ctx->blobs[i], EP11_SESSION_ID_LEN)) {
			req->targets[i].error = -EXDEV;
			pr_warn_ratelimited("%02x.%04x: session id differs from the other APQNs' (different wrapping keys?); login rolled back\n",
					    ctx->apqns[i]->card->id,
					    ctx->apqns[i]->domain);
			ret = -EXDEV;
		}
	}
	return ret;
}

static unsigned int ep11_login_nok(struct ep11_login_ctx *ctx)
{
	unsigned int i, n = 0;

	for (i = 0; i < ctx->req->ntargets; i++)
		n += ctx->ok[i];
	return n;
}

static const u8 *ep11_login_id(struct ep11_login_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->req->ntargets; i++)
		if (ctx->ok[i])
			return ctx->blobs[i];
	return NULL;
}

/*
 * Under the id's lock: ask again every APQN where a logout was sent since
 * the Login, which may have ended the card's session the Login found.
 * APQNs that fail now are dropped; a new pin blob that differs goes to
 * @undo to be logged out.  Returns the first error or 0.
 */
static int ep11_login_revalidate(struct ep11_login_ctx *ctx, const u8 *id,
				 bool *undo)
{
	struct ep11_login_req *req = ctx->req;
	u8 blob[EP11_PINBLOB_LEN];
	unsigned int i;
	int first = 0, ret;
	u32 rc;

	for (i = 0; i < req->ntargets; i++) {
		struct ep11sess_target *t = &req->targets[i];

		if (!ctx->ok[i] ||
		    ep11_apqn_logout_seq(ctx->apqns[i]) == ctx->seq[i])
			continue;
		ret = ep11_xfer_login(ctx->apqns[i], req->pin, req->pin_len,
				      req->nonce, req->nonce_len, blob, &rc,
				      ep11_xfer_default_timeout());
		if (!ret && memcmp(blob, id, EP11_SESSION_ID_LEN)) {
			memcpy(ctx->blobs[i], blob, EP11_PINBLOB_LEN);
			undo[i] = true;
			ret = -EXDEV;
		}
		if (ret) {
			ctx->ok[i] = false;
			t->error = ret;
			t->ep11_rc = rc;
			if (ep11_xfer_maybe_ran(ret))
				ctx->unseen[i] = true;
			if (!first)
				first = ret;
		}
	}
	memzero_explicit(blob, sizeof(blob));
	return first;
}

/*
 * The state a new entry starts in; ep11_sess_lock held.  An APQN that went
 * offline or away since its Login (its away_seq moved) was marked AWAY
 * without this session, which was not linked yet: the entry starts AWAY,
 * so the APQN's return logs it in again (relogin.c).  The check and
 * ep11_relogin_mark_away() both run under ep11_sess_lock, after the bump.
 */
static u32 ep11_login_entry_state(struct ep11_login_ctx *ctx, unsigned int i)
{
	unsigned long now;

	lockdep_assert_held(&ep11_sess_lock);
	if (ep11_apqn_usable(ctx->apqns[i], &now) && now == ctx->away[i])
		ctx->state[i] = EP11SESS_STATE_LIVE;
	else
		ctx->state[i] = EP11SESS_STATE_AWAY;
	return ctx->state[i];
}

/* Create a session from the APQNs that accepted; ep11_sess_lock held. */
static struct ep11_session *ep11_login_create_locked(struct ep11_login_ctx *ctx,
						     struct ep11_session *sess)
{
	struct ep11_login_req *req = ctx->req;
	unsigned int i;

	lockdep_assert_held(&ep11_sess_lock);
	for (i = 0; i < req->ntargets; i++) {
		if (!ctx->ok[i])
			continue;
		ep11_session_add_apqn(sess, ctx->apqns[i], ctx->blobs[i],
				      ep11_login_entry_state(ctx, i));
		ep11_login_slot_taken(ctx, i, sess->owner_uid);
	}
	sess->holders = 1;
	ep11_session_link_locked(sess);
	return sess;
}

/* Join a live shared session; ep11_sess_lock held.  Overflow -> @undo. */
static void ep11_login_join_locked(struct ep11_login_ctx *ctx,
				   struct ep11_session *live, bool *undo)
{
	struct ep11_login_req *req = ctx->req;
	unsigned int i;

	lockdep_assert_held(&ep11_sess_lock);
	live->holders++;
	ep11_session_get(live);
	for (i = 0; i < req->ntargets; i++) {
		if (!ctx->ok[i] || ep11_session_find_apqn(live, ctx->apqns[i]))
			continue;
		if (ep11_session_add_apqn(live, ctx->apqns[i], ctx->blobs[i],
					  ep11_login_entry_state(ctx, i))) {
			/* The session spans the most APQNs it can. */
			ctx->ok[i] = false;
			req->targets[i].error = -E2BIG;
			undo[i] = true;
			continue;
		}
		ep11_login_slot_taken(ctx, i, live->owner_uid);
	}
}

/*
 * An APQN whose Login went beyond the host share may only join: when the
 * live session no longer holds it there (its last holder left before the
 * publication), it would take a new slot.  It is refused with -EDQUOT and
 * goes to @undo.  Returns the number refused.
 */
static unsigned int ep11_login_refuse_over_locked(struct ep11_login_ctx *ctx,
						  struct ep11_session *live,
						  bool *undo)
{
	struct ep11_login_req *req = ctx->req;
	unsigned int i, n = 0;

	lockdep_assert_held(&ep11_sess_lock);
	for (i = 0; i < req->ntargets; i++) {
		if (!ctx->ok[i] || !ctx->join_only[i] ||
		    (live && ep11_session_find_apqn(live, ctx->apqns[i])))
			continue;
		ctx->ok[i] = false;
		req->targets[i].error = -EDQUOT;
		undo[i] = true;
		n++;
	}
	return n;
}

/*
 * A live session keeps its PIN and nonce, to log in again on a card that
 * comes back (relogin.c); wiped when the session is freed.
 */
static int ep11_login_keep_secret(struct ep11_session *sess,
				  const struct ep11_login_req *req)
{
	sess->pin = kmemdup(req->pin, req->pin_len, GFP_KERNEL_ACCOUNT);
	sess->nonce = kmemdup(req->nonce, req->nonce_len, GFP_KERNEL_ACCOUNT);
	sess->pin_len = req->pin_len;
	sess->nonce_len = req->nonce_len;
	return sess->pin && sess->nonce ? 0 : -ENOMEM;
}

/*
 * Publish the login: create a session, or join the live shared one with
 * the same id.  Returns 0 with *@out set, or an error after rolling back.
 */
static int ep11_login_publish(struct ep11_login_ctx *ctx,
			      struct ep11_session **out, bool *joined)
{
	struct ep11_login_req *req = ctx->req;
	bool undo[EP11SESS_MAX_APQNS] = { };
	u8 id[EP11_SESSION_ID_LEN];
	struct ep11_session *sess, *live = NULL;
	struct rw_semaphore *id_lock = NULL;
	int ret = 0, first;

	memcpy(id, ep11_login_id(ctx), sizeof(id));
	sess = ep11_session_alloc(req->shared, req->ntargets, GFP_KERNEL);
	if (sess && ep11_login_keep_secret(sess, req)) {
		ep11_session_put(sess);
		sess = NULL;
	}
	if (!sess) {
		ep11_login_rollback(ctx, -ENOMEM);
		return -ENOMEM;
	}
	if (req->shared) {
		id_lock = ep11_session_id_lock(id);
		if (down_write_killable(id_lock)) {
			ep11_session_put(sess);
			ep11_login_rollback(ctx, -ECANCELED);
			return -EINTR;
		}
		first = ep11_login_revalidate(ctx, id, undo);
		if (!ep11_login_nok(ctx) || (first && req->all_or_none)) {
			up_write(id_lock);
			ep11_session_put(sess);
			ep11_login_rollback(ctx, -ECANCELED);
			ret = first;
			goto undo;
		}
	}

	mutex_lock(&ep11_sess_lock);
	if (req->shared)
		live = ep11_session_find_live_locked(id);
	if (ep11_login_refuse_over_locked(ctx, live, undo) &&
	    (!ep11_login_nok(ctx) || req->all_or_none)) {
		mutex_unlock(&ep11_sess_lock);
		if (id_lock)
			up_write(id_lock);
		ep11_session_put(sess);
		ep11_login_rollback(ctx, -ECANCELED);
		ret = -EDQUOT;
		goto undo;
	}
	if (req->name) {
		ret = ep11_name_check_locked(req->name, live);
		if (ret) {
			mutex_unlock(&ep11_sess_lock);
			if (id_lock)
				up_write(id_lock);
			ep11_session_put(sess);
			ep11_login_rollback(ctx, -ECANCELED);
			goto undo;
		}
	}
	if (live) {
		ep11_login_join_locked(ctx, live, undo);
		*joined = true;
		*out = live;
	} else {
		*out = ep11_login_create_locked(ctx, sess);
		sess = NULL;
	}
	if (req->name)
		ep11_name_give_locked(*out, &req->name);
	mutex_unlock(&ep11_sess_lock);
	if (id_lock)
		up_write(id_lock);
	ep11_session_put(sess);
	/* What joined took no slot; what is undone hands its slot over. */
	ep11_login_unreserve(ctx, undo);
undo:
	if (ep11_login_leftover(ctx, undo, EP11SESS_STATE_LIVE, true))
		pr_err("cannot log out a login beyond the session's APQNs: out of memory\n");
	memzero_explicit(id, sizeof(id));
	return ret;
}

static int ep11_login_try(struct ep11_login_ctx *ctx,
			  struct ep11_session **out, bool *joined)
{
	struct ep11_login_req *req = ctx->req;
	unsigned int i;
	int first, ret;

	first = ep11_login_pass(ctx);
	ret = ep11_login_agree(ctx);
	if (ret) {
		ep11_login_rollback(ctx, -ECANCELED);
		return ret;
	}
	if (!ep11_login_nok(ctx))
		return first ? first : -ENODEV;
	if (first && (req->all_or_none || fatal_signal_pending(current))) {
		ep11_login_rollback(ctx, -ECANCELED);
		return first;
	}
	ret = ep11_login_publish(ctx, out, joined);
	if (ret)
		return ret;
	for (i = 0; i < req->ntargets; i++)
		if (ctx->ok[i])
			req->targets[i].state = ctx->state[i] ?
						ctx->state[i] :
						EP11SESS_STATE_LIVE;
	ep11_login_events(ctx, *out);
	return 0;
}

/**
 * ep11_login() - log in on a set of APQNs
 * @req:    the request; per-target results are written to @req->targets
 * @out:    the session, with a reference and one hold for the caller
 * @joined: set when a live shared session was joined
 *
 * Every card session a failed login leaves behind is handed to reclaim:
 * those the cards accepted are logged out, those whose answer was not
 * seen are recovered (logged in again to learn the pin blob, then out).
 *
 * Context: process context, sleeps for card round trips and up to
 * @req->wait for a free session; no locks held.
 * Return: 0 when at least one APQN (all, with @req->all_or_none) accepted,
 * else the first APQN's error: -ENODEV, -EACCES, -ENOSPC, -EDQUOT (the
 * caller's uid holds its quota of the card, or this host its share),
 * -EXDEV, -EINTR, -ETIMEDOUT,
 * -EIO, -EPROTO, -EREMOTEIO, -ENOMEM; -EEXIST for a name that is taken.
 */
int ep11_login(struct ep11_login_req *req, struct ep11_session **out,
	       bool *joined)
{
	struct ep11_login_ctx *ctx;
	unsigned int i;
	bool unseen = false;
	int ret;

	*out = NULL;
	*joined = false;
	if (!req->ntargets || req->ntargets > EP11SESS_MAX_APQNS)
		return -EINVAL;
	/* No card work, and no wait, for a login bound to fail. */
	if (req->name && ep11_name_taken(req->name, req->shared))
		return -EEXIST;
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	ctx->req = req;
	ctx->end = jiffies + req->wait;
	ctx->exempt = capable(CAP_SYS_ADMIN);
	for (i = 0; i < req->ntargets; i++) {
		struct ep11_card *card = ep11_card_get(req->targets[i].apqn.card);

		if (!card)
			continue;
		ctx->apqns[i] = ep11_apqn_find(card, req->targets[i].apqn.domain);
		if (!ctx->apqns[i])
			ep11_card_put(card);
	}

	ret = ep11_login_try(ctx, out, joined);
	for (i = 0; i < req->ntargets; i++) {
		if (ctx->unseen[i]) {
			req->targets[i].state = EP11SESS_STATE_PENDING;
			unseen = true;
		}
	}
	if (unseen &&
	    ep11_login_leftover(ctx, ctx->unseen, EP11_SA_RECOVER, false))
		pr_err("cannot recover an unanswered login: out of memory\n");

	ep11_login_unreserve(ctx, NULL);
	for (i = 0; i < req->ntargets; i++)
		if (ctx->apqns[i])
			ep11_card_put(ctx->apqns[i]->card);
	kfree_sensitive(ctx);
	return ret;
}
