"""The permissions report: rights, holders, pages and the share of each source."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import pytest

from helpers import READER
from pressroom.reports.permissions import (
    _page_count,
    permissions_report,
    reading_pages,
    rights_holder,
    write_report,
)
from pressroom.sources.load import load_edition


@pytest.fixture(scope="module")
def edition():
    return load_edition(READER)


@pytest.mark.parametrize(("pages", "count"), [
    ("57-81", 25), ("57–81", 25), ("5", 1), ("157-61", 5), ("xi-xx", None), ("1-3, 7-8", 5),
])
def test_page_ranges_are_counted(pages, count):
    assert _page_count(pages) == count


def test_the_rights_holder_is_read_off_the_statement(edition):
    by_id = {r.id: r for r in edition.readings}
    assert rights_holder(by_id["alpha-1995"]) == "Journal of Fixtures"  # stated
    assert rights_holder(by_id["beta"]) == "Fixture University Press"  # "© 1990 …"
    assert rights_holder(by_id["plain"]) == ""


def test_a_reading_runs_to_its_last_note_or_its_end(edition):
    alpha = edition.readings[0]
    pages = {"alpha-1995": 7, "alpha-1995-end": 8, "alpha-1995-note-3": 9, "beta": 11}
    assert reading_pages(alpha, pages) == (7, 9)


def test_a_reading_without_rights_is_a_warning(edition, caplog):
    unruly = dataclasses.replace(edition.readings[0], meta=edition.readings[0].meta.model_copy(
        update={"rights": None}))
    edition = dataclasses.replace(edition, readings=(unruly,))
    with caplog.at_level(logging.WARNING, logger="pressroom.permissions"):
        rows = permissions_report(edition, {}, {"alpha-1995": 7})
    assert rows[0].rights == ""
    assert "alpha.md:2: rights: no rights statement (add rights: to its front matter)" in (
        caplog.text)


def test_the_report_is_written_as_csv_and_json(edition, tmp_path: Path):
    rows = permissions_report(edition, {}, {"alpha-1995": 7, "alpha-1995-end": 9})
    csv_path, json_path = write_report(rows, tmp_path, "reader-permissions")
    header = csv_path.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("reading,file,title,authors,citation,rights_holder,rights")
    data = json.loads(json_path.read_text(encoding="utf-8"))["readings"]
    assert [r["reading"] for r in data] == ["alpha-1995", "beta", "plain", "scripts-1960"]
    assert (data[0]["first_page"], data[0]["last_page"], data[0]["pages"]) == (7, 9, 3)
    assert data[1]["share_of_source"] == round(25 / 320, 4)


@pytest.mark.parametrize(("rights", "holder"), [
    ("© 2019 Matthew J. Salganik. All rights reserved.", "Matthew J. Salganik"),
    ("Copyright 2001 by MIT Press. Reproduced with permission.", "MIT Press"),
    ("© 1990 Acme Publishing Inc. All rights reserved.", "Acme Publishing Inc."),
    ("Copyright 2010 the Regents of the University of California, in the United States "
     "(17 U.S.C. § 105). Used by permission.",
     "the Regents of the University of California, in the United States (17 U.S.C. § 105)"),
])
def test_the_rights_holder_is_not_cut_at_an_abbreviation(rights, holder):
    reading = load_edition(READER).readings[0]
    meta = reading.meta.model_copy(update={"rights": rights, "rights_holder": None})
    assert rights_holder(dataclasses.replace(reading, meta=meta)) == holder
