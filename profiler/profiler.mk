# SPDX-License-Identifier: MIT
# emberprof, the host-side profiler (C11 + elfutils), into build/tools/.
PROF_SRC := emberprof.c errors.c prof_file.c record.c resolve.c symbols.c unwind_fp.c unwind_dwarf.c \
	target_snapshot.c target_qemu.c target_xen.c stacks.c folded.c report.c flame.c speedscope.c text.c \
	pprof.c xlate.c vcpus.c debug_info.c gdb_rsp.c
PROF_OBJ := $(patsubst %.c,$(BUILD_ROOT)/profiler/%.o,$(PROF_SRC))

host-tools += $(TOOLS)/emberprof

$(BUILD_ROOT)/profiler/%.o: profiler/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(CC) $(HOST_CFLAGS) $(PROF_CFLAGS-$<) -Iprofiler -Ikernel/include -c $< -o $@

# Xen's public headers need GNU C (anonymous unions).
PROF_CFLAGS-profiler/target_xen.c := -std=gnu11

$(TOOLS)/emberprof: $(PROF_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTLD  $@")
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ $^ -ldw -lelf -lxenctrl -lxencall -lxenforeignmemory -lxenstore -lxentoollog -lz

-include $(PROF_OBJ:.o=.d)

# ember-snapcap: freezes one sample of a QEMU guest into a snapshot file (tests/snapshots/).
SNAPCAP_SRC := snapcap.c snapshot_file.c errors.c symbols.c unwind_fp.c unwind_dwarf.c \
	target_snapshot.c target_qemu.c xlate.c gdb_rsp.c
SNAPCAP_OBJ := $(patsubst %.c,$(BUILD_ROOT)/profiler/%.o,$(SNAPCAP_SRC))
host-tools += $(TOOLS)/ember-snapcap

$(TOOLS)/ember-snapcap: $(SNAPCAP_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTLD  $@")
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ $^ -ldw -lelf

-include $(SNAPCAP_OBJ:.o=.d)
