/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The card registry: cards and their APQNs as providers registered them,
 * with the card's own session counts beside the kernel's.
 */
#ifndef _EP11SESS_CARD_H
#define _EP11SESS_CARD_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/ep11sess.h>

#include "ep11_provider.h"

/**
 * struct ep11_apqn_stats - counters of one APQN
 * @logins:          successful logins
 * @logouts:         successful logouts
 * @reclaimed:       logouts of sessions whose last holder went away
 * @lost:            sessions dropped because the card went away
 * @errors:          failed round trips
 * @last_reclaim_us: latency of the last reclaim
 * @requests:        requests handed to the provider
 * @request_ns:      time spent in the provider's ->send() for them
 * @relogins:        live sessions logged in again here (relogin.c)
 * @reclaim_sum_us:  sum of the reclaim latencies in @reclaim_buckets
 * @reclaim_buckets: reclaims by latency (%EP11SESS_RECLAIM_BOUNDS_US)
 */
struct ep11_apqn_stats {
	u64 logins;
	u64 logouts;
	u64 reclaimed;
	u64 lost;
	u64 errors;
	u64 last_reclaim_us;
	u64 requests;
	u64 request_ns;
	u64 relogins;
	u64 reclaim_sum_us;
	u64 reclaim_buckets[EP11SESS_RECLAIM_BUCKETS];
};

/*
 * What the core knows of an APQN's wrapping key verification pattern
 * (struct ep11_apqn @wkid_state).
 */
#define EP11_WKID_UNKNOWN	0	/* not read since registration or online */
#define EP11_WKID_VALID		1	/* @wkid holds the card's answer */
#define EP11_WKID_UNREADABLE	2	/* the card did not tell */

/**
 * struct ep11_apqn - one AP queue of a card
 * @card:    the card; an APQN lives exactly as long as its card
 * @domain:  the usage domain
 * @online:  whether requests may be sent (under @card->lock)
 * @held:    sessions occupying a card slot through this APQN, pending
 *           logouts included (under @card->lock)
 * @pending: pending logouts (under @card->lock)
 * @logout_seq: bumped after every Logout round trip on this APQN
 * @stats:   counters (under @card->lock)
 * @wkid:    the domain's wrapping key verification pattern, read with
 *           get_xcp_info after registration and after going online, and
 *           again when rechecked (under @card->lock)
 * @wkid_state: %EP11_WKID_UNKNOWN, %EP11_WKID_VALID or
 *           %EP11_WKID_UNREADABLE (under @card->lock)
 * @wkid_recheck: read @wkid again at the next pass although it is known
 *           (under @card->lock; ep11_apqn_wkid_recheck())
 * @wkid_time: jiffies of the last WKID query's end, answered or not
 *           (under @card->lock)
 * @away_seq: bumped (under @card->lock) whenever the APQN goes offline or
 *           its card away: a round trip that began before may have met
 *           another card behind it
 */
struct ep11_apqn {
	struct ep11_card *card;
	u16 domain;
	bool online;
	unsigned int held;
	unsigned int pending;
	atomic_long_t logout_seq;
	struct ep11_apqn_stats stats;
	u8 wkid[EP11_WKID_LEN];
	u8 wkid_state;
	bool wkid_recheck;
	unsigned long wkid_time;
	unsigned long away_seq;
};

/**
 * struct ep11_card - a registered card
 * @ref:            memory lifetime; the registry holds one reference
 *                  until the card is unregistered
 * @node:           in the registry's list (under the registry lock)
 * @id:             adapter number
 * @gen:            this registration's number, never 0 and never reused
 *                  (a card that registers again is another registration)
 * @serial:         serial number, not NUL-terminated
 * @ops_sem:        write-locked to remove @ops; read-locked around ->send()
 * @ops:            the provider's operations, NULL once unregistered
 * @priv:           the provider's cookie
 * @lock:           protects the fields below and the APQNs' counters
 * @dead:           unregistered
 * @caps_valid:     @max_sessions and @avail_sessions came from the card
 * @max_sessions:   the card's answer, EXT_CAPLIST index 12
 * @avail_sessions: the card's answer, EXT_CAPLIST index 13
 * @caps_time:      jiffies of the last answer
 * @held:           sum of the APQNs' @held
 * @pending:        sum of the APQNs' @pending
 * @slot_seq:       bumped whenever a session slot of the card is freed
 * @slot_wq:        woken with @slot_seq, and when the card dies
 * @info_work:      asks the card for its counts after registration
 * @reclaiming:     reclaim work items queued or running for the APQNs
 * @reclaim_wq:     woken when @reclaiming drops to zero
 * @uids:           slots held per uid (struct ep11_uid_use)
 * @uid_quota:      slots one uid may hold; -1 follows the module's
 *                  uid_quota_percent, 0 is no limit
 * @host_share:     the most slots this host may hold on the card; -1
 *                  follows the module's host_share, 0 is no cap
 * @share_reserved: logins between their share check and their slot
 *                  being taken or given up (fleet.c)
 * @unaccounted:    the card's sessions this host did not hold at its
 *                  last answer (fleet.c)
 * @unaccounted_reported: @unaccounted when it was last reported (logged
 *                  and emitted); 0 once it fell to 0
 * @napqns:         entries in @apqns
 * @relogin_work:   logs live sessions in again on the card's APQNs once
 *                  their wrapping keys are known (relogin.c)
 * @wkid_work:      reads again the WKIDs marked with @wkid_recheck, then
 *                  hands out what waited for them (ep11_apqn_wkid_recheck())
 * @wkid_mutex:     one pass of WKID reads at a time on the card
 * @rcu:            the memory is freed after a grace period: a send may
 *                  still look at an APQN a session has just left
 * @apqns:          the card's APQNs, by ascending domain
 */
