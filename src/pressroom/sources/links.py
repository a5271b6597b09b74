"""Which link targets an output may carry: http(s) and mailto, and links inside the book.

One rule for every output and its check: a PDF reading's links carried into the volume, a
source's URL on the EPUB's title page and in citations, and ``inv check`` on what was built.
``javascript:``, ``file:``, ``data:`` and every other scheme are never a live link.
"""


from __future__ import annotations

import re

#: Browsers drop ASCII tabs and newlines anywhere in a URL and C0 controls and spaces around
#: it ("java\tscript:" is javascript:), so the scheme is read as they read it.
_IGNORED = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
WEB_SCHEMES = frozenset({"http", "https", "mailto"})


def link_scheme(url: str) -> str | None:
    """The scheme of url, lowercase, as a browser reads it; None for a relative reference."""
    cleaned = _IGNORED.sub("", url).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c"
                                           "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18"
                                           "\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


def is_web_link(url: str) -> bool:
    """An absolute http(s) or mailto link."""
    return link_scheme(url) in WEB_SCHEMES


def is_safe_link(url: str) -> bool:
    """http(s), mailto, or a relative reference inside the book (not ``//host``)."""
    scheme = link_scheme(url)
    if scheme is None:
        return not _IGNORED.sub("", url).strip().startswith(("//", "\\\\", "/\\", "\\/"))
    return scheme in WEB_SCHEMES
