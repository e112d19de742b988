// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for emberprof's profile reader, profiler/prof_file.c.
 *
 * The input is a whole profile file (layout in profiler/prof.h). It is put in
 * a memfd, created once and rewritten for each input (nothing is left on
 * disk), and read through /proc/self/fd/<n>, which opens it afresh at offset
 * 0: prof_reader_open(), then prof_reader_next() until it returns <= 0.
 *
 * An independent oracle parses the same bytes (magic, version 1 or 2, header
 * size, build-id length, then sample/summary records, the summary last with
 * nothing after it: 48 bytes in version 1, 56 in version 2) and predicts
 * every sample and whether the file ends cleanly; the reader must agree
 * field by field. Besides: nframes is 1..PROF_MAX_FRAMES,
 * thread names and header strings are NUL-terminated, the loop ends within
 * one call per 8 input bytes (every record takes at least 8), errors are
 * negative with a reason, a finished reader keeps returning 0, and ASan/LSan
 * catch overflows and leaks.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "prof.h"

#include "fuzz_check.h"

/* The file layout (prof.h, prof_file.c): what the oracle parses. */
#define MAGIC	     "EMBERPRF"
#define REC_SAMPLE   1u
#define REC_SUMMARY  2u
#define SAMPLE_FIXED (8 + 4 + 2 + 2 + PROF_THREAD_NAME)
#define SUMMARY_V1   48u /* version 1; version 2 adds `skipped` */
#define SUMMARY_V2   56u

static int memfd = -1;
static char path[64];

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

struct cursor {
	const uint8_t *p;
	size_t left;
	uint32_t summary_size; /* by the file's version */
};

static const uint8_t *take(struct cursor *c, size_t n)
{
	if (c->left < n)
		return NULL;
	const uint8_t *p = c->p;

	c->p += n;
	c->left -= n;
	return p;
}

/* Whether the header is acceptable (the oracle's prof_reader_open()). */
static bool oracle_header(struct cursor *c)
{
	const uint8_t *m = take(c, 16);

	if (!m || memcmp(m, MAGIC, 8) || (le(m + 8, 4) != 1 && le(m + 8, 4) != 2) ||
	    le(m + 12, 4) != sizeof(struct prof_file_header))
		return false;
	c->summary_size = le(m + 8, 4) == 1 ? SUMMARY_V1 : SUMMARY_V2;
	const uint8_t *h = take(c, sizeof(struct prof_file_header));

	return h && h[offsetof(struct prof_file_header, build_id_len)] <= 20;
}

/*
 * The next record as the oracle sees it: 1 and the sample's bytes in @rec
 * (from the time field on) and its frame count, 0 at a valid end, -1 when the
 * file is corrupt or truncated here.
 */
static int oracle_next(struct cursor *c, const uint8_t **rec, unsigned *nframes)
{
	const uint8_t *r = take(c, 8);

	if (!r)
		return -1;
	uint32_t type = (uint32_t)le(r, 4), len = (uint32_t)le(r + 4, 4);

	if (type == REC_SAMPLE) {
		if (c->left < 16)
			return -1;
		unsigned n = (unsigned)le(c->p + 14, 2);

		if (n == 0 || n > PROF_MAX_FRAMES || len != SAMPLE_FIXED + 8u * n)
			return -1;
		*rec = take(c, len);
		*nframes = n;
		return *rec ? 1 : -1;
	}
	if (type != REC_SUMMARY || len != c->summary_size || !take(c, c->summary_size))
		return -1;
	return c->left ? -1 : 0;
}

static void check_sample(const struct prof_sample *s, const uint8_t *rec, unsigned n)
{
	CHECK(s->stack.nframes >= 1 && s->stack.nframes <= PROF_MAX_FRAMES);
	CHECK(s->stack.nframes == n);
	CHECK(s->time_ns == le(rec, 8));
	CHECK(s->flags == le(rec + 8, 4));
	CHECK(s->stack.flags == s->flags);
	CHECK(s->vcpu == le(rec + 12, 2));
	CHECK(memchr(s->thread, '\0', PROF_THREAD_NAME) != NULL);
	CHECK(!memcmp(s->thread, rec + 16, PROF_THREAD_NAME - 1));
	for (unsigned i = 0; i < n; i++)
		CHECK(s->stack.pcs[i] == le(rec + SAMPLE_FIXED + 8 * i, 8));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (memfd < 0) {
		memfd = memfd_create("fuzz_prof_file", MFD_CLOEXEC);
		CHECK(memfd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	}
	CHECK(ftruncate(memfd, 0) == 0);
	CHECK(pwrite(memfd, data, size, 0) == (ssize_t)size);

	struct cursor c = { data, size, 0 };
	bool header_ok = oracle_header(&c);
	struct prof_file_header h;
	struct prof_reader *r = NULL;

	memset(&h, 0xa5, sizeof(h)); /* unterminated unless the reader terminates it */
	prof_fail(0, "%s", "");
	int err = prof_reader_open(path, &r, &h);

	if (!header_ok) {
		CHECK(err < 0 && r == NULL);
		CHECK(prof_error()[0] != '\0');
		return 0;
	}
	CHECK(err == 0 && r != NULL);
	CHECK(memchr(h.target, '\0', sizeof(h.target)) != NULL);
	CHECK(memchr(h.elf, '\0', sizeof(h.elf)) != NULL);
	CHECK(h.build_id_len <= sizeof(h.build_id));

	/* Each call consumes a record of at least 8 bytes: bounded by the input. */
	size_t calls = 0, max_calls = size / 8 + 1;
	struct prof_sample *s = malloc(sizeof(*s));

	CHECK(s != NULL);
	for (;;) {
		const uint8_t *rec = NULL;
		unsigned n = 0;
		int want = oracle_next(&c, &rec, &n);

		CHECK(++calls <= max_calls);
		prof_fail(0, "%s", "");
		int got = prof_reader_next(r, s);

		if (want < 0) {
			CHECK(got < 0);
			CHECK(prof_error()[0] != '\0');
			break;
		}
		CHECK(got == want);
		if (got == 0) {
			const struct prof_summary *sum = prof_reader_summary(r);

			CHECK(sum != NULL);
			const uint8_t *rec = c.p - c.summary_size;

			CHECK(sum->samples == le(rec, 8));
			CHECK(sum->errors == le(rec + 32, 8));
			CHECK(sum->elapsed_ns == le(rec + 40, 8));
			CHECK(sum->skipped == (c.summary_size == SUMMARY_V2 ? le(rec + 48, 8) : 0));
			CHECK(prof_reader_next(r, s) == 0); /* stays at the end */
			break;
		}
		check_sample(s, rec, n);
	}
	free(s);
	prof_reader_close(r);
	return 0;
}
