#!/usr/bin/env bash
# danebox SMTP rig: real Postfix servers inside a network namespace.
#
#   tools/rig/smtp-rig.sh up|down|status
#
# Environment:
#   SMTP_NS         netns name (default dbxsmtp)
#   SMTP_REUSE_NS   1 = use an existing netns (e.g. the DNS rig's) instead of
#                   creating one; `down` then removes only what `up` added
#   SMTP_DIR        state folder (default <repo>/build/smtp/$SMTP_NS)
#   SMTP_WAIT_S     readiness wait per server in seconds (default 20)
#
# Each server is a separate Postfix instance (own config_directory, queue,
# data dir, log file) listening on its own IPv4 + IPv6 address on a dummy
# interface inside the netns.  Keys and certificates are generated at `up`
# with openssl; per-server facts for the DNS rig go to $SMTP_DIR/servers.txt
# (format in tools/rig/SMTP.md).  Needs root.
# `up` prepares and starts the instances concurrently (one background job per
# server, each bounded), then waits for every address with a deadline; a
# failure names the server and the log to read.  `down` stops what runs,
# also after a partial or interrupted `up`.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
NS=${SMTP_NS:-dbxsmtp}
DIR=${SMTP_DIR:-$top/build/smtp/$NS}
# Postfix's queue and data directories must be reachable by the postfix user,
# which a checkout below a private home (mode 0700) is not: they live here.
RUN=${SMTP_RUN_DIR:-/var/tmp/danebox-smtp/$NS}
WAIT_S=${SMTP_WAIT_S:-20}
IFACE=lo   # no dummy module on every kernel: the addresses live on lo
NSX=(ip netns exec "$NS")

# name  domain            v4            v6               tls   leaf-kind  chain-mode
SERVERS=(
  "dane-ee        dane-ee.test        192.0.2.25 2001:db8::25 yes ecdsa self"
  "dane-ee-rsa    dane-ee-rsa.test    192.0.2.26 2001:db8::26 yes rsa   self"
  "dane-ta        dane-ta.test        192.0.2.27 2001:db8::27 yes rsa   ca-full"
  "dane-ta-partial dane-ta-partial.test 192.0.2.28 2001:db8::28 yes rsa ca-leafonly"
  "mismatch       mismatch.test       192.0.2.29 2001:db8::29 yes ecdsa wrong"
  "nostarttls     nostarttls.test     192.0.2.30 2001:db8::30 no  ecdsa self"
)
# Opt-in extra servers (same columns, one per line), e.g. the monitor rig's
# "dual dual.test 192.0.2.31 2001:db8::31 yes ecdsa dual" (tests/rig/test_monitor.sh)
if [ -n "${SMTP_EXTRA:-}" ]; then
  while IFS= read -r line; do [ -n "${line// }" ] && SERVERS+=("$line"); done <<<"$SMTP_EXTRA"
fi

log() { echo "smtp-rig: $*" >&2; }
die() { log "$*"; exit 1; }

sha256_hex() { openssl dgst -sha256 -r | cut -d' ' -f1; }
spki_der()   { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER; }
cert_der()   { openssl x509 -in "$1" -outform DER; }

newkey() { # kind out
  case $1 in
    ecdsa) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" 2>/dev/null ;;
    rsa)   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" 2>/dev/null ;;
  esac
}

selfsigned() { # key cn out
  openssl req -new -x509 -key "$1" -subj "/CN=$2" -days 3650 -sha256 \
    -addext "subjectAltName=DNS:$2" -addext "basicConstraints=critical,CA:FALSE" \
    -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
    -addext "extendedKeyUsage=serverAuth" -out "$3" 2>/dev/null
}

