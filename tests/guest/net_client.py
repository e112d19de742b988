#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""net_client: the host side of the echo tests (run inside the test's
network namespace): each mode prints one line of results.

    net_client.py HOST PORT wait              until a TCP connection succeeds (120 s)
    net_client.py HOST PORT bulk BYTES        BYTES of random data there and back
    net_client.py HOST PORT sequential COUNT  COUNT connections one after another
    net_client.py HOST PORT concurrent COUNT  COUNT connections at once, 64 KiB each
    net_client.py HOST PORT reset COUNT       COUNT connections reset (RST) mid-transfer
    net_client.py HOST PORT udp               one datagram there and back
    net_client.py HOST PORT stop              the datagram that ends netecho
    net_client.py HOST PORT serve             echo one TCP connection (the guest is the client)

HOST may be IPv6. Every socket has a timeout: nothing here hangs.
"""
import hashlib
import os
import socket
import struct
import sys
import threading
import time

TIMEOUT = 120


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def echo_once(host, port, data):
    """Sends @data on a new connection, half-closes, reads the echo: (sent hash, got hash)."""
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    got = bytearray()

    def reader():
        while True:
            b = s.recv(65536)
            if not b:
                return
            got.extend(b)
    t = threading.Thread(target=reader)
    t.start()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    t.join(TIMEOUT)
    s.close()
    return hashlib.sha256(data).hexdigest(), hashlib.sha256(got).hexdigest(), len(got)


def main(argv):
    host, port, mode = argv[1], int(argv[2]), argv[3]
    if mode == "wait":
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                socket.create_connection((host, port), timeout=2).close()
                print("up")
                return 0
            except OSError:
                time.sleep(0.5)
        print("down")
        return 1
    if mode == "bulk":
        n = int(argv[4])
        start = time.monotonic()
        sent, got, length = echo_once(host, port, os.urandom(n))
        print(f"bulk sent {sent} got {got} bytes {length} MBps "
              f"{length / 1e6 / (time.monotonic() - start):.1f}")
    elif mode == "sequential":
        n, bad = int(argv[4]), 0
        for i in range(n):
            sent, got, _ = echo_once(host, port, i.to_bytes(4, "little") * 25)
            bad += sent != got
        print(f"sequential {n} bad {bad}")
    elif mode == "concurrent":
        n, results = int(argv[4]), []
        threads = [threading.Thread(target=lambda: results.append(
            echo_once(host, port, os.urandom(65536)))) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT)
        good = sum(1 for sent, got, _ in results if sent == got)
        print(f"concurrent {n} good {good}")
    elif mode == "reset":
        n = int(argv[4])
        for _ in range(n):
            s = socket.create_connection((host, port), timeout=TIMEOUT)
            s.sendall(os.urandom(1 << 20))
            s.recv(1000)  # the echo is flowing back
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()  # linger 0: a reset, with data in flight both ways
        print(f"reset {n}")
    elif mode in ("udp", "stop"):
        s = socket.socket(family(host), socket.SOCK_DGRAM)
        s.settimeout(10)
        if mode == "stop":
            s.sendto(b"stop", (host, port))
            print("stop sent")
            return 0
        s.sendto(b"ping over udp", (host, port))
        data, _ = s.recvfrom(100)
        print(f"udp {data.decode()}")
    elif mode == "serve":
        l = socket.socket(family(host), socket.SOCK_STREAM)
        l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        l.bind((host, port))
        l.listen(1)
        l.settimeout(TIMEOUT)
        c, _ = l.accept()
        c.settimeout(TIMEOUT)
        total = 0
        while True:
            b = c.recv(65536)
            if not b:
                break
            c.sendall(b)
            total += len(b)
        c.close()
        print(f"served {total}")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
