#!/usr/bin/env bash
# The relay's fault matrix (issue 15, items 1 and 2) on the e2e rig (netns,
# DNSSEC-signed test zones, Postfix MX hosts accepting into mboxes).
#  1. Crash matrix: for every named crash point (src/base/dbx_crashpoint.h)
#     the relay runs with DANEBOX_CRASHPOINT=<point> and is SIGKILLed
#     (daemon and queue runners) when it reaches it; a message to
#     a@dane-ee.test, b@dane-ta.test and z@nullmx.test (bounces: DSN to the
#     sender) is submitted; then the relay restarts unarmed; a message the
#     client saw no 250 for is submitted again (what a client does).
#     Asserted per acknowledged message: delivered to both mailboxes and
#     its DSN delivered (none lost); duplicates counted and reported.
#  2. Storage faults, spool on a 2 MiB tmpfs in the relay's private mount
#     namespace (unshare -m): disk full and read-only -> 452 4.3.1, nothing
#     half-written in the spool, the relay keeps serving and accepts the
#     next message once space returns; spool files damaged on purpose
#     (truncated / flipped / bad header envelope, flipped / truncated body,
#     garbage files) -> quarantined with a log line, never delivered.
# Writes the figures to build/bench/fault_matrix.txt (make bench report).
# Prints PASS:/FAIL: lines; tears everything down (trap); about 2.5 minutes
# (rig up ~1 min, 26 crash points ~3 s each, storage and damage ~30 s).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# e2e-rig: shared SMTP_ACCEPT_MAIL=1
export SMTP_ACCEPT_MAIL=1
. "$top/tests/lib.sh"
. "$top/tests/rig/relay_rig.sh"
e2e_rig_name "dbxcrash-t$$"
DANEBOX=${DANEBOX:-$top/build/host/danebox}
WORK=/var/tmp/danebox-crash/$E2E_NS
RUNDIR=/var/tmp/danebox-smtp/$E2E_NS
FIGS=${FAULT_FIGURES:-$top/build/bench/fault_matrix.txt}
T0=$SECONDS

