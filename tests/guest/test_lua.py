# SPDX-License-Identifier: MIT
"""Lua 5.4 from Debian's source, compiled by ember-cc (apps/lua/build): the
interpreter runs a script from a 9p share; the script's output and the file
it writes are checked on the host."""
import os
import time

import pytest

from conftest import explain
from test_fs import fsdev

SCRIPT = r"""
print("lua: " .. _VERSION)
local t = {}
for i = 1, 100000 do t[i] = i * i end
local s = 0
for _, v in ipairs(t) do s = s + v end
print(string.format("sum %d sqrt2 %.6f", s, math.sqrt(2)))
local words = {}
for w in ("the quick brown fox jumps over the lazy dog"):gmatch("%a+") do
  words[#words + 1] = w:upper()
end
table.sort(words)
print("sorted " .. table.concat(words, ","))
local co = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i * 10) end end)
print("coroutine", co(), co(), co())
print("pcall", pcall(error, "boom"))
local f = assert(io.open("/from-lua.txt", "w"))
for i = 1, 1000 do f:write(i, "\n") end
f:close()
print("time " .. os.time())
os.exit(tonumber(arg[1]))
"""


@pytest.fixture
def share(share):
    """conftest's share, with the script."""
    with open(os.path.join(share, "test.lua"), "w") as f:
        f.write(SCRIPT)
    return share


def test_lua_runs_a_script_from_the_share(boot, share):
    res = boot("lua", "root=9p:share -- /test.lua 5", extra=fsdev(share))
    assert res.outcome == "exit" and res.status == 5, explain(res)
    out = res.console
    assert "lua: Lua 5.4" in out, explain(res)
    assert "sum 333338333350000 sqrt2 1.414214" in out, explain(res)
    assert "sorted BROWN,DOG,FOX,JUMPS,LAZY,OVER,QUICK,THE,THE" in out, explain(res)
    assert "coroutine\t10\t20\t30" in out and "pcall\tfalse\tboom" in out, explain(res)
    with open(os.path.join(share, "from-lua.txt")) as f:
        assert f.read() == "".join(f"{i}\n" for i in range(1, 1001))
    # os.time() is the wall clock (the CMOS RTC QEMU sets from the host's)
    guest_time = int(out.split("time ")[1].split()[0])
    assert abs(guest_time - time.time()) < 600, explain(res)
