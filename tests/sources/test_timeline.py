"""The edition's own timeline data: what the appendices must hold, and what editors can change."""

from __future__ import annotations

import re
import shutil
import zipfile

import pytest

from helpers import (
    CONTENT,
    MINIMAL,
    ROOT,
    TEMPLATES,
    build_epub,
    copy_fixture,
    epub_xhtml,
    pdftotext,
)
from pressroom.engine.build import build
from pressroom.engine.prepare import prepare
from pressroom.engine.settings import Settings
from pressroom.errors import RenderError
from pressroom.sources.load import load_edition

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
    # The file is kept in the order the appendix prints: dated events by date, an event
    # without a year after the event its sort_after names.
    assert [e.id for e in chronology.in_date_order()] == ids
    keys = [e.date.sort_key for e in chronology.events if e.date.year_known]
    assert keys == sorted(keys)
    for event in chronology.events:
        assert event.annotation.count(".") >= 2, event.id  # 2-4 sentences
        assert event.notes or event.sources, event.id


def test_the_january_meeting_has_no_year_and_sits_where_the_article_discusses_it(edition):
    # The article gives "the January meeting" no year, and its framing points both ways.
    chronology = next(a.data for a in edition.appendices if a.kind == "chronology")
    meeting = next(e for e in chronology.events if e.id == "january-standing-committee")
    assert not meeting.date.year_known
    assert meeting.date.display() == "January, year not given"
    assert meeting.notes == [25] and meeting.sources == []
    ordered = [e.id for e in chronology.in_date_order()]
    position = ordered.index(meeting.id)
    assert ordered[position - 1] == meeting.sort_after == "soviet-experts-withdrawn"
    assert position < ordered.index("moscow-conference")


def test_every_date_more_exact_than_the_article_names_its_source(edition):
    chronology = next(a.data for a in edition.appendices if a.kind == "chronology")
    by_id = {e.id: e for e in chronology.events}
    # Dated from outside the article: the entry must name the work.
    for ident in ("stalin-death", "secret-speech", "hungary-1956", "quemoy-matsu-shelling",
                  "moscow-conference", "mao-to-yugoslavs", "nuclear-agreement-1957"):
        assert by_id[ident].sources, ident
    assert by_id["moscow-conference"].date.text == "1960-11-10/1960-12-01"
    # No approximate date without a named source.
    for event in chronology.events:
        if event.date.approximate or event.date.uncertain:
            assert event.sources, event.id


def test_note_25_is_cited_only_where_its_call_supports_the_entry(edition):
    # Note 25 is called after the Standing Committee's call for unity; the next sentence,
    # on the Moscow Conference and the other successes, has no note.
    chronology = next(a.data for a in edition.appendices if a.kind == "chronology")
    assert [e.id for e in chronology.events if 25 in e.notes] == ["january-standing-committee"]


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
        build_epub(settings)


@pytest.mark.slow
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


# --- the annotations against the article -----------------------------------------------------

_QUOTED = re.compile(r"“(.*?)”(?![’\w])", re.DOTALL)


def _plain(text: str) -> str:
    """Quotation marks of either kind as one, Markdown escapes dropped, spaces collapsed."""
    text = re.sub(r"\\([^\w\s])", r"\1", text)
    text = re.sub(r"[‘’“”'\"]", '"', text)
    return " ".join(text.split()).lower()


def _entries(edition):
    for appendix in edition.appendices:
        yield from getattr(appendix.data, "events", None) or appendix.data.works


def test_every_quotation_in_the_appendices_is_the_articles_own_words(edition):
    article = _plain(edition.lead.body)
    for entry in _entries(edition):
        for field in ("title", "annotation"):
            for quoted in _QUOTED.findall(getattr(entry, field)):
                words = _plain(quoted).rstrip(",.;:")
                assert words in article, f"{entry.id}.{field}: “{quoted}” is not in the article"


_BRITISH = re.compile(
    r"\b(?:\w+(?:is(?:e|ed|ing|ation))|\w*(?:avour|onour|olour|abour)\w*|centred?|centre|programme"
    r"|towards|fulfil|signall\w*|labell\w*|analyse|defence|judgement)\b"
)
# Words spelled -ise in American English too.
_NOT_BRITISH = ("ris", "promis", "precis", "otherwis", "exercis", "surpris", "revis", "premis",
                "compris", "enterpris", "advis", "wis", "franchis", "supervis", "devis",
                "televis", "improvis", "despis", "chastis", "circumcis", "incis", "excis")


def test_the_editors_text_uses_american_spelling_outside_quotations(edition):
    # The edition's language is en-US; quotations keep the article's spelling ("fuelled").
    texts = [(e.id, getattr(e, f)) for e in _entries(edition) for f in ("title", "annotation")]
    texts += [(a.kind, a.data.intro or "") for a in edition.appendices]
    texts.append(("note_on_the_text", edition.config.note_on_the_text or ""))
    for where, text in texts:
        outside = _QUOTED.sub("", text)
        found = [w for w in _BRITISH.findall(outside)
                 if not re.sub(r"(?:e|ed|ing|ation)$", "", w.lower()).endswith(_NOT_BRITISH)]
        assert not found, f"{where}: {found}"


@pytest.mark.parametrize(
    "slip", ["in passed in silence", "Chervnenko", "Guang and Chen", "Luthi", "in the Eve"]
)
def test_the_note_on_the_text_lists_each_slip_kept_in_the_article(edition, slip):
    assert slip in edition.lead.body
    assert slip in edition.config.note_on_the_text


def test_chinese_names_are_written_one_way_in_the_data(edition):
    # Surname first, as for Niu Jun and Zhang Shu Guang; "Jian Chen" only inside quotations.
    for entry in _entries(edition):
        for name in getattr(entry, "authors", []) + getattr(entry, "people", []):
            assert name != "Jian Chen", entry.id
        assert "Jian Chen" not in _QUOTED.sub("", entry.annotation.replace("“Jian Chen.”", "")), \
            entry.id
    works = next(a.data for a in edition.appendices if a.kind == "historiography").works
    assert {w.short_citation for w in works if "Chen Jian" in w.authors} == {
        "Zhang and Chen 1995", "Chen 2001", "Chen 2006"}
