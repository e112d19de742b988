#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""net_frames: Ethernet frames written straight into a tap device, for the
network tests (run inside the test's network namespace, as root).

    net_frames.py IFACE GUEST_MAC GUEST_IP hostile ROUNDS
    net_frames.py IFACE GUEST_MAC GUEST_IP flood COUNT

hostile: ROUNDS rounds of every kind of malformed frame below, 1 ms apart
(slow enough that none is lost before the guest sees it). flood: COUNT
well-formed UDP datagrams to a closed port as fast as the socket takes
them (more than the guest's receive ring holds). Prints what it sent, one
`kind count` line each; exit 0, or 2 for bad usage.
"""
import os
import random
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac_bytes(text):
    return bytes(int(b, 16) for b in text.split(":"))


class Frames:
    def __init__(self, iface, guest_mac, guest_ip):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.sock.bind((iface, 0))
        self.src_mac = self.sock.getsockname()[4][:6]
        self.dst_mac = mac_bytes(guest_mac)
        self.dst_ip = socket.inet_aton(guest_ip)
        self.src_ip = socket.inet_aton(guest_ip.rsplit(".", 1)[0] + ".1")
        self.rng = random.Random(7)

    def eth(self, ethertype, payload):
        return self.dst_mac + self.src_mac + struct.pack("!H", ethertype) + payload

    def ip4(self, proto, payload, total=None, ihl=5, good_sum=True, flags_frag=0):
        total = 20 + len(payload) if total is None else total
        hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, self.rng.randrange(65536),
                          flags_frag, 64, proto, 0, self.src_ip, self.dst_ip)
        s = checksum(hdr) ^ (0 if good_sum else 0x5A5A)
        return hdr[:10] + struct.pack("!H", s) + hdr[12:] + payload

    def udp(self, port, data, length=None, good_sum=True):
        length = 8 + len(data) if length is None else length
        hdr = struct.pack("!HHHH", 40000, port, length, 0)
        pseudo = self.src_ip + self.dst_ip + struct.pack("!BBH", 0, 17, 8 + len(data))
        s = checksum(pseudo + hdr + data) ^ (0 if good_sum else 0x1234) or 0xFFFF
        return hdr[:6] + struct.pack("!H", s) + data

    def tcp_syn(self, good_sum=True, offset=5):
        hdr = struct.pack("!HHIIBBHHH", 40001, 80, 1, 0, offset << 4, 0x02, 65535, 0, 0)
        pseudo = self.src_ip + self.dst_ip + struct.pack("!BBH", 0, 6, len(hdr))
        s = checksum(pseudo + hdr) ^ (0 if good_sum else 0x4321)
        return hdr[:16] + struct.pack("!H", s) + hdr[18:]

    def send(self, frame):
        try:
            self.sock.send(frame)
            return True
        except OSError:
            return False  # the tap refused it (too long for its MTU, say): not the guest's test


def hostile_kinds(f):
    """Each kind of malformed frame, as a function returning one frame."""
    return {
        "runt": lambda: f.dst_mac + f.src_mac[:3],
        "eth-only": lambda: f.eth(0x0800, b""),
        "ip4-truncated-header": lambda: f.eth(0x0800, f.ip4(17, b"")[:11]),
        "ip4-bad-checksum": lambda: f.eth(0x0800, f.ip4(1, b"\x08\0\0\0\0\0\0\0",
                                                     good_sum=False)),
        "ip4-length-past-frame": lambda: f.eth(0x0800, f.ip4(17, f.udp(7, b"x" * 16),
                                                          total=1400)),
        "ip4-length-below-header": lambda: f.eth(0x0800, f.ip4(17, f.udp(7, b"x"), total=12)),
        "ip4-bad-ihl": lambda: f.eth(0x0800, f.ip4(17, f.udp(7, b"x" * 40), ihl=15)),
        "ip4-ihl-below-5": lambda: f.eth(0x0800, f.ip4(17, f.udp(7, b"x" * 8), ihl=3)),
        "udp-bad-checksum": lambda: f.eth(0x0800, f.ip4(17, f.udp(9, b"hello",
                                                               good_sum=False))),
        "udp-length-past-ip": lambda: f.eth(0x0800, f.ip4(17, f.udp(9, b"hi", length=900))),
        "tcp-bad-checksum": lambda: f.eth(0x0800, f.ip4(6, f.tcp_syn(good_sum=False))),
        "tcp-bad-offset": lambda: f.eth(0x0800, f.ip4(6, f.tcp_syn(offset=15))),
        "icmp-truncated": lambda: f.eth(0x0800, f.ip4(1, b"\x08")),
        "frag-overlapping": lambda: f.eth(0x0800, f.ip4(17, b"z" * 64, flags_frag=0x2000 | 3)),
        "arp-truncated": lambda: f.eth(0x0806, b"\x00\x01\x08\x00\x06\x04\x00"),
        "ip6-length-past-frame": lambda: f.eth(0x86DD, struct.pack("!IHBB", 6 << 28, 4000, 17, 64)
                                               + b"\xfe\x80" + b"\0" * 14 + b"\xff" * 16),
        "ip6-truncated": lambda: f.eth(0x86DD, b"\x60\0\0"),
        "oversized": lambda: f.eth(0x0800, f.ip4(17, f.udp(7, b"o" * 4000))),
        "random-bytes": lambda: f.eth(f.rng.choice((0x0800, 0x0806, 0x86DD, 0x1234)),
                                      bytes(f.rng.randrange(256)
                                            for _ in range(f.rng.randrange(1, 1500)))),
    }


def main(argv):
    if len(argv) != 6 or argv[4] not in ("hostile", "flood") or not argv[5].isdigit():
        print(__doc__, file=sys.stderr)
        return 2
    f = Frames(argv[1], argv[2], argv[3])
    count = int(argv[5])
    sent = {}
    if argv[4] == "hostile":
        kinds = hostile_kinds(f)
        for _ in range(count):
            for kind, make in kinds.items():
                if f.send(make()):
                    sent[kind] = sent.get(kind, 0) + 1
                time.sleep(0.001)
    else:
        frame = f.eth(0x0800, f.ip4(17, f.udp(9, b"f" * 64)))
        deadline = time.monotonic() + 60
        for _ in range(count):
            if time.monotonic() > deadline:
                break
            if f.send(frame):
                sent["flood"] = sent.get("flood", 0) + 1
    for kind, n in sent.items():
        print(kind, n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
