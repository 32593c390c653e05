#!/usr/bin/env bash
# Run every danebox test and print one closing line "N passed, N failed".
#  - host unit tests: build/host/tests/test_* (cmocka; counted per test case)
#  - script suites:   tests/rig/test_*.sh and tests/qemu/test_*.sh; each
#    prints "PASS: name" / "FAIL: name" lines (counted) and exits non-zero on
#    any failure.
# TESTS_FILTER=regex limits the suites run (matched against the file name).
# Shared e2e rig: script suites with the same line "# e2e-rig: shared
# [VAR=VALUE...]" (see e2e_rig_name in tests/lib.sh) share one e2e rig
# (tools/rig/e2e-rig.sh, started with those variables) when two or more of
# them are selected: it comes up before the first of them and goes down after
# the last; after each of them anything the suite left running in the netns is
# killed, and a rig that is no longer up is torn down (the next suite gets a
# fresh one).  Every rig goes down when this script exits.  A suite run alone
# brings up its own rig; so does every suite with TESTS_SHARE_RIG=0.
# Each suite's wall time is printed in its line and collected, slowest first,
# in build/test-logs/times.txt.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
filter=${TESTS_FILTER:-.}
pass=0; fail=0; failed_suites=()
log=build/test-logs; mkdir -p "$log"
times=$log/times.txt.new; : >"$times"

declare -A share_total=() share_left=() share_dir=() share_log=()
share_n=0
share_key() { grep -m1 '^# e2e-rig: shared' "$1" 2>/dev/null; }
share_env() { # key dir -> the rig's environment for env(1)
  local vars=${1#"# e2e-rig: shared"}
  echo "$vars E2E_NS=$(basename "$2") E2E_DIR=$2"
}
share_down() { # key
  local d=${share_dir[$1]:-}
  [ -n "$d" ] || return 0
  # shellcheck disable=SC2046
  env $(share_env "$1" "$d") timeout 60 tools/rig/e2e-rig.sh down >>"${share_log[$1]}" 2>&1
  rm -rf "$d"
  unset 'share_dir[$1]'
}
share_up() { # key -> 0 with share_dir[key] holding a running rig
  local d=${share_dir[$1]:-} t0=$SECONDS
  [ -n "$d" ] && return 0
  share_n=$((share_n + 1))
  d=$top/build/e2e/dbxshr$$-$share_n
  share_log[$1]=$log/e2e-rig-shared-$share_n.log
  # shellcheck disable=SC2046
  if env $(share_env "$1" "$d") timeout 150 tools/rig/e2e-rig.sh up >"${share_log[$1]}" 2>&1 &&
     env $(share_env "$1" "$d") bash -c '. tests/lib.sh; e2e_rig_variant' >"$d/shared-variant"; then
    share_dir[$1]=$d
    echo "$((SECONDS - t0)) e2e-rig-shared-$share_n" >>"$times"
    printf '%-40s %s\n' "e2e-rig-shared-$share_n" "up in $((SECONDS - t0)) s for ${share_left[$1]} suite(s): ${1#"# e2e-rig: "}"
    return 0
  fi
  printf '%-40s %s\n' "e2e-rig-shared-$share_n" "did not come up (see ${share_log[$1]}); the suites bring up their own"
  share_dir[$1]=$d; share_down "$1"
  return 1
}
share_check() { # key: kill what the last suite left in the netns; drop a dead rig
  local d=${share_dir[$1]:-} ns p
  [ -n "$d" ] || return 0
  ns=$(basename "$d")
  for p in $(ip netns pids "$ns" 2>/dev/null); do
    case $(readlink "/proc/$p/exe" 2>/dev/null) in
      */nsd|*/unbound|/usr/lib/postfix/sbin/*) ;;
      *) kill -9 "$p" 2>/dev/null ;;
    esac
  done
  # shellcheck disable=SC2046
  env $(share_env "$1" "$d") tools/rig/e2e-rig.sh status >/dev/null 2>&1 || share_down "$1"
}
share_all_down() { local k; for k in "${!share_dir[@]}"; do share_down "$k"; done; }
trap share_all_down EXIT
trap 'exit 130' INT TERM

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

suites=()
for s in tests/rig/test_*.sh tests/qemu/test_*.sh; do
  [ -f "$s" ] || continue
  name=$(basename "$s" .sh); [[ $name =~ $filter ]] || continue
  suites+=("$s")
  key=$(share_key "$s")
  [ -z "$key" ] || [ "${TESTS_SHARE_RIG:-1}" = 0 ] || share_total[$key]=$((${share_total[$key]:-0} + 1))
done
for k in "${!share_total[@]}"; do share_left[$k]=${share_total[$k]}; done

for s in "${suites[@]}"; do
  name=$(basename "$s" .sh)
  out="$log/$name.log"
  key=$(share_key "$s"); shared=()
  [ -n "$key" ] && [ "${share_total[$key]:-0}" -ge 2 ] || key=
  if [ -n "$key" ] && share_up "$key"; then shared=(DBX_E2E_SHARED="${share_dir[$key]}"); fi
  t0=$SECONDS
  timeout 1200 env "${shared[@]}" bash "$s" >"$out" 2>&1; rc=$?
  dt=$((SECONDS - t0)); echo "$dt $name" >>"$times"
  if [ -n "$key" ]; then
    share_left[$key]=$((share_left[$key] - 1))
    if [ "${share_left[$key]}" = 0 ]; then share_down "$key"; else share_check "$key"; fi
  fi
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
