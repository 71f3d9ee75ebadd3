/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The zcrypt functions ep11_zcrypt calls, as declared in
 * drivers/s390/crypto/zcrypt_api.h and zcrypt_ep11misc.h (6.1), which are
 * not installed with the kernel headers; zcrypt.ko exports the three
 * functions.  With CONFIG_MODVERSIONS a change of their types changes the
 * symbols' CRCs and the module does not load.
 */
#ifndef _EP11_ZCRYPT_API_H
#define _EP11_ZCRYPT_API_H

#include <linux/types.h>
#include <asm/zcrypt.h>

struct ep11_card_info {
	u32 API_ord_nr;
	u16 FW_version;
	char serial[16];
	u64 op_mode;
};

int ep11_get_card_info(u16 card, struct ep11_card_info *info, int verify);
long zcrypt_send_ep11_cprb(struct ep11_urb *urb);
void zcrypt_device_status_mask_ext(struct zcrypt_device_status_ext *devstatus);

#endif /* _EP11_ZCRYPT_API_H */
