#!/usr/bin/env python3
"""Receivers with one seeded bug each (or none: `strict`), for scripts/bench-fuzz.sh: the same receivers for
`hookctl fuzz` and for Schemathesis.

    python3 scripts/fuzz-receivers.py BUG PORT [SCHEMA_DIR]     # SCHEMA_DIR: strict only (NAME.schema.json files)
"""
import json
import os
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BUG = sys.argv[1]
SEEN = set()
LOCK = threading.Lock()


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)


def pointer(body, *path):
    for key in path:
        if not isinstance(body, dict) or key not in body:
            return KeyError
        body = body[key]
    return body


BUGS = {
    "non-ascii": lambda b, raw: any(not s.isascii() for s in strings(b)),
    "int32": lambda b, raw: struct.pack("<i", b.get("timestamp", 0)) and False,
    "long-string": lambda b, raw: any(len(s) > 255 for s in strings(b)),
    "enum-android": lambda b, raw: b.get("device_type") == "Android",
    "missing-object": lambda b, raw: "data" not in b,
    "null": lambda b, raw: pointer(b, "data", "user", "name") is None,
    "number-for-string": lambda b, raw: isinstance(pointer(b, "data", "user", "credit"), (int, float)),
    "empty-array": lambda b, raw: pointer(b, "Configuration", "multiCustomSelectFieldName") == [],
}


def strict_validators(directory):
    import jsonschema

    found = []
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name)) as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        found.append((schema, cls(schema, format_checker=cls.FORMAT_CHECKER)))
    return found


VALIDATORS = strict_validators(sys.argv[3]) if BUG == "strict" else []


def parses(root, schema, value):
    """What a careful receiver does beyond validating: parse every JSON-text field itself."""
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        schema = target
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return any(parses(root, branch, value) for branch in schema[key])
    if isinstance(value, str) and "contentMediaType" in schema:
        try:
            json.loads(value)
        except ValueError:
            return False
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return all(parses(root, props.get(k, {}), v) for k, v in value.items() if isinstance(props.get(k), dict))
    return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out together, not 40 ms apart

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            body = json.loads(raw)
        except ValueError:
            return self.answer(400, b"not JSON")
        if not isinstance(body, dict):
            return self.answer(400, b"not an object")
        if BUG == "strict":
            ok = any(v.is_valid(body) and parses(s, s, body) for s, v in VALIDATORS)
            return self.answer(200 if ok else 422, b"{}")
        if BUG == "extra-key" and set(body) - {"type", "data"}:
            return self.answer(400, b"unknown field")
        if BUG == "slow-large" and len(raw) > 8192:
            time.sleep(3)
        if BUG == "duplicate":
            with LOCK:
                if raw in SEEN:
                    return self.answer(500, b"duplicate key value violates unique constraint")
                SEEN.add(raw)
        try:
            if BUGS.get(BUG, lambda b, r: False)(body, raw):
                return self.answer(500, b"Internal Server Error")
        except Exception as error:
            return self.answer(500, f"Internal Server Error: {error}".encode())
        self.answer(200, b"{}")

    def refuse_method(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        self.answer(405, b"method not allowed")

    do_GET = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_TRACE = refuse_method

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler).serve_forever()
