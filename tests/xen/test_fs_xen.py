# SPDX-License-Identifier: MIT
"""The 9p filesystem under real Xen: Ember's 9pfront against Debian's
qemu-system-xen backend in dom0, on PV and PVH, from the xl config the app
ships (apps/fstest/xen-*.cfg, its p9 line pointed at a dom0 directory the
rig's setup command prepares).

fstest-<flavour> runs the suites of FS_SUITES (all three on PV, where
integrity has a guest of its own: FS_GUESTS); a dom0 hook then reports what
the guest left in the share, which is checked here against what the suites
wrote (hashes, names, the 10,000 files, and every MiB of the 256 MiB file
against the CRC-32 the guest computed). fstest-<flavour>-gone has the
share's directory removed under it by a hook.
"""
import hashlib
import os
import re
import sys
import warnings

import pytest

from .xen_rig import FLAVOURS, FS_GUESTS, ROOT, cannot_run_reason

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from ember_tap import parse_tap  # noqa: E402

REASON = cannot_run_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"Xen rig cannot run here: {REASON}")

ODD_NAMES = ["a file with spaces.txt", " leading and trailing ", "Grüße-日本語-🙂.txt",
             "semi;colon,comma'quote\"dq", "-starts-with-dash", "L" * 255, "deep", "many"]


def sha(data):
    return hashlib.sha256(data).hexdigest()


def guest(rig, name):
    res = rig.result(name)
    return res, rig.text(f"{name}/console.log"), (res.get("hook") or {}).get("output", ""), \
        rig.explain(name)


def assert_suites_passed(console, suites, msg):
    # A wait that took seconds (xen/9pfront.c logs it, with the rings) is not
    # a failure by itself: dom0 may be slow. Replies found by that check that
    # no event announced are: an event was lost on the guest's side.
    for line in re.findall(r"9pfront: .* stalled for .*", console):
        warnings.warn(line)
    lost = re.findall(r"9pfront: .* replies had arrived without an event", console)
    assert not lost, "\n".join(lost) + msg
    tap = parse_tap(console)
    for s in suites:
        assert tap.suites.get(s), f"suite {s} did not run\n{msg}"
        assert not tap.failures(s), f"{s} failures:\n" + "\n".join(tap.failures(s)) + msg
    m = re.search(r"fstest: 9p requests \d+, fids in use (\d+), protocol errors (\d+), "
                  r"transport errors (\d+)", console)
    assert m and m.groups() == ("1", "0", "0"), msg


FS_RUNS = [(fl, case, suites) for fl in FLAVOURS for case, suites, _ in FS_GUESTS[fl]]


def fs_name(flavour, case):
    return f"fstest-{flavour}" + (f"-{case}" if case else "")


@pytest.mark.parametrize("flavour,case,suites", FS_RUNS)
def test_suites_pass_over_9pfront(rig, flavour, case, suites):
    res, console, _, msg = guest(rig, fs_name(flavour, case))
    assert "9p: mounted share 'share' (xen-9pfs" in console, msg
    assert_suites_passed(console, suites.split(), msg)
    assert res["ended"] == "poweroff", msg


def report_of(rig, flavour, suite):
    """What dom0 found in the share of the guest that ran @suite, and its explanation."""
    case = next(c for c, suites, _ in FS_GUESTS[flavour] if suite in suites.split())
    _, _, report, msg = guest(rig, fs_name(flavour, case))
    return dict(line.split(" ", 1) for line in report.splitlines() if " " in line), msg


@pytest.mark.parametrize("flavour", [f for f in FLAVOURS
                                     if any("integrity" in s for _, s, _ in FS_GUESTS[f])])
def test_dom0_sees_what_the_guest_wrote(rig, flavour):
    got, msg = report_of(rig, flavour, "fs")
    assert got.get("made-by-guest") == sha(b"written by ember\n"), msg
    assert got.get("append") == "123456", msg
    assert got.get("mode") == "640", msg
    assert got.get("rel-link") == "made-by-guest.txt", msg
    assert got.get("many-count") == "10000", msg
    assert got.get("many-sha") == sha(b"".join(f"{i}\n".encode() for i in range(10000))), msg
    listing = "".join(n + "\n" for n in sorted(ODD_NAMES, key=lambda n: n.encode()))
    assert got.get("odd-names") == sha(listing.encode()), msg
    assert got.get("deep", "").endswith(" bottom"), msg
    got, msg = report_of(rig, flavour, "integrity")
    assert got.get("integrity-size") == str(256 << 20), msg
    assert got.get("integrity-blocks") == "256 mismatched 0", msg


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_share_removed_under_the_guest(rig, flavour):
    res, console, hook, msg = guest(rig, f"fstest-{flavour}-gone")
    assert "removed" in hook, msg
    assert "fstest: the share is gone" in console, msg
    assert_suites_passed(console, ["gone"], msg)
