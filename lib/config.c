// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * config.c: cryptoki.conf, read with libinih.
 *
 * libinih splits lines into sections and "key = value" pairs, strips
 * comments and blanks and says which lines it cannot parse.  It reads the
 * file through cfg_read_line(), which counts lines (the handler is not
 * told its line), strips indentation (so that an indented key is a key,
 * never the continuation of the previous value) and follows the section
 * headers itself, so that a section without keys is seen too.  The first
 * problem found, reading from the top, ends the parse with one message.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"

#define CK_DEFAULT_STORE_DIR	"/var/lib/ep11sess/tokens"
#define CK_CONFIG_MAX_SIZE	(1024 * 1024)
#define CK_LABEL_MAX		32

static const char *const mode_names[] = {
	[CK_MODE_DEFAULT] = "default",
	[CK_MODE_STRICT] = "strict",
	[CK_MODE_VHSM] = "vhsm",
	[CK_MODE_FIPS] = "fips",
};

enum cfg_section {
	CFG_SEC_NONE,		/* before the first section header */
	CFG_SEC_GLOBAL,
	CFG_SEC_SLOT,
};

struct cfg_ctx;

/* One key of a section: its name and what reads its value. */
struct cfg_key {
	const char *name;
	void (*set)(struct cfg_ctx *c, const char *key, const char *value);
};

#define CFG_MAX_KEYS	8

/**
 * struct cfg_ctx - one file being read
 * @f:          the file
 * @path:       its name, for messages
 * @cfg:        what is filled in
 * @buf:        the current raw line (getline())
 * @bufcap:     room at @buf
 * @text:       the current line without its indentation, within @buf
 * @lineno:     the current line's number
 * @want_key:   the current line can only be a key: the handler must see it
 * @key_seen:   the handler saw the current line
 * @sec:        the section the current line is in
 * @sec_line:   the line of its header
 * @keys:       the keys of that section
 * @key_line:   for each of @keys, the line it was given on (0: not yet)
 * @global_line: the line of [global], 0 when none yet
 * @label_line: for each slot, the line of its label
 * @store_line: for each slot, the line of its store (0: the default)
 * @app_id_line: the line of the current slot's app_id (0: none)
 * @slots_cap:  room at @cfg->slots
 * @failed:     a message is in @err; the parse stops
 * @err:        the caller's message buffer
 * @errlen:     its size
 */
struct cfg_ctx {
	FILE *f;
	const char *path;
	struct ck_config *cfg;
	char *buf;
	size_t bufcap;
	const char *text;
	int lineno;
	bool want_key;
	bool key_seen;
	enum cfg_section sec;
	int sec_line;
	const struct cfg_key *keys;
	int key_line[CFG_MAX_KEYS];
	int global_line;
	int label_line[CK_MAX_SLOTS];
	int store_line[CK_MAX_SLOTS];
	int app_id_line;
	unsigned int slots_cap;
	bool failed;
	char *err;
	size_t errlen;
};

/*
 * The one message: "<file>:<line>: <key>: <text>", without the line when
 * @line is 0 and without the key when @key is NULL.  Control characters
 * of the file's text are shown as '?'.
 */
