/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ep11sess generic netlink family: the administrator's view of the cards,
 * their APQNs and every EP11 session the kernel holds, the privileged
 * logout, and a multicast group of events.  docs/netlink.md describes
 * every command, its attributes and its errors.
 */
#ifndef _UAPI_LINUX_EP11SESS_GENL_H
#define _UAPI_LINUX_EP11SESS_GENL_H

#define EP11SESS_GENL_NAME		"ep11sess"
#define EP11SESS_GENL_VERSION		1
#define EP11SESS_GENL_MCGRP_EVENTS	"events"

/**
 * enum ep11sess_genl_cmd - commands of the family
 * @EP11SESS_CMD_UNSPEC:      not a command
 * @EP11SESS_CMD_APQN_GET:    dump only: one message per APQN, by card and
 *                            domain; %EP11SESS_A_REFRESH asks every card
 *                            for its counts first (CAP_SYS_ADMIN, else
 *                            the answers are the cached ones and carry
 *                            %EP11SESS_A_CACHED); %EP11SESS_A_CARD and
 *                            %EP11SESS_A_DOMAIN select one APQN; carries
 *                            %EP11SESS_A_WKID once the domain's wrapping
 *                            key verification pattern has been read
 * @EP11SESS_CMD_SESSION_GET: dump only: one message per session, in the
 *                            order they were created; CAP_SYS_ADMIN sees
 *                            every session, others those created under
 *                            their uid; the filters of
 *                            %EP11SESS_CMD_LOGOUT apply
 * @EP11SESS_CMD_LOGOUT:      needs CAP_NET_ADMIN and CAP_SYS_ADMIN: logs
 *                            out every live session that matches all
 *                            filters given (%EP11SESS_A_PUBLIC_ID,
 *                            %EP11SESS_A_PID, %EP11SESS_A_BEFORE_NS,
 *                            %EP11SESS_A_CARD with %EP11SESS_A_DOMAIN; at
 *                            least one), %EP11SESS_A_FORCE forgets APQNs
 *                            that fail; answers %EP11SESS_A_MATCHED,
 *                            %EP11SESS_A_FAILED and one %EP11SESS_A_RESULT
 *                            per session, or ENOENT
 * @EP11SESS_CMD_EVENT:       a notification of the "events" group
 * @EP11SESS_CMD_ORPHAN_GET:  dump only: one message per orphaned logout
 *                            (a logout a removed card owes, kept for its
 *                            return), oldest first: %EP11SESS_A_SERIAL,
 *                            %EP11SESS_A_DOMAIN, %EP11SESS_A_WKID (when
 *                            known), the session's %EP11SESS_A_PUBLIC_ID,
 *                            its owner's %EP11SESS_A_PID, %EP11SESS_A_UID
 *                            and %EP11SESS_A_COMM, %EP11SESS_A_CREATED_NS,
 *                            %EP11SESS_A_STATE (%EP11SESS_STATE_PENDING),
 *                            %EP11SESS_A_RECOVER when the login's answer
 *                            was not seen, %EP11SESS_A_EXPIRES_S;
 *                            CAP_SYS_ADMIN sees every one, others those
 *                            of sessions created under their uid; takes
 *                            no attribute
 * @__EP11SESS_CMD_MAX:       one past the last command
 */
enum ep11sess_genl_cmd {
	EP11SESS_CMD_UNSPEC,
	EP11SESS_CMD_APQN_GET,
	EP11SESS_CMD_SESSION_GET,
	EP11SESS_CMD_LOGOUT,
	EP11SESS_CMD_EVENT,
	EP11SESS_CMD_ORPHAN_GET,
	__EP11SESS_CMD_MAX,
};

#define EP11SESS_CMD_MAX	(__EP11SESS_CMD_MAX - 1)

