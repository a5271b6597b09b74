"""Turn the assembled Markdown into an EPUB 3: Pandoc writes it, we finish the package.

Pandoc runs sandboxed, so it can read nothing but its input: no stylesheet, no cover, not even
the clock. Finishing the package is ours: the stylesheet goes in, a raster cover drawn from the
metadata (templates/cover.html.j2, laid out by WeasyPrint in EB Garamond and rasterised by
poppler's pdftoppm) and a title page from templates/epub-title-page.xhtml.j2 replace what
Pandoc would make, the package document gets the edition's dates, subtitle and accessibility
metadata, the content documents get page-break markers of the A4 print edition and the
navigation document its page list. The zip is written byte-reproducibly.
"""


from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pressroom import faces
from pressroom.epub import pagelist, xmltree
from pressroom.epub.cover import cover_page, cover_png, title_page
from pressroom.epub.xmltree import DC, OPF, XHTML
from pressroom.errors import RenderError
from pressroom.printing.pagemap import PageMap
from pressroom.sources.citations import Citation
from pressroom.sources.edition import Edition
from pressroom.templating import read_template_file
from pressroom.tools.pandoc import run_pandoc
from pressroom.tools.run import DEFAULT_LIMITS, Limits

#: Namespace for the edition identifiers: uuid5(namespace, edition id) is stable across builds.
EDITION_NAMESPACE = uuid.UUID("6f1e7f0a-3f0c-5a55-9d4e-1c2b7a1d0e11")


PACKAGE = "EPUB/content.opf"
NAV = "EPUB/nav.xhtml"
NCX = "EPUB/toc.ncx"
STYLESHEET = "EPUB/styles/stylesheet1.css"
COVER_IMAGE = "EPUB/media/cover.png"
COVER_PAGE = "EPUB/text/cover.xhtml"
TITLE_PAGE = "EPUB/text/title_page.xhtml"


#: Marks that only steer line breaking in print (a word joiner around a range's dash): in a
#: reading system's lists of titles (navigation, NCX, a chapter's title) they are nothing
#: to show, and an older reader's font draws them as boxes.
_JOINERS = {ord("\u2060"): None}


def is_chapter(name: str) -> bool:
    """Whether a zip member is one of Pandoc's chapters, EPUB/text/ch001.xhtml and on."""
    number = name.removeprefix("EPUB/text/ch").removesuffix(".xhtml")
    return name != number and number.isdigit()

#: One element for the package document: its tag (with its namespace), attributes and text.
Entry = tuple[str, dict[str, str], str | None]


def edition_identifier(edition: Edition) -> str:
    """A URN derived from the edition's id and date: same inputs, same identifier."""
    key = f"{edition.config.id}:{edition.config.date.isoformat()}"
    return f"urn:uuid:{uuid.uuid5(EDITION_NAMESPACE, key)}"


def edition_urn(edition: Edition) -> str:
    """A second, readable identifier (urn:pressroom:id:date); tools such as calibre list it,
    where they keep a urn:uuid only as their own internal key."""
    return f"urn:pressroom:{edition.config.id}:{edition.config.date.isoformat()}"


def source_elements(sources: Sequence[Citation]) -> list[Entry]:
    """A dc:source per reading's source, citations formatted by citeproc. (Pandoc's
    --epub-metadata keeps only one dc:source, so they are added to its package document.)"""
    return [(f"{{{DC}}}source", {}, source.text) for source in sources]


@dataclass(frozen=True)
class Accessibility:
    """What the package says about the publication's accessibility (EPUB Accessibility 1.1)."""

    features: tuple[str, ...]
    summary: str
    conforms_to: str = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"


