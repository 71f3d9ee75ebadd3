// SPDX-License-Identifier: GPL-2.0
/*
 * Orphaned logouts.  Removing a card from a host (unbinding its queues,
 * handing them to a guest, configuring the card off) does not reset it:
 * the sessions on it stay.  A logout the removed card still owes is kept
 * here, keyed by the card's serial number, the domain and the domain's
 * wrapping key verification pattern (WKID) when the session was logged
 * in, for orphan_timeout_s.  When a card with that serial number has that
 * domain and the domain's WKID has been read (after the card registered,
 * or the APQN came online), the logout becomes a pending logout on it
 * again, and reclaim retries it: when the WKID is the same, or either
 * side's is not known (the card did not tell).  A domain that now has
 * another wrapping key does not hold the session: the logout stays kept
 * until the key comes back or the logout expires.  A card that did forget
 * (a reset) answers CKR_SESSION_CLOSED, which counts as done.  What
 * expires is counted and reported; the store is shown through the status
 * ioctl, sysfs and netlink (ep11_orphan_snapshot()).
 *
 * Locking: ep11_orphan_lock (a mutex) protects the store and its counters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "card.h"
#include "orphan.h"
#include "reclaim.h"
#include "session.h"

unsigned int ep11_orphan_timeout_s = 3600;
module_param_named(orphan_timeout_s, ep11_orphan_timeout_s, uint, 0644);
MODULE_PARM_DESC(orphan_timeout_s,
		 "how long the logouts a removed card owes are kept for its return (s)");

unsigned int ep11_orphan_recheck_s = 60;
module_param_named(orphan_recheck_s, ep11_orphan_recheck_s, uint, 0644);
MODULE_PARM_DESC(orphan_recheck_s,
		 "how often a returned card's domain whose wrapping key is not the one of a logout it owes is read again (s; 0: never)");

/**
 * struct ep11_orphan - a logout a removed card owes
 * @node:      in ep11_orphans
 * @serial:    the card's serial number
 * @domain:    the domain
 * @wkid:      the domain's WKID when the session was logged in there
 * @wkid_valid: @wkid is known
 * @state:     %EP11SESS_STATE_PENDING (pin blob known) or %EP11_SA_RECOVER
 * @shared:    the session was shared
 * @pinblob:   the pin blob (PENDING)
 * @id:        the session id, as far as known
 * @pin:       the PIN (RECOVER), wiped on free
 * @pin_len:   its length
 * @nonce:     the nonce (RECOVER), wiped on free
 * @nonce_len: its length
 * @owner:     the session's owner
 * @uid:       the owner's uid
 * @comm:      the owner's command name
 * @created_ns: the session's creation time
 * @expires:   jiffies when it is given up
 * @other_key: a card with @serial came back whose @domain has another
 *             WKID (reported once)
 */
struct ep11_orphan {
	struct list_head node;
	char serial[EP11_SERIAL_LEN];
	u16 domain;
	u8 wkid[EP11_WKID_LEN];
	bool wkid_valid;
	u32 state;
	bool shared;
	u8 pinblob[EP11_PINBLOB_LEN];
	u8 id[EP11_SESSION_ID_LEN];
	u8 *pin;
	size_t pin_len;
	u8 *nonce;
	size_t nonce_len;
	struct pid *owner;
	kuid_t uid;
	char comm[TASK_COMM_LEN];
	u64 created_ns;
	unsigned long expires;
	bool other_key;
};

static DEFINE_MUTEX(ep11_orphan_lock);
static LIST_HEAD(ep11_orphans);			/* ep11_orphan_lock */
static struct ep11_orphan_stats ep11_ostats;	/* ep11_orphan_lock */
static void ep11_orphan_expire(struct work_struct *work);
static DECLARE_DELAYED_WORK(ep11_orphan_work, ep11_orphan_expire);

static void ep11_orphan_free(struct ep11_orphan *o)
{
	put_pid(o->owner);
	kfree_sensitive(o->pin);
	kfree_sensitive(o->nonce);
	kfree_sensitive(o);
}