/**
 * enum ep11sess_genl_event - the kind of an %EP11SESS_CMD_EVENT
 * @EP11SESS_EVENT_UNSPEC:    not an event
 * @EP11SESS_EVENT_LOGIN:     a session was logged in on an APQN
 * @EP11SESS_EVENT_LOGOUT:    a session was logged out on an APQN by its
 *                            holder or an administrator
 * @EP11SESS_EVENT_RECLAIMED: a session was logged out on an APQN after its
 *                            last holder went away without logging out;
 *                            carries the dead owner's pid and command and
 *                            the latency
 * @EP11SESS_EVENT_EXHAUSTED: a login found the card without a free session
 * @EP11SESS_EVENT_ONLINE:    an APQN came online (or was registered)
 * @EP11SESS_EVENT_OFFLINE:   an APQN went offline (or was removed)
 * @EP11SESS_EVENT_LOST:      a logout was given up: the card went away, or
 *                            an administrator forced it
 * @EP11SESS_EVENT_RELOGIN:   a live session whose APQN went offline or
 *                            whose card went away was logged in again on
 *                            the APQN that came back or on a card with the
 *                            same wrapping key (or that failed: carries
 *                            %EP11SESS_A_RELOGIN_ERROR)
 * @EP11SESS_EVENT_UNACCOUNTED: the card's answer shows more sessions this
 *                            host does not hold than the count last
 *                            reported (0 once the count fell to 0);
 *                            carries %EP11SESS_A_CARD_UNACCOUNTED (now),
 *                            %EP11SESS_A_UNACCOUNTED_BEFORE, the card's
 *                            max and available sessions and
 *                            %EP11SESS_A_CARD_HELD (%EP11SESS_A_DOMAIN is
 *                            the APQN that answered)
 * @EP11SESS_EVENT_ADMIN_LOGOUT: an administrator's logout (ioctl or
 *                            netlink) ended a session: one event per
 *                            session, with the administrator
 *                            (%EP11SESS_A_ADMIN_UID, %EP11SESS_A_ADMIN_PID,
 *                            %EP11SESS_A_ADMIN_COMM, %EP11SESS_A_VIA), the
 *                            session (%EP11SESS_A_PUBLIC_ID, its owner's
 *                            %EP11SESS_A_PID, %EP11SESS_A_UID,
 *                            %EP11SESS_A_COMM), %EP11SESS_A_FAILED (1 when
 *                            an APQN's logout failed) and
 *                            %EP11SESS_A_FORCE; %EP11SESS_A_CARD and
 *                            %EP11SESS_A_DOMAIN name its first APQN
 * @__EP11SESS_EVENT_MAX:     one past the last event
 */
enum ep11sess_genl_event {
	EP11SESS_EVENT_UNSPEC,
	EP11SESS_EVENT_LOGIN,
	EP11SESS_EVENT_LOGOUT,
	EP11SESS_EVENT_RECLAIMED,
	EP11SESS_EVENT_EXHAUSTED,
	EP11SESS_EVENT_ONLINE,
	EP11SESS_EVENT_OFFLINE,
	EP11SESS_EVENT_LOST,
	EP11SESS_EVENT_RELOGIN,
	EP11SESS_EVENT_UNACCOUNTED,
	EP11SESS_EVENT_ADMIN_LOGOUT,
	__EP11SESS_EVENT_MAX,
};

