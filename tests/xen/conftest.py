# SPDX-License-Identifier: MIT
"""pytest set-up for the Xen rig tests: ONE rig boot runs every guest.

Design: booting Xen + dom0 under TCG costs ~15 s, so the session-scoped `rig`
fixture runs scripts/xen-rig/run once with the batch of guests from
xen_rig.guests() and each test then checks one guest's result.json. When the
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


@pytest.fixture(scope="session")
def rig(tmp_path_factory):
    reason = cannot_run_reason()
    if reason:
        pytest.skip(f"Xen rig cannot run here: {reason}")
    work = str(tmp_path_factory.mktemp("xen-rig"))
    batch = guests(work)
    for g in batch:
        if g.get("image") and not os.path.exists(g["image"]):
            pytest.fail(f"{g['image']} is missing: run `make test-xen` (or make PLAT=kvm APP=hello)")
    p = subprocess.run([os.path.join(RIG, "build-base"), "--print-dir"], capture_output=True,
                       text=True)
    if p.returncode != 0:
        pytest.fail("the Xen rig base is not built: run `make test-xen`, or "
                    "scripts/xen-rig/build-base as root" + (f": {p.stderr.strip()}"
                                                            if p.stderr.strip() else ""))
    for host, _ in ember_files(work):
        if not os.path.exists(host):
            pytest.fail(f"{host} is missing: run `make images tools`")
    with open(os.path.join(work, "batch.json"), "w") as f:
        json.dump({"guests": batch, "files": ember_files(work)}, f, indent=1)
    # EMBER_XEN_RIG_OUT keeps the results somewhere known; EMBER_XEN_RIG_ARGS
    # adds options to `run` (e.g. "--verbose", "--boot-timeout 600").
    out = os.environ.get("EMBER_XEN_RIG_OUT") or os.path.join(work, "out")
    extra = shlex.split(os.environ.get("EMBER_XEN_RIG_ARGS", ""))
    # The rig bounds itself (timeout(1) around QEMU, deadlines per stage); this
    # outer limit only guards against a bug in the rig.
    proc = subprocess.run([os.path.join(RIG, "run"), "--batch",
                           os.path.join(work, "batch.json"), "--out", out] + extra,
                          capture_output=True, text=True, timeout=3600)
    sys.stderr.write(proc.stderr)
    return Rig(out, proc.returncode, proc.stderr)
