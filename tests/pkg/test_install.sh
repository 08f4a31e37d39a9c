#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# tests/pkg/test_install.sh — `make install` / `make uninstall` into scratch
# directories, the installed systemd units (`systemd-analyze verify`), the
# version string, the example config and the bash completion.  Touches nothing
# outside its temporary directory (no namespaces, no BPF).  Prints
# PASS/FAIL/SKIP lines; exits 1 if anything failed.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
export BUILD
TMP=$(mktemp -d /tmp/tun46-pkginst.XXXXXX)
fails=0

pass() { echo "PASS install: $1"; }
fail() {
	echo "FAIL install: $1: ${2:-}"
	fails=$((fails + 1))
}
skip() { echo "SKIP install: $1: $2"; }
trap 'rm -rf "$TMP"' EXIT

daemon=0
ls daemon/*.c >/dev/null 2>&1 && daemon=1

if ! make -s --no-print-directory all >"$TMP/build.log" 2>&1; then
	fail build "make all failed: $(tail -n 5 "$TMP/build.log")"
	exit 1
fi
version=$(sh scripts/version.sh)

# ---- the version: git describe / VERSION / debian/changelog, in cli/ only ----
line=$("$BUILD/tun46" -V 2>/dev/null | head -n 1)
if [ "$line" = "tun46 $version" ]; then
	pass "tun46 -V prints the version ($line)"
else
	fail "tun46 -V" "prints '$line', expected 'tun46 $version'"
fi
# A version change recompiles only the objects that print it, never lib/.
dry=$(make -n --no-print-directory VERSION="test-$$" all 2>&1)
if grep -q 'cli/main\.c' <<<"$dry" && ! grep -qE ' -c lib/[a-z_]+\.c' <<<"$dry"; then
	pass "a new version rebuilds cli/main.o, no library object"
else
	fail "version rebuild" "make -n with another VERSION: $(grep -E ' -c [a-z]+/' <<<"$dry" | sed 's/.* -c //' | tr '\n' ' ')"
fi
# No .git: scripts/version.sh falls back to debian/changelog.
mkdir -p "$TMP/nogit/scripts" "$TMP/nogit/debian"
cp scripts/version.sh "$TMP/nogit/scripts/" && cp debian/changelog "$TMP/nogit/debian/"
want=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' debian/changelog)
got=$(GIT_CEILING_DIRECTORIES=$TMP sh "$TMP/nogit/scripts/version.sh")
if [ -n "$want" ] && [ "$got" = "$want" ]; then
	pass "without .git the version is debian/changelog's ($got)"
else
	fail "version without git" "got '$got', want '$want'"
fi

# ---- make install DESTDIR=... ----
D=$TMP/destdir
mkdir -p "$D/etc/tun46"
echo "# the admin's own file" >"$D/etc/tun46/tun46.conf"
if ! make -s --no-print-directory install DESTDIR="$D" >"$TMP/install.log" 2>&1; then
	fail "make install" "$(tail -n 5 "$TMP/install.log")"
	exit 1
fi
P=/usr/local
units=(tun46.service)
bins=(tun46)
mans=(tun46.8)
if [ "$daemon" = 1 ]; then
	units+=(tun46d.service)
	bins+=(tun46d)
fi
for m in man/*.8; do
	m=${m##*/}
	[ "$m" = tun46.8 ] || { [ "$m" = tun46d.8 ] && [ "$daemon" = 0 ]; } || mans+=("$m")
done
expect=()
for b in "${bins[@]}"; do expect+=("$P/sbin/$b"); done
for m in "${mans[@]}"; do expect+=("$P/share/man/man8/$m"); done
for u in "${units[@]}"; do expect+=("$P/lib/systemd/system/$u"); done
expect+=("$P/share/bash-completion/completions/tun46" "$P/share/doc/tun46/examples/tun46.conf")
[ "$daemon" = 1 ] && expect+=("$P/share/bash-completion/completions/tun46d" /etc/default/tun46d)
missing=()
for f in "${expect[@]}"; do [ -e "$D$f" ] || missing+=("$f"); done
if [ "${#missing[@]}" -eq 0 ]; then
	pass "make install DESTDIR: ${#expect[@]} files (binaries, man pages, units, completion, example config)"
