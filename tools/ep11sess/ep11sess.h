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
 * ep11_module_missing() - say why the family cannot be found: the module
 * is not loaded (and how to load it, as it was installed), or it is
 * loaded but this process runs in another network namespace (a
 * container), or it is older than the tool
 *
 * Return: %EP11_EXIT_NO_MODULE.
 */
int ep11_module_missing(void);

/**
 * ep11_has_cap() - whether the process has a capability in effect
 * @cap: a CAP_* number
 *
 * Return: true when it has.
 */
bool ep11_has_cap(int cap);

/**
 * ep11_cap_hint() - what a command needs, for a permission error
 * @what: the command
 *
 * Return: a static sentence.
 */
const char *ep11_cap_hint(const char *what);

/**
 * ep11_need_caps() - check the capabilities the kernel checks
 * @what:      the command, for the message
 * @net_admin: CAP_NET_ADMIN is needed too
 *
 * Return: 0, or %EP11_EXIT_PERM after saying which one is missing.
 */
int ep11_need_caps(const char *what, bool net_admin);

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
 * ep11_append() - a new, zeroed element at the end of a growing array
 * @arr:   the array (realloc'd; NULL to start)
 * @n:     its elements in use, incremented
 * @cap:   its room, doubled (from @first) when full
 * @size:  an element's size
 * @first: the room of the first allocation
 *
 * Return: the new element, or NULL when out of memory (the array is
 * unchanged).
 */
void *ep11_append(void *arr, size_t *n, size_t *cap, size_t size,
		  size_t first);

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

/* Holder pids shown per session; more are counted, not listed. */
#define EP11_MAX_HOLDER_PIDS	16

/**
 * enum ep11_owner - what became of a session's creator
 * @EP11_OWNER_UNKNOWN: not visible here (another pid namespace)
 * @EP11_OWNER_GONE:    exited: no process has its pid, or the process
 *                      that has it started after the session was created
 * @EP11_OWNER_ALIVE:   still running
 */
enum ep11_owner {
	EP11_OWNER_UNKNOWN = -1,
	EP11_OWNER_GONE = 0,
	EP11_OWNER_ALIVE = 1,
};

/**
 * enum ep11_leftover - why a session is a leftover (logout's default)
 * @EP11_LEFTOVER_NONE:     it is not: a live process holds it
 * @EP11_LEFTOVER_PENDING:  its logout is pending on an APQN
 * @EP11_LEFTOVER_ORPHANED: its creator is gone, other files hold it
 * @EP11_LEFTOVER_KEPT:     only a keep-alive hold keeps it
 */
enum ep11_leftover {
	EP11_LEFTOVER_NONE,
	EP11_LEFTOVER_PENDING,
	EP11_LEFTOVER_ORPHANED,
	EP11_LEFTOVER_KEPT,
};

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
 * @owner:      an &enum ep11_owner: the creator alive, gone or unknown
 * @holders_scanned: @holder_pids was filled in
 * @nholder_pids: entries in @holder_pids
 * @holder_pids: live processes whose open files hold the session
 * @holder_pids_more: more than %EP11_MAX_HOLDER_PIDS of them
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
	int owner;
	bool holders_scanned;
	unsigned int nholder_pids;
	uint32_t holder_pids[EP11_MAX_HOLDER_PIDS];
	bool holder_pids_more;
};

/**
 * struct ep11_sess_list - sessions of one dump
 * @rows: the sessions
 * @n:    entries in @rows
 * @cap:  room at @rows
 * @holders_known: every open file of /dev/ep11sess could be examined
 */
struct ep11_sess_list {
	struct ep11_sess_row *rows;
	size_t n;
	size_t cap;
	bool holders_known;
};

/**
 * ep11_owner_alive() - whether a session's creator still runs
 * @pid:        the creator's pid as the kernel gave it (0: not visible)
 * @created_ns: the session's creation, ns since the epoch
 *
 * A process that started after @created_ns has a reused pid: gone.
 *
 * Return: an &enum ep11_owner.
 */
int ep11_owner_alive(uint32_t pid, uint64_t created_ns);

/**
 * ep11_find_holders() - fill in the live holder pids of every row
 * @list: the sessions
 */
void ep11_find_holders(struct ep11_sess_list *list);

/**
 * ep11_leftover() - why a session is a leftover
 * @r: the session, its owner looked up
 *
 * Return: an &enum ep11_leftover.
 */
enum ep11_leftover ep11_leftover(const struct ep11_sess_row *r);

/**
 * ep11_leftover_name() - the name of an &enum ep11_leftover
 * @why: the reason
 *
 * Return: a static string, NULL for %EP11_LEFTOVER_NONE.
 */
const char *ep11_leftover_name(enum ep11_leftover why);

/**
 * ep11_session_json() - one session as a JSON object (ep11sess(8))
 * @r: the session
 */
void ep11_session_json(const struct ep11_sess_row *r);

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

/* --json was given: errors are JSON objects on standard output. */
extern bool ep11_json;

/* The subcommand running, for messages ("" before one is chosen). */
extern const char *ep11_cmd;

/**
 * ep11_fail() - report an error: a line on standard error, or with
 * --json the object {"error": {...}} (ep11sess(8)) on standard output
 * @code: the exit code to return
 * @err:  the errno behind it (either sign), or 0
 * @fmt:  the message, without the program's name
 *
 * Return: @code.
 */
int ep11_fail(int code, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * ep11_bad_option() - report what getopt refused (opterr is 0)
 * @opt:   what getopt returned: ':' for a missing value, '?' else
 * @argc:  as given to the command
 * @argv:  as given to the command
 * @usage: prints the command's usage
 *
 * Return: %EP11_EXIT_USAGE.
 */
int ep11_bad_option(int opt, int argc, char **argv,
		    void (*usage)(FILE *out));

/**
 * ep11_format_rfc3339() - a time as RFC 3339 UTC with nanoseconds
 * @out: room for @len (at least 32)
 * @len: its size
 * @ns:  nanoseconds since the epoch
 */
void ep11_format_rfc3339(char *out, size_t len, uint64_t ns);

/**
 * ep11_json_time() - print "KEY": "RFC 3339", "KEY_ns": N (both null
 * when @ns is 0, unknown)
 * @out: the stream
 * @key: the member's name
 * @ns:  nanoseconds since the epoch, or 0
 */
void ep11_json_time(FILE *out, const char *key, uint64_t ns);

/**
 * ep11_now_ns() - the wall clock
 *
 * Return: nanoseconds since the epoch.
 */
uint64_t ep11_now_ns(void);

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
