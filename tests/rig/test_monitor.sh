#!/usr/bin/env bash
# Rig test of the operator tools: `danebox tlsa` (records pasted into a
# signed rig zone make `check` say dane-verified; --compare) and `danebox
# monitor` on the how-to's mistakes, each asserted in the readable report,
# in the JSON and as the Nagios exit code:
#   m-clean.test    clean (OK)                          two MX, key per host, current + next
#   m-one.test      one TLSA record (WARNING)           + same key on both MX hosts (advice)
#   dual.test       RSA + ECDSA certificates, TLSA for ECDSA only (CRITICAL for RSA-only senders)
#   m-tcpnx.test    the _tcp NXDOMAIN mistake (CRITICAL)
#   m-stale.test    secondary NSD (192.0.2.54) serving a stale TLSA RRset (WARNING: inconsistent)
#   m-stale2.test   ... a stale RRset without the key in use (CRITICAL)
#   m-soon.test     RRSIGs expiring in 3 days (WARNING; CRITICAL with --crit-days 4)
#   expired.test    RRSIGs expired (CRITICAL)
#   m-v6strip.test  IPv6 address refuses STARTTLS (stripping relay), IPv4 fine (CRITICAL)
#   dane-ta.test    DANE-TA chain expiry against --warn-days (WARNING)
#   unreachable resolver (UNKNOWN)
# Zones: tools/rig/hooks.d/70-monitor.sh, tools/rig/zones/{m-soon,m-stale,m-stale2,_25._tcp.mx1.m-tcpnx}.test.zone.
# Prints PASS:/FAIL: lines; tears everything down (trap).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export E2E_NS=${E2E_NS:-dbxmon-t$$}
export E2E_DIR=${E2E_DIR:-$top/build/e2e/$E2E_NS}
export MON_RIG=1
export SMTP_EXTRA="dual dual.test 192.0.2.31 2001:db8::31 yes ecdsa dual"
DANEBOX=${DANEBOX:-$top/build/host/danebox}
RIG=$top/tools/rig/e2e-rig.sh
fails=0
T0=$SECONDS
pass() { echo "PASS: $*"; }
failc() { echo "FAIL: $*"; fails=$((fails + 1)); }

