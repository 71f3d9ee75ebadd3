// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Attribute lists (lib/attr.c): set, get, delete, merge, copy; the checks
 * of a caller's template; the store's serial form.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "attr.h"

static const CK_ATTRIBUTE_TYPE vendor_attr = CKA_VENDOR_DEFINED | 0x42;

static void expect_attr(const struct ck_attrs *a, CK_ATTRIBUTE_TYPE type,
			 const void *val, size_t len)
{
	const CK_ATTRIBUTE *at = ck_attrs_get(a, type);

	if (!at)
		fail_msg("attribute 0x%lx: expected %zu bytes, got no attribute",
			 (unsigned long)type, len);
	if (at->ulValueLen != len)
		fail_msg("attribute 0x%lx: expected %zu bytes, got %lu",
			 (unsigned long)type, len, (unsigned long)at->ulValueLen);
	if (len && memcmp(at->pValue, val, len))
		fail_msg("attribute 0x%lx: the value differs from the one set",
			 (unsigned long)type);
}

static void test_table_knows_attributes_by_type(void **state)
{
	const struct ck_attr_def *d = ck_attr_def(CKA_LABEL);

	assert_non_null(d);
	assert_string_equal(d->name, "CKA_LABEL");
	assert_int_equal(d->kind, CK_ATTR_BYTES);
	d = ck_attr_def(CKA_VALUE);
	assert_non_null(d);
	assert_true(d->flags & CK_AF_SENSITIVE);
	d = ck_attr_def(CKA_CLASS);
	assert_non_null(d);
	assert_int_equal(d->kind, CK_ATTR_ULONG);
	assert_null(ck_attr_def(vendor_attr));
}

static void test_set_get_replace_delete(void **state)
{
	struct ck_attrs a = { 0 };
	size_t i;

	assert_int_equal(ck_attrs_set(&a, CKA_LABEL, "first", 5), 0);
	assert_int_equal(ck_attrs_set_bool(&a, CKA_TOKEN, true), 0);
	assert_int_equal(ck_attrs_set_ulong(&a, CKA_CLASS, CKO_SECRET_KEY), 0);
	assert_int_equal(ck_attrs_set(&a, CKA_ID, NULL, 0), 0);
	expect_eq(a.n, 4, "attributes after four sets");
	expect_attr(&a, CKA_LABEL, "first", 5);
	expect_attr(&a, CKA_ID, NULL, 0);
	assert_true(ck_attrs_bool(&a, CKA_TOKEN, false));
	expect_eq(ck_attrs_ulong(&a, CKA_CLASS, 99), CKO_SECRET_KEY, "CKA_CLASS");

	/* Setting a type again replaces its value: types stay unique. */
	assert_int_equal(ck_attrs_set(&a, CKA_LABEL, "second value", 12), 0);
	expect_eq(a.n, 4, "attributes after replacing one");
	expect_attr(&a, CKA_LABEL, "second value", 12);

	/* Absent or malformed values give the default. */
	assert_false(ck_attrs_bool(&a, CKA_PRIVATE, false));
	assert_true(ck_attrs_bool(&a, CKA_PRIVATE, true));
	assert_true(ck_attrs_bool(&a, CKA_LABEL, true));
	expect_eq(ck_attrs_ulong(&a, CKA_LABEL, 7), 7, "CKA_LABEL read as a CK_ULONG");

	ck_attrs_del(&a, CKA_TOKEN);
	expect_eq(a.n, 3, "attributes after a delete");
	assert_null(ck_attrs_get(&a, CKA_TOKEN));
	ck_attrs_del(&a, CKA_TOKEN);
	expect_eq(a.n, 3, "attributes after deleting an absent one");
	expect_attr(&a, CKA_LABEL, "second value", 12);
	expect_eq(ck_attrs_ulong(&a, CKA_CLASS, 99), CKO_SECRET_KEY, "CKA_CLASS");

	/* Many attributes: the array grows. */
	for (i = 0; i < 100; i++)
		assert_int_equal(ck_attrs_set_ulong(&a, CKA_VENDOR_DEFINED | i, i), 0);
	expect_eq(a.n, 103, "attributes after 100 more");
	for (i = 0; i < 100; i++)
		expect_eq(ck_attrs_ulong(&a, CKA_VENDOR_DEFINED | i, ~0UL), i,
			  "a vendor attribute");
	ck_attrs_free(&a);
	expect_eq(a.n, 0, "attributes after free");
	assert_null(a.v);
}

