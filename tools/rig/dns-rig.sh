#!/usr/bin/env bash
# dns-rig.sh up|down|status -- private signed DNS hierarchy in a netns.
#   RIG_NS   netns name (default dbxrig)
#   RIG_DIR  output dir (default <repo>/build/rig/$RIG_NS)
#   RIG_REUSE_NS  1 = the netns already exists and belongs to the caller
#            (e.g. tools/rig/e2e-rig.sh, which starts Postfix in it first):
#            `up` neither creates nor deletes it, `down` stops only our
#            nsd/unbound (pid files) and removes rig0 if `up` added it
# Inside netns $RIG_NS: NSD (authoritative for every rig zone) on
# 192.0.2.53 / 2001:db8::53, validating unbound on 192.0.2.2 / 2001:db8::2.
# All state (configs, pid files, logs, keys, zones) lives in RIG_DIR.
# See tools/rig/README.md.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
RIG_NS=${RIG_NS:-dbxrig}
RIG_DIR=${RIG_DIR:-$top/build/rig/$RIG_NS}
REUSE=${RIG_REUSE_NS:-0}
NSX=(ip netns exec "$RIG_NS")
die() { echo "dns-rig($RIG_NS): $*" >&2; exit 1; }
log() { echo "dns-rig($RIG_NS): $*"; }

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$RIG_NS"; }

# pid from file, only if it is still a daemon we started (nsd/unbound)
daemon_pid() {
  local p
  [ -s "$1" ] || return 1
  p=$(tr -dc 0-9 <"$1"); [ -n "$p" ] || return 1
  [ -d /proc/$p ] || return 1
  case $(readlink /proc/$p/exe 2>/dev/null) in */nsd|*/unbound) echo "$p" ;; *) return 1 ;; esac
}

