"""TODO(workers.py)"""


from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from pressroom.cache import Cache, code_version, digest, fonts_fingerprint, tool_versions
from pressroom.printing.placement import Insert, place_pages


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
    #: written (layout.render_pdf), since the variant is laid out again. Not in the key: a
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
    #: The page numbers printed after links, by target id (layout.printed_pages).
    printed_pages: dict[str, list[int]]


def _as_record(layout: Layout) -> dict:
    return {"pages": layout.pages, "page_map": list(layout.page_map),
            "anchor_pages": layout.anchor_pages, "warnings": list(layout.warnings),
            "seconds": layout.seconds, "printed_pages": layout.printed_pages}


def _lay_out(job: LayoutJob) -> Layout:
    from pressroom.printing import layout

    start = time.perf_counter()
    rendered = layout.render_pdf(job.html, job.project_root, variant=job.pdf_variant,
                              strict=job.strict, draft=job.draft)
    starts = tuple({"page": s.number, "block": s.block, "offset": s.offset}
                   for s in rendered.page_starts)
    data, pages = rendered.data, rendered.pages
    # A draft with wrong numbers has no data: nothing to place or impose.
    if job.inserts and data:
        data = place_pages(data, rendered.placements, job.inserts)
    if job.sheet and data:
        from pressroom.printing.imposition import impose_booklet

        data, sheets = impose_booklet(data, job.sheet)
        pages = 2 * sheets
    return Layout(data, pages, starts, rendered.anchor_pages,
                  rendered.warnings, time.perf_counter() - start, False,
                  {k: list(v) for k, v in rendered.printed_pages.items()})


def _cached(job: LayoutJob, cache: Cache) -> Layout | None:
    record = cache.get_json("layout", job.key)
    data = cache.get("layout", job.key, ".pdf")
    if not isinstance(record, dict) or data is None:
        return None
    return Layout(data, record["pages"], tuple(record["page_map"]), record["anchor_pages"],
                  tuple(record["warnings"]), record["seconds"], True,
                  record.get("printed_pages", {}))


def remember(cache: Cache, job: LayoutJob, layout: Layout) -> None:
    """Keep a layout in the cache under the job's key."""
    cache.put("layout", job.key, ".pdf", layout.data)
    cache.put_json("layout", job.key, _as_record(layout))
