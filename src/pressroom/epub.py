"""Turn the assembled Markdown into an EPUB 3 with Pandoc, with stable metadata."""

from __future__ import annotations

import re
import uuid
import zipfile
from pathlib import Path

from ._pandoc import run_pandoc
from .content import Edition
from .errors import RenderError

#: Namespace for the edition identifiers: uuid5(namespace, edition id) is stable across builds.
EDITION_NAMESPACE = uuid.UUID("6f1e7f0a-3f0c-5a55-9d4e-1c2b7a1d0e11")


def edition_identifier(edition: Edition) -> str:
    """A URN derived from the edition's id and date: same inputs, same identifier."""
    key = f"{edition.config.id}:{edition.config.date.isoformat()}"
    return f"urn:uuid:{uuid.uuid5(EDITION_NAMESPACE, key)}"


def epub_metadata_xml(edition: Edition) -> str:
    """Dublin Core extras Pandoc does not take from front matter (source, identifier)."""
    from xml.sax.saxutils import escape

    lead = edition.lead.meta
    source = lead.source
    citation = (
        f"{', '.join(a.name for a in lead.authors)}, “{lead.title}"
        f"{' ' + lead.subtitle if lead.subtitle else ''}”, {source.journal}"
        f"{f' {source.volume}' if source.volume else ''}"
        f"{f'({source.issue})' if source.issue else ''} ({source.year})"
        f"{f', {source.permalink}' if source.permalink else ''}"
    )
    # Pandoc keeps one dc:source, so the citation carries the permalink.
    return f"<dc:source>{escape(citation)}</dc:source>\n"


STYLESHEET = "EPUB/styles/stylesheet1.css"
PACKAGE = "EPUB/content.opf"


def _zip_date(edition: Edition) -> tuple[int, int, int, int, int, int]:
    day = edition.config.modified or edition.config.date
    return (day.year, day.month, day.day, 0, 0, 0)


def finish_epub(raw: Path, output: Path, edition: Edition, replacements: dict[str, bytes]) -> None:
    """Rewrite Pandoc's EPUB: put our files in, and make the zip byte-reproducible.

    Pandoc's --sandbox (which keeps outside files out) also keeps out our stylesheet and the
    clock, so the stylesheet and the modification date go in here; every zip entry gets the
    edition's date, and mimetype comes first, stored.
    """
    with zipfile.ZipFile(raw) as source:
        names = source.namelist()
        contents = {name: source.read(name) for name in names}
    missing = set(replacements) - set(contents)
    if missing:
        raise RenderError(f"Pandoc's EPUB has no {sorted(missing)[0]}", path=raw)
    contents.update(replacements)
    # Sandboxed Pandoc cannot read the clock and dates the package 1970; use the edition's date.
    opf = contents[PACKAGE].decode("utf-8")
    day = edition.config.modified or edition.config.date
    opf, found = re.subn(
        r'(<meta property="dcterms:modified">)[^<]*(</meta>)',
        rf"\g<1>{day.isoformat()}T00:00:00Z\g<2>",
        opf,
    )
    if found != 1:
        raise RenderError("Pandoc's package document has no dcterms:modified", path=raw)
    contents[PACKAGE] = opf.encode("utf-8")
    order = ["mimetype"] + [n for n in names if n != "mimetype"]
    stamp = _zip_date(edition)
    with zipfile.ZipFile(output, "w") as target:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            target.writestr(info, contents[name])


def render_epub(
    edition: Edition,
    markdown_path: Path,
    output: Path,
    templates_dir: Path,
    work_dir: Path,
) -> None:
    """Write the EPUB to output (the caller renames it into place)."""
    metadata_xml = work_dir / "epub-metadata.xml"
    metadata_xml.write_text(epub_metadata_xml(edition), encoding="utf-8")
    raw = work_dir / ".pandoc.epub"
    run_pandoc(
        markdown_path,
        "epub3",
        output=raw,
        extra_args=(
            "--toc",
            "--toc-depth=1",
            "--split-level=1",
            "--epub-metadata",
            str(metadata_xml.resolve()),
            "--metadata",
            f"identifier={edition_identifier(edition)}",
            "--epub-title-page=true",
        ),
    )
    try:
        css = (templates_dir / "epub.css").read_bytes()
        finish_epub(raw, output, edition, {STYLESHEET: css})
    finally:
        raw.unlink(missing_ok=True)
