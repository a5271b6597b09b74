"""A PDF reading's pages tagged in the volume from their text layer: the volume with a
publisher's PDF (a figure on one page) and an OCR'd scan claims PDF/UA-1 and passes the
self-check; a figure the sidecar does not describe costs the claim, and says where."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pikepdf
import pytest

from pressroom.checks.pdf import check_claim
from pressroom.checks.pdfua import check_pdfua, claims_pdfua, pdfua_problems
from pressroom.engine.build import build
from pressroom.errors import ContentError
from pressroom.sources.load import load_reading
from test_pdf_readings import PUBLISHER_HTML, PUBLISHER_META, settings_for, write_reader

#: Builds a reader with OCR: the full suite runs them, the fast tier does not.
pytestmark = pytest.mark.slow

ALT = "A teal band across the page, the figure of the fixture"
FIGURE_META = PUBLISHER_META + f"""figures:
  - page: 2
    alt: {ALT}
"""
PIECES = ["Unequal Allies", "A Scanned Chapter", "A Typed Reading"]


def _png() -> str:
    import base64
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (60, 12), "teal").save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


def _write(folder: Path, meta: str) -> Path:
    import weasyprint

    write_reader(folder)
    readings = folder / "readings"
    # The publisher's page 2 gets a figure under its heading.
    figure = (f'<h2 style="break-before: page">Brothers in Name</h2>'
              f'<img style="width: 60mm; height: 12mm" alt="" '
              f'src="data:image/png;base64,{_png()}">')
    html = PUBLISHER_HTML.replace('<h2 style="break-before: page">Brothers in Name</h2>',
                                  figure)
    weasyprint.HTML(string=html).write_pdf(readings / "unequal-allies.pdf")
    (readings / "unequal-allies.yaml").write_text(meta, encoding="utf-8")
    return folder


def _a4(folder: Path) -> Path:
    outputs = build(settings_for(folder, ocr=True), formats=("pdf",), papers=("a4",),
                    kinds=("reading",))
    return next(o.path for o in outputs if o.format == "pdf")


@pytest.fixture(scope="module")
def tagged(tmp_path_factory) -> Path:
    return _a4(_write(tmp_path_factory.mktemp("tagged") / "reader", FIGURE_META))


def _elements(pdf: pikepdf.Pdf):
    """Every structure element, depth first."""
    stack = [pdf.Root.StructTreeRoot]
    while stack:
        item = stack.pop()
        kids = item.get("/K")
        if kids is None:
            continue
        kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
        for kid in reversed(kids):
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in (
                    pikepdf.Name.MCR, pikepdf.Name.OBJR):
                stack.append(kid)
        if item.get("/Type") == pikepdf.Name.StructElem:
            yield item


def _text(element) -> str:
    return str(element.get("/ActualText", ""))


def test_the_volume_claims_pdf_ua_and_passes_the_self_check(tagged: Path):
    assert claims_pdfua(tagged)
    assert pdfua_problems(tagged, PIECES) == []
    assert check_pdfua(tagged, PIECES).ok
    assert check_claim(tagged).ok


def test_headings_paragraphs_and_notes_are_the_text_layers(tagged: Path):
    with pikepdf.open(tagged) as pdf:
        found = [(str(e.S), _text(e)) for e in _elements(pdf) if _text(e)]
    roles = dict((text, role) for role, text in found)
    # Under the reading's title (H1), the source's own largest heading is an H2.
    assert roles["Brothers in Name"] == "/H2"
    assert roles["2. Another footnote, at the foot of page 102."] == "/Note"
    # The paragraph that runs from page 102 to 103 is one element, its words whole.
    running = [t for t in roles if t.startswith("The language of fraternity")]
    assert len(running) == 1 and "without skipping the dull ones, which is" in running[0]
    # Columns in their order: the left one runs on into the right.
    texts = [t for _, t in found]
    assert texts.index(next(t for t in texts if t.startswith("The left column"))) < \
        texts.index(next(t for t in texts if t.startswith("Page three ends")))


def test_a_paragraph_across_a_page_break_has_content_on_both_pages(tagged: Path):
    with pikepdf.open(tagged) as pdf:
        running = next(e for e in _elements(pdf)
                       if _text(e).startswith("The language of fraternity"))
        pages = {mcr.Pg.objgen for mcr in running.K if "/MCID" in mcr}
        forms = {mcr.Stm.objgen for mcr in running.K if "/Stm" in mcr}
    assert len(pages) == 2 and len(forms) == 2


def test_the_figure_has_the_sidecars_alt_text_and_the_folios_are_artifacts(tagged: Path):
    with pikepdf.open(tagged) as pdf:
        figures = [e for e in _elements(pdf) if str(e.S) == "/Figure"]
        alts = [str(e.get("/Alt", "")) for e in figures]
        assert ALT in alts
        mine = next(e for e in figures if str(e.get("/Alt")) == ALT)
        form = next(iter(mine.K)).Stm
        content = form.read_bytes().decode("latin-1")
    # The source's own page number (pdftext's page furniture) is an artifact.
    assert re.search(r"/Artifact\s*<<\s*/Type\s*/Pagination\s*>>\s*BDC", content)
    assert re.search(r"/Figure\s*<<\s*/MCID\s*\d+\s*>>\s*BDC", content)


def test_the_ocr_d_scan_is_tagged_from_its_recognised_text(tagged: Path):
    with pikepdf.open(tagged) as pdf:
        texts = [_text(e) for e in _elements(pdf)]
    # The scan is of the publisher's first page: its words, as Tesseract read them.
    assert any("Moscow and Beijing" in t for t in texts)


def test_the_link_carried_over_is_a_link_element_in_its_paragraph(tagged: Path):
    with pikepdf.open(tagged) as pdf:
        holder = next(e for e in _elements(pdf) if _text(e).startswith("The documents are"))
        links = [k for k in holder.K if isinstance(k, pikepdf.Dictionary)
                 and k.get("/S") == pikepdf.Name.Link]
        assert len(links) == 1
        annot = links[0].K[0].Obj
        assert str(annot.A.URI) == "https://doi.org/10.0000/fixture"
        assert "/StructParent" in annot


def test_a_figure_the_sidecar_does_not_describe_costs_the_claim(tmp_path: Path, caplog,
                                                                tagged: Path):
    folder = _write(tmp_path / "reader", PUBLISHER_META)
    with caplog.at_level(logging.WARNING):
        pdf = _a4(folder)
    sidecar = folder / "readings" / "unequal-allies.yaml"
    said = [r.getMessage() for r in caplog.records if "figure" in r.getMessage()]
    assert said[0].startswith(f"{sidecar}: page 2 of the PDF draws 1 figure and the sidecar "
                              "describes 0")
    assert not claims_pdfua(pdf)
    result = check_claim(pdf)
    assert result.ok and "untagged" in result.detail
    untagged = [p for p in pdfua_problems(pdf, PIECES) if "untagged content" in p.what]
    assert untagged and {p.piece for p in untagged} == {"Unequal Allies"}


def test_a_decorative_figure_is_an_artifact(tmp_path: Path):
    meta = PUBLISHER_META + "figures:\n  - page: 2\n    decorative: true\n"
    pdf = _a4(_write(tmp_path / "reader", meta))
    assert claims_pdfua(pdf) and pdfua_problems(pdf, PIECES) == []
    with pikepdf.open(pdf) as doc:
        assert not [e for e in _elements(doc) if str(e.S) == "/Figure"]


@pytest.mark.parametrize(("entry", "line", "words"), [
    ("  - page: 2\n", 14, "figures[0]: give a figure its alt text"),
    ("  - page: 1\n    alt: Not reproduced\n", 14, "figures: page 1 is not among the pages"),
])
def test_a_figure_entry_that_cannot_be_used_names_its_line(tmp_path: Path, entry: str,
                                                            line: int, words: str):
    folder = tmp_path / "reader"
    write_reader(folder)
    sidecar = folder / "readings" / "unequal-allies.yaml"
    sidecar.write_text(PUBLISHER_META + "figures:\n" + entry, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_reading(folder / "readings" / "unequal-allies.pdf")
    message = str(caught.value)
    assert message.startswith(f"{sidecar}:{line}") and words in message
    shutil.rmtree(folder)


def test_each_lms_pdf_of_the_reader_claims_pdf_ua_and_passes(tagged: Path):
    from pressroom.distribution.lms import build_lms

    folder = tagged.parents[2]
    pdfs = [o.path for o in build_lms(settings_for(folder, ocr=True)) if o.format == "pdf"]
    assert len(pdfs) == 3
    for pdf in pdfs:
        assert claims_pdfua(pdf), pdf.name
        assert pdfua_problems(pdf) == [], pdf.name
