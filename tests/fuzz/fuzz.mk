# SPDX-License-Identifier: MIT
# libFuzzer harnesses (clang -fsanitize=fuzzer,address,undefined) for the
# pure code that parses untrusted input: the 9P2000.L reply decoders, the
# xenstore reply codec, the
# kernel command line, the PVH start info, emberprof's profile file reader and
# its snapshot path (snapshot file reader + unwinders, fuzz_unwind), the QEMU
# target's gdb protocol codec (fuzz_gdb_rsp) and the profiler's reading of a
# guest's ember_debug_info through its page tables (fuzz_debug_info).
# Included from tests/unit/unit.mk.
#
# Each tests/fuzz/fuzz_<target>.c is linked with the kernel sources it covers,
# compiled for the host by clang with the kernel's headers, coverage
# instrumentation and ASan/UBSan (any report aborts). Seeds live in
# tests/fuzz/corpus/<target>/ and are only read: new inputs go to build/fuzz/,
# crashes to build/fuzz/crashes/<target>-*. Reproducers of crashes found
# before are kept in tests/fuzz/crashes/<target>/ (see README.md there), run
# first, like seeds, so a defect stays visible until it is fixed.
# tests/fuzz/<target>.dict, when present, is passed as a dictionary.
# The seeds are made by tests/fuzz/gen-corpus.
#
#   make fuzz [FUZZ_SECONDS=30]    each fuzzer for FUZZ_SECONDS, corpus kept in
#                                  build/fuzz/corpus/<target>/ across runs
#   make fuzz-smoke                each fuzzer for FUZZ_SMOKE_RUNS inputs on top of
#                                  the seeds, fixed seed: deterministic, run by unit-test
#   make fuzz-long [FUZZ_LONG_SECONDS=600] [FUZZ_JOBS=2]   every fuzzer for 10 min,
#                                  two at a time; summary in build/fuzz/long-summary.txt
#   make fuzz-run FUZZ_TARGET=pvh FUZZ_ARGS='crash-file'   run one fuzzer by hand

FUZZ_DIR := $(BUILD_ROOT)/fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_SMOKE_RUNS ?= 200000
FUZZ_SMOKE_SEED ?= 1
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := $(HOST_CFLAGS) $(FUZZ_SAN)

# target:max_len (bytes) of each input[:runs in fuzz-smoke, when not FUZZ_SMOKE_RUNS:
# for harnesses whose inputs run whole simulated sessions].
fuzz-targets := p9_msg:9000 xs_msg:4200 cmdline:4096 pvh:8192 prof_file:8192 unwind:33000 9pfront:8192:20000 xenstore:8192:10000 virtq:4097 \
	p9_client:4096:30000 p9_vfs:4096:30000 \
	gdb_rsp:4096:30000 debug_info:16384
fuzz-names := $(foreach t,$(fuzz-targets),$(firstword $(subst :, ,$(t))))
fuzz-bins := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(fuzz-names))

FUZZ_DEFS-xen/xs_msg.c := -Ixen/include
FUZZ_DEFS-tests/fuzz/fuzz_xs_msg.c := -Ixen/include
fuzz-prof-src := profiler/errors.c profiler/prof_file.c
$(foreach f,$(fuzz-prof-src) tests/fuzz/fuzz_prof_file.c,$(eval FUZZ_DEFS-$(f) := -Iprofiler))

fuzz-kobj = $(patsubst %,$(FUZZ_DIR)/obj/%.o,$(1))
# The Xen 9pfs data path against the scripted backend of tests/unit/sim_9pfront.c.
$(foreach f,$(sim-9pfront-src) tests/fuzz/fuzz_9pfront.c,$(eval FUZZ_DEFS-$(f) := \
	-include tests/unit/stubs/arch/irq.h -Ixen/include -Ixen))
$(FUZZ_DIR)/fuzz_9pfront: $(call fuzz-kobj,$(sim-9pfront-src) 9pfs/p9_msg.c)
# The xenstore client on simulated threads against a scripted xenstored.
$(foreach f,$(sim-xs-src) tests/fuzz/fuzz_xenstore.c,$(eval FUZZ_DEFS-$(f) := \
	-include tests/unit/stubs/arch/irq.h -Ixen/include))
