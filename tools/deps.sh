#!/usr/bin/env bash
# Fetch the pinned dependency sources (Debian 13 "trixie" source packages) with
# `apt-get source`, using a private apt state folder under deps/.apt so the
# machine's own apt configuration is never touched.  The deb-src entry is
# derived from the machine's own Debian apt source (deb822 or one-line form);
# no archive host is written in this repository.  apt verifies the Release
# signature and the checksums of every file it fetches.
#
# Idempotent: a dependency already unpacked at its pinned version is skipped.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
DEPS=${DEPS:-$top/deps}
SUITE=${DEPS_SUITE:-trixie}

# name=version[@suite[,suite...]]  ->  unpacked folder (suite: $SUITE unless
# named; apt takes the pinned version from whichever listed suite has it)
PINS=(
  "mbedtls=3.6.7-3@testing,unstable:mbedtls-3.6.7"
  "ldns=1.8.4-2:ldns-1.8.4"
  "lwip=2.2.1+dfsg1-1+deb13u1:lwip-2.2.1+dfsg1"
  "unbound=1.17.1-2+deb12u4@bookworm:unbound-1.17.1"
  "bearssl=0.6+dfsg.1-3@bookworm:bearssl-0.6+dfsg.1"
)

need=0
for p in "${PINS[@]}"; do
  dir=${p#*:}
  [ -f "$DEPS/$dir/.dbx-unpacked" ] || need=1
done
[ $need = 1 ] || { echo "deps: all pinned sources present in $DEPS"; exit 0; }

command -v dpkg-source >/dev/null || { echo "deps: dpkg-source missing (run tools/setup.sh)" >&2; exit 1; }

# --- derive the archive URI from the machine's own apt configuration -------
uri=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  # first stanza whose Suites mention a Debian release and that is not -security
  uri=$(awk '
    BEGIN{RS=""; FS="\n"}
    {
      u=""; s=""; sig="";
      for(i=1;i<=NF;i++){
        if($i ~ /^URIs:/){sub(/^URIs:[ \t]*/,"",$i); split($i,a," "); u=a[1]}
        if($i ~ /^Suites:/){s=$i}
        if($i ~ /^Signed-By:/){sig=$i}
      }
      if(u!="" && s !~ /security/ && sig ~ /debian-archive-keyring/){print u; exit}
    }' "$f")
  [ -n "$uri" ] && break
done
if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
  uri=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if($i ~ /^[a-z]+:\/\//){print $i; exit}}' /etc/apt/sources.list)
fi
[ -n "$uri" ] || { echo "deps: cannot derive a Debian archive URI from /etc/apt" >&2; exit 1; }

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { echo "deps: $keyring missing (install debian-archive-keyring)" >&2; exit 1; }

st="$DEPS/.apt"
mkdir -p "$st/lists/partial" "$st/cache/archives/partial" "$st/etc/sources.list.d" \
         "$st/etc/preferences.d" "$st/dl"
: > "$st/etc/sources.list"
# every suite a pin names, beside the default one
suites=$SUITE
IFS_SAVE=$IFS; IFS=$IFS,
for p in "${PINS[@]}"; do
  spec=${p%%:*}
  case $spec in *@*) ;; *) continue ;; esac
  for s in ${spec#*@}; do
    case " $suites " in *" $s "*) ;; *) suites="$suites $s" ;; esac
  done
done
IFS=$IFS_SAVE
cat > "$st/etc/sources.list.d/dbx-src.sources" <<EOS
Types: deb-src
URIs: $uri
Suites: $suites
Components: main
Signed-By: $keyring
EOS
opts=(-o "Dir::State=$st" -o "Dir::State::Lists=$st/lists" -o "Dir::Cache=$st/cache"
      -o "Dir::Etc::SourceList=$st/etc/sources.list"
      -o "Dir::Etc::SourceParts=$st/etc/sources.list.d"
      -o "Dir::Etc::Preferences=$st/etc/preferences"
      -o "Dir::Etc::PreferencesParts=$st/etc/preferences.d"
      -o "APT::Sandbox::User=root" -q)

echo "deps: apt-get update (private state, suites $suites)"
ok=0
for try in 1 2 3; do
  if apt-get "${opts[@]}" update >"$st/update.log" 2>&1; then ok=1; break; fi
  sleep $((try * 5))
done
[ $ok = 1 ] || { cat "$st/update.log" >&2; echo "deps: apt-get update failed" >&2; exit 1; }

cd "$st/dl"
for p in "${PINS[@]}"; do
  spec=${p%%:*}; dir=${p#*:}; spec=${spec%@*}
  [ -f "$DEPS/$dir/.dbx-unpacked" ] && continue
  echo "deps: apt-get source $spec"
  ok=0
  for try in 1 2 3; do
    if apt-get "${opts[@]}" source --download-only "$spec" >"$st/source.log" 2>&1; then ok=1; break; fi
    sleep $((try * 5))
  done
  [ $ok = 1 ] || { cat "$st/source.log" >&2; echo "deps: cannot fetch $spec (pinned version gone?)" >&2; exit 1; }
  name=${spec%%=*}; ver=${spec#*=}
  rm -rf "$DEPS/$dir"
  dpkg-source -q -x "${name}_${ver#*:}.dsc" "$DEPS/$dir" >"$st/unpack.log" 2>&1 || { cat "$st/unpack.log" >&2; exit 1; }
  echo "$spec" > "$DEPS/$dir/.dbx-unpacked"
done
echo "deps: ready in $DEPS"
