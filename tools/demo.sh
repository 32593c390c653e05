#!/usr/bin/env bash
# make demo: the README's main job.  Boots the mps2-an386 firmware in QEMU
# and shows its power-on self test.  (The end-to-end demo — the firmware
# verifying domains of the local signed rig — replaces this once the
# verifier runs on the target; see issue "Firmware on mps2-an386".)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
elf=build/mps2-an386/danebox.elf
[ -f "$elf" ] || { echo "demo: $elf missing (make BOARD=mps2-an386)" >&2; exit 1; }
echo "== danebox demo: firmware boot on QEMU mps2-an386 (Cortex-M4) =="
set +e
timeout --foreground 60 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial stdio \
  -semihosting-config enable=on,target=native -nic none -kernel "$elf"
rc=$?
set -e
echo "== firmware exit status: $rc =="
exit $rc
