#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Freeze, dump and restore a live TCP connection with Linux TCP_REPAIR (root: CAP_NET_ADMIN).

Node.js has no setsockopt, so the kernel side of @dyninfra/tcp-state-transfer's migration lives
here, in the Python standard library only. The snapshot is JSON with the fields of the package's
`TcpRepairSnapshot` (CRIU's tcp_stream_entry / inet_sk_entry; sequence numbers as libsoccr keeps
them), the queue bytes in base64.

  tcp-repair.py dump --pid PID --local ADDR:PORT --remote ADDR:PORT [--out FILE]
      Takes a copy of process PID's socket for that connection (pidfd_getfd), puts the connection
      in repair mode — frozen: the kernel sends nothing for it any more, and closing it later sends
      neither FIN nor RST — and writes its snapshot.

  tcp-repair.py thaw --pid PID --local ADDR:PORT --remote ADDR:PORT
      Takes process PID's connection out of repair mode where it is (a migration abandoned after
      the dump): the kernel sends a window probe and the owner's socket works again.

  tcp-repair.py restore FILE [--fd N] [--no-announce] -- COMMAND [ARG...]
      Recreates the connection from a snapshot (the local address must exist here; a link-local
      one with its zone, fe80::1%eth0, on an interface of that name): the send
      queue's sent part in repair mode, its unsent part (unsq_len) written once repair mode is
      left, so that the kernel sends it as the peer's window allows. Announces the local address
      from this host's interface (a gratuitous ARP for IPv4, an unsolicited Neighbor
      Advertisement with the Override flag for IPv6: the neighbour's cache may still name the old
      host's MAC address) unless --no-announce, leaves repair mode (the kernel sends a window
      probe) and runs COMMAND with the socket as descriptor N (default 3).

Errors go to stderr as one line `tcp-repair: <what>` with exit status 1.
"""

import argparse
import base64
import ctypes
import fcntl
import ipaddress
import json
import os
import socket
import struct
import subprocess
import sys

# linux/tcp.h
TCP_MAXSEG = 2
TCP_INFO = 11
TCP_REPAIR = 19
TCP_REPAIR_QUEUE = 20
TCP_QUEUE_SEQ = 21
TCP_REPAIR_OPTIONS = 22
TCP_TIMESTAMP = 24
TCP_REPAIR_WINDOW = 29
TCP_RECV_QUEUE = 1
TCP_SEND_QUEUE = 2
TCPOPT_MSS = 2
TCPOPT_WINDOW = 3
TCPOPT_SACK_PERM = 4
TCPOPT_TIMESTAMP = 8
TCPI_OPT_TIMESTAMPS = 1
TCPI_OPT_SACK = 2
TCPI_OPT_WSCALE = 4
TCP_ESTABLISHED = 1
# asm-generic/ioctls.h, linux/sockios.h
SIOCINQ = 0x541B
SIOCOUTQ = 0x5411
SIOCOUTQNSD = 0x894B
SO_SNDBUFFORCE = 32
SO_RCVBUFFORCE = 33
ETH_P_ARP = 0x0806
ICMPV6_NA = 136
NA_OVERRIDE = 0x20000000
ND_OPT_TARGET_LL = 2
IPV6_MULTICAST_IF = 17
IPV6_MULTICAST_HOPS = 18
SYS_PIDFD_GETFD = 438  # x86-64 and aarch64 alike (asm-generic numbering since 5.6)
SNAPSHOT_VERSION = 1


class RepairError(Exception):
    pass


def endpoint(text):
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    try:
        return str(ipaddress.ip_address(host)), int(port)
    except ValueError as e:
        raise RepairError(f"bad endpoint {text!r}: {e}") from e


def unscoped(ep):
    """An endpoint without its address's zone (fe80::1%eth0): /proc does not show it."""
    return ep[0].split("%")[0], ep[1]


def sockaddr(ep):
    """The socket address of an endpoint: a link-local one (fe80::1%eth0) with its interface's
    scope id (Python's socket module would leave it 0, which the kernel refuses)."""
    host, port = ep
    if "%" not in host:
        return host, port
    addr, zone = host.split("%", 1)
    try:
        return addr, port, 0, socket.if_nametoindex(zone)
    except OSError as e:
        raise RepairError(f"no interface {zone} for {host}: {e}") from e


