/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family ep11sess (include/uapi/linux/ep11sess_genl.h):
 * dumps of APQNs and sessions, the privileged logout, and the events
 * multicast group.
 */
#ifndef _EP11SESS_NETLINK_H
#define _EP11SESS_NETLINK_H

int ep11_netlink_init(void);
void ep11_netlink_uninit(void);

#endif /* _EP11SESS_NETLINK_H */
