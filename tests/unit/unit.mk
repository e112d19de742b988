# SPDX-License-Identifier: MIT
# Host unit tests (cmocka) for the kernel's pure code.
#
# Each tests/unit/test_<unit>.c is linked with the kernel sources it covers,
# compiled for the host with the kernel's headers, CONFIG_DEBUG=1 and the
# sanitizers. Kernel names that would clash with the host C library are
# renamed with -D (UNIT_DEFS-<source>); the tests call the ember_ names.
# kernel/lib/string.c is never linked: the host libc provides those functions.
#
# xen/ sources see xen/include as well (UNIT_DEFS- carries the -I).
# unit-test then runs the libFuzzer smoke test (tests/fuzz/fuzz.mk), which
# needs clang and its fuzzer runtime.
#
#   make unit-test                    build build/unit/test_* and run them all, then fuzz-smoke
#   make unit-test UNIT_SAN=          the same without ASan/UBSan
#   make unit-test FUZZ_SMOKE=0       the cmocka tests only

UNIT_DIR := $(BUILD_ROOT)/unit
UNIT_SAN ?= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_CPPFLAGS := -Ikernel/include -I9pfs/include -Iarch/$(ARCH)/include -I$(BUILD_ROOT)/include -DCONFIG_DEBUG=1
UNIT_CFLAGS := $(HOST_CFLAGS) $(UNIT_SAN)

UNIT_DEFS-kernel/lib/format.c := -Dsnprintf=ember_snprintf -Dvsnprintf=ember_vsnprintf
UNIT_DEFS-kernel/mm/heap.c := -Dmalloc=ember_malloc -Dcalloc=ember_calloc \
	-Drealloc=ember_realloc -Dfree=ember_free -Daligned_alloc=ember_aligned_alloc \
	-Dposix_memalign=ember_posix_memalign -Dmalloc_usable_size=ember_malloc_usable_size
UNIT_DEFS-xen/xs_msg.c := -Ixen/include
UNIT_DEFS-tests/unit/test_xs_msg.c := -Ixen/include
UNIT_DEFS-xen/pv_start_info.c := -Ixen/include
UNIT_DEFS-tests/unit/test_pv_start_info.c := -Ixen/include
UNIT_DEFS-xen/runstate_read.c := -Ixen/include
UNIT_DEFS-tests/unit/test_runstate.c := -Ixen/include
UNIT_LIBS-test_runstate := -lpthread
prof-outputs-src := profiler/errors.c profiler/stacks.c profiler/folded.c profiler/report.c \
	profiler/flame.c profiler/speedscope.c profiler/text.c
$(foreach f,$(prof-outputs-src) tests/unit/test_prof_outputs.c,$(eval UNIT_DEFS-$(f) := -Iprofiler))
# The pprof writer (zlib): checked by gunzipping and decoding its output.
prof-pprof-src := profiler/errors.c profiler/stacks.c profiler/pprof.c
$(foreach f,$(prof-pprof-src) tests/unit/test_prof_pprof.c,$(eval UNIT_DEFS-$(f) := -Iprofiler))
UNIT_LIBS-test_prof_pprof := -lz

unit-tests := format cmdline param memmap page_alloc heap pvh xs_msg pv_start_info runstate fuzz_findings \
	prof_unwind prof_outputs prof_pprof prof_snapshots prof_xen prof_record prof_rsp p9 9pfront xenstore virtq \
	chacha20 device
unit-bins := $(patsubst %,$(UNIT_DIR)/test_%,$(unit-tests))

# The kernel sources each test binary links, besides the test itself.
unit-kobj = $(patsubst %,$(UNIT_DIR)/obj/%.o,$(1))
$(UNIT_DIR)/test_format: $(call unit-kobj,kernel/lib/format.c)
$(UNIT_DIR)/test_chacha20: $(call unit-kobj,libc-glue/chacha20.c)
$(UNIT_DIR)/test_device: $(call unit-kobj,kernel/device.c)
$(UNIT_DIR)/test_cmdline: $(call unit-kobj,kernel/cmdline.c)
$(UNIT_DIR)/test_param: $(call unit-kobj,kernel/param.c)
$(UNIT_DIR)/test_memmap: $(call unit-kobj,kernel/memmap.c)
$(UNIT_DIR)/test_page_alloc: $(call unit-kobj,kernel/mm/page_alloc.c)
$(UNIT_DIR)/test_heap: $(call unit-kobj,kernel/mm/heap.c kernel/mm/page_alloc.c)
$(UNIT_DIR)/test_pvh: $(call unit-kobj,arch/$(ARCH)/pvh.c kernel/memmap.c)
$(UNIT_DIR)/test_xs_msg: $(call unit-kobj,xen/xs_msg.c)
$(UNIT_DIR)/test_pv_start_info: $(call unit-kobj,xen/pv_start_info.c)
$(UNIT_DIR)/test_runstate: $(call unit-kobj,xen/runstate_read.c)
$(UNIT_DIR)/test_p9: $(call unit-kobj,9pfs/p9_msg.c 9pfs/p9_client.c 9pfs/p9_transport.c \
	9pfs/p9_vfs.c)

