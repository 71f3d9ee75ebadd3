// SPDX-License-Identifier: GPL-2.0
/*
 * ep11sess vhsmpin|fipspin -slot N: sets the PIN of a vhsm or fips token's
 * shared EP11 session (ep11sess-pkcs11(7)).  The USER PIN is asked first
 * (it unlocks the token's data key, under which the PIN is stored), then
 * the new PIN twice, without echo, as pkcsep11_session vhsmpin does.
 * With --stdin the three lines come from standard input instead (scripts).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "config.h"
#include "ep11sess.h"
#include "store.h"

#define PIN_BUF	128

/* One line from @in, echo off when it is a terminal; 0 or -1. */
static int read_secret(FILE *in, const char *prompt, char *buf, size_t n)
{
	struct termios old, quiet;
	bool tty = isatty(fileno(in));
	size_t len;

	/* The prompt once echo is off: an answer typed after it is kept. */
	if (tty) {
		if (tcgetattr(fileno(in), &old))
			return -1;
		quiet = old;
		quiet.c_lflag &= ~ECHO;
		tcsetattr(fileno(in), TCSAFLUSH, &quiet);
		fprintf(stderr, "%s", prompt);
		fflush(stderr);
	}
	if (!fgets(buf, (int)n, in)) {
		if (tty) {
			tcsetattr(fileno(in), TCSAFLUSH, &old);
			fputc('\n', stderr);
		}
		return -1;
	}
	if (tty) {
		tcsetattr(fileno(in), TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	return 0;
}

static bool valid_token_pin(const char *p)
{
	size_t n = strlen(p), i;

	if (n < 8 || n > 16)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]))
			return false;
	return true;
}

static void usage(FILE *out, const char *cmd)
{
	fprintf(out,
		"Usage: %s %s -slot N [--stdin]\n"
		"  Sets the %s PIN of slot N's token (8-16 letters and digits).\n"
		"  The USER PIN is asked first; --stdin reads the USER PIN and the\n"
		"  new PIN twice, one per line, from standard input.\n",
		ep11_prog, cmd, strcmp(cmd, "fipspin") ? "VHSM" : "FIPS");
}

