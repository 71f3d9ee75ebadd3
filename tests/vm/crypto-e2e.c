// SPDX-License-Identifier: GPL-2.0
/*
 * crypto-e2e: cryptography end to end through /dev/ep11sess and the
 * emulated card.  Requests are encoded with the shared codec and sent
 * with EP11SESS_IOC_SEND; for session-bound requests the kernel appends
 * the pin blob.  Each subcommand prints what it expected and what it got
 * on failure and exits non-zero.
 *
 *   crypto-e2e crypto APQN
 *	AES-256 key bound to a session, AES-GCM round trip, EC P-256 key
 *	pair, ECDSA-SHA256 signature verified by the card and by OpenSSL
 *	with the returned SubjectPublicKeyInfo, GenerateRandom unbound;
 *	after logout the bound keys give CKR_SESSION_CLOSED.
 *   crypto-e2e reclaim APQN
 *	a child logs in and makes a bound key; after the child is killed
 *	with SIGKILL, this process's use of the key gives
 *	CKR_SESSION_CLOSED.
 *   crypto-e2e failover APQN APQN CTL...
 *	a session on two domains of one card (sharing a wrapping key);
 *	requests to any APQN of the session, and bound requests to the
 *	domain that served them, fail over when that domain is taken
 *	offline with "CTL... offline DD"; the reply says which APQN served
 *	them; an unbound request to the offline domain gets ENODEV.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/ep11.h>
#include <linux/ep11sess.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ep11_wire.h"
#include "pkcs11_ids.h"
#include "vmtest.h"

#define PIN		"crypto-e2e-pin-1"
#define MAX_RES		4
#define MAX_BYTES	8192
/* How long the kernel may take to log out a killed process's session. */
#define RECLAIM_MS	10000
#define P256_PARAMS	"\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07"

/* A byte string: a parameter, a result, a key blob. */
struct bytes {
	u8 p[MAX_BYTES];
	size_t n;
};

