"""The build, top to bottom: load, assemble, render each output, write the manifest."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import epub, html, imposition, pdf
from ._io import write_bytes_atomic, write_text_atomic
from .assemble import assemble
from .content import Edition, load_edition
from .errors import ConfigError

log = logging.getLogger(__name__)

FORMATS = ("html", "pdf", "epub")
#: The print edition whose page numbers the EPUB's page list follows.
PAGE_SOURCE = "a4"


@dataclass(frozen=True)
class Paper:
    name: str
    css: str
    label: str


#: Page sheets per variant: size and margins; the print stylesheet does the rest.
PAPERS: dict[str, Paper] = {
    "a4": Paper("a4", "@page { size: A4; }", "A4"),
    "letter": Paper(
        "letter",
        # Letter is 18 mm shorter than A4: the saving comes off the top margin. (A 28 mm
        # bottom margin made WeasyPrint 70 drop the first page's footnotes; the build's
        # footnote check caught it.)
        "@page { size: letter; margin-top: 22mm; }",
        "US Letter",
    ),
    "a5": Paper(
        "a5",
        "@page { size: A5; margin: 16mm 17mm 20mm 20mm; }"
        " @page :left { margin-left: 17mm; margin-right: 20mm; }"
        " html { font-size: 10.5pt; }",
        "A5",
    ),
    "halfletter": Paper(
        "halfletter",
        "@page { size: 5.5in 8.5in; margin: 15mm 16mm 19mm 19mm; }"
        " @page :left { margin-left: 16mm; margin-right: 19mm; }"
        " html { font-size: 10.5pt; }",
        "half letter",
    ),
}


@dataclass(frozen=True)
class Settings:
    """Where things are; the tasks fill this from their configuration."""

    project_root: Path
    content_dir: Path
    templates_dir: Path
    build_dir: Path

    @classmethod
    def for_project(cls, root: Path, content: str = "src/content", templates: str = "templates",
                    build: str = "build") -> Settings:
        return cls(root, root / content, root / templates, root / build)


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
    edition = load_edition(settings.content_dir)
    assembled = assemble(edition, settings.templates_dir)
    markdown = settings.build_dir / "edition.md"
    metadata = settings.build_dir / "edition-meta.yaml"
    write_text_atomic(markdown, assembled.markdown)
    write_text_atomic(metadata, assembled.metadata)
    return Prepared(edition, markdown, metadata)


def _name(prepared: Prepared, suffix: str) -> str:
    return f"{prepared.edition.config.id}{suffix}"


def build_html(settings: Settings, prepared: Prepared) -> Output:
    """The standalone print HTML (what WeasyPrint lays out), for looking at in a browser."""
    text = html.render_print_html(prepared.edition, prepared.markdown, prepared.metadata,
                                  settings.templates_dir, page_css=PAPERS["a4"].css)
    path = settings.build_dir / _name(prepared, ".html")
    write_text_atomic(path, text)
    return Output("html", path)


def _print_html(settings: Settings, prepared: Prepared, paper: Paper, large: bool) -> str:
    stylesheets = ("print.css", "large-print.css") if large else ("print.css",)
    for name in stylesheets:
        css_path = settings.templates_dir / name
        pdf.require_fonts(css_path.read_text(encoding="utf-8"), css_path)
    return html.render_print_html(prepared.edition, prepared.markdown, prepared.metadata,
                                  settings.templates_dir, stylesheets=stylesheets,
                                  page_css=paper.css)


def build_pdf(settings: Settings, prepared: Prepared, paper_name: str = "a4", *,
              large: bool = False) -> Output:
    """One reading-edition PDF on the given paper (large: the large-print edition)."""
    paper = _paper(paper_name)
    rendered = pdf.render_pdf(_print_html(settings, prepared, paper, large),
                              settings.project_root, first_anchor=prepared.edition.lead.meta.id)
    suffix = f"-large-print-{paper.name}.pdf" if large else f"-{paper.name}.pdf"
    path = settings.build_dir / _name(prepared, suffix)
    write_bytes_atomic(path, rendered.data)
    return Output("pdf", path, paper.label, "large-print" if large else "reading",
                  rendered.pages, rendered.page_starts)


def build_booklet(settings: Settings, prepared: Prepared, sheet: str = "a4") -> Output:
    """The handout booklet: the A5 (half-letter) edition imposed two-up for saddle stitching."""
    page, label = ("a5", "A4") if sheet == "a4" else ("halfletter", "US Letter")
    single = pdf.render_pdf(_print_html(settings, prepared, PAPERS[page], False),
                            settings.project_root)
    data, sheets = imposition.impose_booklet(single.data, imposition.SHEETS[sheet])
    path = settings.build_dir / _name(prepared, f"-booklet-{sheet}.pdf")
    write_bytes_atomic(path, data)
    return Output("pdf", path, f"{label} landscape", "booklet", 2 * sheets)


def print_page_starts(settings: Settings, prepared: Prepared) -> tuple[pdf.PageStart, ...]:
    """Where the A4 reading edition's pages begin (laid out, not written)."""
    html_text = _print_html(settings, prepared, PAPERS[PAGE_SOURCE], False)
    return pdf.render_pdf(html_text, settings.project_root,
                          first_anchor=prepared.edition.lead.meta.id).page_starts


