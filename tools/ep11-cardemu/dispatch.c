// SPDX-License-Identifier: GPL-2.0
/*
 * Request dispatch: parse a request, apply the fault options, check the
 * domain and the parameter count against the function's signature (the
 * codec's table, shared with ep11sess.ko), take off a session's pin blob,
 * run the handler and build the reply.  Every request gets a reply.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "card.h"

int fw_register(struct fw *fw, const struct fw_fn *fn)
{
	const struct ep11_fn_sig *sig;

	if (!fn || !fn->handler || !fn->fnid || fn->fnid >= FW_MAX_FNID)
		return -EINVAL;
	sig = ep11_wire_fn_sig(fn->fnid);
	if (!sig || sig->nparams + 1U > FW_MAX_PARAMS)
		return -EINVAL;
	if (fw->fns[fn->fnid])
		return -EEXIST;
	fw->fns[fn->fnid] = fn;
	return 0;
}

u32 fw_param_u32(const struct fw_req *req, unsigned int i, u32 *v)
{
	const u8 *p;

	if (i >= req->nparams || req->param[i].n != 4)
		return EP11_CKR_ARGUMENTS_BAD;
	p = req->param[i].p;
	*v = (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
	return EP11_CKR_OK;
}

static int reply_rc(void *rep, size_t cap, u32 fn, u16 domain, u32 rc)
{
	struct ep11_wbuf b;

	ep11_wire_reply_init(&b, rep, cap, fn, domain, rc);
	return ep11_wire_finish(&b);
}

/*
 * Splits the parameters of @m into @req and handles a trailing pin blob.
 * The count must be one of the forms of the function's signature, the
 * table the kernel sends by (ep11_wire_req_form()).  Returns a CKR value.
 */
static u32 take_params(struct fw *fw, struct ep11_msg *m, struct fw_req *req)
{
	size_t cnt = ep11_wire_count(m);
	int form = ep11_wire_req_form(m);
	unsigned int i;

	if (form < 0 || cnt > FW_MAX_PARAMS)
		return EP11_CKR_ARGUMENTS_BAD;
	for (i = 0; i < cnt; i++)
		if (ep11_wire_next(m, &req->param[i].p, &req->param[i].n))
			return EP11_CKR_ARGUMENTS_BAD;
	if (form == EP11_FORM_UNBOUND) {
		req->nparams = cnt;
		return EP11_CKR_OK;
	}
	req->nparams = cnt - 1;
	req->bound = true;
	return fw_session_verify(fw, req->domain, req->param[cnt - 1].p,
				 req->session);
}

int fw_handle(struct fw *fw, u16 domain, const void *reqbuf, size_t len,
	      void *rep, size_t cap)
{
	const struct fw_fn *fn;
	struct ep11_wbuf b;
	struct fw_req req;
	struct ep11_msg m;
	u16 fnid;
	u32 rc;
	int r;

	if (!rep || cap < EP11_CPRB_LEN + 24)
		return -EMSGSIZE;
	if (fw->cfg.latency_us) {
		struct timespec ts = {
			.tv_sec = fw->cfg.latency_us / 1000000,
			.tv_nsec = (fw->cfg.latency_us % 1000000) * 1000L,
		};

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	if (fw_roll(fw->cfg.busy_rate))
		return ep11_wire_reply_cprb_rc(rep, cap, domain,
					       EP11_CPRB_RC_BUSY);

	if (ep11_wire_parse_request(reqbuf, len, &m))
		return reply_rc(rep, cap, 0, domain, EP11_CKR_ARGUMENTS_BAD);
	if (!fw_has_domain(fw, domain) || m.domain != domain ||
	    m.fn_domain != domain)
		return reply_rc(rep, cap, m.fn, domain,
				EP11_CKR_ARGUMENTS_BAD);
	fnid = m.fn & 0xffff;
	fn = fnid < FW_MAX_FNID ? fw->fns[fnid] : NULL;
	if (!fn)
		return reply_rc(rep, cap, m.fn, domain,
				EP11_CKR_FUNCTION_NOT_SUPPORTED);

	memset(&req, 0, sizeof(req));
	req.fw = fw;
	req.domain = domain;
	req.fn = m.fn;
	rc = take_params(fw, &m, &req);
	if (rc == EP11_CKR_OK) {
		ep11_wire_reply_init(&b, rep, cap, m.fn, domain, EP11_CKR_OK);
		rc = fn->handler(&req, &b);
		if (rc == EP11_CKR_OK) {
			r = ep11_wire_finish(&b);
			if (r >= 0)
				goto out;
			rc = EP11_CKR_BUFFER_TOO_SMALL;
		}
		/* Nothing a failed handler wrote may reach the host. */
		OPENSSL_cleanse(rep, b.len);
	}
	r = reply_rc(rep, cap, m.fn, domain, rc);
out:
	OPENSSL_cleanse(&req, sizeof(req));
	return r;
}
