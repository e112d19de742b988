// SPDX-License-Identifier: MIT
/*
 * Kernel start-up: the whole init order, top to bottom.
 *
 * Each step may rely on the ones above it only. Failures before the heap
 * exists end the guest with a specific EMBER_EXIT_* status and a one-line
 * reason; nothing here retries.
 */
#include <ember/arch.h>
#include <ember/cmdline.h>
#include <ember/device.h>
#include <ember/errno.h>
#include <ember/exit.h>
#include <ember/kernel.h>
#include <ember/memmap.h>
#include <ember/page_alloc.h>
#include <ember/panic.h>
#include <ember/param.h>
#include <ember/platform.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/vfs.h>

#define CMDLINE_SIZE 2048

extern char _image_start[], _image_end[];

struct boot_times boot_times;
static struct memmap ram;      /* all RAM the platform reported */
static struct memmap free_ram; /* RAM minus what is in use at boot */
static char cmdline_buf[CMDLINE_SIZE];
static struct cmdline cmdline;
static unsigned long main_stack_kib = 256;
extern const char ember_app_name[];
static const char *app_name = ember_app_name;

EMBER_PARAM_UINT(main_stack, "main.stack_kib", &main_stack_kib,
		 "stack size of the application's main thread in KiB (256)");
EMBER_PARAM_STRING(app_name, "app.name", &app_name, "argv[0] of the application");

/* Notes the cycle counter after a boot step (printed with loglevel=2). */
static void boot_step(const char *name)
{
	if (boot_times.nsteps < BOOT_STEPS_MAX)
		boot_times.steps[boot_times.nsteps++] = (struct boot_step){ name, arch_cycles() };
}

static void boot_read_info(void *boot_info)
{
	int err = plat_boot_info(boot_info, &ram, cmdline_buf, sizeof(cmdline_buf));
	if (err == -ENOENT)
		fatal(EMBER_EXIT_BAD_MEMMAP, "boot: no memory map, or an empty one");
	if (err)
		fatal(EMBER_EXIT_BAD_BOOT,
		      "boot: boot information at %p is missing or corrupt (%d)", boot_info, err);
	memmap_normalize(&ram);
	if (!ram.count)
		fatal(EMBER_EXIT_BAD_MEMMAP, "boot: the memory map has no usable RAM");
}

static void boot_apply_cmdline(void)
{
	const char *why;
	int err = cmdline_parse(cmdline_buf, app_name, &cmdline, &why);
	if (err == -EINVAL && why != cmdline_err_quote)
		fatal(EMBER_EXIT_BAD_PARAM,
		      "bad command line: '%s' is not key=value (application arguments go after --)",
		      why);
	if (err)
		fatal(EMBER_EXIT_BAD_PARAM, "bad command line: %s", why);
	if (param_apply(&cmdline))
		fatal(EMBER_EXIT_BAD_PARAM, "boot stopped: fix the kernel parameters");
	cmdline.argv[0] = (char *)app_name;
}

static void mm_init(void)
{
	free_ram = ram;
	memmap_reserve(&free_ram, 0, PAGE_SIZE);
	memmap_reserve(&free_ram, (uintptr_t)_image_start, (uintptr_t)(_image_end - _image_start));
	for (unsigned i = 0; i < free_ram.count; i++)
		page_alloc_add_region(free_ram.ram[i].base, free_ram.ram[i].size);
	if (page_alloc_total_pages() == 0)
		fatal(EMBER_EXIT_BAD_MEMMAP, "boot: no RAM left beyond the kernel image");
	boot_step("page allocator");
	if (arch_mmu_init(&ram))
		fatal(EMBER_EXIT_NO_MEMORY, "boot: out of memory for page tables");
}

/* The first thread: starts the platform's devices (they may block), then main(). */
static int main_thread(void *arg __unused)
{
	if (plat_devices_init()) /* platform services (xenstore, ...) */
		panic("platform devices failed to start");
	if (device_init_all()) /* optional drivers: virtio-9p, 9pfront, ... */
		panic("a device failed to start");
	boot_step("devices");
	int root = vfs_mount_root();
	if (root < 0)
		panic("the root filesystem (root=) could not be mounted");
	if (root > 0)
		boot_step("root filesystem");
	int status = app_start(&cmdline); /* it takes boot_times.main_cycles */
	if (status < 0 || status > EMBER_EXIT_APP_MAX)
		status = EMBER_EXIT_APP_MAX;
	kernel_exit(status);
}

/* clang-format off: the init order reads best as one aligned column. */
// clang-format off
__noreturn void kernel_main(void *boot_info)
{
	boot_times.entry_cycles = arch_boot_cycles();
	boot_step("entry to kernel_main");
	plat_console_init();		/* printk works from here on */
	boot_step("console");
	boot_read_info(boot_info);	/* memory map and command line */
	boot_apply_cmdline();		/* kernel parameters, app argv */
	boot_step("boot info, parameters");
	mm_init();			/* page allocator, then W^X page tables */
	boot_step("page tables");
	if (plat_time_init())		/* clock source and one-shot timer */
		panic("no usable clock");
	sched_init();			/* this context becomes the idle thread */
	arch_irq_enable();
	boot_step("time, scheduler");
	pr_info("ember: Ember " EMBER_VERSION " on %s/x86_64, %lu KiB free, app '%s'\n",
		plat_name(), (unsigned long)(page_alloc_free_pages() * 4), app_name);
	if (!thread_create("main", main_thread, NULL, main_stack_kib * 1024))
		fatal(EMBER_EXIT_NO_MEMORY, "not enough memory for the main thread");
	sched_run_idle();		/* runs main_thread: devices, then main() */
}
// clang-format on
