"""Load and validate the edition's sources: edition.yaml, the readings and the timeline data."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ._run import DEFAULT_LIMITS, WHERE_TO_RAISE
from .citations import read_bibliography
from .errors import ConfigError, ContentError, LimitError
from .fonts import check_coverage
from .images import ReadingImage, resolve_images
from .models import (
    Chronology,
    EditionConfig,
    Historiography,
    PartRef,
    PdfReadingMeta,
    Person,
    ReadingMeta,
    join_title,
    parse_slug,
)
from .pdfreading import PdfFile, inspect_pdf, sidecar_of
from .yamlsource import YamlDoc, load_yaml, parse_yaml, read_text

M = TypeVar("M", bound=BaseModel)

_FRONT_MATTER = re.compile(r"\A---\n(.*?\n)---\n", re.DOTALL)
_NOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:", re.MULTILINE)
_NOTE_CALL = re.compile(r"\[\^([^\]\s]+)\](?!:)")


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


def _describe_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validate(model: type[M], doc: YamlDoc, error: type[ContentError] = ContentError) -> M:
    """Validate YAML data against a model; the first problem becomes a file:line error."""
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        # Tagged unions add their tag ("_file", "_part") to the path; it is not in the file.
        loc = tuple(p for p in first["loc"] if not str(p).startswith("_"))
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "missing":
            message = "required field is missing"
        elif first["type"] == "extra_forbidden":
            message = "unknown field" + _did_you_mean(model, loc)
        context = _entry_context(doc.data, loc)
        raise error(
            f"{context}{message}",
            path=doc.path,
            line=doc.line_of(loc),
            field=_describe_loc(loc) or None,
        ) from exc


def _did_you_mean(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """A hint for a mistyped top-level key: ' (did you mean "pages"?)'."""
    if len(loc) != 1:
        return ""
    names: list[str] = []
    for name, info in model.model_fields.items():
        alias = info.validation_alias
        names += [name, *(str(a) for a in getattr(alias, "choices", ()) if isinstance(a, str))]
    close = difflib.get_close_matches(str(loc[0]), names, n=1, cutoff=0.75)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _entry_context(data: Any, loc: tuple[Any, ...]) -> str:
    # Name the entry by its id, which people search for, rather than only by its index.
    if len(loc) >= 2 and isinstance(data, dict) and isinstance(loc[1], int):
        items = data.get(loc[0])
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            ident = items[loc[1]].get("id")
            if ident:
                return f"{str(loc[0]).rstrip('s')} {ident!r}: "
    return ""


def _split_front_matter(path: Path, max_mb: int = DEFAULT_LIMITS.source_mb
                        ) -> tuple[YamlDoc | None, str, int]:
    """(front matter or None, body, line of the body's first line) of a Markdown file."""
    text = read_text(path, max_mb)
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, text, 1
    doc = parse_yaml(match.group(1), path, line_offset=1)
    if not isinstance(doc.data, dict):
        raise ContentError("front matter must be a mapping", path=path, line=2)
    return doc, text[match.end():], text[: match.end()].count("\n") + 1


def check_notes(path: Path, body: str, body_line: int) -> tuple[int, ...]:
    """Check a body's footnotes; the numbers they print as, in order.

    Numbered labels ([^12]) must run 1, 2, 3 … as in the source, since appendices cite notes
    by those numbers. Named labels ([^t1]) are numbered by the order of their calls.
    """

    def line_at(offset: int) -> int:
        return body_line + body[:offset].count("\n")

    defs = [(m.group(1), m.start()) for m in _NOTE_DEF.finditer(body)]
    called = [(m.group(1), m.start()) for m in _NOTE_CALL.finditer(body)]
    labels = [label for label, _ in defs]
    for index, (label, offset) in enumerate(defs):
        if label in labels[:index]:
            raise ContentError(f"note [^{label}] is defined a second time", path=path,
                               line=line_at(offset))
    for label, offset in called:
        if label not in labels:
            raise ContentError(f"note call [^{label}] has no note", path=path,
                               line=line_at(offset))
    calls = [label for label, _ in called]
    for label, offset in defs:
        if label not in calls:
            what = f"note {label}" if label.isdigit() else f"note [^{label}]"
            raise ContentError(f"{what} is never called", path=path, line=line_at(offset))
    for position, (label, offset) in enumerate(called, start=1):
        if label in calls[: position - 1]:
            raise ContentError(f"note [^{label}] is called a second time (a note has one "
                               "call; repeat its text or write Ibid.)",
                               path=path, line=line_at(offset))
    if not all(label.isdigit() for label in labels):
        return tuple(range(1, len(called) + 1))
    # Notes are numbered where they are called, so numbered calls must run 1, 2, 3 … and
    # match the definitions: anything else would renumber notes and misdirect the appendices'
    # cross-references.
    for position, (label, offset) in enumerate(called, start=1):
        if int(label) != position:
            raise ContentError(f"note call [^{label}] is out of order: expected [^{position}]",
                               path=path, line=line_at(offset))
    for position, (label, offset) in enumerate(defs, start=1):
        if int(label) != position:
            raise ContentError(f"note [^{label}] is out of order: expected [^{position}]",
                               path=path, line=line_at(offset))
    return tuple(int(label) for label in labels)


def _check_id(meta: ReadingMeta, path: Path, where: Path, line: int) -> None:
    """A reading without an id: field takes its file's name, which must then be a slug;
    the error names ``where`` the id: field would go."""
    if meta.id is None:
        try:
            parse_slug(path.stem)
        except ValueError:
            raise ContentError(f"the file name {path.stem!r} cannot be the reading's id "
                               "(lowercase words joined by hyphens); give it an id: field",
                               path=where, line=line, field="id") from None


def load_reading(path: Path, max_mb: int = DEFAULT_LIMITS.source_mb,
                 max_pdf_mb: int = DEFAULT_LIMITS.pdf_mb) -> Reading:
    """Read a Markdown reading with YAML front matter and check its footnotes; a ``.pdf``
    is a PDF reading, described by its sidecar."""
    if path.suffix.lower() == ".pdf":
        return load_pdf_reading(path, max_mb, max_pdf_mb)
    doc, body, body_line = _split_front_matter(path, max_mb)
    if doc is None:
        raise ContentError("a reading must start with YAML front matter between --- lines "
                           "(at least a title)", path=path, line=1)
    meta = validate(ReadingMeta, doc)
    _check_id(meta, path, path, 2)
    notes = check_notes(path, body, body_line)
    return Reading(path, meta, body, body_line, notes, doc)


def load_pdf_reading(path: Path, max_mb: int = DEFAULT_LIMITS.source_mb,
                     max_pdf_mb: int = DEFAULT_LIMITS.pdf_mb) -> Reading:
    """A PDF reading: the file, and its metadata from the sidecar beside it (same name,
    .yaml). Messages about the metadata name the sidecar; about the pages, the PDF."""
    sidecar = sidecar_of(path)
    if not sidecar.is_file():
        raise ContentError(f"a PDF reading needs its metadata beside it in {sidecar.name} "
                           "(title, author, source, rights; optionally pages)", path=path)
    doc = load_yaml(sidecar, max_mb)
    if not isinstance(doc.data, dict):
        raise ContentError("a PDF reading's metadata must be a mapping (title: …)",
                           path=sidecar, line=1)
    meta = validate(PdfReadingMeta, doc)
    _check_id(meta, path, sidecar, 1)
    if path.stat().st_size > max_pdf_mb * 1024 * 1024:
        raise LimitError(f"the PDF is larger than {max_pdf_mb} MB (limit pdf_mb; "
                         f"{WHERE_TO_RAISE})", path=path)
    spec = None if meta.pages is None else str(meta.pages)
    pdf = inspect_pdf(path, spec, doc.line_of(("pages",)), sidecar)
    return Reading(sidecar, meta, "", 1, (), doc, pdf=pdf)


def load_introduction(path: Path, max_mb: int = DEFAULT_LIMITS.source_mb) -> Introduction:
    """The editors' introduction; its front matter, if any, may give a title."""
    doc, body, body_line = _split_front_matter(path, max_mb)
    title = "Introduction"
    if doc is not None:
        data = doc.data
        unknown = sorted(set(data) - {"title", "author", "lang"})
        if unknown:
            raise doc.error("unknown field", (unknown[0],), field=unknown[0])
        if "title" in data:
            title = str(data["title"])
    return Introduction(path, title, body, body_line, check_notes(path, body, body_line))


#: Words that make a name an institution's ("Ministry of Foreign Trade"), never inverted.
_INSTITUTION_WORDS = frozenset({"of", "for", "and", "the", "&"})


def _surname_first(person: Person) -> dict[str, str]:
    """A person as CSL's family and given names: from ``sort-name`` ("Chen, Jian") where
    given, else the last word is the family name; an institution's name stays whole."""
    if person.sort_name and "," in person.sort_name:
        family, _, given = person.sort_name.partition(",")
        return {"family": family.strip(), "given": given.strip()}
    words = person.name.split()
    if len(words) > 3 or _INSTITUTION_WORDS & {w.casefold() for w in words}:
        return {"literal": person.name}
    given, _, family = person.name.rpartition(" ")
    return {"family": family, "given": given} if given else {"literal": person.name}


def resolve_source(reading: Reading, bibliography: dict[str, dict[str, Any]] | None,
                   bibliography_path: Path | None) -> Reading:
    """The reading with its source as a CSL item: inline, or looked up by key.

    What the record leaves out and the reading says (title, authors) is filled in, so a
    source written as `{type: article-journal, container-title: …, issued: 2014}` is enough.
    """
    meta = reading.meta
    key = meta.source_key or (meta.source[1:] if isinstance(meta.source, str) else None)
    item: dict[str, Any] | None
    if key is not None:
        field = "source-key" if meta.source_key else "source"
        if bibliography is None:
            raise ContentError(f"cites {key!r} but the collection names no bibliography",
                               path=reading.path, line=reading.line_of(field), field=field)
        if key not in bibliography:
            raise ContentError(f"no entry {key!r} in {bibliography_path}", path=reading.path,
                               line=reading.line_of(field), field=field)
        item = dict(bibliography[key])
    elif isinstance(meta.source, dict):
        item = dict(meta.source)
    else:
        return reading
    item["id"] = reading.id
    item.setdefault("title", meta.full_title)
    if not any(k in item for k in ("author", "editor", "container-author")) and meta.authors:
        item["author"] = [_surname_first(p) for p in meta.authors]
    return replace(reading, source=item)


def _check_notes(doc: YamlDoc, data: Chronology | Historiography, reading: Reading) -> None:
    items, label = (
        (data.events, "events") if isinstance(data, Chronology) else (data.works, "works")
    )
    for loc, message in data.problems():
        raise doc.error(message, loc, field=_describe_loc(loc))
    seen: dict[str, int] = {}
    available = set(reading.notes)
    span = f"1-{max(reading.notes)}" if reading.notes else "none"
    for index, item in enumerate(items):
        if item.id in seen:
            raise doc.error(
                f"duplicate id {item.id!r} (first used on line "
                f"{doc.line_of((label, seen[item.id], 'id'))})",
                (label, index, "id"),
                field=f"{label}[{index}].id",
            )
        seen[item.id] = index
        for k, note in enumerate(item.notes):
            if note not in available:
                raise doc.error(
                    f"{label.rstrip('s')} {item.id!r}: unknown note {note} "
                    f"(the article '{reading.id}' has notes {span})",
                    (label, index, "notes", k),
                    field=f"{label}[{index}].notes[{k}]",
                )
        if isinstance(data, Chronology) and not item.notes and not item.sources:
            raise doc.error(
                f"event {item.id!r}: give at least one article note or a named source",
                (label, index),
                field=f"{label}[{index}].notes",
            )
    if isinstance(data, Chronology):
        for index, phase in enumerate(data.phases):
            if phase.end < phase.start:
                raise doc.error(f"phase {phase.id!r} ends before it starts",
                                ("phases", index, "end"), field=f"phases[{index}].end")


def load_appendix(path: Path, kind: str, reading: Reading,
                  max_mb: int = DEFAULT_LIMITS.source_mb) -> Appendix:
    """Load a timeline file and check it against the reading whose notes it cites."""
    doc = load_yaml(path, max_mb)
    if not isinstance(doc.data, dict):
        raise ContentError("timeline data must be a mapping", path=path, line=1)
    model = Chronology if kind == "chronology" else Historiography
    data = validate(model, doc)
    _check_notes(doc, data, reading)
    return Appendix(kind, path, reading, data)


def _collection_file(path: Path) -> Path:
    # A folder stands for the edition.yaml inside it.
    return path / "edition.yaml" if path.is_dir() else path


def load_edition(path: Path, root: Path | None = None, *,
                 max_source_mb: int = DEFAULT_LIMITS.source_mb,
                 max_pdf_mb: int = DEFAULT_LIMITS.pdf_mb) -> Edition:
    """Load a collection file (or a folder's edition.yaml) and everything it names (no file
    over max_source_mb megabytes).

    Paths in the file are relative to it and must stay inside ``root`` (by default the
    file's folder; a build passes the project, so readers can share readings).
    """
    config_path = _collection_file(path)
    base = config_path.parent
    root = root or base
    doc = load_yaml(config_path, max_source_mb)
    if not isinstance(doc.data, dict):
        raise ConfigError("collection settings must be a mapping", path=config_path, line=1)
    config = validate(EditionConfig, doc, ConfigError)

    def file(name: str, loc: tuple[Any, ...]) -> Path:
        found = _inside(root, base / name, name, doc, loc)
        _require_file(found, doc, loc)
        return found

    bib_path = file(config.bibliography, ("bibliography",)) if config.bibliography else None
    bibliography = read_bibliography(bib_path) if bib_path else None
    csl = file(config.csl, ("csl",)) if config.csl else None

    def reading_at(path: Path) -> Reading:
        reading = resolve_images(load_reading(path, max_source_mb, max_pdf_mb), root)
        check_coverage(reading, config.language)
        return resolve_source(reading, bibliography, bib_path)

    readings: list[Reading] = []
    contents: list[Reading | Part] = []
    for index, entry in enumerate(config.readings):
        if isinstance(entry, PartRef):
            members = [reading_at(file(name, ("readings", index, "readings", k)))
                       for k, name in enumerate(entry.readings)]
            readings += members
            contents.append(Part(f"part-{sum(isinstance(c, Part) for c in contents) + 1}",
                                 entry.part, tuple(members)))
        else:
            reading = reading_at(file(entry, ("readings", index)))
            readings.append(reading)
            contents.append(reading)
    by_id: dict[str, Reading] = {}
    for reading in readings:
        if reading.id in by_id:
            raise ConfigError(f"two readings have the id {reading.id!r}: "
                              f"{by_id[reading.id].path} and {reading.path}",
                              path=config_path, line=doc.line_of(("readings",)),
                              field="readings")
        by_id[reading.id] = reading
    introduction = (load_introduction(file(config.introduction, ("introduction",)),
                                      max_source_mb) if config.introduction else None)
    kinds = [ref.kind for ref in config.appendices]
    for index, kind in enumerate(kinds):
        if kind in kinds[:index]:
            raise ConfigError(f"a second {kind} appendix (one of each kind per edition)",
                              path=config_path, line=doc.line_of(("appendices", index, "kind")),
                              field=f"appendices[{index}].kind")
    appendices: list[Appendix] = []
    for index, ref in enumerate(config.appendices):
        if ref.reading not in by_id:
            raise ConfigError(f"appendix names unknown reading {ref.reading!r}",
                              path=config_path, line=doc.line_of(("appendices", index, "reading")),
                              field=f"appendices[{index}].reading")
        source = file(ref.source, ("appendices", index, "source"))
        appendices.append(load_appendix(source, ref.kind, by_id[ref.reading], max_source_mb))
    sources = (config_path, *(r.path for r in readings),
               *(r.pdf.path for r in readings if r.pdf),
               *([introduction.path] if introduction else []),
               *(a.path for a in appendices), *([bib_path] if bib_path else []),
               *([csl] if csl else []))
    return Edition(config_path, config, tuple(readings), tuple(appendices), sources,
                   tuple(contents), introduction, csl)


def _inside(root: Path, path: Path, name: str, doc: YamlDoc, loc: tuple[Any, ...]) -> Path:
    if not path.resolve().is_relative_to(root.resolve()):
        where = "the project" if root != doc.path.parent else "the collection's folder"
        raise ConfigError(f"{name!r} is outside {where}", path=doc.path,
                          line=doc.line_of(loc), field=_describe_loc(loc))
    return path


def _require_file(path: Path, doc: YamlDoc, loc: tuple[Any, ...]) -> None:
    # Name the line of the collection file that points at the missing file, where the fix is.
    if not path.is_file():
        raise ConfigError(f"no such file: {path}", path=doc.path, line=doc.line_of(loc),
                          field=_describe_loc(loc))
