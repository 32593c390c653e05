"""A harness-made signed root for scenarios with several trust anchors.

danebox takes one trust anchor owner; unbound's scenarios may configure
islands of trust at several disjoint names (example.com and example.net).
For those, the harness signs a small root and the zones on the way down to
each island ("." -> "com." -> example.com's DS from the scenario's anchor)
with keys it makes, and gives danebox the root key as its anchor.  A name
outside every island gets a signed proof that its delegation is unsigned
(an NSEC at the name with NS but no DS, RFC 4470 style), which is what the
island model means: insecure.  The islands themselves are validated from
the scenario's own keys, exactly as before.  Nested anchors (one island
inside another) are not modelled (the inner island would then depend on
the outer zone's DS) and stay not comparable.
"""
import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
from cryptography.hazmat.primitives.asymmetric import ec

import resign
import rpl

TTL = 3600


class SyntheticRoot:
    def __init__(self, anchors, when):
        self.owners = []
        for a in anchors:
            if a.name not in self.owners:
                self.owners.append(a.name)
        self.anchor_ds = {}
        for a in anchors:
            for rd in a:
                if a.rdtype == dns.rdatatype.DS:
                    self.anchor_ds.setdefault(a.name, []).append(rd)
                elif a.rdtype == dns.rdatatype.DNSKEY:
                    ds = dns.dnssec.make_ds(a.name, rd, "SHA256")
                    self.anchor_ds.setdefault(a.name, []).append(ds)
        self.zones = {}
        for o in self.owners:
            n = o
            while n != dns.name.root:
                n = n.parent()
                if n not in self.zones:
                    priv = ec.generate_private_key(ec.SECP256R1())
                    key = dns.dnssec._make_dnskey(priv.public_key(), 13, flags=257)
                    self.zones[n] = (priv, key)
        self.inception = when - 30 * 86400
        self.expiration = when + 30 * 86400

    @staticmethod
    def usable(anchors, sc):
        """Disjoint islands below the root, and no zone of the scenario on
        the way down to them (that zone would get a second, made-up key)."""
        owners = {a.name for a in anchors}
        if not owners or dns.name.root in owners:
            return False
        if any(a != b and a.is_subdomain(b) for a in owners for b in owners):
            return False
        for rg in sc.ranges:
            for e in rg.entries:
                for sec in ("ANSWER", "AUTHORITY"):
                    for r in e.sections[sec]:
                        if r.rdtype in (dns.rdatatype.DNSKEY, dns.rdatatype.SOA) and \
                                any(o != r.name and o.is_subdomain(r.name) for o in owners):
                            return False
        return True

    def anchor_rrset(self):
        rr = dns.rrset.RRset(dns.name.root, dns.rdataclass.IN, dns.rdatatype.DNSKEY)
        rr.add(self.zones[dns.name.root][1], TTL)
        return [rr]

    def _parent_zone(self, name):
        """The synthetic zone that holds @p name (None: inside an island)."""
        for o in self.owners:
            if name.is_subdomain(o):
                return None
        n = name
        while True:
            if n in self.zones and n != name:
                return n
            if n == dns.name.root:
                return None
            n = n.parent()

    def _sign(self, zone, rrset):
        priv, key = self.zones[zone]
        tmpl = dns.rdata.from_text(
            dns.rdataclass.IN, dns.rdatatype.RRSIG,
            "%s 13 %d %d %d %d %d %s AA==" % (dns.rdatatype.to_text(rrset.rdtype), len(rrset.name) - 1, TTL,
                                             self.expiration, self.inception, dns.dnssec.key_id(key),
                                             zone.to_text()), relativize=False)
        tmpl = tmpl.replace(signature=b"")
        data = dns.dnssec._make_rrsig_signature_data(rrset, tmpl)
        sig = dns.rrset.RRset(rrset.name, dns.rdataclass.IN, dns.rdatatype.RRSIG, rrset.rdtype)
        sig.add(tmpl.replace(signature=resign.raw_sign(priv, 13, data)), TTL)
        return sig

    def answer(self, qname, qtype):
        """An entry for questions the synthetic zones own, else None."""
        e = rpl.Entry()
        if qtype == dns.rdatatype.DNSKEY and qname in self.zones:
            rr = dns.rrset.RRset(qname, dns.rdataclass.IN, dns.rdatatype.DNSKEY)
            rr.add(self.zones[qname][1], TTL)
            e.sections["ANSWER"] = [rr, self._sign(qname, rr)]
            return e
        if qtype == dns.rdatatype.DS and qname != dns.name.root:
            parent = qname.parent()
            while parent not in self.zones and parent != dns.name.root:
                parent = parent.parent()
            if qname in self.zones or qname in self.anchor_ds:
                rr = dns.rrset.RRset(qname, dns.rdataclass.IN, dns.rdatatype.DS)
                if qname in self.zones:
                    rr.add(dns.dnssec.make_ds(qname, self.zones[qname][1], "SHA256"), TTL)
                else:
                    for d in self.anchor_ds[qname]:
                        rr.add(d, TTL)
                e.sections["ANSWER"] = [rr, self._sign(parent, rr)]
                return e
        zone = self._parent_zone(qname)
        if zone is None or qtype != dns.rdatatype.DS and qname in self.zones:
            return None
        # outside every island: the name's delegation is unsigned
        if qtype != dns.rdatatype.DS:
            return None
        nxt = dns.name.Name((b"\x00",) + qname.labels)
        rd = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.NSEC, "%s NS RRSIG NSEC" % nxt.to_text(),
                                 relativize=False)
        nsec = dns.rrset.RRset(qname, dns.rdataclass.IN, dns.rdatatype.NSEC)
        nsec.add(rd, TTL)
        e.sections["AUTHORITY"] = [nsec, self._sign(zone, nsec)]
        return e
