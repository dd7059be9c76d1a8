#!/usr/bin/env python3
"""A small Pgyer webhook receiver with the bugs such receivers ship, for README's `hookctl fuzz` example.

    python3 examples/pgyer_receiver.py 3000      # then: hookctl fuzz 'pgyer.*' --to http://127.0.0.1:3000/hooks
"""
import json
import struct
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ICONS = {"iOS": "apple"}  # every example Pgyer shows says iOS


class Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            event = json.loads(body)
        except ValueError:
            return self.answer(400, b"not JSON")
        if not isinstance(event, dict) or "type" not in event:
            return self.answer(400, b"not a Pgyer webhook")
        title = event.get("title", "")
        if len(title) > 255:  # VARCHAR(255)
            raise ValueError("value too long for column title")
        struct.pack("<i", event.get("timestamp", 0))  # stored as a 32-bit int
        icon = ICONS[event.get("device_type", "iOS")]
        self.answer(200, json.dumps({"ok": True, "icon": icon}).encode())

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except Exception as error:  # what a framework does with an uncaught exception: a 500
            self.answer(500, f"Internal Server Error: {error}".encode())

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 3000), Handler).serve_forever()
