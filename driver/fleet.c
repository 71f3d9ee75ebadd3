// SPDX-License-Identifier: GPL-2.0
/*
 * Hosts that share a card.  A card's session budget is shared by every
 * host (LPAR) and domain that uses it; this host sees the card's own
 * counts and its own sessions, and from them:
 *
 * - unaccounted sessions: max - available - what this host held when the
 *   card answered (logins between their share check and their slot being
 *   counted are left out too, so a login in flight is not mistaken for
 *   another host's session).  An event tells when the count grows.
 * - a host share: a cap on the slots this host holds on a card.  A login
 *   reserves its slot under the card's lock before its Login round trip
 *   and keeps the reservation until the slot is counted in @held or the
 *   login gave it up, so concurrent logins never hold more than the
 *   share.  Lowering the share below the use ends nothing: new logins
 *   wait or fail with EDQUOT until the use is below it.
 * - the reclaim latency histogram, fixed buckets (EP11SESS_RECLAIM_BOUNDS_US).
 * - the audit of administrators' logouts: a kernel log line and an event
 *   per session ended, and a line per command.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/ep11sess_genl.h>

#include "card.h"
#include "event.h"
#include "fleet.h"
#include "session.h"

static unsigned int ep11_host_share;

/* Logins waiting at a card's old share look again. */
static int ep11_host_share_wake(struct ep11_card *card, void *arg)
{
	spin_lock(&card->lock);
	card->slot_seq++;
	spin_unlock(&card->lock);
	wake_up_all(&card->slot_wq);
	return 0;
}

static int ep11_host_share_set(const char *val, const struct kernel_param *kp)
{
	unsigned int share;
	int ret;

	ret = kstrtouint(val, 10, &share);
	if (ret)
		return ret;
	if (share > INT_MAX)
		return -EINVAL;
	WRITE_ONCE(ep11_host_share, share);
	return ep11_cards_for_each(ep11_host_share_wake, NULL);
}

static const struct kernel_param_ops ep11_host_share_ops = {
	.set = ep11_host_share_set,
	.get = param_get_uint,
};

module_param_cb(host_share, &ep11_host_share_ops, &ep11_host_share, 0644);
MODULE_PARM_DESC(host_share,
		 "most sessions this host may hold on one card (0: no cap); a card's host_share overrides it");

static const u64 ep11_reclaim_bounds_us[] = EP11SESS_RECLAIM_BOUNDS_US;

/**
 * ep11_card_host_share_locked() - the most slots this host may hold
 * @card: the card
 *
 * Context: any context; the caller holds the card's lock.
 * Return: the share, 0 when there is no cap.
 */
unsigned int ep11_card_host_share_locked(struct ep11_card *card)
{
	lockdep_assert_held(&card->lock);
	if (card->host_share >= 0)
		return card->host_share;
	return READ_ONCE(ep11_host_share);
}

/**
 * ep11_card_set_host_share() - set a card's share
 * @card:  the card
 * @share: the most slots this host may hold, 0 for no cap, -1 to follow
 *         the module's host_share
 *
 * Logins waiting at the old share look again.  Sessions beyond a lowered
 * share stay.
 *
 * Context: any context; takes the card's spinlock.
 */
void ep11_card_set_host_share(struct ep11_card *card, int share)
{
	spin_lock(&card->lock);
	card->host_share = share;
	card->slot_seq++;
	spin_unlock(&card->lock);
	wake_up_all(&card->slot_wq);
}

/**
 * ep11_card_share_reserve() - reserve a slot of this host's share
 * @card: the card
 *
 * Every login reserves before its Login round trip, with or without a
 * share: the reservation keeps a login in flight out of the unaccounted
 * count.  ep11_card_share_unreserve() ends it once the slot is counted in
 * the card's @held, or given up.
 *
 * Context: any context; takes the card's spinlock.
 * Return: 0, or -EDQUOT when the slots held and reserved fill the share.
 */
int ep11_card_share_reserve(struct ep11_card *card)
{
	unsigned int share;
	int ret = 0;

	spin_lock(&card->lock);
	share = ep11_card_host_share_locked(card);
	if (share && card->held + card->share_reserved >= share)
		ret = -EDQUOT;
	else
		card->share_reserved++;
	spin_unlock(&card->lock);
	return ret;
}

