// SPDX-License-Identifier: MIT
/*
 * What a context switch carries besides the stack (see struct arch_context
 * in <ember/arch.h>): the thread pointer and the x87/SSE state of
 * application threads. Shared by every x86_64 platform; only loading FS
 * differs (arch_write_tls_base(): an MSR where the kernel owns the CPU, a
 * hypercall on Xen PV).
 *
 * Extended state is switched eagerly but only when it must be: the CPU's
 * x87/SSE registers belong to one application thread at a time (fpu_owner),
 * kernel threads never touch them (the kernel is built general-regs-only,
 * and interrupt handlers run kernel code), so a switch to a kernel thread
 * and back costs nothing, and with one application thread FXSAVE never
 * runs at all. FXSAVE covers what applications are compiled for (the x86-64
 * baseline: x87 and SSE); AVX and later state would need XSAVE here and in
 * the compiler flags together.
 *
 * The thread pointer is loaded only when it changes; kernel threads have
 * none (tls_base 0) and leave the application's in place, since the kernel
 * never reads FS.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/string.h>

/* The FXSAVE image: 512 bytes, 16-byte aligned. */
struct arch_fpu {
	uint8_t area[512];
} __attribute__((aligned(16)));

void arch_stack_switch(struct arch_context *from, struct arch_context *to);

static struct arch_context *fpu_owner; /* whose state the registers hold */
static uintptr_t loaded_tls;

static void fxsave(struct arch_fpu *f)
{
	__asm__ volatile("fxsave64 %0" : "=m"(*f));
}

static void fxrstor(const struct arch_fpu *f)
{
	__asm__ volatile("fxrstor64 %0" : : "m"(*f));
}

void arch_context_switch(struct arch_context *from, struct arch_context *to)
{
	if (to->fpu && fpu_owner != to) {
		if (fpu_owner)
			fxsave(fpu_owner->fpu);
		fxrstor(to->fpu);
		fpu_owner = to;
	}
	if (to->tls_base && to->tls_base != loaded_tls) {
		arch_write_tls_base(to->tls_base);
		loaded_tls = to->tls_base;
	}
	arch_stack_switch(from, to);
}

int arch_context_fpu_init(struct arch_context *ctx)
{
	struct arch_fpu *f = aligned_alloc(16, sizeof(*f));
	if (!f)
		return -ENOMEM;
	memset(f, 0, sizeof(*f));
	f->area[0] = 0x7f; /* FCW 0x037f: x87 defaults, all exceptions masked */
	f->area[1] = 0x03;
	f->area[24] = 0x80; /* MXCSR 0x1f80: SSE defaults */
	f->area[25] = 0x1f;
	ctx->fpu = f;
	return 0;
}

void arch_context_release(struct arch_context *ctx)
{
	if (fpu_owner == ctx)
		fpu_owner = NULL;
	free(ctx->fpu);
	ctx->fpu = NULL;
}

void arch_context_set_tls(struct arch_context *ctx, uintptr_t base)
{
	ctx->tls_base = base;
	arch_write_tls_base(base);
	loaded_tls = base;
}
