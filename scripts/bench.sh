#!/usr/bin/env bash
# tun46 benchmark harness (`make bench`, `make bench QUICK=1`).
#
# Builds the topology of ../shared/README.md §5 in fresh namespaces for each
# path and measures, side by side in one run:
#   kernel       kernel IPv4 routing, no tunnel (reference ceiling of the kernel)
#   srv6         kernel tunnel path: SRv6 encap.red + End.DX4 (ip4ip6 bytes)
#   ip6tnl       Linux ip6tnl ip4ip6, where the kernel has it
#   vxlan6       kernel VXLAN over IPv6: a kernel tunnel device every kernel
#                here has (not the ip4ip6 bytes: 70 bytes of overhead, WAN
#                MTU 1530); not in the srv6 ratios; the CPU goals use it
#                only where srv6 and ip6tnl are unavailable (the label says)
#   xdpfwd       plain XDP forwarding, no encapsulation (bpf/bench_fwd.bpf.c)
#   tun46-xdp, tun46-tc, tun46-xdp-generic   tun46 in each mode, on both routers
#   tun46-tc-2step  tun46 mode tc with the two-step TC decapsulation of kernels
#                before 6.3 forced (TUN46_PROBE_DISABLE=decap_l3): its cost
#   tun46-gre    tun46 mode xdp with encap gre on both routers (GRE over IPv6,
#                Linux ip6gre's bytes); goal: 64B rate >= 0.95 x tun46-xdp
#   tun46-xdp-base   with BASE=<git ref>: tun46 mode xdp as built at that ref
#                (scripts/bench-base.sh), measured right after tun46-xdp in
#                every round, its own binary setting up, checking, measuring
#                and tearing down; its program cost too (bench/progcost built
#                at the ref).  The report's goal: tun46 xdp 64B >= 0.9 x base.
# Figures: forwarding rate of 64/512-byte frames (live-frames generator at h1,
# XDP counter at h2), TCP throughput (iperf3, 1 and 4 streams, host offloads on
# and off), ping p50/p99 under light load, per-packet program cost
# (bench/progcost), control plane (route apply time, loss during config apply;
# at hub scale with bench/ctlscale.sh: 10,000 peers + 1,000,000 routes applied
# and removed, one-peer changes, kernel memory per peer and per route),
# and the headline: the routers' CPU time per forwarded packet at a fixed load
# below saturation (test "cpu": 64-byte frames at CPU_PPS64, CPU_BIG-byte
# frames at CPU_PPSBIG; ns of CPU on the routers' NAPI threads per packet
# delivered, generator and sink kept on GEN_CPU; see cpu_isolate in bench/lib.sh),
# with where it goes: each program's run time per packet on the live path
# (kernel.bpf_stats_enabled, a separate short run: measure_progstat).
# Each figure: RUNS samples, median (min-max), ratio to the srv6 path.
# A path this kernel cannot build (srv6 without the seg6 lwtunnel, probed once
# with scripts/probe-seg6.sh; ip6tnl without ip6_tunnel) is reported as
# unavailable with the reason: its row says so, ratios to it are n/a and the
# goals that need it say NOT MEASURED (reason).
#
# Environment: QUICK=1 (1 run, short durations), RUNS=N, BENCH_PATHS="kernel srv6 ...",
#   BASE=<git ref> (adds tun46-xdp-base after tun46-xdp, or at the end),
#   BENCH_TESTS="rate cpu tcp ping cost ctl ctlscale" (ctlscale: full runs only), RATE_SECS, TCP_SECS,
#   PING_COUNT, FLOWS, CTLSCALE_PEERS/CTLSCALE_ROUTES (default 10000/1000000),
#   CPU_SECS, CPU_PPS64 (200000), CPU_BIG (1470), CPU_PPSBIG (100000),
#   CPU_MODERATION (burst: the generator sends CPU_COALESCE_US worth of frames
#   back to back, as a NIC with interrupt moderation hands them over; timer:
#   r1's LAN port coalesces with gro_flush_timeout instead, see bench/lib.sh),
#   CPU_COALESCE_US (200), CPU_SINK_DEFER (1000), CPU_RTPRIO (50), CPU_GEN_NICE (-10),
#   SCALE=1 (adds the test "scale": bench/scale.sh; SCALE_CORES "1 2 4 8 12",
#   SCALE_PATHS "xdpfwd tun46-xdp", SCALE_FLOWS, SCALE_SECS, SCALE_QUEUES;
#   and the test "rss": tunnel flows over r2's receive queues, RSS_FLOWS, RSS_PPS),
#   BENCH_OUT=dir (default bench-results), BUILD=dir, GEN_CPU/RX_CPU (default 0/1),
#   CTL_ROUTES="1000 100000".
# Output: Markdown table on stdout, BENCH_OUT/bench-TIMESTAMP.json (every raw
# sample, the machine), BENCH_OUT/bench-TIMESTAMP.png (gnuplot).  Progress on stderr.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
BSFX=${BSFX:-$$}
source bench/lib.sh
source bench/scale.sh

QUICK=${QUICK:-}
[ "$QUICK" = 0 ] && QUICK=
if [ -n "$QUICK" ]; then
	RUNS=${RUNS:-1} RATE_SECS=${RATE_SECS:-1} TCP_SECS=${TCP_SECS:-2} PING_COUNT=${PING_COUNT:-100}
	COST_FRAMES=${COST_FRAMES:-1048576} CPU_SECS=${CPU_SECS:-2}
