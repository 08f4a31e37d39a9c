#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Metrics and per-peer liveness (issue 10), in every mode:
#  - before any traffic r1's peer was never heard from: `peer show` says
#    "last rx never", -j null, the metric 0;
#  - after pings h1 -> h2 (and TTL-1 pings that the kernel answers, so the
#    kernel-pass family has a series): `tun46 stats prometheus` is accepted by
#    a real parser, promtool check metrics (Debian's prometheus package), with
#    no lint problem, and every value equals `tun46 -j stats` of the same
#    state (tests/e2e/prom_compare.py: per dev, per peer and total, every
#    counter); the peer's last rx is recent in all three outputs;
#  - `stats watch dev wan0` under pings shows a non-zero decap rate in pps and bit/s;
#  - the peer deleted and added again (the same id reused) starts as "never".
# Without promtool the parser checks SKIP with the reason (the value
# comparison still runs).
. "$(dirname "$0")/lib.sh"
e2e_require metrics

PROMTOOL=$(command -v promtool || true)

# prom_and_json NS: both reads into $E2E_TMP/m.prom and m.json, taken until
# two rounds agree with each other (no packet in flight between them)
prom_and_json() {
	local i
	for i in 1 2 3 4 5; do
		t46 -n "$1" stats prometheus >"$E2E_TMP/m.prom" 2>"$E2E_TMP/m.err" || return 1
		t46 -n "$1" -j stats >"$E2E_TMP/m.json" 2>>"$E2E_TMP/m.err" || return 1
		"$PY" "$E2E_DIR/prom_compare.py" "$E2E_TMP/m.prom" "$E2E_TMP/m.json" >"$E2E_TMP/m.cmp" 2>&1 && return 0
		sleep 0.3
	done
	return 0 # the caller reports the last comparison
}

for mode in $E2E_MODES; do
	mode_up "$mode" || {
		topo_down
		continue
	}
	# ---- never heard from ----
	txt=$(t46 -n "$R1" peer show site)
	js=$(t46 -n "$R1" -j peer show site | jq -c '.[0].last_rx_ms_ago')
	m=$(t46 -n "$R1" stats prometheus | sed -n 's/^tun46_peer_last_rx_timestamp_seconds{peer="site"} //p')
	ok=0
	[ "${txt%last rx never}" != "$txt" ] && [ "$js" = null ] && [ "$m" = 0 ] && ok=1
	check "$mode/liveness_never" "before traffic: text '$txt', -j $js, metric '$m' (want never, null, 0)" [ "$ok" = 1 ]

	# ---- traffic: forwarded pings, and TTL 1 (encap_pass_ttl: the kernel answers) ----
	got=$(ping_count "$H1" 192.168.2.2 -c 20 -i 0.02 -W 2)
	check "$mode/traffic" "h1 -> h2: $got of 20 pings answered" [ "$(num "$got")" -ge 18 ]
	nsx "$H1" ping -n -q -c 3 -i 0.05 -W 1 -t 1 192.168.2.2 >/dev/null 2>&1
	# stats watch on the WAN under pings: human units, a non-zero decap rate
	nsx "$H1" ping -n -q -c 150 -i 0.01 -W 1 192.168.2.2 >/dev/null 2>&1 &
	ppid=$!
	sleep 0.2
	w=$(t46 -n "$R1" stats watch dev wan0 interval 0.5 count 1 2>&1)
	wait "$ppid"
	ok=0
	printf '%s' "$w" | grep -Eq ' decap_packets [1-9][0-9.]* k?pps .*decap_bytes [0-9.]+ [kM]?bit/s' && ok=1
	check "$mode/stats_watch_dev_human_units" "stats watch dev wan0: '$w'" [ "$ok" = 1 ]
	sleep 0.3

	if ! prom_and_json "$R1"; then
		fail "$mode/read" "$(head -c 400 "$E2E_TMP/m.err")"
		topo_down
		continue
	fi
	check "$mode/values_equal_json" "$(head -n 8 "$E2E_TMP/m.cmp" | tr '\n' ';')" grep -q '^equal:' "$E2E_TMP/m.cmp"
	log "$mode: $(cat "$E2E_TMP/m.cmp")"
	dec=$(jq '.total.decap_packets + .total.slow_decap_packets' "$E2E_TMP/m.json")
	pas=$(grep -c '^tun46_kernel_passes_total{reason="encap_pass_ttl"' "$E2E_TMP/m.prom")
	ok=0
	[ "$(num "$dec")" -ge 18 ] && [ "$pas" = 1 ] && ok=1
	check "$mode/metrics_not_empty" "decap packets $dec (want >= 18), encap_pass_ttl series $pas (want 1)" [ "$ok" = 1 ]
	if [ -n "$PROMTOOL" ]; then
		out=$("$PROMTOOL" check metrics <"$E2E_TMP/m.prom" 2>&1)
		rc=$?
		ok=0
		[ "$rc" = 0 ] && [ -z "$out" ] && ok=1
		check "$mode/promtool_check_metrics" "promtool exit $rc: $(printf '%s' "$out" | head -c 400)" [ "$ok" = 1 ]
	else
		skip "$mode/promtool_check_metrics" "promtool not installed (Debian package prometheus; scripts/deps.sh)"
	fi

	# ---- heard from: recent in all three ----
	txt=$(t46 -n "$R1" peer show site)
	ms=$(t46 -n "$R1" -j peer show site | jq '.[0].last_rx_ms_ago')
	ts=$(sed -n 's/^tun46_peer_last_rx_timestamp_seconds{peer="site"} //p' "$E2E_TMP/m.prom")
	now=$(date +%s.%N)
	age=$(awk -v a="$now" -v b="${ts:-0}" 'BEGIN { printf "%.0f", a - b }')
	ok=0
	[ "${txt%s ago}" != "$txt" ] && [ "$(num "$ms")" -ge 0 ] && [ "$(num "$ms")" -lt 10000 ] &&
		[ "$(num "$age")" -ge 0 ] && [ "$(num "$age")" -lt 10 ] && ok=1
	check "$mode/liveness_recent" \
		"after traffic: text '$txt', last_rx_ms_ago $ms (want < 10000), metric age ${age}s (want < 10)" [ "$ok" = 1 ]

	# ---- a deleted peer's id, reused, starts as never ----
	id0=$(t46 -n "$R1" -j peer show site | jq '.[0].id')
	if t46 -n "$R1" -force peer del site >/dev/null 2>&1 &&
		t46 -n "$R1" peer add site remote fd00::2 local fd00::1 >/dev/null 2>&1; then
		id1=$(t46 -n "$R1" -j peer show site | jq '.[0].id')
		js=$(t46 -n "$R1" -j peer show site | jq -c '.[0].last_rx_ms_ago')
		ok=0
		[ "$id1" = "$id0" ] && [ "$js" = null ] && ok=1
		check "$mode/liveness_reset_on_delete" "peer re-added with id $id1 (was $id0): last_rx_ms_ago $js (want null)" \
			[ "$ok" = 1 ]
	else
		fail "$mode/liveness_reset_on_delete" "could not delete and re-add the peer"
	fi
	topo_down
done
e2e_finish
