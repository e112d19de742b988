// SPDX-License-Identifier: MIT
/*
 * ember-snapcap: freezes one sample of a live QEMU guest into a snapshot file
 * (snapshot_file.h) for offline unwinder tests.
 *
 *   ember-snapcap --qemu ADDR --ram FILE --elf ELF -o FILE.snap [--name NAME]
 *   ember-snapcap --show FILE.snap --elf ELF      (prints the stacks: expected.txt)
 *
 * It pauses the guest, reads its registers and unwinds it with both
 * unwinders through a recording target: a target that forwards every read to
 * QEMU and keeps a copy of each whole page the read touched. It also keeps
 * the pages at RSP (its page and the next 3) and the page holding the ELF's
 * build-id, then lets the guest run again and writes those pages, sorted.
 * Replayed from the file, both unwinders read exactly the memory they read
 * live, so they give the same stacks. NAME (default: the ELF's file name) is
 * the relative ELF name stored in the file.
 *
 * --show replays a snapshot file with both unwinders and prints the named
 * stacks, root first, in the format of tests/snapshots/<name>/expected.txt:
 * a "[fp]" or "[dwarf]" line, then "[truncated]" / "[unmapped]" when the walk
 * stopped early, then one name per line (inline chains expanded, hex when no
 * symbol covers an address). tests/unit/test_prof_snapshots.c checks them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prof.h"
#include "snapshot_file.h"
#include "target_qemu.h"

#define PAGE	      PROF_SNAP_PAGE
#define RSP_PAGES     4
#define MAX_REC_PAGES 1024

struct recorder {
	struct prof_target inner;
	struct prof_snap_page pages[MAX_REC_PAGES];
	uint8_t (*data)[PAGE];
	size_t npages;
};

static bool have(const struct recorder *r, uint64_t va)
{
	for (size_t i = 0; i < r->npages; i++)
		if (r->pages[i].va == va)
			return true;
	return false;
}

/* Keeps a copy of the page at @va when the guest has one there. */
static void keep(struct recorder *r, const struct prof_regs *regs, uint64_t va)
{
	va &= ~(uint64_t)(PAGE - 1);
	if (have(r, va) || r->npages == MAX_REC_PAGES)
		return;
	if (r->inner.ops->read_mem(r->inner.priv, regs, va, r->data[r->npages], PAGE) != PAGE)
		return;
	r->pages[r->npages].va = va;
	r->pages[r->npages].data = r->data[r->npages];
	r->npages++;
}

static ssize_t rec_read_mem(void *t, const struct prof_regs *regs, uint64_t va, void *buf,
			    size_t len)
{
	struct recorder *r = t;
	for (uint64_t p = va & ~(uint64_t)(PAGE - 1); len && p <= va + len - 1; p += PAGE) {
		keep(r, regs, p);
		if (p + PAGE < p)
			break;
	}
	return r->inner.ops->read_mem(r->inner.priv, regs, va, buf, len);
}

static const struct prof_target_ops recorder_ops = {
	.name = "recorder",
	.read_mem = rec_read_mem,
};

static int by_va(const void *a, const void *b)
{
	const struct prof_snap_page *x = a, *y = b;
	return x->va < y->va ? -1 : x->va > y->va;
}

static void print_stack(struct prof_symbols *syms, const char *title, const struct prof_stack *st)
{
	printf("[%s]\n", title);
	if (st->flags & PROF_STACK_TRUNCATED)
		printf("[truncated]\n");
	if (st->flags & PROF_STACK_UNMAPPED)
		printf("[unmapped]\n");
	for (uint32_t i = st->nframes; i-- > 0;) {
		const char *names[8];
		int k = prof_symbols_lookup(syms, st->pcs[i], i > 0, names, 8);
		if (k == 0)
			printf("%#llx\n", (unsigned long long)st->pcs[i]);
		while (k-- > 0)
			printf("%s\n", names[k]);
	}
}

