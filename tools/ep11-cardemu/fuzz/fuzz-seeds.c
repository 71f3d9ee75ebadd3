// SPDX-License-Identifier: GPL-2.0
/*
 * Writes a seed corpus for fuzz-request into the directory given as the
 * only argument: one valid request of each kind the card knows.
 */
#include <stdio.h>
#include <string.h>

#include "ep11_wire.h"

static u8 buf[4096];

static int save(const char *dir, const char *name, u16 dom, int len)
{
	char path[4096];
	FILE *f;
	u8 d = dom;

	if (len < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(&d, 1, 1, f) != 1 || fwrite(buf, 1, len, f) != (size_t)len) {
		perror(path);
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

int main(int argc, char **argv)
{
	static const u8 pin[] = "fuzzing-pin", nonce[] = "nonce";
	u8 blob[EP11_PINBLOB_LEN];
	int len, err = 0;
	u32 q;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-seeds DIR\n");
		return 2;
	}
	len = ep11_wire_enc_login(buf, sizeof(buf), 0x24, pin, 11, nonce, 5);
	err |= save(argv[1], "login", 0x24, len);
	memset(blob, 0x42, sizeof(blob));
	len = ep11_wire_enc_logout(buf, sizeof(buf), 0x25, blob);
	err |= save(argv[1], "logout", 0x25, len);
	for (q = 1; q <= 6; q++) {
		char name[32];

		snprintf(name, sizeof(name), "xcp-info-%u", q);
		len = ep11_wire_enc_xcp_info(buf, sizeof(buf), 0x24, q);
		err |= save(argv[1], name, 0x24, len);
	}
	len = ep11_wire_enc_xcp_info(buf, sizeof(buf), 0x24, 1);
	len = ep11_wire_append(buf, len, sizeof(buf), blob, sizeof(blob));
	err |= save(argv[1], "bound", 0x24, len);
	return err ? 1 : 0;
}
