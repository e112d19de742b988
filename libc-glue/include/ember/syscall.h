/* SPDX-License-Identifier: MIT */
/*
 * The kernel side of libc-glue's system calls. musl's __syscallN(n, a1..aN)
 * call __ember_syscallN(a1..aN, n) instead of trapping: the arguments are
 * already where the handler takes them and the number comes last (in the
 * first free argument register; __ember_syscall6 has it first, the C ABI
 * leaving no register after a6). The entries (libc-glue/arch/<arch>/entry.S)
 * bound the number, count the call in sched_kernel_depth so the scheduler
 * never preempts the kernel's code, call syscall_fns[n] and take a
 * preemption that came due meanwhile. The table is generated at build time
 * from musl's list of the architecture's numbers
 * (libc-glue/gen-syscall-table) and from the SYSCALLn() definitions in
 * libc-glue/sys_X.c files: every slot holds an implementation or
 * syscall_enosys, which returns -ENOSYS and logs the number's name once.
 *
 * A system call is written as
 *     SYSCALL3(read, int, fd, void *, buf, size_t, len) { ... }
 * which defines sys_read(long a1, ..., long a6), the one signature the table
 * holds, and a typed body. Return a value or -errno, as Linux does.
 */
#ifndef EMBER_SYSCALL_H
#define EMBER_SYSCALL_H

#include <ember/compiler.h>
#include <ember/types.h>

typedef long (*syscall_fn)(long, long, long, long, long, long);

extern const syscall_fn syscall_fns[]; /* syscall_count slots, none NULL */
extern const unsigned syscall_count;
/* Names: syscall_name_text + syscall_name_offset[n], or SYSCALL_NO_NAME. */
#define SYSCALL_NO_NAME 0xffff
extern const char syscall_name_text[];
extern const uint16_t syscall_name_offset[];

/* The entry an unimplemented number's slot holds (number in the entry's %rax). */
long syscall_enosys(long, long, long, long, long, long);
/* Logs @n by name (once per number) and returns -ENOSYS. */
long syscall_unimplemented(unsigned long n);

long __ember_syscall0(long n);
long __ember_syscall1(long a1, long n);
long __ember_syscall2(long a1, long a2, long n);
long __ember_syscall3(long a1, long a2, long a3, long n);
long __ember_syscall4(long a1, long a2, long a3, long a4, long n);
long __ember_syscall5(long a1, long a2, long a3, long a4, long a5, long n);
long __ember_syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6);

#define SYSCALL_ARGS                                                                              \
	long a1 __unused, long a2 __unused, long a3 __unused, long a4 __unused, long a5 __unused, \
		long a6 __unused
#define SYSCALL0(name)                   \
	static long do_sys_##name(void); \
	long sys_##name(SYSCALL_ARGS)    \
	{                                \
		return do_sys_##name();  \
	}                                \
	static long do_sys_##name(void)
#define SYSCALL1(name, t1, n1)                \
	static long do_sys_##name(t1 n1);     \
	long sys_##name(SYSCALL_ARGS)         \
	{                                     \
		return do_sys_##name((t1)a1); \
	}                                     \
	static long do_sys_##name(t1 n1)
#define SYSCALL2(name, t1, n1, t2, n2)                \
	static long do_sys_##name(t1 n1, t2 n2);      \
	long sys_##name(SYSCALL_ARGS)                 \
	{                                             \
		return do_sys_##name((t1)a1, (t2)a2); \
	}                                             \
	static long do_sys_##name(t1 n1, t2 n2)
#define SYSCALL3(name, t1, n1, t2, n2, t3, n3)                \
	static long do_sys_##name(t1 n1, t2 n2, t3 n3);       \
	long sys_##name(SYSCALL_ARGS)                         \
	{                                                     \
		return do_sys_##name((t1)a1, (t2)a2, (t3)a3); \
	}                                                     \
	static long do_sys_##name(t1 n1, t2 n2, t3 n3)
#define SYSCALL4(name, t1, n1, t2, n2, t3, n3, t4, n4)                \
	static long do_sys_##name(t1 n1, t2 n2, t3 n3, t4 n4);        \
	long sys_##name(SYSCALL_ARGS)                                 \
	{                                                             \
		return do_sys_##name((t1)a1, (t2)a2, (t3)a3, (t4)a4); \
	}                                                             \
	static long do_sys_##name(t1 n1, t2 n2, t3 n3, t4 n4)
#define SYSCALL5(name, t1, n1, t2, n2, t3, n3, t4, n4, t5, n5)                \
	static long do_sys_##name(t1 n1, t2 n2, t3 n3, t4 n4, t5 n5);         \
	long sys_##name(SYSCALL_ARGS)                                         \
	{                                                                     \
		return do_sys_##name((t1)a1, (t2)a2, (t3)a3, (t4)a4, (t5)a5); \
	}                                                                     \
	static long do_sys_##name(t1 n1, t2 n2, t3 n3, t4 n4, t5 n5)
#define SYSCALL6(name, t1, n1, t2, n2, t3, n3, t4, n4, t5, n5, t6, n6)                \
	static long do_sys_##name(t1 n1, t2 n2, t3 n3, t4 n4, t5 n5, t6 n6);          \
	long sys_##name(SYSCALL_ARGS)                                                 \
	{                                                                             \
		return do_sys_##name((t1)a1, (t2)a2, (t3)a3, (t4)a4, (t5)a5, (t6)a6); \
	}                                                                             \
	static long do_sys_##name(t1 n1, t2 n2, t3 n3, t4 n4, t5 n5, t6 n6)

/* For the application's threads (libc-glue/sys_thread.c). */
struct libc_thread;
struct libc_thread *libc_thread_current(void);

#endif
