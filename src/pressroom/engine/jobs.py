"""The build's expensive steps as jobs: declared inputs, one output, a key, a cache entry.

A job is a frozen value holding everything its step reads (the print HTML and what it may
fetch, the pages to impose, the documents an EPUB is made of); its ``key`` is a hash of those
inputs and of the code, tool versions and fonts, so a job whose key is in the cache is never
run again. Jobs are pickled to whatever runs them (a local worker process, or another
machine), which calls ``pressroom.engine.work.run``; the building process reads and writes
the cache. None of this module imports WeasyPrint: it is the building process's side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pressroom.cache import Cache, code_version, digest, fonts_fingerprint, tool_versions
from pressroom.epub.units import Filtered
from pressroom.printing.pagemap import PageMap
from pressroom.printing.pieces import LaidPiece
from pressroom.printing.placement import Insert
from pressroom.sources.citations import Citation
from pressroom.sources.edition import Edition
from pressroom.tools.run import Limits


class Job(Protocol):
    """What the executor and the job graph need of a job."""

    name: str

    @property
    def key(self) -> str: ...

    def cached(self, cache: Cache) -> Any | None: ...

    def remember(self, cache: Cache, result: Any) -> None: ...


def _environment() -> tuple[str, str, str]:
    return code_version(), tool_versions(), fonts_fingerprint()


@dataclass(frozen=True)
class Layout:
    """A finished layout: the PDF, its page map and the page numbers it printed."""

    data: bytes
    #: Pages of the PDF written: for a booklet, the imposed sides (two per sheet).
    pages: int
    page_map: PageMap
    warnings: tuple[str, ...]
    seconds: float
    reused: bool
    #: The page numbers printed after links, by target id (printing.layout.printed_pages).
    printed_pages: dict[str, list[int]]
    #: The outline's entries: (level, label, open), for the join.
    bookmarks: tuple[tuple[int, str, bool], ...] = ()
    #: The pieces this build laid out (not taken from the cache), by name.
    laid_out: tuple[str, ...] = ()
    #: How many pieces the volume has.
    pieces: int = 1

    @property
    def anchor_pages(self) -> dict[str, int]:
        """The page each element id fell on."""
        return dict(self.page_map.anchors)


@dataclass(frozen=True)
class LayoutJob:
    """One WeasyPrint layout of one variant's print HTML, with its PDF readings' pages."""

    name: str  # what progress and errors call it, e.g. "PDF, a4"
    html: str
    project_root: Path
    pdf_variant: str | None = "pdf/ua-1"
    #: What the layout is of, when that is not the HTML's text itself: the page with its
    #: cross-references' page numbers, however those are written (engine.layout).
    identity: str = ""
    #: PDF readings' source pages, drawn into their placeholders after the layout
    #: (printing.placement.place_pages).
    inserts: tuple[Insert, ...] = ()
    #: Not the last round of a variant's page numbers: if they come out wrong, no PDF is
    #: written (printing.layout.render_pdf), since the variant is laid out again. Not in the
    #: key: a draft with right numbers is the same layout.
    draft: bool = field(default=False, compare=False)
    #: The page number of its first page in the volume.
    first_page: int = 1

    @property
    def key(self) -> str:
        return digest("layout", self.identity or self.html, str(self.pdf_variant),
                      repr(self.inserts), str(self.project_root), str(self.first_page),
                      *_environment())

    def cached(self, cache: Cache) -> Layout | None:
        record = cache.get_json("layout", self.key)
        data = cache.get("layout", self.key, ".pdf")
        if not isinstance(record, dict) or data is None:
            return None
        return Layout(data, record["pages"],
                      PageMap.from_records(record["page_map"], record["anchor_pages"]),
                      tuple(record["warnings"]), record["seconds"], True,
                      record.get("printed_pages", {}),
                      tuple((int(level), str(label), bool(is_open))
                            for level, label, is_open in record.get("bookmarks", [])))

    def remember(self, cache: Cache, layout: Layout) -> None:
        if not layout.data:  # a draft that was not written is not kept
            return
        cache.put("layout", self.key, ".pdf", layout.data)
        cache.put_json("layout", self.key, {
            "pages": layout.pages, "page_map": layout.page_map.records(),
            "anchor_pages": dict(layout.page_map.anchors), "warnings": list(layout.warnings),
            "seconds": layout.seconds, "printed_pages": layout.printed_pages,
            "bookmarks": [list(b) for b in layout.bookmarks]})


@dataclass(frozen=True)
class JoinJob:
    """A volume's pieces, each laid out alone, joined into one PDF (printing.join)."""

    name: str
    pieces: tuple[LaidPiece, ...] = field(repr=False)

    @property
    def key(self) -> str:
        return digest("join", *(digest(p.pdf, str(p.first_page), repr(p.bookmarks),
                                       str(p.continues)) for p in self.pieces),
                      *_environment())

    def cached(self, cache: Cache) -> Made | None:
        data = cache.get("join", self.key, ".pdf")
        return Made(data, 0.0, True) if data is not None else None

    def remember(self, cache: Cache, made: Made) -> None:
        cache.put("join", self.key, ".pdf", made.data)


