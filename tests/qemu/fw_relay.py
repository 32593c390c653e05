#!/usr/bin/env python3
"""Firmware relay driver in QEMU: power-cut test (tests/qemu/test_fw_powercut.sh), mode=relay
checks (--functional, tests/qemu/test_fw_relay.sh) and queue figures (--figures, make bench).

Power-cut test:

Builds a base flash image (live messages + aborted ones, i.e. garbage the
queue must compact), measures the flash operations of a traffic run (two
concurrent SMTP clients, live and aborted messages; the queue compacts while
it runs), then for each cut point N: copy the base image, boot the firmware
with powercut=N (alternating clean / torn), run the traffic until the power
cut stops QEMU, reboot on the same image with port=0 and check the queue
listing: every acknowledged message (250 + queue id) is there with the body
CRC of what was sent, every listed message is one that was sent (acked or in
flight at the cut), no id twice.  Prints PASS:/FAIL: lines and a summary.
QEMU user networking, restrict=on, hostfwd on 127.0.0.1 only.
"""
import argparse, concurrent.futures, time, os, re, shutil, socket, subprocess, sys, tempfile, threading, zlib

ELF = "build/mps2-an386/danebox.elf"
EXIT_CUT = 7


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def body(tag, size):
    line = ("%s " % tag + "abcdefghijklmnopqrstuvwxyz0123456789" * 3)[:76]
    lines = ["Subject: %s" % tag, "Message-ID: <%s@lan.test>" % tag, ""]
    while sum(len(l) + 2 for l in lines) < size:
        lines.append(line)
    return ("\r\n".join(lines) + "\r\n").encode()


class Client:
    """One SMTP session; records acked (id, crc) and in-flight crcs."""

    def __init__(self, port, rec):
        self.rec = rec
        for _ in range(50):  # 421 while both sessions are busy: retry
            self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
            self.f = self.s.makefile("rb")
            if self.reply()[0] == 220:
                break
            self.close()
            rec["busy"] += 1
            time.sleep(0.1)
        self.cmd(b"EHLO client.lan.test\r\n")

    def close(self):
        self.f.close()  # the socket closes only when its file is closed too
        self.s.close()

    def reply(self):
        while True:
            l = self.f.readline()
            if not l:
                raise EOFError
            if l[3:4] != b"-":
                return int(l[:3]), l.decode(errors="replace").strip()

    def cmd(self, c):
        self.s.sendall(c)
        return self.reply()

    def send(self, tag, size, abort=False):
        data = body(tag, size)
        self.cmd(b"MAIL FROM:<%s@lan.test>\r\n" % tag.encode())
        self.cmd(b"RCPT TO:<bob@dane-ee.test>\r\n")
        code, _ = self.cmd(b"DATA\r\n")
        if code != 354:
            return
        crc = "%08X" % zlib.crc32(data)
        if abort:  # half the body, then the connection is dropped
            self.s.sendall(data[: len(data) // 2])
            self.close()
            return "aborted"
        with self.rec["lock"]:
            self.rec["inflight"].add(crc)
        self.s.sendall(data + b".\r\n")
        code, text = self.reply()
        m = re.search(r"queued as ([0-9A-Z]+)", text)
        if code == 250 and m:
            with self.rec["lock"]:
                self.rec["acked"][m.group(1)] = crc
        elif code == 452:
            with self.rec["lock"]:
                self.rec["full"] += 1


def traffic(port, rec, plan):
    """plan: list per session of (tag, size, abort)."""
    def run(items):
        c = None
        try:
            for tag, size, abort in items:
                if c is None:
                    c = Client(port, rec)
                if c.send(tag, size, abort) == "aborted":
                    c = None
            if c is not None:
                c.cmd(b"QUIT\r\n")
        except (OSError, EOFError, ValueError):
            pass  # the power cut
    ts = [threading.Thread(target=run, args=(p,)) for p in plan]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)


def qemu(img, args, port=None, timeout=120, icount=False):
    net = ["-nic", "none"]
    if port:
        net = ["-nic", "user,model=lan9118,restrict=on,hostfwd=tcp:127.0.0.1:%d-10.0.2.15:25" % port]
    cmd = ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial",
           "stdio", "-semihosting-config", "enable=on,target=native"] + net + \
          (["-icount", "shift=0"] if icount else []) + [
           "-kernel", ELF, "-append", "mode=relay ip=10.0.2.15/24 gw=10.0.2.2 %sflash=%s %s" %
           ("" if "allow=" in args else "allow=10.0.2.0/24 ", img, args)]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)


