#!/usr/bin/env bash
# mode=relay on mps2-an386 in QEMU.
#  (a) tests/qemu/fw_relay.py --functional: two SMTP sessions at once (a
#      third gets 421), two messages in DATA at the same time, SIZE limit
#      (552), queue full (452), allowlist (554 5.7.1), and every acknowledged
#      message intact after a reboot.  QEMU user networking, restrict=on,
#      host forward on 127.0.0.1.  ~3 s.
#  (b) delivery (tests/qemu/fw_deliver.py) on the e2e rig (signed DNS +
#      Postfix, its own netns, Postfix accepting mail for its domains): two
#      inbound sessions at once, one message for dane-ee.test delivered by the
#      board over a DANE-verified session and found byte-exact in the rig
#      Postfix's mailbox, one for mismatch.test deferred (4.7.5) and still
#      queued with its reason after a reboot; then a power cut at every flash
#      operation of a delivery run (state record, deletion; clean / torn),
#      reboot, finish: zero losses, duplicates counted (at-least-once).
#      ~55 s rig start + ~40 s.
#      Needs root (netns) and the rig's packages.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib.sh
elf=build/mps2-an386/danebox.elf
if [ ! -f "$elf" ]; then echo "FAIL: firmware built ($elf missing)"; exit 1; fi
timeout 300 python3 tests/qemu/fw_relay.py --functional || fails=$((fails + 1))

# e2e-rig: shared SMTP_ACCEPT_MAIL=1
export SMTP_ACCEPT_MAIL=1
e2e_rig_name "dbxfwr$$"
cleanup() { e2e_rig_down; [ "$E2E_SHARED" = 1 ] || rm -rf "$E2E_DIR"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
t0=$SECONDS
if ! e2e_rig_up 150 "$top/build/fw_relay_rig.log"; then
  fail "e2e rig up (delivery part)" "$(tail -3 "$top/build/fw_relay_rig.log" | tr '\n' '|')"
  exit 1
fi
echo "INFO: e2e rig up in $((SECONDS - t0)) s"
t1=$SECONDS
mbox=${SMTP_RUN_DIR:-/var/tmp/danebox-smtp/$E2E_NS}/dane-ee/mail/mailbox
ip netns exec "$E2E_NS" env E2E_DIR="$E2E_DIR" timeout 200 python3 tests/qemu/fw_deliver.py \
  --mailbox "$mbox" --cuts 12 || fails=$((fails + 1))
echo "INFO: delivery part $((SECONDS - t1)) s"
finish
