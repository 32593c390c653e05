#!/usr/bin/env python3
"""Hostile SMTP clients for tests/rig/test_relay_hostile.sh.  Each case
prints one line "CASE <name> <outcome...>" with the replies it saw (CRLF
shown as '|'); the shell test judges them.  Every socket wait is bounded.
usage: hostile_client.py HOST PORT CASE [TOKEN] [RCPT_DOMAIN]"""
import socket, sys, time

HOST, PORT, CASE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
TOK = sys.argv[4] if len(sys.argv) > 4 else "t"
DOM = sys.argv[5] if len(sys.argv) > 5 else "dane-ee.test"

# The published end-of-data variants (SEC Consult 2023) and friends.  Each
# is followed by a complete second transaction that a loose next hop would
# run as a separate, smuggled message.
ENDINGS = {
    "lf-dot-lf": b"\n.\n",
    "cr-dot-cr": b"\r.\r",
    "crlf-dot-cr": b"\r\n.\r",
    "lf-dot-crlf": b"\n.\r\n",
    "crlf-dot-lf": b"\r\n.\n",
}
INLINE = {  # not an ending, but bytes a next hop may read differently
    "bare-lf": b"line with a bare\nLF inside\r\n",
    "bare-cr": b"line with a bare\rCR inside\r\n",
    "nul": b"line with a NUL\0 octet\r\n",
}


def conn(timeout=10):
    s = socket.create_connection((HOST, PORT), 5)
    s.settimeout(timeout)
    return s


def read_all(s, limit=30):
    """Read until EOF or timeout; return text with CRLF as '|'."""
    data, t0 = b"", time.time()
    try:
        while time.time() - t0 < limit:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except (socket.timeout, ConnectionResetError):
        pass
    return data.decode(errors="replace").replace("\r\n", "|")


def reply(f):
    """One (multi-line) reply from a file object; '' at EOF."""
    out = b""
    while True:
        l = f.readline()
        if not l:
            return out.decode(errors="replace")
        out += l
        if l[3:4] != b"-":
            return out.decode(errors="replace").replace("\r\n", "|").rstrip("|")


def dialog(s, cmds):
    f = s.makefile("rb")
    got = [reply(f)]
    for c in cmds:
        s.sendall(c)
        got.append(reply(f))
    return f, got


def envelope(rcpt):
    return [b"EHLO hostile.test\r\n", b"MAIL FROM:<sender@dane-ee.test>\r\n",
            b"RCPT TO:<" + rcpt.encode() + b">\r\n", b"DATA\r\n"]


def smuggle(name):
    """One message whose body carries a smuggling ending, then a second
    transaction, then the real end of data."""
    s = conn()
    f, got = dialog(s, envelope("victim-%s@%s" % (TOK, DOM)))
    body = b"Subject: smuggle " + TOK.encode() + b"\r\n\r\nfirst part " + TOK.encode()
    if name in ENDINGS:
        body += ENDINGS[name] + (
            b"MAIL FROM:<evil@evil.test>\r\nRCPT TO:<smuggled-" + TOK.encode() + b"@" +
            DOM.encode() + b">\r\nDATA\r\nSubject: SMUGGLED " + TOK.encode() +
            b"\r\n\r\nSMUGGLED " + TOK.encode() + b"\r\n")
    else:
        body += b"\r\n" + INLINE[name]
    s.sendall(body + b".\r\n" if body.endswith(b"\r\n") else body + b"\r\n.\r\n")
    # a loose server may answer several replies (one per split message)
    s.sendall(b"QUIT\r\n")
    rest = read_all(s, 15)
    print("CASE smuggle-%s %s" % (name, "|".join(got[4:]) + "|" + rest))


def control():
    """A clean message with dot-stuffed lines: must arrive exactly once."""
    s = conn()
    f, got = dialog(s, envelope("victim-%s@%s" % (TOK, DOM)))
    s.sendall(b"Subject: control " + TOK.encode() + b"\r\n\r\ncontrol " + TOK.encode() +
              b"\r\n..leading dot\r\n.\r\nQUIT\r\n")
    print(got[4] + "|" + read_all(s, 15))


def overlong():
    s = conn()
    f, got = dialog(s, [b"EHLO hostile.test\r\n", b"NOOP " + b"x" * 3000 + b"\r\n",
                        b"NOOP\r\n", b"MAIL FROM:<sender@dane-ee.test>\r\n",
                        b"RCPT TO:<long-%s@%s>\r\n" % (TOK.encode(), DOM.encode()),
                        b"DATA\r\n"])
    s.sendall(b"Subject: overlong\r\n\r\n" + b"y" * 1200 + b"\r\n.\r\nQUIT\r\n")
    print("CASE overlong %s" % ("|".join(got[2:4]) + "|" + got[6] + "|" + read_all(s, 15)))


