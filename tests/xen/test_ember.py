# SPDX-License-Identifier: MIT
"""Ember's guests under real Xen (PV and PVH), from the xl configs the apps ship.

All of them run in the one rig boot of conftest.py; each assertion message
carries the guest's result, console, xl errors and Xen's log (Rig.explain).
How a guest ends: main() returning 0 is a poweroff; a non-zero status or a
kernel failure is a crash, with the status on the console.
"""
import os
import re
import sys
import time

import pytest

from .xen_rig import (CRASH_CASES, FLAVOURS, LIBC_CRASH_CASES, ROOT, THREADTEST3_XEN,
                      cannot_run_reason, sqlite_host)

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from ember_tap import parse_tap  # noqa: E402

REASON = cannot_run_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"Xen rig cannot run here: {REASON}")

XEN_SUITES = ["alloc", "evtchn", "gnttab", "mmu", "sched", "time", "vfs", "xenbus", "xenstore"]


def console(rig, name):
    return rig.text(os.path.join(name, "console.log"))


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_hello(rig, flavour):
    name = f"hello-{flavour}"
    res, msg, out = rig.result(name), rig.explain(name), console(rig, name)
    assert res["created"] and res["ended"] == "poweroff", msg
    assert f"Ember 0.1 on xen-{flavour}/x86_64" in out, msg
    assert "Hello from Ember!" in out and "ember: exit status 0" in out, msg
    assert res["seconds_to_first_console"] is not None, msg


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_musl_hello(rig, flavour):
    name = f"hello-libc-{flavour}"
    res, msg, out = rig.result(name), rig.explain(name), console(rig, name)
    assert res["created"] and res["ended"] == "poweroff", msg
    # SSE/x87 state, the environment, static TLS (FS base: a hypercall on PV)
    assert "Hello from musl on Ember! 2 argument(s), pi ~ 3.14159" in out, msg
    assert "argv[2] = 'two'" in out and "GREETING is hi" in out, msg
    assert "tls_counter = 42" in out and "ember: exit status 0" in out, msg
    # CLOCK_REALTIME from Xen's wall clock (dom0 set it from the host's RTC)
    year = int(out.split("wall clock: ")[1][:4])
    assert abs(year - time.gmtime().tm_year) <= 1, msg


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_pthreads(rig, flavour):
    """apps/libc-threads (see tests/guest/test_libc.py); on PV the thread
    pointer is switched by hypercall and stack guards go through Xen's MMU."""
    name = f"libc-threads-{flavour}"
    res, msg, out = rig.result(name), rig.explain(name), console(rig, name)
    assert res["created"] and res["ended"] == "poweroff", msg
    assert "ok create-join: 2000 threads joined, 2000 key destructors" in out, msg
    assert "libc-threads: 0 part(s) failed" in out, msg


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_xl_shutdown_ends_a_busy_libc_guest(rig, flavour):
    """main computes forever; the kernel's shutdown watch preempts it (issue 11)."""
    name = f"libc-crash-{flavour}-spin"
    res, msg, out = rig.result(name), rig.explain(name), console(rig, name)
    assert res["created"] and res["ended"] == "poweroff", msg
    assert "libc-crash: spinning" in out and "the toolstack asked for poweroff" in out, msg


