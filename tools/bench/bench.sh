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
# This file is the driver: settings, the shared helpers (log, put, skipped,
# median, nsx), the machine facts and which measurements each mode runs; the
# measurements are sourced, one file per section family:
#   bench_board.sh    bench_footprint, bench_target, bench_relay, bench_relay_deliver
#   bench_crypto.sh   bench_crypto
#   bench_rig.sh      rig_up/rig_down and the tools the rig sections share
#   bench_host.sh     bench_host, bench_queries, bench_smtp, bench_latency
#   bench_check.sh    bench_check_host, bench_check_rt, bench_check_latency
#   bench_fwcheck.sh  bench_fwcheck
#   bench_relay_host.sh, bench_fault.sh (and bench_hostile.sh, run, not sourced)
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

# ---- the measurements (definitions only; the traps as soon as rig_down exists)
# shellcheck source=tools/bench/bench_board.sh
. "$top/tools/bench/bench_board.sh"
# shellcheck source=tools/bench/bench_crypto.sh
. "$top/tools/bench/bench_crypto.sh"
# shellcheck source=tools/bench/bench_rig.sh
. "$top/tools/bench/bench_rig.sh"
# the rig MX hosts accept mail for their domains (bench_relay_host counts
# deliveries in dane-ee.test's mailbox); probe/check only say QUIT
export SMTP_ACCEPT_MAIL=1
# shellcheck source=tools/bench/bench_relay_host.sh
. "$top/tools/bench/bench_relay_host.sh"
# shellcheck source=tools/bench/bench_fault.sh
. "$top/tools/bench/bench_fault.sh"
trap rig_down EXIT
trap 'exit 130' INT TERM
# shellcheck source=tools/bench/bench_host.sh
. "$top/tools/bench/bench_host.sh"
# shellcheck source=tools/bench/bench_check.sh
. "$top/tools/bench/bench_check.sh"
# shellcheck source=tools/bench/bench_fwcheck.sh
. "$top/tools/bench/bench_fwcheck.sh"

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
