#!/usr/bin/env bash
# NLnet Labs unbound's validator replay tests (testdata/val_*.rpl from the
# pinned unbound source, tools/deps.sh) replayed against `danebox resolve`:
# each scenario's canned answers come from a loopback replay server, keys of
# algorithms danebox does not validate are re-signed (tests/replay/resign.py),
# and danebox's verdict is compared with unbound's expected answer
# (AD -> secure, SERVFAIL -> bogus, otherwise insecure).
#
# PASS/FAIL per comparable query: a disagreement passes only when listed in
# tests/replay/expected-differences.txt; a downgrade (danebox secure where
# unbound is not, insecure where unbound says bogus) always fails.  Queries
# the harness cannot compare are printed as NOT COMPARABLE with the reason.
# The per-query table is written to build/replay/results.txt.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
danebox=$top/build/host/danebox
py=/usr/bin/python3
[ -x "$danebox" ] || { echo "FAIL: $danebox not built"; exit 1; }
td=deps/unbound-1.17.1/testdata   # pinned in tools/deps.sh
[ -d "$td" ] || { echo "FAIL: unbound testdata missing (run tools/deps.sh)"; exit 1; }
$py -c 'import dns.dnssec, cryptography' 2>/dev/null || { echo "FAIL: python3-dnspython/python3-cryptography missing (tools/setup.sh)"; exit 1; }
mkdir -p build/replay
timeout 600 $py tests/replay/run.py --testdata "$td" --danebox "$danebox" --jobs 2 --min-compared 153 --min-agree 147 \
  --table build/replay/results.txt --differences tests/replay/expected-differences.txt
rc=$?
[ $rc = 0 ] || echo "FAIL: unbound replay (exit $rc; table in build/replay/results.txt)"
# The server's answers from unbound's cached NSEC records (RFC 8198): proofs
# from records cached before the step only, none for an existing wildcard.
timeout 120 $py tests/replay/check_aggressive.py "$td" || rc=1
# The harness passes a scenario's lowered NSEC3 limit as --nsec3-iterations
# (val_nsec3_iter_high); the option and the relay's config key can only
# lower the built-in limit (150), never raise it.
out=$("$danebox" resolve x.test A --offline /dev/null --nsec3-iterations 151 2>&1); r=$?
if [ $r = 2 ] && [[ $out == *"only lower"* ]]; then echo "PASS: --nsec3-iterations above the built-in limit is a usage error"
else echo "FAIL: --nsec3-iterations 151: exit $r '$out'"; rc=1; fi
cfg=$(mktemp); trap 'rm -f "$cfg"' EXIT
printf 'listen = 127.0.0.1:2525\nnsec3_iterations = 151\n' >"$cfg"
out=$("$danebox" relay --config "$cfg" --check-config 2>&1); r=$?
if [ $r = 2 ] && [[ $out == *"nsec3_iterations"* ]]; then echo "PASS: relay config nsec3_iterations above the built-in limit is refused"
else echo "FAIL: relay config nsec3_iterations = 151: exit $r '$out'"; rc=1; fi
printf 'listen = 127.0.0.1:2525\nnsec3_iterations = 100\n' >"$cfg"
out=$("$danebox" relay --config "$cfg" --check-config 2>&1); r=$?
if [ $r = 0 ] && [[ $out == *"nsec3_iterations = 100"* ]]; then echo "PASS: relay config nsec3_iterations = 100 lowers the limit"
else echo "FAIL: relay config nsec3_iterations = 100: exit $r '$out'"; rc=1; fi
exit $rc
