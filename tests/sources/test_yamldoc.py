"""YAML with line numbers: what it keeps, and the YAML features it refuses in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pressroom.errors import ContentError
from pressroom.sources.yamldoc import parse_yaml

PATH = Path("data.yaml")


def test_every_key_and_item_has_its_line():
    doc = parse_yaml("a: 1\nb:\n  - x: 2\n    y: three\n  - z\n", PATH)
    assert doc.data == {"a": 1, "b": [{"x": 2, "y": "three"}, "z"]}
    assert doc.line_of(("b", 0, "y")) == 4
    assert doc.line_of(("b", 1)) == 5
    assert doc.line_of(("b", 0, "missing")) == 3  # a missing field: its entry's line


def test_front_matter_lines_count_from_the_top_of_the_file():
    assert parse_yaml("a: 1\nb: 2\n", PATH, line_offset=1).line_of(("b",)) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [1\n", "data.yaml:2: YAML error: expected ',' or ']', but got '<stream end>'"),
        ("a: 1\na: 2\n", "data.yaml:2: duplicate key 'a'"),
        ("a: &x [1]\nb: *x\n",
         "data.yaml:1: YAML anchors and aliases (&name, *name, <<) are not supported"),
        ("x: &a [*a]\n",
         "data.yaml:1: YAML anchors and aliases (&name, *name, <<) are not supported"),
        ("? [a, b]\n: 1\n", "data.yaml:1: keys must be plain names (no lists, maps or << merges)"),
        ("a: !!python/object:os.system x\n",
         "data.yaml:1: YAML error: could not determine a constructor for the tag "
         "'tag:yaml.org,2002:python/object:os.system'"),
        ("when: 1950-02-30\n",
         "data.yaml:1: cannot read value '1950-02-30': day is out of range for month"),
    ],
)
def test_refused_yaml_is_one_line_with_file_and_line(text, message):
    with pytest.raises(ContentError) as err:
        parse_yaml(text, PATH)
    assert str(err.value) == message
    assert "\n" not in str(err.value)
