#!/usr/bin/env bash
# Generate the DANE test PKI with openssl into build/dane/ (nothing secret is
# committed).  Fixed validity dates so cases.txt can use fixed times:
#   CAs and normal leaves  2024-01-01 .. 2034-01-01
#   expired leaf           2020-01-01 .. 2021-01-01
#   never-valid leaf       2035-01-01 .. 2040-01-01
# Per algorithm A in rsa (RSA-2048 throughout) and ec (P-384 root, P-256
# intermediate and leaves):
#   A-root A-int A-leaf(mx.example) A-expired A-future A-wrong(other.example)
#   A-wild(*.mx.example) A-cn(CN only, no SAN) A-cnsan(CN mx.example, SAN
#   other.example) A-self(self-signed EE)
#   A-badsig (issuer DN of A-int, signed by another key)
# Chains (leaf first): A-chain (leaf,int,root), A-chain2 (leaf,int: TA not
# sent), A-expired-chain, A-future-chain, A-wrong-chain, A-wild-chain,
# A-cn-chain, A-cnsan-chain, A-self-chain, A-badsig-chain.
# ec-anon: a self-signed DANE-EE leaf with an empty subject and issuer (the
# "anonymous" certificates of OpenSSL's DANE tests), which mbedTLS 3.6 cannot
# parse; ec-anonsub: the same key with a normal subject (the in-memory TLS
# peer of the unit tests parses this one and sends ec-anon's DER).
# tokens.txt: "NAME.{cert,spki}.{full,sha256,sha512} HEX" for every cert.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/dane}
mkdir -p "$out"; out=$(cd "$out" && pwd)   # absolute: the script cds into it
stamp=$out/.stamp
if [ -f "$stamp" ] && [ "$stamp" -nt "$0" ]; then exit 0; fi
rm -rf "$out"; mkdir -p "$out"; cd "$out"

