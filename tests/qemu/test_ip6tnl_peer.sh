#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The qemu tier: a real Linux ip6tnl peer, then a real Linux ip6gre peer
# (Debian's 6.1 and 6.12 kernels in a guest) against tun46 on the host, in
# every tun46 mode.
#
#   h1 eth0 192.168.1.2 -- lan0 192.168.1.1  r1 (tun46)  wan0 fd00::1 (tap)
#     == virtio eth0 fd00::2  guest (tun1: ip6tnl, ip6gre)  virtio eth1 192.168.2.1
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
#
# Then, on the same boot, the GRE variant: the guest's tun1 becomes a real
# Linux ip6gre, set up as the blog's commands work with Debian's iproute2:
#   ip -6 tunnel add tun1 mode ip6gre local fd00::2 remote fd00::1
#   ip link set tun1 up
#   ip route add 192.168.1.0/24 dev tun1
# (`mode grev6` is refused: checked; `ip -6 tunnel change tun1 encaplimit none`
# returns 0 and changes nothing: checked; `ip link set tun1 type ip6gre ...`
# switches the variants), tun46's peer `encap gre`.  Per kernel and tun46 mode,
# four variants, both sides alike: the default (encaplimit 4, MTU 1448),
# encaplimit none (1456), key 7 without (1452) and with the option (1444):
# pings both ways, 1400-byte DF pings, TCP each way (sha256), the tunnel MTU of
# each side (DF pings at it pass, one byte more gets frag-needed with it), and
# in mode tc the bytes on the wire of both senders (next header 47 or 60 + the
# option 2f 00 04 01 04 01 01 00, GRE 00 00 08 00 or 20 00 08 00 + the key,
# hop limit 64, payload length).  The guest's ip6gre keeps Debian's defaults
# for router solicitations (accept_ra 1, router_solicitations -1) and sends
# them into the tunnel (GRE protocol 0x86DD) at `ip link set tun1 up`: tun46
# counts them (decap_drop_gre_proto) and h1 never sees them.
# The ip6gre checks run in every tun46 mode on 6.12 and in mode tc on 6.1 (the
# tier's time budget); QEMU_GRE_MODES_6_1="xdp xdp-generic tc" runs them all
# there too (QEMU_GRE_MODES_6_12 likewise sets 6.12's).
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