struct ep11_card {
	struct kref ref;
	struct list_head node;
	u8 id;
	u64 gen;
	char serial[EP11_SERIAL_LEN];
	struct rw_semaphore ops_sem;
	const struct ep11_provider_ops *ops;
	void *priv;
	spinlock_t lock; /* see above */
	bool dead;
	bool caps_valid;
	u32 max_sessions;
	u32 avail_sessions;
	unsigned long caps_time;
	unsigned int held;
	unsigned int pending;
	unsigned long slot_seq;
	wait_queue_head_t slot_wq;
	struct work_struct info_work;
	atomic_t reclaiming;
	wait_queue_head_t reclaim_wq;
	struct list_head uids;
	int uid_quota;
	int host_share;
	unsigned int share_reserved;
	unsigned int unaccounted;
	unsigned int unaccounted_reported;
	unsigned int napqns;
	struct work_struct relogin_work;
	struct delayed_work wkid_work;
	struct mutex wkid_mutex; /* see above */
	struct rcu_head rcu;
	struct ep11_apqn apqns[];
};

void ep11_registry_uninit(void);

struct ep11_card *ep11_card_get(u8 id);
struct ep11_card *ep11_card_get_by_serial(const char *serial);
void ep11_card_put(struct ep11_card *card);
struct ep11_apqn *ep11_apqn_find(struct ep11_card *card, u16 domain);
int ep11_card_refresh_caps(struct ep11_card *card, unsigned long timeout);
void ep11_cards_refresh_caps(int only, unsigned long max_age,
			     unsigned long timeout);
int ep11_cards_for_each(int (*fn)(struct ep11_card *card, void *arg),
			void *arg);

bool ep11_apqn_is_online(struct ep11_apqn *apqn);
void ep11_apqn_slot_taken(struct ep11_apqn *apqn, kuid_t uid);
void ep11_apqn_slot_taken_reserved(struct ep11_apqn *apqn, kuid_t uid);
void ep11_apqn_slot_freed(struct ep11_apqn *apqn, kuid_t uid,
			  bool was_pending, bool reclaimed, u64 latency_us);
void ep11_apqn_slot_lost(struct ep11_apqn *apqn, kuid_t uid,
			 bool was_pending);
void ep11_apqn_slot_released(struct ep11_apqn *apqn, kuid_t uid,
			     bool was_pending);
unsigned int ep11_card_uid_quota(struct ep11_card *card);
bool ep11_card_uid_at_quota(struct ep11_card *card, kuid_t uid);
void ep11_card_uid_usage(struct ep11_card *card,
			 void (*fn)(kuid_t uid, unsigned int n, void *arg),
			 void *arg);
void ep11_apqn_logout_sent(struct ep11_apqn *apqn);

/**
 * ep11_apqn_logout_seq() - the APQN's count of Logout round trips
 * @apqn: the APQN
 *
 * Context: any context.
 * Return: the sequence number.
 */
static inline unsigned long ep11_apqn_logout_seq(struct ep11_apqn *apqn)
{
	return atomic_long_read(&apqn->logout_seq);
}

void ep11_apqn_set_pending(struct ep11_apqn *apqn);
void ep11_apqn_count_error(struct ep11_apqn *apqn);
void ep11_apqn_count_request(struct ep11_apqn *apqn, s64 ns);
unsigned long ep11_card_slot_seq(struct ep11_card *card);
bool ep11_card_full(struct ep11_card *card);
u8 ep11_apqn_wkid(struct ep11_apqn *apqn, u8 wkid[EP11_WKID_LEN]);
void ep11_apqn_wkid_recheck(struct ep11_apqn *apqn, unsigned long delay);

/* Status reads again a WKID last read longer ago than this (jiffies). */
extern unsigned long ep11_wkid_status_age;
bool ep11_apqn_usable(struct ep11_apqn *apqn, unsigned long *away_seq);
void ep11_apqn_count_relogin(struct ep11_apqn *apqn);

#endif /* _EP11SESS_CARD_H */
