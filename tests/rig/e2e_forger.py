#!/usr/bin/env python3
"""Forging resolver for tests/rig/test_check_e2e.sh: a DNS proxy on LISTEN:53
(UDP and TCP) that relays to the rig's unbound UPSTREAM:53 but answers some
questions itself with forged, UNSIGNED data (AD bit set, to lie):
  dane-ee.test MX                 -> MX 10 mx1.strip.test. (the MITM relay)
  mx1.dane-ee-rsa.test A          -> 192.0.2.40
  _25._tcp.mx1.dane-ta.test TLSA  -> NXDOMAIN, no denial proof (TLSA stripped)
A validating client must call these bogus and defer.
usage: e2e_forger.py LISTEN UPSTREAM [--lifetime S]"""
import socket, struct, sys, threading, time

def wire(name):
    out = b""
    for l in name.rstrip(".").split("."):
        out += bytes([len(l)]) + l.encode()
    return out + b"\0"

FORGE = {
    ("dane-ee.test", 15): ("rr", struct.pack("!H", 10) + wire("mx1.strip.test")),
    ("mx1.dane-ee-rsa.test", 1): ("rr", socket.inet_aton("192.0.2.40")),
    ("_25._tcp.mx1.dane-ta.test", 52): ("nxdomain", None),
}

def parse_q(msg):
    i, labels = 12, []
    while msg[i]:
        n = msg[i]; labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace").lower()); i += 1 + n
    qtype, = struct.unpack("!H", msg[i + 1:i + 3])
    return ".".join(labels), qtype, i + 5

def forge(msg):
    if len(msg) < 17:
        return None
    try:
        name, qtype, qend = parse_q(msg)
    except (IndexError, struct.error):
        return None
    f = FORGE.get((name, qtype))
    if f is None:
        return None
    kind, rdata = f
    qid = msg[:2]
    rd = msg[2] & 0x01
    if kind == "rr":
        hdr = qid + bytes([0x80 | rd, 0xA0]) + struct.pack("!HHHH", 1, 1, 0, 0)
        ans = b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 300, len(rdata)) + rdata
    else:
        hdr = qid + bytes([0x80 | rd, 0xA3]) + struct.pack("!HHHH", 1, 0, 0, 0)
        ans = b""
    return hdr + msg[12:qend] + ans

def relay_udp(msg, upstream):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(3)
    try:
        u.sendto(msg, (upstream, 53))
        return u.recv(65535)
    except OSError:
        return None
    finally:
        u.close()

def relay_tcp(msg, upstream):
    try:
        with socket.create_connection((upstream, 53), timeout=3) as t:
            t.sendall(struct.pack("!H", len(msg)) + msg)
            hdr = t.recv(2, socket.MSG_WAITALL)
            n, = struct.unpack("!H", hdr)
            return t.recv(n, socket.MSG_WAITALL)
    except (OSError, struct.error):
        return None

def udp_loop(sock, upstream, end):
    while time.time() < end:
        try:
            msg, peer = sock.recvfrom(65535)
        except socket.timeout:
            continue
        r = forge(msg)
        if r is None:
            r = relay_udp(msg, upstream)
        if r is not None:
            sock.sendto(r, peer)

def tcp_conn(c, upstream):
    c.settimeout(10)
    try:
        while True:
            hdr = c.recv(2, socket.MSG_WAITALL)
            if len(hdr) < 2:
                break
            n, = struct.unpack("!H", hdr)
            msg = c.recv(n, socket.MSG_WAITALL)
            r = forge(msg) or relay_tcp(msg, upstream)
            if r is None:
                break
            c.sendall(struct.pack("!H", len(r)) + r)
    except OSError:
        pass
    finally:
        c.close()

def main():
    listen, upstream = sys.argv[1], sys.argv[2]
    life = float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--lifetime" else 300
    end = time.time() + life
    us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    us.bind((listen, 53)); us.settimeout(1)
    ts = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ts.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ts.bind((listen, 53)); ts.listen(16); ts.settimeout(1)
    threading.Thread(target=udp_loop, args=(us, upstream, end), daemon=True).start()
    print("forger: listening", flush=True)
    while time.time() < end:
        try:
            c, _ = ts.accept()
        except socket.timeout:
            continue
        threading.Thread(target=tcp_conn, args=(c, upstream), daemon=True).start()

if __name__ == "__main__":
    main()
