// SPDX-License-Identifier: GPL-2.0
/*
 * The session dump, collected into a list, and its two outputs: a table
 * for people and JSON for scripts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/genl.h>

#include <linux/ep11sess.h>

#include "ep11sess.h"

static int ep11_sessions_one(struct nlmsghdr *nlh, struct nlattr **tb,
			     void *arg)
{
	struct ep11_sess_list *list = arg;
	struct ep11_sess_row *r;
	struct nlattr *nest;
	int rem;

	if (!tb[EP11SESS_A_PUBLIC_ID] ||
	    nla_len(tb[EP11SESS_A_PUBLIC_ID]) != 16)
		return -EPROTO;
	r = ep11_append(&list->rows, &list->n, &list->cap, sizeof(*r), 64);
	if (!r)
		return -ENOMEM;
	ep11_hex(r->id, nla_data(tb[EP11SESS_A_PUBLIC_ID]), 16);
	if (tb[EP11SESS_A_PID])
		r->pid = nla_get_u32(tb[EP11SESS_A_PID]);
	if (tb[EP11SESS_A_UID])
		r->uid = nla_get_u32(tb[EP11SESS_A_UID]);
	if (tb[EP11SESS_A_HOLDERS])
		r->holders = nla_get_u32(tb[EP11SESS_A_HOLDERS]);
	if (tb[EP11SESS_A_COMM])
		nla_strlcpy(r->comm, tb[EP11SESS_A_COMM], sizeof(r->comm));
	if (tb[EP11SESS_A_CREATED_NS])
		r->created_ns = nla_get_u64(tb[EP11SESS_A_CREATED_NS]);
	r->shared = tb[EP11SESS_A_SHARED];
	r->dying = tb[EP11SESS_A_DYING];
	if (tb[EP11SESS_A_NAME_HEAD]) {
		if (nla_len(tb[EP11SESS_A_NAME_HEAD]) != 8)
			return -EPROTO;
		r->named = true;
		ep11_hex(r->name_head, nla_data(tb[EP11SESS_A_NAME_HEAD]), 8);
		r->scope_gid = tb[EP11SESS_A_SCOPE] &&
			       nla_get_u32(tb[EP11SESS_A_SCOPE]) ==
			       EP11SESS_SCOPE_GID;
		if (tb[EP11SESS_A_SCOPE_ID])
			r->scope_id = nla_get_u32(tb[EP11SESS_A_SCOPE_ID]);
		r->kept = tb[EP11SESS_A_KEPT];
		if (tb[EP11SESS_A_KEEP_EXPIRES_NS])
			r->keep_expires_ns =
				nla_get_u64(tb[EP11SESS_A_KEEP_EXPIRES_NS]);
	}
	r->owner = ep11_owner_alive(r->pid, r->created_ns);
	nla_for_each_attr(nest, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		struct nlattr *sub[EP11SESS_A_MAX + 1];

		if (nla_type(nest) != EP11SESS_A_SESSION_APQN)
			continue;
		if (r->napqns == 16 ||
		    nla_parse_nested(sub, EP11SESS_A_MAX, nest, NULL) < 0 ||
		    !sub[EP11SESS_A_CARD] || !sub[EP11SESS_A_DOMAIN] ||
		    !sub[EP11SESS_A_STATE])
			return -EPROTO;
		r->apqns[r->napqns].card = nla_get_u8(sub[EP11SESS_A_CARD]);
		r->apqns[r->napqns].domain =
			nla_get_u16(sub[EP11SESS_A_DOMAIN]);
		r->apqns[r->napqns].state = nla_get_u32(sub[EP11SESS_A_STATE]);
		r->napqns++;
	}
	return 0;
}

int ep11_sessions_get(struct ep11_nl *nl, const struct ep11_filter *f,
		      struct ep11_sess_list *list)
{
	struct nl_msg *msg;

	memset(list, 0, sizeof(*list));
	msg = ep11_nl_new(nl, EP11SESS_CMD_SESSION_GET, NLM_F_DUMP);
	if (!msg || ep11_filter_put(f, msg) < 0) {
		nlmsg_free(msg);
		return nl->err = -ENOMEM;
	}
	return ep11_nl_exchange(nl, msg, ep11_sessions_one, list);
}

void ep11_sessions_free(struct ep11_sess_list *list)
{
	free(list->rows);
	memset(list, 0, sizeof(*list));
}

enum ep11_leftover ep11_leftover(const struct ep11_sess_row *r)
{
	unsigned int j;

	for (j = 0; j < r->napqns; j++)
		if (r->apqns[j].state == EP11SESS_STATE_PENDING)
			return EP11_LEFTOVER_PENDING;
	if (r->dying)
		return EP11_LEFTOVER_NONE;
	if (r->kept && r->holders <= 1)
		return EP11_LEFTOVER_KEPT;
	if (r->owner == EP11_OWNER_GONE)
		return EP11_LEFTOVER_ORPHANED;
	return EP11_LEFTOVER_NONE;
}

const char *ep11_leftover_name(enum ep11_leftover why)
{
	switch (why) {
	case EP11_LEFTOVER_NONE:
		break;
	case EP11_LEFTOVER_PENDING:
		return "pending";
	case EP11_LEFTOVER_ORPHANED:
		return "orphaned";
	case EP11_LEFTOVER_KEPT:
		return "kept";
	}
	return NULL;
}

static const char *ep11_owner_name(int owner)
{
	return owner == EP11_OWNER_ALIVE ? "alive" :
	       owner == EP11_OWNER_GONE ? "gone" : "unknown";
}

void ep11_session_json(const struct ep11_sess_row *r)
{
	const char *why = ep11_leftover_name(ep11_leftover(r));
	unsigned int j;

	printf("{\"id\": \"%s\", \"pid\": ", r->id);
	if (r->owner == EP11_OWNER_ALIVE)
		printf("%u", r->pid);
	else
		printf("null");
	printf(", \"owner\": \"%s\", \"uid\": %u, \"comm\": ",
	       ep11_owner_name(r->owner), r->uid);
	ep11_json_string(stdout, r->comm);
	printf(", ");
	ep11_json_time(stdout, "created", r->created_ns);
	printf(", \"holders\": %u, \"holder_pids\": ", r->holders);
	if (r->holders_scanned) {
		printf("[");
		for (j = 0; j < r->nholder_pids; j++)
			printf("%s%u", j ? ", " : "", r->holder_pids[j]);
		printf("]");
	} else {
		printf("null");
	}
	printf(", \"shared\": %s, \"dying\": %s, \"leftover\": ",
	       r->shared ? "true" : "false", r->dying ? "true" : "false");
	if (why)
		printf("\"%s\"", why);
	else
		printf("null");
	if (r->named)
		printf(", \"name_head\": \"%s\", \"scope\": \"%s\", \"scope_id\": %u",
		       r->name_head, r->scope_gid ? "gid" : "uid", r->scope_id);
	else
		printf(", \"name_head\": null, \"scope\": null, \"scope_id\": null");
	printf(", \"kept\": %s, ", r->kept ? "true" : "false");
	ep11_json_time(stdout, "keep_expires", r->kept ? r->keep_expires_ns : 0);
	printf(", \"apqns\": [");
	for (j = 0; j < r->napqns; j++)
		printf("%s{\"apqn\": \"%02x.%04x\", \"card\": %u, \"domain\": %u, \"state\": \"%s\"}",
		       j ? ", " : "", r->apqns[j].card, r->apqns[j].domain,
		       r->apqns[j].card, r->apqns[j].domain,
		       ep11_state_name(r->apqns[j].state));
	printf("]}");
}

static void ep11_sessions_json(const struct ep11_sess_list *list)
{
	size_t i;

	printf("{");
	ep11_json_time(stdout, "time", ep11_now_ns());
	printf(", \"holders_complete\": %s, \"sessions\": [",
	       list->holders_known ? "true" : "false");
	for (i = 0; i < list->n; i++) {
		printf("%s\n    ", i ? "," : "");
		ep11_session_json(&list->rows[i]);
	}
	printf("%s]}\n", list->n ? "\n  " : "");
}

void ep11_sessions_print(const struct ep11_sess_list *list, bool json)
{
	char created[32], pid[16];
	const char *why;
	size_t i;
	unsigned int j;

	if (json) {
		ep11_sessions_json(list);
		return;
	}
	if (!list->n)
		return;
	printf("%-32s %7s %6s %-15s %-19s %3s  %s\n", "SESSION (PUBLIC ID)",
	       "PID", "UID", "COMMAND", "CREATED", "HLD", "APQNS");
	for (i = 0; i < list->n; i++) {
		const struct ep11_sess_row *r = &list->rows[i];

		ep11_format_time(created, sizeof(created), r->created_ns,
				 false);
		/* Never a pid that may now be another process's. */
		if (r->owner == EP11_OWNER_ALIVE)
			snprintf(pid, sizeof(pid), "%u", r->pid);
		else
			snprintf(pid, sizeof(pid), "%s",
				 r->owner == EP11_OWNER_GONE ? "gone" : "?");
		printf("%-32s %7s %6u %-15s %-19s %3u ", r->id, pid, r->uid,
		       r->comm, created, r->holders);
		for (j = 0; j < r->napqns; j++)
			printf(" %02x.%04x:%s", r->apqns[j].card,
			       r->apqns[j].domain,
			       ep11_state_name(r->apqns[j].state));
		printf("%s%s", r->shared ? " shared" : "",
		       r->dying ? " dying" : "");
		if (r->named)
			printf(" name=%s.. %s:%u", r->name_head,
			       r->scope_gid ? "gid" : "uid", r->scope_id);
		if (r->kept && r->keep_expires_ns) {
			ep11_format_time(created, sizeof(created),
					 r->keep_expires_ns, false);
			printf(" kept-until=%s", created);
		} else if (r->kept) {
			printf(" kept");
		}
		if (r->holders_scanned && r->nholder_pids) {
			printf(" holders=");
			for (j = 0; j < r->nholder_pids; j++)
				printf("%s%u", j ? "," : "", r->holder_pids[j]);
			if (r->holder_pids_more)
				printf(",...");
		}
		why = ep11_leftover_name(ep11_leftover(r));
		if (why)
			printf(" leftover:%s", why);
		printf("\n");
	}
	if (!list->holders_known)
		printf("(some processes' open files could not be examined: holders= may miss some; root sees them all)\n");
}
