// SPDX-License-Identifier: GPL-2.0
/*
 * ep11sess: the kernel owns EP11 login sessions and logs out every session
 * whose last holder goes away.  This file only wires the subsystems.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>

/**
 * struct ep11_file - per-open state of /dev/ep11sess
 * @dummy: placeholder until sessions are held here
 */
struct ep11_file {
	int dummy;
};

static int ep11_open(struct inode *inode, struct file *filp)
{
	struct ep11_file *ef;

	ef = kzalloc(sizeof(*ef), GFP_KERNEL);
	if (!ef)
		return -ENOMEM;
	filp->private_data = ef;
	return nonseekable_open(inode, filp);
}

static int ep11_release(struct inode *inode, struct file *filp)
{
	kfree(filp->private_data);
	return 0;
}

static const struct file_operations ep11_fops = {
	.owner = THIS_MODULE,
	.open = ep11_open,
	.release = ep11_release,
	.llseek = no_llseek,
};

static struct miscdevice ep11_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "ep11sess",
	.fops = &ep11_fops,
	.mode = 0660,
};

static int __init ep11sess_init(void)
{
	int ret;

	ret = misc_register(&ep11_misc);
	if (ret) {
		pr_err("cannot register /dev/ep11sess: %d\n", ret);
		return ret;
	}
	pr_info("version %s loaded\n", EP11SESS_VERSION);
	return 0;
}

static void __exit ep11sess_exit(void)
{
	misc_deregister(&ep11_misc);
}

module_init(ep11sess_init);
module_exit(ep11sess_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("EP11 login session manager with reclaim on release");
MODULE_VERSION(EP11SESS_VERSION);
