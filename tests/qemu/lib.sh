# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
# The qemu test tier (sourced; tests/run.sh skips lib*.sh).
#
# Boots Debian's own kernels (6.1: Debian 12; 6.12: Debian 12 security/
# backports, Debian 13) under qemu-system-x86_64 with TCG and a minimal
# initramfs built here, with virtio-net NICs joined to test namespaces by tap
# devices.  The kernel packages are downloaded with `apt-get download` and
# unpacked into a cache folder, never installed on the host:
#   $QEMU_CACHE (default /var/cache/tun46-qemu)/<package>/{vmlinuz,modules/}
#
# The guest runs a small command server on its second serial port (ttyS1,
# a qemu "pipe" chardev here): `gx CMD...` runs a shell command in the guest
# and prints its output, with its exit status as gx's own.  The first serial
# port (ttyS0) is the console, kept in $QVM_DIR/console.log.
#
# Guest NICs: `-device virtio-net-pci,mq=on` with 4 queue pairs for 2 vCPUs
# (virtio_net gives XDP_TX/REDIRECT their own queues only when the device has
# queue pairs for the stack's queues plus one per CPU; otherwise it warns and
# uses a slower locked mode).  Guest offloads stay negotiable
# (ctrl_guest_offloads=on, qemu's default): virtio_net then turns them off
# itself when an XDP program is attached; with ctrl_guest_offloads=off it
# refuses native XDP ("Can't set XDP while host is implementing GRO_HW/CSUM").
#
# Everything (namespaces, taps, qemu) is removed by the EXIT trap of
# tests/e2e/lib.sh, pass or fail.

QEMU_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../e2e/lib.sh
source "$QEMU_DIR/../e2e/lib.sh"

QEMU=${QEMU:-qemu-system-x86_64}
QEMU_CACHE=${QEMU_CACHE:-/var/cache/tun46-qemu}
# Kernels of the tier: "6.1 6.12" (QEMU_KERNELS="6.12" narrows it).
QEMU_KERNELS=${QEMU_KERNELS:-"6.1 6.12"}
QEMU_SMP=2
QEMU_QUEUES=4
# Modules the guest loads (with their dependencies, in modprobe's order).
# ip6_gre (with gre, ip6_tunnel, tunnel6): the ip6gre peer of test_ip6tnl_peer.sh
QEMU_MODULES="virtio_pci virtio_net veth ip6_tunnel tunnel6 gre ip6_gre sch_ingress cls_bpf act_bpf"
# Host programs copied into the initramfs (with their shared libraries).
QEMU_PROGS="ip tc ethtool"

# ---- requirements ----

# qemu_require NAME: SKIP (exit 0) where qemu cannot run at all
qemu_require() {
	local name=$1
	e2e_require "$name"
	if ! command -v "$QEMU" >/dev/null; then
		skip "$name" "$QEMU not installed (run: make deps; Debian package qemu-system-x86)"
		exit 0
	fi
	local t missing=()
	for t in apt-get dpkg-deb depmod modprobe cpio xz; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		fail "$name" "missing tools: ${missing[*]} (run: make deps)"
		exit 1
	fi
}

# ---- kernels and busybox from Debian packages (cached) ----

# _qemu_pkg_name SERIES: the newest linux-image package of SERIES apt knows,
# else the newest one in the cache
_qemu_pkg_name() {
	local series=$1 re
	case "$series" in
	6.1) re='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
	6.12) re='^linux-image-6\.12\.[0-9]+\+deb1[23]-amd64$' ;;
	*) re="^linux-image-${series//./\\.}[.-][0-9.+a-z-]*-amd64\$" ;;
	esac
	local v="QEMU_KERNEL_${series//./_}"
	if [ -n "${!v:-}" ]; then
		echo "${!v}"
		return 0
	fi
	{
		apt-cache pkgnames linux-image- 2>/dev/null
		find "$QEMU_CACHE" -mindepth 1 -maxdepth 1 -name 'linux-image-*' -printf '%f\n' 2>/dev/null
	} | grep -E "$re" | grep -v -e '-dbg$' -e unsigned | sort -uV | tail -n 1
}