def wait_listening(p):
    lines = []
    for l in p.stdout:
        lines.append(l)
        if l.startswith("relay: listening"):
            return lines
        if l.startswith("exit:"):
            break
    raise RuntimeError("relay did not start: " + "".join(lines[-5:]))


def serve(img, args, plan, rec, stop_after=True):
    """Boot the relay, run the traffic; return (exit status, log)."""
    port = free_port()
    p = qemu(img, args, port)
    log = wait_listening(p)
    traffic(port, rec, plan)
    time.sleep(0.5)  # let the relay log the last disconnect
    if stop_after and p.poll() is None:
        p.terminate()  # our own QEMU, by its handle
    out, _ = p.communicate(timeout=60)
    return p.returncode, "".join(log) + out


def listing(img, icount=False):
    p = qemu(img, "port=0", icount=icount)
    out, _ = p.communicate(timeout=60)
    q = re.findall(r"^queue: ([0-9A-F]{8}) size=\d+ nrcpt=\d+ body-crc=([0-9A-F]{8})", out, re.M)
    bad = re.findall(r"^queue: \S+ unreadable", out, re.M)
    return p.returncode, q, bad, out


def new_rec():
    return {"lock": threading.Lock(), "acked": {}, "inflight": set(), "full": 0, "busy": 0}


def plans(seed):
    a = [("t%da%d" % (seed, i), 6000 + 1500 * (i % 4), False) for i in range(6)]
    b = [("t%db%d" % (seed, i), 9000, i % 2 == 0) for i in range(6)]
    return [a, b]


def one_cut(base, cut, torn, known, tmp):
    img = os.path.join(tmp, "cut%d.img" % cut)
    shutil.copyfile(base, img)
    rec = new_rec()
    rc, log = serve(img, "powercut=%d powercut-torn=%d" % (cut, torn), plans(1), rec,
                    stop_after=True)
    cut_happened = rc == EXIT_CUT
    m = re.search(r"^powercut: at flash op \d+ \((\w+)\) during (\w+)", log, re.M)
    phase = m.group(2) if m else "none"
    lrc, q, bad, out = listing(img)
    errs = []
    ids = [i for i, _ in q]
    if lrc != 0:
        errs.append("listing boot exit %s" % lrc)
    if bad:
        errs.append("unreadable: %s" % bad)
    if len(set(ids)) != len(ids):
        errs.append("an id listed twice")
    have = dict(q)
    for qid, crc in list(known.items()) + list(rec["acked"].items()):
        if have.get(qid) != crc:
            errs.append("LOST acked %s (crc %s, listed %s)" % (qid, crc, have.get(qid)))
    allowed = set(known.values()) | set(rec["acked"].values()) | rec["inflight"]
    for qid, crc in q:
        if crc not in allowed:
            errs.append("unknown message %s crc %s accepted" % (qid, crc))
    os.unlink(img)
    return cut, torn, cut_happened, phase, errs


STATS = re.compile(r"^queue-stats: programs=(\d+) erases=(\d+) syncs=(\d+) programmed-bytes=(\d+) "
                   r"records=(\d+) record-bytes=(\d+) payload-bytes=(\d+) gc-runs=(\d+) "
                   r"gc-copied=(\d+)", re.M)


