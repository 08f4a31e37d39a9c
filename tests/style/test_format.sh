#!/usr/bin/env bash
# Every C source is clang-format clean (.clang-format at the top).
cd "$(dirname "$0")/../.." || exit 1
if ! command -v clang-format >/dev/null; then
	echo "SKIP style/clang-format: clang-format is not installed (scripts/deps.sh installs it)"
	exit 0
fi
out=$(make -s check-format 2>&1)
if [ -z "$out" ]; then
	echo "PASS style/clang-format: $(git ls-files '*.c' '*.h' | wc -l) files clean"
else
	echo "FAIL style/clang-format: files need clang-format -i (make format):"
	printf '%s\n' "$out" | grep -o '^[^:]*:' | sort -u | head -20
	exit 1
fi