cleanup() {
  [ -n "${MITM_PID:-}" ] && kill "$MITM_PID" 2>/dev/null
  if [ -f "$E2E_DIR/ns2/nsd.pid" ]; then
    p=$(tr -dc 0-9 <"$E2E_DIR/ns2/nsd.pid")
    [ -n "$p" ] && [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$(command -v nsd || echo /usr/sbin/nsd)" ] && kill "$p" 2>/dev/null
  fi
  "$RIG" down >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

[ -x "$DANEBOX" ] || { failc "danebox binary missing ($DANEBOX): run make"; exit 1; }
if ! timeout 200 "$RIG" up; then failc "monitor rig up"; exit 1; fi
. "$E2E_DIR/env"
NSX=(ip netns exec "$E2E_NS")
RD=$RIG_DIR
pass "monitor rig up (Postfix incl. dual-certificate server + signed DNS in netns $E2E_NS, $((SECONDS - T0)) s)"

# --- second name server for m-stale.test: the older signed copy ----------------
mkdir -p "$E2E_DIR/ns2"
cat >"$E2E_DIR/ns2/nsd.conf" <<EOF
server:
	ip-address: 192.0.2.54
	port: 53
	ip-freebind: yes
	server-count: 1
	username: ""
	chroot: ""
	database: ""
	zonelistfile: "$E2E_DIR/ns2/zonelist"
	xfrdfile: "$E2E_DIR/ns2/xfrd.state"
	xfrdir: "$E2E_DIR/ns2"
	pidfile: "$E2E_DIR/ns2/nsd.pid"
	logfile: "$E2E_DIR/ns2/nsd.log"
	verbosity: 1
	hide-version: yes
remote-control:
	control-enable: no
zone:
	name: "m-stale.test"
	zonefile: "$RD/zones/m-stale.test.stale.signed"
zone:
	name: "m-stale2.test"
	zonefile: "$RD/zones/m-stale2.test.stale.signed"
EOF
"${NSX[@]}" ip addr add 192.0.2.54/32 dev lo
"${NSX[@]}" nsd -c "$E2E_DIR/ns2/nsd.conf" || failc "second NSD did not start"
"${NSX[@]}" python3 "$top/tests/rig/e2e_mitm.py" 2001:db8::40 192.0.2.25 --lifetime 300 >"$E2E_DIR/mitm6.log" 2>&1 &
MITM_PID=$!
for _ in $(seq 50); do
  s2=$("${NSX[@]}" dig +norec +short +time=1 +tries=1 @192.0.2.54 m-stale.test SOA 2>/dev/null | awk '{print $3}')
  [ "$s2" = 1 ] && grep -q listening "$E2E_DIR/mitm6.log" 2>/dev/null && break
  sleep 0.1
done
[ "${s2:-}" = 1 ] && pass "ns2 serves the stale m-stale.test copy (serial 1)" || failc "ns2 not serving serial 1 (got '${s2:-}')"

DNSOPTS=(--resolver "$RIG_RESOLVER" --anchor "$RIG_ANCHOR" --time "$RIG_TIME")
jx() { python3 -c 'import json,sys
d=json.loads(sys.argv[1].splitlines()[0]) if sys.argv[1].strip() else {}
F=d.get("findings",[])
def has(code, sev=None, host=None, addr=None, text=""):
    return any(f["code"]==code and (sev is None or f["severity"]==sev) and (host is None or f["host"]==host)
               and (addr is None or f["addr"]==addr) and text in f["text"] for f in F)
print(eval(sys.argv[2]))' "$1" "$2" 2>&1; }

# ============================== danebox tlsa ====================================
SD=$SMTP_DIR
sha() { openssl dgst -sha256 -r | cut -d' ' -f1; }
nosni_ee=$(openssl x509 -in "$SD/dane-ee/tls/nosni.pem" -noout -pubkey | openssl pkey -pubin -outform DER | sha)
next1=$(openssl pkey -in "$RD/monitor/next1.key" -pubout -outform DER | sha)
out=$("$DANEBOX" tlsa --host mx1.m-clean.test "$SD/dane-ee/tls/nosni.pem" --next-key "$RD/monitor/next1.key")
if grep -q "^_25._tcp.mx1.m-clean.test. 3600 IN TLSA 3 1 1 $nosni_ee ; current" <<<"$out" &&
   grep -q "^_25._tcp.mx1.m-clean.test. 3600 IN TLSA 3 1 1 $next1 ; next" <<<"$out"; then
  pass "tlsa: 3 1 1 current + next equal openssl's SPKI SHA-256 (certificate and private key)"
else
  failc "tlsa current/next: $out"
fi
# what the hook pasted into the zone is exactly that output, and it was signed
if grep -Fqx -f <(grep -v '^;' "$RD/monitor/m-clean.mx1.tlsa") "$RD/zones/test.zone" &&
   grep -q "_25._tcp.mx1.m-clean.test.*RRSIG.*TLSA" "$RD/zones/test.signed"; then
  pass "tlsa: output pasted verbatim into the signed test. zone"
else
  failc "tlsa output not found in $RD/zones/test.zone / not signed"
fi
OUT=$("${NSX[@]}" timeout 60 "$DANEBOX" check m-clean.test "${DNSOPTS[@]}" --json --timeout 5000)
RC=$?
ok=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); A=[a for h in d["hosts"] for a in h["addrs"]]
print(d["verdict"]=="dane-verified" and len(A)==4 and all(a["tls"]=="verified" and a["matched_tlsa"]=="3 1 1" for a in A))' "$OUT" 2>&1)
[ "$ok" = True ] && [ $RC = 0 ] && pass "tlsa: records from danebox tlsa, signed -> check m-clean.test dane-verified on 4 addresses" ||
  failc "check m-clean.test (exit $RC): $(echo "$OUT" | cut -c1-400)"
# RSA private key in, SPKI hash out
rsa_leaf=$(awk '$1=="leaf_spki" && $2=="dane-ee-rsa" {print $3}' "$SMTP_SERVERS")
out=$("$DANEBOX" tlsa --host mx1.dane-ee-rsa.test "$SD/dane-ee-rsa/tls/leaf.key")
grep -q "IN TLSA 3 1 1 $rsa_leaf ; current: public key" <<<"$out" && grep -q "warning: one record" <<<"$out" &&
  pass "tlsa: RSA private key -> 3 1 1 of its public key, single-record warning" || failc "tlsa rsa key: $out"
# current + issuer: the root of the dane-ta chain (given leaf + intermediate + root)
cat "$SD/dane-ta/tls/chain.pem" "$SD/ca/root.pem" >"$E2E_DIR/ta-full.pem"
root=$(awk '$1=="tlsa" && $2=="dane-ta" && $3==2 && $4==1 {print $6}' "$SMTP_SERVERS")
inter=$(openssl x509 -in "$SD/ca/inter.pem" -noout -pubkey | openssl pkey -pubin -outform DER | sha)
o1=$("$DANEBOX" tlsa --host mx1.dane-ta.test "$E2E_DIR/ta-full.pem")
o2=$("$DANEBOX" tlsa --host mx1.dane-ta.test "$E2E_DIR/ta-full.pem" --issuer-depth 1)
grep -q "TLSA 2 1 1 $root ; issuer at depth 2" <<<"$o1" && grep -q "TLSA 2 1 1 $inter ; issuer at depth 1" <<<"$o2" &&
  pass "tlsa: 2 1 1 names the root by default, the intermediate with --issuer-depth 1" || failc "tlsa issuer: $o1 / $o2"
# --compare: published set covers the current key (and lists the next one)
OUT=$("${NSX[@]}" "$DANEBOX" tlsa --host mx1.m-clean.test "$SD/dane-ee/tls/nosni.pem" --next-key "$RD/monitor/next1.key" --compare "${DNSOPTS[@]}")
RC=$?
[ $RC = 0 ] && [ "$(grep -c '^present ' <<<"$OUT")" = 2 ] && grep -q "^current key covered" <<<"$OUT" &&
  pass "tlsa --compare m-clean: both records present, current key covered (exit 0)" || failc "tlsa --compare m-clean (exit $RC): $OUT"
OUT=$("${NSX[@]}" "$DANEBOX" tlsa --host mx1.m-one.test "$SD/mismatch/tls/leaf.pem" --compare "${DNSOPTS[@]}")
RC=$?
[ $RC = 1 ] && grep -q "^MISSING 3 1 1" <<<"$OUT" && grep -q "matches nothing given" <<<"$OUT" && grep -q "NOT covered" <<<"$OUT" &&
  pass "tlsa --compare with an unpublished key: MISSING, NOT covered (exit 1)" || failc "tlsa --compare mismatch (exit $RC): $OUT"

# ============================== danebox monitor ==================================
# mcase NAME DOMAIN WANT_RC REPORT_REGEX JSON_COND [monitor options...]
mcase() {
  local name=$1 dom=$2 want=$3 re=$4 cond=$5; shift 5
  local txt js nag rc1 rc2 rc3 ok
  txt=$("${NSX[@]}" timeout 120 "$DANEBOX" monitor "$dom" "${DNSOPTS[@]}" --timeout 5000 "$@" 2>&1); rc1=$?
  js=$("${NSX[@]}" timeout 120 "$DANEBOX" monitor "$dom" "${DNSOPTS[@]}" --timeout 5000 --json "$@" 2>/dev/null); rc2=$?
  nag=$("${NSX[@]}" timeout 120 "$DANEBOX" monitor "$dom" "${DNSOPTS[@]}" --timeout 5000 --nagios "$@" 2>/dev/null); rc3=$?
  local st; st=$(case $want in 0) echo OK ;; 1) echo WARNING ;; 2) echo CRITICAL ;; *) echo UNKNOWN ;; esac)
  ok=$(jx "$js" "d.get('status')=='$st' and ($cond)")
  if grep -Eq "$re" <<<"$txt" && [ "$ok" = True ] && [ $rc1 = "$want" ] && [ $rc2 = "$want" ] && [ $rc3 = "$want" ] &&
     [ "$(wc -l <<<"$nag")" = 1 ] && grep -q "^DANE $st - .* | hosts=" <<<"$nag"; then
    pass "monitor $name: $dom -> $st (exit $rc3) [$(grep -Eo "$re" <<<"$txt" | head -1 | cut -c1-110)]"
  else
    failc "monitor $name: $dom: exit $rc1/$rc2/$rc3 (want $want), json-cond=$ok, report-match=$(grep -Ec "$re" <<<"$txt"): $(echo "$txt" | grep -v '  OK ' | head -8) | $nag | $(echo "$js" | cut -c1-300)"
  fi
}

