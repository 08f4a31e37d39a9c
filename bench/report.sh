#!/usr/bin/env bash
# bench/report.sh SAMPLES.jsonl NOTES.jsonl OUT.json OUT.png RUNS QUICK
# Turns the raw samples of scripts/bench.sh into the JSON result (every raw
# sample, summary, goals, machine), a Markdown table on stdout and a gnuplot
# PNG.  Also usable alone on a result: bench/report.sh --from OUT.json [OUT.png]
# Environment: BENCH_BASE_LABEL, BENCH_BASE_COMMIT: the base build of the path
# tun46-xdp-base (make bench BASE=ref), e.g. "@a38c6b0".
set -u
if [ "${1:-}" = --from ]; then
	src=$2 png=${3:-${2%.json}.png}
	tmp=$(mktemp -d)
	jq -c '.samples[]' "$src" >"$tmp/s"
	jq -c '.notes[]' "$src" >"$tmp/n"
	CPU_PPS64=$(jq -r '.config.cpu_pps64 // 200000' "$src") BENCH_BASE_LABEL=$(jq -r '.config.base.label // ""' "$src") BENCH_BASE_COMMIT=$(jq -r '.config.base.commit // ""' "$src") \
		exec bash "$0" "$tmp/s" "$tmp/n" "$tmp/out.json" "$png" "$(jq .config.runs "$src")" "$(jq .config.quick "$src")"
fi
samples=$1 notes=$2 json=$3 png=$4 runs=$5 quick=$6
base=null
if [ -n "${BENCH_BASE_LABEL:-}" ]; then
	base=$(jq -nc --arg l "$BENCH_BASE_LABEL" --arg c "${BENCH_BASE_COMMIT:-}" '{label: $l, commit: $c}')
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
machine=$(jq -n --arg k "$(uname -r)" --arg cpu "$cpu" --argjson cores "$(nproc)" \
	--arg mem "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)" \
	--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg rev "$(git rev-parse --short HEAD 2>/dev/null)" \
	'{kernel:$k, cpu:$cpu, cores:$cores, memory:$mem, date:$date, git:$rev, links:"veth"}')

