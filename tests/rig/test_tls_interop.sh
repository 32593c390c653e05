#!/usr/bin/env bash
# Rig test: the TLS interop matrix.  `danebox check NAME.test -4` for every
# row of tests/rig/tls_interop.txt against real Postfix (OpenSSL) and Exim
# (GnuTLS) servers with signed MX / A / TLSA records (tools/rig/
# tls-interop-rig.sh): the whole RFC 7672 path, DNSSEC included.  A row
# passes only with the expected verdict AND a reason matching the expected
# pattern.  Prints PASS:/FAIL: per row, an INFO line with what was
# negotiated, and a summary; tears everything down (trap).
#
#   DANEBOX          binary under test (default build/host/danebox)
#   TLSI_ONLY        regex: run only the rows whose name matches
#   TLSI_RESULTS     also write "name verdict version cipher reason" lines (TSV)
#   TLSI_REUSE=1     use the rig already up in $TLSI_NS (tools/rig/
#                    tls-interop-rig.sh up) and leave it running, e.g. to
#                    compare two binaries
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export TLSI_NS=${TLSI_NS:-dbxtlsi-t$$}
export TLSI_DIR=${TLSI_DIR:-$top/build/tlsi/$TLSI_NS}
DANEBOX=${DANEBOX:-$top/build/host/danebox}
RIG=$top/tools/rig/tls-interop-rig.sh
CASES=${TLSI_CASES:-$top/tests/rig/tls_interop.txt}
fails=0
T0=$SECONDS
pass() { echo "PASS: $*"; }
failc() { echo "FAIL: $*"; fails=$((fails + 1)); }
[ -x "$DANEBOX" ] || { failc "danebox binary missing ($DANEBOX): run make"; exit 1; }
if [ "${TLSI_REUSE:-0}" = 1 ]; then
  [ -f "$TLSI_DIR/env" ] || { failc "TLSI_REUSE=1 but no rig up in $TLSI_DIR"; exit 1; }
else
  cleanup() { "$RIG" down >/dev/null 2>&1 || true; }
  trap cleanup EXIT INT TERM
  if ! timeout 240 "$RIG" up; then failc "tls interop rig up"; exit 1; fi
fi
. "$TLSI_DIR/env"
pass "tls interop rig up: $TLSI_ROWS servers + signed DNS in netns $TLSI_NS ($((SECONDS - T0)) s)"
[ "$TLSI_ROWS" -ge 30 ] && pass "matrix has $TLSI_ROWS rows (>= 30)" || failc "matrix has only $TLSI_ROWS rows"

# JSON -> verdict, reason, TLS version, cipher, chain length (0x1f-separated)
summary() {
  python3 -c 'import json,sys
try:
    d = json.loads(sys.argv[1])
except Exception:
    print("unparsable\x1f" + sys.argv[1][:200].replace("\n", " ") + "\x1f\x1f\x1f"); sys.exit()
a = {}
for h in d.get("hosts", []):
    for x in h.get("addrs", []):
        a = x; break
    if a: break
print("\x1f".join([str(d.get("verdict", "")), str(d.get("reason", "")), str(a.get("tls_version", "")),
                 str(a.get("cipher", "")), str(a.get("chain_len", ""))]))' "$1"
}

[ -n "${TLSI_RESULTS:-}" ] && : >"$TLSI_RESULTS"
while read -r name mta key chain tlsa profile want reason; do
  case $name in ''|\#*) continue ;; esac
  [ -n "${TLSI_ONLY:-}" ] && ! [[ $name =~ $TLSI_ONLY ]] && continue
  out=$(ip netns exec "$TLSI_NS" timeout 60 "$DANEBOX" check "$name.test" -4 --resolver "$RIG_RESOLVER" \
        --anchor "$RIG_ANCHOR" --time "$RIG_TIME" --timeout 8000 --json 2>"$TLSI_DIR/last.err")
  rc=$?
  IFS=$'\x1f' read -r got why ver cipher clen <<<"$(summary "$out")"
  [ -n "${TLSI_RESULTS:-}" ] && printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$got" "$ver" "$cipher" "$why" >>"$TLSI_RESULTS"
  desc="$name ($mta $key $chain/$tlsa $profile)"
  # a profile row proves nothing unless the server really negotiated it
  nego=ok
  if [ "$want" = dane-verified ]; then
    case $profile in
      tls12) [ "$ver" = TLSv1.2 ] || nego="version $ver" ;;
      tls13) [ "$ver" = TLSv1.3 ] || nego="version $ver" ;;
      dhe) [[ $ver == TLSv1.2 && $cipher == TLS_DHE_RSA_* ]] || nego="$ver $cipher" ;;
      cbc) [[ $ver == TLSv1.2 && $cipher == *_CBC_* ]] || nego="$ver $cipher" ;;
      rsakx) [[ $ver == TLSv1.2 && $cipher == TLS_RSA_WITH_* ]] || nego="$ver $cipher" ;;
    esac
  fi
  if [ "$got" = "$want" ] && grep -Eq -- "$reason" <<<"$why" && [ "$nego" = ok ]; then
    pass "$desc -> $got: ${why:0:150}"
    [ -n "$ver" ] && echo "INFO: $name: $ver $cipher, $clen certificate(s)"
  else
    failc "$desc -> '$got' (exit $rc), want '$want' /$reason/ (negotiated: $nego): ${why:0:300} $(head -c 200 "$TLSI_DIR/last.err")"
  fi
done <"$CASES"

echo "tls interop: $fails failure(s), $((SECONDS - T0)) s"
[ $fails = 0 ]
