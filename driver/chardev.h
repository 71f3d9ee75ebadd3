/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/ep11sess: the open file is the holder of the sessions it logged
 * in or imported.
 */
#ifndef _EP11SESS_CHARDEV_H
#define _EP11SESS_CHARDEV_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct ep11_session;
struct ep11sess_admin_logout;

/**
 * struct ep11_file - per-open state of /dev/ep11sess
 * @handles: handle -> session; every entry is one hold and one reference
 * @lock:    serialises imports, so a session gets one handle per file
 * @nhandles: entries in @handles
 */
struct ep11_file {
	struct xarray handles;
	struct mutex lock; /* see above */
	atomic_t nhandles;
};

int ep11_chardev_init(void);
void ep11_chardev_uninit(void);

int ep11_file_add(struct ep11_file *ef, struct ep11_session *sess,
		  u32 *handle);
struct ep11_session *ep11_file_session(struct ep11_file *ef, u32 handle);
int ep11_file_logout(struct ep11_file *ef, u32 handle);
bool ep11_file_drop(struct ep11_file *ef, u32 handle,
		    struct ep11_session *sess);
u32 ep11_file_find_handle(struct ep11_file *ef, struct ep11_session *sess);
void ep11_drop_hold(struct ep11_session *sess, bool reclaim, bool wait);
bool ep11_kill(struct ep11_session *sess, bool force);

long ep11_ioctl(struct file *filp, unsigned int cmd, unsigned long arg);
#if IS_ENABLED(CONFIG_EP11SESS_KUNIT_TEST)
int ep11_ioctl_kernel(struct ep11_file *ef, unsigned int cmd, void *kcmd,
		      u32 size);
#endif
int ep11_admin_logout(struct ep11sess_admin_logout *a,
		      void (*report)(struct ep11_session *sess, bool failed,
				     void *arg), void *arg);
int ep11_admin_logout_via(struct ep11sess_admin_logout *a, u32 via,
			  void (*report)(struct ep11_session *sess,
					 bool failed, void *arg), void *arg);

int ep11_export(struct ep11_file *ef, u32 handle, struct file **filp);
int ep11_import(struct ep11_file *ef, int fd, u32 *handle);

#endif /* _EP11SESS_CHARDEV_H */
