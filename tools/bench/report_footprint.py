#!/usr/bin/env python3
"""danebox bench: the footprint parts of BENCHMARKS.md (imported by report.py):
the flash and RAM-peak rows of the Targets table, section 1 (component table
from tools/fwsize.py --json, boot and bench peaks) and the relay on the board
(1b); splice_footprint() for bench.sh BENCH_ONLY=footprint."""
import json
import os
import sys

from report_common import n, write_spliced


FLASH_ROW = ("| firmware flash (verifier before the relay: `danebox-verifier.elf`; in brackets the "
             "whole image with the relay) | 308.7 KB | %s | ≤ 256 KB |")
RAM_ROW = "| firmware RAM peak (static + heap peak + stack peak) | ~110 KB | %s | ≤ 96 KB |"


def footprint(g, fw):
    """Flash and RAM-peak cells of the Targets table (fw: tools/fwsize.py --json)."""
    flash = ram = "not measured"
    if fw:
        flash = "%.1f KB" % (fw["total"]["flash"] / 1024.0)
        if fw.get("verifier"):
            flash = "%.1f KB (%s)" % (fw["verifier"]["total"]["flash"] / 1024.0, flash)
        static = fw["total"]["ram"] - fw["heap_reserve"] - fw["stack_reserve"]
        try:
            hp, sp = int(g("fwchk_cold_heap_peak")), int(g("fwchk_cold_stack_peak"))
            ram = "%.1f KB (%.1f static + %.1f heap peak + %.1f stack peak, cold check)" % (
                (static + hp + sp) / 1024.0, static / 1024.0, hp / 1024.0, sp / 1024.0)
        except (TypeError, ValueError):
            ram = "%.1f KB static; heap/stack peaks of the check not measured" % (static / 1024.0)
    return flash, ram


FP_BEGIN = "`tools/fwsize.py --json` on `build/mps2-an386/danebox.map`"
FP_END = "| **total** (budget"


def footprint_table(w, fw):
    """Section 1's component table (fw: fwsize.py --json of the image; its
    "verifier" key, when there, that of danebox-verifier.map)."""
    v = fw.get("verifier")
    w("%s (flash = code + rodata + .data image; RAM = .data + .bss; bytes attributed by address, "
      "`-Os`, `--gc-sections`)%s:%s" % (FP_BEGIN, "; the verifier column is the same objects linked "
      "without mode=relay (`danebox-verifier.map`, `firmware/main.c` `DBX_RELAY=0`, measurement "
      "only)" if v else "", verifier_note(v)))
    w("")
    if v:
        w("| component | flash (B) | verifier flash (B) | RAM (B) |")
        w("|---|---:|---:|---:|")
    else:
        w("| component | flash (B) | RAM (B) |")
        w("|---|---:|---:|")
    comps = fw["components"]

    def row(name, fl, vfl, ram):
        w("| %s | %s |%s %s |" % (name, fl, " %s |" % vfl if v else "", ram))
    for c in fw["order"]:
        row(c, n(comps[c]["flash"]),
            n(v["components"].get(c, {}).get("flash", 0)) if v else "", n(comps[c]["ram"]))
    row("**ours total**", "**%s**" % n(fw["ours"]["flash"]),
        "**%s**" % n(v["ours"]["flash"]) if v else "", "**%s**" % n(fw["ours"]["ram"]))
    row("heap reserve / stack reserve", "–", "–",
        "%s / %s" % (n(fw["heap_reserve"]), n(fw["stack_reserve"])))
    row("**total** (budget %s / %s)" % (n(fw["budget"]["flash"]), n(fw["budget"]["ram"])),
        "**%s**" % n(fw["total"]["flash"]), "**%s**" % n(v["total"]["flash"]) if v else "",
        "**%s**" % n(fw["total"]["ram"]))


FLASH_TARGET = 256 * 1024


def verifier_note(v):
    """What keeps the verifier over issue 18's flash target, by component."""
    if not v:
        return ""
    over = v["total"]["flash"] - FLASH_TARGET
    if over <= 0:
        return " the verifier is %s B under the 256 KB target." % n(-over)
    c = v["components"]
    big = sorted(((c[k]["flash"], k) for k in c if k != "padding"), reverse=True)
    return (" the verifier is **%s B over** the 256 KB target (%s). What bounds the big ones: "
            "mbedTLS is the TLS 1.2 + 1.3 client with PSA (TLS 1.3 needs it), X.509, RSA (with "
            "the private-key code its PK and PSA layers link; 3.6 has no switch for a public-only "
            "RSA), ECP for ECDHE and P-384/P-521, and the four TLS additions kept by decision "
            "(README, \"Footprint\": they and -flto are the measured options left, neither "
            "taken); ours carries every firmware mode (check, resolve, probe, dnsprobe, bench, "
            "ping, the boot KATs); lwIP is IPv4 + IPv6 (ND, MLD, SLAAC) + TCP + UDP + DHCP; "
            "ldns is the wire and canonical-form code plus the RR printer of the JSON output."
            % (n(over), ", ".join("%s %s" % (k, n(f)) for f, k in big)))


def load_fw(path):
    """fwsize.py --json output at @path (None if missing or empty), with the
    verifier's (fwsize-verifier.json next to it) under "verifier"."""
    if not path or not os.path.exists(path) or os.path.getsize(path) == 0:
        return None
    with open(path) as fh:
        fw = json.load(fh)
    vp = os.path.join(os.path.dirname(path), "fwsize-verifier.json")
    if os.path.exists(vp) and os.path.getsize(vp) > 0:
        with open(vp) as fh:
            fw["verifier"] = json.load(fh)
    return fw


