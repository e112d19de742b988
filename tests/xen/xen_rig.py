# SPDX-License-Identifier: MIT
"""Helpers of the Xen rig tests (used by conftest.py and test_rig.py).

A module of its own, imported relatively (tests/xen is a package), so it
never collides with tests/guest's conftest when both run in one session.

Guests (one rig boot runs them all; see conftest.py):
  hello           build/kvm/hello.elf (make PLAT=kvm APP=hello) as a PVH guest
  missing-kernel  a config whose kernel does not exist: an xl error, not a rig one
  spin            a two-byte PVH image that loops at its entry ("jmp ."), so it
                  runs until the rig's timeout destroys it; a dom0 hook samples
                  it while it runs
  triple-fault    a PVH image whose first instruction is ud2 (no IDT): Xen
                  reports the triple fault as a reboot
  fstest-<flavour>[-gone]  apps/fstest over a 9p share in dom0 (see FS_SUITES
                  and tests/xen/test_fs_xen.py)
and Ember's own guests, each on both Xen flavours (PLAT=xen-pv, xen-pvh),
from the xl configs the apps ship (apps/<app>/xen-<flavour>.cfg):
  <app>-<flavour>[-<case>]   hello; selftest (every in-guest suite);
                  crashtest cases (exit status, exceptions, panic, a hung
                  guest that `xl shutdown` must end, a triple fault);
                  workload-<flavour>-maxvcpus, profiled with a vCPU that
                  is never brought up
"""
import json
import os
import platform
import re
import shutil
import struct
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "sqlite"))
import sqlite_host  # noqa: E402
RIG = os.path.join(ROOT, "scripts", "xen-rig")
CONFIGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs")
QEMU = "qemu-system-x86_64"


def pvh_elf(code, entry=0x100000):
    """A minimal ELF64 PVH image: one PT_LOAD of `code` at 1 MiB and the Xen
    PHYS32_ENTRY note (type 18) that Xen's builder looks for."""
    note = struct.pack("<III", 4, 4, 18) + b"Xen\0" + struct.pack("<I", entry)
    ehdr_size, phdr_size, code_off = 64, 56, 0x1000
    note_off = ehdr_size + 2 * phdr_size
    ehdr = struct.pack("<16sHHIQQQIHHHHHH", b"\x7fELF\x02\x01\x01" + b"\0" * 9, 2, 0x3e, 1,
                       entry, ehdr_size, 0, 0, ehdr_size, phdr_size, 2, 64, 0, 0)
    load = struct.pack("<IIQQQQQQ", 1, 5, code_off, entry, entry, len(code), len(code), 0x1000)
    pnote = struct.pack("<IIQQQQQQ", 4, 4, note_off, 0, 0, len(note), len(note), 4)
    head = ehdr + load + pnote + note
    return head + b"\0" * (code_off - len(head)) + code


FLAVOURS = ("pv", "pvh")
# crashtest cases: name -> (app arguments, dom0 hook or None)
CRASH_CASES = {
    "exit7": ("exit 7", None),
    "ud2": ("ud2", None),
    "panic": ("panic", None),
    "pagefault": ("pagefault", None),
    "stackoverflow": ("stackoverflow", None),
    "triple": ("triple", None),
    "xlshutdown": ("hang", 'sleep 2; xl shutdown "$DOMID"'),
    "xlreboot": ("hang", 'sleep 2; xl reboot "$DOMID"'),
}


def ember_image(app, flavour):
    return os.path.join(ROOT, "build", f"xen-{flavour}", f"{app}.elf")


def ember_guest(work, app, flavour, args=None, case=None, timeout=60, hook=None):
    """A guest from the app's shipped xl config, with the app arguments @args."""
    name = f"{app}-{flavour}" + (f"-{case}" if case else "")
    config = os.path.join(ROOT, "apps", app, f"xen-{flavour}.cfg")
    if args is not None:
        with open(config) as f:
            text = f.read()
        # The app's arguments replace any the shipped config gives.
        text, n = re.subn(r'^cmdline = "([^"]*?)(?: -- [^"]*)?"', rf'cmdline = "\1 -- {args}"', text,
                          flags=re.M)
        assert n == 1, f"{config} has no cmdline line"
        config = os.path.join(work, f"{name}.cfg")
        with open(config, "w") as f:
            f.write(text)
    g = {"name": name, "image": ember_image(app, flavour), "config": config, "timeout": timeout}
    if hook:
        g.update(hook=hook, hook_delay=1, hook_timeout=60)
    return g


