#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Renumbering with tun46d (issue 10): r1 peers with r2 by DNS name (AAAA
# served by dnsmasq in r1's namespace, TTL 2 s, read through
# /etc/netns/<r1>/resolv.conf), r2 peers with r1 by literal; both use
# "local auto".  r2's WAN address fd00::2/64 is deleted and fd01::2/64 added,
# the DNS record updated: r2's tun46d moves its local at once, r1's tun46d
# moves its remote within the TTL (+ a few seconds), h1 -> h2 traffic resumes
# with nothing restarted, and the hooks saw the old and new addresses.  The
# recovery time is printed.
#
# Every mode runs the renumbering; the daemon's own behaviour (SIGHUP reload
# of -c FILE, a bad file kept out, sd_notify, /metrics, DNS failure counted,
# peer refresh, config show round trip, SIGTERM leaving the datapath) does
# not depend on the datapath mode and runs in the first mode only.
#
# r1's tun46d runs with TUN46D_DNS_MIN_INTERVAL=2 (the floor of the
# re-resolution interval, 30 s by default) so that a 2 s TTL is followed.
. "$(dirname "$0")/lib.sh"
e2e_require renumber
TUN46D=${TUN46D:-$BUILD/tun46d}
if ! command -v dnsmasq >/dev/null; then
	fail renumber "dnsmasq is missing (run: make deps)"
	e2e_finish
fi
if [ ! -x "$TUN46D" ]; then
	fail renumber "$TUN46D not built (run: make all)"
	e2e_finish
fi
NAME=r2.tun46.test
PORT=9846
NETNS_ETC=
DNS_PIDFILE=

# dnsmasq runs under ip netns exec, which forks: it is stopped by its pid file
dns_stop() {
	[ -n "$DNS_PIDFILE" ] && [ -s "$DNS_PIDFILE" ] && kill "$(cat "$DNS_PIDFILE")" 2>/dev/null
	DNS_PIDFILE=
}
renumber_cleanup() {
	dns_stop
	e2e_cleanup
	[ -n "$NETNS_ETC" ] && rm -rf "$NETNS_ETC"
}
trap renumber_cleanup EXIT

# peer_field NS FIELD: the field of peer "site" in tun46 -j peer show
peer_field() { "$TUN46" -n "$1" -j peer show site 2>/dev/null | jq -r ".[0].$2"; }
# wait_for SECONDS CMD...: poll CMD every 0.1 s
wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
peer_is() { [ "$(peer_field "$1" "$2")" = "$3" ]; }
ping1() { [ "$(ping_count "$H1" 192.168.2.2 -c 1 -W 1)" = 1 ]; }
now_ms() { date +%s%3N; }
http_get() { # NS PATH: the raw reply
	nsx "$1" timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT && printf 'GET %s HTTP/1.1\r\nHost: x\r\n\r\n' '$2' >&3 && cat <&3"
}

