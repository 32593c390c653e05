"""A small loopback DNS server answering from a scenario's canned entries.

It plays a recursive resolver for danebox: every question is answered from
the ENTRY blocks of the scenario's RANGEs that cover the replayed query's
step window.  unbound's tests script authoritative servers (referrals from
the parents, answers from the zone), so among the entries matching a
question the final answers are preferred to referrals.  UDP and TCP on the
same port; TC when the answer does not fit the query's EDNS size.  Every
socket has a timeout and the server lives only as long as its `with` block.
"""
import socket
import struct
import threading

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.dnssec
import dns.rdatatype
import dns.rrset

import aggressive

_FLAG_BITS = {"AA": dns.flags.AA, "TC": dns.flags.TC, "RD": dns.flags.RD, "RA": dns.flags.RA,
              "AD": dns.flags.AD, "CD": dns.flags.CD}


class Candidates:
    """Entries usable for one replayed query (ranges overlapping [lo, hi])."""

    def __init__(self, sc, lo, hi, root=None):
        self.root = root  # synthroot.SyntheticRoot for multi-island scenarios
        self.items = []
        for rg in sc.ranges:
            if rg.start > hi:
                continue
            # 0: covers the query step, 1: later in its window, 2: over
            # before it (what unbound may still hold in its cache; used only
            # when nothing in the window matches)
            pri = 0 if rg.start <= lo <= rg.end else 1 if rg.end >= lo else 2
            for e in rg.entries:
                self.items.append((pri, len(self.items), e))
        for st in sc.steps:
            if st.kind == "REPLY" and st.entry is not None and lo <= st.num <= hi:
                self.items.append((1, len(self.items), st.entry))
        self.unmatched = []
        self.synthesised = []
        self.errors = []
        self.lock = threading.Lock()
        self.synth = Synth(sc, lo)
        self.log = None

    def find(self, qname, qtype, tcp, edns, do):
        e = self._find(qname, qtype, tcp, edns, do)
        if self.log is not None:
            self.log.append("%s %s %s -> %s" % ("tcp" if tcp else "udp", qname, dns.rdatatype.to_text(qtype),
                                                 "none" if e is None else "entry@%d" % e.line))
        return e

    def _find(self, qname, qtype, tcp, edns, do):
        if self.root is not None:
            e = self.root.answer(qname, qtype)
            if e is not None:
                with self.lock:
                    self.synthesised.append("%s/%s (signed root)" % (qname, dns.rdatatype.to_text(qtype)))
                return e
        best = None
        for pri, idx, e in self.items:
            if not _matches(e, qname, qtype, tcp, edns, do):
                continue
            exact = 0 if e.question is not None and "qname" in e.match else 1
            key = (pri == 2, _rank(e), exact, pri, idx)
            if best is None or key < best[0]:
                best = (key, e)
        if best is not None and best[0][1] == 0:
            return best[1]
        # no final answer scripted: what a resolver would have cached from
        # the scenario's own signed records, else the referral / error
        e = self.synth.answer(qname, qtype)
        with self.lock:
            if e is not None:
                self.synthesised.append("%s/%s%s" % (qname, dns.rdatatype.to_text(qtype),
                                                     " (%s)" % e.note if getattr(e, "note", None) else ""))
            elif best is None:
                self.unmatched.append("%s/%s" % (qname, dns.rdatatype.to_text(qtype)))
        if e is not None:
            return e
        return best[1] if best is not None else None


def _rank(e):
    """0: a final answer, 1: a referral, 2: an error rcode."""
    if e.raw is None and e.rcode not in ("NOERROR", "NXDOMAIN", "YXDOMAIN"):
        return 2
    return 1 if e.is_referral() else 0


