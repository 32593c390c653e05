#!/usr/bin/env python3
"""crypto_flash.py -- flash and static RAM of each crypto backend in a
firmware map (tools/bench/bench_crypto.sh, the build with every backend linked).

Uses tools/fwsize.py's address-based attribution with a per-object grouping:
  dbx-p256     hal_p256_*.o + hal_p256_tab.o (our own, with its G table)
  p256m        p256-m.o (in libmbedtls.a) + hal_crypto_p256m.o
  bearssl-m31  BearSSL ec_p256_m31 + ecdsa_i31_*  (ECDSA, 31-bit)
  bearssl-m15  BearSSL ec_p256_m15 + ecdsa_i15_*  (ECDSA, 15-bit)
  bearssl-i31  BearSSL rsa_i31_* + int/i31_*  (RSA; ecdsa_i31 uses some
               i31 integer code too, counted here)
  bearssl-i15  BearSSL rsa_i15_* + int/i15_*
  bearssl      other BearSSL objects (codecs, curve tables, PKCS#1 unpadding,
               shared by i31 and i15) + hal_crypto_bearssl.o
  mbedtls-ecp  mbedTLS ecp*.o, ecdsa.o;  mbedtls-rsa  rsa*.o;
  mbedtls-bignum  bignum*.o
Prints JSON {group: {"flash": B, "ram": B}}.

    crypto_flash.py --map build/X/danebox.map
"""
import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import fwsize  # noqa: E402


def group(path, members):
    m = re.search(r"([^/]+\.a)\(([^)]+)\)$", path)
    obj = m.group(2) if m else os.path.basename(path)
    lib = m.group(1) if m else ""
    if obj.startswith("hal_p256_"):
        return "dbx-p256"
    if obj in ("p256-m.o", "hal_crypto_p256m.o"):
        return "p256m"
    if lib == "libbearssl.a":
        if re.search(r"m31|ecdsa_i31", obj):
            return "bearssl-m31"
        if re.search(r"m15|ecdsa_i15", obj):
            return "bearssl-m15"
        if re.search(r"i31", obj):
            return "bearssl-i31"
        if re.search(r"i15", obj):
            return "bearssl-i15"
        return "bearssl"
    if obj == "hal_crypto_bearssl.o":
        return "bearssl"
    if lib == "libmbedtls.a":
        if re.match(r"(ecp|ecdsa)", obj):
            return "mbedtls-ecp"
        if re.match(r"rsa", obj):
            return "mbedtls-rsa"
        if re.match(r"bignum", obj):
            return "mbedtls-bignum"
    return "rest"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--map", required=True)
    a = ap.parse_args()
    fwsize.component = group
    flash, ram, _, _ = fwsize.parse(a.map, {})
    out = {g: {"flash": flash.get(g, 0), "ram": ram.get(g, 0)}
           for g in sorted(set(flash) | set(ram)) if g not in ("rest", "padding")}
    json.dump(out, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
