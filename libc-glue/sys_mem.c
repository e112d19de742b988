// SPDX-License-Identifier: MIT
/*
 * Memory system calls: anonymous mmap for the C library (thread stacks,
 * large allocations, static TLS beyond the builtin area), munmap, mprotect,
 * madvise, brk.
 *
 * A mapping is a run of pages from the page allocator (exactly the pages
 * asked for: page_alloc_run(), zeroed),
 * at virtual == physical like all Ember memory, recorded in a list so that
 * munmap, mprotect and libc_mem_region() (a clone'd thread's stack bounds)
 * can find it. mprotect(PROT_NONE) unmaps pages (musl's thread-stack guard:
 * an overflow faults and is reported with the thread's name), read/write
 * maps them back; PROT_EXEC is refused (-EACCES: Ember keeps W^X and
 * applications are linked into the image, so nothing needs to make data
 * executable). There is no program break (brk reports none): musl then uses mmap.
 *
 * Files are mapped by copy: the pages are filled from the file at mmap
 * time (zeros past its end). A private mapping is then just memory, as
 * POSIX allows (whether later changes to the file show in a private
 * mapping is unspecified). A shared mapping keeps the file open (the fd
 * may be closed) and writes its pages back to the file, up to the file's
 * end, at msync, at munmap and when the program ends (exit_group or a
 * fatal signal: Linux's page cache would keep them too). What the copy
 * cannot give is coherence: write() to a mapped range, or a second mapping
 * of it, is not seen by the first until it is mapped again. The programs
 * a unikernel runs map a file once (SQLite's WAL index, read-only data
 * files), so one copy per mapping is what they see from Linux.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/list.h>
#include <ember/page_alloc.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/syscall.h>
#include <ember/vfs.h>

#include "libc_glue.h"

#define PROT_READ     1
#define PROT_WRITE    2
#define PROT_EXEC     4
#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20
#define MAP_NORESERVE 0x4000
#define MAP_STACK     0x20000
#define MAP_TYPE      0x0f
#define MS_ASYNC      1
#define MS_INVALIDATE 2
#define MS_SYNC	      4

struct mapping {
	struct list_node link;
	uintptr_t start;
	size_t len;	       /* what was asked, page-rounded */
	uint8_t *guards;       /* per page: 1 when unmapped by mprotect (NULL: none) */
	struct vfs_file *file; /* a shared file mapping's file, written back; else NULL */
	off_t offset;	       /* where in @file the mapping starts */
};

static struct list_node mappings = LIST_INIT(mappings);
static struct {
	void *base;
	size_t size;
} later[16];
static unsigned n_later;

static struct mapping *find(uintptr_t addr)
{
	list_for_each(it, &mappings)
	{
		struct mapping *m = list_entry(it, struct mapping, link);
		if (addr >= m->start && addr - m->start < m->len)
			return m;
	}
	return NULL;
}

int libc_mem_region(uintptr_t addr, uintptr_t *lo, uintptr_t *usable, uintptr_t *hi)
{
	unsigned long flags = arch_irq_save();
	struct mapping *m = find(addr);
	if (m) {
		size_t guard = 0;
		while (m->guards && guard < m->len / PAGE_SIZE && m->guards[guard])
			guard++;
		*lo = m->start, *usable = m->start + guard * PAGE_SIZE, *hi = m->start + m->len;
	}
	arch_irq_restore(flags);
	return m ? 0 : -ENOENT;
}

/*
 * Writes [@addr, +@len) of shared file mapping @m back to its file, up to
 * the file's end (the tail of the last page past it stays memory, as on
 * Linux). Runs with interrupts enabled: it waits on the file's server.
 */
static int write_back(struct mapping *m, uintptr_t addr, size_t len)
{
	struct stat st;
	int err = vfs_file_stat(m->file, &st);
	if (err)
		return err;
	off_t at = m->offset + (off_t)(addr - m->start);
	if (at >= st.st_size)
		return 0;
	if ((off_t)len > st.st_size - at)
		len = (size_t)(st.st_size - at);
	for (size_t done = 0; done < len;) {
		ssize_t n = vfs_file_pwrite(m->file, (void *)(addr + done), len - done,
					    at + (off_t)done);
		if (n <= 0)
			return n < 0 ? (int)n : -EIO;
		done += (size_t)n;
	}
	return 0;
}

static void release(struct mapping *m)
{
	if (m->guards)
		for (size_t i = 0; i < m->len / PAGE_SIZE; i++)
			if (m->guards[i])
				arch_mmu_clear_guard(m->start + i * PAGE_SIZE);
	page_free_run((void *)m->start, m->len / PAGE_SIZE);
	free(m->guards);
	free(m);
}

