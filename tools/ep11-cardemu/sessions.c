// SPDX-License-Identifier: GPL-2.0
/*
 * Login sessions: the card's session table (one budget for all its
 * domains), pin blobs, and the Login and Logout functions.
 *
 * session id = HMAC-SHA256(wrapping key, label | len | PIN | len | nonce)
 * salt       = HMAC-SHA256(wrapping key, label | session id), 16 bytes
 * MAC        = HMAC-SHA256(wrapping key, label | session id | salt)
 * pin blob   = session id (32) | salt (16) | MAC (32)
 *
 * Everything is derived, so the same PIN and nonce give the same pin blob
 * on every card with the same wrapping key, and a repeated Login finds
 * the session already in the table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "card.h"

static const char label_id[] = "ep11-cardemu session id";
static const char label_salt[] = "ep11-cardemu pin blob salt";
static const char label_mac[] = "ep11-cardemu pin blob mac";

#define SALT_OFF	EP11_SESSION_ID_LEN
#define MAC_OFF		(EP11_SESSION_ID_LEN + EP11_PINBLOB_SALT_LEN)

static int blob_mac(const struct fw_domain *d, const u8 *blob,
		    u8 mac[EP11_PINBLOB_MAC_LEN])
{
	const struct fw_buf in[] = {
		{ label_mac, sizeof(label_mac) },
		{ blob, MAC_OFF },
	};

	return fw_hmac(d, in, 2, mac);
}

static int make_pinblob(const struct fw_domain *d, const u8 *pin,
			size_t pin_len, const u8 *nonce, size_t nonce_len,
			u8 blob[EP11_PINBLOB_LEN])
{
	u8 plen = pin_len, nlen = nonce_len, salt[32];
	const struct fw_buf id_in[] = {
		{ label_id, sizeof(label_id) },
		{ &plen, 1 }, { pin, pin_len },
		{ &nlen, 1 }, { nonce, nonce_len },
	};
	const struct fw_buf salt_in[] = {
		{ label_salt, sizeof(label_salt) },
		{ blob, EP11_SESSION_ID_LEN },
	};

	if (fw_hmac(d, id_in, 5, blob) || fw_hmac(d, salt_in, 2, salt))
		return -1;
	memcpy(blob + SALT_OFF, salt, EP11_PINBLOB_SALT_LEN);
	return blob_mac(d, blob, blob + MAC_OFF);
}

int fw_sessions_init(struct fw *fw)
{
	unsigned int i;

	fw->nindex = 16;
	while (fw->nindex < fw->cfg.max_sessions)
		fw->nindex *= 2;
	fw->sessions = calloc(fw->cfg.max_sessions, sizeof(*fw->sessions));
	fw->index = malloc(fw->nindex * sizeof(*fw->index));
	if (!fw->sessions || !fw->index)
		return -ENOMEM;
	for (i = 0; i < fw->nindex; i++)
		fw->index[i] = -1;
	return 0;
}

/*
 * The chain of a session in the index.  Session ids are HMAC outputs, so
 * their first bytes spread the sessions evenly.
 */
static int *chain(struct fw *fw, u16 domain, const u8 *id)
{
	u32 h = (u32)id[0] << 24 | (u32)id[1] << 16 | (u32)id[2] << 8 | id[3];

	return &fw->index[(h ^ domain) & (fw->nindex - 1)];
}

/* Caller holds fw->lock. */
static struct fw_session *find(struct fw *fw, u16 domain, const u8 *id)
{
	int i;

	for (i = *chain(fw, domain, id); i >= 0; i = fw->sessions[i].next) {
		struct fw_session *s = &fw->sessions[i];

		if (s->domain == domain &&
		    !CRYPTO_memcmp(s->pinblob, id, EP11_SESSION_ID_LEN))
			return s;
	}
	return NULL;
}

