# SPDX-License-Identifier: MIT
# Host programs, built into build/tools/ by `make tools`.

host-tools += $(TOOLS)/ember-ksyms

$(TOOLS)/ember-ksyms: scripts/ember-ksyms.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ $< -lelf
