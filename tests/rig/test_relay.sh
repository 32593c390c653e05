#!/usr/bin/env bash
# Rig test of `danebox relay`: swaks / smtp-source -> danebox relay (in the
# e2e rig's netns, dropped to nobody) -> the rig's Postfix MX hosts, which
# for this test accept mail for their domain into an mbox
# (SMTP_ACCEPT_MAIL=1).  Asserts on what the receiving Postfix got:
#  - dane-ee.test / dane-ta.test: delivered, relay log "dane-verified", the
#    MX's Postfix log shows the TLS session (same protocol and cipher);
#    dot-stuffing survives the trip;
#  - mismatch.test, nostarttls.test, strip.test (STARTTLS stripped by a
#    man in the middle): stay queued (deferred, reason in `queue list`),
#    never a mail transaction on those servers nor through the stripper;
#    after the (short) queue lifetime: a 4.4.7 DSN reaches the sender's
#    rig mailbox;
#  - strip.insec.test (unsigned): opportunistic, delivered in plaintext;
#  - nullmx.test: bounced at once, 5.1.10 DSN to the sender;
#  - a client outside the allowlist gets 554 5.7.1;
#  - kill -9 during DATA: nothing half-written survives; kill -9 right after
#    250 (during delivery): every acknowledged message is delivered after
#    the restart (duplicates counted, none lost).
# Prints PASS:/FAIL: lines; tears everything down (trap); about 2 minutes.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export SMTP_ACCEPT_MAIL=1 SMTP_ACCEPT_EXTRA="strip.insec.test"
. "$top/tests/lib.sh"
. "$top/tests/rig/relay_rig.sh"
e2e_rig_name "dbxrelay-t$$"
DANEBOX=${DANEBOX:-$top/build/host/danebox}
WORK=/var/tmp/danebox-relay/$E2E_NS
RUNDIR=/var/tmp/danebox-smtp/$E2E_NS
T0=$SECONDS

