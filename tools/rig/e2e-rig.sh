#!/usr/bin/env bash
# e2e-rig.sh up|down|status -- the combined rig for `danebox check`: one
# netns holding the Postfix servers (smtp-rig.sh) AND the signed DNS
# hierarchy (dns-rig.sh) whose zones carry the servers' TLSA records.
#
# Ordering: the SMTP rig generates keys per run and the DNS rig must sign
# TLSA records for them, so: (1) create the netns here, (2) start Postfix in
# it (SMTP_REUSE_NS=1) -> servers.txt, (3) run the DNS rig in the same netns
# (RIG_REUSE_NS=1); its hooks 50-smtp.sh (-> test. zone) and 60-e2e.sh
# (E2E_RIG=1: extra check domains) read servers.txt before signing.
# `down` undoes it in reverse and deletes the netns.
#
#   E2E_NS   netns name (default dbxe2e)
#   E2E_DIR  state (default <repo>/build/e2e/$E2E_NS): env, sub-rig dirs
#
# Inside the netns: unbound 192.0.2.2 / 2001:db8::2, NSD 192.0.2.53, Postfix
# on 192.0.2.25-.30 / 2001:db8::25-30 (tools/rig/SMTP.md); 192.0.2.40 /
# 2001:db8::40 are reserved for a test's man-in-the-middle relay and
# 192.0.2.3 for a test's forging resolver (added to lo here).
# /etc/netns/$E2E_NS/resolv.conf points at the rig unbound (with trust-ad),
# so `ip netns exec` programs using the system resolver (posttls-finger) use it.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
NS=${E2E_NS:-dbxe2e}
DIR=${E2E_DIR:-$top/build/e2e/$NS}
log() { echo "e2e-rig($NS): $*" >&2; }
die() { log "$*"; exit 1; }
ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$NS"; }

sub_env() {
  export SMTP_NS=$NS SMTP_REUSE_NS=1 SMTP_DIR=$DIR/smtp
  export RIG_NS=$NS RIG_REUSE_NS=1 RIG_DIR=$DIR/dns
  export E2E_RIG=1 SMTP_ZONE_FILE=test.zone
}

down() {
  sub_env
  "$here/dns-rig.sh" down >/dev/null 2>&1 || true
  "$here/smtp-rig.sh" down >/dev/null 2>&1 || true
  if ns_exists; then
    # anything a test left running in our netns (relays, forgers)
    local pids p
    pids=$(ip netns pids "$NS" 2>/dev/null)
    [ -z "$pids" ] || kill $pids 2>/dev/null
    for _ in $(seq 20); do [ -z "$(ip netns pids "$NS" 2>/dev/null)" ] && break; sleep 0.1; done
    pids=$(ip netns pids "$NS" 2>/dev/null)
    [ -z "$pids" ] || kill -9 $pids 2>/dev/null
    ip netns del "$NS" 2>/dev/null
  fi
  rm -rf "/etc/netns/$NS"
  rm -f "$DIR/env"
  return 0
}

up() {
  [ "$(id -u)" = 0 ] || die "needs root"
  down
  mkdir -p "$DIR" || die "cannot create $DIR"
  DIR=$(cd "$DIR" && pwd)
  ip netns add "$NS" || die "cannot create netns $NS"
  ip -n "$NS" link set lo up
  sub_env
  timeout 120 "$here/smtp-rig.sh" up || { down; die "SMTP rig failed"; }
  timeout 120 "$here/dns-rig.sh" up >"$DIR/dns-up.log" 2>&1 || { cat "$DIR/dns-up.log" >&2; down; die "DNS rig failed"; }
  grep -q '^twomx.test' "$DIR/dns/zones/test.zone" || { down; die "60-e2e hook added nothing"; }
  ip -n "$NS" addr add 192.0.2.40/32 dev lo
  ip -n "$NS" addr add 2001:db8::40/128 dev lo nodad
  ip -n "$NS" addr add 192.0.2.3/32 dev lo
  mkdir -p "/etc/netns/$NS"
  printf 'nameserver 192.0.2.2\noptions trust-ad\n' >"/etc/netns/$NS/resolv.conf"
  {
    cat "$DIR/dns/env"
    echo "E2E_NS=$NS"
    echo "E2E_DIR=$DIR"
    echo "SMTP_DIR=$DIR/smtp"
    echo "SMTP_SERVERS=$DIR/smtp/servers.txt"
    echo "E2E_RELAY=192.0.2.40"
    echo "E2E_RELAY6=2001:db8::40"
    echo "E2E_FORGER=192.0.2.3"
  } >"$DIR/env"
  log "up: env in $DIR/env"
}

status() {
  sub_env
  ns_exists || { log "netns absent"; return 1; }
  "$here/dns-rig.sh" status && "$here/smtp-rig.sh" status
}

case ${1:-} in
  up) up ;;
  down) down; log "down" ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
