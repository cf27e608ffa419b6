#!/usr/bin/env python3
"""http_server.py — the local HTTP endpoint of the t_http_*.sh tests.

Usage: http_server.py PORT_FILE LOG_FILE
Listens on 127.0.0.1 on a free port chosen by the kernel, writes the port to PORT_FILE
once it is listening, and appends one JSON line per request to LOG_FILE (method, path,
lower-cased headers, body) so a test can check what pg_durable actually sent.

Endpoints (any method):
  /echo          200 JSON {method, path, headers, body} of the request
  /json          200 application/json {"hello":"world","n":42}
  /binary        200 application/octet-stream, bytes 0..255
  /status/<n>    <n> with a text body "status <n>" (longer for /status/500?long)
  /redirect      302 Location: /json (must not be followed)
  /slow?s=<n>    waits n seconds, then 200 "slow done"
  /latin1        200 text/plain; charset=iso-8859-1 "caf\xe9"
  /big?n=<n>     200 application/octet-stream, n bytes of "a"
  /upload        parses multipart/form-data; 200 JSON [{name, filename, content_type, size, sha256}]
  /flaky/<k>/<n> 500 for the first n requests with path key k, then 200 "paid <k>"
"""
import email.parser
import email.policy
import hashlib
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORT_FILE, LOG_FILE = sys.argv[1], sys.argv[2]
LOG_LOCK = threading.Lock()
FLAKY_SEEN = {}  # /flaky/<k>/<n>: requests seen per key


def parse_multipart(content_type, body):
    raw = b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    parts = []
    for part in msg.iter_parts():
        data = part.get_payload(decode=True) or b""
        parts.append({
            "name": part.get_param("name", header="content-disposition"),
            "filename": part.get_filename(),
            "content_type": part.get_content_type() if part.get("content-type") else None,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        })
    return parts


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def record(self, body):
        entry = {
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
        }
        with LOG_LOCK, open(LOG_FILE, "a") as f:
            f.write(json.dumps(entry) + "\n")
        return entry

    def reply(self, code, body, content_type="text/plain; charset=utf-8", extra=None):
        self.send_response(code)
        if content_type:
            self.send_header("Content-Type", content_type)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("X-Test-Server", "pg_durable")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        body = self.read_body()
        entry = self.record(body)
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query, keep_blank_values=True)
        if path == "/echo":
            self.reply(200, json.dumps(entry).encode(), "application/json")
        elif path == "/json":
            self.reply(200, b'{"hello":"world","n":42}', "application/json")
        elif path == "/binary":
            self.reply(200, bytes(range(256)), "application/octet-stream")
        elif path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            text = ("status %d " % code) + ("x" * 600 if "long" in query else "")
            self.reply(code, text.encode())
        elif path.startswith("/flaky/"):
            _, _, key, n = path.split("/")
            with LOG_LOCK:
                FLAKY_SEEN[key] = FLAKY_SEEN.get(key, 0) + 1
                seen = FLAKY_SEEN[key]
            if seen <= int(n):
                self.reply(500, ("flaky %s failure %d" % (key, seen)).encode())
            else:
                self.reply(200, ("paid %s" % key).encode())
        elif path == "/redirect":
            self.reply(302, b"moved", extra={"Location": "/json"})
        elif path == "/slow":
            time.sleep(float(query.get("s", ["30"])[0]))
            self.reply(200, b"slow done")
        elif path == "/latin1":
            self.reply(200, "café".encode("latin-1"), "text/plain; charset=iso-8859-1")
        elif path == "/big":
            self.reply(200, b"a" * int(query.get("n", ["0"])[0]), "application/octet-stream")
        elif path == "/upload":
            parts = parse_multipart(self.headers.get("Content-Type", ""), body)
            self.reply(200, json.dumps(parts).encode(), "application/json")
        else:
            self.reply(404, b"not found")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients that give up (timeouts, cancelled steps) are part of the tests.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    server = Server(("127.0.0.1", 0), Handler)
    with open(PORT_FILE + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))

    os.rename(PORT_FILE + ".tmp", PORT_FILE)
    server.serve_forever()


if __name__ == "__main__":
    main()
