#!/usr/bin/env bash
# bench/lib.sh — topology and measurement helpers shared by scripts/bench.sh
# and tests/bench/smoke.sh.  Source it; it defines functions only.
#
# Topology (../shared/README.md §5), namespaces suffixed with $BSFX:
#   h1 (bh1 192.168.1.2) -- (b1lan 192.168.1.1) r1 (b1wan fd00::1, 10.0.0.1)
#      -- (b2wan fd00::2, 10.0.0.2) r2 (b2lan 192.168.2.1) -- (bh2 192.168.2.2) h2
# Interface names are unique to the bench so that the threaded-NAPI kthreads
# ("napi/b1lan-N") can be found and pinned.

BUILD=${BUILD:-build}
BSFX=${BSFX:-$$}
H1=bh1-$BSFX R1=br1-$BSFX R2=br2-$BSFX H2=bh2-$BSFX
GEN_CPU=${GEN_CPU:-0}
RX_CPU=${RX_CPU:-1}
# Interfaces whose NAPI runs in a kthread pinned to RX_CPU.  Default: the two
# interfaces where traffic enters the router pair (r1 LAN, r2 LAN); the next
# hops' NAPI then runs as softirq on the same CPU right after each poll, so
# the whole path is one pipeline on RX_CPU.
NAPI_THREADED=${NAPI_THREADED:-b1lan b2lan}

blog() { printf '%s\n' "$*" >&2; }

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

mac_of() { ip -n "$1" -j link show dev "$2" | sed -n 's/.*"address":"\([0-9a-f:]*\)".*/\1/p'; }

topo_down() {
	local ns
	for ns in "$H1" "$R1" "$R2" "$H2"; do
		if [ -n "${TUN46:-}" ] && [ -x "$TUN46" ] && { [ "$ns" = "$R1" ] || [ "$ns" = "$R2" ]; }; then
			local d
			for d in b1lan b1wan b2lan b2wan; do
				"$TUN46" -n "$ns" link detach dev "$d" >/dev/null 2>&1 || true
			done
			# an empty desired state removes peers, routes and so the pins
			"$TUN46" -n "$ns" config apply /dev/null >/dev/null 2>&1 || true
		fi
		ip netns del "$ns" 2>/dev/null || true
	done
}

