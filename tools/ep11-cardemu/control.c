// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket: a unix stream socket (mode 0600) that takes one
 * command line per connection and answers with text.  Answers that start
 * with "error:" report a failure.  Commands: status, sessions,
 * offline XX, online XX, stop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "cardemu.h"

#define LINE_MAX_LEN	256
#define ANSWER_MAX_LEN	(64 + FW_MAX_DOMAINS * 64)

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		fprintf(stderr,
			"ep11-cardemu: control socket path %s is too long (max %zu)\n",
			path, sizeof(sa->sun_path) - 1);
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

int cardemu_control_open(struct cardemu *emu)
{
	struct sockaddr_un sa;
	struct stat st;

	if (!emu->ctl_path) {
		if (snprintf(emu->ctl_buf, sizeof(emu->ctl_buf),
			     "%s/card%02x.ctl", emu->cfg.state_dir,
			     emu->cfg.card) >= (int)sizeof(emu->ctl_buf)) {
			fprintf(stderr,
				"ep11-cardemu: state directory path too long for the control socket; use --control\n");
			return -1;
		}
		emu->ctl_path = emu->ctl_buf;
	}
	if (fill_addr(&sa, emu->ctl_path))
		return -1;
	/* A socket left by an emulator that was killed. */
	if (!lstat(emu->ctl_path, &st) && S_ISSOCK(st.st_mode))
		unlink(emu->ctl_path);
	emu->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
			     SOCK_NONBLOCK, 0);
	if (emu->ctl_fd < 0 ||
	    bind(emu->ctl_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(emu->ctl_path, 0600) || listen(emu->ctl_fd, 8)) {
		fprintf(stderr, "ep11-cardemu: control socket %s: %s\n",
			emu->ctl_path, strerror(errno));
		return -1;
	}
	return 0;
}

void cardemu_control_close(struct cardemu *emu)
{
	if (emu->ctl_fd < 0)
		return;
	close(emu->ctl_fd);
	emu->ctl_fd = -1;
	unlink(emu->ctl_path);
}

static void hex(char *out, const u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void answer_status(struct cardemu *emu, char *out, size_t cap)
{
	char wkid_hex[2 * EP11_WKID_LEN + 1];
	u8 wkid[EP11_WKID_LEN];
	unsigned int max, avail, i;
	size_t pos;

	fw_session_counts(emu->fw, &max, &avail);
	pos = snprintf(out, cap,
		       "card %02x\nserial %s\nmax_sessions %u\navailable_sessions %u\n",
		       emu->cfg.card, fw_serial(emu->fw), max, avail);
	for (i = 0; i < emu->cfg.ndomains && pos < cap; i++) {
		fw_wkid(emu->fw, emu->cfg.domains[i], wkid);
		hex(wkid_hex, wkid, sizeof(wkid));
		pos += snprintf(out + pos, cap - pos,
				"domain %04x online %d wkid %s\n",
				emu->cfg.domains[i], emu->online[i], wkid_hex);
	}
}

static void answer(struct cardemu *emu, char *line, char *out, size_t cap)
{
	char *cmd, *arg, *extra, *save = NULL, *end;
	unsigned int max, avail;
	unsigned long dom;
	int r;

	cmd = strtok_r(line, " \t\r\n", &save);
	arg = strtok_r(NULL, " \t\r\n", &save);
	extra = strtok_r(NULL, " \t\r\n", &save);
	if (!cmd || extra) {
		snprintf(out, cap, "error: expected one command\n");
	} else if (!strcmp(cmd, "status") && !arg) {
		answer_status(emu, out, cap);
	} else if (!strcmp(cmd, "sessions") && !arg) {
		fw_session_counts(emu->fw, &max, &avail);
		snprintf(out, cap, "max %u available %u\n", max, avail);
	} else if ((!strcmp(cmd, "offline") || !strcmp(cmd, "online")) &&
		   arg) {
		errno = 0;
		dom = strtoul(arg, &end, 16);
		if (!*arg || *end || errno || dom > 0xff) {
			snprintf(out, cap, "error: bad domain %s\n", arg);
			return;
		}
		r = cardemu_set_online(emu, dom, cmd[1] == 'n');
		if (r == -ENOENT)
			snprintf(out, cap, "error: card%02x has no domain %02lx\n",
				 emu->cfg.card, dom);
		else if (r)
			snprintf(out, cap, "error: %s %02lx: %s\n", cmd, dom,
				 strerror(-r));
		else
			snprintf(out, cap, "ok\n");
	} else if (!strcmp(cmd, "stop") && !arg) {
		snprintf(out, cap, "ok\n");
		cardemu_stop(emu);
	} else {
		snprintf(out, cap,
			 "error: unknown command; try status, sessions, offline XX, online XX, stop\n");
	}
}

void cardemu_control_serve(struct cardemu *emu)
{
	struct timeval tv = { .tv_sec = 1 };
	char line[LINE_MAX_LEN], out[ANSWER_MAX_LEN];
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = accept4(emu->ctl_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len < sizeof(line) - 1) {
		n = read(fd, line + len, sizeof(line) - 1 - len);
		if (n <= 0)
			break;
		len += n;
		if (memchr(line, '\n', len))
			break;
	}
	line[len] = '\0';
	answer(emu, line, out, sizeof(out));
	if (write(fd, out, strlen(out)) < 0)
		fprintf(stderr, "ep11-cardemu: control answer: %s\n",
			strerror(errno));
	close(fd);
}

int cardemu_control_client(int argc, char **argv)
{
	char buf[ANSWER_MAX_LEN], line[LINE_MAX_LEN];
	struct sockaddr_un sa;
	size_t len = 0;
	ssize_t n;
	int fd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr,
			"usage: ep11-cardemu ctl SOCKET status|sessions|stop|offline XX|online XX\n");
		return 2;
	}
	if (fill_addr(&sa, argv[0]))
		return 1;
	if (snprintf(line, sizeof(line), "%s%s%s\n", argv[1],
		     argc == 3 ? " " : "", argc == 3 ? argv[2] : "") >=
	    (int)sizeof(line)) {
		fprintf(stderr, "ep11-cardemu: command too long\n");
		return 2;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "ep11-cardemu: cannot reach %s: %s\n",
			argv[0], strerror(errno));
		return 1;
	}
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		fprintf(stderr, "ep11-cardemu: cannot send to %s\n", argv[0]);
		close(fd);
		return 1;
	}
	shutdown(fd, SHUT_WR);
	while (len < sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	fputs(buf, stdout);
	if (!len) {
		fprintf(stderr, "ep11-cardemu: no answer from %s\n", argv[0]);
		return 1;
	}
	return strncmp(buf, "error:", 6) ? 0 : 1;
}
