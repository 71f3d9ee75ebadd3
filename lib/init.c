// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * init.c: C_Initialize, C_Finalize, C_GetInfo; the library's mutexes;
 * fork detection.
 *
 * A forked child is a new application: it inherits the parent's memory
 * but must not end what the parent holds.  The pthread_atfork child
 * handler only closes the inherited /dev/ep11sess descriptor (so that the
 * child does not keep the parent's EP11 sessions alive once the parent is
 * gone) and nothing else; every entry point compares getpid() with the
 * pid of C_Initialize and answers CKR_CRYPTOKI_NOT_INITIALIZED in a child,
 * whose own C_Initialize drops the inherited state without logging out,
 * closing sessions or ending the parent's locks (the stores' close in a
 * child releases only the child's copies, store.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "module.h"

struct ck_lib ck_g;

static pthread_mutex_t init_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

void ck_log(const char *fmt, ...)
{
	va_list ap;

	fputs("libcryptoki: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void atfork_child(void)
{
	/* Async-signal-safe only. */
	if (ck_g.initialized && ck_g.dev.fd >= 0) {
		close(ck_g.dev.fd);
		ck_g.dev.fd = -1;
	}
}

static void atfork_register(void)
{
	pthread_atfork(NULL, NULL, atfork_child);
}

CK_RV ck_check_init(void)
{
	if (!ck_g.initialized || ck_g.pid != getpid())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	return CKR_OK;
}

CK_RV ck_mutex_init(struct ck_mutex *mx)
{
	if (ck_g.app_mutexes) {
		if (ck_g.args.CreateMutex(&mx->m) != CKR_OK)
			return CKR_CANT_LOCK;
		return CKR_OK;
	}
	mx->m = malloc(sizeof(pthread_mutex_t));
	if (!mx->m)
		return CKR_HOST_MEMORY;
	pthread_mutex_init(mx->m, NULL);
	return CKR_OK;
}

void ck_mutex_destroy(struct ck_mutex *mx)
{
	if (!mx->m)
		return;
	if (ck_g.app_mutexes) {
		ck_g.args.DestroyMutex(mx->m);
	} else {
		pthread_mutex_destroy(mx->m);
		free(mx->m);
	}
	mx->m = NULL;
}

void ck_mutex_lock(struct ck_mutex *mx)
{
	if (ck_g.app_mutexes)
		ck_g.args.LockMutex(mx->m);
	else
		pthread_mutex_lock(mx->m);
}

void ck_mutex_unlock(struct ck_mutex *mx)
{
	if (ck_g.app_mutexes)
		ck_g.args.UnlockMutex(mx->m);
	else
		pthread_mutex_unlock(mx->m);
}

/* What the child of a fork inherited: memory only, freed, nothing ended. */
static void drop_inherited(void)
{
	size_t i;

	for (i = 0; i < ck_g.nsessions; i++) {
		struct ck_session *s = ck_g.sessions[i];
		int k;

		for (k = 0; k < CK_OPK_COUNT; k++)
			ck_op_reset(&s->ops[k]);
		/* Its mutex belongs to the parent's threads: not destroyed. */
		free(s);
	}
	free(ck_g.sessions);
	ck_slots_teardown();
	ck_config_free(&ck_g.cfg);
	ck_buf_free(&ck_g.transport_key);
	memset(&ck_g, 0, sizeof(ck_g));
	ck_g.dev.fd = -1;
}

static CK_RV check_args(const CK_C_INITIALIZE_ARGS *a)
{
	int given;

	if (a->pReserved)
		return CKR_ARGUMENTS_BAD;
	given = !!a->CreateMutex + !!a->DestroyMutex + !!a->LockMutex +
		!!a->UnlockMutex;
	if (given != 0 && given != 4)
		return CKR_ARGUMENTS_BAD;
	if (a->flags & ~(CKF_OS_LOCKING_OK | CKF_LIBRARY_CANT_CREATE_OS_THREADS))
		return CKR_ARGUMENTS_BAD;
	return CKR_OK;
}

CK_RV C_Initialize(CK_VOID_PTR pInitArgs)
{
	CK_C_INITIALIZE_ARGS args = { 0 };
	char err[512] = "";
	CK_RV rv;

	if (pInitArgs) {
		memcpy(&args, pInitArgs, sizeof(args));
		rv = check_args(&args);
		if (rv != CKR_OK)
			return rv;
	}
	pthread_once(&atfork_once, atfork_register);
	pthread_mutex_lock(&init_mutex);
	if (ck_g.initialized && ck_g.pid == getpid()) {
		pthread_mutex_unlock(&init_mutex);
		return CKR_CRYPTOKI_ALREADY_INITIALIZED;
	}
	if (ck_g.initialized)
		drop_inherited();
	memset(&ck_g, 0, sizeof(ck_g));
	ck_g.dev.fd = -1;
	ck_g.args = args;
	/* Callbacks without CKF_OS_LOCKING_OK: the application's mutexes. */
	ck_g.app_mutexes = args.CreateMutex && !(args.flags & CKF_OS_LOCKING_OK);
	ck_g.next_session = 1;
	ck_g.next_object = 1;
	rv = ck_mutex_init(&ck_g.lock);
	if (rv != CKR_OK)
		goto out;
	if (ck_config_load(ck_config_path(), &ck_g.cfg, err, sizeof(err))) {
		ck_log("%s", err);
		rv = CKR_GENERAL_ERROR;
		goto out_lock;
	}
	if (ck_dev_open(&ck_g.dev, err, sizeof(err))) {
		ck_log("%s", err);
		rv = CKR_DEVICE_ERROR;
		goto out_cfg;
	}
	rv = ck_slots_setup(err, sizeof(err));
	if (rv != CKR_OK) {
		ck_log("%s", err);
		goto out_dev;
	}
	ck_g.pid = getpid();
	ck_g.initialized = true;
	pthread_mutex_unlock(&init_mutex);
	return CKR_OK;

out_dev:
	ck_dev_close(&ck_g.dev);
out_cfg:
	ck_config_free(&ck_g.cfg);
out_lock:
	ck_mutex_destroy(&ck_g.lock);
out:
	memset(&ck_g, 0, sizeof(ck_g));
	ck_g.dev.fd = -1;
	pthread_mutex_unlock(&init_mutex);
	return rv;
}

CK_RV C_Finalize(CK_VOID_PTR pReserved)
{
	CK_RV rv;
	size_t i;

	if (pReserved)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&init_mutex);
	rv = ck_check_init();
	if (rv != CKR_OK) {
		pthread_mutex_unlock(&init_mutex);
		return rv;
	}
	ck_mutex_lock(&ck_g.lock);
	ck_g.initialized = false;
	for (i = 0; i < ck_g.nslots; i++)
		if (ck_g.slots[i].login != CK_LOGGED_OUT)
			ck_logout(&ck_g.slots[i]);
	for (i = 0; i < ck_g.nsessions; i++) {
		struct ck_session *s = ck_g.sessions[i];

		if (s->ep11_handle)
			ck_dev_logout(&ck_g.dev, s->ep11_handle);
		ck_session_free(s);
	}
	free(ck_g.sessions);
	ck_g.sessions = NULL;
	ck_g.nsessions = 0;
	ck_slots_teardown();
	ck_mutex_unlock(&ck_g.lock);
	ck_dev_close(&ck_g.dev);
	ck_config_free(&ck_g.cfg);
	ck_buf_free(&ck_g.transport_key);
	ck_mutex_destroy(&ck_g.lock);
	memset(&ck_g, 0, sizeof(ck_g));
	ck_g.dev.fd = -1;
	pthread_mutex_unlock(&init_mutex);
	return CKR_OK;
}

void ck_pad(CK_UTF8CHAR *dst, size_t n, const char *src, size_t len)
{
	memset(dst, ' ', n);
	memcpy(dst, src, len < n ? len : n);
}

CK_RV C_GetInfo(CK_INFO_PTR pInfo)
{
	CK_RV rv = ck_check_init();

	if (rv != CKR_OK)
		return rv;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	memset(pInfo, 0, sizeof(*pInfo));
	pInfo->cryptokiVersion.major = 3;
	pInfo->cryptokiVersion.minor = 0;
	ck_pad(pInfo->manufacturerID, sizeof(pInfo->manufacturerID),
	       CK_LIB_MANUFACTURER, strlen(CK_LIB_MANUFACTURER));
	ck_pad(pInfo->libraryDescription, sizeof(pInfo->libraryDescription),
	       CK_LIB_DESCRIPTION, strlen(CK_LIB_DESCRIPTION));
	pInfo->libraryVersion.major = CK_LIB_VERSION_MAJOR;
	pInfo->libraryVersion.minor = CK_LIB_VERSION_MINOR;
	return CKR_OK;
}
