#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The qemu tier: tun46 as the router IN a guest running Debian's 6.1 and 6.12
# kernels, attached to the guest's virtio-net NICs in each mode (xdp,
# xdp-generic, tc), against a tun46 site on the host (mode tc).
#
#   h1 eth0 192.168.1.2 (tap) == virtio eth1 192.168.1.1  guest (tun46)
#     virtio eth0 fd00::1 == (tap) wan0 fd00::2  r2 (tun46, mode tc)
#     lan0 192.168.2.1 -- eth0 192.168.2.2 h2
#
# Checks, per kernel and guest mode: attach, native XDP on virtio-net without
# the "slower locked tx mode" warning, pings both ways, 1400-byte DF pings,
# a 2 MiB TCP transfer each way (sha256), and the guest's counters (the
# transfers' bytes encapsulated and decapsulated, no drop counter moving);
# then a third NIC with ctrl_guest_offloads=off, where the kernel refuses
# native XDP: tun46's refusal must carry the kernel's reason.
# Mode tc on 6.1 fails until tun46 decapsulates in TC without
# BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (6.3+): the failure says so (decap_drop_adjust).
# One guest boot per kernel.
source "$(dirname "$0")/lib.sh"
qemu_require qemu-guest-router

TXMB=${QEMU_TXMB:-2}
HOST_MODE=${QEMU_HOST_MODE:-tc}

host_up() {
	ns_new H1 h1 && ns_new R2 r2 && ns_new H2 h2 || return 1
	qemu_tap_to vwan "$R2" wan0 && qemu_tap_to vlan "$H1" eth0 || return 1
	veth "$R2" lan0 "$H2" eth0 || return 1
	ip -n "$H1" addr add 192.168.1.2/24 dev eth0
	ip -n "$H1" route add default via 192.168.1.1
	ip -n "$H2" addr add 192.168.2.2/24 dev eth0
	ip -n "$H2" link set eth0 up
	ip -n "$H2" route add default via 192.168.2.1
	nsx "$R2" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$R2" addr add 192.168.2.1/24 dev lan0
	ip -n "$R2" addr add fd00::2/64 dev wan0 nodad
	ip -n "$R2" link set lan0 up
	nsx "$R2" ethtool -K lan0 gro on >/dev/null 2>&1
	nsx "$H2" ethtool -K eth0 gro on >/dev/null 2>&1
	tun46_site "$R2" lan0 wan0 "$HOST_MODE" fd00::2 fd00::1 192.168.1.0/24
}

guest_up() {
	gx 'sysctl -qw net.ipv4.ip_forward=1
ip link set eth0 up && ip link set eth1 up &&
ip addr add fd00::1/64 dev eth0 nodad && ip addr add 192.168.1.1/24 dev eth1 &&
tun46 peer add site remote fd00::2 local fd00::1 &&
tun46 route add 192.168.2.0/24 peer site'
}

# mode_prep MODE: in the XDP modes no TX checksum offload on the hosts'
# NICs (an XDP redirect would forward CHECKSUM_PARTIAL frames unfinished)
mode_prep() {
	local st=on
	case "$1" in xdp*) st=off ;; esac
	nsx "$H1" ethtool -K eth0 tx "$st" >/dev/null 2>&1
	nsx "$H2" ethtool -K eth0 tx "$st" >/dev/null 2>&1
	nsx "$R2" ethtool -K wan0 tx "$st" >/dev/null 2>&1
}


# drops JSON: the guest's nonzero drop counters, "name=value ..."
drops() {
	printf '%s' "$1" | jq -r '.total // {} | to_entries[] | select((.key | test("drop")) and .value > 0) | "\(.key)=\(.value)"' 2>/dev/null | tr '\n' ' '
}

