"""Lay out the print HTML with WeasyPrint, in-process, and return the PDF's bytes."""

from __future__ import annotations

import logging
import re
import subprocess
from functools import cache
from pathlib import Path

import weasyprint
from weasyprint.urls import FatalURLFetchingError

from .errors import RenderError, SafetyError
from .fetcher import ConfinedFetcher

log = logging.getLogger(__name__)

_GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "inherit",
            "initial", "math", "emoji", "fangsong"}
_FONT_FAMILY = re.compile(r"font(?:-family)?\s*:\s*([^;}]+)")
_QUOTED = re.compile(r"\"([^\"]+)\"|'([^']+)'")


@cache
def installed_families() -> frozenset[str]:
    """Font families fontconfig knows (what WeasyPrint will find)."""
    try:
        out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True,
                             check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise RenderError(f"cannot list fonts with fc-list: {exc}") from exc
    names = set()
    for line in out.splitlines():
        names.update(part.strip().lower() for part in line.split(","))
    return frozenset(names)


def require_fonts(css: str, css_path: Path) -> None:
    """Stop, naming the stylesheet line, if a face the stylesheet asks for is not installed."""
    families = installed_families()
    for match in _FONT_FAMILY.finditer(css):
        for quoted in _QUOTED.finditer(match.group(1)):
            name = quoted.group(1) or quoted.group(2)
            if name.lower() in _GENERIC or name.lower() in families:
                continue
            line = css.count("\n", 0, match.start()) + 1
            raise RenderError(
                f"font {name!r} is not installed (the set-up installs it; WeasyPrint would "
                "silently fall back to another face)",
                path=css_path,
                line=line,
            )


_FOOTNOTE_ID = re.compile(r'<span id="([^"]+)" class="footnote"')


def render_pdf(html: str, project_root: Path, *, variant: str | None = "pdf/ua-1") -> bytes:
    """The PDF of one print HTML document; only files under project_root may be read.

    Every footnote must come out laid out on some page: WeasyPrint has dropped a footnote
    whose call was pushed to the next page by widow/orphan control, and a lost note is a
    broken edition, so we check the anchors of the laid-out pages before writing.
    """
    fetcher = ConfinedFetcher(project_root)
    try:
        document = weasyprint.HTML(
            string=html, base_url=str(project_root) + "/", url_fetcher=fetcher
        ).render()
        anchors = {name for page in document.pages for name in page.anchors}
        lost = [note for note in _FOOTNOTE_ID.findall(html) if note not in anchors]
        if lost:
            raise RenderError(
                f"WeasyPrint dropped footnote {lost[0]} while paginating"
                f"{f' (and {len(lost) - 1} more)' if len(lost) > 1 else ''}; "
                "check footnote-policy in the print stylesheet"
            )
        return document.write_pdf(pdf_variant=variant, pdf_tags=True, uncompressed_pdf=False)
    except FatalURLFetchingError as exc:
        raise SafetyError(str(exc)) from exc
    except (ValueError, OSError) as exc:
        raise RenderError(f"WeasyPrint failed: {exc}") from exc


def page_count(pdf: bytes) -> int:
    from io import BytesIO

    from pypdf import PdfReader

    return len(PdfReader(BytesIO(pdf)).pages)
