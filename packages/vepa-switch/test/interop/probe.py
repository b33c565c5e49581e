#!/usr/bin/env python3
"""Send one raw Ethernet frame and report which interfaces saw it (interop test helper).

Run inside the test's network namespace as root:

    ip netns exec NS python3 probe.py --send mv1 --dst 02:00:00:00:00:02 \
        --src 02:00:00:00:00:01 --listen mv1,mv2,sw0 [--ethertype 0x88b5] [--wait 0.3]

Opens an AF_PACKET receive socket on every --listen interface, sends ONE frame (the given
addresses, the EtherType, a random nonce in the payload) out of --send, waits --wait seconds
(and --wait after the last copy seen) and prints JSON: {"nonce": "...", "seen": {"IF": {"in": N, "out": N}}} ("down": true is added
for an interface that is down). "out" counts copies
the interface transmitted (pkttype PACKET_OUTGOING), "in" copies it received. Frames with
another EtherType or nonce are ignored. Python 3 standard library only; not published.
"""

import argparse
import errno
import json
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
MAGIC = b"dynvepa-probe"


def mac_bytes(text: str) -> bytes:
    parts = text.split(":")
    if len(parts) != 6:
        raise ValueError(f"bad MAC {text!r}")
    return bytes(int(p, 16) for p in parts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--send", required=True, help="interface to send the frame out of")
    ap.add_argument("--dst", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--listen", required=True, help="comma-separated interfaces to watch")
    ap.add_argument("--ethertype", default="0x88b5")
    ap.add_argument("--wait", type=float, default=0.3, help="seconds to wait after sending")
    args = ap.parse_args()

    ethertype = int(args.ethertype, 0)
    nonce = os.urandom(8)
    payload = MAGIC + nonce
    frame = mac_bytes(args.dst) + mac_bytes(args.src) + struct.pack("!H", ethertype) + payload
    frame = frame.ljust(60, b"\0")  # minimum Ethernet frame without FCS

    names = [n for n in args.listen.split(",") if n]
    socks = {}
    opened = []
    for name in names:
        # Protocol 0 until bound: the socket receives nothing from other interfaces meanwhile.
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        s.bind((name, ETH_P_ALL))
        s.setblocking(False)
        opened.append(s)
        socks[s.fileno()] = (name, s)
    seen = {name: {"in": 0, "out": 0} for name in names}

    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    tx.bind((args.send, 0))
    tx.send(frame)
    tx.close()

    # Wait --wait seconds after sending, and as long again after the last matching copy (group
    # frames are replicated by a kernel work queue, late under load), at most 10 x --wait.
    start = time.monotonic()
    deadline = start + args.wait
    while True:
        now = time.monotonic()
        left = min(deadline, start + 10 * args.wait) - now
        if left <= 0:
            break
        ready, _, _ = select.select(list(socks), [], [], left)
        for fd in ready:
            name, s = socks[fd]
            while True:
                try:
                    data, addr = s.recvfrom(65535)
                except BlockingIOError:
                    break
                except OSError as e:
                    if e.errno != errno.ENETDOWN:
                        raise
                    # Bound to a down interface: it receives nothing; stop watching it.
                    seen[name]["down"] = True
                    del socks[fd]
                    break
                if len(data) < 14 + len(payload):
                    continue
                if struct.unpack("!H", data[12:14])[0] != ethertype:
                    continue
                if data[14 : 14 + len(payload)] != payload:
                    continue
                seen[name]["out" if addr[2] == PACKET_OUTGOING else "in"] += 1
                deadline = max(deadline, time.monotonic() + args.wait)
    for s in opened:
        s.close()
    json.dump({"nonce": nonce.hex(), "seen": seen}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
