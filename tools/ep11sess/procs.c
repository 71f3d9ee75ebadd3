// SPDX-License-Identifier: GPL-2.0
/*
 * The processes behind the sessions, from /proc.
 *
 * The kernel names a session's creator by pid, and keeps that number
 * after the creator exits: a later process may have been given it.  A
 * process whose start time (field 22 of /proc/PID/stat, clock ticks
 * since boot) comes after the session's creation cannot be its creator,
 * so such a pid is reported as gone, never as the owner.
 *
 * The holders are found by their open files: every file of /dev/ep11sess
 * in /proc/PID/fd is duplicated with pidfd_getfd() (root, or the same
 * user) and asked with EP11SESS_IOC_LIST which sessions it holds.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/ep11sess.h>

#include "ep11sess.h"

/* The start time of a process in nanoseconds since boot, or 0. */
static uint64_t ep11_proc_start(uint32_t pid)
{
	unsigned long long ticks;
	char path[64], buf[1024], *p;
	long hz = sysconf(_SC_CLK_TCK);
	int field;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command may hold spaces and parentheses: skip to the last ')'. */
	p = strrchr(buf, ')');
	if (!p || hz <= 0)
		return 0;
	/* Each space skipped starts the next field, from 3 (state) to 22. */
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &ticks) != 1)
		return 0;
	return ticks * (1000000000ULL / hz) + 1;
}

int ep11_owner_alive(uint32_t pid, uint64_t created_ns)
{
	struct timespec real, boot;
	uint64_t start, created_boot, offset, slack;
	long hz = sysconf(_SC_CLK_TCK);

	if (!pid)
		return -1;
	start = ep11_proc_start(pid);
	if (!start)
		return 0;
	start--;
	if (!created_ns)
		return -1;
	/* The session's creation on the boot clock that starttime uses. */
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	offset = ((uint64_t)real.tv_sec * 1000000000ULL + real.tv_nsec) -
		 ((uint64_t)boot.tv_sec * 1000000000ULL + boot.tv_nsec);
	if (created_ns < offset)
		return -1;
	created_boot = created_ns - offset;
	/* starttime is rounded down to a tick; allow two for the clocks. */
	slack = hz > 0 ? 2 * (1000000000ULL / hz) : 20000000ULL;
	return start <= created_boot + slack ? 1 : 0;
}

/* Whether /proc/PID/fd/NAME is a file of ep11sess's device. */
static bool ep11_is_dev_fd(int dirfd, const char *name)
{
	char link[128];
	ssize_t n = readlinkat(dirfd, name, link, sizeof(link) - 1);

	if (n <= 0)
		return false;
	link[n] = '\0';
	return !strcmp(link, "/dev/ep11sess");
}

static int ep11_row_cmp(const void *a, const void *b)
{
	const struct ep11_sess_row *const *ra = a, *const *rb = b;

	return strcmp((*ra)->id, (*rb)->id);
}

/**
 * struct ep11_holder_scan - the rows, sorted by public id
 * @by_id: pointers to the rows of a list
 * @n:     entries
 */
struct ep11_holder_scan {
	struct ep11_sess_row **by_id;
	size_t n;
};

/* Add @pid to the holders of the row whose public id is @id. */
static void ep11_add_holder(struct ep11_holder_scan *hs, const uint8_t *id,
			    uint32_t pid)
{
	struct ep11_sess_row key, *kp = &key, **found, *r;
	unsigned int j;

	ep11_hex(key.id, id, 16);
	found = bsearch(&kp, hs->by_id, hs->n, sizeof(*hs->by_id),
			ep11_row_cmp);
	if (!found)
		return;
	r = *found;
	for (j = 0; j < r->nholder_pids; j++)
		if (r->holder_pids[j] == pid)
			return;
	if (r->nholder_pids < EP11_MAX_HOLDER_PIDS)
		r->holder_pids[r->nholder_pids++] = pid;
	else
		r->holder_pids_more = true;
}

/* The sessions one duplicated file holds. */
static int ep11_file_sessions(int fd, struct ep11_holder_scan *hs,
			      uint32_t pid)
{
	struct ep11sess_session_info *infos = NULL;
	struct ep11sess_list l = {
		.size = sizeof(l),
		.entry_size = sizeof(*infos),
	};
	unsigned int i, room;

	if (ioctl(fd, EP11SESS_IOC_LIST, &l))
		return -errno;
	if (!l.count)
		return 0;
	room = l.count;
	infos = calloc(room, sizeof(*infos));
	if (!infos)
		return -ENOMEM;
	l.entries = (uintptr_t)infos;
	l.count = room;
	if (ioctl(fd, EP11SESS_IOC_LIST, &l)) {
		free(infos);
		return -errno;
	}
	for (i = 0; i < l.count && i < room; i++)
		if (infos[i].flags & EP11SESS_SESSION_HELD)
			ep11_add_holder(hs, infos[i].public_id, pid);
	free(infos);
	return 0;
}

void ep11_find_holders(struct ep11_sess_list *list)
{
	struct ep11_holder_scan hs = { .n = list->n };
	struct dirent *de, *fde;
	bool complete = true;
	size_t i;
	DIR *proc;

	list->holders_known = !list->n;
	if (!list->n)
		return;
	hs.by_id = calloc(list->n, sizeof(*hs.by_id));
	if (!hs.by_id)
		return;
	for (i = 0; i < list->n; i++)
		hs.by_id[i] = &list->rows[i];
	qsort(hs.by_id, hs.n, sizeof(*hs.by_id), ep11_row_cmp);
	proc = opendir("/proc");
	if (!proc) {
		free(hs.by_id);
		return;
	}
	while ((de = readdir(proc))) {
		uint32_t pid = strtoul(de->d_name, NULL, 10);
		char path[64];
		int dirfd, pidfd;
		DIR *fds;

		if (!pid || (uint32_t)getpid() == pid)
			continue;
		snprintf(path, sizeof(path), "/proc/%u/fd", pid);
		dirfd = open(path, O_RDONLY | O_DIRECTORY);
		if (dirfd < 0) {
			/* Gone meanwhile, or not ours to look at. */
			if (errno != ENOENT)
				complete = false;
			continue;
		}
		fds = fdopendir(dirfd);
		if (!fds) {
			close(dirfd);
			continue;
		}
		pidfd = -1;
		while ((fde = readdir(fds))) {
			int target = atoi(fde->d_name), fd;

			if (fde->d_name[0] == '.' || !ep11_is_dev_fd(dirfd, fde->d_name))
				continue;
			if (pidfd < 0)
				pidfd = syscall(SYS_pidfd_open, pid, 0);
			fd = pidfd < 0 ? -1 :
			     syscall(SYS_pidfd_getfd, pidfd, target, 0);
			if (fd < 0) {
				if (errno != EBADF && errno != ESRCH)
					complete = false;
				continue;
			}
			if (ep11_file_sessions(fd, &hs, pid))
				complete = false;
			close(fd);
		}
		if (pidfd >= 0)
			close(pidfd);
		closedir(fds);
	}
	closedir(proc);
	free(hs.by_id);
	list->holders_known = complete;
	for (i = 0; i < list->n; i++)
		list->rows[i].holders_scanned = true;
}
