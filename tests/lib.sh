# shellcheck shell=bash
# tests/lib.sh: what every shell suite shares (sourced, never run).
#   pass MSG                 print "PASS: MSG"
#   fail MSG [DETAIL]        print "FAIL: MSG (DETAIL)", count it
#   failc MSG...             fail with all words as the message
#   expect NAME LOG REGEX    pass when LOG has a line matching REGEX
#   expect_not NAME LOG RE   pass when it has none
#   jv JSON KEY              top-level value of a JSON object ("" if none)
#   jx JSON EXPR             python EXPR over d (first JSON line), H (hosts),
#                            A (addresses of all hosts) of a check line
#   qemu_args MACHINE ELF    fill the array QEMU_ARGS with the firmware's
#                            QEMU command line (serial on stdio, semihosting);
#                            the caller adds -nic/-icount/-append
#   e2e_rig_name NAME        choose the suite's e2e rig (tools/rig/e2e-rig.sh)
#                            after the caller exported its rig variables
#                            (SMTP_ACCEPT_MAIL, ...; see e2e_rig_variant):
#                            the caller's E2E_NS if set; else the shared rig
#                            tests/run.sh offers in DBX_E2E_SHARED when it was
#                            started with the same variables (E2E_SHARED=1);
#                            else netns NAME.  Exports E2E_NS and E2E_DIR.
#   e2e_rig_up [SECS [LOG]]  our own rig: e2e-rig.sh up (bounded, output to
#                            LOG if given); the shared one: check it is up and
#                            undo what a suite may leave (resolv.conf,
#                            mailboxes).  Then sources the rig env, sets NSX.
#   e2e_rig_down             tear our own rig down; never the shared one
#   e2e_rig_variant          the variables that shape the rig, one line
# A suite opts into sharing with a line "# e2e-rig: shared [VAR=VALUE...]"
# naming the rig variables it exports (tests/run.sh starts the shared rig
# with them when two or more selected suites ask for the same ones).
#   finish                   exit status: 0 when nothing failed
# The runner (tests/run.sh) counts the PASS:/FAIL: lines.
fails=0
QEMU=${QEMU:-qemu-system-arm}

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $1${2:+ ($2)}"; fails=$((fails + 1)); }
failc() { fail "$*"; }

expect() { # name log regex
  if grep -Eq -- "$3" "$2"; then pass "$1"; else fail "$1" "no /$3/"; fi
}
expect_not() { # name log regex
  if grep -Eq -- "$3" "$2"; then fail "$1" "$(grep -E -m1 -- "$3" "$2")"; else pass "$1"; fi
}

jv() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$1" "$2" 2>/dev/null; }
jx() { python3 -c 'import json,sys
d=json.loads(sys.argv[1].splitlines()[0]) if sys.argv[1].strip() else {}
H=d.get("hosts",[])
A=[a for h in H for a in h.get("addrs",[])]
print(eval(sys.argv[2]))' "$1" "$2" 2>&1; }

qemu_args() { # machine elf
  QEMU_ARGS=("$QEMU" -M "$1" -nographic -monitor none -serial stdio
             -semihosting-config enable=on,target=native -kernel "$2")
}

DBX_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
E2E_RIG_SH=$DBX_TOP/tools/rig/e2e-rig.sh
E2E_SHARED=0

e2e_rig_variant() {
  local v out=
  for v in SMTP_ACCEPT_MAIL SMTP_ACCEPT_EXTRA SMTP_EXTRA SMTP_TTL SMTP_RUN_DIR \
           TLSRPT_RIG MON_RIG MON_DANEBOX RIG_SIGN_TIME; do
    out+="$v=${!v:-} "
  done
  echo "$out"
}

e2e_rig_name() { # NAME
  local d=${DBX_E2E_SHARED:-} ns
  if [ -z "${E2E_NS:-}" ] && [ -n "$d" ] && [ -s "$d/env" ] &&
     [ "$(cat "$d/shared-variant" 2>/dev/null)" = "$(e2e_rig_variant)" ]; then
    ns=$(sed -n 's/^E2E_NS=//p' "$d/env")
    [ -n "$ns" ] && { E2E_NS=$ns; E2E_DIR=$d; E2E_SHARED=1; }
  fi
  export E2E_NS=${E2E_NS:-$1}
  export E2E_DIR=${E2E_DIR:-$DBX_TOP/build/e2e/$E2E_NS}
}

e2e_rig_up() { # [SECONDS [LOG]]
  if [ "$E2E_SHARED" = 1 ]; then
    "$E2E_RIG_SH" status >/dev/null 2>&1 || { echo "shared e2e rig $E2E_NS is not up" >&2; return 1; }
    printf 'nameserver 192.0.2.2\noptions trust-ad\n' >"/etc/netns/$E2E_NS/resolv.conf"
    local m
    for m in "${SMTP_RUN_DIR:-/var/tmp/danebox-smtp/$E2E_NS}"/*/mail/mailbox; do
      [ -f "$m" ] && : >"$m"
    done
    echo "joined the shared e2e rig $E2E_NS" >"${2:-/dev/stdout}"
  elif [ -n "${2:-}" ]; then
    timeout "${1:-150}" "$E2E_RIG_SH" up >"$2" 2>&1 || return 1
  else
    timeout "${1:-150}" "$E2E_RIG_SH" up || return 1
  fi
  . "$E2E_DIR/env"
  NSX=(ip netns exec "$E2E_NS")
}

e2e_rig_down() {
  [ "$E2E_SHARED" = 1 ] || timeout 60 "$E2E_RIG_SH" down >/dev/null 2>&1
  return 0
}

finish() { [ "$fails" = 0 ]; }
