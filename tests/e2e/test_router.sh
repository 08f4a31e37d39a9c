#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Router-originated traffic (the slow path through the tunnel device) and
# neighbour misses: the first packet of a flow after the routers forgot
# every neighbour must arrive.
. "$(dirname "$0")/lib.sh"
e2e_require router

for mode in $E2E_MODES; do
	mode_up "$mode" || {
		topo_down
		continue
	}

	# -- r1 -> h2: the kernel routes into the tunnel device; the source it picks
	#    is r1's LAN address (the tunnel device has no IPv4 address, as with
	#    an ip6tnl device left unnumbered)
	capture_start "$H2" eth0 "$E2E_TMP/h2.cap" icmp
	n=$(ping_count "$R1" 192.168.2.2 -c 3 -i 0.2 -W 2)
	capture_stop
	src=$(grep -o 'IP [0-9.]* > 192.168.2.2: ICMP echo request' "$E2E_TMP/h2.cap" | awk '{print $2}' | sort -u | tr '\n' ' ')
	check "$mode/ping_r1_h2" "received ${n:-0} of 3 replies" [ "${n:-0}" = 3 ]
	check "$mode/ping_r1_h2_source" "h2 saw echo requests from '$src' (want 192.168.1.1)" [ "$src" = "192.168.1.1 " ]

	# -- h1 -> r2's LAN address: decapsulated for the router itself; the
	#    kernel sees it arrive on the tunnel device (as with ip6tnl), so
	#    `tcpdump -i tun46` shows it
	capture_start "$R2" tun46 "$E2E_TMP/tun.cap" icmp
	n=$(ping_count "$H1" 192.168.2.1 -c 3 -i 0.2 -W 2)
	capture_stop
	check "$mode/ping_h1_r2lan" "received ${n:-0} of 3 replies" [ "${n:-0}" = 3 ]
	c=$(grep -c 'IP 192.168.1.2 > 192.168.2.1: ICMP echo request' "$E2E_TMP/tun.cap")
	check "$mode/r2_tundev_shows_inbound" "tcpdump -i tun46 on r2 saw $c of 3 decapsulated echo requests" [ "$c" = 3 ]
	c=$(grep -c 'IP 192.168.2.1 > 192.168.1.2: ICMP echo reply' "$E2E_TMP/tun.cap")
	check "$mode/r2_tundev_shows_outbound" "tcpdump -i tun46 on r2 saw $c of 3 echo replies it sent (ip6tnl shows both directions; here only inbound)" [ "$c" = 3 ]
	# -- firewall rules keyed on the tunnel device keep working (for what
	#    reaches the kernel: traffic for the router itself)
	if command -v nft >/dev/null; then
		nsx "$R2" nft -f - <<'EOF'
table inet t46test {
	chain input {
		type filter hook input priority 0; policy accept;
		iifname "tun46" ip saddr 192.168.1.2 icmp type echo-request counter
		iifname "tun46" ip saddr 192.168.1.2 udp dport 4999 counter drop
	}
	chain forward {
		type filter hook forward priority 0; policy accept;
		iifname "tun46" ip daddr 192.168.2.2 counter
	}
}
EOF
		n=$(ping_count "$H1" 192.168.2.1 -c 3 -i 0.2 -W 2)
		nsx "$H1" "$PY" "$PKT" udp-send --dst 192.168.2.1 --port 4999 --count 4 --tag fw >/dev/null
		ping_count "$H1" 192.168.2.2 -c 3 -i 0.2 -W 2 >/dev/null
		sleep 0.2
		ctr=$(nsx "$R2" nft list table inet t46test | grep -o 'packets [0-9]*' | awk '{print $2}' | tr '\n' ' ')
		set -- $ctr
		check "$mode/nft_iif_tun46_input" "nft input counters (echo, udp drop): '${1:-} ${2:-}' after 3 pings and 4 datagrams to r2 (want '3 4')" \
			[ "${1:-x} ${2:-x}" = "3 4" ]
		log "$mode: nft forward 'iifname tun46' counter for 3 pings h1->h2: ${3:-?} (the fast path's redirect bypasses netfilter forward hooks; ip6tnl would count 3)"
		nsx "$R2" nft delete table inet t46test
	else
		skip "$mode/nft_iif_tun46_input" "nft not installed (make deps)"
	fi

	# -- router to router across the tunnel, both ways
	n=$(ping_count "$R1" 192.168.2.1 -c 3 -i 0.2 -W 2)
	check "$mode/ping_r1_r2lan" "received ${n:-0} of 3 replies" [ "${n:-0}" = 3 ]
	n=$(ping_count "$R2" 192.168.1.1 -c 3 -i 0.2 -W 2)
	check "$mode/ping_r2_r1lan" "received ${n:-0} of 3 replies" [ "${n:-0}" = 3 ]
	# -- a TCP transfer from the router (GSO from a local socket through the tunnel device)
	r=$(tcp_transfer "$R1" "$H2" 192.168.2.2 4 5201)
	check "$mode/tcp_r1_h2" "$r" [ "${r%% *}" = ok ]

	# -- neighbour misses: flush the routers' neighbour tables, then the first
	#    packet of a new flow must arrive (5 rounds, each a single echo)
	lost=""
	j1=$(stats_json "$R1")
	j2=$(stats_json "$R2")
	for i in 1 2 3 4 5; do
		for ns in "$R1" "$R2"; do
			ip -n "$ns" neigh flush all >/dev/null 2>&1
		done
		n=$(ping_count "$H1" 192.168.2.2 -c 1 -W 2)
		[ "${n:-0}" = 1 ] || lost+="h1->h2#$i "
		for ns in "$R1" "$R2"; do
			ip -n "$ns" neigh flush all >/dev/null 2>&1
		done
		n=$(ping_count "$H2" 192.168.1.2 -c 1 -W 2)
		[ "${n:-0}" = 1 ] || lost+="h2->h1#$i "
	done
	check "$mode/neigh_miss_first_packet" "first echo lost after 'ip neigh flush all' on r1 and r2: $lost" [ -z "$lost" ]
	# in the XDP modes the misses really went through the slow path (the fast
	# path saw no neighbour); mode tc redirects with bpf_redirect_neigh(),
	# which resolves the neighbour itself, so nothing is passed there
	k1=$(stats_json "$R1")
	k2=$(stats_json "$R2")
	miss=0
	for c in encap_pass_no_neigh decap_pass_no_neigh; do
		miss=$((miss + $(num "$(counter "$R1" $c "$k1")") - $(num "$(counter "$R1" $c "$j1")")))
		miss=$((miss + $(num "$(counter "$R2" $c "$k2")") - $(num "$(counter "$R2" $c "$j2")")))
	done
	[ "$mode" = tc ] ||
		check "$mode/neigh_miss_counted" "encap/decap_pass_no_neigh on r1+r2 rose by $miss over 10 flushed flows (want >= 10)" [ "$miss" -ge 10 ]

	# -- the same with a single UDP datagram (no retransmission to hide a loss)
	lost=""
	for i in 1 2 3; do
		for ns in "$R1" "$R2"; do
			ip -n "$ns" neigh flush all >/dev/null 2>&1
		done
		r=$(udp_burst "$H1" "$H2" 192.168.2.2 1 100 0 $((4800 + i)))
		[ "$(echo "$r" | awk '{print $4}')" = 1 ] || lost+="#$i($r) "
	done
	check "$mode/neigh_miss_first_udp" "first datagram lost after neighbour flush: $lost" [ -z "$lost" ]
	topo_down
done
e2e_finish
