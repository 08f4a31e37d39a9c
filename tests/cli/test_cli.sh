#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# tests/cli/test_cli.sh — the tun46 command against the real backend, as root,
# inside network namespaces this script creates and removes (trap EXIT).
#
# Namespace A holds two veth pairs (lan0/lanp, wan0/wanp); namespace B holds
# one (wan0/wanp) and proves the two states are isolated.  Prints
# PASS/FAIL/SKIP lines; exits 1 if anything failed.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
T=$(pwd)/$BUILD/tun46
A="t46cli-$$-a"
B="t46cli-$$-b"
TMP=$(mktemp -d /tmp/tun46-cli.XXXXXX)
fails=0

pass() { echo "PASS cli: $1"; }
fail() {
	echo "FAIL cli: $1: ${2:-}"
	fails=$((fails + 1))
}
skip() { echo "SKIP cli: $1: $2"; }

cleanup() {
	for ns in "$A" "$B"; do
		if ip netns list 2>/dev/null | grep -qw "$ns"; then
			for dev in lan0 wan0; do "$T" -n "$ns" link detach dev "$dev" >/dev/null 2>&1; done
			"$T" -n "$ns" config apply /dev/null >/dev/null 2>&1
			ip netns del "$ns" 2>/dev/null
		fi
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
	skip all "needs root (network namespaces, BPF)"
	exit 0
fi
if [ ! -x "$T" ]; then
	fail build "$T missing (make)"
	exit 1
fi

mkns() {
	local ns=$1
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip -n "$ns" link add wan0 type veth peer name wanp
	ip -n "$ns" link add lan0 type veth peer name lanp
	for d in wan0 wanp lan0 lanp; do ip -n "$ns" link set "$d" up; done
	# native XDP redirects into a veth need GRO (or XDP) on its far end
	for d in wanp lanp; do ip netns exec "$ns" ethtool -K "$d" gro on >/dev/null 2>&1; done
	ip -n "$ns" addr add fd00::1/64 dev wan0 nodad
	ip -n "$ns" addr add 192.168.1.1/24 dev lan0
}
mkns "$A" && mkns "$B" || {
	fail setup "cannot create namespaces"
	exit 1
}

# run CMD... : stdout in $TMP/out, stderr in $TMP/err, status in $rc
run() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}
# expect_err NAME RC CMD... : exits RC with exactly one line on stderr
expect_err() {
	local name=$1 want=$2
	shift 2
	run "$@"
	if [ "$rc" != "$want" ]; then
		fail "$name" "exit $rc, expected $want: $(head -c 300 "$TMP/err")"
	elif [ "$(grep -vc '^Try ' "$TMP/err")" != 1 ]; then
		fail "$name" "expected one error line, got: $(cat "$TMP/err")"
	else
		pass "$name ($(head -n 1 "$TMP/err"))"
	fi
}
ok() { # ok NAME CMD...
	local name=$1
	shift
	run "$@"
	if [ "$rc" = 0 ]; then pass "$name"; else fail "$name" "exit $rc: $(head -c 400 "$TMP/err")"; fi
}
pin_dir() { "$T" -n "$1" config show | sed -n 's/^# state pinned in //p'; }
# map_count NS MAP : entries in a pinned map
map_count() {
	local dir
	dir=$(pin_dir "$1")
	[ -n "$dir" ] || {
		echo 0
		return
	}
	bpftool -j map dump pinned "$dir/$2" 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

# ---- attach / detach in each mode ----
for mode in xdp xdp-generic tc; do
	name="attach mode $mode"
	run "$T" -n "$A" link attach dev lan0 role lan mode "$mode" && [ "$rc" = 0 ] &&
		run "$T" -n "$A" link attach dev wan0 role wan mode "$mode"
	if [ "$rc" != 0 ]; then
		fail "$name" "exit $rc: $(cat "$TMP/err")"
		continue
	fi
	shown=$("$T" -n "$A" link show)
	case $mode in
	xdp) hook=$(ip -n "$A" -d link show dev lan0 | grep -c 'prog/xdp') ;;
	xdp-generic) hook=$(ip -n "$A" -d link show dev lan0 | grep -c 'xdpgeneric') ;;
	tc) hook=$(tc -n "$A" filter show dev lan0 ingress | grep -c bpf) ;;
	esac
	if echo "$shown" | grep -q "lan0 .* role lan mode $mode" && echo "$shown" | grep -q "wan0 .* role wan mode $mode" &&
		[ "$hook" -ge 1 ]; then
		pass "$name"
	else
		fail "$name" "link show: $shown; hook count $hook"
	fi
	name="detach mode $mode"
	run "$T" -n "$A" link detach dev lan0 && [ "$rc" = 0 ] && run "$T" -n "$A" link detach dev wan0
	left=$(ip -n "$A" -d link show dev lan0 | grep -c 'prog/xdp\|xdpgeneric')
	left=$((left + $(tc -n "$A" filter show dev lan0 ingress 2>/dev/null | grep -c bpf)))
	if [ "$rc" = 0 ] && [ -z "$("$T" -n "$A" link show)" ] && [ "$left" = 0 ]; then
		pass "$name"
	else
		fail "$name" "exit $rc, programs left $left: $(cat "$TMP/err")"
	fi