static void __attribute__((format(printf, 4, 5)))
cfg_fail(struct cfg_ctx *c, int line, const char *key, const char *fmt, ...)
{
	char msg[512];
	size_t n = 0, i;
	va_list ap;
	int r;

	if (c->failed)
		return;
	c->failed = true;
	if (line > 0)
		r = snprintf(msg, sizeof(msg), "%s:%d: ", c->path, line);
	else
		r = snprintf(msg, sizeof(msg), "%s: ", c->path);
	if (r > 0)
		n = (size_t)r < sizeof(msg) ? (size_t)r : sizeof(msg) - 1;
	if (key && n < sizeof(msg)) {
		r = snprintf(msg + n, sizeof(msg) - n, "%s: ", key);
		if (r > 0)
			n += (size_t)r < sizeof(msg) - n ? (size_t)r :
			     sizeof(msg) - n - 1;
	}
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	for (i = 0; msg[i]; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	if (c->err && c->errlen)
		snprintf(c->err, c->errlen, "%s", msg);
}

/* A decimal number, digits only, within @min-@max. */
static void cfg_number(struct cfg_ctx *c, const char *key, const char *value,
		       unsigned int min, unsigned int max, unsigned int *out)
{
	unsigned long long v = 0;
	const char *p;

	if (!*value) {
		cfg_fail(c, c->lineno, key, "no value (a number %u-%u)", min,
			 max);
		return;
	}
	for (p = value; *p; p++) {
		if (*p < '0' || *p > '9') {
			cfg_fail(c, c->lineno, key,
				 "'%s' is not a decimal number (%u-%u)", value,
				 min, max);
			return;
		}
		if (v <= max)
			v = v * 10 + (unsigned int)(*p - '0');
	}
	if (v < min || v > max) {
		cfg_fail(c, c->lineno, key, "%s is out of range (%u-%u)", value,
			 min, max);
		return;
	}
	*out = (unsigned int)v;
}

/* An absolute path into @out (@len bytes), trailing slashes dropped. */
static void cfg_path(struct cfg_ctx *c, const char *key, const char *value,
		     char *out, size_t len)
{
	size_t n = strlen(value);

	if (!n) {
		cfg_fail(c, c->lineno, key, "no value (an absolute path)");
		return;
	}
	if (value[0] != '/') {
		cfg_fail(c, c->lineno, key, "'%s' is not an absolute path",
			 value);
		return;
	}
	while (n > 1 && value[n - 1] == '/')
		n--;
	if (n >= len) {
		cfg_fail(c, c->lineno, key, "path too long (at most %zu bytes)",
			 len - 1);
		return;
	}
	memcpy(out, value, n);
	out[n] = '\0';
}

static void cfg_set_store_dir(struct cfg_ctx *c, const char *key,
			      const char *value)
{
	/* Room for "/<label>.db" behind it. */
	cfg_path(c, key, value, c->cfg->store_dir,
		 sizeof(c->cfg->store_dir) - CK_LABEL_MAX - 4);
}

static void cfg_set_login_wait(struct cfg_ctx *c, const char *key,
			       const char *value)
{
	cfg_number(c, key, value, 0, EP11SESS_MAX_WAIT_MS,
		   &c->cfg->login_wait_ms);
}

static void cfg_set_pin_max_tries(struct cfg_ctx *c, const char *key,
				  const char *value)
{
	cfg_number(c, key, value, 3, 100, &c->cfg->pin_max_tries);
}

static void cfg_set_kdf_iterations(struct cfg_ctx *c, const char *key,
				   const char *value)
{
	cfg_number(c, key, value, 10000, 10000000,
		   &c->cfg->pin_kdf_iterations);
}

static struct ck_slot_conf *cfg_slot(struct cfg_ctx *c)
{
	return &c->cfg->slots[c->cfg->nslots - 1];
}

/* Length of the UTF-8 sequence at @s, 0 when it is not valid UTF-8. */
static size_t cfg_utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static void cfg_set_label(struct cfg_ctx *c, const char *key,
			  const char *value)
{
	struct ck_slot_conf *s = cfg_slot(c);
	size_t len = strlen(value), i, n;
	unsigned int j;

	if (!len) {
		cfg_fail(c, c->lineno, key, "empty label (1-%d bytes)",
			 CK_LABEL_MAX);
		return;
	}
	if (len > CK_LABEL_MAX) {
		cfg_fail(c, c->lineno, key,
			 "'%s' is too long (%zu bytes, at most %d)", value, len,
			 CK_LABEL_MAX);
		return;
	}
	for (i = 0; i < len; i += n) {
		n = cfg_utf8_len((const unsigned char *)value + i);
		if (!n) {
			cfg_fail(c, c->lineno, key, "not valid UTF-8");
			return;
		}
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f) {
			cfg_fail(c, c->lineno, key, "holds a control character");
			return;
		}
	}
	for (j = 0; j + 1 < c->cfg->nslots; j++) {
		if (!strcmp(c->cfg->slots[j].label, value)) {
			cfg_fail(c, c->lineno, key,
				 "'%s' is already the label of slot %lu (line %d)",
				 value, c->cfg->slots[j].id, c->label_line[j]);
			return;
		}
	}
	memcpy(s->label, value, len + 1);
	c->label_line[c->cfg->nslots - 1] = c->lineno;
}

