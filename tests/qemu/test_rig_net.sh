#!/usr/bin/env bash
# The firmware on the wire: QEMU (mps2-an386) joins the DNS rig's link via a
# tap on the rig0 bridge (tools/rig/qemu-net.sh) and runs mode=dnsprobe.
# Prints "PASS: name" / "FAIL: name" lines; exits non-zero on any failure.
#
#  run 1 (positive): unbound 192.0.2.2 and 2001:db8::2, three questions each
#    over UDP and TCP; rcode and answer count must equal what dig reports for
#    the same question; the ~6 KB TXT RRset of big.ecdsa.test (rig hook
#    20-bigtxt.sh; truncated over UDP, larger than the TCP receive window)
#    must arrive complete over TCP; UDP source ports are random, distinct.
#  run 2 (negative): 192.0.2.99 and 2001:db8::99 (nobody there) must time out
#    cleanly; 192.0.2.77 runs tests/qemu/spoof_responder.py, which answers
#    every query first with forged REFUSED answers from a wrong port and a
#    wrong address, then genuinely with NOERROR: only the genuine one may be
#    accepted; TCP to it is refused (RST) and must fail fast, not time out.
# Needs root (netns, tap), nsd, unbound, dig, python3, make BOARD=mps2-an386.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib.sh
export RIG_NS=${RIG_NS_QNET:-dbxqnet$$}
TMO=${QEMU_TIMEOUT:-60}
elf=build/mps2-an386/danebox.elf
fails=0
out=$(mktemp -d)
resp_pid=
cleanup() {
  [ -n "$resp_pid" ] && kill "$resp_pid" 2>/dev/null
  tools/rig/dns-rig.sh down >/dev/null 2>&1
  rm -rf "$out"
}
trap cleanup EXIT


[ -f "$elf" ] || { fail "firmware image built" "$elf missing"; exit 1; }
t0=$SECONDS
if tools/rig/dns-rig.sh up >"$out/rig.log" 2>&1; then pass "rig $RIG_NS up"
else cat "$out/rig.log"; fail "rig $RIG_NS up"; exit 1; fi
NSX=(ip netns exec "$RIG_NS")

# run <log> <config block>: the firmware in QEMU on the rig link
run() {
  local log=$1; shift
  qemu_args mps2-an386 "$elf"
  tools/rig/qemu-net.sh -t qtap0 -- timeout "$TMO" "${QEMU_ARGS[@]}" -append "$*" </dev/null 2>"$log.err" | tr -d '\r' >"$log"
  local rc=${PIPESTATUS[0]}
  sed 's/^/  | /' "$log"; sed 's/^/  ! /' "$log.err"
  return "$rc"
}

# dig oracle: "RCODE ANCOUNT" for a question
oracle() { # server name type
  "${NSX[@]}" dig +dnssec +cd +bufsize=1232 +time=2 +tries=1 "@$1" "$2" "$3" |
    awk '/->>HEADER<<-/ {gsub(",","",$6); rc=$6} /^;; flags:/ {for (i=1;i<=NF;i++) if ($i=="ANSWER:") {a=$(i+1); gsub(",","",a)}} END {print rc, a}'
}

# ---- run 1: positive ---------------------------------------------------------
log=$out/pos
queries="./SOA _25._tcp.mx.rsa.test./TLSA manykeys.test./DNSKEY big.ecdsa.test./TXT"
run "$log" mode=dnsprobe ip=192.0.2.100/24 gw=192.0.2.1 ip6=2001:db8::100 \
  resolver=192.0.2.2 resolver=2001:db8::2 timeout=5000 \
  query=./SOA,_25._tcp.mx.rsa.test/TLSA,manykeys.test/DNSKEY,big.ecdsa.test/TXT
rc=$?
expect "lan9118 up on the rig link" "$log" "^net: lan9118 at 0x40200000, mac 52:54:00:12:34:56, link up"
for srv in 192.0.2.2 2001:db8::2; do
  for q in $queries; do
    name=${q%/*}; type=${q#*/}
    read -r orc oan < <(oracle "$srv" "$name" "$type")
    for proto in udp tcp; do
      line=$(grep -F "dnsprobe: $proto $srv $name/$type " "$log" | head -1)
      what="$proto $srv $name $type"
      if [ -z "$line" ] || [[ $line == *error=* ]]; then fail "$what: answered" "${line:-no line}"; continue; fi
      rcode=$(sed -n 's/.* rcode=\([A-Z]*\) .*/\1/p' <<<"$line")
      an=$(sed -n 's/.* an=\([0-9]*\) .*/\1/p' <<<"$line")
      flags=$(sed -n 's/.* flags=\([a-z,]*\) .*/\1/p' <<<"$line")
      if [ "$proto" = udp ] && [[ ,$flags, == *,tc,* ]]; then
        # truncated over UDP: dig (same EDNS size) must see TC too; TCP carries it
        if [ "$rcode" = NOERROR ]; then pass "$what: truncated (tc) as expected, rcode NOERROR"
        else fail "$what: truncated answer rcode" "$line"; fi
        continue
      fi
      if [ "$rcode" = "$orc" ] && [ "$an" = "$oan" ]; then pass "$what: rcode=$rcode an=$an (= dig)"
      else fail "$what: rcode/an = dig ($orc $oan)" "$line"; fi
      if [[ ,$flags, == *,qr,* && ,$flags, == *,rd,* && ,$flags, == *,ra,* && ,$flags, == *,cd,* ]]; then
        pass "$what: flags $flags"
      else fail "$what: flags qr,rd,ra,cd" "$flags"; fi
    done
  done
