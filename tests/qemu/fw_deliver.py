#!/usr/bin/env python3
"""Firmware relay delivery on the e2e rig (tests/qemu/test_fw_relay.sh, make demo).

Run inside the rig's netns (ip netns exec $E2E_NS ...) with E2E_DIR set and the
rig's Postfix accepting mail (SMTP_ACCEPT_MAIL=1).  Boots the firmware in
mode=relay on the rig link (tools/rig/qemu-net.sh) with the rig resolver,
anchor and time, then two SMTP clients at once:
  A: a message for rcpt@dane-ee.test (dots at line starts, a 990-octet line,
     trailing blanks); the session stays open while the relay delivers;
  B: connected before A's 250, sends a message for rcpt@mismatch.test while
     A's delivery runs (2 inbound sessions + 1 delivery at once).
Checks (PASS:/FAIL:): A delivered DANE-verified to the rig Postfix and its
mailbox entry after the relay's Received: header is byte for byte what A
sent; B deferred with 4.7.5, still queued after a reboot (listing: state
deferred, the reason); the delivery's RAM figures (figure: lines).
--cuts N: then up to N power cuts during a delivery (see powercuts()).
--demo: print the mailbox entry and the relay's log lines instead of the
byte comparison's details.
"""
import argparse, os, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fw_relay  # noqa: E402  (listing(): reboot on the image with port=0)

FW_IP = "192.0.2.100"


def rig_env():
    env = {}
    for l in open(os.path.join(os.environ["E2E_DIR"], "env")):
        k, _, v = l.strip().partition("=")
        env[k] = v
    for l in open(env["RIG_ANCHOR"]):
        f = l.split()
        if len(f) >= 8 and f[3] == "DS":
            env["DS"] = "%s:%s:%s:%s" % (f[4], f[5], f[6], f[7])
            break
    return env


class Console:
    """QEMU's console lines, collected by a thread; wait() for a regex."""

    def __init__(self, p):
        self.p, self.lines, self.cv = p, [], threading.Condition()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        for l in self.p.stdout:
            with self.cv:
                self.lines.append(l.rstrip("\r\n"))
                self.cv.notify_all()
        with self.cv:
            self.lines.append(None)
            self.cv.notify_all()

    def wait(self, rx, timeout):
        end = time.time() + timeout
        with self.cv:
            while True:
                for l in self.lines:
                    if l is not None and re.search(rx, l):
                        return l
                left = end - time.time()
                if left <= 0 or (self.lines and self.lines[-1] is None):
                    return None
                self.cv.wait(left)

    def text(self):
        with self.cv:
            return [l for l in self.lines if l is not None]


class Smtp:
    def __init__(self):
        self.s = socket.create_connection((FW_IP, 25), timeout=30)
        self.f = self.s.makefile("rb")
        self.greet = self.reply()

    def reply(self):
        code, text = 0, []
        while True:
            l = self.f.readline().decode("utf-8", "replace")
            if not l:
                raise EOFError("closed")
            text.append(l.strip())
            if len(l) < 4 or l[3] != "-":
                return int(l[:3]), " ".join(text)

    def cmd(self, c):
        self.s.sendall(c.encode() + b"\r\n")
        return self.reply()

    def send(self, sender, rcpt, msg):
        """msg: str with CRLF line ends; dot-stuffed here."""
        for c in ("EHLO client.rig.test", "MAIL FROM:<%s>" % sender, "RCPT TO:<%s>" % rcpt, "DATA"):
            code, text = self.cmd(c)
            if code not in (250, 354):
                return code, text
        stuffed = re.sub(r"(?m)^\.", "..", msg)
        self.s.sendall(stuffed.encode() + b".\r\n")
        return self.reply()

    def close(self):
        try:
            self.cmd("QUIT")
        except (OSError, EOFError):
            pass
        self.f.close()
        self.s.close()