cat >ca.cnf <<'CNF'
[ ca ]
default_ca = dflt
[ dflt ]
database = ./db/index.txt
new_certs_dir = ./db
serial = ./db/serial
default_md = sha256
policy = any
unique_subject = no
email_in_dn = no
[ any ]
commonName = supplied
organizationName = optional
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_self ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment, keyCertSign
subjectAltName = DNS:mx.example
[ v3_leaf ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $ENV::SAN
[ v3_cn ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
CNF

key() { # alg curve file
  if [ "$1" = rsa ]; then openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$3"
  else openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:"$2" -out "$3"; fi
}

# sign NAME CN ISSUER(name|self) EXT START END [SAN]
sign() {
  local name=$1 cn=$2 iss=$3 ext=$4 start=$5 end=$6
  export SAN=${7:-DNS:none.invalid}
  openssl req -new -key "$name.key" -subj "/O=danebox test/CN=$cn" -out "$name.csr" 2>/dev/null
  mkdir -p db; : >db/index.txt; [ -f db/serial ] || echo 1000 >db/serial
  if [ "$iss" = self ]; then
    openssl ca -batch -config ca.cnf -selfsign -keyfile "$name.key" -in "$name.csr" \
      -out "$name.pem" -startdate "$start" -enddate "$end" -extensions "$ext" -notext \
      -preserveDN 2>/dev/null
  else
    openssl ca -batch -config ca.cnf -cert "$iss.pem" -keyfile "$iss.key" -in "$name.csr" \
      -out "$name.pem" -startdate "$start" -enddate "$end" -extensions "$ext" -notext \
      -preserveDN 2>/dev/null
  fi
}

V0=20240101000000Z; V1=20340101000000Z
for A in rsa ec; do
  if [ $A = rsa ]; then c1=; c2=; else c1=P-384; c2=P-256; fi
  key $A "$c1" $A-root.key; key $A "$c2" $A-int.key
  for l in leaf expired future wrong wild cn cnsan self evil; do key $A "$c2" $A-$l.key; done
  sign $A-root "$A root CA" self v3_ca $V0 $V1
  sign $A-int "$A intermediate CA" $A-root v3_ca $V0 $V1
  sign $A-leaf mx.example $A-int v3_leaf $V0 $V1 DNS:mx.example,DNS:alt.example
  sign $A-expired mx.example $A-int v3_leaf 20200101000000Z 20210101000000Z DNS:mx.example
  sign $A-future mx.example $A-int v3_leaf 20350101000000Z 20400101000000Z DNS:mx.example
  sign $A-wrong other.example $A-int v3_leaf $V0 $V1 DNS:other.example
  sign $A-wild '*.mx.example' $A-int v3_leaf $V0 $V1 'DNS:*.mx.example'
  sign $A-cn mx.example $A-int v3_cn $V0 $V1
  sign $A-self mx.example self v3_self $V0 $V1
  sign $A-cnsan mx.example $A-int v3_leaf $V0 $V1 DNS:other.example
  # an impostor CA with the intermediate's DN but another key
  cp $A-int.csr $A-evil.csr.keep
  openssl req -new -key $A-evil.key -subj "/O=danebox test/CN=$A intermediate CA" -out $A-evil.csr 2>/dev/null
  openssl ca -batch -config ca.cnf -cert $A-root.pem -keyfile $A-root.key -in $A-evil.csr \
    -out $A-evil.pem -startdate $V0 -enddate $V1 -extensions v3_ca -notext -preserveDN 2>/dev/null
  key $A "$c2" $A-badsig.key
  sign $A-badsig mx.example $A-evil v3_leaf $V0 $V1 DNS:mx.example
  cat $A-leaf.pem $A-int.pem $A-root.pem >$A-chain.pem
  cat $A-leaf.pem $A-int.pem >$A-chain2.pem
  for l in expired future wrong wild cn cnsan badsig; do cat $A-$l.pem $A-int.pem $A-root.pem >$A-$l-chain.pem; done
  cp $A-self.pem $A-self-chain.pem
done
key ec P-256 ec-anon.key
openssl req -new -x509 -key ec-anon.key -subj / -addext subjectAltName=DNS:mx.example \
  -set_serial 7 -days 3650 -out ec-anon.pem 2>/dev/null
openssl req -new -x509 -key ec-anon.key -subj /CN=mx.example -set_serial 8 -days 3650 \
  -out ec-anonsub.pem 2>/dev/null
# a chain of 10 (leaf + 9 CAs) for the chain-length limit
prev=rsa-root; : >long-cas.pem
for i in 1 2 3 4 5 6 7 8 9; do
  key ec P-256 long$i.key; sign long$i "long CA $i" $prev v3_ca $V0 $V1
  cat long$i.pem long-cas.pem >long-tmp.pem; mv long-tmp.pem long-cas.pem; prev=long$i
done
key ec P-256 long-leaf.key; sign long-leaf mx.example $prev v3_leaf $V0 $V1 DNS:mx.example
cat long-leaf.pem long-cas.pem rsa-root.pem >long-chain.pem

hex() { od -An -v -tx1 | tr -d ' \n'; }
: >tokens.txt
for p in *.pem; do
  case $p in *-chain*.pem|long-cas.pem) continue;; esac
  n=${p%.pem}
  openssl x509 -in "$p" -outform DER -out "$n.der"
  openssl x509 -in "$p" -noout -pubkey | openssl pkey -pubin -outform DER -out "$n.spki"
  for s in cert spki; do
    f=$n.der; [ $s = spki ] && f=$n.spki
    echo "$n.$s.full $(hex <"$f")" >>tokens.txt
    echo "$n.$s.sha256 $(openssl dgst -sha256 -binary "$f" | hex)" >>tokens.txt
    echo "$n.$s.sha512 $(openssl dgst -sha512 -binary "$f" | hex)" >>tokens.txt
  done
done
rm -rf db ./*.csr ./*.keep
touch "$stamp"
