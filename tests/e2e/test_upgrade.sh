#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Upgrade and recovery (issue 10):
#  (a) hitless upgrade, every mode: a second build of tun46 whose BPF object
#      differs (BPF_EXTRA=-DTUN46_BUILD_SALT) runs a write command on both
#      sites under a steady ping flow: the program ids on every hook change,
#      peer and route ids and the counters are kept, and no ping is lost; and
#      back to the first build;
#  (b) SIGKILL at random points of a 100k-route config apply: the next
#      command reports and repairs, and tun46_routes and the kernel routes
#      through tun46 are the same set (mode-independent: run in one mode);
#  (c) the pin dir removed by hand (tun46's old advice) with programs still
#      attached, then `tun46 -n NS` again: the tunnel device and tun46's own
#      programs are adopted, the stale kernel route goes, traffic flows;
#  (d) `ip netns del` of an attached namespace: its pins go at the next
#      tun46 command in another namespace;
#  (e) an incompatible layout is refused with the message; -migrate rebuilds.
. "$(dirname "$0")/lib.sh"
e2e_require upgrade
command -v bpftool >/dev/null || {
	skip upgrade "bpftool missing"
	exit 0
}

# The second build: another object, so another build id.
BUILD_B="$E2E_TMP/build-b"
if ! make -s -C "$ROOT" BUILD="$BUILD_B" BPF_EXTRA="-DTUN46_BUILD_SALT=$((RANDOM + 1))" "$BUILD_B/tun46" \
	>"$E2E_TMP/build-b.log" 2>&1; then
	fail "upgrade/build-b" "$(tail -5 "$E2E_TMP/build-b.log" | tr '\n' ' ')"
	e2e_finish
fi
TUN46_A=$TUN46
TUN46_B="$BUILD_B/tun46"

# hook_ids NS: "ifname:kind:id ..." of every program on lan0, wan0 and tun46p
hook_ids() {
	local ns=$1 dev x t
	for dev in lan0 wan0 tun46p; do
		x=$(ip -n "$ns" -j -d link show dev "$dev" | jq -r '.[0].xdp.prog.id // .[0].xdp.attached[0].prog.id // empty')
		[ -n "$x" ] && printf '%s:xdp:%s ' "$dev" "$x"
		t=$(nsx "$ns" tc -j filter show dev "$dev" ingress 2>/dev/null | jq -r '[.[] | .options.prog.id // empty][0] // empty')
		[ -n "$t" ] && printf '%s:tc:%s ' "$dev" "$t"
	done
	echo
}
pinned_ids() { # NS: ids of the pinned programs
	local c p
	c=$(netns_cookie "$1")
	for p in xdp_lan xdp_wan tc_lan tc_wan tc_tun; do
		bpftool -j prog show pinned "/sys/fs/bpf/tun46/$c/prog_$p" 2>/dev/null | jq -r '.id // empty'
	done | tr '\n' ' '
}
encap_pkts() { # NS: encapsulated packets counted so far (all ports)
	"$TUN46_A" -n "$1" -j stats 2>/dev/null | jq '[.. | objects | (.encap_packets? // empty), (.slow_encap_packets? // empty)] | add // 0'
}
state_ids() { # NS: peers (id name) and routes (prefix peer) as the maps hold them
	"$TUN46_A" -n "$1" -j peer show 2>/dev/null | jq -c '[.[] | [.id, .name]]'
	"$TUN46_A" -n "$1" -j route show 2>/dev/null | jq -c '[.[] | [.dst, .peer]]'
}

# upgrade_to NS BIN: a write command of another build (adds and removes a route)
upgrade_to() {
	local ns=$1 bin=$2
	"$bin" -n "$ns" route add 10.250.0.0/24 peer site 2>&1 && "$bin" -n "$ns" route del 10.250.0.0/24 2>&1
}

