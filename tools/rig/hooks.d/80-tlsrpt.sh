#!/usr/bin/env bash
# DNS rig hook (run before signing) for the TLS reporting rig
# (tests/rig/test_tlsrpt.sh).  Active only when TLSRPT_RIG=1 and the SMTP
# rig's servers.txt exists (the e2e rig); otherwise a no-op.
#   usage: 80-tlsrpt.sh RIG_DIR ZONE_WORK_DIR
# Makes the report collector's key and certificate (RIG_DIR/tlsrpt/) and
# adds to the signed "test." zone:
#   _smtp._tls.dane-ee.test    rua=mailto:tlsrpt@dane-ta.test
#   _smtp._tls.mismatch.test   rua=mailto:tlsrpt@dane-ta.test + https://rpt.test/v1/tlsrpt
#   _smtp._tls.nostarttls.test rua=https://rpt.test/v1/tlsrpt
#   rpt.test                   A 192.0.2.41 (the test's HTTPS collector),
#                              TLSA 3 1 1 of its key at _443._tcp
#   _smtp._tls.strip.test      rua=https://rpt-bad.test/v1/tlsrpt, whose TLSA
#                              names another key (the POST must not happen)
# and to the unsigned "insec.test." zone:
#   _smtp._tls.strip.insec.test  rua=mailto:tlsrpt@dane-ta.test (not validated:
#                              no report may go there)
set -euo pipefail
[ "${TLSRPT_RIG:-0}" = 1 ] || exit 0
top=$(cd "$(dirname "$0")/../../.." && pwd)
rig_dir=${1:?usage: $0 RIG_DIR ZONE_WORK_DIR}
zone_dir=${2:?usage: $0 RIG_DIR ZONE_WORK_DIR}
ns=${SMTP_NS:-dbxsmtp}
servers=${SMTP_SERVERS:-${SMTP_DIR:-$top/build/smtp/$ns}/servers.txt}
[ -f "$servers" ] || { echo "80-tlsrpt: no $servers: nothing added" >&2; exit 0; }
d=$rig_dir/tlsrpt
mkdir -p "$d"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -keyout "$d/key.pem" -out "$d/cert.pem" -subj /CN=rpt.test -addext subjectAltName=DNS:rpt.test \
  >/dev/null 2>&1
spki=$(openssl x509 -in "$d/cert.pem" -pubkey -noout | openssl pkey -pubin -outform DER |
  openssl dgst -sha256 -r | cut -d' ' -f1)
other=$(printf 'danebox-rig:not-the-collector' | openssl dgst -sha256 -r | cut -d' ' -f1)
t=300
cat >>"$zone_dir/test.zone" <<EOF
; --- TLS reporting rig (tools/rig/hooks.d/80-tlsrpt.sh)
_smtp._tls.dane-ee.test. $t IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@dane-ta.test"
_smtp._tls.mismatch.test. $t IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@dane-ta.test,https://rpt.test/v1/tlsrpt"
_smtp._tls.nostarttls.test. $t IN TXT "v=TLSRPTv1;rua=https://rpt.test/v1/tlsrpt"
rpt.test. $t IN A 192.0.2.41
_443._tcp.rpt.test. $t IN TLSA 3 1 1 $spki
_smtp._tls.strip.test. $t IN TXT "v=TLSRPTv1; rua=https://rpt-bad.test/v1/tlsrpt"
rpt-bad.test. $t IN A 192.0.2.41
_443._tcp.rpt-bad.test. $t IN TLSA 3 1 1 $other
EOF
cat >>"$zone_dir/insec.test.zone" <<EOF
; --- TLS reporting rig (tools/rig/hooks.d/80-tlsrpt.sh)
_smtp._tls.strip.insec.test. $t IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@dane-ta.test"
EOF
echo "80-tlsrpt: added TLS reporting records" >&2
