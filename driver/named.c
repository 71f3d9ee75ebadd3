// SPDX-License-Identifier: GPL-2.0
/*
 * Named logins.  A login may give its session a name in a scope: the
 * caller's uid or a group the caller is in.  A file in the scope attaches
 * to the live session of that name without the PIN; outside it, the
 * caller learns nothing (EPERM before any lookup).  A name is unique among
 * the live sessions of its scope; the index holds names of sessions until
 * they are unlinked, and lookups see only live ones.
 *
 * A keep-alive hold is a holder owned by the kernel: one hold and one
 * reference of the session, with an optional time-to-live that a delayed
 * work item enforces.  It ends when released, when it expires, when the
 * session is logged out for everyone, and at module exit.
 *
 * Locking: the index, a session's @name pointer and the hold's fields are
 * under ep11_sess_lock.  The delayed work is queued and modified under it
 * too; each queued instance owns a reference of the session, so the work
 * never runs on freed memory, and the work takes the lock itself, so it is
 * never cancelled synchronously under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uidgid.h>

#include "chardev.h"
#include "named.h"
#include "session.h"

static DEFINE_HASHTABLE(ep11_name_index, 8);	/* ep11_sess_lock */
static siphash_key_t ep11_name_key __read_mostly;
/* Runs the expiries; destroyed (drained) at module exit. */
static struct workqueue_struct *ep11_name_wq;

static u32 ep11_name_hash(const u8 *name, u32 scope, u32 id)
{
	struct {
		u8 name[EP11SESS_NAME_LEN];
		u32 scope;
		u32 id;
	} k;

	memcpy(k.name, name, sizeof(k.name));
	k.scope = scope;
	k.id = id;
	return siphash(&k, sizeof(k), &ep11_name_key);
}

/**
 * ep11_name_scope_id() - check the caller against a scope
 * @scope:      an &enum ep11sess_scope
 * @uid_or_gid: the uid or gid the caller gave, in its user namespace;
 *              for a login in %EP11SESS_SCOPE_UID it is not used (the
 *              scope is the caller's own uid)
 * @login:      the caller is logging in, not attaching
 * @id:         the scope's kuid or kgid value
 *
 * The caller is in a uid scope when the uid is its file-system uid, in a
 * group scope when the group is its file-system gid or a supplementary
 * group (in_group_p()).
 *
 * Context: process context.
 * Return: 0, -EINVAL for an unknown scope or an id that does not map, or
 * -EPERM when the caller is not in the scope.
 */
int ep11_name_scope_id(u32 scope, u32 uid_or_gid, bool login, u32 *id)
{
	kuid_t uid;
	kgid_t gid;

	switch (scope) {
	case EP11SESS_SCOPE_UID:
		if (login) {
			*id = __kuid_val(current_fsuid());
			return 0;
		}
		uid = make_kuid(current_user_ns(), uid_or_gid);
		if (!uid_valid(uid))
			return -EINVAL;
		if (!uid_eq(uid, current_fsuid()))
			return -EPERM;
		*id = __kuid_val(uid);
		return 0;
	case EP11SESS_SCOPE_GID:
		gid = make_kgid(current_user_ns(), uid_or_gid);
		if (!gid_valid(gid))
			return -EINVAL;
		if (!in_group_p(gid))
			return -EPERM;
		*id = __kgid_val(gid);
		return 0;
	default:
		return -EINVAL;
	}
}

static void ep11_name_expire(struct work_struct *work);

#if IS_ENABLED(CONFIG_EP11SESS_KUNIT_TEST)
/*
 * Called by an expiry before it takes the lock (@claimed false) and, when
 * it ended the hold, between its unlock and the hold's drop (true).
 */
void (*ep11_name_expire_hook)(struct ep11_session *sess, bool claimed);

static void ep11_name_expire_point(struct ep11_session *sess, bool claimed)
{
	if (READ_ONCE(ep11_name_expire_hook))
		ep11_name_expire_hook(sess, claimed);
}
#else
static void ep11_name_expire_point(struct ep11_session *sess, bool claimed)
{
}
#endif

/**
 * ep11_name_alloc() - a name not yet given to a session
 * @name:  %EP11SESS_NAME_LEN bytes
 * @scope: an &enum ep11sess_scope
 * @id:    the scope's kuid or kgid value (ep11_name_scope_id())
 *
 * Context: process context.
 * Return: the name, or NULL without memory.
 */