# ---- (a) ----
upgrade_mode() {
	local mode=$1 before after pin_b st0 st1 c0 c1 out sent rcvd h2rx0 h2rx1
	mode_up "$mode" || { topo_down; return; }
	ping_count "$H1" 192.168.2.2 -c 3 -i 0.2 -W 1 >/dev/null # neighbours resolved
	before="$(hook_ids "$R1")|$(hook_ids "$R2")"
	st0=$(state_ids "$R1")
	c0=$(num "$(encap_pkts "$R1")")
	h2rx0=$(num "$(if_stat "$H2" eth0 rx_packets)")
	nsx "$H1" ping -n -q -c 1500 -i 0.002 -W 2 192.168.2.2 >"$E2E_TMP/ping.$mode" 2>&1 &
	local ppid=$!
	sleep 0.8
	out=$(upgrade_to "$R1" "$TUN46_B"; upgrade_to "$R2" "$TUN46_B")
	log "$mode: $(echo "$out" | grep -i upgraded | head -2 | tr '\n' ' ')"
	after="$(hook_ids "$R1")|$(hook_ids "$R2")"
	pin_b=$(pinned_ids "$R1")
	sleep 0.3
	out2=$(upgrade_to "$R1" "$TUN46_A"; upgrade_to "$R2" "$TUN46_A")
	wait "$ppid"
	sent=$(sed -n 's/^\([0-9]\+\) packets transmitted.*/\1/p' "$E2E_TMP/ping.$mode")
	rcvd=$(sed -n 's/.* \([0-9]\+\) received.*/\1/p' "$E2E_TMP/ping.$mode")
	h2rx1=$(num "$(if_stat "$H2" eth0 rx_packets)")
	st1=$(state_ids "$R1")
	c1=$(num "$(encap_pkts "$R1")")
	log "$mode: hooks before $before"
	log "$mode: hooks after  $after (pinned on r1 by build b: $pin_b)"
	log "$mode: ping sent $sent received $rcvd; h2 eth0 rx +$((h2rx1 - h2rx0)); r1 encap packets $c0 -> $c1"
	if ! echo "$out" | grep -q "upgraded the datapath in place" || ! echo "$out2" | grep -q "upgraded the datapath in place"; then
		fail "$mode/upgrade" "no upgrade reported: $(echo "$out $out2" | tr '\n' ' ' | head -c 400)"
	else
		pass "$mode/upgrade reported both ways"
	fi
	# every hook has a program before and after, and no id is the same
	local n_before n_after same=0 id
	n_before=$(echo "$before" | wc -w)
	n_after=$(echo "$after" | wc -w)
	for id in $(echo "$before" | tr '|' ' '); do
		case " $(echo "$after" | tr '|' ' ') " in *" ${id%:*}:"*) ;; *) same=-100 ;; esac
		[[ " $(echo "$after" | tr '|' ' ') " == *" $id "* ]] && same=$((same + 1))
	done
	if [ "$n_before" -ge 4 ] && [ "$n_before" = "$n_after" ] && [ "$same" = 0 ]; then
		pass "$mode/upgrade replaced the program on all $n_before hooks"
	else
		fail "$mode/upgrade hooks" "before: $before after: $after"
	fi
	local hooked_r1 ok=1
	hooked_r1=$(hook_ids "$R1" >/dev/null; echo "${after%%|*}")
	for id in $hooked_r1; do
		[[ " $pin_b " == *" ${id##*:} "* ]] || ok=0
	done
	[ "$ok" = 1 ] && pass "$mode/upgrade hooks run the pinned programs" ||
		fail "$mode/upgrade pins" "hooks $hooked_r1, pinned $pin_b"
	if [ "$st0" = "$st1" ] && [ -n "$st0" ]; then
		pass "$mode/upgrade kept peer and route ids"
	else
		fail "$mode/upgrade state" "before $st0 after $st1"
	fi
	if [ "$c0" -gt 0 ] && [ "$c1" -ge $((c0 + 1000)) ]; then
		pass "$mode/upgrade kept the counters ($c0 -> $c1)"
	else
		fail "$mode/upgrade counters" "encap packets $c0 -> $c1"
	fi
	if [ -n "$sent" ] && [ "$sent" -ge 1000 ] && [ "$sent" = "$rcvd" ]; then
		pass "$mode/upgrade under traffic: $rcvd of $sent pings answered, 0 lost"
	else
		fail "$mode/upgrade traffic" "sent ${sent:-?} received ${rcvd:-?}: $(tail -2 "$E2E_TMP/ping.$mode" | tr '\n' ' ')"
	fi
	topo_down
}

