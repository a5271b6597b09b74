"""The preview's web server: the page, the latest PDF and the build's status, on
127.0.0.1 only."""


from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from pressroom.preview.watch import Status


def _handler(status: Status) -> type[BaseHTTPRequestHandler]:
    page = resources.files("pressroom.preview").joinpath("preview.html").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/":
                self._send(200, "text/html; charset=utf-8", page)
            elif path == "/status":
                self._send(200, "application/json", status.as_json())
            elif path == "/preview.pdf" and status.pdf is not None and status.pdf.exists():
                self._send(200, "application/pdf", status.pdf.read_bytes())
            else:
                self._send(404, "text/plain; charset=utf-8", b"not found\n")

        def _send(self, code: int, kind: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the console shows rebuilds, not every poll

    return Handler


def serve(status: Status, port: int = 0) -> ThreadingHTTPServer:
    """Start the preview server on 127.0.0.1 (port 0: any free port) in a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(status))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
