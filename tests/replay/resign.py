"""Re-key and re-sign a replay scenario with keys the harness holds, of
algorithms danebox validates: 8/10/13/14 keep their algorithm; DSA 3 ->
ECDSA P-256 13, DSA-NSEC3-SHA1 6 -> ECDSA P-384 14, RSASHA1 5 -> RSASHA256
8, RSASHA1-NSEC3-SHA1 7 -> RSASHA512 10 (four distinct algorithms stay
distinct, so algorithm-coverage tests keep their meaning).  Holding every
zone's key also lets the replay server sign the DS denials danebox asks
for at names unbound knows are no zone cut (server.py).

Every DNSKEY of such an algorithm gets a fresh key of the mapped algorithm;
DS records and trust anchors that matched the old key are recomputed for
the new one.  An RRSIG is re-signed with the new key ONLY when it verified
(cryptographically; the validity dates are kept as they were) under the
old key over the RRset beside it; a signature that did not verify is made
with the new key and then has a bit flipped, so what was broken stays
broken.  Signatures whose key is absent keep their bytes (they match no
key before or after).
"""
import dns.dnssec
import dns.name
import dns.rdataset
import dns.rdatatype
import dns.rrset
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

ALG_MAP = {3: 13, 6: 14, 5: 8, 7: 10, 8: 8, 10: 10, 13: 13, 14: 14}
RSA_BITS = 1024
_ANY = dns.dnssec.SimpleDeny(set(), set(), set(), set())


