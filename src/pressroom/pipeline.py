"""The build, top to bottom: load, assemble, convert once, lay out the variants in parallel,
make the EPUB from the recorded page map, commit the outputs and the manifest together.

A build first compares a fingerprint of everything it reads (sources, templates, the
package's code, tool versions, fonts, options) with the one the last complete build
recorded; if they match and the outputs are as that build left them, nothing is done. Past
that, every expensive step is cached by a key over its own inputs (cache.py), so an edit
redoes only the layouts and conversions that it changes.

Heavy libraries (WeasyPrint, Pandoc's wrapper, pydantic models) are imported inside the
stages, so an up-to-date build costs a fraction of a second.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ._io import Staging, build_lock, write_text_atomic
from ._run import DEFAULT_LIMITS, Limits
from .cache import (
    Cache,
    code_version,
    digest,
    file_digest,
    fonts_fingerprint,
    tool_versions,
    tree_digest,
)
from .errors import ConfigError, LimitError
from .workers import Layout, LayoutJob, page_map_json, remember, run_layouts

if TYPE_CHECKING:
    from .assemble import Handout
    from .citations import Citation
    from .content import Edition
    from .pdfreading import PdfMaterial

log = logging.getLogger(__name__)

FORMATS = ("html", "pdf", "epub")
DEFAULT_PAPERS = ("a4", "letter")
KINDS = ("reading", "large-print", "booklet")


@dataclass(frozen=True)
class Variant:
    """One printed output: the one table of papers, variants and their stylesheets."""

    name: str
    kind: str  # reading, large-print or booklet
    paper: str  # the --paper that selects it: a4 or letter
    label: str  # the paper as the manifest names it
    #: Stylesheets in templates/, after print.css: the variant's own, then the page sheet.
    stylesheets: tuple[str, ...]
    #: Booklets: the sheet the pages are imposed on, two up.
    sheet: str | None = None

    @property
    def suffix(self) -> str:
        return f"-{self.name}.pdf"


VARIANTS: tuple[Variant, ...] = (
    Variant("a4", "reading", "a4", "A4", ("page-a4.css",)),
    Variant("letter", "reading", "letter", "US Letter", ("page-letter.css",)),
    Variant("large-print-a4", "large-print", "a4", "A4", ("large-print.css", "page-a4.css")),
    Variant("booklet-a4", "booklet", "a4", "A4 landscape", ("page-a5.css",), sheet="a4"),
    Variant("booklet-letter", "booklet", "letter", "US Letter landscape",
            ("page-halfletter.css",), sheet="letter"),
)
#: The print edition whose pages the EPUB's page list follows (and the standalone HTML shows).
PAGE_SOURCE = VARIANTS[0]


@dataclass(frozen=True)
class Settings:
    """Where things are and how to build; the tasks fill this from their configuration."""

    project_root: Path
    #: The collection file to build (a folder stands for its edition.yaml).
    edition: Path
    templates_dir: Path
    build_dir: Path
    #: Treat renderer warnings (an unknown CSS property, a missing glyph, a reading without
    #: a rights statement) as errors.
    strict: bool = False
    #: Time and memory for each outside program, and the largest source file.
    limits: Limits = DEFAULT_LIMITS
    #: Recognise the text of scanned PDF readings with OCRmyPDF (cached).
    ocr: bool = False

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
                    templates: str = "templates", build: str = "build", strict: bool = False,
                    limits: Limits = DEFAULT_LIMITS, ocr: bool = False) -> Settings:
        return cls(root, root / edition, root / templates, root / build, strict, limits, ocr)

    @property
    def cache(self) -> Cache:
        return Cache(self.build_dir / ".cache")


@dataclass(frozen=True)
class Output:
    format: str
    path: Path
    paper: str | None = None
    variant: str | None = None
    pages: int | None = None
    #: False if the bytes came from the cache (or the whole build was up to date).
    rebuilt: bool = True
    #: Why it was rebuilt, or where it came from.
    reason: str = ""
    #: For PDFs laid out in this build: the page each id is on (where each reading begins
    #: and ends).
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
    #: The PDF readings' pages, text and ink, by reading id (pdfreading.prepare_pdf).
    pdfs: Mapping[str, PdfMaterial] = field(default_factory=dict)

    @property
    def tagged(self) -> bool:
        """Whether every page of the volume is tagged, so that it may claim PDF/UA-1: a PDF
        reading's pages are drawn in untagged (their own tags, if any, are not carried)."""
        return not self.pdfs

    @property
    def id(self) -> str:
        return self.edition.config.id


