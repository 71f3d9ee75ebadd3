// SPDX-License-Identifier: GPL-2.0
/*
 * ep11-cardemu: an EP11 card whose firmware (libep11fw) serves a virtual
 * card of ep11_vcard.ko.  Worker threads take requests from the card fd
 * and write the replies; the main thread handles signals and the control
 * socket (control.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/ep11_vcard.h>

#include "log.h"
#include "cardemu.h"

#define MAX_THREADS	64
#define DEFAULT_THREADS	4

static const char usage[] =
"Usage: ep11-cardemu --card XX --domains XX[,XX...] --max-sessions N\n"
"                    --state-dir DIR [options]\n"
"       ep11-cardemu ctl SOCKET COMMAND [ARG]\n"
"\n"
"Emulates an EP11 card on /dev/ep11_vcard until SIGTERM or SIGINT\n"
"(SIGHUP changes nothing).\n"
"\n"
"  --card XX             adapter number, hex (00-ff)\n"
"  --domains LIST        usage domains, hex, comma-separated (00-ff)\n"
"  --max-sessions N      session budget of the card (1-4096)\n"
"  --state-dir DIR       wrapping keys live here (created 0700)\n"
"  --serial S            16-character serial number\n"
"  --queue-depth N       requests in flight per APQN (1-64; default: the\n"
"                        driver's)\n"
"  --threads N           worker threads (1-64, default 4)\n"
"  --latency-us N        delay every request by N microseconds\n"
"  --busy-rate P         answer a fraction P (0-1) of requests busy\n"
"  --login-fail-rate P   fail a fraction P (0-1) of logins\n"
"  --control PATH        control socket (default DIR/cardXX.ctl)\n"
"  --control-timeout MS  a control client's time to send its command\n"
"                        (100-60000, default 1000)\n"
"  --device PATH         control device (default /dev/ep11_vcard)\n"
"\n"
"The control socket exists once the card is registered.  Commands\n"
"(ep11-cardemu ctl SOCKET COMMAND):\n"
"  status                card, serial, session counts, each domain\n"
"  sessions              \"max N available N\"\n"
"  offline XX, online XX take a domain offline or back online\n"
"  stop                  exit as on SIGTERM\n";

static atomic_bool card_gone;

struct worker {
	pthread_t thread;
	struct cardemu *emu;
};

static void __attribute__((format(printf, 1, 2), noreturn))
die_usage(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emu_log(LOG_ERR, "ep11-cardemu: %s\n", msg);
	fprintf(stderr, "\n%s", usage);
	exit(2);
}

/* A number from @min to @max, or exit 2 naming @what and the range. */
static unsigned long parse_num(const char *s, int base, unsigned long min,
			       unsigned long max, const char *what)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, base);
	if (!*s || *end || errno || v < min || v > max || *s == '-' ||
	    *s == '+') {
		if (base == 16)
			die_usage("bad %s %s: must be hex %02lx to %02lx", what,
				  s, min, max);
		die_usage("bad %s %s: must be %lu to %lu", what, s, min, max);
	}
	return v;
}

static double parse_rate(const char *s, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !(v >= 0 && v <= 1))
		die_usage("%s must be a number from 0 to 1", what);
	return v;
}

static void parse_domains(char *s, struct fw_config *cfg)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(s, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned int d = parse_num(tok, 16, 0, 0xff, "domain"), i;

		for (i = 0; i < cfg->ndomains; i++)
			if (cfg->domains[i] == d)
				die_usage("domain %02x given twice", d);
		if (cfg->ndomains == FW_MAX_DOMAINS)
			die_usage("%s", "too many domains");
		cfg->domains[cfg->ndomains++] = d;
	}
	if (!cfg->ndomains)
		die_usage("%s", "--domains needs at least one domain");
}

/* Stops every thread: workers and the main loop watch @emu->stop_fd. */
void cardemu_stop(struct cardemu *emu)
{
	u64 one = 1;

	if (write(emu->stop_fd, &one, sizeof(one)) != sizeof(one))
		emu_log(LOG_ERR, "ep11-cardemu: cannot signal stop: %s\n",
			strerror(errno));
}