def _flip(b):
    b = bytearray(b)
    b[len(b) // 2] ^= 0x01
    return bytes(b)


def _dsa_verify(key, sig, data):
    """RFC 2536 DSA over SHA-1, by the textbook formula: the test keys are
    512-bit, below what the crypto library accepts as a DSA key."""
    t = key[0]
    n = 64 + t * 8
    if len(key) < 21 + 3 * n:
        return False
    q = int.from_bytes(key[1:21], "big")
    p = int.from_bytes(key[21:21 + n], "big")
    g = int.from_bytes(key[21 + n:21 + 2 * n], "big")
    y = int.from_bytes(key[21 + 2 * n:21 + 3 * n], "big")
    if len(sig) == 41:
        r = int.from_bytes(sig[1:21], "big")
        s = int.from_bytes(sig[21:41], "big")
    elif sig[:1] == b"\x30":  # DER form (accepted by unbound as well)
        r, s = utils.decode_dss_signature(sig)
    else:
        return False
    if not (0 < r < q and 0 < s < q):
        return False
    h = hashes.Hash(hashes.SHA1())
    h.update(data)
    z = int.from_bytes(h.finalize(), "big")
    w = pow(s, -1, q)
    v = (pow(g, z * w % q, p) * pow(y, r * w % q, p)) % p % q
    return v == r


def raw_sign(priv, alg, data):
    """DNSSEC signature field for @p data with a key made here."""
    if alg in (13, 14):
        n, h = (32, hashes.SHA256()) if alg == 13 else (48, hashes.SHA384())
        r, s = utils.decode_dss_signature(priv.sign(data, ec.ECDSA(h)))
        return r.to_bytes(n, "big") + s.to_bytes(n, "big")
    h = hashes.SHA256() if alg == 8 else hashes.SHA512()
    return priv.sign(data, padding.PKCS1v15(), h)


class Resigner:
    def __init__(self):
        self.newkeys = {}  # (owner, old key wire) -> (private key, new DNSKEY rdata)
        self.oldkeys = {}  # (owner, tag, alg) -> [old DNSKEY rdata]
        self.sigcache = {}
        self.stats = {"keys": 0, "resigned": 0, "kept_broken": 0, "no_key": 0, "ds": 0}

    # -- keys --------------------------------------------------------------
    def learn(self, rrset):
        if rrset.rdtype != dns.rdatatype.DNSKEY:
            return
        for rd in rrset:
            k = (rrset.name, dns.dnssec.key_id(rd), rd.algorithm)
            lst = self.oldkeys.setdefault(k, [])
            if rd not in lst:
                lst.append(rd)

    def _new_key(self, owner, rd):
        k = (owner, rd.to_digestable())
        if k not in self.newkeys:
            alg = ALG_MAP[rd.algorithm]
            if alg in (13, 14):
                priv = ec.generate_private_key(ec.SECP256R1() if alg == 13 else ec.SECP384R1())
            else:
                priv = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
            new = dns.dnssec._make_dnskey(priv.public_key(), alg, flags=rd.flags, protocol=rd.protocol)
            self.newkeys[k] = (priv, new)
            self.stats["keys"] += 1
        return self.newkeys[k]

    # -- records -------------------------------------------------------------
    def _ds(self, owner, rd):
        if rd.algorithm not in ALG_MAP:
            return rd
        self.stats["ds"] += 1
        cands = self.oldkeys.get((owner, rd.key_tag, rd.algorithm), [])
        for key in cands:
            try:
                old = dns.dnssec.make_ds(owner, key, rd.digest_type, policy=_ANY, validating=True)
            except Exception:  # unsupported digest type
                continue
            _, newkey = self._new_key(owner, key)
            new = dns.dnssec.make_ds(owner, newkey, rd.digest_type, policy=_ANY, validating=True)
            if old.digest == rd.digest:
                return new
            return new.replace(digest=_flip(new.digest))  # a DS that never matched
        return rd.replace(algorithm=ALG_MAP[rd.algorithm])

    def rewrite(self, rrset):
        """DNSKEY/DS records of a mapped algorithm, for the new keys (RRSIG: see sign)."""
        t = rrset.rdtype
        if t not in (dns.rdatatype.DNSKEY, dns.rdatatype.DS):
            return rrset
        out = dns.rrset.RRset(rrset.name, rrset.rdclass, t)
        for rd in rrset:
            if t == dns.rdatatype.DNSKEY and rd.algorithm in ALG_MAP:
                rd = self._new_key(rrset.name, rd)[1]
            elif t == dns.rdatatype.DS:
                rd = self._ds(rrset.name, rd)
            out.add(rd, rrset.ttl)
        return out

    def _verify(self, old_rrset, sig):
        for key in self.oldkeys.get((sig.signer, sig.key_tag, sig.algorithm), []):
            if sig.algorithm in (3, 6):
                try:
                    if _dsa_verify(key.key, sig.signature, dns.dnssec._make_rrsig_signature_data(old_rrset, sig)):
                        return True, key
                except (dns.dnssec.ValidationFailure, ValueError):
                    pass
                continue
            try:
                dns.dnssec._validate_rrsig(old_rrset, sig, {sig.signer: dns.rdataset.from_rdata_list(0, [key])},
                                           now=sig.inception, policy=_ANY)
                return True, key
            except (dns.dnssec.ValidationFailure, InvalidSignature, ValueError):
                continue
            except Exception:
                continue
        cands = self.oldkeys.get((sig.signer, sig.key_tag, sig.algorithm), [])
        return False, cands[0] if cands else None

    def sign(self, owner, sig, old_rrset, new_rrset):
        """New RRSIG rdata for @p sig (an RRSIG of a mapped algorithm)."""
        ck = (owner, sig.to_digestable(),
              old_rrset.to_text() if old_rrset is not None else b"")
        if ck in self.sigcache:
            return self.sigcache[ck]
        ok, oldkey = (False, None)
        if old_rrset is not None:
            ok, oldkey = self._verify(old_rrset, sig)
        else:
            c = self.oldkeys.get((sig.signer, sig.key_tag, sig.algorithm), [])
            oldkey = c[0] if c else None
        if oldkey is None:
            self.stats["no_key"] += 1
            out = sig.replace(algorithm=ALG_MAP[sig.algorithm])
        else:
            priv, newkey = self._new_key(sig.signer, oldkey)
            tmpl = sig.replace(algorithm=newkey.algorithm, key_tag=dns.dnssec.key_id(newkey), signature=b"")
            target = new_rrset if new_rrset is not None else dns.rrset.RRset(owner, sig.rdclass, sig.type_covered)
            try:
                data = dns.dnssec._make_rrsig_signature_data(target, tmpl)
            except dns.dnssec.ValidationFailure:  # labels field larger than the owner
                data = b"unsignable"
                ok = False
            raw = raw_sign(priv, newkey.algorithm, data)
            if ok:
                self.stats["resigned"] += 1
            else:
                self.stats["kept_broken"] += 1
                raw = _flip(raw)
            out = tmpl.replace(signature=raw)
        self.sigcache[ck] = out
        return out


def new_private_key(rs, owner, tag):
    """(private key, DNSKEY) of a key made for @p owner with key tag @p tag."""
    for (o, _), (priv, key) in rs.newkeys.items():
        if o == owner and dns.dnssec.key_id(key) == tag:
            return priv, key
    return None


def resign_sections(rs, sections):
    """Rewrite one message's sections (dict name -> list of 1-RR RRsets) in place."""
    # an RRSIG covers the RRset of its section, else one elsewhere in the
    # message (unbound pairs them across sections, cf. val_positive)
    anywhere = {}
    for name, rrs in sections.items():
        if name != "QUESTION":
            for r in rrs:
                if r.rdtype != dns.rdatatype.RRSIG:
                    anywhere.setdefault(name, {}).setdefault(
                        (r.name, r.rdclass, r.rdtype), dns.rrset.RRset(r.name, r.rdclass, r.rdtype)).update(r)
    merged = {}
    for name in ("ADDITIONAL", "AUTHORITY", "ANSWER"):
        merged.update(anywhere.get(name, {}))
    for name, rrs in sections.items():
        if name == "QUESTION":
            continue
        groups = dict(merged)
        groups.update(anywhere.get(name, {}))
        newgroups = {k: rs.rewrite(v) for k, v in groups.items()}
        out = []
        for r in rrs:
            if r.rdtype == dns.rdatatype.RRSIG:
                sig = r[0]
                if sig.algorithm in ALG_MAP:
                    k = (r.name, r.rdclass, sig.type_covered)
                    new = rs.sign(r.name, sig, groups.get(k), newgroups.get(k))
                    nr = dns.rrset.RRset(r.name, r.rdclass, r.rdtype, r.covers)
                    nr.add(new, r.ttl)
                    r = nr
            else:
                r = rs.rewrite(r)
            out.append(r)
        sections[name] = out


def resign_scenario(sc):
    """Re-sign every entry of a parsed scenario and its trust anchors.

    Returns (resigner, anchors) where anchors are RRsets (rewritten)."""
    import rpl

    rs = Resigner()
    entries = [e for rg in sc.ranges for e in rg.entries] + [s.entry for s in sc.steps if s.entry]
    anchors = []
    for a in sc.anchors:
        try:
            anchors.append(rpl.parse_rr(a, "ANSWER"))
        except Exception:
            pass
    for e in entries:
        for name, rrs in e.sections.items():
            if name == "QUESTION":
                continue
            groups = {}
            for r in rrs:
                if r.rdtype == dns.rdatatype.DNSKEY:
                    groups.setdefault(r.name, dns.rrset.RRset(r.name, r.rdclass, r.rdtype)).update(r)
            for g in groups.values():
                rs.learn(g)
    for a in anchors:
        rs.learn(a)
    for e in entries:
        resign_sections(rs, e.sections)
    anchors = [rs.rewrite(a) for a in anchors]
    sc.resigner = rs
    return rs, anchors
