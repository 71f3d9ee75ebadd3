// SPDX-License-Identifier: GPL-2.0
/*
 * log.c: the emulator's messages, with syslog priorities for the journal.
 *
 * systemd connects a service's standard error to the journal and says so
 * in $JOURNAL_STREAM ("DEVICE:INODE" of that stream).  A line that starts
 * with "<N>" is then logged at priority N (SyslogLevelPrefix=, on by
 * default).  The prefix is written only when standard error is still that
 * stream, so a terminal or a redirected file gets the plain message.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"

static pthread_once_t journal_once = PTHREAD_ONCE_INIT;
static int journal;

static void journal_check(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return;
	if (fstat(fileno(stderr), &st))
		return;
	journal = (unsigned long long)st.st_dev == dev &&
		  (unsigned long long)st.st_ino == ino;
}

int emu_log_to_journal(void)
{
	pthread_once(&journal_once, journal_check);
	return journal;
}

void emu_vlog(int prio, const char *fmt, va_list ap)
{
	char buf[2048], *line, *nl;
	int n;

	if (!emu_log_to_journal()) {
		vfprintf(stderr, fmt, ap);
		return;
	}
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	/* One write per line, each with the prefix: lines stay whole. */
	flockfile(stderr);
	for (line = buf; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl) {
			fprintf(stderr, "<%d>%s\n", LOG_PRI(prio), line);
			break;
		}
		fprintf(stderr, "<%d>%.*s\n", LOG_PRI(prio), (int)(nl - line),
			line);
	}
	fflush(stderr);
	funlockfile(stderr);
}

void emu_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emu_vlog(prio, fmt, ap);
	va_end(ap);
}