done
if [ -z "$(pin_dir "$A")" ]; then pass "pins removed when nothing is left"; else fail "pins removed" "$(pin_dir "$A")"; fi

# ---- error cases: exit 1 (2 for usage), one clear line ----
ok "attach for error cases" "$T" -n "$A" link attach dev wan0 role wan mode xdp-generic
expect_err "attach twice" 1 "$T" -n "$A" link attach dev wan0 role wan mode xdp-generic
expect_err "detach not attached" 1 "$T" -n "$A" link detach dev lan0
expect_err "attach missing interface" 1 "$T" -n "$A" link attach dev nosuch0 role lan
expect_err "usage: bad role" 2 "$T" -n "$A" link attach dev lan0 role dmz
expect_err "usage: unknown object" 2 "$T" -n "$A" frobnicate
expect_err "usage: host bits" 2 "$T" -n "$A" route add 192.168.2.7/24 peer x
expect_err "missing namespace" 1 "$T" -n "t46-no-such-ns-$$" peer show

# ---- the veth far-end check (mode xdp into a veth whose far end has neither XDP nor GRO) ----
"$T" -n "$A" link detach dev wan0 >/dev/null 2>&1
ip link add vx0 netns "$A" type veth peer name vxp netns "$B"
ip -n "$A" link set vx0 up
ip -n "$B" link set vxp up
ip netns exec "$B" ethtool -K vxp gro off >/dev/null 2>&1
ip netns exec "$A" ethtool -K lanp gro off >/dev/null 2>&1
expect_err "veth check: far end without GRO refused" 1 "$T" -n "$A" link attach dev lan0 role lan mode xdp
if grep -q "far end lanp has neither an XDP program nor GRO" "$TMP/err" && grep -q "ethtool -K lanp gro on" "$TMP/err" &&
	grep -q "mode xdp-generic or tc" "$TMP/err" && [ -z "$("$T" -n "$A" link show)" ]; then
	pass "veth check: message names the far end and the fixes"
else
	fail "veth check message" "$(cat "$TMP/err")"
fi
expect_err "veth check: far end in another namespace refused" 1 "$T" -n "$A" link attach dev vx0 role wan mode xdp
if grep -q "far end vxp (in netns $B)" "$TMP/err" && grep -q "ip netns exec $B ethtool -K vxp gro on" "$TMP/err"; then
	pass "veth check: names the far end's namespace"
else
	fail "veth check: other namespace" "$(cat "$TMP/err")"
fi
ok "veth check: mode tc accepted" "$T" -n "$A" link attach dev lan0 role lan mode tc
ok "veth check: xdp-generic accepted" "$T" -n "$A" link attach dev vx0 role wan mode xdp-generic
"$T" -n "$A" link detach dev vx0 >/dev/null 2>&1
# an attached port (lan0, mode tc) is a target of the new port's native XDP
expect_err "veth check: attached port's far end checked too" 1 "$T" -n "$A" link attach dev wan0 role wan mode xdp
grep -q "lan0 is a veth whose far end lanp" "$TMP/err" || fail "veth check: other port named" "$(cat "$TMP/err")"
"$T" -n "$A" link detach dev lan0 >/dev/null 2>&1
run "$T" -n "$A" -force link attach dev lan0 role lan mode xdp
if [ "$rc" = 0 ] && grep -q "warning: attaching anyway (-force)" "$TMP/err"; then pass "veth check: -force attaches with a warning"; else
	fail "veth check: -force" "exit $rc: $(cat "$TMP/err")"
