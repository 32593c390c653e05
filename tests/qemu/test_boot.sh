#!/usr/bin/env bash
# QEMU boot + network smoke test for the Cortex-M firmware images.
# Prints "PASS: name" / "FAIL: name" lines (tests/run.sh counts them) and
# exits non-zero on any failure.  Needs: make BOARD=mps2-an386 (and -an385).
#
# Network: QEMU user-mode networking with restrict=on; the firmware only
# talks to QEMU's internal gateway 10.0.2.2 (ARP + ICMP echo).  The negative
# control pings 10.0.2.77, an address inside QEMU's virtual LAN that nobody
# answers, so the test provably can fail.  Nothing leaves the QEMU process.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
TMO=${QEMU_TIMEOUT:-60}
. tests/lib.sh
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT

# run <log> <machine> <elf> <net args...> -- <cmdline>
run() {
  local log=$1 machine=$2 elf=$3; shift 3
  local net=() append=
  while [ $# -gt 0 ] && [ "$1" != -- ]; do net+=("$1"); shift; done
  [ "${1:-}" = -- ] && { shift; append=$*; }
  qemu_args "$machine" "$elf"
  timeout "$TMO" "${QEMU_ARGS[@]}" "${net[@]}" \
    ${append:+-append "$append"} </dev/null 2>"$log.err" | tr -d '\r' >"$log"
  return "${PIPESTATUS[0]}"
}


for b in mps2-an386 mps2-an385; do
  elf=build/$b/danebox.elf
  if [ ! -f "$elf" ]; then fail "$b: image built" "$elf missing"; continue; fi
  pass "$b: image built"
  log=$out/$b.boot
  run "$log" "$b" "$elf" -nic none; rc=$?
  sed 's/^/  | /' "$log"
  expect "$b: banner" "$log" "^danebox .* firmware on $b "
  expect "$b: sha256 KAT" "$log" "^selftest: sha256 ok,"
  expect "$b: root anchor 20326:ok 38696:ok" "$log" "root anchor .*20326:ok 38696:ok"
  expect "$b: selftest ok" "$log" "^selftest: ok$"
  expect "$b: ldns on target (key tags, dname, RRSIG time text)" "$log" "^ldns: keytags ok, dname ok, text ok$"
  expect "$b: entropy from host (emulation-only)" "$log" "^entropy: ok "
  expect "$b: host wall clock via semihosting" "$log" "^clock: unix ok"
  expect "$b: heap/stack high-water marks" "$log" "^memory: heap peak [0-9]+ of [0-9]+ bytes, stack peak [0-9]+ of [0-9]+ bytes"
  if [ $rc = 0 ]; then pass "$b: exit code 0"; else fail "$b: exit code 0" "got $rc"; fi
done

# Config block: strict parsing, a clear error and exit status 5
b=mps2-an386; elf=build/$b/danebox.elf
if [ -f "$elf" ]; then
  log=$out/badcfg
  run "$log" "$b" "$elf" -nic none -- mode=dnsprobe ip=192.0.2.100/24 resolver=192.0.2.2 colour=blue; rc=$?
  sed 's/^/  | /' "$log"
  expect "$b: unknown config key rejected" "$log" "^config: unknown key 'colour'$"
  if [ $rc = 5 ]; then pass "$b: bad config -> exit status 5"; else fail "$b: bad config -> exit status 5" "got $rc"; fi
  log=$out/badcfg2
  run "$log" "$b" "$elf" -nic none -- mode=dnsprobe ip=192.0.2.100 resolver=192.0.2.2; rc=$?
  expect "$b: malformed ip= rejected" "$log" "^config: ip=192\.0\.2\.100: want A\.B\.C\.D/PREFIX or dhcp$"
  if [ $rc = 5 ]; then pass "$b: malformed config -> exit status 5"; else fail "$b: malformed config -> exit status 5" "got $rc"; fi
fi

# Without semihosting (as on a board with no debugger) entropy and wall time
# must fail cleanly (no hang, no fake values); exit cannot reach the host, so
# the run ends by timeout after the "exit:" line.
b=mps2-an386; elf=build/$b/danebox.elf
if [ -f "$elf" ]; then
  log=$out/nosemi
  timeout 10 "$QEMU" -M $b -nographic -monitor none -serial stdio -nic none -kernel "$elf" \
    </dev/null 2>/dev/null | tr -d '\r' >"$log"
  sed 's/^/  | /' "$log"
  expect "$b: no semihosting -> DBX_ERR_NOENTROPY" "$log" "^entropy: no entropy source"
  expect "$b: no semihosting -> DBX_ERR_NOTIME" "$log" "^clock: unix wall time unknown"
  expect "$b: no semihosting -> exit status 4" "$log" "^exit: 4$"
fi

# Deterministic execution: -icount shift=0 makes virtual time a function of
# the instruction count, which the firmware reports (uptime ms + SysTick
# cycles).  Two runs must print the same figure.
b=mps2-an386; elf=build/$b/danebox.elf
if [ -f "$elf" ]; then
  for i in 1 2; do
    run "$out/icount$i" "$b" "$elf" -nic none -icount shift=0
  done
  u1=$(grep '^uptime:' "$out/icount1"); u2=$(grep '^uptime:' "$out/icount2")
  echo "  icount run 1: $u1"; echo "  icount run 2: $u2"
  if [ -n "$u1" ] && [ "$u1" = "$u2" ]; then pass "$b: -icount shift=0 reproducible"
  else fail "$b: -icount shift=0 reproducible" "'$u1' vs '$u2'"; fi

  # mode=bench (tools/bench/bench.sh): crypto HAL timings with fixed vectors,
  # every result as expected, corrupted signatures rejected, counts repeatable
  for i in 1 2; do
    run "$out/bench$i" "$b" "$elf" -nic none -icount shift=0 -- mode=bench
  done
  expect "$b: mode=bench RSA-2048 verify ok" "$out/bench1" "^bench: op=rsa2048_verify rep=1 ticks=[0-9]+ insns=[0-9]+ status=ok"
  expect "$b: mode=bench ECDSA P-256 verify ok" "$out/bench1" "^bench: op=ecdsa_p256_verify rep=1 ticks=[0-9]+ insns=[0-9]+ status=ok"
  expect "$b: mode=bench SHA-256 1 KiB ok" "$out/bench1" "^bench: op=sha256_1k rep=1 ticks=[0-9]+ insns=[0-9]+ status=ok"
  expect "$b: mode=bench rejects corrupted signatures" "$out/bench1" "^bench: negative checks ok"
  if ! grep -q 'status=FAIL' "$out/bench1" && grep -q '^exit: 0$' "$out/bench1"; then
    pass "$b: mode=bench exit 0, no failed operation"
  else fail "$b: mode=bench exit 0, no failed operation"; fi
  if [ -n "$(grep '^bench: op=' "$out/bench1")" ] &&
     [ "$(grep '^bench: op=' "$out/bench1")" = "$(grep '^bench: op=' "$out/bench2")" ]; then
    pass "$b: mode=bench counts reproducible under -icount"
  else fail "$b: mode=bench counts reproducible under -icount"; fi

  # network smoke test: ARP + ICMP echo to QEMU's gateway
  log=$out/net
  run "$log" "$b" "$elf" -nic user,model=lan9118,restrict=on -- mode=ping ip=10.0.2.15/24 gw=10.0.2.2; rc=$?
  sed 's/^/  | /' "$log"
  expect "$b: lan9118 probed, link up" "$log" "^net: lan9118 at 0x40200000, mac 52:54:00:12:34:56, link up"
  expect "$b: ICMP echo reply from 10.0.2.2" "$log" "^net: echo reply from 10\.0\.2\.2 seq=3"
  expect "$b: ARP resolved gateway" "$log" "^net: arp 10\.0\.2\.2 is at 52:55:0a:00:02:02"
  if [ $rc = 0 ]; then pass "$b: net exit code 0"; else fail "$b: net exit code 0" "got $rc"; fi

  # negative control: nobody answers 10.0.2.77 -> firmware must report failure
  log=$out/net-neg
  run "$log" "$b" "$elf" -nic user,model=lan9118,restrict=on -- mode=ping ip=10.0.2.15/24 gw=10.0.2.2 ping=10.0.2.77; rc=$?
  expect "$b: unanswered ping detected" "$log" "^net: ping 10\.0\.2\.77 timeout"
  if [ $rc = 2 ]; then pass "$b: failure propagates as exit code 2"
  else fail "$b: failure propagates as exit code 2" "got $rc"; fi
fi

[ $fails = 0 ]
