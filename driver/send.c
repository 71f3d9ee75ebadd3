// SPDX-License-Identifier: GPL-2.0
/*
 * Send: check a user-space EP11 request's framing and that it is the
 * unbound form of a function the kernel knows, point it at the APQN it
 * goes to, append the session's pin blob there as the last parameter, and
 * move on to the session's next APQN when one is offline or fails in
 * transport; when none answers, wait for the session to be logged in again
 * on a card that comes back.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/unaligned.h>

#include "card.h"
#include "chardev.h"
#include "ep11_wire.h"
#include "relogin.h"
#include "send.h"
#include "session.h"
#include "xfer.h"

#define EP11_SEND_MAX_TIMEOUT	600000

/*
 * Reply buffers of full size kept for the next request, module-wide.  A
 * reply may be up to %EP11_MAX_MSG_LEN long, and a buffer that large,
 * allocated anew for every request, is zeroed page by page where
 * init_on_alloc is on (Debian's default): that costs more than the rest
 * of a signature's way through the kernel.  A kept buffer is wiped as far
 * as it may have been written before it is kept.  The kept buffers (256
 * KiB at most) stay until the module is unloaded.
 */
static DEFINE_SPINLOCK(ep11_send_rep_lock);
static void *ep11_send_reps[EP11_SEND_REP_KEEP];
static unsigned int ep11_send_nreps;

static void *ep11_send_rep_get(size_t cap)
{
	void *buf = NULL;

	if (cap == EP11_MAX_MSG_LEN) {
		spin_lock(&ep11_send_rep_lock);
		if (ep11_send_nreps)
			buf = ep11_send_reps[--ep11_send_nreps];
		spin_unlock(&ep11_send_rep_lock);
		if (buf)
			return buf;
	}
	/* A kept buffer is all zero but for what a reply wrote. */
	return cap == EP11_MAX_MSG_LEN ? kvzalloc(cap, GFP_KERNEL) :
					 kvmalloc(cap, GFP_KERNEL);
}

/* @dirty: how much of @buf (@cap bytes) may have been written. */
static void ep11_send_rep_put(void *buf, size_t cap, size_t dirty)
{
	if (!buf)
		return;
	memzero_explicit(buf, min(dirty, cap));
	if (cap == EP11_MAX_MSG_LEN) {
		spin_lock(&ep11_send_rep_lock);
		if (ep11_send_nreps < EP11_SEND_REP_KEEP) {
			ep11_send_reps[ep11_send_nreps++] = buf;
			buf = NULL;
		}
		spin_unlock(&ep11_send_rep_lock);
	}
	kvfree(buf);
}

/**
 * ep11_send_uninit() - free the reply buffers kept for reuse
 *
 * Context: module exit, when no request can be in progress.
 */
void ep11_send_uninit(void)
{
	/* No lock: nothing else runs, and kvfree() may sleep. */
	while (ep11_send_nreps)
		kvfree(ep11_send_reps[--ep11_send_nreps]);
}

/**
 * struct ep11_send_target - an APQN a request may go to
 * @apqn:     the APQN, with a reference on its card
 * @pinblob:  the session's pin blob there, or NULL
 * @sa:       the session's entry, or NULL
 * @relogins: @sa's count of relogins when the target was taken
 */
struct ep11_send_target {
	struct ep11_apqn *apqn;
	const u8 *pinblob;
	struct ep11_sess_apqn *sa;
	u32 relogins;
};

static bool ep11_send_take(struct ep11_send_target *t, struct ep11_apqn *apqn,
			   struct ep11_sess_apqn *sa)
{
	/* A card the session has just left may be on its way out. */
	if (!kref_get_unless_zero(&apqn->card->ref))
		return false;
	t->apqn = apqn;
	t->sa = sa;
	t->pinblob = sa ? sa->pinblob : NULL;
	t->relogins = sa ? READ_ONCE(sa->relogins) : 0;
	return true;
}

/*
 * The session's live APQNs, the requested one first (when it is live),
 * each with a reference on its card.  An entry may move to another card
 * meanwhile (relogin.c): its card's memory outlives an RCU grace period.
 */
