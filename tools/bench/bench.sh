#!/usr/bin/env bash
# bench.sh -- danebox benchmarks: regenerates BENCHMARKS.md and BENCHMARKS.png.
# Called by `make bench` after the host and mps2-an386 builds.  Root (netns).
#
# One function per measurement; each writes "key<TAB>value" lines into
# $OUT/results.tsv (and raw logs into $OUT/), tools/bench/report.py turns them
# into BENCHMARKS.md + plot data, gnuplot draws BENCHMARKS.png.  A measurement
# that cannot run records "<name>_status<TAB>why" instead of numbers; the
# report then says "not measured" - it never invents figures.
#
#   bench_machine     machine + tool versions
#   bench_footprint   flash/RAM per component (tools/fwsize.py --json),
#                     boot heap/stack peaks (QEMU mode=selftest console)
#   bench_target      QEMU -icount shift=0, firmware mode=bench, run twice
#   bench_crypto      crypto backends (hal/crypto/, DBX_CRYPTO): firmware
#                     variants built into build/bench-crypto/ (every backend
#                     linked; mbedTLS ECP window / fixed-point / asm settings),
#                     mode=bench per backend (instructions, stack, heap),
#                     flash per backend from the map; host callgrind of one
#                     verify per backend (build/host/crypto_bench)
#   bench_host        callgrind Ir: danebox resolve cold / --repeat 2,
#                     unbound-host cold, drill -S
#   bench_queries     DNS queries per lookup (danebox counters + packet log),
#                     unbound-host's queries to NSD
#   bench_latency     25 ms one-way delay in the rig netns, interleaved runs:
#                     danebox vs unbound-host vs drill -S, probe vs posttls-finger
#   bench_check_host  callgrind Ir: danebox check dane-ee.test / dane-ta.test
#                     cold, dane-ee.test twice in one process (warm = difference)
#   bench_check_rt    check round trips: danebox JSON counters + packet log,
#                     posttls-finger -l dane with a freshly restarted rig unbound
#   bench_check_latency  50 ms RTT: danebox check vs posttls-finger + cold unbound
#   bench_fwcheck     firmware mode=check in QEMU on the rig link (when the
#                     firmware has it; else "not yet measured")
#   bench_relay_host  mail through `danebox relay` vs Postfix as a DANE relay
#                     on the rig (tools/bench/bench_relay_host.sh): messages/s,
#                     CPU time and callgrind Ir per delivered message
#   bench_fault       fault matrix (tools/bench/bench_fault.sh): the relay's
#                     crash points and storage faults, the board's power cuts
#
# Rig: tools/rig/e2e-rig.sh (DNS rig + Postfix servers in one netns, mail
# domains dane-ee.test, dane-ta.test, ... with signed MX/A/AAAA/TLSA).
#
# Env: BENCH_NS (netns, default dbxbench), BENCH_RUNS (latency runs per tool,
# default 5), BENCH_CG_RUNS (callgrind runs per command, default 3),
# BENCH_DELAY_MS (one-way delay, default 25), BENCH_SKIP="latency smtp fault
# fwcheck crypto rig ..." (rig: every rig measurement), BENCH_CRYPTO_VARIANTS
# (firmware variants of bench_crypto, lines tag|DBX_CRYPTO|DBX_CFLAGS),
# BENCH_RELAY_N / BENCH_RELAY_CG_N (messages per relay run, native /
# callgrind; default 200 / 20), BENCH_SKIP="relayhost" or "relayhost-cg".
# BENCH_SKIP="hostile" skips section 8 (tools/bench/bench_hostile.sh: hostile
# inputs, 5,000-message load, soak of BENCH_SOAK_MIN minutes, default 30;
# BENCH_LOAD_N / BENCH_LOAD_C); BENCH_ONLY=hostile runs only that section.
# BENCH_ONLY=relay_host: bring up the rig, run only bench_relay_host and
# replace only its section of BENCHMARKS.md (the rest stays as it was);
# BENCH_ONLY=fault likewise for bench_fault (section 7, its own rig).
# BENCH_ONLY=fwcheck: the same for bench_footprint + bench_fwcheck and the
# cold/warm check, flash and RAM-peak rows of the Targets table.
# BENCH_ONLY=footprint: bench_footprint only (no rig): the flash row of the
# Targets table and the component table of section 1.
# BENCH_ONLY=checkrt: bring up the rig, run only the `danebox check` round
# trips (section 4) and its 50 ms RTT wall time (section 5) into
# build/bench/results-checkrt.tsv; BENCHMARKS.md is not touched (the rows
# are copied from there by hand).
# BENCH_ONLY=crypto: bench_target + bench_crypto (+ bench_host on the rig,
# unless BENCH_SKIP has rig): the ECDSA, RSA and host-vs-drill rows of the
# Targets table and the crypto backends section.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export LC_ALL=C PYTHONDONTWRITEBYTECODE=1
NS=${BENCH_NS:-dbxbench}
RUNS=${BENCH_RUNS:-5}
CG_RUNS=${BENCH_CG_RUNS:-3}
DELAY_MS=${BENCH_DELAY_MS:-25}
SKIP=" ${BENCH_SKIP:-} "
OUT=$top/build/bench
ONLY=${BENCH_ONLY:-}
case $ONLY in ""|relay_host|fault|fwcheck|footprint|hostile|checkrt|crypto) ;; *) echo "bench: BENCH_ONLY=relay_host, fault, fwcheck, footprint, hostile, checkrt, crypto or unset" >&2; exit 2;; esac
if [ "$ONLY" = hostile ]; then # section 8 only (issue 15): its own rigs, BENCHMARKS.md spliced
  exec tools/bench/bench_hostile.sh
