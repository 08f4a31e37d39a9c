#!/usr/bin/env bash
# bench/scale.sh — multi-core scaling (`make bench SCALE=1`, test "scale").
# Sourced by scripts/bench.sh after bench/lib.sh; defines functions only.
#
# The §5 topology again, but every veth with SCALE_QUEUES rx/tx queues (one
# NAPI each) and built without the `ip` and `ethtool` binaries: bench/nsnet
# (rtnetlink and the ethtool ioctl) creates the namespaces, links, addresses,
# routes and neighbours, so that it runs on a machine that lacks them.
#
# Flow of the frames: veth hands an XDP frame to the peer's rx queue
# (sending CPU mod queues), so generator i, pinned to CPU G_i, feeds r1 LAN
# queue G_i; that queue's threaded-NAPI kthread is pinned to router core R_i;
# its XDP redirect feeds r2's WAN queue R_i (softirq on R_i) and then h2's
# queue R_i, where the sink counts (on R_i, as in the rate test).  Each
# generator sends its own SCALE_FLOWS UDP flows (distinct source ports).
# With N router cores: R = 0..N-1 and G = N..2N-1 where the machine has 2N
# CPUs; with fewer, the generators share the router cores (G = R) and the
# delivered rate is not the routers' capacity: then the figure that scales is
# the routers' CPU time per packet (per-thread, bench/lib.sh cpu_snap), whose
# inverse is the capacity per core.
NSNET=${NSNET:-$BUILD/bench/nsnet}
SCALE_CORES=${SCALE_CORES:-1 2 4 8 12}
SCALE_PATHS=${SCALE_PATHS:-xdpfwd tun46-xdp}
SCALE_FLOWS=${SCALE_FLOWS:-16}

sx() { "$NSNET" exec "$@"; }

scale_down() {
	local ns d
	for ns in "$H1" "$R1" "$R2" "$H2"; do
		if [ -x "${TUN46:-}" ] && { [ "$ns" = "$R1" ] || [ "$ns" = "$R2" ]; } && [ -e "/run/netns/$ns" ]; then
			for d in b1lan b1wan b2lan b2wan; do "$TUN46" -n "$ns" link detach dev "$d" >/dev/null 2>&1; done
			"$TUN46" -n "$ns" config apply /dev/null >/dev/null 2>&1
		fi
		[ -e "/run/netns/$ns" ] && "$NSNET" del "$ns" 2>/dev/null
	done
	return 0
}

