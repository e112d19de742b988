// SPDX-License-Identifier: MIT
/*
 * Offline unwinder tests on snapshots recorded from real guests
 * (tests/snapshots/<name>/: snapshot.snap, guest.elf, expected.txt, made by
 * ember-snapcap), and of the snapshot file reader (profiler/snapshot_file.c)
 * on malformed files.
 *
 * Each snapshot is frozen data, so its stacks are exact: the test loads it,
 * checks guest.elf's build-id is the one the snapshot was taken with, walks
 * it with the frame-pointer and the DWARF unwinder, names the frames (frame 0
 * as the sampled RIP, the others as return addresses, inline chains
 * expanded) and compares the text with expected.txt line for line.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "prof.h"
#include "snapshot_file.h"
#include "target_snapshot.h"

#ifndef PROF_SNAPSHOTS
#define PROF_SNAPSHOTS "tests/snapshots"
#endif

struct text {
	char *buf;
	size_t len, cap;
};

static void append(struct text *t, const char *s)
{
	size_t n = strlen(s);
	if (t->len + n + 2 > t->cap) {
		t->cap = (t->len + n + 2) * 2;
		t->buf = realloc(t->buf, t->cap);
		assert_non_null(t->buf);
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len++] = '\n';
	t->buf[t->len] = '\0';
}

/* The format of expected.txt (see profiler/snapcap.c). */
static void name_stack(struct prof_symbols *syms, const char *title, const struct prof_stack *st,
		       struct text *out)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "[%s]", title);
	append(out, buf);
	assert_true(st->nframes >= 1 && st->nframes <= PROF_MAX_FRAMES);
	if (st->flags & PROF_STACK_TRUNCATED)
		append(out, "[truncated]");
	if (st->flags & PROF_STACK_UNMAPPED)
		append(out, "[unmapped]");
	for (uint32_t i = st->nframes; i-- > 0;) {
		const char *names[8];
		int k = prof_symbols_lookup(syms, st->pcs[i], i > 0, names, 8);
		if (k == 0) {
			snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)st->pcs[i]);
			append(out, buf);
		}
		while (k-- > 0)
			append(out, names[k]);
	}
}

/* expected.txt without its comment lines. */
static void read_expected(const char *path, struct text *out)
{
	FILE *f = fopen(path, "r");
	char line[512];
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '#' && line[0] != '\0')
			append(out, line);
	}
	fclose(f);
}

static void check_snapshot(const char *dir)
{
	char path[1024];
	struct prof_snap_info info;
	struct prof_snapshot *snap;
	struct prof_symbols *syms;
	struct prof_dwarf *dw;
	const uint8_t *id;
	size_t idlen;

	snprintf(path, sizeof(path), "%s/snapshot.snap", dir);
	if (prof_snap_read(path, &info, &snap))
		fail_msg("%s", prof_error());
	assert_string_equal(info.elf, "guest.elf");
	snprintf(path, sizeof(path), "%s/%s", dir, info.elf);
	if (prof_symbols_open(path, &syms))
		fail_msg("%s", prof_error());
	prof_symbols_build_id(syms, &id, &idlen);
	assert_true(info.build_id_len > 0);
	assert_int_equal(idlen, info.build_id_len);
	assert_memory_equal(id, info.build_id, idlen);
	assert_int_equal(prof_dwarf_open(syms, &dw), 0);

	/* The guest's own copy of the build-id was recorded too: it matches. */
	struct prof_target t = prof_snapshot_target(snap);
	uint8_t guest_id[20];
	assert_int_equal(t.ops->read_mem(t.priv, &info.regs, prof_symbols_build_id_addr(syms),
					 guest_id, idlen),
			 (ssize_t)idlen);
	assert_memory_equal(guest_id, id, idlen);

	struct text got = { 0 }, want = { 0 };
	struct prof_stack st;
	prof_unwind_fp(&t, &info.regs, &st);
	name_stack(syms, "fp", &st, &got);
	prof_unwind_dwarf(dw, &t, &info.regs, &st);
	name_stack(syms, "dwarf", &st, &got);
	snprintf(path, sizeof(path), "%s/expected.txt", dir);
	read_expected(path, &want);
	if (strcmp(got.buf, want.buf))
		fail_msg("%s: stacks differ\n--- expected\n%s--- got\n%s", dir, want.buf, got.buf);

	free(got.buf);
	free(want.buf);
	t.ops->close(t.priv);
	prof_dwarf_close(dw);
	prof_symbols_close(syms);
}

