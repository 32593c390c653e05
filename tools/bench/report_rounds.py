#!/usr/bin/env python3
"""danebox bench: section 4 of BENCHMARKS.md, round trips (imported by
report.py): DNS questions of danebox resolve, unbound-host and drill (counters
and the packet log), the SMTP dialogue of danebox probe and the DNS and SMTP
round trips of danebox check (bench_queries, bench_smtp of bench_host.sh,
bench_check_rt of bench_check.sh)."""
from report_common import n, question_lists


def dns_rounds_section(w, g, qlist):
    """Section 4 heading and its DNS part (question lists from @qlist)."""
    w("## 4. Round trips")
    w("")
    w("### DNS: `%s TLSA`" % "_25._tcp.mx.rsa.test.")
    w("")
    w("| client | upstream queries | sequential rounds |")
    w("|---|---:|---|")
    w("| danebox cold (own counter) | %s | %s (one query at a time) |"
      % (n(g("q_dbx_cold")), n(g("q_dbx_cold"))))
    w("| danebox warm (own counter) | %s | %s |" % (n(g("q_dbx_warm")), n(g("q_dbx_warm"))))
    w("| danebox cold+warm, packet log | %s UDP queries to the resolver, %s TCP connects | |"
      % (n(g("qlog_dbx_res")), n(g("qlog_dbx_tcp", "0"))))
    w("| lower bound, cold (zone cuts known) | 6 | 2 dependent rounds |")
    w("| lower bound, warm | 1 | 1 |")
    w("| unbound-host cold, packet log | %s UDP queries to NSD (%s of them over IPv6), %s TCP "
      "connects | sequential per name, see the list |"
      % (n(g("qlog_ubh_auth")), n(g("qlog_ubh_v6", "0")), n(g("qlog_ubh_tcp", "0"))))
    w("| drill -S, packet log | %s UDP queries to the resolver | sequential |" % n(g("qlog_drill_res")))
    w("")
    w("Lower bound: validating `TLSA` at `_25._tcp.mx.rsa.test.` needs the TLSA RRset + RRSIG and "
      "the DNSKEY RRsets of `rsa.test.`, `test.`, `.` plus the DS RRsets of `rsa.test.` and "
      "`test.` — 6 queries. If the zone cuts are known (or learnt from the signer name of the "
      "first answer's RRSIG), round 1 is the TLSA query and round 2 the 5 key/DS queries in "
      "parallel: 2 dependent rounds. Warm (keys cached): 1 query, 1 round.")
    w("")
    w("Packet log: `tools/bench/nfqdelay` (NFQUEUE on the netns' OUTPUT hook, no delay) records "
      "every UDP question sent to port 53 and every TCP SYN; it counts what really went on the "
      "wire, independent of each tool's own counters.")
    w("")
    question_lists(w, qlist, [("dbx", "danebox, cold then warm lookup (`--repeat 2`)"),
                              ("ubh", "unbound-host, cold (to NSD)"), ("drill", "drill -S")])
    w("(question lines: destination, name, type number — 1 A, 2 NS, 43 DS, 48 DNSKEY, 52 TLSA.)")
    w("")
    tn = {"1": "A", "2": "NS", "43": "DS", "48": "DNSKEY", "52": "TLSA"}
    for sec, title in [("dbx", "danebox (cold+warm)"), ("ubh", "unbound-host"), ("drill", "drill -S")]:
        if qlist.get(sec):
            per = {}
            for q in qlist[sec]:
                t = q.split()[-1]
                per[tn.get(t, "type" + t)] = per.get(tn.get(t, "type" + t), 0) + 1
            w("* %s by type: %s" % (title, ", ".join("%s %d" % kv for kv in sorted(per.items()))))
    w("")
    w("danebox asks one question at a time. It takes the zone from the RRSIG signer name, as "
      "the bound does; its one extra cold question is the DS query at the TLSA owner's parent "
      "(`_tcp.mx.`): it proves no zone cut hides between the signer and the TLSA owner (and "
      "reports the how-to's broken `_tcp` empty-non-terminal). drill repeats DNSKEY queries while chasing; "
      "unbound-host iterates from the root with qname minimisation (A/NS queries per label) "
      "and also queries the `_ta-` key-tag signal name (RFC 8145).")
    w("")


