// SPDX-License-Identifier: MIT
/*
 * Host tests of the profiler's Xen target (profiler/target_xen.c) and the
 * x86-64 page walk and translation cache it uses (profiler/xlate.c).
 *
 * The real target_xen.c is linked against fakes of the Xen libraries it
 * calls (libxenctrl, libxencall, libxenforeignmemory, libxenstore,
 * libxentoollog), defined below: a domain of two vCPUs and FRAMES frames of
 * guest memory, page tables built in it per test. Foreign mappings point
 * straight at the fake frames, so they are live as real ones are.
 *
 * Checked: memory is read as the vCPU whose registers are given sees it
 * (its own page tables, not vCPU 0's); a translation never outlives a pause
 * (tables the guest changed while it ran are read afresh, same CR3 or not);
 * paging off, large pages, unmapped and out-of-guest addresses; a vCPU that
 * is not up fails with -ENODATA and a reason, and does not disturb the
 * others; the same through libxc's path.
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
#include <xencall.h>
#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "prof.h"
#include "target_xen.h"
#include "xlate.h"

#define FRAMES 64
#define PAGE   4096
#define P      1ull
#define PS     (1ull << 7)
#define DOMID  7
#define CR0_PG (1ull << 31)

/* ---- the fake domain ---------------------------------------------------------------- */

static uint8_t guest[FRAMES][PAGE] __attribute__((aligned(PAGE)));
static struct {
	bool hvm;
	bool up[2];
	vcpu_guest_context_x86_64_t ctx[2];
	int pauses, unpauses, maps;
} dom;
static int dummy_handle;

static void set_root(int vcpu, uint64_t frame)
{
	if (dom.hvm)
		dom.ctx[vcpu].ctrlreg[3] = frame * PAGE;
	else
		dom.ctx[vcpu].ctrlreg[3] = xen_pfn_to_cr3(frame);
}

static void fake_domain(bool hvm)
{
	memset(guest, 0, sizeof(guest));
	memset(&dom, 0, sizeof(dom));
	dom.hvm = hvm;
	dom.up[0] = dom.up[1] = true;
	for (int v = 0; v < 2; v++) {
		dom.ctx[v].flags = VGCF_in_kernel;
		dom.ctx[v].ctrlreg[0] = CR0_PG;
		dom.ctx[v].user_regs.rip = 0x1000 + (uint64_t)v;
	}
}

static void pte(uint64_t frame, unsigned index, uint64_t value)
{
	memcpy(&guest[frame][index * 8], &value, 8);
}

/* Maps @va (4 KiB) to @data_frame through tables at root, root+1, root+2, root+3. */
static void map_4k(uint64_t root, uint64_t va, uint64_t data_frame)
{
	pte(root, (va >> 39) & 511, (root + 1) * PAGE | P);
	pte(root + 1, (va >> 30) & 511, (root + 2) * PAGE | P);
	pte(root + 2, (va >> 21) & 511, (root + 3) * PAGE | P);
	pte(root + 3, (va >> 12) & 511, data_frame * PAGE | P);
}

static void fill(uint64_t frame, const char *text)
{
	strcpy((char *)guest[frame], text);
}

static int context_of(uint32_t vcpu, vcpu_guest_context_any_t *out)
{
	if (vcpu >= 2)
		return errno = ESRCH, -1;
	if (!dom.up[vcpu])
		return errno = ENODATA, -1;
	out->x64 = dom.ctx[vcpu];
	return 0;
}

xentoollog_logger_stdiostream *xtl_createlogger_stdiostream(FILE *f, xentoollog_level min_level,
							    unsigned flags)
{
	(void)f, (void)min_level, (void)flags;
	return (xentoollog_logger_stdiostream *)&dummy_handle;
}

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
				unsigned open_flags)
{
	(void)logger, (void)dombuild_logger, (void)open_flags;
	return (xc_interface *)&dummy_handle;
}

int xc_interface_close(xc_interface *xch)
{
	(void)xch;
	return 0;
}

int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms,
		      xc_dominfo_t *info)
{
	(void)xch, (void)max_doms;
	memset(info, 0, sizeof(*info));
	info->domid = first_domid == DOMID ? DOMID : first_domid + 1;
	info->hvm = dom.hvm;
	info->max_vcpu_id = 1;
	info->nr_online_vcpus = dom.up[0] + dom.up[1];
	return 1;
}

