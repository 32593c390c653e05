#!/usr/bin/env bash
# Rig test: load through `danebox relay` with per-recipient accounting
# (issue 15, item 5; the small version -- `make bench` runs 5,000).
# LOAD_N messages (default 500) with 1-3 recipients each from LOAD_C
# concurrent clients (default 20; tests/rig/relay_load.py) to 10 rig domains:
#   delivered (DANE-verified): dane-ee, dane-ee-rsa, dane-ta, cname (CNAME to
#                              mx1.dane-ee.test)
#   deferred:  mismatch (TLSA mismatch), nostarttls, dane-ta-partial (TA not
#              sent), strip.insec (its MX 192.0.2.40 refuses connections)
#   bounced:   nullmx (RFC 7505), pkix (only an unusable TLSA: encrypted
#              delivery to a server that refuses the domain, 5xx)
# Once every acknowledged recipient has a delivery result, each one must be
# delivered (log + its copy in the rig mailbox), bounced, or still queued:
# delivered + queued + bounced == submitted, per recipient (relay_account.py).
# Prints PASS:/FAIL: lines; tears everything down (trap); about 2 minutes.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export E2E_NS=${E2E_NS:-dbxload$$}
export E2E_DIR=${E2E_DIR:-$top/build/e2e/$E2E_NS}
export SMTP_ACCEPT_MAIL=1 SMTP_ACCEPT_EXTRA="cname.test"
DANEBOX=${DANEBOX:-$top/build/host/danebox}
RIG=$top/tools/rig/e2e-rig.sh
WORK=/var/tmp/danebox-load/$E2E_NS
RUNDIR=/var/tmp/danebox-smtp/$E2E_NS
N=${LOAD_N:-500} C=${LOAD_C:-20}
DOMAINS="dane-ee.test dane-ee-rsa.test dane-ta.test cname.test mismatch.test nostarttls.test
dane-ta-partial.test strip.insec.test nullmx.test pkix.test"
fails=0
T0=$SECONDS
pass() { echo "PASS: $*"; }
failc() { echo "FAIL: $*"; fails=$((fails + 1)); }

cleanup() {
  [ -n "${RELAY_PID:-}" ] && kill -TERM "$RELAY_PID" 2>/dev/null && sleep 0.5
  [ -n "${LOAD_KEEP:-}" ] && return
  "$RIG" down >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

[ -x "$DANEBOX" ] || { failc "danebox binary missing ($DANEBOX): run make"; exit 1; }
if ! timeout 150 "$RIG" up; then failc "e2e rig up"; exit 1; fi
pass "e2e rig up ($((SECONDS - T0)) s)"
. "$E2E_DIR/env"
NSX=(ip netns exec "$E2E_NS")
mkdir -p "$WORK"; chmod 755 "$WORK"
CONF=$WORK/relay.conf
cat >"$CONF" <<EOF
listen = 127.0.0.1:2525
allow = 127.0.0.0/8
hostname = relay.lan.test
spool = $WORK/spool
user = nobody
resolver = 192.0.2.2
anchor = $RIG_ANCHOR
dnssec_time = $RIG_TIME
retry_min = 10m
retry_max = 10m
queue_lifetime = 1h
queue_run_interval = 1s
connect_timeout = 3s
smtp_timeout = 10s
max_sessions = 100
max_deliveries = 4
tls_policy = dane
EOF
chmod 644 "$CONF"
LOG=$WORK/relay.log
"${NSX[@]}" "$DANEBOX" relay --config "$CONF" >>"$LOG" 2>&1 &
RELAY_PID=$!
for _ in $(seq 50); do
  "${NSX[@]}" bash -c 'exec 3<>/dev/tcp/127.0.0.1/2525' 2>/dev/null && break
  sleep 0.1
done

out=$("${NSX[@]}" timeout 600 python3 "$top/tests/rig/relay_load.py" 127.0.0.1 2525 "$N" "$C" \
      "$WORK/acked.txt" load@dane-ee.test $DOMAINS 2>&1)
echo "INFO: $out"
sent=$(sed -n 's/^LOAD sent=\([0-9]*\) .*/\1/p' <<<"$out")
[ "${sent:-0}" = "$N" ] && pass "$N messages from $C concurrent clients acknowledged ($out)" ||
  failc "load: $out"
nr=$(wc -l <"$WORK/acked.txt")
settled() { # every acknowledged recipient has a delivery result in the log
  local n
  n=$(grep -o '[0-9A-F]*: to=<l[0-9]*-[0-9]@[^>]*>' "$LOG" | sort -u | wc -l)
  [ "$n" -ge "$nr" ]
}
t1=$SECONDS
for _ in $(seq 600); do settled && break; sleep 1; done
if settled; then
  pass "every one of $nr acknowledged recipients has a delivery result after $((SECONDS - t1)) s"
else failc "not settled after $((SECONDS - t1)) s"; fi
sleep 2
"$DANEBOX" queue --spool "$WORK/spool" list >"$WORK/qlist.txt" 2>&1
acc=$(python3 "$top/tests/rig/relay_account.py" "$WORK/acked.txt" "$LOG" "$WORK/qlist.txt" \
      "$RUNDIR"/*/mail/mailbox 2>&1); rc=$?
head -5 <<<"$acc" | grep -v '^ACCOUNT' | sed 's/^/INFO: /'
line=$(grep '^ACCOUNT' <<<"$acc")
if [ $rc = 0 ]; then pass "per-recipient accounting: $line"; else failc "accounting: $line"; fi
for k in delivered queued bounced; do
  v=$(sed -n "s/.* $k=\([0-9]*\).*/\1/p" <<<"$line")
  [ "${v:-0}" -gt 0 ] && pass "the mix has $k recipients ($v)" || failc "no $k recipients in the mix"
done
if kill -0 "$RELAY_PID" 2>/dev/null; then pass "relay still running"; else failc "relay died"; fi
echo "INFO: relay log $(wc -l <"$LOG") lines; test took $((SECONDS - T0)) s"
[ $fails = 0 ]
