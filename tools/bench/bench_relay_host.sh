# bench_relay_host.sh -- sourced by tools/bench/bench.sh (uses its put, log,
# nsx, ms_now, $NS, $OUT, $DANEBOX, $RIG_* after rig_up).
#
# bench_relay_host: mail throughput through `danebox relay` vs Postfix as a
# relay, both in the e2e rig netns, both delivering to dane-ee.test's MX (the
# rig Postfix mx1.dane-ee.test, SMTP_ACCEPT_MAIL=1: one mbox) with DANE:
#   danebox relay  tls_policy = dane, resolver = the rig unbound, own DNSSEC
#                  validation (rig anchor); defaults otherwise (max_deliveries 2)
#   Postfix relay  own config dir + queue, smtp_tls_security_level = dane,
#                  smtp_dns_support_level = dnssec, stub resolver -> the rig
#                  unbound (validating, trust-ad); Postfix defaults otherwise
#                  (destination concurrency 20, connection cache on demand)
# Per MTA: (1) native run, BENCH_RELAY_N messages (default 200) submitted by
# smtp-source, wall time from the first connection until all N are in the
# mailbox (bounded wait), messages/s, CPU time of every process of the MTA
# (a cgroup v1 cpuacct group joined once the MTA listens, so start-up work
# is not counted; children forked later and exited ones are); (2) callgrind run,
# BENCH_RELAY_CG_N messages (default 20), valgrind --trace-children=yes on
# the whole MTA (danebox listener + queue runners; Postfix master + every
# daemon), total Ir of all processes / delivered messages (start-up and
# shutdown included, so an upper bound per message).
RH_N=${BENCH_RELAY_N:-200}
RH_CG_N=${BENCH_RELAY_CG_N:-20}
RH_WAIT_S=${BENCH_RELAY_WAIT_S:-300}
RH_SESS=${BENCH_RELAY_SESSIONS:-5}
RH_WORK=/var/tmp/danebox-relay/bench-$NS
RH_CGROUP=/sys/fs/cgroup/cpuacct/danebox-bench-$NS
RH_DBX_PID= RH_PF_UP=0 RH_PF_VG_PID=

rh_mbox() { echo "${SMTP_RUN_DIR:-/var/tmp/danebox-smtp/$NS}/dane-ee/mail/mailbox"; }
rh_count() { # TAG -> messages with that subject in the MX mailbox
  grep -c "^Subject: rhbench-$1\$" "$(rh_mbox)" 2>/dev/null || true
}