fi
"$T" -n "$A" link detach dev lan0 >/dev/null 2>&1
ip netns exec "$A" ethtool -K lanp gro on >/dev/null 2>&1
ip netns exec "$B" ethtool -K vxp gro on >/dev/null 2>&1
ok "veth check: GRO on, mode xdp accepted" "$T" -n "$A" link attach dev lan0 role lan mode xdp
ok "veth check: GRO on in another namespace accepted" "$T" -n "$A" link attach dev vx0 role wan mode xdp
[ -s "$TMP/err" ] && fail "veth check: no warning with GRO on" "$(cat "$TMP/err")"
"$T" -n "$A" link detach dev vx0 >/dev/null 2>&1
"$T" -n "$A" link detach dev lan0 >/dev/null 2>&1
ip -n "$A" link del vx0
# ---- kernel features (lib/probe.c) and the kernel's own reasons (issue 9) ----
run "$T" -V
feat=$(sed -n 's/^kernel features: //p' "$TMP/out")
if [ "$rc" = 0 ] && [ -n "$feat" ]; then pass "-V prints the kernel features ($feat)"; else
	fail "-V kernel features" "exit $rc: $(cat "$TMP/out" "$TMP/err")"
fi
run env TUN46_PROBE_DISABLE=decap_l3 "$T" -V
if grep -q 'missing: decap_l3' "$TMP/out" && grep -q 'decapsulation in TC: 2 steps' "$TMP/out"; then
	pass "TUN46_PROBE_DISABLE=decap_l3: the 2-step decapsulation is reported"
else
	fail "TUN46_PROBE_DISABLE=decap_l3 in -V" "$(cat "$TMP/out" "$TMP/err")"
fi
cfg_flags() {
	bpftool -j map dump pinned "$(pin_dir "$1")/tun46_config" 2>/dev/null |
		python3 -c 'import json,sys; e=json.load(sys.stdin)[0]; print(e.get("formatted", e)["value"]["flags"])'
}
# the datapath's part of the answer is recorded in tun46_config.flags at attach
ok "attach wan0 mode tc with decap_l3 disabled" env TUN46_PROBE_DISABLE=decap_l3 "$T" -n "$A" link attach dev wan0 role wan mode tc
f=$(cfg_flags "$A")
if [ "$f" = 3 ]; then pass "decap_l3 missing: tun46_config.flags = PROBED|DECAP_2STEP"; else fail "config flags (2 steps)" "flags=$f"; fi
"$T" -n "$A" link detach dev wan0 >/dev/null 2>&1
ok "attach wan0 mode tc" "$T" -n "$A" link attach dev wan0 role wan mode tc
f=$(cfg_flags "$A")
case "$feat" in
*missing:*decap_l3*) want=3 ;; # a kernel before 6.3
*) want=1 ;;
esac
if [ "$f" = "$want" ]; then pass "tun46_config.flags follow this kernel ($f)"; else fail "config flags (this kernel)" "flags=$f, want $want"; fi
"$T" -n "$A" link detach dev wan0 >/dev/null 2>&1
expect_err "no way to decapsulate in TC: wan refused" 1 \
	env TUN46_PROBE_DISABLE=decap_l3,decap_2step "$T" -n "$A" link attach dev wan0 role wan mode tc
if grep -q "in mode tc: this kernel lacks decap_2step" "$TMP/err" && grep -q "no mode of tun46 can work" "$TMP/err" &&
	[ -z "$("$T" -n "$A" link show)" ]; then
	pass "refusal names the missing feature, nothing attached"
else
	fail "refusal without decapsulation" "$(cat "$TMP/err")"
fi
expect_err "missing XDP helper: mode xdp-generic refused" 1 \
	env TUN46_PROBE_DISABLE=xdp_adjust_meta "$T" -n "$A" link attach dev lan0 role lan mode xdp-generic
if grep -q "lacks xdp_adjust_meta" "$TMP/err" && grep -q "use mode tc" "$TMP/err" && [ -z "$("$T" -n "$A" link show)" ]; then
	pass "refusal names the missing helper and the mode that works"
else
	fail "refusal without an XDP helper" "$(cat "$TMP/err")"
fi
# a driver that has native XDP but refuses it: the kernel's words, not "no native XDP"
ip -n "$A" link set lanp mtu 9000
expect_err "veth with a big peer MTU refuses XDP" 1 "$T" -n "$A" link attach dev lan0 role lan mode xdp
if grep -q "cannot attach to lan0 in mode xdp" "$TMP/err" &&
	grep -q "the kernel says: veth: Peer MTU is too large to set XDP" "$TMP/err" &&
	! grep -q "has no native XDP" "$TMP/err"; then
	pass "XDP refusal carries the kernel's extended ack"
else
	fail "XDP refusal reason" "$(cat "$TMP/err")"
fi
ip -n "$A" link set lanp mtu 1500
[ -z "$("$T" -n "$A" link show)" ] || fail "nothing attached after the refusals" "$("$T" -n "$A" link show)"
ok "re-attach wan0 for the next cases" "$T" -n "$A" link attach dev wan0 role wan mode xdp-generic

