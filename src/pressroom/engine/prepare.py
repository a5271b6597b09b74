"""Prepare a collection for the writers: load and check its sources, format its citations,
assemble it through Jinja and convert it to one Pandoc document (build/edition.json).

The documents are written to a scratch folder in the cache (build/.cache/prepared/), which
the writers read; they reach build/ with the build's other outputs (stage_prepared), so a
build that fails after assembling leaves build/edition.md and its siblings as they were.
"""


from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from pressroom.assemble.chunks import Handout, assemble
from pressroom.assemble.document import Unit, build_document, units_of
from pressroom.engine.settings import Settings
from pressroom.errors import LimitError
from pressroom.files import Staging, write_text_atomic
from pressroom.sources.citations import Citation, render_citations
from pressroom.sources.edition import Edition
from pressroom.sources.load import load_edition
from pressroom.sources.pdffile import describe_pages
from pressroom.sources.pdfmaterial import PdfMaterial, prepare_pdf

log = logging.getLogger(__name__)

#: Where the prepared documents are written for the writers, under the cache's root.
SCRATCH = "prepared"


@dataclass(frozen=True)
class Prepared:
    edition: Edition
    markdown: Path
    metadata: Path
    #: The edition as one Pandoc document (JSON AST), what the HTML and EPUB writers read.
    document: Path
    citations: Mapping[str, Citation]
    handout: bool = False
    #: CSS added after the paper's sheet (a handout's first page number).
    extra_css: str = ""
    #: The PDF readings' pages, text and ink, by reading id (pdfreading.prepare_pdf).
    pdfs: Mapping[str, PdfMaterial] = field(default_factory=dict)
    #: The document itself, as written to ``document``: the building process reads it from
    #: here, not again from the file (6 MB of JSON for a reader of twenty readings).
    tree: Mapping[str, Any] = field(kw_only=True, compare=False, repr=False)

    @cached_property
    def units(self) -> list[Unit]:
        """The document's units, shared by the print body and the EPUB's plan (so each
        unit's JSON text is made once)."""
        return units_of(self.tree)

    @property
    def tagged(self) -> bool:
        """Whether every page of the volume is tagged, so that it may claim PDF/UA-1: a PDF
        reading's pages are tagged from their text layer (printing.sourcetags) unless one is
        a scan without text or has a figure its sidecar does not describe."""
        return all(material.taggable for material in self.pdfs.values())

    @property
    def reading_langs(self) -> dict[str, str | None]:
        """Each reading's language, where it has one of its own."""
        return {r.id: r.meta.lang for r in self.edition.readings}

    @property
    def id(self) -> str:
        return self.edition.config.id


def prepare(settings: Settings) -> Prepared:
    """Load and validate the sources, format the citations, and write edition.md (to read),
    edition.json (the document the writers read) and its metadata file, in the scratch
    folder: stage_prepared puts them among a build's outputs."""
    edition = load_edition(settings.edition, settings.boundary,
                           max_source_mb=settings.limits.source_mb,
                           max_pdf_mb=settings.limits.pdf_mb,
                           max_pdf_pages=settings.limits.pdf_pages)
    # citeproc (a Pandoc of its own) formats the citations while the chunks are converted.
    with ThreadPoolExecutor(1) as pool:
        citations = pool.submit(render_citations,
                                [r.source for r in edition.readings if r.source],
                                edition.csl, settings.limits)
        return write_prepared(settings, edition, citations.result, "edition",
                              pdfs=prepare_pdfs(settings, edition))


