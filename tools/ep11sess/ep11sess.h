/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ep11sess: the administrator's command.  The subcommands, the generic
 * netlink connection, the session filters, device discovery and output.
 */
#ifndef EP11SESS_TOOL_H
#define EP11SESS_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/ep11sess_genl.h>

/* Exit codes: ep11sess(8) lists them. */
enum ep11_exit {
	EP11_EXIT_OK = 0,
	EP11_EXIT_FAILED = 1,		/* the operation failed (partly) */
	EP11_EXIT_USAGE = 2,		/* bad command line */
	EP11_EXIT_NO_MODULE = 3,	/* the kernel module is not loaded */
	EP11_EXIT_PERM = 4,		/* permission denied */
	EP11_EXIT_NOT_FOUND = 5,	/* no such session or APQN */
};

/**
 * struct ep11_nl - a generic netlink socket bound to the family
 * @sk:     the socket
 * @family: the family id
 * @err:    the last request's negative errno
 * @errmsg: the kernel's explanation of it, or empty
 */
struct ep11_nl {
	struct nl_sock *sk;
	int family;
	int err;
	char errmsg[256];
};

/* Called for each answer message with its parsed attributes. */
typedef int (*ep11_nl_msg_fn)(struct nlmsghdr *nlh, struct nlattr **tb,
			      void *arg);

/**
 * ep11_nl_open() - connect and resolve the family
 * @nl: filled in
 *
 * Return: %EP11_EXIT_OK, or an exit code after printing why not.
 */
int ep11_nl_open(struct ep11_nl *nl);

/**
 * ep11_nl_close() - disconnect
 * @nl: an opened connection
 */
void ep11_nl_close(struct ep11_nl *nl);

/**
 * ep11_nl_new() - a request message of the family
 * @nl:    the connection
 * @cmd:   an &enum ep11sess_genl_cmd
 * @flags: netlink flags (NLM_F_DUMP)
 *
 * Return: the message or NULL without memory.
 */
struct nl_msg *ep11_nl_new(struct ep11_nl *nl, int cmd, int flags);

/**
 * ep11_nl_exchange() - send a request and hand every answer to @fn
 * @nl:  the connection; @nl->err and @nl->errmsg are set
 * @msg: the request, freed
 * @fn:  called for every answer message
 * @arg: passed to @fn
 *
 * Return: 0 or the kernel's (or libnl's) negative errno.
 */
int ep11_nl_exchange(struct ep11_nl *nl, struct nl_msg *msg,
		     ep11_nl_msg_fn fn, void *arg);

/**
 * ep11_nl_parse() - the attributes of an answer message
 * @nlh: the message
 * @tb:  %EP11SESS_A_MAX + 1 entries
 *
 * Return: 0 or a negative libnl error.
 */
int ep11_nl_parse(struct nlmsghdr *nlh, struct nlattr **tb);

/**
 * ep11_nl_report() - print why a request failed, with what to do
 * @nl:   the connection after a failed request
 * @what: what was being done, for the message
 *
 * Return: the exit code that fits the error.
 */
int ep11_nl_report(const struct ep11_nl *nl, const char *what);

/**
 * struct ep11_filter - the session filters of show and logout
 * @have_id:   @id is set
 * @id:        public id
 * @have_pid:  @pid is set
 * @pid:       owner pid
 * @have_date: @before_ns is set
 * @before_ns: created before this time
 * @have_apqn: @card and @domain are set
 * @card:      adapter
 * @domain:    domain
 */
struct ep11_filter {
	bool have_id;
	uint8_t id[16];
	bool have_pid;
	uint32_t pid;
	bool have_date;
	uint64_t before_ns;
	bool have_apqn;
	uint8_t card;
	uint16_t domain;
};

/* Option values of the shared options (above the ASCII range). */
enum ep11_opt {
	EP11_OPT_ID = 0x100,
	EP11_OPT_PID,
	EP11_OPT_DATE,
	EP11_OPT_APQN,
	EP11_OPT_JSON,
	EP11_OPT_FORCE,
	EP11_OPT_SLOT,
	EP11_OPT_PIN,
	EP11_OPT_CACHED,
};

/**
 * ep11_filter_option() - take one filter option
 * @opt: an &enum ep11_opt
 * @arg: its argument
 * @f:   the filters
 *
 * Return: 0, or -1 after printing what is wrong with @arg.
 */
int ep11_filter_option(int opt, const char *arg, struct ep11_filter *f);

/**
 * ep11_nl_open_filtered() - connect, and check that an --apqn filter names
 * an APQN that exists
 * @nl: the connection to open
 * @f:  the filters of the command
 *
 * Return: 0, or an exit code after printing why (@nl is then closed).
 */
int ep11_nl_open_filtered(struct ep11_nl *nl, const struct ep11_filter *f);

/**
 * ep11_filter_put() - add the filters to a request
 * @f:   the filters
 * @msg: the request
 *
 * Return: 0 or a negative libnl error.
 */
int ep11_filter_put(const struct ep11_filter *f, struct nl_msg *msg);

/**
 * ep11_parse_apqn() - read "0b.0024"
 * @s:      the text
 * @card:   out
 * @domain: out
 *
 * Return: 0 or -1 (nothing printed).
 */
