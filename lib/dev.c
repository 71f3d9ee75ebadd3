// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dev.c: /dev/ep11sess from user space.  The node comes from libudev (a
 * context per call, none shared between threads), every command's struct
 * starts with its size and leaves reserved fields zero
 * (include/uapi/linux/ep11sess.h), and the kernel's errnos and the card's
 * return codes become CKR_* values through one table each.
 *
 * EINTR: only commands that change nothing, or nothing more when done
 * twice, are repeated (VERSION, LIST, STATUS, ATTACH: attaching again
 * gives the handle the file already has).  A LOGIN cut short may have run on a card, and the kernel
 * itself logs such a session in again and out (docs/ioctl.md); a LOGOUT,
 * SEND or ADMIN_LOGOUT may have done its work; repeating them could do it
 * twice or report a dropped handle as unknown.  Those return -EINTR.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libudev.h>
#include <linux/ep11.h>

#include "dev.h"

#define CK_DEV_FALLBACK		"/dev/ep11sess"

/* LIST and STATUS: attempts while the number of entries keeps growing. */
#define CK_DEV_GROW_TRIES	64

/* One command; -errno on failure, repeated on EINTR only when @again. */
static int dev_ioctl(const struct ck_dev *d, unsigned long cmd, void *arg,
		     bool again)
{
	int r;

	if (!d || d->fd < 0)
		return -EBADF;
	do {
		r = ioctl(d->fd, cmd, arg);
	} while (r < 0 && errno == EINTR && again);
	return r < 0 ? -errno : 0;
}

static void __attribute__((format(printf, 3, 4)))
dev_msg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The node: libudev's for misc/ep11sess, else the usual path. */
static void dev_node(char *buf, size_t len)
{
	struct udev_device *dev;
	const char *node;
	struct udev *udev;

	snprintf(buf, len, "%s", CK_DEV_FALLBACK);
	udev = udev_new();
	if (!udev)
		return;
	dev = udev_device_new_from_subsystem_sysname(udev, "misc", "ep11sess");
	if (dev) {
		node = udev_device_get_devnode(dev);
		if (node && strlen(node) < len)
			snprintf(buf, len, "%s", node);
		udev_device_unref(dev);
	}
	udev_unref(udev);
}

int ck_dev_open(struct ck_dev *d, char *err, size_t errlen)
{
	struct ep11sess_version v;
	char path[4096];
	const char *env, *hint = "";
	struct stat st;
	int fd, ret;

	if (!d) {
		dev_msg(err, errlen, "no device handle given");
		return -EINVAL;
	}
	d->fd = -1;
	d->features = 0;
	env = secure_getenv(CK_DEV_ENV);
	if (env && *env) {
		if (strlen(env) >= sizeof(path)) {
			dev_msg(err, errlen, "%s: the path is too long",
				CK_DEV_ENV);
			return -ENAMETOOLONG;
		}
		snprintf(path, sizeof(path), "%s", env);
	} else {
		dev_node(path, sizeof(path));
	}

	do {
		fd = open(path, O_RDWR | O_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT || ret == -ENXIO || ret == -ENODEV)
			hint = " (is the ep11sess module loaded?)";
		else if (ret == -EACCES || ret == -EPERM)
			hint = " (the device's group or ACL must let this user read and write it)";
		dev_msg(err, errlen, "cannot open %s: %s%s", path,
			 strerror(-ret), hint);
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		dev_msg(err, errlen, "%s: %s", path, strerror(-ret));
		goto fail;
	}
	if (!S_ISCHR(st.st_mode)) {
		ret = -ENOTTY;
		dev_msg(err, errlen,
			 "%s is not the ep11sess device: not a character device",
			 path);
		goto fail;
	}

	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	ret = dev_ioctl(&(struct ck_dev){ .fd = fd }, EP11SESS_IOC_VERSION, &v,
			true);
	if (ret) {
		dev_msg(err, errlen,
			 "%s is not the ep11sess device: EP11SESS_IOC_VERSION failed: %s",
			 path, strerror(-ret));
		goto fail;
	}
	if (v.abi_version != EP11SESS_ABI_VERSION) {
		ret = -EPROTO;
		dev_msg(err, errlen,
			 "%s: the ep11sess module speaks ABI version %u, this library version %u: install a module and library of one release",
			 path, v.abi_version, EP11SESS_ABI_VERSION);
		goto fail;
	}
	d->fd = fd;
	d->features = v.features;
	return 0;
fail:
	close(fd);
	return ret;
}

