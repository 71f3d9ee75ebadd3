// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the ioctl argument checks: every command rejects unknown
 * flags, non-zero reserved fields, short sizes and impossible values with
 * EINVAL before it touches user memory or a card, and unknown commands get
 * ENOTTY.  The send path's check of the CPRB header user space hands in:
 * the fields only the card sets and unknown flags give EINVAL.
 */
#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/string.h>

#include "../chardev.h"
#include "../ep11_wire.h"
#include "../orphan.h"
#include "../send.h"
#include "../session.h"

/**
 * union ioc_arg - any command's struct
 * @version: version
 * @login:   login
 * @logout:  logout
 * @send:    send
 * @list:    list
 * @status:  status
 * @exp:     export
 * @imp:     import
 * @admin:   admin logout
 */
union ioc_arg {
	struct ep11sess_version version;
	struct ep11sess_login login;
	struct ep11sess_logout logout;
	struct ep11sess_send send;
	struct ep11sess_list list;
	struct ep11sess_status status;
	struct ep11sess_export exp;
	struct ep11sess_import imp;
	struct ep11sess_admin_logout admin;
	struct ep11sess_attach attach;
	struct ep11sess_keep keep;
};

/**
 * struct ioc_case - one argument check
 * @name: what it pins down
 * @cmd:  the command
 * @size: the claimed size (0: the struct's)
 * @set:  fills the argument
 * @want: the expected result
 */
struct ioc_case {
	const char *name;
	unsigned int cmd;
	u32 size;
	void (*set)(union ioc_arg *a);
	int want;
};

static void login_ok(union ioc_arg *a)
{
	a->login.pin = 0x1000;
	a->login.pin_len = 8;
	a->login.targets = 0x2000;
	a->login.ntargets = 1;
	a->login.targets_cap = 1;
}

static void version_flag(union ioc_arg *a)
{
	a->version.flags = 1;
}

static void version_out(union ioc_arg *a)
{
	a->version.features = 1;
}

static void login_flag(union ioc_arg *a)
{
	login_ok(a);
	a->login.flags = 8;
}

static void login_named_noname(union ioc_arg *a)
{
	login_ok(a);
	a->login.flags = EP11SESS_LOGIN_NAMED;
}

static void login_named_scope7(union ioc_arg *a)
{
	login_ok(a);
	a->login.flags = EP11SESS_LOGIN_NAMED;
	a->login.name[0] = 'n';
	a->login.scope = 7;
}

static void login_named_uid_gid(union ioc_arg *a)
{
	login_ok(a);
	a->login.flags = EP11SESS_LOGIN_NAMED;
	a->login.name[0] = 'n';
	a->login.gid = 5;
}

static void login_name_unnamed(union ioc_arg *a)
{
	login_ok(a);
	a->login.name[15] = 'n';
}

static void login_scope_unnamed(union ioc_arg *a)
{
	login_ok(a);
	a->login.scope = EP11SESS_SCOPE_GID;
}

static void attach_ok(union ioc_arg *a)
{
	a->attach.name[0] = 'n';
}

static void attach_flag(union ioc_arg *a)
{
	attach_ok(a);
	a->attach.flags = 1;
}

static void attach_noname(union ioc_arg *a)
{
}

static void attach_handle(union ioc_arg *a)
{
	attach_ok(a);
	a->attach.handle = 1;
}

static void attach_pubid(union ioc_arg *a)
{
	attach_ok(a);
	a->attach.public_id[3] = 1;
}

static void attach_resv(union ioc_arg *a)
{
	attach_ok(a);
	a->attach.reserved = 1;
}

static void attach_scope7(union ioc_arg *a)
{
	attach_ok(a);
	a->attach.scope = 7;
}

static void attach_other_uid(union ioc_arg *a)
{
	attach_ok(a);
	a->attach.id = 4321;
}

static void keep_flag(union ioc_arg *a)
{
	a->keep.flags = 2;
}

static void keep_release_ttl(union ioc_arg *a)
{
	a->keep.flags = EP11SESS_KEEP_RELEASE;
	a->keep.ttl_ms = 5;
}

static void keep_ttl_max(union ioc_arg *a)
{
	a->keep.ttl_ms = EP11SESS_MAX_KEEP_MS + 1;
}

static void keep_expires(union ioc_arg *a)
{
	a->keep.expires_ns = 1;
}

static void keep_unknown(union ioc_arg *a)
{
	a->keep.handle = 77;
}

