# bench_rig.sh -- sourced by tools/bench/bench.sh (uses its put, log, nsx,
# ms_now, median, $NS, $OUT, $DANEBOX, $DELAY_MS, $CG_RUNS): the e2e rig and
# the measuring tools every rig section shares.
#
#   rig_up / rig_down     tools/rig/e2e-rig.sh in netns $NS; the command lines
#                         (DRES, UBH, DRILL, CHK_*, PTFD) the sections run
#   warm_unbound          the rig unbound's cache warm for those commands
#   unbound_restart       the rig unbound with empty caches
#   smtp_up               the probe / posttls-finger command lines (PROBE, PTF)
#   cg_ir, cg_series      callgrind total Ir of a command (median of runs)
#   nfq_start/stop/mark   tools/bench/nfqdelay: packet log (and delay)
#   delay_on / delay_off  $DELAY_MS one way in the netns (netem, else NFQUEUE)
#   wall_ms               wall time of a command in the netns
# rig_down also stops bench_relay_host.sh's MTAs (rh_cleanup).
# shellcheck shell=bash

# ---- rig ------------------------------------------------------------------------
# One netns: tools/rig/e2e-rig.sh = Postfix servers (smtp-rig.sh) + the signed
# DNS hierarchy (dns-rig.sh, RIG_REUSE_NS) whose test. zone carries the mail
# domains' MX/A/AAAA/TLSA; /etc/netns/$NS/resolv.conf -> the rig unbound.
RIG_UP=0 SMTP_UP=0 NFQ_PID=
E2E_DIR=$top/build/e2e/$NS
rig_down() {
  rh_cleanup
  [ -n "$NFQ_PID" ] && { kill "$NFQ_PID" 2>/dev/null; wait "$NFQ_PID" 2>/dev/null; NFQ_PID=; }
  [ $RIG_UP = 1 ] && E2E_NS=$NS E2E_DIR=$E2E_DIR tools/rig/e2e-rig.sh down >/dev/null 2>&1
  SMTP_UP=0 RIG_UP=0
}


rig_up() {
  log "e2e rig $NS up (Postfix + signed DNS)"
  RIG_UP=1
  E2E_NS=$NS E2E_DIR=$E2E_DIR timeout 200 tools/rig/e2e-rig.sh up >"$OUT/rig.log" 2>&1 || { rig_down; return 1; }
  # shellcheck disable=SC1090
  . "$E2E_DIR/env"
  grep DNSKEY "$RIG_ANCHOR" >"$OUT/anchor.key"   # drill -k wants keys only
  DRES=("$DANEBOX" resolve "$NAME" TLSA --resolver "$RIG_RESOLVER" --anchor "$RIG_ANCHOR" --time "$RIG_TIME")
  UBH=(unbound-host -C "$RIG_UNBOUND_CONF" -v -t TLSA "$NAME")
  DRILL=(drill -S -k "$OUT/anchor.key" @"$RIG_RESOLVER" "$NAME" TLSA)
  # danebox check, IPv4 only (-4): one SMTP session per check (without it
  # danebox probes the IPv4 and the IPv6 address of the MX host, two sessions,
  # where posttls-finger stops at the first), so the counts compare and repeat
  CHK_OPTS=(--resolver "$RIG_RESOLVER" --anchor "$RIG_ANCHOR" --time "$RIG_TIME" -4 --timeout 10000)
  CHK_EE=("$DANEBOX" check dane-ee.test "${CHK_OPTS[@]}")
  CHK_EE2=("$DANEBOX" check dane-ee.test dane-ee.test "${CHK_OPTS[@]}")
  CHK_TA=("$DANEBOX" check dane-ta.test "${CHK_OPTS[@]}")
  # posttls-finger as a DANE client: stub resolver (resolv.conf of the netns,
  # trust-ad) -> the rig unbound validates; -a ipv4 like danebox's -4
  mkdir -p "$OUT/pfd"
  printf 'compatibility_level = 3.6\nsmtp_dns_support_level = dnssec\nsmtp_tls_loglevel = 1\nmyhostname = client.bench.test\n' >"$OUT/pfd/main.cf"
  PTFD=(env MAIL_CONFIG="$OUT/pfd" posttls-finger -t10 -T30 -l dane -a ipv4 -P /dev/null dane-ee.test)
  # warm the rig's unbound: danebox and drill measure their own work, with
  # the recursive resolver's answers already cached (as on a real gateway)
  warm_unbound
}
warm_unbound() {
  nsx "${DRES[@]}" >/dev/null 2>&1
  nsx "${DRILL[@]}" >/dev/null 2>&1
  nsx "${CHK_EE[@]}" >/dev/null 2>&1
  nsx "${CHK_TA[@]}" >/dev/null 2>&1
}

