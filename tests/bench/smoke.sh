#!/usr/bin/env bash
# Bench harness smoke test (a few seconds): runs scripts/bench.sh end to end
# on a tiny setting (kernel + srv6 paths, plus tun46-xdp when build/tun46
# exists; 64/512-byte rate at 0.2 s and program cost; no TCP, no ping) and checks that it produced a
# well-formed JSON result, a Markdown table and (if gnuplot is there) a PNG.
# Never asserts a speed.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
name=bench_smoke

if [ "$(id -u)" != 0 ]; then
	echo "SKIP $name: needs root (network namespaces, BPF)"
	exit 0
fi
for t in gen sink fwd progcost; do
	if [ ! -x "$BUILD/bench/$t" ]; then
		echo "SKIP $name: $BUILD/bench/$t not built (make test-bins)"
		exit 0
	fi
done
for c in jq ethtool iperf3 tcpdump; do
	command -v "$c" >/dev/null || { echo "SKIP $name: $c missing (make deps)"; exit 0; }
done

out=$(mktemp -d /tmp/tun46-bench-smoke.XXXXXX)
pins_before=$(ls /sys/fs/bpf/tun46 2>/dev/null | wc -l)
trap 'rm -rf "$out"' EXIT
paths="kernel srv6"
[ -x "$BUILD/tun46" ] && paths="$paths tun46-xdp"

QUICK=1 RUNS=1 RATE_SECS=0.2 PING_COUNT=10 COST_FRAMES=65536 CTL_ROUTES=100 \
	BENCH_PATHS="$paths" BENCH_TESTS="rate cost" BENCH_OUT="$out" \
	timeout 120 bash scripts/bench.sh >"$out/table.md" 2>"$out/log"
rc=$?
json=$(ls "$out"/bench-*.json 2>/dev/null | head -1)

fail=0
check() { # check NAME CONDITION-DESCRIPTION COMMAND...
	local n=$1 what=$2
	shift 2
	if "$@" >/dev/null 2>&1; then
		echo "PASS $name/$n"
	else
		echo "FAIL $name/$n: $what"
		fail=1
	fi
}
check exit "scripts/bench.sh exited with $rc (log: $(tail -n 3 "$out/log" | tr '\n' ' '))" test "$rc" = 0
check json "no well-formed bench-*.json with machine, samples, summary, goals" \
	jq -e '(.machine.kernel | length > 0) and (.machine.cores > 0) and (.samples | type == "array")
		and (.summary | type == "array") and (.goals | length > 0)' "$json"
check samples "JSON lacks a fwd64_pps sample for the kernel and srv6 paths" \
	jq -e '([.samples[] | select(.metric == "fwd64_pps") | .path] | index("kernel") and index("srv6"))
		and ([.samples[] | select(.metric == "fwd64_pps") | .value | numbers] | length >= 2)' "$json"
check progcost "JSON lacks the program cost samples" \
	jq -e '[.samples[] | select(.path == "prog:xdp_lan" and .metric == "prog64_ns")] | length == 1' "$json"
check verified "a path was not verified to carry traffic through its mechanism" \
	jq -e '[.notes[] | select(.note | startswith("verified"))] | length >= 2' "$json"
check table "stdout has no Markdown table with kernel and srv6 rows" \
	bash -c "grep -q '^| path | 64B fwd pps' '$out/table.md' && grep -q '^| kernel |' '$out/table.md' && grep -q '^| srv6 |' '$out/table.md'"
if command -v gnuplot >/dev/null; then
	check png "no PNG chart written" bash -c "ls '$out'/bench-*.png && head -c 8 '$out'/bench-*.png | grep -q PNG"
fi
check cleanup "bench namespaces left behind" bash -c "! ip netns list | grep -qE '^(bh1|br1|br2|bh2|bpc)-'"
check pins "tun46 pin directories left behind (teardown must remove peers and routes)" \
	bash -c "[ \$(ls /sys/fs/bpf/tun46 2>/dev/null | wc -l) -le $pins_before ]"
if [ $fail != 0 ]; then
	echo "--- bench log:"
	tail -n 30 "$out/log"
fi
exit $fail
