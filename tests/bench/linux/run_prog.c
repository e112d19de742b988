// SPDX-License-Identifier: MIT
/*
 * /run-prog of the Linux comparison guest (tests/bench/linux-guest): the
 * init that runs one benchmark program the way an Ember guest runs its app.
 * It loads the 9p modules listed in /modules.order, mounts the share tagged
 * "share" at /mnt (msize 256 KiB, as the Ember guests) and makes it the
 * working directory, runs its own arguments (the kernel passes what follows
 * "--" on its command line: PROGRAM ARGS...) as a child, prints
 * "run-prog: exit status N" and powers the guest off.
 *   qemu ... -append "rdinit=/run-prog ... -- /speedtest1 --size 25 test.db"
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "load_modules.h"

static int run(char **argv)
{
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		printf("run-prog: cannot run %s: %m\n", argv[0]);
		_exit(127);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return 126;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	linux_load_modules("run-prog");
	mkdir("/mnt", 0755);
	if (mount("share", "/mnt", "9p", 0, "trans=virtio,version=9p2000.L,msize=262144") != 0 ||
	    chdir("/mnt") != 0)
		printf("run-prog: no 9p share mounted: %m\n");
	int status = argc > 1 ? run(argv + 1) : 125;
	printf("run-prog: exit status %d\n", status);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
