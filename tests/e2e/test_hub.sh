#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A hub site (issue 8, finding 1): r1 sends everything to its peer
# (`route add 0.0.0.0/0 peer site`), yet the kernel's routing decides what
# the fast path encapsulates, as on an ip6tnl router:
#   a) a DHCP client on h1 gets a lease from r1's own DHCP server (dnsmasq):
#      the DISCOVER (to 255.255.255.255) reaches r1, not the tunnel
#   b) h1 pings the router itself (192.168.1.1): replies, nothing tunnelled
#   c) another LAN of r1 (h3, 192.168.5.0/24 on lan1) is reached directly
#   d) a subnet broadcast and mDNS (224.0.0.251) reach r1's kernel, not the tunnel
#   e) frames to another host's MAC (r1's lan0 promiscuous) are not forwarded
#   f) a bad IPv4 header checksum is dropped and counted (encap_drop_bad_csum)
#   g) an admin's more specific route (192.168.2.128/25 via h3) wins over
#      tun46's (counted encap_pass_kernel_route)
# "Tunnelled" is seen on the WAN itself: the WAN is a bridge and every ip4ip6
# frame r1 sends is captured on the switch port (XDP-redirected frames skip
# the routers' own packet taps), and on r1's encap counters.
. "$(dirname "$0")/lib.sh"
e2e_require hub
if ! command -v dnsmasq >/dev/null; then
	fail hub "missing tools: dnsmasq (run: make deps)"
	exit 1
fi

TOPO_BRIDGE=1

# cdelta NAME NS JSON-BEFORE JSON-AFTER: how much counter NAME rose
cdelta() { echo $(($(num "$(counter "$2" "$1" "$4")") - $(num "$(counter "$2" "$1" "$3")"))); }
# encap_sum JSON: packets r1 encapsulated, fast and slow path
encap_sum() { printf '%s' "$1" | jq '.total.encap_packets + .total.slow_encap_packets' 2>/dev/null || echo -1; }
# decap_seen JSON: every tunnel packet r2's WAN programs looked at (finished, passed or dropped)
decap_seen() {
	printf '%s' "$1" | jq '[.total | to_entries[] | select((.key | startswith("decap_") or startswith("slow_decap_")) and (.key | endswith("_bytes") | not)) | .value] | add' 2>/dev/null || echo -1
}

# wan_start TAG / wan_stop TAG: count the ip4ip6 frames r1 puts on the WAN
wan_start() {
	capture_start "$SW" p1 "$E2E_TMP/wan.$1.cap" -Q in 'ip6 and (ip6[6] == 4 or ip6[6] == 60)'
	WAN_PID=$CAPTURE_PID
}
wan_stop() {
	CAPTURE_PID=$WAN_PID capture_stop
	grep -c '^[0-9].* IP6 ' "$E2E_TMP/wan.$1.cap"
}
# cap_start NS IF TAG FILTER... / cap_stop TAG: a second capture (h2, h3)
cap_start() {
	local ns=$1 ifn=$2 tag=$3
	shift 3
	capture_start "$ns" "$ifn" "$E2E_TMP/cap.$tag" "$@"
	CAP_PID=$CAPTURE_PID
}
cap_stop() {
	CAPTURE_PID=$CAP_PID capture_stop
	grep -c '^[0-9].* UDP' "$E2E_TMP/cap.$1"
}

# h3 behind r1's second LAN port lan1 (192.168.5.0/24), not attached to tun46
h3_up() {
	ns_new H3 h3 || return 1
	veth "$R1" lan1 "$H3" eth0 || return 1
	ip -n "$R1" addr add 192.168.5.1/24 dev lan1 &&
		ip -n "$R1" link set lan1 up &&
		ip -n "$H3" addr add 192.168.5.2/24 dev eth0 &&
		ip -n "$H3" link set eth0 up &&
		ip -n "$H3" route add default via 192.168.5.1
}

