"""Loading the edition: each mistake in the sources gives one line naming file, line and field.

Every error test copies the minimal fixture, breaks one thing in it, and checks the message.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import CONTENT, FIXTURES, MINIMAL, TEMPLATES, copy_fixture
from pressroom.errors import ConfigError, ContentError, PressroomError
from pressroom.sources.load import load_edition, load_reading

EDITION = "edition.yaml"
CHRONOLOGY = "timeline/chronology.yaml"
HISTORIOGRAPHY = "timeline/historiography.yaml"
READING = "readings/sample.md"

EDTF_EXAMPLES = "(EDTF: 1956, 1956-02, 1956-02-14, 1956-02-14/1956-02-25, 1960-01?, 1956~)"
TREATY_ANNOTATION = "    annotation: >-\n      The treaty the first paragraph discusses.\n"
NOTE_3 = "[^3]: Second Author, “An Article,” *A Journal* 4 (1997): 56.\n"


def edit(root: Path, name: str, old: str, new: str) -> None:
    """Replace the one occurrence of old in a fixture file (a test that misses it fails)."""
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def broken(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of the minimal fixture with one thing changed in one file."""
    root = copy_fixture(tmp_path)
    edit(root, name, old, new)
    return root


def load_error(root: Path, kind: type[PressroomError] = ContentError) -> str:
    """The one-line message of the error loading this edition raises, paths made relative."""
    with pytest.raises(kind) as caught:
        load_edition(root)
    return str(caught.value).removeprefix(f"{root}/")


# --- the fixture as committed ----------------------------------------------------------------


def test_the_minimal_fixture_loads():
    edition = load_edition(MINIMAL)
    assert edition.config.id == "minimal-edition"
    assert [r.meta.id for r in edition.readings] == ["sample-1999"]
    assert edition.lead.notes == (1, 2, 3)
    assert edition.lead.body_line == 19
    assert [(a.kind, a.reading.meta.id) for a in edition.appendices] == [
        ("chronology", "sample-1999"),
        ("historiography", "sample-1999"),
    ]
    assert [p.relative_to(MINIMAL).as_posix() for p in edition.sources] == [
        EDITION, READING, CHRONOLOGY, HISTORIOGRAPHY
    ]


def test_event_dates_are_parsed():
    chronology = load_edition(MINIMAL).appendices[0].data
    assert [e.date.display() for e in chronology.events] == [
        "14 February 1950", "October 1949", "1951?"
    ]


def test_the_real_edition_loads():
    edition = load_edition(CONTENT)
    assert edition.lead.meta.id == "blank-2014"
    assert edition.lead.notes == tuple(range(1, 30))
    assert {a.kind for a in edition.appendices} == {"chronology", "historiography"}


# --- YAML syntax -----------------------------------------------------------------------------


def test_a_yaml_syntax_error_names_the_line_of_the_problem(tmp_path: Path):
    root = broken(tmp_path, CHRONOLOGY, "title: A treaty is signed", "title: A treaty: is signed")
    assert load_error(root) == f"{CHRONOLOGY}:10: YAML error: mapping values are not allowed here"


def test_a_tab_in_the_indentation_names_its_line(tmp_path: Path):
    root = broken(tmp_path, CHRONOLOGY, "    strand: alliance\n", "\tstrand: alliance\n")
    assert load_error(root) == (
        f"{CHRONOLOGY}:11: YAML error: found character '\\t' that cannot start any token"
    )


def test_a_yaml_error_in_front_matter_counts_lines_from_the_top_of_the_file(tmp_path: Path):
    root = broken(tmp_path, READING, "title: On Sample Texts", "title: On: Sample Texts")
    assert load_error(root) == f"{READING}:3: YAML error: mapping values are not allowed here"


@pytest.mark.parametrize(
    ("name", "old", "new", "line"),
    [
        (CHRONOLOGY, 'date: "1950-02-14"', "date: 1950-02-30", 9),
        (EDITION, "date: 2020-05-01", "date: 2020-02-30", 4),
    ],
)
def test_an_impossible_unquoted_yaml_date_is_a_content_error(
    tmp_path: Path, name: str, old: str, new: str, line: int
):
    root = broken(tmp_path, name, old, new)
    with pytest.raises(PressroomError) as caught:
        load_edition(root)
    assert str(caught.value).removeprefix(f"{root}/").startswith(f"{name}:{line}: ")


# --- timeline entries ------------------------------------------------------------------------