else
	RUNS=${RUNS:-3} RATE_SECS=${RATE_SECS:-4} TCP_SECS=${TCP_SECS:-5} PING_COUNT=${PING_COUNT:-300}
	COST_FRAMES=${COST_FRAMES:-4194304} CPU_SECS=${CPU_SECS:-4}
fi
FLOWS=${FLOWS:-1}
CPU_PPS64=${CPU_PPS64:-200000} CPU_BIG=${CPU_BIG:-1470} CPU_PPSBIG=${CPU_PPSBIG:-100000}
export CPU_PPS64 # bench/report.sh
BENCH_PATHS=${BENCH_PATHS:-kernel srv6 ip6tnl vxlan6 xdpfwd tun46-xdp tun46-gre tun46-tc tun46-tc-2step tun46-xdp-generic}
# ctlscale (10,000 peers + 1,000,000 routes, ~1-2 minutes per run) only in the full run
BENCH_TESTS_GIVEN=${BENCH_TESTS:+1}
if [ -n "$QUICK" ]; then BENCH_TESTS=${BENCH_TESTS:-rate cpu tcp ping cost ctl}; else BENCH_TESTS=${BENCH_TESTS:-rate cpu tcp ping cost ctl ctlscale}; fi
CTLSCALE_PEERS=${CTLSCALE_PEERS:-10000} CTLSCALE_ROUTES=${CTLSCALE_ROUTES:-1000000}
SCALE=${SCALE:-}
[ "$SCALE" = 0 ] && SCALE=
[ -n "$SCALE" ] && [[ " $BENCH_TESTS " != *" scale "* ]] && BENCH_TESTS="$BENCH_TESTS scale rss"
SCALE_SECS=${SCALE_SECS:-$RATE_SECS}
CTL_ROUTES=${CTL_ROUTES:-1000 100000}
BENCH_OUT=${BENCH_OUT:-bench-results}
TUN46=${TUN46:-$BUILD/tun46}
export TUN46
MAIN_TUN46=$TUN46 # TUN46 is the base build's while the path tun46-xdp-base runs
BASE=${BASE:-}

[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces, BPF)" >&2; exit 1; }
case "$CPU_MODERATION" in
burst | timer) ;;
*) echo "bench: CPU_MODERATION=$CPU_MODERATION: want burst or timer" >&2; exit 2 ;;
esac

# BASE: build that ref aside (its own worktree under $BUILD/base) and add its path
BASE_TUN46='' BASE_PROGCOST='' BASE_COMMIT='' BASE_LABEL=''
if [ -n "$BASE" ]; then
	bdir=$(bash scripts/bench-base.sh "$BASE") || { echo "bench: cannot build BASE=$BASE" >&2; exit 1; }
	BASE_TUN46=$bdir/tun46 BASE_PROGCOST=$bdir/progcost BASE_COMMIT=$(cat "$bdir/commit")
	BASE_LABEL=@$(git rev-parse --short "$BASE_COMMIT")
	[ "$BASE" != "${BASE_LABEL#@}" ] && BASE_LABEL="@$BASE (${BASE_LABEL#@})"
	if [[ " $BENCH_PATHS " != *" tun46-xdp-base "* ]]; then
		if [[ " $BENCH_PATHS " == *" tun46-xdp "* ]]; then
			BENCH_PATHS=$(for p in $BENCH_PATHS; do
				printf '%s ' "$p"
				[ "$p" = tun46-xdp ] && printf 'tun46-xdp-base '
			done)
		else
			BENCH_PATHS="$BENCH_PATHS tun46-xdp-base"
		fi
	fi
fi
for t in gen sink fwd progcost nsnet timercost; do
	[ -x "$BUILD/bench/$t" ] || { echo "bench: $BUILD/bench/$t missing: run make bench" >&2; exit 1; }
done
# the per-path tests build the topology with ip and ethtool; the scale test
# (bench/scale.sh) and the program cost need neither (nsnet; progcost: ip)
path_tests=0
for t in rate cpu tcp ping ctl; do [[ " $BENCH_TESTS " == *" $t "* ]] && path_tests=1; done
needs="jq"
if [ -n "$SCALE" ] && [ -z "$BENCH_TESTS_GIVEN" ] && [ $path_tests = 1 ]; then
	# a many-core machine lent for the scaling run may lack iproute2 and the
	# rest: the scale and rss tests need none of it (bench/nsnet), so run them
	missing=
	for c in ip iperf3 ethtool tcpdump ping; do command -v "$c" >/dev/null || missing="$missing $c"; done
	if [ -n "$missing" ]; then
		echo "bench: SCALE=1 on a machine without$missing: running only the tests that need none of it (scale rss); the others (rate cpu tcp ping cost ctl) need make deps" >&2
		BENCH_TESTS="scale rss" path_tests=0
	fi
fi
[ $path_tests = 1 ] && needs="$needs ip iperf3 ethtool tcpdump ping"
[[ " $BENCH_TESTS " == *" cost "* ]] && needs="$needs ip"
for c in $needs; do
	command -v "$c" >/dev/null || { echo "bench: $c missing: run make deps" >&2; exit 1; }
done

ts=$(date +%Y%m%d-%H%M%S)
mkdir -p "$BENCH_OUT"
JSON=$BENCH_OUT/bench-$ts.json PNG=$BENCH_OUT/bench-$ts.png
WORK=$(mktemp -d /tmp/tun46-bench.XXXXXX)
SAMPLES=$WORK/samples.jsonl NOTES=$WORK/notes.jsonl
: >"$SAMPLES"
: >"$NOTES"
IPERF_PID=

