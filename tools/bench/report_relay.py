#!/usr/bin/env python3
"""danebox bench: the BENCHMARKS.md section of bench_relay_host (imported by report.py).

Mail through `danebox relay` vs Postfix as a DANE relay on the e2e rig
(tools/bench/bench_relay_host.sh); every figure from the results file, a
missing key is "not measured".  splice_only() replaces just this section of an
existing BENCHMARKS.md (bench.sh BENCH_ONLY=relay_host).
"""
import os


def n(v):
    """thousands separators for an integer string, else: not measured"""
    try:
        return "{:,}".format(int(v))
    except (TypeError, ValueError):
        return "not measured"


def mega(v, digits=2):
    try:
        return ("%." + str(digits) + "f M") % (int(v) / 1e6)
    except (TypeError, ValueError):
        return "not measured"


RH_BEGIN = "<!-- section relay_host: tools/bench/bench_relay_host.sh -->"
RH_END = "<!-- /section relay_host -->"


def relay_host_section(w, g):
    """BENCHMARKS.md: mail through danebox relay vs Postfix as a DANE relay."""
    w(RH_BEGIN)
    w("## 6. Mail through the relay on the host: `danebox relay` vs Postfix as a relay")
    w("")
    if not g("rh_date"):
        w("not measured: %s" % g("rh_status", g("rig_status", "skipped")))
        w(RH_END)
        return
    w("`bench_relay_host` (%s, commit `%s`): in the e2e rig netns, `smtp-source -s %s` "
      "submits N messages (one recipient `rcpt@dane-ee.test` each, smtp-source's default "
      "small body) to the relay on 127.0.0.1; the relay delivers them to dane-ee.test's MX "
      "(the rig Postfix `mx1.dane-ee.test`, 192.0.2.25, ECDSA P-256 leaf, `3 1 1` TLSA) and "
      "the wall time ends when all N are in that MX's mailbox. **danebox relay**: "
      "`tls_policy = dane`, its own DNSSEC validation (rig anchor) with the rig unbound as "
      "upstream, `max_deliveries` 2 (default; one message per delivery session). **Postfix "
      "%s** as a relay: own config and queue, `smtp_tls_security_level = dane`, "
      "`smtp_dns_support_level = dnssec`, stub resolver = the rig unbound (validating, "
      "`trust-ad`), `inet_protocols = ipv4`, all else default (20 deliveries per destination "
      "at once, connection cache on demand). CPU = cpuacct cgroup of the whole MTA (every "
      "process, exited children included: danebox listener + queue runners; Postfix master "
      "+ smtpd, cleanup, qmgr, smtp, tlsmgr, ...); the receiving MX and smtp-source are not "
      "counted. Instructions: a separate run of N = %s under `valgrind --tool=callgrind "
      "--trace-children=yes` (the whole MTA, start-up and shutdown included, so an upper "
      "bound per message; callgrind is slow, hence the smaller N); perf's hardware counters "
      "are not supported on this VM."
      % (g("rh_date"), g("rh_commit", "?"), g("rh_sessions", "?"), g("rh_v_postfix", ""),
         g("rh_dbxcg_n", "?")))
    w("")
    relay_host_table(w, g)
    relay_host_notes(w, g)
    w(RH_END)


def per(g, k, nk, scale=1.0, fmt="%.1f"):
    """@k per @nk (divided by @scale) in @fmt, else: not measured"""
    try:
        return fmt % (int(g(k)) / scale / int(g(nk)))
    except (TypeError, ValueError, ZeroDivisionError):
        return "not measured"


