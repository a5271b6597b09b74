"""The one caller of Pandoc: runs it sandboxed and bounded, and turns failures into RenderErrors.

pypandoc finds the Pandoc binary (pypandoc-binary bundles it) and tells its version; the binary
itself runs through ``_run.run_bounded``, under the time and memory limits of ``Limits``.
"""


from __future__ import annotations

import re
import tempfile
from functools import cache
from pathlib import Path

import pypandoc

from pressroom.errors import RenderError
from pressroom.tools.run import DEFAULT_LIMITS, Limits, run_bounded

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
#: counts the text before notes turn into links), notes (numbering, backlinks, the link
#: check), then formats (blocks for print or the EPUB only, dropped after pages counted them).
LUA_FILTERS = ("media.lua", "lang.lua", "pages.lua", "notes.lua", "formats.lua")

_LUA_ERROR = re.compile(r"\w+\.lua:\d+: (.+)")
_ERROR_KIND = re.compile(r"\b([A-Z]\w*(?:Error|Exception))\b")
_AT_LINE = re.compile(r"line (\d+) column \d+")
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
) -> str:
    """Convert source (a file in the project) with our filters; return text output.

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
        "--fail-if-warnings",
        *(arg for name in LUA_FILTERS for arg in ("--lua-filter", str(FILTERS / name))),
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

    A warning (--fail-if-warnings makes it an error) is reported against ``path``, at the
    line Pandoc names: chunks are padded so that their lines are the source file's. With
    ``quote_errors=False`` the message names only the kind of Pandoc's error, never its text:
    for runs (citeproc with a style) whose errors can quote a file the user did not write.
    """
    seconds, memory_mb = limits.of("pandoc")
    with tempfile.TemporaryDirectory(prefix="pressroom-chunk-") as work:
        source = Path(work) / "chunk.txt"
        source.write_text(text, encoding="utf-8")
        args = [pandoc_binary(), "+RTS", f"-M{memory_mb}m", "-RTS", f"--from={format}",
                f"--to={to}", str(source), "--sandbox", "--fail-if-warnings", *extra_args]
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
    return result.stdout