down() {
  local pids=() p i
  for f in "$RIG_DIR/nsd.pid" "$RIG_DIR/unbound.pid"; do
    p=$(daemon_pid "$f") && pids+=("$p")
  done
  if ns_exists && [ "$REUSE" != 1 ]; then
    for p in $(ip netns pids "$RIG_NS" 2>/dev/null); do pids+=("$p"); done
  fi
  if [ ${#pids[@]} -gt 0 ]; then
    kill "${pids[@]}" 2>/dev/null
    for i in $(seq 30); do
      local alive=0
      for p in "${pids[@]}"; do [ -d /proc/$p ] && alive=1; done
      [ $alive = 0 ] && break
      sleep 0.1
    done
    kill -9 "${pids[@]}" 2>/dev/null
  fi
  if [ "$REUSE" = 1 ]; then
    # the netns is the caller's: remove only what up added
    if ns_exists && [ -f "$RIG_DIR/added-rig0" ]; then ip -n "$RIG_NS" link del rig0 2>/dev/null; fi
    rm -f "$RIG_DIR/added-rig0"
  else
    ns_exists && ip netns del "$RIG_NS" 2>/dev/null
  fi
  rm -f "$RIG_DIR/nsd.pid" "$RIG_DIR/unbound.pid"
  return 0
}

# ask unbound for ". SOA" with DO; 0 if the answer has AD
ad_ok() {
  "${NSX[@]}" dig +dnssec +time=1 +tries=1 @192.0.2.2 . SOA 2>/dev/null |
    grep -q '^;; flags:.* ad[ ;]'
}

write_configs() {
  cat >"$RIG_DIR/nsd.conf" <<EOF
server:
	ip-address: 192.0.2.53
	ip-address: 2001:db8::53
	port: 53
	ip-freebind: yes
	server-count: 1
	username: ""
	chroot: ""
	database: ""
	zonesdir: "$RIG_DIR/zones"
	zonelistfile: "$RIG_DIR/nsd.zonelist"
	xfrdfile: "$RIG_DIR/nsd.xfrd.state"
	xfrdir: "$RIG_DIR"
	pidfile: "$RIG_DIR/nsd.pid"
	logfile: "$RIG_DIR/nsd.log"
	verbosity: 1
	hide-version: yes
	refuse-any: no
remote-control:
	control-enable: no
include: "$RIG_DIR/zones.conf"
EOF
  local common="
	username: \"\"
	chroot: \"\"
	directory: \"$RIG_DIR\"
	root-hints: \"$RIG_DIR/root.hints\"
	trust-anchor-file: \"$RIG_DIR/anchor.txt\"
	do-not-query-localhost: no
	val-log-level: 2
	qname-minimisation: yes
	use-caps-for-id: no
	# test. is an RFC 6761 name unbound blocks by default
	local-zone: \"test.\" nodefault"
  cat >"$RIG_DIR/unbound.conf" <<EOF
server:
	interface: 192.0.2.2
	interface: 2001:db8::2
	port: 53
	ip-freebind: yes
	do-ip4: yes
	do-ip6: yes
	access-control: 0.0.0.0/0 allow
	access-control: ::/0 allow
	num-threads: 1
	so-reuseport: no
	outgoing-range: 64
	num-queries-per-thread: 64
	pidfile: "$RIG_DIR/unbound.pid"
	logfile: "$RIG_DIR/unbound.log"
	use-syslog: no
	verbosity: 1
	log-servfail: yes
	module-config: "validator iterator"
	minimal-responses: no
	val-bogus-ttl: 5
	infra-host-ttl: 60
$common
remote-control:
	control-enable: no
EOF
  # for "ip netns exec $RIG_NS unbound-host -C ..." (libunbound, own cache)
  cat >"$RIG_DIR/unbound-host.conf" <<EOF
server:
$common
EOF
}

up() {
  down
  mkdir -p "$RIG_DIR" || die "cannot create $RIG_DIR"
  RIG_DIR=$(cd "$RIG_DIR" && pwd)
  rm -f "$RIG_DIR"/*.log "$RIG_DIR/env"
  "$here/mkzones.sh" "$RIG_DIR" || die "mkzones failed"
  write_configs
  nsd-checkconf "$RIG_DIR/nsd.conf" || die "nsd.conf invalid"
  unbound-checkconf "$RIG_DIR/unbound.conf" >/dev/null || die "unbound.conf invalid"

  if [ "$REUSE" = 1 ]; then
    ns_exists || die "RIG_REUSE_NS=1 but netns $RIG_NS does not exist"
    touch "$RIG_DIR/added-rig0"
  else
    ip netns add "$RIG_NS" || die "cannot create netns $RIG_NS"
  fi
  ip -n "$RIG_NS" link set lo up
  # a dummy interface when the kernel has one; a port-less bridge otherwise
  ip -n "$RIG_NS" link add rig0 type dummy 2>/dev/null ||
    ip -n "$RIG_NS" link add rig0 type bridge || die "cannot create rig0"
  local a
  for a in 192.0.2.2/24 192.0.2.53/24; do ip -n "$RIG_NS" addr add "$a" dev rig0 || die "addr $a"; done
  for a in 2001:db8::2/64 2001:db8::53/64; do ip -n "$RIG_NS" addr add "$a" dev rig0 nodad || die "addr $a"; done
  ip -n "$RIG_NS" link set rig0 up

  "${NSX[@]}" nsd -c "$RIG_DIR/nsd.conf" || die "nsd failed to start (see $RIG_DIR/nsd.log)"
  local deadline=$((SECONDS + 20)) ok=0
  while [ $SECONDS -lt $deadline ]; do
    "${NSX[@]}" dig +norec +time=1 +tries=1 @192.0.2.53 . SOA 2>/dev/null | grep -q 'status: NOERROR' && { ok=1; break; }
    sleep 0.2
  done
  [ $ok = 1 ] || { tail -5 "$RIG_DIR/nsd.log" >&2; down; die "NSD not answering"; }

  "${NSX[@]}" unbound -c "$RIG_DIR/unbound.conf" || { down; die "unbound failed to start"; }
  ok=0
  while [ $SECONDS -lt $deadline ]; do
    ad_ok && { ok=1; break; }
    sleep 0.2
  done
  [ $ok = 1 ] || { tail -5 "$RIG_DIR/unbound.log" >&2; down; die "unbound gives no AD for '. SOA' within 20 s"; }

  cat >"$RIG_DIR/env" <<EOF
RIG_NS=$RIG_NS
RIG_DIR=$RIG_DIR
RIG_RESOLVER=192.0.2.2
RIG_RESOLVER6=2001:db8::2
RIG_AUTH=192.0.2.53
RIG_AUTH6=2001:db8::53
RIG_ANCHOR=$RIG_DIR/anchor.txt
RIG_TIME=$(cat "$RIG_DIR/time")
RIG_UNBOUND_CONF=$RIG_DIR/unbound-host.conf
EOF
  log "up: resolver 192.0.2.2/2001:db8::2, env in $RIG_DIR/env"
}

status() {
  local rc=0 p
  if ns_exists; then log "netns present"; else log "netns absent"; rc=1; fi
  for d in nsd unbound; do
    if p=$(daemon_pid "$RIG_DIR/$d.pid"); then log "$d running (pid $p)"; else log "$d not running"; rc=1; fi
  done
  if [ $rc = 0 ] && ad_ok; then log "unbound validates (AD on '. SOA')"; else log "not validating"; rc=1; fi
  return $rc
}

case ${1:-} in
  up) up ;;
  down) down; log "down" ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