fi
RES=$OUT/results${ONLY:+-$ONLY}.tsv
DANEBOX=$top/build/host/danebox
ELF=$top/build/mps2-an386/danebox.elf
MAP=$top/build/mps2-an386/danebox.map
# the same objects linked without mode=relay (board/common/cortex-m.mk): the
# verifier's flash, issue 18's target
VMAP=$top/build/mps2-an386/danebox-verifier.map
NAME=_25._tcp.mx.rsa.test.
SMTP_ADDR=192.0.2.25            # dane-ee (ECDSA P-256, TLS 1.3) of the SMTP rig
SMTP_SNI=mx1.dane-ee.test
PY=/usr/bin/python3; [ -x $PY ] || PY=python3
t_start=$(date +%s)

log() { echo "bench: $*" >&2; }
put() { printf '%s\t%s\n' "$1" "$2" >>"$RES"; }
skipped() { [[ $SKIP == *" $1 "* ]]; }
median() { sort -n | awk '{a[NR]=$1} END{if(NR==0){print "";exit} if(NR%2)print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }
nsx() { ip netns exec "$NS" "$@"; }
ms_now() { date +%s%N | cut -c1-13; }

mkdir -p "$OUT"
[ -n "$ONLY" ] || rm -f "$OUT"/*.log "$OUT"/*.cg "$OUT"/*.out "$RES"
: >"$RES"
[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces)" >&2; exit 1; }
[ -x "$DANEBOX" ] && [ -f "$ELF" ] || { echo "bench: build host and mps2-an386 first (make bench)" >&2; exit 1; }

# ---- machine ----------------------------------------------------------------
bench_machine() {
  put date "$(date -u '+%Y-%m-%d %H:%M UTC')"
  put commit "$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$top" diff --quiet HEAD 2>/dev/null || echo '+dirty')"
  put cpu "$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
  put nproc "$(nproc)"
  put mem "$(awk '/^MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  put debian "$(cat /etc/debian_version 2>/dev/null)"
  put kernel "$(uname -r)"
  put v_gcc "$(gcc -dumpfullversion 2>/dev/null)"
  put v_armgcc "$(arm-none-eabi-gcc -dumpversion 2>/dev/null)"
  put v_qemu "$(qemu-system-arm --version | awk 'NR==1{print $4}')"
  put v_valgrind "$(valgrind --version | sed 's/valgrind-//')"
  put v_unbound "$(unbound -V 2>/dev/null | awk '/^Version/{print $2; exit}')"
  put v_nsd "$(nsd -v 2>&1 | awk 'NR==1{print $3}')"
  put v_ldns "$(drill -v 2>/dev/null | awk '{print $3; exit}')"
  put v_postfix "$(dpkg-query -W -f='${Version}' postfix 2>/dev/null)"
  put v_openssl "$(openssl version | awk '{print $2}')"
  # the version the Makefile builds (deps/ may also hold an older tree)
  put v_mbedtls "$(sed -n 's/^MBEDTLS_DIR *:= *\$(DEPS)\/mbedtls-//p' "$top/Makefile")"
  put v_gnuplot "$(gnuplot --version | awk '{print $2"."$4}')"
}

# ---- 1. footprint -------------------------------------------------------------
qemu_fw() { # ARGS...  (semihosting command line) -> console on stdout
  timeout 120 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial stdio \
    -semihosting-config enable=on,target=native -icount shift=0 -nic none \
    -kernel "$ELF" -append "$*" </dev/null 2>/dev/null | tr -d '\r'
}

bench_footprint() {
  log "footprint"
  $PY tools/fwsize.py --map "$MAP" --json >"$OUT/fwsize.json" || put footprint_status "fwsize.py failed"
  rm -f "$OUT/fwsize-verifier.json"
  [ -f "$VMAP" ] && { $PY tools/fwsize.py --map "$VMAP" --objroot "$(dirname "$MAP")/obj" --json \
    >"$OUT/fwsize-verifier.json" || rm -f "$OUT/fwsize-verifier.json"; }
  qemu_fw mode=selftest >"$OUT/boot.log"
  local m
  m=$(grep '^memory:' "$OUT/boot.log")
  if [ -n "$m" ]; then
    put boot_heap_peak "$(sed -E 's/.*heap peak ([0-9]+) of ([0-9]+).*/\1/' <<<"$m")"
    put boot_stack_peak "$(sed -E 's/.*stack peak ([0-9]+) of ([0-9]+).*/\1/' <<<"$m")"
  else
    put boot_status "no memory line on the console (see build/bench/boot.log)"
  fi
}

