// SPDX-License-Identifier: GPL-2.0
/*
 * Send: check a user-space EP11 request's framing, point it at the APQN it
 * goes to, append the session's pin blob there as the last parameter, and
 * move on to the session's next APQN when one is offline or fails in
 * transport.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/unaligned.h>

#include "card.h"
#include "chardev.h"
#include "ep11_wire.h"
#include "send.h"
#include "session.h"
#include "xfer.h"

/* Room for the appended pin blob: OCTET STRING header + a longer length. */
#define EP11_SEND_SLACK		(EP11_PINBLOB_LEN + 16)
#define EP11_SEND_MAX_TIMEOUT	600000

struct ep11_send_target {
	struct ep11_apqn *apqn;
	const u8 *pinblob;
};

static bool ep11_send_fn_allowed(u32 fn)
{
	switch (fn & 0xffff) {
	case EP11_FN_LOGIN:
	case EP11_FN_LOGOUT:
	case 43:	/* LoginExtended */
	case 44:	/* LogoutExtended */
		return false;
	default:
		return true;
	}
}

/* The session's live APQNs, the requested one first. */
static unsigned int ep11_send_targets(struct ep11_session *sess,
				      struct ep11_apqn *first,
				      struct ep11_send_target *t)
{
	unsigned int i, n = 0, na = ep11_session_napqns(sess);
	struct ep11_sess_apqn *sa;

	if (first) {
		sa = ep11_session_find_apqn(sess, first);
		if (!sa || READ_ONCE(sa->state) != EP11SESS_STATE_LIVE)
			return 0;
		t[n].apqn = sa->apqn;
		t[n++].pinblob = sa->pinblob;
	}
	for (i = 0; i < na; i++) {
		sa = &sess->apqns[i];
		if (sa->apqn == first ||
		    READ_ONCE(sa->state) != EP11SESS_STATE_LIVE)
			continue;
		t[n].apqn = sa->apqn;
		t[n++].pinblob = sa->pinblob;
	}
	return n;
}

static int ep11_send_validate(struct ep11_file *ef, struct ep11sess_send *s)
{
	const u32 known = EP11SESS_SEND_SESSION | EP11SESS_SEND_ANY_APQN;

	if (s->flags & ~known || s->apqn.pad || s->rep_len)
		return -EINVAL;
	if ((s->flags & known) ? !s->handle : s->handle)
		return -EINVAL;
	if (s->req_len < EP11_CPRB_LEN || s->req_len > EP11_MAX_MSG_LEN ||
	    s->rep_cap < EP11_CPRB_LEN || !s->req || !s->rep ||
	    s->timeout_ms > EP11_SEND_MAX_TIMEOUT)
		return -EINVAL;
	return 0;
}

/**
 * ep11_send_check_cprb() - refuse CPRB fields user space must leave alone
 * @req: a request whose framing ep11_wire_parse_request() accepted
 *
 * The kernel passes the header through to the card, so the fields only a
 * card or the transport may set (source id, return code, the reserved
 * words) must be zero, and only the flags EP11 defines may be set.
 * Whether the admin flag is allowed is the caller's business.
 *
 * Context: any context.
 * Return: 0 or -EINVAL.
 */
int ep11_send_check_cprb(const void *req)
{
	const struct ep11_cprb *c = req;

	if (c->flags & ~(EP11_CPRB_FLAG_ADMIN | EP11_CPRB_FLAG_SPECIAL) ||
	    c->source_id || c->ret_code || c->reserved1 || c->reserved2)
		return -EINVAL;
	return 0;
}

/**
 * ep11_send() - the EP11SESS_IOC_SEND command
 * @ef: the caller's file
 * @s:  the command; @s->apqn and @s->rep_len are set on success
 *
 * Context: process context, sleeps for the round trip; no locks held.
 * Return: 0 when a reply came, else a negative errno.
 */