done
# the big answer: longer than the TCP window, so it needed window updates
big=$(grep -F "dnsprobe: tcp 192.0.2.2 big.ecdsa.test./TXT " "$log" | sed -n 's/.* len=\([0-9]*\) .*ring-max=\([0-9]*\).*/\1 \2/p')
if [ -n "$big" ] && [ "${big% *}" -gt 6000 ] && [ "${big#* }" -lt "${big% *}" ]; then
  pass "TCP flow control: ${big% *}-byte answer through a ${big#* }-byte ring high-water mark"
else fail "TCP flow control (len > ring high-water)" "${big:-no line}"; fi
ports=$(grep '^dnsprobe: udp ' "$log" | sed -n 's/.* port=\([0-9]*\) .*/\1/p')
np=$(wc -w <<<"$ports"); nu=$(tr ' ' '\n' <<<"$ports" | sort -u | grep -c .)
lo=$(tr ' ' '\n' <<<"$ports" | sort -n | head -1)
if [ "$np" -ge 6 ] && [ "$np" = "$nu" ] && [ "${lo:-0}" -ge 49152 ]; then
  pass "UDP source ports random ephemeral, all distinct ($np)"
else fail "UDP source ports random ephemeral, distinct" "$ports"; fi
expect "no exchange failed, no socket leaked" "$log" "^dnsprobe: 16 exchanges ok, 0 failed, 0 sockets left open$"
if [ $rc = 0 ]; then pass "positive run: exit 0"; else fail "positive run: exit 0" "got $rc"; fi

# ---- run 2: negative ---------------------------------------------------------
ip -n "$RIG_NS" addr add 192.0.2.77/24 dev rig0 && ip -n "$RIG_NS" addr add 192.0.2.78/24 dev rig0
"${NSX[@]}" python3 -u tests/qemu/spoof_responder.py 192.0.2.77 192.0.2.78 >"$out/resp.log" 2>&1 &
resp_pid=$!
for _ in $(seq 50); do grep -q ready "$out/resp.log" && break; sleep 0.1; done
log=$out/neg
run "$log" mode=dnsprobe ip=192.0.2.100/24 ip6=2001:db8::100 timeout=1500 query=./SOA \
  resolver=192.0.2.99 resolver=192.0.2.77 resolver=2001:db8::99
rc=$?
ms() { sed -n 's/.* ms=\([0-9]*\).*/\1/p' <<<"$1"; }
for srv in 192.0.2.99 2001:db8::99; do
  for proto in udp tcp; do
    line=$(grep -F "dnsprobe: $proto $srv ./SOA " "$log" | head -1)
    t=$(ms "$line")
    if [[ $line == *error=timeout* ]] && [ "${t:-0}" -ge 1500 ] && [ "$t" -lt 2500 ]; then
      pass "$proto to $srv (nobody there): clean timeout after $t ms"
    else fail "$proto to $srv: clean timeout in 1500..2500 ms" "${line:-no line}"; fi
  done
done
line=$(grep -F "dnsprobe: udp 192.0.2.77 ./SOA " "$log" | head -1)
if [[ $line == *rcode=NOERROR\ an=0* ]]; then pass "forged UDP answers (wrong port, wrong address) ignored, genuine accepted"
else fail "forged UDP answers ignored" "${line:-no line}"; fi
if [ "$(grep -c . "$out/resp.log")" -ge 1 ] && ! grep -qi Traceback "$out/resp.log"; then
  pass "spoof responder ran (forged answers were sent)"
else fail "spoof responder ran" "$(cat "$out/resp.log")"; fi
line=$(grep -F "dnsprobe: tcp 192.0.2.77 ./SOA " "$log" | head -1)
t=$(ms "$line")
if [[ $line == *error=i/o\ error* ]] && [ "${t:-9999}" -lt 1000 ]; then pass "TCP RST (refused) -> i/o error after $t ms"
else fail "TCP RST -> fast i/o error" "${line:-no line}"; fi
expect "negative summary, no socket leaked" "$log" "^dnsprobe: 1 exchanges ok, 5 failed, 0 sockets left open$"
if [ $rc = 2 ]; then pass "negative run: exit 2"; else fail "negative run: exit 2" "got $rc"; fi

echo "  (suite took $((SECONDS - t0)) s)"
[ $fails = 0 ]
