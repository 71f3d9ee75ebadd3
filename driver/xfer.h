/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sending requests to an APQN: the provider guard, busy retry with
 * backoff, and the requests the core makes itself.
 */
#ifndef _EP11SESS_XFER_H
#define _EP11SESS_XFER_H

#include <linux/types.h>
#include <linux/ep11.h>

struct ep11_apqn;

extern unsigned int ep11_request_timeout_ms;

unsigned long ep11_xfer_default_timeout(void);
int ep11_xfer(struct ep11_apqn *apqn, const void *req, size_t req_len,
	      void *rep, size_t rep_cap, unsigned long timeout);
int ep11_xfer_login(struct ep11_apqn *apqn, const u8 *pin, size_t pin_len,
		    const u8 *nonce, size_t nonce_len,
		    u8 pinblob[EP11_PINBLOB_LEN], u32 *ep11_rc,
		    unsigned long timeout);
int ep11_xfer_logout(struct ep11_apqn *apqn,
		     const u8 pinblob[EP11_PINBLOB_LEN], u32 *ep11_rc,
		     unsigned long timeout);
int ep11_xfer_caps(struct ep11_apqn *apqn, u32 *max_sessions,
		   u32 *avail_sessions, unsigned long timeout);
int ep11_xfer_serial(struct ep11_apqn *apqn, char serial[EP11_SERIAL_LEN],
		     unsigned long timeout);
int ep11_xfer_wkid(struct ep11_apqn *apqn, u8 wkid[EP11_WKID_LEN],
		   unsigned long timeout);
bool ep11_xfer_maybe_ran(int err);

#endif /* _EP11SESS_XFER_H */