/**
 * ep11_card_share_room() - whether a login may reserve a slot of the share
 * @card: the card
 *
 * The condition logins waiting at a full share wait for: the slots held
 * and reserved are below the share (or there is none), or the card is
 * gone.
 *
 * Context: any context; takes the card's spinlock.
 * Return: true when a reservation may succeed, or the card is dead.
 */
bool ep11_card_share_room(struct ep11_card *card)
{
	unsigned int share;
	bool room;

	spin_lock(&card->lock);
	share = ep11_card_host_share_locked(card);
	room = card->dead || !share ||
	       card->held + card->share_reserved < share;
	spin_unlock(&card->lock);
	return room;
}

/**
 * ep11_card_caps_ours() - what this host holds of a card, logins in flight
 * included
 * @card: the card
 *
 * Read before the card is asked for its counts: a logout of ours that
 * races the question must not make its slot look like another host's.
 *
 * Context: any context; takes the card's spinlock.
 * Return: the card's @held plus its @share_reserved.
 */
unsigned int ep11_card_caps_ours(struct ep11_card *card)
{
	unsigned int ours;

	spin_lock(&card->lock);
	ours = card->held + card->share_reserved;
	spin_unlock(&card->lock);
	return ours;
}

/**
 * ep11_card_share_unreserve() - end a reservation
 * @card: the card
 *
 * Wakes logins waiting for the share.
 *
 * Context: any context; takes the card's spinlock.
 */
void ep11_card_share_unreserve(struct ep11_card *card)
{
	bool wake;

	spin_lock(&card->lock);
	if (!WARN_ON_ONCE(!card->share_reserved))
		card->share_reserved--;
	wake = ep11_card_host_share_locked(card);
	if (wake)
		card->slot_seq++;
	spin_unlock(&card->lock);
	if (wake)
		wake_up_all(&card->slot_wq);
}

/**
 * ep11_card_caps_answered() - store the card's counts, update unaccounted
 * @apqn:  the APQN that answered
 * @max:   the card's max sessions
 * @avail: the card's available sessions
 * @ours_before: ep11_card_caps_ours() before the card was asked
 *
 * This host's sessions are the larger of what it held (and was logging
 * in) before the question and after the answer: a slot freed or taken
 * while the question was on its way is not counted as another host's.
 * Logs a line (rate limited) and emits %EP11_EV_UNACCOUNTED when the count
 * rises above the one last reported; a count that falls to 0 is reported
 * again when it rises.
 *
 * Context: process context, may sleep; takes the card's spinlock.
 */
void ep11_card_caps_answered(struct ep11_apqn *apqn, u32 max, u32 avail,
			     unsigned int ours_before)
{
	struct ep11_card *card = apqn->card;
	struct ep11_event ev = { .card = card->id, .domain = apqn->domain };
	unsigned int ours, before, now;
	bool report;

	spin_lock(&card->lock);
	card->max_sessions = max;
	card->avail_sessions = avail;
	card->caps_valid = true;
	WRITE_ONCE(card->caps_time, jiffies);
	ours = max(ours_before, card->held + card->share_reserved);
	before = card->unaccounted;
	now = max > avail && max - avail > ours ? max - avail - ours : 0;
	card->unaccounted = now;
	report = now > card->unaccounted_reported;
	if (report || !now)
		card->unaccounted_reported = now;
	ev.card_max = max;
	ev.card_avail = avail;
	ev.card_held = card->held;
	spin_unlock(&card->lock);
	if (!report)
		return;
	ev.unaccounted = now;
	ev.unaccounted_before = before;
	pr_notice_ratelimited("card%02x: %u session(s) on the card are not this host's (was %u): max %u, available %u, held here %u\n",
			      card->id, now, before, max, avail, ev.card_held);
	ep11_event_emit(EP11_EV_UNACCOUNTED, &ev);
}

/**
 * ep11_reclaim_hist_add() - count a reclaim's latency in its bucket
 * @st:         the APQN's counters
 * @latency_us: the latency
 *
 * Context: any context; the caller holds the card's lock.
 */
void ep11_reclaim_hist_add(struct ep11_apqn_stats *st, u64 latency_us)
{
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(ep11_reclaim_bounds_us) !=
		     EP11SESS_RECLAIM_NBOUNDS);
	for (i = 0; i < EP11SESS_RECLAIM_NBOUNDS; i++)
		if (latency_us <= ep11_reclaim_bounds_us[i])
			break;
	st->reclaim_buckets[i]++;
	st->reclaim_sum_us += latency_us;
}

