# bench_crypto.sh -- sourced by tools/bench/bench.sh (uses its put, log, $PY,
# $OUT, $RES, $ELF, $MAP and qemu_fw of bench_board.sh): the crypto backends
# section (hal/crypto/, DBX_CRYPTO): firmware variants built into
# build/bench-crypto/<tag>, mode=bench per backend in QEMU (instructions,
# stack, heap), flash per backend from the map, and a host callgrind of one
# verify per backend (build/host/crypto_bench).
# shellcheck shell=bash

# ---- 2b. crypto backends ------------------------------------------------------
# tag|DBX_CRYPTO|DBX_CFLAGS: firmware variants next to the board default
# (build/mps2-an386: its chain + mbedTLS with the board's ECP settings)
CRYPTO_VARIANTS=${BENCH_CRYPTO_VARIANTS:-"all|dbx-p256 p256m bearssl-m31 bearssl-m15 bearssl-i31 bearssl-i15|
c|mbedtls|-DDBX_MBEDTLS_ASM=0
cw4fp1|mbedtls|-DDBX_MBEDTLS_ASM=0 -DMBEDTLS_ECP_WINDOW_SIZE=4 -DMBEDTLS_ECP_FIXED_POINT_OPTIM=1
w4fp1|mbedtls|-DMBEDTLS_ECP_WINDOW_SIZE=4 -DMBEDTLS_ECP_FIXED_POINT_OPTIM=1"}
crypto_run() { # TAG ELF MAP
  local tag=$1 elf=$2 map=$3 log=$OUT/crypto-$1.log
  ELF=$elf qemu_fw mode=bench >"$log"
  # bench: backend=NAME op=OP rep=1 ticks=T insns=I stack=S heap=H status=ST
  sed -nE 's/^bench: backend=([a-z0-9-]+) op=([a-z0-9_]+) rep=1 ticks=[0-9]+ insns=([0-9]+) stack=([0-9]+) heap=([0-9]+) status=(\w+).*/\1 \2 \3 \4 \5 \6/p' \
    "$log" | while read -r be op insns stack heap st; do
      put "cb_${tag}_${be}_${op}_insns" "$insns"; put "cb_${tag}_${be}_${op}_stack" "$stack"
      put "cb_${tag}_${be}_${op}_heap" "$heap"; put "cb_${tag}_${be}_${op}_status" "$st"
    done
  put "cb_${tag}_kat" "$(grep -m1 -E '^kat: [0-9]+ cases' "$log" || echo 'no kat line')"
  $PY tools/fwsize.py --map "$map" --json >"$OUT/fwsize-$tag.json" 2>/dev/null &&
    $PY - "$OUT/fwsize-$tag.json" "$tag" >>"$RES" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); t = sys.argv[2]; c = d["components"]
print("cb_%s_flash_total\t%d" % (t, d["total"]["flash"]))
print("cb_%s_flash_mbedtls\t%d" % (t, c.get("mbedTLS", {}).get("flash", 0)))
print("cb_%s_flash_bearssl\t%d" % (t, c.get("BearSSL", {}).get("flash", 0)))
PY
  $PY tools/bench/crypto_flash.py --map "$map" >"$OUT/crypto-flash-$tag.json" 2>/dev/null &&
    $PY - "$OUT/crypto-flash-$tag.json" "$tag" >>"$RES" <<'PY'
import json, sys
for g, v in json.load(open(sys.argv[1])).items():
    print("cbf_%s_%s\t%d" % (sys.argv[2], g, v["flash"]))
    print("cbr_%s_%s\t%d" % (sys.argv[2], g, v["ram"]))
PY
}

bench_crypto() {
  log "crypto backends (firmware variants, QEMU -icount; host callgrind)"
  put cb_board_chain "$(sed -nE 's/^BOARD_CRYPTO *\?= *//p' board/common/mps2.mk)"
  crypto_run board "$ELF" "$MAP"
  local line tag cr fl b
  while IFS='|' read -r tag cr fl; do
    [ -n "$tag" ] || continue
    b=build/bench-crypto/$tag
    log "  variant $tag: DBX_CRYPTO='$cr' DBX_CFLAGS='$fl'"
    if make -j2 --no-print-directory BOARD=mps2-an386 B="$b" DBX_CRYPTO="$cr" DBX_CFLAGS="$fl" \
         firmware >"$OUT/crypto-build-$tag.log" 2>&1; then
      put "cb_${tag}_cflags" "$fl"
      crypto_run "$tag" "$top/$b/danebox.elf" "$top/$b/danebox.map"
    else
      put "cb_${tag}_status" "build failed (build/bench/crypto-build-$tag.log)"
    fi
  done <<<"$CRYPTO_VARIANTS"
  # host: one verify per backend, callgrind Ir of bench_op() alone
  local be op
  for be in mbedtls-sw dbx-p256 p256m bearssl-m31 bearssl-m15 bearssl-i31 bearssl-i15 bearssl-i62; do
    for op in ecdsa rsa; do
      valgrind --tool=callgrind --toggle-collect=bench_op --callgrind-out-file="$OUT/cbh-$be-$op.cg" \
        "$top/build/host/crypto_bench" "$be" "$op" >"$OUT/cbh-$be-$op.out" 2>/dev/null
      case $? in
        0) put "cbh_${be}_${op}" "$(awk '/^(summary|totals):/{print $2; exit}' "$OUT/cbh-$be-$op.cg")";;
        2) ;;  # no such slot in that backend
        *) put "cbh_${be}_${op}_status" "FAIL";;
      esac
    done
  done
}
