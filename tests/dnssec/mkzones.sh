#!/usr/bin/env bash
# Build a small signed DNS tree for offline validation tests, at test time,
# with fresh keys (ldns-keygen / ldns-signzone).  Output in $1 (default
# build/host/zones): one signed file per zone, all.zone (everything),
# anchor.txt (root DS), and expected validation time in time.txt.
#
#   .                RSASHA256 (8), NSEC
#   test.            ECDSAP256 (13), NSEC3 iter 0, no opt-out
#   example.test.    ECDSAP384 (14), NSEC   (MX, A, TLSA, CNAME chain, wildcard,
#                    DNAME, empty non-terminal, CNAME loop, long chain)
#   n3.test.         RSASHA512 (10), NSEC3 iter 5 salt, opt-out, unsigned child
#   insecure.test.   unsigned (no DS in test.)
#   ed.test.         ED25519 (15) only -> unsupported -> insecure
#   expired.test.    signatures expired at validation time
#   iter.test.       NSEC3 iterations 200 -> above limit
#   sha1.test.       DS digest SHA-1 only (accepted: no stronger DS)
#   baddnskey.test.  DS names a key that is not in the DNSKEY set -> bogus
#   big.test.        RSASHA256, four 2048-bit keys (DNSKEY signed data > 1 KB),
#                    eight long TXT records (~2.6 KB signed data)
#   weak.test.       NSEC3 iterations 500 (above the limit), a TLSA CNAME
#                    into example.test.
set -euo pipefail
out=${1:-build/host/zones}
rm -rf "$out"; mkdir -p "$out"; cd "$out"
INC=20240101000000 EXP=20350101000000
NOW=1767225600   # 2026-01-01
echo $NOW > time.txt

key() { # zone alg [ksk] -> prints base name
  local b; if [ "${3:-}" = ksk ]; then b=$(ldns-keygen -k -a "$2" -b "$4" "$1"); else b=$(ldns-keygen -a "$2" -b "$4" "$1"); fi
  echo "$b"
}
sign() { # zone file "options" keys...
  local z=$1 f=$2 o=$3; shift 3
  # shellcheck disable=SC2086
  ldns-signzone -o "$z" -f "$f.signed" $o "$f" "$@" >/dev/null
}
soa() { local n=ns.$1 h=hostmaster.$1; [ "$1" = . ] && n=ns.test. && h=hostmaster.test.
  echo "$1 3600 IN SOA $n $h 1 7200 3600 1209600 300"; echo "$1 3600 IN NS $n"; }

# ---- leaves first (their DS go into the parents) ----
{ soa example.test.
  cat <<'Z'
example.test. 3600 IN MX 10 mx.example.test.
mx.example.test. 3600 IN A 192.0.2.25
mx.example.test. 3600 IN AAAA 2001:db8::25
_25._tcp.mx.example.test. 3600 IN TLSA 3 1 1 8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1
www.example.test. 3600 IN CNAME mx.example.test.
alias.example.test. 3600 IN CNAME www.example.test.
ext.example.test. 3600 IN CNAME host.n3.test.
*.wild.example.test. 3600 IN A 192.0.2.80
*.wild.example.test. 3600 IN TXT "wild"
a.b.example.test. 3600 IN A 192.0.2.81
loop1.example.test. 3600 IN CNAME loop2.example.test.
loop2.example.test. 3600 IN CNAME loop1.example.test.
c1.example.test. 3600 IN CNAME c2.example.test.
c2.example.test. 3600 IN CNAME c3.example.test.
c3.example.test. 3600 IN CNAME c4.example.test.
c4.example.test. 3600 IN CNAME c5.example.test.
c5.example.test. 3600 IN CNAME c6.example.test.
c6.example.test. 3600 IN CNAME c7.example.test.
c7.example.test. 3600 IN CNAME c8.example.test.
c8.example.test. 3600 IN CNAME c9.example.test.
c9.example.test. 3600 IN CNAME c10.example.test.
c10.example.test. 3600 IN A 192.0.2.99
dn.example.test. 3600 IN DNAME n3.test.
existing.wild.example.test. 3600 IN A 192.0.2.83
bogusmx.example.test. 3600 IN MX 10 tobogus.example.test.
tobogus.example.test. 3600 IN CNAME www.expired.test.
_25._tcp.tl.wild.example.test. 3600 IN TLSA 3 1 1 8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1
ns.example.test. 3600 IN A 192.0.2.53
a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a1.b1.c1.d1.e1.f1.g1.h1.i1.j1.k1.l1.m1.n1.o1.p1.q1.r1.s1.t1.deep.example.test. 3600 IN A 192.0.2.82
multi.example.test. 3600 IN TXT "ccc"
multi.example.test. 3600 IN TXT "a"
multi.example.test. 3600 IN TXT "bb"
multi.example.test. 3600 IN MX 10 Mail.Example.TEST.
multi.example.test. 3600 IN MX 5 a.example.test.
Z
} > example.test
k1=$(key example.test. 14 ksk 384); k2=$(key example.test. 14 "" 384)
sign example.test. example.test "-i $INC -e $EXP" "$k1" "$k2"; cp "$k1.ds" example.test.ds

{ soa n3.test.
  cat <<'Z'
host.n3.test. 3600 IN A 192.0.2.3
mx.n3.test. 3600 IN A 192.0.2.4
_25._tcp.mx.n3.test. 3600 IN TLSA 2 0 1 8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1
*.w.n3.test. 3600 IN A 192.0.2.5
existing.w.n3.test. 3600 IN A 192.0.2.13
unsigned.n3.test. 3600 IN NS ns.unsigned.n3.test.
ns.unsigned.n3.test. 3600 IN A 192.0.2.53
ns.n3.test. 3600 IN A 192.0.2.53
Z
} > n3.test
k1=$(key n3.test. 10 ksk 2048); k2=$(key n3.test. 10 "" 1024)
sign n3.test. n3.test "-n -t 5 -s abcd -p -i $INC -e $EXP" "$k1" "$k2"; cp "$k1.ds" n3.test.ds
{ soa unsigned.n3.test.; echo "www.unsigned.n3.test. 3600 IN A 192.0.2.6"; } > unsigned.n3.test.signed

