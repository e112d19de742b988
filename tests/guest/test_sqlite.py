# SPDX-License-Identifier: MIT
"""SQLite 3.40.1 from Debian's source, built by its own configure and
Makefile with ember-cc (apps/sqlite/build), under QEMU:

- test/fuzzcheck.c over a deterministic slice of the source's fuzz corpus
  (test/fuzzdata*.db: every FUZZ_STRIDE-th SQL case and database of each
  file; the whole corpus is tests/bench/sqlite's): no failure;
- test/threadtest3.c, all 15 of its tests (threads, mutexes, WAL on a 9p
  file whose index is a shared file mapping);
- the sqlite3 shell running tests/sqlite/script.sql on a 9p share: its
  output byte-identical to the host's sqlite3 (the same 3.40.1) on the same
  script, and the database file passing PRAGMA integrity_check on the host.
"""
import os
import re
import sys
import tempfile

from conftest import ROOT, explain
from test_fs import fsdev

sys.path.insert(0, os.path.join(ROOT, "tests", "sqlite"))
import sqlite_host  # noqa: E402

FUZZ_STRIDE = 128


def test_fuzzcheck_passes_a_slice_of_the_corpus(boot, share):
    names = sqlite_host.fuzz_corpus(share, FUZZ_STRIDE)
    args = " ".join(f"/{n}" for n in names)
    res = boot("sqlite-fuzzcheck", f"root=9p:share -- {args}", extra=fsdev(share),
               memory="256M", timeout=1500)
    assert res.outcome == "exit" and res.status == 0, explain(res)
    m = re.search(r"fuzzcheck: 0 errors out of (\d+) tests", res.console)
    assert m and int(m.group(1)) > 200, explain(res)
    assert "SQLite 3.40.1" in res.console, explain(res)


def test_threadtest3_all_pass(boot, share):
    res = boot("sqlite-threadtest3", "root=9p:share", extra=fsdev(share), memory="512M",
               timeout=1500)
    assert res.outcome == "exit" and res.status == 0, explain(res)
    assert "0 errors out of 15 tests" in res.console, explain(res)
    # each test ran: the ones that count what they did report nonzero work
    assert res.console.count("Running ") == 15, explain(res)


def test_shell_script_matches_the_host(boot, share):
    sqlite_host.write_script(os.path.join(share, "script.sql"), sqlite_host.FULL)
    res = boot("sqlite3", f"root=9p:share -- {sqlite_host.SHELL_ARGS}", extra=fsdev(share),
               memory="256M", timeout=900)
    assert res.outcome == "exit" and res.status == 0, explain(res)
    with tempfile.TemporaryDirectory(prefix="ember-sqlite-host-") as host:
        want = sqlite_host.host_output(host, sqlite_host.FULL)
    with open(os.path.join(share, "sqlite-out.txt"), "rb") as f:
        got = f.read()
    assert got == want, explain(res)
    assert b"integrity_check\nok\n" in got
    sqlite_host.check_database(os.path.join(share, "test.db"), sqlite_host.FULL)
