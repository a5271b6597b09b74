"""The EPUB's document filtered unit by unit (a reading, an appendix, a part's page), each
unit's result cached: joined, they are what the filters make of the whole document."""

from __future__ import annotations

import json
import shutil

import pytest

from helpers import FIXTURES, ROOT, TEMPLATES
from pressroom.assemble.document import Unit, units_of
from pressroom.engine.ebook import epub_job
from pressroom.engine.prepare import prepare
from pressroom.engine.settings import Settings
from pressroom.epub import units as epub_units
from pressroom.epub.units import Filtered, check_ids, filter_document, filter_unit
from pressroom.errors import RenderError
from pressroom.printing.pagemap import PageMap, PageStart

TABLE = "\n\n| Year | Event |\n|---|---|\n| 1950 | A treaty |\n\n"


def _project(tmp_path, reader: str):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / reader, project)
    # Tables without a caption in two readings: each is named by its place in the volume.
    for path in sorted((project / "readings").glob("*.md"))[:2]:
        path.write_text(path.read_text(encoding="utf-8") + TABLE, encoding="utf-8")
    return Settings(ROOT, project / "reader.yaml", TEMPLATES, tmp_path / "b")


def _page_map(document) -> PageMap:
    """A page beginning a few characters into the first block of every unit (before the
    first unit, "pm-1"): each unit has a marker to place."""
    return PageMap(tuple(PageStart(n, f"pm-{unit.name}-1" if unit.name else "pm-1", 3)
                         for n, unit in enumerate((u for u in units_of(document) if u.blocks),
                                                  start=1)), {})


@pytest.mark.parametrize("reader", ["reader", "pandoc-real"])
def test_the_units_filtered_make_what_the_filters_make_of_the_whole_document(tmp_path,
                                                                             reader):
    settings = _project(tmp_path, reader)
    prepared = prepare(settings)
    document = json.loads(prepared.document.read_text(encoding="utf-8"))
    page_map = _page_map(document)
    joined = json.loads(filter_document(prepared.document, prepared.metadata, page_map,
                                        tmp_path / "epub.json"))
    assert json.loads((tmp_path / "epub.json").read_text(encoding="utf-8")) == joined
    whole = filter_unit(document, Unit("", document["blocks"], 0, ()), prepared.metadata,
                        page_map.placed(), 0)
    assert joined["blocks"] == json.loads(whole.blocks)
    assert joined["meta"] == document["meta"]
    text = json.dumps(joined["blocks"])
    # Every page's marker was placed, and the second untitled table counts the first.
    for start in page_map.starts:
        assert f'id=\\"page-{start.number}\\"' in text
    assert '["aria-label", "Table 2"]' in text


def test_an_edit_to_one_reading_filters_that_readings_unit_alone(tmp_path, monkeypatch):
    settings = _project(tmp_path, "reader")
    prepared = prepare(settings)
    page_map = _page_map(json.loads(prepared.document.read_text(encoding="utf-8")))
    first = epub_job(settings, prepared, page_map)
    filtered: list[str] = []
    real = epub_units.filter_unit

    def counting(document, unit, *args, **kwargs):
        filtered.append(unit.name)
        return real(document, unit, *args, **kwargs)

    monkeypatch.setattr(epub_units, "filter_unit", counting)
    assert epub_job(settings, prepare(settings), page_map).key == first.key
    assert filtered == []
    reading = settings.content_dir / "readings" / "alpha.md"
    text = reading.read_text(encoding="utf-8")
    assert "alliance" in text
    reading.write_text(text.replace("alliance", "treaty", 1), encoding="utf-8")
    edited = epub_job(settings, prepare(settings), page_map)
    assert filtered == ["alpha-1995"] and edited.key != first.key


def test_a_link_to_nothing_or_an_id_twice_in_the_joined_document_stops_the_build():
    check_ids([Filtered("[]", ("a",), ()), Filtered("[]", ("b",), ("a",))])
    with pytest.raises(RenderError, match=r"pandoc \(epub3\): dangling internal link: #c "
                       r"\(no element has that id\) and 1 more"):
        check_ids([Filtered("[]", ("a",), ("c",)), Filtered("[]", (), ("d",))])
    with pytest.raises(RenderError, match="duplicate id #a"):
        check_ids([Filtered("[]", ("a",), ()), Filtered("[]", ("a",), ())])
