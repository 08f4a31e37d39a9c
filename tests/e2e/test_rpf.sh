#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The inner-source check is a strict reverse-path check (issue 8, findings 2
# and 10).  r2 has a hub route (`route add 0.0.0.0/0 peer site`), so the
# peer's prefixes alone would accept any inner source.  The real peer r1
# (its WAN address as outer source, frames crafted on r1's wan0) sends
# ip4ip6 toward h2 with inner sources that an ip6tnl router with rp_filter=1
# refuses:
#   martians 0.0.0.1 127.0.0.1 224.0.0.5 240.0.0.1 255.255.255.255 -> decap_drop_martian
#   r2's own addresses 192.168.2.1 (LAN) and 10.0.0.2 (WAN IPv4)   -> decap_drop_local_source
#   r2's connected subnets 192.168.2.50, 10.0.0.7 (route back not via tun46) -> decap_drop_rpf
# (with and without a custom ip rule: the kernel merges its local table into
# main until the first one), and malformed frames: a bad inner header checksum -> decap_drop_inner_csum,
# outer version 4 in an 0x86DD frame -> decap_drop_not_ipv6.  Nothing reaches
# h2; each counter rises by exactly the packets sent; a control packet with
# a legitimate inner source (192.168.1.2) is delivered.
. "$(dirname "$0")/lib.sh"
e2e_require rpf

# send COUNT SRC4 TAG [lib_pkt options...]: from the peer r1, toward h2
send_peer() {
	local count=$1 src4=$2 tag=$3
	shift 3
	nsx "$R1" "$PY" "$PKT" ip4ip6 --ifname wan0 --dst-mac "$MAC2" --src6 fd00::1 --dst6 fd00::2 \
		--src4 "$src4" --dst4 192.168.2.2 --count "$count" --port 4646 --tag "$tag" "$@" >/dev/null
}
# cdelta NAME JSON-BEFORE JSON-AFTER: how much r2's counter NAME rose
cdelta() { echo $(($(num "$(counter "$R2" "$1" "$3")") - $(num "$(counter "$R2" "$1" "$2")"))); }
h2_start() {
	capture_start "$H2" eth0 "$E2E_TMP/h2.$1.cap" udp port 4646
}
h2_stop() {
	capture_stop
	grep -c '^[0-9].* UDP' "$E2E_TMP/h2.$1.cap"
}

for mode in $E2E_MODES; do
	mode_up "$mode" || {
		topo_down
		continue
	}
	setup "$mode/setup_hub_route_r2" t46 -n "$R2" route add 0.0.0.0/0 peer site || {
		topo_down
		continue
	}
	# an IPv4 address of r2 outside its LAN (as on a WAN with IPv4 too)
	ip -n "$R2" addr add 10.0.0.2/24 dev wan0
	MAC2=$(mac_of "$R2" wan0)
	n=$(ping_count "$H1" 192.168.2.2 -c 2 -i 0.2 -W 2)
	check "$mode/baseline_ping" "received ${n:-0} of 2 replies" [ "${n:-0}" = 2 ]

	# -- inner sources the kernel's strict reverse-path rule refuses
	h2_start rpf
	j=$(stats_json "$R2")
	for s in 0.0.0.1 127.0.0.1 224.0.0.5 240.0.0.1 255.255.255.255; do
		send_peer 2 "$s" martian
	done
	send_peer 3 192.168.2.1 localsrc
	send_peer 3 10.0.0.2 localsrc
	send_peer 4 192.168.2.50 rpf
	send_peer 3 10.0.0.7 rpf
	sleep 0.5
	k=$(stats_json "$R2")
	got=$(h2_stop rpf)
	check "$mode/bad_sources_nothing_reaches_h2" "h2 captured $got of 23 datagrams with refused inner sources (want 0)" [ "$got" = 0 ]
	for c in "decap_drop_martian 10" "decap_drop_local_source 6" "decap_drop_rpf 7"; do
		set -- $c
		d=$(cdelta "$1" "$j" "$k")
		check "$mode/$1" "r2 $1 rose by $d (want exactly $2)" [ "$d" = "$2" ]
	done
	for c in decap_packets slow_decap_packets; do
		d=$(cdelta $c "$j" "$k")
		check "$mode/bad_sources_not_decapsulated_$c" "r2 $c rose by $d (want 0)" [ "$d" = 0 ]
	done

	# -- the same with the local table apart from main: the kernel keeps them
	# merged until the first custom rule, so "is it ours" must work both ways
	ip -n "$R2" rule add pref 30000 lookup 200
	h2_start unmerged
	j=$(stats_json "$R2")
	send_peer 3 192.168.2.1 localsrc
	send_peer 2 10.0.0.2 localsrc
	send_peer 4 192.168.2.50 rpf
	sleep 0.5
	k=$(stats_json "$R2")
	got=$(h2_stop unmerged)
	check "$mode/custom_rule_nothing_reaches_h2" "h2 captured $got of 9 datagrams with refused inner sources (want 0)" [ "$got" = 0 ]
	for c in "decap_drop_local_source 5" "decap_drop_rpf 4"; do
		set -- $c
		d=$(cdelta "$1" "$j" "$k")
		check "$mode/custom_rule_$1" "with an ip rule on r2 (local table unmerged), r2 $1 rose by $d (want exactly $2)" [ "$d" = "$2" ]
	done
	ip -n "$R2" rule del pref 30000 lookup 200

	# -- control: a legitimate inner source from the same sender is delivered
	h2_start control
	send_peer 3 192.168.1.2 control
	sleep 0.5
	got=$(h2_stop control)
	check "$mode/control_legitimate_source_delivered" "h2 captured $got of 3 datagrams from 192.168.1.2" [ "$got" = 3 ]

	# -- malformed: inner header checksum, outer version
	h2_start bad
	j=$(stats_json "$R2")
	send_peer 5 192.168.1.2 badcsum --bad-csum
	send_peer 4 192.168.1.2 version4 --version 4
	sleep 0.5
	k=$(stats_json "$R2")
	got=$(h2_stop bad)
	check "$mode/malformed_nothing_reaches_h2" "h2 captured $got of 9 malformed datagrams (want 0)" [ "$got" = 0 ]
	d=$(cdelta decap_drop_inner_csum "$j" "$k")
	check "$mode/decap_drop_inner_csum" "r2 decap_drop_inner_csum rose by $d (want exactly 5)" [ "$d" = 5 ]
	d=$(cdelta decap_drop_not_ipv6 "$j" "$k")
	check "$mode/decap_drop_not_ipv6" "r2 decap_drop_not_ipv6 rose by $d (want exactly 4)" [ "$d" = 4 ]
	topo_down
done
e2e_finish