THIRD_PARTY = {
    # program: (console lines, what dom0 found in the share afterwards)
    "zlib-example": (["zlib version 1.2.13", "gzread(): hello, hello!", "large_inflate(): OK"],
                     "foo.gz: hello, hello!"),
    "lua": (["lua on xen: Lua 5.4 sum 10000 20000"], "from-lua: lua wrote this"),
    # apps/libc-files: file mappings, written back at exit too
    "libc-files": (["ok map-private", "ok map-shared", "ok map-errors", "ok vectors",
                    "libc-files: 0 failed"], "shared-exit: written at exit"),
}


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("prog", sorted(THIRD_PARTY))
def test_third_party_programs(rig, flavour, prog):
    """zlib's example and Lua (built by ember-cc from Debian's sources) and apps/libc-files on
    a p9 share."""
    name = f"{prog}-{flavour}"
    res, msg, out = rig.result(name), rig.explain(name), console(rig, name)
    lines, report = THIRD_PARTY[prog]
    assert res["created"] and res["ended"] == "poweroff", msg
    for line in lines:
        assert line in out, msg
    assert report in (res.get("hook") or {}).get("output", ""), msg
    if prog == "lua":  # os.date: CLOCK_REALTIME from Xen's wall clock
        assert f"year {time.gmtime().tm_year}" in out, msg


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_sqlite_shell(rig, flavour, tmp_path):
    """The sqlite3 shell runs tests/sqlite/script.sql (its small sizes) on its p9
    share: dom0 copies its output and database back, and both match the host's
    sqlite3."""
    name = f"sqlite3-{flavour}"
    res, msg = rig.result(name), rig.explain(name)
    assert res["created"] and res["ended"] == "poweroff", msg
    got = os.path.join(rig.out, name, "sqlite-out.txt")
    assert os.path.exists(got), msg + "\n(dom0 found no sqlite-out.txt in the share)"
    with open(got, "rb") as f:
        assert f.read() == sqlite_host.host_output(str(tmp_path), sqlite_host.SMALL), msg
    sqlite_host.check_database(os.path.join(rig.out, name, "test.db"), sqlite_host.SMALL)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_sqlite_threadtest3_under_xen(rig, flavour):
    """SQLite's own thread test (THREADTEST3_XEN: the tests without WAL) on a
    p9 share: threads, mutexes and file locks through 9pfront."""
    name = f"sqlite-threadtest3-{flavour}"
    res, msg, out = rig.result(name), rig.explain(name), console(rig, name)
    assert res["created"] and res["ended"] == "poweroff", msg
    tests = THREADTEST3_XEN.split()
    assert f"0 errors out of {len(tests)} tests" in out, msg
    for t in tests:
        assert f"Running {t} " in out, msg


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_sqlite_fuzzcheck_under_xen(rig, flavour):
    """fuzzcheck over every FUZZ_STRIDE_XEN-th case of SQLite's corpus."""
    name = f"sqlite-fuzzcheck-{flavour}"
    res, msg, out = rig.result(name), rig.explain(name), console(rig, name)
    assert res["created"] and res["ended"] == "poweroff", msg
    m = re.search(r"fuzzcheck: 0 errors out of (\d+) tests", out)
    assert m and int(m.group(1)) >= 50, msg


LIBC_CRASH_EXPECTED = {
    "exit3": ["ember: exit status 3"],
    "abort": ["libc: killed by signal 6 (SIGABRT)", "ember: exit status 106"],
    "segv": ["page fault: write of unmapped page at 00000000dead0000", "ember: exit status 101"],
    "overflow": ["stack overflow in thread 'pthread'", "ember: exit status 101"],
}


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("case", LIBC_CRASH_CASES)
def test_how_libc_programs_end(rig, flavour, case):
    """apps/libc-crash: a nonzero status is a crash for Xen; the console says why."""
    name = f"libc-crash-{flavour}-{case}"
    res, msg, out = rig.result(name), rig.explain(name), console(rig, name)
    assert res["created"] and res["ended"] == "crash", msg
    # As crashtest's stackoverflow: a PV guest's fault on its own stack's guard
    # cannot be delivered (Xen writes the exception frame onto that stack), so
    # Xen crashes the domain with nothing said.
    expected = [] if (case, flavour) == ("overflow", "pv") else LIBC_CRASH_EXPECTED[case]
    for line in expected:
        assert line in out, msg


