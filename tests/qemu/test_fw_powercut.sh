#!/usr/bin/env bash
# Power cuts in the firmware relay (mode=relay on mps2-an386 in QEMU): the
# flash queue on a semihosting flash image, cut at >= 200 flash operations
# spread over a traffic run (two concurrent SMTP sessions, live and aborted
# messages, the queue compacting garbage while it runs); after each cut
# QEMU reboots on the same image and every acknowledged message must be
# listed with the body CRC that was sent (tests/qemu/fw_relay.py).
# The exhaustive cut at every op (clean + torn, plus double cuts) runs in
# the host unit test tests/unit/test_fqueue.c on the RAM backend.
# Network: QEMU user networking, restrict=on, host forward on 127.0.0.1.
# Runtime ~80 s on 2 cores (POWERCUT_POINTS, POWERCUT_JOBS override).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
elf=build/mps2-an386/danebox.elf
if [ ! -f "$elf" ]; then echo "FAIL: firmware built ($elf missing)"; exit 1; fi
exec timeout 600 python3 tests/qemu/fw_relay.py --points "${POWERCUT_POINTS:-220}" \
  --jobs "${POWERCUT_JOBS:-2}"
