#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# MTU with a 1500-byte IPv6 WAN (FLET'S): inner MTU 1460.  DF packets that fit
# pass, one byte more gets ICMP frag needed (mtu = 1460) from r1, TCP with
# large segments completes (PMTUD converges), DF-less oversize packets are
# fragmented and delivered.
. "$(dirname "$0")/lib.sh"
e2e_require mtu

for mode in $E2E_MODES; do
	mode_up "$mode" || {
		topo_down
		continue
	}
	ip -n "$R1" link set wan0 mtu 1500
	ip -n "$R2" link set wan0 mtu 1500

	for dir in "h1_h2 $H1 192.168.2.2 192.168.1.1" "h2_h1 $H2 192.168.1.2 192.168.2.1"; do
		set -- $dir
		d=$1 ns=$2 dst=$3 gw=$4
		n=$(ping_count "$ns" "$dst" -c 2 -i 0.2 -W 2 -M do -s 1432)
		check "$mode/df_1432_passes_$d" "received ${n:-0} of 2 replies to ping -M do -s 1432" [ "${n:-0}" = 2 ]
		ip -n "$ns" route flush cache >/dev/null 2>&1
		out=$(nsx "$ns" ping -n -c 1 -W 2 -M do -s 1433 "$dst" 2>&1)
		if echo "$out" | grep -q "From $gw icmp_seq=1 Frag needed and DF set (mtu = 1460)"; then
			pass "$mode/df_1433_frag_needed_$d"
		else
			fail "$mode/df_1433_frag_needed_$d" "ping -M do -s 1433 $dst printed: $(echo "$out" | grep -v '^$' | head -4 | tr '\n' '|') (want 'From $gw icmp_seq=1 Frag needed and DF set (mtu = 1460)')"
		fi
		# the host learnt the path MTU
		pm=$(ip -n "$ns" route get "$dst" | grep -o 'mtu [0-9]*')
		check "$mode/pmtu_learnt_$d" "route get $dst shows '$pm' (want mtu 1460)" [ "$pm" = "mtu 1460" ]
		ip -n "$ns" route flush cache >/dev/null 2>&1
		n=$(ping_count "$ns" "$dst" -c 2 -i 0.2 -W 2 -M dont -s 3000)
		check "$mode/nodf_3000_fragmented_$d" "received ${n:-0} of 2 replies to ping -M dont -s 3000" [ "${n:-0}" = 2 ]
	done

	# -- TCP with large segments: PMTUD from 1500 down to 1460, data intact
	for h in "$H1" "$H2"; do ip -n "$h" route flush cache >/dev/null 2>&1; done
	host_offloads on "$mode"
	r=$(tcp_transfer "$H1" "$H2" 192.168.2.2 8 5201)
	check "$mode/tcp_pmtud_h1_h2" "$r" [ "${r%% *}" = ok ]
	r=$(tcp_transfer "$H2" "$H1" 192.168.1.2 8 5202)
	check "$mode/tcp_pmtud_h2_h1" "$r" [ "${r%% *}" = ok ]
	topo_down
done

e2e_finish
