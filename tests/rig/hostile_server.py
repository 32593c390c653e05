#!/usr/bin/env python3
"""Hostile SMTP next hop for tests/rig/test_relay_hostile.sh.  Listens on
LISTEN:25; at each connection it reads MODEFILE and misbehaves accordingly:
  good             a correct server: stores each message as DIR/msg-N
  stall-banner     accepts the connection, never greets
  stall-ehlo|mail|rcpt|data|dot   answers up to that command, then silence
  endless          an EHLO reply of endless "250-" continuation lines
  longline         a greeting line of 64 KiB without CRLF
  bareLF           replies ending in bare LF (a reply-smuggling attempt)
  smuggle-reply    two replies to MAIL in one line split by a bare LF
  nul              a NUL inside the greeting
  early-250        a reply to DATA of 250 (no 354), then 250 again
Bounded: every connection lives at most 60 s; exit after --lifetime s.
usage: hostile_server.py LISTEN MODEFILE DIR [--lifetime S]"""
import os, socket, sys, threading, time

LISTEN, MODEFILE, DIR = sys.argv[1], sys.argv[2], sys.argv[3]
LIFETIME = float(sys.argv[5]) if len(sys.argv) > 5 else 600
seq = [0]
lock = threading.Lock()


def mode():
    try:
        return open(MODEFILE).read().strip()
    except OSError:
        return "good"


def log(msg):
    with lock, open(os.path.join(DIR, "server.log"), "a") as f:
        f.write("%.1f %s\n" % (time.time(), msg))


def stall(c):
    c.settimeout(30)
    try:
        while c.recv(4096):
            pass
    except OSError:
        pass


def lines(c):
    buf = b""
    while True:
        while b"\n" not in buf:
            d = c.recv(4096)
            if not d:
                return
            buf += d
        l, buf = buf.split(b"\n", 1)
        yield l + b"\n"


def session(c, m):
    c.settimeout(60)
    log("connection mode=" + m)
    if m == "stall-banner":
        return stall(c)
    if m == "longline":
        c.sendall(b"220 " + b"x" * 65536)
        return stall(c)
    if m == "nul":
        c.sendall(b"220 hostile\0 ESMTP\r\n")
        return stall(c)
    if m == "bareLF":
        c.sendall(b"220 hostile ESMTP\n")
        return stall(c)
    c.sendall(b"220 hostile.test ESMTP\r\n")
    it, data = lines(c), None
    for l in it:
        verb = l[:4].upper()
        if data is not None:
            if l == b".\r\n":
                if m == "stall-dot":
                    log("stalled after the final dot")
                    return stall(c)
                with lock:
                    seq[0] += 1
                    n = seq[0]
                with open(os.path.join(DIR, "msg-%d" % n), "wb") as f:
                    f.write(b"".join(data))
                c.sendall(b"250 2.0.0 Ok: queued as H%d\r\n" % n)
                data = None
            else:
                data.append(l)
            continue
        stop = {"EHLO": "stall-ehlo", "MAIL": "stall-mail", "RCPT": "stall-rcpt",
                "DATA": "stall-data"}.get(verb.decode(errors="replace"))
        if stop == m:
            return stall(c)
        if verb == b"EHLO":
            if m == "endless":
                try:
                    t0 = time.time()
                    while time.time() - t0 < 50:
                        c.sendall(b"250-hostile endless continuation line\r\n" * 64)
                        time.sleep(0.01)
                except OSError:
                    pass
                return
            c.sendall(b"250-hostile.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
        elif verb == b"MAIL":
            if m == "smuggle-reply":
                c.sendall(b"250 2.1.0 Ok\n250 2.1.5 Ok\r\n")
            else:
                c.sendall(b"250 2.1.0 Ok\r\n")
        elif verb == b"RCPT":
            c.sendall(b"250 2.1.5 Ok\r\n")
        elif verb == b"DATA":
            if m == "early-250":
                c.sendall(b"250 2.0.0 Ok: queued as FAKE\r\n250 2.0.0 again\r\n")
                return stall(c)
            c.sendall(b"354 go ahead\r\n")
            data = []
        elif verb == b"QUIT":
            c.sendall(b"221 2.0.0 Bye\r\n")
            return
        else:
            c.sendall(b"250 2.0.0 Ok\r\n")


def handle(c):
    try:
        session(c, mode())
    except OSError:
        pass
    finally:
        c.close()


def main():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((LISTEN, 25))
    ls.listen(64)
    ls.settimeout(1)
    t0 = time.time()
    while time.time() - t0 < LIFETIME:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handle, args=(c,), daemon=True).start()


main()
