/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hosts that share a card: the card's sessions this host does not hold
 * (unaccounted), this host's share of the card, the reclaim latency
 * histogram, and the audit of administrators' logouts.
 */
#ifndef _EP11SESS_FLEET_H
#define _EP11SESS_FLEET_H

#include <linux/types.h>

struct ep11_apqn;
struct ep11_apqn_stats;
struct ep11_card;
struct ep11_session;

unsigned int ep11_card_host_share_locked(struct ep11_card *card);
void ep11_card_set_host_share(struct ep11_card *card, int share);
int ep11_card_share_reserve(struct ep11_card *card);
void ep11_card_share_unreserve(struct ep11_card *card);
bool ep11_card_share_room(struct ep11_card *card);
unsigned int ep11_card_caps_ours(struct ep11_card *card);
void ep11_card_caps_answered(struct ep11_apqn *apqn, u32 max, u32 avail,
			     unsigned int ours_before);
void ep11_reclaim_hist_add(struct ep11_apqn_stats *st, u64 latency_us);

void ep11_audit_admin_logout(struct ep11_session *sess, bool failed,
			     bool force, u32 via);
void ep11_audit_admin_summary(u32 flags, unsigned int matched,
			      unsigned int failed, int ret, u32 via);

#endif /* _EP11SESS_FLEET_H */
