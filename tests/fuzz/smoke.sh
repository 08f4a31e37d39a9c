#!/usr/bin/env bash
# tests/fuzz/smoke.sh FUZZER CORPUSDIR — run a libFuzzer target for a short,
# bounded time (FUZZ_SECONDS, default 20; at most FUZZ_RUNS runs) on a copy of
# its seed corpus.  Prints "PASS NAME: N runs, no crash" or "FAIL NAME: ...".
set -u
fuzzer=${1:?usage: smoke.sh FUZZER CORPUSDIR}
corpus=${2:?usage: smoke.sh FUZZER CORPUSDIR}
name=$(basename "$fuzzer")
secs=${FUZZ_SECONDS:-20}
runs=${FUZZ_RUNS:-2000000}

if [ ! -x "$fuzzer" ]; then
	echo "FAIL $name: $fuzzer is not built (make fuzz)"
	exit 1
fi
work=$(mktemp -d /tmp/tun46-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
[ -d "$corpus" ] && cp -r "$corpus"/. "$work/corpus/" 2>/dev/null
log="$work/log"
"$fuzzer" -max_total_time="$secs" -runs="$runs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" >"$log" 2>&1
rc=$?
n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
if [ "$rc" -eq 0 ]; then
	echo "PASS $name: ${n:-?} runs, no crash"
	exit 0
fi
echo "FAIL $name: fuzzer exited $rc after ${n:-?} runs; last lines:"
tail -n 30 "$log" | sed 's/^/  | /'
for a in "$work"/artifacts/*; do
	[ -f "$a" ] && { echo "  crashing input ($a):"; head -c 600 "$a" | od -c | head -n 12 | sed 's/^/  | /'; }
done
exit 1