/**
 * enum ep11sess_genl_attr - attributes of every command
 * @EP11SESS_A_UNSPEC:          not an attribute
 * @EP11SESS_A_PAD:             padding of 64-bit attributes
 * @EP11SESS_A_CARD:            u8, adapter number
 * @EP11SESS_A_DOMAIN:          u16, usage domain 0x00-0xff
 * @EP11SESS_A_ONLINE:          u8, 1 when the APQN takes requests
 * @EP11SESS_A_SERIAL:          binary, the card's 16-character serial
 *                              number (not NUL-terminated)
 * @EP11SESS_A_CACHED:          flag: the card's counts are the last ones
 *                              read, not asked for now
 * @EP11SESS_A_CAPS_VALID:      flag: the card has answered its counts
 * @EP11SESS_A_CARD_MAX:        u32, the card's max sessions (its answer)
 * @EP11SESS_A_CARD_AVAIL:      u32, the card's available sessions
 * @EP11SESS_A_CARD_HELD:       u32, sessions the kernel holds on the card
 * @EP11SESS_A_HELD:            u32, sessions held through this APQN,
 *                              pending logouts included
 * @EP11SESS_A_PENDING:         u32, pending logouts on this APQN
 * @EP11SESS_A_LOGINS:          u64, successful logins on this APQN
 * @EP11SESS_A_LOGOUTS:         u64, successful logouts on this APQN
 * @EP11SESS_A_RECLAIMED:       u64, of those, sessions whose last holder
 *                              went away without logging out
 * @EP11SESS_A_LOST:            u64, logouts given up
 * @EP11SESS_A_ERRORS:          u64, failed round trips
 * @EP11SESS_A_LAST_RECLAIM_US: u64, latency of the last reclaim
 * @EP11SESS_A_PUBLIC_ID:       binary, 16 bytes: the first half of the
 *                              session id
 * @EP11SESS_A_PID:             u32, the owner's thread group id in the
 *                              reader's pid namespace (0: not visible)
 * @EP11SESS_A_UID:             u32, the owner's uid
 * @EP11SESS_A_COMM:            string, the owner's command name
 * @EP11SESS_A_CREATED_NS:      u64, creation time, ns since the epoch
 * @EP11SESS_A_HOLDERS:         u32, open files holding the session
 * @EP11SESS_A_SHARED:          flag: logged in with the caller's nonce
 * @EP11SESS_A_DYING:           flag: no holder left, being logged out
 * @EP11SESS_A_SESSION_APQN:    nested, repeated: one APQN of a session
 *                              (%EP11SESS_A_CARD, %EP11SESS_A_DOMAIN,
 *                              %EP11SESS_A_STATE)
 * @EP11SESS_A_STATE:           u32, an &enum ep11sess_apqn_state
 * @EP11SESS_A_BEFORE_NS:       u64 filter: created before this time
 * @EP11SESS_A_FORCE:           flag: forget APQNs whose logout fails
 * @EP11SESS_A_REFRESH:         flag: ask the cards for their counts
 * @EP11SESS_A_MATCHED:         u32, sessions logged out
 * @EP11SESS_A_FAILED:          u32, of those, sessions with an APQN that
 *                              failed
 * @EP11SESS_A_EVENT:           u32, an &enum ep11sess_genl_event
 * @EP11SESS_A_LATENCY_US:      u64, last hold dropped to logged out
 * @EP11SESS_A_TIME_NS:         u64, when the event happened, ns since
 *                              the epoch
 * @EP11SESS_A_RESULT:          nested, repeated: one session a logout
 *                              ended (%EP11SESS_A_PUBLIC_ID,
 *                              %EP11SESS_A_PID, %EP11SESS_A_COMM and its
 *                              %EP11SESS_A_SESSION_APQN with their states
 *                              after the logout: an APQN not DONE failed);
 *                              as many as fit in 32 KiB
 * @EP11SESS_A_NAME_HEAD:       binary, 8 bytes: the first bytes of a
 *                              named session's name
 * @EP11SESS_A_SCOPE:           u32, a named session's &enum ep11sess_scope
 * @EP11SESS_A_SCOPE_ID:        u32, its scope's uid or gid
 * @EP11SESS_A_KEPT:            flag: a keep-alive hold keeps the session
 * @EP11SESS_A_KEEP_EXPIRES_NS: u64, when the keep-alive hold ends, ns
 *                              since the epoch; 0 without a time-to-live
 * @EP11SESS_A_RELOGINS:        u64, sessions logged in again on this APQN
 * @EP11SESS_A_RELOGIN_ERROR:   s32, in %EP11SESS_EVENT_RELOGIN: 0 when the
 *                              session was logged in again, else why not
 *                              (-EXDEV: another wrapping key, -ENOSPC,
 *                              -EIO, -ETIMEDOUT...)
 * @EP11SESS_A_CARD_UNACCOUNTED: u32, sessions on the card this host
 *                              does not hold (max - available - held when
 *                              the card answered; 0 when negative), only
 *                              with %EP11SESS_A_CAPS_VALID
 * @EP11SESS_A_HOST_SHARE:      u32, the most sessions this host may hold
 *                              on the card (0: no cap)
 * @EP11SESS_A_RECLAIM_SUM_US:  u64, sum of the reclaim latencies in
 *                              %EP11SESS_A_RECLAIM_BUCKETS
 * @EP11SESS_A_RECLAIM_BUCKETS: binary, %EP11SESS_RECLAIM_BUCKETS u64 in
 *                              host byte order: reclaims by latency, as
 *                              struct ep11sess_apqn_status's
 *                              @reclaim_buckets
 * @EP11SESS_A_UNACCOUNTED_BEFORE: u32, in %EP11SESS_EVENT_UNACCOUNTED:
 *                              the count of the card's previous answer
 * @EP11SESS_A_ADMIN_UID:       u32, the administrator's uid
 * @EP11SESS_A_ADMIN_PID:       u32, the administrator's thread group id
 * @EP11SESS_A_ADMIN_COMM:      string, the administrator's command name
 * @EP11SESS_A_VIA:             u32, how the administrator asked:
 *                              %EP11SESS_VIA_IOCTL or %EP11SESS_VIA_NETLINK
 * @EP11SESS_A_WKID:            binary, 16 bytes: a domain's wrapping key
 *                              verification pattern
 * @EP11SESS_A_EXPIRES_S:       u32, seconds until an orphaned logout is
 *                              given up (0: due now)
 * @EP11SESS_A_RECOVER:         flag: an orphaned logout of a login whose
 *                              answer was not seen: the card is asked for
 *                              the session again (same PIN and nonce),
 *                              then it is logged out
 * @__EP11SESS_A_MAX:           one past the last attribute
 */
