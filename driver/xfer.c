// SPDX-License-Identifier: GPL-2.0
/*
 * Sending one request to an APQN: the provider is called under its card's
 * ops_sem (so unregistration waits for it), a full queue or a busy card is
 * retried with a bounded exponential backoff, and the core's own requests
 * (Login, Logout, get_xcp_info) are encoded and decoded here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "card.h"
#include "ep11_wire.h"
#include "xfer.h"

#define EP11_XFER_TRIES		10
#define EP11_XFER_BACKOFF_MS	1
#define EP11_XFER_BACKOFF_MAX	64
#define EP11_XFER_BUF		1024

unsigned int ep11_request_timeout_ms = 10000;
module_param_named(request_timeout_ms, ep11_request_timeout_ms, uint, 0644);
MODULE_PARM_DESC(request_timeout_ms, "time-out of one card round trip (ms)");

/**
 * ep11_xfer_default_timeout() - the module's round-trip time-out
 *
 * Context: any context.
 * Return: jiffies.
 */
unsigned long ep11_xfer_default_timeout(void)
{
	return msecs_to_jiffies(max(READ_ONCE(ep11_request_timeout_ms), 1U));
}

/**
 * ep11_xfer_maybe_ran() - whether a failed round trip may have run
 * @err: the error of ep11_xfer()
 *
 * Context: any context.
 * Return: true when the card may have executed the request.
 */
bool ep11_xfer_maybe_ran(int err)
{
	/* -EPROTO: an answer the codec refused may still say OK. */
	return err == -ETIMEDOUT || err == -EIO || err == -EINTR ||
	       err == -EMSGSIZE || err == -EBADMSG || err == -EPROTO;
}

static int ep11_xfer_once(struct ep11_apqn *apqn, const void *req,
			  size_t req_len, void *rep, size_t rep_cap,
			  unsigned long timeout)
{
	struct ep11_card *card = apqn->card;
	ktime_t start;
	int ret;

	if (!ep11_apqn_is_online(apqn))
		return -ENODEV;
	down_read(&card->ops_sem);
	if (card->ops) {
		start = ktime_get();
		ret = card->ops->send(card->priv, apqn->domain, req, req_len,
				      rep, rep_cap, timeout);
		ep11_apqn_count_request(apqn, ktime_get() - start);
	} else {
		ret = -ENODEV;
	}
	up_read(&card->ops_sem);
	if (WARN_ON_ONCE(ret > (int)rep_cap))
		ret = -EMSGSIZE;
	if (ret >= 0 && ret < EP11_CPRB_LEN) {
		memzero_explicit(rep, ret);
		ret = -EBADMSG;
	}
	if (ret > 0) {
		const struct ep11_cprb *cprb = rep;

		/* Nothing of a reply that is no answer stays behind. */
		if (be32_to_cpu(cprb->ret_code) == EP11_CPRB_RC_BUSY) {
			memzero_explicit(rep, ret);
			ret = -EBUSY;
		}
	}
	return ret;
}

/**
 * ep11_xfer() - send one request to an APQN and wait for its reply
 * @apqn:    the APQN
 * @req:     struct ep11_cprb + payload
 * @req_len: its length
 * @rep:     room for the reply
 * @rep_cap: its size
 * @timeout: jiffies for each round trip
 *
 * A full queue or a busy card (-EBUSY, or the CPRB busy code) is tried
 * again up to %EP11_XFER_TRIES times with a doubling backoff; admin
 * requests are not retried.  Errors are counted on the APQN.
 *
 * Context: process context, may sleep; no core locks but a session's own.
 * Return: the reply length, or the provider's negative errno (-EINTR when
 * a fatal signal came during the backoff).
 */
int ep11_xfer(struct ep11_apqn *apqn, const void *req, size_t req_len,
	      void *rep, size_t rep_cap, unsigned long timeout)
{
	const struct ep11_cprb *cprb = req;
	unsigned int ms = EP11_XFER_BACKOFF_MS;
	bool admin = cprb->flags & EP11_CPRB_FLAG_ADMIN;
	int tries = admin ? 1 : EP11_XFER_TRIES;
	int ret;

	for (;;) {
		ret = ep11_xfer_once(apqn, req, req_len, rep, rep_cap, timeout);
		if (ret != -EBUSY || --tries <= 0)
			break;
		if (schedule_timeout_killable(msecs_to_jiffies(ms)) ||
		    fatal_signal_pending(current))
			return -EINTR;
		ms = min(ms * 2, (unsigned int)EP11_XFER_BACKOFF_MAX);
	}
	if (ret < 0 && ret != -ENODEV)
		ep11_apqn_count_error(apqn);
	return ret;
}

