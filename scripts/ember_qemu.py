# SPDX-License-Identifier: MIT
"""Boot Ember images under QEMU and interpret how they ended.

Shared by scripts/ember-run (the `make run` command) and the pytest guest
tests. One call, run_guest(), boots an image with a kernel command line,
captures the serial console, enforces a timeout and decodes the exit status:

  QEMU exit 2*s+3  -> the guest ended with Ember status s (isa-debug-exit)
  QEMU exit 0      -> the guest reset (a triple fault, with -no-reboot)
  anything else    -> QEMU itself failed
  timeout          -> the guest hung; QEMU is killed

Accelerator: TCG unless EMBER_ACCEL=kvm, in which case a short KVM probe boot
runs first and TCG is used if it fails. The choice is always reported.
"""
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field

# Kernel statuses (kernel/include/ember/exit.h).
EXIT_NAMES = {
    0: "success",
    99: "application failed (status clamped)",
    100: "kernel panic",
    101: "unexpected CPU exception",
    102: "bad kernel parameter",
    103: "missing or empty memory map",
    104: "out of memory",
    105: "bad boot information",
    106: "killed by a signal",
}
STATUS_TIMEOUT = 124   # runner's own statuses, outside the guest's range
STATUS_RESET = 125
STATUS_QEMU_ERROR = 126

QBOOT = "/usr/share/qemu/qboot.rom"
QEMU = "qemu-system-x86_64"


@dataclass
class GuestResult:
    status: int                 # Ember status, or STATUS_* for runner outcomes
    console: str                # everything the guest printed
    accel: str                  # "tcg" or "kvm"
    seconds: float
    outcome: str                # "exit", "timeout", "reset", "qemu-error"
    qemu_stderr: str = ""
    qemu_status: int = 0

    def describe(self):
        if self.outcome == "exit":
            name = EXIT_NAMES.get(self.status, "application status")
            return f"guest exited with status {self.status} ({name})"
        if self.outcome == "timeout":
            return f"guest hung: no exit within the timeout ({self.seconds:.1f} s)"
        if self.outcome == "reset":
            return "guest reset itself (triple fault?) without an exit status"
        return f"QEMU failed (exit {self.qemu_status}): {self.qemu_stderr.strip()[-300:]}"

    def tail(self, lines=20):
        return "\n".join(self.console.splitlines()[-lines:])


def quote_word(word):
    """Quotes one word for Ember's command-line grammar (kernel/cmdline.c)."""
    if word and not any(c in word for c in ' \t\n"\\'):
        return word
    return '"' + word.replace('\\', '\\\\').replace('"', '\\"') + '"'


def qemu_command(image, cmdline="", accel="tcg", memory="128M", extra=()):
    cpu = "qemu64" if accel == "tcg" else "host"
    cmd = [QEMU, "-accel", accel, "-cpu", cpu, "-m", memory, "-smp", "1",
           "-display", "none", "-nodefaults", "-no-reboot", "-no-user-config",
           "-serial", "stdio",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-kernel", str(image)]
    if os.path.exists(QBOOT):
        cmd += ["-bios", QBOOT]   # much faster to start than SeaBIOS
    if cmdline:
        cmd += ["-append", cmdline]
    return cmd + list(extra)


def _decode(code):
    if code == 0:
        return "reset", STATUS_RESET
    if code >= 3 and code % 2 == 1:
        return "exit", (code - 3) // 2
    return "qemu-error", STATUS_QEMU_ERROR


def _run(cmd, timeout):
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    out, err = [], []
    readers = [threading.Thread(target=lambda s, b: b.append(s.read()), args=(p, b))
               for p, b in ((proc.stdout, out), (proc.stderr, err))]
    for r in readers:
        r.start()
    try:
        code = proc.wait(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
        timed_out = True
    for r in readers:
        r.join()
    text = b"".join(out).decode("utf-8", "replace").replace("\r\n", "\n")
    return code, timed_out, text, b"".join(err).decode("utf-8", "replace"), \
        time.monotonic() - start


_accel_choice = None


def choose_accel(probe_image=None, log=print):
    """TCG, or KVM when EMBER_ACCEL=kvm and a probe boot succeeds."""
    global _accel_choice
    if _accel_choice:
        return _accel_choice
    wanted = os.environ.get("EMBER_ACCEL", "tcg")
    choice = "tcg"
    if wanted == "kvm":
        reason = "no /dev/kvm access"
        if os.access("/dev/kvm", os.R_OK | os.W_OK) and probe_image:
            code, timed_out, _, err, _ = _run(qemu_command(probe_image, "loglevel=0",
                                                           accel="kvm"), 20)
            if not timed_out and _decode(code) == ("exit", 0):
                choice = "kvm"
            else:
                reason = "probe boot failed" + (" (timeout)" if timed_out else
                                                 f" (QEMU exit {code}: {err.strip()[-120:]})")
        if choice != "kvm":
            log(f"ember: EMBER_ACCEL=kvm requested but {reason}; falling back to TCG")
    elif wanted != "tcg":
        log(f"ember: unknown EMBER_ACCEL={wanted}; using TCG")
    log(f"ember: accelerator: {choice}")
    _accel_choice = choice
    return choice


def run_guest(image, cmdline="", timeout=120, memory="128M", extra=(), accel=None, prefix=()):
    """Boots @image; @extra are more QEMU arguments, @prefix a command QEMU runs under."""
    if not shutil.which(QEMU):
        raise RuntimeError(f"{QEMU} not found: run scripts/setup")
    if not os.path.exists(image):
        raise FileNotFoundError(f"{image}: no such image (build it with make)")
    accel = accel or choose_accel(image, log=lambda m: None)
    code, timed_out, text, err, secs = _run(
        list(prefix) + qemu_command(image, cmdline, accel, memory, extra), timeout)
    if timed_out:
        outcome, status = "timeout", STATUS_TIMEOUT
    else:
        outcome, status = _decode(code)
    return GuestResult(status, text, accel, secs, outcome, err, code)
