# SPDX-License-Identifier: MIT
"""pytest set-up for the Xen rig tests: ONE rig boot runs every guest.

Design: booting Xen + dom0 under TCG costs ~15 s, so scripts/xen-rig/run runs
once with the batch of guests from xen_rig.guests() and each test then checks
one guest's result.json. It starts as soon as collection has finished, in the
background, so that it runs beside the QEMU tests (tests/guest) rather than
after them; the session-scoped `rig` fixture waits for it. When the
rig itself fails, every guest test fails with the rig's error and the console
tail; the tests are skipped (reason shown by `pytest -rs`) only when the rig
cannot run at all here (no qemu-system-x86_64, not x86_64 Linux).
"""
import json
import os
import shlex
import subprocess
import sys

import pytest

from .xen_rig import RIG, Rig, cannot_run_reason, ember_files, guests


def prepare(work):
    """The rig command for this run's batch: (argv, out, None), or (None, None,
    (kind, message)) when it cannot run (kind "skip") or is not ready ("fail")."""
    reason = cannot_run_reason()
    if reason:
        return None, None, ("skip", f"Xen rig cannot run here: {reason}")
    batch = guests(work)
    for g in batch:
        if g.get("image") and not os.path.exists(g["image"]):
            return None, None, ("fail", f"{g['image']} is missing: run `make test-xen` "
                                        "(or make PLAT=kvm APP=hello)")
    p = subprocess.run([os.path.join(RIG, "build-base"), "--print-dir"], capture_output=True,
                       text=True)
    if p.returncode != 0:
        return None, None, ("fail", "the Xen rig base is not built: run `make test-xen`, or "
                            "scripts/xen-rig/build-base as root" +
                            (f": {p.stderr.strip()}" if p.stderr.strip() else ""))
    files = ember_files(work)
    for host, _ in files:
        if not os.path.exists(host):
            return None, None, ("fail", f"{host} is missing: run `make images tools`")
    with open(os.path.join(work, "batch.json"), "w") as f:
        json.dump({"guests": batch, "files": files}, f, indent=1)
    # EMBER_XEN_RIG_OUT keeps the results somewhere known; EMBER_XEN_RIG_ARGS
    # adds options to `run` (e.g. "--verbose", "--boot-timeout 600").
    out = os.environ.get("EMBER_XEN_RIG_OUT") or os.path.join(work, "out")
    extra = shlex.split(os.environ.get("EMBER_XEN_RIG_ARGS", ""))
    return [os.path.join(RIG, "run"), "--batch", os.path.join(work, "batch.json"),
            "--out", out] + extra, out, None


# The rig started when collection finished (pytest_collection_finish), so
# that its one long boot runs beside the QEMU tests instead of after them.
STARTED = {}


def start(work):
    argv, out, problem = prepare(work)
    if problem:
        return {"problem": problem}
    log = open(os.path.join(work, "rig.stderr"), "w+")
    return {"proc": subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log, text=True),
            "log": log, "out": out}


def pytest_collection_finish(session):
    if any("tests/xen/" in item.nodeid for item in session.items):
        STARTED.update(start(str(session.config._tmp_path_factory.mktemp("xen-rig"))))


@pytest.fixture(scope="session")
def rig(tmp_path_factory):
    run = STARTED or start(str(tmp_path_factory.mktemp("xen-rig")))
    if "problem" in run:
        kind, message = run["problem"]
        (pytest.skip if kind == "skip" else pytest.fail)(message)
    # The rig bounds itself (timeout(1) around QEMU, deadlines per stage); this
    # outer limit only guards against a bug in the rig.
    try:
        rc = run["proc"].wait(timeout=3600)
    except subprocess.TimeoutExpired:
        run["proc"].terminate()
        rc = run["proc"].wait()
    run["log"].seek(0)
    stderr = run["log"].read()
    sys.stderr.write(stderr)
    return Rig(run["out"], rc, stderr)


def pytest_sessionfinish(session):
    """A run cut short (-x, ^C) does not leave the rig running."""
    proc = STARTED.get("proc")
    if proc and proc.poll() is None:
        proc.terminate()  # the rig's runner then stops QEMU (SIGKILL would orphan it)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
