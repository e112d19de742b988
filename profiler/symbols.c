// SPDX-License-Identifier: MIT
/*
 * Symbolization of guest addresses from the guest's unstripped ELF, with
 * elfutils' libdwfl. One Dwfl session is opened per ELF and reused for every
 * lookup. Addresses are absolute (Ember images are linked at their run
 * addresses, ET_EXEC, no bias). Inline frames come from the DWARF scopes at
 * the address; the outermost name is the ELF symbol, so functions without
 * debug information still get a name.
 */
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prof.h"

#define MAX_INLINE  16
#define CACHE_SLOTS 16384 /* direct-mapped: profiles revisit few distinct pcs */
#define CACHE_NAMES 8

/* One looked-up address: the key includes whether it was a return address. */
struct lookup_cache {
	uint64_t key; /* (pc << 1 | is_return_address) + 1; 0: empty */
	int n;
	const char *names[CACHE_NAMES];
};

struct prof_symbols {
	struct lookup_cache *cache;
	Dwfl *dwfl;
	Dwfl_Module *mod;
	const unsigned char *build_id;
	int build_id_len;
	GElf_Addr build_id_addr;
};

static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

int prof_symbols_open(const char *elf_path, struct prof_symbols **out)
{
	struct prof_symbols *s = calloc(1, sizeof(*s));
	if (!s)
		return prof_fail(ENOMEM, "out of memory");
	s->cache = calloc(CACHE_SLOTS, sizeof(*s->cache)); /* NULL: lookups go uncached */
	s->dwfl = dwfl_begin(&offline_callbacks);
	if (!s->dwfl) {
		free(s);
		return prof_fail(ENOMEM, "dwfl_begin: %s", dwfl_errmsg(-1));
	}
	s->mod = dwfl_report_offline(s->dwfl, "guest", elf_path, -1);
	if (!s->mod || dwfl_report_end(s->dwfl, NULL, NULL) != 0) {
		int err = prof_fail(ENOENT, "%s: %s", elf_path, dwfl_errmsg(-1));
		prof_symbols_close(s);
		return err;
	}
	s->build_id_len = dwfl_module_build_id(s->mod, &s->build_id, &s->build_id_addr);
	if (s->build_id_len < 0)
		s->build_id_len = 0;
	*out = s;
	return 0;
}

/* Names of the inlined subroutines at @addr, innermost first. */
static int inline_names(struct prof_symbols *s, Dwarf_Addr addr, const char **names, int max)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(s->mod, addr, &bias);
	Dwarf_Die *scopes = NULL;
	int n = 0;
	int nscopes = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : 0;
	for (int i = 0; i < nscopes && n < max; i++) {
		if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
			continue;
		Dwarf_Attribute attr;
		Dwarf_Die origin;
		if (dwarf_attr(&scopes[i], DW_AT_abstract_origin, &attr) &&
		    dwarf_formref_die(&attr, &origin)) {
			const char *name = dwarf_diename(&origin);
			if (name)
				names[n++] = name;
		}
	}
	free(scopes);
	return n;
}

static int lookup_uncached(struct prof_symbols *s, uint64_t pc, bool is_return_address,
			   const char **names, int max);

int prof_symbols_lookup(struct prof_symbols *s, uint64_t pc, bool is_return_address,
			const char **names, int max)
{
	uint64_t key = (pc << 1 | is_return_address) + 1;
	struct lookup_cache *c =
		s->cache ? &s->cache[(key * 0x9e3779b97f4a7c15ull) >> 50 & (CACHE_SLOTS - 1)]
			 : NULL;
	if (!c || max > CACHE_NAMES)
		return lookup_uncached(s, pc, is_return_address, names, max);
	if (c->key != key) {
		c->key = key;
		c->n = lookup_uncached(s, pc, is_return_address, c->names, CACHE_NAMES);
	}
	int n = c->n < max ? c->n : max;
	for (int i = 0; i < n; i++)
		names[i] = c->names[i];
	return n;
}

static int lookup_uncached(struct prof_symbols *s, uint64_t pc, bool is_return_address,
			   const char **names, int max)
{
	Dwarf_Addr addr = pc - (is_return_address && pc ? 1 : 0);
	if (max <= 0)
		return 0;
	const char *func = dwfl_module_addrname(s->mod, addr);
	if (!func)
		return 0;
	int n = max > 1 ? inline_names(s, addr, names, max - 1) : 0;
	names[n++] = func;
	return n;
}

void prof_symbols_build_id(const struct prof_symbols *s, const uint8_t **id, size_t *len)
{
	*id = s->build_id_len ? s->build_id : NULL;
	*len = (size_t)s->build_id_len;
}

uint64_t prof_symbols_build_id_addr(const struct prof_symbols *s)
{
	return s->build_id_len ? s->build_id_addr : 0;
}

struct Dwfl *prof_symbols_dwfl(struct prof_symbols *s)
{
	return s->dwfl;
}

uint64_t prof_symbols_address(struct prof_symbols *s, const char *name)
{
	int n = dwfl_module_getsymtab(s->mod);
	for (int i = 0; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *sname =
			dwfl_module_getsym_info(s->mod, i, &sym, &addr, NULL, NULL, NULL);
		if (sname && !strcmp(sname, name) && sym.st_shndx != SHN_UNDEF)
			return addr;
	}
	return 0;
}

void prof_symbols_close(struct prof_symbols *s)
{
	if (!s)
		return;
	if (s->dwfl)
		dwfl_end(s->dwfl);
	free(s->cache);
	free(s);
}
