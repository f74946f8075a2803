"""A fault-injecting HTTP proxy in front of an S3 server, for the reliability tests.

Usage: fault_proxy.py UPSTREAM_PORT SEED PORTFILE   (writes its port to PORTFILE once it listens)

Each request is forwarded to 127.0.0.1:UPSTREAM_PORT unchanged (the Host header too, so SigV4
signatures still verify), and its response is passed back, or damaged, chosen by a seeded random
generator so that a run can be repeated:
  pass     (55 %)  as the server answered
  slowdown (10 %)  503 SlowDown, without asking the server
  drop     (10 %)  the connection closed halfway through the body
  corrupt  (10 %)  one byte of the body changed (GETs of objects and listings)
  delay    ( 5 %)  the response after 1.5 s
  trickle  (10 %)  the body 64 bytes a second (a whole-request timeout must end it)
GET /__stats returns how many requests met each fault.
"""
import http.client
import http.server
import os
import random
import sys
import threading
import time

UPSTREAM = int(sys.argv[1])
rng = random.Random(int(sys.argv[2]))
lock = threading.Lock()
stats = {}
FAULTS = [("pass", 55), ("slowdown", 10), ("drop", 10), ("corrupt", 10), ("delay", 5), ("trickle", 10)]


def choose():
    with lock:
        n = rng.randrange(100)
        for name, weight in FAULTS:
            if n < weight:
                stats[name] = stats.get(name, 0) + 1
                return name
            n -= weight
    return "pass"


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        if self.path == "/__stats":
            body = repr(sorted(stats.items())).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        length = int(self.headers.get("Content-Length") or 0)
        request_body = self.rfile.read(length) if length else b""
        fault = choose()
        if fault == "slowdown":
            body = b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>'
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        upstream = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "proxy-connection")}
        upstream.request(self.command, self.path, body=request_body if self.command in ("PUT", "POST") else None, headers=headers)
        response = upstream.getresponse()
        body = response.read()
        upstream.close()
        if fault == "corrupt" and self.command == "GET" and body and response.status == 200:
            at = rng.randrange(len(body))
            body = body[:at] + bytes([body[at] ^ 0x20]) + body[at + 1:]
        if fault == "delay":
            time.sleep(1.5)
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            if fault == "drop":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if fault == "trickle":
                for i in range(0, len(body), 64):
                    self.wfile.write(body[i:i + 64])
                    self.wfile.flush()
                    time.sleep(1)
                return
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_PUT = do_DELETE = do_HEAD = do_POST = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
server.daemon_threads = True
with open(sys.argv[3] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
server.serve_forever()
