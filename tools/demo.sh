#!/usr/bin/env bash
# make demo: the README's main job.  Brings up the combined e2e rig (signed
# DNS hierarchy + Postfix STARTTLS servers, tools/rig/e2e-rig.sh) in its own
# netns, boots the mps2-an386 firmware in QEMU on the rig's link and has it
# verify five mail domains with `mode=check` (RFC 7672: MX, A, TLSA, DNSSEC
# validated on the target from the rig's root anchor, STARTTLS + DANE), then
# prints a summary table and the firmware's memory / instruction figures.
#
# Exit 0 when the firmware ran (exit 0) and every verdict is the expected one:
#   dane-ee.test   DANE-EE (3 x 1) server         -> dane-verified
#   dane-ta.test   DANE-TA (2 0 1) CA-issued      -> dane-verified
#   insec.test     unsigned domain, STARTTLS      -> opportunistic
#   expired.test   RRSIGs expired (bogus)         -> defer
#   mismatch.test  certificate not in TLSA        -> defer
# Then the board as a mail relay: the firmware boots again in mode=relay
# (SMTP listener + flash queue + delivery, tools/demo.sh part 2), swaks on
# the rig submits one message for a recipient at dane-ee.test and one at
# mismatch.test, the board delivers the first over a DANE-verified session
# to the rig's Postfix and defers the second (4.7.5); the demo prints the
# mailbox entry on the receiving side and the relay's log lines (UART).
# non-zero otherwise (also when the delivery did not happen).  Needs root
# (netns); everything torn down on exit.
#   DEMO_NS  netns name (default dbxdemo<pid>)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export E2E_NS=${DEMO_NS:-dbxdemo$$}
export E2E_DIR=$top/build/e2e/$E2E_NS
export SMTP_ACCEPT_MAIL=1 # part 2: the rig's Postfix takes mail for its domains
elf=build/mps2-an386/danebox.elf
QEMU=${QEMU:-qemu-system-arm}
out=$(mktemp -d)
die() { echo "demo: $*" >&2; exit 1; }
relay_pid=
cleanup() {
  [ -z "$relay_pid" ] || kill -- -"$relay_pid" 2>/dev/null # our QEMU's process group
  timeout 60 tools/rig/e2e-rig.sh down >/dev/null 2>&1
  rm -rf "$out" "$E2E_DIR"
}

[ -f "$elf" ] || die "$elf missing (make BOARD=mps2-an386)"
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
trap cleanup EXIT
trap 'exit 130' INT TERM

EXPECT=(dane-ee.test:dane-verified dane-ta.test:dane-verified insec.test:opportunistic
        expired.test:defer mismatch.test:defer)
doms=(); for c in "${EXPECT[@]}"; do doms+=("${c%%:*}"); done

echo "== danebox demo: firmware on QEMU mps2-an386 (Cortex-M4) verifying rig mail domains =="
t0=$SECONDS
echo "-- rig: signed DNS (NSD + unbound) and 6 Postfix servers in netns $E2E_NS ..."
timeout 150 tools/rig/e2e-rig.sh up >"$out/rig.log" 2>&1 || { tail -15 "$out/rig.log"; die "e2e rig failed"; }
. "$E2E_DIR/env"
ds=$(awk '$4 == "DS" {print $5 ":" $6 ":" $7 ":" $8; exit}' "$RIG_ANCHOR")
[ -n "$ds" ] || die "no DS in $RIG_ANCHOR"
echo "-- rig up in $((SECONDS - t0)) s; root DS $(cut -d: -f1-3 <<<"$ds"):…, signatures valid at $RIG_TIME"

cfg="mode=check ip=192.0.2.100/24 resolver=$RIG_RESOLVER anchor=rig anchor-ds=$ds time=$RIG_TIME"
cfg+=" timeout=10000 check=$(IFS=,; echo "${doms[*]}")"
echo "-- firmware config block: ${cfg/$ds/${ds:0:24}…}"
echo
t1=$SECONDS
RIG_NS=$E2E_NS tools/rig/qemu-net.sh -t dtap$$ -- timeout 90 "$QEMU" -M mps2-an386 -nographic \
  -monitor none -serial stdio -semihosting-config enable=on,target=native -icount shift=0 \
  -kernel "$elf" -append "$cfg" </dev/null 2>"$out/qemu.err" | tr -d '\r' >"$out/fw.log"
