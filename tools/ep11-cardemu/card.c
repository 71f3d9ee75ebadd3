// SPDX-License-Identifier: GPL-2.0
/*
 * The card: creation from a configuration, its domains and wrapping keys,
 * and the helpers the other firmware files share.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "log.h"
#include "card.h"

void fw_log(const struct fw *fw, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emu_log(LOG_ERR, "ep11-cardemu: card%02x: %s\n", fw->cfg.card, msg);
}

bool fw_roll(double rate)
{
	u32 r;

	if (rate <= 0)
		return false;
	if (rate >= 1)
		return true;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		return false;
	return r < rate * 4294967296.0;
}

const struct fw_domain *fw_domain_get(const struct fw *fw, u16 id)
{
	unsigned int i;

	for (i = 0; i < fw->cfg.ndomains; i++)
		if (fw->dom[i].id == id)
			return &fw->dom[i];
	return NULL;
}

/*
 * HMAC-SHA256 under the domain's wrapping key over the concatenation of
 * @in: a copy of the domain's keyed context, so that neither the digest
 * nor the key is set up again for each request.
 */
int fw_hmac(const struct fw_domain *d, const struct fw_buf *in,
	    unsigned int nin, u8 out[32])
{
	EVP_MAC_CTX *ctx;
	size_t outl = 0;
	unsigned int i;
	int ok = 1;

	ctx = EVP_MAC_CTX_dup(d->mac);
	if (!ctx)
		return -ENOMEM;
	for (i = 0; ok && i < nin; i++)
		ok = EVP_MAC_update(ctx, in[i].p, in[i].n);
	if (ok)
		ok = EVP_MAC_final(ctx, out, &outl, 32);
	EVP_MAC_CTX_free(ctx);
	return ok && outl == 32 ? 0 : -EIO;
}

/* The names of fw->md[], as the mechanism table spells them. */
static const char *const md_names[FW_NDIGESTS] = {
	"SHA1", "SHA224", "SHA256", "SHA384", "SHA512",
};

const EVP_MD *fw_md(const struct fw *fw, const char *name)
{
	unsigned int i;

	for (i = 0; name && i < FW_NDIGESTS; i++)
		if (!strcmp(name, md_names[i]))
			return fw->md[i];
	return NULL;
}

EVP_CIPHER *fw_aes(const struct fw *fw, size_t key_len,
		   enum fw_aes_mode mode)
{
	if ((key_len != 16 && key_len != 24 && key_len != 32) ||
	    mode >= FW_AES_NMODES)
		return NULL;
	return fw->aes[key_len / 8 - 2][mode];
}

/* Fetches the digests and ciphers the mechanisms use, once. */
static int fetch_algorithms(struct fw *fw)
{
	static const char *const modes[FW_AES_NMODES] = {
		[FW_AES_ECB] = "ECB",
		[FW_AES_CBC] = "CBC",
		[FW_AES_GCM] = "GCM",
		[FW_AES_WRAP] = "WRAP",
		[FW_AES_WRAP_PAD] = "WRAP-PAD",
	};
	char name[32];
	unsigned int i, m;

	fw->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	fw->gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	if (!fw->hmac || !fw->gcm)
		return -ENOENT;
	for (i = 0; i < FW_NDIGESTS; i++) {
		fw->md[i] = EVP_MD_fetch(NULL, md_names[i], NULL);
		if (!fw->md[i])
			return -ENOENT;
	}
	for (i = 0; i < 3; i++) {
		for (m = 0; m < FW_AES_NMODES; m++) {
			snprintf(name, sizeof(name), "AES-%u-%s", 128 + 64 * i,
				 modes[m]);
			fw->aes[i][m] = EVP_CIPHER_fetch(NULL, name, NULL);
			if (!fw->aes[i][m])
				return -ENOENT;
		}
	}
	return 0;
}

static void free_algorithms(struct fw *fw)
{
	unsigned int i, m;

	EVP_MAC_free(fw->hmac);
	EVP_CIPHER_free(fw->gcm);
	for (i = 0; i < FW_NDIGESTS; i++)
		EVP_MD_free(fw->md[i]);
	for (i = 0; i < 3; i++)
		for (m = 0; m < FW_AES_NMODES; m++)
			EVP_CIPHER_free(fw->aes[i][m]);
}

