"""The collection as the build sees it: readings, parts, the introduction, appendices.

These are plain values made by sources.load once everything is checked; every later stage
reads them and none changes them."""


from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pressroom.sources.models import (
    EditionConfig,
    Person,
    ReadingMeta,
    join_title,
)
from pressroom.sources.pdffile import PdfFile
from pressroom.sources.timeline import Chronology, Historiography
from pressroom.sources.yamldoc import YamlDoc

MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".svg": "image/svg+xml"}


def sniff_media_type(path: Path) -> str | None:
    """image/png or image/jpeg from a raster file's first bytes; None for anything else."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


@dataclass(frozen=True)
class ReadingImage:
    """An image a reading shows: what it wrote, the file that is shown, where it asked."""

    written: str
    path: Path
    line: int
    alt: str

    @property
    def media_type(self) -> str:
        """The type the file's bytes say, not its name: a PNG saved as .jpg is a PNG."""
        return sniff_media_type(self.path) or MEDIA_TYPES[self.path.suffix.lower()]

    @property
    def source(self) -> str:
        """The URL the assembled Markdown uses for the image."""
        return self.path.as_uri()


@dataclass(frozen=True)
class Reading:
    """One reading of the collection: its front matter, Markdown body and source record."""

    path: Path
    meta: ReadingMeta
    body: str
    body_line: int
    notes: tuple[int, ...]
    #: The front matter as parsed, to name the line of a field in later messages.
    front: YamlDoc | None = None
    #: The source as a CSL JSON item (id: the reading's id), resolved against the
    #: collection's bibliography; None when the reading names no source.
    source: dict[str, Any] | None = None
    #: The images the body shows, checked (images.resolve_images).
    images: tuple[ReadingImage, ...] = ()
    #: A PDF reading's file (path is then its sidecar, where its metadata is written).
    pdf: PdfFile | None = None

    @property
    def id(self) -> str:
        return self.meta.id or self.path.stem

    def line_of(self, field: str) -> int | None:
        return self.front.line_of((field,)) if self.front else None


@dataclass(frozen=True)
class Part:
    """A titled group of readings (a week of the course, a theme)."""

    id: str
    title: str
    readings: tuple[Reading, ...]


@dataclass(frozen=True)
class Introduction:
    """The editors' introduction: a Markdown file, front matter optional."""

    path: Path
    title: str
    body: str
    body_line: int
    notes: tuple[int, ...] = ()
    #: Its own language (front matter ``lang``), if not the collection's.
    lang: str | None = None
    #: Its rights line (front matter ``rights``, ``license``, ``permissions``), if any.
    rights: str | None = None


@dataclass(frozen=True)
class Appendix:
    kind: str
    path: Path
    reading: Reading
    data: Chronology | Historiography


@dataclass(frozen=True)
class Edition:
    """Everything a build needs, validated; a build is a function of this value."""

    path: Path
    config: EditionConfig
    readings: tuple[Reading, ...]
    appendices: tuple[Appendix, ...]
    sources: tuple[Path, ...]
    #: The table of contents' top level: readings and parts, in the collection's order.
    contents: tuple[Reading | Part, ...] = ()
    introduction: Introduction | None = None
    #: The CSL style every citation is formatted in (None: Pandoc's Chicago author-date).
    csl: Path | None = None
    #: The collection's bibliography (CSL JSON or BibTeX), which the readings' in-text
    #: citations ([@key]) are formatted from.
    bibliography: Path | None = None

    @property
    def content_dir(self) -> Path:
        return self.path.parent

    @property
    def lead(self) -> Reading:
        return self.readings[0]

    @property
    def has_parts(self) -> bool:
        return any(isinstance(item, Part) for item in self.contents)

    @property
    def title(self) -> str:
        """The collection's title; an edition of one reading may leave it to the reading."""
        return self.config.title or self.lead.meta.title

    @property
    def subtitle(self) -> str | None:
        return self.config.subtitle if self.config.title else self.lead.meta.subtitle

    @property
    def full_title(self) -> str:
        return join_title(self.title, self.subtitle)

    @property
    def creators(self) -> list[Person]:
        """Who the collection is by: its editors, or the authors of its one reading."""
        return list(self.config.editors) or list(self.lead.meta.authors)
