"""A stand-in S3 endpoint that misbehaves on purpose, for the client's retry tests.

Usage: flaky_s3_server.py MODE PORTFILE   (writes its port to PORTFILE once it listens)
  fail:N   answer the first N requests with 503 SlowDown, then an empty ListObjectsV2 page
  hang     never answer in time (sleep 30 s)
  deny     answer every request with 403 AccessDenied (not retried)
  trickle  answer 200 with a 4 KiB body sent 16 bytes a second (a whole-request timeout must cut it)
  corrupt  list one object (key with a hash, its size, an MD5 ETag); GET answers other bytes of that size
  disorder list three keys out of order, every time
  badxml:N answer the first N listings with 200 and XML that does not parse, then an empty page
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


def page(objects):
    contents = "".join("<Contents><Key>%s</Key><Size>%d</Size><ETag>%s</ETag></Contents>" % (key, size, etag.replace('"', "&quot;"))
                       for key, size, etag in objects)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p/api/</Prefix>'
            '<KeyCount>%d</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>%s</ListBucketResult>'
            % (len(objects), contents)).encode()


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
        listing = "list-type=2" in self.path
        if MODE == "corrupt":
            if listing:
                self.reply(200, page([("p/api/1700000000000-0123456789abcdef.pb.gz", 8, '"0123456789abcdef0123456789abcdef"')]))
            else:
                self.reply(200, b"corrupt!")
        elif MODE == "disorder":
            self.reply(200, page([("p/api/1700000000002-0123456789abcdef.pb.gz", 8, '"x"'),
                                  ("p/api/1700000000001-0123456789abcdef.pb.gz", 8, '"x"'),
                                  ("p/api/1700000000003-0123456789abcdef.pb.gz", 8, '"x"')]))
        elif MODE.startswith("badxml:"):
            if n <= int(MODE.split(":")[1]):
                self.reply(200, b'<?xml version="1.0"?><ListBucketResult><Contents><Key>p/a')
            else:
                self.reply(200, EMPTY_PAGE)
        elif MODE.startswith("fail:"):
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
