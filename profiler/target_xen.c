// SPDX-License-Identifier: MIT
/*
 * The Xen target: a guest domain seen from dom0 through libxenctrl and
 * libxencall (pause, vCPU context) and libxenforeignmemory (reading guest
 * frames).
 *
 * Memory. read_mem walks the guest's page tables itself (xlate.c), from the
 * page-table root of the vCPU whose registers it is given, reading the
 * tables through the same frame mappings as the data. Mapping a frame is a
 * hypercall, so mappings are cached across samples, per frame (a frame's
 * contents are live, whatever maps it). Translations are cached too, keyed on
 * (root, virtual page), but only until the guest runs again: the cache is
 * flushed at every pause and unpause, so neither another vCPU's address
 * space nor page tables the guest changed since are ever read through a
 * stale translation. With the frames mapped, a walk costs four memory reads.
 * Both caches are bounded (a slot is simply reused).
 *
 * The three calls every sample makes (pause, read a vCPU's context, unpause)
 * go straight to the domctl hypercall through libxencall, with the domctl
 * and the vCPU context in hypercall buffers allocated once at open: libxc's
 * wrappers bounce both through freshly prepared buffers on every call, which
 * the rig notes measure at ~440 us per sample against ~250 us direct. The
 * libxc path stays selectable (PROF_XEN_LIBXC) so the two can be measured
 * side by side, and is used when the direct path is refused at open (a
 * hypervisor whose domctl interface differs from the headers').
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xencall.h>
#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "prof.h"
#include "target_xen.h"
#include "xlate.h"

#define PAGE	    PROF_PAGE
#define CACHE_SLOTS 4096 /* power of two */
#define CR0_PG	    (1ull << 31)
#define CR4_LA57    (1ull << 12)

struct mapping {
	uint64_t frame;
	void *ptr;
};

struct xen_target {
	xc_interface *xch;
	xenforeignmemory_handle *fmem;
	xencall_handle *call;	       /* NULL: every call through libxc */
	struct xen_domctl *dc;	       /* hypercall buffer, reused */
	vcpu_guest_context_any_t *ctx; /* hypercall buffer, reused */
	uint32_t domid;
	int nr_vcpus;
	bool hvm;
	struct prof_xlate_cache xlate; /* flushed at every pause and unpause */
	struct mapping maps[CACHE_SLOTS];
};

static unsigned slot(uint64_t key)
{
	return (unsigned)((key * 0x9e3779b97f4a7c15ull) >> 52) & (CACHE_SLOTS - 1);
}

static void drop_mappings(struct xen_target *x)
{
	for (unsigned i = 0; i < CACHE_SLOTS; i++) {
		if (x->maps[i].ptr)
			xenforeignmemory_unmap(x->fmem, x->maps[i].ptr, 1);
		x->maps[i] = (struct mapping){ 0, NULL };
	}
}

static const uint8_t *map_frame(struct xen_target *x, uint64_t frame)
{
	struct mapping *m = &x->maps[slot(frame)];
	if (m->ptr && m->frame == frame)
		return m->ptr;
	if (m->ptr)
		xenforeignmemory_unmap(x->fmem, m->ptr, 1);
	xen_pfn_t pfn = frame;
	int err = 0;
	void *p = xenforeignmemory_map(x->fmem, x->domid, PROT_READ, 1, &pfn, &err);
	if (!p || err) {
		if (p)
			xenforeignmemory_unmap(x->fmem, p, 1);
		*m = (struct mapping){ 0, NULL };
		return NULL;
	}
	*m = (struct mapping){ frame, p };
	return p;
}

/* prof_read_pte_fn: one page-table entry, through the frame mappings. */
static int read_pte(void *arg, uint64_t pa, uint64_t *pte)
{
	const uint8_t *page = map_frame(arg, pa / PAGE);
	if (!page)
		return -EFAULT;
	memcpy(pte, page + pa % PAGE, 8);
	return 0;
}

/* The frame holding @va as @regs's vCPU sees it, or -EFAULT when @va is unmapped. */
static int translate(struct xen_target *x, const struct prof_regs *regs, uint64_t va,
		     uint64_t *frame)
{
	uint64_t vpage = va / PAGE, pa, span;
	if (!regs->cr3) { /* paging off: virtual == physical */
		*frame = vpage;
		return 0;
	}
	if (prof_xlate_lookup(&x->xlate, regs->cr3, vpage, frame))
		return 0;
	if (prof_x86_walk(regs->cr3, va, read_pte, x, &pa, &span))
		return -EFAULT;
	*frame = pa / PAGE;
	prof_xlate_insert(&x->xlate, regs->cr3, vpage, *frame);
	return 0;
}

