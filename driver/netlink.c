// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family ep11sess: a dump of the APQNs with their
 * counts, a dump of the sessions, a dump of the orphaned logouts (those
 * removed cards owe), the privileged logout, and the multicast group
 * "events" fed from the core's event notifier.
 *
 * Every command has its own policy and unknown attributes are refused.
 * The APQN dump resumes from a (card, APQN index) cursor; the session and
 * orphan dumps take a snapshot of what they show when they start and
 * resume from an index into it, so a dump across many messages shows
 * every entry of that moment exactly once.  The family runs its
 * operations in parallel: the logout may wait for the cards.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <linux/ep11sess_genl.h>

#include "card.h"
#include "chardev.h"
#include "event.h"
#include "fleet.h"
#include "named.h"
#include "netlink.h"
#include "orphan.h"
#include "session.h"
#include "xfer.h"

static struct genl_family ep11_genl_family;

enum ep11_genl_mcgrp {
	EP11_GENL_MCGRP_EVENTS,
};

static const struct genl_multicast_group ep11_genl_mcgrps[] = {
	[EP11_GENL_MCGRP_EVENTS] = {
		.name = EP11SESS_GENL_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_SYS_ADMIN,
	},
};

static const struct nla_policy ep11_apqn_get_policy[EP11SESS_A_REFRESH + 1] = {
	[EP11SESS_A_CARD] = { .type = NLA_U8 },
	[EP11SESS_A_DOMAIN] = NLA_POLICY_MAX(NLA_U16, 0xff),
	[EP11SESS_A_REFRESH] = { .type = NLA_FLAG },
};

static const struct nla_policy ep11_session_get_policy[EP11SESS_A_BEFORE_NS + 1] = {
	[EP11SESS_A_CARD] = { .type = NLA_U8 },
	[EP11SESS_A_DOMAIN] = NLA_POLICY_MAX(NLA_U16, 0xff),
	[EP11SESS_A_PUBLIC_ID] = NLA_POLICY_EXACT_LEN(EP11_PUBLIC_ID_LEN),
	[EP11SESS_A_PID] = NLA_POLICY_MIN(NLA_U32, 1),
	[EP11SESS_A_BEFORE_NS] = { .type = NLA_U64 },
};

/* The orphan dump takes no attribute: each one is refused. */
static const struct nla_policy ep11_orphan_get_policy[EP11SESS_A_PAD + 1] = {
	[EP11SESS_A_PAD] = { .type = NLA_REJECT },
};

static const struct nla_policy ep11_logout_policy[EP11SESS_A_FORCE + 1] = {
	[EP11SESS_A_CARD] = { .type = NLA_U8 },
	[EP11SESS_A_DOMAIN] = NLA_POLICY_MAX(NLA_U16, 0xff),
	[EP11SESS_A_PUBLIC_ID] = NLA_POLICY_EXACT_LEN(EP11_PUBLIC_ID_LEN),
	[EP11SESS_A_PID] = NLA_POLICY_MIN(NLA_U32, 1),
	[EP11SESS_A_BEFORE_NS] = { .type = NLA_U64 },
	[EP11SESS_A_FORCE] = { .type = NLA_FLAG },
};

/**
 * struct ep11_nl_filter - the session filters of a request
 * @flags:     EP11SESS_ADMIN_BY_* bits of the filters given
 * @public_id: with %EP11SESS_ADMIN_BY_ID
 * @pid:       with %EP11SESS_ADMIN_BY_PID
 * @before_ns: with %EP11SESS_ADMIN_BEFORE
 * @card:      with %EP11SESS_ADMIN_BY_APQN
 * @domain:    with %EP11SESS_ADMIN_BY_APQN
 */
struct ep11_nl_filter {
	u32 flags;
	u8 public_id[EP11_PUBLIC_ID_LEN];
	pid_t pid;
	u64 before_ns;
	u8 card;
	u16 domain;
};

/*
 * Errors a dump finds at its start: the start callback has no extended
 * ack to explain them, so the first dumpit call returns them and the
 * NLMSG_DONE message carries the explanation.
 */
enum ep11_nl_dump_error {
	EP11_NL_DUMP_OK,
	EP11_NL_DUMP_HALF_APQN,
	EP11_NL_DUMP_NO_APQN,
};

static int ep11_nl_dump_error(struct netlink_callback *cb,
			      enum ep11_nl_dump_error err)
{
	switch (err) {
	case EP11_NL_DUMP_OK:
		break;
	case EP11_NL_DUMP_HALF_APQN:
		NL_SET_ERR_MSG(cb->extack, "an APQN needs both card and domain");
		return -EINVAL;
	case EP11_NL_DUMP_NO_APQN:
		NL_SET_ERR_MSG(cb->extack, "no such APQN");
		return -ENODEV;
	}
	return 0;
}

