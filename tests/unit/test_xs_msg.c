// SPDX-License-Identifier: MIT
/*
 * Host tests for the xenstore reply codec, xen/xs_msg.c.
 *
 * Every payload handed to the codec is an exact-size heap copy (no NUL or
 * slack after it unless the test writes one), so AddressSanitizer reports
 * any read past what xenstored "sent". Covered, function by function:
 *   xs_msg_check_header  payload length 0, XENSTORE_PAYLOAD_MAX, MAX+1 and
 *                        UINT32_MAX; every type from 0 to past XS_TYPE_COUNT
 *                        (XS_CONTROL, the removed XS_RESTRICT slot 20 and
 *                        XS_INVALID refused); req_id/tx_id never matter.
 *   xs_msg_error         every name of xs_wire.h's xsd_errors table, checked
 *                        against an independent list of Ember's errno values;
 *                        unknown, prefixed, extended, lower-case names; a
 *                        missing, embedded or doubled NUL; empty payloads.
 *   xs_msg_split         empty list, pointers into the payload, empty strings
 *                        from consecutive NULs, the trailing NUL, @max exact
 *                        and exceeded (-E2BIG, nothing written past @max).
 *   xs_msg_watch_event   path and token, extra strings tolerated, one string,
 *                        no NUL, empty.
 *   xs_msg_uint          0, UINT32_MAX, UINT32_MAX + 1, huge, leading zeros,
 *                        signs, blanks, hex, missing/embedded NUL, empty.
 *   xs_msg_ok            only "OK\0" of length 3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ember/xen/xs_msg.h>

/* ---- exact-size payloads, freed after each test ----------------------------------- */

#define MAX_COPIES 64
static void *copies[MAX_COPIES];
static unsigned ncopies;

/* A heap copy of exactly @len bytes of @bytes (malloc(0) for an empty one). */
static const char *payload(const char *bytes, size_t len)
{
	assert_true(ncopies < MAX_COPIES);
	char *p = malloc(len);
	assert_true(p != NULL || len == 0);
	if (len)
		memcpy(p, bytes, len);
	copies[ncopies++] = p;
	return p;
}

/* A payload of a string literal's bytes, without the literal's implicit NUL:
 * P("OK\0") is the three bytes 'O' 'K' '\0', P("OK") only two. */
#define P(lit) payload(lit, sizeof(lit) - 1), sizeof(lit) - 1

static int free_copies(void **state)
{
	(void)state;
	for (unsigned i = 0; i < ncopies; i++)
		free(copies[i]);
	ncopies = 0;
	return 0;
}

/* ---- xs_msg_check_header ----------------------------------------------------------- */

static int check(uint32_t type, uint32_t len)
{
	struct xsd_sockmsg hdr = { .type = type, .req_id = 7, .tx_id = 0, .len = len };
	struct xsd_sockmsg copy = hdr;
	int err = xs_msg_check_header(&hdr);
	assert_memory_equal(&hdr, &copy, sizeof(hdr)); /* only read */
	return err;
}

static void test_header_length(void **state)
{
	(void)state;
	assert_int_equal(check(XS_READ, 0), 0);
	assert_int_equal(check(XS_READ, 1), 0);
	assert_int_equal(check(XS_READ, XENSTORE_PAYLOAD_MAX - 1), 0);
	assert_int_equal(check(XS_READ, XENSTORE_PAYLOAD_MAX), 0);
	assert_int_equal(check(XS_READ, XENSTORE_PAYLOAD_MAX + 1), -EPROTO);
	assert_int_equal(check(XS_READ, 0x10000), -EPROTO);
	assert_int_equal(check(XS_READ, 0x80000000u), -EPROTO);
	assert_int_equal(check(XS_READ, UINT32_MAX), -EPROTO);
	/* A bad length is refused whatever the type. */
	assert_int_equal(check(XS_ERROR, XENSTORE_PAYLOAD_MAX + 1), -EPROTO);
	assert_int_equal(check(XS_WATCH_EVENT, UINT32_MAX), -EPROTO);
}

/* The types xenstored sends in replies and events, independent of xs_wire.h's enum. */
static bool reply_type(uint32_t type)
{
	return (type >= 1 && type <= 19) || type == 21 || type == 22;
}

