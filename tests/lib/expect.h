/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * expect.h: checks for libcryptoki's host tests (cmocka) that name what
 * they expected and what they got: CKR values by name.
 */
#ifndef CK_TEST_EXPECT_H
#define CK_TEST_EXPECT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pkcs11_3.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

static const struct {
	CK_RV rv;
	const char *name;
} rv_names[] = {
	{ CKR_OK, "CKR_OK" },
	{ CKR_CANCEL, "CKR_CANCEL" },
	{ CKR_HOST_MEMORY, "CKR_HOST_MEMORY" },
	{ CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR" },
	{ CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD" },
	{ CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID" },
	{ CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE" },
	{ CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR" },
	{ CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID" },
	{ CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT" },
	{ CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE" },
	{ CKR_PIN_LOCKED, "CKR_PIN_LOCKED" },
	{ CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT" },
	{ CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED" },
	{ CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN" },
	{ CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED" },
	{ CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID" },
	{ CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL" },
};

static inline const char *rv_name(CK_RV rv)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rv_names); i++)
		if (rv_names[i].rv == rv)
			return rv_names[i].name;
	return "another CKR value";
}

/* @call must return @want. */
#define expect_rv(call, want)						\
	do {								\
		CK_RV _got = (call), _want = (want);			\
		if (_got != _want)					\
			fail_msg("%s: expected %s (0x%lx), got %s (0x%lx)", \
				 #call, rv_name(_want),			\
				 (unsigned long)_want, rv_name(_got),	\
				 (unsigned long)_got);			\
	} while (0)

/* @got must equal @want (integers), with @what saying what it counts. */
#define expect_eq(got, want, what)					\
	do {								\
		long long _g = (long long)(got), _w = (long long)(want); \
		if (_g != _w)						\
			fail_msg("%s: expected %lld, got %lld", (what), _w, _g); \
	} while (0)

#endif /* CK_TEST_EXPECT_H */
