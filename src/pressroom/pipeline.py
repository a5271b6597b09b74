"""The build, top to bottom: load, assemble, render each output, write the manifest."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import epub, html, imposition, pdf
from ._io import write_bytes_atomic, write_text_atomic
from ._run import DEFAULT_LIMITS, Limits
from .assemble import assemble
from .content import Edition, load_edition
from .errors import ConfigError, LimitError
from .fetcher import check_html

log = logging.getLogger(__name__)

FORMATS = ("html", "pdf", "epub")
#: The print edition whose page numbers the EPUB's page list follows.
PAGE_SOURCE = "a4"


@dataclass(frozen=True)
class Paper:
    name: str
    stylesheet: str  # in templates/: page size and margins; print.css does the rest
    label: str


#: Reading editions (inv pdf --paper) and the pages the booklets are made of.
PAPERS: dict[str, Paper] = {
    "a4": Paper("a4", "page-a4.css", "A4"),
    "letter": Paper("letter", "page-letter.css", "US Letter"),
}
BOOKLET_PAGES: dict[str, Paper] = {
    "a4": Paper("a5", "page-a5.css", "A5"),
    "letter": Paper("halfletter", "page-halfletter.css", "half letter"),
}
DEFAULT_PAPERS = ("a4", "letter")


@dataclass(frozen=True)
class Settings:
    """Where things are; the tasks fill this from their configuration."""

    project_root: Path
    content_dir: Path
    templates_dir: Path
    build_dir: Path
    #: Treat renderer warnings (an unknown CSS property, a missing glyph) as errors.
    strict: bool = False
    #: Time and memory for each outside program, and the largest source file.
    limits: Limits = DEFAULT_LIMITS

    @classmethod
    def for_project(cls, root: Path, content: str = "src/content", templates: str = "templates",
                    build: str = "build", strict: bool = False,
                    limits: Limits = DEFAULT_LIMITS) -> Settings:
        return cls(root, root / content, root / templates, root / build, strict, limits)


@dataclass(frozen=True)
class Output:
    format: str
    path: Path
    paper: str | None = None
    variant: str | None = None
    pages: int | None = None
    #: For PDFs: where each page of the readings and appendices begins (for the EPUB page list).
    page_starts: tuple[pdf.PageStart, ...] = ()


@dataclass(frozen=True)
class Prepared:
    edition: Edition
    markdown: Path
    metadata: Path


def prepare(settings: Settings) -> Prepared:
    """Load and validate the sources; write build/edition.md and its metadata file."""
    edition = load_edition(settings.content_dir, max_source_mb=settings.limits.source_mb)
    assembled = assemble(edition, settings.templates_dir)
    markdown = settings.build_dir / "edition.md"
    metadata = settings.build_dir / "edition-meta.yaml"
    write_text_atomic(markdown, assembled.markdown)
    write_text_atomic(metadata, assembled.metadata)
    return Prepared(edition, markdown, metadata)


@contextlib.contextmanager
def _blame_the_reading(prepared: Prepared) -> Iterator[None]:
    # Pandoc reads the assembled build/edition.md; a limit it hits is the reading's doing
    # when the edition has one reading, so the error names the file the user can fix.
    try:
        yield
    except LimitError as exc:
        readings = prepared.edition.readings
        if exc.path == prepared.markdown and len(readings) == 1:
            raise LimitError(exc.message, path=readings[0].path) from exc
        raise


def _name(prepared: Prepared, suffix: str) -> str:
    return f"{prepared.edition.config.id}{suffix}"


def _print_html(settings: Settings, prepared: Prepared, paper: Paper, large: bool = False
                ) -> str:
    names = ("print.css", "large-print.css" if large else None, paper.stylesheet)
    sheets = [html.read_stylesheet(settings.templates_dir, n) for n in names if n]
    for name, css in sheets:
        pdf.require_fonts(css, settings.templates_dir / name)
    with _blame_the_reading(prepared):
        page = html.render_print_html(prepared.edition, prepared.markdown, prepared.metadata,
                                      settings.templates_dir, [css for _, css in sheets],
                                      settings.limits)
    # Whatever the page would fetch is checked before any output is written.
    check_html(page, settings.project_root)
    return page


def build_html(settings: Settings, prepared: Prepared) -> Output:
    """The standalone print HTML (what WeasyPrint lays out), for looking at in a browser."""
    path = settings.build_dir / _name(prepared, ".html")
    write_text_atomic(path, _print_html(settings, prepared, PAPERS[PAGE_SOURCE]))
    return Output("html", path)


def build_pdf(settings: Settings, prepared: Prepared, paper_name: str = "a4", *,
              large: bool = False) -> Output:
    """One reading-edition PDF on the given paper (large: the large-print edition)."""
    paper = _paper(paper_name)
    rendered = pdf.render_pdf(_print_html(settings, prepared, paper, large),
                              settings.project_root, first_anchor=prepared.edition.lead.meta.id,
                              strict=settings.strict)
    suffix = f"-large-print-{paper.name}.pdf" if large else f"-{paper.name}.pdf"
    path = settings.build_dir / _name(prepared, suffix)
    write_bytes_atomic(path, rendered.data)
    return Output("pdf", path, paper.label, "large-print" if large else "reading",
                  rendered.pages, rendered.page_starts)


def build_booklet(settings: Settings, prepared: Prepared, sheet: str = "a4") -> Output:
    """The handout booklet: the A5 (half-letter) edition imposed two-up for saddle stitching."""
    sheet_paper = _paper(sheet)
    single = pdf.render_pdf(_print_html(settings, prepared, BOOKLET_PAGES[sheet]),
                            settings.project_root, strict=settings.strict)
    data, sheets = imposition.impose_booklet(single.data, imposition.SHEETS[sheet])
    path = settings.build_dir / _name(prepared, f"-booklet-{sheet}.pdf")
    write_bytes_atomic(path, data)
    return Output("pdf", path, f"{sheet_paper.label} landscape", "booklet", 2 * sheets)


def print_page_starts(settings: Settings, prepared: Prepared) -> tuple[pdf.PageStart, ...]:
    """Where the A4 reading edition's pages begin (laid out, not written)."""
    html_text = _print_html(settings, prepared, PAPERS[PAGE_SOURCE])
    return pdf.render_pdf(html_text, settings.project_root,
                          first_anchor=prepared.edition.lead.meta.id).page_starts


