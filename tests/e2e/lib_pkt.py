#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Packet helpers for the tun46 end-to-end tests (standard library only).

  udp-send  --dst IP --port P --count N [--interval S] [--size B] [--tag T]
            datagrams carrying "T <seq>" padded to B bytes
  udp-recv  --port P [--count N] [--idle S] [--tag T]
            counts datagrams carrying tag T; prints
            "received R unique U lost L first F last X" (lost = gaps below
            the highest sequence seen + missing tail when --count is given)
  ip4ip6    --ifname IF --dst-mac MAC --src6 A --dst6 B --src4 C --dst4 D
            [--encaplimit N] [--count N] [--port P] [--tag T] [--ttl N] [--seq-base N]
            [--version V] [--bad-csum] [--gre HEX]
            [--size B] [--no-df] [--frag N [--order I,J,...] [--frag-id ID]]
            writes Ethernet/IPv6(nh 4, or nh 60 + RFC 2473 option)/IPv4/UDP
            frames with an AF_PACKET socket: a peer (or an attacker) on the WAN.
            --version puts V in the outer version nibble (EtherType stays
            0x86DD); --bad-csum makes the inner IPv4 header checksum wrong.
            The UDP payload carries "T <seq>" padded to B bytes (default 64).
            With --frag the outer packet is cut into N fragments (RFC 8200 4.5;
            the option, if any, before the fragment header as Linux sends it),
            sent in the given order of piece indexes (default 0..N-1), with
            fragment identification ID + seq.
            --gre HEX sends GRE over IPv6 (next header 47) with the GRE header
            HEX (e.g. 00000800, or 20000800 + key) in front of the IPv4 packet.
  udp4      --ifname IF --dst-mac MAC --src4 C --dst4 D [--count N] [--port P]
            [--tag T] [--ttl N] [--bad-csum]
            writes Ethernet/IPv4/UDP frames with an AF_PACKET socket (a LAN
            host sending to any MAC, with any header checksum).
  dhcp-discover --ifname IF [--count N]
            broadcasts DHCPDISCOVERs (0.0.0.0:68 -> 255.255.255.255:67) with
            an AF_PACKET socket, as a DHCP client without an address does.
  udp-send also takes [--broadcast] [--ttl N] (unicast and multicast TTL);
  udp-recv also takes [--group G --group-if A] (joins multicast group G).
"""
import argparse
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4_udp(src4, dst4, dport, payload, ttl=64, ident=1, sport=40000, bad_csum=False, df=True):
    udp_len = 8 + len(payload)
    src = socket.inet_aton(src4)
    dst = socket.inet_aton(dst4)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    uc = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", uc) + udp[8:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, ident, 0x4000 if df else 0, ttl, 17, 0, src, dst)
    hc = csum(hdr)
    if bad_csum:
        hc ^= 0x5A5A  # any other value is wrong
    hdr = hdr[:10] + struct.pack("!H", hc) + hdr[12:]
    return hdr + udp


def packet_socket(ifname):
    """An AF_PACKET socket bound to ifname and the interface's MAC."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    return s, s.getsockname()[4][:6]


def parse_mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def cmd_ip4ip6(a):
    mac = parse_mac(a.dst_mac)
    s, src_mac = packet_socket(a.ifname)
    src6 = socket.inet_pton(socket.AF_INET6, a.src6)
    dst6 = socket.inet_pton(socket.AF_INET6, a.dst6)
    for seq in range(a.count):
        payload = ("%s %d" % (a.tag, a.seq_base + seq)).encode().ljust(a.size, b".")
        inner = ipv4_udp(a.src4, a.dst4, a.port, payload, ttl=a.ttl, ident=seq + 1, bad_csum=a.bad_csum,
                         df=not a.no_df)
        tnh = 4
        if a.gre:
            inner = bytes.fromhex(a.gre) + inner
            tnh = 47
        if a.encaplimit is not None:
            # Destination Options: next header 4 (or 47), length 0, option type 4 length 1 value N, PadN 1 byte
            ext = bytes([tnh, 0, 4, 1, a.encaplimit, 1, 1, 0])
            nh = 60
        else:
            ext = b""
            nh = tnh
        if a.frag:
            for piece in fragments(inner, a.frag, a.order, a.frag_id + seq, tnh):
                # the options stay in front of the fragment header, which says IPv4
                hdrs = (bytes([44]) + ext[1:]) if ext else b""
                ip6 = struct.pack("!IHBB16s16s", 6 << 28, len(hdrs) + len(piece), 60 if ext else 44, 64, src6, dst6)
                s.send(mac + src_mac + struct.pack("!H", 0x86DD) + ip6 + hdrs + piece)
                time.sleep(0.001)
            continue
        plen = len(ext) + len(inner)
        ip6 = struct.pack("!IHBB16s16s", (a.version & 0xF) << 28, plen, nh, 64, src6, dst6)
        frame = mac + src_mac + struct.pack("!H", 0x86DD) + ip6 + ext + inner
        s.send(frame)
        time.sleep(0.001)
    print("sent %d" % a.count)


def cmd_udp4(a):
    mac = parse_mac(a.dst_mac)
    s, src_mac = packet_socket(a.ifname)
    for seq in range(a.count):
        payload = ("%s %d" % (a.tag, seq)).encode().ljust(64, b".")
        ip = ipv4_udp(a.src4, a.dst4, a.port, payload, ttl=a.ttl, ident=seq + 1, bad_csum=a.bad_csum)
        s.send(mac + src_mac + struct.pack("!H", 0x0800) + ip)
        time.sleep(0.001)
    print("sent %d" % a.count)


