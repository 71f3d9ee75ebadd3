// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl ABI of /dev/ep11sess (include/uapi/linux/ep11sess.h): a table
 * of commands, each with its struct size and the size of its first ABI
 * version, read with copy_struct_from_user() and answered with as many
 * bytes as the caller's struct has.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/ep11sess_genl.h>

#include "card.h"
#include "chardev.h"
#include "fleet.h"
#include "login.h"
#include "named.h"
#include "orphan.h"
#include "reclaim.h"
#include "send.h"
#include "session.h"
#include "xfer.h"

#define EP11_FEATURES	(EP11SESS_FEAT_LOGIN | EP11SESS_FEAT_SHARED | \
			 EP11SESS_FEAT_SEND | EP11SESS_FEAT_SEND_FAILOVER | \
			 EP11SESS_FEAT_LIST | EP11SESS_FEAT_STATUS | \
			 EP11SESS_FEAT_EXPORT | EP11SESS_FEAT_ADMIN_LOGOUT | \
			 EP11SESS_FEAT_WAIT | EP11SESS_FEAT_NAMED | \
			 EP11SESS_FEAT_RELOGIN)

#define EP11_PRIVATE_NONCE_LEN	32

/**
 * struct ep11_ucmd - one ioctl call
 * @ef:    the caller's file
 * @ubuf:  the caller's struct
 * @usize: its size as the caller gave it
 * @cmd:   the kernel's copy
 * @size:  the kernel's struct size
 */
struct ep11_ucmd {
	struct ep11_file *ef;
	void __user *ubuf;
	u32 usize;
	void *cmd;
	size_t size;
};

static int ep11_respond(struct ep11_ucmd *uc)
{
	if (copy_to_user(uc->ubuf, uc->cmd, min_t(size_t, uc->usize, uc->size)))
		return -EFAULT;
	return 0;
}

static int ep11_ioc_version(struct ep11_ucmd *uc)
{
	struct ep11sess_version *v = uc->cmd;

	if (v->flags || v->abi_version || v->max_apqns || v->features)
		return -EINVAL;
	v->abi_version = EP11SESS_ABI_VERSION;
	v->max_apqns = EP11SESS_MAX_APQNS;
	v->features = EP11_FEATURES;
	return 0;
}

static bool ep11_target_dup(const struct ep11sess_target *t, unsigned int n,
			    const struct ep11sess_apqn *a)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (t[i].apqn.card == a->card && t[i].apqn.domain == a->domain)
			return true;
	return false;
}

/* Check the caller's targets and expand "every online domain". */
static int ep11_login_targets(const struct ep11sess_target *in,
			      unsigned int nin, struct ep11sess_target *out,
			      unsigned int cap, unsigned int *nout)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < nin; i++) {
		const struct ep11sess_target *t = &in[i];
		struct ep11_card *card;

		if (t->apqn.pad || t->reserved ||
		    t->flags & ~EP11SESS_TARGET_ALL_DOMAINS)
			return -EINVAL;
		if (!(t->flags & EP11SESS_TARGET_ALL_DOMAINS)) {
			if (t->apqn.domain > 0xff)
				return -EINVAL;
			if (ep11_target_dup(out, n, &t->apqn))
				return -EINVAL;
			if (n >= cap)
				return -E2BIG;
			memset(&out[n], 0, sizeof(out[n]));
			out[n++].apqn = t->apqn;
			continue;
		}
		if (t->apqn.domain)
			return -EINVAL;
		card = ep11_card_get(t->apqn.card);
		if (!card)
			continue;
		for (j = 0; j < card->napqns; j++) {
			struct ep11sess_apqn a = {
				.card = card->id,
				.domain = card->apqns[j].domain,
			};

			if (!ep11_apqn_is_online(&card->apqns[j]))
				continue;
			if (ep11_target_dup(out, n, &a)) {
				ep11_card_put(card);
				return -EINVAL;
			}
			if (n >= cap) {
				ep11_card_put(card);
				return -E2BIG;
			}
			memset(&out[n], 0, sizeof(out[n]));
			out[n++].apqn = a;
		}
		ep11_card_put(card);
	}
	*nout = n;
	return n ? 0 : -ENODEV;
}

