#!/usr/bin/env bash
# qemu-net.sh -- run QEMU with its LAN9118 on the DNS rig's link.
#
#   RIG_NS=<netns> tools/rig/qemu-net.sh [-t TAP] -- <qemu-system-arm args...>
#
# Inside netns $RIG_NS (made by dns-rig.sh up) it creates tap device TAP
# (default qtap0), enslaves it to the rig0 bridge (where 192.0.2.2/.53 and
# 2001:db8::2/::53 live), runs the given QEMU command via `ip netns exec`
# with "-nic tap,model=lan9118,ifname=TAP,script=no,downscript=no" appended,
# deletes the tap afterwards and exits with QEMU's status.  Nothing outside
# the netns is touched.  The firmware's addresses come from its config block
# (-append "ip=192.0.2.100/24 ip6=2001:db8::100 ...").
#
# rig0 must be a bridge: dns-rig.sh makes it one on kernels without the
# dummy driver (this VM).  With a dummy rig0 the script refuses with a clear
# message rather than guessing at routing.
set -uo pipefail
RIG_NS=${RIG_NS:-dbxrig}
tap=qtap0
die() { echo "qemu-net($RIG_NS): $*" >&2; exit 125; }

while [ $# -gt 0 ]; do
  case $1 in
    -t) tap=${2:?-t needs a name}; shift 2 ;;
    --) shift; break ;;
    *) die "usage: RIG_NS=ns $0 [-t TAP] -- qemu-system-arm ARGS..." ;;
  esac
done
[ $# -gt 0 ] || die "no QEMU command given"
[[ $tap =~ ^[A-Za-z0-9_.-]{1,15}$ ]] || die "bad tap name '$tap'"
ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$RIG_NS" ||
  die "netns $RIG_NS absent (run: RIG_NS=$RIG_NS tools/rig/dns-rig.sh up)"
ip netns exec "$RIG_NS" test -d /sys/class/net/rig0/bridge ||
  die "rig0 in $RIG_NS is not a bridge (dummy driver present?); a tap cannot join it"

cleanup() { ip -n "$RIG_NS" link del "$tap" 2>/dev/null; }
ip -n "$RIG_NS" link del "$tap" 2>/dev/null   # leftover from a killed run
ip -n "$RIG_NS" tuntap add dev "$tap" mode tap || die "cannot create tap $tap"
trap cleanup EXIT
trap 'exit 130' INT TERM
ip -n "$RIG_NS" link set "$tap" master rig0 || die "cannot attach $tap to rig0"
ip -n "$RIG_NS" link set "$tap" up || die "cannot bring $tap up"

ip netns exec "$RIG_NS" "$@" -nic "tap,model=lan9118,ifname=$tap,script=no,downscript=no"
