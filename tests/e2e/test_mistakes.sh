#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Configuration mistakes that would give a dead tunnel silently (issue 10,
# lib/sanity.c): what is certainly wrong is refused with a message that names
# the peer, the address and what to do, and nothing changes (tun46's state,
# the links and the kernel routes are the same before and after); what is
# probably wrong is a warning and the command goes on.  Also the warning of
# `link detach` of the last WAN while peers are configured and traffic flows.
#
# One mode only (tc, or the first of E2E_MODES): these are control-plane
# checks made before anything is written, the same in every mode.
. "$(dirname "$0")/lib.sh"
e2e_require mistakes

MODE=tc
case " $E2E_MODES " in *" tc "*) ;; *) MODE=${E2E_MODES%% *} ;; esac

# snap NS: tun46's state, the interfaces and the IPv4 kernel routes
snap() {
	"$TUN46" -n "$1" config show 2>&1
	ip -n "$1" -br link | awk '{print $1}'
	ip -n "$1" route show
	tc -n "$1" filter show dev lan0 ingress 2>/dev/null
	tc -n "$1" filter show dev wan0 ingress 2>/dev/null
}

# refused NAME NS RC WORD... -- CMD...: CMD exits RC, its stderr holds every
# WORD, and NS is as it was
refused() {
	local name=$1 ns=$2 want_rc=$3 w
	shift 3
	local words=()
	while [ "$1" != -- ]; do
		words+=("$1")
		shift
	done
	shift
	snap "$ns" >"$E2E_TMP/before"
	"$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	local rc=$?
	snap "$ns" >"$E2E_TMP/after"
	if [ "$rc" != "$want_rc" ]; then
		fail "$name" "exit $rc (expected $want_rc): $(head -c 400 "$E2E_TMP/err")"
		return
	fi
	for w in "${words[@]}"; do
		if ! grep -qF -- "$w" "$E2E_TMP/err"; then
			fail "$name" "no \"$w\" in: $(head -c 600 "$E2E_TMP/err")"
			return
		fi
	done
	if ! cmp -s "$E2E_TMP/before" "$E2E_TMP/after"; then
		fail "$name" "the state changed: $(diff "$E2E_TMP/before" "$E2E_TMP/after" | head -c 400)"
		return
	fi
	pass "$name ($(grep -v '^Try ' "$E2E_TMP/err" | grep -v 'warning:' | head -n 1 | head -c 200))"
}

# warned NAME WORD CMD...: CMD succeeds with a warning line holding WORD
warned() {
	local name=$1 word=$2
	shift 2
	"$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	local rc=$?
	if [ "$rc" != 0 ]; then
		fail "$name" "exit $rc: $(head -c 400 "$E2E_TMP/err")"
	elif ! grep "warning:" "$E2E_TMP/err" | grep -qF -- "$word"; then
		fail "$name" "no warning with \"$word\": $(head -c 400 "$E2E_TMP/err")"
	else
		pass "$name ($(grep -F -- "$word" "$E2E_TMP/err" | head -n 1 | head -c 200))"
	fi
}

mode_up "$MODE" || e2e_finish
log "mode $MODE: r1 fd00::1 (site 1), r2 fd00::2 (site 2)"
if [ "$(ping_count "$H1" 192.168.2.2 -c 3 -i 0.2 -W 2)" -ge 1 ] 2>/dev/null; then
	pass "setup: the two sites talk"
else
	fail "setup: the two sites talk" "no ping reply h1 -> h2"
fi

# site 1's file, as the README writes it (local auto)
cat >"$E2E_TMP/site1.conf" <<CONF
link attach dev lan0 role lan mode $MODE
link attach dev wan0 role wan mode $MODE
peer add site remote fd00::2 local auto
route add 192.168.2.0/24 peer site
CONF

# ---- site 1's file applied on site 2 ----
refused "site1 file on site2: config apply refuses local auto = remote" "$R2" 1 \
	"site1.conf:3:" "peer site: local auto resolved to fd00::2, which is the peer's remote" \
	"other site's file" "nothing applied" -- "$TUN46" -n "$R2" config apply "$E2E_TMP/site1.conf"
