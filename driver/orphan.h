/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Orphaned logouts: the logouts a removed card still owes, kept by the
 * card's serial number until the card registers again or they expire.
 */
#ifndef _EP11SESS_ORPHAN_H
#define _EP11SESS_ORPHAN_H

#include <linux/types.h>

struct ep11_card;
struct ep11_session;
struct ep11_sess_apqn;

/**
 * struct ep11_orphan_stats - the store's counters
 * @kept:    orphaned logouts waiting for their card now
 * @adopted: handed back to a card with the same serial number
 * @expired: given up after orphan_timeout_s
 */
struct ep11_orphan_stats {
	unsigned int kept;
	u64 adopted;
	u64 expired;
};

int ep11_orphan_keep(struct ep11_session *sess, struct ep11_sess_apqn *sa);
void ep11_orphan_adopt(struct ep11_card *card);
void ep11_orphan_stats(struct ep11_orphan_stats *st);
void ep11_orphan_uninit(void);

#endif /* _EP11SESS_ORPHAN_H */
