"""WeasyPrint's layout told never to send a note away from its call to keep an orphan line.

When a page fills at the line that completes a paragraph's ``orphans``, WeasyPrint 70 would
rather keep that line on the page than move the paragraph's first lines over: it moves the
page's last notes to the next page, a page after their calls (the "report footnotes" branch
of ``weasyprint.layout.block._linebox_layout``). A compositor does the opposite, and so does
the hold that printing.footnotes applies after a layout: the paragraph moves over whole and
the page is short. That branch is skipped where WeasyPrint lays out columns, and it is the
only place the line layout asks whether it is in one; so a layout context that answers
"yes" to that one question, and the truth to every other, takes the paragraph over in the
first layout instead of the second.

On the generated bench reader (20 readings, five variants) 100 of its 121 pieces needed that
second layout; with the context none does. printing.footnotes still checks every note after
the layout and holds a paragraph where one is still out of place, so a WeasyPrint whose line
layout changed is no worse off than before: :func:`installed` says whether the context could
be put in place.
"""

from __future__ import annotations

import sys

import weasyprint
import weasyprint.document
from weasyprint.layout import LayoutContext
from weasyprint.layout import block as _block

#: The line layout whose question is answered: it reads ``in_column`` only to decide
#: whether to move notes over for an orphan line.
_LINES = _block._linebox_layout.__code__


class _NotesStayWithCalls(LayoutContext):
    """A layout context whose line layout never moves a note off its call's page."""

    @property
    def in_column(self) -> bool:
        return self._in_column or sys._getframe(1).f_code is _LINES

    @in_column.setter
    def in_column(self, value: bool) -> None:
        self._in_column = value


def installed() -> bool:
    """Put the context in place for this process's layouts (once); whether it is. Not where
    the line layout no longer reads ``in_column``, or the document no longer makes its
    context by that name: then the notes are mended by holds alone."""
    if weasyprint.document.LayoutContext is _NotesStayWithCalls:
        return True
    if "in_column" not in _LINES.co_names or weasyprint.document.LayoutContext is not \
            LayoutContext:
        return False
    weasyprint.document.LayoutContext = _NotesStayWithCalls
    return True
