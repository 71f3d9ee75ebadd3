// SPDX-License-Identifier: GPL-2.0
/*
 * The card registry and the provider side of the seam
 * (driver/ep11_provider.h): cards and APQNs are registered by providers,
 * looked up by (card, domain), and their session counters kept here.
 *
 * A card's memory lives by its kref; whether its provider is still there
 * is its ops pointer, read under ops_sem around every ->send() and cleared
 * under the write lock at unregistration (as tpm_try_get_ops()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "card.h"
#include "event.h"
#include "fleet.h"
#include "orphan.h"
#include "reclaim.h"
#include "relogin.h"
#include "sysfs.h"
#include "xfer.h"

#define EP11_MAX_CARDS	256

static unsigned int ep11_uid_quota_percent = 50;
module_param_named(uid_quota_percent, ep11_uid_quota_percent, uint, 0644);
MODULE_PARM_DESC(uid_quota_percent,
		 "share of a card's sessions one uid may hold, in percent (0: no limit); a card's uid_quota overrides it");

/**
 * struct ep11_uid_use - the card sessions one uid holds on a card
 * @node: in the card's @uids (under its lock)
 * @uid:  the uid
 * @n:    slots held, pending logouts included
 */
struct ep11_uid_use {
	struct list_head node;
	kuid_t uid;
	unsigned int n;
};

static DEFINE_MUTEX(ep11_registry_lock);
/* The last registration's number (struct ep11_card @gen). */
static atomic64_t ep11_card_gens = ATOMIC64_INIT(0);
static struct ep11_card *ep11_cards[EP11_MAX_CARDS];	/* registry lock */

static void ep11_card_release(struct kref *ref)
{
	struct ep11_card *card = container_of(ref, struct ep11_card, ref);
	struct ep11_uid_use *u, *tmp;

	list_for_each_entry_safe(u, tmp, &card->uids, node)
		kfree(u);
	mutex_destroy(&card->wkid_mutex);
	/* A send may still look at an APQN of it under RCU (send.c). */
	kfree_rcu(card, rcu);
}

static struct ep11_uid_use *ep11_uid_find(struct ep11_card *card, kuid_t uid)
{
	struct ep11_uid_use *u;

	lockdep_assert_held(&card->lock);
	list_for_each_entry(u, &card->uids, node)
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/* Drop one slot of @uid; the caller holds the card's lock. */
static void ep11_uid_put_locked(struct ep11_card *card, kuid_t uid)
{
	struct ep11_uid_use *u = ep11_uid_find(card, uid);

	if (WARN_ON_ONCE(!u))
		return;
	if (!--u->n) {
		list_del(&u->node);
		kfree(u);
	}
}

/**
 * ep11_card_uid_quota() - the most slots of a card one uid may hold
 * @card: the card
 *
 * Context: any context; the caller holds the card's lock.
 * Return: the quota, 0 when there is none.
 */
unsigned int ep11_card_uid_quota(struct ep11_card *card)
{
	unsigned int pct = READ_ONCE(ep11_uid_quota_percent);

	lockdep_assert_held(&card->lock);
	if (card->uid_quota >= 0)
		return card->uid_quota;
	if (!pct || pct >= 100 || !card->caps_valid || !card->max_sessions)
		return 0;
	return max(1U, card->max_sessions * pct / 100);
}

/**
 * ep11_card_uid_at_quota() - whether a uid holds all its quota on a card
 * @card: the card
 * @uid:  the uid
 *
 * Context: any context; takes the card's spinlock.
 * Return: true when a new session of @uid on @card is over its quota.
 */
bool ep11_card_uid_at_quota(struct ep11_card *card, kuid_t uid)
{
	struct ep11_uid_use *u;
	unsigned int q;
	bool at;

	spin_lock(&card->lock);
	q = ep11_card_uid_quota(card);
	u = ep11_uid_find(card, uid);
	at = q && u && u->n >= q;
	spin_unlock(&card->lock);
	return at;
}

/**
 * ep11_card_uid_usage() - the uids holding slots on a card
 * @card: the card
 * @fn:   called under the card's spinlock for each uid; must not sleep
 * @arg:  passed to @fn
 *
 * Context: any context; takes the card's spinlock.
 */
void ep11_card_uid_usage(struct ep11_card *card,
			 void (*fn)(kuid_t uid, unsigned int n, void *arg),
			 void *arg)
{
	struct ep11_uid_use *u;

	spin_lock(&card->lock);
	list_for_each_entry(u, &card->uids, node)
		fn(u->uid, u->n, arg);
	spin_unlock(&card->lock);
}

/**
 * ep11_card_put() - drop a reference to a card
 * @card: the card, or NULL
 *
 * Context: any context.
 */
void ep11_card_put(struct ep11_card *card)
{
	if (card)
		kref_put(&card->ref, ep11_card_release);
}

/**
 * ep11_card_get() - look a registered card up
 * @id: adapter number
 *
 * Context: process context, takes the registry lock.
 * Return: the card with a reference, or NULL when none is registered.
 */
struct ep11_card *ep11_card_get(u8 id)
{
	struct ep11_card *card;