def message(tag, rcpt):
    long_line = "x" * 988
    lines = ["Date: Mon, 30 Nov 2026 12:00:00 +0000", "From: <sender@rig.test>",
             "To: <%s>" % rcpt, "Subject: danebox board relay %s" % tag,
             "Message-ID: <%s@board.danebox.test>" % tag, "X-Test: folded", "\tcontinuation", "",
             "Delivered by the firmware relay in QEMU.", ".a line that starts with a dot",
             "..two dots", ".", "trailing blanks   ", long_line, "", "end of %s" % tag]
    return "\r\n".join(lines) + "\r\n"


def mailbox_entry(path, tag):
    """The mbox entry holding Message-ID <tag@...>, or None."""
    try:
        data = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return None
    for e in re.split(r"(?m)^(?=From \S+ )", data):
        if "<%s@board.danebox.test>" % tag in e:
            return e
    return None


def after_our_received(entry):
    """What follows the relay's own Received: header (first line + tab lines)."""
    lines = entry.split("\n")
    for i, l in enumerate(lines):
        if l.startswith("Received: ") and i + 1 < len(lines) and "by danebox" in lines[i + 1]:
            j = i + 1
            while j < len(lines) and lines[j].startswith("\t"):
                j += 1
            return "\n".join(lines[j:])
    return None


def boot(env, img, timeout, deliver=True, extra=""):
    """The firmware relay on the rig link (its own process group)."""
    cfg = "mode=relay ip=%s/24 flash=%s allow=192.0.2.0/24 timeout=10000 %s" % (FW_IP, img, extra)
    if deliver:
        cfg += " resolver=%s anchor=rig anchor-ds=%s time=%s" % (env["RIG_RESOLVER"], env["DS"],
                                                                 env["RIG_TIME"])
    qemu = ["tools/rig/qemu-net.sh", "-t", "fdt%d" % (os.getpid() % 100000), "--", "timeout",
            "--foreground", str(timeout), "qemu-system-arm", "-M", "mps2-an386", "-nographic",
            "-monitor", "none", "-serial", "stdio", "-semihosting-config", "enable=on,target=native",
            "-kernel", fw_relay.ELF, "-append", cfg]
    return subprocess.Popen(qemu, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, errors="replace",
                            env=dict(os.environ, RIG_NS=env["E2E_NS"]), start_new_session=True)


def count_in(path, needle):
    try:
        return open(path, encoding="utf-8", errors="replace").read().count(needle)
    except OSError:
        return 0


STATS = re.compile(r"^queue-stats: programs=(\d+) erases=(\d+)")


