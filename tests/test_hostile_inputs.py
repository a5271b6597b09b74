"""Hostile inputs beyond the Markdown: a collection's CSL style, paths into hidden files, script
links in PDF readings and bibliographies, forged Host headers, and SVG images.

Everything under a collection's folder is untrusted. Each case is refused with one line naming
the user's file (and line), or neutralised; no outside byte reaches a message, and a loopback
listener receives nothing.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import http.server
import json
import shutil
import threading
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    StreamObject,
    TextStringObject,
)

from helpers import MINIMAL, TEMPLATES
from pressroom.assemble.figure import render_timeline_svg
from pressroom.checks.epub import epub_link_problems
from pressroom.checks.pdf import check_links
from pressroom.engine.build import build
from pressroom.engine.settings import Settings
from pressroom.epub.cover import title_page
from pressroom.errors import ContentError, PressroomError, RenderError
from pressroom.preview.server import serve
from pressroom.preview.watch import Status
from pressroom.printing.placement import Insert, place_pages
from pressroom.sources import citations
from pressroom.sources.citations import render_citations
from pressroom.sources.images import svg_refusal
from pressroom.sources.links import is_web_link
from pressroom.sources.load import load_edition
from pressroom.sources.safexml import parse_untrusted

RECORD = {"id": "x", "type": "book", "title": "A Title"}


class Recorder(http.server.ThreadingHTTPServer):
    """A loopback HTTP server on a free port that records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.requests.append(self.path)
                body = b"LEAKED-FROM-THE-NETWORK"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.timeout = 5
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def server() -> Iterator[Recorder]:
    recorder = Recorder()
    thread = threading.Thread(target=recorder.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        recorder.shutdown()
        recorder.server_close()
        thread.join(5)


class Collection:
    """The minimal fixture copied into a project, loaded as a build loads it."""

    def __init__(self, tmp_path: Path) -> None:
        self.project = tmp_path / "project"
        self.content = self.project / "content"
        shutil.copytree(MINIMAL, self.content)
        self.config = self.content / "edition.yaml"

    def add(self, line: str) -> int:
        """Add a line to edition.yaml after its id; return that line's number."""
        text = self.config.read_text(encoding="utf-8")
        self.config.write_text(text.replace("\n", f"\n{line}\n", 1), encoding="utf-8")
        return 2

    def write(self, name: str, text: str) -> Path:
        path = self.content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def refused(self, match: str) -> PressroomError:
        with pytest.raises(PressroomError, match=match) as caught:
            load_edition(self.config, self.project)
        message = str(caught.value)
        assert "\n" not in message
        assert "root:" not in message and "LEAKED" not in message
        return caught.value


@pytest.fixture
def collection(tmp_path: Path) -> Collection:
    return Collection(tmp_path)


# --- 1. a CSL style's links ---------------------------------------------------------------------


def _style(link: str = "", extra: str = "") -> str:
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">\n'
            "  <info>\n"
            "    <title>Dependent</title>\n"
            "    <id>dependent</id>\n"
            f"    {link}\n"
            "    <updated>2021-01-01T00:00:00+00:00</updated>\n"
            "  </info>\n"
            f"  {extra}\n"
            "  <citation><layout><text variable=\"title\"/></layout></citation>\n"
            "  <bibliography><layout><text variable=\"title\"/></layout></bibliography>\n"
            "</style>\n")


@pytest.mark.parametrize("rel", ["independent-parent", "template"])
def test_a_style_linking_to_another_is_refused_and_fetches_nothing(
        collection: Collection, server: Recorder, rel: str):
    style = collection.write("style.csl", _style(
        f'<link rel="{rel}" href="{server.url}/parent.csl"/>'))
    collection.add("csl: style.csl")
    error = collection.refused(r'<link rel="[a-z-]+"> points at another style.*independent '
                               "parent's .csl")
    assert error.path == style and error.line == 6
    # The style alone, as citeproc would get it, is refused the same way.
    with pytest.raises(ContentError, match="points at another style"):
        render_citations([RECORD], style)
    assert server.requests == []


def test_a_file_parent_is_refused_without_quoting_it(collection: Collection):
    style = collection.write("style.csl", _style(
        '<link rel="independent-parent" href="file:///etc/passwd"/>'))
    collection.add("csl: style.csl")
    error = collection.refused("points at another style")
    assert str(error).startswith(f"{style}:6: ")


