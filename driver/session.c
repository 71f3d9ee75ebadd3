// SPDX-License-Identifier: GPL-2.0
/*
 * The session table: every EP11 session the kernel knows, live or being
 * logged out, with its holders and owner.
 *
 * Locking: ep11_sess_lock protects the table and its index by session
 * id, every session's @life and @holders, and the growth of a live
 * session's APQNs.  A session's own @lock is taken outside ep11_sess_lock
 * and is held across the card round trips of that session only.  A card's
 * spinlock nests inside both.
 *
 * One session id, one story: the id locks (ep11_session_id_lock(), read-
 * write semaphores) are taken outside everything else and order, for one
 * session id, the publication of a login (create or join; writer) against
 * every logout round trip (readers).
 * A logout is sent only while no live session holds the same id on the
 * same APQN, and a login is published only after its round trips are
 * known not to have been undone by a logout of that id.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/random.h>
#include <linux/rwsem.h>
#include <linux/sched/signal.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "card.h"
#include "named.h"
#include "relogin.h"
#include "session.h"

DEFINE_MUTEX(ep11_sess_lock);		/* see the top of this file */
static LIST_HEAD(ep11_sessions);		/* ep11_sess_lock */
static unsigned int ep11_nsessions;		/* ep11_sess_lock */
/* Sessions whose id is known, by id. */
static DEFINE_HASHTABLE(ep11_sess_index, 12);	/* ep11_sess_lock */
static siphash_key_t ep11_id_key __read_mostly;

#define EP11_ID_LOCKS	256
static struct rw_semaphore ep11_id_locks[EP11_ID_LOCKS];
/* Sessions on one APQN, the common case, come from their own cache. */
static struct kmem_cache *ep11_sess_cache;

static size_t ep11_session_size(unsigned int cap)
{
	/* struct_size_t() came to 6.1 stable after 6.1.176 (Debian s390x). */
	return struct_size((struct ep11_session *)NULL, apqns, cap);
}

static u32 ep11_id_hash(const u8 *id)
{
	return siphash(id, EP11_SESSION_ID_LEN, &ep11_id_key);
}

/**
 * ep11_session_init() - set the table's hash key, the id locks and the
 * session cache up
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int ep11_session_init(void)
{
	unsigned int i;

	ep11_sess_cache = kmem_cache_create("ep11sess_session",
					    ep11_session_size(1), 0,
					    SLAB_ACCOUNT, NULL);
	if (!ep11_sess_cache)
		return -ENOMEM;
	get_random_bytes(&ep11_id_key, sizeof(ep11_id_key));
	for (i = 0; i < EP11_ID_LOCKS; i++)
		init_rwsem(&ep11_id_locks[i]);
	return 0;
}

/**
 * ep11_session_id_lock() - the lock that serialises one session id
 * @id: the 32-byte session id
 *
 * Held for writing across the publication of a login with that id, for
 * reading across every logout round trip of it, so that the logouts of
 * one session's APQNs still run side by side (see the top of this file).
 * Never nested.
 *
 * Context: any context.
 * Return: the semaphore.
 */
struct rw_semaphore *ep11_session_id_lock(const u8 *id)
{
	return &ep11_id_locks[ep11_id_hash(id) % EP11_ID_LOCKS];
}

/**
 * ep11_session_alloc() - a new session owned by the current task
 * @shared: joinable
 * @cap:    the most APQNs it may span (at most %EP11SESS_MAX_APQNS)
 * @gfp:    allocation flags
 *
 * The memory is charged to the caller's memory cgroup.  A session on one
 * APQN costs sizeof(struct ep11_session) + sizeof(struct ep11_sess_apqn)
 * bytes of its own cache; wider ones come from kmalloc.
 *
 * Context: process context.
 * Return: the session with one reference and no holder, or NULL.
 */
struct ep11_session *ep11_session_alloc(bool shared, unsigned int cap,
					gfp_t gfp)
{
	struct ep11_session *sess;

	if (WARN_ON_ONCE(!cap || cap > EP11SESS_MAX_APQNS))
		return NULL;
	if (cap == 1)
		sess = kmem_cache_zalloc(ep11_sess_cache, gfp);
	else
		sess = kzalloc(ep11_session_size(cap), gfp | __GFP_ACCOUNT);
	if (!sess)
		return NULL;
	kref_init(&sess->ref);
	sess->cap = cap;
	INIT_LIST_HEAD(&sess->node);
	INIT_HLIST_NODE(&sess->hnode);
	INIT_LIST_HEAD(&sess->pending_node);
	mutex_init(&sess->lock);
	init_completion(&sess->reclaimed);
	sess->shared = shared;
	sess->life = EP11_SESS_ALIVE;
	sess->owner = get_pid(task_tgid(current));
	sess->owner_uid = current_uid();
	get_task_comm(sess->comm, current);
	sess->created_ns = ktime_get_real_ns();
	return sess;
}

