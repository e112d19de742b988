// SPDX-License-Identifier: MIT
/*
 * Host tests for emberprof's pprof writer (profiler/pprof.c), independent of
 * Go: the output is gunzipped with zlib here and decoded by a tiny protobuf
 * reader (varints and length-delimited fields, field numbers from
 * google/pprof's proto/profile.proto), then checked against the stacks that
 * went in.
 *
 * Covers the gzip wrapper, the string table (index 0 is ""), the sample type
 * and period type/period, that functions and locations are unique with
 * nonzero ids and every reference resolves, that each sample's locations,
 * leaf first, name the stack reversed (recursion, odd names, UTF-8), that
 * values are the merged counts (large ones too), an empty set, a profile
 * bigger than one compression chunk, identical output for identical input,
 * and write errors (/dev/full, a tiny buffer) reported as -EIO with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>
#include <cmocka.h>
#include <zlib.h>

#include "prof.h"
#include "prof_test_stacks.h"

/* ---- a minimal protobuf decoder ------------------------------------------------------- */

struct pb {
	const uint8_t *p, *end;
};

static uint64_t pb_varint(struct pb *b)
{
	uint64_t v = 0;

	for (unsigned shift = 0;; shift += 7) {
		assert_true(b->p < b->end);
		assert_true(shift < 64);
		uint8_t byte = *b->p++;

		v |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			return v;
	}
}

/*
 * Reads the next field: its number and wire type, and either its varint
 * (@v) or its bytes (@sub). False at the end. Only wire types 0 and 2 occur.
 */
static bool pb_next(struct pb *b, unsigned *field, unsigned *wire, uint64_t *v, struct pb *sub)
{
	if (b->p == b->end)
		return false;
	uint64_t key = pb_varint(b);

	*field = (unsigned)(key >> 3);
	*wire = (unsigned)(key & 7);
	assert_true(*field > 0);
	if (*wire == 0) {
		*v = pb_varint(b);
	} else {
		assert_int_equal(*wire, 2);
		uint64_t len = pb_varint(b);

		assert_true(len <= (uint64_t)(b->end - b->p));
		sub->p = b->p;
		sub->end = b->p + len;
		b->p += len;
	}
	return true;
}

#define MAX_ITEMS 4096

struct value_type {
	uint64_t type, unit;
};

struct sample {
	uint64_t loc[PROF_MAX_FRAMES];
	unsigned nloc;
	uint64_t value[4];
	unsigned nvalue;
};

struct profile {
	struct value_type sample_type[4], period_type;
	unsigned nsample_type, nperiod_type;
	struct sample *sample;
	unsigned nsample;
	struct {
		uint64_t id, function_id;
		unsigned nline;
	} location[MAX_ITEMS];
	unsigned nlocation;
	struct {
		uint64_t id, name, system_name;
	} function[MAX_ITEMS];
	unsigned nfunction;
	char *string[MAX_ITEMS];
	unsigned nstring;
	uint64_t period;
	unsigned nperiod;
};

static struct value_type decode_value_type(struct pb b)
{
	struct value_type vt = { 0 };
	unsigned field, wire;
	uint64_t v;
	struct pb sub;

	while (pb_next(&b, &field, &wire, &v, &sub)) {
		assert_int_equal(wire, 0);
		if (field == 1)
			vt.type = v;
		else if (field == 2)
			vt.unit = v;
	}
	return vt;
}

/* A packed repeated varint field into @out (at most @max). */
static unsigned decode_packed(struct pb b, uint64_t *out, unsigned max)
{
	unsigned n = 0;

	while (b.p < b.end) {
		assert_true(n < max);
		out[n++] = pb_varint(&b);
	}
	return n;
}

static void decode_sample(struct pb b, struct sample *s)
{
	unsigned field, wire;
	uint64_t v;
	struct pb sub;

	memset(s, 0, sizeof(*s));
	while (pb_next(&b, &field, &wire, &v, &sub)) {
		/* Both are packed: one length-delimited field each. */
		assert_int_equal(wire, 2);
		if (field == 1) {
			assert_int_equal(s->nloc, 0);
			s->nloc = decode_packed(sub, s->loc, PROF_MAX_FRAMES);
		} else if (field == 2) {
			assert_int_equal(s->nvalue, 0);
			s->nvalue = decode_packed(sub, s->value, 4);
		}
	}
}

static void decode_location(struct pb b, struct profile *pr)
{
	unsigned field, wire, i = pr->nlocation++;
	uint64_t v;
	struct pb sub, line;

	assert_true(i < MAX_ITEMS);
	pr->location[i].id = 0;
	pr->location[i].nline = 0;
	while (pb_next(&b, &field, &wire, &v, &sub)) {
		if (field == 1) {
			assert_int_equal(wire, 0);
			pr->location[i].id = v;
		} else if (field == 4) {
			assert_int_equal(wire, 2);
			pr->location[i].nline++;
			while (pb_next(&sub, &field, &wire, &v, &line))
				if (field == 1)
					pr->location[i].function_id = v;
		}
	}
}