def test_a_style_failure_never_echoes_what_citeproc_read(collection: Collection,
                                                         monkeypatch: pytest.MonkeyPatch):
    # Only to reach Pandoc with such a style: the load-time check is what refuses it.
    monkeypatch.setattr(citations, "check_style", lambda path: None)
    style = collection.write("style.csl", _style(
        '<link rel="independent-parent" href="file:///etc/passwd"/>'))
    with pytest.raises(RenderError, match="its text is not shown") as caught:
        render_citations([RECORD], style)
    assert "root:" not in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(("text", "match"), [
    ('<?xml version="1.0"?>\n<!DOCTYPE style [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
     '<style xmlns="http://purl.org/net/xbiblio/csl">&x;</style>\n', "declares a DTD"),
    ("<style><unclosed></style>\n", "not well-formed XML"),
    ('<html xmlns="http://www.w3.org/1999/xhtml"/>\n', "not a CSL style"),
    (_style(extra='<locale xml:lang="http://127.0.0.1/x"/>'), "xml:lang must be a language"),
])
def test_a_style_that_is_not_one_plain_csl_file_is_refused(collection: Collection, text: str,
                                                           match: str):
    style = collection.write("style.csl", text)
    collection.add("csl: style.csl")
    error = collection.refused(match)
    assert error.path == style and error.line is not None


def test_a_plain_style_still_loads(collection: Collection):
    style = collection.write("style.csl", _style())
    collection.add("csl: style.csl")
    assert load_edition(collection.config, collection.project).csl == style


# --- 2. paths into hidden folders and files -----------------------------------------------------


@pytest.fixture
def hidden(collection: Collection) -> Path:
    """A hidden folder in the project, as .git is, with a file a build must never print."""
    config = collection.project / ".git" / "config"
    config.parent.mkdir()
    config.write_text("[core]\nSECRET-GIT-CONFIG\n", encoding="utf-8")
    return config


@pytest.mark.parametrize(("line", "field"), [
    ("introduction: ../.git/config", "introduction"),
    ("introduction: ../../../../../../../../..{project}/.git/config", "introduction"),
    ("bibliography: ../.git/sources.json", "bibliography"),
    ("csl: ../.git/style.csl", "csl"),
    ("introduction: .notes.md", "introduction"),
    ("introduction: innocent.md", "introduction"),
])
def test_a_path_into_a_hidden_file_is_refused(collection: Collection, hidden: Path, line: str,
                                              field: str):
    (hidden.parent / "sources.json").write_text("[]", encoding="utf-8")
    (hidden.parent / "style.csl").write_text(_style(), encoding="utf-8")
    collection.write(".notes.md", "SECRET-GIT-CONFIG\n")
    (collection.content / "innocent.md").symlink_to(hidden)
    number = collection.add(line.format(project=collection.project))
    error = collection.refused(r"is in a hidden folder or is a hidden file")
    assert error.path == collection.config and error.line == number and error.field == field
    assert "SECRET" not in str(error)


def test_a_hidden_reading_appendix_or_pdf_sidecar_is_refused(collection: Collection,
                                                             hidden: Path):
    text = collection.config.read_text(encoding="utf-8")
    shutil.copy(collection.content / "readings" / "sample.md", hidden.parent / "sample.md")
    collection.config.write_text(text.replace("- readings/sample.md", "- ../.git/sample.md"),
                                 encoding="utf-8")
    error = collection.refused("hidden")
    assert (error.path, error.field) == (collection.config, "readings[0]")
    collection.config.write_text(text.replace("source: timeline/chronology.yaml",
                                              "source: timeline/.chronology.yaml"),
                                 encoding="utf-8")
    shutil.copy(collection.content / "timeline" / "chronology.yaml",
                collection.content / "timeline" / ".chronology.yaml")
    error = collection.refused("hidden")
    assert error.field == "appendices[0].source"
    # A PDF reading whose sidecar is a symbolic link into the hidden folder.
    collection.config.write_text(text.replace("- readings/sample.md",
                                              "- readings/sample.md\n  - readings/scan.pdf"),
                                 encoding="utf-8")
    (collection.content / "readings" / "scan.pdf").write_bytes(b"%PDF-1.4\n")
    (collection.content / "readings" / "scan.yaml").symlink_to(hidden)
    error = collection.refused("sidecar scan.yaml .* hidden file")
    assert error.field == "readings[1]"


