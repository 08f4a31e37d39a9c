#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# encap gre: two tun46 sites speaking GRE over IPv6 (Linux ip6gre's bytes) in
# every mode.  Per variant (no option / key / encaplimit / key + encaplimit,
# switched live with `peer change` on both sites): pings both ways, DF pings at
# the inner MTU pass and one byte more gets ICMP frag needed with that MTU
# (1456/1452/1448/1444), the tunnel device and kernel routes follow the MTU, and
# in mode tc the bytes on r2's WAN are the GRE form expected.  Then a TCP
# transfer (sha256) both ways, GRE packets a peer must not send (IPv6 payload,
# as a Linux ip6gre's router solicitations; wrong key) counted and dropped,
# outer-fragmented GRE reassembled, and a live ip4ip6 <-> gre switch, one site
# at a time, under UDP streams both ways with zero loss.
. "$(dirname "$0")/lib.sh"
e2e_require gre

COUNT=${GRE_LIVE_COUNT:-1000}

# variant NAME MTU OPTIONS...: the peer options of both sites, then checks
variant() {
	local name=$1 mtu=$2 out ns
	shift 2
	for ns in "$R1" "$R2"; do
		out=$(t46 -n "$ns" peer change site "$@" 2>&1) || {
			fail "$mode/$name/peer_change" "tun46 -n $ns peer change site $*: $out"
			return 1
		}
	done
	for ns in "$H1" "$H2"; do ip -n "$ns" route flush cache >/dev/null 2>&1; done
	# the tunnel device and the kernel routes follow the peer MTU
	dm=$(ip -n "$R1" -j link show dev tun46 | jq -r '.[0].mtu')
	check "$mode/$name/tundev_mtu_$mtu" "tun46 device mtu $dm" [ "$dm" = "$mtu" ]
	rm_=$(ip -n "$R1" route show 192.168.2.0/24 | grep -o 'mtu [0-9]*')
	check "$mode/$name/route_mtu_$mtu" "kernel route: '$rm_'" [ "$rm_" = "mtu $mtu" ]
	sleep 0.1 # the other site's change is visible everywhere
	local j1 j2
	j1=$(stats_json "$R1")
	j2=$(stats_json "$R2")
	for dir in "h1_h2 $H1 192.168.2.2 192.168.1.1" "h2_h1 $H2 192.168.1.2 192.168.2.1"; do
		set -- $dir
		local d=$1 hs=$2 dst=$3 gw=$4 n
		n=$(ping_count "$hs" "$dst" -c 2 -i 0.2 -W 2)
		check "$mode/$name/ping_$d" "received ${n:-0} of 2 replies" [ "${n:-0}" = 2 ]
		n=$(ping_count "$hs" "$dst" -c 1 -W 2 -M do -s $((mtu - 28)))
		check "$mode/$name/df_$((mtu - 28))_passes_$d" "received ${n:-0} of 1 reply to ping -M do -s $((mtu - 28))" \
			[ "${n:-0}" = 1 ]
		ip -n "$hs" route flush cache >/dev/null 2>&1
		out=$(nsx "$hs" ping -n -c 1 -W 2 -M do -s $((mtu - 27)) "$dst" 2>&1)
		if echo "$out" | grep -q "From $gw icmp_seq=1 Frag needed and DF set (mtu = $mtu)"; then
			pass "$mode/$name/df_$((mtu - 27))_frag_needed_$d"
		else
			fail "$mode/$name/df_$((mtu - 27))_frag_needed_$d" "ping printed: $(echo "$out" | grep -v '^$' | head -4 | tr '\n' '|') (want mtu = $mtu)"
		fi
	done
	# the fast path carried them: r1 encapsulated, r2 decapsulated (ping + DF ping h1 -> h2: >= 3)
	local e d
	e=$(($(num "$(counter "$R1" encap_packets)") - $(num "$(counter "$R1" encap_packets "$j1")")))
	d=$(($(num "$(counter "$R2" decap_packets)") - $(num "$(counter "$R2" decap_packets "$j2")")))
	ok=0
	[ "$e" -ge 3 ] && [ "$d" -ge 3 ] && ok=1
	check "$mode/$name/fast_path" "r1 encap_packets +$e, r2 decap_packets +$d (want >= 3 each)" [ "$ok" = 1 ]
}

