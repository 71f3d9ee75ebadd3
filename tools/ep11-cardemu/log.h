/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log.h: the emulator's messages on standard error, with their syslog
 * priority where standard error is the journal.
 */
#ifndef EP11_CARDEMU_LOG_H
#define EP11_CARDEMU_LOG_H

#include <stdarg.h>
#include <syslog.h>

/*
 * emu_log() - one message on standard error
 * @prio: LOG_ERR, LOG_WARNING, LOG_NOTICE or LOG_INFO
 * @fmt:  the whole message as printed, "ep11-cardemu: " and the newline
 *        included
 *
 * When standard error is a stream of systemd's journal ($JOURNAL_STREAM
 * names its device and inode), the message is prefixed "<N>", which the
 * journal takes as its priority (sd-daemon(3)); elsewhere it is printed as
 * is.  A message of several lines carries the prefix on each.
 */
void emu_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void emu_vlog(int prio, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Whether standard error is the journal; decided at the first message. */
int emu_log_to_journal(void);

#endif /* EP11_CARDEMU_LOG_H */
