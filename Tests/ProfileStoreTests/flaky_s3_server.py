"""A stand-in S3 endpoint that misbehaves on purpose, for the client's retry tests.

Usage: flaky_s3_server.py MODE PORTFILE   (writes its port to PORTFILE once it listens)
  fail:N   answer the first N requests with 503 SlowDown, then an empty ListObjectsV2 page
  hang     never answer in time (sleep 30 s)
  deny     answer every request with 403 AccessDenied (not retried)
  trickle  answer 200 with a 4 KiB body sent 16 bytes a second (a whole-request timeout must cut it)
GET /__count returns how many S3 requests arrived; GET /__last the Host header and path of the last one.
"""
import http.server
import os
import sys
import threading
import time

MODE = sys.argv[1]
count = 0
last = ""
lock = threading.Lock()

EMPTY_PAGE = (b'<?xml version="1.0" encoding="UTF-8"?>'
              b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
              b'<Name>b</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys>'
              b'<IsTruncated>false</IsTruncated></ListBucketResult>')


def error(code, message):
    return ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>'
            % (code, message)).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        global count, last
        if self.path == "/__count":
            self.reply(200, str(count).encode())
            return
        if self.path == "/__last":
            self.reply(200, last.encode())
            return
        with lock:
            count += 1
            last = "%s %s" % (self.headers.get("Host"), self.path)
            n = count
        if MODE.startswith("fail:"):
            if n <= int(MODE.split(":")[1]):
                self.reply(503, error("SlowDown", "Please reduce your request rate."))
            else:
                self.reply(200, EMPTY_PAGE)
        elif MODE == "trickle":
            body = b"x" * 4096
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for i in range(0, len(body), 16):
                    self.wfile.write(body[i:i + 16])
                    self.wfile.flush()
                    time.sleep(1)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif MODE == "hang":
            time.sleep(30)
            self.reply(200, EMPTY_PAGE)
        else:
            self.reply(403, error("AccessDenied", "Access Denied"))


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
server.serve_forever()