static void put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void add(struct bytes *b, const void *p, size_t n)
{
	if (b->n + n > sizeof(b->p))
		vmt_die("test parameter too long");
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void add_u32(struct bytes *b, u32 v)
{
	u8 x[4];

	put_be32(x, v);
	add(b, x, 4);
}

/* A template attribute: u32 type, u32 length, value. */
static void attr(struct bytes *t, u32 type, const void *v, size_t n)
{
	add_u32(t, type);
	add_u32(t, n);
	add(t, v, n);
}

static void attr_u32(struct bytes *t, u32 type, u32 v)
{
	u8 x[4];

	put_be32(x, v);
	attr(t, type, x, 4);
}

/**
 * struct call - one request sent and its reply
 * @rc:     the card's return code
 * @served: the APQN that answered (from the ioctl)
 * @domain: the domain the reply names
 * @nres:   results in @res
 * @res:    the results
 */
struct call {
	u32 rc;
	struct ep11sess_apqn served;
	u32 domain;
	unsigned int nres;
	struct bytes res[MAX_RES];
};

static u8 req_buf[EP11_MAX_MSG_LEN], rep_buf[EP11_MAX_MSG_LEN];

/*
 * Sends function @fnid with @n parameters to @a (flags and handle as in
 * struct ep11sess_send).  Returns 0 when a reply came (filled into @c),
 * else -errno of the ioctl.
 */
static int send_fn(int fd, u32 flags, u32 handle, struct ep11sess_apqn a,
		   u16 fnid, unsigned int n, const struct bytes *const *params,
		   struct call *c)
{
	struct ep11sess_send s;
	struct ep11_wbuf b;
	struct ep11_msg m;
	const u8 *p;
	unsigned int i;
	size_t len;
	int r;

	ep11_wire_request_init(&b, req_buf, sizeof(req_buf), EP11_FN(fnid),
			       a.domain, 0);
	for (i = 0; i < n; i++)
		ep11_wire_put(&b, params[i]->p, params[i]->n);
	r = ep11_wire_finish(&b);
	if (r < 0)
		vmt_die("function %u does not encode: %d", fnid, r);
	vmt_send_init(&s, flags, handle, a, req_buf, r, rep_buf,
		      sizeof(rep_buf));
	if (ioctl(fd, EP11SESS_IOC_SEND, &s))
		return -errno;
	r = ep11_wire_parse_reply(rep_buf, s.rep_len, &m);
	if (r < 0)
		vmt_die("reply to function %u does not parse: %d", fnid, r);
	if (m.fn != EP11_FN(fnid))
		vmt_die("reply to function %u names function 0x%x", fnid, m.fn);
	if (m.fn_domain != m.domain)
		vmt_die("reply names domain 0x%x in the header and 0x%x in the payload",
			m.domain, m.fn_domain);
	memset(c, 0, sizeof(*c));
	c->rc = m.rc;
	c->served = s.apqn;
	c->domain = m.fn_domain;
	while (!ep11_wire_next(&m, &p, &len)) {
		if (c->nres == MAX_RES || len > MAX_BYTES)
			vmt_die("reply to function %u has too many or too long results",
				fnid);
		memcpy(c->res[c->nres].p, p, len);
		c->res[c->nres++].n = len;
	}
	return 0;
}

#define SEND(fd, flags, handle, a, fnid, c, ...)			\
	send_fn(fd, flags, handle, a, fnid,				\
		sizeof((const struct bytes *[]){ __VA_ARGS__ }) /	\
		sizeof(const struct bytes *),				\
		(const struct bytes *const[]){ __VA_ARGS__ }, c)

/* Sends and insists on a reply; returns the card's return code. */
#define CALL(fd, flags, handle, a, fnid, c, ...)			\
	({								\
		int _r = SEND(fd, flags, handle, a, fnid, c, __VA_ARGS__); \
		if (_r)							\
			vmt_die("send of function %u to %02x.%04x: %s",	\
				fnid, (a).card, (a).domain, strerror(-_r));	\
		(c)->rc;						\
	})

/* A private login on @n APQNs; returns the handle, fills @pubid. */
static u32 login(int fd, const struct ep11sess_apqn *a, unsigned int n,
		 u8 pubid[EP11_PUBLIC_ID_LEN])
{
	struct ep11sess_target t[EP11SESS_MAX_APQNS];
	struct ep11sess_login l;
	unsigned int i;

	vmt_login_init(&l, t, a, n, PIN);
	l.flags = EP11SESS_LOGIN_ALL_OR_NOTHING;
	if (ioctl(fd, EP11SESS_IOC_LOGIN, &l)) {
		int e = errno;

		for (i = 0; i < n; i++)
			fprintf(stderr, "  %02x.%04x: error %d rc 0x%x\n",
				t[i].apqn.card, t[i].apqn.domain, t[i].error,
				t[i].ep11_rc);
		vmt_die("login on %u APQN(s): %s", n, strerror(e));
	}
	memcpy(pubid, l.public_id, EP11_PUBLIC_ID_LEN);
	return l.handle;
}

static void logout(int fd, u32 handle)
{
	struct ep11sess_logout l = { .size = sizeof(l), .handle = handle };

	if (ioctl(fd, EP11SESS_IOC_LOGOUT, &l))
		vmt_die("logout of handle %u: %s", handle, strerror(errno));
}

static struct bytes *mech(u32 type, const void *param, size_t n)
{
	static struct bytes m;

	m.n = 0;
	add_u32(&m, type);
	add(&m, param, n);
	return &m;
}

static struct bytes *data(const void *p, size_t n)
{
	static struct bytes d;

	d.n = 0;
	add(&d, p, n);
	return &d;
}

static struct bytes *u32_param(u32 v)
{
	static struct bytes b;

	b.n = 0;
	add_u32(&b, v);
	return &b;
}

/* GenerateKey AES-256; @flags/@handle bind it to a session. */
static void gen_aes(int fd, u32 flags, u32 handle, struct ep11sess_apqn a,
		    struct bytes *blob)
{
	struct bytes t = { .n = 0 };
	struct call c;
	u32 rc;

	attr_u32(&t, CKA_VALUE_LEN, 32);
	rc = CALL(fd, flags, handle, a, EP11_FN_GENERATE_KEY, &c,
		  mech(CKM_AES_KEY_GEN, NULL, 0), &t);
	if (rc || c.nres != 1)
		vmt_die("GenerateKey AES-256: expected rc 0 and 1 result, got rc 0x%x and %u",
			rc, c.nres);
	*blob = c.res[0];
}

/* The CK_GCM_PARAMS of the round trip: 12-byte IV, 13 bytes AAD, 128. */
static struct bytes *gcm_mech(void)
{
	static const u8 iv[12] = "e2e-gcm-iv-1";
	static const char aad[] = "crypto-e2e-ad";
	struct bytes p = { .n = 0 };

	add_u32(&p, sizeof(iv));
	add(&p, iv, sizeof(iv));
	add_u32(&p, strlen(aad));
	add(&p, aad, strlen(aad));
	add_u32(&p, 128);
	return mech(CKM_AES_GCM, p.p, p.n);
}

static const char plain[] = "end to end through ep11sess.ko and the card";

/* EncryptSingle AES-GCM with @key; returns the card's rc. */
static u32 gcm_encrypt(int fd, u32 flags, u32 handle, struct ep11sess_apqn a,
		       const struct bytes *key, struct call *c)
{
	return CALL(fd, flags, handle, a, EP11_FN_ENCRYPT_SINGLE, c,
		    gcm_mech(), key, data(plain, strlen(plain)));
}

/* AES-GCM: encrypt, decrypt, the plaintext back; a changed tag fails. */
static void gcm_round_trip(int fd, u32 flags, u32 handle,
			   struct ep11sess_apqn a, const struct bytes *key)
{
	struct bytes ct;
	struct call c;
	u32 rc;

	rc = gcm_encrypt(fd, flags, handle, a, key, &c);
	if (rc || c.nres != 1 || c.res[0].n != strlen(plain) + 16) {
		vmt_fail("EncryptSingle AES-GCM: expected rc 0 and %zu bytes, got rc 0x%x, %u result(s) of %zu bytes",
			 strlen(plain) + 16, rc, c.nres, c.nres ? c.res[0].n : 0);
		return;
	}
	ct = c.res[0];
	if (!memcmp(ct.p, plain, strlen(plain)))
		vmt_fail("EncryptSingle AES-GCM: expected ciphertext, got the plaintext");
	rc = CALL(fd, flags, handle, a, EP11_FN_DECRYPT_SINGLE, &c,
		  gcm_mech(), key, &ct);
	if (rc || c.nres != 1 || c.res[0].n != strlen(plain) ||
	    memcmp(c.res[0].p, plain, strlen(plain)))
		vmt_fail("DecryptSingle AES-GCM: expected rc 0 and the plaintext back, got rc 0x%x and %zu bytes",
			 rc, c.nres ? c.res[0].n : 0);
	ct.p[ct.n - 1] ^= 1;
	rc = CALL(fd, flags, handle, a, EP11_FN_DECRYPT_SINGLE, &c,
		  gcm_mech(), key, &ct);
	if (rc != EP11_CKR_ENCRYPTED_DATA_INVALID)
		vmt_fail("DecryptSingle AES-GCM with a changed tag: expected rc 0x%x, got 0x%x",
			 EP11_CKR_ENCRYPTED_DATA_INVALID, rc);
}

/* OpenSSL's verdict on a PKCS#11 ECDSA signature (r | s) of @msg. */
static int openssl_verify(const struct bytes *spki, const void *msg,
			  size_t len, const struct bytes *sig)
{
	const unsigned char *p = spki->p;
	EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, spki->n);
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r, *s;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	int der_len, ok = -1;

	if (!pkey || !es || !ctx || sig->n != 64) {
		fprintf(stderr, "  OpenSSL: no key from the SPKI of %zu bytes, or a signature of %zu bytes\n",
			spki->n, sig->n);
		goto out;
	}
	r = BN_bin2bn(sig->p, 32, NULL);
	s = BN_bin2bn(sig->p + 32, 32, NULL);
	if (!r || !s || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		goto out;
	}
	der_len = i2d_ECDSA_SIG(es, &der);
	if (der_len <= 0 ||
	    EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey) != 1)
		goto out;
	ok = EVP_DigestVerify(ctx, der, der_len, msg, len) == 1;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	ECDSA_SIG_free(es);
	EVP_PKEY_free(pkey);
	return ok;
}

