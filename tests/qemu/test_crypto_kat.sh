#!/usr/bin/env bash
# The crypto HAL backends of the board-default firmware against the
# known-answer + edge-case table (tests/crypto/kat_vectors.bin, the cases of
# the host unit test test_crypto_kat), on the target: mode=bench reads the
# table over semihosting and runs every case on every linked backend
# (mbedTLS + the DBX_CRYPTO chain) and through the dispatcher.
# Negative control: a copy of the table with one verdict flipped (a valid
# signature marked "must not verify") must be reported as a failure.
# Prints PASS:/FAIL: lines; ~10 s.  Needs: make BOARD=mps2-an386.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
QEMU=${QEMU:-qemu-system-arm}
ELF=build/mps2-an386/danebox.elf
KAT=tests/crypto/kat_vectors.bin
fails=0
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+ ($2)}"; fails=$((fails + 1)); }

run() { # DIR LOG: boot mode=bench with DIR as QEMU's cwd (semihosting paths)
  (cd "$1" && timeout 120 "$QEMU" -M mps2-an386 -nographic -monitor none -serial stdio \
    -semihosting-config enable=on,target=native -nic none -kernel "$top/$ELF" \
    -append mode=bench </dev/null 2>/dev/null) | tr -d '\r' >"$2"
}

[ -f "$ELF" ] || { fail "firmware built" "$ELF missing"; exit 1; }
[ -f "$KAT" ] || { fail "table present" "$KAT missing"; exit 1; }
run "$top" "$out/kat.log"
ncase=$(sed -nE 's/^kat: ([0-9]+) cases, ([0-9]+) failures$/\1/p' "$out/kat.log")
nfail=$(sed -nE 's/^kat: ([0-9]+) cases, ([0-9]+) failures$/\2/p' "$out/kat.log")
if [ -n "$ncase" ] && [ "$ncase" -ge 50 ] && [ "$nfail" = 0 ]; then
  pass "every backend agrees with the table ($ncase cases, 0 failures)"
else
  fail "every backend agrees with the table" "$(grep '^kat:' "$out/kat.log" | head -5 | tr '\n' ';')"
fi
# the board default's chain is linked and was exercised on both operations
chain=$(grep -E '^kat: backend=' "$out/kat.log" | grep -v 'backend=mbedtls-sw\|backend=dispatcher')
if [ -n "$chain" ] && ! grep -q ' fail=[1-9]' <<<"$chain"; then
  pass "board-default backend(s) ran the table: $(sed -E 's/^kat: backend=([^ ]+) ecdsa=([0-9]+) rsa=([0-9]+).*/\1 (ecdsa \2, rsa \3)/' <<<"$chain" | tr '\n' ' ')"
else
  fail "board-default backend(s) ran the table" "no chain backend line"
fi
grep -q '^kat: backend=mbedtls-sw ecdsa=[1-9][0-9]* rsa=[1-9][0-9]* fail=0$' "$out/kat.log" \
  && pass "mbedTLS fallback agrees with the table" || fail "mbedTLS fallback agrees with the table"
grep -q '^bench: x25519 kat ok' "$out/kat.log" \
  && pass "X25519 RFC 7748 vectors through mbedTLS (the board's ECP hooks) and hal_x25519" \
  || fail "X25519 RFC 7748 vectors" "$(grep '^bench: x25519' "$out/kat.log" | head -1)"
grep -q '^exit: 0$' "$out/kat.log" && pass "mode=bench exit 0" || fail "mode=bench exit 0"

# negative control: flip the verdict byte of the first case (a valid
# signature, 'E' 1 ...) to 0; every backend must now report that case failed
mkdir -p "$out/neg/tests/crypto"
python3 - "$KAT" "$out/neg/$KAT" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
assert b[0:1] == b"E" and b[1] == 1, "first case is not a valid ECDSA signature"
b[1] = 0
open(sys.argv[2], "wb").write(b)
PY
run "$out/neg" "$out/neg.log"
if grep -q '^kat: FAIL backend=.* case #0 ' "$out/neg.log" && ! grep -q '^exit: 0$' "$out/neg.log"; then
  pass "negative control: a flipped verdict is reported ($(grep -c '^kat: FAIL backend=.* case #0 ' "$out/neg.log") backends), exit non-zero"
else
  fail "negative control: a flipped verdict is reported" "$(grep '^kat:' "$out/neg.log" | tail -2 | tr '\n' ';')"
fi
exit $((fails > 0))
