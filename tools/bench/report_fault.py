#!/usr/bin/env python3
"""danebox bench: BENCHMARKS.md section 7, the fault matrix (imported by report.py).

Figures from tools/bench/bench_fault.sh: the host relay's crash matrix and
storage faults (tests/rig/test_crash_matrix.sh) and the board's power cuts
(tests/qemu/test_fw_powercut.sh).  A missing key is "not measured".
"""
from report_relay import splice_section

FM_BEGIN = "<!-- section fault: tools/bench/bench_fault.sh -->"
FM_END = "<!-- /section fault -->"


def _v(g, k):
    v = g(k)
    return v if v not in (None, "") else "not measured"


def fault_section(w, g):
    """BENCHMARKS.md: 7. Fault matrix."""
    w(FM_BEGIN)
    w("## 7. Fault matrix")
    w("")
    if g("fm_status") or not g("fm_crash_points"):
        w("Host relay: not measured: %s" % g("fm_status", "skipped"))
    else:
        w("`tests/rig/test_crash_matrix.sh` on the e2e rig (%s checks passed, %s failed, %s s): "
          "`danebox relay` is SIGKILLed (daemon and queue runners) at each named crash point "
          "(`DBX_CRASHPOINT`, armed by `DANEBOX_CRASHPOINT`), restarted, and a message the "
          "client got no 250 for is submitted again. Each message goes to "
          "`a@dane-ee.test`, `b@dane-ta.test` (DANE-verified) and `z@nullmx.test` (bounced: "
          "a DSN to the sender); it counts as delivered when both mailboxes have it and its "
          "DSN arrived." % (g("fm_pass", "?"), g("fm_fail", "?"), g("fm_wall_s", "?")))
        w("")
        w("| fault | figure |")
        w("|---|---|")
        w("| crash points tried (kill -9, restart) | %s |" % _v(g, "fm_crash_points"))
        w("| messages acknowledged (250) | %s |" % _v(g, "fm_acknowledged"))
        w("| **messages lost** (must be 0) | **%s** |" % _v(g, "fm_lost"))
        w("| duplicates (deliveries or DSNs beyond the first) | %s: %s |"
          % (_v(g, "fm_duplicates"), _v(g, "fm_duplicate_points")))
        w("| storage faults survived (disk full, read-only spool: 452 4.3.1, nothing "
          "half-written, next message accepted) | %s of 2 |" % _v(g, "fm_storage_faults_survived"))
        w("| damaged spool files quarantined, never delivered (envelope truncated, bit "
          "flipped, bad header; body flipped, truncated; 2 garbage files) | %s of 7 |"
          % _v(g, "fm_quarantined"))
    w("")
    if g("pc_status") or not g("pc_points"):
        w("Board power cuts: not measured: %s" % g("pc_status", "skipped"))
    else:
        w("Board (`tests/qemu/test_fw_powercut.sh`, firmware relay in QEMU, flash queue, %s s): "
          "%s power cuts, %s stopped the machine, **%s with an acknowledged message lost** "
          "(%s messages acknowledged in the uncut run; cuts by phase: %s)."
          % (g("pc_wall_s", "?"), g("pc_points"), _v(g, "pc_stopped"), _v(g, "pc_lost"),
             _v(g, "pc_acked"), _v(g, "pc_phases")))
    w("")
    w("Duplicates are the at-least-once contract: a crash after the next hop accepted the "
      "data but before the recipient's new state is durable (`relay-body-sent`, "
      "`relay-after-remote-250`, `spool-update-written`/`-fsynced`) delivers again; a crash "
      "after the DSN is queued but before the original is marked bounced "
      "(`relay-dsn-committed`) queues a second DSN; a crash after the message is durable but "
      "before the client read the 250 (`spool-env-renamed`, `smtpd-after-commit`) makes the "
      "client send it again. README.md (\"Crash safety\") lists them.")
    w("")
    w("What failed first, and the fixes (issue 15): the crash matrix itself lost nothing on "
      "its first run (the spool already fsync'd each file and directory around its "
      "renames). The storage and corruption rows failed against the relay as it was: a full "
      "or read-only spool answered `451 4.3.0` instead of `452 4.3.1`, and when the queue "
      "file could not even be started its half-written file stayed in `tmp/` until the next "
      "restart (now: `DBX_ERR_LIMIT` for `ENOSPC`/`EDQUOT`/`EROFS`, `452 4.3.1`, the file "
      "removed at once); a damaged envelope was skipped silently at every queue run, never "
      "reported or moved, and a body was never checked (now: a CRC-32 trailer over envelope "
      "and body, checked before each delivery, damaged messages moved to "
      "`SPOOL/quarantine/` with a log line). `fuzz_spool` then found that the record parser "
      "took a repeated header line (the last `from` won) and read a missing `from` as the "
      "null sender (no DSN); header lines are now required exactly once, in order.")
    w(FM_END)


def splice_fault(path, g):
    """--only fault: replace (or add) section 7 of an existing BENCHMARKS.md."""
    return splice_section(path, g, fault_section, FM_BEGIN, FM_END)