# ---- (b) ----
routes_conf() { # FILE: peer site + 100,000 /32 routes
	{
		echo "link attach dev wan0 role wan mode $1"
		echo "link attach dev lan0 role lan mode $1"
		echo "peer add site remote fd00::2 local fd00::1"
		echo "route add 192.168.2.0/24 peer site"
		"$PY" -c '
for i in range(100000):
    print("route add 10.%d.%d.%d/32 peer site" % (i >> 16, (i >> 8) & 255, i & 255))'
	} >"$2"
}
map_routes() { "$TUN46_A" -n "$1" -j route show 2>/dev/null | jq -r '.[].dst' | sort; }
kernel_routes() { ip -n "$1" -4 route show dev tun46 proto 46 | awk '{print $1}' | sed 's,^\([0-9.]*\)$,\1/32,' | sort; }

kill_mode() {
	local mode=$1 i delay t0 t1 out mr kr iter=0 bad=0 reported=0 figures=""
	mode_up "$mode" || { topo_down; return; }
	routes_conf "$mode" "$E2E_TMP/big.conf"
	: >"$E2E_TMP/small.conf"
	head -4 "$E2E_TMP/big.conf" >"$E2E_TMP/small.conf"
	# how long each apply takes here, so that the kills land inside one
	local d_big d_small d killed=0 tries=0
	t0=$(date +%s%N)
	"$TUN46_A" -n "$R1" config apply "$E2E_TMP/big.conf" >/dev/null 2>&1
	t1=$(date +%s%N)
	d_big=$(((t1 - t0) / 1000000))
	"$TUN46_A" -n "$R1" config apply "$E2E_TMP/small.conf" >/dev/null 2>&1
	d_small=$((($(date +%s%N) - t1) / 1000000))
	log "$mode: a whole apply takes ${d_big} ms (100k routes in), ${d_small} ms (out)"
	i=0
	while [ "$killed" -lt 5 ] && [ "$tries" -lt 12 ]; do
		# from the small config to the big one and back: kills land in adds and deletes
		i=$((i + 1))
		tries=$((tries + 1))
		[ $((i % 2)) = 1 ] && { conf="$E2E_TMP/big.conf"; d=$d_big; } || { conf="$E2E_TMP/small.conf"; d=$d_small; }
		# a random point between 10% and 90% of the apply's length
		delay=$(awk -v r=$RANDOM -v d="$d" 'BEGIN { printf "%.3f", d * (0.1 + 0.8 * (r % 1000) / 1000) / 1000 }')
		"$TUN46_A" -n "$R1" config apply "$conf" >/dev/null 2>&1 &
		local pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null && killed=$((killed + 1)) # else it had finished: no kill
		wait "$pid" 2>/dev/null
		iter=$((iter + 1))
		t0=$(date +%s%N)
		out=$("$TUN46_A" -n "$R1" route add 10.250.0.0/24 peer site 2>&1)
		t1=$(date +%s%N)
		"$TUN46_A" -n "$R1" route del 10.250.0.0/24 >/dev/null 2>&1
		echo "$out" | grep -q "was interrupted during config apply" && reported=$((reported + 1))
		mr=$(map_routes "$R1")
		kr=$(kernel_routes "$R1")
		figures+="kill@${delay}s: map $(echo "$mr" | grep -c .) kernel $(echo "$kr" | grep -c .) next-run $(((t1 - t0) / 1000000))ms; "
		log "$mode: $(echo "$out" | grep -E 'interrupted|repaired' | tr '\n' ' ')"
		[ "$mr" = "$kr" ] || bad=$((bad + 1))
	done
	log "$mode: $figures"
	if [ "$bad" = 0 ]; then
		pass "$mode/sigkill apply: maps and kernel routes agree after each of $iter kills ($figures)"
	else
		fail "$mode/sigkill apply" "$bad of $iter disagree: $figures"
	fi
	# each kill of a running apply is reported (one landing before the lock
	# was taken has nothing to report: allow one such)
	if [ "$killed" -ge 1 ] && [ "$reported" -ge $((killed - 1)) ] && [ "$reported" -ge 1 ]; then
		pass "$mode/sigkill apply: $reported of $killed kills of a running apply reported and repaired ($iter runs)"
	else
		fail "$mode/sigkill apply report" "$reported reported of $killed kills of a running apply ($iter runs)"
	fi
	out=$("$TUN46_A" -n "$R1" config apply "$E2E_TMP/big.conf" 2>&1)
	mr=$(map_routes "$R1" | grep -c .)
	kr=$(kernel_routes "$R1" | grep -c .)
	if [ "$mr" = 100001 ] && [ "$kr" = 100001 ] && [ "$(ping_count "$H1" 192.168.2.2 -c 3 -i 0.2 -W 1)" = 3 ]; then
		pass "$mode/sigkill apply: applying again finishes it ($mr routes, $kr kernel routes, traffic flows)"
	else
		fail "$mode/sigkill apply again" "map $mr kernel $kr: $out"
	fi
	topo_down
}