void ck_dev_close(struct ck_dev *d)
{
	if (d && d->fd >= 0) {
		close(d->fd);
		d->fd = -1;
	}
}

int ck_dev_login(struct ck_dev *d, struct ck_login_req *r)
{
	struct ep11sess_login l;
	unsigned int i;
	int ret;

	if (!r)
		return -EINVAL;
	r->handle = 0;
	r->joined = false;
	memset(r->public_id, 0, sizeof(r->public_id));
	if (!r->ntargets || r->ntargets > EP11SESS_MAX_APQNS ||
	    !r->pin || r->pin_len > UINT32_MAX ||
	    (!r->nonce) != (!r->nonce_len) || r->nonce_len > UINT32_MAX ||
	    (!r->name && (r->scope || r->gid)) ||
	    (r->scope != EP11SESS_SCOPE_GID && r->gid) ||
	    r->scope > EP11SESS_SCOPE_GID)
		return -EINVAL;
	for (i = 0; i < r->ntargets; i++) {
		struct ep11sess_target *t = &r->targets[i];

		t->apqn.pad = 0;
		t->error = 0;
		t->ep11_rc = 0;
		t->state = 0;
		t->reserved = 0;
	}

	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.flags = (r->nonce ? EP11SESS_LOGIN_SHARED : 0) |
		  (r->all_or_nothing ? EP11SESS_LOGIN_ALL_OR_NOTHING : 0) |
		  (r->name ? EP11SESS_LOGIN_NAMED : 0);
	if (r->name) {
		memcpy(l.name, r->name, EP11SESS_NAME_LEN);
		l.scope = r->scope;
		l.gid = r->gid;
	}
	l.pin_len = (uint32_t)r->pin_len;
	l.nonce_len = (uint32_t)r->nonce_len;
	l.pin = (uintptr_t)r->pin;
	l.nonce = (uintptr_t)r->nonce;
	l.targets = (uintptr_t)r->targets;
	l.ntargets = r->ntargets;
	l.targets_cap = EP11SESS_MAX_APQNS;
	l.wait_ms = r->wait_ms;

	ret = dev_ioctl(d, EP11SESS_IOC_LOGIN, &l, false);
	/* The kernel writes the targets back on failure too. */
	if (l.ntargets <= EP11SESS_MAX_APQNS)
		r->ntargets = l.ntargets;
	if (ret)
		return ret;
	r->handle = l.handle;
	memcpy(r->public_id, l.public_id, sizeof(r->public_id));
	r->joined = l.joined != 0;
	return 0;
}

static int dev_logout(struct ck_dev *d, uint32_t handle, uint32_t flags)
{
	struct ep11sess_logout l;

	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.flags = flags;
	l.handle = handle;
	return dev_ioctl(d, EP11SESS_IOC_LOGOUT, &l, false);
}

int ck_dev_logout(struct ck_dev *d, uint32_t handle)
{
	return dev_logout(d, handle, 0);
}

int ck_dev_logout_everyone(struct ck_dev *d, uint32_t handle)
{
	return dev_logout(d, handle, EP11SESS_LOGOUT_EVERYONE);
}

int ck_dev_attach(struct ck_dev *d, const uint8_t *name, uint32_t scope,
		  uint32_t id, uint32_t *handle, uint8_t public_id[16])
{
	struct ep11sess_attach a;
	int ret;

	if (!name || !handle)
		return -EINVAL;
	*handle = 0;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	memcpy(a.name, name, EP11SESS_NAME_LEN);
	a.scope = scope;
	a.id = id;
	ret = dev_ioctl(d, EP11SESS_IOC_ATTACH, &a, true);
	if (ret)
		return ret;
	if (!a.handle)
		return -EPROTO;
	*handle = a.handle;
	if (public_id)
		memcpy(public_id, a.public_id, sizeof(a.public_id));
	return 0;
}