static int ep11_ioc_login(struct ep11_ucmd *uc)
{
	const u32 known = EP11SESS_LOGIN_SHARED | EP11SESS_LOGIN_ALL_OR_NOTHING |
			  EP11SESS_LOGIN_NAMED;
	struct ep11sess_login *l = uc->cmd;
	struct ep11sess_target *in = NULL, *out = NULL;
	struct ep11_login_req req = { };
	struct ep11_session *sess = NULL;
	u8 *pin = NULL, *nonce = NULL;
	bool shared, joined;
	u32 scope_id;
	int ret, ret2;

	shared = l->flags & EP11SESS_LOGIN_SHARED;
	if (l->flags & ~known || l->reserved || l->handle || l->joined ||
	    memchr_inv(l->public_id, 0, sizeof(l->public_id)))
		return -EINVAL;
	if (l->pin_len < EP11_PIN_MIN_LEN || l->pin_len > EP11_PIN_MAX_LEN ||
	    !l->pin)
		return -EINVAL;
	if (shared ? (!l->nonce_len || l->nonce_len > EP11_NONCE_MAX_LEN ||
		      !l->nonce) : (l->nonce_len || l->nonce))
		return -EINVAL;
	if (!l->ntargets || l->ntargets > l->targets_cap ||
	    l->targets_cap > EP11SESS_MAX_APQNS || !l->targets ||
	    l->wait_ms > EP11SESS_MAX_WAIT_MS)
		return -EINVAL;
	if (!(l->flags & EP11SESS_LOGIN_NAMED)) {
		if (l->scope || l->gid ||
		    memchr_inv(l->name, 0, sizeof(l->name)))
			return -EINVAL;
	} else {
		if (!memchr_inv(l->name, 0, sizeof(l->name)) ||
		    (l->scope == EP11SESS_SCOPE_UID && l->gid))
			return -EINVAL;
		ret = ep11_name_scope_id(l->scope, l->gid, true, &scope_id);
		if (ret)
			return ret;
		req.name = ep11_name_alloc(l->name, l->scope, scope_id);
		if (!req.name)
			return -ENOMEM;
	}

	in = kcalloc(l->ntargets, sizeof(*in), GFP_KERNEL);
	out = kcalloc(l->targets_cap, sizeof(*out), GFP_KERNEL);
	pin = kmalloc(EP11_PIN_MAX_LEN, GFP_KERNEL);
	nonce = kmalloc(EP11_NONCE_MAX_LEN, GFP_KERNEL);
	if (!in || !out || !pin || !nonce) {
		ret = -ENOMEM;
		goto out;
	}
	if (copy_from_user(in, u64_to_user_ptr(l->targets),
			   l->ntargets * sizeof(*in)) ||
	    copy_from_user(pin, u64_to_user_ptr(l->pin), l->pin_len)) {
		ret = -EFAULT;
		goto out;
	}
	if (shared) {
		if (copy_from_user(nonce, u64_to_user_ptr(l->nonce),
				   l->nonce_len)) {
			ret = -EFAULT;
			goto out;
		}
		req.nonce_len = l->nonce_len;
	} else {
		get_random_bytes(nonce, EP11_PRIVATE_NONCE_LEN);
		req.nonce_len = EP11_PRIVATE_NONCE_LEN;
	}
	ret = ep11_login_targets(in, l->ntargets, out, l->targets_cap,
				 &req.ntargets);
	if (ret)
		goto out;

	req.targets = out;
	req.pin = pin;
	req.pin_len = l->pin_len;
	req.nonce = nonce;
	req.shared = shared;
	req.all_or_none = l->flags & EP11SESS_LOGIN_ALL_OR_NOTHING;
	req.wait = msecs_to_jiffies(l->wait_ms);
	ret = ep11_login(&req, &sess, &joined);
	if (!ret) {
		/* Our own reference: the file's may go with another thread. */
		ep11_session_get(sess);
		ret = ep11_file_add(uc->ef, sess, &l->handle);
		if (ret) {
			ep11_drop_hold(sess, false, true);
		} else {
			ep11_session_public_id(sess, l->public_id);
			l->joined = joined;
		}
	}
	l->ntargets = req.ntargets;
	if (copy_to_user(u64_to_user_ptr(l->targets), out,
			 req.ntargets * sizeof(*out)))
		ret = ret ? ret : -EFAULT;
	if (!ret) {
		ret = ep11_respond(uc);
		if (ret) {
			/* Nobody learns the handle: the login is undone. */
			ep11_file_drop(uc->ef, l->handle, sess);
			goto out;
		}
	} else if (l->handle) {
		ep11_file_drop(uc->ef, l->handle, sess);
		l->handle = 0;
	}
	if (ret) {
		/* The per-APQN results explain the failure: return them. */
		l->handle = 0;
		l->joined = 0;
		memset(l->public_id, 0, sizeof(l->public_id));
		ret2 = ep11_respond(uc);
		ret = ret2 ? ret2 : ret;
	}
out:
	ep11_session_put(sess);
	ep11_name_free(req.name);
	kfree_sensitive(pin);
	kfree_sensitive(nonce);
	kfree(in);
	kfree(out);
	return ret;
}

/**
 * ep11_kill() - log a session out for every holder
 * @sess:  the session
 * @force: forget APQNs whose logout fails
 *
 * As an administrator's logout does: the holders' handles fail with
 * ESTALE, its keep-alive hold ends, its logouts start.
 *
 * Context: process context; takes ep11_sess_lock.
 * Return: false when it was no longer live.
 */
bool ep11_kill(struct ep11_session *sess, bool force)
{
	bool start;

	mutex_lock(&ep11_sess_lock);
	start = sess->life == EP11_SESS_ALIVE && !sess->killed && !sess->orphan;
	if (start) {
		WRITE_ONCE(sess->killed, true);
		sess->force = force;
		sess->life = EP11_SESS_DYING;
		sess->dying_since = ktime_get();
	}
	mutex_unlock(&ep11_sess_lock);
	if (start) {
		ep11_name_keep_end(sess, false);
		ep11_reclaim_start(sess, false);
	}
	return start;
}

