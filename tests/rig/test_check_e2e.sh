#!/usr/bin/env bash
# End-to-end rig test of `danebox check` (RFC 7672) against real Postfix
# servers and a signed DNS hierarchy in one netns (tools/rig/e2e-rig.sh),
# including attacks: STARTTLS stripping by a man in the middle
# (e2e_mitm.py), a server presenting a different certificate, DNS answers
# forged without signatures (e2e_forger.py), TLSA stripping.  Then a
# cross-check of every applicable case with Postfix's posttls-finger.
# Prints PASS:/FAIL: lines; tears everything down (trap); < 4 minutes.
#
# posttls-finger differences (asserted as documented, not as agreement):
#  * it is a non-validating stub: it trusts the AD bit of its resolver
#    (/etc/netns/NS/resolv.conf + trust-ad).  Against the forging resolver
#    (forged unsigned answers with AD set) it follows the forged data:
#      - TLSA stripped (forged NXDOMAIN): no DANE -> "Untrusted TLS"
#        (an MTA would deliver unauthenticated); danebox: defer tlsa-bogus;
#      - forged MX / forged A pointing at the stripping relay: it connects
#        there and sees no STARTTLS (Postfix would defer, but for "TLS
#        required, not offered", not for the forgery); danebox: defer
#        mx-bogus / address-bogus without connecting.
#  * without STARTTLS it prints no TLS line at all ("no-tls"): whether
#    Postfix would defer (DANE) or send in cleartext (insecure MX) is not
#    in its output, so "no-tls" agrees with danebox's defer
#    starttls-not-offered and with opportunistic plaintext alike.
#  * it stops at the first MX host it reaches with TLS (twomx.test: the
#    TLSA mismatch on MX 10 is "Untrusted", it does not go on to MX 20);
#    the twomx hosts are compared one by one with "[host]".
#  * DNSSEC failures surface as "Name service error ... try again".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib.sh
# e2e-rig: shared
e2e_rig_name "dbxe2e-t$$"
DANEBOX=${DANEBOX:-$top/build/host/danebox}
fails=0
T0=$SECONDS

cleanup() {
  [ -n "${MITM_PID:-}" ] && kill "$MITM_PID" 2>/dev/null
  [ -n "${FORGER_PID:-}" ] && kill "$FORGER_PID" 2>/dev/null
  e2e_rig_down
  rm -rf "${PTF_CONF:-/nonexistent-dbx}"
}
trap cleanup EXIT INT TERM

[ -x "$DANEBOX" ] || { failc "danebox binary missing ($DANEBOX): run make"; exit 1; }
if ! e2e_rig_up 150; then failc "e2e rig up"; exit 1; fi
pass "e2e rig up (Postfix + signed DNS in netns $E2E_NS, $((SECONDS - T0)) s)"

"${NSX[@]}" python3 "$top/tests/rig/e2e_mitm.py" 192.0.2.40 192.0.2.25 --lifetime 220 >"$E2E_DIR/mitm.log" 2>&1 &
MITM_PID=$!
"${NSX[@]}" python3 "$top/tests/rig/e2e_forger.py" 192.0.2.3 192.0.2.2 --lifetime 220 >"$E2E_DIR/forger.log" 2>&1 &
FORGER_PID=$!
for _ in $(seq 50); do
  grep -q listening "$E2E_DIR/mitm.log" 2>/dev/null && grep -q listening "$E2E_DIR/forger.log" 2>/dev/null && break
  sleep 0.1
done

# danebox check NAME DOMAIN [opts] -> OUT (JSON), RC
run_check() {
  OUT=$("${NSX[@]}" timeout 60 "$DANEBOX" check "$@" --anchor "$RIG_ANCHOR" --json --timeout 5000 2>"$E2E_DIR/last.err")
  RC=$?
}
# jq-like: evaluate a python expression over d (the JSON) -> prints result

declare -A VERDICT          # case name -> danebox JSON (for posttls mapping)
exit_for() { case $1 in dane-verified) echo 0 ;; opportunistic|encrypt-unauthenticated) echo 1 ;; *) echo 3 ;; esac; }

