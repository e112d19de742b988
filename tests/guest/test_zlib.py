# SPDX-License-Identifier: MIT
"""zlib 1.2.13 from Debian's source, built unchanged by its own configure
and Makefile with build/tools/ember-cc (apps/zlib/build): its test program
and a minigzip round trip of a large file over 9p, checked on the host."""
import gzip
import hashlib
import os
import random

from conftest import explain
from test_fs import fsdev

SIZE = 8 << 20  # compressible but not trivially: text-like words


def words(size, seed=11):
    rnd = random.Random(seed)
    vocab = [bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(2, 9)))
             for _ in range(5000)]
    out = bytearray()
    while len(out) < size:
        out += rnd.choice(vocab) + (b"\n" if rnd.random() < 0.1 else b" ")
    return bytes(out[:size])


def test_zlib_example_passes(boot, share):
    res = boot("zlib-example", "root=9p:share", extra=fsdev(share))
    assert res.outcome == "exit" and res.status == 0, explain(res)
    for line in ("zlib version 1.2.13", "uncompress(): hello, hello!", "gzread(): hello, hello!",
                 "large_inflate(): OK", "inflate with dictionary: hello, hello!"):
        assert line in res.console, explain(res)
    with gzip.open(os.path.join(share, "foo.gz")) as f:  # what its gzio test wrote
        assert f.read().startswith(b"hello, hello!")


def test_minigzip_round_trip_over_9p(boot, share):
    data = words(SIZE)
    with open(os.path.join(share, "big"), "wb") as f:
        f.write(data)
    res = boot("zlib-minigzip", "root=9p:share -- big", extra=fsdev(share), timeout=600)
    assert res.outcome == "exit" and res.status == 0, explain(res)
    assert not os.path.exists(os.path.join(share, "big")), "minigzip removes its input"
    with gzip.open(os.path.join(share, "big.gz")) as f:
        assert hashlib.sha256(f.read()).digest() == hashlib.sha256(data).digest()
    # and back: a file gzipped on the host, decompressed in the guest
    os.unlink(os.path.join(share, "big.gz"))
    with gzip.open(os.path.join(share, "host.gz"), "wb", compresslevel=9) as f:
        f.write(data[::-1])
    res = boot("zlib-minigzip", "root=9p:share -- -d host.gz", extra=fsdev(share), timeout=600)
    assert res.outcome == "exit" and res.status == 0, explain(res)
    with open(os.path.join(share, "host"), "rb") as f:
        assert hashlib.sha256(f.read()).digest() == hashlib.sha256(data[::-1]).digest()
