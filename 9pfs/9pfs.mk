# SPDX-License-Identifier: MIT
# 9pfs/: the 9P2000.L codec and client, the share registry, and the VFS
# filesystem type that mounts a share. Transports live with their platform
# (kvm/virtio_9p.c, xen/9pfront*.c).
# Linked only into apps with app-features += 9pfs (GNUmakefile), with the
# platform's transports (plat-9pfs-y).
9pfs-y += 9pfs/p9_msg.c
9pfs-y += 9pfs/p9_client.c
9pfs-y += 9pfs/p9_transport.c
9pfs-y += 9pfs/p9_vfs.c
