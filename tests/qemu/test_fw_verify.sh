#!/usr/bin/env bash
# The verifier on the target: the firmware (QEMU mps2-an386, lwIP) runs the
# portable DNSSEC resolver and the STARTTLS/TLS client against the rigs and
# must agree with the host CLI.  Prints PASS:/FAIL: lines and INFO: figures.
#
#  rigs: DNS rig in netns $RIG_NS (default dbxrig-fwv), the Postfix rig added
#        to the same netns (SMTP_REUSE_NS=1; its addresses live on lo there,
#        the firmware reaches them through the rig0 bridge + tap); both torn
#        down on exit.
#  (a) mode=resolve against the rig's authoritative NSD (192.0.2.53: answers
#      with unaging TTLs in a fixed order, so output is reproducible): every
#      firmware JSON line must equal, byte for byte, the line of
#      `danebox resolve --json` run in the netns with the same questions in
#      the same order, the same anchor (the DS of $RIG_DIR/anchor.txt, passed
#      as anchor-ds=) and --time; the same questions through the validating
#      unbound (192.0.2.2) must give the same status/kind/rcode/answers
#      (TTLs aside, they age).
#  (b) mode=probe against the ECDSA- and RSA-keyed Postfix servers: TLS 1.3,
#      the leaf SPKI SHA-256 the host `danebox probe` sees (and openssl's),
#      same round trips; no-STARTTLS server: reported, not TLS.
#  Figures (-icount shift=0): heap/stack/mbedTLS peaks and instruction counts
#  for one cold resolve of _25._tcp.mx.rsa.test. TLSA and one TLS probe.
# Needs root, nsd, unbound, postfix, qemu-system-arm, python3,
# make BOARD=host and make BOARD=mps2-an386.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib.sh
export RIG_NS=${RIG_NS_FWV:-dbxfwv$$}
SMTP_DIR_FWV=$top/build/smtp/$RIG_NS
TMO=${QEMU_TIMEOUT:-60}
elf=build/mps2-an386/danebox.elf
DANEBOX=build/host/danebox
TAP=fwvtap0
fails=0
out=$(mktemp -d)
smtp() { SMTP_NS=$RIG_NS SMTP_REUSE_NS=1 SMTP_DIR=$SMTP_DIR_FWV timeout 90 tools/rig/smtp-rig.sh "$@"; }
cleanup() {
  smtp down >/dev/null 2>&1
  tools/rig/dns-rig.sh down >/dev/null 2>&1
  rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


for f in "$elf" "$DANEBOX"; do
  [ -f "$f" ] || { fail "built: $f" "missing (make; make BOARD=mps2-an386)"; exit 1; }
done
t0=$SECONDS
if tools/rig/dns-rig.sh up >"$out/rig.log" 2>&1; then pass "DNS rig $RIG_NS up"
else cat "$out/rig.log"; fail "DNS rig $RIG_NS up"; exit 1; fi
if smtp up >"$out/smtp.log" 2>&1; then pass "SMTP rig (Postfix) up in the same netns"
else tail -5 "$out/smtp.log"; fail "SMTP rig up"; exit 1; fi
. "build/rig/$RIG_NS/env"
F=$SMTP_DIR_FWV/servers.txt
NSX=(ip netns exec "$RIG_NS")

# fw <log> <config block>: the firmware on the rig link, deterministic time
fw() {
  local log=$1; shift
  qemu_args mps2-an386 "$elf"
  RIG_NS=$RIG_NS tools/rig/qemu-net.sh -t "$TAP" -- timeout "$TMO" "${QEMU_ARGS[@]}" \
    -icount shift=0 -append "$*" </dev/null 2>"$log.err" | tr -d '\r' >"$log"
  local rc=${PIPESTATUS[0]}
  sed 's/^/  | /' "$log" | cut -c1-240; sed 's/^/  ! /' "$log.err"
  return "$rc"
}

# ---- (a) resolve ------------------------------------------------------------
# name type expected-status expected-kind   (first: the cold-cache figure)
CASES=(
  "_25._tcp.mx.rsa.test. TLSA secure data"      # TLSA, RSA zone (alg 8), cold cache
  "rsa.test. MX secure data"                    # secure RSA
  "mx.ecdsa.test. A secure data"                # secure ECDSA (alg 13)
  "_25._tcp.mx.ecdsa.test. TLSA secure data"    # TLSA, ECDSA zone
  "mx.insec.test. A insecure data"              # insecure delegation (NSEC no-DS proof)
  "mx.expired.test. A bogus data"               # bogus: signatures expired
  "nx.p384.test. A secure nxdomain"             # NXDOMAIN, NSEC3 proof (P-384)
  "cn.ecdsa.test. A secure data"                # CNAME into another signed zone
)
ds=$(awk '$4 == "DS" {print $5 ":" $6 ":" $7 ":" $8; exit}' "$RIG_ANCHOR")
qlist=; hargs=()
for c in "${CASES[@]}"; do
  read -r n t _ <<<"$c"
  qlist+=${qlist:+,}${n%.}/$t; hargs+=("$n" "$t")
done
for srv in 192.0.2.53 192.0.2.2; do
  log=$out/res-$srv
  fw "$log" mode=resolve ip=192.0.2.100/24 resolver=$srv anchor=rig anchor-ds=$ds \
    time=$RIG_TIME timeout=5000 query=$qlist
  rc=$?
  "${NSX[@]}" "$DANEBOX" resolve "${hargs[@]}" --resolver "$srv" --anchor "$RIG_ANCHOR" \
    --time "$RIG_TIME" --json >"$log.host" 2>"$log.host.err"
  grep '^{' "$log" >"$log.fw"
  i=0
  for c in "${CASES[@]}"; do
    read -r n t st kind <<<"$c"
    i=$((i + 1))
    fl=$(sed -n "${i}p" "$log.fw"); hl=$(sed -n "${i}p" "$log.host")
    if [ $srv = 192.0.2.53 ]; then
      if [ -n "$fl" ] && [ "$fl" = "$hl" ]; then pass "resolve $n $t: firmware JSON line = host line (byte for byte)"
      else fail "resolve $n $t: firmware line = host line" "fw: ${fl:0:200} | host: ${hl:0:200}"; fi
    else
      if python3 - "$fl" "$hl" <<'PY'
import json, re, sys
def norm(s):
    d = json.loads(s)
    d.pop("ttl")
    for k in ("answer", "chain"):
        d[k] = sorted(re.sub(r"^(\S+) \d+ ", r"\1 ", r) for r in d[k])
    return d
sys.exit(0 if norm(sys.argv[1]) == norm(sys.argv[2]) else 1)
PY
      then pass "resolve $n $t via unbound: firmware = host (TTLs aside)"
      else fail "resolve $n $t via unbound: firmware = host" "fw: ${fl:0:160} | host: ${hl:0:160}"; fi
    fi
    got=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["status"], d["kind"])' "$fl" 2>/dev/null)
    if [ "$got" = "$st $kind" ]; then pass "resolve $n $t via $srv: $st $kind"
    else fail "resolve $n $t via $srv: want $st $kind" "got '$got'"; fi
  done
  if grep -q "^resolve: ${#CASES[@]} done, 0 failed, heap in use after free 0 bytes$" "$log" &&
     grep -q "^resolve: 0 sockets left open$" "$log" && [ $rc = 0 ]; then
    pass "resolve via $srv: all questions answered, heap back to 0, no socket leaked, exit 0"
  else fail "resolve via $srv: clean finish" "rc=$rc"; fi
