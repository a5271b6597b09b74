"""What a worker does with a job: the one module of the engine that imports WeasyPrint.

The building process never imports this module (an up-to-date build costs a fraction of a
second, and a process that only schedules needs no layout engine); a local worker process
has it imported before the build needs it (engine.local preloads it), and so has a Dask
worker's job server (engine.jobserver, which runs the local executor).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from pressroom.engine.jobs import (
    EpubJob,
    EpubPayload,
    Imposed,
    ImposeJob,
    JoinJob,
    Layout,
    LayoutJob,
    Made,
)
from pressroom.epub.cover import cover_png
from pressroom.epub.package import render_epub
from pressroom.epub.units import filter_document, plan
from pressroom.printing.artifacts import mark_pagination_artifacts
from pressroom.printing.imposition import impose_booklet
from pressroom.printing.join import join
from pressroom.printing.layout import render_pdf
from pressroom.printing.placement import place_pages
from pressroom.printing.sourcetags import tag_source_pages


def lay_out(job: LayoutJob) -> Layout:
    start = time.perf_counter()
    rendered = render_pdf(job.html, job.project_root, variant=job.pdf_variant,
                          draft=job.draft, first_page=job.first_page)
    # Running heads and folios as artifacts (WeasyPrint leaves them outside the tree).
    data = mark_pagination_artifacts(rendered.data) if rendered.data else rendered.data
    # A draft with wrong numbers has no data: nothing to place.
    if job.inserts and data:
        data = place_pages(data, rendered.placements, job.inserts)
        data = tag_source_pages(data, rendered.placements, job.inserts)
    return Layout(data, rendered.pages, rendered.page_map, rendered.warnings,
                  time.perf_counter() - start, False,
                  {k: list(v) for k, v in rendered.printed_pages.items()},
                  rendered.bookmarks)


def join_pieces(job: JoinJob) -> Made:
    start = time.perf_counter()
    return Made(join(job.pieces), time.perf_counter() - start, False)


def impose(job: ImposeJob) -> Imposed:
    start = time.perf_counter()
    data, sheets = impose_booklet(job.pieces, job.sheet)
    return Imposed(data, sheets, time.perf_counter() - start, False)


def make_epub(job: EpubJob) -> Made:
    start = time.perf_counter()
    p: EpubPayload = job.payload
    p.scratch_dir.mkdir(parents=True, exist_ok=True)
    document = json.loads(p.document.read_text(encoding="utf-8"))
    # The cover is laid out only when its metadata, templates or tools changed.
    cover = p.cover if p.cover is not None else cover_png(p.edition, p.templates_dir)
    with tempfile.TemporaryDirectory(prefix=".epub-", dir=p.scratch_dir) as work:
        text, units = filter_document(document, p.metadata, plan(document, p.page_map),
                                      p.known, p.limits)
        filtered = Path(work) / "epub.json"
        filtered.write_text(text, encoding="utf-8")
        data = render_epub(p.edition, filtered, p.metadata, p.templates_dir, Path(work),
                           page_map=p.page_map, page_source=p.page_source,
                           sources=p.sources, limits=p.limits, cover=cover)
    fresh = tuple((key, unit) for key, unit, known in zip(p.unit_keys, units, p.known,
                                                          strict=True) if known is None)
    return Made(data, time.perf_counter() - start, False, fresh,
                cover if p.cover is None else None)


_RUNNERS = {LayoutJob: lay_out, ImposeJob: impose, EpubJob: make_epub, JoinJob: join_pieces}


def run(job: Any) -> Any:
    """Run one job, in whichever process or machine was given it."""
    return _RUNNERS[type(job)](job)