def prepare(settings: Settings) -> Prepared:
    """Load and validate the sources, format the citations, and write build/edition.md (to
    read), build/edition.json (the document the writers read) and its metadata file."""
    from .citations import render_citations
    from .content import load_edition

    edition = load_edition(settings.edition, settings.boundary,
                           max_source_mb=settings.limits.source_mb,
                           max_pdf_mb=settings.limits.pdf_mb)
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
    from .pdfreading import describe_pages, prepare_pdf

    out: dict[str, PdfMaterial] = {}
    for reading in edition.readings:
        if reading.pdf is None:
            continue
        material = prepare_pdf(reading.id, reading.pdf, reading.meta.lang or
                               edition.config.language, settings.cache, ocr=settings.ocr,
                               limits=settings.limits)
        out[reading.id] = material
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
    if out:
        names = [str(r.pdf.path) for r in edition.readings if r.pdf is not None]
        log.warning("the print volume does not claim PDF/UA-1: the pages of %s %s are drawn "
                    "in without tags (a PDF's own tags are not carried over)",
                    "the PDF reading" if len(names) == 1 else "the PDF readings",
                    ", ".join(names))
    return out


def write_prepared(settings: Settings, edition: Edition,
                   citations: Mapping[str, Citation] | Callable[[], Mapping[str, Citation]],
                   stem: str, handout: Handout | None = None, extra_css: str = "",
                   pdfs: Mapping[str, PdfMaterial] | None = None) -> Prepared:
    """Assemble an edition (or a handout's one-reading edition) and write its documents.
    ``citations`` may be a function that waits for them: they are needed only once the
    chunks are converted."""
    from .assemble import assemble
    from .document import build_document

    pdfs = {r.id: pdfs[r.id] for r in edition.readings if pdfs and r.id in pdfs}
    assembled = assemble(edition, settings.templates_dir, handout, pdfs)
    document = build_document(assembled.chunks, citations, settings.limits, settings.cache)
    if callable(citations):
        citations = citations()
    markdown = settings.build_dir / f"{stem}.md"
    metadata = settings.build_dir / f"{stem}-meta.yaml"
    document_path = settings.build_dir / f"{stem}.json"
    _write_if_changed(markdown, assembled.markdown)
    _write_if_changed(metadata, assembled.metadata)
    _write_if_changed(document_path, json.dumps(document, ensure_ascii=False))
    return Prepared(edition, markdown, metadata, document_path, citations, handout is not None,
                    extra_css, pdfs)


def _write_if_changed(path: Path, text: str) -> None:
    # Intermediates keep their time stamps when nothing changed, for tools that watch them.
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    write_text_atomic(path, text)


@contextlib.contextmanager
def _blame_the_reading(prepared: Prepared) -> Iterator[None]:
    # Pandoc reads the joined build/edition.json; a limit it hits is the reading's doing
    # when the edition has one reading, so the error names the file the user can fix.
    try:
        yield
    except LimitError as exc:
        readings = prepared.edition.readings
        if exc.path == prepared.document and len(readings) == 1:
            raise LimitError(exc.message, path=readings[0].path) from exc
        raise


