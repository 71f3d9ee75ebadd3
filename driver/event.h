/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events of the core (login, logout, reclaim, card exhausted, APQN online
 * and offline) handed to whoever listens: the hook point for uevents and
 * the generic netlink multicast group.
 */
#ifndef _EP11SESS_EVENT_H
#define _EP11SESS_EVENT_H

#include <linux/notifier.h>
#include <linux/types.h>

/**
 * enum ep11_event_type - what happened
 * @EP11_EV_LOGIN:     a session was logged in on an APQN
 * @EP11_EV_LOGOUT:    a session was logged out on an APQN by its holder
 * @EP11_EV_RECLAIMED: a session was logged out after its last holder left
 * @EP11_EV_EXHAUSTED: a login found the card without a free session
 * @EP11_EV_ONLINE:    an APQN came online
 * @EP11_EV_OFFLINE:   an APQN went offline
 * @EP11_EV_LOST:      a pending logout ended with the card's removal
 * @EP11_EV_RELOGIN:   a live session was logged in again on an APQN that
 *                     came back, or on a replacement card (or that failed)
 */
enum ep11_event_type {
	EP11_EV_LOGIN,
	EP11_EV_LOGOUT,
	EP11_EV_RECLAIMED,
	EP11_EV_EXHAUSTED,
	EP11_EV_ONLINE,
	EP11_EV_OFFLINE,
	EP11_EV_LOST,
	EP11_EV_RELOGIN,
};

/**
 * struct ep11_event - the payload of an event
 * @card:       the card
 * @domain:     the domain
 * @public_id:  the session's public id (zero for card events)
 * @owner_tgid: the session owner's tgid in the initial pid namespace
 * @comm:       the owner's command name
 * @latency_us: for %EP11_EV_RECLAIMED, last hold dropped to logged out
 * @error:      for %EP11_EV_RELOGIN, 0 or why it failed (a negative errno)
 */
struct ep11_event {
	u8 card;
	u16 domain;
	u8 public_id[16];
	pid_t owner_tgid;
	char comm[16];
	u64 latency_us;
	int error;
};

int ep11_event_register(struct notifier_block *nb);
int ep11_event_unregister(struct notifier_block *nb);
void ep11_event_emit(enum ep11_event_type type, const struct ep11_event *ev);

#endif /* _EP11SESS_EVENT_H */
