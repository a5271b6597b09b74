"""The appendices' data: a chronology of events in phases, and a historiography of works,
each with the vocabulary (strands, kinds) its own file declares."""


from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from pressroom.dates import EdtfDate, parse_date
from pressroom.sources.models import NoteNumber, Slug, Strict, Text

Problem = tuple[tuple[str | int, ...], str]


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