def print_body(settings: Settings, prepared: Prepared) -> str:
    """The edition's body as an HTML fragment: Pandoc once per build, shared by every
    variant (they differ only in stylesheet), cached by the Markdown it comes from."""
    from . import html

    cache = settings.cache
    hyphenate_min = html.hyphenation_minimum(settings.templates_dir)
    key = digest("body", prepared.document.read_text(encoding="utf-8"),
                 prepared.metadata.read_text(encoding="utf-8"), str(hyphenate_min),
                 code_version(), tool_versions())
    cached = cache.get("pandoc", key, ".html")
    if cached is not None:
        return cached.decode("utf-8")
    with _blame_the_reading(prepared):
        body = html.render_body(prepared.document, prepared.metadata, settings.limits,
                                hyphenate_min, meanwhile=_ready_to_lay_out)
    cache.put("pandoc", key, ".html", body.encode("utf-8"))
    return body


def _ready_to_lay_out() -> None:
    """What every layout needs and the body does not: WeasyPrint imported (the layout
    workers are forked from this process and inherit it) and the installed faces listed.
    Done while Pandoc converts the body, on the other core, instead of after it."""
    from . import pdf

    pdf.installed_families()


def print_html(settings: Settings, prepared: Prepared, body: str, variant: Variant,
               hints: dict[str, int] | None = None) -> str:
    """The standalone print HTML of one variant (its stylesheets inlined).

    With ``hints`` (target id -> page, from an earlier layout of this variant) the
    cross-references' page numbers are literal counters instead of target-counter(), so that
    WeasyPrint lays every page out once (pagehints.py); None keeps target-counter()."""
    from . import fonts, html, pagehints, pdf
    from .fetcher import check_html

    sheets = [html.read_stylesheet(settings.templates_dir, n)
              for n in ("print.css", *variant.stylesheets)]
    # The faces by language come from the table in fonts.py, right after print.css.
    sheets.insert(1, ("fonts.css.j2", fonts.render_font_css(settings.templates_dir, "print")))
    for name, css in sheets:
        pdf.require_fonts(css, settings.templates_dir / name)
    css = [text for _, text in sheets] + [prepared.extra_css]
    if hints is not None:
        css += [pagehints.literal_rules("\n".join(css)), pagehints.hint_rules(hints)]
    page = html.render_print_html(prepared.edition, body, settings.templates_dir, css,
                                  prepared.citations, handout=prepared.handout)
    # Whatever the page would fetch is checked before any output is written.
    check_html(page, settings.project_root)
    return page


def selected_variants(formats: Iterable[str], papers: Iterable[str],
                      kinds: Iterable[str] = KINDS) -> list[Variant]:
    """The variants a build makes; large print is made on A4 only."""
    formats, papers, kinds = set(formats), tuple(papers), set(kinds)
    for paper in papers:
        if paper not in DEFAULT_PAPERS:
            raise ConfigError(f"unknown paper {paper!r} (choose from "
                              f"{', '.join(DEFAULT_PAPERS)})")
    for kind in kinds:
        if kind not in KINDS:
            raise ConfigError(f"unknown variant {kind!r} (choose from {', '.join(KINDS)})")
    if "pdf" not in formats:
        return []
    return [v for v in VARIANTS if v.paper in papers and v.kind in kinds]


#: Layouts of one variant before its page numbers must have settled.
LAYOUT_ROUNDS = 3