cleanup() {
	[ -n "$IPERF_PID" ] && kill "$IPERF_PID" 2>/dev/null
	[ $path_tests = 1 ] && topo_down
	{ has_test scale || has_test rss; } && scale_down
	progcost_down
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

has_test() { [[ " $BENCH_TESTS " == *" $1 "* ]]; }
want_tun46() { [[ " $BENCH_PATHS " == *" tun46-"* ]] || has_test ctl || has_test ctlscale; }

# sample PATH METRIC RUN VALUE [EXTRA-JSON]
sample() {
	jq -nc --arg p "$1" --arg m "$2" --argjson r "$3" --argjson v "$4" --argjson x "${5:-{\}}" \
		'{path:$p, metric:$m, run:$r, value:$v} + $x' >>"$SAMPLES"
}
# note PATH TEXT : evidence / skips, shown under the table and kept in the JSON
note() {
	jq -nc --arg p "$1" --arg t "$2" '{path:$p, note:$t}' >>"$NOTES"
	blog "bench: [$1] $2"
}

# unavailable PATH REASON : this kernel cannot build PATH (a note marked
# "unavailable", which the report turns into the row and the goals' reason)
declare -A UNAVAIL=()
unavailable() {
	UNAVAIL[$1]=$2
	jq -nc --arg p "$1" --arg t "$2" '{path:$p, note:("unavailable: " + $t), unavailable:true, reason:$t}' >>"$NOTES"
	blog "bench: [$1] unavailable: $2"
}

tun46_usable() {
	[ -x "$TUN46" ] || { echo "$TUN46 not built"; return 1; }
	"$TUN46" -V >/dev/null 2>&1 || { echo "$TUN46 -V fails"; return 1; }
	return 0
}

# tun46_counter NS NAME: a counter's total from tun46 -j stats
tun46_counter() {
	local v
	v=$("$TUN46" -n "$1" -j stats 2>/dev/null | jq ".total.\"$2\" // 0" 2>/dev/null)
	echo "${v:-0}"
}
veth_stat() { nsx "$1" ethtool -S "$2" 2>/dev/null | awk -v k="$3:" '$1 == k {print $2}'; }
nstat_val() { nsx "$1" nstat -az "$2" 2>/dev/null | awk -v k="$2" '$1 == k {print $2}'; }

# paths whose XDP redirects host traffic need TX checksum offload off at the hosts
xdp_kind() { case "$1" in xdpfwd | tun46-xdp | tun46-xdp-base | tun46-xdp-generic | tun46-gre) echo xdp ;; esac; }

setup_path() {
	case "$1" in
	kernel) path_kernel ;;
	srv6) path_srv6 ;;
	ip6tnl) path_ip6tnl ;;
	vxlan6) path_vxlan6 ;;
	xdpfwd) path_xdpfwd ;;
	tun46-xdp | tun46-xdp-base) path_tun46 xdp ;; # TUN46: the base build's for -base
	tun46-tc) path_tun46 tc ;;
	tun46-gre) path_tun46 xdp encap gre ;;
	tun46-xdp-generic) path_tun46 xdp-generic ;;
	tun46-tc-2step) TUN46_PROBE_DISABLE=decap_l3 path_tun46 tc ;;
	*) return 2 ;;
	esac
}

# verify_path P: send pings and show that the intended mechanism carried them.
verify_path() {
	local p=$1 n=20 a b a2 b2 cap=$WORK/cap.txt
	case "$p" in
	kernel)
		a=$(nstat_val "$R1" IpForwDatagrams)
		nsx "$H1" ping -q -c $n -i 0.01 -W 1 192.168.2.2 >/dev/null || return 1
		b=$(nstat_val "$R1" IpForwDatagrams)
		[ $((b - a)) -ge $n ] && echo "r1 IpForwDatagrams +$((b - a)) for $n pings"
		;;
	srv6 | ip6tnl)
		nsx "$R2" timeout 3 tcpdump -ni b2wan -c 5 -xx 'ip6 and ip6[6] == 4' >"$cap" 2>/dev/null &
		local tp=$!
		sleep 0.5
		nsx "$H1" ping -q -c $n -i 0.01 -W 1 192.168.2.2 >/dev/null || { wait $tp; return 1; }
		wait $tp
		local got
		got=$(grep -c '^[0-9].*IP6' "$cap")
		[ "$got" -ge 1 ] && echo "captured $got IPv6 next-header-4 (no SRH) frames on r2 WAN"
		;;
	vxlan6)
		a=$(nsx "$R2" cat /sys/class/net/vx46/statistics/rx_packets)
		nsx "$R2" timeout 3 tcpdump -ni b2wan -c 5 'ip6 and udp dst port 4789' >"$cap" 2>/dev/null &
		local tp=$!
		sleep 0.5
		nsx "$H1" ping -q -c $n -i 0.01 -W 1 192.168.2.2 >/dev/null || { wait $tp; return 1; }
		wait $tp
		b=$(nsx "$R2" cat /sys/class/net/vx46/statistics/rx_packets)
		local got
		got=$(grep -c 'IP6.*VXLAN\|IP6.*\.4789' "$cap")
		[ "$got" -ge 1 ] && [ $((b - a)) -ge $n ] &&
			echo "captured $got IPv6 UDP 4789 frames on r2 WAN; r2 vx46 rx_packets +$((b - a)) for $n pings"
		;;
	xdpfwd)
		a=$(veth_stat "$R1" b1lan rx_queue_0_xdp_redirect) a2=$(veth_stat "$R2" b2wan rx_queue_0_xdp_redirect)
		nsx "$H1" ping -q -c $n -i 0.01 -W 1 192.168.2.2 >/dev/null || return 1
		b=$(veth_stat "$R1" b1lan rx_queue_0_xdp_redirect) b2=$(veth_stat "$R2" b2wan rx_queue_0_xdp_redirect)
		[ $((b - a)) -ge $n ] && [ $((b2 - a2)) -ge $n ] &&
			echo "XDP redirects: r1 LAN +$((b - a)), r2 WAN +$((b2 - a2)) for $n pings"
		;;
	tun46-*)
		a=$(tun46_counter "$R1" encap_packets) a2=$(tun46_counter "$R2" decap_packets)
		nsx "$H1" ping -q -c $n -i 0.01 -W 1 192.168.2.2 >/dev/null || return 1
		b=$(tun46_counter "$R1" encap_packets) b2=$(tun46_counter "$R2" decap_packets)
		[ $((b - a)) -ge $n ] && [ $((b2 - a2)) -ge $n ] &&
			echo "tun46 fast path: r1 encap_packets +$((b - a)), r2 decap_packets +$((b2 - a2)) for $n pings"
		;;
	esac
}