def rcpts(n):
    s = conn()
    cmds = [b"EHLO hostile.test\r\n", b"MAIL FROM:<sender@dane-ee.test>\r\n"]
    cmds += [b"RCPT TO:<r%d-%s@%s>\r\n" % (i, TOK.encode(), DOM.encode()) for i in range(n)]
    f, got = dialog(s, cmds + [b"RSET\r\n", b"QUIT\r\n"])
    print("CASE rcpts ok=%d over=%d" % (sum(g.startswith("250 2.1.5") for g in got),
                                        sum(g.startswith("452 4.5.3") for g in got)))


def pipeline(n):
    """n NOOPs in one write (far past any buffer), reading concurrently."""
    s = conn(20)
    s.recv(4096)
    s.sendall(b"EHLO hostile.test\r\n")
    payload = b"NOOP\r\n" * n + b"QUIT\r\n"
    s.setblocking(False)
    sent, data, t0 = 0, b"", time.time()
    while time.time() - t0 < 30:
        if sent < len(payload):
            try:
                sent += s.send(payload[sent:sent + 65536])
            except BlockingIOError:
                pass
        try:
            d = s.recv(65536)
            if not d:
                break
            data += d
        except BlockingIOError:
            time.sleep(0.002)
    t = data.decode(errors="replace")
    print("CASE pipeline sent=%d noop_ok=%d quit=%d" % (sent == len(payload),
          t.count("250 2.0.0 Ok\r\n"), t.count("221 2.0.0")))


def bad_pipeline(n):
    s = conn()
    s.recv(4096)
    s.sendall(b"BOGUS\r\n" * n)
    t = read_all(s, 15)
    print("CASE badpipe errors=%d closed=%s" % (t.count("500 5.5.2"),
          "421 4.7.0" in t))


# slowloris: reach a state, then dribble one octet per second.
SLOW = {
    "banner": [],
    "ehlo": [b"EHLO hostile.test\r\n"],
    "mail": [b"EHLO hostile.test\r\n", b"MAIL FROM:<sender@dane-ee.test>\r\n"],
    "rcpt": envelope("slow-%s@%s" % (TOK, DOM))[:3],
    "data": envelope("slow-%s@%s" % (TOK, DOM)),
}


def slowloris(state, cap):
    s = conn(1)
    f, got = dialog(s, SLOW[state.replace("body", "data")])
    drip = b"Subject: slow\r\n\r\n" + b"z" * 200 if state in ("data", "body") else b"NOOP" * 50
    t0, seen = time.time(), b""
    for i in range(cap):
        try:
            s.send(drip[i:i + 1])
        except OSError:
            break
        try:
            d = s.recv(4096)
            if not d:
                break
            seen += d
        except socket.timeout:
            pass
        except OSError:
            break
    print("CASE slow-%s after=%ds %s" % (state, round(time.time() - t0),
          seen.decode(errors="replace").replace("\r\n", "|") or "no-reply"))


def deaf(n):
    """Never reads: floods pipelined commands; the relay must drop it."""
    s = conn()
    s.setblocking(False)
    blob, sent, t0 = b"NOOP\r\n" * 4096, 0, time.time()
    closed = False
    while time.time() - t0 < 40:
        try:
            sent += s.send(blob)
        except BlockingIOError:
            time.sleep(0.2)
        except OSError:
            closed = True
            break
    print("CASE deaf closed=%s after=%ds sent=%dk" % (closed, round(time.time() - t0),
          sent // 1024))


def hold(n, secs):
    """Open n sessions and keep them (EHLO only); report their greetings."""
    socks, greet = [], []
    for _ in range(n):
        s = conn(5)
        greet.append(s.recv(4096).decode(errors="replace")[:9])
        socks.append(s)
    print("CASE hold %s" % ",".join(greet))
    sys.stdout.flush()
    time.sleep(secs)


cases = {
    "control": control, "overlong": overlong,
    "rcpts": lambda: rcpts(8),
}
if CASE.startswith("smuggle-"):
    smuggle(CASE[8:])
elif CASE in cases:
    cases[CASE]()
elif CASE == "pipeline":
    pipeline(int(TOK))
elif CASE == "badpipe":
    bad_pipeline(int(TOK))
elif CASE.startswith("slow-"):
    slowloris(CASE[5:], int(TOK))
elif CASE == "deaf":
    deaf(0)
elif CASE == "hold":
    hold(int(TOK), float(DOM))
else:
    sys.exit("unknown case " + CASE)
