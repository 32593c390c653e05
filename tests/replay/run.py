#!/usr/bin/python3
"""Replay unbound's validator tests (testdata/val_*.rpl) against danebox.

For every QUERY step of every scenario: re-sign what danebox does not
validate (resign.py), serve the scenario's entries from a loopback server
(server.py) and run

    danebox resolve NAME TYPE --resolver 127.0.0.1:PORT --anchor FILE --time T --json

then compare with the scenario's CHECK_ANSWER: AD -> secure, SERVFAIL ->
bogus, otherwise insecure.  danebox's "indeterminate" counts as agreeing
with SERVFAIL (both give the client no data).  A downgrade is danebox
secure where unbound is not, or insecure where unbound says bogus.

Writes a results table (--table) and, with --differences FILE, prints
PASS:/FAIL: per comparable query: a disagreement must be listed in FILE
(test step expected ours  reason), a downgrade fails even when listed.
Queries that cannot be compared are listed with the reason.
"""
import argparse
import concurrent.futures
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

import dns.flags
import dns.name
import dns.rdataclass
import dns.rdatatype

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import resign  # noqa: E402
import rpl  # noqa: E402
import server  # noqa: E402
import synthroot  # noqa: E402

DBX_NSEC3_MAX_ITERATIONS = 150  # src/dnssec/dbx_dnssec_config.h


class Case:
    def __init__(self, test, step, qname, qtype):
        self.test, self.step, self.qname, self.qtype = test, step, qname, qtype
        self.expected = None
        self.ours = None
        self.reason = ""
        self.skip = None  # not-comparable reason
        self.multi_anchor = 0
        self.owners = []
        self.unmatched = []
        self.synthesised = []
        self.job = None
        self.nsec3_limit = None  # --nsec3-iterations from the scenario's config

    @property
    def verdict(self):
        if self.skip:
            return "not-comparable"
        e, o = self.expected, self.ours
        if o == "secure" and e != "secure" or o == "insecure" and e == "bogus":
            return "DOWNGRADE"
        if e == o or e == "bogus" and o == "indeterminate":
            return "agree"
        return "disagree"


def expected_of(check):
    if "AD" in check.flags:
        return "secure"
    if check.rcode == "SERVFAIL":
        return "bogus"
    return "insecure"


def _anchor_for(anchors, qname):
    """The closest enclosing anchor owner (unbound uses the closest one)."""
    owners = []
    for a in anchors:
        if a.name not in owners:
            owners.append(a.name)
    best = None
    for o in owners:
        if qname.is_subdomain(o) and (best is None or len(o) > len(best)):
            best = o
    if best is None:
        best = owners[0]
    return [a for a in anchors if a.name == best]


def _time_inside(sc):
    """val-override-date -1 switches unbound's date check off: pick a time
    inside every signature's validity period (latest inception + 1 s)."""
    best = None
    for rg in sc.ranges:
        for e in rg.entries:
            for sec in ("ANSWER", "AUTHORITY", "ADDITIONAL"):
                for r in e.sections[sec]:
                    if r.rdtype == dns.rdatatype.RRSIG:
                        t = r[0].inception + 1
                        best = t if best is None or t > best else best
    return best


def _skip_reason(sc, st, check, expected, qname, anchors, when, resign_err):
    """Why a query cannot be compared, or None."""
    m = check.entry.match
    insecure_domains = [dns.name.from_text(rpl._unquote(v)) for v in sc.option("domain-insecure")]
    if not ({"all", "flags"} & m) and expected != "bogus":
        return "the check does not assert the AD flag (MATCH %s)" % " ".join(sorted(m))
    if st.entry.question[2] != dns.rdataclass.IN:
        return "query class %s" % dns.rdataclass.to_text(st.entry.question[2])
    if "CD" in st.entry.flags:
        return "CD query (checking disabled: unbound returns unvalidated data)"
    if "RD" not in st.entry.flags and check.entry.is_referral():
        return ("query without RD answered with a referral from unbound's cache (its AD covers the "
                "zone's cached NS RRset, not the name; the scenario has no data for the name, which "
                "danebox asks for)")
    if "DO" not in st.entry.flags and expected != "bogus":
        return "query without DO (unbound clears AD for such clients)"
    if resign_err:
        return resign_err
    if not anchors:
        return "no trust-anchor in the config (file or auto anchors)"
    if when is None:
        return "no val-override-date and no signature validity period to pick a time from"
    if "yes" in [rpl._unquote(v) for v in sc.option("harden-algo-downgrade")]:
        return ("harden-algo-downgrade: yes (a non-default unbound option; danebox accepts any "
                "one valid algorithm like unbound's default, RFC 6840 5.11: see the _dp twin)")
    if any(qname.is_subdomain(d) for d in insecure_domains):
        return "domain-insecure config option"
    if any(e.raw is not None for rg in sc.ranges for e in rg.entries):
        return "raw (hex) packets in the scenario"
    return None


