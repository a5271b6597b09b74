"""The one caller of pypandoc: runs Pandoc sandboxed and turns its failures into RenderErrors."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pypandoc

from .errors import RenderError

FILTERS = Path(__file__).parent / "filters"

#: Pandoc's Markdown with everything that could smuggle markup or files disabled: raw HTML and
#: TeX print literally, and citations (@name) stay text.
READER = (
    "markdown+smart-raw_html-raw_tex-raw_attribute-citations"
    "-tex_math_dollars-tex_math_single_backslash-implicit_figures"
)

_LUA_ERROR = re.compile(r"notes\.lua:\d+: (.+)")


@contextlib.contextmanager
def _source_date_epoch(day: dt.date | None) -> Iterator[None]:
    # Pandoc dates the EPUB (dcterms:modified, zip entries) from SOURCE_DATE_EPOCH, else from
    # the clock; the edition's own date keeps builds reproducible. pypandoc takes no env
    # argument, so the variable is set around the call and restored after it.
    if day is None:
        yield
        return
    key, previous = "SOURCE_DATE_EPOCH", os.environ.get("SOURCE_DATE_EPOCH")
    os.environ[key] = str(int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()))
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = previous


@cache
def pandoc_version() -> str:
    return pypandoc.get_pandoc_version()


def run_pandoc(
    source: Path,
    to: str,
    *,
    output: Path | None = None,
    extra_args: list[str] | tuple[str, ...] = (),
    cwd: Path | None = None,
    source_date: dt.date | None = None,
) -> str:
    """Convert source (a file in the project) with our notes filter; return text output.

    --sandbox confines Pandoc's readers and writers to the files named on its command line,
    so a Markdown image or link can never pull a file from elsewhere into an EPUB.
    """
    args = [
        "--sandbox",
        "--fail-if-warnings",
        "--lua-filter",
        str(FILTERS / "notes.lua"),
        *extra_args,
    ]
    try:
        with _source_date_epoch(source_date):
            return pypandoc.convert_file(
                str(source.resolve()),
                to,
                format=READER,
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
