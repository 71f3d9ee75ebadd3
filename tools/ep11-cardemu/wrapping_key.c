// SPDX-License-Identifier: GPL-2.0
/*
 * Wrapping keys: one AES-256 key per domain in the state directory, file
 * "wrapping-key-DDDD" (domain in hex), mode 0600, created on first use and
 * reused ever after.  Creation is atomic (write a temporary file, link it
 * into place), so two cards started at once on one state directory end up
 * with the same key.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "card.h"

static int read_key(const char *path, u8 key[FW_WRAPKEY_LEN])
{
	struct stat st;
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size != FW_WRAPKEY_LEN) {
		fprintf(stderr,
			"ep11-cardemu: %s is not a %d-byte key file; remove it to create a new key\n",
			path, FW_WRAPKEY_LEN);
		r = -EINVAL;
		goto out;
	}
	if (st.st_mode & 077) {
		fprintf(stderr,
			"ep11-cardemu: %s is readable by others; chmod 600 it\n",
			path);
		r = -EPERM;
		goto out;
	}
	n = read(fd, key, FW_WRAPKEY_LEN);
	if (n != FW_WRAPKEY_LEN)
		r = n < 0 ? -errno : -EIO;
out:
	close(fd);
	return r;
}

static int create_key(const char *dir, const char *path)
{
	u8 key[FW_WRAPKEY_LEN];
	char tmp[PATH_MAX];
	int fd, r = 0;

	if (snprintf(tmp, sizeof(tmp), "%s/.wrapping-key.%ld", dir,
		     (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if (RAND_bytes(key, sizeof(key)) != 1)
		return -EIO;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	if (write(fd, key, sizeof(key)) != sizeof(key) || fsync(fd))
		r = -EIO;
	if (close(fd) && !r)
		r = -EIO;
	/* link() fails with EEXIST if another card was faster: use its key. */
	if (!r && link(tmp, path) && errno != EEXIST)
		r = -errno;
	unlink(tmp);
out:
	OPENSSL_cleanse(key, sizeof(key));
	return r;
}

int fw_wrapkey_load(const char *dir, u16 domain, u8 key[FW_WRAPKEY_LEN])
{
	char path[PATH_MAX];
	int r;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		r = -errno;
		fprintf(stderr, "ep11-cardemu: cannot create %s: %s\n", dir,
			strerror(-r));
		return r;
	}
	if (snprintf(path, sizeof(path), "%s/wrapping-key-%04x", dir,
		     domain) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	r = read_key(path, key);
	if (r != -ENOENT)
		goto out;
	r = create_key(dir, path);
	if (!r)
		r = read_key(path, key);
out:
	if (r && r != -EINVAL && r != -EPERM)
		fprintf(stderr, "ep11-cardemu: wrapping key %s: %s\n", path,
			strerror(-r));
	return r;
}
