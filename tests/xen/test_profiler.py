# SPDX-License-Identifier: MIT
"""emberprof in dom0 against Ember guests under real Xen, PV and PVH.

The workload guest splits its time 50/30/20 between workload_a/b/c by
construction and prints its own TSC accounting, raw and less the steal time
Xen's runstate area reports; emberprof, run in dom0 by the rig's hook while
the guest runs, must find the steal-corrected shares within the tolerance
below, with stacks rooted at the guest's thread.

Why the corrected shares: every sample pauses the domain (~0.5 ms of nested
TCG time, far more on a loaded host), the TSC runs on meanwhile, and the
pause lands in whichever function was running. The raw shares therefore
drift with the pause lengths (a fresh machine once saw b at 32.5% raw while
the profile said 30.2%). A paused vCPU is RUNSTATE_offline, so the workload
subtracts it.

Tolerance, per function: Z standard errors of the difference, each side's
error measured in the run itself from how its parts scatter, so it is small
on a quiet host and larger on a loaded one, never a guess:
  * the guest's, from the intervals between its 5-s reports (batch means):
    what the corrected accounting still cannot see is this rig's QEMU
    stalled or descheduled by the host, which Xen and the guest count as
    running (on a loaded host one round then takes seconds instead of
    ~40 ms, and the shares of one interval swing by 10-40 points);
  * the profile's, the binomial error of its sample count times the
    overdispersion of its PROFILE_PARTS recordings (Pearson's chi-square
    over its degrees of freedom, at least 1): on a loaded host dom0 samples
    the guest again where it stopped while the host has the rig stalled.
    12 single profiles in 3 runs were off the construction by 2.3 binomial
    standard errors (root mean square; 8.2 at most), and recorded in parts
    they scattered 2-5 times more than binomially.
Both errors are estimated from 20-40 degrees of freedom; a t variable with
20 of them lies beyond Z = 5 with probability ~7e-5, with 40 ~1e-5. Plus
MARGIN_PP for what both sides miss alike: the TSC reads around each call
fall inside the guest's windows (a PV rdtsc is emulated: ~5% of the samples
land in rdtsc here, between the calls).
"""
import math
import re
import sys

import pytest

from .xen_rig import PROFILE_PARTS, PROFILED_APPS, PROFILED_FLAVOURS, cannot_run_reason

REASON = cannot_run_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"Xen rig cannot run here: {REASON}")
FUNCS = ("workload_a", "workload_b", "workload_c")
SHARE_RE = r"a=([\d.]+)% b=([\d.]+)% c=([\d.]+)%"
CORRECTED_RE = (r"workload: steal-corrected " + SHARE_RE
                + r" \(ran (\d+)/(\d+)/(\d+) ms, (\d+) of (\d+) ms stolen\)")
RECORD_RE = r"emberprof: (\d+) samples in [\d.]+ s .*, (\d+) errors -> /tmp/workload"
Z = 5.0
MARGIN_PP = 0.5
# Reports needed for a batch-means error (the guest runs 40-300 s: 8-60).
MIN_REPORTS = 8
# Enough samples for the normal approximation at a 20% share. How many the
# parts' 100 s allow depends on the host's load (10,000 when quiet, ~900
# with a CPU hog beside a load average of 9), and the tolerance follows.
MIN_SAMPLES = 500


CASES = [(fl, app) for fl in PROFILED_FLAVOURS for app, _ in PROFILED_APPS]


def profile(rig, flavour, app="workload"):
    name = f"{app}-{flavour}"
    res = rig.result(name)
    hook = (res.get("hook") or {}).get("output", "")
    return res, hook, rig.text(f"{name}/console.log"), rig.explain(name)


def profile_parts(hook):
    """Each part's hook output: its summary, status and folded stacks."""
    parts = hook.split("emberprof-parts-done", 1)[0].split("emberprof-part=")[1:]
    return [p.split("\n", 1)[1] if "\n" in p else "" for p in parts]


