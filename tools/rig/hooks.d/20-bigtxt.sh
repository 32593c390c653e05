#!/usr/bin/env bash
# Rig hook (see tools/rig/README.md): a large RRset for transport tests.
# big.ecdsa.test. TXT: 24 strings of 240 octets (~6 KB + RRSIG), so its
# answer exceeds a 1232-byte EDNS UDP answer (TC) and several TCP windows of
# the firmware's lwIP stack (tests/qemu/test_rig_net.sh, flow control).
set -eu
zonedir=$2
f=$zonedir/ecdsa.test.zone
[ -f "$f" ] || { echo "20-bigtxt: $f missing" >&2; exit 1; }
grep -q '^big\.ecdsa\.test\. ' "$f" && exit 0
for i in $(seq -w 1 24); do
  s=$(printf "%s" "$i" | awk '{ s = ""; while (length(s) < 240) s = s "danebox-bigtxt-" $1 "-"; print substr(s, 1, 240) }')
  printf 'big.ecdsa.test. 300 IN TXT "%s"\n' "$s"
done >>"$f"
