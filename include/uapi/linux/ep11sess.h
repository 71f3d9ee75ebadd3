/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ep11sess: the kernel owns EP11 login sessions.  /dev/ep11sess takes the
 * ioctls below; every argument is a struct that starts with its own size
 * (set by the caller to sizeof() as it knows it) and is read with
 * copy_struct_from_user(): a shorter struct gets the missing tail as zero,
 * a longer one must have its unknown tail zero.  Unknown flags and
 * non-zero reserved or pad fields fail with EINVAL, unknown commands with
 * ENOTTY.  docs/ioctl.md describes every command and its errors.
 */
#ifndef _UAPI_LINUX_EP11SESS_H
#define _UAPI_LINUX_EP11SESS_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define EP11SESS_IOC_MAGIC		0xE8	/* 0x00-0x3f; ep11_vcard.h 0x40- */

#define EP11SESS_ABI_VERSION		1

/* Most APQNs one session spans (and one login targets). */
#define EP11SESS_MAX_APQNS		16

/* Default and largest wait for a free session in a login, milliseconds. */
#define EP11SESS_MAX_WAIT_MS		600000

/* Feature bits of struct ep11sess_version.features. */
#define EP11SESS_FEAT_LOGIN		(1ULL << 0)
#define EP11SESS_FEAT_SHARED		(1ULL << 1)
#define EP11SESS_FEAT_SEND		(1ULL << 2)
#define EP11SESS_FEAT_SEND_FAILOVER	(1ULL << 3)
#define EP11SESS_FEAT_LIST		(1ULL << 4)
#define EP11SESS_FEAT_STATUS		(1ULL << 5)
#define EP11SESS_FEAT_EXPORT		(1ULL << 6)
#define EP11SESS_FEAT_ADMIN_LOGOUT	(1ULL << 7)
#define EP11SESS_FEAT_WAIT		(1ULL << 8)
#define EP11SESS_FEAT_NAMED		(1ULL << 9)	/* attach, keep */
/*
 * Live sessions are logged in again on a card that comes back, and a bound
 * SEND waits for it (docs/swap.md); SEND takes %EP11SESS_SEND_NO_WAIT and
 * answers @result.
 */
#define EP11SESS_FEAT_RELOGIN		(1ULL << 10)

/* Bytes of a login's name (struct ep11sess_login.name). */
#define EP11SESS_NAME_LEN		16

/*
 * Scopes of a named login: who may attach to it without the PIN.  The
 * caller's uid is the default; a group names a group the caller is in.
 */
enum ep11sess_scope {
	EP11SESS_SCOPE_UID = 0,
	EP11SESS_SCOPE_GID = 1,
};

/**
 * struct ep11sess_apqn - an AP queue: card and domain
 * @card:   adapter number 0x00-0xff
 * @pad:    must be zero
 * @domain: usage domain 0x0000-0x00ff
 */
struct ep11sess_apqn {
	__u8 card;
	__u8 pad;
	__u16 domain;
};

/**
 * struct ep11sess_version - argument of %EP11SESS_IOC_VERSION
 * @size:        sizeof(struct ep11sess_version)
 * @flags:       must be zero
 * @abi_version: returned: %EP11SESS_ABI_VERSION
 * @max_apqns:   returned: %EP11SESS_MAX_APQNS
 * @features:    returned: the EP11SESS_FEAT_* bits this kernel supports
 */
struct ep11sess_version {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 max_apqns;
	__aligned_u64 features;
};

/* Target flags of struct ep11sess_target. */
#define EP11SESS_TARGET_ALL_DOMAINS	(1U << 0)	/* every online domain */

/* Per-APQN states reported by login, list and status. */
enum ep11sess_apqn_state {
	EP11SESS_STATE_NONE = 0,	/* not logged in on this APQN */
	EP11SESS_STATE_LIVE = 1,	/* logged in */
	EP11SESS_STATE_LOGGING_OUT = 2,	/* logout in progress */
	EP11SESS_STATE_PENDING = 3,	/* logout failed, retried later */
	EP11SESS_STATE_DONE = 4,	/* logged out */
	EP11SESS_STATE_LOST = 5,	/* card removed before logout */
	EP11SESS_STATE_AWAY = 6,	/* offline or card gone; back later */
};

