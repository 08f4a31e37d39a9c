#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Path MTU black holes (issue 8 item 5): a real IPv6 router between the sites
# ($MID, the NGN) whose link toward r2 has MTU 1454 (FLET'S PPPoE), as r2's
# own WAN.  Like an ip6tnl router (ip4ip6_err):
#  - h1 -> h2: $MID answers r1's 1500-byte tunnel packets with ICMPv6 packet
#    too big 1454; r1 learns the peer's path MTU and sends h1 ICMPv4 frag
#    needed with mtu 1414 (1454 - 40); `ping -M do` converges to 1414; one
#    byte more then gets frag needed from r1's tunnel device (tc_tun);
#  - h2 -> h1: r2's outer route has MTU 1454: tc_tun answers frag needed 1414
#    (was dropped silently as encap_drop_no_route6);
#  - TCP (8 MiB, sha256) completes both ways;
#  - an ICMPv6 destination unreachable from $MID reaches h1 as ICMPv4 host
#    unreachable from r1's LAN address;
#  - a forged packet too big quoting a packet that is not r1's (wrong quoted
#    source) changes nothing; the same with the right source is learnt.
. "$(dirname "$0")/lib.sh"
e2e_require pmtu
TOPO_MIDDLE=1
MID_MTU=1454
INNER=$((MID_MTU - 40)) # 1414

# forged_ptb QUOTED-SRC MTU: ICMPv6 packet too big from $MID to fd00::1 quoting
# an ip4ip6 packet QUOTED-SRC -> fd00::2 (h1 -> h2, 1400 bytes, DF)
forged_ptb() {
	nsx "$MID" "$PY" - "$1" "$2" <<'PYEOF'
import socket, struct, sys
a6 = lambda x: socket.inet_pton(socket.AF_INET6, x)
ip4 = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1400, 0, 0x4000, 63, 17, 0,
                  socket.inet_aton("192.168.1.2"), socket.inet_aton("192.168.2.2")) + bytes(8)
q6 = struct.pack("!IHBB16s16s", 6 << 28, 1400, 4, 64, a6(sys.argv[1]), a6("fd00::2")) + ip4
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)  # the kernel fills the checksum
s.sendto(struct.pack("!BBHI", 2, 0, 0, int(sys.argv[2])) + q6, ("fd00::1", 0))
PYEOF
}