@pytest.mark.parametrize("written", ["../../.git/pic.png", ".pic.png", "./.hidden/pic.png",
                                     "linked.png"])
def test_an_image_in_a_hidden_folder_or_file_is_refused(collection: Collection, hidden: Path,
                                                        written: str):
    readings = collection.content / "readings"
    png = MINIMAL.parent / "images" / "readings"
    source = next(png.glob("*.png"))
    for target in (hidden.parent / "pic.png", readings / ".pic.png",
                   readings / ".hidden" / "pic.png"):
        target.parent.mkdir(exist_ok=True)
        shutil.copy(source, target)
    (readings / "linked.png").symlink_to(hidden.parent / "pic.png")
    sample = readings / "sample.md"
    sample.write_text(sample.read_text(encoding="utf-8").replace(
        "> “A quotation", f"![A figure]({written})\n\n> “A quotation"), encoding="utf-8")
    error = collection.refused("hidden folder or file")
    assert error.path == sample and error.line is not None


# --- 3. script links ------------------------------------------------------------------------------

HOSTILE_URIS = ["javascript:alert(1)", " JaVa\tScRiPt:alert(1)", "file:///etc/passwd",
                "data:text/html,<script>alert(1)</script>"]


def _action(kind: str, **fields: str) -> DictionaryObject:
    action = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in fields.items():
        action[NameObject(f"/{key}")] = TextStringObject(value)
    return action


def _pdf_with_links(actions: list[DictionaryObject]) -> bytes:
    """A one-page PDF (made with pypdf) with one link annotation per action."""
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    annots = ArrayObject()
    for n, action in enumerate(actions):
        annots.append(writer._add_object(DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject(
                [FloatObject(v) for v in (10, 10 + 20 * n, 100, 25 + 20 * n)]),
            NameObject("/A"): writer._add_object(action),
        })))
    page[NameObject("/Annots")] = annots
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _uris(pdf: bytes) -> list[str]:
    page = PdfReader(BytesIO(pdf)).pages[0]
    return [str(a.get_object()["/A"].get("/URI")) for a in page.get("/Annots") or []]


def test_a_pdf_readings_script_and_file_links_are_not_carried(tmp_path: Path):
    source = tmp_path / "reading.pdf"
    source.write_bytes(_pdf_with_links([
        *(_action("/URI", URI=uri) for uri in HOSTILE_URIS),
        _action("/URI", URI="https://example.org/doi"),
        _action("/URI", URI="mailto:editor@example.org"),
        _action("/Launch", F="/bin/sh"),
        _action("/JavaScript", JS="app.alert(1)"),
    ]))
    volume = _pdf_with_links([])
    placed = place_pages(volume, {"r": (0, (0, 0, 200, 200))},
                         [Insert("r", str(source), 0, (0, 0, 1, 1))])
    assert _uris(placed) == ["https://example.org/doi", "mailto:editor@example.org"]
    path = tmp_path / "placed.pdf"
    path.write_bytes(placed)
    assert check_links(path).ok


@pytest.mark.parametrize("action", [
    *(_action("/URI", URI=uri) for uri in HOSTILE_URIS),
    _action("/Launch", F="/bin/sh"),
    _action("/JavaScript", JS="app.alert(1)"),
    _action("/GoToR", F="other.pdf"),
], ids=lambda a: str(a.get("/URI") or a["/S"]))
def test_inv_check_fails_a_pdf_with_any_other_link(tmp_path: Path, action: DictionaryObject):
    good = tmp_path / "good.pdf"
    good.write_bytes(_pdf_with_links([_action("/URI", URI="https://example.org/")]))
    assert check_links(good).ok
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(_pdf_with_links([_action("/URI", URI="https://example.org/"), action]))
    result = check_links(bad)
    assert not result.ok and "page 1" in result.detail
    assert "alert" not in result.detail and "passwd" not in result.detail


