/* SPDX-License-Identifier: GPL-2.0 */
/* The ep11-cardemu process: its card, its fds, its control socket. */
#ifndef EP11_CARDEMU_CARDEMU_H
#define EP11_CARDEMU_CARDEMU_H

#include <poll.h>
#include <stdatomic.h>
#include <sys/un.h>

#include "firmware.h"

/**
 * struct cardemu - the running emulator
 * @cfg:      the card's configuration
 * @fw:       its firmware
 * @card_fd:  the card fd from ep11_vcard (non-blocking)
 * @stop_fd:  eventfd; readable once everything must stop
 * @ctl_fd:   listening control socket
 * @ctl_path: its path
 * @ctl_buf:  storage for a default @ctl_path
 * @online:   state of each domain of @cfg (main thread only)
 */
struct cardemu {
	struct fw_config cfg;
	struct fw *fw;
	int card_fd;
	int stop_fd;
	int ctl_fd;
	const char *ctl_path;
	unsigned int ctl_timeout_ms;	/* a control client's time to ask */
	char ctl_buf[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool online[FW_MAX_DOMAINS];
	/* Requests answered, busy replies, replies too late for their waiter. */
	atomic_ulong n_requests, n_busy, n_late;
	/* Time in the firmware proper: from a request read to its reply built. */
	atomic_ullong fw_ns;
};

void cardemu_stop(struct cardemu *emu);
int cardemu_set_online(struct cardemu *emu, u16 domain, bool online);

/* control.c */
/* Control connections served at once; pollfds: the socket and these. */
#define CARDEMU_CTL_CONNS	8
#define CARDEMU_CTL_POLLFDS	(1 + CARDEMU_CTL_CONNS)
int cardemu_control_open(struct cardemu *emu);
int cardemu_control_pollfds(struct cardemu *emu, struct pollfd *pfd);
int cardemu_control_timeout(void);
void cardemu_control_serve(struct cardemu *emu, const struct pollfd *pfd,
			   int n);
void cardemu_control_close(struct cardemu *emu);
int cardemu_control_client(int argc, char **argv);

#endif /* EP11_CARDEMU_CARDEMU_H */
