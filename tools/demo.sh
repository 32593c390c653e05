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
# non-zero otherwise.  Needs root (netns); everything torn down on exit.
#   DEMO_NS  netns name (default dbxdemo<pid>)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export E2E_NS=${DEMO_NS:-dbxdemo$$}
export E2E_DIR=$top/build/e2e/$E2E_NS
elf=build/mps2-an386/danebox.elf
QEMU=${QEMU:-qemu-system-arm}
out=$(mktemp -d)
die() { echo "demo: $*" >&2; exit 1; }
cleanup() {
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
echo "== demo took $((SECONDS - t0)) s =="
exit $st
