/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Orphaned logouts: the logouts a removed card still owes, kept by the
 * card's serial number, the domain and its WKID until the card registers
 * again with that domain's key or they expire.
 */
#ifndef _EP11SESS_ORPHAN_H
#define _EP11SESS_ORPHAN_H

#include <linux/sched.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/ep11.h>

struct pid_namespace;
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

/**
 * struct ep11_orphan_info - one orphaned logout, as it is shown
 * @serial:     the card's serial number
 * @domain:     the domain
 * @wkid:       the domain's WKID when the session was logged in there
 * @wkid_valid: @wkid is known
 * @recover:    the login's answer was not seen: the session is logged in
 *              again (same PIN and nonce) to learn its pin blob, then
 *              logged out; else the pin blob is known (pending)
 * @public_id:  the session's public id
 * @pid:        the owner's tgid in the reader's pid namespace (0: gone
 *              or not visible)
 * @uid:        the owner's uid
 * @comm:       the owner's command name, NUL-terminated
 * @created_ns: the session's creation time, ns since the epoch
 * @expires_s:  seconds until it is given up (0: due now)
 */
struct ep11_orphan_info {
	char serial[EP11_SERIAL_LEN];
	u16 domain;
	u8 wkid[EP11_WKID_LEN];
	bool wkid_valid;
	bool recover;
	u8 public_id[EP11_PUBLIC_ID_LEN];
	pid_t pid;
	kuid_t uid;
	char comm[TASK_COMM_LEN];
	u64 created_ns;
	u32 expires_s;
};

extern unsigned int ep11_orphan_timeout_s;
extern unsigned int ep11_orphan_recheck_s;

int ep11_orphan_keep(struct ep11_session *sess, struct ep11_sess_apqn *sa);
void ep11_orphan_adopt(struct ep11_card *card);
void ep11_orphan_stats(struct ep11_orphan_stats *st);
unsigned int ep11_orphan_snapshot(struct ep11_orphan_info *out,
				  unsigned int room, struct pid_namespace *ns);
void ep11_orphan_uninit(void);

#endif /* _EP11SESS_ORPHAN_H */
