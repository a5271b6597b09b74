"""Validated shapes of the sources: collections, readings' front matter, timelines."""


from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
    model_validator,
)

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
"""Ids: lowercase words joined by hyphens (they become anchors and file names)."""
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
NoteNumber = Annotated[int, Field(ge=1)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]


def parse_slug(value: str) -> str:
    """Raise ValueError unless value can be an id (a file name standing in for one)."""
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", value) or len(value) > 80:
        raise ValueError(f"{value!r} is not an id: lowercase words joined by hyphens")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


#: A BCP 47 language tag: a primary language subtag, then subtags (script, region, variants,
#: extensions); case-insensitive, as BCP 47 is.
_BCP47 = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def _bcp47(value: str) -> str:
    if not _BCP47.fullmatch(value):
        raise ValueError(f"{value!r} is not a BCP 47 language tag such as en, en-US or de-CH")
    return value


LanguageTag = Annotated[str, AfterValidator(_bcp47)]
"""A BCP 47 language tag such as en, zh-Hans or sr-Latn."""


def _cjk_tag(value: str) -> str:
    _bcp47(value)
    if value.lower().split("-")[0] not in ("zh", "ja", "ko"):
        raise ValueError(f"{value!r} is not a Chinese, Japanese or Korean language tag "
                         "(zh-Hans, zh-Hant, ja or ko)")
    return value


CjkLanguageTag = Annotated[str, AfterValidator(_cjk_tag)]
"""A BCP 47 tag of Chinese, Japanese or Korean: zh…, ja…, ko…."""


class Person(Strict):
    """An author or editor: written as a plain name, or as {name, affiliation}."""

    name: Text
    sort_name: Text | None = Field(None, validation_alias=AliasChoices("sort_name",
                                                                       "sort-name"))
    affiliation: Text | None = None


def _people(value: object) -> object:
    # Pandoc's front matter takes `author: Name`, a list of names, or a list of maps.
    if isinstance(value, str):
        return [{"name": value}]
    if isinstance(value, list):
        return [{"name": v} if isinstance(v, str) else v for v in value]
    return value


#: The item types of CSL 1.0.2, what Zotero exports and citeproc formats.
CSL_TYPES = frozenset({
    "article", "article-journal", "article-magazine", "article-newspaper", "bill", "book",
    "broadcast", "chapter", "classic", "collection", "dataset", "document", "entry",
    "entry-dictionary", "entry-encyclopedia", "event", "figure", "graphic", "hearing",
    "interview", "legal_case", "legislation", "manuscript", "map", "motion_picture",
    "musical_score", "pamphlet", "paper-conference", "patent", "performance", "periodical",
    "personal_communication", "post", "post-weblog", "regulation", "report", "review",
    "review-book", "software", "song", "speech", "standard", "thesis", "treaty", "webpage",
})
_CSL_DATES = ("issued", "accessed", "original-date", "event-date", "submitted")
_CSL_NAMES = ("author", "editor", "translator", "container-author", "collection-editor",
              "recipient", "interviewer", "director", "compiler")


def _csl_date(value: object) -> object:
    # Written by hand as 2014, "2014-05" or an unquoted YAML date; CSL JSON wants date-parts.
    if isinstance(value, int) and not isinstance(value, bool):
        return {"date-parts": [[value]]}
    if isinstance(value, dt.date):
        return {"date-parts": [[value.year, value.month, value.day]]}
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value.strip())
        if not match:
            raise ValueError(f"date {value!r}: write YYYY, YYYY-MM or YYYY-MM-DD, or CSL "
                             "date-parts")
        return {"date-parts": [[int(p) for p in match.groups() if p]]}
    return value


def _csl_name(value: object) -> object:
    if isinstance(value, str):
        family, comma, given = value.partition(",")
        if comma:
            return {"family": family.strip(), "given": given.strip()}
        return {"literal": value.strip()}
    return value