/* EC P-256 pair, ECDSA-SHA256 signed and verified by card and OpenSSL. */
static void ecdsa(int fd, u32 flags, u32 handle, struct ep11sess_apqn a,
		  const u8 *pubid, struct bytes *priv, struct bytes *pub)
{
	static const char msg[] = "signed by the card, checked by OpenSSL";
	struct bytes pt = { .n = 0 }, st = { .n = 0 }, spki, sig, bad;
	struct call c;
	u32 rc;

	attr(&pt, CKA_EC_PARAMS, P256_PARAMS, sizeof(P256_PARAMS) - 1);
	rc = CALL(fd, flags, handle, a, EP11_FN_GENERATE_KEY_PAIR, &c,
		  mech(CKM_EC_KEY_PAIR_GEN, NULL, 0), &pt, &st);
	if (rc || c.nres != 3)
		vmt_die("GenerateKeyPair EC P-256: expected rc 0 and 3 results, got rc 0x%x and %u",
			rc, c.nres);
	*priv = c.res[0];
	*pub = c.res[1];
	spki = c.res[2];
	if (memcmp(priv->p, pubid, EP11_PUBLIC_ID_LEN) ||
	    memcmp(pub->p, pubid, EP11_PUBLIC_ID_LEN))
		vmt_fail("GenerateKeyPair: expected both blobs bound to the session");
	rc = CALL(fd, flags, handle, a, EP11_FN_SIGN_SINGLE, &c,
		  mech(CKM_ECDSA_SHA256, NULL, 0), priv,
		  data(msg, strlen(msg)));
	if (rc || c.nres != 1 || c.res[0].n != 64)
		vmt_die("SignSingle ECDSA-SHA256: expected rc 0 and 64 bytes, got rc 0x%x and %zu bytes",
			rc, c.nres ? c.res[0].n : 0);
	sig = c.res[0];
	rc = CALL(fd, flags, handle, a, EP11_FN_VERIFY_SINGLE, &c,
		  mech(CKM_ECDSA_SHA256, NULL, 0), pub, data(msg, strlen(msg)),
		  &sig);
	if (rc)
		vmt_fail("VerifySingle ECDSA-SHA256 of the card's signature: expected rc 0, got 0x%x",
			 rc);
	if (openssl_verify(&spki, msg, strlen(msg), &sig) != 1)
		vmt_fail("OpenSSL: expected the card's signature to verify with the returned SPKI");
	bad = sig;
	bad.p[5] ^= 0x40;
	rc = CALL(fd, flags, handle, a, EP11_FN_VERIFY_SINGLE, &c,
		  mech(CKM_ECDSA_SHA256, NULL, 0), pub, data(msg, strlen(msg)),
		  &bad);
	if (rc != EP11_CKR_SIGNATURE_INVALID)
		vmt_fail("VerifySingle of a changed signature: expected rc 0x%x, got 0x%x",
			 EP11_CKR_SIGNATURE_INVALID, rc);
	if (openssl_verify(&spki, msg, strlen(msg), &bad) != 0)
		vmt_fail("OpenSSL: expected a changed signature to fail");
}

