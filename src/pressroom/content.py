"""Load and validate the edition's sources: edition.yaml, the readings and the timeline data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ._run import DEFAULT_LIMITS
from .errors import ConfigError, ContentError
from .fonts import check_coverage
from .images import ReadingImage, resolve_images
from .models import Chronology, EditionConfig, Historiography, ReadingMeta
from .yamlsource import YamlDoc, load_yaml, parse_yaml, read_text

M = TypeVar("M", bound=BaseModel)

_FRONT_MATTER = re.compile(r"\A---\n(.*?\n)---\n", re.DOTALL)
_NOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:", re.MULTILINE)
_NOTE_CALL = re.compile(r"\[\^([^\]\s]+)\](?!:)")


@dataclass(frozen=True)
class Reading:
    """One article of the edition: its front matter and its Markdown body."""

    path: Path
    meta: ReadingMeta
    body: str
    body_line: int
    notes: tuple[int, ...]
    #: The images the body shows, checked (images.resolve_images).
    images: tuple[ReadingImage, ...] = ()


@dataclass(frozen=True)
class Appendix:
    kind: str
    path: Path
    reading: Reading
    data: Chronology | Historiography


@dataclass(frozen=True)
class Edition:
    """Everything a build needs, validated; a build is a function of this value."""

    content_dir: Path
    config: EditionConfig
    readings: tuple[Reading, ...]
    appendices: tuple[Appendix, ...]
    sources: tuple[Path, ...]

    @property
    def lead(self) -> Reading:
        return self.readings[0]


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
        loc = tuple(first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "missing":
            message = "required field is missing"
        elif first["type"] == "extra_forbidden":
            message = "unknown field"
        context = _entry_context(doc.data, loc)
        raise error(
            f"{context}{message}",
            path=doc.path,
            line=doc.line_of(loc),
            field=_describe_loc(loc) or None,
        ) from exc


def _entry_context(data: Any, loc: tuple[Any, ...]) -> str:
    # Name the entry by its id, which people search for, rather than only by its index.
    if len(loc) >= 2 and isinstance(data, dict) and isinstance(loc[1], int):
        items = data.get(loc[0])
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            ident = items[loc[1]].get("id")
            if ident:
                return f"{str(loc[0]).rstrip('s')} {ident!r}: "
    return ""


def load_reading(path: Path, max_mb: int = DEFAULT_LIMITS.source_mb) -> Reading:
    """Read a Markdown reading with YAML front matter and check its footnotes."""
    text = read_text(path, max_mb)
    match = _FRONT_MATTER.match(text)
    if not match:
        raise ContentError("a reading must start with YAML front matter between --- lines",
                           path=path, line=1)
    doc = parse_yaml(match.group(1), path, line_offset=1)
    if not isinstance(doc.data, dict):
        raise ContentError("front matter must be a mapping", path=path, line=2)
    meta = validate(ReadingMeta, doc)
    body = text[match.end() :]
    body_line = text[: match.end()].count("\n") + 1

    def line_at(offset: int) -> int:
        return body_line + body[:offset].count("\n")

    defined: list[int] = []
    for found in _NOTE_DEF.finditer(body):
        label = found.group(1)
        if not label.isdigit():
            raise ContentError(f"footnote [^{label}] must be numbered as in the source",
                               path=path, line=line_at(found.start()))
        defined.append(int(label))
    called = [(m.group(1), m.start()) for m in _NOTE_CALL.finditer(body)]
    # Notes are numbered where they are called, so the calls must run 1, 2, 3 … once each and
    # match the definitions: anything else would renumber notes and misdirect the appendices'
    # cross-references.
    for label, offset in called:
        if not label.isdigit() or int(label) not in defined:
            raise ContentError(f"note call [^{label}] has no note", path=path,
                               line=line_at(offset))
    numbers = [int(label) for label, _ in called]
    for found in _NOTE_DEF.finditer(body):
        if int(found.group(1)) not in numbers:
            raise ContentError(f"note {int(found.group(1))} is never called", path=path,
                               line=line_at(found.start()))
    for position, (number, (_, offset)) in enumerate(zip(numbers, called, strict=True),
                                                    start=1):
        if number in numbers[: position - 1]:
            raise ContentError(f"note [^{number}] is called a second time (a note has one "
                               "call; repeat its text or write Ibid.)",
                               path=path, line=line_at(offset))
        if number != position:
            raise ContentError(f"note call [^{number}] is out of order: expected [^{position}]",
                               path=path, line=line_at(offset))
    for position, (number, found) in enumerate(zip(defined, _NOTE_DEF.finditer(body),
                                                   strict=True), start=1):
        if number != position:
            raise ContentError(f"note [^{number}] is out of order: expected [^{position}]",
                               path=path, line=line_at(found.start()))
    return Reading(path, meta, body, body_line, tuple(defined))


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
                    f"(the article '{reading.meta.id}' has notes {span})",
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


def load_edition(content_dir: Path, *,
                 max_source_mb: int = DEFAULT_LIMITS.source_mb) -> Edition:
    """Load edition.yaml and everything it names, validating as we go (no file over
    max_source_mb megabytes)."""
    config_path = content_dir / "edition.yaml"
    doc = load_yaml(config_path, max_source_mb)
    if not isinstance(doc.data, dict):
        raise ConfigError("edition settings must be a mapping", path=config_path, line=1)
    config = validate(EditionConfig, doc, ConfigError)
    readings: list[Reading] = []
    for index, name in enumerate(config.readings):
        path = _inside(content_dir, name, doc, ("readings", index))
        _require_file(path, doc, ("readings", index))
        reading = resolve_images(load_reading(path, max_source_mb), content_dir)
        check_coverage(reading, config.language)
        readings.append(reading)
    by_id: dict[str, Reading] = {}
    for index, reading in enumerate(readings):
        if reading.meta.id in by_id:
            raise ConfigError(f"two readings have the id {reading.meta.id!r}", path=config_path,
                              line=doc.line_of(("readings", index)), field=f"readings[{index}]")
        by_id[reading.meta.id] = reading
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
        path = _inside(content_dir, ref.source, doc, ("appendices", index, "source"))
        _require_file(path, doc, ("appendices", index, "source"))
        appendices.append(load_appendix(path, ref.kind, by_id[ref.reading], max_source_mb))
    sources = (config_path, *(r.path for r in readings), *(a.path for a in appendices))
    return Edition(content_dir, config, tuple(readings), tuple(appendices), sources)


def _inside(content_dir: Path, name: str, doc: YamlDoc, loc: tuple[Any, ...]) -> Path:
    path = content_dir / name
    if not path.resolve().is_relative_to(content_dir.resolve()):
        raise ConfigError(f"{name!r} is outside the content folder", path=doc.path,
                          line=doc.line_of(loc), field=_describe_loc(loc))
    return path


def _require_file(path: Path, doc: YamlDoc, loc: tuple[Any, ...]) -> None:
    # Name the line of edition.yaml that points at the missing file, where the fix is.
    if not path.is_file():
        raise ConfigError(f"no such file: {path}", path=doc.path, line=doc.line_of(loc),
                          field=_describe_loc(loc))
