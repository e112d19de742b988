// SPDX-License-Identifier: MIT
/*
 * Page-permission suite: W^X on the image, NX on data/heap/stack, the NULL
 * page and stack guard pages. Each forbidden access must fault and come back
 * as the expected fault (through the probe fixups), not end the guest.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/page_alloc.h>
#include <ember/sched.h>
#include <ember/test.h>

#define PF_PRESENT 0x1
#define PF_WRITE   0x2
#define PF_FETCH   0x10
#define VEC_PF	   14

static const unsigned char ret_insn_rodata[16] = { 0xc3 };
static unsigned char ret_insn_data[16] = { 0xc3 };

static void a_function(void)
{
}

#define EXPECT_FAULT(probe, where, err_bits)                 \
	do {                                                 \
		struct arch_fault_info fi = { 0 };           \
		EXPECT_EQ(probe, -EFAULT);                   \
		EXPECT_EQ(fi.vector, VEC_PF);                \
		EXPECT_EQ(fi.addr, (uintptr_t)(where));      \
		EXPECT_EQ(fi.error &(err_bits), (err_bits)); \
	} while (0)

TEST(mmu, text_is_not_writable)
{
	EXPECT_FAULT(arch_probe_write((void *)a_function, &fi), a_function, PF_PRESENT | PF_WRITE);
}

TEST(mmu, text_is_readable_and_executable)
{
	struct arch_fault_info fi;
	EXPECT_EQ(arch_probe_read((const void *)a_function, &fi), 0);
	EXPECT_EQ(arch_probe_exec((const void *)a_function, &fi), 0);
}

TEST(mmu, rodata_is_read_only_and_not_executable)
{
	struct arch_fault_info fi;
	EXPECT_EQ(arch_probe_read(ret_insn_rodata, &fi), 0);
	EXPECT_FAULT(arch_probe_write((void *)ret_insn_rodata, &fi), ret_insn_rodata,
		     PF_PRESENT | PF_WRITE);
	EXPECT_FAULT(arch_probe_exec(ret_insn_rodata, &fi), ret_insn_rodata, PF_PRESENT | PF_FETCH);
}

TEST(mmu, data_is_writable_not_executable)
{
	struct arch_fault_info fi;
	EXPECT_EQ(arch_probe_write(ret_insn_data, &fi), 0);
	EXPECT_FAULT(arch_probe_exec(ret_insn_data, &fi), ret_insn_data, PF_PRESENT | PF_FETCH);
}

TEST(mmu, heap_and_stack_are_not_executable)
{
	unsigned char *heap = malloc(16);
	ASSERT_NOT_NULL(heap);
	heap[0] = 0xc3;
	EXPECT_FAULT(arch_probe_exec(heap, &fi), heap, PF_PRESENT | PF_FETCH);
	free(heap);
	volatile unsigned char stack[16] = { 0xc3 };
	EXPECT_FAULT(arch_probe_exec((const void *)stack, &fi), stack, PF_PRESENT | PF_FETCH);
}

TEST(mmu, free_pages_are_mapped_no_execute)
{
	unsigned char *page = page_alloc(0);
	ASSERT_NOT_NULL(page);
	page[100] = 0xc3;
	EXPECT_FAULT(arch_probe_exec(page + 100, &fi), page + 100, PF_PRESENT | PF_FETCH);
	page_free(page, 0);
}

TEST(mmu, null_page_is_unmapped)
{
	EXPECT_FAULT(arch_probe_read((const void *)8, &fi), 8, 0);
	struct arch_fault_info fi2 = { 0 };
	EXPECT_EQ(arch_probe_write((void *)0x10, &fi2), -EFAULT);
	EXPECT_EQ(fi2.error & PF_PRESENT, 0);
}

static int probe_own_guard(void *arg)
{
	struct arch_fault_info *fi = arg;
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	/* Stack of 16 KiB: the guard is the lowest page of the 16 KiB block. */
	uintptr_t guard = ALIGN_DOWN(sp, 16384);
	return arch_probe_write((void *)(guard + 64), fi) == -EFAULT && fi->addr == guard + 64 &&
	       !(fi->error & PF_PRESENT);
}

TEST(mmu, thread_stacks_have_guard_pages)
{
	struct arch_fault_info fi = { 0 };
	struct thread *t = thread_create("guarded", probe_own_guard, &fi, 16384);
	ASSERT_NOT_NULL(t);
	int ok = 0;
	thread_join(t, &ok);
	EXPECT_EQ(ok, 1);
	EXPECT_EQ(fi.vector, VEC_PF);
}

TEST(mmu, guard_page_is_remapped_after_thread_exit)
{
	/* Stacks come back to the page allocator mapped: reuse them. */
	for (int i = 0; i < 4; i++) {
		struct thread *t = thread_create("cycle", (thread_fn)(uintptr_t)probe_own_guard,
						 &(struct arch_fault_info){ 0 }, 16384);
		ASSERT_NOT_NULL(t);
		thread_join(t, NULL);
	}
	for (int i = 0; i < 8; i++) {
		unsigned char *p = page_alloc(2);
		ASSERT_NOT_NULL(p);
		struct arch_fault_info fi;
		EXPECT_EQ(arch_probe_write(p, &fi), 0);
		page_free(p, 2);
	}
}