# wire_check NAME HEX: in mode tc, the GRE bytes after the outer IPv6 header of
# a ping from h1 as r2's WAN receives it (hex from the IPv6 next header on)
wire_check() {
	local name=$1 want=$2 cap="$E2E_TMP/gre.cap" fr
	[ "$mode" = tc ] || return 0
	capture_start "$R2" wan0 "$cap" ip6 and src fd00::1
	nsx "$H1" ping -n -c 1 -W 2 -s 56 192.168.2.2 >/dev/null 2>&1
	capture_stop
	fr=$(capture_frames "$cap" | head -1)
	# Ethernet 14 bytes, then IPv6: payload length at 4, next header at 6; after it the extension
	local plen=${fr:36:4} nh=${fr:40:2} ext=${fr:108:${#want}}
	ok=0
	[ "$nh" = "${3:-2f}" ] && [ "$ext" = "$want" ] && [ "$((16#${plen:-0}))" = "$((84 + ${#want} / 2))" ] && ok=1
	check "$mode/$name/wire_bytes" "outer nh $nh, payload length 0x$plen, bytes after IPv6 $ext (want ${want:0:2}/$want)" [ "$ok" = 1 ]
}

for mode in $E2E_MODES; do
	mode_up "$mode" encap gre || {
		topo_down
		continue
	}
	ip -n "$R1" link set wan0 mtu 1500
	ip -n "$R2" link set wan0 mtu 1500
	MAC2=$(mac_of "$R2" wan0)
	shown=$(t46 -n "$R1" -j peer show site | jq -r '.[0].encap + " " + (.[0].mtu|tostring)')
	check "$mode/peer_show_json" "peer show -j: '$shown'" [ "$shown" = "gre 1456" ]

	variant plain 1456 encap gre && wire_check plain 00000800
	variant key 1452 key 4242 && wire_check key 2000080000001092
	variant key_encaplimit 1444 encaplimit 4 && wire_check key_encaplimit 2f000401040101002000080000001092 3c
	variant encaplimit 1448 key none && wire_check encaplimit 2f0004010401010000000800 3c
	variant plain_again 1456 encaplimit none

	# -- TCP with large segments and GSO both ways, data intact
	for h in "$H1" "$H2"; do ip -n "$h" route flush cache >/dev/null 2>&1; done
	host_offloads on "$mode"
	r=$(tcp_transfer "$H1" "$H2" 192.168.2.2 8 5201)
	check "$mode/tcp_h1_h2" "$r" [ "${r%% *}" = ok ]
	r=$(tcp_transfer "$H2" "$H1" 192.168.1.2 8 5202)
	check "$mode/tcp_h2_h1" "$r" [ "${r%% *}" = ok ]
	host_offloads off "$mode"

	# -- what a GRE peer must not send: counted and dropped, nothing reaches h2
	j=$(stats_json "$R2")
	res="$E2E_TMP/rx.bad"
	nsx "$H2" "$PY" "$PKT" udp-recv --port 4648 --idle 2 --max-time 4 --tag bad >"$res" &
	rpid=$!
	wait_listen "$H2" udp 4648
	# IPv6 payload (0x86DD, as a Linux ip6gre's router solicitations), a key the peer has not, routing bit
	for hdr in 000086dd 2000080000000001 40000800; do
		nsx "$R1" "$PY" "$PKT" ip4ip6 --ifname wan0 --dst-mac "$MAC2" --src6 fd00::1 --dst6 fd00::2 \
			--src4 192.168.1.2 --dst4 192.168.2.2 --port 4648 --count 3 --tag bad --gre "$hdr" >/dev/null
	done
	wait "$rpid"
	u=$(sed -n 's/.* unique \([0-9]*\) .*/\1/p' "$res")
	check "$mode/bad_gre_not_delivered" "h2 received ${u:-0} datagrams (want 0)" [ "${u:-0}" = 0 ]
	k=$(stats_json "$R2")
	for c in decap_drop_gre_proto decap_drop_gre_key decap_drop_gre_flags; do
		d=$(($(num "$(counter "$R2" "$c" "$k")") - $(num "$(counter "$R2" "$c" "$j")")))
		check "$mode/r2_$c" "r2 $c rose by $d (want 3)" [ "$d" = 3 ]
	done

	# -- outer-fragmented GRE (with a checksum-less, sequenced header) reassembled and delivered
	res="$E2E_TMP/rx.frag"
	nsx "$H2" "$PY" "$PKT" udp-recv --port 4649 --count 3 --idle 3 --max-time 8 --tag frag >"$res" &
	rpid=$!
	wait_listen "$H2" udp 4649
	nsx "$R1" "$PY" "$PKT" ip4ip6 --ifname wan0 --dst-mac "$MAC2" --src6 fd00::1 --dst6 fd00::2 \
		--src4 192.168.1.2 --dst4 192.168.2.2 --port 4649 --count 3 --tag frag --size 1000 --frag 2 \
		--gre 1000080000000007 >/dev/null
	wait "$rpid"
	u=$(sed -n 's/.* unique \([0-9]*\) .*/\1/p' "$res")
	check "$mode/frag_gre_seq_delivered" "h2 received ${u:-0} of 3 ($(cat "$res"))" [ "${u:-0}" = 3 ]

	# -- live switch gre -> ip4ip6 -> gre, one site at a time, under traffic both ways
	nsx "$H2" "$PY" "$PKT" udp-recv --port 4901 --count "$COUNT" --idle 3 --max-time 40 --tag g1 >"$E2E_TMP/g1" &
	p1=$!
	nsx "$H1" "$PY" "$PKT" udp-recv --port 4902 --count "$COUNT" --idle 3 --max-time 40 --tag g2 >"$E2E_TMP/g2" &
	p2=$!
	wait_listen "$H2" udp 4901
	wait_listen "$H1" udp 4902
	nsx "$H1" "$PY" "$PKT" udp-send --dst 192.168.2.2 --port 4901 --count "$COUNT" --interval 0.004 --size 400 --tag g1 >/dev/null &
	s1=$!
	nsx "$H2" "$PY" "$PKT" udp-send --dst 192.168.1.2 --port 4902 --count "$COUNT" --interval 0.004 --size 400 --tag g2 >/dev/null &
	s2=$!
	errs=""
	for step in "$R1 ip4ip6" "$R2 ip4ip6" "$R1 gre" "$R2 gre"; do
		set -- $step
		sleep 0.6
		t46 -n "$1" peer change site encap "$2" >/dev/null 2>&1 || errs+="$step; "
	done
	wait "$s1" "$s2" "$p1" "$p2"
	check "$mode/live_commands_ok" "failed: $errs" [ -z "$errs" ]
	r=$(cat "$E2E_TMP/g1")
	check "$mode/live_zero_loss_h1_h2" "$r (of $COUNT)" [ "$(echo "$r" | awk '{print $6}')" = 0 ]
	r=$(cat "$E2E_TMP/g2")
	check "$mode/live_zero_loss_h2_h1" "$r (of $COUNT)" [ "$(echo "$r" | awk '{print $6}')" = 0 ]
	dm=$(ip -n "$R1" -j link show dev tun46 | jq -r '.[0].mtu')
	check "$mode/live_tundev_mtu" "tun46 device mtu $dm after the switch back to gre" [ "$dm" = 1456 ]
	topo_down
done
e2e_finish
