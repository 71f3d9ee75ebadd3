// SPDX-License-Identifier: GPL-2.0
/*
 * cardemu-vm-client: talks to an ep11-cardemu card through /dev/ep11sess
 * for the VM test (vm-cardemu.sh).
 *
 *   caplist CARD DOM       print "max N available N" (get_xcp_info)
 *   status CARD DOM        the kernel's view of the APQN: "online N max N
 *                          available N held N card_held N serial S", or
 *                          "absent"
 *   wkid CARD DOM          print the domain's WKID in hex
 *   sessions CARD DOM N    log in N private sessions one by one, checking
 *                          that the card's available count drops by one
 *                          each time and that the kernel's status agrees
 *                          with the card, then log out and check again
 *   load CARD DOM SECONDS  send get_xcp_info for SECONDS from 4 threads;
 *                          once the card fails, every request must fail
 *                          within 2 s; print "ok N failed N"
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/ep11sess.h>

#include "ep11_wire.h"

static int sess_fd;
static u8 card;
static u16 dom;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int xcp(u32 query, u8 *rep, size_t cap)
{
	struct ep11sess_send a = { .size = sizeof(a) };
	u8 req[64];
	int len;

	len = ep11_wire_enc_xcp_info(req, sizeof(req), dom, query);
	a.apqn.card = card;
	a.apqn.domain = dom;
	a.req = (uintptr_t)req;
	a.req_len = len;
	a.rep = (uintptr_t)rep;
	a.rep_cap = cap;
	a.timeout_ms = 5000;
	if (ioctl(sess_fd, EP11SESS_IOC_SEND, &a) < 0)
		return -errno;
	return a.rep_len;
}

static int caplist(u32 *max, u32 *avail)
{
	u8 rep[256];
	u32 rc;
	int len, r;

	len = xcp(EP11_XCP_QUERY_EXT_CAPLIST, rep, sizeof(rep));
	if (len < 0)
		return len;
	r = ep11_wire_dec_xcp_caplist(rep, len, dom, &rc, max, avail);
	if (!r && rc)
		r = -EIO;
	return r;
}

/* The kernel's status of the APQN; -ENOENT when it does not know it. */
static int kstatus(struct ep11sess_apqn_status *out)
{
	struct ep11sess_apqn_status st[256];
	struct ep11sess_status a = { .size = sizeof(a) };
	unsigned int i;

	a.entries = (uintptr_t)st;
	a.entry_size = sizeof(st[0]);
	a.count = 256;
	if (ioctl(sess_fd, EP11SESS_IOC_STATUS, &a) < 0)
		return -errno;
	for (i = 0; i < a.count && i < 256; i++) {
		if (st[i].apqn.card == card && st[i].apqn.domain == dom) {
			*out = st[i];
			return 0;
		}
	}
	return -ENOENT;
}

static int cmd_status(void)
{
	struct ep11sess_apqn_status st;
	int r = kstatus(&st);

	if (r == -ENOENT) {
		printf("absent\n");
		return 0;
	}
	if (r) {
		fprintf(stderr, "status: %s\n", strerror(-r));
		return 1;
	}
	printf("online %d max %u available %u held %u card_held %u serial %.16s\n",
	       !!(st.flags & EP11SESS_APQN_ONLINE), st.card_max,
	       st.card_avail, st.held, st.card_held, st.serial);
	return 0;
}

/* The kernel and the card must agree on the card's counts. */
static int agree(u32 avail, const char *when)
{
	struct ep11sess_apqn_status st;

	if (kstatus(&st)) {
		fprintf(stderr, "%s: no kernel status for %02x.%04x\n", when,
			card, dom);
		return 1;
	}
	if (!(st.flags & EP11SESS_APQN_CAPS_VALID) ||
	    st.card_avail != avail ||
	    st.card_max - st.card_avail != st.card_held) {
		fprintf(stderr,
			"%s: expected the kernel to see %u available and hold max - available sessions, got available %u max %u held %u\n",
			when, avail, st.card_avail, st.card_max,
			st.card_held);
		return 1;
	}
	return 0;
}

static int cmd_caplist(void)
{
	u32 max, avail;
	int r = caplist(&max, &avail);

	if (r) {
		fprintf(stderr, "caplist %02x.%04x: %s\n", card, dom,
			strerror(-r));
		return 1;
	}
	printf("max %u available %u\n", max, avail);
	return 0;
}

static int cmd_wkid(void)
{
	u8 rep[256], wkid[EP11_WKID_LEN];
	u32 rc;
	int len, i;

	len = xcp(EP11_XCP_QUERY_DOMAIN, rep, sizeof(rep));
	if (len < 0 || ep11_wire_dec_xcp_domain(rep, len, dom, &rc, wkid) ||
	    rc) {
		fprintf(stderr, "wkid %02x.%04x failed\n", card, dom);
		return 1;
	}
	for (i = 0; i < EP11_WKID_LEN; i++)
		printf("%02x", wkid[i]);
	printf("\n");
	return 0;
}

