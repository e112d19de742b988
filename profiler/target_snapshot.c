// SPDX-License-Identifier: MIT
/*
 * The snapshot target: registers plus a set of guest pages held in memory,
 * for offline unwinder tests and fuzzing (and, later, recorded snapshots of
 * live guests). read_mem serves only the pages the snapshot holds; anything
 * else is unmapped, exactly as a guest page table hole would be.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prof.h"
#include "target_snapshot.h"

#define PAGE 4096ull

struct snap_page {
	uint64_t va;
	uint8_t data[PAGE];
};

struct prof_snapshot {
	struct prof_regs regs;
	struct snap_page *pages;
	size_t npages;
	bool alive;
};

struct prof_snapshot *prof_snapshot_new(const struct prof_regs *regs)
{
	struct prof_snapshot *s = calloc(1, sizeof(*s));
	if (s) {
		s->regs = *regs;
		s->alive = true;
	}
	return s;
}

static struct snap_page *find(const struct prof_snapshot *s, uint64_t va)
{
	for (size_t i = 0; i < s->npages; i++)
		if (s->pages[i].va == (va & ~(PAGE - 1)))
			return &s->pages[i];
	return NULL;
}

int prof_snapshot_add_page(struct prof_snapshot *s, uint64_t va, const void *data)
{
	if (va % PAGE)
		return prof_fail(EINVAL, "snapshot page %#llx is not page-aligned",
				 (unsigned long long)va);
	if (find(s, va))
		return prof_fail(EEXIST, "snapshot page %#llx added twice", (unsigned long long)va);
	struct snap_page *p = realloc(s->pages, (s->npages + 1) * sizeof(*p));
	if (!p)
		return prof_fail(ENOMEM, "out of memory for snapshot pages");
	s->pages = p;
	p[s->npages].va = va;
	memcpy(p[s->npages].data, data, PAGE);
	s->npages++;
	return 0;
}

void prof_snapshot_set_alive(struct prof_snapshot *s, bool alive)
{
	s->alive = alive;
}

static int snap_pause(void *t)
{
	return ((struct prof_snapshot *)t)->alive ? 0 : prof_fail(ESRCH, "the guest is gone");
}

static int snap_unpause(void *t)
{
	(void)t;
	return 0;
}

static int snap_nr_vcpus(void *t)
{
	(void)t;
	return 1;
}

static int snap_get_regs(void *t, int vcpu, struct prof_regs *regs)
{
	struct prof_snapshot *s = t;
	if (vcpu != 0)
		return prof_fail(EINVAL, "snapshot has no vCPU %d", vcpu);
	if (!s->alive)
		return prof_fail(ESRCH, "the guest is gone");
	*regs = s->regs;
	return 0;
}

static ssize_t snap_read_mem(void *t, const struct prof_regs *regs, uint64_t va, void *buf,
			     size_t len)
{
	const struct prof_snapshot *s = t;
	uint8_t *out = buf;
	(void)regs;
	if (!s->alive)
		return -ESRCH;
	for (size_t done = 0; done < len;) {
		if (va + done < va)
			return -EFAULT; /* wraps past the top of the address space */
		const struct snap_page *p = find(s, va + done);
		if (!p)
			return -EFAULT;
		size_t off = (va + done) % PAGE, n = PAGE - off;
		if (n > len - done)
			n = len - done;
		memcpy(out + done, p->data + off, n);
		done += n;
	}
	return (ssize_t)len;
}

static bool snap_alive(void *t)
{
	return ((struct prof_snapshot *)t)->alive;
}

static void snap_close(void *t)
{
	struct prof_snapshot *s = t;
	free(s->pages);
	free(s);
}

static const struct prof_target_ops snapshot_ops = {
	.name = "snapshot",
	.pause = snap_pause,
	.unpause = snap_unpause,
	.nr_vcpus = snap_nr_vcpus,
	.get_regs = snap_get_regs,
	.read_mem = snap_read_mem,
	.alive = snap_alive,
	.close = snap_close,
};

struct prof_target prof_snapshot_target(struct prof_snapshot *s)
{
	return (struct prof_target){ &snapshot_ops, s };
}