# topo_up: namespaces, veths, addresses, static neighbours, forwarding.
# No routes between the sites: path_* functions add them.
topo_up() {
	local ns
	topo_down
	for ns in "$H1" "$R1" "$R2" "$H2"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up
	done
	ip -n "$H1" link add bh1 type veth peer name b1lan netns "$R1" || return 1
	ip -n "$R1" link add b1wan type veth peer name b2wan netns "$R2" || return 1
	ip -n "$R2" link add b2lan type veth peer name bh2 netns "$H2" || return 1
	for ns in "$R1" "$R2"; do
		nsx "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
			net.ipv6.conf.all.seg6_enabled=1 net.ipv6.conf.default.seg6_enabled=1 \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 >/dev/null
	done
	for ns in "$H1" "$H2"; do
		nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	done
	ip -n "$H1" addr add 192.168.1.2/24 dev bh1
	ip -n "$R1" addr add 192.168.1.1/24 dev b1lan
	ip -n "$R1" addr add fd00::1/64 dev b1wan nodad
	ip -n "$R1" addr add 10.0.0.1/30 dev b1wan
	ip -n "$R2" addr add fd00::2/64 dev b2wan nodad
	ip -n "$R2" addr add 10.0.0.2/30 dev b2wan
	ip -n "$R2" addr add 192.168.2.1/24 dev b2lan
	ip -n "$H2" addr add 192.168.2.2/24 dev bh2
	ip -n "$H1" link set bh1 up
	ip -n "$R1" link set b1lan up
	ip -n "$R1" link set b1wan up
	ip -n "$R2" link set b2wan up
	ip -n "$R2" link set b2lan up
	ip -n "$H2" link set bh2 up
	# Hosts send at most 1460-byte packets (route MTU) in every path: the
	# inner MTU of a 1500-byte IPv6 underlay.  Without it the kernel SRv6
	# path loses full-size TCP segments (seg6 encap.red neither fragments nor
	# sends ICMPv4 frag-needed: Ip6FragFails, ICMPv6 too-big to itself).
	ip -n "$H1" route add default via 192.168.1.1 mtu 1460
	ip -n "$H2" route add default via 192.168.2.1 mtu 1460
	nsx "$R1" sysctl -qw net.ipv6.conf.b1wan.seg6_enabled=1 >/dev/null
	nsx "$R2" sysctl -qw net.ipv6.conf.b2wan.seg6_enabled=1 >/dev/null
	# static neighbours: no resolution traffic, no NO_NEIGH during runs
	M_H1=$(mac_of "$H1" bh1) M_R1L=$(mac_of "$R1" b1lan) M_R1W=$(mac_of "$R1" b1wan)
	M_R2W=$(mac_of "$R2" b2wan) M_R2L=$(mac_of "$R2" b2lan) M_H2=$(mac_of "$H2" bh2)
	ip -n "$H1" neigh replace 192.168.1.1 lladdr "$M_R1L" dev bh1 nud permanent
	ip -n "$R1" neigh replace 192.168.1.2 lladdr "$M_H1" dev b1lan nud permanent
	ip -n "$R1" neigh replace 10.0.0.2 lladdr "$M_R2W" dev b1wan nud permanent
	ip -n "$R1" -6 neigh replace fd00::2 lladdr "$M_R2W" dev b1wan nud permanent
	ip -n "$R2" neigh replace 10.0.0.1 lladdr "$M_R1W" dev b2wan nud permanent
	ip -n "$R2" -6 neigh replace fd00::1 lladdr "$M_R1W" dev b2wan nud permanent
	ip -n "$R2" neigh replace 192.168.2.2 lladdr "$M_H2" dev b2lan nud permanent
	ip -n "$H2" neigh replace 192.168.2.1 lladdr "$M_R2L" dev bh2 nud permanent
	# routers: GRO on every port (lets a veth take XDP frames without a program,
	# as the generator's frames and XDP redirects need); threaded NAPI so the
	# receive work runs in kthreads we can pin to RX_CPU.
	local d
	for d in b1lan b1wan; do nsx "$R1" ethtool -K "$d" gro on >/dev/null 2>&1; done
	for d in b2lan b2wan; do nsx "$R2" ethtool -K "$d" gro on >/dev/null 2>&1; done
	# hosts too, until hosts_offload sets them per measurement: `link attach
	# ... mode xdp` refuses a veth whose far end has neither GRO nor XDP
	nsx "$H1" ethtool -K bh1 gro on >/dev/null 2>&1
	nsx "$H2" ethtool -K bh2 gro on >/dev/null 2>&1
	for d in $NAPI_THREADED; do
		case "$d" in b1*) ns=$R1 ;; b2*) ns=$R2 ;; bh1) ns=$H1 ;; bh2) ns=$H2 ;; esac
		nsx "$ns" sh -c "echo 1 > /sys/class/net/$d/threaded" 2>/dev/null
	done
	return 0
}

# hosts_offload on|off [xdp]: segmentation/GRO offloads at both hosts.
# "off": tx checksum, TSO, GSO, GRO off: MTU-sized frames, as a real wire.
# "on": all on, except TX checksum (and so TSO) stays off where an XDP path
# redirects host traffic (3rd argument "xdp"): veth would otherwise carry
# CHECKSUM_PARTIAL packets that XDP forwards unfinished (../shared/README.md §3).
hosts_offload() {
	local tx=$1
	[ "${2:-}" = xdp ] && tx=off
	nsx "$H1" ethtool -K bh1 tx "$tx" gso "$1" gro "$1" tso "$tx" >/dev/null 2>&1
	nsx "$H2" ethtool -K bh2 tx "$tx" gso "$1" gro "$1" tso "$tx" >/dev/null 2>&1
	return 0
}

