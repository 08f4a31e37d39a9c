#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Detach under traffic (issue 8, item 8): a UDP flood h1 -> h2 while a port
# is detached -- r1's LAN port (the encapsulating program goes), r2's LAN port
# (the target of the decapsulation route cache) and r1's WAN port (the target
# of the encapsulation next-hop cache).  The XDP caches may name a port for
# 50 ms; a redirect to a port no longer in tun46_ports must never abort:
# the kernel's xdp:xdp_exception tracepoint (counted in a private tracefs
# instance, filtered on the routers' tun46 programs) stays at 0, and what is
# not delivered is counted by tun46 (*_port_gone) or handled by the kernel.
. "$(dirname "$0")/lib.sh"
e2e_require detach

# tracefs: the mounted one, or a private mount for this test
TRACEFS=""
if [ -d /sys/kernel/tracing/events/xdp ]; then
	TRACEFS=/sys/kernel/tracing
elif [ -d /sys/kernel/debug/tracing/events/xdp ]; then
	TRACEFS=/sys/kernel/debug/tracing
else
	mkdir -p "$E2E_TMP/tracefs" && mount -t tracefs nodev "$E2E_TMP/tracefs" 2>/dev/null &&
		[ -d "$E2E_TMP/tracefs/events/xdp" ] && TRACEFS="$E2E_TMP/tracefs"
fi
TRACE_INST=""
trace_cleanup() {
	if [ -n "$TRACE_INST" ] && [ -d "$TRACE_INST" ]; then
		echo 0 >"$TRACE_INST/events/xdp/xdp_exception/enable" 2>/dev/null
		echo 0 >"$TRACE_INST/events/xdp/xdp_redirect_err/enable" 2>/dev/null
		rmdir "$TRACE_INST" 2>/dev/null
	fi
	TRACE_INST=""
}
trap 'trace_cleanup; case "$TRACEFS" in "$E2E_TMP"/*) umount "$TRACEFS" 2>/dev/null ;; esac; e2e_cleanup' EXIT

# prog_ids NS...: ids of the XDP programs tun46 pinned in these namespaces
prog_ids() {
	local ns c p id
	for ns in "$@"; do
		c=$(netns_cookie "$ns")
		for p in prog_xdp_lan prog_xdp_wan; do
			id=$(bpftool -j prog show pinned "/sys/fs/bpf/tun46/$c/$p" 2>/dev/null | jq -r '.id // empty')
			[ -n "$id" ] && printf '%s ' "$id"
		done
	done
}

# trace_start IDS...: a fresh tracefs instance counting xdp_exception and
# xdp_redirect_err of these programs
trace_start() {
	local f="" id ev
	for id in "$@"; do f+="${f:+ || }prog_id == $id"; done
	TRACE_INST="$TRACEFS/instances/tun46-detach-$$"
	rmdir "$TRACE_INST" 2>/dev/null
	mkdir "$TRACE_INST" || return 1
	echo 4096 >"$TRACE_INST/buffer_size_kb"
	for ev in xdp_exception xdp_redirect_err; do
		echo "$f" >"$TRACE_INST/events/xdp/$ev/filter" || return 1
		echo 1 >"$TRACE_INST/events/xdp/$ev/enable" || return 1
	done
}
# trace_count EVENT: events recorded so far
trace_count() { grep -c "$1:" "$TRACE_INST/trace" 2>/dev/null || true; }

# sum of the named counters over both routers
counters_sum() {
	local j1 j2 s=0 c
	j1=$(stats_json "$R1")
	j2=$(stats_json "$R2")
	for c in "$@"; do
		s=$((s + $(num "$(counter "$R1" "$c" "$j1")") + $(num "$(counter "$R2" "$c" "$j2")")))
	done
	echo "$s"
}

