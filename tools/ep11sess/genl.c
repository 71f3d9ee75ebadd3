// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink connection to the ep11sess family: resolve it by
 * name (which loads the module when it is installed), send a request,
 * hand each answer to a callback, and keep the kernel's errno and its
 * extended-ack message for the error report.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "ep11sess.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

/* A libnl error as the errno it stands for: the kernel's is kept. */
static int ep11_nl_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INTR:
		return -EINTR;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSG_TRUNC:
	case NLE_MSG_TOOSHORT:
	case NLE_MSGTYPE_NOSUPPORT:
	case NLE_PARSE_ERR:
	case NLE_SEQ_MISMATCH:
	case NLE_PROTO_MISMATCH:
		return -EPROTO;
	}
	return errno ? -errno : -EIO;
}

int ep11_nl_open(struct ep11_nl *nl)
{
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return ep11_fail(EP11_EXIT_FAILED, ENOMEM, "out of memory");
	ret = genl_connect(nl->sk);
	if (ret) {
		ret = ep11_nl_errno(ret);
		nl_socket_free(nl->sk);
		nl->sk = NULL;
		return ep11_fail(EP11_EXIT_FAILED, ret,
				 "cannot open a generic netlink socket: %s",
				 strerror(-ret));
	}
	/* The kernel explains its errors; keep acks short. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, EP11SESS_GENL_NAME);
	if (nl->family < 0) {
		nl_socket_free(nl->sk);
		nl->sk = NULL;
		return ep11_module_missing();
	}
	return EP11_EXIT_OK;
}

void ep11_nl_close(struct ep11_nl *nl)
{
	nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct nl_msg *ep11_nl_new(struct ep11_nl *nl, int cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, EP11SESS_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int ep11_nl_parse(struct nlmsghdr *nlh, struct nlattr **tb)
{
	return genlmsg_parse(nlh, 0, tb, EP11SESS_A_MAX, NULL);
}

/**
 * struct ep11_nl_call - one request in flight
 * @nl:  the connection
 * @fn:  the caller's callback
 * @arg: its argument
 * @ret: the callback's first failure
 * @done: the ack, the error or the end of the dump arrived
 */
struct ep11_nl_call {
	struct ep11_nl *nl;
	ep11_nl_msg_fn fn;
	void *arg;
	int ret;
	bool done;
};

static int ep11_nl_valid(struct nl_msg *msg, void *arg)
{
	struct ep11_nl_call *call = arg;
	struct nlattr *tb[EP11SESS_A_MAX + 1];
	int ret;

	if (ep11_nl_parse(nlmsg_hdr(msg), tb) < 0) {
		call->ret = -EPROTO;
		return NL_STOP;
	}
	ret = call->fn ? call->fn(nlmsg_hdr(msg), tb, call->arg) : 0;
	if (ret && !call->ret)
		call->ret = ret;
	return NL_OK;
}

static int ep11_nl_error(struct sockaddr_nl *who, struct nlmsgerr *err,
			 void *arg)
{
	struct ep11_nl_call *call = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)err - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*err);

	call->done = true;
	call->nl->err = err->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - NLMSG_HDRLEN;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + off)
		return NL_STOP;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)err + NLMSG_ALIGN(off)),
		      nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(off),
		      NULL) == 0 && tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(call->nl->errmsg, tb[NLMSGERR_ATTR_MSG],
			    sizeof(call->nl->errmsg));
	return NL_STOP;
}

static int ep11_nl_ack(struct nl_msg *msg, void *arg)
{
	struct ep11_nl_call *call = arg;

	call->done = true;
	return NL_STOP;
}

/* A dump's NLMSG_DONE carries its error and the kernel's explanation. */
static int ep11_nl_finish(struct nl_msg *msg, void *arg)
{
	struct ep11_nl_call *call = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int err;

	call->done = true;
	if (nlmsg_datalen(nlh) < (int)sizeof(err))
		return NL_STOP;
	memcpy(&err, nlmsg_data(nlh), sizeof(err));
	if (err >= 0)
		return NL_STOP;
	call->nl->err = err;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlmsg_data(nlh) +
					NLMSG_ALIGN(sizeof(err))),
		      nlmsg_datalen(nlh) - NLMSG_ALIGN(sizeof(err)),
		      NULL) == 0 && tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(call->nl->errmsg, tb[NLMSGERR_ATTR_MSG],
			    sizeof(call->nl->errmsg));
	return NL_STOP;
}

int ep11_nl_exchange(struct ep11_nl *nl, struct nl_msg *msg,
		     ep11_nl_msg_fn fn, void *arg)
{
	struct ep11_nl_call call = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int ret;

	nl->err = 0;
	nl->errmsg[0] = '\0';
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return nl->err = -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, ep11_nl_valid, &call);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ep11_nl_ack, &call);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, ep11_nl_finish, &call);
	nl_cb_err(cb, NL_CB_CUSTOM, ep11_nl_error, &call);
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	errno = 0;
	ret = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		nl_cb_put(cb);
		return nl->err = ep11_nl_errno(ret);
	}
	/* A reply and its ack may come in separate reads: read both. */
	do {
		errno = 0;
		ret = nl_recvmsgs(nl->sk, cb);
	} while (ret >= 0 && !call.done);
	nl_cb_put(cb);
	if (nl->err)
		return nl->err;
	if (ret < 0)
		return nl->err = ep11_nl_errno(ret);
	return nl->err = call.ret;
}

int ep11_nl_report(const struct ep11_nl *nl, const char *what)
{
	const char *why = nl->errmsg[0] ? nl->errmsg : strerror(-nl->err);

	switch (nl->err) {
	case -EPERM:
	case -EACCES:
		return ep11_fail(EP11_EXIT_PERM, nl->err,
				 "%s: permission denied (%s): %s",
				 what, why, ep11_cap_hint(what));
	case -ENOENT:
		return ep11_fail(EP11_EXIT_NOT_FOUND, nl->err,
				 "%s: no such session (%s)", what, why);
	case -ENODEV:
		return ep11_fail(EP11_EXIT_NOT_FOUND, nl->err,
				 "%s: no such APQN (%s)", what, why);
	default:
		return ep11_fail(EP11_EXIT_FAILED, nl->err, "%s failed: %s",
				 what, why);
	}
}
