#!/usr/bin/env bash
# Cross-check tests/rig/dns_cases.txt against unbound: bring up a private DNS
# rig (netns $RIG_NS, default dbxrig-xc), ask the rig's unbound every case
# with dig +dnssec (AD -> secure, SERVFAIL -> bogus, otherwise insecure),
# compare with EXPECTED_STATUS (or the "!unbound=X" override), then
# cross-check a few cases with unbound-host -C $RIG_UNBOUND_CONF.
# Prints PASS:/FAIL: lines; exits non-zero on any FAIL.  Rig torn down on exit.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export RIG_NS=${RIG_NS:-dbxxc$$}
export RIG_DIR=${RIG_DIR:-$top/build/rig/$RIG_NS}
cases=${DNS_CASES:-$top/tests/rig/dns_cases.txt}
rig=$top/tools/rig/dns-rig.sh
trap '"$rig" down >/dev/null 2>&1' EXIT
trap 'exit 130' INT TERM

t0=$(date +%s.%N)
if ! timeout 60 "$rig" up; then
  echo "FAIL: xc rig-up"
  exit 1
fi
t1=$(date +%s.%N)
echo "PASS: xc rig-up"
# shellcheck disable=SC1091
. "$RIG_DIR/env"
nsx=(ip netns exec "$RIG_NS")

verdict_dig() { # name type -> "status rcode"
  local o rc fl
  o=$(timeout 15 "${nsx[@]}" dig +dnssec +time=4 +tries=1 @"$RIG_RESOLVER" "$1" "$2" 2>&1)
  rc=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$o")
  fl=$(sed -n 's/^;; flags: \([^;]*\);.*/\1/p' <<<"$o")
  if [ -z "$rc" ]; then echo "indeterminate TIMEOUT"
  elif [ "$rc" = SERVFAIL ]; then echo "bogus $rc"
  elif [[ " $fl " == *" ad "* ]]; then echo "secure $rc"
  else echo "insecure $rc"; fi
}

nfail=0; n=0
while read -r name type exp reason rest; do
  case $name in ''|\#*) continue ;; esac
  n=$((n + 1))
  want=$exp
  [[ $rest =~ \!unbound=([a-z]+) ]] && want=${BASH_REMATCH[1]}
  read -r got rcode < <(verdict_dig "$name" "$type")
  if [ "$got" = "$want" ]; then
    echo "PASS: xc $name $type ($got $rcode${reason:+, $reason})"
  else
    echo "FAIL: xc $name $type expected $want (case: $exp), unbound says $got ($rcode)"
    grep -F -- "<$name $type" "$RIG_DIR/unbound.log" | tail -2 | sed 's/^/    /'
    nfail=$((nfail + 1))
  fi
done <"$cases"
t2=$(date +%s.%N)

# unbound-host with RIG_UNBOUND_CONF: independent libunbound validation from
# the same anchor (contract check for the env file)
for c in "mx.ecdsa.test. A secure" "mx.insec.test. A insecure" "mx.dsbad.test. A bogus" \
         "_25._tcp.mx.rsa.test. TLSA secure"; do
  read -r name type want <<<"$c"
  o=$(timeout 20 "${nsx[@]}" unbound-host -C "$RIG_UNBOUND_CONF" -v -t "$type" "$name" 2>&1)
  case $o in *"(secure)"*) got=secure ;; *"(insecure)"*) got=insecure ;; *BOGUS*) got=bogus ;; *) got="?" ;; esac
  if [ "$got" = "$want" ]; then echo "PASS: xc unbound-host $name $type ($got)"
  else echo "FAIL: xc unbound-host $name $type expected $want got $got: $(head -c 300 <<<"$o")"; nfail=$((nfail + 1)); fi
done
# the IPv6 listener of the rig resolver
if timeout 15 "${nsx[@]}" dig +dnssec +time=4 +tries=1 @"$RIG_RESOLVER6" mx.rsa.test. AAAA 2>&1 | grep -q '^;; flags:.* ad[ ;]'; then
  echo "PASS: xc resolver6 mx.rsa.test. AAAA (secure)"
else echo "FAIL: xc resolver6 mx.rsa.test. AAAA not secure via $RIG_RESOLVER6"; nfail=$((nfail + 1)); fi
t3=$(date +%s.%N)

awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v n="$n" 'BEGIN {
  printf "timing: rig up %.1fs, %d dig cases %.1fs, unbound-host %.1fs\n", b-a, n, c-b, d-c }'
[ $nfail = 0 ]