/* A key blob's use must give CKR_SESSION_CLOSED. */
static void expect_closed(int fd, struct ep11sess_apqn a,
			  const struct bytes *aes, const char *what)
{
	struct call c;
	u32 rc = gcm_encrypt(fd, 0, 0, a, aes, &c);

	if (rc != EP11_CKR_SESSION_CLOSED)
		vmt_fail("%s: expected rc 0x%x (CKR_SESSION_CLOSED), got 0x%x",
			 what, EP11_CKR_SESSION_CLOSED, rc);
}

static int cmd_crypto(struct ep11sess_apqn a)
{
	const u32 bound = EP11SESS_SEND_SESSION;
	struct bytes aes, priv, pub, r1;
	u8 pubid[EP11_PUBLIC_ID_LEN];
	struct call c;
	int fd = vmt_open_dev(), r;
	u32 h, rc;

	h = login(fd, &a, 1, pubid);
	gen_aes(fd, bound, h, a, &aes);
	if (aes.n < EP11_SESSION_ID_LEN || memcmp(aes.p, pubid, sizeof(pubid)))
		vmt_fail("GenerateKey bound to the session: expected the blob to begin with the public id");
	gcm_round_trip(fd, bound, h, a, &aes);
	/* Unbound use of a bound key works while the session is live. */
	rc = gcm_encrypt(fd, 0, 0, a, &aes, &c);
	if (rc)
		vmt_fail("EncryptSingle unbound with the live session's key: expected rc 0, got 0x%x",
			 rc);
	ecdsa(fd, bound, h, a, pubid, &priv, &pub);

	rc = CALL(fd, 0, 0, a, EP11_FN_GENERATE_RANDOM, &c, u32_param(32));
	if (rc || c.nres != 1 || c.res[0].n != 32)
		vmt_fail("GenerateRandom(32) unbound: expected rc 0 and 32 bytes, got rc 0x%x and %zu bytes",
			 rc, c.nres ? c.res[0].n : 0);
	r1 = c.res[0];
	rc = CALL(fd, 0, 0, a, EP11_FN_GENERATE_RANDOM, &c, u32_param(32));
	if (rc || c.nres != 1 || !memcmp(r1.p, c.res[0].p, 32))
		vmt_fail("GenerateRandom twice: expected two different answers");

	logout(fd, h);
	r = SEND(fd, bound, h, a, EP11_FN_GENERATE_RANDOM, &c, u32_param(8));
	if (r != -ENOENT)
		vmt_fail("send bound to a logged-out handle: expected ENOENT, got %s",
			 r ? strerror(-r) : "success");
	expect_closed(fd, a, &aes, "AES key of the logged-out session");
	rc = CALL(fd, 0, 0, a, EP11_FN_SIGN_SINGLE, &c,
		  mech(CKM_ECDSA_SHA256, NULL, 0), &priv, data("x", 1));
	if (rc != EP11_CKR_SESSION_CLOSED)
		vmt_fail("SignSingle with the logged-out session's key: expected rc 0x%x, got 0x%x",
			 EP11_CKR_SESSION_CLOSED, rc);
	close(fd);
	if (!vmt_failed)
		printf("crypto %02x.%04x: ok\n", a.card, a.domain);
	return vmt_failed;
}

