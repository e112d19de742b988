# SPDX-License-Identifier: MIT
"""The network stack under QEMU: virtio-net, lwIP, addresses, ping, floods
and malformed frames (apps/netidle).

The host side is a tap device in a network namespace each test module
creates for itself (192.168.77.1/24, fd00:77::1/64); QEMU runs inside it,
so no traffic leaves the namespace. DHCP is tested over QEMU's user-mode
network, whose built-in server hands out 10.0.2.15.
"""
import os
import re
import subprocess
import threading
import time

import pytest
from conftest import BOOT_TIMEOUT, explain

HERE = os.path.dirname(os.path.abspath(__file__))
GUEST_MAC = "52:54:00:12:34:56"  # QEMU's default for the first NIC
GUEST_IP, HOST_IP = "192.168.77.2", "192.168.77.1"
GUEST_IP6, HOST_IP6 = "fd00:77::2", "fd00:77::1"
GUEST_LL6 = "fe80::5054:ff:fe12:3456"
TAP = "tap0"
# Generous for a loaded 2-core machine running TCG: the guest ends at the
# test's "stop" datagram, this only bounds a hang.
GUEST_SECONDS = 600


def sh(*cmd, timeout=60, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode:
        raise AssertionError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    return r


@pytest.fixture(scope="module")
def netns():
    """A network namespace with a tap device, removed afterwards."""
    name = f"ember-test-{os.getpid()}"
    try:
        sh("ip", "netns", "add", name)
    except (AssertionError, OSError) as e:
        pytest.fail(f"cannot create a network namespace (the network tests need root): {e}")
    try:
        ns = ("ip", "netns", "exec", name)
        sh(*ns, "ip", "link", "set", "lo", "up")
        sh(*ns, "ip", "tuntap", "add", TAP, "mode", "tap")
        sh(*ns, "ip", "link", "set", TAP, "up")
        sh(*ns, "ip", "addr", "add", f"{HOST_IP}/24", "dev", TAP)
        sh(*ns, "ip", "-6", "addr", "add", f"{HOST_IP6}/64", "dev", TAP, "nodad")
        yield name
    finally:
        sh("ip", "netns", "del", name, check=False)


class BackgroundGuest:
    """A guest booted in a thread (its console comes when it ends)."""

    def __init__(self, boot, app, cmdline, extra, prefix):
        self.res = None
        self.thread = threading.Thread(
            target=lambda: setattr(self, "res", boot(app, cmdline, extra=extra, prefix=prefix,
                                                     timeout=GUEST_SECONDS + BOOT_TIMEOUT)))
        self.thread.start()

    def wait(self):
        self.thread.join()
        return self.res


def in_ns(netns, *cmd, timeout=120, check=False):
    return sh("ip", "netns", "exec", netns, *cmd, timeout=timeout, check=check)


def wait_reachable(netns, guest):
    """Pings until the guest answers (it is booting); fails if it never does."""
    deadline = time.monotonic() + BOOT_TIMEOUT
    while time.monotonic() < deadline:
        if in_ns(netns, "ping", "-c", "1", "-W", "2", GUEST_IP).returncode == 0:
            return
        if not guest.thread.is_alive():
            pytest.fail("the guest ended before it answered ping:\n" + explain(guest.res))
    pytest.fail(f"no ping reply from {GUEST_IP} within {BOOT_TIMEOUT} s")


def ping(netns, *args):
    """ping's statistics: (sent, received). -W is wide: replies under TCG can be slow."""
    r = in_ns(netns, "ping", "-q", "-W", "10", *args, timeout=300)
    m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
    assert m, f"ping {' '.join(args)}: {r.stdout}{r.stderr}"
    return int(m.group(1)), int(m.group(2))


def stop(netns, guest):
    """Sends the "stop" datagram until the guest ends (UDP may be lost in a flood)."""
    for _ in range(30):
        in_ns(netns, "/usr/bin/python3", "-c",
              "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
              f"s.sendto(b'stop', ('{GUEST_IP}', 9999))")
        guest.thread.join(timeout=5)
        if not guest.thread.is_alive():
            return guest.res
    return guest.wait()


def proto_counters(console, proto):
    m = re.search(rf"^net: {proto} rx (\d+) tx (\d+) dropped (\d+) \(checksum (\d+), "
                  r"length (\d+), memory (\d+), routing (\d+), protocol (\d+), options (\d+), "
                  r"other (\d+)\)", console, re.M)
    assert m, f"no '{proto}' counters in the report"
    keys = ("rx", "tx", "dropped", "checksum", "length", "memory", "routing", "protocol",
            "options", "other")
    return dict(zip(keys, map(int, m.groups())))


def test_dhcp_and_slaac_over_user_networking(boot):
    # Ten seconds: SLAAC takes a router advertisement and 1 s of DAD.
    res = boot("netidle", "-- 10", extra=["-netdev", "user,id=n0",
                                         "-device", "virtio-net-pci,netdev=n0"])
    assert res.status == 0, explain(res)
    assert f"net: eth0 {GUEST_MAC} 10.0.2.15/24 gw 10.0.2.2 (dhcp)" in res.console, explain(res)
    # QEMU's user network advertises fec0::/64: SLAAC takes an address from it.
    assert re.search(r"^net: eth0 fec0::5054:ff:fe12:3456$", res.console, re.M | re.I), \
        explain(res)
    assert re.search(rf"^net: eth0 {GUEST_LL6}$", res.console, re.M | re.I), explain(res)


def test_no_dhcp_server_the_boot_goes_on(boot, netns):
    res = boot("netidle", "net.wait=3 -- 0", extra=[
        "-netdev", f"tap,id=n0,ifname={TAP},script=no,downscript=no",
        "-device", "virtio-net-pci,netdev=n0"], prefix=("ip", "netns", "exec", netns))
    assert res.status == 0, explain(res)
    assert "net: no DHCP lease after 3 s; the boot goes on" in res.console, explain(res)
    assert "netidle: serving" in res.console, explain(res)


def test_bad_addresses_are_refused_with_a_message(boot):
    res = boot("netidle", "net.ip=10.0.0.300/24 net.ip6=zz::1 net.dns=1.2.3.400 -- 0",
               extra=["-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0"])
    assert res.status == 0, explain(res)
    assert "bad IPv4 address or gateway '10.0.0.300/24'" in res.console, explain(res)
    assert "bad IPv6 address 'zz::1'" in res.console, explain(res)
    assert "bad DNS server '1.2.3.400'" in res.console, explain(res)


def test_ping_floods_and_malformed_frames(boot, netns):
    cmdline = (f"net.ip={GUEST_IP}/24 net.gw={HOST_IP} net.ip6={GUEST_IP6}/64 "
               f"-- {GUEST_SECONDS}")
    guest = BackgroundGuest(boot, "netidle", cmdline, extra=[
        "-netdev", f"tap,id=n0,ifname={TAP},script=no,downscript=no",
        "-device", "virtio-net-pci,netdev=n0"], prefix=("ip", "netns", "exec", netns))
    try:
        wait_reachable(netns, guest)
        assert ping(netns, "-c", "20", "-i", "0.05", GUEST_IP) == (20, 20)
        assert ping(netns, "-6", "-c", "10", "-i", "0.05", GUEST_IP6) == (10, 10)
        assert ping(netns, "-6", "-c", "5", "-i", "0.05", f"{GUEST_LL6}%{TAP}") == (5, 5)
        # Fragmented both ways: 8,000 bytes are six IPv4 fragments, 3,000 three IPv6 ones.
        assert ping(netns, "-c", "5", "-s", "8000", GUEST_IP) == (5, 5)
        assert ping(netns, "-6", "-c", "5", "-s", "3000", GUEST_IP6) == (5, 5)

        frames = [os.path.join(HERE, "net_frames.py"), TAP, GUEST_MAC, GUEST_IP]
        # The tap takes frames longer than the guest's MTU only for this part.
        in_ns(netns, "ip", "link", "set", TAP, "mtu", "9000", check=True)
        hostile = in_ns(netns, "/usr/bin/python3", *frames, "hostile", "20", check=True)
        in_ns(netns, "ip", "link", "set", TAP, "mtu", "1500", check=True)
        sent = dict(line.split() for line in hostile.stdout.splitlines())
        assert int(sent.get("ip4-bad-checksum", 0)) == 20, hostile.stdout
        # Still serving, both families.
        assert ping(netns, "-c", "10", "-i", "0.05", GUEST_IP) == (10, 10)
        assert ping(netns, "-6", "-c", "5", "-i", "0.05", GUEST_IP6) == (5, 5)

        flood = in_ns(netns, "/usr/bin/python3", *frames, "flood", "20000", check=True)
        assert "flood" in flood.stdout, flood.stdout
        # The flood's backlog (frames queued in the tap, the guest's ICMP errors
        # filling its tx ring) may cost a ping while it drains (seen once, 9 of 10):
        # the guest must answer again, then answer every ping.
        wait_reachable(netns, guest)
        assert ping(netns, "-c", "10", "-i", "0.05", GUEST_IP) == (10, 10)
    finally:
        res = stop(netns, guest)
    assert res.status == 0, explain(res)
    assert "netidle: stopped" in res.console, explain(res)
    # Each malformed kind the stack counts reached it and was counted, not crashed on.
    ip = proto_counters(res.console, "ip")
    assert ip["checksum"] >= 20, res.console[-3000:]
    assert ip["length"] >= 20, res.console[-3000:]
    assert proto_counters(res.console, "udp")["checksum"] >= 20, res.console[-3000:]
    assert proto_counters(res.console, "tcp")["checksum"] >= 20, res.console[-3000:]
    m = re.search(r"^net: eth0 virtio-net \S+ rx (\d+) frames", res.console, re.M)
    assert m and int(m.group(1)) > 1000, res.console[-3000:]


# ---- sockets: apps/netecho, a C library program ----------------------------

ECHO_PORT = 7


def client(netns, *args, host=GUEST_IP, timeout=600):
    r = in_ns(netns, "/usr/bin/python3", os.path.join(HERE, "net_client.py"), host,
              str(ECHO_PORT), *args, timeout=timeout)
    return r.stdout.strip() + r.stderr.strip()


class EchoGuest:
    """netecho on the tap, up and answering, ended by its "stop" datagram."""

    def __init__(self, boot, netns, args=""):
        self.netns = netns
        cmdline = f"net.ip={GUEST_IP}/24 net.gw={HOST_IP} net.ip6={GUEST_IP6}/64 -- {ECHO_PORT}"
        # The echo server is the threaded one, or with args "--epoll" the
        # one-thread edge-triggered epoll one.
        self.guest = BackgroundGuest(boot, "netecho", f"{cmdline} {args}", extra=[
            "-netdev", f"tap,id=n0,ifname={TAP},script=no,downscript=no",
            "-device", "virtio-net-pci,netdev=n0"], prefix=("ip", "netns", "exec", netns))

    def __enter__(self):
        up = client(self.netns, "wait", timeout=BOOT_TIMEOUT + 30)
        if up != "up":
            res = self.stop()
            pytest.fail(f"netecho never answered on port {ECHO_PORT}:\n" + explain(res))
        return self

    def stop(self):
        for _ in range(30):
            if not self.guest.thread.is_alive():
                break
            client(self.netns, "stop")
            self.guest.thread.join(timeout=5)
        return self.guest.wait()

    def __exit__(self, *exc):
        self.res = self.stop()


def served(res):
    m = re.search(r"netecho: served (\d+) connections, (\d+) bytes echoed, (\d+) still open",
                  res.console)
    assert m, explain(res)
    return tuple(map(int, m.groups()))


def test_tcp_64_mib_each_way_and_udp_both_families(boot, netns):
    with EchoGuest(boot, netns) as g:
        out = client(netns, "bulk", str(64 << 20))
        m = re.match(r"bulk sent (\w+) got (\w+) bytes (\d+)", out)
        assert m and m.group(1) == m.group(2) and int(m.group(3)) == 64 << 20, out
        out6 = client(netns, "bulk", str(1 << 20), host=GUEST_IP6)
        m = re.match(r"bulk sent (\w+) got (\w+) bytes (\d+)", out6)
        assert m and m.group(1) == m.group(2) and int(m.group(3)) == 1 << 20, out6
        assert client(netns, "udp") == "udp ping over udp"
        assert client(netns, "udp", host=GUEST_IP6) == "udp ping over udp"
    assert g.res.status == 0, explain(g.res)
    # Three connections: the readiness probe, then the two transfers.
    assert served(g.res) == (3, (64 << 20) + (1 << 20), 0), explain(g.res)


def test_10000_sequential_and_200_concurrent_connections(boot, netns):
    with EchoGuest(boot, netns) as g:
        assert client(netns, "sequential", "10000") == "sequential 10000 bad 0"
        assert client(netns, "concurrent", "200") == "concurrent 200 good 200"
        # TIME_WAIT PCBs from 10,000 closes did not use up the 512 PCBs: more still work.
        assert client(netns, "sequential", "100") == "sequential 100 bad 0"
    assert g.res.status == 0, explain(g.res)
    assert served(g.res)[0] == 1 + 10300 and served(g.res)[2] == 0, explain(g.res)


def test_guest_as_client(boot, netns):
    server = subprocess.Popen(["ip", "netns", "exec", netns, "/usr/bin/python3",
                               os.path.join(HERE, "net_client.py"), HOST_IP, "7070", "serve"],
                              stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(1)  # listening before the guest connects (it also retries nothing)
        with EchoGuest(boot, netns, f"connect {HOST_IP} 7070 {4 << 20}") as g:
            pass
        out, _ = server.communicate(timeout=120)
    finally:
        server.kill()
    assert g.res.status == 0, explain(g.res)
    assert f"netecho: client: {4 << 20} of {4 << 20} bytes came back, 0 wrong" in g.res.console, \
        explain(g.res)
    assert out.strip() == f"served {4 << 20}"


def test_bad_socket_calls_get_linuxs_errnos(boot):
    """The same program run on Linux gets the same errno for each (checked when written)."""
    res = boot("netecho", "-- --errors", extra=["-netdev", "user,id=n0",
                                                "-device", "virtio-net-pci,netdev=n0"])
    assert res.status == 0, explain(res)
    assert "netecho: 0 bad calls answered wrongly" in res.console, explain(res)
    assert len(re.findall(r"^netecho: .* ok \(", res.console, re.M)) >= 20, explain(res)


def test_readiness_poll_select_epoll_eventfd(boot):
    """The same checks pass when the program runs on Linux (checked when written)."""
    res = boot("netecho", "-- --readiness", extra=["-netdev", "user,id=n0",
                                                   "-device", "virtio-net-pci,netdev=n0"])
    assert res.status == 0, explain(res)
    assert "netecho: 0 readiness checks failed" in res.console, explain(res)
    assert len(re.findall(r"^netecho: .* ok$", res.console, re.M)) == 27, explain(res)


def test_epoll_server_one_thread_edge_triggered(boot, netns):
    with EchoGuest(boot, netns, "--epoll") as g:
        out = client(netns, "bulk", str(16 << 20))
        m = re.match(r"bulk sent (\w+) got (\w+) bytes (\d+)", out)
        assert m and m.group(1) == m.group(2) and int(m.group(3)) == 16 << 20, out
        assert client(netns, "concurrent", "200") == "concurrent 200 good 200"
        assert client(netns, "sequential", "1000") == "sequential 1000 bad 0"
        assert client(netns, "udp") == "udp ping over udp"
    assert g.res.status == 0, explain(g.res)
    assert served(g.res)[:2] == (1 + 1 + 200 + 1000, (16 << 20) + 200 * 65536 + 1000 * 100), \
        explain(g.res)


def test_peers_that_reset_mid_transfer(boot, netns):
    """Connections reset with data in flight both ways: the guest's threads end, nothing is
    left open, and it goes on serving."""
    with EchoGuest(boot, netns) as g:
        assert client(netns, "reset", "20") == "reset 20"
        out = client(netns, "bulk", str(4 << 20))
        m = re.match(r"bulk sent (\w+) got (\w+) bytes (\d+)", out)
        assert m and m.group(1) == m.group(2) and int(m.group(3)) == 4 << 20, out
        time.sleep(2)  # the reset connections' threads see their errors
    assert g.res.status == 0, explain(g.res)
    assert served(g.res)[0] == 1 + 20 + 1 and served(g.res)[2] == 0, explain(g.res)
