"""The build, top to bottom: load, assemble, render each output, write the manifest."""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import epub, html, imposition, pdf, permissions
from ._io import write_bytes_atomic, write_text_atomic
from .assemble import Handout, assemble
from .citations import Citation, render_citations
from .content import Edition, load_edition
from .document import build_document
from .errors import ConfigError

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
    #: The collection file to build (a folder stands for its edition.yaml).
    edition: Path
    templates_dir: Path
    build_dir: Path
    #: Treat renderer warnings (an unknown CSS property, a missing glyph, a reading without
    #: a rights statement) as errors.
    strict: bool = False

    @property
    def content_dir(self) -> Path:
        """The collection's folder, which its paths are relative to."""
        return self.edition if self.edition.is_dir() else self.edition.parent

    @property
    def boundary(self) -> Path:
        """What the collection's paths may reach: the project when the collection is in it
        (readers share readings), else only the collection's own folder."""
        inside = self.edition.resolve().is_relative_to(self.project_root.resolve())
        return self.project_root if inside else self.content_dir

    @classmethod
    def for_project(cls, root: Path, edition: str = "src/content/edition.yaml",
                    templates: str = "templates", build: str = "build",
                    strict: bool = False) -> Settings:
        return cls(root, root / edition, root / templates, root / build, strict)


@dataclass(frozen=True)
class Output:
    format: str
    path: Path
    paper: str | None = None
    variant: str | None = None
    pages: int | None = None
    #: For PDFs: where each page of the readings and appendices begins (for the EPUB page list).
    page_starts: tuple[pdf.PageStart, ...] = ()
    #: For PDFs: the page each id is on (where each reading begins and ends).
    anchor_pages: Mapping[str, int] = field(default_factory=dict, compare=False)


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


def prepare(settings: Settings) -> Prepared:
    """Load and validate the sources, format the citations, and write build/edition.md (to
    read), build/edition.json (the document the writers read) and its metadata file."""
    edition = load_edition(settings.edition, settings.boundary)
    citations = render_citations([r.source for r in edition.readings if r.source],
                                 edition.csl)
    return write_prepared(settings, edition, citations, "edition")


def write_prepared(settings: Settings, edition: Edition, citations: Mapping[str, Citation],
                   stem: str, handout: Handout | None = None, extra_css: str = "") -> Prepared:
    """Assemble an edition (or a handout's one-reading edition) and write its documents."""
    assembled = assemble(edition, settings.templates_dir, handout)
    document = build_document(assembled.chunks, citations)
    markdown = settings.build_dir / f"{stem}.md"
    metadata = settings.build_dir / f"{stem}-meta.yaml"
    document_path = settings.build_dir / f"{stem}.json"
    write_text_atomic(markdown, assembled.markdown)
    write_text_atomic(metadata, assembled.metadata)
    write_text_atomic(document_path, json.dumps(document, ensure_ascii=False))
    return Prepared(edition, markdown, metadata, document_path, citations, handout is not None,
                    extra_css)


def _name(prepared: Prepared, suffix: str) -> str:
    return f"{prepared.edition.config.id}{suffix}"


def _print_html(settings: Settings, prepared: Prepared, paper: Paper, large: bool = False
                ) -> str:
    names = ("print.css", "large-print.css" if large else None, paper.stylesheet)
    sheets = [html.read_stylesheet(settings.templates_dir, n) for n in names if n]
    for name, css in sheets:
        pdf.require_fonts(css, settings.templates_dir / name)
    return html.render_print_html(prepared.edition, prepared.document, prepared.metadata,
                                  settings.templates_dir,
                                  [css for _, css in sheets] + [prepared.extra_css],
                                  prepared.citations, handout=prepared.handout)


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
                              settings.project_root, first_anchor=_first_anchor(prepared),
                              strict=settings.strict)
    suffix = f"-large-print-{paper.name}.pdf" if large else f"-{paper.name}.pdf"
    path = settings.build_dir / _name(prepared, suffix)
    write_bytes_atomic(path, rendered.data)
    return Output("pdf", path, paper.label, "large-print" if large else "reading",
                  rendered.pages, rendered.page_starts, rendered.anchor_pages)


