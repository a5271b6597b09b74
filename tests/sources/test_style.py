"""House style of the editors' texts: in an en-US collection, commas and full stops go inside
closing quotation marks; the readings, the authors' texts as published, are never checked."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from helpers import ROOT, TEMPLATES, copy_fixture
from pressroom.engine.build import build
from pressroom.engine.settings import Settings
from pressroom.errors import StrictError
from pressroom.sources.load import load_edition
from pressroom.sources.style import american

NOTE = ("note_on_the_text: |-\n"
        "  The text is the “published” one.\n"
        "  Its “slips”, its “errors”. Its notes are kept; so is “this,” written well.\n")


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    """The minimal fixture as an en-US collection with an introduction and a note on the
    text, each putting punctuation outside the quotation marks."""
    content = copy_fixture(tmp_path)
    config = content / "edition.yaml"
    _replace(config, "language: en-GB\n", "language: en-US\nintroduction: introduction.md\n")
    config.write_text(config.read_text() + NOTE)
    (content / "introduction.md").write_text(
        "---\ntitle: Introduction\n---\n\nRead it as a “fixture.”\n\nThe word “claim”. Then "
        "\"treaty\", twice.\n")
    _replace(content / "timeline" / "chronology.yaml", "The year is uncertain.",
             "The year is “uncertain”.")
    # The author's text keeps its own style: never a warning.
    _replace(content / "readings" / "sample.md", "It goes on,", "It goes “on”,")
    return content


def _warnings(caplog: pytest.LogCaptureFixture, content: Path) -> list[str]:
    with caplog.at_level(logging.WARNING, logger="pressroom"):
        load_edition(content)
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_each_editors_file_is_named_once_at_its_first_occurrence(collection, caplog):
    config = collection / "edition.yaml"
    chronology = collection / "timeline" / "chronology.yaml"
    intro = collection / "introduction.md"
    rule = "in American English (en-US) it goes inside, ,” and .”"
    assert _warnings(caplog, collection) == [
        f"{config}:{_line_of(config, 'slips')}: note_on_the_text: a comma or full stop after "
        f"a closing quotation mark (2 times in the file, first here): {rule}",
        f"{intro}:{_line_of(intro, 'claim')}: a comma or full stop after a closing quotation "
        f"mark (2 times in the file, first here): {rule}",
        f"{chronology}:{_line_of(chronology, 'uncertain')}: events[2].annotation: a comma or "
        f"full stop after a closing quotation mark (once): {rule}",
    ]


def test_punctuation_inside_the_quotes_is_no_warning(collection, caplog):
    config = collection / "edition.yaml"
    _replace(config, "“slips”, its “errors”.", "“slips,” its “errors.”")
    intro = collection / "introduction.md"
    intro.write_text(intro.read_text().replace("“claim”.", "“claim.”")
                     .replace('"treaty",', '"treaty,"'))
    _replace(collection / "timeline" / "chronology.yaml", "“uncertain”.", "“uncertain.”")
    assert _warnings(caplog, collection) == []


def test_other_englishes_are_not_checked(collection, caplog):
    _replace(collection / "edition.yaml", "language: en-US", "language: en-GB")
    assert _warnings(caplog, collection) == []


@pytest.mark.parametrize(("tag", "wanted"), [
    ("en-US", True), ("en-us", True), ("en-US-x-house", True), ("en", False),
    ("en-GB", False), ("fr", False),
])
def test_which_collections_are_american(tag, wanted):
    assert american(tag) is wanted


def test_the_introductions_own_language_decides_for_it(collection, caplog):
    intro = collection / "introduction.md"
    intro.write_text(intro.read_text().replace("title: Introduction\n",
                                               "title: Introduction\nlang: en-GB\n"))
    assert not any(str(intro) in w for w in _warnings(caplog, collection))
    # An American introduction in a British collection is checked; nothing else is.
    _replace(collection / "edition.yaml", "language: en-US", "language: en-GB")
    intro.write_text(intro.read_text().replace("lang: en-GB", "lang: en-US"))
    caplog.clear()
    assert [w.split(":")[0] for w in _warnings(caplog, collection)] == [str(intro)]


def test_code_and_yaml_quoting_are_not_prose(collection, caplog):
    intro = collection / "introduction.md"
    intro.write_text("Call `f(\"a\", \"b\")` then.\n\n```\nprint(\"x\".upper())\n```\n")
    chronology = collection / "timeline" / "chronology.yaml"
    # A double-quoted YAML scalar in a flow mapping: its closing quote is the file's, not
    # the text's. An escaped straight quote inside one is the text's.
    _replace(chronology, '    annotation: >-\n      The year is “uncertain”.',
             '    annotation: "The year is \\"uncertain\\"."')
    _replace(chronology, "# The strands",
             '  - {id: flow, date: "1951", title: T, strand: ideology, notes: [3], '
             'annotation: "Written in flow style.", people: []}\n# The strands')
    warnings = _warnings(caplog, collection)
    assert not any(str(intro) in w for w in warnings)
    line = _line_of(chronology, 'The year is \\"uncertain')
    assert [w for w in warnings if str(chronology) in w] == [
        f"{chronology}:{line}: events[2].annotation: a comma or full stop after a closing "
        "quotation mark (once): in American English (en-US) it goes inside, ,” and .”"]


def test_a_strict_build_stops_at_it_in_one_line(collection, tmp_path):
    settings = Settings(ROOT, collection, TEMPLATES, tmp_path / "build", strict=True)
    with pytest.raises(StrictError) as caught:
        build(settings, formats=("html",))
    message = str(caught.value)
    assert "\n" not in message and "after a closing quotation mark" in message