# pin_napi: move the NAPI kthreads of the bench interfaces to RX_CPU.
pin_napi() {
	local pid comm n=0
	while read -r pid comm; do
		case "$comm" in
		napi/b1lan-* | napi/b1wan-* | napi/b2lan-* | napi/b2wan-* | napi/bh1-* | napi/bh2-*)
			taskset -pc "$RX_CPU" "$pid" >/dev/null 2>&1 && n=$((n + 1))
			;;
		esac
	done < <(ps -e -o pid=,comm=)
	echo "$n"
}

# ---- paths: route setup on top of topo_up ----
path_kernel() {
	ip -n "$R1" route add 192.168.2.0/24 via 10.0.0.2 dev b1wan &&
		ip -n "$R2" route add 192.168.1.0/24 via 10.0.0.1 dev b2wan
}

# SRv6 encap.red + End.DX4: the same bytes as ip4ip6 (no SRH, next header 4).
# SIDs fd00:1::d4 (at r1) and fd00:2::d4 (at r2), reached via the WAN.
path_srv6() {
	ip -n "$R1" -6 route add fd00:2::/64 via fd00::2 dev b1wan &&
		ip -n "$R2" -6 route add fd00:1::/64 via fd00::1 dev b2wan &&
		ip -n "$R1" route add 192.168.2.0/24 encap seg6 mode encap.red segs fd00:2::d4 dev b1wan &&
		ip -n "$R2" route add 192.168.1.0/24 encap seg6 mode encap.red segs fd00:1::d4 dev b2wan &&
		ip -n "$R2" -6 route add fd00:2::d4/128 encap seg6local action End.DX4 nh4 192.168.2.2 dev b2lan &&
		ip -n "$R1" -6 route add fd00:1::d4/128 encap seg6local action End.DX4 nh4 192.168.1.2 dev b1lan
}

# ip6tnl, where the running kernel has it.
path_ip6tnl() {
	ip -n "$R1" -6 tunnel add t46 mode ip4ip6 remote fd00::2 local fd00::1 2>/dev/null || return 3
	ip -n "$R2" -6 tunnel add t46 mode ip4ip6 remote fd00::1 local fd00::2 || return 1
	ip -n "$R1" link set t46 up && ip -n "$R2" link set t46 up &&
		ip -n "$R1" route add 192.168.2.0/24 dev t46 && ip -n "$R2" route add 192.168.1.0/24 dev t46
}

# VXLAN over IPv6 (VNI 46, UDP 4789): a kernel tunnel device this kernel has
# where it lacks seg6 and ip6_tunnel.  Labelled for what it is, not ip4ip6:
# 70 bytes of overhead (IPv6, UDP, VXLAN, inner Ethernet) instead of 40, an
# FDB lookup and a UDP socket on receive.  The WAN MTU is raised to 1530 so
# that the hosts' 1460-byte packets pass unfragmented, as in 1500 elsewhere.
path_vxlan6() {
	local r
	ip -n "$R1" link set b1wan mtu 1530 && ip -n "$R2" link set b2wan mtu 1530 || return 1
	ip -n "$R1" link add vx46 type vxlan id 46 local fd00::1 remote fd00::2 dstport 4789 dev b1wan || return 1
	ip -n "$R2" link add vx46 type vxlan id 46 local fd00::2 remote fd00::1 dstport 4789 dev b2wan || return 1
	ip -n "$R1" addr add 10.46.0.1/30 dev vx46 && ip -n "$R2" addr add 10.46.0.2/30 dev vx46 || return 1
	for r in "$R1" "$R2"; do ip -n "$r" link set vx46 up || return 1; done
	ip -n "$R1" neigh replace 10.46.0.2 lladdr "$(mac_of "$R2" vx46)" dev vx46 nud permanent &&
		ip -n "$R2" neigh replace 10.46.0.1 lladdr "$(mac_of "$R1" vx46)" dev vx46 nud permanent &&
		ip -n "$R1" route add 192.168.2.0/24 via 10.46.0.2 dev vx46 &&
		ip -n "$R2" route add 192.168.1.0/24 via 10.46.0.1 dev vx46
}

path_xdpfwd() {
	path_kernel || return 1
	nsx "$R1" "$BUILD"/bench/fwd b1lan b1wan && nsx "$R2" "$BUILD"/bench/fwd b2wan b2lan
}