static void test_recorded_snapshots(void **state)
{
	(void)state;
	DIR *d = opendir(PROF_SNAPSHOTS);
	struct dirent *e;
	unsigned n = 0;
	assert_non_null(d);
	while ((e = readdir(d))) {
		char dir[300];
		if (e->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", PROF_SNAPSHOTS, e->d_name);
		print_message("snapshot %s\n", e->d_name);
		check_snapshot(dir);
		n++;
	}
	closedir(d);
	assert_true(n >= 2);
}

/* ---- the reader on malformed files ------------------------------------------------------- */

static uint8_t pages[3][PROF_SNAP_PAGE];

/* A valid 3-page snapshot file, in memory. */
static uint8_t *valid_file(size_t *len)
{
	struct prof_snap_info info = { .regs = { .rip = 0x100abc, .rsp = 0x7ff80, .rbp = 0x7ffa0 },
				       .build_id = { 1, 2, 3, 4 },
				       .build_id_len = 4,
				       .elf = "guest.elf" };
	struct prof_snap_page p[3] = { { 0x7e000, pages[0] },
				       { 0x7f000, pages[1] },
				       { 0x100000, pages[2] } };
	char path[] = "/tmp/test_prof_snapshots.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	for (int i = 0; i < 3; i++)
		memset(pages[i], 0x11 * (i + 1), sizeof(pages[i]));
	assert_int_equal(prof_snap_write(path, &info, p, 3), 0);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t *buf = malloc(1 << 16);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	unlink(path);
	return buf;
}

static void expect_reject(const uint8_t *buf, size_t len, const char *reason)
{
	struct prof_snap_info info;
	struct prof_snapshot *s = (struct prof_snapshot *)1;
	assert_int_equal(prof_snap_parse(buf, len, &info, &s), -EINVAL);
	assert_null(s);
	if (!strstr(prof_error(), reason))
		fail_msg("reason '%s' does not say '%s'", prof_error(), reason);
}

/* Offset of page record @i in valid_file()'s output. */
static size_t page_off(size_t len, unsigned i)
{
	return len - (3 - i) * (8 + PROF_SNAP_PAGE);
}

static void test_round_trip(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = valid_file(&len);
	struct prof_snap_info info;
	struct prof_snapshot *s;
	assert_int_equal(prof_snap_parse(buf, len, &info, &s), 0);
	assert_int_equal(info.regs.rip, 0x100abc);
	assert_int_equal(info.regs.rbp, 0x7ffa0);
	assert_int_equal(info.npages, 3);
	assert_int_equal(info.build_id_len, 4);
	assert_string_equal(info.elf, "guest.elf");
	struct prof_target t = prof_snapshot_target(s);
	uint8_t word[16];
	/* A read across the two adjacent pages works; one past the last does not. */
	assert_int_equal(t.ops->read_mem(t.priv, &info.regs, 0x7eff8, word, 16), 16);
	assert_int_equal(word[0], 0x11);
	assert_int_equal(word[8], 0x22);
	assert_int_equal(t.ops->read_mem(t.priv, &info.regs, 0x100ff8, word, 16), -EFAULT);
	t.ops->close(t.priv);
	free(buf);
}

static void test_bad_files(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = valid_file(&len);

	expect_reject(buf, 0, "bad magic");
	buf[0] ^= 1;
	expect_reject(buf, len, "bad magic");
	buf[0] ^= 1;
	expect_reject(buf, 20, "truncated in its header");
	buf[8] = 2;
	expect_reject(buf, len, "version 2");
	buf[8] = 1;
	for (size_t cut = 8; cut < len; cut += 997)
		assert_int_equal(prof_snap_parse(buf, cut, &(struct prof_snap_info){ 0 }, NULL),
				 -EINVAL);
	expect_reject(buf, len - 1, "truncated: 3 pages announced, 2 present");
	expect_reject(buf, page_off(len, 1), "truncated");

	uint8_t *more = malloc(len + 1);
	memcpy(more, buf, len);
	more[len] = 0;
	expect_reject(more, len + 1, "1 bytes after its last page");
	free(more);

	/* npages is right before the first page record */
	size_t np = page_off(len, 0) - 4;
	buf[np + 3] = 0x80;
	expect_reject(buf, len, "claims 2147483651 pages");
	buf[np + 3] = 0;

	buf[page_off(len, 1)] = 0x08; /* 0x7f008 */
	expect_reject(buf, len, "not page-aligned");
	buf[page_off(len, 1)] = 0x00;

	buf[page_off(len, 1) + 1] = 0xe0; /* 0x7e000 again */
	expect_reject(buf, len, "0x7e000 appears twice");
	buf[page_off(len, 1) + 1] = 0xd0; /* 0x7d000: below the previous page */
	expect_reject(buf, len, "out of order");
	buf[page_off(len, 1) + 1] = 0xf0;

	buf[69] = 0; /* ELF name length */
	expect_reject(buf, len, "not a relative path");
	buf[69] = 9;
	buf[70] = '/';
	expect_reject(buf, len, "not a relative path");
	buf[70] = 'g';
	buf[48] = 21;
	expect_reject(buf, len, "build-id length 21");
	buf[48] = 4;

	assert_int_equal(prof_snap_parse(buf, len, &(struct prof_snap_info){ 0 }, NULL), 0);
	free(buf);
}

static void test_read_errors(void **state)
{
	(void)state;
	struct prof_snap_info info;
	struct prof_snapshot *s;
	assert_int_equal(prof_snap_read("/nonexistent/x.snap", &info, &s), -ENOENT);
	assert_non_null(strstr(prof_error(), "/nonexistent/x.snap"));
	/* An ELF is not a snapshot: the reason names the file. */
	assert_int_equal(prof_snap_read(PROF_SNAPSHOTS "/workload-fp/guest.elf", &info, &s),
			 -EINVAL);
	assert_non_null(strstr(prof_error(), "guest.elf: not a snapshot file (bad magic)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_snapshots),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_read_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
