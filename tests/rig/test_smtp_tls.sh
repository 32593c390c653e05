#!/usr/bin/env bash
# Rig test: `danebox probe` against the real Postfix servers of
# tools/rig/smtp-rig.sh.  Prints PASS:/FAIL: per check; tears the rig down.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib.sh
export SMTP_NS=${SMTP_NS:-dbxsmtp-t$$}
export SMTP_DIR=${SMTP_DIR:-$top/build/smtp/$SMTP_NS}
DANEBOX=${DANEBOX:-$top/build/host/danebox}
RIG=$top/tools/rig/smtp-rig.sh
fails=0

check() { # name cond...
  local name=$1; shift
  if "$@"; then pass "$name"; else failc "$name"; fi
}

cleanup() { "$RIG" down >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM

[ -x "$DANEBOX" ] || { failc "danebox binary missing ($DANEBOX): run make"; exit 1; }
if ! timeout 90 "$RIG" up; then
  failc "smtp rig up"
  exit 1
fi
pass "smtp rig up"
F=$SMTP_DIR/servers.txt

fact() { awk -v k="$1" -v n="$2" -v c="$3" '$1==k && $2==n {print $c; exit}' "$F"; }
tlsa() { awk -v n="$1" -v u="$2" -v s="$3" -v m="$4" '$1=="tlsa" && $2==n && $3==u && $4==s && $5==m {print $6; exit}' "$F"; }
jget() { python3 -c 'import json,sys
d=json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d.get(k) if isinstance(d, dict) else None
print("" if d is None else (str(d).lower() if isinstance(d, bool) else d))' "$1" "$2" 2>/dev/null; }

probe() { # args... -> sets OUT, RC
  OUT=$(ip netns exec "$SMTP_NS" timeout 20 "$DANEBOX" probe "$@" --timeout 5000 --json 2>&1)
  RC=$?
}

for name in dane-ee dane-ee-rsa dane-ta dane-ta-partial mismatch; do
  v4=$(fact server "$name" 5); v6=$(fact server "$name" 6); mx=$(fact server "$name" 4)
  kind=$(fact server "$name" 8)
  leaf=$(fact leaf_spki "$name" 3); nosni=$(fact nosni_spki "$name" 3)

  probe "$v4" --sni "$mx"
  check "$name: STARTTLS offered" [ "$(jget "$OUT" starttls)" = true ]
  check "$name: TLS 1.3 by default" [ "$(jget "$OUT" tls.version)" = TLSv1.3 ]
  check "$name: outcome tls-unverified without a verifier, exit 0" \
    [ "$(jget "$OUT" outcome)" = tls-unverified -a $RC = 0 ]
  check "$name: SNI sent ($mx), $kind leaf SPKI SHA-256 = openssl's" [ "$(jget "$OUT" tls.chain.0.spki_sha256)" = "$leaf" ]
  check "$name: 5 SMTP round trips (banner, EHLO, STARTTLS, EHLO, QUIT)" [ "$(jget "$OUT" round_trips)" = 5 ]
  check "$name: mbedTLS heap back to 0 after free" [ "$(jget "$OUT" mbedtls_heap_after_free)" = 0 ]
  if [ "$name" = dane-ee ]; then
    echo "INFO: $name TLS1.3 probe: $(jget "$OUT" tls.ciphersuite) heap_peak=$(jget "$OUT" mbedtls_heap_peak) round_trips=$(jget "$OUT" round_trips)"
  fi
  case $name in
    dane-ta) check "$name: server sends leaf + intermediate" [ "$(jget "$OUT" tls.chain.1.cert_sha256)" = "$(tlsa "$name" 2 0 1)" ] ;;
    dane-ta-partial) check "$name: server sends the leaf only" [ -z "$(jget "$OUT" tls.chain.1.der_len)" ] ;;
  esac

  probe "$v4" --sni "$mx" --tls12
  check "$name: TLS 1.2 when forced" [ "$(jget "$OUT" tls.version)" = TLSv1.2 -a "$(jget "$OUT" outcome)" = tls-unverified ]
  check "$name: TLS 1.2 same leaf" [ "$(jget "$OUT" tls.chain.0.spki_sha256)" = "$leaf" ]

  probe "[$v6]" --sni "$mx"
  check "$name: IPv6 [$v6] TLS 1.3, same leaf" [ "$(jget "$OUT" tls.version)" = TLSv1.3 -a "$(jget "$OUT" tls.chain.0.spki_sha256)" = "$leaf" ]

  probe "$v4" --sni "other.invalid"
  check "$name: another SNI gets the server's other certificate" [ "$(jget "$OUT" tls.chain.0.spki_sha256)" = "$nosni" ]
done

# The verify hook: accepted for the right key, session aborted for the wrong one.
probe "$(fact server dane-ee 5)" --sni mx1.dane-ee.test --expect-spki "$(tlsa dane-ee 3 1 1)"
check "dane-ee: verify hook (TLSA 3 1 1) accepts -> tls-verified, exit 0" \
  [ "$(jget "$OUT" outcome)" = tls-verified -a "$(jget "$OUT" verify)" = ok -a $RC = 0 ]
probe "$(fact server mismatch 5)" --sni mx1.mismatch.test --expect-spki "$(tlsa mismatch 3 1 1)" --transcript
check "mismatch: wrong certificate -> verify-failed, exit 1" \
  [ "$(jget "$OUT" outcome)" = verify-failed -a $RC = 1 ]
tx=$(jget "$OUT" transcript)
check "mismatch: session aborted after the handshake (QUIT, no second EHLO)" \
  bash -c '[[ $1 == *"verification failed"*"C: QUIT"* ]] && [[ ${1#*verification failed} != *"C: EHLO"* ]]' _ "$tx"

# No STARTTLS: reported as such, never a plaintext success.
v4=$(fact server nostarttls 5); v6=$(fact server nostarttls 6)
for a in "$v4" "[$v6]"; do
  probe "$a" --sni mx1.nostarttls.test
  check "nostarttls $a: outcome no-starttls, exit 1" [ "$(jget "$OUT" outcome)" = no-starttls -a $RC = 1 ]
  check "nostarttls $a: STARTTLS not offered, no TLS facts" [ "$(jget "$OUT" starttls)" = false -a -z "$(jget "$OUT" tls.version)" ]
done
probe "$v4" --sni mx1.nostarttls.test --expect-spki "$(tlsa nostarttls 3 1 1)"
check "nostarttls: with a verifier still no-starttls (not verified)" [ "$(jget "$OUT" outcome)" = no-starttls -a "$(jget "$OUT" verify)" = not-run ]

# Nothing listening: a clean failure, bounded in time.
probe 192.0.2.99 --sni mx1.none.test
check "unreachable address: outcome failed, exit 4" [ "$(jget "$OUT" outcome)" = failed -a $RC = 4 ]

# servers.txt has what the DNS rig hook needs
check "servers.txt lists 6 servers" [ "$(grep -c '^server ' "$F")" = 6 ]
ZD=$(mktemp -d)
RIG_DIR=$SMTP_DIR bash "$top/tools/rig/hooks.d/50-smtp.sh" "$SMTP_DIR" "$ZD" >/dev/null 2>&1
check "hook 50-smtp.sh writes MX/A/AAAA/TLSA for every server" \
  [ "$(grep -c ' TLSA ' "$ZD/smtp.test.zone" 2>/dev/null)" -ge 12 -a "$(grep -c ' MX ' "$ZD/smtp.test.zone" 2>/dev/null)" = 6 ]
rm -rf "$ZD"

echo "smtp rig test: $fails failure(s)"
[ $fails = 0 ]