int ck_dev_keep(struct ck_dev *d, uint32_t handle, bool release,
		uint32_t ttl_ms, uint64_t *expires_ns)
{
	struct ep11sess_keep k;
	int ret;

	if (expires_ns)
		*expires_ns = 0;
	if (release && ttl_ms)
		return -EINVAL;
	memset(&k, 0, sizeof(k));
	k.size = sizeof(k);
	k.flags = release ? EP11SESS_KEEP_RELEASE : 0;
	k.handle = handle;
	k.ttl_ms = ttl_ms;
	ret = dev_ioctl(d, EP11SESS_IOC_KEEP, &k, false);
	if (!ret && expires_ns)
		*expires_ns = k.expires_ns;
	return ret;
}

int ck_dev_send(struct ck_dev *d, uint32_t handle, bool any_apqn,
		const struct ep11sess_apqn *apqn, const void *req, size_t req_len,
		void *rep, size_t rep_cap, size_t *rep_len,
		struct ep11sess_apqn *served, uint32_t *result)
{
	struct ep11sess_send s;
	int ret;

	if (rep_len)
		*rep_len = 0;
	if (result)
		*result = 0;
	if (!req || !rep || !rep_len || req_len > UINT32_MAX ||
	    (any_apqn && !handle) || (!apqn && !(handle && any_apqn)))
		return -EINVAL;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	if (handle)
		s.flags = EP11SESS_SEND_SESSION |
			  (any_apqn ? EP11SESS_SEND_ANY_APQN : 0);
	s.handle = handle;
	if (apqn) {
		s.apqn.card = apqn->card;
		s.apqn.domain = apqn->domain;
	}
	s.req = (uintptr_t)req;
	s.rep = (uintptr_t)rep;
	s.req_len = (uint32_t)req_len;
	s.rep_cap = rep_cap > UINT32_MAX ? UINT32_MAX : (uint32_t)rep_cap;

	ret = dev_ioctl(d, EP11SESS_IOC_SEND, &s, false);
	if (ret)
		return ret;
	if (s.rep_len > rep_cap)
		return -EPROTO;
	*rep_len = s.rep_len;
	if (result)
		*result = s.result;
	if (served) {
		memset(served, 0, sizeof(*served));
		served->card = s.apqn.card;
		served->domain = s.apqn.domain;
	}
	return 0;
}

/*
 * LIST and STATUS share their argument's layout up to @count, STATUS's
 * ABI version 1 size (its orphan counts come after, and are not asked
 * for here): ask with no room for the number of entries, then with room
 * for them, again while it grows.  @first_flags go with the first call,
 * @flags with the others.
 */
#define CK_SAME_FIELD(f) \
	(offsetof(struct ep11sess_list, f) == offsetof(struct ep11sess_status, f))
_Static_assert(sizeof(struct ep11sess_list) == EP11SESS_STATUS_SIZE_VER1 &&
	       CK_SAME_FIELD(flags) && CK_SAME_FIELD(entries) &&
	       CK_SAME_FIELD(entry_size) && CK_SAME_FIELD(count),
	       "the LIST and STATUS arguments differ");

static int dev_table(struct ck_dev *d, unsigned long cmd, uint32_t first_flags,
		     uint32_t flags, size_t entry_size, void **out, size_t *n)
{
	uint32_t room = 0;
	void *buf = NULL, *p;
	unsigned int tries;
	int ret;

	if (!out || !n)
		return -EINVAL;
	*out = NULL;
	*n = 0;
	for (tries = 0; tries < CK_DEV_GROW_TRIES; tries++) {
		union {
			struct ep11sess_list list;
			struct ep11sess_status status;
		} a;

		memset(&a, 0, sizeof(a));
		/* The two layouts are one (checked above): fill in the list's. */
		a.list.size = sizeof(a.list);
		a.list.flags = tries ? flags : first_flags;
		a.list.entries = (uintptr_t)buf;
		a.list.entry_size = (uint32_t)entry_size;
		a.list.count = room;
		ret = dev_ioctl(d, cmd, &a, true);
		if (ret) {
			free(buf);
			return ret;
		}
		if (a.list.count <= room && tries) {
			if (!a.list.count) {
				free(buf);
				buf = NULL;
			}
			*out = buf;
			*n = a.list.count;
			return 0;
		}
		if (!a.list.count) {
			/* Nothing to list: no second call needed. */
			return 0;
		}
		room = a.list.count;
		if (room > SIZE_MAX / entry_size) {
			free(buf);
			return -ENOMEM;
		}
		p = realloc(buf, (size_t)room * entry_size);
		if (!p) {
			free(buf);
			return -ENOMEM;
		}
		buf = p;
		memset(buf, 0, (size_t)room * entry_size);
	}
	free(buf);
	return -EAGAIN;
}