/* A named session logged out for everyone by one of its holders. */
static int ep11_logout_everyone(struct ep11_file *ef, u32 handle)
{
	struct ep11_session *sess;
	int ret;

	sess = ep11_file_session(ef, handle);
	if (IS_ERR(sess))
		return PTR_ERR(sess);
	ret = ep11_name_in_scope(sess);
	if (!ret && !ep11_kill(sess, false))
		ret = -ESTALE;
	if (!ret) {
		ep11_reclaim_wait(sess, jiffies +
				  msecs_to_jiffies(ep11_release_timeout_ms));
		/* Unless another thread dropped it meanwhile. */
		ep11_file_drop(ef, handle, sess);
	}
	ep11_session_put(sess);
	return ret;
}

static int ep11_ioc_logout(struct ep11_ucmd *uc)
{
	struct ep11sess_logout *l = uc->cmd;

	if (l->flags & ~EP11SESS_LOGOUT_EVERYONE || l->reserved)
		return -EINVAL;
	if (l->flags & EP11SESS_LOGOUT_EVERYONE)
		return ep11_logout_everyone(uc->ef, l->handle);
	return ep11_file_logout(uc->ef, l->handle);
}

static int ep11_ioc_attach(struct ep11_ucmd *uc)
{
	struct ep11sess_attach *a = uc->cmd;
	struct ep11_file *ef = uc->ef;
	struct ep11_session *sess;
	bool added = false;
	u32 id;
	int ret;

	if (a->flags || a->handle || a->reserved ||
	    memchr_inv(a->public_id, 0, sizeof(a->public_id)) ||
	    !memchr_inv(a->name, 0, sizeof(a->name)))
		return -EINVAL;
	ret = ep11_name_scope_id(a->scope, a->id, false, &id);
	if (ret)
		return ret;
	sess = ep11_name_attach(a->name, a->scope, id);
	if (IS_ERR(sess))
		return PTR_ERR(sess);
	/* A reference of our own, whatever happens to the file's. */
	ep11_session_get(sess);
	mutex_lock(&ef->lock);
	a->handle = ep11_file_find_handle(ef, sess);
	if (a->handle) {
		/* One handle per file and session: the new hold goes. */
		ep11_drop_hold(sess, false, false);
	} else {
		ret = ep11_file_add(ef, sess, &a->handle);
		if (ret)
			ep11_drop_hold(sess, false, false);
		added = !ret;
	}
	mutex_unlock(&ef->lock);
	if (!ret) {
		ep11_session_public_id(sess, a->public_id);
		ret = ep11_respond(uc);
		if (ret && added)
			/* Nobody learns the handle: the attach is undone. */
			ep11_file_drop(ef, a->handle, sess);
	}
	ep11_session_put(sess);
	return ret;
}

static int ep11_ioc_keep(struct ep11_ucmd *uc)
{
	struct ep11sess_keep *k = uc->cmd;
	struct ep11_session *sess;
	bool placed;
	int ret;

	if (k->flags & ~EP11SESS_KEEP_RELEASE || k->expires_ns ||
	    k->ttl_ms > EP11SESS_MAX_KEEP_MS ||
	    (k->flags & EP11SESS_KEEP_RELEASE && k->ttl_ms))
		return -EINVAL;
	sess = ep11_file_session(uc->ef, k->handle);
	if (IS_ERR(sess))
		return PTR_ERR(sess);
	ret = ep11_name_in_scope(sess);
	if (ret)
		goto out;
	if (k->flags & EP11SESS_KEEP_RELEASE) {
		/* Nothing to tell: expires_ns stays 0 in the caller's copy. */
		ret = ep11_name_keep_release(sess);
		goto out;
	}
	ret = ep11_name_keep(sess, k->ttl_ms, &k->expires_ns, &placed);
	if (!ret) {
		ret = ep11_respond(uc);
		/* A hold the caller cannot be told of is not placed. */
		if (ret && placed)
			ep11_name_keep_release(sess);
	}
out:
	ep11_session_put(sess);
	return ret;
}

static int ep11_ioc_send(struct ep11_ucmd *uc)
{
	return ep11_send(uc->ef, uc->cmd);
}

/* Fill one list entry; called with ep11_sess_lock held. */
static void ep11_fill_info(struct ep11_session *sess,
			   struct ep11sess_session_info *info, u32 handle)
{
	unsigned int i, n = ep11_session_napqns(sess);

