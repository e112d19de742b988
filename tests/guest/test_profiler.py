# SPDX-License-Identifier: MIT
"""emberprof against a real QEMU guest, and its handling of bad input.

The workload guest (apps/workload) splits its time 50/30/20 between
workload_a, workload_b and workload_c by construction and prints its own
TSC accounting at exit. emberprof samples it through QEMU's gdbstub and the
guest RAM file; every function's share of the profile must be within 2
percentage points of the guest's own figures: with frame pointers, and with
DWARF CFI on workload-nofp (the same code built with -fomit-frame-pointer).
"""
import os
import re
import subprocess
import time

import pytest

from conftest import ROOT, image_path
import ember_qemu

EMBERPROF = os.path.join(ROOT, "build", "tools", "emberprof")
WORKLOAD = image_path("workload")
FUNCS = ("workload_a", "workload_b", "workload_c")
VARIANTS = [("workload", "fp"), ("workload-nofp", "dwarf")]


def emberprof(*args, timeout=120):
    return subprocess.run([EMBERPROF, *args], capture_output=True, text=True, timeout=timeout)


def record(work, app, unwind):
    """Boots @app for 14 s and records it at 1 kHz for 10 s with @unwind."""
    image = image_path(app)
    for path in (EMBERPROF, image):
        if not os.path.exists(path):
            pytest.fail(f"{path} is missing: run `make images tools`")
    sock, ram, prof = work / "gdb.sock", work / "ram", work / f"{app}.prof"
    extra = ["-gdb", f"unix:{sock},server=on,wait=off",
             "-object", f"memory-backend-file,id=ram0,size=128M,mem-path={ram},share=on",
             "-machine", "memory-backend=ram0"]
    cmd = ember_qemu.qemu_command(image, "-- 14", "tcg", "128M", extra)
    qemu = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        rec = emberprof("record", "--qemu", f"unix:{sock}", "--ram", str(ram), "--elf", image,
                        "-F", "1000", "-d", "10", "-o", str(prof), "-q", "--unwind", unwind)
        out, err = qemu.communicate(timeout=180)
    finally:
        qemu.kill()
    return {"record": rec, "console": out, "qemu_status": qemu.returncode, "profile": prof}


_runs = {}


@pytest.fixture(scope="module", params=VARIANTS, ids=[f"{a}-{u}" for a, u in VARIANTS])
def recorded(request, tmp_path_factory):
    if request.param not in _runs:
        _runs[request.param] = record(tmp_path_factory.mktemp("prof"), *request.param)
    return _runs[request.param]


def shares_from_folded(text):
    counts = dict.fromkeys(FUNCS, 0)
    for line in text.splitlines():
        stack, n = line.rsplit(" ", 1)
        frames = stack.split(";")
        for f in FUNCS:
            if f in frames:
                counts[f] += int(n)
    total = sum(counts.values())
    return {f: 100.0 * c / total for f, c in counts.items()}, total


def test_record_succeeds(recorded):
    rec = recorded["record"]
    assert rec.returncode == 0, rec.stderr
    assert re.search(r"emberprof: \d+ samples in", rec.stderr), rec.stderr
    assert recorded["qemu_status"] == 3, recorded["console"]   # guest status 0


def test_shares_match_the_guests_accounting(recorded):
    reports = re.findall(r"workload: a=([\d.]+)% b=([\d.]+)% c=([\d.]+)%", recorded["console"])
    assert reports, recorded["console"]
    guest = dict(zip(FUNCS, map(float, reports[-1])))  # its accounting at exit
    folded = emberprof("convert", "--to", "folded", "-i", str(recorded["profile"]))
    assert folded.returncode == 0, folded.stderr
    prof, total = shares_from_folded(folded.stdout)
    assert total >= 3000, f"only {total} samples in the workload functions"
    for f in FUNCS:
        assert abs(prof[f] - guest[f]) <= 2.0, f"{f}: profile {prof[f]:.1f}% vs guest {guest[f]}%"


