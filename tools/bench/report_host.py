#!/usr/bin/env python3
"""danebox bench: section 3 of BENCHMARKS.md, instruction counts on the host
(callgrind Ir of danebox resolve/check, unbound-host, drill; bench_host of
bench_host.sh, bench_check_host of bench_check.sh), imported by report.py."""
from report_common import n


def host_section(w, g):
    """Section 3; returns the plot rows (command, Ir)."""
    w("## 3. Instruction counts on the host (callgrind, total Ir)")
    w("")
    plot_h = []
    if g("rig_status") is not None:
        w("not measured: %s" % g("rig_status"))
    else:
        host_table(w, g, plot_h)
        if g("ir_chk_ee"):
            check_ir_notes(w, g)
        if g("ir_ubh"):
            plot_h.append(("unbound-host cold", int(g("ir_ubh"))))
        if g("ir_drill"):
            plot_h.append(("drill -S", int(g("ir_drill"))))
        if g("ir_dbx_1_rsa_incl"):
            w("Of danebox's cold `resolve` count, `mbedtls_rsa_pkcs1_verify` (inclusive) takes %s Ir "
              "(%s RRSIG/DS checks in the lookup; the OpenSSL-based peers use assembly bignum code)."
              % (n(g("ir_dbx_1_rsa_incl")), g("sig_dbx_cold", "?")))
            w("")
        w("`ldns-dane` is not in the table: `ldns-dane verify` speaks TLS directly (no STARTTLS), "
          "so it cannot test an SMTP server, and its `-S` chase is the same ldns code as `drill -S`.")
        w("")
    return plot_h


def host_table(w, g, plot_h):
    """The callgrind table of section 3 (adds danebox's rows to @plot_h)."""
    w("`valgrind --tool=callgrind`, whole process (startup, trust-anchor parsing, network I/O, "
      "validation, output), inside the bench netns (`tools/rig/e2e-rig.sh`: NSD + validating "
      "unbound on 192.0.2.53 / 192.0.2.2, Postfix servers on 192.0.2.25–.30 whose mail domains "
      "are signed in `test.`). Question: `%s TLSA` (RSA zones `.`/`rsa.test.`, "
      "ECDSA `test.`). Median of %s runs (min–max in brackets: query IDs and ECDSA nonces of "
      "the rig vary, so counts wobble slightly). The rig's unbound was warmed first for the "
      "stub validators, so their counts are their own work."
      % ("_25._tcp.mx.rsa.test.", g("ir_dbx_1_runs", "?")))
    w("")
    w("| what | what is counted | Ir | result |")
    w("|---|---|---:|---|")

    def rng(k):
        return "%s (%s–%s)" % (n(g(k)), n(g(k + "_min")), n(g(k + "_max"))) if g(k) else \
            "not measured"
    w("| danebox resolve, cold | one process, 1 lookup: stub queries to the rig unbound "
      "(DO+CD), DNSSEC validation from the rig anchor on its own (mbedTLS) | %s | %s |"
      % (rng("ir_dbx_1"), g("dbx_result", "?")))
    w("| danebox resolve `--repeat 2` | one process, cold + warm lookup | %s | |" % rng("ir_dbx_2"))
    if g("ir_dbx_1") and g("ir_dbx_2"):
        warm = int(g("ir_dbx_2")) - int(g("ir_dbx_1"))
        w("| **danebox warm lookup** (difference) | the 2nd lookup alone: zone keys cached | "
          "**%s** | |" % n(warm))
        plot_h.append(("danebox cold", int(g("ir_dbx_1"))))
        plot_h.append(("danebox warm (2nd lookup)", warm))
    w("| unbound-host -C, cold | one process: its own iterative recursion from the root hints "
      "to NSD (qname minimisation) + validation (libunbound, OpenSSL), fresh cache | %s | %s |"
      % (rng("ir_ubh"), g("ubh_result", "?")))
    w("| drill -S -k anchor @unbound | one process: stub queries to the rig unbound, chases the "
      "signature chain to the trust anchor (ldns, OpenSSL), prints the trust tree | %s | %s |"
      % (rng("ir_drill"), g("drill_result", "?")))
    if g("ir_chk_ee"):
        w("| danebox check dane-ee.test -4, cold | one process, 1 domain: MX, A, TLSA lookups "
          "validated from the rig anchor (rig unbound warm), 1 SMTP session: STARTTLS, TLS 1.3 "
          "(mbedTLS), DANE-EE 3 1 1 match, QUIT; text output | %s | %s |"
          % (rng("ir_chk_ee"), g("chk_ee_result", "?")))
        w("| danebox check dane-ta.test -4, cold | the same for the DANE-TA server (RSA leaf + "
          "ECDSA intermediate, 2 0 1 at depth 1) | %s | %s |"
          % (rng("ir_chk_ta"), g("chk_ta_result", "?")))
        w("| danebox check dane-ee.test dane-ee.test -4 | one process, cold + warm check | %s | |"
          % rng("ir_chk_ee2"))
        if g("ir_chk_ee2"):
            warmc = int(g("ir_chk_ee2")) - int(g("ir_chk_ee"))
            w("| **danebox warm check** (difference) | the 2nd check alone: zone keys cached, "
              "the DNS answers asked again, a full new SMTP + TLS session | **%s** | |" % n(warmc))
    else:
        w("| danebox check (RFC 7672 flow), cold / warm | | not yet measured | %s |"
          % g("check_status", "not measured"))
    w("")