static void test_header_every_type(void **state)
{
	(void)state;
	/* Pin the numbering this test relies on. */
	assert_int_equal(XS_CONTROL, 0);
	assert_int_equal(XS_DIRECTORY, 1);
	assert_int_equal(XS_WATCH_EVENT, 15);
	assert_int_equal(XS_ERROR, 16);
	assert_int_equal(XS_SET_TARGET, 19);
	assert_int_equal(XS_RESET_WATCHES, 21);
	assert_int_equal(XS_DIRECTORY_PART, 22);
	assert_int_equal(XS_TYPE_COUNT, 23);

	for (uint32_t type = 0; type <= XS_TYPE_COUNT + 8; type++) {
		if (type == 20)
			continue; /* test_header_removed_type_20 */
		int want = reply_type(type) ? 0 : -EPROTO;
		if (check(type, 0) != want || check(type, XENSTORE_PAYLOAD_MAX) != want)
			fail_msg("type %u: want %d", type, want);
	}
	static const uint32_t beyond[] = { 0xff,       0x100,	    XS_INVALID, 0x10000,
					   0x7fffffff, 0x80000000u, UINT32_MAX };
	for (size_t i = 0; i < ARRAY_SIZE(beyond); i++)
		assert_int_equal(check(beyond[i], 0), -EPROTO);
	assert_int_equal(check(XS_CONTROL, 0), -EPROTO);
	assert_int_equal(check(XS_DEBUG, 3), -EPROTO);
}

/*
 * 20 was XS_RESTRICT, removed from the protocol ("XS_RESTRICT has been
 * removed" in xs_wire.h): xenstored never sends it, so a reply carrying it
 * is as bogus as XS_CONTROL or XS_TYPE_COUNT.
 */
static void test_header_removed_type_20(void **state)
{
	(void)state;
	assert_int_equal(check(XS_SET_TARGET + 1, 0), -EPROTO);
}

static void test_header_ids_ignored(void **state)
{
	static const uint32_t ids[] = { 0, 1, 0x7fffffff, UINT32_MAX };
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(ids); j++) {
			struct xsd_sockmsg hdr = { XS_READ, ids[i], ids[j], 5 };
			assert_int_equal(xs_msg_check_header(&hdr), 0);
			hdr.type = XS_CONTROL;
			assert_int_equal(xs_msg_check_header(&hdr), -EPROTO);
		}
	}
}

/* ---- xs_msg_error ------------------------------------------------------------------- */

static int error_of(const char *name)
{
	size_t len = strlen(name) + 1; /* with its NUL */
	return xs_msg_error(payload(name, len), len);
}

static void test_error_every_known_name(void **state)
{
	/* What each name must decode to: Ember's (Linux's) numbers, not xs_wire.h's. */
	static const struct {
		const char *name;
		int err;
	} want[] = {
		{ "EINVAL", -22 },    { "EACCES", -13 },   { "EEXIST", -17 }, { "EISDIR", -21 },
		{ "ENOENT", -2 },     { "ENOMEM", -12 },   { "ENOSPC", -28 }, { "EIO", -5 },
		{ "ENOTEMPTY", -39 }, { "ENOSYS", -38 },   { "EROFS", -30 },  { "EBUSY", -16 },
		{ "EAGAIN", -11 },    { "EISCONN", -106 }, { "E2BIG", -7 },   { "EPERM", -1 },
	};
	(void)state;

	/* The table xs_msg.c searches is exactly this list. */
	assert_int_equal(ARRAY_SIZE(xsd_errors), ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_string_equal(xsd_errors[i].errstring, want[i].name);
		assert_int_equal(-xsd_errors[i].errnum, want[i].err);
		if (error_of(want[i].name) != want[i].err)
			fail_msg("%s: got %d, want %d", want[i].name, error_of(want[i].name),
				 want[i].err);
	}
	assert_int_equal(error_of("ENOENT"), -ENOENT);
	assert_int_equal(error_of("EAGAIN"), -EAGAIN);
	assert_int_equal(error_of("EISCONN"), -EISCONN);
}

