#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Tunnels inside the tunnel (issue 8 item 7), in every mode:
#  1. a VXLAN tunnel between h1 and h2 whose underlay (192.168.1.2 <->
#     192.168.2.2) is a tun46 route: ping and TCP both ways;
#  2. a VXLAN tunnel of the router r1 itself (192.168.1.1 <-> h2): the kernel
#     routes its packets into the tunnel device, so tc_tun encapsulates them;
#  3. checksums: with host offloads off and TX checksum offload off on the
#     routers' LAN ports (partial checksums are finished there, from
#     csum_start/csum_offset as tun46 left them), a capture at the far host
#     must show every IPv4, UDP, TCP and ICMP checksum right, inner and outer;
#     in mode tc this phase also covers GRO-merged nested traffic (r1 has a
#     VXLAN socket on port 4789, so its LAN port merges h1's VXLAN frames into
#     encapsulated GSO packets).
# The kernel marks such packets encapsulated; bpf_skb_adjust_room() refuses
# them (-EALREADY): encap_drop_adjust and encap_drop_nested_gso must stay 0.
# GRE and IPIP cannot be tested here (this kernel has no ip_gre/ipip).
. "$(dirname "$0")/lib.sh"
e2e_require nested

# tun46's MTU (1460) less what VXLAN adds: outer IPv4 20 + UDP 8 + VXLAN 8 +
# inner Ethernet 14
VX_MTU=1410
VX_PORT=4789

# vxlan_up NS DEV VNI LOCAL4 REMOTE4 ADDR/PLEN [vxlan options...]
vxlan_up() {
	local ns=$1 dev=$2 vni=$3 lo=$4 re=$5 addr=$6
	shift 6
	ip -n "$ns" link add "$dev" type vxlan id "$vni" local "$lo" remote "$re" dstport "$VX_PORT" "$@" || return 1
	ip -n "$ns" link set "$dev" mtu "$VX_MTU" up || return 1
	ip -n "$ns" addr add "$addr" dev "$dev"
}

nested_up() {
	# 1. h1 <-> h2, outer UDP checksums on (UDP_TUNNEL_CSUM GSO)
	vxlan_up "$H1" vx0 42 192.168.1.2 192.168.2.2 10.99.0.1/24 udpcsum &&
		vxlan_up "$H2" vx0 42 192.168.2.2 192.168.1.2 10.99.0.2/24 udpcsum &&
		# 2. r1's own tunnel to h2 (no outer UDP checksum: UDP_TUNNEL GSO)
		vxlan_up "$R1" vx1 43 192.168.1.1 192.168.2.2 10.98.0.1/24 noudpcsum &&
		vxlan_up "$H2" vx1 43 192.168.2.2 192.168.1.1 10.98.0.2/24 noudpcsum
}

# sum of counter C over r1 and r2 (JSON snapshots J1 J2)
c2() { echo $(($(num "$(counter "$R1" "$1" "$2")") + $(num "$(counter "$R2" "$1" "$3")"))); }