# path_tun46 MODE [PEER-OPTIONS...] (e.g. encap gre: the tun46-gre path)
path_tun46() {
	local m=$1 f
	shift
	local po="$*"
	f=$(mktemp /tmp/bench-tun46.XXXXXX)
	cat >"$f" <<-CONF
		peer add site2 remote fd00::2 local fd00::1 $po
		route add 192.168.2.0/24 peer site2
		link attach dev b1wan role wan mode $m
		link attach dev b1lan role lan mode $m
	CONF
	"$TUN46" -n "$R1" config apply "$f" >&2 || { rm -f "$f"; return 1; }
	cat >"$f" <<-CONF
		peer add site1 remote fd00::1 local fd00::2 $po
		route add 192.168.1.0/24 peer site1
		link attach dev b2wan role wan mode $m
		link attach dev b2lan role lan mode $m
	CONF
	"$TUN46" -n "$R2" config apply "$f" >&2 || { rm -f "$f"; return 1; }
	rm -f "$f"
}

# ---- measurements ----
# sink_count NS IF -> "packets bytes"
sink_count() { nsx "$1" "$BUILD"/bench/sink read "$2"; }

# h1's veth counter of frames handed to r1 (the generator's XDP_TX that fit
# in r1's receive ring; the rest are tx_queue_0_xdp_xmit_errors)
h1_sent() { nsx "$H1" ethtool -S bh1 2>/dev/null | awk '$1 == "tx_queue_0_xdp_xmit:" {print $2}'; }

# gen_run SIZE SECONDS FLOWS PPS PER_CALL -> generator JSON
gen_run() {
	nsx "$H1" ${GEN_NICE:+nice -n "$GEN_NICE"} "$BUILD"/bench/gen -i bh1 -d "$M_R1L" -s 192.168.1.2 -D 192.168.2.2 -z "$1" \
		-f "$3" -t "$2" -r "$4" ${GEN_BURST:+-b "$GEN_BURST"} -c "$GEN_CPU" -n "$5"
}

# rate_run SIZE SECONDS FLOWS [PPS [PER_CALL]] -> JSON: offered (generator), sent (into
# r1's ring), delivered (h2's sink), rates, loss (of offered), router_loss (sent - delivered)
rate_run() {
	local size=$1 secs=$2 flows=$3 pps=${4:-0} per=${5:-1048576} before after s0 s1 g
	before=$(sink_count "$H2" bh2) || return 1
	s0=$(h1_sent)
	g=$(gen_run "$size" "$secs" "$flows" "$pps" "$per") || return 1
	sleep 0.2 # let the last frames drain
	after=$(sink_count "$H2" bh2) || return 1
	s1=$(h1_sent)
	jq -nc --argjson g "$g" --argjson d "$((${after% *} - ${before% *}))" --argjson sent "$((s1 - s0))" \
		--argjson size "$size" --argjson req "$pps" \
		'{size:$size, requested_pps:$req, offered:$g.offered, sent:$sent, delivered:$d, seconds:$g.seconds,
		  offered_pps:($g.offered/$g.seconds), pps:($d/$g.seconds),
		  loss:(1-($d/(if $g.offered>0 then $g.offered else 1 end))), router_loss:($sent-$d)}'
}