# restart the rig's unbound: empty cache (message, RRset, key and infra
# caches) for the posttls-finger + cold unbound rows.  Only the daemon named
# by the rig's pid file, and only if it is unbound.
unbound_restart() {
  local pid i
  pid=$(cat "$RIG_DIR/unbound.pid" 2>/dev/null)
  [ -n "$pid" ] && [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == */unbound ]] || return 1
  kill "$pid"
  for i in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
  nsx unbound -c "$RIG_DIR/unbound.conf" || return 1
  # ready = listening on 192.0.2.2:53 (asked via netlink: no DNS packet, so
  # the cache stays empty and the packet log unchanged)
  for i in $(seq 200); do
    nsx ss -Hlun 2>/dev/null | grep -q "$RIG_RESOLVER:53 " && return 0
    sleep 0.02
  done
  return 1
}

smtp_up() {
  skipped smtp && return 1
  SMTP_UP=1
  mkdir -p "$OUT/pf" && : >"$OUT/pf/main.cf"   # posttls-finger needs a (empty) main.cf
  PROBE=("$DANEBOX" probe "$SMTP_ADDR" --sni "$SMTP_SNI" --timeout 10000)
  PTF=(env MAIL_CONFIG="$OUT/pf" posttls-finger -c -l may -L summary "[$SMTP_ADDR]:25")
}

cg_ir() { # TAG CMD... -> prints total Ir; callgrind output kept as $OUT/TAG.cg
  local tag=$1; shift
  nsx valgrind --tool=callgrind --callgrind-out-file="$OUT/$tag.cg" "$@" >"$OUT/$tag.out" 2>"$OUT/$tag.vg" || true
  awk '/^(summary|totals):/{print $2; exit}' "$OUT/$tag.cg"
}

cg_series() { # KEY CMD...  -> KEY (median), KEY_min, KEY_max, KEY_runs
  local key=$1; shift
  local i v vals=()
  for i in $(seq 1 "$CG_RUNS"); do
    v=$(cg_ir "$key.$i" "$@"); [ -n "$v" ] && vals+=("$v")
  done
  [ ${#vals[@]} -gt 0 ] || { put "${key}_status" "no callgrind total"; return; }
  put "$key" "$(printf '%s\n' "${vals[@]}" | median)"
  put "${key}_min" "$(printf '%s\n' "${vals[@]}" | sort -n | head -1)"
  put "${key}_max" "$(printf '%s\n' "${vals[@]}" | sort -n | tail -1)"
  put "${key}_runs" "${#vals[@]}"
}

NFQ_LOG=
nfq_start() { # DELAY_MS LOGFILE
  NFQ_LOG=$2; : >"$NFQ_LOG"
  local ipt p
  for ipt in iptables-legacy ip6tables-legacy; do
    for p in tcp udp; do nsx $ipt -A OUTPUT -p $p -j NFQUEUE --queue-num 0 --queue-bypass || return 1; done
  done
  # not through nsx (a function would fork a subshell): $! must be nfqdelay
  ip netns exec "$NS" "$OUT/nfqdelay" -d "$1" -l "$NFQ_LOG" >>"$OUT/nfqdelay.out" 2>&1 &
  NFQ_PID=$!
  sleep 0.3
  kill -0 "$NFQ_PID" 2>/dev/null
}
nfq_stop() {
  [ -n "$NFQ_PID" ] && { kill "$NFQ_PID" 2>/dev/null; wait "$NFQ_PID" 2>/dev/null; }
  NFQ_PID=
  local ipt p
  for ipt in iptables-legacy ip6tables-legacy; do
    for p in tcp udp; do nsx $ipt -D OUTPUT -p $p -j NFQUEUE --queue-num 0 --queue-bypass 2>/dev/null; done
  done
}
nfq_mark() { echo "mark $1" >>"$NFQ_LOG"; sleep 0.2; }

build_nfqdelay() {
  [ -x "$OUT/nfqdelay" ] && [ "$OUT/nfqdelay" -nt tools/bench/nfqdelay.c ] && return 0
  cc -O2 -Wall -o "$OUT/nfqdelay" tools/bench/nfqdelay.c -lnetfilter_queue 2>"$OUT/nfqdelay.build"
}

delay_on() {
  if nsx tc qdisc add dev lo root netem delay "${DELAY_MS}ms" 2>/dev/null; then
    DELAY_HOW="tc netem delay ${DELAY_MS}ms on lo in the netns"; DELAY_KIND=netem; return 0
  fi
  if build_nfqdelay && nfq_start "$DELAY_MS" "$OUT/latency-queries.log"; then
    DELAY_HOW="nfqdelay: every TCP/UDP packet sent in the netns held ${DELAY_MS} ms (NFQUEUE; kernel without sch_netem)"
    DELAY_KIND=nfq; return 0
  fi
  nfq_stop; return 1
}
delay_off() {
  if [ "${DELAY_KIND:-}" = netem ]; then nsx tc qdisc del dev lo root 2>/dev/null; else nfq_stop; fi
}

wall_ms() { # CMD... -> elapsed ms (exit status ignored; output to /dev/null)
  local t0 t1
  t0=$(ms_now); nsx "$@" >/dev/null 2>&1; t1=$(ms_now)
  echo $((t1 - t0))
}
