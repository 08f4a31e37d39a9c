#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Live change under traffic: continuous UDP streams h1 -> h2 and h2 -> h1 (with
# sequence numbers) while r1's routes to another peer are added and removed in
# a loop and `tun46 config apply` re-applies r1's configuration file: zero
# lost packets, and the final state equals the file.
. "$(dirname "$0")/lib.sh"
e2e_require live

COUNT=${LIVE_COUNT:-1500}
INTERVAL=0.004 # ~6 s of traffic

for mode in $E2E_MODES; do
	topo_up >"$E2E_TMP/setup.out" 2>&1 || {
		fail "$mode/setup" "$(head -c 400 "$E2E_TMP/setup.out")"
		topo_down
		continue
	}
	hosts_for_mode "$mode"
	# r1 is configured from a file (the whole desired state), r2 by commands
	conf="$E2E_TMP/r1.conf"
	cat >"$conf" <<EOF
# r1: site 1 of the two-site test topology
peer add site remote fd00::2 local fd00::1
peer add other remote fd00::99 local fd00::1
route add 192.168.2.0/24 peer site
route add 172.16.0.0/16 peer other
link attach dev wan0 role wan mode $mode
link attach dev lan0 role lan mode $mode
EOF
	E2E_ATTACHED+=("$R1 wan0" "$R1 lan0")
	setup "$mode/config_apply_initial" t46 -n "$R1" config apply "$conf" &&
		setup "$mode/setup_r2" tun46_site "$R2" lan0 wan0 "$mode" fd00::2 fd00::1 192.168.1.0/24 || {
		topo_down
		continue
	}
	n=$(ping_count "$H1" 192.168.2.2 -c 2 -i 0.2 -W 2)
	check "$mode/ping_before" "received ${n:-0} of 2 replies" [ "${n:-0}" = 2 ]

	# streams in both directions
	nsx "$H2" "$PY" "$PKT" udp-recv --port 4901 --count "$COUNT" --idle 3 --max-time 40 --tag live1 >"$E2E_TMP/live1" &
	p1=$!
	nsx "$H1" "$PY" "$PKT" udp-recv --port 4902 --count "$COUNT" --idle 3 --max-time 40 --tag live2 >"$E2E_TMP/live2" &
	p2=$!
	wait_listen "$H2" udp 4901
	wait_listen "$H1" udp 4902
	nsx "$H1" "$PY" "$PKT" udp-send --dst 192.168.2.2 --port 4901 --count "$COUNT" --interval "$INTERVAL" --size 400 --tag live1 >/dev/null &
	s1=$!
	nsx "$H2" "$PY" "$PKT" udp-send --dst 192.168.1.2 --port 4902 --count "$COUNT" --interval "$INTERVAL" --size 400 --tag live2 >/dev/null &
	s2=$!

	# churn while the streams run
	iters=0 errs=""
	while kill -0 "$s1" 2>/dev/null; do
		i=$((iters % 200))
		t46 -n "$R1" route add "10.$i.0.0/16" peer other >/dev/null 2>&1 || errs+="route add 10.$i.0.0/16; "
		t46 -n "$R1" route add "10.$i.1.0/24" peer other >/dev/null 2>&1 || errs+="route add 10.$i.1.0/24; "
		t46 -n "$R1" route del "10.$i.0.0/16" >/dev/null 2>&1 || errs+="route del 10.$i.0.0/16; "
		# the file does not hold 10.$i.1.0/24: apply removes it (a real diff)
		t46 -n "$R1" config apply "$conf" >/dev/null 2>&1 || errs+="config apply (with a diff); "
		t46 -n "$R1" config apply "$conf" >/dev/null 2>&1 || errs+="config apply (no diff); "
		iters=$((iters + 1))
	done
	wait "$s1" "$s2" "$p1" "$p2"
	log "$mode: $iters churn rounds during the stream"
	check "$mode/churn_commands_ok" "commands failed during churn: $errs" [ -z "$errs" ]
	check "$mode/churn_happened" "only $iters churn rounds ran during the stream" [ "$iters" -ge 3 ]
	r=$(cat "$E2E_TMP/live1")
	check "$mode/zero_loss_h1_h2" "$r (of $COUNT)" [ "$(echo "$r" | awk '{print $6}')" = 0 ]
	r=$(cat "$E2E_TMP/live2")
	check "$mode/zero_loss_h2_h1" "$r (of $COUNT)" [ "$(echo "$r" | awk '{print $6}')" = 0 ]

	# the live state is the file again: no 10.x routes left, both files' routes present
	routes=$(t46 -n "$R1" route show 2>&1 | tr '\n' ' ')
	check "$mode/state_equals_file" "route show after churn: $routes" \
		[ "$(t46 -n "$R1" route show 2>/dev/null | grep -c .)" = 2 ]
	kr=$(ip -n "$R1" route show | grep -c '^10\.')
	check "$mode/kernel_routes_in_step" "$kr kernel routes to 10.x left on r1 (want 0)" [ "$kr" = 0 ]
	topo_down
done
e2e_finish
