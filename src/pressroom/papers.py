"""The one table of papers and print variants: their stylesheets, labels and sheets.

Every printed output is a variant of this table (A4, US Letter, large print, the two
booklets); handouts pick from it; the booklets' sheets and the handouts' variants are here
too, so no other module names a paper size."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

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


#: The sheet of the variants whose page is too small for the timeline figure: they give its
#: events as text, by phase, in its place (large print, the booklets).
TIMELINE_AS_TEXT = "timeline-text.css"

VARIANTS: tuple[Variant, ...] = (
    Variant("a4", "reading", "a4", "A4", ("page-a4.css",)),
    Variant("letter", "reading", "letter", "US Letter", ("page-letter.css",)),
    Variant("large-print-a4", "large-print", "a4", "A4",
            ("large-print.css", "page-a4.css", TIMELINE_AS_TEXT)),
    Variant("booklet-a4", "booklet", "a4", "A4 landscape", ("page-a5.css", TIMELINE_AS_TEXT),
            sheet="a4"),
    Variant("booklet-letter", "booklet", "letter", "US Letter landscape",
            ("page-halfletter.css", TIMELINE_AS_TEXT), sheet="letter"),
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
    papers.Variant("handout-booklet-a4", "booklet", "a4", "A4 landscape",
                     ("page-a5.css", papers.TIMELINE_AS_TEXT),
                     sheet="a4"),
)


#: Points per inch and per millimetre.
PT_PER_IN = 72.0
PT_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class PrintProfile:
    """What one kind of printer wants of a print package (`inv print-package`): the trim
    size and the variant laid out at it, the PDF/X standard, the bleed, crop marks, the
    multiple the page count is made up to with blank pages, and when a spine may carry text.
    """

    name: str
    #: The interior's variant of this table (its stylesheets give the trim size's margins).
    variant: Variant
    #: The trim size, in points (width, height).
    trim: tuple[float, float]
    #: WeasyPrint's PDF/X variant.
    pdf_variant: str
    #: How far the page is extended past the trim on every side, in points (the media box);
    #: WeasyPrint puts the bleed box at most 10 pt past the trim, inside it.
    bleed: float
    #: Only on the outside edge, top and bottom (none at the gutter), as KDP wants it.
    outside_bleed_only: bool
    crop_marks: bool
    #: KDP refuses bookmarks and annotations (links) in an interior.
    outline_and_links: bool
    #: The interior's page count is made up to a multiple of this with blank pages.
    page_multiple: int
    #: Spine text only from this many pages (KDP: 79).
    spine_text_from: int

    @property
    def cmyk(self) -> bool:
        """PDF/X-1a allows no RGB: the colours pressroom sets are given in CMYK."""
        return self.pdf_variant == "pdf/x-1a"


#: One table of print-shop profiles: which printer wants which file is in the README.
PRINT_PROFILES: dict[str, PrintProfile] = {
    # A copy centre or university print room: A4, PDF/X-4 (transparency and RGB kept, the
    # RIP converts), trim and crop marks on a 10 mm margin of media, signatures of 8.
    "copy-shop": PrintProfile("copy-shop", Variant("print-copy-shop", "reading", "a4", "A4",
                                                   ("page-a4.css",)),
                              (595.28, 841.89), "pdf/x-4", 10 * PT_PER_MM, False, True, True,
                              8, 79),
    # Kindle Direct Publishing: 8.5 x 11 in, 0.125 in bleed on the outside edge, top and
    # bottom, no crop marks, no bookmarks or links; PDF/X-1a, which KDP's print accepts.
    "kdp": PrintProfile("kdp", Variant("print-kdp", "reading", "letter", "US Letter",
                                       ("page-letter.css",)),
                        (612.0, 792.0), "pdf/x-1a", 0.125 * PT_PER_IN, True, False, False,
                        2, 79),
    # IngramSpark: 8.5 x 11 in, PDF/X-1a:2001-compatible, 0.125 in bleed on every side, no
    # marks, an even page count.
    "ingram": PrintProfile("ingram", Variant("print-ingram", "reading", "letter", "US Letter",
                                             ("page-letter.css",)),
                           (612.0, 792.0), "pdf/x-1a", 0.125 * PT_PER_IN, False, False, True,
                           2, 79),
}

#: The printing condition every profile's PDF/X names as its output intent: coated paper on a
#: web offset press (SWOP), the ICC profile Debian's libgs-common ships with Ghostscript.
CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")

#: Paper stocks: the thickness of one page (one leaf's side) in inches, by KDP's formula
#: (spine width = pages x thickness).
PAPER_STOCKS: dict[str, float] = {"white": 0.002252, "cream": 0.0025}


def print_profile(name: str) -> PrintProfile:
    """The profile named on the command line; an unknown one is one line naming the rest."""
    try:
        return PRINT_PROFILES[name]
    except KeyError:
        raise ConfigError(f"unknown print profile {name!r} (choose from "
                          f"{', '.join(PRINT_PROFILES)})") from None


def spine_width(pages: int, stock: str) -> float:
    """The spine's width in points: the page count times the stock's page thickness."""
    return pages * PAPER_STOCKS[stock] * PT_PER_IN