int xc_domain_pause(xc_interface *xch, uint32_t domid)
{
	(void)xch, (void)domid;
	dom.pauses++;
	return 0;
}

int xc_domain_unpause(xc_interface *xch, uint32_t domid)
{
	(void)xch, (void)domid;
	dom.unpauses++;
	return 0;
}

int xc_vcpu_getcontext(xc_interface *xch, uint32_t domid, uint32_t vcpu,
		       vcpu_guest_context_any_t *ctxt)
{
	(void)xch, (void)domid;
	return context_of(vcpu, ctxt);
}

/* libxc's walk, as the target used to call it: vCPU @vcpu's tables, 4 levels. */
unsigned long xc_translate_foreign_address(xc_interface *xch, uint32_t dom_id, int vcpu,
					   unsigned long long virt)
{
	(void)xch, (void)dom_id;
	vcpu_guest_context_any_t c;
	if (context_of((uint32_t)vcpu, &c))
		return 0;
	if (dom.hvm && !(c.x64.ctrlreg[0] & CR0_PG))
		return virt >> 12;
	uint64_t table = dom.hvm ? c.x64.ctrlreg[3] >> 12 : xen_cr3_to_pfn(c.x64.ctrlreg[3]);
	for (int shift = 39; shift >= 12; shift -= 9) {
		uint64_t e;
		if (table >= FRAMES)
			return 0;
		memcpy(&e, &guest[table][((virt >> shift) & 511) * 8], 8);
		if (!(e & P))
			return 0;
		table = (e & PROF_PTE_ADDR) >> 12;
	}
	return table;
}

xenforeignmemory_handle *xenforeignmemory_open(struct xentoollog_logger *logger,
					       unsigned open_flags)
{
	(void)logger, (void)open_flags;
	return (xenforeignmemory_handle *)&dummy_handle;
}

int xenforeignmemory_close(xenforeignmemory_handle *fmem)
{
	(void)fmem;
	return 0;
}

void *xenforeignmemory_map(xenforeignmemory_handle *fmem, uint32_t domid, int prot, size_t pages,
			   const xen_pfn_t arr[], int err[])
{
	(void)fmem, (void)domid, (void)prot;
	assert_int_equal(pages, 1);
	if (arr[0] >= FRAMES) {
		err[0] = -EINVAL;
		return NULL;
	}
	dom.maps++;
	err[0] = 0;
	return guest[arr[0]];
}

int xenforeignmemory_unmap(xenforeignmemory_handle *fmem, void *addr, size_t pages)
{
	(void)fmem, (void)addr, (void)pages;
	return 0;
}

xencall_handle *xencall_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	(void)logger, (void)open_flags;
	return (xencall_handle *)&dummy_handle;
}

int xencall_close(xencall_handle *xcall)
{
	(void)xcall;
	return 0;
}

void *xencall_alloc_buffer(xencall_handle *xcall, size_t size)
{
	(void)xcall;
	return calloc(1, size);
}

void xencall_free_buffer(xencall_handle *xcall, void *p)
{
	(void)xcall;
	free(p);
}

int xencall1(xencall_handle *xcall, unsigned int op, uint64_t arg1)
{
	(void)xcall;
	struct xen_domctl *dc = (struct xen_domctl *)(uintptr_t)arg1;
	assert_int_equal(op, __HYPERVISOR_domctl);
	assert_int_equal(dc->domain, DOMID);
	switch (dc->cmd) {
	case XEN_DOMCTL_pausedomain: dom.pauses++; return 0;
	case XEN_DOMCTL_unpausedomain: dom.unpauses++; return 0;
	case XEN_DOMCTL_getvcpucontext:
		return context_of(dc->u.vcpucontext.vcpu,
				  (vcpu_guest_context_any_t *)dc->u.vcpucontext.ctxt.p);
	}
	return errno = ENOSYS, -1;
}

struct xs_handle *xs_open(unsigned long flags)
{
	(void)flags;
	return NULL; /* the tests name the domain by id */
}

void xs_close(struct xs_handle *xsh)
{
	(void)xsh;
}

char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *num)
{
	(void)h, (void)t, (void)path, (void)num;
	return NULL;
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len)
{
	(void)h, (void)t, (void)path, (void)len;
	return NULL;
}

/* ---- helpers ------------------------------------------------------------------------- */

