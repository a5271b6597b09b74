"""The print body converted unit by unit (a reading, an appendix, a part's page), each
unit's fragment cached: together they are what Pandoc writes for the whole document."""

from __future__ import annotations

import json

import pytest

from helpers import FIXTURES, ROOT, TEMPLATES, units_done
from pressroom.assemble.document import Unit, units_of
from pressroom.engine.layout import print_body
from pressroom.engine.prepare import prepare
from pressroom.engine.settings import Settings
from pressroom.errors import RenderError
from pressroom.printing import html


def _whole(prepared) -> str:
    """Pandoc on the whole document in one run: what the units must add up to."""
    document = json.loads(prepared.document.read_text(encoding="utf-8"))
    units = units_of(document)
    one = Unit("", document["blocks"], 0,
                    tuple(level for unit in units for level in unit.open_levels))
    return html.render_unit(document, one, prepared.metadata,
                            hyphenate_min=html.hyphenation_minimum(TEMPLATES))


@pytest.mark.parametrize("reader", ["reader", "pandoc-real"])
def test_the_units_make_the_body_pandoc_writes_for_the_whole_document(tmp_path, reader):
    settings = Settings(ROOT, FIXTURES / reader / "reader.yaml", TEMPLATES, tmp_path / "b")
    prepared = prepare(settings)
    units = units_of(json.loads(prepared.document.read_text(encoding="utf-8")))
    assert len([unit for unit in units if unit.name]) >= 3
    body = print_body(settings, prepared)
    assert body == _whole(prepared)
    if reader == "reader":  # parts: a part's section holds its readings' sections
        assert any(unit.level == 1 and len(unit.open_levels) == 1 for unit in units)
        assert body.index('class="level1 part"') < body.index('class="level2 reading"')
    # Anchors are named for their unit.
    assert f'<span id="pm-{units[1].name}-1"></span>' in body


def test_an_edit_to_one_reading_converts_that_readings_unit_alone(tmp_path, monkeypatch):
    project = tmp_path / "project"
    import shutil

    shutil.copytree(FIXTURES / "reader", project)
    settings = Settings(ROOT, project / "reader.yaml", TEMPLATES, tmp_path / "b")
    first = print_body(settings, prepare(settings))
    converted = units_done(monkeypatch, html, "render_unit")
    assert print_body(settings, prepare(settings)) == first and converted == []
    reading = next(path for path in sorted((project).rglob("*.md"))
                   if "alliance" in path.read_text(encoding="utf-8").lower())
    text = reading.read_text(encoding="utf-8")
    reading.write_text(text.replace("alliance", "treaty", 1), encoding="utf-8")
    prepared = prepare(settings)
    edited = print_body(settings, prepared)
    assert len(converted) == 1 and edited != first
    assert edited == _whole(prepared)


def test_a_link_to_nothing_or_an_id_twice_in_the_joined_body_stops_the_build():
    html.check_links('<section id="a"><p><a href="#a">x</a></p></section>')
    with pytest.raises(RenderError, match=r"dangling internal link: #b \(no element has "
                       r"that id\) and 1 more"):
        html.check_links('<p id="a"><a href="#b">x</a><a href="#c">y</a></p>')
    with pytest.raises(RenderError, match="duplicate id #a"):
        html.check_links('<p id="a">x</p><p id="a">y</p>')