RELAY_PID=
cleanup() {
  kill9_relay
  e2e_rig_down
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

mail_rig_up || exit 1

mkdir -p "$WORK"; chmod 755 "$WORK"
SPOOL=$WORK/spool
mkconf() { # FILE SPOOL RESOLVER
  relay_rig_conf "$1" "$2" "$3" <<EOF
retry_min = 1s
retry_max = 2s
queue_lifetime = 600s
queue_run_interval = 1s
connect_timeout = 5s
smtp_timeout = 15s
command_timeout = 10s
EOF
}
CONF=$WORK/relay.conf; mkconf "$CONF" "$SPOOL" 192.0.2.2
LOG=$WORK/relay.log

# The relay leads its own process group (setsid): a crash point kills the
# daemon and its queue runners together; kill9_relay does the same.
start_relay() { # [ENV=VALUE...] -- started in the background, waits for the port
  setsid env "$@" "${NSX[@]}" "$DANEBOX" relay --log-stderr --config "${RCONF:-$CONF}" >>"$LOG" 2>&1 &
  RELAY_PID=$!
  relay_rig_wait
}
kill9_relay() {
  [ -n "${RELAY_PID:-}" ] || return 0
  kill -9 -- "-$RELAY_PID" 2>/dev/null
  wait "$RELAY_PID" 2>/dev/null
  RELAY_PID=
}
stop_relay() { # polite: SIGTERM drains, then anything left is killed
  [ -n "${RELAY_PID:-}" ] || return 0
  kill -TERM "$RELAY_PID" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$RELAY_PID" 2>/dev/null || break; sleep 0.1; done
  kill9_relay
}
dead() { ! kill -0 "$RELAY_PID" 2>/dev/null; }
submit() { # TOKEN TO(comma list) [extra swaks args]
  local tok=$1 to=$2; shift 2
  "${NSX[@]}" timeout 30 swaks --server 127.0.0.1:2525 --from sender@dane-ee.test --to "$to" \
    --header "Subject: crash test $tok" --body "token $tok
.leading dot line
end" "$@" 2>&1
}
ntok() { mbox "$1" | grep -c "^token $2\$"; }          # deliveries of a token
ndsn() { mbox dane-ee | grep -c "^X-Danebox-Queue-ID: $1\$"; } # DSNs for a queue id
complete() { # TOKEN QID...: both mailboxes have the token, a DSN exists for one QID
  local tok=$1; shift
  [ "$(ntok dane-ee "$tok")" -ge 1 ] && [ "$(ntok dane-ta "$tok")" -ge 1 ] || return 1
  local q; for q in "$@"; do [ "$(ndsn "$q")" -ge 1 ] && return 0; done
  return 1
}

# ---------------------------------------------------------------- 1. crash matrix
# CRASH_POINTS="p1 p2 ..." runs a subset, CRASH_POINTS=none skips the matrix
POINTS=(
  smtpd-data-begin smtpd-data-body smtpd-before-commit
  spool-body-written spool-body-fsynced spool-body-renamed
  spool-env-written spool-env-fsynced spool-env-renamed
  smtpd-after-commit smtpd-after-250
  relay-loaded relay-before-data relay-body-sent relay-after-remote-250
  spool-update-written spool-update-fsynced spool-update-renamed
  relay-dsn-writing relay-dsn-before-commit relay-dsn-committed relay-bounce-updated
  spool-remove-env relay-removed
  spool-clean spool-quarantine
)
[ -z "${CRASH_POINTS:-}" ] || read -r -a POINTS <<<"${CRASH_POINTS/none/}"
RCPTS="a@dane-ee.test,b@dane-ta.test,z@nullmx.test"
tried=0; acked_total=0; lost_total=0; dup_total=0; unreached=0
declare -A DUPS
for i in "${!POINTS[@]}"; do
  pt=${POINTS[$i]}; tok="CP$i-$pt"; tried=$((tried + 1))
  t1=$SECONDS
  case $pt in # crash leftovers for the points of the start-up cleaning and the quarantine
    spool-clean) mkdir -p "$SPOOL/tmp"; for k in 1 2 3; do echo x >"$SPOOL/tmp/0000000000000$k.d"; done ;;
    spool-quarantine) mkdir -p "$SPOOL/env"; printf 'DBXQ 1\ngarbage\n' >"$SPOOL/env/00000000000000BAD"
                      chown nobody "$SPOOL/env/00000000000000BAD" ;;
  esac
  start_relay DANEBOX_CRASHPOINT="$pt"
  qids=(); acked=0
  if ! dead; then
    out=$(submit "$tok" "$RCPTS"); q=$(qid_of <<<"$out")
    [ -n "$q" ] && { qids+=("$q"); acked=1; }
  fi
  wait_for 25 dead
  reached=$(grep -c "crashpoint $pt reached" "$LOG")
  kill9_relay
  start_relay || failc "$pt: restart after the crash"
  if [ $acked = 0 ]; then # no 250 seen: the client tries again
    out=$(submit "$tok" "$RCPTS"); q=$(qid_of <<<"$out")
    [ -n "$q" ] && { qids+=("$q"); acked=1; } || failc "$pt: resubmission after the restart refused"
  fi
  acked_total=$((acked_total + acked))
  lost=0
  if ! wait_for 40 complete "$tok" "${qids[@]}"; then lost=1; fi
  sleep 1 # a late duplicate still counts
  ok=$(mbox dane-ee | grep -c "^Subject: crash test $tok\$") # delivery + DSN headers
  d=0; n=$(ntok dane-ee "$tok"); [ "$n" -gt 1 ] && d=$((d + n - 1))
  n=$(ntok dane-ta "$tok"); [ "$n" -gt 1 ] && d=$((d + n - 1))
  n=0; for q in "${qids[@]}"; do n=$((n + $(ndsn "$q"))); done; [ "$n" -gt 1 ] && d=$((d + n - 1))
  DUPS[$pt]=$d; dup_total=$((dup_total + d)); lost_total=$((lost_total + lost))
  [ "$reached" -ge 1 ] || unreached=$((unreached + 1))
  stop_relay
  if [ "$reached" -ge 1 ] && [ $lost = 0 ]; then
    pass "crash at $pt: killed, restarted, delivered to both MX and bounced (DSN) once acknowledged; $d duplicate(s) ($((SECONDS - t1)) s)"
  else
    failc "crash at $pt: reached=$reached lost=$lost (dane-ee $(ntok dane-ee "$tok"), dane-ta $(ntok dane-ta "$tok"), DSN ${qids[*]:-none}, subj $ok)"
  fi
done
if [[ " ${POINTS[*]} " != *" spool-quarantine "* ]]; then :
elif [ -e "$SPOOL/quarantine/00000000000000BAD.env" ] && ! grep -q "00000000000000BAD: to=" "$LOG"; then
  pass "the planted damaged envelope ended in quarantine/ after the crash inside the quarantine, never delivered"