def prepare_pdfs(settings: Settings, edition: Edition) -> dict[str, PdfMaterial]:
    """The PDF readings' pages, text and ink (OCR'd first with ``settings.ocr``); says which
    readings are scans without text and that the volume cannot claim PDF/UA-1."""
    out: dict[str, PdfMaterial] = {}
    for reading in edition.readings:
        if reading.pdf is None:
            continue
        material = prepare_pdf(reading.id, reading.pdf, reading.meta.lang or
                               edition.config.language, settings.local_cache, ocr=settings.ocr,
                               limits=settings.limits)
        alts: dict[int, tuple[str | None, ...]] = {}
        for figure in getattr(reading.meta, "figures", ()):
            alts[figure.page - 1] = (*alts.get(figure.page - 1, ()),
                                     None if figure.decorative else figure.alt)
        material = replace(material, alts=alts)
        out[reading.id] = material
        for page in material.pages:
            described = len(alts.get(page.index, ()))
            if described != page.figures:
                line = reading.line_of("figures") if alts else None
                log.warning("%s%s: page %d of the PDF draws %d figure%s and the sidecar "
                            "describes %d%s", reading.path, f":{line}" if line else "",
                            page.index + 1, page.figures, "" if page.figures == 1 else "s",
                            described, " (figures: - page: …, alt: …): without alt text the "
                            "volume cannot claim PDF/UA-1" if page.figures > described else
                            "; the rest are not used")
        if material.scanned:
            many = len(material.scanned) > 1
            log.warning("%s: %s %s of the PDF %s without a text layer: %s cannot be searched "
                        "or read aloud, and the EPUB has no text for %s (build with --ocr to "
                        "recognise the text)", reading.pdf.path, "pages" if many else "page",
                        describe_pages(material.scanned),
                        "are scanned images" if many else "is a scanned image",
                        "they" if many else "it", "them" if many else "it")
        if material.blank:
            many = len(material.blank) > 1
            log.warning("%s: %s %s of the PDF %s blank, and reproduced as %s",
                        reading.pdf.path, "pages" if many else "page",
                        describe_pages(material.blank), "are" if many else "is",
                        "blank pages" if many else "a blank page")
    untagged = [str(r.pdf.path) for r in edition.readings
                if r.pdf is not None and not out[r.id].taggable]
    if untagged:
        log.warning("the print volume does not claim PDF/UA-1: the pages of %s %s cannot be "
                    "tagged (a scan without text, or a figure without alt text)",
                    "the PDF reading" if len(untagged) == 1 else "the PDF readings",
                    ", ".join(untagged))
    return out


def write_prepared(settings: Settings, edition: Edition,
                   citations: Mapping[str, Citation] | Callable[[], Mapping[str, Citation]],
                   stem: str, handout: Handout | None = None, extra_css: str = "",
                   pdfs: Mapping[str, PdfMaterial] | None = None) -> Prepared:
    """Assemble an edition (or a handout's one-reading edition) and write its documents.
    ``citations`` may be a function that waits for them: they are needed only once the
    chunks are converted."""
    pdfs = {r.id: pdfs[r.id] for r in edition.readings if pdfs and r.id in pdfs}
    assembled = assemble(edition, settings.templates_dir, handout, pdfs)
    document = build_document(assembled.chunks, citations, settings.limits, settings.cache)
    if callable(citations):
        citations = citations()
    # A collection's own: two collections prepared in one batch must not share it.
    scratch = settings.local_cache.root / SCRATCH / settings.collection_id
    markdown = scratch / f"{stem}.md"
    metadata = scratch / f"{stem}-meta.yaml"
    document_path = scratch / f"{stem}.json"
    _write_if_changed(markdown, assembled.markdown)
    _write_if_changed(metadata, assembled.metadata)
    _write_if_changed(document_path, json.dumps(document, ensure_ascii=False))
    return Prepared(edition, markdown, metadata, document_path, citations, handout is not None,
                    extra_css, pdfs, tree=document)


def stage_prepared(settings: Settings, prepared: Prepared, staging: Staging) -> None:
    """Stage the prepared documents under their own names, to reach build/ when the build
    commits; one whose bytes build/ has already is left alone, keeping its time stamp."""
    for path in (prepared.markdown, prepared.document, prepared.metadata):
        data = path.read_bytes()
        try:
            if (settings.out_dir / path.name).read_bytes() == data:
                continue
        except OSError:
            pass
        staging.write(path.name, data)


def _write_if_changed(path: Path, text: str) -> None:
    # Intermediates keep their time stamps when nothing changed, for tools that watch them.
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    write_text_atomic(path, text)


@contextlib.contextmanager
def blame_the_reading(prepared: Prepared) -> Iterator[None]:
    # Pandoc reads the joined build/edition.json; a limit it hits is the reading's doing
    # when the edition has one reading, so the error names the file the user can fix.
    try:
        yield
    except LimitError as exc:
        readings = prepared.edition.readings
        if exc.path == prepared.document and len(readings) == 1:
            raise LimitError(exc.message, path=readings[0].path) from exc
        raise
