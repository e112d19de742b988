// SPDX-License-Identifier: MIT
/*
 * Exception and interrupt dispatch for x86_64.
 *
 * Interrupts (vectors >= 32) go to the handler a platform registered. An
 * exception is first offered to the probe fixups (expected faults from
 * arch_probe_*), and otherwise is fatal: the registers and a symbolized
 * backtrace are printed and the guest exits with EMBER_EXIT_EXCEPTION.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/exit.h>
#include <ember/ksyms.h>
#include <ember/panic.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <arch/trap.h>

struct extable_entry {
	uintptr_t insn, fixup;
};
extern const struct extable_entry __extable_start[], __extable_end[];
extern struct arch_fault_info *probe_fault_info;
extern uintptr_t probe_exec_rsp, probe_exec_resume;

static arch_irq_handler irq_handlers[256];

static const char *const exception_names[32] = {
	"divide error",
	"debug",
	"NMI",
	"breakpoint",
	"overflow",
	"bound range",
	"invalid opcode",
	"device not available",
	"double fault",
	"coprocessor overrun",
	"invalid TSS",
	"segment not present",
	"stack fault",
	"general protection",
	"page fault",
	"reserved",
	"x87 floating point",
	"alignment check",
	"machine check",
	"SIMD floating point",
	"virtualization",
	"control protection",
};

void arch_irq_set_handler(unsigned vector, arch_irq_handler fn)
{
	irq_handlers[vector & 0xff] = fn;
}

static void record_fault(struct trap_frame *f, uintptr_t addr)
{
	if (probe_fault_info)
		*probe_fault_info = (struct arch_fault_info){ (unsigned)f->vector, f->error, addr };
}

/* Resumes an expected fault from a probe; false if the fault is not one. */
static bool probe_fixup(struct trap_frame *f, uintptr_t addr)
{
	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++) {
		if (e->insn == f->rip) {
			record_fault(f, addr);
			f->rip = e->fixup;
			f->rax = (uint64_t)-EFAULT;
			return true;
		}
	}
	if (probe_exec_resume && f->vector == VEC_PF && f->rip == addr) {
		record_fault(f, addr);
		f->rip = probe_exec_resume;
		f->rsp = probe_exec_rsp;
		f->rax = (uint64_t)-EFAULT;
		probe_exec_resume = 0;
		return true;
	}
	return false;
}

static void print_symbol(const char *label, uintptr_t addr)
{
	uintptr_t off;
	const char *name = ksyms_lookup(addr, &off);
	if (name)
		printk("%s %016lx <%s+0x%lx>\n", label, addr, name, off);
	else
		printk("%s %016lx\n", label, addr);
}

void trap_dump(const struct trap_frame *f)
{
	print_symbol("  RIP:", f->rip);
	printk("  RSP: %016lx  RFLAGS: %016lx  ERR: %lx\n", f->rsp, f->rflags, f->error);
	printk("  RAX: %016lx  RBX: %016lx  RCX: %016lx\n", f->rax, f->rbx, f->rcx);
	printk("  RDX: %016lx  RSI: %016lx  RDI: %016lx\n", f->rdx, f->rsi, f->rdi);
	printk("  RBP: %016lx  R8:  %016lx  R9:  %016lx\n", f->rbp, f->r8, f->r9);
	printk("  R10: %016lx  R11: %016lx  R12: %016lx\n", f->r10, f->r11, f->r12);
	printk("  R13: %016lx  R14: %016lx  R15: %016lx\n", f->r13, f->r14, f->r15);
	printk("  CR2: %016lx  CR3: %016lx\n", trap_fault_address(), trap_page_table_base());
	backtrace_print(f->rip, f->rbp);
}

static __noreturn void exception_fatal(struct trap_frame *f, uintptr_t addr)
{
	const char *name = f->vector < 32 && exception_names[f->vector] ? exception_names[f->vector]
									: "unknown exception";
	const char *guard_of = f->vector == VEC_PF ? sched_guard_owner(addr) : NULL;
	if (guard_of)
		printk("\nember: stack overflow in thread '%s' (guard page %016lx hit)\n", guard_of,
		       addr);
	printk("\nember: unexpected exception %lu (%s) in thread '%s'\n", f->vector, name,
	       sched_current_name());
	if (f->vector == VEC_PF)
		printk("  page fault: %s %s at %016lx (%s)\n",
		       f->error & 0x10 ? "instruction fetch"
		       : f->error & 2  ? "write"
				       : "read",
		       f->error & 1 ? "violating permissions" : "of unmapped page", addr,
		       f->error & 4 ? "user" : "kernel");
	trap_dump(f);
	kernel_exit(EMBER_EXIT_EXCEPTION);
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector >= 32) {
		arch_irq_handler fn = irq_handlers[f->vector];
		if (fn)
			fn(f);
		sched_preempt_point(f->rip); /* spurious and masked-PIC vectors: only this */
		return;
	}
	uintptr_t addr = f->vector == VEC_PF ? trap_fault_address() : 0;
	if (probe_fixup(f, addr))
		return;
	exception_fatal(f, addr);
}

bool arch_frame_next(uintptr_t fp, uintptr_t *pc, uintptr_t *next)
{
	if (!fp || !IS_ALIGNED(fp, 8))
		return false;
	*next = ((const uintptr_t *)fp)[0];
	*pc = ((const uintptr_t *)fp)[1];
	return *pc != 0;
}
