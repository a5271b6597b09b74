"""The one table of papers and print variants: their stylesheets, labels and sheets.

Every printed output is a variant of this table (A4, US Letter, large print, the two
booklets); handouts pick from it; the booklets' sheets and the handouts' variants are here
too, so no other module names a paper size."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pressroom import papers
from pressroom.errors import ConfigError

FORMATS = ("html", "pdf", "epub")
DEFAULT_PAPERS = ("a4", "letter")
KINDS = ("reading", "large-print", "booklet")


@dataclass(frozen=True)
class Variant:
    """One printed output: the one table of papers, variants and their stylesheets."""

    name: str
    kind: str  # reading, large-print or booklet
    paper: str  # the --paper that selects it: a4 or letter
    label: str  # the paper as the manifest names it
    #: Stylesheets in templates/, after print.css: the variant's own, then the page sheet.
    stylesheets: tuple[str, ...]
    #: Booklets: the sheet the pages are imposed on, two up.
    sheet: str | None = None

    @property
    def suffix(self) -> str:
        return f"-{self.name}.pdf"


VARIANTS: tuple[Variant, ...] = (
    Variant("a4", "reading", "a4", "A4", ("page-a4.css",)),
    Variant("letter", "reading", "letter", "US Letter", ("page-letter.css",)),
    Variant("large-print-a4", "large-print", "a4", "A4", ("large-print.css", "page-a4.css")),
    Variant("booklet-a4", "booklet", "a4", "A4 landscape", ("page-a5.css",), sheet="a4"),
    Variant("booklet-letter", "booklet", "letter", "US Letter landscape",
            ("page-halfletter.css",), sheet="letter"),
)
#: The print edition whose pages the EPUB's page list follows (and the standalone HTML shows).
PAGE_SOURCE = VARIANTS[0]


def selected_variants(formats: Iterable[str], papers: Iterable[str],
                      kinds: Iterable[str] = KINDS) -> list[Variant]:
    """The variants a build makes; large print is made on A4 only."""
    formats, papers, kinds = set(formats), tuple(papers), set(kinds)
    for paper in papers:
        if paper not in DEFAULT_PAPERS:
            raise ConfigError(f"unknown paper {paper!r} (choose from "
                              f"{', '.join(DEFAULT_PAPERS)})")
    for kind in kinds:
        if kind not in KINDS:
            raise ConfigError(f"unknown variant {kind!r} (choose from {', '.join(KINDS)})")
    if "pdf" not in formats:
        return []
    return [v for v in VARIANTS if v.paper in papers and v.kind in kinds]




#: Sheet sizes in PostScript points (landscape).
SHEETS = {"a4": (841.89, 595.28), "letter": (792.0, 612.0)}



#: The handout's outputs: A4 and Letter pages, and an A5 booklet on A4. Their own names,
#: so that their layouts' cached page hints are not the reader's.
HANDOUT_VARIANTS = (
    papers.Variant("handout-a4", "reading", "a4", "A4", ("page-a4.css",)),
    papers.Variant("handout-letter", "reading", "letter", "US Letter", ("page-letter.css",)),
    papers.Variant("handout-booklet-a4", "booklet", "a4", "A4 landscape", ("page-a5.css",),
                     sheet="a4"),
)
