#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# tun46 demo (`make demo`, as root): two sites in network namespaces,
#
#   h1 192.168.1.2 -- r1 [lan0 192.168.1.1 | wan0 fd00::1] -- [wan0 fd00::2 | lan0 192.168.2.1] r2 -- h2 192.168.2.2
#
# tun46 on both routers, a ping and a short TCP transfer across, the counters
# of both sides, then everything is removed (also on Ctrl-C or failure).
# DEMO_MODE=tc|xdp-generic picks another attach mode (default: xdp).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$(pwd)/$BUILD" ;; esac
TUN46=${TUN46:-$BUILD/tun46}
MODE=${DEMO_MODE:-xdp}

if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (network namespaces, BPF); run: sudo make demo" >&2
	exit 1
fi
if [ ! -x "$TUN46" ]; then
	echo "demo: $TUN46 is missing; run: make all" >&2
	exit 1
fi
for t in ip ethtool ping socat sha256sum; do
	command -v "$t" >/dev/null || {
		echo "demo: $t is missing; run: make deps" >&2
		exit 1
	}
done

P="t46demo-$$-"
H1=${P}h1 R1=${P}r1 R2=${P}r2 H2=${P}h2
TMP=$(mktemp -d /tmp/tun46-demo.XXXXXX)
CREATED=()
ATTACHED=()

bold() { if [ -t 1 ]; then printf '\n\033[1m== %s\033[0m\n' "$*"; else printf '\n== %s\n' "$*"; fi; }
# run CMD...: print it, run it, stop the demo if it fails
run() {
	echo "+ $*"
	"$@" || {
		echo "demo: FAILED: $*" >&2
		exit 1
	}
}
# t46 NS ARGS...: print and run a tun46 command in a router namespace
t46() {
	local ns=$1
	shift
	echo "+ tun46 -n $ns $*"
	"$TUN46" -n "$ns" "$@" || {
		echo "demo: FAILED: tun46 -n $ns $*" >&2
		exit 1
	}
}

