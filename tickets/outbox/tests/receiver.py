"""A real local HTTP receiver for webhook tests: checks each signature, counts deliveries by
event id, and can fail, redirect, or hold requests on demand."""

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tickets.outbox.signing import SIGNATURE_HEADER, signature_verify


class Receiver:
    def __init__(self, secret: str):
        self.secret = secret
        self.received: list[dict] = []  # verified bodies, in arrival order
        self.bad_signatures = 0
        self.requests = 0
        self.fail_next = 0  # answer 500 to this many requests
        self.status = 200
        self.redirect_to = ""
        self.hold = threading.Event()  # while cleared with holding on: requests wait
        self.holding = False
        self.held = threading.Event()  # set when a request started waiting
        self.delay = 0.0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers["Content-Length"])
                body = self.rfile.read(length)
                if len(body) < length:
                    # The sender died mid-request (a killed dispatcher): no request arrived, as a
                    # real server would see it; it is delivered again later.
                    self.close_connection = True
                    return
                ok = signature_verify(
                    secret=receiver.secret,
                    header=self.headers.get(SIGNATURE_HEADER, ""),
                    body=body,
                    now=int(time.time()),
                )
                with receiver.lock:
                    receiver.requests += 1
                    failing = receiver.fail_next > 0
                    receiver.fail_next -= failing
                if receiver.holding:
                    receiver.held.set()
                    receiver.hold.wait(30)
                if receiver.delay:
                    time.sleep(receiver.delay)
                if receiver.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", receiver.redirect_to)
                    self.end_headers()
                    return
                status = 500 if failing else receiver.status
                if ok and not failing and 200 <= status < 300:
                    with receiver.lock:
                        receiver.received.append(json.loads(body))
                elif not ok:
                    with receiver.lock:
                        receiver.bad_signatures += 1
                    status = 400
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def ids(self) -> Counter:
        with self.lock:
            return Counter(body["id"] for body in self.received)

    def close(self):
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()
