// SPDX-License-Identifier: MIT
/*
 * Profile files (format in prof.h). The writer buffers through stdio and
 * reports a full disk or an unwritable file when it closes; the reader trusts
 * nothing: every record's type and length are checked against what its
 * payload must be before any field is used, frame counts are bounded, and a
 * file that ends without its summary is reported as truncated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prof.h"

#define MAGIC	     "EMBERPRF"
#define VERSION	     2u
#define REC_SAMPLE   1u
#define REC_SUMMARY  2u
#define SAMPLE_FIXED (8 + 4 + 2 + 2 + PROF_THREAD_NAME) /* before the pcs */
#define SUMMARY_SIZE (7 * 8)
#define SUMMARY_V1   (6 * 8) /* version 1: no `skipped` */
_Static_assert(sizeof(struct prof_summary) == SUMMARY_SIZE, "the summary is written as it is");

struct prof_writer {
	FILE *f;
	char path[256];
};

struct prof_reader {
	FILE *f;
	char path[256];
	long offset;
	bool ended;
	uint32_t summary_size; /* what this file's version writes */
	struct prof_summary summary;
};

static int put(struct prof_writer *w, const void *p, size_t n)
{
	return fwrite(p, 1, n, w->f) == n ? 0 : prof_fail(EIO, "%s: write failed", w->path);
}

int prof_writer_open(const char *path, const struct prof_file_header *h, struct prof_writer **out)
{
	struct prof_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return prof_fail(ENOMEM, "out of memory");
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->f = fopen(path, "wb");
	if (!w->f) {
		int err = errno;
		free(w);
		return prof_fail(err, "cannot write %s: %s", path, strerror(err));
	}
	uint32_t version = VERSION, size = sizeof(*h);
	int err = put(w, MAGIC, 8);
	err = err ?: put(w, &version, 4);
	err = err ?: put(w, &size, 4);
	err = err ?: put(w, h, sizeof(*h));
	if (err) {
		fclose(w->f);
		free(w);
		return err;
	}
	*out = w;
	return 0;
}

int prof_writer_sample(struct prof_writer *w, const struct prof_sample *s)
{
	uint16_t n =
		(uint16_t)(s->stack.nframes > PROF_MAX_FRAMES ? PROF_MAX_FRAMES : s->stack.nframes);
	uint32_t rec[2] = { REC_SAMPLE, SAMPLE_FIXED + 8u * n };
	uint32_t flags = s->flags | s->stack.flags;
	int err = put(w, rec, sizeof(rec));
	err = err ?: put(w, &s->time_ns, 8);
	err = err ?: put(w, &flags, 4);
	err = err ?: put(w, &s->vcpu, 2);
	err = err ?: put(w, &n, 2);
	err = err ?: put(w, s->thread, PROF_THREAD_NAME);
	return err ?: put(w, s->stack.pcs, 8u * n);
}

int prof_writer_close(struct prof_writer *w, const struct prof_summary *sum)
{
	uint32_t rec[2] = { REC_SUMMARY, SUMMARY_SIZE };
	int err = put(w, rec, sizeof(rec));
	err = err ?: put(w, sum, SUMMARY_SIZE);
	if (fflush(w->f) || ferror(w->f))
		err = err ?: prof_fail(EIO, "%s: write failed (disk full?)", w->path);
	if (fclose(w->f))
		err = err ?: prof_fail(EIO, "%s: close failed", w->path);
	free(w);
	return err;
}

static int get(struct prof_reader *r, void *p, size_t n, const char *what)
{
	if (fread(p, 1, n, r->f) != n)
		return prof_fail(EPROTO, "%s: truncated %s at offset %ld", r->path, what,
				 r->offset);
	r->offset += (long)n;
	return 0;
}

int prof_reader_open(const char *path, struct prof_reader **out, struct prof_file_header *h)
{
	struct prof_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return prof_fail(ENOMEM, "out of memory");
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->f = fopen(path, "rb");
	if (!r->f) {
		int err = errno;
		free(r);
		return prof_fail(err, "cannot read %s: %s", path, strerror(err));
	}
	char magic[8];
	uint32_t version, size;
	int err = get(r, magic, 8, "header");
	if (!err && memcmp(magic, MAGIC, 8))
		err = prof_fail(EPROTO, "%s: not an emberprof profile", path);
	err = err ?: get(r, &version, 4, "header");
	err = err ?: get(r, &size, 4, "header");
	if (!err && (version < 1 || version > VERSION || size != sizeof(*h)))
		err = prof_fail(EPROTO, "%s: profile version %u not supported", path, version);
	r->summary_size = version == 1 ? SUMMARY_V1 : SUMMARY_SIZE;
	err = err ?: get(r, h, sizeof(*h), "header");
	if (!err) { /* strings must be terminated before anyone prints them */
		h->target[sizeof(h->target) - 1] = h->elf[sizeof(h->elf) - 1] = '\0';
		if (h->build_id_len > sizeof(h->build_id))
			err = prof_fail(EPROTO, "%s: corrupt header (build-id length)", path);
	}
	if (err) {
		prof_reader_close(r);
		return err;
	}
	*out = r;
	return 0;
}

static int read_sample(struct prof_reader *r, uint32_t len, struct prof_sample *s)
{
	uint16_t n;
	memset(s, 0, sizeof(*s));
	int err = get(r, &s->time_ns, 8, "sample");
	err = err ?: get(r, &s->flags, 4, "sample");
	err = err ?: get(r, &s->vcpu, 2, "sample");
	err = err ?: get(r, &n, 2, "sample");
	if (!err && (n == 0 || n > PROF_MAX_FRAMES || len != SAMPLE_FIXED + 8u * n))
		return prof_fail(EPROTO, "%s: corrupt sample at offset %ld", r->path, r->offset);
	err = err ?: get(r, s->thread, PROF_THREAD_NAME, "sample");
	err = err ?: get(r, s->stack.pcs, 8u * n, "sample");
	s->thread[PROF_THREAD_NAME - 1] = '\0';
	s->stack.nframes = n;
	s->stack.flags = s->flags;
	return err ?: 1;
}

int prof_reader_next(struct prof_reader *r, struct prof_sample *s)
{
	uint32_t rec[2];
	if (r->ended)
		return 0;
	if (fread(rec, 1, sizeof(rec), r->f) != sizeof(rec))
		return prof_fail(EPROTO,
				 "%s: truncated profile (no summary; the recording was cut)",
				 r->path);
	r->offset += sizeof(rec);
	if (rec[0] == REC_SAMPLE)
		return read_sample(r, rec[1], s);
	if (rec[0] != REC_SUMMARY || rec[1] != r->summary_size)
		return prof_fail(EPROTO, "%s: corrupt record at offset %ld", r->path, r->offset);
	int err = get(r, &r->summary, r->summary_size, "summary");
	if (err)
		return err;
	if (fgetc(r->f) != EOF)
		return prof_fail(EPROTO, "%s: data after the summary", r->path);
	r->ended = true;
	return 0;
}

const struct prof_summary *prof_reader_summary(const struct prof_reader *r)
{
	return &r->summary;
}

void prof_reader_close(struct prof_reader *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	free(r);
}
