"""Aggressive use of cached NSEC records (RFC 8198) for the replay server.

unbound's negative-cache scenarios (val_negcache_nxdomain, val_negcache_nodata)
ask a name no entry answers: unbound answers it from NSEC records it validated
and cached in an earlier step.  This module does the same from the scenario's
own records, and only from records unbound demonstrably held at the query's
step: an NSEC RRset counts as cached only when an earlier step's CHECK_ANSWER
(unbound's reply to its client) carried it with the AD flag (validated
secure) and with exactly the rdata the scenario's servers send.  The records served are the servers' (re-signed by
resign.py where the harness replaced the key); nothing is signed or invented
here.  Negative answers only: NXDOMAIN (an NSEC covering the name, one covering
the source of synthesis *.<closest encloser>, the zone's signed SOA) or NODATA
at an empty non-terminal (an NSEC covering the name whose next name lies below
it, and the SOA).  A name whose wildcard exists gets no answer (that would be
a wildcard expansion, whose data this module does not hold).
"""
import dns.name
import dns.rdatatype
import dns.rrset


class CachedNsec:
    """The NSEC RRsets (with RRSIGs) unbound had cached before step @p lo."""

    def __init__(self, sc, lo, rr, sigs):
        self.rr, self.sigs = rr, sigs
        self.nsecs = []  # (owner, next, signer)
        seen = set()
        for st in sc.steps:
            if st.kind != "CHECK_ANSWER" or st.entry is None or st.num >= lo or "AD" not in st.entry.flags:
                continue  # RFC 8198 uses validated (secure) NSEC records only
            shown = {}
            for sec in ("ANSWER", "AUTHORITY"):
                for r in st.entry.sections[sec]:
                    if r.rdtype == dns.rdatatype.NSEC:
                        shown.setdefault(r.name, dns.rrset.RRset(r.name, r.rdclass, r.rdtype)).update(r)
            for name, rrs in shown.items():
                served = rr.get((name, dns.rdatatype.NSEC))
                sig = sigs.get((name, dns.rdatatype.NSEC))
                if name in seen or served is None or sig is None or set(served) != set(rrs) or len(served) != 1:
                    continue
                seen.add(name)
                self.nsecs.append((name, served[0].next, sig[0].signer))

    def _covering(self, qname):
        """(owner, next, signer) of a cached NSEC with owner < qname < next
        in qname's zone (the last NSEC of a zone wraps to its apex)."""
        for owner, nxt, signer in self.nsecs:
            if not (qname.is_subdomain(signer) and owner.is_subdomain(signer) and nxt.is_subdomain(signer)):
                continue
            if owner == qname or nxt == qname:
                continue
            if owner < qname < nxt or nxt == signer and owner < qname:
                if self._below_cut(owner, qname):
                    continue
                return owner, nxt, signer
        return None

    def _below_cut(self, owner, qname):
        """A delegation (NS without SOA) or DNAME NSEC says nothing below its owner."""
        if not qname.is_subdomain(owner):
            return False
        types = nsec_types(self.rr[(owner, dns.rdatatype.NSEC)][0])
        return (dns.rdatatype.NS in types and dns.rdatatype.SOA not in types) or dns.rdatatype.DNAME in types

    def _rrsets(self, owner):
        return [self.rr[(owner, dns.rdatatype.NSEC)], self.sigs[(owner, dns.rdatatype.NSEC)]]

    def answer(self, qname, soa_of):
        """(rcode, AUTHORITY rrsets) proving @p qname absent, or None.
        @p soa_of(zone) gives the zone's signed SOA (RRset + RRSIG) or []."""
        cov = self._covering(qname)
        if cov is None:
            return None
        owner, nxt, signer = cov
        soa = soa_of(signer)
        if not soa:
            return None
        if nxt.is_subdomain(qname):  # qname exists as an empty non-terminal
            return "NOERROR", soa + self._rrsets(owner)
        ce = max(_common(qname, owner), _common(qname, nxt), key=len)
        if not ce.is_subdomain(signer):
            return None
        wild = dns.name.Name((b"*",) + ce.labels)
        wcov = self._covering(wild)
        if wcov is None or any(o == wild for o, _, _ in self.nsecs):
            return None
        out = soa + self._rrsets(owner)
        if wcov[0] != owner:
            out += self._rrsets(wcov[0])
        return "NXDOMAIN", out


def _common(a, b):
    """The longest common ancestor (or self) of names @p a and @p b."""
    _, _, n = a.fullcompare(b)
    return dns.name.Name(a.labels[len(a.labels) - n:])


def nsec_types(rd):
    """The types of an NSEC/NSEC3 type bitmap @p rd."""
    out = []
    for window, bitmap in rd.windows:
        for i, byte in enumerate(bitmap):
            for bit in range(8):
                if byte & (0x80 >> bit):
                    out.append(window * 256 + i * 8 + bit)
    return out
