/* SPDX-License-Identifier: MIT */
/*
 * The QEMU target: an Ember guest under qemu-system-x86_64, sampled through
 * QEMU's gdbstub (pause, registers) with guest RAM read directly from the
 * memory-backend-file QEMU keeps it in. Start QEMU with
 *
 *   -gdb unix:/path/sock,server=on,wait=off          (or -gdb tcp::PORT)
 *   -object memory-backend-file,id=ram0,size=128M,mem-path=FILE,share=on
 *   -machine memory-backend=ram0                     (size must equal -m)
 *
 * See target_qemu.c for the assumptions (pc machine, guest RAM below 4 GiB).
 */
#ifndef EMBERPROF_TARGET_QEMU_H
#define EMBERPROF_TARGET_QEMU_H

#include <stdint.h>

#include "prof.h"

/*
 * Connects to QEMU's gdbstub at @gdb_address ("unix:/path" or
 * "tcp:HOST:PORT"; an empty HOST is localhost) and maps @ram_path, the file
 * whose offset 0 holds guest physical address @ram_base (0 for the pc
 * machine). Connecting stops the guest; on success it runs again. 0 and a
 * target in @out, or -errno with a reason (prof_error()).
 */
int prof_qemu_open(const char *gdb_address, const char *ram_path, uint64_t ram_base,
		   struct prof_target *out);

#endif
