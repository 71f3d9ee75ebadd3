// SPDX-License-Identifier: GPL-2.0
/*
 * fw-bench: the firmware's own cost per request, without the kernel or
 * the vcard in the way.  Starts a card on a throw-away state directory,
 * logs in, makes a session-bound ECDSA P-256 key pair and AES-256 key
 * the way the host does, then sends the same request to fw_handle() N
 * times per function and prints the microseconds one request takes.
 * Every reply is checked: a benchmark of error replies would measure
 * nothing.
 *
 *   fw-bench [-n N] [-t THREADS] [-s SESSIONS] [FUNCTION...]
 *
 * FUNCTION is sign, sign-miss (512 different key blobs in turn), verify,
 * encrypt, random, getattr or login; all of them by default.  With -t the
 * requests are shared out over THREADS threads on one card and the
 * figure is wall time per request.  With -s that many other sessions are
 * logged in first, on a card with room for them (as a loaded card would
 * be).  Built, not installed: run it from
 * the build folder, under perf record to see where the time goes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "firmware.h"
#include "pkcs11_ids.h"

#define DOM		0x24
#define MISS_KEYS	512
#define MAX_THREADS	64

/* A byte string: a parameter, a result, a key blob. */
struct bytes {
	u8 p[FW_MAX_BLOB_LEN];
	size_t n;
};

/* One encoded request, sent as it is every time. */
struct request {
	u8 buf[EP11_MAX_MSG_LEN];
	size_t len;
};

static struct fw *card;
static u8 pinblob[EP11_PINBLOB_LEN];

static void die(const char *what)
{
	fprintf(stderr, "fw-bench: %s\n", what);
	exit(1);
}

