// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket: a unix stream socket (mode 0600) that takes one
 * command line per connection and answers with text.  Answers that start
 * with "error:" report a failure.  Commands: status, sessions,
 * offline XX, online XX, foreign-login N, foreign-logout N, stop.
 *
 * The main thread serves it without ever blocking: connections are
 * accepted and read non-blocking, a few at a time, and each has
 * --control-timeout (1 s by default) to send its line, so a slow or stuck
 * client delays neither SIGTERM nor anyone else.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "cardemu.h"

#define LINE_MAX_LEN	256
#define ANSWER_MAX_LEN	(64 + FW_MAX_DOMAINS * 64)

/**
 * struct ctl_conn - a control connection waiting for its command line
 * @fd:       the connection (non-blocking), -1 for a free slot
 * @len:      bytes of @line read so far
 * @deadline: CLOCK_MONOTONIC ms by which the line must be complete
 * @line:     the command line
 */
struct ctl_conn {
	int fd;
	size_t len;
	long long deadline;
	char line[LINE_MAX_LEN];
};

static struct ctl_conn conns[CARDEMU_CTL_CONNS];

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		emu_log(LOG_ERR,
			"ep11-cardemu: control socket path %s is too long (max %zu)\n",
			path, sizeof(sa->sun_path) - 1);
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

/*
 * Makes way for the control socket at @path: nothing there, or a socket
 * that nobody listens on any more (an emulator that was killed), which is
 * removed.  A socket that answers belongs to an emulator that is still
 * running, and anything else is not ours to remove: both are refused.
 */
static int claim_path(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r, e;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		emu_log(LOG_ERR,
			"ep11-cardemu: %s exists and is not a socket; refusing to replace it\n",
			path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	e = errno;
	close(fd);
	if (!r || e == EAGAIN || e == EINPROGRESS) {
		emu_log(LOG_ERR,
			"ep11-cardemu: %s belongs to an emulator that is still running; stop it first or give another --control\n",
			path);
		return -EADDRINUSE;
	}
	if (e != ECONNREFUSED) {
		emu_log(LOG_ERR,
			"ep11-cardemu: cannot tell whether %s is still in use: %s\n",
			path, strerror(e));
		return -e;
	}
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

/* Binds @fd to @sa with mode 0600 from the start: no moment of 0755. */
static int bind_private(int fd, const struct sockaddr_un *sa)
{
	mode_t old = umask(0177);
	int r = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));

	umask(old);
	return r;
}

int cardemu_control_open(struct cardemu *emu)
{
	struct sockaddr_un sa;
	unsigned int i;
	int r;

	for (i = 0; i < CARDEMU_CTL_CONNS; i++)
		conns[i].fd = -1;
	if (!emu->ctl_path) {
		if (snprintf(emu->ctl_buf, sizeof(emu->ctl_buf),
			     "%s/card%02x.ctl", emu->cfg.state_dir,
			     emu->cfg.card) >= (int)sizeof(emu->ctl_buf)) {
			emu_log(LOG_ERR,
				"ep11-cardemu: state directory path too long for the control socket; use --control\n");
			return -1;
		}
		emu->ctl_path = emu->ctl_buf;
	}
	if (fill_addr(&sa, emu->ctl_path))
		return -1;
	r = claim_path(emu->ctl_path, &sa);
	if (r == -EEXIST || r == -EADDRINUSE)
		return -1;
	if (r) {
		emu_log(LOG_ERR, "ep11-cardemu: control socket %s: %s\n",
			emu->ctl_path, strerror(-r));
		return -1;
	}
	emu->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
			     SOCK_NONBLOCK, 0);
	if (emu->ctl_fd < 0 || bind_private(emu->ctl_fd, &sa) ||
	    listen(emu->ctl_fd, 8)) {
		emu_log(LOG_ERR, "ep11-cardemu: control socket %s: %s\n",
			emu->ctl_path, strerror(errno));
		if (emu->ctl_fd >= 0)
			close(emu->ctl_fd);
		emu->ctl_fd = -1;
		return -1;
	}
	return 0;
}

