// SPDX-License-Identifier: MIT
/*
 * Host tests of the profiler's frame-pointer unwinder (profiler/unwind_fp.c)
 * on snapshots built in memory (profiler/target_snapshot.c), including
 * hostile stacks: loops, frame pointers that go down or are misaligned,
 * stacks running into unmapped memory, endless chains and a guest that has
 * gone; and of the symbolizer (profiler/symbols.c) on a small fixture ELF.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "prof.h"
#include "target_snapshot.h"

#define STACK_VA 0x7ff000ull
#define PAGE	 4096

static uint64_t page[PAGE / 8];

/* Writes a frame record [next_fp, ret] at stack offset @off (bytes). */
static void frame_at(unsigned off, uint64_t next_fp, uint64_t ret)
{
	page[off / 8] = next_fp;
	page[off / 8 + 1] = ret;
}

static struct prof_target snapshot(uint64_t rip, uint64_t rsp, uint64_t rbp)
{
	struct prof_regs regs = { .rip = rip, .rsp = rsp, .rbp = rbp };
	struct prof_snapshot *s = prof_snapshot_new(&regs);
	assert_non_null(s);
	assert_int_equal(prof_snapshot_add_page(s, STACK_VA, page), 0);
	return prof_snapshot_target(s);
}

static void unwind(struct prof_target *t, struct prof_stack *st)
{
	struct prof_regs regs;
	assert_int_equal(t->ops->get_regs(t->priv, 0, &regs), 0);
	prof_unwind_fp(t, &regs, st);
}

static void test_good_chain(void **state)
{
	(void)state;
	memset(page, 0, sizeof(page));
	frame_at(0x100, STACK_VA + 0x200, 0x101111);
	frame_at(0x200, STACK_VA + 0x300, 0x102222);
	frame_at(0x300, 0, 0x103333);
	struct prof_target t = snapshot(0x100abc, STACK_VA + 0x80, STACK_VA + 0x100);
	struct prof_stack st;
	unwind(&t, &st);
	assert_int_equal(st.nframes, 4);
	assert_int_equal(st.flags, 0);
	assert_int_equal(st.pcs[0], 0x100abc);
	assert_int_equal(st.pcs[1], 0x101111);
	assert_int_equal(st.pcs[3], 0x103333);
	t.ops->close(t.priv);
}

static void test_chain_ends_at_zero_return(void **state)
{
	(void)state;
	memset(page, 0, sizeof(page));
	frame_at(0x100, STACK_VA + 0x200, 0x101111);
	frame_at(0x200, STACK_VA + 0x300, 0); /* Ember's thread entry ends the chain so */
	struct prof_target t = snapshot(0x100abc, STACK_VA, STACK_VA + 0x100);
	struct prof_stack st;
	unwind(&t, &st);
	assert_int_equal(st.nframes, 2);
	assert_int_equal(st.flags, 0);
	t.ops->close(t.priv);
}

static void test_loop_is_truncated(void **state)
{
	(void)state;
	memset(page, 0, sizeof(page));
	frame_at(0x100, STACK_VA + 0x200, 0x101111);
	frame_at(0x200, STACK_VA + 0x100, 0x102222); /* points back down: a loop */
	struct prof_target t = snapshot(0x100abc, STACK_VA, STACK_VA + 0x100);
	struct prof_stack st;
	unwind(&t, &st);
	assert_int_equal(st.nframes, 3);
	assert_true(st.flags & PROF_STACK_TRUNCATED);
	t.ops->close(t.priv);
}

static void test_self_loop_and_misaligned(void **state)
{
	(void)state;
	memset(page, 0, sizeof(page));
	frame_at(0x100, STACK_VA + 0x100, 0x101111); /* points at itself */
	struct prof_target t = snapshot(0x1, STACK_VA, STACK_VA + 0x100);
	struct prof_stack st;
	unwind(&t, &st);
	assert_int_equal(st.nframes, 2);
	assert_true(st.flags & PROF_STACK_TRUNCATED);
	t.ops->close(t.priv);

	t = snapshot(0x1, STACK_VA, STACK_VA + 0x103); /* misaligned rbp */
	unwind(&t, &st);
	assert_int_equal(st.nframes, 1);
	assert_true(st.flags & PROF_STACK_TRUNCATED);
	t.ops->close(t.priv);

	t = snapshot(0x1, STACK_VA + 0x800, STACK_VA + 0x100); /* rbp below rsp */
	unwind(&t, &st);
	assert_int_equal(st.nframes, 1);
	assert_true(st.flags & PROF_STACK_TRUNCATED);
	t.ops->close(t.priv);
}