# pcap_check FILE: verify every checksum of every VXLAN frame in a pcap
# (Ethernet / IPv4 / UDP 4789 / VXLAN / Ethernet / IPv4 / TCP|UDP|ICMP).
# Prints "frames N tcp T icmp I bad B [first bad: ...]".
pcap_check() {
	"$PY" - "$1" "$VX_PORT" <<'EOF'
import struct, sys

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s  # 0xffff when the covered data (with its checksum) is right

def ip4(b, what, bad):
    if len(b) < 20 or b[0] >> 4 != 4:
        return None
    ihl = (b[0] & 15) * 4
    tot = struct.unpack("!H", b[2:4])[0]
    if csum(b[:ihl]) != 0xFFFF:
        bad.append("%s IPv4 header" % what)
    return ihl, tot, b[9], b[12:16], b[16:20]

def l4(proto, src, dst, seg, what, bad, udp_zero_ok):
    if proto == 1:
        ok = csum(seg) == 0xFFFF
    elif proto in (6, 17):
        if proto == 17 and udp_zero_ok and seg[6:8] == b"\0\0":
            return
        ok = csum(src + dst + struct.pack("!BBH", 0, proto, len(seg)) + seg) == 0xFFFF
    else:
        return
    if not ok:
        bad.append("%s %s" % (what, {1: "ICMP", 6: "TCP", 17: "UDP"}[proto]))

data = open(sys.argv[1], "rb").read()
port = int(sys.argv[2])
if struct.unpack("<I", data[:4])[0] != 0xA1B2C3D4 or struct.unpack("<I", data[20:24])[0] != 1:
    print("not a little-endian Ethernet pcap")
    sys.exit(0)
off, n, tcp, icmp, bad_frames, first = 24, 0, 0, 0, 0, ""
while off + 16 <= len(data):
    incl, orig = struct.unpack("<II", data[off + 8:off + 16])
    f = data[off + 16:off + 16 + incl]
    off += 16 + incl
    if incl < orig or len(f) < 14 or f[12:14] != b"\x08\x00":
        continue
    bad = []
    o = ip4(f[14:], "outer", bad)
    if not o or o[2] != 17:
        continue
    ihl, tot, _, s, d = o
    udp = f[14 + ihl:14 + tot]
    if len(udp) < 16 or port not in struct.unpack("!HH", udp[:4]):
        continue
    n += 1
    l4(17, s, d, udp, "outer", bad, True)
    inner = udp[16:]
    if inner[12:14] == b"\x08\x00":
        i = ip4(inner[14:], "inner", bad)
        if i:
            iihl, itot, proto, s, d = i
            l4(proto, s, d, inner[14 + iihl:14 + itot], "inner", bad, False)
            tcp += proto == 6
            icmp += proto == 1
    if bad:
        bad_frames += 1
        first = first or "frame %d: %s" % (n, ", ".join(bad))
print("frames %d tcp %d icmp %d bad %d%s" % (n, tcp, icmp, bad_frames, " first bad: " + first if first else ""))
EOF
}

# pcap_start NS IF FILE: a capture of the VXLAN frames IF receives (what the
# host sends itself may still hold partial checksums), written as pcap.
# `ip netns exec` execs tcpdump, so $! is tcpdump itself (a backgrounded
# shell function would leave tcpdump running after the kill).
pcap_start() {
	ip netns exec "$1" tcpdump -U --immediate-mode -n -Q in -i "$2" -w "$3" udp port "$VX_PORT" 2>"$3.err" &
	E2E_PIDS+=($!)
	PCAP_PID=$!
	local i
	for i in $(seq 1 30); do
		grep -q 'listening on' "$3.err" 2>/dev/null && return 0
		sleep 0.1
	done
}
pcap_stop() {
	sleep 0.3
	kill "${PCAP_PID:-0}" 2>/dev/null
	wait "${PCAP_PID:-0}" 2>/dev/null
}