/* Returns false when only one of card and domain is given. */
static bool ep11_nl_parse_filter(struct nlattr **tb, struct ep11_nl_filter *f)
{
	memset(f, 0, sizeof(*f));
	if (tb[EP11SESS_A_PUBLIC_ID]) {
		f->flags |= EP11SESS_ADMIN_BY_ID;
		nla_memcpy(f->public_id, tb[EP11SESS_A_PUBLIC_ID],
			   sizeof(f->public_id));
	}
	if (tb[EP11SESS_A_PID]) {
		f->flags |= EP11SESS_ADMIN_BY_PID;
		f->pid = nla_get_u32(tb[EP11SESS_A_PID]);
	}
	if (tb[EP11SESS_A_BEFORE_NS]) {
		f->flags |= EP11SESS_ADMIN_BEFORE;
		f->before_ns = nla_get_u64(tb[EP11SESS_A_BEFORE_NS]);
	}
	if (!tb[EP11SESS_A_CARD] != !tb[EP11SESS_A_DOMAIN])
		return false;
	if (tb[EP11SESS_A_CARD]) {
		f->flags |= EP11SESS_ADMIN_BY_APQN;
		f->card = nla_get_u8(tb[EP11SESS_A_CARD]);
		f->domain = nla_get_u16(tb[EP11SESS_A_DOMAIN]);
	}
	return true;
}

/* APQN dump. */

/**
 * struct ep11_nl_apqn_ctx - cursor of an APQN dump, in cb->ctx
 * @card:   the next card id to look at
 * @index:  the next APQN index in that card
 * @cached: the counts were not refreshed
 * @filter: only the APQN @fcard.@fdomain
 * @fcard:  with @filter
 * @fdomain: with @filter
 * @err:    an &enum ep11_nl_dump_error found at the start
 */
struct ep11_nl_apqn_ctx {
	unsigned int card;
	unsigned int index;
	bool cached;
	bool filter;
	u8 fcard;
	u16 fdomain;
	int err;
};

/**
 * struct ep11_nl_apqn - one APQN's numbers, read under its card's lock
 * @card:     adapter
 * @domain:   domain
 * @online:   online and registered
 * @valid:    the card answered its counts
 * @serial:   the card's serial number
 * @max:      the card's max sessions
 * @avail:    the card's available sessions
 * @card_held: the kernel's sessions on the card
 * @held:     the kernel's sessions through the APQN
 * @pending:  pending logouts
 * @stats:    the counters
 * @unaccounted: the card's sessions this host does not hold
 * @host_share: this host's share of the card, 0 for none
 * @wkid_valid: @wkid is the domain's, as last read
 * @wkid:     the domain's wrapping key verification pattern
 */
struct ep11_nl_apqn {
	u8 card;
	u16 domain;
	bool online;
	bool valid;
	char serial[EP11_SERIAL_LEN];
	u32 max;
	u32 avail;
	u32 card_held;
	u32 held;
	u32 pending;
	struct ep11_apqn_stats stats;
	u32 unaccounted;
	u32 host_share;
	bool wkid_valid;
	u8 wkid[EP11_WKID_LEN];
};

static int ep11_nl_apqn_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct ep11_nl_apqn_ctx *ctx = (void *)cb->ctx;
	struct nlattr **tb = info->attrs;
	struct ep11_card *card;
	bool found;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	memset(ctx, 0, sizeof(*ctx));
	if (!tb[EP11SESS_A_CARD] != !tb[EP11SESS_A_DOMAIN]) {
		ctx->err = EP11_NL_DUMP_HALF_APQN;
		return 0;
	}
	if (tb[EP11SESS_A_CARD]) {
		ctx->filter = true;
		ctx->fcard = nla_get_u8(tb[EP11SESS_A_CARD]);
		ctx->fdomain = nla_get_u16(tb[EP11SESS_A_DOMAIN]);
		ctx->card = ctx->fcard;
		card = ep11_card_get(ctx->fcard);
		found = card && ep11_apqn_find(card, ctx->fdomain);
		ep11_card_put(card);
		if (!found) {
			ctx->err = EP11_NL_DUMP_NO_APQN;
			return 0;
		}
	}
	ctx->cached = true;
	if (nla_get_flag(tb[EP11SESS_A_REFRESH]) &&
	    netlink_capable(cb->skb, CAP_SYS_ADMIN)) {
		/* Only the card asked about, when one is. */
		ep11_cards_refresh_caps(ctx->filter ? ctx->fcard : -1, 0,
					ep11_xfer_default_timeout());
		ctx->cached = false;
	}
	return 0;
}

static void ep11_nl_apqn_read(struct ep11_card *card, unsigned int i,
			      struct ep11_nl_apqn *a)
{
	struct ep11_apqn *apqn = &card->apqns[i];

	spin_lock(&card->lock);
	a->card = card->id;
	a->domain = apqn->domain;
	a->online = apqn->online && !card->dead;
	a->valid = card->caps_valid;
	memcpy(a->serial, card->serial, sizeof(a->serial));
	a->max = card->max_sessions;
	a->avail = card->avail_sessions;
	a->card_held = card->held;
	a->held = apqn->held;
	a->pending = apqn->pending;
	a->stats = apqn->stats;
	a->unaccounted = card->unaccounted;
	a->host_share = ep11_card_host_share_locked(card);
	a->wkid_valid = apqn->wkid_state == EP11_WKID_VALID;
	if (a->wkid_valid)
		memcpy(a->wkid, apqn->wkid, sizeof(a->wkid));
	spin_unlock(&card->lock);
}

/*
 * The figures of hosts sharing the card, the reclaim histogram and the
 * domain's WKID.
 */
