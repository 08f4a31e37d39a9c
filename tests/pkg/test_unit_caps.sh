#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# tests/pkg/test_unit_caps.sh — tun46 works with no more capabilities than
# systemd/tun46.service's CapabilityBoundingSet= grants.  This host's PID 1 is
# not systemd, so the bounding set is applied with setpriv(1) (the same kernel
# mechanism systemd uses), and the whole life of a site runs under it in a
# network namespace of its own: config apply (load, attach xdp on a veth with
# GRO at its far end, xdp-generic, tc, peers, routes, kernel routes), show,
# stats, reload with a change, then removal (apply /dev/null).  A control run
# without CAP_NET_ADMIN must fail, so the bounding set really applies.
# Prints PASS/FAIL/SKIP lines; exits 1 if anything failed.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
T=$(pwd)/$BUILD/tun46
NS="t46caps-$$"
TMP=$(mktemp -d /tmp/tun46-caps.XXXXXX)
fails=0

pass() { echo "PASS caps: $1"; }
fail() {
	echo "FAIL caps: $1: ${2:-}"
	fails=$((fails + 1))
}
skip() { echo "SKIP caps: $1: $2"; }

cleanup() {
	if ip netns list 2>/dev/null | grep -qw "$NS"; then
		"$T" -n "$NS" config apply /dev/null >/dev/null 2>&1
		ip netns del "$NS" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
	skip all "needs root (network namespaces, BPF)"
	exit 0
fi
if ! command -v setpriv >/dev/null; then
	skip all "setpriv (util-linux) not installed"
	exit 0
fi
[ -x "$T" ] || make -s --no-print-directory all >/dev/null 2>&1

caps=$(sed -n 's/^CapabilityBoundingSet=//p' systemd/tun46.service)
if [ -z "$caps" ]; then
	fail "unit" "systemd/tun46.service has no CapabilityBoundingSet="
	exit 1
fi
# CAP_NET_ADMIN CAP_BPF ... -> -all,+net_admin,+bpf,...
bset="-all"
for c in $caps; do
	c=${c#CAP_}
	bset="$bset,+${c,,}"
done
bounded() { setpriv --bounding-set "$1" --inh-caps=-all -- "${@:2}"; }

ip netns add "$NS" || {
	fail setup "ip netns add $NS"
	exit 1
}
nsx() { ip netns exec "$NS" "$@"; }
nsx ip link set lo up
for p in wan0:wanp lan0:lanp lan1:lan1p; do
	nsx ip link add "${p%%:*}" type veth peer name "${p##*:}"
	nsx ip link set "${p%%:*}" up
	nsx ip link set "${p##*:}" up
	nsx ethtool -K "${p##*:}" gro on >/dev/null 2>&1
done
nsx ip -6 addr add 2001:db8:1::1/64 dev wan0 nodad
nsx ip addr add 192.168.1.1/24 dev lan0
nsx ip addr add 192.168.3.1/24 dev lan1
nsx sysctl -qw net.ipv4.ip_forward=1
cat >"$TMP/site.conf" <<EOF
link attach dev wan0 role wan mode xdp
link attach dev lan0 role lan mode tc
link attach dev lan1 role lan mode xdp-generic
peer add site2 remote 2001:db8:2::1 local auto
route add 192.168.2.0/24 peer site2
EOF

# Control: without CAP_NET_ADMIN the same apply must fail.
if bounded "${bset/,+net_admin/}" "$T" -n "$NS" config apply "$TMP/site.conf" >"$TMP/ctl.log" 2>&1; then
	fail "control" "config apply succeeded without CAP_NET_ADMIN: the bounding set does not apply"
	"$T" -n "$NS" config apply /dev/null >/dev/null 2>&1
else
	pass "control: without CAP_NET_ADMIN config apply fails ($(head -n 1 "$TMP/ctl.log" | cut -c1-90))"
fi

if bounded "$bset" "$T" -n "$NS" config apply "$TMP/site.conf" >"$TMP/apply.log" 2>&1; then
	pass "config apply under the unit's bounding set ($caps)"
else
	fail "config apply under $bset" "$(tail -n 3 "$TMP/apply.log")"
fi
links=$(bounded "$bset" "$T" -n "$NS" link show 2>&1)
peers=$(bounded "$bset" "$T" -n "$NS" peer show 2>&1)
kroute=$(nsx ip route show 192.168.2.0/24)
if grep -q 'wan0 .*xdp' <<<"$links" && grep -q 'lan1 .*xdp-generic' <<<"$links" &&
	grep -q 'site2 .*local 2001:db8:1::1' <<<"$peers" && grep -q 'dev tun46' <<<"$kroute"; then
	pass "links, peer (local auto resolved) and kernel route in place"
else
	fail "state" "links: $links / peers: $peers / route: $kroute"
fi
if bounded "$bset" "$T" -n "$NS" -j stats >/dev/null 2>"$TMP/stats.log"; then
	pass "stats under the bounding set"
else
	fail "stats" "$(cat "$TMP/stats.log")"
fi
sed -i 's/^route add 192.168.2.0\/24/route add 192.168.4.0\/24/' "$TMP/site.conf"
if bounded "$bset" "$T" -n "$NS" config apply "$TMP/site.conf" >"$TMP/reload.log" 2>&1 &&
	nsx ip route show 192.168.4.0/24 | grep -q tun46 && [ -z "$(nsx ip route show 192.168.2.0/24)" ]; then
	pass "a second apply (ExecReload) changes the routes"
else
	fail "reload" "$(tail -n 3 "$TMP/reload.log")"
fi
had=$(nsx ip link show tun46 2>/dev/null | grep -c tun46)
if [ "$had" -gt 0 ] && bounded "$bset" "$T" -n "$NS" config apply /dev/null >"$TMP/rm.log" 2>&1 &&
	[ -z "$("$T" -n "$NS" link show 2>/dev/null)" ] && ! nsx ip link show tun46 >/dev/null 2>&1; then
	pass "config apply /dev/null removes the datapath (links, tunnel device)"
else
	fail "removal" "tun46 device before: $had; $(tail -n 3 "$TMP/rm.log" 2>/dev/null); links: $("$T" -n "$NS" link show 2>&1)"
fi

[ "$fails" -eq 0 ]
