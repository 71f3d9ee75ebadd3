/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Login: the round trips that create or join a session on a set of APQNs.
 */
#ifndef _EP11SESS_LOGIN_H
#define _EP11SESS_LOGIN_H

#include <linux/types.h>
#include <linux/ep11sess.h>

struct ep11_name;
struct ep11_session;

/**
 * struct ep11_login_req - one login as the ioctl hands it to the core
 * @targets:      the APQNs (expanded) and, on return, their results
 * @ntargets:     entries in @targets
 * @pin:          the PIN
 * @pin_len:      its length
 * @nonce:        the nonce (shared) or the kernel's random one (private)
 * @nonce_len:    its length
 * @shared:       joinable session with the caller's nonce
 * @all_or_none:  roll back on any failure
 * @wait:         jiffies to wait for a free session when a card is full
 * @name:         the name of a named login, or NULL; the session takes it
 *                (then it is set to NULL), else the caller frees it
 */
struct ep11_login_req {
	struct ep11sess_target *targets;
	unsigned int ntargets;
	const u8 *pin;
	size_t pin_len;
	const u8 *nonce;
	size_t nonce_len;
	bool shared;
	bool all_or_none;
	unsigned long wait;
	struct ep11_name *name;
};

int ep11_login(struct ep11_login_req *req, struct ep11_session **out,
	       bool *joined);

#endif /* _EP11SESS_LOGIN_H */
