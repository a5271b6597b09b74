"""House style of the editors' own texts: quotation punctuation by the collection's language.

In American English (en-US) commas and full stops go inside closing quotation marks
(“crisis,” not “crisis”,). The rule is the editors' to keep in what they write: the
appendices' intro and annotation fields, the introduction and the note on the text. A
reading is never checked: it is the author's text as published, and keeps its own style.

A file that breaks the rule gives one warning (an error in a --strict build) naming the
line of the first occurrence and how many there are, so one edit pass fixes them all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from pressroom.errors import ContentError
from pressroom.sources.edition import Introduction
from pressroom.sources.validation import _describe_loc
from pressroom.sources.yamldoc import Loc, YamlDoc, read_text

log = logging.getLogger(__name__)

#: A closing quotation mark, curly or straight (Pandoc makes it curly), then "," or ".".
_OUTSIDE = re.compile(r"(?:”|(?<=\S)\")[.,]")

#: The fields of a timeline file the editors write, by the list their items are in.
_EDITORS_FIELDS = {"events": "annotation", "works": "annotation"}


def american(language: str) -> bool:
    """Whether a collection's language is American English (en-US and its longer tags)."""
    return language.lower().split("-")[:2] == ["en", "us"]


def _text_lines(text: str, first_line: int) -> Iterator[int]:
    """The line of every comma or full stop after a closing quotation mark in text whose
    first line is ``first_line``."""
    for found in _OUTSIDE.finditer(text):
        yield first_line + text.count("\n", 0, found.start())


def _warn(path: Path, hits: Sequence[tuple[int, str | None]]) -> None:
    if not hits:
        return
    line, field = min(hits, key=lambda hit: hit[0])
    times = "once" if len(hits) == 1 else f"{len(hits)} times in the file, first here"
    log.warning("%s", ContentError(
        f"a comma or full stop after a closing quotation mark ({times}): in American "
        "English (en-US) it goes inside, ,” and .”", path=path, line=line, field=field))


def _yaml_hits(doc: YamlDoc, locs: Iterable[Loc]) -> list[tuple[int, str | None]]:
    """(line, field) of every occurrence in the YAML fields at ``locs``, found in the file's
    own lines (a folded value has lost its line ends): from a field's key to the next key."""
    lines = read_text(doc.path).splitlines()
    starts = sorted(set(doc.lines.values()))
    hits = []
    for loc in locs:
        if loc not in doc.lines:
            continue
        first = doc.lines[loc]
        end = next((line for line in starts if line > first), len(lines) + 1)
        hits += [(line, _describe_loc(loc)) for line in
                 _text_lines("\n".join(lines[first - 1:end - 1]), first)]
    return hits


def _timeline_locs(doc: YamlDoc) -> Iterator[Loc]:
    yield ("intro",)
    data = doc.data if isinstance(doc.data, dict) else {}
    for items, field in _EDITORS_FIELDS.items():
        for index in range(len(data.get(items) or ())):
            yield (items, index, field)


def check_editors_texts(language: str, collection: YamlDoc,
                        introduction: Introduction | None,
                        timelines: Sequence[YamlDoc]) -> None:
    """Warn, once per file, where the editors' texts of an en-US collection put a comma or
    full stop after a closing quotation mark: the note on the text (in the collection file),
    the introduction, and the intro and annotations of each timeline file."""
    if not american(language):
        return
    _warn(collection.path, _yaml_hits(collection, [("note_on_the_text",)]))
    if introduction is not None:
        _warn(introduction.path,
              [(line, None) for line in _text_lines(introduction.body, introduction.body_line)])
    for doc in timelines:
        _warn(doc.path, _yaml_hits(doc, _timeline_locs(doc)))