grep -q "warning: route 192.168.2.0/24 peer site: inside this router's own subnet 192.168.2.0/24 on lan0" \
	"$E2E_TMP/err" && pass "site1 file on site2: its route is this router's own LAN (warning)" ||
	fail "site1 file on site2: its route is this router's own LAN (warning)" "$(head -c 400 "$E2E_TMP/err")"
refused "site1 file on site2: config check says so too" "$R2" 1 \
	"peer site: local auto resolved to fd00::2" -- "$TUN46" -n "$R2" config check "$E2E_TMP/site1.conf"
refused "site1 line on site2: peer add refuses local auto = remote" "$R2" 1 \
	"peer site1b: local auto resolved to fd00::2, which is the peer's remote" \
	-- "$TUN46" -n "$R2" peer add site1b remote fd00::2 local auto
refused "explicit: a remote of this router is refused" "$R2" 1 \
	"peer site1b: remote fd00::2 is an address of this router (wan0)" \
	-- "$TUN46" -n "$R2" peer add site1b remote fd00::2 local fd00::1
refused "explicit: a local this router does not own is refused" "$R2" 1 \
	"peer site: local fd00::1 is not an address of this router (it has wan0 fd00::2)" \
	-- "$TUN46" -n "$R2" peer change site remote fd00::3 local fd00::1
refused "peer replace checks too" "$R2" 1 "peer site: local fd00::99 is not an address of this router" \
	-- "$TUN46" -n "$R2" peer replace site remote fd00::1 local fd00::99

# a namespace where nothing is loaded yet stays so
refused "first peer refused: nothing loaded, no tunnel device" "$H1" 1 \
	"peer x: local fd00::1 is not an address of this router (it has no global IPv6 address)" \
	-- "$TUN46" -n "$H1" peer add x remote fd00::2 local fd00::1
E2E_T46_NS+=("$H1")

# ---- endpoint forms ----
refused "link-local remote refused (command)" "$R1" 2 '"fe80::2" is a link-local address' \
	-- "$TUN46" -n "$R1" peer add ll remote fe80::2 local fd00::1
printf 'peer add ll remote fe80::2 local auto\n' >"$E2E_TMP/ll.conf"
refused "link-local remote refused (config apply)" "$R1" 1 "ll.conf:1:" "link-local" "nothing applied" \
	-- "$TUN46" -n "$R1" config apply "$E2E_TMP/ll.conf"

# ---- LAN and WAN swapped ----
cat >"$E2E_TMP/swapped.conf" <<CONF
link attach dev lan0 role wan mode $MODE
link attach dev wan0 role lan mode $MODE
peer add site remote fd00::2 local fd00::1
route add 192.168.2.0/24 peer site
CONF
refused "roles swapped: config apply refuses" "$R1" 1 "swapped.conf:3:" \
	"peer site: the route toward remote fd00::2 leaves through wan0, attached as lan" "swapped" \
	"nothing applied" -- "$TUN46" -n "$R1" config apply "$E2E_TMP/swapped.conf"
refused "roles swapped: config check refuses" "$R1" 1 "leaves through wan0, attached as lan" \
	-- "$TUN46" -n "$R1" config check "$E2E_TMP/swapped.conf"

# ---- probable mistakes: warned, done ----
warned "no route toward the remote: warning" "peer far: no IPv6 route toward remote 2001:db8:77::1" \
	"$TUN46" -n "$R1" peer add far remote 2001:db8:77::1 local fd00::1
"$TUN46" -n "$R1" peer show far 2>/dev/null | grep -q "far id" && pass "no route toward the remote: peer added" ||
	fail "no route toward the remote: peer added" "$("$TUN46" -n "$R1" peer show 2>&1)"
"$TUN46" -n "$R1" peer del far >/dev/null 2>&1
veth "$R1" ext0 "$R1" extp && ip -n "$R1" link set ext0 up && ip -n "$R1" link set extp up &&
	ip -n "$R1" addr add 2001:db8:9::1/64 dev ext0 nodad
