#!/usr/bin/env bash
# tls-interop-rig.sh up|down -- the TLS interop matrix rig: one Postfix
# (OpenSSL) instance and one Exim (GnuTLS) daemon inside a netns, each
# listening on one address per row of the case table with that row's TLS
# configuration, plus the signed DNS rig (dns-rig.sh, same netns) carrying
# MX / A / AAAA / TLSA for every row.  See tools/rig/SMTP.md ("TLS interop
# matrix") and tests/rig/tls_interop.txt (the rows).
#
#   TLSI_NS     netns (default dbxtlsi)
#   TLSI_DIR    state (default <repo>/build/tlsi/$TLSI_NS); env in $TLSI_DIR/env
#   TLSI_CASES  case table (default tests/rig/tls_interop.txt)
#   TLSI_DEBS   where the Exim .debs are kept (default <repo>/deps/debs)
#
# Exim: the exim4 package conflicts with postfix, so it is never installed:
# `apt-get download` fetches exim4-daemon-light, exim4-base and whichever of
# their library packages the machine lacks, `dpkg -x` unpacks them under
# $TLSI_DIR/exim-root, and the daemon runs from there in a private mount
# namespace (unshare -m) where /etc/passwd and /etc/group are bind-mounted
# copies that know the Debian-exim user (mapped to nobody).
#
# Addresses: row i (0-based) listens on 198.51.100.(10+i) (IPv4 only; the
# AAAA record 2001:db8:100::(10+i) exists but nothing listens: tests use -4).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
NS=${TLSI_NS:-dbxtlsi}
DIR=${TLSI_DIR:-$top/build/tlsi/$NS}
CASES=${TLSI_CASES:-$top/tests/rig/tls_interop.txt}
DEBS=${TLSI_DEBS:-$top/deps/debs}
# Postfix queue / Exim spool and every key must be readable by the daemons'
# unprivileged users: not below a 0700 home.
RUN=/var/tmp/danebox-tlsi/$NS
NSX=(ip netns exec "$NS")
log() { echo "tlsi-rig($NS): $*" >&2; }
die() { log "$*"; exit 1; }
ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$NS"; }

sha256_hex() { openssl dgst -sha256 -r | cut -d' ' -f1; }
spki_hex() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | sha256_hex; }
cert_hex() { openssl x509 -in "$1" -outform DER | sha256_hex; }

# ---- keys and certificates ----------------------------------------------------
newkey() { # kind out
  case $1 in
    rsa2048) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" ;;
    rsa4096) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$2" ;;
    rsapss)  openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out "$2" ;;
    p256|p384|p521) openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:P-${1#p}" -out "$2" ;;
    ed25519) openssl genpkey -algorithm ED25519 -out "$2" ;;
    *) return 1 ;;
  esac 2>/dev/null
}
# RSA keys are slow to make: one per kind serves every row's leaf (rows are
# told apart by name and address; EC keys are fresh everywhere).
leafkey() { # kind out
  case $1 in
    rsa*) [ -f "$RUN/pool-$1.pem" ] || newkey "$1" "$RUN/pool-$1.pem" || return 1
          cp "$RUN/pool-$1.pem" "$2" ;;
    *) newkey "$1" "$2" ;;
  esac
}
md_for() { case $1 in ed25519) ;; *) echo -sha256 ;; esac; }

