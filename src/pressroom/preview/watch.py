"""Watch mode: rebuild on every save, and a live preview page on localhost.

The watcher (watchfiles) waits for changes under the sources and templates. When the change
is to one reading of a collection that has been built before, only that reading is laid out
again, with the page numbers it has in the volume (from the page map the last A4 layout
recorded), and the preview shows it: an editor fixing a typo in reading 7 of 12 waits for one
reading, not twelve. Any other change rebuilds the A4 edition, which the build's caches make
cost only what the change touches; everything else waits for `inv build`. A small HTTP server
on 127.0.0.1 serves a page that shows the latest PDF and reloads it when a rebuild finishes;
an error is shown on the page as the one line the command line would print, and the watcher
goes on.
"""


from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import watchfiles

from pressroom.engine.build import build
from pressroom.engine.executors import executor_for
from pressroom.engine.handout import handout_layouts
from pressroom.engine.prepare import prepare
from pressroom.engine.settings import Settings
from pressroom.errors import PressroomError
from pressroom.files import build_lock, write_bytes_atomic
from pressroom.papers import HANDOUT_VARIANTS, PAGE_SOURCE
from pressroom.printing.pagemap import PageMap
from pressroom.reports.permissions import reading_pages
from pressroom.sources.load import load_edition


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


PREVIEW_DIR = ".preview"


def preview_reading(settings: Settings, changed: Iterable[Path]) -> Path | None:
    """Lay out the one reading the change touched, numbered as in the volume's last A4
    layout; its PDF, or None when the change is not to exactly one reading of a collection
    built before (then the whole A4 edition is rebuilt)."""
    changed = {Path(p).resolve() for p in changed}
    with build_lock(settings.build_dir):
        prepared = prepare(settings)
        touched = [r for r in prepared.edition.readings if r.path.resolve() in changed
                   or (r.pdf is not None and r.pdf.path.resolve() in changed)]
        recorded = settings.out_dir / f"{prepared.id}{PAGE_SOURCE.suffix}"
        page_map = recorded.with_suffix(".pagemap.json")
        if len(touched) != 1 or len(changed) != 1 or not page_map.exists():
            return None
        reading = touched[0]
        first, last = reading_pages(reading, PageMap.load(page_map).anchors)
        with executor_for(settings) as executor:
            laid_out = handout_layouts(settings, prepared, reading, first, last,
                                       variants=HANDOUT_VARIANTS[:1], executor=executor)
        _, layout = next(iter(laid_out.values()))
        path = settings.out_dir / PREVIEW_DIR / f"{prepared.id}-{reading.id}.pdf"
        write_bytes_atomic(path, layout.data)
        return path


def rebuild_preview(settings: Settings, status: Status,
                    say: Callable[[str], None] = lambda _m: None,
                    changed: Iterable[Path] = ()) -> None:
    """One rebuild of the preview PDF; the outcome (PDF or error line) goes into status."""
    with status.lock:
        status.building = True
    start = time.perf_counter()
    try:
        pdf = preview_reading(settings, changed) if changed else None
        if pdf is None:
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


def watched(settings: Settings) -> list[Path]:
    """The collection's folder, the templates, and the folders of every source it reads (a
    reader's readings may live beside another collection)."""
    folders = {settings.content_dir.resolve(), settings.templates_dir.resolve()}
    try:
        edition = load_edition(settings.edition, max_source_mb=settings.limits.source_mb)
        folders |= {p.resolve().parent for p in edition.sources}
    except PressroomError:
        pass  # the first rebuild shows the error; the collection's folder is watched
    # A folder inside another watched one is watched through it.
    return sorted(f for f in folders if not any(f != g and f.is_relative_to(g)
                                                for g in folders))


def watch(settings: Settings, status: Status, say: Callable[[str], None] = print,
          stop: threading.Event | None = None, paths: Iterable[Path] | None = None) -> None:
    """Rebuild the preview now and after every batch of changes, until stop is set."""
    rebuild_preview(settings, status, say)
    for changes in watchfiles.watch(*(paths or watched(settings)), stop_event=stop,
                                    debounce=150, step=50, rust_timeout=500,
                                    yield_on_timeout=False):
        paths = sorted({Path(p) for _, p in changes})
        names = [p.name for p in paths]
        say(f"changed: {', '.join(names[:5])}{' …' if len(names) > 5 else ''}")
        rebuild_preview(settings, status, say, paths)