static void test_error_unknown_names(void **state)
{
	static const char *const unknown[] = {
		"EFOO",	   "EPROTO",   "ETIMEDOUT", "einval", "Einval", "EINVA",
		"EINVALX", "EINVAL ",  " EINVAL",   "E",      "EE2BIG", "EIOEIO",
		"OK",	   "ENOTEMPT", "EISDIRS",   "EISCON", "\xff",	"0",
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(unknown); i++)
		if (error_of(unknown[i]) != -EPROTO)
			fail_msg("\"%s\" decoded to %d", unknown[i], error_of(unknown[i]));
}

static void test_error_bad_framing(void **state)
{
	(void)state;
	/* Missing NUL: the right name, but not terminated. */
	assert_int_equal(xs_msg_error(P("EINVAL")), -EPROTO);
	assert_int_equal(xs_msg_error(P("EIO")), -EPROTO);
	assert_int_equal(xs_msg_error(P("EI")), -EPROTO);
	/* Embedded NUL: a known name followed by more bytes. */
	assert_int_equal(xs_msg_error(P("EIO\0X\0")), -EPROTO);
	assert_int_equal(xs_msg_error(P("EIN\0VAL\0")), -EPROTO);
	assert_int_equal(xs_msg_error(P("\0EINVAL\0")), -EPROTO);
	assert_int_equal(xs_msg_error(P("EINVAL\0\0")), -EPROTO);
	assert_int_equal(xs_msg_error(P("ENOENT\0ENOENT\0")), -EPROTO);
	/* Empty. */
	assert_int_equal(xs_msg_error(P("")), -EPROTO);
	assert_int_equal(xs_msg_error(P("\0")), -EPROTO);
	assert_int_equal(xs_msg_error(P("\0\0")), -EPROTO);
	/* Only the first @len bytes count. */
	assert_int_equal(xs_msg_error(payload("ENOENT\0", 7), 6), -EPROTO);
	assert_int_equal(xs_msg_error(payload("EIO\0", 4), 4), -EIO);
}

/* ---- xs_msg_split ------------------------------------------------------------------- */

#define POISON ((const char *)&copies) /* any pointer the codec cannot produce */

static const char *out[8];
static unsigned count;

static int split(const char *p, size_t len, unsigned max)
{
	for (size_t i = 0; i < ARRAY_SIZE(out); i++)
		out[i] = POISON;
	count = 0xdead;
	assert_true(max <= ARRAY_SIZE(out));
	int err = xs_msg_split(p, len, out, max, &count);
	assert_true(count <= max);
	for (size_t i = count; i < ARRAY_SIZE(out); i++)
		assert_ptr_equal(out[i], POISON); /* nothing written past *count */
	return err;
}

static void test_split_empty_payload(void **state)
{
	(void)state;
	assert_int_equal(split(P(""), 4), 0);
	assert_int_equal(count, 0);
	assert_int_equal(split(P(""), 0), 0); /* an empty list fits in nothing */
	assert_int_equal(count, 0);
}

static void test_split_strings(void **state)
{
	(void)state;
	const char *p = payload("a\0bc\0def\0", 9);
	assert_int_equal(split(p, 9, 8), 0);
	assert_int_equal(count, 3);
	/* Pointers into the payload itself, not copies. */
	assert_ptr_equal(out[0], p);
	assert_ptr_equal(out[1], p + 2);
	assert_ptr_equal(out[2], p + 5);
	assert_string_equal(out[2], "def");

	p = payload("one\0", 4);
	assert_int_equal(split(p, 4, 1), 0);
	assert_int_equal(count, 1);
	assert_ptr_equal(out[0], p);
}

static void test_split_empty_strings(void **state)
{
	(void)state;
	const char *p = payload("\0", 1);
	assert_int_equal(split(p, 1, 8), 0);
	assert_int_equal(count, 1);
	assert_ptr_equal(out[0], p);

	p = payload("\0\0\0", 3);
	assert_int_equal(split(p, 3, 8), 0);
	assert_int_equal(count, 3);
	assert_ptr_equal(out[2], p + 2);

	p = payload("a\0\0b\0", 5);
	assert_int_equal(split(p, 5, 8), 0);
	assert_int_equal(count, 3);
	assert_string_equal(out[0], "a");
	assert_string_equal(out[1], "");
	assert_ptr_equal(out[1], p + 2);
	assert_string_equal(out[2], "b");
}

