"""The reading list in RIS and BibTeX, from the readings' CSL records."""

from __future__ import annotations

import json

from helpers import READER, ROOT
from pressroom.distribution.readinglist import reading_list_bibtex, reading_list_ris
from pressroom.sources.load import load_edition
from pressroom.tools.pandoc import convert_text


def test_ris_has_one_record_per_reading_with_its_rights():
    edition = load_edition(READER, ROOT)
    ris = reading_list_ris(edition)
    records = [r for r in ris.split("ER  - ") if r.strip()]
    assert len(records) == len([r for r in edition.readings if r.source])
    assert "\r\n" in ris and "\n" not in ris.replace("\r\n", "")
    beta = next(r for r in records if "TI  - Treaties in theory" in r)
    lines = beta.strip().split("\r\n")
    assert lines[0] == "TY  - CHAP"
    assert "AU  - Beta, Bruno" in lines and "ED  - Chapter, Carla" in lines
    assert "SP  - 57" in lines and "EP  - 81" in lines and "PY  - 1990" in lines
    assert "N1  - © 1990 Fixture University Press. All rights reserved. Reproduced for " \
           "teaching under licence FIX-90-1." in lines
    # A full date keeps its month and day.
    assert "DA  - 1960/04/22" in ris


def test_bibtex_reads_back_as_the_same_records():
    edition = load_edition(READER, ROOT)
    bib = reading_list_bibtex(edition)
    back = {item["id"]: item for item in json.loads(convert_text(bib, "csljson",
                                                                 format="bibtex"))}
    sourced = [r for r in edition.readings if r.source]
    assert set(back) == {r.id for r in sourced}
    for reading in sourced:
        assert back[reading.id]["author"][0]["family"] == reading.source["author"][0]["family"]
        # BibTeX has a year and a month, no day.
        assert (back[reading.id]["issued"]["date-parts"][0]
                == reading.source["issued"]["date-parts"][0][:2])
