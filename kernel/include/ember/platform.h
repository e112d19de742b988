/* SPDX-License-Identifier: MIT */
/*
 * The kernel <-> platform boundary.
 *
 * A platform is what the guest runs on: kvm/ (QEMU or any PVH-capable VMM with
 * a 16550 UART, a local APIC and isa-debug-exit) or xen/ (Xen PV and PVH).
 * Each platform directory implements every call below, in full; the build
 * links exactly one (`make PLAT=...`), so there is no run-time dispatch and no
 * #if in kernel code. Calls are listed in the order the kernel first makes
 * them (see kernel/main.c). Unless stated otherwise a call runs on the boot
 * CPU, in thread context, with interrupts disabled during boot and enabled
 * afterwards.
 *
 * Words: MUST is a requirement on the platform, MAY a freedom it has.
 */
#ifndef EMBER_PLATFORM_H
#define EMBER_PLATFORM_H

#include <ember/compiler.h>
#include <ember/memmap.h>

/* ---- console.c: the boot console ---------------------------------------- */

/*
 * Makes the console usable. Called first, before memory or time exist: it
 * MUST NOT allocate and MUST NOT fail (a platform without a console simply
 * drops output).
 */
void plat_console_init(void);

/*
 * Writes @len bytes of @buf to the console, translating "\n" to "\r\n" if the
 * device needs it. MUST be callable from any context, including exception
 * handlers and with interrupts off; it MAY busy-wait for the device. It MUST
 * NOT return before the bytes are handed to the device (so a crash right after
 * a printk still shows the message).
 */
void plat_console_write(const char *buf, size_t len);

/* ---- boot.c: boot information ------------------------------------------- */

/*
 * Reads the platform's boot information at @boot_info (for example
 * struct hvm_start_info; the value entry.S received), fills @ram with the
 * usable RAM ranges (unreserved, not yet normalized) and copies the command
 * line, NUL-terminated, into @cmdline (at most @cmdline_size bytes, truncated
 * if longer). The platform MUST copy whatever it needs, because the kernel may
 * reuse the boot information's memory afterwards. It MAY reserve platform
 * pages (console ring, shared info) with memmap_reserve().
 * Returns 0, -EINVAL when @boot_info is missing or has a bad magic or version
 * (the kernel exits EMBER_EXIT_BAD_BOOT), or -ENOENT when there is no memory
 * map or it is empty (EMBER_EXIT_BAD_MEMMAP).
 */
int plat_boot_info(void *boot_info, struct memmap *ram, char *cmdline, size_t cmdline_size);

/* ---- time.c: clock and one-shot timer ------------------------------------ */

/*
 * Starts the clock source. Called after the MMU is set up (the platform MAY
 * map device pages with arch_mmu_map_mmio()) and before interrupts are
 * enabled. It SHOULD be cheap: a platform that must calibrate against a
 * slower clock MAY start the measurement here and finish it on first use.
 * Returns 0 or a negative errno (the kernel panics).
 */
int plat_time_init(void);

/*
 * Nanoseconds since an arbitrary origin at or before plat_time_init().
 * MUST be monotonic (never decreasing) and callable in any context.
 */
uint64_t plat_monotonic_ns(void);

/*
 * Frequency of arch_cycles() in Hz and the source it was derived from
 * ("kvmclock", "pvclock", "pit", "cpuid"), for reports.
 */
uint64_t plat_cycles_hz(const char **source);

/*
 * Arms the one-shot timer to interrupt the CPU at or after monotonic time
 * @deadline_ns; a deadline in the past fires as soon as possible. Re-arming
 * replaces the previous deadline; @deadline_ns == 0 disarms. When the timer
 * fires the platform MUST call sched_timer_interrupt() from the interrupt
 * handler. Called with interrupts disabled.
 */
void plat_timer_arm(uint64_t deadline_ns);

/* ---- steal time: xen/runstate.c, kvm/steal.c ------------------------------ */

/*
 * Stores in *@ns the time this vCPU has been kept from running although the
 * guest did not ask to wait (ready to run but not scheduled, or paused or
 * held by the hypervisor or a debugger), in nanoseconds since an arbitrary
 * origin at or before the first successful call. Time spent in
 * plat_idle_wait() is not steal. arch_cycles() and plat_monotonic_ns() go on
 * counting while a vCPU is stolen from, so a guest that measures its own work
 * with them subtracts this.
 *
 * The value MUST NOT decrease between successful calls. The platform reads
 * it from memory the hypervisor writes, which is untrusted: it MUST read it
 * with the hypervisor's update protocol (bounded retries, never a hang) and
 * MUST report an inconsistent record as an error, never crash. The first call
 * MAY set up the shared area (a hypercall or MSR write); later calls MUST NOT
 * block. Callable from thread context with interrupts enabled or disabled,
 * not from interrupt handlers.
 * Returns 0, or (leaving *@ns unchanged):
 *   -ENODEV  the platform offers no steal accounting (QEMU TCG, KVM without
 *            the steal-time feature, a Xen refusing the runstate area); every
 *            later call says so too.
 *   -EAGAIN  an update of the record was in progress through every retry;
 *            a later call MAY succeed.
 *   -EIO     the record is inconsistent (a total that went backwards, an
 *            impossible state or value); the platform stops trusting it and
 *            every later call returns -EIO.
 */
int plat_steal_ns(uint64_t *ns);

/*
 * The wall clock: ns since the Unix epoch now, or 0 if the platform cannot
 * tell (the C library's CLOCK_REALTIME is this at first use plus monotonic
 * time since). The source is untrusted like the clock's: read with its
 * update protocol, bounded, a nonsense value (before 2000, after 2400) is 0.
 * Thread context only.
 */
uint64_t plat_wallclock_ns(void);

/* ---- idle ------------------------------------------------------------------ */

/*
 * Blocks the CPU until an interrupt or event arrives (hlt on x86 hardware,
 * SCHEDOP_block on Xen). Called by the idle thread with interrupts disabled;
 * MUST atomically enable interrupts and wait (so a wakeup between the caller's
 * last check and the wait is not lost), and return with interrupts disabled
 * after the interrupt has been handled. MUST NOT spin.
 */
void plat_idle_wait(void);

/* ---- devices ----------------------------------------------------------------*/

/*
 * Starts the platform's devices and services (Xen: xenstore, the shutdown
 * watch; kvm: nothing yet). Called once, in the main thread before main():
 * threads, timers, the heap and interrupts work, and the call MAY block.
 * Returns 0 or a negative errno (the kernel panics).
 */
int plat_devices_init(void);

/* ---- exit ---------------------------------------------------------------- */

/*
 * Ends the guest with @status (an EMBER_EXIT_* or the app's value, 0..127).
 * The status MUST reach the host: QEMU's isa-debug-exit (the process exits
 * 2*status+1), Xen's SCHEDOP_shutdown (poweroff for 0, crash otherwise).
 * If the platform has no way to report it, it MUST still stop the guest.
 * Callable from any context, including exception handlers. Never returns.
 */
__noreturn void plat_exit(int status);

/* Short platform name for banners: "kvm", "xen-pv", "xen-pvh". */
const char *plat_name(void);

#endif