# ---- 2. target instruction counts ---------------------------------------------
bench_target() {
  log "target (QEMU -icount shift=0, mode=bench, twice)"
  local r
  for r in 1 2; do qemu_fw mode=bench >"$OUT/target$r.log"; done
  if ! grep -q '^bench: op=' "$OUT/target1.log"; then
    put target_status "mode=bench printed no measurements (see build/bench/target1.log)"; return
  fi
  if diff <(grep '^bench: op=' "$OUT/target1.log") <(grep '^bench: op=' "$OUT/target2.log") >/dev/null; then
    put target_deterministic yes
  else
    put target_deterministic "NO: $(diff <(grep '^bench: op=' "$OUT/target1.log") <(grep '^bench: op=' "$OUT/target2.log") | grep -c '^<') lines differ"
  fi
  grep -q 'negative checks ok' "$OUT/target1.log" && put target_negative ok || put target_negative FAILED
  # bench: op=NAME rep=N ticks=T insns=I status=S
  sed -nE 's/^bench: op=([a-z0-9_]+) rep=([0-9]) ticks=([0-9]+) insns=([0-9]+) status=(\w+).*/\1 \2 \3 \4 \5/p' \
    "$OUT/target1.log" | while read -r op rep ticks insns st; do
      put "t_${op}_r${rep}_ticks" "$ticks"; put "t_${op}_r${rep}_insns" "$insns"; put "t_${op}_r${rep}_status" "$st"
    done
  put t_tick_insns "$(sed -nE 's/^bench: clock .* 1 tick = ([0-9]+) insns.*/\1/p' "$OUT/target1.log")"
  local m; m=$(grep '^memory:' "$OUT/target1.log")
  put bench_heap_peak "$(sed -E 's/.*heap peak ([0-9]+) of.*/\1/' <<<"$m")"
  put bench_stack_peak "$(sed -E 's/.*stack peak ([0-9]+) of.*/\1/' <<<"$m")"
}