# ---- (c) ----
rmpins_mode() {
	local mode=$1 c out n
	mode_up "$mode" || { topo_down; return; }
	"$TUN46_A" -n "$R1" route add 10.77.0.0/16 peer site >/dev/null 2>&1
	c=$(netns_cookie "$R1")
	rm -r "/sys/fs/bpf/tun46/$c"
	# what an admin does next, with -n (not under ip netns exec)
	out=$(
		"$TUN46_A" -n "$R1" peer add site remote fd00::2 local fd00::1 2>&1 &&
			"$TUN46_A" -n "$R1" route add 192.168.2.0/24 peer site 2>&1 &&
			"$TUN46_A" -n "$R1" link attach dev wan0 role wan mode "$mode" 2>&1 &&
			"$TUN46_A" -n "$R1" link attach dev lan0 role lan mode "$mode" 2>&1
	)
	local rc=$?
	log "$mode: $(echo "$out" | tr '\n' ' ')"
	if [ "$rc" = 0 ] && ! echo "$out" | grep -q "not a veth pair\|another XDP program"; then
		pass "$mode/rm pin dir: tun46 -n adopts its device and programs"
	else
		fail "$mode/rm pin dir" "$(echo "$out" | tr '\n' ' ' | head -c 500)"
	fi
	n=$(ip -n "$R1" -4 route show dev tun46 | grep -c "10.77.0.0")
	[ "$n" = 0 ] && pass "$mode/rm pin dir: the stale kernel route is gone" ||
		fail "$mode/rm pin dir stale route" "$(ip -n "$R1" -4 route show dev tun46)"
	n=$(ping_count "$H1" 192.168.2.2 -c 5 -i 0.2 -W 1)
	[ "$n" = 5 ] && pass "$mode/rm pin dir: traffic flows" || fail "$mode/rm pin dir traffic" "$n of 5"
	topo_down
}

