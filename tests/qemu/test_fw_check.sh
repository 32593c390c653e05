#!/usr/bin/env bash
# mode=check on the target: the firmware (QEMU mps2-an386, lwIP) runs the
# whole RFC 7672 flow (src/check) against the combined e2e rig (signed DNS +
# Postfix, tools/rig/e2e-rig.sh) and must print, per domain, the same JSON
# line as the host's `danebox check --json`.  PASS:/FAIL: lines, INFO:
# figures; < 1 minute after the rig is up.
#
#  (a) upstream NSD (192.0.2.53, authoritative for every rig zone: fixed RR
#      order, unaging TTLs): firmware and host check the same domains in the
#      same order in one process each (one resolver: the second dane-ee.test
#      is warm on both sides), same anchor (the rig DS, passed to the
#      firmware as anchor-ds=), same --time, IPv4 only (the firmware has
#      ip= only; host -4).  Every JSON line must be equal byte for byte --
#      counters included (dns_queries, per-lookup queries, smtp_round_trips),
#      no field normalized.  Summary lines = the host's text output (minus
#      its per-domain counter line, which carries wall-clock ms).
#  (b) upstream unbound (192.0.2.2): unbound rotates RRsets
#      (rrset-roundrobin), so TLSA record order -- and with it which of two
#      matching records is reported -- may differ between the two runs.
#      Compared with tlsa_records sorted and matched_record / matched_tlsa /
#      "DANE U S M matched" normalized; everything else equal.
#  (c) refusals: wall time unknown (host time() forced to 1000 via an
#      LD_PRELOAD shim around QEMU's semihosting SYS_TIME) -> exit 5, no
#      check; no entropy (/dev/urandom bind-mounted to /dev/null in a private
#      mount namespace) -> exit 4, no check; mode=check without check= -> 5.
# Needs root, the e2e rig's packages, qemu-system-arm, gcc, python3,
# make BOARD=host and make BOARD=mps2-an386.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib.sh
# e2e-rig: shared
e2e_rig_name "dbxfwc$$"
TMO=${QEMU_TIMEOUT:-90}
elf=build/mps2-an386/danebox.elf
DANEBOX=build/host/danebox
TAP=fwc$$
fails=0
out=$(mktemp -d)
cleanup() {
  e2e_rig_down
  rm -rf "$out"
  [ "$E2E_SHARED" = 1 ] || rm -rf "$E2E_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for f in "$elf" "$DANEBOX"; do
  [ -f "$f" ] || { fail "built: $f" "missing (make; make BOARD=mps2-an386)"; exit 1; }
done
t0=$SECONDS
qemu_args mps2-an386 "$elf"
QBASE=("${QEMU_ARGS[@]}" -icount shift=0)

# ---- (c) refusals (no network needed) -----------------------------------------
A="mode=check ip=192.0.2.100/24 resolver=192.0.2.53 check=dane-ee.test"
cat >"$out/notime.c" <<'EOF'
#include <time.h>
time_t time(time_t *t) { if (t) *t = 1000; return 1000; }
EOF
if gcc -shared -fPIC -o "$out/notime.so" "$out/notime.c" 2>"$out/gcc.err"; then
  LD_PRELOAD=$out/notime.so timeout 30 "${QBASE[@]}" -nic none -append "$A" </dev/null 2>/dev/null |
    tr -d '\r' >"$out/notime.log"
  rc=${PIPESTATUS[0]}
  if [ "$rc" = 5 ] && grep -q '^clock: unix wall time unknown' "$out/notime.log" &&
     grep -q '^check: not run (wall time unknown' "$out/notime.log" && ! grep -q '^{' "$out/notime.log"; then
    pass "no wall time (time=auto, clock unknown): check refused, exit 5"
  else fail "no wall time: refused, exit 5" "rc=$rc $(tail -3 "$out/notime.log" | tr '\n' '|')"; fi
else fail "no wall time: build LD_PRELOAD shim" "$(head -3 "$out/gcc.err")"; fi
unshare -m sh -c 'mount --bind /dev/null /dev/urandom && exec "$@"' sh timeout 30 "${QBASE[@]}" \
  -nic none -append "$A time=1700000000" </dev/null 2>/dev/null | tr -d '\r' >"$out/noent.log"
rc=${PIPESTATUS[0]}
if [ "$rc" = 4 ] && grep -q '^entropy: no entropy source' "$out/noent.log" &&
   grep -q '^check: not run (boot checks failed)' "$out/noent.log" && ! grep -q '^{' "$out/noent.log"; then
  pass "no entropy source: check refused, exit 4"
else fail "no entropy: refused, exit 4" "rc=$rc $(grep -E '^(entropy|check|exit)' "$out/noent.log" | tr '\n' '|')"; fi
timeout 30 "${QBASE[@]}" -nic none -append "mode=check ip=192.0.2.100/24 resolver=192.0.2.53" \
  </dev/null 2>/dev/null | tr -d '\r' >"$out/nocheck.log"
rc=${PIPESTATUS[0]}
if [ "$rc" = 5 ] && grep -q 'mode=check needs check=' "$out/nocheck.log"; then
  pass "mode=check without check=: config refused, exit 5"
else fail "mode=check without check=: exit 5" "rc=$rc"; fi

# ---- the rig ------------------------------------------------------------------
if e2e_rig_up 150 "$out/rig.log"; then
  pass "e2e rig up in netns $E2E_NS ($((SECONDS - t0)) s)"
else tail -5 "$out/rig.log"; fail "e2e rig up"; exit 1; fi
ds=$(awk '$4 == "DS" {print $5 ":" $6 ":" $7 ":" $8; exit}' "$RIG_ANCHOR")

# fw <log> <config block>: the firmware on the rig link
fw() {
  local log=$1; shift
  RIG_NS=$E2E_NS tools/rig/qemu-net.sh -t "$TAP" -- timeout "$TMO" "${QBASE[@]}" -append "$*" \
    </dev/null 2>"$log.err" | tr -d '\r' >"$log"
  local rc=${PIPESTATUS[0]}
  sed 's/^/  | /' "$log" | cut -c1-200
  return "$rc"
}
# host <log> <resolver> [danebox check args]: the host CLI in the netns
host() {
  local log=$1 srv=$2; shift 2
  "${NSX[@]}" timeout 120 "$DANEBOX" check "$@" --resolver "$srv" --anchor "$RIG_ANCHOR" \
    --time "$RIG_TIME" -4 --timeout 10000 >"$log" 2>"$log.err"
}
kv() { sed -n "s/.* $2=\([0-9]*\).*/\1/p" <<<"$1"; }

# ---- (a) NSD upstream: byte-for-byte --------------------------------------------
# domain:expected verdict (the second dane-ee.test runs with warm key and answer caches)
CASES=(dane-ee.test:dane-verified dane-ee.test:dane-verified dane-ta.test:dane-verified
       insec.test:opportunistic expired.test:defer mismatch.test:defer
       dane-ee-rsa.test:dane-verified twomx.test:dane-verified)
doms=(); for c in "${CASES[@]}"; do doms+=("${c%%:*}"); done
list=$(IFS=,; echo "${doms[*]}")
log=$out/nsd
fw "$log" mode=check ip=192.0.2.100/24 resolver=$RIG_AUTH anchor=rig anchor-ds=$ds \
  time=$RIG_TIME timeout=10000 check=$list
rc=$?
# the host keeps as many TLS sessions as the board (it prints its cache size)
tc=$(sed -n 's/^check: limits .*TLS session cache [0-9]* bytes (\([0-9]*\) entries).*/\1/p' "$log")
host "$log.host" "$RIG_AUTH" "${doms[@]}" --json --tls-cache "${tc:-2}"
host "$log.text" "$RIG_AUTH" "${doms[@]}" --tls-cache "${tc:-2}"
grep '^{' "$log" >"$log.fw"
i=0
for c in "${CASES[@]}"; do
  d=${c%%:*} want=${c#*:}
  i=$((i + 1))
  fl=$(sed -n "${i}p" "$log.fw"); hl=$(sed -n "${i}p" "$log.host")
  if [ -n "$fl" ] && [ "$fl" = "$hl" ]; then pass "check #$i $d (NSD): firmware JSON line = host danebox check --json (byte for byte)"
  else fail "check #$i $d (NSD): firmware line = host line" "fw: ${fl:0:300} | host: ${hl:0:300}"; fi
  got=$(jv "$fl" verdict)
  if [ "$got" = "$want" ]; then pass "check #$i $d: verdict $got ($(jv "$fl" reason | cut -c1-90))"
  else fail "check #$i $d: verdict $want" "got '$got'"; fi
done
# summary lines: the firmware's = the host's text output without its counter lines
awk '/^check: limits/ {on=1; next} /^check: [0-9]+ done/ {on=0} on && !/^\{/ && !/^check-stats: /' "$log" >"$log.sum"
grep -v ' DNS queries, .* SMTP round trips in ' "$log.text" >"$log.text.sum"
if [ -s "$log.sum" ] && cmp -s "$log.sum" "$log.text.sum"; then
  pass "summary lines: firmware = host text output ($(wc -l <"$log.sum") lines)"
else fail "summary lines: firmware = host text output" "$(diff "$log.sum" "$log.text.sum" | head -4 | tr '\n' '|')"; fi
# check-stats: one per domain, counters = the JSON line's
ok=1; i=0
while read -r line; do
  i=$((i + 1)); fl=$(sed -n "${i}p" "$log.fw")
  [ "$(kv "$line" dns-queries)" = "$(jv "$fl" dns_queries)" ] &&
    [ "$(kv "$line" smtp-round-trips)" = "$(jv "$fl" smtp_round_trips)" ] &&
    [ -n "$(kv "$line" insns)" ] && [ -n "$(kv "$line" mbedtls-peak)" ] || ok=0
done < <(grep '^check-stats: ' "$log")
if [ $ok = 1 ] && [ "$i" = ${#CASES[@]} ]; then pass "check-stats: one line per domain, DNS queries / SMTP round trips = the JSON counters"
else fail "check-stats lines" "$i lines, ok=$ok"; fi
cold=$(grep -m1 '^check-stats: dane-ee.test:' "$log"); warm=$(grep '^check-stats: dane-ee.test:' "$log" | sed -n 2p)
if [ -n "$warm" ] && [ "$(kv "$warm" dns-queries)" -lt "$(kv "$cold" dns-queries)" ] &&
   [ "$(kv "$cold" dns-queries)" -le 7 ] && [ "$(kv "$warm" dns-queries)" = 0 ] &&
   [ "$(kv "$warm" insns)" -lt "$(kv "$cold" insns)" ]; then
  pass "warm dane-ee.test (answer cache): no DNS query ($(kv "$cold" dns-queries) <= 7 -> $(kv "$warm" dns-queries)), fewer instructions"
else fail "warm check cheaper than cold" "cold: $cold | warm: $warm"; fi
# warm check = resumed TLS session (src/smtp/dbx_tls_cache.h): the second
# dane-ee.test resumes the session the first one verified, and says so
wl=$(sed -n 2p "$log.fw")
if [ "$(kv "$cold" handshakes-saved)" = 0 ] && [ "$(kv "$warm" handshakes-saved)" -ge 1 ] &&
   [ "$(jx "$wl" 'all(a["resumed"] and a["why"]=="dane-resumed" and a["chain_len"]==0 for a in A) and d["handshakes_saved"]>=1')" = True ]; then
  pass "warm dane-ee.test: TLS session resumed under the same TLSA RRset (handshakes-saved $(kv "$warm" handshakes-saved), cold $(kv "$cold" insns) -> warm $(kv "$warm" insns) busy instructions)"
else fail "warm check resumes the TLS session" "cold: $cold | warm: $warm | ${wl:0:300}"; fi
# busy vs waiting (firmware/meter.c): the three parts add up to the window,
# the cold check did wait for the network (empty polls), and the waiting
# instructions are the waiting cycles x 40 (1 ns per instruction at 25 MHz)
if [ -n "$cold" ] &&
   [ $(( $(kv "$cold" cycles-busy) + $(kv "$cold" cycles-wait) + $(kv "$cold" cycles-idle) )) = "$(kv "$cold" cycles-total)" ] &&
   [ "$(kv "$cold" polls-wait)" -gt 0 ] && [ "$(kv "$cold" cycles-wait)" -gt 0 ] &&
   [ "$(kv "$cold" insns-wait)" = $(( $(kv "$cold" cycles-wait) * 40 )) ] &&
   [ "$(kv "$cold" insns)" = $(( $(kv "$cold" cycles-busy) * 40 )) ]; then
  pass "check-stats: busy + waiting + idle cycles = total ($(kv "$cold" insns) busy, $(kv "$cold" insns-wait) waiting instructions in $(kv "$cold" polls-wait) empty polls)"
else fail "check-stats busy/waiting split" "$cold"; fi
if [ $rc = 0 ] && grep -q "^check: ${#CASES[@]} done, 0 internal errors, .* mbedTLS heap 0 bytes$" "$log" &&
   grep -q '^check: 0 sockets left open$' "$log"; then
  pass "firmware exit 0 (every verdict computed), mbedTLS heap back to 0, no socket leaked"
else fail "firmware clean finish" "rc=$rc $(grep -E '^check: [0-9]+ done|sockets' "$log" | tr '\n' '|')"; fi
echo "INFO: cold dane-ee.test: ${cold#*: }"
echo "INFO: warm dane-ee.test: ${warm#*: }"
echo "INFO: $(grep '^check: [0-9]* done' "$log")"
echo "INFO: $(grep '^memory: ' "$log")"

# ---- (b) unbound upstream: normalized ----------------------------------------------
CASES=(dane-ee.test:dane-verified dane-ta.test:dane-verified insec.test:opportunistic
       expired.test:defer mismatch.test:defer nostarttls.test:defer)
doms=(); for c in "${CASES[@]}"; do doms+=("${c%%:*}"); done
list=$(IFS=,; echo "${doms[*]}")
log=$out/unbound
fw "$log" mode=check ip=192.0.2.100/24 resolver=$RIG_RESOLVER anchor=rig anchor-ds=$ds \
  time=$RIG_TIME timeout=10000 check=$list
rc=$?
tc=$(sed -n 's/^check: limits .*TLS session cache [0-9]* bytes (\([0-9]*\) entries).*/\1/p' "$log")
host "$log.host" "$RIG_RESOLVER" "${doms[@]}" --json --tls-cache "${tc:-2}"
grep '^{' "$log" >"$log.fw"
i=0
for c in "${CASES[@]}"; do
  d=${c%%:*} want=${c#*:}
  i=$((i + 1))
  fl=$(sed -n "${i}p" "$log.fw"); hl=$(sed -n "${i}p" "$log.host")
  if python3 - "$fl" "$hl" <<'PY'
import json, re, sys
def norm(x):
    if isinstance(x, dict):
        return {k: (sorted(v) if k == "tlsa_records" else norm(v))
                for k, v in x.items() if k not in ("matched_record", "matched_tlsa")}
    if isinstance(x, list):
        return [norm(v) for v in x]
    if isinstance(x, str):
        return re.sub(r"DANE \d \d \d matched", "DANE # matched", x)
    return x
sys.exit(0 if norm(json.loads(sys.argv[1])) == norm(json.loads(sys.argv[2])) else 1)
PY
  then pass "check $d via unbound: firmware = host (TLSA order / matched record normalized)"
  else fail "check $d via unbound: firmware = host" "fw: ${fl:0:200} | host: ${hl:0:200}"; fi
  got=$(jv "$fl" verdict)
  if [ "$got" = "$want" ]; then pass "check $d via unbound: verdict $got"
  else fail "check $d via unbound: verdict $want" "got '$got'"; fi
done
if [ $rc = 0 ]; then pass "firmware exit 0 via unbound"; else fail "firmware exit 0 via unbound" "rc=$rc"; fi

echo "  (suite took $((SECONDS - t0)) s)"
[ $fails = 0 ]