static bool cfg_hex(const char *s, size_t n, unsigned int *out)
{
	unsigned int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
		v = v << 4 | (unsigned int)(isdigit((unsigned char)s[i]) ?
				s[i] - '0' : tolower((unsigned char)s[i]) - 'a' + 10);
	}
	*out = v;
	return true;
}

static void cfg_apqn_name(const struct ck_apqn_spec *a, char *buf, size_t len)
{
	if (a->all_domains)
		snprintf(buf, len, "%02x.*", a->card);
	else
		snprintf(buf, len, "%02x.%04x", a->card, a->domain);
}

/* One entry of an apqns list ("0b.0024" or "0b.*"), @n bytes at @item. */
static void cfg_apqn(struct cfg_ctx *c, const char *key, const char *item,
		     size_t n)
{
	struct ck_slot_conf *s = cfg_slot(c);
	struct ck_apqn_spec a = { 0 };
	char name[16], other[16];
	unsigned int card, domain = 0, i;

	if (!n) {
		cfg_fail(c, c->lineno, key,
			 "empty entry in the list (cc.dddd or cc.*, comma-separated)");
		return;
	}
	if (!((n == 4 && item[3] == '*') || n == 7) || item[2] != '.' ||
	    !cfg_hex(item, 2, &card) ||
	    (n == 7 && !cfg_hex(item + 3, 4, &domain))) {
		cfg_fail(c, c->lineno, key,
			 "'%.*s' is not an APQN (cc.dddd or cc.*, hexadecimal)",
			 (int)n, item);
		return;
	}
	if (domain > 0xff) {
		cfg_fail(c, c->lineno, key,
			 "'%.*s': domain out of range (0000-00ff)", (int)n, item);
		return;
	}
	a.card = (uint8_t)card;
	a.domain = (uint16_t)domain;
	a.all_domains = n == 4;
	cfg_apqn_name(&a, name, sizeof(name));
	for (i = 0; i < s->napqns; i++) {
		const struct ck_apqn_spec *b = &s->apqns[i];

		if (b->card != a.card)
			continue;
		if (!a.all_domains && !b->all_domains && b->domain != a.domain)
			continue;
		cfg_apqn_name(b, other, sizeof(other));
		if (a.all_domains == b->all_domains)
			cfg_fail(c, c->lineno, key, "'%s' is given twice", name);
		else
			cfg_fail(c, c->lineno, key, "'%s' overlaps '%s'", name,
				 other);
		return;
	}
	if (s->napqns == EP11SESS_MAX_APQNS) {
		cfg_fail(c, c->lineno, key, "more than %d APQNs",
			 EP11SESS_MAX_APQNS);
		return;
	}
	s->apqns[s->napqns++] = a;
}

static void cfg_set_apqns(struct cfg_ctx *c, const char *key,
			  const char *value)
{
	const char *p = value, *end, *e;

	if (!*value) {
		cfg_fail(c, c->lineno, key,
			 "no value (cc.dddd or cc.*, comma-separated)");
		return;
	}
	for (;;) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		while (p < end && isspace((unsigned char)*p))
			p++;
		e = end;
		while (e > p && isspace((unsigned char)e[-1]))
			e--;
		cfg_apqn(c, key, p, (size_t)(e - p));
		if (c->failed || !*end)
			return;
		p = end + 1;
	}
}

static void cfg_set_mode(struct cfg_ctx *c, const char *key,
			 const char *value)
{
	unsigned int i;

	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcmp(value, mode_names[i])) {
			cfg_slot(c)->mode = (enum ck_mode)i;
			return;
		}
	}
	cfg_fail(c, c->lineno, key,
		 "'%s' is not a mode (default, strict, vhsm or fips)", value);
}

static void cfg_set_store(struct cfg_ctx *c, const char *key,
			  const char *value)
{
	cfg_path(c, key, value, cfg_slot(c)->store,
		 sizeof(cfg_slot(c)->store));
	c->store_line[c->cfg->nslots - 1] = c->lineno;
}

