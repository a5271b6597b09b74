"""Every note on its call's page: misplaced notes found from the layout's anchors, and a
layout WeasyPrint sets wrong laid out again in looser steps."""

from __future__ import annotations

import pytest
import weasyprint

from helpers import FIXTURES, ROOT, TEMPLATES, variant_html
from pressroom.engine.settings import Settings
from pressroom.printing import footnotes
from pressroom.printing.layout import page_of_anchors, render_pdf

_PAGE = ('<html><head><style>p {{ orphans: 3 }}</style></head><body>'
         '<p class="x">One.<a id="r-noteref-1">1</a><span id="r-note-1" class="footnote">'
         'Note.</span></p><li>Two.<span id="r-note-2" class="footnote">N.</span></li>{more}'
         '</body></html>')


def test_a_note_dropped_or_a_page_late_is_found():
    html = _PAGE.format(more="")
    assert not footnotes.misplaced(html, {"r-note-1": 3, "r-noteref-1": 3, "r-note-2": 4,
                                          "r-noteref-2": 4})
    wrong = footnotes.misplaced(html, {"r-note-1": 4, "r-noteref-1": 3, "r-noteref-2": 4})
    assert wrong.lost == ("r-note-2",) and wrong.moved == (("r-note-1", 4, 3),)
    assert wrong.notes == ("r-note-2", "r-note-1") and wrong.weight == 101


def test_each_step_adds_its_rules_to_the_head_and_the_first_none():
    html = _PAGE.format(more="")
    assert footnotes.with_step(html, 0) == html
    assert len(footnotes.STEPS) == 3
    for step in (1, 2):
        stepped = footnotes.with_step(html, step)
        assert stepped.count("<style>") == 2
        assert f"<style>{footnotes.STEPS[step]}</style></head>" in stepped


@pytest.mark.slow
def test_a_layout_with_a_note_out_of_place_is_laid_out_again_until_none_is(tmp_path):
    # The real-shaped article's paragraph of seven notes in three lines, in US Letter:
    # WeasyPrint 70 sets it a line a page, each line's notes on the page after.
    settings = Settings(ROOT, FIXTURES / "pandoc-real" / "reader.yaml", TEMPLATES,
                        tmp_path / "build")
    html = variant_html(settings, "letter")
    first = weasyprint.HTML(string=html, base_url=f"{ROOT}/").render()
    anchors = page_of_anchors(first)
    assert footnotes.misplaced(html, anchors).moved  # the fault is WeasyPrint's, and real
    rendered = render_pdf(html, ROOT, variant=None)
    assert not footnotes.misplaced(html, rendered.page_map.anchors)
    assert rendered.pages < len(first.pages)
    assert not [w for w in rendered.warnings if "is printed on page" in w]


@pytest.mark.slow
def test_the_default_editions_large_print_sets_every_note_on_its_calls_page(tmp_path):
    # WeasyPrint 70 sets note 6 a page after its call, its paragraph held by widow control.
    settings = Settings.for_project(ROOT, build=str(tmp_path / "build"))
    html = variant_html(settings, "large-print-a4")
    first = weasyprint.HTML(string=html, base_url=f"{ROOT}/").render()
    anchors = page_of_anchors(first)
    assert footnotes.misplaced(html, anchors).moved
    rendered = render_pdf(html, ROOT, variant=None)
    assert not footnotes.misplaced(html, rendered.page_map.anchors)