/**
 * struct ep11sess_target - one login target and its result
 * @apqn:    in: the APQN; with %EP11SESS_TARGET_ALL_DOMAINS only
 *           @apqn.card counts and @apqn.domain must be zero
 * @flags:   in: EP11SESS_TARGET_* flags; out: zero
 * @error:   out: 0 when the login succeeded on this APQN, else a negative
 *           errno: -ENODEV offline or unknown APQN, -EACCES PIN
 *           refused, -ENOSPC no free session, -ETIMEDOUT, -EIO,
 *           -EPROTO the card's answer was malformed, -EXDEV the session
 *           id differs from the other APQNs', -ECANCELED rolled back
 * @ep11_rc: out: the card's return code (a CKR value) when it answered
 * @state:   out: an &enum ep11sess_apqn_state
 * @reserved: must be zero
 *
 * Targets with %EP11SESS_TARGET_ALL_DOMAINS are expanded by the kernel
 * into one entry per online domain of the card; the array is rewritten
 * with the expanded list.
 */
struct ep11sess_target {
	struct ep11sess_apqn apqn;
	__u32 flags;
	__s32 error;
	__u32 ep11_rc;
	__u32 state;
	__u32 reserved;
};

/* Login flags. */
#define EP11SESS_LOGIN_SHARED		(1U << 0)	/* caller's nonce */
#define EP11SESS_LOGIN_ALL_OR_NOTHING	(1U << 1)	/* any failure: roll back */
#define EP11SESS_LOGIN_NAMED		(1U << 2)	/* @name, @scope, @gid */

/**
 * struct ep11sess_login - argument of %EP11SESS_IOC_LOGIN
 * @size:        sizeof(struct ep11sess_login)
 * @flags:       EP11SESS_LOGIN_* flags
 * @pin_len:     bytes at @pin, %EP11_PIN_MIN_LEN-%EP11_PIN_MAX_LEN
 * @nonce_len:   bytes at @nonce: 1-%EP11_NONCE_MAX_LEN for a shared
 *               login, 0 for a private one (the kernel draws 32 random
 *               bytes)
 * @pin:         user pointer to the PIN
 * @nonce:       user pointer to the nonce, or 0
 * @targets:     user pointer to an array of struct ep11sess_target
 * @ntargets:    in: entries the caller filled in (at least one);
 *               out: entries after expansion
 * @targets_cap: room at @targets, at least @ntargets and at most
 *               %EP11SESS_MAX_APQNS
 * @wait_ms:     how long to wait for a free session when a card is full
 *               (0: fail at once), at most %EP11SESS_MAX_WAIT_MS
 * @handle:      out: the session's handle in this file (never 0)
 * @public_id:   out: the first 16 bytes of the session id
 * @joined:      out: 1 when the login joined a live shared session
 * @reserved:    must be zero
 * @name:        with %EP11SESS_LOGIN_NAMED: the session's name, not all
 *               zero; else zero
 * @scope:       with %EP11SESS_LOGIN_NAMED: an &enum ep11sess_scope; else
 *               zero
 * @gid:         with %EP11SESS_SCOPE_GID: a group the caller is in (EPERM
 *               otherwise); else zero
 *
 * Succeeds when at least one APQN accepted the login (all of them with
 * %EP11SESS_LOGIN_ALL_OR_NOTHING); the targets say APQN by APQN.
 *
 * A named login gives the session a name in its scope (the caller's uid,
 * or @gid): files in the scope attach to it with %EP11SESS_IOC_ATTACH
 * without the PIN.  A name is unique among the live sessions of a scope,
 * and only the login that creates a session names it: EEXIST when another
 * live session has the name, or when the login would join a session that
 * does not have it.
 */