def test_inv_check_fails_an_epub_with_a_script_link(tmp_path: Path):
    def epub(href: str) -> Path:
        path = tmp_path / f"{abs(hash(href))}.epub"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("EPUB/text/ch001.xhtml",
                        '<html xmlns="http://www.w3.org/1999/xhtml"><body>'
                        f'<p><a href="{href}">x</a> <a href="#n1">1</a>'
                        ' <a href="ch002.xhtml#a">2</a></p></body></html>')
        return path

    for href in ("https://example.org/", "mailto:a@example.org", "../styles/x.css"):
        assert epub_link_problems(epub(href)) == []
    for href in ("javascript:alert(1)", "java&#9;script:alert(1)", "file:///etc/passwd",
                 "data:text/html,x", "//evil.example/"):
        problems = epub_link_problems(epub(href))
        assert len(problems) == 1 and "ch001.xhtml" in problems[0], href


@pytest.mark.parametrize("kind", ["inline", "bibtex", "csljson"])
def test_a_source_url_with_a_script_scheme_is_no_link(collection: Collection, kind: str):
    sample = collection.content / "readings" / "sample.md"
    text = sample.read_text(encoding="utf-8")
    evil = "javascript:alert(document.domain)"
    if kind == "inline":
        text = text.replace("URL: https://example.org/sample", f"URL: {evil}")
    else:
        start, end = text.index("source:\n"), text.index("rights:")
        text = text[:start] + 'source: "@evil"\n' + text[end:]
        collection.add(f"bibliography: sources.{'bib' if kind == 'bibtex' else 'json'}")
    sample.write_text(text, encoding="utf-8")
    if kind == "inline":
        # Written in the reading, it is refused there, with its line.
        error = collection.refused("must be an http")
        assert error.path == sample and error.line is not None
        return
    collection.write("sources.bib", "@article{evil,\n  title = {Evil},\n  journal = {J},\n"
                     f"  year = {{1999}},\n  url = {{{evil}}}\n}}\n")
    collection.write("sources.json", '[{"id": "evil", "type": "article-journal", "title": '
                     f'"Evil", "issued": {{"date-parts": [[1999]]}}, "URL": "{evil}"}}]')
    edition = load_edition(collection.config, collection.project)
    reading = edition.readings[0]
    assert reading.source["URL"] == evil
    found = render_citations([reading.source])[reading.id]
    # The citation prints the address as text; any link it makes is a web link.
    assert "javascript:alert" in found.text
    assert all(is_web_link(url) for url in _links(found.blocks))
    page = title_page(edition, TEMPLATES, [found])
    assert 'href="javascript' not in page and "Permalink" not in page
    assert "javascript:alert" in page


def _links(node: object) -> list[object]:
    if isinstance(node, list | tuple):
        return [link for n in node for link in _links(n)]
    if isinstance(node, dict):
        here = [node["c"][2][0]] if node.get("t") == "Link" else []
        return here + [link for v in node.values() for link in _links(v)]
    return []


# --- 4. the preview server and forged Host headers -----------------------------------------------


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[int]:
    pdf = tmp_path / "preview.pdf"
    pdf.write_bytes(_pdf_with_links([]))
    server = serve(Status(generation=3, ok=True, building=False, pdf=pdf))
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _get(port: int, path: str, hosts: list[str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=True)
        for host in hosts:
            conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize("hosts", [
    ["evil.example"], ["evil.example:{port}"], ["127.0.0.1.evil.example"],
    ["localhost.evil.example:{port}"], ["127.0.0.2"], ["0.0.0.0:{port}"], [""], [],
    ["127.0.0.1", "evil.example"], ["[::1].evil.example"], ["localhost:{port}@evil.example"],
])
@pytest.mark.parametrize("path", ["/", "/status", "/preview.pdf"])
def test_the_preview_answers_no_forged_host(preview: int, hosts: list[str], path: str):
    status, body = _get(preview, path, [h.format(port=preview) for h in hosts])
    assert status in (400, 421) and body == b""


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:{port}", "localhost",
                                  "LocalHost:{port}", "[::1]", "[::1]:{port}"])
def test_the_preview_answers_loopback_names(preview: int, host: str):
    status, body = _get(preview, "/status", [host.format(port=preview)])
    assert status == 200 and b'"generation": 3' in body


