"""The page map: where each printed page begins, by identity, and on which page each id fell.

A page begins in a block of the readings (a paragraph, a heading), at some number of visible
characters into it. The blocks are named by the anchors the pages filter
(``tools/filters/pages.lua``) gives them, in the same order in the print HTML and the EPUB,
so the EPUB can put a page-break marker where each print page begins without searching its
text. The layout records the map (``printing.boxes``), the build writes it beside the A4 PDF,
the EPUB's pages filter and page list read it, the permissions report and handouts read
where each reading fell.

How characters are counted is defined here once and handed to the Lua filter with the map
(``filter_metadata``), so the two sides cannot count differently.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: The id prefix of the block anchors that the pages filter writes ("pm-12").
ANCHOR_PREFIX = "pm-"
#: What is not counted when characters are counted: white space, and the invisible marks
#: that only steer line breaking (word joiner, soft hyphen, zero-width no-break space), which
#: the print filter adds.
SPACES = frozenset(
    [0x09, 0x0A, 0x0D, 0x20, 0xA0, 0xAD, 0x1680, 0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF,
     *range(0x2000, 0x200C)]
)
#: The character WeasyPrint adds where it hyphenates a word (the print stylesheet's
#: hyphenate-character, U+002D so that text extraction joins the word up): not in the source
#: text, so not counted.
ADDED_HYPHEN = "-"


def visible_length(text: str) -> int:
    """Characters of text as the page map counts them."""
    return sum(1 for ch in text if ord(ch) not in SPACES)


def filter_metadata() -> dict[str, str]:
    """The counting rule as Pandoc metadata for the pages filter: the anchors' prefix and
    the code points that are not counted."""
    return {"pressroom-anchor-prefix": ANCHOR_PREFIX,
            "pressroom-spaces": " ".join(str(cp) for cp in sorted(SPACES))}


def filter_arguments() -> list[str]:
    """``filter_metadata`` as Pandoc command-line options."""
    return [arg for key, value in filter_metadata().items()
            for arg in ("--metadata", f"{key}={value}")]


@dataclass(frozen=True)
class PageStart:
    """Where a printed page begins, by identity: the anchor of the block its first line belongs
    to and how many visible characters of that block lie on earlier pages. ``block`` is None
    for a page with no text of the readings (a blank page, the title page): it begins where
    the next page with text begins."""

    number: int
    block: str | None
    offset: int = 0

    def record(self) -> dict[str, object]:
        return {"page": self.number, "block": self.block, "offset": self.offset}


@dataclass(frozen=True)
class PageMap:
    """Where every page of one layout begins, and the page each element id is on."""

    starts: tuple[PageStart, ...] = ()
    anchors: Mapping[str, int] = field(default_factory=dict)

    def records(self) -> list[dict[str, object]]:
        return [start.record() for start in self.starts]

    def to_json(self) -> str:
        """The map as recorded beside the PDF (``<id>-a4.pagemap.json``)."""
        return json.dumps({"pages": self.records(), "anchors": dict(self.anchors)},
                          indent=1, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_records(cls, pages: Sequence[Mapping], anchors: Mapping[str, int]) -> PageMap:
        return cls(tuple(PageStart(int(p["page"]), p.get("block"), int(p.get("offset", 0)))
                         for p in pages), dict(anchors))

    @classmethod
    def load(cls, path: Path) -> PageMap:
        """A map recorded beside a PDF; an unreadable file is an empty map."""
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
            return cls.from_records(value.get("pages", []), value.get("anchors", {}))
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            return cls()

    def placed(self) -> list[dict[str, object]]:
        """Every page with a place, as the pages filter reads them: a page without text of
        the readings (title page, contents, a blank verso) begins where the next page with
        text begins; trailing ones where the last one did."""
        out: list[dict[str, object]] = []
        pending: list[int] = []
        last: dict[str, object] | None = None
        for start in self.starts:
            if start.block is None:
                pending.append(start.number)
                continue
            place = {"block": start.block, "offset": start.offset}
            out += [{"page": p, **place} for p in pending]
            pending = []
            out.append({"page": start.number, **place})
            last = place
        if pending and last is not None:
            out += [{"page": p, **last} for p in pending]
        return out