# ---- the port's MAC is recorded at attach and followed by later commands ----
# links_mac NS IF: the MAC recorded in tun46_links for IF, as aa:bb:...
links_mac() {
	bpftool -j map dump pinned "$(pin_dir "$1")/tun46_links" 2>/dev/null | python3 -c '
import json, sys
idx = int(sys.argv[1])
for e in json.load(sys.stdin):
    f = e.get("formatted", e)
    if f["key"] == idx:
        print(":".join("%02x" % b for b in f["value"]["mac"]))' "$(ip netns exec "$1" cat "/sys/class/net/$2/ifindex")"
}
ok "attach lan0 (MAC test)" "$T" -n "$A" link attach dev lan0 role lan mode tc
m0=$(ip -n "$A" -j link show dev lan0 | jq -r '.[0].address')
r0=$(links_mac "$A" lan0)
ip -n "$A" link set dev lan0 address 02:46:00:00:00:01
ok "a write after a MAC change" "$T" -n "$A" peer add macp remote fd00::77 local fd00::1
r1=$(links_mac "$A" lan0)
if [ "$r0" = "$m0" ] && [ "$r1" = 02:46:00:00:00:01 ]; then pass "port MAC recorded ($r0) and followed ($r1)"; else
	fail "port MAC in tun46_links" "at attach '$r0' (port $m0), after the change '$r1' (want 02:46:00:00:00:01)"
fi
"$T" -n "$A" peer del macp >/dev/null 2>&1
"$T" -n "$A" link detach dev lan0 >/dev/null 2>&1

# ---- peers and routes: verbs, show, maps ----
ok "peer add (local auto)" "$T" -n "$A" peer add site2 remote fd00::2 local auto
ok "peer add (explicit)" "$T" -n "$A" peer add site3 remote fd00::3 local fd00::1 hoplimit inherit encaplimit 4
expect_err "peer add existing" 1 "$T" -n "$A" peer add site2 remote fd00::9 local auto
expect_err "peer add duplicate remote" 1 "$T" -n "$A" peer add site9 remote fd00::2 local auto
expect_err "peer change missing" 1 "$T" -n "$A" peer change nobody hoplimit 3
ok "peer change" "$T" -n "$A" peer change site2 hoplimit 7
ok "peer replace (new)" "$T" -n "$A" peer replace site4 remote fd00::4 local auto
run "$T" -n "$A" peer show site2
if grep -q "site2 id [0-9]* remote fd00::2 local fd00::1 (auto) hoplimit 7" "$TMP/out"; then pass "peer show"; else
	fail "peer show" "$(cat "$TMP/out")"
fi
run "$T" -n "$A" -j peer show
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==3 and d[0]["name"]=="site2" and d[1]["encaplimit"]==4 and d[1]["hoplimit_inherit"]' "$TMP/out" 2>/dev/null; then
	pass "peer show -j"
else
	fail "peer show -j" "$(cat "$TMP/out")"
fi
n=$(map_count "$A" tun46_decap)
if [ "$n" = 3 ]; then pass "decap index has 3 remotes"; else fail "decap index" "$n entries"; fi
ok "route add" "$T" -n "$A" route add 10.0.0.0/8 peer site2
ok "route add overlapping" "$T" -n "$A" route add 10.1.0.0/16 peer site3
ok "route add /32" "$T" -n "$A" route add 192.168.4.1 peer site4
expect_err "route add duplicate" 1 "$T" -n "$A" route add 10.0.0.0/8 peer site3
expect_err "route add unknown peer" 1 "$T" -n "$A" route add 10.9.0.0/16 peer nobody
expect_err "route change missing" 1 "$T" -n "$A" route change 10.9.0.0/16 peer site2
ok "route replace" "$T" -n "$A" route replace 10.9.0.0/16 peer site2
ok "route change" "$T" -n "$A" route change 10.9.0.0/16 peer site4
n=$(map_count "$A" tun46_routes)
if [ "$n" = 4 ]; then pass "routes map has 4 entries"; else fail "routes map" "$n entries"; fi
run "$T" -n "$A" route get 10.1.2.3
g1=$(cat "$TMP/out")
run "$T" -n "$A" route get 10.2.0.1
g2=$(cat "$TMP/out")
if [ "$g1" = "10.1.0.0/16 peer site3" ] && [ "$g2" = "10.0.0.0/8 peer site2" ]; then pass "route get longest match"; else
	fail "route get" "$g1 / $g2"