static unsigned int ep11_send_targets(struct ep11_session *sess,
				      struct ep11_apqn *first,
				      struct ep11_send_target *t)
{
	unsigned int i, n = 0, na = ep11_session_napqns(sess);
	struct ep11_sess_apqn *sa;
	struct ep11_apqn *apqn;

	rcu_read_lock();
	if (first) {
		sa = ep11_session_find_apqn(sess, first);
		if (!sa)
			goto out;
		/* Pairs with the release in relogin.c: @apqn after @state. */
		if (smp_load_acquire(&sa->state) == EP11SESS_STATE_LIVE &&
		    READ_ONCE(sa->apqn) == first &&
		    ep11_send_take(&t[n], first, sa))
			n++;
	}
	for (i = 0; i < na; i++) {
		sa = &sess->apqns[i];
		/* As above: the entry's @apqn is read after its @state. */
		if (smp_load_acquire(&sa->state) != EP11SESS_STATE_LIVE)
			continue;
		apqn = READ_ONCE(sa->apqn);
		if (apqn != first && ep11_send_take(&t[n], apqn, sa))
			n++;
	}
out:
	rcu_read_unlock();
	return n;
}

static int ep11_send_validate(struct ep11_file *ef, struct ep11sess_send *s)
{
	const u32 bound = EP11SESS_SEND_SESSION | EP11SESS_SEND_ANY_APQN;

	if (s->flags & ~(bound | EP11SESS_SEND_NO_WAIT) || s->apqn.pad ||
	    s->rep_len || s->result || s->reserved)
		return -EINVAL;
	if ((s->flags & bound) ? !s->handle : s->handle)
		return -EINVAL;
	/* Only a bound request waits: the flag needs one. */
	if ((s->flags & EP11SESS_SEND_NO_WAIT) && !(s->flags & bound))
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
 * ep11_send_check_fn() - whether a request fits its function as sent
 * @m:     the request, as ep11_wire_parse_request() parsed it
 * @flags: the send's EP11SESS_SEND_* flags
 *
 * The kernel knows every function it passes (ep11_wire_fn_sig()) and
 * passes only the unbound form, exactly the function's parameter count:
 * the pin blob is the kernel's to add, so a request whose count is that
 * of the bound form (one the caller completed with a pin blob of its own)
 * is refused like any other count.  %EP11SESS_SEND_SESSION needs a
 * function that takes a pin blob; the kernel then appends it as the
 * last parameter, and the card sees the bound form.  Functions that start
 * or end a login session are the LOGIN and LOGOUT ioctls' own.
 *
 * Context: any context.
 * Return: 0, or -EINVAL for an unknown function, a login function, a
 * parameter count that is not the function's, or %EP11SESS_SEND_SESSION
 * with a function that takes no pin blob.
 */
int ep11_send_check_fn(const struct ep11_msg *m, u32 flags)
{
	const struct ep11_fn_sig *sig = ep11_wire_fn_sig(m->fn);

	if (!sig || (sig->flags & EP11_SIG_LOGIN))
		return -EINVAL;
	if (ep11_wire_req_form(m) != EP11_FORM_UNBOUND)
		return -EINVAL;
	if ((flags & EP11SESS_SEND_SESSION) &&
	    !(sig->flags & EP11_SIG_PINBLOB))
		return -EINVAL;
	return 0;
}

/**
 * ep11_send_needs_admin() - whether a request needs CAP_SYS_ADMIN
 * @m: the request, as ep11_wire_parse_request() parsed it
 *
 * Administrative functions do, and so does any request with the CPRB
 * admin flag, whatever its function.
 *
 * Context: any context.
 * Return: true when the sender must have CAP_SYS_ADMIN.
 */
bool ep11_send_needs_admin(const struct ep11_msg *m)
{
	const struct ep11_fn_sig *sig = ep11_wire_fn_sig(m->fn);

	return (m->flags & EP11_CPRB_FLAG_ADMIN) ||
	       (sig && (sig->flags & EP11_SIG_ADMIN));
}

/**
 * ep11_send_build() - a checked request as it goes to one APQN
 * @work:    room for the result
 * @cap:     its size, at least @len + %EP11_SEND_SLACK
 * @req:     the caller's request, accepted by ep11_send_check_fn()
 * @len:     its length
 * @m:       @req as ep11_wire_parse_request() parsed it
 * @domain:  the APQN's domain, set in the header and the payload
 * @pinblob: the session's pin blob on that APQN, appended as the last
 *           parameter; NULL for an unbound request
 *
 * Context: any context; writes @work only.
 * Return: the length of the request in @work, or -EINVAL when @req is not
 * what @m describes or the pin blob does not fit.
 */
int ep11_send_build(u8 *work, size_t cap, const u8 *req, size_t len,
		    const struct ep11_msg *m, u16 domain, const u8 *pinblob)
{
	struct ep11_cprb *cprb = (struct ep11_cprb *)work;
	size_t dom_off;
	int ret;

	/* The payload's domain is the 4-byte OCTET STRING before params. */
	if (m->params < req + EP11_CPRB_LEN + 2 + 12 ||
	    m->params > req + len || len > cap)
		return -EINVAL;
	dom_off = m->params - req - 4;
	if (req[dom_off - 2] != EP11_TAG_OCTET_STRING || req[dom_off - 1] != 4)
		return -EINVAL;
	memcpy(work, req, len);
	cprb->target_id = cpu_to_be32(domain);
	put_unaligned_be32(domain, work + dom_off);
	if (!pinblob)
		return len;
	ret = ep11_wire_append(work, len, cap, pinblob, EP11_PINBLOB_LEN);
	return ret < 0 ? -EINVAL : ret;
}

/**
 * struct ep11_send_ctx - one send across its passes
 * @s:       the command
 * @m:       the request as parsed
 * @req:     the caller's request
 * @work:    room for the request as it goes to one APQN
 * @cap:     the size of @req and of @work
 * @rep:     room for the reply
 * @rep_cap: its size
 * @rep_dirty: how much of @rep a provider may have written
 * @timeout: jiffies for each round trip
 * @sess:    the session, or NULL for an unbound request
 * @forgot:  the APQN (with a card reference) whose card answered a bound
 *           request CKR_SESSION_CLOSED, or NULL
 * @forgot_sa: the session's entry there
 * @forgot_relogins: its count of relogins when the request went there
 */
struct ep11_send_ctx {
	struct ep11sess_send *s;
	struct ep11_msg m;
	u8 *req;
	u8 *work;
	size_t cap;
	u8 *rep;
	size_t rep_cap;
	size_t rep_dirty;
	unsigned long timeout;
	struct ep11_session *sess;
	struct ep11_apqn *forgot;
	struct ep11_sess_apqn *forgot_sa;
	u32 forgot_relogins;
};

/* A bound request's answer: the card does not know the session. */
static bool ep11_send_closed(struct ep11_send_ctx *sc, int len)
{
	struct ep11_msg m;

	return sc->sess && (sc->s->flags & EP11SESS_SEND_SESSION) &&
	       ep11_wire_parse_reply(sc->rep, len, &m) >= 0 &&
	       m.rc == EP11_CKR_SESSION_CLOSED;
}

/*
 * One pass: the request to the named APQN (resolved anew, its card may
 * have been replaced) and, when bound, to the session's other live APQNs
 * until one answers.  Returns the reply length or a negative errno.
 */
static int ep11_send_pass(struct ep11_send_ctx *sc)
{
	struct ep11_send_target targets[EP11SESS_MAX_APQNS];
	struct ep11sess_send *s = sc->s;
	struct ep11_card *card = NULL;
	struct ep11_apqn *apqn = NULL;
	unsigned int n = 0, i;
	int ret, len;

	if (!(s->flags & EP11SESS_SEND_ANY_APQN) || !s->handle) {
		card = ep11_card_get(s->apqn.card);
		apqn = card ? ep11_apqn_find(card, s->apqn.domain) : NULL;
		if (!apqn) {
			ep11_card_put(card);
			return -ENODEV;
		}
	}
	if (sc->sess)
		n = ep11_send_targets(sc->sess, apqn, targets);
	else if (ep11_send_take(&targets[0], apqn, NULL))
		n = 1;
	ep11_card_put(card);

	ret = -ENODEV;
	for (i = 0; i < n; i++) {
		u16 domain = targets[i].apqn->domain;

		if (ret != -ENODEV && ret != -EIO)
			break;
		len = ep11_send_build(sc->work, sc->cap, sc->req, s->req_len,
				      &sc->m, domain,
				      (s->flags & EP11SESS_SEND_SESSION) ?
				      targets[i].pinblob : NULL);
		if (len < 0) {
			ret = len;
			break;
		}
		ret = ep11_xfer(targets[i].apqn, sc->work, len, sc->rep,
				sc->rep_cap, sc->timeout);
		/* A failed round trip may have left a busy reply behind. */
		sc->rep_dirty = max_t(size_t, sc->rep_dirty,
				      ret >= 0 ? ret : sc->rep_cap);
		if (ret >= 0) {
			s->apqn.card = targets[i].apqn->card->id;
			s->apqn.domain = domain;
			if (ep11_send_closed(sc, ret)) {
				kref_get(&targets[i].apqn->card->ref);
				sc->forgot = targets[i].apqn;
				sc->forgot_sa = targets[i].sa;
				sc->forgot_relogins = targets[i].relogins;
			}
		}
	}
	memzero_explicit(sc->work, sc->cap);
	for (i = 0; i < n; i++)
		ep11_card_put(targets[i].apqn->card);
	return ret;
}

/*
 * The checks of a request in @sc->req: framing, CPRB fields and the
 * function's signature (-EINVAL), the capability (-EPERM), the named APQN
 * (-ENODEV).
 */
static int ep11_send_check(struct ep11_send_ctx *sc)
{
	struct ep11sess_send *s = sc->s;
	struct ep11_card *card;
	int ret;

	ret = ep11_wire_parse_request(sc->req, s->req_len, &sc->m);
	if (ret < 0 || ep11_send_check_cprb(sc->req) ||
	    ep11_send_check_fn(&sc->m, s->flags))
		return -EINVAL;
	if (ep11_send_needs_admin(&sc->m) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	if ((s->flags & EP11SESS_SEND_ANY_APQN) && s->handle)
		return 0;
	card = ep11_card_get(s->apqn.card);
	ret = card && ep11_apqn_find(card, s->apqn.domain) ? 0 : -ENODEV;
	ep11_card_put(card);
	return ret;
}

/*
 * Passes until a reply comes, or the wait for the session to be logged in
 * again gives up.  Returns the reply length or a negative errno.
 */
static int ep11_send_loop(struct ep11_send_ctx *sc)
{
	unsigned long deadline = 0, seq;
	int ret, why;

	sc->rep_cap = min_t(size_t, sc->s->rep_cap, EP11_MAX_MSG_LEN);
	sc->rep = ep11_send_rep_get(sc->rep_cap);
	if (!sc->rep)
		return -ENOMEM;
	sc->timeout = sc->s->timeout_ms ? msecs_to_jiffies(sc->s->timeout_ms) :
		      ep11_xfer_default_timeout();
	for (;;) {
		seq = ep11_relogin_seq();
		ret = ep11_send_pass(sc);
		if (!sc->sess || (ret != -ENODEV && ret != -EIO) ||
		    (sc->s->flags & EP11SESS_SEND_NO_WAIT))
			break;
		if (!deadline)
			deadline = ep11_relogin_deadline();
		why = ep11_relogin_wait(sc->sess, seq, deadline);
		if (why) {
			if (why != -ENODEV)
				ret = why;
			break;
		}
		/* A card that keeps coming and going: no pass past the wait. */
		if (time_after(jiffies, deadline))
			break;
	}
	if (sc->forgot) {
		/* The card restarted unseen: log the session in again. */
		ep11_relogin_forgotten(sc->sess, sc->forgot,
				       sc->forgot_relogins,
				       !(sc->s->flags & EP11SESS_SEND_NO_WAIT));
		if (READ_ONCE(sc->forgot_sa->relogins) != sc->forgot_relogins)
			sc->s->result |= EP11SESS_SEND_RELOGGED_IN;
		ep11_card_put(sc->forgot->card);
		sc->forgot = NULL;
	}
	if (ret >= 0 && ep11_wire_parse_reply(sc->rep, ret, &sc->m) < 0)
		ret = -EBADMSG;
	return ret;
}

/**
 * ep11_send() - the EP11SESS_IOC_SEND command
 * @ef: the caller's file
 * @s:  the command; @s->apqn and @s->rep_len are set on success
 *
 * A bound request none of whose session's APQNs answers (offline, gone,
 * failed in transport) while one of them may be logged in again waits
 * for that, up to relogin_wait_ms, and is sent again (relogin.c), unless
 * %EP11SESS_SEND_NO_WAIT.  A bound request the card answers
 * CKR_SESSION_CLOSED (it restarted unseen) makes the kernel log the
 * session in again there before it returns that answer (after it, with
 * %EP11SESS_SEND_NO_WAIT); @s->result then says whether the session was
 * logged in again there since the request went to the card.
 *
 * Context: process context, sleeps for the round trips and the wait; no
 * locks held.
 * Return: 0 when a reply came, else a negative errno.
 */
int ep11_send(struct ep11_file *ef, struct ep11sess_send *s)
{
	struct ep11_send_ctx sc = { .s = s };
	int ret;

	ret = ep11_send_validate(ef, s);
	if (ret)
		return ret;
	sc.cap = s->req_len + EP11_SEND_SLACK;
	sc.req = kvmalloc(2 * sc.cap, GFP_KERNEL);
	if (!sc.req)
		return -ENOMEM;
	sc.work = sc.req + sc.cap;
	if (copy_from_user(sc.req, u64_to_user_ptr(s->req), s->req_len)) {
		ret = -EFAULT;
		goto out;
	}
	ret = ep11_send_check(&sc);
	if (ret)
		goto out;
	if (s->handle) {
		sc.sess = ep11_file_session(ef, s->handle);
		if (IS_ERR(sc.sess)) {
			ret = PTR_ERR(sc.sess);
			sc.sess = NULL;
			goto out;
		}
	}
	ret = ep11_send_loop(&sc);
	if (ret < 0)
		goto out;
	if (copy_to_user(u64_to_user_ptr(s->rep), sc.rep, ret)) {
		ret = -EFAULT;
		goto out;
	}
	s->rep_len = ret;
	ret = 0;
out:
	ep11_send_rep_put(sc.rep, sc.rep_cap, sc.rep_dirty);
	kvfree(sc.req);
	ep11_session_put(sc.sess);
	return ret;
}

#if IS_ENABLED(CONFIG_EP11SESS_KUNIT_TEST)
/**
 * ep11_send_rep_kept() - the reply buffers kept for reuse
 * @bufs: room for %EP11_SEND_REP_KEEP pointers
 *
 * For the KUnit suites.
 *
 * Context: any; takes the pool's lock.
 * Return: how many are kept; @bufs gets them, the next to be reused last.
 */
unsigned int ep11_send_rep_kept(void **bufs)
{
	unsigned int n;

	spin_lock(&ep11_send_rep_lock);
	n = ep11_send_nreps;
	memcpy(bufs, ep11_send_reps, n * sizeof(*bufs));
	spin_unlock(&ep11_send_rep_lock);
	return n;
}

/**
 * ep11_send_kernel() - EP11SESS_IOC_SEND on kernel buffers
 * @sess: the session of a bound request (@s->handle is not looked up; it
 *        must only be non-zero), or NULL
 * @s:    the command as the ioctl takes it; @s->req and @s->rep must be
 *        non-zero but are not read
 * @req:  the request, @s->req_len bytes
 * @rep:  room for @s->rep_cap bytes of reply
 *
 * For the KUnit suites: the command without user memory.
 *
 * Context: process context, as ep11_send().
 * Return: as ep11_send().
 */
int ep11_send_kernel(struct ep11_session *sess, struct ep11sess_send *s,
		     const void *req, void *rep)
{
	struct ep11_send_ctx sc = { .s = s, .sess = sess };
	int ret;

	ret = ep11_send_validate(NULL, s);
	if (ret)
		return ret;
	sc.cap = s->req_len + EP11_SEND_SLACK;
	sc.req = kvmalloc(2 * sc.cap, GFP_KERNEL);
	if (!sc.req)
		return -ENOMEM;
	sc.work = sc.req + sc.cap;
	memcpy(sc.req, req, s->req_len);
	ret = ep11_send_check(&sc);
	if (!ret)
		ret = ep11_send_loop(&sc);
	if (ret >= 0) {
		memcpy(rep, sc.rep, ret);
		s->rep_len = ret;
		ret = 0;
	}
	ep11_send_rep_put(sc.rep, sc.rep_cap, sc.rep_dirty);
	kvfree(sc.req);
	return ret;
}
#endif
