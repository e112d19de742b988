# SPDX-License-Identifier: MIT
"""The in-guest suites (kernel/tests/): one pytest test per suite and build variant.

Each variant boots once (module fixture); every suite's TAP lines are then
checked separately, so a failure names the suite and shows its diagnostics.
"""
import re

import pytest

from conftest import explain

SUITES = ["alloc", "mmu", "sched", "time"]
VARIANTS = ["kvm", "kvm-debug"]   # release build, and DEBUG=1 (heap red zones)

_results = {}


def selftest_run(boot, variant):
    if variant not in _results:
        _results[variant] = boot("selftest", variant=variant)
    return _results[variant]


def parse_tap(console):
    """-> (plan, {suite: [(ok, name, diagnostics)]}, ordered suite names)."""
    plan, suites, order, last = None, {}, [], None
    for line in console.splitlines():
        if m := re.match(r"^1\.\.(\d+)$", line):
            plan = int(m.group(1))
        elif m := re.match(r"^(ok|not ok) (\d+) - (\w+)\.(\w+)$", line):
            suite = m.group(3)
            if suite not in suites:
                suites[suite] = []
                order.append(suite)
            last = [m.group(1) == "ok", m.group(4), []]
            suites[suite].append(last)
        elif line.startswith("#   ") and last is not None:
            last[2].append(line.strip())
    return plan, suites, order


@pytest.mark.parametrize("variant", VARIANTS)
def test_selftest_runs_every_suite(boot, variant):
    res = selftest_run(boot, variant)
    plan, suites, order = parse_tap(res.console)
    assert plan is not None, explain(res)
    assert sorted(order) == sorted(SUITES), f"suites in the guest: {order}"
    assert sum(len(c) for c in suites.values()) == plan, explain(res)
    assert re.search(r"^# \d+ passed, 0 failed$", res.console, re.M), explain(res)
    assert res.outcome == "exit" and res.status == 0, explain(res)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("suite", SUITES)
def test_suite(boot, variant, suite):
    res = selftest_run(boot, variant)
    _, suites, _ = parse_tap(res.console)
    cases = suites.get(suite)
    assert cases, f"suite {suite} did not run\n" + explain(res)
    failed = [f"{name}: " + "; ".join(diag) for ok, name, diag in cases if not ok]
    assert not failed, f"{suite} failures:\n" + "\n".join(failed)


def test_selected_suite_only(boot):
    res = boot("selftest", "-- sched")
    _, suites, order = parse_tap(res.console)
    assert order == ["sched"], explain(res)
    assert res.status == 0, explain(res)


def test_unknown_suite_is_an_error(boot):
    res = boot("selftest", "-- nosuchsuite")
    assert "Bail out! no test suite named 'nosuchsuite'" in res.console
    assert res.status == 2, explain(res)
