#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Interop with the kernel's ip4ip6 bytes: r1 runs tun46 (every mode), r2 is a
# kernel SRv6 peer (encap.red = outer IPv6 next header 4, no routing header;
# End.DX4 decapsulates).  Checks the bytes on the WAN, traffic both ways, the
# RFC 2473 encap-limit option sent by tun46 (accepted by the kernel) and
# received by tun46 (built by the test).
#
# A kernel without the seg6 lwtunnel (CONFIG_IPV6_SEG6_LWTUNNEL) cannot be
# that peer: then the checks that need it print SKIP with the reason, and the
# rest still run against tun46 alone: r2 is a second tun46 site, the WAN is a
# bridge and the captures are taken on r1's bridge port (so that XDP modes,
# whose redirected frames bypass packet taps on the routers, are seen too):
# tun46's own bytes against the spec, with and without the option, its
# frag-needed MTU with the option, and option-carrying packets built by the
# test and decapsulated by tun46.
. "$(dirname "$0")/lib.sh"
e2e_require interop

if SEG6_WHY=$(seg6_unavailable); then
	KPEER=0
	# shellcheck disable=SC2034 # read by topo_up (lib.sh)
	TOPO_BRIDGE=1
	NOPEER="needs the kernel SRv6 peer: $SEG6_WHY; interop evidence needs a kernel with seg6 or ip6_tunnel"
else
	KPEER=1
fi
# skip_kpeer MODE NAME...: SKIP lines for checks that need the kernel peer
skip_kpeer() {
	local mode=$1 n
	shift
	for n in "$@"; do skip "$mode/$n" "$NOPEER"; done
}

# frame_field HEX BYTEOFFSET LEN: bytes of a frame as hex
frame_field() { echo "${1:$(($2 * 2)):$(($3 * 2))}"; }