static void logout_everyone_unknown(union ioc_arg *a)
{
	a->logout.flags = EP11SESS_LOGOUT_EVERYONE;
	a->logout.handle = 77;
}

static void login_resv(union ioc_arg *a)
{
	login_ok(a);
	a->login.reserved = 1;
}

static void login_pin7(union ioc_arg *a)
{
	login_ok(a);
	a->login.pin_len = 7;
}

static void login_pin65(union ioc_arg *a)
{
	login_ok(a);
	a->login.pin_len = 65;
}

static void login_nopin(union ioc_arg *a)
{
	login_ok(a);
	a->login.pin = 0;
}

static void login_priv_nonce(union ioc_arg *a)
{
	login_ok(a);
	a->login.nonce = 0x3000;
	a->login.nonce_len = 4;
}

static void login_shared_nononce(union ioc_arg *a)
{
	login_ok(a);
	a->login.flags = EP11SESS_LOGIN_SHARED;
}

static void login_shared_long(union ioc_arg *a)
{
	login_shared_nononce(a);
	a->login.nonce = 0x3000;
	a->login.nonce_len = 65;
}

static void login_notarget(union ioc_arg *a)
{
	login_ok(a);
	a->login.ntargets = 0;
}

static void login_overcap(union ioc_arg *a)
{
	login_ok(a);
	a->login.ntargets = 2;
}

static void login_bigcap(union ioc_arg *a)
{
	login_ok(a);
	a->login.targets_cap = EP11SESS_MAX_APQNS + 1;
}

static void login_wait(union ioc_arg *a)
{
	login_ok(a);
	a->login.wait_ms = EP11SESS_MAX_WAIT_MS + 1;
}

static void login_handle(union ioc_arg *a)
{
	login_ok(a);
	a->login.handle = 1;
}

static void logout_flag(union ioc_arg *a)
{
	a->logout.flags = 2;
}

static void logout_resv(union ioc_arg *a)
{
	a->logout.reserved = 1;
}

static void logout_unknown(union ioc_arg *a)
{
	a->logout.handle = 77;
}

static void send_ok(union ioc_arg *a)
{
	a->send.req = 0x1000;
	a->send.rep = 0x2000;
	a->send.req_len = 64;
	a->send.rep_cap = 64;
}

static void send_flag(union ioc_arg *a)
{
	send_ok(a);
	a->send.flags = 8;
}

static void send_pad(union ioc_arg *a)
{
	send_ok(a);
	a->send.apqn.pad = 1;
}

static void send_nohandle(union ioc_arg *a)
{
	send_ok(a);
	a->send.flags = EP11SESS_SEND_SESSION;
}

static void send_stray_handle(union ioc_arg *a)
{
	send_ok(a);
	a->send.handle = 1;
}

static void send_short(union ioc_arg *a)
{
	send_ok(a);
	a->send.req_len = 31;
}

static void send_long(union ioc_arg *a)
{
	send_ok(a);
	a->send.req_len = EP11_MAX_MSG_LEN + 1;
}

static void send_noroom(union ioc_arg *a)
{
	send_ok(a);
	a->send.rep_cap = 8;
}

static void send_replen(union ioc_arg *a)
{
	send_ok(a);
	a->send.rep_len = 1;
}

static void send_result(union ioc_arg *a)
{
	send_ok(a);
	a->send.result = EP11SESS_SEND_RELOGGED_IN;
}

static void send_reserved(union ioc_arg *a)
{
	send_ok(a);
	a->send.reserved = 1;
}

static void send_nowait_unbound(union ioc_arg *a)
{
	send_ok(a);
	a->send.flags = EP11SESS_SEND_NO_WAIT;
}

static void list_ok(union ioc_arg *a)
{
	a->list.entry_size = sizeof(struct ep11sess_session_info);
}

static void list_flag(union ioc_arg *a)
{
	list_ok(a);
	a->list.flags = 2;
}

static void list_small(union ioc_arg *a)
{
	list_ok(a);
	a->list.entry_size = EP11SESS_SESSION_INFO_SIZE_VER1 - 1;
}

static void list_v1(union ioc_arg *a)
{
	list_ok(a);
	a->list.entry_size = EP11SESS_SESSION_INFO_SIZE_VER1;
}

static void list_noptr(union ioc_arg *a)
{
	list_ok(a);
	a->list.count = 1;
}