EMBERPROF = os.path.join(ROOT, "build", "tools", "emberprof")
CRC32_BLOCKS = os.path.join(ROOT, "build", "tools", "ember-crc32-blocks")


# (app, unwinder): frame pointers on the workload, DWARF CFI on the same code
# built with -fomit-frame-pointer.
LIBC_CRASH_CASES = ("exit3", "abort", "segv", "overflow")
PROFILED_APPS = (("workload", "fp"), ("workload-nofp", "dwarf"))


# The profiled workload is recorded in PROFILE_PARTS parts of up to 500
# samples and 5 s each: the spread between the parts measures the profile's
# own error (tests/xen/test_profiler.py), which on a loaded host is several
# times a binomial one (the guest cannot run while the host has the rig
# stalled, and dom0 samples it again where it stopped).
PROFILE_PARTS = 20
# 5-s reports for tests/xen/test_profiler.py's MIN_REPORTS (8), with room.
PROFILED_MIN_SECONDS = 55


def profiled_workload(work, flavour, app="workload", unwind="fp"):
    """The workload guest, sampled by emberprof in dom0 while it runs."""
    elf = f"/rig/files/{app}-{flavour}.elf"
    prof = f"/tmp/{app}-{flavour}.prof"
    # 10,000 samples (~400/s under TCG, so ~25 s; at most 100 s on a loaded
    # host, which gets fewer: the test's tolerance follows the count). Then,
    # no sooner than PROFILED_MIN_SECONDS after the start, `xl shutdown` ends
    # the guest: it prints its accounting so far every 5 s, and the test
    # compares the last one and uses them all for its error.
    part = (f"/rig/files/emberprof record --xen $DOMID --elf {elf} -F 1000 -n 500 -d 5 "
            f"-o {prof} -q --unwind {unwind}; echo emberprof-status=$?; "
            f"/rig/files/emberprof convert --to folded -i {prof}; ")
    # The parts take ~25 s on a quiet host: the guest is held to at least
    # PROFILED_MIN_SECONDS so that it prints its test's MIN_REPORTS and more.
    hook = (f"start=$(date +%s); "
            f"for part in $(seq {PROFILE_PARTS}); do echo emberprof-part=$part; {part}done; "
            f"echo emberprof-parts-done; "
            f"while [ $(($(date +%s) - start)) -lt {PROFILED_MIN_SECONDS} ]; do sleep 1; done; "
            f"/rig/files/emberprof record --xen $DOMID --elf {elf} -n 300 -o /tmp/libxc.prof "
            f"-q --xen-calls libxc; echo libxc-status=$?; "
            f"/rig/files/emberprof record --xen no-such-domain --elf {elf}; "
            f"echo bad-domain-status=$?; xl shutdown $DOMID")
    # The guest outlives the parts and their start-up (~3 s each) on a loaded
    # host; when they are done, xl shutdown ends it.
    g = ember_guest(work, app, flavour, args="300", timeout=400)
    g.update(hook=hook, hook_delay=2, hook_timeout=360)
    return g


def maxvcpus_workload(work, flavour):
    """The workload guest with maxvcpus = 2 and vcpus = 1: Xen gives it a vCPU 1
    that is never brought up (Ember runs vCPU 0 only), so emberprof must skip
    that vCPU and say so, not end the recording (tests/xen/test_profiler.py)."""
    g = ember_guest(work, "workload", flavour, args="150", case="maxvcpus", timeout=150)
    with open(g["config"]) as f:
        text = f.read()
    assert "maxvcpus" not in text
    with open(g["config"], "w") as f:
        f.write(text + "maxvcpus = 2\n")
    elf = f"/rig/files/workload-{flavour}.elf"
    prof = f"/tmp/{g['name']}.prof"
    g.update(hook=f"/rig/files/emberprof record --xen $DOMID --elf {elf} -n 300 -d 30 -o {prof} -q; "
                  f"echo emberprof-status=$?; /rig/files/emberprof convert --to folded -i {prof}; "
                  f"xl shutdown $DOMID",
             hook_delay=2, hook_timeout=120)
    return g


