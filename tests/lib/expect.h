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

static inline const char *rv_name(CK_RV rv)
{
	switch (rv) {
#define N(x) case x: return #x
	N(CKR_OK);
	N(CKR_CANCEL);
	N(CKR_HOST_MEMORY);
	N(CKR_GENERAL_ERROR);
	N(CKR_ARGUMENTS_BAD);
	N(CKR_ATTRIBUTE_VALUE_INVALID);
	N(CKR_DATA_LEN_RANGE);
	N(CKR_DEVICE_ERROR);
	N(CKR_OBJECT_HANDLE_INVALID);
	N(CKR_PIN_INCORRECT);
	N(CKR_PIN_LEN_RANGE);
	N(CKR_PIN_LOCKED);
	N(CKR_TEMPLATE_INCONSISTENT);
	N(CKR_TOKEN_NOT_RECOGNIZED);
	N(CKR_USER_NOT_LOGGED_IN);
	N(CKR_USER_PIN_NOT_INITIALIZED);
	N(CKR_USER_TYPE_INVALID);
	N(CKR_BUFFER_TOO_SMALL);
#undef N
	default:
		return "another CKR value";
	}
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