# ---- 2b. crypto backends ------------------------------------------------------
# tag|DBX_CRYPTO|DBX_CFLAGS: firmware variants next to the board default
# (build/mps2-an386: its chain + mbedTLS with the board's ECP settings)
CRYPTO_VARIANTS=${BENCH_CRYPTO_VARIANTS:-"all|dbx-p256 p256m bearssl-m31 bearssl-m15 bearssl-i31 bearssl-i15|
c|mbedtls|-DDBX_MBEDTLS_ASM=0
cw4fp1|mbedtls|-DDBX_MBEDTLS_ASM=0 -DMBEDTLS_ECP_WINDOW_SIZE=4 -DMBEDTLS_ECP_FIXED_POINT_OPTIM=1
w4fp1|mbedtls|-DMBEDTLS_ECP_WINDOW_SIZE=4 -DMBEDTLS_ECP_FIXED_POINT_OPTIM=1"}
crypto_run() { # TAG ELF MAP
  local tag=$1 elf=$2 map=$3 log=$OUT/crypto-$1.log
  ELF=$elf qemu_fw mode=bench >"$log"
  # bench: backend=NAME op=OP rep=1 ticks=T insns=I stack=S heap=H status=ST
  sed -nE 's/^bench: backend=([a-z0-9-]+) op=([a-z0-9_]+) rep=1 ticks=[0-9]+ insns=([0-9]+) stack=([0-9]+) heap=([0-9]+) status=(\w+).*/\1 \2 \3 \4 \5 \6/p' \
    "$log" | while read -r be op insns stack heap st; do
      put "cb_${tag}_${be}_${op}_insns" "$insns"; put "cb_${tag}_${be}_${op}_stack" "$stack"
      put "cb_${tag}_${be}_${op}_heap" "$heap"; put "cb_${tag}_${be}_${op}_status" "$st"
    done
  put "cb_${tag}_kat" "$(grep -m1 -E '^kat: [0-9]+ cases' "$log" || echo 'no kat line')"
  $PY tools/fwsize.py --map "$map" --json >"$OUT/fwsize-$tag.json" 2>/dev/null &&
    $PY - "$OUT/fwsize-$tag.json" "$tag" >>"$RES" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); t = sys.argv[2]; c = d["components"]
print("cb_%s_flash_total\t%d" % (t, d["total"]["flash"]))
print("cb_%s_flash_mbedtls\t%d" % (t, c.get("mbedTLS", {}).get("flash", 0)))
print("cb_%s_flash_bearssl\t%d" % (t, c.get("BearSSL", {}).get("flash", 0)))
PY
  $PY tools/bench/crypto_flash.py --map "$map" >"$OUT/crypto-flash-$tag.json" 2>/dev/null &&
    $PY - "$OUT/crypto-flash-$tag.json" "$tag" >>"$RES" <<'PY'
import json, sys
for g, v in json.load(open(sys.argv[1])).items():
    print("cbf_%s_%s\t%d" % (sys.argv[2], g, v["flash"]))
    print("cbr_%s_%s\t%d" % (sys.argv[2], g, v["ram"]))
PY
}

bench_crypto() {
  log "crypto backends (firmware variants, QEMU -icount; host callgrind)"
  put cb_board_chain "$(sed -nE 's/^BOARD_CRYPTO *\?= *//p' board/common/mps2.mk)"
  crypto_run board "$ELF" "$MAP"
  local line tag cr fl b
  while IFS='|' read -r tag cr fl; do
    [ -n "$tag" ] || continue
    b=build/bench-crypto/$tag
    log "  variant $tag: DBX_CRYPTO='$cr' DBX_CFLAGS='$fl'"
    if make -j2 --no-print-directory BOARD=mps2-an386 B="$b" DBX_CRYPTO="$cr" DBX_CFLAGS="$fl" \
         firmware >"$OUT/crypto-build-$tag.log" 2>&1; then
      put "cb_${tag}_cflags" "$fl"
      crypto_run "$tag" "$top/$b/danebox.elf" "$top/$b/danebox.map"
    else
      put "cb_${tag}_status" "build failed (build/bench/crypto-build-$tag.log)"
    fi
  done <<<"$CRYPTO_VARIANTS"
  # host: one verify per backend, callgrind Ir of bench_op() alone
  local be op
  for be in mbedtls-sw dbx-p256 p256m bearssl-m31 bearssl-m15 bearssl-i31 bearssl-i15 bearssl-i62; do
    for op in ecdsa rsa; do
      valgrind --tool=callgrind --toggle-collect=bench_op --callgrind-out-file="$OUT/cbh-$be-$op.cg" \
        "$top/build/host/crypto_bench" "$be" "$op" >"$OUT/cbh-$be-$op.out" 2>/dev/null
      case $? in
        0) put "cbh_${be}_${op}" "$(awk '/^(summary|totals):/{print $2; exit}' "$OUT/cbh-$be-$op.cg")";;
        2) ;;  # no such slot in that backend
        *) put "cbh_${be}_${op}_status" "FAIL";;
      esac
    done
  done
}

