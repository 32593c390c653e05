# shellcheck shell=bash
# tests/rig/relay_rig.sh: what the `danebox relay` rig suites with their own
# relay share (sourced after the e2e rig's env; never run).  Needs NSX (the
# netns exec prefix), DANEBOX, RIG_ANCHOR and RIG_TIME.
#   relay_rig_conf FILE SPOOL   the common configuration (127.0.0.1:2525,
#                               allow 127/8, the rig resolver and anchor,
#                               tls_policy dane, runs as nobody), then the
#                               caller's lines from stdin
#   relay_rig_start CONF LOG    start the relay in the netns (RELAY_PID;
#                               its log lines on stderr into LOG),
#                               wait (bounded) until it listens
#   mbox NAME / in_mbox NAME RE the rig mailbox of server NAME ($RUNDIR)
#   wait_for SECONDS CMD...     poll CMD five times a second, bounded
relay_rig_conf() { # file spool
  {
    cat <<EOF2
listen = 127.0.0.1:2525
allow = 127.0.0.0/8
hostname = relay.lan.test
spool = $2
user = nobody
resolver = 192.0.2.2
anchor = $RIG_ANCHOR
dnssec_time = $RIG_TIME
tls_policy = dane
EOF2
    cat
  } >"$1"
  chmod 644 "$1"
}

relay_rig_start() { # conf log
  "${NSX[@]}" "$DANEBOX" relay --log-stderr --config "$1" >>"$2" 2>&1 &
  RELAY_PID=$!
  for _ in $(seq 50); do
    "${NSX[@]}" bash -c 'exec 3<>/dev/tcp/127.0.0.1/2525' 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

mbox() { cat "$RUNDIR/$1/mail/mailbox" 2>/dev/null; }
in_mbox() { mbox "$1" | grep -q -- "$2"; }
wait_for() { # seconds command...
  local s=$1; shift
  for _ in $(seq $((s * 5))); do "$@" && return 0; sleep 0.2; done
  return 1
}
