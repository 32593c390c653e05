#!/usr/bin/env bash
# Data-driven DANE match suite: tests/dane/cases.txt against the make-built
# build/host/danebox, each case cross-checked with openssl s_client's DANE
# verifier (against a local openssl s_server on a Unix socket; no network).
# Prints "PASS: <case>" / "FAIL: <case>" and "PASS: xcheck <case>"; exits
# non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/lib.sh
D=build/host/danebox
W=build/dane
C=$W/cases
T=1767225600
fails=0; n=0; nx=0; nsrv=0

[ -x "$D" ] || { echo "FAIL: $D not built (run make)"; exit 1; }
command -v openssl >/dev/null || { echo "FAIL: openssl missing"; exit 1; }
tests/dane/mkcerts.sh || { echo "FAIL: tests/dane/mkcerts.sh"; exit 1; }
rm -rf "$C"; mkdir -p "$C"

declare -A TOK SRV
while read -r k v; do TOK[$k]=$v; done <"$W/tokens.txt"
srv_pids=()
cleanup() { for p in "${srv_pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

# start (once) an openssl s_server presenting build/dane/<chain>.pem; sets SOCK
server() {
  local chain=$1 leaf sock
  [ -n "${SRV[$chain]:-}" ] && { SOCK=${SRV[$chain]}; return; }
  case $chain in
    rsa-chain|rsa-chain2|ec-chain|ec-chain2|long-chain) leaf=${chain%%-*}-leaf ;;
    *) leaf=${chain%-chain} ;;
  esac
  # short name: OpenSSL 3.0 s_server fails on longer -unix paths
  nsrv=$((nsrv + 1)); sock=$C/s$nsrv.sock
  awk 'BEGIN{n=0} /BEGIN CERT/{n++} n>1' "$W/$chain.pem" >"$C/$chain.rest"
  local extra=(); [ -s "$C/$chain.rest" ] && extra=(-cert_chain "$C/$chain.rest")
  openssl s_server -quiet -unix "$sock" -cert "$W/$leaf.pem" -key "$W/$leaf.key" \
    "${extra[@]}" -www </dev/null >"$C/$chain.srv.log" 2>&1 &
  srv_pids+=($!)
  for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
  SRV[$chain]=$sock
  SOCK=$sock
}

# openssl's verdict: prints "match DEPTH" or "no-match -"
openssl_verdict() { # sock time name rrdata...
  local sock=$1 time=$2 name=$3; shift 3
  local args=() r out spki_only=1
  for r in "$@"; do args+=(-dane_tlsa_rrdata "$r"); [[ $r == "2 1 0 "* ]] || spki_only=0; done
  out=$(echo | timeout 5 openssl s_client -unix "$sock" -attime "$time" \
        -dane_tlsa_domain "$name" "${args[@]}" -dane_ee_no_namechecks \
        -verify_return_error -no-CAfile -no-CApath -no-CAstore 2>&1)
  if grep -q '^Verification: OK' <<<"$out"; then
    local d
    d=$(sed -n 's/.*matched .* at depth \([0-9]*\).*/\1/p' <<<"$out" | head -1)
    if [ -z "$d" ]; then
      # a TA from DNS that the server did not send: s_client prints no DANE
      # line; the top "depth=N" is the TA certificate ("2 0 0"), or the
      # certificate the TA key signs ("2 1 0": the key is one above it)
      d=$(sed -n 's/^depth=\([0-9]*\) .*/\1/p' <<<"$out" | sort -n | tail -1)
      [ "$spki_only" = 1 ] && d=$((d + 1))
    fi
    echo "match $d"
  else
    echo "no-match -"
  fi
}

