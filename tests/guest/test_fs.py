# SPDX-License-Identifier: MIT
"""The 9p filesystem under QEMU: virtio-9p, the VFS, and the host's view.

Each test prepares a host directory, boots apps/fstest with it as the root
filesystem (-fsdev local + virtio-9p-pci, root=9p:share), checks the guest's
TAP lines, and then checks from the host what the guest left there:

  fs, names   POSIX semantics and odd names; afterwards the host finds the
              guest's files with the right bytes, modes, links and names,
              and all 10,000 files of the big directory
  integrity   256 MiB written, fsynced and read back by the guest; the host
              compares every MiB with the CRC-32 the guest computed
  hosterr     QEMU as an unprivileged user over a share with a 2 MiB tmpfs
              and unreadable / unwritable entries: ENOSPC and EACCES
  gone        the host deletes the whole share under a running guest
Every run must end with the 9p client holding only its root fid.
"""
import os
import re
import shutil
import stat
import subprocess
import tempfile
import threading
import time
import zlib

import pytest

from conftest import explain
from ember_tap import parse_tap

PATTERN_SIZE = (3 << 20) + 17
MANY_FILES = 10000


def pattern_bytes(n):
    return bytes(((i * 7 + (i >> 11)) & 0xFF) for i in range(n))


@pytest.fixture
def share():
    """A host directory laid out as apps/fstest/suite_fs.c expects, world-traversable."""
    d = tempfile.mkdtemp(prefix="ember-share-")
    os.chmod(d, 0o755)
    host = os.path.join(d, "host")
    os.makedirs(os.path.join(host, "dir", "nested"))
    os.makedirs(os.path.join(d, "guest"))
    with open(os.path.join(host, "hello.txt"), "w") as f:
        f.write("hello from the host\n")
    with open(os.path.join(host, "dir", "nested", "deep.txt"), "w") as f:
        f.write("deep\n")
    with open(os.path.join(host, "pattern.bin"), "wb") as f:
        f.write(pattern_bytes(PATTERN_SIZE))
    os.symlink("hello.txt", os.path.join(host, "link-to-hello"))
    os.symlink("dir", os.path.join(host, "linkdir"))
    yield d
    subprocess.run(["chmod", "-R", "u+rwx", d], check=False)
    shutil.rmtree(d, ignore_errors=True)


def fsdev(path, tag="share"):
    return ["-fsdev", f"local,security_model=none,id=fs0,path={path}",
            "-device", f"virtio-9p-pci,fsdev=fs0,mount_tag={tag}"]


def run_fstest(boot, share_dir, suites, timeout=None, prefix=(), extra=()):
    kwargs = {"timeout": timeout} if timeout else {}
    return boot("fstest", f"root=9p:share -- {suites}", extra=fsdev(share_dir) + list(extra),
                prefix=prefix, **kwargs)


def assert_all_passed(res, suites):
    tap = parse_tap(res.console)
    assert tap.plan, explain(res)
    for suite in suites:
        assert tap.suites.get(suite), f"suite {suite} did not run\n" + explain(res)
        failed = tap.failures(suite)
        assert not failed, f"{suite} failures:\n" + "\n".join(failed) + "\n" + explain(res)
    assert res.outcome == "exit" and res.status == 0, explain(res)
    m = re.search(r"fstest: 9p requests \d+, fids in use (\d+), protocol errors (\d+)", res.console)
    assert m, explain(res)
    assert m.group(1) == "1", "the 9p client leaked fids:\n" + explain(res)
    assert m.group(2) == "0", explain(res)


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def test_posix_semantics_and_names(boot, share):
    res = run_fstest(boot, share, "fs names")
    assert_all_passed(res, ["fs", "names"])
    g = os.path.join(share, "guest")
    # files the guest made, seen by the host
    assert read(os.path.join(g, "basic", "made-by-guest.txt")) == b"written by ember\n"
    assert read(os.path.join(g, "basic", "append")) == b"123456"
    assert read(os.path.join(g, "basic", "seek")) == b"abcdef\0\0\0\0Z"
    assert read(os.path.join(g, "basic", "sync")) == b"durable"
    assert os.path.getsize(os.path.join(g, "basic", "size")) == 1
    assert stat.S_IMODE(os.stat(os.path.join(g, "basic", "mode")).st_mode) == 0o640
    assert os.readlink(os.path.join(g, "basic", "rel-link")) == "made-by-guest.txt"
    assert os.readlink(os.path.join(g, "basic", "abs-link")) == "/host/dir"
    assert os.stat(os.path.join(g, "basic", "hard")).st_nlink == 1   # orig was unlinked
    assert not os.path.exists(os.path.join(g, "basic", "orig"))
    assert read(os.path.join(g, "mv", "renamed", "c")) == b"AAA"
    assert not os.path.exists(os.path.join(g, "tree"))
    assert sorted(os.listdir(os.path.join(g, "rd"))) == sorted(
        ["one", "two", "three", "a-much-longer-name-than-most"])
    # odd names, byte for byte
    names = os.path.join(g, "names")
    for name in ["a file with spaces.txt", " leading and trailing ",
                 "Grüße-日本語-🙂.txt", "semi;colon,comma'quote\"dq", "-starts-with-dash"]:
        assert read(os.path.join(names, name)) == name.encode(), name
    assert read(os.path.join(names, "L" * 255)) == b"255"
    deep = os.path.join(names, "deep", *[f"level-{i:02d}" for i in range(64)], "bottom.txt")
    assert read(deep) == b"bottom"
    many = os.path.join(names, "many")
    listed = sorted(os.listdir(many))
    assert listed == [f"f{i:05d}" for i in range(MANY_FILES)]
    for i in (0, 1234, 9999):
        assert read(os.path.join(many, f"f{i:05d}")) == f"{i}\n".encode()
    # the host's own files are untouched
    assert read(os.path.join(share, "host", "pattern.bin")) == pattern_bytes(PATTERN_SIZE)