# case NAME DOMAIN RESOLVER EXPECTED_VERDICT PYTHON_CONDITION [extra danebox opts...]
case_() {
  local name=$1 dom=$2 res=$3 want=$4 cond=$5; shift 5
  run_check "$dom" --resolver "$res" --time "${CASE_TIME:-$RIG_TIME}" "$@"
  VERDICT[$name]=$OUT
  local got ok inv
  got=$(jx "$OUT" 'd.get("verdict")')
  ok=$(jx "$OUT" "bool($cond)")
  # RFC 7672 invariant: a deferred domain has no host/address that succeeded,
  # and nothing unauthenticated is ever reported "verified"
  inv=$(jx "$OUT" '(d["verdict"]!="defer" or all(h["verdict"]=="defer" for h in H)) and all(a["tls"]=="verified" or a["verdict"]!="dane-verified" for a in A) and all(a["tls"]!="verified" or a["dane"]=="match" for a in A)')
  if [ "$got" = "$want" ] && [ "$ok" = True ] && [ "$inv" = True ] && [ "$RC" = "$(exit_for "$want")" ]; then
    pass "check $name: $dom -> $got (exit $RC) [$(jx "$OUT" 'd["reason"]' | cut -c1-110)]"
  else
    failc "check $name: $dom -> verdict '$got' (want $want), exit $RC, cond=$ok, invariant=$inv: $(echo "$OUT" | cut -c1-600) $(head -c 300 "$E2E_DIR/last.err")"
  fi
}

R=$RIG_RESOLVER F=$E2E_FORGER
# --- the Postfix servers' own domains
case_ dane-ee dane-ee.test $R dane-verified \
  'd["mx"]["status"]=="secure" and len(A)==2 and all(a["tls"]=="verified" and a["tls_version"]=="TLSv1.3" and a["dane"]=="match" and a["depth"]==0 for a in A) and H[0]["tlsa_base"]=="mx1.dane-ee.test" and H[0]["usable_tlsa"]==2'
