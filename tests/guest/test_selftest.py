# SPDX-License-Identifier: MIT
"""The in-guest suites (kernel/tests/): one pytest test per suite and build variant.

Each variant boots once (module fixture); every suite's TAP lines are then
checked separately, so a failure names the suite and shows its diagnostics.
"""
import re

import pytest

from conftest import explain
from ember_tap import parse_tap

SUITES = ["alloc", "mmu", "sched", "time", "vfs"]
VARIANTS = ["kvm", "kvm-debug"]   # release build, and DEBUG=1 (heap red zones)

_results = {}


def selftest_run(boot, variant):
    if variant not in _results:
        _results[variant] = boot("selftest", variant=variant)
    return _results[variant]


@pytest.mark.parametrize("variant", VARIANTS)
def test_selftest_runs_every_suite(boot, variant):
    res = selftest_run(boot, variant)
    tap = parse_tap(res.console)
    assert tap.plan is not None, explain(res)
    assert sorted(tap.order) == sorted(SUITES), f"suites in the guest: {tap.order}"
    assert sum(len(c) for c in tap.suites.values()) == tap.plan, explain(res)
    assert re.search(r"^# \d+ passed, 0 failed$", res.console, re.M), explain(res)
    assert res.outcome == "exit" and res.status == 0, explain(res)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("suite", SUITES)
def test_suite(boot, variant, suite):
    res = selftest_run(boot, variant)
    tap = parse_tap(res.console)
    assert tap.suites.get(suite), f"suite {suite} did not run\n" + explain(res)
    failed = tap.failures(suite)
    assert not failed, f"{suite} failures:\n" + "\n".join(failed)


def test_selected_suite_only(boot):
    res = boot("selftest", "-- sched")
    assert parse_tap(res.console).order == ["sched"], explain(res)
    assert res.status == 0, explain(res)


def test_unknown_suite_is_an_error(boot):
    res = boot("selftest", "-- nosuchsuite")
    assert "Bail out! no test suite named 'nosuchsuite'" in res.console
    assert res.status == 2, explain(res)