def lay_out(settings: Settings, prepared: Prepared, body: str, variants: Iterable[Variant],
            report: Callable[[str, Layout], None] | None = None,
            final: Callable[[Variant, Layout], None] | None = None,
            ) -> dict[Variant, tuple[LayoutJob, Layout]]:
    """Lay out each variant until every page number printed after a link is its target's
    page (pagehints.py). The first layout uses the numbers the last build settled on, kept
    in the cache, or with none WeasyPrint's own target-counter(); a variant whose numbers
    are wrong is laid out again with the pages of its last layout.

    ``final`` is told of each variant's last layout as soon as it is done, while the others
    may still be running: work that needs it (the EPUB needs the A4 page map) runs then, on
    the core that layout has just freed, instead of after the slowest variant."""
    from . import pagehints

    cache = settings.cache
    hints: dict[str, dict[str, int] | None] = {}
    for variant in variants:
        recorded = cache.get_json("hints", variant.name)
        hints[variant.name] = recorded if isinstance(recorded, dict) else None
    # The page with target-counter(): what a layout is of, whichever way its numbers are
    # written, so that a layout is found in the cache by its page and its numbers.
    pages = {v.name: print_html(settings, prepared, body, v) for v in variants}

    def job_for(variant: Variant) -> LayoutJob:
        numbers = hints[variant.name]
        identity = digest(pages[variant.name], json.dumps(numbers, sort_keys=True))
        html_text = pages[variant.name] if numbers is None else print_html(
            settings, prepared, body, variant, numbers)
        # Every round but the last is a draft: not written if its numbers come out wrong.
        draft = rounds[f"PDF, {variant.name}"] < LAYOUT_ROUNDS - 1
        return _job(settings, variant, html_text, identity, prepared, draft)

    by_name = {f"PDF, {v.name}": v for v in variants}
    done: dict[Variant, tuple[LayoutJob, Layout]] = {}
    rounds = dict.fromkeys(by_name, 0)
    pending: list[Variant] = []

    def then(job: LayoutJob, layout: Layout) -> LayoutJob | None:
        variant = by_name[job.name]
        done[variant] = (job, layout)
        rounds[job.name] += 1
        settled = pagehints.settled(layout.printed_pages, layout.anchor_pages)
        came_from_target_counter = hints[variant.name] is None
        hints[variant.name] = settled
        if pagehints.wrong(layout.printed_pages, layout.anchor_pages):
            if rounds[job.name] < LAYOUT_ROUNDS:
                return job_for(variant)
            pending.append(variant)
        else:
            cache.put_json("hints", variant.name, settled)
            if came_from_target_counter:
                # Right numbers lay out byte for byte as target-counter() did (tested): the
                # next build, which writes them as literal numbers, finds this layout.
                remember(cache, job_for(variant), layout)
        if final is not None:
            final(variant, layout)
        return None

    # The A4 edition first: the EPUB and the permissions report wait for its page map, and
    # the EPUB is then made while the others are laid out. Then the longest, so that the
    # last to finish is a short one: a booklet is laid out and imposed, large print has the
    # most pages.
    order = sorted(variants, key=lambda v: (v is not PAGE_SOURCE,
                                            -KINDS.index(v.kind)))
    run_layouts([job_for(v) for v in order], cache, settings.limits, report, then)
    for variant in pending:
        wrong = pagehints.wrong(done[variant][1].printed_pages, done[variant][1].anchor_pages)
        log.warning("%s: page numbers did not settle after %d layouts; the references to "
                    "%s may name the wrong page", variant.name, LAYOUT_ROUNDS, ", ".join(wrong))
    return {v: done[v] for v in variants}


def _job(settings: Settings, variant: Variant, html_text: str, identity: str,
         prepared: Prepared, draft: bool = False) -> LayoutJob:
    from .imposition import SHEETS
    from .pdfreading import inserts

    return LayoutJob(f"PDF, {variant.name}", html_text, settings.project_root,
                     pdf_variant="pdf/ua-1" if prepared.tagged else None,
                     inserts=inserts(prepared.pdfs, enlarge=variant.kind == "large-print"),
                     strict=settings.strict,
                     sheet=SHEETS[variant.sheet] if variant.sheet else None,
                     identity=identity, draft=draft)


