# SPDX-License-Identifier: MIT
# 9pfs/: the 9P2000.L codec and client, the share registry, and the VFS
# filesystem type that mounts a share. Transports live with their platform
# (kvm/virtio_9p.c, xen/9pfront*.c).
kernel-y += 9pfs/p9_msg.c
kernel-y += 9pfs/p9_client.c
kernel-y += 9pfs/p9_transport.c
kernel-y += 9pfs/p9_vfs.c