static int cmd_reclaim(struct ep11sess_apqn a)
{
	struct bytes aes;
	u8 pubid[EP11_PUBLIC_ID_LEN];
	struct timespec t0, t1;
	struct call c;
	int p[2], fd, st;
	size_t got = 0;
	ssize_t n;
	pid_t pid;
	long ms;
	u32 rc;

	pid = vmt_fork_piped(p);
	if (!pid) {
		int cfd = vmt_open_dev();
		u32 h = login(cfd, &a, 1, pubid);

		gen_aes(cfd, EP11SESS_SEND_SESSION, h, a, &aes);
		if (write(p[1], &aes.n, sizeof(aes.n)) != sizeof(aes.n) ||
		    write(p[1], aes.p, aes.n) != (ssize_t)aes.n)
			vmt_die("child: write: %s", strerror(errno));
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &aes.n, sizeof(aes.n)) != sizeof(aes.n) ||
	    aes.n > sizeof(aes.p))
		vmt_die("expected a key blob from the child, got none");
	while (got < aes.n) {
		n = read(p[0], aes.p + got, aes.n - got);
		if (n <= 0)
			vmt_die("expected %zu bytes of key blob, got %zu", aes.n,
				got);
		got += n;
	}
	close(p[0]);

	fd = vmt_open_dev();
	rc = gcm_encrypt(fd, 0, 0, a, &aes, &c);
	if (rc)
		vmt_fail("another process's use of the live session's key: expected rc 0, got 0x%x",
			 rc);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kill(pid, SIGKILL);
	if (waitpid(pid, &st, 0) != pid || !WIFSIGNALED(st))
		vmt_die("expected the child killed by SIGKILL");
	/*
	 * The dead process's file is released before waitpid() returns, and
	 * release() waits a bounded time for the logout; allow the same
	 * bound again for a slow machine before calling it a leak.
	 */
	do {
		rc = gcm_encrypt(fd, 0, 0, a, &aes, &c);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1000 +
		     (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (rc != EP11_CKR_SESSION_CLOSED)
			usleep(50000);
	} while (rc != EP11_CKR_SESSION_CLOSED && ms < RECLAIM_MS);
	if (rc != EP11_CKR_SESSION_CLOSED)
		vmt_fail("key of the killed process's session, %ld ms after SIGKILL: expected rc 0x%x (CKR_SESSION_CLOSED), got 0x%x",
			 ms, EP11_CKR_SESSION_CLOSED, rc);
	close(fd);
	if (!vmt_failed)
		printf("reclaim %02x.%04x: ok, session closed %ld ms after SIGKILL\n",
		       a.card, a.domain, ms);
	return vmt_failed;
}

