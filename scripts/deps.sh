#!/usr/bin/env bash
# Install the Debian packages tun46 needs to build, test, demo and benchmark.
# Idempotent: installs only what is missing.  Needs root (apt-get).
set -euo pipefail

pkgs=(
	make gcc clang llvm pkg-config libbpf-dev libelf-dev zlib1g-dev bpftool
	libclang-rt-14-dev clang-format
	iproute2 iputils-ping traceroute ethtool tcpdump iperf3 netcat-openbsd
	gnuplot-nox procps kmod socat jq python3 nftables radvd
	dnsmasq-base busybox
	prometheus # promtool: tests/e2e/test_metrics.sh checks the metrics with the real parser
	qemu-system-x86 cpio xz-utils zstd
)

missing=()
for p in "${pkgs[@]}"; do
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