# ---- rig ------------------------------------------------------------------------
# One netns: tools/rig/e2e-rig.sh = Postfix servers (smtp-rig.sh) + the signed
# DNS hierarchy (dns-rig.sh, RIG_REUSE_NS) whose test. zone carries the mail
# domains' MX/A/AAAA/TLSA; /etc/netns/$NS/resolv.conf -> the rig unbound.
RIG_UP=0 SMTP_UP=0 NFQ_PID=
E2E_DIR=$top/build/e2e/$NS
# the rig MX hosts accept mail for their domains (bench_relay_host counts
# deliveries in dane-ee.test's mailbox); probe/check only say QUIT
export SMTP_ACCEPT_MAIL=1
# shellcheck source=tools/bench/bench_relay_host.sh
. "$top/tools/bench/bench_relay_host.sh"
# shellcheck source=tools/bench/bench_fault.sh
. "$top/tools/bench/bench_fault.sh"
rig_down() {
  rh_cleanup
  [ -n "$NFQ_PID" ] && { kill "$NFQ_PID" 2>/dev/null; wait "$NFQ_PID" 2>/dev/null; NFQ_PID=; }
  [ $RIG_UP = 1 ] && E2E_NS=$NS E2E_DIR=$E2E_DIR tools/rig/e2e-rig.sh down >/dev/null 2>&1
  SMTP_UP=0 RIG_UP=0
}
trap rig_down EXIT
trap 'exit 130' INT TERM

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

# ---- 3. host instruction counts ---------------------------------------------------
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

# ---- 4. round trips / queries --------------------------------------------------------
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

# ---- 5. wall time with latency --------------------------------------------------------
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

# ---- firmware mode=check (another branch adds it): detect, then measure -----------------
# BENCH_FWCHECK_ELF: measure another firmware build's mode=check (e.g. a branch
# not merged yet); default: this tree's build, the one of sections 1 and 2
FW_TAP=dbxbtap0
FWC_ELF=${BENCH_FWCHECK_ELF:-$ELF}
fwchk_stats() { # LOG TAG1 TAG2: the first two check-stats: lines -> fwchk_TAG_*
  local log=$1 i=0 line k tag
  while IFS= read -r line; do
    i=$((i + 1)); [ $i = 1 ] && tag=$2 || tag=$3
    [ $i -le 2 ] || break
    # check-stats: DOMAIN: verdict=V dns-queries=N smtp-round-trips=N smtp-sessions=N
    #   handshakes-saved=N heap-peak=.. stack-peak=.. mbedtls-peak=.. insns=.. ms=..
    for k in insns insns-wait polls-wait cycles-wait cycles-idle cycles-total heap-peak stack-peak mbedtls-peak cycles-busy dns-queries smtp-round-trips smtp-sessions handshakes-saved; do
      put "fwchk_${tag}_${k//-/_}" "$(sed -nE "s/.*[ :]$k=([0-9]+).*/\1/p" <<<"$line")"
    done
    put "fwchk_${tag}_verdict" "$(sed -nE 's/.* verdict=([a-z-]+).*/\1/p' <<<"$line")"
    put "fwchk_${tag}_line" "$line"
  done < <(grep '^check-stats:' "$log")
}