static int ep11_xfer_rc_errno(u32 rc)
{
	switch (rc) {
	case EP11_CKR_OK:
		return 0;
	case EP11_CKR_PIN_INCORRECT:
	case EP11_CKR_PIN_LEN_RANGE:
		return -EACCES;
	case EP11_CKR_SESSION_COUNT:
		return -ENOSPC;
	default:
		return -EREMOTEIO;
	}
}

/*
 * Sends the request the caller encoded at @buf (@len bytes, or the
 * encoder's negative errno) and leaves the reply at buf + EP11_XFER_BUF.
 * Return: the reply length or a negative errno.
 */
static int ep11_xfer_round_trip(struct ep11_apqn *apqn, u8 *buf, int len,
				unsigned long timeout)
{
	if (len < 0)
		return len;
	return ep11_xfer(apqn, buf, len, buf + EP11_XFER_BUF, EP11_XFER_BUF,
			 timeout);
}

/* A reply the codec refused: an error of the APQN, -EPROTO to the caller. */
static int ep11_xfer_malformed(struct ep11_apqn *apqn)
{
	ep11_apqn_count_error(apqn);
	return -EPROTO;
}

/**
 * ep11_xfer_login() - Login on one APQN
 * @apqn:      the APQN
 * @pin:       the PIN
 * @pin_len:   its length
 * @nonce:     the nonce
 * @nonce_len: its length
 * @pinblob:   the returned pin blob
 * @ep11_rc:   the card's return code, 0 when it did not answer
 * @timeout:   jiffies for the round trip
 *
 * Context: process context, may sleep.
 * Return: 0, -EACCES (PIN refused), -ENOSPC (no free session), -EREMOTEIO
 * (another refusal), -EPROTO (malformed answer) or ep11_xfer()'s error.
 */