cleanup() {
  [ -n "${MITM_PID:-}" ] && kill "$MITM_PID" 2>/dev/null
  stop_relay
  e2e_rig_down
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

mail_rig_up || exit 1
"${NSX[@]}" python3 "$top/tests/rig/e2e_mitm.py" 192.0.2.40 192.0.2.25 --lifetime 400 >"$E2E_DIR/mitm.log" 2>&1 &
MITM_PID=$!

mkdir -p "$WORK"; chmod 755 "$WORK"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -subj /CN=relay.lan.test >/dev/null 2>&1
chmod 600 "$WORK/key.pem"  # read at start, before dropping root
CONF=$WORK/relay.conf
relay_rig_conf "$CONF" "$WORK/spool" <<EOF
retry_min = 2s
retry_max = 4s
queue_lifetime = 45s
queue_run_interval = 2s
connect_timeout = 5s
smtp_timeout = 15s
command_timeout = 3s
tls_cert = $WORK/cert.pem
tls_key = $WORK/key.pem
EOF
LOG=$WORK/relay.log
RELAY_PID=
start_relay() { relay_rig_start "$CONF" "$LOG"; }
stop_relay() { # polite
  [ -n "${RELAY_PID:-}" ] || return 0
  kill -TERM "$RELAY_PID" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$RELAY_PID" 2>/dev/null || break; sleep 0.1; done
  RELAY_PID=
}
kill9_relay() { # the daemon and its queue runner, no warning
  local kids
  kids=$(pgrep -P "$RELAY_PID" 2>/dev/null)
  kill -9 "$RELAY_PID" $kids 2>/dev/null
  wait "$RELAY_PID" 2>/dev/null
  RELAY_PID=
}
submit() { # FROM TO(comma list) TOKEN [extra swaks args]
  local from=$1 to=$2 tok=$3; shift 3
  "${NSX[@]}" timeout 30 swaks --server 127.0.0.1:2525 --from "$from" --to "$to" \
    --header "Subject: relay test $tok" --body "token $tok
.leading dot line $tok
end" "$@" 2>&1
}

# --- config validation ---
printf 'listen = 127.0.0.1:2525\nretry_min = soon\n' >"$WORK/bad.conf"
err=$("$DANEBOX" relay --config "$WORK/bad.conf" 2>&1); rc=$?
if [ $rc = 2 ] && [[ $err == *"bad.conf:2: retry_min"* ]]; then pass "bad config value: exit 2, error names file and line"
else failc "bad config: rc=$rc '$err'"; fi
if "$DANEBOX" relay --config "$CONF" --check-config >/dev/null; then pass "--check-config accepts the rig configuration"
else failc "--check-config rejected the rig configuration"; fi

start_relay || { failc "relay did not start"; cat "$LOG"; exit 1; }
user=$(ps -o user= -p "$RELAY_PID" 2>/dev/null | tr -d ' ')
[ "$user" = nobody ] && pass "relay dropped root after binding (runs as $user)" || failc "relay runs as '$user'"

# --- submissions ---
out=$(submit sender@dane-ee.test "a@dane-ee.test,b@dane-ta.test" T1 --tls); ID1=$(qid_of <<<"$out")
if [ -n "$ID1" ] && grep -q "TLS started with cipher" <<<"$out"; then pass "swaks --tls: inbound STARTTLS, message T1 accepted (queued as $ID1)"
else failc "T1 not accepted over STARTTLS: $(tail -5 <<<"$out")"; fi
out=$(submit sender@dane-ee.test "m@mismatch.test,n@nostarttls.test,s@strip.test" T2); ID2=$(qid_of <<<"$out")
[ -n "$ID2" ] && pass "swaks: message T2 (mismatch, nostarttls, stripped) accepted as $ID2" || failc "T2 not accepted"
out=$(submit sender@dane-ee.test "x@strip.insec.test" T3); ID3=$(qid_of <<<"$out")
out=$(submit sender@dane-ee.test "z@nullmx.test" T4); ID4=$(qid_of <<<"$out")
out=$("${NSX[@]}" timeout 20 swaks --server 127.0.0.1:2525 --local-interface 192.0.2.2 \
      --from a@evil.test --to v@dane-ee.test 2>&1)
if grep -q '554 5.7.1 <v@dane-ee.test>: Relay access denied' <<<"$out"; then pass "client outside the allowlist: 554 5.7.1 relay access denied"
else failc "allowlist: $(grep '<-' <<<"$out" | tail -3)"; fi
idle=$("${NSX[@]}" timeout 10 python3 -c '
import socket, time
s = socket.create_connection(("127.0.0.1", 2525), 5); s.settimeout(8)
data = b""
t0 = time.time()
while True:
    d = s.recv(4096)
    if not d: break
    data += d
print(data.decode(errors="replace").replace("\r\n", "|"), round(time.time() - t0))' 2>&1)
if [[ $idle == *"421 4.4.2 relay.lan.test Error: timeout exceeded|"* ]]; then pass "idle client: 421 4.4.2 after command_timeout, connection closed ($idle)"
else failc "idle client: '$idle'"; fi
if "${NSX[@]}" timeout 30 smtp-source -s 1 -m 2 -c -f sender@dane-ee.test -t p@dane-ee.test \
     -S "smtp-source T5" 127.0.0.1:2525 >/dev/null 2>&1; then pass "smtp-source: 2 messages accepted"
else failc "smtp-source submission failed"; fi

# --- DANE-verified deliveries ---
if wait_for 40 in_mbox dane-ee "token T1" && wait_for 20 in_mbox dane-ta "token T1"; then
  pass "T1 delivered into the dane-ee.test and dane-ta.test mailboxes"
else failc "T1 not delivered (dane-ee: $(mbox dane-ee | grep -c T1), dane-ta: $(mbox dane-ta | grep -c T1))"; fi
if mbox dane-ee | grep -qx '.leading dot line T1'; then pass "dot-stuffing: the leading-dot line arrives intact"
else failc "leading-dot line altered: $(mbox dane-ee | grep 'leading dot' | head -1)"; fi
if mbox dane-ee | grep -A1 'by relay.lan.test (danebox)' | grep -q 'with ESMTPS;' ; then pass "Received: header of the relay records the inbound TLS (ESMTPS)"
else failc "Received header: $(mbox dane-ee | grep -A1 'by relay.lan.test' | head -2)"; fi
for d in dane-ee:a@dane-ee.test:25 dane-ta:b@dane-ta.test:27; do
  IFS=: read -r name rcpt oct <<<"$d"
  line=$(grep "$ID1: to=<$rcpt>" "$LOG" | grep 'status=sent' | head -1)
  if [[ $line == *"relay=mx1.$name.test[192.0.2.$oct]:25"*"dsn=2.0.0"*"tls=dane-verified (DANE "* ]]; then
    pass "relay log $name: ${line#*: }"
  else failc "relay log $name: '$line'"; fi
  cipher=$(sed -n 's/.*tls=dane-verified (DANE [0-9 ]*@[0-9]*, \(TLSv1\.[23]\), \([^)]*\)).*/\1 with cipher \2/p' <<<"$line")
  plog=$(grep "TLS connection established from" "$E2E_DIR/smtp/$name/maillog" 2>/dev/null | tail -3)
  if [ -n "$cipher" ] && grep -q "$cipher" <<<"$plog"; then pass "Postfix $name log shows the same TLS session ($cipher)"
  else failc "Postfix $name TLS log ('$cipher'): $plog"; fi
done

# --- DANE-safe TLS session resumption across deliveries (src/smtp/dbx_tls_cache.h):
# later deliveries to the same MX host and address under the same TLSA RRset
# resume the session (no certificate, no matching) and say so in the log
if wait_for 30 bash -c "grep 'to=<p@dane-ee.test>' '$LOG' | grep -q 'status=sent.*tls=dane-verified (resumed under the same TLSA RRset, TLSv1.3'"; then
  pass "relay log: a later delivery to dane-ee.test resumed its DANE-verified session ($(grep -c 'resumed under the same TLSA RRset' "$LOG") resumed)"
else failc "no resumed delivery logged: $(grep 'to=<p@dane-ee.test>' "$LOG" | head -2)"; fi

# --- never sent where DANE fails ---
sleep 3
if "$DANEBOX" queue --spool "$WORK/spool" list >"$WORK/list.txt" 2>&1 &&
   grep -q "^$ID2 " "$WORK/list.txt" && grep -q 'deferred  <m@mismatch.test>.*(4.7.5' "$WORK/list.txt" &&
   grep -q 'deferred  <n@nostarttls.test>' "$WORK/list.txt" && grep -q 'deferred  <s@strip.test>' "$WORK/list.txt"; then
  pass "queue list: T2 deferred for mismatch/nostarttls/strip with reasons"
else failc "queue list: $(cat "$WORK/list.txt")"; fi
grep "$ID2: to=<m@mismatch.test>" "$LOG" | head -1 | sed 's/^/INFO: /'
grep "$ID2: to=<s@strip.test>" "$LOG" | head -1 | sed 's/^/INFO: /'
if ! grep -q "from=<sender@dane-ee.test>" "$E2E_DIR/smtp/mismatch/maillog" 2>/dev/null &&
   ! grep -q "from=<sender@dane-ee.test>" "$E2E_DIR/smtp/nostarttls/maillog" 2>/dev/null &&
   ! mbox dane-ee | grep -q "token T2" && [ -z "$(mbox mismatch)$(mbox nostarttls)" ]; then
  pass "T2 never reached mismatch, nostarttls or (via the stripper) dane-ee: no mail transaction"
else failc "T2 leaked to a server"; fi

# --- opportunistic (unsigned) and null MX ---
if wait_for 20 in_mbox dane-ee "token T3" && grep "$ID3: to=<x@strip.insec.test>" "$LOG" | grep -q 'status=sent.*tls=none (plaintext, opportunistic)'; then
  pass "strip.insec.test (unsigned): delivered opportunistically in plaintext, logged as such"
else failc "insecure domain: $(grep "$ID3:" "$LOG" | head -2)"; fi
if grep "$ID4: to=<z@nullmx.test>" "$LOG" | grep -q 'dsn=5.1.10, status=bounced' &&
   wait_for 20 bash -c "cat '$RUNDIR/dane-ee/mail/mailbox' | grep -q 'Final-Recipient: rfc822; z@nullmx.test'"; then
  pass "nullmx.test: bounced at once (5.1.10), the DSN reached sender@dane-ee.test"
else failc "null MX: $(grep "$ID4:" "$LOG" | head -3)"; fi
if mbox dane-ee | grep -q 'Content-Type: multipart/report; report-type=delivery-status' &&
   mbox dane-ee | grep -q '^From: Mail Delivery System <MAILER-DAEMON@relay.lan.test>'; then
  pass "DSN is an RFC 3464 multipart/report from MAILER-DAEMON"
else failc "DSN format"; fi

# --- kill -9 during DATA: nothing half-written survives ---
"${NSX[@]}" python3 - <<'EOF' &
import socket, time
s = socket.create_connection(("127.0.0.1", 2525), 5)
f = s.makefile("rb")
def rd():
    while True:
        l = f.readline()
        if l[3:4] != b"-": return l
rd()
for c in [b"EHLO k\r\n", b"MAIL FROM:<sender@dane-ee.test>\r\n", b"RCPT TO:<h@dane-ee.test>\r\n", b"DATA\r\n"]:
    s.sendall(c); rd()
s.sendall(b"Subject: half\r\n\r\ntoken HALFWRITTEN\r\n")
time.sleep(30)
EOF
HALF=$!
sleep 1.5
kill9_relay; kill $HALF 2>/dev/null
start_relay || failc "restart after kill -9"
if grep -q "1 crash leftover(s) removed" "$LOG" && sleep 3 && ! mbox dane-ee | grep -q HALFWRITTEN; then
  pass "kill -9 during DATA: the half-written message was removed at restart, never delivered"
else failc "kill -9 during DATA: $(grep 'crash leftover' "$LOG" | tail -1)"; fi

# --- kill -9 during delivery: every acknowledged message arrives ---
acked=()
for k in 1 2 3; do
  out=$(submit sender@dane-ee.test "k$k@dane-ee.test" "K9-$k"); id=$(qid_of <<<"$out")
  [ -n "$id" ] && acked+=("K9-$k")
  sleep "0.$((k * 2))"
  kill9_relay
  start_relay || failc "restart $k after kill -9"
done
lost=0; dups=0
for t in "${acked[@]}"; do
  if wait_for 30 in_mbox dane-ee "token $t"; then
    n=$(mbox dane-ee | grep -c "^token $t\$"); [ "$n" -gt 1 ] && dups=$((dups + n - 1))
  else lost=$((lost + 1)); fi
done
if [ ${#acked[@]} = 3 ] && [ $lost = 0 ]; then pass "kill -9 during delivery (3 rounds): 3 acknowledged, 0 lost, $dups duplicate(s)"
else failc "kill -9 during delivery: ${#acked[@]} acknowledged, $lost lost"; fi

# --- the queue lifetime: T2 bounces with 4.4.7 to the sender ---
if wait_for 70 bash -c "cat '$RUNDIR/dane-ee/mail/mailbox' | grep -q 'Final-Recipient: rfc822; m@mismatch.test'"; then
  b=$(mbox dane-ee | grep -A2 'Final-Recipient: rfc822; m@mismatch.test' | head -3 | tr '\n' ' ')
  [[ $b == *"Status: 4.4.7"* ]] && pass "after the lifetime T2 bounced: DSN ($b) in the sender's mailbox" || failc "T2 DSN: $b"
else failc "T2 DSN after the lifetime not delivered"; fi
if ! "$DANEBOX" queue --spool "$WORK/spool" list | grep -q "^$ID2 "; then pass "T2 left the queue after its bounce"
else failc "T2 still queued"; fi

# --- per-destination TLS policy and SIGHUP reload ---
cat >>"$CONF" <<EOF
allow = 192.0.2.2/32
policy = mismatch.test dane-test
policy = strip.insec.test encrypt
policy = dane-ta.test dane-only
EOF
kill -HUP "$RELAY_PID"
if wait_for 10 grep -q "reload: configuration" "$LOG"; then pass "SIGHUP: configuration reloaded"
else failc "SIGHUP reload not logged"; fi
out=$("${NSX[@]}" timeout 20 swaks --server 127.0.0.1:2525 --local-interface 192.0.2.2 \
      --from sender@dane-ee.test --to h@dane-ee.test --body "token HUP1" 2>&1)
if grep -q '250 2.0.0 Ok: queued as' <<<"$out"; then pass "after SIGHUP the newly allowed network may relay"
else failc "allow after SIGHUP: $(grep '<-' <<<"$out" | tail -2)"; fi
out=$(submit sender@dane-ee.test "p@mismatch.test" P1); IDP1=$(qid_of <<<"$out")
out=$(submit sender@dane-ee.test "e@strip.insec.test" P2); IDP2=$(qid_of <<<"$out")
out=$(submit sender@dane-ee.test "o@dane-ta.test" P3); IDP3=$(qid_of <<<"$out")
if wait_for 30 in_mbox mismatch "token P1" &&
   grep "$IDP1: to=<p@mismatch.test>" "$LOG" | grep -q 'status=sent.*tls=untrusted (dane-test: DANE would say defer'; then
  pass "dane-test (mismatch.test): delivered as may, the DANE failure logged loudly"
else failc "dane-test: $(grep "$IDP1:" "$LOG" | head -2)"; fi
if wait_for 30 in_mbox dane-ta "token P3" &&
   grep "$IDP3: to=<o@dane-ta.test>" "$LOG" | grep -q 'status=sent.*tls=dane-verified'; then
  pass "dane-only (dane-ta.test): delivered DANE-verified"
else failc "dane-only: $(grep "$IDP3:" "$LOG" | head -2)"; fi
if wait_for 20 bash -c "grep '$IDP2: to=<e@strip.insec.test>' '$LOG' | grep -q 'status=deferred'" &&
   ! mbox dane-ee | grep -q "token P2"; then
  pass "encrypt (strip.insec.test, STARTTLS stripped): deferred, never sent in plaintext"
else failc "encrypt: $(grep "$IDP2:" "$LOG" | head -2)"; fi

# --- operator commands and a graceful stop ---
out=$(submit sender@dane-ee.test "q@nostarttls.test" Q1); IDQ=$(qid_of <<<"$out")
sleep 1
if "$DANEBOX" queue --spool "$WORK/spool" show "$IDQ" | grep -q "token Q1" &&
   "$DANEBOX" queue --spool "$WORK/spool" delete "$IDQ" | grep -q deleted &&
   ! "$DANEBOX" queue --spool "$WORK/spool" list | grep -q "^$IDQ "; then
  pass "queue show / delete"
else failc "queue show/delete $IDQ"; fi
if "$DANEBOX" queue --config "$CONF" flush | grep -q "queue run requested from the relay (pid $RELAY_PID)"; then
  pass "queue flush: deferred mail made due, the relay asked for a queue run"
else failc "queue flush did not reach the relay"; fi
pid=$RELAY_PID; stop_relay
if ! kill -0 "$pid" 2>/dev/null && grep -q "stopped" "$LOG"; then pass "SIGTERM: drained and stopped"
else failc "SIGTERM did not stop the relay"; fi
if grep -v '^[0-9T:Z-]* danebox\[[0-9]*\]: ' "$LOG" | grep -q .; then failc "unexpected log lines: $(grep -v ' danebox\[' "$LOG" | head -3)"
else pass "every log line is a danebox[pid] line; queue ids in delivery lines"; fi

echo "INFO: relay log: $(wc -l <"$LOG") lines; test took $((SECONDS - T0)) s"
[ $fails = 0 ]
