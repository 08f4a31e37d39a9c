#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Outer fragments (RFC 2473 section 7.2): a peer may fragment the outer IPv6
# packet, and ip6tnl decapsulates after reassembly; so must tun46.  From r1's
# namespace, with r1's WAN address as the source, a raw AF_PACKET socket on
# wan0 sends r2 ip4ip6 packets carrying a UDP datagram to h2, cut into 2 and 3
# outer fragments, in order and out of order, with and without the RFC 2473
# option in front of the fragment header, and one whose inner packet is
# larger than r2's LAN MTU (no DF: the kernel fragments it on the slow path).
# h2 must receive every datagram intact (the UDP checksum covers the payload),
# r2 must count the held and reassembled fragments exactly, and the same
# fragments from an address that is no peer must not become anything.
. "$(dirname "$0")/lib.sh"
e2e_require frag

# send_frag COUNT TAG ip4ip6-options...: fragmented tunnel packets r1 -> r2 -> h2
send_frag() {
	local count=$1 tag=$2
	shift 2
	nsx "$R1" "$PY" "$PKT" ip4ip6 --ifname wan0 --dst-mac "$MAC2" --src6 fd00::1 --dst6 fd00::2 \
		--src4 192.168.1.2 --dst4 192.168.2.2 --port 4647 --count "$count" --tag "$tag" "$@" >/dev/null
}

# frag_case NAME COUNT HELD-PER-DATAGRAM ip4ip6-options...: h2 receives all COUNT
frag_case() {
	local name=$1 count=$2 held=$3 res="$E2E_TMP/rx.$1"
	shift 3
	nsx "$H2" "$PY" "$PKT" udp-recv --port 4647 --count "$count" --idle 3 --max-time 10 --tag "$name" >"$res" &
	local rpid=$!
	if ! wait_listen "$H2" udp 4647; then
		kill "$rpid" 2>/dev/null
		fail "$mode/$name" "the UDP receiver on h2 did not start"
		return
	fi
	send_frag "$count" "$name" "$@"
	wait "$rpid"
	local u
	u=$(sed -n 's/.* unique \([0-9]*\) .*/\1/p' "$res")
	check "$mode/$name" "h2 received ${u:-0} of $count datagrams ($(cat "$res"))" [ "${u:-0}" = "$count" ]
	WANT_REASM=$((WANT_REASM + count))
	WANT_HELD=$((WANT_HELD + count * held))
}

for mode in $E2E_MODES; do
	mode_up "$mode" || {
		topo_down
		continue
	}
	MAC2=$(mac_of "$R2" wan0)
	n=$(ping_count "$H1" 192.168.2.2 -c 2 -i 0.2 -W 2)
	check "$mode/baseline_ping" "received ${n:-0} of 2 replies" [ "${n:-0}" = 2 ]

	WANT_REASM=0
	WANT_HELD=0
	j=$(stats_json "$R2")
	frag_case 2_pieces_in_order 5 1 --size 1000 --frag 2
	frag_case 3_pieces_out_of_order 5 2 --size 1000 --frag 3 --order 2,0,1
	frag_case 3_pieces_reversed_encaplimit 5 2 --size 1000 --frag 3 --order 2,1,0 --encaplimit 4
	frag_case 2_pieces_inner_over_lan_mtu_no_df 3 1 --size 2400 --frag 2 --no-df
	k=$(stats_json "$R2")
	for c in "decap_frag_reassembled $WANT_REASM" "decap_frag_held $WANT_HELD" "decap_drop_frag 0"; do
		set -- $c
		d=$(($(num "$(counter "$R2" "$1" "$k")") - $(num "$(counter "$R2" "$1" "$j")")))
		check "$mode/r2_$1" "r2 $1 rose by $d (want exactly $2)" [ "$d" = "$2" ]
	done

	# -- the same fragments from an address that is no peer: left to the kernel, nothing delivered
	res="$E2E_TMP/rx.unknown"
	nsx "$H2" "$PY" "$PKT" udp-recv --port 4647 --idle 2 --max-time 3 --tag unknown >"$res" &
	rpid=$!
	wait_listen "$H2" udp 4647
	nsx "$R1" "$PY" "$PKT" ip4ip6 --ifname wan0 --dst-mac "$MAC2" --src6 fd00::99 --dst6 fd00::2 \
		--src4 192.168.1.2 --dst4 192.168.2.2 --port 4647 --count 3 --tag unknown --size 1000 --frag 2 >/dev/null
	wait "$rpid"
	u=$(sed -n 's/.* unique \([0-9]*\) .*/\1/p' "$res")
	check "$mode/unknown_source_not_delivered" "h2 received ${u:-?} datagrams (want 0)" [ "${u:-?}" = 0 ]
	l=$(stats_json "$R2")
	for c in decap_frag_held decap_frag_reassembled decap_drop_frag decap_packets slow_decap_packets; do
		d=$(($(num "$(counter "$R2" $c "$l")") - $(num "$(counter "$R2" $c "$k")")))
		check "$mode/unknown_source_not_taken_$c" "r2 $c rose by $d (want 0)" [ "$d" = 0 ]
	done
	topo_down
done
e2e_finish
