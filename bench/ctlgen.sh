#!/usr/bin/env bash
# bench/ctlgen.sh PEERS ROUTES [EXTRA]: a hub-scale tun46 config file on stdout.
#   PEERS peers p0..p(N-1), remote fd00::<i/65536>:<i%65536>+1 (distinct),
#   local fd01::1, encap ip4ip6; ROUTES /32 routes 10.x.y.z/32 (route i =
#   10.<i>>16>.<i>>8&255>.<i&255>), route i to peer i % PEERS (spread evenly).
#   EXTRA: "mtu"   peer p0 gets mtu 1400 (a one-peer change: its routes' MTU)
#          "plus"  one more peer pX with 100 routes 11.0.0.0/32.. (one peer added)
# Used by `make bench` (ctlscale, scripts/bench.sh) and by hand:
#   bench/ctlgen.sh 10000 1000000 >big.conf; tun46 -n NS config apply big.conf
set -eu
peers=${1:?PEERS}
routes=${2:?ROUTES}
extra=${3:-}
[ "$peers" -ge 1 ] || { echo "ctlgen: PEERS must be >= 1" >&2; exit 1; }
awk -v np="$peers" -v nr="$routes" -v extra="$extra" 'BEGIN {
	for (i = 0; i < np; i++) {
		mtu = (extra == "mtu" && i == 0) ? " mtu 1400" : ""
		printf "peer add p%d remote fd00::%x:%x local fd01::1%s\n", i, int(i / 65536), i % 65536 + 1, mtu
	}
	if (extra == "plus") {
		printf "peer add pX remote fd02::1 local fd01::1\n"
		for (i = 0; i < 100; i++)
			printf "route add 11.0.0.%d/32 peer pX\n", i
	}
	for (i = 0; i < nr; i++)
		printf "route add 10.%d.%d.%d/32 peer p%d\n", int(i / 65536), int(i / 256) % 256, i % 256, i % np
}'
