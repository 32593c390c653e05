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
#   mail_rig_up              the e2e rig with mail-accepting Postfix
#                            (tools/rig/e2e-rig.sh up; E2E_NS, E2E_DIR,
#                            DANEBOX, T0 set by the caller): checks danebox
#                            and swaks, sources the rig env, sets NSX;
#                            returns 1 after a FAIL line
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

mail_rig_up() {
  [ -x "$DANEBOX" ] || { failc "danebox binary missing ($DANEBOX): run make"; return 1; }
  command -v swaks >/dev/null || { failc "swaks missing (tools/packages.txt)"; return 1; }
  if ! SMTP_ACCEPT_MAIL=1 timeout 150 "$top/tools/rig/e2e-rig.sh" up; then failc "e2e rig up"; return 1; fi
  pass "e2e rig up with mail-accepting Postfix ($((SECONDS - T0)) s)"
  . "$E2E_DIR/env"
  NSX=(ip netns exec "$E2E_NS")
}

finish() { [ "$fails" = 0 ]; }