struct ep11sess_login {
	__u32 size;
	__u32 flags;
	__u32 pin_len;
	__u32 nonce_len;
	__aligned_u64 pin;
	__aligned_u64 nonce;
	__aligned_u64 targets;
	__u32 ntargets;
	__u32 targets_cap;
	__u32 wait_ms;
	__u32 handle;
	__u8 public_id[16];
	__u32 joined;
	__u32 reserved;
	__u8 name[EP11SESS_NAME_LEN];
	__u32 scope;
	__u32 gid;
};

/* Logout flags. */
#define EP11SESS_LOGOUT_EVERYONE	(1U << 0)	/* named: every holder */

/**
 * struct ep11sess_logout - argument of %EP11SESS_IOC_LOGOUT
 * @size:   sizeof(struct ep11sess_logout)
 * @flags:  EP11SESS_LOGOUT_* flags
 * @handle: a handle of this file; the file's hold on the session is
 *          dropped, and the last hold logs the session out
 * @reserved: must be zero
 *
 * With %EP11SESS_LOGOUT_EVERYONE the session (a named one, and the caller
 * in its scope: EPERM otherwise, EINVAL for an unnamed one) is logged out
 * for all its holders at once: their handles fail with ESTALE, and its
 * keep-alive hold ends.
 */
struct ep11sess_logout {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 reserved;
};

/* Send flags. */
#define EP11SESS_SEND_SESSION	(1U << 0)	/* append @handle's pin blob */
#define EP11SESS_SEND_ANY_APQN	(1U << 1)	/* any APQN of @handle */
#define EP11SESS_SEND_NO_WAIT	(1U << 2)	/* fail, do not wait for a relogin */

/* Send results (struct ep11sess_send.result). */
#define EP11SESS_SEND_RELOGGED_IN (1U << 0)	/* the session is logged in
						 * again where it answered
						 * CKR_SESSION_CLOSED
						 */

/**
 * struct ep11sess_send - argument of %EP11SESS_IOC_SEND
 * @size:       sizeof(struct ep11sess_send)
 * @flags:      EP11SESS_SEND_* flags
 * @handle:     a session handle of this file, or 0 when neither flag is
 *              given
 * @apqn:       in: the target APQN (ignored with %EP11SESS_SEND_ANY_APQN);
 *              out: the APQN that answered
 * @req:        user pointer to the request: struct ep11_cprb + payload,
 *              as docs/ep11-wire.md describes; the kernel sets the
 *              domain fields to the APQN it sends to
 * @rep:        user pointer to room for the reply
 * @req_len:    bytes at @req, at most %EP11_MAX_MSG_LEN
 * @rep_cap:    room at @rep
 * @rep_len:    out: bytes of reply written to @rep
 * @timeout_ms: time-out of one round trip (0: the module's default)
 * @result:     out: EP11SESS_SEND_RELOGGED_IN, or 0; must be 0 on input
 * @reserved:   must be 0
 *
 * A request must have exactly its function's unbound parameter count
 * (docs/ep11-wire.md, "Function signatures"); with %EP11SESS_SEND_SESSION
 * the kernel appends the session's pin blob, and only to functions that
 * take one.  Anything else, the login functions and unknown functions are
 * EINVAL; the admin function needs CAP_SYS_ADMIN (EPERM).  When the APQN
 * is offline or fails in transport and the request is bound to a session,
 * it goes to the session's next APQN.  A bound request none of whose
 * session's APQNs answers waits for the session to be logged in again
 * (relogin_wait_ms), unless %EP11SESS_SEND_NO_WAIT is given: it then
 * fails with ENODEV, EIO or ETIMEDOUT at once.  When the card answered
 * CKR_SESSION_CLOSED and the session's entry there has been logged in
 * again since the request went to the card, @result has
 * %EP11SESS_SEND_RELOGGED_IN: sending the request once more may succeed.
 * @result and @reserved came with %EP11SESS_FEAT_RELOGIN; a struct that
 * ends at @timeout_ms is still accepted.
 */
struct ep11sess_send {
	__u32 size;
	__u32 flags;
	__u32 handle;
	struct ep11sess_apqn apqn;
	__aligned_u64 req;
	__aligned_u64 rep;
	__u32 req_len;
	__u32 rep_cap;
	__u32 rep_len;
	__u32 timeout_ms;
	__u32 result;
	__u32 reserved;
};