static int ep11_nl_apqn_fill_fleet(struct sk_buff *skb,
				   const struct ep11_nl_apqn *a)
{
	if (a->valid &&
	    nla_put_u32(skb, EP11SESS_A_CARD_UNACCOUNTED, a->unaccounted))
		return -EMSGSIZE;
	if (nla_put_u32(skb, EP11SESS_A_HOST_SHARE, a->host_share) ||
	    nla_put_u64_64bit(skb, EP11SESS_A_RECLAIM_SUM_US,
			      a->stats.reclaim_sum_us, EP11SESS_A_PAD) ||
	    nla_put(skb, EP11SESS_A_RECLAIM_BUCKETS,
		    sizeof(a->stats.reclaim_buckets),
		    a->stats.reclaim_buckets) ||
	    (a->wkid_valid &&
	     nla_put(skb, EP11SESS_A_WKID, sizeof(a->wkid), a->wkid)))
		return -EMSGSIZE;
	return 0;
}

static int ep11_nl_apqn_fill(struct sk_buff *skb, struct netlink_callback *cb,
			     const struct ep11_nl_apqn *a, bool cached)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ep11_genl_family, NLM_F_MULTI,
			  EP11SESS_CMD_APQN_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u8(skb, EP11SESS_A_CARD, a->card) ||
	    nla_put_u16(skb, EP11SESS_A_DOMAIN, a->domain) ||
	    nla_put_u8(skb, EP11SESS_A_ONLINE, a->online) ||
	    nla_put(skb, EP11SESS_A_SERIAL, sizeof(a->serial), a->serial) ||
	    (cached && nla_put_flag(skb, EP11SESS_A_CACHED)) ||
	    (a->valid && (nla_put_flag(skb, EP11SESS_A_CAPS_VALID) ||
			  nla_put_u32(skb, EP11SESS_A_CARD_MAX, a->max) ||
			  nla_put_u32(skb, EP11SESS_A_CARD_AVAIL, a->avail))) ||
	    nla_put_u32(skb, EP11SESS_A_CARD_HELD, a->card_held) ||
	    nla_put_u32(skb, EP11SESS_A_HELD, a->held) ||
	    nla_put_u32(skb, EP11SESS_A_PENDING, a->pending) ||
	    nla_put_u64_64bit(skb, EP11SESS_A_LOGINS, a->stats.logins,
			      EP11SESS_A_PAD) ||
	    nla_put_u64_64bit(skb, EP11SESS_A_LOGOUTS, a->stats.logouts,
			      EP11SESS_A_PAD) ||
	    nla_put_u64_64bit(skb, EP11SESS_A_RECLAIMED, a->stats.reclaimed,
			      EP11SESS_A_PAD) ||
	    nla_put_u64_64bit(skb, EP11SESS_A_LOST, a->stats.lost,
			      EP11SESS_A_PAD) ||
	    nla_put_u64_64bit(skb, EP11SESS_A_ERRORS, a->stats.errors,
			      EP11SESS_A_PAD) ||
	    nla_put_u64_64bit(skb, EP11SESS_A_LAST_RECLAIM_US,
			      a->stats.last_reclaim_us, EP11SESS_A_PAD) ||
	    nla_put_u64_64bit(skb, EP11SESS_A_RELOGINS, a->stats.relogins,
			      EP11SESS_A_PAD) ||
	    ep11_nl_apqn_fill_fleet(skb, a)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int ep11_nl_apqn_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ep11_nl_apqn_ctx *ctx = (void *)cb->ctx;
	struct ep11_nl_apqn a;
	struct ep11_card *card;
	int ret;

	ret = ep11_nl_dump_error(cb, ctx->err);
	if (ret)
		return ret;
	for (; ctx->card < 256; ctx->card++, ctx->index = 0) {
		if (ctx->filter && ctx->card != ctx->fcard)
			break;
		card = ep11_card_get(ctx->card);
		if (!card)
			continue;
		for (; ctx->index < card->napqns; ctx->index++) {
			if (ctx->filter &&
			    card->apqns[ctx->index].domain != ctx->fdomain)
				continue;
			ep11_nl_apqn_read(card, ctx->index, &a);
			ret = ep11_nl_apqn_fill(skb, cb, &a, ctx->cached);
			if (ret)
				break;
		}
		ep11_card_put(card);
		if (ret)
			break;
	}
	if (ret && !skb->len)
		return ret;
	return skb->len;
}

/* Session dump. */

/**
 * struct ep11_nl_sess - one session as the snapshot keeps it
 * @public_id:  the public id
 * @pid:        the owner's tgid in the reader's pid namespace
 * @uid:        the owner's uid in the reader's user namespace
 * @holders:    holders
 * @napqns:     entries in @apqns
 * @created_ns: creation time
 * @shared:     shared session
 * @dying:      no holder left
 * @named:      a named login
 * @kept:       a keep-alive hold keeps it
 * @scope:      the name's &enum ep11sess_scope
 * @scope_id:   the scope's uid or gid in the reader's user namespace
 * @name_head:  the name's first bytes
 * @keep_expires_ns: when the keep-alive hold ends, 0 without a TTL
 * @comm:       the owner's command name
 * @apqns:      its APQNs and their states
 * @apqns.card:   adapter
 * @apqns.domain: domain
 * @apqns.state:  an &enum ep11sess_apqn_state
 */