def proc_tcp_inode(pid, local, remote):
    """The inode of the socket of (local, remote) in PID's network namespace."""
    want = (unscoped(local), unscoped(remote))
    for table, fam in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        try:
            lines = open(f"/proc/{pid}/net/{table}").read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            pair = tuple(hex_endpoint(x, fam) for x in (f[1], f[2]))
            if pair == want and f[3] == "01":  # ESTABLISHED
                return int(f[9])
    raise RepairError(f"no established connection {local} -> {remote} in process {pid}")


def hex_endpoint(text, fam):
    addr, port = text.split(":")
    raw = bytes.fromhex(addr)
    # /proc shows the address as host-order 32-bit words.
    raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    ip = ipaddress.ip_address(raw if fam == socket.AF_INET6 else raw[:4])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return str(ip), int(port, 16)


def steal_fd(pid, inode):
    """A copy of PID's descriptor of socket INODE (pidfd_getfd, Linux >= 5.6)."""
    target = None
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{name}") == f"socket:[{inode}]":
                target = int(name)
                break
        except OSError:
            continue
    if target is None:
        raise RepairError(f"process {pid} holds no descriptor of socket inode {inode}")
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        fd = libc.syscall(SYS_PIDFD_GETFD, pidfd, target, 0)
        if fd < 0:
            err = ctypes.get_errno()
            raise RepairError(f"pidfd_getfd({pid}, {target}): {os.strerror(err)}")
        return fd
    finally:
        os.close(pidfd)


def ioctl_int(sock, req):
    return struct.unpack("i", fcntl.ioctl(sock.fileno(), req, b"\0" * 4))[0]


def queue(sock, which, length):
    sock.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, which)
    seq = struct.unpack("I", sock.getsockopt(socket.IPPROTO_TCP, TCP_QUEUE_SEQ, 4))[0]
    data = b""
    while len(data) < length:
        chunk = sock.recv(length - len(data), socket.MSG_PEEK | socket.MSG_DONTWAIT)
        if not chunk or len(chunk) == len(data):
            break
        data = chunk  # MSG_PEEK reads from the start each time
    if len(data) != length:
        raise RepairError(f"queue {which}: read {len(data)} of {length} bytes")
    return seq, data


def dump(args):
    local, remote = endpoint(args.local), endpoint(args.remote)
    fd = steal_fd(args.pid, proc_tcp_inode(args.pid, local, remote))
    sock = socket.socket(fileno=fd)
    sock.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 1)
    info = sock.getsockopt(socket.IPPROTO_TCP, TCP_INFO, 104)
    state, options, wscale = info[0], info[5], info[6]
    if state != TCP_ESTABLISHED:
        raise RepairError(f"connection is in TCP state {state}, not ESTABLISHED")
    inq_len = ioctl_int(sock, SIOCINQ)
    outq_len = ioctl_int(sock, SIOCOUTQ)
    unsq_len = ioctl_int(sock, SIOCOUTQNSD)
    inq_seq, inq = queue(sock, TCP_RECV_QUEUE, inq_len)
    outq_seq, outq = queue(sock, TCP_SEND_QUEUE, outq_len)
    mss = struct.unpack("i", sock.getsockopt(socket.IPPROTO_TCP, TCP_MAXSEG, 4))[0]
    ts = struct.unpack("I", sock.getsockopt(socket.IPPROTO_TCP, TCP_TIMESTAMP, 4))[0]
    snd_wl1, snd_wnd, max_window, rcv_wnd, rcv_wup = struct.unpack(
        "5I", sock.getsockopt(socket.IPPROTO_TCP, TCP_REPAIR_WINDOW, 20)
    )
    snapshot = {
        "version": SNAPSHOT_VERSION,
        "state": "ESTABLISHED",
        "src_addr": local[0],
        "src_port": local[1],
        "dst_addr": remote[0],
        "dst_port": remote[1],
        "inq_seq": inq_seq,
        "inq_len": inq_len,
        "outq_seq": outq_seq,
        "outq_len": outq_len,
        "unsq_len": unsq_len,
        "opt_mask": options,
        "snd_wscale": wscale & 0xF,
        "rcv_wscale": wscale >> 4,
        "mss_clamp": mss,
        "timestamp": ts,
        "snd_wl1": snd_wl1,
        "snd_wnd": snd_wnd,
        "max_window": max_window,
        "rcv_wnd": rcv_wnd,
        "rcv_wup": rcv_wup,
        "inq": base64.b64encode(inq).decode(),
        "outq": base64.b64encode(outq).decode(),
    }
    # Our copy goes; the owner's descriptor stays, frozen (its close will be silent).
    sock.detach()
    os.close(fd)
    text = json.dumps(snapshot)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        print(text)


