/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Named logins: a live session known by a name in a scope (a uid or a
 * group), which files in the scope attach to without the PIN, and the
 * keep-alive hold that keeps it with no file open.
 */
#ifndef _EP11SESS_NAMED_H
#define _EP11SESS_NAMED_H

#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/ep11sess.h>

struct ep11_session;

/**
 * struct ep11_name - the name of a live session
 * @node:          in the name index (ep11_sess_lock) while linked
 * @sess:          the session; set when the name is given to it
 * @name:          the caller's name
 * @scope:         an &enum ep11sess_scope
 * @id:            the kuid or kgid value of the scope
 * @kept:          a keep-alive hold exists (ep11_sess_lock); it owns one
 *                 hold and one reference of @sess
 * @ttl:           the hold has a time-to-live (ep11_sess_lock)
 * @deadline:      with @ttl: jiffies when the hold ends (ep11_sess_lock)
 * @expires_ns:    with @ttl: the same, wall clock, for listings
 * @keep_work:     ends the hold at @deadline; each queued instance owns
 *                 a reference of @sess
 */
struct ep11_name {
	struct hlist_node node;
	struct ep11_session *sess;
	u8 name[EP11SESS_NAME_LEN];
	u32 scope;
	u32 id;
	bool kept;
	bool ttl;
	unsigned long deadline;
	u64 expires_ns;
	struct delayed_work keep_work;
};

int ep11_name_scope_id(u32 scope, u32 uid_or_gid, bool login, u32 *id);
struct ep11_name *ep11_name_alloc(const u8 *name, u32 scope, u32 id);
void ep11_name_free(struct ep11_name *n);
int ep11_name_check_locked(const struct ep11_name *n,
			   const struct ep11_session *target);
bool ep11_name_taken(const struct ep11_name *n, bool shared);
void ep11_name_give_locked(struct ep11_session *sess, struct ep11_name **n);
void ep11_name_unhash_locked(struct ep11_session *sess);
struct ep11_session *ep11_name_attach(const u8 *name, u32 scope, u32 id);
int ep11_name_in_scope(struct ep11_session *sess);
int ep11_name_keep(struct ep11_session *sess, u32 ttl_ms, u64 *expires_ns,
		   bool *placed);
int ep11_name_keep_release(struct ep11_session *sess);
void ep11_name_keep_end(struct ep11_session *sess, bool sync);
void ep11_name_end_all(void);
int ep11_name_init(void);

#if IS_ENABLED(CONFIG_EP11SESS_KUNIT_TEST)
extern void (*ep11_name_expire_hook)(struct ep11_session *sess, bool claimed);
#endif
void ep11_name_uninit(void);

#endif /* _EP11SESS_NAMED_H */