# Profiled under Xen: both flavours. PVH guests run with tsc_mode="native"
# (apps/*/xen-pvh.cfg): with rdtsc emulated (Xen's default on this rig's CPU),
# a PVH guest being sampled triple-faulted right after an emulated rdtsc in 3
# of 10 runs, and in 0 of 8 runs with native TSC (docs/xen.md, "TSC").
PROFILED_FLAVOURS = FLAVOURS


# ---- the 9p filesystem under Xen (tests/xen/test_fs.py) ----

# The suites per flavour. 9pfront is the same code on PV and PVH (only the
# frames granted differ, which every read and write exercises), and PVH is
# much slower in this nested-TCG rig (each event, hypercall and hlt is an
# emulated world switch): the 10,000-file and 256 MiB suites run on PV only.
FS_SUITES = {"pv": "fs names integrity", "pvh": "fs"}
# The guests that run them, (case, suites, timeout): on PV the 256 MiB
# integrity suite has a guest of its own, so each guest's work fits its
# timeout with room on a loaded host. fs + names (10,000 files) took about
# 600 s quiet, 1553 s beside one other rig, and over 1800 s beside three
# rigs and two fuzzers; integrity 140 s quiet, 345 s in that crowd.
FS_GUESTS = {"pv": (("", "fs names", 3000), ("integrity", "integrity", 1800)),
             "pvh": (("", "fs", 1800),)}
PATTERN_SIZE = (3 << 20) + 17


def pattern_file(work):
    """host/pattern.bin of apps/fstest/suite_fs.c, made once per run."""
    path = os.path.join(work, "pattern.bin")
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(bytes(((i * 7 + (i >> 11)) & 0xFF) for i in range(PATTERN_SIZE)))
    return path


def share_setup(share):
    """dom0 commands laying out the share as apps/fstest/suite_fs.c expects."""
    # /srv on its own tmpfs: dom0's root is an initramfs with too little room
    # for the 256 MiB integrity file.
    return ("mountpoint -q /srv || { mkdir -p /srv && mount -t tmpfs -o size=900m ember-srv /srv; }; "
            f"rm -rf {share}; mkdir -p {share}/host/dir/nested {share}/guest && cd {share}/host && "
            "printf 'hello from the host\\n' > hello.txt && printf 'deep\\n' > dir/nested/deep.txt && "
            "cp /rig/files/pattern.bin pattern.bin && ln -s hello.txt link-to-hello && "
            "ln -s dir linkdir && ls -la")


# Run in dom0 once the guest has printed its exit status: what the host checks.
FS_REPORT_TIME = 600  # s, beyond the guest's own timeout
FS_REPORT = r"""
g={share}/guest
echo "made-by-guest $(sha256sum < $g/basic/made-by-guest.txt | cut -c1-64)"
echo "append $(cat $g/basic/append)"
echo "mode $(stat -c %a $g/basic/mode)"
echo "rel-link $(readlink $g/basic/rel-link)"
echo "many-count $(ls $g/names/many | wc -l)"
echo "many-sha $(cd $g/names/many && cat $(ls) | sha256sum | cut -c1-64)"
echo "odd-names $(ls $g/names | sort | sha256sum | cut -c1-64)"
b=$(find $g/names/deep -name bottom.txt)
echo "deep $(echo $b | tr -cd / | wc -c) $(cat $b)"
echo "integrity-size $(stat -c %s $g/integrity.bin)"
/rig/files/ember-crc32-blocks $g/integrity.bin $g/integrity.crc
rm -rf {share}
"""


def wait_for_exit(name):
    """dom0 shell: wait until the guest printed its exit status or is gone,
    echoing its last console line every 30 s (progress for the hook log)."""
    log = f"/var/log/xen/console/guest-{name}.log"
    return (f"n=0; until grep -q 'ember: exit status' {log} 2>/dev/null || "
            f"! xl domid {name} >/dev/null 2>&1; do sleep 1; n=$((n + 1)); "
            f"[ $((n % 30)) = 0 ] && echo \"progress $n s: $(tail -n 1 {log})\"; done; ")