def relay_host_table(w, g):
    """The danebox relay vs Postfix relay table."""
    def f1(k):
        return g(k) if g(k) else "not measured"
    w("| | danebox relay | Postfix relay |")
    w("|---|---:|---:|")
    w("| messages submitted / delivered into the MX mailbox | %s / %s | %s / %s |"
      % (f1("rh_dbx_n"), f1("rh_dbx_delivered"), f1("rh_pf_n"), f1("rh_pf_delivered")))
    w("| deliveries logged DANE-verified by the relay | %s | %s (`Verified TLS connection`) |"
      % (f1("rh_dbx_verified"), f1("rh_pf_verified")))
    w("| TLS sessions the MX accepted for them | %s | %s |"
      % (f1("rh_dbx_mx_tls"), f1("rh_pf_mx_tls")))
    w("| all accepted by the relay (smtp-source done), ms | %s | %s |"
      % (f1("rh_dbx_accept_ms"), f1("rh_pf_accept_ms")))
    w("| all delivered, ms | %s | %s |" % (f1("rh_dbx_done_ms"), f1("rh_pf_done_ms")))
    w("| **messages/s** (N / time to all delivered) | **%s** | **%s** |"
      % (f1("rh_dbx_msgs_per_s"), f1("rh_pf_msgs_per_s")))
    w("| CPU time of the MTA, ms (all processes) | %s | %s |"
      % (f1("rh_dbx_cpu_ms"), f1("rh_pf_cpu_ms")))
    w("| **CPU ms per delivered message** | **%s** | **%s** |"
      % (per(g, "rh_dbx_cpu_ms", "rh_dbx_delivered", fmt="%.2f"),
         per(g, "rh_pf_cpu_ms", "rh_pf_delivered", fmt="%.2f")))
    w("| callgrind run: messages delivered | %s of %s | %s of %s |"
      % (f1("rh_dbxcg_delivered"), f1("rh_dbxcg_n"), f1("rh_pfcg_delivered"), f1("rh_pfcg_n")))
    w("| callgrind run: processes profiled, total Ir | %s, %s | %s, %s |"
      % (f1("rh_dbxcg_procs"), n(g("rh_dbxcg_ir")), f1("rh_pfcg_procs"), n(g("rh_pfcg_ir"))))
    w("| **instructions per delivered message** (total Ir / delivered) | **%s** | **%s** |"
      % (per(g, "rh_dbxcg_ir", "rh_dbxcg_delivered", 1e6, "%.1f M"),
         per(g, "rh_pfcg_ir", "rh_pfcg_delivered", 1e6, "%.1f M")))
    w("")


def relay_host_notes(w, g):
    """Ir by program and by function, the log lines and what failed."""
    for k, label in [("rh_dbxcg_cmds", "danebox"), ("rh_pfcg_cmds", "Postfix")]:
        if g(k):
            w("%s Ir by program (callgrind run): %s" % (label, ", ".join(
                "`%s` %s" % (x.split(":")[0], mega(x.split(":")[1], 1)) for x in g(k).split())))
            w("")
    fns = [("dbx_resolve", "DNS lookups + DNSSEC validation"),
           ("hal_crypto_ecdsa_verify", "ECDSA P-256 verifies through the crypto HAL"),
           ("dbx_smtp_run", "SMTP sessions incl. TLS"),
           ("mbedtls_ssl_handshake", "TLS handshakes")]
    if g("rh_dbxcg_fn_main"):
        w("danebox queue runners, inclusive Ir summed over the runner profiles "
          "(`callgrind_annotate --inclusive=yes`; per delivered message): %s."
          % "; ".join("`%s` (%s) %s" % (f, d, per(g, "rh_dbxcg_fn_" + f, "rh_dbxcg_delivered", 1e6,
                                                   "%.1f M")) for f, d in fns))
        w("")
    if g("rh_dbx_line"):
        w("danebox log line: `%s`" % g("rh_dbx_line"))
        w("")
    if g("rh_pf_line"):
        w("Postfix smtp: `%s`" % g("rh_pf_line"))
        w("")
    for k in ("rh_status", "rh_dbx_status", "rh_pf_status", "rh_dbxcg_status", "rh_pfcg_status"):
        if g(k):
            w("Note: %s." % g(k))
            w("")


def splice_only(path, g):
    """--only relay_host: replace that section of an existing BENCHMARKS.md."""
    return splice_section(path, g, relay_host_section, RH_BEGIN, RH_END)


def splice_section(path, g, section, begin, end):
    """Replace the section between the markers @begin/@end (written by
    @section(w, g)) of an existing BENCHMARKS.md, else insert it before
    "Not yet measured"."""
    L = []
    section(L.append, g)
    new = "\n".join(L)
    text = open(path).read() if os.path.exists(path) else "# danebox benchmarks\n"
    if begin in text and end in text:
        a = text.index(begin)
        b = text.index(end) + len(end)
        text = text[:a] + new + text[b:]
    elif "\n## Not yet measured" in text:
        i = text.index("\n## Not yet measured") + 1
        text = text[:i] + new + "\n\n" + text[i:]
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    with open(path, "w") as fh:
        fh.write(text)
    return 0
