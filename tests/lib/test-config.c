// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-config.c: cryptoki.conf as lib/config.h describes it: a good file
 * in every form the syntax allows, the defaults, and for each kind of bad
 * input the one message, naming file, line and key, that it must give.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <ini.h>

#include "config.h"

static char tmpdir[] = "/tmp/test-config-XXXXXX";
static char conf[PATH_MAX];

/* Writes @len bytes of @text to the test's file; returns its path. */
static const char *write_conf_len(const char *text, size_t len)
{
	FILE *f = fopen(conf, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return conf;
}

static const char *write_conf(const char *text)
{
	return write_conf_len(text, strlen(text));
}

static int group_setup(void **state)
{
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(conf, sizeof(conf), "%s/cryptoki.conf", tmpdir);
	return 0;
}

static int group_teardown(void **state)
{
	unlink(conf);
	rmdir(tmpdir);
	return 0;
}

/* Loads @path and expects success; the message buffer must stay empty. */
static void load_ok(const char *path, struct ck_config *cfg)
{
	char err[512] = "untouched";
	int ret = ck_config_load(path, cfg, err, sizeof(err));

	if (ret)
		fail_msg("expected %s to load, got %d: %s", path, ret, err);
	assert_string_equal(err, "");
}

static void test_good_file_in_every_form(void **state)
{
	static const char text[] =
		"; a comment\n"
		"# another comment\n"
		"\n"
		"[global]\n"
		"store_dir = /srv/tokens/\n"
		"login_wait_ms = 0\n"
		"pin_max_tries = 3\n"
		"pin_kdf_iterations = 10000000\n"
		"\n"
		"[slot 7]   ; the production token\n"
		"label = prod\n"
		"apqns = 0b.0024, 0B.0025 ,0c.*\n"
		"mode = strict\n"
		"store = /var/lib/x/prod.db\n"
		"  [slot 0]\n"
		"    label = dev\n"
		"\tapqns: 01.00FF\n"
		"mode=vhsm\n"
		"[slot 255]\n"
		"label = \xc3\x9cnicode label of 32 bytes......\n"
		"apqns = ff.0000\n"
		"mode = fips\n"
		"[slot 3]\n"
		"label = dflt   ; inline comment\n"
		"apqns = 0a.*\n"
		"[slot 4]\n"
		"label = sixteen\n"
		"apqns = 10.0000,10.0001,10.0002,10.0003,10.0004,10.0005,"
		"10.0006,10.0007,10.0008,10.0009,10.000a,10.000b,10.000c,"
		"10.000d,10.000e,20.*\n"
		"[slot 5]\n"
		"label = a/b\n"
		"store = /srv/other/ab.db\n"
		"apqns = 30.0001\n"
		"mode = default\n";
	struct ck_config cfg;
	const struct ck_slot_conf *s;
	unsigned int i;

	load_ok(write_conf(text), &cfg);
	assert_string_equal(cfg.path, conf);
	assert_int_equal(cfg.login_wait_ms, 0);
	assert_int_equal(cfg.pin_max_tries, 3);
	assert_int_equal(cfg.pin_kdf_iterations, 10000000);
	assert_string_equal(cfg.store_dir, "/srv/tokens");
	assert_int_equal(cfg.nslots, 6);

	/* Sorted by id. */
	s = &cfg.slots[0];
	assert_int_equal(s->id, 0);
	assert_int_equal(s->line, 15);
	assert_string_equal(s->label, "dev");
	assert_int_equal(s->napqns, 1);
	assert_int_equal(s->apqns[0].card, 0x01);
	assert_int_equal(s->apqns[0].domain, 0xff);
	assert_false(s->apqns[0].all_domains);
	assert_int_equal(s->mode, CK_MODE_VHSM);
	assert_string_equal(s->store, "/srv/tokens/dev.db");

	s = &cfg.slots[1];
	assert_int_equal(s->id, 3);
	assert_int_equal(s->line, 23);
	assert_string_equal(s->label, "dflt");
	assert_int_equal(s->napqns, 1);
	assert_int_equal(s->apqns[0].card, 0x0a);
	assert_int_equal(s->apqns[0].domain, 0);
	assert_true(s->apqns[0].all_domains);
	assert_int_equal(s->mode, CK_MODE_DEFAULT);
	assert_string_equal(s->store, "/srv/tokens/dflt.db");

	s = &cfg.slots[2];
	assert_int_equal(s->id, 4);
	assert_int_equal(s->napqns, EP11SESS_MAX_APQNS);
	for (i = 0; i < 15; i++) {
		assert_int_equal(s->apqns[i].card, 0x10);
		assert_int_equal(s->apqns[i].domain, i);
		assert_false(s->apqns[i].all_domains);
	}
	assert_int_equal(s->apqns[15].card, 0x20);
	assert_true(s->apqns[15].all_domains);

	s = &cfg.slots[3];
	assert_int_equal(s->id, 5);
	assert_string_equal(s->label, "a/b");
	assert_string_equal(s->store, "/srv/other/ab.db");
	assert_int_equal(s->mode, CK_MODE_DEFAULT);

	s = &cfg.slots[4];
	assert_int_equal(s->id, 7);
	assert_int_equal(s->line, 10);
	assert_string_equal(s->label, "prod");
	assert_int_equal(s->napqns, 3);
	assert_int_equal(s->apqns[0].card, 0x0b);
	assert_int_equal(s->apqns[0].domain, 0x24);
	assert_int_equal(s->apqns[1].card, 0x0b);
	assert_int_equal(s->apqns[1].domain, 0x25);
	assert_int_equal(s->apqns[2].card, 0x0c);
	assert_true(s->apqns[2].all_domains);
	assert_int_equal(s->mode, CK_MODE_STRICT);
	assert_string_equal(s->store, "/var/lib/x/prod.db");

	s = &cfg.slots[5];
	assert_int_equal(s->id, 255);
	assert_int_equal(strlen(s->label), 32);
	assert_string_equal(s->label, "\xc3\x9cnicode label of 32 bytes......");
	assert_int_equal(s->mode, CK_MODE_FIPS);
	assert_string_equal(s->store, "/srv/tokens/\xc3\x9cnicode label of 32 bytes.......db");

	ck_config_free(&cfg);
	assert_null(cfg.slots);
	assert_int_equal(cfg.nslots, 0);
	/* A second free is harmless. */
	ck_config_free(&cfg);
}

static void test_defaults(void **state)
{
	struct ck_config cfg;

	load_ok(write_conf("[slot 1]\nlabel = t\napqns = 0b.0024\n"), &cfg);
	assert_int_equal(cfg.login_wait_ms, 5000);
	assert_int_equal(cfg.pin_max_tries, 10);
	assert_int_equal(cfg.pin_kdf_iterations, 200000);
	assert_string_equal(cfg.store_dir, "/var/lib/ep11sess/tokens");
	assert_int_equal(cfg.nslots, 1);
	assert_int_equal(cfg.slots[0].mode, CK_MODE_DEFAULT);
	assert_string_equal(cfg.slots[0].store,
			    "/var/lib/ep11sess/tokens/t.db");
	ck_config_free(&cfg);
}

/* store_dir after the slots still gives their default stores. */
static void test_store_dir_after_slots(void **state)
{
	struct ck_config cfg;

	load_ok(write_conf("[slot 1]\nlabel = t\napqns = 0b.0024\n"
			   "[global]\nstore_dir = /\n"), &cfg);
	assert_string_equal(cfg.store_dir, "/");
	assert_string_equal(cfg.slots[0].store, "//t.db");
	ck_config_free(&cfg);
}

static void test_no_slots_is_valid(void **state)
{
	struct ck_config cfg;

	load_ok(write_conf(""), &cfg);
	assert_int_equal(cfg.nslots, 0);
	assert_null(cfg.slots);
	ck_config_free(&cfg);

	load_ok(write_conf("; nothing but\n[global]\nlogin_wait_ms = 600000\n"),
		&cfg);
	assert_int_equal(cfg.nslots, 0);
	assert_int_equal(cfg.login_wait_ms, 600000);
	ck_config_free(&cfg);
}

/* A UTF-8 byte order mark and CRLF line ends are accepted. */
static void test_bom_and_crlf(void **state)
{
	struct ck_config cfg;

	load_ok(write_conf("\xef\xbb\xbf[slot 2]\r\nlabel = w\r\n"
			   "apqns = 0b.0024\r\n"), &cfg);
	assert_int_equal(cfg.nslots, 1);
	assert_int_equal(cfg.slots[0].id, 2);
	assert_string_equal(cfg.slots[0].label, "w");
	ck_config_free(&cfg);
}

/**
 * struct bad_case - a file and the message it must give
 * @name: the rule broken
 * @text: the file (NUL-terminated)
 * @msg:  the message after "<file>"
 */
struct bad_case {
	const char *name;
	const char *text;
	const char *msg;
};

#define SLOT1	"[slot 1]\nlabel = a\napqns = 01.0001\n"

static const struct bad_case bad_cases[] = {
	/* Sections. */
	{ "unknown section", "[foo]\n",
	  ":1: foo: unknown section (expected [global] or [slot N])" },
	{ "unknown section that starts like slot", "[slots 1]\n",
	  ":1: slots 1: unknown section (expected [global] or [slot N])" },
	{ "section names are case-sensitive", "[Global]\n",
	  ":1: Global: unknown section (expected [global] or [slot N])" },
	{ "slot without id", "[global]\n[slot]\n",
	  ":2: slot: missing slot id (slot 0-255)" },
	{ "slot id above 255", "[slot 256]\n",
	  ":1: slot 256: slot id out of range (0-255)" },
	{ "slot id far above 255", "[slot 99999999999999999999]\n",
	  ":1: slot 99999999999999999999: slot id out of range (0-255)" },
	{ "slot id with junk", "[slot 1x]\n",
	  ":1: slot 1x: bad slot id (a decimal number 0-255)" },
	{ "negative slot id", "[slot -1]\n",
	  ":1: slot -1: bad slot id (a decimal number 0-255)" },
	{ "hexadecimal slot id", "[slot 0x1]\n",
	  ":1: slot 0x1: bad slot id (a decimal number 0-255)" },
	{ "duplicate slot id", SLOT1 "[slot 01]\n",
	  ":4: slot 01: duplicate slot id (first at line 1)" },
	{ "global twice", "[global]\nlogin_wait_ms = 1\n[global]\n",
	  ":3: global: section given twice (first at line 1)" },
	{ "section header without ]", "[slot 1\n",
	  ":1: cannot parse '[slot 1': no ']'" },
	{ "text after a section header", "[slot 1] label = x\n",
	  ":1: cannot parse '[slot 1] label = x': text after the section header" },

	/* Lines libinih cannot parse. */
	{ "line without =", "[slot 1]\nlabel prod\n",
	  ":2: cannot parse 'label prod': expected '[section]' or 'key = value'" },
	{ "continuation line", "[slot 1]\nlabel = a\napqns = 01.0001,\n  01.0002\n",
	  ":3: apqns: empty entry in the list (cc.dddd or cc.*, comma-separated)" },
	{ "indented value line", "[slot 1]\nlabel = a\napqns = 01.0001\n  01.0002\n",
	  ":4: cannot parse '01.0002': expected '[section]' or 'key = value'" },
	{ "no key before =", "[global]\n = 5\n",
	  ":2: cannot parse '= 5': no key before the '='" },
	{ "syntax error on the last line without newline", SLOT1 "junk",
	  ":4: cannot parse 'junk': expected '[section]' or 'key = value'" },
	{ "inline comment hides the =", "[global]\nlogin_wait_ms ; = 5\n",
	  ":2: cannot parse 'login_wait_ms ; = 5': expected '[section]' or 'key = value'" },

	/* Keys. */
	{ "key outside a section", "label = x\n",
	  ":1: label: outside a section (put it under [global] or [slot N])" },
	{ "unknown key in global", "[global]\nstore = /x\n",
	  ":2: store: unknown key in [global]" },
	{ "unknown key in a slot", "[slot 2]\nlabel = a\napqn = 01.0001\n",
	  ":3: apqn: unknown key in [slot 2]" },
	{ "keys are case-sensitive", "[slot 2]\nLabel = a\n",
	  ":2: Label: unknown key in [slot 2]" },
	{ "key given twice", "[slot 2]\nlabel = a\napqns = 01.0001\nlabel = b\n",
	  ":4: label: given twice in this section (first at line 2)" },
	{ "global key given twice", "[global]\npin_max_tries = 5\npin_max_tries = 5\n",
	  ":3: pin_max_tries: given twice in this section (first at line 2)" },
	{ "slot without apqns, next section", "[global]\n[slot 3]\nlabel = a\n[slot 4]\n",
	  ":2: slot 3: missing 'apqns'" },
	{ "slot without apqns at the end", "[slot 3]\nlabel = a\n",
	  ":1: slot 3: missing 'apqns'" },
	{ "slot without label", "[slot 3]\napqns = 01.0001\n",
	  ":1: slot 3: missing 'label'" },
	{ "empty slot", SLOT1 "[slot 9]\n",
	  ":4: slot 9: missing 'label'" },
	{ "the first problem wins", "[slot 1]\nlabel = a\napqn = 01.0001\n",
	  ":3: apqn: unknown key in [slot 1]" },
	{ "an earlier syntax error wins", "[slot 1]\nlabel a\nmode = bad\n",
	  ":2: cannot parse 'label a': expected '[section]' or 'key = value'" },

	/* Labels. */
	{ "empty label", "[slot 1]\nlabel =\n",
	  ":2: label: empty label (1-32 bytes)" },
	{ "label of 33 bytes", "[slot 1]\nlabel = 123456789012345678901234567890123\n",
	  ":2: label: '123456789012345678901234567890123' is too long (33 bytes, at most 32)" },
	{ "label of 17 two-byte characters",
	  "[slot 1]\nlabel = \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\n",
	  ":2: label: '\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9' is too long (34 bytes, at most 32)" },
	{ "label not UTF-8", "[slot 1]\nlabel = ab\xff\n",
	  ":2: label: not valid UTF-8" },
	{ "label with an overlong UTF-8 form", "[slot 1]\nlabel = \xc0\xaf\n",
	  ":2: label: not valid UTF-8" },
	{ "label with a control character", "[slot 1]\nlabel = a\x1b[0m\n",
	  ":2: label: holds a control character" },
	{ "duplicate label", SLOT1 "[slot 2]\nlabel = a\n",
	  ":5: label: 'a' is already the label of slot 1 (line 2)" },
	{ "label with / and the default store", "[slot 1]\nlabel = ../x\napqns = 01.0001\n",
	  ":2: label: '../x' holds a '/' and cannot name the default store (<store_dir>/<label>.db): give the slot a store" },

	/* APQNs. */
	{ "empty apqns", "[slot 1]\nlabel = a\napqns =\n",
	  ":3: apqns: no value (cc.dddd or cc.*, comma-separated)" },
	{ "domain of 3 digits", "[slot 1]\nlabel = a\napqns = 0b.024\n",
	  ":3: apqns: '0b.024' is not an APQN (cc.dddd or cc.*, hexadecimal)" },
	{ "card of 1 digit", "[slot 1]\nlabel = a\napqns = b.0024\n",
	  ":3: apqns: 'b.0024' is not an APQN (cc.dddd or cc.*, hexadecimal)" },
	{ "not hexadecimal", "[slot 1]\nlabel = a\napqns = 0g.0024\n",
	  ":3: apqns: '0g.0024' is not an APQN (cc.dddd or cc.*, hexadecimal)" },
	{ "no dot", "[slot 1]\nlabel = a\napqns = 0b:0024\n",
	  ":3: apqns: '0b:0024' is not an APQN (cc.dddd or cc.*, hexadecimal)" },
	{ "space inside an APQN", "[slot 1]\nlabel = a\napqns = 0b. 024\n",
	  ":3: apqns: '0b. 024' is not an APQN (cc.dddd or cc.*, hexadecimal)" },
	{ "wildcard with junk", "[slot 1]\nlabel = a\napqns = 0b.*1\n",
	  ":3: apqns: '0b.*1' is not an APQN (cc.dddd or cc.*, hexadecimal)" },
	{ "domain above 00ff", "[slot 1]\nlabel = a\napqns = 0b.0100\n",
	  ":3: apqns: '0b.0100': domain out of range (0000-00ff)" },
	{ "empty list entry", "[slot 1]\nlabel = a\napqns = 0b.0024,,0b.0025\n",
	  ":3: apqns: empty entry in the list (cc.dddd or cc.*, comma-separated)" },
	{ "trailing comma", "[slot 1]\nlabel = a\napqns = 0b.0024,\n",
	  ":3: apqns: empty entry in the list (cc.dddd or cc.*, comma-separated)" },
	{ "duplicate APQN in another case", "[slot 1]\nlabel = a\napqns = 0b.00aa, 0B.00AA\n",
	  ":3: apqns: '0b.00aa' is given twice" },
	{ "duplicate wildcard", "[slot 1]\nlabel = a\napqns = 0b.*, 0b.*\n",
	  ":3: apqns: '0b.*' is given twice" },
	{ "APQN inside an earlier wildcard", "[slot 1]\nlabel = a\napqns = 0b.*, 0b.0024\n",
	  ":3: apqns: '0b.0024' overlaps '0b.*'" },
	{ "wildcard over an earlier APQN", "[slot 1]\nlabel = a\napqns = 0b.0024, 0b.*\n",
	  ":3: apqns: '0b.*' overlaps '0b.0024'" },
	{ "17 APQNs", "[slot 1]\nlabel = a\napqns = 10.0000,10.0001,10.0002,"
	  "10.0003,10.0004,10.0005,10.0006,10.0007,10.0008,10.0009,10.000a,"
	  "10.000b,10.000c,10.000d,10.000e,10.000f,11.*\n",
	  ":3: apqns: more than 16 APQNs" },

	/* Modes and stores. */
	{ "unknown mode", SLOT1 "mode = Strict\n",
	  ":4: mode: 'Strict' is not a mode (default, strict, vhsm or fips)" },
	{ "empty mode", SLOT1 "mode =\n",
	  ":4: mode: '' is not a mode (default, strict, vhsm or fips)" },
	{ "relative store", SLOT1 "store = tokens/a.db\n",
	  ":4: store: 'tokens/a.db' is not an absolute path" },
	{ "empty store", SLOT1 "store =\n",
	  ":4: store: no value (an absolute path)" },
	{ "relative store_dir", "[global]\nstore_dir = var/lib\n",
	  ":2: store_dir: 'var/lib' is not an absolute path" },
	{ "two slots, one store", SLOT1 "store = /t/a.db\n"
	  "[slot 2]\nlabel = b\napqns = 01.0002\nstore = /t/a.db\n",
	  ":8: store: '/t/a.db' is already the store of slot 1 (line 4)" },
	{ "an explicit store on another's default",
	  "[slot 1]\nlabel = a\napqns = 01.0001\n"
	  "[slot 2]\nlabel = b\napqns = 01.0002\nstore = /var/lib/ep11sess/tokens/a.db\n",
	  ":7: store: '/var/lib/ep11sess/tokens/a.db' is already the store of slot 1 (line 1)" },

	/* Numbers. */
	{ "wait above the kernel's largest", "[global]\nlogin_wait_ms = 600001\n",
	  ":2: login_wait_ms: 600001 is out of range (0-600000)" },
	{ "wait with a unit", "[global]\nlogin_wait_ms = 5000ms\n",
	  ":2: login_wait_ms: '5000ms' is not a decimal number (0-600000)" },
	{ "negative wait", "[global]\nlogin_wait_ms = -1\n",
	  ":2: login_wait_ms: '-1' is not a decimal number (0-600000)" },
	{ "signed wait", "[global]\nlogin_wait_ms = +1\n",
	  ":2: login_wait_ms: '+1' is not a decimal number (0-600000)" },
	{ "hexadecimal wait", "[global]\nlogin_wait_ms = 0x10\n",
	  ":2: login_wait_ms: '0x10' is not a decimal number (0-600000)" },
	{ "empty wait", "[global]\nlogin_wait_ms =\n",
	  ":2: login_wait_ms: no value (a number 0-600000)" },
	{ "number that overflows", "[global]\nlogin_wait_ms = 99999999999999999999999\n",
	  ":2: login_wait_ms: 99999999999999999999999 is out of range (0-600000)" },
	{ "two tries", "[global]\npin_max_tries = 2\n",
	  ":2: pin_max_tries: 2 is out of range (3-100)" },
	{ "101 tries", "[global]\npin_max_tries = 101\n",
	  ":2: pin_max_tries: 101 is out of range (3-100)" },
	{ "too few iterations", "[global]\npin_kdf_iterations = 9999\n",
	  ":2: pin_kdf_iterations: 9999 is out of range (10000-10000000)" },
	{ "too many iterations", "[global]\npin_kdf_iterations = 10000001\n",
	  ":2: pin_kdf_iterations: 10000001 is out of range (10000-10000000)" },
	{ "number with a space inside", "[global]\npin_max_tries = 1 0\n",
	  ":2: pin_max_tries: '1 0' is not a decimal number (3-100)" },

	/* Application ids. */
	{ "app_id without a dot", SLOT1 "app_id = 140\n",
	  ":4: app_id: '140' is not an application id (MAJOR.MINOR, two decimal numbers 0-4294967295)" },
	{ "app_id without a minor", SLOT1 "app_id = 1.\n",
	  ":4: app_id: '1.' is not an application id (MAJOR.MINOR, two decimal numbers 0-4294967295)" },
	{ "app_id without a major", SLOT1 "app_id = .40\n",
	  ":4: app_id: '.40' is not an application id (MAJOR.MINOR, two decimal numbers 0-4294967295)" },
	{ "app_id with three parts", SLOT1 "app_id = 1.2.3\n",
	  ":4: app_id: '1.2.3' is not an application id (MAJOR.MINOR, two decimal numbers 0-4294967295)" },
	{ "app_id major above 32 bits", SLOT1 "app_id = 4294967296.1\n",
	  ":4: app_id: '4294967296.1' is not an application id (MAJOR.MINOR, two decimal numbers 0-4294967295)" },
	{ "app_id minor of 11 digits", SLOT1 "app_id = 1.00000000001\n",
	  ":4: app_id: '1.00000000001' is not an application id (MAJOR.MINOR, two decimal numbers 0-4294967295)" },
	{ "negative app_id", SLOT1 "app_id = -1.2\n",
	  ":4: app_id: '-1.2' is not an application id (MAJOR.MINOR, two decimal numbers 0-4294967295)" },
	{ "hexadecimal app_id", SLOT1 "app_id = 0x1.2\n",
	  ":4: app_id: '0x1.2' is not an application id (MAJOR.MINOR, two decimal numbers 0-4294967295)" },
	{ "app_id with a space", SLOT1 "app_id = 1. 2\n",
	  ":4: app_id: '1. 2' is not an application id (MAJOR.MINOR, two decimal numbers 0-4294967295)" },
	{ "empty app_id", SLOT1 "app_id =\n",
	  ":4: app_id: no value (MAJOR.MINOR, two decimal numbers 0-4294967295)" },
	{ "app_id in global", "[global]\napp_id = 1.2\n",
	  ":2: app_id: unknown key in [global]" },
	{ "app_id given twice", SLOT1 "app_id = 1.2\napp_id = 1.3\n",
	  ":5: app_id: given twice in this section (first at line 4)" },
	{ "app_id on a strict token, mode after it",
	  SLOT1 "app_id = 1.2\nmode = strict\n[slot 2]\n",
	  ":4: app_id: slot 1: a strict token has one EP11 login per session and cannot share one between processes (use mode default, vhsm or fips)" },
	{ "app_id on a strict token at the end", SLOT1 "mode = strict\napp_id = 1.2\n",
	  ":5: app_id: slot 1: a strict token has one EP11 login per session and cannot share one between processes (use mode default, vhsm or fips)" },
	{ "app_id_group naming no group",
	  SLOT1 "app_id_group = no-such-group-ep11sess-test\n",
	  ":4: app_id_group: no group 'no-such-group-ep11sess-test' on this host" },
	{ "empty app_id_group", SLOT1 "app_id_group =\n",
	  ":4: app_id_group: no value (a group name)" },
	{ "keep above 30 days", SLOT1 "app_id_keep_ms = 2592000001\n",
	  ":4: app_id_keep_ms: 2592000001 is out of range (0-2592000000)" },
	{ "keep with a unit", SLOT1 "app_id_keep_ms = 10s\n",
	  ":4: app_id_keep_ms: '10s' is not a decimal number (0-2592000000)" },
};

/* app_id and its companions, in every form the syntax allows. */
static void test_app_id(void **state)
{
	struct ck_config cfg;
	const struct ck_slot_conf *s;

	load_ok(write_conf("[slot 1]\nlabel = a\napqns = 01.0001\n"
			   "app_id = 0.0\n"
			   "[slot 2]\nlabel = b\napqns = 01.0002\nmode = vhsm\n"
			   "app_id = 4294967295.0000000007\n"
			   "app_id_group = root\napp_id_keep_ms = 2592000000\n"
			   "[slot 3]\nlabel = c\napqns = 01.0003\nmode = strict\n"
			   "[slot 4]\nlabel = d\napqns = 01.0004\n"
			   "app_id_keep_ms = 0\napp_id_group = root\n"), &cfg);
	assert_int_equal(cfg.nslots, 4);
	s = &cfg.slots[0];
	if (!s->app_id_set || s->app_id_major || s->app_id_minor)
		fail_msg("slot 1: expected app_id 0.0, got set %d %u.%u",
			 s->app_id_set, s->app_id_major, s->app_id_minor);
	assert_false(s->app_id_group_set);
	assert_int_equal(s->app_id_keep_ms, 0);
	s = &cfg.slots[1];
	if (!s->app_id_set || s->app_id_major != 4294967295U ||
	    s->app_id_minor != 7)
		fail_msg("slot 2: expected app_id 4294967295.7, got set %d %u.%u",
			 s->app_id_set, s->app_id_major, s->app_id_minor);
	/* Group "root" is gid 0 on every Linux host. */
	assert_true(s->app_id_group_set);
	assert_int_equal(s->app_id_gid, 0);
	assert_int_equal(s->app_id_keep_ms, 2592000000U);
	/* A strict token without app_id, and the keys without app_id. */
	assert_false(cfg.slots[2].app_id_set);
	assert_false(cfg.slots[3].app_id_set);
	assert_true(cfg.slots[3].app_id_group_set);
	ck_config_free(&cfg);
}

static void test_bad_input(void **state)
{
	const struct bad_case *bc = *state;
	char want[PATH_MAX + 512], err[PATH_MAX + 512];
	struct ck_config cfg;
	int ret;

	snprintf(want, sizeof(want), "%s%s", conf, bc->msg);
	memset(&cfg, 0xa5, sizeof(cfg));
	ret = ck_config_load(write_conf(bc->text), &cfg, err, sizeof(err));
	if (ret != -1)
		fail_msg("%s: expected -1 and \"%s\", got %d (\"%s\")",
			 bc->name, want, ret, ret ? err : "");
	if (strcmp(err, want))
		fail_msg("%s:\n expected \"%s\"\n got      \"%s\"", bc->name,
			 want, err);
	/* Nothing to free after a failure. */
	assert_null(cfg.slots);
	assert_int_equal(cfg.nslots, 0);
}

static void expect_load_error(const char *path, const char *want)
{
	char err[1024];
	struct ck_config cfg;
	int ret;

	ret = ck_config_load(path, &cfg, err, sizeof(err));
	if (ret != -1 || strcmp(err, want))
		fail_msg("expected -1 and \"%s\", got %d and \"%s\"", want, ret,
			 err);
	assert_null(cfg.slots);
}

static void test_missing_file(void **state)
{
	char path[PATH_MAX + 32], want[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/absent.conf", tmpdir);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	expect_load_error(path, want);
}

static void test_directory(void **state)
{
	char want[PATH_MAX + 64];

	snprintf(want, sizeof(want), "%s: Is a directory", tmpdir);
	expect_load_error(tmpdir, want);
}

/* A FIFO or a device would block or never end: refused before reading. */
static void test_not_a_regular_file(void **state)
{
	expect_load_error("/dev/zero", "/dev/zero: not a regular file");
}

static void test_line_too_long(void **state)
{
	char text[1024], want[PATH_MAX + 128];
	size_t n;

	/* libinih's line buffer: ini_max_line bytes with the NUL. */
	n = (size_t)snprintf(text, sizeof(text), "[global]\nstore_dir = /");
	memset(text + n, 'x', (size_t)ini_max_line);
	n += (size_t)ini_max_line;
	strcpy(text + n, "\n");
	snprintf(want, sizeof(want),
		 "%s:2: line too long (%d characters, at most %d)", conf,
		 ini_max_line + (int)strlen("store_dir = /"), ini_max_line - 1);
	expect_load_error(write_conf(text), want);
}

static void test_nul_byte(void **state)
{
	static const char text[] = "[global]\nlogin_wait_ms = 5\0junk\n";
	char want[PATH_MAX + 64];

	snprintf(want, sizeof(want), "%s:2: the line holds a NUL byte", conf);
	expect_load_error(write_conf_len(text, sizeof(text) - 1), want);
}

/* A tiny message buffer gets a truncated message, never an overflow. */
static void test_small_error_buffer(void **state)
{
	char err[8];
	struct ck_config cfg;

	memset(err, 'z', sizeof(err));
	assert_int_equal(ck_config_load(write_conf("[foo]\n"), &cfg, err, 6),
			 -1);
	assert_int_equal(err[5], '\0');
	assert_int_equal(err[6], 'z');
	assert_memory_equal(err, conf, 5);
	/* And no buffer at all is fine too. */
	assert_int_equal(ck_config_load(conf, &cfg, NULL, 0), -1);
	assert_int_equal(ck_config_load(NULL, &cfg, err, sizeof(err)), -1);
}

static void test_env_override(void **state)
{
	struct ck_config cfg;

	unsetenv(CK_CONFIG_ENV);
	assert_string_equal(ck_config_path(), CK_CONFIG_DEFAULT_PATH);
	assert_string_equal(CK_CONFIG_DEFAULT_PATH, "/etc/ep11sess/cryptoki.conf");
	setenv(CK_CONFIG_ENV, "", 1);
	assert_string_equal(ck_config_path(), CK_CONFIG_DEFAULT_PATH);
	write_conf("[slot 42]\nlabel = env\napqns = 0b.0024\n");
	assert_int_equal(setenv("EP11SESS_CRYPTOKI_CONF", conf, 1), 0);
	assert_string_equal(ck_config_path(), conf);
	load_ok(ck_config_path(), &cfg);
	assert_int_equal(cfg.nslots, 1);
	assert_int_equal(cfg.slots[0].id, 42);
	assert_string_equal(cfg.slots[0].label, "env");
	ck_config_free(&cfg);
	unsetenv(CK_CONFIG_ENV);
}

static void test_mode_names(void **state)
{
	assert_string_equal(ck_mode_name(CK_MODE_DEFAULT), "default");
	assert_string_equal(ck_mode_name(CK_MODE_STRICT), "strict");
	assert_string_equal(ck_mode_name(CK_MODE_VHSM), "vhsm");
	assert_string_equal(ck_mode_name(CK_MODE_FIPS), "fips");
	assert_string_equal(ck_mode_name((enum ck_mode)99), "unknown");
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_good_file_in_every_form),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_store_dir_after_slots),
		cmocka_unit_test(test_no_slots_is_valid),
		cmocka_unit_test(test_bom_and_crlf),
		cmocka_unit_test(test_app_id),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_not_a_regular_file),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_small_error_buffer),
		cmocka_unit_test(test_env_override),
		cmocka_unit_test(test_mode_names),
	};
	const size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	const size_t nbad = sizeof(bad_cases) / sizeof(bad_cases[0]);
	struct CMUnitTest *tests;
	size_t i;
	int ret;

	tests = calloc(nfixed + nbad, sizeof(*tests));
	if (!tests)
		return 1;
	memcpy(tests, fixed, sizeof(fixed));
	for (i = 0; i < nbad; i++) {
		tests[nfixed + i].name = bad_cases[i].name;
		tests[nfixed + i].test_func = test_bad_input;
		tests[nfixed + i].initial_state = (void *)&bad_cases[i];
	}
	ret = _cmocka_run_group_tests("config", tests, nfixed + nbad,
				      group_setup, group_teardown);
	free(tests);
	return ret;
}
