#!/usr/bin/env bash
# Rig test of TLS reporting (RFC 8460): `danebox relay` (in the e2e rig's
# netns) delivers to dane-ee.test and fails for mismatch.test (TLSA names
# another key) and nostarttls.test (no STARTTLS); its records in
# SPOOL/tlsrpt/ then make `danebox tlsrpt` build one report per domain that
#  - validates against tests/tlsrpt/tlsrpt.schema.json (written from RFC 8460 §4),
#  - has the right counts, policy type, policy strings and result types,
#  - arrives, gzip'd in a multipart/report mail, in the rig mailbox of the
#    mailto: rua (tlsrpt@dane-ta.test, delivered by the relay), and by HTTPS
#    POST at the test's collector (rpt.test, DANE-authenticated) for https:,
# and sends nothing to an https: rua whose TLSA does not match, nor to the
# rua of an unsigned _smtp._tls record.
# Zones: tools/rig/hooks.d/80-tlsrpt.sh.  Prints PASS:/FAIL: lines; tears
# everything down (trap).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export SMTP_ACCEPT_MAIL=1 TLSRPT_RIG=1
. "$top/tests/lib.sh"
. "$top/tests/rig/relay_rig.sh"
e2e_rig_name "dbxrpt-t$$"
DANEBOX=${DANEBOX:-$top/build/host/danebox}
SCHEMA=$top/tests/tlsrpt/tlsrpt.schema.json
WORK=/var/tmp/danebox-tlsrpt/$E2E_NS
RUNDIR=/var/tmp/danebox-smtp/$E2E_NS
T0=$SECONDS

# python3 with the Debian jsonschema (tools/packages.txt)
PY=python3
for p in /usr/bin/python3 python3; do
  if "$p" -c 'import jsonschema' 2>/dev/null; then PY=$p; break; fi
done