# The real Xen 9pfs data path against a simulated backend (sim_9pfront.c);
# the host's <arch/irq.h> stand-in is forced in ahead of the real one.
sim-9pfront-src := xen/9pfront.c xen/xring.c tests/unit/sim_9pfront.c
$(foreach f,$(sim-9pfront-src) tests/unit/test_9pfront.c,$(eval UNIT_DEFS-$(f) := \
	-include tests/unit/stubs/arch/irq.h -Ixen/include -Ixen))
$(UNIT_DIR)/test_9pfront: $(call unit-kobj,$(sim-9pfront-src) 9pfs/p9_msg.c)

# The kvm platform's virtqueues and PCI capability walk (their pure parts) against a
# simulated device.
virtq-src := kvm/virtq.c kvm/pci_cap.c
UNIT_DEFS-tests/unit/test_virtq.c := -Ikvm
$(UNIT_DIR)/test_virtq: $(call unit-kobj,$(virtq-src))

# The real xenstore client (included by the test, for fresh static state per
# case) on simulated cooperative threads, against a simulated xenstored.
sim-xs-src := tests/unit/sim_sched.c tests/unit/sim_xenstored.c
$(foreach f,$(sim-xs-src) tests/unit/test_xenstore.c,$(eval UNIT_DEFS-$(f) := \
	-include tests/unit/stubs/arch/irq.h -Ixen/include))
UNIT_LIBS-test_xenstore := -lpthread
$(UNIT_DIR)/test_xenstore: $(call unit-kobj,$(sim-xs-src) xen/xring.c xen/xs_msg.c)

# The profiler's unwinder and symbolizer (host code: C11 + elfutils).
PROF_UNWIND_SRC := profiler/errors.c profiler/unwind_fp.c profiler/target_snapshot.c \
	profiler/symbols.c
$(foreach f,$(PROF_UNWIND_SRC),$(eval UNIT_DEFS-$(f) := -Iprofiler))
UNIT_DEFS-tests/unit/test_prof_unwind.c := -Iprofiler \
	-DPROF_FIXTURE_ELF='"$(UNIT_DIR)/prof_fixture.elf"'
UNIT_LIBS-test_prof_unwind := -ldw -lelf
$(UNIT_DIR)/test_prof_unwind: $(call unit-kobj,$(PROF_UNWIND_SRC)) | $(UNIT_DIR)/prof_fixture.elf
$(UNIT_DIR)/prof_fixture.elf: tests/unit/data/prof_fixture.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -g -O2 -static -no-pie -nostdlib -Wl,-e,fixture_entry -Wl,--build-id=sha1 \
		-o $@ $<
# Offline unwinder tests on the snapshots recorded from real guests (tests/snapshots/).
PROF_SNAP_SRC := $(PROF_UNWIND_SRC) profiler/unwind_dwarf.c profiler/snapshot_file.c
$(foreach f,$(PROF_SNAP_SRC) tests/unit/test_prof_snapshots.c,$(eval UNIT_DEFS-$(f) := -Iprofiler))
UNIT_LIBS-test_prof_snapshots := -ldw -lelf
$(UNIT_DIR)/test_prof_snapshots: $(call unit-kobj,$(PROF_SNAP_SRC))
# The Xen target against fakes of the Xen libraries (defined in the test).
prof-xen-src := profiler/errors.c profiler/target_xen.c profiler/xlate.c
$(foreach f,$(prof-xen-src),$(eval UNIT_DEFS-$(f) := -Iprofiler))
UNIT_DEFS-profiler/target_xen.c := -Iprofiler -std=gnu11
UNIT_DEFS-tests/unit/test_prof_xen.c := -Iprofiler -std=gnu11
$(UNIT_DIR)/test_prof_xen: $(call unit-kobj,$(prof-xen-src))
# The QEMU target's gdb protocol codec.
UNIT_DEFS-profiler/gdb_rsp.c := -Iprofiler
UNIT_DEFS-tests/unit/test_prof_rsp.c := -Iprofiler
$(UNIT_DIR)/test_prof_rsp: $(call unit-kobj,profiler/gdb_rsp.c)
# The sampling loop on a fake target whose vCPUs fail as scripted.
prof-record-src := profiler/errors.c profiler/record.c profiler/vcpus.c profiler/debug_info.c \
	profiler/prof_file.c profiler/symbols.c profiler/unwind_fp.c profiler/unwind_dwarf.c
