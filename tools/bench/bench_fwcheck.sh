# bench_fwcheck.sh -- sourced by tools/bench/bench.sh (uses its put, log, $OUT,
# $NS, $ELF, qemu_fw of bench_board.sh and the rig's $RIG_* after rig_up):
# firmware mode=check in QEMU on the rig link, cold and warm check in one
# boot, and the warm one again with TLS session resumption off.
# shellcheck shell=bash

# ---- firmware mode=check (another branch adds it): detect, then measure -----------------
# BENCH_FWCHECK_ELF: measure another firmware build's mode=check (e.g. a branch
# not merged yet); default: this tree's build, the one of sections 1 and 2
FW_TAP=dbxbtap0
FWC_ELF=${BENCH_FWCHECK_ELF:-$ELF}
fwchk_stats() { # LOG TAG1 TAG2: the first two check-stats: lines -> fwchk_TAG_*
  local log=$1 i=0 line k tag
  while IFS= read -r line; do
    i=$((i + 1)); [ $i = 1 ] && tag=$2 || tag=$3
    [ $i -le 2 ] || break
    # check-stats: DOMAIN: verdict=V dns-queries=N smtp-round-trips=N smtp-sessions=N
    #   handshakes-saved=N heap-peak=.. stack-peak=.. mbedtls-peak=.. insns=.. ms=..
    for k in insns insns-wait polls-wait cycles-wait cycles-idle cycles-total heap-peak stack-peak mbedtls-peak cycles-busy dns-queries smtp-round-trips smtp-sessions handshakes-saved; do
      put "fwchk_${tag}_${k//-/_}" "$(sed -nE "s/.*[ :]$k=([0-9]+).*/\1/p" <<<"$line")"
    done
    put "fwchk_${tag}_verdict" "$(sed -nE 's/.* verdict=([a-z-]+).*/\1/p' <<<"$line")"
    put "fwchk_${tag}_line" "$line"
  done < <(grep '^check-stats:' "$log")
}

bench_fwcheck() {
  log "firmware mode=check ($FWC_ELF)"
  [ "$FWC_ELF" = "$ELF" ] || put fwchk_elf "$FWC_ELF"
  # detection without running anything: the config parser reads words in
  # order, so "mode=check zz=1" fails at "unknown mode" on a firmware without
  # the mode and at "unknown key 'zz'" on one with it (refused before any
  # network or check code runs)
  ELF=$FWC_ELF qemu_fw mode=check zz=1 >"$OUT/fwcheck-detect.log"
  if ! grep -q "unknown key 'zz'" "$OUT/fwcheck-detect.log"; then
    put fwchk_status "not yet measured: this firmware has no mode=check (config parser: '$(grep -m1 '^config:' "$OUT/fwcheck-detect.log")')"
    return
  fi
  local ds log=$OUT/fwcheck.log
  ds=$(awk '$4 == "DS" {print $5 ":" $6 ":" $7 ":" $8; exit}' "$RIG_ANCHOR")
  # one boot, the same domain twice: 1st check cold, 2nd warm (key cache);
  # IPv4 only (no ip6=), like the host rows (-4); unbound warm
  RIG_NS=$NS tools/rig/qemu-net.sh -t "$FW_TAP" -- timeout 300 qemu-system-arm -M mps2-an386 \
    -nographic -monitor none -serial stdio -semihosting-config enable=on,target=native \
    -icount shift=0 -kernel "$FWC_ELF" -append "mode=check ip=192.0.2.100/24 resolver=$RIG_RESOLVER anchor=rig anchor-ds=$ds time=$RIG_TIME timeout=10000 check=dane-ee.test,dane-ee.test" \
    </dev/null 2>"$log.err" | tr -d '\r' >"$log"
  put fwchk_rc "${PIPESTATUS[0]}"
  if ! grep -q '^check-stats:' "$log"; then
    put fwchk_status "not yet measured: the firmware accepts mode=check but printed no check-stats: line (build/bench/fwcheck.log)"
    return
  fi
  fwchk_stats "$log" cold warm
  # the same boot with TLS session resumption off (resume=off): what the
  # warm check costs with the answer/key caches alone
  RIG_NS=$NS tools/rig/qemu-net.sh -t "$FW_TAP" -- timeout 300 qemu-system-arm -M mps2-an386 \
    -nographic -monitor none -serial stdio -semihosting-config enable=on,target=native \
    -icount shift=0 -kernel "$FWC_ELF" -append "mode=check ip=192.0.2.100/24 resolver=$RIG_RESOLVER anchor=rig anchor-ds=$ds time=$RIG_TIME timeout=10000 check=dane-ee.test,dane-ee.test resume=off" \
    </dev/null 2>"$log-noresume.err" | tr -d '\r' >"$log-noresume"
  fwchk_stats "$log-noresume" coldnr warmnr
  local m; m=$(grep '^memory:' "$log" | tail -1)
  [ -n "$m" ] && put fwchk_memory "$m"
}