# ---- (d) ----
netns_del_case() {
	local c out
	mode_up xdp-generic || { topo_down; return; }
	c=$(netns_cookie "$R2")
	[ -d "/sys/fs/bpf/tun46/$c" ] || {
		fail "netns del" "no pins for r2"
		return
	}
	ip netns del "$R2"
	sleep 0.5 # the namespace's cleanup runs in a kernel worker
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		"$TUN46_A" -n "$R1" -j link show >/dev/null 2>&1 # a read-only command in another namespace
		[ -e "/sys/fs/bpf/tun46/$c" ] || break
		sleep 0.5
	done
	if [ ! -e "/sys/fs/bpf/tun46/$c" ]; then
		pass "netns del: the pins of the deleted namespace went at the next tun46 run"
	else
		fail "netns del" "/sys/fs/bpf/tun46/$c still there: $(ls "/sys/fs/bpf/tun46/$c" | tr '\n' ' ')"
	fi
	topo_down
}

# ---- (e) ----
layout_case() {
	local c out rc st0 st1
	mode_up xdp-generic || { topo_down; return; }
	c=$(netns_cookie "$R1")
	st0=$(state_ids "$R1" | jq -c 'map(select(.[0] != "10.66.0.0/16"))')
	# a state "made by a newer tun46": layout version 99
	bpftool map update pinned "/sys/fs/bpf/tun46/$c/tun46_layout" key hex 00 00 00 00 value hex 63 00 00 00 \
		$(printf '00 %.0s' $(seq 1 60))
	out=$("$TUN46_A" -n "$R1" route add 10.66.0.0/16 peer site 2>&1)
	rc=$?
	if [ "$rc" != 0 ] && echo "$out" | grep -q "incompatible layout (it has layout 99" && echo "$out" | grep -q -- "-migrate"; then
		pass "layout: a newer layout is refused with the message"
	else
		fail "layout refused" "rc $rc: $out"
	fi
	out=$("$TUN46_A" -n "$R1" -migrate route add 10.66.0.0/16 peer site 2>&1)
	rc=$?
	log "migrate: $(echo "$out" | tr '\n' ' ')"
	st1=$(state_ids "$R1" | jq -c 'map(select(.[0] != "10.66.0.0/16"))')
	if [ "$rc" = 0 ] && echo "$out" | grep -q "migrated the state" && [ "$st0" = "$st1" ] &&
		[ "$(ping_count "$H1" 192.168.2.2 -c 3 -i 0.2 -W 1)" = 3 ]; then
		pass "layout: -migrate rebuilds it (links, peers, routes kept; traffic flows)"
	else
		fail "layout migrate" "rc $rc st0 $st0 st1 $st1: $out"
	fi
	# an older layout: tun46_peers with the value size of layout 1 (80 bytes)
	topo_down
	ns_new R1 r1 || { topo_down; return; }
	c=$(netns_cookie "$R1")
	mkdir -p "/sys/fs/bpf/tun46/$c"
	bpftool map create "/sys/fs/bpf/tun46/$c/tun46_peers" type hash key 4 value 80 entries 256 name tun46_peers
	out=$("$TUN46_A" -n "$R1" peer show 2>&1)
	rc=$?
	if [ "$rc" != 0 ] && echo "$out" | grep -q "tun46_peers: value 80 bytes, this tun46 needs 84"; then
		pass "layout: a map of another size is named in the refusal"
	else
		fail "layout size" "rc $rc: $out"
	fi
	ip -n "$R1" addr add fd00::1/128 dev lo nodad # a local this router owns (config checks)
	out=$("$TUN46_A" -n "$R1" -migrate peer add x remote fd00::9 local fd00::1 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && "$TUN46_A" -n "$R1" peer show 2>&1 | grep -q "^x\|x "; then
		pass "layout: -migrate of it works"
	else
		fail "layout size migrate" "rc $rc: $out"
	fi
	"$TUN46_A" -n "$R1" peer del x >/dev/null 2>&1
	topo_down
}

for mode in $E2E_MODES; do
	upgrade_mode "$mode"
	rmpins_mode "$mode"
done
kill_mode "${E2E_MODES%% *}"
netns_del_case
layout_case
e2e_finish