/* One of app_id's two numbers, @n bytes of decimal digits at @p. */
static bool cfg_u32(const char *p, size_t n, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!n || n > 10)
		return false;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "MAJOR.MINOR", as Luna's AppIdMajor and AppIdMinor: 32 bits each. */
static void cfg_set_app_id(struct cfg_ctx *c, const char *key,
			   const char *value)
{
	struct ck_slot_conf *s = cfg_slot(c);
	const char *dot = strchr(value, '.');

	if (!*value) {
		cfg_fail(c, c->lineno, key,
			 "no value (MAJOR.MINOR, two decimal numbers 0-4294967295)");
		return;
	}
	if (!dot || !cfg_u32(value, (size_t)(dot - value), &s->app_id_major) ||
	    !cfg_u32(dot + 1, strlen(dot + 1), &s->app_id_minor)) {
		cfg_fail(c, c->lineno, key,
			 "'%s' is not an application id (MAJOR.MINOR, two decimal numbers 0-4294967295)",
			 value);
		return;
	}
	s->app_id_set = true;
	c->app_id_line = c->lineno;
}

/* A group name, resolved now: the kernel checks membership by gid. */
static void cfg_set_app_id_group(struct cfg_ctx *c, const char *key,
				 const char *value)
{
	struct ck_slot_conf *s = cfg_slot(c);
	long max = sysconf(_SC_GETGR_R_SIZE_MAX);
	size_t len = max > 0 ? (size_t)max : 1024;
	struct group gr, *res = NULL;
	char *buf = NULL, *p;
	int r;

	if (!*value) {
		cfg_fail(c, c->lineno, key, "no value (a group name)");
		return;
	}
	for (;;) {
		p = realloc(buf, len);
		if (!p) {
			cfg_fail(c, c->lineno, key, "out of memory");
			free(buf);
			return;
		}
		buf = p;
		r = getgrnam_r(value, &gr, buf, len, &res);
		if (r != ERANGE || len >= 1024 * 1024)
			break;
		len *= 2;
	}
	if (r) {
		cfg_fail(c, c->lineno, key, "cannot look up group '%s': %s",
			 value, strerror(r));
	} else if (!res) {
		cfg_fail(c, c->lineno, key, "no group '%s' on this host", value);
	} else {
		s->app_id_gid = (uint32_t)gr.gr_gid;
		s->app_id_group_set = true;
	}
	free(buf);
}

static void cfg_set_app_id_keep(struct cfg_ctx *c, const char *key,
				const char *value)
{
	cfg_number(c, key, value, 0, EP11SESS_MAX_KEEP_MS,
		   &cfg_slot(c)->app_id_keep_ms);
}

static const struct cfg_key global_keys[] = {
	{ "store_dir", cfg_set_store_dir },
	{ "login_wait_ms", cfg_set_login_wait },
	{ "pin_max_tries", cfg_set_pin_max_tries },
	{ "pin_kdf_iterations", cfg_set_kdf_iterations },
	{ NULL, NULL },
};

/* label and apqns first: a slot must have them. */
static const struct cfg_key slot_keys[] = {
	{ "label", cfg_set_label },
	{ "apqns", cfg_set_apqns },
	{ "mode", cfg_set_mode },
	{ "store", cfg_set_store },
	{ "app_id", cfg_set_app_id },
	{ "app_id_group", cfg_set_app_id_group },
	{ "app_id_keep_ms", cfg_set_app_id_keep },
	{ NULL, NULL },
};

#define CFG_SLOT_REQUIRED	2	/* the first keys of slot_keys */