# verify_diag P: what tun46's counters show after a failed verification
verify_diag() {
	case "$1" in
	tun46-*)
		printf '; r1 %s; r2 %s' \
			"$("$TUN46" -n "$R1" -j stats 2>&1 | jq -c '.total | with_entries(select(.value != 0))' 2>&1 | head -c 300)" \
			"$("$TUN46" -n "$R2" -j stats 2>&1 | jq -c '.total | with_entries(select(.value != 0))' 2>&1 | head -c 300)"
		;;
	esac
}

# ---- forwarding rate ----
measure_rate() {
	local p=$1 r s j
	nsx "$H2" "$BUILD"/bench/sink attach bh2 || { note "$p" "rate: cannot attach the sink"; return 1; }
	blog "bench: [$p] napi kthreads pinned to CPU $RX_CPU: $(pin_napi)"
	rate_run 64 0.3 "$FLOWS" >/dev/null # warm-up
	# Overload (unpaced) punishes multi-stage pipelines sharing one CPU (work
	# done upstream is dropped downstream) and a flood contends on the veth
	# ring; so each sample is the better of an unpaced run and a run paced at
	# 1.25x what the unpaced run delivered.
	for r in $ROUND; do # one sample per round (see the main loop)
		for s in 64 512; do
			j=$(rate_run "$s" "$RATE_SECS" "$FLOWS") || { note "$p" "rate: generator failed"; continue; }
			local d0 j2
			d0=$(jq '.pps | floor' <<<"$j")
			j2=$(rate_run "$s" "$RATE_SECS" "$FLOWS" $((d0 * 5 / 4))) || j2=$j
			local best
			best=$(jq -n --argjson a "$j" --argjson b "$j2" 'if $b.pps > $a.pps then $b else $a end')
			sample "$p" "fwd${s}_pps" "$r" "$(jq .pps <<<"$best")" "{\"raw\": [$j, $j2]}"
			blog "bench: [$p] ${s}B run $r: $(jq -r '"\(.pps|floor) pps delivered of \(.offered_pps|floor) offered"' <<<"$j"); paced: $(jq -r '"\(.pps|floor) of \(.offered_pps|floor)"' <<<"$j2")"
		done
	done
	nsx "$H2" "$BUILD"/bench/sink detach bh2
}

# ---- TCP ----
measure_tcp() {
	local p=$1 off r n j bps pidf=$WORK/iperf.pid
	nsx "$H2" iperf3 -s -D -I "$pidf" >/dev/null 2>&1
	sleep 0.3
	IPERF_PID=$(cat "$pidf" 2>/dev/null)
	for off in on off; do
		hosts_offload "$off" "$(xdp_kind "$p")"
		if [ "$off" = off ]; then # GRO off: the hosts' veths need an XDP program to take redirected frames
			nsx "$H1" "$BUILD"/bench/sink attach bh1 pass
			nsx "$H2" "$BUILD"/bench/sink attach bh2 pass
		fi
		for r in $ROUND; do # one sample per round (see the main loop)
			for n in 1 4; do
				j=$(nsx "$H1" timeout $((TCP_SECS + 10)) iperf3 -c 192.168.2.2 -t "$TCP_SECS" -P "$n" -J 2>/dev/null)
				bps=$(jq '.end.sum_received.bits_per_second // empty' <<<"$j" 2>/dev/null)
				if [ -z "$bps" ]; then
					note "$p" "tcp: iperf3 -P $n offloads $off failed: $(jq -r '.error // "no output"' <<<"$j" 2>/dev/null | head -c 200)"
					continue
				fi
				sample "$p" "tcp${n}_${off}_mbps" "$r" "$(jq -n "$bps / 1e6")" \
					"{\"retransmits\": $(jq '.end.sum_sent.retransmits // 0' <<<"$j")}"
				blog "bench: [$p] TCP x$n offloads $off run $r: $(jq -n "$bps / 1e6 | floor") Mbit/s"
			done
		done
		if [ "$off" = off ]; then
			nsx "$H1" "$BUILD"/bench/sink detach bh1
			nsx "$H2" "$BUILD"/bench/sink detach bh2
		fi
	done
	hosts_offload on "$(xdp_kind "$p")"
	[ -n "$IPERF_PID" ] && kill "$IPERF_PID" 2>/dev/null
	IPERF_PID=
}