def figures():
    """Queue figures for make bench: 'figure: KEY VALUE' lines."""
    tmp = tempfile.mkdtemp(prefix="dbx-qfig-")
    try:
        img = os.path.join(tmp, "q.img")
        size = 8192
        rec = new_rec()
        rc, log = serve(img, "", [[("m%d" % i, size, False) for i in range(10)]], rec)
        st = STATS.findall(log)[-1]
        n = len(rec["acked"])
        sizes = [int(x) for x in re.findall(r"size=(\d+), nrcpt", log)]
        print("figure: relay_msg_octets %d" % (sum(sizes) // max(1, len(sizes))))
        print("figure: relay_ops_per_msg %.1f" % ((int(st[0]) + int(st[1])) / max(1, n)))
        print("figure: relay_programs_per_msg %.1f" % (int(st[0]) / max(1, n)))
        print("figure: relay_erases_per_msg %.2f" % (int(st[1]) / max(1, n)))
        print("figure: relay_syncs_per_msg %.1f" % (int(st[2]) / max(1, n)))
        print("figure: relay_write_amp %.2f" % (int(st[3]) / max(1, sum(sizes))))
        mem = re.findall(r"^relay-mem: heap-inuse-peak=(\d+) sbrk-peak=(\d+) stack-peak=(\d+)", log, re.M)
        # two concurrent sessions for the RAM peak, then fill the queue up to 452
        rec = new_rec()
        rc, log = serve(img, "", [[("f%d" % i, size, False) for i in range(20)],
                                  [("g%d" % i, size, False) for i in range(20)]], rec)
        mem += re.findall(r"^relay-mem: heap-inuse-peak=(\d+) sbrk-peak=(\d+) stack-peak=(\d+)", log, re.M)
        print("figure: relay_heap_inuse_peak %d" % max(int(m[0]) for m in mem))
        print("figure: relay_sbrk_peak %d" % max(int(m[1]) for m in mem))
        print("figure: relay_stack_peak %d" % max(int(m[2]) for m in mem))
        print("figure: relay_full_452 %d" % rec["full"])
        lrc, q, bad, out = listing(img, icount=True)
        m = re.search(r"^queue: open (\d+) messages", out, re.M)
        scan = re.search(r"^queue: boot scan: .*\binsns=(\d+) .*\bms=(\d+)", out, re.M)
        print("figure: relay_full_messages %s" % (m.group(1) if m else "?"))
        print("figure: relay_full_scan_insns %s" % (scan.group(1) if scan else "?"))
        print("figure: relay_full_scan_ms %s" % (scan.group(2) if scan else "?"))
        return 0 if m and scan and rec["full"] > 0 else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def functional():
    """mode=relay checks: 2 sessions at once, a third gets 421; allowlist;
    SIZE limit; 452 when full with nothing queued touched."""
    fails = 0
    tmp = tempfile.mkdtemp(prefix="dbx-relayfn-")

    def check(name, ok, why=""):
        nonlocal fails
        print("%s: %s%s" % ("PASS" if ok else "FAIL", name, "" if ok else " (%s)" % why))
        fails += not ok

    def session(port):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        f = s.makefile("rb")
        return s, f, f.readline().decode().strip()

    try:
        img = os.path.join(tmp, "q.img")
        port = free_port()
        p = qemu(img, "max-size=20000", port)
        wait_listening(p)
        s1, f1, g1 = session(port)
        s2, f2, g2 = session(port)
        s3, f3, g3 = session(port)
        check("two sessions greeted 220", g1.startswith("220") and g2.startswith("220"), g1 + g2)
        check("third session at once gets 421", g3.startswith("421"), g3)
        for s, f in ((s1, f1), (s2, f2), (s3, f3)):
            f.close()
            s.close()
        time.sleep(0.3)
        rec = new_rec()
        c = Client(port, rec)
        code, text = c.cmd(b"MAIL FROM:<a@lan.test> SIZE=30000\r\n")
        check("SIZE over max-size refused (552)", code == 552, text)
        c.cmd(b"RSET\r\n")
        # interleaved: two clients in DATA at once, both acked
        c2 = Client(port, rec)
        for cl, tag in ((c, "x1"), (c2, "x2")):
            cl.cmd(b"MAIL FROM:<%s@lan.test>\r\n" % tag.encode())
            cl.cmd(b"RCPT TO:<bob@dane-ee.test>\r\n")
            cl.cmd(b"DATA\r\n")
        d1, d2 = body("x1", 5000), body("x2", 5000)
        c.s.sendall(d1[:2000]); c2.s.sendall(d2[:3000]); c.s.sendall(d1[2000:] + b".\r\n")
        c2.s.sendall(d2[3000:] + b".\r\n")
        r1, r2 = c.reply(), c2.reply()
        check("two messages in DATA at once: both 250", r1[0] == 250 and r2[0] == 250, "%s %s" % (r1, r2))
        ids = [re.search(r"queued as (\w+)", r[1]).group(1) for r in (r1, r2) if r[0] == 250]
        acked = {i: "%08X" % zlib.crc32(d) for i, d in zip(ids, (d1, d2))}
        # fill up to 452
        codes = []
        for i in range(40):
            tag = "fill%d" % i
            data = body(tag, 15000)
            c.cmd(b"MAIL FROM:<%s@lan.test>\r\n" % tag.encode())
            c.cmd(b"RCPT TO:<bob@dane-ee.test>\r\n")
            c.cmd(b"DATA\r\n")
            c.s.sendall(data + b".\r\n")
            code, text = c.reply()
            codes.append(code)
            if code == 250:
                acked[re.search(r"queued as (\w+)", text).group(1)] = "%08X" % zlib.crc32(data)
            if code != 250:
                break
        check("queue full: 452 4.3.1", codes and codes[-1] == 452, str(codes[-3:]))
        c.cmd(b"QUIT\r\n")
        p.terminate()
        p.communicate(timeout=30)
        p = qemu(img, "allow=192.0.2.0/24", (port := free_port()))
        wait_listening(p)
        c = Client(port, new_rec())
        c.cmd(b"MAIL FROM:<a@lan.test>\r\n")
        code, text = c.cmd(b"RCPT TO:<bob@dane-ee.test>\r\n")
        check("client not on allow= gets 554 5.7.1", code == 554 and "5.7.1" in text, text)
        p.terminate()
        p.communicate(timeout=30)
        lrc, q, bad, out = listing(img)
        have = dict(q)
        check("after the 452 and a reboot every acked message is intact (%d)" % len(acked),
              all(have.get(k) == v for k, v in acked.items()) and len(have) == len(acked) and not bad,
              "%d listed, %d acked" % (len(have), len(acked)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if fails else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=220)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--figures", action="store_true", help="queue figures for make bench")
    ap.add_argument("--functional", action="store_true", help="mode=relay checks")
    a = ap.parse_args()
    if a.figures:
        return figures()
    if a.functional:
        return functional()
    fails = 0
    tmp = tempfile.mkdtemp(prefix="dbx-powercut-")
    try:
        base = os.path.join(tmp, "base.img")
        rec = new_rec()
        rc, log = serve(base, "", [[("base%d" % i, 12000, False) for i in range(6)],
                                   [("junk%d" % i, 24000, True) for i in range(6)]], rec)
        known = dict(rec["acked"])
        ok = len(known) == 6
        print("%s: base image: 6 messages acked, 6 aborted (garbage to compact)" %
              ("PASS" if ok else "FAIL"))
        fails += not ok
        # the traffic's flash operations without a cut
        img = os.path.join(tmp, "full.img")
        shutil.copyfile(base, img)
        rec = new_rec()
        rc, log = serve(img, "", plans(1), rec)
        st = STATS.findall(log)
        total = int(st[-1][0]) + int(st[-1][1]) if st else 0
        gc = int(st[-1][7]) if st else 0
        acked_octets = sum(int(x) for x in re.findall(r"size=(\d+), nrcpt", log))
        if st:
            print("  traffic with garbage to compact: %s bytes programmed for %d octets of "
                  "acked mail (write amplification %.2f), %s records copied by compaction" %
                  (st[-1][3], acked_octets, int(st[-1][3]) / max(1, acked_octets), st[-1][8]))
        print("%s: traffic without a cut: %d messages acked, %d flash ops, %d compactions" %
              ("PASS" if total > 0 and gc > 0 and len(rec["acked"]) >= 6 else "FAIL",
               len(rec["acked"]), total, gc))
        fails += not (total > 0 and gc > 0)
        # where the compactions are: ops counted at each session end
        lrc, q, bad, out = listing(img)
        ok = lrc == 0 and all(dict(q).get(k) == v for k, v in list(known.items()) + list(rec["acked"].items()))
        print("%s: no cut: every acked message listed after a reboot" % ("PASS" if ok else "FAIL"))
        fails += not ok
        n = max(1, min(a.points, total))
        cuts = sorted(set(1 + (i * total) // n for i in range(n)))
        results = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
            futs = [ex.submit(one_cut, base, c, i % 2, known, tmp) for i, c in enumerate(cuts)]
            for f in futs:
                results.append(f.result())
        lost = 0
        cut_runs = 0
        phases = {}
        for cut, torn, happened, phase, errs in results:
            cut_runs += happened
            phases[phase] = phases.get(phase, 0) + 1
            if errs:
                lost += 1
                print("FAIL: cut at flash op %d (%s): %s" % (cut, "torn" if torn else "clean",
                                                            "; ".join(errs[:3])))
        fails += lost
        print("%s: %d cut points (1..%d flash ops, every ~%.1f; half torn), %d stopped the machine, "
              "%d with an acked message lost or a foreign one accepted; duplicates: 0 possible "
              "(no delivery in this test)" %
              ("PASS" if lost == 0 and cut_runs >= len(cuts) * 9 // 10 else "FAIL", len(cuts),
               total, total / max(1, len(cuts)), cut_runs, lost))
        fails += cut_runs < len(cuts) * 9 // 10
        print("  cut points by phase: " + ", ".join("%s %d" % kv for kv in sorted(phases.items())))
        ok = phases.get("compact", 0) > 0 and phases.get("receive", 0) > 0
        print("%s: cut points inside both receiving and compaction" % ("PASS" if ok else "FAIL"))
        fails += not ok
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