def smtp_section(w, g):
    """Section 4: the SMTP dialogue of danebox probe vs posttls-finger."""
    w("### SMTP: `danebox probe` of a Postfix server")
    w("")
    if g("smtp_probe_rt"):
        w("Server: SMTP rig `dane-ee` (Postfix %s, 192.0.2.25, ECDSA P-256 certificate). "
          "danebox probe: `%s`; %s server replies waited for (banner, EHLO, STARTTLS, EHLO, QUIT), "
          "negotiated %s. posttls-finger (`-c -l may`): %s."
          % (g("v_postfix"), g("smtp_probe_line"), g("smtp_probe_rt"), g("smtp_probe_tls", "?"),
             g("smtp_ptf_line", "not measured")))
        w("")
        w("Minimum for this dialogue: TCP handshake 1 RTT, banner (arrives with/after the "
          "handshake), EHLO 1, STARTTLS 1, TLS 1.3 handshake 1, EHLO 1 (sent with the client "
          "Finished), QUIT 1 (could be sent without waiting) — about 6 RTT. Measured effective "
          "RTTs (wall time / RTT) are in section 5.")
    else:
        w("not measured: %s" % g("smtp_status", "SMTP rig skipped"))
    w("")


def check_rounds_section(w, g, qlist):
    """Section 4: danebox check's DNS and SMTP round trips; returns the plot
    rows (client, DNS queries, SMTP round trips)."""
    w("### danebox check `dane-ee.test`: DNS and SMTP round trips, cold and warm")
    w("")
    plot_rt = []
    if g("rt_ee_cold_dns"):
        check_rounds_table(w, g)
        check_rounds_notes(w, g, qlist)
        try:
            plot_rt.append(("danebox cold", int(g("rt_ee_cold_dns")), int(g("rt_ee_cold_smtp")) + 1))
            plot_rt.append(("danebox warm", int(g("rt_ee_warm_dns")), int(g("rt_ee_warm_smtp")) + 1))
            plot_rt.append(("bound cold", 6, 6))
            plot_rt.append(("bound warm", 3, 6))
            if g("cqlog_ptf_auth"):
                plot_rt.append(("ptf + cold unbound", int(g("cqlog_ptf_auth")), int(g("chk_ptf_replies")) + 1))
        except (TypeError, ValueError):
            pass
    else:
        w("not measured: %s" % g("check_status", g("rt_ee_cold_status", "skipped")))
        w("")
    return plot_rt


