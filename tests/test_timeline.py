"""The edition's own timeline data: what the appendices must hold, and what editors can change."""

from __future__ import annotations

import shutil
import zipfile

import pytest

from helpers import CONTENT, MINIMAL, ROOT, TEMPLATES, copy_fixture, epub_xhtml, pdftotext
from pressroom.content import load_edition
from pressroom.errors import RenderError
from pressroom.pipeline import Settings, build, build_epub, prepare

REQUIRED_EVENTS = {
    # the article's dated events (issue list), by the ids the data uses
    "bolshevik-repudiation", "may-fourth-movement", "treaty-1945", "treaty-1950", "stalin-death",
    "khrushchev-concessions", "mao-to-yugoslavs", "twentieth-congress", "hungary-1956",
    "mao-speech-1957", "nuclear-agreement-1957", "yudin-submarine-fleet", "radio-station",
    "mao-khrushchev-1958", "mao-khrushchev-1959", "quemoy-matsu-shelling",
    "nuclear-agreement-abandoned", "sino-indian-border-clashes", "long-live-leninism",
    "soviet-experts-withdrawn", "mao-doubts-great-leap", "moscow-conference", "mao-chervonenko",
    "january-standing-committee", "beidaihe-meeting", "soviet-non-proliferation",
    "ussr-no-longer-socialist",
}


@pytest.fixture(scope="module")
def edition():
    return load_edition(CONTENT)


def test_chronology_has_every_required_event_in_date_order(edition):
    chronology = next(a.data for a in edition.appendices if a.kind == "chronology")
    ids = [e.id for e in chronology.events]
    assert len(ids) >= 25
    assert set(ids) >= REQUIRED_EVENTS, REQUIRED_EVENTS - set(ids)
    keys = [e.date.sort_key for e in chronology.events]
    assert keys == sorted(keys)
    for event in chronology.events:
        assert event.annotation.count(".") >= 2, event.id  # 2-4 sentences
        assert event.notes or event.sources, event.id


def test_the_january_meeting_is_marked_uncertain(edition):
    chronology = next(a.data for a in edition.appendices if a.kind == "chronology")
    meeting = next(e for e in chronology.events if e.id == "january-standing-committee")
    assert meeting.date.uncertain
    assert meeting.date.precision == "month"
    assert meeting.notes == [25]


def test_historiography_has_ten_works_in_publication_order(edition):
    works = next(a.data for a in edition.appendices if a.kind == "historiography").works
    assert len(works) >= 10
    assert [w.year for w in works] == sorted(w.year for w in works)
    assert works[0].year == 1961 and works[-1].year == 2010


def test_every_note_is_cited_by_some_entry(edition):
    cited = {n for a in edition.appendices
             for item in getattr(a.data, "events", None) or a.data.works for n in item.notes}
    assert cited == set(range(1, 30))


def test_an_editor_restyles_an_appendix_by_editing_templates_alone(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    path = templates / "appendix-chronology.md.j2"
    path.write_text(path.read_text().replace("[People: ", "[Who: "))
    settings = Settings(ROOT, MINIMAL, templates, tmp_path / "build")
    prepared = prepare(settings)
    text = prepared.markdown.read_text()
    assert "[Who: Ada Example]" in text and "People:" not in text
    a4 = build(settings, formats=("pdf",), papers=("a4",), kinds=("reading",))[0].path
    assert "Who: Ada Example" in pdftotext(a4)


def test_a_template_link_to_a_missing_id_fails_the_build(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    path = templates / "appendix-historiography.md.j2"
    path.write_text(path.read_text().replace(":::\n\n{% endfor %}",
                                             "[see](#nowhere)\n:::\n\n{% endfor %}", 1))
    settings = Settings(ROOT, MINIMAL, templates, tmp_path / "build")
    with pytest.raises(RenderError, match="dangling internal link: #nowhere"):
        build_epub(settings, prepare(settings), page_map=())


def test_markdown_and_html_in_yaml_values_print_literally(tmp_path):
    content = copy_fixture(tmp_path)
    path = content / "timeline" / "chronology.yaml"
    hostile = "A *starred* _under_ [link](x) #hash <script>alert(1)</script> title"
    # Quoted: in YAML, " #" would start a comment.
    path.write_text(path.read_text().replace("A treaty is signed", f"'{hostile}'"))
    settings = Settings(ROOT, content, TEMPLATES, tmp_path / "build")
    outputs = build(settings, formats=("pdf", "epub"), papers=("a4",))
    epub = next(o.path for o in outputs if o.format == "epub")
    texts = [" ".join("".join(el.itertext()).split())
             for root in epub_xhtml(epub).values() for el in root.iter()]
    assert any(hostile in t for t in texts)
    with zipfile.ZipFile(epub) as zf:
        chapters = "".join(zf.read(n).decode() for n in zf.namelist() if n.endswith(".xhtml"))
    assert "<script>alert" not in chapters and "&lt;script&gt;alert(1)" in chapters
    pdf = next(o.path for o in outputs if o.variant == "reading")
    assert "A *starred* _under_ [link](x) #hash <script>alert(1)</script>" in " ".join(
        pdftotext(pdf).split())
