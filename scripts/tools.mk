# SPDX-License-Identifier: MIT
# Host programs, built into build/tools/ by `make tools`.

host-tools += $(TOOLS)/ember-ksyms

$(TOOLS)/ember-ksyms: scripts/ember-ksyms.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ $< -lelf

# The Xen rig's dom0 check of the fs integrity file (tests/xen/test_fs_xen.py).
host-tools += $(TOOLS)/ember-crc32-blocks

$(TOOLS)/ember-crc32-blocks: tests/xen/crc32-blocks.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ $<
