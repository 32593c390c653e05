# bench_check.sh -- sourced by tools/bench/bench.sh (uses its put, log, nsx,
# median, $PY, $OUT, $RES, $RUNS, $DELAY_MS and bench_rig.sh after rig_up):
# `danebox check`, the whole RFC 7672 flow, on the rig.
#
#   check_supported      0 if this build has `danebox check`
#   bench_check_host     3. callgrind Ir: check dane-ee.test / dane-ta.test
#                        cold, dane-ee.test twice in one process (warm)
#   bench_check_rt       4. round trips: JSON counters + packet log,
#                        posttls-finger -l dane with a freshly restarted unbound
#   bench_check_latency  5. at 2 x $DELAY_MS RTT: check vs posttls-finger +
#                        cold unbound
# shellcheck shell=bash

# ---- danebox check: the whole RFC 7672 flow ---------------------------------------------
check_supported() { # 0 if this build has `danebox check`
  local err
  err=$(nsx "$DANEBOX" check dane-ee.test "${CHK_OPTS[@]}" 2>&1 >/dev/null)
  if grep -q 'not built yet' <<<"$err"; then
    put check_status "not yet measured: 'danebox check' is not built in this tree"; return 1
  fi
  return 0
}

bench_check_host() {
  log "danebox check: callgrind (${CG_RUNS} runs each)"
  cg_series ir_chk_ee "${CHK_EE[@]}"
  cg_series ir_chk_ee2 "${CHK_EE2[@]}"
  cg_series ir_chk_ta "${CHK_TA[@]}"
  local k
  for k in ee ee2 ta; do
    # "DOMAIN: delivery VERDICT via #0 HOST[ADDR]: DANE u s m matched at depth d" -> short form
    put "chk_${k}_result" "$(sed -nE 's/^[^ ]+: delivery ([a-z-]+) via [^ ]+ ([^:]+\]): (.*)$/\1 (\3)/p' "$OUT/ir_chk_$k.1.out" | head -1)"
  done
  put chk_ee_line "$(grep -m1 'connection established' "$OUT/ir_chk_ee.1.out")"
  put chk_ta_line "$(grep -m1 'connection established' "$OUT/ir_chk_ta.1.out")"
  if command -v callgrind_annotate >/dev/null; then
    local f
    for f in ee ee2; do
      callgrind_annotate --inclusive=yes "$OUT/ir_chk_$f.1.cg" 2>/dev/null >"$OUT/ir_chk_$f.annotate"
      # inclusive Ir of: the DNSSEC lookups, the SMTP sessions, the TLS
      # handshakes, the DNSSEC ECDSA verifies (through the crypto HAL)
      for fn in dbx_resolve dbx_smtp_run mbedtls_ssl_handshake hal_crypto_ecdsa_verify hal_crypto_rsa_verify; do
        put "ir_chk_${f}_1_${fn}" "$(awk -v fn="$fn" '$1 ~ /^[0-9,]+$/ && index($0, ":" fn " [") {gsub(",","",$1); print $1; exit}' "$OUT/ir_chk_$f.annotate")"
      done
    done
  fi
}

ptf_replies() { grep -cE '^posttls-finger: < [0-9]{3} ' "$1"; }

bench_check_rt() {
  log "danebox check: round trips (JSON counters, packet log, posttls-finger + cold unbound)"
  nsx "${CHK_EE2[@]}" --json >"$OUT/chk_ee2.json" 2>"$OUT/chk_ee2.err"
  nsx "${CHK_TA[@]}" --json >"$OUT/chk_ta.json" 2>"$OUT/chk_ta.err"
  $PY - "$OUT/chk_ee2.json" "$OUT/chk_ta.json" >>"$RES" <<'PY'
import json, sys
rows = [("ee_cold", sys.argv[1], 0), ("ee_warm", sys.argv[1], 1), ("ta_cold", sys.argv[2], 0)]
for tag, path, i in rows:
    try:
        d = json.loads(open(path).read().splitlines()[i])
    except Exception as e:  # no figures invented: the report says not measured
        print("rt_%s_status\tno JSON line (%s)" % (tag, e)); continue
    h = d["hosts"][0] if d.get("hosts") else {}
    a = h.get("addrs", [{}])[0] if h.get("addrs") else {}
    out = {"verdict": d.get("verdict"), "dns": d.get("dns_queries"), "rounds": d.get("dns_rounds"),
           "smtp": d.get("smtp_round_trips"),
           "sessions": d.get("smtp_sessions"), "q_mx": d.get("mx", {}).get("queries"),
           "q_a": h.get("a", {}).get("queries"), "q_aaaa": h.get("aaaa", {}).get("queries"),
           "q_tlsa": h.get("tlsa", {}).get("queries"), "tls": a.get("tls_version"),
           "matched": a.get("matched_tlsa"), "depth": a.get("depth")}
    for k, v in out.items():
        if v is not None:
            print("rt_%s_%s\t%s" % (tag, k, v))
PY
  if ! build_nfqdelay || ! nfq_start 0 "$OUT/check-queries.log"; then
    nfq_stop; put chk_qlog_status "NFQUEUE packet log unavailable"; return
  fi
  nfq_mark chk
  nsx "${CHK_EE2[@]}" >/dev/null 2>&1
  if unbound_restart; then
    nfq_mark ptf
    nsx "${PTFD[@]}" >"$OUT/ptf-check.out" 2>&1
  else
    put chk_ptf_status "could not restart the rig unbound"
  fi
  nfq_mark end
  nfq_stop
  warm_unbound
  awk -v auth="$RIG_AUTH" -v res="$RIG_RESOLVER" -v auth6="$RIG_AUTH6" -v res6="$RIG_RESOLVER6" '
    /^mark/ {sec=$2; next}
    $1=="udp" && ($2==res || $2==res6)  {q[sec"_res"]++}
    $1=="udp" && ($2==auth || $2==auth6) {q[sec"_auth"]++}
    $1=="udp" && ($2==res6 || $2==auth6) {q[sec"_v6"]++}
    $1=="syn" && $3==53 {q[sec"_tcp53"]++}
    $1=="syn" && $3==25 {q[sec"_smtp"]++}
    END {for (k in q) printf "cqlog_%s\t%d\n", k, q[k]}' "$OUT/check-queries.log" >>"$RES"
  awk '/^mark/{sec=$2; next} $1=="udp"{printf "%s\t%s %s %s\n", sec, $2, $3, $4}' \
    "$OUT/check-queries.log" >"$OUT/check-queries.tsv"
  if [ -s "$OUT/ptf-check.out" ]; then
    put chk_ptf_replies "$(ptf_replies "$OUT/ptf-check.out")"
    put chk_ptf_line "$(grep -m1 'TLS connection established' "$OUT/ptf-check.out" | sed 's/^posttls-finger: //')"
    put chk_ptf_match "$(grep -m1 'Matched DANE' "$OUT/ptf-check.out" | sed -E 's/^posttls-finger: [^ ]+ //; s/(: [0-9] [0-9] [0-9]) .*/\1/')"
  fi
}

bench_check_latency() {
  log "danebox check: ${DELAY_MS} ms one way, $RUNS interleaved runs (3 per round)"
  if ! delay_on; then put chk_lat_status "no way to delay packets (no sch_netem, no NFQUEUE)"; return; fi
  local i a b c
  local -a A B C
  for i in $(seq 1 "$RUNS"); do
    # (b) danebox, new process, rig unbound just restarted (nothing cached anywhere)
    if unbound_restart; then b=$(wall_ms "${CHK_EE[@]}"); B+=("$b"); fi
    # (a) danebox, new process, rig unbound warm for exactly danebox's
    # questions (by (b)), as for `resolve` above
    a=$(wall_ms "${CHK_EE[@]}"); A+=("$a")
    # (c) posttls-finger -l dane, rig unbound just restarted
    if unbound_restart; then c=$(wall_ms "${PTFD[@]}"); C+=("$c"); fi
  done
  delay_off
  warm_unbound
  put chk_lat_runs "$RUNS"
  put lat_chk "$(printf '%s\n' "${A[@]}" | median)"; put lat_chk_all "${A[*]}"
  [ ${#B[@]} -gt 0 ] && { put lat_chkc "$(printf '%s\n' "${B[@]}" | median)"; put lat_chkc_all "${B[*]}"; }
  [ ${#C[@]} -gt 0 ] && { put lat_ptfd "$(printf '%s\n' "${C[@]}" | median)"; put lat_ptfd_all "${C[*]}"; }
  if [ ${#C[@]} = "$RUNS" ] && [ ${#B[@]} = "$RUNS" ]; then
    put lat_ratio_chk_ptfd "$(for i in "${!A[@]}"; do awk -v a="${A[$i]}" -v b="${C[$i]}" 'BEGIN{printf("%d\n", (b > 0 ? 1000 * a / b : 0))}'; done | median)"
    put lat_ratio_chkc_ptfd "$(for i in "${!B[@]}"; do awk -v a="${B[$i]}" -v b="${C[$i]}" 'BEGIN{printf("%d\n", (b > 0 ? 1000 * a / b : 0))}'; done | median)"
  else
    put chk_lat_status "unbound restart failed in some rounds (${#B[@]}/${#C[@]} of $RUNS)"
  fi
}