int ep11_parse_apqn(const char *s, uint8_t *card, uint16_t *domain);

/**
 * ep11_card_attr() - a sysfs attribute of a card's device (udev)
 * @card: the card
 * @attr: the attribute, e.g. "uid_quota"
 *
 * Return: the value (trailing newline removed by udev), to free(), or NULL.
 */
char *ep11_card_attr(uint8_t card, const char *attr);

/**
 * ep11_class_attr() - a numeric attribute of the ep11sess class
 * @attr: the attribute, e.g. "orphaned_logouts"
 *
 * Return: the value, or -1 when it cannot be read.
 */
long ep11_class_attr(const char *attr);

/**
 * ep11_apqn_check() - whether an APQN has a device (udev discovery)
 * @card:   adapter
 * @domain: domain
 *
 * Return: %EP11_EXIT_OK, or an exit code after printing the problem.
 */
int ep11_apqn_check(uint8_t card, uint16_t domain);

/**
 * ep11_module_loaded() - whether the ep11sess module is in the kernel
 *
 * Return: true when udev knows the module.
 */
bool ep11_module_loaded(void);

/**
 * ep11_json_string() - print a JSON string with its quotes
 * @out: the stream
 * @s:   the text
 */
void ep11_json_string(FILE *out, const char *s);

/**
 * ep11_hex() - bytes as lowercase hex
 * @out: room for 2 * @len + 1
 * @in:  the bytes
 * @len: their count
 */
void ep11_hex(char *out, const uint8_t *in, size_t len);

/**
 * ep11_state_name() - the name of an &enum ep11sess_apqn_state
 * @state: the state
 *
 * Return: a static string.
 */
const char *ep11_state_name(uint32_t state);

/**
 * ep11_format_time() - a wall-clock time as "yyyy/mm/dd hh:mm:ss"
 * @out:    room for @len
 * @len:    at least 32
 * @ns:     nanoseconds since the epoch
 * @micros: append ".uuuuuu"
 */
void ep11_format_time(char *out, size_t len, uint64_t ns, bool micros);

/**
 * struct ep11_sess_row - one session as a dump gave it
 * @id:         the public id in hex
 * @pid:        owner pid (0: not visible)
 * @uid:        owner uid
 * @holders:    open files holding it
 * @comm:       owner's command name
 * @created_ns: creation time
 * @shared:     shared session
 * @dying:      no holder left, being logged out
 * @named:      a named login
 * @name_head:  the first bytes of its name, in hex
 * @scope_gid:  its scope is a group, not a uid
 * @scope_id:   the scope's uid or gid
 * @kept:       a keep-alive hold keeps it
 * @keep_expires_ns: when that hold ends (0: no time-to-live)
 * @napqns:     entries in @apqns
 * @apqns:      its APQNs
 * @apqns.card:   adapter
 * @apqns.domain: domain
 * @apqns.state:  an &enum ep11sess_apqn_state
 */
struct ep11_sess_row {
	char id[33];
	uint32_t pid;
	uint32_t uid;
	uint32_t holders;
	char comm[17];
	uint64_t created_ns;
	bool shared;
	bool dying;
	bool named;
	char name_head[17];
	bool scope_gid;
	uint32_t scope_id;
	bool kept;
	uint64_t keep_expires_ns;
	unsigned int napqns;
	struct {
		uint8_t card;
		uint16_t domain;
		uint32_t state;
	} apqns[16];
};

/**
 * struct ep11_sess_list - sessions of one dump
 * @rows: the sessions
 * @n:    entries in @rows
 * @cap:  room at @rows
 */
struct ep11_sess_list {
	struct ep11_sess_row *rows;
	size_t n;
	size_t cap;
};

/**
 * ep11_sessions_get() - dump the sessions that match filters
 * @nl:   the connection
 * @f:    the filters
 * @list: filled in; free with ep11_sessions_free()
 *
 * Return: 0 or a negative errno (@nl says more).
 */
int ep11_sessions_get(struct ep11_nl *nl, const struct ep11_filter *f,
		      struct ep11_sess_list *list);

/**
 * ep11_sessions_print() - a table for people, or JSON
 * @list: the sessions
 * @json: print a JSON object
 */
void ep11_sessions_print(const struct ep11_sess_list *list, bool json);

/**
 * ep11_sessions_free() - release a list
 * @list: the list
 */
void ep11_sessions_free(struct ep11_sess_list *list);

/* The subcommands: argc and argv start at the subcommand's name. */
int ep11_cmd_status(int argc, char **argv);
int ep11_cmd_show(int argc, char **argv);
int ep11_cmd_logout(int argc, char **argv);
int ep11_cmd_monitor(int argc, char **argv);
int ep11_cmd_vhsmpin(int argc, char **argv);
int ep11_cmd_fipspin(int argc, char **argv);

/* The program's name for messages. */
extern const char *ep11_prog;

/**
 * ep11_no_operands() - refuse operands after the options of a command
 * @cmd:  the command's name, for the message
 * @argc: as given to the command
 * @argv: as given to the command; optind points past the options
 *
 * Return: 0, or %EP11_EXIT_USAGE after printing the first operand.
 */
int ep11_no_operands(const char *cmd, int argc, char **argv);

#endif /* EP11SESS_TOOL_H */