# A small CA hierarchy shared by the DANE-TA servers: root -> intermediate.
make_ca() {
  local d=$DIR/ca
  [ -f "$d/inter.pem" ] && return 0
  mkdir -p "$d"
  newkey ecdsa "$d/root.key"
  openssl req -new -x509 -key "$d/root.key" -subj "/CN=danebox rig root" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$d/root.pem" 2>/dev/null
  newkey ecdsa "$d/inter.key"
  openssl req -new -key "$d/inter.key" -subj "/CN=danebox rig intermediate" -out "$d/inter.csr" 2>/dev/null
  printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$d/inter.ext"
  openssl x509 -req -in "$d/inter.csr" -CA "$d/root.pem" -CAkey "$d/root.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$d/inter.ext" -out "$d/inter.pem" 2>/dev/null
}

ca_leaf() { # key cn out
  local d=$DIR/ca
  openssl req -new -key "$1" -subj "/CN=$2" -out "$3.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' "$2" >"$3.ext"
  # a serial file per leaf (random first serial): leaves are made concurrently
  openssl x509 -req -in "$3.csr" -CA "$d/inter.pem" -CAkey "$d/inter.key" \
    -CAserial "$3.srl" -CAcreateserial -days 3650 -sha256 -extfile "$3.ext" -out "$3" 2>/dev/null
}

