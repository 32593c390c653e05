# bench_host.sh -- sourced by tools/bench/bench.sh (uses its put, log, nsx,
# median, $OUT, $RES, $RUNS and bench_rig.sh after rig_up): danebox resolve
# and probe against their peers on the rig.
#
#   bench_host     3. callgrind Ir: danebox resolve cold / --repeat 2,
#                  unbound-host cold, drill -S
#   bench_queries  4. DNS queries per lookup (danebox counters + packet log),
#                  unbound-host's queries to NSD
#   bench_smtp     4. SMTP round trips of danebox probe vs posttls-finger
#   bench_latency  5. delay in the rig netns, interleaved runs: danebox vs
#                  unbound-host vs drill -S, probe vs posttls-finger
# shellcheck shell=bash

bench_host() {
  log "host callgrind (${CG_RUNS} runs each)"
  cg_series ir_dbx_1 "${DRES[@]}"
  cg_series ir_dbx_2 "${DRES[@]}" --repeat 2
  grep -q 'secure (validated)' "$OUT/ir_dbx_1.1.out" && put dbx_result secure || put dbx_result "$(head -1 "$OUT/ir_dbx_1.1.out")"
  cg_series ir_ubh "${UBH[@]}"
  grep -q '(secure)' "$OUT/ir_ubh.1.out" && put ubh_result secure || put ubh_result "$(head -1 "$OUT/ir_ubh.1.out")"
  cg_series ir_drill "${DRILL[@]}"
  grep -q 'Chase successful' "$OUT/ir_drill.1.out" && put drill_result "chase successful" || put drill_result "$(tail -1 "$OUT/ir_drill.1.out")"
  # where danebox's cold Ir go: inclusive share of the mbedTLS bignum/RSA code
  if command -v callgrind_annotate >/dev/null; then
    callgrind_annotate --inclusive=yes "$OUT/ir_dbx_1.1.cg" 2>/dev/null >"$OUT/ir_dbx_1.annotate"
    put ir_dbx_1_rsa_incl "$(awk '/mbedtls_rsa_pkcs1_verify[^_]/{gsub(",","",$1); print $1; exit}' "$OUT/ir_dbx_1.annotate")"
    put ir_dbx_1_ldns_parse_incl "$(awk '/ldns_wire2pkt[^_]/{gsub(",","",$1); print $1; exit}' "$OUT/ir_dbx_1.annotate")"
  fi
}

bench_queries() {
  log "queries (danebox counters, packet log)"
  nsx "${DRES[@]}" --repeat 2 --json >"$OUT/q_dbx.json" 2>&1
  put q_dbx_cold "$(sed -n '1s/.*"queries":\([0-9]*\).*/\1/p' "$OUT/q_dbx.json")"
  put q_dbx_warm "$(sed -n '2s/.*"queries":\([0-9]*\).*/\1/p' "$OUT/q_dbx.json")"
  put sig_dbx_cold "$(sed -n '1s/.*"sig_verifies":\([0-9]*\).*/\1/p' "$OUT/q_dbx.json")"
  put sig_dbx_warm "$(sed -n '2s/.*"sig_verifies":\([0-9]*\).*/\1/p' "$OUT/q_dbx.json")"
  if ! build_nfqdelay || ! nfq_start 0 "$OUT/queries.log"; then
    nfq_stop; put qlog_status "NFQUEUE packet log unavailable"; return
  fi
  nfq_mark dbx
  nsx "${DRES[@]}" --repeat 2 >/dev/null 2>&1
  nfq_mark ubh
  nsx "${UBH[@]}" >/dev/null 2>&1
  nfq_mark drill
  nsx "${DRILL[@]}" >/dev/null 2>&1
  nfq_mark end
  nfq_stop
  # per section: UDP queries and TCP connects by destination
  awk -v auth="$RIG_AUTH" -v res="$RIG_RESOLVER" -v auth6="$RIG_AUTH6" -v res6="$RIG_RESOLVER6" '
    /^mark/ {sec=$2; next}
    $1=="udp" && ($2==res || $2==res6)  {q[sec"_res"]++}
    $1=="udp" && ($2==auth || $2==auth6) {q[sec"_auth"]++}
    $1=="udp" && ($2==res6 || $2==auth6) {q[sec"_v6"]++}
    $1=="syn" && $3==53   {t[sec]++}
    END {for (k in q) printf "qlog_%s\t%d\n", k, q[k]; for (k in t) printf "qlog_%s_tcp\t%d\n", k, t[k]}' \
    "$OUT/queries.log" >>"$RES"
  # the question lists, for the report
  awk '/^mark/{sec=$2; next} $1=="udp"{printf "%s\t%s %s %s\n", sec, $2, $3, $4}' "$OUT/queries.log" >"$OUT/queries.tsv"
}