$(foreach f,$(prof-record-src),$(eval UNIT_DEFS-$(f) := -Iprofiler))
UNIT_DEFS-tests/unit/test_prof_record.c := -Iprofiler \
	-DPROF_FIXTURE_ELF='"$(UNIT_DIR)/prof_fixture.elf"'
UNIT_LIBS-test_prof_record := -ldw -lelf
$(UNIT_DIR)/test_prof_record: $(call unit-kobj,$(prof-record-src)) | $(UNIT_DIR)/prof_fixture.elf
$(UNIT_DIR)/test_fuzz_findings: $(call unit-kobj,arch/$(ARCH)/pvh.c kernel/memmap.c)
$(UNIT_DIR)/test_prof_outputs: $(call unit-kobj,$(prof-outputs-src))
$(UNIT_DIR)/test_prof_pprof: $(call unit-kobj,$(prof-pprof-src))
# kernel/vfs.c on a fake filesystem: the table of filesystem types the linker
# makes for the kernel (__fstypes_start/_end) is the test's.
UNIT_DEFS-kernel/vfs.c := -D__fstypes_start=vfs_test_fstypes -D__fstypes_end=vfs_test_fstypes_end
unit-bins += $(UNIT_DIR)/test_vfs
$(UNIT_DIR)/test_vfs: $(call unit-kobj,kernel/vfs.c)
-include $(UNIT_DIR)/obj/kernel/vfs.c.d $(UNIT_DIR)/obj/tests/unit/test_vfs.c.d

$(unit-bins): $(UNIT_DIR)/test_%: $(UNIT_DIR)/obj/tests/unit/test_%.c.o
	@$(if $(Q),echo "  HOSTLD  $@")
	$(Q)$(CC) $(UNIT_CFLAGS) -o $@ $^ -lcmocka $(UNIT_LIBS-$(@F))

$(UNIT_DIR)/obj/%.c.o: %.c | $(BUILD_ROOT)/include/xen
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(CC) $(UNIT_CPPFLAGS) $(UNIT_CFLAGS) $(UNIT_DEFS-$<) -c $< -o $@

# Runs every binary (even after a failure), then the fuzz smoke test, and
# fails if anything failed.
FUZZ_SMOKE ?= 1
unit-test: $(unit-bins)
	$(Q)fail=; for t in $(unit-bins); do $$t || fail="$$fail $${t##*/}"; done; \
	if [ "$(FUZZ_SMOKE)" != 0 ]; then \
		$(MAKE) --no-print-directory fuzz-smoke || fail="$$fail fuzz-smoke"; fi; \
	if [ -n "$$fail" ]; then echo "unit tests FAILED:$$fail"; exit 1; fi

unit-src := $(patsubst %,tests/unit/test_%.c,$(unit-tests)) kernel/lib/format.c kernel/cmdline.c \
	kernel/param.c kernel/memmap.c kernel/mm/page_alloc.c kernel/mm/heap.c arch/$(ARCH)/pvh.c \
	xen/xs_msg.c xen/pv_start_info.c xen/runstate_read.c 9pfs/p9_msg.c 9pfs/p9_client.c 9pfs/p9_transport.c 9pfs/p9_vfs.c $(sim-9pfront-src) $(sim-xs-src) $(virtq-src) $(PROF_SNAP_SRC) $(prof-outputs-src) $(prof-pprof-src) \
	$(prof-xen-src) $(prof-record-src) profiler/gdb_rsp.c
-include $(patsubst %,$(UNIT_DIR)/obj/%.d,$(unit-src))

include tests/fuzz/fuzz.mk
