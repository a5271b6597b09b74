"""Watch mode: rebuild on every save, and a live preview page on localhost.

The watcher (watchfiles) waits for changes under the sources and templates and rebuilds the
preview PDF (the A4 reading edition; everything else waits for `inv build`); the build's
caches make that cost only what the change touches. A small HTTP server on 127.0.0.1 serves a
page that shows the latest PDF and reloads it when a rebuild finishes; an error is shown on the
page as the one line the command line would print, and the watcher goes on.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

from .errors import PressroomError
from .pipeline import Settings, build


@dataclass
class Status:
    """What the preview page polls: which rebuild this is, and its PDF or its error."""

    generation: int = 0
    ok: bool = False
    building: bool = True
    error: str = ""
    pdf: Path | None = None
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def as_json(self) -> bytes:
        with self.lock:
            return json.dumps({"generation": self.generation, "ok": self.ok,
                               "building": self.building, "error": self.error,
                               "seconds": round(self.seconds, 2)}).encode("utf-8")


def rebuild_preview(settings: Settings, status: Status,
                    say: Callable[[str], None] = lambda _m: None) -> None:
    """One rebuild of the preview PDF; the outcome (PDF or error line) goes into status."""
    with status.lock:
        status.building = True
    start = time.perf_counter()
    try:
        outputs = build(settings, formats=("pdf",), papers=("a4",), kinds=("reading",))
        pdf = next(o.path for o in outputs if o.format == "pdf")
        ok, error = True, ""
    except PressroomError as exc:
        pdf, ok, error = None, False, f"error: {exc}"
    seconds = time.perf_counter() - start
    with status.lock:
        status.generation += 1
        status.ok, status.error, status.seconds, status.building = ok, error, seconds, False
        if pdf is not None:
            status.pdf = pdf
    say(error or f"preview rebuilt in {seconds:.1f} s")


def _handler(status: Status) -> type[BaseHTTPRequestHandler]:
    page = resources.files("pressroom").joinpath("preview.html").read_bytes()

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


def watched(settings: Settings) -> list[Path]:
    return [settings.content_dir, settings.templates_dir]


def watch(settings: Settings, status: Status, say: Callable[[str], None] = print,
          stop: threading.Event | None = None, paths: Iterable[Path] | None = None) -> None:
    """Rebuild the preview now and after every batch of changes, until stop is set."""
    import watchfiles

    rebuild_preview(settings, status, say)
    for changes in watchfiles.watch(*(paths or watched(settings)), stop_event=stop,
                                    debounce=150, step=50, rust_timeout=500,
                                    yield_on_timeout=False):
        names = sorted({Path(p).name for _, p in changes})
        say(f"changed: {', '.join(names[:5])}{' …' if len(names) > 5 else ''}")
        rebuild_preview(settings, status, say)