static int check_config(const struct fw_config *cfg)
{
	unsigned int i, j;

	if (!cfg->ndomains || cfg->ndomains > FW_MAX_DOMAINS) {
		emu_log(LOG_ERR, "ep11-cardemu: need 1 to %d domains\n",
			FW_MAX_DOMAINS);
		return -EINVAL;
	}
	for (i = 0; i < cfg->ndomains; i++) {
		if (cfg->domains[i] > 0xff) {
			emu_log(LOG_ERR, "ep11-cardemu: domain %u is not 0-255\n",
				cfg->domains[i]);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (cfg->domains[i] == cfg->domains[j]) {
				emu_log(LOG_ERR,
					"ep11-cardemu: domain %02x given twice\n",
					cfg->domains[i]);
				return -EINVAL;
			}
		}
	}
	if (!cfg->max_sessions || cfg->max_sessions > FW_MAX_SESSIONS) {
		emu_log(LOG_ERR, "ep11-cardemu: max sessions must be 1-%d\n",
			FW_MAX_SESSIONS);
		return -EINVAL;
	}
	if (!cfg->state_dir || !*cfg->state_dir) {
		emu_log(LOG_ERR, "ep11-cardemu: no state directory given\n");
		return -EINVAL;
	}
	if (cfg->serial[0] && strlen(cfg->serial) != EP11_SERIAL_LEN) {
		emu_log(LOG_ERR,
			"ep11-cardemu: serial number must be %d characters\n",
			EP11_SERIAL_LEN);
		return -EINVAL;
	}
	for (i = 0; cfg->serial[i]; i++) {
		if (cfg->serial[i] < 0x20 || cfg->serial[i] > 0x7e) {
			emu_log(LOG_ERR,
				"ep11-cardemu: serial number must be printable ASCII\n");
			return -EINVAL;
		}
	}
	if (cfg->rsa_max_bits &&
	    (cfg->rsa_max_bits < FW_RSA_MIN_BITS ||
	     cfg->rsa_max_bits > FW_RSA_MAX_BITS || cfg->rsa_max_bits % 8)) {
		emu_log(LOG_ERR,
			"ep11-cardemu: RSA key size cap %u is not a multiple of 8 in %d-%d\n",
			cfg->rsa_max_bits, FW_RSA_MIN_BITS, FW_RSA_MAX_BITS);
		return -EINVAL;
	}
	if (!(cfg->busy_rate >= 0 && cfg->busy_rate <= 1) ||
	    !(cfg->login_fail_rate >= 0 && cfg->login_fail_rate <= 1)) {
		emu_log(LOG_ERR, "ep11-cardemu: fault rates must be 0-1\n");
		return -EINVAL;
	}
	return 0;
}

static int load_domain(struct fw *fw, struct fw_domain *d, u16 id)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 "SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	u8 digest[32];
	unsigned int dlen = 0;
	int r;

	d->id = id;
	r = fw_wrapkey_load(fw->cfg.state_dir, id, d->wrapkey);
	if (r)
		return r;
	if (!EVP_Digest(d->wrapkey, sizeof(d->wrapkey), digest, &dlen,
			EVP_sha256(), NULL) || dlen != sizeof(digest))
		return -EIO;
	memcpy(d->wkid, digest, EP11_WKID_LEN);
	d->mac = EVP_MAC_CTX_new(fw->hmac);
	if (!d->mac || !EVP_MAC_init(d->mac, d->wrapkey, sizeof(d->wrapkey),
				     params))
		return -EIO;
	d->gcm = EVP_CIPHER_CTX_new();
	if (!d->gcm || !EVP_CipherInit_ex2(d->gcm, fw->gcm, d->wrapkey, NULL,
					   1, NULL))
		return -EIO;
	return 0;
}

struct fw *fw_new(const struct fw_config *cfg)
{
	unsigned int i, j;
	struct fw *fw;
	int r;

	r = check_config(cfg);
	if (r) {
		errno = -r;
		return NULL;
	}
	fw = calloc(1, sizeof(*fw));
	if (!fw)
		return NULL;
	fw->cfg = *cfg;
	if (!fw->cfg.rsa_max_bits)
		fw->cfg.rsa_max_bits = FW_RSA_MAX_BITS;
	if (cfg->serial[0])
		memcpy(fw->serial, cfg->serial, EP11_SERIAL_LEN);
	else
		snprintf(fw->serial, sizeof(fw->serial), "EP11EMU0000000%02X",
			 cfg->card);
	pthread_mutex_init(&fw->lock, NULL);
	fw_key_cache_init(&fw->keys);
	if (fw_sessions_init(fw) || fetch_algorithms(fw)) {
		fw_log(fw, "cannot set up OpenSSL or memory");
		r = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < cfg->ndomains; i++) {
		r = load_domain(fw, &fw->dom[i], cfg->domains[i]);
		if (r)
			goto fail;
	}
	for (i = 0; i < fw_builtin_ngroups; i++) {
		for (j = 0; j < fw_builtin_groups[i]->n; j++) {
			r = fw_register(fw, &fw_builtin_groups[i]->fns[j]);
			if (r) {
				fw_log(fw, "cannot register function %u: %s",
				       fw_builtin_groups[i]->fns[j].fnid,
				       strerror(-r));
				goto fail;
			}
		}
	}
	return fw;
fail:
	fw_free(fw);
	errno = -r;
	return NULL;
}

void fw_free(struct fw *fw)
{
	unsigned int i;

	if (!fw)
		return;
	fw_key_cache_free(&fw->keys);
	for (i = 0; i < FW_MAX_DOMAINS; i++) {
		EVP_MAC_CTX_free(fw->dom[i].mac);
		EVP_CIPHER_CTX_free(fw->dom[i].gcm);
	}
	OPENSSL_cleanse(fw->dom, sizeof(fw->dom));
	if (fw->sessions)
		OPENSSL_cleanse(fw->sessions,
				fw->cfg.max_sessions * sizeof(*fw->sessions));
	free(fw->sessions);
	free(fw->index);
	free_algorithms(fw);
	pthread_mutex_destroy(&fw->lock);
	free(fw);
}

u8 fw_card(const struct fw *fw)
{
	return fw->cfg.card;
}

const char *fw_serial(const struct fw *fw)
{
	return fw->serial;
}

bool fw_has_domain(const struct fw *fw, u16 domain)
{
	return fw_domain_get(fw, domain);
}

int fw_wkid(const struct fw *fw, u16 domain, u8 wkid[EP11_WKID_LEN])
{
	const struct fw_domain *d = fw_domain_get(fw, domain);

	if (!d)
		return -ENOENT;
	memcpy(wkid, d->wkid, EP11_WKID_LEN);
	return 0;
}
