// SPDX-License-Identifier: GPL-2.0
/*
 * ep11_vcard: virtual EP11 cards whose firmware runs in user space.  This
 * file holds the control device /dev/ep11_vcard, which creates cards, and
 * the module's parameters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/uaccess.h>

#include "vcard.h"

#define VCARD_TIMEOUT_MAX_MS	(3600 * MSEC_PER_SEC)

static unsigned int reply_timeout_ms = 30 * MSEC_PER_SEC;

static int vcard_set_timeout(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, VCARD_TIMEOUT_MAX_MS);
}

static const struct kernel_param_ops vcard_timeout_ops = {
	.set = vcard_set_timeout,
	.get = param_get_uint,
};

module_param_cb(reply_timeout_ms, &vcard_timeout_ops, &reply_timeout_ms,
		0644);
MODULE_PARM_DESC(reply_timeout_ms,
		 "Longest wait for a card's reply in ms, 1-3600000 (default 30000); the core's own timeout applies when shorter");

/**
 * vcard_default_timeout() - the reply timeout set by the module parameter
 *
 * Context: any.
 * Return: the timeout in jiffies, at least one.
 */
unsigned long vcard_default_timeout(void)
{
	return max(msecs_to_jiffies(READ_ONCE(reply_timeout_ms)), 1UL);
}

static int vcard_ioctl_new(struct ep11_vcard_new __user *uarg)
{
	struct ep11_vcard_new arg;
	struct file *file;
	u32 usize;
	int fd, ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (get_user(usize, &uarg->size))
		return -EFAULT;
	if (usize < sizeof(arg))
		return -EINVAL;
	ret = copy_struct_from_user(&arg, sizeof(arg), uarg, usize);
	if (ret)
		return ret;
	ret = vcard_new_check(&arg);
	if (ret)
		return ret;
	if (!arg.queue_depth)
		arg.queue_depth = EP11_VCARD_DEFAULT_DEPTH;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	ret = vcard_create(&arg, &file);
	if (ret) {
		put_unused_fd(fd);
		return ret;
	}
	if (put_user(fd, &uarg->fd)) {
		/* The last reference: removes the card again. */
		fput(file);
		put_unused_fd(fd);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;
}

static long vcard_ctl_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
	switch (cmd) {
	case EP11_VCARD_IOC_NEW:
		return vcard_ioctl_new((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static int vcard_ctl_open(struct inode *inode, struct file *filp)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return nonseekable_open(inode, filp);
}

static const struct file_operations vcard_ctl_fops = {
	.owner = THIS_MODULE,
	.open = vcard_ctl_open,
	.unlocked_ioctl = vcard_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice vcard_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "ep11_vcard",
	.fops = &vcard_ctl_fops,
	.mode = 0600,
};

static int __init vcard_init(void)
{
	int ret;

	ret = misc_register(&vcard_misc);
	if (ret) {
		pr_err("cannot register /dev/ep11_vcard: %d\n", ret);
		return ret;
	}
	return 0;
}

static void __exit vcard_exit(void)
{
	misc_deregister(&vcard_misc);
}

module_init(vcard_init);
module_exit(vcard_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Virtual EP11 cards fed by a user-space firmware");
MODULE_IMPORT_NS(EP11SESS);
MODULE_VERSION(EP11SESS_VERSION);
