# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
# Shared helpers for the tun46 end-to-end tests (sourced; tests/run.sh skips lib*.sh).
#
# Topology (../shared/README.md section 5), built in uniquely named namespaces:
#
#   h1 eth0 192.168.1.2/24 -- lan0 192.168.1.1/24  r1  wan0 fd00::1/64 --
#   -- wan0 fd00::2/64  r2  lan0 192.168.2.1/24 -- eth0 192.168.2.2/24 h2
#
# With TOPO_BRIDGE=1 the WAN is a bridge in a switch namespace ($SW) with a
# third WAN station $EVIL (fd00::66/64, eth0) for spoofing tests.
# With TOPO_MIDDLE=1 an IPv6 router $MID (fd00::fe, IPv6 forwarding on) sits
# between the sites: r1 wan0 -- w1 $MID w2 -- r2 wan0 (see topo_middle_up).
#
# Every namespace and every tun46 attachment made here is removed by an EXIT
# trap, pass or fail.  Results are printed as "PASS name" / "FAIL name: why" /
# "SKIP name: why"; e2e_finish exits non-zero if anything failed.

set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$E2E_DIR/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
TUN46=${TUN46:-$BUILD/tun46}
PKT="$E2E_DIR/lib_pkt.py"
PY=${PY:-$(command -v python3)}
# Modes every test runs in; E2E_MODES="tc" narrows it while debugging.
E2E_MODES=${E2E_MODES:-"xdp xdp-generic tc"}
E2E_VERBOSE=${E2E_VERBOSE:-0}

E2E_PREFIX="t46-$$-"
E2E_TMP=$(mktemp -d "/tmp/tun46-e2e.$$.XXXXXX")
E2E_FAILS=0
E2E_PASSES=0
E2E_NS=()       # namespaces created (deleted in teardown)
E2E_ATTACHED=() # "NS IF" pairs tun46 was attached to (detached in teardown)
E2E_PIDS=()     # background processes started by the test
E2E_T46_NS=()   # namespaces where tun46 holds state (emptied in teardown)

# ---- result printers ----
pass() {
	echo "PASS $1"
	E2E_PASSES=$((E2E_PASSES + 1))
}
fail() {
	echo "FAIL $1: ${2:-failed}"
	E2E_FAILS=$((E2E_FAILS + 1))
}
skip() { echo "SKIP $1: ${2:-skipped}"; }
log() { [ "$E2E_VERBOSE" = 1 ] && echo "# $*" >&2 || echo "# $*"; }
# check NAME COND-DESCRIPTION -- evaluates "$@" (a test command); PASS/FAIL by its status
check() {
	local name=$1 why=$2
	shift 2
	if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}

e2e_finish() {
	if [ "$E2E_FAILS" -gt 0 ]; then
		exit 1
	fi
	exit 0
}

# ---- requirements ----
e2e_require() {
	local name=${1:-e2e}
	if [ "$(id -u)" != 0 ]; then
		skip "$name" "needs root (network namespaces)"
		exit 0
	fi
	local t missing=()
	for t in ip ethtool tcpdump socat jq ping sha256sum timeout; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	[ -n "$PY" ] || missing+=(python3)
	if [ "${#missing[@]}" -gt 0 ]; then
		fail "$name" "missing tools: ${missing[*]} (run: make deps)"
		exit 1
	fi
	if [ ! -x "$TUN46" ]; then
		fail "$name" "$TUN46 not built (run: make all)"
		exit 1
	fi
}

# ---- namespaces ----
nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

ns_new() { # ns_new VAR NAME: creates namespace $E2E_PREFIX$NAME, stores its name in VAR
	local ns=$E2E_PREFIX$2
	ip netns add "$ns" || return 1
	printf -v "$1" '%s' "$ns"
	E2E_NS+=("$ns")
	ip -n "$ns" link set lo up
	# DAD off for every address (link-local too), so addresses work at once.
	nsx "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.dad_transmits=0 net.ipv6.conf.default.dad_transmits=0
	# no router solicitations / MLD chatter to disturb counters
	nsx "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.all.router_solicitations=0 \
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
}

bg() { # bg CMD... : start in background, remember the pid for teardown
	"$@" &
	E2E_PIDS+=($!)
}