struct ep11_nl_sess {
	u8 public_id[EP11_PUBLIC_ID_LEN];
	pid_t pid;
	u32 uid;
	u32 holders;
	u32 napqns;
	u64 created_ns;
	bool shared;
	bool dying;
	bool named;
	bool kept;
	u32 scope;
	u32 scope_id;
	u8 name_head[8];
	u64 keep_expires_ns;
	char comm[TASK_COMM_LEN];
	struct {
		u8 card;
		u16 domain;
		u32 state;
	} apqns[EP11SESS_MAX_APQNS];
};

/**
 * struct ep11_nl_sess_ctx - a session dump, in cb->ctx
 * @snap: the snapshot
 * @n:    entries in @snap
 * @pos:  the next entry to send
 * @err:  an &enum ep11_nl_dump_error found at the start
 */
struct ep11_nl_sess_ctx {
	struct ep11_nl_sess *snap;
	unsigned int n;
	unsigned int pos;
	int err;
};

/**
 * struct ep11_nl_snap - a snapshot being taken
 * @filter: the filters
 * @all:    the reader may see every session
 * @uid:    otherwise, the reader's uid
 * @ns:     the reader's pid namespace
 * @snap:   room for @room entries
 * @room:   entries at @snap
 * @n:      sessions that matched
 */
struct ep11_nl_snap {
	const struct ep11_nl_filter *filter;
	bool all;
	kuid_t uid;
	struct pid_namespace *ns;
	struct ep11_nl_sess *snap;
	unsigned int room;
	unsigned int n;
};

static bool ep11_nl_sess_on(struct ep11_session *sess, u8 card, u16 domain)
{
	unsigned int i, n = ep11_session_napqns(sess);

	for (i = 0; i < n; i++)
		if (sess->apqns[i].apqn->card->id == card &&
		    sess->apqns[i].apqn->domain == domain)
			return true;
	return false;
}

static int ep11_nl_snap_one(struct ep11_session *sess, void *arg)
{
	struct ep11_nl_snap *ns = arg;
	const struct ep11_nl_filter *f = ns->filter;
	struct ep11_nl_sess *s;
	unsigned int i, n;
	pid_t pid;

	lockdep_assert_held(&ep11_sess_lock);
	if (!ns->all && !uid_eq(sess->owner_uid, ns->uid))
		return 0;
	pid = pid_nr_ns(sess->owner, ns->ns);
	if (f->flags & EP11SESS_ADMIN_BY_ID &&
	    memcmp(sess->id, f->public_id, EP11_PUBLIC_ID_LEN))
		return 0;
	if (f->flags & EP11SESS_ADMIN_BY_PID && pid != f->pid)
		return 0;
	if (f->flags & EP11SESS_ADMIN_BEFORE && sess->created_ns >= f->before_ns)
		return 0;
	if (f->flags & EP11SESS_ADMIN_BY_APQN &&
	    !ep11_nl_sess_on(sess, f->card, f->domain))
		return 0;
	if (ns->n++ >= ns->room)
		return 0;
	s = &ns->snap[ns->n - 1];
	ep11_session_public_id(sess, s->public_id);
	s->pid = pid;
	s->uid = from_kuid_munged(current_user_ns(), sess->owner_uid);
	s->holders = sess->holders;
	s->created_ns = sess->created_ns;
	s->shared = sess->shared;
	s->dying = sess->life != EP11_SESS_ALIVE || sess->killed;
	if (sess->name) {
		const struct ep11_name *nm = sess->name;

		s->named = true;
		s->kept = nm->kept;
		s->scope = nm->scope;
		s->scope_id = nm->scope == EP11SESS_SCOPE_GID ?
			from_kgid_munged(current_user_ns(), KGIDT_INIT(nm->id)) :
			from_kuid_munged(current_user_ns(), KUIDT_INIT(nm->id));
		memcpy(s->name_head, nm->name, sizeof(s->name_head));
		s->keep_expires_ns = nm->kept ? nm->expires_ns : 0;
	}
	memcpy(s->comm, sess->comm, sizeof(s->comm));
	s->comm[sizeof(s->comm) - 1] = '\0';
	n = ep11_session_napqns(sess);
	s->napqns = n;
	for (i = 0; i < n; i++) {
		u32 st = READ_ONCE(sess->apqns[i].state);

		s->apqns[i].card = sess->apqns[i].apqn->card->id;
		s->apqns[i].domain = sess->apqns[i].apqn->domain;
		s->apqns[i].state = ep11_sa_public_state(st);
	}
	return 0;
}

static int ep11_nl_sess_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct ep11_nl_sess_ctx *ctx = (void *)cb->ctx;
	struct ep11_nl_filter f;
	struct ep11_nl_snap ns = {
		.filter = &f,
		.all = netlink_capable(cb->skb, CAP_SYS_ADMIN),
		.uid = current_uid(),
		.ns = task_active_pid_ns(current),
	};
	unsigned int tries;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	memset(ctx, 0, sizeof(*ctx));
	if (!ep11_nl_parse_filter(info->attrs, &f)) {
		ctx->err = EP11_NL_DUMP_HALF_APQN;
		return 0;
	}
	/* Sessions may be created between counting and walking: retry. */
	for (tries = 0; tries < 4; tries++) {
		ns.room = ep11_session_count() + 16;
		ns.n = 0;
		ns.snap = kvcalloc(ns.room, sizeof(*ns.snap), GFP_KERNEL);
		if (!ns.snap)
			return -ENOMEM;
		ep11_session_for_each(ep11_nl_snap_one, &ns);
		if (ns.n <= ns.room)
			break;
		kvfree(ns.snap);
		ns.snap = NULL;
	}
	if (!ns.snap) {
		NL_SET_ERR_MSG(cb->extack, "the session table kept growing");
		return -EAGAIN;
	}
	ctx->snap = ns.snap;
	ctx->n = ns.n;
	return 0;
}