static ssize_t xen_read_mem(void *t, const struct prof_regs *regs, uint64_t va, void *buf,
			    size_t len)
{
	struct xen_target *x = t;
	uint8_t *out = buf;
	for (size_t done = 0; done < len;) {
		uint64_t a = va + done, frame;
		if (a < va)
			return -EFAULT; /* wraps around the address space */
		const uint8_t *page = translate(x, regs, a, &frame) ? NULL : map_frame(x, frame);
		if (!page)
			return -EFAULT;
		size_t off = a % PAGE, n = PAGE - off;
		if (n > len - done)
			n = len - done;
		memcpy(out + done, page + off, n);
		done += n;
	}
	return (ssize_t)len;
}

/* One domctl through the preallocated buffer; 0, or -1 with errno. */
static int domctl(struct xen_target *x, uint32_t cmd)
{
	x->dc->cmd = cmd;
	x->dc->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	x->dc->domain = (domid_t)x->domid;
	return xencall1(x->call, __HYPERVISOR_domctl, (uint64_t)(uintptr_t)x->dc) < 0 ? -1 : 0;
}

static int xen_pause(void *t)
{
	struct xen_target *x = t;
	prof_xlate_flush(&x->xlate);
	int rc = x->call ? domctl(x, XEN_DOMCTL_pausedomain) : xc_domain_pause(x->xch, x->domid);
	return rc ? prof_fail(errno, "cannot pause domain %u: %s", x->domid, strerror(errno)) : 0;
}

static int xen_unpause(void *t)
{
	struct xen_target *x = t;
	prof_xlate_flush(&x->xlate);
	int rc =
		x->call ? domctl(x, XEN_DOMCTL_unpausedomain) : xc_domain_unpause(x->xch, x->domid);
	return rc ? prof_fail(errno, "cannot unpause domain %u: %s", x->domid, strerror(errno)) : 0;
}

static int xen_nr_vcpus(void *t)
{
	return ((struct xen_target *)t)->nr_vcpus;
}

/* Reads vCPU @vcpu's context into x->ctx; 0, or -1 with errno. */
static int read_context(struct xen_target *x, int vcpu)
{
	if (!x->call)
		return xc_vcpu_getcontext(x->xch, x->domid, (uint32_t)vcpu, x->ctx);
	x->dc->u.vcpucontext.vcpu = (uint32_t)vcpu;
	set_xen_guest_handle_raw(x->dc->u.vcpucontext.ctxt, &x->ctx->c);
	return domctl(x, XEN_DOMCTL_getvcpucontext);
}

/*
 * The page-table root a vCPU translates with: 0 when paging is off (HVM/PVH
 * early boot: virtual == physical). PV: an MFN in Xen's cr3 encoding, in
 * ctrlreg[3] the kernel's table, in ctrlreg[1] the user one (0 if none),
 * used when the vCPU is not in kernel mode. -ENOTSUP for 5-level paging.
 */
static int page_root(const struct xen_target *x, const vcpu_guest_context_x86_64_t *c,
		     uint64_t *root)
{
	if (!x->hvm) {
		bool user = !(c->flags & VGCF_in_kernel) && c->ctrlreg[1];
		*root = (uint64_t)xen_cr3_to_pfn(c->ctrlreg[user ? 1 : 3]) << 12;
		return 0;
	}
	if (c->ctrlreg[4] & CR4_LA57)
		return -ENOTSUP;
	*root = (c->ctrlreg[0] & CR0_PG) ? c->ctrlreg[3] & PROF_PTE_ADDR : 0;
	return 0;
}

static int xen_get_regs(void *t, int vcpu, struct prof_regs *regs)
{
	struct xen_target *x = t;
	if (vcpu < 0 || vcpu >= x->nr_vcpus)
		return prof_fail(EINVAL, "domain %u has no vCPU %d", x->domid, vcpu);
	if (read_context(x, vcpu)) {
		int err = errno;
		if (err == ENODATA) /* Xen's answer for a vCPU the guest never started */
			return prof_fail(err, "vCPU %d of domain %u is not up", vcpu, x->domid);
		return prof_fail(err, "cannot read vCPU %d of domain %u: %s", vcpu, x->domid,
				 strerror(err));
	}
	const vcpu_guest_context_x86_64_t *c = &x->ctx->x64;
	uint64_t root;
	if (page_root(x, c, &root))
		return prof_fail(ENOTSUP,
				 "vCPU %d of domain %u uses 5-level paging (not supported)", vcpu,
				 x->domid);
	*regs = (struct prof_regs){
		.rip = c->user_regs.rip,
		.rsp = c->user_regs.rsp,
		.rbp = c->user_regs.rbp,
		.cr3 = root,
		.kernel_mode = true, /* Ember runs everything in its kernel */
	};
	return 0;
}

static bool xen_alive(void *t)
{
	struct xen_target *x = t;
	xc_dominfo_t info;
	return xc_domain_getinfo(x->xch, x->domid, 1, &info) == 1 && info.domid == x->domid &&
	       !info.dying && !info.shutdown;
}