static void status_flag(union ioc_arg *a)
{
	a->status.entry_size = sizeof(struct ep11sess_apqn_status);
	a->status.flags = 2;
}

static void status_small(union ioc_arg *a)
{
	a->status.entry_size = 8;
}

static void status_ok(union ioc_arg *a)
{
	a->status.entry_size = sizeof(struct ep11sess_apqn_status);
	a->status.flags = EP11SESS_STATUS_CACHED;
}

static void status_orphaned(union ioc_arg *a)
{
	status_ok(a);
	a->status.orphaned = 1;
}

static void status_expired(union ioc_arg *a)
{
	status_ok(a);
	a->status.orphans_expired = 1;
}

static void export_flag(union ioc_arg *a)
{
	a->exp.flags = 1;
}

static void export_fd(union ioc_arg *a)
{
	a->exp.fd = 3;
}

static void export_unknown(union ioc_arg *a)
{
	a->exp.handle = 9;
}

static void import_flag(union ioc_arg *a)
{
	a->imp.flags = 1;
}

static void import_handle(union ioc_arg *a)
{
	a->imp.handle = 1;
}

static void import_badfd(union ioc_arg *a)
{
	a->imp.fd = -1;
}

static void admin_nofilter(union ioc_arg *a)
{
	a->admin.flags = EP11SESS_ADMIN_FORCE;
}

static void admin_flag(union ioc_arg *a)
{
	a->admin.flags = 0x100;
}

static void admin_pad(union ioc_arg *a)
{
	a->admin.flags = EP11SESS_ADMIN_BY_APQN;
	a->admin.apqn.pad = 1;
}

static void admin_nomatch(union ioc_arg *a)
{
	a->admin.flags = EP11SESS_ADMIN_BY_PID;
	a->admin.pid = 0x7ffffff0;
}

static void nothing(union ioc_arg *a)
{
}

