"""Every note at the foot of its call's page: found after a layout, mended by another.

The print stylesheet asks for it (``footnote-policy: line``: a line whose note does not fit
moves to the next page with its note), and WeasyPrint mostly does it. Not always: where a
paragraph's lines are held together by widow and orphan control, a note can be set on the
page after its call, or dropped; in US Letter a paragraph of many short notes has been set a
line a page, each line's notes on the page after it. None of this can be seen from the
stylesheet, and which paragraph it strikes depends on the paper.

So after each layout the notes are checked against their calls, and a piece with a note out
of place is laid out again, at most twice:

1. with every paragraph of the piece allowed to leave a single line at the foot or head of a
   page (orphans and widows 1): the line with the call can then stay with its note (it is
   often the paragraph before that holds it back). This set the default edition's large
   print note 6 on its call's page;
2. then, as well, with the space between notes put above each note instead of below it
   (the same space; WeasyPrint counts the space below the last note of a page against the
   text, and, for a page of many notes, too often). This undid US Letter's line a page.

The first layout with every note in place is kept; if none has them all, the one with the
fewest misplaced (a dropped note counts most), and what is still wrong is said.

Each step is a whole layout of the piece, so there are two, no more. On a generated reader
whose every reading has a few notes a page late (bench/bench_volume.py, two readings), a
cold build took 11 s with no step, 27 s with four (two more, which loosened only the
calling paragraphs or spaced the notes by their line height, mended nothing there) and
20 s with these two: a piece WeasyPrint cannot set right costs three layouts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: A note: the footnote span Pandoc's print filter writes inside the calling paragraph.
NOTE_ID = re.compile(r'<span id="([^"]+)" class="footnote"')
#: What each step adds to the page (the first, nothing).
_LOOSE = "p, li, dd, dt, blockquote { orphans: 1; widows: 1 }"
STEPS = (
    "",
    _LOOSE,
    f"{_LOOSE} .footnote {{ margin-bottom: 0; margin-top: 1.2mm }}",
)


def call_of(note: str) -> str:
    """The id of a note's call in the text."""
    return note.replace("-note-", "-noteref-")


@dataclass(frozen=True)
class Misplaced:
    """Notes not set on their call's page: dropped, or set on another page."""

    lost: tuple[str, ...] = ()
    #: (note, the page it is on, its call's page).
    moved: tuple[tuple[str, int, int], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.lost or self.moved)

    @property
    def weight(self) -> int:
        return 100 * len(self.lost) + len(self.moved)

    @property
    def notes(self) -> tuple[str, ...]:
        return self.lost + tuple(note for note, _, _ in self.moved)


def misplaced(html: str, anchor_pages: Mapping[str, int]) -> Misplaced:
    """The notes of the page that the layout dropped or set away from their call."""
    lost: list[str] = []
    moved: list[tuple[str, int, int]] = []
    for note in NOTE_ID.findall(html):
        page = anchor_pages.get(note)
        call = anchor_pages.get(call_of(note))
        if page is None:
            lost.append(note)
        elif call is not None and page != call:
            moved.append((note, page, call))
    return Misplaced(tuple(lost), tuple(moved))


def with_step(html: str, step: int) -> str:
    """The page with step ``step``'s rules added at the end of its head."""
    rules = STEPS[step]
    if not rules:
        return html
    head_end = html.find("</head>")
    if head_end < 0:
        return html
    return f"{html[:head_end]}<style>{rules}</style>{html[head_end:]}"