static void decode_function(struct pb b, struct profile *pr)
{
	unsigned field, wire, i = pr->nfunction++;
	uint64_t v;
	struct pb sub;

	assert_true(i < MAX_ITEMS);
	memset(&pr->function[i], 0, sizeof(pr->function[i]));
	while (pb_next(&b, &field, &wire, &v, &sub)) {
		assert_int_equal(wire, 0);
		if (field == 1)
			pr->function[i].id = v;
		else if (field == 2)
			pr->function[i].name = v;
		else if (field == 3)
			pr->function[i].system_name = v;
	}
}

static struct profile *decode_profile(const uint8_t *data, size_t len)
{
	struct profile *pr = calloc(1, sizeof(*pr));
	struct pb b = { data, data + len }, sub;
	unsigned field, wire;
	uint64_t v;

	assert_non_null(pr);
	pr->sample = calloc(MAX_ITEMS, sizeof(*pr->sample));
	assert_non_null(pr->sample);
	while (pb_next(&b, &field, &wire, &v, &sub)) {
		switch (field) {
		case 1: /* sample_type */
			assert_true(pr->nsample_type < 4);
			pr->sample_type[pr->nsample_type++] = decode_value_type(sub);
			break;
		case 2: /* sample */
			assert_true(pr->nsample < MAX_ITEMS);
			decode_sample(sub, &pr->sample[pr->nsample++]);
			break;
		case 4: decode_location(sub, pr); break;
		case 5: decode_function(sub, pr); break;
		case 6: /* string_table */
			assert_true(pr->nstring < MAX_ITEMS);
			pr->string[pr->nstring] =
				strndup((const char *)sub.p, (size_t)(sub.end - sub.p));
			assert_non_null(pr->string[pr->nstring++]);
			break;
		case 11: /* period_type */
			pr->nperiod_type++;
			pr->period_type = decode_value_type(sub);
			break;
		case 12: /* period */
			assert_int_equal(wire, 0);
			pr->nperiod++;
			pr->period = v;
			break;
		default: fail_msg("unexpected Profile field %u", field);
		}
	}
	return pr;
}

static void free_profile(struct profile *pr)
{
	for (unsigned i = 0; i < pr->nstring; i++)
		free(pr->string[i]);
	free(pr->sample);
	free(pr);
}

static const char *str(const struct profile *pr, uint64_t i)
{
	assert_true(i < pr->nstring);
	return pr->string[i];
}

/* Name of the function at location @id (exactly one matches). */
static const char *location_name(const struct profile *pr, uint64_t id)
{
	for (unsigned i = 0; i < pr->nlocation; i++) {
		if (pr->location[i].id != id)
			continue;
		assert_int_equal(pr->location[i].nline, 1);
		for (unsigned j = 0; j < pr->nfunction; j++)
			if (pr->function[j].id == pr->location[i].function_id)
				return str(pr, pr->function[j].name);
		fail_msg("location %" PRIu64 " names no function", id);
	}
	fail_msg("no location %" PRIu64, id);
	return NULL;
}

/* ---- helpers ------------------------------------------------------------------------ */

/* Writes @set as pprof to a tmpfile and returns the file's bytes (malloc'ed). */
static uint8_t *write_pprof(const struct prof_stacks *set, uint64_t period, size_t *len)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	assert_int_equal(prof_write_pprof(set, f, period), 0);
	long size = ftell(f);

	assert_true(size > 0);
	rewind(f);
	uint8_t *data = malloc((size_t)size);

	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*len = (size_t)size;
	return data;
}

/* Gunzips @data (exactly one gzip member, nothing after it). */
static uint8_t *gunzip(const uint8_t *data, size_t len, size_t *out_len)
{
	z_stream z = { 0 };
	size_t cap = 4096, n = 0;
	uint8_t *out = malloc(cap);
	int err;

	assert_non_null(out);
	assert_true(len >= 18);
	assert_int_equal(data[0], 0x1f); /* gzip magic */
	assert_int_equal(data[1], 0x8b);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	do {
		if (n == cap) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		z.next_out = out + n;
		z.avail_out = (uInt)(cap - n);
		err = inflate(&z, Z_NO_FLUSH);
		assert_true(err == Z_OK || err == Z_STREAM_END);
		n = cap - z.avail_out;
	} while (err != Z_STREAM_END);
	assert_int_equal(z.avail_in, 0);
	inflateEnd(&z);
	*out_len = n;
	return out;
}