bench_fwcheck() {
  log "firmware mode=check ($FWC_ELF)"
  [ "$FWC_ELF" = "$ELF" ] || put fwchk_elf "$FWC_ELF"
  # detection without running anything: the config parser reads words in
  # order, so "mode=check zz=1" fails at "unknown mode" on a firmware without
  # the mode and at "unknown key 'zz'" on one with it (refused before any
  # network or check code runs)
  ELF=$FWC_ELF qemu_fw mode=check zz=1 >"$OUT/fwcheck-detect.log"
  if ! grep -q "unknown key 'zz'" "$OUT/fwcheck-detect.log"; then
    put fwchk_status "not yet measured: this firmware has no mode=check (config parser: '$(grep -m1 '^config:' "$OUT/fwcheck-detect.log")')"
    return
  fi
  local ds log=$OUT/fwcheck.log
  ds=$(awk '$4 == "DS" {print $5 ":" $6 ":" $7 ":" $8; exit}' "$RIG_ANCHOR")
  # one boot, the same domain twice: 1st check cold, 2nd warm (key cache);
  # IPv4 only (no ip6=), like the host rows (-4); unbound warm
  RIG_NS=$NS tools/rig/qemu-net.sh -t "$FW_TAP" -- timeout 300 qemu-system-arm -M mps2-an386 \
    -nographic -monitor none -serial stdio -semihosting-config enable=on,target=native \
    -icount shift=0 -kernel "$FWC_ELF" -append "mode=check ip=192.0.2.100/24 resolver=$RIG_RESOLVER anchor=rig anchor-ds=$ds time=$RIG_TIME timeout=10000 check=dane-ee.test,dane-ee.test" \
    </dev/null 2>"$log.err" | tr -d '\r' >"$log"
  put fwchk_rc "${PIPESTATUS[0]}"
  if ! grep -q '^check-stats:' "$log"; then
    put fwchk_status "not yet measured: the firmware accepts mode=check but printed no check-stats: line (build/bench/fwcheck.log)"
    return
  fi
  fwchk_stats "$log" cold warm
  # the same boot with TLS session resumption off (resume=off): what the
  # warm check costs with the answer/key caches alone
  RIG_NS=$NS tools/rig/qemu-net.sh -t "$FW_TAP" -- timeout 300 qemu-system-arm -M mps2-an386 \
    -nographic -monitor none -serial stdio -semihosting-config enable=on,target=native \
    -icount shift=0 -kernel "$FWC_ELF" -append "mode=check ip=192.0.2.100/24 resolver=$RIG_RESOLVER anchor=rig anchor-ds=$ds time=$RIG_TIME timeout=10000 check=dane-ee.test,dane-ee.test resume=off" \
    </dev/null 2>"$log-noresume.err" | tr -d '\r' >"$log-noresume"
  fwchk_stats "$log-noresume" coldnr warmnr
  local m; m=$(grep '^memory:' "$log" | tail -1)
  [ -n "$m" ] && put fwchk_memory "$m"
}

# ---- relay on the board: flash queue figures (tests/qemu/fw_relay.py --figures) ----------
bench_relay() {
  log "relay queue"
  local k v
  while read -r _ k v; do put "$k" "$v"; done < <($PY tests/qemu/fw_relay.py --figures 2>"$OUT/relay.err" | grep '^figure: ')
  grep -q relay_full_scan_insns "$RES" || put relay_status "fw_relay.py --figures failed (see build/bench/relay.err)"
}

# ---- relay on the board: delivery RAM peaks (tests/qemu/fw_deliver.py on the rig) ---------
bench_relay_deliver() {
  log "relay delivery on the board"
  local k v mbox=${SMTP_RUN_DIR:-/var/tmp/danebox-smtp/$NS}/dane-ee/mail/mailbox
  while read -r _ k v; do put "$k" "$v"; done < <(ip netns exec "$NS" env E2E_DIR="$E2E_DIR" \
    timeout 200 $PY tests/qemu/fw_deliver.py --mailbox "$mbox" 2>"$OUT/deliver.err" |
    tee "$OUT/deliver.log" | grep '^figure: ')
  grep -q '^PASS: dane-ee.test delivered' "$OUT/deliver.log" ||
    put relay_deliver_status "fw_deliver.py: no delivery (see build/bench/deliver.log)"
  local elf=build/mps2-an386/danebox.elf
  put relay_static_ram "$(arm-none-eabi-size "$elf" | awk 'NR == 2 {print $2 + $3}')"
  put relay_stack_size "$(( 16#$(arm-none-eabi-nm "$elf" | awk '$3 == "__stack_size" {print $1}') ))"
}

# ---- run ----------------------------------------------------------------------------------
if [ "$ONLY" = fault ]; then
  : >"$RES"
  bench_fault
  log "report (section fault of BENCHMARKS.md only)"
  $PY tools/bench/report.py --results "$RES" --only fault --out "$top/BENCHMARKS.md" || exit 1
  log "done in $(( $(date +%s) - t_start )) s: BENCHMARKS.md (fault section)"
  exit 0
fi
if [ "$ONLY" = relay_host ]; then
  : >"$RES"
  if rig_up; then bench_relay_host; else put rh_status "e2e-rig.sh up failed (see build/bench/rig.log)"; fi
  rig_down
  log "report (section relay_host of BENCHMARKS.md only)"
  $PY tools/bench/report.py --results "$RES" --only relay_host --out "$top/BENCHMARKS.md" || exit 1
  log "done in $(( $(date +%s) - t_start )) s: BENCHMARKS.md (relay_host section)"
  exit 0