rh_cleanup() {
  rh_chmod_stop
  if [ -n "$RH_DBX_PID" ]; then
    kill -TERM "$RH_DBX_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$RH_DBX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$RH_DBX_PID" 2>/dev/null; wait "$RH_DBX_PID" 2>/dev/null; RH_DBX_PID=
  fi
  if [ "$RH_PF_UP" = 1 ]; then
    timeout 60 ip netns exec "$NS" postfix -c "$RH_WORK/pf/etc" stop >/dev/null 2>&1
    RH_PF_UP=0
  fi
  if [ -n "$RH_PF_VG_PID" ]; then
    for _ in $(seq 300); do kill -0 "$RH_PF_VG_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$RH_PF_VG_PID" 2>/dev/null; wait "$RH_PF_VG_PID" 2>/dev/null; RH_PF_VG_PID=
  fi
  [ -d "$RH_CGROUP" ] && rmdir "$RH_CGROUP"/* "$RH_CGROUP" 2>/dev/null
  [ -n "${BENCH_RELAY_KEEP:-}" ] || rm -rf "$RH_WORK"
}

# callgrind creates each profile when the process starts (as root, mode 0600)
# and writes it at exit, when Postfix's daemons and the danebox listener run
# as postfix / nobody: make the files writable while they run (bounded loop)
RH_CHMOD_PID=
rh_chmod_start() {
  ( for _ in $(seq 3000); do chmod 666 "$RH_WORK"/cg/*.cg 2>/dev/null; sleep 0.3; done ) &
  RH_CHMOD_PID=$!
}
rh_chmod_stop() {
  chmod 666 "$RH_WORK"/cg/*.cg 2>/dev/null
  [ -n "$RH_CHMOD_PID" ] && { kill "$RH_CHMOD_PID" 2>/dev/null; wait "$RH_CHMOD_PID" 2>/dev/null; }
  RH_CHMOD_PID=
}

rh_cg_new() { # NAME -> empty cpuacct group (0 if available)
  local g=$RH_CGROUP/$1
  [ -d "$g" ] && rmdir "$g" 2>/dev/null
  mkdir -p "$g" 2>/dev/null && [ -w "$g/cgroup.procs" ]
}
rh_cpu_ms() { # NAME -> CPU ms (user + system) of everything that ran in the group
  awk '{printf "%d", $1 / 1e6}' "$RH_CGROUP/$1/cpuacct.usage" 2>/dev/null
}
rh_cg_adopt() { # NAME PID : PID and its children into the cpuacct group NAME
  # (processes they fork later inherit it; CPU spent before is not counted)
  local g=$RH_CGROUP/$1 p
  [ -n "$2" ] && [ -w "$g/cgroup.procs" ] || return 1
  for p in "$2" $(pgrep -P "$2"); do echo "$p" >"$g/cgroup.procs" 2>/dev/null; done
  return 0
}

rh_dbx_conf() {
  mkdir -p "$RH_WORK/dbx"; chmod 755 "$RH_WORK" "$RH_WORK/dbx"
  rm -rf "$RH_WORK/dbx/spool"
  cat >"$RH_WORK/dbx/relay.conf" <<EOF
# danebox relay, make bench (tools/bench/bench_relay_host.sh)
listen = 127.0.0.1:2525
allow = 127.0.0.0/8
hostname = relay.bench.test
spool = $RH_WORK/dbx/spool
user = nobody
resolver = $RIG_RESOLVER
anchor = $RIG_ANCHOR
dnssec_time = $RIG_TIME
tls_policy = dane
EOF
  chmod 644 "$RH_WORK/dbx/relay.conf"
}

rh_pf_conf() {
  local d=$RH_WORK/pf
  rm -rf "$d"; mkdir -p "$d/etc" "$d/spool" "$d/lib"
  chmod 755 "$d" "$d/etc"; chown postfix "$d/lib"
  cat >"$d/etc/main.cf" <<EOF
# Postfix as a DANE relay, make bench (tools/bench/bench_relay_host.sh)
compatibility_level = 3.6
config_directory = $d/etc
queue_directory = $d/spool
data_directory = $d/lib
meta_directory = /etc/postfix
daemon_directory = /usr/lib/postfix/sbin
command_directory = /usr/sbin
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = relay-pf.bench.test
mydomain = bench.test
myorigin = \$myhostname
mydestination =
relay_domains =
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = no
maillog_file_prefixes = $d
maillog_file = $d/maillog
syslog_name = postfix-benchrelay
smtp_dns_support_level = dnssec
smtp_tls_security_level = dane
smtp_tls_loglevel = 1
EOF
  {
    echo "127.0.0.1:2526 inet n   -       n       -       -       smtpd"
    cat "$top/tools/rig/postfix-master.cf"
  } >"$d/etc/master.cf"
  # creates the queue directories (owned by postfix)
  nsx postfix -c "$d/etc" check >"$OUT/rh-pf-check.log" 2>&1
}

rh_wait_port() { # PORT
  for _ in $(seq 300); do
    nsx bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

rh_submit_wait() { # PORT TAG N -> "accept_ms done_ms delivered" (ms since the first connection)
  local port=$1 tag=$2 n=$3 t0 ta td c i
  t0=$(ms_now)
  nsx timeout "$RH_WAIT_S" smtp-source -s "$RH_SESS" -m "$n" -c -f sender@bench.test \
    -t "rcpt@dane-ee.test" -S "rhbench-$tag" 127.0.0.1:"$port" >"$OUT/rh-$tag.src" 2>&1
  ta=$(ms_now)
  c=0
  for ((i = 0; i < RH_WAIT_S * 10; i++)); do
    c=$(rh_count "$tag"); c=${c:-0}
    [ "$c" -ge "$n" ] && break
    sleep 0.1
  done
  td=$(ms_now)
  echo "$((ta - t0)) $((td - t0)) $c"
}

rh_cg_sum() { # PREFIX -> "total_ir files" over $RH_WORK/cg/PREFIX.*; per-command sums to $OUT/PREFIX.cmds
  local f tot=0 k=0 ir
  : >"$OUT/$1.cmds"
  for f in "$RH_WORK/cg/$1".*; do
    [ -s "$f" ] || continue
    ir=$(awk '/^(summary|totals):/{print $2; exit}' "$f")
    [ -n "$ir" ] || continue
    tot=$((tot + ir)); k=$((k + 1))
    # program name; danebox: listener or queue runner (--run-queue)
    printf '%s\t%s\n' "$(sed -n 's/^cmd: *//p' "$f" | head -1 |
      awk '{n = $1; sub(/.*\//, "", n); if (n == "danebox") n = (/--run-queue/ ? "danebox-runner" : "danebox-listener"); print n}')" \
      "$ir" >>"$OUT/$1.cmds"
  done
  echo "$tot $k"
}