static void serve_one(struct cardemu *emu, u8 *in, u8 *out)
{
	struct ep11_vcard_msg *rq = (void *)in, *rp = (void *)out;
	struct timespec t0, t1;
	ssize_t n;
	int len;

	n = read(emu->card_fd, in, sizeof(*rq) + EP11_MAX_MSG_LEN);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		emu_log(LOG_ERR, "ep11-cardemu: card%02x: read: %s\n",
			emu->cfg.card, strerror(errno));
		card_gone = true;
		cardemu_stop(emu);
		return;
	}
	if ((size_t)n < sizeof(*rq) || rq->len != n - sizeof(*rq)) {
		emu_log(LOG_WARNING,
			"ep11-cardemu: card%02x: malformed read of %zd bytes\n",
			emu->cfg.card, n);
		return;
	}
	atomic_fetch_add(&emu->n_requests, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	len = fw_handle(emu->fw, rq->domain, in + sizeof(*rq), rq->len,
			out + sizeof(*rp), EP11_MAX_MSG_LEN);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	atomic_fetch_add(&emu->fw_ns, (t1.tv_sec - t0.tv_sec) * 1000000000ULL +
			 t1.tv_nsec - t0.tv_nsec);
	if (len < 0) {
		emu_log(LOG_ERR, "ep11-cardemu: card%02x: no reply: %s\n",
			emu->cfg.card, strerror(-len));
		return;
	}
	if (len == EP11_CPRB_LEN)
		atomic_fetch_add(&emu->n_busy, 1);
	rp->msgid = rq->msgid;
	rp->domain = rq->domain;
	rp->len = len;
	n = write(emu->card_fd, out, sizeof(*rp) + len);
	if (n < 0 && errno == ENOENT)
		atomic_fetch_add(&emu->n_late, 1);
	else if (n < 0)
		emu_log(LOG_ERR, "ep11-cardemu: card%02x: write: %s\n",
			emu->cfg.card, strerror(errno));
}

/*
 * Each worker waits on an epoll set of its own, the card fd in it with
 * EPOLLEXCLUSIVE: a request wakes one idle worker, not all of them only
 * for the others to find nothing to read.  The stop fd wakes them all.
 */
static int worker_epoll(struct cardemu *emu)
{
	struct epoll_event card = {
		.events = EPOLLIN | EPOLLEXCLUSIVE,
		.data.fd = emu->card_fd,
	};
	struct epoll_event stop = {
		.events = EPOLLIN,
		.data.fd = emu->stop_fd,
	};
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return -1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, emu->card_fd, &card) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, emu->stop_fd, &stop)) {
		close(ep);
		return -1;
	}
	return ep;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct cardemu *emu = w->emu;
	size_t sz = sizeof(struct ep11_vcard_msg) + EP11_MAX_MSG_LEN;
	u8 *in = malloc(sz), *out = malloc(sz);
	struct epoll_event ev[2];
	int ep = worker_epoll(emu), n, i;
	bool stop = false;

	if (ep < 0) {
		emu_log(LOG_ERR, "ep11-cardemu: epoll: %s\n", strerror(errno));
		cardemu_stop(emu);
		goto out;
	}
	if (!in || !out) {
		emu_log(LOG_ERR, "ep11-cardemu: out of memory\n");
		cardemu_stop(emu);
		goto out;
	}
	while (!stop) {
		n = epoll_wait(ep, ev, ARRAY_SIZE(ev), -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			emu_log(LOG_ERR, "ep11-cardemu: epoll_wait: %s\n",
				strerror(errno));
			cardemu_stop(emu);
			break;
		}
		for (i = 0; i < n; i++)
			if (ev[i].data.fd == emu->stop_fd)
				stop = true;
		for (i = 0; i < n && !stop; i++) {
			if (ev[i].data.fd != emu->card_fd)
				continue;
			if (ev[i].events & (EPOLLERR | EPOLLHUP)) {
				emu_log(LOG_WARNING,
					"ep11-cardemu: card%02x was removed\n",
					emu->cfg.card);
				card_gone = true;
				cardemu_stop(emu);
				stop = true;
			} else if (ev[i].events & EPOLLIN) {
				serve_one(emu, in, out);
			}
		}
	}
out:
	if (ep >= 0)
		close(ep);
	free(in);
	free(out);
	return NULL;
}

