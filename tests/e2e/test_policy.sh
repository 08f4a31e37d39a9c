#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Decapsulated packets are routed as if they arrived on the tunnel device
# (issue 8, finding 4), as with ip6tnl:
#   - `ip rule add iif tun46 lookup 100` on r2 is honoured by the fast path:
#     with table 100 sending 192.168.2.0/24 via h3 (a second LAN of r2,
#     attached to tun46), h1's traffic to h2 lands at h3, forwarded by the
#     fast path; with a blackhole there, nothing reaches h2 or h3 and the
#     fast path forwards none of it;
#   - IPv4 forwarding off on r2's WAN interface only (on for lan0, tun46 and
#     all) does not disable the fast path: decap_packets counts the traffic.
. "$(dirname "$0")/lib.sh"
e2e_require policy

# cdelta NAME JSON-BEFORE JSON-AFTER: how much r2's counter NAME rose
cdelta() { echo $(($(num "$(counter "$R2" "$1" "$3")") - $(num "$(counter "$R2" "$1" "$2")"))); }

# h3 behind r2's second LAN port lan1 (192.168.6.0/24), a tun46 LAN port too
h3_up() {
	local mode=$1
	ns_new H3 h3 || return 1
	veth "$R2" lan1 "$H3" eth0 || return 1
	ip -n "$R2" addr add 192.168.6.1/24 dev lan1 &&
		ip -n "$R2" link set lan1 up &&
		ip -n "$H3" addr add 192.168.6.2/24 dev eth0 &&
		ip -n "$H3" link set eth0 up &&
		ip -n "$H3" route add default via 192.168.6.1 || return 1
	# as topo_up does for h1/h2: GRO on so XDP-redirected frames are delivered
	nsx "$R2" ethtool -K lan1 gro on >/dev/null 2>&1
	nsx "$H3" ethtool -K eth0 gro on >/dev/null 2>&1
	[ "$mode" = xdp ] && nsx "$R2" ethtool -K lan1 tx off >/dev/null 2>&1
	tun46_attach "$R2" lan1 lan "$mode"
}

# send_h1 COUNT TAG: UDP from h1 to h2 (port 4810)
send_h1() {
	nsx "$H1" "$PY" "$PKT" udp-send --dst 192.168.2.2 --port 4810 --count "$1" --interval 0.01 --tag "$2" >/dev/null
}
# two captures at once: h2 and h3
caps_start() {
	capture_start "$H2" eth0 "$E2E_TMP/h2.$1.cap" udp port 4810
	P_H2=$CAPTURE_PID
	capture_start "$H3" eth0 "$E2E_TMP/h3.$1.cap" udp port 4810
	P_H3=$CAPTURE_PID
}
caps_stop() { # prints "H2COUNT H3COUNT"
	CAPTURE_PID=$P_H2 capture_stop
	CAPTURE_PID=$P_H3 capture_stop
	echo "$(grep -c '^[0-9].* UDP' "$E2E_TMP/h2.$1.cap") $(grep -c '^[0-9].* UDP' "$E2E_TMP/h3.$1.cap")"
}

for mode in $E2E_MODES; do
	mode_up "$mode" || {
		topo_down
		continue
	}
	setup "$mode/setup_h3" h3_up "$mode" || {
		topo_down
		continue
	}
	# neighbours resolved before the counted runs (else the first packet takes the slow path)
	n=$(ping_count "$H1" 192.168.2.2 -c 2 -i 0.2 -W 2)
	check "$mode/baseline_ping" "received ${n:-0} of 2 replies" [ "${n:-0}" = 2 ]
	nsx "$R2" ping -c 1 -W 1 192.168.6.2 >/dev/null 2>&1

	# -- iif tun46 policy: 192.168.2.0/24 via h3
	ip -n "$R2" route add 192.168.2.0/24 via 192.168.6.2 dev lan1 table 100
	ip -n "$R2" rule add pref 100 iif tun46 lookup 100
	caps_start via
	j=$(stats_json "$R2")
	send_h1 10 via
	sleep 0.3
	k=$(stats_json "$R2")
	read -r g2 g3 <<<"$(caps_stop via)"
	check "$mode/iif_rule_followed_to_h3" "h3 (table 100's next hop) captured $g3 of 10 datagrams for 192.168.2.2" [ "$g3" = 10 ]
	check "$mode/iif_rule_not_to_h2" "h2 captured $g2 of 10 datagrams that the rule sends to h3 (want 0)" [ "$g2" = 0 ]
	d=$(cdelta decap_packets "$j" "$k")
	check "$mode/iif_rule_on_fast_path" "r2 decap_packets rose by $d, h3 captured $g3 (want 10 10: the fast path forwards by the rule)" [ "$d $g3" = "10 10" ]

	# -- iif tun46 policy: blackhole
	ip -n "$R2" route replace blackhole 192.168.2.0/24 table 100
	caps_start bh
	j=$(stats_json "$R2")
	send_h1 10 blackhole
	sleep 0.3
	k=$(stats_json "$R2")
	read -r g2 g3 <<<"$(caps_stop bh)"
	check "$mode/iif_rule_blackhole_nothing_delivered" "h2 captured $g2, h3 $g3 of 10 datagrams blackholed by the rule (want 0 0)" [ "$g2 $g3" = "0 0" ]
	d=$(cdelta decap_packets "$j" "$k")
	check "$mode/iif_rule_blackhole_not_fast_forwarded" "r2 decap_packets rose by $d (want 0)" [ "$d" = 0 ]
	ip -n "$R2" rule del pref 100 iif tun46 lookup 100

	# -- IPv4 forwarding off on the WAN interface only
	nsx "$R2" sysctl -qw net.ipv4.conf.wan0.forwarding=0
	fw=$(nsx "$R2" sysctl -n net.ipv4.conf.lan0.forwarding net.ipv4.conf.tun46.forwarding net.ipv4.conf.all.forwarding | tr '\n' ' ')
	[ "$fw" = "1 1 1 " ] || log "unexpected forwarding settings on r2 (lan0 tun46 all): $fw"
	j=$(stats_json "$R2")
	r=$(udp_burst "$H1" "$H2" 192.168.2.2 20 200 0.005 4811)
	k=$(stats_json "$R2")
	check "$mode/wan_forwarding_off_delivered" "$r (want 20 of 20)" [ "$(echo "$r" | awk '{print $4}')" = 20 ]
	d=$(cdelta decap_packets "$j" "$k")
	check "$mode/wan_forwarding_off_fast_path" "r2 decap_packets rose by $d (want 20: conf/tun46/forwarding decides, not conf/wan0)" [ "$d" = 20 ]
	topo_down
done
e2e_finish
