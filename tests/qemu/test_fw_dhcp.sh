#!/usr/bin/env bash
# The firmware with ip=dhcp: QEMU (mps2-an386) on the DNS rig's link gets its
# IPv4 address, router and DNS server from dnsmasq (tools/rig/dhcp-server.sh)
# running in the rig's netns.  Prints "PASS: name" / "FAIL: name" lines.
#
#  run 1: ip=dhcp mode=resolve, no resolver=: lease in the pool (the same
#    address dnsmasq's lease file holds for the firmware's MAC), gw = the
#    offered router, resolver 192.0.2.2 taken from the lease and flagged as
#    such, and the rig TLSA validates secure through it; exit 0.
#  run 2: ip=dhcp gw=192.0.2.9 resolver=192.0.2.2 mode=dnsprobe: gw= wins
#    over the offered router, the given resolver is used, exchanges ok.
#  run 3: server offers no DNS server, no resolver=: clean exit 6.
#  run 4: no DHCP server at all: "no lease" after the documented wait
#    (20 s = 5 x timeout=, clamped to 20..60 s), exit 6, no mode run.
# Needs root (netns, tap), nsd, unbound, dnsmasq (dnsmasq-base),
# qemu-system-arm, make BOARD=mps2-an386.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib.sh
export RIG_NS=${RIG_NS_DHCP:-dbxdhcp$$}
TMO=${QEMU_TIMEOUT:-60}
elf=build/mps2-an386/danebox.elf
TAP=dhcptap0
POOL_LO=150 POOL_HI=159
export DHCP_POOL=192.0.2.$POOL_LO,192.0.2.$POOL_HI
fails=0
out=$(mktemp -d)
cleanup() {
  tools/rig/dhcp-server.sh down >/dev/null 2>&1
  tools/rig/dns-rig.sh down >/dev/null 2>&1
  rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# fw <log> <config block>: the firmware on the rig link
fw() {
  local log=$1; shift
  qemu_args mps2-an386 "$elf"
  tools/rig/qemu-net.sh -t "$TAP" -- timeout "$TMO" "${QEMU_ARGS[@]}" -append "$*" </dev/null 2>"$log.err" | tr -d '\r' >"$log"
  local rc=${PIPESTATUS[0]}
  sed 's/^/  | /' "$log" | cut -c1-200; sed 's/^/  ! /' "$log.err"
  return "$rc"
}
dhcp() { tools/rig/dhcp-server.sh "$@" >"$out/dhcp.log" 2>&1 || { cat "$out/dhcp.log"; return 1; }; }

[ -f "$elf" ] || { fail "firmware image built" "$elf missing"; exit 1; }
command -v dnsmasq >/dev/null || { fail "dnsmasq installed" "apt-get install dnsmasq-base"; exit 1; }
t0=$SECONDS
if tools/rig/dns-rig.sh up >"$out/rig.log" 2>&1; then pass "rig $RIG_NS up"
else cat "$out/rig.log"; fail "rig $RIG_NS up"; exit 1; fi
. "build/rig/$RIG_NS/env"
LEASES=$top/build/rig/$RIG_NS/dhcp/leases
if dhcp up; then pass "DHCP server (dnsmasq) up on rig0, pool $DHCP_POOL"
else fail "DHCP server up"; exit 1; fi

# ---- run 1: lease, router and resolver from DHCP; validated lookup ----------
log=$out/r1
ds=$(awk '$4 == "DS" {print $5 ":" $6 ":" $7 ":" $8; exit}' "$RIG_ANCHOR")
fw "$log" ip=dhcp mode=resolve anchor=rig anchor-ds="$ds" time="$RIG_TIME" timeout=5000 \
  query=_25._tcp.mx.rsa.test/TLSA
rc=$?
lease=$(sed -n 's|^net: dhcp: lease \([0-9.]*\)/24 (mask 255.255.255.0) gw 192.0.2.1 (offered) from server 192.0.2.2, 600 s, after \([0-9]*\) ms$|\1 \2|p' "$log")
ip=${lease% *}; ms=${lease#* }
if [ -n "$lease" ] && [ "${ip%.*}" = 192.0.2 ] && [ "${ip##*.}" -ge $POOL_LO ] && [ "${ip##*.}" -le $POOL_HI ]; then
  pass "lease $ip/24 in the pool, gw 192.0.2.1 offered, server 192.0.2.2, 600 s (after $ms ms)"
else fail "lease in the pool with mask/gw/server" "$(grep -m1 '^net: dhcp: lease' "$log")"; fi
if [ -n "$ip" ] && grep -q "^[0-9]* 52:54:00:12:34:56 $ip " "$LEASES"; then
  pass "dnsmasq's lease file holds $ip for the firmware's MAC"
else fail "dnsmasq lease file matches" "$(cat "$LEASES")"; fi
expect "DNS server from the lease" "$log" "^net: dhcp: dns 192\.0\.2\.2$"
expect "resolver flagged as from DHCP (untrusted, transport only)" "$log" \
  "^resolver: 192\.0\.2\.2:53 from DHCP \(untrusted, transport only"
st=$(grep -m1 '^{' "$log" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(d["status"], d["kind"])' 2>/dev/null)
if [ "$st" = "secure data" ]; then pass "TLSA _25._tcp.mx.rsa.test validated secure via the DHCP resolver"
else fail "TLSA secure via the DHCP resolver" "${st:-no JSON line}"; fi
if [ $rc = 0 ]; then pass "run 1: exit 0"; else fail "run 1: exit 0" "got $rc"; fi

# ---- run 2: gw= overrides the router, resolver= given --------------------------
log=$out/r2
fw "$log" ip=dhcp gw=192.0.2.9 mode=dnsprobe resolver=192.0.2.2 query=./SOA
rc=$?
expect "gw= overrides the offered router" "$log" \
  "^net: dhcp: lease 192\.0\.2\.[0-9]+/24 \(mask 255\.255\.255\.0\) gw 192\.0\.2\.9 \(gw= given\)"
expect_not "resolver= given: none taken from DHCP" "$log" "^resolver: .*from DHCP"
expect "dnsprobe over the leased address" "$log" "^dnsprobe: 2 exchanges ok, 0 failed, 0 sockets left open$"
if [ $rc = 0 ]; then pass "run 2: exit 0"; else fail "run 2: exit 0" "got $rc"; fi

# ---- run 3: lease without a DNS server, no resolver= ---------------------------
if DHCP_DNS=none dhcp up; then pass "DHCP server restarted without option 6"
else fail "DHCP server restart (no DNS option)"; fi
log=$out/r3
fw "$log" ip=dhcp mode=dnsprobe query=./SOA
rc=$?
expect "lease without DNS server reported" "$log" "^net: dhcp: dns none offered$"
expect "refused: no DNS server and no resolver=" "$log" \
  "^net: dhcp: the lease has no DNS server and no resolver= was given$"
expect_not "no exchange attempted" "$log" "^dnsprobe: (udp|tcp) "
if [ $rc = 6 ]; then pass "run 3: exit 6"; else fail "run 3: exit 6" "got $rc"; fi

# ---- run 4: no DHCP server ----------------------------------------------------
dhcp down
if tools/rig/dhcp-server.sh status; then fail "DHCP server stopped" "still running"
else pass "DHCP server stopped (pid file)"; fi
log=$out/r4
t1=$SECONDS
fw "$log" ip=dhcp mode=dnsprobe resolver=192.0.2.2 query=./SOA
rc=$?
dt=$((SECONDS - t1))
expect "waits the documented 20 s" "$log" "^net: dhcp: waiting up to 20000 ms for a lease$"
expect "no lease: reported" "$log" "^net: dhcp: no lease within 20000 ms$"
expect "mode not run" "$log" "^dnsprobe: not run \(no usable DHCP lease: timeout\)$"
expect_not "no exchange attempted" "$log" "^dnsprobe: (udp|tcp) "
if [ $rc = 6 ]; then pass "run 4: exit 6"; else fail "run 4: exit 6" "got $rc"; fi
if [ $dt -le 26 ]; then pass "bounded: QEMU ran $dt s (wait 20 s)"
else fail "bounded failure (<= 26 s)" "$dt s"; fi

echo "  (suite took $((SECONDS - t0)) s)"
[ $fails = 0 ]
