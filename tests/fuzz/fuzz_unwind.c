// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for emberprof's snapshot path: the snapshot file reader
 * (profiler/snapshot_file.c) and both unwinders (unwind_fp.c, unwind_dwarf.c)
 * on hostile guest memory, through the snapshot target.
 *
 * Input: one mode byte, then
 *   mode even: u64 rip, rsp, rbp, u8 npages, then npages x {u32 page number
 *     (sign-extended, << 12: the top of the address space is reachable),
 *     up to 4096 bytes of page data (zero-padded when the input ends)};
 *     a page number that repeats is skipped (the target refuses it);
 *   mode odd: a snapshot file. When the reader accepts it, the result is
 *     unwound too; either way the reader must agree with itself when asked
 *     for the header only.
 * The pages are exact-size heap copies held by the target, so ASan reports
 * any read outside them. The DWARF unwinder uses the symbols of a committed
 * guest ELF (tests/snapshots/workload-nofp/guest.elf, opened once), so rip
 * values inside its code reach real CFI. Checked after every walk: 1 <=
 * nframes <= PROF_MAX_FRAMES, pcs[0] is rip, no unknown flags; the walk is
 * bounded, so libFuzzer's timeout catches a hang.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prof.h"
#include "snapshot_file.h"
#include "target_snapshot.h"

#include "fuzz_check.h"

#ifndef FUZZ_UNWIND_ELF
#define FUZZ_UNWIND_ELF "tests/snapshots/workload-nofp/guest.elf"
#endif

#define KNOWN_FLAGS (PROF_STACK_TRUNCATED | PROF_STACK_UNMAPPED | PROF_STACK_IDLE)

static struct prof_symbols *syms;
static struct prof_dwarf *dwarf;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (prof_symbols_open(FUZZ_UNWIND_ELF, &syms) || prof_dwarf_open(syms, &dwarf)) {
		fprintf(stderr, "fuzz_unwind: %s (run from the repository's top)\n", prof_error());
		abort();
	}
	return 0;
}

static void check_stack(const struct prof_stack *st, const struct prof_regs *regs)
{
	CHECK(st->nframes >= 1 && st->nframes <= PROF_MAX_FRAMES);
	CHECK(st->pcs[0] == regs->rip);
	CHECK((st->flags & ~(uint32_t)KNOWN_FLAGS) == 0);
}

static void unwind(struct prof_snapshot *s, const struct prof_regs *regs)
{
	struct prof_target t = prof_snapshot_target(s);
	struct prof_stack st;
	prof_unwind_fp(&t, regs, &st);
	check_stack(&st, regs);
	prof_unwind_dwarf(dwarf, &t, regs, &st);
	check_stack(&st, regs);
	t.ops->close(t.priv);
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void fuzz_pages(const uint8_t *data, size_t size)
{
	static uint8_t page[PROF_SNAP_PAGE];
	struct prof_regs regs = { 0 };
	if (size < 25)
		return;
	regs.rip = get_u64(data);
	regs.rsp = get_u64(data + 8);
	regs.rbp = get_u64(data + 16);
	unsigned npages = data[24];
	data += 25;
	size -= 25;
	struct prof_snapshot *s = prof_snapshot_new(&regs);
	CHECK(s);
	for (unsigned i = 0; i < npages && size >= 4; i++) {
		int32_t pn = (int32_t)((uint32_t)data[0] | (uint32_t)data[1] << 8 |
				       (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24);
		size_t n = size - 4 < sizeof(page) ? size - 4 : sizeof(page);
		memset(page, 0, sizeof(page));
		memcpy(page, data + 4, n);
		int err = prof_snapshot_add_page(
			s, (uint64_t)((int64_t)pn * (int64_t)PROF_SNAP_PAGE), page);
		CHECK(err == 0 || err == -EEXIST);
		data += 4 + n;
		size -= 4 + n;
	}
	unwind(s, &regs);
}

static void fuzz_file(const uint8_t *data, size_t size)
{
	/* An exact-size copy: a read past the end is an ASan report. */
	uint8_t *buf = malloc(size ? size : 1);
	CHECK(buf);
	memcpy(buf, data, size);
	struct prof_snap_info info, again;
	struct prof_snapshot *s;
	int err = prof_snap_parse(buf, size, &info, &s);
	CHECK(err == 0 || err == -EINVAL);
	CHECK(prof_snap_parse(buf, size, &again, NULL) == err);
	if (!err) {
		CHECK(s);
		CHECK(info.npages <= PROF_SNAP_MAX_PAGES && info.build_id_len <= 20);
		CHECK(strlen(info.elf) >= 1 && info.elf[0] != '/');
		CHECK(!memcmp(&info.regs, &again.regs, sizeof(info.regs)));
		unwind(s, &info.regs);
	} else {
		CHECK(!s);
		CHECK(prof_error()[0] != '\0');
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		fuzz_file(data + 1, size - 1);
	else
		fuzz_pages(data + 1, size - 1);
	return 0;
}
