#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A WAN configured by router advertisements (issue 8, item 3), as FLET'S
# without a phone contract: an "NGN" namespace runs radvd on a bridge to r1
# and r2 (router lifetime 10 s, an RA every 3-4 s); the routers take their
# WAN address and default route from RAs (accept_ra=1) with IPv6 forwarding
# OFF everywhere (IPv4 forwarding on), and peer with `local auto`.
#   - the RA default route never disappears: polled every 0.5 s from before
#     the first tun46 command (which creates the tunnel device) to the end;
#   - tun46p got IPv6 forwarding without any forwarding sysctl being written
#     (all/default stay 0), and gets it back, recreated, after a write of
#     net.ipv6.conf.all.forwarding took it away;
#   - h1 -> h2 pings through the tunnel for > 3 router lifetimes, all answered,
#     and the fast path carries them (encap/decap counters).
. "$(dirname "$0")/lib.sh"
e2e_require ra
if ! command -v radvd >/dev/null; then
	fail ra "radvd is missing (run: make deps)"
	e2e_finish
fi

LIFETIME=10

ra_topo_up() {
	ns_new H1 h1 && ns_new R1 r1 && ns_new R2 r2 && ns_new H2 h2 && ns_new NGN ngn || return 1
	veth "$H1" eth0 "$R1" lan0 && veth "$R2" lan0 "$H2" eth0 || return 1
	veth "$R1" wan0 "$NGN" p1 && veth "$R2" wan0 "$NGN" p2 || return 1
	ip -n "$NGN" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0 || return 1
	local p r h
	for p in p1 p2; do
		ip -n "$NGN" link set "$p" master br0
		ip -n "$NGN" link set "$p" up
		# XDP_REDIRECT into a veth delivers only with GRO (or XDP) on its far end
		nsx "$NGN" ethtool -K "$p" gro on >/dev/null 2>&1
	done
	nsx "$NGN" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n "$NGN" link set br0 up
	cat >"$E2E_TMP/radvd.conf" <<EOF
interface br0 {
	AdvSendAdvert on;
	MinRtrAdvInterval 3;
	MaxRtrAdvInterval 4;
	AdvDefaultLifetime $LIFETIME;
	prefix fd00:1::/64 {
		AdvOnLink on;
		AdvAutonomous on;
		AdvValidLifetime 600;
		AdvPreferredLifetime 300;
	};
};
EOF
	for r in "$R1" "$R2"; do
		# a router whose WAN is configured by RAs: forwarding off for IPv6
		nsx "$r" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=0 \
			net.ipv6.conf.default.forwarding=0 net.ipv6.conf.wan0.accept_ra=1 \
			net.ipv6.conf.wan0.autoconf=1 net.ipv6.conf.wan0.router_solicitations=3 || return 1
		ip -n "$r" link set wan0 up
		ip -n "$r" link set lan0 up
		nsx "$r" ethtool -K lan0 gro on >/dev/null 2>&1
		nsx "$r" ethtool -K wan0 gro on >/dev/null 2>&1
	done
	ip -n "$R1" addr add 192.168.1.1/24 dev lan0
	ip -n "$R2" addr add 192.168.2.1/24 dev lan0
	ip -n "$H1" addr add 192.168.1.2/24 dev eth0
	ip -n "$H2" addr add 192.168.2.2/24 dev eth0
	for h in "$H1" "$H2"; do
		ip -n "$h" link set eth0 up
		nsx "$h" ethtool -K eth0 gro on >/dev/null 2>&1
	done
	ip -n "$H1" route add default via 192.168.1.1
	ip -n "$H2" route add default via 192.168.2.1
	ip netns exec "$NGN" radvd -C "$E2E_TMP/radvd.conf" -p "$E2E_TMP/radvd.$NGN.pid" -n -m stderr \
		>"$E2E_TMP/radvd.log" 2>&1 &
	E2E_PIDS+=($!)
}

# ra_down: stop radvd (and its privilege-separated child: every process of
# the NGN namespace this test made), then the topology
ra_down() {
	local p
	if [ -n "${NGN:-}" ]; then
		for p in $(ip netns pids "$NGN" 2>/dev/null); do kill "$p" 2>/dev/null; done
	fi
	topo_down
}
trap 'ra_down; e2e_cleanup' EXIT

# wan_addr NS: the SLAAC address of wan0
wan_addr() { ip -n "$1" -j -6 addr show dev wan0 scope global | jq -r '.[0].addr_info[0].local // empty'; }

# poll_default NS FILE: every 0.5 s, one line: "ok" or "missing" (background)
poll_default() {
	while :; do
		if [ -n "$(ip -n "$1" -6 route show default 2>/dev/null)" ]; then echo ok; else echo "missing $(date +%T.%N)"; fi
		sleep 0.5
	done >"$2"
}