	mutex_lock(&ep11_registry_lock);
	card = ep11_cards[id];
	if (card)
		kref_get(&card->ref);
	mutex_unlock(&ep11_registry_lock);
	return card;
}

/**
 * ep11_card_get_by_serial() - look a registered card up by serial number
 * @serial: %EP11_SERIAL_LEN bytes, not all zero
 *
 * Context: process context, takes the registry lock.
 * Return: the card with a reference, or NULL when none is registered.
 */
struct ep11_card *ep11_card_get_by_serial(const char *serial)
{
	struct ep11_card *card = NULL;
	unsigned int i;

	mutex_lock(&ep11_registry_lock);
	for (i = 0; i < EP11_MAX_CARDS; i++) {
		if (ep11_cards[i] && !READ_ONCE(ep11_cards[i]->dead) &&
		    !memcmp(ep11_cards[i]->serial, serial, EP11_SERIAL_LEN)) {
			card = ep11_cards[i];
			kref_get(&card->ref);
			break;
		}
	}
	mutex_unlock(&ep11_registry_lock);
	return card;
}

/**
 * ep11_apqn_find() - one APQN of a card
 * @card:   the card
 * @domain: the domain
 *
 * Context: any context; the APQN lives as long as the caller's card
 * reference.
 * Return: the APQN or NULL.
 */
struct ep11_apqn *ep11_apqn_find(struct ep11_card *card, u16 domain)
{
	unsigned int i;