def build_epub(settings: Settings, prepared: Prepared,
               page_starts: tuple[pdf.PageStart, ...] | None = None) -> Output:
    """The EPUB, with page-break markers where the A4 print edition's pages begin."""
    if page_starts is None:
        page_starts = print_page_starts(settings, prepared)
    path = settings.build_dir / _name(prepared, ".epub")
    page_source = f"{_name(prepared, f'-{PAGE_SOURCE}.pdf')} (pressroom print edition, A4)"
    with _temporary(settings.build_dir, ".epub") as tmp:
        epub.render_epub(prepared.edition, prepared.markdown, prepared.metadata, tmp,
                         settings.templates_dir, settings.build_dir, page_starts=page_starts,
                         page_source=page_source)
        tmp.replace(path)
    return Output("epub", path)


def _paper(name: str) -> Paper:
    # Validated here as well as in the task, so the API refuses an unknown paper too.
    try:
        return PAPERS[name]
    except KeyError:
        raise ConfigError(f"unknown paper {name!r} (choose from {', '.join(PAPERS)})") from None


@contextlib.contextmanager
def _temporary(folder: Path, suffix: str) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    os.close(fd)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(settings: Settings, outputs: Iterable[Output]) -> Path:
    """build/manifest.json: one entry per output, merged with what earlier builds listed."""
    manifest_path = settings.build_dir / "manifest.json"
    entries: dict[str, dict[str, object]] = {}
    if manifest_path.exists():
        try:
            previous = json.loads(manifest_path.read_text(encoding="utf-8"))
            entries = {e["path"]: e for e in previous.get("outputs", [])}
        except (ValueError, KeyError, TypeError):
            log.warning("%s: unreadable, starting a new manifest", manifest_path)
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


def build_pdfs(settings: Settings, prepared: Prepared,
               papers: Iterable[str] = ("a4", "letter")) -> list[Output]:
    """The reading edition on each paper, plus large print and a booklet for each sheet."""
    papers = tuple(papers)
    outputs = [build_pdf(settings, prepared, paper) for paper in papers]
    if "a4" in papers:
        outputs.append(build_pdf(settings, prepared, "a4", large=True))
    outputs += [build_booklet(settings, prepared, sheet) for sheet in papers]
    return outputs


def build(settings: Settings, formats: Iterable[str] = FORMATS,
          papers: Iterable[str] = ("a4", "letter")) -> list[Output]:
    """Build the requested outputs and list them in the manifest."""
    prepared = prepare(settings)
    outputs: list[Output] = []
    formats = tuple(formats)
    if "html" in formats:
        outputs.append(build_html(settings, prepared))
    if "pdf" in formats:
        outputs += build_pdfs(settings, prepared, papers)
    if "epub" in formats:
        source = next((o for o in outputs if o.variant == "reading" and o.page_starts
                       and o.path.name.endswith(f"-{PAGE_SOURCE}.pdf")), None)
        outputs.append(build_epub(settings, prepared, source.page_starts if source else None))
    write_manifest(settings, outputs)
    return outputs
