"""A PDF reading's file: its sidecar, the pages it gives, and the geometry of a page."""


from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import LimitReachedError, PyPdfError

from pressroom.cache import file_digest
from pressroom.errors import ContentError, LimitError, PressroomError
from pressroom.tools.run import DEFAULT_LIMITS, WHERE_TO_RAISE


def sidecar_of(pdf: Path) -> Path:
    """The metadata file beside a PDF reading: same name, ``.yaml``."""
    return pdf.with_suffix(".yaml")


def parse_pages(spec: str, count: int) -> tuple[int, ...]:
    """The 0-based page indexes a ``pages`` field names ("3-17", "1, 4-6"), in its order.

    Raises ValueError with the words for the user: a page out of the file's range, a range
    that runs backwards, a page named twice."""
    chosen: list[int] = []
    for part in re.split(r"\s*,\s*", spec.strip()):
        match = re.fullmatch(r"(\d+)(?:\s*[-–]\s*(\d+))?", part)
        if not match:
            raise ValueError(f"{part!r} is not a page or a range of pages (write \"3-17\" "
                             "or \"1, 4-6\")")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if last < first:
            raise ValueError(f"the range {part!r} runs backwards")
        if first < 1 or last > count:
            what = (f"page {first}" if first < 1 else f"pages {part}" if first > count
                    and last > first else f"page {last}")
            raise ValueError(f"{what} {'is' if what.startswith('page ') else 'are'} out of "
                             f"range: the PDF has {count} page{'s' if count != 1 else ''}")
        for page in range(first, last + 1):
            if page - 1 in chosen:
                raise ValueError(f"page {page} is named twice")
            chosen.append(page - 1)
    return tuple(chosen)


def describe_pages(indexes: Sequence[int]) -> str:
    """1-based runs: (2, 3, 4, 8) -> "3–5, 9"."""
    runs: list[list[int]] = []
    for page in (i + 1 for i in indexes):
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


# ---------------------------------------------------------------------------------------------
# Loading


@contextlib.contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs what it repairs in a damaged file; the one error line we raise says it."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@dataclass(frozen=True)
class PdfFile:
    """What loading learns of a PDF reading's file (with pypdf; no outside program)."""

    path: Path
    digest: str
    #: Pages in the file, and the 0-based indexes of those the reading reproduces.
    page_count: int
    pages: tuple[int, ...]
    #: The file says it is tagged (a structure tree, /MarkInfo /Marked): its tags are not
    #: carried into the volume, which is why the volume then makes no PDF/UA claim.
    tagged: bool


_TOO_DEEP = ("the PDF is nested too deeply to read (objects within objects, or one that "
             "contains itself): it cannot be reproduced")


@contextlib.contextmanager
def pdf_faults(path: Path | str, error: type[PressroomError] = ContentError) -> Iterator[None]:
    """Reading or drawing a PDF's pages: what pypdf gives up on becomes one line naming the
    file: a damaged file, a stream that would inflate past pypdf's limit (a deflate bomb),
    structures nested too deeply for Python's stack (forms within forms, a form drawing
    itself)."""
    try:
        yield
    except LimitReachedError as exc:
        raise LimitError(f"the PDF holds more than pypdf will read ({exc}): it cannot be "
                         "reproduced", path=path) from None
    except RecursionError:
        raise error(_TOO_DEEP, path=path) from None
    except PyPdfError as exc:
        if _from_recursion(exc):  # pypdf says a RecursionError of its own this way
            raise error(_TOO_DEEP, path=path) from None
        raise error(f"cannot read the PDF, which is damaged or incomplete ({exc})",
                    path=path) from exc


def _from_recursion(exc: BaseException) -> bool:
    """Whether an error was raised in handling a RecursionError (pypdf turns one into
    "Error reading PDF file.", which would call a well-formed but deep PDF damaged)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, RecursionError):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def inspect_pdf(path: Path, spec: str | None, pages_line: int | None,
                sidecar: Path, max_pages: int = DEFAULT_LIMITS.pdf_pages) -> PdfFile:
    """Open a PDF reading's file; an unreadable, encrypted or empty file, pages out of range,
    or more than ``max_pages`` pages reproduced, is an error naming the file (the sidecar's
    line for ``pages``)."""
    with path.open("rb") as handle:
        if b"%PDF-" not in handle.read(1024):
            raise ContentError("is not a PDF file (it does not begin with %PDF-)", path=path)
    try:
        with _quiet_pypdf(), pdf_faults(path):
            reader = PdfReader(path)
            if reader.is_encrypted:
                raise ContentError("the PDF is encrypted: its pages cannot be reproduced (ask "
                                   "the publisher for a copy without a password or "
                                   "restrictions)", path=path)
            count = len(reader.pages)
            root = reader.trailer["/Root"]
            mark_info = root.get("/MarkInfo")
            tagged = bool("/StructTreeRoot" in root and mark_info is not None
                          and mark_info.get_object().get("/Marked"))
    except PressroomError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError) as exc:
        raise ContentError(f"cannot read the PDF, which is damaged or incomplete ({exc})",
                           path=path) from exc
    if count == 0:
        raise ContentError("the PDF has no pages", path=path)
    try:
        chosen = parse_pages(spec, count) if spec else tuple(range(count))
    except ValueError as exc:
        raise ContentError(str(exc), path=sidecar, line=pages_line, field="pages") from exc
    # The pages reproduced, not the file's: a chapter of a long book's PDF is a reading.
    if len(chosen) > max_pages:
        if not spec:
            raise LimitError(f"the PDF has {count} pages, more than {max_pages} (limit "
                             f"pdf_pages; {WHERE_TO_RAISE})", path=path)
        raise LimitError(f"the reading reproduces {len(chosen)} pages of the PDF, more than "
                         f"{max_pages} (limit pdf_pages; {WHERE_TO_RAISE})", path=sidecar,
                         line=pages_line, field="pages")
    return PdfFile(path, file_digest(path), count, chosen, tagged)

def visible_box(page) -> tuple[float, float, float, float]:
    """The part of a page that is the page: its trim box (inside crop marks and bleed; pypdf
    gives the crop box where there is none)."""
    box = page.trimbox
    return float(box.left), float(box.bottom), float(box.right), float(box.top)