/* Runs CTL... WHAT DD (the emulator's control command). */
static void ctl(char **argv, int argc, const char *what, u16 domain)
{
	char dom[8], *args[32];
	int i, st;
	pid_t pid;

	if (argc > 28)
		vmt_die("control command too long");
	for (i = 0; i < argc; i++)
		args[i] = argv[i];
	snprintf(dom, sizeof(dom), "%02x", domain);
	args[argc] = (char *)what;
	args[argc + 1] = dom;
	args[argc + 2] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		vmt_die("fork: %s", strerror(errno));
	if (!pid) {
		execvp(args[0], args);
		fprintf(stderr, "exec %s: %s\n", args[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		vmt_die("'%s ... %s %s' failed (status 0x%x)", args[0], what, dom,
			st);
}

static int cmd_failover(struct ep11sess_apqn a[2], char **ctl_argv,
			int ctl_argc)
{
	const u32 any = EP11SESS_SEND_SESSION | EP11SESS_SEND_ANY_APQN;
	struct ep11sess_apqn first, none = { 0 };
	u8 pubid[EP11_PUBLIC_ID_LEN];
	struct bytes aes;
	struct call c;
	int fd = vmt_open_dev(), r;
	u32 h, rc;

	h = login(fd, a, 2, pubid);
	/* Before: the first live APQN serves. */
	gen_aes(fd, any, h, none, &aes);
	rc = gcm_encrypt(fd, any, h, none, &aes, &c);
	first = c.served;
	if (rc || first.card != a[0].card ||
	    (first.domain != a[0].domain && first.domain != a[1].domain))
		vmt_die("send to any APQN: expected rc 0 from one of the session's APQNs, got rc 0x%x from %02x.%04x",
			rc, first.card, first.domain);
	if (c.domain != first.domain)
		vmt_fail("reply names domain 0x%x, expected 0x%x", c.domain,
			 first.domain);

	ctl(ctl_argv, ctl_argc, "offline", first.domain);
	rc = gcm_encrypt(fd, any, h, none, &aes, &c);
	if (rc || c.served.card != first.card ||
	    c.served.domain == first.domain)
		vmt_fail("send to any APQN with %02x.%04x offline: expected rc 0 from the other APQN, got rc 0x%x from %02x.%04x",
			 first.card, first.domain, rc, c.served.card,
			 c.served.domain);
	if (c.domain != c.served.domain)
		vmt_fail("reply after fail-over names domain 0x%x, expected 0x%x",
			 c.domain, c.served.domain);
	/* The round trip on the survivor, the key made before fail-over. */
	gcm_round_trip(fd, any, h, none, &aes);
	/* A bound request aimed at the offline APQN fails over too ... */
	r = SEND(fd, EP11SESS_SEND_SESSION, h, first,
		 EP11_FN_GENERATE_RANDOM, &c, u32_param(8));
	if (r || c.rc || c.served.domain == first.domain ||
	    c.domain != c.served.domain)
		vmt_fail("bound send to the offline APQN %02x.%04x: expected rc 0 from the other APQN, got %s rc 0x%x from %02x.%04x",
			 first.card, first.domain, r ? strerror(-r) : "",
			 c.rc, c.served.card, c.served.domain);
	/* ... an unbound one has nowhere else to go. */
	r = SEND(fd, 0, 0, first, EP11_FN_GENERATE_RANDOM, &c,
		 u32_param(8));
	if (r != -ENODEV)
		vmt_fail("unbound send to the offline APQN %02x.%04x: expected ENODEV, got %s",
			 first.card, first.domain, r ? strerror(-r) : "a reply");

	ctl(ctl_argv, ctl_argc, "online", first.domain);
	r = SEND(fd, EP11SESS_SEND_SESSION, h, first,
		 EP11_FN_GENERATE_RANDOM, &c, u32_param(8));
	if (r || c.rc || c.served.domain != first.domain)
		vmt_fail("send to %02x.%04x back online: expected rc 0 from it, got %s rc 0x%x from %02x.%04x",
			 first.card, first.domain, r ? strerror(-r) : "",
			 c.rc, c.served.card, c.served.domain);
	logout(fd, h);
	close(fd);
	if (!vmt_failed)
		printf("failover: ok, %02x.%04x then %02x.%04x\n", first.card,
		       first.domain, first.card,
		       first.domain == a[0].domain ? a[1].domain :
		       a[0].domain);
	return vmt_failed;
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: crypto-e2e crypto APQN\n"
		"       crypto-e2e reclaim APQN\n"
		"       crypto-e2e failover APQN APQN CTL...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct ep11sess_apqn a[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "crypto"))
		return cmd_crypto(vmt_apqn(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "reclaim"))
		return cmd_reclaim(vmt_apqn(argv[2]));
	if (argc >= 5 && !strcmp(argv[1], "failover")) {
		a[0] = vmt_apqn(argv[2]);
		a[1] = vmt_apqn(argv[3]);
		if (a[0].card != a[1].card || a[0].domain == a[1].domain)
			vmt_die("failover needs two domains of one card");
		return cmd_failover(a, argv + 4, argc - 4);
	}
	usage();
}