def accessibility(edition: Edition, has_page_list: bool, has_images: bool) -> Accessibility:
    features = [
        "structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability",
    ]
    if has_page_list:
        features += ["printPageNumbers", "pageBreakMarkers", "pageNavigation"]
    if has_images:
        features.append("alternativeText")
    # Only a chronology appendix draws the timeline figure.
    has_timeline = any(a.kind == "chronology" for a in edition.appendices)
    summary = (
        "A reading edition in reflowable text, with headings for every part, a table of "
        "contents and notes that link to their calls and back"
        + (", and page-break markers and a page list matching the A4 print edition"
           if has_page_list else "")
        + "."
        + (" The cover and the timeline figure have text alternatives, and every event in the "
           "figure is also given in full as text." if has_images and has_timeline else
           " The cover and every image have text alternatives." if has_images else "")
        + " No hazards; the reader's own font, size and colours apply."
    )
    return Accessibility(tuple(features), summary)


def _meta(prop: str, value: str) -> Entry:
    return (f"{{{OPF}}}meta", {"property": prop}, value)


def _opf_metadata(edition: Edition, a11y: Accessibility, page_source: str | None
                  ) -> list[Entry]:
    entries = [(f"{{{DC}}}identifier", {"id": "edition-urn"}, edition_urn(edition)),
               _meta("schema:accessMode", "textual")]
    if "alternativeText" in a11y.features:
        entries.append(_meta("schema:accessMode", "visual"))
    entries.append(_meta("schema:accessModeSufficient", "textual"))
    entries += [_meta("schema:accessibilityFeature", f) for f in a11y.features]
    entries.append(_meta("schema:accessibilityHazard", "none"))
    entries.append(_meta("schema:accessibilitySummary", a11y.summary))
    entries.append(_meta("dcterms:conformsTo", a11y.conforms_to))
    if page_source:
        entries.append(_meta("pageBreakSource", page_source))
    entries.append((f"{{{OPF}}}meta", {"name": "cover", "content": "cover-image"}, None))
    return entries


def _add_lines(parent: etree._Element, entries: Sequence[Entry]) -> None:
    # After the parent's children, one a line at their indentation, as Pandoc lays them out.
    # The OPF namespace is named as the package's default: Pandoc's elements are unprefixed.
    added = [xmltree.add(parent, tag, attrib, text, nsmap={None: OPF})
             for tag, attrib, text in entries]
    xmltree.lines(added, "\n    ", "\n  ")


def _finish_opf(tree: etree._ElementTree, edition: Edition, a11y: Accessibility,
                page_source: str | None, raw: Path, sources: Sequence[Citation] = ()) -> None:
    """Give Pandoc's package document (parsed, changed in place) the edition's date, our
    metadata and the cover."""
    package = tree.getroot()
    day = edition.config.revised
    modified = [m for m in package.iter(f"{{{OPF}}}meta")
                if m.get("property") == "dcterms:modified"]
    if len(modified) != 1:
        raise RenderError("Pandoc's package document has no dcterms:modified", path=raw)
    modified[0].text = f"{day.isoformat()}T00:00:00Z"
    spine = xmltree.child(package, f"{{{OPF}}}spine", "package document has no spine", raw)
    metadata = xmltree.child(package, f"{{{OPF}}}metadata",
                             "package document has no metadata", raw)
    manifest = xmltree.child(package, f"{{{OPF}}}manifest",
                             "package document has no manifest", raw)
    # Pandoc's own accessibility claims are replaced by ours, which know the content.
    for meta in [m for m in metadata.iter(f"{{{OPF}}}meta")
                 if (m.get("property") or "").startswith("schema:access")]:
        xmltree.remove(meta)
    entries = source_elements(sources) + _opf_metadata(edition, a11y, page_source)
    if edition.subtitle:
        entries = [
            (f"{{{DC}}}title", {"id": "epub-subtitle"}, edition.subtitle),
            (f"{{{OPF}}}meta", {"refines": "#epub-subtitle", "property": "title-type"},
             "subtitle"),
            (f"{{{OPF}}}meta", {"refines": "#epub-title-1", "property": "title-type"}, "main"),
            *entries,
        ]
    _add_lines(metadata, entries)
    _add_lines(manifest, [
        (f"{{{OPF}}}item", {"id": "cover-image", "href": "media/cover.png",
                            "media-type": "image/png", "properties": "cover-image"}, None),
        (f"{{{OPF}}}item", {"id": "cover_xhtml", "href": "text/cover.xhtml",
                            "media-type": "application/xhtml+xml"}, None),
    ])
    # The cover comes first in the reading order, on a line of its own. (Outside the metadata
    # the OPF namespace has one name, the default, so the itemref can be moved into place.)
    cover = spine.makeelement(f"{{{OPF}}}itemref", {"idref": "cover_xhtml"})
    spine.insert(0, cover)
    cover.tail, spine.text = spine.text, "\n    "


