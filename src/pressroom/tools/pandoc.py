"""The one caller of Pandoc: runs it sandboxed and bounded, and turns failures into RenderErrors.

pypandoc finds the Pandoc binary (pypandoc-binary bundles it) and tells its version; the binary
itself runs through ``_run.run_bounded``, under the time and memory limits of ``Limits``.
"""


from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import TypeVar

import pypandoc

from pressroom.errors import RenderError
from pressroom.tools.run import DEFAULT_LIMITS, Limits, run_bounded

FILTERS = Path(__file__).parent / "filters"
T = TypeVar("T")
R = TypeVar("R")

#: Pandoc's Markdown as Pandoc reads it (citations, TeX math, inline notes, raw HTML parsed,
#: so that a comment is a comment and a <div> a div), less what could smuggle markup or files
#: into an output: raw TeX and raw attributes are off, and raw HTML, which Pandoc keeps as
#: raw nodes, is turned into the text it shows by ``assemble.document`` before any writer
#: sees it (comments are dropped). A "---" block is no metadata: metadata comes only from the
#: --metadata-file we write. Implicit figures stay off so that generated Markdown (the
#: timeline plate) keeps its layout; media.lua makes figures of the readings' lone images.
READER = "markdown+smart-raw_tex-raw_attribute-implicit_figures-yaml_metadata_block"

#: Our Lua filters, in the order they run: media (images checked at load time, figures,
#: tables), languages (xml:lang for EPUB), pages (block anchors and page-break markers; it
#: counts the text before notes turn into links), notes (numbering, backlinks, the link
#: check), then formats (blocks for print or the EPUB only, dropped after pages counted them).
LUA_FILTERS = ("media.lua", "lang.lua", "pages.lua", "notes.lua", "formats.lua")

_LUA_ERROR = re.compile(r"\w+\.lua:\d+: (.+)")
_ERROR_KIND = re.compile(r"\b([A-Z]\w*(?:Error|Exception))\b")
_AT_LINE = re.compile(r"line (\d+) column \d+")
_WARNING = re.compile(r"^\[WARNING\] (.*(?:\n(?!\[)  .*)*)", re.MULTILINE)
logger = logging.getLogger(__name__)


def _log_warnings(stderr: str, path: Path | None) -> None:
    """Pandoc's warnings, each one line naming the file and line: warnings, as plain Pandoc
    gives them, not failures (a --strict build stops at them)."""
    for found in _WARNING.finditer(stderr or ""):
        text = " ".join(found.group(1).split())
        at = _AT_LINE.search(text)
        text = re.sub(r" at (?:\S+ )?line \d+ column \d+", "", text)
        where = f"{path}:{at.group(1)}: " if path and at else (f"{path}: " if path else "")
        logger.warning("%spandoc: %s", where, text)
#: Address space beyond Pandoc's heap (-M): the binary, its stacks and the RTS's own tables.
_RTS_OVERHEAD_MB = 512


@cache
def pandoc_binary() -> str:
    """The Pandoc binary pypandoc finds; it must be Pandoc 3."""
    try:
        path, version = pypandoc.get_pandoc_path(), pypandoc.get_pandoc_version()
    except OSError as exc:
        raise RenderError(f"cannot find pandoc: {exc}") from exc
    if not str(version).startswith("3."):
        raise RenderError(f"pandoc {version} found at {path}; pressroom needs Pandoc 3.x "
                          "(reinstall with scripts/setup.sh)")
    return str(path)


def side_by_side(convert: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``convert`` over ``items``, one Pandoc per core (each its own process), the results
    in order; an error is the first item's in order that failed, as one by one."""
    workers = max(1, min(len(items), len(os.sched_getaffinity(0))))
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(convert, items))


