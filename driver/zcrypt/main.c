// SPDX-License-Identifier: GPL-2.0
/*
 * ep11_zcrypt: the EP11 coprocessors of s390's zcrypt as ep11sess cards.
 * This file binds provider.c to zcrypt's exported functions and holds the
 * module's parameters; docs/zcrypt.md describes the provider.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <asm/zcrypt.h>

#include "ep11z.h"
#include "zcrypt_api.h"

static_assert(sizeof(struct ep11z_target) == sizeof(struct ep11_target_dev));
static_assert(offsetof(struct ep11z_target, dom_id) ==
	      offsetof(struct ep11_target_dev, dom_id));
static_assert(sizeof(struct ep11z_urb) == sizeof(struct ep11_urb));
static_assert(offsetof(struct ep11z_urb, targets_num) ==
	      offsetof(struct ep11_urb, targets_num));
static_assert(offsetof(struct ep11z_urb, targets) ==
	      offsetof(struct ep11_urb, targets));
static_assert(offsetof(struct ep11z_urb, weight) ==
	      offsetof(struct ep11_urb, weight));
static_assert(offsetof(struct ep11z_urb, req_no) ==
	      offsetof(struct ep11_urb, req_no));
static_assert(offsetof(struct ep11z_urb, req_len) ==
	      offsetof(struct ep11_urb, req_len));
static_assert(offsetof(struct ep11z_urb, req) ==
	      offsetof(struct ep11_urb, req));
static_assert(offsetof(struct ep11z_urb, resp_len) ==
	      offsetof(struct ep11_urb, resp_len));
static_assert(offsetof(struct ep11z_urb, resp) ==
	      offsetof(struct ep11_urb, resp));
/* Bit fields declared alike are laid out alike. */
static_assert(sizeof(struct ep11z_devstat) ==
	      sizeof(struct zcrypt_device_status_ext));
static_assert(EP11Z_ENTRIES == MAX_ZDEV_ENTRIES_EXT);
static_assert(EP11Z_DOMAINS == MAX_ZDEV_DOMAINS_EXT);

#define EP11Z_PERIOD_MAX_S	3600

static unsigned int rescan_period_s = 30;

static int ep11z_set_period(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, EP11Z_PERIOD_MAX_S);
}

static const struct kernel_param_ops ep11z_period_ops = {
	.set = ep11z_set_period,
	.get = param_get_uint,
};

module_param_cb(rescan_period_s, &ep11z_period_ops, &rescan_period_s, 0444);
MODULE_PARM_DESC(rescan_period_s,
		 "Seconds between two looks at zcrypt's EP11 queues, 1-3600 (default 30); a request that finds its queue gone looks at once");

static void ep11z_zcrypt_status(struct ep11z_devstat *matrix)
{
	zcrypt_device_status_mask_ext((struct zcrypt_device_status_ext *)matrix);
}

static int ep11z_zcrypt_serial(u16 card, char serial[EP11Z_SERIAL_LEN])
{
	struct ep11_card_info info;
	int ret;

	BUILD_BUG_ON(sizeof(info.serial) != EP11Z_SERIAL_LEN);
	/* verify: read the card, not zcrypt's cache of a card now gone. */
	ret = ep11_get_card_info(card, &info, 1);
	if (ret)
		return ret;
	memcpy(serial, info.serial, EP11Z_SERIAL_LEN);
	return 0;
}

static long ep11z_zcrypt_send(struct ep11z_urb *urb)
{
	return zcrypt_send_ep11_cprb((struct ep11_urb *)urb);
}

static const struct ep11z_ops ep11z_zcrypt_ops = {
	.status = ep11z_zcrypt_status,
	.serial = ep11z_zcrypt_serial,
	.send = ep11z_zcrypt_send,
};

static struct ep11z ep11z_module;

static int __init ep11z_module_init(void)
{
	int ret;

	ret = ep11z_init(&ep11z_module, &ep11z_zcrypt_ops,
			 msecs_to_jiffies(rescan_period_s * MSEC_PER_SEC));
	if (ret)
		pr_err("cannot start: %d\n", ret);
	return ret;
}

static void __exit ep11z_module_exit(void)
{
	ep11z_exit(&ep11z_module);
}

module_init(ep11z_module_init);
module_exit(ep11z_module_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("EP11 coprocessors of zcrypt as ep11sess cards");
MODULE_IMPORT_NS(EP11SESS);
MODULE_VERSION(EP11SESS_VERSION);