# scale_up QUEUES
scale_up() {
	local q=$1 ns d
	scale_down
	for ns in "$H1" "$R1" "$R2" "$H2"; do
		"$NSNET" add "$ns" && sx "$ns" "$NSNET" up lo || return 1
	done
	sx "$H1" "$NSNET" veth bh1 b1lan "$R1" "$q" &&
		sx "$R1" "$NSNET" veth b1wan b2wan "$R2" "$q" &&
		sx "$R2" "$NSNET" veth b2lan bh2 "$H2" "$q" || return 1
	for ns in "$R1" "$R2"; do
		sx "$ns" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv6/conf/all/forwarding;
			echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad; echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad' || return 1
	done
	sx "$H1" "$NSNET" addr bh1 192.168.1.2/24 && sx "$R1" "$NSNET" addr b1lan 192.168.1.1/24 &&
		sx "$R1" "$NSNET" addr b1wan fd00::1/64 && sx "$R1" "$NSNET" addr b1wan 10.0.0.1/30 &&
		sx "$R2" "$NSNET" addr b2wan fd00::2/64 && sx "$R2" "$NSNET" addr b2wan 10.0.0.2/30 &&
		sx "$R2" "$NSNET" addr b2lan 192.168.2.1/24 && sx "$H2" "$NSNET" addr bh2 192.168.2.2/24 || return 1
	sx "$H1" "$NSNET" up bh1 && sx "$R1" "$NSNET" up b1lan && sx "$R1" "$NSNET" up b1wan &&
		sx "$R2" "$NSNET" up b2wan && sx "$R2" "$NSNET" up b2lan && sx "$H2" "$NSNET" up bh2 || return 1
	M_H1=$(sx "$H1" "$NSNET" mac bh1) M_R1L=$(sx "$R1" "$NSNET" mac b1lan) M_R1W=$(sx "$R1" "$NSNET" mac b1wan)
	M_R2W=$(sx "$R2" "$NSNET" mac b2wan) M_R2L=$(sx "$R2" "$NSNET" mac b2lan) M_H2=$(sx "$H2" "$NSNET" mac bh2)
	sx "$H1" "$NSNET" route 0.0.0.0/0 192.168.1.1 bh1 && sx "$H2" "$NSNET" route 0.0.0.0/0 192.168.2.1 bh2 &&
		sx "$H1" "$NSNET" neigh 192.168.1.1 "$M_R1L" bh1 && sx "$R1" "$NSNET" neigh 192.168.1.2 "$M_H1" b1lan &&
		sx "$R1" "$NSNET" neigh 10.0.0.2 "$M_R2W" b1wan && sx "$R1" "$NSNET" neigh fd00::2 "$M_R2W" b1wan &&
		sx "$R2" "$NSNET" neigh 10.0.0.1 "$M_R1W" b2wan && sx "$R2" "$NSNET" neigh fd00::1 "$M_R1W" b2wan &&
		sx "$R2" "$NSNET" neigh 192.168.2.2 "$M_H2" b2lan && sx "$H2" "$NSNET" neigh 192.168.2.1 "$M_R2L" bh2 || return 1
	for d in b1lan b1wan; do sx "$R1" "$NSNET" gro "$d" on || return 1; done
	for d in b2lan b2wan; do sx "$R2" "$NSNET" gro "$d" on || return 1; done
	sx "$H1" "$NSNET" gro bh1 on && sx "$H2" "$NSNET" gro bh2 on || return 1
	sx "$R1" sh -c 'echo 1 > /sys/class/net/b1lan/threaded'
}

# scale_path P: routes and programs of path P on the scale topology
scale_path() {
	case "$1" in
	xdpfwd)
		sx "$R1" "$NSNET" route 192.168.2.0/24 10.0.0.2 b1wan && sx "$R2" "$NSNET" route 192.168.1.0/24 10.0.0.1 b2wan &&
			sx "$R1" "$BUILD"/bench/fwd b1lan b1wan && sx "$R2" "$BUILD"/bench/fwd b2wan b2lan
		;;
	tun46-xdp) path_tun46 xdp >/dev/null ;;
	tun46-tc) path_tun46 tc >/dev/null ;;
	*) return 2 ;;
	esac
}

# scale_pin "R_0 R_1 ..." "G_0 G_1 ...": r1 LAN queue G_i's kthread to R_i
# (kthreads in NAPI id order are the queues in order); prints how many
scale_pin() {
	local -a r=($1) g=($2) pids
	mapfile -t pids < <(ps -e -o pid=,comm= | awk '$2 ~ /^napi\/b1lan-/ {split($2, a, "-"); print a[2], $1}' | sort -n | awk '{print $2}')
	local i n=0
	for i in "${!g[@]}"; do
		[ -n "${pids[${g[$i]}]:-}" ] && taskset -pc "${r[$i]}" "${pids[${g[$i]}]}" >/dev/null 2>&1 && n=$((n + 1))
	done
	echo "$n"
}