def _title_chapter(tree: etree._ElementTree) -> bool:
    """Give a chapter the title of its first heading (Pandoc titles it by its file name,
    "ch001.xhtml", which is what a reading system and a screen reader announce); whether it
    changed."""
    root = tree.getroot()
    title = root.find(f"{{{XHTML}}}head/{{{XHTML}}}title")
    heading = next(root.iter(f"{{{XHTML}}}h1", f"{{{XHTML}}}h2", f"{{{XHTML}}}h3"), None)
    if title is None or heading is None:
        return False
    text = " ".join("".join(heading.itertext()).translate(_JOINERS).split())
    if not text or title.text == text:
        return False
    title.text = text
    return True


def _add_landmarks(root: etree._Element, first_chapter: str | None) -> None:
    """The cover (ours) and the start of the reading in the navigation's landmarks, after
    Pandoc's title page and contents: "go to the beginning" in a reading system, and the
    landmarks EPUB Accessibility asks for."""
    landmarks = next((n for n in root.iter(f"{{{XHTML}}}nav")
                      if n.get(f"{{{xmltree.EPUB}}}type") == "landmarks"), None)
    listed = landmarks.find(f"{{{XHTML}}}ol") if landmarks is not None else None
    if listed is None:
        return
    entries = [("cover", COVER_PAGE.removeprefix("EPUB/"), "Cover")]
    if first_chapter:
        entries.append(("bodymatter", first_chapter, "Start of Content"))
    present = {a.get(f"{{{xmltree.EPUB}}}type") for a in listed.iter(f"{{{XHTML}}}a")}
    added = []
    for kind, href, label in (e for e in entries if e[0] not in present):
        item = xmltree.add(listed, f"{{{XHTML}}}li")
        link = xmltree.add(item, f"{{{XHTML}}}a", {"href": href, f"{{{xmltree.EPUB}}}type": kind},
                           label)
        xmltree.lines([link], "\n      ", "\n    ")
        added.append(item)
    xmltree.lines(added, "\n    ", "\n  ")


def _drop_joiners(root: etree._Element) -> None:
    """The print-only word joiners out of every text of a list of titles."""
    for element in root.iter():
        if element.text:
            element.text = element.text.translate(_JOINERS)
        if element.tail:
            element.tail = element.tail.translate(_JOINERS)


def _zip_date(edition: Edition) -> tuple[int, int, int, int, int, int]:
    day = edition.config.revised
    return (day.year, day.month, day.day, 0, 0, 0)


