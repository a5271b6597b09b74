"""Handouts: one reading alone, with the reader's page numbers and where it comes from."""

from __future__ import annotations

import pytest

from conftest import Built
from helpers import READER, ROOT, TEMPLATES, pdftotext
from pressroom.engine.handout import build_handout
from pressroom.engine.settings import Settings
from pressroom.errors import ConfigError

FROM = "From: Readings in Fixtures: A Course Reader for Tests, pp."


def folio(pdf, page: int) -> str:
    return pdftotext(pdf, page, page).split()[-1]


@pytest.fixture(scope="module")
def handout(reader_build: Built, tmp_path_factory):
    settings = Settings(ROOT, READER, TEMPLATES, tmp_path_factory.mktemp("handout"))
    return Built(settings, build_handout(settings, "beta"))


@pytest.mark.slow
def test_a_handout_is_a4_letter_and_a_booklet(handout: Built):
    assert [(o.paper, o.variant) for o in handout.outputs] == [
        ("A4", "handout"), ("US Letter", "handout"), ("A4 landscape", "handout")]
    assert handout.outputs[0].path.name == "fixture-reader-beta-handout-a4.pdf"


@pytest.mark.slow
def test_a_handout_keeps_the_readers_page_numbers(handout: Built, reader_build: Built):
    reader_a4 = next(o for o in reader_build.outputs if o.variant == "reading"
                     and o.paper == "A4")
    first = reader_a4.anchor_pages["beta"]
    pdf = handout.outputs[0].path
    assert folio(pdf, 1) == str(first)
    assert folio(pdf, 2) == str(first + 1)
    text = " ".join(pdftotext(pdf, 1, 1).split())
    assert text.startswith("Treaties in Theory")
    assert f"{FROM} {first}–{first + 1}" in text
    assert "© 1990 Fixture University Press. All rights reserved." in text
    # The reading alone: no title page or contents before its opener, no other reading.
    assert "Contents" not in pdftotext(pdf) and "The First Alliance" not in pdftotext(pdf)


@pytest.mark.slow
def test_restart_numbers_the_handout_from_1(reader_build: Built, tmp_path):
    settings = Settings(ROOT, READER, TEMPLATES, tmp_path)
    outputs = build_handout(settings, "scripts-1960", restart=True)
    assert folio(outputs[0].path, 1) == "1"


def test_an_unknown_reading_names_the_ones_there_are(tmp_path):
    settings = Settings(ROOT, READER, TEMPLATES, tmp_path)
    with pytest.raises(ConfigError) as caught:
        build_handout(settings, "gamma")
    assert str(caught.value).endswith(
        "reader.yaml: no reading 'gamma' in this collection (it has: alpha-1995, beta, plain, "
        "scripts-1960)")
