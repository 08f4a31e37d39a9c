#!/usr/bin/env bash
# bench/ctlscale.sh [PEERS] [ROUTES]: the control plane at hub scale, in a
# network namespace of its own (removed at the end).  Prints one JSON object:
#   apply_s / remove_s    config apply of PEERS peers + ROUTES routes from an
#                         empty state, and of an empty file afterwards (wall
#                         time of the command, and its user+sys CPU time)
#   change_*_ms           one-peer changes on top of it, each one command, the
#                         median of CTLSCALE_REPS (default 5) repetitions:
#                         hoplimit (peer change p1 hoplimit), add (a -batch file:
#                         peer add + 3 routes), del (peer del -force of it: its
#                         routes go too), add_bare / del_bare (peer add / del of
#                         a peer without routes), mtu (peer change p1 mtu: its
#                         ROUTES/PEERS kernel routes get the new MTU), remote
#                         (peer change p1 remote), route_add / route_del (one
#                         route of p1); change_max_ms: the slowest of them
#   apply_plus_ms / apply_minus_ms   config apply of the whole file with one
#                         more peer (+100 routes) and back (the file is parsed and
#                         diffed whole: median of CTLSCALE_APPLY_REPS, default 3)
#   index_*               the per-peer route index (lib/ridx.c): bytes_memlock of
#                         tun46_ridx (per route) and tun46_ridx_count (per peer
#                         slot); route_map_bytes_per_route the same for the trie
#   kernel_bytes_per_peer / _per_route   growth of Slab+Percpu+VmallocUsed
#                         (/proc/meminfo) per peer (PEERS peers, no routes,
#                         datapath already loaded) and per route (then ROUTES
#                         routes); a busy machine makes these approximate
#   rss_apply_kib         peak RSS of the tun46 process applying the big file
# Needs root.  TUN46 (default build/tun46); map sizes: TUN46_MAX_PEERS
# (default 16384 here), TUN46_MAX_ROUTES (default 2x ROUTES, at least 131072).
set -u
cd "$(dirname "$0")/.."
PEERS=${1:-10000}
ROUTES=${2:-1000000}
TUN46=${TUN46:-${BUILD:-build}/tun46}
export TUN46_MAX_PEERS=${TUN46_MAX_PEERS:-16384}
mr=$((ROUTES * 2))
[ "$mr" -lt 131072 ] && mr=131072
export TUN46_MAX_ROUTES=${TUN46_MAX_ROUTES:-$mr}
NS=t46cs$$
W=$(mktemp -d /tmp/tun46-ctlscale.XXXXXX)
cleanup() { ip netns del "$NS" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf 'ctlscale: %s\n' "$*" >&2; }

ip netns add "$NS" || exit 1
ip -n "$NS" link set lo up
# the hub's own WAN address (the configured local: tun46 refuses a local the
# router does not own), and a route toward the branches' remotes
ip -n "$NS" -6 addr add fd01::1/128 dev lo nodad || exit 1
ip -n "$NS" -6 route add fd00::/16 dev lo || exit 1
bench/ctlgen.sh "$PEERS" "$ROUTES" >"$W/big.conf"
bench/ctlgen.sh "$PEERS" "$ROUTES" plus >"$W/plus.conf"
bench/ctlgen.sh "$PEERS" 0 >"$W/peers.conf"
bench/ctlgen.sh 1 0 >"$W/one.conf"
: >"$W/empty.conf"

kmem() { awk '/^(Slab|Percpu|VmallocUsed):/ {s += $2} END {printf "%.0f\n", s * 1024}' /proc/meminfo; }
# timed NAME CMD...: runs CMD, sets T_WALL (s) T_CPU (s) T_RSS (KiB); 1 on failure
timed() {
	local name=$1
	shift
	local t0 t1 rc
	t0=$(date +%s%N)
	/usr/bin/time -o "$W/time" -f '%U %S %M' "$@" >"$W/out" 2>"$W/err"
	rc=$?
	t1=$(date +%s%N)
	set -- $(tail -1 "$W/time")
	T_WALL=$(echo "scale=4; ($t1 - $t0) / 1000000000" | bc | sed 's/^\./0./') # ns: ms resolution and better
	T_CPU=$(echo "$1 + $2" | bc | sed 's/^\./0./') T_RSS=$3
	if [ $rc != 0 ]; then
		log "$name failed: $(head -c 400 "$W/err")"
		return 1
	fi
	log "$name: $T_WALL s (cpu $T_CPU s)"
}
ms() { echo "scale=1; $1 * 1000 / 1" | bc | sed 's/^\./0./'; }
TX=("$TUN46" -n "$NS")

