#!/usr/bin/env bash
# Package test (issue 17): the host side shipped as Debian software.
#  - builds the danebox .deb with dpkg-buildpackage -b from a copy of the
#    tree (debian/rules builds only the host binary).  The third-party
#    objects of build/host (mbedTLS, ldns, BearSSL: compiled with their own
#    flags, never the package's) are copied into the copy's build/deb, so
#    only danebox's own code is compiled, with the package's hardening flags
#    (the .deb is the one a clean build makes); -nc skips the pre-clean that
#    would drop them.  lintian must report nothing beyond the overrides;
#  - unpacks it into a throwaway root (dpkg -x), checks the files, renders
#    the man pages (groff -ww, man -l: no warning), `systemd-analyze verify`
#    of the unit (binary and man pages looked up in the throwaway root) and
#    its `systemd-analyze security --offline` exposure level;
#  - creates the unit's user in the throwaway root with the package's own
#    sysusers.d file (systemd-sysusers --root) and starts the relay with the
#    unit's ExecStart line as that user (setpriv: the unit's capability set,
#    no new privileges) inside the e2e rig's netns and a private mount
#    namespace whose /dev/log is a test syslog listener; a message submitted
#    on port 25 is delivered DANE-verified to the rig's Postfix and the log
#    lines arrive through syslog (facility mail), none on stderr;
#    SIGHUP (the unit's ExecReload) reloads, SIGTERM drains.
# Prints PASS:/FAIL: lines; tears everything down (trap).  About 1.5-3
# minutes (package build 20-100 s and lintian ~15 s, while the rig comes up).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# e2e-rig: shared SMTP_ACCEPT_MAIL=1
export SMTP_ACCEPT_MAIL=1
. "$top/tests/lib.sh"   # pass, failc, finish, e2e_rig_*
e2e_rig_name "dbxpkg-t$$"
RUNDIR=/var/tmp/danebox-smtp/$E2E_NS
T0=$SECONDS

