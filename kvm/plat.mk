# SPDX-License-Identifier: MIT
# The kvm platform: QEMU (TCG or KVM) through its PVH loader.
plat-y += kvm/console.c
plat-y += kvm/boot.c
plat-y += kvm/time.c
plat-y += kvm/steal.c
plat-y += kvm/rtc.c
plat-y += kvm/platform.c
# The PCI bus and the virtio transport: linked only into apps with
# app-features += 9pfs or net (GNUmakefile), which keeps the musl hello small.
plat-pci-y += kvm/pci.c
plat-pci-y += kvm/pci_cap.c
plat-pci-y += kvm/virtq.c
plat-pci-y += kvm/virtio_pci.c
plat-9pfs-y += kvm/virtio_9p.c
plat-net-y += kvm/virtio_net.c
# On the same bus: it seeds getrandom() (libc-glue/random.c).
plat-9pfs-y += kvm/virtio_rng.c
x86-native := y