else failc "planted damaged envelope: $(ls "$SPOOL/quarantine" 2>&1)"; fi
dup_points=$(for p in "${POINTS[@]}"; do [ "${DUPS[$p]}" -gt 0 ] && printf '%s(%s) ' "$p" "${DUPS[$p]}"; done)
dup_points=${dup_points% }
echo "INFO: crash matrix: $tried points, $acked_total acknowledged, $lost_total lost, $dup_total duplicate(s): ${dup_points:-none}"
[ $tried = 0 ] || { [ $lost_total = 0 ] && [ $unreached = 0 ]; } && pass "crash matrix: $tried points, $acked_total acknowledged messages, 0 lost, $dup_total duplicate(s)" \
  || failc "crash matrix: $lost_total lost, $unreached point(s) never reached"

# ------------------------------------------------- 2a. disk full, read-only spool
FS=$WORK/spool-fs; mkdir -p "$FS"
FCONF=$WORK/relay-fs.conf; mkconf "$FCONF" "$FS" 192.0.2.2
start_relay_fs() { # the relay in its own mount namespace with a 2 MiB tmpfs spool
  setsid "${NSX[@]}" unshare -m --propagation private sh -c \
    'mount -t tmpfs -o size=2m,mode=755 dbxspool "$0" && exec "$@"' "$FS" \
    "$DANEBOX" relay --log-stderr --config "$FCONF" >>"$LOG" 2>&1 &
  RELAY_PID=$!
  relay_rig_wait
}
inns() { nsenter -t "$RELAY_PID" -m -- "$@"; }
spool_state() { inns sh -c "cd '$FS' && ls tmp data env | tr '\n' ' '"; }
faults=0
start_relay_fs || failc "relay on the tmpfs spool did not start"
out=$(submit SF1 "a@dane-ee.test"); q=$(qid_of <<<"$out")
if [ -n "$q" ] && wait_for 30 bash -c "[ \$(cat '$RUNDIR/dane-ee/mail/mailbox' | grep -c '^token SF1\$') -ge 1 ]"; then
  pass "tmpfs spool: SF1 accepted and delivered"