{ soa insecure.test.; echo "www.insecure.test. 3600 IN A 192.0.2.7"; } > insecure.test.signed

{ soa ed.test.; echo "www.ed.test. 3600 IN A 192.0.2.8"; } > ed.test
k1=$(key ed.test. 15 ksk 256); k2=$(key ed.test. 15 "" 256)
sign ed.test. ed.test "-i $INC -e $EXP" "$k1" "$k2"; cp "$k1.ds" ed.test.ds

{ soa expired.test.; echo "www.expired.test. 3600 IN A 192.0.2.9"; } > expired.test
k1=$(key expired.test. 13 ksk 256); k2=$(key expired.test. 13 "" 256)
sign expired.test. expired.test "-i 20200101000000 -e 20210101000000" "$k1" "$k2"; cp "$k1.ds" expired.test.ds

{ soa iter.test.; echo "www.iter.test. 3600 IN A 192.0.2.10"; } > iter.test
k1=$(key iter.test. 13 ksk 256); k2=$(key iter.test. 13 "" 256)
sign iter.test. iter.test "-n -t 200 -s 01 -i $INC -e $EXP" "$k1" "$k2"; cp "$k1.ds" iter.test.ds

{ soa sha1.test.; echo "www.sha1.test. 3600 IN A 192.0.2.11"; } > sha1.test
k1=$(key sha1.test. 13 ksk 256); k2=$(key sha1.test. 13 "" 256)
sign sha1.test. sha1.test "-i $INC -e $EXP" "$k1" "$k2"
# SHA-1 DS derived from the SHA-256 one's key: ldns-key2ds -1
ldns-key2ds -n -1 "$k1.key" > sha1.test.ds

{ soa baddnskey.test.; echo "www.baddnskey.test. 3600 IN A 192.0.2.12"; } > baddnskey.test
k1=$(key baddnskey.test. 13 ksk 256); k2=$(key baddnskey.test. 13 "" 256); k3=$(key baddnskey.test. 13 ksk 256)
sign baddnskey.test. baddnskey.test "-i $INC -e $EXP" "$k1" "$k2"; cp "$k3.ds" baddnskey.test.ds

{ soa big.test.
  echo "www.big.test. 3600 IN A 192.0.2.14"
  long=$(printf 'x%.0s' $(seq 250))
  for i in 1 2 3 4 5 6 7 8; do echo "txt.big.test. 3600 IN TXT \"$i$long\" \"$long\""; done
} > big.test
k1=$(key big.test. 8 ksk 2048); k2=$(key big.test. 8 ksk 2048)
k3=$(key big.test. 8 "" 2048); k4=$(key big.test. 8 "" 2048)
sign big.test. big.test "-i $INC -e $EXP" "$k1" "$k2" "$k3" "$k4"; cat "$k1.ds" "$k2.ds" > big.test.ds

{ soa weak.test.
  echo "mx3.weak.test. 3600 IN A 192.0.2.15"
  echo "_25._tcp.mx3.weak.test. 3600 IN CNAME _25._tcp.mx.example.test."
} > weak.test
k1=$(key weak.test. 13 ksk 256); k2=$(key weak.test. 13 "" 256)
sign weak.test. weak.test "-n -t 500 -s 01 -i $INC -e $EXP" "$k1" "$k2"; cp "$k1.ds" weak.test.ds

# ---- test. ----
{ soa test.
  for z in example n3 insecure ed expired iter sha1 baddnskey big weak; do
    echo "$z.test. 3600 IN NS ns.$z.test."
    echo "ns.$z.test. 3600 IN A 192.0.2.53"
  done
  cat example.test.ds n3.test.ds ed.test.ds expired.test.ds iter.test.ds sha1.test.ds baddnskey.test.ds \
      big.test.ds weak.test.ds
  echo "ns.test. 3600 IN A 192.0.2.53"
} > test
k1=$(key test. 13 ksk 256); k2=$(key test. 13 "" 256)
sign test. test "-n -t 0 -i $INC -e $EXP" "$k1" "$k2"; cp "$k1.ds" test.ds
# attack material: records below the secure delegation example.test. signed
# with test.'s keys ("an answer signed by the parent"), in parentsig.zone
{ soa test.
  echo "mx.example.test. 3600 IN A 192.0.2.66"
  echo "_25._tcp.mx.example.test. 3600 IN TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000000"
} > parentsig
sign test. parentsig "-i $INC -e $EXP" "$k2"
awk '($1=="mx.example.test." || $1=="_25._tcp.mx.example.test.") &&
     ($4=="A" || $4=="TLSA" || ($4=="RRSIG" && ($5=="A" || $5=="TLSA")))' parentsig.signed > parentsig.zone

# ---- root ----
{ soa .
  echo "test. 3600 IN NS ns.test."
  cat test.ds
} > root
k1=$(key . 8 ksk 2048); k2=$(key . 8 "" 1024)
sign . root "-i $INC -e $EXP" "$k1" "$k2"
cp "$k1.ds" anchor.txt
cat root.signed test.signed example.test.signed n3.test.signed unsigned.n3.test.signed \
    insecure.test.signed ed.test.signed expired.test.signed iter.test.signed sha1.test.signed \
    baddnskey.test.signed big.test.signed weak.test.signed > all.zone
echo "zones in $out"