def fstest_guest(work, flavour, suites=None, case=None, hook=None, timeout=1800):
    """The fstest guest from its shipped config, sharing a dom0 directory it
    prepares (timeouts: FS_GUESTS)."""
    name = f"fstest-{flavour}" + (f"-{case}" if case else "")
    share = f"/srv/share-{name}"
    g = ember_guest(work, "fstest", flavour, args=suites or FS_SUITES[flavour], case=case,
                    timeout=timeout)
    with open(g["config"]) as f:
        text = f.read()
    text, n = re.subn(r"path=[^,' ]+", f"path={share}", text)
    assert n == 1, "apps/fstest/xen-*.cfg has no p9 path"
    g["config"] = os.path.join(work, f"{name}.cfg")
    with open(g["config"], "w") as f:
        f.write(text)
    # What the guest left in the share, for the suites whose results the
    # host checks (test_fs_xen.test_dom0_sees_what_the_guest_wrote).
    checked = {"names", "integrity"} & set((suites or FS_SUITES[flavour]).split())
    report = FS_REPORT if checked else "rm -rf {share}\n"
    # The hook waits for the guest, then reports: it needs the guest's time
    # and then some (hashing 10,000 files and 256 MiB in dom0 under TCG; a
    # full run beside other load had the hook, bounded by the guest's
    # timeout alone, cut off in its report after the guest had passed).
    g.update(setup=share_setup(share), hook_delay=1, hook_timeout=timeout + FS_REPORT_TIME,
             hook=hook or (wait_for_exit(name) + report.format(share=share)))
    return g


def fs_guests(work):
    batch = []
    for fl in FLAVOURS:
        for case, suites, timeout in FS_GUESTS[fl]:
            batch.append(fstest_guest(work, fl, suites, case or None, timeout=timeout))
        share = f"/srv/share-fstest-{fl}-gone"
        batch.append(fstest_guest(
            work, fl, "gone", "gone", timeout=300,
            hook=f"until [ -e {share}/ready ] || ! xl domid fstest-{fl}-gone >/dev/null 2>&1; "
                 f"do sleep 0.2; done; rm -rf {share}; echo removed"))
    return batch


LUA_SCRIPT = r"""
local t = {}
for i = 1, 10000 do t[i] = i * 2 end
print("lua on xen: " .. _VERSION .. " sum " .. #t .. " " .. t[#t])
local f = assert(io.open("/from-lua.txt", "w")); f:write("lua wrote this\n"); f:close()
print("year " .. os.date("!%Y"))
"""


def third_party_guest(work, flavour, image, args, setup="", hook_report="", memory=64):
    """A program built by ember-cc (apps/zlib, apps/lua) with a fresh p9 share
    at /srv/share-NAME as its root; @setup fills the share, @hook_report
    prints what dom0 finds in it after the guest ended."""
    name = f"{image}-{flavour}"
    share = f"/srv/share-{name}"
    with open(os.path.join(CONFIGS, "libc-share.cfg")) as f:
        text = f.read()
    text = text.replace("@TYPE@", flavour).replace("@SHARE@", share).replace("@ARGS@", args)
    text = text.replace("@MEMORY@", str(memory))
    config = os.path.join(work, f"{name}.cfg")
    with open(config, "w") as f:
        f.write(text)
    return {"name": name, "image": ember_image(image, flavour), "config": config, "timeout": 300,
            "setup": ("mountpoint -q /srv || { mkdir -p /srv && mount -t tmpfs -o size=900m "
                      f"ember-srv /srv; }}; rm -rf {share}; mkdir -p {share} && cd {share} && "
                      + (setup or "true")),
            "hook_delay": 1, "hook_timeout": 300,
            "hook": wait_for_exit(name) + f"cd {share} && {hook_report or 'true'}; rm -rf {share}"}


def sqlite_guest(work, flavour):
    """The sqlite3 shell running tests/sqlite/script.sql (its SMALL sizes: a
    9p round trip costs 6-10 ms under nested TCG) on its share; the hook
    copies the output and the database back for the host to check.
    threadtest3's WAL tests over nested-TCG 9p outlast the rig's budget (an
    earlier subset with them ran past 15 minutes with the machine loaded):
    the rig runs THREADTEST3_XEN (sqlite_tests()), QEMU all 15."""
    g = third_party_guest(work, flavour, "sqlite3", sqlite_host.SHELL_ARGS,
                          setup="cp /rig/files/sqlite-script.sql script.sql",
                          hook_report='cp sqlite-out.txt test.db "$OUT_DIR"/', memory=128)
    g.update(timeout=600, hook_timeout=600)
    return g


