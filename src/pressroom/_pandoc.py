"""The one caller of pypandoc: runs Pandoc sandboxed and turns its failures into RenderErrors."""

from __future__ import annotations

import re
from pathlib import Path

import pypandoc

from .errors import RenderError

FILTERS = Path(__file__).parent / "filters"

#: Pandoc's Markdown with everything that could smuggle markup or files disabled: raw HTML and
#: TeX print literally, citations (@name) stay text, and a "---" block is no metadata.
READER = (
    "markdown+smart-raw_html-raw_tex-raw_attribute-citations"
    "-tex_math_dollars-tex_math_single_backslash-implicit_figures"
    # Metadata comes only from the --metadata-file we write; notes only as [^n] references.
    "-yaml_metadata_block-inline_notes"
)

#: Our Lua filters, in the order they run: media (images checked at load time, figures,
#: tables), languages (xml:lang for EPUB), pages (block anchors and page-break markers; it
#: counts the text before notes turn into links), then notes (numbering, backlinks, the link
#: check).
LUA_FILTERS = ("media.lua", "lang.lua", "pages.lua", "notes.lua")

_LUA_ERROR = re.compile(r"\w+\.lua:\d+: (.+)")
_AT_LINE = re.compile(r"line (\d+) column \d+")


def run_pandoc(
    source: Path,
    to: str,
    *,
    output: Path | None = None,
    metadata: Path | None = None,
    extra_args: list[str] | tuple[str, ...] = (),
    cwd: Path | None = None,
    format: str = READER,
) -> str:
    """Convert source (a file in the project) with our notes filter; return text output.

    --sandbox confines Pandoc's readers and writers to the files named on its command line,
    so a Markdown image or link can never pull a file from elsewhere into an EPUB.
    """
    args = [
        "--sandbox",
        "--fail-if-warnings",
        *(arg for name in LUA_FILTERS for arg in ("--lua-filter", str(FILTERS / name))),
        *(["--metadata-file", str(metadata.resolve())] if metadata else []),
        *extra_args,
    ]
    try:
        return pypandoc.convert_file(
            str(source.resolve()),
            to,
            format=format,
            extra_args=args,
            outputfile=str(output.resolve()) if output else None,
            sandbox=False,  # passed above, so it also applies with outputfile
            cworkdir=str(cwd) if cwd else None,
        )
    except RuntimeError as exc:
        text = str(exc)
        match = _LUA_ERROR.search(text)
        detail = match.group(1) if match else " ".join(text.split())[:300]
        raise RenderError(f"pandoc ({to}): {detail}", path=source) from exc
    except OSError as exc:
        raise RenderError(f"cannot run pandoc: {exc}", path=source) from exc


def convert_text(
    text: str,
    to: str,
    *,
    format: str = READER,
    path: Path | None = None,
    extra_args: list[str] | tuple[str, ...] = (),
) -> str:
    """Convert text without the notes filter: one chunk of the edition, or a bibliography.

    A warning (--fail-if-warnings makes it an error) is reported against ``path``, at the
    line Pandoc names: chunks are padded so that their lines are the source file's.
    """
    try:
        return pypandoc.convert_text(
            text, to, format=format, extra_args=["--sandbox", "--fail-if-warnings",
                                                 *extra_args], sandbox=False,
        )
    except RuntimeError as exc:
        message = " ".join(str(exc).split())
        found = _AT_LINE.search(message)
        detail = re.sub(r"^.*?\[WARNING\] ", "", message)
        detail = re.sub(r"\s*Failing because there were warnings\.?", "", detail)
        detail = re.sub(r" at (?:\S+ )?line \d+ column \d+", "", detail)[:300]
        raise RenderError(f"pandoc: {detail}", path=path,
                          line=int(found.group(1)) if found else None) from exc
    except OSError as exc:
        raise RenderError(f"cannot run pandoc: {exc}", path=path) from exc
