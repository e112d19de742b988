// SPDX-License-Identifier: MIT
/*
 * Process-wide system calls. An Ember guest is one process: pid 1, root,
 * one address space; its end is the guest's end (exit_group's status
 * becomes the guest's exit status, as main()'s return does for kernel-API
 * apps).
 */
#include <ember/errno.h>
#include <ember/exit.h>
#include <ember/kernel.h>
#include <ember/page_alloc.h>
#include <ember/string.h>
#include <ember/syscall.h>
#include <ember/time.h>
#include <ember/vfs.h>

#include "libc_glue.h"

SYSCALL1(exit_group, int, status)
{
	libc_mem_write_back_all();
	kernel_exit(status < 0 || status > EMBER_EXIT_APP_MAX ? EMBER_EXIT_APP_MAX : status);
}

SYSCALL0(getpid)
{
	return 1;
}

SYSCALL0(getppid)
{
	return 0;
}

SYSCALL0(getuid)
{
	return 0;
}

SYSCALL0(geteuid)
{
	return 0;
}

SYSCALL0(getgid)
{
	return 0;
}

SYSCALL0(getegid)
{
	return 0;
}

long sys_prlimit64(long, long, long, long, long, long);

struct linux_utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

static void field(char *dst, const char *s)
{
	memcpy(dst, s, strnlen(s, 64));
}

SYSCALL1(uname, struct linux_utsname *, u)
{
	memset(u, 0, sizeof(*u));
	field(u->sysname, "Ember");
	field(u->nodename, "ember");
	field(u->release, EMBER_VERSION);
	field(u->version, EMBER_VERSION);
	field(u->machine, "x86_64");
	return 0;
}

/* ---- limits and accounting ---- */

#define RLIMIT_STACK  3
#define RLIMIT_NOFILE 7
#define RLIM_NLIMITS  16
#define RLIM_INFINITY (~0ul)

struct rlimit {
	unsigned long cur, max;
};

/* Recorded only: nothing in a one-process guest enforces them but the fd table's size. */
static struct rlimit limits[RLIM_NLIMITS];

static void limits_init(void)
{
	if (limits[RLIMIT_NOFILE].max)
		return;
	for (int i = 0; i < RLIM_NLIMITS; i++)
		limits[i] = (struct rlimit){ RLIM_INFINITY, RLIM_INFINITY };
	limits[RLIMIT_NOFILE] = (struct rlimit){ VFS_MAX_FDS, VFS_MAX_FDS };
	limits[RLIMIT_STACK] = (struct rlimit){ 8ul << 20, RLIM_INFINITY };
}

SYSCALL4(prlimit64, int, pid, unsigned, res, const struct rlimit *, new, struct rlimit *, old)
{
	if (pid != 0 && pid != 1)
		return -ESRCH;
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	limits_init();
	if (new && (new->cur > new->max || (res == RLIMIT_NOFILE && new->max > VFS_MAX_FDS)))
		return -EINVAL; /* (as Linux: raising NOFILE past the table is refused) */
	if (old)
		*old = limits[res];
	if (new)
		limits[res] = *new;
	return 0;
}

SYSCALL2(getrlimit, unsigned, res, struct rlimit *, old)
{
	return sys_prlimit64(0, res, 0, (long)old, 0, 0);
}

SYSCALL2(setrlimit, unsigned, res, const struct rlimit *, new)
{
	return sys_prlimit64(0, res, (long)new, 0, 0, 0);
}

struct linux_sysinfo {
	long uptime;
	unsigned long loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	unsigned short procs, pad;
	unsigned long totalhigh, freehigh;
	unsigned mem_unit;
	char reserved[256];
};

SYSCALL1(sysinfo, struct linux_sysinfo *, si)
{
	memset(si, 0, sizeof(*si));
	si->uptime = (long)(time_now_ns() / NSEC_PER_SEC);
	si->totalram = page_alloc_total_pages();
	si->freeram = page_alloc_free_pages();
	si->procs = 1;
	si->mem_unit = PAGE_SIZE;
	return 0;
}

#define PR_SET_NAME 15
#define PR_GET_NAME 16

SYSCALL2(prctl, int, option, unsigned long, arg)
{
	static char name[16] = "main";
	switch (option) {
	case PR_SET_NAME: /* recorded; the kernel's thread names are its own */
		memcpy(name, (const char *)arg, strnlen((const char *)arg, 15));
		name[strnlen((const char *)arg, 15)] = 0;
		return 0;
	case PR_GET_NAME: memcpy((char *)arg, name, sizeof(name)); return 0;
	default: return -EINVAL;
	}
}