jq -n --slurpfile s "$samples" --slurpfile n "$notes" --argjson m "$machine" \
	--argjson runs "$runs" --argjson quick "$quick" --argjson base "$base" --argjson cpupps "${CPU_PPS64:-200000}" '
  def med: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  ($s | group_by([.path, .metric]) | map({path: .[0].path, metric: .[0].metric,
        n: length, median: (map(.value) | med), min: (map(.value) | min), max: (map(.value) | max)})) as $sum0
  | ([$n[] | select(.unavailable == true) | {path, reason}] | unique_by(.path)) as $un
  | ($sum0 | map(. as $e | $e + {ratio: ([$sum0[] | select(.path == "srv6" and .metric == $e.metric) | .median][0]
        as $ref | if $ref and $ref != 0 and ($e.path | startswith("prog:") | not) then $e.median / $ref else null end)})) as $sum
  # the kernel tunnel path of the CPU goals: srv6 where measured, else the
  # kernel tunnel path with the lowest CPU per 64B packet (ip6tnl, vxlan6)
  | ([$sum[] | select(.metric == "cpu64_ns" and .path == "srv6")] | length > 0) as $cpu_srv6
  | (if $cpu_srv6 then "srv6" else ([$sum[] | select(.metric == "cpu64_ns" and (.path == "ip6tnl" or .path == "vxlan6"))]
       | sort_by(.median) | .[0].path // "srv6") end) as $cref
  | ($cref + (if $cref == "srv6" then "" else ", the best kernel tunnel path measured here; srv6 " + ([$un[] | select(.path == "srv6") | "unavailable: \(.reason)"][0] // "not measured") end)) as $creflabel
  | def get($p; $k): [$sum[] | select(.path == $p and .metric == $k) | .median][0];
    # goal NAME VALUE OP TARGET PATHS METRIC: not_measured says why a null
    # value is null (a path this kernel cannot build, or no samples)
    def goal($name; $v; $op; $t; $paths; $k): {goal: $name, value: $v, op: $op, target: $t,
        met: (if $v == null then null elif $op == ">=" then $v >= $t else $v <= $t end),
        not_measured: (if $v != null then null
          else ([$un[] | select(.path as $p | $paths | index($p))][0]) as $u
            | [$paths[] | select(. as $p | [$s[] | select(.path == $p and .metric == $k)] | length == 0)] as $none
            | if $u then "\($u.path) unavailable: \($u.reason)"
              elif ($none | length) > 0 then "no \($k) samples of \($none | join(" and "))"
              else "no \($k) samples of \($paths | join(" and ")) in the same round" end end)};
    # Goals compare paths measured in the same round (scripts/bench.sh runs
    # every path once per round): the median of the per-round ratios, which
    # a drift of the shared machine between rounds does not skew.
    def rounds($a; $b; $k): [$s[] | select(.metric == $k and .path == $a and (.value | type) == "number")] as $xa
        | [$s[] | select(.metric == $k and .path == $b and (.value | type) == "number")] as $xb
        | [$xa[] as $x | $xb[] | select(.run == $x.run and .value != 0) | $x.value / .value];
    def rat($a; $b; $k): rounds($a; $b; $k) | if length > 0 then med else null end;
    # a goal on the ratio of two paths, with the per-round ratios
    def rgoal($name; $a; $b; $k; $op; $t): goal($name; rat($a; $b; $k); $op; $t; [$a, $b]; $k) + {rounds: rounds($a; $b; $k)};
    # the base build (make bench BASE=ref) was measured or asked for
    ($base != null or ([$s[], $n[] | select(.path == "tun46-xdp-base")] | length > 0)) as $has_base
    | ($base.label // "@base") as $bl
    # per-run difference of a program cost, this build minus the base build
    | def dif($k; $metric): [$s[] | select(.path == "prog:\($k)" and .metric == $metric)] as $xa
        | [$s[] | select(.path == "prog:base:\($k)" and .metric == $metric)] as $xb
        | [$xa[] as $x | $xb[] | select(.run == $x.run) | $x.value - .value] | if length > 0 then med else null end;
  {machine: $m, config: {runs: $runs, quick: $quick, base: $base, cpu_pps64: $cpupps}, samples: $s, notes: $n, summary: $sum,
   unavailable: $un,
   cpu_reference: {path: $cref, label: $creflabel},
   reference: {path: "srv6", available: ([$un[] | select(.path == "srv6")] | length == 0),
               reason: ([$un[] | select(.path == "srv6") | .reason][0])},
   goals: ([
     rgoal("64B forwarding, tun46 xdp / kernel tunnel (srv6)"; "tun46-xdp"; "srv6"; "fwd64_pps"; ">="; 3.5),
     rgoal("64B forwarding, tun46 xdp / plain XDP forwarding"; "tun46-xdp"; "xdpfwd"; "fwd64_pps"; ">="; 1.0),
     rgoal("64B forwarding, tun46 xdp encap gre / tun46 xdp ip4ip6"; "tun46-gre"; "tun46-xdp"; "fwd64_pps"; ">="; 0.95),
     rgoal("64B forwarding, tun46 tc with the 2-step decapsulation (6.1) / tun46 tc"; "tun46-tc-2step"; "tun46-tc"; "fwd64_pps"; ">="; 0.9),
     rgoal("router CPU per 64B packet, tun46 xdp / kernel tunnel (\($cref))"; "tun46-xdp"; $cref; "cpu64_ns"; "<="; 0.35),
     rgoal("router CPU per 64B packet, tun46 tc / kernel tunnel (\($cref))"; "tun46-tc"; $cref; "cpu64_ns"; "<="; 0.8),
     rgoal("router CPU per 1470B packet, tun46 xdp / kernel tunnel (\($cref))"; "tun46-xdp"; $cref; "cpubig_ns"; "<="; 0.35),
     rgoal("router CPU per 1470B packet, tun46 tc / kernel tunnel (\($cref))"; "tun46-tc"; $cref; "cpubig_ns"; "<="; 0.8),
     rgoal("TCP 1 stream offloads on, tun46 tc / srv6"; "tun46-tc"; "srv6"; "tcp1_on_mbps"; ">="; 0.9),
     rgoal("TCP 4 streams offloads on, tun46 tc / srv6"; "tun46-tc"; "srv6"; "tcp4_on_mbps"; ">="; 0.9),
     goal("100,000 routes applied (s)"; get("tun46-xdp"; "apply_100000_routes_s"); "<="; 1; ["tun46-xdp"]; "apply_100000_routes_s"),
     goal("10k peers + 1M routes apply (s)"; get("ctlscale"; "apply_s"); "<="; 10; ["ctlscale"]; "apply_s"),
     goal("10k peers + 1M routes remove (s)"; get("ctlscale"; "remove_s"); "<="; 10; ["ctlscale"]; "remove_s"),
     goal("one-peer change on top of them (ms, slowest single command: peer add/del/change mtu/remote/hoplimit, route add/del)"; get("ctlscale"; "change_max_ms"); "<="; 50; ["ctlscale"]; "change_max_ms"),
     goal("packets lost in the routers during config apply (max of runs)";
          ([$sum[] | select(.metric == "apply_loss_pkts") | .max][0]); "<="; 0; ["tun46-xdp"]; "apply_loss_pkts")
   ] + (if $has_base then [
     rgoal("kernel-route checks cost: tun46 xdp 64B rate / tun46 xdp \($bl)"; "tun46-xdp"; "tun46-xdp-base"; "fwd64_pps"; ">="; 0.9)
   ] else [] end)),
   progcost_vs_base: (if $has_base then {label: $bl,
     xdp_lan_prog64_ns: dif("xdp_lan"; "prog64_ns"), xdp_wan_prog64_ns: dif("xdp_wan"; "prog64_ns"),
     xdp_lan_frame64_ns: dif("xdp_lan"; "frame64_ns"), xdp_wan_frame64_ns: dif("xdp_wan"; "frame64_ns")} else null end)
  }' >"$json" || { echo "report: cannot build $json" >&2; exit 1; }

# ---- Markdown ----
jq -r '
  def r2: (. * 100 | round) / 100;
  def num($u): if . == null then "–"
     elif $u == "pps" then (if . >= 1e6 then "\(. / 1e6 | r2)M" else "\(. / 1e3 | floor)k" end)
     elif $u == "mbps" then (if . >= 1000 then "\(. / 1000 | r2)G" else "\(. | floor)M" end)
     elif $u == "s" then "\(. * 1000 | round / 1000)"
     elif $u == "ns0" then "\(. | round)"
     else "\(. * 10 | round / 10)" end;
  def md: sort | if length == 0 then null else .[length / 2 | floor] end; # median of a list (null if empty)
  def cell($p; $k; $u): ([.summary[] | select(.path == $p and .metric == $k)][0]) as $e
     | if $e == null then "–"
       else "\($e.median | num($u))" + (if $e.n > 1 then " (\($e.min | num($u))–\($e.max | num($u)))" else "" end)
          + (if $e.ratio then " ×\($e.ratio | r2)" else "" end) end;
  # an unavailable path: a row that says so in every cell (reason under the table)
  (.config.base.label // "@base") as $bl
  | def plabel($p): if $p == "tun46-xdp-base" then "\($p) (tun46 xdp \($bl))" else $p end;
  def row($p): if ([.unavailable[]? | select(.path == $p)] | length) > 0 then
       "| \(plabel($p)) |" + (" unavailable |" * 8)
     else "| \(plabel($p)) | \(cell($p; "fwd64_pps"; "pps")) | \(cell($p; "fwd512_pps"; "pps")) | \(cell($p; "tcp1_on_mbps"; "mbps")) | \(cell($p; "tcp4_on_mbps"; "mbps")) | \(cell($p; "tcp1_off_mbps"; "mbps")) | \(cell($p; "tcp4_off_mbps"; "mbps")) | \(cell($p; "ping_p50_us"; "us")) | \(cell($p; "ping_p99_us"; "us")) |" end;
  . as $r
  | ([.summary[].path] + [.unavailable[]?.path] | unique) as $paths
  | ["kernel","srv6","ip6tnl","vxlan6","xdpfwd","tun46-xdp","tun46-xdp-base","tun46-gre","tun46-tc","tun46-tc-2step","tun46-xdp-generic"] as $order
  | ($order | map(select(. as $p | $paths | index($p)))) as $rows
  | "## tun46 benchmark — \(.machine.date)",
    "",
    "Machine: \(.machine.cpu), \(.machine.cores) cores, \(.machine.memory), Linux \(.machine.kernel), veth links; git \(.machine.git); \(.config.runs) run(s) per figure\(if .config.quick == 1 then " (QUICK)" else "" end).",
    (if .reference.available == false
     then "Cells: median (min–max over runs); ratios to the kernel tunnel path (srv6): n/a, srv6 is unavailable here (\(.reference.reason)). pps delivered at h2; TCP Mbit/s (G = Gbit/s)."
     else "Cells: median (min–max over runs) ×ratio to the kernel tunnel path (srv6) of the same run. pps delivered at h2; TCP Mbit/s (G = Gbit/s)." end),
    "",
    "| path | 64B fwd pps | 512B fwd pps | TCP ×1 offl. on | TCP ×4 offl. on | TCP ×1 offl. off | TCP ×4 offl. off | ping p50 µs | ping p99 µs |",
    "|---|---|---|---|---|---|---|---|---|",
    ($rows[] as $p | $r | row($p)),
    "",
    (if $rows | index("vxlan6") then "vxlan6: kernel VXLAN over IPv6 (UDP 4789), a kernel tunnel device but not the ip4ip6 bytes (70 bytes of overhead, WAN MTU 1530); not in the ratio columns, which compare with srv6; the CPU goals compare with it only where srv6 and ip6tnl are unavailable, and their label then names it." else empty end),
    (.unavailable[]? | "Unavailable: \(.path): \(.reason)."),
    (if ((.unavailable // []) | length) > 0 or ($rows | index("vxlan6")) then "" else empty end),
    (if ([.summary[] | select(.metric == "cpu64_ns" or .metric == "cpubig_ns")] | length) > 0 then
      def rounds($p; $k): [$r.samples[] | select(.path == $p and .metric == $k) | .value | round | tostring] | join(", ");
      def xref($p; $k): ([$r.summary[] | select(.path == $p and .metric == $k) | .median][0]) as $a
        | ([$r.summary[] | select(.path == $r.cpu_reference.path and .metric == $k) | .median][0]) as $b
        | if $r.cpu_reference.path != "srv6" and $a and $b and $b != 0 then " ×\($a / $b | r2)" else "" end;
      def rate($p; $k): [$r.samples[] | select(.path == $p and .metric == $k) | .raw.offered_pps] | if length > 0 then (sort | .[length / 2 | floor] | num("pps")) else "–" end;
      "Router CPU per forwarded packet at a fixed load (ns of CPU on the routers NAPI threads and ksoftirqd, per packet delivered at h2; generator and sink on the other core; \([.samples[] | select(.metric == "cpu64_ns" or .metric == "cpubig_ns") | .raw] as $cr | ($cr | map(.moderation // "timer") | unique) as $mods | if $mods == ["burst"] then "receive moderation: frames arrive in bursts, \([$cr[] | select(.size == 64) | .burst] | max // "?") (64B) and \([$cr[] | select(.size != 64) | .burst] | max // "?") (large) back to back, as a NIC with interrupt moderation hands them to its driver, and wake r1 LAN kthread once a burst (CPU_MODERATION=burst)" elif $mods == ["timer"] then "receive moderation: r1 LAN port coalesces with its own timer, napi_defer_hard_irqs + gro_flush_timeout (CPU_MODERATION=timer)" else "receive moderation differs between samples: \($mods | join(", "))" end); cells: median (min–max), ×ratio to the kernel tunnel path \(.cpu_reference.label); per-round values; pps: the offered rate actually reached; whole CPU: the router core busy time per packet, other processes on it included):",
      "",
      "| path | 64B ns/pkt | 64B per round | 64B pps | 1470B ns/pkt | 1470B per round | 1470B pps | whole CPU 64B ns/pkt |",
      "|---|---|---|---|---|---|---|---|",
      ($rows[] as $p | select([$r.summary[] | select(.path == $p and .metric == "cpu64_ns")] | length > 0)
        | "| \(plabel($p)) | \($r | cell($p; "cpu64_ns"; "ns0"))\(xref($p; "cpu64_ns")) | \(rounds($p; "cpu64_ns")) | \(rate($p; "cpu64_ns")) | \($r | cell($p; "cpubig_ns"; "ns0"))\(xref($p; "cpubig_ns")) | \(rounds($p; "cpubig_ns")) | \(rate($p; "cpubig_ns")) | \($r | cell($p; "cpu64_busy_ns"; "ns0")) |"),
      "" else empty end),
    (if ([.samples[] | select((.metric == "cpu64_ns" or .metric == "cpubig_ns") and .raw.napi_wakeups != null)] | length) > 0 then
      def wk($p; $k; $f): [$r.samples[] | select(.path == $p and .metric == $k) | .raw[$f] // empty] | md;
      def w1($v): if $v == null then "–" else ($v * 10 | round / 10 | tostring) end;
      "Wake-ups of the routers NAPI kthreads in the same samples (a kthread sleeps between polls and is woken by new frames, or by the port coalescing timer with CPU_MODERATION=timer; median over rounds): packets per wake-up and the kthreads CPU time per wake-up. CPU per packet = µs per wake-up ÷ packets per wake-up; a wake-up has a fixed part (context switch, the polls own overhead, with CPU_MODERATION=timer the timer interrupt too) paid whatever the path, which weighs more per packet the cheaper the path and the fewer packets a wake-up finds\([$r.samples[] | select(.path == "timer" and .metric == "reprogram_us") | .raw][0] as $t | if $t then ". Arming a timer on the router core (bench/timercost; with CPU_MODERATION=timer every poll of r1 LAN port arms one) costs \($t.earliest_us * 10 | round / 10) µs when it is the earliest and so reprograms the clock event device (\($t.far_us * 10 | round / 10) µs otherwise; a reprogramming is about 0.1 µs on bare metal, a virtual machine traps it)" else "" end):",
      "",
      "| path | 64B wake-ups/s | 64B pkts/wake-up | 64B µs/wake-up | 1470B wake-ups/s | 1470B pkts/wake-up | 1470B µs/wake-up |",
      "|---|---|---|---|---|---|---|",
      ($rows[] as $p | select([$r.samples[] | select(.path == $p and .metric == "cpu64_ns" and .raw.napi_wakeups != null)] | length > 0)
        | ([$r.samples[] | select(.path == $p and .metric == "cpu64_ns") | .raw | select(.seconds > 0) | .napi_wakeups / .seconds] | md) as $s64
        | ([$r.samples[] | select(.path == $p and .metric == "cpubig_ns") | .raw | select(.seconds > 0) | .napi_wakeups / .seconds] | md) as $sbig
        | "| \(plabel($p)) | \(if $s64 then ($s64 | round) else "–" end) | \(w1(wk($p; "cpu64_ns"; "pkts_per_wakeup"))) | \(w1(wk($p; "cpu64_ns"; "napi_us_per_wakeup"))) | \(if $sbig then ($sbig | round) else "–" end) | \(w1(wk($p; "cpubig_ns"; "pkts_per_wakeup"))) | \(w1(wk($p; "cpubig_ns"; "napi_us_per_wakeup"))) |"),
      "" else empty end),
    (if ([.summary[] | select(.metric | test("^prog_.*_ns$"))] | length) > 0 then
      "Where the router CPU goes: run time of each program on the live path (kernel.bpf_stats_enabled, in a 1 s run at \(.config.cpu_pps64 // 200000) pps of 64-byte frames right after the CPU samples; ns per run, helpers included, both routers copies; bpf_stats adds two clock reads per run), median over rounds, and runs per delivered packet:",
      "",
      "| path | programs: ns a run (runs per packet) | sum per packet |",
      "|---|---|---|",
      ($rows[] as $p | [$r.summary[] | select(.path == $p and (.metric | test("^prog_.*_ns$")))] as $ps
        | select(($ps | length) > 0)
        | [$ps[] | .metric[5:-3] as $n | {n: $n, ns: .median,
            per: ([$r.summary[] | select(.path == $p and .metric == "prog_\($n)_runs_per_pkt") | .median][0] // 0)}] as $x
        | "| \(plabel($p)) | \($x | map("\(.n) \(.ns | round) (\(.per * 100 | round / 100))") | join(", ")) | \($x | map(.ns * .per) | add | round) ns |"),
      "" else empty end),
    (if ([.samples[] | select(.path | startswith("scale:"))] | length) > 0 then
      "Multi-core scaling (make bench SCALE=1; 64B, \([.samples[] | select(.path | startswith("scale:")) | .raw.queues_pinned // empty] | max // 0) queue(s) pinned at most; median over runs; router ns/pkt: CPU time of the router threads per packet, capacity/core = 1000 / ns in Mpps; efficiency = Mpps / (cores × Mpps at 1 core), CPU efficiency = ns at 1 core / ns; shared: the generators ran on the router cores, so Mpps is not the routers capacity):",
      "",
      "| path | cores | Mpps | Mpps/core | router ns/pkt | capacity/core Mpps | efficiency | CPU efficiency | per-run Mpps |",
      "|---|---|---|---|---|---|---|---|---|",
      (([.samples[] | select(.path | startswith("scale:")) | .path] | unique[]) as $sp
        | ([$r.samples[] | select(.path == $sp and (.metric | test("^scale[0-9]+_pps$"))) | .raw]) as $raws
        | ([$raws[] | select(.cores == 1) | .pps] | md) as $p1
        | ([$raws[] | select(.cores == 1) | .ns_per_pkt // empty] | md) as $n1
        | ([$raws[].cores] | unique[]) as $c
        | [$raws[] | select(.cores == $c)] as $x
        | ($x | map(.pps) | md) as $pps | ($x | map(.ns_per_pkt // empty) | md) as $ns
        | "| \($sp[6:]) | \($c)\(if $x[0].shared then " (shared)" else "" end) | \($pps / 1e6 | r2) | \($pps / 1e6 / $c | r2) | \($ns // 0 | round) | \(if $ns then (1000 / $ns | r2) else "–" end) | \(if $p1 and $p1 > 0 and ($x[0].shared | not) then ($pps / $c / $p1 | r2) else "–" end) | \(if $n1 and $ns then ($n1 / $ns | r2) else "–" end) | \($x | map(.pps / 1e6 | r2 | tostring) | join(", ")) |"),
      "" else empty end),
    (if ([.samples[] | select(.path | startswith("rss:"))] | length) > 0 then
      "Tunnel flows over r2 WAN receive queues (4-queue veth, one generator; test rss, make bench SCALE=1): packets per queue, per run:",
      "",
      "| path | inner flows | queues over 5 % | packets per queue | distinct flow labels seen |",
      "|---|---|---|---|---|",
      ($r.samples[] | select(.path | startswith("rss:")) | "| \(.path[4:]) | \(.flows) | \(.value) of 4 | \(.per_queue | map(tostring) | join(" / ")) | \(.flow_labels // "–") |"),
      "" else empty end),
    (if ([.summary[] | select(.path | startswith("prog:"))] | length) > 0 then
      "Per-packet program cost, BPF_PROG_RUN live frames (bench/progcost; ns; prog = bpf_stats run time of the program behind a byte-restoring wrapper, frame = whole live-frame run incl. redirect and the sink):",
      "",
      "| program | prog 64B | frame 64B | prog 512B | frame 512B |",
      "|---|---|---|---|---|",
      (["empty","xdp_fwd","xdp_lan","base:xdp_lan","xdp_wan","base:xdp_wan"][] as $k | "prog:\($k)" as $p
        | select(($k | startswith("base:") | not) or ([$r.summary[] | select(.path == $p)] | length > 0))
        | "| \(if $k | startswith("base:") then "\($k[5:]) \($bl)" else $k end) | \($r | cell($p; "prog64_ns"; "ns")) | \($r | cell($p; "frame64_ns"; "ns")) | \($r | cell($p; "prog512_ns"; "ns")) | \($r | cell($p; "frame512_ns"; "ns")) |"),
      "",
      (.progcost_vs_base | select(. != null and (.xdp_lan_prog64_ns != null or .xdp_wan_prog64_ns != null))
        | def sg: if . == null then "–" elif . >= 0 then "+\(. * 10 | round / 10)" else "\(. * 10 | round / 10)" end;
          "Cost of this build over the base build \(.label) (64B, median of per-run differences, ns): xdp_lan \(.xdp_lan_prog64_ns | sg) (frame \(.xdp_lan_frame64_ns | sg)), xdp_wan \(.xdp_wan_prog64_ns | sg) (frame \(.xdp_wan_frame64_ns | sg)).", ""),
      empty else empty end),
    (if ([.summary[] | select(.path | startswith("tcpop:"))] | length) > 0 then
      "Removing a header in TC, by length (bench/progcost tc_pop: one BPF_PROG_RUN run takes N bytes out behind the Ethernet header and puts them back; ns a run, the cost of the test run itself under none). The one-step decapsulation (Linux 6.3+) pops 40 bytes (48 with the RFC 2473 option), the two-step one of Linux 6.1 pops 20 (28) with bpf_skb_adjust_room and 20 more with bpf_skb_change_proto: each pop moves the Ethernet header with memmove() in the kernel, and where that is rep movsb (FSRM) a move by less than 32 bytes can cost tens of ns more on some CPUs:",
      "",
      "| none | change_proto 6→4→6 (20 B) | adjust_room 20 B | 28 B | 40 B | 48 B |",
      "|---|---|---|---|---|---|",
      "| \($r | cell("tcpop:none"; "pop_ns"; "ns")) | \($r | cell("tcpop:xlat20"; "pop_ns"; "ns")) | \($r | cell("tcpop:20"; "pop_ns"; "ns")) | \($r | cell("tcpop:28"; "pop_ns"; "ns")) | \($r | cell("tcpop:40"; "pop_ns"; "ns")) | \($r | cell("tcpop:48"; "pop_ns"; "ns")) |",
      "" else empty end),
    (if ([.summary[] | select(.metric | startswith("apply_"))] | length) > 0 then
      "Control plane (tun46 config apply on r1):",
      "",
      "| figure | value |",
      "|---|---|",
      (.summary[] | select(.metric | startswith("apply_")) | "| \(.metric) | \(.median)\(if .n > 1 then " (\(.min)–\(.max))" else "" end) |"),
      "" else empty end),
    (if ([.summary[] | select(.path == "ctlscale")] | length) > 0 then
      "Control plane at hub scale (bench/ctlscale.sh: config apply of 10,000 peers + 1,000,000 routes from an empty state, of an empty file, one-peer changes on top; wall time, CPU = user+sys of the command; kernel bytes = Slab+Percpu+VmallocUsed growth):",
      "",
      "| figure | value |",
      "|---|---|",
      (.summary[] | select(.path == "ctlscale") | "| \(.metric) | \(.median)\(if .n > 1 then " (\(.min)–\(.max))" else "" end) |"),
      "" else empty end),
    "Goals:",
    "",
    "(each goal: the median over rounds of the ratio of two paths measured in the same round)",
    (.goals[] | "- \(if .met == true then "MET" elif .met == false then "MISSED" else "NOT MEASURED (\(.not_measured // "no value"))" end): \(.goal): \(if .value == null then "–" else (.value | r2 | tostring) end) (target \(if .op == "<=" then "≤" else "≥" end) \(.target))\(if (.rounds // [] | length) > 1 then "; per round: \(.rounds | map(r2 | tostring) | join(", "))" else "" end)"),
    "",
    (if (.notes | length) > 0 then "Notes:", "", (.notes[] | "- [\(.path)] \(.note)") else empty end)
' "$json"
echo
echo "Raw samples: $json"

# ---- chart ----
if command -v gnuplot >/dev/null; then
	dat=$(mktemp)
	jq -r '. as $r
	  | def g($p; $k): ([$r.summary[] | select(.path == $p and .metric == $k) | .median][0] // 0);
	  ["kernel","srv6","ip6tnl","vxlan6","xdpfwd","tun46-xdp","tun46-xdp-base","tun46-gre","tun46-tc","tun46-tc-2step","tun46-xdp-generic"] as $o
	  | ([.summary[].path] | unique) as $have
	  | $o[] | select(. as $p | $have | index($p)) as $p
	  | [$p, g($p; "fwd64_pps") / 1e6, g($p; "fwd512_pps") / 1e6,
	     g($p; "tcp1_on_mbps") / 1e3, g($p; "tcp4_on_mbps") / 1e3, g($p; "tcp1_off_mbps") / 1e3, g($p; "tcp4_off_mbps") / 1e3]
	  | @tsv' "$json" >"$dat"
	term=pngcairo
	gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo || term=png
	if [ -s "$dat" ]; then
		gnuplot <<-GP 2>/dev/null || echo "report: gnuplot failed, no chart" >&2
			set terminal $term size 1200,560 font ",10"
			set output "$png"
			set multiplot layout 1,2 title "tun46 benchmark — $(jq -r '.machine | "\(.cpu), \(.cores) cores, Linux \(.kernel)"' "$json")"
			set style data histograms
			set style histogram clustered gap 1
			set style fill solid 0.85 border -1
			set boxwidth 0.9
			set xtics rotate by -30 noenhanced
			set key below noenhanced
			set yrange [0:*]
			set grid ytics
			set title "Forwarding rate delivered at h2 (Mpps)"
			set ylabel "Mpps"
			plot "$dat" using 2:xtic(1) title "64-byte frames", "" using 3 title "512-byte frames"
			set title "TCP throughput, iperf3 (Gbit/s)"
			set ylabel "Gbit/s"
			plot "$dat" using 4:xtic(1) title "1 stream, offloads on", "" using 5 title "4 streams, on", \
			     "" using 6 title "1 stream, offloads off", "" using 7 title "4 streams, off"
			unset multiplot
		GP
		[ -s "$png" ] && echo "Chart: $png"
	fi
	rm -f "$dat"
fi
