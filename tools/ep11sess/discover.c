// SPDX-License-Identifier: GPL-2.0
/*
 * Device discovery with libudev: APQNs are devices of subsystem ep11sess
 * and type ep11_apqn, the module a device of subsystem module.  One udev
 * context per call, none shared.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <libudev.h>

#include "ep11sess.h"

bool ep11_module_loaded(void)
{
	struct udev_device *dev;
	struct udev *udev;
	bool loaded;

	udev = udev_new();
	if (!udev)
		return false;
	dev = udev_device_new_from_subsystem_sysname(udev, "module",
						     "ep11sess");
	loaded = dev != NULL;
	udev_device_unref(dev);
	udev_unref(udev);
	return loaded;
}

/* The initial pid namespace's inode number (include/linux/proc_ns.h). */
#define EP11_PID_INIT_INO	0xEFFFFFFCU

/*
 * The family is registered in the initial network namespace only: from
 * another one (a container's) it cannot be found although the module is
 * loaded.  Another namespace than pid 1's, or a pid namespace that is not
 * the initial one (pid 1 is then the container's init), says so.
 */
static bool ep11_in_container_netns(void)
{
	struct stat self, init, pid;

	if (!stat("/proc/self/ns/net", &self) && !stat("/proc/1/ns/net", &init) &&
	    self.st_ino != init.st_ino)
		return true;
	return !stat("/proc/self/ns/pid", &pid) &&
	       pid.st_ino != EP11_PID_INIT_INO;
}

/* Whether modprobe can find the module: modules.dep names it. */
static bool ep11_module_installed(const char *release)
{
	char path[256], line[1024];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", release);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		*colon = '\0';
		found = strstr(line, "/ep11sess.ko") &&
			(!strcmp(strstr(line, "/ep11sess.ko"), "/ep11sess.ko") ||
			 !strncmp(strstr(line, "/ep11sess.ko"), "/ep11sess.ko.", 13));
	}
	fclose(f);
	return found;
}

int ep11_module_missing(void)
{
	struct utsname u;
	struct stat st;

	if (ep11_module_loaded()) {
		if (ep11_in_container_netns()) {
			if (stat("/proc/self/ns/net", &st))
				st.st_ino = 0;
			return ep11_fail(EP11_EXIT_NO_MODULE, ENOENT,
					 "the ep11sess module is loaded, but its generic netlink family \"%s\" exists only in the host's initial network namespace and this process runs in another one (net:[%lu], a container?): run ep11sess on the host, or in a container that shares the host's network namespace",
					 EP11SESS_GENL_NAME,
					 (unsigned long)st.st_ino);
		}
		return ep11_fail(EP11_EXIT_NO_MODULE, ENOENT,
				 "the ep11sess module is loaded but has no generic netlink family \"%s\": it is older than this tool; load the module built with it",
				 EP11SESS_GENL_NAME);
	}
	if (uname(&u))
		strcpy(u.release, "?");
	if (ep11_module_installed(u.release))
		return ep11_fail(EP11_EXIT_NO_MODULE, ENOENT,
				 "the ep11sess kernel module is not loaded: load it with 'modprobe ep11sess' (as root)");
	return ep11_fail(EP11_EXIT_NO_MODULE, ENOENT,
			 "the ep11sess kernel module is not loaded, and not installed for kernel %s: load the one built in the source tree with 'insmod build/kmod/driver/ep11sess.ko' (as root), or install it with 'make install' and run 'modprobe ep11sess'",
			 u.release);
}

int ep11_apqn_check(uint8_t card, uint16_t domain)
{
	struct udev_enumerate *en;
	struct udev *udev;
	char name[16];
	bool found;

	snprintf(name, sizeof(name), "%02x.%04x", card, domain);
	udev = udev_new();
	if (!udev)
		return ep11_fail(EP11_EXIT_FAILED, errno, "cannot use libudev");
	en = udev_enumerate_new(udev);
	if (!en ||
	    udev_enumerate_add_match_subsystem(en, "ep11sess") < 0 ||
	    udev_enumerate_add_match_property(en, "DEVTYPE", "ep11_apqn") < 0 ||
	    udev_enumerate_add_match_sysname(en, name) < 0 ||
	    udev_enumerate_scan_devices(en) < 0) {
		udev_enumerate_unref(en);
		udev_unref(udev);
		return ep11_fail(EP11_EXIT_FAILED, errno,
				 "cannot list the ep11sess devices (libudev)");
	}
	found = udev_enumerate_get_list_entry(en) != NULL;
	udev_enumerate_unref(en);
	udev_unref(udev);
	if (found)
		return EP11_EXIT_OK;
	if (!ep11_module_loaded())
		return ep11_module_missing();
	return ep11_fail(EP11_EXIT_NOT_FOUND, ENODEV,
			 "no such APQN %s (no device %s of class ep11sess)",
			 name, name);
}

char *ep11_card_attr(uint8_t card, const char *attr)
{
	struct udev_device *dev;
	struct udev *udev;
	const char *v;
	char name[16];
	char *out = NULL;

	snprintf(name, sizeof(name), "card%02x", card);
	udev = udev_new();
	if (!udev)
		return NULL;
	dev = udev_device_new_from_subsystem_sysname(udev, "ep11sess", name);
	v = dev ? udev_device_get_sysattr_value(dev, attr) : NULL;
	if (v)
		out = strdup(v);
	udev_device_unref(dev);
	udev_unref(udev);
	return out;
}

long ep11_class_attr(const char *attr)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/ep11sess/%s", attr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}
