// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/ep11sess: open, release and the per-file table of handles.  The
 * release of the last reference to an open file drops its holds; sessions
 * left without holders are logged out before release() returns, up to
 * release_timeout_ms, and what fails stays pending.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "chardev.h"
#include "reclaim.h"
#include "session.h"

#define EP11_RELEASE_MARK	XA_MARK_1

static unsigned int ep11_max_handles = 4096;
module_param_named(max_handles, ep11_max_handles, uint, 0644);
MODULE_PARM_DESC(max_handles,
		 "most sessions one open file of /dev/ep11sess may hold (0: no limit)");

/**
 * ep11_drop_hold() - drop one hold and one reference
 * @sess:    the session
 * @reclaim: the holder went away without logging out
 * @wait:    wait (bounded) for the logouts when this was the last hold
 *
 * Context: process context, may sleep; no locks held.
 */
void ep11_drop_hold(struct ep11_session *sess, bool reclaim, bool wait)
{
	if (ep11_session_unhold(sess)) {
		ep11_reclaim_start(sess, reclaim);
		if (wait)
			ep11_reclaim_wait(sess, jiffies +
				msecs_to_jiffies(ep11_release_timeout_ms));
	}
	ep11_session_put(sess);
}

/**
 * ep11_file_add() - give a session a handle in a file
 * @ef:     the file
 * @sess:   the session; the caller's hold and reference move to the file
 * @handle: the new handle
 *
 * Context: process context.
 * Return: 0, or -EDQUOT when the file holds max_handles sessions,
 * -ENOMEM or -EBUSY (then the caller still owns its hold).
 */
int ep11_file_add(struct ep11_file *ef, struct ep11_session *sess,
		  u32 *handle)
{
	unsigned int max = READ_ONCE(ep11_max_handles);
	int ret;

	if (atomic_inc_return(&ef->nhandles) > max && max) {
		atomic_dec(&ef->nhandles);
		return -EDQUOT;
	}
	ret = xa_alloc(&ef->handles, handle, sess, xa_limit_31b,
		       GFP_KERNEL_ACCOUNT);
	if (ret)
		atomic_dec(&ef->nhandles);
	return ret;
}

/**
 * ep11_file_session() - the session behind a handle
 * @ef:     the file
 * @handle: the handle
 *
 * Context: any context; takes the xarray lock.
 * Return: the session with a reference, ERR_PTR(-ENOENT) for an unknown
 * handle, ERR_PTR(-ESTALE) when an administrator logged it out.
 */
struct ep11_session *ep11_file_session(struct ep11_file *ef, u32 handle)
{
	struct ep11_session *sess;

	xa_lock(&ef->handles);
	sess = xa_load(&ef->handles, handle);
	if (sess)
		ep11_session_get(sess);
	xa_unlock(&ef->handles);
	if (!sess)
		return ERR_PTR(-ENOENT);
	if (READ_ONCE(sess->killed)) {
		ep11_session_put(sess);
		return ERR_PTR(-ESTALE);
	}
	return sess;
}

/**
 * ep11_file_find_handle() - the handle a file has for a session
 * @ef:   the file
 * @sess: the session
 *
 * Context: process context.
 * Return: the handle, or 0.
 */
u32 ep11_file_find_handle(struct ep11_file *ef, struct ep11_session *sess)
{
	struct ep11_session *s;
	unsigned long idx;

	xa_for_each(&ef->handles, idx, s)
		if (s == sess)
			return idx;
	return 0;
}

/**
 * ep11_file_logout() - drop a file's hold on a session
 * @ef:     the file
 * @handle: the handle
 *
 * Context: process context, may sleep for the logouts (bounded).
 * Return: 0 or -ENOENT.
 */
int ep11_file_logout(struct ep11_file *ef, u32 handle)
{
	struct ep11_session *sess;

	if (!handle)
		return -ENOENT;
	sess = xa_erase(&ef->handles, handle);
	if (!sess)
		return -ENOENT;
	atomic_dec(&ef->nhandles);
	ep11_drop_hold(sess, false, true);
	return 0;
}

/**
 * ep11_file_drop() - drop a file's hold if a handle still names a session
 * @ef:     the file
 * @handle: the handle
 * @sess:   the session it named when the caller looked
 *
 * For callers that looked a handle up and slept: another thread of the
 * file may have logged it out meanwhile and the number may name another
 * session now, which must not lose its hold.
 *
 * Context: process context, may sleep for the logouts (bounded).
 * Return: true when the hold was dropped.
 */
bool ep11_file_drop(struct ep11_file *ef, u32 handle,
		    struct ep11_session *sess)
{
	if (!handle || xa_cmpxchg(&ef->handles, handle, sess, NULL, 0) != sess)
		return false;
	atomic_dec(&ef->nhandles);
	ep11_drop_hold(sess, false, true);
	return true;
}

static int ep11_open(struct inode *inode, struct file *filp)
{
	struct ep11_file *ef;

	ef = kzalloc(sizeof(*ef), GFP_KERNEL_ACCOUNT);
	if (!ef)
		return -ENOMEM;
	xa_init_flags(&ef->handles, XA_FLAGS_ALLOC1);
	mutex_init(&ef->lock);
	filp->private_data = ef;
	return nonseekable_open(inode, filp);
}

static int ep11_release(struct inode *inode, struct file *filp)
{
	unsigned long deadline = jiffies +
				 msecs_to_jiffies(ep11_release_timeout_ms);
	struct ep11_file *ef = filp->private_data;
	struct ep11_session *sess;
	unsigned long idx;

	/* Start every logout first, so that they run side by side. */
	xa_for_each(&ef->handles, idx, sess) {
		if (ep11_session_unhold(sess)) {
			ep11_reclaim_start(sess, true);
			xa_set_mark(&ef->handles, idx, EP11_RELEASE_MARK);
		}
	}
	xa_for_each(&ef->handles, idx, sess) {
		if (xa_get_mark(&ef->handles, idx, EP11_RELEASE_MARK))
			ep11_reclaim_wait(sess, deadline);
		ep11_session_put(sess);
	}
	xa_destroy(&ef->handles);
	mutex_destroy(&ef->lock);
	kfree(ef);
	return 0;
}

static const struct file_operations ep11_fops = {
	.owner = THIS_MODULE,
	.open = ep11_open,
	.release = ep11_release,
	.unlocked_ioctl = ep11_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice ep11_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "ep11sess",
	.fops = &ep11_fops,
	.mode = 0660,
};

/**
 * ep11_chardev_init() - create /dev/ep11sess
 *
 * Context: module init.
 * Return: 0 or misc_register()'s error.
 */
int ep11_chardev_init(void)
{
	return misc_register(&ep11_misc);
}

/**
 * ep11_chardev_uninit() - remove /dev/ep11sess
 *
 * Context: module exit; no file can be open (they pin the module).
 */
void ep11_chardev_uninit(void)
{
	misc_deregister(&ep11_misc);
}