	lockdep_assert_held(&ep11_sess_lock);
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	info->flags = (sess->shared ? EP11SESS_SESSION_SHARED : 0) |
		      (handle ? EP11SESS_SESSION_HELD : 0) |
		      (sess->life != EP11_SESS_ALIVE || sess->killed ?
		       EP11SESS_SESSION_DYING : 0);
	ep11_session_public_id(sess, info->public_id);
	info->holders = sess->holders;
	info->napqns = n;
	info->created_ns = sess->created_ns;
	info->owner_pid = pid_nr_ns(sess->owner, task_active_pid_ns(current));
	info->owner_uid = from_kuid_munged(current_user_ns(), sess->owner_uid);
	memcpy(info->comm, sess->comm, sizeof(info->comm));
	info->comm[sizeof(info->comm) - 1] = '\0';
	if (sess->name) {
		struct ep11_name *nm = sess->name;

		info->flags |= EP11SESS_SESSION_NAMED |
			       (nm->kept ? EP11SESS_SESSION_KEPT : 0);
		info->scope = nm->scope;
		info->scope_id = nm->scope == EP11SESS_SCOPE_GID ?
			from_kgid_munged(current_user_ns(), KGIDT_INIT(nm->id)) :
			from_kuid_munged(current_user_ns(), KUIDT_INIT(nm->id));
		memcpy(info->name_head, nm->name, sizeof(info->name_head));
		info->keep_expires_ns = nm->kept ? nm->expires_ns : 0;
	}
	for (i = 0; i < n; i++) {
		u32 st = READ_ONCE(sess->apqns[i].state);

		info->apqns[i].apqn.card = sess->apqns[i].apqn->card->id;
		info->apqns[i].apqn.domain = sess->apqns[i].apqn->domain;
		info->apqns[i].state = ep11_sa_public_state(st);
	}
}

/**
 * struct ep11_list_ctx - a list being gathered
 * @ef:      the caller's file
 * @all:     every session, not only the file's
 * @infos:   room for @room entries
 * @room:    entries at @infos
 * @count:   sessions that matched
 */
struct ep11_list_ctx {
	struct ep11_file *ef;
	bool all;
	struct ep11sess_session_info *infos;
	u32 room;
	u32 count;
};

/* Every session: the caller's handle was marked in @list_handle. */
static int ep11_list_one(struct ep11_session *sess, void *arg)
{
	struct ep11_list_ctx *lc = arg;

	lockdep_assert_held(&ep11_sess_lock);
	if (lc->count < lc->room)
		ep11_fill_info(sess, &lc->infos[lc->count], sess->list_handle);
	sess->list_handle = 0;
	lc->count++;
	return 0;
}

static int ep11_copy_entries(void __user *dst, const void *src, u32 n,
			     size_t ksize, u32 usize)
{
	size_t len = min_t(size_t, ksize, usize);
	u32 i;

	for (i = 0; i < n; i++, dst += usize, src += ksize) {
		if (copy_to_user(dst, src, len))
			return -EFAULT;
		if (usize > ksize && clear_user(dst + ksize, usize - ksize))
			return -EFAULT;
	}
	return 0;
}

/* The file's own sessions, one ep11_sess_lock hold per entry. */
static void ep11_list_file(struct ep11_list_ctx *lc)
{
	struct ep11_file *ef = lc->ef;
	struct ep11_session *sess;
	unsigned long idx = 0;

	for (;;) {
		xa_lock(&ef->handles);
		sess = xa_find(&ef->handles, &idx, ULONG_MAX, XA_PRESENT);
		if (sess)
			ep11_session_get(sess);
		xa_unlock(&ef->handles);
		if (!sess)
			break;
		if (lc->count < lc->room) {
			mutex_lock(&ep11_sess_lock);
			ep11_fill_info(sess, &lc->infos[lc->count], idx);
			mutex_unlock(&ep11_sess_lock);
		}
		lc->count++;
		ep11_session_put(sess);
		idx++;
		cond_resched();
	}
}

