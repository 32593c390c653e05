#!/usr/bin/env bash
# Rig test: `danebox relay` against hostile clients and hostile next hops
# (issue 15, item 3).  In the e2e rig's netns (its own name, $$-suffixed):
#  - SMTP smuggling: every published end-of-data variant (\n.\n, \r.\r,
#    \r\n.\r, \n.\r\n, \r\n.\n) with a complete second transaction behind
#    it, bare CR / bare LF / NUL inside lines.  The next hop is the rig's
#    Postfix for dane-ee.test, which is LOOSE (smtpd_forbid_bare_newline =
#    no): the same bytes sent to it directly DO split into a second message
#    (checked first, so this test can fail).  Through the relay: each one is
#    refused with 550 5.6.0 and exactly one message (a clean control with
#    dot-stuffed lines) arrives; no smuggled message ever does.
#  - overlong command and text lines, too many recipients, 20,000 pipelined
#    NOOPs, pipelined bad commands past the error limit, slowloris at every
#    state (greeting, EHLO, MAIL, RCPT, DATA, body), a client that never
#    reads replies, more sessions than max_sessions: each gets a defined
#    reply or timeout and the relay keeps serving.
#  - outbound: tests/rig/hostile_server.py on 192.0.2.40 (the MX of the
#    unsigned strip.insec.test) stalls at every step, sends endless
#    continuation lines, a 64 KiB reply line, bare-LF and NUL replies, a
#    smuggled second reply, 250 instead of 354: each message is deferred
#    within a bounded time, and once the server behaves, every message is
#    delivered exactly once (nothing lost).
# Prints PASS:/FAIL: lines; tears everything down (trap); about 3 minutes.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# e2e-rig: shared SMTP_ACCEPT_MAIL=1
export SMTP_ACCEPT_MAIL=1 SMTP_ACCEPT_EXTRA=""
. "$top/tests/lib.sh"
. "$top/tests/rig/relay_rig.sh"
e2e_rig_name "dbxhostile$$"
DANEBOX=${DANEBOX:-$top/build/host/danebox}
WORK=/var/tmp/danebox-hostile/$E2E_NS
RUNDIR=/var/tmp/danebox-smtp/$E2E_NS
HC="python3 $top/tests/rig/hostile_client.py"
T0=$SECONDS