def test_stacks_are_rooted_at_the_thread(recorded):
    folded = emberprof("convert", "--to", "folded", "-i", str(recorded["profile"])).stdout
    lines = [l for l in folded.splitlines() if "workload_a" in l]
    assert lines and all(l.startswith("[thread main];") for l in lines), lines[:3]
    assert any(";spin " in l for l in lines)


def test_record_modes_are_checked():
    bad = emberprof("record", "--qemu", "unix:/nonexistent", "--ram", "/nonexistent",
                    "--elf", WORKLOAD, "--unwind", "sideways")
    assert bad.returncode != 0 and "--unwind takes fp, dwarf or auto" in bad.stderr
    bad = emberprof("record", "--xen", "1", "--elf", WORKLOAD, "--xen-calls", "sideways")
    assert bad.returncode != 0 and "--xen-calls takes direct or libxc" in bad.stderr


def test_report_and_flame(recorded, tmp_path):
    rep = emberprof("report", "-i", str(recorded["profile"]))
    assert rep.returncode == 0, rep.stderr
    assert "spin" in rep.stdout and "workload_a" in rep.stdout
    svg = tmp_path / "flame.svg"
    fl = emberprof("flame", "-i", str(recorded["profile"]), "-o", str(svg))
    assert fl.returncode == 0, fl.stderr
    text = svg.read_text()
    assert text.startswith("<?xml") and "workload_b" in text and "<title>" in text


def one_line_error(run):
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("emberprof: "), run.stderr
    return lines[0]


def test_bad_input_is_a_one_line_error(recorded, tmp_path):
    prof = recorded["profile"]
    assert "unknown command" in one_line_error(emberprof("frobnicate"))
    assert "record needs" in one_line_error(emberprof("record", "--elf", WORKLOAD))
    assert "cannot read" in one_line_error(emberprof("report", "-i", str(tmp_path / "none")))
    cut = tmp_path / "cut.prof"
    cut.write_bytes(prof.read_bytes()[:-20])
    assert "truncated" in one_line_error(emberprof("report", "-i", str(cut)))
    junk = tmp_path / "junk.prof"
    junk.write_bytes(b"not a profile at all")
    assert "not an emberprof profile" in one_line_error(emberprof("report", "-i", str(junk)))
    wrong = emberprof("report", "-i", str(prof), "--elf", image_path("hello"))
    assert "build-id differs" in one_line_error(wrong)
    bad_out = emberprof("flame", "-i", str(prof), "-o", str(tmp_path / "no" / "dir.svg"))
    assert "cannot write" in one_line_error(bad_out)
    gone = emberprof("record", "--qemu", f"unix:{tmp_path}/nosock", "--ram", str(tmp_path / "r"),
                     "--elf", WORKLOAD, "-d", "1")
    one_line_error(gone)


def test_top_redraws_the_hottest_functions(tmp_path):
    sock, ram = tmp_path / "gdb.sock", tmp_path / "ram"
    extra = ["-gdb", f"unix:{sock},server=on,wait=off",
             "-object", f"memory-backend-file,id=ram0,size=128M,mem-path={ram},share=on",
             "-machine", "memory-backend=ram0"]
    qemu = subprocess.Popen(ember_qemu.qemu_command(WORKLOAD, "-- 6", "tcg", "128M", extra),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        top = emberprof("top", "--qemu", f"unix:{sock}", "--ram", str(ram), "--elf", WORKLOAD,
                        "-F", "500", "-d", "3.5")
        qemu.wait(timeout=120)
    finally:
        qemu.kill()
    assert top.returncode == 0, top.stderr
    assert top.stdout.count("\033[2J") >= 2, "top should redraw every second"
    last = top.stdout.rsplit("\033[2J", 1)[1]
    assert "emberprof top: qemu" in last and "workload_a" in last and "spin" in last
    assert "(no file)" in top.stderr