static const char *ep11_via_name(u32 via)
{
	return via == EP11SESS_VIA_NETLINK ? "netlink" : "ioctl";
}

/**
 * ep11_audit_admin_logout() - record a session an administrator ended
 * @sess:   the session
 * @failed: one of its APQNs' logout failed
 * @force:  the logout forgot what failed
 * @via:    %EP11SESS_VIA_IOCTL or %EP11SESS_VIA_NETLINK
 *
 * Logs who (the current task: uid, tgid, command) ended which session
 * (public id, owner, APQNs) and emits %EP11_EV_ADMIN_LOGOUT.
 *
 * Context: process context of the administrator, may sleep.
 */
void ep11_audit_admin_logout(struct ep11_session *sess, bool failed,
			     bool force, u32 via)
{
	struct ep11_event ev = { };
	unsigned int i, n = ep11_session_napqns(sess);
	char apqns[EP11SESS_MAX_APQNS * 8 + 1];
	size_t pos = 0;

	apqns[0] = '\0';
	for (i = 0; i < n && i < EP11SESS_MAX_APQNS; i++)
		pos += scnprintf(apqns + pos, sizeof(apqns) - pos, "%s%02x.%04x",
				 i ? "," : "", sess->apqns[i].apqn->card->id,
				 sess->apqns[i].apqn->domain);
	if (n) {
		ev.card = sess->apqns[0].apqn->card->id;
		ev.domain = sess->apqns[0].apqn->domain;
	}
	ep11_session_public_id(sess, ev.public_id);
	ev.owner_tgid = pid_nr(sess->owner);
	ev.owner_uid = from_kuid_munged(&init_user_ns, sess->owner_uid);
	strscpy(ev.comm, sess->comm, sizeof(ev.comm));
	ev.admin_uid = from_kuid_munged(&init_user_ns, current_uid());
	ev.admin_tgid = task_tgid_nr(current);
	get_task_comm(ev.admin_comm, current);
	ev.via = via;
	ev.failed = failed;
	ev.force = force;
	/* Command names are the tasks' own choice: escaped, one line. */
	pr_notice("admin logout by uid %u pid %d (%*pE) via %s: session %*phN of pid %d uid %u (%*pE) on %s%s%s\n",
		  ev.admin_uid, ev.admin_tgid,
		  (int)strnlen(ev.admin_comm, sizeof(ev.admin_comm)),
		  ev.admin_comm,
		  ep11_via_name(via), (int)sizeof(ev.public_id), ev.public_id,
		  ev.owner_tgid, ev.owner_uid,
		  (int)strnlen(ev.comm, sizeof(ev.comm)), ev.comm, apqns,
		  force ? ", forced" : "", failed ? ", an APQN failed" : "");
	ep11_event_emit(EP11_EV_ADMIN_LOGOUT, &ev);
}

/**
 * ep11_audit_admin_summary() - record an administrator's logout command
 * @flags:   its EP11SESS_ADMIN_* flags
 * @matched: sessions it ended
 * @failed:  of those, sessions with an APQN that failed
 * @ret:     its result
 * @via:     %EP11SESS_VIA_IOCTL or %EP11SESS_VIA_NETLINK
 *
 * Context: process context of the administrator.
 */
void ep11_audit_admin_summary(u32 flags, unsigned int matched,
			      unsigned int failed, int ret, u32 via)
{
	char comm[TASK_COMM_LEN];

	get_task_comm(comm, current);
	pr_notice("admin logout by uid %u pid %d (%*pE) via %s: filters%s%s%s%s%s: %u session(s) ended, %u with a failed APQN, result %d\n",
		  from_kuid_munged(&init_user_ns, current_uid()),
		  task_tgid_nr(current), (int)strnlen(comm, sizeof(comm)),
		  comm, ep11_via_name(via),
		  flags & EP11SESS_ADMIN_BY_ID ? " id" : "",
		  flags & EP11SESS_ADMIN_BY_PID ? " pid" : "",
		  flags & EP11SESS_ADMIN_BEFORE ? " date" : "",
		  flags & EP11SESS_ADMIN_BY_APQN ? " apqn" : "",
		  flags & EP11SESS_ADMIN_FORCE ? " force" : "",
		  matched, failed, ret);
}