static int cmd_sessions(unsigned int n)
{
	struct ep11sess_target t;
	struct ep11sess_login l;
	struct ep11sess_logout o = { .size = sizeof(o) };
	u32 handles[256], max, avail0, avail;
	unsigned int i;
	int ret = 0;

	if (n > 256 || caplist(&max, &avail0)) {
		fprintf(stderr, "sessions: cannot read the card's counts\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		memset(&t, 0, sizeof(t));
		t.apqn.card = card;
		t.apqn.domain = dom;
		memset(&l, 0, sizeof(l));
		l.size = sizeof(l);
		l.pin_len = 8;
		l.pin = (uintptr_t)"vm-test-pin";
		l.targets = (uintptr_t)&t;
		l.ntargets = 1;
		l.targets_cap = 1;
		if (ioctl(sess_fd, EP11SESS_IOC_LOGIN, &l) < 0) {
			fprintf(stderr,
				"login %u: expected success, got %s (target error %d rc %#x)\n",
				i, strerror(errno), t.error, t.ep11_rc);
			return 1;
		}
		handles[i] = l.handle;
		if (caplist(&max, &avail) || avail != avail0 - i - 1) {
			fprintf(stderr,
				"after login %u: expected %u available, got %u\n",
				i, avail0 - i - 1, avail);
			ret = 1;
		}
		ret |= agree(avail, "after a login");
	}
	for (i = 0; i < n; i++) {
		o.handle = handles[i];
		if (ioctl(sess_fd, EP11SESS_IOC_LOGOUT, &o) < 0) {
			fprintf(stderr, "logout %u: %s\n", i, strerror(errno));
			ret = 1;
		}
	}
	if (caplist(&max, &avail) || avail != avail0) {
		fprintf(stderr, "after logout: expected %u available, got %u\n",
			avail0, avail);
		ret = 1;
	}
	ret |= agree(avail, "after the logouts");
	printf("logged in and out %u sessions, %u available\n", n, avail);
	return ret;
}

struct loader {
	pthread_t t;
	double until;
	unsigned long ok, failed;
	double slowest_failure;
};

static void *load(void *arg)
{
	struct loader *l = arg;
	u8 rep[256];
	double t0, dt;

	while (now() < l->until) {
		t0 = now();
		if (xcp(EP11_XCP_QUERY_MODULE, rep, sizeof(rep)) > 0) {
			l->ok++;
			continue;
		}
		dt = now() - t0;
		l->failed++;
		if (dt > l->slowest_failure)
			l->slowest_failure = dt;
		usleep(10000);
	}
	return NULL;
}

static int cmd_load(unsigned int secs)
{
	struct loader l[4];
	unsigned long ok = 0, failed = 0;
	double slowest = 0;
	int i;

	for (i = 0; i < 4; i++) {
		memset(&l[i], 0, sizeof(l[i]));
		l[i].until = now() + secs;
		pthread_create(&l[i].t, NULL, load, &l[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(l[i].t, NULL);
		ok += l[i].ok;
		failed += l[i].failed;
		if (l[i].slowest_failure > slowest)
			slowest = l[i].slowest_failure;
	}
	printf("ok %lu failed %lu slowest failure %.3f s\n", ok, failed,
	       slowest);
	if (slowest > 2.0) {
		fprintf(stderr,
			"expected failures within 2 s, the slowest took %.3f s\n",
			slowest);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 && !(argc == 5 && (!strcmp(argv[1], "sessions") ||
					 !strcmp(argv[1], "load")))) {
		fprintf(stderr,
			"usage: cardemu-vm-client caplist|status|wkid CARD DOM | sessions CARD DOM N | load CARD DOM SECONDS\n");
		return 2;
	}
	card = strtoul(argv[2], NULL, 16);
	dom = strtoul(argv[3], NULL, 16);
	sess_fd = open("/dev/ep11sess", O_RDWR | O_CLOEXEC);
	if (sess_fd < 0) {
		perror("/dev/ep11sess");
		return 1;
	}
	if (!strcmp(argv[1], "caplist") && argc == 4)
		return cmd_caplist();
	if (!strcmp(argv[1], "wkid") && argc == 4)
		return cmd_wkid();
	if (!strcmp(argv[1], "status") && argc == 4)
		return cmd_status();
	if (!strcmp(argv[1], "sessions"))
		return cmd_sessions(strtoul(argv[4], NULL, 10));
	if (!strcmp(argv[1], "load"))
		return cmd_load(strtoul(argv[4], NULL, 10));
	fprintf(stderr, "cardemu-vm-client: unknown command %s\n", argv[1]);
	return 2;
}