def csl_item(value: dict[str, Any]) -> dict[str, Any]:
    """Check a CSL JSON item written by hand or exported; normalise dates, names and pages."""
    item = dict(value)
    kind = item.get("type")
    if kind is None:
        raise ValueError("a source needs a CSL 'type' (article-journal, chapter, book, "
                         "article-newspaper, manuscript, webpage …)")
    if kind not in CSL_TYPES:
        raise ValueError(f"unknown CSL type {kind!r} (e.g. article-journal, chapter, book, "
                         "article-newspaper, manuscript, webpage)")
    for key in _CSL_DATES:
        if key in item:
            item[key] = _csl_date(item[key])
    for key in _CSL_NAMES:
        if key in item:
            names = item[key] if isinstance(item[key], list) else [item[key]]
            item[key] = [_csl_name(n) for n in names]
    for key in ("page", "volume", "issue", "number-of-pages", "edition", "number"):
        if isinstance(item.get(key), int) and not isinstance(item[key], bool):
            item[key] = str(item[key])
    if "URL" in item and not re.fullmatch(r"https?://\S+", str(item["URL"])):
        raise ValueError(f"URL {item['URL']!r} must be an http(s) address")
    return item


class ImportRecord(Strict):
    from_: Text = Field(alias="from")
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    joins: list[int] = []


class ReadingMeta(Strict):
    """A reading's front matter: Pandoc's usual keys, plus the source it reprints.

    A Markdown file written for plain Pandoc (title, author, lang, rights, date, abstract)
    is a valid reading as it stands; ``id`` defaults to the file name.
    """

    id: Slug | None = None
    title: Text
    subtitle: Text | None = None
    short_title: Text | None = Field(None, validation_alias=AliasChoices("short-title",
                                                                         "short_title"))
    authors: list[Person] = Field([], validation_alias=AliasChoices("author", "authors"))
    #: The language of the text, if not the edition's (BCP 47: zh-Hans, ja, ru …); it picks
    #: the faces the reading prints in (pressroom.fonts).
    lang: LanguageTag | None = None
    dir: Literal["ltr", "rtl"] | None = None
    date: Any = None
    abstract: Text | None = None
    keywords: list[Text] = []
    description: Text | None = None
    subject: Any = None
    #: The source the reading reprints: a CSL JSON item, or "@key" in the collection's
    #: bibliography (``source-key: key`` says the same).
    source: dict[str, Any] | Text | None = None
    source_key: Text | None = Field(None, validation_alias=AliasChoices("source-key",
                                                                        "source_key"))
    rights: Text | None = None
    rights_holder: Text | None = Field(None, validation_alias=AliasChoices("rights-holder",
                                                                           "rights_holder"))
    license: Text | None = Field(None, validation_alias=AliasChoices("license", "licence"))
    permissions: Text | None = None
    imported: ImportRecord | None = None

    @field_validator("authors", mode="before")
    @classmethod
    def _authors(cls, value: object) -> object:
        return _people(value)

    @field_validator("source")
    @classmethod
    def _source(cls, value: object) -> object:
        if isinstance(value, dict):
            return csl_item(value)
        if isinstance(value, str) and not re.fullmatch(r"@[\w:.#$%&+?<>~/-]+", value):
            raise ValueError("write a CSL JSON record, or a citation key such as "
                             "\"@blank2014\" from the collection's bibliography")
        return value

    @property
    def full_title(self) -> str:
        """Title and subtitle as one: 'Title: Subtitle', or 'Title? Subtitle' after a mark."""
        return join_title(self.title, self.subtitle)


class FigureText(Strict):
    """What a figure on a PDF reading's page shows, for those who cannot see it: its alt
    text, or that it is decorative (drawn, and passed over when read aloud)."""

    #: The page of the PDF file it is on (as ``pages`` counts them); a page's figures are
    #: listed in the order the page draws them (for most pages, top to bottom).
    page: int = Field(ge=1)
    alt: Text | None = None
    decorative: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> FigureText:
        if (self.alt is None) == (not self.decorative):
            raise ValueError("give a figure its alt text (alt: …) or say it is decorative "
                             "(decorative: true), one or the other")
        return self