/* Takes @s out of the index; caller holds fw->lock. */
static void unlink_session(struct fw *fw, struct fw_session *s)
{
	int *p = chain(fw, s->domain, s->pinblob);

	while (*p >= 0 && &fw->sessions[*p] != s)
		p = &fw->sessions[*p].next;
	if (*p >= 0)
		*p = s->next;
}

u32 fw_session_login(struct fw *fw, u16 domain, const u8 *pin,
		     size_t pin_len, const u8 *nonce, size_t nonce_len,
		     u8 pinblob[EP11_PINBLOB_LEN])
{
	const struct fw_domain *d = fw_domain_get(fw, domain);
	u8 blob[EP11_PINBLOB_LEN];
	struct fw_session *s;
	unsigned int i;
	u32 rc = EP11_CKR_OK;

	if (!d || nonce_len > EP11_NONCE_MAX_LEN)
		return EP11_CKR_ARGUMENTS_BAD;
	if (pin_len < EP11_PIN_MIN_LEN || pin_len > EP11_PIN_MAX_LEN)
		return EP11_CKR_PIN_LEN_RANGE;
	if (fw_roll(fw->cfg.login_fail_rate))
		return EP11_CKR_DEVICE_ERROR;
	if (make_pinblob(d, pin, pin_len, nonce, nonce_len, blob))
		return EP11_CKR_DEVICE_ERROR;

	pthread_mutex_lock(&fw->lock);
	s = find(fw, domain, blob);
	if (!s && fw->nsessions + fw->nforeign >= fw->cfg.max_sessions) {
		rc = EP11_CKR_SESSION_COUNT;
		goto out;
	}
	for (i = 0; !s && i < fw->cfg.max_sessions; i++) {
		if (!fw->sessions[i].used) {
			int *head = chain(fw, domain, blob);

			s = &fw->sessions[i];
			s->used = true;
			s->domain = domain;
			memcpy(s->pinblob, blob, sizeof(blob));
			s->next = *head;
			*head = i;
			fw->nsessions++;
		}
	}
	memcpy(pinblob, s->pinblob, EP11_PINBLOB_LEN);
out:
	pthread_mutex_unlock(&fw->lock);
	OPENSSL_cleanse(blob, sizeof(blob));
	return rc;
}

/*
 * Whether @pinblob is, byte for byte, the pin blob the card made for a
 * session logged in on @domain.  Salt and MAC follow from the session id,
 * so exactly the blobs whose MAC checks out and whose session is logged
 * in match: the comparison answers as the MAC would, without computing
 * it.
 */
static bool is_active_pinblob(struct fw *fw, u16 domain,
			      const u8 pinblob[EP11_PINBLOB_LEN])
{
	struct fw_session *s;
	bool same;

	pthread_mutex_lock(&fw->lock);
	s = find(fw, domain, pinblob);
	same = s && !CRYPTO_memcmp(s->pinblob, pinblob, EP11_PINBLOB_LEN);
	pthread_mutex_unlock(&fw->lock);
	return same;
}

u32 fw_session_verify(struct fw *fw, u16 domain,
		      const u8 pinblob[EP11_PINBLOB_LEN],
		      u8 session[EP11_SESSION_ID_LEN])
{
	const struct fw_domain *d = fw_domain_get(fw, domain);
	u8 mac[EP11_PINBLOB_MAC_LEN];

	if (!d)
		return EP11_CKR_ARGUMENTS_BAD;
	if (is_active_pinblob(fw, domain, pinblob)) {
		memcpy(session, pinblob, EP11_SESSION_ID_LEN);
		return EP11_CKR_OK;
	}
	if (blob_mac(d, pinblob, mac))
		return EP11_CKR_DEVICE_ERROR;
	if (CRYPTO_memcmp(mac, pinblob + MAC_OFF, sizeof(mac)))
		return EP11_CKR_IBM_BLOB_ERROR;
	if (!fw_session_active(fw, domain, pinblob))
		return EP11_CKR_SESSION_CLOSED;
	memcpy(session, pinblob, EP11_SESSION_ID_LEN);
	return EP11_CKR_OK;
}

