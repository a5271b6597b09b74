"""The check of what a print page would fetch, before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from pressroom.errors import SafetyError
from pressroom.printing.fetcher import check_html


@pytest.mark.parametrize("markup", [
    '<img src="http://example.org/a.png">',
    "<img SRC='https://example.org/a.png'>",
    '<object data = "ftp://example.org/a.svg"></object>',
    '<svg><image xlink:href="http://example.org/b.png"/></svg>',
    '<video poster="//example.org/c.png"></video>',
    '<style>p { background: url(http://example.org/d.png) }</style>',
    "<style>@font-face { src: URL( 'https://example.org/e.woff2' ) }</style>",
    '<style>p { background: url("../../etc/passwd") }</style>',
])
def test_a_page_naming_what_may_not_be_fetched_is_refused(tmp_path: Path, markup: str):
    page = f"<html><body><p>{'text ' * 200}</p>{markup}</body></html>"
    with pytest.raises(SafetyError, match="refused to fetch"):
        check_html(page, tmp_path)


def test_what_the_project_holds_data_urls_and_links_pass(tmp_path: Path):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(b"")
    check_html('<html><body><img src="images/a.png"><img src="data:image/png;base64,AA==">'
               '<a href="https://example.org/">a link is not fetched</a>'
               '<p style="background: url(#clip)">source data</p></body></html>', tmp_path)


def test_a_part_checked_already_is_not_scanned_again_and_the_rest_is(tmp_path: Path):
    # The body every variant's page shares is checked once, where it is made.
    body = '<main><img src="http://example.org/in-the-body.png"></main>'
    page = f'<html><head><style>p {{ color: black }}</style></head><body>{body}</body></html>'
    check_html(page, tmp_path, checked=body)
    with pytest.raises(SafetyError, match="in-the-body"):
        check_html(page, tmp_path)
    around = page.replace("<head>", "<head><style>p { background: "
                          "url(http://example.org/head.png) }</style>")
    with pytest.raises(SafetyError, match=r"head\.png"):
        check_html(around, tmp_path, checked=body)
    after = page.replace("</body>", '<img src="http://example.org/after.png"></body>')
    with pytest.raises(SafetyError, match=r"after\.png"):
        check_html(after, tmp_path, checked=body)
    # A "checked" part the page does not hold checks nothing away.
    with pytest.raises(SafetyError, match="in-the-body"):
        check_html(page, tmp_path, checked="<main>elsewhere</main>")