static int ep11_ioc_list(struct ep11_ucmd *uc)
{
	struct ep11sess_list *l = uc->cmd;
	struct ep11_list_ctx lc = { .ef = uc->ef };
	struct ep11_session *sess;
	unsigned long idx;
	u32 have;
	int ret;

	BUILD_BUG_ON(EP11SESS_SESSION_INFO_SIZE_VER1 !=
		     offsetof(struct ep11sess_session_info, scope));
	if (l->flags & ~EP11SESS_LIST_ALL ||
	    l->entry_size < EP11SESS_SESSION_INFO_SIZE_VER1 ||
	    l->entry_size > PAGE_SIZE || (l->count && !l->entries))
		return -EINVAL;
	lc.all = l->flags & EP11SESS_LIST_ALL;
	if (lc.all && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	/* Room for what exists, not for what the caller claims. */
	have = lc.all ? ep11_session_count() :
	       atomic_read(&uc->ef->nhandles);
	lc.room = min(l->count, have);
	if (lc.room) {
		lc.infos = kvcalloc(lc.room, sizeof(*lc.infos),
				    GFP_KERNEL_ACCOUNT);
		if (!lc.infos)
			return -ENOMEM;
	}
	if (lc.all) {
		/*
		 * One pass over the file's handles, one over the table (which
		 * clears the marks: a held session is always in the table).
		 */
		mutex_lock(&ep11_sess_lock);
		xa_for_each(&uc->ef->handles, idx, sess)
			sess->list_handle = idx;
		ep11_session_for_each_locked(ep11_list_one, &lc);
		mutex_unlock(&ep11_sess_lock);
	} else {
		ep11_list_file(&lc);
	}
	ret = ep11_copy_entries(u64_to_user_ptr(l->entries), lc.infos,
				min(lc.count, lc.room), sizeof(*lc.infos),
				l->entry_size);
	l->count = lc.count;
	kvfree(lc.infos);
	return ret;
}

/**
 * struct ep11_status_ctx - a status being gathered
 * @refresh: ask the cards for their counts first (all at once)
 * @admin:   the caller may make every card answer now; others get counts
 *           at most a second old
 * @st:      room for @room entries
 * @room:    entries at @st
 * @count:   APQNs known
 */
struct ep11_status_ctx {
	bool refresh;
	bool admin;
	struct ep11sess_apqn_status *st;
	u32 room;
	u32 count;
};

/* The figures of hosts sharing the card; the card's lock held. */
static void ep11_status_fleet_locked(struct ep11_card *card,
				     struct ep11_apqn *apqn,
				     struct ep11sess_apqn_status *s)
{
	lockdep_assert_held(&card->lock);
	s->card_unaccounted = card->caps_valid ? card->unaccounted : 0;
	s->host_share = ep11_card_host_share_locked(card);
	s->reclaim_sum_us = apqn->stats.reclaim_sum_us;
	memcpy(s->reclaim_buckets, apqn->stats.reclaim_buckets,
	       sizeof(s->reclaim_buckets));
}

static int ep11_status_card(struct ep11_card *card, void *arg)
{
	struct ep11_status_ctx *sc = arg;
	unsigned int i;

	spin_lock(&card->lock);
	for (i = 0; i < card->napqns; i++, sc->count++) {
		struct ep11_apqn *apqn = &card->apqns[i];
		struct ep11sess_apqn_status *s = &sc->st[sc->count];

		if (sc->count >= sc->room)
			continue;
		s->apqn.card = card->id;
		s->apqn.domain = apqn->domain;
		s->flags = (apqn->online && !card->dead ?
			    EP11SESS_APQN_ONLINE : 0) |
			   (card->caps_valid ? EP11SESS_APQN_CAPS_VALID : 0);
		s->card_max = card->max_sessions;
		s->card_avail = card->avail_sessions;
		s->card_held = card->held;
		s->held = apqn->held;
		s->pending = apqn->pending;
		s->logins = apqn->stats.logins;
		s->logouts = apqn->stats.logouts;
		s->reclaimed = apqn->stats.reclaimed;
		s->lost = apqn->stats.lost;
		s->errors = apqn->stats.errors;
		s->last_reclaim_us = apqn->stats.last_reclaim_us;
		memcpy(s->serial, card->serial, sizeof(s->serial));
		s->requests = apqn->stats.requests;
		s->request_ns = apqn->stats.request_ns;
		s->relogins = apqn->stats.relogins;
		ep11_status_fleet_locked(card, apqn, s);
		if (apqn->wkid_state == EP11_WKID_VALID) {
			s->flags |= EP11SESS_APQN_WKID_VALID;
			memcpy(s->wkid, apqn->wkid, sizeof(s->wkid));
		} else if (apqn->wkid_state == EP11_WKID_UNREADABLE) {
			s->flags |= EP11SESS_APQN_WKID_UNREADABLE;
		}
	}
	spin_unlock(&card->lock);
	return 0;
}

static int ep11_count_apqns(struct ep11_card *card, void *arg)
{
	*(u32 *)arg += card->napqns;
	return 0;
}

static int ep11_ioc_status(struct ep11_ucmd *uc)
{
	struct ep11sess_status *s = uc->cmd;
	struct ep11_status_ctx sc = { };
	struct ep11_orphan_stats os;
	u32 have = 0;
	int ret;

	BUILD_BUG_ON(EP11SESS_APQN_STATUS_SIZE_VER1 !=
		     offsetof(struct ep11sess_apqn_status, requests));
	BUILD_BUG_ON(EP11SESS_STATUS_SIZE_VER1 !=
		     offsetof(struct ep11sess_status, orphaned));
	if (s->flags & ~EP11SESS_STATUS_CACHED ||
	    s->entry_size < EP11SESS_APQN_STATUS_SIZE_VER1 ||
	    s->entry_size > PAGE_SIZE || (s->count && !s->entries) ||
	    s->orphaned || s->orphan_timeout_s || s->orphans_adopted ||
	    s->orphans_expired)
		return -EINVAL;
	sc.refresh = !(s->flags & EP11SESS_STATUS_CACHED);
	sc.admin = capable(CAP_SYS_ADMIN);
	ret = ep11_cards_for_each(ep11_count_apqns, &have);
	if (ret)
		return ret;
	sc.room = min(s->count, have);
	if (sc.room) {
		sc.st = kvcalloc(sc.room, sizeof(*sc.st), GFP_KERNEL_ACCOUNT);
		if (!sc.st)
			return -ENOMEM;
	}
	if (sc.refresh)
		ep11_cards_refresh_caps(-1, sc.admin ? 0 : HZ,
					ep11_xfer_default_timeout());
	ret = ep11_cards_for_each(ep11_status_card, &sc);
	if (!ret)
		ret = ep11_copy_entries(u64_to_user_ptr(s->entries), sc.st,
					min(sc.count, sc.room), sizeof(*sc.st),
					s->entry_size);
	s->count = sc.count;
	ep11_orphan_stats(&os);
	s->orphaned = os.kept;
	s->orphan_timeout_s = READ_ONCE(ep11_orphan_timeout_s);
	s->orphans_adopted = os.adopted;
	s->orphans_expired = os.expired;
	kvfree(sc.st);
	return ret;
}

static int ep11_ioc_export(struct ep11_ucmd *uc)
{
	struct ep11sess_export *e = uc->cmd;
	struct file *file;
	int fd, ret;

	if (e->flags || e->fd)
		return -EINVAL;
	fd = ep11_export(uc->ef, e->handle, &file);
	if (fd < 0)
		return fd;
	e->fd = fd;
	ret = ep11_respond(uc);
	if (ret) {
		/* The fd number cannot be told: it never appears. */
		put_unused_fd(fd);
		fput(file);
		return ret;
	}
	fd_install(fd, file);
	return 0;
}

static int ep11_ioc_import(struct ep11_ucmd *uc)
{
	struct ep11sess_import *im = uc->cmd;

	if (im->flags || im->handle)
		return -EINVAL;
	return ep11_import(uc->ef, im->fd, &im->handle);
}

/**
 * struct ep11_admin_ctx - sessions an admin logout matched
 * @a:     the filters
 * @ns:    the caller's pid namespace
 * @match: matched sessions, with references
 * @n:     entries in @match
 * @cap:   room at @match
 */
struct ep11_admin_ctx {
	const struct ep11sess_admin_logout *a;
	struct pid_namespace *ns;
	struct ep11_session **match;
	unsigned int n;
	unsigned int cap;
};

static bool ep11_admin_on_apqn(struct ep11_session *sess,
			       const struct ep11sess_apqn *a, bool live)
{
	unsigned int i, n = ep11_session_napqns(sess);
	u32 want = live ? EP11SESS_STATE_LIVE : EP11SESS_STATE_PENDING;

	for (i = 0; i < n; i++) {
		u32 st = ep11_sa_public_state(READ_ONCE(sess->apqns[i].state));

		/* An entry waiting to be logged in again still holds a slot. */
		if (sess->apqns[i].apqn->card->id == a->card &&
		    sess->apqns[i].apqn->domain == a->domain &&
		    (st == want || (live && st == EP11SESS_STATE_AWAY)))
			return true;
	}
	return false;
}

static int ep11_admin_match(struct ep11_session *sess, void *arg)
{
	struct ep11_admin_ctx *ac = arg;
	const struct ep11sess_admin_logout *a = ac->a;
	struct ep11_session **m;
	bool live = sess->life == EP11_SESS_ALIVE && !sess->killed &&
		    !sess->orphan;

	/* FORCE also ends the logouts of sessions already dying. */
	if (!live && (!(a->flags & EP11SESS_ADMIN_FORCE) ||
		      sess->life != EP11_SESS_DYING))
		return 0;
	if (a->flags & EP11SESS_ADMIN_BY_ID &&
	    memcmp(sess->id, a->public_id, EP11_PUBLIC_ID_LEN))
		return 0;
	if (a->flags & EP11SESS_ADMIN_BY_PID &&
	    pid_nr_ns(sess->owner, ac->ns) != a->pid)
		return 0;
	if (a->flags & EP11SESS_ADMIN_BEFORE && sess->created_ns >= a->before_ns)
		return 0;
	if (a->flags & EP11SESS_ADMIN_BY_APQN &&
	    !ep11_admin_on_apqn(sess, &a->apqn, live))
		return 0;
	if (ac->n == ac->cap) {
		m = krealloc_array(ac->match, ac->cap * 2 + 16, sizeof(*m),
				   GFP_KERNEL);
		if (!m)
			return -ENOMEM;
		ac->match = m;
		ac->cap = ac->cap * 2 + 16;
	}
	ep11_session_get(sess);
	ac->match[ac->n++] = sess;
	return 0;
}

/**
 * ep11_admin_logout_via() - log out every live session that matches filters
 * @a:      the filters; @a->matched and @a->failed are filled in
 * @via:    %EP11SESS_VIA_IOCTL or %EP11SESS_VIA_NETLINK, for the audit
 * @report: called, if not NULL, for every session logged out, with
 *          whether one of its APQNs failed (the session's APQN states
 *          say which); no locks held
 * @arg:    passed to @report
 *
 * With %EP11SESS_ADMIN_FORCE, sessions already being logged out (pending
 * logouts, recovery records) match too: their logouts get one last try and
 * what still fails is forgotten.
 *
 * Shared by %EP11SESS_IOC_ADMIN_LOGOUT and the generic netlink logout.
 * Pids are read in the current task's pid namespace.  Every session ended
 * is logged and announced with who ended it (ep11_audit_admin_logout()),
 * and the command with its result.
 *
 * Context: process context, may sleep up to the release time-out; takes
 * ep11_sess_lock.
 * Return: 0, -EINVAL, -EPERM without CAP_SYS_ADMIN, -ENOENT when nothing
 * matched, or -ENOMEM.
 */
int ep11_admin_logout_via(struct ep11sess_admin_logout *a, u32 via,
			  void (*report)(struct ep11_session *sess,
					 bool failed, void *arg), void *arg)
{
	const u32 filters = EP11SESS_ADMIN_BY_ID | EP11SESS_ADMIN_BY_PID |
			    EP11SESS_ADMIN_BEFORE | EP11SESS_ADMIN_BY_APQN;
	struct ep11_admin_ctx ac = { .a = a };
	unsigned long deadline;
	unsigned int i, j;
	int ret;

	if (a->flags & ~(filters | EP11SESS_ADMIN_FORCE) ||
	    !(a->flags & filters) || a->apqn.pad || a->matched || a->failed)
		return -EINVAL;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ac.ns = task_active_pid_ns(current);
	ret = ep11_session_for_each(ep11_admin_match, &ac);
	if (ret)
		goto out;
	deadline = jiffies + msecs_to_jiffies(ep11_release_timeout_ms);
	for (i = 0; i < ac.n; i++) {
		struct ep11_session *sess = ac.match[i];

		if (!ep11_kill(sess, a->flags & EP11SESS_ADMIN_FORCE))
			ep11_reclaim_force(sess, deadline);
	}
	for (i = 0; i < ac.n; i++) {
		struct ep11_session *sess = ac.match[i];
		bool failed = !ep11_reclaim_wait(sess, deadline);

		for (j = 0; j < ep11_session_napqns(sess); j++)
			if (ep11_sa_public_state(READ_ONCE(sess->apqns[j].state)) !=
			    EP11SESS_STATE_DONE)
				failed = true;
		a->matched++;
		a->failed += failed;
		ep11_audit_admin_logout(sess, failed,
					a->flags & EP11SESS_ADMIN_FORCE, via);
		if (report)
			report(sess, failed, arg);
	}
	ret = ac.n ? 0 : -ENOENT;
out:
	ep11_audit_admin_summary(a->flags, a->matched, a->failed, ret, via);
	for (i = 0; i < ac.n; i++)
		ep11_session_put(ac.match[i]);
	kfree(ac.match);
	return ret;
}

/**
 * ep11_admin_logout() - ep11_admin_logout_via() for the ioctl
 * @a:      the filters
 * @report: as ep11_admin_logout_via()
 * @arg:    passed to @report
 *
 * Context: as ep11_admin_logout_via().
 * Return: as ep11_admin_logout_via().
 */
int ep11_admin_logout(struct ep11sess_admin_logout *a,
		      void (*report)(struct ep11_session *sess, bool failed,
				     void *arg), void *arg)
{
	return ep11_admin_logout_via(a, EP11SESS_VIA_IOCTL, report, arg);
}

static int ep11_ioc_admin_logout(struct ep11_ucmd *uc)
{
	return ep11_admin_logout(uc->cmd, NULL, NULL);
}

/**
 * struct ep11_ioctl_op - one command of the table
 * @size:     the kernel's struct size
 * @min_size: the size of the struct's first ABI version
 * @cmd:      the command number
 * @responds: the handler copies the struct back itself, so that it can
 *            undo what the caller could not be told
 * @execute:  the handler; on success the struct is copied back
 */
struct ep11_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int cmd;
	bool responds;
	int (*execute)(struct ep11_ucmd *uc);
};

