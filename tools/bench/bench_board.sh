# bench_board.sh -- sourced by tools/bench/bench.sh (uses its put, log, $PY,
# $OUT, $ELF, $MAP, $VMAP; bench_relay_deliver also $NS and the rig's
# $E2E_DIR): the firmware on the board, in QEMU mps2-an386.
#
#   qemu_fw              boot $ELF with a semihosting command line
#   bench_footprint      1. flash/RAM per component (tools/fwsize.py --json),
#                        boot heap/stack peaks (mode=selftest console)
#   bench_target         2. -icount shift=0, mode=bench, run twice
#   bench_relay          1b. relay flash queue figures (fw_relay.py --figures)
#   bench_relay_deliver  1b. delivery RAM peaks (fw_deliver.py on the rig)
# shellcheck shell=bash

# ---- 1. footprint -------------------------------------------------------------
qemu_fw() { # ARGS...  (semihosting command line) -> console on stdout
  timeout 120 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial stdio \
    -semihosting-config enable=on,target=native -icount shift=0 -nic none \
    -kernel "$ELF" -append "$*" </dev/null 2>/dev/null | tr -d '\r'
}

bench_footprint() {
  log "footprint"
  $PY tools/fwsize.py --map "$MAP" --json >"$OUT/fwsize.json" || put footprint_status "fwsize.py failed"
  rm -f "$OUT/fwsize-verifier.json"
  [ -f "$VMAP" ] && { $PY tools/fwsize.py --map "$VMAP" --objroot "$(dirname "$MAP")/obj" --json \
    >"$OUT/fwsize-verifier.json" || rm -f "$OUT/fwsize-verifier.json"; }
  qemu_fw mode=selftest >"$OUT/boot.log"
  local m
  m=$(grep '^memory:' "$OUT/boot.log")
  if [ -n "$m" ]; then
    put boot_heap_peak "$(sed -E 's/.*heap peak ([0-9]+) of ([0-9]+).*/\1/' <<<"$m")"
    put boot_stack_peak "$(sed -E 's/.*stack peak ([0-9]+) of ([0-9]+).*/\1/' <<<"$m")"
  else
    put boot_status "no memory line on the console (see build/bench/boot.log)"
  fi
}

# ---- 2. target instruction counts ---------------------------------------------
bench_target() {
  log "target (QEMU -icount shift=0, mode=bench, twice)"
  local r
  for r in 1 2; do qemu_fw mode=bench >"$OUT/target$r.log"; done
  if ! grep -q '^bench: op=' "$OUT/target1.log"; then
    put target_status "mode=bench printed no measurements (see build/bench/target1.log)"; return
  fi
  if diff <(grep '^bench: op=' "$OUT/target1.log") <(grep '^bench: op=' "$OUT/target2.log") >/dev/null; then
    put target_deterministic yes
  else
    put target_deterministic "NO: $(diff <(grep '^bench: op=' "$OUT/target1.log") <(grep '^bench: op=' "$OUT/target2.log") | grep -c '^<') lines differ"
  fi
  grep -q 'negative checks ok' "$OUT/target1.log" && put target_negative ok || put target_negative FAILED
  # bench: op=NAME rep=N ticks=T insns=I status=S
  sed -nE 's/^bench: op=([a-z0-9_]+) rep=([0-9]) ticks=([0-9]+) insns=([0-9]+) status=(\w+).*/\1 \2 \3 \4 \5/p' \
    "$OUT/target1.log" | while read -r op rep ticks insns st; do
      put "t_${op}_r${rep}_ticks" "$ticks"; put "t_${op}_r${rep}_insns" "$insns"; put "t_${op}_r${rep}_status" "$st"
    done
  put t_tick_insns "$(sed -nE 's/^bench: clock .* 1 tick = ([0-9]+) insns.*/\1/p' "$OUT/target1.log")"
  local m; m=$(grep '^memory:' "$OUT/target1.log")
  put bench_heap_peak "$(sed -E 's/.*heap peak ([0-9]+) of.*/\1/' <<<"$m")"
  put bench_stack_peak "$(sed -E 's/.*stack peak ([0-9]+) of.*/\1/' <<<"$m")"
}

# ---- relay on the board: flash queue figures (tests/qemu/fw_relay.py --figures) ----------
bench_relay() {
  log "relay queue"
  local k v
  while read -r _ k v; do put "$k" "$v"; done < <($PY tests/qemu/fw_relay.py --figures 2>"$OUT/relay.err" | grep '^figure: ')
  grep -q relay_full_scan_insns "$RES" || put relay_status "fw_relay.py --figures failed (see build/bench/relay.err)"
}

# ---- relay on the board: delivery RAM peaks (tests/qemu/fw_deliver.py on the rig) ---------
bench_relay_deliver() {
  log "relay delivery on the board"
  local k v mbox=${SMTP_RUN_DIR:-/var/tmp/danebox-smtp/$NS}/dane-ee/mail/mailbox
  while read -r _ k v; do put "$k" "$v"; done < <(ip netns exec "$NS" env E2E_DIR="$E2E_DIR" \
    timeout 200 $PY tests/qemu/fw_deliver.py --mailbox "$mbox" 2>"$OUT/deliver.err" |
    tee "$OUT/deliver.log" | grep '^figure: ')
  grep -q '^PASS: dane-ee.test delivered' "$OUT/deliver.log" ||
    put relay_deliver_status "fw_deliver.py: no delivery (see build/bench/deliver.log)"
  local elf=build/mps2-an386/danebox.elf
  put relay_static_ram "$(arm-none-eabi-size "$elf" | awk 'NR == 2 {print $2 + $3}')"
  put relay_stack_size "$(( 16#$(arm-none-eabi-nm "$elf" | awk '$3 == "__stack_size" {print $1}') ))"
}
