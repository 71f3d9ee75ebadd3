/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.h: libcryptoki's configuration file, an INI file parsed with
 * libinih (ep11sess-pkcs11(7) describes it):
 *
 *   [global]
 *   store_dir = /var/lib/ep11sess/tokens   ; default for slots' stores
 *   login_wait_ms = 5000                   ; the kernel's wait for a free session
 *   pin_max_tries = 10                     ; failed logins before CKF_*_PIN_LOCKED
 *   pin_kdf_iterations = 200000            ; PBKDF2-SHA-256 for new PIN records
 *
 *   [slot 0]                               ; slot id 0-255
 *   label = prod                           ; token label, 1-32 bytes
 *   apqns = 0b.0024, 0b.0025               ; or "0b.*": every online domain of card 0b
 *   mode = default                         ; default | strict | vhsm | fips
 *   store = /var/lib/ep11sess/tokens/prod.db ; default store_dir/<label>.db
 *   app_id = 1.40                          ; every process shares one login state
 *   app_id_group = ep11apps                ; the shared login's scope: a group
 *   app_id_keep_ms = 3600000               ; CA_OpenApplicationID's time-to-live
 */
#ifndef CK_CONFIG_H
#define CK_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/ep11sess.h>

#define CK_CONFIG_DEFAULT_PATH	"/etc/ep11sess/cryptoki.conf"
#define CK_CONFIG_ENV		"EP11SESS_CRYPTOKI_CONF"
#define CK_MAX_SLOTS		256

enum ck_mode {
	CK_MODE_DEFAULT,
	CK_MODE_STRICT,
	CK_MODE_VHSM,
	CK_MODE_FIPS,
};

/* One APQN of a slot, or every online domain of a card. */
struct ck_apqn_spec {
	uint8_t card;
	uint16_t domain;
	bool all_domains;	/* "0b.*": @domain is 0 */
};

struct ck_slot_conf {
	unsigned long id;			/* from "[slot N]" */
	char label[33];				/* NUL-terminated, 1-32 bytes */
	struct ck_apqn_spec apqns[EP11SESS_MAX_APQNS];
	unsigned int napqns;
	enum ck_mode mode;
	char store[PATH_MAX];			/* absolute path of the database */
	int line;				/* line of the section header */
	/* Application ids (ep11sess-pkcs11(7), "APPLICATION IDS"): */
	bool app_id_set;			/* app_id given: the host's default */
	uint32_t app_id_major, app_id_minor;
	bool app_id_group_set;			/* scope: a group, not the uid */
	uint32_t app_id_gid;			/* app_id_group, resolved */
	unsigned int app_id_keep_ms;		/* keep-alive time-to-live, 0: none */
};

struct ck_config {
	char path[PATH_MAX];			/* the file read */
	unsigned int login_wait_ms;
	unsigned int pin_max_tries;		/* 3-100 */
	unsigned int pin_kdf_iterations;	/* 10000-10000000 */
	char store_dir[PATH_MAX];
	struct ck_slot_conf *slots;		/* sorted by id */
	unsigned int nslots;
};

/*
 * The file to read: $EP11SESS_CRYPTOKI_CONF when set and non-empty, else
 * the default.  Read with secure_getenv(): set-user-ID programs ignore it.
 */
const char *ck_config_path(void);

/*
 * Reads @path into @cfg.  On any problem returns -1 and writes one line to
 * @err: "<file>:<line>: <key>: <what is wrong>" (or "<file>: <errno text>"
 * when it cannot be read), and @cfg holds nothing to free.  Unknown
 * sections and keys, a duplicate slot id or label, a bad APQN, mode or
 * number, a slot without label or apqns, an app_id that is not
 * MAJOR.MINOR (two decimal numbers 0-4294967295) or given to a strict
 * token, an app_id_group that names no group (getgrnam_r()) are all
 * errors.
 */
int ck_config_load(const char *path, struct ck_config *cfg, char *err,
		   size_t errlen);
/* Frees what ck_config_load() allocated; @cfg may be NULL or already freed. */
void ck_config_free(struct ck_config *cfg);

/* "default", "strict", "vhsm" or "fips" (as in the file); "unknown" else. */
const char *ck_mode_name(enum ck_mode mode);

#endif /* CK_CONFIG_H */