static struct profile *roundtrip(const struct prof_stacks *set, uint64_t period)
{
	size_t len, plen;
	uint8_t *gz = write_pprof(set, period, &len);
	uint8_t *raw = gunzip(gz, len, &plen);
	struct profile *pr = decode_profile(raw, plen);

	free(raw);
	free(gz);
	return pr;
}

struct expect {
	const char *folded; /* root first, ';'-separated */
	uint64_t count;
};

/* The generic checks, then each sample (leaf first) against @want (root first). */
static void check_profile(const struct profile *pr, uint64_t period, const struct expect *want,
			  unsigned nwant)
{
	assert_true(pr->nstring >= 1);
	assert_string_equal(pr->string[0], "");
	assert_int_equal(pr->nsample_type, 1);
	assert_string_equal(str(pr, pr->sample_type[0].type), "samples");
	assert_string_equal(str(pr, pr->sample_type[0].unit), "count");
	assert_int_equal(pr->nperiod_type, 1);
	assert_string_equal(str(pr, pr->period_type.type), "cpu");
	assert_string_equal(str(pr, pr->period_type.unit), "nanoseconds");
	if (period) {
		assert_int_equal(pr->nperiod, 1);
		assert_int_equal(pr->period, period);
	} else { /* proto3: an omitted field is 0 */
		assert_true(pr->nperiod <= 1);
		assert_int_equal(pr->period, 0);
	}

	/* Functions: nonzero unique ids, one per distinct name, name == system_name. */
	for (unsigned i = 0; i < pr->nfunction; i++) {
		assert_true(pr->function[i].id != 0);
		assert_int_equal(pr->function[i].name, pr->function[i].system_name);
		for (unsigned j = 0; j < i; j++) {
			assert_true(pr->function[j].id != pr->function[i].id);
			assert_string_not_equal(str(pr, pr->function[j].name),
						str(pr, pr->function[i].name));
		}
	}
	/* Locations: nonzero unique ids, one line each, one per function. */
	assert_int_equal(pr->nlocation, pr->nfunction);
	for (unsigned i = 0; i < pr->nlocation; i++) {
		assert_true(pr->location[i].id != 0);
		for (unsigned j = 0; j < i; j++) {
			assert_true(pr->location[j].id != pr->location[i].id);
			assert_true(pr->location[j].function_id != pr->location[i].function_id);
		}
	}

	/* Each expected stack is exactly one sample. */
	assert_int_equal(pr->nsample, nwant);
	bool *seen = calloc(nwant ? nwant : 1, sizeof(*seen));

	assert_non_null(seen);
	for (unsigned i = 0; i < pr->nsample; i++) {
		const struct sample *s = &pr->sample[i];
		char folded[2048] = "";
		size_t len = 0;

		assert_int_equal(s->nvalue, 1);
		assert_true(s->nloc >= 1);
		/* Leaf first on the wire: rebuild root first. */
		for (unsigned j = s->nloc; j-- > 0;) {
			const char *name = location_name(pr, s->loc[j]);

			assert_true(len + strlen(name) + 2 < sizeof(folded));
			len += (size_t)sprintf(folded + len, "%s%s", j + 1 == s->nloc ? "" : ";",
					       name);
		}
		unsigned k = 0;

		while (k < nwant && strcmp(want[k].folded, folded))
			k++;
		if (k == nwant)
			fail_msg("unexpected sample \"%s\"", folded);
		assert_false(seen[k]);
		seen[k] = true;
		assert_int_equal(s->value[0], want[k].count);
	}
	free(seen);
}

/* ---- tests -------------------------------------------------------------------------- */

static void test_samples_leaf_first(void **state)
{
	(void)state;
	struct prof_stacks *set = prof_stacks_new();

	assert_non_null(set);
	add(set, "main_thread;app_main;memcpy", 40);
	add(set, "main_thread;app_main;memcpy", 2); /* merged: 42 */
	add(set, "main_thread;app_main", 7);
	add(set, "main_thread;idle", 100);
	add(set, "irq;timer", 1);
	add(set, "main_thread;fib;fib;fib", 3);			/* recursion: one location */
	add(set, "main_thread;operator new(unsigned long)", 5); /* spaces, parentheses */
	add(set, "main_thread;caf\xc3\xa9;\xff\xfe", 6);	/* UTF-8 and raw bytes */
	add(set, "samples;count", 9); /* names equal to the fixed strings */

	static const struct expect want[] = {
		{ "main_thread;app_main;memcpy", 42 },
		{ "main_thread;app_main", 7 },
		{ "main_thread;idle", 100 },
		{ "irq;timer", 1 },
		{ "main_thread;fib;fib;fib", 3 },
		{ "main_thread;operator new(unsigned long)", 5 },
		{ "main_thread;caf\xc3\xa9;\xff\xfe", 6 },
		{ "samples;count", 9 },
	};
	struct profile *pr = roundtrip(set, 10000000);

	check_profile(pr, 10000000, want, sizeof(want) / sizeof(want[0]));
	/* main_thread app_main memcpy idle irq timer fib operator-new café \xff\xfe samples count */
	assert_int_equal(pr->nfunction, 12);

	/* The recursive stack repeats one location id; the leaf comes first. */
	for (unsigned i = 0; i < pr->nsample; i++) {
		const struct sample *s = &pr->sample[i];

		if (s->nloc != 4)
			continue;
		assert_string_equal(location_name(pr, s->loc[3]), "main_thread");
		assert_int_equal(s->loc[0], s->loc[1]);
		assert_int_equal(s->loc[1], s->loc[2]);
		assert_string_equal(location_name(pr, s->loc[0]), "fib");
	}
	free_profile(pr);
	prof_stacks_free(set);
}