FUZZ_LIBS-fuzz_xenstore := -lpthread
$(FUZZ_DIR)/fuzz_xenstore: $(call fuzz-kobj,$(sim-xs-src) xen/xring.c xen/xs_msg.c)
$(FUZZ_DIR)/fuzz_xs_msg: $(call fuzz-kobj,xen/xs_msg.c)
$(FUZZ_DIR)/fuzz_cmdline: $(call fuzz-kobj,kernel/cmdline.c)
$(FUZZ_DIR)/fuzz_p9_msg: $(call fuzz-kobj,9pfs/p9_msg.c)
# The 9P client and the "9p" filesystem type against the hostile server of p9_server.c.
fuzz-p9-src := 9pfs/p9_msg.c 9pfs/p9_client.c tests/fuzz/p9_server.c
# The server is the harness, not the code under test: no coverage feedback from it.
FUZZ_DEFS-tests/fuzz/p9_server.c := -fno-sanitize=fuzzer-no-link
$(FUZZ_DIR)/fuzz_p9_client: $(call fuzz-kobj,$(fuzz-p9-src))
$(FUZZ_DIR)/fuzz_p9_vfs: $(call fuzz-kobj,$(fuzz-p9-src) 9pfs/p9_transport.c 9pfs/p9_vfs.c)
$(FUZZ_DIR)/fuzz_pvh: $(call fuzz-kobj,arch/$(ARCH)/pvh.c kernel/memmap.c)
# The kvm virtqueues against a device the input scripts.
FUZZ_DEFS-tests/fuzz/fuzz_virtq.c := -Ikvm
$(FUZZ_DIR)/fuzz_virtq: $(call fuzz-kobj,kvm/virtq.c)
$(FUZZ_DIR)/fuzz_prof_file: $(call fuzz-kobj,$(fuzz-prof-src))
# The snapshot path: the snapshot file reader and both unwinders (elfutils).
fuzz-unwind-src := profiler/errors.c profiler/snapshot_file.c profiler/target_snapshot.c \
	profiler/unwind_fp.c profiler/unwind_dwarf.c profiler/symbols.c
$(foreach f,$(fuzz-unwind-src) tests/fuzz/fuzz_unwind.c,$(eval FUZZ_DEFS-$(f) := -Iprofiler))
FUZZ_LIBS-fuzz_unwind := -ldw -lelf
$(FUZZ_DIR)/fuzz_unwind: $(call fuzz-kobj,$(fuzz-unwind-src))
# Path resolution in kernel/vfs.c on a filesystem the input describes; the table
# of filesystem types is the harness's (as in tests/unit/test_vfs.c).
# The harness's reference resolver is not what is fuzzed: no comparison tracing there.
FUZZ_DEFS-kernel/vfs.c := -D__fstypes_start=vfs_test_fstypes -D__fstypes_end=vfs_test_fstypes_end
FUZZ_DEFS-tests/fuzz/fuzz_vfs_path.c := -fno-sanitize-coverage=trace-cmp
fuzz-targets += vfs_path:4096:20000
fuzz-bins += $(FUZZ_DIR)/fuzz_vfs_path
$(FUZZ_DIR)/fuzz_vfs_path: $(call fuzz-kobj,kernel/vfs.c)
-include $(FUZZ_DIR)/obj/kernel/vfs.c.d $(FUZZ_DIR)/obj/tests/fuzz/fuzz_vfs_path.c.d
# The QEMU target's gdb protocol codec; the reading of ember_debug_info through
# the page walk, over guest memory the input is.
fuzz-rsp-src := profiler/gdb_rsp.c
fuzz-dinfo-src := profiler/errors.c profiler/debug_info.c profiler/xlate.c
$(foreach f,$(fuzz-rsp-src) $(fuzz-dinfo-src) tests/fuzz/fuzz_gdb_rsp.c tests/fuzz/fuzz_debug_info.c,\
	$(eval FUZZ_DEFS-$(f) := -Iprofiler))
$(FUZZ_DIR)/fuzz_gdb_rsp: $(call fuzz-kobj,$(fuzz-rsp-src))
$(FUZZ_DIR)/fuzz_debug_info: $(call fuzz-kobj,$(fuzz-dinfo-src))

.PHONY: fuzz fuzz-smoke fuzz-long fuzz-run fuzz-check

