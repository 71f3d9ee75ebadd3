// SPDX-License-Identifier: GPL-2.0
/*
 * Output helpers: JSON strings, hex, APQN states, times.
 */
#include <string.h>
#include <time.h>
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
