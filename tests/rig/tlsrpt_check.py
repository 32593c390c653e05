#!/usr/bin/env python3
"""Report checks for tests/rig/test_tlsrpt.sh.  Every report found is
validated against tests/tlsrpt/tlsrpt.schema.json and summarised as one line:
  SOURCE DOMAIN policy-type=T ok=N failed=N results=R1,R2 report-id=ID
usage:
  tlsrpt_check.py json SCHEMA FILE.json...       reports written by --out
  tlsrpt_check.py mbox SCHEMA MBOX               multipart/report mails (RFC 8460 5.3)
  tlsrpt_check.py posts SCHEMA DIR               bodies the HTTPS collector stored
Exit 1 (with a message) when a report does not validate or a mail lacks a
required header/part."""
import email
import email.policy
import gzip
import json
import mailbox
import os
import sys

import jsonschema


def summary(src, rep):
    for p in rep["policies"]:
        pol = p["policy"]
        res = sorted({d["result-type"] for d in p.get("failure-details", [])})
        print("%s %s policy-type=%s ok=%d failed=%d results=%s mx=%s strings=%d report-id=%s" % (
            src, pol["policy-domain"], pol["policy-type"],
            p["summary"]["total-successful-session-count"],
            p["summary"]["total-failure-session-count"], ",".join(res) or "-",
            ",".join(pol.get("mx-host", [])) or "-", len(pol.get("policy-string", [])),
            rep["report-id"]))


def check(schema, src, data):
    rep = json.loads(data)
    try:
        jsonschema.validate(rep, schema)
    except jsonschema.ValidationError as e:
        sys.exit("%s: schema: %s" % (src, e.message))
    summary(src, rep)


def from_mbox(schema, path):
    for msg in mailbox.mbox(path, factory=lambda f: email.message_from_binary_file(
            f, policy=email.policy.default)):
        dom = msg.get("TLS-Report-Domain")
        if dom is None:
            continue
        sub = msg.get("TLS-Report-Submitter")
        ctype = msg.get_content_type()
        if not sub or ctype != "multipart/report" or \
                msg.get_param("report-type") != "tlsrpt":
            sys.exit("mail for %s: bad headers (%s, %s)" % (dom, sub, msg.get("Content-Type")))
        if not msg.get("Subject", "").startswith("Report Domain: %s Submitter: %s" % (dom, sub)):
            sys.exit("mail for %s: subject %r" % (dom, msg.get("Subject")))
        parts = [p for p in msg.iter_parts() if p.get_content_type() == "application/tlsrpt+gzip"]
        if len(parts) != 1 or not (parts[0].get_filename() or "").endswith(".json.gz"):
            sys.exit("mail for %s: no application/tlsrpt+gzip attachment" % dom)
        check(schema, "mail", gzip.decompress(parts[0].get_content()))


def main():
    mode, schema_path = sys.argv[1], sys.argv[2]
    schema = json.load(open(schema_path))
    jsonschema.Draft7Validator.check_schema(schema)
    if mode == "json":
        for f in sys.argv[3:]:
            check(schema, "out", open(f, "rb").read())
    elif mode == "mbox":
        from_mbox(schema, sys.argv[3])
    elif mode == "posts":
        d = sys.argv[3]
        for n in sorted(f for f in os.listdir(d) if f.endswith(".gz")):
            hdr = open(os.path.join(d, n[:-3] + ".hdr")).read().strip()
            if hdr != "application/tlsrpt+gzip":
                sys.exit("POST %s: content type %r" % (n, hdr))
            check(schema, "post", gzip.decompress(open(os.path.join(d, n), "rb").read()))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
