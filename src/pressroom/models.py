"""Validated shapes of the sources: edition settings, readings' front matter, timelines."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from .dates import EdtfDate, parse_date

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
"""Ids: lowercase words joined by hyphens (they become anchors and file names)."""
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
NoteNumber = Annotated[int, Field(ge=1)]
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")]
"""A BCP 47 language tag such as en, zh-Hans or sr-Latn."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(Strict):
    name: Text
    sort_name: Text | None = None
    affiliation: Text | None = None


class SourceRecord(Strict):
    journal: Text
    volume: int | None = None
    issue: int | None = None
    year: int
    permalink: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    peer_reviewed: bool = False


class ImportRecord(Strict):
    from_: Text = Field(alias="from")
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    joins: list[int] = []


class ReadingMeta(Strict):
    """The front matter of a reading (what the importer writes)."""

    id: Slug
    title: Text
    subtitle: Text | None = None
    short_title: Text | None = None
    #: The language of the text, if not the edition's (BCP 47: zh-Hans, ja, ru …); it picks
    #: the faces the reading prints in (pressroom.fonts).
    lang: LanguageTag | None = None
    authors: list[Person] = Field(min_length=1)
    source: SourceRecord
    rights: Text | None = None
    permissions: Text | None = None
    imported: ImportRecord | None = None

    @property
    def full_title(self) -> str:
        """Title and subtitle as one: 'Title: Subtitle', or 'Title? Subtitle' after a mark."""
        if not self.subtitle:
            return self.title
        joiner = " " if self.title.rstrip()[-1:] in "?!.:" else ": "
        return f"{self.title}{joiner}{self.subtitle}"

    def citation(self) -> str:
        """A plain-text citation of the source: authors, “title”, journal volume(issue) (year)."""
        source = self.source
        number = f" {source.volume}" if source.volume else ""
        if source.volume and source.issue:
            number += f"({source.issue})"
        return (f"{', '.join(a.name for a in self.authors)}, “{self.full_title}”, "
                f"{source.journal}{number} ({source.year})")


class AppendixRef(Strict):
    kind: Literal["chronology", "historiography"]
    source: Text
    reading: Slug


class EditionConfig(Strict):
    """src/content/edition.yaml: what the edition is made of and how it is published."""

    id: Slug
    language: str
    publisher: Text
    date: dt.date
    modified: dt.date | None = None
    description: Text | None = None
    keywords: list[Text] = []
    #: The editors' note on the text (Markdown): where it comes from, what was decided.
    note_on_the_text: Text | None = None
    readings: list[Text] = Field(min_length=1)
    appendices: list[AppendixRef] = []

    @field_validator("language")
    @classmethod
    def _bcp47(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", value):
            raise ValueError(f"{value!r} is not a BCP 47 language tag such as en, en-US or de-CH")
        return value


Problem = tuple[tuple[str | int, ...], str]
"""Where in a timeline file something is wrong, and what."""


class Term(Strict):
    """One word of a vocabulary a timeline file declares: an id, and how it is printed."""

    id: Slug
    label: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, value: object) -> object:
        return {"id": value} if isinstance(value, str) else value

    @property
    def shown(self) -> str:
        return self.label or self.id.replace("-", " ")


def _vocabulary_problems(
    terms: list[Term], name: str, items: list[Any], label: str, field: str
) -> Iterator[Problem]:
    """Each item's `field` must be a term the file declares under `name`."""
    ids = [t.id for t in terms]
    for index, ident in enumerate(ids):
        if ident in ids[:index]:
            yield (name, index, "id"), f"{name} declares {ident!r} twice"
    allowed = ", ".join(ids)
    for index, item in enumerate(items):
        value = getattr(item, field)
        if value not in ids:
            yield ((label, index, field),
                   f"{label.rstrip('s')} {item.id!r}: unknown {field} {value!r} "
                   f"(this file's {name}: {allowed})")


def _label(terms: list[Term], ident: str) -> str:
    return next((t.shown for t in terms if t.id == ident), ident)


class Phase(Strict):
    id: Slug
    label: Text
    start: int
    end: int