else
	fail "make install DESTDIR" "missing: ${missing[*]}"
fi
extra=$(cd "$D" && find . ! -type d | sed 's/^\.//' | sort | comm -23 - <(printf '%s\n' "${expect[@]}" /etc/tun46/tun46.conf | sort))
if [ -z "$extra" ]; then
	pass "make install puts nothing else"
else
	fail "make install extra files" "$(echo $extra)"
fi
if [ "$(cat "$D/etc/tun46/tun46.conf")" = "# the admin's own file" ]; then
	pass "make install leaves the admin's /etc/tun46/tun46.conf alone"
else
	fail "admin config" "make install changed /etc/tun46/tun46.conf"
fi

# Every path a unit runs or names exists in DESTDIR, executable where run.
checked=0 bad=()
for u in "${units[@]}"; do
	f=$D$P/lib/systemd/system/$u
	[ -f "$f" ] || continue
	while IFS= read -r path; do
		checked=$((checked + 1))
		[ -x "$D$path" ] && [ -f "$D$path" ] || bad+=("$u: $path")
	done < <(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\(\/[^ ]*\).*/\1/p' "$f")
	while IFS= read -r path; do
		checked=$((checked + 1))
		[ -d "$D${path%/*}" ] || bad+=("$u: ${path%/*}/ (for $path)")
	done < <(sed -n 's/^ConditionPathExists=\(\/.*\)/\1/p; s/^ExecStart=.* -c \(\/[^ ]*\).*/\1/p' "$f")
	while IFS= read -r page; do
		checked=$((checked + 1))
		n=${page%(*}
		s=${page#*(}
		s=${s%)}
		[ -f "$D$P/share/man/man$s/$n.$s" ] || bad+=("$u: man:$page")
	done < <(grep '^Documentation=' "$f" | grep -o 'man:[^ ]*' | sed 's/^man://')
done
if [ "${#bad[@]}" -eq 0 ] && [ "$checked" -ge 4 ]; then
	pass "units' ExecStart/ExecReload binaries, config directory and man pages are in DESTDIR ($checked paths)"
else
	fail "unit paths" "checked $checked; not found: ${bad[*]}"
fi
if "$D$P/sbin/tun46" config check "$D$P/share/doc/tun46/examples/tun46.conf" >"$TMP/check.log" 2>&1; then
	pass "the example config passes tun46 config check"
else
	fail "example config" "$(cat "$TMP/check.log")"
fi

# ---- make uninstall: everything but the admin's files ----
make -s --no-print-directory uninstall DESTDIR="$D" >"$TMP/uninstall.log" 2>&1
left=$(cd "$D" && find . ! -type d | sed 's/^\.//' | grep -vx -e /etc/tun46/tun46.conf -e /etc/default/tun46d)
if [ -z "$left" ] && [ -f "$D/etc/tun46/tun46.conf" ]; then
	pass "make uninstall removes every installed file, keeps /etc/tun46/tun46.conf"
else
	fail "make uninstall" "left: $(echo $left)"
fi

# ---- systemd-analyze verify ----
# verify checks that the Exec binaries and the man pages of Documentation=
# exist; --root does not help on systemd 252 (it wants sysinit.target under
# the root and still looks for man pages on the host), so install with every
# path pointing into a scratch directory instead and give man that MANPATH.
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify" "systemd-analyze not installed (scripts/deps.sh)"
else
	R=$TMP/root
	make -s --no-print-directory install PREFIX="$R/usr" SYSCONFDIR="$R/etc" >"$TMP/install2.log" 2>&1 ||
		fail "install for verify" "$(tail -n 3 "$TMP/install2.log")"
	mkdir -p "$TMP/units"
	cp "$R"/usr/lib/systemd/system/*.service "$TMP/units/" 2>/dev/null
	note=
	if [ ! -e "$TMP/units/tun46d.service" ]; then
		# No daemon in this build yet: verify its unit with a stand-in binary.
		printf '#!/bin/sh\n' >"$R/usr/sbin/tun46d" && chmod +x "$R/usr/sbin/tun46d"
		[ -e "$R/usr/share/man/man8/tun46d.8" ] ||
			printf '.TH TUN46D 8\n.SH NAME\ntun46d \\- stand-in\n' >"$R/usr/share/man/man8/tun46d.8"
		sed -e "s|@SBINDIR@|$R/usr/sbin|g" -e "s|@SYSCONFDIR@|$R/etc|g" systemd/tun46d.service >"$TMP/units/tun46d.service"
		note=" (tun46d.service with a stand-in tun46d: no daemon in this build)"
	fi
	if MANPATH=$R/usr/share/man systemd-analyze verify "$TMP"/units/*.service >"$TMP/verify.log" 2>&1 &&
		! [ -s "$TMP/verify.log" ]; then
		pass "systemd-analyze verify: $(cd "$TMP/units" && echo *.service) clean$note"
	else
		fail "systemd-analyze verify" "$(head -n 5 "$TMP/verify.log" | tr '\n' ' ')"
	fi
	# and it can fail: a unit whose binary is missing
	rm -f "$R/usr/sbin/tun46"
	if MANPATH=$R/usr/share/man systemd-analyze verify "$TMP/units/tun46.service" >/dev/null 2>&1; then
		fail "systemd-analyze verify" "accepted tun46.service with its binary missing"
	else
		pass "systemd-analyze verify refuses tun46.service without its binary"
	fi
fi

# ---- bash completion (a stand-in tun46: canned JSON, the real help) ----
S=$TMP/stub
mkdir -p "$S"
cat >"$S/tun46" <<EOF
#!/bin/sh
case "\$*" in
*"-j peer show") echo '[{"name":"osaka","remote":"2001:db8:2::1"},{"name":"kyoto","remote":"2001:db8:3::1"}]' ;;
*"-j link show") echo '[{"ifname":"wan0","role":"wan"},{"ifname":"lan0","role":"lan"}]' ;;
*) exec "$(pwd)/$BUILD/tun46" "\$@" ;;
esac
EOF
chmod +x "$S/tun46"
complete_words() {
	# complete_words WORD... : the candidates for the last word (may be "")
	PATH=$S:$PATH bash -c '
		source scripts/tun46.bash-completion
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_tun46
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$@"
}
comp_ok=1
chk() {
	local want=$1 got
	shift
	got=$(complete_words "$@")
	got=${got% }
	if [ "$got" != "$want" ]; then
		fail "completion of '$*'" "got '$got', want '$want'"
		comp_ok=0
	fi
}
chk "config help link peer route stats" tun46 ""
chk "peer" tun46 -j pe
chk "add change del help refresh replace show" tun46 peer ""
chk "kyoto osaka" tun46 peer del ""
chk "kyoto osaka" tun46 -n x route add 10.0.0.0/8 peer ""
chk "lan0 wan0" tun46 link detach dev ""
chk "lan wan" tun46 link attach dev eth0 role ""
chk "tc xdp xdp-generic" tun46 link attach dev eth0 role lan mode ""
chk "encap encaplimit" tun46 peer add a remote 2001:db8::1 local auto enc
chk "gre ip4ip6" tun46 peer add a encap ""
[ "$comp_ok" = 1 ] && pass "bash completion: objects, verbs (as tun46 OBJECT help names them), peer and link names, keywords"

[ "$fails" -eq 0 ]
