#!/usr/bin/env bash
# Run every danebox test and print one closing line "N passed, N failed".
#  - host unit tests: build/host/tests/test_* (cmocka; counted per test case)
#  - script suites:   tests/rig/test_*.sh and tests/qemu/test_*.sh; each
#    prints "PASS: name" / "FAIL: name" lines (counted) and exits non-zero on
#    any failure.
# TESTS_FILTER=regex limits the suites run (matched against the file name).
# Each suite's wall time is printed in its line and collected, slowest first,
# in build/test-logs/times.txt.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
filter=${TESTS_FILTER:-.}
pass=0; fail=0; failed_suites=()
log=build/test-logs; mkdir -p "$log"
times=$log/times.txt.new; : >"$times"

count() { # file -> adds PASS/FAIL lines
  local p f
  p=$(grep -c '^PASS: ' "$1" || true); f=$(grep -c '^FAIL: ' "$1" || true)
  pass=$((pass + p)); fail=$((fail + f))
}

for t in build/host/tests/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t"); [[ $name =~ $filter ]] || continue
  out="$log/$name.log"
  t0=$SECONDS
  timeout 300 "$t" >"$out" 2>&1; rc=$?
  dt=$((SECONDS - t0)); echo "$dt $name" >>"$times"
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s+=$1} END{print s+0}')
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s+=$1} END{print s+0}')
  if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi   # crash or timeout counts as a failure
  pass=$((pass + p)); fail=$((fail + f))
  printf '%-40s %3d passed %3d failed %4d s\n' "$name" "$p" "$f" "$dt"
  [ "$f" = 0 ] || { failed_suites+=("$name"); sed -n '/FAILED\|ERROR\|error/p' "$out" | head -20; }
done

for s in tests/rig/test_*.sh tests/qemu/test_*.sh; do
  [ -f "$s" ] || continue
  name=$(basename "$s" .sh); [[ $name =~ $filter ]] || continue
  out="$log/$name.log"
  t0=$SECONDS
  timeout 1200 bash "$s" >"$out" 2>&1; rc=$?
  dt=$((SECONDS - t0)); echo "$dt $name" >>"$times"
  p0=$pass; f0=$fail; count "$out"
  if [ $rc -ne 0 ] && [ $fail = $f0 ]; then fail=$((fail + 1)); echo "FAIL: $name exited $rc" >>"$out"; fi
  printf '%-40s %3d passed %3d failed %4d s\n' "$name" $((pass - p0)) $((fail - f0)) "$dt"
  [ $fail = $f0 ] || { failed_suites+=("$name"); grep '^FAIL: ' "$out" | head -20; tail -5 "$out"; }
done

sort -rn "$times" >"$log/times.txt"; rm -f "$times"
echo "wall time $SECONDS s; slowest suites (s): $(head -5 "$log/times.txt" | tr '\n' ' ')"
[ ${#failed_suites[@]} = 0 ] || echo "failed suites: ${failed_suites[*]} (logs in $log/)"
echo "$pass passed, $fail failed"
[ $fail = 0 ] && [ $pass -gt 0 ]
