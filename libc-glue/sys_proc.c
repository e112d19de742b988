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
#include <ember/string.h>
#include <ember/syscall.h>

SYSCALL1(exit_group, int, status)
{
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
