#!/usr/bin/env python3
"""danebox bench: the Targets table of BENCHMARKS.md (issue 18) and the
firmware mode=check section (bench_fwcheck.sh), imported by report.py;
splice_fwcheck() for bench.sh BENCH_ONLY=fwcheck."""
from report_common import n, mega, write_spliced
from report_crypto import ecdsa_rsa_rows, host_ratio_row
from report_footprint import FLASH_ROW, RAM_ROW, footprint


TARGETS_NOTE = (
    "Issue 18 items in this tree: 1 (crypto backends), 2 (validated answer cache), 3 (DANE-safe "
    "TLS session resumption), 4 (parallel DNS) and 5 (busy vs waiting). Every row of this table "
    "comes from the one run named at the top. ECDSA: our own verify-only P-256 (`dbx-p256`, "
    "`hal/crypto/hal_p256_*.c`: Solinas field, interleaved wNAF, UMAAL on the M4) is the board "
    "and host default; RSA: mbedTLS' UMAAL Montgomery core driven by our square-and-multiply "
    "(`hal/crypto/hal_rsa_pub.c`); the other backends stay selectable (crypto backends section). "
    "Parallel DNS: the check asks in prefetch rounds (`dbx_resolver_prefetch`, "
    "`src/dnssec/dbx_prefetch.c`): round 1 the MX question with the keys of the root and the TLD, "
    "round 2 the MX host's A/AAAA/TLSA with the `_tcp` DS probe, each one batch of concurrent UDP "
    "questions (8 at most on the host, 4 on the board); the unchanged validator takes those "
    "answers and asks on its own only what no round guessed (zone cuts below the TLD, CNAME "
    "targets), one by one. The warm check asks no DNS question and verifies no RRSIG (answer "
    "cache: `dns-queries=0` in its `check-stats:` line) and resumes its TLS session under the "
    "same TLSA RRset (`handshakes-saved=1`); what is left of it is the resumed handshake's X25519 "
    "key exchange (on the boards our constant-time `hal/crypto/hal_x25519.c` under mbedTLS' "
    "ladder, `MBEDTLS_ECP_INTERNAL_ALT`), AES-GCM/HKDF and the SMTP dialogue. Wall time at 50 ms "
    "RTT: DNS is at its 2-round bound; the rest of a cold check is the SMTP/STARTTLS/TLS dialogue "
    "(the `danebox probe` row of section 5). Flash: the row is the verifier without the relay "
    "(`danebox-verifier.elf`, the issue's target), the whole image in brackets; what keeps it "
    "over 256 KB, by component, is in section 1.")


def fwcheck_rows(g):
    """The Targets rows bench_fwcheck measures (also spliced alone: --only fwcheck)."""
    def m(k):
        return mega(g(k)) if g(k) else "not measured"
    return [
        "| cold check dane-ee.test, M4 **busy** instructions (waiting: see §2) | ~272 M (incl. "
        "polling) | %s (+ %s waiting) | ≤ 80 M |" % (m("fwchk_cold_insns"), m("fwchk_cold_insns_wait")),
        "| warm check, M4 busy instructions | ~186 M | %s (+ %s waiting) | ≤ 10 M |"
        % (m("fwchk_warm_insns"), m("fwchk_warm_insns_wait")),
    ]


def splice_fwcheck(path, g, fw):
    """--only fwcheck: replace the firmware-check rows of the Targets table (with
    fw: the flash and RAM-peak rows too) and its note in an existing
    BENCHMARKS.md (everything else stays)."""
    text = open(path).read()
    rows = fwcheck_rows(g)
    out, done = [], 0
    for line in text.split("\n"):
        if line.startswith("| cold check dane-ee.test, M4 **busy** instructions"):
            line, done = rows[0], done + 1
        elif line.startswith("| warm check, M4 busy instructions"):
            line, done = rows[1], done + 1
        elif line.startswith("| firmware flash") and fw:
            line = FLASH_ROW % footprint(g, fw)[0]
        elif line.startswith("| firmware RAM peak") and fw:
            line = RAM_ROW % footprint(g, fw)[1]
        elif line.startswith("This branch worked on items") or line.startswith("Issue 18 items in this tree"):
            line = TARGETS_NOTE.replace(
                "Every row of this table comes from the one run named at the top.",
                "The firmware check, flash and RAM rows were re-measured by `BENCH_ONLY=fwcheck` "
                "after the run named at the top; the other rows come from that run.")
        out.append(line)
    return write_spliced(path, out, done == 2, "Targets table")


def targets(w, g, fw):
    """The issue-18 target table, every figure from this run."""
    def m(k):
        return mega(g(k)) if g(k) else "not measured"

    def ratio(a, b, scale=1.0):
        try:
            return "%.2f×" % (int(g(a)) / int(g(b)) / scale) if b else "%.2f×" % (int(g(a)) / scale)
        except (TypeError, ValueError, ZeroDivisionError):
            return "not measured"
    flash, ram = footprint(g, fw)
    w("## Targets (issue 18), this run")
    w("")
    w("| figure | before (issue 18) | this run | target |")
    w("|---|---:|---:|---:|")
    for row in ecdsa_rsa_rows(g):
        w(row)
    for row in fwcheck_rows(g):
        w(row)
    w("| TLS handshakes saved by resumption, warm check (firmware) | 0 | %s | – |"
      % g("fwchk_warm_handshakes_saved", "not measured"))
    w(host_ratio_row(g))
    w("| cold check dependent DNS rounds (`dns_rounds`; %s questions) | 7 | %s | ≤ 3 |"
      % (g("rt_ee_cold_dns", "?"), g("rt_ee_cold_rounds", "not measured")))
    w("| cold check wall time at 50 ms RTT vs posttls-finger + cold unbound | 0.59× | %s | ≤ 0.4× |"
      % ratio("lat_ratio_chk_ptfd", None, 1000.0))
    w(FLASH_ROW % flash)
    w(RAM_ROW % ram)
    w("")
    w(TARGETS_NOTE)
    w("")