static int ep11_nl_sess_done(struct netlink_callback *cb)
{
	struct ep11_nl_sess_ctx *ctx = (void *)cb->ctx;

	kvfree(ctx->snap);
	ctx->snap = NULL;
	return 0;
}

static int ep11_nl_sess_fill(struct sk_buff *skb, struct netlink_callback *cb,
			     const struct ep11_nl_sess *s)
{
	struct nlattr *nest;
	unsigned int i;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ep11_genl_family, NLM_F_MULTI,
			  EP11SESS_CMD_SESSION_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put(skb, EP11SESS_A_PUBLIC_ID, sizeof(s->public_id),
		    s->public_id) ||
	    nla_put_u32(skb, EP11SESS_A_PID, s->pid) ||
	    nla_put_u32(skb, EP11SESS_A_UID, s->uid) ||
	    nla_put_string(skb, EP11SESS_A_COMM, s->comm) ||
	    nla_put_u64_64bit(skb, EP11SESS_A_CREATED_NS, s->created_ns,
			      EP11SESS_A_PAD) ||
	    nla_put_u32(skb, EP11SESS_A_HOLDERS, s->holders) ||
	    (s->shared && nla_put_flag(skb, EP11SESS_A_SHARED)) ||
	    (s->dying && nla_put_flag(skb, EP11SESS_A_DYING)))
		goto cancel;
	if (s->named &&
	    (nla_put(skb, EP11SESS_A_NAME_HEAD, sizeof(s->name_head),
		     s->name_head) ||
	     nla_put_u32(skb, EP11SESS_A_SCOPE, s->scope) ||
	     nla_put_u32(skb, EP11SESS_A_SCOPE_ID, s->scope_id) ||
	     (s->kept && nla_put_flag(skb, EP11SESS_A_KEPT)) ||
	     (s->kept && nla_put_u64_64bit(skb, EP11SESS_A_KEEP_EXPIRES_NS,
					   s->keep_expires_ns,
					   EP11SESS_A_PAD))))
		goto cancel;
	for (i = 0; i < s->napqns; i++) {
		nest = nla_nest_start(skb, EP11SESS_A_SESSION_APQN);
		if (!nest)
			goto cancel;
		if (nla_put_u8(skb, EP11SESS_A_CARD, s->apqns[i].card) ||
		    nla_put_u16(skb, EP11SESS_A_DOMAIN, s->apqns[i].domain) ||
		    nla_put_u32(skb, EP11SESS_A_STATE, s->apqns[i].state))
			goto cancel;
		nla_nest_end(skb, nest);
	}
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int ep11_nl_sess_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ep11_nl_sess_ctx *ctx = (void *)cb->ctx;
	int ret;

	ret = ep11_nl_dump_error(cb, ctx->err);
	if (ret)
		return ret;
	for (; ctx->pos < ctx->n; ctx->pos++) {
		ret = ep11_nl_sess_fill(skb, cb, &ctx->snap[ctx->pos]);
		if (ret)
			return skb->len ? skb->len : ret;
	}
	return skb->len;
}

/* Orphan dump. */

/**
 * struct ep11_nl_orphan_ctx - an orphan dump, in cb->ctx
 * @snap: the snapshot, the reader's own orphans only
 * @n:    entries in @snap
 * @pos:  the next entry to send
 */
struct ep11_nl_orphan_ctx {
	struct ep11_orphan_info *snap;
	unsigned int n;
	unsigned int pos;
};

static int ep11_nl_orphan_start(struct netlink_callback *cb)
{
	struct ep11_nl_orphan_ctx *ctx = (void *)cb->ctx;
	struct pid_namespace *ns = task_active_pid_ns(current);
	bool all = netlink_capable(cb->skb, CAP_SYS_ADMIN);
	struct ep11_orphan_info *snap;
	unsigned int room, n, i, tries;
	kuid_t uid = current_uid();

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	memset(ctx, 0, sizeof(*ctx));
	/* Orphans may be kept between counting and copying: retry. */
	for (tries = 0; tries < 4; tries++) {
		room = ep11_orphan_snapshot(NULL, 0, ns) + 16;
		snap = kvcalloc(room, sizeof(*snap), GFP_KERNEL);
		if (!snap)
			return -ENOMEM;
		n = ep11_orphan_snapshot(snap, room, ns);
		if (n <= room)
			break;
		kvfree(snap);
		snap = NULL;
	}
	if (!snap) {
		NL_SET_ERR_MSG(cb->extack, "the orphaned logouts kept growing");
		return -EAGAIN;
	}
	for (i = 0; i < n; i++)
		if (all || uid_eq(snap[i].uid, uid))
			snap[ctx->n++] = snap[i];
	ctx->snap = snap;
	return 0;
}

