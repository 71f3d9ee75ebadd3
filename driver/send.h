/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Send: user-space EP11 requests, optionally bound to a session, with
 * fail-over across the session's APQNs.
 */
#ifndef _EP11SESS_SEND_H
#define _EP11SESS_SEND_H

#include <linux/ep11sess.h>

struct ep11_file;

int ep11_send(struct ep11_file *ef, struct ep11sess_send *s);
int ep11_send_check_cprb(const void *req);

#endif /* _EP11SESS_SEND_H */