/**
 * struct ep11sess_apqn_info - one APQN of a session in a list entry
 * @apqn:  the APQN
 * @state: an &enum ep11sess_apqn_state
 */
struct ep11sess_apqn_info {
	struct ep11sess_apqn apqn;
	__u32 state;
};

/* Session flags in struct ep11sess_session_info. */
#define EP11SESS_SESSION_SHARED		(1U << 0)
#define EP11SESS_SESSION_HELD		(1U << 1)	/* by this file */
#define EP11SESS_SESSION_DYING		(1U << 2)	/* no holder left */
#define EP11SESS_SESSION_NAMED		(1U << 3)	/* @scope, @name_head */
#define EP11SESS_SESSION_KEPT		(1U << 4)	/* keep-alive hold */

/**
 * struct ep11sess_session_info - one session in a list
 * @handle:     the handle in this file, 0 when this file does not hold it
 * @flags:      EP11SESS_SESSION_* flags
 * @public_id:  the first 16 bytes of the session id
 * @holders:    open files (and exported fds) holding the session, and
 *              its keep-alive hold
 * @napqns:     valid entries in @apqns
 * @created_ns: wall-clock creation time, nanoseconds since the epoch
 * @owner_pid:  creator's thread group id in the caller's pid namespace
 *              (0 when not visible there)
 * @owner_uid:  creator's uid in the caller's user namespace
 * @comm:       creator's command name, NUL-terminated
 * @apqns:      the APQNs and their states
 * @scope:      a named session's &enum ep11sess_scope
 * @scope_id:   a named session's uid or gid in the caller's user namespace
 * @name_head:  the first bytes of a named session's name
 * @keep_expires_ns: with %EP11SESS_SESSION_KEPT: when the keep-alive hold
 *              ends, nanoseconds since the epoch; 0 when it has no
 *              time-to-live
 */
struct ep11sess_session_info {
	__u32 handle;
	__u32 flags;
	__u8 public_id[16];
	__u32 holders;
	__u32 napqns;
	__aligned_u64 created_ns;
	__s32 owner_pid;
	__u32 owner_uid;
	char comm[16];
	struct ep11sess_apqn_info apqns[EP11SESS_MAX_APQNS];
	__u32 scope;
	__u32 scope_id;
	__u8 name_head[8];
	__aligned_u64 keep_expires_ns;
};

/* Size of struct ep11sess_session_info in ABI version 1. */
#define EP11SESS_SESSION_INFO_SIZE_VER1	192

/* List flags. */
#define EP11SESS_LIST_ALL	(1U << 0)	/* every session: CAP_SYS_ADMIN */

/**
 * struct ep11sess_list - argument of %EP11SESS_IOC_LIST
 * @size:       sizeof(struct ep11sess_list)
 * @flags:      EP11SESS_LIST_* flags
 * @entries:    user pointer to room for @count entries of @entry_size
 * @entry_size: the caller's sizeof(struct ep11sess_session_info), at
 *              least the ABI version 1 size; the kernel writes that many
 *              bytes per entry (zero-filling what it does not know)
 * @count:      in: room at @entries; out: sessions that matched, which
 *              may exceed the room (only the room is written)
 */
struct ep11sess_list {
	__u32 size;
	__u32 flags;
	__aligned_u64 entries;
	__u32 entry_size;
	__u32 count;
};

/* APQN status flags. */
#define EP11SESS_APQN_ONLINE		(1U << 0)
#define EP11SESS_APQN_CAPS_VALID	(1U << 1)	/* card_max/avail */
#define EP11SESS_APQN_WKID_VALID	(1U << 2)	/* wkid is the card's */
#define EP11SESS_APQN_WKID_UNREADABLE	(1U << 3)	/* the card did not tell */

/*
 * The reclaim latency histogram's buckets: upper bounds in microseconds,
 * each bucket holding the reclaims above the bound before it; one more
 * bucket after the last bound holds the slower ones.
 */