rh_put_run() { # KEY_PREFIX N "accept done delivered"
  local p=$1 n=$2 a d c
  read -r a d c <<<"$3"
  put "${p}_n" "$n"; put "${p}_delivered" "$c"; put "${p}_accept_ms" "$a"; put "${p}_done_ms" "$d"
  [ "$c" -ge "$n" ] && put "${p}_msgs_per_s" "$(awk -v n="$n" -v d="$d" 'BEGIN{printf "%.1f", (d > 0 ? 1000 * n / d : 0)}')"
}

# the per-command breakdown of a callgrind run: "name:Ir name:Ir ..."
rh_cmds() { awk -F'\t' '{s[$1] += $2} END{for (k in s) printf "%s:%d\n", k, s[k]}' "$OUT/$1.cmds" | sort -t: -k2 -nr | tr '\n' ' '; }

rh_dbx_run() { # TAG N VG(0|1)
  local tag=$1 n=$2 vg=$3 r
  rm -rf "$RH_WORK/dbx/spool"
  local -a pre=()
  [ "$vg" = 1 ] && pre=(valgrind --tool=callgrind --vgdb=no --trace-children=yes --callgrind-out-file="$RH_WORK/cg/rh-dbx.%p.cg" --log-file="$RH_WORK/cg/rh-dbx.%p.vglog")
  # not through a function: $! must be the relay itself (ip netns exec execs it)
  ip netns exec "$NS" "${pre[@]}" "$DANEBOX" relay --config "$RH_WORK/dbx/relay.conf" --log-stderr \
    >"$OUT/rh-dbx-$tag.log" 2>&1 &
  RH_DBX_PID=$!
  rh_wait_port 2525 || { put "rh_${tag}_status" "danebox relay did not listen (build/bench/rh-dbx-$tag.log)"; rh_cleanup_dbx; return 1; }
  rh_cg_new "$tag" && rh_cg_adopt "$tag" "$RH_DBX_PID"
  r=$(rh_submit_wait 2525 "$tag" "$n")
  rh_cleanup_dbx
  rh_put_run "rh_$tag" "$n" "$r"
  put "rh_${tag}_cpu_ms" "$(rh_cpu_ms "$tag")"
  put "rh_${tag}_verified" "$(grep -c 'status=sent.*tls=dane-verified' "$OUT/rh-dbx-$tag.log")"
  put "rh_${tag}_line" "$(grep -m1 'status=sent' "$OUT/rh-dbx-$tag.log" | sed -E 's/^[^ ]+ danebox\[[0-9]+\]: [0-9A-F]+: //')"
}
rh_cleanup_dbx() {
  [ -n "$RH_DBX_PID" ] || return 0
  # let the current round of queue runners finish (a runner killed at the
  # drain would leave no callgrind profile); the next periodic round is
  # queue_run_interval (60 s) away
  for _ in $(seq 900); do [ -z "$(pgrep -P "$RH_DBX_PID")" ] && break; sleep 0.1; done
  chmod 666 "$RH_WORK"/cg/*.cg 2>/dev/null
  kill -TERM "$RH_DBX_PID" 2>/dev/null
  # the callgrind run writes its profiles at exit: allow for that
  for _ in $(seq 600); do kill -0 "$RH_DBX_PID" 2>/dev/null || break; sleep 0.1; done
  wait "$RH_DBX_PID" 2>/dev/null; RH_DBX_PID=
}

rh_pf_run() { # TAG N VG(0|1)
  local tag=$1 n=$2 vg=$3 r d=$RH_WORK/pf
  rh_pf_conf
  if [ "$vg" = 1 ]; then
    # master in the foreground (-d) under valgrind: every daemon it starts is traced
    ip netns exec "$NS" valgrind --tool=callgrind --vgdb=no --trace-children=yes \
      --callgrind-out-file="$RH_WORK/cg/rh-pf.%p.cg" --log-file="$RH_WORK/cg/rh-pf.%p.vglog" /usr/lib/postfix/sbin/master -c "$d/etc" -d \
      >"$OUT/rh-pf-$tag.vg" 2>&1 &
    RH_PF_VG_PID=$!
  else
    nsx postfix -c "$d/etc" start >"$OUT/rh-pf-$tag.start" 2>&1
  fi
  RH_PF_UP=1
  rh_wait_port 2526 || { put "rh_${tag}_status" "Postfix relay did not listen (build/bench/rh-pf-$tag.*)"; rh_cleanup_pf; return 1; }
  # master + the daemons it runs (not postfix-script's start-up work)
  rh_cg_new "$tag" && rh_cg_adopt "$tag" "$(tr -dc 0-9 <"$d/spool/pid/master.pid" 2>/dev/null)"
  r=$(rh_submit_wait 2526 "$tag" "$n")
  rh_cleanup_pf
  rh_put_run "rh_$tag" "$n" "$r"
  put "rh_${tag}_cpu_ms" "$(rh_cpu_ms "$tag")"
  cp "$d/maillog" "$OUT/rh-pf-$tag.maillog" 2>/dev/null
  put "rh_${tag}_verified" "$(grep -c 'Verified TLS connection established to mx1.dane-ee.test' "$OUT/rh-pf-$tag.maillog" 2>/dev/null)"
  put "rh_${tag}_sent" "$(grep -c 'relay=mx1.dane-ee.test.*status=sent' "$OUT/rh-pf-$tag.maillog" 2>/dev/null)"
  put "rh_${tag}_line" "$(grep -m1 'Verified TLS connection established' "$OUT/rh-pf-$tag.maillog" 2>/dev/null | sed -E 's/.*postfix-benchrelay\/smtp\[[0-9]+\]: //')"
}
rh_cleanup_pf() {
  [ "$RH_PF_UP" = 1 ] || return 0
  chmod 666 "$RH_WORK"/cg/*.cg 2>/dev/null
  timeout 60 ip netns exec "$NS" postfix -c "$RH_WORK/pf/etc" stop >/dev/null 2>&1
  RH_PF_UP=0
  if [ -n "$RH_PF_VG_PID" ]; then
    for _ in $(seq 600); do kill -0 "$RH_PF_VG_PID" 2>/dev/null || break; sleep 0.1; done
    wait "$RH_PF_VG_PID" 2>/dev/null; RH_PF_VG_PID=
    # the daemons' profiles: written when each exits (SIGTERM from master)
    sleep 2
  fi
}

rh_mx_sessions() { # TLS sessions the MX accepted (its maillog), for the report
  grep -c 'TLS connection established from' "$E2E_DIR/smtp/dane-ee/maillog" 2>/dev/null || echo 0
}

# where the runners' Ir go: inclusive Ir of a few functions, summed over the
# runner profiles (the names of bench_check_host)
rh_dbx_annotate() {
  command -v callgrind_annotate >/dev/null || return 0
  local f fn v
  declare -A sum=()
  for f in "$RH_WORK"/cg/rh-dbx.*.cg; do
    [ -s "$f" ] && grep -q '^cmd: .*--run-queue' "$f" || continue
    callgrind_annotate --inclusive=yes "$f" 2>/dev/null >"$f.annotate"
    for fn in dbx_resolve dbx_smtp_run mbedtls_ssl_handshake hal_crypto_ecdsa_verify hal_crypto_rsa_verify main; do
      v=$(awk -v fn="$fn" '$1 ~ /^[0-9,]+$/ && index($0, ":" fn " [") {gsub(",", "", $1); print $1; exit}' "$f.annotate")
      sum[$fn]=$(( ${sum[$fn]:-0} + ${v:-0} ))
    done
  done
  for fn in "${!sum[@]}"; do put "rh_dbxcg_fn_$fn" "${sum[$fn]}"; done
}

bench_relay_host() {
  log "relay through the host: danebox relay vs Postfix relay, $RH_N messages each; callgrind $RH_CG_N"
  command -v smtp-source >/dev/null || { put rh_status "smtp-source missing (postfix)"; return; }
  [ -f "$(rh_mbox)" ] || [ -d "$(dirname "$(rh_mbox)")" ] ||
    { put rh_status "the rig MX accepts no mail (SMTP_ACCEPT_MAIL=1 not in effect)"; return; }
  put rh_date "$(date -u '+%Y-%m-%d %H:%M UTC')"
  put rh_commit "$(git -C "$top" rev-parse --short HEAD 2>/dev/null)$(git -C "$top" diff --quiet HEAD 2>/dev/null || echo '+dirty')"
  put rh_sessions "$RH_SESS"
  put rh_v_postfix "$(dpkg-query -W -f='${Version}' postfix 2>/dev/null)"
  mkdir -p "$RH_WORK/cg"; chmod 1777 "$RH_WORK/cg"; chmod 755 "$RH_WORK"
  rh_dbx_conf
  local s0 r
  s0=$(rh_mx_sessions); rh_dbx_run dbx "$RH_N" 0; put rh_dbx_mx_tls "$(( $(rh_mx_sessions) - s0 ))"
  s0=$(rh_mx_sessions); rh_pf_run pf "$RH_N" 0;  put rh_pf_mx_tls "$(( $(rh_mx_sessions) - s0 ))"
  if command -v valgrind >/dev/null && ! skipped relayhost-cg; then
    rm -f "$RH_WORK"/cg/*
    rh_chmod_start
    rh_dbx_run dbxcg "$RH_CG_N" 1
    read -r r _ <<<"$(rh_cg_sum rh-dbx)"
    rh_dbx_annotate
    put rh_dbxcg_ir "$r"; put rh_dbxcg_procs "$(wc -l <"$OUT/rh-dbx.cmds")"; put rh_dbxcg_cmds "$(rh_cmds rh-dbx)"
    rh_pf_run pfcg "$RH_CG_N" 1
    read -r r _ <<<"$(rh_cg_sum rh-pf)"
    rh_chmod_stop
    put rh_pfcg_ir "$r"; put rh_pfcg_procs "$(wc -l <"$OUT/rh-pf.cmds")"; put rh_pfcg_cmds "$(rh_cmds rh-pf)"
  fi
  rh_cleanup
}