static int ep11_nl_orphan_done(struct netlink_callback *cb)
{
	struct ep11_nl_orphan_ctx *ctx = (void *)cb->ctx;

	kvfree(ctx->snap);
	ctx->snap = NULL;
	return 0;
}

static int ep11_nl_orphan_fill(struct sk_buff *skb, struct netlink_callback *cb,
			       const struct ep11_orphan_info *o)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ep11_genl_family, NLM_F_MULTI,
			  EP11SESS_CMD_ORPHAN_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put(skb, EP11SESS_A_SERIAL, sizeof(o->serial), o->serial) ||
	    nla_put_u16(skb, EP11SESS_A_DOMAIN, o->domain) ||
	    (o->wkid_valid &&
	     nla_put(skb, EP11SESS_A_WKID, sizeof(o->wkid), o->wkid)) ||
	    nla_put(skb, EP11SESS_A_PUBLIC_ID, sizeof(o->public_id),
		    o->public_id) ||
	    nla_put_u32(skb, EP11SESS_A_PID, o->pid) ||
	    nla_put_u32(skb, EP11SESS_A_UID,
			from_kuid_munged(current_user_ns(), o->uid)) ||
	    nla_put_string(skb, EP11SESS_A_COMM, o->comm) ||
	    nla_put_u64_64bit(skb, EP11SESS_A_CREATED_NS, o->created_ns,
			      EP11SESS_A_PAD) ||
	    nla_put_u32(skb, EP11SESS_A_STATE, EP11SESS_STATE_PENDING) ||
	    (o->recover && nla_put_flag(skb, EP11SESS_A_RECOVER)) ||
	    nla_put_u32(skb, EP11SESS_A_EXPIRES_S, o->expires_s)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int ep11_nl_orphan_dump(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	struct ep11_nl_orphan_ctx *ctx = (void *)cb->ctx;
	int ret;

	for (; ctx->pos < ctx->n; ctx->pos++) {
		ret = ep11_nl_orphan_fill(skb, cb, &ctx->snap[ctx->pos]);
		if (ret)
			return skb->len ? skb->len : ret;
	}
	return skb->len;
}

/* Logout. */

/* The reply lists the sessions it ended as long as it stays this small. */
#define EP11_NL_RESULTS_MAX_BYTES	32768

/**
 * struct ep11_nl_results - the sessions a logout ended
 * @r:     the sessions, as the dump shows them
 * @n:     entries in @r
 * @cap:   room at @r
 * @bytes: the reply's size so far
 * @ns:    the caller's pid namespace
 */
struct ep11_nl_results {
	struct ep11_nl_sess *r;
	unsigned int n;
	unsigned int cap;
	size_t bytes;
	struct pid_namespace *ns;
};

static size_t ep11_nl_result_size(unsigned int napqns)
{
	return nla_total_size(0) + nla_total_size(EP11_PUBLIC_ID_LEN) +
	       nla_total_size(sizeof(u32)) + nla_total_size(TASK_COMM_LEN) +
	       napqns * (nla_total_size(0) + nla_total_size(sizeof(u8)) +
			 nla_total_size(sizeof(u16)) +
			 nla_total_size(sizeof(u32)));
}

static void ep11_nl_logout_report(struct ep11_session *sess, bool failed,
				  void *arg)
{
	struct ep11_nl_results *res = arg;
	unsigned int i, n = ep11_session_napqns(sess);
	struct ep11_nl_sess *s;

	if (res->bytes + ep11_nl_result_size(n) > EP11_NL_RESULTS_MAX_BYTES)
		return;
	if (res->n == res->cap) {
		s = krealloc_array(res->r, res->cap + 16, sizeof(*s),
				   GFP_KERNEL);
		if (!s)
			return;
		res->r = s;
		res->cap += 16;
	}
	s = &res->r[res->n++];
	memset(s, 0, sizeof(*s));
	res->bytes += ep11_nl_result_size(n);
	ep11_session_public_id(sess, s->public_id);
	s->pid = pid_nr_ns(sess->owner, res->ns);
	memcpy(s->comm, sess->comm, sizeof(s->comm));
	s->comm[sizeof(s->comm) - 1] = '\0';
	s->napqns = n;
	for (i = 0; i < n; i++) {
		u32 st = READ_ONCE(sess->apqns[i].state);

		s->apqns[i].card = sess->apqns[i].apqn->card->id;
		s->apqns[i].domain = sess->apqns[i].apqn->domain;
		s->apqns[i].state = ep11_sa_public_state(st);
	}
}

static int ep11_nl_put_results(struct sk_buff *msg,
			       const struct ep11_nl_results *res)
{
	struct nlattr *nest, *sub;
	unsigned int i, j;

	for (i = 0; i < res->n; i++) {
		const struct ep11_nl_sess *s = &res->r[i];

		nest = nla_nest_start(msg, EP11SESS_A_RESULT);
		if (!nest ||
		    nla_put(msg, EP11SESS_A_PUBLIC_ID, sizeof(s->public_id),
			    s->public_id) ||
		    nla_put_u32(msg, EP11SESS_A_PID, s->pid) ||
		    nla_put_string(msg, EP11SESS_A_COMM, s->comm))
			return -EMSGSIZE;
		for (j = 0; j < s->napqns; j++) {
			sub = nla_nest_start(msg, EP11SESS_A_SESSION_APQN);
			if (!sub ||
			    nla_put_u8(msg, EP11SESS_A_CARD, s->apqns[j].card) ||
			    nla_put_u16(msg, EP11SESS_A_DOMAIN,
					s->apqns[j].domain) ||
			    nla_put_u32(msg, EP11SESS_A_STATE,
					s->apqns[j].state))
				return -EMSGSIZE;
			nla_nest_end(msg, sub);
		}
		nla_nest_end(msg, nest);
	}
	return 0;
}

