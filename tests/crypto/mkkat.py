#!/usr/bin/env python3
"""mkkat.py -- known-answer and Wycheproof-style edge-case vectors for every
crypto HAL backend (hal/crypto/): ECDSA P-256 and RSA PKCS#1 v1.5 verify.

Writes tests/crypto/kat_vectors.h and kat_vectors.bin (committed, public test data; private keys
are generated here and thrown away).  Used by tests/unit/test_crypto_kat.c on
the host (every backend built there) and by the firmware's mode=bench (every
backend linked into the image, reading kat_vectors.bin over semihosting, so
the table costs no firmware flash; tests/qemu/test_crypto_kat.sh).

    python3 tests/crypto/mkkat.py --bin tests/crypto/kat_vectors.bin \
        > tests/crypto/kat_vectors.h

Needs python3-cryptography (tools/packages.txt).  Each case carries the
expected verdict: 1 = must verify, 0 = must not verify, 2 = valid but only
reachable with a hash preimage (e = 0 mod n): verifying or rejecting are both
acceptable (rejecting is the fail-safe side).

ECDSA (DNSSEC algorithm 13, RFC 6605): plain ECDSA as in FIPS 186-4 -- a
high-S signature (s > n/2) is valid (RFC 6605 adds no low-S rule, unlike
Bitcoin's malleability fix), so it must verify.
"""
import hashlib
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B


def i2b(v, n):
    return v.to_bytes(n, "big")


def ec_pub(key):
    nums = key.public_key().public_numbers()
    return i2b(nums.x, 32) + i2b(nums.y, 32)


def ec_sign(key, digest):
    der = key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    return utils.decode_dss_signature(der)


def carr(name, data):
    body = ",".join("0x%02x" % b for b in data)
    lines = []
    while body:
        cut = body[:96]
        if len(body) > 96:
            cut = cut[: cut.rfind(",") + 1]
        lines.append("    " + cut)
        body = body[len(cut):]
    return "static const uint8_t %s[%d] = {\n%s\n};" % (name, len(data), "\n".join(lines))