/* The section of the current line ends: is it complete? */
static void cfg_section_end(struct cfg_ctx *c)
{
	struct ck_slot_conf *s;
	unsigned int i;

	if (c->sec != CFG_SEC_SLOT)
		return;
	s = cfg_slot(c);
	for (i = 0; i < CFG_SLOT_REQUIRED; i++) {
		if (!c->key_line[i]) {
			cfg_fail(c, c->sec_line, NULL, "slot %lu: missing '%s'",
				 s->id, slot_keys[i].name);
			return;
		}
	}
	if (!s->store[0] && strchr(s->label, '/'))
		cfg_fail(c, c->label_line[c->cfg->nslots - 1], "label",
			 "'%s' holds a '/' and cannot name the default store (<store_dir>/<label>.db): give the slot a store",
			 s->label);
	/* One EP11 login per PKCS#11 session cannot be one shared login. */
	if (s->app_id_set && s->mode == CK_MODE_STRICT)
		cfg_fail(c, c->app_id_line, "app_id",
			 "slot %lu: a strict token has one EP11 login per session and cannot share one between processes (use mode default, vhsm or fips)",
			 s->id);
}

/* "[slot N]": a new slot, N decimal 0-255, not seen before. */
static void cfg_slot_begin(struct cfg_ctx *c, const char *name)
{
	const char *p = name + 4;
	struct ck_slot_conf *slots;
	unsigned long id = 0;
	unsigned int i;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p) {
		cfg_fail(c, c->lineno, NULL, "%s: missing slot id (slot 0-%d)",
			 name, CK_MAX_SLOTS - 1);
		return;
	}
	if (p == name + 4) {
		cfg_fail(c, c->lineno, NULL,
			 "%s: unknown section (expected [global] or [slot N])",
			 name);
		return;
	}
	for (; *p; p++) {
		if (*p < '0' || *p > '9') {
			cfg_fail(c, c->lineno, NULL,
				 "%s: bad slot id (a decimal number 0-%d)",
				 name, CK_MAX_SLOTS - 1);
			return;
		}
		if (id < CK_MAX_SLOTS)
			id = id * 10 + (unsigned long)(*p - '0');
	}
	if (id >= CK_MAX_SLOTS) {
		cfg_fail(c, c->lineno, NULL,
			 "%s: slot id out of range (0-%d)", name,
			 CK_MAX_SLOTS - 1);
		return;
	}
	for (i = 0; i < c->cfg->nslots; i++) {
		if (c->cfg->slots[i].id == id) {
			cfg_fail(c, c->lineno, NULL,
				 "%s: duplicate slot id (first at line %d)",
				 name, c->cfg->slots[i].line);
			return;
		}
	}
	if (c->cfg->nslots == c->slots_cap) {
		/* At most CK_MAX_SLOTS: every id is checked above. */
		unsigned int cap = c->slots_cap ? c->slots_cap * 2 : 8;

		slots = realloc(c->cfg->slots, cap * sizeof(*slots));
		if (!slots) {
			cfg_fail(c, c->lineno, NULL, "%s: out of memory", name);
			return;
		}
		c->cfg->slots = slots;
		c->slots_cap = cap;
	}
	memset(&c->cfg->slots[c->cfg->nslots], 0, sizeof(*slots));
	c->cfg->slots[c->cfg->nslots].id = id;
	c->cfg->slots[c->cfg->nslots].mode = CK_MODE_DEFAULT;
	c->cfg->slots[c->cfg->nslots].line = c->lineno;
	c->label_line[c->cfg->nslots] = 0;
	c->store_line[c->cfg->nslots] = 0;
	c->cfg->nslots++;
	c->sec = CFG_SEC_SLOT;
	c->keys = slot_keys;
}

/* A line that starts with '[': the previous section ends, a new one begins. */
static void cfg_section_begin(struct cfg_ctx *c, const char *text)
{
	const char *close = strchr(text, ']'), *p;
	char name[256];
	size_t n;

	if (!close) {
		cfg_fail(c, c->lineno, NULL, "cannot parse '%s': no ']'", text);
		return;
	}
	for (p = close + 1; isspace((unsigned char)*p); p++)
		;
	if (*p && *p != ';' && *p != '#') {
		cfg_fail(c, c->lineno, NULL,
			 "cannot parse '%s': text after the section header",
			 text);
		return;
	}
	cfg_section_end(c);
	if (c->failed)
		return;
	n = (size_t)(close - text - 1);
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, text + 1, n);
	name[n] = '\0';

	memset(c->key_line, 0, sizeof(c->key_line));
	c->app_id_line = 0;
	c->sec_line = c->lineno;
	if (!strcmp(name, "global")) {
		if (c->global_line) {
			cfg_fail(c, c->lineno, NULL,
				 "global: section given twice (first at line %d)",
				 c->global_line);
			return;
		}
		c->global_line = c->lineno;
		c->sec = CFG_SEC_GLOBAL;
		c->keys = global_keys;
	} else if (!strncmp(name, "slot", 4)) {
		cfg_slot_begin(c, name);
	} else {
		cfg_fail(c, c->lineno, NULL,
			 "%s: unknown section (expected [global] or [slot N])",
			 name);
	}
}