static struct prof_target open_target(unsigned flags)
{
	struct prof_target t;
	assert_int_equal(prof_xen_open("7", flags, &t), 0);
	return t;
}

static void regs_of(struct prof_target *t, int vcpu, struct prof_regs *r)
{
	assert_int_equal(t->ops->get_regs(t->priv, vcpu, r), 0);
}

static void assert_reads(struct prof_target *t, const struct prof_regs *r, uint64_t va,
			 const char *want)
{
	char buf[32] = { 0 };
	size_t n = strlen(want) + 1;
	assert_int_equal(t->ops->read_mem(t->priv, r, va, buf, n), (ssize_t)n);
	assert_string_equal(buf, want);
}

#define VA 0x7f0000401000ull

/* vCPU 0's tables at frame 1.., vCPU 1's at frame 5..: VA is different data for each. */
static void two_address_spaces(void)
{
	map_4k(1, VA, 20);
	map_4k(5, VA, 21);
	fill(20, "seen by vCPU 0");
	fill(21, "seen by vCPU 1");
	set_root(0, 1);
	set_root(1, 5);
}

/* ---- the Xen target ------------------------------------------------------------------ */

static void check_each_vcpu_own_tables(bool hvm, unsigned flags)
{
	fake_domain(hvm);
	two_address_spaces();
	struct prof_target t = open_target(flags);
	struct prof_regs r0, r1;
	assert_int_equal(t.ops->nr_vcpus(t.priv), 2);
	assert_int_equal(t.ops->pause(t.priv), 0);
	regs_of(&t, 0, &r0);
	regs_of(&t, 1, &r1);
	assert_int_not_equal(r0.cr3, r1.cr3);
	assert_int_equal(r1.rip, 0x1001);
	assert_reads(&t, &r1, VA, "seen by vCPU 1"); /* vCPU 0's tables said 20 */
	assert_reads(&t, &r0, VA, "seen by vCPU 0");
	assert_reads(&t, &r1, VA + 1, "een by vCPU 1"); /* cached: still vCPU 1's */
	assert_int_equal(t.ops->unpause(t.priv), 0);
	t.ops->close(t.priv);
}

static void test_reads_as_the_vcpu_sees_it_pv(void **state)
{
	(void)state;
	check_each_vcpu_own_tables(false, 0);
}

static void test_reads_as_the_vcpu_sees_it_hvm(void **state)
{
	(void)state;
	check_each_vcpu_own_tables(true, 0);
}

static void test_reads_as_the_vcpu_sees_it_libxc(void **state)
{
	(void)state;
	check_each_vcpu_own_tables(false, PROF_XEN_LIBXC);
}

/* The guest runs between two samples and remaps VA under the same CR3. */
static void test_no_translation_outlives_a_pause(void **state)
{
	(void)state;
	fake_domain(false);
	two_address_spaces();
	struct prof_target t = open_target(0);
	struct prof_regs r;
	assert_int_equal(t.ops->pause(t.priv), 0);
	regs_of(&t, 0, &r);
	assert_reads(&t, &r, VA, "seen by vCPU 0");
	assert_int_equal(t.ops->unpause(t.priv), 0);
	fill(22, "remapped");
	pte(4, (VA >> 12) & 511, 22 * PAGE | P); /* vCPU 0's last-level entry */
	assert_int_equal(t.ops->pause(t.priv), 0);
	regs_of(&t, 0, &r);
	assert_reads(&t, &r, VA, "remapped");
	assert_int_equal(t.ops->unpause(t.priv), 0);
	/* ... and a new CR3 on the same vCPU: its tables, not the old ones. */
	map_4k(9, VA, 23);
	fill(23, "new address space");
	set_root(0, 9);
	assert_int_equal(t.ops->pause(t.priv), 0);
	regs_of(&t, 0, &r);
	assert_reads(&t, &r, VA, "new address space");
	assert_int_equal(t.ops->unpause(t.priv), 0);
	t.ops->close(t.priv);
}

