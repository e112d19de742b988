# SPDX-License-Identifier: MIT
"""The Xen rig's smoke tests: one boot of real Xen + dom0, one test per guest.

The guests and how they are expected to end are described in conftest.py.
Every assertion message carries the guest's result, console, xl errors and
the tail of Xen's log (Rig.explain).
"""
import re

import pytest

from .xen_rig import cannot_run_reason

REASON = cannot_run_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"Xen rig cannot run here: {REASON}")


def test_rig_boots_xen_and_dom0(rig):
    info = rig.info
    ok = info.get("ok") is True
    assert ok, f"rig failed: {info.get('error')}"
    # PVH guests need HAP: QEMU must expose nested paging (-cpu qemu64,+npt).
    assert "hap" in info["virt_caps"].split(","), info
    # (Xen's boot banner may have left `xl dmesg`'s ring by the end of a long batch.)
    assert re.search(r"^xen_version\s*: 4\.17\.", rig.text("xl-info.txt"), re.M), info
    stages = info["stages_host_seconds"]
    assert stages["init"] < stages["ready"] < stages["done"], stages


def test_hello_boots_as_pvh_guest(rig):
    res = rig.result("hello")
    msg = rig.explain("hello")
    assert res["created"] and res["xl_create_status"] == 0, msg
    assert "Found PVH image" in res["xl_output"], msg
    assert res["ran"], msg
    # The QEMU-platform image halts with interrupts off when main returns,
    # which Xen turns into a poweroff; were it still running at its timeout,
    # the rig would have destroyed it ("timeout"). Either way it ran under Xen.
    assert res["ended"] in ("poweroff", "timeout"), msg
    assert res["seconds_xl_create"] is not None and res["seconds_xl_create"] < 60, msg


def test_missing_kernel_is_an_xl_error_not_a_rig_failure(rig):
    res = rig.result("missing-kernel")
    msg = rig.explain("missing-kernel")
    assert not res["created"] and res["xl_create_status"] not in (0, None), msg
    assert res["ended"] == "create-failed", msg
    assert "/rig/does-not-exist/missing.elf" in res["error"], msg
    assert "No such file or directory" in res["error"], msg
    # ... and the rig carried on with the next guests.
    assert rig.info.get("ok"), msg


def test_running_guest_times_out_is_destroyed_and_hook_runs(rig):
    res = rig.result("spin")
    msg = rig.explain("spin")
    assert res["created"] and res["running_seen"], msg
    assert res["ended"] == "timeout", msg
    assert res["seconds_total"] >= res["timeout"], msg
    hook = res["hook"]
    assert hook and hook["rc"] == 0, msg
    assert re.search(r"^spin\s+\d+\s+4\s+1\s+r", hook["output"], re.M), msg
    # xenctx on the live vCPU: it spins on the entry instruction at 1 MiB.
    assert "cs:eip: 0000:00100000" in hook["output"], msg


def test_triple_fault_is_reported_as_reboot(rig):
    res = rig.result("triple-fault")
    msg = rig.explain("triple-fault")
    assert res["created"], msg
    assert res["ended"] == "reboot" and res["shutdown_reason_code"] == 1, msg