# self-signed leaf: kind key cn out [extra openssl req args]
selfsigned() {
  local kind=$1 key=$2 cn=$3 out=$4; shift 4
  openssl req -new -x509 -key "$key" -subj "/CN=$cn" -days 3650 $(md_for "$kind") \
    -addext "subjectAltName=DNS:$cn" -addext "basicConstraints=critical,CA:FALSE" \
    -addext "extendedKeyUsage=serverAuth" "$@" -out "$out" 2>/dev/null
}
# CA certificate: key subject out [issuer-cert issuer-key [sigopts...]]
ca_cert() {
  local key=$1 subj=$2 out=$3
  if [ $# -eq 3 ]; then
    openssl req -new -x509 -key "$key" -subj "/CN=$subj" -days 3650 -sha256 \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -out "$out" 2>/dev/null
  else
    local icert=$4 ikey=$5; shift 5
    openssl req -new -key "$key" -subj "/CN=$subj" -out "$out.csr" 2>/dev/null
    printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$out.ext"
    openssl x509 -req -in "$out.csr" -CA "$icert" -CAkey "$ikey" -CAcreateserial -days 3650 \
      -sha256 "$@" -extfile "$out.ext" -out "$out" 2>/dev/null
  fi
}
# leaf issued by a CA: key cn out ca-cert ca-key [sigopts...]
issued_leaf() {
  local key=$1 cn=$2 out=$3 icert=$4 ikey=$5; shift 5
  openssl req -new -key "$key" -subj "/CN=$cn" -out "$out.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n' "$cn" >"$out.ext"
  openssl x509 -req -in "$out.csr" -CA "$icert" -CAkey "$ikey" -CAcreateserial -days 3650 \
    -sha256 "$@" -extfile "$out.ext" -out "$out" 2>/dev/null
}

# Material for one row in $d: key<i>.pem + chain<i>.pem (leaf first, then
# what the server sends) per certificate, and the TLSA lines.
make_row_certs() { # name key chain tlsa dir mxhost
  local name=$1 keyspec=$2 chain=$3 tlsa=$4 d=$5 mx=$6 i=0 kind
  mkdir -p "$d"
  IFS=+ read -ra kinds <<<"$keyspec"
  for kind in "${kinds[@]}"; do
    leafkey "$kind" "$d/key$i.pem" || die "$name: cannot make a $kind key"
    case $chain in
      self) selfsigned "$kind" "$d/key$i.pem" "$mx" "$d/leaf$i.pem"
            cp "$d/leaf$i.pem" "$d/chain$i.pem" ;;
      ca|ooo|extra)
            newkey p256 "$d/root.key"; ca_cert "$d/root.key" "$name root" "$d/root.pem"
            newkey p256 "$d/inter.key"; ca_cert "$d/inter.key" "$name intermediate" "$d/inter.pem" "$d/root.pem" "$d/root.key"
            issued_leaf "$d/key$i.pem" "$mx" "$d/leaf$i.pem" "$d/inter.pem" "$d/inter.key"
            case $chain in
              ca)  cat "$d/leaf$i.pem" "$d/inter.pem" ;;
              ooo) cat "$d/leaf$i.pem" "$d/root.pem" "$d/inter.pem" ;;
              extra)
                newkey p256 "$d/x1.key"; selfsigned p256 "$d/x1.key" "unrelated-1.$name" "$d/x1.pem"
                newkey p256 "$d/x2.key"; ca_cert "$d/x2.key" "unrelated CA $name" "$d/x2.pem"
                cat "$d/leaf$i.pem" "$d/x1.pem" "$d/inter.pem" "$d/x2.pem" ;;
            esac >"$d/chain$i.pem"
            cp "$d/inter.pem" "$d/issuer.pem"; cp "$d/root.pem" "$d/top.pem" ;;
      pss)  leafkey rsa4096 "$d/root.key"; ca_cert "$d/root.key" "$name RSA CA" "$d/root.pem"
            issued_leaf "$d/key$i.pem" "$mx" "$d/leaf$i.pem" "$d/root.pem" "$d/root.key" \
              -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest
            openssl x509 -in "$d/leaf$i.pem" -noout -text | grep -q 'Signature Algorithm: rsassaPss' ||
              die "$name: leaf not RSA-PSS signed"
            cat "$d/leaf$i.pem" "$d/root.pem" >"$d/chain$i.pem"
            cp "$d/root.pem" "$d/issuer.pem"; cp "$d/root.pem" "$d/top.pem" ;;
      long) # root -> ca1 -> ... -> ca8 -> leaf, sent leaf, ca8 ... ca1, root
            newkey p256 "$d/ca0.key"; ca_cert "$d/ca0.key" "$name CA 0" "$d/ca0.pem"
            local k
            for k in 1 2 3 4 5 6 7 8; do
              newkey p256 "$d/ca$k.key"
              ca_cert "$d/ca$k.key" "$name CA $k" "$d/ca$k.pem" "$d/ca$((k - 1)).pem" "$d/ca$((k - 1)).key"
            done
            issued_leaf "$d/key$i.pem" "$mx" "$d/leaf$i.pem" "$d/ca8.pem" "$d/ca8.key"
            { cat "$d/leaf$i.pem"; for k in 8 7 6 5 4 3 2 1 0; do cat "$d/ca$k.pem"; done; } >"$d/chain$i.pem"
            cp "$d/ca8.pem" "$d/issuer.pem"; cp "$d/ca0.pem" "$d/top.pem" ;;
      big)  # fillers with a 3.5 KB comment each: > 16 KB Certificate message
            selfsigned "$kind" "$d/key$i.pem" "$mx" "$d/leaf$i.pem"
            cp "$d/leaf$i.pem" "$d/chain$i.pem"
            local pad k
            pad=$(head -c 2700 /dev/zero | base64 -w0)
            for k in 1 2 3 4 5; do
              newkey p256 "$d/f$k.key"
              openssl req -new -x509 -key "$d/f$k.key" -subj "/CN=filler $k $name" -days 3650 -sha256 \
                -addext "nsComment=$pad" -out "$d/f$k.pem" 2>/dev/null
              cat "$d/f$k.pem" >>"$d/chain$i.pem"
            done ;;
      *) die "$name: unknown chain $chain" ;;
    esac
    i=$((i + 1))
  done
  # TLSA RDATA for servers.txt
  case $tlsa in
    ee) for ((k = 0; k < i; k++)); do echo "3 1 1 $(spki_hex "$d/leaf$k.pem")"; done ;;
    ta1) echo "2 0 1 $(cert_hex "$d/issuer.pem")" ;;
    taroot) echo "2 0 1 $(cert_hex "$d/top.pem")" ;;
    wrong) newkey p256 "$d/other.key"; selfsigned p256 "$d/other.key" "$mx" "$d/other.pem"
           echo "3 1 1 $(spki_hex "$d/other.pem")" ;;
    *) die "$name: unknown TLSA kind $tlsa" ;;
  esac >"$d/tlsa"
  chmod 755 "$d"; chmod 644 "$d"/*
}

# Every row's material at once, RIG_JOBS (default: twice the CPUs) rows at a
# time, after the shared RSA pool keys; dies naming the rows that failed.
all_row_certs() {
  local name mta key chain tlsa rest k pids=() names=() bad=() run=0 P i
  local -A pool=()
  P=${RIG_JOBS:-$(( $(nproc 2>/dev/null || echo 1) * 2 ))}
  mkdir -p "$DIR/rowlogs"
  while read -r name mta key chain tlsa rest; do
    case $name in ''|\#*) continue ;; esac
    [ "$chain" != pss ] || pool[rsa4096]=1
    for k in ${key//+/ }; do case $k in rsa*) pool[$k]=1 ;; esac; done
  done <"$CASES"
  for k in "${!pool[@]}"; do newkey "$k" "$RUN/pool-$k.pem" & done
  wait
  for k in "${!pool[@]}"; do [ -s "$RUN/pool-$k.pem" ] || { down; die "cannot make the $k pool key"; }; done
  while read -r name mta key chain tlsa rest; do
    case $name in ''|\#*) continue ;; esac
    if [ "$run" -ge "$P" ]; then wait -n; run=$((run - 1)); fi
    make_row_certs "$name" "$key" "$chain" "$tlsa" "$RUN/rows/$name" "mx1.$name.test" \
      >"$DIR/rowlogs/$name.log" 2>&1 &
    pids+=($!); names+=("$name"); run=$((run + 1))
  done <"$CASES"
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || bad+=("${names[$i]}"); done
  [ ${#bad[@]} = 0 ] && return 0
  for name in "${bad[@]}"; do log "row $name: $(tail -2 "$DIR/rowlogs/$name.log" | tr '\n' ' ')"; done
  down; die "keys or certificates failed for rows: ${bad[*]} (logs in $DIR/rowlogs)"
}

# ---- Postfix: one instance, one smtpd service per row (master.cf -o) ---------
postfix_opts() { # profile -> master.cf option words
  local v12='{smtpd_tls_protocols = >=TLSv1.2 <=TLSv1.2}'
  case $1 in
    default|banner) ;;
    tls12) echo "-o $v12" ;;
    tls13) echo '-o {smtpd_tls_protocols = >=TLSv1.3}' ;;
    tls11) echo '-o {smtpd_tls_protocols = >=TLSv1 <=TLSv1.1} -o smtpd_tls_ciphers=low -o tls_low_cipherlist=DEFAULT@SECLEVEL=0' ;;
    dhe) echo "-o $v12 -o smtpd_tls_ciphers=high -o tls_high_cipherlist=DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-SHA256:DHE-RSA-AES128-SHA" ;;
    cbc) echo "-o $v12 -o smtpd_tls_ciphers=high -o tls_high_cipherlist=ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA" ;;
    rsakx) echo "-o $v12 -o smtpd_tls_ciphers=high -o tls_high_cipherlist=AES256-GCM-SHA384:AES128-SHA256:AES128-SHA" ;;
    hrr) echo '-o tls_eecdh_auto_curves=secp384r1' ;;
    ccert) echo '-o smtpd_tls_ask_ccert=yes' ;;
    *) return 1 ;;
  esac
}

postfix_up() {
  local d=$DIR/postfix r=$RUN/postfix
  mkdir -p "$d/etc" "$r/lib" "$r/spool"
  chown postfix "$r/lib"
  cat >"$d/etc/main.cf" <<EOF
# generated by tools/rig/tls-interop-rig.sh
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
myhostname = tlsi.test
mydestination =
relay_domains =
mynetworks = 127.0.0.0/8
inet_interfaces = $PF_ADDRS
inet_protocols = ipv4
smtpd_peername_lookup = no
smtpd_relay_restrictions = reject
smtpd_recipient_restrictions = reject
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = no
maillog_file_prefixes = $DIR
maillog_file = $d/maillog
syslog_name = postfix-tlsi
disable_dns_lookups = yes
smtp_dns_support_level = disabled
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_received_header = no
EOF
  {
    cat "$here/postfix-master.cf"
    cat "$DIR/postfix.services"
  } >"$d/etc/master.cf"
  # Postfix re-reads a main.cf changed within the last second, 300 ms at a
  # time, in every command: date it back (as smtp-rig.sh does)
  touch -d "@$((EPOCHSECONDS - 10))" "$d/etc/main.cf" "$d/etc/master.cf"
  "${NSX[@]}" postfix -c "$d/etc" check >"$d/check.log" 2>&1 || { cat "$d/check.log" >&2; return 1; }
  "${NSX[@]}" postfix -c "$d/etc" start >"$d/start.log" 2>&1 || { cat "$d/start.log" >&2; return 1; }
}

# ---- Exim: one daemon, per-address settings by lsearch on the local address ---
exim_fetch() {
  local root=$DIR/exim-root
  [ -x "$root/usr/sbin/exim4" ] && return 0
  mkdir -p "$DEBS" "$root"
  if ! ls "$DEBS"/exim4-daemon-light_*.deb >/dev/null 2>&1; then
    local pkgs=(exim4-daemon-light exim4-base) p
    # library packages exim4-daemon-light needs that this machine lacks
    for p in $(apt-cache depends --no-recommends --no-suggests exim4-daemon-light 2>/dev/null |
               awk '$1 == "Depends:" && $2 ~ /^lib/ {print $2}' | sort -u); do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || pkgs+=("$p")
    done
    (cd "$DEBS" && apt-get download "${pkgs[@]}" >"$DEBS/download.log" 2>&1) ||
      { cat "$DEBS/download.log" >&2; return 1; }
  fi
  local f
  for f in "$DEBS"/*.deb; do dpkg -x "$f" "$root" || return 1; done
  [ -x "$root/usr/sbin/exim4" ]
}

exim_up() {
  local d=$DIR/exim r=$RUN/exim root=$DIR/exim-root
  exim_fetch || { log "cannot fetch / unpack the Exim packages"; return 1; }
  mkdir -p "$d" "$r/spool" "$r/log"
  chown -R nobody:nogroup "$r/spool" "$r/log"
  cp /etc/passwd "$d/passwd"; cp /etc/group "$d/group"
  grep -q '^Debian-exim:' "$d/passwd" || echo "Debian-exim:x:$(id -u nobody):$(id -g nobody)::/nonexistent:/usr/sbin/nologin" >>"$d/passwd"
  grep -q '^Debian-exim:' "$d/group" || echo "Debian-exim:x:$(id -g nobody):" >>"$d/group"
  cat >"$d/exim.conf" <<EOF
# generated by tools/rig/tls-interop-rig.sh (per-address tables in $r)
primary_hostname = tlsi.test
exim_user = Debian-exim
exim_group = Debian-exim
never_users = root
local_interfaces = <; $EXIM_ADDRS
daemon_smtp_ports = 25
spool_directory = $r/spool
log_file_path = $r/log/%slog
pid_file_path = $r/exim.pid
host_lookup =
rfc1413_hosts =
smtp_banner = \${lookup{\$received_ip_address}lsearch{$r/banner}{\$value}{\$primary_hostname ESMTP Exim \$tod_full}}
tls_advertise_hosts = *
tls_certificate = \${lookup{\$received_ip_address}lsearch{$r/cert}}
tls_privatekey = \${lookup{\$received_ip_address}lsearch{$r/key}}
tls_require_ciphers = \${lookup{\$received_ip_address}lsearch{$r/prio}{\$value}{NORMAL}}
tls_try_verify_hosts = \${lookup{\$received_ip_address}lsearch{$r/ccert}{*}{}}
tls_verify_certificates = $r/ccert-ca.pem
acl_smtp_starttls = acl_starttls
acl_smtp_rcpt = acl_rcpt
begin acl
acl_starttls:
  defer condition = \${lookup{\$received_ip_address}lsearch{$r/refuse}{\${if eq{\$value}{454}}}{no}}
        message = 454 4.7.0 TLS not available due to local problem
  defer condition = \${lookup{\$received_ip_address}lsearch{$r/refuse}{\${if eq{\$value}{421}}}{no}}
        message = 421 4.3.2 Service shutting down, closing transmission channel
  accept
acl_rcpt:
  deny
EOF
  cp "$DIR/exim.tables/"* "$r/"
  chmod 644 "$r"/cert "$r"/key "$r"/prio "$r"/banner "$r"/ccert "$r"/refuse "$r"/ccert-ca.pem
  # private mount namespace: passwd/group that know Debian-exim; the daemon
  # keeps the namespace alive
  "${NSX[@]}" unshare -m --propagation private sh -c '
    mount --bind "$1/passwd" /etc/passwd && mount --bind "$1/group" /etc/group &&
    LD_LIBRARY_PATH="$2/usr/lib/x86_64-linux-gnu:$2/lib/x86_64-linux-gnu" exec "$2/usr/sbin/exim4" -C "$1/exim.conf" -bd' \
    _ "$d" "$root" >"$d/start.log" 2>&1 || { cat "$d/start.log" >&2; return 1; }
}

exim_prio() { # profile -> GnuTLS priority string
  case $1 in
    tls12) echo 'NORMAL:-VERS-ALL:+VERS-TLS1.2' ;;
    tls13) echo 'NORMAL:-VERS-ALL:+VERS-TLS1.3' ;;
    tls11) echo 'NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0:%VERIFY_ALLOW_SIGN_WITH_SHA1' ;;
    dhe)   echo 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+DHE-RSA' ;;
    cbc)   echo 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-CBC:+AES-256-CBC' ;;
    rsakx) echo 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+RSA' ;;
    hrr)   echo 'NORMAL:-GROUP-ALL:+GROUP-SECP384R1' ;;
    *) echo NORMAL ;;
  esac
}

# ---- up / down -------------------------------------------------------------------
down() {
  local pid
  if [ -f "$DIR/postfix/etc/main.cf" ] && ns_exists; then
    timeout 20 "${NSX[@]}" postfix -c "$DIR/postfix/etc" stop >/dev/null 2>&1
  fi
  for f in "$RUN/postfix/spool/pid/master.pid" "$RUN/exim/exim.pid"; do
    [ -f "$f" ] || continue
    pid=$(tr -dc 0-9 <"$f")
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
  done
  RIG_NS=$NS RIG_REUSE_NS=1 RIG_DIR=$DIR/dns "$here/dns-rig.sh" down >/dev/null 2>&1
  if ns_exists; then
    local pids
    pids=$(ip netns pids "$NS" 2>/dev/null)
    [ -z "$pids" ] || kill $pids 2>/dev/null
    for _ in $(seq 30); do [ -z "$(ip netns pids "$NS" 2>/dev/null)" ] && break; sleep 0.1; done
    pids=$(ip netns pids "$NS" 2>/dev/null)
    [ -z "$pids" ] || kill -9 $pids 2>/dev/null
    ip netns del "$NS" 2>/dev/null
  fi
  rm -rf "$RUN" "$DIR/env"
  return 0
}

wait_port() { # addr
  local i
  for ((i = 0; i < 100; i++)); do
    "${NSX[@]}" timeout 1 bash -c "exec 3<>/dev/tcp/$1/25" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

up() {
  local t0=$SECONDS
  [ "$(id -u)" = 0 ] || die "needs root"
  command -v postfix >/dev/null || [ -x /usr/sbin/postfix ] || die "postfix not installed (tools/setup.sh)"
  down
  mkdir -p "$DIR" "$RUN" || die "cannot create $DIR"
  DIR=$(cd "$DIR" && pwd)
  chmod 755 "$(dirname "$RUN")" "$RUN"
  ip netns add "$NS" || die "cannot create netns $NS"
  ip -n "$NS" link set lo up
  rm -rf "$DIR/exim.tables" && mkdir -p "$DIR/exim.tables"
  local t=$DIR/exim.tables i=0 name mta key chain tlsa profile rest v4 v6 d mx
  : >"$DIR/postfix.services"; : >"$t/cert"; : >"$t/key"; : >"$t/prio"; : >"$t/banner"
  : >"$t/ccert"; : >"$t/refuse"
  PF_ADDRS=""; EXIM_ADDRS=""
  {
    echo "# tls interop rig facts; format of tools/rig/SMTP.md (servers.txt)"
  } >"$DIR/servers.txt"
  all_row_certs
  while read -r name mta key chain tlsa profile rest; do
    case $name in ''|\#*) continue ;; esac
    v4=198.51.100.$((10 + i)); v6=2001:db8:100::$((10 + i)); i=$((i + 1))
    mx=mx1.$name.test; d=$RUN/rows/$name
    ip -n "$NS" addr add "$v4/32" dev lo || die "addr $v4"
    echo "server $name $name.test $mx $v4 $v6 yes $key $chain" >>"$DIR/servers.txt"
    while read -r u s m h; do echo "tlsa $name $u $s $m $h"; done <"$d/tlsa" >>"$DIR/servers.txt"
    echo "leaf_spki $name $(spki_hex "$d/leaf0.pem")" >>"$DIR/servers.txt"
    local n=$(( $(tr -cd + <<<"$key" | wc -c) + 1 )) k files="" certs="" keys=""
    for ((k = 0; k < n; k++)); do
      files="$files${files:+, }$d/key$k.pem, $d/chain$k.pem"
      certs="$certs${certs:+ : }$d/chain$k.pem"; keys="$keys${keys:+ : }$d/key$k.pem"
    done
    case $mta in
      postfix)
        local opts
        opts=$(postfix_opts "$profile") || die "$name: profile $profile not for postfix"
        echo "$v4:25 inet n - n - - smtpd -o {smtpd_tls_chain_files = $files} -o {smtpd_banner = $mx ESMTP danebox-tlsi $name} $opts" >>"$DIR/postfix.services"
        PF_ADDRS="$PF_ADDRS${PF_ADDRS:+, }$v4" ;;
      exim)
        echo "$v4: $certs" >>"$t/cert"; echo "$v4: $keys" >>"$t/key"
        echo "$v4: $(exim_prio "$profile")" >>"$t/prio"
        case $profile in
          banner) echo "$v4: \"$mx ESMTP Exim danebox-tlsi $name\\nThis server has a multi-line greeting\\nthird line\"" >>"$t/banner" ;;
          *) echo "$v4: $mx ESMTP Exim danebox-tlsi $name" >>"$t/banner" ;;
        esac
        case $profile in
          ccert) echo "$v4: yes" >>"$t/ccert" ;;
          454|421) echo "$v4: $profile" >>"$t/refuse" ;;
        esac
        EXIM_ADDRS="$EXIM_ADDRS${EXIM_ADDRS:+ ; }$v4" ;;
      *) die "$name: unknown MTA $mta" ;;
    esac
  done <"$CASES"
  log "certificates for $i rows ready ($((SECONDS - t0)) s)"
  # a CA for Exim's client-certificate request (any list of names will do)
  newkey p256 "$t/ccert-ca.key"; ca_cert "$t/ccert-ca.key" "tlsi client CA" "$t/ccert-ca.pem"
  if [ -n "$PF_ADDRS" ]; then postfix_up || { down; die "Postfix failed to start"; }; fi
  if [ -n "$EXIM_ADDRS" ]; then exim_up || { down; die "Exim failed to start"; }; fi

  log "Postfix + Exim started ($((SECONDS - t0)) s)"
  # signed DNS with every row's MX / A / AAAA / TLSA (hook 50-smtp.sh)
  RIG_NS=$NS RIG_REUSE_NS=1 RIG_DIR=$DIR/dns SMTP_SERVERS=$DIR/servers.txt SMTP_ZONE_FILE=test.zone \
    timeout 120 "$here/dns-rig.sh" up >"$DIR/dns-up.log" 2>&1 ||
    { tail -20 "$DIR/dns-up.log" >&2; down; die "DNS rig failed"; }
  log "signed DNS up ($((SECONDS - t0)) s)"
  local a
  for a in ${PF_ADDRS//,/} ${EXIM_ADDRS//;/}; do
    wait_port "$a" || { down; die "nothing listening on $a:25"; }
  done
  { cat "$DIR/dns/env"; echo "TLSI_NS=$NS"; echo "TLSI_DIR=$DIR"; echo "TLSI_ROWS=$i"; } >"$DIR/env"
  log "up: $i servers (Postfix + Exim), env in $DIR/env"
}

case ${1:-} in
  up) up ;;
  down) down; log "down" ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
