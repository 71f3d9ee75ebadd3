/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The card the fuzz target runs and the seed generator makes its seeds
 * on: the same domains and the same fixed wrapping keys, so that the key
 * blobs and pin blobs in the seeds open on the fuzz target's card, and
 * random input gets past the blob checks into the mechanisms.
 */
#ifndef EP11_FUZZ_CARD_H
#define EP11_FUZZ_CARD_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "firmware.h"

#define FUZZ_DOM0	0x24
#define FUZZ_DOM1	0x25

/* The seeds' session: logged in on FUZZ_DOM0 before every input. */
#define FUZZ_PIN	"fuzzing-pin"
#define FUZZ_NONCE	"nonce"

/* Fixed test keys, one per domain; never a real card's. */
static const u8 fuzz_wrapkey[2][FW_WRAPKEY_LEN] = {
	"ep11-cardemu fuzz key, dom 0x24",
	"ep11-cardemu fuzz key, dom 0x25",
};

/* Writes @key as the wrapping key of @domain in @dir (mode 0600). */
static inline int fuzz_write_key(const char *dir, u16 domain,
				 const u8 key[FW_WRAPKEY_LEN])
{
	char path[PATH_MAX];
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/wrapping-key-%04x", dir, domain);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, key, FW_WRAPKEY_LEN) != FW_WRAPKEY_LEN)
		r = -EIO;
	if (close(fd) && !r)
		r = -EIO;
	return r;
}

/*
 * The fuzz card on the (existing, empty) state directory @dir.  RSA key
 * generation is capped at the smallest size: a 4096-bit key takes
 * seconds, and the fuzzer, which finds the size bounds at once by
 * comparison tracing, would spend its run (and trip its time-out) in
 * prime searches instead of the request paths.  The seeds' RSA keys are
 * made at this size too.
 */
static inline struct fw *fuzz_card_new(const char *dir)
{
	struct fw_config cfg = {
		.card = 0x0b,
		.domains = { FUZZ_DOM0, FUZZ_DOM1 },
		.ndomains = 2,
		.max_sessions = 64,
		.state_dir = dir,
		.rsa_max_bits = FW_RSA_MIN_BITS,
	};

	if (fuzz_write_key(dir, FUZZ_DOM0, fuzz_wrapkey[0]) ||
	    fuzz_write_key(dir, FUZZ_DOM1, fuzz_wrapkey[1]))
		return NULL;
	return fw_new(&cfg);
}

/* Logs the seeds' session in on FUZZ_DOM0 (again: no extra slot). */
static inline u32 fuzz_login(struct fw *fw, u8 pinblob[EP11_PINBLOB_LEN])
{
	return fw_session_login(fw, FUZZ_DOM0, (const u8 *)FUZZ_PIN,
				strlen(FUZZ_PIN), (const u8 *)FUZZ_NONCE,
				strlen(FUZZ_NONCE), pinblob);
}

#endif /* EP11_FUZZ_CARD_H */