dnsmasq_up() {
	: >"$E2E_TMP/dnsmasq.log"
	bg ip netns exec "$R1" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
		--interface=lan0 --bind-interfaces --user=root --group=root \
		--dhcp-range=192.168.1.100,192.168.1.150,255.255.255.0,10m --dhcp-authoritative --no-ping \
		--dhcp-leasefile="$E2E_TMP/dnsmasq.leases" --pid-file="$E2E_TMP/dnsmasq.pid" \
		--log-dhcp --log-facility="$E2E_TMP/dnsmasq.log"
	wait_listen "$R1" udp 67
}

# dhcp_client: a real client (busybox udhcpc) asks for a lease without
# touching h1's address (its script only records the lease); without
# busybox, DISCOVERs sent by lib_pkt.py (then no lease can be checked).
dhcp_client() {
	if busybox udhcpc --help >/dev/null 2>&1; then
		printf '#!/bin/sh\necho "$1 ${ip:-}" >>%s\n' "$E2E_TMP/udhcpc.out" >"$E2E_TMP/udhcpc.sh"
		chmod +x "$E2E_TMP/udhcpc.sh"
		: >"$E2E_TMP/udhcpc.out"
		nsx "$H1" timeout 15 busybox udhcpc -i eth0 -f -q -n -t 4 -T 1 -s "$E2E_TMP/udhcpc.sh" \
			>"$E2E_TMP/udhcpc.log" 2>&1
		DHCP_CLIENT=udhcpc
	else
		nsx "$H1" "$PY" "$PKT" dhcp-discover --ifname eth0 --count 3 >/dev/null
		sleep 1
		DHCP_CLIENT=raw
	fi
}