int cardemu_set_online(struct cardemu *emu, u16 domain, bool online)
{
	struct ep11_vcard_online arg = {
		.size = sizeof(arg),
		.domain = domain,
		.online = online,
	};
	unsigned int i;

	for (i = 0; i < emu->cfg.ndomains; i++) {
		if (emu->cfg.domains[i] != domain)
			continue;
		if (ioctl(emu->card_fd, EP11_VCARD_IOC_SET_ONLINE, &arg))
			return -errno;
		emu->online[i] = online;
		emu_log(LOG_NOTICE, "ep11-cardemu: card%02x: %02x.%04x is %s\n",
			emu->cfg.card, emu->cfg.card, domain,
			online ? "online" : "offline");
		return 0;
	}
	return -ENOENT;
}

static int create_card(struct cardemu *emu, const char *device,
		       unsigned int depth)
{
	struct ep11_vcard_new arg = {
		.size = sizeof(arg),
		.card = emu->cfg.card,
		.queue_depth = depth,
	};
	unsigned int i;
	int fd;

	for (i = 0; i < emu->cfg.ndomains; i++)
		arg.domains[emu->cfg.domains[i] / 64] |=
			1ULL << (emu->cfg.domains[i] % 64);
	memcpy(arg.serial, fw_serial(emu->fw), sizeof(arg.serial));
	fd = open(device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		emu_log(LOG_ERR,
			"ep11-cardemu: cannot open %s: %s (is ep11_vcard loaded? are you root?)\n",
			device, strerror(errno));
		return -1;
	}
	if (ioctl(fd, EP11_VCARD_IOC_NEW, &arg)) {
		emu_log(LOG_ERR, "ep11-cardemu: cannot create card%02x: %s%s\n",
			emu->cfg.card, strerror(errno),
			errno == EEXIST ? " (the card number is in use)" : "");
		close(fd);
		return -1;
	}
	close(fd);
	emu->card_fd = arg.fd;
	if (fcntl(emu->card_fd, F_SETFL, O_NONBLOCK)) {
		emu_log(LOG_ERR, "ep11-cardemu: fcntl: %s\n", strerror(errno));
		return -1;
	}
	for (i = 0; i < emu->cfg.ndomains; i++)
		emu->online[i] = true;
	return 0;
}

/*
 * A signal: SIGHUP (a closed terminal, or a service manager's reload)
 * changes nothing, the card stays; SIGTERM and SIGINT stop everything.
 * Returns true to stop.
 */
static bool handle_signal(struct cardemu *emu, int sig_fd)
{
	struct signalfd_siginfo si;

	if (read(sig_fd, &si, sizeof(si)) != sizeof(si))
		return false;
	if (si.ssi_signo == SIGHUP) {
		emu_log(LOG_NOTICE,
			"ep11-cardemu: card%02x: SIGHUP: nothing to reload, the card stays\n",
			emu->cfg.card);
		return false;
	}
	emu_log(LOG_NOTICE, "ep11-cardemu: card%02x: %s, stopping\n",
		emu->cfg.card, strsignal(si.ssi_signo));
	cardemu_stop(emu);
	return true;
}

