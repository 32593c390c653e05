#!/usr/bin/env python3
"""danebox bench: "## 8. Hostile input, load and soak" of BENCHMARKS.md from
the files tools/bench/bench_hostile.sh leaves in DIR (meta.txt, hostile.log,
load.log, stats.txt, samples.txt, samples-postfix.txt).  Replaces the section
between its markers, or inserts it before "## Not yet measured" (else at the
end).  Every figure comes from those files; a missing one is "not measured".
usage: report_hostile.py DIR BENCHMARKS.md"""
import os, re, sys

BEGIN = "<!-- section hostile: tools/bench/bench_hostile.sh -->"
END = "<!-- /section hostile -->"


def kv(path):
    d = {}
    try:
        for l in open(path, errors="replace"):
            k, _, v = l.rstrip("\n").partition(" ")
            d[k] = v
    except OSError:
        pass
    return d


def samples(path, start=0):
    """rows (secs, main_rss, main_fds, all_rss, all_fds, procs) at or after start"""
    rows = []
    try:
        for l in open(path):
            f = l.split()
            if len(f) == 6 and int(f[0]) >= start:
                rows.append([int(x) for x in f])
    except (OSError, ValueError):
        pass
    return rows


def field(line, key):
    m = re.search(r"\b%s=([0-9.]+)" % key, line or "")
    return m.group(1) if m else "not measured"


def e2e(load, settle):
    try:
        return "%.1f" % (float(field(load, "sent")) / (float(field(load, "secs")) + float(settle)))
    except (TypeError, ValueError, ZeroDivisionError):
        return "not measured"


def flat(rows, col, unit):
    if len(rows) < 2:
        return "not measured", "not measured"
    v = [r[col] for r in rows]
    txt = "%s / %s / %s %s (%d samples)" % (v[0], v[-1], max(v), unit, len(v))
    return txt, v


def rows_of_log(path):
    """PASS/FAIL lines of a rig suite -> (ok, text)"""
    out = []
    try:
        for l in open(path, errors="replace"):
            m = re.match(r"(PASS|FAIL): (.*)", l.rstrip())
            if m and "rig up" not in m.group(2):
                out.append((m.group(1), m.group(2).replace("|", "\\|")))
    except OSError:
        pass
    return out


def section(d):
    """The whole section 8 (markers included) from the files in @d."""
    meta, st = kv(os.path.join(d, "meta.txt")), kv(os.path.join(d, "stats.txt"))
    L = [BEGIN, "## 8. Hostile input, load and soak (issue 15)", ""]
    w = L.append
    w("`tools/bench/bench_hostile.sh` (%s, commit `%s`, Postfix %s), each part in its own e2e "
      "rig netns." % (meta.get("date", "?"), meta.get("commit", "?"), meta.get("postfix", "?")))
    w("")
    hostile_part(w, d, meta)
    dr = samples(os.path.join(d, "samples.txt"))
    soak_from = int(st.get("soak_sample_from", "0") or 0)
    load_part(w, d, meta, st, dr, soak_from)
    soak_part(w, st, dr, soak_from)
    w(END)
    return "\n".join(L) + "\n"


def hostile_part(w, d, meta):
    """The hostile-input matrix: one row per PASS/FAIL line of hostile.log."""
    w("### Hostile inputs (`tests/rig/test_relay_hostile.sh`, %s s)" % meta.get("hostile_s", "?"))
    w("")
    w("Relay limits in this run: command and data timeout 3 s, max_sessions 6, max_recipients 5, "
      "smtp_timeout 3 s; the smuggling next hop is the rig Postfix for dane-ee.test, which is "
      "loose (`smtpd_forbid_bare_newline = no`): the first row shows it splitting a `\\n.\\n` "
      "message when the bytes reach it directly.")
    w("")
    w("| | input and outcome |")
    w("|---|---|")
    rows = rows_of_log(os.path.join(d, "hostile.log"))
    for ok, text in rows:
        w("| %s | %s |" % ("ok" if ok == "PASS" else "**FAILED**", text))
    if not rows:
        w("| | not measured (see build/bench/hostile/hostile.log) |")
    fails = sum(ok == "FAIL" for ok, _ in rows)
    w("")
    w("%d checks, %d failed." % (len(rows), fails))
    w("")
    w("What failed first, and the fixes (this branch): (1) **slowloris**: every received octet "
      "restarted the session timer, so a client dribbling one octet a second held a session "
      "(and a `max_sessions` slot) forever, in every state; now `dbx_smtpd_time_left()` "
      "restarts the wait only when a reply is queued (a command or message finished) and, in "
      "DATA, extends it by 1000/`DBX_SMTPD_MIN_DATA_RATE` (500 octets/s) ms per octet up to "
      "the data timeout: 421 4.4.2 after 3 s in every state (host relay and board). (2) a next "
      "hop answering DATA with 250 instead of 354 (or a desynchronised one whose replies run "
      "one behind) made the recipient count as *delivered* although no body was sent: a lost "
      "message; now any non-354 success to DATA defers (4.5.0, no QUIT). SMTP smuggling itself "
      "was already refused (strict CRLF.CRLF, 550 5.6.0 for bare CR/LF and NUL), as were the "
      "outbound reply limits (64 lines, 1000-octet lines, bare LF/CR and NUL refused).")
    w("")