# scale_run N SECONDS -> JSON: delivered, offered, pps, router CPU
scale_run() {
	local n=$1 secs=$2 ncpu i rl gl shared=false a b before after out=$WORK/scale
	ncpu=$(nproc)
	if [ $((2 * n)) -le "$ncpu" ]; then
		rl=$(seq -s' ' 0 $((n - 1))) gl=$(seq -s' ' "$n" $((2 * n - 1)))
	else
		rl=$(seq -s' ' 0 $((n - 1))) gl=$rl shared=true
	fi
	local pinned
	pinned=$(scale_pin "$rl" "$gl")
	a=$(cpu_snap "${rl// /,}")
	before=$(sx "$H2" "$BUILD"/bench/sink read bh2) || return 1
	mkdir -p "$out"
	i=0
	for c in $gl; do
		sx "$H1" "$BUILD"/bench/gen -i bh1 -d "$M_R1L" -s 192.168.1.2 -D 192.168.2.2 -z 64 \
			-f "$SCALE_FLOWS" -p $((1024 + i * SCALE_FLOWS)) -t "$secs" -c "$c" >"$out/g$i" &
		i=$((i + 1))
	done
	wait
	sleep 0.2
	after=$(sx "$H2" "$BUILD"/bench/sink read bh2) || return 1
	b=$(cpu_snap "${rl// /,}")
	set -- $(cpu_delta "$a" "$b")
	jq -s --argjson n "$n" --argjson d $((${after% *} - ${before% *})) --argjson rns $(($1 + $2)) \
		--argjson shared "$shared" --arg r "$rl" --arg g "$gl" --argjson pinned "$pinned" \
		'{cores: $n, router_cpus: $r, gen_cpus: $g, shared: $shared, queues_pinned: $pinned,
		  offered: (map(.offered) | add), seconds: (map(.seconds) | max), delivered: $d,
		  pps: ($d / (map(.seconds) | max)), router_ns: $rns,
		  ns_per_pkt: (if $d > 0 then $rns / $d else null end)}' "$out"/g*
	rm -f "$out"/g*
}

