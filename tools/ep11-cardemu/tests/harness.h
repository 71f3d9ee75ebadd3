/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal test harness for the user-space unit tests: named test
 * functions, checks that say what they expected and what they got, and
 * throw-away state directories.
 */
#ifndef EP11_TEST_HARNESS_H
#define EP11_TEST_HARNESS_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

static int test_failures;

#define EXPECT_EQ(got, want)						\
	do {								\
		long long _g = (long long)(got);			\
		long long _w = (long long)(want);			\
		if (_g != _w) {						\
			fprintf(stderr,					\
				"%s:%d: %s: expected %s = %lld (0x%llx), got %lld (0x%llx)\n", \
				__FILE__, __LINE__, #got, #want, _w,	\
				(unsigned long long)_w, _g,		\
				(unsigned long long)_g);		\
			test_failures++;				\
		}							\
	} while (0)

#define EXPECT_TRUE(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: expected %s\n",		\
				__FILE__, __LINE__, #cond);		\
			test_failures++;				\
		}							\
	} while (0)

#define EXPECT_MEM(got, want, n)					\
	do {								\
		if (memcmp((got), (want), (n))) {			\
			fprintf(stderr,					\
				"%s:%d: expected %s to equal %s (%zu bytes)\n", \
				__FILE__, __LINE__, #got, #want,	\
				(size_t)(n));				\
			test_failures++;				\
		}							\
	} while (0)

/* Stops the current test: later checks would only repeat the failure. */
#define ASSERT_TRUE(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: expected %s; stopping\n", \
				__FILE__, __LINE__, #cond);		\
			test_failures++;				\
			return;						\
		}							\
	} while (0)

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST(f)	{ #f, f }

static inline int test_run(const struct test_case *t, size_t n)
{
	int failed = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int before = test_failures;

		t[i].fn();
		if (test_failures != before) {
			printf("not ok %zu - %s\n", i + 1, t[i].name);
			failed++;
		} else {
			printf("ok %zu - %s\n", i + 1, t[i].name);
		}
	}
	printf("%d of %zu tests failed\n", failed, n);
	return failed ? 1 : 0;
}

/* A fresh empty directory under $TMPDIR; free with test_rmdir(). */
static inline char *test_mkdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (asprintf(&path, "%s/ep11-test.XXXXXX", base ? base : "/tmp") < 0)
		abort();
	if (!mkdtemp(path)) {
		perror("mkdtemp");
		abort();
	}
	return path;
}

/* Removes a flat directory made by test_mkdir() and frees @path. */
static inline void test_rmdir(char *path)
{
	struct dirent *e;
	char file[4096];
	DIR *d = opendir(path);

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		unlink(file);
	}
	if (d)
		closedir(d);
	rmdir(path);
	free(path);
}

#endif /* EP11_TEST_HARNESS_H */