static int ep11_nl_logout(struct sk_buff *skb, struct genl_info *info)
{
	struct ep11sess_admin_logout a = { .size = sizeof(a) };
	struct ep11_nl_results res = {
		.ns = task_active_pid_ns(current),
	};
	struct ep11_nl_filter f;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(info->extack,
			       "logging out sessions needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	if (!ep11_nl_parse_filter(info->attrs, &f)) {
		NL_SET_ERR_MSG(info->extack,
			       "an APQN needs both card and domain");
		return -EINVAL;
	}
	if (!f.flags) {
		NL_SET_ERR_MSG(info->extack,
			       "give at least one filter: public id, pid, date or APQN");
		return -EINVAL;
	}
	a.flags = f.flags;
	if (nla_get_flag(info->attrs[EP11SESS_A_FORCE]))
		a.flags |= EP11SESS_ADMIN_FORCE;
	memcpy(a.public_id, f.public_id, sizeof(a.public_id));
	a.pid = f.pid;
	a.before_ns = f.before_ns;
	a.apqn.card = f.card;
	a.apqn.domain = f.domain;

	ret = ep11_admin_logout_via(&a, EP11SESS_VIA_NETLINK,
				    ep11_nl_logout_report, &res);
	if (ret) {
		if (ret == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "no session matches");
		goto out;
	}
	msg = genlmsg_new(2 * nla_total_size(sizeof(u32)) + res.bytes,
			  GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out;
	}
	hdr = genlmsg_put_reply(msg, info, &ep11_genl_family, 0,
				EP11SESS_CMD_LOGOUT);
	if (!hdr ||
	    nla_put_u32(msg, EP11SESS_A_MATCHED, a.matched) ||
	    nla_put_u32(msg, EP11SESS_A_FAILED, a.failed) ||
	    ep11_nl_put_results(msg, &res)) {
		nlmsg_free(msg);
		ret = -EMSGSIZE;
		goto out;
	}
	genlmsg_end(msg, hdr);
	ret = genlmsg_reply(msg, info);
out:
	kfree(res.r);
	return ret;
}