# --- 5. SVG images ------------------------------------------------------------------------------

_SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
_LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE svg [\n<!ENTITY a "lol">\n'
           + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n'
                     for i in range(9))
           + "]>\n" + _SVG + "<text>&j;</text></svg>\n")


@pytest.mark.parametrize(("svg", "match"), [
    (_LAUGHS, "declares a DTD"),
    ('<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
     + _SVG + "<text>&x;</text></svg>", "declares a DTD"),
    (_SVG + '<image href="URL/a.png" width="9" height="9"/></svg>', "a reference href="),
    (_SVG + '<use xlink:href="URL/b.svg#x"/></svg>', "a reference href="),
    (_SVG + '<image href="diagram.png"/></svg>', "a reference href="),
    (_SVG + '<image href="data:image/svg+xml;base64,PHN2Zy8+"/></svg>', "a reference href="),
    (_SVG + "<rect style=\"fill: url( 'URL/c' )\"/></svg>", "a CSS url"),
    (_SVG + '<rect fill="url(URL/d#g)"/></svg>', "a CSS url"),
    (_SVG + '<style>@import "URL/e.css";</style></svg>', "@import"),
    (_SVG + "<style>rect { fill: url(URL/f) }</style></svg>", "a CSS url"),
    (_SVG + "<script>alert(1)</script></svg>", "a <script> element"),
    (_SVG + '<rect onload="alert(1)"/></svg>', r"event handler \(onload"),
    (_SVG.replace("<svg ", "<svg onLoad='alert(1)' ") + "</svg>", "event handler"),
    (_SVG + '<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject>'
     "</svg>", "<foreignObject> element"),
    ('<?xml-stylesheet href="URL/g.css"?>\n' + _SVG + "</svg>", "processing instruction"),
    (_SVG + "<rect>", "not well-formed XML"),
    ('<html xmlns="http://www.w3.org/1999/xhtml"/>', "root is not <svg"),
    # An animation can set a reference or a handler after loading; a CSS escape can spell
    # url( so that no pattern sees it; a reference may hide in another namespace or in src.
    (_SVG + '<a href="#r"><set attributeName="href" to="URL/h"/></a></svg>', "<set> of href"),
    (_SVG + '<animate attributeName="xlink:href" values="URL/i"/></svg>', "<animate> of href"),
    (_SVG + "<style>rect { fill: \\75 rl(URL/j) }</style></svg>", r"a CSS escape"),
    (_SVG + '<image xmlns:e="http://evil.example/" e:href="URL/k.png"/></svg>',
     "a reference href="),
    (_SVG + '<image src="URL/l.png"/></svg>', "a reference src="),
], ids=lambda v: v[-30:] if isinstance(v, str) else v)
def test_an_svg_that_runs_or_fetches_anything_is_refused(collection: Collection,
                                                          server: Recorder, svg: str, match: str):
    readings = collection.content / "readings"
    (readings / "figure.svg").write_text(svg.replace("URL", server.url), encoding="utf-8")
    sample = readings / "sample.md"
    text = sample.read_text(encoding="utf-8")
    sample.write_text(text.replace("> “A quotation", "![A figure](figure.svg)\n\n> “A quotation"),
                      encoding="utf-8")
    line = text[: text.index("> “A quotation")].count("\n") + 1
    error = collection.refused(match)
    assert (error.path, error.line) == (sample, line)
    assert str(error).startswith(f"{sample}:{line}: image 'figure.svg'")
    assert "lol" not in str(error) and "alert" not in str(error)
    assert server.requests == []