run_case() { # name records chain names time expect depth xcheck
  local name=$1 recs=$2 chain=$3 names=$4 time=$5 expect=$6 depth=$7 xc=$8
  local f=$C/$name.tlsa rr=() r key val nargs=() out rc v d want_rc
  [ "$time" = T ] && time=$T
  : >"$f"
  IFS=',' read -ra parts <<<"$recs"
  for r in "${parts[@]}"; do
    r=$(trim "$r")
    while [[ $r =~ @([A-Za-z0-9._-]+) ]]; do
      key=${BASH_REMATCH[1]}; val=${TOK[$key]:-}
      [ -n "$val" ] || { fail "$name (unknown token @$key)"; return; }
      r=${r//@$key/$val}
    done
    echo "$r" >>"$f"
    # rrdata for openssl: fields after a zone-line prefix, hex joined
    local w=($r) i=0
    for ((i = 0; i < ${#w[@]}; i++)); do [ "${w[$i]^^}" = TLSA ] && { w=("${w[@]:$((i + 1))}"); break; }; done
    rr+=("${w[0]} ${w[1]} ${w[2]} $(IFS=; echo "${w[*]:3}")")
  done
  for r in $names; do nargs+=(--name "$r"); done
  out=$("$D" match --tlsa "$f" --chain "$W/$chain.pem" "${nargs[@]}" --time "$time" --json 2>&1)
  rc=$?
  v=$(sed -n 's/.*"verdict":"\([^"]*\)".*/\1/p' <<<"$out")
  d=$(sed -n 's/.*"depth":\(-\{0,1\}[0-9]*\).*/\1/p' <<<"$out")
  [ "$d" = -1 ] && d=-
  case $expect in match) want_rc=0;; no-match) want_rc=1;; no-usable-records) want_rc=3;; *) want_rc=9;; esac
  n=$((n + 1))
  if [ "$v" = "$expect" ] && [ "$d" = "$depth" ] && [ "$rc" = "$want_rc" ]; then
    pass "$name"
  else
    fail "$name: want $expect depth $depth rc $want_rc, got '$v' depth '$d' rc $rc: $out"
  fi
  case $xc in
    -) return ;;
    x) local want="$expect $depth" ;;
    D:*) local want="${xc#D:}"; [ "$want" = match ] && want="match *" || want="$want -" ;;
    *) fail "$name: bad xcheck column '$xc'"; return ;;
  esac
  local got
  server "$chain"
  got=$(openssl_verdict "$SOCK" "$time" "${names%% *}" "${rr[@]}")
  nx=$((nx + 1))
  # shellcheck disable=SC2053
  if [[ $got == $want ]]; then
    if [ "$xc" = x ]; then pass "xcheck $name (openssl: $got)"; else pass "xcheck $name [known difference $xc] (openssl: $got)"; fi
  else
    fail "xcheck $name: openssl says '$got', expected '$want'"
  fi
}

while IFS= read -r line; do
  line=$(trim "$line")
  [ -z "$line" ] && continue
  [ "${line:0:1}" = "#" ] && continue
  for A in rsa ec; do
    l=${line//\{A\}/$A}
    IFS='|' read -r c1 c2 c3 c4 c5 c6 c7 c8 <<<"$l"
    run_case "$(trim "$c1")" "$(trim "$c2")" "$(trim "$c3")" "$(trim "$c4")" "$(trim "$c5")" \
             "$(trim "$c6")" "$(trim "$c7")" "$(trim "$c8")"
    [[ $line == *'{A}'* ]] || break
  done
done <tests/dane/cases.txt

# ---- CLI contract: exit codes and clear errors ---------------------------------
cli() { # name want_rc args...
  local name=$1 want=$2 rc; shift 2
  "$D" match "$@" >"$C/$name.out" 2>&1; rc=$?
  if [ "$rc" = "$want" ]; then pass "cli $name"; else fail "cli $name: rc $rc want $want: $(head -3 "$C/$name.out")"; fi
}
echo "3 1 1 ${TOK[rsa-leaf.spki.sha256]}" >"$C/good.tlsa"
printf '; comment\n# comment\n\n3 1 1 zz\n' >"$C/badhex.tlsa"
echo "hello world" >"$C/garbage.tlsa"
echo "not a pem" >"$C/garbage.pem"
head -c 70000 /dev/zero | tr '\0' '0' >"$C/huge.tlsa"
cli no_args 2
cli no_name 2 --tlsa "$C/good.tlsa" --chain "$W/rsa-chain.pem"
cli unknown_opt 2 --tlsa "$C/good.tlsa" --chain "$W/rsa-chain.pem" --name mx.example --bogus
cli missing_file 2 --tlsa "$C/nonexistent" --chain "$W/rsa-chain.pem" --name mx.example
cli bad_hex 2 --tlsa "$C/badhex.tlsa" --chain "$W/rsa-chain.pem" --name mx.example
cli garbage_tlsa 2 --tlsa "$C/garbage.tlsa" --chain "$W/rsa-chain.pem" --name mx.example
cli garbage_pem 2 --tlsa "$C/good.tlsa" --chain "$C/garbage.pem" --name mx.example
cli huge_tlsa 2 --tlsa "$C/huge.tlsa" --chain "$W/rsa-chain.pem" --name mx.example
cli bad_time 2 --tlsa "$C/good.tlsa" --chain "$W/rsa-chain.pem" --name mx.example --time yesterday
cli text_ok 0 --tlsa "$C/good.tlsa" --chain "$W/rsa-chain.pem" --name mx.example --time $T
grep -q '^verdict: match' "$C/text_ok.out" && grep -q '^depth: 0' "$C/text_ok.out" \
  && pass "cli text_output" || fail "cli text_output: $(cat "$C/text_ok.out")"
"$D" match --tlsa "$C/good.tlsa" --chain "$W/rsa-chain.pem" --name mx.example --json \
  --time $T | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["verdict"]=="match"' \
  && pass "cli json_parses" || fail "cli json_parses"

echo "cases: $n, openssl cross-checks: $nx, failures: $fails"
[ "$fails" = 0 ]
