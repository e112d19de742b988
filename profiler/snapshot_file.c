// SPDX-License-Identifier: MIT
/*
 * Snapshot files (layout in snapshot_file.h). Fields are (de)serialized one
 * by one, little-endian, so the file does not depend on struct layout. The
 * reader takes the whole file in memory (bounded by PROF_SNAP_MAX_PAGES) and
 * trusts nothing: every length is checked against what is left before it is
 * used, pages must be aligned and strictly increasing (which rules out
 * duplicates in O(n)), and bytes after the last page are an error, so a cut
 * or padded file is caught rather than half-loaded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot_file.h"

#define FIXED_SIZE (8 + 4 + 4 + 4 * 8 + 1 + 20 + 1) /* up to the ELF name */
#define MAX_FILE                                      \
	((size_t)FIXED_SIZE + PROF_SNAP_ELF_MAX + 4 + \
	 (size_t)PROF_SNAP_MAX_PAGES * (8 + PROF_SNAP_PAGE))

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* A relative path of printable ASCII, without ".." components. */
static bool elf_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > PROF_SNAP_ELF_MAX || s[0] == '/')
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	for (size_t i = 0; i + 1 < len; i++)
		if (s[i] == '.' && s[i + 1] == '.' && (i == 0 || s[i - 1] == '/') &&
		    (i + 2 == len || s[i + 2] == '/'))
			return false;
	return true;
}

int prof_snap_write(const char *path, const struct prof_snap_info *info,
		    const struct prof_snap_page *pages, size_t npages)
{
	size_t elf_len = strnlen(info->elf, sizeof(info->elf));
	uint8_t hdr[FIXED_SIZE + PROF_SNAP_ELF_MAX + 4], *p = hdr;

	if (!elf_name_ok(info->elf, elf_len))
		return prof_fail(EINVAL, "snapshot ELF name '%.*s' is not a relative path",
				 (int)elf_len, info->elf);
	if (info->build_id_len > sizeof(info->build_id))
		return prof_fail(EINVAL, "build-id of %u bytes is too long", info->build_id_len);
	if (npages > PROF_SNAP_MAX_PAGES)
		return prof_fail(E2BIG, "%zu pages is more than a snapshot holds (%u)", npages,
				 PROF_SNAP_MAX_PAGES);
	for (size_t i = 0; i < npages; i++)
		if (pages[i].va % PROF_SNAP_PAGE || (i && pages[i].va <= pages[i - 1].va))
			return prof_fail(EINVAL, "snapshot page %#llx is unaligned or out of order",
					 (unsigned long long)pages[i].va);

	memcpy(p, PROF_SNAP_MAGIC, 8);
	put_le(p + 8, PROF_SNAP_VERSION, 4);
	put_le(p + 12, info->regs.kernel_mode ? 1 : 0, 4);
	put_le(p + 16, info->regs.rip, 8);
	put_le(p + 24, info->regs.rsp, 8);
	put_le(p + 32, info->regs.rbp, 8);
	put_le(p + 40, info->regs.cr3, 8);
	p[48] = info->build_id_len;
	memset(p + 49, 0, 20);
	memcpy(p + 49, info->build_id, info->build_id_len);
	p[69] = (uint8_t)elf_len;
	memcpy(p + FIXED_SIZE, info->elf, elf_len);
	put_le(p + FIXED_SIZE + elf_len, npages, 4);

	FILE *f = fopen(path, "wb");
	if (!f)
		return prof_fail(errno, "cannot create %s: %s", path, strerror(errno));
	bool ok = fwrite(hdr, FIXED_SIZE + elf_len + 4, 1, f) == 1;
	for (size_t i = 0; ok && i < npages; i++) {
		uint8_t va[8];
		put_le(va, pages[i].va, 8);
		ok = fwrite(va, 8, 1, f) == 1 && fwrite(pages[i].data, PROF_SNAP_PAGE, 1, f) == 1;
	}
	int err = ferror(f) ? EIO : 0;
	if (fclose(f) || !ok || err)
		return prof_fail(EIO, "cannot write %s", path);
	return 0;
}

int prof_snap_parse(const void *buf, size_t len, struct prof_snap_info *info,
		    struct prof_snapshot **out)
{
	const uint8_t *p = buf;