static int main_loop(struct cardemu *emu, int sig_fd)
{
	struct pollfd pfd[2 + CARDEMU_CTL_POLLFDS] = {
		{ .fd = sig_fd, .events = POLLIN },
		{ .fd = emu->stop_fd, .events = POLLIN },
	};
	int n;

	for (;;) {
		n = 2 + cardemu_control_pollfds(emu, pfd + 2);
		if (poll(pfd, n, cardemu_control_timeout()) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((pfd[0].revents & POLLIN) && handle_signal(emu, sig_fd))
			return 0;
		if (pfd[1].revents)
			return 0;
		cardemu_control_serve(emu, pfd + 2, n - 2);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "card", required_argument, NULL, 'c' },
		{ "domains", required_argument, NULL, 'd' },
		{ "max-sessions", required_argument, NULL, 'm' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "serial", required_argument, NULL, 'S' },
		{ "queue-depth", required_argument, NULL, 'q' },
		{ "threads", required_argument, NULL, 't' },
		{ "latency-us", required_argument, NULL, 'l' },
		{ "busy-rate", required_argument, NULL, 'b' },
		{ "login-fail-rate", required_argument, NULL, 'f' },
		{ "control", required_argument, NULL, 'C' },
		{ "control-timeout", required_argument, NULL, 'T' },
		{ "device", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static struct cardemu emu = { .card_fd = -1, .ctl_fd = -1,
				      .ctl_timeout_ms = 1000 };
	const char *device = "/dev/ep11_vcard";
	unsigned int depth = 0, nthreads = DEFAULT_THREADS, i;
	struct worker workers[MAX_THREADS];
	bool have_card = false;
	sigset_t sigs;
	int opt, sig_fd, ret = 1;

	if (argc > 1 && !strcmp(argv[1], "ctl"))
		return cardemu_control_client(argc - 2, argv + 2);

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			emu.cfg.card = parse_num(optarg, 16, 0, 0xff, "card");
			have_card = true;
			break;
		case 'd':
			parse_domains(optarg, &emu.cfg);
			break;
		case 'm':
			emu.cfg.max_sessions = parse_num(optarg, 10, 1,
							 FW_MAX_SESSIONS,
							 "max sessions");
			break;
		case 's':
			emu.cfg.state_dir = optarg;
			break;
		case 'S':
			if (strlen(optarg) != EP11_SERIAL_LEN)
				die_usage("--serial needs %s characters",
					  "16");
			memcpy(emu.cfg.serial, optarg, EP11_SERIAL_LEN);
			break;
		case 'q':
			depth = parse_num(optarg, 10, 1, EP11_VCARD_MAX_DEPTH,
					  "queue depth");
			break;
		case 't':
			nthreads = parse_num(optarg, 10, 1, MAX_THREADS,
					     "thread count");
			break;
		case 'l':
			emu.cfg.latency_us = parse_num(optarg, 10, 0, 60000000,
						       "latency");
			break;
		case 'b':
			emu.cfg.busy_rate = parse_rate(optarg, "--busy-rate");
			break;
		case 'f':
			emu.cfg.login_fail_rate =
				parse_rate(optarg, "--login-fail-rate");
			break;
		case 'C':
			emu.ctl_path = optarg;
			break;
		case 'T':
			emu.ctl_timeout_ms = parse_num(optarg, 10, 100, 60000,
						       "control time-out");
			break;
		case 'D':
			device = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc)
		die_usage("unexpected argument %s", argv[optind]);
	if (!have_card || !emu.cfg.ndomains || !emu.cfg.max_sessions ||
	    !emu.cfg.state_dir)
		die_usage("%s", "--card, --domains, --max-sessions and --state-dir are required");

	/* Signals go to the signalfd only, never to a worker. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sigdelset(&sigs, SIGPIPE);
	sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	emu.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sig_fd < 0 || emu.stop_fd < 0) {
		emu_log(LOG_ERR, "ep11-cardemu: signalfd/eventfd: %s\n",
			strerror(errno));
		return 1;
	}

	emu.fw = fw_new(&emu.cfg);
	if (!emu.fw)
		return 1;
	if (create_card(&emu, device, depth))
		goto out;
	if (cardemu_control_open(&emu))
		goto out;
	for (i = 0; i < nthreads; i++) {
		workers[i].emu = &emu;
		if (pthread_create(&workers[i].thread, NULL, worker_main,
				   &workers[i])) {
			emu_log(LOG_ERR, "ep11-cardemu: cannot start threads\n");
			cardemu_stop(&emu);
			nthreads = i;
			break;
		}
	}
	emu_log(LOG_INFO,
		"ep11-cardemu: card%02x (%s) serving %u domain(s) with %u sessions, %u threads, control %s\n",
		emu.cfg.card, fw_serial(emu.fw), emu.cfg.ndomains,
		emu.cfg.max_sessions, nthreads, emu.ctl_path);

	ret = main_loop(&emu, sig_fd) || card_gone ? 1 : 0;
	for (i = 0; i < nthreads; i++)
		pthread_join(workers[i].thread, NULL);
	emu_log(LOG_INFO,
		"ep11-cardemu: card%02x: %lu requests, %lu busy replies, %lu replies too late\n",
		emu.cfg.card, atomic_load(&emu.n_requests),
		atomic_load(&emu.n_busy), atomic_load(&emu.n_late));
out:
	cardemu_control_close(&emu);
	if (emu.card_fd >= 0)
		close(emu.card_fd);
	fw_free(emu.fw);
	return ret;
}