# ---- latency under light load (iperf3 UDP 50 Mbit/s alongside) ----
measure_ping() {
	local p=$1 r out pidf=$WORK/iperf.pid lp
	nsx "$H2" iperf3 -s -D -I "$pidf" >/dev/null 2>&1
	sleep 0.3
	IPERF_PID=$(cat "$pidf" 2>/dev/null)
	for r in $ROUND; do # one sample per round (see the main loop)
		local secs=$(((PING_COUNT + 99) / 100 + 2))
		nsx "$H1" iperf3 -c 192.168.2.2 -u -b 50M -t "$secs" >/dev/null 2>&1 &
		lp=$!
		sleep 0.5
		out=$(nsx "$H1" ping -n -i 0.01 -c "$PING_COUNT" -W 1 192.168.2.2 2>/dev/null |
			sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -n)
		wait "$lp" 2>/dev/null
		local cnt
		cnt=$(wc -l <<<"$out")
		if [ -z "$out" ] || [ "$cnt" -lt 10 ]; then
			note "$p" "ping: only $cnt replies"
			continue
		fi
		local p50 p99
		p50=$(awk -v n="$cnt" 'NR == int(n * 0.50 + 0.5) {print $1 * 1000}' <<<"$out")
		p99=$(awk -v n="$cnt" 'NR == int(n * 0.99 + 0.5) {print $1 * 1000}' <<<"$out")
		sample "$p" ping_p50_us "$r" "$p50" "{\"replies\": $cnt}"
		sample "$p" ping_p99_us "$r" "$p99" "{\"replies\": $cnt}"
		blog "bench: [$p] ping run $r: p50 ${p50}us p99 ${p99}us ($cnt replies)"
	done
	[ -n "$IPERF_PID" ] && kill "$IPERF_PID" 2>/dev/null
	IPERF_PID=
}

# progcost_fast_check LABEL JSON: a note when xdp_lan/xdp_wan did not forward
# every frame (then the figure is mostly the kernel's, not the program's):
# tun46's own fast-path counters where progcost reports them, else the sinks
progcost_fast_check() {
	local k n f
	f=$(jq .frames <<<"$2")
	for k in xdp_lan xdp_wan; do
		n=$(jq ".fast.$k // .out.$k // 0" <<<"$2")
		[ "$n" -ge "$f" ] ||
			note progcost "${1:+$1 }$k took the fast path for $n of $f frames: its figure is not the fast path's cost"
	done
}