def test_an_unknown_note_names_the_notes_the_article_has(tmp_path: Path):
    root = broken(tmp_path, CHRONOLOGY, "notes: [1]", "notes: [31]")
    assert load_error(root) == (
        f"{CHRONOLOGY}:13: events[0].notes[0]: event 'treaty': unknown note 31 "
        "(the article 'sample-1999' has notes 1-3)"
    )


def test_an_unknown_note_in_the_historiography(tmp_path: Path):
    root = broken(tmp_path, HISTORIOGRAPHY, "notes: [3]", "notes: [1, 4]")
    assert load_error(root) == (
        f"{HISTORIOGRAPHY}:28: works[1].notes[1]: work 'an-article': unknown note 4 "
        "(the article 'sample-1999' has notes 1-3)"
    )


def test_a_duplicate_id_names_both_lines(tmp_path: Path):
    root = broken(tmp_path, CHRONOLOGY, "id: founding", "id: treaty")
    assert load_error(root) == (
        f"{CHRONOLOGY}:17: events[1].id: duplicate id 'treaty' (first used on line 8)"
    )


@pytest.mark.parametrize("date", ["14 Feb 1950", "1950-02-30", "1950-13"])
def test_an_unparseable_or_impossible_date(tmp_path: Path, date: str):
    root = broken(tmp_path, CHRONOLOGY, '"1950-02-14"', f'"{date}"')
    assert load_error(root) == (
        f"{CHRONOLOGY}:9: events[0].date: event 'treaty': unparseable or impossible date "
        f"{date!r} {EDTF_EXAMPLES}"
    )


def test_a_range_ending_before_it_starts(tmp_path: Path):
    root = broken(tmp_path, CHRONOLOGY, '"1950-02-14"', '"1950-02-25/1950-02-14"')
    assert load_error(root) == (
        f"{CHRONOLOGY}:9: events[0].date: event 'treaty': "
        "range '1950-02-25/1950-02-14' ends before it starts"
    )


def test_a_bare_yaml_date_must_be_quoted(tmp_path: Path):
    root = broken(tmp_path, CHRONOLOGY, '"1951?"', "1951")
    assert load_error(root) == (
        f"{CHRONOLOGY}:27: events[2].date: event 'quotation': write the date as a quoted EDTF "
        'string (e.g. "1951"), not a bare YAML value'
    )


def test_an_unknown_strand_names_the_strands_the_file_declares(tmp_path: Path):
    root = broken(tmp_path, CHRONOLOGY, "strand: alliance", "strand: alliances")
    assert load_error(root) == (
        f"{CHRONOLOGY}:11: events[0].strand: event 'treaty': unknown strand 'alliances' "
        "(this file's strands: alliance, domestic-politics, ideology)"
    )


def test_a_strand_is_whatever_the_file_declares(tmp_path: Path):
    # Nothing about the subject is built in: a new strand is one line of data.
    root = copy_fixture(tmp_path)
    edit(root, CHRONOLOGY, "strand: alliance", "strand: trade")
    edit(root, CHRONOLOGY, "  - ideology\n", "  - ideology\n  - {id: trade, label: Trade}\n")
    chronology = load_edition(root).appendices[0].data
    assert chronology.events[0].strand == "trade"
    assert chronology.strand_label("trade") == "Trade"
    assert chronology.strand_label("domestic-politics") == "domestic politics"


def test_a_chronology_must_declare_its_strands(tmp_path: Path):
    root = copy_fixture(tmp_path)
    path = root / CHRONOLOGY
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("# The strands")], encoding="utf-8")
    assert load_error(root) == f"{CHRONOLOGY}:1: strands: required field is missing"


def test_a_strand_declared_twice(tmp_path: Path):
    root = broken(tmp_path, CHRONOLOGY, "  - ideology\n", "  - ideology\n  - alliance\n")
    assert load_error(root) == (
        f"{CHRONOLOGY}:40: strands[3].id: strands declares 'alliance' twice"
    )


def test_an_unknown_reading_names_the_approaches_the_file_declares(tmp_path: Path):
    root = broken(tmp_path, HISTORIOGRAPHY, "reading: ideology", "reading: alliance")
    assert load_error(root) == (
        f"{HISTORIOGRAPHY}:27: works[1].reading: work 'an-article': unknown reading 'alliance' "
        "(this file's approaches: survey, ideology)"
    )


def test_a_malformed_vocabulary_term(tmp_path: Path):
    root = broken(tmp_path, HISTORIOGRAPHY, "  - ideology\n", "  - Ideology Proper\n")
    assert load_error(root).startswith(f"{HISTORIOGRAPHY}:34: approaches[1].id: String should")


# --- a date without a year -------------------------------------------------------------------