int ck_dev_list(struct ck_dev *d, bool all, struct ep11sess_session_info **out,
		size_t *n)
{
	uint32_t flags = all ? EP11SESS_LIST_ALL : 0;
	void *p = NULL;
	int ret;

	if (!out)
		return -EINVAL;
	ret = dev_table(d, EP11SESS_IOC_LIST, flags, flags,
			sizeof(struct ep11sess_session_info), &p, n);
	*out = p;
	return ret;
}

int ck_dev_session_live(struct ck_dev *d, uint32_t handle)
{
	struct ep11sess_session_info *l = NULL;
	size_t n = 0, i;
	int ret, live = 0;

	if (!handle)
		return -EINVAL;
	ret = ck_dev_list(d, false, &l, &n);
	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		if (l[i].handle == handle)
			live = !(l[i].flags & EP11SESS_SESSION_DYING);
	free(l);
	return live;
}

int ck_dev_status(struct ck_dev *d, bool cached,
		  struct ep11sess_apqn_status **out, size_t *n)
{
	/*
	 * Counting the APQNs asks no card: only the call that fills the
	 * entries refreshes the cards' counts (unless @cached).
	 */
	void *p = NULL;
	int ret;

	if (!out)
		return -EINVAL;
	ret = dev_table(d, EP11SESS_IOC_STATUS, EP11SESS_STATUS_CACHED,
			cached ? EP11SESS_STATUS_CACHED : 0,
			sizeof(struct ep11sess_apqn_status), &p, n);
	*out = p;
	return ret;
}

int ck_dev_admin_logout(struct ck_dev *d, struct ep11sess_admin_logout *a)
{
	if (!a)
		return -EINVAL;
	a->size = sizeof(*a);
	a->apqn.pad = 0;
	a->matched = 0;
	a->failed = 0;
	return dev_ioctl(d, EP11SESS_IOC_ADMIN_LOGOUT, a, false);
}

/* The columns of errno_map, one per enum ck_op. */
#define CK_NOPS		(CK_OP_OTHER + 1)
#define ALL_OPS(rv)	{ rv, rv, rv, rv }

/**
 * struct ck_errno_map - one kernel errno and what each call makes of it
 * @err: the errno, positive
 * @rv:  the CKR_* value, indexed by enum ck_op
 */