	memset(info, 0, sizeof(*info));
	if (out)
		*out = NULL;
	if (len < 8 || memcmp(p, PROF_SNAP_MAGIC, 8))
		return prof_fail(EINVAL, "not a snapshot file (bad magic)");
	if (len < FIXED_SIZE)
		return prof_fail(EINVAL, "snapshot file truncated in its header");
	uint32_t version = (uint32_t)get_le(p + 8, 4), flags = (uint32_t)get_le(p + 12, 4);
	if (version != PROF_SNAP_VERSION)
		return prof_fail(EINVAL, "snapshot file version %u (this reader knows %u)", version,
				 PROF_SNAP_VERSION);
	if (flags & ~1u)
		return prof_fail(EINVAL, "snapshot file has unknown flags %#x", flags);
	info->regs.kernel_mode = flags & 1;
	info->regs.rip = get_le(p + 16, 8);
	info->regs.rsp = get_le(p + 24, 8);
	info->regs.rbp = get_le(p + 32, 8);
	info->regs.cr3 = get_le(p + 40, 8);
	info->build_id_len = p[48];
	if (info->build_id_len > sizeof(info->build_id))
		return prof_fail(EINVAL, "snapshot build-id length %u is more than 20",
				 info->build_id_len);
	memcpy(info->build_id, p + 49, info->build_id_len);
	size_t elf_len = p[69], off = FIXED_SIZE;
	if (len - off < elf_len + 4)
		return prof_fail(EINVAL, "snapshot file truncated in its header");
	if (!elf_name_ok((const char *)p + off, elf_len))
		return prof_fail(EINVAL, "snapshot ELF name is not a relative path");
	memcpy(info->elf, p + off, elf_len);
	off += elf_len;
	info->npages = (uint32_t)get_le(p + off, 4);
	off += 4;
	if (info->npages > PROF_SNAP_MAX_PAGES)
		return prof_fail(EINVAL, "snapshot claims %u pages (at most %u)", info->npages,
				 PROF_SNAP_MAX_PAGES);
	const size_t rec = 8 + PROF_SNAP_PAGE;
	if ((len - off) / rec < info->npages)
		return prof_fail(EINVAL, "snapshot file truncated: %u pages announced, %zu present",
				 info->npages, (len - off) / rec);
	if (len - off != info->npages * rec)
		return prof_fail(EINVAL, "snapshot file has %zu bytes after its last page",
				 len - off - info->npages * rec);

	uint64_t prev = 0;
	for (uint32_t i = 0; i < info->npages; i++) {
		uint64_t va = get_le(p + off + i * rec, 8);
		if (va % PROF_SNAP_PAGE)
			return prof_fail(EINVAL, "snapshot page %u at %#llx is not page-aligned", i,
					 (unsigned long long)va);
		if (i && va == prev)
			return prof_fail(EINVAL, "snapshot page %#llx appears twice",
					 (unsigned long long)va);
		if (i && va < prev)
			return prof_fail(EINVAL, "snapshot pages out of order at %#llx",
					 (unsigned long long)va);
		prev = va;
	}
	if (!out)
		return 0;
	struct prof_snapshot *s = prof_snapshot_new(&info->regs);
	if (!s)
		return prof_fail(ENOMEM, "out of memory for a snapshot");
	for (uint32_t i = 0; i < info->npages; i++) {
		const uint8_t *r = p + off + i * rec;
		int err = prof_snapshot_add_page(s, get_le(r, 8), r + 8);
		if (err) {
			prof_snapshot_target(s).ops->close(s);
			return err;
		}
	}
	*out = s;
	return 0;
}

int prof_snap_read(const char *path, struct prof_snap_info *info, struct prof_snapshot **out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return prof_fail(errno, "cannot open %s: %s", path, strerror(errno));
	size_t cap = 1 << 16, len = 0;
	uint8_t *buf = malloc(cap);
	int err = 0;
	while (buf) {
		if (len == cap) {
			if (cap > MAX_FILE) {
				err = prof_fail(EINVAL, "%s is too large for a snapshot", path);
				break;
			}
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (!buf || (!err && len == cap))
		err = prof_fail(ENOMEM, "out of memory reading %s", path);
	else if (!err && ferror(f))
		err = prof_fail(EIO, "cannot read %s", path);
	fclose(f);
	if (!err) {
		err = prof_snap_parse(buf, len, info, out);
		if (err) {
			char why[256];
			snprintf(why, sizeof(why), "%s", prof_error());
			prof_fail(err, "%s: %s", path, why);
		}
	}
	free(buf);
	return err;
}
