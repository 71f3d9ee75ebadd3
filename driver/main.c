// SPDX-License-Identifier: GPL-2.0
/*
 * ep11sess: the kernel owns EP11 login sessions and logs out every session
 * whose last holder goes away.  This file only wires the subsystems.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "card.h"
#include "chardev.h"
#include "named.h"
#include "netlink.h"
#include "reclaim.h"
#include "relogin.h"
#include "orphan.h"
#include "send.h"
#include "session.h"
#include "sysfs.h"

static int __init ep11sess_init(void)
{
	int ret;

	ret = ep11_session_init();
	if (ret)
		goto err_session;
	ret = ep11_sysfs_init();
	if (ret)
		goto err_sysfs;
	ret = ep11_netlink_init();
	if (ret)
		goto err_netlink;
	ret = ep11_reclaim_init();
	if (ret)
		goto err_reclaim;
	ret = ep11_name_init();
	if (ret)
		goto err_name;
	ret = ep11_relogin_init();
	if (ret)
		goto err_relogin;
	ret = ep11_chardev_init();
	if (ret)
		goto err_chardev;
	pr_info("version %s loaded\n", EP11SESS_VERSION);
	return 0;

err_chardev:
	ep11_relogin_uninit();
err_relogin:
	ep11_name_uninit();
err_name:
	ep11_reclaim_uninit();
err_reclaim:
	ep11_netlink_uninit();
err_netlink:
	ep11_sysfs_uninit();
err_sysfs:
	ep11_session_uninit();
err_session:
	pr_err("cannot start: %d\n", ret);
	return ret;
}

static void __exit ep11sess_exit(void)
{
	ep11_chardev_uninit();
	ep11_send_uninit();
	ep11_relogin_uninit();
	ep11_name_uninit();
	ep11_reclaim_uninit();
	ep11_orphan_uninit();
	ep11_session_uninit();
	ep11_registry_uninit();
	ep11_netlink_uninit();
	ep11_sysfs_uninit();
}

module_init(ep11sess_init);
module_exit(ep11sess_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("EP11 login session manager with reclaim on release");
MODULE_VERSION(EP11SESS_VERSION);