cleanup() {
  [ -n "${COLL_PID:-}" ] && kill "$COLL_PID" 2>/dev/null
  [ -n "${RELAY_PID:-}" ] && kill -TERM "$RELAY_PID" 2>/dev/null && sleep 0.5
  e2e_rig_down
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

[ -x "$DANEBOX" ] || { failc "danebox binary missing ($DANEBOX): run make"; exit 1; }
"$PY" -c 'import jsonschema' 2>/dev/null || { failc "python3-jsonschema missing (tools/packages.txt)"; exit 1; }
command -v swaks >/dev/null || { failc "swaks missing (tools/packages.txt)"; exit 1; }
if "$PY" tests/rig/tlsrpt_check.py json "$SCHEMA" /dev/null 2>/dev/null; then
  failc "the checker accepts an empty file as a report"
else pass "schema loads (Draft 7) and the checker rejects a non-report"; fi
# --- the day file reader, without the rig: torn / hostile lines are skipped ----
mkdir -p "$WORK/t/tlsrpt" "$WORK/t/out"
tday=2026-11-30; tt=1796000000  # 2026-11-30T00:53:20Z
{
  printf 'T1\t%s\tx.test\ttlsa\tmx.x.test\t192.0.2.9\tsuccess\t3 1 1 aa;2 1 1 bb\n' $tt
  printf 'T1\t%s\tx.test\ttlsa\tmx.x.test\t192.0.2.9\tsuccess\t2 1 1 bb;3 1 1 aa\n' $tt
  printf 'T1\t%s\tx.test\ttlsa\tmx.x.test\t192.0.2.9\tdane-required\t-\textra\n' $tt
  printf 'T1\t%s\tx.test\ttlsa\tmx x\t192.0.2.9\tstarttls-not-supported\t-\n' $tt
  printf 'T1\t%s\tx.test\ttlsa\tmx.x.test\t192.0.2.8\tstarttls-not-supported\t3 1 1 aa;2 1 1 bb\n' $tt
  printf 'T1\t%s\tx.test\tno-policy-found\tmx.x.test\t192.0.2.9\tdnssec-invalid\t-\n' $((tt + 86400))
  printf 'T1\t%s\tx.test\ttlsa\tmx.x.test\t192.0.2.9\tstarttls-not-supported\t-' $tt
} >"$WORK/t/tlsrpt/$tday.log"
out=$("$DANEBOX" tlsrpt --spool "$WORK/t" --date $tday --no-send --out "$WORK/t/out" --submitter relay.t 2>&1); rc=$?
s=$("$PY" tests/rig/tlsrpt_check.py json "$SCHEMA" "$WORK/t/out/x.test.json" 2>&1)
if [ $rc = 0 ] && grep -q "^3 malformed record line(s) skipped" <<<"$out" &&
   [[ $s == "out x.test policy-type=tlsa ok=2 failed=1 results=starttls-not-supported mx=mx.x.test strings=2 "* ]]; then
  pass "day file: torn last line and malformed lines skipped, other days ignored, one policy for the RRset in any order"
else failc "day file reader (rc=$rc): $out / $s"; fi

if ! e2e_rig_up 200; then failc "e2e rig up"; exit 1; fi
pass "rig up with signed _smtp._tls records ($((SECONDS - T0)) s)"

mkdir -p "$WORK/posts" "$WORK/out"; chmod 777 "$WORK" "$WORK/out"
ip -n "$E2E_NS" addr add 192.0.2.41/32 dev lo
"${NSX[@]}" "$PY" tests/rig/tlsrpt_collector.py 192.0.2.41 443 "$RIG_DIR/tlsrpt/cert.pem" \
  "$RIG_DIR/tlsrpt/key.pem" "$WORK/posts" --lifetime 300 >"$WORK/collector.log" 2>&1 &
COLL_PID=$!

CONF=$WORK/relay.conf
LOG=$WORK/relay.log
relay_rig_conf "$CONF" "$WORK/spool" <<EOF
retry_min = 60s
queue_run_interval = 2s
connect_timeout = 5s
smtp_timeout = 15s
EOF
relay_rig_start "$CONF" "$LOG" || failc "relay did not start: $(tail -3 "$LOG")"
submit() { # TO TOKEN
  "${NSX[@]}" timeout 30 swaks --server 127.0.0.1:2525 --from sender@relay.lan.test --to "$1" \
    --header "Subject: tlsrpt $2" --body "token $2" >/dev/null 2>&1
}
DAY=$(date -u +%F)
REC=$WORK/spool/tlsrpt/$DAY.log
recs() { grep -c "$1" "$REC" 2>/dev/null || true; }
has_recs() { [ "$(recs "	dane-ee.test	.*	success	")" -ge 2 ] &&
  [ "$(recs "	mismatch.test	")" -ge 1 ] && [ "$(recs "	nostarttls.test	")" -ge 1 ]; }

submit a@dane-ee.test R1; submit b@dane-ee.test R2
submit m@mismatch.test R3; submit n@nostarttls.test R4
if wait_for 60 has_recs; then
  pass "relay recorded the sessions in SPOOL/tlsrpt/$DAY.log (append-only day file)"
else failc "relay records: $(cat "$REC" 2>/dev/null | head -5)"; tail -5 "$LOG"; fi
if wait_for 20 bash -c "cat '$RUNDIR/dane-ee/mail/mailbox' 2>/dev/null | grep -c 'token R[12]' | grep -q 2"; then
  pass "dane-ee.test: both messages delivered"
else failc "dane-ee.test deliveries"; fi
mode=$(stat -c %a "$REC" 2>/dev/null); owner=$(stat -c %U "$REC" 2>/dev/null)
[ "$mode" = 600 ] && [ "$owner" = nobody ] && pass "record file 0600, owned by the relay user" ||
  failc "record file mode $mode owner $owner"

# --- the reports --------------------------------------------------------------
out=$("${NSX[@]}" "$DANEBOX" tlsrpt --config "$CONF" --date "$DAY" --out "$WORK/out" \
  --org "danebox rig" --contact "mailto:ops@relay.lan.test" 2>&1); rc=$?
echo "$out"
if [ $rc = 0 ] && grep -q "^dane-ee.test: [0-9]* session(s)" <<<"$out" &&
   grep -q "mailto:tlsrpt@dane-ta.test: queued as" <<<"$out" &&
   grep -q "https://rpt.test/v1/tlsrpt: HTTP 201" <<<"$out"; then
  pass "danebox tlsrpt: exit 0, mailto: queued, https: POSTed (HTTP 201)"
else failc "danebox tlsrpt rc=$rc"; fi
sum=$("$PY" tests/rig/tlsrpt_check.py json "$SCHEMA" "$WORK"/out/*.json 2>&1); src=$?
echo "$sum"
[ $src = 0 ] && [ "$(wc -l <<<"$sum")" = 3 ] && pass "3 reports written, each validates against the RFC 8460 schema" ||
  failc "schema validation: $sum"
line() { grep "^$1 $2 " <<<"$3"; }
l=$(line out dane-ee.test "$sum")
if [[ $l == *"policy-type=tlsa ok="* ]] && [[ $l == *" failed=0 results=- mx=mx1.dane-ee.test "* ]] &&
   [ "$(sed 's/.* ok=\([0-9]*\) .*/\1/' <<<"$l")" -ge 2 ]; then
  pass "dane-ee.test: policy tlsa, >= 2 successful sessions, no failures"
else failc "dane-ee.test report: $l"; fi
ntlsa=$("${NSX[@]}" dig +short @192.0.2.2 TLSA _25._tcp.mx1.dane-ee.test | wc -l)
[[ $l == *" strings=$ntlsa "* ]] && pass "dane-ee.test: policy-string = the $ntlsa published TLSA records" ||
  failc "dane-ee.test policy strings ($ntlsa published): $l"
l=$(line out mismatch.test "$sum")
[[ $l == *"policy-type=tlsa ok=0 failed="*" results=certificate-not-trusted mx=mx1.mismatch.test "* ]] &&
  pass "mismatch.test: failures with result type certificate-not-trusted, none successful" ||
  failc "mismatch.test report: $l"
l=$(line out nostarttls.test "$sum")
[[ $l == *" ok=0 failed="*" results=starttls-not-supported "* ]] &&
  pass "nostarttls.test: failures with result type starttls-not-supported" ||
  failc "nostarttls.test report: $l"
gz=$(ls "$WORK"/out/*mismatch.test*.json.gz 2>/dev/null | head -1)
[[ $(basename "${gz:-x}") =~ ^relay\.lan\.test!mismatch\.test![0-9]+![0-9]+\.json\.gz$ ]] &&
  cmp -s <(gzip -dc "$gz") "$WORK/out/mismatch.test.json" &&
  pass "gzip'd report named submitter!domain!begin!end.json.gz (RFC 8460 §5.3)" ||
  failc "gzip file: $gz"

# --- delivery: mailbox of the mailto: rua, the HTTPS collector ---------------
got_mail() { [ "$(mbox dane-ta | grep -c '^TLS-Report-Domain: ')" -ge 2 ]; }
if wait_for 40 got_mail; then
  m=$("$PY" tests/rig/tlsrpt_check.py mbox "$SCHEMA" "$RUNDIR/dane-ta/mail/mailbox" 2>&1); mrc=$?
  echo "$m"
  if [ $mrc = 0 ] && [ "$(line mail dane-ee.test "$m" | sed 's/^mail //')" = "$(line out dane-ee.test "$sum" | sed 's/^out //')" ] &&
     [ "$(line mail mismatch.test "$m" | sed 's/^mail //')" = "$(line out mismatch.test "$sum" | sed 's/^out //')" ]; then
    pass "rig mailbox tlsrpt@dane-ta.test: multipart/report mails (TLS-Report-Domain/-Submitter) whose reports validate and equal the built ones"
  else failc "mailbox reports: $m"; fi
else failc "no report mail in the dane-ta.test mailbox"; tail -5 "$LOG"; fi
p=$("$PY" tests/rig/tlsrpt_check.py posts "$SCHEMA" "$WORK/posts" 2>&1); prc=$?
echo "$p"
if [ $prc = 0 ] && [ "$(wc -l <<<"$p")" = 2 ] && line post mismatch.test "$p" >/dev/null &&
   line post nostarttls.test "$p" >/dev/null; then
  pass "HTTPS collector: 2 POSTs (application/tlsrpt+gzip) for mismatch.test and nostarttls.test, valid reports"
else failc "collector: $p"; fi

# --- refusals: unauthenticated https: endpoint, unsigned TLSRPT record -------
printf 'T1\t%s\tstrip.test\ttlsa\tmx1.strip.test\t192.0.2.40\tstarttls-not-supported\t-\n' "$(date +%s)" >>"$REC"
printf 'T1\t%s\tstrip.insec.test\tno-policy-found\tmx1.strip.insec.test\t192.0.2.40\tsuccess\t-\n' "$(date +%s)" >>"$REC"
n0=$(ls "$WORK/posts"/*.gz 2>/dev/null | wc -l)
out=$("${NSX[@]}" "$DANEBOX" tlsrpt --config "$CONF" --date "$DAY" --domain strip.test 2>&1); rc=$?
echo "$out"
n1=$(ls "$WORK/posts"/*.gz 2>/dev/null | wc -l)
[ $rc = 3 ] && grep -q "rpt-bad.test/v1/tlsrpt: FAILED: .*DANE" <<<"$out" && [ "$n1" = "$n0" ] &&
  pass "https: rua whose TLSA does not match: not POSTed, exit 3" || failc "rpt-bad: rc=$rc posts $n0->$n1"
out=$("${NSX[@]}" "$DANEBOX" tlsrpt --config "$CONF" --date "$DAY" --domain strip.insec.test 2>&1); rc=$?
echo "$out"
[ $rc = 1 ] && grep -q "not sent: .*no DNSSEC-validated TXT" <<<"$out" &&
  pass "unsigned _smtp._tls record: nothing sent, exit 1" || failc "insecure TXT: rc=$rc"
out=$("$DANEBOX" tlsrpt --spool "$WORK/spool" --date 2026-02-30 2>&1); rc=$?
[ $rc = 2 ] && pass "bad --date: exit 2" || failc "bad --date: rc=$rc $out"

echo "runtime: $((SECONDS - T0)) s"
[ $fails = 0 ]
