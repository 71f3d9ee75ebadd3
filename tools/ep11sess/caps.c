// SPDX-License-Identifier: GPL-2.0
/*
 * The capabilities the kernel checks, checked first so that a command
 * that cannot succeed says which one is missing: CAP_SYS_ADMIN for
 * logout, monitor, a status that asks the cards and a show of everyone's
 * sessions; CAP_NET_ADMIN as well for logout (an admin-only netlink
 * command).
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "ep11sess.h"

bool ep11_has_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap);
}

const char *ep11_cap_hint(const char *what)
{
	if (!strcmp(what, "logout"))
		return "logout needs CAP_SYS_ADMIN and CAP_NET_ADMIN, which root has; membership of group ep11 only grants the use of /dev/ep11sess";
	return "this needs CAP_SYS_ADMIN, which root has; membership of group ep11 only grants the use of /dev/ep11sess";
}

int ep11_need_caps(const char *what, bool net_admin)
{
	bool sys = ep11_has_cap(CAP_SYS_ADMIN);
	bool net = !net_admin || ep11_has_cap(CAP_NET_ADMIN);

	if (sys && net)
		return 0;
	return ep11_fail(EP11_EXIT_PERM, EPERM,
			 "%s: permission denied: this process lacks %s%s%s; %s",
			 what, sys ? "" : "CAP_SYS_ADMIN",
			 !sys && !net ? " and " : "", net ? "" : "CAP_NET_ADMIN",
			 ep11_cap_hint(what));
}