@pytest.mark.parametrize("url", [
    "data:image/svg+xml;base64," + base64.b64encode(
        (_SVG + '<script>alert(1)</script></svg>').encode()).decode(),
    "data:image/svg+xml," + quote(_SVG + '<image href="URL/m.png"/></svg>'),
    "data:image/svg+xml," + quote(_LAUGHS),
    "data:image/svg+xml;base64,%%%%",
    "data:text/html;base64," + base64.b64encode(b"<script>alert(1)</script>").decode(),
], ids=["base64-script", "encoded-remote", "laughs", "broken-base64", "html"])
def test_an_svg_in_a_data_url_is_checked_as_a_file_is(collection: Collection,
                                                      server: Recorder, url: str):
    # A data: URL reaches the EPUB as it is (Pandoc unpacks it into a media file).
    sample = collection.content / "readings" / "sample.md"
    text = sample.read_text(encoding="utf-8")
    image = f"![A figure]({url.replace('URL', server.url)})"
    sample.write_text(text.replace("> “A quotation", f"{image}\n\n> “A quotation"),
                      encoding="utf-8")
    line = text[: text.index("> “A quotation")].count("\n") + 1
    error = collection.refused(r"image 'data:.*(script|reference href|declares a DTD|"
                               r"base64 is broken|must be image/png)")
    assert (error.path, error.line) == (sample, line)
    assert "alert" not in str(error) and "lol" not in str(error) and server.requests == []


def test_a_plain_svg_with_fragments_and_raster_data_still_loads(collection: Collection):
    readings = collection.content / "readings"
    (readings / "figure.svg").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n' + _SVG
        + '<defs><linearGradient id="g"/><style>rect { fill: url(#g) }</style></defs>'
        "<rect id=\"r\" style=\"stroke: url('#g')\"/><use xlink:href=\"#r\"/>"
        '<image href="data:image/png;base64,iVBORw0KGgo="/></svg>', encoding="utf-8")
    sample = readings / "sample.md"
    sample.write_text(sample.read_text(encoding="utf-8").replace(
        "> “A quotation", "![A figure](figure.svg)\n\n> “A quotation"), encoding="utf-8")
    edition = load_edition(collection.config, collection.project)
    assert [i.path.name for i in edition.readings[0].images] == ["figure.svg"]


def test_the_timeline_figure_passes_the_svg_check(collection: Collection):
    edition = load_edition(collection.config, collection.project)
    chronology = next(a.data for a in edition.appendices if a.kind == "chronology")
    svg, _ = render_timeline_svg(chronology, TEMPLATES)
    tree = parse_untrusted(Path("timeline.svg"), data=svg.encode("utf-8"))
    assert svg_refusal(tree) is None


# --- every kind through a whole build: one line, nothing fetched, the outputs left whole --------


@pytest.fixture(scope="module")
def good_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal fixture built once, whole: the earlier outputs every refusal must keep."""
    project = tmp_path_factory.mktemp("good") / "project"
    shutil.copytree(MINIMAL, project / "content")
    build(_settings(project))
    return project / "build"


def _settings(project: Path) -> Settings:
    return Settings(project, project / "content" / "edition.yaml", TEMPLATES, project / "build")


class Project(Collection):
    """The minimal fixture with the outputs of an earlier good build beside it."""

    def __init__(self, tmp_path: Path, good_build: Path) -> None:
        super().__init__(tmp_path)
        shutil.copytree(good_build, self.project / "build")
        self.before = self.outputs()

    def outputs(self) -> dict[str, str]:
        """sha256 of the manifest and of every output it lists, in the collection's folder."""
        build_dir = _settings(self.project).out_dir
        names = ["manifest.json"] + [
            e["path"] for e in json.loads((build_dir / "manifest.json").read_text())["outputs"]]
        return {n: hashlib.sha256((build_dir / n).read_bytes()).hexdigest() for n in names}

    def build_refused(self, match: str) -> PressroomError:
        """Build; it must stop with one line matching match, every earlier output as it was."""
        with pytest.raises(PressroomError, match=match) as caught:
            build(_settings(self.project))
        message = str(caught.value)
        assert "\n" not in message
        assert "root:" not in message and "LEAKED" not in message and "SECRET" not in message
        assert self.outputs() == self.before
        return caught.value


@pytest.fixture
def project(tmp_path: Path, good_build: Path) -> Project:
    return Project(tmp_path, good_build)


@pytest.mark.parametrize("parent", ["http", "file"])
def test_a_build_with_a_linked_style_fetches_nothing(project: Project, server: Recorder,
                                                     parent: str):
    href = f"{server.url}/parent.csl" if parent == "http" else "file:///etc/passwd"
    style = project.write("style.csl", _style(f'<link rel="independent-parent" href="{href}"/>'))
    project.add("csl: style.csl")
    error = project.build_refused(r"points at another style")
    assert str(error).startswith(f"{style}:6: ")
    assert server.requests == []


