#!/usr/bin/env bash
# Rig test of DANE-safe TLS session resumption (src/smtp/dbx_tls_cache.h)
# against the rig's real Postfix servers (which issue TLS 1.3 tickets) and
# signed DNS (tools/rig/e2e-rig.sh): `danebox check --repeat N` in one
# process resumes a DANE-verified session for the same host and address
# under the same TLSA RRset, never for another host on the same server (which
# would accept the ticket), never from a check that failed, and reports the
# handshakes saved.  (A live TLSA change needs a re-signed zone; it is
# covered by test_tls_table's resumption rows against an in-memory server.)
# Prints PASS:/FAIL: lines; tears the rig down (trap); about a minute.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib.sh
# e2e-rig: shared
e2e_rig_name "dbxres-t$$"
DANEBOX=${DANEBOX:-$top/build/host/danebox}
T0=$SECONDS

cleanup() { e2e_rig_down; }
trap cleanup EXIT INT TERM

[ -x "$DANEBOX" ] || { failc "danebox binary missing ($DANEBOX): run make"; exit 1; }
if ! e2e_rig_up 150 "$E2E_DIR.rig.log"; then failc "e2e rig up"; exit 1; fi
pass "e2e rig up (Postfix + signed DNS in netns $E2E_NS, $((SECONDS - T0)) s)"

# check DOMAIN... [opts] -> OUT: one JSON line per domain and round
check() {
  OUT=$(ip netns exec "$E2E_NS" timeout 120 "$DANEBOX" check "$@" --resolver "$RIG_RESOLVER" \
        --anchor "$RIG_ANCHOR" --time "$RIG_TIME" --json --timeout 5000 2>"$E2E_DIR/last.err")
  RC=$?
}
line() { echo "$OUT" | sed -n "${1}p"; }
ok() { # name python-condition-over-line-N line
  if [ "$(jx "$(line "$3")" "bool($2)")" = True ]; then pass "$1"
  else failc "$1: $(line "$3" | cut -c1-700) $(head -c 300 "$E2E_DIR/last.err")"; fi
}
# invariant for every line: a resumed address presented no certificate, ran
# no matcher, and is dane-verified only as "dane-resumed"
INV='all((not a["resumed"]) or (a["chain_len"]==0 and a["dane"]=="not-applied" and (a["verdict"]!="dane-verified" or a["why"]=="dane-resumed")) for a in A)'

# 1. same host, same TLSA: round 1 full handshakes, rounds 2 and 3 resumed
check dane-ee.test --repeat 3
ok "round 1: every address verified by its chain, nothing resumed" \
  'd["verdict"]=="dane-verified" and len(A)==2 and all(a["dane"]=="match" and not a["resumed"] and a["chain_len"]>0 for a in A) and d["handshakes_saved"]==0' 1
ok "round 2: both addresses resumed under the same TLSA RRset (dane-resumed)" \
  "d['verdict']=='dane-verified' and all(a['resumed'] and a['why']=='dane-resumed' and a['tls']=='verified' for a in A) and d['handshakes_saved']==2 and $INV" 2
ok "round 3: resumed again" "d['handshakes_saved']==2 and $INV" 3
[ "$RC" = 0 ] && pass "check --repeat 3 exit 0" || failc "check --repeat 3 exit $RC"

# 2. another host name on the same Postfix (implicit.test is served by the
#    dane-ee server, which would accept the ticket): never offered
check dane-ee.test implicit.test --repeat 2 -4
ok "implicit.test after dane-ee.test (same server): full handshake, chain matched" \
  'd["domain"]=="implicit.test" and all(a["dane"]=="match" and not a["resumed"] for a in A)' 2
ok "round 2: each host resumes only its own session" \
  "all(a['resumed'] for a in A) and $INV" 3
ok "round 2: implicit.test resumed its own session" \
  "d['domain']=='implicit.test' and all(a['resumed'] for a in A) and $INV" 4

# 3. a failed check never stores a session: TLSA mismatch, every round defers
check mismatch.test dane-ta-partial.test --repeat 2 -4
for n in 1 2 3 4; do
  ok "failed check (line $n): deferred, chain examined, nothing resumed" \
    "d['verdict']=='defer' and all(a['dane']=='no-match' and not a['resumed'] for a in A) and d['handshakes_saved']==0" $n
done

# 4. --no-resume: every round verifies the chain
check dane-ee.test --repeat 2 --no-resume -4
ok "--no-resume: round 2 matched the chain again" \
  'all(a["dane"]=="match" and not a["resumed"] for a in A) and d["handshakes_saved"]==0' 2

# 5. text output reports the handshakes saved
TXT=$(ip netns exec "$E2E_NS" timeout 120 "$DANEBOX" check dane-ee.test dane-ta.test --repeat 2 \
      --resolver "$RIG_RESOLVER" --anchor "$RIG_ANCHOR" --time "$RIG_TIME" --timeout 5000 2>&1)
if echo "$TXT" | grep -Eq '^TLS session cache: 4 handshakes saved' &&
   echo "$TXT" | grep -q 'DANE session resumed'; then
  pass "text output: 4 handshakes saved over 2 domains x 2 addresses"
else
  failc "text output: $(echo "$TXT" | tail -3)"
fi

echo "runtime: $((SECONDS - T0)) s"
finish