/*
 * libinih's reader: hands over the next line without its indentation and
 * keeps track of lines and sections.  A line that can only be a key but
 * that libinih did not pass to the handler is one it could not parse.
 */
static char *cfg_read_line(char *str, int num, void *stream)
{
	struct cfg_ctx *c = stream;
	const char *t;
	ssize_t len;

	if (c->want_key && !c->key_seen)
		cfg_fail(c, c->lineno, NULL,
			 "cannot parse '%s': expected '[section]' or 'key = value'",
			 c->text);
	if (c->failed)
		return NULL;
	c->want_key = false;
	c->key_seen = false;

	errno = 0;
	len = getline(&c->buf, &c->bufcap, c->f);
	if (len < 0) {
		if (ferror(c->f))
			cfg_fail(c, 0, NULL, "%s",
				 strerror(errno ? errno : EIO));
		return NULL;
	}
	c->lineno++;
	if (memchr(c->buf, '\0', (size_t)len)) {
		cfg_fail(c, c->lineno, NULL, "the line holds a NUL byte");
		return NULL;
	}
	while (len > 0 && (c->buf[len - 1] == '\n' || c->buf[len - 1] == '\r'))
		c->buf[--len] = '\0';
	if (len >= num) {
		cfg_fail(c, c->lineno, NULL,
			 "line too long (%zd characters, at most %d)", len,
			 num - 1);
		return NULL;
	}
	t = c->buf;
	if (c->lineno == 1 && !strncmp(t, "\xef\xbb\xbf", 3))
		t += 3;
	while (isspace((unsigned char)*t))
		t++;
	c->text = t;
	if (*t == '[')
		cfg_section_begin(c, t);
	else if (*t && *t != ';' && *t != '#')
		c->want_key = true;
	if (c->failed)
		return NULL;
	snprintf(str, (size_t)num, "%s", t);
	return str;
}

static int cfg_handler(void *user, const char *section, const char *name,
		       const char *value)
{
	struct cfg_ctx *c = user;
	const struct cfg_key *k;
	unsigned int i;

	c->key_seen = true;
	if (c->failed)
		return 0;
	if (!*name) {
		cfg_fail(c, c->lineno, NULL,
			 "cannot parse '%s': no key before the '='", c->text);
		return 0;
	}
	if (!value) {
		cfg_fail(c, c->lineno, name, "no value (expected '%s = value')",
			 name);
		return 0;
	}
	if (c->sec == CFG_SEC_NONE) {
		cfg_fail(c, c->lineno, name,
			 "outside a section (put it under [global] or [slot N])");
		return 0;
	}
	for (i = 0, k = c->keys; k->name; i++, k++)
		if (!strcmp(k->name, name))
			break;
	if (!k->name) {
		if (c->sec == CFG_SEC_GLOBAL)
			cfg_fail(c, c->lineno, name, "unknown key in [global]");
		else
			cfg_fail(c, c->lineno, name,
				 "unknown key in [slot %lu]", cfg_slot(c)->id);
		return 0;
	}
	if (c->key_line[i]) {
		cfg_fail(c, c->lineno, name,
			 "given twice in this section (first at line %d)",
			 c->key_line[i]);
		return 0;
	}
	c->key_line[i] = c->lineno;
	k->set(c, name, value);
	return !c->failed;
}

