// SPDX-License-Identifier: MIT
/*
 * x86_64 descriptor tables and CPU set-up.
 *
 * GDT: null, kernel code (0x08), kernel data (0x10), 64-bit TSS (0x18).
 * Everything runs in ring 0, so the TSS only matters for its interrupt stack
 * table: page faults, double faults, NMIs and machine checks switch to their
 * own IST stacks, so a thread that overflows into its guard page still gets a
 * clean report instead of a triple fault.
 * IDT: all 256 vectors point at the stubs in trap_entry.S.
 */
#include <ember/arch.h>
#include <arch/trap.h>
#include <arch/x86.h>

#define IST_STACK_SIZE 8192
#define IST_PF	       1
#define IST_DF	       2
#define IST_NMI	       3

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_entry {
	uint16_t offset_lo, selector;
	uint8_t ist, type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi, zero;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static uint64_t gdt[5] = {
	0,
	0x00af9a000000ffffull, /* 0x08 kernel code, long mode */
	0x00cf92000000ffffull, /* 0x10 kernel data */
	0,
	0, /* 0x18 TSS (two slots), filled at run time */
};
static struct tss64 tss;
static struct idt_entry idt[256];
static uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
extern const uint64_t trap_stubs[256];

static void gdt_set_tss(void)
{
	uint64_t base = (uintptr_t)&tss, limit = sizeof(tss) - 1;
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;
}

static void gdt_load(void)
{
	struct desc_ptr p = { sizeof(gdt) - 1, (uintptr_t)gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "pushq $0x08\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl $0x10, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "movw $0x18, %%ax\n\t"
			 "ltr %%ax"
			 :
			 : "m"(p)
			 : "rax", "memory");
}

static void idt_set(unsigned vec, uint64_t handler, unsigned ist)
{
	idt[vec] = (struct idt_entry){
		.offset_lo = handler & 0xffff,
		.selector = 0x08,
		.ist = (uint8_t)ist,
		.type_attr = 0x8e, /* present, ring 0, interrupt gate */
		.offset_mid = (handler >> 16) & 0xffff,
		.offset_hi = (uint32_t)(handler >> 32),
	};
}

static void idt_load(void)
{
	for (unsigned v = 0; v < 256; v++)
		idt_set(v, trap_stubs[v], 0);
	idt[VEC_PF].ist = IST_PF;
	idt[VEC_DF].ist = IST_DF;
	idt[VEC_NMI].ist = IST_NMI;
	idt[VEC_MC].ist = IST_NMI;
	struct desc_ptr p = { sizeof(idt) - 1, (uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(p));
}

static void fpu_enable(void)
{
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	__asm__ volatile("fninit");
}

void arch_cpu_init(void)
{
	for (unsigned i = 0; i < 3; i++)
		tss.ist[i] = (uintptr_t)&ist_stacks[i][IST_STACK_SIZE];
	tss.iomap_base = sizeof(tss);
	gdt_set_tss();
	gdt_load();
	idt_load();
	fpu_enable();
}

/*
 * `syscall` from ring 0 stays in ring 0 (CS and SS from STAR: 0x08, 0x10),
 * on the same stack, with the return address in rcx and rflags in r11.
 * FMASK clears TF, DF, NT and AC for the entry but not IF: an interrupt
 * there is as harmless as anywhere in application code.
 */
int arch_syscall_entry_set(void (*entry)(void))
{
	wrmsr(MSR_STAR, 0x08ull << 32);
	wrmsr(MSR_LSTAR, (uintptr_t)entry);
	wrmsr(MSR_FMASK, RFLAGS_TF | RFLAGS_DF | RFLAGS_NT | RFLAGS_AC);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	return 0;
}

uintptr_t trap_fault_address(void)
{
	return read_cr2();
}

uintptr_t trap_page_table_base(void)
{
	return read_cr3();
}

__noreturn void arch_triple_fault(void)
{
	struct desc_ptr null_idt = { 0, 0 };
	__asm__ volatile("lidt %0; int3" : : "m"(null_idt));
	for (;;)
		__asm__ volatile("hlt");
}

#define MSR_FS_BASE 0xc0000100u

void arch_write_tls_base(uintptr_t base)
{
	wrmsr(MSR_FS_BASE, base);
}
