"""A sink for deliveries: takes every POST on any loopback address it is reached at, answers
202, and counts requests per Host. GET /count answers the counts as JSON. For
bench/federation.sh: one process stands for a thousand servers (127.x.y.z all reach it)."""
import collections
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counts = collections.Counter()
lock = threading.Lock()
first = last = 0.0


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        global first, last
        with lock:
            counts[self.headers.get("Host", "")] += 1
            last = time.time()
            first = first or last
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with lock:
            body = json.dumps(
                {"requests": sum(counts.values()), "hosts": len(counts), "first": first, "last": last}
            ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer.request_queue_size = 2048
ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), Sink).serve_forever()