def epub_bytes(settings: Settings, prepared: Prepared, page_map: tuple[dict, ...],
               page_source: str) -> tuple[bytes, bool]:
    """The EPUB, with page-break markers where the page map says the A4 pages begin; cached
    by its Markdown, templates, page map, tools and fonts (its cover is set in one).
    (bytes, rebuilt)."""
    import tempfile

    from . import epub

    cache = settings.cache
    key = digest("epub", prepared.document.read_text(encoding="utf-8"),
                 prepared.metadata.read_text(encoding="utf-8"),
                 *(_template_digest(settings, name) for name in epub.TEMPLATES),
                 json.dumps(list(page_map), sort_keys=True), page_source,
                 code_version(), tool_versions(), fonts_fingerprint())
    cached = cache.get("epub", key, ".epub")
    if cached is not None:
        return cached, False
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".epub-", dir=settings.build_dir) as work, \
            _blame_the_reading(prepared):
        data = epub.render_epub(prepared.edition, prepared.document, prepared.metadata,
                                settings.templates_dir, Path(work), page_map=page_map,
                                page_source=page_source,
                                sources=[c.text for c in prepared.citations.values()],
                                limits=settings.limits)
    cache.put("epub", key, ".epub", data)
    return data, True


def _template_digest(settings: Settings, name: str) -> str:
    path = settings.templates_dir / name
    return f"{name}:{file_digest(path) if path.exists() else 'absent'}"


def build_epub(settings: Settings, prepared: Prepared,
               page_map: tuple[dict, ...] | None = None) -> Output:
    """Only the EPUB, written into build/ (the page map from the A4 layout, cached or made)."""
    if page_map is None:
        body = print_body(settings, prepared)
        page_map = lay_out(settings, prepared, body, [PAGE_SOURCE])[PAGE_SOURCE][1].page_map
    data, rebuilt = epub_bytes(settings, prepared, page_map, _page_source(prepared))
    staging = Staging(settings.build_dir)
    try:
        path = staging.write(f"{prepared.id}.epub", data)
        staging.commit()
    finally:
        staging.discard()
    return Output("epub", path, rebuilt=rebuilt)


def _page_source(prepared: Prepared) -> str:
    return f"{prepared.id}{PAGE_SOURCE.suffix} (pressroom print edition, {PAGE_SOURCE.label})"


# ---------------------------------------------------------------------------------------------
# Up to date?

STATE = "state.json"


def fingerprint(settings: Settings, formats: Iterable[str], papers: Iterable[str],
                kinds: Iterable[str], shared: Iterable[str] = ()) -> dict[str, str]:
    """What a build reads, as digests by component: a change to any makes the build run.

    ``shared`` are the files outside the collection's folder that the last build read (a
    reader's readings may live beside another collection): the collection file itself is in
    the folder, so a change to the list of readings changes "content" first.
    """
    return {
        "collection": str(settings.edition.resolve()),
        "content": tree_digest(settings.content_dir),
        "shared": digest(*(f"{name}:{file_digest(Path(name))}" if Path(name).is_file()
                           else f"{name}:absent" for name in shared)),
        "templates": tree_digest(settings.templates_dir),
        "code": code_version(),
        "tools": tool_versions(),
        "fonts": fonts_fingerprint(),
        "options": digest(",".join(sorted(formats)), ",".join(papers), ",".join(sorted(kinds)),
                          str(settings.strict), str(settings.ocr)),
    }


