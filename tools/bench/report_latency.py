#!/usr/bin/env python3
"""danebox bench: section 5 of BENCHMARKS.md, wall time with latency
(imported by report.py): danebox resolve/probe vs unbound-host, drill and
posttls-finger, and danebox check vs posttls-finger with a cold unbound
(bench_latency of bench_host.sh, bench_check_latency of bench_check.sh)."""


def wall_table(w, g, rtt):
    """Head of a wall-time table at @rtt ms; returns its row writer (label, key)."""
    w("| command | median ms | runs (ms) | ≈ RTTs (median / %d ms) |" % rtt)
    w("|---|---:|---|---:|")

    def row(label, k):
        if g(k):
            w("| %s | %s | %s | %.1f |" % (label, g(k), g(k + "_all"), int(g(k)) / rtt))
    return row


def ratio(g, k):
    """A per-mille ratio key as a plain ratio, else: not measured"""
    return "%.2f" % (int(g(k)) / 1000.0) if g(k) else "not measured"


def latency_section(w, g):
    """Section 5: resolve and probe wall times at the bench's RTT."""
    w("## 5. Wall time with latency")
    w("")
    if g("lat_dbx"):
        rtt = 2 * int(g("lat_delay_ms", "25"))
        w("Delay: %s; so RTT = %d ms between any two rig addresses. %s interleaved runs per "
          "tool (danebox, unbound-host, drill, dig, probe, posttls-finger, then again). Cold = "
          "a new process (danebox's and unbound-host's caches empty); the rig unbound is warm "
          "(so danebox and drill pay one RTT per query to it, unbound-host one RTT per query to "
          "NSD). Medians in ms; ratio = median over runs of danebox/peer in the same round."
          % (g("lat_how"), rtt, g("lat_runs", "?")))
        w("")
        w("Wall times are whole commands, process start included (the `dig` row: one query "
          "= 1 RTT + dig's own start-up).")
        w("")
        row = wall_table(w, g, rtt)
        row("dig @unbound . SOA (1 query: the RTT check)", "lat_dig")
        row("danebox resolve, cold", "lat_dbx")
        row("unbound-host, cold", "lat_ubh")
        row("drill -S", "lat_drill")
        row("danebox probe (SMTP+STARTTLS+TLS 1.3)", "lat_probe")
        row("posttls-finger -l may", "lat_ptf")
        w("")
        w("**Median ratios: danebox cold resolve / unbound-host cold = %s; / drill -S = %s; "
          "danebox probe / posttls-finger = %s.**"
          % (ratio(g, "lat_ratio_ubh"), ratio(g, "lat_ratio_drill"), ratio(g, "lat_ratio_ptf")))
        w("")
    else:
        w("not measured: %s" % g("lat_status", "skipped"))
    w("")


def check_latency_section(w, g):
    """Section 5: the check's wall time; returns the plot rows (command, ms)."""
    w("### danebox check vs posttls-finger + a cold unbound, 50 ms RTT")
    w("")
    plot_lat = []
    if g("lat_chk"):
        rtt = 2 * int(g("lat_delay_ms", "25"))
        w("Same delay (%d ms RTT). %s rounds, each: (b) the rig unbound restarted (empty caches), "
          "`danebox check dane-ee.test -4` (new process); (a) the same command again (new process, "
          "so danebox is cold, the rig unbound now warm for exactly its questions); (c) the rig "
          "unbound restarted, `posttls-finger -t10 -T30 -l dane -a ipv4 -P "
          "/dev/null dane-ee.test` (`smtp_dns_support_level = dnssec`, resolver = the rig unbound "
          "via `/etc/netns/NS/resolv.conf` with `trust-ad`). The host transport sets TCP_NODELAY."
          % (rtt, g("chk_lat_runs", "?")))
        w("")
        row = wall_table(w, g, rtt)
        row("(a) danebox check, cold process, rig unbound warm", "lat_chk")
        row("(b) danebox check, cold process, rig unbound cold", "lat_chkc")
        row("(c) posttls-finger -l dane, rig unbound cold", "lat_ptfd")
        w("| lower bound: 2 DNS rounds + TCP + 5 SMTP replies + TLS 1 (QUIT awaited) | %d | | 9.0 |"
          % (9 * rtt))
        w("")
        w("**Median ratio (per round): danebox cold check / posttls-finger with a cold unbound = %s** "
          "(a/c); with nothing cached on either side (b/c) = %s.%s"
          % (ratio(g, "lat_ratio_chk_ptfd"), ratio(g, "lat_ratio_chkc_ptfd"),
             (" " + g("chk_lat_status")) if g("chk_lat_status") else ""))
        w("")
        w("Reading the RTTs: (a) ≈ one RTT per dependent DNS round to the warm unbound (%s rounds "
          "of concurrent questions, %s questions) + the SMTP/TLS dialogue (≈ the `danebox probe` "
          "row above); (b) puts unbound's own cold recursion behind each round (its questions "
          "recurse in parallel); (c) posttls-finger asks unbound only %s questions, and unbound's "
          "recursion to NSD runs per question."
          % (g("rt_ee_cold_rounds", "?"), g("rt_ee_cold_dns", "?"), g("cqlog_ptf_res", "?")))
        for label, k in [("danebox, unbound warm", "lat_chk"), ("danebox, unbound cold", "lat_chkc"),
                         ("posttls-finger, unbound cold", "lat_ptfd")]:
            if g(k):
                plot_lat.append((label, int(g(k))))
        plot_lat.append(("lower bound (9 RTT)", 9 * rtt))
    else:
        w("not measured: %s" % g("chk_lat_status", g("check_status", g("lat_status", "skipped"))))
    w("")
    return plot_lat
