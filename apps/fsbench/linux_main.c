// SPDX-License-Identifier: MIT
/*
 * fsbench for Linux: the static /init of the comparison guest
 * (tests/bench/linux-guest builds the initramfs). It loads the 9p modules
 * listed in /modules.order (finit_module, in order), mounts the share with
 * the options on its command line (fsbench.opts=..., default virtio), times
 * the mount, runs the same workload as Ember's fsbench over syscalls,
 * prints the same report on the console and powers off.
 *
 * Host C11 code, linked statically with the host's libc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fsbench.h"
#include "load_modules.h"

int fsb_open(const char *path, int how)
{
	int fd = how == FSB_RDONLY ? open(path, O_RDONLY)
				   : open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	return fd;
}

long fsb_read(int fd, void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);
		if (n <= 0)
			return done ? (long)done : (long)n;
		done += (size_t)n;
	}
	return (long)done;
}

long fsb_write(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len);
}

int fsb_fsync(int fd)
{
	return fsync(fd);
}

int fsb_close(int fd)
{
	return close(fd);
}

int fsb_mkdir(const char *path)
{
	return mkdir(path, 0755);
}

int fsb_stat(const char *path, uint64_t *size)
{
	struct stat st;
	int err = stat(path, &st);
	*size = (uint64_t)st.st_size;
	return err;
}

uint64_t fsb_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void fsb_print(const char *line)
{
	fputs(line, stdout);
	fflush(stdout);
}

/* The value of key=... on the kernel command line, or @dflt, copied into @buf (NULL if neither). */
static const char *cmdline_value(const char *key, char *buf, size_t size, const char *dflt)
{
	FILE *f = fopen("/proc/cmdline", "r");
	char line[2048] = "";
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	for (char *w = strtok(line, " \n"); w; w = strtok(NULL, " \n")) {
		size_t n = strlen(key);
		if (!strncmp(w, key, n) && w[n] == '=') {
			snprintf(buf, size, "%s", w + n + 1);
			return buf;
		}
	}
	if (!dflt)
		return NULL;
	snprintf(buf, size, "%s", dflt);
	return buf;
}

static unsigned cmdline_uint(const char *key, unsigned dflt)
{
	char buf[32];
	const char *v = cmdline_value(key, buf, sizeof(buf), NULL);
	return v ? (unsigned)strtoul(v, NULL, 10) : dflt;
}

int main(void)
{
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	mkdir("/mnt", 0755);
	linux_load_modules("fsbench");
	char opts[256], tag[64];
	cmdline_value("fsbench.opts", opts, sizeof(opts),
		      "trans=virtio,version=9p2000.L,msize=262144");
	cmdline_value("fsbench.tag", tag, sizeof(tag), "share");
	uint64_t t0 = fsb_now_ns();
	int err = mount(tag, "/mnt", "9p", 0, opts);
	uint64_t t1 = fsb_now_ns();
	if (err) {
		printf("fsbench: cannot mount %s with %s: %m\n", tag, opts);
	} else {
		printf("fsbench: mount_us=%llu\n", (unsigned long long)((t1 - t0) / 1000));
		struct fsb_result r;
		fsb_run("/mnt", cmdline_uint("fsbench.seq_mib", 64),
			cmdline_uint("fsbench.small", 1000), &r);
		fsb_report("linux", &r);
		umount("/mnt");
	}
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