int ep11_xfer_login(struct ep11_apqn *apqn, const u8 *pin, size_t pin_len,
		    const u8 *nonce, size_t nonce_len,
		    u8 pinblob[EP11_PINBLOB_LEN], u32 *ep11_rc,
		    unsigned long timeout)
{
	int ret, len;
	u8 *buf;

	*ep11_rc = 0;
	buf = kzalloc(2 * EP11_XFER_BUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = ep11_wire_enc_login(buf, EP11_XFER_BUF, apqn->domain, pin,
				  pin_len, nonce, nonce_len);
	ret = ep11_xfer_round_trip(apqn, buf, len, timeout);
	if (ret < 0)
		goto out;
	if (ep11_wire_dec_login(buf + EP11_XFER_BUF, ret, apqn->domain,
				ep11_rc, pinblob) < 0)
		ret = ep11_xfer_malformed(apqn);
	else
		ret = ep11_xfer_rc_errno(*ep11_rc);
out:
	kfree_sensitive(buf);
	return ret;
}

/**
 * ep11_xfer_logout() - Logout on one APQN
 * @apqn:    the APQN
 * @pinblob: the session's pin blob there
 * @ep11_rc: the card's return code, 0 when it did not answer
 * @timeout: jiffies for the round trip
 *
 * CKR_SESSION_CLOSED (the card does not know the session) counts as done.
 *
 * Context: process context, may sleep.
 * Return: 0, -EREMOTEIO, -EPROTO or ep11_xfer()'s error.
 */
int ep11_xfer_logout(struct ep11_apqn *apqn,
		     const u8 pinblob[EP11_PINBLOB_LEN], u32 *ep11_rc,
		     unsigned long timeout)
{
	int ret, len;
	u8 *buf;

	*ep11_rc = 0;
	buf = kzalloc(2 * EP11_XFER_BUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = ep11_wire_enc_logout(buf, EP11_XFER_BUF, apqn->domain, pinblob);
	ret = ep11_xfer_round_trip(apqn, buf, len, timeout);
	if (ret < 0)
		goto out;
	if (ep11_wire_dec_logout(buf + EP11_XFER_BUF, ret, apqn->domain,
				 ep11_rc) < 0)
		ret = ep11_xfer_malformed(apqn);
	else if (*ep11_rc == EP11_CKR_SESSION_CLOSED)
		ret = 0;
	else
		ret = ep11_xfer_rc_errno(*ep11_rc);
out:
	kfree_sensitive(buf);
	return ret;
}

/**
 * ep11_xfer_caps() - the card's max and available sessions
 * @apqn:           any online APQN of the card
 * @max_sessions:   EXT_CAPLIST index 12
 * @avail_sessions: EXT_CAPLIST index 13
 * @timeout:        jiffies for the round trip
 *
 * Context: process context, may sleep.
 * Return: 0, -EREMOTEIO, -EPROTO or ep11_xfer()'s error.
 */
int ep11_xfer_caps(struct ep11_apqn *apqn, u32 *max_sessions,
		   u32 *avail_sessions, unsigned long timeout)
{
	u32 rc = 0;
	int ret, len;
	u8 *buf;

	buf = kzalloc(2 * EP11_XFER_BUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = ep11_wire_enc_xcp_info(buf, EP11_XFER_BUF, apqn->domain,
				     EP11_XCP_QUERY_EXT_CAPLIST);
	ret = ep11_xfer_round_trip(apqn, buf, len, timeout);
	if (ret < 0)
		goto out;
	if (ep11_wire_dec_xcp_caplist(buf + EP11_XFER_BUF, ret, apqn->domain,
				      &rc, max_sessions, avail_sessions) < 0)
		ret = ep11_xfer_malformed(apqn);
	else
		ret = ep11_xfer_rc_errno(rc);
out:
	kfree(buf);
	return ret;
}

/**
 * ep11_xfer_serial() - the card's serial number (get_xcp_info module)
 * @apqn:    any online APQN of the card
 * @serial:  the returned 16 characters
 * @timeout: jiffies for the round trip
 *
 * Context: process context, may sleep.
 * Return: 0, -EREMOTEIO, -EPROTO or ep11_xfer()'s error.
 */
int ep11_xfer_serial(struct ep11_apqn *apqn, char serial[EP11_SERIAL_LEN],
		     unsigned long timeout)
{
	char sn[EP11_SERIAL_LEN + 1];
	u32 rc = 0, api, major, minor;
	int ret, len;
	u8 *buf;

	buf = kzalloc(2 * EP11_XFER_BUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = ep11_wire_enc_xcp_info(buf, EP11_XFER_BUF, apqn->domain,
				     EP11_XCP_QUERY_MODULE);
	ret = ep11_xfer_round_trip(apqn, buf, len, timeout);
	if (ret < 0)
		goto out;
	if (ep11_wire_dec_xcp_module(buf + EP11_XFER_BUF, ret, apqn->domain,
				     &rc, sn, &api, &major, &minor) < 0) {
		ret = ep11_xfer_malformed(apqn);
		goto out;
	}
	ret = ep11_xfer_rc_errno(rc);
	if (!ret)
		memcpy(serial, sn, EP11_SERIAL_LEN);
out:
	kfree(buf);
	return ret;
}

/**
 * ep11_xfer_wkid() - a domain's wrapping key verification pattern
 * @apqn:    the APQN (get_xcp_info domain query)
 * @wkid:    the returned 16 bytes
 * @timeout: jiffies for the round trip
 *
 * Context: process context, may sleep.
 * Return: 0, -EREMOTEIO, -EPROTO or ep11_xfer()'s error.
 */
int ep11_xfer_wkid(struct ep11_apqn *apqn, u8 wkid[EP11_WKID_LEN],
		   unsigned long timeout)
{
	u8 w[EP11_WKID_LEN];
	u32 rc = 0;
	int ret, len;
	u8 *buf;

	buf = kzalloc(2 * EP11_XFER_BUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = ep11_wire_enc_xcp_info(buf, EP11_XFER_BUF, apqn->domain,
				     EP11_XCP_QUERY_DOMAIN);
	ret = ep11_xfer_round_trip(apqn, buf, len, timeout);
	if (ret < 0)
		goto out;
	if (ep11_wire_dec_xcp_domain(buf + EP11_XFER_BUF, ret, apqn->domain,
				     &rc, w) < 0) {
		ret = ep11_xfer_malformed(apqn);
		goto out;
	}
	ret = ep11_xfer_rc_errno(rc);
	if (!ret)
		memcpy(wkid, w, EP11_WKID_LEN);
out:
	kfree(buf);
	return ret;
}