static void test_large_values(void **state)
{
	(void)state;
	struct prof_stacks *set = prof_stacks_new();

	assert_non_null(set);
	add(set, "a;b", (uint64_t)1 << 40);
	add(set, "a", INT64_MAX);

	static const struct expect want[] = { { "a;b", (uint64_t)1 << 40 }, { "a", INT64_MAX } };
	struct profile *pr = roundtrip(set, UINT64_C(1) << 62);

	check_profile(pr, UINT64_C(1) << 62, want, 2);
	free_profile(pr);

	/* Period 0 (unknown) is still a valid profile. */
	pr = roundtrip(set, 0);
	check_profile(pr, 0, want, 2);
	free_profile(pr);
	prof_stacks_free(set);
}

static void test_empty(void **state)
{
	(void)state;
	struct prof_stacks *set = prof_stacks_new();

	assert_non_null(set);
	struct profile *pr = roundtrip(set, 1000);

	check_profile(pr, 1000, NULL, 0);
	assert_int_equal(pr->nfunction, 0);
	free_profile(pr);
	prof_stacks_free(set);
}

/* Many distinct, incompressible names: the output spans several deflate chunks. */
static void test_big(void **state)
{
	(void)state;
	enum { N = 3000 };
	struct prof_stacks *set = prof_stacks_new();
	struct expect *want = calloc(N, sizeof(*want));
	char(*folded)[96] = calloc(N, sizeof(*folded));
	uint64_t x = 0x9e3779b97f4a7c15;

	assert_non_null(set);
	assert_non_null(want);
	assert_non_null(folded);
	for (unsigned i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		snprintf(folded[i], sizeof(folded[i]), "root;mid%u;leaf_%016" PRIx64 "_%u", i % 7,
			 x, i);
		want[i].folded = folded[i];
		want[i].count = i + 1;
		add(set, folded[i], i + 1);
	}

	size_t len;
	uint8_t *gz = write_pprof(set, 1000000, &len);

	assert_true(len > 3 * 16384);
	free(gz);

	struct profile *pr = roundtrip(set, 1000000);

	check_profile(pr, 1000000, want, N);
	assert_int_equal(pr->nfunction, 1 + 7 + N);
	free_profile(pr);
	prof_stacks_free(set);
	free(folded);
	free(want);
}

static void test_deterministic(void **state)
{
	(void)state;
	struct prof_stacks *a = prof_stacks_new(), *b = prof_stacks_new();

	assert_non_null(a);
	assert_non_null(b);
	add(a, "m;x;y", 1);
	add(a, "m;z", 2);
	add(b, "m;z", 2); /* the other order */
	add(b, "m;x;y", 1);

	size_t la, lb;
	uint8_t *ga = write_pprof(a, 5, &la), *gb = write_pprof(b, 5, &lb);

	assert_int_equal(la, lb);
	assert_memory_equal(ga, gb, la);
	free(ga);
	free(gb);
	prof_stacks_free(a);
	prof_stacks_free(b);
}

static void test_write_errors(void **state)
{
	(void)state;
	struct prof_stacks *set = prof_stacks_new();

	assert_non_null(set);
	add(set, "main_thread;app_main;memcpy", 42);

	FILE *f = fopen("/dev/full", "w");

	assert_non_null(f);
	prof_fail(0, "stale");
	assert_int_equal(prof_write_pprof(set, f, 1000), -EIO);
	assert_non_null(strstr(prof_error(), "pprof"));
	fclose(f);

	/* A tiny fixed buffer fills up too. */
	char small[8];

	f = fmemopen(small, sizeof(small), "w");
	assert_non_null(f);
	prof_fail(0, "stale");
	assert_int_equal(prof_write_pprof(set, f, 1000), -EIO);
	assert_non_null(strstr(prof_error(), "pprof"));
	fclose(f);
	prof_stacks_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples_leaf_first),
		cmocka_unit_test(test_large_values),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_write_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
