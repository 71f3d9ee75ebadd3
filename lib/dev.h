/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dev.h: /dev/ep11sess from user space: found with libudev, opened
 * O_CLOEXEC, one open file per process (per C_Initialize); the ioctls as
 * functions returning 0 or a negative errno; and the one table that maps
 * kernel errnos and card return codes to CKR_* values.
 */
#ifndef CK_DEV_H
#define CK_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/ep11sess.h>

#include "pkcs11_3.h"

/*
 * Overrides the device node (tests, containers) when set and non-empty;
 * read with secure_getenv(), so set-user-ID programs ignore it.
 */
#define CK_DEV_ENV	"EP11SESS_DEVICE"

/*
 * @fd:       the open device, or -1
 * @features: the EP11SESS_FEAT_* bits the kernel reported at open
 */
struct ck_dev {
	int fd;
	uint64_t features;
};

/*
 * Opens the device: $EP11SESS_DEVICE when set, else the node libudev
 * gives for the "misc" device named "ep11sess" (falling back to
 * /dev/ep11sess), O_RDWR | O_CLOEXEC, and checks the ABI version
 * (EP11SESS_IOC_VERSION).  0, or a negative errno with a message in @err.
 */
int ck_dev_open(struct ck_dev *d, char *err, size_t errlen);
/* Closes the file: the kernel drops every hold this process had through it. */
void ck_dev_close(struct ck_dev *d);

/**
 * struct ck_login_req - one EP11SESS_IOC_LOGIN
 * @pin, @pin_len:     the card PIN (8-64 bytes)
 * @nonce, @nonce_len: a shared login's nonce, or NULL/0 for a private one
 * @targets:           in: the APQNs (all_domains allowed); out: results
 * @ntargets:          in: entries; out: entries after expansion
 * @wait_ms:           the kernel's wait for a free session
 * @all_or_nothing:    EP11SESS_LOGIN_ALL_OR_NOTHING
 * @name:              a named login's name (EP11SESS_LOGIN_NAMED), or NULL
 * @scope, @gid:       with @name: its enum ep11sess_scope and, for
 *                     EP11SESS_SCOPE_GID, the group; else zero
 * @handle:            out: the handle in this file
 * @public_id:         out
 * @joined:            out: joined a live shared session
 */
struct ck_login_req {
	const void *pin;
	size_t pin_len;
	const void *nonce;
	size_t nonce_len;
	struct ep11sess_target targets[EP11SESS_MAX_APQNS];
	unsigned int ntargets;
	unsigned int wait_ms;
	bool all_or_nothing;
	const uint8_t *name;
	uint32_t scope;
	uint32_t gid;
	uint32_t handle;
	uint8_t public_id[16];
	bool joined;
};

/*
 * EP11SESS_IOC_LOGIN.  0 or -errno; @r->targets and @r->ntargets are the
 * kernel's per-APQN results in both cases.  Never repeated on EINTR: a
 * login cut short may have run, and the kernel logs such a session out
 * itself (docs/ioctl.md); the caller gets -EINTR.
 */
int ck_dev_login(struct ck_dev *d, struct ck_login_req *r);
/* EP11SESS_IOC_LOGOUT of a handle of this file: 0 or -errno (-EINTR as is). */
int ck_dev_logout(struct ck_dev *d, uint32_t handle);
/*
 * EP11SESS_IOC_LOGOUT with EP11SESS_LOGOUT_EVERYONE: the named session of
 * @handle ends for all its holders.  0 or -errno (-EINTR as is).
 */
int ck_dev_logout_everyone(struct ck_dev *d, uint32_t handle);
/*
 * EP11SESS_IOC_ATTACH: this file becomes a holder of the live session
 * named @name (EP11SESS_NAME_LEN bytes) in scope @scope/@id.  0 with
 * @handle and @public_id (may be NULL) set; -ENOENT when there is none,
 * -EPERM when the caller is not in the scope, another -errno else.
 * Repeated on EINTR: attaching twice gives the one handle.
 */
int ck_dev_attach(struct ck_dev *d, const uint8_t *name, uint32_t scope,
		  uint32_t id, uint32_t *handle, uint8_t public_id[16]);
/*
 * EP11SESS_IOC_KEEP: a keep-alive hold on the named session of @handle,
 * @ttl_ms 0 for none (at most EP11SESS_MAX_KEEP_MS), or with @release
 * (and @ttl_ms 0) the hold's end.  @expires_ns (may be NULL) gets when it
 * ends (0: never, or released).  0 or -errno: -ENOENT when releasing a
 * session without a hold; -EINTR as is.
 */
int ck_dev_keep(struct ck_dev *d, uint32_t handle, bool release,
		uint32_t ttl_ms, uint64_t *expires_ns);

/*
 * One EP11 request.  @handle 0: unbound, to @apqn; else bound to the
 * session (EP11SESS_SEND_SESSION) and sent to any of its APQNs
 * (EP11SESS_SEND_ANY_APQN) when @any_apqn, else to @apqn.  @served (may
 * be NULL) gets the APQN that answered, @result (may be NULL) the
 * kernel's EP11SESS_SEND_RELOGGED_IN (always 0 from a kernel without
 * EP11SESS_FEAT_RELOGIN).  Returns 0 or -errno; -EINTR is not repeated
 * (the request may have run).
 */