def yearless(tmp_path: Path, sort_after: str | None) -> Path:
    """The fixture with the 1951 event's date replaced by a month of no known year."""
    root = broken(tmp_path, CHRONOLOGY, 'date: "1951?"', 'date: "XXXX-01"')
    if sort_after is not None:
        edit(root, CHRONOLOGY, "    strand: ideology\n",
             f"    strand: ideology\n    sort_after: {sort_after}\n")
    return root


def test_an_event_without_a_year_goes_where_sort_after_says(tmp_path: Path):
    chronology = load_edition(yearless(tmp_path, "founding")).appendices[0].data
    assert [e.id for e in chronology.in_date_order()] == ["founding", "quotation", "treaty"]
    assert chronology.events[2].date.display() == "January, year not given"


def test_an_event_without_a_year_needs_sort_after(tmp_path: Path):
    assert load_error(yearless(tmp_path, None)) == (
        f"{CHRONOLOGY}:27: events[2].date: event 'quotation': 'XXXX-01' gives no year; name "
        "the event it follows with sort_after"
    )


def test_sort_after_must_name_an_event(tmp_path: Path):
    assert load_error(yearless(tmp_path, "nowhere")) == (
        f"{CHRONOLOGY}:30: events[2].sort_after: event 'quotation': sort_after names no event "
        "'nowhere'"
    )


def test_sort_after_must_name_an_event_with_a_year(tmp_path: Path):
    assert load_error(yearless(tmp_path, "quotation")) == (
        f"{CHRONOLOGY}:30: events[2].sort_after: event 'quotation': sort_after must name an "
        "event with a year ('quotation' has none)"
    )


def test_sort_after_is_refused_on_a_date_with_a_year(tmp_path: Path):
    root = broken(tmp_path, CHRONOLOGY, "    strand: alliance\n",
                  "    strand: alliance\n    sort_after: founding\n")
    assert load_error(root) == (
        f"{CHRONOLOGY}:12: events[0].sort_after: event 'treaty': sort_after is only for a date "
        "without a year ('1950-02-14' sorts by itself)"
    )


def test_a_missing_annotation_names_the_entry(tmp_path: Path):
    root = broken(tmp_path, CHRONOLOGY, TREATY_ANNOTATION, "")
    assert load_error(root) == (
        f"{CHRONOLOGY}:8: events[0].annotation: event 'treaty': required field is missing"
    )


def test_an_unknown_field(tmp_path: Path):
    root = broken(tmp_path, CHRONOLOGY, "    strand: alliance\n",
                  "    strand: alliance\n    colour: red\n")
    assert load_error(root) == f"{CHRONOLOGY}:12: events[0].colour: event 'treaty': unknown field"


def test_an_event_needs_a_note_or_a_source(tmp_path: Path):
    root = broken(tmp_path, CHRONOLOGY, "notes: [1]", "notes: []")
    assert load_error(root) == (
        f"{CHRONOLOGY}:8: events[0].notes: event 'treaty': give at least one article note or a "
        "named source"
    )


def test_a_phase_ending_before_it_starts(tmp_path: Path):
    root = broken(tmp_path, CHRONOLOGY, 'start: "1950", end: "1951"', 'start: "1951", end: "1950"')
    assert load_error(root) == f"{CHRONOLOGY}:6: phases[1].end: phase 'late' ends before it starts"


# --- edition.yaml ----------------------------------------------------------------------------


def test_a_bad_language_code(tmp_path: Path):
    root = broken(tmp_path, EDITION, "language: en-GB", "language: English")
    assert load_error(root, ConfigError) == (
        f"{EDITION}:2: language: 'English' is not a BCP 47 language tag such as en, en-US "
        "or de-CH"
    )


def test_an_appendix_naming_an_unknown_reading(tmp_path: Path):
    root = broken(tmp_path, EDITION, "    reading: sample-1999\n  - kind: historiography",
                  "    reading: nobody-2000\n  - kind: historiography")
    assert load_error(root, ConfigError) == (
        f"{EDITION}:12: appendices[0].reading: appendix names unknown reading 'nobody-2000'"
    )


def outside_the_folder(tmp_path: Path) -> Path:
    """An edition naming a real, valid reading that lies beside the content folder."""
    root = broken(tmp_path, EDITION, "readings/sample.md", "../outside.md")
    shutil.copy(MINIMAL / READING, tmp_path / "outside.md")
    return root