	for (i = 0; i < card->napqns; i++)
		if (card->apqns[i].domain == domain)
			return &card->apqns[i];
	return NULL;
}

/**
 * ep11_apqn_is_online() - whether requests may go to an APQN
 * @apqn: the APQN
 *
 * Context: any context; takes the card's spinlock.
 * Return: true when the APQN is online and its card registered.
 */
bool ep11_apqn_is_online(struct ep11_apqn *apqn)
{
	struct ep11_card *card = apqn->card;
	bool online;

	spin_lock(&card->lock);
	online = apqn->online && !card->dead;
	spin_unlock(&card->lock);
	return online;
}

static void ep11_apqn_slot_take(struct ep11_apqn *apqn, kuid_t uid,
				bool reserved)
{
	struct ep11_card *card = apqn->card;
	struct ep11_uid_use *u, *new = NULL;

	for (;;) {
		spin_lock(&card->lock);
		u = ep11_uid_find(card, uid);
		if (u || new)
			break;
		spin_unlock(&card->lock);
		new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	}
	if (!u) {
		u = new;
		new = NULL;
		u->uid = uid;
		list_add_tail(&u->node, &card->uids);
	}
	u->n++;
	apqn->held++;
	card->held++;
	apqn->stats.logins++;
	if (reserved && !WARN_ON_ONCE(!card->share_reserved))
		card->share_reserved--;
	spin_unlock(&card->lock);
	kfree(new);
}

/**
 * ep11_apqn_slot_taken() - account a session logged in on an APQN
 * @apqn: the APQN
 * @uid:  the session's owner, whose quota it counts against
 *
 * Context: process context, may sleep; takes the card's spinlock.
 */
void ep11_apqn_slot_taken(struct ep11_apqn *apqn, kuid_t uid)
{
	ep11_apqn_slot_take(apqn, uid, false);
}

/**
 * ep11_apqn_slot_taken_reserved() - account a login's reserved slot
 * @apqn: the APQN
 * @uid:  the session's owner, whose quota it counts against
 *
 * The slot the login reserved of the host share (ep11_card_share_reserve())
 * moves to the card's @held under one hold of the card's lock: it is never
 * counted twice, nor left out.
 *
 * Context: process context, may sleep; takes the card's spinlock.
 */
void ep11_apqn_slot_taken_reserved(struct ep11_apqn *apqn, kuid_t uid)
{
	ep11_apqn_slot_take(apqn, uid, true);
}

/**
 * ep11_apqn_slot_freed() - account a session logged out on an APQN
 * @apqn:        the APQN
 * @uid:         the session's owner
 * @was_pending: the logout had been pending
 * @reclaimed:   the session had lost its last holder
 * @latency_us:  for @reclaimed: time since the last hold was dropped
 *
 * Wakes logins waiting for a free session on the card.
 *
 * Context: any context; takes the card's spinlock.
 */
void ep11_apqn_slot_freed(struct ep11_apqn *apqn, kuid_t uid,
			  bool was_pending, bool reclaimed, u64 latency_us)
{
	struct ep11_card *card = apqn->card;

	spin_lock(&card->lock);
	ep11_uid_put_locked(card, uid);
	if (!WARN_ON_ONCE(!apqn->held)) {
		apqn->held--;
		card->held--;
	}
	if (was_pending && !WARN_ON_ONCE(!apqn->pending)) {
		apqn->pending--;
		card->pending--;
	}
	apqn->stats.logouts++;
	if (reclaimed) {
		apqn->stats.reclaimed++;
		apqn->stats.last_reclaim_us = latency_us;
		ep11_reclaim_hist_add(&apqn->stats, latency_us);
	}
	card->slot_seq++;
	spin_unlock(&card->lock);
	wake_up_all(&card->slot_wq);
}

/**
 * ep11_apqn_slot_lost() - account a session given up on an APQN
 * @apqn:        the APQN
 * @uid:         the session's owner
 * @was_pending: the logout had been pending
 *
 * Context: any context; takes the card's spinlock.
 */
void ep11_apqn_slot_lost(struct ep11_apqn *apqn, kuid_t uid,
			 bool was_pending)
{
	struct ep11_card *card = apqn->card;

	spin_lock(&card->lock);
	ep11_uid_put_locked(card, uid);
	if (!WARN_ON_ONCE(!apqn->held)) {
		apqn->held--;
		card->held--;
	}
	if (was_pending && !WARN_ON_ONCE(!apqn->pending)) {
		apqn->pending--;
		card->pending--;
	}
	apqn->stats.lost++;
	card->slot_seq++;
	spin_unlock(&card->lock);
	wake_up_all(&card->slot_wq);
}

/**
 * ep11_apqn_slot_released() - account a card session this APQN no longer owes
 * @apqn:        the APQN
 * @uid:         the owner of the session that let it go
 * @was_pending: the logout had been pending
 *
 * A session about to be logged out found a live session with the same id
 * on @apqn (the card session is counted once, by the live one), or the
 * card went away and the logout is kept for its return (orphan.c).
 *
 * Context: any context; takes the card's spinlock.
 */
void ep11_apqn_slot_released(struct ep11_apqn *apqn, kuid_t uid,
			     bool was_pending)
{
	struct ep11_card *card = apqn->card;

	spin_lock(&card->lock);
	ep11_uid_put_locked(card, uid);
	if (!WARN_ON_ONCE(!apqn->held)) {
		apqn->held--;
		card->held--;
	}
	if (was_pending && !WARN_ON_ONCE(!apqn->pending)) {
		apqn->pending--;
		card->pending--;
	}
	card->slot_seq++;
	spin_unlock(&card->lock);
	wake_up_all(&card->slot_wq);
}

/**
 * ep11_apqn_logout_sent() - note that a Logout round trip on an APQN ended
 * @apqn: the APQN
 *
 * A shared login whose Login was sent before this asks again before it is
 * published (see login.c).
 *
 * Context: any context.
 */
void ep11_apqn_logout_sent(struct ep11_apqn *apqn)
{
	atomic_long_inc(&apqn->logout_seq);
}

/**
 * ep11_apqn_set_pending() - account a logout that failed and will be retried
 * @apqn: the APQN
 *
 * Context: any context; takes the card's spinlock.
 */
void ep11_apqn_set_pending(struct ep11_apqn *apqn)
{
	struct ep11_card *card = apqn->card;

	spin_lock(&card->lock);
	apqn->pending++;
	card->pending++;
	spin_unlock(&card->lock);
}

/**
 * ep11_apqn_count_error() - count a failed round trip
 * @apqn: the APQN
 *
 * Context: any context; takes the card's spinlock.
 */
void ep11_apqn_count_error(struct ep11_apqn *apqn)
{
	spin_lock(&apqn->card->lock);
	apqn->stats.errors++;
	spin_unlock(&apqn->card->lock);
}

/**
 * ep11_apqn_count_request() - count one provider round trip
 * @apqn: the APQN
 * @ns:   time spent in ->send()
 *
 * Context: any context; takes the card's spinlock.
 */
void ep11_apqn_count_request(struct ep11_apqn *apqn, s64 ns)
{
	spin_lock(&apqn->card->lock);
	apqn->stats.requests++;
	apqn->stats.request_ns += ns;
	spin_unlock(&apqn->card->lock);
}

/**
 * ep11_card_slot_seq() - the card's count of freed slots
 * @card: the card
 *
 * Read before a login so that a slot freed during it is not missed.
 *
 * Context: any context.
 * Return: the sequence number.
 */
unsigned long ep11_card_slot_seq(struct ep11_card *card)
{
	return READ_ONCE(card->slot_seq);
}

/**
 * ep11_card_full() - whether the kernel's own count fills the card
 * @card: the card
 *
 * Context: any context; takes the card's spinlock.
 * Return: true when the card answered its maximum and the kernel holds
 * that many sessions on it.
 */
bool ep11_card_full(struct ep11_card *card)
{
	bool full;

	spin_lock(&card->lock);
	full = !card->dead && card->caps_valid && card->max_sessions &&
	       card->held >= card->max_sessions;
	spin_unlock(&card->lock);
	return full;
}

/**
 * ep11_apqn_wkid() - what the core knows of an APQN's wrapping key
 * @apqn: the APQN
 * @wkid: its verification pattern, when the return is %EP11_WKID_VALID
 *
 * Context: any context; takes the card's spinlock.
 * Return: %EP11_WKID_UNKNOWN, %EP11_WKID_VALID or %EP11_WKID_UNREADABLE.
 */
u8 ep11_apqn_wkid(struct ep11_apqn *apqn, u8 wkid[EP11_WKID_LEN])
{
	struct ep11_card *card = apqn->card;
	u8 state;

	spin_lock(&card->lock);
	state = apqn->wkid_state;
	if (state == EP11_WKID_VALID)
		memcpy(wkid, apqn->wkid, EP11_WKID_LEN);
	spin_unlock(&card->lock);
	return state;
}

/**
 * ep11_apqn_usable() - whether an APQN is online, and since when
 * @apqn:     the APQN
 * @away_seq: set to its @away_seq: a later change means it went offline
 *            or away in between
 *
 * Context: any context; takes the card's spinlock.
 * Return: true when the APQN is online and its card registered.
 */
bool ep11_apqn_usable(struct ep11_apqn *apqn, unsigned long *away_seq)
{
	struct ep11_card *card = apqn->card;
	bool online;

	spin_lock(&card->lock);
	online = apqn->online && !card->dead;
	*away_seq = apqn->away_seq;
	spin_unlock(&card->lock);
	return online;
}

/**
 * ep11_apqn_count_relogin() - count a session logged in again on an APQN
 * @apqn: the APQN
 *
 * Context: any context; takes the card's spinlock.
 */
void ep11_apqn_count_relogin(struct ep11_apqn *apqn)
{
	spin_lock(&apqn->card->lock);
	apqn->stats.relogins++;
	spin_unlock(&apqn->card->lock);
}

static struct ep11_apqn *ep11_card_first_online(struct ep11_card *card)
{
	unsigned int i;