for mode in $E2E_MODES; do
	mode_up "$mode" || {
		topo_down
		continue
	}
	setup "$mode/setup_vxlan" nested_up || {
		topo_down
		continue
	}
	j1=$(stats_json "$R1")
	j2=$(stats_json "$R2")

	# -- 1. h1 <-> h2 over VXLAN over tun46 (host offloads as the mode sets them)
	for dir in "h1_h2 $H1 10.99.0.2" "h2_h1 $H2 10.99.0.1"; do
		set -- $dir
		n=$(ping_count "$2" "$3" -c 5 -i 0.2 -W 2)
		check "$mode/vxlan_ping_$1" "received ${n:-0} of 5 echo replies over VXLAN" [ "${n:-0}" = 5 ]
	done
	# full-size inner packets: 1410 - 28 = 1382 bytes of ICMP data, DF
	n=$(ping_count "$H1" 10.99.0.2 -c 3 -i 0.2 -W 2 -M do -s 1382)
	check "$mode/vxlan_ping_full_size" "received ${n:-0} of 3 replies to ping -M do -s 1382 over VXLAN" [ "${n:-0}" = 3 ]
	e0=$(num "$(counter "$R1" encap_packets)")
	r=$(tcp_transfer "$H1" "$H2" 10.99.0.2 8 5201)
	check "$mode/vxlan_tcp_h1_h2" "$r" [ "${r%% *}" = ok ]
	[ "${r%% *}" = ok ] && log "$mode vxlan tcp h1->h2: $r"
	e1=$(num "$(counter "$R1" encap_packets)")
	r=$(tcp_transfer "$H2" "$H1" 10.99.0.1 8 5202)
	check "$mode/vxlan_tcp_h2_h1" "$r" [ "${r%% *}" = ok ]
	if [ "$mode" != tc ]; then
		# XDP sees raw frames: xdp_lan encapsulates nested tunnels itself
		# (8 MiB in 1410-byte packets: about 6000)
		check "$mode/vxlan_xdp_fast_path" "r1 encap_packets rose by $((e1 - e0)) during the 8 MiB h1->h2 transfer (want >= 5000: xdp_lan)" \
			[ $((e1 - e0)) -ge 5000 ]
	fi

	# -- 2. the router's own VXLAN tunnel: through the tunnel device (tc_tun)
	s0=$(num "$(counter "$R1" slow_encap_packets)")
	n=$(ping_count "$R1" 10.98.0.2 -c 5 -i 0.2 -W 2)
	check "$mode/vxlan_ping_r1_h2" "received ${n:-0} of 5 echo replies over r1's VXLAN" [ "${n:-0}" = 5 ]
	r=$(tcp_transfer "$R1" "$H2" 10.98.0.2 8 5203)
	check "$mode/vxlan_tcp_r1_h2" "$r" [ "${r%% *}" = ok ]
	s1=$(num "$(counter "$R1" slow_encap_packets)")
	check "$mode/vxlan_r1_via_tc_tun" "r1 slow_encap_packets rose by $((s1 - s0)) (want >= 5000: r1's own VXLAN through the tunnel device)" \
		[ $((s1 - s0)) -ge 5000 ]
	r=$(tcp_transfer "$H2" "$R1" 10.98.0.1 8 5204)
	check "$mode/vxlan_tcp_h2_r1" "$r" [ "${r%% *}" = ok ]

	# -- an unresolved IPv6 next hop: tc_lan (mode tc) and tc_tun send the
	#    nested packet with bpf_redirect_neigh(), which picks the address
	#    family from skb->protocol (a UDP datagram over VXLAN has a partial
	#    checksum, so the kernel marks it encapsulated)
	lost=""
	for src in "h1 $H1 10.99.0.2" "r1 $R1 10.98.0.2"; do
		set -- $src
		for i in 1 2; do
			ip -n "$R1" -6 neigh flush dev wan0 >/dev/null 2>&1
			r=$(udp_burst "$2" "$H2" "$3" 1 100 0 $((4800 + i)))
			[ "$(echo "$r" | awk '{print $4}')" = 1 ] || lost+="$1#$i($r) "
		done
	done
	check "$mode/vxlan_neigh_miss_first_udp" "first datagram over VXLAN lost after flushing r1's IPv6 neighbours: $lost" [ -z "$lost" ]

	# -- 3. checksums on the wire, finished from csum_start/csum_offset by
	#    the routers' LAN ports; host GSO/GRO off (mode tc: r1's GRO merges
	#    h1's VXLAN frames, r1 holding a VXLAN socket on the same port)
	host_offloads off "$mode"
	for ns in "$R1" "$R2"; do nsx "$ns" ethtool -K lan0 tx off >/dev/null 2>&1; done
	sleep 0.5
	g0=$(num "$(counter "$R1" encap_pass_gso)")
	pcap_start "$H2" eth0 "$E2E_TMP/h2.pcap"
	n1=$(ping_count "$H1" 10.99.0.2 -c 3 -i 0.2 -W 2)
	r=$(tcp_transfer "$H1" "$H2" 10.99.0.2 2 5205)
	check "$mode/csum_vxlan_tcp_h1_h2" "$r" [ "${r%% *}" = ok ]
	r=$(tcp_transfer "$R1" "$H2" 10.98.0.2 2 5206)
	check "$mode/csum_vxlan_tcp_r1_h2" "$r" [ "${r%% *}" = ok ]
	n2=$(ping_count "$R1" 10.98.0.2 -c 3 -i 0.2 -W 2)
	pcap_stop
	g1=$(num "$(counter "$R1" encap_pass_gso)")
	[ -n "${DEBUG_PCAP:-}" ] && cp "$E2E_TMP/h2.pcap" "$DEBUG_PCAP"
	res=$(pcap_check "$E2E_TMP/h2.pcap")
	set -- $res
	# every echo answered was captured (requests from h1 and from r1)
	np=$(($(num "${n1:-0}") + $(num "${n2:-0}")))
	ok=0
	[ "$(num "${4:-}")" -ge 1000 ] && [ "$np" -ge 4 ] && [ "$(num "${6:-}")" -ge "$np" ] && [ "${8:-x}" = 0 ] && ok=1
	check "$mode/csum_at_h2" "capture at h2: $res; $np of 6 echoes answered (want >= 1000 TCP frames, >= 4 echoes answered and captured, bad 0)" [ "$ok" = 1 ]
	if [ "$mode" = tc ]; then
		check "$mode/vxlan_gro_merged" "r1 encap_pass_gso rose by $((g1 - g0)) while h1 sent without GSO (want > 0: GRO-merged nested packets reached tc_lan)" \
			[ $((g1 - g0)) -gt 0 ]
	fi
	pcap_start "$H1" eth0 "$E2E_TMP/h1.pcap"
	r=$(tcp_transfer "$H2" "$H1" 10.99.0.1 2 5207)
	check "$mode/csum_vxlan_tcp_h2_h1" "$r" [ "${r%% *}" = ok ]
	pcap_stop
	res=$(pcap_check "$E2E_TMP/h1.pcap")
	set -- $res
	ok=0
	[ "$(num "${4:-}")" -ge 1000 ] && [ "${8:-x}" = 0 ] && ok=1
	check "$mode/csum_at_h1" "capture at h1: $res (want >= 1000 TCP frames, bad 0)" [ "$ok" = 1 ]

	# -- nothing dropped for want of room, nothing silently lost
	k1=$(stats_json "$R1")
	k2=$(stats_json "$R2")
	for c in encap_drop_adjust encap_drop_nested_gso decap_drop_adjust; do
		d=$(($(c2 "$c" "$k1" "$k2") - $(c2 "$c" "$j1" "$j2")))
		check "$mode/no_$c" "$c rose by $d on r1+r2 (want 0)" [ "$d" = 0 ]
	done

	# -- how: the tunnel device has the tunnel segmentation offloads off
	on=$(nsx "$R1" ethtool -k tun46 | grep -E '^tx-(gre|gre-csum|ipxip4|ipxip6|udp_tnl|udp_tnl-csum)-segmentation: on')
	check "$mode/tundev_tunnel_gso_off" "ethtool -k tun46 on r1 still shows: $(echo "$on" | tr '\n' ' ')" [ -z "$on" ]
	# an admin who turns them back on gets nested GSO packets dropped and
	# counted (never sent with a wrong GSO type, never silently)
	nsx "$R1" ethtool -K tun46 tx-udp_tnl-segmentation on tx-udp_tnl-csum-segmentation on >/dev/null 2>&1
	g0=$(num "$(counter "$R1" encap_drop_nested_gso)")
	nsx "$H2" timeout 4 socat -u TCP-LISTEN:5208,reuseaddr OPEN:/dev/null &
	sp=$!
	wait_listen "$H2" tcp 5208
	head -c 1048576 /dev/zero | nsx "$R1" timeout 3 socat -u - TCP:10.98.0.2:5208,connect-timeout=2 >/dev/null 2>&1
	wait "$sp"
	g1=$(num "$(counter "$R1" encap_drop_nested_gso)")
	check "$mode/nested_gso_counted" "with tx-udp_tnl-segmentation back on, encap_drop_nested_gso on r1 rose by $((g1 - g0)) (want > 0)" \
		[ $((g1 - g0)) -gt 0 ]
	topo_down
done
e2e_finish