static void ep11_orphan_schedule_locked(void)
{
	struct ep11_orphan *o;
	unsigned long next = 0;
	bool any = false;

	lockdep_assert_held(&ep11_orphan_lock);
	list_for_each_entry(o, &ep11_orphans, node) {
		if (!any || time_before(o->expires, next))
			next = o->expires;
		any = true;
	}
	if (any)
		mod_delayed_work(system_wq, &ep11_orphan_work,
				 time_after(next, jiffies) ? next - jiffies : 0);
}

static void ep11_orphan_expire(struct work_struct *work)
{
	struct ep11_orphan *o, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&ep11_orphan_lock);
	list_for_each_entry_safe(o, tmp, &ep11_orphans, node) {
		if (time_before(jiffies, o->expires))
			continue;
		list_move(&o->node, &gone);
		ep11_ostats.kept--;
		ep11_ostats.expired++;
	}
	ep11_orphan_schedule_locked();
	mutex_unlock(&ep11_orphan_lock);
	list_for_each_entry_safe(o, tmp, &gone, node) {
		pr_warn("card with serial %.*s did not return within %u s: the logout of session %*phN on domain %04x is given up; it stays on that card until the card is reset\n",
			EP11_SERIAL_LEN, o->serial, ep11_orphan_timeout_s,
			EP11_PUBLIC_ID_LEN, o->id, o->domain);
		ep11_orphan_free(o);
	}
}

/**
 * ep11_orphan_keep() - keep the logout a removed card owes
 * @sess: the session
 * @sa:   its entry on an APQN of a dead card, PENDING, LIVE, AWAY or RECOVER
 *
 * Context: process context, may sleep.
 * Return: 0 when kept; -ENOENT when the card has no serial number to
 * recognise it by, the time-out is 0 or out of memory (the caller counts
 * the logout as lost).
 */
int ep11_orphan_keep(struct ep11_session *sess, struct ep11_sess_apqn *sa)
{
	struct ep11_card *card = sa->apqn->card, *back;
	static const char zero[EP11_SERIAL_LEN];
	unsigned int timeout = READ_ONCE(ep11_orphan_timeout_s);
	char serial[EP11_SERIAL_LEN];
	struct ep11_orphan *o;

	if (!timeout || !memcmp(card->serial, zero, sizeof(zero)))
		return -ENOENT;
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return -ENOENT;
	memcpy(o->serial, card->serial, sizeof(o->serial));
	memcpy(serial, card->serial, sizeof(serial));
	o->domain = sa->apqn->domain;
	/*
	 * The entry's WKID no longer changes: relogin.c writes it only while
	 * the session lives, and the session is dying (or @sa is the caller's
	 * own copy of an entry).
	 */
	memcpy(o->wkid, sa->wkid, sizeof(o->wkid));
	o->wkid_valid = sa->wkid_valid;
	o->shared = sess->shared;
	memcpy(o->id, sess->id, sizeof(o->id));
	if (READ_ONCE(sa->state) == EP11_SA_RECOVER) {
		o->state = EP11_SA_RECOVER;
		o->pin = kmemdup(sess->pin, sess->pin_len, GFP_KERNEL);
		o->nonce = kmemdup(sess->nonce, sess->nonce_len, GFP_KERNEL);
		o->pin_len = sess->pin_len;
		o->nonce_len = sess->nonce_len;
		if (!o->pin || !o->nonce) {
			ep11_orphan_free(o);
			return -ENOENT;
		}
	} else {
		o->state = EP11SESS_STATE_PENDING;
		memcpy(o->pinblob, sa->pinblob, sizeof(o->pinblob));
	}
	o->owner = get_pid(sess->owner);
	o->uid = sess->owner_uid;
	memcpy(o->comm, sess->comm, sizeof(o->comm));
	o->created_ns = sess->created_ns;
	o->expires = jiffies + msecs_to_jiffies(min(timeout, UINT_MAX / 1000) * 1000);

	mutex_lock(&ep11_orphan_lock);
	list_add_tail(&o->node, &ep11_orphans);
	ep11_ostats.kept++;
	ep11_orphan_schedule_locked();
	mutex_unlock(&ep11_orphan_lock);
	pr_info("card%02x.%04x removed: the logout of session %*phN is kept for the card with serial %.*s\n",
		card->id, o->domain, EP11_PUBLIC_ID_LEN, o->id,
		EP11_SERIAL_LEN, o->serial);
	/*
	 * The card may be back already: the adoption that followed the
	 * reading of its serial number and its WKIDs (card.c's info work)
	 * took what was kept before it and will not look again until an APQN
	 * comes online.  The store's lock orders the two: an adoption that
	 * scanned before this insert published the serial number and the
	 * WKIDs before it did, so this one sees them.
	 */
	back = ep11_card_get_by_serial(serial);
	if (back) {
		ep11_orphan_adopt(back);
		ep11_card_put(back);
	}
	return 0;
}