def _read_json(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def up_to_date(settings: Settings, print_: dict[str, str]) -> list[Output] | None:
    """The outputs of the last build if it read exactly what this one would and every output
    listed in its manifest is still byte for byte as it wrote it; else None."""
    state = _read_json(settings.cache.root / STATE)
    manifest = _read_json(settings.build_dir / "manifest.json")
    if not state or not manifest or state.get("fingerprint") != print_:
        return None
    outputs = []
    for entry in manifest.get("outputs", []):
        path = settings.build_dir / str(entry.get("path"))
        try:
            if entry.get("sha256") != file_digest(path):
                return None
        except OSError:
            return None
        outputs.append(Output(str(entry["format"]), path, entry.get("paper"),
                              entry.get("variant"), entry.get("pages"), rebuilt=False,
                              reason="up to date"))
    if state.get("manifest") != file_digest(settings.build_dir / "manifest.json"):
        return None
    return outputs


# ---------------------------------------------------------------------------------------------
# The manifest


def manifest_entry(out: Output, build_dir: Path, staged: Path) -> dict[str, object]:
    entry: dict[str, object] = {
        "format": out.format,
        "path": out.path.relative_to(build_dir).as_posix(),
        "bytes": staged.stat().st_size,
        "sha256": file_digest(staged),
    }
    if out.paper:
        entry["paper"] = out.paper
    if out.variant:
        entry["variant"] = out.variant
    if out.pages is not None:
        entry["pages"] = out.pages
    return entry


def merged_manifest(settings: Settings, entries: list[dict[str, object]],
                     complete: bool) -> str:
    """A partial build (one format, one paper) keeps what the manifest listed of the others;
    a complete build lists exactly its own outputs."""
    merged: dict[str, dict[str, object]] = {}
    if not complete:
        previous = _read_json(settings.build_dir / "manifest.json") or {}
        for entry in previous.get("outputs", []):
            if isinstance(entry, dict) and "path" in entry and (
                    settings.build_dir / str(entry["path"])).exists():
                merged[str(entry["path"])] = entry
    for entry in entries:
        merged[str(entry["path"])] = entry
    return json.dumps({"outputs": [merged[k] for k in sorted(merged)]}, indent=2,
                      ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------
# The build


def build(settings: Settings, formats: Iterable[str] = FORMATS,
          papers: Iterable[str] = DEFAULT_PAPERS, kinds: Iterable[str] = KINDS,
          progress: Callable[[str], None] | None = None) -> list[Output]:
    """Build the requested outputs and list them in the manifest.

    PDFs: every variant of the table for the chosen papers and kinds. All outputs and the
    manifest are committed together at the end: a build that fails, is interrupted or is
    killed leaves every earlier output and the manifest as they were. ``progress`` is told
    what each step is about to do and what each finished layout took.
    """
    say = progress or (lambda _message: None)
    formats, papers, kinds = tuple(formats), tuple(papers), tuple(kinds)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ConfigError(f"unknown format {unknown[0]!r} (choose from {', '.join(FORMATS)})")
    variants = selected_variants(formats, papers, kinds)
    with build_lock(settings.build_dir):
        last = _read_json(settings.cache.root / STATE) or {}
        shared = [str(name) for name in last.get("shared", [])]
        state = fingerprint(settings, formats, papers, kinds, shared)
        reused = up_to_date(settings, state)
        if reused is not None:
            return reused
        say("checking and assembling the sources")
        prepared = prepare(settings)
        previous = last.get("keys", {})
        staging = Staging(settings.build_dir)
        try:
            outputs, keys = _make(settings, prepared, formats, variants, staging, previous, say)
            complete = (set(formats) == set(FORMATS) and set(papers) == set(DEFAULT_PAPERS)
                        and set(kinds) == set(KINDS))
            entries = [manifest_entry(o, settings.build_dir,
                                      staging.path(o.path.relative_to(settings.build_dir)
                                                   .as_posix())) for o in outputs]
            staging.write("manifest.json",
                          merged_manifest(settings, entries, complete).encode("utf-8"))
            staging.commit()
        finally:
            staging.discard()
        folder = settings.content_dir.resolve()
        now_shared = sorted(str(p.resolve()) for p in prepared.edition.sources
                            if not p.resolve().is_relative_to(folder))
        if now_shared != shared:
            state = fingerprint(settings, formats, papers, kinds, now_shared)
        write_text_atomic(settings.cache.root / STATE, json.dumps({
            "fingerprint": state,
            "shared": now_shared,
            "manifest": file_digest(settings.build_dir / "manifest.json"),
            "keys": {**previous, **keys},
        }, indent=1, sort_keys=True))
        return outputs


def _reason(name: str, key: str, previous: dict[str, str], rebuilt: bool) -> str:
    if not rebuilt:
        return "reused from the cache"
    if name not in previous:
        return "first build"
    return "its inputs changed" if previous[name] != key else "not in the cache"


def _make(settings: Settings, prepared: Prepared, formats: tuple[str, ...],
          variants: list[Variant], staging: Staging, previous: dict[str, str],
          say: Callable[[str], None]) -> tuple[list[Output], dict[str, str]]:
    name = prepared.id
    outputs: list[Output] = []
    keys: dict[str, str] = {}
    say("converting the edition with Pandoc")
    body = print_body(settings, prepared)
    wanted = list(variants)
    if PAGE_SOURCE not in wanted:
        # Laid out (or taken from the cache) for its page map, which the EPUB's page list
        # and the permissions report follow.
        wanted.insert(0, PAGE_SOURCE)

    def report(job_name: str, layout: Layout) -> None:
        how = "reused" if layout.reused else f"{layout.seconds:.1f} s"
        say(f"{job_name}: {layout.pages} pages ({how})")

    epub: list[tuple[bytes, bool]] = []

    def final(variant: Variant, layout: Layout) -> None:
        if variant is PAGE_SOURCE and "epub" in formats:
            say("EPUB")
            epub.append(epub_bytes(settings, prepared, layout.page_map,
                                   _page_source(prepared)))

    laid_out = lay_out(settings, prepared, body, wanted, report, final)
    for warning in sorted({w for _, layout in laid_out.values() for w in layout.warnings}):
        log.warning("WeasyPrint: %s", warning)

    if "html" in formats:
        # The page to look at in a browser keeps target-counter(): it is no layout's input.
        html_text = print_html(settings, prepared, body, PAGE_SOURCE)
        path = staging.write(f"{name}.html", html_text.encode("utf-8"))
        outputs.append(Output("html", path, reason="written"))
    for variant, (job, layout) in laid_out.items():
        keys[variant.name] = job.key
        if variant not in variants:
            continue
        path = staging.write(f"{name}{variant.suffix}", layout.data)
        outputs.append(Output("pdf", path, variant.label, variant.kind, layout.pages,
                              rebuilt=not layout.reused,
                              reason=_reason(variant.name, job.key, previous,
                                             not layout.reused),
                              anchor_pages=layout.anchor_pages))
        if variant is PAGE_SOURCE:
            path = staging.write(f"{name}-{variant.name}.pagemap.json",
                                 page_map_json(layout).encode("utf-8"))
            outputs.append(Output("json", path, variant.label, "page-map", reason="written"))
    if "epub" in formats:
        # Made as soon as the A4 layout was final (above).
        data, rebuilt = epub[0]
        path = staging.write(f"{name}.epub", data)
        outputs.append(Output("epub", path, rebuilt=rebuilt,
                              reason="made" if rebuilt else "reused from the cache"))
    say("permissions report")
    outputs += write_permissions(settings, prepared, laid_out[PAGE_SOURCE][1].anchor_pages,
                                 staging)
    return outputs, keys


def write_permissions(settings: Settings, prepared: Prepared,
                      anchor_pages: Mapping[str, int], staging: Staging) -> list[Output]:
    """<id>-permissions.csv and .json: each reading's citation, rights and pages in the A4
    edition."""
    from . import permissions

    rows = permissions.permissions_report(prepared.edition, prepared.citations, anchor_pages,
                                          strict=settings.strict)
    csv_text, json_text = permissions.render_report(rows)
    return [Output("permissions", staging.write(f"{prepared.id}-permissions{ext}",
                                                text.encode("utf-8")), reason="written")
            for ext, text in ((".csv", csv_text), (".json", json_text))]