def finish_epub(
    raw: Path,
    edition: Edition,
    templates_dir: Path,
    has_page_list: bool = False,
    page_source: str | None = None,
    sources: Sequence[Citation] = (),
    cover: bytes | None = None,
) -> bytes:
    """Rewrite Pandoc's EPUB into ours (see the module docstring); the zip is reproducible.
    ``cover`` is the cover's PNG as an earlier build made it (None: made here)."""
    with zipfile.ZipFile(raw) as source:
        names = source.namelist()
        contents = {name: source.read(name) for name in names}
    for required in (PACKAGE, NAV, STYLESHEET, TITLE_PAGE):
        if required not in contents:
            raise RenderError(f"Pandoc's EPUB has no {required}", path=raw)
    contents[STYLESHEET] = (read_template_file(templates_dir, "epub.css")
                            + faces.render_font_css(templates_dir, "epub")).encode("utf-8")
    contents[TITLE_PAGE] = title_page(edition, templates_dir, sources).encode("utf-8")

    chapters = sorted(n for n in names if is_chapter(n))
    trees = {n: xmltree.parse(contents[n], n, raw) for n in chapters}
    for name, tree in trees.items():
        if _title_chapter(tree):
            contents[name] = xmltree.serialise(tree)
    nav = xmltree.parse(contents[NAV], "navigation document", raw)
    _drop_joiners(nav.getroot())
    _add_landmarks(nav.getroot(), chapters[0].removeprefix("EPUB/") if chapters else None)
    if NCX in contents:
        ncx = xmltree.parse(contents[NCX], "NCX", raw)
        _drop_joiners(ncx.getroot())
        contents[NCX] = xmltree.serialise(ncx)
    if has_page_list:
        markers = pagelist.find_markers(
            {n.removeprefix("EPUB/"): tree.getroot() for n, tree in trees.items()})
        body = xmltree.child(nav.getroot(), f"{{{XHTML}}}body",
                             "navigation document has no body", raw)
        # The page list goes after Pandoc's navs, indented on a line of its own.
        page_list = pagelist.page_list_nav(markers)
        body.append(page_list)
        xmltree.lines([page_list], "\n  ", "\n")
    contents[NAV] = xmltree.serialise(nav)

    has_images = any(n.startswith("EPUB/media/") for n in names)
    a11y = accessibility(edition, has_page_list, has_images)
    opf = xmltree.parse(contents[PACKAGE], "package document", raw)
    _finish_opf(opf, edition, a11y, page_source if has_page_list else None, raw, sources)
    contents[PACKAGE] = xmltree.serialise(opf)
    contents[COVER_IMAGE] = cover if cover is not None else cover_png(edition, templates_dir)
    contents[COVER_PAGE] = cover_page(edition, templates_dir).encode("utf-8")

    order = ["mimetype"] + [n for n in names if n != "mimetype"] + [COVER_IMAGE, COVER_PAGE]
    stamp = _zip_date(edition)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            # The PNG is compressed already; deflating it again gains nothing.
            stored = name == "mimetype" or name == COVER_IMAGE
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            target.writestr(info, contents[name])
    return buffer.getvalue()


def render_epub(
    edition: Edition,
    document_path: Path,
    metadata_path: Path,
    templates_dir: Path,
    work_dir: Path,
    *,
    page_map: PageMap | None = None,
    page_source: str | None = None,
    sources: Sequence[Citation] = (),
    limits: Limits = DEFAULT_LIMITS,
    cover: bytes | None = None,
) -> bytes:
    """The EPUB's bytes, written from the document filtered for it (epub.units, which put
    a page-break marker where each page of ``page_map`` begins); work_dir (private to this
    call) holds Pandoc's scratch files. A reader with parts has them at level 1 and their
    readings at level 2: one chapter per reading, and a navigation grouped by part."""
    raw = work_dir / ".pandoc.epub"
    depth = 2 if edition.has_parts else 1
    run_pandoc(
        document_path,
        "epub3",
        output=raw,
        metadata=metadata_path,
        format="json",
        extra_args=(
            "--toc",
            f"--toc-depth={depth}",
            f"--split-level={depth}",
            "--metadata",
            f"identifier={edition_identifier(edition)}",
            # Pandoc's title page is replaced by ours (title_page()); its place in the spine
            # and the landmarks stay.
            "--epub-title-page=true",
            # TeX math as MathML, which EPUB 3 reading systems render (print draws it).
            "--mathml",
            # Code is highlighted in bold and italic only: the coloured styles have
            # colours below WCAG's 4.5:1 contrast on white (DAISY Ace refuses them).
            "--syntax-highlighting=monochrome",
            "--metadata",
            "toc-title=Contents",
            # The filters ran unit by unit (epub.units); the media filter only reads the
            # images into the media bag again.
            "--metadata",
            "pressroom-embed-only=true",
        ),
        limits=limits,
        filters=("media.lua",),
    )
    return finish_epub(raw, edition, templates_dir, bool(page_map and page_map.starts), page_source,
                       sources, cover)