static void test_unmapped_stack(void **state)
{
	(void)state;
	memset(page, 0, sizeof(page));
	frame_at(0x100, STACK_VA + PAGE + 0x10, 0x101111); /* next frame off the page */
	struct prof_target t = snapshot(0x1, STACK_VA, STACK_VA + 0x100);
	struct prof_stack st;
	unwind(&t, &st);
	assert_int_equal(st.nframes, 2);
	assert_true(st.flags & PROF_STACK_UNMAPPED);
	t.ops->close(t.priv);

	t = snapshot(0x1, 0x1000, 0x2000); /* rbp in memory the snapshot lacks */
	unwind(&t, &st);
	assert_int_equal(st.nframes, 1);
	assert_true(st.flags & PROF_STACK_UNMAPPED);
	t.ops->close(t.priv);

	t = snapshot(0x1, 0xfffffffffffff000ull, 0xfffffffffffffff8ull); /* wraps */
	unwind(&t, &st);
	assert_int_equal(st.nframes, 1);
	assert_true(st.flags & PROF_STACK_UNMAPPED);
	t.ops->close(t.priv);
}

static void test_depth_is_bounded(void **state)
{
	(void)state;
	/* 255 frames, each pointing 16 bytes higher: more than PROF_MAX_FRAMES. */
	for (unsigned off = 0; off + 16 < PAGE; off += 16)
		frame_at(off, STACK_VA + off + 16, 0x100000 + off);
	frame_at(PAGE - 16, 0, 0x1);
	struct prof_target t = snapshot(0x1, STACK_VA, STACK_VA);
	struct prof_stack st;
	unwind(&t, &st);
	assert_int_equal(st.nframes, PROF_MAX_FRAMES);
	assert_true(st.flags & PROF_STACK_TRUNCATED);
	t.ops->close(t.priv);
}

static void test_random_memory_never_escapes(void **state)
{
	(void)state;
	srand(1234);
	for (int round = 0; round < 2000; round++) {
		for (unsigned i = 0; i < PAGE / 8; i++)
			page[i] = rand() % 4 ? STACK_VA + (uint64_t)(rand() % PAGE)
					     : ((uint64_t)rand() << 32) | (uint64_t)rand();
		struct prof_target t = snapshot(0x1, STACK_VA, STACK_VA + (rand() % PAGE));
		struct prof_stack st;
		unwind(&t, &st);
		assert_true(st.nframes >= 1 && st.nframes <= PROF_MAX_FRAMES);
		t.ops->close(t.priv);
	}
}

static void test_guest_gone(void **state)
{
	(void)state;
	struct prof_regs regs = { .rip = 1, .rsp = STACK_VA, .rbp = STACK_VA };
	struct prof_snapshot *s = prof_snapshot_new(&regs);
	struct prof_target t = prof_snapshot_target(s);
	prof_snapshot_set_alive(s, false);
	assert_int_equal(t.ops->pause(t.priv), -ESRCH);
	assert_int_equal(t.ops->get_regs(t.priv, 0, &regs), -ESRCH);
	assert_non_null(strstr(prof_error(), "gone"));
	t.ops->close(t.priv);
}

static uint64_t nm_address(const char *elf, const char *symbol)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "nm %s", elf);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char line[256];
	uint64_t addr = 0;
	while (fgets(line, sizeof(line), p)) {
		char type, name[200];
		unsigned long long a;
		if (sscanf(line, "%llx %c %199s", &a, &type, name) == 3 && !strcmp(name, symbol))
			addr = a;
	}
	pclose(p);
	assert_true(addr != 0);
	return addr;
}

static void test_symbols(void **state)
{
	(void)state;
	const char *elf = PROF_FIXTURE_ELF;
	struct prof_symbols *s;
	assert_int_equal(prof_symbols_open(elf, &s), 0);
	const char *names[8];
	uint64_t leaf = nm_address(elf, "fixture_leaf"), caller = nm_address(elf, "fixture_caller");
	int n = prof_symbols_lookup(s, leaf, false, names, 8);
	assert_true(n >= 1);
	assert_string_equal(names[n - 1], "fixture_leaf");
	/* A return address is looked up one byte earlier, at the call. */
	n = prof_symbols_lookup(s, caller + 1, true, names, 8);
	assert_true(n >= 1);
	assert_string_equal(names[n - 1], "fixture_caller");
	n = prof_symbols_lookup(s, caller, true, names, 8);
	assert_true(n == 0 || strcmp(names[n - 1], "fixture_caller") != 0);
	assert_int_equal(prof_symbols_lookup(s, 0x10, false, names, 8), 0);
	const uint8_t *id;
	size_t len;
	prof_symbols_build_id(s, &id, &len);
	assert_int_equal(len, 20);
	prof_symbols_close(s);
	assert_true(prof_symbols_open("/nonexistent/guest.elf", &s) < 0);
	assert_non_null(strstr(prof_error(), "/nonexistent/guest.elf"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_chain),
		cmocka_unit_test(test_chain_ends_at_zero_return),
		cmocka_unit_test(test_loop_is_truncated),
		cmocka_unit_test(test_self_loop_and_misaligned),
		cmocka_unit_test(test_unmapped_stack),
		cmocka_unit_test(test_depth_is_bounded),
		cmocka_unit_test(test_random_memory_never_escapes),
		cmocka_unit_test(test_guest_gone),
		cmocka_unit_test(test_symbols),
	};
	return cmocka_run_group_tests_name("prof_unwind", tests, NULL, NULL);
}