static const struct ck_errno_map {
	int err;
	CK_RV rv[CK_NOPS];
} errno_map[] = {
	{ 0, ALL_OPS(CKR_OK) },
	/* A full card: the session count for strict mode's C_OpenSession. */
	{ ENOSPC, {
		[CK_OP_LOGIN] = CKR_DEVICE_MEMORY,
		[CK_OP_LOGIN_STRICT] = CKR_SESSION_COUNT,
		[CK_OP_SEND] = CKR_DEVICE_MEMORY,
		[CK_OP_OTHER] = CKR_DEVICE_MEMORY,
	} },
	/* The uid's share of the card, or the file's handles. */
	/* This host's share or the user's quota: as a full card. */
	{ EDQUOT, {
		[CK_OP_LOGIN] = CKR_DEVICE_MEMORY,
		[CK_OP_LOGIN_STRICT] = CKR_SESSION_COUNT,
		[CK_OP_SEND] = CKR_DEVICE_MEMORY,
		[CK_OP_OTHER] = CKR_DEVICE_MEMORY,
	} },
	/* The card refused the PIN (only a login sends one). */
	{ EACCES, {
		[CK_OP_LOGIN] = CKR_PIN_INCORRECT,
		[CK_OP_LOGIN_STRICT] = CKR_PIN_INCORRECT,
		[CK_OP_SEND] = CKR_GENERAL_ERROR,
		[CK_OP_OTHER] = CKR_GENERAL_ERROR,
	} },
	/* A named login's name is another live session's. */
	{ EEXIST, {
		[CK_OP_LOGIN] = CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
		[CK_OP_LOGIN_STRICT] = CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
		[CK_OP_SEND] = CKR_GENERAL_ERROR,
		[CK_OP_OTHER] = CKR_GENERAL_ERROR,
	} },
	/* No APQN reachable. */
	{ ENODEV, ALL_OPS(CKR_DEVICE_REMOVED) },
	/* An administrator logged the session out. */
	{ ESTALE, ALL_OPS(CKR_USER_NOT_LOGGED_IN) },
	{ ENOMEM, ALL_OPS(CKR_HOST_MEMORY) },
	{ EMFILE, ALL_OPS(CKR_HOST_MEMORY) },
	{ ENFILE, ALL_OPS(CKR_HOST_MEMORY) },
	/* The kernel refused the argument or the request. */
	{ EINVAL, ALL_OPS(CKR_ARGUMENTS_BAD) },
	{ E2BIG, ALL_OPS(CKR_ARGUMENTS_BAD) },
	{ EBADF, ALL_OPS(CKR_ARGUMENTS_BAD) },
	/* The card or the transport failed. */
	{ ETIMEDOUT, ALL_OPS(CKR_DEVICE_ERROR) },
	{ EIO, ALL_OPS(CKR_DEVICE_ERROR) },
	{ EPROTO, ALL_OPS(CKR_DEVICE_ERROR) },
	{ EBADMSG, ALL_OPS(CKR_DEVICE_ERROR) },
	{ EBUSY, ALL_OPS(CKR_DEVICE_ERROR) },
	{ EREMOTEIO, ALL_OPS(CKR_DEVICE_ERROR) },
	{ EXDEV, ALL_OPS(CKR_DEVICE_ERROR) },
	{ ECANCELED, ALL_OPS(CKR_DEVICE_ERROR) },
	{ EINTR, ALL_OPS(CKR_FUNCTION_CANCELED) },
	/* CAP_SYS_ADMIN needed. */
	{ EPERM, ALL_OPS(CKR_FUNCTION_REJECTED) },
	/* The library's own mistakes: an unknown handle, a bad buffer. */
	{ ENOENT, ALL_OPS(CKR_GENERAL_ERROR) },
	{ EFAULT, ALL_OPS(CKR_GENERAL_ERROR) },
	{ EMSGSIZE, ALL_OPS(CKR_GENERAL_ERROR) },
	{ ENOTTY, ALL_OPS(CKR_GENERAL_ERROR) },
};

CK_RV ck_errno_to_rv(int err, enum ck_op op)
{
	unsigned int i;

	if (err == INT_MIN)
		return CKR_GENERAL_ERROR;
	if (err < 0)
		err = -err;
	if ((unsigned int)op >= CK_NOPS)
		op = CK_OP_OTHER;
	for (i = 0; i < sizeof(errno_map) / sizeof(errno_map[0]); i++)
		if (errno_map[i].err == err)
			return errno_map[i].rv[op];
	return CKR_GENERAL_ERROR;
}

/**
 * struct ck_card_rc_map - one card return code and what the caller gets
 * @rc: the card's code (docs/ep11-wire.md, "Return codes")
 * @rv: the CKR_* value
 */
