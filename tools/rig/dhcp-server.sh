#!/usr/bin/env bash
# dhcp-server.sh up|down|status -- a DHCPv4 server on the DNS rig's link.
#   RIG_NS      netns made by dns-rig.sh up (rig0 must exist there)
#   DHCP_DIR    state (default <repo>/build/rig/$RIG_NS/dhcp): dnsmasq.pid,
#               leases, dnsmasq.log
#   DHCP_POOL   first,last address (default 192.0.2.150,192.0.2.159)
#   DHCP_DNS    DNS server offered (option 6; default 192.0.2.2 = rig
#               unbound; "none": option not sent)
#   DHCP_ROUTER router offered (option 3; default 192.0.2.1; "none": not sent)
#   DHCP_LEASE  lease time (default 10m)
# dnsmasq (Debian dnsmasq-base) runs inside the netns as DHCP server only
# (--port=0: no DNS), bound to rig0, with no config file and no state outside
# DHCP_DIR.  `up` waits at most 5 s for it to listen on UDP 67 and fails (log
# tail, non-zero exit, server stopped) otherwise; `down` stops only the
# dnsmasq named by the pid file (TERM, then KILL after 3 s) and never fails.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
RIG_NS=${RIG_NS:-dbxrig}
DHCP_DIR=${DHCP_DIR:-$top/build/rig/$RIG_NS/dhcp}
DHCP_POOL=${DHCP_POOL:-192.0.2.150,192.0.2.159}
DHCP_DNS=${DHCP_DNS:-192.0.2.2}
DHCP_ROUTER=${DHCP_ROUTER:-192.0.2.1}
DHCP_LEASE=${DHCP_LEASE:-10m}
NSX=(ip netns exec "$RIG_NS")
die() { echo "dhcp-server($RIG_NS): $*" >&2; exit 1; }
log() { echo "dhcp-server($RIG_NS): $*"; }

# pid from the pid file, only if it is still our dnsmasq
server_pid() {
  local p f=$DHCP_DIR/dnsmasq.pid
  [ -s "$f" ] || return 1
  p=$(tr -dc 0-9 <"$f"); [ -n "$p" ] || return 1
  [ -d /proc/$p ] || return 1
  case $(readlink /proc/$p/exe 2>/dev/null) in */dnsmasq) echo "$p" ;; *) return 1 ;; esac
}

listening() { "${NSX[@]}" ss -Hlun 'sport = :67' 2>/dev/null | grep -q .; }

down() {
  local p i
  if p=$(server_pid); then
    kill "$p" 2>/dev/null
    for i in $(seq 30); do [ -d /proc/$p ] || break; sleep 0.1; done
    [ -d /proc/$p ] && kill -9 "$p" 2>/dev/null
  fi
  rm -f "$DHCP_DIR/dnsmasq.pid"
  return 0
}

up() {
  command -v dnsmasq >/dev/null || die "dnsmasq missing (Debian package dnsmasq-base)"
  ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$RIG_NS" ||
    die "netns $RIG_NS absent (run: RIG_NS=$RIG_NS tools/rig/dns-rig.sh up)"
  [[ $DHCP_POOL =~ ^192\.0\.2\.[0-9]+,192\.0\.2\.[0-9]+$ ]] ||
    die "DHCP_POOL '$DHCP_POOL' is not first,last in 192.0.2.0/24"
  local dns=$DHCP_DNS router=$DHCP_ROUTER
  [ "$dns" = none ] && dns=     # "--dhcp-option=6" without a value: not sent
  [ "$router" = none ] && router=
  down
  mkdir -p "$DHCP_DIR" || die "cannot create $DHCP_DIR"
  rm -f "$DHCP_DIR/leases" "$DHCP_DIR/dnsmasq.log"
  : >"$DHCP_DIR/leases"
  "${NSX[@]}" dnsmasq --conf-file=/dev/null --port=0 --interface=rig0 --bind-interfaces \
    --except-interface=lo --no-hosts --no-resolv --user=root --group=root \
    --pid-file="$DHCP_DIR/dnsmasq.pid" --dhcp-leasefile="$DHCP_DIR/leases" \
    --log-facility="$DHCP_DIR/dnsmasq.log" --log-dhcp --dhcp-authoritative \
    --dhcp-range="$DHCP_POOL,255.255.255.0,$DHCP_LEASE" \
    --dhcp-option=3${router:+,$router} --dhcp-option=6${dns:+,$dns} ||
    { tail -5 "$DHCP_DIR/dnsmasq.log" 2>/dev/null; down; die "dnsmasq failed to start"; }
  for _ in $(seq 50); do
    server_pid >/dev/null && listening && { log "up: pool $DHCP_POOL dns $DHCP_DNS router $DHCP_ROUTER (pid $(server_pid))"; return 0; }
    sleep 0.1
  done
  tail -5 "$DHCP_DIR/dnsmasq.log" 2>/dev/null
  down
  die "dnsmasq not listening on UDP 67 within 5 s"
}

case ${1:-} in
  up) up ;;
  down) down; log "down" ;;
  status) server_pid >/dev/null && listening ;;
  *) echo "usage: RIG_NS=ns $0 up|down|status" >&2; exit 2 ;;
esac
