// SPDX-License-Identifier: GPL-2.0
/*
 * Device discovery with libudev: APQNs are devices of subsystem ep11sess
 * and type ep11_apqn, the module a device of subsystem module.  One udev
 * context per call, none shared.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int ep11_apqn_check(uint8_t card, uint16_t domain)
{
	struct udev_enumerate *en;
	struct udev *udev;
	char name[16];
	bool found;

	snprintf(name, sizeof(name), "%02x.%04x", card, domain);
	udev = udev_new();
	if (!udev) {
		fprintf(stderr, "%s: cannot use libudev\n", ep11_prog);
		return EP11_EXIT_FAILED;
	}
	en = udev_enumerate_new(udev);
	if (!en ||
	    udev_enumerate_add_match_subsystem(en, "ep11sess") < 0 ||
	    udev_enumerate_add_match_property(en, "DEVTYPE", "ep11_apqn") < 0 ||
	    udev_enumerate_add_match_sysname(en, name) < 0 ||
	    udev_enumerate_scan_devices(en) < 0) {
		fprintf(stderr, "%s: cannot list the ep11sess devices\n",
			ep11_prog);
		udev_enumerate_unref(en);
		udev_unref(udev);
		return EP11_EXIT_FAILED;
	}
	found = udev_enumerate_get_list_entry(en) != NULL;
	udev_enumerate_unref(en);
	udev_unref(udev);
	if (found)
		return EP11_EXIT_OK;
	if (!ep11_module_loaded()) {
		fprintf(stderr, "%s: the ep11sess kernel module is not loaded; load it with 'modprobe ep11sess' (as root)\n",
			ep11_prog);
		return EP11_EXIT_NO_MODULE;
	}
	fprintf(stderr, "%s: no such APQN %s (no device %s of class ep11sess)\n",
		ep11_prog, name, name);
	return EP11_EXIT_NOT_FOUND;
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
