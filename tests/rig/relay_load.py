#!/usr/bin/env python3
"""SMTP load generator for tests/rig/test_relay_load.sh and the bench (issue
15, item 5): N messages with 1-3 recipients each (a fixed pseudo-random mix
over the given domains) from C concurrent clients, several messages per
connection.  A 4xx (session limit, queue busy) is retried after a pause,
bounded.  Writes one line per ACCEPTED recipient to OUT:
    <queue id> <recipient>
and prints "LOAD sent=<msgs acked> rcpts=<n> failed=<msgs given up>
secs=<wall> rate=<msgs/s>".  Every socket wait is bounded.
Env: LOAD_PREFIX (local-part prefix, default "l"), LOAD_FIRST (number of the
first message, default 0: batches of a soak do not collide).
usage: relay_load.py HOST PORT N CLIENTS OUT SENDER DOMAIN..."""
import os, random, re, socket, sys, threading, time

HOST, PORT, N, C, OUT, SENDER = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), sys.argv[5], sys.argv[6]
DOMAINS = sys.argv[7:]
PER_CONN = 10
PREFIX = os.environ.get("LOAD_PREFIX", "l")  # recipient local parts: PREFIX<i>-<k>
FIRST = int(os.environ.get("LOAD_FIRST", "0"))  # first message number
lock = threading.Lock()
acked, failed = [], [0]
next_msg = [0]


def take():
    with lock:
        if next_msg[0] >= N:
            return None
        next_msg[0] += 1
        return FIRST + next_msg[0] - 1


def rcpts_of(i):
    r = random.Random(i)
    return ["%s%d-%d@%s" % (PREFIX, i, k, r.choice(DOMAINS)) for k in range(r.randint(1, 3))]


class Conn:
    def __init__(self):
        self.s = socket.create_connection((HOST, PORT), 10)
        self.s.settimeout(30)
        self.f = self.s.makefile("rb")
        self.greet = self.reply()

    def reply(self):
        out = b""
        while True:
            l = self.f.readline(2000)
            if not l:
                raise OSError("closed")
            out += l
            if l[3:4] != b"-":
                return out.decode(errors="replace")

    def cmd(self, c):
        self.s.sendall(c.encode() + b"\r\n")
        return self.reply()

    def close(self):
        try:
            self.s.sendall(b"QUIT\r\n")
            self.s.close()
        except OSError:
            pass


def one(c, i):
    """Send message i over c.  True: acked (recorded), False: 4xx/5xx."""
    rc = rcpts_of(i)
    if not c.cmd("MAIL FROM:<%s>" % SENDER).startswith("250"):
        return False
    ok = [r for r in rc if c.cmd("RCPT TO:<%s>" % r).startswith("250")]
    if not ok:
        c.cmd("RSET")
        return False
    if not c.cmd("DATA").startswith("354"):
        return False
    body = ("Subject: load %d\r\nMessage-ID: <load%d@load.test>\r\n\r\nload message %d\r\n"
            % (i, i, i)) + "".join("line %d of the body\r\n" % k for k in range(20)) + "."
    rep = c.cmd(body)
    m = re.match(r"250 2\.0\.0 Ok: queued as (\S+)", rep)
    if not m:
        return False
    with lock:
        acked.extend("%s %s" % (m.group(1), r) for r in ok)
    return True


def client():
    c, n_in_conn = None, 0
    while True:
        i = take()
        if i is None:
            break
        for attempt in range(20):
            try:
                if c is None:
                    c = Conn()
                    if not c.greet.startswith("220") or not c.cmd("EHLO load.test").startswith("250"):
                        raise OSError("busy")
                    n_in_conn = 0
                if one(c, i):
                    break
            except OSError:
                pass
            if c is not None:
                c.close()
            c = None
            time.sleep(0.2 + attempt * 0.1)
        else:
            with lock:
                failed[0] += 1
        n_in_conn += 1
        if c is not None and n_in_conn >= PER_CONN:
            c.close()
            c = None
    if c is not None:
        c.close()


t0 = time.time()
ts = [threading.Thread(target=client) for _ in range(C)]
for t in ts:
    t.start()
for t in ts:
    t.join(600)
secs = time.time() - t0
with open(OUT, "w") as f:
    f.write("".join(a + "\n" for a in acked))
msgs = len({a.split()[0] for a in acked})
print("LOAD sent=%d rcpts=%d failed=%d secs=%.1f rate=%.1f" % (msgs, len(acked), failed[0], secs,
      msgs / secs if secs > 0 else 0))
