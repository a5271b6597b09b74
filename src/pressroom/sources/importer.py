"""Import a plain-text extraction of a published article into a Markdown reading.

The extraction this reads is what repository PDFs give when copied as text: a header block of
label/value pairs, the article's own title, author and affiliation, body paragraphs separated by
blank lines (some split in two where a printed page broke), superscript note markers, and a
"Notes" list whose entries start with the same superscript numbers (sometimes behind a "- ").

The result is a Markdown reading: YAML front matter with the source's record in CSL JSON, the
body with Pandoc footnotes called exactly where the superscripts stood, and the notes' text.
"""



from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pressroom.errors import ContentError
from pressroom.sources.importheader import (
    Block,
    invert_name,
    normalise_quotes,
    parse_header,
    read_blocks,
    source_record,
    split_rights,
    split_title,
    strip_autolink,
)
from pressroom.sources.yamldoc import read_text
from pressroom.templating import escape_markdown

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUP_TO_DIGIT = str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")
_MARKER = re.compile(f"[{SUPERSCRIPT_DIGITS}]+")
_NOTE_START = re.compile(rf"^(?:[-*•]\s+)?([{SUPERSCRIPT_DIGITS}]+)\s*(.*)$")

_OPEN_QUOTES = "“\"‘'"
_CLOSE_QUOTES = "”\"’'"
# A paragraph that ends like this is complete; one that does not was cut by a page break.
_TERMINAL = re.compile(rf"[.?!:;…][{_CLOSE_QUOTES})\]]*$")
_ABSTRACT_CUE = re.compile(r"\bThis (article|essay|paper|study)\b")
_SHORT_PARAGRAPH_WORDS = 30


@dataclass(frozen=True)
class Paragraph:
    line: int
    text: str
    kind: str = "para"  # para | blockquote | abstract


@dataclass(frozen=True)
class ImportResult:
    """The Markdown reading, what the importer decided, and what a person should look at."""

    markdown: str
    notes: int
    joined: tuple[int, ...]
    warnings: tuple[str, ...] = field(default=())


def _without_markers(text: str) -> str:
    return _MARKER.sub("", text.rstrip()).rstrip()


def _is_terminal(text: str) -> bool:
    # "…each other,¹" is still cut mid-sentence: look past trailing note markers.
    return bool(_TERMINAL.search(_without_markers(text)))


def _starts_lowercase(text: str) -> bool:
    stripped = text.lstrip(_OPEN_QUOTES + "(")
    return bool(stripped) and stripped[0].islower()


def _is_quotation(text: str) -> bool:
    body = _MARKER.sub("", text.rstrip()).rstrip()
    return text[:1] in _OPEN_QUOTES and body[-1:] in _CLOSE_QUOTES


def _paragraphs(
    blocks: Iterable[Block], joins: frozenset[int]
) -> tuple[list[Paragraph], list[int], list[str]]:
    paragraphs: list[Paragraph] = []
    joined: list[int] = []
    for block in blocks:
        text = block.text
        if paragraphs and (
            block.line in joins
            or (not _is_terminal(paragraphs[-1].text) and _starts_lowercase(text))
        ):
            previous = paragraphs[-1]
            paragraphs[-1] = Paragraph(previous.line, f"{previous.text} {text}", previous.kind)
            joined.append(block.line)
            continue
        paragraphs.append(Paragraph(block.line, text))

    warnings: list[str] = []
    for i, para in enumerate(paragraphs):
        kind = para.kind
        lead_in = _without_markers(paragraphs[i - 1].text)[-1:] if i > 0 else ""
        if i > 0 and _is_quotation(para.text) and lead_in in (",", ":"):
            kind = "blockquote"
        elif i == 0 and not _MARKER.search(para.text) and _ABSTRACT_CUE.search(para.text):
            kind = "abstract"
        elif not _MARKER.search(para.text) and len(para.text.split()) < _SHORT_PARAGRAPH_WORDS:
            warnings.append(
                f"line {para.line}: a short paragraph with no note ({para.text[:40]}…): "
                "a page-break split, a pull quote or a heading? Pass --join "
                f"{para.line} if it continues the paragraph before it"
            )
        if kind != para.kind:
            paragraphs[i] = Paragraph(para.line, para.text, kind)
    for i, para in enumerate(paragraphs):
        previous = paragraphs[i - 1] if i else None
        if (
            previous is not None
            and previous.kind == "para"
            and para.kind != "blockquote"
            and not _is_terminal(previous.text)
        ):
            warnings.append(
                f"line {previous.line}: paragraph ends without closing punctuation "
                "but the next does not start in lower case: check the page break"
            )
    return paragraphs, joined, warnings