run_mode() {
	local k=$1 mode=$2 r out j0 j1 why="" up
	if ! out=$(gx "tun46 link attach dev eth0 role wan mode $mode && tun46 link attach dev eth1 role lan mode $mode" 2>&1); then
		fail "$k/$mode/attach" "$(printf '%s' "$out" | tr '\n' ' ' | head -c 500)"
		gx 'tun46 link detach dev eth0; tun46 link detach dev eth1' >/dev/null 2>&1
		return 1
	fi
	pass "$k/$mode/attach"
	if [ "$mode" = xdp ]; then
		r=$(gx 'ip -d link show dev eth0 | grep -o "xdp[a-z]*" | head -n 1; dmesg | grep -i "locked tx\|Can.t set XDP"')
		check "$k/$mode/virtio-native-xdp" "eth0: '$(printf '%s' "$r" | tr '\n' ' ')' (want native xdp, no locked-tx warning)" \
			[ "$r" = xdp ]
	fi
	mode_prep "$mode"
	j0=$(gx 'tun46 -j stats')
	# the first packets may wait for neighbour resolution in the slow path
	ping_count "$H1" 192.168.2.2 -c 1 -W 3 >/dev/null
	qemu_traffic "$k/$mode"
	j1=$(gx 'tun46 -j stats')
	local e d dr min=$((TXMB * 1048576)) delta
	# bytes through the fast path plus the kernel's path (tun46 device)
	e=$(($(num "$(counter - encap_bytes "$j1")") + $(num "$(counter - slow_encap_bytes "$j1")") -
		$(num "$(counter - encap_bytes "$j0")") - $(num "$(counter - slow_encap_bytes "$j0")")))
	d=$(($(num "$(counter - decap_bytes "$j1")") + $(num "$(counter - slow_decap_bytes "$j1")") -
		$(num "$(counter - decap_bytes "$j0")") - $(num "$(counter - slow_decap_bytes "$j0")")))
	# every counter that moved
	delta=$(jq -rn --argjson a "${j0:-null}" --argjson b "${j1:-null}" \
		'($b.total // {}) | to_entries[] | select(.value != (($a.total // {})[.key] // 0)) | "\(.key) +\(.value - (($a.total // {})[.key] // 0))"' 2>/dev/null |
		grep -v bytes | tr '\n' ' ')
	dr=$(drops "$j1")
	# each transfer's data is encapsulated and decapsulated once (the fast
	# path's and the tunnel device's bytes together); no drop counter moves
	ok=0
	[ "$e" -ge "$min" ] && [ "$d" -ge "$min" ] && [ -z "$dr" ] && ok=1
	check "$k/$mode/counters" "encapsulated +$e bytes, decapsulated +$d bytes (want >= $min each); moved: $delta; drops: ${dr:-none}" [ "$ok" = 1 ]
	log "$k/$mode counters: encapsulated +$e bytes, decapsulated +$d bytes; moved: $delta"
	if [ -n "$dr" ]; then
		case "$dr" in *decap_drop_adjust=*)
			why="decap_drop_adjust: bpf_skb_adjust_room(BPF_F_ADJ_ROOM_DECAP_L3_IPV4) needs Linux 6.3; this is $QVM_KREL"
			[ "$mode" = tc ] || why="$why (mode $mode hands frames to tc_wan)"
			fail "$k/$mode/known-cause" "$why: tun46 has no TC decapsulation fallback yet (issue 9)"
			;;
		esac
	fi
	gx 'tun46 link detach dev eth0 && tun46 link detach dev eth1' >/dev/null ||
		fail "$k/$mode/detach" "tun46 link detach failed in the guest"
	gx 'tun46 stats reset' >/dev/null
}

# refusal_check K: a virtio-net NIC whose guest offloads cannot be switched
# off (qemu ctrl_guest_offloads=off, guest eth2): the kernel refuses native
# XDP ("Can't set XDP while host is implementing GRO_HW/CSUM"); tun46 must
# refuse `mode xdp` and pass on the kernel's reason, not claim that the
# driver has no native XDP
refusal_check() {
	local k=$1 out rc=0
	out=$(gx 'ip link set eth2 up; tun46 link attach dev eth2 role lan mode xdp') || rc=$?
	gx 'tun46 link detach dev eth2' >/dev/null 2>&1
	out=$(printf '%s' "$out" | tr '\n' ' ' | head -c 400)
	if [ "$rc" = 0 ]; then
		fail "$k/xdp-refusal-reason" "tun46 attached mode xdp to a virtio NIC with ctrl_guest_offloads=off: $out"
	elif printf '%s' "$out" | grep -q 'GRO_HW/CSUM'; then
		pass "$k/xdp-refusal-reason"
	else
		fail "$k/xdp-refusal-reason" "refused without the kernel's reason (GRO_HW/CSUM): $out"
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
	qemu_boot "$k/boot" "$E2E_TMP/initrd" vwan vlan vnox:ctrl_guest_offloads=off || {
		qemu_down
		topo_down
		continue
	}
	pass "$k/boot ($QK_PKG, $QVM_KREL, $((SECONDS - t0)) s)"
	if setup "$k/host" host_up && setup "$k/guest" guest_up; then
		for mode in $E2E_MODES; do
			run_mode "$k" "$mode"
		done
		refusal_check "$k"
	fi
	[ "$E2E_FAILS" -gt 0 ] && qemu_console_tail 20 | sed 's/^/# console: /'
	qemu_down
	topo_down
	log "$k: $((SECONDS - t0)) s"
done
e2e_finish