def check_rounds_table(w, g):
    """danebox check's counters and the packet log against the lower bounds."""
    def qs(t):
        return "MX %s, A %s, TLSA %s" % (g("rt_%s_q_mx" % t, "?"), g("rt_%s_q_a" % t, "?"),
                                        g("rt_%s_q_tlsa" % t, "?"))
    w("Counters from danebox's JSON (`dns_queries` = upstream DNS queries of the check, "
      "`smtp_round_trips` = SMTP replies waited for, `smtp_sessions` = TCP connections), `-4`, "
      "rig unbound warm; the TLS 1.3 handshake adds 1 round trip that is not an SMTP reply.")
    w("")
    w("| client | DNS queries upstream | dependent DNS rounds | SMTP replies waited for | TCP connects (SMTP) |")
    w("|---|---:|---|---:|---:|")
    w("| danebox cold (own counters) | %s (%s) | %s (prefetch rounds) | %s + TLS 1 | %s |"
      % (g("rt_ee_cold_dns"), qs("ee_cold"), g("rt_ee_cold_rounds", "?"), g("rt_ee_cold_smtp", "?"),
         g("rt_ee_cold_sessions", "?")))
    w("| danebox warm, 2nd check in the process (own counters) | %s (%s) | %s | %s + TLS 1 | %s |"
      % (g("rt_ee_warm_dns", "?"), qs("ee_warm"), g("rt_ee_warm_rounds", "?"),
         g("rt_ee_warm_smtp", "?"), g("rt_ee_warm_sessions", "?")))
    w("| danebox cold, `dane-ta.test` (own counters) | %s (%s) | %s | %s + TLS 1 | %s |"
      % (g("rt_ta_cold_dns", "?"), qs("ta_cold"), g("rt_ta_cold_rounds", "?"),
         g("rt_ta_cold_smtp", "?"), g("rt_ta_cold_sessions", "?")))
    if g("cqlog_chk_res"):
        w("| danebox cold + warm, packet log | %s UDP queries to the resolver, %s TCP/53 | | | %s SYN to port 25 |"
          % (g("cqlog_chk_res"), g("cqlog_chk_tcp53", "0"), g("cqlog_chk_smtp", "0")))
    w("| **lower bound, cold** (zone cuts known) | **6** (MX, DNSKEY `.`, DS `test.`, DNSKEY `test.`, A, TLSA) | **2** | **5** + TLS 1 | 1 |")
    w("| **lower bound, warm** (keys cached) | **3** (MX, A, TLSA) | **2** | **5** + TLS 1 | 1 |")
    if g("cqlog_ptf_auth"):
        w("| posttls-finger -l dane + cold unbound, packet log | unbound → NSD: %s UDP (%s over IPv6), %s TCP/53; posttls-finger → unbound: %s | sequential per name (unbound) | %s + TLS 1 | %s |"
          % (g("cqlog_ptf_auth"), g("cqlog_ptf_v6", "0"), g("cqlog_ptf_tcp53", "0"),
             g("cqlog_ptf_res", "0"), g("chk_ptf_replies", "?"), g("cqlog_ptf_smtp", "0")))
    else:
        w("| posttls-finger -l dane + cold unbound | not measured: %s | | | |"
          % g("chk_ptf_status", g("chk_qlog_status", "?")))
    w("")


def check_rounds_notes(w, g, qlist):
    """The lower bound explained, and the question lists of the check."""
    w("Lower bound: `dane-ee.test`, its MX host `mx1.dane-ee.test` and `_25._tcp.mx1.dane-ee.test` "
      "all sit in the ECDSA-signed zone `test.` below the RSA-signed root. With the zone cuts "
      "known, round 1 asks MX together with the keys (DNSKEY `.`, DS `test.`, DNSKEY `test.`), "
      "round 2 asks A (and AAAA without `-4`) and TLSA of the MX host in parallel — both need the "
      "MX answer: **2 dependent DNS rounds, 6 queries cold, 3 warm**. SMTP: TCP connect, then "
      "replies to banner, EHLO, STARTTLS, (TLS 1.3 handshake: 1 round trip), EHLO, QUIT — "
      "5 SMTP replies + 1 TLS round trip (+ the TCP handshake); QUIT's reply need not be awaited.")
    w("")
    w("danebox's SMTP dialogue is at the bound (%s replies), and so are its DNS rounds (cold "
      "%s dependent rounds of concurrent questions, warm %s: the answer cache): round 1 asks "
      "MX with DNSKEY `.`, DS and DNSKEY `test.`, round 2 A (and AAAA) and TLSA with the DS at "
      "the TLSA owner's parent `_tcp` label, which the validator uses to prove that no zone "
      "cut hides between the signer and the owner (one question above the bound's; see the "
      "list). posttls-finger "
      "delegates DNSSEC to unbound: with a cold cache unbound iterates from the root hints "
      "(qname minimisation, NS/A queries per label, both address families of NSD) and then "
      "fetches the keys; posttls-finger's own questions go to unbound, one RTT each."
      % (g("rt_ee_cold_smtp", "?"), g("rt_ee_cold_rounds", "?"), g("rt_ee_warm_rounds", "?")))
    w("")
    question_lists(w, qlist, [("chk:chk", "danebox check dane-ee.test dane-ee.test -4 (cold then warm)"),
                              ("chk:ptf", "posttls-finger -l dane -a ipv4 dane-ee.test, rig unbound restarted "
                                          "(192.0.2.2 = posttls-finger's questions, 192.0.2.53 / 2001:db8::53 = unbound's)")])
    if g("chk_ptf_line"):
        w("posttls-finger: `%s`; `%s`. (Type numbers as above, plus 15 MX, 28 AAAA.)"
          % (g("chk_ptf_line"), g("chk_ptf_match", "")))
        w("")