# Fails early, with the fix, when clang cannot build a libFuzzer binary.
fuzz-check:
	@mkdir -p $(FUZZ_DIR)
	$(Q)printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
		'{ (void)d; (void)n; return 0; }' | \
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -x c - -o $(FUZZ_DIR)/.check \
		>/dev/null 2>&1 || { \
		echo "fuzz: '$(FUZZ_CC)' cannot build libFuzzer programs (-fsanitize=fuzzer)."; \
		echo "fuzz: install the Debian packages clang and libclang-rt-14-dev"; \
		echo "fuzz: (scripts/setup does), or skip with: make unit-test FUZZ_SMOKE=0"; \
		exit 1; }
	@rm -f $(FUZZ_DIR)/.check

$(FUZZ_DIR)/obj/%.c.o: %.c | $(BUILD_ROOT)/include/xen fuzz-check
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(UNIT_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_DEFS-$<) \
		-c $< -o $@

$(fuzz-bins): $(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.c.o
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS-$(@F))

# $(call fuzz-each,<libFuzzer options>,<work corpus dir>[,<parallel jobs>]): runs every
# fuzzer (all of them, even after a failure) through tests/fuzz/run-one, one line
# each, and fails if any failed.
define fuzz-each
printf '%s\n' $(fuzz-targets) | tr ':' ' ' | \
	FUZZ_SMOKE_RUNS=$(FUZZ_SMOKE_RUNS) xargs -P $(or $(3),1) -L 1 sh -c \
		'tests/fuzz/run-one $(FUZZ_DIR) "$$0" "$$1" "$${2:--}" $(2) $(1) || \
		echo "$$0" >> $(2).failed' ; \
if [ -s $(2).failed ]; then echo "fuzz FAILED:" $$(cat $(2).failed); rm -f $(2).failed; exit 1; fi
endef

# Deterministic: a fresh work corpus, a fixed -seed, no time-driven corpus
# reloads (-reload=0) and no mutations from traced comparisons (-use_cmp=0:
# the code compares pointers, which ASLR changes from run to run).
fuzz-smoke: $(fuzz-bins)
	$(Q)rm -rf $(FUZZ_DIR)/smoke $(FUZZ_DIR)/smoke.failed
	$(Q)$(call fuzz-each,-seed=$(FUZZ_SMOKE_SEED) -runs=@RUNS@ -reload=0 \
		-use_cmp=0,$(FUZZ_DIR)/smoke)

fuzz: $(fuzz-bins)
	$(Q)rm -f $(FUZZ_DIR)/corpus.failed
	$(Q)$(call fuzz-each,-max_total_time=$(FUZZ_SECONDS),$(FUZZ_DIR)/corpus)

# Every fuzzer for FUZZ_LONG_SECONDS each (default 10 min), FUZZ_JOBS at a time, on
# the corpus kept in build/fuzz/corpus/; the lines are also kept in
# build/fuzz/long-summary.txt (docs/security.md quotes them).
FUZZ_LONG_SECONDS ?= 600
FUZZ_JOBS ?= 2
fuzz-long: $(fuzz-bins)
	$(Q)rm -f $(FUZZ_DIR)/corpus.failed
	$(Q){ echo 1 > $(FUZZ_DIR)/long.rc; \
	date -u +'fuzz-long: %Y-%m-%d %H:%M UTC, $(FUZZ_LONG_SECONDS) s per target, $(FUZZ_JOBS) at a time'; \
	$(call fuzz-each,-max_total_time=$(FUZZ_LONG_SECONDS),$(FUZZ_DIR)/corpus,$(FUZZ_JOBS)); \
	echo 0 > $(FUZZ_DIR)/long.rc; } | tee $(FUZZ_DIR)/long-summary.txt; exit $$(cat $(FUZZ_DIR)/long.rc)

FUZZ_TARGET ?= xs_msg
fuzz-run: $(FUZZ_DIR)/fuzz_$(FUZZ_TARGET)
	$(Q)$< $(FUZZ_ARGS)

-include $(patsubst %,$(FUZZ_DIR)/obj/%.d,$(patsubst %,tests/fuzz/fuzz_%.c,$(fuzz-names)) \
	xen/xs_msg.c 9pfs/p9_msg.c kernel/cmdline.c arch/$(ARCH)/pvh.c kernel/memmap.c $(fuzz-prof-src) $(fuzz-unwind-src) kvm/virtq.c \
	$(fuzz-p9-src) 9pfs/p9_transport.c 9pfs/p9_vfs.c \
	$(fuzz-rsp-src) $(fuzz-dinfo-src))