WORK=$(mktemp -d /var/tmp/danebox-pkg.XXXXXX)
chmod 755 "$WORK"
RELAY_PID= LOGD_PID= RIG_UP= RIG_JOB=
cleanup() {
  [ -n "$RELAY_PID" ] && kill -TERM "$RELAY_PID" 2>/dev/null && sleep 1 && kill -9 "$RELAY_PID" 2>/dev/null
  [ -n "$LOGD_PID" ] && kill "$LOGD_PID" 2>/dev/null
  [ -n "${RIG_JOB:-}" ] && kill -0 "$RIG_JOB" 2>/dev/null && { kill "$RIG_JOB"; wait "$RIG_JOB"; }
  [ -n "$RIG_UP" ] && e2e_rig_down
  rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 130" INT TERM   # the EXIT trap cleans up (after the running command)

for t in dpkg-buildpackage dh systemd-analyze systemd-sysusers groff man setpriv swaks; do
  command -v "$t" >/dev/null || { failc "$t missing (tools/packages.txt)"; exit 1; }
done
[ -f build/host/libdbx.a ] || { failc "build/host missing: run make"; exit 1; }

# our own rig comes up (keys, certificates, DNS signing) while the package
# builds; a shared one (tests/run.sh) is joined after the build
if [ "$E2E_SHARED" != 1 ]; then
  timeout 240 "$E2E_RIG_SH" up >"$WORK/rig.log" 2>&1 &
  RIG_JOB=$! RIG_UP=1
fi

# ---- build the package from a copy of the tree ---------------------------------
SRC=$WORK/src
mkdir -p "$SRC/build"
tar -C "$top" --exclude=./build --exclude=./deps --exclude=./.git -cf - . | tar -C "$SRC" -xf -
ln -s "$(readlink -f "$top/deps")" "$SRC/deps"
cp -a build/ldns-conf "$SRC/build/"
mkdir -p "$SRC/build/deb"
for d in deps libldns.a libmbedtls.a libbearssl.a; do
  [ -e "build/host/$d" ] && cp -a "build/host/$d" "$SRC/build/deb/"
done
t=$SECONDS
if (cd "$SRC" && dpkg-buildpackage -b -us -uc -nc >"$WORK/build.log" 2>&1); then
  pass "dpkg-buildpackage -b built the package ($((SECONDS - t)) s)"
else
  failc "dpkg-buildpackage failed: $(tail -15 "$WORK/build.log")"; exit 1
fi
DEB=$(ls "$WORK"/danebox_*.deb 2>/dev/null | head -1)
[ -n "$DEB" ] || { failc "no danebox_*.deb"; exit 1; }
if command -v lintian >/dev/null; then
  t=$SECONDS
  tags=$(lintian -I -E --pedantic "$WORK"/danebox_*.changes 2>&1 | grep -E '^[EWIPX]: ')
  [ -z "$tags" ] && pass "lintian --pedantic -I -E: no tag beyond debian/danebox.lintian-overrides ($((SECONDS - t)) s)" \
    || failc "lintian: $tags"
fi
sbu=$(dpkg-deb -f "$DEB" Built-Using)
if [[ $sbu == *"mbedtls (= 3.6.7-3)"* && $sbu == *"ldns (= "* && $sbu == *"bearssl (= "* ]]; then
  pass "Built-Using names the linked pinned sources ($sbu)"
else failc "Built-Using: '$sbu'"; fi

# ---- unpack into a throwaway root and check the files -----------------------------
ROOT=$WORK/root
dpkg -x "$DEB" "$ROOT"
chmod 755 "$ROOT"
want=(usr/bin/danebox etc/danebox/danebox.conf lib/systemd/system/danebox-relay.service
      usr/lib/sysusers.d/danebox.conf usr/lib/tmpfiles.d/danebox.conf
      usr/share/man/man1/danebox.1.gz usr/share/man/man5/danebox.conf.5.gz
      usr/share/man/man8/danebox-relay.8.gz usr/share/doc/danebox/copyright)
missing=()
for f in "${want[@]}"; do [ -f "$ROOT/$f" ] || missing+=("$f"); done
[ ${#missing[@]} = 0 ] && pass "package holds binary, config, unit, sysusers/tmpfiles, 3 man pages, copyright" \
  || failc "missing from the package: ${missing[*]}"
if dpkg-deb -c "$DEB" | grep -q -e '\.elf' -e 'firmware'; then failc "firmware in the package"
else pass "no firmware in the package"; fi
conff=$(dpkg-deb -I "$DEB" conffiles 2>/dev/null)
[ "$conff" = /etc/danebox/danebox.conf ] && pass "/etc/danebox/danebox.conf is the conffile" \
  || failc "conffiles: '$conff'"
ver=$("$ROOT/usr/bin/danebox" --version 2>&1)
[[ $ver == danebox\ * ]] && pass "packaged binary runs ($ver)" || failc "danebox --version: '$ver'"
if "$ROOT/usr/bin/danebox" relay --config "$ROOT/etc/danebox/danebox.conf" --check-config >/dev/null; then
  pass "the shipped danebox.conf passes --check-config"
else failc "shipped danebox.conf rejected"; fi

# ---- man pages ------------------------------------------------------------------
manbad=""
for m in "$ROOT"/usr/share/man/man*/*.gz; do
  w=$( { zcat "$m" | groff -ww -man -z; } 2>&1)
  w2=$(MANWIDTH=80 man -l "$m" 2>&1 >/dev/null)
  [ -z "$w$w2" ] || manbad="$manbad $(basename "$m"): $w $w2"
done
[ -z "$manbad" ] && pass "man pages render with groff -ww and man -l without a warning" || failc "man:$manbad"
if zcat "$ROOT/usr/share/man/man1/danebox.1.gz" | grep -q 'danebox monitor' &&
   zcat "$ROOT/usr/share/man/man5/danebox.conf.5.gz" | grep -q 'queue_run_interval'; then
  pass "man pages cover the subcommands and the config keys"
else failc "man page content"; fi

# ---- the unit -------------------------------------------------------------------
UNIT=$ROOT/lib/systemd/system/danebox-relay.service
mkdir -p "$WORK/unit"
sed "s|/usr/bin/danebox|$ROOT/usr/bin/danebox|" "$UNIT" >"$WORK/unit/danebox-relay.service"
v=$(MANPATH=$ROOT/usr/share/man systemd-analyze verify "$WORK/unit/danebox-relay.service" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$v" ] && pass "systemd-analyze verify accepts the unit (no message)" || failc "verify rc=$rc: $v"
hard_missing=()
for k in 'User=danebox' 'ProtectSystem=strict' 'ReadWritePaths=/var/spool/danebox' 'NoNewPrivileges=yes' \
         'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' 'PrivateTmp=yes' \
         'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' 'SystemCallFilter=@system-service' \
         'ExecReload=/bin/kill -HUP $MAINPID'; do
  grep -qxF "$k" "$UNIT" || hard_missing+=("$k")
done
[ ${#hard_missing[@]} = 0 ] && pass "unit has the required hardening lines and ExecReload=SIGHUP" \
  || failc "unit lacks: ${hard_missing[*]}"
sec=$(systemd-analyze security --offline=true --no-pager "$WORK/unit/danebox-relay.service" 2>&1 |
      sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]* [A-Z]*\).*/\1/p')
case $sec in
  *PERFECT|*SAFE|*OK) pass "systemd-analyze security --offline: exposure $sec" ;;
  *) failc "exposure level '$sec' (want OK or better)" ;;
esac

# ---- the unit's user, from the package's sysusers.d file ------------------------------
cp /etc/passwd /etc/group "$ROOT/etc/"   # so the uid picked is free on this machine too
if systemd-sysusers --root="$ROOT" "$ROOT/usr/lib/sysusers.d/danebox.conf" >"$WORK/sysusers.log" 2>&1 &&
   uid=$(awk -F: '$1=="danebox"{print $3}' "$ROOT/etc/passwd") && [ -n "$uid" ]; then
  gid=$(awk -F: '$1=="danebox"{print $4}' "$ROOT/etc/passwd")
  pass "sysusers.d/danebox.conf creates the system user danebox (uid $uid) in the throwaway root"
else failc "systemd-sysusers: $(cat "$WORK/sysusers.log")"; exit 1; fi
SPOOL=$ROOT/var/spool/danebox
install -d -o "$uid" -g "$gid" -m 0700 "$SPOOL"   # what the postinst / tmpfiles.d entry do

# ---- the relay from the unit's ExecStart, in the rig ----------------------------
if [ "$E2E_SHARED" = 1 ]; then
  e2e_rig_up 150 "$WORK/rig.log" || { failc "e2e rig up: $(tail -5 "$WORK/rig.log")"; exit 1; }
elif ! wait "$RIG_JOB"; then failc "e2e rig up: $(tail -5 "$WORK/rig.log")"; exit 1; fi
pass "e2e rig up (ready $((SECONDS - T0)) s after the start, beside the package build)"
. "$E2E_DIR/env"
NSX=(ip netns exec "$E2E_NS")
cat >"$ROOT/etc/danebox/danebox.conf" <<EOF
# the packaged config, edited for the rig as an operator would
listen = 127.0.0.1:25
allow = 127.0.0.0/8
hostname = relay.pkg.test
spool = $SPOOL
resolver = 192.0.2.2
anchor = $RIG_ANCHOR
dnssec_time = $RIG_TIME
queue_run_interval = 2s
retry_min = 2s
connect_timeout = 5s
smtp_timeout = 15s
EOF
# private /dev for the relay: the usual nodes plus /dev/log = the test listener
DEV=$WORK/dev
mkdir -p "$DEV"; chmod 755 "$DEV"
cat >"$WORK/logd.py" <<'PY'
import os, socket, sys, time
path, out, life = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path); os.chmod(path, 0o666); s.settimeout(0.5)
end = time.time() + life
with open(out, "ab", buffering=0) as f:
    while time.time() < end:
        try:
            f.write(s.recv(8192).rstrip(b"\0\n") + b"\n")
        except socket.timeout:
            pass
PY
python3 "$WORK/logd.py" "$DEV/log" "$WORK/syslog.txt" 240 &
LOGD_PID=$!
for _ in $(seq 50); do [ -S "$DEV/log" ] && break; sleep 0.1; done
exec_line=$(sed -n 's/^ExecStart=//p' "$UNIT")
cmd=${exec_line//\/usr\/bin\/danebox/$ROOT/usr/bin/danebox}
cmd=${cmd//\/etc\/danebox\//$ROOT/etc/danebox/}
cat >"$WORK/start.sh" <<EOF
set -e
for n in null zero full random urandom tty; do touch "$DEV/\$n"; mount --bind "/dev/\$n" "$DEV/\$n"; done
ln -sf /proc/self/fd "$DEV/fd"
mount --rbind "$DEV" /dev
exec setpriv --reuid=$uid --regid=$gid --clear-groups --no-new-privs \
  --inh-caps=-all,+net_bind_service --ambient-caps=-all,+net_bind_service \
  --bounding-set=-all,+net_bind_service -- $cmd
EOF
"${NSX[@]}" unshare -m --propagation private bash "$WORK/start.sh" >"$WORK/relay.stdout" 2>"$WORK/relay.stderr" </dev/null &
RELAY_PID=$!
up=0
for _ in $(seq 50); do
  "${NSX[@]}" bash -c 'exec 3<>/dev/tcp/127.0.0.1/25' 2>/dev/null && { up=1; break; }
  sleep 0.1
done
[ $up = 1 ] && pass "relay from the unit's ExecStart listens on port 25 as uid $uid (CAP_NET_BIND_SERVICE only)" \
  || { failc "relay did not listen: $(cat "$WORK/relay.stderr")"; exit 1; }
rpid=$(pgrep -f "$ROOT/usr/bin/danebox relay --config" | head -1)
st=$(grep -E '^(Uid|CapEff|NoNewPrivs):' /proc/"$rpid"/status 2>/dev/null | tr -s '\t ' ' ' | tr '\n' ';')
[[ $st == *"Uid: $uid $uid $uid $uid;"* && $st == *"CapEff: 0000000000000400;"* && $st == *"NoNewPrivs: 1;"* ]] &&
  pass "relay process: uid $uid, effective capabilities CAP_NET_BIND_SERVICE only, no_new_privs" ||
  failc "relay process status: $st"

tok=pkg$$
out=$("${NSX[@]}" timeout 30 swaks --server 127.0.0.1:25 --from sender@dane-ee.test --to "a@dane-ee.test" \
  --header "Subject: package test $tok" --body "token $tok" 2>&1)
qid=$(sed -n 's/.*250 2.0.0 Ok: queued as \([0-9A-F]*\).*/\1/p' <<<"$out" | head -1)
[ -n "$qid" ] && pass "message accepted on port 25 (queued as $qid)" || failc "not accepted: $(tail -5 <<<"$out")"
ok=0
for _ in $(seq 200); do
  grep -q "token $tok" "$RUNDIR/dane-ee/mail/mailbox" 2>/dev/null && { ok=1; break; }
  sleep 0.2
done
[ $ok = 1 ] && pass "message delivered to the rig's dane-ee.test Postfix" || failc "message $qid not delivered"
sleep 0.5
if grep -E "^<22>.*danebox\[[0-9]+\]: $qid: to=<a@dane-ee.test>.*status=sent.*tls=dane-verified" \
     "$WORK/syslog.txt" >/dev/null; then
  pass "delivery line arrived through syslog, facility mail (<22> = mail.info), dane-verified"
else failc "no mail.info delivery line in syslog: $(tail -3 "$WORK/syslog.txt")"; fi
grep -q '^<19>\|^<20>' "$WORK/syslog.txt" && failc "error/warning lines in syslog: $(grep '^<1[89]>\|^<20>' "$WORK/syslog.txt" | head -2)" \
  || pass "no warning or error line in syslog"
[ ! -s "$WORK/relay.stderr" ] && pass "nothing logged on stderr (not a terminal: syslog)" \
  || failc "stderr not empty: $(head -3 "$WORK/relay.stderr")"

kill -HUP "$rpid"   # the unit's ExecReload
ok=0
for _ in $(seq 50); do grep -q 'reload: configuration .* applied' "$WORK/syslog.txt" && { ok=1; break; }; sleep 0.1; done
[ $ok = 1 ] && pass "SIGHUP (ExecReload) reloads the configuration, logged through syslog" \
  || failc "no reload line: $(tail -2 "$WORK/syslog.txt")"
kill -TERM "$rpid"
for _ in $(seq 100); do kill -0 "$RELAY_PID" 2>/dev/null || break; sleep 0.1; done
wait "$RELAY_PID"; rc=$?; RELAY_PID=
[ $rc = 0 ] && grep -q 'danebox\[[0-9]*\]: stopped' "$WORK/syslog.txt" && pass "SIGTERM: drained and stopped, exit 0" \
  || failc "stop: rc=$rc"

echo "test_package: $((SECONDS - T0)) s"
finish
