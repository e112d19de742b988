# SPDX-License-Identifier: MIT
# libc-glue/: musl as the C library of apps with app-features += libc
# (included by GNUmakefile only for them; libc-glue/README.md explains).
#
# musl comes from Debian's source package through scripts/debsrc (the one
# mechanism for every third-party source), is patched by
# libc-glue/musl/patches and built once per tree into $(BUILD_ROOT)/musl
# (platform-independent: every PLAT links the same libc.a). Applications
# compile against its headers with the ordinary x86-64 ABI; the kernel is
# partially linked into one object whose only global symbols are the
# entries musl calls (libc-glue/exports), so no kernel name can collide
# with the application's or the C library's.

MUSL_SRC  := $(BUILD_ROOT)/src/musl
MUSL_OBJ  := $(BUILD_ROOT)/musl
MUSL_INC  := $(MUSL_OBJ)/dest/include
MUSL_LIBC := $(MUSL_OBJ)/lib/libc.a
MUSL_CFLAGS := -O2 -g -fno-pic -fno-pie -mcmodel=small -mno-red-zone \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer
LIBC_PATCHES := libc-glue/musl/patches/series $(wildcard libc-glue/musl/patches/*.patch)

# The kernel side: the system calls and the start.
libc-y := libc-glue/syscall.c libc-glue/start.c libc-glue/random.c libc-glue/chacha20.c libc-glue/pipe.c \
	libc-glue/heap_export.c \
	$(sort $(wildcard libc-glue/sys_*.c)) libc-glue/arch/$(ARCH)/entry.S
LIBC_TABLE := $(BUILD_ROOT)/libc-glue/$(ARCH)/syscall_table.c

# What an application is compiled with (also build/tools/ember-cc's flags).
LIBC_APP_CPPFLAGS := -nostdinc -isystem $(MUSL_INC) -isystem $(GCC_INCLUDE)
LIBC_APP_CFLAGS := -O2 -g -fno-pic -fno-pie -mcmodel=small -mno-red-zone \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -ffunction-sections -fdata-sections

$(MUSL_SRC)/.debsrc-stamp: scripts/debsrc scripts/third-party.list $(LIBC_PATCHES)
	$(Q)scripts/debsrc unpack musl $(MUSL_SRC)
	$(Q)touch $@

# A new source (another version, or a patch changed) builds from scratch:
# musl's makefile does not know which objects include the patched arch headers.
$(MUSL_OBJ)/config.mak: $(MUSL_SRC)/.debsrc-stamp
	$(Q)rm -rf $(MUSL_OBJ)
	@mkdir -p $(MUSL_OBJ)
	@$(if $(Q),echo "  CONFIG  musl")
	$(Q)cd $(MUSL_OBJ) && CC="$(CC)" AR=ar RANLIB=ranlib $(abspath $(MUSL_SRC))/configure \
		--target=$(ARCH) --disable-shared --prefix=/ CFLAGS="$(MUSL_CFLAGS)" \
		> configure.log 2>&1 || { tail -20 configure.log; exit 1; }

$(MUSL_LIBC): $(MUSL_OBJ)/config.mak
	@$(if $(Q),echo "  MAKE    musl (log: $(MUSL_OBJ)/build.log)")
	$(Q)$(MAKE) -C $(MUSL_OBJ) lib/libc.a > $(MUSL_OBJ)/build.log 2>&1 || \
		{ tail -30 $(MUSL_OBJ)/build.log; exit 1; }
	$(Q)$(MAKE) -C $(MUSL_OBJ) install-headers DESTDIR=$(abspath $(MUSL_OBJ))/dest \
		>> $(MUSL_OBJ)/build.log 2>&1
	$(Q)touch $@

$(LIBC_TABLE): libc-glue/gen-syscall-table $(MUSL_SRC)/.debsrc-stamp $(filter %.c,$(libc-y))
	@mkdir -p $(dir $@)
	$(Q)libc-glue/gen-syscall-table $(MUSL_SRC)/arch/$(ARCH)/bits/syscall.h.in $@ \
		$(filter %.c,$(libc-y))