teardown() {
	local rc=$?
	trap - EXIT INT TERM
	bold "teardown"
	local a
	for a in "${ATTACHED[@]}"; do
		# shellcheck disable=SC2086
		set -- $a
		echo "+ tun46 -n $1 link detach dev $2"
		"$TUN46" -n "$1" link detach dev "$2" >/dev/null 2>&1
	done
	: >"$TMP/empty.conf"
	for a in "$R1" "$R2"; do
		if ip netns pids "$a" >/dev/null 2>&1; then
			echo "+ tun46 -n $a config apply <empty file>     # removes peers, routes and pins"
			"$TUN46" -n "$a" config apply "$TMP/empty.conf" >/dev/null 2>&1
		fi
	done
	for a in "${CREATED[@]}"; do
		echo "+ ip netns del $a"
		ip netns del "$a" 2>/dev/null
	done
	rm -rf "$TMP"
	if [ "$rc" = 0 ]; then echo "demo: done"; else echo "demo: failed (exit $rc)" >&2; fi
	exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

bold "topology: h1 -- r1 ==(IPv6 WAN, ip4ip6)== r2 -- h2   (mode $MODE)"
for n in "$H1" "$R1" "$R2" "$H2"; do
	run ip netns add "$n"
	CREATED+=("$n")
	ip -n "$n" link set lo up
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
run ip link add eth0 netns "$H1" type veth peer name lan0 netns "$R1"
run ip link add wan0 netns "$R1" type veth peer name wan0 netns "$R2"
run ip link add lan0 netns "$R2" type veth peer name eth0 netns "$H2"
run ip -n "$H1" addr add 192.168.1.2/24 dev eth0
run ip -n "$R1" addr add 192.168.1.1/24 dev lan0
run ip -n "$R1" addr add fd00::1/64 dev wan0 nodad
run ip -n "$R2" addr add fd00::2/64 dev wan0 nodad
run ip -n "$R2" addr add 192.168.2.1/24 dev lan0
run ip -n "$H2" addr add 192.168.2.2/24 dev eth0
for n in "$H1" "$H2"; do
	ip -n "$n" link set eth0 up
	run ip -n "$n" route add default via "$([ "$n" = "$H1" ] && echo 192.168.1.1 || echo 192.168.2.1)"
done
for n in "$R1" "$R2"; do
	ip -n "$n" link set lan0 up
	ip -n "$n" link set wan0 up
	run ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
done
echo "# veth only: XDP_REDIRECT into a veth needs GRO on its peer, and a veth with TX checksum offload"
echo "# would send unfinished checksums through XDP (real NICs finish them); so on every veth:"
for n in "$H1" "$H2"; do
	run ip netns exec "$n" ethtool -K eth0 gro on tx off >/dev/null
done
for n in "$R1" "$R2"; do
	for i in lan0 wan0; do
		ip netns exec "$n" ethtool -K "$i" gro on >/dev/null 2>&1
		[ "$MODE" = xdp ] && ip netns exec "$n" ethtool -K "$i" tx off >/dev/null 2>&1
	done
done

bold "site 1 (r1): peer site2, route to its LAN, attach WAN and LAN"
t46 "$R1" peer add site2 remote fd00::2 local fd00::1
t46 "$R1" route add 192.168.2.0/24 peer site2
t46 "$R1" link attach dev wan0 role wan mode "$MODE"
ATTACHED+=("$R1 wan0")
t46 "$R1" link attach dev lan0 role lan mode "$MODE"
ATTACHED+=("$R1 lan0")

bold "site 2 (r2): the mirror image (local and remote swapped)"
t46 "$R2" peer add site1 remote fd00::1 local fd00::2
t46 "$R2" route add 192.168.1.0/24 peer site1
t46 "$R2" link attach dev wan0 role wan mode "$MODE"
ATTACHED+=("$R2 wan0")
t46 "$R2" link attach dev lan0 role lan mode "$MODE"
ATTACHED+=("$R2 lan0")

bold "state on r1"
t46 "$R1" peer show
t46 "$R1" route show
t46 "$R1" link show
run ip -n "$R1" route show

bold "ping h1 -> h2 across the tunnel"
run ip netns exec "$H1" ping -c 3 -i 0.2 192.168.2.2

bold "TCP transfer h1 -> h2 (64 MiB, sha256 checked at the receiver)"
head -c $((64 << 20)) /dev/urandom >"$TMP/data"
echo "+ ip netns exec $H2 socat -u TCP-LISTEN:5201,reuseaddr OPEN:received,creat,trunc &"
ip netns exec "$H2" timeout 60 socat -u TCP-LISTEN:5201,reuseaddr "OPEN:$TMP/received,creat,trunc" &
rpid=$!
for _ in $(seq 1 50); do
	ip netns exec "$H2" ss -lnt 'sport = :5201' | grep -q 5201 && break
	sleep 0.1
done
echo "+ ip netns exec $H1 socat -u OPEN:data TCP:192.168.2.2:5201"
t0=$(date +%s.%N)
ip netns exec "$H1" timeout 60 socat -u "OPEN:$TMP/data" TCP:192.168.2.2:5201 || {
	echo "demo: FAILED: TCP transfer" >&2
	exit 1
}
wait "$rpid"
t1=$(date +%s.%N)
a=$(sha256sum <"$TMP/data" | cut -d' ' -f1)
b=$(sha256sum <"$TMP/received" | cut -d' ' -f1)
awk -v t0="$t0" -v t1="$t1" 'BEGIN { d = t1 - t0; printf "64 MiB in %.2f s = %.0f Mbit/s (one veth pair per hop, 2 cores shared with the sender)\n", d, 64 * 8 * 1.048576 / d }'
if [ "$a" = "$b" ]; then
	echo "sha256 sent = received: $a"
else
	echo "demo: FAILED: sha256 sent $a, received $b" >&2
	exit 1
fi

bold "counters on r1 (encapsulating side for h1 -> h2)"
t46 "$R1" stats
bold "counters on r2 (decapsulating side)"
t46 "$R2" stats