int ep11_send(struct ep11_file *ef, struct ep11sess_send *s)
{
	struct ep11_send_target targets[EP11SESS_MAX_APQNS];
	struct ep11_session *sess = NULL;
	struct ep11_card *card = NULL;
	struct ep11_apqn *apqn = NULL;
	unsigned int n, i, dom_off;
	unsigned long timeout;
	size_t cap, rep_cap;
	u8 *req, *work, *rep = NULL;
	struct ep11_msg m;
	int ret, len;

	ret = ep11_send_validate(ef, s);
	if (ret)
		return ret;
	cap = s->req_len + EP11_SEND_SLACK;
	req = kvmalloc(2 * cap, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	work = req + cap;
	if (copy_from_user(req, u64_to_user_ptr(s->req), s->req_len)) {
		ret = -EFAULT;
		goto out;
	}
	ret = ep11_wire_parse_request(req, s->req_len, &m);
	if (ret < 0 || !ep11_send_fn_allowed(m.fn) ||
	    ep11_send_check_cprb(req)) {
		ret = -EINVAL;
		goto out;
	}
	if ((m.flags & EP11_CPRB_FLAG_ADMIN) && !capable(CAP_SYS_ADMIN)) {
		ret = -EPERM;
		goto out;
	}
	/* The payload's domain is the 4-byte OCTET STRING before params. */
	dom_off = m.params - req - 4;
	if (m.params - req < EP11_CPRB_LEN + 2 + 12 ||
	    req[dom_off - 2] != EP11_TAG_OCTET_STRING || req[dom_off - 1] != 4) {
		ret = -EINVAL;
		goto out;
	}

	if (!(s->flags & EP11SESS_SEND_ANY_APQN) || !s->handle) {
		card = ep11_card_get(s->apqn.card);
		apqn = card ? ep11_apqn_find(card, s->apqn.domain) : NULL;
		if (!apqn) {
			ret = -ENODEV;
			goto out;
		}
	}
	if (s->handle) {
		sess = ep11_file_session(ef, s->handle);
		if (IS_ERR(sess)) {
			ret = PTR_ERR(sess);
			sess = NULL;
			goto out;
		}
		n = ep11_send_targets(sess, apqn, targets);
	} else {
		targets[0].apqn = apqn;
		targets[0].pinblob = NULL;
		n = 1;
	}
	if (!n) {
		ret = -ENODEV;
		goto out;
	}

	rep_cap = min_t(size_t, s->rep_cap, EP11_MAX_MSG_LEN);
	rep = kvmalloc(rep_cap, GFP_KERNEL);
	if (!rep) {
		ret = -ENOMEM;
		goto out;
	}
	timeout = s->timeout_ms ? msecs_to_jiffies(s->timeout_ms) :
		  ep11_xfer_default_timeout();
	ret = -ENODEV;
	for (i = 0; i < n; i++) {
		struct ep11_cprb *cprb = (struct ep11_cprb *)work;
		u16 domain = targets[i].apqn->domain;

		memcpy(work, req, s->req_len);
		cprb->target_id = cpu_to_be32(domain);
		put_unaligned_be32(domain, work + dom_off);
		len = s->req_len;
		if (s->flags & EP11SESS_SEND_SESSION) {
			len = ep11_wire_append(work, len, cap,
					       targets[i].pinblob,
					       EP11_PINBLOB_LEN);
			if (len < 0) {
				ret = -EINVAL;
				break;
			}
		}
		ret = ep11_xfer(targets[i].apqn, work, len, rep, rep_cap,
				timeout);
		if (ret == -ENODEV || ret == -EIO) {
			if (sess)
				continue;
			break;
		}
		if (ret < 0)
			break;
		s->apqn.card = targets[i].apqn->card->id;
		s->apqn.domain = domain;
		break;
	}
	memzero_explicit(work, cap);
	if (ret < 0)
		goto out;
	len = ret;
	if (ep11_wire_parse_reply(rep, len, &m) < 0) {
		ret = -EBADMSG;
		goto out;
	}
	if (copy_to_user(u64_to_user_ptr(s->rep), rep, len)) {
		ret = -EFAULT;
		goto out;
	}
	s->rep_len = len;
	ret = 0;
out:
	kvfree(rep);
	kvfree(req);
	ep11_session_put(sess);
	ep11_card_put(card);
	return ret;
}