struct ep11_name *ep11_name_alloc(const u8 *name, u32 scope, u32 id)
{
	struct ep11_name *n = kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);

	if (!n)
		return NULL;
	INIT_HLIST_NODE(&n->node);
	memcpy(n->name, name, sizeof(n->name));
	n->scope = scope;
	n->id = id;
	INIT_DELAYED_WORK(&n->keep_work, ep11_name_expire);
	return n;
}

/**
 * ep11_name_free() - free a name no longer in the index
 * @n: the name, or NULL
 *
 * Context: any context; no keep-alive work may be queued (each queued
 * instance holds a reference of the session that owns @n).
 */
void ep11_name_free(struct ep11_name *n)
{
	if (!n)
		return;
	WARN_ON(!hlist_unhashed(&n->node));
	kfree_sensitive(n);
}

static bool ep11_name_live(const struct ep11_session *sess)
{
	return sess->life == EP11_SESS_ALIVE && !sess->killed && !sess->orphan;
}

static bool ep11_name_same(const struct ep11_name *a, const u8 *name,
			   u32 scope, u32 id)
{
	return a->scope == scope && a->id == id &&
	       !memcmp(a->name, name, EP11SESS_NAME_LEN);
}

/* The live session with a name in a scope; ep11_sess_lock held. */
static struct ep11_session *ep11_name_find_locked(const u8 *name, u32 scope,
						  u32 id)
{
	struct ep11_name *n;

	lockdep_assert_held(&ep11_sess_lock);
	hash_for_each_possible(ep11_name_index, n, node,
			       ep11_name_hash(name, scope, id))
		if (ep11_name_same(n, name, scope, id) && ep11_name_live(n->sess))
			return n->sess;
	return NULL;
}

/**
 * ep11_name_check_locked() - whether a login may give a session a name
 * @n:      the name
 * @target: the live session the login joins, or NULL when it creates one
 *
 * Context: the caller holds ep11_sess_lock, and keeps it until
 * ep11_name_give_locked().
 * Return: 0, or -EEXIST when another live session has the name in its
 * scope, or @target does not have it (only a login that creates a session
 * names it).
 */
int ep11_name_check_locked(const struct ep11_name *n,
			   const struct ep11_session *target)
{
	struct ep11_session *other;

	lockdep_assert_held(&ep11_sess_lock);
	other = ep11_name_find_locked(n->name, n->scope, n->id);
	if (other && other != target)
		return -EEXIST;
	if (target && (!target->name ||
		       !ep11_name_same(target->name, n->name, n->scope, n->id)))
		return -EEXIST;
	return 0;
}

/**
 * ep11_name_taken() - whether a login with a name is bound to fail
 * @n:      the name
 * @shared: the login is shared (it may join the session that has it)
 *
 * A check before any card round trip; ep11_name_check_locked() decides.
 *
 * Context: process context; takes ep11_sess_lock.
 * Return: true when a live session has the name and the login cannot be
 * joining it.
 */
bool ep11_name_taken(const struct ep11_name *n, bool shared)
{
	struct ep11_session *other;
	bool taken;

	mutex_lock(&ep11_sess_lock);
	other = ep11_name_find_locked(n->name, n->scope, n->id);
	taken = other && (!shared || !other->shared);
	mutex_unlock(&ep11_sess_lock);
	return taken;
}

/**
 * ep11_name_give_locked() - give a linked session a name
 * @sess: the session, which ep11_name_check_locked() accepted
 * @n:    the name; taken (and set to NULL) unless @sess already has it
 *
 * Context: the caller holds ep11_sess_lock.
 */
void ep11_name_give_locked(struct ep11_session *sess, struct ep11_name **n)
{
	lockdep_assert_held(&ep11_sess_lock);
	if (sess->name)
		return;
	(*n)->sess = sess;
	hash_add(ep11_name_index, &(*n)->node,
		 ep11_name_hash((*n)->name, (*n)->scope, (*n)->id));
	sess->name = *n;
	*n = NULL;
}

/**
 * ep11_name_unhash_locked() - take a session's name out of the index
 * @sess: the session, being unlinked
 *
 * Context: the caller holds ep11_sess_lock.
 */
void ep11_name_unhash_locked(struct ep11_session *sess)
{
	lockdep_assert_held(&ep11_sess_lock);
	if (sess->name && !hlist_unhashed(&sess->name->node))
		hash_del(&sess->name->node);
}

