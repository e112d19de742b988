// SPDX-License-Identifier: MIT
/*
 * Grant table v1 (see <ember/xen/gnttab.h>). The table's frames are mapped
 * by the flavour (xen_map_grant_frames()); free references form a singly
 * linked list through a side array. An entry is made visible to the other
 * domain only once frame and domid are written (release ordering before
 * flags), and is revoked only with a compare-and-swap that fails while Xen
 * marks it in use.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/page_alloc.h>
#include <ember/xen/gnttab.h>
#include <ember/xen/xen.h>

#define GNTTAB_MAX_FRAMES 4
#define REF_NONE	  0xffffffffu

static grant_entry_v1_t *table;
static uint32_t *next_free; /* next_free[ref]: the free list */
static uint32_t free_head = REF_NONE;
static unsigned nr_entries, nr_free;

int gnttab_init(void)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	int err = (int)HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1);
	if (err || q.status != GNTST_okay)
		return err ?: -EIO;
	unsigned nframes = MIN(q.max_nr_frames, (uint32_t)GNTTAB_MAX_FRAMES);
	table = xen_map_grant_frames(nframes);
	if (!table)
		return -ENOMEM;
	nr_entries = nframes * (unsigned)(PAGE_SIZE / sizeof(grant_entry_v1_t));
	next_free = malloc(nr_entries * sizeof(*next_free));
	if (!next_free)
		return -ENOMEM;
	for (unsigned ref = nr_entries; ref-- > GNTTAB_NR_RESERVED_ENTRIES;) {
		next_free[ref] = free_head;
		free_head = ref;
		nr_free++;
	}
	return 0;
}

int gnttab_grant_access(domid_t domid, const void *page, bool readonly)
{
	if (!table)
		return -ENODEV;
	if (!IS_ALIGNED((uintptr_t)page, PAGE_SIZE))
		return -EINVAL;
	unsigned long flags = arch_irq_save();
	uint32_t ref = free_head;
	if (ref != REF_NONE) {
		free_head = next_free[ref];
		nr_free--;
	}
	arch_irq_restore(flags);
	if (ref == REF_NONE)
		return -ENOSPC;
	grant_entry_v1_t *e = &table[ref];
	e->frame = (uint32_t)xen_page_to_frame(page);
	e->domid = domid;
	__atomic_store_n(&e->flags, (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)),
			 __ATOMIC_RELEASE);
	return (int)ref;
}

int gnttab_end_access(grant_ref_t ref)
{
	if (!table || ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= nr_entries)
		return -EINVAL;
	grant_entry_v1_t *e = &table[ref];
	uint16_t f = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
	do {
		if (!(f & GTF_permit_access))
			return -EINVAL;
		if (f & (GTF_reading | GTF_writing))
			return -EBUSY;
	} while (!__atomic_compare_exchange_n(&e->flags, &f, 0, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	unsigned long flags = arch_irq_save();
	next_free[ref] = free_head;
	free_head = ref;
	nr_free++;
	arch_irq_restore(flags);
	return 0;
}

unsigned gnttab_free_count(void)
{
	return nr_free;
}
