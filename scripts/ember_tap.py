# SPDX-License-Identifier: MIT
"""Parse the TAP that Ember's in-guest test runner (kernel/test.c) prints.

Shared by the QEMU tests (tests/guest) and the Xen rig tests (tests/xen).
"""
import re
from dataclasses import dataclass, field


@dataclass
class TapRun:
    plan: int = None                  # the "1..N" line
    suites: dict = field(default_factory=dict)   # suite -> [(ok, case, [diagnostics])]
    order: list = field(default_factory=list)    # suites in the order they ran
    summary: tuple = None             # (passed, failed) from "# N passed, N failed"

    def failures(self, suite):
        return [f"{case}: " + "; ".join(diag) for ok, case, diag in self.suites.get(suite, [])
                if not ok]


def parse_tap(console):
    run, last = TapRun(), None
    for line in console.splitlines():
        if m := re.match(r"^1\.\.(\d+)$", line):
            run.plan = int(m.group(1))
        elif m := re.match(r"^(ok|not ok) (\d+) - (\w+)\.(\w+)$", line):
            suite = m.group(3)
            if suite not in run.suites:
                run.suites[suite] = []
                run.order.append(suite)
            last = [m.group(1) == "ok", m.group(4), []]
            run.suites[suite].append(last)
        elif line.startswith("#   ") and last is not None:
            last[2].append(line.strip())
        elif m := re.match(r"^# (\d+) passed, (\d+) failed$", line):
            run.summary = (int(m.group(1)), int(m.group(2)))
    return run