fi
expect_err "route get no match" 1 "$T" -n "$A" route get 172.16.0.1
run "$T" -n "$A" route show peer site4
if [ "$(wc -l <"$TMP/out")" = 2 ]; then pass "route show peer"; else fail "route show peer" "$(cat "$TMP/out")"; fi
expect_err "peer del refused while routes use it" 1 "$T" -n "$A" peer del site3
ok "peer del -force removes its routes" "$T" -n "$A" -force peer del site3
if ! "$T" -n "$A" route show | grep -q site3 && [ "$(map_count "$A" tun46_routes)" = 3 ]; then
	pass "routes of the deleted peer are gone"
else
	fail "routes of the deleted peer" "$("$T" -n "$A" route show)"
fi
ok "route del" "$T" -n "$A" route del 192.168.4.1/32
ok "route flush peer" "$T" -n "$A" route flush peer site4
if [ "$("$T" -n "$A" route show)" = "10.0.0.0/8 peer site2" ]; then pass "route show after del/flush"; else
	fail "route show after del/flush" "$("$T" -n "$A" route show)"
fi

# ---- state survives the command; -n and ip netns exec agree; namespaces isolated ----
d=$(pin_dir "$A")
if [ -n "$d" ] && [ -e "$(ip netns exec "$A" true; echo "$d")" ]; then pass "state pinned ($d)"; else fail "state pinned" "$d"; fi
x=$("$T" -n "$A" peer show)
y=$(ip netns exec "$A" "$T" peer show)
if [ -n "$x" ] && [ "$x" = "$y" ]; then pass "-n and ip netns exec see the same state"; else fail "-n vs ip netns exec" "$x / $y"; fi
if [ -z "$("$T" -n "$B" peer show)" ]; then pass "namespace B does not see A's peers"; else fail "isolation" "B sees peers"; fi
ok "same peer name in namespace B" "$T" -n "$B" peer add site2 remote fd00::22 local fd00::1
dA=$(pin_dir "$A")
dB=$(pin_dir "$B")
if [ "$dA" != "$dB" ] && [ "$("$T" -n "$A" peer show site2 | grep -c 'fd00::2 ')" = 1 ]; then
	pass "namespaces have separate pins"
else
	fail "separate pins" "$dA / $dB"
fi
ip netns exec "$B" "$T" config apply /dev/null >/dev/null 2>&1

# ---- stats ----
run "$T" -n "$A" -j stats
ncounters=$(grep -c '^[[:space:]]*X([A-Z0-9_]*, "' include/tun46/counters.h)
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "decap_drop_unknown_peer" in d["total"] and len(d["total"])==int(sys.argv[2])' "$TMP/out" "$ncounters" 2>/dev/null; then
	pass "stats -j has every counter"
else
	fail "stats -j" "$(head -c 300 "$TMP/out")"
fi
run "$T" -n "$A" -s stats
if grep -q "decap_drop_ecn .*outer CE" "$TMP/out"; then pass "stats -s names every reason"; else fail "stats -s" "$(head -c 300 "$TMP/out")"; fi
run "$T" -n "$A" -j stats watch interval 0.2 count 2
if [ "$rc" = 0 ] && [ "$(wc -l <"$TMP/out")" = 2 ] && head -n 1 "$TMP/out" | python3 -c 'import json,sys; assert "encap_packets" in json.load(sys.stdin)["rates"]'; then
	pass "stats watch -j: one JSON object per line"
else
	fail "stats watch" "$(cat "$TMP/out" "$TMP/err")"
fi
# watch: filters and human units (text); -j keeps raw numbers (above)
run "$T" -n "$A" stats watch peer site2 interval 0.2 count 2
if [ "$rc" = 0 ] && [ "$(wc -l <"$TMP/out")" = 2 ] && grep -q " encap_packets 0 pps .*encap_bytes 0 bit/s" "$TMP/out"; then
	pass "stats watch peer NAME: pps and bit/s"
else
	fail "stats watch peer" "exit $rc: $(cat "$TMP/out" "$TMP/err")"
fi
ok "stats watch dev IF" "$T" -n "$A" stats watch dev lan0 interval 0.1 count 1
expect_err "stats watch of a missing peer" 1 "$T" -n "$A" stats watch peer nosuch count 1
expect_err "stats watch peer and dev" 2 "$T" -n "$A" stats watch peer site2 dev lan0
expect_err "stats prometheus takes no argument" 2 "$T" -n "$A" stats prometheus now
run "$T" -n "$A" stats prometheus
if [ "$rc" = 0 ] && grep -q '^tun46_info{version="[^"]*",kernel="[^"]*"} 1$' "$TMP/out" &&
	grep -q '^tun46_peer_last_rx_timestamp_seconds{peer="site2"} 0$' "$TMP/out"; then
	pass "stats prometheus: info, peer never heard from"