for mode in $E2E_MODES; do
	if ! ra_topo_up >"$E2E_TMP/setup.out" 2>&1; then
		fail "$mode/setup" "topology: $(head -c 400 "$E2E_TMP/setup.out")"
		ra_down
		continue
	fi
	hosts_for_mode "$mode"
	# wait for the RAs: default route and address on both routers
	a1="" a2=""
	for _ in $(seq 1 60); do
		a1=$(wan_addr "$R1")
		a2=$(wan_addr "$R2")
		if [ -n "$a1" ] && [ -n "$a2" ] && [ -n "$(ip -n "$R1" -6 route show default)" ] &&
			[ -n "$(ip -n "$R2" -6 route show default)" ]; then
			break
		fi
		sleep 0.25
	done
	if [ -z "$a1" ] || [ -z "$a2" ] || [ -z "$(ip -n "$R1" -6 route show default)" ]; then
		fail "$mode/ra_configured" "no RA address/default route (r1 '$a1', r2 '$a2'); radvd: $(tail -c 300 "$E2E_TMP/radvd.log")"
		ra_down
		continue
	fi
	pass "$mode/ra_configured"
	bg poll_default "$R1" "$E2E_TMP/poll.r1"
	bg poll_default "$R2" "$E2E_TMP/poll.r2"
	sleep 0.6

	# tun46 on both routers, local auto (the WAN's RA address)
	ok=1
	E2E_T46_NS+=("$R1" "$R2")
	for s in "$R1 $a2 192.168.2.0/24" "$R2 $a1 192.168.1.0/24"; do
		set -- $s
		out=$(t46 -n "$1" peer add site remote "$2" local auto 2>&1) || {
			ok=0
			fail "$mode/peer_add_local_auto" "tun46 -n $1 peer add site remote $2 local auto: $out"
		}
		out=$(t46 -n "$1" route add "$3" peer site 2>&1) || {
			ok=0
			fail "$mode/route_add" "$out"
		}
		for a in "wan0 wan" "lan0 lan"; do
			set -- $s $a
			tun46_attach "$1" "$4" "$5" "$mode" >"$E2E_TMP/attach.out" 2>&1 || {
				ok=0
				fail "$mode/attach" "$(cat "$E2E_TMP/attach.out")"
			}
			# no advice to turn IPv6 forwarding on
			if grep -q 'ipv6' "$E2E_TMP/attach.out"; then
				fail "$mode/attach_no_ipv6_forwarding_advice" "$(cat "$E2E_TMP/attach.out")"
				ok=0
			fi
		done
	done
	[ "$ok" = 1 ] && pass "$mode/tun46_configured_local_auto"

	# tun46p: forwarding inherited, no forwarding sysctl written
	f=$(nsx "$R1" sysctl -n net.ipv6.conf.tun46p.forwarding net.ipv6.conf.all.forwarding \
		net.ipv6.conf.default.forwarding net.ipv6.conf.wan0.forwarding net.ipv6.conf.tun46p.accept_ra | tr '\n' ' ')
	check "$mode/tun46p_forwarding_only" \
		"tun46p.forwarding all.forwarding default.forwarding wan0.forwarding tun46p.accept_ra = $f (want 1 0 0 0 0)" \
		[ "$f" = "1 0 0 0 0 " ]

	# forwarding lost later (writing all.forwarding rewrites every device's):
	# the next tun46 write recreates the pair, without purging the RA route
	nsx "$R1" sysctl -qw net.ipv6.conf.all.forwarding=0
	before=$(nsx "$R1" sysctl -n net.ipv6.conf.tun46p.forwarding)
	out=$(t46 -n "$R1" route add 10.99.0.0/16 peer site 2>&1)
	f=$(nsx "$R1" sysctl -n net.ipv6.conf.tun46p.forwarding)
	k=$(ip -n "$R1" route show 192.168.2.0/24 dev tun46 proto 46 | wc -l)
	if [ "$before" = 0 ] && [ "$f" = 1 ] && [ "$k" = 1 ] && echo "$out" | grep -q "recreated the tunnel device"; then
		pass "$mode/tun46p_forwarding_repaired"
	else
		fail "$mode/tun46p_forwarding_repaired" \
			"tun46p forwarding $before -> $f, kernel route via tun46: $k (want 0 -> 1, 1); tun46 said: $out"
	fi

	# traffic for more than 3 router lifetimes
	j1=$(stats_json "$R1")
	j2=$(stats_json "$R2")
	n=$(ping_count "$H1" 192.168.2.2 -c 72 -i 0.5 -W 2)
	check "$mode/ping_through_3_lifetimes" "received ${n:-0} of 72 echo replies over 36 s (router lifetime ${LIFETIME} s)" \
		[ "${n:-0}" -ge 71 ]
	k1=$(stats_json "$R1")
	k2=$(stats_json "$R2")
	e1=$(($(num "$(counter "$R1" encap_packets "$k1")") - $(num "$(counter "$R1" encap_packets "$j1")")))
	d2=$(($(num "$(counter "$R2" decap_packets "$k2")") - $(num "$(counter "$R2" decap_packets "$j2")")))
	f1=$(($(num "$(counter "$R1" encap_pass_fib "$k1")") - $(num "$(counter "$R1" encap_pass_fib "$j1")")))
	ok=0
	[ "$e1" -ge 60 ] && [ "$d2" -ge 60 ] && ok=1
	check "$mode/fast_path_without_ipv6_forwarding" \
		"r1 encap_packets +$e1 (encap_pass_fib +$f1), r2 decap_packets +$d2 for 72 pings (want >= 60 each)" \
		[ "$ok" = 1 ]

	# the default route never went away
	for r in r1 r2; do
		m=$(grep -c missing "$E2E_TMP/poll.$r")
		t=$(wc -l <"$E2E_TMP/poll.$r")
		ok=0
		[ "$m" = 0 ] && [ "$t" -ge 60 ] && ok=1
		check "$mode/default_route_kept_$r" \
			"the RA default route was missing in $m of $t polls: $(grep missing "$E2E_TMP/poll.$r" | head -3 | tr '\n' ' ')" \
			[ "$ok" = 1 ]
	done
	ra_down
done
e2e_finish