static void put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void add(struct bytes *b, const void *p, size_t n)
{
	if (n > sizeof(b->p) - b->n)
		die("a parameter does not fit");
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void add_u32(struct bytes *b, u32 v)
{
	u8 be[4];

	put_be32(be, v);
	add(b, be, 4);
}

static void add_attr(struct bytes *t, u32 type, const void *v, size_t n)
{
	add_u32(t, type);
	add_u32(t, n);
	add(t, v, n);
}

/* Encodes function @fnid with @n parameters and the session's pin blob. */
static void encode(struct request *rq, u16 fnid, unsigned int n,
		   const struct bytes *const *params)
{
	struct ep11_wbuf b;
	unsigned int i;
	int r;

	ep11_wire_request_init(&b, rq->buf, sizeof(rq->buf), EP11_FN(fnid),
			       DOM, 0);
	for (i = 0; i < n; i++)
		ep11_wire_put(&b, params[i]->p, params[i]->n);
	ep11_wire_put(&b, pinblob, sizeof(pinblob));
	r = ep11_wire_finish(&b);
	if (r < 0)
		die("a request does not encode");
	rq->len = r;
}

#define ENCODE(rq, fnid, ...)						\
	encode(rq, fnid, sizeof((const struct bytes *[]){ __VA_ARGS__ }) / \
	       sizeof(const struct bytes *),				\
	       (const struct bytes *const[]){ __VA_ARGS__ })

/*
 * Sends @rq and reads the reply; its results land in @res (up to @nres).
 * Returns the reply's return code, or 0xffffffff when it does not parse.
 */
static u32 run(const struct request *rq, u8 *rep, size_t cap,
	       struct bytes *res, unsigned int nres)
{
	struct ep11_msg m;
	unsigned int i = 0;
	const u8 *p;
	size_t len;
	int r;

	r = fw_handle(card, DOM, rq->buf, rq->len, rep, cap);
	if (r < 0 || ep11_wire_parse_reply(rep, r, &m))
		return 0xffffffff;
	while (i < nres && !ep11_wire_next(&m, &p, &len)) {
		res[i].n = 0;
		add(&res[i++], p, len);
	}
	return m.rc;
}

static struct bytes *mech(u32 type, const struct bytes *param)
{
	static struct bytes m;

	m.n = 0;
	add_u32(&m, type);
	if (param)
		add(&m, param->p, param->n);
	return &m;
}

/* GenerateKeyPair of a session-bound P-256 key pair: private, public. */
static void gen_p256(struct bytes *priv, struct bytes *pub)
{
	static const u8 p256[] = {
		0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
	};
	static u8 rep[EP11_MAX_MSG_LEN];
	struct bytes pt = { .n = 0 }, st = { .n = 0 }, res[3];
	struct request rq;
	u8 t = 1;

	add_attr(&pt, CKA_EC_PARAMS, p256, sizeof(p256));
	add_attr(&pt, CKA_VERIFY, &t, 1);
	add_attr(&st, CKA_SIGN, &t, 1);
	ENCODE(&rq, EP11_FN_GENERATE_KEY_PAIR,
	       mech(CKM_EC_KEY_PAIR_GEN, NULL), &pt, &st);
	if (run(&rq, rep, sizeof(rep), res, 3))
		die("GenerateKeyPair of a P-256 key pair failed");
	*priv = res[0];
	*pub = res[1];
}

/* GenerateKey of a session-bound AES-256 key. */
static void gen_aes(struct bytes *key)
{
	static u8 rep[EP11_MAX_MSG_LEN];
	struct bytes t = { .n = 0 };
	struct request rq;
	u8 len[4];

	put_be32(len, 32);
	add_attr(&t, CKA_VALUE_LEN, len, 4);
	ENCODE(&rq, EP11_FN_GENERATE_KEY, mech(CKM_AES_KEY_GEN, NULL), &t);
	if (run(&rq, rep, sizeof(rep), key, 1))
		die("GenerateKey of an AES-256 key failed");
}

/**
 * struct bench - one function to measure
 * @name: as given on the command line
 * @what: what one request does
 * @rq:   its requests, sent in turn
 * @nrq:  entries in @rq
 */
struct bench {
	const char *name;
	const char *what;
	struct request *rq;
	unsigned int nrq;
};

/* A login request: Login takes no pin blob, so it is encoded here. */
static void encode_login(struct request *rq)
{
	struct ep11_wbuf b;
	int r;

	ep11_wire_request_init(&b, rq->buf, sizeof(rq->buf),
			       EP11_FN(EP11_FN_LOGIN), DOM, 0);
	ep11_wire_put(&b, "12345678", 8);
	ep11_wire_put(&b, "fw-bench", 8);
	r = ep11_wire_finish(&b);
	if (r < 0)
		die("a request does not encode");
	rq->len = r;
}

static void setup(struct bench *b, unsigned int nb)
{
	static const u8 digest[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static u8 rep[EP11_MAX_MSG_LEN];
	struct bytes *priv, pub, aes, data, sig, gcm, list;
	unsigned int i;

	priv = calloc(MISS_KEYS, sizeof(*priv));
	for (i = 0; priv && i < nb; i++) {
		b[i].rq = calloc(!strcmp(b[i].name, "sign-miss") ? MISS_KEYS :
				 1, sizeof(*b[i].rq));
		if (!b[i].rq)
			priv = NULL;
	}
	if (!priv)
		die("out of memory");
	gen_p256(&priv[0], &pub);
	gen_aes(&aes);
	data.n = 0;
	add(&data, digest, sizeof(digest));

	for (i = 0; i < nb; i++) {
		struct bench *e = &b[i];

		e->nrq = 1;
		if (!strcmp(e->name, "sign")) {
			e->what = "SignSingle ECDSA P-256, 32-byte digest";
			ENCODE(e->rq, EP11_FN_SIGN_SINGLE,
			       mech(CKM_ECDSA, NULL), &priv[0], &data);
		} else if (!strcmp(e->name, "sign-miss")) {
			struct bytes other;
			unsigned int k;

			e->what = "SignSingle ECDSA P-256, 512 keys in turn";
			e->nrq = MISS_KEYS;
			for (k = 1; k < MISS_KEYS; k++)
				gen_p256(&priv[k], &other);
			for (k = 0; k < MISS_KEYS; k++)
				ENCODE(&e->rq[k], EP11_FN_SIGN_SINGLE,
				       mech(CKM_ECDSA, NULL), &priv[k], &data);
		} else if (!strcmp(e->name, "verify")) {
			struct request s;

			e->what = "VerifySingle ECDSA P-256, 32-byte digest";
			ENCODE(&s, EP11_FN_SIGN_SINGLE,
			       mech(CKM_ECDSA, NULL), &priv[0], &data);
			if (run(&s, rep, sizeof(rep), &sig, 1))
				die("SignSingle failed");
			ENCODE(e->rq, EP11_FN_VERIFY_SINGLE,
			       mech(CKM_ECDSA, NULL), &pub, &data, &sig);
		} else if (!strcmp(e->name, "encrypt")) {
			u8 iv[12] = { 9 };

			e->what = "EncryptSingle AES-256-GCM, 64 bytes";
			gcm.n = 0;
			add_u32(&gcm, sizeof(iv));
			add(&gcm, iv, sizeof(iv));
			add_u32(&gcm, 0);
			add_u32(&gcm, 128);
			data.n = 0;
			add(&data, digest, sizeof(digest));
			add(&data, digest, sizeof(digest));
			ENCODE(e->rq, EP11_FN_ENCRYPT_SINGLE,
			       mech(CKM_AES_GCM, &gcm), &aes, &data);
			data.n = sizeof(digest);
		} else if (!strcmp(e->name, "random")) {
			struct bytes len = { .n = 0 };

			e->what = "GenerateRandom, 32 bytes";
			add_u32(&len, 32);
			ENCODE(e->rq, EP11_FN_GENERATE_RANDOM, &len);
		} else if (!strcmp(e->name, "getattr")) {
			e->what = "GetAttributeValue CKA_EC_PARAMS, CKA_SIGN";
			list.n = 0;
			add_u32(&list, CKA_EC_PARAMS);
			add_u32(&list, CKA_SIGN);
			ENCODE(e->rq, EP11_FN_GET_ATTRIBUTE_VALUE, &priv[0],
			       &list);
		} else if (!strcmp(e->name, "login")) {
			e->what = "Login of a session already logged in";
			encode_login(e->rq);
		} else {
			fprintf(stderr, "fw-bench: unknown function %s\n",
				e->name);
			exit(2);
		}
	}
	free(priv);
}

/**
 * struct worker - one thread's share of a measurement
 * @b:      the function
 * @first:  its first request number
 * @n:      requests to send
 * @failed: set to the first return code that was not EP11_CKR_OK
 */
struct worker {
	const struct bench *b;
	unsigned long first;
	unsigned long n;
	u32 failed;
	pthread_t thread;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	u8 *rep = malloc(EP11_MAX_MSG_LEN);
	struct bytes *res = malloc(sizeof(*res));
	unsigned long i;
	u32 rc;

	if (!rep || !res) {
		w->failed = EP11_CKR_HOST_MEMORY;
		w->n = 0;
	}
	for (i = 0; i < w->n; i++) {
		rc = run(&w->b->rq[(w->first + i) % w->b->nrq], rep,
			 EP11_MAX_MSG_LEN, res, 1);
		if (rc) {
			w->failed = rc;
			break;
		}
	}
	free(rep);
	free(res);
	return NULL;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Runs @n requests of @b on @nthreads threads; returns the wall time. */
static double measure(const struct bench *b, unsigned long n,
		      unsigned int nthreads)
{
	struct worker w[MAX_THREADS];
	double t0, t1;
	unsigned int i;

	memset(w, 0, sizeof(w));
	for (i = 0; i < nthreads; i++) {
		w[i].b = b;
		w[i].first = i * 7;
		w[i].n = n / nthreads + (i < n % nthreads);
	}
	t0 = now_us();
	for (i = 1; i < nthreads; i++)
		if (pthread_create(&w[i].thread, NULL, work, &w[i]))
			die("cannot start a thread");
	work(&w[0]);
	for (i = 1; i < nthreads; i++)
		pthread_join(w[i].thread, NULL);
	t1 = now_us();
	for (i = 0; i < nthreads; i++) {
		if (w[i].failed) {
			fprintf(stderr,
				"fw-bench: %s: expected return code 0, got %#x\n",
				b->name, w[i].failed);
			exit(1);
		}
	}
	return t1 - t0;
}

static const char *const all[] = {
	"sign", "sign-miss", "verify", "encrypt", "random", "getattr", "login",
};

static void usage(void)
{
	fprintf(stderr,
		"usage: fw-bench [-n N] [-t THREADS] [-s SESSIONS] [FUNCTION...]\n"
		"FUNCTION: sign sign-miss verify encrypt random getattr login\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	struct fw_config cfg = {
		.card = 0x0b,
		.domains = { DOM },
		.ndomains = 1,
	};
	unsigned long n = 2000;
	unsigned int nthreads = 1, others = 0, nb, i;
	struct bench *b;
	char dir[4096], path[4200];
	double us;
	int c;

	while ((c = getopt(argc, argv, "n:t:s:h")) != -1) {
		switch (c) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 't':
			nthreads = strtoul(optarg, NULL, 10);
			break;
		case 's':
			others = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (!n || !nthreads || nthreads > MAX_THREADS ||
	    others >= FW_MAX_SESSIONS)
		usage();
	cfg.max_sessions = others + 1;
	nb = optind < argc ? (unsigned int)(argc - optind) : ARRAY_SIZE(all);
	b = calloc(nb, sizeof(*b));
	if (!b)
		die("out of memory");
	for (i = 0; i < nb; i++)
		b[i].name = optind < argc ? argv[optind + i] : all[i];

	snprintf(dir, sizeof(dir), "%s/fw-bench.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		die("cannot make a state directory");
	cfg.state_dir = dir;
	card = fw_new(&cfg);
	if (!card)
		die("cannot start the card");
	for (i = 0; i < others; i++) {
		char nonce[16];

		snprintf(nonce, sizeof(nonce), "other %u", i);
		if (fw_session_login(card, DOM, (const u8 *)"12345678", 8,
				     (const u8 *)nonce, strlen(nonce), pinblob))
			die("Login of another session failed");
	}
	if (fw_session_login(card, DOM, (const u8 *)"12345678", 8,
			     (const u8 *)"fw-bench", 8, pinblob))
		die("Login failed");
	setup(b, nb);

	for (i = 0; i < nb; i++) {
		/* Warm up: the first requests fill caches of every kind. */
		measure(&b[i], n / 10 + 1, nthreads);
		us = measure(&b[i], n, nthreads);
		printf("%-10s %-44s %7lu req %9.1f us/req\n", b[i].name,
		       b[i].what, n, us / n);
		free(b[i].rq);
	}
	free(b);
	fw_free(card);
	snprintf(path, sizeof(path), "%s/wrapping-key-%04x", dir, DOM);
	unlink(path);
	if (rmdir(dir))
		fprintf(stderr, "fw-bench: %s is left behind: %s\n", dir,
			strerror(errno));
	return 0;
}
