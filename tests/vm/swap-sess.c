// SPDX-License-Identifier: GPL-2.0
/*
 * swap-sess: the kernel's part of surviving a card swap, without
 * libcryptoki and its one retry (t-core-swap.sh).
 *
 *   swap-sess APQN...
 *
 * Logs in (a private session) on the APQNs through EP11SESS_IOC_LOGIN,
 * prints "ready", then sends GenerateRandom bound to the session (to any
 * of its APQNs) over and over.  A request that fails, in the ioctl or
 * with the card's return code, prints "fail WHAT after MS ms" at once.
 * SIGUSR1 prints "stats calls=N failed=F signed=S longest_ms=MS
 * longest_call=SEND" for the requests since the last stats line (S: the
 * ones the card answered CKR_OK) and starts counting anew; SIGTERM prints
 * the stats and exits 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/ep11.h>
#include <linux/ep11sess.h>

#include "ep11_wire.h"
#include "vmtest.h"

#define PIN	"swap-sess-pin-01"

static volatile sig_atomic_t want_stats, want_stop;

/**
 * struct swap_stats - the requests since the last stats line
 * @calls:   requests sent
 * @failed:  of those, requests that did not end with CKR_OK
 * @ok:      requests the card answered CKR_OK
 * @longest: the longest request, milliseconds
 */
static struct swap_stats {
	unsigned long calls;
	unsigned long failed;
	unsigned long ok;
	double longest;
} st;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_stats = 1;
	else
		want_stop = 1;
}

static void print_stats(void)
{
	printf("stats calls=%lu failed=%lu signed=%lu longest_ms=%.0f longest_call=SEND\n",
	       st.calls, st.failed, st.ok, st.longest);
	memset(&st, 0, sizeof(st));
}

/* One bound GenerateRandom; 0, a negative errno, or the card's code. */
static long send_random(int fd, __u32 handle)
{
	struct ep11sess_apqn any = { 0 };
	struct ep11sess_send s;
	struct ep11_wbuf b;
	struct ep11_msg m;
	__u8 req[256], rep[512];
	int len;

	ep11_wire_request_init(&b, req, sizeof(req),
			       EP11_FN(EP11_FN_GENERATE_RANDOM), 0, 0);
	ep11_wire_put_u32(&b, 16);
	len = ep11_wire_finish(&b);
	if (len < 0)
		vmt_die("cannot build GenerateRandom: %d", len);
	vmt_send_init(&s, EP11SESS_SEND_SESSION | EP11SESS_SEND_ANY_APQN,
		      handle, any, req, len, rep, sizeof(rep));
	if (ioctl(fd, EP11SESS_IOC_SEND, &s))
		return -errno;
	if (ep11_wire_parse_reply(rep, s.rep_len, &m) < 0)
		return -EBADMSG;
	return m.rc;
}

int main(int argc, char **argv)
{
	struct ep11sess_target t[EP11SESS_MAX_APQNS];
	struct ep11sess_apqn a[EP11SESS_MAX_APQNS];
	struct sigaction sa = { .sa_handler = on_signal };
	struct ep11sess_login l;
	double t0, ms;
	int fd, i, n = argc - 1;
	long r;

	if (n < 1 || n > EP11SESS_MAX_APQNS) {
		fprintf(stderr, "usage: swap-sess APQN...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGUSR1, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		vmt_die("sigaction: %s", strerror(errno));
	for (i = 0; i < n; i++)
		a[i] = vmt_apqn(argv[i + 1]);
	fd = vmt_open_dev();
	vmt_login_init(&l, t, a, n, PIN);
	l.flags = EP11SESS_LOGIN_ALL_OR_NOTHING;
	if (ioctl(fd, EP11SESS_IOC_LOGIN, &l))
		vmt_die("login on %d APQN(s): expected success, got %s", n,
			strerror(errno));
	r = send_random(fd, l.handle);
	if (r)
		vmt_die("the first request: expected 0, got %ld", r);
	printf("ready\n");
	while (!want_stop) {
		if (want_stats) {
			want_stats = 0;
			print_stats();
		}
		t0 = vmt_now_us() / 1e3;
		r = send_random(fd, l.handle);
		ms = vmt_now_us() / 1e3 - t0;
		st.calls++;
		if (ms > st.longest)
			st.longest = ms;
		if (!r) {
			st.ok++;
			continue;
		}
		st.failed++;
		if (r < 0)
			printf("fail SEND %s after %.0f ms\n", strerror(-r), ms);
		else
			printf("fail SEND rc 0x%lx after %.0f ms\n", r, ms);
		usleep(50000);
	}
	print_stats();
	close(fd);
	printf("done\n");
	return 0;
}