/* A dying record of one APQN for reclaim; NULL when out of memory. */
static struct ep11_session *ep11_orphan_record(struct ep11_orphan *o,
					       struct ep11_apqn *apqn)
{
	struct ep11_session *rec;

	rec = ep11_session_alloc(o->shared, 1, GFP_KERNEL);
	if (!rec)
		return NULL;
	put_pid(rec->owner);
	rec->owner = get_pid(o->owner);
	rec->owner_uid = o->uid;
	memcpy(rec->comm, o->comm, sizeof(rec->comm));
	rec->created_ns = o->created_ns;
	memcpy(rec->id, o->id, sizeof(rec->id));
	if (o->state == EP11_SA_RECOVER) {
		rec->orphan = true;
		swap(rec->pin, o->pin);
		swap(rec->nonce, o->nonce);
		rec->pin_len = o->pin_len;
		rec->nonce_len = o->nonce_len;
		ep11_session_add_apqn(rec, apqn, NULL, EP11_SA_RECOVER);
	} else {
		ep11_session_add_apqn(rec, apqn, o->pinblob,
				      EP11SESS_STATE_PENDING);
		ep11_apqn_slot_taken(apqn, rec->owner_uid);
		ep11_apqn_set_pending(apqn);
	}
	/*
	 * The key the session was made under, not the one the card has now
	 * (unknown again once the card goes away, or unreadable): should the
	 * card go away before the logout, it is kept under the same key.
	 */
	if (o->wkid_valid) {
		memcpy(rec->apqns[0].wkid, o->wkid, sizeof(o->wkid));
		rec->apqns[0].wkid_valid = true;
	}
	rec->life = EP11_SESS_DYING;
	rec->dying_since = ktime_get();
	return rec;
}

/*
 * Whether @o goes to @card now: the card has its domain, the domain's
 * WKID has been read, and it is not another one than @o was logged in
 * with (either side unknown for good counts as the same).
 */
static bool ep11_orphan_fits(struct ep11_orphan *o, struct ep11_card *card)
{
	struct ep11_apqn *apqn = ep11_apqn_find(card, o->domain);
	u8 wkid[EP11_WKID_LEN];
	unsigned int recheck;

	lockdep_assert_held(&ep11_orphan_lock);
	if (!apqn)
		return false;
	switch (ep11_apqn_wkid(apqn, wkid)) {
	case EP11_WKID_UNKNOWN:
		return false;
	case EP11_WKID_VALID:
		if (!o->wkid_valid || !memcmp(wkid, o->wkid, EP11_WKID_LEN))
			return true;
		if (!o->other_key)
			pr_warn("card%02x.%04x (serial %.*s) has another wrapping key than session %*phN was logged in with: its logout stays kept until the key returns or it expires\n",
				card->id, o->domain, EP11_SERIAL_LEN, o->serial,
				EP11_PUBLIC_ID_LEN, o->id);
		o->other_key = true;
		/*
		 * The key may come back while the APQN stays online, which
		 * nothing else would notice before the logout expires.
		 */
		recheck = min(READ_ONCE(ep11_orphan_recheck_s), 86400U);
		if (recheck)
			ep11_apqn_wkid_recheck(apqn, (unsigned long)recheck * HZ);
		return false;
	default:
		return true;
	}
}

/**
 * ep11_orphan_adopt() - hand a returning card the logouts it owes
 * @card: a card that registered, with its serial number known
 *
 * Each orphaned logout of a domain the card has, whose WKID is read and
 * is the one the session was logged in with (or either is not known),
 * becomes a pending logout of a dying record again, retried by reclaim at
 * once.  The others stay kept: those of a domain whose WKID is not read
 * yet for the next call (after the WKIDs are read), those of a domain
 * with another wrapping key until it returns or they expire (the domain's
 * WKID is read again every orphan_recheck_s seconds meanwhile).
 *
 * Context: process context, may sleep.
 */