static const struct ioc_case ioc_cases[] = {
	{ "version ok", EP11SESS_IOC_VERSION, 0, nothing, 0 },
	{ "version unknown flag", EP11SESS_IOC_VERSION, 0, version_flag, -EINVAL },
	{ "version output field set", EP11SESS_IOC_VERSION, 0, version_out, -EINVAL },
	{ "version size 4", EP11SESS_IOC_VERSION, 4, nothing, -EINVAL },
	{ "unknown command 0x3f", _IO(EP11SESS_IOC_MAGIC, 0x3f), 0, nothing, -ENOTTY },
	{ "vcard's command number", _IO(EP11SESS_IOC_MAGIC, 0x40), 0, nothing, -ENOTTY },
	{ "foreign magic", _IO('T', 0x01), 0, nothing, -ENOTTY },
	{ "number with a size", _IOW(EP11SESS_IOC_MAGIC, 0x00, u32), 0, nothing, -ENOTTY },
	{ "login unknown flag", EP11SESS_IOC_LOGIN, 0, login_flag, -EINVAL },
	{ "login reserved", EP11SESS_IOC_LOGIN, 0, login_resv, -EINVAL },
	{ "login PIN 7 bytes", EP11SESS_IOC_LOGIN, 0, login_pin7, -EINVAL },
	{ "login PIN 65 bytes", EP11SESS_IOC_LOGIN, 0, login_pin65, -EINVAL },
	{ "login no PIN pointer", EP11SESS_IOC_LOGIN, 0, login_nopin, -EINVAL },
	{ "login private with nonce", EP11SESS_IOC_LOGIN, 0, login_priv_nonce, -EINVAL },
	{ "login shared no nonce", EP11SESS_IOC_LOGIN, 0, login_shared_nononce, -EINVAL },
	{ "login shared nonce 65", EP11SESS_IOC_LOGIN, 0, login_shared_long, -EINVAL },
	{ "login no target", EP11SESS_IOC_LOGIN, 0, login_notarget, -EINVAL },
	{ "login targets over cap", EP11SESS_IOC_LOGIN, 0, login_overcap, -EINVAL },
	{ "login cap over max", EP11SESS_IOC_LOGIN, 0, login_bigcap, -EINVAL },
	{ "login wait over max", EP11SESS_IOC_LOGIN, 0, login_wait, -EINVAL },
	{ "login output handle set", EP11SESS_IOC_LOGIN, 0, login_handle, -EINVAL },
	{ "login short size", EP11SESS_IOC_LOGIN, 16, login_ok, -EINVAL },
	{ "login named, no name", EP11SESS_IOC_LOGIN, 0, login_named_noname, -EINVAL },
	{ "login named, scope 7", EP11SESS_IOC_LOGIN, 0, login_named_scope7, -EINVAL },
	{ "login named uid scope with a gid", EP11SESS_IOC_LOGIN, 0, login_named_uid_gid, -EINVAL },
	{ "login unnamed with a name", EP11SESS_IOC_LOGIN, 0, login_name_unnamed, -EINVAL },
	{ "login unnamed with a scope", EP11SESS_IOC_LOGIN, 0, login_scope_unnamed, -EINVAL },
	{ "logout unknown flag", EP11SESS_IOC_LOGOUT, 0, logout_flag, -EINVAL },
	{ "logout everyone unknown handle", EP11SESS_IOC_LOGOUT, 0, logout_everyone_unknown,
	  -ENOENT },
	{ "attach unknown flag", EP11SESS_IOC_ATTACH, 0, attach_flag, -EINVAL },
	{ "attach all-zero name", EP11SESS_IOC_ATTACH, 0, attach_noname, -EINVAL },
	{ "attach output handle set", EP11SESS_IOC_ATTACH, 0, attach_handle, -EINVAL },
	{ "attach output public id set", EP11SESS_IOC_ATTACH, 0, attach_pubid, -EINVAL },
	{ "attach reserved", EP11SESS_IOC_ATTACH, 0, attach_resv, -EINVAL },
	{ "attach scope 7", EP11SESS_IOC_ATTACH, 0, attach_scope7, -EINVAL },
	{ "attach another uid's scope", EP11SESS_IOC_ATTACH, 0, attach_other_uid, -EPERM },
	{ "attach a name nobody has", EP11SESS_IOC_ATTACH, 0, attach_ok, -ENOENT },
	{ "keep unknown flag", EP11SESS_IOC_KEEP, 0, keep_flag, -EINVAL },
	{ "keep release with a TTL", EP11SESS_IOC_KEEP, 0, keep_release_ttl, -EINVAL },
	{ "keep TTL over max", EP11SESS_IOC_KEEP, 0, keep_ttl_max, -EINVAL },
	{ "keep output expiry set", EP11SESS_IOC_KEEP, 0, keep_expires, -EINVAL },
	{ "keep unknown handle", EP11SESS_IOC_KEEP, 0, keep_unknown, -ENOENT },
	{ "logout reserved", EP11SESS_IOC_LOGOUT, 0, logout_resv, -EINVAL },
	{ "logout handle 0", EP11SESS_IOC_LOGOUT, 0, nothing, -ENOENT },
	{ "logout unknown handle", EP11SESS_IOC_LOGOUT, 0, logout_unknown, -ENOENT },
	{ "send unknown flag", EP11SESS_IOC_SEND, 0, send_flag, -EINVAL },
	{ "send APQN pad", EP11SESS_IOC_SEND, 0, send_pad, -EINVAL },
	{ "send session without handle", EP11SESS_IOC_SEND, 0, send_nohandle, -EINVAL },
	{ "send handle without flag", EP11SESS_IOC_SEND, 0, send_stray_handle, -EINVAL },
	{ "send result set", EP11SESS_IOC_SEND, 0, send_result, -EINVAL },
	{ "send reserved set", EP11SESS_IOC_SEND, 0, send_reserved, -EINVAL },
	{ "send no-wait without a session", EP11SESS_IOC_SEND, 0, send_nowait_unbound, -EINVAL },
	{ "send request below a header", EP11SESS_IOC_SEND, 0, send_short, -EINVAL },
	{ "send request over 64 KiB", EP11SESS_IOC_SEND, 0, send_long, -EINVAL },
	{ "send reply room below a header", EP11SESS_IOC_SEND, 0, send_noroom, -EINVAL },
	{ "send output length set", EP11SESS_IOC_SEND, 0, send_replen, -EINVAL },
	{ "list unknown flag", EP11SESS_IOC_LIST, 0, list_flag, -EINVAL },
	{ "list entry size too small", EP11SESS_IOC_LIST, 0, list_small, -EINVAL },
	{ "list room without pointer", EP11SESS_IOC_LIST, 0, list_noptr, -EINVAL },
	{ "list nothing held", EP11SESS_IOC_LIST, 0, list_ok, 0 },
	{ "list with version 1 entries", EP11SESS_IOC_LIST, 0, list_v1, 0 },
	{ "status unknown flag", EP11SESS_IOC_STATUS, 0, status_flag, -EINVAL },
	{ "status entry size too small", EP11SESS_IOC_STATUS, 0, status_small, -EINVAL },
	{ "status output orphan count set", EP11SESS_IOC_STATUS, 0, status_orphaned, -EINVAL },
	{ "status output expired count set", EP11SESS_IOC_STATUS, 0, status_expired, -EINVAL },
	{ "status size below version 1", EP11SESS_IOC_STATUS, EP11SESS_STATUS_SIZE_VER1 - 4,
	  status_ok, -EINVAL },
	{ "status with the version 1 size", EP11SESS_IOC_STATUS, EP11SESS_STATUS_SIZE_VER1,
	  status_ok, 0 },
	{ "status with the whole size", EP11SESS_IOC_STATUS, 0, status_ok, 0 },
	{ "export unknown flag", EP11SESS_IOC_EXPORT, 0, export_flag, -EINVAL },
	{ "export output fd set", EP11SESS_IOC_EXPORT, 0, export_fd, -EINVAL },
	{ "export unknown handle", EP11SESS_IOC_EXPORT, 0, export_unknown, -ENOENT },
	{ "import unknown flag", EP11SESS_IOC_IMPORT, 0, import_flag, -EINVAL },
	{ "import output handle set", EP11SESS_IOC_IMPORT, 0, import_handle, -EINVAL },
	{ "import bad fd", EP11SESS_IOC_IMPORT, 0, import_badfd, -EBADF },
	{ "admin without a filter", EP11SESS_IOC_ADMIN_LOGOUT, 0, admin_nofilter, -EINVAL },
	{ "admin unknown flag", EP11SESS_IOC_ADMIN_LOGOUT, 0, admin_flag, -EINVAL },
	{ "admin APQN pad", EP11SESS_IOC_ADMIN_LOGOUT, 0, admin_pad, -EINVAL },
	{ "admin nothing matches", EP11SESS_IOC_ADMIN_LOGOUT, 0, admin_nomatch, -ENOENT },
};