# tun46 wrapper: prints the command when E2E_VERBOSE=1; output to stdout
t46() {
	[ "$E2E_VERBOSE" = 1 ] && echo "+ tun46 $*" >&2
	"$TUN46" "$@"
}

topo_down() {
	local p a ns
	for p in "${E2E_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${E2E_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	E2E_PIDS=()
	for a in "${E2E_ATTACHED[@]}"; do
		# shellcheck disable=SC2086
		set -- $a
		ip netns pids "$1" >/dev/null 2>&1 || continue
		"$TUN46" -n "$1" link detach dev "$2" >/dev/null 2>&1 ||
			echo "# teardown: tun46 -n $1 link detach dev $2 failed" >&2
	done
	# then remove the rest of the state (peers, routes, pins under bpffs):
	# applying an empty configuration leaves nothing behind
	: >"$E2E_TMP/empty.conf"
	local seen=" "
	for a in "${E2E_ATTACHED[@]}" "${E2E_T46_NS[@]}"; do
		ns=${a%% *}
		case "$seen" in *" $ns "*) continue ;; esac
		seen+="$ns "
		ip netns pids "$ns" >/dev/null 2>&1 || continue
		"$TUN46" -n "$ns" config apply "$E2E_TMP/empty.conf" >/dev/null 2>&1 ||
			echo "# teardown: tun46 -n $ns config apply <empty file> failed" >&2
	done
	E2E_ATTACHED=()
	E2E_T46_NS=()
	for ns in "${E2E_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	E2E_NS=()
}

e2e_cleanup() {
	topo_down
	rm -rf "$E2E_TMP"
}