rc=${PIPESTATUS[0]}
# the console, without the JSON and check-stats lines (they feed the tables below)
grep -v -e '^{' -e '^check-stats: ' -e '^uptime: ' "$out/fw.log" | cut -c1-160 | sed 's/^/  | /'
[ -s "$out/qemu.err" ] && sed 's/^/  ! /' "$out/qemu.err" | grep -v 'has no peer'
echo
echo "-- firmware exit status $rc after $((SECONDS - t1)) s"
echo

python3 - "$out/fw.log" "$rc" "${EXPECT[@]}" <<'PY'
import json, re, sys
log, rc, expect = sys.argv[1], int(sys.argv[2]), [e.split(":") for e in sys.argv[3:]]
lines = open(log).read().splitlines()
res = [json.loads(l) for l in lines if l.startswith("{")]
stats = {}
for l in lines:
    m = re.match(r"check-stats: (\S+): (.*)", l)
    if m:
        stats.setdefault(m.group(1), []).append(dict(re.findall(r"(\S+)=(\S+)", m.group(2))))

def addr_of(d):
    for h in d.get("hosts", []):
        for a in h.get("addrs", []):
            if d["deciding_host"] < 0 or h is d["hosts"][d["deciding_host"]]:
                return a
    return None

rows, ok = [], rc == 0
for i, (dom, want) in enumerate(expect):
    d = res[i] if i < len(res) and res[i]["domain"] == dom else None
    if d is None:
        rows.append((dom, "(none)", want, "NO", "firmware printed no result", "-", "-"))
        ok = False
        continue
    a = addr_of(d)
    match = "-"
    if a and a.get("matched_tlsa"):
        match = "%s @%d" % (a["matched_tlsa"], a["depth"])
    elif a and a.get("dane") not in (None, "not-applied"):
        match = a["dane"]
    tls = (a or {}).get("tls_version") or ((a or {}).get("tls") or "-")
    reason = re.sub(r"^(dane-verified|opportunistic|encrypt-unauthenticated) via #\d+ ", "", d["reason"])
    reason = re.sub(r"^defer: ", "", reason)
    good = d["verdict"] == want
    ok &= good
    rows.append((dom, d["verdict"], want, "yes" if good else "NO", reason[:72], match, tls))
hdr = ("domain", "verdict", "expected", "ok", "reason", "match @depth", "TLS")
w = [max(len(str(r[k])) for r in rows + [hdr]) for k in range(len(hdr))]
fmt = "  ".join("%%-%ds" % x for x in w)
print(fmt % hdr)
print("  ".join("-" * x for x in w))
for r in rows:
    print(fmt % r)
print()
print("firmware figures per check (QEMU -icount shift=0: 1 instruction = 1 ns virtual time;")
print("instructions = busy work, the poll loop waiting for the network is not counted;")
print("heap = malloc peak, stack = painted peak):")
sh = ("domain", "DNS queries", "SMTP round trips", "heap peak B", "stack peak B", "mbedTLS peak B", "instructions")
srow = []
for dom, _ in expect:
    for s in stats.get(dom, []):
        srow.append((dom, s.get("dns-queries"), s.get("smtp-round-trips"), s.get("heap-peak"),
                     s.get("stack-peak"), s.get("mbedtls-peak"),
                     "%.1f M" % (int(s.get("insns", 0)) / 1e6)))
w = [max(len(str(r[k])) for r in srow + [sh]) for k in range(len(sh))]
fmt = "  ".join("%%-%ds" % w[0:1][0] if k == 0 else "%%%ds" % w[k] for k in range(len(sh)))
print(fmt % sh)
for r in srow:
    print(fmt % r)
for l in lines:
    if l.startswith("check: limits") or l.startswith("memory: "):
        print(l)
print()
if ok:
    print("demo: PASS - firmware exit 0, all %d verdicts as expected" % len(expect))
else:
    print("demo: FAIL - firmware exit %d or a verdict differs from the expected one" % rc)
sys.exit(0 if ok else 1)
PY
st=$?

