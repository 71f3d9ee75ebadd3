# SPDX-License-Identifier: GPL-2.0
#
# ep11sess top-level Makefile: ties the kernel modules (Kbuild), the user
# space (meson) and the test harnesses together.  `make help` lists targets.

KVER     ?= $(shell scripts/kver.sh 2>/dev/null)
KDIR     ?= /lib/modules/$(KVER)/build
BUILD    ?= $(CURDIR)/build
KMOD     := $(BUILD)/kmod
MESON    := $(BUILD)/meson
# ep11_zcrypt.ko for s390: ARCH=s390 when cross-building, or an s390x host.
ZARCH    := $(or $(ARCH),$(shell uname -m))
KMAKE     = $(MAKE) -C $(KDIR) M=$(KMOD) CONFIG_EP11SESS=m CONFIG_EP11_VCARD=m \
	    $(if $(filter s390 s390x,$(ZARCH)),CONFIG_EP11_ZCRYPT=m)

# make install: everything under DESTDIR, the user space under PREFIX,
# libcryptoki in LIBDIR (relative to PREFIX unless absolute), the modules
# in DESTDIR/lib/modules/KVER/extra.
PREFIX   ?= /usr/local
MULTIARCH := $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || \
		gcc -print-multiarch 2>/dev/null)
LIBDIR   ?= lib$(if $(MULTIARCH),/$(MULTIARCH))
DEST     := $(if $(DESTDIR),$(abspath $(DESTDIR)))
VERSION  := $(shell sed -n "s/^[[:space:]]*version : '\(.*\)',/\1/p" meson.build)
DKMS_SRC  = $(DEST)/usr/src/ep11sess-$(VERSION)

.PHONY: all help deps module module-debug userspace style sparse kunit \
	meson-test vm-test debug-kernel vm-test-debug bench fuzz check demo \
	clean install uninstall dkms-src dkms-install deb s390 check-s390

all: module userspace

help:
	@echo "make deps        install the Debian packages the project needs"
	@echo "make module      build ep11sess.ko and ep11_vcard.ko (W=1) for KVER=$(KVER)"
	@echo "make userspace   build tools/ and the test programs with meson"
	@echo "make style       checkpatch --strict over driver/ and include/"
	@echo "make sparse      build the modules with sparse (C=2)"
	@echo "make kunit       run the KUnit suites under UML"
	@echo "make meson-test  run the user-space tests"
	@echo "make vm-test     run the VM tests against the real Debian kernel"
	@echo "make debug-kernel build the VM's debug kernel (KASAN, lockdep, kmemleak)"
	@echo "                 and the modules for it, cached in ~/.cache/ep11sess"
	@echo "make vm-test-debug  run the VM tests on the debug kernel"
	@echo "make bench       print the reclaim and request-cost figures (VM)"
	@echo "make check       all of the above, with one summary line"
	@echo "make s390        cross-build the modules with ep11_zcrypt.ko for s390x"
	@echo "                 against linux-source-6.1 (W=1, sparse)"
	@echo "make check-s390  boot Debian's s390x kernel in qemu-system-s390x with"
	@echo "                 ep11sess.ko and ep11_zcrypt.ko loaded and unloaded"
	@echo "make demo        boot the VM and show session reclaim at work"
	@echo "make install     install modules (for KVER), library, tools, udev rules,"
	@echo "                 systemd units: DESTDIR=, PREFIX=$(PREFIX), LIBDIR=$(LIBDIR)"
	@echo "make uninstall   remove exactly what make install wrote (same variables)"
	@echo "make dkms-install  the module source in /usr/src/ep11sess-$(VERSION), built"
	@echo "                 and installed by DKMS for KVER (DESTDIR=: the source only)"
	@echo "make deb         the Debian packages, into build/deb"

deps:
	scripts/install-deps.sh

# The module is built in a shadow tree of symlinks so that objects never
# land in the source folders (which `make kunit` also builds in tree).
$(KMOD)/.tree: FORCE
	@mkdir -p $(KMOD)
	@cp -rsf $(CURDIR)/Kbuild $(CURDIR)/driver $(CURDIR)/include $(KMOD)/
	@find $(KMOD) -xtype l -delete
	@touch $@

module: $(KMOD)/.tree
	$(KMAKE) W=1 modules

module-debug: $(KMOD)/.tree
	$(KMAKE) W=1 EXTRA_CFLAGS=-DDEBUG modules

sparse: $(KMOD)/.tree
	$(KMAKE) C=2 CF="-D__CHECK_ENDIAN__" modules 2>&1 | tee $(BUILD)/sparse.log
	@! grep -E 'warning|error' $(BUILD)/sparse.log