for mode in $E2E_MODES; do
	mode_up "$mode" || {
		topo_down
		continue
	}
	ip -n "$MID" link set w2 mtu "$MID_MTU"
	ip -n "$R2" link set wan0 mtu "$MID_MTU"
	n=$(ping_count "$H1" 192.168.2.2 -c 2 -i 0.2 -W 2)
	check "$mode/small_ping" "received ${n:-0} of 2 replies (the middle hop does not forward?)" [ "${n:-0}" = 2 ]
	j=$(stats_json "$R1")
	pu0=$(num "$(counter "$R1" pmtu_updates "$j")")
	ir0=$(num "$(counter "$R1" icmp_relayed "$j")")

	# -- h1 -> h2: packet too big from the middle hop, relayed to h1
	out=$(nsx "$H1" ping -n -c 1 -W 2 -M do -s $((1460 - 28)) 192.168.2.2 2>&1)
	want="From 192.168.1.1 icmp_seq=1 Frag needed and DF set (mtu = $INNER)"
	check "$mode/ptb_relayed_to_h1" "ping -M do -s 1432 printed: $(echo "$out" | grep -v '^$' | head -3 | tr '\n' '|') (want '$want')" \
		grep -qF "$want" <<<"$out"
	pm=$(ip -n "$H1" route get 192.168.2.2 | grep -o 'mtu [0-9]*')
	check "$mode/h1_learnt_$INNER" "route get 192.168.2.2 on h1 shows '$pm'" [ "$pm" = "mtu $INNER" ]
	j=$(stats_json "$R1")
	pu=$(num "$(counter "$R1" pmtu_updates "$j")")
	ir=$(num "$(counter "$R1" icmp_relayed "$j")")
	check "$mode/pmtu_updates_counted" "pmtu_updates $pu0 -> $pu (want +1)" [ "$pu" = $((pu0 + 1)) ]
	check "$mode/icmp_relayed_counted" "icmp_relayed $ir0 -> $ir (want more)" [ "$ir" -gt "$ir0" ]
	n=$(ping_count "$H1" 192.168.2.2 -c 2 -i 0.2 -W 2 -M do -s $((INNER - 28)))
	check "$mode/df_${INNER}_passes_h1_h2" "received ${n:-0} of 2 replies to ping -M do -s $((INNER - 28))" [ "${n:-0}" = 2 ]
	# one byte more, with h1's learnt MTU forgotten: r1's tunnel device answers from what r1 learnt
	ip -n "$H1" route flush cache >/dev/null 2>&1
	f0=$(num "$(counter "$R1" encap_icmp_frag_needed)")
	out=$(nsx "$H1" ping -n -c 1 -W 2 -M do -s $((INNER - 27)) 192.168.2.2 2>&1)
	check "$mode/df_$((INNER + 1))_frag_needed_from_r1" "ping -M do -s $((INNER - 27)) printed: $(echo "$out" | grep -v '^$' | head -3 | tr '\n' '|')" \
		grep -qF "$want" <<<"$out"
	f=$(num "$(counter "$R1" encap_icmp_frag_needed)")
	check "$mode/encap_icmp_frag_needed_r1" "encap_icmp_frag_needed $f0 -> $f" [ "$f" -gt "$f0" ]
	# the router's own packet: its own stack gets the error and learns the MTU (no black hole)
	ip -n "$R1" route flush cache >/dev/null 2>&1
	out=$(nsx "$R1" ping -n -c 2 -i 0.3 -W 2 -M do -s $((INNER - 27)) 192.168.2.2 2>&1)
	pm=$(ip -n "$R1" route get 192.168.2.2 | grep -o 'mtu [0-9]*')
	check "$mode/router_own_learns_$INNER" "ping -M do -s $((INNER - 27)) from r1 printed: $(echo "$out" | grep -v '^$' | head -3 | tr '\n' '|'); route get shows '$pm' (want mtu $INNER)" \
		[ "$pm" = "mtu $INNER" ]
	n=$(ping_count "$R1" 192.168.2.2 -c 2 -i 0.2 -W 2 -M do -s $((INNER - 28)))
	check "$mode/router_own_df_${INNER}_passes" "received ${n:-0} of 2 replies to ping -M do -s $((INNER - 28)) from r1" [ "${n:-0}" = 2 ]

	# -- h2 -> h1: r2's own outer route is 1454
	f0=$(num "$(counter "$R2" encap_icmp_frag_needed)")
	d0=$(num "$(counter "$R2" encap_drop_no_route6)")
	out=$(nsx "$H2" ping -n -c 1 -W 2 -M do -s $((1460 - 28)) 192.168.1.2 2>&1)
	want2="From 192.168.2.1 icmp_seq=1 Frag needed and DF set (mtu = $INNER)"
	check "$mode/route_mtu_frag_needed_to_h2" "ping -M do -s 1432 printed: $(echo "$out" | grep -v '^$' | head -3 | tr '\n' '|') (want '$want2')" \
		grep -qF "$want2" <<<"$out"
	j=$(stats_json "$R2")
	f=$(num "$(counter "$R2" encap_icmp_frag_needed "$j")")
	d=$(num "$(counter "$R2" encap_drop_no_route6 "$j")")
	ok=0
	[ "$f" -gt "$f0" ] && [ "$d" = "$d0" ] && ok=1
	check "$mode/route_mtu_counted_r2" "encap_icmp_frag_needed $f0 -> $f, encap_drop_no_route6 $d0 -> $d" [ "$ok" = 1 ]
	n=$(ping_count "$H2" 192.168.1.2 -c 2 -i 0.2 -W 2 -M do -s $((INNER - 28)))
	check "$mode/df_${INNER}_passes_h2_h1" "received ${n:-0} of 2 replies to ping -M do -s $((INNER - 28))" [ "${n:-0}" = 2 ]

	# -- TCP both ways, from hosts that know nothing yet
	for h in "$H1" "$H2"; do ip -n "$h" route flush cache >/dev/null 2>&1; done
	host_offloads on "$mode"
	r=$(tcp_transfer "$H1" "$H2" 192.168.2.2 8 5201)
	check "$mode/tcp_h1_h2" "$r" [ "${r%% *}" = ok ]
	r=$(tcp_transfer "$H2" "$H1" 192.168.1.2 8 5202)
	check "$mode/tcp_h2_h1" "$r" [ "${r%% *}" = ok ]
	host_offloads off "$mode"

	# -- ICMPv6 destination unreachable from the middle hop
	ir0=$(num "$(counter "$R1" icmp_relayed)")
	ip -n "$MID" -6 route replace unreachable fd00::2/128
	out=$(nsx "$H1" ping -n -c 1 -W 2 192.168.2.2 2>&1)
	ip -n "$MID" -6 route replace fd00::2/128 dev w2
	want="From 192.168.1.1 icmp_seq=1 Destination Host Unreachable"
	check "$mode/unreachable_relayed_to_h1" "ping printed: $(echo "$out" | grep -v '^$' | head -3 | tr '\n' '|') (want '$want')" \
		grep -qF "$want" <<<"$out"
	ir=$(num "$(counter "$R1" icmp_relayed)")
	check "$mode/unreachable_counted" "icmp_relayed $ir0 -> $ir (want +1)" [ "$ir" = $((ir0 + 1)) ]

	# -- forged packet too big: not about our packet, then about it
	j=$(stats_json "$R1")
	pu0=$(num "$(counter "$R1" pmtu_updates "$j")")
	ir0=$(num "$(counter "$R1" icmp_relayed "$j")")
	setup "$mode/forged_ptb_sent" forged_ptb fd00::99 1280
	sleep 0.3
	j=$(stats_json "$R1")
	pu=$(num "$(counter "$R1" pmtu_updates "$j")")
	ir=$(num "$(counter "$R1" icmp_relayed "$j")")
	ok=0
	[ "$pu" = "$pu0" ] && [ "$ir" = "$ir0" ] && ok=1
	check "$mode/forged_ptb_ignored" "pmtu_updates $pu0 -> $pu, icmp_relayed $ir0 -> $ir (want unchanged)" [ "$ok" = 1 ]
	n=$(ping_count "$H1" 192.168.2.2 -c 2 -i 0.2 -W 2 -M do -s $((INNER - 28)))
	check "$mode/forged_ptb_no_effect" "received ${n:-0} of 2 replies to ping -M do -s $((INNER - 28))" [ "${n:-0}" = 2 ]
	setup "$mode/ptb_sent" forged_ptb fd00::1 1300
	sleep 0.3
	j=$(stats_json "$R1")
	pu=$(num "$(counter "$R1" pmtu_updates "$j")")
	ir=$(num "$(counter "$R1" icmp_relayed "$j")")
	ok=0
	[ "$pu" = $((pu0 + 1)) ] && [ "$ir" = $((ir0 + 1)) ] && ok=1
	check "$mode/ptb_quoting_ours_learnt" "pmtu_updates $pu0 -> $pu (want +1), icmp_relayed $ir0 -> $ir (want +1)" [ "$ok" = 1 ]
	topo_down
done
e2e_finish
