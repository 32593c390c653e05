#!/usr/bin/env bash
# mode=relay on mps2-an386 in QEMU (tests/qemu/fw_relay.py --functional): two
# SMTP sessions at once (a third gets 421), two messages in DATA at the same
# time, SIZE limit (552), queue full (452), allowlist (554 5.7.1), and every
# acknowledged message intact after a reboot.  QEMU user networking,
# restrict=on, host forward on 127.0.0.1.  Runtime ~2 s.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
elf=build/mps2-an386/danebox.elf
if [ ! -f "$elf" ]; then echo "FAIL: firmware built ($elf missing)"; exit 1; fi
exec timeout 300 python3 tests/qemu/fw_relay.py --functional