cleanup() {
  [ -n "${HS_PID:-}" ] && kill "$HS_PID" 2>/dev/null
  [ -n "${RELAY_PID:-}" ] && kill -TERM "$RELAY_PID" 2>/dev/null && sleep 0.5
  [ -n "${HOSTILE_KEEP:-}" ] && return  # debugging: leave rig and logs
  e2e_rig_down
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

mail_rig_up || exit 1
mkdir -p "$WORK/hs"; chmod 777 "$WORK" "$WORK/hs"
echo good >"$WORK/hs/mode"
"${NSX[@]}" python3 "$top/tests/rig/hostile_server.py" 192.0.2.40 "$WORK/hs/mode" "$WORK/hs" \
  --lifetime 600 >"$WORK/hs.err" 2>&1 &
HS_PID=$!

CONF=$WORK/relay.conf
relay_rig_conf "$CONF" "$WORK/spool" <<EOF
retry_min = 60s
retry_max = 60s
queue_lifetime = 10m
queue_run_interval = 1s
connect_timeout = 3s
smtp_timeout = 3s
command_timeout = 3s
data_timeout = 3s
max_sessions = 6
max_recipients = 5
EOF
LOG=$WORK/relay.log
relay_rig_start "$CONF" "$LOG" || { failc "relay did not start: $(tail -3 "$LOG")"; exit 1; }
hc() { "${NSX[@]}" timeout 60 $HC "$@" 2>&1; }

# --- 0. the next hop is loose: smuggling straight into it splits ---
out=$(hc 192.0.2.25 25 smuggle-lf-dot-lf LOOSE)
if wait_for 15 in_mbox dane-ee "SMUGGLED LOOSE"; then
  pass "control: the rig Postfix next hop is loose (\\n.\\n sent to it directly splits off a second message)"
else failc "the next hop did not split on \\n.\\n, the smuggling checks below prove nothing: $out"; fi

# --- 1. smuggling through the relay ---
variants="lf-dot-lf cr-dot-cr crlf-dot-cr lf-dot-crlf crlf-dot-lf bare-lf bare-cr nul"
for v in $variants; do
  out=$(hc 127.0.0.1 2525 "smuggle-$v" "S-$v")
  if [[ $out == *"|550 5.6.0 Message refused: "*"|221 2.0.0 Bye|"* && $out != *"250 2.0.0 Ok: queued"* ]]; then
    pass "smuggling $v: 550 5.6.0 (${out#*550 5.6.0 Message refused: }), nothing queued" | sed 's/|221.*/)/'
  else failc "smuggling $v: $out"; fi
done
out=$(hc 127.0.0.1 2525 control CTRL)
[[ $out == "354 "*"|250 2.0.0 Ok: queued as "* ]] && pass "clean control message queued" || failc "control: $out"
if wait_for 30 in_mbox dane-ee "control CTRL"; then
  sleep 2
  n=$(mbox dane-ee | grep -c '^Subject: control CTRL$')
  sm=$(mbox dane-ee | grep -c 'SMUGGLED S-\|smuggle S-')
  dot=$(mbox dane-ee | grep -c '^\.leading dot$')
  if [ "$n" = 1 ] && [ "$sm" = 0 ] && [ "$dot" = 1 ]; then
    pass "loose next hop received exactly 1 message (the control, dot-stuffing intact), 0 smuggled"
  else failc "next hop: control x$n, smuggled/refused lines $sm, dot line $dot"; fi
else failc "control message not delivered"; fi

# --- 2. limits ---
out=$(hc 127.0.0.1 2525 overlong OL)
if [[ $out == "CASE overlong 500 5.5.2 Error: line too long|250 2.0.0 Ok|354 "*"|550 5.6.0 Message refused: text line over 1000 octets|221 "* ]]; then
  pass "overlong lines: 3000-octet command -> 500 5.5.2 (session goes on), 1200-octet text line -> 550 5.6.0"
else failc "overlong: $out"; fi
out=$(hc 127.0.0.1 2525 rcpts R)
[ "$out" = "CASE rcpts ok=5 over=3" ] && pass "8 recipients, max_recipients 5: 5 x 250, 3 x 452 4.5.3" || failc "rcpts: $out"
out=$(hc 127.0.0.1 2525 pipeline 20000)
[ "$out" = "CASE pipeline sent=1 noop_ok=20000 quit=1" ] &&
  pass "20,000 pipelined NOOPs in one burst: every one answered in order, then 221" || failc "pipeline: $out"
out=$(hc 127.0.0.1 2525 badpipe 50)
[ "$out" = "CASE badpipe errors=10 closed=True" ] &&
  pass "50 pipelined bad commands: 10 x 500, then 421 4.7.0 and close (the rest never read)" || failc "badpipe: $out"

# --- 3. slowloris at every state: one octet a second must not keep a session ---
for st in banner ehlo mail rcpt data body; do
  out=$(hc 127.0.0.1 2525 "slow-$st" 12)
  secs=$(sed -n 's/.*after=\([0-9]*\)s.*/\1/p' <<<"$out")
  if [[ $out == *"421 4.4.2 relay.lan.test Error: timeout exceeded"* ]] && [ "${secs:-99}" -le 6 ]; then
    pass "slowloris in $st: 421 4.4.2 after ${secs} s (command/data timeout 3 s; dribbling does not extend it)"
  else failc "slowloris in $st: $out"; fi
done
out=$(hc 127.0.0.1 2525 deaf)
secs=$(sed -n 's/.*after=\([0-9]*\)s.*/\1/p' <<<"$out")
if [[ $out == *"closed=True"* ]] && [ "${secs:-99}" -le 10 ]; then
  pass "client that never reads replies: dropped after $secs s ($out)"
else failc "deaf client: $out"; fi

# --- 4. too many sessions ---
"${NSX[@]}" timeout 20 $HC 127.0.0.1 2525 hold 6 2 >"$WORK/hold.txt" 2>&1 &
HOLD=$!
sleep 1
out=$(hc 127.0.0.1 2525 hold 1 0)
wait $HOLD
if [ "$(cat "$WORK/hold.txt")" = "CASE hold 220 relay,220 relay,220 relay,220 relay,220 relay,220 relay" ] &&
   [ "$out" = "CASE hold 421 4.3.2" ]; then
  pass "max_sessions 6: six sessions get 220, the seventh 421 4.3.2"
else failc "sessions: $(cat "$WORK/hold.txt") / $out"; fi
sleep 4
out=$(hc 127.0.0.1 2525 control AFTER)
[[ $out == "354 "*"|250 2.0.0 Ok: queued as "* ]] && pass "after the abuse the relay still serves: message accepted" || failc "after abuse: $out"
if kill -0 "$RELAY_PID" 2>/dev/null; then pass "relay still running"; else failc "relay died"; fi

# --- 5. outbound: hostile next hops ---
modes="stall-banner stall-ehlo stall-mail stall-rcpt stall-data stall-dot endless longline bareLF nul smuggle-reply early-250"
for m in $modes; do
  echo "$m" >"$WORK/hs/mode"
  t1=$SECONDS
  out=$(hc 127.0.0.1 2525 control "O-$m" strip.insec.test)
  id=$(sed -n 's/.*250 2.0.0 Ok: queued as \([0-9A-F]*\).*/\1/p' <<<"$out")
  if [ -n "$id" ] && wait_for 25 grep -q "$id: to=<victim-O-$m@strip.insec.test>.*status=deferred" "$LOG"; then
    why=$(grep "$id: to=<victim-O-$m@" "$LOG" | grep -m1 status=deferred | sed 's/.*status=deferred (\(.*\)) tls=.*/\1/')
    pass "next hop $m: deferred after $((SECONDS - t1)) s ($why)"
  else failc "next hop $m: not deferred ($(grep "${id:-none}:" "$LOG" | tail -2))"; fi
  if grep -q "$id: to=<victim-O-$m@strip.insec.test>.*status=sent" "$LOG"; then failc "next hop $m: logged as sent"; fi
done
echo good >"$WORK/hs/mode"
"$DANEBOX" queue --config "$CONF" flush >/dev/null 2>&1
allin() { for m in $modes; do grep -lq "control O-$m" "$WORK"/hs/msg-* 2>/dev/null || return 1; done; }
if wait_for 40 allin; then
  dup=0
  for m in $modes; do n=$(grep -l "control O-$m" "$WORK"/hs/msg-* | wc -l); [ "$n" = 1 ] || dup=$((dup + n - 1)); done
  [ $dup = 0 ] && pass "server behaves again: all $(wc -w <<<"$modes") deferred messages delivered exactly once, none lost" ||
    failc "outbound: $dup duplicate(s)"
else failc "outbound: not all delivered: $(ls "$WORK"/hs | tr '\n' ' ')"; fi
if "$DANEBOX" queue --spool "$WORK/spool" list 2>/dev/null | grep -q 'O-\|deferred'; then
  failc "queue not empty: $("$DANEBOX" queue --spool "$WORK/spool" list | head -5)"
else pass "queue empty at the end"; fi

echo "INFO: relay log $(wc -l <"$LOG") lines; test took $((SECONDS - T0)) s"
[ $fails = 0 ]
