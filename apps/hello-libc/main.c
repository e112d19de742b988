// SPDX-License-Identifier: MIT
/*
 * hello-libc: an ordinary C program (it builds unchanged with the host's
 * cc) run as an Ember C library app: printf with floating point, argv and
 * the environment, thread-local storage, malloc, the wall clock, and exit's
 * status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>

static __thread int tls_counter = 41;

int main(int argc, char **argv, char **envp)
{
	printf("Hello from musl on Ember! %d argument(s), pi ~ %.5f\n", argc - 1, 3.14159265);
	for (int i = 1; i < argc; i++)
		printf("argv[%d] = '%s'\n", i, argv[i]);
	for (char **e = envp; *e; e++)
		printf("env: %s\n", *e);
	const char *greeting = getenv("GREETING");
	printf("GREETING is %s\n", greeting ? greeting : "(unset)");
	tls_counter++;
	printf("tls_counter = %d\n", tls_counter);
	char *p = malloc(100000);
	if (!p)
		return 2;
	memset(p, 'x', 100000);
	free(p);
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	printf("wall clock: %04d-%02d-%02d (UTC)\n", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	struct rlimit nofile;
	struct sysinfo si;
	struct utsname u;
	struct stat st;
	if (getrlimit(RLIMIT_NOFILE, &nofile) || sysinfo(&si) || uname(&u) || fstat(1, &st))
		return 4;
	printf("limits: nofile %lu, ram %lu MiB, system %s, stdout is a %s\n",
	       (unsigned long)nofile.rlim_cur, (unsigned long)(si.totalram * si.mem_unit >> 20),
	       u.sysname, S_ISCHR(st.st_mode) ? "character device" : "file");
	unsigned char r1[32], r2[32], zero[32] = { 0 };
	if (getrandom(r1, sizeof(r1), 0) != sizeof(r1) ||
	    getrandom(r2, sizeof(r2), 0) != sizeof(r2))
		return 5;
	printf("getrandom: %s\n", memcmp(r1, r2, sizeof(r1)) && memcmp(r1, zero, sizeof(r1))
					  ? "two different blocks"
					  : "REPEATED");
	fflush(stdout);
	return argc > 1 && !strcmp(argv[1], "fail") ? 3 : 0;
}
