"""Parser for unbound's replay scenario files (testdata/*.rpl).

Only what the validator replay tests use is read: the CONFIG section
(trust anchors, val-override-date and the option names), RANGE/ENTRY blocks
(MATCH, ADJUST, REPLY flags and rcode, SECTION lines, raw HEX_ANSWER
packets) and the STEP list (QUERY, CHECK_ANSWER, REPLY).  The format is
described in unbound's testcode/replay.h; this is an independent reader.
"""
import calendar
import re
import time

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

SECTIONS = ("QUESTION", "ANSWER", "AUTHORITY", "ADDITIONAL")
FLAG_WORDS = {"QR", "AA", "TC", "RD", "RA", "Z", "AD", "CD", "DO"}


class Entry:
    """One ENTRY_BEGIN..ENTRY_END block."""

    def __init__(self):
        self.match = set()
        self.adjust = set()
        self.flags = set()
        self.rcode = "NOERROR"
        self.opcode = "QUERY"
        self.sections = {s: [] for s in SECTIONS}  # lists of dns.rrset.RRset (1 RR each)
        self.question = None  # (name, rdtype, rdclass)
        self.raw = None  # bytes of a HEX_ANSWER packet
        self.ede = None
        self.line = 0

    def is_referral(self):
        if self.raw is not None or self.rcode != "NOERROR":
            return False
        if self.sections["ANSWER"]:
            return False
        auth = self.sections["AUTHORITY"]
        types = {r.rdtype for r in auth}
        return dns.rdatatype.NS in types and dns.rdatatype.SOA not in types


class Range:
    def __init__(self, start, end):
        self.start, self.end = start, end
        self.addresses = []
        self.entries = []


class Step:
    def __init__(self, num, kind, rest):
        self.num, self.kind, self.rest = num, kind, rest
        self.entry = None


class Scenario:
    def __init__(self, path):
        self.path = path
        self.config = []  # (key, value) pairs, in order
        self.anchors = []  # RR text lines
        self.date = None  # unix time from val-override-date
        self.ranges = []
        self.steps = []
        self.title = ""

    def option(self, key):
        return [v for k, v in self.config if k == key]


def _unquote(v):
    v = v.strip()
    if v.startswith('"'):
        v = v[1:]
    if v.endswith('"'):  # the closing quote may sit behind a ;comment
        v = v[:-1]
    return v.strip()


def _parse_date(v):
    v = _unquote(v)
    if re.fullmatch(r"\d{14}", v):
        return calendar.timegm(time.strptime(v, "%Y%m%d%H%M%S"))
    if re.fullmatch(r"-?\d+", v):
        return int(v)
    return None


def parse_rr(line, section):
    """One RR in presentation format (owner [ttl] [class] type rdata)."""
    toks = line.split()
    if not toks:
        return None
    owner = dns.name.from_text(toks[0])
    i = 1
    ttl = 3600
    rdclass = dns.rdataclass.IN
    for _ in range(2):
        if i < len(toks) and re.fullmatch(r"\d+", toks[i]):
            ttl = int(toks[i])
            i += 1
        elif i + 1 < len(toks) and toks[i].upper() in ("IN", "CH", "HS", "CLASS1", "CLASS3", "ANY"):
            rdclass = dns.rdataclass.from_text(toks[i])
            i += 1
    if i >= len(toks):
        raise ValueError("no type in RR: %r" % line)
    rdtype = dns.rdatatype.from_text(toks[i])
    if section == "QUESTION":
        return (owner, rdtype, rdclass)
    rdtext = " ".join(toks[i + 1:])
    try:
        rd = dns.rdata.from_text(rdclass, rdtype, rdtext, origin=dns.name.root, relativize=False)
    except dns.exception.SyntaxError:
        if rdtype != dns.rdatatype.RRSIG:
            raise
        # an RRSIG with its signature left out on purpose (a broken record):
        # keep it broken with a one-byte signature
        rd = dns.rdata.from_text(rdclass, rdtype, rdtext + " AA==", origin=dns.name.root, relativize=False)
    rrs = dns.rrset.RRset(owner, rdclass, rdtype, rd.covers() if rdtype == dns.rdatatype.RRSIG else dns.rdatatype.NONE)
    rrs.add(rd, ttl)
    return rrs