static void ep11_session_release(struct kref *ref)
{
	struct ep11_session *sess = container_of(ref, struct ep11_session,
						 ref);
	unsigned int i;

	WARN_ON(!list_empty(&sess->node));
	WARN_ON(!hlist_unhashed(&sess->hnode));
	WARN_ON(!list_empty(&sess->pending_node));
	for (i = 0; i < sess->napqns; i++)
		ep11_card_put(sess->apqns[i].apqn->card);
	put_pid(sess->owner);
	ep11_name_free(sess->name);
	kfree_sensitive(sess->pin);
	kfree_sensitive(sess->nonce);
	mutex_destroy(&sess->lock);
	if (sess->cap == 1) {
		memzero_explicit(sess, ep11_session_size(1));
		kmem_cache_free(ep11_sess_cache, sess);
	} else {
		kfree_sensitive(sess);
	}
}

/**
 * ep11_session_get() - take a reference
 * @sess: the session
 *
 * Context: any context.
 */
void ep11_session_get(struct ep11_session *sess)
{
	kref_get(&sess->ref);
}

/**
 * ep11_session_put() - drop a reference; the last frees the session and
 * wipes its pin blobs
 * @sess: the session, or NULL
 *
 * Context: process context (the release drops card references).
 */
void ep11_session_put(struct ep11_session *sess)
{
	if (sess)
		kref_put(&sess->ref, ep11_session_release);
}

/**
 * ep11_session_add_apqn() - add an APQN to a session
 * @sess:    the session
 * @apqn:    the APQN (a card reference is taken)
 * @pinblob: its pin blob there, or NULL for a recovery record
 * @state:   the entry's state
 *
 * The entry is published with release semantics, so lockless readers see
 * it complete.
 *
 * Context: process context; the caller holds ep11_sess_lock or is the
 * only user of @sess.
 * Return: 0, or -E2BIG when the session is full.
 */
int ep11_session_add_apqn(struct ep11_session *sess, struct ep11_apqn *apqn,
			  const u8 pinblob[EP11_PINBLOB_LEN], u32 state)
{
	struct ep11_sess_apqn *sa;

	if (sess->napqns >= sess->cap)
		return -E2BIG;
	sa = &sess->apqns[sess->napqns];
	sa->apqn = apqn;
	kref_get(&apqn->card->ref);
	sa->wkid_valid = ep11_apqn_wkid(apqn, sa->wkid) == EP11_WKID_VALID;
	WRITE_ONCE(sa->state, state);
	if (pinblob)
		memcpy(sa->pinblob, pinblob, EP11_PINBLOB_LEN);
	if (!sess->napqns && pinblob)
		memcpy(sess->id, pinblob, EP11_SESSION_ID_LEN);
	/* Publish the entry: pairs with ep11_session_napqns(). */
	smp_store_release(&sess->napqns, sess->napqns + 1);
	return 0;
}

/**
 * ep11_session_find_apqn() - a session's entry for an APQN
 * @sess: the session
 * @apqn: the APQN
 *
 * Context: any context.
 * Return: the entry or NULL.
 */
struct ep11_sess_apqn *ep11_session_find_apqn(struct ep11_session *sess,
					      struct ep11_apqn *apqn)
{
	unsigned int i, n = ep11_session_napqns(sess);

	for (i = 0; i < n; i++)
		if (READ_ONCE(sess->apqns[i].apqn) == apqn)
			return &sess->apqns[i];
	return NULL;
}

/**
 * ep11_session_link() - enter a session into the table
 * @sess: the session; the table takes a reference
 *
 * Context: process context; takes ep11_sess_lock.
 */
void ep11_session_link(struct ep11_session *sess)
{
	mutex_lock(&ep11_sess_lock);
	ep11_session_link_locked(sess);
	mutex_unlock(&ep11_sess_lock);
}

/**
 * ep11_session_link_locked() - enter a session into the table
 * @sess: the session; the table takes a reference
 *
 * A session whose id is known is indexed by it too.
 *
 * Context: process context; the caller holds ep11_sess_lock.
 */