# netns_cookie NS: the namespace's cookie (SO_NETNS_COOKIE), which names
# tun46's pin directory /sys/fs/bpf/tun46/<cookie>
netns_cookie() {
	nsx "$1" "$PY" -c 'import socket, struct; s = socket.socket(); print(struct.unpack("Q", s.getsockopt(socket.SOL_SOCKET, 71, 8))[0])'
}
# pins_left COOKIE...: the pin directories among these that still exist
pins_left() {
	local c
	for c in "$@"; do
		[ -e "/sys/fs/bpf/tun46/$c" ] && printf '%s ' "/sys/fs/bpf/tun46/$c"
	done
	return 0
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

veth() { # veth NS1 IF1 NS2 IF2
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
}

# topo_up: build the four-namespace topology (no tun46, no tunnel config).
# Sets H1 R1 R2 H2 (and SW EVIL with TOPO_BRIDGE=1).
topo_up() {
	ns_new H1 h1 && ns_new R1 r1 && ns_new R2 r2 && ns_new H2 h2 || return 1
	veth "$H1" eth0 "$R1" lan0 || return 1
	veth "$R2" lan0 "$H2" eth0 || return 1
	if [ "${TOPO_BRIDGE:-0}" = 1 ]; then
		ns_new SW sw && ns_new EVIL evil || return 1
		ip -n "$SW" link add br0 type bridge
		ip -n "$SW" link set br0 type bridge stp_state 0 forward_delay 0
		veth "$R1" wan0 "$SW" p1 && veth "$R2" wan0 "$SW" p2 && veth "$EVIL" eth0 "$SW" p3 || return 1
		local p
		for p in p1 p2 p3; do
			ip -n "$SW" link set "$p" master br0
			ip -n "$SW" link set "$p" up
			# XDP_REDIRECT into a veth delivers only with GRO (or XDP) on the peer end
			nsx "$SW" ethtool -K "$p" gro on >/dev/null 2>&1
		done
		ip -n "$SW" link set br0 up
		ip -n "$EVIL" addr add fd00::66/64 dev eth0 nodad
		ip -n "$EVIL" link set eth0 up
	elif [ "${TOPO_MIDDLE:-0}" = 1 ]; then
		ns_new MID mid || return 1
		veth "$R1" wan0 "$MID" w1 && veth "$R2" wan0 "$MID" w2 || return 1
	else
		veth "$R1" wan0 "$R2" wan0 || return 1
	fi
	ip -n "$H1" addr add 192.168.1.2/24 dev eth0
	ip -n "$H1" link set eth0 up
	ip -n "$H1" route add default via 192.168.1.1
	ip -n "$H2" addr add 192.168.2.2/24 dev eth0
	ip -n "$H2" link set eth0 up
	ip -n "$H2" route add default via 192.168.2.1
	local r
	for r in "$R1" "$R2"; do
		nsx "$r" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	done
	ip -n "$R1" addr add 192.168.1.1/24 dev lan0
	ip -n "$R1" addr add fd00::1/64 dev wan0 nodad
	ip -n "$R2" addr add 192.168.2.1/24 dev lan0
	ip -n "$R2" addr add fd00::2/64 dev wan0 nodad
	for r in "$R1" "$R2"; do
		ip -n "$r" link set lan0 up
		ip -n "$r" link set wan0 up
		# GRO on so frames redirected by XDP into a veth are delivered
		nsx "$r" ethtool -K lan0 gro on >/dev/null 2>&1
		nsx "$r" ethtool -K wan0 gro on >/dev/null 2>&1
	done
	local h
	for h in "$H1" "$H2"; do
		nsx "$h" ethtool -K eth0 gro on >/dev/null 2>&1
	done
	if [ "${TOPO_MIDDLE:-0}" = 1 ]; then topo_middle_up || return 1; fi
}

# TOPO_MIDDLE=1: $MID routes between r1 (w1) and r2 (w2) with host routes;
# r1 and r2 keep fd00::1/64 and fd00::2/64 and reach each other (and
# fd00::fe) through it by static neighbour entries.  A real Linux router:
# it sends ICMPv6 errors (packet too big, unreachable) from fd00::fe.
topo_middle_up() {
	local i m1 m2
	nsx "$MID" sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
	ip -n "$MID" addr add fd00::fe/128 dev lo || return 1
	for i in w1 w2; do
		ip -n "$MID" link set "$i" up
		# XDP_REDIRECT into a veth delivers only with GRO (or XDP) on the peer end;
		# TX checksum off: what it forwards from a GRO aggregate would reach a
		# native XDP program with unfinished checksums (a veth artefact, see
		# hosts_for_mode; a real NIC finishes them)
		nsx "$MID" ethtool -K "$i" gro on tx off >/dev/null 2>&1
	done
	ip -n "$MID" -6 route add fd00::1/128 dev w1 || return 1
	ip -n "$MID" -6 route add fd00::2/128 dev w2 || return 1
	m1=$(mac_of "$MID" w1) && m2=$(mac_of "$MID" w2) || return 1
	for i in fd00::2 fd00::fe; do
		ip -n "$R1" -6 neigh replace "$i" lladdr "$m1" dev wan0 nud permanent || return 1
	done
	for i in fd00::1 fd00::fe; do
		ip -n "$R2" -6 neigh replace "$i" lladdr "$m2" dev wan0 nud permanent || return 1
	done
}

# Host preparation for a mode: in the XDP modes, TX checksum offload off on
# the hosts (an XDP redirect would forward CHECKSUM_PARTIAL packets unfinished,
# a veth-only artefact, see shared/README.md section 3).
#
# In native XDP mode the same holds for packets the routers send themselves
# (their own TCP through the tunnel device, or a kernel peer's GSO output): the
# WAN veth would hand CHECKSUM_PARTIAL skbs to the far router's XDP program,
# which redirects them with the checksum unfinished.  A real NIC finishes the
# checksum on transmit, so the routers' veths get TX checksum offload off too.
hosts_for_mode() {
	local mode=$1 h
	case "$mode" in
	xdp | xdp-generic)
		for h in "$H1" "$H2"; do
			nsx "$h" ethtool -K eth0 tx off >/dev/null 2>&1
		done
		;;
	esac
	if [ "$mode" = xdp ]; then
		for h in "$R1" "$R2"; do
			nsx "$h" ethtool -K wan0 tx off >/dev/null 2>&1
			nsx "$h" ethtool -K lan0 tx off >/dev/null 2>&1
		done
	fi
}

# A trivial XDP_PASS program for host veths when GRO is turned off in native
# XDP mode (a veth delivers XDP_REDIRECTed frames only with GRO or XDP on).
xdp_pass_obj() {
	local o="$E2E_TMP/xdp_pass.o"
	if [ ! -f "$o" ]; then
		printf '%s\n' '#include <linux/bpf.h>' \
			'__attribute__((section("xdp"), used)) int xdp_pass(struct xdp_md *ctx) { return XDP_PASS; }' \
			'char _license[] __attribute__((section("license"), used)) = "GPL";' >"$E2E_TMP/xdp_pass.c"
		clang -O2 -target bpf -I"/usr/include/$(gcc -print-multiarch)" -c "$E2E_TMP/xdp_pass.c" -o "$o" || return 1
	fi
	echo "$o"
}