else failc "tmpfs spool: SF1 ($(tail -3 <<<"$out"))"; fi
wait_for 10 bash -c "[ -z \"\$(nsenter -t $RELAY_PID -m -- ls '$FS/env')\" ]"
inns dd if=/dev/zero of="$FS/filler" bs=64k 2>/dev/null
before=$(spool_state)
out=$(submit SF2 "a@dane-ee.test" --body "token SF2
$(head -c 30000 /dev/zero | tr '\0' 'x' | fold -w 70)
end")
after=$(spool_state)
if grep -q '<\*\* *452 4.3.1 Insufficient system storage' <<<"$out" && [ "$before" = "$after" ] && ! dead; then
  pass "disk full: 452 4.3.1, spool unchanged (nothing half-written), relay still up"
  faults=$((faults + 1))
else failc "disk full: '$(grep '<\*\*' <<<"$out" | head -2)' spool before '$before' after '$after'"; fi
inns rm -f "$FS/filler"
out=$(submit SF3 "a@dane-ee.test"); q=$(qid_of <<<"$out")
if [ -n "$q" ] && wait_for 30 bash -c "cat '$RUNDIR/dane-ee/mail/mailbox' | grep -q '^token SF3\$'"; then
  pass "space back: the next message (SF3) accepted and delivered by the same relay process"
else failc "after disk full: SF3 '$(grep '<\*\*\|queued' <<<"$out" | head -2)'"; fi
wait_for 10 bash -c "[ -z \"\$(nsenter -t $RELAY_PID -m -- ls '$FS/env')\" ]"
# read-only: a read-only bind mount over the spool (a plain remount,ro is
# refused while the daemon holds SPOOL/lock open for writing)
inns sh -c "mount --bind '$FS' '$FS' && mount -o remount,bind,ro '$FS'" || failc "read-only bind mount"
before=$(spool_state)
out=$(submit SR1 "a@dane-ee.test")
after=$(spool_state)
if grep -q '<\*\* *452 4.3.1 Insufficient system storage' <<<"$out" && [ "$before" = "$after" ] && ! dead; then
  pass "read-only spool: 452 4.3.1 at DATA, nothing written, relay still up"
  faults=$((faults + 1))
else failc "read-only spool: '$(grep '<\*\*' <<<"$out" | head -2)' spool '$before' / '$after'"; fi
inns umount "$FS"
out=$(submit SR2 "a@dane-ee.test"); q=$(qid_of <<<"$out")
if [ -n "$q" ] && wait_for 30 bash -c "cat '$RUNDIR/dane-ee/mail/mailbox' | grep -q '^token SR2\$'"; then
  pass "spool writable again: SR2 accepted and delivered"
else failc "after read-only: SR2 '$(grep '<\*\*\|queued' <<<"$out" | head -2)'"; fi
stop_relay

# ----------------------------------------------------- 2b. damaged spool files
# Queue 6 messages with the resolver unreachable (all deferred), stop,
# damage 5 of them and add garbage, restart with the rig resolver.
QCONF=$WORK/relay-noresolver.conf; mkconf "$QCONF" "$SPOOL" 127.0.0.1
RCONF=$QCONF start_relay || failc "relay without resolver did not start"
dq=()
for k in 0 1 2 3 4 5; do
  out=$(submit "DM$k" "a@dane-ee.test"); dq+=("$(qid_of <<<"$out")")
done
sleep 1; stop_relay
envf() { echo "$SPOOL/env/$1"; }
dataf() { echo "$SPOOL/data/$1"; }
python3 - "$(envf "${dq[1]}")" "$(envf "${dq[2]}")" "$(envf "${dq[3]}")" \
  "$(dataf "${dq[4]}")" "$(dataf "${dq[5]}")" <<'EOF'
import sys
def rw(p, f):
    b = bytearray(open(p, "rb").read()); b = f(b); open(p, "wb").write(b)
rw(sys.argv[1], lambda b: b[:len(b) * 2 // 3])                       # envelope truncated
rw(sys.argv[2], lambda b: b[:40] + bytes([b[40] ^ 0x01]) + b[41:])   # one bit flipped
rw(sys.argv[3], lambda b: b.replace(b"DBXQ 1", b"DBXQ 9", 1))        # bad header
rw(sys.argv[4], lambda b: b[:-4] + bytes([b[-4] ^ 0x20]) + b[-3:])   # body: a flipped byte
rw(sys.argv[5], lambda b: b[:len(b) - 20])                           # body truncated
EOF
head -c 300 /dev/urandom >"$SPOOL/env/garbage.bin"
head -c 300 /dev/urandom >"$SPOOL/env/00000000000000JUNK"
chown nobody "$SPOOL/env/garbage.bin" "$SPOOL/env/00000000000000JUNK"
start_relay || failc "restart on the damaged spool"
if wait_for 30 bash -c "cat '$RUNDIR/dane-ee/mail/mailbox' | grep -q '^token DM0\$'"; then
  pass "intact message DM0 delivered next to the damaged ones"
else failc "intact DM0 not delivered"; fi
sleep 3
quar=0
for k in 1 2 3 4 5; do
  q=${dq[$k]}
  line=$(grep "$q: quarantined:" "$LOG" | head -1)
  if [ -n "$q" ] && [ -n "$line" ] && [ -e "$SPOOL/quarantine/$q.env" ] && [ -e "$SPOOL/quarantine/$q.data" ] &&
     ! mbox dane-ee | grep -q "^token DM$k\$" && ! grep "$q: to=" "$LOG" | grep -q 'status=sent'; then
    pass "damaged DM$k quarantined, never delivered: ${line#*]: }"
    quar=$((quar + 1))
  else failc "damaged DM$k ($q): '$line', delivered: $(grep "$q: to=" "$LOG" | grep -c 'status=sent'), quarantine: $(ls "$SPOOL/quarantine" 2>&1 | tr '\n' ' ')"; fi
done
if grep -q "1 garbage file(s) in env/ quarantined" "$LOG" && [ -e "$SPOOL/quarantine/garbage.bin.env" ]; then
  pass "garbage file in env/ quarantined at start, logged"; quar=$((quar + 1))
else failc "garbage.bin: $(grep 'garbage' "$LOG" | tail -1)"; fi
if grep -q "00000000000000JUNK: quarantined: envelope damaged" "$LOG" && [ -e "$SPOOL/quarantine/00000000000000JUNK.env" ]; then
  pass "garbage with a queue-id name quarantined by the runner, logged"; quar=$((quar + 1))
else failc "00000000000000JUNK: $(grep 'JUNK' "$LOG" | tail -1)"; fi
stop_relay

mkdir -p "$(dirname "$FIGS")"
cat >"$FIGS" <<EOF
crash_points=$tried
acknowledged=$acked_total
lost=$lost_total
duplicates=$dup_total
duplicate_points=${dup_points:-none}
storage_faults_survived=$faults
quarantined=$quar
runtime_s=$((SECONDS - T0))
EOF
echo "INFO: figures in $FIGS; test took $((SECONDS - T0)) s"
[ $fails = 0 ]
