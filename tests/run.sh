#!/usr/bin/env bash
# tun46 test runner.
#
# Runs every test program and script, collects their result lines and ends
# with "N passed, N failed, N skipped".  A test reports each case on stdout as
#   PASS <name>
#   FAIL <name>: <what was wrong>
#   SKIP <name>: <why it cannot run here>
# and exits non-zero if any case failed.  A program that crashes or exits
# non-zero without printing FAIL counts as one failure.
#
# Usage: tests/run.sh [PATTERN]     (PATTERN filters test file names)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
pattern=${1:-}

pass=0 fail=0 skip=0
failed_names=()
logdir=$(mktemp -d /tmp/tun46-tests.XXXXXX)

run_one() {
	local name=$1
	shift
	local log="$logdir/$(basename "$name").log"
	local start=$SECONDS
	printf '== %s\n' "$name"
	"$@" >"$log" 2>&1
	local rc=$?
	local p f s
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	s=$(grep -c '^SKIP ' "$log")
	grep -E '^(PASS|FAIL|SKIP) ' "$log" | sed 's/^/   /'
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "   FAIL $name: exited with status $rc without reporting a failure; last lines:"
		tail -n 20 "$log" | sed 's/^/     | /'
		f=1
	elif [ "$f" -gt 0 ]; then
		echo "   --- output of $name (last 40 lines):"
		tail -n 40 "$log" | sed 's/^/     | /'
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
	[ "$f" -gt 0 ] && failed_names+=("$name")
	printf '   (%ds)\n' $((SECONDS - start))
}

matches() { [ -z "$pattern" ] || [[ "$1" == *"$pattern"* ]]; }

# 1. unit tests (ASan/UBSan), 2. BPF datapath fixtures, 3. fuzz smoke,
# 4. style (clang-format), shell tests in namespaces (tests/cli, tests/e2e),
# the qemu tier (tests/qemu: Debian kernels under TCG), 5. bench smoke.
for t in "$BUILD"/tests/*; do
	[ -x "$t" ] || continue
	matches "$t" || continue
	run_one "$t" "$t"
done
for f in "$BUILD"/fuzz/*; do
	[ -x "$f" ] || continue
	matches "$f" || continue
	corpus="tests/fuzz/corpus/$(basename "$f")"
	run_one "$f" bash tests/fuzz/smoke.sh "$f" "$corpus"
done
for s in tests/style/*.sh tests/cli/*.sh tests/pkg/*.sh tests/e2e/*.sh tests/qemu/*.sh tests/bench/*.sh; do
	[ -f "$s" ] || continue
	case "$s" in */lib*.sh) continue ;; esac
	matches "$s" || continue
	run_one "$s" bash "$s"
done

rm -rf "$logdir"
if [ "${#failed_names[@]}" -gt 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
