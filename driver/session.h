/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The session table: EP11 login sessions, their APQNs and pin blobs, their
 * holders and owners.
 */
#ifndef _EP11SESS_SESSION_H
#define _EP11SESS_SESSION_H

#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/uidgid.h>
#include <linux/workqueue.h>
#include <linux/ep11.h>
#include <linux/ep11sess.h>

struct ep11_apqn;
struct ep11_name;

/*
 * Internal APQN state beyond enum ep11sess_apqn_state: a login whose
 * answer was not seen; the reclaim worker logs in again with the same PIN
 * and nonce to learn the pin blob, then logs out.  Shown as PENDING.
 */
#define EP11_SA_RECOVER		100

/*
 * Internal APQN state: a pending logout ended because a live session with
 * the same session id took the card's session over.  Shown as DONE.
 */
#define EP11_SA_TAKEN		101

/*
 * Internal APQN state: the card went away; the logout is kept for its
 * return by serial number (orphan.c).  Shown as PENDING.
 */
#define EP11_SA_ORPHANED	102

/**
 * struct ep11_sess_apqn - a session on one APQN
 * @apqn:    the APQN; holds a reference on its card
 * @state:   EP11SESS_STATE_* or %EP11_SA_RECOVER; written under
 *           ep11_sess_lock while the session lives (see below), by @work
 *           alone once it is dying; read locklessly by send
 * @pinblob: the card's pin blob; immutable once the entry is published
 * @sess:    the session, for @work
 * @work:    logs this APQN out (reclaim), concurrently with the others
 * @wkid:    the wrapping key verification pattern of @apqn when the
 *           session was logged in there, if known (relogin.c)
 * @wkid_valid: @wkid is known
 * @refused: while %EP11SESS_STATE_AWAY: no card can take the entry (the
 *           card in its place has another wrapping key, or a card refused
 *           it for good: another pin blob, the PIN refused); requests do
 *           not wait for it, and every card that comes, or whose APQN
 *           comes online, has it looked at again (relogin.c)
 * @refused_gen: the registration (struct ep11_card @gen) of the card
 *           whose Login refused the entry for good, 0 when none did
 * @refused_seq: that APQN's @away_seq then: it is not tried again until
 *           it went offline or away and came back
 * @fails:   Logins of the entry that failed in a row (not for good) while
 *           it is AWAY: requests back off from it
 * @retry_at: jiffies before which a request does not try the entry again
 *           after such a failure
 * @wkid_wait: jiffies until which the entry waits for the WKID of the card
 *           now under its card's number to be read, rather than going to
 *           another card; 0 when it does not
 * @closed_at: jiffies (| 1) when the entry was last logged in again
 *           because its card answered CKR_SESSION_CLOSED, 0 when not since
 *           it last went away
 * @relogins: bumped each time the entry is logged in again; a request
 *           compares it to see whether its session was logged in again
 *           after the request went to the card (send.c)
 *
 * While the session lives, an entry goes from LIVE to
 * %EP11SESS_STATE_AWAY (its APQN went offline or its card away) and back,
 * under ep11_sess_lock; a relogin on a replacement card then also moves
 * @apqn there, under the session id's lock and ep11_sess_lock.  @pinblob
 * never changes: a relogin is only taken when the card gives the same pin
 * blob.  Lockless readers (send) read @state with acquire semantics and
 * @apqn with READ_ONCE() under rcu_read_lock().
 */
struct ep11_sess_apqn {
	struct ep11_apqn *apqn;
	u32 state;
	u8 pinblob[EP11_PINBLOB_LEN];
	struct ep11_session *sess;
	struct work_struct work;
	u8 wkid[EP11_WKID_LEN];
	bool wkid_valid;
	bool refused;
	u64 refused_gen;
	unsigned long refused_seq;
	unsigned int fails;
	unsigned long retry_at;
	unsigned long wkid_wait;
	unsigned long closed_at;
	u32 relogins;
};

/**
 * enum ep11_sess_life - where a session is in its life
 * @EP11_SESS_ALIVE:  held, usable
 * @EP11_SESS_DYING:  no holder left (or killed by an administrator);
 *                    being logged out, or waiting for pending logouts
 * @EP11_SESS_DEAD:   logged out everywhere, unlinked from the table
 */
enum ep11_sess_life {
	EP11_SESS_ALIVE,
	EP11_SESS_DYING,
	EP11_SESS_DEAD,
};