class Synth:
    """What a caching resolver would answer from the scenario's own signed
    records when no entry matches: an RRset seen with its signatures, a
    NODATA proven by an NSEC/NSEC3 record seen at exactly that name, or a
    denial from NSEC records unbound had cached before the query's step
    (aggressive.py, RFC 8198).  Nothing is invented here; the only records
    signed here are the DS NODATA answers of _signed_nodata (danebox asks DS
    at names unbound knows are no zone cut, and the scenarios script no
    answer for those).  An answer made by either carries a `note` saying so."""

    def __init__(self, sc, lo):
        self.rr = {}
        self.sigs = {}
        self.nsec = []
        self.proofs = {}  # (name, type) -> NSEC/NSEC3 (+RRSIG) beside it (wildcard answers)
        self.cut_proofs = {}  # delegation name -> the no-DS proof its referral carried
        self.resigner = getattr(sc, "resigner", None)
        entries = [e for rg in sc.ranges for e in rg.entries]
        cuts, apexes = {}, set()
        for e in entries:
            denial = [r for r in e.sections["AUTHORITY"]
                      if r.rdtype in (dns.rdatatype.NSEC, dns.rdatatype.NSEC3)
                      or r.rdtype == dns.rdatatype.RRSIG and r.covers in (dns.rdatatype.NSEC, dns.rdatatype.NSEC3)]
            for r in e.sections["ANSWER"]:
                if denial and r.rdtype != dns.rdatatype.RRSIG:
                    self.proofs.setdefault((r.name, r.rdtype), denial)
            if denial:  # a referral (possibly beside a CNAME) with its no-DS proof
                for r in e.sections["AUTHORITY"]:
                    if r.rdtype == dns.rdatatype.NS:
                        cuts.setdefault(r.name, denial)
            for sec in ("ANSWER", "AUTHORITY"):
                for r in e.sections[sec]:
                    if r.rdtype in (dns.rdatatype.SOA, dns.rdatatype.DNSKEY):
                        apexes.add(r.name)
                    if r.rdtype == dns.rdatatype.RRSIG:
                        self.sigs.setdefault((r.name, r.covers), dns.rrset.RRset(r.name, r.rdclass, r.rdtype, r.covers)).update(r)
                    else:
                        self.rr.setdefault((r.name, r.rdtype), dns.rrset.RRset(r.name, r.rdclass, r.rdtype)).update(r)
        self._finish(cuts, apexes)
        self.cached_nsec = aggressive.CachedNsec(sc, lo, self.rr, self.sigs)

    def _finish(self, cuts, apexes):
        # NS beside a proof at a zone's own apex says nothing about its DS
        self.cut_proofs = {n: p for n, p in cuts.items() if n not in apexes}

    def _signed(self, name, t):
        out = []
        if (name, t) in self.rr and (name, t) in self.sigs:
            out = [self.rr[(name, t)], self.sigs[(name, t)]]
        return out

    def _soa(self, qname):
        best = None
        for (n, t) in self.rr:
            if t == dns.rdatatype.SOA and qname.is_subdomain(n) and (best is None or len(n) > len(best)):
                best = n
        return self._signed(best, dns.rdatatype.SOA) if best is not None else []

    def answer(self, qname, qtype):
        import rpl
        pos = self._signed(qname, qtype)
        if pos:
            e = rpl.Entry()
            e.sections["ANSWER"] = [_one(x) for x in pos]
            e.sections["AUTHORITY"] = list(self.proofs.get((qname, qtype), []))
            return e
        proof = self._nsec_at(qname, qtype)
        if not proof and qtype == dns.rdatatype.DS and qname in self.cut_proofs and qname != dns.name.root:
            # the referral's proof that the delegation has no DS, as the
            # parent's NODATA answer to the DS question (unbound reads the
            # same records from the referral)
            proof = self.cut_proofs[qname]
            qname = qname.parent()
        if proof:
            e = rpl.Entry()
            e.sections["AUTHORITY"] = [_one(x) for x in self._soa(qname) + proof]
            return e
        denial = self.cached_nsec.answer(qname, lambda z: self._signed(z, dns.rdatatype.SOA))
        if denial is not None:
            e = rpl.Entry()
            e.rcode, e.sections["AUTHORITY"] = denial
            e.note = "cached NSEC, RFC 8198"
            return e
        if qtype == dns.rdatatype.DS:
            return self._signed_nodata(qname)
        return None

    def _signed_nodata(self, qname):
        """DS NODATA at a name of a re-signed zone that is no zone cut,
        signed like an online signer does (RFC 4470: an NSEC at the name whose
        next name is its immediate successor).  Only for zones whose key the
        harness made (resign.py), only at names the scenario shows to exist
        (records there or below), never at a delegation or apex."""
        import dns.rdata
        import resign
        import rpl
        rs = self.resigner
        zone = None
        for (n, t) in self.rr:
            if t == dns.rdatatype.DNSKEY and qname.is_subdomain(n) and n != qname:
                zone = n if zone is None or len(n) > len(zone) else zone
        if rs is None or zone is None:
            return None
        soa = self._signed(zone, dns.rdatatype.SOA)
        sigs = sorted((sg for (n, _), sg in self.sigs.items() if sg[0].signer == zone),
                      key=lambda sg: (sg.covers == dns.rdatatype.DNSKEY, sg.covers != dns.rdatatype.SOA))
        got = None
        for sg in sigs:
            got = resign.new_private_key(rs, zone, sg[0].key_tag)
            if got is not None:
                sig = sg[0]
                break
        if got is None:
            return None
        priv, key = got
        types = {t for (n, t) in self.rr if n == qname}
        below = any(n != qname and n.is_subdomain(qname) for (n, _) in self.rr)
        cut = {dns.rdatatype.NS, dns.rdatatype.DS, dns.rdatatype.DNSKEY, dns.rdatatype.SOA}
        if types & cut or not (types or below):
            return None
        types = sorted((types | {dns.rdatatype.NSEC, dns.rdatatype.RRSIG}) - {dns.rdatatype.NSEC3})
        nxt = dns.name.Name((b"\x00",) + qname.labels)
        rd = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.NSEC,
                                 "%s %s" % (nxt.to_text(), " ".join(dns.rdatatype.to_text(t) for t in types)),
                                 relativize=False)
        ttl = soa[0][0].minimum if soa else 3600
        nsec = dns.rrset.RRset(qname, dns.rdataclass.IN, dns.rdatatype.NSEC)
        nsec.add(rd, ttl)
        tmpl = sig.replace(type_covered=dns.rdatatype.NSEC, labels=len(qname) - 1, original_ttl=ttl,
                           signature=b"")
        data = dns.dnssec._make_rrsig_signature_data(nsec, tmpl)
        rrsig = dns.rrset.RRset(qname, dns.rdataclass.IN, dns.rdatatype.RRSIG, dns.rdatatype.NSEC)
        rrsig.add(tmpl.replace(signature=resign.raw_sign(priv, key.algorithm, data)), ttl)
        e = rpl.Entry()
        e.sections["AUTHORITY"] = soa + [nsec, rrsig]
        e.note = "NSEC signed here, RFC 4470"
        return e

    def _nsec_at(self, qname, qtype):
        import dns.dnssec
        bad = {qtype, dns.rdatatype.CNAME}
        if qtype == dns.rdatatype.DS:
            bad.add(dns.rdatatype.SOA)  # the child apex NSEC proves nothing about DS
        nsec = self.rr.get((qname, dns.rdatatype.NSEC))
        if nsec is not None and not any(t in bad for t in aggressive.nsec_types(nsec[0])):
            return self._signed(qname, dns.rdatatype.NSEC)
        for (n, t), rrs in self.rr.items():
            if t != dns.rdatatype.NSEC3:
                continue
            zone = n.parent()
            if not qname.is_subdomain(zone):
                continue
            p = rrs[0]
            h = dns.dnssec.nsec3_hash(qname, p.salt if p.salt else None, p.iterations, p.algorithm)
            if n.labels[0].decode().upper() == h and not any(t in bad for t in aggressive.nsec_types(p)):
                return self._signed(n, dns.rdatatype.NSEC3)
        return []



