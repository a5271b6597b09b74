"""Load and validate the edition's sources: edition.yaml, the readings and the timeline data."""


from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pressroom.errors import ConfigError, ContentError, LimitError
from pressroom.sources.citations import check_style, read_bibliography, resolve_source
from pressroom.sources.cjkmark import mark_cjk
from pressroom.sources.coverage import check_coverage
from pressroom.sources.edition import Appendix, Edition, Introduction, Part, Reading
from pressroom.sources.images import resolve_images
from pressroom.sources.models import (
    EditionConfig,
    PartRef,
    PdfReadingMeta,
    ReadingMeta,
    parse_slug,
)
from pressroom.sources.notes import check_notes
from pressroom.sources.pdffile import inspect_pdf, sidecar_of
from pressroom.sources.style import check_editors_texts
from pressroom.sources.timeline import Chronology, Historiography
from pressroom.sources.validation import _describe_loc, validate
from pressroom.sources.yamldoc import YamlDoc, load_yaml, parse_yaml, read_text
from pressroom.tools.run import DEFAULT_LIMITS, WHERE_TO_RAISE

_FRONT_MATTER = re.compile(r"\A---\n(.*?\n)---\n", re.DOTALL)


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
                 max_pdf_mb: int = DEFAULT_LIMITS.pdf_mb,
                 max_pdf_pages: int = DEFAULT_LIMITS.pdf_pages) -> Reading:
    """Read a Markdown reading with YAML front matter and check its footnotes; a ``.pdf``
    is a PDF reading, described by its sidecar."""
    if path.suffix.lower() == ".pdf":
        return load_pdf_reading(path, max_mb, max_pdf_mb, max_pdf_pages)
    doc, body, body_line = _split_front_matter(path, max_mb)
    if doc is None:
        raise ContentError("a reading must start with YAML front matter between --- lines "
                           "(at least a title)", path=path, line=1)
    meta = validate(ReadingMeta, doc)
    _check_id(meta, path, path, 2)
    notes = check_notes(path, body, body_line)
    return Reading(path, meta, body, body_line, notes, doc)


def load_pdf_reading(path: Path, max_mb: int = DEFAULT_LIMITS.source_mb,
                     max_pdf_mb: int = DEFAULT_LIMITS.pdf_mb,
                     max_pdf_pages: int = DEFAULT_LIMITS.pdf_pages) -> Reading:
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
    pdf = inspect_pdf(path, spec, doc.line_of(("pages",)), sidecar, max_pdf_pages)
    for k, figure in enumerate(meta.figures):
        if figure.page - 1 not in pdf.pages:
            raise ContentError(f"page {figure.page} is not among the pages the reading "
                               "reproduces", path=sidecar,
                               line=doc.line_of(("figures", k, "page")), field="figures")
    return Reading(sidecar, meta, "", 1, (), doc, pdf=pdf)


def load_introduction(path: Path, max_mb: int = DEFAULT_LIMITS.source_mb) -> Introduction:
    """The editors' introduction; its front matter, if any, may give a title."""
    doc, body, body_line = _split_front_matter(path, max_mb)
    title, lang, rights = "Introduction", None, None
    if doc is not None:
        data = doc.data
        # An introduction reprinted from elsewhere, or under a licence, says so as a
        # reading does: rights, license, permissions make its rights line.
        unknown = sorted(set(data) - {"title", "author", "lang", "rights", "license",
                                      "permissions"})
        if unknown:
            raise doc.error("unknown field", (unknown[0],), field=unknown[0])
        if "title" in data:
            title = str(data["title"])
        if data.get("lang"):
            lang = str(data["lang"])
        rights = " ".join(str(data[k]) for k in ("rights", "license", "permissions")
                          if data.get(k)) or None
    return Introduction(path, title, body, body_line, check_notes(path, body, body_line),
                        lang, rights)


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
    return _load_appendix(path, kind, reading, max_mb)[0]