run_mode() {
	local mode=$1 first=$2 dir="$E2E_TMP/$mode" out
	mkdir -p "$dir"
	topo_up || {
		fail "renumber_$mode" "topology"
		return
	}
	hosts_for_mode "$mode"
	ip -n "$R1" -6 route add fd01::/64 dev wan0
	# DNS: dnsmasq in r1 serving r2's name with a 2 s TTL
	echo "fd00::2 $NAME" >"$dir/hosts"
	NETNS_ETC=/etc/netns/$R1
	mkdir -p "$NETNS_ETC"
	echo "nameserver 127.0.0.1" >"$NETNS_ETC/resolv.conf"
	nsx "$R1" dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --addn-hosts="$dir/hosts" --local-ttl=2 \
		--listen-address=127.0.0.1 --bind-interfaces --port=53 --user=root --pid-file="$dir/dnsmasq.pid" \
		--log-facility="$dir/dnsmasq.log" &
	DNS_PIDFILE=$dir/dnsmasq.pid
	wait_for 5 test -s "$dir/dnsmasq.pid" || log "dnsmasq did not write its pid file"
	# r1: a DNS peer, configured by the command (resolved once, under ip netns exec for the resolver)
	E2E_T46_NS+=("$R1" "$R2")
	out=$(nsx "$R1" "$TUN46" peer add site remote "$NAME" local auto 2>&1) || {
		fail "renumber_$mode" "r1 peer add site remote $NAME: $out"
		return
	}
	t46 -n "$R1" route add 192.168.2.0/24 peer site >/dev/null &&
		tun46_attach "$R1" wan0 wan "$mode" && tun46_attach "$R1" lan0 lan "$mode" || {
		fail "renumber_$mode" "r1 setup"
		return
	}
	check "peer_add_dns_$mode" "r1's peer site has remote $(peer_field "$R1" remote), remote_name $(peer_field "$R1" remote_name)" \
		eval '[ "$(peer_field "$R1" remote)" = fd00::2 ] && [ "$(peer_field "$R1" remote_name)" = "$NAME" ]'
	# r2: configured by its daemon from a file
	cat >"$dir/r2.conf" <<EOC
link attach dev wan0 role wan mode $mode
link attach dev lan0 role lan mode $mode
peer add site remote fd00::1 local auto
route add 192.168.1.0/24 peer site
EOC
	E2E_ATTACHED+=("$R2 wan0" "$R2 lan0")
	local hookcmd='echo "$TUN46_EVENT $TUN46_PEER ${TUN46_OLD_LOCAL:-$TUN46_OLD_REMOTE} ${TUN46_NEW_LOCAL:-$TUN46_NEW_REMOTE} ${TUN46_REMOTE_NAME:-}" >>'
	if [ "$first" = 1 ]; then
		socat -u "UNIX-RECV:$dir/notify.sock" "OPEN:$dir/notify.log,creat,append" &
		E2E_PIDS+=($!)
		wait_for 3 test -S "$dir/notify.sock"
	fi
	NOTIFY_SOCKET=$([ "$first" = 1 ] && echo "$dir/notify.sock") \
		"$TUN46D" -n "$R2" -c "$dir/r2.conf" --hook "$hookcmd $dir/hook2.log" >"$dir/d2.log" 2>&1 &
	local d2=$!
	E2E_PIDS+=("$d2")
	# -n: the daemon enters r1 and uses /etc/netns/<r1>/resolv.conf itself
	TUN46D_DNS_MIN_INTERVAL=2 "$TUN46D" -n "$R1" --metrics "127.0.0.1:$PORT" \
		--hook "$hookcmd $dir/hook1.log" >"$dir/d1.log" 2>&1 &
	local d1=$!
	E2E_PIDS+=("$d1")
	if ! wait_for 10 ping1; then
		fail "renumber_$mode" "no traffic h1 -> h2 before renumbering; r2's daemon: $(tail -n 5 "$dir/d2.log")"
		return
	fi
	pass "traffic_before_$mode"

	# ---- renumber r2: new prefix, DNS record updated ----
	local t0 t1
	t0=$(now_ms)
	ip -n "$R2" addr del fd00::2/64 dev wan0
	ip -n "$R2" addr add fd01::2/64 dev wan0 nodad
	ip -n "$R2" -6 route add fd00::/64 dev wan0
	echo "fd01::2 $NAME" >"$dir/hosts"
	kill -HUP "$(cat "$dir/dnsmasq.pid")"
	check "local_follows_$mode" "r2's local is $(peer_field "$R2" local) 1 s after renumbering, not fd01::2; $(tail -n 3 "$dir/d2.log")" \
		wait_for 1 peer_is "$R2" local fd01::2
	if wait_for 20 ping1; then
		t1=$(now_ms)
		local ms=$((t1 - t0))
		echo "# renumber recovery ($mode): $((ms / 1000)).$(printf %03d $((ms % 1000))) s (DNS TTL 2 s)"
		pass "traffic_resumes_$mode"
		check "recovery_within_ttl_$mode" "recovery took $ms ms, more than TTL 2 s + 5 s" [ "$ms" -le 7000 ]
	else
		fail "traffic_resumes_$mode" "no traffic 20 s after renumbering; r1 remote $(peer_field "$R1" remote); r1 daemon: $(tail -n 5 "$dir/d1.log")"
	fi
	check "remote_follows_$mode" "r1's remote is $(peer_field "$R1" remote), not fd01::2" peer_is "$R1" remote fd01::2
	check "daemons_not_restarted_$mode" "a daemon died" kill -0 "$d1" "$d2"
	wait_for 3 grep -q "local site fd00::2 fd01::2" "$dir/hook2.log"
	check "hook_local_$mode" "r2's hook saw: $(cat "$dir/hook2.log" 2>/dev/null)" grep -qx "local site fd00::2 fd01::2 " "$dir/hook2.log"
	wait_for 3 grep -q "remote site fd00::2 fd01::2" "$dir/hook1.log"
	check "hook_remote_$mode" "r1's hook saw: $(cat "$dir/hook1.log" 2>/dev/null)" grep -qx "remote site fd00::2 fd01::2 $NAME" "$dir/hook1.log"

	[ "$first" = 1 ] && daemon_checks "$dir" "$d1" "$d2"
	dns_stop
	topo_down
	rm -rf "$NETNS_ETC"
}

