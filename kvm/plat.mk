# SPDX-License-Identifier: MIT
# The kvm platform: QEMU (TCG or KVM) through its PVH loader.
plat-y += kvm/console.c
plat-y += kvm/boot.c
plat-y += kvm/time.c
plat-y += kvm/platform.c
x86-native := y
