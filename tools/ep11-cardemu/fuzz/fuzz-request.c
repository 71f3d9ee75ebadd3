// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the card's request path: the first input byte is
 * the domain the request arrives on, the rest is the request.  Each input
 * runs through fw_handle() (parser, dispatch, every handler) and through
 * the codec's reply decoders and ep11_wire_append(); every reply must
 * itself parse.  The card has fixed wrapping keys (fuzz-card.h), so the
 * key blobs and pin blobs of the seeds (fuzz-seeds.c) are valid here, and
 * the seeds' session is logged in before every input.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-card.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static struct fw *fw;
static char state_dir[] = "/tmp/ep11-fuzz.XXXXXX";
static u8 rep[EP11_MAX_MSG_LEN], copy[EP11_MAX_MSG_LEN + 256];

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

static void cleanup(void)
{
	fw_free(fw);
	nftw(state_dir, rm_entry, 4, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	if (!mkdtemp(state_dir))
		abort();
	fw = fuzz_card_new(state_dir);
	if (!fw)
		abort();
	atexit(cleanup);
}

static void check_codec(const u8 *msg, size_t len)
{
	u8 blob[EP11_PINBLOB_LEN], wkid[EP11_WKID_LEN];
	char serial[EP11_SERIAL_LEN + 1];
	u32 rc, a, b, c;

	ep11_wire_dec_login(msg, len, 0x24, &rc, blob);
	ep11_wire_dec_logout(msg, len, 0x24, &rc);
	ep11_wire_dec_xcp_caplist(msg, len, 0x24, &rc, &a, &b);
	ep11_wire_dec_xcp_module(msg, len, 0x24, &rc, serial, &a, &b, &c);
	ep11_wire_dec_xcp_domain(msg, len, 0x24, &rc, wkid);
	if (len <= EP11_MAX_MSG_LEN) {
		memcpy(copy, msg, len);
		memset(blob, 0xab, sizeof(blob));
		ep11_wire_append(copy, len, len + 82, blob, sizeof(blob));
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 blob[EP11_PINBLOB_LEN];
	struct ep11_msg m;
	int len;

	if (!fw)
		setup();
	if (!size)
		return 0;
	/* An input may have logged it out; a full card may refuse. */
	fuzz_login(fw, blob);
	check_codec(data + 1, size - 1);
	len = fw_handle(fw, data[0], data + 1, size - 1, rep, sizeof(rep));
	if (len < 0 || ep11_wire_parse_reply(rep, len, &m))
		abort();
	return 0;
}