class Event(Strict):
    id: Slug
    date: EdtfDate
    title: Text
    #: One of the strands the chronology declares.
    strand: Slug
    people: list[Text] = []
    notes: list[NoteNumber] = []
    sources: list[Text] = []
    annotation: Text
    #: Only for a date without a year (XXXX-01): the id of the event it follows in the
    #: chronology, chosen where the article's own argument places it.
    sort_after: Slug | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _parse(cls, value: object) -> EdtfDate:
        return parse_date(value)


class Chronology(Strict):
    title: Text
    intro: Text | None = None
    #: The file's own vocabulary for events' `strand`.
    strands: list[Term] = Field(min_length=1)
    phases: list[Phase] = []
    events: list[Event] = Field(min_length=1)

    def in_date_order(self) -> list[Event]:
        """Dated events by their bounds; an event without a year right after the event its
        sort_after names (several after one: in the order of the file)."""
        dated = sorted((e for e in self.events if e.date.year_known),
                       key=lambda e: e.date.sort_key)
        out: list[Event] = []
        for event in dated:
            out.append(event)
            out.extend(e for e in self.events if e.sort_after == event.id
                       and not e.date.year_known)
        return out + [e for e in self.events if e not in out]

    def strand_label(self, ident: str) -> str:
        return _label(self.strands, ident)

    def problems(self) -> Iterator[Problem]:
        """What the fields cannot check alone: strands, and where yearless events go."""
        yield from _vocabulary_problems(self.strands, "strands", self.events, "events", "strand")
        by_id = {e.id: e for e in self.events}
        for index, event in enumerate(self.events):
            where = ("events", index, "sort_after")
            anchor = by_id.get(event.sort_after) if event.sort_after else None
            if event.date.year_known and event.sort_after:
                yield where, (f"event {event.id!r}: sort_after is only for a date without a "
                              f"year ({event.date.text!r} sorts by itself)")
            elif not event.date.year_known and not event.sort_after:
                yield (("events", index, "date"),
                       f"event {event.id!r}: {event.date.text!r} gives no year; name the "
                       "event it follows with sort_after")
            elif event.sort_after and anchor is None:
                yield where, f"event {event.id!r}: sort_after names no event {event.sort_after!r}"
            elif anchor is not None and not anchor.date.year_known:
                yield where, (f"event {event.id!r}: sort_after must name an event with a year "
                              f"({anchor.id!r} has none)")

    @field_validator("phases", mode="before")
    @classmethod
    def _years(cls, value: object) -> object:
        # Phases are written as quoted years; accept "1950" as well as 1950.
        if isinstance(value, list):
            return [
                {**p, "start": int(p["start"]), "end": int(p["end"])}
                if isinstance(p, dict) and {"start", "end"} <= p.keys()
                and str(p["start"]).isdigit() and str(p["end"]).isdigit()
                else p
                for p in value
            ]
        return value


class Work(Strict):
    id: Slug
    year: int
    authors: list[Text] = Field(min_length=1)
    role: Literal["authors", "editors"] = "authors"
    title: Text
    kind: Literal["book", "article", "chapter", "working-paper", "document-collection"]
    container: Text | None = None
    publisher: Text | None = None
    place: Text | None = None
    #: One of the approaches the historiography declares.
    reading: Slug
    notes: list[NoteNumber] = Field(min_length=1)
    annotation: Text
    #: How a cross-reference names the work, e.g. "Zhang and Chen 1995"; by default the first
    #: author's last name and the year, which is wrong for names written surname first.
    cite_as: Text | None = None

    @property
    def short_citation(self) -> str:
        return self.cite_as or f"{self.authors[0].split()[-1]} {self.year}"


class Historiography(Strict):
    title: Text
    intro: Text | None = None
    #: The file's own vocabulary for works' `reading` (how a work reads the subject).
    approaches: list[Term] = Field(min_length=1)
    works: list[Work] = Field(min_length=1)

    def approach_label(self, ident: str) -> str:
        return _label(self.approaches, ident)

    def problems(self) -> Iterator[Problem]:
        yield from _vocabulary_problems(self.approaches, "approaches", self.works, "works",
                                        "reading")

    def in_publication_order(self) -> list[Work]:
        # By year; within a year, the order of the file (names are not all surname-last).
        return sorted(self.works, key=lambda w: w.year)
