#!/usr/bin/env bash
# bench_hostile.sh -- `make bench` part for issue 15 items 3 and 5: writes
# "## 8. Hostile input, load and soak" into BENCHMARKS.md (between the
# section markers; before "## Not yet measured" the first time).
#  1. the hostile-input matrix: tests/rig/test_relay_hostile.sh, each
#     PASS/FAIL line becomes a row (input and the relay's answer/outcome);
#  2. load + soak + Postfix side by side: tests/rig/test_relay_load.sh with
#     LOAD_N=$BENCH_LOAD_N (5000) messages from LOAD_C=$BENCH_LOAD_C (50)
#     clients to 10 rig domains, then a soak of BENCH_SOAK_MIN minutes
#     (default 30) sampling RSS and descriptors every 2 s, then the same
#     load through a Postfix relay on the same rig.
# Both suites bring up their own e2e rig under a $$-suffixed netns name, so
# concurrent benches and tests do not collide.  Run by tools/bench/bench.sh
# (BENCH_SKIP=hostile skips it, BENCH_ONLY=hostile runs only this); alone:
#   tools/bench/bench_hostile.sh
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
OUT=$top/build/bench/hostile
PY=/usr/bin/python3; [ -x $PY ] || PY=python3
mkdir -p "$OUT"
rm -f "$OUT"/*
log() { echo "bench_hostile: $*" >&2; }
t0=$(date +%s)
{
  echo "date $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD 2>/dev/null || echo '+dirty')"
  echo "postfix $(dpkg-query -W -f='${Version}' postfix 2>/dev/null)"
  echo "load_n ${BENCH_LOAD_N:-5000}"
  echo "load_c ${BENCH_LOAD_C:-50}"
} >"$OUT/meta.txt"

log "hostile-input matrix (tests/rig/test_relay_hostile.sh)"
ts=$(date +%s)
E2E_NS=dbxbhost$$ timeout 900 tests/rig/test_relay_hostile.sh >"$OUT/hostile.log" 2>&1
echo "hostile_rc $?" >>"$OUT/meta.txt"
echo "hostile_s $(( $(date +%s) - ts ))" >>"$OUT/meta.txt"

log "load ${BENCH_LOAD_N:-5000} x ${BENCH_LOAD_C:-50} clients, soak ${BENCH_SOAK_MIN:-30} min, Postfix side by side"
ts=$(date +%s)
E2E_NS=dbxbload$$ LOAD_N=${BENCH_LOAD_N:-5000} LOAD_C=${BENCH_LOAD_C:-50} \
  LOAD_SOAK_MIN=${BENCH_SOAK_MIN:-30} LOAD_POSTFIX=1 LOAD_SAMPLES="$OUT/samples.txt" \
  LOAD_STATS="$OUT/stats.txt" timeout $(( ${BENCH_SOAK_MIN:-30} * 60 + 3600 )) \
  tests/rig/test_relay_load.sh >"$OUT/load.log" 2>&1
echo "load_rc $?" >>"$OUT/meta.txt"
echo "load_s $(( $(date +%s) - ts ))" >>"$OUT/meta.txt"

$PY tools/bench/report_hostile.py "$OUT" "$top/BENCHMARKS.md" || exit 1
log "done in $(( $(date +%s) - t0 )) s: BENCHMARKS.md section 8"