# host_offloads on|off MODE: GSO/TSO/GRO at both hosts (TSO needs TX checksum,
# which the XDP modes turn off, so there it stays off).
host_offloads() {
	local state=$1 mode=$2 h
	for h in "$H1" "$H2"; do
		nsx "$h" ethtool -K eth0 gso "$state" gro "$state" >/dev/null 2>&1
		case "$mode" in tc) nsx "$h" ethtool -K eth0 tso "$state" >/dev/null 2>&1 ;; esac
		if [ "$state" = off ] && [ "$mode" = xdp ]; then
			ip -n "$h" link set dev eth0 xdpdrv obj "$(xdp_pass_obj)" sec xdp 2>/dev/null
		elif [ "$mode" = xdp ]; then
			ip -n "$h" link set dev eth0 xdpdrv off 2>/dev/null
		fi
	done
}

# tun46_site NS LANIF WANIF MODE LOCAL6 REMOTE6 REMOTEPREFIX [PEER-OPTIONS...]
# Configures a tun46 router: peer "site", route, WAN and LAN attached in MODE.
tun46_site() {
	local ns=$1 lan=$2 wan=$3 mode=$4 local6=$5 remote6=$6 prefix=$7
	shift 7
	local out
	E2E_T46_NS+=("$ns")
	out=$(t46 -n "$ns" peer add site remote "$remote6" local "$local6" "$@" 2>&1) || {
		echo "tun46 -n $ns peer add site remote $remote6 local $local6 $*: $out"
		return 1
	}
	out=$(t46 -n "$ns" route add "$prefix" peer site 2>&1) || {
		echo "tun46 -n $ns route add $prefix peer site: $out"
		return 1
	}
	tun46_attach "$ns" "$wan" wan "$mode" || return 1
	tun46_attach "$ns" "$lan" lan "$mode" || return 1
}

tun46_attach() { # NS IF ROLE MODE
	local out
	out=$(t46 -n "$1" link attach dev "$2" role "$3" mode "$4" 2>&1) || {
		echo "tun46 -n $1 link attach dev $2 role $3 mode $4: $out"
		return 1
	}
	E2E_ATTACHED+=("$1 $2")
}

# kernel_site NS LANIF WANIF LOCAL6 REMOTE6 REMOTEPREFIX NEXTHOP4
# The kernel interop peer: SRv6 encap.red (one segment, no routing header,
# outer next header 4: the bytes of ip6tnl ip4ip6 without the encap-limit
# option) toward REMOTE6, and End.DX4 decapsulation of ip4ip6 sent to LOCAL6,
# forwarding the inner packet to NEXTHOP4 on the LAN.
# Note: the kernel SRv6 path does not apply the tunnel overhead to IPv4 path
# MTU: a DF packet that no longer fits after encapsulation is silently dropped
# (a route "mtu 1460" does not help), so hosts behind it need MTU <= 1460.
#
# LOCAL6 is the WAN address itself (as with ip6tnl).  The local table would
# deliver ip4ip6 for it to the host, which has no ip6_tunnel (ICMPv6 parameter
# problem, Ip6InUnknownProtos), so a policy rule ahead of the local table sends
# only protocol-4 packets for LOCAL6 to a table that holds the End.DX4 route.
kernel_site() {
	local ns=$1 lan=$2 wan=$3 local6=$4 remote6=$5 prefix=$6 nh4=$7
	nsx "$ns" sysctl -qw net.ipv6.conf.all.seg6_enabled=1 net.ipv6.conf.default.seg6_enabled=1 \
		"net.ipv6.conf.$wan.seg6_enabled=1" || return 1
	ip -n "$ns" sr tunsrc set "$local6" || return 1
	ip -n "$ns" route add "$prefix" encap seg6 mode encap.red segs "$remote6" dev "$wan" || return 1
	ip -n "$ns" -6 route add "$local6/128" encap seg6local action End.DX4 nh4 "$nh4" dev "$wan" table 146 || return 1
	ip -n "$ns" -6 rule add pref 100 to "$local6/128" ipproto 4 lookup 146 || return 1
	ip -n "$ns" -6 rule del pref 0 lookup local || return 1
	ip -n "$ns" -6 rule add pref 1000 lookup local || return 1
	: "$lan"
}

