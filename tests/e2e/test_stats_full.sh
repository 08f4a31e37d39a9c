#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A full stats map (issue 8, item 11): counts that need a new (interface,
# peer) entry in a full tun46_stats are not lost silently but counted as
# stats_map_full.  r1 is loaded with TUN46_MAX_STATS=2 and 200 peers; h1 sends
# one UDP packet toward each peer's prefix, which the LAN program and the
# tunnel device count per (interface, peer): more pairs than the per-CPU fast
# slots can hold without collisions, so the 2-entry map overflows.  The map's
# size is checked too (2, from the environment).
. "$(dirname "$0")/lib.sh"
e2e_require stats_full

NPEERS=200
for mode in $E2E_MODES; do
	topo_up >"$E2E_TMP/setup.out" 2>&1 || {
		fail "$mode/setup" "topology: $(head -c 400 "$E2E_TMP/setup.out")"
		topo_down
		continue
	}
	hosts_for_mode "$mode"
	conf="$E2E_TMP/r1.conf"
	{
		for i in $(seq 1 $NPEERS); do
			printf 'peer add p%d remote fd00::1:%x local fd00::1\n' "$i" "$i"
			printf 'route add 10.%d.0.0/16 peer p%d\n' "$i" "$i"
		done
		echo "link attach dev wan0 role wan mode $mode"
		echo "link attach dev lan0 role lan mode $mode"
	} >"$conf"
	E2E_T46_NS+=("$R1")
	if ! out=$(TUN46_MAX_STATS=2 t46 -n "$R1" config apply "$conf" 2>&1); then
		fail "$mode/config" "$out"
		topo_down
		continue
	fi
	E2E_ATTACHED+=("$R1 lan0" "$R1 wan0")
	size=$(bpftool -j map show pinned "/sys/fs/bpf/tun46/$(netns_cookie "$R1")/tun46_stats" 2>/dev/null | jq -r '.max_entries // empty')
	check "$mode/stats_map_size_from_env" "tun46_stats max_entries '$size' (want 2)" [ "$size" = 2 ]
	before=$(num "$(counter "$R1" stats_map_full)")
	check "$mode/stats_map_full_shown" "stats_map_full '$before' before any traffic (want 0)" [ "$before" = 0 ]
	# one packet per peer, twice (the second meets the fast path's cache)
	for _ in 1 2; do
		nsx "$H1" bash -c "for i in \$(seq 1 $NPEERS); do echo x >/dev/udp/10.\$i.0.1/9 2>/dev/null; done"
	done
	sleep 0.5
	j=$(stats_json "$R1")
	full=$(num "$(counter "$R1" stats_map_full "$j")")
	pairs=$(printf '%s' "$j" | jq '[.peer[] | select(.id != 0)] | length')
	check "$mode/stats_map_full_counted" \
		"stats_map_full $full after traffic to $NPEERS peers with TUN46_MAX_STATS=2 ($pairs peers have counters; want > 0)" \
		[ "$full" -gt 0 ]
	topo_down
done
e2e_finish