static void xen_close(void *t)
{
	struct xen_target *x = t;
	drop_mappings(x);
	if (x->call) {
		xencall_free_buffer(x->call, x->dc);
		xencall_free_buffer(x->call, x->ctx);
		xencall_close(x->call);
	} else {
		free(x->ctx);
	}
	if (x->fmem)
		xenforeignmemory_close(x->fmem);
	if (x->xch)
		xc_interface_close(x->xch);
	free(x);
}

static const struct prof_target_ops xen_ops = {
	.name = "xen",
	.pause = xen_pause,
	.unpause = xen_unpause,
	.nr_vcpus = xen_nr_vcpus,
	.get_regs = xen_get_regs,
	.read_mem = xen_read_mem,
	.alive = xen_alive,
	.close = xen_close,
};

/* Finds the domain called @name through xenstore; -ENOENT when none is. */
static int domid_by_name(const char *name, uint32_t *domid)
{
	struct xs_handle *xs = xs_open(XS_OPEN_READONLY);
	if (!xs)
		return prof_fail(errno, "cannot open xenstore: %s", strerror(errno));
	unsigned n = 0;
	char **ids = xs_directory(xs, XBT_NULL, "/local/domain", &n);
	int err = prof_fail(ENOENT, "no domain called '%s'", name);
	for (unsigned i = 0; ids && i < n; i++) {
		char path[64];
		unsigned len;
		snprintf(path, sizeof(path), "/local/domain/%s/name", ids[i]);
		char *v = xs_read(xs, XBT_NULL, path, &len);
		if (v && !strcmp(v, name)) {
			*domid = (uint32_t)strtoul(ids[i], NULL, 10);
			err = 0;
		}
		free(v);
	}
	free(ids);
	xs_close(xs);
	return err;
}

static int resolve_domain(const char *domain, uint32_t *domid)
{
	char *end;
	unsigned long v = strtoul(domain, &end, 10);
	if (*domain && !*end) {
		if (v > DOMID_FIRST_RESERVED)
			return prof_fail(EINVAL, "'%s' is not a domain id", domain);
		*domid = (uint32_t)v;
		return 0;
	}
	return domid_by_name(domain, domid);
}

/* Xen's libraries log their own errors to stderr; ours are one line each. */
static xentoollog_logger *quiet_logger(void)
{
	static xentoollog_logger_stdiostream *lg;
	if (!lg)
		lg = xtl_createlogger_stdiostream(stderr, XTL_CRITICAL, 0);
	return (xentoollog_logger *)lg;
}

/*
 * Sets up the direct hypercall path, or leaves x->call NULL (libxc's path)
 * when @via_libxc asks for it or the hypervisor refuses our domctl: one
 * getvcpucontext of vCPU 0 is the probe. -ENOMEM when no buffer is left.
 */
static int open_calls(struct xen_target *x, bool via_libxc)
{
	x->call = via_libxc ? NULL : xencall_open(quiet_logger(), 0);
	if (x->call) {
		x->dc = xencall_alloc_buffer(x->call, sizeof(*x->dc));
		x->ctx = xencall_alloc_buffer(x->call, sizeof(*x->ctx));
		if (x->dc && x->ctx) {
			memset(x->dc, 0, sizeof(*x->dc));
			if (!read_context(x, 0))
				return 0;
		}
		xencall_free_buffer(x->call, x->dc);
		xencall_free_buffer(x->call, x->ctx);
		xencall_close(x->call);
		x->call = NULL;
	}
	x->ctx = malloc(sizeof(*x->ctx));
	return x->ctx ? 0 : prof_fail(ENOMEM, "out of memory");
}

int prof_xen_open(const char *domain, unsigned flags, struct prof_target *out)
{
	struct xen_target *x = calloc(1, sizeof(*x));
	if (!x)
		return prof_fail(ENOMEM, "out of memory");
	x->xch = xc_interface_open(quiet_logger(), quiet_logger(), 0);
	x->fmem = x->xch ? xenforeignmemory_open(quiet_logger(), 0) : NULL;
	if (!x->xch || !x->fmem) {
		int err = prof_fail(EPERM, "cannot open Xen's control interface: run emberprof "
					   "in dom0 as root");
		xen_close(x);
		return err;
	}
	xc_dominfo_t info;
	int err = resolve_domain(domain, &x->domid);
	if (!err && x->domid == 0)
		err = prof_fail(EINVAL, "domain 0 cannot be profiled with emberprof");
	if (!err && (xc_domain_getinfo(x->xch, x->domid, 1, &info) != 1 || info.domid != x->domid))
		err = prof_fail(ENOENT, "no domain with id %u", x->domid);
	if (!err && info.dying)
		err = prof_fail(ESRCH, "domain %u is dying", x->domid);
	if (err) {
		xen_close(x);
		return err;
	}
	x->hvm = info.hvm;
	prof_xlate_init(&x->xlate);
	x->nr_vcpus = (int)info.max_vcpu_id + 1;
	err = open_calls(x, flags & PROF_XEN_LIBXC);
	if (err) {
		xen_close(x);
		return err;
	}
	*out = (struct prof_target){ &xen_ops, x };
	return 0;
}
