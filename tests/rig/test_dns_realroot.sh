#!/usr/bin/env bash
# Real root-signed data (tests/dnssec/realroot/real.zone, origin in its
# README): `danebox resolve --offline` with the BUILT-IN trust anchor (root
# KSK-2017) at a time inside the captures' validity -- RSA at the top, ECDSA
# below, NSEC and NSEC3 wildcards, a long TXT -- and negative cases from the
# same data: expired / not yet valid, flipped signature bits, removed RRSIG
# and DS, a wildcard answer for a name its NSEC3 does not cover.  No network.
# Prints PASS:/FAIL: lines; exits 1 on failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
danebox=$top/build/host/danebox
zone=$top/tests/dnssec/realroot/real.zone
T=1709100000   # 2024-02-28 06:00 UTC
[ -x "$danebox" ] || { echo "FAIL: $danebox not built"; exit 1; }
[ -f "$zone" ] || { echo "FAIL: $zone missing"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
want_rc() { case $1 in secure) echo 0;; insecure) echo 1;; bogus) echo 3;; *) echo 4;; esac; }
# case ZONEFILE TIME NAME TYPE EXPECTED [REASON-SUBSTRING]
case_() {
  local z=$1 t=$2 n=$3 ty=$4 want=$5 kw=${6:-} out rc got
  out=$("$danebox" resolve "$n" "$ty" --offline "$z" --time "$t" --json 2>&1); rc=$?
  got=$(python3 -c 'import json,sys; print(json.loads(sys.stdin.readline()).get("status",""))' <<<"$out" 2>/dev/null)
  if [ "$got" = "$want" ] && [ "$rc" = "$(want_rc "$want")" ] && { [ -z "$kw" ] || grep -qiF -- "$kw" <<<"$out"; }; then
    echo "PASS: realroot $(basename "$z") @$t $n $ty -> $got"
  else
    echo "FAIL: realroot $(basename "$z") @$t $n $ty: got '$got' exit $rc, want '$want' [$kw]"
    head -2 <<<"$out" | sed 's/^/    /'
    fails=$((fails + 1))
  fi
}
# variant of the zone: drop lines matching an awk condition, or flip a bit
drop() { awk "!($2)" "$zone" >"$tmp/$1.zone"; }
flip() { # name owner covered-type: change one base64 character of that RRSIG
  awk -v o="$2" -v c="$3" '$1==o && $4=="RRSIG" && $5==c && !done {
      s=$NF; ch=substr(s,20,1); $NF=substr(s,1,19) (ch=="A"?"B":"A") substr(s,21); done=1 } {print}' \
      "$zone" >"$tmp/$1.zone"; }

M=matt.user._bitcoin-payment.mattcorallo.com
B=dnssec_proof_tests.bitcoin.ninja
# --- positive: the true root-to-leaf paths
case_ "$zone" $T . DNSKEY secure
case_ "$zone" $T com DNSKEY secure
case_ "$zone" $T $M TXT secure            # root RSA -> com ECDSA -> mattcorallo.com ECDSA, 2-string TXT
case_ "$zone" $T ninja DNSKEY secure      # three RSA keys
case_ "$zone" $T txt_test.$B TXT secure   # root RSA -> ninja RSA -> bitcoin.ninja ECDSA
case_ "$zone" $T cname_test.$B TXT secure # CNAME
case_ "$zone" $T asdf.wildcard_test.$B TXT secure              # NSEC3 wildcard
case_ "$zone" $T a.nsec_tests.$B TXT secure
case_ "$zone" $T b.wildcard_test.nsec_tests.$B TXT secure      # NSEC wildcard
case_ "$zone" $T zzz.wildcard_test.nsec_tests.$B TXT secure    # ... proven by the last NSEC
# --- negative: time
case_ "$zone" 1710400000 $M TXT bogus expired
case_ "$zone" 1708000000 $M TXT bogus "not yet valid"
# --- negative: flipped signature bits (root DNSKEY, TLD DS, leaf TXT)
flip rootkey . DNSKEY;             case_ "$tmp/rootkey.zone" $T $M TXT bogus "trust anchor"
flip comds com. DS;                case_ "$tmp/comds.zone" $T $M TXT bogus "DS"
flip leaf "$M." TXT;               case_ "$tmp/leaf.zone" $T $M TXT bogus "does not verify"
flip wild "*.wildcard_test.nsec_tests.$B." TXT
case_ "$tmp/wild.zone" $T x.wildcard_test.nsec_tests.$B TXT bogus "does not verify"
# --- negative: removed RRSIG, removed DS
drop nosig "\$1==\"$M.\" && \$4==\"RRSIG\""; case_ "$tmp/nosig.zone" $T $M TXT bogus RRSIG
drop nods "\$1==\"com.\" && \$4==\"DS\"";     case_ "$tmp/nods.zone" $T $M TXT bogus
drop nods2 "\$1==\"bitcoin.ninja.\" && (\$4==\"DS\" || (\$4==\"RRSIG\" && \$5==\"DS\"))"
case_ "$tmp/nods2.zone" $T txt_test.$B TXT bogus
# --- negative: wildcard answers without the proof they need
case_ "$zone" $T qqq.wildcard_test.$B TXT bogus NSEC3     # NSEC3 covers only asdf.*
drop nonsec "\$1 ~ /^\\*\\.wildcard_test\\.nsec_tests/ && (\$4==\"NSEC\" || (\$4==\"RRSIG\" && \$5==\"NSEC\"))"
case_ "$tmp/nonsec.zone" $T b.wildcard_test.nsec_tests.$B TXT bogus wildcard
[ $fails = 0 ]