def thaw(args):
    local, remote = endpoint(args.local), endpoint(args.remote)
    fd = steal_fd(args.pid, proc_tcp_inode(args.pid, local, remote))
    sock = socket.socket(fileno=fd)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 0)
    finally:
        sock.detach()
        os.close(fd)


def u32(v):
    """A 32-bit unsigned option value (as bytes: setsockopt takes a Python int as a C int)."""
    return struct.pack("I", v & 0xFFFFFFFF)


def field(s, name, kind=int):
    v = s.get(name)
    if not isinstance(v, kind):
        raise RepairError(f"snapshot field {name}: expected {kind.__name__}, got {v!r}")
    return v


def egress(src, dst):
    """The interface this host reaches DST from SRC through (`ip route get`)."""
    try:
        out = subprocess.run(
            ["ip", "-j", "route", "get", dst, "from", src],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return json.loads(out)[0]["dev"]
    except (OSError, subprocess.CalledProcessError, ValueError, LookupError) as e:
        raise RepairError(f"no interface towards {dst} from {src}: {e}") from e


def announce(src, dst):
    """Tells the link that SRC is at this host's MAC address now (see the module's help)."""
    # A link-local connection names its interface (fe80::1%eth0); route lookups do not take it.
    dev = dst.split("%")[1] if "%" in dst else egress(src, dst)
    src = src.split("%")[0]
    try:
        mac = bytes.fromhex(open(f"/sys/class/net/{dev}/address").read().strip().replace(":", ""))
    except (OSError, ValueError) as e:
        raise RepairError(f"no MAC address for interface {dev}: {e}") from e
    if len(mac) != 6:
        raise RepairError(f"interface {dev} has no Ethernet address")
    ip = ipaddress.ip_address(src)
    if ip.version == 4:
        # RFC 5227 section 3 (ARP Announcement) as a request, and the same as a reply: stacks
        # that ignore the one update their cache from the other.
        with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP)) as p:
            p.bind((dev, ETH_P_ARP))
            for op in (1, 2):
                arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + mac + ip.packed
                arp += (b"\0" * 6 if op == 1 else b"\xff" * 6) + ip.packed
                p.send(b"\xff" * 6 + mac + struct.pack("!H", ETH_P_ARP) + arp)
    else:
        # RFC 4861 section 7.2.6: to all nodes, hop limit 255; the kernel fills in the checksum.
        with socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6) as p:
            index = socket.if_nametoindex(dev)
            p.setsockopt(socket.IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255)
            p.setsockopt(socket.IPPROTO_IPV6, IPV6_MULTICAST_IF, index)
            p.bind((src, 0, 0, index))
            na = struct.pack("!BBHI", ICMPV6_NA, 0, 0, NA_OVERRIDE) + ip.packed
            na += struct.pack("!BB", ND_OPT_TARGET_LL, 1) + mac
            p.sendto(na, ("ff02::1", 0, 0, index))


