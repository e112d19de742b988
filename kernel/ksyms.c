// SPDX-License-Identifier: MIT
/* Symbol lookups in the in-image table (sorted by address; see ksyms.h). */
#include <ember/ksyms.h>
#include <ember/string.h>

extern const uint64_t ksyms_count;
extern const struct ksym ksyms_table[];
extern const char ksyms_names[];

const char *ksyms_lookup(uintptr_t addr, uintptr_t *offset)
{
	size_t lo = 0, hi = ksyms_count;
	while (lo < hi) { /* first entry with addr > @addr */
		size_t mid = (lo + hi) / 2;
		if (ksyms_table[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct ksym *s = &ksyms_table[lo - 1];
	if (addr >= s->addr + (s->size ? s->size : 1))
		return NULL;
	*offset = addr - s->addr;
	return &ksyms_names[s->name];
}

uintptr_t ksyms_address(const char *name)
{
	for (uint64_t i = 0; i < ksyms_count; i++)
		if (!strcmp(&ksyms_names[ksyms_table[i].name], name))
			return ksyms_table[i].addr;
	return 0;
}
