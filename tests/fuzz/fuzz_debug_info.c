// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the profiler's reading of a guest's
 * `ember_debug_info` and thread names (profiler/debug_info.c), through the
 * x86-64 page walk the targets use (profiler/xlate.c): the input is the
 * guest's memory, page tables included, so every value is hostile.
 *
 * Input: u64 address of the block, u64 CR3 (0: paging off), u64 physical
 * address of the image, then the image (guest physical memory from there
 * on). A target over it reads as the QEMU target does: through the page
 * tables at CR3 when it is set, each entry and byte bounds-checked.
 *
 * Checked: prof_debug_info_load() accepts exactly the blocks an oracle
 * here accepts (readable, magic, version >= 1, 2 <= name_size <= 256); the
 * thread name and idle flag are what the oracle reads (a NUL-terminated
 * printable name, cut at PROF_THREAD_NAME - 1); the same reading with the
 * block taken raw, unvalidated, never misbehaves; every translation the
 * walk gives keeps the page offset and ends at a page boundary.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "debug_info.h"
#include "prof.h"
#include "xlate.h"

#include "fuzz_check.h"

struct image {
	const uint8_t *p;
	size_t len;
	uint64_t base; /* physical address of p[0] */
};

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static const uint8_t *phys(const struct image *m, uint64_t pa, uint64_t n)
{
	if (pa < m->base || pa - m->base > m->len || n > m->len - (pa - m->base))
		return NULL;
	return m->p + (pa - m->base);
}

static int read_pte(void *arg, uint64_t pa, uint64_t *pte)
{
	const uint8_t *p = phys(arg, pa, 8);
	if (!p)
		return -EFAULT;
	memcpy(pte, p, 8);
	return 0;
}

static ssize_t img_read_mem(void *t, const struct prof_regs *regs, uint64_t va, void *buf,
			    size_t len)
{
	const struct image *m = t;
	uint8_t *out = buf;
	if (len && va + len - 1 < va)
		return -EFAULT;
	for (size_t done = 0; done < len;) {
		uint64_t pa = va + done, span = len - done;
		if (regs->cr3) {
			if (prof_x86_walk(regs->cr3, va + done, read_pte, t, &pa, &span))
				return -EFAULT;
			CHECK(span >= 1 && span <= (1ull << 30));
			CHECK((pa & 0xfff) == ((va + done) & 0xfff));
			CHECK(((pa + span) & 0xfff) == 0);
		}
		size_t n = span < len - done ? (size_t)span : len - done;
		const uint8_t *p = phys(m, pa, n);
		if (!p)
			return -EFAULT;
		memcpy(out + done, p, n);
		done += n;
	}
	return (ssize_t)len;
}

static bool alive(void *t)
{
	(void)t;
	return true;
}

static const struct prof_target_ops img_ops = { .name = "fuzz",
						.read_mem = img_read_mem,
						.alive = alive };

/* What the thread name must be, read here with the target's read_mem. */
static void oracle_thread(const struct prof_target *t, const struct ember_debug_info *info,
			  const struct prof_regs *regs, char *name, bool *idle)
{
	uint64_t cur = 0;
	char raw[PROF_DEBUG_NAME_MAX];
	name[0] = '\0';
	*idle = false;
	if (info->name_size < 2 || info->name_size > PROF_DEBUG_NAME_MAX ||
	    img_read_mem(t->priv, regs, info->current_addr, &cur, 8) != 8 || cur == 0)
		return;
	*idle = cur == info->idle_thread;
	if (img_read_mem(t->priv, regs, cur + info->name_offset, raw, info->name_size) !=
	    (ssize_t)info->name_size)
		return;
	size_t len = strnlen(raw, info->name_size);
	if (len == info->name_size)
		return;
	for (size_t i = 0; i < len; i++)
		if (raw[i] < 0x20 || raw[i] > 0x7e)
			return;
	len = len < PROF_THREAD_NAME - 1 ? len : PROF_THREAD_NAME - 1;
	memcpy(name, raw, len);
	name[len] = '\0';
}

static void check_thread(const struct prof_target *t, const struct ember_debug_info *info,
			 const struct prof_regs *regs)
{
	struct prof_sample s;
	char want[PROF_THREAD_NAME];
	bool idle;
	memset(&s, 0x5a, sizeof(s));
	s.flags = 0;
	prof_debug_info_thread(t, info, regs, &s);
	oracle_thread(t, info, regs, want, &idle);
	CHECK(memchr(s.thread, '\0', PROF_THREAD_NAME) != NULL);
	CHECK(!strcmp(s.thread, want));
	CHECK(!!(s.flags & PROF_STACK_IDLE) == idle);
	CHECK((s.flags & ~(uint32_t)PROF_STACK_IDLE) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 24)
		return 0;
	struct image m = { data + 24, size - 24, le64(data + 16) };
	struct prof_target t = { &img_ops, &m };
	struct prof_regs regs = { .cr3 = le64(data + 8) };
	uint64_t addr = le64(data);

	struct ember_debug_info info, raw;
	memset(&info, 0xa5, sizeof(info));
	bool ok = prof_debug_info_load(&t, &regs, addr, &info);
	bool readable = img_read_mem(&m, &regs, addr, &raw, sizeof(raw)) == sizeof(raw);
	bool want = addr && readable && raw.magic == EMBER_DEBUG_MAGIC && raw.version >= 1 &&
		    raw.name_size >= 2 && raw.name_size <= PROF_DEBUG_NAME_MAX;
	CHECK(ok == want);
	if (ok) {
		CHECK(!memcmp(&info, &raw, sizeof(info)));
		check_thread(&t, &info, &regs);
	}
	struct prof_sample s = { 0 };
	prof_debug_info_thread(&t, NULL, &regs, &s); /* no block: no name, no flag */
	CHECK(s.thread[0] == '\0' && s.flags == 0);
	if (readable) /* the same reading with whatever the guest wrote, unchecked */
		check_thread(&t, &raw, &regs);
	return 0;
}
