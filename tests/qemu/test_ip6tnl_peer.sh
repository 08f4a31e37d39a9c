#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The qemu tier: a real Linux ip6tnl peer (Debian's 6.1 and 6.12 kernels in a
# guest) against tun46 on the host, in every tun46 mode.
#
#   h1 eth0 192.168.1.2 -- lan0 192.168.1.1  r1 (tun46)  wan0 fd00::1 (tap)
#     == virtio eth0 fd00::2  guest (ip6tnl tun1)  virtio eth1 192.168.2.1
#     == (tap) eth0 192.168.2.2 h2
#
# The guest is configured exactly as the classic setup:
#   ip -6 tunnel add tun1 mode ip4ip6 local fd00::2 remote fd00::1
#   ip link set tun1 up
#   ip route add 192.168.1.0/24 dev tun1
# Checks, per kernel and tun46 mode: pings both ways, 1400-byte DF pings, a
# 2 MiB TCP transfer each way (sha256), the frag-needed sizes on both sides
# (1452 with the guest's default encapsulation limit and tun46 `encaplimit 4`,
# 1460 with `encaplimit none` on both), and in mode tc the outer bytes on the
# wire (capture on r1's tap; XDP-redirected frames never reach packet taps):
# the guest's ip6tnl and tun46 both send next header 60, then
# 04 00 04 01 04 01 01 00, hop limit 64; then next header 4 without the option.
# One guest boot per kernel.
source "$(dirname "$0")/lib.sh"
qemu_require qemu-ip6tnl

TXMB=${QEMU_TXMB:-2}

# Host side: h1, r1 (tun46), h2 (behind the guest); guest taps moved in.
host_up() {
	ns_new H1 h1 && ns_new R1 r1 && ns_new H2 h2 || return 1
	veth "$H1" eth0 "$R1" lan0 || return 1
	qemu_tap_to vwan "$R1" wan0 && qemu_tap_to vlan "$H2" eth0 || return 1
	ip -n "$H1" addr add 192.168.1.2/24 dev eth0
	ip -n "$H1" link set eth0 up
	ip -n "$H1" route add default via 192.168.1.1
	ip -n "$H2" addr add 192.168.2.2/24 dev eth0
	ip -n "$H2" route add default via 192.168.2.1
	nsx "$R1" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$R1" addr add 192.168.1.1/24 dev lan0
	ip -n "$R1" addr add fd00::1/64 dev wan0 nodad
	ip -n "$R1" link set lan0 up
	nsx "$R1" ethtool -K lan0 gro on >/dev/null 2>&1
	nsx "$H1" ethtool -K eth0 gro on >/dev/null 2>&1
	E2E_T46_NS+=("$R1")
	t46 -n "$R1" peer add site remote fd00::2 local fd00::1 encaplimit 4 &&
		t46 -n "$R1" route add 192.168.2.0/24 peer site
}

guest_up() {
	gx 'sysctl -qw net.ipv4.ip_forward=1
ip link set eth0 up && ip link set eth1 up &&
ip addr add fd00::2/64 dev eth0 nodad && ip addr add 192.168.2.1/24 dev eth1 &&
ip -6 tunnel add tun1 mode ip4ip6 local fd00::2 remote fd00::1 &&
ip link set tun1 up &&
ip route add 192.168.1.0/24 dev tun1'
}

# mode_prep MODE: in the XDP modes no TX checksum offload toward r1's XDP
# program (it would redirect CHECKSUM_PARTIAL frames unfinished: a virtual-NIC
# artefact, as with veth); in mode tc the offloads stay on.
mode_prep() {
	local st=on
	case "$1" in xdp*) st=off ;; esac
	nsx "$H1" ethtool -K eth0 tx "$st" >/dev/null 2>&1
	nsx "$H2" ethtool -K eth0 tx "$st" >/dev/null 2>&1
	gx "ethtool -K eth0 tx $st; ethtool -K eth1 tx $st" >/dev/null 2>&1
}

# fragneeded NS DST SIZE: the MTU announced by frag-needed for a DF packet of
# SIZE bytes (the second ping: the first may only teach the sender's route)
# (or the sender's cached path MTU, learnt from that announcement: "local
# error: message too long, mtu=N")
fragneeded() {
	nsx "$1" ping -n -c 2 -i 0.3 -W 2 -M "do" -s $(($3 - 28)) "$2" >"$E2E_TMP/fn.out" 2>&1
	sed -n 's/.*mtu \?= \?\([0-9]*\).*/\1/p' "$E2E_TMP/fn.out" | head -n 1
}

