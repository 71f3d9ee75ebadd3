// SPDX-License-Identifier: GPL-2.0
/*
 * Output helpers: JSON strings, hex, APQN states, times, and the errors
 * of every command (a line on standard error, or a JSON object on
 * standard output with --json).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <getopt.h>
#include <linux/ep11sess.h>

#include "ep11sess.h"

void ep11_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void *ep11_append(void *arr, size_t *n, size_t *cap, size_t size,
		  size_t first)
{
	void **a = arr;
	char *e;

	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : first;
		void *p = realloc(*a, c * size);

		if (!p)
			return NULL;
		*a = p;
		*cap = c;
	}
	e = (char *)*a + (*n)++ * size;
	memset(e, 0, size);
	return e;
}

void ep11_hex(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

const char *ep11_state_name(uint32_t state)
{
	switch (state) {
	case EP11SESS_STATE_NONE:
		return "none";
	case EP11SESS_STATE_LIVE:
		return "live";
	case EP11SESS_STATE_LOGGING_OUT:
		return "logging-out";
	case EP11SESS_STATE_PENDING:
		return "pending";
	case EP11SESS_STATE_DONE:
		return "done";
	case EP11SESS_STATE_LOST:
		return "lost";
	case EP11SESS_STATE_AWAY:
		return "away";
	}
	return "unknown";
}

void ep11_format_time(char *out, size_t len, uint64_t ns, bool micros)
{
	time_t t = ns / 1000000000ULL;
	struct tm tm;
	size_t n;

	if (!localtime_r(&t, &tm)) {
		snprintf(out, len, "?");
		return;
	}
	n = strftime(out, len, "%Y/%m/%d %H:%M:%S", &tm);
	if (micros && n)
		snprintf(out + n, len - n, ".%06u",
			 (unsigned int)(ns % 1000000000ULL / 1000));
}

void ep11_format_rfc3339(char *out, size_t len, uint64_t ns)
{
	time_t t = ns / 1000000000ULL;
	struct tm tm;
	size_t n;

	if (!gmtime_r(&t, &tm)) {
		snprintf(out, len, "?");
		return;
	}
	n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n)
		snprintf(out + n, len - n, ".%09uZ",
			 (unsigned int)(ns % 1000000000ULL));
}

void ep11_json_time(FILE *out, const char *key, uint64_t ns)
{
	char when[48];

	if (!ns) {
		fprintf(out, "\"%s\": null, \"%s_ns\": null", key, key);
		return;
	}
	ep11_format_rfc3339(when, sizeof(when), ns);
	fprintf(out, "\"%s\": \"%s\", \"%s_ns\": %llu", key, when, key,
		(unsigned long long)ns);
}

uint64_t ep11_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

bool ep11_json;
const char *ep11_cmd = "";

/* The names of the errnos the tool reports, for scripts. */
static const char *ep11_errno_name(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EIO, "EIO" },
		{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EBUSY, "EBUSY" },
		{ ENODEV, "ENODEV" }, { EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" },
		{ EAGAIN, "EAGAIN" }, { EPROTO, "EPROTO" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ EDQUOT, "EDQUOT" }, { EMSGSIZE, "EMSGSIZE" },
		{ ENOTTY, "ENOTTY" }, { EINTR, "EINTR" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	return NULL;
}

int ep11_fail(int code, int err, const char *fmt, ...)
{
	const char *name;
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg = NULL;
	if (!ep11_json) {
		fprintf(stderr, "%s: %s\n", ep11_prog, msg ? msg : fmt);
		free(msg);
		return code;
	}
	fflush(stdout);
	printf("{\"error\": {\"command\": ");
	if (ep11_cmd[0])
		ep11_json_string(stdout, ep11_cmd);
	else
		printf("null");
	printf(", \"message\": ");
	ep11_json_string(stdout, msg ? msg : fmt);
	name = err ? ep11_errno_name(err < 0 ? -err : err) : NULL;
	if (err)
		printf(", \"errno\": %d, \"errno_name\": ", err < 0 ? -err : err);
	else
		printf(", \"errno\": null, \"errno_name\": ");
	if (name)
		ep11_json_string(stdout, name);
	else
		printf("null");
	printf(", \"exit_code\": %d}}\n", code);
	fflush(stdout);
	free(msg);
	return code;
}

int ep11_bad_option(int opt, int argc, char **argv,
		    void (*usage)(FILE *out))
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

	if (opt == ':')
		ep11_fail(EP11_EXIT_USAGE, 0,
			  "%s: option '%s' requires an argument", ep11_cmd,
			  arg);
	else
		ep11_fail(EP11_EXIT_USAGE, 0, "%s: unknown option '%s'",
			  ep11_cmd, arg);
	if (!ep11_json) {
		fputc('\n', stderr);
		usage(stderr);
	}
	return EP11_EXIT_USAGE;
}
