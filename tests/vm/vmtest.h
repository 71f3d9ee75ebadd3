/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmtest: what the VM test programs and the benchmark share as clients of
 * /dev/ep11sess: failure reporting, the device, APQN arguments, and the
 * ioctl structures filled in the same way everywhere.
 */
#ifndef VMTEST_H
#define VMTEST_H

#include <stdbool.h>
#include <sys/types.h>

#include <linux/ep11sess.h>

/* Set by vmt_fail(); a program returns it from main(). */
extern int vmt_failed;

/*
 * What vmt_die() and vmt_fail() print before their message: "FAIL: "
 * unless the program sets its own name, e.g. "admin-sess: ".
 */
extern const char *vmt_prefix;

/**
 * vmt_fail() - report a failed expectation and go on
 * @fmt: printf format: what was expected and what was got
 *
 * Prints @vmt_prefix and the message on stderr and sets @vmt_failed.
 *
 * Context: any; not thread-safe against other callers printing.
 */
void vmt_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * vmt_die() - report a failure that ends the program
 * @fmt: printf format: what failed
 *
 * Prints @vmt_prefix and the message on stderr and exits with status 1.
 *
 * Context: any.
 */
void vmt_die(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

/**
 * vmt_now_us() - the monotonic clock
 *
 * Context: any.
 * Return: CLOCK_MONOTONIC in microseconds.
 */
double vmt_now_us(void);

/**
 * vmt_fork_piped() - a child with a pipe between it and its parent
 * @p: the pipe, as from pipe(2): @p[0] to read, @p[1] to write
 *
 * Context: any; the child inherits both ends and closes what it does not
 * use.
 * Return: 0 in the child, the child's pid in the parent; dies when the
 * pipe or the child cannot be made.
 */
pid_t vmt_fork_piped(int p[2]);

/**
 * vmt_open_dev() - open /dev/ep11sess read-write, close-on-exec
 *
 * Context: any.
 * Return: the file descriptor; dies when the device cannot be opened.
 */
int vmt_open_dev(void);

/**
 * vmt_parse_apqn() - parse an APQN argument such as 0b.0024
 * @s: card and domain in hex, at most two and four digits, nothing else
 * @a: filled on success
 *
 * Context: any.
 * Return: true when @s is an APQN whose card and domain fit in 0..0xff.
 */
bool vmt_parse_apqn(const char *s, struct ep11sess_apqn *a);

/**
 * vmt_apqn() - an APQN argument, or death
 * @s: as for vmt_parse_apqn()
 *
 * Context: any.
 * Return: the APQN; dies with "bad APQN '@s' (expected like 0b.0024)".
 */
struct ep11sess_apqn vmt_apqn(const char *s);

/**
 * vmt_login_init() - a private login on @n APQNs
 * @l:   the request, zeroed and filled: size, @pin, targets, ntargets
 *       @n, targets_cap EP11SESS_MAX_APQNS; no flags, no wait
 * @t:   EP11SESS_MAX_APQNS targets, zeroed and given the APQNs @a
 * @a:   the APQNs
 * @n:   how many, at most EP11SESS_MAX_APQNS
 * @pin: the PIN, a string
 *
 * The caller adds flags, a nonce or a wait before EP11SESS_IOC_LOGIN.
 *
 * Context: any.
 */
void vmt_login_init(struct ep11sess_login *l, struct ep11sess_target *t,
		    const struct ep11sess_apqn *a, unsigned int n,
		    const char *pin);

/**
 * vmt_send_init() - an EP11SESS_IOC_SEND request
 * @s:       zeroed and filled
 * @flags:   EP11SESS_SEND_* flags
 * @handle:  the session's handle, or 0
 * @a:       the APQN to send to
 * @req:     the encoded request
 * @req_len: its length
 * @rep:     room for the reply
 * @rep_cap: its size
 *
 * Context: any.
 */
void vmt_send_init(struct ep11sess_send *s, __u32 flags, __u32 handle,
		   struct ep11sess_apqn a, const void *req, __u32 req_len,
		   void *rep, __u32 rep_cap);

/**
 * vmt_status_of() - one APQN's entry of EP11SESS_IOC_STATUS
 * @fd:    an open /dev/ep11sess
 * @flags: EP11SESS_STATUS_* flags of the request
 * @a:     the APQN
 * @out:   filled on success
 *
 * Context: not thread-safe: the entries are read into a static buffer.
 * Return: 0, -errno of the ioctl, or -ENOENT when @a is not listed.
 */
int vmt_status_of(int fd, __u32 flags, struct ep11sess_apqn a,
		  struct ep11sess_apqn_status *out);

#endif /* VMTEST_H */