else
	fail "stats prometheus" "exit $rc: $(head -c 600 "$TMP/out") $(cat "$TMP/err")"
fi
if command -v promtool >/dev/null; then
	if out=$(promtool check metrics <"$TMP/out" 2>&1) && [ -z "$out" ]; then pass "stats prometheus: promtool check metrics"; else
		fail "promtool check metrics" "$out"
	fi
else
	skip "promtool check metrics" "promtool not installed (Debian package prometheus; scripts/deps.sh)"
fi
run "$T" -n "$A" peer show site2
if grep -q " last rx never$" "$TMP/out"; then pass "peer show: last rx never"; else fail "peer show last rx" "$(cat "$TMP/out")"; fi
ok "stats reset" "$T" -n "$A" stats reset

# ---- config apply: diff, round trip, rollback ----
cat >"$TMP/v1.conf" <<'EOF'
# version 1
link attach dev wan0 role wan mode xdp-generic
link attach dev lan0 role lan mode xdp-generic
peer add site2 remote fd00::2 local auto
peer add site3 remote fd00::3 local fd00::1 encaplimit 4
route add 192.168.2.0/24 peer site2
route add 192.168.3.0/24 peer site3
route add 10.3.0.0/16 peer site3
EOF
cat >"$TMP/v2.conf" <<'EOF'
link attach dev wan0 role wan mode xdp-generic
link attach dev lan0 role lan mode tc
peer add site2 remote fd00::2 local auto hoplimit 10
peer add site4 remote fd00::4 local fd00::1
route add 192.168.2.0/24 peer site2
route add 192.168.4.0/24 peer site4
route add 10.3.0.0/16 peer site4
EOF
ok "config check" "$T" config check "$TMP/v1.conf"
printf 'peer add a remote fd00::2 local auto\nroute add 10.0.0.1/8 peer a\nroute add 10.1.0.0/16 peer b\n' >"$TMP/bad.conf"
run "$T" config check "$TMP/bad.conf"
if [ "$rc" = 1 ] && grep -q "bad.conf:2: .*10.0.0.0/8" "$TMP/err" && grep -q "bad.conf:3: .*peer b" "$TMP/err"; then
	pass "config check reports every error with its line"
else
	fail "config check errors" "$rc $(cat "$TMP/err")"
fi
before=$("$T" -n "$A" config show | grep -v '^#')
run "$T" -n "$A" config apply "$TMP/bad.conf"
if [ "$rc" = 1 ] && [ "$("$T" -n "$A" config show | grep -v '^#')" = "$before" ]; then pass "invalid file: nothing applied"; else
	fail "invalid file" "rc $rc"
fi
ok "config apply v1" "$T" -n "$A" config apply "$TMP/v1.conf"
norm() { grep -v '^#' "$1" | sed 's/ *$//' | sort; }
"$T" -n "$A" config show >"$TMP/show1"
if [ "$(norm "$TMP/show1")" = "$(norm "$TMP/v1.conf")" ]; then pass "config show equals the applied file"; else
	fail "config show after apply" "$(diff <(norm "$TMP/show1") <(norm "$TMP/v1.conf"))"
fi
run "$T" -n "$A" config apply "$TMP/show1"
if [ "$rc" = 0 ] && grep -q "no change" "$TMP/out"; then pass "round trip apply-show-apply: no change"; else
	fail "round trip" "$(cat "$TMP/out" "$TMP/err")"
fi
peers1=$(bpftool -j map dump pinned "$(pin_dir "$A")/tun46_peers" 2>/dev/null | md5sum)
# rollback: make the N+1-th map write fail, for N = 0, 1, 2, ...
rb_ok=1 rb_cases=0
for n in 0 1 2 3 4 5 6 7 8 9 10 12 15 20; do
	TUN46_FAIL_AFTER=$n "$T" -n "$A" config apply "$TMP/v2.conf" >"$TMP/out" 2>"$TMP/err"
	r=$?
	now=$("$T" -n "$A" config show | grep -v '^#')
	if [ "$r" = 0 ]; then
		"$T" -n "$A" config apply "$TMP/v1.conf" >/dev/null 2>&1 # back to v1 for the next case
		continue
	fi
	rb_cases=$((rb_cases + 1))
	if [ "$now" != "$(grep -v '^#' "$TMP/show1")" ] || ! grep -q "rolled back" "$TMP/err"; then
		rb_ok=0
		fail "rollback with TUN46_FAIL_AFTER=$n" "$(cat "$TMP/err"; diff <(echo "$now") <(grep -v '^#' "$TMP/show1"))"
		break
	fi