class PdfReadingMeta(ReadingMeta):
    """The sidecar of a PDF reading (``chen-2001.yaml`` beside ``chen-2001.pdf``): the keys
    of a Markdown reading's front matter, which of the PDF's pages to include, and what its
    figures show."""

    #: Pages of the PDF file (not the source's printed numbers), "3-17" or "1, 4-6"; all of
    #: them when absent.
    pages: Text | int | None = None
    figures: list[FigureText] = []


def join_title(title: str, subtitle: str | None) -> str:
    if not subtitle:
        return title
    joiner = " " if title.rstrip()[-1:] in "?!.:" else ": "
    return f"{title}{joiner}{subtitle}"


class AppendixRef(Strict):
    kind: Literal["chronology", "historiography"]
    source: Text
    reading: Slug


class PartRef(Strict):
    """A group of readings under a heading, e.g. a week of the course."""

    part: Text
    readings: list[Text] = Field(min_length=1)


def _entry_kind(value: object) -> str:
    return "_part" if isinstance(value, dict) else "_file"


ReadingEntry = Annotated[
    Annotated[Text, Tag("_file")] | Annotated[PartRef, Tag("_part")],
    Discriminator(_entry_kind),
]


class EditionConfig(Strict):
    """A collection file (a course reader or an edition): what it is made of, who made it."""

    id: Slug
    title: Text | None = None
    subtitle: Text | None = None
    editors: list[Person] = []
    course: Text | None = None
    institution: Text | None = None
    term: Text | None = None
    language: str
    #: The language given to unmarked Han text in the readings (kana marks Japanese, hangul
    #: Korean; Han alone says nothing), see sources.cjkmark.
    cjk_language: CjkLanguageTag = Field("zh-Hans", validation_alias=AliasChoices(
        "cjk-language", "cjk_language"))
    #: Optional: a reader a teacher makes for a class may have no publisher to name.
    publisher: Text | None = None
    date: dt.date
    modified: dt.date | None = None
    description: Text | None = None
    keywords: list[Text] = []
    #: The editors' introduction: a Markdown file, relative to the collection file.
    introduction: Text | None = None
    #: A CSL style file for every citation of the collection (default: Chicago author-date).
    csl: Text | None = None
    #: CSL JSON (.json) or BibTeX (.bib) holding the sources readings cite by key.
    bibliography: Text | None = None
    #: The editors' note on the text (Markdown): where it comes from, what was decided.
    note_on_the_text: Text | None = None
    readings: list[ReadingEntry] = Field(min_length=1)
    appendices: list[AppendixRef] = []
    #: The print package's back cover: a few plain paragraphs (blank lines between them).
    back_cover: Text | None = Field(None, max_length=2000, validation_alias=AliasChoices(
        "back-cover", "back_cover"))
    #: The stock the print package's interior is printed on: it sets the spine's width.
    paper_stock: Literal["white", "cream"] = Field("white", validation_alias=AliasChoices(
        "paper-stock", "paper_stock"))

    @field_validator("editors", mode="before")
    @classmethod
    def _editors(cls, value: object) -> object:
        return _people(value)

    @property
    def revised(self) -> dt.date:
        """The date of this revision of the edition: its modified date, else its date."""
        return self.modified or self.date

    @property
    def course_line(self) -> str:
        """"Course, Institution, Term", with whichever of them the collection gives."""
        return ", ".join(filter(None, [self.course, self.institution, self.term]))

    @field_validator("language")
    @classmethod
    def _bcp47(cls, value: str) -> str:
        return _bcp47(value)
"""Where in a timeline file something is wrong, and what."""
