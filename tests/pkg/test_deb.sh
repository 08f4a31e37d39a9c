#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# tests/pkg/test_deb.sh — the Debian package, built as a user of the repository
# would: `git clone` of this checkout's HEAD (uncommitted changes are NOT in
# it), `dpkg-buildpackage -b -us -uc` without network (unshare -n), then its
# contents against the expected list, lintian (errors and warnings fail), its
# dependencies (runtime only), and an install into a scratch root from which
# `tun46 -V` runs.
#
# The scratch install is `dpkg --root=R --unpack`: the files land under R and
# are registered in R's own dpkg database, but no maintainer script runs (the
# package has no preinst; its postinst would call deb-systemd-helper and
# systemctl, which do not exist in an empty chroot, and chrootless they would
# act on this host's systemd).  --force-depends because R's database has none
# of the dependencies (the host's libraries are used to run the binary).
# Prints PASS/FAIL/SKIP lines; exits 1 if anything failed.
set -u
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d /tmp/tun46-pkgdeb.XXXXXX)
fails=0

pass() { echo "PASS deb: $1"; }
fail() {
	echo "FAIL deb: $1: ${2:-}"
	fails=$((fails + 1))
}
skip() { echo "SKIP deb: $1: $2"; }
trap 'rm -rf "$TMP"' EXIT

for tool in git dpkg-buildpackage dh lintian fakeroot; do
	if ! command -v "$tool" >/dev/null; then
		skip all "$tool is not installed (scripts/deps.sh --package)"
		exit 0
	fi
done
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	echo "note: uncommitted changes are not in the clone; this tests HEAD ($(git rev-parse --short HEAD))"
fi

# ---- build from a clean clone, offline ----
C=$TMP/src/tun46
if ! git clone -q "$(pwd)" "$C" 2>"$TMP/clone.log"; then
	fail clone "$(cat "$TMP/clone.log")"
	exit 1
fi
offline=()
if unshare -n true 2>/dev/null; then
	offline=(unshare -n)
fi
start=$SECONDS
if (cd "$C" && "${offline[@]}" dpkg-buildpackage -b -us -uc) >"$TMP/build.log" 2>&1; then
	pass "dpkg-buildpackage -b -us -uc from a clean clone${offline:+, no network} ($((SECONDS - start)) s)"
else
	fail "dpkg-buildpackage" "$(tail -n 15 "$TMP/build.log")"
	exit 1
fi
debs=("$TMP"/src/tun46_*.deb)
deb=${debs[0]}
if [ ! -f "$deb" ]; then
	fail "dpkg-buildpackage" "no tun46_*.deb in $(ls "$TMP/src")"
	exit 1
fi
if grep -q '^PASS ' "$TMP/build.log" && ! grep -q '^FAIL ' "$TMP/build.log"; then
	pass "the build ran the parser and config unit tests ($(grep -c '^PASS ' "$TMP/build.log") cases)"
else
	fail "dh_auto_test" "no unit test result in the build log"
fi
if [ -z "$(cd "$C" && git status --porcelain)" ]; then
	pass "the build leaves the clone clean (git status)"
else
	fail "build leftovers" "$(cd "$C" && git status --porcelain | head -n 5 | tr '\n' ' ')"
fi

# ---- contents ----
daemon=0
ls "$C"/daemon/*.c >/dev/null 2>&1 && daemon=1
expect=(
	/etc/tun46/
	/lib/systemd/system/tun46.service
	/usr/sbin/tun46
	/usr/share/bash-completion/completions/tun46
	/usr/share/doc/tun46/README.Debian
	/usr/share/doc/tun46/README.md.gz
	/usr/share/doc/tun46/changelog.gz
	/usr/share/doc/tun46/copyright
	/usr/share/doc/tun46/examples/tun46.conf
	/usr/share/lintian/overrides/tun46
	/usr/share/man/man8/tun46.8.gz
)
if [ "$daemon" = 1 ]; then
	expect+=(
		/etc/default/tun46d
		/lib/systemd/system/tun46d.service
		/usr/sbin/tun46d
		"/usr/share/bash-completion/completions/tun46d -> tun46"
	)
fi
for m in "$C"/man/*.8; do
	m=${m##*/}
	[ "$m" = tun46.8 ] || { [ "$m" = tun46d.8 ] && [ "$daemon" = 0 ]; } || expect+=("/usr/share/man/man8/$m.gz")