done
if [ "$rb_ok" = 1 ] && [ "$rb_cases" -ge 3 ]; then pass "rollback leaves the state unchanged ($rb_cases failure points)"; else
	[ "$rb_ok" = 1 ] && fail "rollback" "only $rb_cases failure points were hit"
fi
"$T" -n "$A" config apply "$TMP/v1.conf" >/dev/null 2>&1
if [ "$(bpftool -j map dump pinned "$(pin_dir "$A")/tun46_peers" 2>/dev/null | md5sum)" = "$peers1" ]; then
	pass "peer map identical after the rollbacks"
else
	fail "peer map after rollbacks" "differs"
fi
# route show reads the per-peer route index (lib/ridx.c): after the rollbacks
# it must list exactly what the route trie holds (prefix and peer id)
trie_routes() {
	bpftool -j map dump pinned "$(pin_dir "$A")/tun46_routes" | jq -r '.[] | .formatted | (.key.addr |
		"\(. % 256).\(. / 256 | floor % 256).\(. / 65536 | floor % 256).\(. / 16777216 | floor)") +
		"/\(.key.prefixlen) \(.value.peer_id)"' | sort
}
idx=$("$T" -n "$A" -j route show | jq -r '.[] | "\(.dst) \(.peer_id)"' | sort)
trie=$(trie_routes)
if [ -n "$trie" ] && [ "$idx" = "$trie" ]; then pass "route index matches the route map after the rollbacks"; else
	fail "route index after rollbacks" "$(diff <(echo "$idx") <(echo "$trie") | head -5)"
fi
run "$T" -n "$A" config apply "$TMP/v2.conf"
if [ "$rc" = 0 ] && grep -q "peers: 1 added, 1 changed, 1 removed; routes: 1 added, 1 changed, 1 removed" "$TMP/out"; then
	pass "config apply v1->v2 diff"
else
	fail "config apply v1->v2" "$(cat "$TMP/out" "$TMP/err")"
fi
"$T" -n "$A" config show >"$TMP/show2"
if [ "$(norm "$TMP/show2")" = "$(norm "$TMP/v2.conf")" ]; then pass "config show equals v2"; else
	fail "config show v2" "$(diff <(norm "$TMP/show2") <(norm "$TMP/v2.conf"))"
fi

# ---- batch ----
cat >"$TMP/batch" <<'EOF'
# a batch
peer add b1 remote fd00::b1 local auto
route add 172.16.0.0/12 peer b1
route add 172.16.0.0/12 peer b1
route add 172.17.0.0/16 peer b1
EOF
run "$T" -n "$A" -batch "$TMP/batch"
if [ "$rc" = 1 ] && grep -q "batch:4: " "$TMP/err" && ! "$T" -n "$A" route show | grep -q 172.17; then
	pass "batch stops at the first error and names the line"
else
	fail "batch stop" "rc $rc $(cat "$TMP/err")"
fi
"$T" -n "$A" -force peer del b1 >/dev/null 2>&1
run "$T" -n "$A" -force -batch "$TMP/batch"
if [ "$rc" = 1 ] && "$T" -n "$A" route show | grep -q 172.17; then pass "batch -force continues past errors"; else
	fail "batch -force" "rc $rc $(cat "$TMP/err")"
fi

# a backend error in a batch names its line too (the library's message goes
# through the command's print function, which knows the line)
printf '# line 1\nroute show\nlink attach dev nosuch0 role lan mode tc\nroute show\n' >"$TMP/batch3"
run "$T" -n "$A" -batch "$TMP/batch3"
if [ "$rc" = 1 ] && grep -q "^tun46: $TMP/batch3:3: .*nosuch0" "$TMP/err"; then
	pass "batch: a backend error names FILE:3 ($(head -n 1 "$TMP/err"))"
else
	fail "batch: backend error without FILE:LINE" "rc $rc: $(cat "$TMP/err")"
fi

# ---- a second command waiting on the state lock says so, once ----
d=$(pin_dir "$A")
if [ -n "$d" ] && command -v flock >/dev/null; then
	flock -x "$d" sleep 2 &
	holder=$!
	sleep 0.3
	start=$(date +%s%N)
	run "$T" -n "$A" link show
	ms=$((($(date +%s%N) - start) / 1000000))
	wait "$holder"
	if [ "$rc" = 0 ] && [ "$(grep -c 'waiting for the state lock' "$TMP/err")" = 1 ] &&
		grep -q "held by another tun46 (pid $holder)" "$TMP/err" && [ "$ms" -ge 1000 ]; then
		pass "lock: the waiter says once who holds the lock ($(cat "$TMP/err"); waited $ms ms)"
	else
		fail "lock: waiting message" "rc $rc, waited $ms ms, holder pid $holder: $(cat "$TMP/err")"
	fi
	run "$T" -n "$A" link show
	if [ "$rc" = 0 ] && [ ! -s "$TMP/err" ]; then pass "lock: nothing said when the lock is free"; else
		fail "lock: message without a holder" "rc $rc: $(cat "$TMP/err")"
	fi
