// SPDX-License-Identifier: MIT
/*
 * Reading `ember_debug_info` and thread names from a guest (contract in
 * debug_info.h). Every read goes through the target's read_mem, which never
 * reads outside guest memory; what comes back is checked before use: the
 * block's magic, version and name size, the `current` pointer (0: no thread
 * yet), and the name's bytes (printable, NUL-terminated). Sizes come only
 * from the checked block, so no guest value can size a host buffer.
 */
#include <string.h>

#include "debug_info.h"

bool prof_debug_info_load(const struct prof_target *t, const struct prof_regs *regs, uint64_t addr,
			  struct ember_debug_info *info)
{
	return addr &&
	       t->ops->read_mem(t->priv, regs, addr, info, sizeof(*info)) ==
		       (ssize_t)sizeof(*info) &&
	       info->magic == EMBER_DEBUG_MAGIC && info->version >= EMBER_DEBUG_VERSION &&
	       info->name_size >= 2 && info->name_size <= PROF_DEBUG_NAME_MAX;
}

void prof_debug_info_thread(const struct prof_target *t, const struct ember_debug_info *info,
			    const struct prof_regs *regs, struct prof_sample *s)
{
	uint64_t cur = 0;
	char name[PROF_DEBUG_NAME_MAX];
	s->thread[0] = '\0';
	if (!info || info->name_size < 2 || info->name_size > sizeof(name) ||
	    t->ops->read_mem(t->priv, regs, info->current_addr, &cur, 8) != 8 || !cur)
		return;
	if (cur == info->idle_thread)
		s->flags |= PROF_STACK_IDLE;
	if (t->ops->read_mem(t->priv, regs, cur + info->name_offset, name, info->name_size) !=
	    (ssize_t)info->name_size)
		return;
	size_t n = 0;
	while (n < info->name_size && name[n] >= 0x20 && name[n] < 0x7f)
		n++;
	if (n == info->name_size || name[n] != '\0')
		return; /* not a NUL-terminated printable name: hostile or torn */
	if (n > PROF_THREAD_NAME - 1)
		n = PROF_THREAD_NAME - 1;
	memcpy(s->thread, name, n);
	s->thread[n] = '\0';
}