def nsec3_limit(sc):
    """danebox's --nsec3-iterations for a scenario that lowers unbound's NSEC3
    iteration limit (val-nsec3-keysize-iterations "KEYSIZE ITER ..."), else None.
    danebox has one limit, not one per key size: the smallest listed (for the
    1024-bit keys of these scenarios it is the one unbound applies), passed
    only when below danebox's built-in limit (the option can only lower it)."""
    vals = []
    for v in sc.option("val-nsec3-keysize-iterations"):
        w = rpl._unquote(v).split()
        vals += [int(x) for x in w[1::2] if x.isdigit()]
    if not vals or min(vals) >= DBX_NSEC3_MAX_ITERATIONS:
        return None
    return min(vals)


def plan(path):
    """Cases of one scenario, each with what danebox needs (or a skip reason)."""
    test = os.path.basename(path)[:-4]
    cases = []
    try:
        sc = rpl.parse(path)
    except Exception as ex:  # noqa: BLE001
        c = Case(test, 0, "-", "-")
        c.skip = "scenario not parsed: %s" % ex
        return [c]
    steps = sc.steps
    try:
        _, anchors = resign.resign_scenario(sc)
    except Exception as ex:  # noqa: BLE001
        anchors = []
        resign_err = "re-signing failed: %s" % ex
    else:
        resign_err = None
    when = sc.date if sc.date is not None and sc.date > 0 else _time_inside(sc)
    root = None
    if when is not None and synthroot.SyntheticRoot.usable(anchors, sc):
        root = synthroot.SyntheticRoot(anchors, when)
    for i, st in enumerate(steps):
        if st.kind != "QUERY" or st.entry is None or st.entry.question is None:
            continue
        check = None
        for nxt in steps[i + 1:]:
            if nxt.kind == "CHECK_ANSWER":
                check = nxt
                break
            if nxt.kind == "QUERY":
                break
        qname, qtype, qclass = st.entry.question
        c = Case(test, st.num, qname.to_text(), dns.rdatatype.to_text(qtype))
        c.nsec3_limit = nsec3_limit(sc)
        cases.append(c)
        if check is None or check.entry is None:
            c.skip = "no CHECK_ANSWER for the query"
            continue
        c.expected = expected_of(check.entry)
        c.skip = _skip_reason(sc, st, check, c.expected, qname, anchors, when, resign_err)
        if c.skip:
            continue
        hi = check.num
        owners = {a.name for a in anchors}
        if root is not None:
            if qtype == dns.rdatatype.DS and qname in owners:
                c.skip = "DS query at an island's anchor name (islands of trust modelled by a signed root)"
                continue
            c.job = (sc, st.num, hi, root.anchor_rrset(), when, root)
            continue
        c.multi_anchor = len(owners) if len(owners) > 1 else 0
        c.owners = sorted(o.to_text() for o in owners)
        below = qname.parent() if qtype == dns.rdatatype.DS and qname != dns.name.root else qname
        c.job = (sc, st.num, hi, _anchor_for(anchors, below), when, None)
    return cases


def run_case(c, danebox, timeout):
    sc, lo, hi, anchors, when, root = c.job
    cands = server.Candidates(sc, lo, hi, root)
    if os.environ.get("REPLAY_DEBUG"):
        cands.log = []
    with tempfile.NamedTemporaryFile("w", suffix=".anchor", delete=False) as f:
        for a in anchors:
            f.write(a.to_text() + "\n")
        apath = f.name
    try:
        with server.ReplayServer(cands, lifetime=timeout + 5) as srv:
            cmd = [danebox, "resolve", c.qname, c.qtype, "--resolver", "127.0.0.1:%d" % srv.port,
                   "--anchor", apath, "--time", str(when), "--json"]
            if c.nsec3_limit is not None:
                cmd += ["--nsec3-iterations", str(c.nsec3_limit)]
            try:
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                c.ours, c.reason = "indeterminate", "danebox timed out (%ds)" % timeout
                return c
    finally:
        os.unlink(apath)
    c.unmatched = sorted(set(cands.unmatched))
    if cands.log is not None:
        print("\n".join("  %s %d: %s" % (c.test, c.step, x) for x in cands.log))
        print("  %s %d: %s" % (c.test, c.step, p.stdout.strip()[:600]))
    c.synthesised = sorted(set(cands.synthesised))
    line = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
    try:
        d = json.loads(line)
        c.ours, c.reason = d["status"], d.get("reason", "")
    except (ValueError, KeyError):
        c.ours = "error"
        c.reason = "exit %d: %s" % (p.returncode, (p.stderr or p.stdout).strip()[:200])
    if cands.errors:
        c.ours, c.reason = "error", "replay server error: %s" % "; ".join(cands.errors[:2])
    elif c.multi_anchor and ("outside the trust anchor" in c.reason or "above the trust anchor" in c.reason):
        c.skip = "the scenario needs trust anchors at %d names; danebox takes one anchor" % c.multi_anchor
    elif c.multi_anchor and any(u in ("%s/DS" % o for o in c.owners) for u in c.unmatched):
        c.skip = ("nested trust anchors: danebox, with the outer one, asked the DS of the inner anchor "
                  "name, which unbound never needs (it uses the inner anchor)")
    elif c.unmatched and c.ours == "indeterminate":
        c.skip = "danebox asked %s, which the scenario does not answer" % ", ".join(c.unmatched[:3])
    return c


