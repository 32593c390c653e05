#!/usr/bin/env python3
"""danebox bench: what every BENCHMARKS.md section module of report.py shares:
the results file (key<TAB>value), number formatting, the packet-log question
lists and writing a spliced BENCHMARKS.md back."""
import os
import sys


def load(path):
    r = {}
    with open(path) as fh:
        for line in fh:
            line = line.rstrip("\n")
            if "\t" in line:
                k, v = line.split("\t", 1)
                r[k] = v
    return r


def n(v):
    """thousands separators for an integer string, else as is"""
    try:
        return "{:,}".format(int(v))
    except (TypeError, ValueError):
        return v if v not in (None, "") else "not measured"


def mega(v, digits=2):
    try:
        return ("%." + str(digits) + "f M") % (int(v) / 1e6)
    except (TypeError, ValueError):
        return "not measured"


def write_spliced(path, out, ok, what):
    """Write the spliced lines @out to @path if @ok, else complain about @what."""
    if not ok:
        print("report: no %s in %s to splice into" % (what, path), file=sys.stderr)
        return 1
    with open(path, "w") as fh:
        fh.write("\n".join(out))
    return 0


def load_queries(path):
    """The question lists of the packet log: @path (queries.tsv, section<TAB>question)
    and check-queries.tsv next to it (sections prefixed "chk:"); {} if none."""
    qlist = {}
    cq = os.path.join(os.path.dirname(path), "check-queries.tsv")
    for p, prefix in [(path, ""), (cq, "chk:")]:
        if not os.path.exists(p):
            continue
        with open(p) as fh:
            for line in fh:
                sec, q = line.rstrip("\n").split("\t", 1)
                qlist.setdefault(prefix + sec, []).append(q)
    return qlist


def question_lists(w, qlist, sections):
    """One collapsed, numbered question list per (section, title) of @sections."""
    for sec, title in sections:
        if qlist.get(sec):
            w("<details><summary>%s: %d questions</summary>" % (title, len(qlist[sec])))
            w("")
            w("```")
            w("\n".join("%2d  %s" % (i + 1, q) for i, q in enumerate(qlist[sec])))
            w("```")
            w("</details>")
            w("")