/* Entries in the order of their command numbers, 0x00 upwards. */
#define EP11_IOCTL_OP(_cmd, _fn, _struct, _last)			\
	{								\
		.size = sizeof(_struct),				\
		.min_size = offsetofend(_struct, _last),		\
		.cmd = _cmd,						\
		.execute = _fn,						\
	}

/* A struct whose ABI version 1 size has a name of its own. */
#define EP11_IOCTL_OP_MIN(_cmd, _fn, _struct, _min_size)		\
	{								\
		.size = sizeof(_struct),				\
		.min_size = _min_size,					\
		.cmd = _cmd,						\
		.execute = _fn,						\
	}

#define EP11_IOCTL_OP_RESPONDS(_cmd, _fn, _struct, _last)		\
	{								\
		.size = sizeof(_struct),				\
		.min_size = offsetofend(_struct, _last),		\
		.cmd = _cmd,						\
		.responds = true,					\
		.execute = _fn,						\
	}

static const struct ep11_ioctl_op ep11_ioctl_ops[] = {
	EP11_IOCTL_OP(EP11SESS_IOC_VERSION, ep11_ioc_version,
		      struct ep11sess_version, features),
	EP11_IOCTL_OP_RESPONDS(EP11SESS_IOC_LOGIN, ep11_ioc_login,
			       struct ep11sess_login, reserved),
	EP11_IOCTL_OP(EP11SESS_IOC_LOGOUT, ep11_ioc_logout,
		      struct ep11sess_logout, reserved),
	EP11_IOCTL_OP(EP11SESS_IOC_SEND, ep11_ioc_send,
		      struct ep11sess_send, timeout_ms),
	EP11_IOCTL_OP(EP11SESS_IOC_LIST, ep11_ioc_list,
		      struct ep11sess_list, count),
	EP11_IOCTL_OP_MIN(EP11SESS_IOC_STATUS, ep11_ioc_status,
			  struct ep11sess_status, EP11SESS_STATUS_SIZE_VER1),
	EP11_IOCTL_OP_RESPONDS(EP11SESS_IOC_EXPORT, ep11_ioc_export,
			       struct ep11sess_export, fd),
	EP11_IOCTL_OP(EP11SESS_IOC_IMPORT, ep11_ioc_import,
		      struct ep11sess_import, handle),
	EP11_IOCTL_OP(EP11SESS_IOC_ADMIN_LOGOUT, ep11_ioc_admin_logout,
		      struct ep11sess_admin_logout, failed),
	EP11_IOCTL_OP_RESPONDS(EP11SESS_IOC_ATTACH, ep11_ioc_attach,
			       struct ep11sess_attach, reserved),
	EP11_IOCTL_OP_RESPONDS(EP11SESS_IOC_KEEP, ep11_ioc_keep,
			       struct ep11sess_keep, expires_ns),
};