# ---- progcost namespace: pl0<->pl1 (LAN), pw0<->pw1 (WAN), sinks on pl1/pw1,
# tun46<->tun46p as the tunnel device: the kernel routes 192.168.2.0/24 (the
# tun46 peer's) into it, 192.168.3.0/24 (bench_fwd's frames) via pw0 ----
PC=bpc-$BSFX
progcost_up() {
	ip netns del "$PC" 2>/dev/null
	ip netns add "$PC" || return 1
	ip -n "$PC" link set lo up
	ip -n "$PC" link add pl0 type veth peer name pl1 || return 1
	ip -n "$PC" link add pw0 type veth peer name pw1 || return 1
	ip -n "$PC" link add tun46 type veth peer name tun46p || return 1
	nsx "$PC" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null
	ip -n "$PC" addr add 192.168.1.1/24 dev pl0
	ip -n "$PC" addr add fd00::1/64 dev pw0 nodad
	ip -n "$PC" addr add 10.0.0.1/30 dev pw0
	local d
	for d in pl0 pl1 pw0 pw1 tun46 tun46p; do ip -n "$PC" link set "$d" up; done
	nsx "$PC" sysctl -qw net.ipv6.conf.tun46p.forwarding=1 net.ipv4.conf.tun46.rp_filter=0 >/dev/null
	ip -n "$PC" neigh replace 192.168.1.2 lladdr "$(mac_of "$PC" pl1)" dev pl0 nud permanent
	ip -n "$PC" -6 neigh replace fd00::2 lladdr "$(mac_of "$PC" pw1)" dev pw0 nud permanent
	ip -n "$PC" neigh replace 10.0.0.2 lladdr "$(mac_of "$PC" pw1)" dev pw0 nud permanent
	ip -n "$PC" route add 192.168.2.0/24 dev tun46 || return 1
	ip -n "$PC" route add 192.168.3.0/24 via 10.0.0.2 dev pw0 || return 1
	nsx "$PC" "$BUILD"/bench/sink attach pl1 && nsx "$PC" "$BUILD"/bench/sink attach pw1 || return 1
	return 0
}
progcost_down() { ip netns del "$PC" 2>/dev/null || true; }