static int cfg_slot_cmp(const void *a, const void *b)
{
	const struct ck_slot_conf *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* After the whole file: default stores, one database per slot, order. */
static void cfg_finish(struct cfg_ctx *c)
{
	struct ck_config *cfg = c->cfg;
	unsigned int i, j;
	int r;

	for (i = 0; i < cfg->nslots && !c->failed; i++) {
		struct ck_slot_conf *s = &cfg->slots[i];

		if (c->store_line[i])
			continue;
		r = snprintf(s->store, sizeof(s->store), "%s/%s.db",
			     cfg->store_dir, s->label);
		if (r < 0 || (size_t)r >= sizeof(s->store))
			cfg_fail(c, s->line, NULL,
				 "slot %lu: the default store path is too long",
				 s->id);
	}
	for (i = 0; i < cfg->nslots && !c->failed; i++) {
		for (j = 0; j < i; j++) {
			if (strcmp(cfg->slots[i].store, cfg->slots[j].store))
				continue;
			cfg_fail(c, c->store_line[i] ? c->store_line[i] :
				    cfg->slots[i].line, "store",
				 "'%s' is already the store of slot %lu (line %d)",
				 cfg->slots[i].store, cfg->slots[j].id,
				 c->store_line[j] ? c->store_line[j] :
				 cfg->slots[j].line);
			break;
		}
	}
	if (!c->failed && cfg->nslots > 1)
		qsort(cfg->slots, cfg->nslots, sizeof(*cfg->slots),
		      cfg_slot_cmp);
}

const char *ck_config_path(void)
{
	const char *p = secure_getenv(CK_CONFIG_ENV);

	return p && *p ? p : CK_CONFIG_DEFAULT_PATH;
}

int ck_config_load(const char *path, struct ck_config *cfg, char *err,
		   size_t errlen)
{
	struct cfg_ctx *c;
	struct stat st;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (err && errlen)
		err[0] = '\0';
	if (!path || !*path) {
		if (err && errlen)
			snprintf(err, errlen, "no configuration file given");
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -1;
	}
	c->path = path;
	c->cfg = cfg;
	c->err = err;
	c->errlen = errlen;

	if (strlen(path) >= sizeof(cfg->path)) {
		cfg_fail(c, 0, NULL, "%s", strerror(ENAMETOOLONG));
		goto out;
	}
	strcpy(cfg->path, path);
	cfg->login_wait_ms = 5000;
	cfg->pin_max_tries = 10;
	cfg->pin_kdf_iterations = 200000;
	strcpy(cfg->store_dir, CK_DEFAULT_STORE_DIR);

	c->f = fopen(path, "re");
	if (!c->f) {
		cfg_fail(c, 0, NULL, "%s", strerror(errno));
		goto out;
	}
	if (fstat(fileno(c->f), &st)) {
		cfg_fail(c, 0, NULL, "%s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		cfg_fail(c, 0, NULL, "%s", strerror(EISDIR));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		cfg_fail(c, 0, NULL, "not a regular file");
		goto out;
	}
	if (st.st_size > CK_CONFIG_MAX_SIZE) {
		cfg_fail(c, 0, NULL, "too large (%lld bytes, at most %d)",
			 (long long)st.st_size, CK_CONFIG_MAX_SIZE);
		goto out;
	}

	ret = ini_parse_stream(cfg_read_line, c, cfg_handler, c);
	if (!c->failed && ret == -2)
		cfg_fail(c, 0, NULL, "%s", strerror(ENOMEM));
	else if (!c->failed && ret)
		cfg_fail(c, ret > 0 ? ret : 0, NULL, "cannot parse the line");
	if (!c->failed)
		cfg_section_end(c);
	if (!c->failed)
		cfg_finish(c);
out:
	if (c->f)
		fclose(c->f);
	free(c->buf);
	ret = c->failed ? -1 : 0;
	free(c);
	if (ret) {
		ck_config_free(cfg);
		memset(cfg, 0, sizeof(*cfg));
	}
	return ret;
}

void ck_config_free(struct ck_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->slots);
	cfg->slots = NULL;
	cfg->nslots = 0;
}

const char *ck_mode_name(enum ck_mode mode)
{
	if ((unsigned int)mode >= sizeof(mode_names) / sizeof(mode_names[0]))
		return "unknown";
	return mode_names[mode];
}