static const struct ck_card_rc_map {
	uint32_t rc;
	CK_RV rv;
} card_rc_map[] = {
	{ CKR_OK, CKR_OK },
	/* About the request's keys, mechanism, template and data: passed on. */
	{ CKR_ATTRIBUTE_READ_ONLY, CKR_ATTRIBUTE_READ_ONLY },
	{ CKR_ATTRIBUTE_SENSITIVE, CKR_ATTRIBUTE_SENSITIVE },
	{ CKR_ATTRIBUTE_TYPE_INVALID, CKR_ATTRIBUTE_TYPE_INVALID },
	{ CKR_ATTRIBUTE_VALUE_INVALID, CKR_ATTRIBUTE_VALUE_INVALID },
	{ CKR_DATA_INVALID, CKR_DATA_INVALID },
	{ CKR_DATA_LEN_RANGE, CKR_DATA_LEN_RANGE },
	{ CKR_ENCRYPTED_DATA_INVALID, CKR_ENCRYPTED_DATA_INVALID },
	{ CKR_ENCRYPTED_DATA_LEN_RANGE, CKR_ENCRYPTED_DATA_LEN_RANGE },
	{ CKR_FUNCTION_NOT_SUPPORTED, CKR_FUNCTION_NOT_SUPPORTED },
	{ CKR_KEY_SIZE_RANGE, CKR_KEY_SIZE_RANGE },
	{ CKR_KEY_TYPE_INCONSISTENT, CKR_KEY_TYPE_INCONSISTENT },
	{ CKR_KEY_FUNCTION_NOT_PERMITTED, CKR_KEY_FUNCTION_NOT_PERMITTED },
	{ CKR_KEY_NOT_WRAPPABLE, CKR_KEY_NOT_WRAPPABLE },
	{ CKR_MECHANISM_INVALID, CKR_MECHANISM_INVALID },
	{ CKR_MECHANISM_PARAM_INVALID, CKR_MECHANISM_PARAM_INVALID },
	{ CKR_SIGNATURE_INVALID, CKR_SIGNATURE_INVALID },
	{ CKR_SIGNATURE_LEN_RANGE, CKR_SIGNATURE_LEN_RANGE },
	{ CKR_TEMPLATE_INCOMPLETE, CKR_TEMPLATE_INCOMPLETE },
	{ CKR_TEMPLATE_INCONSISTENT, CKR_TEMPLATE_INCONSISTENT },
	{ CKR_WRAPPED_KEY_INVALID, CKR_WRAPPED_KEY_INVALID },
	{ CKR_WRAPPED_KEY_LEN_RANGE, CKR_WRAPPED_KEY_LEN_RANGE },
	{ CKR_CURVE_NOT_SUPPORTED, CKR_CURVE_NOT_SUPPORTED },
	/* The card's memory, not the host's. */
	{ CKR_HOST_MEMORY, CKR_DEVICE_MEMORY },
	/*
	 * The card's own session, the transport, the request's encoding,
	 * the card PIN: the library's business, not the application's.
	 */
	{ CKR_ARGUMENTS_BAD, CKR_DEVICE_ERROR },
	{ CKR_BUFFER_TOO_SMALL, CKR_DEVICE_ERROR },
	{ CKR_DEVICE_ERROR, CKR_DEVICE_ERROR },
	{ CKR_GENERAL_ERROR, CKR_DEVICE_ERROR },
	{ CKR_PIN_INCORRECT, CKR_DEVICE_ERROR },
	{ CKR_PIN_INVALID, CKR_DEVICE_ERROR },
	{ CKR_PIN_LEN_RANGE, CKR_DEVICE_ERROR },
	{ CKR_PIN_EXPIRED, CKR_DEVICE_ERROR },
	{ CKR_PIN_LOCKED, CKR_DEVICE_ERROR },
	{ CKR_SESSION_CLOSED, CKR_DEVICE_ERROR },
	{ CKR_SESSION_COUNT, CKR_DEVICE_ERROR },
	/* IBM's codes (and any other vendor code, below). */
	{ EP11_CKR_IBM_WKID_MISMATCH, CKR_DEVICE_ERROR },
	{ EP11_CKR_IBM_INTERNAL_ERROR, CKR_DEVICE_ERROR },
	{ EP11_CKR_IBM_TRANSPORT_ERROR, CKR_DEVICE_ERROR },
	{ EP11_CKR_IBM_BLOB_ERROR, CKR_DEVICE_ERROR },
	{ EP11_CKR_IBM_REQ_TIMEOUT, CKR_DEVICE_ERROR },
	{ EP11_CKR_IBM_SESSION_IMMUTABLE, CKR_DEVICE_ERROR },
};

CK_RV ck_card_rc_to_rv(uint32_t rc)
{
	unsigned int i;

	for (i = 0; i < sizeof(card_rc_map) / sizeof(card_rc_map[0]); i++)
		if (card_rc_map[i].rc == rc)
			return card_rc_map[i].rv;
	/* Vendor codes and codes in neither list. */
	return CKR_DEVICE_ERROR;
}