static void test_split_trailing_nul_required(void **state)
{
	(void)state;
	assert_int_equal(split(P("a"), 8), -EPROTO);
	assert_int_equal(count, 0);
	assert_int_equal(split(P("a\0b"), 8), -EPROTO);
	assert_int_equal(count, 0);
	assert_int_equal(split(P("\0\0x"), 8), -EPROTO);
	assert_int_equal(count, 0);
	/* Also refused when the strings would not have fitted either. */
	assert_int_equal(split(P("a\0b\0c"), 1), -EPROTO);
	assert_int_equal(count, 0);
}

static void test_split_max(void **state)
{
	(void)state;
	const char *p = payload("a\0b\0c\0", 6);
	assert_int_equal(split(p, 6, 3), 0); /* exactly @max */
	assert_int_equal(count, 3);

	assert_int_equal(split(p, 6, 2), -E2BIG);
	assert_int_equal(count, 2);
	assert_ptr_equal(out[0], p);
	assert_ptr_equal(out[1], p + 2);

	assert_int_equal(split(p, 6, 0), -E2BIG);
	assert_int_equal(count, 0);
	assert_int_equal(split(P("\0"), 0), -E2BIG);
	assert_int_equal(split(P("\0\0\0\0\0\0\0\0\0"), 8), -E2BIG);
	assert_int_equal(count, 8);
}

/* ---- xs_msg_watch_event ------------------------------------------------------------- */

static void test_watch_event(void **state)
{
	const char *path, *token;
	(void)state;

	const char *p = payload("device/vif\0tok-1\0", 17);
	assert_int_equal(xs_msg_watch_event(p, 17, &path, &token), 0);
	assert_ptr_equal(path, p);
	assert_ptr_equal(token, p + 11);
	assert_string_equal(path, "device/vif");
	assert_string_equal(token, "tok-1");

	/* Empty path and token are still two strings. */
	p = payload("\0\0", 2);
	assert_int_equal(xs_msg_watch_event(p, 2, &path, &token), 0);
	assert_ptr_equal(path, p);
	assert_ptr_equal(token, p + 1);
}

static void test_watch_event_extra_strings(void **state)
{
	const char *path, *token;
	(void)state;

	const char *p = payload("a/b\0t\0extra\0more\0", 18);
	assert_int_equal(xs_msg_watch_event(p, 18, &path, &token), 0);
	assert_ptr_equal(path, p);
	assert_ptr_equal(token, p + 4);
	assert_string_equal(token, "t");
}

static void test_watch_event_malformed(void **state)
{
	static const char sentinel[] = "untouched";
	const char *path = sentinel, *token = sentinel;
	(void)state;

	assert_int_equal(xs_msg_watch_event(P("a/b\0"), &path, &token), -EPROTO); /* one string */
	assert_int_equal(xs_msg_watch_event(P("\0"), &path, &token), -EPROTO);
	assert_int_equal(xs_msg_watch_event(P("a/b"), &path, &token), -EPROTO); /* no NUL */
	assert_int_equal(xs_msg_watch_event(P("a/b\0tok"), &path, &token), -EPROTO);
	assert_int_equal(xs_msg_watch_event(P("a\0b\0c"), &path, &token), -EPROTO);
	assert_int_equal(xs_msg_watch_event(P(""), &path, &token), -EPROTO); /* empty */
	assert_ptr_equal(path, sentinel);
	assert_ptr_equal(token, sentinel);
}

/* ---- xs_msg_uint -------------------------------------------------------------------- */

static void test_uint_values(void **state)
{
	static const struct {
		const char *text;
		uint32_t value;
	} good[] = {
		{ "0", 0 },
		{ "1", 1 },
		{ "17", 17 },
		{ "4294967295", UINT32_MAX },
		{ "4294967294", UINT32_MAX - 1 },
		{ "2147483648", 0x80000000u },
		{ "000000000000000000000000042", 42 }, /* leading zeros never overflow */
		{ "0004294967295", UINT32_MAX },
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		uint32_t v = 0xdeadbeef;
		size_t len = strlen(good[i].text) + 1;
		assert_int_equal(xs_msg_uint(payload(good[i].text, len), len, &v), 0);
		assert_int_equal(v, good[i].value);
	}
}