done
cold=$(grep -m1 '^resolve-stats: _25._tcp.mx.rsa.test. TLSA:' "$out/res-192.0.2.53")
echo "INFO: cold resolve _25._tcp.mx.rsa.test. TLSA (NSD upstream): ${cold#*TLSA: }"
# determinism of the figure: a second cold boot, same instruction count
fw "$out/res2" mode=resolve ip=192.0.2.100/24 resolver=192.0.2.53 anchor=rig anchor-ds=$ds \
  time=$RIG_TIME timeout=5000 query=_25._tcp.mx.rsa.test/TLSA >/dev/null
cold2=$(grep -m1 '^resolve-stats: _25._tcp.mx.rsa.test. TLSA:' "$out/res2")
i1=$(sed -n 's/.* insns=\([0-9]*\).*/\1/p' <<<"$cold"); i2=$(sed -n 's/.* insns=\([0-9]*\).*/\1/p' <<<"$cold2")
if [ -n "$i1" ] && [ -n "$i2" ] && python3 -c "import sys; a,b=$i1,$i2; sys.exit(0 if abs(a-b) <= 0.05*max(a,b) else 1)"; then
  pass "cold TLSA resolve: instruction count reproducible within 5% ($i1 vs $i2)"
else fail "cold TLSA resolve: instruction count reproducible" "$i1 vs $i2"; fi

