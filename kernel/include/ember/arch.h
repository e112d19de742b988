/* SPDX-License-Identifier: MIT */
/*
 * The kernel <-> CPU architecture interface. arch/<arch>/ implements every
 * call, with the same file names on every architecture. Kernel core code uses
 * only this header; platform code (kvm/, xen/) may also use arch-private
 * headers under arch/<arch>/include/arch/.
 */
#ifndef EMBER_ARCH_H
#define EMBER_ARCH_H

#include <ember/compiler.h>
#include <ember/memmap.h>

/* --- cpu.c: descriptor tables and CPU features --------------------------- */

/* Loads the GDT, TSS and IDT and enables the FPU/SSE. First call at boot. */
void arch_cpu_init(void);

/* Cycle counter (the TSC on x86): monotonic, constant rate. */
uint64_t arch_cycles(void);

/* Cycle count at the first instruction of the image (boot-time origin). */
uint64_t arch_boot_cycles(void);

/* --- irq: interrupt flag ---------------------------------------------------*/

static inline unsigned long arch_irq_save(void);
static inline void arch_irq_restore(unsigned long flags);
static inline void arch_irq_enable(void);
static inline void arch_irq_disable(void);
static inline bool arch_irq_enabled(void);

/* Registers @fn as the handler for interrupt @vector (platform devices). */
struct trap_frame;
typedef void (*arch_irq_handler)(struct trap_frame *frame);
void arch_irq_set_handler(unsigned vector, arch_irq_handler fn);

/* --- mmu.c: page tables --------------------------------------------------- */

/*
 * Replaces the boot page tables with final ones: every page of @ram (RAM and
 * fixed ranges) mapped read/write/no-execute at virtual == physical, the image mapped W^X (text
 * r-x, rodata and .ksyms r--, data/bss rw-), page 0 unmapped, the boot stack
 * guard unmapped. Page tables come from the page allocator.
 * Returns 0 or -ENOMEM.
 */
int arch_mmu_init(const struct memmap *ram);

/* Maps device memory [@phys, @phys+@size) uncached at virtual == physical. */
int arch_mmu_map_mmio(uintptr_t phys, size_t size);

/* Unmaps one page (a stack guard) / maps it back read-write. */
int arch_mmu_set_guard(uintptr_t page);
int arch_mmu_clear_guard(uintptr_t page);

/* --- switch.S: threads ---------------------------------------------------- */

struct arch_fpu;

/*
 * A thread's CPU context. Kernel threads have only a stack pointer; an
 * application thread (libc-glue) also has a thread pointer (the TLS base:
 * FS on x86-64) and extended-state storage (x87/SSE), both switched with it.
 * The kernel itself never touches either (it is built general-regs-only).
 */
struct arch_context {
	uintptr_t sp; /* first: switch.S stores it at offset 0 */
	uintptr_t tls_base;
	struct arch_fpu *fpu; /* NULL: the thread never runs FPU/SSE code */
};

/*
 * Prepares @ctx so that switching to it runs @entry(@arg) on the stack whose
 * top is @stack_top, with a terminated frame-pointer chain. @entry must
 * never return.
 */
void arch_context_init(struct arch_context *ctx, uintptr_t stack_top, void (*entry)(void *arg),
		       void *arg);

/*
 * Saves the callee-saved state into @from and resumes @to, with @to's thread
 * pointer and extended state. Returns when something switches back to @from.
 * Precondition: interrupts disabled.
 */
void arch_context_switch(struct arch_context *from, struct arch_context *to);

/*
 * Gives @ctx extended-state storage, in the state a new process starts
 * with (x87 and SSE defaults, nothing pending). 0 or -ENOMEM.
 */
int arch_context_fpu_init(struct arch_context *ctx);

/* Releases what arch_context_fpu_init() gave; @ctx must never run again. */
void arch_context_release(struct arch_context *ctx);

/* Sets the thread pointer of @ctx, the running context. */
void arch_context_set_tls(struct arch_context *ctx, uintptr_t base);

/* Loads the CPU's thread-pointer register (FS base; the platform's way). */
void arch_write_tls_base(uintptr_t base);

/*
 * Makes the CPU's system-call instruction (x86 `syscall`) jump to @entry,
 * in the running privilege level and on the running stack, for application
 * code that bypasses the C library (libc-glue). 0, or -ENOTSUP where the
 * platform owns the instruction (Xen PV: there it is a hypercall).
 */
int arch_syscall_entry_set(void (*entry)(void));

/* --- random.c: CPU randomness and features (for the C library) ----------- */

/* 64 bits from the CPU's random-number instruction; false when it has none. */
bool arch_random_u64(uint64_t *out);

/* The ELF AT_HWCAP value of this CPU. */
unsigned long arch_hwcap(void);

/* --- probe.S: fault-tolerant accesses (used by tests and debuggers) ------- */

struct arch_fault_info {
	unsigned vector; /* 14 for a page fault */
	uint64_t error;	 /* CPU error code */
	uintptr_t addr;	 /* faulting address (CR2 on x86) */
};

/* Each returns 0, or -EFAULT if the access faulted; *@fi then tells how. */
int arch_probe_read(const volatile void *addr, struct arch_fault_info *fi);
int arch_probe_write(volatile void *addr, struct arch_fault_info *fi);
int arch_probe_exec(const void *addr, struct arch_fault_info *fi);

/* --- traps.c: crashes ----------------------------------------------------- */

/* Forces a triple fault (CPU reset): for testing the host's detection. */
__noreturn void arch_triple_fault(void);

/*
 * Follows one frame of the frame-pointer chain at @fp: sets *@pc to the
 * return address and *@next to the caller's frame. Returns false at the end
 * of the chain. The caller must have checked that @fp is readable.
 */
bool arch_frame_next(uintptr_t fp, uintptr_t *pc, uintptr_t *next);

#include <arch/irq.h>

#endif