# check_wan_bytes NAME FILE SRC6HEX WANT: every captured frame from SRC6 must be
# Ethernet/IPv6 with next header 04 (WANT=plain) or 3c + the 8-byte option
# 04 00 04 01 04 01 01 00 (WANT=encaplimit), then an IPv4 header.
check_wan_bytes() {
	local name=$1 file=$2 src=$3 want=$4 n=0 bad="" f nh inner pl ilen hl ttl
	while read -r f; do
		[ "$(frame_field "$f" 12 2)" = 86dd ] || continue
		[ "$(frame_field "$f" 22 16)" = "$src" ] || continue
		n=$((n + 1))
		nh=$(frame_field "$f" 20 1)
		hl=$(frame_field "$f" 21 1)
		pl=$((16#$(frame_field "$f" 18 2)))
		if [ "$want" = plain ]; then
			[ "$nh" = 04 ] || bad+="next header $nh (want 04); "
			inner=54
		else
			[ "$nh" = 3c ] || bad+="next header $nh (want 3c); "
			[ "$(frame_field "$f" 54 8)" = 0400040104010100 ] ||
				bad+="dst options $(frame_field "$f" 54 8) (want 0400040104010100); "
			inner=62
		fi
		[ "${f:$((inner * 2)):1}" = 4 ] || bad+="inner version ${f:$((inner * 2)):1} (want 4); "
		ilen=$((16#$(frame_field "$f" $((inner + 2)) 2)))
		[ "$pl" = $((ilen + inner - 54)) ] || bad+="payload length $pl, inner total length $ilen; "
		[ "$hl" = 40 ] || bad+="hop limit 0x$hl (want 0x40, ip6tnl default 64); "
		[ "$(frame_field "$f" 14 1)" = 60 ] || bad+="version/traffic class byte $(frame_field "$f" 14 1) (want 60); "
		# flow label: a hash of the inner flow (never 0), like Linux auto flow labels
		[ $((16#$(frame_field "$f" 15 3) & 0xfffff)) != 0 ] || bad+="flow label 0 (want a hash of the inner flow); "
		ttl=$(frame_field "$f" $((inner + 8)) 1)
		[ "$ttl" = 3f ] || bad+="inner TTL 0x$ttl (want 0x3f: 64 decremented once); "
		[ -n "$bad" ] && break
	done < <(capture_frames "$file")
	if [ "$n" = 0 ]; then
		fail "$name" "no ip4ip6 frame from the tunnel source captured"
	elif [ -n "$bad" ]; then
		fail "$name" "$bad"
	else
		pass "$name"
	fi
}

SRC1=fd000000000000000000000000000001
SRC2=fd000000000000000000000000000002

for mode in $E2E_MODES; do
	if [ "$KPEER" = 1 ]; then
		topo_up >"$E2E_TMP/setup.out" 2>&1 || {
			fail "$mode/setup" "$(head -c 400 "$E2E_TMP/setup.out")"
			topo_down
			continue
		}
		hosts_for_mode "$mode"
		# Behind the kernel peer: MTU 1460, because the kernel SRv6 path silently
		# drops what no longer fits in 1500 bytes after encapsulation.
		ip -n "$H2" link set eth0 mtu 1460
		setup "$mode/setup_tun46" tun46_site "$R1" lan0 wan0 "$mode" fd00::1 fd00::2 192.168.2.0/24 &&
			setup "$mode/setup_kernel" kernel_site "$R2" lan0 wan0 fd00::2 fd00::1 192.168.1.0/24 192.168.2.2 || {
			topo_down
			continue
		}
		CAP_NS=$R2 CAP_IF=wan0
	else
		skip_kpeer "$mode" setup_kernel
		mode_up "$mode" || {
			topo_down
			continue
		}
		CAP_NS=$SW CAP_IF=p1
	fi

	# -- traffic both ways, bytes on the WAN
	capture_start "$CAP_NS" "$CAP_IF" "$E2E_TMP/wan.cap" ip6 and not icmp6
	n=$(ping_count "$H1" 192.168.2.2 -c 5 -i 0.2 -W 2)
	if [ "$KPEER" = 1 ]; then
		check "$mode/ping_h1_h2" "received ${n:-0} of 5 replies" [ "${n:-0}" = 5 ]
		n=$(ping_count "$H2" 192.168.1.2 -c 5 -i 0.2 -W 2)
		check "$mode/ping_h2_h1" "received ${n:-0} of 5 replies" [ "${n:-0}" = 5 ]
	fi
	capture_stop
	check_wan_bytes "$mode/wire_tun46_nh4_no_rh" "$E2E_TMP/wan.cap" "$SRC1" plain
	if [ "$KPEER" = 1 ]; then
		# the kernel peer's own bytes (sanity: encap.red has no routing header)
		k=$(capture_frames "$E2E_TMP/wan.cap" | awk -v s="$SRC2" 'substr($0, 45, 32) == s { print substr($0, 41, 2) }' | sort -u | tr '\n' ' ')
		check "$mode/wire_kernel_nh4_no_rh" "next header(s) of the kernel's frames: '$k' (want 04)" [ "$k" = "04 " ]

		r=$(tcp_transfer "$H1" "$H2" 192.168.2.2 4 5201)
		check "$mode/tcp_h1_h2" "$r" [ "${r%% *}" = ok ]
		r=$(tcp_transfer "$H2" "$H1" 192.168.1.2 4 5202)
		check "$mode/tcp_h2_h1" "$r" [ "${r%% *}" = ok ]
		r=$(udp_burst "$H1" "$H2" 192.168.2.2 500 1000)
		check "$mode/udp_h1_h2" "$r" [ "$(echo "$r" | awk '{print $4}')" = 500 ]
		r=$(udp_burst "$H2" "$H1" 192.168.1.2 500 1000)
		check "$mode/udp_h2_h1" "$r" [ "$(echo "$r" | awk '{print $4}')" = 500 ]
	else
		skip_kpeer "$mode" ping_h1_h2 ping_h2_h1 wire_kernel_nh4_no_rh tcp_h1_h2 tcp_h2_h1 udp_h1_h2 udp_h2_h1
	fi

	# -- tun46 sends the RFC 2473 encap-limit option: the kernel must decapsulate it
	if setup "$mode/encaplimit_config" t46 -n "$R1" peer change site remote fd00::2 local fd00::1 encaplimit 4; then
		capture_start "$CAP_NS" "$CAP_IF" "$E2E_TMP/wan2.cap" ip6 and not icmp6
		n=$(ping_count "$H1" 192.168.2.2 -c 5 -i 0.2 -W 2)
		capture_stop
		if [ "$KPEER" = 1 ]; then
			check "$mode/encaplimit_tx_kernel_decaps" "received ${n:-0} of 5 replies" [ "${n:-0}" = 5 ]
		fi
		check_wan_bytes "$mode/encaplimit_tx_wire" "$E2E_TMP/wan2.cap" "$SRC1" encaplimit
		if [ "$KPEER" = 1 ]; then
			r=$(tcp_transfer "$H1" "$H2" 192.168.2.2 2 5203)
			check "$mode/encaplimit_tx_tcp" "$r" [ "${r%% *}" = ok ]
		else
			skip_kpeer "$mode" encaplimit_tx_kernel_decaps encaplimit_tx_tcp
		fi
		# tunnel MTU is 1452 with the option: 1424 + 28 fits, 1425 gets frag needed
		ip -n "$H1" route flush cache >/dev/null 2>&1 # forget the PMTU the TCP transfer learnt
		out=$(nsx "$H1" ping -n -c 1 -W 2 -M do -s 1425 192.168.2.2 2>&1)
		if echo "$out" | grep -q 'From 192.168.1.1 .*mtu = 1452'; then
			pass "$mode/encaplimit_mtu_1452"
		else
			fail "$mode/encaplimit_mtu_1452" "ping -M do -s 1425 printed: $(echo "$out" | head -3 | tr '\n' ' ')"
		fi
		t46 -n "$R1" peer change site remote fd00::2 local fd00::1 encaplimit none >/dev/null 2>&1
	fi

	# -- packets carrying the option arriving at tun46 (built here, sent by the
	#    peer's namespace onto the WAN): both forms are decapsulated
	mac1=$(mac_of "$R1" wan0)
	j=$(stats_json "$R1")
	nsx "$H1" "$PY" "$PKT" udp-recv --port 4646 --count 60 --idle 3 --max-time 10 --tag rx46 >"$E2E_TMP/rx46" &
	rpid=$!
	wait_listen "$H1" udp 4646
	base=0
	for el in "" 4 0; do
		nsx "$R2" "$PY" "$PKT" ip4ip6 --ifname wan0 --dst-mac "$mac1" --src6 fd00::2 --dst6 fd00::1 \
			--src4 192.168.2.2 --dst4 192.168.1.2 --count 20 --port 4646 --tag rx46 --seq-base $base ${el:+--encaplimit $el} >/dev/null
		base=$((base + 20))
	done
	wait "$rpid"
	got=$(awk '{print $4}' "$E2E_TMP/rx46") # unique sequence numbers
	k=$(stats_json "$R1")
	bad=$(($(num "$(counter "$R1" decap_drop_bad_exthdr "$k")") - $(num "$(counter "$R1" decap_drop_bad_exthdr "$j")")))
	# 60 sent (20 plain, 20 with limit 4, 20 with limit 0: a decapsulator
	# does not check the limit, only an encapsulator would)
	if [ "${got:-0}" = 60 ] && [ "$bad" = 0 ]; then
		pass "$mode/encaplimit_rx_decap"
	else
		fail "$mode/encaplimit_rx_decap" "h1 received ${got:-0} of 60 crafted datagrams (20 plain, 20 encaplimit 4, 20 encaplimit 0); r1 decap_drop_bad_exthdr +$bad"
	fi
	topo_down
done
e2e_finish