# ---- (b) probe ----------------------------------------------------------------
fact() { awk -v k="$1" -v n="$2" -v c="$3" '$1==k && $2==n {print $c; exit}' "$F"; }
jget() { python3 -c 'import json,sys
d=json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d.get(k) if isinstance(d, dict) else None
print("" if d is None else d)' "$1" "$2" 2>/dev/null; }
for name in dane-ee dane-ee-rsa; do
  v4=$(fact server "$name" 5); mx=$(fact server "$name" 4); kind=$(fact server "$name" 8)
  leaf=$(fact leaf_spki "$name" 3)
  log=$out/probe-$name
  fw "$log" mode=probe ip=192.0.2.100/24 probe=$v4 sni=$mx timeout=10000
  rc=$?
  host=$("${NSX[@]}" timeout 20 "$DANEBOX" probe "$v4" --sni "$mx" --timeout 5000 --json 2>&1)
  hspki=$(jget "$host" tls.chain.0.spki_sha256)
  line=$(grep -m1 '^probe-tls: ' "$log"); sline=$(grep -m1 "^probe: $v4 " "$log")
  fspki=$(sed -n 's/.* leaf-spki-sha256=\([0-9a-f]*\).*/\1/p' <<<"$line")
  if [ -n "$fspki" ] && [ "$fspki" = "$hspki" ] && [ "$fspki" = "$leaf" ]; then
    pass "probe $name ($kind leaf): firmware leaf SPKI SHA-256 = host danebox probe = openssl"
  else fail "probe $name: SPKI firmware = host = openssl" "fw=$fspki host=$hspki openssl=$leaf"; fi
  if [[ $line == *" version=TLSv1.3 "* ]] && [ "$(jget "$host" tls.version)" = TLSv1.3 ]; then
    pass "probe $name: TLS 1.3 (${line#*cipher=})"
  else fail "probe $name: TLS 1.3" "$line"; fi
  if [[ $sline == *" outcome=tls-unverified "* ]] &&
     [[ $sline == *" round_trips=$(jget "$host" round_trips) "* ]] && [ $rc = 0 ]; then
    pass "probe $name: outcome tls-unverified, round trips = host's ($(jget "$host" round_trips)), exit 0"
  else fail "probe $name: outcome / round trips / exit" "$sline rc=$rc"; fi
  if grep -q '^probe: mbedTLS heap after free 0 bytes' "$log" && grep -q '^probe: 0 sockets left open$' "$log"; then
    pass "probe $name: mbedTLS heap back to 0, no socket leaked"
  else fail "probe $name: mbedTLS heap 0 after free, no socket leaked"; fi
  echo "INFO: TLS probe $name: $(grep -m1 '^probe-stats: ' "$log" | sed 's/^probe-stats: //')"
done
log=$out/probe-nostarttls
fw "$log" mode=probe ip=192.0.2.100/24 probe=$(fact server nostarttls 5) sni=mx1.nostarttls.test timeout=10000
rc=$?
if grep -q ' outcome=no-starttls ' "$log" && ! grep -q '^probe-tls: ' "$log" && [ $rc = 2 ]; then
  pass "probe nostarttls: reported as no-starttls, no TLS facts, exit 2 (defer)"
else fail "probe nostarttls: no-starttls, exit 2" "rc=$rc"; fi

echo "  (suite took $((SECONDS - t0)) s)"
[ $fails = 0 ]