def splice_footprint(path, g, fw):
    """--only footprint: replace the flash row of the Targets table and the
    component table of section 1 in an existing BENCHMARKS.md."""
    if not fw:
        print("report: no fwsize output", file=sys.stderr)
        return 1
    text = open(path).read().split("\n")
    out, i, done = [], 0, 0
    while i < len(text):
        line = text[i]
        if line.startswith("| firmware flash"):
            out.append(FLASH_ROW % footprint(g, fw)[0])
            done += 1
        elif line.startswith(FP_BEGIN):
            while i < len(text) and not text[i].startswith(FP_END):
                i += 1
            footprint_table(out.append, fw)
            done += 1
        else:
            out.append(line)
        i += 1
    return write_spliced(path, out, done == 2, "flash row / footprint table")


def footprint_section(w, g, fw):
    """Section 1: the component table and the memory peaks; returns the plot
    rows (group, flash, RAM)."""
    w("## 1. Firmware footprint (mps2-an386)")
    w("")
    plot_fp = []
    if fw:
        footprint_table(w, fw)
        comps = fw["components"]
        w("")
        groups = [("ours", [c for c in fw["order"] if c.startswith("ours")]),
                  ("mbedTLS", ["mbedTLS"]), ("BearSSL", ["BearSSL"]),
                  ("ldns", ["ldns"]), ("lwIP", ["lwIP"]), ("libc", ["libc/libgcc"])]
        for name, cs in groups:
            plot_fp.append((name, sum(comps.get(c, {}).get("flash", 0) for c in cs),
                            sum(comps.get(c, {}).get("ram", 0) for c in cs)))
    else:
        w("not measured (%s)" % g("footprint_status", "fwsize.py gave no output"))
        w("")
    w("Peaks from the firmware console (`memory:` line; heap = `_sbrk` high-water mark, stack = "
      "painted-stack high-water mark): boot (`mode=selftest`) heap **%s B**, stack **%s B**; "
      "during `mode=bench` (RSA + ECDSA verify) heap %s B, stack %s B."
      % (n(g("boot_heap_peak")), n(g("boot_stack_peak")), n(g("bench_heap_peak")),
         n(g("bench_stack_peak"))))
    w("")
    return plot_fp


def relay_board_section(w, g, fw):
    """Section 1b: the relay on the board (flash queue, delivery RAM peaks)."""
    w("### Relay on the board (mode=relay: smtpd + flash queue + storage HAL)")
    w("")
    if fw and fw.get("relay"):
        w("| relay part | flash (B) | static RAM (B) |")
        w("|---|---:|---:|")
        tot = 0
        for part, v in fw["relay"].items():
            w("| %s | %s | %s |" % (part[7:], n(v["flash"]), n(v["ram"])))
            tot += v["flash"]
        w("| **relay total** (budget 24 576) | **%s** | |" % n(tot))
        w("")
    if g("relay_ops_per_msg"):
        w("From `tests/qemu/fw_relay.py --figures` (firmware relay in QEMU, flash image through "
          "semihosting, 16 x 16 KiB blocks, 16-octet program unit): a %s-octet message (body + "
          "Received: header, one recipient) costs **%s** flash operations (%s programs, %s "
          "erases, %s sync); write amplification (octets programmed / message octets) **%s** "
          "without compaction. RAM in mode=relay with 2 inbound sessions: heap in use peak "
          "**%s B** (queue state and index, 2 sessions, envelope), sbrk %s B, stack peak %s B. "
          "A full queue (%s messages, the next ones answered 452: %s) is scanned at boot in "
          "**%s instructions** (%s ms of QEMU virtual time at 1 insn/ns; about %s ms at the "
          "board's 25 MHz)."
          % (n(g("relay_msg_octets")), g("relay_ops_per_msg"), g("relay_programs_per_msg"),
             g("relay_erases_per_msg"), g("relay_syncs_per_msg"), g("relay_write_amp"),
             n(g("relay_heap_inuse_peak")), n(g("relay_sbrk_peak")), n(g("relay_stack_peak")),
             g("relay_full_messages"), g("relay_full_452"), n(g("relay_full_scan_insns")),
             g("relay_full_scan_ms"),
             "%.0f" % (int(g("relay_full_scan_insns")) / 25e3)
             if (g("relay_full_scan_insns") or "").isdigit() else "not measured"))
    else:
        w("not measured: %s" % g("relay_status", "skipped"))
    w("")
    if g("relay_deliver_heap_inuse_peak"):
        w("Delivery from the board (`tests/qemu/fw_deliver.py` on the e2e rig: two inbound SMTP "
          "sessions connected while the board delivers one message for dane-ee.test over a "
          "DANE-verified TLS 1.3 session and defers one for mismatch.test): RAM peaks with **2 "
          "inbound + 1 delivery**: static %s B (.data + .bss), heap in use peak **%s B** "
          "(sbrk %s B of the %s B heap), stack peak **%s B** of %s B, mbedTLS heap peak %s B."
          % (n(g("relay_static_ram")), n(g("relay_deliver_heap_inuse_peak")),
             n(g("relay_deliver_sbrk_peak")), n(g("relay_deliver_heap_size")),
             n(g("relay_deliver_stack_peak")), n(g("relay_stack_size")),
             n(g("relay_deliver_mbedtls_peak"))))
    elif g("relay_deliver_status"):
        w("Delivery from the board: not measured: %s" % g("relay_deliver_status"))
    w("")
