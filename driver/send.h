/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Send: user-space EP11 requests, optionally bound to a session, with
 * fail-over across the session's APQNs.
 */
#ifndef _EP11SESS_SEND_H
#define _EP11SESS_SEND_H

#include <linux/ep11.h>
#include <linux/ep11sess.h>

/* Room for the appended pin blob: OCTET STRING header + a longer length. */
#define EP11_SEND_SLACK		(EP11_PINBLOB_LEN + 16)

struct ep11_file;
struct ep11_msg;

/* Full-size reply buffers kept for the next request (send.c). */
#define EP11_SEND_REP_KEEP	4

int ep11_send(struct ep11_file *ef, struct ep11sess_send *s);
void ep11_send_uninit(void);
int ep11_send_check_cprb(const void *req);
int ep11_send_check_fn(const struct ep11_msg *m, u32 flags);
bool ep11_send_needs_admin(const struct ep11_msg *m);
int ep11_send_build(u8 *work, size_t cap, const u8 *req, size_t len,
		    const struct ep11_msg *m, u16 domain, const u8 *pinblob);
#if IS_ENABLED(CONFIG_EP11SESS_KUNIT_TEST)
struct ep11_session;
unsigned int ep11_send_rep_kept(void **bufs);
int ep11_send_kernel(struct ep11_session *sess, struct ep11sess_send *s,
		     const void *req, void *rep);
#endif

#endif /* _EP11SESS_SEND_H */
