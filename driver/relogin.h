/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Relogin: live sessions logged in again on an APQN that comes back, or on
 * a card with the same wrapping key, and the requests that wait for it.
 */
#ifndef _EP11SESS_RELOGIN_H
#define _EP11SESS_RELOGIN_H

#include <linux/types.h>

struct ep11_apqn;
struct ep11_card;
struct ep11_session;
struct work_struct;

extern unsigned int ep11_relogin_wait_ms;

int ep11_relogin_init(void);
void ep11_relogin_uninit(void);

void ep11_relogin_mark_away(struct ep11_card *card, struct ep11_apqn *apqn);
void ep11_relogin_card_kick(struct ep11_card *card);
void ep11_relogin_card_fn(struct work_struct *work);
int ep11_relogin_session(struct ep11_session *sess, bool came,
			 const unsigned long *deadline);
void ep11_relogin_forgotten(struct ep11_session *sess, struct ep11_apqn *apqn,
			    u32 relogins, bool wait);
bool ep11_relogin_awaits(struct ep11_session *sess, struct ep11_apqn *apqn,
			 const u8 *pinblob);
unsigned long ep11_relogin_seq(void);
unsigned long ep11_relogin_deadline(void);
int ep11_relogin_wait(struct ep11_session *sess, unsigned long seq,
		      unsigned long deadline);

#endif /* _EP11SESS_RELOGIN_H */
