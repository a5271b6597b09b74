"""The preview's web server: the page, the latest PDF and the build's status, on
127.0.0.1 only."""


from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from pressroom.preview.watch import Status

#: The names this server answers to: a page on another name (DNS rebinding: evil.example
#: resolving to 127.0.0.1) gets nothing from it.
_LOOPBACK_HOST = re.compile(r"(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?", re.IGNORECASE)


def is_loopback_host(values: list[str]) -> bool:
    """Exactly one Host header, naming 127.0.0.1, localhost or [::1], with or without port."""
    return len(values) == 1 and _LOOPBACK_HOST.fullmatch(values[0].strip()) is not None


def _handler(status: Status) -> type[BaseHTTPRequestHandler]:
    page = resources.files("pressroom.preview").joinpath("preview.html").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if not is_loopback_host(self.headers.get_all("Host") or []):
                self._send(421, "text/plain; charset=utf-8", b"")
            elif path == "/":
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