static void test_paging_off_and_large_pages(void **state)
{
	(void)state;
	fake_domain(true);
	dom.ctx[0].ctrlreg[0] = 0; /* HVM, paging off: virtual == physical */
	fill(30, "physical 30");
	/* vCPU 1: a 2 MiB page at VA 0x200000 -> frames 0..511 (only 0..63 exist). */
	pte(1, 0, 2 * PAGE | P);
	pte(2, 0, 3 * PAGE | P);
	pte(3, 1, 0 | PS | P);
	set_root(1, 1);
	struct prof_target t = open_target(0);
	struct prof_regs r0, r1;
	assert_int_equal(t.ops->pause(t.priv), 0);
	regs_of(&t, 0, &r0);
	regs_of(&t, 1, &r1);
	assert_int_equal(r0.cr3, 0);
	assert_reads(&t, &r0, 30 * PAGE, "physical 30");
	assert_reads(&t, &r1, 0x200000 + 30 * PAGE, "physical 30");
	char b[8];
	assert_int_equal(t.ops->read_mem(t.priv, &r1, 0x200000 + FRAMES * PAGE, b, 8), -EFAULT);
	t.ops->close(t.priv);
}

static void test_unmapped_and_hostile_addresses(void **state)
{
	(void)state;
	fake_domain(false);
	two_address_spaces();
	map_4k(1, VA + PAGE, 25);
	fill(25, "second page");
	pte(4, ((VA >> 12) + 2) & 511, (uint64_t)1000 * PAGE | P); /* outside the guest */
	memcpy(&guest[20][PAGE - 4], "end-", 4);
	struct prof_target t = open_target(0);
	struct prof_regs r;
	char b[16] = { 0 };
	assert_int_equal(t.ops->pause(t.priv), 0);
	regs_of(&t, 0, &r);
	assert_int_equal(t.ops->read_mem(t.priv, &r, VA + PAGE - 4, b, 11), 11); /* across */
	assert_memory_equal(b, "end-second", 10);
	assert_int_equal(t.ops->read_mem(t.priv, &r, VA + 2 * PAGE, b, 8), -EFAULT);
	assert_int_equal(t.ops->read_mem(t.priv, &r, VA + 3 * PAGE, b, 8),
			 -EFAULT); /* not present */
	assert_int_equal(t.ops->read_mem(t.priv, &r, 0x0000800000000000ull, b, 8), -EFAULT);
	assert_int_equal(t.ops->read_mem(t.priv, &r, ~0ull - 3, b, 8), -EFAULT); /* wraps */
	r.cr3 = (uint64_t)5000 * PAGE; /* a root outside the guest */
	assert_int_equal(t.ops->read_mem(t.priv, &r, VA, b, 8), -EFAULT);
	t.ops->close(t.priv);
}

static void test_vcpu_not_up(void **state)
{
	(void)state;
	fake_domain(false);
	two_address_spaces();
	dom.up[1] = false; /* maxvcpus = 2, vcpus = 1 */
	struct prof_target t = open_target(0);
	struct prof_regs r;
	assert_int_equal(t.ops->pause(t.priv), 0);
	assert_int_equal(t.ops->get_regs(t.priv, 1, &r), -ENODATA);
	assert_non_null(strstr(prof_error(), "vCPU 1 of domain 7 is not up"));
	regs_of(&t, 0, &r);
	assert_reads(&t, &r, VA, "seen by vCPU 0");
	assert_int_equal(t.ops->get_regs(t.priv, 2, &r), -EINVAL);
	assert_int_equal(t.ops->get_regs(t.priv, -1, &r), -EINVAL);
	t.ops->close(t.priv);
}

/* PV in user mode translates with the user table (ctrlreg[1]) when there is one. */
static void test_pv_user_table(void **state)
{
	(void)state;
	fake_domain(false);
	two_address_spaces();
	dom.ctx[0].flags = 0;
	dom.ctx[0].ctrlreg[1] = xen_pfn_to_cr3(5);
	struct prof_target t = open_target(0);
	struct prof_regs r;
	assert_int_equal(t.ops->pause(t.priv), 0);
	regs_of(&t, 0, &r);
	assert_reads(&t, &r, VA, "seen by vCPU 1");
	dom.ctx[0].ctrlreg[1] = 0; /* none: the kernel's */
	regs_of(&t, 0, &r);
	assert_reads(&t, &r, VA, "seen by vCPU 0");
	t.ops->close(t.priv);
}

/* ---- xlate.c --------------------------------------------------------------------------- */

static int read_guest_pte(void *arg, uint64_t pa, uint64_t *e)
{
	(void)arg;
	if (pa / PAGE >= FRAMES)
		return -EFAULT;
	memcpy(e, &guest[pa / PAGE][pa % PAGE], 8);
	return 0;
}