warned "local on a port tun46 is not attached to: warning" "local 2001:db8:9::1 is on ext0, which is not attached as wan" \
	"$TUN46" -n "$R1" peer add ext remote fd00::5 local 2001:db8:9::1
"$TUN46" -n "$R1" peer del ext >/dev/null 2>&1
{
	cat "$E2E_TMP/site1.conf"
	echo "route add 192.168.1.128/25 peer site"
} >"$E2E_TMP/own.conf"
warned "route inside the router's own subnet: warning" \
	"route 192.168.1.128/25 peer site: inside this router's own subnet 192.168.1.0/24 on lan0" \
	"$TUN46" -n "$R1" config apply "$E2E_TMP/own.conf"
"$TUN46" -n "$R1" config apply "$E2E_TMP/site1.conf" >/dev/null 2>&1
if [ "$(ping_count "$H1" 192.168.2.2 -c 3 -i 0.2 -W 2)" -ge 1 ] 2>/dev/null; then
	pass "the sane file applied on site 1: the sites still talk"
else
	fail "the sane file applied on site 1: the sites still talk" "no ping reply h1 -> h2"
fi

# ---- local auto on a point-to-point WAN address (`ip addr add A peer B`):
# the router's own address is IFA_LOCAL; IFA_ADDRESS is the far end's ----
if ns_new P2P p2p; then
	E2E_T46_NS+=("$P2P")
	ip -n "$P2P" link add pwan type veth peer name pfar
	ip -n "$P2P" link set pwan up && ip -n "$P2P" link set pfar up
	ip -n "$P2P" addr add fd00:77::2/128 peer fd00:77::1/128 dev pwan nodad
	ip -n "$P2P" route add fd00:88::/64 via fd00:77::1 dev pwan 2>/dev/null ||
		ip -n "$P2P" route add fd00:88::/64 dev pwan
	if "$TUN46" -n "$P2P" link attach dev pwan role wan mode "$MODE" >"$E2E_TMP/out" 2>"$E2E_TMP/err" &&
		"$TUN46" -n "$P2P" peer add far remote fd00:88::9 local auto >>"$E2E_TMP/out" 2>>"$E2E_TMP/err"; then
		got=$("$TUN46" -n "$P2P" -j peer show 2>/dev/null | jq -r '.[] | select(.name == "far") | .local')
		if [ "$got" = fd00:77::2 ]; then
			pass "local auto on a point-to-point WAN address takes this router's end (fd00:77::2)"
		else
			fail "local auto on a point-to-point WAN address takes this router's end" "local is '$got', expected fd00:77::2"
		fi
	else
		fail "local auto on a point-to-point WAN address takes this router's end" "$(head -c 400 "$E2E_TMP/err")"
	fi
	"$TUN46" -n "$P2P" link detach dev pwan >/dev/null 2>&1
else
	fail "local auto on a point-to-point WAN address" "cannot create a namespace"
fi

# ---- detaching the WAN under traffic ----
nsx "$H1" ping -n -q -i 0.05 -c 400 192.168.2.2 >/dev/null 2>&1 &
E2E_PIDS+=($!)
sleep 0.3
"$TUN46" -n "$R1" link detach dev lan0 >"$E2E_TMP/out" 2>"$E2E_TMP/err"
rc=$?
if [ "$rc" = 0 ] && ! grep -q "detaching" "$E2E_TMP/err"; then
	pass "detach the lan port: no WAN warning"
else
	fail "detach the lan port: no WAN warning" "exit $rc: $(head -c 300 "$E2E_TMP/err")"
fi
warned "detach the wan under traffic: warning" "detaching wan wan0: the 1 peer's tunnel stops until a WAN is attached again" \
	"$TUN46" -n "$R1" link detach dev wan0
[ "$(grep -c . "$E2E_TMP/err")" = 1 ] && pass "detach the wan: one line" ||
	fail "detach the wan: one line" "$(cat "$E2E_TMP/err")"
# r1's ports are detached: the teardown need not
kept=()
for a in "${E2E_ATTACHED[@]}"; do
	case "$a" in "$R1 "*) ;; *) kept+=("$a") ;; esac
done
E2E_ATTACHED=("${kept[@]}")

e2e_finish