void ep11_session_link_locked(struct ep11_session *sess)
{
	lockdep_assert_held(&ep11_sess_lock);
	ep11_session_get(sess);
	list_add_tail(&sess->node, &ep11_sessions);
	ep11_nsessions++;
	if (ep11_session_napqns(sess) && !sess->orphan)
		ep11_session_index_locked(sess);
}

/**
 * ep11_session_index_locked() - index a linked session by its id
 * @sess: the session, whose @id is set
 *
 * Context: process context; the caller holds ep11_sess_lock.
 */
void ep11_session_index_locked(struct ep11_session *sess)
{
	lockdep_assert_held(&ep11_sess_lock);
	if (hlist_unhashed(&sess->hnode) && !list_empty(&sess->node))
		hash_add(ep11_sess_index, &sess->hnode,
			 ep11_id_hash(sess->id));
}

/**
 * ep11_session_unlink() - remove a finished session from the table
 * @sess: the session; the table's reference is dropped
 *
 * Context: process context; takes ep11_sess_lock.
 */
void ep11_session_unlink(struct ep11_session *sess)
{
	bool linked;

	mutex_lock(&ep11_sess_lock);
	sess->life = EP11_SESS_DEAD;
	linked = !list_empty(&sess->node);
	if (linked) {
		list_del_init(&sess->node);
		ep11_nsessions--;
	}
	if (!hlist_unhashed(&sess->hnode))
		hash_del(&sess->hnode);
	ep11_name_unhash_locked(sess);
	mutex_unlock(&ep11_sess_lock);
	if (linked)
		ep11_session_put(sess);
}

/**
 * ep11_session_find_live_locked() - the live shared session with an id
 * @id: the 32-byte session id
 *
 * Context: process context; the caller holds ep11_sess_lock.
 * Return: the session (no reference taken), or NULL.
 */
struct ep11_session *ep11_session_find_live_locked(const u8 *id)
{
	struct ep11_session *sess;

	lockdep_assert_held(&ep11_sess_lock);
	hash_for_each_possible(ep11_sess_index, sess, hnode, ep11_id_hash(id)) {
		if (sess->shared && !sess->orphan && !sess->killed &&
		    sess->life == EP11_SESS_ALIVE &&
		    !memcmp(sess->id, id, EP11_SESSION_ID_LEN))
			return sess;
	}
	return NULL;
}

/**
 * ep11_session_live_on() - whether a live session holds a card session
 * @pinblob: the card session's 80-byte pin blob (its id first)
 * @apqn:    the APQN
 *
 * A logout of @pinblob on @apqn would end a live session's card session
 * when one has a LIVE entry there with that very pin blob: the caller,
 * which holds the id's lock, takes the card session over instead.  An
 * entry with that pin blob that waits to be logged in again on @apqn (its
 * card went away and came back, see ep11_relogin_awaits()) may take it
 * over later: the caller neither ends it nor hands it over yet.
 *
 * Context: process context; takes ep11_sess_lock.
 * Return: %EP11_LIVE_ON, %EP11_LIVE_AWAITED or %EP11_LIVE_NONE.
 */
enum ep11_live_on ep11_session_live_on(const u8 *pinblob,
				       struct ep11_apqn *apqn)
{
	enum ep11_live_on on = EP11_LIVE_NONE;
	struct ep11_session *sess;
	struct ep11_sess_apqn *sa;

	mutex_lock(&ep11_sess_lock);
	hash_for_each_possible(ep11_sess_index, sess, hnode,
			       ep11_id_hash(pinblob)) {
		if (sess->orphan || sess->life != EP11_SESS_ALIVE ||
		    memcmp(sess->id, pinblob, EP11_SESSION_ID_LEN))
			continue;
		sa = ep11_session_find_apqn(sess, apqn);
		if (sa && READ_ONCE(sa->state) == EP11SESS_STATE_LIVE &&
		    !memcmp(sa->pinblob, pinblob, EP11_PINBLOB_LEN)) {
			on = EP11_LIVE_ON;
			break;
		}
		if (ep11_relogin_awaits(sess, apqn, pinblob))
			on = EP11_LIVE_AWAITED;
	}
	mutex_unlock(&ep11_sess_lock);
	return on;
}

