#!/usr/bin/env bash
# scripts/bench-base.sh REF: build tun46 as of git REF for `make bench BASE=REF`
# (scripts/bench.sh measures it as the path tun46-xdp-base, side by side with
# this tree's build).
#
# REF is checked out in a detached git worktree under $BUILD/base/<commit>/src
# (never the current tree), built there with its own Makefile, and its tun46
# command and bench/progcost are kept in $BUILD/base/<commit>/; the worktree
# is removed again.  A later run at the same commit reuses the binaries.
# Prints that directory on stdout; progress and errors on stderr.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ref=${1:?usage: scripts/bench-base.sh REF}

commit=$(git rev-parse --verify -q "$ref^{commit}") || {
	echo "bench-base: '$ref' is not a commit of this repository" >&2
	exit 1
}
short=$(git rev-parse --short "$commit")
dir=$(realpath -m "$BUILD/base/$short")
if [ -x "$dir/tun46" ] && [ -x "$dir/progcost" ] && [ "$(cat "$dir/commit" 2>/dev/null)" = "$commit" ]; then
	echo "bench-base: reusing $dir (tun46 @$short)" >&2
	echo "$dir"
	exit 0
fi

wt=$dir/src
mkdir -p "$dir"
rm -f "$dir/commit" "$dir/tun46" "$dir/progcost"
# a worktree left by an interrupted build: drop it first
if [ -e "$wt" ]; then
	git worktree remove --force "$wt" >/dev/null 2>&1 || rm -rf "$wt"
fi
echo "bench-base: building tun46 @$short ($ref) in $wt" >&2
# -f: also when a worktree of that path is still registered but its folder is gone
git worktree add -f --detach "$wt" "$commit" >&2
rc=0
# BUILD=build: the base's own build folder inside its worktree, whatever
# BUILD the caller's make passes down in MAKEFLAGS
make -C "$wt" --no-print-directory -s BUILD=build all build/bench/progcost >&2 || rc=$?
if [ $rc = 0 ]; then
	cp "$wt/build/tun46" "$wt/build/bench/progcost" "$dir/" && echo "$commit" >"$dir/commit" || rc=1
fi
git worktree remove --force "$wt" >&2 || rm -rf "$wt"
if [ $rc != 0 ]; then
	echo "bench-base: building $ref ($short) failed" >&2
	exit 1
fi
echo "$dir"
