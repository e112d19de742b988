// SPDX-License-Identifier: MIT
/*
 * Xen PVH flavour: boot information and the hooks xen/xen.h asks of a flavour.
 *
 * A PVH guest is an HVM container without a device model: it enters like a
 * QEMU PVH guest (arch/x86_64/entry.S, struct hvm_start_info), runs with its
 * own page tables, GDT and IDT, and reaches Xen through a hypercall page
 * installed with an MSR. Its console and xenstore rings are special pages
 * named by HVM parameters; shared info and grant frames are placed into its
 * physical address space with XENMEM_add_to_physmap; events arrive as an IDT
 * vector (HVM_PARAM_CALLBACK_IRQ, vector type).
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/page_alloc.h>
#include <ember/platform.h>
#include <ember/string.h>
#include <ember/xen/xen.h>
#include <ember/xen/gnttab.h>
#include <arch/pvh.h>
#include <arch/trap.h>
#include <arch/x86.h>

/*
 * Frames Xen places into our physical address space (shared info, grant
 * table) go into a hole just above RAM when there is one: remapping RAM
 * frames instead makes Xen split its 2 MiB mappings of our memory, which is
 * slow (about 20 ms for the grant table under TCG). Layout of the hole:
 * page 0 shared info, pages 1.. grant frames.
 */
#define PVH_HOLE_PAGES (1 + 4)
#define PVH_HOLE_LIMIT 0xfc000000ull /* below ACPI and the special pages */

struct xen_boot_info xen_boot;
static uintptr_t hole; /* 0: no hole, use RAM pages */

/* Finds Xen's CPUID leaves ("XenVMMXenVMM"); 0 when not running on Xen. */
static uint32_t xen_cpuid_base(void)
{
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		uint32_t r[4];
		cpuid(base, 0, r);
		if (r[1] == 0x566e6558 && r[2] == 0x65584d4d && r[3] == 0x4d4d566e &&
		    r[0] >= base + 2)
			return base;
	}
	return 0;
}

static int hvm_get_param(uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
	int err = (int)HYPERVISOR_hvm_op(HVMOP_get_param, &p);
	*value = p.value;
	return err;
}

static int hvm_set_param(uint32_t index, uint64_t value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index, .value = value };
	return (int)HYPERVISOR_hvm_op(HVMOP_set_param, &p);
}

void xen_early_init(void)
{
	uint32_t base = xen_cpuid_base(), r[4];
	if (!base)
		return;	       /* not on Xen: no console, the exit status is the only sign */
	cpuid(base + 2, 0, r); /* ebx: the MSR that installs the hypercall page */
	wrmsr(r[1], (uintptr_t)hypercall_page);

	uint64_t pfn = 0, port = 0;
	if (!hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) && pfn &&
	    !hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port)) {
		xen_boot.console = (struct xencons_interface *)(uintptr_t)(pfn << PAGE_SHIFT);
		xen_boot.console_port = (evtchn_port_t)port;
	}
	if (!hvm_get_param(HVM_PARAM_STORE_PFN, &pfn) && pfn &&
	    !hvm_get_param(HVM_PARAM_STORE_EVTCHN, &port)) {
		xen_boot.store = (struct xenstore_domain_interface *)(uintptr_t)(pfn << PAGE_SHIFT);
		xen_boot.store_port = (evtchn_port_t)port;
	}
}

int plat_boot_info(void *boot_info, struct memmap *ram, char *cmdline, size_t cmdline_size)
{
	int err = pvh_parse_start_info(boot_info, ram, cmdline, cmdline_size);
	if (err)
		return err;
	uint64_t top = 0;
	for (unsigned i = 0; i < ram->count; i++)
		top = MAX(top, ram->ram[i].base + ram->ram[i].size);
	top = ALIGN_UP(top, 2ull << 20);
	if (top + PVH_HOLE_PAGES * PAGE_SIZE <= PVH_HOLE_LIMIT &&
	    !memmap_add_fixed(ram, top, PVH_HOLE_PAGES * PAGE_SIZE))
		hole = top;
	/* The rings are special pages outside RAM: keep them mapped. */
	if (xen_boot.console)
		memmap_add_fixed(ram, (uintptr_t)xen_boot.console, PAGE_SIZE);
	if (xen_boot.store)
		memmap_add_fixed(ram, (uintptr_t)xen_boot.store, PAGE_SIZE);
	return 0;
}

/* Puts Xen's page @space[@idx] at the guest frame of @page. */
static int add_to_physmap(void *page, unsigned space, unsigned long idx)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = space,
		.idx = idx,
		.gpfn = (uintptr_t)page >> PAGE_SHIFT,
	};
	return (int)HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
}

struct shared_info *xen_map_shared_info(void)
{
	void *page = hole ? (void *)hole : page_alloc(0);
	if (!page || add_to_physmap(page, XENMAPSPACE_shared_info, 0))
		return NULL;
	return page;
}

void *xen_map_grant_frames(unsigned nframes)
{
	char *frames = hole && nframes < PVH_HOLE_PAGES
			       ? (char *)hole + PAGE_SIZE
			       : page_alloc(page_order_for(nframes * PAGE_SIZE));
	if (!frames)
		return NULL;
	for (unsigned i = 0; i < nframes; i++)
		if (add_to_physmap(frames + i * PAGE_SIZE, XENMAPSPACE_grant_table, i))
			return NULL;
	return frames;
}

static void upcall_vector(struct trap_frame *f __unused)
{
	xen_evtchn_upcall();
}

int xen_upcall_init(void)
{
	arch_irq_set_handler(VEC_XEN_UPCALL, upcall_vector);
	return hvm_set_param(HVM_PARAM_CALLBACK_IRQ,
			     ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | VEC_XEN_UPCALL);
}

void plat_idle_wait(void)
{
	/*
	 * Not SCHEDOP_block: for an HVM-container vCPU Xen checks pending
	 * events against RFLAGS.IF, so blocking with interrupts off would
	 * sleep through an event that arrived after the caller's last check.
	 * "sti; hlt" is atomic (sti's shadow) and Xen blocks the vCPU on hlt
	 * until an interrupt is deliverable.
	 */
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

const char *plat_name(void)
{
	return "xen-pvh";
}

xen_pfn_t xen_page_to_frame(const void *page)
{
	return (uintptr_t)page >> PAGE_SHIFT;
}
