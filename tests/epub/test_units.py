"""The EPUB's document filtered unit by unit (a reading, an appendix, a part's page), each
unit's result cached: joined, they are what the filters make of the whole document."""

from __future__ import annotations

import json
import shutil

import pytest

from helpers import FIXTURES, ROOT, TEMPLATES, units_done
from pressroom.assemble.document import Unit, units_of
from pressroom.engine import work
from pressroom.engine.ebook import epub_job
from pressroom.engine.prepare import prepare
from pressroom.engine.settings import Settings
from pressroom.engine.work import make_epub
from pressroom.epub import units as epub_units
from pressroom.epub.units import Filtered, check_ids, filter_document, filter_unit, plan
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
    text, units = filter_document(document, prepared.metadata, plan(document, page_map))
    joined = json.loads(text)
    assert len(units) == len(units_of(document))
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
    filtered = units_done(monkeypatch, epub_units, "filter_unit")

    def made(prepared):
        # As the graph runs it: the job's EPUB and the units it filtered reach the cache.
        job = epub_job(settings, prepared, page_map)
        result = make_epub(job)
        job.remember(settings.cache, result)
        return job, result

    first, cold = made(prepared)
    assert len(filtered) > 3 and len(cold.units) == len(first.payload.unit_keys)
    assert first.payload.cover is None and cold.cover.startswith(b"\x89PNG")
    filtered.clear()
    again = epub_job(settings, prepare(settings), page_map)
    assert again.key == first.key and None not in again.payload.known
    reading = settings.content_dir / "readings" / "alpha.md"
    text = reading.read_text(encoding="utf-8")
    assert "alliance" in text
    reading.write_text(text.replace("alliance", "treaty", 1), encoding="utf-8")
    # The cover, made of the metadata and templates alone, is the cache's.
    with monkeypatch.context() as patched:
        patched.setattr(work, "cover_png", lambda *_: pytest.fail("the cover was made again"))
        edited, result = made(prepare(settings))
    assert edited.payload.cover == cold.cover and result.cover is None
    assert filtered == ["alpha-1995"] and edited.key != first.key
    assert [key for key, _ in result.units] == [
        key for key, known in zip(edited.payload.unit_keys, edited.payload.known,
                                  strict=True) if known is None]
    # What the edit made is what a clean build makes.
    clean = Settings(ROOT, settings.edition, TEMPLATES, tmp_path / "clean")
    assert make_epub(epub_job(clean, prepare(clean), page_map)).data == result.data


def test_a_link_to_nothing_or_an_id_twice_in_the_joined_document_stops_the_build():
    check_ids([Filtered("[]", ("a",), ()), Filtered("[]", ("b",), ("a",))])
    with pytest.raises(RenderError, match=r"pandoc \(epub3\): dangling internal link: #c "
                       r"\(no element has that id\) and 1 more"):
        check_ids([Filtered("[]", ("a",), ("c",)), Filtered("[]", (), ("d",))])
    with pytest.raises(RenderError, match="duplicate id #a"):
        check_ids([Filtered("[]", ("a",), ()), Filtered("[]", ("a",), ())])