/* Writes @m, off the list (no other thread finds it), back and lets its file go. */
static void write_back_and_close(struct mapping *m)
{
	int err = write_back(m, m->start, m->len);
	if (err)
		printk("libc: writing a shared mapping back to its file failed: %d\n", err);
	vfs_file_release(m->file);
	m->file = NULL;
}

/* Called with interrupts disabled; returns with them disabled. */
static int unmap(uintptr_t addr, size_t len, unsigned long *irq)
{
	struct mapping *m = find(addr);
	if (!m)
		return 0; /* as Linux: unmapping nothing is not an error */
	if (addr != m->start || len < m->len) {
		printk("libc: munmap of part of a mapping (%#lx+%#lx of %#lx+%#lx) keeps it\n",
		       (unsigned long)addr, (unsigned long)len, (unsigned long)m->start,
		       (unsigned long)m->len);
		return 0;
	}
	list_remove(&m->link);
	if (m->file) {
		arch_irq_restore(*irq); /* the write-back waits on the file's server */
		write_back_and_close(m);
		*irq = arch_irq_save();
	}
	release(m);
	return 0; /* as Linux, whose munmap does not report write-back errors either */
}

static void sweep_later(void)
{
	unsigned long flags = arch_irq_save();
	while (n_later) {
		n_later--;
		unmap((uintptr_t)later[n_later].base, later[n_later].size, &flags);
	}
	arch_irq_restore(flags);
}

void libc_mem_unmap_later(void *base, size_t size)
{
	unsigned long flags = arch_irq_save();
	if (n_later == ARRAY_SIZE(later)) {
		arch_irq_restore(flags);
		sweep_later(); /* cannot be ours: we are still on our stack, not queued */
		flags = arch_irq_save();
	}
	later[n_later].base = base;
	later[n_later].size = size;
	n_later++;
	arch_irq_restore(flags);
}

/*
 * Fills new mapping @m from @fd at @off and, when it is shared and the
 * file open for writing, keeps the file for write-back. Linux's checks:
 * the fd must be open for reading (-EACCES), and for writing too when a
 * shared mapping may be written (-EACCES); only regular files map (-ENODEV).
 */
static long map_file(struct mapping *m, int fd, int prot, int flags, off_t off)
{
	struct vfs_file *f = vfs_file_hold(fd);
	if (!f)
		return -EBADF;
	struct stat st;
	int acc = f->flags & O_ACCMODE;
	bool shared = (flags & MAP_TYPE) == MAP_SHARED;
	long err = vfs_file_stat(f, &st);
	if (!err && !S_ISREG(st.st_mode))
		err = -ENODEV;
	if (!err && (acc == O_WRONLY || (shared && (prot & PROT_WRITE) && acc != O_RDWR)))
		err = -EACCES;
	for (size_t done = 0; !err && done < m->len;) {
		ssize_t n = vfs_file_pread(f, (void *)(m->start + done), m->len - done,
					   off + (off_t)done);
		if (n < 0)
			err = n;
		if (n <= 0)
			break; /* the file's end: the rest stays zero */
		done += (size_t)n;
	}
	if (!err && shared && acc == O_RDWR) {
		m->file = f;
		m->offset = off;
		return 0;
	}
	vfs_file_release(f);
	return err;
}

long sys_mprotect(long, long, long, long, long, long);
long sys_mmap(long, long, long, long, long, long);
long sys_munmap(long, long, long, long, long, long);

SYSCALL6(mmap, uintptr_t, addr, size_t, len, int, prot, int, flags, int, fd, off_t, off)
{
	(void)off;
	sweep_later();
	if (!len || len > (1ul << 40))
		return -EINVAL;
	if (prot & PROT_EXEC)
		return -EACCES;
	if ((flags & MAP_TYPE) != MAP_SHARED && (flags & MAP_TYPE) != MAP_PRIVATE)
		return -EINVAL;
	if (flags & MAP_FIXED) {
		(void)addr;
		return -EINVAL; /* no address space to place things in: everything is identity-mapped */
	}
	bool anon = flags & MAP_ANONYMOUS;
	if (!anon && (off < 0 || off % PAGE_SIZE))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	struct mapping *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	void *p = page_alloc_run(len / PAGE_SIZE);
	if (!p) {
		free(m);
		return -ENOMEM;
	}
	memset(p, 0, len);
	m->start = (uintptr_t)p;
	m->len = len;
	long err = anon ? 0 : map_file(m, fd, prot, flags, off);
	if (err) {
		page_free_run(p, len / PAGE_SIZE);
		free(m);
		return err;
	}
	unsigned long irq = arch_irq_save();
	list_push_back(&mappings, &m->link);
	arch_irq_restore(irq);
	if (!(prot & (PROT_READ | PROT_WRITE))) {
		/* PROT_NONE reservations: musl maps a stack with its guard in one call */
		long err = sys_mprotect((long)p, (long)len, prot, 0, 0, 0);
		if (err)
			return err;
	}
	return (long)p;
}