def test_raw_syscall_instructions_on_pvh(rig):
    """A `syscall` instruction in application code enters the same table as
    musl's calls (LSTAR); PVH only, since on PV Xen takes it as a hypercall."""
    name = "libc-crash-pvh-raw"
    res, msg, out = rig.result(name), rig.explain(name), console(rig, name)
    assert res["created"] and res["ended"] == "poweroff", msg
    for line in ("raw getpid: 1, registers kept", "raw: written by a syscall instruction",
                 "raw syscall 400: -38", "raw: ok"):
        assert line in out, msg


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_selftest_runs_every_suite(rig, flavour):
    name = f"selftest-{flavour}"
    res, msg = rig.result(name), rig.explain(name)
    tap = parse_tap(console(rig, name))
    assert sorted(tap.order) == XEN_SUITES, msg
    assert tap.plan == sum(len(c) for c in tap.suites.values()), msg
    assert tap.summary and tap.summary[1] == 0, msg
    assert res["ended"] == "poweroff", msg


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("suite", XEN_SUITES)
def test_suite(rig, flavour, suite):
    name = f"selftest-{flavour}"
    tap = parse_tap(console(rig, name))
    assert tap.suites.get(suite), f"suite {suite} did not run\n" + rig.explain(name)
    failed = tap.failures(suite)
    assert not failed, f"{suite} on {flavour} failed:\n" + "\n".join(failed)


# case -> (how the domain ends, console lines expected) per flavour
EXPECTED = {
    "exit7": ("crash", ["ember: exit status 7"]),
    "ud2": ("crash", ["unexpected exception 6 (invalid opcode)", "do_ud2+0x0",
                      "ember: exit status 101"]),
    "panic": ("crash", ["PANIC in thread 'main': crashtest asked for a panic",
                        "ember: exit status 100"]),
    "pagefault": ("crash", ["exception 14 (page fault)",
                            "write of unmapped page at 0000000000000018",
                            "ember: exit status 101"]),
    "xlshutdown": ("poweroff", ["crashtest: hang", "the toolstack asked for poweroff"]),
    "xlreboot": ("reboot", ["crashtest: hang", "the toolstack asked for reboot"]),
}
PER_FLAVOUR = {
    # PVH has interrupt stacks: the overflow is reported from inside the guest.
    ("stackoverflow", "pvh"): ("crash", ["stack overflow in thread 'main'", "recurse+",
                                         "ember: exit status 101"]),
    # PV has none: Xen cannot deliver the fault and crashes the domain itself.
    ("stackoverflow", "pv"): ("crash", ["crashtest: stackoverflow"]),
    # A PVH triple fault resets the vCPU (a reboot); PV has no such thing and
    # crashes instead.
    ("triple", "pvh"): ("reboot", ["crashtest: triple"]),
    ("triple", "pv"): ("crash", ["crashtest: triple"]),
}


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("case", list(CRASH_CASES))
def test_crashtest(rig, flavour, case):
    name = f"crashtest-{flavour}-{case}"
    res, msg, out = rig.result(name), rig.explain(name), console(rig, name)
    ended, lines = PER_FLAVOUR.get((case, flavour)) or EXPECTED[case]
    assert res["created"], msg
    assert res["ended"] == ended, msg
    for line in lines:
        assert line in out, f"missing {line!r}\n" + msg


def test_pv_stack_overflow_is_logged_by_xen(rig):
    res = rig.result("crashtest-pv-stackoverflow")
    xen = rig.text("xen-dmesg.log")
    assert re.search(rf"Domain {res['domid']} \(vcpu#0\) crashed", xen), \
        rig.explain("crashtest-pv-stackoverflow")


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_crashed_domain_state_is_kept(rig, flavour):
    """A domain that crashed or triple-faulted prints nothing itself (PV
    cannot deliver the fault, PVH resets): the rig keeps it and saves the vCPU
    state it left, symbolized, which must name the faulting function."""
    name = f"crashtest-{flavour}-triple"
    ctx = rig.text(os.path.join(name, "xenctx.log"))
    assert re.search(r"^rip: [0-9a-f]{16} arch_triple_fault\+0x", ctx, re.M), (
        f"xenctx.log:\n{ctx[:2000]}\n" + rig.explain(name))
    assert "Stack Trace:" in ctx and "main+0x" in ctx, ctx[:3000]
