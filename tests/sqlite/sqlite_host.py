# SPDX-License-Identifier: MIT
"""The sqlite3 shell test's two sides: the command the guest runs on its
share (script.sql, its output to /sqlite-out.txt, the database /test.db)
and the same command run by the host's sqlite3 (Debian's, the same 3.40.1),
for tests/guest/test_sqlite.py and the Xen rig's guests; and slices of
SQLite's fuzz corpus for fuzzcheck (the same tests, tests/bench/sqlite)."""
import os
import re
import sqlite3
import subprocess

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "script.sql")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = os.path.join(ROOT, "build", "src", "sqlite3")  # Debian's source, unpacked
SHELL_ARGS = "-batch -bail -init /script.sql /test.db"  # then stdin: the console, empty
# The script's sizes: rows of `item`, of `big` (3 KB each), FTS documents.
FULL = {"ROWS": 20000, "BIG": 1500, "DOCS": 2000}  # under QEMU
SMALL = {"ROWS": 2000, "BIG": 150, "DOCS": 200}  # under Xen: ~3,300 9p round trips


def script(sizes, output="/sqlite-out.txt"):
    """script.sql with @sizes filled in, writing its output to @output."""
    with open(SCRIPT) as f:
        text = f.read()
    for key, value in sizes.items():
        text = text.replace(f"@{key}@", str(value))
    return text.replace("/sqlite-out.txt", output)


def write_script(path, sizes):
    with open(path, "w") as f:
        f.write(script(sizes))


def host_output(host_dir, sizes):
    """The host's sqlite3 running the script in @host_dir; returns its output."""
    with open(os.path.join(host_dir, "script.sql"), "w") as f:
        f.write(script(sizes, os.path.join(host_dir, "out.txt")))
    args = SHELL_ARGS.replace("/", host_dir + "/").split()
    subprocess.run(["sqlite3"] + args, stdin=subprocess.DEVNULL, check=True, timeout=300)
    with open(os.path.join(host_dir, "out.txt"), "rb") as f:
        return f.read()


def check_database(path, sizes):
    """The guest's database passes the host's integrity check and holds the
    rows the script leaves (it deletes every third)."""
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = sizes["ROWS"] - sizes["ROWS"] // 3
        assert db.execute("SELECT count(*) FROM item").fetchone() == (rows,)


def fuzz_slice(source, dest, stride):
    """Every @stride-th row of a fuzzcheck corpus file's xsql and db tables (all
    of a table with fewer rows than @stride) and its readme: fuzzcheck opens
    its sources read-only and creates any of the three that is missing."""
    with sqlite3.connect(dest) as out:
        out.execute("ATTACH ? AS src", (source,))
        for table, key in (("xsql", "sqlid"), ("db", "dbid")):
            out.execute(f"CREATE TABLE {table} AS SELECT * FROM src.{table} WHERE 0")
            out.execute(f"INSERT INTO {table} SELECT * FROM src.{table} "
                        f"WHERE {key} % ? = 0 OR (SELECT count(*) FROM src.{table}) < ?",
                        (stride, stride))
        out.execute("CREATE TABLE readme AS SELECT * FROM src.readme")
        out.commit()
        out.execute("DETACH src")


def fuzz_corpus_names():
    """The corpus files of Debian's 3.40.1 source: fuzzdata1.db .. fuzzdata8.db."""
    names = sorted(n for n in os.listdir(os.path.join(SRC, "test"))
                   if re.fullmatch(r"fuzzdata\d+\.db", n))
    assert len(names) == 8, f"the corpus in {SRC}/test is not 3.40.1's: {names}"
    return names


def fuzz_corpus(share, stride):
    """Every @stride-th case of each corpus file, into @share; the names."""
    names = fuzz_corpus_names()
    for n in names:
        fuzz_slice(os.path.join(SRC, "test", n), os.path.join(share, n), stride)
    return names