# ---- router CPU per forwarded packet at a fixed load (bench/lib.sh cpu_*) ----
# One sample per round and frame size: router CPU ns / packets delivered at h2,
# at CPU_PPS64 64-byte frames and CPU_PPSBIG CPU_BIG-byte frames per second
# (default 1470: IPv4 1456 bytes, the largest packet every path carries over a
# 1500-byte underlay, GRE included).  A run that lost more than 2 % of what it
# offered, or whose generator fell 10 % short of the rate, is flagged in a note
# (saturated or starved: the figure is not at the fixed load).
measure_cpu() {
	local p=$1 r spec size pps j ns
	nsx "$H2" "$BUILD"/bench/sink attach bh2 || { note "$p" "cpu: cannot attach the sink"; return 1; }
	if ! cpu_isolate; then
		note "$p" "cpu: cannot move the sink's NAPI off the router CPU or set coalescing; not measured"
		nsx "$H2" "$BUILD"/bench/sink detach bh2
		return 1
	fi
	cpu_run 64 0.3 "$CPU_PPS64" >/dev/null # warm-up
	for r in $ROUND; do # one sample per round (see the main loop)
		for spec in "64 $CPU_PPS64" "$CPU_BIG $CPU_PPSBIG"; do
			size=${spec% *} pps=${spec#* }
			j=$(cpu_run "$size" "$CPU_SECS" "$pps") || { note "$p" "cpu: generator failed"; continue; }
			ns=$(jq '.ns_per_pkt // empty' <<<"$j")
			[ -n "$ns" ] || { note "$p" "cpu: ${size}B round $r: nothing delivered"; continue; }
			local m=cpu64_ns
			[ "$size" = 64 ] || m=cpubig_ns
			sample "$p" "$m" "$r" "$ns" "{\"raw\": $j}"
			sample "$p" "${m%_ns}_busy_ns" "$r" "$(jq .busy_ns_per_pkt <<<"$j")"
			blog "bench: [$p] cpu ${size}B run $r: $(jq -r '"\(.ns_per_pkt|floor) ns/pkt on the router threads (napi \(.napi_ns/1e6|floor) ms + ksoftirqd \(.ksoftirqd_ns/1e6|floor) ms; whole CPU \(.busy_ns_per_pkt|floor) ns/pkt), \(.delivered) delivered of \(.offered) offered at \(.offered_pps|floor) pps; \(.napi_wakeups) NAPI wake-ups, \(.pkts_per_wakeup // 0 | floor) packets and \(.napi_us_per_wakeup // 0 | . * 10 | floor / 10) us each"' <<<"$j")"
			if jq -e '.delivered < 0.98 * .offered' <<<"$j" >/dev/null; then
				note "$p" "cpu: ${size}B round $r: $(jq -r '"delivered \(.delivered) of \(.offered) offered"' <<<"$j"): the routers lost frames (saturated at this load, or delayed); the figure is not below saturation"
			fi
			if jq -e --argjson req "$pps" '.offered_pps < 0.9 * $req' <<<"$j" >/dev/null; then
				note "$p" "cpu: ${size}B round $r: the generator reached $(jq '.offered_pps | floor' <<<"$j") of $pps pps asked (its CPU is shared); the figure is at that load"
			fi
		done
	done
	measure_progstat "$p"
	cpu_unisolate
	nsx "$H2" "$BUILD"/bench/sink detach bh2
}

# Where the router's nanoseconds go: the run time of each program of the path
# per packet, measured live (kernel.bpf_stats_enabled) in a separate run right
# after the CPU samples (bpf_stats adds two clock reads to every program run,
# so it stays off while the CPU figure is taken).  Per program name, summed
# over both routers' copies: ns per run (helpers it calls included) and runs
# per packet delivered.  Samples: prog_NAME_ns, prog_NAME_runs_per_pkt.
PROGSTAT_NAMES="xdp_lan xdp_wan tc_lan tc_wan tc_tun xdp_fwd"
progstat_snap() {
	bpftool -j prog show 2>/dev/null | jq -r --arg names " $PROGSTAT_NAMES " \
		'.[] | select(.name as $n | $names | contains(" \($n) ")) | "\(.id) \(.name) \(.run_time_ns // 0) \(.run_cnt // 0)"'
}
measure_progstat() {
	local p=$1 was a b j
	command -v bpftool >/dev/null || return 0
	was=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null) || return 0
	sysctl -qw kernel.bpf_stats_enabled=1 || return 0
	a=$(progstat_snap)
	j=$(cpu_run 64 1 "$CPU_PPS64") || j=
	b=$(progstat_snap)
	sysctl -qw kernel.bpf_stats_enabled="$was"
	[ -n "$j" ] || return 0
	local d name ns runs
	d=$(jq .delivered <<<"$j")
	[ "$d" -gt 0 ] 2>/dev/null || return 0
	while read -r name ns runs; do
		[ "$runs" -gt 0 ] || continue
		sample "$p" "prog_${name}_ns" "$ROUND" "$(jq -n "$ns / $runs")"
		sample "$p" "prog_${name}_runs_per_pkt" "$ROUND" "$(jq -n "$runs / $d")"
		blog "bench: [$p] live program $name: $(jq -n "$ns / $runs | floor") ns a run, $(jq -n "$runs / $d * 100 | round / 100") runs per packet"
	done < <(awk 'NR == FNR {t[$1] = $3; c[$1] = $4; next}
		NF == 4 && ($1 in t) {n[$2] += $3 - t[$1]; r[$2] += $4 - c[$1]}
		END {for (k in n) printf "%s %.0f %.0f\n", k, n[k], r[k]}' <(echo "$a") <(echo "$b"))
}

# ---- per-packet program cost (own namespace) ----
measure_cost() {
	local r s j k
	progcost_up || { note progcost "cannot set up the progcost namespace"; progcost_down; return 1; }
	for r in $(seq 1 "$RUNS"); do
		for s in 64 512; do
			j=$(nsx "$PC" taskset -c "$GEN_CPU" "$BUILD"/bench/progcost -n "$COST_FRAMES" -z "$s") ||
				{ note progcost "progcost failed"; continue; }
			for k in empty xdp_fwd xdp_lan xdp_wan; do
				sample "prog:$k" "prog${s}_ns" "$r" "$(jq ".prog_ns.$k" <<<"$j")"
				sample "prog:$k" "frame${s}_ns" "$r" "$(jq ".frame_ns.$k" <<<"$j")" "{\"out\": $(jq ".out.$k // null" <<<"$j")}"
			done
			blog "bench: progcost ${s}B run $r: $(jq -c .prog_ns <<<"$j") out $(jq -c .out <<<"$j") fast $(jq -c .fast <<<"$j")"
			if [ "$s" = 64 ]; then # removing a header in TC, by length (the decapsulations' pops)
				for k in none xlat20 20 28 40 48; do
					sample "tcpop:$k" pop_ns "$r" "$(jq ".pop_ns[\"$k\"]" <<<"$j")"
				done
				blog "bench: tc header pop+push run $r (ns a run): $(jq -c .pop_ns <<<"$j")"
			fi
			progcost_fast_check "" "$j"
			[ -n "$BASE_PROGCOST" ] || continue
			# the base build's programs, right after, in the same namespace
			j=$(nsx "$PC" taskset -c "$GEN_CPU" "$BASE_PROGCOST" -n "$COST_FRAMES" -z "$s") ||
				{ note progcost "progcost of the base build $BASE_LABEL failed"; continue; }
			for k in xdp_lan xdp_wan; do # (its bench_fwd frame is routed into tun46 here: not measured)
				sample "prog:base:$k" "prog${s}_ns" "$r" "$(jq ".prog_ns.$k" <<<"$j")"
				sample "prog:base:$k" "frame${s}_ns" "$r" "$(jq ".frame_ns.$k" <<<"$j")" "{\"out\": $(jq ".out.$k // null" <<<"$j")}"
			done
			blog "bench: progcost $BASE_LABEL ${s}B run $r: $(jq -c .prog_ns <<<"$j") out $(jq -c .out <<<"$j")"
			progcost_fast_check "$BASE_LABEL" "$j"
		done
	done
	progcost_down
}

# ---- control plane: route apply time, loss during apply ----
gen_routes() { # N -> config lines of N /32 routes in 100.64.0.0/10 (plus the bench route)
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
		printf "route add 100.%d.%d.%d/32 peer site2\n", 64 + int(i / 65536), int(i / 256) % 256, i % 256 }'
}
ctl_base() {
	cat <<-CONF
		peer add site2 remote fd00::2 local fd00::1
		route add 192.168.2.0/24 peer site2
		link attach dev b1wan role wan mode xdp
		link attach dev b1lan role lan mode xdp
	CONF
}
measure_ctl() {
	local p=tun46-xdp r n t0 t1 base=$WORK/base.conf big
	ctl_base >"$base"
	for n in $CTL_ROUTES; do
		big=$WORK/routes$n.conf
		{ ctl_base; gen_routes "$n"; } >"$big"
		for r in $(seq 1 "$RUNS"); do
			"$TUN46" -n "$R1" config apply "$base" >/dev/null 2>&1
			t0=$(date +%s.%N)
			if ! "$TUN46" -n "$R1" config apply "$big" >"$WORK/apply.out" 2>&1; then
				note "$p" "config apply of $n routes failed: $(head -c 300 "$WORK/apply.out")"
				continue
			fi
			t1=$(date +%s.%N)
			local got
			got=$("$TUN46" -n "$R1" route show 2>/dev/null | grep -c '^100\.\|100\.' || true)
			sample "$p" "apply_${n}_routes_s" "$r" "$(jq -n "$t1 - $t0")" "{\"routes_shown\": $got}"
			blog "bench: [ctl] apply $n routes run $r: $(jq -n "$t1 - $t0") s ($got shown)"
		done
	done
	"$TUN46" -n "$R1" config apply "$base" >/dev/null 2>&1
	# loss under load at half the measured tun46-xdp 64-byte capacity
	local cap rate
	cap=$(jq -s '[.[] | select(.path == "tun46-xdp" and .metric == "fwd64_pps") | .value] | sort | if length > 0 then .[length/2|floor] else 0 end' "$SAMPLES")
	rate=$(jq -n "if $cap > 0 then ($cap / 2 | floor) else 100000 end")
	nsx "$H2" "$BUILD"/bench/sink attach bh2 || return 1
	pin_napi >/dev/null
	local nmax=${CTL_ROUTES##* }
	big=$WORK/routes$nmax.conf
	local secs=4
	[ -n "$QUICK" ] && secs=3
	for r in $(seq 1 "$RUNS"); do
		local j
		# baseline: same load, no apply
		j=$(rate_run 64 "$secs" "$FLOWS" "$rate" 262144) || continue
		sample "$p" apply_loss_baseline_pkts "$r" "$(jq .router_loss <<<"$j")" "{\"raw\": $j}"
		sample "$p" apply_ringdrop_baseline_pkts "$r" "$(jq '.offered - .sent' <<<"$j")"
		# under load: apply the big config, then the base one again
		rate_run 64 "$secs" "$FLOWS" "$rate" 262144 >"$WORK/load.json" &
		local gp=$!
		sleep 0.5
		"$TUN46" -n "$R1" config apply "$big" >/dev/null 2>&1 || note "$p" "apply under load failed"
		"$TUN46" -n "$R1" config apply "$base" >/dev/null 2>&1
		wait "$gp"
		j=$(cat "$WORK/load.json")
		[ -n "$j" ] || continue
		sample "$p" apply_loss_pkts "$r" "$(jq .router_loss <<<"$j")" "{\"raw\": $j, \"routes\": $nmax}"
		# frames r1's receive ring refused (r1 starved of CPU while apply runs on a 2-core box)
		sample "$p" apply_ringdrop_pkts "$r" "$(jq '.offered - .sent' <<<"$j")"
		blog "bench: [ctl] during apply ($nmax routes and back) at $rate pps, run $r: sent $(jq .sent <<<"$j"), delivered $(jq .delivered <<<"$j"), lost in the routers $(jq .router_loss <<<"$j") ; refused by r1's ring $(jq '.offered - .sent' <<<"$j")"
	done
	nsx "$H2" "$BUILD"/bench/sink detach bh2
}

# ---- control plane at hub scale (bench/ctlscale.sh, its own namespace) ----
measure_ctlscale() {
	local r j k
	for r in $(seq 1 "$RUNS"); do
		blog "bench: [ctlscale] run $r: $CTLSCALE_PEERS peers + $CTLSCALE_ROUTES routes"
		if ! j=$(TUN46=$MAIN_TUN46 bash bench/ctlscale.sh "$CTLSCALE_PEERS" "$CTLSCALE_ROUTES" 2>"$WORK/ctlscale.err"); then
			# a run that failed counts for nothing: its timings are of a partial job
			note ctlscale "run $r failed: $(tail -3 "$WORK/ctlscale.err" | tr '\n' ' ' | head -c 400)"
			continue
		fi
		for k in apply_s apply_cpu_s remove_s remove_cpu_s apply_plus_ms apply_minus_ms apply_one_peer_ms \
			change_hoplimit_ms change_add_ms change_del_ms change_add_bare_ms change_del_bare_ms change_mtu_ms \
			change_remote_ms change_route_add_ms change_route_del_ms change_max_ms kernel_bytes_per_peer \
			kernel_bytes_per_route route_map_bytes_per_route index_bytes_per_route index_bytes_per_peer_slot \
			rss_apply_kib; do
			[ "$(jq ".$k" <<<"$j")" = null ] || sample ctlscale "$k" "$r" "$(jq ".$k" <<<"$j")"
		done
		blog "bench: [ctlscale] run $r: $j"
	done
	note ctlscale "$CTLSCALE_PEERS peers + $CTLSCALE_ROUTES routes (bench/ctlgen.sh), TUN46_MAX_PEERS=16384; one-peer changes (each one tun46 command, median of CTLSCALE_REPS=5): peer change hoplimit / mtu (rewrites the peer's kernel routes) / remote, peer add + 3 routes (-batch), peer del -force of it, peer add / del without routes, route add / del; change_max_ms is the slowest; a peer's routes come from the per-peer route index (lib/ridx.c: index_bytes_per_route, index_bytes_per_peer_slot from bytes_memlock), not from a walk of the route map; apply_one_peer_ms: config apply of the whole file with one peer more / less (parses, sorts and diffs all $CTLSCALE_ROUTES routes: not a one-peer cost)"
}

# ---- main loop over paths ----
blog "bench: $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; runs=$RUNS quick=${QUICK:-0}"
tun46_ok=1
if want_tun46; then
	why=$(tun46_usable) || { tun46_ok=0; note tun46 "tun46 paths skipped: $why"; }
fi
if [[ " $BENCH_PATHS " == *" tun46-xdp-base "* ]]; then
	if [ -z "$BASE" ]; then
		unavailable tun46-xdp-base "no base build: give BASE=<git ref>"
	elif ! why=$(TUN46=$BASE_TUN46 tun46_usable); then
		unavailable tun46-xdp-base "base build $BASE_LABEL: $why"
	else
		note tun46-xdp-base "base build: tun46 mode xdp $BASE_LABEL, commit $BASE_COMMIT ($BASE_TUN46)"
	fi
fi
if [ $path_tests = 1 ] && [[ " $BENCH_PATHS " == *" srv6 "* ]]; then
	why=$(bash scripts/probe-seg6.sh)
	rc=$?
	if [ $rc = 1 ]; then
		unavailable srv6 "$why"
	elif [ $rc != 0 ]; then
		blog "bench: [srv6] seg6 probe inconclusive ($why); trying the path anyway"
	fi
fi
# what arming a timer costs on the router core: each NAPI poll of the cpu
# test re-arms its port's coalescing timer (bench/timercost)
if has_test cpu && j=$(taskset -c "$RX_CPU" "$BUILD"/bench/timercost); then
	sample timer reprogram_us 1 "$(jq .reprogram_us <<<"$j")" "{\"raw\": $j}"
	blog "bench: arming a timer on CPU $RX_CPU: $(jq -r '"\(.earliest_us) us when it is the earliest (the clock event device is reprogrammed), \(.far_us) us otherwise"' <<<"$j")"
fi
ctl_done=0
# Rounds outside, paths inside: each round measures every path once, so a
# drift of the shared machine during the run affects all paths alike and the
# ratios stay side by side.
for ROUND in $(seq 1 "$RUNS"); do
	[ $path_tests = 1 ] || break
	# tun46-xdp and tun46-xdp-base swap places every other round, so that
	# neither always runs first (their ratio is the base comparison's goal)
	round_paths=$BENCH_PATHS
	if [ $((ROUND % 2)) = 0 ] && [[ " $BENCH_PATHS " == *" tun46-xdp "* && " $BENCH_PATHS " == *" tun46-xdp-base "* ]]; then
		round_paths=$(for p in $BENCH_PATHS; do
			case "$p" in tun46-xdp) echo tun46-xdp-base ;; tun46-xdp-base) echo tun46-xdp ;; *) echo "$p" ;; esac
		done)
	fi
	for p in $round_paths; do
		if [[ $p == tun46-* ]] && [ $tun46_ok = 0 ]; then
			continue
		fi
		[ -n "${UNAVAIL[$p]:-}" ] && continue
		# the base path's own binary sets up, verifies, measures and tears
		# down (the map layouts differ between versions)
		TUN46=$MAIN_TUN46
		[ "$p" = tun46-xdp-base ] && TUN46=$BASE_TUN46
		blog "bench: ===== round $ROUND/$RUNS path $p"
		topo_up || { note "$p" "topology setup failed"; topo_down; continue; }
		setup_path "$p"
		rc=$?
		if [ $rc = 3 ]; then
			unavailable "$p" "this kernel has no ip6_tunnel (ip -6 tunnel add fails)"
			topo_down
			continue
		elif [ $rc != 0 ]; then
			note "$p" "path setup failed (rc $rc)"
			topo_down
			continue
		fi
		hosts_offload on "$(xdp_kind "$p")"
		ev=$(verify_path "$p")
		if [ -z "$ev" ]; then # once more (a loaded shared machine), saying what the counters showed
			note "$p" "round $ROUND: first verification failed$(verify_diag "$p"); trying again"
			sleep 1
			ev=$(verify_path "$p")
		fi
		if [ -z "$ev" ]; then
			note "$p" "NOT VERIFIED: pings did not go through the intended mechanism; path skipped"
			topo_down
			continue
		fi
		[ "$ROUND" = 1 ] && note "$p" "verified: $ev"
		has_test rate && measure_rate "$p"
		has_test tcp && measure_tcp "$p"
		has_test ping && measure_ping "$p"
		if [ "$p" = tun46-xdp ] && has_test ctl && [ $ctl_done = 0 ]; then
			measure_ctl
			ctl_done=1
		fi
		has_test cpu && measure_cpu "$p"
		topo_down
	done
done
TUN46=$MAIN_TUN46
has_test cost && measure_cost
has_test scale && measure_scale
has_test rss && measure_rss
if has_test ctlscale; then
	if [ $tun46_ok = 1 ]; then measure_ctlscale; else note ctlscale "not measured: tun46 unusable here"; fi
fi

# ---- report ----
BENCH_BASE_LABEL=$BASE_LABEL BENCH_BASE_COMMIT=$BASE_COMMIT \
	bash bench/report.sh "$SAMPLES" "$NOTES" "$JSON" "$PNG" "$RUNS" "${QUICK:-0}"