def fwcheck_section(w, g):
    """Firmware mode=check: cold and warm check on the target, busy vs waiting."""
    w("### Firmware `mode=check` (the whole RFC 7672 check on the target)")
    w("")
    if g("fwchk_status"):
        w("%s. `bench_fwcheck` detects it by booting `mode=check` (the config parser must accept the "
          "mode); once it is there it boots QEMU (`-icount shift=0`) on the rig link (`tools/rig/"
          "qemu-net.sh`, tap on `rig0` in the bench netns, `anchor=rig anchor-ds=<rig root DS>`, "
          "`time=RIG_TIME`, IPv4 only) with `check=dane-ee.test,dane-ee.test`: the first check "
          "cold, the second warm in the same boot, and records the `check-stats:` lines "
          "(instructions, heap/stack/mbedTLS peaks)." % g("fwchk_status"))
    else:
        w("QEMU `-icount shift=0` on the rig link (`tools/rig/qemu-net.sh`, tap on `rig0` in the bench "
          "netns), `mode=check ip=192.0.2.100/24 resolver=192.0.2.2 anchor=rig anchor-ds=<rig root DS> "
          "time=RIG_TIME check=dane-ee.test,dane-ee.test`: one boot, the first check cold, the second "
          "warm (key cache), IPv4 only, the rig unbound warm. From the firmware's `check-stats:` "
          "lines; firmware exit %s.%s"
          % (g("fwchk_rc", "?"), (" Firmware: `%s` (`BENCH_FWCHECK_ELF`, not this tree's build)."
                                  % g("fwchk_elf")) if g("fwchk_elf") else ""))
        w("")
        w("**Busy vs waiting** (`firmware/meter.c`, `fw_net_poll()` in `firmware/fw_net.c`): every "
          "cycle of the check is one of *idle* (in WFI: the poll found no frame and the core sleeps "
          "until the next 1 ms SysTick; under `-icount` virtual time then jumps, no instruction "
          "runs), *waiting* (the rest of each poll call that received no frame: the LAN9118 "
          "poll and lwIP's timer check, measured with the SysTick cycle counter around the call, "
          "so the poll loop's own instructions while it waits for the network) or *busy* "
          "(everything else: crypto, parsing, processing received frames, and the callers' loop "
          "tests between two polls, a few dozen instructions per empty poll). Instructions = "
          "cycles × 40 (1 ns per instruction at 25 MHz, resolution 40 instructions per reading). "
          "lwIP timer work that happens to fire in an empty poll (TCP/ARP/DHCP timers) is counted "
          "as waiting.")
        w("")
        w("| check | verdict | **busy instructions** | waiting (poll loop) instructions / empty "
          "polls | heap peak (B) | stack peak (B) | mbedTLS heap peak (B) "
          "| DNS queries | SMTP round trips |")
        w("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for tag, label in [("cold", "dane-ee.test, cold (1st in the boot)"),
                           ("warm", "dane-ee.test, warm (2nd in the boot, TLS session resumed)"),
                           ("warmnr", "dane-ee.test, warm, `resume=off` (another boot)")]:
            if not g("fwchk_%s_insns" % tag):
                continue
            w("| %s | %s | **%s** | %s / %s | %s | %s | %s | %s | %s |"
              % (label, g("fwchk_%s_verdict" % tag, "?"), n(g("fwchk_%s_insns" % tag)),
                 n(g("fwchk_%s_insns_wait" % tag)), n(g("fwchk_%s_polls_wait" % tag)),
                 n(g("fwchk_%s_heap_peak" % tag)), n(g("fwchk_%s_stack_peak" % tag)),
                 n(g("fwchk_%s_mbedtls_peak" % tag)), n(g("fwchk_%s_dns_queries" % tag)),
                 n(g("fwchk_%s_smtp_round_trips" % tag))))
        w("")
        w("Raw lines: `%s` / `%s`." % (g("fwchk_cold_line", "?"), g("fwchk_warm_line", "?")))
        w("")
        if g("fwchk_warm_handshakes_saved"):
            try:
                part = "; resumption's own share of the warm check: %s → %s busy instructions" % (
                    n(g("fwchk_warmnr_insns")), n(g("fwchk_warm_insns")))
            except Exception:
                part = ""
            w("**TLS handshakes saved** (DANE-safe session resumption, `src/smtp/dbx_tls_cache.h`): "
              "warm check %s (cold %s)%s. The resumed session was verified under the same TLSA "
              "RRset digest for the same MX host and address; the server presents no certificate "
              "and the evaluator reports `dane-resumed`."
              % (g("fwchk_warm_handshakes_saved"), g("fwchk_cold_handshakes_saved", "?"), part))
    w("")