# ---- router CPU per packet (BENCH_TESTS=cpu) ----
# The routers' receive work runs in the threaded-NAPI kthread of r1's LAN port
# (pinned to RX_CPU by pin_napi); r2's WAN NAPI runs as softirq inside it (a
# softirq raised in a kthread runs at its local_bh_enable, and without
# CONFIG_IRQ_TIME_ACCOUNTING its time is charged to that kthread).  The CPU
# time of a measurement is read per thread (/proc/PID/schedstat, ns): every
# NAPI kthread of the router ports plus ksoftirqd of the router CPUs (softirq
# work the kernel deferred there).  Other processes on the router CPU (this
# machine is shared) are not counted, as they would be in the CPU's busy time
# (/proc/stat, kept beside it as whole-CPU evidence).
#
# cpu_isolate: keep generator and sink off the router CPU: h2's port gets a
# threaded NAPI pinned to GEN_CPU (the sink's XDP program runs there; the
# router pays for the hand-over into h2's ring, as it pays for a transmit).
#
# Receive moderation (CPU_MODERATION): at a fixed load a poll must take a
# batch of frames, as behind a NIC with interrupt moderation, not one wake-up
# per frame.
#   burst (default): the NIC's part is done where a NIC does it, off the
#     router CPU: the generator sends CPU_COALESCE_US worth of frames back to
#     back (gen -b: 40 at 200 kpps, 20 at 100 kpps with 200 µs), and their
#     arrival wakes r1's LAN kthread once, as one moderated interrupt would.
#   timer: r1's LAN port coalesces with its own software timer
#     (napi_defer_hard_irqs 1 + gro_flush_timeout CPU_COALESCE_US), as the
#     harness did before: every poll re-arms an hrtimer on the router core,
#     which a router behind a moderating NIC does not do.  In this nested VM
#     that is a trapped TSC-deadline MSR write, 6-17 µs of each poll in a
#     traced run (msr:write_msr; ~0.1 µs on bare metal); with the sink's
#     wake-ups (below) a third of a cheap path's figure at 100 kpps.
# h2's port coalesces too, as the far end's NIC would (CPU_SINK_COALESCE_US,
# default CPU_COALESCE_US; 0 = off) and keeps polling on its timer while
# frames come (napi_defer_hard_irqs CPU_SINK_DEFER, default 1000: up to 1000
# empty polls, 0.2 s, before it waits for a wake-up again): otherwise a router
# poll that finds the sink's NAPI asleep wakes it on the other core, a
# cross-CPU wake-up (an IPI, 10-14 µs of the router's poll in this VM, seen
# with the ipi_send_cpu trace event) that a real router's transmit (a
# doorbell write) does not pay.  With defer 1, 47 of 212 router polls at
# 100 kpps still sent one in a traced run; with 1000, none did.
CPU_MODERATION=${CPU_MODERATION:-burst}
CPU_COALESCE_US=${CPU_COALESCE_US:-200}
CPU_SINK_COALESCE_US=${CPU_SINK_COALESCE_US:-$CPU_COALESCE_US}
CPU_SINK_DEFER=${CPU_SINK_DEFER:-1000}
CPU_RTPRIO=${CPU_RTPRIO:-50}
# the paced generator spins on GEN_CPU; on a shared machine it would fall
# short of the asked rate: it runs at this nice level in the cpu test
CPU_GEN_NICE=${CPU_GEN_NICE:--10}
cpu_isolate() {
	if [ "$CPU_MODERATION" = timer ]; then
		nsx "$R1" sh -c "echo 1 > /sys/class/net/b1lan/napi_defer_hard_irqs &&
			echo $((CPU_COALESCE_US * 1000)) > /sys/class/net/b1lan/gro_flush_timeout" 2>/dev/null || return 1
	fi
	nsx "$H2" sh -c 'echo 1 > /sys/class/net/bh2/threaded' 2>/dev/null || return 1
	if [ "$CPU_SINK_COALESCE_US" -gt 0 ]; then
		nsx "$H2" sh -c "echo $CPU_SINK_DEFER > /sys/class/net/bh2/napi_defer_hard_irqs &&
			echo $((CPU_SINK_COALESCE_US * 1000)) > /sys/class/net/bh2/gro_flush_timeout" 2>/dev/null || return 1
	fi
	pin_napi >/dev/null
	local pid comm n=0
	while read -r pid comm; do
		case "$comm" in
		napi/bh2-*) taskset -pc "$GEN_CPU" "$pid" >/dev/null 2>&1 && n=$((n + 1)) ;;
		*) continue ;;
		esac
		chrt -f -p "$CPU_RTPRIO" "$pid" >/dev/null 2>&1
	done < <(ps -e -o pid=,comm=)
	[ "$n" -ge 1 ] || return 1
	# the routers' NAPI kthreads at SCHED_FIFO: the shared machine's other
	# processes on the router CPU do not delay them (they would overflow the
	# 256-frame veth rings); they sleep when idle, so they take only the CPU
	# the traffic needs (CPU_RTPRIO=0 leaves them SCHED_OTHER)
	local kind
	while read -r pid kind; do
		[ "$kind" = napi ] && chrt -f -p "$CPU_RTPRIO" "$pid" >/dev/null 2>&1
	done < <(router_threads)
	return 0
}
# cpu_unisolate: back to the rate test's layout (everything on RX_CPU)
cpu_unisolate() {
	nsx "$R1" sh -c 'echo 0 > /sys/class/net/b1lan/napi_defer_hard_irqs; echo 0 > /sys/class/net/b1lan/gro_flush_timeout' 2>/dev/null
	nsx "$H2" sh -c 'echo 0 > /sys/class/net/bh2/napi_defer_hard_irqs; echo 0 > /sys/class/net/bh2/gro_flush_timeout
		echo 0 > /sys/class/net/bh2/threaded' 2>/dev/null
	local pid kind
	while read -r pid kind; do
		[ "$kind" = napi ] && chrt -o -p 0 "$pid" >/dev/null 2>&1
	done < <(router_threads)
	return 0
}

