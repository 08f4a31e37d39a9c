#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The qemu tier: the byte-exact datapath fixtures (build/tests/test_datapath,
# BPF_PROG_TEST_RUN in a namespace of its own) run inside a guest on Debian's
# 6.1 and 6.12 kernels.  Each fixture's PASS/FAIL line is reported with the
# kernel in front ("6.1/<fixture>").
source "$(dirname "$0")/lib.sh"
qemu_require qemu-datapath

DP=${DP:-$BUILD/tests/test_datapath}
if [ ! -x "$DP" ]; then
	fail qemu-datapath "$DP not built (run: make test-bins)"
	exit 1
fi

for k in $QEMU_KERNELS; do
	t0=$SECONDS
	if ! qemu_kernel "$k" >"$E2E_TMP/kernel.log" 2>&1; then
		skip "$k/kernel" "Debian's $k kernel could not be fetched: $(tail -c 300 "$E2E_TMP/kernel.log")"
		continue
	fi
	qemu_initramfs "$E2E_TMP/initrd" "$DP" || {
		fail "$k/initramfs" "could not build the initramfs"
		continue
	}
	qemu_boot "$k/boot" "$E2E_TMP/initrd" || {
		qemu_down
		topo_down
		continue
	}
	pass "$k/boot ($QK_PKG, $QVM_KREL, $((SECONDS - t0)) s)"
	# ASan: no leak checker (ptrace-based, slow under TCG)
	out=$(GX_TIMEOUT=300 gx "ASAN_OPTIONS=detect_leaks=0 $(basename "$DP"); echo \"exit status \$?\"")
	printf '%s\n' "$out" >"$E2E_TMP/dp.$k.log"
	n=0
	note=0
	while IFS= read -r line; do
		case "$line" in
		PASS\ * | FAIL\ * | SKIP\ *)
			n=$((n + 1))
			verdict=${line%% *}
			rest=${line#* }
			case "$verdict" in
			PASS) pass "$k/$rest" ;;
			FAIL)
				fail "$k/${rest%%:*}" "${rest#*: }"
				case "$rest" in tc_wan/*) note=1 ;; esac
				;;
			SKIP) skip "$k/${rest%%:*}" "${rest#*: }" ;;
			esac
			;;
		esac
	done <<<"$out"
	if [ "$note" = 1 ]; then
		echo "# $k: tc_wan fixtures that decapsulate are dropped (TC_ACT_SHOT): before Linux 6.3"
		echo "# bpf_skb_adjust_room() rejects BPF_F_ADJ_ROOM_DECAP_L3_IPV4 with -EINVAL at run time"
		echo "# (tests/qemu/test_guest_router.sh shows the decap_drop_adjust counter on real traffic)"
	fi
	st=$(sed -n 's/^exit status //p' "$E2E_TMP/dp.$k.log" | tail -n 1)
	if [ "$n" -eq 0 ] || { [ "${st:-1}" != 0 ] && ! grep -q '^FAIL ' "$E2E_TMP/dp.$k.log"; }; then
		fail "$k/test_datapath" "no results or exit status '${st:-none}' without a FAIL line: $(tail -n 15 "$E2E_TMP/dp.$k.log" | tr '\n' ' ' | head -c 800)"
	fi
	qemu_down
	topo_down
	log "$k: $((SECONDS - t0)) s"
done
e2e_finish