def _one(rrset):
    return rrset


def _matches(e, qname, qtype, tcp, edns, do):
    m = e.match
    if e.opcode != "QUERY" and "opcode" in m:
        return False
    if "TCP" in m and not tcp or "UDP" in m and tcp:
        return False
    if "noedns" in m and edns or "DO" in m and not do:
        return False
    if e.question is None:
        return not ({"qname", "qtype", "subdomain"} & m)
    ename, etype, _ = e.question
    if "qtype" in m and etype != qtype:
        return False
    if "qname" in m and ename != qname:
        return False
    if "subdomain" in m and not qname.is_subdomain(ename):
        return False
    return True


def build_reply(q, e, tcp):
    """Wire reply to query message @p q from entry @p e (None: SERVFAIL)."""
    if e is not None and e.raw is not None:
        return q.id.to_bytes(2, "big") + e.raw[2:]
    r = dns.message.make_response(q)
    r.flags = dns.flags.QR | dns.flags.RA | (q.flags & dns.flags.RD)
    if q.edns >= 0:
        r.use_edns(0, q.ednsflags & dns.flags.DO, 4096)
    if e is None:
        r.set_rcode(dns.rcode.SERVFAIL)
    else:
        for f in e.flags:
            if f in ("AA", "TC"):
                r.flags |= _FLAG_BITS[f]
        r.set_rcode(dns.rcode.from_text(e.rcode))
        for sec, dest in (("ANSWER", r.answer), ("AUTHORITY", r.authority), ("ADDITIONAL", r.additional)):
            for rr in e.sections[sec]:
                if rr.rdtype == dns.rdatatype.OPT:
                    continue
                cur = r.find_rrset(dest, rr.name, rr.rdclass, rr.rdtype, rr.covers, create=True)
                cur.update(rr)
    size = 65535 if tcp else (q.payload if q.edns >= 0 else 512)
    try:
        return r.to_wire(max_size=size)
    except dns.exception.TooBig:
        t = dns.message.make_response(q)
        t.flags = dns.flags.QR | dns.flags.RA | dns.flags.TC | (q.flags & dns.flags.RD)
        return t.to_wire()