def load_differences(path):
    out = {}
    if not path or not os.path.exists(path):
        return out
    with open(path) as f:
        for n, line in enumerate(f, 1):
            s = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
            if not s:
                continue
            head, _, why = s.partition("|")
            p = head.split()
            if len(p) != 4:
                raise SystemExit("%s:%d: want 'test step expected ours | reason'" % (path, n))
            out[(p[0], int(p[1]))] = (p[2], p[3], why.strip())
    return out


def table(cases, fh):
    fh.write("# test step qname qtype expected danebox verdict | danebox reason / not-comparable reason\n")
    for c in cases:
        why = c.skip or c.reason
        if c.unmatched and not c.skip:
            why += " [unanswered: %s]" % ", ".join(c.unmatched[:4])
        own = [x for x in c.synthesised if not x.endswith("(signed root)")]
        if own and not c.skip:
            why += " [from the scenario's records: %s]" % ", ".join(own[:4])
        if len(own) < len(c.synthesised) and not c.skip:
            why += " [harness-signed root: %d answers]" % (len(c.synthesised) - len(own))
        fh.write("%s %d %s %s %s %s %s | %s\n" % (c.test, c.step, c.qname, c.qtype, c.expected or "-",
                                                  c.ours or "-", c.verdict, why))


def summary(cases):
    comp = [c for c in cases if not c.skip]
    agree = sum(1 for c in comp if c.verdict == "agree")
    down = [c for c in comp if c.verdict == "DOWNGRADE"]
    skip = [c for c in cases if c.skip]
    pct = 100.0 * agree / len(comp) if comp else 0.0
    return len(comp), agree, pct, down, skip


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--testdata", required=True)
    ap.add_argument("--danebox", required=True)
    ap.add_argument("--table", help="write the per-query results table here")
    ap.add_argument("--differences", help="expected-differences file: print PASS/FAIL")
    ap.add_argument("--filter", default="val_")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=20)
    ap.add_argument("--min-compared", type=int, default=1,
                    help="fail when fewer queries could be compared (a broken harness compares nothing)")
    ap.add_argument("--min-agree", type=int, default=0,
                    help="fail when fewer compared queries agree (the figure reached so far)")
    a = ap.parse_args()
    t0 = time.time()
    files = sorted(f for f in glob.glob(os.path.join(a.testdata, "val_*.rpl")) if a.filter in os.path.basename(f))
    if not files:
        print("FAIL: no val_*.rpl in %s" % a.testdata)
        return 1
    cases = []
    for f in files:
        cases.extend(plan(f))
    todo = [c for c in cases if c.job]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        list(ex.map(lambda c: run_case(c, a.danebox, a.timeout), todo))
    if a.table:
        with open(a.table, "w") as fh:
            table(cases, fh)
    ncomp, agree, pct, down, skip = summary(cases)
    print("replay: %d scenarios, %d queries: %d compared, %d agree (%.1f%%), %d downgrades, %d not comparable (%.0fs)"
          % (len(files), len(cases), ncomp, agree, pct, len(down), len(skip), time.time() - t0))
    for c in skip:
        print("NOT COMPARABLE: %s step %d %s %s: %s" % (c.test, c.step, c.qname, c.qtype, c.skip))
    if not a.differences:
        return 0
    listed = load_differences(a.differences)
    bad = 0
    seen = set()
    for c in cases:
        if c.skip:
            continue
        k = (c.test, c.step)
        name = "replay %s step %d %s %s: unbound %s, danebox %s" % (c.test, c.step, c.qname, c.qtype,
                                                                     c.expected, c.ours)
        if c.verdict == "agree":
            print("PASS: %s" % name)
            if k in listed:
                print("NOTE: %s is listed as a difference but agrees now (remove it)" % name)
            continue
        seen.add(k)
        if c.verdict == "DOWNGRADE":
            print("FAIL: %s: DOWNGRADE (%s)" % (name, c.reason))
            bad += 1
        elif k in listed and listed[k][:2] == (c.expected, c.ours):
            print("PASS: %s: listed difference (%s)" % (name, listed[k][2]))
        else:
            print("FAIL: %s: unlisted difference (%s)" % (name, c.reason))
            bad += 1
    for k in sorted(set(listed) - seen):
        print("NOTE: listed difference %s step %d does not occur" % k)
    if ncomp < a.min_compared:
        print("FAIL: replay compared %d queries, fewer than %d (harness or data broken?)" % (ncomp, a.min_compared))
        bad += 1
    if agree < a.min_agree:
        print("FAIL: replay agreement %d of %d, below the minimum %d" % (agree, ncomp, a.min_agree))
        bad += 1
    else:
        print("PASS: replay agreement %d of %d (%.1f%%), minimum %d" % (agree, ncomp, pct, a.min_agree))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
