"""The print HTML on a screen: a screen-only style that WeasyPrint never applies."""

from __future__ import annotations

import re

from conftest import Built
from helpers import TEMPLATES


def test_the_print_html_carries_the_screen_style_for_screens_only(minimal_build: Built):
    html = minimal_build.one("html").read_text(encoding="utf-8")
    styles = re.findall(r"<style( media=\"[^\"]*\")?>(.*?)</style>", html, re.DOTALL)
    assert [media for media, _ in styles] == ["", ' media="screen"']
    screen = styles[1][1]
    assert screen.strip() == (TEMPLATES / "screen.css").read_text(encoding="utf-8").strip()
    # The print stylesheet floats notes to the foot of the page; the screen one must not
    # reach WeasyPrint, or the notes would become blocks in the text.
    assert "float: footnote" in styles[0][1] and "display: block" in screen


def test_the_screen_style_sets_a_measure_and_a_dark_scheme():
    css = (TEMPLATES / "screen.css").read_text(encoding="utf-8")
    assert re.search(r"body \{[^}]*max-width: 34em", css)
    assert "@media (prefers-color-scheme: dark)" in css
    assert re.search(r"\.title-page-source \{[^}]*position: static", css)


def test_the_title_page_cites_the_source_in_the_styles_italics(minimal_build: Built):
    html = minimal_build.one("html").read_text(encoding="utf-8")
    found = re.search(r'<p class="citation">(.*?)</p>', html, re.DOTALL)
    assert found is not None
    citation = found.group(1)
    # As the opener prints it: the journal's title in italics, the address a live link.
    assert "<em>Journal of Fixtures</em> 3 (2)." in citation
    assert citation.startswith("Example, Ada. 1999.")
    assert '<a href="https://example.org/sample">' in citation