fi
if [ "$ONLY" = checkrt ]; then
  : >"$RES"
  if rig_up; then
    smtp_up || true
    if check_supported; then bench_check_rt; bench_check_latency; fi
  else put rig_status "e2e-rig.sh up failed (see build/bench/rig.log)"; fi
  rig_down
  log "done in $(( $(date +%s) - t_start )) s: $RES (BENCHMARKS.md untouched)"
  exit 0
fi
if [ "$ONLY" = crypto ]; then
  : >"$RES"
  bench_target
  bench_crypto
  if ! skipped rig; then
    if rig_up; then bench_host; else put rig_status "e2e-rig.sh up failed (see build/bench/rig.log)"; fi
    rig_down
  fi
  log "report (Targets ECDSA/RSA/host rows and the crypto backends section only)"
  $PY tools/bench/report.py --results "$RES" --only crypto --out "$top/BENCHMARKS.md" || exit 1
  log "done in $(( $(date +%s) - t_start )) s: BENCHMARKS.md (crypto rows and section)"
  exit 0
fi
if [ "$ONLY" = footprint ] || [ "$ONLY" = fwcheck ]; then
  : >"$RES"
  bench_footprint
  if [ "$ONLY" = fwcheck ]; then
    if rig_up; then bench_fwcheck; else put fwchk_status "e2e-rig.sh up failed (see build/bench/rig.log)"; fi
    rig_down
  fi
  log "report ($ONLY: its rows of the Targets table$([ "$ONLY" = footprint ] && echo " and section 1's component table") only)"
  $PY tools/bench/report.py --results "$RES" --fwsize "$OUT/fwsize.json" --only "$ONLY" \
    --out "$top/BENCHMARKS.md" || exit 1
  log "done in $(( $(date +%s) - t_start )) s: BENCHMARKS.md ($ONLY)"
  exit 0
fi
bench_machine
bench_footprint
bench_target
skipped crypto || bench_crypto
bench_relay
if skipped rig; then
  put rig_status "skipped (BENCH_SKIP=rig)"
elif rig_up; then
  smtp_up || true
  bench_host
  bench_queries
  bench_smtp
  skipped latency || bench_latency
  if check_supported; then
    bench_check_host
    bench_check_rt
    skipped latency || bench_check_latency
  fi
  skipped fwcheck || bench_fwcheck
  skipped fwcheck || bench_relay_deliver
  skipped relayhost || bench_relay_host
else
  put rig_status "e2e-rig.sh up failed (see build/bench/rig.log)"
fi
rig_down
skipped fault || bench_fault
put bench_seconds $(( $(date +%s) - t_start ))
log "report"
# BENCH_SKIP=hostile: keep section 8 of the last bench_hostile.sh run (it
# carries its own date and commit) instead of losing it with the rewrite.
kept8=$OUT/section8.kept.md
rm -f "$kept8"
if skipped hostile; then
  sed -n '/^<!-- section hostile:/,/^<!-- \/section hostile -->/p' "$top/BENCHMARKS.md" >"$kept8" 2>/dev/null
fi
$PY tools/bench/report.py --results "$RES" --fwsize "$OUT/fwsize.json" --queries "$OUT/queries.tsv" \
  --out "$top/BENCHMARKS.md" --plotdir "$OUT" || exit 1
if [ -s "$kept8" ]; then
  $PY -c 'import sys; sys.path.insert(0, "tools/bench"); import report_hostile as h; h.splice(sys.argv[1], open(sys.argv[2]).read())' \
    "$top/BENCHMARKS.md" "$kept8" || exit 1
fi
gnuplot -e "datadir='$OUT'; outfile='$top/BENCHMARKS.png'" tools/bench/plot.gp || { echo "bench: gnuplot failed" >&2; exit 1; }
# section 8 (hostile input, load, soak): its own rigs, spliced into BENCHMARKS.md
skipped hostile || tools/bench/bench_hostile.sh || log "bench_hostile.sh failed (build/bench/hostile/)"
log "done in $(( $(date +%s) - t_start )) s: BENCHMARKS.md, BENCHMARKS.png"