static void ioc_case_desc(const struct ioc_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ioc, ioc_cases, ioc_case_desc);

static u32 ioc_size(unsigned int cmd)
{
	switch (cmd) {
	case EP11SESS_IOC_VERSION:
		return sizeof(struct ep11sess_version);
	case EP11SESS_IOC_LOGIN:
		return sizeof(struct ep11sess_login);
	case EP11SESS_IOC_LOGOUT:
		return sizeof(struct ep11sess_logout);
	case EP11SESS_IOC_SEND:
		return sizeof(struct ep11sess_send);
	case EP11SESS_IOC_LIST:
		return sizeof(struct ep11sess_list);
	case EP11SESS_IOC_STATUS:
		return sizeof(struct ep11sess_status);
	case EP11SESS_IOC_EXPORT:
		return sizeof(struct ep11sess_export);
	case EP11SESS_IOC_IMPORT:
		return sizeof(struct ep11sess_import);
	case EP11SESS_IOC_ADMIN_LOGOUT:
		return sizeof(struct ep11sess_admin_logout);
	case EP11SESS_IOC_ATTACH:
		return sizeof(struct ep11sess_attach);
	case EP11SESS_IOC_KEEP:
		return sizeof(struct ep11sess_keep);
	default:
		return sizeof(union ioc_arg);
	}
}

static void ioc_argument_check(struct kunit *test)
{
	const struct ioc_case *c = test->param_value;
	struct ep11_file *ef;
	union ioc_arg a;
	u32 size;

	ef = kunit_kzalloc(test, sizeof(*ef), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ef);
	xa_init_flags(&ef->handles, XA_FLAGS_ALLOC1);
	mutex_init(&ef->lock);
	memset(&a, 0, sizeof(a));
	c->set(&a);
	size = c->size ? c->size : ioc_size(c->cmd);
	a.version.size = size;
	KUNIT_EXPECT_EQ(test, ep11_ioctl_kernel(ef, c->cmd, &a, size), c->want);
	if (c->cmd == EP11SESS_IOC_VERSION && !c->want) {
		KUNIT_EXPECT_EQ(test, a.version.abi_version,
				(u32)EP11SESS_ABI_VERSION);
		KUNIT_EXPECT_NE(test, a.version.features, 0ULL);
	}
	KUNIT_EXPECT_TRUE_MSG(test, xa_empty(&ef->handles),
			      "a rejected command left a handle behind");
	xa_destroy(&ef->handles);
	mutex_destroy(&ef->lock);
}

