#!/usr/bin/python3
"""Self-check of the replay server's cached-NSEC answers (aggressive.py):
what it proves from unbound's negative-cache scenarios, and what it must
refuse (records not cached yet, names whose wildcard exists, names no
cached NSEC covers).  Prints PASS:/FAIL: lines; exit 1 on any FAIL."""
import os
import sys

import dns.name
import dns.rdatatype

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import resign  # noqa: E402
import rpl  # noqa: E402
import server  # noqa: E402

# scenario, query step, name, expected (rcode, NSEC owners) or None (no answer)
CASES = [
    ("val_negcache_nxdomain", 1, "ant.testzone.nlnetlabs.nl.", None),  # nothing cached before step 1
    ("val_negcache_nxdomain", 20, "ant.testzone.nlnetlabs.nl.",
     ("NXDOMAIN", ["alligator.testzone.nlnetlabs.nl.", "testzone.nlnetlabs.nl."])),
    ("val_negcache_nxdomain", 20, "zzz.testzone.nlnetlabs.nl.", None),  # no cached NSEC covers it
    ("val_negcache_nodata", 40, "ent.testzone.nlnetlabs.nl.", None),  # its NSEC is cached at step 50
    ("val_negcache_nodata", 60, "ent.testzone.nlnetlabs.nl.", ("NOERROR", ["*.elephant.testzone.nlnetlabs.nl."])),
    ("val_negcache_nodata", 60, "a.ent.testzone.nlnetlabs.nl.", ("NXDOMAIN", ["*.elephant.testzone.nlnetlabs.nl."])),
    ("val_negcache_nodata", 60, "x.elephant.testzone.nlnetlabs.nl.", None),  # *.elephant exists
]


def main(testdata):
    bad = 0
    for test, lo, qname, want in CASES:
        sc = rpl.parse(os.path.join(testdata, test + ".rpl"))
        resign.resign_scenario(sc)
        syn = server.Synth(sc, lo)
        got = syn.cached_nsec.answer(dns.name.from_text(qname), lambda z: syn._signed(z, dns.rdatatype.SOA))
        if got is not None:
            owners = [r.name.to_text() for r in got[1] if r.rdtype == dns.rdatatype.NSEC]
            soa = [r for r in got[1] if r.rdtype == dns.rdatatype.SOA]
            sigs = {r.covers for r in got[1] if r.rdtype == dns.rdatatype.RRSIG}
            got = (got[0], owners) if soa and sigs == {dns.rdatatype.SOA, dns.rdatatype.NSEC} else ("unsigned", owners)
        ok = got == want
        print("%s: replay cached NSEC %s step %d %s: %s" % ("PASS" if ok else "FAIL", test, lo, qname,
                                                           got if ok else "got %s, want %s" % (got, want)))
        bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