#define EP11SESS_RECLAIM_BOUNDS_US					\
	{ 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,	\
	  250000, 500000, 1000000, 2500000, 10000000 }
#define EP11SESS_RECLAIM_NBOUNDS	15
#define EP11SESS_RECLAIM_BUCKETS	(EP11SESS_RECLAIM_NBOUNDS + 1)

/**
 * struct ep11sess_apqn_status - one APQN in a status answer
 * @apqn:           the APQN
 * @flags:          EP11SESS_APQN_* flags
 * @card_max:       the card's max sessions as the card answered
 * @card_avail:     the card's available sessions as the card answered
 * @card_held:      sessions the kernel holds on the card (all domains)
 * @held:           sessions the kernel holds on this APQN
 * @pending:        pending logouts on this APQN
 * @reserved:       zero
 * @logins:         successful logins on this APQN
 * @logouts:        successful logouts on this APQN
 * @reclaimed:      logouts of sessions whose last holder went away
 * @lost:           pending logouts ended by the card's removal
 * @errors:         failed round trips (transport, time-out, bad reply)
 * @last_reclaim_us: latency of the last reclaim, microseconds
 * @serial:         the card's serial number, not NUL-terminated
 * @requests:       requests handed to the provider on this APQN
 * @request_ns:     total time spent in the provider for them, nanoseconds
 *                  (the raw round trip, without the ioctl path)
 * @relogins:       sessions logged in again on this APQN after it came
 *                  back online or its card (or a replacement with the same
 *                  wrapping key) registered
 * @card_unaccounted: sessions on the card this host does not hold:
 *                  @card_max - @card_avail - the kernel's count (sessions
 *                  held and logins in flight, the larger of the count
 *                  before the card was asked and after it answered; 0
 *                  when negative or without
 *                  %EP11SESS_APQN_CAPS_VALID): other hosts', other
 *                  domains' users outside this kernel, or leaks from
 *                  before this host booted
 * @host_share:     the most sessions this host may hold on the card (its
 *                  share; 0: no cap); @card_held is its use
 * @reclaim_sum_us: sum of the reclaim latencies counted in
 *                  @reclaim_buckets, microseconds
 * @reclaim_buckets: reclaims on this APQN by latency: entry i counts those
 *                  above bound i-1 and at most bound i of
 *                  %EP11SESS_RECLAIM_BOUNDS_US (the last entry: above the
 *                  last bound); their sum is @reclaimed
 * @wkid:           the domain's wrapping key verification pattern as the
 *                  kernel last read it (get_xcp_info: after registration,
 *                  after the APQN came online, and by a status that asks
 *                  the cards when the last read is older than 10 s); valid
 *                  with %EP11SESS_APQN_WKID_VALID, zero otherwise
 */
struct ep11sess_apqn_status {
	struct ep11sess_apqn apqn;
	__u32 flags;
	__u32 card_max;
	__u32 card_avail;
	__u32 card_held;
	__u32 held;
	__u32 pending;
	__u32 reserved;
	__aligned_u64 logins;
	__aligned_u64 logouts;
	__aligned_u64 reclaimed;
	__aligned_u64 lost;
	__aligned_u64 errors;
	__aligned_u64 last_reclaim_us;
	char serial[16];
	__aligned_u64 requests;
	__aligned_u64 request_ns;
	__aligned_u64 relogins;
	__u32 card_unaccounted;
	__u32 host_share;
	__aligned_u64 reclaim_sum_us;
	__aligned_u64 reclaim_buckets[EP11SESS_RECLAIM_BUCKETS];
	__u8 wkid[16];
};

/* Size of struct ep11sess_apqn_status in ABI version 1. */
#define EP11SESS_APQN_STATUS_SIZE_VER1	96

/* Status flags. */
#define EP11SESS_STATUS_CACHED	(1U << 0)	/* do not ask the cards */

