# bench_fault.sh -- sourced by tools/bench/bench.sh: the "Fault matrix"
# figures for BENCHMARKS.md section 7 (tools/bench/report_fault.py).
#
#   bench_fault   tests/rig/test_crash_matrix.sh (its own e2e rig netns): crash
#                 points tried, messages acknowledged, lost, duplicates (per
#                 point), storage faults survived, damaged files quarantined;
#                 tests/qemu/test_fw_powercut.sh: the board's power cuts.
# Keys: fm_* (crash matrix), pc_* (power cut); a run that fails records
# fm_status / pc_status and the report says "not measured".
# shellcheck shell=bash

bench_fault() {
  log "fault matrix: crash points and storage faults (tests/rig/test_crash_matrix.sh)"
  local figs=$OUT/fault_matrix.txt k v t0
  rm -f "$figs"
  t0=$(date +%s)
  FAULT_FIGURES=$figs timeout 1200 bash tests/rig/test_crash_matrix.sh >"$OUT/fault_matrix.log" 2>&1
  put fm_rc "$?"
  put fm_wall_s $(( $(date +%s) - t0 ))
  put fm_pass "$(grep -c '^PASS: ' "$OUT/fault_matrix.log")"
  put fm_fail "$(grep -c '^FAIL: ' "$OUT/fault_matrix.log")"
  if [ -s "$figs" ]; then
    while IFS='=' read -r k v; do put "fm_$k" "$v"; done <"$figs"
  else
    put fm_status "test_crash_matrix.sh wrote no figures (see build/bench/fault_matrix.log)"
  fi
  log "fault matrix: board power cuts (tests/qemu/test_fw_powercut.sh)"
  t0=$(date +%s)
  bash tests/qemu/test_fw_powercut.sh >"$OUT/powercut.log" 2>&1
  put pc_rc "$?"
  put pc_wall_s $(( $(date +%s) - t0 ))
  local line
  # "PASS: 220 cut points (1..415 flash ops, ...), 220 stopped the machine,
  #  0 with an acked message lost or a foreign one accepted; duplicates: ..."
  line=$(grep -m1 ' cut points (' "$OUT/powercut.log")
  if [ -n "$line" ]; then
    put pc_line "${line#*: }"
    put pc_points "$(sed -nE 's/^[A-Z]+: ([0-9]+) cut points.*/\1/p' <<<"$line")"
    put pc_stopped "$(sed -nE 's/.*, ([0-9]+) stopped the machine.*/\1/p' <<<"$line")"
    put pc_lost "$(sed -nE 's/.*, ([0-9]+) with an acked message lost.*/\1/p' <<<"$line")"
    put pc_acked "$(sed -nE 's/^PASS: traffic without a cut: ([0-9]+) messages acked.*/\1/p' "$OUT/powercut.log")"
    put pc_phases "$(sed -nE 's/^ *cut points by phase: //p' "$OUT/powercut.log")"
  else
    put pc_status "test_fw_powercut.sh printed no cut summary (see build/bench/powercut.log)"
  fi
}
