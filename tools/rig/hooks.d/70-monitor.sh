#!/usr/bin/env bash
# DNS rig hook (run before signing) for the `danebox monitor` rig
# (tests/rig/test_monitor.sh).  Active only when MON_RIG=1 and the SMTP
# rig's servers.txt exists (the e2e rig with E2E_RIG=1); otherwise a no-op.
#   usage: 70-monitor.sh RIG_DIR ZONE_WORK_DIR
# Every MX host below is served by the SMTP rig's dane-ee (192.0.2.25) or
# dane-ee-rsa (.26) Postfix: with SNI = these names they present their
# "nosni" ECDSA certificate, so the TLSA records name that key.
#   m-clean.test   two MX hosts with distinct keys; TLSA "current + next" as
#                  printed by `danebox tlsa` (pasted as is; TTL 3600)
#   m-one.test     one TLSA record (TTL 300), both MX hosts on the same key
#   m-v6strip.test MX host whose AAAA is the STARTTLS-stripping relay
#                  (2001:db8::40, started by the test), IPv4 fine
#   m-tcpnx.test   TLSA in an undelegated zone: _tcp.mx1 is NXDOMAIN
#   m-soon.test    (zone "soon": RRSIGs expire in 3 days)
#   m-stale.test   (zone "stale": ns2 serves an older copy without the next key)
#   m-stale2.test  (zone "stale": ns2's older copy has only the previous key,
#                  the primary previous + current: the key was deployed too early)
# The "next" keys are generated here (RIG_DIR/monitor/next*.key).
set -euo pipefail
[ "${MON_RIG:-0}" = 1 ] || exit 0
top=$(cd "$(dirname "$0")/../../.." && pwd)
rig_dir=${1:?usage: $0 RIG_DIR ZONE_WORK_DIR}
zone_dir=${2:?usage: $0 RIG_DIR ZONE_WORK_DIR}
ns=${SMTP_NS:-dbxsmtp}
sdir=${SMTP_DIR:-$top/build/smtp/$ns}
servers=${SMTP_SERVERS:-$sdir/servers.txt}
danebox=${MON_DANEBOX:-$top/build/host/danebox}
[ -f "$servers" ] || { echo "70-monitor: no $servers: nothing added" >&2; exit 0; }
[ -x "$danebox" ] || { echo "70-monitor: $danebox not built" >&2; exit 1; }
fact() { awk -v k="$1" -v n="$2" -v c="$3" '$1==k && $2==n {print $c; exit}' "$servers"; }
ee=$(fact nosni_spki dane-ee 3)
m=$rig_dir/monitor
mkdir -p "$m"
for k in next1 next2; do
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$m/$k.key" 2>/dev/null
done
next1=$(openssl pkey -in "$m/next1.key" -pubout -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
# the records `danebox tlsa` prints, pasted into the zone as they are
"$danebox" tlsa --host mx1.m-clean.test "$sdir/dane-ee/tls/nosni.pem" --next-key "$m/next1.key" >"$m/m-clean.mx1.tlsa"
"$danebox" tlsa --host mx2.m-clean.test "$sdir/dane-ee-rsa/tls/nosni.pem" --next-key "$m/next2.key" >"$m/m-clean.mx2.tlsa"
t=3600
{
  echo "; --- monitor rig (tools/rig/hooks.d/70-monitor.sh)"
  cat <<EOF
m-clean.test. $t IN MX 10 mx1.m-clean.test.
m-clean.test. $t IN MX 20 mx2.m-clean.test.
mx1.m-clean.test. $t IN A 192.0.2.25
mx1.m-clean.test. $t IN AAAA 2001:db8::25
mx2.m-clean.test. $t IN A 192.0.2.26
mx2.m-clean.test. $t IN AAAA 2001:db8::26
EOF
  cat "$m/m-clean.mx1.tlsa" "$m/m-clean.mx2.tlsa"
  cat <<EOF
m-one.test. $t IN MX 10 mx1.m-one.test.
m-one.test. $t IN MX 20 mx2.m-one.test.
mx1.m-one.test. $t IN A 192.0.2.25
mx2.m-one.test. $t IN A 192.0.2.25
_25._tcp.mx1.m-one.test. 300 IN TLSA 3 1 1 $ee
_25._tcp.mx2.m-one.test. 300 IN TLSA 3 1 1 $ee
m-v6strip.test. $t IN MX 10 mx1.m-v6strip.test.
mx1.m-v6strip.test. $t IN A 192.0.2.25
mx1.m-v6strip.test. $t IN AAAA 2001:db8::40
_25._tcp.mx1.m-v6strip.test. $t IN TLSA 3 1 1 $ee
_25._tcp.mx1.m-v6strip.test. $t IN TLSA 3 1 1 $next1
m-tcpnx.test. $t IN MX 10 mx1.m-tcpnx.test.
mx1.m-tcpnx.test. $t IN A 192.0.2.25
EOF
} >>"$zone_dir/test.zone"
{
  echo "_25._tcp.mx1.m-tcpnx.test. $t IN TLSA 3 1 1 $ee"
  echo "_25._tcp.mx1.m-tcpnx.test. $t IN TLSA 3 1 1 $next1"
} >>"$zone_dir/_25._tcp.mx1.m-tcpnx.test.zone"
for z in m-soon m-stale; do
  cat >>"$zone_dir/$z.test.zone" <<EOF
$z.test. $t IN MX 10 mx1.$z.test.
mx1.$z.test. $t IN A 192.0.2.25
_25._tcp.mx1.$z.test. $t IN TLSA 3 1 1 $ee
_25._tcp.mx1.$z.test. $t IN TLSA 3 1 1 $next1
EOF
done
old=$(printf 'danebox-rig:previous-key' | openssl dgst -sha256 -r | cut -d' ' -f1)
{
  echo "m-stale2.test. $t IN MX 10 mx1.m-stale2.test."
  echo "mx1.m-stale2.test. $t IN A 192.0.2.25"
  echo "_25._tcp.mx1.m-stale2.test. $t IN TLSA 3 1 1 $old"
  echo "_25._tcp.mx1.m-stale2.test. $t IN TLSA 3 1 1 $ee"
} >>"$zone_dir/m-stale2.test.zone"
echo "70-monitor: added monitor rig domains" >&2