void cardemu_control_close(struct cardemu *emu)
{
	unsigned int i;

	for (i = 0; i < CARDEMU_CTL_CONNS; i++)
		if (conns[i].fd >= 0) {
			close(conns[i].fd);
			conns[i].fd = -1;
		}
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
		       "card %02x\nserial %s\nmax_sessions %u\navailable_sessions %u\nforeign_sessions %u\nrequests %lu\nfirmware_ns %llu\n",
		       emu->cfg.card, fw_serial(emu->fw), max, avail,
		       fw_foreign_count(emu->fw), atomic_load(&emu->n_requests),
		       atomic_load(&emu->fw_ns));
	for (i = 0; i < emu->cfg.ndomains && pos < cap; i++) {
		fw_wkid(emu->fw, emu->cfg.domains[i], wkid);
		hex(wkid_hex, wkid, sizeof(wkid));
		pos += snprintf(out + pos, cap - pos,
				"domain %04x online %d wkid %s\n",
				emu->cfg.domains[i], emu->online[i], wkid_hex);
	}
}

/* foreign-login N, foreign-logout N: another host's sessions. */
static void answer_foreign(struct cardemu *emu, bool login, const char *arg,
			   char *out, size_t cap)
{
	unsigned int max, avail;
	unsigned long n;
	char *end;
	int r;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (!*arg || *end || *arg == '-' || errno || !n || n > FW_MAX_SESSIONS) {
		snprintf(out, cap,
			 "error: bad session count %s (expected 1-%u)\n", arg,
			 FW_MAX_SESSIONS);
		return;
	}
	r = login ? fw_foreign_login(emu->fw, n) :
		    fw_foreign_logout(emu->fw, n);
	fw_session_counts(emu->fw, &max, &avail);
	if (r == -ENOSPC)
		snprintf(out, cap,
			 "error: foreign-login %lu: only %u of %u sessions available\n",
			 n, avail, max);
	else if (r == -ENOENT)
		snprintf(out, cap,
			 "error: foreign-logout %lu: only %u foreign sessions open\n",
			 n, fw_foreign_count(emu->fw));
	else
		snprintf(out, cap, "ok foreign %u available %u\n",
			 fw_foreign_count(emu->fw), avail);
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
	} else if ((!strcmp(cmd, "foreign-login") ||
		    !strcmp(cmd, "foreign-logout")) && arg) {
		answer_foreign(emu, !strcmp(cmd, "foreign-login"), arg, out,
			       cap);
	} else if (!strcmp(cmd, "stop") && !arg) {
		snprintf(out, cap, "ok\n");
		cardemu_stop(emu);
	} else {
		snprintf(out, cap,
			 "error: unknown command; try status, sessions, offline XX, online XX, foreign-login N, foreign-logout N, stop\n");
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int cardemu_control_pollfds(struct cardemu *emu, struct pollfd *pfd)
{
	unsigned int i;
	int n = 0;

	pfd[n++] = (struct pollfd){ .fd = emu->ctl_fd, .events = POLLIN };
	for (i = 0; i < CARDEMU_CTL_CONNS; i++)
		if (conns[i].fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = conns[i].fd,
						    .events = POLLIN };
	return n;
}

int cardemu_control_timeout(void)
{
	long long next = -1, now = now_ms();
	unsigned int i;

	for (i = 0; i < CARDEMU_CTL_CONNS; i++)
		if (conns[i].fd >= 0 && (next < 0 || conns[i].deadline < next))
			next = conns[i].deadline;
	if (next < 0)
		return -1;
	return next > now ? (int)(next - now) : 0;
}

/* Answers @c's line (complete or not) and frees its slot. */
static void conn_answer(struct cardemu *emu, struct ctl_conn *c)
{
	char out[ANSWER_MAX_LEN];

	c->line[c->len] = '\0';
	answer(emu, c->line, out, sizeof(out));
	/* Non-blocking: a client that does not take its answer loses it. */
	if (send(c->fd, out, strlen(out), MSG_NOSIGNAL) < 0 && errno != EAGAIN &&
	    errno != EPIPE)
		emu_log(LOG_WARNING, "ep11-cardemu: control answer: %s\n",
			strerror(errno));
	close(c->fd);
	c->fd = -1;
}

/* Reads what @c has sent; answers once the line is complete. */
static void conn_read(struct cardemu *emu, struct ctl_conn *c)
{
	ssize_t n;

	while (c->len < sizeof(c->line) - 1) {
		n = read(c->fd, c->line + c->len, sizeof(c->line) - 1 - c->len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			break;
		if (memchr(c->line + c->len, '\n', n)) {
			c->len += n;
			break;
		}
		c->len += n;
	}
	conn_answer(emu, c);
}

/* Takes every waiting connection that has a free slot. */
static void conn_accept(struct cardemu *emu)
{
	unsigned int i;
	int fd;

	for (;;) {
		fd = accept4(emu->ctl_fd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		for (i = 0; i < CARDEMU_CTL_CONNS && conns[i].fd >= 0; i++)
			;
		if (i == CARDEMU_CTL_CONNS) {
			/* Busy with others: this one finds no answer. */
			close(fd);
			continue;
		}
		conns[i].fd = fd;
		conns[i].len = 0;
		conns[i].deadline = now_ms() + emu->ctl_timeout_ms;
	}
}

void cardemu_control_serve(struct cardemu *emu, const struct pollfd *pfd,
			   int n)
{
	long long now = now_ms();
	unsigned int i;
	int k = 1;

	/* The slots in the order cardemu_control_pollfds() listed them. */
	for (i = 0; i < CARDEMU_CTL_CONNS && k < n; i++) {
		if (conns[i].fd < 0 || conns[i].fd != pfd[k].fd)
			continue;
		if (pfd[k++].revents)
			conn_read(emu, &conns[i]);
	}
	for (i = 0; i < CARDEMU_CTL_CONNS; i++) {
		if (conns[i].fd >= 0 && conns[i].deadline <= now) {
			emu_log(LOG_WARNING,
				"ep11-cardemu: control client sent no command within %u ms; closed\n",
				emu->ctl_timeout_ms);
			close(conns[i].fd);
			conns[i].fd = -1;
		}
	}
	if (n > 0 && (pfd[0].revents & POLLIN))
		conn_accept(emu);
}

int cardemu_control_client(int argc, char **argv)
{
	char buf[ANSWER_MAX_LEN], line[LINE_MAX_LEN];
	struct sockaddr_un sa;
	size_t len = 0;
	ssize_t n;
	int fd;

	if (argc < 2 || argc > 3) {
		emu_log(LOG_ERR,
			"usage: ep11-cardemu ctl SOCKET status|sessions|stop|offline XX|online XX|foreign-login N|foreign-logout N\n");
		return 2;
	}
	if (fill_addr(&sa, argv[0]))
		return 1;
	if (snprintf(line, sizeof(line), "%s%s%s\n", argv[1],
		     argc == 3 ? " " : "", argc == 3 ? argv[2] : "") >=
	    (int)sizeof(line)) {
		emu_log(LOG_ERR, "ep11-cardemu: command too long\n");
		return 2;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		emu_log(LOG_ERR, "ep11-cardemu: cannot reach %s: %s\n",
			argv[0], strerror(errno));
		return 1;
	}
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		emu_log(LOG_ERR, "ep11-cardemu: cannot send to %s\n", argv[0]);
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
		emu_log(LOG_ERR, "ep11-cardemu: no answer from %s\n", argv[0]);
		return 1;
	}
	return strncmp(buf, "error:", 6) ? 0 : 1;
}