def build_epub(settings: Settings, prepared: Prepared,
               page_starts: tuple[pdf.PageStart, ...] | None = None) -> Output:
    """The EPUB, with page-break markers where the A4 print edition's pages begin."""
    if page_starts is None:
        page_starts = print_page_starts(settings, prepared)
    path = settings.build_dir / _name(prepared, ".epub")
    page_source = f"{_name(prepared, f'-{PAGE_SOURCE}.pdf')} (pressroom print edition, A4)"
    # Pandoc's scratch files live in a private folder of build/, gone when the EPUB is made.
    with tempfile.TemporaryDirectory(prefix=".epub-", dir=_ensure(settings.build_dir)) as work, \
            _blame_the_reading(prepared):
        data = epub.render_epub(prepared.edition, prepared.markdown, prepared.metadata,
                                settings.templates_dir, Path(work), page_starts=page_starts,
                                page_source=page_source, limits=settings.limits)
    write_bytes_atomic(path, data)
    return Output("epub", path)


def _paper(name: str) -> Paper:
    try:
        return PAPERS[name]
    except KeyError:
        raise ConfigError(f"unknown paper {name!r} (choose from {', '.join(PAPERS)})") from None


def _ensure(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(settings: Settings, outputs: Iterable[Output], *, merge: bool = True) -> Path:
    """build/manifest.json: one entry per output.

    A partial build (one format, one paper, or a build that failed half-way) merges its entries
    with what the manifest listed, so every listed file is described as it is on disk; a
    complete build lists exactly its own outputs.
    """
    manifest_path = settings.build_dir / "manifest.json"
    entries: dict[str, dict[str, object]] = {}
    if merge and manifest_path.exists():
        try:
            previous = json.loads(manifest_path.read_text(encoding="utf-8"))
            entries = {str(e["path"]): e for e in previous["outputs"]}
        except (ValueError, KeyError, TypeError, AttributeError, OSError):
            log.warning("%s: unreadable, starting a new manifest", manifest_path)
            entries = {}
    for out in outputs:
        rel = out.path.relative_to(settings.build_dir).as_posix()
        entry: dict[str, object] = {
            "format": out.format,
            "path": rel,
            "bytes": out.path.stat().st_size,
            "sha256": _sha256(out.path),
        }
        if out.paper:
            entry["paper"] = out.paper
        if out.variant:
            entry["variant"] = out.variant
        if out.pages is not None:
            entry["pages"] = out.pages
        entries[rel] = entry
    kept = [e for path, e in sorted(entries.items()) if (settings.build_dir / path).exists()]
    write_text_atomic(manifest_path,
                      json.dumps({"outputs": kept}, indent=2, ensure_ascii=False) + "\n")
    return manifest_path


def build(settings: Settings, formats: Iterable[str] = FORMATS,
          papers: Iterable[str] = DEFAULT_PAPERS,
          progress: Callable[[str], None] | None = None) -> list[Output]:
    """Build the requested outputs and list them in the manifest.

    PDFs: the reading edition on each paper, large print (with A4), and a booklet for each
    sheet. Each output is written atomically as it is made; if a stage fails, the manifest
    still describes every file as it is, and the error goes up unchanged. ``progress`` is
    told what each stage is about to make.
    """
    say = progress or (lambda _stage: None)
    formats, papers = tuple(formats), tuple(papers)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ConfigError(f"unknown format {unknown[0]!r} (choose from {', '.join(FORMATS)})")
    for paper in papers:
        _paper(paper)
    say("checking and assembling the sources")
    prepared = prepare(settings)
    outputs: list[Output] = []
    complete = False
    try:
        if "html" in formats:
            say("print HTML")
            outputs.append(build_html(settings, prepared))
        if "pdf" in formats:
            for paper in papers:
                say(f"PDF, {PAPERS[paper].label}")
                outputs.append(build_pdf(settings, prepared, paper))
            if PAGE_SOURCE in papers:
                say("PDF, large print")
                outputs.append(build_pdf(settings, prepared, PAGE_SOURCE, large=True))
            for sheet in papers:
                say(f"booklet, {PAPERS[sheet].label}")
                outputs.append(build_booklet(settings, prepared, sheet))
        if "epub" in formats:
            say("EPUB")
            source = next((o for o in outputs if o.variant == "reading"
                           and o.path.name.endswith(f"-{PAGE_SOURCE}.pdf")), None)
            outputs.append(build_epub(settings, prepared,
                                      source.page_starts if source else None))
        complete = set(formats) == set(FORMATS) and set(papers) == set(DEFAULT_PAPERS)
    finally:
        if outputs:
            write_manifest(settings, outputs, merge=not complete)
    return outputs