def run_pandoc(
    source: Path,
    to: str,
    *,
    output: Path | None = None,
    metadata: Path | None = None,
    extra_args: list[str] | tuple[str, ...] = (),
    cwd: Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
    format: str = READER,
    filters: Sequence[str] = LUA_FILTERS,
) -> str:
    """Convert source (a file in the project) with our filters; return text output.
    ``filters`` empty: a document they have already been run on (the EPUB's units).

    --sandbox confines Pandoc's readers and writers to the files named on its command line,
    so a Markdown image or link can never pull a file from elsewhere into an EPUB. Pandoc's
    heap is capped with its runtime's -M option (what Pandoc's manual advises for untrusted
    input) and its address space and running time by run_bounded.
    """
    seconds, memory_mb = limits.of("pandoc")
    args = [
        pandoc_binary(),
        "+RTS", f"-M{memory_mb}m", "-RTS",
        f"--from={format}",
        f"--to={to}",
        str(source.resolve()),
        *([f"--output={output.resolve()}"] if output else []),
        "--sandbox",
        *(arg for name in filters for arg in ("--lua-filter", str(FILTERS / name))),
        *(["--metadata-file", str(metadata.resolve())] if metadata else []),
        *extra_args,
    ]
    try:
        result = run_bounded(args, seconds=seconds, memory_mb=memory_mb,
                             overhead_mb=_RTS_OVERHEAD_MB, what="pandoc", limit="pandoc",
                             source_path=source, cwd=cwd)
    except OSError as exc:
        raise RenderError(f"cannot run pandoc: {exc}", path=source) from exc
    if result.returncode != 0:
        text = result.stderr or result.stdout or f"exit {result.returncode}"
        match = _LUA_ERROR.search(text)
        detail = match.group(1) if match else " ".join(text.split())[:300]
        raise RenderError(f"pandoc ({to}): {detail}", path=source)
    _log_warnings(result.stderr, source)
    return result.stdout


def convert_text(
    text: str,
    to: str,
    *,
    format: str = READER,
    path: Path | None = None,
    extra_args: list[str] | tuple[str, ...] = (),
    limits: Limits = DEFAULT_LIMITS,
    quote_errors: bool = True,
) -> str:
    """Convert text without our filters: one chunk of the edition, or a bibliography.

    An error, or a warning (logged), is reported against ``path``, at the line Pandoc names:
    chunks are padded so that their lines are the source file's. With
    ``quote_errors=False`` the message names only the kind of Pandoc's error, never its text:
    for runs (citeproc with a style) whose errors can quote a file the user did not write.
    """
    seconds, memory_mb = limits.of("pandoc")
    with tempfile.TemporaryDirectory(prefix="pressroom-chunk-") as work:
        source = Path(work) / "chunk.txt"
        source.write_text(text, encoding="utf-8")
        args = [pandoc_binary(), "+RTS", f"-M{memory_mb}m", "-RTS", f"--from={format}",
                f"--to={to}", str(source), "--sandbox", *extra_args]
        try:
            result = run_bounded(args, seconds=seconds, memory_mb=memory_mb,
                                 overhead_mb=_RTS_OVERHEAD_MB, what="pandoc", limit="pandoc",
                                 source_path=path)
        except OSError as exc:
            raise RenderError(f"cannot run pandoc: {exc}", path=path) from exc
    if result.returncode != 0:
        message = " ".join((result.stderr or result.stdout or "").split())
        found = _AT_LINE.search(message)
        detail = re.sub(r"^.*?\[WARNING\] ", "", message)
        detail = re.sub(r"\s*Failing because there were warnings\.?", "", detail)
        detail = re.sub(r" at (?:\S+ )?line \d+ column \d+", "", detail)[:300]
        if not quote_errors:
            kind = _ERROR_KIND.search(message)
            detail = (f"{kind.group(1) if kind else 'an error'} (its text is not shown: it "
                      "may quote a file the user did not write)")
        raise RenderError(f"pandoc: {detail or f'exit {result.returncode}'}", path=path,
                          line=int(found.group(1)) if found else None)
    if quote_errors:
        _log_warnings(result.stderr, path)
    elif _WARNING.search(result.stderr or ""):
        logger.warning("%spandoc warned while formatting citations (its text is not shown: "
                       "it may quote a file the user did not write)", f"{path}: " if path else "")
    return result.stdout
