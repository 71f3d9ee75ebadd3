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
 * @EP11_EV_UNACCOUNTED: the card's answer shows more sessions this host
 *                     does not hold than the count last reported
 * @EP11_EV_ADMIN_LOGOUT: an administrator's logout ended a session
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
	EP11_EV_UNACCOUNTED,
	EP11_EV_ADMIN_LOGOUT,
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
 * @card_max:   for %EP11_EV_UNACCOUNTED: the card's max sessions
 * @card_avail: the card's available sessions
 * @card_held:  the sessions this host held when the card answered
 * @unaccounted: the card's sessions this host does not hold, now
 * @unaccounted_before: the same at the card's previous answer
 * @owner_uid:  for %EP11_EV_ADMIN_LOGOUT: the session owner's uid
 * @admin_uid:  the administrator's uid (initial user namespace)
 * @admin_tgid: the administrator's tgid (initial pid namespace)
 * @admin_comm: the administrator's command name
 * @via:        EP11SESS_VIA_IOCTL or EP11SESS_VIA_NETLINK
 * @failed:     an APQN's logout failed
 * @force:      the logout forgot APQNs that failed
 */
struct ep11_event {
	u8 card;
	u16 domain;
	u8 public_id[16];
	pid_t owner_tgid;
	char comm[16];
	u64 latency_us;
	int error;
	u32 card_max;
	u32 card_avail;
	u32 card_held;
	u32 unaccounted;
	u32 unaccounted_before;
	u32 owner_uid;
	u32 admin_uid;
	pid_t admin_tgid;
	char admin_comm[16];
	u32 via;
	bool failed;
	bool force;
};

int ep11_event_register(struct notifier_block *nb);
int ep11_event_unregister(struct notifier_block *nb);
void ep11_event_emit(enum ep11_event_type type, const struct ep11_event *ev);

#endif /* _EP11SESS_EVENT_H */