def test_a_reading_outside_the_content_folder_is_refused(tmp_path: Path):
    root = outside_the_folder(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_edition(root)
    error = caught.value
    assert (error.path, error.line) == (root / EDITION, 8)
    assert error.message == "'../outside.md' is outside the collection's folder"


def test_a_reading_outside_the_content_folder_names_the_field(tmp_path: Path):
    root = outside_the_folder(tmp_path)
    assert load_error(root, ConfigError) == (
        f"{EDITION}:8: readings[0]: '../outside.md' is outside the collection's folder"
    )


# --- readings --------------------------------------------------------------------------------


def test_a_note_called_but_not_defined(tmp_path: Path):
    # The last note, so the definitions left are still numbered 1-2 without a gap.
    root = broken(tmp_path, READING, NOTE_3, "")
    assert load_error(root) == f"{READING}:26: note call [^3] has no note"


def test_a_missing_note_in_the_middle_names_the_call(tmp_path: Path):
    root = broken(tmp_path, READING, "[^2]: *Ibid.*, 13.\n\n", "")
    message = load_error(root)
    assert message.startswith(f"{READING}:24: ")
    assert "[^2]" in message


def test_a_note_never_called(tmp_path: Path):
    root = broken(tmp_path, READING, "holds.[^2]", "holds.")
    assert load_error(root) == f"{READING}:30: note 2 is never called"


def test_an_unknown_front_matter_field_counts_lines_from_the_top(tmp_path: Path):
    root = broken(tmp_path, READING, "title: On Sample Texts\n",
                  "title: On Sample Texts\ncolour: red\n")
    assert load_error(root) == f"{READING}:4: colour: unknown field"


def test_load_reading_alone_checks_the_notes(tmp_path: Path):
    root = broken(tmp_path, READING, "[^1]: First note", "[^one]: First note")
    with pytest.raises(ContentError) as caught:
        load_reading(root / READING)
    assert str(caught.value) == (f"{root / READING}:24: note call [^1] has no note; also "
                                 "line 28: note [^one] is never called")


def test_notes_called_out_of_order_keep_their_numbers(tmp_path: Path):
    # Pandoc accepts any order; the notes print as the source numbers them.
    root = broken(tmp_path, READING, "1950.[^1] It goes on", "1950.[^2] It goes on")
    edit(root, READING, "holds.[^2]", "holds.[^1]")
    reading = load_reading(root / READING)
    assert reading.notes[:2] == (2, 1)


def test_a_note_called_twice_is_refused(tmp_path: Path):
    root = broken(tmp_path, READING, "the claim holds.[^2]", "the claim holds.[^2] Again.[^1]")
    assert load_error(root) == (
        f"{READING}:24: note [^1] is called a second time (a note has one call; repeat its "
        "text or write Ibid.)")


def test_a_reading_that_is_not_utf8_is_one_line(tmp_path: Path):
    root = copy_fixture(tmp_path)
    path = root / READING
    path.write_bytes(path.read_bytes().replace(b"claim", b"cl\xe9im"))
    assert load_error(root) == f"{READING}:24: not UTF-8 text (invalid continuation byte)"


def test_two_appendices_of_one_kind_are_refused(tmp_path: Path):
    root = broken(tmp_path, EDITION, "  - kind: historiography", "  - kind: chronology")
    assert load_error(root, ConfigError) == (
        f"{EDITION}:13: appendices[1].kind: a second chronology appendix (one of each kind per "
        "edition)")


# --- collections (course readers) ------------------------------------------------------------

READER_FILE = "reader.yaml"
ALPHA = "readings/alpha.md"


def broken_reader(tmp_path: Path, name: str, old: str, new: str) -> Path:
    root = copy_fixture(tmp_path, "reader")
    edit(root, name, old, new)
    return root


def reader_error(root: Path, kind: type[PressroomError] = ContentError) -> str:
    with pytest.raises(kind) as caught:
        load_edition(root / READER_FILE)
    return str(caught.value).removeprefix(f"{root}/")


def test_the_fixture_reader_loads_with_its_parts():
    edition = load_edition(FIXTURES / "reader" / READER_FILE)
    assert edition.title == "Readings in Fixtures"
    assert [p.name for p in edition.creators] == ["Edith Editor", "Second Editor"]
    assert [(p.title, [r.id for r in p.readings]) for p in edition.contents] == [
        ("Week 1: Alliances", ["alpha-1995", "beta"]),
        ("Week 2: Documents", ["plain", "scripts-1960"]),
    ]
    assert edition.introduction.title == "Introduction"
    # Every reading numbers its notes from 1; named labels by the order of their calls.
    assert [r.notes for r in edition.readings] == [(1, 2, 3)] * 3 + [(1, 2)]


def test_a_source_cited_by_key_comes_from_the_bibliography():
    beta = load_edition(FIXTURES / "reader" / READER_FILE).readings[1]
    assert beta.source["id"] == "beta"
    assert beta.source["container-title"] == "A book of alliances"
    assert beta.source["page"] == "57-81"


def test_a_source_written_inline_is_completed_from_the_reading():
    scripts = load_edition(FIXTURES / "reader" / READER_FILE).readings[3]
    assert scripts.source["author"] == [{"family": "Example", "given": "Eve"}]
    assert scripts.source["issued"] == {"date-parts": [[1960, 4, 22]]}


def test_a_misspelt_field_in_a_part(tmp_path: Path):
    root = broken_reader(tmp_path, READER_FILE, "    readings:\n      - readings/alpha.md",
                         "    reading:\n      - readings/alpha.md")
    assert reader_error(root, ConfigError) == (
        f"{READER_FILE}:19: readings[0].readings: required field is missing; also line 20: "
        "readings[0].reading: unknown field")


def test_a_missing_reading_in_a_part_names_its_line(tmp_path: Path):
    root = broken_reader(tmp_path, READER_FILE, "readings/beta.md", "readings/gamma.md")
    assert reader_error(root, ConfigError) == (
        f"{READER_FILE}:22: readings[0].readings[1]: no such file: {root}/readings/gamma.md")


def test_a_key_missing_from_the_bibliography(tmp_path: Path):
    root = broken_reader(tmp_path, "readings/beta.md", '"@beta1990"', '"@beta1991"')
    assert reader_error(root) == (
        f"readings/beta.md:4: source: no entry 'beta1991' in {root}/sources.bib")


def test_an_unknown_csl_type(tmp_path: Path):
    root = broken_reader(tmp_path, ALPHA, "type: article-journal", "type: journal-article")
    assert reader_error(root) == (
        f"{ALPHA}:9: source: unknown CSL type 'journal-article' (e.g. article-journal, "
        "chapter, book, article-newspaper, manuscript, webpage)")


def test_an_author_that_is_neither_a_name_nor_a_list(tmp_path: Path):
    root = broken_reader(tmp_path, "readings/beta.md", "author: Bruno Beta", "author: 12")
    assert reader_error(root).startswith("readings/beta.md:3: author: ")


def test_a_named_note_defined_twice(tmp_path: Path):
    root = broken_reader(tmp_path, "readings/plain.md", "[^last]: The last named note.",
                         "[^last]: The last named note.\n\n[^first]: Again.")
    assert reader_error(root) == "readings/plain.md:33: note [^first] is defined a second time"


def test_a_file_name_that_cannot_be_an_id(tmp_path: Path):
    root = copy_fixture(tmp_path, "reader")
    (root / "readings" / "plain.md").rename(root / "readings" / "Plain Text.md")
    edit(root, READER_FILE, "readings/plain.md", "readings/Plain Text.md")
    assert reader_error(root) == (
        "readings/Plain Text.md:2: id: the file name 'Plain Text' cannot be the reading's id "
        "(lowercase words joined by hyphens); give it an id: field")


def test_a_reader_may_share_readings_inside_the_project():
    edition = load_edition(CONTENT / "readers" / "sino-soviet" / "reader.yaml",
                           root=CONTENT.parent.parent)
    assert edition.lead.path.resolve() == (CONTENT / "readings" / "blank-2014.md").resolve()


def test_every_problem_of_a_front_matter_is_reported_in_one_run(tmp_path: Path):
    root = broken(tmp_path, READING, "\ntitle:", "\ntitel:")
    edit(root, READING, "\nrights:", "\nrihgts:")
    message = load_error(root)
    assert message.startswith(f"{READING}:")
    assert "title: required field is missing" in message
    assert 'titel: unknown field (did you mean "title"?)' in message
    assert 'rihgts: unknown field (did you mean "rights"?)' in message


def test_an_introduction_may_state_its_rights(tmp_path: Path):
    from pressroom.assemble.chunks import assemble_markdown

    root = copy_fixture(tmp_path, "reader")
    intro = root / "introduction.md"
    text = intro.read_text(encoding="utf-8")
    if text.startswith("---\n"):
        text = text.replace("---\n", "---\nrights: © 2021 The Editors. CC BY 4.0.\n", 1)
    else:
        text = "---\nrights: © 2021 The Editors. CC BY 4.0.\n---\n" + text
    intro.write_text(text, encoding="utf-8")
    edition = load_edition(root / "reader.yaml")
    assert edition.introduction.rights == "© 2021 The Editors. CC BY 4.0."
    assert "[© 2021 The Editors. CC BY 4.0.]{.rights}" in assemble_markdown(edition, TEMPLATES)