# The daemon's behaviour apart from the datapath (first mode only).
daemon_checks() {
	local dir=$1 d1=$2 d2=$3 out
	# sd_notify
	check notify_ready "notify log: $(tr '\n' ' ' <"$dir/notify.log")" grep -q '^READY=1$' "$dir/notify.log"
	# SIGHUP reload of -c FILE
	echo "route add 10.99.0.0/24 peer site" >>"$dir/r2.conf"
	kill -HUP "$d2"
	check reload_applies "10.99.0.0/24 not in r2's routes after SIGHUP: $(tail -n 3 "$dir/d2.log")" \
		wait_for 5 eval '"$TUN46" -n "$R2" route show | grep -q 10.99.0.0/24'
	check notify_reload "no RELOADING=1 + MONOTONIC_USEC then READY=1: $(tr '\n' ' ' <"$dir/notify.log")" \
		eval 'grep -A2 "^RELOADING=1$" "$dir/notify.log" | grep -q "^MONOTONIC_USEC=[0-9]\+$" && [ "$(grep -c "^READY=1$" "$dir/notify.log")" -ge 2 ]'
	# a bad file on reload: logged, the running state kept
	cp "$dir/r2.conf" "$dir/r2.good"
	echo "peer add broken remote nonsense::: local auto" >>"$dir/r2.conf"
	sed -i '/10.99.0.0/d' "$dir/r2.conf"
	kill -HUP "$d2"
	wait_for 5 grep -q "not applied" "$dir/d2.log"
	check reload_bad_keeps "bad file: route gone or daemon dead: $(tail -n 3 "$dir/d2.log")" \
		eval 'grep -q "not applied" "$dir/d2.log" && kill -0 $d2 && "$TUN46" -n "$R2" route show | grep -q 10.99.0.0/24'
	cp "$dir/r2.good" "$dir/r2.conf"
	# config show prints the DNS name and round-trips
	out=$(nsx "$R1" "$TUN46" config show 2>&1)
	check config_show_name "config show: $out" grep -q "^peer add site remote $NAME local auto" <<<"$out"
	out=$(nsx "$R1" "$TUN46" config show | nsx "$R1" "$TUN46" config apply - 2>&1)
	check config_roundtrip "config show | config apply -: $out" grep -q "no change" <<<"$out"
	out=$(nsx "$R1" "$TUN46" peer refresh site 2>&1)
	check peer_refresh "peer refresh site: $out" grep -q "site $NAME fd01::2 (unchanged)" <<<"$out"
	# /metrics
	out=$(http_get "$R1" /metrics)
	check metrics_200 "reply: $(head -c 300 <<<"$out")" eval 'grep -q "^HTTP/1.1 200 OK" <<<"$out" && grep -q "^Content-Type: text/plain; version=0.0.4" <<<"$out" && grep -q "^tun46_info" <<<"$out"'
	check metrics_daemon "no tun46d_dns_resolutions_total for site: $(grep tun46d_dns <<<"$out")" \
		grep -q "^tun46d_dns_resolutions_total{peer=\"site\",name=\"$NAME\"} [1-9]" <<<"$out"
	out=$(http_get "$R1" /other)
	check metrics_404 "reply: $(head -n 1 <<<"$out")" grep -q "^HTTP/1.1 404" <<<"$out"
	local prom body ts_a ts_b
	# the same bytes, but for the liveness timestamp: a Unix time derived from
	# the monotonic clock at each read, so the two reads may differ by a few ms
	if prom=$("$TUN46" -n "$R1" stats prometheus 2>&1); then
		body=$(http_get "$R1" /metrics | sed '1,/^\r$/d' | grep -v '^tun46d_\|^# [A-Z]* tun46d_')
		ts_a=$(grep '^tun46_peer_last_rx_timestamp_seconds{' <<<"$prom" | awk '{print $2}')
		ts_b=$(grep '^tun46_peer_last_rx_timestamp_seconds{' <<<"$body" | awk '{print $2}')
		prom=$(grep -v '^tun46_peer_last_rx_timestamp_seconds{' <<<"$prom")
		body=$(grep -v '^tun46_peer_last_rx_timestamp_seconds{' <<<"$body")
		check metrics_same "the /metrics body differs from tun46 stats prometheus: $(diff <(echo "$prom") <(echo "$body") | head -5)" \
			[ "$prom" = "$body" ]
		check metrics_same_liveness "last rx timestamps '$ts_a' vs '$ts_b'" \
			awk -v a="$ts_a" -v b="$ts_b" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d < 1) }'
	else
		fail metrics_same "tun46 stats prometheus failed: $prom"
	fi
	# DNS failure: the last address kept, counted
	dns_stop
	check dns_failure_counted "no failure counted 8 s after stopping the DNS server: $(http_get "$R1" /metrics | grep tun46d_dns_failures)" \
		wait_for 8 eval 'http_get "$R1" /metrics | grep -q "^tun46d_dns_failures_total{peer=\"site\",name=\"$NAME\"} [1-9]"'
	check dns_failure_keeps "r1's remote is $(peer_field "$R1" remote) after DNS failures" peer_is "$R1" remote fd01::2
	check dns_failure_traffic "no traffic while the DNS server is down" ping1
	check dns_failure_logged "r1's daemon did not log the failure: $(tail -n 3 "$dir/d1.log")" grep -q "cannot resolve $NAME" "$dir/d1.log"
	# SIGTERM: exit 0, the datapath keeps forwarding
	kill -TERM "$d1" "$d2"
	local rc1=0 rc2=0
	wait "$d1" || rc1=$?
	wait "$d2" || rc2=$?
	check sigterm_exit0 "exit statuses $rc1 $rc2" eval "[ $rc1 = 0 ] && [ $rc2 = 0 ]"
	check notify_stopping "no STOPPING=1" grep -q '^STOPPING=1$' "$dir/notify.log"
	check sigterm_forwarding "no traffic after the daemons stopped" ping1
}

first=1
for mode in $E2E_MODES; do
	run_mode "$mode" "$first"
	first=0
done
e2e_finish