# router_threads [CPUS]: pids of the routers' NAPI kthreads and of ksoftirqd
# on each router CPU (default RX_CPU), one "PID KIND" a line (napi|ksoftirqd)
router_threads() {
	local cpus=${1:-$RX_CPU} pid comm c
	while read -r pid comm; do
		case "$comm" in
		napi/b1lan-* | napi/b1wan-* | napi/b2wan-* | napi/b2lan-*) echo "$pid napi" ;;
		ksoftirqd/*)
			for c in ${cpus//,/ }; do [ "$comm" = "ksoftirqd/$c" ] && echo "$pid ksoftirqd"; done
			;;
		esac
	done < <(ps -e -o pid=,comm=)
}

# cpu_snap [CPUS] -> lines "napi PID NS RUNS", "ksoftirqd PID NS RUNS"
# (per-thread CPU time and times it was switched in, /proc/PID/schedstat) of
# router_threads, and "busy - NS 0": the router
# CPUs' busy time from /proc/stat (user+nice+system+irq+softirq, USER_HZ ticks
# -> ns; everything that ran there, other processes included).  cpu_delta
# A B -> "NAPI_NS KSOFTIRQD_NS BUSY_NS NAPI_RUNS" over the threads present in
# both (a thread that ended in between, e.g. another bench's, is left out);
# NAPI_RUNS: how often the NAPI kthreads were switched in, i.e. woken (they
# sleep between polls, and at SCHED_FIFO nothing preempts them).  One bench
# at a time: the interface names (and so the kthread names) are fixed.
cpu_snap() {
	local cpus=${1:-$RX_CPU} pid kind v busy=0 c hz
	while read -r pid kind; do
		v=$(cut -d' ' -f1,3 "/proc/$pid/schedstat" 2>/dev/null) || continue
		[ -n "$v" ] && echo "$kind $pid $v"
	done < <(router_threads "$cpus")
	hz=$(getconf CLK_TCK)
	for c in ${cpus//,/ }; do
		v=$(awk -v c="cpu$c" '$1 == c {print $2 + $3 + $4 + $7 + $8}' /proc/stat)
		busy=$((busy + v * 1000000000 / hz))
	done
	echo "busy - $busy 0"
}
cpu_delta() {
	awk 'NR == FNR {a[$1 " " $2] = $3; w[$1 " " $2] = $4; next}
		($1 " " $2) in a {d = $3 - a[$1 " " $2]; if (d < 0) d = 0; t[$1] += d
			d = $4 - w[$1 " " $2]; if (d < 0) d = 0; n[$1] += d}
		END {printf "%.0f %.0f %.0f %.0f\n", t["napi"], t["ksoftirqd"], t["busy"], n["napi"]}' <(echo "$1") <(echo "$2")
}

# cpu_run SIZE SECONDS PPS -> rate_run's JSON plus moderation (CPU_MODERATION)
# and burst (frames the generator sent back to back), and the router CPU time:
# napi_ns, ksoftirqd_ns, router_ns (their sum), busy_ns (whole router CPU),
# ns_per_pkt (router_ns / delivered), busy_ns_per_pkt, napi_wakeups (times
# the NAPI kthreads were woken: each wake-up is one or more polls),
# pkts_per_wakeup and napi_us_per_wakeup (the kthreads' time per wake-up):
# ns_per_pkt = us_per_wakeup / pkts_per_wakeup, so these say how much of the
# figure is each wake-up's fixed cost (context switch, the polls' own
# overhead; with CPU_MODERATION=timer the timer too) rather than per-packet
# work
cpu_run() {
	local size=$1 secs=$2 pps=$3 a b j burst=1
	[ "$CPU_MODERATION" = burst ] && burst=$(((pps * CPU_COALESCE_US + 500000) / 1000000))
	[ "$burst" -ge 1 ] || burst=1
	a=$(cpu_snap)
	j=$(GEN_NICE=$CPU_GEN_NICE GEN_BURST=$burst rate_run "$size" "$secs" "${FLOWS:-1}" "$pps" 8388608) || return 1
	b=$(cpu_snap)
	set -- $(cpu_delta "$a" "$b")
	jq -c --argjson n "$1" --argjson k "$2" --argjson b "$3" --argjson w "${4:-0}" \
		--arg mod "$CPU_MODERATION" --argjson burst "$burst" \
		'. + {moderation: $mod, burst: $burst, napi_ns: $n, ksoftirqd_ns: $k, router_ns: ($n + $k), busy_ns: $b,
		      ns_per_pkt: (if .delivered > 0 then ($n + $k) / .delivered else null end),
		      busy_ns_per_pkt: (if .delivered > 0 then $b / .delivered else null end),
		      napi_wakeups: $w,
		      pkts_per_wakeup: (if $w > 0 then .delivered / $w else null end),
		      napi_us_per_wakeup: (if $w > 0 then $n / $w / 1000 else null end)}' <<<"$j"
}