def _load_appendix(path: Path, kind: str, reading: Reading, max_mb: int
                   ) -> tuple[Appendix, YamlDoc]:
    # The appendix, and its file as parsed, where the lines of the editors' texts are.
    doc = load_yaml(path, max_mb)
    if not isinstance(doc.data, dict):
        raise ContentError("timeline data must be a mapping", path=path, line=1)
    model = Chronology if kind == "chronology" else Historiography
    data = validate(model, doc)
    _check_notes(doc, data, reading)
    return Appendix(kind, path, reading, data), doc


def _collection_file(path: Path) -> Path:
    # A folder stands for the edition.yaml inside it.
    return path / "edition.yaml" if path.is_dir() else path


def load_edition(path: Path, root: Path | None = None, *,
                 max_source_mb: int = DEFAULT_LIMITS.source_mb,
                 max_pdf_mb: int = DEFAULT_LIMITS.pdf_mb,
                 max_pdf_pages: int = DEFAULT_LIMITS.pdf_pages) -> Edition:
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
    if csl is not None:
        check_style(csl)

    def reading_at(path: Path) -> Reading:
        reading = resolve_images(load_reading(path, max_source_mb, max_pdf_mb, max_pdf_pages),
                                 root, max_source_mb)
        # Unmarked Chinese, Japanese and Korean text takes a language before anything reads
        # the body, so that print, the EPUB and the check of faces see the same marks.
        reading = mark_cjk(reading, config.language, config.cjk_language)
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
    timelines: list[YamlDoc] = []
    for index, ref in enumerate(config.appendices):
        if ref.reading not in by_id:
            raise ConfigError(f"appendix names unknown reading {ref.reading!r}",
                              path=config_path, line=doc.line_of(("appendices", index, "reading")),
                              field=f"appendices[{index}].reading")
        source = file(ref.source, ("appendices", index, "source"))
        appendix, timeline = _load_appendix(source, ref.kind, by_id[ref.reading], max_source_mb)
        appendices.append(appendix)
        timelines.append(timeline)
    # The editors' own texts follow the house style of the collection's language; the
    # readings are the authors' texts as published, and are never checked.
    check_editors_texts(config.language, doc, introduction, timelines)
    sources = (config_path, *(r.path for r in readings),
               *(r.pdf.path for r in readings if r.pdf),
               *([introduction.path] if introduction else []),
               *(a.path for a in appendices), *([bib_path] if bib_path else []),
               *([csl] if csl else []))
    return Edition(config_path, config, tuple(readings), tuple(appendices), sources,
                   tuple(contents), introduction, csl, bib_path)


def _hidden(path: Path, root: Path) -> bool:
    # A hidden folder or file (.git, .env, a virtualenv) holds no edition material: refused
    # whether the path names it or a symbolic link leads there.
    return any(part.startswith(".") for part in path.resolve().relative_to(root.resolve()).parts)


def _inside(root: Path, path: Path, name: str, doc: YamlDoc, loc: tuple[Any, ...]) -> Path:
    def refuse(why: str) -> ConfigError:
        return ConfigError(f"{name!r} {why}", path=doc.path, line=doc.line_of(loc),
                           field=_describe_loc(loc))

    if not path.resolve().is_relative_to(root.resolve()):
        where = "the project" if root != doc.path.parent else "the collection's folder"
        raise refuse(f"is outside {where}")
    named = [part for part in Path(name).parts if part not in (".", "..")]
    if any(part.startswith(".") for part in named) or _hidden(path, root):
        raise refuse("is in a hidden folder or is a hidden file (refused: such files hold "
                     "no edition material)")
    if path.suffix.lower() == ".pdf":
        # A PDF reading brings its sidecar: it must not lead out or into hidden files either.
        sidecar = sidecar_of(path)
        if sidecar.exists() and (not sidecar.resolve().is_relative_to(root.resolve())
                                 or _hidden(sidecar, root)):
            raise refuse(f"has a sidecar {sidecar.name} that leads outside the project or "
                         "into a hidden file")
    return path


def _require_file(path: Path, doc: YamlDoc, loc: tuple[Any, ...]) -> None:
    # Name the line of the collection file that points at the missing file, where the fix is.
    if not path.is_file():
        raise ConfigError(f"no such file: {path}", path=doc.path, line=doc.line_of(loc),
                          field=_describe_loc(loc))
