"""The layout context that keeps an orphan line from sending a note away from its call."""

from __future__ import annotations

import pytest
import weasyprint

from helpers import ROOT, variant_html
from pressroom.engine.settings import Settings
from pressroom.printing import footnotes, keepnotes
from pressroom.printing.layout import page_of_anchors, render_pdf


@pytest.mark.slow
def test_the_default_editions_large_print_has_every_note_on_its_calls_page_first_time(
        tmp_path, monkeypatch):
    settings = Settings.for_project(ROOT, build=str(tmp_path / "build"))
    html = variant_html(settings, "large-print-a4")
    # WeasyPrint's own context sets note 6 a page after its call: the page fills at its
    # paragraph's second line, and WeasyPrint keeps that line and moves the note over.
    with monkeypatch.context() as plain:
        plain.setattr(weasyprint.document, "LayoutContext", keepnotes.LayoutContext)
        first = weasyprint.HTML(string=html, base_url=f"{ROOT}/").render()
    wrong = footnotes.misplaced(html, page_of_anchors(first))
    assert [note for note, _, _ in wrong.moved] == ["blank-2014-note-6"]
    # With the context the paragraph goes over whole in the first layout, and nothing else
    # moves: the same pages, the note on its call's page.
    assert keepnotes.installed()
    kept = weasyprint.HTML(string=html, base_url=f"{ROOT}/").render()
    anchors = page_of_anchors(kept)
    assert not footnotes.misplaced(html, anchors)
    assert anchors["blank-2014-note-6"] == anchors["blank-2014-noteref-6"]
    # render_pdf finds nothing to hold, and its layout is that one.
    rendered = render_pdf(html, ROOT, variant=None)
    assert rendered.page_map.anchors == anchors
    assert rendered.pages == len(kept.pages)


def test_the_context_answers_the_truth_outside_the_line_layouts_one_question():
    assert keepnotes.installed()
    assert keepnotes.installed()  # once: asked again, it is in place
    assert weasyprint.document.LayoutContext is not keepnotes.LayoutContext
    context = weasyprint.document.LayoutContext.__new__(weasyprint.document.LayoutContext)
    context.in_column = False
    assert context.in_column is False
    context.in_column = True
    assert context.in_column is True


def test_a_weasyprint_whose_line_layout_no_longer_asks_is_left_as_it_is(monkeypatch):
    monkeypatch.setattr(weasyprint.document, "LayoutContext", keepnotes.LayoutContext)
    monkeypatch.setattr(keepnotes, "_LINES", (lambda: None).__code__)
    assert not keepnotes.installed()
    assert weasyprint.document.LayoutContext is keepnotes.LayoutContext
