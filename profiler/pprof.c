// SPDX-License-Identifier: MIT
/*
 * pprof's format: a perftools.profiles.Profile message (google/pprof,
 * proto/profile.proto) compressed with gzip, encoded by hand (no protobuf
 * library: we only need varints and length-delimited fields).
 *
 * The string table starts with "", then the four fixed strings ("samples",
 * "count", "cpu", "nanoseconds"), then each distinct frame name once, sorted
 * by name so the file is deterministic. Frame name i (0-based, sorted) is
 * Function i + 1 (name = system_name = its string) and Location i + 1 (one
 * Line naming that function; no mappings or addresses: the stacks are already
 * symbolized). Each distinct stack is one Sample: location ids packed, leaf
 * first (pprof's order; prof_stacks are root first), and one value, its count.
 * period_type is cpu/nanoseconds and period the sampling period.
 *
 * The message is built in memory (each submessage is encoded into a scratch
 * buffer first so its length can prefix it), then deflated with a gzip
 * wrapper (zlib, windowBits 31; the header's mtime is 0, so equal profiles
 * give equal files) and written out in chunks.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "prof.h"

/* Field numbers from profile.proto. */
enum {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	VALUE_TYPE_TYPE = 1,
	VALUE_TYPE_UNIT = 2,
	SAMPLE_LOCATION_ID = 1,
	SAMPLE_VALUE = 2,
	LOCATION_ID = 1,
	LOCATION_LINE = 4,
	LINE_FUNCTION_ID = 1,
	FUNCTION_ID = 1,
	FUNCTION_NAME = 2,
	FUNCTION_SYSTEM_NAME = 3,
};

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

/* Fixed strings, at these string table indices; frame names follow them. */
enum { STR_EMPTY, STR_SAMPLES, STR_COUNT, STR_CPU, STR_NANOSECONDS, STR_FIRST_NAME };
static const char *const fixed_strings[STR_FIRST_NAME] = { "", "samples", "count", "cpu",
							   "nanoseconds" };

struct buf {
	uint8_t *p;
	size_t len, cap;
	bool nomem;
};