static void test_uint_rejected(void **state)
{
	static const char *const bad[] = {
		"4294967296",
		"4294967300",
		"9999999999",
		"18446744073709551616",
		"99999999999999999999999999999999999999",
		"-1",
		"+1",
		"-0",
		"+0",
		" 1",
		"1 ",
		"0x10",
		"12a",
		"a",
		"1.0",
		"1e3",
		"\xd9\xa1",
		"\t7",
		"7\n",
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		uint32_t v = 0xdeadbeef;
		size_t len = strlen(bad[i]) + 1;
		if (xs_msg_uint(payload(bad[i], len), len, &v) != -EPROTO)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_int_equal(v, 0xdeadbeef); /* *out untouched */
	}
}

static void test_uint_bad_framing(void **state)
{
	uint32_t v = 0xdeadbeef;
	(void)state;

	assert_int_equal(xs_msg_uint(P("17"), &v), -EPROTO); /* no NUL */
	assert_int_equal(xs_msg_uint(P("4294967295"), &v), -EPROTO);
	assert_int_equal(xs_msg_uint(P(""), &v), -EPROTO);	   /* empty */
	assert_int_equal(xs_msg_uint(P("\0"), &v), -EPROTO);	   /* empty string */
	assert_int_equal(xs_msg_uint(P("1\0002\0"), &v), -EPROTO); /* embedded NUL */
	assert_int_equal(xs_msg_uint(P("1\0\0"), &v), -EPROTO);
	assert_int_equal(v, 0xdeadbeef);
}

/* ---- xs_msg_ok ---------------------------------------------------------------------- */

static void test_ok(void **state)
{
	(void)state;
	assert_int_equal(xs_msg_ok(P("OK\0")), 0);

	assert_int_equal(xs_msg_ok(P("OK")), -EPROTO); /* no NUL */
	assert_int_equal(xs_msg_ok(P("OKK\0")), -EPROTO);
	assert_int_equal(xs_msg_ok(P("OK\0\0")), -EPROTO);
	assert_int_equal(xs_msg_ok(P("OK\0X")), -EPROTO);
	assert_int_equal(xs_msg_ok(P("")), -EPROTO);
	assert_int_equal(xs_msg_ok(P("\0")), -EPROTO);
	assert_int_equal(xs_msg_ok(P("O\0")), -EPROTO);
	assert_int_equal(xs_msg_ok(P("O")), -EPROTO);
	assert_int_equal(xs_msg_ok(P("ok\0")), -EPROTO);
	assert_int_equal(xs_msg_ok(P("Ok\0")), -EPROTO);
	assert_int_equal(xs_msg_ok(P("OX\0")), -EPROTO);
	assert_int_equal(xs_msg_ok(P("\0K\0")), -EPROTO);
	assert_int_equal(xs_msg_ok(P("EINVAL\0")), -EPROTO);
	/* Only the first @len bytes count. */
	assert_int_equal(xs_msg_ok(payload("OK\0", 3), 2), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_header_length, free_copies),
		cmocka_unit_test_teardown(test_header_every_type, free_copies),
		cmocka_unit_test_teardown(test_header_removed_type_20, free_copies),
		cmocka_unit_test_teardown(test_header_ids_ignored, free_copies),
		cmocka_unit_test_teardown(test_error_every_known_name, free_copies),
		cmocka_unit_test_teardown(test_error_unknown_names, free_copies),
		cmocka_unit_test_teardown(test_error_bad_framing, free_copies),
		cmocka_unit_test_teardown(test_split_empty_payload, free_copies),
		cmocka_unit_test_teardown(test_split_strings, free_copies),
		cmocka_unit_test_teardown(test_split_empty_strings, free_copies),
		cmocka_unit_test_teardown(test_split_trailing_nul_required, free_copies),
		cmocka_unit_test_teardown(test_split_max, free_copies),
		cmocka_unit_test_teardown(test_watch_event, free_copies),
		cmocka_unit_test_teardown(test_watch_event_extra_strings, free_copies),
		cmocka_unit_test_teardown(test_watch_event_malformed, free_copies),
		cmocka_unit_test_teardown(test_uint_values, free_copies),
		cmocka_unit_test_teardown(test_uint_rejected, free_copies),
		cmocka_unit_test_teardown(test_uint_bad_framing, free_copies),
		cmocka_unit_test_teardown(test_ok, free_copies),
	};
	return cmocka_run_group_tests_name("xs_msg", tests, NULL, free_copies);
}