/**
 * ep11_name_attach() - hold the live session with a name in a scope
 * @name:  %EP11SESS_NAME_LEN bytes
 * @scope: an &enum ep11sess_scope
 * @id:    the scope's kuid or kgid value; the caller checked that it is in
 *         the scope (ep11_name_scope_id())
 *
 * Context: process context; takes ep11_sess_lock.
 * Return: the session with one hold and one reference for the caller, or
 * ERR_PTR(-ENOENT).
 */
struct ep11_session *ep11_name_attach(const u8 *name, u32 scope, u32 id)
{
	struct ep11_session *sess;

	mutex_lock(&ep11_sess_lock);
	sess = ep11_name_find_locked(name, scope, id);
	if (sess) {
		sess->holders++;
		ep11_session_get(sess);
	}
	mutex_unlock(&ep11_sess_lock);
	return sess ? sess : ERR_PTR(-ENOENT);
}

/**
 * ep11_name_in_scope() - whether the caller may act on a named session
 * @sess: the session
 *
 * Context: process context; takes ep11_sess_lock.
 * Return: 0, -EINVAL when @sess has no name, -EPERM when the caller is
 * outside its scope.
 */
int ep11_name_in_scope(struct ep11_session *sess)
{
	u32 scope, id, mine;
	int ret;

	mutex_lock(&ep11_sess_lock);
	ret = sess->name ? 0 : -EINVAL;
	if (!ret) {
		scope = sess->name->scope;
		id = sess->name->id;
	}
	mutex_unlock(&ep11_sess_lock);
	if (ret)
		return ret;
	if (scope == EP11SESS_SCOPE_UID)
		mine = __kuid_val(current_fsuid());
	else if (in_group_p(KGIDT_INIT(id)))
		mine = id;
	else
		return -EPERM;
	return mine == id ? 0 : -EPERM;
}

/* Queue or move the hold's work; ep11_sess_lock held. */
static void ep11_name_arm_locked(struct ep11_name *n, unsigned long delay)
{
	lockdep_assert_held(&ep11_sess_lock);
	/* A newly queued instance owns a reference. */
	if (!mod_delayed_work(ep11_name_wq, &n->keep_work, delay))
		ep11_session_get(n->sess);
}

/**
 * ep11_name_keep() - place or renew a session's keep-alive hold
 * @sess:       a live named session; the caller checked its scope
 * @ttl_ms:     the hold's time-to-live, 0 for none
 * @expires_ns: when it ends (wall clock), 0 without a time-to-live
 * @placed:     set when the hold is new, not renewed
 *
 * Context: process context; takes ep11_sess_lock.
 * Return: 0, -EINVAL when @sess has no name, -ESTALE when it is no longer
 * live.
 */
int ep11_name_keep(struct ep11_session *sess, u32 ttl_ms, u64 *expires_ns,
		   bool *placed)
{
	struct ep11_name *n;
	int ret = 0;

	*placed = false;
	mutex_lock(&ep11_sess_lock);
	n = sess->name;
	if (!n) {
		ret = -EINVAL;
	} else if (!ep11_name_live(sess)) {
		ret = -ESTALE;
	} else {
		if (!n->kept) {
			*placed = true;
			n->kept = true;
			sess->holders++;
			ep11_session_get(sess);
		}
		n->ttl = ttl_ms;
		n->expires_ns = 0;
		if (ttl_ms) {
			n->deadline = jiffies + msecs_to_jiffies(ttl_ms);
			n->expires_ns = ktime_get_real_ns() +
					(u64)ttl_ms * NSEC_PER_MSEC;
			ep11_name_arm_locked(n, msecs_to_jiffies(ttl_ms));
		}
		*expires_ns = n->expires_ns;
	}
	mutex_unlock(&ep11_sess_lock);
	return ret;
}

/*
 * End the hold if it exists; ep11_sess_lock held.  Returns whether the
 * caller must drop the hold's hold and reference, and how many work
 * references it must put.
 */
static bool ep11_name_unkeep_locked(struct ep11_name *n, unsigned int *puts)
{
	lockdep_assert_held(&ep11_sess_lock);
	if (cancel_delayed_work(&n->keep_work))
		(*puts)++;
	if (!n->kept)
		return false;
	n->kept = false;
	n->ttl = false;
	n->expires_ns = 0;
	return true;
}

