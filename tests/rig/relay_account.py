#!/usr/bin/env python3
"""Per-recipient accounting after a relay load run (issue 15, item 5).
Inputs: the generator's ACKED file ("<queue id> <rcpt>" per recipient the
relay answered 250 for), the relay LOG, the `danebox queue list` output
(QLIST) and the receiving mailboxes (MBOX...).  Each acknowledged
recipient must be in exactly one final place:
  delivered  a "status=sent" log line for (id, rcpt), and its copy in a
             mailbox (Delivered-To: rcpt, Subject: load N)
  bounced    a "status=bounced|expired" log line (a DSN was queued)
  queued     still in the spool (pending / deferred in QLIST; with QLIST
             "-" (Postfix): the last logged status is "deferred")
Prints "ACCOUNT submitted=S delivered=D queued=Q bounced=B lost=L
dup_delivered=X mbox_missing=M" and one "LOST ..." line per lost recipient.
Exit 0 when S == D + Q + B, L == 0 and M == 0.
usage: relay_account.py ACKED LOG QLIST MBOX..."""
import collections, re, sys

acked_f, log_f, qlist_f = sys.argv[1:4]
mboxes = sys.argv[4:]
acked = [tuple(l.split()) for l in open(acked_f) if l.strip()]
final = {}
sent_n = collections.Counter()
pat = re.compile(r"(?:danebox|postfix[\w/-]*)\[\d+\]: ([0-9A-F]+): to=<([^>]*)>.*? status=(\w+)")
for l in open(log_f, errors="replace"):
    m = pat.search(l)
    if m:
        key = (m.group(1), m.group(2))
        final[key] = m.group(3)
        if m.group(3) == "sent":
            sent_n[key] += 1
queued = set()
cur = None
if qlist_f == "-":
    queued = {k for k, v in final.items() if v == "deferred"}
for l in (open(qlist_f, errors="replace") if qlist_f != "-" else []):
    m = re.match(r"([0-9A-F]{8,}) ", l)
    if m:
        cur = m.group(1)
        continue
    m = re.match(r"\s+(pending|deferred)\s+<([^>]*)>", l)
    if m and cur:
        queued.add((cur, m.group(2)))
inbox = collections.Counter()
for mb in mboxes:
    try:
        for l in open(mb, errors="replace"):
            if l.startswith("Delivered-To: "):
                inbox[l.split(":", 1)[1].strip()] += 1
    except OSError:
        pass
d = q = b = lost = dup = missing = 0
for key in acked:
    st = final.get(key)
    if key in queued:
        q += 1
    elif st == "sent":
        d += 1
        dup += sent_n[key] - 1
        if inbox[key[1]] < 1:
            missing += 1
            print("MBOX-MISSING %s %s" % key)
    elif st in ("bounced", "expired"):
        b += 1
    else:
        lost += 1
        print("LOST %s %s (last status %s)" % (key[0], key[1], st))
print("ACCOUNT submitted=%d delivered=%d queued=%d bounced=%d lost=%d dup_delivered=%d "
      "mbox_missing=%d" % (len(acked), d, q, b, lost, dup, missing))
sys.exit(0 if len(acked) == d + q + b and lost == 0 and missing == 0 else 1)
