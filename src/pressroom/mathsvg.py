"""TeX math for print: each formula drawn as an SVG by ziamath, in the math face of the table.

Every formula is drawn once, when the reading's text is converted (``check_math`` there names
the file and line of TeX that cannot be typeset), and printing takes the drawing from the
same cache.

WeasyPrint lays out no MathML, so print cannot take what the EPUB takes (Pandoc's MathML,
which e-readers render). ziamath typesets the TeX (through latex2mathml) with the OpenType
MATH table of a math face and draws the glyphs as paths, offline and in pure Python, so a
formula prints the same on every machine. The TeX follows the drawing as transparent text
laid over it: the PDF's text layer (search, copy, a screen reader) has the formula as the
author wrote it, which is also what Pandoc's own plain-text output falls back to.
"""

from __future__ import annotations

import base64
import html
import re
from functools import cache
from typing import Any

from pressroom.errors import ContentError
from pressroom.faces import math_face_file

#: The size ziamath draws at; the image is then scaled in ems, so the number only sets the
#: precision of the paths.
_DRAWN_AT = 20.0
_VIEWBOX = re.compile(r'viewBox="([^"]+)"')


def check_math(tex: str, display: bool) -> None:
    """Raise ContentError (without a place: the caller knows it) for TeX ziamath cannot
    typeset."""
    _drawn(tex, display)


@cache
def _drawn(tex: str, display: bool) -> tuple[str, float, float, float]:
    """(SVG, width, height, depth below the baseline), the sizes in ems."""
    import ziamath  # imported here: only a build with math pays for it

    try:
        math = ziamath.Latex(tex, size=_DRAWN_AT, font=str(math_face_file()),
                             inline=not display, margin=0)
        svg = math.svg()
    except Exception as exc:  # latex2mathml and ziamath raise many types for bad TeX
        # Some parse errors carry no text (an IndexError on an unclosed brace): name the
        # kind then, so the line never ends in an empty reason.
        reason = str(exc).strip() or f"the TeX is incomplete ({type(exc).__name__})"
        raise ContentError(f"cannot typeset the TeX math ${tex}$: {reason}") from exc
    # The drawing's box is its viewBox, whose y = 0 is the baseline.
    found = _VIEWBOX.search(svg)
    if not found:
        raise ContentError(f"cannot typeset the TeX math ${tex}$: ziamath gave no viewBox")
    _, top, width, height = (float(v) for v in found.group(1).split())
    depth = top + height
    return svg, width / _DRAWN_AT, height / _DRAWN_AT, max(0.0, depth / _DRAWN_AT)


def _formula(kind: str, tex: str) -> dict[str, Any]:
    display = kind == "DisplayMath"
    svg, width, height, depth = _drawn(tex, display)
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    shown = html.escape(tex, quote=True)
    tag = "span"  # inside a paragraph, display math too; the stylesheet makes it a block
    style = f"width:{width:.3f}em;height:{height:.3f}em;vertical-align:-{depth:.3f}em"
    markup = (f'<{tag} class="math {"display" if display else "inline"}">'
              f'<img class="math-drawing" src="{uri}" alt="{shown}" style="{style}" />'
              f'<span class="math-tex" aria-hidden="true">{html.escape(tex)}</span></{tag}>')
    return {"t": "RawInline", "c": ["html", markup]}


def typeset_math(node: Any) -> Any:
    """The Pandoc AST with every Math node replaced by its drawing (raw HTML of our own: the
    TeX is escaped, and only ziamath's SVG is embedded)."""
    if isinstance(node, list):
        return [typeset_math(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("t") == "Math":
        kind, tex = node["c"]
        return _formula(kind["t"], tex)
    return {key: typeset_math(value) for key, value in node.items()}