# ---- part 2: the board relays mail ------------------------------------------------
echo
echo "== the board as a DANE mail relay: swaks -> firmware relay (QEMU) -> rig Postfix =="
t2=$SECONDS
rcfg="mode=relay ip=192.0.2.100/24 flash=$out/queue.img allow=192.0.2.0/24 resolver=$RIG_RESOLVER"
rcfg+=" anchor=rig anchor-ds=$ds time=$RIG_TIME timeout=10000"
RIG_NS=$E2E_NS setsid tools/rig/qemu-net.sh -t drly$$ -- timeout --foreground 90 "$QEMU" \
  -M mps2-an386 -nographic -monitor none -serial stdio -semihosting-config enable=on,target=native \
  -kernel "$elf" -append "$rcfg" </dev/null 2>"$out/relay.err" >"$out/relay.log" &
relay_pid=$! # setsid: its own process group
wait_for() { # regex seconds
  for _ in $(seq $(($2 * 10))); do grep -Eq -- "$1" "$out/relay.log" && return 0; sleep 0.1; done
  return 1
}
rst=0
if ! wait_for '^relay: listening' 30; then
  echo "demo: the firmware relay did not start"; rst=1
else
  tag="demo-$$-$RANDOM"
  echo "-- swaks: one message from sender@rig.test to rcpt@dane-ee.test and rcpt@mismatch.test"
  ip netns exec "$E2E_NS" swaks --server 192.0.2.100 --from sender@rig.test \
    --to rcpt@dane-ee.test,rcpt@mismatch.test --h-Subject "danebox board relay $tag" \
    --body "Delivered by the danebox firmware relay in QEMU ($tag)." 2>&1 |
    grep -E '^(<-|->) +(MAIL|RCPT|DATA|[0-9]{3} )' | cut -c1-110 | sed 's/^/  /'
  wait_for '^relay: [0-9A-F]+: to=<rcpt@dane-ee\.test>' 60
  wait_for '^relay: [0-9A-F]+: to=<rcpt@mismatch\.test>' 30
  mbox=${SMTP_RUN_DIR:-/var/tmp/danebox-smtp/$E2E_NS}/dane-ee/mail/mailbox
  for _ in $(seq 50); do grep -q "$tag" "$mbox" 2>/dev/null && break; sleep 0.2; done
  echo "-- the relay's log lines (firmware UART):"
  tr -d '\r' <"$out/relay.log" | grep -E '^(relay|deliver)' |
    grep -v -e '^relay: listening' -e '^relay: memory' | cut -c1-230 | sed 's/^/  | /'
  echo "-- mailbox entry at mx1.dane-ee.test ($mbox):"
  python3 - "$mbox" "$tag" <<'PY' | sed 's/^/  > /'
import re, sys
data = open(sys.argv[1], errors="replace").read() if __import__("os").path.exists(sys.argv[1]) else ""
for e in re.split(r"(?m)^(?=From \S+ )", data):
    if sys.argv[2] in e:
        print(e.rstrip("\n"))
        break
else:
    print("(no entry)")
PY
  if grep -Eq '^relay: [0-9A-F]+: to=<rcpt@dane-ee\.test>.*status=sent .*tls=dane-verified' "$out/relay.log" &&
     grep -q "$tag" "$mbox" 2>/dev/null &&
     grep -Eq '^relay: [0-9A-F]+: to=<rcpt@mismatch\.test>.*dsn=4\.7\.5, status=deferred' "$out/relay.log"; then
    echo "demo: PASS - dane-ee.test delivered by the board over DANE-verified TLS, mismatch.test deferred (stays queued)"
  else
    echo "demo: FAIL - the board did not deliver dane-ee.test DANE-verified (or did not defer mismatch.test)"
    rst=1
  fi
  grep -E '^deliver-mem: ' "$out/relay.log" | tail -1 | sed 's/^/  /'
fi
kill -- -"$relay_pid" 2>/dev/null
wait "$relay_pid" 2>/dev/null
relay_pid=
echo "-- relay part took $((SECONDS - t2)) s"
[ "$rst" = 0 ] || st=1
echo "== demo took $((SECONDS - t0)) s =="
exit $st
