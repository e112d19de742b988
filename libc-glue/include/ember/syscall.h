/* SPDX-License-Identifier: MIT */
/*
 * The kernel side of libc-glue's system calls. musl calls
 * __ember_syscall6(n, a1..a6) (libc-glue/syscall.c) instead of trapping; it
 * calls the table entry for n, generated at build time from musl's list of
 * the architecture's numbers (libc-glue/gen-syscall-table) and from the
 * SYSCALLn() definitions in libc-glue/sys_X.c files: every number has an entry, an
 * implementation or -ENOSYS with its name logged once.
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

struct syscall_entry {
	syscall_fn fn; /* NULL: not implemented (-ENOSYS) */
	const char *name;
};

extern const struct syscall_entry syscall_table[];
extern const unsigned syscall_count;

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
