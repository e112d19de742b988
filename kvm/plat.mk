# SPDX-License-Identifier: MIT
# The kvm platform: QEMU (TCG or KVM) through its PVH loader.
plat-y += kvm/console.c
plat-y += kvm/boot.c
plat-y += kvm/time.c
plat-y += kvm/platform.c
plat-y += kvm/pci.c
plat-y += kvm/virtio_pci.c
plat-y += kvm/virtio_9p.c
x86-native := y