/**
 * union ep11_ioctl_buffer - room for any command's struct
 * @version: %EP11SESS_IOC_VERSION
 * @login:   %EP11SESS_IOC_LOGIN
 * @logout:  %EP11SESS_IOC_LOGOUT
 * @send:    %EP11SESS_IOC_SEND
 * @list:    %EP11SESS_IOC_LIST
 * @status:  %EP11SESS_IOC_STATUS
 * @exp:     %EP11SESS_IOC_EXPORT
 * @imp:     %EP11SESS_IOC_IMPORT
 * @admin:   %EP11SESS_IOC_ADMIN_LOGOUT
 * @attach:  %EP11SESS_IOC_ATTACH
 * @keep:    %EP11SESS_IOC_KEEP
 */
union ep11_ioctl_buffer {
	struct ep11sess_version version;
	struct ep11sess_login login;
	struct ep11sess_logout logout;
	struct ep11sess_send send;
	struct ep11sess_list list;
	struct ep11sess_status status;
	struct ep11sess_export exp;
	struct ep11sess_import imp;
	struct ep11sess_admin_logout admin;
	struct ep11sess_attach attach;
	struct ep11sess_keep keep;
};

static const struct ep11_ioctl_op *ep11_ioctl_lookup(unsigned int cmd)
{
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != EP11SESS_IOC_MAGIC ||
	    nr >= ARRAY_SIZE(ep11_ioctl_ops) ||
	    ep11_ioctl_ops[nr].cmd != cmd)
		return NULL;
	return &ep11_ioctl_ops[nr];
}

