/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reclaim: logging out sessions whose last holder went away, pending
 * logouts retried with backoff, and recovery of logins whose answer was
 * not seen.
 */
#ifndef _EP11SESS_RECLAIM_H
#define _EP11SESS_RECLAIM_H

#include <linux/types.h>

struct ep11_session;
struct ep11_card;

extern unsigned int ep11_release_timeout_ms;

int ep11_reclaim_init(void);
void ep11_reclaim_uninit(void);

void ep11_reclaim_start(struct ep11_session *sess, bool reclaim);
void ep11_reclaim_start_after(struct ep11_session *sess, unsigned long delay);
bool ep11_reclaim_wait(struct ep11_session *sess, unsigned long deadline);
void ep11_reclaim_kick(void);
bool ep11_reclaim_force(struct ep11_session *sess, unsigned long deadline);
bool ep11_reclaim_busy(struct ep11_session *sess);
void ep11_reclaim_card_removed(struct ep11_card *card);

#if IS_ENABLED(CONFIG_EP11SESS_KUNIT_TEST)
extern void (*ep11_reclaim_pass_end_hook)(struct ep11_session *sess);
#endif

#endif /* _EP11SESS_RECLAIM_H */