static int show(const char *path, const char *elf)
{
	struct prof_symbols *syms = NULL;
	struct prof_dwarf *dw = NULL;
	struct prof_snapshot *snap = NULL;
	struct prof_snap_info info;
	const uint8_t *id;
	size_t idlen;
	int err = prof_snap_read(path, &info, &snap);
	err = err ?: prof_symbols_open(elf, &syms);
	err = err ?: prof_dwarf_open(syms, &dw);
	if (!err) {
		prof_symbols_build_id(syms, &id, &idlen);
		if (idlen != info.build_id_len || memcmp(id, info.build_id, idlen))
			err = prof_fail(EINVAL, "%s is not the ELF of %s (build-id differs)", elf,
					path);
	}
	if (err) {
		fprintf(stderr, "ember-snapcap: %s\n", prof_error());
		return 1;
	}
	struct prof_target t = prof_snapshot_target(snap);
	struct prof_stack st;
	prof_unwind_fp(&t, &info.regs, &st);
	print_stack(syms, "fp", &st);
	prof_unwind_dwarf(dw, &t, &info.regs, &st);
	print_stack(syms, "dwarf", &st);
	t.ops->close(t.priv);
	prof_dwarf_close(dw);
	prof_symbols_close(syms);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ember-snapcap --qemu ADDR --ram FILE --elf ELF -o FILE.snap "
		   "[--name NAME]\n"
		   "       ember-snapcap --show FILE.snap --elf ELF\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "qemu", required_argument, NULL, 'q' },
		{ "ram", required_argument, NULL, 'r' },
		{ "elf", required_argument, NULL, 'e' },
		{ "name", required_argument, NULL, 'n' },
		{ "show", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *qemu = NULL, *ram = NULL, *elf = NULL, *name = NULL, *outp = NULL,
		   *showp = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'q': qemu = optarg; break;
		case 'r': ram = optarg; break;
		case 'e': elf = optarg; break;
		case 'n': name = optarg; break;
		case 'o': outp = optarg; break;
		case 's': showp = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (showp && elf && !qemu && !ram && !outp && optind == argc)
		return show(showp, elf);
	if (showp || !qemu || !ram || !elf || !outp || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!name) {
		name = strrchr(elf, '/');
		name = name ? name + 1 : elf;
	}

	struct prof_symbols *syms = NULL;
	struct prof_dwarf *dw = NULL;
	struct recorder *r = calloc(1, sizeof(*r));
	struct prof_snap_info info = { 0 };
	int err = r && (r->data = calloc(MAX_REC_PAGES, PAGE)) ? 0
							       : prof_fail(ENOMEM, "out of memory");
	if (!err && strlen(name) > PROF_SNAP_ELF_MAX)
		err = prof_fail(EINVAL, "--name is too long");
	err = err ?: prof_symbols_open(elf, &syms);
	err = err ?: prof_dwarf_open(syms, &dw);
	err = err ?: prof_qemu_open(qemu, ram, 0, &r->inner);
	if (err) {
		fprintf(stderr, "ember-snapcap: %s\n", prof_error());
		return 1;
	}

	struct prof_target rec = { &recorder_ops, r };
	struct prof_stack fp, dwarf;
	err = r->inner.ops->pause(r->inner.priv);
	if (!err) {
		err = r->inner.ops->get_regs(r->inner.priv, 0, &info.regs);
		if (!err) {
			for (unsigned i = 0; i < RSP_PAGES; i++)
				keep(r, &info.regs, info.regs.rsp + (uint64_t)i * PAGE);
			uint64_t id_addr = prof_symbols_build_id_addr(syms);
			if (id_addr)
				keep(r, &info.regs, id_addr);
			prof_unwind_fp(&rec, &info.regs, &fp);
			prof_unwind_dwarf(dw, &rec, &info.regs, &dwarf);
		}
		int e = r->inner.ops->unpause(r->inner.priv);
		err = err ?: e;
	}
	r->inner.ops->close(r->inner.priv);

	const uint8_t *id;
	size_t idlen;
	prof_symbols_build_id(syms, &id, &idlen);
	if (idlen <= sizeof(info.build_id)) {
		info.build_id_len = (uint8_t)idlen;
		memcpy(info.build_id, id, idlen);
	}
	snprintf(info.elf, sizeof(info.elf), "%s", name);
	qsort(r->pages, r->npages, sizeof(r->pages[0]), by_va);
	err = err ?: prof_snap_write(outp, &info, r->pages, r->npages);
	if (err) {
		fprintf(stderr, "ember-snapcap: %s\n", prof_error());
		return 1;
	}
	fprintf(stderr,
		"ember-snapcap: rip %#llx rsp %#llx rbp %#llx: %zu pages, fp %u frames (flags "
		"%#x), "
		"dwarf %u frames (flags %#x)\n",
		(unsigned long long)info.regs.rip, (unsigned long long)info.regs.rsp,
		(unsigned long long)info.regs.rbp, r->npages, fp.nframes, fp.flags, dwarf.nframes,
		dwarf.flags);
	prof_dwarf_close(dw);
	prof_symbols_close(syms);
	free(r->data);
	free(r);
	return 0;
}
