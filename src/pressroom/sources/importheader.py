"""The cover block of a repository's plain-text extraction: its labelled fields (title,
author, journal, rights) read into the reading's front matter and its source record, and the
text cut into blocks for the importer."""



from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pressroom.errors import ContentError

#: Header labels of the repository cover page, mapped to the fields they fill.
HEADER_LABELS = {
    "title": "title",
    "permalink": "permalink",
    "journal": "journal",
    "author": "author",
    "publication date": "year",
    "copyright information": "copyright",
}
HEADER_FLAGS = {"peer reviewed": "peer_reviewed"}


@dataclass(frozen=True)
class Block:
    """A run of non-blank lines of the source, with the line number of its first line."""

    line: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(part.strip() for part in self.lines)


def read_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    current: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            if not current:
                start = number
            current.append(raw.rstrip())
        elif current:
            blocks.append(Block(start, tuple(current)))
            current = []
    if current:
        blocks.append(Block(start, tuple(current)))
    return blocks


def normalise_quotes(text: str) -> str:
    return text.translate(str.maketrans("‘’“”", "''\"\""))


def strip_autolink(text: str) -> str:
    return re.sub(r"<(https?://[^>\s]+)>", r"\1", text)


def split_title(title: str) -> tuple[str, str | None]:
    for sep in ("? ", ": "):
        head, found, tail = title.partition(sep)
        if found and tail:
            return (head + sep.strip() if sep == "? " else head), tail
    return title, None


def invert_name(name: str) -> str:
    last, comma, first = name.partition(",")
    return f"{first.strip()} {last.strip()}" if comma else name.strip()


def split_rights(statement: str) -> tuple[str, str | None]:
    sentences = re.split(r"(?<=[.!])\s+", statement.strip())
    for i, sentence in enumerate(sentences):
        if "reserved" in sentence.lower():
            rest = " ".join(sentences[i + 1 :]).strip()
            return " ".join(sentences[: i + 1]), (rest or None)
    return statement.strip(), None


def parse_header(blocks: list[Block], path: Path) -> tuple[dict[str, object], int]:
    """Read the cover page's label/value pairs; return them and the index of the next block.

    ``header["lines"]`` maps each field to the source line of its value.
    """
    lines: dict[str, int] = {}
    header: dict[str, object] = {"lines": lines}
    i = 0
    seen_label = False
    while i < len(blocks):
        label = blocks[i].text.strip().lower()
        if label in HEADER_FLAGS:
            header[HEADER_FLAGS[label]] = True
            seen_label = True
            i += 1
        elif label in HEADER_LABELS and i + 1 < len(blocks):
            header[HEADER_LABELS[label]] = blocks[i + 1].text.strip()
            lines[HEADER_LABELS[label]] = blocks[i + 1].line
            seen_label = True
            i += 2
        elif not seen_label:
            i += 1  # the repository's banner lines above the first label
        else:
            break
    if "title" not in header:
        raise ContentError("no 'Title' line in the header block", path=path, line=1)
    return header, i


def source_record(header: dict[str, object], path: Path) -> dict[str, object]:
    """The source as a CSL JSON item (the reading's title and authors complete it)."""
    record: dict[str, object] = {"type": "article-journal"}
    journal = str(header.get("journal", ""))
    match = re.fullmatch(r"(.+?),\s*(\d+)\s*\((\d+)\)", journal)
    if match:
        record["container-title"] = match.group(1)
        record["volume"] = int(match.group(2))
        record["issue"] = int(match.group(3))
    elif journal:
        record["container-title"] = journal
    if "year" in header:
        year = str(header["year"])
        if not re.fullmatch(r"\d{4}", year):
            line = header["lines"].get("year")  # type: ignore[union-attr]
            raise ContentError(f"publication date {year!r} is not a year", path=path, line=line)
        record["issued"] = int(year)
    if "permalink" in header:
        record["URL"] = strip_autolink(str(header["permalink"])).strip()
    return record
