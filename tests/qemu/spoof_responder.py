#!/usr/bin/env python3
"""Hostile UDP DNS "resolver" for test_rig_net.sh (runs inside the rig netns).

Listens on ADDR:53.  For every query it first sends two forged answers that
a correct client must ignore -- one from ADDR:5353 (wrong source port), one
from ALT:53 (wrong source address) -- both with rcode REFUSED, then after
0.2 s the genuine answer from ADDR:53 with rcode NOERROR and no records.
TCP is deliberately not served (the kernel answers SYN with RST).
Usage: spoof_responder.py ADDR ALT
"""
import socket
import sys
import time

addr, alt = sys.argv[1], sys.argv[2]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET


def sock(a, port):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a, port))
    return s


main, wrong_port, wrong_addr = sock(addr, 53), sock(addr, 5353), sock(alt, 53)
print("spoof responder ready", flush=True)
while True:
    q, peer = main.recvfrom(4096)
    if len(q) < 12:
        continue

    def answer(rcode):
        # header: same ID, QR|RD (from query), RA, rcode; QD 1, AN/NS/AR 0;
        # question copied from the query (up to the end of QTYPE/QCLASS)
        i = 12
        while q[i] != 0:
            i += q[i] + 1
        qsec = q[12:i + 5]
        flags = bytes([0x80 | (q[2] & 0x01), 0x80 | rcode])
        return q[:2] + flags + b"\x00\x01\x00\x00\x00\x00\x00\x00" + qsec

    wrong_port.sendto(answer(5), peer)
    wrong_addr.sendto(answer(5), peer)
    time.sleep(0.2)
    main.sendto(answer(0), peer)