done
# Every file and link, and the directories that are not just parents of one.
dpkg-deb -c "$deb" | awk '{ $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); sub(/^\./, ""); print }' >"$TMP/contents"
got=$(grep -v '/$' "$TMP/contents"; grep '/$' "$TMP/contents" | while read -r d; do
	grep -q "^$d." "$TMP/contents" || echo "$d"
done)
diff_out=$(diff <(printf '%s\n' "${expect[@]}" | sort) <(sort <<<"$got"))
if [ -z "$diff_out" ]; then
	pass "dpkg -c lists exactly the expected ${#expect[@]} entries"
else
	fail "dpkg -c contents" "$(tr '\n' ' ' <<<"$diff_out")"
fi
echo "contents of $(basename "$deb"):"
sed 's/^/    /' <<<"$got"

# ---- dependencies: runtime only ----
depends=$(dpkg-deb -f "$deb" Depends)
if grep -q 'libbpf1' <<<"$depends" &&
	! grep -qwE 'clang|llvm|gcc|bpftool|gnuplot-nox|iperf3|libbpf-dev|make' <<<"$depends"; then
	pass "Depends: $depends (runtime only)"
else
	fail "Depends" "'$depends'"
fi
if [ "$daemon" = 1 ]; then
	if dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles 2>/dev/null | grep -qx /etc/default/tun46d; then
		pass "/etc/default/tun46d is a conffile"
	else
		fail "conffiles" "/etc/default/tun46d is not a conffile"
	fi
fi

# ---- lintian ----
changes=("$TMP"/src/tun46_*.changes)
# -I: info tags too, to see overrides that no longer match anything.
lintian -I "${changes[0]}" >"$TMP/lintian.log" 2>&1
tags=$(grep -E '^[EW]: |^I: .*(unused-override|mismatched-override)' "$TMP/lintian.log")
if [ -z "$tags" ] && ! grep -q '^[A-Z]: .*lintian' "$TMP/lintian.log"; then
	pass "lintian: no error or warning, every override used ($(grep -c '^I: ' "$TMP/lintian.log") info tags left)"
else
	fail "lintian" "$(tr '\n' ' ' <<<"$tags")"
fi

# ---- install into a scratch root, run tun46 -V from it ----
R=$TMP/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers" "$R/var/log"
: >"$R/var/lib/dpkg/status"
: >"$R/var/lib/dpkg/available"
force=--force-depends
[ "$(id -u)" = 0 ] || force=$force,not-root
if dpkg --root="$R" --log="$R/var/log/dpkg.log" "$force" --unpack "$deb" >"$TMP/dpkg.log" 2>&1; then
	pass "dpkg --root --unpack into a scratch root"
else
	fail "dpkg --root --unpack" "$(tail -n 5 "$TMP/dpkg.log")"
fi
status=$(dpkg --root="$R" -s tun46 2>/dev/null | sed -n 's/^Status: //p')
listed=$(dpkg --root="$R" -L tun46 2>/dev/null | grep -c .)
if [ "$status" = "install ok unpacked" ] && [ "$listed" -gt 10 ]; then
	pass "the scratch root's dpkg database has tun46 ($status, $listed paths)"
else
	fail "scratch dpkg database" "status '$status', $listed paths"
fi
want="tun46 $(sh "$C/scripts/version.sh")"
line=$("$R/usr/sbin/tun46" -V 2>&1 | head -n 1)
if [ "$line" = "$want" ]; then
	pass "\$root/usr/sbin/tun46 -V: $line"
else
	fail "tun46 -V from the package" "'$line', want '$want'"
fi
unit=$R/lib/systemd/system/tun46.service
if grep -qx 'ExecStart=/usr/sbin/tun46 config apply /etc/tun46/tun46.conf' "$unit" 2>/dev/null; then
	pass "the packaged tun46.service runs /usr/sbin/tun46 on /etc/tun46/tun46.conf"
else
	fail "packaged unit" "$(grep '^ExecStart' "$unit" 2>&1)"
fi

[ "$fails" -eq 0 ]