def _parse_notes(blocks: list[Block], path: Path) -> dict[int, tuple[int, str]]:
    notes: dict[int, tuple[int, str]] = {}
    current: int | None = None
    for block in blocks:
        for offset, raw in enumerate(block.lines):
            line = block.line + offset
            match = _NOTE_START.match(raw.strip())
            if match:
                number = int(match.group(1).translate(_SUP_TO_DIGIT))
                if number in notes:
                    raise ContentError(f"note {number} is listed twice", path=path, line=line)
                expected = len(notes) + 1
                if number != expected:
                    raise ContentError(
                        f"note {number} out of sequence (expected {expected})",
                        path=path,
                        line=line,
                    )
                notes[number] = (line, match.group(2).strip())
                current = number
            elif current is None:
                raise ContentError(
                    "text in the Notes list before the first note number", path=path, line=line
                )
            else:
                first_line, text = notes[current]
                notes[current] = (first_line, f"{text} {raw.strip()}")
    return notes




def _with_note_calls(
    text: str, seen: list[int], known: Iterable[int], path: Path, line: int
) -> str:
    def call(match: re.Match[str]) -> str:
        number = int(match.group(0).translate(_SUP_TO_DIGIT))
        if number not in known:
            raise ContentError(
                f"note call {number} has no entry in the Notes list", path=path, line=line
            )
        expected = len(seen) + 1
        if number != expected:
            raise ContentError(
                f"note call {number} out of sequence (expected {expected})", path=path, line=line
            )
        seen.append(number)
        return f"[^{number}]"

    return _MARKER.sub(call, text)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def import_text(
    text: str,
    path: Path,
    *,
    reading_id: str | None = None,
    joins: Iterable[int] = (),
) -> ImportResult:
    """Turn a plain-text extraction into a Markdown reading with footnotes and front matter.

    ``joins`` lists source line numbers of paragraphs that continue the paragraph before them
    although nothing in the text shows it (a page break that fell between two sentences).
    """
    blocks = read_blocks(text)
    if not blocks:
        raise ContentError("the file is empty", path=path, line=1)
    header, i = parse_header(blocks, path)

    # The article's own head: the title again (typeset, with curly quotes), then author lines.
    title = str(header["title"])
    affiliation = None
    author = invert_name(str(header.get("author", ""))) or None
    if i < len(blocks) and normalise_quotes(blocks[i].text) == normalise_quotes(title):
        title = blocks[i].text
        i += 1
        if i < len(blocks) and len(blocks[i].lines) <= 3 and author and (
            blocks[i].lines[0].strip() == author
        ):
            if len(blocks[i].lines) > 1:
                affiliation = blocks[i].lines[1].strip()
            i += 1

    notes_at = next((k for k in range(i, len(blocks)) if blocks[k].text.strip() == "Notes"), None)
    body_blocks = blocks[i:notes_at] if notes_at is not None else blocks[i:]
    note_blocks = blocks[notes_at + 1 :] if notes_at is not None else []
    if not body_blocks:
        raise ContentError("no article text after the header", path=path, line=blocks[-1].line)

    paragraphs, joined, warnings = _paragraphs(body_blocks, frozenset(joins))
    notes = _parse_notes(note_blocks, path)

    seen: list[int] = []
    body: list[str] = []
    for para in paragraphs:
        md = _with_note_calls(escape_markdown(para.text, emphasis=True), seen, notes.keys(),
                              path, para.line)
        if para.kind == "blockquote":
            md = f"> {md}"
        elif para.kind == "abstract":
            md = f"::: abstract\n{md}\n:::"
        body.append(md)
    missing = sorted(set(notes) - set(seen))
    if missing:
        line, _ = notes[missing[0]]
        raise ContentError(f"note {missing[0]} is never called in the text", path=path, line=line)

    main_title, subtitle = split_title(title)
    source = source_record(header, path)
    rights, permissions = split_rights(strip_autolink(str(header.get("copyright", ""))))
    surname = str(header.get("author", "")).partition(",")[0] or "reading"
    front: dict[str, object] = {
        "id": reading_id or _slug(f"{surname} {source.get('issued', '')}"),
        "title": main_title,
    }
    if subtitle:
        front["subtitle"] = subtitle
    if author:
        person: dict[str, object] = {"name": author}
        if header.get("author"):
            person["sort_name"] = str(header["author"])
        if affiliation:
            person["affiliation"] = affiliation
        front["author"] = [person]
    front["source"] = source
    if rights:
        front["rights"] = rights
    if permissions:
        front["permissions"] = permissions
    front["imported"] = {
        "from": path.name,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "joins": sorted(set(joins)),
    }

    parts = [
        "---",
        yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000).rstrip(),
        "---",
        "",
        "\n\n".join(body),
        "",
    ]
    parts += [f"[^{n}]: {escape_markdown(note_text, emphasis=True)}\n"
              for n, (_, note_text) in notes.items()]
    return ImportResult(
        markdown="\n".join(parts).rstrip("\n") + "\n",
        notes=len(notes),
        joined=tuple(joined),
        warnings=tuple(warnings),
    )


def import_file(
    source: Path, *, reading_id: str | None = None, joins: Iterable[int] = ()
) -> ImportResult:
    """Read a UTF-8 plain-text extraction from disk and import it."""
    text = read_text(source)
    return import_text(text, source, reading_id=reading_id, joins=joins)
