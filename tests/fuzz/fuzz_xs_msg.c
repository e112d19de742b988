// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the xenstore reply codec, xen/xs_msg.c.
 *
 * The input is what xenstored could put on the response ring: a struct
 * xsd_sockmsg (zero-padded when the input is shorter) followed by the
 * payload, which is everything after the header, independent of hdr.len so
 * that every decoder sees every payload. The payload is an exact-size heap
 * copy, so ASan reports any read past it; the array xs_msg_split() fills is
 * exactly @max entries long (@max comes from hdr.tx_id), so it reports any
 * write past @max too.
 *
 * Each decoder's result is checked against a small independent oracle
 * (recounting NULs, re-parsing the digits, strcmp against xsd_errors) and
 * every returned pointer must be inside the payload and NUL-terminated
 * there. Which types are refused beyond the structural rules is pinned by
 * tests/unit/test_xs_msg.c, not here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ember/xen/xs_msg.h>

#include "fuzz_check.h"

static const char *payload_end;

/* @s lies in the payload and its NUL does too. */
static void check_string(const char *payload, const char *s)
{
	CHECK(s >= payload && s < payload_end);
	CHECK(memchr(s, '\0', (size_t)(payload_end - s)) != NULL);
}

static size_t count_nuls(const char *p, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += p[i] == '\0';
	return n;
}

static void fuzz_header(const struct xsd_sockmsg *hdr)
{
	int err = xs_msg_check_header(hdr);
	CHECK(err == 0 || err == -EPROTO);
	if (hdr->len > XENSTORE_PAYLOAD_MAX || hdr->type >= XS_TYPE_COUNT ||
	    hdr->type == XS_CONTROL)
		CHECK(err == -EPROTO);
}

static void fuzz_split(const char *p, size_t len, unsigned max)
{
	/* Exactly @max slots (malloc(0) for none): a write past them is an ASan report. */
	const char **out = malloc(max * sizeof(*out));
	unsigned count = 0xdeadbeef;
	int err = xs_msg_split(p, len, out, max, &count);
	size_t nuls = count_nuls(p, len);

	CHECK(count <= max);
	if (len == 0) {
		CHECK(err == 0 && count == 0);
	} else if (p[len - 1] != '\0') {
		CHECK(err == -EPROTO && count == 0);
	} else if (nuls > max) {
		CHECK(err == -E2BIG && count == max);
	} else {
		CHECK(err == 0 && count == nuls);
	}
	/* The strings are consecutive: each starts right after the previous one's NUL. */
	for (unsigned i = 0; i < count; i++) {
		check_string(p, out[i]);
		CHECK(out[i] == (i ? out[i - 1] + strlen(out[i - 1]) + 1 : p));
	}
	free(out);
}

static void fuzz_watch_event(const char *p, size_t len)
{
	static const char untouched[] = "";
	const char *path = untouched, *token = untouched;
	int err = xs_msg_watch_event(p, len, &path, &token);

	if (len && p[len - 1] == '\0' && count_nuls(p, len) >= 2) {
		CHECK(err == 0);
		check_string(p, path);
		check_string(p, token);
		CHECK(path == p);
		CHECK(token == p + strlen(p) + 1);
	} else {
		CHECK(err == -EPROTO);
		CHECK(path == untouched && token == untouched);
	}
}

static void fuzz_error(const char *p, size_t len)
{
	int err = xs_msg_error(p, len);
	int want = -EPROTO;

	CHECK(err < 0);
	if (len >= 2 && count_nuls(p, len) == 1 && p[len - 1] == '\0') {
		for (size_t i = 0; i < ARRAY_SIZE(xsd_errors); i++)
			if (!strcmp(p, xsd_errors[i].errstring))
				want = -xsd_errors[i].errnum;
	}
	CHECK(err == want);
}

static void fuzz_uint(const char *p, size_t len)
{
	uint32_t v = 0xdeadbeef;
	int err = xs_msg_uint(p, len, &v);
	bool ok = len >= 2 && p[len - 1] == '\0';
	uint64_t want = 0;

	for (size_t i = 0; ok && i + 1 < len; i++) {
		ok = p[i] >= '0' && p[i] <= '9' && want <= UINT32_MAX;
		want = want * 10 + (uint64_t)(p[i] - '0');
	}
	ok = ok && want <= UINT32_MAX;
	if (ok) {
		CHECK(err == 0 && v == want);
	} else {
		CHECK(err == -EPROTO && v == 0xdeadbeef);
	}
}

static void fuzz_ok(const char *p, size_t len)
{
	int err = xs_msg_ok(p, len);
	CHECK(err == ((len == 3 && !memcmp(p, "OK", 3)) ? 0 : -EPROTO));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xsd_sockmsg hdr = { 0 };
	size_t hlen = size < sizeof(hdr) ? size : sizeof(hdr);
	memcpy(&hdr, data, hlen);
	fuzz_header(&hdr);

	size_t len = size - hlen;
	char *p = malloc(len);
	if (len)
		memcpy(p, data + hlen, len);
	payload_end = p + len;

	/* At most one slot more than the strings there can be. */
	unsigned max = hdr.tx_id % (unsigned)(len + 2);
	fuzz_split(p, len, max);
	fuzz_watch_event(p, len);
	fuzz_error(p, len);
	fuzz_uint(p, len);
	fuzz_ok(p, len);
	free(p);
	return 0;
}
