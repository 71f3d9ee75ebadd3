/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The card's state, shared by the files of libep11fw.  Not part of the
 * handler API (firmware.h).
 */
#ifndef EP11_CARDEMU_CARD_H
#define EP11_CARDEMU_CARD_H

#include <pthread.h>

#include <openssl/evp.h>

#include "firmware.h"

/**
 * struct fw_domain - one usage domain
 * @id:      domain number
 * @wrapkey: AES-256 wrapping key (the domain's master key)
 * @wkid:    first 16 bytes of SHA-256(@wrapkey)
 */
struct fw_domain {
	u16 id;
	u8 wrapkey[FW_WRAPKEY_LEN];
	u8 wkid[EP11_WKID_LEN];
};

/**
 * struct fw_session - one slot of the card's session table
 * @used:    the slot holds a session
 * @domain:  the domain it is logged in on
 * @pinblob: its pin blob; the first 32 bytes are the session id
 */
struct fw_session {
	bool used;
	u16 domain;
	u8 pinblob[EP11_PINBLOB_LEN];
};

/**
 * struct fw - the card
 * @cfg:      configuration (read-only after fw_new())
 * @serial:   serial number in use
 * @dom:      the domains, @cfg.ndomains of them (read-only)
 * @hmac:     fetched HMAC implementation
 * @gcm:      fetched AES-256-GCM implementation
 * @lock:     protects @sessions and @nsessions
 * @sessions: the session table, @cfg.max_sessions slots
 * @nsessions: slots in use
 * @fns:      handlers by function number (set before serving)
 */
struct fw {
	struct fw_config cfg;
	char serial[EP11_SERIAL_LEN + 1];
	struct fw_domain dom[FW_MAX_DOMAINS];
	EVP_MAC *hmac;
	EVP_CIPHER *gcm;
	pthread_mutex_t lock;
	struct fw_session *sessions;
	unsigned int nsessions;
	const struct fw_fn *fns[FW_MAX_FNID];
};

/* One input of fw_hmac(). */
struct fw_buf {
	const void *p;
	size_t n;
};

const struct fw_domain *fw_domain_get(const struct fw *fw, u16 id);
int fw_hmac(const struct fw *fw, const u8 key[FW_WRAPKEY_LEN],
	    const struct fw_buf *in, unsigned int nin, u8 out[32]);
bool fw_roll(double rate);
void fw_log(const struct fw *fw, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* wrapping_key.c */
int fw_wrapkey_load(const char *dir, u16 domain, u8 key[FW_WRAPKEY_LEN]);

/* fn_table.c */
extern const struct fw_fn_group *const fw_builtin_groups[];
extern const unsigned int fw_builtin_ngroups;

#endif /* EP11_CARDEMU_CARD_H */