COUNT=20000
for mode in $E2E_MODES; do
	mode_up "$mode" || {
		topo_down
		continue
	}
	# warm every path (neighbours, caches)
	n=$(ping_count "$H1" 192.168.2.2 -c 3 -i 0.2 -W 2)
	check "$mode/ping_before" "received ${n:-0} of 3" [ "${n:-0}" = 3 ]
	# shellcheck disable=SC2046
	ids=$(prog_ids "$R1" "$R2")
	tracing=0
	if [ -z "$TRACEFS" ]; then
		skip "$mode/no_aborted_packets" "tracefs with the xdp events is not available here"
	elif [ "$mode" != tc ] && [ -z "$ids" ]; then
		fail "$mode/no_aborted_packets" "cannot find the ids of tun46's XDP programs (bpftool prog show pinned)"
	elif [ "$mode" != tc ]; then
		# shellcheck disable=SC2086
		if trace_start $ids; then tracing=1; else fail "$mode/no_aborted_packets" "cannot set up tracefs instance"; fi
	fi

	port=4800
	for what in "r1_lan $R1 lan0 lan" "r2_lan $R2 lan0 lan" "r1_wan $R1 wan0 wan"; do
		set -- $what
		name=$1 ns=$2 dev=$3 role=$4
		port=$((port + 1))
		gone0=$(counters_sum encap_drop_port_gone decap_drop_port_gone)
		res="$E2E_TMP/flood.$name"
		nsx "$H2" "$PY" "$PKT" udp-recv --port "$port" --count "$COUNT" --idle 3 --max-time 30 --tag "d$port" >"$res" &
		rpid=$!
		wait_listen "$H2" udp "$port" || fail "$mode/$name/receiver" "did not start"
		nsx "$H1" "$PY" "$PKT" udp-send --dst 192.168.2.2 --port "$port" --count "$COUNT" --size 200 \
			--interval 0.00005 --tag "d$port" >"$E2E_TMP/send.$name" &
		spid=$!
		sleep 0.5
		out=$(t46 -n "$ns" link detach dev "$dev" 2>&1)
		rc=$?
		# silent, but for the warning a WAN detach with peers configured gives
		out=$(grep -v "^tun46: warning: detaching wan $dev: the 1 peer's tunnel stops" <<<"$out")
		check "$mode/$name/detach" "tun46 link detach dev $dev: rc $rc: $out" [ "$rc:$out" = "0:" ]
		wait "$spid"
		wait "$rpid"
		got=$(awk '{print $4}' "$res")
		gone=$(($(counters_sum encap_drop_port_gone decap_drop_port_gone) - gone0))
		log "$mode $name: sent $COUNT, received unique ${got:-?} ($(cat "$res")), *_port_gone +$gone"
		# every packet delivered, or counted by tun46, or left to the kernel's
		# own queues: the flood outruns the slow path at times, so only a
		# gross loss (a black hole) fails here
		check "$mode/$name/delivered_or_counted" \
			"sent $COUNT, h2 received ${got:-0}, tun46 counted $gone as port_gone (want >= 90 % accounted)" \
			[ $((${got:-0} + gone)) -ge $((COUNT * 9 / 10)) ]
		# put it back for the next round
		setup "$mode/$name/reattach" t46 -n "$ns" link attach dev "$dev" role "$role" mode "$mode"
		n=$(ping_count "$H1" 192.168.2.2 -c 2 -i 0.2 -W 2)
		check "$mode/$name/ping_after_reattach" "received ${n:-0} of 2" [ "${n:-0}" = 2 ]
	done
	if [ "$tracing" = 1 ]; then
		ab=$(trace_count xdp_exception)
		re=$(trace_count xdp_redirect_err)
		log "$mode: xdp_exception $ab, xdp_redirect_err $re (programs $ids)"
		check "$mode/no_aborted_packets" \
			"xdp:xdp_exception fired $ab times for tun46's programs during the detaches (redirect errors: $re)" \
			[ "${ab:-1}" = 0 ]
		trace_cleanup
	elif [ "$mode" = tc ] && [ -n "$TRACEFS" ]; then
		pass "$mode/no_aborted_packets_no_xdp"
	fi
	topo_down
done
e2e_finish