def test_a_build_naming_a_hidden_file_is_refused(project: Project):
    (project.project / ".git").mkdir()
    (project.project / ".git" / "config").write_text("[core]\nSECRET-GIT-CONFIG\n")
    line = project.add("introduction: ../.git/config")
    error = project.build_refused(r"edition\.yaml:2: introduction: '\.\./\.git/config' is in a "
                                  "hidden folder")
    assert (error.path, error.line) == (project.config, line)


def test_a_build_with_an_svg_that_fetches_is_refused(project: Project, server: Recorder):
    readings = project.content / "readings"
    (readings / "figure.svg").write_text(
        _SVG + f'<image href="{server.url}/a.png" width="9" height="9"/></svg>', encoding="utf-8")
    sample = readings / "sample.md"
    sample.write_text(sample.read_text(encoding="utf-8").replace(
        "> “A quotation", "![A figure](figure.svg)\n\n> “A quotation"), encoding="utf-8")
    project.build_refused(r"sample\.md:\d+: image 'figure\.svg': the SVG has a reference href=")
    assert server.requests == []


def test_a_bibliography_script_url_builds_as_text_and_passes_the_checks(project: Project):
    evil = "javascript:alert(document.domain)"
    project.write("sources.json", json.dumps([{
        "id": "evil", "type": "article-journal", "title": "Evil", "container-title": "J",
        "issued": {"date-parts": [[1999]]}, "URL": evil}]))
    project.add("bibliography: sources.json")
    sample = project.content / "readings" / "sample.md"
    text = sample.read_text(encoding="utf-8")
    start, end = text.index("source:\n"), text.index("rights:")
    sample.write_text(text[:start] + 'source: "@evil"\n' + text[end:], encoding="utf-8")
    build(_settings(project.project), formats=("html", "epub"))
    build_dir = _settings(project.project).out_dir
    epub = next(build_dir.glob("*.epub"))
    assert epub_link_problems(epub) == []
    with zipfile.ZipFile(epub) as zf:
        members = "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist()
                          if n.endswith((".xhtml", ".opf")))
    html = next(build_dir.glob("*.html")).read_text(encoding="utf-8")
    for page in (members, html):
        assert 'href="javascript' not in page.replace(" ", "").lower()
        assert evil in page  # printed, as the text it is


def _text_page_pdf(actions: list[DictionaryObject]) -> bytes:
    """A one-page PDF with a line of text (so that it is no scan) and these link actions."""
    reader = PdfReader(BytesIO(_pdf_with_links(actions)))
    writer = PdfWriter(clone_from=reader)
    page = writer.pages[0]
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")}))
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
        {NameObject("/F1"): font})})
    content = StreamObject()
    content.set_data(b"BT /F1 12 Tf 20 150 Td (A page of a published article.) Tj ET")
    page.replace_contents(content)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_readings_script_links_do_not_reach_the_built_volume(project: Project):
    readings = project.content / "readings"
    source = readings / "linked.pdf"
    source.write_bytes(_text_page_pdf([
        *(_action("/URI", URI=uri) for uri in HOSTILE_URIS),
        _action("/Launch", F="/bin/sh"),
        _action("/URI", URI="https://example.org/doi"),
    ]))
    assert not check_links(source).ok
    (readings / "linked.yaml").write_text(
        "title: A Linked Article\nauthor: Bruno Beta\nrights: © 2000 the author.\n",
        encoding="utf-8")
    config = project.config.read_text(encoding="utf-8")
    project.config.write_text(config.replace("- readings/sample.md",
                                             "- readings/sample.md\n  - readings/linked.pdf"),
                              encoding="utf-8")
    outputs = build(_settings(project.project), formats=("pdf",), papers=("a4",),
                    kinds=("reading",))
    volume = next(o.path for o in outputs if o.format == "pdf")
    result = check_links(volume)
    assert result.ok, result.detail
    uris = [str(a.get_object()["/A"].get("/URI")) for page in PdfReader(volume).pages
            for a in page.get("/Annots") or [] if "/A" in a.get_object()]
    assert "https://example.org/doi" in uris
    assert not any("javascript" in u.lower() or u.startswith(("file:", "data:")) for u in uris)