void ep11_orphan_adopt(struct ep11_card *card)
{
	static const char zero[EP11_SERIAL_LEN];
	struct ep11_orphan *o, *tmp;
	struct ep11_session *rec;
	struct ep11_apqn *apqn;
	LIST_HEAD(mine);
	unsigned int n = 0;

	if (!memcmp(card->serial, zero, sizeof(zero)))
		return;
	mutex_lock(&ep11_orphan_lock);
	list_for_each_entry_safe(o, tmp, &ep11_orphans, node) {
		if (memcmp(o->serial, card->serial, sizeof(o->serial)) ||
		    !ep11_orphan_fits(o, card))
			continue;
		list_move_tail(&o->node, &mine);
		ep11_ostats.kept--;
		ep11_ostats.adopted++;
	}
	mutex_unlock(&ep11_orphan_lock);

	list_for_each_entry_safe(o, tmp, &mine, node) {
		apqn = ep11_apqn_find(card, o->domain);
		rec = ep11_orphan_record(o, apqn);
		if (rec) {
			ep11_session_link(rec);
			ep11_reclaim_start(rec, true);
			ep11_session_put(rec);
			n++;
		} else {
			pr_err("card%02x.%04x: out of memory: an orphaned logout is given up\n",
			       card->id, o->domain);
		}
		list_del(&o->node);
		ep11_orphan_free(o);
	}
	if (n)
		pr_info("card%02x (serial %.*s) returned: %u orphaned logout(s) retried\n",
			card->id, EP11_SERIAL_LEN, card->serial, n);
}

/**
 * ep11_orphan_snapshot() - what the store keeps now
 * @out:  room for @room entries, oldest first
 * @room: entries at @out
 * @ns:   the reader's pid namespace, for @out's pids
 *
 * Context: process context; takes the store's lock.
 * Return: the orphaned logouts kept, which may exceed @room (only @room
 * are written).
 */
unsigned int ep11_orphan_snapshot(struct ep11_orphan_info *out,
				  unsigned int room, struct pid_namespace *ns)
{
	unsigned long now = jiffies;
	struct ep11_orphan *o;
	unsigned int n = 0;

	mutex_lock(&ep11_orphan_lock);
	list_for_each_entry(o, &ep11_orphans, node) {
		struct ep11_orphan_info *i;

		if (n++ >= room)
			continue;
		i = &out[n - 1];
		memset(i, 0, sizeof(*i));
		memcpy(i->serial, o->serial, sizeof(i->serial));
		i->domain = o->domain;
		memcpy(i->wkid, o->wkid, sizeof(i->wkid));
		i->wkid_valid = o->wkid_valid;
		i->recover = o->state == EP11_SA_RECOVER;
		memcpy(i->public_id, o->id, sizeof(i->public_id));
		i->pid = pid_nr_ns(o->owner, ns);
		i->uid = o->uid;
		memcpy(i->comm, o->comm, sizeof(i->comm));
		i->comm[sizeof(i->comm) - 1] = '\0';
		i->created_ns = o->created_ns;
		i->expires_s = time_after(o->expires, now) ?
			DIV_ROUND_UP_ULL((u64)jiffies_to_msecs(o->expires - now),
					 1000) :
			0;
	}
	mutex_unlock(&ep11_orphan_lock);
	return n;
}

/**
 * ep11_orphan_stats() - the store's counters
 * @st: filled in
 *
 * Context: process context; takes the store's lock.
 */
void ep11_orphan_stats(struct ep11_orphan_stats *st)
{
	mutex_lock(&ep11_orphan_lock);
	*st = ep11_ostats;
	mutex_unlock(&ep11_orphan_lock);
}

/**
 * ep11_orphan_uninit() - forget the store at module exit
 *
 * Context: module exit.
 */
void ep11_orphan_uninit(void)
{
	struct ep11_orphan *o, *tmp;

	cancel_delayed_work_sync(&ep11_orphan_work);
	list_for_each_entry_safe(o, tmp, &ep11_orphans, node) {
		list_del(&o->node);
		ep11_orphan_free(o);
	}
	ep11_ostats.kept = 0;
}
