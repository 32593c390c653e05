#!/usr/bin/env bash
# mkzones.sh RIG_DIR -- build the rig's signed DNS hierarchy into RIG_DIR.
#
# Reads tools/rig/zones/zones.list (see its header) and the zone templates
# in tools/rig/zones/, generates fresh keys (ldns-keygen), runs the hooks in
# tools/rig/hooks.d/*.sh, signs deepest zones first (ldns-signzone) so each
# parent gets its children's DS, and post-processes the broken variants.
# Everything except key material (and ECDSA signature randomness) is a pure
# function of RIG_SIGN_TIME (default: now; becomes RIG_TIME in env).
#
# Output (RIG_DIR):
#   zones/<name>.zone     unsigned zone text (what hooks edit)
#   zones/<name>.signed   served zone text (<name> = zone without final dot,
#                         "root" for ".")
#   keys/                 K*.key / K*.private / K*.ds
#   anchor.txt            test root DS + KSK DNSKEY
#   root.hints            hints for ns1.test.
#   zones.conf            NSD zone: clauses
#   time                  RIG_TIME used for the signatures
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
RIG_DIR=${1:?usage: mkzones.sh RIG_DIR}
tmpl=$here/zones
W=$RIG_DIR/zones
K=$RIG_DIR/keys
rm -rf "$W" "$K"
mkdir -p "$W" "$K"

NOW=${RIG_SIGN_TIME:-$(date +%s)}
echo "$NOW" >"$RIG_DIR/time"
INC=$((NOW - 3600))            # good signatures: valid [now-1h, now+30d]
EXP=$((NOW + 30 * 86400))
TTL=300

tlsa_of() { printf 'danebox-rig:%s' "$1" | sha256sum | cut -c1-64; }
# run_all FUNC ARG...: FUNC ARG for each ARG as background jobs, RIG_JOBS
# (default: the CPU count) at a time; returns when all have ended
P=${RIG_JOBS:-$(nproc 2>/dev/null || echo 2)}
run_all() {
  local fn=$1 x run=0
  shift
  for x in "$@"; do
    if [ "$run" -ge "$P" ]; then wait -n || true; run=$((run - 1)); fi
    "$fn" "$x" &
    run=$((run + 1))
  done
  wait
}

# ---- read the manifest --------------------------------------------------
declare -A KEYS DENIAL DELEG VARIANT
ZONES=()
while read -r z k d g v _; do
  case $z in ''|\#*) continue ;; esac
  ZONES+=("$z"); KEYS[$z]=$k; DENIAL[$z]=$d; DELEG[$z]=$g; VARIANT[$z]=$v