# threadtest3's tests without WAL, each time-boxed at 10 s by threadtest3
# itself (~75 s a guest in the rig), and every FUZZ_STRIDE_XEN-th case of
# fuzzcheck's corpus (87 cases, ~20 s).
THREADTEST3_XEN = "lookaside1 vacuum1 create_drop_index_1 stress1 shared1"
FUZZ_STRIDE_XEN = 512


def sqlite_tests(work, flavour):
    """threadtest3 and fuzzcheck on a share each (the corpus slice copied in
    from /rig/files/fuzz, made by ember_files())."""
    names = " ".join(f"/{n}" for n in sqlite_host.fuzz_corpus_names())
    guests = [third_party_guest(work, flavour, "sqlite-threadtest3", THREADTEST3_XEN, memory=256),
              third_party_guest(work, flavour, "sqlite-fuzzcheck", names,
                                setup="cp /rig/files/fuzz/*.db .", memory=256)]
    for g in guests:
        g.update(timeout=900, hook_timeout=900)
    return guests


def third_party_guests(work):
    batch = []
    for fl in FLAVOURS:
        batch.append(sqlite_guest(work, fl))
        batch += sqlite_tests(work, fl)
        batch.append(third_party_guest(work, fl, "libc-files", "/",
                                       hook_report="echo shared-exit: $(head -c 15 shared-exit.bin)"))
        batch.append(third_party_guest(work, fl, "zlib-example", "",
                                       hook_report="echo foo.gz: $(gzip -dc foo.gz)"))
        script = LUA_SCRIPT.replace("'", "'\\''")
        batch.append(third_party_guest(work, fl, "lua", "/t.lua",
                                       setup=f"printf '%s' '{script}' > t.lua",
                                       hook_report="echo from-lua: $(cat from-lua.txt)"))
    return batch


def ember_files(work):
    """Files dom0 needs besides the guests: the profiler, the ELFs it reads,
    the fstest share's pattern file."""
    files = [[EMBERPROF, "/rig/files/emberprof"], [CRC32_BLOCKS, "/rig/files/ember-crc32-blocks"]]
    for fl in PROFILED_FLAVOURS:
        for app, _ in PROFILED_APPS:
            files.append([ember_image(app, fl), f"/rig/files/{app}-{fl}.elf"])
    script = os.path.join(work, "sqlite-script.sql")
    sqlite_host.write_script(script, sqlite_host.SMALL)
    files.append([script, "/rig/files/sqlite-script.sql"])
    fuzz = os.path.join(work, "fuzz")
    os.makedirs(fuzz, exist_ok=True)
    for name in sqlite_host.fuzz_corpus(fuzz, FUZZ_STRIDE_XEN):
        files.append([os.path.join(fuzz, name), f"/rig/files/fuzz/{name}"])
    return files + [[pattern_file(work), "/rig/files/pattern.bin"]]


def ember_guests(work):
    batch = fs_guests(work) + third_party_guests(work)
    for fl in PROFILED_FLAVOURS:
        for app, unwind in PROFILED_APPS:
            batch.append(profiled_workload(work, fl, app, unwind))
        batch.append(maxvcpus_workload(work, fl))
    for fl in FLAVOURS:
        batch.append(ember_guest(work, "hello", fl))
        batch.append(ember_guest(work, "hello-libc", fl, "one two"))
        batch.append(ember_guest(work, "libc-threads", fl, "2000", timeout=300))
        for case in LIBC_CRASH_CASES:
            batch.append(ember_guest(work, "libc-crash", fl, case, case))
        # A guest whose main never blocks: xl shutdown must still end it.
        batch.append(ember_guest(work, "libc-crash", fl, "spin", "spin", timeout=120,
                                 hook='sleep 3; xl shutdown "$DOMID"'))
        batch.append(ember_guest(work, "selftest", fl, timeout=300))
        if fl == "pvh":  # on PV the instruction is a hypercall
            batch.append(ember_guest(work, "libc-crash", fl, "raw", "raw"))
        for case, (args, hook) in CRASH_CASES.items():
            batch.append(ember_guest(work, "crashtest", fl, args, case,
                                     timeout=90 if hook else 60, hook=hook))
    return batch