case_ dane-ee-rsa dane-ee-rsa.test $R dane-verified 'all(a["tls"]=="verified" for a in A)'
case_ dane-ee-ipv4-only dane-ee.test $R dane-verified 'len(A)==1 and A[0]["addr"]=="192.0.2.25" and H[0]["aaaa"]["status"]=="not-done"' -4
case_ dane-ta dane-ta.test $R dane-verified 'all(a["matched_tlsa"]=="2 0 1" and a["depth"]==1 for a in A)'
case_ dane-ta-partial dane-ta-partial.test $R defer 'all(a["dane"]=="no-match" and a["tls"]=="rejected" for a in A) and "tlsa-no-match" in H[0]["reason"]'
# attack: the server presents a different, valid-looking certificate
case_ mismatch mismatch.test $R defer 'all(a["dane"]=="no-match" and a["tls"]=="rejected" for a in A) and "tlsa-no-match" in d["reason"]'
# TLSA present but no STARTTLS: defer, never plaintext
case_ nostarttls nostarttls.test $R defer 'all(a["tls"]=="plaintext" and a["verdict"]=="defer" and not a["starttls"] for a in A) and "starttls-not-offered" in d["reason"]'
# two MX: TLSA mismatch on MX 10, good MX 20 -> delivered via the second
case_ twomx twomx.test $R dane-verified 'd["deciding_host"]==1 and H[0]["name"]=="mx1.mismatch.test" and H[0]["verdict"]=="defer" and "tlsa-no-match" in H[0]["reason"] and H[1]["preference"]==20 and H[1]["verdict"]=="dane-verified"'
# MX host is a CNAME: TLSA at the expanded name, SNI = TLSA base domain
case_ cname cname.test $R dane-verified 'H[0]["name"]=="mx.cname.test" and H[0]["expanded"]=="mx1.dane-ee.test" and H[0]["tlsa_base"]=="mx1.dane-ee.test" and H[0]["tlsa_expanded"]["status"]=="secure"'
# unsigned domain with a STARTTLS server: opportunistic, TLS unauthenticated
case_ insecure insec.test $R opportunistic 'd["mx"]["status"]=="insecure" and not d["dane_possible"] and H[0]["tlsa"]["status"]=="not-done" and all(a["tls"]=="unauthenticated" and a["dane"]=="not-applied" for a in A)'
# TLSA records all unusable (PKIX-EE only): encrypt-unauthenticated
case_ pkix pkix.test $R encrypt-unauthenticated 'H[0]["tlsa"]["status"]=="secure" and H[0]["usable_tlsa"]==0 and H[0]["tlsa_total"]==1 and all(a["tls"]=="unauthenticated" for a in A)'
case_ nullmx nullmx.test $R defer 'd["null_mx"] and d["smtp_sessions"]==0 and "null MX" in d["reason"]'
case_ implicit implicit.test $R dane-verified 'd["implicit_mx"] and H[0]["name"]=="implicit.test" and d["mx"]["status"]=="secure-denial"'
# signatures expired: bogus -> defer
case_ bogus expired.test $R defer 'd["mx"]["status"]=="bogus" and "mx-bogus" in d["reason"] and d["smtp_sessions"]==0'
case_ v6only v6only.test $R dane-verified 'H[0]["a"]["status"]=="secure-denial" and H[0]["aaaa"]["status"]=="secure" and A[0]["addr"]=="2001:db8::25"'
case_ v6only-ipv4-only v6only.test $R defer '"no-address" in d["reason"] and d["smtp_sessions"]==0' -4
# attack: STARTTLS stripped by a man in the middle (DANE domain -> defer)
case_ mitm-strip strip.test $R defer 'A[0]["addr"]=="192.0.2.40" and A[0]["tls"]=="plaintext" and "starttls-not-offered" in d["reason"]'
# the same relay for an unsigned domain: opportunistic plaintext (never "verified")
case_ mitm-strip-unsigned strip.insec.test $R opportunistic 'A[0]["tls"]=="plaintext" and "cleartext" in A[0]["reason"]'
# attack: DNS answers forged without signatures by the forging resolver
case_ forged-mx dane-ee.test $F defer 'd["mx"]["status"]=="bogus" and d["smtp_sessions"]==0'
case_ forged-a dane-ee-rsa.test $F defer 'H[0]["a"]["status"]=="bogus" and "address-bogus" in d["reason"] and d["smtp_sessions"]==0'
case_ tlsa-stripped dane-ta.test $F defer 'H[0]["tlsa"]["status"]=="bogus" and "tlsa-bogus" in d["reason"] and d["smtp_sessions"]==0'
# --time: validation 60 days after signing -> every signature expired -> defer
CASE_TIME=$((RIG_TIME + 60 * 86400)) case_ time-expired dane-ee.test $R defer '"bogus" in d["mx"]["status"]'
# resolver unreachable -> exit 4
run_check dane-ee.test --resolver 192.0.2.99 --time "$RIG_TIME"
if [ $RC = 4 ] && [ "$(jx "$OUT" 'd["mx"]["status"]')" = indeterminate ]; then pass "check unreachable resolver -> defer, exit 4"; else failc "unreachable resolver: exit $RC $OUT"; fi

# --- one JSON line per domain; cold vs warm (key cache) in one process
OUT=$("${NSX[@]}" timeout 60 "$DANEBOX" check dane-ee.test dane-ee.test --resolver $R --anchor "$RIG_ANCHOR" --time "$RIG_TIME" --json --timeout 5000 -4)
n=$(echo "$OUT" | wc -l)
cold=$(jx "$(echo "$OUT" | sed -n 1p)" 'd["dns_queries"]'); warm=$(jx "$(echo "$OUT" | sed -n 2p)" 'd["dns_queries"]')
scold=$(jx "$(echo "$OUT" | sed -n 1p)" 'd["smtp_round_trips"]'); swarm=$(jx "$(echo "$OUT" | sed -n 2p)" 'd["smtp_round_trips"]')
echo "INFO: dane-ee.test -4 cold: $cold DNS queries, $scold SMTP round trips; warm: $warm DNS queries, $swarm SMTP round trips"
# signer-driven zone cuts: cold MX+A+TLSA, DNSKEY ., DS/DNSKEY test., "_tcp"
# probe = 7 (per-label DS walk: 10; bound 6); warm: the answer cache, none
if [ "$n" = 2 ] && [ "$warm" -lt "$cold" ] && [ "$cold" -le 7 ] && [ "$warm" = 0 ] &&
   [ "$scold" = 5 ] && [ "$swarm" = 5 ]; then
  pass "cold/warm: one JSON line per domain, warm check asks no DNS question ($cold <= 7 -> $warm), 5 SMTP round trips each"
