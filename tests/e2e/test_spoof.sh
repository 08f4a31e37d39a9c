#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Spoofing end to end: a third station "evil" on the WAN segment (a bridge)
# sends ip4ip6 to r2 with an unknown outer source, with a known peer's source
# but an inner source outside that peer's prefixes, and to a wrong local
# address: nothing reaches h2 and each named drop counter rises by exactly
# the packets sent.  A control (a correctly forged packet) shows the crafted
# frames are otherwise deliverable.
. "$(dirname "$0")/lib.sh"
e2e_require spoof

TOPO_BRIDGE=1
# send_evil COUNT SRC6 DST6 SRC4 TAG
send_evil() {
	nsx "$EVIL" "$PY" "$PKT" ip4ip6 --ifname eth0 --dst-mac "$MAC2" --src6 "$2" --dst6 "$3" \
		--src4 "$4" --dst4 192.168.2.2 --count "$1" --port 4646 --tag "$5" >/dev/null
}

for mode in $E2E_MODES; do
	mode_up "$mode" || {
		topo_down
		continue
	}
	MAC2=$(mac_of "$R2" wan0)
	n=$(ping_count "$H1" 192.168.2.2 -c 2 -i 0.2 -W 2)
	check "$mode/baseline_ping_via_bridge" "received ${n:-0} of 2 replies" [ "${n:-0}" = 2 ]

	capture_start "$H2" eth0 "$E2E_TMP/h2.cap" udp port 4646
	j=$(stats_json "$R2")
	send_evil 10 fd00::66 fd00::2 192.168.1.2 evil   # unknown outer source
	send_evil 7 fd00::1 fd00::2 10.9.9.9 evil        # known peer, inner source outside 192.168.1.0/24
	send_evil 5 fd00::1 fd00::99 192.168.1.2 evil    # known peer, outer destination not its local
	sleep 0.5
	capture_stop
	k=$(stats_json "$R2")
	got=$(grep -c 'UDP' "$E2E_TMP/h2.cap")
	check "$mode/spoofed_nothing_reaches_h2" "h2 captured $got spoofed datagrams (want 0)" [ "$got" = 0 ]
	for c in "decap_drop_unknown_peer 10" "decap_drop_inner_source 7" "decap_drop_wrong_local 5"; do
		set -- $c
		d=$(($(num "$(counter "$R2" "$1" "$k")") - $(num "$(counter "$R2" "$1" "$j")")))
		check "$mode/$1" "r2 $1 rose by $d (want exactly $2)" [ "$d" = "$2" ]
	done
	# nothing spoofed went to the kernel or was decapsulated
	for c in decap_packets slow_decap_packets; do
		d=$(($(num "$(counter "$R2" $c "$k")") - $(num "$(counter "$R2" $c "$j")")))
		check "$mode/spoofed_not_decapsulated_$c" "r2 $c rose by $d during the spoofed burst (want 0)" [ "$d" = 0 ]
	done

	# -- control: a frame forged with the peer's addresses and an allowed inner source is delivered
	capture_start "$H2" eth0 "$E2E_TMP/h2c.cap" udp port 4646
	send_evil 3 fd00::1 fd00::2 192.168.1.2 control
	sleep 0.5
	capture_stop
	got=$(grep -c 'UDP' "$E2E_TMP/h2c.cap")
	check "$mode/control_forged_valid_delivered" "h2 captured $got of 3 valid crafted datagrams" [ "$got" = 3 ]
	topo_down
done
e2e_finish
