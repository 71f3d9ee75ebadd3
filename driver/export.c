// SPDX-License-Identifier: GPL-2.0
/*
 * Export and import: a session handed over without the PIN.  The export
 * fd (an anonymous inode, close-on-exec) is itself a holder; importing it
 * on another /dev/ep11sess file gives that file a hold and a handle.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>

#include "chardev.h"
#include "session.h"

static int ep11_export_release(struct inode *inode, struct file *filp)
{
	ep11_drop_hold(filp->private_data, true, true);
	return 0;
}

static const struct file_operations ep11_export_fops = {
	.owner = THIS_MODULE,
	.release = ep11_export_release,
	.llseek = noop_llseek,
};

/**
 * ep11_export() - a new file holding a session, and an fd reserved for it
 * @ef:     the file that holds the session
 * @handle: its handle there
 * @filp:   the new file
 *
 * The caller installs the fd with fd_install() once the caller's process
 * has been told its number, or drops both with put_unused_fd() and fput().
 *
 * Context: process context.
 * Return: the fd, or -ENOENT, -ESTALE, -EMFILE, -ENOMEM.
 */
int ep11_export(struct ep11_file *ef, u32 handle, struct file **filp)
{
	struct ep11_session *sess;
	struct file *file;
	int fd, ret;

	sess = ep11_file_session(ef, handle);
	if (IS_ERR(sess))
		return PTR_ERR(sess);
	ret = ep11_session_hold(sess);
	if (ret) {
		ep11_session_put(sess);
		return ret;
	}
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ep11_drop_hold(sess, false, false);
		return fd;
	}
	file = anon_inode_getfile("[ep11sess-session]", &ep11_export_fops,
				  sess, O_RDONLY | O_CLOEXEC);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		ep11_drop_hold(sess, false, false);
		return PTR_ERR(file);
	}
	*filp = file;
	return fd;
}

/**
 * ep11_import() - a handle for the session an export fd holds
 * @ef:     the importing file
 * @fd:     the export fd (stays open)
 * @handle: the handle; the existing one when @ef already holds it
 *
 * Context: process context; takes @ef->lock.
 * Return: 0, or -EBADF, -EINVAL (not an export fd), -ESTALE, -ENOMEM.
 */
int ep11_import(struct ep11_file *ef, int fd, u32 *handle)
{
	struct ep11_session *sess;
	struct fd f;
	int ret;

	f = fdget(fd);
	if (!f.file)
		return -EBADF;
	if (f.file->f_op != &ep11_export_fops) {
		ret = -EINVAL;
		goto out;
	}
	sess = f.file->private_data;
	mutex_lock(&ef->lock);
	*handle = ep11_file_find_handle(ef, sess);
	if (*handle) {
		ret = 0;
		goto unlock;
	}
	ret = ep11_session_hold(sess);
	if (ret)
		goto unlock;
	ep11_session_get(sess);
	ret = ep11_file_add(ef, sess, handle);
	if (ret)
		ep11_drop_hold(sess, false, false);
unlock:
	mutex_unlock(&ef->lock);
out:
	fdput(f);
	return ret;
}
