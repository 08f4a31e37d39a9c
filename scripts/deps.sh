#!/usr/bin/env bash
# Install the Debian packages tun46 needs, by purpose.
# Idempotent: installs only what is missing.  Needs root (apt-get).
#
#   scripts/deps.sh            everything for a lab: build, test, demo, bench
#                              and packaging (make deps, make test, make bench)
#   scripts/deps.sh --build    compile tun46 and tun46d (make all)
#   scripts/deps.sh --package  --build plus Debian's packaging tools
#                              (dpkg-buildpackage, lintian)
#   scripts/deps.sh --demo     --build plus what scripts/demo.sh runs (make demo)
#   scripts/deps.sh --runtime  what a router running tun46 needs: the shared
#                              libraries (the BPF object is inside the binary)
#                              and iproute2 (recommended: ip netns, inspection)
#   scripts/deps.sh --list MODE  print the packages of MODE, install nothing
set -euo pipefail

runtime=(libbpf1 libelf1 zlib1g iproute2)
build=(make gcc libc6-dev linux-libc-dev clang llvm pkg-config libbpf-dev libelf-dev zlib1g-dev bpftool)
packaging=(debhelper dpkg-dev lintian fakeroot build-essential git systemd man-db)
demo=(iproute2 iputils-ping socat ethtool procps)

mode=all list=0
if [ "${1:-}" = --list ]; then
	list=1
	shift
fi
case "${1:-}" in
"" | --all) mode=all ;;
--build | --package | --demo | --runtime) mode=${1#--} ;;
*)
	echo "usage: $0 [--list] [--all|--build|--package|--demo|--runtime]" >&2
	exit 2
	;;
esac

# The packages of $mode (pkgs, below, is the full lab set).
selected() {
	case $mode in
	runtime) echo "${runtime[*]}" ;;
	build) echo "${build[*]}" ;;
	package) echo "${build[*]} ${packaging[*]}" ;;
	demo) echo "${build[*]} ${demo[*]}" ;;
	all) echo "${runtime[*]} ${build[*]} ${pkgs[*]} ${packaging[*]}" ;;
	esac | tr ' ' '\n' | awk 'NF && !seen[$0]++'
}

pkgs=(
	make gcc clang llvm pkg-config libbpf-dev libelf-dev zlib1g-dev bpftool
	libclang-rt-14-dev clang-format
	iproute2 iputils-ping traceroute ethtool tcpdump iperf3 netcat-openbsd
	gnuplot-nox procps kmod socat jq python3 nftables radvd
	dnsmasq-base busybox
	prometheus # promtool: tests/e2e/test_metrics.sh checks the metrics with the real parser
	qemu-system-x86 cpio xz-utils zstd
)

if [ "$list" = 1 ]; then
	selected
	exit 0
fi

missing=()
for p in $(selected); do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: run as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