/**
 * ep11_session_shared_on() - whether a live shared session is on an APQN
 * @apqn: the APQN
 *
 * A shared login at this host's full share of the card can only join such
 * a session; without one it does not try the card at all.
 *
 * Context: process context; takes ep11_sess_lock.
 * Return: true when a live shared session has an entry for @apqn.
 */
bool ep11_session_shared_on(struct ep11_apqn *apqn)
{
	struct ep11_session *sess;
	unsigned int bkt;
	bool on = false;

	mutex_lock(&ep11_sess_lock);
	hash_for_each(ep11_sess_index, bkt, sess, hnode) {
		if (sess->shared && !sess->orphan && !sess->killed &&
		    sess->life == EP11_SESS_ALIVE &&
		    ep11_session_find_apqn(sess, apqn)) {
			on = true;
			break;
		}
	}
	mutex_unlock(&ep11_sess_lock);
	return on;
}

/**
 * ep11_session_hold() - add a holder
 * @sess: the session
 *
 * Context: process context; takes ep11_sess_lock.
 * Return: 0, or -ESTALE when the session is no longer alive.
 */
int ep11_session_hold(struct ep11_session *sess)
{
	int ret = 0;

	mutex_lock(&ep11_sess_lock);
	if (sess->life != EP11_SESS_ALIVE || sess->killed)
		ret = -ESTALE;
	else
		sess->holders++;
	mutex_unlock(&ep11_sess_lock);
	return ret;
}

/**
 * ep11_session_unhold() - drop a holder
 * @sess: the session
 *
 * When the last holder of a live session goes, the session is marked
 * dying and the caller must start its reclaim.
 *
 * Context: process context; takes ep11_sess_lock.
 * Return: true when the caller must call ep11_reclaim_start().
 */
bool ep11_session_unhold(struct ep11_session *sess)
{
	bool last = false;

	mutex_lock(&ep11_sess_lock);
	if (!WARN_ON_ONCE(!sess->holders) && !--sess->holders &&
	    sess->life == EP11_SESS_ALIVE) {
		sess->life = EP11_SESS_DYING;
		sess->dying_since = ktime_get();
		last = true;
	}
	mutex_unlock(&ep11_sess_lock);
	return last;
}

/**
 * ep11_session_public_id() - the public part of the session id
 * @sess: the session
 * @out:  16 bytes
 *
 * Context: any context.
 */
void ep11_session_public_id(const struct ep11_session *sess, u8 *out)
{
	memcpy(out, sess->id, EP11_PUBLIC_ID_LEN);
}

/**
 * ep11_session_count() - sessions in the table
 *
 * Context: process context; takes ep11_sess_lock.
 * Return: the count, dying ones and recovery records included.
 */
unsigned int ep11_session_count(void)
{
	unsigned int n;

	mutex_lock(&ep11_sess_lock);
	n = ep11_nsessions;
	mutex_unlock(&ep11_sess_lock);
	return n;
}

/**
 * ep11_session_for_each_locked() - call @fn for every session in the table
 * @fn:  must not sleep for long nor take a session's @lock; a non-zero
 *       return stops the walk
 * @arg: passed to @fn
 *
 * Context: process context; the caller holds ep11_sess_lock.
 * Return: 0 or what @fn returned.
 */
int ep11_session_for_each_locked(int (*fn)(struct ep11_session *sess,
					   void *arg), void *arg)
{
	struct ep11_session *sess;
	int ret;

	lockdep_assert_held(&ep11_sess_lock);
	list_for_each_entry(sess, &ep11_sessions, node) {
		ret = fn(sess, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * ep11_session_for_each() - call @fn for every session in the table
 * @fn:  called under ep11_sess_lock (must not sleep for long nor take
 *       a session's @lock); a non-zero return stops the walk
 * @arg: passed to @fn
 *
 * Context: process context; takes ep11_sess_lock.
 * Return: 0 or what @fn returned.
 */
int ep11_session_for_each(int (*fn)(struct ep11_session *sess, void *arg),
			  void *arg)
{
	int ret;

	mutex_lock(&ep11_sess_lock);
	ret = ep11_session_for_each_locked(fn, arg);
	mutex_unlock(&ep11_sess_lock);
	return ret;
}

/**
 * ep11_session_uninit() - the table must be empty at module exit
 *
 * Context: module exit, after the reclaim worker stopped.
 */
void ep11_session_uninit(void)
{
	WARN_ON(!list_empty(&ep11_sessions));
	kmem_cache_destroy(ep11_sess_cache);
}