# seg6_unavailable: when this kernel cannot be the kernel SRv6 peer of
# kernel_site (no seg6 lwtunnel), prints why and succeeds; otherwise fails
# silently (also when the probe could not tell: kernel_site's own failure
# then shows).  Probes once, in a throwaway namespace (scripts/probe-seg6.sh).
seg6_unavailable() {
	local why rc=0
	why=$(bash "$ROOT/scripts/probe-seg6.sh") || rc=$?
	[ "$rc" = 1 ] || return 1
	echo "$why"
}

# The standard two tun46 sites of section 5 in MODE (extra args: peer options for both)
two_sites() {
	local mode=$1
	shift
	tun46_site "$R1" lan0 wan0 "$mode" fd00::1 fd00::2 192.168.2.0/24 "$@" || return 1
	tun46_site "$R2" lan0 wan0 "$mode" fd00::2 fd00::1 192.168.1.0/24 "$@" || return 1
}

# ---- traffic ----

# wait_listen NS tcp|udp PORT: wait until something listens on PORT in NS
wait_listen() {
	local i flag=-lnt
	[ "$2" = udp ] && flag=-lnu
	for i in $(seq 1 50); do
		nsx "$1" ss "$flag" "sport = :$3" 2>/dev/null | grep -q ":$3" && return 0
		sleep 0.1
	done
	return 1
}

# ping_ok NS DST [ping options...]: prints the received count
ping_count() {
	local ns=$1 dst=$2
	shift 2
	nsx "$ns" ping -n -q "$@" "$dst" 2>&1 | sed -n 's/.* \([0-9]\+\) received.*/\1/p'
}

# tcp_transfer SRC_NS DST_NS DST_IP MB [PORT]: send MB MiB of random data with
# socat, compare sha256 at the receiver.  Prints "ok SECONDS MBITS" or an error.
tcp_transfer() {
	local src=$1 dst=$2 ip=$3 mb=$4 port=${5:-5201}
	local in="$E2E_TMP/tx.$mb" out="$E2E_TMP/rx.$$.$RANDOM"
	[ -f "$in" ] || head -c "$((mb * 1048576))" /dev/urandom >"$in"
	nsx "$dst" timeout 35 socat -u "TCP-LISTEN:$port,reuseaddr" "OPEN:$out,creat,trunc" &
	local rpid=$!
	if ! wait_listen "$dst" tcp "$port"; then
		kill "$rpid" 2>/dev/null
		echo "receiver did not start"
		return 1
	fi
	local t0 t1
	t0=$(date +%s.%N)
	if ! nsx "$src" timeout 30 socat -u "OPEN:$in" "TCP:$ip:$port,connect-timeout=5" 2>"$E2E_TMP/socat.err"; then
		kill "$rpid" 2>/dev/null
		wait "$rpid" 2>/dev/null
		echo "sender failed: $(head -c 300 "$E2E_TMP/socat.err")"
		return 1
	fi
	wait "$rpid"
	t1=$(date +%s.%N)
	local a b
	a=$(sha256sum <"$in" | cut -d' ' -f1)
	b=$(sha256sum <"$out" 2>/dev/null | cut -d' ' -f1)
	local got
	got=$(stat -c %s "$out" 2>/dev/null || echo 0)
	rm -f "$out"
	if [ "$a" != "$b" ]; then
		echo "checksum mismatch: sent $((mb * 1048576)) bytes, received $got bytes"
		return 1
	fi
	awk -v t0="$t0" -v t1="$t1" -v mb="$mb" 'BEGIN { d = t1 - t0; printf "ok %.2fs %.0f Mbit/s\n", d, mb * 8 * 1.048576 / d }'
}

