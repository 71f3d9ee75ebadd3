// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket without a kernel: mode 0600 from bind() on whatever
 * the umask; a socket that a running emulator listens on is refused and
 * left alone, as is a file that is not a socket, while a dead emulator's
 * socket is replaced; a client that sends nothing, or only part of a line,
 * delays neither another client nor the main loop, and is closed after
 * its second; more silent clients than slots are turned away at once.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "fixture.h"
#include "cardemu.h"

/* What control.c calls in ep11-cardemu.c. */
static atomic_int stops;

void cardemu_stop(struct cardemu *emu)
{
	stops++;
}

int cardemu_set_online(struct cardemu *emu, u16 domain, bool online)
{
	return -ENOENT;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The main loop's part: serve until @done, never waiting longer than
 * the control code asks (and 20 ms to notice @done).
 */
static atomic_bool done;
static atomic_int longest_serve_us;

static void *serve_thread(void *arg)
{
	struct cardemu *emu = arg;
	struct pollfd pfd[CARDEMU_CTL_POLLFDS];
	int n, t, us;
	double t0;

	while (!done) {
		n = cardemu_control_pollfds(emu, pfd);
		t = cardemu_control_timeout();
		if (poll(pfd, n, t < 0 || t > 20 ? 20 : t) < 0)
			continue;
		t0 = now_s();
		cardemu_control_serve(emu, pfd, n);
		us = (now_s() - t0) * 1e6;
		if (us > longest_serve_us)
			longest_serve_us = us;
	}
	return NULL;
}

static int client(const char *path)
{
	struct timeval tv = { .tv_sec = 5 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Reads until EOF; returns the bytes read (-1 on error). */
static ssize_t read_all(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	return n < 0 ? -1 : (ssize_t)len;
}

static struct cardemu *emu_new(const char *dir, const char *ctl)
{
	static struct cardemu emus[4];
	static unsigned int used;
	struct cardemu *emu = &emus[used++];

	emu->cfg.card = 0x0b;
	emu->cfg.domains[0] = D0;
	emu->cfg.ndomains = 1;
	emu->cfg.max_sessions = 4;
	emu->cfg.state_dir = dir;
	emu->fw = fw_new(&emu->cfg);
	emu->card_fd = -1;
	emu->stop_fd = -1;
	emu->ctl_fd = -1;
	emu->ctl_path = ctl;
	emu->ctl_timeout_ms = 1000;
	return emu;
}

static void test_mode_and_claims(void)
{
	char *dir = test_mkdir(), ctl[4200], other[4200];
	struct cardemu *a, *b, *c;
	struct stat st, st2;
	mode_t old;
	int fd;

	snprintf(ctl, sizeof(ctl), "%s/c.ctl", dir);
	a = emu_new(dir, ctl);
	ASSERT_TRUE(a->fw);

	/* 0600 although the umask would give everyone everything. */
	old = umask(0);
	EXPECT_EQ(cardemu_control_open(a), 0);
	EXPECT_EQ(umask(old), 0);
	EXPECT_EQ(stat(ctl, &st), 0);
	EXPECT_TRUE(S_ISSOCK(st.st_mode));
	EXPECT_EQ(st.st_mode & 07777, 0600);

	/* A second emulator on the same path: refused, a's socket intact. */
	b = emu_new(dir, ctl);
	EXPECT_EQ(cardemu_control_open(b), -1);
	EXPECT_EQ(b->ctl_fd, -1);
	EXPECT_EQ(stat(ctl, &st2), 0);
	EXPECT_EQ(st2.st_ino, st.st_ino);
	fd = client(ctl);
	EXPECT_TRUE(fd >= 0);
	if (fd >= 0)
		close(fd);
	cardemu_control_close(b);	/* refused: removes nothing */
	EXPECT_EQ(stat(ctl, &st2), 0);

	/* a killed: its socket file stays and nobody listens; replaced. */
	close(a->ctl_fd);
	a->ctl_fd = -1;
	EXPECT_EQ(stat(ctl, &st2), 0);
	EXPECT_EQ(client(ctl), -1);
	EXPECT_EQ(errno, ECONNREFUSED);
	c = emu_new(dir, ctl);
	EXPECT_EQ(cardemu_control_open(c), 0);
	fd = client(ctl);
	EXPECT_TRUE(fd >= 0);
	if (fd >= 0)
		close(fd);
	cardemu_control_close(c);
	EXPECT_EQ(stat(ctl, &st2), -1);

	/* A file that is no socket is not the emulator's to remove. */
	snprintf(other, sizeof(other), "%s/file.ctl", dir);
	fd = open(other, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	EXPECT_TRUE(fd >= 0);
	close(fd);
	c->ctl_path = other;
	EXPECT_EQ(cardemu_control_open(c), -1);
	EXPECT_EQ(stat(other, &st2), 0);
	EXPECT_TRUE(S_ISREG(st2.st_mode));
	fw_free(a->fw);
	fw_free(b->fw);
	fw_free(c->fw);
	test_rmdir(dir);
}

static void test_slow_clients(void)
{
	char *dir = test_mkdir(), ctl[4200], buf[4096];
	int silent[CARDEMU_CTL_CONNS + 1], partial, fd, i;
	struct cardemu *emu;
	pthread_t thr;
	double t0, t;
	ssize_t n;

	snprintf(ctl, sizeof(ctl), "%s/s.ctl", dir);
	emu = emu_new(dir, ctl);
	ASSERT_TRUE(emu->fw);
	ASSERT_TRUE(!cardemu_control_open(emu));
	done = false;
	ASSERT_TRUE(!pthread_create(&thr, NULL, serve_thread, emu));

	/* Half a line, then nothing: another client is answered at once. */
	t0 = now_s();
	partial = client(ctl);
	EXPECT_TRUE(partial >= 0);
	EXPECT_EQ(write(partial, "sess", 4), 4);
	fd = client(ctl);
	EXPECT_TRUE(fd >= 0);
	EXPECT_EQ(write(fd, "sessions\n", 9), 9);
	n = read_all(fd, buf, sizeof(buf));
	t = now_s() - t0;
	close(fd);
	EXPECT_TRUE(n > 0 && !strcmp(buf, "max 4 available 4\n"));
	if (t > 0.5)
		fprintf(stderr, "expected the answer within 0.5 s, got %.2f s\n",
			t);
	EXPECT_TRUE(t < 0.5);

	/* The half line is answered as it stands when its second is up. */
	n = read_all(partial, buf, sizeof(buf));
	t = now_s() - t0;
	close(partial);
	EXPECT_TRUE(n == 0);
	if (t < 0.9 || t > 2.0)
		fprintf(stderr,
			"expected the silent client closed after 1 s, got %.2f s\n",
			t);
	EXPECT_TRUE(t >= 0.9 && t <= 2.0);

	/* More silent clients than slots: the one too many gets EOF at
	 * once, the others after their second; the loop never waits on one.
	 */
	t0 = now_s();
	for (i = 0; i < CARDEMU_CTL_CONNS + 1; i++) {
		silent[i] = client(ctl);
		EXPECT_TRUE(silent[i] >= 0);
		usleep(20000);	/* served in order */
	}
	n = read_all(silent[CARDEMU_CTL_CONNS], buf, sizeof(buf));
	t = now_s() - t0;
	EXPECT_EQ(n, 0);
	if (t > 0.8)
		fprintf(stderr, "expected the extra client turned away at once, got %.2f s\n",
			t);
	EXPECT_TRUE(t < 0.8);
	for (i = 0; i < CARDEMU_CTL_CONNS + 1; i++)
		close(silent[i]);
	if (longest_serve_us > 50000)
		fprintf(stderr, "expected every serve call under 50 ms, got %d us\n",
			longest_serve_us);
	EXPECT_TRUE(longest_serve_us <= 50000);

	done = true;
	pthread_join(thr, NULL);
	cardemu_control_close(emu);
	fw_free(emu->fw);
	test_rmdir(dir);
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST(test_mode_and_claims),
		TEST(test_slow_clients),
	};

	return test_run(tests, ARRAY_SIZE(tests));
}