int ck_dev_send(struct ck_dev *d, uint32_t handle, bool any_apqn,
		const struct ep11sess_apqn *apqn, const void *req, size_t req_len,
		void *rep, size_t rep_cap, size_t *rep_len,
		struct ep11sess_apqn *served, uint32_t *result);

/*
 * EP11SESS_IOC_LIST of this file's sessions (or every session with
 * @all, CAP_SYS_ADMIN).  *@out is malloc'ed (free() it), *@n its entries;
 * *@out is NULL when *@n is 0.  Asks with no room first, then with room
 * for what the kernel counted, again while the count grows (-EAGAIN after
 * 64 attempts).
 */
int ck_dev_list(struct ck_dev *d, bool all, struct ep11sess_session_info **out,
		size_t *n);
/*
 * Whether this file holds @handle and the kernel still has its session
 * live (neither being logged out nor ended by an administrator), from
 * EP11SESS_IOC_LIST of the file's own sessions: 1 live, 0 not, or a
 * negative errno (-EINVAL for handle 0).
 */
int ck_dev_session_live(struct ck_dev *d, uint32_t handle);
/*
 * EP11SESS_IOC_STATUS; @cached: EP11SESS_STATUS_CACHED.  *@out malloc'ed
 * as for ck_dev_list(); only the call that fills the entries may ask the
 * cards (the count is asked with EP11SESS_STATUS_CACHED).
 */
int ck_dev_status(struct ck_dev *d, bool cached,
		  struct ep11sess_apqn_status **out, size_t *n);
/*
 * EP11SESS_IOC_ADMIN_LOGOUT: @a's filters in, @a->matched and @a->failed
 * out (@a->size, @a->apqn.pad and the out fields are set here).  0 or
 * -errno (-EINTR as is).
 */
int ck_dev_admin_logout(struct ck_dev *d, struct ep11sess_admin_logout *a);

/* Which call an errno came from: the mapping depends on it. */
enum ck_op {
	CK_OP_LOGIN,		/* EP11SESS_IOC_LOGIN at C_Login */
	CK_OP_LOGIN_STRICT,	/* EP11SESS_IOC_LOGIN at C_OpenSession (strict mode) */
	CK_OP_SEND,		/* EP11SESS_IOC_SEND */
	CK_OP_OTHER,
};

/*
 * The one table from a kernel errno (positive or negative) to CKR_*:
 * ENOSPC and EDQUOT (the card, this host's share of it, the user's quota
 * full) -> CKR_SESSION_COUNT for CK_OP_LOGIN_STRICT, CKR_DEVICE_MEMORY
 * for the other ops; ENODEV -> CKR_DEVICE_REMOVED; ESTALE -> CKR_USER_NOT_LOGGED_IN;
 * ENOMEM, EMFILE, ENFILE -> CKR_HOST_MEMORY; EACCES -> CKR_PIN_INCORRECT at
 * login (both login ops), CKR_GENERAL_ERROR otherwise; EEXIST (a named
 * login's name is another live session's) -> CKR_USER_ANOTHER_ALREADY_LOGGED_IN
 * at login (both login ops), CKR_GENERAL_ERROR otherwise;
 * EINVAL, E2BIG, EBADF -> CKR_ARGUMENTS_BAD; EINTR -> CKR_FUNCTION_CANCELED;
 * EPERM -> CKR_FUNCTION_REJECTED;
 * ETIMEDOUT, EIO, EPROTO, EBADMSG, EBUSY, EREMOTEIO, EXDEV, ECANCELED ->
 * CKR_DEVICE_ERROR; 0 -> CKR_OK; anything else (ENOENT, EFAULT, EMSGSIZE,
 * ENOTTY...) CKR_GENERAL_ERROR.  An @op the enum does not name counts as
 * CK_OP_OTHER.
 */
CK_RV ck_errno_to_rv(int err, enum ck_op op);

/*
 * A card's reply return code (ulDeviceError) to what the application
 * gets, from one table: the codes about the request's keys, mechanism,
 * template and data pass through (CKR_MECHANISM_INVALID,
 * CKR_KEY_TYPE_INCONSISTENT, CKR_DATA_LEN_RANGE, CKR_SIGNATURE_INVALID,
 * ...), and so does CKR_FUNCTION_NOT_SUPPORTED (a function the card does
 * not have); the codes about the card's own session, the transport and the
 * request's encoding (CKR_SESSION_CLOSED, CKR_SESSION_COUNT,
 * CKR_ARGUMENTS_BAD, CKR_BUFFER_TOO_SMALL, CKR_PIN_*) and every IBM
 * vendor code become CKR_DEVICE_ERROR; CKR_HOST_MEMORY becomes
 * CKR_DEVICE_MEMORY; CKR_OK stays CKR_OK; a code in neither list
 * CKR_DEVICE_ERROR.
 */
CK_RV ck_card_rc_to_rv(uint32_t rc);

#endif /* CK_DEV_H */
