// SPDX-License-Identifier: GPL-2.0
/*
 * scale-bench N APQN...: figures for many sessions, never a verdict.
 *
 * One process per APQN logs in N private sessions on it, all processes
 * at once.  Printed: the login rate; the kernel memory per session, from
 * the session cache (/proc/slabinfo, object size times objects) and from
 * the growth of all slab memory (/proc/meminfo Slab) over the run; the
 * time of a privileged list of every session (EP11SESS_IOC_LIST) and of
 * `ep11sess show --json`, per session, at 1,000 sessions and at the
 * full count, with their ratio; and the reclaim rate when every process
 * is killed at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/ep11sess.h>

#include "vmtest.h"

#define PIN		"bench-pin-00001"
#define MAX_APQNS	64
#define SMALL		1000

static long meminfo_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) &&
		    line[strlen(key)] == ':')
			v = atol(line + strlen(key) + 1);
	fclose(f);
	return v;
}

/* Objects in use and object size of a slab cache, from /proc/slabinfo. */
static int slab_cache(const char *name, long *active, long *objsize)
{
	char line[512], n[64];
	long act, num, sz;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld %ld %ld", n, &act, &num, &sz) == 4 &&
		    !strcmp(n, name)) {
			*active = act;
			*objsize = sz;
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

static int login(int fd, struct ep11sess_apqn a)
{
	struct ep11sess_target t[1];
	struct ep11sess_login l;

	vmt_login_init(&l, t, &a, 1, PIN);
	l.wait_ms = 10000;
	return ioctl(fd, EP11SESS_IOC_LOGIN, &l) ? -errno : 0;
}

/*
 * Logs in @first sessions on @a and reports, waits for @go to close, logs
 * in the rest of @n, reports, then waits to be killed.
 */
static void worker(struct ep11sess_apqn a, unsigned int n, int ready,
		   int go, unsigned int first)
{
	int fd = vmt_open_dev();
	unsigned int i;
	char c = 'r';

	for (i = 0; i < n; i++) {
		if (i == first && read(go, &c, 1) < 0)
			_exit(3);
		if (login(fd, a)) {
			fprintf(stderr, "bench: %02x.%04x: login %u of %u: %s\n",
				a.card, a.domain, i + 1, n, strerror(errno));
			_exit(2);
		}
		if (i + 1 == first && write(ready, &c, 1) != 1)
			_exit(3);
		c = 'r';
	}
	if (write(ready, &c, 1) != 1)
		_exit(3);
	for (;;)
		pause();
}

static double time_list(int fd, unsigned int *count)
{
	struct ep11sess_list l = {
		.size = sizeof(l),
		.flags = EP11SESS_LIST_ALL,
		.entry_size = sizeof(struct ep11sess_session_info),
	};
	struct ep11sess_session_info *e;
	double t0;

	if (ioctl(fd, EP11SESS_IOC_LIST, &l))
		vmt_die("list: %s", strerror(errno));
	l.count += 1024;
	e = calloc(l.count, sizeof(*e));
	if (!e)
		vmt_die("out of memory");
	l.entries = (uintptr_t)e;
	t0 = vmt_now_us();
	if (ioctl(fd, EP11SESS_IOC_LIST, &l))
		vmt_die("list: %s", strerror(errno));
	t0 = vmt_now_us() - t0;
	*count = l.count;
	free(e);
	return t0;
}

static double time_show(const char *tool)
{
	char cmd[512];
	double t0 = vmt_now_us();

	snprintf(cmd, sizeof(cmd), "%s show --json >/dev/null", tool);
	if (system(cmd))
		vmt_die("%s failed", cmd);
	return vmt_now_us() - t0;
}

int main(int argc, char **argv)
{
	unsigned int n, na, i, count_small, count_all, total;
	struct ep11sess_apqn a[MAX_APQNS];
	double t0, t_login, l_small, l_all, s_small, s_all, t_reclaim;
	long slab0, slab1, act0 = 0, act1 = 0, osz = 0;
	const char *tool = getenv("EP11SESS_TOOL");
	pid_t pids[MAX_APQNS];
	int p[2], go[2], fd, st;
	unsigned int left;
	char c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3 || argc - 2 > MAX_APQNS)
		vmt_die("usage: scale-bench N APQN...");
	n = atoi(argv[1]);
	na = argc - 2;
	for (i = 0; i < na; i++)
		a[i] = vmt_apqn(argv[i + 2]);
	if (!tool)
		tool = "build/meson/tools/ep11sess/ep11sess";
	total = n * na;
	fd = vmt_open_dev();

	slab0 = meminfo_kb("Slab");
	slab_cache("ep11sess_session", &act0, &osz);
	if (pipe(p) || pipe(go))
		vmt_die("pipe: %s", strerror(errno));
	for (i = 0; i < na; i++) {
		pids[i] = fork();
		if (!pids[i]) {
			close(p[0]);
			close(go[1]);
			worker(a[i], n, p[1], go[0], i ? 0 : SMALL);
		}
	}
	close(p[1]);
	close(go[0]);
	/* The first worker's first 1,000 alone: the small dump. */
	if (read(p[0], &c, 1) != 1)
		vmt_die("a worker failed");
	l_small = time_list(fd, &count_small);
	s_small = time_show(tool);
	t0 = vmt_now_us();
	close(go[1]);
	for (i = 0; i < na; i++)
		if (read(p[0], &c, 1) != 1)
			vmt_die("a worker failed");
	t_login = vmt_now_us() - t0;
	slab1 = meminfo_kb("Slab");
	slab_cache("ep11sess_session", &act1, &osz);
	l_all = time_list(fd, &count_all);
	s_all = time_show(tool);

	printf("scale: %u sessions on %u APQNs by %u processes\n", total, na,
	       na);
	printf("scale: logins: %.0f per second (%.1f s for the last %u)\n",
	       (total - SMALL) / (t_login / 1e6), t_login / 1e6,
	       total - SMALL);
	printf("scale: session cache: %ld bytes per session (%ld objects of %ld bytes)\n",
	       (act1 - act0) * osz / (long)total, act1 - act0, osz);
	printf("scale: all slab memory: %.0f bytes per session (Slab grew by %ld kB)\n",
	       (slab1 - slab0) * 1024.0 / total, slab1 - slab0);
	printf("scale: list of every session: %.2f us per session at %u, %.2f us at %u (ratio %.2f)\n",
	       l_small / count_small, count_small, l_all / count_all,
	       count_all, (l_all / count_all) / (l_small / count_small));
	printf("scale: ep11sess show --json: %.2f us per session at %u, %.2f us at %u (ratio %.2f)\n",
	       s_small / count_small, count_small, s_all / count_all,
	       count_all, (s_all / count_all) / (s_small / count_small));

	t0 = vmt_now_us();
	for (i = 0; i < na; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < na; i++)
		waitpid(pids[i], &st, 0);
	/* Logouts beyond release_timeout_ms go on after the processes end. */
	for (i = 0; i < 6000; i++) {
		time_list(fd, &left);
		if (!left)
			break;
		usleep(20000);
	}
	t_reclaim = vmt_now_us() - t0;
	printf("scale: reclaim after SIGKILL: %.0f sessions per second (%.1f s until the table was empty), %u left\n",
	       total / (t_reclaim / 1e6), t_reclaim / 1e6, left);
	close(fd);
	return left ? 1 : 0;
}
