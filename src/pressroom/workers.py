"""Run WeasyPrint layouts in worker processes: in parallel, cached, bounded in time and memory.

Each layout is a job: the print HTML of one variant and what it may read. A job whose key (a
hash of the HTML, the code, the tool versions and the fonts) is in the cache is not laid out
again. The others run in forked processes, at most ``jobs`` at a time, each under an
address-space limit and a deadline: a layout that runs away is killed and named, and the
memory of one layout is returned to the system when its process ends, so a long reader's
peak stays that of its largest layout.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from ._io import release_inherited_locks
from ._run import DEFAULT_LIMITS, WHERE_TO_RAISE, Limits
from .cache import Cache, code_version, digest, fonts_fingerprint, tool_versions
from .errors import LimitError, PressroomError, RenderError
from .pdfreading import Insert, place_pages


@dataclass(frozen=True)
class LayoutJob:
    name: str  # what progress and errors call it, e.g. "PDF, A4"
    html: str
    project_root: Path
    pdf_variant: str | None = "pdf/ua-1"
    strict: bool = False
    #: Booklets: the sheet (width, height in points) the pages are imposed on, two up, in the
    #: same worker, so that imposing runs in parallel too and is cached with the layout.
    sheet: tuple[float, float] | None = None
    #: What the layout is of, when that is not the HTML's text itself: the page with its
    #: cross-references' page numbers, however those are written (pipeline.lay_out).
    identity: str = ""
    #: PDF readings' source pages, drawn into their placeholders after the layout and before
    #: imposition (pdfreading.place_pages).
    inserts: tuple[Insert, ...] = ()
    #: Not the last round of a variant's page numbers: if they come out wrong, no PDF is
    #: written (pdf.render_pdf), since the variant is laid out again. Not in the key: a
    #: draft with right numbers is the same layout.
    draft: bool = False

    @property
    def key(self) -> str:
        return digest("layout", self.identity or self.html, str(self.pdf_variant),
                      str(self.strict), repr(self.inserts),
                      str(self.project_root), str(self.sheet), code_version(),
                      tool_versions(), fonts_fingerprint())


@dataclass(frozen=True)
class Layout:
    """A finished layout: the PDF, its page map and where each id fell."""

    data: bytes
    #: Pages of the PDF written: for a booklet, the imposed sides (two per sheet).
    pages: int
    page_map: tuple[dict, ...]
    anchor_pages: dict[str, int]
    warnings: tuple[str, ...]
    seconds: float
    reused: bool
    #: The page numbers printed after links, by target id (pdf.printed_pages).
    printed_pages: dict[str, list[int]]


def _as_record(layout: Layout) -> dict:
    return {"pages": layout.pages, "page_map": list(layout.page_map),
            "anchor_pages": layout.anchor_pages, "warnings": list(layout.warnings),
            "seconds": layout.seconds, "printed_pages": layout.printed_pages}


def _lay_out(job: LayoutJob) -> Layout:
    from . import pdf  # WeasyPrint is imported where it is used, never by a no-op build

    start = time.perf_counter()
    rendered = pdf.render_pdf(job.html, job.project_root, variant=job.pdf_variant,
                              strict=job.strict, draft=job.draft)
    starts = tuple({"page": s.number, "block": s.block, "offset": s.offset}
                   for s in rendered.page_starts)
    data, pages = rendered.data, rendered.pages
    # A draft with wrong numbers has no data: nothing to place or impose.
    if job.inserts and data:
        data = place_pages(data, rendered.placements, job.inserts)
    if job.sheet and data:
        from .imposition import impose_booklet

        data, sheets = impose_booklet(data, job.sheet)
        pages = 2 * sheets
    return Layout(data, pages, starts, rendered.anchor_pages,
                  rendered.warnings, time.perf_counter() - start, False,
                  {k: list(v) for k, v in rendered.printed_pages.items()})


def _child(job: LayoutJob, memory_mb: int, conn: Connection) -> None:
    release_inherited_locks()
    try:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        conn.send(("ok", _lay_out(job)))
    except PressroomError as exc:
        conn.send(("error", str(exc)))
    except MemoryError:
        conn.send(("memory", ""))
    except BaseException as exc:  # a bug: report it whole rather than hang the parent
        conn.send(("bug", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _workers(limits: Limits) -> int:
    """Layouts at once: by default one more than the cores. Layouts take about as long as
    each other, so with one a core the last of an odd number runs alone while the other
    cores idle; one more keeps every core busy to the end (five layouts on two cores: two
    and a half layouts' time instead of three)."""
    return limits.layout_jobs or len(os.sched_getaffinity(0)) + 1


def _cached(job: LayoutJob, cache: Cache) -> Layout | None:
    record = cache.get_json("layout", job.key)
    data = cache.get("layout", job.key, ".pdf")
    if not isinstance(record, dict) or data is None:
        return None
    return Layout(data, record["pages"], tuple(record["page_map"]), record["anchor_pages"],
                  tuple(record["warnings"]), record["seconds"], True,
                  record.get("printed_pages", {}))


def run_layouts(jobs: Sequence[LayoutJob], cache: Cache, limits: Limits = DEFAULT_LIMITS,
                report: Callable[[str, Layout], None] | None = None,
                then: Callable[[LayoutJob, Layout], LayoutJob | None] | None = None,
                ) -> dict[str, Layout]:
    """Lay out every job (from the cache where its key is there); results by job name.

    Jobs start in the order given (put the longest first). ``then`` is told of each finished
    layout and may answer with a job to run next in its place (the same name): a variant
    whose page numbers must be laid out again goes back in the queue at once, instead of
    waiting for the others to finish.
    """
    results: dict[str, Layout] = {}
    pending: list[LayoutJob] = []

    def finished(job: LayoutJob, layout: Layout) -> None:
        results[job.name] = layout
        if report:
            report(job.name, layout)
        follow = then(job, layout) if then else None
        if follow is not None:
            queue(follow)

    def queue(job: LayoutJob) -> None:
        layout = _cached(job, cache)
        if layout is None:
            pending.append(job)
        else:
            finished(job, layout)

    for job in jobs:
        queue(job)
    context = multiprocessing.get_context("fork")
    running: dict[Connection, tuple[LayoutJob, multiprocessing.Process, float]] = {}
    try:
        while pending or running:
            while pending and len(running) < _workers(limits):
                job = pending.pop(0)
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(job, limits.layout_memory_mb,
                                                               send), daemon=True)
                process.start()
                send.close()
                running[receive] = (job, process, time.monotonic())
            deadline = min(t + limits.layout_seconds for _, _, t in running.values())
            ready = wait(list(running), timeout=max(0.0, deadline - time.monotonic()))
            if not ready:
                job = next(j for j, _, t in running.values()
                           if t + limits.layout_seconds <= time.monotonic())
                raise LimitError(f"{job.name}: layout stopped after {limits.layout_seconds:g} s "
                                 f"(limit layout_seconds; {WHERE_TO_RAISE})")
            for conn in ready:
                job, process, _ = running.pop(conn)
                try:
                    status, value = conn.recv()
                except EOFError:
                    status, value = "died", ""
                conn.close()
                process.join()
                if status == "ok":
                    if value.data:  # a draft that was not written is not kept
                        remember(cache, job, value)
                    finished(job, value)
                elif status == "error":
                    raise RenderError(value)
                elif status == "memory":
                    raise LimitError(
                        f"{job.name}: layout ran out of memory (limit layout_memory_mb = "
                        f"{limits.layout_memory_mb}; {WHERE_TO_RAISE})")
                elif status == "died":
                    # Native code (Pango, HarfBuzz) that cannot allocate aborts the process.
                    raise LimitError(
                        f"{job.name}: layout process died (exit code {process.exitcode}), most "
                        f"likely out of memory (limit layout_memory_mb = "
                        f"{limits.layout_memory_mb}; {WHERE_TO_RAISE})")
                else:
                    raise RenderError(f"{job.name}: layout failed: {value}")
    finally:
        for _, process, _ in running.values():
            process.kill()
            process.join()
    return results


def remember(cache: Cache, job: LayoutJob, layout: Layout) -> None:
    """Keep a layout in the cache under the job's key."""
    cache.put("layout", job.key, ".pdf", layout.data)
    cache.put_json("layout", job.key, _as_record(layout))


def page_map_json(layout: Layout) -> str:
    """The page map recorded beside a PDF: where each page begins and where each id fell."""
    return json.dumps({"pages": list(layout.page_map), "anchors": layout.anchor_pages},
                      indent=1, sort_keys=True, ensure_ascii=False) + "\n"