# Write config, keys and certificates for one instance (the CA exists); its
# servers.txt lines go to DIR/NAME/facts.  Runs concurrently with the others.
setup_server() {
  local name=$1 domain=$2 v4=$3 v6=$4 tls=$5 kind=$6 mode=$7
  local mx=mx1.$domain d=$DIR/$name
  local r=$RUN/$name
  mkdir -p "$d/etc" "$d/tls" "$r/lib" "$r/spool"
  chmod 755 "$(dirname "$RUN")" "$RUN" "$r"
  chown postfix "$r/lib"
  chmod 755 "$d" "$d/etc"
  newkey "$kind" "$d/tls/leaf.key"
  case $mode in
    self) selfsigned "$d/tls/leaf.key" "$mx" "$d/tls/leaf.pem"
          cp "$d/tls/leaf.pem" "$d/tls/chain.pem" ;;
    wrong) # TLSA names the "expected" key; the server presents another one
          newkey "$kind" "$d/tls/expected.key"
          selfsigned "$d/tls/expected.key" "$mx" "$d/tls/expected.pem"
          selfsigned "$d/tls/leaf.key" "$mx" "$d/tls/leaf.pem"
          cp "$d/tls/leaf.pem" "$d/tls/chain.pem" ;;
    ca-full) ca_leaf "$d/tls/leaf.key" "$mx" "$d/tls/leaf.pem"
          cat "$d/tls/leaf.pem" "$DIR/ca/inter.pem" >"$d/tls/chain.pem" ;;
    ca-leafonly) ca_leaf "$d/tls/leaf.key" "$mx" "$d/tls/leaf.pem"
          cp "$d/tls/leaf.pem" "$d/tls/chain.pem" ;;
    dual) # two self-signed certificates: KIND (leaf) and the other algorithm (leaf2)
          selfsigned "$d/tls/leaf.key" "$mx" "$d/tls/leaf.pem"
          cp "$d/tls/leaf.pem" "$d/tls/chain.pem"
          local k2=rsa; [ "$kind" = rsa ] && k2=ecdsa
          newkey "$k2" "$d/tls/leaf2.key"
          selfsigned "$d/tls/leaf2.key" "$mx" "$d/tls/leaf2.pem" ;;
  esac
  # A second, unrelated certificate served to clients that send no / another
  # SNI: lets the tests prove that SNI is sent (tls_server_sni_maps).
  newkey ecdsa "$d/tls/nosni.key"
  selfsigned "$d/tls/nosni.key" "nosni.$domain" "$d/tls/nosni.pem"
  chmod 600 "$d"/tls/*.key

  if [ "${SMTP_ACCEPT_MAIL:-0}" = 1 ]; then
    mkdir -p "$r/mail"; chown nobody:nogroup "$r/mail"
  fi
  local seclevel=may
  [ "$tls" = yes ] || seclevel=none
  cat >"$d/etc/main.cf" <<EOF
# generated by tools/rig/smtp-rig.sh for $name
compatibility_level = 3.6
config_directory = $d/etc
queue_directory = $r/spool
data_directory = $r/lib
meta_directory = /etc/postfix
daemon_directory = /usr/lib/postfix/sbin
command_directory = /usr/sbin
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = $mx
mydomain = $domain
myorigin = \$myhostname
mydestination =
relay_domains =
mynetworks = 127.0.0.0/8
inet_interfaces = $v4, [$v6]
inet_protocols = all
smtpd_banner = \$myhostname ESMTP danebox-rig $name
smtpd_peername_lookup = no
$(accept_mail_cf "$domain" "$r")
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = no
maillog_file_prefixes = $DIR
maillog_file = $d/maillog
syslog_name = postfix-$name
disable_dns_lookups = yes
smtp_dns_support_level = disabled
smtpd_tls_security_level = $seclevel
smtpd_tls_chain_files = $d/tls/nosni.key, $d/tls/nosni.pem
tls_server_sni_maps = hash:$d/etc/sni
smtpd_tls_loglevel = 1
smtpd_tls_received_header = no
EOF
  if [ "$mode" = dual ]; then
    printf '%s %s %s %s %s\n' "$mx" "$d/tls/leaf.key" "$d/tls/chain.pem" "$d/tls/leaf2.key" "$d/tls/leaf2.pem" >"$d/etc/sni"
  else
    printf '%s %s %s\n' "$mx" "$d/tls/leaf.key" "$d/tls/chain.pem" >"$d/etc/sni"
  fi
  {
    echo "smtp      inet  n       -       n       -       -       smtpd"
    cat "$top/tools/rig/postfix-master.cf"
    echo "local     unix  -       n       n       -       -       local"
    echo "virtual   unix  -       n       n       -       -       virtual"
  } >"$d/etc/master.cf"
  # Postfix re-reads a main.cf changed within the last second, 300 ms at a
  # time, in every command (postmap, postconf, master): date it back.
  touch -d "@$((EPOCHSECONDS - 10))" "$d/etc/main.cf" "$d/etc/master.cf"
  "${NSX[@]}" postmap -c "$d/etc" -F "hash:$d/etc/sni"

  # facts for the DNS rig and the tests
  local leafcert=$d/tls/leaf.pem
  [ "$mode" = wrong ] && leafcert=$d/tls/expected.pem
  {
    echo "server $name $domain $mx $v4 $v6 $tls $kind $mode"
    case $mode in
      self|wrong|dual)   # dual: records for the KIND leaf only (leaf2 has none)
        echo "tlsa $name 3 1 1 $(spki_der "$leafcert" | sha256_hex)"
        echo "tlsa $name 3 0 1 $(cert_der "$leafcert" | sha256_hex)" ;;
      ca-full|ca-leafonly)
        echo "tlsa $name 2 0 1 $(cert_der "$DIR/ca/inter.pem" | sha256_hex)"
        echo "tlsa $name 2 1 1 $(spki_der "$DIR/ca/root.pem" | sha256_hex)" ;;
    esac
    echo "leaf_spki $name $(spki_der "$d/tls/leaf.pem" | sha256_hex)"
    echo "nosni_spki $name $(spki_der "$d/tls/nosni.pem" | sha256_hex)"
    [ "$mode" != dual ] || echo "leaf2_spki $name $(spki_der "$d/tls/leaf2.pem" | sha256_hex)"
  } >"$d/facts"
}

# Restrictions of main.cf.  Default: the server never accepts mail.  With
# SMTP_ACCEPT_MAIL=1 (relay tests) mail for the server's own domain goes to
# one mbox file, RUN/NAME/mail/mailbox (virtual delivery as nobody), and so
# does mail for the domains in SMTP_ACCEPT_EXTRA (e.g. ones whose MX is a
# test's relay in front of this server).
accept_mail_cf() { # domain run-dir
  if [ "${SMTP_ACCEPT_MAIL:-0}" = 1 ]; then
    cat <<EOF
smtpd_relay_restrictions = permit_auth_destination, reject
smtpd_recipient_restrictions =
virtual_mailbox_domains = $1 ${SMTP_ACCEPT_EXTRA:-}
virtual_mailbox_base = $2/mail
virtual_mailbox_maps = static:mailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100
EOF
  else
    printf 'smtpd_relay_restrictions = reject\nsmtpd_recipient_restrictions = reject\n'
  fi
}

# 0 once ADDR:25 in the netns accepts a TCP connection; 1 at epoch DEADLINE
wait_port() { # addr deadline
  while :; do
    "${NSX[@]}" timeout 1 bash -c "exec 3<>/dev/tcp/$1/25" 2>/dev/null && return 0
    [ "$EPOCHSECONDS" -lt "$2" ] || return 1
    sleep 0.1
  done
}

# Start one instance and wait until both its addresses listen, each step
# bounded by WAIT_S (a background job of each_server).
start_server() { # the server's SERVERS columns
  local name=$1 v4=$3 v6=$4 d=$DIR/$1 deadline
  timeout "$WAIT_S" "${NSX[@]}" postfix -c "$d/etc" start ||
    { echo "postfix start failed or took over ${WAIT_S}s"; return 1; }
  deadline=$((EPOCHSECONDS + WAIT_S))
  wait_port "$v4" "$deadline" ||
    { echo "not listening on $v4:25 within ${WAIT_S}s (see $d/maillog)"; return 1; }
  wait_port "$v6" "$deadline" ||
    { echo "not listening on [$v6]:25 within ${WAIT_S}s (see $d/maillog)"; return 1; }
}

# Run FUNC for every server at once (arguments: its SERVERS columns), output
# in DIR/NAME/STEP.log; wait for all of them; die naming each that failed.
each_server() { # step func
  local step=$1 fn=$2 s name i pids=() names=() bad=()
  for s in "${SERVERS[@]}"; do
    read -r name _ <<<"$s"
    mkdir -p "$DIR/$name"
    # shellcheck disable=SC2086 # the columns are words
    # shellcheck disable=SC2154 # rc is set in the trap
    ( set -E; trap 'rc=$?; [[ $BASH_COMMAND == return* ]] || echo "exit $rc from: $BASH_COMMAND"' ERR
      "$fn" $s ) >"$DIR/$name/$step.log" 2>&1 &
    pids+=($!); names+=("$name")
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || bad+=("${names[$i]}")
  done
  [ ${#bad[@]} = 0 ] && return 0
  for name in "${bad[@]}"; do
    log "$name: $step failed: $(tail -3 "$DIR/$name/$step.log" | tr '\n' ' ')"
  done
  die "$step failed for ${bad[*]} (full logs: $DIR/NAME/$step.log)"
}

cmd_up() {
  [ "$(id -u)" = 0 ] || die "needs root (netns, Postfix)"
  command -v postfix >/dev/null || [ -x /usr/sbin/postfix ] || die "postfix not installed (tools/setup.sh)"
  cmd_down >/dev/null 2>&1 || true
  mkdir -p "$DIR"
  if ip netns list | awk '{print $1}' | grep -qx "$NS"; then
    [ "${SMTP_REUSE_NS:-0}" = 1 ] || die "netns $NS exists; set SMTP_REUSE_NS=1 to add servers to it"
  else
    ip netns add "$NS"
    touch "$DIR/created-ns"
  fi
  # an interrupted up takes its background jobs along (down stops the rest)
  trap 'kill $(jobs -p) 2>/dev/null; exit 143' INT TERM
  "${NSX[@]}" ip link set lo up
  local s name domain v4 v6 tls kind mode need_ca=0
  for s in "${SERVERS[@]}"; do
    read -r name domain v4 v6 tls kind mode <<<"$s"
    "${NSX[@]}" ip addr add "$v4/32" dev "$IFACE" 2>/dev/null || true
    "${NSX[@]}" ip addr add "$v6/128" dev "$IFACE" nodad 2>/dev/null || true
    case $mode in ca-*) need_ca=1 ;; esac
  done
  [ $need_ca = 0 ] || make_ca || die "cannot make the rig CA in $DIR/ca"
  each_server setup setup_server
  {
    echo "# danebox SMTP rig facts (tools/rig/SMTP.md); generated $(date -u +%FT%TZ)"
    echo "# server NAME DOMAIN MXHOST IPV4 IPV6 STARTTLS(yes|no) KEY(rsa|ecdsa) CHAIN"
    for s in "${SERVERS[@]}"; do read -r name _ <<<"$s"; cat "$DIR/$name/facts"; done
  } >"$DIR/servers.txt.new"
  mv "$DIR/servers.txt.new" "$DIR/servers.txt"
  each_server start start_server
  trap - INT TERM
  log "up: ${#SERVERS[@]} Postfix instances in netns $NS; facts in $DIR/servers.txt"
}

is_master() { [ "$(readlink "/proc/$1/exe" 2>/dev/null)" = /usr/lib/postfix/sbin/master ]; }

# Stop one instance the way `postfix stop` does (TERM to the master, which
# takes its children along) but polling instead of sleeping whole seconds;
# KILL to its process group after 5 s.
stop_server() { # name
  local pidf=$RUN/$1/spool/pid/master.pid pid i
  [ -f "$pidf" ] || return 0
  pid=$(tr -dc 0-9 <"$pidf")
  [ -n "$pid" ] && is_master "$pid" || return 0
  kill "$pid" 2>/dev/null
  for ((i = 0; i < 50; i++)); do is_master "$pid" || return 0; sleep 0.1; done
  kill -9 -- "-$pid" "$pid" 2>/dev/null
  return 0
}

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$NS"; }

cmd_down() {
  local d i left pids=()
  if [ -d "$DIR" ]; then
    for d in "$DIR"/*/etc; do
      [ -f "$d/main.cf" ] || continue
      stop_server "$(basename "$(dirname "$d")")" &
      pids+=($!)
    done
    [ ${#pids[@]} = 0 ] || wait "${pids[@]}"
  fi
  if ns_exists; then
    if [ -f "$DIR/created-ns" ]; then
      # the netns is ours: whatever still runs in it (e.g. an instance whose
      # pid file an interrupted up never saw) goes too
      for ((i = 0; i < 30; i++)); do
        left=$(ip netns pids "$NS" 2>/dev/null)
        [ -n "$left" ] || break
        # shellcheck disable=SC2086
        if [ $i -lt 20 ]; then kill $left 2>/dev/null; else kill -9 $left 2>/dev/null; fi
        sleep 0.1
      done
      ip netns del "$NS" 2>/dev/null || true
    else
      for s in "${SERVERS[@]}"; do
        read -r _ _ v4 v6 _ <<<"$s"
        "${NSX[@]}" ip addr del "$v4/32" dev "$IFACE" 2>/dev/null || true
        "${NSX[@]}" ip addr del "$v6/128" dev "$IFACE" 2>/dev/null || true
      done
    fi
  fi
  rm -f "$DIR/created-ns"
  rm -rf "$RUN"
  return 0
}

cmd_status() {
  [ -f "$DIR/servers.txt" ] && grep '^server ' "$DIR/servers.txt" || echo "no servers.txt"
  for d in "$DIR"/*/etc; do
    [ -f "$d/main.cf" ] || continue
    "${NSX[@]}" postfix -c "$d" status 2>&1 || true
  done
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
