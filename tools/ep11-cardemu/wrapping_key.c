// SPDX-License-Identifier: GPL-2.0
/*
 * Wrapping keys: one AES-256 key per domain in the state directory, file
 * "wrapping-key-DDDD" (domain in hex), mode 0600, created on first use and
 * reused ever after.  Creation is atomic (write a temporary file, link it
 * into place), so two cards started at once on one state directory end up
 * with the same key.  The directory and the keys must belong to the user
 * the emulator runs as, and nobody else may write the directory or read a
 * key: a key another user planted or can read is no master key.
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

#include "log.h"
#include "card.h"

/*
 * Refuses @path (described by @st) unless it belongs to the effective
 * user and no one else may write it (or, with @private, read it either).
 */
static int check_owner_mode(const char *path, const struct stat *st,
			    bool private)
{
	mode_t bad = private ? 077 : 022;

	if (st->st_uid != geteuid()) {
		emu_log(LOG_ERR,
			"ep11-cardemu: %s belongs to uid %u, not to uid %u that runs the emulator; refusing it\n",
			path, (unsigned int)st->st_uid,
			(unsigned int)geteuid());
		return -EPERM;
	}
	if (st->st_mode & bad) {
		emu_log(LOG_ERR,
			"ep11-cardemu: %s has mode %04o: %s; chmod %s it\n",
			path, (unsigned int)(st->st_mode & 07777),
			private ? "readable or writable by its group or others" :
				  "writable by its group or others",
			private ? "600" : "go-w");
		return -EPERM;
	}
	return 0;
}

/* The state directory: created 0700 if missing, refused if unsafe. */
static int check_state_dir(const char *dir)
{
	struct stat st;

	int r;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		r = -errno;
		emu_log(LOG_ERR, "ep11-cardemu: cannot create %s: %s\n", dir,
			strerror(-r));
		return r;
	}
	if (stat(dir, &st)) {
		r = -errno;
		emu_log(LOG_ERR, "ep11-cardemu: %s: %s\n", dir, strerror(-r));
		return r;
	}
	if (!S_ISDIR(st.st_mode)) {
		emu_log(LOG_ERR, "ep11-cardemu: %s is not a directory\n", dir);
		return -ENOTDIR;
	}
	return check_owner_mode(dir, &st, false);
}

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
		emu_log(LOG_ERR,
			"ep11-cardemu: %s is not a %d-byte key file; remove it to create a new key\n",
			path, FW_WRAPKEY_LEN);
		r = -EINVAL;
		goto out;
	}
	r = check_owner_mode(path, &st, true);
	if (r)
		goto out;
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

	r = check_state_dir(dir);
	if (r)
		return r;
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
		emu_log(LOG_ERR, "ep11-cardemu: wrapping key %s: %s\n", path,
			strerror(-r));
	return r;
}