class ReplayServer:
    """UDP+TCP server on 127.0.0.1:port, in two threads, for one query."""

    def __init__(self, cands, lifetime=60.0):
        self.cands = cands
        self.lifetime = lifetime
        self.stop = threading.Event()
        for _ in range(50):
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind(("127.0.0.1", 0))
            self.port = self.udp.getsockname()[1]
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self.tcp.bind(("127.0.0.1", self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
        self.tcp.listen(8)
        self.udp.settimeout(0.2)
        self.tcp.settimeout(0.2)
        self.threads = [threading.Thread(target=self._udp_loop, daemon=True),
                        threading.Thread(target=self._tcp_loop, daemon=True)]

    def __enter__(self):
        self.deadline = threading.Timer(self.lifetime, self.stop.set)
        self.deadline.daemon = True
        self.deadline.start()
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.deadline.cancel()
        for t in self.threads:
            t.join(2)
        self.udp.close()
        self.tcp.close()

    def _answer(self, wire, tcp):
        try:
            q = dns.message.from_wire(wire)
        except Exception:
            return None
        if not q.question:
            return None
        qq = q.question[0]
        try:
            e = self.cands.find(qq.name, qq.rdtype, tcp, q.edns >= 0, bool(q.ednsflags & dns.flags.DO))
            return build_reply(q, e, tcp)
        except Exception as ex:  # noqa: BLE001 - a harness bug: answer SERVFAIL, report it
            with self.cands.lock:
                self.cands.errors.append("%s/%s: %r" % (qq.name, dns.rdatatype.to_text(qq.rdtype), ex))
            return build_reply(q, None, tcp)

    def _udp_loop(self):
        while not self.stop.is_set():
            try:
                wire, peer = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            out = self._answer(wire, False)
            if out is not None:
                self.udp.sendto(out, peer)

    def _tcp_loop(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(2.0)
            try:
                while True:
                    hdr = _recvn(conn, 2)
                    if hdr is None:
                        break
                    wire = _recvn(conn, struct.unpack("!H", hdr)[0])
                    if wire is None:
                        break
                    out = self._answer(wire, True)
                    if out is None:
                        break
                    conn.sendall(struct.pack("!H", len(out)) + out)
            except OSError:
                pass
            finally:
                conn.close()


def _recvn(conn, n):
    buf = b""
    while len(buf) < n:
        c = conn.recv(n - len(buf))
        if not c:
            return None
        buf += c
    return buf