else failc "cold/warm: lines=$n cold=$cold warm=$warm smtp=$scold/$swarm"; fi
# parallel DNS (issue 18): round 1 MX + the keys of the root and test.,
# round 2 A, AAAA, TLSA and the "_tcp" DS probe, each round one batch of
# concurrent questions; the bound is 2 (see BENCHMARKS.md, round trips)
rcold=$(jx "$(echo "$OUT" | sed -n 1p)" 'd["dns_rounds"]'); rwarm=$(jx "$(echo "$OUT" | sed -n 2p)" 'd["dns_rounds"]')
OUT6=$("${NSX[@]}" timeout 60 "$DANEBOX" check dane-ee.test --resolver $R --anchor "$RIG_ANCHOR" --time "$RIG_TIME" --json --timeout 5000)
r6=$(jx "$OUT6" 'd["dns_rounds"]'); q6=$(jx "$OUT6" 'd["dns_queries"]'); v6=$(jx "$OUT6" 'd["verdict"]')
echo "INFO: dane-ee.test dependent DNS rounds: -4 cold $rcold, warm $rwarm; both families cold $r6 ($q6 queries)"
if [ -n "$rcold" ] && [ "$rcold" -le 3 ] && [ "$rwarm" = 0 ] && [ -n "$r6" ] && [ "$r6" -le 3 ] &&
   [ "$v6" = "$(jx "$(echo "$OUT" | sed -n 1p)" 'd["verdict"]')" ]; then
  pass "parallel DNS: cold check of dane-ee.test in $rcold dependent DNS rounds (-4; $r6 with AAAA) <= 3, warm $rwarm"
else failc "parallel DNS rounds: cold=$rcold warm=$rwarm both-families=$r6 verdict=$v6"; fi
# text mode: mail-log lines
TXT=$("${NSX[@]}" timeout 60 "$DANEBOX" check dane-ee.test mismatch.test insec.test --resolver $R --anchor "$RIG_ANCHOR" --time "$RIG_TIME" -4 --timeout 5000)
if echo "$TXT" | grep -q '^Verified TLS connection established to mx1.dane-ee.test\[192.0.2.25\]:25: TLSv1.[23] with cipher TLS_[A-Z0-9_]* (DANE 3 [01] 1 matched at depth 0)$' &&
   echo "$TXT" | grep -q '^mx1.mismatch.test\[192.0.2.29\]:25: deferred: tlsa-no-match' &&
   echo "$TXT" | grep -q '^Untrusted TLS connection established to mx.insec.test\[192.0.2.25\]:25: .*opportunistic'; then
  pass "summary lines: Verified / deferred / Untrusted"
else failc "summary lines: $TXT"; fi