#if IS_ENABLED(CONFIG_EP11SESS_KUNIT_TEST)
/**
 * ep11_ioctl_kernel() - run a command on a struct in kernel memory
 * @ef:   the file
 * @cmd:  the command
 * @kcmd: the command's struct, as copy_struct_from_user() would leave it
 * @size: the size the caller claims
 *
 * For the KUnit suite: the argument checks of every command, without
 * user memory.  Only paths that fail before touching user memory may be
 * driven this way.
 *
 * Context: process context.
 * Return: what the command returns; -ENOTTY, or -EINVAL for a short size.
 */
int ep11_ioctl_kernel(struct ep11_file *ef, unsigned int cmd, void *kcmd,
		      u32 size)
{
	const struct ep11_ioctl_op *op = ep11_ioctl_lookup(cmd);
	struct ep11_ucmd uc = { .ef = ef, .usize = size, .cmd = kcmd };

	if (!op)
		return -ENOTTY;
	if (size < op->min_size)
		return -EINVAL;
	uc.size = op->size;
	return op->execute(&uc);
}
#endif

/**
 * ep11_ioctl() - dispatch an ioctl on /dev/ep11sess
 * @filp: the open file
 * @cmd:  the command
 * @arg:  user pointer to the command's size-first struct
 *
 * Context: process context, may sleep.
 * Return: 0 or a negative errno; -ENOTTY for unknown commands.
 */
long ep11_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	const struct ep11_ioctl_op *op;
	union ep11_ioctl_buffer buf;
	struct ep11_ucmd uc = {
		.ef = filp->private_data,
		.ubuf = (void __user *)arg,
		.cmd = &buf,
	};
	int ret;

	op = ep11_ioctl_lookup(cmd);
	if (!op)
		return -ENOTTY;
	ret = get_user(uc.usize, (u32 __user *)uc.ubuf);
	if (ret)
		return ret;
	if (uc.usize < op->min_size)
		return -EINVAL;
	uc.size = op->size;
	ret = copy_struct_from_user(&buf, op->size, uc.ubuf, uc.usize);
	if (ret)
		return ret;
	/*
	 * Every command answers in its struct: one the kernel cannot write
	 * (a read-only page) is refused before anything is done, rather than
	 * after a logout, a login or a keep-alive that could not be told.
	 */
	ret = ep11_respond(&uc);
	if (ret)
		return ret;
	ret = op->execute(&uc);
	if (ret || op->responds)
		return ret;
	return ep11_respond(&uc);
}