bench_latency() {
  log "latency: ${DELAY_MS} ms one way, $RUNS interleaved runs"
  # RTT check with a plain TCP connect? ping is ICMP (not delayed by nfqdelay):
  # measure the delay on a 1-query dig instead.
  if ! delay_on; then put lat_status "no way to delay packets (no sch_netem, no NFQUEUE)"; return; fi
  put lat_how "$DELAY_HOW"; put lat_delay_ms "$DELAY_MS"; put lat_runs "$RUNS"
  local i d u r p f dig
  local -a D U R P F G
  for i in $(seq 1 "$RUNS"); do
    d=$(wall_ms "${DRES[@]}"); D+=("$d")
    u=$(wall_ms "${UBH[@]}"); U+=("$u")
    r=$(wall_ms "${DRILL[@]}"); R+=("$r")
    dig=$(wall_ms dig +tries=1 +time=5 @"$RIG_RESOLVER" . SOA); G+=("$dig")
    if [ $SMTP_UP = 1 ]; then
      p=$(wall_ms "${PROBE[@]}"); P+=("$p")
      f=$(wall_ms "${PTF[@]}"); F+=("$f")
    fi
  done
  delay_off
  put lat_dbx "$(printf '%s\n' "${D[@]}" | median)";  put lat_dbx_all "${D[*]}"
  put lat_ubh "$(printf '%s\n' "${U[@]}" | median)";  put lat_ubh_all "${U[*]}"
  put lat_drill "$(printf '%s\n' "${R[@]}" | median)"; put lat_drill_all "${R[*]}"
  put lat_dig "$(printf '%s\n' "${G[@]}" | median)";  put lat_dig_all "${G[*]}"
  # per-pair ratios (run i of danebox vs run i of the peer), then the median
  put lat_ratio_ubh "$(for i in "${!D[@]}"; do awk -v a="${D[$i]}" -v b="${U[$i]}" 'BEGIN{printf("%d\n", (b > 0 ? 1000 * a / b : 0))}'; done | median)"
  put lat_ratio_drill "$(for i in "${!D[@]}"; do awk -v a="${D[$i]}" -v b="${R[$i]}" 'BEGIN{printf("%d\n", (b > 0 ? 1000 * a / b : 0))}'; done | median)"
  if [ $SMTP_UP = 1 ]; then
    put lat_probe "$(printf '%s\n' "${P[@]}" | median)"; put lat_probe_all "${P[*]}"
    put lat_ptf "$(printf '%s\n' "${F[@]}" | median)";   put lat_ptf_all "${F[*]}"
    put lat_ratio_ptf "$(for i in "${!P[@]}"; do awk -v a="${P[$i]}" -v b="${F[$i]}" 'BEGIN{printf("%d\n", (b > 0 ? 1000 * a / b : 0))}'; done | median)"
  fi
}

# SMTP round trips without delay: danebox's own counter + the probe's facts
bench_smtp() {
  [ $SMTP_UP = 1 ] || return 0
  log "SMTP probe facts"
  nsx "${PROBE[@]}" >"$OUT/probe.out" 2>&1
  put smtp_probe_line "$(head -1 "$OUT/probe.out")"
  put smtp_probe_rt "$(sed -nE '1s/.*round_trips=([0-9]+).*/\1/p' "$OUT/probe.out")"
  put smtp_probe_tls "$(sed -nE 's/^  tls: (TLSv[0-9.]+) ([^ ]+) .*/\1 \2/p' "$OUT/probe.out")"
  nsx "${PTF[@]}" >"$OUT/ptf.out" 2>&1
  put smtp_ptf_line "$(grep -m1 'TLS connection established' "$OUT/ptf.out" | sed 's/^posttls-finger: //')"
}