# udp_burst SRC_NS DST_NS DST_IP COUNT [SIZE] [INTERVAL] [PORT]: prints the
# receiver's summary ("received R unique U lost L first F last X").
udp_burst() {
	local src=$1 dst=$2 ip=$3 count=$4 size=${5:-200} interval=${6:-0.0005} port=${7:-4747}
	local res="$E2E_TMP/udp.$RANDOM"
	nsx "$dst" "$PY" "$PKT" udp-recv --port "$port" --count "$count" --idle 2 --max-time $((5 + count / 100)) --tag "u$port" >"$res" &
	local rpid=$!
	wait_listen "$dst" udp "$port" || {
		kill "$rpid" 2>/dev/null
		echo "receiver did not start"
		return 1
	}
	nsx "$src" "$PY" "$PKT" udp-send --dst "$ip" --port "$port" --count "$count" --size "$size" \
		--interval "$interval" --tag "u$port" >/dev/null
	wait "$rpid"
	cat "$res"
	rm -f "$res"
}

# ---- counters ----

# stats_json NS: the JSON of `tun46 -n NS -j stats`
stats_json() { "$TUN46" -n "$1" -j stats 2>/dev/null; }

# counter NS NAME [JSON]: total of counter NAME in NS (sum over every object
# that holds a key NAME, excluding objects named "total"/"totals" if per-entry
# objects exist -- see _counter_jq).
counter() {
	local json=${3:-}
	[ -n "$json" ] || json=$(stats_json "$1")
	printf '%s' "$json" | jq -r --arg c "$2" "$(_counter_jq)" 2>/dev/null || echo "?"
}
_counter_jq() {
	# Prefer a top-level "total"/"totals" object; else sum every occurrence.
	cat <<'EOF'
if (type == "object") and ((.total? // .totals?) | type) == "object" and ((.total // .totals) | has($c))
then (.total // .totals)[$c]
else ([.. | objects | select(has($c)) | .[$c] | numbers] | add // 0)
end
EOF
}

# ---- captures ----

# capture_start NS IF FILE [FILTER...]: tcpdump -xx in the background
capture_start() {
	local ns=$1 ifn=$2 file=$3
	shift 3
	ip netns exec "$ns" tcpdump -l -nn -xx -i "$ifn" "$@" >"$file" 2>"$file.err" &
	E2E_PIDS+=($!)
	CAPTURE_PID=$!
	local i
	for i in $(seq 1 30); do
		grep -q 'listening on' "$file.err" 2>/dev/null && return 0
		sleep 0.1
	done
	return 0
}
capture_stop() {
	sleep 0.3
	kill "${CAPTURE_PID:-0}" 2>/dev/null
	wait "${CAPTURE_PID:-0}" 2>/dev/null
}

# capture_ip6_frames FILE: prints, per captured IPv6 frame, the hex of the
# Ethernet+IPv6 bytes as one line (tcpdump -xx output joined).
capture_frames() {
	awk '/^[0-9]/ { if (h != "") print h; h = ""; next } /^\t0x/ { for (i = 2; i <= NF; i++) h = h $i } END { if (h != "") print h }' "$1"
}

# mac_of NS IF
mac_of() { ip -n "$1" -j link show dev "$2" | jq -r '.[0].address'; }

# if_stat NS IF COUNTER (rx_packets, ...)
if_stat() { nsx "$1" cat "/sys/class/net/$2/statistics/$3"; }

# setup NAME CMD...: run a setup step; on failure print "FAIL NAME: <its output>"
setup() {
	local name=$1
	shift
	if ! "$@" >"$E2E_TMP/setup.out" 2>&1; then
		fail "$name" "$(tr '\n' ' ' <"$E2E_TMP/setup.out" | head -c 600)"
		return 1
	fi
}

# mode_up MODE [PEER-OPTIONS]: fresh topology with two tun46 sites in MODE.
# Prints FAIL MODE/setup and returns 1 when it could not be built.
mode_up() {
	local mode=$1
	shift
	topo_up >"$E2E_TMP/setup.out" 2>&1 || {
		fail "$mode/setup" "topology: $(head -c 400 "$E2E_TMP/setup.out")"
		return 1
	}
	hosts_for_mode "$mode"
	setup "$mode/setup" two_sites "$mode" "$@"
}

# field VALUE-OR-?: 0 when a counter could not be read (the caller's
# comparison then fails with the value shown)
num() { case "$1" in '' | *[!0-9]*) echo -1 ;; *) echo "$1" ;; esac; }