def cmd_dhcp_discover(a):
    s, src_mac = packet_socket(a.ifname)
    for seq in range(a.count):
        xid = 0x46460000 + seq
        bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0x8000, b"\0" * 4, b"\0" * 4,
                            b"\0" * 4, b"\0" * 4, src_mac.ljust(16, b"\0"), b"", b"")
        opts = b"\x63\x82\x53\x63" + bytes([53, 1, 1, 55, 3, 1, 3, 6, 255])
        ip = ipv4_udp("0.0.0.0", "255.255.255.255", 67, (bootp + opts).ljust(300, b"\0"), sport=68, ident=seq + 1)
        s.send(b"\xff" * 6 + src_mac + struct.pack("!H", 0x0800) + ip)
        time.sleep(0.2)
    print("sent %d" % a.count)


def fragments(data, n, order, ident, nh=4):
    """Fragment header (next header 4) + piece, for n pieces of data (all but
    the last a multiple of 8 bytes), in the order given ("2,0,1")."""
    step = (len(data) + n - 1) // n
    step = (step + 7) // 8 * 8
    cuts = [min(i * step, len(data)) for i in range(n)] + [len(data)]
    if any(cuts[i] >= cuts[i + 1] for i in range(n)):
        raise SystemExit("ip4ip6: %d bytes cannot be cut into %d fragments" % (len(data), n))
    idx = [int(x) for x in order.split(",")] if order else list(range(n))
    out = []
    for i in idx:
        mf = 1 if i + 1 < n else 0
        out.append(struct.pack("!BBHI", nh, 0, cuts[i] | mf, ident & 0xFFFFFFFF) + data[cuts[i]:cuts[i + 1]])
    return out


def cmd_udp_send(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if a.broadcast:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    if a.ttl is not None:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, a.ttl)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, a.ttl)
    errors = 0
    for seq in range(a.count):
        payload = ("%s %d " % (a.tag, seq)).encode().ljust(a.size, b"x")
        try:
            s.sendto(payload, (a.dst, a.port))
        except OSError:
            errors += 1
        if a.interval:
            time.sleep(a.interval)
    print("sent %d errors %d" % (a.count, errors))


def cmd_udp_recv(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(("0.0.0.0", a.port))
    if a.group:
        mreq = socket.inet_aton(a.group) + socket.inet_aton(a.group_if)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    s.settimeout(a.idle)
    seen = set()
    received = 0
    tag = a.tag.encode() + b" "
    deadline = time.time() + a.max_time
    while time.time() < deadline:
        try:
            data = s.recv(65536)
        except socket.timeout:
            if received or time.time() > deadline:
                break
            continue
        if not data.startswith(tag):
            continue
        received += 1
        try:
            seen.add(int(data[len(tag):].split(b" ", 1)[0].split(b".", 1)[0]))
        except ValueError:
            pass
        if a.count and len(seen) >= a.count:
            break
    hi = max(seen) + 1 if seen else 0
    total = max(hi, a.count or 0)
    lost = total - len(seen)
    first = min(seen) if seen else -1
    print("received %d unique %d lost %d first %d last %d" % (received, len(seen), lost, first, hi - 1))
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("udp-send")
    u.add_argument("--dst", required=True)
    u.add_argument("--port", type=int, required=True)
    u.add_argument("--count", type=int, default=100)
    u.add_argument("--interval", type=float, default=0.0)
    u.add_argument("--size", type=int, default=100)
    u.add_argument("--tag", default="t46")
    u.add_argument("--broadcast", action="store_true")
    u.add_argument("--ttl", type=int)
    r = sub.add_parser("udp-recv")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--count", type=int, default=0)
    r.add_argument("--idle", type=float, default=2.0)
    r.add_argument("--max-time", type=float, default=60.0)
    r.add_argument("--tag", default="t46")
    r.add_argument("--group")
    r.add_argument("--group-if", default="0.0.0.0")
    e = sub.add_parser("ip4ip6")
    e.add_argument("--ifname", required=True)
    e.add_argument("--dst-mac", required=True)
    e.add_argument("--src6", required=True)
    e.add_argument("--dst6", required=True)
    e.add_argument("--src4", required=True)
    e.add_argument("--dst4", required=True)
    e.add_argument("--encaplimit", type=int)
    e.add_argument("--count", type=int, default=1)
    e.add_argument("--port", type=int, default=4646)
    e.add_argument("--ttl", type=int, default=64)
    e.add_argument("--tag", default="t46")
    e.add_argument("--seq-base", type=int, default=0)
    e.add_argument("--version", type=int, default=6)
    e.add_argument("--bad-csum", action="store_true")
    e.add_argument("--size", type=int, default=64)
    e.add_argument("--no-df", action="store_true")
    e.add_argument("--frag", type=int, default=0)
    e.add_argument("--order", default="")
    e.add_argument("--frag-id", type=int, default=0x4600)
    e.add_argument("--gre", default="")
    f = sub.add_parser("udp4")
    f.add_argument("--ifname", required=True)
    f.add_argument("--dst-mac", required=True)
    f.add_argument("--src4", required=True)
    f.add_argument("--dst4", required=True)
    f.add_argument("--count", type=int, default=1)
    f.add_argument("--port", type=int, default=4646)
    f.add_argument("--ttl", type=int, default=64)
    f.add_argument("--tag", default="t46")
    f.add_argument("--bad-csum", action="store_true")
    d = sub.add_parser("dhcp-discover")
    d.add_argument("--ifname", required=True)
    d.add_argument("--count", type=int, default=1)
    a = p.parse_args()
    cmds = {
        "udp-send": cmd_udp_send,
        "udp-recv": cmd_udp_recv,
        "ip4ip6": cmd_ip4ip6,
        "udp4": cmd_udp4,
        "dhcp-discover": cmd_dhcp_discover,
    }
    cmds[a.cmd](a)


if __name__ == "__main__":
    main()
