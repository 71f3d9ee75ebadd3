// SPDX-License-Identifier: GPL-2.0
/*
 * reclaim-bench APQN [APQN...]: figures, never a verdict on time.
 *
 * Reclaim latency: a process logs in N sessions (N = 1, 16, 1024) on the
 * first APQN and is killed with SIGKILL; the time from the kill until the
 * process is reaped includes release(), which logs every session out.
 * Median and p99 over the trials, and the kernel's own last reclaim
 * latency.  With more APQNs, the same for one session logged in on all
 * of them at once.
 *
 * Request cost: GenerateRandom through EP11SESS_IOC_SEND, bound to a
 * session, timed from user space, against the time the same requests
 * spent in the provider (the raw round trip, from the kernel's counters
 * in the same run).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/ep11.h>
#include <linux/ep11sess.h>

#include "ep11_wire.h"
#include "vmtest.h"

#define PIN	"bench-pin-00001"

/* One session on the @n APQNs @a, all or nothing. */
static int login_on(int fd, const struct ep11sess_apqn *a, unsigned int n,
		    __u32 *handle)
{
	struct ep11sess_target t[EP11SESS_MAX_APQNS];
	struct ep11sess_login l;

	vmt_login_init(&l, t, a, n, PIN);
	l.flags = n > 1 ? EP11SESS_LOGIN_ALL_OR_NOTHING : 0;
	l.targets_cap = n;
	l.wait_ms = 10000;
	if (ioctl(fd, EP11SESS_IOC_LOGIN, &l))
		return -errno;
	if (handle)
		*handle = l.handle;
	return 0;
}

static int login(int fd, struct ep11sess_apqn a, __u32 *handle)
{
	return login_on(fd, &a, 1, handle);
}

/* The APQN's status as last read from the card. */
static int status_of(int fd, struct ep11sess_apqn a,
		     struct ep11sess_apqn_status *out)
{
	return vmt_status_of(fd, EP11SESS_STATUS_CACHED, a, out);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, unsigned int n, double p)
{
	unsigned int i = (unsigned int)(p * (n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

/* One trial: N sessions on the @na APQNs @a, SIGKILL, time until reaped. */
static double one_kill(const struct ep11sess_apqn *a, unsigned int na,
		       unsigned int n)
{
	int p[2], st;
	double t0;
	pid_t pid;
	char c;

	pid = vmt_fork_piped(p);
	if (!pid) {
		int fd = vmt_open_dev();
		unsigned int i;

		for (i = 0; i < n; i++)
			if (login_on(fd, a, na, NULL))
				_exit(2);
		if (write(p[1], "r", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		fprintf(stderr, "bench: the child could not log in %u sessions\n",
			n);
		exit(1);
	}
	close(p[0]);
	t0 = vmt_now_us();
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return vmt_now_us() - t0;
}

static void bench_reclaim(int fd, const struct ep11sess_apqn *a,
			  unsigned int na, unsigned int n, unsigned int trials)
{
	struct ep11sess_apqn_status s;
	double v[64];
	unsigned int i;

	for (i = 0; i < trials; i++)
		v[i] = one_kill(a, na, n);
	qsort(v, trials, sizeof(v[0]), cmp_double);
	status_of(fd, a[0], &s);
	printf("reclaim %5u session(s) on %u APQN(s): median %9.0f us  p99 %9.0f us  (%u trials; kernel's last: %llu us; pending now %u)\n",
	       n, na, pct(v, trials, 0.5), pct(v, trials, 0.99), trials,
	       (unsigned long long)s.last_reclaim_us, s.pending);
}

static void bench_send(int fd, struct ep11sess_apqn a, unsigned int reqs)
{
	struct ep11sess_apqn_status s0, s1;
	__u8 req[128], rep[256];
	struct ep11_wbuf b;
	struct ep11sess_send s;
	double t0, total;
	unsigned int i;
	__u32 handle;
	int len;

	if (login(fd, a, &handle)) {
		fprintf(stderr, "bench: login failed\n");
		exit(1);
	}
	ep11_wire_request_init(&b, req, sizeof(req),
			       EP11_FN(EP11_FN_GENERATE_RANDOM), a.domain, 0);
	ep11_wire_put_u32(&b, 32);
	len = ep11_wire_finish(&b);
	status_of(fd, a, &s0);
	t0 = vmt_now_us();
	for (i = 0; i < reqs; i++) {
		vmt_send_init(&s, EP11SESS_SEND_SESSION, handle, a, req, len,
			      rep, sizeof(rep));
		if (ioctl(fd, EP11SESS_IOC_SEND, &s)) {
			perror("send");
			exit(1);
		}
	}
	total = vmt_now_us() - t0;
	status_of(fd, a, &s1);
	{
		double raw = (s1.request_ns - s0.request_ns) / 1e3 /
			     (double)(s1.requests - s0.requests);
		double per = total / reqs;

		printf("send: %u requests, %.1f us per ioctl, %.1f us in the provider (raw round trip), ratio %.3f, ioctl path %.1f us\n",
		       reqs, per, raw, per / raw, per - raw);
	}
}

int main(int argc, char **argv)
{
	struct ep11sess_apqn a[EP11SESS_MAX_APQNS] = { 0 };
	unsigned int i, na = argc - 1;
	int fd;

	vmt_prefix = "reclaim-bench: ";
	if (argc < 2 || na > EP11SESS_MAX_APQNS) {
		fprintf(stderr, "usage: reclaim-bench APQN [APQN...] (e.g. 0b.0024 0c.0024)\n");
		return 2;
	}
	for (i = 0; i < na; i++) {
		if (!vmt_parse_apqn(argv[i + 1], &a[i])) {
			fprintf(stderr, "reclaim-bench: %s is not an APQN (card.domain in hex, e.g. 0b.0024)\n",
				argv[i + 1]);
			return 2;
		}
	}
	fd = vmt_open_dev();
	bench_reclaim(fd, a, 1, 1, 30);
	bench_reclaim(fd, a, 1, 16, 10);
	bench_reclaim(fd, a, 1, 1024, 3);
	if (na > 1)
		bench_reclaim(fd, a, na, 1, 30);
	bench_send(fd, a[0], 2000);
	close(fd);
	return 0;
}
