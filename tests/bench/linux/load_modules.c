// SPDX-License-Identifier: MIT
/* See load_modules.h: finit_module for each line of /modules.order. */
#define _GNU_SOURCE
#include "load_modules.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void linux_load_modules(const char *who)
{
	FILE *f = fopen("/modules.order", "r");
	char path[512];
	while (f && fgets(path, sizeof(path), f)) {
		path[strcspn(path, "\n")] = '\0';
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		/* ENODEV: a transport for another hypervisor (9pnet_xen under QEMU) */
		if ((fd < 0 || syscall(SYS_finit_module, fd, "", 0) != 0) && errno != ENODEV)
			printf("%s: cannot load %s: %m\n", who, path);
		if (fd >= 0)
			close(fd);
	}
	if (f)
		fclose(f);
}
