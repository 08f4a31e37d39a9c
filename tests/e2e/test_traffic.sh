#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# h1 <-> h2 through two tun46 routers in every mode: ping, TCP with a checksum
# of the data, UDP bursts, with host offloads (GSO/GRO/TSO) on and off,
# neighbours learnt dynamically, and the fast-path counters rising.
. "$(dirname "$0")/lib.sh"
e2e_require traffic

for mode in $E2E_MODES; do
	mode_up "$mode" || {
		topo_down
		continue
	}

	# -- ping both directions: every echo answered
	for dir in "h1_h2 $H1 192.168.2.2" "h2_h1 $H2 192.168.1.2"; do
		set -- $dir
		n=$(ping_count "$2" "$3" -c 5 -i 0.2 -W 2)
		check "$mode/ping_$1" "received ${n:-0} of 5 echo replies" [ "${n:-0}" = 5 ]
	done

	# -- neighbours were learnt dynamically (nothing static anywhere)
	static=""
	for ns in "$H1" "$R1" "$R2" "$H2"; do
		s=$(ip -n "$ns" neigh show nud permanent | grep -v '^$')
		[ -n "$s" ] && static+="$ns: $s; "
	done
	learnt=$(ip -n "$R1" neigh show 192.168.1.2; ip -n "$R1" neigh show fd00::2; ip -n "$R2" neigh show 192.168.2.2)
	if [ -n "$static" ]; then
		fail "$mode/neigh_dynamic" "static neighbour entries: $static"
	elif [ "$(printf '%s\n' "$learnt" | grep -c lladdr)" -lt 3 ]; then
		fail "$mode/neigh_dynamic" "routers did not learn h1, r2 and h2: $learnt"
	else
		pass "$mode/neigh_dynamic"
	fi

	for off in on off; do
		host_offloads "$off" "$mode"
		# -- TCP, 8 MiB each way, sha256 compared at the receiver
		r=$(tcp_transfer "$H1" "$H2" 192.168.2.2 8 5201)
		check "$mode/tcp_h1_h2_offload_$off" "$r" [ "${r%% *}" = ok ]
		[ "${r%% *}" = ok ] && log "$mode tcp h1->h2 offload $off: $r"
		r=$(tcp_transfer "$H2" "$H1" 192.168.1.2 8 5202)
		check "$mode/tcp_h2_h1_offload_$off" "$r" [ "${r%% *}" = ok ]

		# -- UDP bursts; the counters of both routers must rise by at least the burst
		j1=$(stats_json "$R1")
		j2=$(stats_json "$R2")
		r=$(udp_burst "$H1" "$H2" 192.168.2.2 1000 300)
		check "$mode/udp_h1_h2_offload_$off" "$r" [ "$(echo "$r" | awk '{print $4}')" = 1000 ]
		r=$(udp_burst "$H2" "$H1" 192.168.1.2 1000 1200)
		check "$mode/udp_h2_h1_offload_$off" "$r" [ "$(echo "$r" | awk '{print $4}')" = 1000 ]
		k1=$(stats_json "$R1")
		k2=$(stats_json "$R2")
		e1=$(($(num "$(counter "$R1" encap_packets "$k1")") - $(num "$(counter "$R1" encap_packets "$j1")")))
		d2=$(($(num "$(counter "$R2" decap_packets "$k2")") - $(num "$(counter "$R2" decap_packets "$j2")")))
		e2=$(($(num "$(counter "$R2" encap_packets "$k2")") - $(num "$(counter "$R2" encap_packets "$j2")")))
		d1=$(($(num "$(counter "$R1" decap_packets "$k1")") - $(num "$(counter "$R1" decap_packets "$j1")")))
		if [ "$e1" -ge 1000 ] && [ "$d2" -ge 1000 ] && [ "$e2" -ge 1000 ] && [ "$d1" -ge 1000 ]; then
			pass "$mode/counters_fast_path_offload_$off"
		else
			fail "$mode/counters_fast_path_offload_$off" \
				"after 1000 UDP packets each way: r1 encap_packets +$e1, r2 decap_packets +$d2, r2 encap_packets +$e2, r1 decap_packets +$d1 (want >= 1000 each)"
		fi
	done
	cookies="$(netns_cookie "$R1") $(netns_cookie "$R2")"
	topo_down
	# teardown (link detach + empty config) left no pinned state behind
	# shellcheck disable=SC2086
	left=$(pins_left $cookies)
	check "$mode/teardown_no_pins_left" "pin directories left under /sys/fs/bpf/tun46: $left" [ -z "$left" ]
done
e2e_finish