/**
 * struct ep11sess_status - argument of %EP11SESS_IOC_STATUS
 * @size:       sizeof(struct ep11sess_status)
 * @flags:      EP11SESS_STATUS_* flags; without %EP11SESS_STATUS_CACHED
 *              every card is asked for its counts (get_xcp_info) first
 * @entries:    user pointer to room for @count entries of @entry_size
 * @entry_size: the caller's sizeof(struct ep11sess_apqn_status), at
 *              least %EP11SESS_APQN_STATUS_SIZE_VER1; the kernel writes
 *              that many bytes per entry (zero-filling what it does not
 *              know)
 * @count:      in: room at @entries; out: APQNs known
 * @orphaned:   out (zero on input): logouts that removed cards owe, kept
 *              for their return now (orphaned logouts)
 * @orphan_timeout_s: out (zero on input): how long such a logout is kept,
 *              seconds (module parameter orphan_timeout_s; 0: not kept)
 * @orphans_adopted: out (zero on input): orphaned logouts handed to a
 *              card that came back, since the module was loaded
 * @orphans_expired: out (zero on input): orphaned logouts given up after
 *              @orphan_timeout_s, since the module was loaded
 *
 * A caller of ABI version 1 passes %EP11SESS_STATUS_SIZE_VER1 bytes and
 * gets no orphan fields.
 */
struct ep11sess_status {
	__u32 size;
	__u32 flags;
	__aligned_u64 entries;
	__u32 entry_size;
	__u32 count;
	__u32 orphaned;
	__u32 orphan_timeout_s;
	__aligned_u64 orphans_adopted;
	__aligned_u64 orphans_expired;
};

/* Size of struct ep11sess_status in ABI version 1 (up to @count). */
#define EP11SESS_STATUS_SIZE_VER1	24

/**
 * struct ep11sess_export - argument of %EP11SESS_IOC_EXPORT
 * @size:   sizeof(struct ep11sess_export)
 * @flags:  must be zero
 * @handle: a session handle of this file
 * @fd:     out: a new close-on-exec fd holding the session
 */
struct ep11sess_export {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__s32 fd;
};

/**
 * struct ep11sess_import - argument of %EP11SESS_IOC_IMPORT
 * @size:   sizeof(struct ep11sess_import)
 * @flags:  must be zero
 * @fd:     an fd from %EP11SESS_IOC_EXPORT (it stays open and valid)
 * @handle: out: the session's handle in this file
 */
struct ep11sess_import {
	__u32 size;
	__u32 flags;
	__s32 fd;
	__u32 handle;
};

/* Admin logout filters (combined: a session must match all given). */
#define EP11SESS_ADMIN_BY_ID	(1U << 0)
#define EP11SESS_ADMIN_BY_PID	(1U << 1)
#define EP11SESS_ADMIN_BEFORE	(1U << 2)
#define EP11SESS_ADMIN_BY_APQN	(1U << 3)
#define EP11SESS_ADMIN_FORCE	(1U << 4)	/* forget failed APQNs */

/**
 * struct ep11sess_admin_logout - argument of %EP11SESS_IOC_ADMIN_LOGOUT
 * @size:      sizeof(struct ep11sess_admin_logout)
 * @flags:     EP11SESS_ADMIN_* flags, at least one filter
 * @public_id: with %EP11SESS_ADMIN_BY_ID
 * @pid:       with %EP11SESS_ADMIN_BY_PID: owner tgid in the caller's pid
 *             namespace
 * @apqn:      with %EP11SESS_ADMIN_BY_APQN: sessions on this APQN
 * @before_ns: with %EP11SESS_ADMIN_BEFORE: created before this wall-clock
 *             time, nanoseconds since the epoch
 * @matched:   out: sessions logged out
 * @failed:    out: of those, sessions with an APQN that failed (pending,
 *             or forgotten with %EP11SESS_ADMIN_FORCE)
 *
 * Needs CAP_SYS_ADMIN.  The holders' handles stay valid but fail with
 * ESTALE.
 */
struct ep11sess_admin_logout {
	__u32 size;
	__u32 flags;
	__u8 public_id[16];
	__s32 pid;
	struct ep11sess_apqn apqn;
	__aligned_u64 before_ns;
	__u32 matched;
	__u32 failed;
};

