"""Validated shapes of the sources: edition settings, readings' front matter, timelines."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

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


Strand = Literal["alliance", "crisis", "ideology", "domestic-politics", "nuclear", "polemic"]
ReadingKind = Literal["documents", "realist", "domestic-politics", "ideology", "alliance", "survey"]


class Phase(Strict):
    id: Slug
    label: Text
    start: int
    end: int


class Event(Strict):
    id: Slug
    date: EdtfDate
    title: Text
    strand: Strand
    people: list[Text] = []
    notes: list[NoteNumber] = []
    sources: list[Text] = []
    annotation: Text

    @field_validator("date", mode="before")
    @classmethod
    def _parse(cls, value: object) -> EdtfDate:
        return parse_date(value)


class Chronology(Strict):
    title: Text
    intro: Text | None = None
    phases: list[Phase] = []
    events: list[Event] = Field(min_length=1)

    def in_date_order(self) -> list[Event]:
        return sorted(self.events, key=lambda e: e.date.sort_key)

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
    reading: ReadingKind
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
    works: list[Work] = Field(min_length=1)

    def in_publication_order(self) -> list[Work]:
        # By year; within a year, the order of the file (names are not all surname-last).
        return sorted(self.works, key=lambda w: w.year)