style:
	scripts/style.sh

# The project's own build treats warnings as errors; meson's default (a
# distribution's build) does not.
$(MESON)/build.ninja:
	meson setup -Dwerror=true $(MESON) $(CURDIR)

userspace: $(MESON)/build.ninja
	ninja -C $(MESON)

meson-test: userspace
	meson test -C $(MESON) --print-errorlogs

kunit:
	scripts/kunit.sh

# s390x: modules for the prepared linux-source-6.1 s390 tree, checked by
# W=1 and sparse; the boot test builds them again for Debian's kernel.
s390:
	@mkdir -p $(BUILD)
	$(MAKE) module KDIR=$$(scripts/s390-tree.sh) ARCH=s390 \
		CROSS_COMPILE=s390x-linux-gnu- BUILD=$(BUILD)/s390-tree \
		C=2 CF="-D__CHECK_ENDIAN__" 2>&1 | tee $(BUILD)/s390-tree.log
	@! grep -iE 'warning|error' $(BUILD)/s390-tree.log

check-s390:
	scripts/s390-check.sh

vm-test: module userspace
	tests/vm/run-tests

debug-kernel:
	scripts/debug-kernel.sh

vm-test-debug: debug-kernel userspace
	EP11VM_KERNEL=debug tests/vm/run-tests

bench: module userspace
	tests/bench/run

fuzz: $(MESON)/build.ninja
	scripts/fuzz.sh

check:
	scripts/check.sh

demo: module userspace
	tests/vm/demo

# On the system itself (no DESTDIR): the module index, group ep11, the
# state folders, and systemd and udev told of their new files.  Without
# systemd running, the last two have nobody to tell.
POST_INSTALL = depmod -a $(KVER) && \
	systemd-sysusers $(PREFIX)/lib/sysusers.d/ep11sess.conf && \
	systemd-tmpfiles --create $(PREFIX)/lib/tmpfiles.d/ep11sess.conf && \
	{ ! [ -d /run/systemd/system ] || systemctl daemon-reload; } && \
	{ ! [ -S /run/udev/control ] || udevadm control --reload; }

# tests/install/files.list is what install writes and uninstall removes.
# depmod runs on the system's tree only, not into a DESTDIR; the modules
# are not signed (the distribution's key is not at hand).
install: module $(MESON)/build.ninja
	meson configure $(MESON) -Dprefix=$(PREFIX) -Dlibdir=$(LIBDIR)
	meson install -C $(MESON) --quiet $(if $(DEST),--destdir $(DEST))
	$(KMAKE) INSTALL_MOD_PATH=$(DEST) DEPMOD=true CONFIG_MODULE_SIG_ALL= modules_install
	$(if $(DEST),,$(POST_INSTALL))

uninstall:
	@[ -n "$(KVER)" ] || { echo "uninstall: no KVER" >&2; exit 1; }
	scripts/install-files.sh $(PREFIX) $(LIBDIR) $(KVER) | \
		while read -r f; do rm -f "$(DEST)$$f"; done
	scripts/install-files.sh --dirs $(PREFIX) $(LIBDIR) $(KVER) | \
		while read -r d; do [ ! -d "$(DEST)$$d" ] || rmdir --ignore-fail-on-non-empty "$(DEST)$$d"; done
	$(if $(DEST),,depmod -a $(KVER))

# The modules' source as DKMS wants it: dkms.conf, Kbuild, driver/ (no
# KUnit suites) and the ABI headers.
dkms-src:
	rm -rf $(DKMS_SRC)
	install -d $(DKMS_SRC)/include/uapi/linux
	install -m 0644 Kbuild $(DKMS_SRC)/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf
	tar -cf - --exclude=tests --exclude=.kunitconfig --exclude=Kconfig \
		driver | tar -C $(DKMS_SRC) -xf -
	install -m 0644 include/uapi/linux/*.h $(DKMS_SRC)/include/uapi/linux/

dkms-install: dkms-src
	$(if $(DEST),,dkms install -m ep11sess -v $(VERSION) -k $(KVER))

# dpkg-buildpackage in a copy of the tree, so that the packages land in
# build/deb and nothing of the build in the tree.
DEB_SRC = $(BUILD)/deb/ep11sess-$(VERSION)
deb:
	rm -rf $(BUILD)/deb
	mkdir -p $(DEB_SRC)
	tar -cf - --exclude=./build --exclude=./.git . | tar -C $(DEB_SRC) -xf -
	cd $(DEB_SRC) && dpkg-buildpackage -b -us -uc
	@ls -l $(BUILD)/deb/*.deb

clean:
	rm -rf $(BUILD)

FORCE:
