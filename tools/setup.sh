#!/usr/bin/env bash
# Install what danebox needs on a fresh Debian machine: the binary packages in
# tools/packages.txt (only the missing ones) and the pinned dependency sources
# (tools/deps.sh).  Safe to run again: it does nothing when all is in place.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$top/tools/packages.txt" | grep -v '^$')
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  # postfix asks for a "mail configuration type": the SMTP rig writes its own
  # per-instance configs, the system instance stays unconfigured.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  ok=0
  for try in 1 2 3; do
    if $SUDO apt-get update -q >/dev/null && \
       $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/dbx-setup-apt.log 2>&1; then
      ok=1; break
    fi
    sleep $((try * 5))
  done
  [ $ok = 1 ] || { tail -30 /tmp/dbx-setup-apt.log >&2; echo "setup: apt-get install failed" >&2; exit 1; }
  # daemons installed as packages must not keep running outside the rig
  for svc in nsd unbound postfix exim4; do
    command -v systemctl >/dev/null && systemctl stop "$svc" >/dev/null 2>&1 || true
    [ -x /etc/init.d/$svc ] && /etc/init.d/$svc stop >/dev/null 2>&1 || true
  done
else
  echo "setup: all packages present"
fi
"$top/tools/deps.sh"