def _logical_lines(text):
    """Strip comments, join parenthesised continuations."""
    buf, depth, start = "", 0, 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split(";", 1)[0] if not raw.lstrip().startswith("HEX") else raw
        line = line.rstrip()
        if depth == 0:
            buf, start = line, n
        else:
            buf += " " + line
        depth += line.count("(") - line.count(")")
        if depth <= 0:
            depth = 0
            out = buf.replace("(", " ").replace(")", " ")
            if out.strip():
                yield start, out
            buf = ""


def _parse_entry(lines, it):
    e = Entry()
    section = None
    hexbuf = None
    for n, line in it:
        s = line.strip()
        word = s.split()[0] if s else ""
        if hexbuf is not None:
            if word == "HEX_ANSWER_END":
                e.raw = bytes.fromhex("".join(hexbuf))
                hexbuf = None
            else:
                hexbuf.append(re.sub(r"[^0-9a-fA-F]", "", s.split(";", 1)[0]))
            continue
        if word == "ENTRY_END":
            return e
        if word == "MATCH":
            for m in s.split()[1:]:
                if m.startswith("ede="):
                    e.ede = m[4:]
                e.match.add(m)
        elif word == "ADJUST":
            e.adjust.update(s.split()[1:])
        elif word == "REPLY":
            for f in s.split()[1:]:
                fu = f.upper()
                if fu in FLAG_WORDS:
                    e.flags.add(fu)
                elif fu in ("QUERY", "NOTIFY", "UPDATE", "IQUERY", "STATUS"):
                    e.opcode = fu
                else:
                    e.rcode = fu
        elif word == "SECTION":
            section = s.split()[1].upper()
        elif word == "HEX_ANSWER_BEGIN":
            hexbuf = []
        elif word in ("HEX_EDNSDATA_BEGIN", "HEX_EDNSDATA_END", "ECHO_EDNSDATA"):
            e.match.add("edns-raw")
        elif section is not None:
            rr = parse_rr(s, section)
            if section == "QUESTION":
                e.question = rr
            else:
                e.sections[section].append(rr)
    raise ValueError("%s: ENTRY without ENTRY_END" % lines)


def parse(path):
    sc = Scenario(path)
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    it = iter(list(_logical_lines(text)))
    in_config = True
    cur_range = None
    cur_step = None
    for n, line in it:
        s = line.strip()
        if in_config:
            if s.startswith("CONFIG_END"):
                in_config = False
                continue
            m = re.match(r"([A-Za-z0-9_-]+):\s*(.*)$", s)
            if m:
                key, val = m.group(1), m.group(2)
                sc.config.append((key, val))
                if key == "trust-anchor":
                    sc.anchors.append(_unquote(val))
                elif key == "val-override-date":
                    sc.date = _parse_date(val)
            continue
        word = s.split()[0]
        if word == "SCENARIO_BEGIN":
            sc.title = s[len("SCENARIO_BEGIN"):].strip()
        elif word == "RANGE_BEGIN":
            p = s.split()
            cur_range = Range(int(p[1]), int(p[2]))
            sc.ranges.append(cur_range)
        elif word == "RANGE_END":
            cur_range = None
        elif word == "ADDRESS" and cur_range is not None:
            cur_range.addresses.append(s.split()[1])
        elif word == "ENTRY_BEGIN":
            e = _parse_entry(path, it)
            e.line = n
            if cur_range is not None:
                cur_range.entries.append(e)
            elif cur_step is not None:
                cur_step.entry = e
        elif word == "STEP":
            p = s.split()
            cur_step = Step(int(p[1]), p[2], p[3:])
            sc.steps.append(cur_step)
        elif word == "SCENARIO_END":
            break
    return sc