def load_part(w, d, meta, st, dr, soak_from):
    """The load table, danebox relay vs Postfix relay (@dr: danebox's samples)."""
    w("### Load: %s messages from %s clients, 1-3 recipients each, 10 domains (`tests/rig/"
      "test_relay_load.sh`)" % (meta.get("load_n", "?"), meta.get("load_c", "?")))
    w("")
    w("Domains: delivered DANE-verified (dane-ee, dane-ee-rsa, dane-ta, cname), deferred "
      "(mismatch, nostarttls, dane-ta-partial, strip.insec: connection refused), bounced "
      "(nullmx, pkix: the next hop refuses the domain with 554). Accounting is per "
      "acknowledged recipient: delivered (log line and its copy in the rig mailbox), bounced, "
      "or still queued; lost = acknowledged but in none of them.")
    w("")
    dl, pl = st.get("dbx_load", ""), st.get("pf_load", "")
    da, pa = st.get("dbx_account", ""), st.get("pf_account", "")
    w("| | danebox relay | Postfix relay |")
    w("|---|---:|---:|")
    w("| messages acknowledged / recipients | %s / %s | %s / %s |" % (
        field(dl, "sent"), field(dl, "rcpts"), field(pl, "sent"), field(pl, "rcpts")))
    w("| submission (generator wall time, s) | %s | %s |" % (field(dl, "secs"), field(pl, "secs")))
    w("| **accepted messages/s** | **%s** | **%s** |" % (field(dl, "rate"), field(pl, "rate")))
    w("| every recipient settled (s after the last submission) | %s | %s |" % (
        st.get("dbx_settle_s", "not measured"), st.get("pf_settle_s", "not measured")))
    w("| **end to end, messages/s** (until every recipient settled) | **%s** | **%s** |" % (
        e2e(dl, st.get("dbx_settle_s")), e2e(pl, st.get("pf_settle_s"))))
    for k in ("submitted", "delivered", "queued", "bounced", "lost", "dup_delivered",
              "mbox_missing"):
        label = {"lost": "**lost**", "submitted": "submitted recipients (danebox: load + soak)"}
        w("| %s | %s | %s |" % (label.get(k, k), field(da, k), field(pa, k)))
    pr = samples(os.path.join(d, "samples-postfix.txt"))
    load_rows = [r for r in dr if r[0] <= soak_from] if soak_from else dr
    w("| processes at most (listener/master + children) | %s | %s |" % (
        max((r[5] for r in load_rows), default="not measured"),
        max((r[5] for r in pr), default="not measured")))
    w("| sum of VmRSS over those processes, max (kB) | %s | %s |" % (
        max((r[3] for r in load_rows), default="not measured"),
        max((r[3] for r in pr), default="not measured")))
    w("| RSS max, listener / Postfix master (kB) | %s | %s |" % (
        max((r[1] for r in load_rows), default="not measured"),
        max((r[1] for r in pr), default="not measured")))
    w("")
    w("The danebox accounting covers the load and the soak batches; Postfix's comes from its "
      "maillog (queued = last status deferred). Memory: VmRSS of the listener (the Postfix "
      "master) and the sum of VmRSS over it and its children (danebox queue runners; Postfix's "
      "smtpd/smtp/cleanup/... daemons), sampled every 2 s during the load only. The sum counts "
      "shared pages (libc, OpenSSL, mbedTLS) once per process, so it overstates real use, and "
      "Postfix runs far more processes; compare the listener row, and read the sum as an upper "
      "bound. danebox accepts in one process with an fsync'd spool write per message and "
      "delivers with max_deliveries = 4 runners, one DANE session per message; Postfix "
      "(defaults) runs up to 100 smtpd and 20 smtp per destination with connection caching: "
      "that is the throughput gap.")
    w("")


def soak_part(w, st, dr, soak_from):
    """The soak: the listener's RSS and descriptors from @soak_from on."""
    w("### Soak (%s min of 200-message batches from 10 clients, 20 s apart, same domain mix)"
      % st.get("soak_minutes", "0"))
    w("")
    soak = [r for r in dr if r[0] >= soak_from] if soak_from else []
    if len(soak) >= 2:
        rt, rv = flat(soak, 1, "kB")
        ft, fv = flat(soak, 2, "")
        w("| listener (first / last / max) | value |")
        w("|---|---|")
        w("| RSS | %s |" % rt)
        w("| open descriptors | %s |" % ft)
        w("| messages in the soak | %s in %s batches |" % (st.get("soak_messages", "?"),
                                                       st.get("soak_batches", "?")))
        grow = rv[-1] - rv[0]
        w("")
        w("Flat: RSS %s by %d kB from the first to the last sample, descriptors %s." % (
            "grew" if grow > 0 else "changed", grow,
            "unchanged" if fv[-1] == fv[0] else "%d -> %d" % (fv[0], fv[-1])))
    else:
        w("not measured (BENCH_SOAK_MIN=0 or the load run failed: build/bench/hostile/load.log)")


def splice(md, sec):
    try:
        text = open(md).read()
    except OSError:
        text = ""
    if BEGIN in text and END in text:
        a, b = text.index(BEGIN), text.index(END) + len(END)
        text = text[:a] + sec.rstrip("\n") + text[b:]
    elif "## Not yet measured" in text:
        a = text.index("## Not yet measured")
        text = text[:a] + sec + "\n" + text[a:]
    else:
        text = text.rstrip("\n") + "\n\n" + sec
    open(md, "w").write(text)


if __name__ == "__main__":
    splice(sys.argv[2], section(sys.argv[1]))
