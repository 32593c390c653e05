#!/usr/bin/env python3
"""HTTPS TLSRPT collector for tests/rig/test_tlsrpt.sh (RFC 8460 section 5.4).

usage: tlsrpt_collector.py ADDR PORT CERT KEY OUTDIR [--lifetime S]
Accepts POST /v1/tlsrpt with Content-Type application/tlsrpt+gzip (bounded
body), stores each body as OUTDIR/N.gz with OUTDIR/N.hdr (content type),
answers 201; anything else 400/404.  Exits after --lifetime seconds."""
import http.server
import os
import ssl
import sys
import threading

MAX_BODY = 2 * 1024 * 1024


class Handler(http.server.BaseHTTPRequestHandler):
    count = 0

    def do_POST(self):
        if self.path != "/v1/tlsrpt":
            self.send_error(404)
            return
        n = int(self.headers.get("Content-Length", "-1"))
        if n < 0 or n > MAX_BODY:
            self.send_error(400)
            return
        body = self.rfile.read(n)
        Handler.count += 1
        base = os.path.join(sys.argv[5], str(Handler.count))
        with open(base + ".gz", "wb") as f:
            f.write(body)
        with open(base + ".hdr", "w") as f:
            f.write(self.headers.get("Content-Type", "") + "\n")
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, fmt, *args):
        sys.stderr.write("collector: " + (fmt % args) + "\n")


def main():
    addr, port, cert, key, out = sys.argv[1:6]
    life = float(sys.argv[7]) if len(sys.argv) > 7 and sys.argv[6] == "--lifetime" else 300
    os.makedirs(out, exist_ok=True)
    srv = http.server.HTTPServer((addr, int(port)), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Timer(life, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