bool fw_session_active(struct fw *fw, u16 domain,
		       const u8 session[EP11_SESSION_ID_LEN])
{
	bool found;

	pthread_mutex_lock(&fw->lock);
	found = find(fw, domain, session);
	pthread_mutex_unlock(&fw->lock);
	return found;
}

u32 fw_session_logout(struct fw *fw, u16 domain,
		      const u8 pinblob[EP11_PINBLOB_LEN])
{
	const struct fw_domain *d = fw_domain_get(fw, domain);
	u8 mac[EP11_PINBLOB_MAC_LEN];
	struct fw_session *s;
	u32 rc = EP11_CKR_OK;

	if (!d)
		return EP11_CKR_ARGUMENTS_BAD;
	if (blob_mac(d, pinblob, mac))
		return EP11_CKR_DEVICE_ERROR;
	if (CRYPTO_memcmp(mac, pinblob + MAC_OFF, sizeof(mac)))
		return EP11_CKR_IBM_BLOB_ERROR;
	pthread_mutex_lock(&fw->lock);
	s = find(fw, domain, pinblob);
	if (s) {
		unlink_session(fw, s);
		OPENSSL_cleanse(s, sizeof(*s));
		fw->nsessions--;
	} else {
		rc = EP11_CKR_SESSION_CLOSED;
	}
	pthread_mutex_unlock(&fw->lock);
	/* Its keys leave the card's memory with it. */
	if (rc == EP11_CKR_OK)
		fw_key_cache_drop_session(&fw->keys, domain, pinblob);
	return rc;
}

void fw_session_counts(struct fw *fw, unsigned int *max,
		       unsigned int *avail)
{
	pthread_mutex_lock(&fw->lock);
	*max = fw->cfg.max_sessions;
	*avail = fw->cfg.max_sessions - fw->nsessions - fw->nforeign;
	pthread_mutex_unlock(&fw->lock);
}

int fw_foreign_login(struct fw *fw, unsigned int n)
{
	int ret = 0;

	pthread_mutex_lock(&fw->lock);
	if (n > fw->cfg.max_sessions - fw->nsessions - fw->nforeign)
		ret = -ENOSPC;
	else
		fw->nforeign += n;
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

int fw_foreign_logout(struct fw *fw, unsigned int n)
{
	int ret = 0;

	pthread_mutex_lock(&fw->lock);
	if (n > fw->nforeign)
		ret = -ENOENT;
	else
		fw->nforeign -= n;
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

unsigned int fw_foreign_count(struct fw *fw)
{
	unsigned int n;

	pthread_mutex_lock(&fw->lock);
	n = fw->nforeign;
	pthread_mutex_unlock(&fw->lock);
	return n;
}

/* Login: (PIN, nonce) -> (pin blob). */
static u32 login(struct fw_req *req, struct ep11_wbuf *rep)
{
	u8 blob[EP11_PINBLOB_LEN];
	u32 rc;

	rc = fw_session_login(req->fw, req->domain, req->param[0].p,
			      req->param[0].n, req->param[1].p,
			      req->param[1].n, blob);
	if (rc == EP11_CKR_OK)
		ep11_wire_put(rep, blob, sizeof(blob));
	OPENSSL_cleanse(blob, sizeof(blob));
	return rc;
}

/* Logout: (pin blob) -> (). */
static u32 logout(struct fw_req *req, struct ep11_wbuf *rep)
{
	if (req->param[0].n != EP11_PINBLOB_LEN)
		return EP11_CKR_ARGUMENTS_BAD;
	return fw_session_logout(req->fw, req->domain, req->param[0].p);
}

static const struct fw_fn session_fns[] = {
	{ EP11_FN_LOGIN, login },
	{ EP11_FN_LOGOUT, logout },
};

const struct fw_fn_group fw_group_session = FW_FN_GROUP(session_fns);