measure_scale() {
	local ncpu p n r j q
	ncpu=$(nproc)
	[ -x "$NSNET" ] || { note scale "scale: $NSNET not built"; return 1; }
	q=${SCALE_QUEUES:-$ncpu}
	for p in $SCALE_PATHS; do
		[[ $p == tun46-* ]] && [ "${tun46_ok:-1}" = 0 ] && continue
		scale_up "$q" || { note "scale:$p" "scale: topology setup failed"; scale_down; continue; }
		scale_path "$p" || { note "scale:$p" "scale: path setup failed"; scale_down; continue; }
		sx "$H2" "$BUILD"/bench/sink attach bh2 || { note "scale:$p" "scale: cannot attach the sink"; scale_down; continue; }
		for n in $SCALE_CORES; do
			[ "$n" -le "$ncpu" ] || continue
			scale_run "$n" 0.3 >/dev/null # warm-up
			for r in $(seq 1 "$RUNS"); do
				j=$(scale_run "$n" "$SCALE_SECS") || { note "scale:$p" "scale: $n cores run $r failed"; continue; }
				sample "scale:$p" "scale${n}_pps" "$r" "$(jq .pps <<<"$j")" "{\"raw\": $j}"
				sample "scale:$p" "scale${n}_ns" "$r" "$(jq '.ns_per_pkt // 0' <<<"$j")"
				blog "bench: [scale:$p] $n core(s) run $r: $(jq -r '"\(.pps / 1e6 * 100 | floor / 100) Mpps, \(.ns_per_pkt // 0 | floor) ns/pkt router CPU; routers on CPUs \(.router_cpus), generators on \(.gen_cpus)\(if .shared then " (shared)" else "" end), \(.queues_pinned) queue(s) pinned"' <<<"$j")"
			done
			if [ $((2 * n)) -gt "$ncpu" ]; then
				note "scale:$p" "$n cores: the generators share the $n router cores ($ncpu CPUs here): the rate is not the routers' capacity; their CPU time per packet is"
			fi
		done
		scale_down
	done
}

# ---- does the receiving side spread tunnel flows over its queues? (test rss,
# with SCALE=1) ----
# r1 -> r2 over a 4-queue WAN veth, one generator (GEN_CPU) sending 1 or
# RSS_FLOWS inner UDP flows at RSS_PPS; packets per r2 WAN rx queue.  veth
# has no RSS: r2's rx queue is r1's tx queue.  In mode tc the kernel picks
# that queue from the skb hash of the outer IPv6 header, which stops at a
# non-zero flow label (tun46 hashes the inner flow into it): counted per tx
# queue with an mq qdisc (needs tc).  In mode xdp a redirect picks the queue
# of the sending CPU (veth_xdp_xmit), whatever the flow: counted with the
# veth's per-queue XDP counters (needs ethtool).  Distinct flow labels on the
# wire are counted in mode tc (tcpdump).
RSS_FLOWS=${RSS_FLOWS:-64}
RSS_PPS=${RSS_PPS:-100000}
measure_rss() {
	local p f r j q i per used lbl
	for p in tun46-tc tun46-xdp; do
		[ "${tun46_ok:-1}" = 0 ] && continue
		if [ $p = tun46-tc ] && ! command -v tc >/dev/null; then note "rss:$p" "rss: no tc binary; not measured"; continue; fi
		if [ $p = tun46-xdp ] && ! command -v ethtool >/dev/null; then note "rss:$p" "rss: no ethtool binary; not measured"; continue; fi
		for f in 1 "$RSS_FLOWS"; do
			scale_up 4 && scale_path "$p" && sx "$H2" "$BUILD"/bench/sink attach bh2 ||
				{ note "rss:$p" "rss: setup failed"; scale_down; continue; }
			if [ $p = tun46-tc ]; then
				sx "$R1" tc qdisc replace dev b1wan root handle 1: mq
				for i in 1 2 3 4; do sx "$R1" tc qdisc replace dev b1wan parent 1:$i pfifo; done
			fi
			for r in $(seq 1 "$RUNS"); do
				local before after
				before=$(rss_counts "$p")
				j=$(sx "$H1" "$BUILD"/bench/gen -i bh1 -d "$M_R1L" -s 192.168.1.2 -D 192.168.2.2 -z 64 \
					-f "$f" -t "$SCALE_SECS" -r "$RSS_PPS" -c "$GEN_CPU") || continue
				after=$(rss_counts "$p")
				per=$(paste -d' ' <(tr ' ' '\n' <<<"$before") <(tr ' ' '\n' <<<"$after") | awk 'NF == 2 {printf "%s%.0f", s, $2 - $1; s = ","}')
				used=$(tr , '\n' <<<"$per" | awk '{v[NR] = $1; t += $1} END {for (i in v) if (t > 0 && v[i] > t * 0.05) n++; print n + 0}')
				lbl=null
				if [ $p = tun46-tc ]; then
					sx "$R2" timeout 2 tcpdump -ni b2wan -c 300 -v ip6 2>/dev/null >"$WORK/rss.cap" &
					local tp=$!
					sleep 0.3
					sx "$H1" "$BUILD"/bench/gen -i bh1 -d "$M_R1L" -s 192.168.1.2 -D 192.168.2.2 -z 64 \
						-f "$f" -t 0.5 -r 20000 -c "$GEN_CPU" >/dev/null
					wait $tp
					lbl=$(grep -o 'flowlabel 0x[0-9a-f]*' "$WORK/rss.cap" | sort -u | wc -l)
				fi
				sample "rss:$p" "rss${f}_queues" "$r" "$used" "{\"per_queue\": [$per], \"flows\": $f, \"flow_labels\": $lbl, \"gen\": $j}"
				blog "bench: [rss:$p] $f inner flow(s) run $r: packets per r2 WAN rx queue: $per ($used of 4 queues over 5 %)$([ "$lbl" != null ] && echo "; $lbl distinct flow labels in 300 frames")"
			done
			scale_down
		done
	done
}
# rss_counts P: per-queue packet counts toward r2's WAN rx queues, space-separated
rss_counts() {
	if [ "$1" = tun46-tc ]; then
		sx "$R1" tc -s qdisc show dev b1wan | awk '/^qdisc pfifo/ {q = 1} /Sent/ && q {printf "%s%s", s, $4; s = " "; q = 0}'
	else
		sx "$R2" ethtool -S b2wan | awk '$1 ~ /^rx_queue_[0-9]+_xdp_packets:$/ {printf "%s%s", s, $2; s = " "}'
	fi
}
