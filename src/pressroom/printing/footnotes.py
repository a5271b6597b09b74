"""Every note at the foot of its call's page: found after a layout, mended by another.

The print stylesheet asks for it (``footnote-policy: line``: a line whose note does not fit
moves to the next page with its note), and WeasyPrint mostly does it. Not always. When the
page is full at a paragraph's last line that orphan control allows on it (its second, with
``orphans: 2``), WeasyPrint 70 would rather keep that line than move the paragraph's first
lines over: it moves the page's last note to the next page instead, away from its call
(``weasyprint/layout/block.py``, the "report footnotes" branch of the line-box layout; no
property turns it off). On a page of notes that is about one page break in every dozen or
so, and which breaks it strikes depends on the paper.

The layouts therefore run with the layout context of printing.keepnotes, which skips that
branch: the paragraph goes over whole in the first layout. That is most of the faults; what
remains is checked here after each layout. Where a note came out a page after its call's
page, or was lost (a paragraph whose notes outgrow the page: on the real-shaped article in
US Letter, a paragraph of seven notes in three lines), the paragraph split across the foot
of that page is *held*: laid out again asking for one more line at the foot than it got
(``orphans``, for that paragraph alone), so it moves over whole and the note stays with its
call, as a compositor would make a short page rather than part a note from its call. A
hold is harmless where the paragraph no longer falls at a page's foot, so every paragraph
found is held at once, and the holds of a second check are added to the first's.

At most two layouts follow the first. The first layout with every note in place is kept;
if none has them all, the one with the fewest misplaced (a dropped note counts most), and
what is still wrong is said. On the generated bench reader (bench/bench_volume.py), laid
out by WeasyPrint's own context, every reading had a note or two a page late in every
variant, and the holds set every one right in one or two more layouts; with keepnotes'
context no piece of it needs a second layout.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

#: A note: the footnote span Pandoc's print filter writes inside the calling paragraph.
NOTE_ID = re.compile(r'<span id="([^"]+)" class="footnote"')
#: How many layouts may follow the first, each with the holds found so far.
RETRIES = 2
#: The space between notes put above each note instead of below it (print.css): the
#: remedy when no paragraph can be held.
SPACED = ".footnote { margin-bottom: 0; margin-top: 1.2mm }"


def call_of(note: str) -> str:
    """The id of a note's call in the text."""
    return note.replace("-note-", "-noteref-")


@dataclass(frozen=True)
class Misplaced:
    """Notes not set on their call's page: dropped, or set on another page."""

    lost: tuple[str, ...] = ()
    #: (note, the page it is on, its call's page).
    moved: tuple[tuple[str, int, int], ...] = ()
    #: The pages of the lost notes' calls (those laid out).
    lost_calls: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.lost or self.moved)

    @property
    def weight(self) -> int:
        return 100 * len(self.lost) + len(self.moved)


def misplaced(html: str, anchor_pages: Mapping[str, int]) -> Misplaced:
    """The notes of the page that the layout dropped or set away from their call."""
    lost: list[str] = []
    lost_calls: list[int] = []
    moved: list[tuple[str, int, int]] = []
    for note in NOTE_ID.findall(html):
        page = anchor_pages.get(note)
        call = anchor_pages.get(call_of(note))
        if page is None:
            lost.append(note)
            if call is not None:
                lost_calls.append(call)
        elif call is not None and page != call:
            moved.append((note, page, call))
    return Misplaced(tuple(lost), tuple(moved), tuple(lost_calls))


def holds(wrong: Misplaced, first_page: int,
          split_at_foot: Callable[[int], tuple[str, int, int] | None]) -> dict[str, int]:
    """The paragraphs to hold for the notes out of place: block anchor -> the lines it must
    have at a page's foot to be split there (one more than it had). ``split_at_foot`` reads
    the layout: the block split at the foot of a page (0-based index in the piece), its
    lines there and its ``orphans``. A block split with fewer lines than its orphans began
    its page (WeasyPrint sets something on every page): holding it would change nothing."""
    found: dict[str, int] = {}
    for call in (*(call for _, _, call in wrong.moved), *wrong.lost_calls):
        split = split_at_foot(call - first_page)
        if split is not None and split[1] >= split[2]:
            block, lines, _ = split
            found[block] = max(found.get(block, 0), lines + 1)
    return found


def with_holds(html: str, held: Mapping[str, int], spaced: bool = False) -> str:
    """The page with each held paragraph asking for its lines at a page's foot (its anchor is
    its first child, written by the pages filter), and the notes ``spaced`` from above."""
    rules = [f":has(> #{block}) {{ orphans: {lines} }}" for block, lines in sorted(held.items())]
    if spaced:
        rules.append(SPACED)
    head_end = html.find("</head>")
    if not rules or head_end < 0:
        return html
    return f"{html[:head_end]}<style>{' '.join(rules)}</style>{html[head_end:]}"
