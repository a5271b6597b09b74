"""The LMS package of the fixture reader: a tagged PDF per reading, the cartridge, the lists."""

from __future__ import annotations

import subprocess
import zipfile

import pytest

from helpers import READER, ROOT, TEMPLATES
from pressroom.checks.cartridge import cartridge_problems
from pressroom.checks.pdfua import pdfua_problems
from pressroom.distribution.lms import build_lms
from pressroom.engine.settings import Settings
from pressroom.sources.load import load_edition

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lms(tmp_path_factory):
    settings = Settings(ROOT, READER, TEMPLATES, tmp_path_factory.mktemp("lms"))
    return {o.path.name: o for o in build_lms(settings)}


def test_each_readings_pdf_is_tagged_with_its_opener_and_the_readers_pages(lms):
    edition = load_edition(READER, ROOT)
    pdfs = {name: o for name, o in lms.items() if o.variant == "lms"}
    assert len(pdfs) == len(edition.readings)
    for reading in edition.readings:
        pdf = pdfs[f"fixture-reader-lms-{reading.id}.pdf"].path
        assert pdfua_problems(pdf) == [], reading.id
        text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                       text=True, check=True).stdout.split())
        assert f"From: {edition.full_title}, p" in text, reading.id
        assert " ".join(reading.meta.rights.split()) in text, reading.id


def test_the_cartridge_has_a_module_per_part_and_every_file(lms):
    imscc = lms["fixture-reader.imscc"].path
    assert cartridge_problems(imscc) == []
    with zipfile.ZipFile(imscc) as zf:
        manifest = zf.read("imsmanifest.xml").decode()
        page = zf.read("readings/beta.html").decode()
    assert manifest.count("<title>Week ") == 2
    assert "Reproduced for teaching under licence FIX-90-1." in page
    assert 'href="beta.pdf"' in page and "pp. " in page


def test_the_reading_lists_are_written(lms):
    # One record per reading with a source (the plain Pandoc document names none).
    sourced = [r for r in load_edition(READER, ROOT).readings if r.source]
    assert len(sourced) == 3
    assert lms["fixture-reader-reading-list.ris"].path.read_text().count("ER  - ") == 3
    assert lms["fixture-reader-reading-list.bib"].path.read_text().count("\n@") == 2