# _qemu_fetch PKG DIR: download PKG's .deb into DIR (prints its path)
_qemu_fetch() {
	local pkg=$1 dir=$2 deb
	mkdir -p "$dir"
	chmod 755 "$dir"
	deb=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
	if [ -z "$deb" ]; then
		# stale package lists (the version was superseded): update once, retry
		(cd "$dir" && apt-get download -qq "$pkg") >"$dir/download.log" 2>&1 ||
			{ apt-get update -qq && (cd "$dir" && apt-get download -qq "$pkg"); } >"$dir/download.log" 2>&1 || {
			echo "apt-get download $pkg failed: $(tail -n 2 "$dir/download.log" | tr '\n' ' ')" >&2
			return 1
		}
		deb=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
	fi
	[ -n "$deb" ] && echo "$deb"
}

# _qemu_vmlinux VMLINUZ OUT: the uncompressed ELF kernel inside a bzImage
# (the first xz or zstd stream, as the kernel's scripts/extract-vmlinux
# finds it).  qemu boots it directly through its PVH entry (CONFIG_PVH),
# which spares the guest the decompression: 5 to 7 s less per boot under TCG.
_qemu_vmlinux() {
	local in=$1 out=$2 m pat off
	for m in xz zstd; do
		case $m in
		xz) pat='\xfd7zXZ\x00' ;;
		zstd) pat='\x28\xb5\x2f\xfd' ;;
		esac
		for off in $(LC_ALL=C grep -obUaP "$pat" "$in" | cut -d: -f1 | head -n 3); do
			tail -c +$((off + 1)) "$in" | "$m" -dc >"$out" 2>/dev/null
			if [ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] &&
				LC_ALL=C grep -qa 'Xen' "$out"; then
				return 0
			fi
		done
	done
	rm -f "$out"
	return 1
}

# qemu_kernel SERIES: prepares the kernel of SERIES in the cache and sets
# QK_DIR (vmlinuz, vmlinux if it could be extracted, modules/*.ko,
# modules/order, release), QK_PKG and QK_IMAGE (the file to boot).
# Only the modules of $QEMU_MODULES and their dependencies are kept.
qemu_kernel() {
	# one preparation at a time (tests of other checkouts share the cache)
	mkdir -p "$QEMU_CACHE" || return 1
	local lk rc=0
	exec {lk}>"$QEMU_CACHE/.lock"
	flock "$lk"
	_qemu_kernel "$@" || rc=$?
	exec {lk}>&-
	return "$rc"
}
# _qemu_ready FILE: the cached kernel (prepared as FILE says: "2 MODULE...")
# holds every module of $QEMU_MODULES (checkouts with a shorter list share a
# cache prepared for a longer one, without preparing it again)
_qemu_ready() {
	local have m
	[ -f "$1" ] || return 1
	have=" $(cat "$1") "
	case "$have" in " 2 "*) ;; *) return 1 ;; esac
	for m in $QEMU_MODULES; do
		case "$have" in *" $m "*) ;; *) return 1 ;; esac
	done
}
_qemu_kernel() {
	local series=$1 pkg dir deb tmp rel m line f
	pkg=$(_qemu_pkg_name "$series")
	[ -n "$pkg" ] || {
		echo "no linux-image package for $series in apt's lists or $QEMU_CACHE" >&2
		return 1
	}
	dir="$QEMU_CACHE/$pkg"
	# shellcheck disable=SC2034 # the tests print it
	QK_PKG=$pkg
	QK_DIR=$dir
	QK_IMAGE=$dir/vmlinux
	[ "${QEMU_KIMG:-}" = vmlinuz ] && QK_IMAGE=$dir/vmlinuz
	if _qemu_ready "$dir/ready"; then
		[ -f "$QK_IMAGE" ] || QK_IMAGE=$dir/vmlinuz
		return 0
	fi
	deb=$(_qemu_fetch "$pkg" "$QEMU_CACHE/deb") || return 1
	tmp=$(mktemp -d "$QEMU_CACHE/x.XXXXXX")
	dpkg-deb -x "$deb" "$tmp" || {
		rm -rf "$tmp"
		return 1
	}
	rel=$(find "$tmp/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | head -n 1)
	depmod -b "$tmp" "$rel" || {
		rm -rf "$tmp"
		return 1
	}
	rm -rf "$dir.new"
	mkdir -p "$dir.new/modules"
	cp "$tmp/boot/vmlinuz-$rel" "$dir.new/vmlinuz"
	_qemu_vmlinux "$dir.new/vmlinuz" "$dir.new/vmlinux"
	cp "$tmp/boot/config-$rel" "$dir.new/config"
	echo "$rel" >"$dir.new/release"
	: >"$dir.new/modules/order"
	for m in $QEMU_MODULES; do
		# "insmod /path/x.ko[.xz]" lines, dependencies first; nothing for built-ins
		modprobe -d "$tmp" -S "$rel" --show-depends "$m" 2>/dev/null | while read -r line f _; do
			[ "$line" = insmod ] || continue
			local b
			b=$(basename "$f")
			b=${b%.xz}
			b=${b%.zst}
			grep -qx "$b" "$dir.new/modules/order" && continue
			case "$f" in
			*.xz) xz -dc "$f" >"$dir.new/modules/$b" ;;
			*.zst) zstd -qdc "$f" >"$dir.new/modules/$b" ;;
			*) cp "$f" "$dir.new/modules/$b" ;;
			esac
			echo "$b" >>"$dir.new/modules/order"
		done
	done
	rm -rf "$tmp" "$dir"
	mv "$dir.new" "$dir"
	echo "2 $QEMU_MODULES" >"$dir/ready"
	[ -f "$QK_IMAGE" ] || QK_IMAGE=$dir/vmlinuz
}

