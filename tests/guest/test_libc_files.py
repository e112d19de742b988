# SPDX-License-Identifier: MIT
"""apps/libc-files under QEMU on a 9p share: file mappings by copy (private,
shared with write-back at msync, munmap and exit, Linux's errors),
preadv/pwritev and utimensat; what the guest left in the share is checked
on the host."""
import os

from conftest import explain
from test_fs import fsdev

PARTS = ("map-private", "map-shared", "map-errors", "vectors", "times", "map-exit")


def pattern(n, seed):
    return bytes((i * 7 + seed) & 0xFF for i in range(n))


def test_file_mappings_and_vectors(boot, share):
    res = boot("libc-files", "root=9p:share -- /", extra=fsdev(share))
    assert res.outcome == "exit" and res.status == 0, explain(res)
    for part in PARTS:
        assert f"ok {part}\n" in res.console, explain(res)

    def read(name):
        with open(os.path.join(share, name), "rb") as f:
            return f.read()

    # a private mapping's writes never reach the file
    assert read("private.bin") == pattern(10000, 3)
    # msync'd and munmap'ed writes did, nothing past the file's end did
    want = bytearray(pattern(3 * 4096 + 100, 1))
    want[10:16] = b"synced"
    want[2 * 4096:2 * 4096 + 8] = b"unmapped"
    assert read("shared.bin") == bytes(want)
    # the mapping left mapped was written back when the program ended
    assert read("shared-exit.bin") == b"written at exit" + pattern(4096, 0)[15:]
    data = read("vectors.txt")
    assert data == b"\0" * 100 + b"alpha beta\n"
    # utimensat reached the server: the host sees the times the guest set
    st = os.stat(os.path.join(share, "times.txt"))
    assert (st.st_atime_ns, st.st_mtime_ns) == (1000000000 * 10**9, 1234567890500000000)


# getrandom()'s seed on a CPU without RDRAND (qemu64): a virtio-rng device
# when the image has the PCI bus (any 9pfs app does), else clock jitter and
# a warning. A device that never answers (an egd backend nobody serves) is
# given up on after 2 s and the program still runs.
WEAK = "seeded with clock jitter, which is weak entropy"


def test_virtio_rng_seeds_the_c_library(boot, share):
    res = boot("libc-files", "loglevel=1 root=9p:share -- /",
               extra=fsdev(share) + ["-device", "virtio-rng-pci"])
    assert res.outcome == "exit" and res.status == 0, explain(res)
    assert "virtio-rng: at " in res.console, explain(res)
    assert "libc: random bytes come from ChaCha20 seeded by virtio-rng" in res.console, explain(res)
    assert WEAK not in res.console, explain(res)


def test_a_silent_virtio_rng_is_given_up_on(boot, share, tmp_path):
    sock = tmp_path / "egd.sock"
    res = boot("libc-files", "root=9p:share -- /",
               extra=fsdev(share) + ["-chardev", f"socket,id=egd,path={sock},server=on,wait=off",
                                     "-object", "rng-egd,id=rng0,chardev=egd",
                                     "-device", "virtio-rng-pci,rng=rng0"])
    assert res.outcome == "exit" and res.status == 0, explain(res)
    assert "queue 0: no random bytes came back in time; device failed" in res.console, explain(res)
    assert WEAK in res.console and "ok map-exit" in res.console, explain(res)


def test_without_virtio_rng_the_weak_seed_is_named(boot, share):
    res = boot("libc-files", "root=9p:share -- /", extra=fsdev(share))
    assert res.outcome == "exit" and res.status == 0, explain(res)
    assert WEAK in res.console, explain(res)