def test_integrity_256_mib(boot, share):
    res = run_fstest(boot, share, "integrity", timeout=900)
    assert_all_passed(res, ["integrity"])
    data_path = os.path.join(share, "guest", "integrity.bin")
    crcs = read(os.path.join(share, "guest", "integrity.crc"), "r").split()
    assert len(crcs) == 256
    assert os.path.getsize(data_path) == 256 << 20
    mismatches = []
    with open(data_path, "rb") as f:
        for i, want in enumerate(crcs):
            if f"{zlib.crc32(f.read(1 << 20)):08x}" != want:
                mismatches.append(i)
    assert not mismatches, f"MiB blocks whose bytes differ on the host: {mismatches}"


def unprivileged_with_small_tmpfs(small):
    """A command prefix: QEMU in a private mount namespace, a 2 MiB tmpfs on
    @small, then QEMU as nobody (so the host's permission checks apply)."""
    script = ('mount -t tmpfs -o size=2m,mode=1777 ember-small "$0" && '
              'exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"')
    if os.geteuid() == 0:
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, small]
    return ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
            script.replace("exec setpriv --reuid=65534 --regid=65534 --clear-groups ", "exec "),
            small]


def test_host_errors_enospc_eacces(boot, share):
    host = os.path.join(share, "host")
    secret = os.path.join(host, "secret")
    with open(secret, "w") as f:
        f.write("no one may read this\n")
    os.chmod(secret, 0)
    locked = os.path.join(host, "locked")
    os.makedirs(locked)
    with open(os.path.join(locked, "inside"), "w") as f:
        f.write("inside")
    os.chmod(locked, 0o555)
    small = os.path.join(share, "small")
    os.makedirs(small)
    res = run_fstest(boot, share, "hosterr", prefix=unprivileged_with_small_tmpfs(small))
    assert_all_passed(res, ["hosterr"])
    assert read(os.path.join(locked, "inside")) == b"inside"
    assert read(secret, "r") == "no one may read this\n"


def test_share_removed_under_the_guest(boot, share):
    stop = threading.Event()

    def remove_when_ready():
        ready = os.path.join(share, "ready")
        while not stop.is_set():
            if os.path.exists(ready):
                shutil.rmtree(share)   # the exported directory itself
                return
            time.sleep(0.05)

    remover = threading.Thread(target=remove_when_ready, daemon=True)
    remover.start()
    try:
        res = run_fstest(boot, share, "gone")
    finally:
        stop.set()
        remover.join()
    assert "fstest: the share is gone" in res.console, explain(res)
    assert_all_passed(res, ["gone"])


def test_no_share_is_a_clear_error(boot):
    res = boot("fstest", "root=9p:share")
    assert "9p: no share tagged 'share'" in res.console, explain(res)
    assert "the root filesystem (root=) could not be mounted" in res.console, explain(res)
    assert res.outcome == "exit" and res.status == 100, explain(res)


def test_bad_root_parameter(boot, share):
    res = boot("fstest", "root=share", extra=fsdev(share))
    assert "expected TYPE:SOURCE" in res.console, explain(res)
    assert res.status == 100, explain(res)