# qemu_busybox: path of a busybox binary for the guest (busybox-static's,
# unpacked into the cache; else the host's busybox with its libraries)
qemu_busybox() {
	local d="$QEMU_CACHE/busybox-static" deb lk
	if [ ! -x "$d/bin/busybox" ]; then
		exec {lk}>"$QEMU_CACHE/.lock"
		flock "$lk"
		[ -x "$d/bin/busybox" ] || if deb=$(_qemu_fetch busybox-static "$QEMU_CACHE/deb" 2>/dev/null); then
			rm -rf "$d" && mkdir -p "$d" && dpkg-deb -x "$deb" "$d"
		fi
		exec {lk}>&-
	fi
	if [ -x "$d/bin/busybox" ]; then
		echo "$d/bin/busybox"
	else
		command -v busybox
	fi
}

# ---- initramfs ----

# _qemu_copy_prog ROOT FILE [DEST]: FILE and its shared libraries into ROOT
_qemu_copy_prog() {
	local root=$1 f=$2 dest=${3:-/usr/bin/$(basename "$2")} lib
	mkdir -p "$root$(dirname "$dest")"
	cp -L "$f" "$root$dest"
	for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# qemu_initramfs OUT [FILE...]: the guest's initramfs (uncompressed cpio):
# busybox, $QEMU_PROGS, tun46 and the FILEs given (host paths, copied to
# /usr/bin), the kernel's modules ($QK_DIR) and /init.
qemu_initramfs() {
	local out=$1 root p bb
	shift
	root=$(mktemp -d "$E2E_TMP/initramfs.XXXXXX")
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,var,modules,lib64}
	ln -s ../run "$root/var/run"
	bb=$(qemu_busybox) || return 1
	_qemu_copy_prog "$root" "$bb" /bin/busybox
	# dash as /bin/sh: busybox sh prefers its own applets (ip, tc) to PATH
	_qemu_copy_prog "$root" "$(readlink -f /bin/sh)" /bin/sh
	for p in $QEMU_PROGS; do
		_qemu_copy_prog "$root" "$(command -v "$p")"
	done
	_qemu_copy_prog "$root" "$TUN46" /usr/bin/tun46
	for p in "$@"; do
		_qemu_copy_prog "$root" "$p"
	done
	cp "$QK_DIR"/modules/* "$root/modules/"
	cp "$QEMU_DIR/guest-init" "$root/init"
	chmod 755 "$root/init"
	echo "root:x:0:0:root:/:/bin/sh" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$out" || return 1
	rm -rf "$root"
}

# ---- the guest ----

# qemu_boot NAME INITRD TAP[:DEVICE-OPTIONS]...: start the guest in a new
# namespace $QVM_NS holding the taps TAP... (one virtio-net NIC each, guest
# eth0, eth1, ... in that order, MACs 52:54:00:00:00:0N; DEVICE-OPTIONS are
# added to its -device virtio-net-pci); waits for the command server.  Move the
# taps where they belong afterwards with qemu_tap_to.
qemu_boot() {
	local E2E_FAILS_BEFORE=$E2E_FAILS out
	# Under TCG on a loaded 2-core machine a boot can stall: one more try
	# (quietly) before the failure counts.
	out=$(mktemp "$E2E_TMP/boot.XXXXXX")
	if qemu_boot_once "$@" >"$out"; then
		cat "$out"
		return 0
	fi
	E2E_FAILS=$E2E_FAILS_BEFORE
	echo "# $1: first boot failed ($(tr '\n' ' ' <"$out" | head -c 300)); trying once more"
	qemu_down
	ip netns del "$QVM_NS" 2>/dev/null
	qemu_boot_once "$@"
}

qemu_boot_once() {
	local name=$1 initrd=$2 i=0 t
	shift 2
	ns_new QVM_NS vm || {
		fail "$name" "could not create the guest's namespace"
		return 1
	}
	QVM_DIR=$(mktemp -d "$E2E_TMP/vm.XXXXXX")
	mkfifo "$QVM_DIR/ctl.in" "$QVM_DIR/ctl.out"
	# shellcheck disable=SC2054 # qemu options are comma-separated
	local args=(-nodefaults -display none -no-reboot -M pc -cpu "${QEMU_CPU:-max}"
		-accel tcg,thread=multi -smp "$QEMU_SMP" -m 768
		-kernel "$QK_IMAGE" -initrd "$initrd"
		-append "console=ttyS0 quiet loglevel=4 panic=-1 net.ifnames=0 tsc=reliable mitigations=off"
		-serial "file:$QVM_DIR/console.log"
		-chardev "pipe,id=ctl,path=$QVM_DIR/ctl" -serial chardev:ctl)
	local opts
	for t in "$@"; do
		opts=
		case "$t" in *:*)
			opts=,${t#*:}
			t=${t%%:*}
			;;
		esac
		ip -n "$QVM_NS" tuntap add dev "$t" mode tap multi_queue || {
			fail "$name" "could not create tap $t"
			return 1
		}
		args+=(-netdev "tap,id=n$i,ifname=$t,script=no,downscript=no,vhost=off,queues=$QEMU_QUEUES"
			-device "virtio-net-pci,netdev=n$i,mac=52:54:00:00:00:0$((i + 1)),mq=on,vectors=$((2 * QEMU_QUEUES + 2))$opts")
		i=$((i + 1))
	done
	# the control pipe: opened read-write here so that neither side blocks
	exec {QVM_IN}<>"$QVM_DIR/ctl.in" {QVM_OUT}<>"$QVM_DIR/ctl.out"
	# not through a shell function: $! must be qemu itself (ip netns exec
	# execs it), so that the teardown's kill reaches it
	ip netns exec "$QVM_NS" "$QEMU" "${args[@]}" >"$QVM_DIR/qemu.log" 2>&1 &
	QVM_PID=$!
	E2E_PIDS+=("$QVM_PID")
	local line t0=$SECONDS
	while :; do
		if ! IFS= read -r -t 5 -u "$QVM_OUT" line; then
			if ! kill -0 "$QVM_PID" 2>/dev/null; then
				fail "$name" "qemu exited: $(tail -c 400 "$QVM_DIR/qemu.log") console: $(tail -c 600 "$QVM_DIR/console.log")"
				return 1
			fi
			if [ $((SECONDS - t0)) -gt "${QEMU_BOOT_TIMEOUT:-120}" ]; then
				fail "$name" "guest did not boot in ${QEMU_BOOT_TIMEOUT:-120} s; console: $(tail -c 800 "$QVM_DIR/console.log")"
				return 1
			fi
			continue
		fi
		case "$line" in @@READY*)
			QVM_KREL=${line#@@READY }
			break
			;;
		esac
	done
	log "guest up in $((SECONDS - t0)) s: kernel $QVM_KREL"
}

# qemu_tap_to TAP NS NAME: move a guest's tap into NS, renamed NAME, up
qemu_tap_to() {
	ip -n "$QVM_NS" link set dev "$1" netns "$2" || return 1
	ip -n "$2" link set dev "$1" name "$3" || return 1
	ip -n "$2" link set dev "$3" up
}

# gx CMD...: run a shell command line in the guest (default timeout 60 s,
# GX_TIMEOUT overrides); prints its output (stdout and stderr), returns its
# status (124 on a timeout).
gx() {
	local cmd="$*" line rc=124 t0=$SECONDS
	[ "$E2E_VERBOSE" = 1 ] && echo "+ guest: $cmd" >&2
	printf '%s\n' "$(printf '%s' "$cmd" | base64 -w0)" >&"$QVM_IN"
	while [ $((SECONDS - t0)) -lt "${GX_TIMEOUT:-60}" ]; do
		IFS= read -r -t 2 -u "$QVM_OUT" line || {
			kill -0 "$QVM_PID" 2>/dev/null || break
			continue
		}
		line=${line%$'\r'}
		# the end marker "@@RC N"; under TCG the emulated serial port has
		# been seen to lose a byte of it ("@RC 0"): accept that too
		if [[ $line =~ ^@{0,2}RC\ ([0-9]+)$ ]]; then
			rc=${BASH_REMATCH[1]}
			break
		fi
		printf '%s\n' "$line"
	done
	return "$rc"
}

# qemu_console_tail [N]: last N (40) lines of the guest console
qemu_console_tail() { tail -n "${1:-40}" "$QVM_DIR/console.log" 2>/dev/null; }

# qemu_down: stop the guest (the EXIT trap does it too)
qemu_down() {
	[ -n "${QVM_PID:-}" ] || return 0
	kill "$QVM_PID" 2>/dev/null
	wait "$QVM_PID" 2>/dev/null
	QVM_PID=
	exec {QVM_IN}>&- {QVM_OUT}<&-
}

# ---- traffic through a guest site ----

# dfpass NS DST SIZE: two SIZE-byte DF pings from NS to DST both answered
dfpass() { [ "$(ping_count "$1" "$2" -c 2 -i 0.2 -W 3 -M "do" -s $(($3 - 28)))" = 2 ]; }

# qemu_traffic PREFIX: between h1 (192.168.1.2) and h2 (192.168.2.2), pings
# both ways, 1400-byte DF pings both ways, and a TCP transfer of $TXMB MiB
# each way with a sha256 of the data; results named PREFIX/...
qemu_traffic() {
	local p=$1 r up=0
	r=$(ping_count "$H1" 192.168.2.2 -c 3 -i 0.2 -W 3)
	check "$p/ping-h1-h2" "received ${r:-0}/3" [ "${r:-0}" = 3 ]
	[ "${r:-0}" = 0 ] || up=1
	r=$(ping_count "$H2" 192.168.1.2 -c 3 -i 0.2 -W 3)
	check "$p/ping-h2-h1" "received ${r:-0}/3" [ "${r:-0}" = 3 ]
	[ "${r:-0}" = 0 ] || up=1
	check "$p/df1400-h1-h2" "1400-byte DF ping lost" dfpass "$H1" 192.168.2.2 1400
	check "$p/df1400-h2-h1" "1400-byte DF ping lost" dfpass "$H2" 192.168.1.2 1400
	if [ "$up" = 0 ]; then
		# no connectivity at all: do not wait for TCP timeouts
		fail "$p/tcp-h1-h2" "not attempted: no ping got through"
		fail "$p/tcp-h2-h1" "not attempted: no ping got through"
		return
	fi
	r=$(tcp_transfer "$H1" "$H2" 192.168.2.2 "$TXMB" 5201)
	check "$p/tcp-h1-h2" "$r" [ "${r%% *}" = ok ]
	log "$p tcp h1->h2: $r"
	r=$(tcp_transfer "$H2" "$H1" 192.168.1.2 "$TXMB" 5202)
	check "$p/tcp-h2-h1" "$r" [ "${r%% *}" = ok ]
	log "$p tcp h2->h1: $r"
}