# dfpass NS DST SIZE: a DF packet of SIZE bytes gets through
dfpass() { [ "$(ping_count "$1" "$2" -c 2 -W 3 -M "do" -s $(($3 - 28)))" = 2 ]; }

# wire_check K MODE LIMIT: capture on r1's tap while pinging both ways; the
# IPv6 next header, hop limit and (with LIMIT) the 8 option bytes of each
# direction's first tunnel frame
wire_check() {
	local k=$1 mode=$2 lim=$3 f want_nh want_opt
	local cap="$E2E_TMP/wire.$k.$lim"
	capture_start "$R1" wan0 "$cap" -c 4 ip6
	ping_count "$H1" 192.168.2.2 -c 1 -W 2 >/dev/null
	ping_count "$H2" 192.168.1.2 -c 1 -W 2 >/dev/null
	capture_stop
	local from_guest from_t46
	from_guest=$(capture_frames "$cap" | grep -m1 '^.\{12\}525400000001')
	from_t46=$(capture_frames "$cap" | grep -m1 '^525400000001')
	if [ "$lim" = 4 ]; then
		want_nh=3c want_opt=0400040104010100
	else
		want_nh=04 want_opt=
	fi
	# hex offsets: Ethernet 14 bytes (28 chars); IPv6 next header at 6, hop limit 7; options at 40
	for f in guest:"$from_guest" tun46:"$from_t46"; do
		local who=${f%%:*} h=${f#*:}
		if [ -z "$h" ]; then
			fail "$k/$mode/wire-$who-limit-$lim" "no tunnel frame from $who captured"
			continue
		fi
		local nh=${h:40:2} hl=${h:42:2} opt=${h:108:16}
		if [ "$nh" = "$want_nh" ] && [ "$hl" = 40 ] && { [ -z "$want_opt" ] || [ "$opt" = "$want_opt" ]; }; then
			pass "$k/$mode/wire-$who-limit-$lim"
		else
			fail "$k/$mode/wire-$who-limit-$lim" "next header $nh hop limit 0x$hl option bytes $opt (want $want_nh, 0x40, ${want_opt:-none})"
		fi
	done
}

run_mode() {
	local k=$1 mode=$2 r mtu
	setup "$k/$mode/attach" tun46_attach "$R1" wan0 wan "$mode" || return 1
	setup "$k/$mode/attach" tun46_attach "$R1" lan0 lan "$mode" || return 1
	mode_prep "$mode"
	# the default encapsulation limit on the guest, tun46 with encaplimit 4
	local up=0
	r=$(ping_count "$H1" 192.168.2.2 -c 3 -i 0.2 -W 3)
	check "$k/$mode/ping-h1-h2" "received ${r:-0}/3" [ "${r:-0}" = 3 ]
	[ "${r:-0}" = 0 ] || up=1
	r=$(ping_count "$H2" 192.168.1.2 -c 3 -i 0.2 -W 3)
	check "$k/$mode/ping-h2-h1" "received ${r:-0}/3" [ "${r:-0}" = 3 ]
	[ "${r:-0}" = 0 ] || up=1
	check "$k/$mode/df1400-h1-h2" "1400-byte DF ping lost" dfpass "$H1" 192.168.2.2 1400
	check "$k/$mode/df1400-h2-h1" "1400-byte DF ping lost" dfpass "$H2" 192.168.1.2 1400
	if [ "$up" = 0 ]; then
		# no connectivity at all: do not wait for TCP timeouts
		fail "$k/$mode/tcp-h1-h2" "not attempted: no ping got through"
		fail "$k/$mode/tcp-h2-h1" "not attempted: no ping got through"
	else
		r=$(tcp_transfer "$H1" "$H2" 192.168.2.2 "$TXMB" 5201)
		check "$k/$mode/tcp-h1-h2" "$r" [ "${r%% *}" = ok ]
		log "$k/$mode tcp h1->h2: $r"
		r=$(tcp_transfer "$H2" "$H1" 192.168.1.2 "$TXMB" 5202)
		check "$k/$mode/tcp-h2-h1" "$r" [ "${r%% *}" = ok ]
		log "$k/$mode tcp h2->h1: $r"
	fi
	check "$k/$mode/df1452-limit-h2-h1" "1452-byte DF ping lost" dfpass "$H2" 192.168.1.2 1452
	mtu=$(fragneeded "$H2" 192.168.1.2 1453)
	check "$k/$mode/fragneeded-guest-limit" "guest ip6tnl announced mtu '${mtu}' (want 1452)" [ "$mtu" = 1452 ]
	check "$k/$mode/df1452-limit-h1-h2" "1452-byte DF ping lost" dfpass "$H1" 192.168.2.2 1452
	mtu=$(fragneeded "$H1" 192.168.2.2 1453)
	check "$k/$mode/fragneeded-tun46-limit" "tun46 announced mtu '${mtu}' (want 1452): $(tr '\n' ' ' <"$E2E_TMP/fn.out")" [ "$mtu" = 1452 ]
	[ "$mode" = tc ] && wire_check "$k" "$mode" 4

	# encaplimit none on both sides: the 40-byte outer header, MTU 1460
	gx 'ip -6 tunnel change tun1 encaplimit none' >/dev/null
	t46 -n "$R1" peer replace site remote fd00::2 local fd00::1 encaplimit none >/dev/null
	# the hosts forget the path MTU they learnt (1452)
	ip -n "$H1" route flush cache
	ip -n "$H2" route flush cache
	r=$(gx 'cat /sys/class/net/tun1/mtu')
	check "$k/$mode/guest-mtu-nolimit" "guest tun1 mtu '$r' with encaplimit none (want 1460)" [ "$r" = 1460 ]
	r=$(ping_count "$H1" 192.168.2.2 -c 2 -i 0.2 -W 3)
	check "$k/$mode/ping-nolimit" "received ${r:-0}/2" [ "${r:-0}" = 2 ]
	check "$k/$mode/df1460-nolimit-h2-h1" "1460-byte DF ping lost" dfpass "$H2" 192.168.1.2 1460
	mtu=$(fragneeded "$H2" 192.168.1.2 1461)
	check "$k/$mode/fragneeded-guest-nolimit" "guest ip6tnl announced mtu '${mtu}' (want 1460)" [ "$mtu" = 1460 ]
	check "$k/$mode/df1460-nolimit-h1-h2" "1460-byte DF ping lost" dfpass "$H1" 192.168.2.2 1460
	mtu=$(fragneeded "$H1" 192.168.2.2 1461)
	check "$k/$mode/fragneeded-tun46-nolimit" "tun46 announced mtu '${mtu}' (want 1460): $(tr '\n' ' ' <"$E2E_TMP/fn.out")" [ "$mtu" = 1460 ]
	[ "$mode" = tc ] && wire_check "$k" "$mode" none

	# back to the defaults of the next mode
	gx 'ip -6 tunnel change tun1 encaplimit 4' >/dev/null
	t46 -n "$R1" peer replace site remote fd00::2 local fd00::1 encaplimit 4 >/dev/null
	ip -n "$H1" route flush cache
	ip -n "$H2" route flush cache
	t46 -n "$R1" link detach dev lan0 >/dev/null
	t46 -n "$R1" link detach dev wan0 >/dev/null
	E2E_ATTACHED=() # detached above
	: "${E2E_ATTACHED[@]}"
}

for k in $QEMU_KERNELS; do
	t0=$SECONDS
	if ! qemu_kernel "$k" >"$E2E_TMP/kernel.log" 2>&1; then
		skip "$k/kernel" "Debian's $k kernel could not be fetched: $(tail -c 300 "$E2E_TMP/kernel.log")"
		continue
	fi
	qemu_initramfs "$E2E_TMP/initrd" || {
		fail "$k/initramfs" "could not build the initramfs"
		continue
	}
	qemu_boot "$k/boot" "$E2E_TMP/initrd" vwan vlan || {
		qemu_down
		topo_down
		continue
	}
	pass "$k/boot ($QK_PKG, $QVM_KREL, $((SECONDS - t0)) s)"
	if setup "$k/host" host_up && setup "$k/guest" guest_up; then
		r=$(gx 'cat /sys/class/net/tun1/mtu')
		check "$k/guest-mtu-limit" "guest tun1 mtu '$r' (want 1452)" [ "$r" = 1452 ]
		for mode in $E2E_MODES; do
			run_mode "$k" "$mode"
		done
	fi
	[ "$E2E_FAILS" -gt 0 ] && qemu_console_tail 20 | sed 's/^/# console: /'
	qemu_down
	topo_down
	log "$k: $((SECONDS - t0)) s"
done
e2e_finish