# wire_check K MODE LIMIT: capture on r1's tap while pinging both ways; the
# IPv6 next header, hop limit and (with LIMIT) the 8 option bytes of each
# direction's first tunnel frame
wire_check() {
	local k=$1 mode=$2 lim=$3 f want_nh want_opt
	local cap="$E2E_TMP/wire.$k.$lim"
	capture_start "$R1" wan0 "$cap" -c 4 "ip6 and ip6[6] != 58" # tunnel frames, not neighbour discovery
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
	qemu_traffic "$k/$mode"
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

# ---- the GRE variant: a real Linux ip6gre on the same boot ----

# gre_guest_up K: the guest's tun1 becomes an ip6gre tunnel, set up as the
# blog's commands really work with Debian's iproute2 (6.1): `mode grev6` is
# refused, `mode ip6gre` works; the tunnel keeps Debian's defaults for router
# solicitations (accept_ra 1, router_solicitations -1: the guest's init turns
# them off on its NICs), so it sends IPv6 router solicitations into it.
gre_guest_up() {
	local k=$1 out
	gx 'ip route del 192.168.1.0/24 dev tun1; ip -6 tunnel del tun1' >/dev/null
	out=$(gx 'ip -6 tunnel add tun1 mode grev6 local fd00::2 remote fd00::1')
	local rc=$? ok=0
	[ "$rc" != 0 ] && [[ "$out" == *"Unknown tunnel mode"* ]] && ok=1
	check "$k/gre/quirk-mode-grev6-refused" "ip -6 tunnel add ... mode grev6: rc $rc, '$out' (README says iproute2 refuses it: Unknown tunnel mode)" \
		[ "$ok" = 1 ]
	gx 'ip -6 tunnel del tun1' >/dev/null 2>&1
	out=$(gx 'ip -6 tunnel add tun1 mode ip6gre local fd00::2 remote fd00::1 &&
sysctl -qw net.ipv6.conf.tun1.accept_ra=1 net.ipv6.conf.tun1.router_solicitations=-1 &&
ip link set tun1 up &&
ip route add 192.168.1.0/24 dev tun1') || {
		fail "$k/gre/guest" "ip6gre setup in the guest: $(echo "$out" | tr '\n' ' ')"
		return 1
	}
	out=$(gx 'cat /sys/class/net/tun1/mtu')
	check "$k/gre/guest-mtu-limit" "guest ip6gre tun1 mtu '$out' (want 1448)" [ "$out" = 1448 ]
	# `ip -6 tunnel change` succeeds and changes nothing on ip6gre
	out=$(gx 'ip -6 tunnel change tun1 encaplimit none; echo rc=$?; cat /sys/class/net/tun1/mtu; ip -d link show tun1 | grep -o "encaplimit [0-9a-z]*"' | tr '\n' ' ')
	check "$k/gre/quirk-tunnel-change-noop" "after ip -6 tunnel change tun1 encaplimit none: '$out' (README says: rc 0, nothing changes: mtu 1448, encaplimit 4)" \
		[ "$out" = "rc=0 1448 encaplimit 4 " ]
}

# gre_wire_check K MODE VARIANT NH OPT GRE: capture on r1's tap while h1
# pings h2; the outer next header, hop limit, payload length, option bytes
# and GRE header of the guest's and tun46's first tunnel frame each way
gre_wire_check() {
	local k=$1 mode=$2 v=$3 want_nh=$4 want_opt=$5 want_gre=$6 f
	local cap="$E2E_TMP/gwire.$k.$v"
	capture_start "$R1" wan0 "$cap" -c 6 "ip6 and ip6[6] != 58" # not neighbour discovery
	ping_count "$H1" 192.168.2.2 -c 1 -W 2 >/dev/null
	capture_stop
	# the echo reply (h2 -> h1: c0a80202 c0a80102) from the guest, the echo
	# request (h1 -> h2) from tun46; not the guest's router solicitations
	local from_guest from_t46
	from_guest=$(capture_frames "$cap" | grep '^.\{12\}525400000001' | grep -m1 'c0a80202c0a80102')
	from_t46=$(capture_frames "$cap" | grep '^525400000001' | grep -m1 'c0a80102c0a80202')
	local want_len=$((84 + ${#want_opt} / 2 + ${#want_gre} / 2))
	# hex offsets: Ethernet 14 bytes (28 chars); IPv6 payload length at 4,
	# next header at 6, hop limit at 7; extension headers at 40
	for f in guest:"$from_guest" tun46:"$from_t46"; do
		local who=${f%%:*} h=${f#*:}
		if [ -z "$h" ]; then
			fail "$k/gre/$mode/$v/wire-$who" "no tunnel frame from $who captured"
			continue
		fi
		local plen=$((16#${h:36:4})) nh=${h:40:2} hl=${h:42:2} opt=${h:108:${#want_opt}}
		local gre=${h:$((108 + ${#want_opt})):${#want_gre}}
		if [ "$nh" = "$want_nh" ] && [ "$hl" = 40 ] && [ "$plen" = "$want_len" ] &&
			[ "$opt" = "$want_opt" ] && [ "$gre" = "$want_gre" ]; then
			pass "$k/gre/$mode/$v/wire-$who"
		else
			fail "$k/gre/$mode/$v/wire-$who" "next header $nh hop limit 0x$hl payload length $plen option '$opt' GRE '$gre' (want $want_nh, 0x40, $want_len, '$want_opt', '$want_gre')"
		fi
	done
}

# gre_variant K MODE NAME MTU GUESTCMD T46OPTS...: both sides switched to
# the variant (the guest with GUESTCMD, tun46 with `peer replace`), then
# pings, 1400-byte DF pings, TCP (sha256) both ways, DF pings at MTU and the
# frag-needed MTU each side announces, and in mode tc the bytes on the wire
gre_variant() {
	local k=$1 mode=$2 v=$3 want=$4 cmd=$5 r mtu t=$1/gre/$2/$3
	shift 5
	[ -n "$cmd" ] && gx "$cmd" >/dev/null
	t46 -n "$R1" peer replace site remote fd00::2 local fd00::1 encap gre "$@" >/dev/null
	ip -n "$H1" route flush cache
	ip -n "$H2" route flush cache
	r=$(gx 'cat /sys/class/net/tun1/mtu')
	check "$t/guest-mtu" "guest tun1 mtu '$r' (want $want)" [ "$r" = "$want" ]
	r=$(t46 -n "$R1" -j peer show site | jq -r '.[0].mtu' 2>/dev/null)
	check "$t/tun46-mtu" "tun46 peer mtu '$r' (want $want)" [ "$r" = "$want" ]
	local up=0
	r=$(ping_count "$H1" 192.168.2.2 -c 2 -i 0.2 -W 3)
	check "$t/ping-h1-h2" "received ${r:-0}/2" [ "${r:-0}" = 2 ]
	[ "${r:-0}" = 0 ] || up=1
	r=$(ping_count "$H2" 192.168.1.2 -c 2 -i 0.2 -W 3)
	check "$t/ping-h2-h1" "received ${r:-0}/2" [ "${r:-0}" = 2 ]
	[ "${r:-0}" = 0 ] || up=1
	check "$t/df1400-h1-h2" "1400-byte DF ping lost" dfpass "$H1" 192.168.2.2 1400
	check "$t/df1400-h2-h1" "1400-byte DF ping lost" dfpass "$H2" 192.168.1.2 1400
	if [ "$up" = 0 ]; then
		fail "$t/tcp-h1-h2" "not attempted: no ping got through"
		fail "$t/tcp-h2-h1" "not attempted: no ping got through"
	else
		r=$(tcp_transfer "$H1" "$H2" 192.168.2.2 "$TXMB" 5201)
		check "$t/tcp-h1-h2" "$r" [ "${r%% *}" = ok ]
		r=$(tcp_transfer "$H2" "$H1" 192.168.1.2 "$TXMB" 5202)
		check "$t/tcp-h2-h1" "$r" [ "${r%% *}" = ok ]
	fi
	check "$t/df$want-h2-h1" "$want-byte DF ping lost" dfpass "$H2" 192.168.1.2 "$want"
	mtu=$(fragneeded "$H2" 192.168.1.2 $((want + 1)))
	check "$t/fragneeded-guest" "guest ip6gre announced mtu '${mtu}' (want $want)" [ "$mtu" = "$want" ]
	check "$t/df$want-h1-h2" "$want-byte DF ping lost" dfpass "$H1" 192.168.2.2 "$want"
	mtu=$(fragneeded "$H1" 192.168.2.2 $((want + 1)))
	check "$t/fragneeded-tun46" "tun46 announced mtu '${mtu}' (want $want): $(tr '\n' ' ' <"$E2E_TMP/fn.out")" [ "$mtu" = "$want" ]
	if [ "$mode" = tc ]; then
		local nh=2f opt='' gre=00000800
		case " $* " in *" encaplimit 4 "*) nh=3c opt=2f00040104010100 ;; esac
		case " $* " in *" key 7 "*) gre=2000080000000007 ;; esac
		gre_wire_check "$k" "$mode" "$v" "$nh" "$opt" "$gre"
	fi
}

# gre_rs_check K MODE: the guest's ip6gre sends router solicitations into the
# tunnel (after `ip link set tun1 up`; GRE protocol 0x86DD): tun46 counts
# them (decap_drop_gre_proto) and h1 never sees them
gre_rs_check() {
	local k=$1 mode=$2 t=$1/gre/$2 ll rs0 rs1 d0 d1 cap="$E2E_TMP/rs.$1.$2"
	ll=$(gx 'ip -6 -o addr show dev tun1 scope link' | awk '{ print $4 }' | cut -d/ -f1 | head -n 1)
	if [ -z "$ll" ]; then
		fail "$t/rs-guest-link-local" "the guest's ip6gre tun1 has no IPv6 link-local address"
		return 1
	fi
	rs0=$(gx "awk '/^Icmp6OutRouterSolicits/ { print \$2 }' /proc/net/snmp6")
	d0=$(num "$(counter "$R1" decap_drop_gre_proto)")
	# in mode tc r1's tap shows them too (XDP drops before packet taps)
	local wpid=
	if [ "$mode" = tc ]; then
		capture_start "$R1" wan0 "$cap.wan" ip6 and src host fd00::2
		wpid=$CAPTURE_PID
	fi
	capture_start "$H1" eth0 "$cap" ip6 and src host "$ll"
	# the blog's `ip link set tun1 up` again (the route goes with the link)
	gx 'ip link set tun1 down && ip link set tun1 up && ip route add 192.168.1.0/24 dev tun1' >/dev/null
	for _ in $(seq 1 30); do
		d1=$(num "$(counter "$R1" decap_drop_gre_proto)")
		[ "$d1" -gt "$d0" ] && break
		sleep 0.2
	done
	sleep 0.3 # a forwarded copy would reach h1 by now
	capture_stop
	[ -n "$wpid" ] && CAPTURE_PID=$wpid capture_stop
	rs1=$(gx "awk '/^Icmp6OutRouterSolicits/ { print \$2 }' /proc/net/snmp6")
	local ok=0
	[ "$((${rs1:-0} - ${rs0:-0}))" -ge 1 ] && [ "$((d1 - d0))" -ge 1 ] && ok=1
	check "$t/rs-counted" "guest sent $((${rs1:-0} - ${rs0:-0})) router solicitations from $ll, tun46 decap_drop_gre_proto +$((d1 - d0))" \
		[ "$ok" = 1 ]
	local n
	n=$(capture_frames "$cap" | wc -l)
	check "$t/rs-not-forwarded" "h1 received $n IPv6 frames from the guest's $ll" [ "$n" = 0 ]
	[ -n "$wpid" ] || return 0
	# on the wire: GRE protocol 0x86DD, inner next header 58, ICMPv6 type
	# 133 (hex offsets: outer IPv6 next header at 40, extensions at 108)
	local h g found=
	while read -r h; do
		g=108
		[ "${h:40:2}" = 3c ] && g=124
		if [ "${h:$g:8}" = 000086dd ] && [ "${h:$((g + 20)):2}" = 3a ] && [ "${h:$((g + 88)):2}" = 85 ]; then
			found=${h:40:2}/${h:$g:8}
			break
		fi
	done < <(capture_frames "$cap.wan" | grep '^.\{12\}525400000001')
	check "$t/rs-on-the-wire" "no GRE frame with protocol 0x86DD carrying an ICMPv6 router solicitation from the guest on r1's tap" \
		[ -n "$found" ]
}

# gre_mode K MODE: every ip6gre variant in one tun46 mode
gre_mode() {
	local k=$1 mode=$2
	t46 -n "$R1" peer replace site remote fd00::2 local fd00::1 encap gre encaplimit 4 >/dev/null
	setup "$k/gre/$mode/attach" tun46_attach "$R1" wan0 wan "$mode" || return 1
	setup "$k/gre/$mode/attach" tun46_attach "$R1" lan0 lan "$mode" || return 1
	mode_prep "$mode"
	gre_rs_check "$k" "$mode"
	# the guest's default (the option sent), tun46 with encaplimit 4
	gre_variant "$k" "$mode" limit 1448 '' encaplimit 4
	gre_variant "$k" "$mode" nolimit 1456 'ip link set tun1 type ip6gre encaplimit none' encaplimit none
	gre_variant "$k" "$mode" key-nolimit 1452 'ip link set tun1 type ip6gre key 7' encaplimit none key 7
	gre_variant "$k" "$mode" key-limit 1444 'ip link set tun1 type ip6gre encaplimit 4' encaplimit 4 key 7
	# back to the guest's default for the next mode
	gx 'ip link set tun1 type ip6gre nokey' >/dev/null
	ip -n "$H1" route flush cache
	ip -n "$H2" route flush cache
	t46 -n "$R1" link detach dev lan0 >/dev/null
	t46 -n "$R1" link detach dev wan0 >/dev/null
	E2E_ATTACHED=()
	: "${E2E_ATTACHED[@]}"
}

# The tun46 modes of the ip6gre checks per kernel: QEMU_GRE_MODES_<series>
# (QEMU_GRE_MODES_6_1, QEMU_GRE_MODES_6_12) if set; else every mode of
# $E2E_MODES on 6.12 and only tc on 6.1 (the tier's time budget: tun46 runs
# on the host, so its modes meet the same guest bytes; 6.1's ip6gre is
# checked in full, wire bytes included, in mode tc)
gre_modes() {
	local v="QEMU_GRE_MODES_${1//./_}"
	if [ -n "${!v:-}" ]; then
		echo "${!v}"
	elif [ "$1" = 6.1 ] && [[ " $E2E_MODES " == *" tc "* ]]; then
		echo tc
	else
		echo "$E2E_MODES"
	fi
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
		if gre_guest_up "$k"; then
			for mode in $(gre_modes "$k"); do
				gre_mode "$k" "$mode"
			done
		fi
	fi
	[ "$E2E_FAILS" -gt 0 ] && qemu_console_tail 20 | sed 's/^/# console: /'
	qemu_down
	topo_down
	log "$k: $((SECONDS - t0)) s"
done
e2e_finish