SYSCALL2(munmap, uintptr_t, addr, size_t, len)
{
	if (addr % PAGE_SIZE || !len)
		return -EINVAL;
	sweep_later();
	unsigned long flags = arch_irq_save();
	int err = unmap(addr, ALIGN_UP(len, PAGE_SIZE), &flags);
	arch_irq_restore(flags);
	return err;
}

/*
 * The shared file mapping covering [@addr, +@len), pinned against munmap
 * by the caller's being the only thread that may unmap what it syncs (a
 * program that unmaps under another thread's msync has a race on Linux too).
 */
SYSCALL3(msync, uintptr_t, addr, size_t, len, int, flags)
{
	if (addr % PAGE_SIZE || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	unsigned long irq = arch_irq_save();
	struct mapping *m = find(addr);
	bool inside = m && len <= m->len - (addr - m->start);
	arch_irq_restore(irq);
	if (!inside)
		return -ENOMEM;
	return m->file ? write_back(m, addr, len) : 0;
}

static struct mapping *take_shared_file_mapping(void)
{
	list_for_each(it, &mappings)
	{
		struct mapping *m = list_entry(it, struct mapping, link);
		if (m->file) {
			list_remove(&m->link);
			return m;
		}
	}
	return NULL;
}

/*
 * The program is ending: each shared file mapping leaves the list (other
 * threads may still run while a write-back waits) and goes to its file.
 * Its pages stay allocated: someone may still be using them until the end.
 */
void libc_mem_write_back_all(void)
{
	for (;;) {
		unsigned long irq = arch_irq_save();
		struct mapping *m = take_shared_file_mapping();
		arch_irq_restore(irq);
		if (!m)
			return;
		write_back_and_close(m);
	}
}

SYSCALL3(mprotect, uintptr_t, addr, size_t, len, int, prot)
{
	if (addr % PAGE_SIZE)
		return -EINVAL;
	if (prot & PROT_EXEC)
		return -EACCES;
	len = ALIGN_UP(len, PAGE_SIZE);
	unsigned long flags = arch_irq_save();
	struct mapping *m = find(addr);
	int err = 0;
	if (!m || addr + len > m->start + m->len)
		err = -ENOMEM;
	if (!err && !m->guards && !(m->guards = calloc(m->len / PAGE_SIZE, 1)))
		err = -ENOMEM;
	for (uintptr_t a = addr; !err && a < addr + len; a += PAGE_SIZE) {
		uint8_t *g = &m->guards[(a - m->start) / PAGE_SIZE];
		bool none = !(prot & (PROT_READ | PROT_WRITE));
		if (none && !*g)
			err = arch_mmu_set_guard(a);
		else if (!none && *g)
			err = arch_mmu_clear_guard(a);
		if (!err)
			*g = none;
	}
	arch_irq_restore(flags);
	return err;
}

SYSCALL3(madvise, uintptr_t, addr, size_t, len, int, advice)
{
	(void)addr, (void)len, (void)advice;
	return 0; /* advice only */
}

SYSCALL1(brk, uintptr_t, addr)
{
	(void)addr;
	return 0; /* no program break: musl's brk callers then fall back to mmap */
}

#define MREMAP_MAYMOVE 1

/*
 * mremap: a mapping never grows or shrinks in place (its pages are one run
 * from the page allocator), so any size change moves it: a new mapping, the
 * contents copied, the old one freed. Without MREMAP_MAYMOVE that is -ENOMEM,
 * as Linux says when it cannot resize in place.
 */
SYSCALL5(mremap, uintptr_t, addr, size_t, old_len, size_t, new_len, int, flags, uintptr_t, new_addr)
{
	(void)new_addr;
	if (addr % PAGE_SIZE || !new_len || (flags & ~MREMAP_MAYMOVE))
		return -EINVAL;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	unsigned long irq = arch_irq_save();
	struct mapping *m = find(addr);
	bool whole = m && m->start == addr && m->len == old_len && !m->guards;
	bool shared_file = m && m->file;
	arch_irq_restore(irq);
	if (!whole)
		return -EFAULT; /* only whole, unguarded mappings move */
	if (shared_file)
		return -EINVAL; /* its write-back would go with the old copy */
	if (new_len == old_len)
		return (long)addr;
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	long to = sys_mmap(0, (long)new_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
	if (to < 0)
		return to;
	memcpy((void *)to, (void *)addr, old_len < new_len ? old_len : new_len);
	sys_munmap((long)addr, (long)old_len, 0, 0, 0, 0);
	return to;
}
