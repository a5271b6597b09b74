"""The one way pressroom runs an outside program: under a time limit and a memory limit.

Pandoc, EPUBCheck (Java), DAISY Ace (Node and Chromium), qpdf and fc-list all go through
``run_bounded``. A reading that sends Pandoc into a pathological parse, or an EPUB that makes a
checker loop, then stops the build with one line naming the source and the limit, instead of
hanging or eating the machine's memory. The limits are a ``Limits`` value that the tasks fill
from Invoke's configuration (``pressroom.limits`` in invoke.yaml); the package never reads that
configuration itself.
"""


from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from pressroom.errors import ConfigError, LimitError, RenderError
from pressroom.tools.scratch import private_scratch

#: Where a user raises a limit; every limit error says so.
WHERE_TO_RAISE = "raise it in invoke.yaml under pressroom.limits"


@dataclass(frozen=True)
class Limits:
    """Time (seconds) and memory (megabytes of address space) for each outside program.

    The defaults leave room for the largest edition we know of many times over; an input that
    needs more is hostile or broken. ``source_mb`` caps the size of any one source file.
    """

    pandoc_seconds: float = 120.0
    pandoc_memory_mb: int = 2048
    epubcheck_seconds: float = 300.0
    epubcheck_memory_mb: int = 4096
    ace_seconds: float = 300.0
    #: Node and the Chromium it starts, each: memory written to (heap), not address space.
    ace_memory_mb: int = 4096
    qpdf_seconds: float = 120.0
    qpdf_memory_mb: int = 2048
    #: Small helpers: fc-list, calibre's ebook-meta.
    tool_seconds: float = 60.0
    tool_memory_mb: int = 2048
    #: One WeasyPrint layout (in a worker process of its own; see workers.py).
    layout_seconds: float = 300.0
    layout_memory_mb: int = 4096
    #: Layouts at once; 0 (the default) is one per core.
    layout_jobs: int = 0
    #: OCRmyPDF (with Tesseract) on one scanned PDF reading, when a build asks for --ocr.
    ocr_seconds: float = 600.0
    ocr_memory_mb: int = 4096
    source_mb: int = 10
    #: The largest PDF reading (scans run large).
    pdf_mb: int = 200
    #: The most pages a PDF reading's file may have (a longer one is no reading; its pages
    #: would each be a form in every layout).
    pdf_pages: int = 1000

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> Limits:
        """Limits from configuration: known names only, each a positive number."""
        known = {f.name: f for f in fields(cls)}
        given: dict[str, Any] = {}
        for name, value in (values or {}).items():
            if name not in known:
                raise ConfigError(f"unknown limit {name!r} under pressroom.limits "
                                  f"(choose from {', '.join(known)})")
            lowest = 0 if name in _ZERO_IS_AUTOMATIC else 1e-9
            if isinstance(value, bool) or not isinstance(value, int | float) or value < lowest:
                raise ConfigError(f"pressroom.limits.{name} must be a positive number, "
                                  f"not {value!r}")
            given[name] = int(value) if known[name].type == "int" else float(value)
        return cls(**given)

    def of(self, tool: str) -> tuple[float, int]:
        """(seconds, memory_mb) for a tool prefix such as "pandoc"."""
        return getattr(self, f"{tool}_seconds"), getattr(self, f"{tool}_memory_mb")


DEFAULT_LIMITS = Limits()
#: Limits for which 0 means "choose for me" (layouts at once: one per core).
_ZERO_IS_AUTOMATIC = frozenset({"layout_jobs"})

#: What programs print when an allocation fails (GHC's RTS, the JVM, V8, C++ and C libraries).
_OUT_OF_MEMORY = re.compile(
    r"out of memory|heap exhausted|outofmemoryerror|could not reserve enough space"
    r"|cannot allocate memory|bad_alloc|heap out of memory|failed to reserve"
    r"|insufficient memory|memory allocation failed|memoryerror",
    re.IGNORECASE,
)


#: prlimit (util-linux) sets the memory limit and then runs the program: the limit is in
#: place before the program's first instruction, and nothing runs in the child between fork
#: and exec (a preexec_fn there can deadlock a process that has threads).
PRLIMIT = "prlimit"
_PRLIMIT_OPTION = {"address-space": "--as", "data": "--data"}


def limited(args: Sequence[str], memory_mb: int, kind: str = "address-space") -> list[str]:
    """args, run under a memory limit of memory_mb megabytes of ``kind``."""
    limit = memory_mb * 1024 * 1024
    return [PRLIMIT, f"{_PRLIMIT_OPTION[kind]}={limit}:{limit}", "--", *map(str, args)]