@pytest.mark.parametrize("flavour,app", CASES)
def test_record_in_dom0(rig, flavour, app):
    res, hook, _, msg = profile(rig, flavour, app)
    parts = profile_parts(hook)
    assert len(parts) == PROFILE_PARTS, msg
    samples = 0
    for text in parts:
        assert "emberprof-status=0" in text, msg
        m = re.search(RECORD_RE, text)
        assert m and m.group(2) == "0", msg
        samples += int(m.group(1))
    assert samples >= MIN_SAMPLES, msg
    assert res["ended"] == "poweroff", msg


def batch_se_pp(batches):
    """Per function, the standard error in points of the shares of the sum
    of @batches (each a triple of a/b/c amounts), from their scatter: the
    batch-means estimate for a ratio, sum_k (x_k - share * t_k)^2 * K / (K - 1) / T^2."""
    k = len(batches)
    sums = [sum(b[i] for b in batches) for i in range(3)]
    total = sum(sums)
    se = []
    for i in range(3):
        share = sums[i] / total
        resid = sum((b[i] - share * sum(b)) ** 2 for b in batches)
        se.append(100.0 * math.sqrt(resid * k / (k - 1)) / total)
    return dict(zip(FUNCS, se))


def guest_accounting(console, msg):
    """The guest's raw shares, its steal-corrected shares and their standard
    errors, and the steal it saw, at its last report."""
    raw = re.findall(r"workload: " + SHARE_RE + " over", console)
    corrected = re.findall(CORRECTED_RE, console)
    assert raw, msg
    assert corrected, f"no steal-corrected accounting: the runstate area failed\n{msg}"
    assert len(corrected) == len(raw) >= MIN_REPORTS, msg
    cumulative = [tuple(int(v) for v in c[3:6]) for c in corrected]
    intervals = [tuple(now - before for now, before in zip(row, prev))
                 for row, prev in zip(cumulative, [(0, 0, 0)] + cumulative[:-1])]
    total = sum(cumulative[-1])
    guest = {f: 100.0 * ran / total for f, ran in zip(FUNCS, cumulative[-1])}
    return (dict(zip(FUNCS, map(float, raw[-1]))), guest, batch_se_pp(intervals),
            int(corrected[-1][6]))


def part_counts(text):
    """Samples per workload function in one part's folded profile."""
    counts = dict.fromkeys(FUNCS, 0)
    for line in text.splitlines():
        if m := re.match(r"^(\[.+) (\d+)$", line):
            frames = m.group(1).split(";")
            assert frames[0] in ("[thread main]", "[idle]") or "workload" not in line, line
            for f in FUNCS:
                counts[f] += int(m.group(2)) if f in frames else 0
    return tuple(counts[f] for f in FUNCS)


def profile_accounting(hook, msg):
    """The profile's shares, their standard errors and the sample count.
    The error is the binomial one times the square root of the parts'
    overdispersion (Pearson's chi-square of the parts' counts over its
    degrees of freedom, (K - 1) * (3 - 1); at least 1)."""
    parts = [c for c in map(part_counts, profile_parts(hook)) if sum(c)]
    total = sum(map(sum, parts))
    assert len(parts) >= PROFILE_PARTS // 2 and total >= MIN_SAMPLES, \
        f"only {total} samples in the workload functions, in {len(parts)} parts\n{msg}"
    p = [sum(c[i] for c in parts) / total for i in range(3)]
    assert all(p), f"a workload function has no samples: {dict(zip(FUNCS, p))}\n{msg}"
    chi2 = sum((c[i] - p[i] * sum(c)) ** 2 / (p[i] * sum(c)) for c in parts for i in range(3))
    dispersion = max(1.0, chi2 / ((len(parts) - 1) * 2))
    se = {f: 100.0 * math.sqrt(dispersion * p[i] * (1 - p[i]) / total) for i, f in enumerate(FUNCS)}
    return {f: 100.0 * p[i] for i, f in enumerate(FUNCS)}, se, total, dispersion


