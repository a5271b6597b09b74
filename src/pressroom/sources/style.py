"""House style of the editors' own texts: quotation punctuation by the language of the text.

In American English (en-US) commas and full stops go inside closing quotation marks
(“crisis,” not “crisis”,). British style puts them outside a quoted fragment only, which a
pattern cannot tell from a quoted sentence, so only the American rule is kept, and only in a
text whose language is en-US: the collection's ``language``, or the introduction's own
``lang``. The rule is the editors' to keep in what they write: the appendices' intro and
annotation fields, the introduction and the note on the text. A reading is never checked: it
is the author's text as published, and keeps its own style.

A file that breaks the rule gives one warning (an error in a --strict build) naming the
line of the first occurrence and how many there are, so one edit pass fixes them all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pressroom.errors import ContentError
from pressroom.sources.bodytext import mask, untouchable
from pressroom.sources.edition import Introduction
from pressroom.sources.validation import _describe_loc
from pressroom.sources.yamldoc import Loc, YamlDoc, read_text

log = logging.getLogger(__name__)

#: A closing quotation mark, curly or straight (Pandoc makes it curly), then "," or ".".
_OUTSIDE = re.compile(r"(?:”|(?<=\S)\")[.,]")
#: The same, as written in a YAML file, where a straight quote may be escaped.
_OUTSIDE_IN_YAML = re.compile(r"(?:”|(?<=\S)\\?\")[.,]")

#: The lists of a timeline file whose items have an annotation the editors write.
_ANNOTATED = ("events", "works")


def american(language: str | None) -> bool:
    """Whether a language tag is American English: en with the region US (en-US,
    en-Latn-US, en-US-x-house …)."""
    parts = (language or "").lower().split("-")
    return parts[0] == "en" and "us" in parts[1:3]


def _warn(path: Path, line: int, count: int, field: str | None) -> None:
    times = "once" if count == 1 else f"{count} times in the file, first here"
    log.warning("%s", ContentError(
        f"a comma or full stop after a closing quotation mark ({times}): in American "
        "English (en-US) it goes inside, ,” and .”", path=path, line=line, field=field))


def _value(data: Any, loc: Loc) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _yaml_fields(doc: YamlDoc, locs: Sequence[Loc]) -> None:
    """One warning for the file if the text fields at ``locs`` break the rule: counted in
    the values as parsed, the line found in the file's own lines (a folded value has lost
    its line ends), from the first such field's key to the next key."""
    found = [(loc, len(_OUTSIDE.findall(value))) for loc in locs
             if isinstance(value := _value(doc.data, loc), str)]
    found = [(loc, count) for loc, count in found if count]
    if not found:
        return
    loc = found[0][0]
    first = doc.line_of(loc)
    later = sorted(line for line in set(doc.lines.values()) if line > first)
    lines = read_text(doc.path).splitlines()[first - 1:later[0] - 1 if later else None]
    line = next((first + index for index, text in enumerate(lines)
                 if _OUTSIDE_IN_YAML.search(text)), first)
    _warn(doc.path, line, sum(count for _, count in found), _describe_loc(loc))


def _timeline_locs(doc: YamlDoc) -> Iterator[Loc]:
    yield ("intro",)
    data = doc.data if isinstance(doc.data, dict) else {}
    for items in _ANNOTATED:
        for index in range(len(data.get(items) or ())):
            yield (items, index, "annotation")


def _markdown(introduction: Introduction) -> None:
    # Code, URLs and attributes are not prose: their quotation marks are not the editors'.
    text = mask(introduction.body, untouchable(introduction.body), " ")
    hits = [found.start() for found in _OUTSIDE.finditer(text)]
    if hits:
        _warn(introduction.path, introduction.body_line + text.count("\n", 0, hits[0]),
              len(hits), None)


def check_editors_texts(language: str, collection: YamlDoc,
                        introduction: Introduction | None,
                        timelines: Sequence[YamlDoc]) -> None:
    """Warn, once per file, where the editors' texts in American English put a comma or
    full stop after a closing quotation mark: the note on the text (in the collection file),
    the introduction, and the intro and annotations of each timeline file."""
    if american(language):
        _yaml_fields(collection, [("note_on_the_text",)])
    if introduction is not None and american(introduction.lang or language):
        _markdown(introduction)
    if american(language):
        for doc in timelines:
            _yaml_fields(doc, list(_timeline_locs(doc)))