	for (i = 0; i < card->napqns; i++)
		if (ep11_apqn_is_online(&card->apqns[i]))
			return &card->apqns[i];
	return NULL;
}

/**
 * ep11_card_refresh_caps() - ask the card for its session counts
 * @card:    the card
 * @timeout: jiffies for the round trip
 *
 * Sends get_xcp_info (EXT_CAPLIST) to the first online APQN and stores
 * max and available sessions, and the sessions this host does not hold
 * (ep11_card_caps_answered()).
 *
 * Context: process context, may sleep; no locks held.
 * Return: 0, -ENODEV when no APQN is online, or the round trip's error.
 */
int ep11_card_refresh_caps(struct ep11_card *card, unsigned long timeout)
{
	struct ep11_apqn *apqn = ep11_card_first_online(card);
	unsigned int ours;
	u32 max, avail;
	int ret;

	if (!apqn)
		return -ENODEV;
	ours = ep11_card_caps_ours(card);
	ret = ep11_xfer_caps(apqn, &max, &avail, timeout);
	if (ret)
		return ret;
	ep11_card_caps_answered(apqn, max, avail, ours);
	return 0;
}

unsigned long ep11_wkid_status_age = 10 * HZ;

/**
 * ep11_apqn_wkid_recheck() - read an APQN's WKID again, later
 * @apqn:  the APQN
 * @delay: jiffies from now; an earlier pass already due is kept
 *
 * For a key that may have changed while the APQN stayed online: orphaned
 * logouts waiting for their key, status asking what the cards hold now.
 * The read happens once the APQN is online and its card registered.
 *
 * Context: any context; takes the card's spinlock.
 */
void ep11_apqn_wkid_recheck(struct ep11_apqn *apqn, unsigned long delay)
{
	struct ep11_card *card = apqn->card;

	spin_lock(&card->lock);
	/* Not after ep11_card_unregister() set @dead: it cancels the work. */
	if (!card->dead) {
		apqn->wkid_recheck = true;
		queue_delayed_work(system_wq, &card->wkid_work, delay);
	}
	spin_unlock(&card->lock);
}

/*
 * Read the wrapping key verification pattern of every online APQN whose
 * pattern is not known since it was registered or came online, or is
 * marked to be read again, or (@all, for status) was last read at
 * @only_older or before.  An answer that comes after the APQN went
 * offline again is not kept; a failed read again keeps the known pattern.
 * Return: whether a known pattern changed.
 */
static bool __ep11_card_read_wkids(struct ep11_card *card, bool all,
				   unsigned long only_older)
{
	u8 wkid[EP11_WKID_LEN], was[EP11_WKID_LEN];
	bool stale, again, differs, changed = false;
	unsigned long seq;
	unsigned int i;
	int ret;

	for (i = 0; i < card->napqns; i++) {
		struct ep11_apqn *apqn = &card->apqns[i];

		spin_lock(&card->lock);
		again = apqn->wkid_state != EP11_WKID_UNKNOWN &&
			(apqn->wkid_recheck ||
			 (all && time_before_eq(apqn->wkid_time, only_older)));
		stale = apqn->online && !card->dead &&
			(apqn->wkid_state == EP11_WKID_UNKNOWN || again);
		if (stale)
			apqn->wkid_recheck = false;
		seq = apqn->away_seq;
		spin_unlock(&card->lock);
		if (!stale)
			continue;
		ret = ep11_xfer_wkid(apqn, wkid, ep11_xfer_default_timeout());
		if (ret && again) {
			/* Keep what is known; status asks again after the age. */
			spin_lock(&card->lock);
			apqn->wkid_time = jiffies;
			spin_unlock(&card->lock);
			continue;
		}
		/*
		 * Gone: read again when it comes back online.  A provider may
		 * also say -ENODEV of a queue it still reports online; then
		 * nothing would read it again, and the orphaned logouts of
		 * the domain would wait for a key nobody reads.
		 */
		if (ret == -ENODEV) {
			spin_lock(&card->lock);
			if (apqn->away_seq == seq && apqn->online &&
			    !card->dead &&
			    apqn->wkid_state == EP11_WKID_UNKNOWN)
				apqn->wkid_state = EP11_WKID_UNREADABLE;
			spin_unlock(&card->lock);
			continue;
		}
		if (ret)
			pr_warn("%02x.%04x: cannot read the wrapping key verification pattern (get_xcp_info): %d; a replacement card is recognised by its card number only\n",
				card->id, apqn->domain, ret);
		spin_lock(&card->lock);
		differs = false;
		if (apqn->away_seq == seq) {
			differs = !ret && apqn->wkid_state == EP11_WKID_VALID &&
				  memcmp(apqn->wkid, wkid, sizeof(wkid));
			if (differs)
				memcpy(was, apqn->wkid, sizeof(was));
			apqn->wkid_state = ret ? EP11_WKID_UNREADABLE :
					   EP11_WKID_VALID;
			if (!ret)
				memcpy(apqn->wkid, wkid, sizeof(wkid));
			apqn->wkid_time = jiffies;
		}
		spin_unlock(&card->lock);
		if (differs) {
			pr_notice("%02x.%04x: the wrapping key changed: its verification pattern is now %*phN, was %*phN\n",
				  card->id, apqn->domain, EP11_WKID_LEN, wkid,
				  EP11_WKID_LEN, was);
			changed = true;
		}
	}
	return changed;
}

static bool ep11_card_read_wkids(struct ep11_card *card, bool all,
				 unsigned long only_older)
{
	bool changed;

	/* One pass at a time: an older answer never overwrites a newer. */
	mutex_lock(&card->wkid_mutex);
	changed = __ep11_card_read_wkids(card, all, only_older);
	mutex_unlock(&card->wkid_mutex);
	return changed;
}

/* What waited for a domain's WKID: orphaned logouts, then relogins. */
static void ep11_card_wkids_known(struct ep11_card *card)
{
	ep11_orphan_adopt(card);
	ep11_relogin_card_kick(card);
}

static void ep11_card_wkid_work(struct work_struct *work)
{
	struct ep11_card *card = container_of(to_delayed_work(work),
					      struct ep11_card, wkid_work);

	ep11_card_read_wkids(card, false, 0);
	ep11_card_wkids_known(card);
}

static void ep11_card_info_work(struct work_struct *work)
{
	struct ep11_card *card = container_of(work, struct ep11_card,
					      info_work);
	struct ep11_apqn *apqn = ep11_card_first_online(card);
	static const char zero[EP11_SERIAL_LEN];
	char serial[EP11_SERIAL_LEN];
	int ret;

	if (!apqn)
		return;
	if (!memcmp(card->serial, zero, sizeof(zero)) &&
	    !ep11_xfer_serial(apqn, serial, ep11_xfer_default_timeout())) {
		spin_lock(&card->lock);
		memcpy(card->serial, serial, sizeof(serial));
		spin_unlock(&card->lock);
	}
	ret = ep11_card_refresh_caps(card, ep11_xfer_default_timeout());
	if (ret && ret != -ENODEV)
		pr_warn("card%02x: cannot read the session counts (get_xcp_info): %d; status will retry\n",
			card->id, ret);
	ep11_card_read_wkids(card, false, 0);
	/* The logouts it owes, on the domains whose key is now known. */
	ep11_card_wkids_known(card);
}

/**
 * ep11_cards_for_each() - call @fn for every registered card
 * @fn:  called without locks held, may sleep; a non-zero return stops
 * @arg: passed to @fn
 *
 * Context: process context; takes the registry lock to snapshot the cards.
 * Return: 0, -ENOMEM, or what @fn returned.
 */
int ep11_cards_for_each(int (*fn)(struct ep11_card *card, void *arg),
			void *arg)
{
	struct ep11_card **snap;
	unsigned int i, n = 0;
	int ret = 0;

	snap = kcalloc(EP11_MAX_CARDS, sizeof(*snap), GFP_KERNEL);
	if (!snap)
		return -ENOMEM;
	mutex_lock(&ep11_registry_lock);
	for (i = 0; i < EP11_MAX_CARDS; i++) {
		if (ep11_cards[i]) {
			kref_get(&ep11_cards[i]->ref);
			snap[n++] = ep11_cards[i];
		}
	}
	mutex_unlock(&ep11_registry_lock);
	for (i = 0; i < n; i++) {
		if (!ret)
			ret = fn(snap[i], arg);
		ep11_card_put(snap[i]);
	}
	kfree(snap);
	return ret;
}

/* One card's refresh of ep11_cards_refresh_caps(). */
struct ep11_refresh_item {
	struct work_struct work;
	struct ep11_card *card;
	unsigned long timeout;
};

static void ep11_refresh_work(struct work_struct *work)
{
	struct ep11_refresh_item *it = container_of(work,
						    struct ep11_refresh_item,
						    work);

	ep11_card_refresh_caps(it->card, it->timeout);
	/* A key changed while its APQN stayed online shows here too. */
	if (ep11_card_read_wkids(it->card, true,
				 jiffies - READ_ONCE(ep11_wkid_status_age)))
		ep11_card_wkids_known(it->card);
}

/**
 * ep11_cards_refresh_caps() - ask cards for their session counts at once
 * @only:    a card id, or -1 for every registered card
 * @max_age: only cards whose counts are older than this (jiffies; 0: all)
 * @timeout: jiffies for each card's round trip
 *
 * The cards are asked in parallel, each on a work item of its own, so one
 * that does not answer costs its own time-out and delays no other card's
 * answer: the whole refresh takes about the slowest card's round trip.
 * A card that fails keeps its previous counts and their time.
 *
 * Context: process context, sleeps until every card answered or timed
 * out; no locks held.
 */
void ep11_cards_refresh_caps(int only, unsigned long max_age,
			     unsigned long timeout)
{
	struct ep11_refresh_item *items;
	unsigned int i, n = 0;

	items = kcalloc(EP11_MAX_CARDS, sizeof(*items), GFP_KERNEL);
	mutex_lock(&ep11_registry_lock);
	for (i = 0; i < EP11_MAX_CARDS; i++) {
		struct ep11_card *card = ep11_cards[i];

		if (!card || (only >= 0 && card->id != only) ||
		    (max_age && time_before(jiffies,
					    READ_ONCE(card->caps_time) +
					    max_age)))
			continue;
		kref_get(&card->ref);
		if (!items) {
			/* No memory for the items: one card after another. */
			mutex_unlock(&ep11_registry_lock);
			ep11_card_refresh_caps(card, timeout);
			ep11_card_put(card);
			mutex_lock(&ep11_registry_lock);
			continue;
		}
		items[n].card = card;
		items[n].timeout = timeout;
		INIT_WORK(&items[n].work, ep11_refresh_work);
		n++;
	}
	mutex_unlock(&ep11_registry_lock);
	for (i = 0; i < n; i++)
		queue_work(system_unbound_wq, &items[i].work);
	for (i = 0; i < n; i++) {
		flush_work(&items[i].work);
		ep11_card_put(items[i].card);
	}
	kfree(items);
}

static int ep11_cmp_u16(const void *a, const void *b)
{
	return *(const u16 *)a - *(const u16 *)b;
}

/**
 * ep11_card_register() - hand a card and its APQNs to the core
 * @desc: the card; copied
 * @ops:  the provider's operations
 * @priv: passed to @ops
 *
 * Context: process context, may sleep; does not talk to the card (the
 * counts are read by a work item).
 * Return: the card or an ERR_PTR().
 */
struct ep11_card *ep11_card_register(const struct ep11_card_desc *desc,
				     const struct ep11_provider_ops *ops,
				     void *priv)
{
	struct ep11_card *card;
	u16 *doms;
	unsigned int i;
	int ret;

	if (!desc || !ops || !ops->send || !desc->domains ||
	    !desc->ndomains || desc->ndomains > 256)
		return ERR_PTR(-EINVAL);
	doms = kmemdup(desc->domains, desc->ndomains * sizeof(u16),
		       GFP_KERNEL);
	if (!doms)
		return ERR_PTR(-ENOMEM);
	sort(doms, desc->ndomains, sizeof(u16), ep11_cmp_u16, NULL);
	for (i = 0; i < desc->ndomains; i++) {
		if (doms[i] > 0xff || (i && doms[i] == doms[i - 1])) {
			kfree(doms);
			return ERR_PTR(-EINVAL);
		}
	}
	card = kzalloc(struct_size(card, apqns, desc->ndomains), GFP_KERNEL);
	if (!card) {
		kfree(doms);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&card->ref);
	INIT_LIST_HEAD(&card->node);
	INIT_LIST_HEAD(&card->uids);
	card->uid_quota = -1;
	card->host_share = -1;
	card->id = desc->id;
	card->gen = atomic64_inc_return(&ep11_card_gens);
	memcpy(card->serial, desc->serial, sizeof(card->serial));
	init_rwsem(&card->ops_sem);
	card->ops = ops;
	card->priv = priv;
	spin_lock_init(&card->lock);
	init_waitqueue_head(&card->slot_wq);
	atomic_set(&card->reclaiming, 0);
	init_waitqueue_head(&card->reclaim_wq);
	INIT_WORK(&card->info_work, ep11_card_info_work);
	INIT_WORK(&card->relogin_work, ep11_relogin_card_fn);
	INIT_DELAYED_WORK(&card->wkid_work, ep11_card_wkid_work);
	mutex_init(&card->wkid_mutex);
	card->napqns = desc->ndomains;
	for (i = 0; i < card->napqns; i++) {
		card->apqns[i].card = card;
		card->apqns[i].domain = doms[i];
		card->apqns[i].online = true;
	}
	kfree(doms);

	mutex_lock(&ep11_registry_lock);
	if (ep11_cards[card->id]) {
		mutex_unlock(&ep11_registry_lock);
		kfree(card);
		return ERR_PTR(-EEXIST);
	}
	ep11_cards[card->id] = card;
	mutex_unlock(&ep11_registry_lock);

	ret = ep11_sysfs_card_add(card);
	if (ret) {
		mutex_lock(&ep11_registry_lock);
		ep11_cards[card->id] = NULL;
		mutex_unlock(&ep11_registry_lock);
		/* A lookup between the two may still hold it: make it dead. */
		spin_lock(&card->lock);
		card->dead = true;
		spin_unlock(&card->lock);
		down_write(&card->ops_sem);
		card->ops = NULL;
		card->priv = NULL;
		up_write(&card->ops_sem);
		cancel_delayed_work_sync(&card->wkid_work);
		ep11_card_put(card);
		return ERR_PTR(ret);
	}

	for (i = 0; i < card->napqns; i++) {
		struct ep11_event ev = {
			.card = card->id,
			.domain = card->apqns[i].domain,
		};

		ep11_event_emit(EP11_EV_ONLINE, &ev);
	}
	/* Reads the serial number and the WKIDs, then adopts orphans. */
	schedule_work(&card->info_work);
	pr_info("card%02x registered with %u domain(s)\n", card->id,
		card->napqns);
	return card;
}
EXPORT_SYMBOL_NS_GPL(ep11_card_register, EP11SESS);

/**
 * ep11_apqn_set_online() - report an APQN going online or offline
 * @card:   a registered card
 * @domain: one of its domains
 * @online: the new state
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOENT.
 */
int ep11_apqn_set_online(struct ep11_card *card, u16 domain, bool online)
{
	struct ep11_apqn *apqn = ep11_apqn_find(card, domain);
	struct ep11_event ev = { .card = card->id, .domain = domain };
	bool changed;

	if (!apqn)
		return -ENOENT;
	spin_lock(&card->lock);
	changed = apqn->online != online;
	apqn->online = online;
	if (changed && !online) {
		/* Its key may change before it returns: read it again then. */
		apqn->away_seq++;
		apqn->wkid_state = EP11_WKID_UNKNOWN;
	}
	spin_unlock(&card->lock);
	if (!changed)
		return 0;
	if (!online)
		ep11_relogin_mark_away(card, apqn);
	ep11_event_emit(online ? EP11_EV_ONLINE : EP11_EV_OFFLINE, &ev);
	if (online) {
		ep11_reclaim_kick();
		schedule_work(&card->info_work);
	}
	return 0;
}
EXPORT_SYMBOL_NS_GPL(ep11_apqn_set_online, EP11SESS);

/**
 * ep11_card_unregister() - remove a card
 * @card: a registered card
 *
 * Context: process context, may sleep: waits for sends in progress and
 * for the reclaim work items of the card's own APQNs, which end its
 * pending logouts as lost.
 */
void ep11_card_unregister(struct ep11_card *card)
{
	unsigned int i;

	ep11_sysfs_card_remove(card);
	mutex_lock(&ep11_registry_lock);
	if (ep11_cards[card->id] == card)
		ep11_cards[card->id] = NULL;
	mutex_unlock(&ep11_registry_lock);

	spin_lock(&card->lock);
	card->dead = true;
	for (i = 0; i < card->napqns; i++) {
		card->apqns[i].away_seq++;
		card->apqns[i].wkid_state = EP11_WKID_UNKNOWN;
	}
	spin_unlock(&card->lock);
	wake_up_all(&card->slot_wq);
	ep11_relogin_mark_away(card, NULL);

	down_write(&card->ops_sem);
	card->ops = NULL;
	card->priv = NULL;
	up_write(&card->ops_sem);
	cancel_delayed_work_sync(&card->wkid_work);
	cancel_work_sync(&card->info_work);
	cancel_work_sync(&card->relogin_work);

	ep11_reclaim_card_removed(card);
	for (i = 0; i < card->napqns; i++) {
		struct ep11_event ev = {
			.card = card->id,
			.domain = card->apqns[i].domain,
		};

		ep11_event_emit(EP11_EV_OFFLINE, &ev);
	}
	pr_info("card%02x removed\n", card->id);
	ep11_card_put(card);
}
EXPORT_SYMBOL_NS_GPL(ep11_card_unregister, EP11SESS);

/**
 * ep11_registry_uninit() - tear the registry down
 *
 * Providers depend on this module, so no card can be left.
 *
 * Context: module exit.
 */
void ep11_registry_uninit(void)
{
	unsigned int i;

	for (i = 0; i < EP11_MAX_CARDS; i++)
		WARN_ON(ep11_cards[i]);
}