# --- posttls-finger cross-check ---------------------------------------------
PTF_CONF=$(mktemp -d)
printf 'compatibility_level = 3.6\nsmtp_dns_support_level = dnssec\nsmtp_tls_loglevel = 1\n' >"$PTF_CONF/main.cf"
ptf() { # [opts] dest -> category
  local out
  out=$("${NSX[@]}" timeout 40 env MAIL_CONFIG="$PTF_CONF" posttls-finger -t10 -T30 -c -l dane -P /dev/null "$@" 2>&1)
  echo "$out" >>"$E2E_DIR/posttls.log"
  if echo "$out" | grep -q 'Verified TLS connection established'; then echo verified
  elif echo "$out" | grep -q 'no matching DANE TLSA records'; then echo dane-fail
  elif echo "$out" | grep -q 'Untrusted TLS connection established' && echo "$out" | grep -q 'unsupported TLSA'; then echo encrypt
  elif echo "$out" | grep -Eq '(Untrusted|Anonymous) TLS connection established'; then echo untrusted
  elif echo "$out" | grep -q 'nullMX'; then echo nullmx
  elif echo "$out" | grep -Eq 'Name service error|lookup failed'; then echo dns-fail
  elif echo "$out" | grep -Eiq 'refused|timed out|connect'; then echo conn-fail
  else echo no-tls; fi
}
# danebox verdict -> the posttls-finger category it corresponds to
want_ptf() { jx "$1" '(
"verified" if d["verdict"]=="dane-verified" else
"encrypt" if d["verdict"]=="encrypt-unauthenticated" else
("untrusted" if any(a["tls"]=="unauthenticated" for a in A) else "no-tls") if d["verdict"]=="opportunistic" else
"dane-fail" if "tlsa-no-match" in d["reason"] else
"no-tls" if "starttls-not-offered" in d["reason"] else
"nullmx" if d["null_mx"] else
"dns-fail" if "bogus" in d["reason"] or "indeterminate" in d["reason"] else "?")'; }

for c in dane-ee:dane-ee.test dane-ee-rsa:dane-ee-rsa.test dane-ta:dane-ta.test dane-ta-partial:dane-ta-partial.test \
         mismatch:mismatch.test nostarttls:nostarttls.test cname:cname.test insecure:insec.test pkix:pkix.test \
         nullmx:nullmx.test implicit:implicit.test bogus:expired.test v6only:v6only.test mitm-strip:strip.test \
         mitm-strip-unsigned:strip.insec.test; do
  name=${c%%:*} dom=${c#*:}
  got=$(ptf "$dom"); want=$(want_ptf "${VERDICT[$name]}")
  if [ "$got" = "$want" ]; then pass "posttls $name: $dom posttls-finger '$got' agrees with danebox $(jx "${VERDICT[$name]}" 'd["verdict"]')"
  else failc "posttls $name: $dom posttls-finger '$got', danebox implies '$want'"; fi
done
# twomx host by host (posttls-finger stops at the first host it reaches)
got1=$(ptf "[mx1.mismatch.test]"); got2=$(ptf "[mx1.dane-ee.test]")
if [ "$got1" = dane-fail ] && [ "$got2" = verified ] && [ "$(jx "${VERDICT[twomx]}" 'H[0]["verdict"]+"/"+H[1]["verdict"]')" = defer/dane-verified ]; then
  pass "posttls twomx: per host dane-fail/verified agrees with danebox defer/dane-verified (domain via MX 20)"
else failc "posttls twomx: posttls $got1/$got2, danebox $(jx "${VERDICT[twomx]}" 'H[0]["verdict"]+"/"+H[1]["verdict"]')"; fi
got=$(ptf twomx.test)
if [ "$got" = dane-fail ]; then pass "posttls-diff twomx: posttls-finger reports only the first MX ('$got'), danebox goes on to MX 20 (documented)"
else failc "posttls-diff twomx: got '$got'"; fi

# forging resolver: documented differences (posttls-finger trusts the AD bit)
printf 'nameserver %s\noptions trust-ad\n' "$E2E_FORGER" >"/etc/netns/$E2E_NS/resolv.conf"
for c in forged-mx:dane-ee.test:no-tls forged-a:dane-ee-rsa.test:no-tls tlsa-stripped:dane-ta.test:untrusted; do
  IFS=: read -r name dom exp <<<"$c"
  got=$(ptf -a ipv4 "$dom")  # options before the destination (getopt stops there)
  dv=$(jx "${VERDICT[$name]}" 'd["verdict"]+" ("+d["reason"][:60]+")"')
  if [ "$got" = "$exp" ] && [[ $dv == defer* ]]; then
    pass "posttls-diff $name: posttls-finger follows the forged unsigned answer ('$got'); danebox validates: $dv"
  else failc "posttls-diff $name: posttls-finger '$got' (expected '$exp'), danebox $dv"; fi
done
printf 'nameserver 192.0.2.2\noptions trust-ad\n' >"/etc/netns/$E2E_NS/resolv.conf"

echo "INFO: test_check_e2e took $((SECONDS - T0)) s"
[ $fails = 0 ]