enum ep11sess_genl_attr {
	EP11SESS_A_UNSPEC,
	EP11SESS_A_PAD,
	EP11SESS_A_CARD,
	EP11SESS_A_DOMAIN,
	EP11SESS_A_ONLINE,
	EP11SESS_A_SERIAL,
	EP11SESS_A_CACHED,
	EP11SESS_A_CAPS_VALID,
	EP11SESS_A_CARD_MAX,
	EP11SESS_A_CARD_AVAIL,
	EP11SESS_A_CARD_HELD,
	EP11SESS_A_HELD,
	EP11SESS_A_PENDING,
	EP11SESS_A_LOGINS,
	EP11SESS_A_LOGOUTS,
	EP11SESS_A_RECLAIMED,
	EP11SESS_A_LOST,
	EP11SESS_A_ERRORS,
	EP11SESS_A_LAST_RECLAIM_US,
	EP11SESS_A_PUBLIC_ID,
	EP11SESS_A_PID,
	EP11SESS_A_UID,
	EP11SESS_A_COMM,
	EP11SESS_A_CREATED_NS,
	EP11SESS_A_HOLDERS,
	EP11SESS_A_SHARED,
	EP11SESS_A_DYING,
	EP11SESS_A_SESSION_APQN,
	EP11SESS_A_STATE,
	EP11SESS_A_BEFORE_NS,
	EP11SESS_A_FORCE,
	EP11SESS_A_REFRESH,
	EP11SESS_A_MATCHED,
	EP11SESS_A_FAILED,
	EP11SESS_A_EVENT,
	EP11SESS_A_LATENCY_US,
	EP11SESS_A_TIME_NS,
	EP11SESS_A_RESULT,
	EP11SESS_A_NAME_HEAD,
	EP11SESS_A_SCOPE,
	EP11SESS_A_SCOPE_ID,
	EP11SESS_A_KEPT,
	EP11SESS_A_KEEP_EXPIRES_NS,
	EP11SESS_A_RELOGINS,
	EP11SESS_A_RELOGIN_ERROR,
	EP11SESS_A_CARD_UNACCOUNTED,
	EP11SESS_A_HOST_SHARE,
	EP11SESS_A_RECLAIM_SUM_US,
	EP11SESS_A_RECLAIM_BUCKETS,
	EP11SESS_A_UNACCOUNTED_BEFORE,
	EP11SESS_A_ADMIN_UID,
	EP11SESS_A_ADMIN_PID,
	EP11SESS_A_ADMIN_COMM,
	EP11SESS_A_VIA,
	EP11SESS_A_WKID,
	EP11SESS_A_EXPIRES_S,
	EP11SESS_A_RECOVER,
	__EP11SESS_A_MAX,
};

/* Values of %EP11SESS_A_VIA. */
#define EP11SESS_VIA_IOCTL	0
#define EP11SESS_VIA_NETLINK	1

#define EP11SESS_A_MAX	(__EP11SESS_A_MAX - 1)

#endif /* _UAPI_LINUX_EP11SESS_GENL_H */
