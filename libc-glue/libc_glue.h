/* SPDX-License-Identifier: MIT */
/* libc-glue's internal interfaces between its system-call files. */
#ifndef LIBC_GLUE_H
#define LIBC_GLUE_H

#include <ember/types.h>

/* sys_thread.c: the main thread's libc state and FPU context. 0 or -ENOMEM. */
int libc_thread_init_main(void);

/*
 * sys_mem.c: the mapping holding @addr: 0 with its bounds [*@lo, *@hi) and
 * *@usable the first page after its leading PROT_NONE pages (a thread
 * stack's guard), or -ENOENT.
 */
int libc_mem_region(uintptr_t addr, uintptr_t *lo, uintptr_t *usable, uintptr_t *hi);
/* sys_mem.c: unmaps [@base, +@size) at the next memory call (its thread is still on it). */
void libc_mem_unmap_later(void *base, size_t size);

/* sys_mem.c: shared file mappings written back to their files (the program ends). */
void libc_mem_write_back_all(void);

/* sys_time.c: CLOCK_REALTIME less CLOCK_MONOTONIC, in ns. */
uint64_t libc_realtime_offset_ns(void);

/* sys_signal.c: @sig sent to the process by the kernel (SIGPIPE), delivered now. */
void libc_signal_self(int sig);

/* arch/<arch>/entry.S: the `syscall` instruction's entry (see start.c). */
void __ember_syscall_insn(void);

/* random.c: @len bytes for AT_RANDOM and getrandom(). */
void libc_random_bytes(void *buf, size_t len);

#endif