def build_booklet(settings: Settings, prepared: Prepared, sheet: str = "a4") -> Output:
    """The handout booklet: the A5 (half-letter) edition imposed two-up for saddle stitching."""
    sheet_paper = _paper(sheet)
    single = pdf.render_pdf(_print_html(settings, prepared, BOOKLET_PAGES[sheet]),
                            settings.project_root, strict=settings.strict)
    data, sheets = imposition.impose_booklet(single.data, imposition.SHEETS[sheet])
    path = settings.build_dir / _name(prepared, f"-booklet-{sheet}.pdf")
    write_bytes_atomic(path, data)
    return Output("pdf", path, f"{sheet_paper.label} landscape", "booklet", 2 * sheets)


def _first_anchor(prepared: Prepared) -> str:
    edition = prepared.edition
    return "introduction" if edition.introduction else edition.lead.id


def layout_a4(settings: Settings, prepared: Prepared) -> pdf.RenderedPdf:
    """The A4 reading edition laid out (not written): its page starts and anchors' pages."""
    html_text = _print_html(settings, prepared, PAPERS[PAGE_SOURCE])
    return pdf.render_pdf(html_text, settings.project_root,
                          first_anchor=_first_anchor(prepared))


def print_page_starts(settings: Settings, prepared: Prepared) -> tuple[pdf.PageStart, ...]:
    """Where the A4 reading edition's pages begin (laid out, not written)."""
    return layout_a4(settings, prepared).page_starts


def build_epub(settings: Settings, prepared: Prepared,
               page_starts: tuple[pdf.PageStart, ...] | None = None) -> Output:
    """The EPUB, with page-break markers where the A4 print edition's pages begin."""
    if page_starts is None:
        page_starts = print_page_starts(settings, prepared)
    path = settings.build_dir / _name(prepared, ".epub")
    page_source = f"{_name(prepared, f'-{PAGE_SOURCE}.pdf')} (pressroom print edition, A4)"
    # Pandoc's scratch files live in a private folder of build/, gone when the EPUB is made.
    with tempfile.TemporaryDirectory(prefix=".epub-", dir=_ensure(settings.build_dir)) as work:
        data = epub.render_epub(prepared.edition, prepared.document, prepared.metadata,
                                settings.templates_dir, Path(work), page_starts=page_starts,
                                page_source=page_source, sources=[
                                    c.text for c in prepared.citations.values()])
    write_bytes_atomic(path, data)
    return Output("epub", path)


def build_permissions(settings: Settings, prepared: Prepared, anchor_pages: Mapping[str, int]
                      ) -> list[Output]:
    """build/<id>-permissions.csv and .json: each reading's citation, rights and pages."""
    report = permissions.permissions_report(prepared.edition, prepared.citations, anchor_pages,
                                            strict=settings.strict)
    paths = permissions.write_report(report, settings.build_dir,
                                     _name(prepared, "-permissions"))
    return [Output("permissions", path) for path in paths]


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
        # The EPUB's page list and the permissions report follow the A4 edition's pages.
        a4 = next((o for o in outputs if o.variant == "reading"
                   and o.path.name.endswith(f"-{PAGE_SOURCE}.pdf")), None)
        if a4 is None:
            say("laying out the A4 edition")
            rendered = layout_a4(settings, prepared)
            a4 = Output("pdf", Path(), None, None, rendered.pages, rendered.page_starts,
                        rendered.anchor_pages)
        if "epub" in formats:
            say("EPUB")
            outputs.append(build_epub(settings, prepared, a4.page_starts))
        say("permissions report")
        outputs += build_permissions(settings, prepared, a4.anchor_pages)
        complete = set(formats) == set(FORMATS) and set(papers) == set(DEFAULT_PAPERS)
    finally:
        if outputs:
            write_manifest(settings, outputs, merge=not complete)
    return outputs
