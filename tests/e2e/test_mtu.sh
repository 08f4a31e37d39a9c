#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# MTU with a 1500-byte IPv6 WAN (FLET'S): inner MTU 1460.  DF packets that fit
# pass, one byte more gets ICMP frag needed (mtu = 1460) from r1, TCP with
# large segments completes (PMTUD converges), DF-less oversize packets are
# fragmented and delivered.  Compared (informational, where the kernel has
# the seg6 lwtunnel) with the kernel SRv6 path, which
# silently drops the oversize DF packet.
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

# -- the kernel SRv6 path for comparison (informational: no PASS or FAIL, a
#    comment line saying what it did, or SKIP when it cannot be compared)
if why=$(seg6_unavailable); then
	skip "kernel_srv6/df_1433" "no kernel SRv6 path to compare with: $why"
elif ! { topo_up && kernel_site "$R1" lan0 wan0 fd00::1 fd00::2 192.168.2.0/24 192.168.1.2 &&
	kernel_site "$R2" lan0 wan0 fd00::2 fd00::1 192.168.1.0/24 192.168.2.2; } >"$E2E_TMP/setup.out" 2>&1; then
	skip "kernel_srv6/df_1433" "kernel SRv6 sites not set up: $(tr '\n' ' ' <"$E2E_TMP/setup.out" | head -c 300)"
else
	nsx "$H1" ping -c 1 -W 2 192.168.2.2 >/dev/null 2>&1
	out=$(nsx "$H1" ping -n -c 1 -W 2 -M do -s 1433 192.168.2.2 2>&1)
	if echo "$out" | grep -q 'Frag needed'; then
		echo "# kernel SRv6 path: ping -M do -s 1433 answered frag needed: $(echo "$out" | grep From)"
	elif echo "$out" | grep -q ' 0 received'; then
		echo "# kernel SRv6 path: ping -M do -s 1433 silently lost (no ICMP): the black hole tun46 avoids"
	else
		echo "# kernel SRv6 path: ping -M do -s 1433 printed: $(echo "$out" | tr '\n' '|')"
	fi
fi
topo_down
e2e_finish
