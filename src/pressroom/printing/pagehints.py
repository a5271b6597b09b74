"""Page numbers of cross-references as literal numbers, taken from a previous layout.

WeasyPrint resolves ``target-counter(attr(href url), page)`` by laying pages out again until
the numbers settle: the A4 edition takes 76 page layouts for 30 pages. Given the page of every
target from an earlier layout, the same numbers can be plain counters, and every page is laid
out once. The rules are derived from the stylesheets themselves: each declaration that uses
``target-counter(attr(href url), page)`` gets a twin that uses a counter instead, and each
link gets its target's page as that counter's value.

The numbers are checked, never trusted, whichever way they were made: after a layout, the
number printed after every link is read back from the laid-out boxes and compared with the
page its target is on (``wrong``); if one differs, the variant is laid out again with the
pages of that layout as literal numbers. A build with no recorded numbers lets WeasyPrint's
target-counter() make them, and checks them the same way: WeasyPrint gets them wrong where
notes pushed to the next page move their targets after the counters were computed (seen in
the large-print edition), and such a variant is laid out again with the right numbers. Where
target-counter() got every number right, its layout is the same, byte for byte, as the
literal one (tested), so clean and incremental builds agree.
"""


from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import tinycss2
from tinycss2 import ast

from pressroom.printing.pieces import PIECE_LINK

COUNTER = "pressroom-target-page"


def _is_target_page(token: ast.Node) -> bool:
    if not (isinstance(token, ast.FunctionBlock) and token.lower_name == "target-counter"):
        return False
    text = tinycss2.serialize(token.arguments).replace(" ", "").lower()
    return text == "attr(hrefurl),page"


def _counter() -> ast.FunctionBlock:
    return ast.FunctionBlock(0, 0, "counter", [ast.IdentToken(0, 0, COUNTER)])


def literal_rules(css: str) -> str:
    """For every rule whose ``content`` uses the target's page, the same rule with a counter
    in its place (later in the cascade, so it wins where the counter is set)."""
    out: list[str] = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if not isinstance(rule, ast.QualifiedRule):
            continue
        for decl in tinycss2.parse_declaration_list(rule.content, skip_comments=True,
                                                    skip_whitespace=True):
            if not (isinstance(decl, ast.Declaration) and decl.lower_name == "content"):
                continue
            if not any(_is_target_page(t) for t in decl.value):
                continue
            value = [_counter() if _is_target_page(t) else t for t in decl.value]
            selector = tinycss2.serialize(rule.prelude).strip()
            out.append(f"{selector} {{ content: {tinycss2.serialize(value).strip()}; }}")
    return "\n".join(out)


def _css_string(value: str) -> str:
    """``value`` as a CSS string, every character but letters, digits and ``-_:.``
    escaped (a scan of the whole string, not a step per character: each piece of each
    variant has a rule for every target it links to)."""
    return '"' + _ESCAPED.sub(lambda m: f"\\{ord(m.group()):x} ", value) + '"'


#: What _css_string escapes: \w is what str.isalnum() accepts, and the underscore.
_ESCAPED = re.compile(r"[^\w\-:.]")


def hint_rules(hints: Mapping[str, int]) -> str:
    """A counter value for every link to a target whose page is known (the hints hold the
    targets that the page's links, contents included, pointed to last time), whether the
    target is in the same piece of the volume or another (printing.pieces)."""
    return "\n".join(
        f"[href={_css_string('#' + t)}], [href={_css_string(PIECE_LINK + t)}] "
        f"{{ counter-reset: {COUNTER} {hints[t]}; }}" for t in sorted(hints))


def wrong(printed: Mapping[str, Sequence[int]], anchor_pages: Mapping[str, int]) -> list[str]:
    """The link targets for which the layout printed a page number other than their page."""
    return sorted(t for t, numbers in printed.items()
                  if t in anchor_pages and any(n != anchor_pages[t] for n in numbers))


def settled(printed: Mapping[str, Sequence[int]], anchor_pages: Mapping[str, int]
            ) -> dict[str, int]:
    """The pages of the targets that links print numbers for: the next layout's hints."""
    return {t: anchor_pages[t] for t in printed if t in anchor_pages}
