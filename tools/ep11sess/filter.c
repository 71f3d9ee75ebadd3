// SPDX-License-Identifier: GPL-2.0
/*
 * The session filters shared by show and logout: -id, -pid, -date and
 * --apqn, read from the command line and put into a request.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ep11sess.h"

int ep11_parse_apqn(const char *s, uint8_t *card, uint16_t *domain)
{
	unsigned long c, d;
	char *end;

	if (!isxdigit((unsigned char)s[0]))
		return -1;
	c = strtoul(s, &end, 16);
	if (end == s || *end != '.' || c > 0xff ||
	    !isxdigit((unsigned char)end[1]))
		return -1;
	s = end + 1;
	d = strtoul(s, &end, 16);
	if (*end || d > 0xff)
		return -1;
	*card = c;
	*domain = d;
	return 0;
}

static int ep11_parse_id(const char *s, uint8_t *id)
{
	size_t i;

	if (strlen(s) != 32)
		return -1;
	for (i = 0; i < 16; i++) {
		char byte[3] = { s[2 * i], s[2 * i + 1], '\0' };

		if (!isxdigit((unsigned char)byte[0]) ||
		    !isxdigit((unsigned char)byte[1]))
			return -1;
		id[i] = strtoul(byte, NULL, 16);
	}
	return 0;
}

/*
 * yyyy/mm/dd: sessions created on that day or before it, as
 * pkcsep11_session selects them.  The kernel keeps the sessions created
 * strictly before the bound it is given, so the bound is the local
 * midnight that ends the day.  A date that does not exist (2026/02/31)
 * is refused rather than moved to another day.
 */
static int ep11_parse_date(const char *s, uint64_t *ns)
{
	struct tm tm = { 0 };
	int y, m, d, i, n = -1;
	time_t t;

	for (i = 0; s[i]; i++)
		if (i == 4 || i == 7 ? s[i] != '/' :
		    !isdigit((unsigned char)s[i]))
			return -1;
	if (strlen(s) != 10 || sscanf(s, "%4d/%2d/%2d%n", &y, &m, &d, &n) != 3 ||
	    n != 10)
		return -1;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1 || tm.tm_year != y - 1900 || tm.tm_mon != m - 1 ||
	    tm.tm_mday != d)
		return -1;
	/* The next day's midnight, whatever the length of this day. */
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + 1;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1 || t < 0)
		return -1;
	*ns = (uint64_t)t * 1000000000ULL;
	return 0;
}

int ep11_filter_option(int opt, const char *arg, struct ep11_filter *f)
{
	unsigned long pid;
	char *end;

	switch (opt) {
	case EP11_OPT_ID:
		if (ep11_parse_id(arg, f->id)) {
			ep11_fail(EP11_EXIT_USAGE, 0, "-id wants the 32 hex digits of a public session id, not '%s'",
				  arg);
			return -1;
		}
		f->have_id = true;
		return 0;
	case EP11_OPT_PID:
		errno = 0;
		pid = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || !pid || pid > 0x7fffffff) {
			ep11_fail(EP11_EXIT_USAGE, 0, "-pid wants a process id, not '%s'",
				  arg);
			return -1;
		}
		f->pid = pid;
		f->have_pid = true;
		return 0;
	case EP11_OPT_DATE:
		if (ep11_parse_date(arg, &f->before_ns)) {
			ep11_fail(EP11_EXIT_USAGE, 0, "-date wants a day that exists, as yyyy/mm/dd (1970 or later), not '%s'",
				  arg);
			return -1;
		}
		f->have_date = true;
		return 0;
	case EP11_OPT_APQN:
		if (ep11_parse_apqn(arg, &f->card, &f->domain)) {
			ep11_fail(EP11_EXIT_USAGE, 0, "--apqn wants CARD.DOMAIN in hex (0b.0024), not '%s'",
				  arg);
			return -1;
		}
		f->have_apqn = true;
		return 0;
	}
	return -1;
}

int ep11_filter_put(const struct ep11_filter *f, struct nl_msg *msg)
{
	int ret = 0;

	if (f->have_id)
		ret = nla_put(msg, EP11SESS_A_PUBLIC_ID, sizeof(f->id), f->id);
	if (!ret && f->have_pid)
		ret = nla_put_u32(msg, EP11SESS_A_PID, f->pid);
	if (!ret && f->have_date)
		ret = nla_put_u64(msg, EP11SESS_A_BEFORE_NS, f->before_ns);
	if (!ret && f->have_apqn)
		ret = nla_put_u8(msg, EP11SESS_A_CARD, f->card) ?:
		      nla_put_u16(msg, EP11SESS_A_DOMAIN, f->domain);
	return ret;
}

int ep11_nl_open_filtered(struct ep11_nl *nl, const struct ep11_filter *f)
{
	int ret = ep11_nl_open(nl);

	if (ret || !f->have_apqn)
		return ret;
	ret = ep11_apqn_check(f->card, f->domain);
	if (ret)
		ep11_nl_close(nl);
	return ret;
}
