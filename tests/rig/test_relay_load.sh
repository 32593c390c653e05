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
# The bench (tools/bench/bench_hostile.sh) adds, through the environment:
#   LOAD_SOAK_MIN=M  after the load, keep submitting batches of 200 messages
#                    (10 clients, LOAD_SOAK_PAUSE s apart, default 20) for M
#                    minutes; accounting covers them too
#   LOAD_SAMPLES=F   every 2 s: RSS and open descriptors of the relay's
#                    listener (and with its queue runners) into F
#   LOAD_POSTFIX=1   then the same load through a Postfix relay on the same
#                    rig (bench_relay_host.sh's configuration), accounted
#                    from its maillog; RSS sampled the same way
#   LOAD_STATS=F     key/value results for the report
# Prints PASS:/FAIL: lines; tears everything down (trap); about 2 minutes.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export SMTP_ACCEPT_MAIL=1 SMTP_ACCEPT_EXTRA="cname.test"
. "$top/tests/lib.sh"
. "$top/tests/rig/relay_rig.sh"
e2e_rig_name "dbxload$$"
DANEBOX=${DANEBOX:-$top/build/host/danebox}
WORK=/var/tmp/danebox-load/$E2E_NS
RUNDIR=/var/tmp/danebox-smtp/$E2E_NS
N=${LOAD_N:-500} C=${LOAD_C:-20}
DOMAINS="dane-ee.test dane-ee-rsa.test dane-ta.test cname.test mismatch.test nostarttls.test
dane-ta-partial.test strip.insec.test nullmx.test pkix.test"
T0=$SECONDS

cleanup() {
  touch "$WORK/stop-sampling" 2>/dev/null
  [ -n "${RELAY_PID:-}" ] && kill -TERM "$RELAY_PID" 2>/dev/null && sleep 0.5
  [ "${PF_UP:-0}" = 1 ] && timeout 60 ip netns exec "$E2E_NS" postfix -c "$WORK/rh/pf/etc" stop >/dev/null 2>&1
  [ -n "${LOAD_KEEP:-}" ] && return
  e2e_rig_down
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

mail_rig_up || exit 1
mkdir -p "$WORK"; chmod 755 "$WORK"
CONF=$WORK/relay.conf
relay_rig_conf "$CONF" "$WORK/spool" <<EOF
retry_min = 10m
retry_max = 10m
queue_lifetime = 1h
queue_run_interval = 1s
connect_timeout = 3s
smtp_timeout = 10s
max_sessions = 100
max_deliveries = 4
EOF
LOG=$WORK/relay.log
relay_rig_start "$CONF" "$LOG" || { failc "relay did not start: $(tail -3 "$LOG")"; exit 1; }

STATS=${LOAD_STATS:-$WORK/stats.txt}
stat() { echo "$1 $2" >>"$STATS"; }
: >"$STATS"
sampler() { # PID FILE: every 2 s "secs main_rss_kb main_fds all_rss_kb all_fds procs"
  local pid=$1 f=$2 t0=$SECONDS p v r fd ar afd n
  : >"$f"
  while kill -0 "$pid" 2>/dev/null && [ ! -e "$WORK/stop-sampling" ]; do
    r=$(awk '/^VmRSS:/{print $2}' "/proc/$pid/status" 2>/dev/null); fd=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
    ar=0 afd=0 n=0
    for p in $pid $(pgrep -P "$pid"); do
      v=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null)
      ar=$((ar + ${v:-0})); afd=$((afd + $(ls "/proc/$p/fd" 2>/dev/null | wc -l))); n=$((n + 1))
    done
    echo "$((SECONDS - t0)) ${r:-0} $fd $ar $afd $n" >>"$f"
    sleep 2
  done
}
load() { # PORT N C PREFIX FIRST OUT -> the generator's LOAD line
  "${NSX[@]}" env LOAD_PREFIX="$4" LOAD_FIRST="$5" timeout 900 python3 "$top/tests/rig/relay_load.py" \
    127.0.0.1 "$1" "$2" "$3" "$6" load@dane-ee.test $DOMAINS 2>&1
}
settle() { # LOG ACKED PATTERN -> 0 once every acknowledged recipient has a result
  local nr n
  nr=$(wc -l <"$2")
  for _ in $(seq 900); do
    n=$(grep -o "[0-9A-F]*: to=<$3[0-9]*-[0-9]@[^>]*>, .*status=" "$1" | sed 's/, .*//' | sort -u | wc -l)
    [ "$n" -ge "$nr" ] && return 0
    sleep 1
  done
  return 1
}
SAMPLES=${LOAD_SAMPLES:-$WORK/samples.txt}
sampler "$RELAY_PID" "$SAMPLES" &
SAMPLER=$!
out=$(load 2525 "$N" "$C" l 0 "$WORK/acked.txt")
echo "INFO: $out"
stat dbx_load "$out"
sent=$(sed -n 's/^LOAD sent=\([0-9]*\) .*/\1/p' <<<"$out")
[ "${sent:-0}" = "$N" ] && pass "$N messages from $C concurrent clients acknowledged ($out)" ||
  failc "load: $out"