static void test_walk(void **state)
{
	(void)state;
	fake_domain(false);
	uint64_t pa, span;
	pte(1, 0, 2 * PAGE | P);
	pte(2, 1, 0x80000000ull | PS | P); /* 1 GiB: VA 1 GiB -> 2 GiB */
	pte(2, 0, 3 * PAGE | P);
	pte(3, 2, 0x600000ull | PS | P); /* 2 MiB: VA 4 MiB -> 6 MiB */
	pte(3, 3, 4 * PAGE | P);
	pte(4, 5, 9 * PAGE | P | 0x8000000000000000ull); /* NX and low flags are not address */
	assert_int_equal(prof_x86_walk(PAGE | 0xfff, 0x40000123, read_guest_pte, NULL, &pa, &span),
			 0);
	assert_int_equal(pa, 0x80000123);
	assert_int_equal(span, (1ull << 30) - 0x123);
	assert_int_equal(prof_x86_walk(PAGE, 0x412345, read_guest_pte, NULL, &pa, &span), 0);
	assert_int_equal(pa, 0x612345);
	assert_int_equal(span, 0x200000 - 0x12345);
	assert_int_equal(prof_x86_walk(PAGE, 0x605010, read_guest_pte, NULL, &pa, &span), 0);
	assert_int_equal(pa, 9 * PAGE + 0x10);
	assert_int_equal(span, PAGE - 0x10);
	assert_int_equal(prof_x86_walk(PAGE, 0x606000, read_guest_pte, NULL, &pa, &span), -EFAULT);
	assert_int_equal(
		prof_x86_walk(PAGE, 0x0000800000000000ull, read_guest_pte, NULL, &pa, &span),
		-EFAULT);
	pte(4, 6, (uint64_t)FRAMES * PAGE | P); /* a leaf outside: the walk gives it back */
	assert_int_equal(prof_x86_walk(PAGE, 0x606000, read_guest_pte, NULL, &pa, &span), 0);
	assert_int_equal(pa, (uint64_t)FRAMES * PAGE);
	pte(3, 3, (uint64_t)FRAMES * PAGE | P); /* a table outside: unreadable */
	assert_int_equal(prof_x86_walk(PAGE, 0x606000, read_guest_pte, NULL, &pa, &span), -EFAULT);
}

static void test_translation_cache(void **state)
{
	(void)state;
	static struct prof_xlate_cache c;
	uint64_t f = 0;
	prof_xlate_init(&c);
	assert_false(prof_xlate_lookup(&c, 0x1000, 5, &f));
	prof_xlate_insert(&c, 0x1000, 5, 42);
	assert_true(prof_xlate_lookup(&c, 0x1000, 5, &f));
	assert_int_equal(f, 42);
	assert_false(prof_xlate_lookup(&c, 0x2000, 5, &f)); /* another address space */
	assert_false(prof_xlate_lookup(&c, 0x1000, 6, &f));
	prof_xlate_insert(&c, 0x2000, 5, 43);
	assert_true(prof_xlate_lookup(&c, 0x2000, 5, &f));
	assert_int_equal(f, 43);
	prof_xlate_flush(&c);
	assert_false(prof_xlate_lookup(&c, 0x1000, 5, &f));
	assert_false(prof_xlate_lookup(&c, 0x2000, 5, &f));
	/* Many keys: whatever is found is what was inserted for that key. */
	for (uint64_t v = 0; v < 4 * PROF_XLATE_SLOTS; v++)
		prof_xlate_insert(&c, (v & 3) << 12, v, v * 7);
	for (uint64_t v = 0; v < 4 * PROF_XLATE_SLOTS; v++)
		if (prof_xlate_lookup(&c, (v & 3) << 12, v, &f))
			assert_int_equal(f, v * 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_as_the_vcpu_sees_it_pv),
		cmocka_unit_test(test_reads_as_the_vcpu_sees_it_hvm),
		cmocka_unit_test(test_reads_as_the_vcpu_sees_it_libxc),
		cmocka_unit_test(test_no_translation_outlives_a_pause),
		cmocka_unit_test(test_paging_off_and_large_pages),
		cmocka_unit_test(test_unmapped_and_hostile_addresses),
		cmocka_unit_test(test_vcpu_not_up),
		cmocka_unit_test(test_pv_user_table),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_translation_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
