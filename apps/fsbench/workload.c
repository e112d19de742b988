// SPDX-License-Identifier: MIT
/*
 * The fsbench workload (see fsbench.h): sequential write of @seq_mib MiB in
 * 1 MiB calls then fsync, sequential read of the same file in 1 MiB calls,
 * then @small_files files of 100 bytes created (open, write, close) and
 * stat'ed in one directory. Rates are from fsb_now_ns(), in the guest.
 * No libc: the same object links into Ember and into a static Linux init.
 */
#include "fsbench.h"

#define CHUNK (1u << 20)

static uint8_t chunk[CHUNK];

static size_t fmt_uint(char *out, uint64_t v)
{
	char tmp[24];
	size_t n = 0, len = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		out[len++] = tmp[--n];
	return len;
}

static size_t append(char *out, size_t len, const char *s)
{
	while (*s)
		out[len++] = *s++;
	out[len] = '\0';
	return len;
}

/* "@dir/@prefix@n" */
static void make_path(char *out, const char *dir, const char *prefix, uint64_t n)
{
	size_t len = append(out, 0, dir);
	len = append(out, len, prefix);
	out[len + fmt_uint(out + len, n)] = '\0';
}

/* @amount per second, in tenths. */
static uint64_t rate10(uint64_t amount, uint64_t ns)
{
	return ns ? (uint64_t)((unsigned __int128)amount * 10000000000ull / ns) : 0;
}

static void sequential(const char *dir, unsigned mib, struct fsb_result *r)
{
	char path[256];
	make_path(path, dir, "/seq", 0);
	for (unsigned i = 0; i < CHUNK; i++)
		chunk[i] = (uint8_t)(i * 131);
	int fd = fsb_open(path, FSB_WRONLY_CREAT_TRUNC);
	uint64_t t0 = fsb_now_ns();
	for (unsigned i = 0; fd >= 0 && i < mib; i++)
		r->errors += fsb_write(fd, chunk, CHUNK) != (long)CHUNK;
	r->errors += fd < 0 || fsb_fsync(fd) != 0;
	uint64_t t1 = fsb_now_ns();
	if (fd >= 0)
		fsb_close(fd);
	fd = fsb_open(path, FSB_RDONLY);
	uint64_t t2 = fsb_now_ns();
	for (unsigned i = 0; fd >= 0 && i < mib; i++)
		r->errors += fsb_read(fd, chunk, CHUNK) != (long)CHUNK;
	uint64_t t3 = fsb_now_ns();
	r->errors += fd < 0;
	if (fd >= 0)
		fsb_close(fd);
	r->write_mbps10 = rate10((uint64_t)mib * CHUNK, t1 - t0) / 1000000;
	r->read_mbps10 = rate10((uint64_t)mib * CHUNK, t3 - t2) / 1000000;
}

static void small_files(const char *dir, unsigned n, struct fsb_result *r)
{
	char sub[256], path[256];
	make_path(sub, dir, "/small", 0);
	r->errors += fsb_mkdir(sub) != 0;
	uint64_t t0 = fsb_now_ns();
	for (unsigned i = 0; i < n; i++) {
		make_path(path, sub, "/f", i);
		int fd = fsb_open(path, FSB_WRONLY_CREAT_TRUNC);
		r->errors += fd < 0 || fsb_write(fd, chunk, 100) != 100;
		if (fd >= 0)
			fsb_close(fd);
	}
	uint64_t t1 = fsb_now_ns();
	for (unsigned i = 0; i < n; i++) {
		uint64_t size = 0;
		make_path(path, sub, "/f", i);
		r->errors += fsb_stat(path, &size) != 0 || size != 100;
	}
	uint64_t t2 = fsb_now_ns();
	r->create_per_s10 = rate10(n, t1 - t0);
	r->stat_per_s10 = rate10(n, t2 - t1);
}

void fsb_run(const char *dir, unsigned seq_mib, unsigned nsmall, struct fsb_result *r)
{
	*r = (struct fsb_result){ 0 };
	sequential(dir, seq_mib, r);
	small_files(dir, nsmall, r);
}

static size_t append_num(char *out, size_t len, const char *key, uint64_t tenths)
{
	len = append(out, len, key);
	len += fmt_uint(out + len, tenths / 10);
	out[len++] = '.';
	len += fmt_uint(out + len, tenths % 10);
	out[len] = '\0';
	return len;
}

void fsb_report(const char *who, const struct fsb_result *r)
{
	char line[256];
	size_t len = append(line, 0, "fsbench: ");
	len = append(line, len, who);
	len = append_num(line, len, " write_MBps=", r->write_mbps10);
	len = append_num(line, len, " read_MBps=", r->read_mbps10);
	len = append_num(line, len, " create_per_s=", r->create_per_s10);
	len = append_num(line, len, " stat_per_s=", r->stat_per_s10);
	len = append(line, len, " errors=");
	len += fmt_uint(line + len, (uint64_t)r->errors);
	line[len++] = '\n';
	line[len] = '\0';
	fsb_print(line);
}