for mode in $E2E_MODES; do
	mode_up "$mode" || {
		topo_down
		continue
	}
	setup "$mode/setup_hub_route" t46 -n "$R1" route add 0.0.0.0/0 peer site &&
		setup "$mode/setup_h3" h3_up &&
		setup "$mode/setup_dnsmasq" dnsmasq_up || {
		topo_down
		continue
	}
	MAC1=$(mac_of "$R1" lan0)
	MAC_H1=$(mac_of "$H1" eth0)
	# the tunnel works (and r1's IPv6 neighbour is resolved) before anything is checked
	n=$(ping_count "$H1" 192.168.2.2 -c 2 -i 0.2 -W 2)
	check "$mode/baseline_ping_h2_through_tunnel" "received ${n:-0} of 2 replies" [ "${n:-0}" = 2 ]

	# -- a) DHCP: the DISCOVER reaches r1's server, the client gets a lease
	wan_start dhcp
	j=$(stats_json "$R1")
	dhcp_client
	k=$(stats_json "$R1")
	got=$(wan_stop dhcp)
	if grep -q "DHCPDISCOVER(lan0) $MAC_H1" "$E2E_TMP/dnsmasq.log"; then
		pass "$mode/dhcp_discover_reaches_r1_server"
	else
		fail "$mode/dhcp_discover_reaches_r1_server" "dnsmasq on r1 logged no DHCPDISCOVER(lan0) from $MAC_H1 (log: $(grep -o 'DHCP[A-Z]*([a-z0-9]*) [^ ]*' "$E2E_TMP/dnsmasq.log" | head -3 | tr '\n' '|'))"
	fi
	if [ "$DHCP_CLIENT" = udhcpc ]; then
		lease=$(sed -n 's/^bound \(192\.168\.1\.[0-9]*\)$/\1/p' "$E2E_TMP/udhcpc.out" | head -1)
		if [ -n "$lease" ] && [ "${lease##*.}" -ge 100 ] && [ "${lease##*.}" -le 150 ]; then
			pass "$mode/dhcp_lease_obtained"
		else
			fail "$mode/dhcp_lease_obtained" "udhcpc on h1 got no lease in 192.168.1.100-150 (script saw: $(tr '\n' '|' <"$E2E_TMP/udhcpc.out"); udhcpc: $(tail -3 "$E2E_TMP/udhcpc.log" | tr '\n' '|'))"
		fi
	else
		skip "$mode/dhcp_lease_obtained" "busybox (udhcpc) not installed: DISCOVERs sent by lib_pkt.py only"
	fi
	check "$mode/dhcp_not_tunnelled" "$got ip4ip6 frames left r1 on the WAN during the DHCP exchange (want 0)" [ "$got" = 0 ]

	# -- b) the router's own address
	wan_start self
	j=$(stats_json "$R1")
	n=$(ping_count "$H1" 192.168.1.1 -c 3 -i 0.2 -W 1)
	k=$(stats_json "$R1")
	got=$(wan_stop self)
	check "$mode/ping_router_itself" "received ${n:-0} of 3 replies from 192.168.1.1" [ "${n:-0}" = 3 ]
	d=$(($(encap_sum "$k") - $(encap_sum "$j")))
	check "$mode/ping_router_not_encapsulated" "r1 encap_packets+slow_encap_packets rose by $d (want 0)" [ "$d" = 0 ]
	check "$mode/ping_router_not_on_wan" "$got ip4ip6 frames on the WAN (want 0)" [ "$got" = 0 ]

	# -- c) another local subnet of r1
	wan_start local
	j=$(stats_json "$R1")
	n=$(ping_count "$H1" 192.168.5.2 -c 3 -i 0.2 -W 1)
	k=$(stats_json "$R1")
	got=$(wan_stop local)
	check "$mode/ping_other_local_subnet" "received ${n:-0} of 3 replies from h3 192.168.5.2" [ "${n:-0}" = 3 ]
	d=$(($(encap_sum "$k") - $(encap_sum "$j")))
	check "$mode/other_local_subnet_not_encapsulated" "r1 encap_packets+slow_encap_packets rose by $d (want 0)" [ "$d" = 0 ]
	check "$mode/other_local_subnet_not_on_wan" "$got ip4ip6 frames on the WAN (want 0)" [ "$got" = 0 ]

	# -- d) subnet broadcast and mDNS (TTL 255, as RFC 6762 sends it) go to r1's kernel
	res_bc="$E2E_TMP/bc.out" res_md="$E2E_TMP/md.out"
	nsx "$R1" "$PY" "$PKT" udp-recv --port 4701 --count 5 --idle 2 --max-time 5 --tag bc >"$res_bc" &
	p_bc=$!
	nsx "$R1" "$PY" "$PKT" udp-recv --port 5353 --count 5 --idle 2 --max-time 5 --tag md \
		--group 224.0.0.251 --group-if 192.168.1.1 >"$res_md" &
	p_md=$!
	wait_listen "$R1" udp 4701
	wait_listen "$R1" udp 5353
	wan_start bcast
	j=$(stats_json "$R1")
	j2=$(stats_json "$R2")
	nsx "$H1" "$PY" "$PKT" udp-send --dst 192.168.1.255 --port 4701 --count 5 --interval 0.02 --broadcast --tag bc >/dev/null
	nsx "$H1" "$PY" "$PKT" udp-send --dst 224.0.0.251 --port 5353 --count 5 --interval 0.02 --ttl 255 --tag md >/dev/null
	sleep 0.3
	k=$(stats_json "$R1")
	k2=$(stats_json "$R2")
	got=$(wan_stop bcast)
	wait "$p_bc" "$p_md"
	d=$(($(encap_sum "$k") - $(encap_sum "$j")))
	check "$mode/broadcast_mdns_not_encapsulated" "r1 encap_packets+slow_encap_packets rose by $d (want 0)" [ "$d" = 0 ]
	check "$mode/broadcast_mdns_not_on_wan" "$got ip4ip6 frames on the WAN (want 0)" [ "$got" = 0 ]
	d=$(($(decap_seen "$k2") - $(decap_seen "$j2")))
	check "$mode/broadcast_mdns_r2_sees_nothing" "r2's decap counters rose by $d (want 0)" [ "$d" = 0 ]
	r=$(cat "$res_bc")
	check "$mode/subnet_broadcast_reaches_r1" "r1's receiver on 4701: $r (want 5 of 192.168.1.255)" [ "$(echo "$r" | awk '{print $4}')" = 5 ]
	r=$(cat "$res_md")
	check "$mode/mdns_reaches_r1" "r1's receiver in 224.0.0.251: $r (want 5)" [ "$(echo "$r" | awk '{print $4}')" = 5 ]

	# -- e) another host's MAC on a promiscuous LAN port: not forwarded
	ip -n "$R1" link set lan0 promisc on
	cap_start "$H2" eth0 mac udp port 4702
	wan_start mac
	nsx "$H1" "$PY" "$PKT" udp4 --ifname eth0 --dst-mac 02:00:00:00:00:99 --src4 192.168.1.2 --dst4 192.168.2.2 \
		--port 4702 --count 5 --tag othermac >/dev/null
	sleep 0.3
	got=$(wan_stop mac)
	h2got=$(cap_stop mac)
	check "$mode/other_mac_not_forwarded" "h2 captured $h2got of 5 frames sent to MAC 02:00:00:00:00:99 (want 0)" [ "$h2got" = 0 ]
	check "$mode/other_mac_not_on_wan" "$got ip4ip6 frames on the WAN (want 0)" [ "$got" = 0 ]
	# control: the same crafted frames to r1's MAC are forwarded
	cap_start "$H2" eth0 macok udp port 4702
	nsx "$H1" "$PY" "$PKT" udp4 --ifname eth0 --dst-mac "$MAC1" --src4 192.168.1.2 --dst4 192.168.2.2 \
		--port 4702 --count 5 --tag control >/dev/null
	sleep 0.3
	h2got=$(cap_stop macok)
	check "$mode/control_crafted_to_router_mac_forwarded" "h2 captured $h2got of 5 crafted frames sent to r1's MAC" [ "$h2got" = 5 ]
	ip -n "$R1" link set lan0 promisc off

	# -- f) bad IPv4 header checksum: dropped, counted
	cap_start "$H2" eth0 csum udp port 4702
	wan_start csum
	j=$(stats_json "$R1")
	nsx "$H1" "$PY" "$PKT" udp4 --ifname eth0 --dst-mac "$MAC1" --src4 192.168.1.2 --dst4 192.168.2.2 \
		--port 4702 --count 6 --bad-csum --tag badcsum >/dev/null
	sleep 0.3
	k=$(stats_json "$R1")
	got=$(wan_stop csum)
	h2got=$(cap_stop csum)
	d=$(cdelta encap_drop_bad_csum "$R1" "$j" "$k")
	check "$mode/encap_drop_bad_csum" "r1 encap_drop_bad_csum rose by $d (want exactly 6)" [ "$d" = 6 ]
	check "$mode/bad_csum_not_delivered" "h2 captured $h2got of 6 frames with a bad header checksum (want 0)" [ "$h2got" = 0 ]
	check "$mode/bad_csum_not_on_wan" "$got ip4ip6 frames on the WAN (want 0)" [ "$got" = 0 ]

	# -- g) the admin's more specific route wins: 192.168.2.128/25 via h3
	ip -n "$R1" route add 192.168.2.128/25 via 192.168.5.2
	cap_start "$H3" eth0 admin udp port 4703
	wan_start admin
	j=$(stats_json "$R1")
	nsx "$H1" "$PY" "$PKT" udp-send --dst 192.168.2.130 --port 4703 --count 5 --interval 0.02 --tag admin >/dev/null
	sleep 0.3
	k=$(stats_json "$R1")
	got=$(wan_stop admin)
	h3got=$(cap_stop admin)
	check "$mode/admin_route_wins" "h3 (the admin route's next hop) captured $h3got of 5 datagrams to 192.168.2.130" [ "$h3got" = 5 ]
	check "$mode/admin_route_not_on_wan" "$got ip4ip6 frames on the WAN (want 0)" [ "$got" = 0 ]
	d=$(cdelta encap_pass_kernel_route "$R1" "$j" "$k")
	check "$mode/encap_pass_kernel_route" "r1 encap_pass_kernel_route rose by $d (want exactly 5)" [ "$d" = 5 ]
	d=$(($(encap_sum "$k") - $(encap_sum "$j")))
	check "$mode/admin_route_not_encapsulated" "r1 encap_packets+slow_encap_packets rose by $d (want 0)" [ "$d" = 0 ]
	topo_down
done
e2e_finish
