#!/usr/bin/env bash
# DNS rig hook (run before signing) for the end-to-end `danebox check` rig
# (tools/rig/e2e-rig.sh, tests/rig/test_check_e2e.sh).  Only active when
# E2E_RIG=1 and the SMTP rig's servers.txt exists; otherwise a no-op, so
# the plain DNS rig and its tests are unchanged.
#   usage: 60-e2e.sh RIG_DIR ZONE_WORK_DIR
# Adds, to the signed "test." zone (absolute owner names):
#   twomx.test     MX 10 mx1.mismatch.test (TLSA mismatch), MX 20 mx1.dane-ee.test
#   cname.test     MX 10 mx.cname.test, a CNAME to mx1.dane-ee.test
#   pkix.test      MX host whose only TLSA is PKIX-EE 1 1 1 (unusable)
#   nullmx.test    MX 0 . (RFC 7505)
#   implicit.test  no MX; A/AAAA + TLSA at the domain itself
#   v6only.test    MX host with AAAA only
#   strip.test     MX host on the STARTTLS-stripping relay (192.0.2.40), DANE-EE TLSA
# and to the unsigned "insec.test." zone:
#   strip.insec.test  MX host on the stripping relay, unsigned (opportunistic)
# The dane-ee server presents its "nosni" certificate when SNI is not
# mx1.dane-ee.test, so TLSA records of names served by it name that key.
set -euo pipefail
[ "${E2E_RIG:-0}" = 1 ] || exit 0
top=$(cd "$(dirname "$0")/../../.." && pwd)
zone_dir=${2:?usage: $0 RIG_DIR ZONE_WORK_DIR}
ns=${SMTP_NS:-dbxsmtp}
servers=${SMTP_SERVERS:-${SMTP_DIR:-$top/build/smtp/$ns}/servers.txt}
[ -f "$servers" ] || { echo "60-e2e: no $servers: nothing added" >&2; exit 0; }
fact() { awk -v k="$1" -v n="$2" -v c="$3" '$1==k && $2==n {print $c; exit}' "$servers"; }
v4=$(fact server dane-ee 5); v6=$(fact server dane-ee 6)
nosni=$(fact nosni_spki dane-ee 3); leaf=$(fact leaf_spki dane-ee 3)
relay4=${E2E_RELAY4:-192.0.2.40}; relay6=${E2E_RELAY6:-2001:db8::40}
t=300
cat >>"$zone_dir/test.zone" <<EOF
; --- end-to-end check rig (tools/rig/hooks.d/60-e2e.sh)
twomx.test. $t IN MX 10 mx1.mismatch.test.
twomx.test. $t IN MX 20 mx1.dane-ee.test.
cname.test. $t IN MX 10 mx.cname.test.
mx.cname.test. $t IN CNAME mx1.dane-ee.test.
pkix.test. $t IN MX 10 mx1.pkix.test.
mx1.pkix.test. $t IN A $v4
mx1.pkix.test. $t IN AAAA $v6
_25._tcp.mx1.pkix.test. $t IN TLSA 1 1 1 $leaf
nullmx.test. $t IN MX 0 .
implicit.test. $t IN A $v4
implicit.test. $t IN AAAA $v6
_25._tcp.implicit.test. $t IN TLSA 3 1 1 $nosni
v6only.test. $t IN MX 10 mx1.v6only.test.
mx1.v6only.test. $t IN AAAA $v6
_25._tcp.mx1.v6only.test. $t IN TLSA 3 1 1 $nosni
strip.test. $t IN MX 10 mx1.strip.test.
mx1.strip.test. $t IN A $relay4
_25._tcp.mx1.strip.test. $t IN TLSA 3 1 1 $nosni
EOF
cat >>"$zone_dir/insec.test.zone" <<EOF
; --- end-to-end check rig (tools/rig/hooks.d/60-e2e.sh)
strip.insec.test. $t IN MX 10 mx1.strip.insec.test.
mx1.strip.insec.test. $t IN A $relay4
EOF
echo "60-e2e: added end-to-end check domains" >&2