/**
 * struct ep11_session - an EP11 login session
 * @ref:          memory lifetime; every queued reclaim work item holds one
 * @node:         in the session table (under ep11_sess_lock)
 * @hnode:        in the table's index by session id, once the id is known
 * @pending_node: in the reclaim list from ep11_reclaim_start() until
 *                logged out everywhere
 * @lock:         serialises the card round trips of this live session's
 *                logins and joins
 * @id:           the session id, the pin blob's first 32 bytes
 * @shared:       logged in with the caller's nonce; joinable
 * @orphan:       a record of logins whose answer was not seen
 * @killed:       logged out by an administrator; handles give ESTALE
 * @force:        forget failed APQNs instead of leaving them pending
 * @reclaim:      the last holder went away without logging out
 * @life:         &enum ep11_sess_life (under ep11_sess_lock)
 * @holders:      open files and export fds holding it (ep11_sess_lock)
 * @list_handle:  the listing file's handle for it, set and cleared within
 *                one hold of ep11_sess_lock by the list ioctl
 * @pin:          the PIN, wiped on free: live sessions keep it to log in
 *                again on a card that comes back (relogin.c), @orphan
 *                records to recover; never handed out
 * @pin_len:      its length
 * @nonce:        the nonce (the kernel's own for a private session), as @pin
 * @nonce_len:    its length
 * @dying_since:  when the last holder went away
 * @reclaimed:    completed when the first logout attempt on every APQN
 *                is over (done, pending or lost)
 * @reclaim_left: work items of the current logout pass not yet finished
 *                (reclaim's lock)
 * @retrying:     the first pass is over (reclaim's lock)
 * @next_try:     jiffies of the next attempt of a pending logout
 * @not_before:   with @hold_off: jiffies before which no attempt starts
 *                (the abandoned Login may still be in the card)
 * @hold_off:     a recovery record waiting for @not_before
 * @awaiting:     a logout of the last pass waits for a live session's
 *                relogin on its APQN (reclaim.c)
 * @backoff_ms:   current backoff of pending logouts
 * @owner:        the creator's thread group
 * @owner_uid:    the creator's uid
 * @comm:         the creator's command name
 * @created_ns:   wall-clock creation time
 * @napqns:       published entries in @apqns (release/acquire); grows
 *                only under ep11_sess_lock while the session is alive
 * @cap:          room at @apqns
 * @name:         the name of a named login (named.c), or NULL; set once,
 *                under ep11_sess_lock, while the session is live
 * @apqns:        the APQNs
 */
struct ep11_session {
	struct kref ref;
	struct list_head node;
	struct hlist_node hnode;
	struct list_head pending_node;
	struct mutex lock; /* see above */
	u8 id[EP11_SESSION_ID_LEN];
	bool shared;
	bool orphan;
	bool killed;
	bool force;
	bool reclaim;
	enum ep11_sess_life life;
	unsigned int holders;
	u32 list_handle;
	u8 *pin;
	size_t pin_len;
	u8 *nonce;
	size_t nonce_len;
	ktime_t dying_since;
	struct completion reclaimed;
	unsigned int reclaim_left;
	bool retrying;
	unsigned long next_try;
	unsigned long not_before;
	bool hold_off;
	bool awaiting;
	unsigned int backoff_ms;
	struct pid *owner;
	kuid_t owner_uid;
	char comm[TASK_COMM_LEN];
	u64 created_ns;
	unsigned int napqns;
	unsigned int cap;
	struct ep11_name *name;
	struct ep11_sess_apqn apqns[];
};

extern struct mutex ep11_sess_lock;

/**
 * ep11_session_napqns() - the published entries of a session
 * @sess: the session
 *
 * Pairs with the release in ep11_session_add_apqn(): entries below the
 * returned count are completely written.
 *
 * Context: any context.
 * Return: the count.
 */
static inline unsigned int ep11_session_napqns(struct ep11_session *sess)
{
	/* Pairs with the smp_store_release() in ep11_session_add_apqn(). */
	return smp_load_acquire(&sess->napqns);
}

/**
 * ep11_sa_public_state() - an entry's state as user space sees it
 * @st: the entry's state
 *
 * Context: any context.
 * Return: an enum ep11sess_apqn_state value.
 */
static inline u32 ep11_sa_public_state(u32 st)
{
	switch (st) {
	case EP11_SA_RECOVER:
	case EP11_SA_ORPHANED:
		return EP11SESS_STATE_PENDING;
	case EP11_SA_TAKEN:
		return EP11SESS_STATE_DONE;
	default:
		return st;
	}
}

int ep11_session_init(void);
void ep11_session_uninit(void);

struct ep11_session *ep11_session_alloc(bool shared, unsigned int cap,
					gfp_t gfp);
void ep11_session_get(struct ep11_session *sess);
void ep11_session_put(struct ep11_session *sess);
int ep11_session_add_apqn(struct ep11_session *sess, struct ep11_apqn *apqn,
			  const u8 pinblob[EP11_PINBLOB_LEN], u32 state);
struct ep11_sess_apqn *ep11_session_find_apqn(struct ep11_session *sess,
					      struct ep11_apqn *apqn);
void ep11_session_link(struct ep11_session *sess);
void ep11_session_link_locked(struct ep11_session *sess);
void ep11_session_unlink(struct ep11_session *sess);
struct ep11_session *ep11_session_find_live_locked(const u8 *id);
/**
 * enum ep11_live_on - who holds a card session (ep11_session_live_on())
 * @EP11_LIVE_NONE:    no live session: a logout may end it
 * @EP11_LIVE_ON:      a live session's LIVE entry there has that pin blob
 * @EP11_LIVE_AWAITED: a live session's AWAY entry with that pin blob waits
 *                     to be logged in again there
 */
enum ep11_live_on {
	EP11_LIVE_NONE,
	EP11_LIVE_ON,
	EP11_LIVE_AWAITED,
};

enum ep11_live_on ep11_session_live_on(const u8 *pinblob,
				       struct ep11_apqn *apqn);
bool ep11_session_shared_on(struct ep11_apqn *apqn);
void ep11_session_index_locked(struct ep11_session *sess);
struct rw_semaphore *ep11_session_id_lock(const u8 *id);
int ep11_session_hold(struct ep11_session *sess);
bool ep11_session_unhold(struct ep11_session *sess);
void ep11_session_public_id(const struct ep11_session *sess, u8 *out);
int ep11_session_for_each(int (*fn)(struct ep11_session *sess, void *arg),
			  void *arg);
int ep11_session_for_each_locked(int (*fn)(struct ep11_session *sess,
					   void *arg), void *arg);
unsigned int ep11_session_count(void);

#endif /* _EP11SESS_SESSION_H */
