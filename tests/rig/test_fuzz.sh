#!/usr/bin/env bash
# Fuzz regression suite (no network; lives in tests/rig/ so tests/run.sh
# runs it).  Builds the libFuzzer harnesses (make fuzz: clang-14, ASan,
# UBSan, LeakSanitizer) and runs each over its committed corpus
# (tests/fuzz/corpus/<harness>/, every input once) followed by a short
# bounded fuzzing run.  Prints "PASS: fuzz <harness> (N execs)" or
# "FAIL: fuzz <harness> ... <crash input>"; exits non-zero on any failure.
#   FUZZ_SECONDS   fuzzing time per harness after the corpus (default 12)
#   FUZZ_JOBS      harnesses run at once (default 2)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
secs=${FUZZ_SECONDS:-12}
jobs=${FUZZ_JOBS:-2}
B=build/fuzz
out=$B/run
fails=0

command -v clang-14 >/dev/null || { echo "FAIL: fuzz: clang-14 missing (declared in tools/packages.txt; run make setup)"; exit 1; }
if ! make --no-print-directory fuzz >"$B.log" 2>&1; then
  tail -20 "$B.log"; echo "FAIL: fuzz: make fuzz failed (see $B.log)"; exit 1
fi
rm -rf "$out"; mkdir -p "$out"

run_one() { # harness
  local h=$1 n=${1#fuzz_} work="$out/$1.corpus" log="$out/$1.log"
  mkdir -p "$work" "$out/artifacts"
  # work dir first: new inputs go there, the committed corpus stays as is
  ASAN_OPTIONS=detect_leaks=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  timeout $((secs + 120)) "$B/$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/$h-" "$work" "tests/fuzz/corpus/$n" \
    >"$log" 2>&1
  echo $? >"$out/$h.rc"
}

hs=()
for f in tests/fuzz/fuzz_*.c; do hs+=("$(basename "$f" .c)"); done
i=0
for h in "${hs[@]}"; do
  run_one "$h" &
  i=$((i + 1))
  if [ $((i % jobs)) = 0 ]; then wait; fi
done
wait

for h in "${hs[@]}"; do
  rc=$(cat "$out/$h.rc" 2>/dev/null || echo 99)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$h.log" | tail -1)
  crash=$(ls "$out/artifacts/$h-"* 2>/dev/null | head -1)
  if [ "$rc" = 0 ] && [ -z "$crash" ] && [ -n "$execs" ]; then
    echo "PASS: fuzz ${h#fuzz_} (${execs} execs)"
  else
    grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$out/$h.log"
    echo "FAIL: fuzz ${h#fuzz_} (exit $rc) crash input: ${crash:-none} log: $out/$h.log"
    fails=$((fails + 1))
  fi
done
[ $fails = 0 ]
