"""liblouis through lou_translate: line for line, both ways, a backslash included."""

from __future__ import annotations

import pytest

from pressroom.errors import RenderError
from pressroom.tools.louis import translate


def test_lines_translate_to_braille_ascii_and_back():
    text = ["The alliance, 1950.", "", "Throughout the life of the alliance"]
    braille = translate(text)
    assert braille == [",! ALLI.E1 #AIEJ4", "", ',"?\\T ! LIFE ( ! ALLI.E']
    # "\\" is the "ou" of braille ASCII, which lou_translate would read as an escape.
    assert translate(braille, backward=True) == text


def test_a_line_break_in_a_line_is_refused_and_an_error_is_raised():
    with pytest.raises(ValueError):
        translate(["two\nlines"])
    with pytest.raises(RenderError, match="lou_translate: Cannot resolve table"):
        translate(["a"], "nope.ctb")