def check_ir_notes(w, g):
    """How the check rows are measured, and where a check's Ir go."""
    w("`danebox check` rows: `--time RIG_TIME` (fixed validation time) and `-4`: with both "
      "families danebox probes the IPv4 and the IPv6 address of the MX host (2 SMTP "
      "sessions, and the AAAA lookup), so `-4` keeps one session per check, as posttls-finger "
      "(which stops at the first address) does, and the counts repeat better. Warm check = "
      "median Ir of the two-domain process minus median Ir of the one-domain process: it "
      "is everything the second domain check costs (its DNS queries and answer validation "
      "with cached keys, a whole new SMTP/TLS session, DANE match, output), not the process "
      "start-up. The spread (min–max) comes from the TLS handshake (ephemeral keys, ECDSA "
      "nonces) and the rig's query IDs.")
    w("")
    def inc(f, fn):
        v = g("ir_chk_%s_1_%s" % (f, fn))
        return int(v) if v and v.isdigit() else None
    parts = [inc("ee", x) for x in ("dbx_resolve", "dbx_smtp_run", "mbedtls_ssl_handshake",
                                     "hal_crypto_ecdsa_verify")]
    parts2 = [inc("ee2", x) for x in ("dbx_resolve", "dbx_smtp_run", "mbedtls_ssl_handshake",
                                       "hal_crypto_ecdsa_verify")]
    if None not in parts and None not in parts2:
        w("Where it goes (`callgrind_annotate --inclusive=yes`, first run of each):")
        w("")
        w("| inclusive Ir | cold check | warm check (2nd in the process, difference) |")
        w("|---|---:|---:|")
        for i, label in enumerate(["`dbx_resolve` (all DNS lookups + DNSSEC validation)",
                                   "`dbx_smtp_run` (SMTP session incl. TLS)",
                                   "`mbedtls_ssl_handshake` (TLS 1.3 handshake)",
                                   "`hal_crypto_ecdsa_verify` (DNSSEC ECDSA P-256 RRSIG checks)"]):
            w("| %s | %s | %s |" % (label, n(parts[i]), n(parts2[i] - parts[i])))
        w("")
        w("`dane-ee.test`, its MX host and TLSA record live in the ECDSA P-256 zone `test.`: "
          "the DNSSEC ECDSA verifies dominate (mbedTLS' generic P-256 code, built with the "
          "firmware's RAM-saving `MBEDTLS_ECP_WINDOW_SIZE 2`, no fixed-point optimisation), "
          "a warm check still verifies the RRSIGs of its 3 fresh answers. The `resolve` rows "
          "above ask for a name in the RSA zone `rsa.test.`, hence far fewer Ir.")
        w("")