def restore(args):
    try:
        s = json.load(open(args.file))
    except (OSError, ValueError) as e:
        raise RepairError(f"cannot read snapshot {args.file}: {e}") from e
    if s.get("version") != SNAPSHOT_VERSION or s.get("state") != "ESTABLISHED":
        raise RepairError(f"snapshot version {s.get('version')} / state {s.get('state')}: unsupported")
    src = (field(s, "src_addr", str), field(s, "src_port"))
    dst = (field(s, "dst_addr", str), field(s, "dst_port"))
    inq = base64.b64decode(field(s, "inq", str))
    outq = base64.b64decode(field(s, "outq", str))
    fam = socket.AF_INET6 if ":" in src[0] else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_STREAM)
    tcp = socket.IPPROTO_TCP
    sock.setsockopt(tcp, TCP_REPAIR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Sequence numbers of the queues' first bytes (libsoccr): the queues are refilled below.
    sock.setsockopt(tcp, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE)
    sock.setsockopt(tcp, TCP_QUEUE_SEQ, u32(field(s, "inq_seq") - len(inq)))
    sock.setsockopt(tcp, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE)
    sock.setsockopt(tcp, TCP_QUEUE_SEQ, u32(field(s, "outq_seq") - len(outq)))
    try:
        sock.bind(sockaddr(src))
        sock.connect(sockaddr(dst))  # in repair mode: ESTABLISHED at once, no packet sent
    except OSError as e:
        raise RepairError(f"bind/connect {src} -> {dst}: {e}") from e
    opts = [(TCPOPT_MSS, field(s, "mss_clamp"))]
    mask = field(s, "opt_mask")
    if mask & TCPI_OPT_WSCALE:
        opts.append((TCPOPT_WINDOW, field(s, "snd_wscale") | (field(s, "rcv_wscale") << 16)))
    if mask & TCPI_OPT_SACK:
        opts.append((TCPOPT_SACK_PERM, 0))
    if mask & TCPI_OPT_TIMESTAMPS:
        opts.append((TCPOPT_TIMESTAMP, 0))
    sock.setsockopt(tcp, TCP_REPAIR_OPTIONS, b"".join(struct.pack("II", *o) for o in opts))
    if mask & TCPI_OPT_TIMESTAMPS:
        sock.setsockopt(tcp, TCP_TIMESTAMP, u32(field(s, "timestamp")))
    # The send queue's tail was never sent (SIOCOUTQNSD at the dump): restored as sent, the
    # kernel would take it for in flight, beyond what the peer's window allowed.
    unsent = field(s, "unsq_len")
    if not 0 <= unsent <= len(outq):
        raise RepairError(f"snapshot field unsq_len: {unsent} outside the send queue ({len(outq)})")
    sent_part, unsent_part = outq[: len(outq) - unsent], outq[len(outq) - unsent :]
    # Room for each whole queue with the kernel's per-buffer overhead (else a large queue's
    # refill waits for memory in repair mode, where nothing is ever acknowledged). The value
    # asked for is doubled by the kernel; the FORCE options pass the sysctl limits (root).
    for get, force, data in ((socket.SO_SNDBUF, SO_SNDBUFFORCE, outq), (socket.SO_RCVBUF, SO_RCVBUFFORCE, inq)):
        if sock.getsockopt(socket.SOL_SOCKET, get) < 4 * len(data):
            sock.setsockopt(socket.SOL_SOCKET, force, 2 * len(data))
    for which, data in ((TCP_RECV_QUEUE, inq), (TCP_SEND_QUEUE, sent_part)):
        sock.setsockopt(tcp, TCP_REPAIR_QUEUE, which)
        sent = 0
        while sent < len(data):
            sent += sock.send(data[sent:])
    # After the queues (as libsoccr): the kernel checks the window against rcv_nxt, which the
    # receive queue's bytes advance.
    window = [field(s, k) for k in ("snd_wl1", "snd_wnd", "max_window", "rcv_wnd", "rcv_wup")]
    sock.setsockopt(tcp, TCP_REPAIR_WINDOW, struct.pack("5I", *window))
    if args.announce:
        try:
            announce(src[0], dst[0])
        except (RepairError, OSError) as e:
            # The connection is whole; only the neighbour's cache may lag (until it probes).
            print(f"tcp-repair: warning: address not announced: {e}", file=sys.stderr)
    sock.setsockopt(tcp, TCP_REPAIR, 0)  # leaves repair mode: window probe
    if unsent_part:
        sock.settimeout(30)
        try:
            sock.sendall(unsent_part)
        except OSError as e:
            raise RepairError(f"writing the {unsent} unsent bytes: {e}") from e
        sock.settimeout(None)
    fd = sock.detach()
    if fd != args.fd:
        os.dup2(fd, args.fd)
        os.close(fd)
    os.set_inheritable(args.fd, True)
    os.execvp(args.command[0], args.command)


def main():
    p = argparse.ArgumentParser(prog="tcp-repair.py", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--pid", type=int, required=True)
    d.add_argument("--local", required=True)
    d.add_argument("--remote", required=True)
    d.add_argument("--out")
    t = sub.add_parser("thaw")
    t.add_argument("--pid", type=int, required=True)
    t.add_argument("--local", required=True)
    t.add_argument("--remote", required=True)
    r = sub.add_parser("restore")
    r.add_argument("file")
    r.add_argument("--fd", type=int, default=3)
    r.add_argument("--no-announce", dest="announce", action="store_false")
    r.add_argument("command", nargs="+")
    args = p.parse_args()
    try:
        {"dump": dump, "thaw": thaw, "restore": restore}[args.cmd](args)
    except (RepairError, OSError) as e:
        print(f"tcp-repair: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