static void test_merge_replaces_and_adds(void **state)
{
	struct ck_attrs dst = { 0 }, src = { 0 };

	ck_attrs_set(&dst, CKA_LABEL, "old", 3);
	ck_attrs_set_bool(&dst, CKA_SIGN, true);
	ck_attrs_set(&src, CKA_LABEL, "new label", 9);
	ck_attrs_set_bool(&src, CKA_VERIFY, false);
	assert_int_equal(ck_attrs_merge(&dst, &src), 0);
	expect_eq(dst.n, 3, "attributes after merge");
	expect_attr(&dst, CKA_LABEL, "new label", 9);
	assert_true(ck_attrs_bool(&dst, CKA_SIGN, false));
	assert_false(ck_attrs_bool(&dst, CKA_VERIFY, true));
	expect_eq(src.n, 2, "the source's attributes after merge");
	ck_attrs_free(&dst);
	ck_attrs_free(&src);
}

static void test_dup_is_deep(void **state)
{
	struct ck_attrs a = { 0 }, b;

	ck_attrs_set(&a, CKA_LABEL, "label", 5);
	ck_attrs_set_ulong(&a, CKA_KEY_TYPE, CKK_AES);
	assert_int_equal(ck_attrs_dup(&b, &a), 0);
	expect_eq(b.n, 2, "attributes of the copy");
	expect_attr(&b, CKA_LABEL, "label", 5);
	assert_ptr_not_equal(ck_attrs_get(&b, CKA_LABEL)->pValue,
			     ck_attrs_get(&a, CKA_LABEL)->pValue);
	ck_attrs_free(&a);
	/* The copy outlives the original. */
	expect_attr(&b, CKA_LABEL, "label", 5);
	expect_eq(ck_attrs_ulong(&b, CKA_KEY_TYPE, 99), CKK_AES, "CKA_KEY_TYPE");
	ck_attrs_free(&b);
}

static void test_template_accepts_well_formed(void **state)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_DATE date = { { '2', '0', '2', '4' }, { '0', '1' }, { '3', '1' } };
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_LABEL, "a label", 7 },
		{ CKA_ID, NULL, 0 },
		{ CKA_START_DATE, &date, sizeof(date) },
		{ CKA_END_DATE, NULL, 0 },
		{ vendor_attr, "xyz", 3 },
	};
	struct ck_attrs a = { 0 };

	expect_rv(ck_attrs_from_template(&a, t, 7), CKR_OK);
	expect_eq(a.n, 7, "attributes copied");
	expect_attr(&a, CKA_LABEL, "a label", 7);
	expect_attr(&a, CKA_START_DATE, &date, sizeof(date));
	expect_attr(&a, vendor_attr, "xyz", 3);
	ck_attrs_free(&a);
	expect_rv(ck_attrs_from_template(&a, NULL, 0), CKR_OK);
	expect_eq(a.n, 0, "attributes of an empty template");
}