nr=$(wc -l <"$WORK/acked.txt")
t1=$SECONDS
if settle "$LOG" "$WORK/acked.txt" l; then
  pass "every one of $nr acknowledged recipients has a delivery result after $((SECONDS - t1)) s"
else failc "not settled after $((SECONDS - t1)) s"; fi
stat dbx_settle_s "$((SECONDS - t1))"
stat dbx_load_samples "$(wc -l <"$SAMPLES")"
if [ "${LOAD_SOAK_MIN:-0}" -gt 0 ]; then
  ts=$SECONDS k=0 first=$N
  stat soak_sample_from "$(tail -1 "$SAMPLES" | cut -d' ' -f1)"
  while [ $((SECONDS - ts)) -lt $((LOAD_SOAK_MIN * 60)) ]; do
    load 2525 200 10 l "$first" "$WORK/soak.txt" >/dev/null
    cat "$WORK/soak.txt" >>"$WORK/acked.txt"
    first=$((first + 200)); k=$((k + 1))
    sleep "${LOAD_SOAK_PAUSE:-20}"
  done
  stat soak_minutes "$LOAD_SOAK_MIN"; stat soak_batches "$k"; stat soak_messages "$((first - N))"
  settle "$LOG" "$WORK/acked.txt" l || failc "soak: not settled"
  pass "soak: $((first - N)) more messages in $k batches over $LOAD_SOAK_MIN min"
fi
touch "$WORK/stop-sampling"; wait "$SAMPLER" 2>/dev/null; rm -f "$WORK/stop-sampling"
sleep 2
"$DANEBOX" queue --spool "$WORK/spool" list >"$WORK/qlist.txt" 2>&1
acc=$(python3 "$top/tests/rig/relay_account.py" "$WORK/acked.txt" "$LOG" "$WORK/qlist.txt" \
      "$RUNDIR"/*/mail/mailbox 2>&1); rc=$?
head -5 <<<"$acc" | grep -v '^ACCOUNT' | sed 's/^/INFO: /'
line=$(grep '^ACCOUNT' <<<"$acc")
stat dbx_account "$line"
if [ $rc = 0 ]; then pass "per-recipient accounting: $line"; else failc "accounting: $line"; fi
for k in delivered queued bounced; do
  v=$(sed -n "s/.* $k=\([0-9]*\).*/\1/p" <<<"$line")
  [ "${v:-0}" -gt 0 ] && pass "the mix has $k recipients ($v)" || failc "no $k recipients in the mix"
done
if kill -0 "$RELAY_PID" 2>/dev/null; then pass "relay still running"; else failc "relay died"; fi
awk '{print $2}' "$SAMPLES" | sort -n | tail -1 | xargs -r -I{} echo "INFO: listener RSS max {} kB over $(wc -l <"$SAMPLES") samples"

# --- the same load through Postfix as a relay (bench) ---
if [ "${LOAD_POSTFIX:-0}" = 1 ]; then
  kill -TERM "$RELAY_PID" 2>/dev/null; wait "$RELAY_PID" 2>/dev/null; RELAY_PID=
  NS=$E2E_NS OUT=$WORK RH_WORK=$WORK/rh
  nsx() { ip netns exec "$NS" "$@"; }
  # shellcheck source=tools/bench/bench_relay_host.sh
  . "$top/tools/bench/bench_relay_host.sh"
  RH_WORK=$WORK/rh
  mkdir -p "$RH_WORK"; chmod 755 "$RH_WORK"
  rh_pf_conf
  sed -i "s/^smtputf8_enable = no/&\nbounce_queue_lifetime = 1h\nmaximal_queue_lifetime = 1h/" "$RH_WORK/pf/etc/main.cf"
  nsx postfix -c "$RH_WORK/pf/etc" start >"$WORK/pf-start.log" 2>&1 && PF_UP=1
  rh_wait_port 2526 || failc "Postfix relay did not listen"
  PFM=$(tr -dc 0-9 <"$RH_WORK/pf/spool/pid/master.pid" 2>/dev/null)
  sampler "$PFM" "$WORK/pf-samples.txt" &
  SAMPLER=$!
  out=$(load 2526 "$N" "$C" p 0 "$WORK/pf-acked.txt")
  echo "INFO: Postfix: $out"
  stat pf_load "$out"
  t1=$SECONDS
  settle "$RH_WORK/pf/maillog" "$WORK/pf-acked.txt" p || failc "Postfix: not settled"
  stat pf_settle_s "$((SECONDS - t1))"
  touch "$WORK/stop-sampling"; wait "$SAMPLER" 2>/dev/null
  cp "$WORK/pf-samples.txt" "${SAMPLES%.txt}-postfix.txt" 2>/dev/null
  acc=$(python3 "$top/tests/rig/relay_account.py" "$WORK/pf-acked.txt" "$RH_WORK/pf/maillog" - \
        "$RUNDIR"/*/mail/mailbox 2>&1)
  stat pf_account "$(grep '^ACCOUNT' <<<"$acc")"
  pass "Postfix relay, same load: $(grep '^ACCOUNT' <<<"$acc")"
fi
echo "INFO: relay log $(wc -l <"$LOG") lines; test took $((SECONDS - T0)) s"
[ $fails = 0 ]