else
	fail "lock test" "no state pinned in $A ('$d') or no flock(1)"
fi

# ---- scale: 100,000 routes ----
python3 - "$TMP/big.conf" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("link attach dev wan0 role wan mode xdp-generic\npeer add big remote fd00::99 local auto\n")
    for i in range(100000):
        f.write("route add %d.%d.%d.0/24 peer big\n" % (20 + (i >> 16), (i >> 8) & 255, i & 255))
EOF
"$T" -n "$A" config apply /dev/null >/dev/null 2>&1
t0=$(date +%s.%N)
run "$T" -n "$A" config apply "$TMP/big.conf"
t1=$(date +%s.%N)
secs=$(python3 -c "print('%.2f' % ($t1 - $t0))")
n=$(map_count "$A" tun46_routes)
mem=$(bpftool -j map show pinned "$(pin_dir "$A")/tun46_routes" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin).get("bytes_memlock","?"))' 2>/dev/null)
krt=$(ip -n "$A" route show dev tun46 2>/dev/null | wc -l)
echo "# 100000 routes: config apply took $secs s wall ($(grep -o '([0-9.]* s)' "$TMP/out")); routes map memlock $mem bytes; kernel routes via tun46: $krt"
if [ "$rc" = 0 ] && [ "$n" = 100000 ] && python3 -c "import sys; sys.exit(0 if $secs < 5 else 1)"; then
	pass "100000 routes applied in $secs s"
else
	fail "100000 routes" "rc $rc, $n routes, $secs s: $(head -c 300 "$TMP/err")"
fi
t0=$(date +%s.%N)
run "$T" -n "$A" config apply /dev/null
t1=$(date +%s.%N)
secs=$(python3 -c "print('%.2f' % ($t1 - $t0))")
if [ "$rc" = 0 ] && [ -z "$(pin_dir "$A")" ]; then pass "100000 routes removed in $secs s, state gone"; else
	fail "remove 100000 routes" "rc $rc $(head -c 300 "$TMP/err")"
fi

# ---- stats map sizing: max_peers x 6 by default, TUN46_MAX_STATS overrides ----
stats_size() { bpftool -j map show pinned "$(pin_dir "$A")/tun46_stats" 2>/dev/null | jq -r '.max_entries // empty'; }
TUN46_MAX_PEERS=8 run "$T" -n "$A" peer add s8 remote fd00::8 local fd00::1
sz=$(stats_size)
if [ "$rc" = 0 ] && [ "$sz" = 48 ]; then pass "TUN46_MAX_PEERS=8: tun46_stats has 48 entries"; else
	fail "stats map follows TUN46_MAX_PEERS" "exit $rc, max_entries '$sz' (want 48): $(cat "$TMP/err")"
fi
full=$("$T" -n "$A" -j stats | jq -r '.total.stats_map_full')
if [ "$full" = 0 ]; then pass "stats_map_full shown (0)"; else fail "stats_map_full in -j stats" "got '$full'"; fi
"$T" -n "$A" config apply /dev/null >/dev/null 2>&1
TUN46_MAX_PEERS=8 TUN46_MAX_STATS=5 run "$T" -n "$A" peer add s8 remote fd00::8 local fd00::1
sz=$(stats_size)
if [ "$rc" = 0 ] && [ "$sz" = 5 ]; then pass "TUN46_MAX_STATS=5 overrides"; else
	fail "TUN46_MAX_STATS override" "exit $rc, max_entries '$sz' (want 5)"
fi
run "$T" -n "$A" peer add s9 remote fd00::9 local fd00::1
sz=$(stats_size)
if [ "$sz" = 5 ]; then pass "stats map size fixed at first load"; else fail "stats map size at reuse" "'$sz'"; fi
"$T" -n "$A" config apply /dev/null >/dev/null 2>&1
run "$T" -n "$A" peer add s8 remote fd00::8 local fd00::1
sz=$(stats_size)
if [ "$sz" = 1536 ]; then pass "default: 256 peers x 6 = 1536 stats entries"; else fail "default stats size" "'$sz' (want 1536)"; fi
"$T" -n "$A" config apply /dev/null >/dev/null 2>&1

[ "$fails" = 0 ]