def main():
    out = []
    w = out.append
    ecases = []  # (label, keyidx, digest, sig, valid, publen_delta, siglen_delta)
    keys = []

    k = ec.generate_private_key(ec.SECP256R1())
    keys.append(("random key", ec_pub(k)))
    d = hashlib.sha256(b"danebox kat: TLSA RRset").digest()
    r, s = ec_sign(k, d)
    lo = min(s, N - s)
    hi = N - lo
    ecases += [
        ("valid, low-S", 0, d, i2b(r, 32) + i2b(lo, 32), 1),
        ("valid, high-S (RFC 6605: plain ECDSA, must verify)", 0, d, i2b(r, 32) + i2b(hi, 32), 1),
        ("digest with one bit flipped", 0, bytes([d[0] ^ 1]) + d[1:], i2b(r, 32) + i2b(lo, 32), 0),
        ("r with one bit flipped", 0, d, i2b(r ^ 1, 32) + i2b(lo, 32), 0),
        ("s with one bit flipped", 0, d, i2b(r, 32) + i2b(lo ^ 1, 32), 0),
        ("r = 0", 0, d, i2b(0, 32) + i2b(lo, 32), 0),
        ("s = 0", 0, d, i2b(r, 32) + i2b(0, 32), 0),
        ("r = s = 0", 0, d, bytes(64), 0),
        ("r = n", 0, d, i2b(N, 32) + i2b(lo, 32), 0),
        ("s = n", 0, d, i2b(r, 32) + i2b(N, 32), 0),
        ("r = 2^256 - 1", 0, d, b"\xff" * 32 + i2b(lo, 32), 0),
        ("s = 2^256 - 1", 0, d, i2b(r, 32) + b"\xff" * 32, 0),
        ("r = 1, s = 1", 0, d, i2b(1, 32) + i2b(1, 32), 0),
        ("r = n - 1, s = n - 1", 0, d, i2b(N - 1, 32) + i2b(N - 1, 32), 0),
        ("r and s swapped", 0, d, i2b(lo, 32) + i2b(r, 32), 0),
    ]
    if r + N < 2 ** 256:
        ecases.append(("r + n (r >= n, equal mod n: no reduction allowed)", 0, d,
                       i2b(r + N, 32) + i2b(lo, 32), 0))
    if lo + N < 2 ** 256:
        ecases.append(("s + n (s >= n)", 0, d, i2b(r, 32) + i2b(lo + N, 32), 0))
    # the digest as an integer >= n (reduced mod n), and = 0
    # (verdict 2: valid in FIPS 186-4, but e = 0 mod n needs a SHA-256
    # preimage of 0 or n; BearSSL's muladd refuses a zero multiplier (u1 = 0),
    # documented in bearssl_ec.h: a backend may reject, the fail-safe side)
    for label, dd, v in [("digest = 2^256 - 1 (>= n, reduced mod n)", b"\xff" * 32, 1),
                         ("digest = 0 (u1 = 0; may be rejected)", bytes(32), 2),
                         ("digest = n (u1 = 0; may be rejected)", i2b(N, 32), 2)]:
        rr, ss = ec_sign(k, dd)
        ecases.append(("valid, " + label, 0, dd, i2b(rr, 32) + i2b(ss, 32), v))
    # wrong public keys for a valid signature
    pub = keys[0][1]
    x, y = int.from_bytes(pub[:32], "big"), int.from_bytes(pub[32:], "big")
    keys.append(("point not on the curve (y + 1)", i2b(x, 32) + i2b((y + 1) % P, 32)))
    ecases.append(("public key not on the curve", 1, d, i2b(r, 32) + i2b(lo, 32), 0))
    keys.append(("point at infinity (0, 0)", bytes(64)))
    ecases.append(("public key = point at infinity (0, 0)", 2, d, i2b(r, 32) + i2b(lo, 32), 0))
    keys.append(("x = p (coordinate out of range)", i2b(P, 32) + i2b(y, 32)))
    ecases.append(("public key x >= p", 3, d, i2b(r, 32) + i2b(lo, 32), 0))
    keys.append(("-Q (y negated)", i2b(x, 32) + i2b(P - y, 32)))
    ecases.append(("public key -Q (valid point, wrong key)", 4, d, i2b(r, 32) + i2b(lo, 32), 0))
    # Q = G (d = 1) and Q = -G (d = n - 1): the additions in u1 G + u2 Q meet
    # equal / opposite points
    for label, dk in [("Q = G (d = 1)", 1), ("Q = -G (d = n - 1)", N - 1)]:
        kk = ec.derive_private_key(dk, ec.SECP256R1())
        keys.append((label, ec_pub(kk)))
        rr, ss = ec_sign(kk, d)
        ecases.append(("valid, public key " + label, len(keys) - 1, d, i2b(rr, 32) + i2b(ss, 32), 1))
        ecases.append(("public key " + label + ", s + 1", len(keys) - 1, d,
                       i2b(rr, 32) + i2b((ss + 1) % N, 32), 0))

    # y >= p (x = p is above): the coordinate range check, not the curve test
    keys.append(("y = p (coordinate out of range)", i2b(x, 32) + i2b(P, 32)))
    ecases.append(("public key y >= p", len(keys) - 1, d, i2b(r, 32) + i2b(lo, 32), 0))
    # crafted (r, s, e) for key d0 (keys[0]) with s = r, so u2 = r/s = 1 and
    # u1 = e/s: e = d0 r gives u1 G + u2 Q = Q + Q (the addition meets equal
    # points: doubling inside the addition), valid when r = x(2Q) mod n;
    # e = -d0 r gives u1 G + u2 Q = infinity, which must not verify
    d0 = k.private_numbers().private_value
    q2 = ec.derive_private_key(2 * d0 % N, ec.SECP256R1()).public_key().public_numbers()
    r2 = q2.x % N
    ecases.append(("valid, u1 G + u2 Q = Q + Q (addition of equal points)", 0,
                   i2b(d0 * r2 % N, 32), i2b(r2, 32) + i2b(r2, 32), 1))
    ecases.append(("u1 G + u2 Q = Q + Q, r + 1", 0, i2b(d0 * r2 % N, 32),
                   i2b(r2 + 1, 32) + i2b(r2 + 1, 32), 0))
    ecases.append(("u1 G + u2 Q = point at infinity", 0, i2b(-d0 * r % N, 32),
                   i2b(r, 32) + i2b(r, 32), 0))

    # ---- RSA PKCS#1 v1.5
    rkeys = []
    rcases = []  # (label, keyidx, hashalg, digest, sig, valid)
    msg = b"danebox kat: DNSKEY RRset"

    def rsa_raw(key, em):
        nums = key.private_numbers()
        n = nums.public_numbers.n
        return i2b(pow(int.from_bytes(em, "big"), nums.d, n), (n.bit_length() + 7) // 8)

    di = {"SHA1": bytes.fromhex("3021300906052b0e03021a05000414"),
          "SHA256": bytes.fromhex("3031300d060960864801650304020105000420"),
          "SHA512": bytes.fromhex("3051300d060960864801650304020305000440")}
    hobj = {"SHA1": hashes.SHA1(), "SHA256": hashes.SHA256(), "SHA512": hashes.SHA512()}

    def em(klen, prefix, body, ff=None):
        pad = klen - 3 - len(prefix) - len(body)
        return b"\x00\x01" + (ff if ff is not None else b"\xff" * pad) + b"\x00" + prefix + body

    for bits, e in [(2048, 65537), (2048, 3), (1024, 65537)]:
        key = rsa.generate_private_key(public_exponent=e, key_size=bits)
        nums = key.public_key().public_numbers()
        ki = len(rkeys)
        rkeys.append(("RSA-%d e=%d" % (bits, e), i2b(nums.n, bits // 8), i2b(e, 4 if e > 255 else 1)))
        for h in (["SHA256", "SHA1", "SHA512"] if ki == 0 else ["SHA256"]):
            dg = hashlib.new(h.lower(), msg).digest()
            sig = key.sign(dg, padding.PKCS1v15(), utils.Prehashed(hobj[h]))
            rcases.append(("valid, %s %s" % (rkeys[ki][0], h), ki, h, dg, sig, 1))
        dg = hashlib.sha256(msg).digest()
        sig = key.sign(dg, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        kl = bits // 8
        n = nums.n
        if ki == 2:
            continue
        bad = [
            ("signature with one bit flipped", sig[:100] + bytes([sig[100] ^ 1]) + sig[101:]),
            ("signature = 0", bytes(kl)),
            ("signature = 1", i2b(1, kl)),
            ("signature = n (>= modulus)", i2b(n, kl)),
            ("signature = n - 1", i2b(n - 1, kl)),
            ("signature + n (>= modulus, equal mod n)", i2b(int.from_bytes(sig, "big") + n, kl + 1)[-kl:]
             if int.from_bytes(sig, "big") + n < 2 ** (8 * kl) else None),
            ("block type 2", rsa_raw(key, b"\x00\x02" + em(kl, di["SHA256"], dg)[2:])),
            ("padding with a 0xfe byte", rsa_raw(key, em(kl, di["SHA256"], dg,
                                                         b"\xff" * 50 + b"\xfe" + b"\xff" * (kl - 3 - 19 - 32 - 51)))),
            ("only 7 padding bytes, garbage after the digest",
             rsa_raw(key, b"\x00\x01" + b"\xff" * 7 + b"\x00" + di["SHA256"] + dg + b"\x00" * (kl - 10 - 19 - 32))),
            ("SHA-1 DigestInfo OID with the SHA-256 digest", rsa_raw(key, em(kl, di["SHA1"][:-1] + b"\x20", dg))),
            ("DigestInfo length byte +1", rsa_raw(key, em(kl, b"\x30\x32" + di["SHA256"][2:], dg))),
            ("digest of other data", sig, hashlib.sha256(msg + b"x").digest()),
            ("digest without DigestInfo", rsa_raw(key, em(kl, b"", dg))),
        ]
        for item in bad:
            label, bsig = item[0], item[1]
            if bsig is None:
                continue
            rcases.append(("%s: %s" % (rkeys[ki][0], label), ki, "SHA256",
                           item[2] if len(item) > 2 else dg, bsig, 0))
        if ki == 0:
            rcases.append(("%s: a valid signature by another key (RSA-2048 e=3)" % rkeys[0][0],
                           0, "SHA256", dg, None, 0))

    # resolve the cross-key case: key e=3's valid signature against key 0
    fixed = []
    for c in rcases:
        if c[4] is None:
            src = [x for x in rcases if x[1] == 1 and x[5] == 1][0]
            c = (c[0], 0, "SHA256", src[3], src[4], 0)
        fixed.append(c)
    rcases = fixed

    blobs = {}
    decl = []

    def blob(data):
        if data not in blobs:
            blobs[data] = "kat_b%d" % len(blobs)
            decl.append(carr(blobs[data], data))
        return blobs[data]

    erows = ['    {"%s", %s, %s, %s, %d, %d},' % (c[0], blob(keys[c[1]][1]), blob(c[2]), blob(c[3]),
                                                 len(c[2]), c[4]) for c in ecases]
    hal = {"SHA1": "HAL_HASH_SHA1", "SHA256": "HAL_HASH_SHA256", "SHA512": "HAL_HASH_SHA512"}
    rrows = ['    {"%s", %s, %s, %s, %s, %d, %d, %d, %s, %d},'
             % (c[0], blob(rkeys[c[1]][1]), blob(rkeys[c[1]][2]), blob(c[3]), blob(c[4]),
                len(rkeys[c[1]][1]), len(rkeys[c[1]][2]), len(c[4]), hal[c[2]], c[5]) for c in rcases]
    w("/* Known-answer and edge-case vectors for the crypto HAL backends.")
    w(" * GENERATED by tests/crypto/mkkat.py (python3-cryptography %s); do not edit." %
      __import__("cryptography").__version__)
    w(" * Public test data: the private keys were discarded.  The same cases, in")
    w(" * the same order, are in kat_vectors.bin (read by the firmware). */")
    w("#ifndef KAT_VECTORS_H")
    w("#define KAT_VECTORS_H")
    w("#include <stddef.h>")
    w("#include <stdint.h>")
    w("")
    out.extend(decl)
    w("")
    w("typedef struct kat_ecdsa {")
    w("    const char *name;")
    w("    const uint8_t *pub, *digest, *sig; /* X||Y, digest, r||s */")
    w("    size_t digest_len;")
    w("    int valid; /* 1: must verify, 0: must not, 2: either (see mkkat.py) */")
    w("} kat_ecdsa_t;")
    w("")
    w("static const kat_ecdsa_t kat_ecdsa[] = {")
    out.extend(erows)
    w("};")
    w("")
    w("typedef struct kat_rsa {")
    w("    const char *name;")
    w("    const uint8_t *n, *e, *digest, *sig;")
    w("    size_t nlen, elen, siglen;")
    w("    int hash; /* hal_hash_alg_t */")
    w("    int valid; /* 1: must verify, 0: must not */")
    w("} kat_rsa_t;")
    w("")
    w("static const kat_rsa_t kat_rsa[] = {")
    out.extend(rrows)
    w("};")
    w("")
    w("#endif /* KAT_VECTORS_H */")
    # binary form for the firmware (semihosting read, firmware/kat.c): per case
    #   'E' valid 0 0, u16 len + bytes of: pub, digest, sig
    #   'R' valid hash 0, u16 len + bytes of: n, e, digest, sig
    # big-endian lengths; a final 'Z' 0 0 0 record ends the file
    hid = {"SHA1": 0, "SHA256": 1, "SHA512": 3}
    bb = bytearray()

    def fld(x):
        bb.extend(len(x).to_bytes(2, "big"))
        bb.extend(x)
    for c in ecases:
        bb.extend(b"E" + bytes([c[4], 0, 0]))
        for x in (keys[c[1]][1], c[2], c[3]):
            fld(x)
    for c in rcases:
        bb.extend(b"R" + bytes([c[5], hid[c[2]], 0]))
        for x in (rkeys[c[1]][1], rkeys[c[1]][2], c[3], c[4]):
            fld(x)
    bb.extend(b"Z\0\0\0")
    if len(sys.argv) > 2 and sys.argv[1] == "--bin":
        with open(sys.argv[2], "wb") as fh:
            fh.write(bb)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