static void test_template_rejects_malformed(void **state)
{
	CK_BBOOL yes = CK_TRUE, two = 2;
	CK_ULONG word = 1, pair[2] = { 0, 0 };
	uint32_t half = 1;
	unsigned char date4[4] = { 0 };
	CK_ATTRIBUTE nested = { CKA_LABEL, "x", 1 };
	struct {
		const char *what;
		CK_ATTRIBUTE t[2];
		CK_ULONG n;
		CK_RV want;
	} cases[] = {
		{ "a CK_BBOOL of 8 bytes",
		  { { CKA_TOKEN, &word, sizeof(word) } }, 1,
		  CKR_ATTRIBUTE_VALUE_INVALID },
		{ "a CK_BBOOL of 0 bytes",
		  { { CKA_TOKEN, &yes, 0 } }, 1, CKR_ATTRIBUTE_VALUE_INVALID },
		{ "a CK_BBOOL of value 2",
		  { { CKA_PRIVATE, &two, 1 } }, 1, CKR_ATTRIBUTE_VALUE_INVALID },
		{ "a CK_ULONG of 4 bytes",
		  { { CKA_CLASS, &half, sizeof(half) } }, 1,
		  CKR_ATTRIBUTE_VALUE_INVALID },
		{ "a CK_ULONG of 16 bytes",
		  { { CKA_CLASS, pair, sizeof(pair) } }, 1,
		  CKR_ATTRIBUTE_VALUE_INVALID },
		{ "a CK_DATE of 4 bytes",
		  { { CKA_END_DATE, date4, sizeof(date4) } }, 1,
		  CKR_ATTRIBUTE_VALUE_INVALID },
		{ "a nested template",
		  { { CKA_WRAP_TEMPLATE, &nested, sizeof(nested) } }, 1,
		  CKR_ATTRIBUTE_VALUE_INVALID },
		{ "a type twice",
		  { { CKA_LABEL, "a", 1 }, { CKA_LABEL, "b", 1 } }, 2,
		  CKR_TEMPLATE_INCONSISTENT },
		{ "a NULL value with a length",
		  { { CKA_LABEL, NULL, 5 } }, 1, CKR_ARGUMENTS_BAD },
		{ "a NULL value with a length after a good one",
		  { { CKA_ID, "id", 2 }, { CKA_VALUE, NULL, 16 } }, 2,
		  CKR_ARGUMENTS_BAD },
	};
	struct ck_attrs a = { 0 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		CK_RV rv = ck_attrs_from_template(&a, cases[i].t, cases[i].n);

		if (rv != cases[i].want)
			fail_msg("%s: expected %s, got %s (0x%lx)", cases[i].what,
				 rv_name(cases[i].want), rv_name(rv),
				 (unsigned long)rv);
		/* Nothing is left behind on failure. */
		expect_eq(a.n, 0, cases[i].what);
	}
	expect_rv(ck_attrs_from_template(&a, NULL, 1), CKR_ARGUMENTS_BAD);
}

/* A list with one value of every kind, and edge values. */
static void sample_list(struct ck_attrs *a)
{
	CK_DATE date = { { '2', '0', '3', '0' }, { '1', '2' }, { '0', '1' } };
	unsigned char big[300];
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7);
	memset(a, 0, sizeof(*a));
	ck_attrs_set_ulong(a, CKA_CLASS, CKO_PRIVATE_KEY);
	ck_attrs_set_ulong(a, CKA_MODULUS_BITS, ~0UL);
	ck_attrs_set_bool(a, CKA_PRIVATE, true);
	ck_attrs_set_bool(a, CKA_SIGN, false);
	ck_attrs_set(a, CKA_LABEL, "key label", 9);
	ck_attrs_set(a, CKA_ID, NULL, 0);
	ck_attrs_set(a, CKA_START_DATE, &date, sizeof(date));
	ck_attrs_set(a, CKA_MODULUS, big, sizeof(big));
	ck_attrs_set(a, vendor_attr, "vendor", 6);
}

static void expect_same_list(const struct ck_attrs *got,
			     const struct ck_attrs *want)
{
	size_t i;

	expect_eq(got->n, want->n, "attributes after the round trip");
	for (i = 0; i < want->n; i++)
		expect_attr(got, want->v[i].type, want->v[i].pValue,
			     want->v[i].ulValueLen);
}

static void test_serialize_round_trip(void **state)
{
	struct ck_attrs a, b, empty = { 0 };
	unsigned char *p;
	size_t n;

	sample_list(&a);
	assert_int_equal(ck_attrs_serialize(&a, &p, &n), 0);
	assert_int_equal(ck_attrs_deserialize(&b, p, n), 0);
	expect_same_list(&b, &a);
	free(p);
	ck_attrs_free(&b);
	ck_attrs_free(&a);

	assert_int_equal(ck_attrs_serialize(&empty, &p, &n), 0);
	expect_eq(n, 8, "bytes of an empty list");
	assert_int_equal(ck_attrs_deserialize(&b, p, n), 0);
	expect_eq(b.n, 0, "attributes of an empty list");
	free(p);
}

