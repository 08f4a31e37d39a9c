#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# probe-seg6.sh: can this kernel be the kernel SRv6 peer of the tests and the
# bench (seg6 lightweight tunnel, CONFIG_IPV6_SEG6_LWTUNNEL: "encap seg6 mode
# encap.red" and "encap seg6local action End.DX4")?
#
# Tries both route types once in a throwaway network namespace.
#   exit 0: yes
#   exit 1: no: the kernel refuses the encapsulation type; the reason on stdout
#   exit 2: could not tell (no root, no netns, another error); why on stdout.
#           Callers go ahead as if it were there, so that a real failure of
#           the peer's setup still shows as one.
set -u
ns=t46-seg6probe-$$
if ! ip netns add "$ns" 2>/dev/null; then
	echo "cannot create a network namespace to probe seg6 support"
	exit 2
fi
trap 'ip netns del "$ns" 2>/dev/null' EXIT
ip -n "$ns" link set lo up
rc=0
# try DESCRIPTION IP-ARGS...
try() {
	local what=$1 out
	shift
	out=$(ip -n "$ns" "$@" 2>&1) && return 0
	out=$(echo "$out" | tr '\n' ' ' | sed 's/[ .]*$//')
	case "$out" in
	*"not supported"*)
		echo "kernel lacks seg6 lwtunnel (CONFIG_IPV6_SEG6_LWTUNNEL; $what: ${out#Error: })"
		exit 1
		;;
	esac
	echo "probe '$what' failed: $out"
	rc=2
}
try "encap seg6 mode encap.red" \
	route add 192.0.2.0/24 encap seg6 mode encap.red segs 2001:db8::2 dev lo
try "encap seg6local action End.DX4" \
	-6 route add 2001:db8::1/128 encap seg6local action End.DX4 nh4 192.0.2.1 dev lo
exit $rc