def _kill_group(proc: subprocess.Popen[Any]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _where(source_path: Path | str | None) -> Path | None:
    return Path(source_path) if source_path is not None else None


def run_bounded(
    args: Sequence[str],
    *,
    seconds: float,
    memory_mb: int,
    what: str,
    source_path: Path | str | None = None,
    limit: str | None = None,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    text: bool = True,
    on_timeout: Callable[[subprocess.Popen[Any]], None] | None = None,
    memory: str = "address-space",
    overhead_mb: int = 0,
    input: str | None = None,
) -> subprocess.CompletedProcess[Any]:
    """Run args to completion within ``seconds`` and ``memory_mb`` of memory; ``input`` is
    its standard input (a program such as lou_translate reads nothing else), else none.

    ``memory`` says what is counted: "address-space" (RLIMIT_AS, everything mapped) or "data"
    (RLIMIT_DATA, memory written to: heap and private mappings). Chromium reserves a terabyte
    of address space for its JavaScript sandbox and never touches most of it, so Ace is
    bounded by what it writes. ``overhead_mb`` is added to the operating system's limit but not
    to the limit a message names (Pandoc: its heap is capped at memory_mb by its own runtime).

    ``what`` names the program in messages; ``limit`` is the prefix of its ``Limits`` fields
    (default: ``what``); ``source_path`` is the file the run is about, named first in an error.
    The child runs in a session of its own, so a timeout kills it and everything it started
    (``on_timeout`` may stop it more gently first). A non-zero exit is returned, not raised:
    the caller knows what the program's failures mean. Running out of time or memory raises
    LimitError; a program that cannot be started raises OSError, for the caller to word.
    """
    prefix = limit or what
    where = _where(source_path)
    program = str(args[0])
    if shutil.which(program, path=(env or os.environ).get("PATH")) is None:
        # prlimit would start and then fail to run it: say so the way Popen does.
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), program)
    with private_scratch(env) as scratch, subprocess.Popen(
        limited(args, memory_mb + overhead_mb, memory),
        cwd=cwd,
        env=scratch,
        stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=text,
        encoding="utf-8" if text else None,
        errors="replace" if text else None,
        start_new_session=True,
    ) as proc:
        try:
            stdout, stderr = proc.communicate(input=input, timeout=seconds)
        except subprocess.TimeoutExpired:
            if on_timeout is not None:
                on_timeout(proc)
            _kill_group(proc)
            proc.communicate()
            raise LimitError(
                f"{what} stopped after {seconds:g} s (limit {prefix}_seconds; {WHERE_TO_RAISE})",
                path=where,
            ) from None
        except BaseException:
            _kill_group(proc)
            raise
    result = subprocess.CompletedProcess(list(args), proc.returncode, stdout, stderr)
    if proc.returncode != 0 and _ran_out_of_memory(proc.returncode, stdout, stderr):
        raise LimitError(
            f"{what} ran out of memory at {memory_mb} MB (limit {prefix}_memory_mb; "
            f"{WHERE_TO_RAISE})",
            path=where,
        )
    return result


def _ran_out_of_memory(returncode: int, stdout: Any, stderr: Any) -> bool:
    def as_text(value: Any) -> str:
        if isinstance(value, bytes):
            return value[-20000:].decode("utf-8", "replace")
        return (value or "")[-20000:]

    return bool(_OUT_OF_MEMORY.search(as_text(stderr) + as_text(stdout)))


def run_tool(args: Sequence[str], *, what: str, limits: Limits = DEFAULT_LIMITS,
             source_path: Path | str | None = None, text: bool = True,
             input: str | None = None) -> subprocess.CompletedProcess[Any]:
    """A small helper program (fontconfig, poppler, liblouis) under the tool limits; a failure
    to start or a non-zero exit is a RenderError naming the program and what it said."""
    try:
        result = run_bounded(args, seconds=limits.tool_seconds, memory_mb=limits.tool_memory_mb,
                             what=what, limit="tool", source_path=source_path, text=text,
                             input=input)
    except OSError as exc:
        raise RenderError(f"cannot run {what}: {exc.strerror or exc}",
                          path=_where(source_path)) from exc
    if result.returncode != 0:
        said = result.stderr if text else result.stderr.decode("utf-8", "replace")
        raise RenderError(f"{what} failed: {' '.join(said.split())[:300] or result.returncode}",
                          path=_where(source_path))
    return result
