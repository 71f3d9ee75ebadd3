// SPDX-License-Identifier: GPL-2.0
/*
 * ep11sess: see, end and watch the EP11 login sessions the kernel holds.
 * One subcommand per file; this file only dispatches.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ep11sess.h"

const char *ep11_prog = "ep11sess";

int ep11_no_operands(const char *cmd, int argc, char **argv)
{
	if (optind >= argc)
		return 0;
	return ep11_fail(EP11_EXIT_USAGE, 0, "%s: unexpected argument '%s'",
			 cmd, argv[optind]);
}

/**
 * struct ep11_subcommand - one subcommand
 * @name:        its name
 * @fn:          its entry point
 * @description: one line for the usage text
 */
static const struct ep11_subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *description;
} ep11_subcommands[] = {
	{ "status", ep11_cmd_status,
	  "sessions per APQN: the card's max and available, held, pending, reclaimed" },
	{ "show", ep11_cmd_show,
	  "the sessions, their owners and APQNs" },
	{ "logout", ep11_cmd_logout,
	  "log sessions out (administrators)" },
	{ "monitor", ep11_cmd_monitor,
	  "print logins, logouts, reclaims and online changes as they happen" },
	{ "vhsmpin", ep11_cmd_vhsmpin,
	  "set the VHSM PIN of a vhsm token (libcryptoki)" },
	{ "fipspin", ep11_cmd_fipspin,
	  "set the FIPS PIN of a fips token (libcryptoki)" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: %s <command> [options]\n\n", ep11_prog);
	fprintf(out, "Commands:\n");
	for (i = 0; i < sizeof(ep11_subcommands) / sizeof(ep11_subcommands[0]);
	     i++)
		fprintf(out, "  %-8s %s\n", ep11_subcommands[i].name,
			ep11_subcommands[i].description);
	fprintf(out, "\n'%s <command> --help' describes a command's options; ep11sess(8) has the rest.\n",
		ep11_prog);
	fprintf(out, "'%s --version' prints the versions of the tool and of the loaded module.\n",
		ep11_prog);
}

/* The tool's version, the netlink family it speaks and the module's. */
static int print_version(void)
{
	char buf[64] = "";
	FILE *f = fopen("/sys/module/ep11sess/version", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
		buf[strcspn(buf, "\n")] = '\0';
	}
	printf("%s %s (generic netlink family \"%s\" version %d)\n",
	       ep11_prog, EP11SESS_TOOL_VERSION, EP11SESS_GENL_NAME,
	       EP11SESS_GENL_VERSION);
	if (buf[0])
		printf("module ep11sess %s\n", buf);
	else
		printf("module ep11sess not loaded\n");
	return EP11_EXIT_OK;
}

int main(int argc, char **argv)
{
	size_t i;
	int a;

	/* Errors after --json are JSON, those of the options included. */
	for (a = 1; a < argc && strcmp(argv[a], "--"); a++)
		if (!strcmp(argv[a], "--json") || !strcmp(argv[a], "-json"))
			ep11_json = true;
	opterr = 0;
	if (argc < 2) {
		usage(stderr);
		return EP11_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EP11_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-version") ||
	    !strcmp(argv[1], "-V"))
		return print_version();
	for (i = 0; i < sizeof(ep11_subcommands) / sizeof(ep11_subcommands[0]);
	     i++)
		if (!strcmp(argv[1], ep11_subcommands[i].name)) {
			ep11_cmd = ep11_subcommands[i].name;
			return ep11_subcommands[i].fn(argc - 1, argv + 1);
		}
	if (ep11_json)
		return ep11_fail(EP11_EXIT_USAGE, 0, "unknown command '%s'",
				 argv[1]);
	fprintf(stderr, "%s: unknown command '%s'\n\n", ep11_prog, argv[1]);
	usage(stderr);
	return EP11_EXIT_USAGE;
}