@dataclass(frozen=True)
class ImposeJob:
    """A booklet: a volume's pieces, each laid out alone, imposed two up on a sheet for
    saddle stitching (printing.imposition); no joined PDF is made on the way."""

    name: str
    pieces: tuple[LaidPiece, ...] = field(repr=False)
    #: The sheet (width, height in points) the pages are imposed on.
    sheet: tuple[float, float] = (0.0, 0.0)

    @property
    def key(self) -> str:
        # By the pages' bytes and places: a piece reached by another way (its numbers
        # written as literals, not target-counter()) that comes out the same is imposed
        # as before.
        return digest("impose", *(digest(p.pdf, str(p.first_page)) for p in self.pieces),
                      str(self.sheet), *_environment())

    def cached(self, cache: Cache) -> Imposed | None:
        record = cache.get_json("impose", self.key)
        data = cache.get("impose", self.key, ".pdf")
        if not isinstance(record, dict) or data is None:
            return None
        return Imposed(data, int(record["sheets"]), float(record["seconds"]), True)

    def remember(self, cache: Cache, imposed: Imposed) -> None:
        cache.put("impose", self.key, ".pdf", imposed.data)
        cache.put_json("impose", self.key, {"sheets": imposed.sheets,
                                            "seconds": imposed.seconds})


@dataclass(frozen=True)
class Imposed:
    data: bytes
    sheets: int
    seconds: float
    reused: bool

@dataclass(frozen=True)
class EpubPayload:
    """What making the EPUB reads besides its key's text."""

    edition: Edition
    document: Path
    metadata: Path
    templates_dir: Path
    #: Where Pandoc's scratch files go: a private folder is made inside it.
    scratch_dir: Path
    page_map: PageMap
    page_source: str
    sources: tuple[Citation, ...]
    limits: Limits
    #: Each unit's key (epub.units.plan, in order), and its filtered blocks where the cache
    #: had them: the job filters the others.
    unit_keys: tuple[str, ...] = ()
    known: tuple[Filtered | None, ...] = ()
    #: What the cover is made from (the metadata and the templates, as text), and its PNG
    #: where the cache had it: an edit to the text does not lay the cover out again.
    cover_inputs: tuple[str, ...] = ()
    cover: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class EpubJob:
    """The EPUB, with page-break markers where the A4 page map says its pages begin: the
    document's units filtered (those the cache lacks), then Pandoc's EPUB writer."""

    name: str
    #: What the key is made of besides the units' keys: the metadata, the templates the EPUB
    #: reads, the page map and the page source as text (engine.ebook).
    inputs: tuple[str, ...]
    #: What the worker needs to make it (engine.work.make_epub): the edition, the paths of
    #: its Pandoc document and metadata, the templates, the page map, the citations, limits,
    #: the units' keys and the filtered units known.
    payload: EpubPayload = field(repr=False, compare=False)

    @property
    def key(self) -> str:
        return digest("epub", *self.inputs, *self.payload.unit_keys, *_environment())

    def cached(self, cache: Cache) -> Made | None:
        data = cache.get("epub", self.key, ".epub")
        return Made(data, 0.0, True) if data is not None else None

    def remember(self, cache: Cache, made: Made) -> None:
        cache.put("epub", self.key, ".epub", made.data)
        for key, unit in made.units:
            remember_unit(cache, key, unit)
        if made.cover is not None:
            cache.put("epub-cover", cover_key(self.payload.cover_inputs), ".png", made.cover)


def cover_key(inputs: tuple[str, ...]) -> str:
    """The EPUB cover's key: what it is made from, the code, tools and fonts."""
    return digest("epub-cover", *inputs, *_environment())


def known_unit(cache: Cache, key: str) -> Filtered | None:
    """A unit of the EPUB's document filtered by an earlier build, if the cache has it."""
    blocks = cache.get("epub-unit", key, ".blocks")
    record = cache.get_json("epub-unit", key)
    if blocks is None or not isinstance(record, dict):
        return None
    return Filtered(blocks.decode("utf-8"), tuple(record["ids"]), tuple(record["links"]))


def remember_unit(cache: Cache, key: str, unit: Filtered) -> None:
    cache.put("epub-unit", key, ".blocks", unit.blocks.encode("utf-8"))
    cache.put_json("epub-unit", key, unit.record())


@dataclass(frozen=True)
class Made:
    data: bytes
    seconds: float
    reused: bool
    #: An EPUB's units filtered by the job, by key, for the cache.
    units: tuple[tuple[str, Filtered], ...] = ()
    #: An EPUB's cover PNG, where the job made it, for the cache.
    cover: bytes | None = field(default=None, repr=False)