fail=0
# per peer: datapath loaded with one peer, then PEERS peers
timed load "${TX[@]}" config apply "$W/one.conf" || fail=1
sync
m0=$(kmem)
timed peers "${TX[@]}" config apply "$W/peers.conf" || fail=1
m1=$(kmem)
peers_s=$T_WALL
timed "remove peers" "${TX[@]}" config apply "$W/empty.conf" || fail=1
# the goal: from an empty state
timed "apply $PEERS peers + $ROUTES routes" "${TX[@]}" config apply "$W/big.conf" || fail=1
apply_s=$T_WALL apply_cpu=$T_CPU rss=$T_RSS
m2=$(kmem)
shown=$(ip -n "$NS" route show proto 46 | wc -l)
[ "$shown" = "$ROUTES" ] || { log "kernel routes: $shown, want $ROUTES"; fail=1; }
# one-peer changes, each one command, CTLSCALE_REPS times (median)
REPS=${CTLSCALE_REPS:-5}
AREPS=${CTLSCALE_APPLY_REPS:-3}
printf 'peer add pnew remote fd03::1 local fd01::1\nroute add 12.0.0.0/24 peer pnew\nroute add 12.0.1.0/24 peer pnew\nroute add 12.0.2.0/24 peer pnew\n' >"$W/add.batch"
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]; else print "null"}'; }
declare -A CH
# chg KEY CMD...: one timed change, its ms appended to CH[KEY]
chg() {
	local k=$1
	shift
	if timed "$k" "${TX[@]}" "$@"; then CH[$k]+="$(ms "$T_WALL") "; else fail=1; fi
}
for i in $(seq 1 "$REPS"); do
	chg hoplimit peer change p1 hoplimit 32
	"${TX[@]}" peer change p1 hoplimit 64 >/dev/null 2>&1
	chg add -batch "$W/add.batch"
	chg del -force peer del pnew
	chg add_bare peer add pbare remote fd03::2 local fd01::1
	chg del_bare peer del pbare
	chg mtu peer change p1 mtu 1400
	n1400=$(ip -n "$NS" route show proto 46 | grep -c 'mtu 1400')
	[ "$n1400" = $((ROUTES / PEERS)) ] || { log "mtu change: $n1400 kernel routes have mtu 1400, want $((ROUTES / PEERS))"; fail=1; }
	chg mtu peer change p1 mtu 1460
	chg remote peer change p1 remote fd03::3
	chg remote peer change p1 remote fd00::0:2
	chg route_add route add 12.1.0.0/24 peer p1
	chg route_del route del 12.1.0.0/24
done
pin=$("${TX[@]}" config show 2>/dev/null | sed -n 's/^# state pinned in //p' | head -1)
memlock() { bpftool -j map show pinned "$pin/$1" 2>/dev/null | jq '.bytes_memlock // 0' 2>/dev/null || echo 0; }
idx_b=$(memlock tun46_ridx) cnt_b=$(memlock tun46_ridx_count) trie_b=$(memlock tun46_routes)
cnt_slots=$(bpftool -j map show pinned "$pin/tun46_ridx_count" 2>/dev/null | jq '.max_entries // 1' 2>/dev/null || echo 1)
for i in $(seq 1 "$AREPS"); do
	timed "config apply, one more peer" "${TX[@]}" config apply "$W/plus.conf" && CH[apply_plus]+="$(ms "$T_WALL") " || fail=1
	timed "config apply, that peer gone" "${TX[@]}" config apply "$W/big.conf" && CH[apply_minus]+="$(ms "$T_WALL") " || fail=1
done
med() { echo "${CH[$1]:-}" | median; }
timed "remove all" "${TX[@]}" config apply "$W/empty.conf" || fail=1
remove_s=$T_WALL remove_cpu=$T_CPU
left=$(ip -n "$NS" route show proto 46 | wc -l)
[ "$left" = 0 ] || { log "$left kernel routes left"; fail=1; }
jq -nc --argjson peers "$PEERS" --argjson routes "$ROUTES" --argjson ok "$([ $fail = 0 ] && echo true || echo false)" \
	--argjson peers_s "$peers_s" --argjson apply_s "$apply_s" --argjson apply_cpu "$apply_cpu" \
	--argjson remove_s "$remove_s" --argjson remove_cpu "$remove_cpu" \
	--argjson plus "$(med apply_plus)" --argjson minus "$(med apply_minus)" \
	--argjson hop "$(med hoplimit)" --argjson add "$(med add)" --argjson del "$(med del)" --argjson mtu "$(med mtu)" \
	--argjson addb "$(med add_bare)" --argjson delb "$(med del_bare)" --argjson remote "$(med remote)" \
	--argjson radd "$(med route_add)" --argjson rdel "$(med route_del)" --argjson reps "$REPS" \
	--argjson m0 "$m0" --argjson m1 "$m1" --argjson m2 "$m2" --argjson rss "$rss" \
	--argjson idx_b "${idx_b:-0}" --argjson cnt_b "${cnt_b:-0}" --argjson trie_b "${trie_b:-0}" --argjson slots "${cnt_slots:-1}" \
	'{peers: $peers, routes: $routes, ok: $ok, peers_only_apply_s: $peers_s, apply_s: $apply_s,
	  apply_cpu_s: $apply_cpu, remove_s: $remove_s, remove_cpu_s: $remove_cpu,
	  apply_plus_ms: $plus, apply_minus_ms: $minus, apply_one_peer_ms: ([$plus, $minus] | max),
	  change_reps: $reps, change_hoplimit_ms: $hop, change_add_ms: $add, change_del_ms: $del, change_mtu_ms: $mtu,
	  change_add_bare_ms: $addb, change_del_bare_ms: $delb, change_remote_ms: $remote,
	  change_route_add_ms: $radd, change_route_del_ms: $rdel,
	  change_max_ms: ([$hop, $add, $del, $mtu, $addb, $delb, $remote, $radd, $rdel] | max),
	  kernel_bytes_per_peer: ((($m1 - $m0) / ($peers - 1)) | floor),
	  kernel_bytes_per_route: (if $routes > 0 then (($m2 - $m1) / $routes) | floor else null end),
	  route_map_bytes_per_route: (if $routes > 0 then ($trie_b / $routes * 10 | round / 10) else null end),
	  index_bytes_per_route: (if $routes > 0 then ($idx_b / $routes * 10 | round / 10) else null end),
	  index_bytes_per_peer_slot: (($cnt_b / $slots) * 10 | round / 10),
	  rss_apply_kib: $rss}'
[ $fail = 0 ]
