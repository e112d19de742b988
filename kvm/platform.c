// SPDX-License-Identifier: MIT
/*
 * kvm platform: idle, devices, exit. The guest ends through QEMU's
 * isa-debug-exit device (-device isa-debug-exit,iobase=0xf4,iosize=4): a
 * write of V makes QEMU exit with 2*V+1. Ember writes status+1, so QEMU exits
 * with 2*status+3 (3 for success) and QEMU's own exits stay distinct: 0 after
 * a reset (triple fault with -no-reboot), 1 for QEMU's errors.
 */
#include <ember/platform.h>
#include <ember/printk.h>
#include <arch/x86.h>
#include "kvm.h"

#define DEBUG_EXIT_PORT 0xf4
#define PIC1_DATA	0x21
#define PIC2_DATA	0xa1

void plat_idle_wait(void)
{
	/* sti's one-instruction shadow makes "sti; hlt" atomic. */
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

/* The legacy 8259 PICs stay fully masked: the local APIC does the timer. */
void kvm_pic_disable(void)
{
	static const uint8_t init[2][4] = { { 0x11, 0x20, 0x04, 0x01 },
					    { 0x11, 0x28, 0x02, 0x01 } };
	for (unsigned pic = 0; pic < 2; pic++) {
		uint16_t cmd = pic ? 0xa0 : 0x20;
		outb(cmd, init[pic][0]); /* ICW1, then vector base, cascade, 8086 */
		for (unsigned i = 1; i < 4; i++)
			outb(cmd + 1, init[pic][i]);
	}
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

int plat_devices_init(void)
{
	return 0; /* optional drivers start through EMBER_DEVICE_INIT() */
}

__noreturn void plat_exit(int status)
{
	outl(DEBUG_EXIT_PORT, (uint32_t)status + 1);
	/* No isa-debug-exit device: stop here; the status is lost. */
	printk("ember: no isa-debug-exit device; halting with status %d\n", status);
	for (;;)
		__asm__ volatile("cli; hlt");
}

const char *plat_name(void)
{
	return "kvm";
}
