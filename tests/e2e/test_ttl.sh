#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# TTL as a kernel ip4ip6 tunnel shows it: each router decrements once (r1 when
# it routes into the tunnel, r2 when it routes out of it), so TTL 1 expires at
# r1 and TTL 2 at r2, each answering ICMP time exceeded; traceroute lists
# r1, r2, then the host.
. "$(dirname "$0")/lib.sh"
e2e_require ttl

for mode in $E2E_MODES; do
	mode_up "$mode" || {
		topo_down
		continue
	}
	nsx "$H1" ping -c 1 -W 2 192.168.2.2 >/dev/null 2>&1 # neighbours
	for c in "h1 $H1 192.168.2.2 192.168.1.1 192.168.2.1" "h2 $H2 192.168.1.2 192.168.2.1 192.168.1.1"; do
		set -- $c
		from=$1 ns=$2 dst=$3 near=$4 far=$5
		out=$(nsx "$ns" ping -n -c 1 -W 2 -t 1 "$dst" 2>&1)
		if echo "$out" | grep -q "From $near icmp_seq=1 Time to live exceeded"; then
			pass "$mode/ttl1_expires_at_encap_router_$from"
		else
			fail "$mode/ttl1_expires_at_encap_router_$from" "ping -t 1 $dst printed: $(echo "$out" | grep -v '^$' | head -3 | tr '\n' '|') (want 'From $near icmp_seq=1 Time to live exceeded')"
		fi
		out=$(nsx "$ns" ping -n -c 1 -W 2 -t 2 "$dst" 2>&1)
		if echo "$out" | grep -q "From $far icmp_seq=1 Time to live exceeded"; then
			pass "$mode/ttl2_expires_at_decap_router_$from"
		else
			fail "$mode/ttl2_expires_at_decap_router_$from" "ping -t 2 $dst printed: $(echo "$out" | grep -v '^$' | head -3 | tr '\n' '|') (want 'From $far icmp_seq=1 Time to live exceeded')"
		fi
		n=$(ping_count "$ns" "$dst" -c 1 -W 2 -t 3)
		check "$mode/ttl3_arrives_$from" "ping -t 3 $dst: ${n:-0} of 1 replies" [ "${n:-0}" = 1 ]
	done
	# received TTL: 64 - 2 (one decrement per router, like ip6tnl)
	ttl=$(nsx "$H1" ping -n -c 1 -W 2 192.168.2.2 2>&1 | grep -o 'ttl=[0-9]*')
	check "$mode/reply_ttl_62" "h1 saw $ttl in the reply from h2 (want ttl=62)" [ "$ttl" = ttl=62 ]

	if command -v traceroute >/dev/null; then
		hops=$(nsx "$H1" traceroute -n -q 1 -w 2 -m 5 192.168.2.2 2>&1 | awk 'NR > 1 { print $2 }' | tr '\n' ' ')
		check "$mode/traceroute" "traceroute hops: '$hops' (want 192.168.1.1 192.168.2.1 192.168.2.2)" \
			[ "$hops" = "192.168.1.1 192.168.2.1 192.168.2.2 " ]
	else
		skip "$mode/traceroute" "traceroute not installed (make deps)"
	fi
	topo_down
done
e2e_finish