mcase clean m-clean.test 0 '^m-clean.test: OK \(0 critical, 0 warning' \
  'sum(f["code"]=="dane-verified" for f in F)==4 and has("key-per-host","OK") and has("rollover","OK","mx1.m-clean.test") and has("tls-versions","OK") and has("ns-consistent","OK") and not has("rollover-single-record")'
mcase one-tlsa m-one.test 1 'WARNING +rollover-single-record +mx1.m-one.test: a single TLSA record' \
  'has("rollover-single-record","WARNING","mx1.m-one.test") and has("same-key-all-mx","ADVICE") and has("tlsa-ttl","ADVICE","mx1.m-one.test","","300 s")'
mcase rsa-ecdsa dual.test 2 'CRITICAL +dane-no-match +mx1.dual.test\[192.0.2.31\]: RSA-only senders defer' \
  'has("dane-no-match","CRITICAL","mx1.dual.test","192.0.2.31","RSA-only") and has("dane-no-match","CRITICAL","mx1.dual.test","2001:db8::31","RSA-only") and has("dane-verified","OK","mx1.dual.test","192.0.2.31","ECDSA: EC key")'
mcase tcp-nxdomain m-tcpnx.test 2 'CRITICAL +tcp-nxdomain +mx1.m-tcpnx.test: _tcp.mx1.m-tcpnx.test is NXDOMAIN' \
  'has("tcp-nxdomain","CRITICAL","mx1.m-tcpnx.test")'
