#!/bin/sh
# Print tun46's version string (used by the Makefile as TUN46_VERSION).
#
# 1. In a git checkout of this tree: `git describe --tags --always --dirty`;
#    when no tag is reachable (describe gives a bare commit), the base version
#    below is put in front: 0.2.0+g1a2b3c4[-dirty].
# 2. Otherwise (a release tarball, a Debian source package without .git):
#    the VERSION file if there is one, else the top entry of debian/changelog.
# Options: --base prints only the base version (VERSION or debian/changelog).
cd "$(dirname "$0")/.." || exit 1

base() {
	if [ -f VERSION ]; then
		head -n 1 VERSION
	elif [ -f debian/changelog ]; then
		sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' debian/changelog
	else
		echo unknown
	fi
}

if [ "${1:-}" = --base ]; then
	base
	exit 0
fi

# Only this tree's own repository counts (not a parent repository that
# happens to contain an unpacked tarball).
top=$(git rev-parse --show-toplevel 2>/dev/null || true)
if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(pwd -P)" ]; then
	d=$(git describe --tags --always --dirty 2>/dev/null || true)
	if [ -n "$d" ]; then
		case "$d" in
		[0-9a-f][0-9a-f][0-9a-f][0-9a-f]*) # no tag: a bare abbreviated hash
			if ! git rev-parse -q --verify "refs/tags/$d" >/dev/null 2>&1; then
				d="$(base)+g$d"
			fi
			;;
		esac
		echo "$d"
		exit 0
	fi
fi
base