@pytest.mark.parametrize("flavour,app", CASES)
def test_shares_match_the_guests_accounting(rig, flavour, app):
    res, hook, console, msg = profile(rig, flavour, app)
    raw, guest, guest_se, stolen_ms = guest_accounting(console, msg)
    # Thousands of pauses from dom0 cannot all have been free.
    assert stolen_ms > 0, f"the runstate area reported no steal while dom0 sampled\n{msg}"
    prof, prof_se, total, dispersion = profile_accounting(hook, msg)
    tol = {f: Z * math.hypot(prof_se[f], guest_se[f]) + MARGIN_PP for f in FUNCS}
    print(f"\n{app}-{flavour}: {total} samples (overdispersion {dispersion:.1f}), "
          f"{stolen_ms} ms stolen: " + ", ".join(
        f"{f[-1]} profile {prof[f]:.1f}% +-{prof_se[f]:.2f} guest {guest[f]:.1f}% "
        f"+-{guest_se[f]:.2f} (raw {raw[f]}%) tolerance {tol[f]:.1f}" for f in FUNCS),
          file=sys.stderr)
    for f in FUNCS:
        assert abs(prof[f] - guest[f]) <= tol[f], \
            (f"{f}: profile {prof[f]:.1f}% vs guest {guest[f]:.1f}% less steal (raw {raw[f]}%); "
             f"tolerance {tol[f]:.1f} points: {Z} x the errors of the profile ({prof_se[f]:.2f}, "
             f"{total} samples) and of the guest ({guest_se[f]:.2f}), plus {MARGIN_PP} "
             f"({flavour})\n{msg}")


@pytest.mark.parametrize("flavour,app", CASES)
def test_record_through_libxc_too(rig, flavour, app):
    """--xen-calls libxc: the same three calls through libxc's wrappers. The
    hook asks for 300 samples within the default 10 s; a loaded host gets
    fewer (169 at load average 8), so the count only has to show sampling ran."""
    _, hook, _, msg = profile(rig, flavour, app)
    assert "libxc-status=0" in hook, msg
    runs = re.findall(r"emberprof: (\d+) samples in [\d.]+ s .*, (\d+) errors -> /tmp/libxc", hook)
    assert len(runs) == 1 and 10 <= int(runs[0][0]) <= 300 and runs[0][1] == "0", msg


@pytest.mark.parametrize("flavour", PROFILED_FLAVOURS)
def test_unknown_domain_is_a_one_line_error(rig, flavour):
    _, hook, _, msg = profile(rig, flavour)
    assert "emberprof: no domain called 'no-such-domain'" in hook, msg
    assert re.search(r"bad-domain-status=[1-9]", hook), msg


@pytest.mark.parametrize("flavour", PROFILED_FLAVOURS)
def test_a_vcpu_that_is_not_up_is_skipped(rig, flavour):
    """maxvcpus = 2, vcpus = 1 (xen_rig.maxvcpus_workload): Xen refuses to
    read vCPU 1, which was never brought up. The recording must go on with
    vCPU 0, say once that it skips vCPU 1, and count one skipped vCPU sample
    per tick: as many as samples, since vCPU 0 gives one each tick."""
    name = f"workload-{flavour}-maxvcpus"
    res = rig.result(name)
    hook, msg = (res.get("hook") or {}).get("output", ""), rig.explain(name)
    assert "emberprof-status=0" in hook, msg
    assert re.search(r"emberprof: skipping vCPU 1 \(vCPU 1 of domain \d+ is not up\)", hook), msg
    assert "skipping vCPU 0" not in hook, msg
    m = re.search(r"emberprof: (\d+) samples in [\d.]+ s .*, (\d+) skipped vCPU samples, "
                  r"(\d+) errors", hook)
    assert m, msg
    samples, skipped, errors = map(int, m.groups())
    assert 10 <= samples <= 300 and skipped == samples and errors == 0, msg
    # The folded stacks come after the status line ("stack count"); xl's own lines are not.
    after = hook.split("emberprof-status=0", 1)[1].splitlines()[1:]
    folded = [l for l in after if re.match(r"^(.+) (\d+)$", l) and " domain " not in l]
    assert sum(int(l.rsplit(" ", 1)[1]) for l in folded) == samples, msg
    assert any(f in l for l in folded for f in FUNCS), msg
    assert res["ended"] == "poweroff", msg