static void test_serial_form_is_host_independent(void **state)
{
	/* "CKA1", count 1, type u64 BE, length u32 BE 8, value u64 BE. */
	static const unsigned char want[] = {
		'C', 'K', 'A', '1', 0, 0, 0, 1,
		0, 0, 0, 0, 0, 0, 0, 0x00,		/* CKA_CLASS */
		0, 0, 0, 8,
		0, 0, 0, 0, 0, 0, 0, 0x03,		/* CKO_PRIVATE_KEY */
	};
	struct ck_attrs a = { 0 };
	unsigned char *p;
	size_t n;

	ck_attrs_set_ulong(&a, CKA_CLASS, CKO_PRIVATE_KEY);
	assert_int_equal(ck_attrs_serialize(&a, &p, &n), 0);
	expect_eq(n, sizeof(want), "bytes of a one-CK_ULONG list");
	assert_memory_equal(p, want, sizeof(want));
	free(p);
	ck_attrs_free(&a);
}

static void test_deserialize_rejects_every_truncation(void **state)
{
	struct ck_attrs a, b;
	unsigned char *p;
	size_t n, len;

	sample_list(&a);
	assert_int_equal(ck_attrs_serialize(&a, &p, &n), 0);
	for (len = 0; len < n; len++) {
		int err = ck_attrs_deserialize(&b, p, len);

		if (err != -EINVAL)
			fail_msg("the first %zu of %zu bytes: expected -EINVAL, got %d",
				 len, n, err);
		expect_eq(b.n, 0, "attributes left after a rejected decode");
	}
	free(p);
	ck_attrs_free(&a);
}

static void test_deserialize_rejects_malformed(void **state)
{
	struct ck_attrs a = { 0 }, b;
	unsigned char *p, *q;
	size_t n;

	ck_attrs_set(&a, CKA_LABEL, "ab", 2);
	ck_attrs_set_ulong(&a, CKA_CLASS, CKO_DATA);
	assert_int_equal(ck_attrs_serialize(&a, &p, &n), 0);
	/* Layout: 8 | LABEL 12+2 | CLASS 12+8 = 42 bytes. */
	expect_eq(n, 42, "bytes of the list");
	q = malloc(n + 1);
	assert_non_null(q);

	memcpy(q, p, n);
	q[n] = 0;
	expect_eq(ck_attrs_deserialize(&b, q, n + 1), -EINVAL, "a trailing byte");

	memcpy(q, p, n);
	q[0] = 'X';
	expect_eq(ck_attrs_deserialize(&b, q, n), -EINVAL, "a wrong magic");

	memcpy(q, p, n);
	q[7] = 3;
	expect_eq(ck_attrs_deserialize(&b, q, n), -EINVAL, "a count too high");

	memcpy(q, p, n);
	q[7] = 1;
	expect_eq(ck_attrs_deserialize(&b, q, n), -EINVAL, "a count too low");

	memcpy(q, p, n);
	q[4] = 0x7f;
	expect_eq(ck_attrs_deserialize(&b, q, n), -EINVAL, "a huge count");

	/* The second attribute's type made CKA_LABEL: a type twice. */
	memcpy(q, p, n);
	memcpy(q + 22, q + 8, 8);
	q[22 + 11] = 8;
	expect_eq(ck_attrs_deserialize(&b, q, n), -EINVAL, "a type twice");

	/* CKA_CLASS with 4 bytes where a CK_ULONG takes 8. */
	memcpy(q, p, n);
	q[22 + 11] = 4;
	expect_eq(ck_attrs_deserialize(&b, q, n - 4), -EINVAL,
		  "a CK_ULONG of 4 bytes");

	/* The first length pointing past the end. */
	memcpy(q, p, n);
	q[8 + 8] = 0xff;
	expect_eq(ck_attrs_deserialize(&b, q, n), -EINVAL, "a length past the end");

	/* And the original still decodes. */
	assert_int_equal(ck_attrs_deserialize(&b, p, n), 0);
	expect_same_list(&b, &a);
	ck_attrs_free(&b);
	free(q);
	free(p);
	ck_attrs_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_knows_attributes_by_type),
		cmocka_unit_test(test_set_get_replace_delete),
		cmocka_unit_test(test_merge_replaces_and_adds),
		cmocka_unit_test(test_dup_is_deep),
		cmocka_unit_test(test_template_accepts_well_formed),
		cmocka_unit_test(test_template_rejects_malformed),
		cmocka_unit_test(test_serialize_round_trip),
		cmocka_unit_test(test_serial_form_is_host_independent),
		cmocka_unit_test(test_deserialize_rejects_every_truncation),
		cmocka_unit_test(test_deserialize_rejects_malformed),
	};

	return cmocka_run_group_tests_name("attr", tests, NULL, NULL);
}
