#!/usr/bin/env bash
# Rig test: `danebox resolve` against the DNS rig (NSD authoritative + unbound
# recursive in a network namespace), driven by tests/rig/dns_cases.txt:
#
#   NAME TYPE EXPECTED_STATUS reason-keyword   # comment
#
# EXPECTED_STATUS is secure|insecure|bogus|indeterminate; reason-keyword is a
# case-insensitive substring of the reason ("-" = any; use _ for spaces).
# Also checks the key cache: a second _25._tcp TLSA lookup in the same
# process must cost fewer upstream queries (cold vs warm counts printed), and
# the counts themselves: cold at most 7, warm 1.
# Prints PASS:/FAIL: lines (tests/run.sh counts them), exits 1 on failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export RIG_NS=${RIG_NS:-dbxdns$$}
export RIG_DIR=${RIG_DIR:-$top/build/rig-dns}
rig=${DNS_RIG:-tools/rig/dns-rig.sh}       # override: development only
cases=${DNS_CASES:-tests/rig/dns_cases.txt}
danebox=$top/build/host/danebox

if [ ! -x "$rig" ] && [ ! -f "$rig" ]; then
  echo "FAIL: dns rig missing ($rig)"; exit 1
fi
if [ ! -f "$cases" ]; then
  echo "FAIL: dns rig case table missing ($cases)"; exit 1
fi
[ -x "$danebox" ] || { echo "FAIL: $danebox not built"; exit 1; }

down() { bash "$rig" down >/dev/null 2>&1 || true; }
trap down EXIT INT TERM
if ! bash "$rig" up; then
  echo "FAIL: dns rig up"; exit 1
fi
if [ ! -f "$RIG_DIR/env" ]; then
  echo "FAIL: dns rig wrote no $RIG_DIR/env"; exit 1
fi
# shellcheck disable=SC1091
. "$RIG_DIR/env"
: "${RIG_RESOLVER:?RIG_RESOLVER missing in env}"
anchor=${RIG_ANCHOR:-}
if [ -n "$anchor" ] && [ ! -f "$anchor" ]; then   # zone text instead of a path
  printf '%s\n' "$anchor" > "$RIG_DIR/anchor.from-env"; anchor=$RIG_DIR/anchor.from-env
fi
common=(--resolver "$RIG_RESOLVER" --json)
[ -n "$anchor" ] && common+=(--anchor "$anchor")
[ -n "${RIG_TIME:-}" ] && common+=(--time "$RIG_TIME")

run() { ip netns exec "$RIG_NS" "$danebox" resolve "$@" "${common[@]}"; }
field() { # json key -> value (string or number)
  python3 -c 'import json,sys
for l in sys.stdin:
    l=l.strip()
    if l: print(json.loads(l).get(sys.argv[1], ""))' "$1"
}
want_rc() { case $1 in secure) echo 0;; insecure) echo 1;; bogus) echo 3;; *) echo 4;; esac; }

fails=0; n=0; tlsa=""
while read -r line; do
  line=${line%%#*}; read -r name type want kw _ <<<"$line" || true
  [ -n "${name:-}" ] || continue
  n=$((n + 1))
  out=$(run "$name" "$type" 2>&1); rc=$?
  got=$(printf '%s\n' "$out" | field status 2>/dev/null | head -1)
  reason=$(printf '%s\n' "$out" | field reason 2>/dev/null | head -1)
  kw=${kw:--}; kwt=${kw//_/ }
  ok=1
  [ "$got" = "$want" ] || ok=0
  [ "$rc" = "$(want_rc "$want")" ] || ok=0
  if [ "$kw" != "-" ] && ! grep -qiF -- "$kwt" <<<"$reason"; then ok=0; fi
  if [ $ok = 1 ]; then
    echo "PASS: resolve $name $type ($got: $reason)"
  else
    echo "FAIL: resolve $name $type: got '$got' ($reason) exit $rc, want '$want' [$kw]"
    printf '%s\n' "$out" | head -3 | sed 's/^/    /'
    fails=$((fails + 1))
  fi
  if [ -z "$tlsa" ] && [ "$type" = TLSA ] && [ "$want" = secure ] && [[ $name == _25._tcp.* ]]; then
    tlsa=$name
  fi
done < "$cases"
[ $n -gt 0 ] || { echo "FAIL: no cases in $cases"; fails=$((fails + 1)); }

# key cache: cold vs warm in one process
if [ -n "$tlsa" ]; then
  out=$(run "$tlsa" TLSA "$tlsa" TLSA 2>&1)
  cold=$(printf '%s\n' "$out" | field queries | sed -n 1p)
  warm=$(printf '%s\n' "$out" | field queries | sed -n 2p)
  wsigs=$(printf '%s\n' "$out" | field sig_verifies | sed -n 2p)
  # signer-driven zone cuts: cold = answer + DNSKEY . + DS/DNSKEY test. +
  # DS/DNSKEY rsa.test. + the "_tcp" probe = 7 (per-label DS walk: 9); warm:
  # the answer cache, no question and no signature
  if [ -n "$cold" ] && [ -n "$warm" ] && [ "$warm" -lt "$cold" ] && [ "$cold" -le "${DNS_MAX_COLD:-7}" ] &&
     [ "$warm" = 0 ] && [ "$wsigs" = 0 ]; then
    echo "PASS: key + answer cache $tlsa TLSA (cold $cold queries, warm $warm queries $wsigs signatures)"
  else
    echo "FAIL: key + answer cache $tlsa TLSA (cold '${cold}' queries, warm '${warm}' queries '${wsigs}' signatures)"
    fails=$((fails + 1))
  fi
else
  echo "FAIL: key cache: no secure _25._tcp TLSA case in $cases"; fails=$((fails + 1))
fi
[ $fails = 0 ]