def guests(work):
    """The batch: see the module docstring."""
    images = {}
    for name, code in (("spin", b"\xeb\xfe"), ("triple-fault", b"\x0f\x0b")):
        images[name] = os.path.join(work, f"{name}.elf")
        with open(images[name], "wb") as f:
            f.write(pvh_elf(code))
    tiny = os.path.join(CONFIGS, "tiny-pvh.cfg")
    return [
        {"name": "hello", "image": os.path.join(ROOT, "build", "kvm", "hello.elf"),
         "config": os.path.join(CONFIGS, "hello-pvh.cfg"), "timeout": 15},
        {"name": "missing-kernel", "config": os.path.join(CONFIGS, "missing-kernel.cfg"),
         "timeout": 10},
        {"name": "spin", "image": images["spin"], "config": tiny, "timeout": 6,
         "hook_delay": 1, "hook_timeout": 30,
         # The profiler's future entry point: a dom0 command against a live guest.
         "hook": 'xl list -v "$DOMNAME"; /usr/lib/xen-4.17/bin/xenctx "$DOMID" 0'},
        {"name": "triple-fault", "image": images["triple-fault"], "config": tiny,
         "timeout": 15},
    ] + ember_guests(work)


def cannot_run_reason():
    if platform.system() != "Linux" or platform.machine() != "x86_64":
        return f"the Xen rig needs x86_64 Linux (this is {platform.system()} {platform.machine()})"
    if not shutil.which(QEMU):
        return f"{QEMU} not found (install it with scripts/setup)"
    return None


class Rig:
    """The results of one rig run (scripts/xen-rig/run --out DIR)."""

    def __init__(self, out, status, stderr):
        self.out, self.status, self.stderr = out, status, stderr
        self.info = self._json("rig.json") or {"ok": False, "error": stderr.strip()[-2000:]}

    def _json(self, rel):
        try:
            with open(os.path.join(self.out, rel)) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def text(self, rel):
        try:
            with open(os.path.join(self.out, rel), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def result(self, name):
        res = self._json(os.path.join(name, "result.json"))
        if res is None:
            pytest.fail(f"no result for guest {name}: the rig failed "
                        f"(status {self.status}):\n{self.info.get('error')}\n{self.stderr[-3000:]}")
        return res

    def explain(self, name):
        """Failure message: the guest's result, console and xl errors, Xen's log tail."""
        res = self.result(name)
        brief = {k: v for k, v in res.items() if k not in ("xl_output", "hook")}
        xl = [l for l in res.get("xl_output", "").splitlines()
              if "debug:" not in l and "detail:" not in l]
        parts = [f"guest {name}: {json.dumps(brief, indent=1)}"]
        if not self.info.get("ok"):
            parts.append(f"--- RIG FAILED ---\n{self.info.get('error')}")
        parts.append("--- xl create (errors and messages) ---\n" + "\n".join(xl[-15:]))
        if res.get("hook"):
            parts.append(f"--- dom0 hook (status {res['hook'].get('rc')}) ---\n"
                         + res["hook"].get("output", "")[-1500:])
        parts.append("--- guest console ---\n" + self.text(os.path.join(name, "console.log"))[-2000:])
        xen = self.text("xen-dmesg.log").splitlines()
        def hvm_context_noise(line):  # every HVM context read (emberprof, xenctx) logs these
            return " save: " in line or " restore: " in line
        domid = res.get("domid")
        if domid is not None:
            mine = re.compile(rf"\b(d{domid}(v\d+)?|Dom{domid}|HVM{domid})\b")
            about = [l for l in xen if mine.search(l) and not hvm_context_noise(l)]
            parts.append(f"--- xl dmesg, lines about d{domid} ---\n" + "\n".join(about[-25:]))
        ctx = self.text(os.path.join(name, "xenctx.log"))
        if ctx:
            parts.append("--- xenctx at shutdown (vCPU state it left) ---\n" + ctx[-3000:])
        tail = [l for l in xen if not hvm_context_noise(l)]
        parts.append("--- xl dmesg (tail) ---\n" + "\n".join(tail[-15:]))
        parts.append(f"(all results in {self.out})")
        return "\n".join(parts)
