# shellcheck shell=bash
# tests/rig/relay_rig.sh: what the `danebox relay` rig suites share (sourced
# after tests/lib.sh; never run).  After mail_rig_up: NSX (the netns exec
# prefix), RIG_ANCHOR, RIG_TIME; the caller sets DANEBOX, T0 and RUNDIR (the
# rig Postfix run directory, /var/tmp/danebox-smtp/$E2E_NS).
#   mail_rig_up [SECONDS]       the e2e rig with mail-accepting Postfix
#                               (e2e_rig_up; SMTP_ACCEPT_MAIL=1 exported by
#                               the caller before e2e_rig_name): checks
#                               danebox and swaks; returns 1 after a FAIL line
#   relay_rig_conf FILE SPOOL [RESOLVER]
#                               the common configuration (127.0.0.1:2525,
#                               allow 127/8, the rig resolver (default
#                               192.0.2.2) and anchor, tls_policy dane, runs
#                               as nobody), then the caller's lines from stdin
#   relay_rig_start CONF LOG    start the relay in the netns (RELAY_PID;
#                               its log lines on stderr into LOG),
#                               wait (bounded) until it listens
#   relay_rig_wait              wait (bounded) until 127.0.0.1:2525 in the
#                               netns accepts; 1 if RELAY_PID died first
#   qid_of                      the queue id in swaks output on stdin
#   mbox NAME / in_mbox NAME RE the rig mailbox of server NAME ($RUNDIR)
#   wait_for SECONDS CMD...     poll CMD five times a second, bounded
mail_rig_up() { # [seconds]
  [ -x "$DANEBOX" ] || { failc "danebox binary missing ($DANEBOX): run make"; return 1; }
  command -v swaks >/dev/null || { failc "swaks missing (tools/packages.txt)"; return 1; }
  [ "${SMTP_ACCEPT_MAIL:-}" = 1 ] || { failc "mail_rig_up without SMTP_ACCEPT_MAIL=1"; return 1; }
  if ! e2e_rig_up "${1:-150}"; then failc "e2e rig up"; return 1; fi
  pass "e2e rig up with mail-accepting Postfix ($((SECONDS - T0)) s)"
}

relay_rig_conf() { # file spool [resolver]
  {
    cat <<EOF2
listen = 127.0.0.1:2525
allow = 127.0.0.0/8
hostname = relay.lan.test
spool = $2
user = nobody
resolver = ${3:-192.0.2.2}
anchor = $RIG_ANCHOR
dnssec_time = $RIG_TIME
tls_policy = dane
EOF2
    cat
  } >"$1"
  chmod 644 "$1"
}

relay_rig_wait() {
  for _ in $(seq 50); do
    "${NSX[@]}" bash -c 'exec 3<>/dev/tcp/127.0.0.1/2525' 2>/dev/null && return 0
    kill -0 "$RELAY_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

relay_rig_start() { # conf log
  "${NSX[@]}" "$DANEBOX" relay --log-stderr --config "$1" >>"$2" 2>&1 &
  RELAY_PID=$!
  relay_rig_wait
}

qid_of() { sed -n 's/.*250 2.0.0 Ok: queued as \([0-9A-F]*\).*/\1/p' | head -1; }
mbox() { cat "$RUNDIR/$1/mail/mailbox" 2>/dev/null; }
in_mbox() { mbox "$1" | grep -q -- "$2"; }
wait_for() { # seconds command...
  local s=$1; shift
  for _ in $(seq $((s * 5))); do "$@" && return 0; sleep 0.2; done
  return 1
}