mcase stale-secondary m-stale.test 1 'WARNING +ns-tlsa-mismatch +mx1.m-stale.test: .*ns2.m-stale.test\[192.0.2.54\] serial 1, 1 TLSA' \
  'has("ns-tlsa-mismatch","WARNING","mx1.m-stale.test","","ns1.test[192.0.2.53] serial 2, 2 TLSA") and has("ns-serial-mismatch","WARNING") and has("dane-verified","OK")'
mcase stale-key m-stale2.test 2 'CRITICAL +ns-tlsa-stale-key +mx1.m-stale2.test: ns2.m-stale2.test\[192.0.2.54\] serves 1 TLSA record\(s\), none for the key in use' \
  'has("ns-tlsa-stale-key","CRITICAL","mx1.m-stale2.test","","ns2.m-stale2.test[192.0.2.54]") and not has("ns-tlsa-stale-key",None,None,None,"ns1.test") and has("ns-tlsa-mismatch","WARNING")'
mcase rrsig-3-days m-soon.test 1 'WARNING +rrsig-tlsa +mx1.m-soon.test: RRSIG of the TLSA RRset expires in 3 day' \
  'd["rrsig_days_min"]==3 and has("rrsig-mx","WARNING","","","expires in 3 day") and has("rrsig-tlsa","WARNING")'
mcase rrsig-3-days-crit m-soon.test 2 'CRITICAL +rrsig-tlsa +mx1.m-soon.test: RRSIG of the TLSA RRset expires in 3 day\(s\) \(< 4\)' \
  'has("rrsig-tlsa","CRITICAL")' --crit-days 4
mcase rrsig-expired expired.test 2 'CRITICAL +rrsig-mx +-: RRSIG of the MX RRset expired 1 day' \
  'has("rrsig-mx","CRITICAL","","","expired") and has("mx-lookup","CRITICAL")'
mcase v6-no-starttls m-v6strip.test 2 'CRITICAL +starttls-missing +mx1.m-v6strip.test\[2001:db8::40\]: STARTTLS not offered' \
  'has("starttls-missing","CRITICAL","mx1.m-v6strip.test","2001:db8::40") and has("dane-verified","OK","mx1.m-v6strip.test","192.0.2.25") and not has("starttls-missing",None,None,"192.0.2.25")'
mcase dane-ta-expiry dane-ta.test 1 'WARNING +dane-ta-expiry +mx1.dane-ta.test: DANE-TA chain \(RSA, at 192.0.2.27\) expires in' \
  'has("dane-ta-expiry","WARNING","mx1.dane-ta.test") and has("tlsa-2-0-x","ADVICE") and has("alg-not-offered","OK","mx1.dane-ta.test","192.0.2.27","no ECDSA")' --warn-days 4000 --crit-days 1
# UNKNOWN: nobody answers DNS
nag=$("${NSX[@]}" timeout 60 "$DANEBOX" monitor m-clean.test --resolver 192.0.2.99 --anchor "$RIG_ANCHOR" --time "$RIG_TIME" --nagios 2>/dev/null); rc=$?
[ $rc = 3 ] && grep -q "^DANE UNKNOWN - m-clean.test UNKNOWN; mx-lookup" <<<"$nag" &&
  pass "monitor unknown: resolver unreachable -> UNKNOWN (exit 3)" || failc "monitor unknown (exit $rc): $nag"
# several domains: one status line, worst state, perfdata of all
nag=$("${NSX[@]}" timeout 120 "$DANEBOX" monitor m-clean.test m-soon.test "${DNSOPTS[@]}" --nagios 2>/dev/null); rc=$?
[ $rc = 1 ] && grep -q "^DANE WARNING - m-clean.test OK, m-soon.test WARNING; .* | hosts=3 addrs=5 .*rrsig_days=3;7:;2:$" <<<"$nag" &&
  pass "monitor nagios, two domains: worst state, perfdata rrsig_days=3 (exit 1)" || failc "monitor two domains (exit $rc): $nag"

echo "monitor suite: $((SECONDS - T0)) s"
[ $fails = 0 ]