static const struct genl_ops ep11_genl_ops[] = {
	{
		.cmd = EP11SESS_CMD_APQN_GET,
		.start = ep11_nl_apqn_start,
		.dumpit = ep11_nl_apqn_dump,
		.policy = ep11_apqn_get_policy,
		.maxattr = ARRAY_SIZE(ep11_apqn_get_policy) - 1,
	},
	{
		.cmd = EP11SESS_CMD_SESSION_GET,
		.start = ep11_nl_sess_start,
		.dumpit = ep11_nl_sess_dump,
		.done = ep11_nl_sess_done,
		.policy = ep11_session_get_policy,
		.maxattr = ARRAY_SIZE(ep11_session_get_policy) - 1,
	},
	{
		.cmd = EP11SESS_CMD_LOGOUT,
		.doit = ep11_nl_logout,
		.policy = ep11_logout_policy,
		.maxattr = ARRAY_SIZE(ep11_logout_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = EP11SESS_CMD_ORPHAN_GET,
		.start = ep11_nl_orphan_start,
		.dumpit = ep11_nl_orphan_dump,
		.done = ep11_nl_orphan_done,
		.policy = ep11_orphan_get_policy,
		.maxattr = ARRAY_SIZE(ep11_orphan_get_policy) - 1,
	},
};

static struct genl_family ep11_genl_family __ro_after_init = {
	.name = EP11SESS_GENL_NAME,
	.version = EP11SESS_GENL_VERSION,
	.maxattr = EP11SESS_A_MAX,
	.module = THIS_MODULE,
	.parallel_ops = true,
	.ops = ep11_genl_ops,
	.n_ops = ARRAY_SIZE(ep11_genl_ops),
	.mcgrps = ep11_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(ep11_genl_mcgrps),
};

/* Events. */

static const u8 ep11_nl_event_types[] = {
	[EP11_EV_LOGIN] = EP11SESS_EVENT_LOGIN,
	[EP11_EV_LOGOUT] = EP11SESS_EVENT_LOGOUT,
	[EP11_EV_RECLAIMED] = EP11SESS_EVENT_RECLAIMED,
	[EP11_EV_EXHAUSTED] = EP11SESS_EVENT_EXHAUSTED,
	[EP11_EV_ONLINE] = EP11SESS_EVENT_ONLINE,
	[EP11_EV_OFFLINE] = EP11SESS_EVENT_OFFLINE,
	[EP11_EV_LOST] = EP11SESS_EVENT_LOST,
	[EP11_EV_RELOGIN] = EP11SESS_EVENT_RELOGIN,
	[EP11_EV_UNACCOUNTED] = EP11SESS_EVENT_UNACCOUNTED,
	[EP11_EV_ADMIN_LOGOUT] = EP11SESS_EVENT_ADMIN_LOGOUT,
};

static bool ep11_nl_event_has_session(unsigned long type)
{
	return type == EP11_EV_LOGIN || type == EP11_EV_LOGOUT ||
	       type == EP11_EV_RECLAIMED || type == EP11_EV_LOST ||
	       type == EP11_EV_RELOGIN || type == EP11_EV_ADMIN_LOGOUT;
}

/* The attributes of the unaccounted and admin logout events. */
static int ep11_nl_event_fleet(struct sk_buff *msg, unsigned long type,
			       const struct ep11_event *ev)
{
	char comm[sizeof(ev->admin_comm)];

	if (type == EP11_EV_UNACCOUNTED)
		return nla_put_u32(msg, EP11SESS_A_CARD_UNACCOUNTED,
				   ev->unaccounted) ||
		       nla_put_u32(msg, EP11SESS_A_UNACCOUNTED_BEFORE,
				   ev->unaccounted_before) ||
		       nla_put_u32(msg, EP11SESS_A_CARD_MAX, ev->card_max) ||
		       nla_put_u32(msg, EP11SESS_A_CARD_AVAIL, ev->card_avail) ||
		       nla_put_u32(msg, EP11SESS_A_CARD_HELD, ev->card_held);
	if (type != EP11_EV_ADMIN_LOGOUT)
		return 0;
	strscpy(comm, ev->admin_comm, sizeof(comm));
	return nla_put_u32(msg, EP11SESS_A_UID, ev->owner_uid) ||
	       nla_put_u32(msg, EP11SESS_A_ADMIN_UID, ev->admin_uid) ||
	       nla_put_u32(msg, EP11SESS_A_ADMIN_PID, ev->admin_tgid) ||
	       nla_put_string(msg, EP11SESS_A_ADMIN_COMM, comm) ||
	       nla_put_u32(msg, EP11SESS_A_VIA, ev->via) ||
	       nla_put_u32(msg, EP11SESS_A_FAILED, ev->failed) ||
	       (ev->force && nla_put_flag(msg, EP11SESS_A_FORCE));
}

static int ep11_nl_event(struct notifier_block *nb, unsigned long type,
			 void *data)
{
	const struct ep11_event *ev = data;
	char comm[sizeof(ev->comm)];
	struct sk_buff *msg;
	void *hdr;

	strscpy(comm, ev->comm, sizeof(comm));
	if (type >= ARRAY_SIZE(ep11_nl_event_types) ||
	    !genl_has_listeners(&ep11_genl_family, &init_net,
				EP11_GENL_MCGRP_EVENTS))
		return NOTIFY_DONE;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return NOTIFY_DONE;
	hdr = genlmsg_put(msg, 0, 0, &ep11_genl_family, 0, EP11SESS_CMD_EVENT);
	if (!hdr)
		goto err;
	if (nla_put_u32(msg, EP11SESS_A_EVENT, ep11_nl_event_types[type]) ||
	    nla_put_u64_64bit(msg, EP11SESS_A_TIME_NS, ktime_get_real_ns(),
			      EP11SESS_A_PAD) ||
	    nla_put_u8(msg, EP11SESS_A_CARD, ev->card) ||
	    nla_put_u16(msg, EP11SESS_A_DOMAIN, ev->domain))
		goto err;
	if (ep11_nl_event_has_session(type) &&
	    (nla_put(msg, EP11SESS_A_PUBLIC_ID, sizeof(ev->public_id),
		     ev->public_id) ||
	     nla_put_u32(msg, EP11SESS_A_PID, ev->owner_tgid) ||
	     nla_put_string(msg, EP11SESS_A_COMM, comm)))
		goto err;
	if (type == EP11_EV_RECLAIMED &&
	    nla_put_u64_64bit(msg, EP11SESS_A_LATENCY_US, ev->latency_us,
			      EP11SESS_A_PAD))
		goto err;
	if (type == EP11_EV_RELOGIN &&
	    nla_put_s32(msg, EP11SESS_A_RELOGIN_ERROR, ev->error))
		goto err;
	if (ep11_nl_event_fleet(msg, type, ev))
		goto err;
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&ep11_genl_family, msg, 0, EP11_GENL_MCGRP_EVENTS,
			  GFP_KERNEL);
	return NOTIFY_DONE;

err:
	nlmsg_free(msg);
	return NOTIFY_DONE;
}

static struct notifier_block ep11_nl_nb = {
	.notifier_call = ep11_nl_event,
};

/**
 * ep11_netlink_init() - register the family and feed its events group
 *
 * Context: module init.
 * Return: 0 or a negative errno.
 */
int ep11_netlink_init(void)
{
	int ret;

	ret = genl_register_family(&ep11_genl_family);
	if (ret)
		return ret;
	ret = ep11_event_register(&ep11_nl_nb);
	if (ret)
		genl_unregister_family(&ep11_genl_family);
	return ret;
}

/**
 * ep11_netlink_uninit() - stop the events and unregister the family
 *
 * Context: module exit; dumps in progress are ended by the unregistration.
 */
void ep11_netlink_uninit(void)
{
	ep11_event_unregister(&ep11_nl_nb);
	genl_unregister_family(&ep11_genl_family);
}

MODULE_ALIAS_GENL_FAMILY(EP11SESS_GENL_NAME);