static int token_pin(int argc, char **argv, enum ck_mode mode)
{
	static const struct option opts[] = {
		{ "slot", required_argument, NULL, 's' },
		{ "stdin", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *cmd = mode == CK_MODE_FIPS ? "fipspin" : "vhsmpin";
	const char *name = mode == CK_MODE_FIPS ? "FIPS" : "VHSM";
	char user[PIN_BUF], pin[PIN_BUF], again[PIN_BUF], err[512];
	char prompt[48], prompt2[48];
	struct ck_config cfg = { 0 };
	struct ck_slot_conf *slot = NULL;
	struct ck_store *store = NULL;
	struct ck_login_keys keys;
	struct ck_token_rec rec;
	bool from_stdin = false;
	long id = -1;
	char *end;
	FILE *in = NULL;
	unsigned int i;
	int c, ret = EP11_EXIT_FAILED;
	CK_RV rv;

	optind = 1;
	while ((c = getopt_long_only(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			errno = 0;
			id = strtol(optarg, &end, 10);
			if (errno || *end || id < 0 || id > 255) {
				fprintf(stderr, "%s: %s: bad slot '%s' (0-255)\n",
					ep11_prog, cmd, optarg);
				return EP11_EXIT_USAGE;
			}
			break;
		case 'i':
			from_stdin = true;
			break;
		case 'h':
			usage(stdout, cmd);
			return EP11_EXIT_OK;
		default:
			ep11_fail(EP11_EXIT_USAGE, 0, "%s: %s '%s'", cmd,
				  c == ':' ? "a value is missing after" :
				  "unknown option", argv[optind - 1]);
			usage(stderr, cmd);
			return EP11_EXIT_USAGE;
		}
	}
	if (ep11_no_operands(cmd, argc, argv))
		return EP11_EXIT_USAGE;
	if (id < 0)
		return ep11_fail(EP11_EXIT_USAGE, 0,
				 "%s: -slot N is required: the slot of the %s token (libcryptoki's configuration, %s)",
				 cmd, ck_mode_name(mode), ck_config_path());
	in = fopen(ck_config_path(), "r");
	if (!in && errno == ENOENT)
		return ep11_fail(EP11_EXIT_NOT_FOUND, ENOENT,
				 "%s: libcryptoki is not configured: %s does not exist.  A %s token needs a section [slot %ld] there with label, apqns and mode = %s (ep11sess-pkcs11(7)), and its USER PIN set (C_InitToken, C_InitPIN) before its %s PIN can be set",
				 cmd, ck_config_path(), ck_mode_name(mode), id,
				 ck_mode_name(mode), name);
	if (in)
		fclose(in);
	in = NULL;
	if (ck_config_load(ck_config_path(), &cfg, err, sizeof(err)))
		return ep11_fail(EP11_EXIT_FAILED, 0, "%s: %s", cmd, err);
	for (i = 0; i < cfg.nslots; i++)
		if (cfg.slots[i].id == (unsigned long)id)
			slot = &cfg.slots[i];
	if (!slot) {
		ret = ep11_fail(EP11_EXIT_NOT_FOUND, ENOENT,
				"%s: %s has no slot %ld: a %s token needs a section [slot %ld] with label, apqns and mode = %s (ep11sess-pkcs11(7))",
				cmd, cfg.path, id, ck_mode_name(mode), id,
				ck_mode_name(mode));
		goto out;
	}
	if (slot->mode != mode) {
		ep11_fail(EP11_EXIT_FAILED, 0,
			  "%s: slot %ld (%s) is in %s mode; the %s PIN is for %s tokens (mode = %s in %s)",
			  cmd, id, slot->label, ck_mode_name(slot->mode), name,
			  ck_mode_name(mode), ck_mode_name(mode), cfg.path);
		goto out;
	}
	rv = ck_store_open(slot->store, cfg.pin_max_tries, cfg.pin_kdf_iterations,
			   &store, err, sizeof(err));
	if (rv != CKR_OK) {
		fprintf(stderr, "%s: %s\n", ep11_prog, err);
		goto out;
	}
	if (ck_store_token(store, &rec) != CKR_OK || !rec.user_pin_initialized) {
		fprintf(stderr, "%s: %s: slot %ld (%s): the token has no USER PIN yet (C_InitToken, C_InitPIN first)\n",
			ep11_prog, cmd, id, slot->label);
		goto out;
	}
	fprintf(stderr,
		"Changing the %s PIN of slot %ld (%s) makes the token's existing keys unusable:\n"
		"they are bound to the session the old PIN opens.\n",
		name, id, slot->label);
	in = from_stdin ? stdin : fopen("/dev/tty", "r");
	if (!in) {
		fprintf(stderr, "%s: %s: no terminal to ask the PINs on (use --stdin)\n",
			ep11_prog, cmd);
		goto out;
	}
	/* pkcsep11_session's prompts, so that its expect scripts still work. */
	if (read_secret(in, "Enter the USER PIN: ", user, sizeof(user))) {
		fprintf(stderr, "%s: %s: no USER PIN given\n", ep11_prog, cmd);
		goto close_in;
	}
	rv = ck_store_login(store, CKU_USER, user, strlen(user), &keys);
	if (rv != CKR_OK) {
		fprintf(stderr, "%s: %s: the USER PIN was refused (%s)\n", ep11_prog,
			cmd, rv == CKR_PIN_LOCKED ? "the PIN is locked" :
			rv == CKR_PIN_INCORRECT ? "incorrect" : "error");
		goto close_in;
	}
	snprintf(prompt, sizeof(prompt), "Enter the new %s PIN: ", name);
	snprintf(prompt2, sizeof(prompt2), "Re-enter the new %s PIN: ", name);
	if (read_secret(in, prompt, pin, sizeof(pin)) ||
	    read_secret(in, prompt2, again, sizeof(again))) {
		fprintf(stderr, "%s: %s: no new PIN given\n", ep11_prog, cmd);
		goto wipe;
	}
	if (strcmp(pin, again)) {
		fprintf(stderr, "%s: %s: the two PINs differ; nothing changed\n",
			ep11_prog, cmd);
		goto wipe;
	}
	if (!valid_token_pin(pin)) {
		fprintf(stderr, "%s: %s: the %s PIN must be 8-16 letters and digits; nothing changed\n",
			ep11_prog, cmd, name);
		goto wipe;
	}
	rv = ck_store_put_secret(store, keys.data_key,
				 mode == CK_MODE_FIPS ? "fips" : "vhsm", pin,
				 strlen(pin));
	if (rv != CKR_OK) {
		fprintf(stderr, "%s: %s: %s: the PIN could not be stored (0x%lx)\n",
			ep11_prog, cmd, slot->store, rv);
		goto wipe;
	}
	printf("%s PIN of slot %ld (%s) set\n", name, id, slot->label);
	ret = EP11_EXIT_OK;
wipe:
	OPENSSL_cleanse(&keys, sizeof(keys));
close_in:
	if (in != stdin)
		fclose(in);
out:
	OPENSSL_cleanse(user, sizeof(user));
	OPENSSL_cleanse(pin, sizeof(pin));
	OPENSSL_cleanse(again, sizeof(again));
	if (store)
		ck_store_close(store);
	ck_config_free(&cfg);
	return ret;
}

int ep11_cmd_vhsmpin(int argc, char **argv)
{
	return token_pin(argc, argv, CK_MODE_VHSM);
}

int ep11_cmd_fipspin(int argc, char **argv)
{
	return token_pin(argc, argv, CK_MODE_FIPS);
}
