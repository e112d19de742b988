// SPDX-License-Identifier: MIT
/*
 * Xen PV flavour: boot information and the hooks xen/xen.h asks of a flavour.
 *
 * Everything starts from start_info (RSI at entry): the domain's size, the
 * p2m list, the bootstrap page tables, the console and xenstore rings (by
 * machine frame) and the shared info page (by machine address). Events
 * arrive through the callback registered in pv_cpu.c; the idle loop blocks
 * with SCHEDOP_block, which unmasks events atomically.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/page_alloc.h>
#include <ember/platform.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/xen/gnttab.h>
#include <ember/xen/pv.h>
#include <ember/xen/xen.h>
#include <arch/trap.h>

#define PV_GRANT_FRAMES_MAX 4

extern uint64_t boot_info_pa; /* xen/pv_entry.S */
extern char _image_end[];

struct xen_boot_info xen_boot;
start_info_t *pv_start_info;

/* Virtual pages that receive foreign frames (their own frames are given up). */
static char shared_info_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static char grant_pages[PV_GRANT_FRAMES_MAX][PAGE_SIZE] __aligned(PAGE_SIZE);

static bool start_info_valid(const start_info_t *si)
{
	const char *why;
	return pv_check_start_info(si, &why) == 0;
}

void xen_early_init(void)
{
	start_info_t *si = (start_info_t *)(uintptr_t)boot_info_pa;
	if (!start_info_valid(si))
		return;
	pv_start_info = si;
	if (si->console.domU.mfn) {
		unsigned long pfn = pv_mfn_to_pfn(si->console.domU.mfn);
		xen_boot.console = (struct xencons_interface *)(pfn << PAGE_SHIFT);
		xen_boot.console_port = si->console.domU.evtchn;
	}
	if (si->store_mfn) {
		unsigned long pfn = pv_mfn_to_pfn(si->store_mfn);
		xen_boot.store = (struct xenstore_domain_interface *)(pfn << PAGE_SHIFT);
		xen_boot.store_port = si->store_evtchn;
	}
}

static void copy_cmdline(const start_info_t *si, char *out, size_t size)
{
	size_t n = 0;
	while (n + 1 < size && n < MAX_GUEST_CMDLINE && si->cmd_line[n])
		n++;
	memcpy(out, si->cmd_line, n);
	out[n] = '\0';
}

int plat_boot_info(void *boot_info, struct memmap *ram, char *cmdline, size_t cmdline_size)
{
	start_info_t *si = boot_info;
	const char *why;
	if (pv_check_start_info(si, &why)) {
		printk("ember: %s\n", why);
		return -EINVAL;
	}
	copy_cmdline(si, cmdline, cmdline_size);
	ram->count = 0;
	int err = memmap_add(ram, 0, (uint64_t)si->nr_pages << PAGE_SHIFT);
	if (err)
		return err;
	unsigned long used_end = pv_mm_map_ram();
	if (!used_end)
		return -ENOMEM;
	/* The builder's bootstrap area and our new page tables follow the image. */
	return memmap_reserve(ram, (uintptr_t)_image_end,
			      (used_end << PAGE_SHIFT) - (uintptr_t)_image_end);
}

struct shared_info *xen_map_shared_info(void)
{
	if (pv_map_machine_page(shared_info_page, pv_start_info->shared_info >> PAGE_SHIFT))
		return NULL;
	struct shared_info *s = (struct shared_info *)shared_info_page;
	s->vcpu_info[0].evtchn_upcall_mask = xen_vcpu->evtchn_upcall_mask;
	xen_vcpu = &s->vcpu_info[0];
	return s;
}

void *xen_map_grant_frames(unsigned nframes)
{
	xen_pfn_t frames[PV_GRANT_FRAMES_MAX];
	struct gnttab_setup_table setup = { .dom = DOMID_SELF, .nr_frames = nframes };
	if (nframes > PV_GRANT_FRAMES_MAX)
		return NULL;
	set_xen_guest_handle(setup.frame_list, frames);
	if (HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &setup, 1) ||
	    setup.status != GNTST_okay)
		return NULL;
	for (unsigned i = 0; i < nframes; i++)
		if (pv_map_machine_page(grant_pages[i], frames[i]))
			return NULL;
	return grant_pages;
}

static void upcall(struct trap_frame *f __unused)
{
	xen_evtchn_upcall();
}

int xen_upcall_init(void)
{
	arch_irq_set_handler(VEC_XEN_UPCALL, upcall); /* the callback is registered at boot */
	return 0;
}

void plat_idle_wait(void)
{
	/* Unmasks events and blocks unless one is pending, atomically; Xen
	 * delivers pending events on the way back, then we mask again. */
	HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	arch_irq_disable();
}

xen_pfn_t xen_page_to_frame(const void *page)
{
	return pv_virt_to_mfn(page);
}

const char *plat_name(void)
{
	return "xen-pv";
}