/**
 * ep11_name_keep_release() - release a session's keep-alive hold
 * @sess: a named session; the caller checked its scope
 *
 * The session is logged out when that was its last hold.
 *
 * Context: process context, may sleep for the logouts (bounded); takes
 * ep11_sess_lock.
 * Return: 0, -EINVAL when @sess has no name, -ENOENT when it has no hold.
 */
int ep11_name_keep_release(struct ep11_session *sess)
{
	unsigned int puts = 0;
	bool drop = false;
	int ret = 0;

	mutex_lock(&ep11_sess_lock);
	if (!sess->name)
		ret = -EINVAL;
	else
		drop = ep11_name_unkeep_locked(sess->name, &puts);
	mutex_unlock(&ep11_sess_lock);
	while (puts--)
		ep11_session_put(sess);
	if (ret)
		return ret;
	if (!drop)
		return -ENOENT;
	ep11_drop_hold(sess, false, true);
	return 0;
}

/**
 * ep11_name_keep_end() - end a session's keep-alive hold, if any
 * @sess: the session, logged out for everyone or at module exit
 * @sync: wait for a running expiry (not from the work itself)
 *
 * Context: process context; no locks held.
 */
void ep11_name_keep_end(struct ep11_session *sess, bool sync)
{
	unsigned int puts = 0;
	bool drop = false;

	mutex_lock(&ep11_sess_lock);
	if (sess->name)
		drop = ep11_name_unkeep_locked(sess->name, &puts);
	mutex_unlock(&ep11_sess_lock);
	/* A running expiry found the hold gone; let it finish. */
	if (sync && sess->name)
		flush_delayed_work(&sess->name->keep_work);
	while (puts--)
		ep11_session_put(sess);
	if (drop)
		ep11_drop_hold(sess, false, false);
}

static void ep11_name_expire(struct work_struct *work)
{
	struct ep11_name *n = container_of(to_delayed_work(work),
					   struct ep11_name, keep_work);
	struct ep11_session *sess = n->sess;
	bool drop = false;

	ep11_name_expire_point(sess, false);
	mutex_lock(&ep11_sess_lock);
	if (n->kept && n->ttl) {
		if (time_after_eq(jiffies, n->deadline)) {
			n->kept = false;
			n->ttl = false;
			n->expires_ns = 0;
			drop = true;
		} else if (!delayed_work_pending(&n->keep_work)) {
			/* Woken early: wait again, with a reference. */
			ep11_name_arm_locked(n, n->deadline - jiffies);
		}
	}
	mutex_unlock(&ep11_sess_lock);
	if (drop) {
		ep11_name_expire_point(sess, true);
		pr_debug("keep-alive hold expired\n");
		ep11_drop_hold(sess, false, false);
	}
	/* This instance's reference. */
	ep11_session_put(sess);
}

static int ep11_name_collect_kept(struct ep11_session *sess, void *arg)
{
	struct ep11_session **found = arg;

	if (sess->name && (sess->name->kept ||
			   delayed_work_pending(&sess->name->keep_work))) {
		ep11_session_get(sess);
		*found = sess;
		return 1;
	}
	return 0;
}

/**
 * ep11_name_init() - the index's hash key and the workqueue of the holds'
 * expiries
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int ep11_name_init(void)
{
	get_random_bytes(&ep11_name_key, sizeof(ep11_name_key));
	ep11_name_wq = alloc_workqueue("ep11sess_keep", WQ_UNBOUND, 0);
	return ep11_name_wq ? 0 : -ENOMEM;
}

/**
 * ep11_name_end_all() - end every keep-alive hold
 *
 * The kept sessions that nothing else holds are logged out like any other
 * whose last holder went away.
 *
 * Context: process context; no locks held.
 */
void ep11_name_end_all(void)
{
	struct ep11_session *sess;

	for (;;) {
		sess = NULL;
		ep11_session_for_each(ep11_name_collect_kept, &sess);
		if (!sess)
			break;
		ep11_name_keep_end(sess, true);
		ep11_session_put(sess);
	}
}

/**
 * ep11_name_uninit() - end every keep-alive hold and stop the expiries
 *
 * No file is open any more.  An expiry still running when its hold ended
 * is waited for by the workqueue's destruction.
 *
 * Context: module exit, before the reclaim worker stops.
 */
void ep11_name_uninit(void)
{
	ep11_name_end_all();
	destroy_workqueue(ep11_name_wq);
	ep11_name_wq = NULL;
}
