/* SPDX-License-Identifier: GPL-2.0 */
/* A card on a throw-away state directory, for the firmware tests. */
#ifndef EP11_TEST_FIXTURE_H
#define EP11_TEST_FIXTURE_H

#include "harness.h"
#include "firmware.h"

#define D0	0x24
#define D1	0x25

static inline struct fw *card_new(const char *dir, u8 card,
				  unsigned int max_sessions)
{
	struct fw_config cfg = {
		.card = card,
		.domains = { D0, D1 },
		.ndomains = 2,
		.max_sessions = max_sessions,
		.state_dir = dir,
	};

	return fw_new(&cfg);
}

static inline unsigned int card_avail(struct fw *fw)
{
	unsigned int max, avail;

	fw_session_counts(fw, &max, &avail);
	return avail;
}

static const u8 test_pin[] = "12345678";
#define PIN	test_pin, 8

#endif /* EP11_TEST_FIXTURE_H */
