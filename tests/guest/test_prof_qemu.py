# SPDX-License-Identifier: MIT
"""emberprof's QEMU target (profiler/target_qemu.c) against live guests.

The target's self-test driver (target_qemu.c built with -DPROF_QEMU_SELFTEST)
connects to QEMU's gdbstub, maps the guest RAM file and takes samples:
pause, registers, 16 bytes at RIP and RSP, unpause. Checked here: RIP lies in
the image's code and the bytes read at RIP equal the ELF's (so the RAM file
mapping and the page-table walk are right), RSP lies in RAM, sampling goes on,
and a guest that exits, dies or stops answering mid-run gives a one-line error
and a non-zero exit, never a hang.
"""
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time

import pytest

from conftest import ROOT, image_path

import ember_qemu

RAM = 128 << 20
DRIVER_TIMEOUT = 120
SAMPLE_RE = re.compile(r"^sample (\d+) rip=(\S+) rsp=(\S+) rbp=(\S+) cr3=(\S+) k=(\d) (\S+) (\S+)$",
                       re.M)


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    out = tmp_path_factory.mktemp("prof_qemu") / "target_qemu"
    cmd = ["gcc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-g", "-Wall", "-Wextra", "-Werror",
           "-DPROF_QEMU_SELFTEST", "-I" + os.path.join(ROOT, "profiler"),
           os.path.join(ROOT, "profiler", "target_qemu.c"),
           os.path.join(ROOT, "profiler", "gdb_rsp.c"), os.path.join(ROOT, "profiler", "xlate.c"),
           os.path.join(ROOT, "profiler", "errors.c"), "-o", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return str(out)


class Elf:
    """Just enough ELF64: loadable bytes by address, and the code ranges."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        d = self.data
        assert d[:4] == b"\x7fELF" and d[4] == 2, f"{path}: not ELF64"
        phoff, shoff = struct.unpack_from("<QQ", d, 0x20)
        phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", d, 0x36)
        self.segments = []   # (vaddr, file offset, file size)
        for i in range(phnum):
            p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from(
                "<IIQQQQ", d, phoff + i * phentsize)
            if p_type == 1:   # PT_LOAD
                self.segments.append((p_vaddr, p_offset, p_filesz))
        self.code = []        # (start, end) of SHF_EXECINSTR sections
        for i in range(shnum):
            _, sh_type, sh_flags, sh_addr, _, sh_size = struct.unpack_from(
                "<IIQQQQ", d, shoff + i * shentsize)
            if sh_flags & 0x4 and sh_type == 1 and sh_size:   # SHF_EXECINSTR, PROGBITS
                self.code.append((sh_addr, sh_addr + sh_size))

    def in_code(self, addr):
        return any(s <= addr < e for s, e in self.code)

    def bytes_at(self, addr, n):
        for vaddr, off, size in self.segments:
            if vaddr <= addr and addr + n <= vaddr + size:
                return self.data[off + addr - vaddr:off + addr - vaddr + n]
        return None


class Guest:
    """QEMU with a gdbstub and guest RAM in a file; console in a file."""

    def __init__(self, tmp_path, app, cmdline, accel, gdb="unix", paused=False):
        image = image_path(app)
        if not os.path.exists(image):
            pytest.fail(f"{image} is missing: run `make PLAT=kvm APP={app}`")
        self.ram = str(tmp_path / "ram")
        if gdb == "unix":
            sock = str(tmp_path / "gdb.sock")
            self.address, gdbopt = "unix:" + sock, f"unix:{sock},server=on,wait=off"
        else:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            self.address, gdbopt = f"tcp:127.0.0.1:{port}", f"tcp:127.0.0.1:{port}"
        extra = ["-object", f"memory-backend-file,id=ram0,size={RAM},mem-path={self.ram},share=on",
                 "-machine", "memory-backend=ram0", "-gdb", gdbopt] + (["-S"] if paused else [])
        self.console_path = tmp_path / "console.txt"
        self.console_file = open(self.console_path, "wb")
        self.proc = subprocess.Popen(
            ember_qemu.qemu_command(image, cmdline, accel, "128M", extra),
            stdin=subprocess.DEVNULL, stdout=self.console_file, stderr=subprocess.STDOUT)

    def console(self):
        return self.console_path.read_text(errors="replace")

    def wait_for(self, text, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.console():
                return
            assert self.proc.poll() is None, f"QEMU ended early:\n{self.console()}"
            time.sleep(0.05)
        pytest.fail(f"no '{text}' on the console within {timeout} s:\n{self.console()}")

    def wait_gdb(self, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.address.startswith("unix:") and os.path.exists(self.address[5:]):
                return
            if self.address.startswith("tcp:"):
                try:
                    host, port = self.address[4:].rsplit(":", 1)
                    socket.create_connection((host, int(port)), 0.2).close()
                    # That connection stopped the guest; the driver lets it run.
                    return
                except OSError:
                    pass
            assert self.proc.poll() is None, f"QEMU ended early:\n{self.console()}"
            time.sleep(0.05)
        pytest.fail(f"QEMU's gdbstub did not appear at {self.address}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.console_file.close()


@pytest.fixture
def guests():
    started = []
    yield started
    for g in started:
        g.stop()


def run_driver(driver, guest, count, timeout=DRIVER_TIMEOUT):
    start = time.monotonic()
    res = subprocess.run([driver, guest.address, guest.ram, str(count)], capture_output=True,
                         text=True, timeout=timeout)
    return res, time.monotonic() - start


def parse_samples(out):
    return [dict(n=int(m[1]), rip=int(m[2], 16), rsp=int(m[3], 16), rbp=int(m[4], 16),
                 cr3=int(m[5], 16), kernel=m[6] == "1", ripmem=m[7], rspmem=m[8])
            for m in SAMPLE_RE.finditer(out)]


def rate(out):
    m = re.search(r"^rate (\d+) samples in ([\d.]+) s: (\d+) samples/s$", out, re.M)
    assert m, out[-2000:]
    return int(m[1]), float(m[3])


def check_code_sample(elf, s):
    """RIP in the image's code, and the RAM file holds the image's bytes there."""
    assert elf.in_code(s["rip"]), f"RIP {s['rip']:#x} outside the image's code"
    want = elf.bytes_at(s["rip"], 16)
    if want is not None:
        assert s["ripmem"] == want.hex(), \
            f"bytes at RIP {s['rip']:#x}: guest {s['ripmem']}, ELF {want.hex()}"


@pytest.mark.parametrize("gdb", ["unix", "tcp"])
def test_samples_a_busy_guest(driver, guests, tmp_path, accel, gdb):
    g = Guest(tmp_path, "crashtest", "-- spin", accel, gdb)
    guests.append(g)
    g.wait_for("crashtest: spin")
    g.wait_gdb()
    res, _ = run_driver(driver, g, 300)
    assert res.returncode == 0, res.stderr + res.stdout[-2000:]
    assert "bounds flat ok" in res.stdout, res.stdout[:2000]
    assert "bounds paged ok" in res.stdout, res.stdout[:2000]
    samples = parse_samples(res.stdout)
    assert len(samples) == 300
    elf = Elf(image_path("crashtest"))
    for s in samples:
        check_code_sample(elf, s)
        assert s["cr3"] != 0 and s["kernel"], s
        assert 0 < s["rsp"] < RAM and s["rspmem"] != "ERR", s
    n, per_s = rate(res.stdout)
    print(f"\nemberprof qemu target ({gdb}, {accel}): {n} samples at {per_s:.0f} samples/s "
          "(pause + registers + 2 reads + unpause)", file=sys.stderr)
    assert "alive=1" in res.stdout
    assert g.proc.poll() is None, "the guest should run on after the driver detached"


def test_samples_selftest_until_it_exits(driver, guests, tmp_path, accel):
    # -S: the guest waits for the driver, so the whole run is sampled, from the
    # firmware (paging off) to the exit, which ends the driver mid-run.
    g = Guest(tmp_path, "selftest", "-- time sched", accel, paused=True)
    guests.append(g)
    g.wait_gdb()
    res, secs = run_driver(driver, g, 10**9)
    assert res.returncode == 1, res.stdout[-2000:]
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert re.search(r"QEMU closed the gdb connection|the guest exited", lines[0]), lines[0]
    assert g.proc.wait(timeout=30) % 2 == 1, "QEMU should end with the guest's exit status"
    samples = parse_samples(res.stdout)
    elf = Elf(image_path("selftest"))
    in_code = [s for s in samples if elf.in_code(s["rip"])]
    assert len(in_code) >= 100, f"only {len(in_code)} samples in the image's code"
    for s in samples:
        if s["cr3"]:   # paging on: Ember's own code, never the firmware's
            check_code_sample(elf, s)
            assert 0 < s["rsp"] < RAM and s["rspmem"] != "ERR", s
        elif elf.in_code(s["rip"]):
            check_code_sample(elf, s)
    n, per_s = rate(res.stdout)
    print(f"\nselftest sampled until exit: {n} samples ({len(in_code)} in Ember code), "
          f"{per_s:.0f} samples/s, driver ended {secs:.1f} s after start", file=sys.stderr)


def test_guest_killed_mid_run(driver, guests, tmp_path, accel):
    g = Guest(tmp_path, "crashtest", "-- spin", accel)
    guests.append(g)
    g.wait_for("crashtest: spin")
    g.wait_gdb()
    proc = subprocess.Popen([driver, g.address, g.ram, str(10**9)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    g.proc.kill()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, out[-2000:]
    assert len(err.strip().splitlines()) == 1, err
    assert "QEMU closed the gdb connection" in err, err
    assert len(parse_samples(out)) > 10


def test_unresponsive_qemu_times_out(driver, guests, tmp_path, accel):
    g = Guest(tmp_path, "crashtest", "-- spin", accel)
    guests.append(g)
    g.wait_for("crashtest: spin")
    g.wait_gdb()
    proc = subprocess.Popen([driver, g.address, g.ram, str(10**9)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    os.kill(g.proc.pid, signal.SIGSTOP)
    try:
        start = time.monotonic()
        out, err = proc.communicate(timeout=30)
        secs = time.monotonic() - start
    finally:
        os.kill(g.proc.pid, signal.SIGCONT)
    assert proc.returncode == 1, out[-2000:]
    assert len(err.strip().splitlines()) == 1, err
    assert "did not answer" in err and "within 5 s" in err, err
    assert secs < 15, f"the driver took {secs:.1f} s to give up"


def test_open_errors(driver, tmp_path):
    ram = tmp_path / "ram"
    ram.write_bytes(b"\0" * 4096)
    res = subprocess.run([driver, "unix:" + str(tmp_path / "nosock"), str(ram), "1"],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 1
    assert "smaller than 1 MiB" in res.stderr and len(res.stderr.splitlines()) == 1, res.stderr
    ram.write_bytes(b"\0" * (2 << 20))
    res = subprocess.run([driver, "unix:" + str(tmp_path / "nosock"), str(ram), "1"],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 1
    assert "cannot connect to QEMU gdbstub at unix:" in res.stderr, res.stderr
    res = subprocess.run([driver, "bogus", str(ram), "1"], capture_output=True, text=True,
                         timeout=30)
    assert res.returncode == 1 and "bad gdb address" in res.stderr, res.stderr
