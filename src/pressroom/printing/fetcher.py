"""What a print page may fetch: only regular files inside the project tree.

The rule is checked twice: on the print HTML before anything is laid out or written
(``check_html``, in the building process), and again on every URL WeasyPrint asks for
(``printing.layout.ConfinedFetcher``, in the layout worker). This module does not import
WeasyPrint, so the building process never has to.
"""


from __future__ import annotations

import html as html_lib
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from pressroom.errors import SafetyError
from pressroom.faces import packaged_font_paths
from pressroom.sources.images import MAX_PIXELS, image_size


def refusal(path: Path, root: Path) -> str | None:
    """Why the file at path may not be read for a project rooted at root (None: it may).
    Outside the project, only the font files the faces table loads by @font-face."""
    path = path.resolve()
    if path in packaged_font_paths():
        return None
    if not path.is_relative_to(root):
        return "outside the project"
    # Hidden folders (.git, .tools, a virtualenv) hold no edition material.
    if any(p.startswith(".") for p in path.relative_to(root).parts):
        return "in a hidden folder"
    if not path.is_file():
        return "not a file"
    size = image_size(path)
    if size and size[0] * size[1] > MAX_PIXELS:
        return (f"an image of {size[0]} x {size[1]} pixels (more than {MAX_PIXELS:,} "
                "pixels: a decompression bomb)")
    return None




def url_refusal(url: str, root: Path) -> str | None:
    """Why WeasyPrint may not fetch url (absolute) for a project rooted at root."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "data":
        return None
    if scheme == "file":
        return refusal(Path(unquote(urlsplit(url).path)), root.resolve())
    return f"{scheme or 'relative'} URLs are not fetched"


#: Where an HTML page or its CSS names something to fetch: src/data/xlink:href attributes and
#: CSS url(). Links (<a href>) are not fetched, so they are not listed. The lookahead on the
#: first letter lets the scan of a 500-page reader's page pass most positions on one
#: character test (half the time of trying every alternative at each).
_FETCHED = re.compile(
    r"""(?=[sdxpu])(?:\b(?:src|data|xlink:href|poster)\s*=\s*(?:"([^"]*)"|'([^']*)')"""
    r"""|url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*)))""",
    re.IGNORECASE,
)


def check_html(page: str, root: Path, *, checked: str = "") -> None:
    """Refuse, before anything is written, a print page that names something WeasyPrint may not
    fetch. The fetcher refuses it again when WeasyPrint asks; this check only comes first, so
    that a refused build leaves the earlier outputs as they were.

    ``checked`` is a part of the page that was checked on its own (the body every variant's
    page shares, checked once where it is made): the page is scanned around it. The body's
    edges are tags, so nothing the scan looks for straddles them."""
    start = page.find(checked) if checked else -1
    if start < 0:
        _check_text(page, root)
        return
    _check_text(page[:start], root)
    _check_text(page[start + len(checked):], root)


def _check_text(text: str, root: Path) -> None:
    base = root.resolve().as_uri() + "/"
    for match in _FETCHED.finditer(text):
        raw = html_lib.unescape(next(g for g in match.groups() if g is not None)).strip()
        if not raw or raw.startswith("#"):
            continue
        url = urljoin(base, raw)
        reason = url_refusal(url, root)
        if reason:
            raise SafetyError(f"refused to fetch {raw}: {reason}")
