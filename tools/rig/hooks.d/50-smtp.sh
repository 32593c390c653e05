#!/usr/bin/env bash
# DNS rig hook (run before zone signing): append MX/A/AAAA/TLSA records for the
# SMTP rig's servers to "$ZONE_DIR/smtp.test.zone".
#   usage: 50-smtp.sh RIG_DIR ZONE_WORK_DIR
# Reads $SMTP_SERVERS (default: $SMTP_DIR/servers.txt, SMTP_DIR defaulting to
# <repo>/build/smtp/${SMTP_NS:-dbxsmtp}).  Owner names are absolute, so the
# file can be $INCLUDEd into (or concatenated with) the signed "test." zone.
# Nothing to do (exit 0) when the SMTP rig has not been brought up.
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
zone_dir=${2:?usage: $0 RIG_DIR ZONE_WORK_DIR}
ns=${SMTP_NS:-dbxsmtp}
servers=${SMTP_SERVERS:-${SMTP_DIR:-$top/build/smtp/$ns}/servers.txt}
out=$zone_dir/${SMTP_ZONE_FILE:-smtp.test.zone}
ttl=${SMTP_TTL:-300}
if [ ! -f "$servers" ]; then
  echo "50-smtp: no $servers (SMTP rig not up): nothing added" >&2
  exit 0
fi
{
  echo "; --- SMTP rig servers (tools/rig/hooks.d/50-smtp.sh, from $servers)"
  awk -v ttl="$ttl" '
    $1 == "server" { dom[$2] = $3; mx[$2] = $4; v4[$2] = $5; v6[$2] = $6; order[++n] = $2 }
    $1 == "tlsa"   { t[$2] = t[$2] sprintf("_25._tcp.%s. %s IN TLSA %s %s %s %s\n", "@MX@", ttl, $3, $4, $5, $6) }
    END {
      for (i = 1; i <= n; i++) {
        s = order[i]
        printf "%s. %s IN MX 10 %s.\n", dom[s], ttl, mx[s]
        printf "%s. %s IN A %s\n", mx[s], ttl, v4[s]
        printf "%s. %s IN AAAA %s\n", mx[s], ttl, v6[s]
        x = t[s]; gsub(/@MX@/, mx[s], x); printf "%s", x
      }
    }' "$servers"
} >>"$out"
echo "50-smtp: appended $(grep -c '^server ' "$servers") servers to $out" >&2