/**
 * struct ep11sess_attach - argument of %EP11SESS_IOC_ATTACH
 * @size:      sizeof(struct ep11sess_attach)
 * @flags:     must be zero
 * @name:      the session's name
 * @scope:     its &enum ep11sess_scope
 * @id:        the scope's uid (%EP11SESS_SCOPE_UID: it must be the
 *             caller's) or gid (%EP11SESS_SCOPE_GID: a group the caller is
 *             in), in the caller's user namespace
 * @handle:    out: the session's handle in this file (the existing one
 *             when the file already holds it)
 * @public_id: out: the first 16 bytes of the session id
 * @reserved:  must be zero
 *
 * Attaches this file to the live session with that name in that scope,
 * without the PIN: the file becomes one of its holders.  EPERM when the
 * caller is not in the scope, whether or not such a session exists;
 * ENOENT when it is and none does.
 */
struct ep11sess_attach {
	__u32 size;
	__u32 flags;
	__u8 name[EP11SESS_NAME_LEN];
	__u32 scope;
	__u32 id;
	__u32 handle;
	__u8 public_id[16];
	__u32 reserved;
};

/* Keep flags. */
#define EP11SESS_KEEP_RELEASE	(1U << 0)	/* end the keep-alive hold */

/* Longest keep-alive time-to-live, milliseconds (30 days). */
#define EP11SESS_MAX_KEEP_MS	2592000000U

/**
 * struct ep11sess_keep - argument of %EP11SESS_IOC_KEEP
 * @size:       sizeof(struct ep11sess_keep)
 * @flags:      EP11SESS_KEEP_* flags
 * @handle:     a handle of this file on a named session, the caller in its
 *              scope
 * @ttl_ms:     how long the hold lasts (0: until released or the session
 *              is logged out), at most %EP11SESS_MAX_KEEP_MS; must be 0
 *              with %EP11SESS_KEEP_RELEASE
 * @expires_ns: out: when the hold ends, nanoseconds since the epoch (0:
 *              no time-to-live, or released)
 *
 * A keep-alive hold is a holder owned by the kernel, not by a file: the
 * session stays logged in with no file open until the hold is released,
 * its time-to-live passes, or the session is logged out for everyone
 * (%EP11SESS_LOGOUT_EVERYONE, an administrator).  A session has at most
 * one: keeping a kept session sets its new time-to-live.  Releasing a
 * session that has none is ENOENT.
 */
struct ep11sess_keep {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 ttl_ms;
	__aligned_u64 expires_ns;
};

/*
 * Commands take a pointer to their size-first struct; the number does not
 * encode the size (as iommufd).
 */
#define EP11SESS_IOC_VERSION		_IO(EP11SESS_IOC_MAGIC, 0x00)
#define EP11SESS_IOC_LOGIN		_IO(EP11SESS_IOC_MAGIC, 0x01)
#define EP11SESS_IOC_LOGOUT		_IO(EP11SESS_IOC_MAGIC, 0x02)
#define EP11SESS_IOC_SEND		_IO(EP11SESS_IOC_MAGIC, 0x03)
#define EP11SESS_IOC_LIST		_IO(EP11SESS_IOC_MAGIC, 0x04)
#define EP11SESS_IOC_STATUS		_IO(EP11SESS_IOC_MAGIC, 0x05)
#define EP11SESS_IOC_EXPORT		_IO(EP11SESS_IOC_MAGIC, 0x06)
#define EP11SESS_IOC_IMPORT		_IO(EP11SESS_IOC_MAGIC, 0x07)
#define EP11SESS_IOC_ADMIN_LOGOUT	_IO(EP11SESS_IOC_MAGIC, 0x08)
#define EP11SESS_IOC_ATTACH		_IO(EP11SESS_IOC_MAGIC, 0x09)
#define EP11SESS_IOC_KEEP		_IO(EP11SESS_IOC_MAGIC, 0x0a)

#endif /* _UAPI_LINUX_EP11SESS_H */
