// SPDX-License-Identifier: GPL-2.0
/*
 * vmtest: the pieces the VM test programs and the benchmark share as
 * clients of /dev/ep11sess (see vmtest.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "vmtest.h"

#define VMT_MAX_STATUS	1024

int vmt_failed;
const char *vmt_prefix = "FAIL: ";

static void vmt_vprint(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s", vmt_prefix);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
}

void vmt_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmt_vprint(fmt, ap);
	va_end(ap);
	vmt_failed = 1;
}

void vmt_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmt_vprint(fmt, ap);
	va_end(ap);
	exit(1);
}

double vmt_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

pid_t vmt_fork_piped(int p[2])
{
	pid_t pid;

	if (pipe(p))
		vmt_die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		vmt_die("fork: %s", strerror(errno));
	return pid;
}

int vmt_open_dev(void)
{
	int fd = open("/dev/ep11sess", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		vmt_die("open /dev/ep11sess: %s", strerror(errno));
	return fd;
}

bool vmt_parse_apqn(const char *s, struct ep11sess_apqn *a)
{
	unsigned int c, d;
	char end;

	if (sscanf(s, "%2x.%4x%c", &c, &d, &end) != 2 || c > 0xff ||
	    d > 0xff)
		return false;
	memset(a, 0, sizeof(*a));
	a->card = c;
	a->domain = d;
	return true;
}

struct ep11sess_apqn vmt_apqn(const char *s)
{
	struct ep11sess_apqn a;

	if (!vmt_parse_apqn(s, &a))
		vmt_die("bad APQN '%s' (expected like 0b.0024)", s);
	return a;
}

void vmt_login_init(struct ep11sess_login *l, struct ep11sess_target *t,
		    const struct ep11sess_apqn *a, unsigned int n,
		    const char *pin)
{
	unsigned int i;

	memset(t, 0, EP11SESS_MAX_APQNS * sizeof(*t));
	for (i = 0; i < n; i++)
		t[i].apqn = a[i];
	memset(l, 0, sizeof(*l));
	l->size = sizeof(*l);
	l->pin = (uintptr_t)pin;
	l->pin_len = strlen(pin);
	l->targets = (uintptr_t)t;
	l->ntargets = n;
	l->targets_cap = EP11SESS_MAX_APQNS;
}

void vmt_send_init(struct ep11sess_send *s, __u32 flags, __u32 handle,
		   struct ep11sess_apqn a, const void *req, __u32 req_len,
		   void *rep, __u32 rep_cap)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->flags = flags;
	s->handle = handle;
	s->apqn = a;
	s->req = (uintptr_t)req;
	s->req_len = req_len;
	s->rep = (uintptr_t)rep;
	s->rep_cap = rep_cap;
}

int vmt_status_of(int fd, __u32 flags, struct ep11sess_apqn a,
		  struct ep11sess_apqn_status *out)
{
	static struct ep11sess_apqn_status st[VMT_MAX_STATUS];
	struct ep11sess_status s = {
		.size = sizeof(s),
		.flags = flags,
		.entries = (uintptr_t)st,
		.entry_size = sizeof(st[0]),
		.count = VMT_MAX_STATUS,
	};
	unsigned int i;

	if (ioctl(fd, EP11SESS_IOC_STATUS, &s))
		return -errno;
	for (i = 0; i < s.count && i < VMT_MAX_STATUS; i++) {
		if (st[i].apqn.card == a.card &&
		    st[i].apqn.domain == a.domain) {
			*out = st[i];
			return 0;
		}
	}
	return -ENOENT;
}