done <"$tmpl/zones.list"
# file names, label counts and children, once (no subshell per lookup below)
declare -A FNAME DEPTH CHILDREN
for z in "${ZONES[@]}"; do
  if [ "$z" = . ]; then FNAME[$z]=root; DEPTH[$z]=0
  else FNAME[$z]=${z%.}; p=${z//[^.]/}; DEPTH[$z]=${#p}; fi
  p=${z#*.}; p=${p:-.}
  [ "$z" = . ] || CHILDREN[$p]+="$z "
done

# ---- 1. unsigned zone text ----------------------------------------------
for z in "${ZONES[@]}"; do
  f=${FNAME[$z]}
  t=$tmpl/$f.zone; [ -f "$t" ] || t=$tmpl/leaf.zone
  {
    echo "\$ORIGIN $z"
    echo "\$TTL $TTL"
    sed -e "s/@ZONE@/$z/g" -e "s/@TLSA@/$(tlsa_of "$z")/g" "$t"
    [ ! -f "$tmpl/$f.extra" ] || cat "$tmpl/$f.extra"
    # delegations to children (NS; DS added at signing time)
    for c in ${CHILDREN[$z]:-}; do
      case ${DELEG[$c]} in late|none) continue ;; esac
      echo "$c NS ns1.test."
    done
  } >"$W/$f.zone"
done

# ---- 2. hooks (may append records to $W/*.zone) ------------------------
for h in "$here"/hooks.d/*.sh; do
  [ -f "$h" ] || continue
  echo "mkzones: hook $(basename "$h")"
  bash "$h" "$RIG_DIR" "$W"
done

# ---- 3. keys --------------------------------------------------------------
# keys_<f>: signing key basenames; pub_<f>: published-only key basenames
declare -A SIGNK PUBK KSKS
gen() { # zone alg role [dir] -> basename (key files in dir, default K)
  local a=$2 flags=() bits=()
  [ "$3" = ksk ] || [ "$3" = csk ] && flags=(-k)
  case $a in 8|10) bits=(-b 2048) ;; esac
  (cd "${4:-$K}" && ldns-keygen -r /dev/urandom -a "$a" "${bits[@]}" "${flags[@]}" "$1")
}
# Every key is made at once, RIG_JOBS (default: the CPUs) at a time, RSA
# first (slowest), each in a folder of its own: two keys of one zone with the
# same tag would share a file name.  Then they are taken in manifest order.
JOBS=()   # "zone alg role", in manifest order
for z in "${ZONES[@]}"; do
  [ "${KEYS[$z]}" = - ] && continue
  IFS=, read -ra specs <<<"${KEYS[$z]}"
  for s in "${specs[@]}"; do
    a=${s%%:*}; r=${s#*:}; n=1
    case $r in *\**) n=${r#*\*}; r=${r%\**} ;; esac
    for ((i = 0; i < n; i++)); do JOBS+=("$z $a $r"); done
  done
done
keyjob() { # index: K/job.I/name = the key's basename
  local z a r d=$K/job.$1
  read -r z a r <<<"${JOBS[$1]}"
  mkdir -p "$d" && gen "$z" "$a" "$r" "$d" >"$d/name.t" && mv "$d/name.t" "$d/name"
}
launch=()
for i in "${!JOBS[@]}"; do case ${JOBS[$i]} in *" 8 "*|*" 10 "*) launch+=("$i") ;; esac; done
for i in "${!JOBS[@]}"; do case ${JOBS[$i]} in *" 8 "*|*" 10 "*) ;; *) launch+=("$i") ;; esac; done
run_all keyjob "${launch[@]}"
for i in "${!JOBS[@]}"; do
  read -r z a r <<<"${JOBS[$i]}"
  for _ in 1 2 3 4 5; do   # a tag already taken in this zone: a new key
    [ -s "$K/job.$i/name" ] || { echo "mkzones: ldns-keygen failed for $z (alg $a $r)" >&2; exit 1; }
    read -r b <"$K/job.$i/name"
    [ -e "$K/$b.key" ] || break
    rm -rf "$K/job.$i"; keyjob "$i"
  done
  [ ! -e "$K/$b.key" ] || { echo "mkzones: no key of a free tag for $z" >&2; exit 1; }
  mv "$K/job.$i/$b".* "$K/"; rm -rf "$K/job.$i"
  case $r in
    pub) PUBK[$z]+="$b " ;;
    ksk|csk) SIGNK[$z]+="$b "; KSKS[$z]+="$b " ;;
    *) SIGNK[$z]+="$b " ;;
  esac
done

# fake DNSKEY with the same key tag as key file $1: swap two 16-bit words of
# the public key (the tag is a ones-complement-style word sum) -> not a valid
# key, but indistinguishable by tag
collide() {
  python3 - "$1" <<'PY'
import base64, sys
for line in open(sys.argv[1]):
    if line.startswith(';') or 'DNSKEY' not in line: continue
    f = line.split(';')[0].split()
    i = f.index('DNSKEY')
    k = bytearray(base64.b64decode(''.join(f[i+4:])))
    j = 2
    while k[0:2] == k[j:j+2]: j += 2
    k[0:2], k[j:j+2] = k[j:j+2], k[0:2]
    print(' '.join(f[:i+4]) + ' ' + base64.b64encode(bytes(k)).decode())
PY
}

# ---- 4. sign, deepest first -----------------------------------------------
# sign_zone Z: the signed text (broken as its variant says) and the DS set
# for the parent, <name>.ds; <name>.ok when it all worked.  Runs as a
# background job: zones of one depth are signed at once (each needs only its
# children's DS), RIG_JOBS at a time.
sign_zone() {
  z=$1; f=${FNAME[$z]}; in=$W/$f.zone; out=$W/$f.signed
  v=${VARIANT[$z]}
  if [ "${KEYS[$z]}" = - ]; then
    grep -v '^[[:space:]]*;' "$in" | ldns-read-zone -z - >"$out" 2>/dev/null || cp "$in" "$out"
    touch "$W/$f.ok"; return 0
  fi
  inc=$INC exp=$EXP
  case $v in
    expired) inc=$((NOW - 30 * 86400)); exp=$((NOW - 86400)) ;;
    future)  inc=$((NOW + 10 * 86400)); exp=$((NOW + 40 * 86400)) ;;
    soon)    exp=$((NOW + 3 * 86400)) ;;
  esac
  src=$W/$f.presign; cp "$in" "$src"
  for b in ${PUBK[$z]:-}; do grep -v '^;' "$K/$b.key" >>"$src"; done
  opts=(-i "$inc" -e "$exp" -f "$out" -o "$z")
  signers=(${SIGNK[$z]})
  case $v in
    wrongkey)  # DNSKEY set = KSK + a decoy ZSK; data signed by an unpublished ZSK
      decoy=$(gen "$z" 13 zsk)
      for b in ${KSKS[$z]} "$decoy"; do grep -v '^;' "$K/$b.key" >>"$src"; done
      opts+=(-d) ;;
    collide)   # same-tag fakes of the KSK and of the first ZSK (the real keys
               # go in first: ldns-signzone only adds keys whose tag is absent)
      for b in "${signers[@]}"; do grep -v '^;' "$K/$b.key" >>"$src"; done
      for b in ${KSKS[$z]}; do collide "$K/$b.key" >>"$src"; done
      zsk1=$(for b in "${signers[@]}"; do case " ${KSKS[$z]}" in *" $b "*) ;; *) echo "$b"; break ;; esac; done)
      collide "$K/$zsk1.key" >>"$src" ;;
  esac
  case ${DENIAL[$z]} in
    nsec3:*)
      IFS=: read -r _ it salt oo <<<"${DENIAL[$z]}"
      opts+=(-n -t "$it"); [ "$salt" = - ] || opts+=(-s "$salt")
      [ "${oo:-}" = optout ] && opts+=(-p) ;;
  esac
  # DS of the children: appended before signing
  for c in ${CHILDREN[$z]:-}; do
    [ -f "$W/${FNAME[$c]}.ds" ] && cat "$W/${FNAME[$c]}.ds" >>"$src"
  done
  (cd "$K" && ldns-signzone "${opts[@]}" "$src" "${signers[@]}") 2> >(grep -v -e 'iterations larger' -e 'nsec3-guidance' >&2 || true)
  if [ "$v" = stale ]; then # older copy: serial - 1, first TLSA record only
    awk 'BEGIN{OFS="\t"} $2=="SOA" && $1=="@" {$5=$5-1} / TLSA / || /\tTLSA\t/ {if (t++) next} {print}' \
      "$src" >"$W/$f.stale.presign"
    (cd "$K" && ldns-signzone -i "$inc" -e "$exp" -f "$W/$f.stale.signed" -o "$z" \
      "$W/$f.stale.presign" "${signers[@]}")
  fi
  # post-processing of broken variants (signed text: owner ttl class type rdata)
  mx="mx.$z"
  case $v in
    nosig)    awk -v o="$mx" '!($1==o && $4=="RRSIG" && $5=="A")' "$out" >"$out.t" ;;
    tlsanosig) awk -v o="_25._tcp.$mx" '!($1==o && $4=="RRSIG" && $5=="TLSA")' "$out" >"$out.t" ;;
    badsig)   awk -v o="$mx" 'BEGIN{OFS="\t"} $1==o && $4=="RRSIG" && $5=="A" {
                s=$NF; c=substr(s,20,1); r=(c=="A")?"B":"A"; $NF=substr(s,1,19) r substr(s,21)} {print}' "$out" >"$out.t" ;;
    nokey)    awk '!($4=="DNSKEY" || ($4=="RRSIG" && $5=="DNSKEY"))' "$out" >"$out.t" ;;
    keynosig) awk '!($4=="RRSIG" && $5=="DNSKEY")' "$out" >"$out.t" ;;
    noent)    IFS=: read -r _ it salt _ <<<"${DENIAL[$z]}"
              hopt=(-t "$it"); [ "$salt" = - ] || hopt+=(-s "$salt")
              h=$(ldns-nsec3-hash "${hopt[@]}" "_tcp.$mx" | tr -d .)
              awk -v o="$h.$z" '$1!=o' "$out" >"$out.t" ;;
    *)        cp "$out" "$out.t" ;;
  esac
  # opt-out holes: unsigned delegations added after signing
  for c in ${CHILDREN[$z]:-}; do
    [ "${DELEG[$c]}" = late ] || continue
    printf '%s\t%s\tIN\tNS\tns1.test.\n' "$c" "$TTL" >>"$out.t"
  done
  mv "$out.t" "$out"
  # DS for the parent
  ds=$W/$f.ds; : >"$ds"
  case ${DELEG[$z]} in nods|late|none) touch "$W/$f.ok"; return 0 ;; esac
  for b in ${KSKS[$z]}; do ldns-key2ds -n -2 "$K/$b.key"; echo; done | grep DS |
  awk -v how="${DELEG[$z]}" 'BEGIN{OFS="\t"} {
      if (how=="dsbad")  { d=$NF; c=substr(d,length(d)); $NF=substr(d,1,length(d)-1) (c=="0"?"1":"0") }
      if (how=="alg253") { $6=253 }
      if (how=="dig200") { $7=200 }
      print }' >"$ds"
  touch "$W/$f.ok"
}
depth=0
for z in "${ZONES[@]}"; do [ "${DEPTH[$z]}" -le "$depth" ] || depth=${DEPTH[$z]}; done
for ((d = depth; d >= 0; d--)); do
  level=()
  for z in "${ZONES[@]}"; do [ "${DEPTH[$z]}" != "$d" ] || level+=("$z"); done
  for z in "${level[@]}"; do rm -f "$W/${FNAME[$z]}.ok"; done
  run_all sign_zone "${level[@]}"
  for z in "${level[@]}"; do
    [ -f "$W/${FNAME[$z]}.ok" ] || { echo "mkzones: signing $z failed" >&2; exit 1; }
    rm -f "$W/${FNAME[$z]}.ok"
  done
done

# ---- 5. anchor, hints, NSD zone list ---------------------------------------
{
  cat "$W/root.ds"
  for b in ${KSKS[.]}; do grep -v '^;' "$K/$b.key"; done
} | sed 's/[[:space:]]*;.*//' | awk 'BEGIN{OFS="\t"} NF { if ($2=="IN") $2="3600\tIN"; print }' >"$RIG_DIR/anchor.txt"
cat >"$RIG_DIR/root.hints" <<EOF
.          3600000 IN NS   ns1.test.
ns1.test.  3600000 IN A    192.0.2.53
ns1.test.  3600000 IN AAAA 2001:db8::53
EOF
for z in "${ZONES[@]}"; do
  printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "$z" "$W/${FNAME[$z]}.signed"
done >"$RIG_DIR/zones.conf"
echo "mkzones: ${#ZONES[@]} zones signed at RIG_TIME=$NOW"