/**
 * struct cprb_case - one check of a send request's CPRB header
 * @name: what it pins down
 * @off:  offset of the byte to set in the header
 * @val:  its value
 * @want: the expected result
 */
struct cprb_case {
	const char *name;
	unsigned int off;
	u8 val;
	int want;
};

#define CPRB_AT(field)	offsetof(struct ep11_cprb, field)

static const struct cprb_case cprb_cases[] = {
	{ "send CPRB as built", CPRB_AT(flags), 0, 0 },
	{ "send CPRB admin flag", CPRB_AT(flags), EP11_CPRB_FLAG_ADMIN, 0 },
	{ "send CPRB special flag", CPRB_AT(flags), EP11_CPRB_FLAG_SPECIAL, 0 },
	{ "send CPRB unknown flag 0x01", CPRB_AT(flags), 0x01, -EINVAL },
	{ "send CPRB unknown flag 0x40", CPRB_AT(flags), 0x40, -EINVAL },
	{ "send CPRB source id", CPRB_AT(source_id) + 3, 1, -EINVAL },
	{ "send CPRB return code", CPRB_AT(ret_code), 0x80, -EINVAL },
	{ "send CPRB reserved1", CPRB_AT(reserved1) + 1, 1, -EINVAL },
	{ "send CPRB reserved2", CPRB_AT(reserved2) + 2, 1, -EINVAL },
};

static void cprb_case_desc(const struct cprb_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(cprb, cprb_cases, cprb_case_desc);

static void send_cprb_check(struct kunit *test)
{
	const struct cprb_case *c = test->param_value;
	struct ep11_wbuf b;
	struct ep11_msg m;
	u8 req[64];
	int len;

	ep11_wire_request_init(&b, req, sizeof(req),
			       EP11_FN(EP11_FN_GENERATE_RANDOM), 1, 0);
	ep11_wire_put_u32(&b, 16);
	len = ep11_wire_finish(&b);
	KUNIT_ASSERT_GT(test, len, 0);
	req[c->off] = c->val;
	/* The shared parser accepts it: the check is the send path's own. */
	KUNIT_ASSERT_GE(test, ep11_wire_parse_request(req, len, &m), 0);
	KUNIT_EXPECT_EQ(test, ep11_send_check_cprb(req), c->want);
}

/* STATUS tells the orphan store's counters and the module's time-out. */
static void ioc_status_reports_the_orphans(struct kunit *test)
{
	unsigned int timeout = ep11_orphan_timeout_s;
	struct ep11_orphan_stats os;
	struct ep11_file *ef;
	union ioc_arg a;

	ef = kunit_kzalloc(test, sizeof(*ef), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ef);
	xa_init_flags(&ef->handles, XA_FLAGS_ALLOC1);
	mutex_init(&ef->lock);
	ep11_orphan_timeout_s = 1234;
	memset(&a, 0, sizeof(a));
	status_ok(&a);
	a.status.size = sizeof(a.status);
	KUNIT_EXPECT_EQ(test, ep11_ioctl_kernel(ef, EP11SESS_IOC_STATUS, &a,
						sizeof(a.status)), 0);
	ep11_orphan_timeout_s = timeout;
	ep11_orphan_stats(&os);
	KUNIT_EXPECT_EQ(test, a.status.orphan_timeout_s, 1234U);
	KUNIT_EXPECT_EQ(test, a.status.orphaned, os.kept);
	KUNIT_EXPECT_EQ(test, a.status.orphans_adopted, os.adopted);
	KUNIT_EXPECT_EQ(test, a.status.orphans_expired, os.expired);
	xa_destroy(&ef->handles);
	mutex_destroy(&ef->lock);
}

static struct kunit_case ep11_ioctl_test_cases[] = {
	KUNIT_CASE_PARAM(ioc_argument_check, ioc_gen_params),
	KUNIT_CASE(ioc_status_reports_the_orphans),
	KUNIT_CASE_PARAM(send_cprb_check, cprb_gen_params),
	{}
};

static struct kunit_suite ep11_ioctl_test_suite = {
	.name = "ep11sess-ioctl",
	.test_cases = ep11_ioctl_test_cases,
};

kunit_test_suite(ep11_ioctl_test_suite);