static void put_bytes(struct buf *b, const void *p, size_t n)
{
	if (b->nomem)
		return;
	if (n > b->cap - b->len) {
		size_t cap = b->cap * 2 + n + 256;
		uint8_t *q = realloc(b->p, cap);

		if (!q) {
			b->nomem = true;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_varint(struct buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	put_bytes(b, tmp, n);
}

static size_t varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >>= 7)
		n++;
	return n;
}

static void put_key(struct buf *b, unsigned field, unsigned wire)
{
	put_varint(b, (uint64_t)field << 3 | wire);
}

static void put_uint(struct buf *b, unsigned field, uint64_t v)
{
	put_key(b, field, WIRE_VARINT);
	put_varint(b, v);
}

static void put_len(struct buf *b, unsigned field, const void *p, size_t n)
{
	put_key(b, field, WIRE_LEN);
	put_varint(b, n);
	put_bytes(b, p, n);
}

/* Appends the submessage in @sub as field @field of @b, and empties @sub. */
static void put_sub(struct buf *b, unsigned field, struct buf *sub)
{
	b->nomem |= sub->nomem;
	put_len(b, field, sub->p, sub->len);
	sub->len = 0;
}

static void put_value_type(struct buf *b, unsigned field, struct buf *sub, uint64_t type,
			   uint64_t unit)
{
	put_uint(sub, VALUE_TYPE_TYPE, type);
	put_uint(sub, VALUE_TYPE_UNIT, unit);
	put_sub(b, field, sub);
}

struct sampler {
	struct buf *msg, *sub, *ids;
	const struct prof_names *names;
};

/* Location id (1-based) of the frame name @name. */
static uint64_t location_of(const struct prof_names *names, const char *name)
{
	return (uint64_t)prof_names_index(names, name) + 1;
}

static void put_sample(const struct prof_named_stack *stack, void *arg)
{
	struct sampler *s = arg;

	for (unsigned i = stack->nframes; i-- > 0;)
		put_varint(s->ids, location_of(s->names, stack->frames[i]));
	put_len(s->sub, SAMPLE_LOCATION_ID, s->ids->p, s->ids->len);
	s->sub->nomem |= s->ids->nomem;
	s->ids->len = 0;

	/* One value, packed; an int64 on the wire is the same varint. */
	put_key(s->sub, SAMPLE_VALUE, WIRE_LEN);
	put_varint(s->sub, varint_size(stack->count));
	put_varint(s->sub, stack->count);
	put_sub(s->msg, PROFILE_SAMPLE, s->sub);
}

/* Builds the uncompressed Profile message in @msg. */
static void build(const struct prof_stacks *set, const struct prof_names *names, uint64_t period_ns,
		  struct buf *msg)
{
	struct buf sub = { 0 }, line = { 0 }, ids = { 0 };

	put_value_type(msg, PROFILE_SAMPLE_TYPE, &sub, STR_SAMPLES, STR_COUNT);

	struct sampler s = { .msg = msg, .sub = &sub, .ids = &ids, .names = names };

	prof_stacks_foreach(set, put_sample, &s);

	for (size_t i = 0; i < names->nr; i++) {
		put_uint(&line, LINE_FUNCTION_ID, i + 1);
		put_uint(&sub, LOCATION_ID, i + 1);
		put_sub(&sub, LOCATION_LINE, &line);
		put_sub(msg, PROFILE_LOCATION, &sub);
	}
	for (size_t i = 0; i < names->nr; i++) {
		put_uint(&sub, FUNCTION_ID, i + 1);
		put_uint(&sub, FUNCTION_NAME, STR_FIRST_NAME + i);
		put_uint(&sub, FUNCTION_SYSTEM_NAME, STR_FIRST_NAME + i);
		put_sub(msg, PROFILE_FUNCTION, &sub);
	}
	for (size_t i = 0; i < STR_FIRST_NAME; i++)
		put_len(msg, PROFILE_STRING_TABLE, fixed_strings[i], strlen(fixed_strings[i]));
	for (size_t i = 0; i < names->nr; i++)
		put_len(msg, PROFILE_STRING_TABLE, names->v[i], strlen(names->v[i]));

	put_value_type(msg, PROFILE_PERIOD_TYPE, &sub, STR_CPU, STR_NANOSECONDS);
	put_uint(msg, PROFILE_PERIOD, period_ns);

	msg->nomem |= sub.nomem || line.nomem || ids.nomem;
	free(sub.p);
	free(line.p);
	free(ids.p);
}

/* gzip-compresses @len bytes at @p to @out. 0, or -errno with a reason. */
static int write_gzip(const uint8_t *p, size_t len, FILE *out)
{
	z_stream z = { 0 };
	uint8_t chunk[16384];
	int zerr =
		deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);

	if (zerr != Z_OK)
		return prof_fail(zerr == Z_MEM_ERROR ? ENOMEM : EIO,
				 "writing the pprof profile: zlib deflateInit2 failed (%d)", zerr);
	errno = 0;
	int err = 0, flush;

	do {
		/* avail_in is an unsigned int: feed a huge message in pieces. */
		size_t n = len < (1u << 30) ? len : (1u << 30);

		z.next_in = (Bytef *)p;
		z.avail_in = (uInt)n;
		p += n;
		len -= n;
		flush = len ? Z_NO_FLUSH : Z_FINISH;
		do {
			z.next_out = chunk;
			z.avail_out = sizeof(chunk);
			zerr = deflate(&z, flush);
			if (zerr == Z_STREAM_ERROR) {
				err = prof_fail(EIO,
						"writing the pprof profile: zlib deflate failed");
				break;
			}
			size_t have = sizeof(chunk) - z.avail_out;

			if (fwrite(chunk, 1, have, out) != have) {
				err = prof_fail(EIO, "writing the pprof profile: %s",
						strerror(errno ? errno : EIO));
				break;
			}
		} while (z.avail_out == 0);
	} while (!err && flush != Z_FINISH);
	deflateEnd(&z);
	if (!err && zerr != Z_STREAM_END)
		err = prof_fail(EIO, "writing the pprof profile: zlib did not finish (%d)", zerr);
	if (!err && (fflush(out) || ferror(out)))
		err = prof_fail(EIO, "writing the pprof profile: %s",
				strerror(errno ? errno : EIO));
	return err;
}

int prof_write_pprof(const struct prof_stacks *set, FILE *out, uint64_t period_ns)
{
	struct prof_names names;
	struct buf msg = { 0 };
	int err = prof_stacks_names(set, &names);

	if (err)
		return err;
	build(set, &names, period_ns, &msg);
	if (msg.nomem)
		err = prof_fail(ENOMEM, "out of memory for the pprof profile");
	else
		err = write_gzip(msg.p, msg.len, out);
	free(msg.p);
	prof_names_free(&names);
	return err;
}