def powercuts(env, mailbox, tmp, check, max_points):
    """Power cuts during delivery: a queued message for dane-ee.test, the
    board boots with delivery on and powercut=N for every flash operation
    N of the delivery run (its state record and deletion; clean and torn
    alternately); after the cut the board reboots on the same image and
    finishes.  Zero losses: delivered at least once and the queue empty;
    duplicates (delivered, cut before the state was written) counted."""
    base = os.path.join(tmp, "pc-base.img")
    tag = "pc%d" % os.getpid()
    p = boot(env, base, 60, deliver=False)
    con = Console(p)
    ok = con.wait(r"^relay: listening", 30) is not None
    if ok:
        c = Smtp()
        code, text = c.send("sender@rig.test", "rcpt@dane-ee.test", message(tag, "rcpt@dane-ee.test"))
        c.close()
        ok = code == 250 and con.wait(r"^queue-stats:", 10) is not None
    stop(p)
    check("power cuts during delivery: base image with one queued message", ok)
    if not ok:
        return
    needle = "<%s@board.danebox.test>" % tag

    def run(img, extra, until):
        q = boot(env, img, 60, extra=extra)
        cq = Console(q)
        line = cq.wait(until, 45)
        stop(q)
        return line, cq.text(), q.returncode

    img = os.path.join(tmp, "pc.img")
    shutil.copyfile(base, img)
    before = count_in(mailbox, needle)
    line, log, _ = run(img, "", r"^deliver-mem:")
    st = [STATS.match(l) for l in log if STATS.match(l)]
    total = int(st[-1].group(1)) + int(st[-1].group(2)) if st else 0
    ok = line is not None and total > 0 and count_in(mailbox, needle) == before + 1
    check("power cuts during delivery: without a cut the run delivers once with %d flash ops" % total, ok)
    if not ok:
        return
    n = min(total, max_points)
    cuts = sorted(set(1 + (i * total) // n for i in range(n)))
    lost = dups = stopped = 0
    for i, k in enumerate(cuts):
        shutil.copyfile(base, img)
        before = count_in(mailbox, needle)
        line, log, rc = run(img, "powercut=%d powercut-torn=%d" % (k, i % 2),
                            r"^(powercut: |deliver-mem:)")
        stopped += line is not None and line.startswith("powercut:")
        line2, log2, _ = run(img, "", r"^(deliver-mem:|queue: open 0 messages)")
        lrc, q, bad, out = fw_relay.listing(img)
        for _ in range(25):  # Postfix's local delivery is asynchronous
            if count_in(mailbox, needle) > before:
                break
            time.sleep(0.2)
        got = count_in(mailbox, needle) - before
        if got < 1 or q or bad or lrc != 0:
            lost += 1
            print("FAIL: cut at delivery flash op %d (%s): delivered %d time(s), queue %s%s" %
                  (k, "torn" if i % 2 else "clean", got, [x for x, _ in q], " unreadable" if bad else ""))
        dups += max(0, got - 1)
    check("power cuts during delivery: %d cut points (%d stopped the machine), zero messages lost, "
          "%d duplicate deliveries (at-least-once)" % (len(cuts), stopped, dups),
          lost == 0 and stopped >= len(cuts) * 9 // 10)
    print("figure: relay_deliver_cut_points %d" % len(cuts))
    print("figure: relay_deliver_cut_dups %d" % dups)


def stop(p):
    """End our QEMU: its wrapper runs in its own process group (ours)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            return
        try:
            p.wait(10)
            return
        except subprocess.TimeoutExpired:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mailbox", required=True, help="the dane-ee rig server's mbox file")
    ap.add_argument("--demo", action="store_true")
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--cuts", type=int, default=0, help="power-cut points during delivery (max)")
    a = ap.parse_args()
    env = rig_env()
    fails = 0

    def check(name, ok, why=""):
        nonlocal fails
        print("%s: %s%s" % ("PASS" if ok else "FAIL", name, "" if ok else " (%s)" % why))
        fails += not ok

    tmp = tempfile.mkdtemp(prefix="dbx-deliver-")
    img = os.path.join(tmp, "q.img")
    tag = "m%d" % os.getpid()
    p = boot(env, img, a.timeout + 30)
    con = Console(p)
    try:
        if con.wait(r"^relay: listening", 30) is None:
            check("firmware relay up on the rig link", False, "no 'relay: listening' line")
            return 1
        t0 = time.time()
        ca, cb = Smtp(), Smtp()  # two inbound sessions before the delivery starts
        msg_a, msg_b = message(tag + "a", "rcpt@dane-ee.test"), message(tag + "b", "rcpt@mismatch.test")
        code_a, text_a = ca.send("sender@rig.test", "rcpt@dane-ee.test", msg_a)
        code_b, text_b = cb.send("sender@rig.test", "rcpt@mismatch.test", msg_b)
        check("two inbound sessions: both messages acked (250) by the board",
              code_a == 250 and code_b == 250, "%s | %s" % (text_a, text_b))
        id_a = re.search(r"queued as (\S+)", text_a).group(1) if code_a == 250 else "?"
        id_b = re.search(r"queued as (\S+)", text_b).group(1) if code_b == 250 else "?"
        sent = con.wait(r"^relay: %s: to=<rcpt@dane-ee.test>" % id_a, a.timeout)
        ca.close()
        deferred = con.wait(r"^relay: %s: to=<rcpt@mismatch.test>" % id_b, a.timeout)
        cb.close()
        mem = con.wait(r"^deliver-mem: ", 5)
        secs = time.time() - t0
        ok = sent is not None and "status=sent" in sent and "tls=dane-verified" in sent
        check("dane-ee.test delivered by the board over a DANE-verified session", ok, sent)
        ok = deferred is not None and "status=deferred" in deferred and "dsn=4.7.5" in deferred
        check("mismatch.test deferred (4.7.5, certificate not in TLSA), never sent", ok, deferred)
        log = con.text()
        overlap = [l for l in log if re.match(r"^relay: (%s: client=|%s: to=)" % (id_b, id_a), l)]
        print("INFO: B's 250 %s A's delivery result (2 inbound + 1 delivery at once)" %
              ("came before" if overlap and id_b in overlap[0] else "came after"))
        entry = None
        for _ in range(50):  # Postfix's local delivery is asynchronous
            entry = mailbox_entry(a.mailbox, tag + "a")
            if entry:
                break
            time.sleep(0.2)
        got = after_our_received(entry) if entry else None
        want = msg_a.replace("\r\n", "\n")
        ok = got is not None and got.startswith(want) and got[len(want):].strip("\n") == ""
        why = "no mailbox entry" if entry is None else "no Received: by danebox" if got is None \
            else "differs at octet %d" % next((i for i, (x, y) in enumerate(zip(got, want)) if x != y),
                                               min(len(got), len(want)))
        check("mailbox entry at the rig Postfix byte-exact (headers + body after our Received:)",
              ok, why)
        ok = entry is not None and re.search(r"(?m)^Received: from danebox .*\n\tby mx1\.dane-ee\.test "
                                             r"\(Postfix\) with ESMTPS", entry) is not None
        check("received by mx1.dane-ee.test with ESMTPS from the board", ok)
        if mem:
            m = dict(re.findall(r"(\S+)=(\d+)", mem))
            for k in ("heap-inuse-peak", "sbrk-peak", "stack-peak", "mbedtls-peak"):
                print("figure: relay_deliver_%s %s" % (k.replace("-", "_"), m.get(k, "?")))
        heap = re.search(r"heap in use \d+ B of (\d+)", "\n".join(log))
        print("figure: relay_deliver_heap_size %s" % (heap.group(1) if heap else "?"))
        print("figure: relay_deliver_secs %.1f" % secs)
        if a.demo:
            print("-- mailbox entry at mx1.dane-ee.test (%s):" % a.mailbox)
            for l in (entry or "(none)\n").rstrip("\n").split("\n"):
                print("  > " + l[:150])
            print("-- the relay's log lines (firmware console):")
            for l in log:
                if re.match(r"^(relay: |deliver)", l) and "listening" not in l:
                    print("  | " + l[:250])
    finally:
        stop(p)
    if id_b == "?":
        shutil.rmtree(tmp, ignore_errors=True)
        return 1
    lrc, q, bad, out = fw_relay.listing(img)
    ids = [i for i, _ in q]
    st = re.search(r"^queue: %s rcpt=<rcpt@mismatch.test> state=(\S+) attempts=\d+ dsn=(\S+) reason=(.*)$"
                   % re.escape(id_b), out, re.M)
    check("after a reboot: mismatch.test still queued, deferred with its reason",
          lrc == 0 and id_b in ids and st is not None and st.group(1) == "deferred" and
          st.group(2) == "4.7.5" and st.group(3) != "-",
          "rc=%s ids=%s %s" % (lrc, ids, st.group(0) if st else "no rcpt line"))
    if st:
        print("INFO: queued reason: %s" % st.group(3)[:160])
    check("after a reboot: the delivered message is gone from the queue", id_a not in ids, ids)
    if a.cuts > 0:
        powercuts(env, a.mailbox, tmp, check, a.cuts)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
