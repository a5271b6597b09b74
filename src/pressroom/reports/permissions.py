"""The permissions report: what each reading reprints, who holds the rights, how many pages.

A course reader is cleared reading by reading: the person who asks a publisher, or files the
reader with a copyright office, needs each source's citation, its rights holder and licence,
the pages it fills in the reader, and how much of the source that is. Every build writes the
report as CSV (for a spreadsheet) and JSON (for a program).
"""


from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from pressroom.errors import ContentError
from pressroom.files import write_text_atomic
from pressroom.sources.citations import Citation
from pressroom.sources.edition import Edition, Reading
from pressroom.sources.pdffile import describe_pages

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PermissionRow:
    reading: str
    file: str
    title: str
    authors: str
    citation: str
    rights_holder: str
    rights: str
    license: str
    permissions: str
    #: Pages in the A4 reader, first to last, and how many.
    first_page: int | None
    last_page: int | None
    pages: int | None
    #: The source's pages the reading reprints (CSL "page") and the source's length
    #: (CSL "number-of-pages"); their ratio, where both are known.
    source_pages: str
    source_length: int | None
    share_of_source: float | None
    #: A PDF reading: the pages of its file the reader reproduces ("3–17 of 20").
    pdf_pages: str = ""


def _page_count(pages: str) -> int | None:
    # "57-81", "57–81", "5" or "xi-xx, 3-20": count what can be counted.
    total = 0
    for part in re.split(r"\s*[,;&]\s*", pages.strip()):
        match = re.fullmatch(r"(\d+)\s*(?:[-–—]+\s*(\d+))?", part)
        if not match:
            return None
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if last < first:  # "157-61"
            last = int(str(first)[: len(str(first)) - len(str(last))] + str(last))
        if last < first:
            return None
        total += last - first + 1
    return total or None


#: What a period after it does not end: an initial ("Matthew J."), the letters of "U.S.C.",
#: titles and the abbreviations of citations.
_ABBREVIATION = re.compile(r"(?:\b[A-Z]|\b(?:St|Dr|Mr|Mrs|Ms|Prof|No|Nos|Vol|Vols|ed|eds|"
                           r"trans|repr|cf|pp?|sec|art))$")
#: A company's suffix: its period is the name's, and may end the sentence too.
_COMPANY = re.compile(r"\b(?:Inc|Ltd|Co|Corp|LLC|plc|S\.A|GmbH|Pty)$")


def _first_sentence(text: str) -> str:
    """The text up to the end of its first sentence: a full stop before a capital (or the
    end) that follows neither an initial nor an abbreviation."""
    for found in re.finditer(r"\.", text):
        before, after = text[:found.start()], text[found.end():]
        if _COMPANY.search(before):
            return before + "."
        if _ABBREVIATION.search(before):
            continue
        if not after.strip() or re.match(r"\s+[A-Z(\"“‘]", after):
            return before
    return text


def rights_holder(reading: Reading) -> str:
    """Who holds the rights: as stated, or read off "Copyright 2014 by …"."""
    meta = reading.meta
    if meta.rights_holder:
        return meta.rights_holder
    match = re.search(r"(?:copyright|©)\s*(?:\d{4}\s*)?(?:by\s+)?(.+)", meta.rights or "",
                      re.IGNORECASE | re.DOTALL)
    if not match:
        return ""
    holder = _first_sentence(match.group(1)).strip()
    if re.fullmatch(r"the author(?:\(s\)|s)?", holder, re.IGNORECASE) and meta.authors:
        return ", ".join(a.name for a in meta.authors)
    return holder


def reading_pages(reading: Reading, anchor_pages: Mapping[str, int]
                  ) -> tuple[int | None, int | None]:
    """First and last page of a reading in a laid-out edition: its heading, and the last of
    its end marker and its notes (a note can sit below the last line of text)."""
    first = anchor_pages.get(reading.id)
    owned = re.compile(rf"{re.escape(reading.id)}-(?:end|note-\d+|noteref-\d+)")
    pages = [page for name, page in anchor_pages.items() if owned.fullmatch(name)]
    return first, max(pages, default=first)


def permissions_report(edition: Edition, citations: Mapping[str, Citation],
                       anchor_pages: Mapping[str, int]) -> list[PermissionRow]:
    """One row per reading. A reading with no rights statement is a warning (an error in a
    strict build): the report exists so that nothing goes to print uncleared."""
    rows = []
    for reading in edition.readings:
        meta = reading.meta
        if not meta.rights:
            log.warning("%s", ContentError("no rights statement (add rights: to its front "
                                           "matter)", path=reading.path, line=2,
                                           field="rights"))
        first, last = reading_pages(reading, anchor_pages)
        source = reading.source or {}
        source_pages = str(source.get("page", ""))
        length = source.get("number-of-pages")
        length = int(length) if str(length or "").isdigit() else None
        count = _page_count(source_pages) if source_pages else None
        pdf_pages = ""
        if reading.pdf:
            pdf = reading.pdf
            pdf_pages = f"{describe_pages(pdf.pages)} of {pdf.page_count}"
            # The file's pages are the source's when the record gives no page range.
            count = count or len(pdf.pages)
        rows.append(PermissionRow(
            reading=reading.id,
            file=reading.pdf.path.name if reading.pdf else reading.path.name,
            title=meta.full_title,
            authors=", ".join(a.name for a in meta.authors),
            citation=citations[reading.id].text if reading.id in citations else "",
            rights_holder=rights_holder(reading),
            rights=meta.rights or "",
            license=meta.license or "",
            permissions=meta.permissions or "",
            first_page=first,
            last_page=last,
            pages=(last - first + 1) if first and last else None,
            source_pages=source_pages,
            source_length=length,
            share_of_source=round(count / length, 4) if count and length else None,
            pdf_pages=pdf_pages,
        ))
    return rows


def render_report(rows: list[PermissionRow]) -> tuple[str, str]:
    """The report as CSV text and JSON text."""
    fields = list(PermissionRow.__dataclass_fields__)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in asdict(row).items()})
    data = json.dumps({"readings": [asdict(r) for r in rows]}, indent=2, ensure_ascii=False)
    return buffer.getvalue(), data + "\n"


def write_report(rows: list[PermissionRow], build_dir: Path, stem: str) -> tuple[Path, Path]:
    """Write <stem>.csv and <stem>.json; return their paths."""
    csv_text, json_text = render_report(rows)
    csv_path, json_path = build_dir / f"{stem}.csv", build_dir / f"{stem}.json"
    write_text_atomic(csv_path, csv_text)
    write_text_atomic(json_path, json_text)
    return csv_path, json_path
