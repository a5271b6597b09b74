"""The importer: a plain-text extraction of an article becomes a Markdown reading with footnotes.

The samples are invented prose laid out like a repository PDF copied as text: a cover page of
label/value pairs, the article's own head, paragraphs with superscript note markers, and Notes.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from pathlib import Path

import pypandoc
import pytest
import yaml

from helpers import CONTENT, SEED
from pressroom.errors import ContentError
from pressroom.sources.importer import ImportResult, import_text
from pressroom.sources.load import load_reading
from pressroom.sources.models import ReadingMeta

SOURCE = Path("sample.txt")

FIELDS = {
    "Title": "'Sample' or Fixture? The Meaning of Tests in Practice",
    "Permalink": "<https://example.org/item/q7x2>",
    "Journal": "Journal of Invented Studies, 3(2)",
    "Author": "Example, Ada",
    "Publication Date": "1999",
    "Copyright Information": (
        "Copyright 1999 by the author(s). All rights reserved unless otherwise indicated. "
        "Contact the author for permissions. Learn more at <https://example.org/terms>"
    ),
}
HEAD = (
    "‘Sample’ or Fixture? The Meaning of Tests in Practice\n\nAda Example\nUniversity of Nowhere\n"
)

BODY = """
This article asks how invented prose can stand in for a real article, and why a fixture small
enough to read at a glance is worth more than a large one that nobody reads to the end.

The first treaty of the period was signed in the spring of 1950.¹ It bound the two parties to
consult each other, and in the years that followed both of them cited it often,

but neither kept to it for long.² Observers at the time called the arrangement the so-called

alliance of convenience, a phrase that stuck.³

As the foreign minister told the assembly in a long speech that the morning papers printed in
full, and that the opposition would quote back at him for the rest of his career in office,

“We have no quarrel with our neighbours, only with their manners.”⁴

Later writers counted the grievances one by one.⁵ The first was trade,⁶ the second the border,⁷
the third the radio station,⁸ and the fourth the submarines.⁹ They disagreed about the fifth,¹⁰
and about the sixth.¹¹ Historians now agree that the episode mattered less than it seemed.¹²
"""

NOTES = """
¹ Ada Example, *A Book of Treaties* (Place: Press, 1998), 12.

² *Ibid.*, 13–14.

³ On the phrase, see Second Author, “An Article,” *A Journal* 4 (1997): 56.
⁴ Printed in *The Morning Paper*, 2 May 1951.
- ⁵ Example, *A Book of Treaties*, 20.
- ⁶ *Ibid.*, 21.
- ⁷ *Ibid.*, 22.
- ⁸ *Ibid.*, 23.
- ⁹ *Ibid.*, 24.
- ¹⁰ Third Author, *Grievances Counted* (Elsewhere: Other Press, 2003), 101,
continuing onto a second line.
- ¹¹ *Ibid.*, 102.
- ¹² Fourth Author, *Quiet Archives* (Place: Press, 2010), 7.
"""

EXPECTED_BODY = """\
::: abstract
This article asks how invented prose can stand in for a real article, and why a fixture small \
enough to read at a glance is worth more than a large one that nobody reads to the end.
:::

The first treaty of the period was signed in the spring of 1950.[^1] It bound the two parties to \
consult each other, and in the years that followed both of them cited it often, but neither kept \
to it for long.[^2] Observers at the time called the arrangement the so-called alliance of \
convenience, a phrase that stuck.[^3]

As the foreign minister told the assembly in a long speech that the morning papers printed in \
full, and that the opposition would quote back at him for the rest of his career in office,

> “We have no quarrel with our neighbours, only with their manners.”[^4]

Later writers counted the grievances one by one.[^5] The first was trade,[^6] the second the \
border,[^7] the third the radio station,[^8] and the fourth the submarines.[^9] They disagreed \
about the fifth,[^10] and about the sixth.[^11] Historians now agree that the episode mattered \
less than it seemed.[^12]

[^1]: Ada Example, *A Book of Treaties* (Place: Press, 1998), 12.

[^2]: *Ibid.*, 13–14.

[^3]: On the phrase, see Second Author, “An Article,” *A Journal* 4 (1997): 56.

[^4]: Printed in *The Morning Paper*, 2 May 1951.

[^5]: Example, *A Book of Treaties*, 20.

[^6]: *Ibid.*, 21.

[^7]: *Ibid.*, 22.

[^8]: *Ibid.*, 23.

[^9]: *Ibid.*, 24.

[^10]: Third Author, *Grievances Counted* (Elsewhere: Other Press, 2003), 101, continuing onto \
a second line.

[^11]: *Ibid.*, 102.

[^12]: Fourth Author, *Quiet Archives* (Place: Press, 2010), 7.
"""


def cover(fields: dict[str, str] = FIELDS, *, peer_reviewed: bool = True) -> str:
    """The repository's cover page: banner lines, label/value pairs, the peer-review flag."""
    lines = ["", "", "Example Repository", "", "Journal of Invented Studies", ""]
    for label, value in fields.items():
        lines += [label, "", value, ""]
    if peer_reviewed:
        lines += ["Peer reviewed", ""]
    return "\n".join(lines) + "\n"


def article(body: str, notes: str = "", *, top: str | None = None) -> str:
    """A whole extraction: cover page and article head, the body, then the Notes list."""
    top = cover() + HEAD if top is None else top
    text = f"{top}\n{textwrap.dedent(body).strip()}\n"
    if notes:
        text += f"\nNotes\n\n{textwrap.dedent(notes).strip()}\n"
    return text


def run(text: str, **options) -> ImportResult:
    return import_text(text, SOURCE, **options)


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line of text containing needle."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} is not in the sample")


def front_matter(markdown: str) -> dict:
    match = re.match(r"\A---\n(.*?\n)---\n", markdown, re.DOTALL)
    assert match, markdown[:200]
    return yaml.safe_load(match.group(1))


def body_of(markdown: str) -> str:
    return re.sub(r"\A---\n.*?\n---\n\n", "", markdown, flags=re.DOTALL)


def paragraphs(markdown: str) -> list[str]:
    return [p for p in body_of(markdown).split("\n\n") if not p.startswith("[^")]


def to_html(markdown: str) -> str:
    return pypandoc.convert_text(markdown, "html5", format="markdown")


def import_error(text: str, **options) -> str:
    with pytest.raises(ContentError) as caught:
        run(text, **options)
    return str(caught.value)


# --- front matter ----------------------------------------------------------------------------


def test_front_matter_carries_the_cover_page():
    text = article(BODY, NOTES)
    assert front_matter(run(text).markdown) == {
        "id": "example-1999",
        "title": "‘Sample’ or Fixture?",
        "subtitle": "The Meaning of Tests in Practice",
        "author": [
            {
                "name": "Ada Example",
                "sort_name": "Example, Ada",
                "affiliation": "University of Nowhere",
            }
        ],
        "source": {
            "type": "article-journal",
            "container-title": "Journal of Invented Studies",
            "volume": 3,
            "issue": 2,
            "issued": 1999,
            "URL": "https://example.org/item/q7x2",
        },
        "rights": (
            "Copyright 1999 by the author(s). All rights reserved unless otherwise indicated."
        ),
        "permissions": "Contact the author for permissions. Learn more at https://example.org/terms",
        "imported": {
            "from": "sample.txt",
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "joins": [],
        },
    }


def test_reading_id_can_be_given():
    front = front_matter(run(article(BODY, NOTES), reading_id="ada-on-samples").markdown)
    assert front["id"] == "ada-on-samples"


def test_the_source_is_a_csl_record_with_or_without_the_peer_reviewed_flag():
    # CSL has no peer-review field: the flag is read and left out, the record is the same.
    reviewed = front_matter(run(article(BODY, NOTES)).markdown)["source"]
    text = article(BODY, NOTES, top=cover(peer_reviewed=False) + HEAD)
    assert front_matter(run(text).markdown)["source"] == reviewed
    assert ReadingMeta.model_validate({"title": "T", "source": reviewed}).source == {
        **reviewed, "volume": "3", "issue": "2", "issued": {"date-parts": [[1999]]}}


def test_a_title_with_a_colon_splits_there_and_drops_the_colon():
    fields = {**FIELDS, "Title": "Samples: A Study of Fixtures"}
    head = "Samples: A Study of Fixtures\n\nAda Example\nUniversity of Nowhere\n"
    front = front_matter(run(article(BODY, NOTES, top=cover(fields) + head)).markdown)
    assert (front["title"], front["subtitle"]) == ("Samples", "A Study of Fixtures")


def test_a_title_without_a_separator_has_no_subtitle():
    fields = {**FIELDS, "Title": "On Sample Texts"}
    head = "On Sample Texts\n\nAda Example\nUniversity of Nowhere\n"
    front = front_matter(run(article(BODY, NOTES, top=cover(fields) + head)).markdown)
    assert front["title"] == "On Sample Texts"
    assert "subtitle" not in front
    assert front["author"][0]["affiliation"] == "University of Nowhere"


def test_a_journal_without_volume_and_issue_is_kept_whole():
    fields = {**FIELDS, "Journal": "Occasional Papers in Fixtures"}
    source = front_matter(run(article(BODY, NOTES, top=cover(fields) + HEAD)).markdown)["source"]
    assert source["container-title"] == "Occasional Papers in Fixtures"
    assert "volume" not in source and "issue" not in source


def test_a_copyright_line_without_reservation_is_all_rights():
    fields = {**FIELDS, "Copyright Information": "Licensed under CC BY 4.0. Share freely."}
    front = front_matter(run(article(BODY, NOTES, top=cover(fields) + HEAD)).markdown)
    assert front["rights"] == "Licensed under CC BY 4.0. Share freely."
    assert "permissions" not in front


def test_the_output_is_a_valid_reading(tmp_path: Path):
    reading_path = tmp_path / "sample.md"
    reading_path.write_text(run(article(BODY, NOTES)).markdown, encoding="utf-8")
    reading = load_reading(reading_path)
    assert reading.meta.id == "example-1999"
    assert reading.notes == tuple(range(1, 13))


# --- body and notes --------------------------------------------------------------------------


def test_the_whole_body_and_notes():
    result = run(article(BODY, NOTES))
    assert body_of(result.markdown) == EXPECTED_BODY
    assert result.notes == 12
    assert result.warnings == ()


def test_notes_are_called_exactly_where_the_superscripts_stood():
    markdown = run(article(BODY, NOTES)).markdown
    for call in ("1950.[^1] It", "long.[^2] Observers", "manners.”[^4]", "trade,[^6] the"):
        assert call in markdown
    # Two-digit markers are one call each, not two.
    assert "fifth,[^10] and about the sixth.[^11] Historians" in markdown
    assert not re.search("[⁰¹²³⁴⁵⁶⁷⁸⁹]", markdown)


def test_notes_keep_italics_and_lose_their_list_markers():
    markdown = run(article(BODY, NOTES)).markdown
    assert "\n[^5]: Example, *A Book of Treaties*, 20.\n" in markdown
    assert "- " not in markdown.split("[^1]:", 1)[1]
    html = to_html(markdown)
    assert "<em>A Book of Treaties</em>" in html
    assert "<em>Ibid.</em>" in html


def test_notes_in_one_block_without_blank_lines_stay_apart():
    markdown = run(article(BODY, NOTES)).markdown
    assert "\n[^3]: On the phrase" in markdown
    assert "\n[^4]: Printed in *The Morning Paper*, 2 May 1951.\n" in markdown


# --- paragraphs ------------------------------------------------------------------------------

LONG = (
    "The first treaty of the period was signed in the spring of 1950, after a winter of talks "
    "that neither side expected to end well, and it bound the two parties to consult each other"
)


def test_a_paragraph_ending_with_a_comma_joins_a_lowercase_continuation():
    text = article(f"{LONG},\n\nbut neither kept to it for long.¹", "¹ A note.")
    result = run(text)
    assert paragraphs(result.markdown) == [f"{LONG}, but neither kept to it for long.[^1]"]
    assert result.joined == (line_of(text, "but neither"),)


def test_a_paragraph_without_closing_punctuation_joins_a_lowercase_continuation():
    text = article(f"{LONG} in\n\nwriting before each session.¹", "¹ A note.")
    result = run(text)
    assert paragraphs(result.markdown) == [f"{LONG} in writing before each session.[^1]"]
    assert result.joined == (line_of(text, "writing before"),)


def test_a_capitalised_paragraph_after_a_comma_is_not_joined_but_warned_about():
    text = article(f"{LONG},\n\n{LONG}.¹", "¹ One.")
    result = run(text)
    assert len(paragraphs(result.markdown)) == 2
    assert result.joined == ()
    assert result.warnings == (
        f"line {line_of(text, LONG)}: paragraph ends without closing punctuation but the next "
        "does not start in lower case: check the page break",
    )


def test_a_paragraph_ending_with_a_full_stop_is_not_joined_to_a_lowercase_one():
    text = article(f"{LONG}.¹\n\nand so the second paragraph begins in lower case.²", "¹ A.\n² B.")
    assert len(paragraphs(run(text).markdown)) == 2


def test_a_comma_before_a_note_marker_still_joins_a_lowercase_continuation():
    text = article(f"{LONG},¹\n\nbut neither kept to it for long.²", "¹ One.\n² Two.")
    assert paragraphs(run(text).markdown) == [
        f"{LONG},[^1] but neither kept to it for long.[^2]"
    ]


def test_an_explicit_join_merges_a_complete_sentence_into_the_paragraph_before():
    text = article(f"{LONG}.¹\n\nA crisis was avoided because both sides kept their word.",
                   "¹ A note.")
    line = line_of(text, "A crisis was avoided")
    unjoined = run(text)
    assert len(paragraphs(unjoined.markdown)) == 2
    joined = run(text, joins=[line])
    assert paragraphs(joined.markdown) == [
        f"{LONG}.[^1] A crisis was avoided because both sides kept their word."
    ]
    assert joined.joined == (line,)
    assert joined.warnings == ()
    assert front_matter(joined.markdown)["imported"]["joins"] == [line]


def test_a_short_isolated_paragraph_is_warned_about():
    text = article(f"{LONG}.¹\n\nA crisis was avoided because both sides kept their word.",
                   "¹ A note.")
    line = line_of(text, "A crisis was avoided")
    assert run(text).warnings == (
        f"line {line}: a short paragraph with no note (A crisis was avoided because both sides "
        f"…): a page-break split, a pull quote or a heading? Pass --join {line} if it continues "
        "the paragraph before it",
    )


@pytest.mark.parametrize("lead_end", [",", ":"])
def test_a_quotation_introduced_by_a_comma_or_colon_is_a_block_quote(lead_end: str):
    text = article(f"{LONG}, as the minister put it{lead_end}\n\n“We keep our word.”¹", "¹ One.")
    markdown = run(text).markdown
    assert "\n\n> “We keep our word.”[^1]\n" in markdown
    assert "<blockquote>" in to_html(markdown)


def test_a_quotation_after_a_full_stop_is_an_ordinary_paragraph():
    text = article(f"{LONG}.¹\n\n“We keep our word.”²", "¹ One.\n² Two.")
    assert paragraphs(run(text).markdown)[-1] == "“We keep our word.”[^2]"


def test_a_quotation_after_a_comma_and_a_note_marker_is_a_block_quote():
    text = article(f"{LONG}, as the minister put it,¹\n\n“We keep our word.”²", "¹ One.\n² Two.")
    assert "\n\n> “We keep our word.”[^2]\n" in run(text).markdown


def test_an_opening_this_article_paragraph_is_the_abstract():
    text = article(f"This article reads a fixture. {LONG}.\n\n{LONG}.¹", "¹ A note.")
    assert body_of(run(text).markdown).startswith(
        f"::: abstract\nThis article reads a fixture. {LONG}.\n:::\n\n{LONG}.[^1]"
    )


def test_an_opening_paragraph_with_a_note_is_not_the_abstract():
    text = article(f"This article reads a fixture. {LONG}.¹\n\n{LONG}.²", "¹ One.\n² Two.")
    assert "::: abstract" not in run(text).markdown


def test_a_later_this_article_paragraph_is_not_the_abstract():
    text = article(f"{LONG}.¹\n\nThis article reads a fixture. {LONG}.", "¹ One.")
    assert "::: abstract" not in run(text).markdown


# --- Markdown escaping, checked with the real Pandoc ----------------------------------------


def escaped_html(paragraph: str) -> str:
    """The HTML Pandoc makes of a sample whose body is this one paragraph."""
    return to_html(run(article(paragraph)).markdown)


@pytest.mark.parametrize(
    ("paragraph", "literal"),
    [
        ("The file was marked [x]{.secret} and filed.", "[x]{.secret} and filed."),
        ("A link [text](http://example.org) in prose.", "[text](http://example.org)"),
        ("They typed <script>alert(1)</script> here.", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("# Not a heading but a number sign.", "<p># Not a heading"),
        ("An _underscored_ word and a snake_case_name.", "_underscored_ word"),
        ("1964. The year the dispute became public.", "<p>1964. The year"),
        ("- A dash at the start of a paragraph.", "<p>- A dash"),
        ("Between $x$ and $y$ each.", "$x$ and $y$"),
        ("As @someone wrote.", "@someone"),
        ("Written H~2~O and 2^10^ in the source.", "H~2~O and 2^10^"),
    ],
)
def test_markdown_syntax_in_the_prose_prints_literally(paragraph: str, literal: str):
    html = escaped_html(paragraph)
    assert literal in html
    for tag in ("<script", "<a ", "<span", "<h1", "<ol", "<ul", "<em", "<sub", "<sup", "<math"):
        assert tag not in html


def test_the_extractions_italics_are_kept():
    assert "<em>Hongqi</em>" in escaped_html("It appeared in *Hongqi* that spring.")


@pytest.mark.parametrize("paragraph", ["(1) The first point is trade.", "a) The first point."])
def test_a_paragraph_starting_like_a_fancy_list_item_stays_a_paragraph(paragraph: str):
    html = escaped_html(paragraph)
    assert "<ol" not in html
    assert paragraph.split()[0] in html


def test_an_html_entity_in_the_prose_prints_literally():
    assert "&amp;lt; and &amp;amp;" in escaped_html("The source wrote &lt; and &amp; there.")


# --- errors ----------------------------------------------------------------------------------


def test_a_note_call_without_a_note():
    text = article("One claim.¹ Another.² A third.³", "¹ One.\n² Two.")
    assert import_error(text) == (
        f"sample.txt:{line_of(text, 'One claim')}: note call 3 has no entry in the Notes list"
    )


def test_a_note_call_without_a_note_names_its_own_paragraph():
    text = article(f"{LONG}.¹\n\n{LONG}, again.²", "¹ One.")
    assert import_error(text) == (
        f"sample.txt:{line_of(text, 'again')}: note call 2 has no entry in the Notes list"
    )


def test_a_note_never_called():
    text = article("One claim.¹ Another.²", "¹ One.\n² Two.\n³ Three.")
    assert import_error(text) == (
        f"sample.txt:{line_of(text, '³ Three')}: note 3 is never called in the text"
    )


def test_notes_out_of_sequence():
    text = article("One claim.¹ Another.²", "¹ One.\n\n³ Three.")
    assert import_error(text) == (
        f"sample.txt:{line_of(text, '³ Three')}: note 3 out of sequence (expected 2)"
    )


def test_a_note_listed_twice():
    text = article("One claim.¹ Another.²", "¹ One.\n² Two.\n- ² Two again.")
    assert import_error(text) == (
        f"sample.txt:{line_of(text, 'Two again')}: note 2 is listed twice"
    )


def test_note_calls_out_of_sequence():
    text = article("One claim.¹ Another.³ A third.²", "¹ One.\n² Two.\n³ Three.")
    assert import_error(text) == (
        f"sample.txt:{line_of(text, 'One claim')}: note call 3 out of sequence (expected 2)"
    )


def test_text_before_the_first_note():
    text = article("One claim.¹", "Stray words.\n¹ One.")
    assert import_error(text) == (
        f"sample.txt:{line_of(text, 'Stray')}: text in the Notes list before the first note number"
    )


def test_a_missing_title_header():
    fields = {k: v for k, v in FIELDS.items() if k != "Title"}
    text = article(BODY, NOTES, top=cover(fields) + HEAD)
    assert import_error(text) == "sample.txt:1: no 'Title' line in the header block"


@pytest.mark.parametrize("text", ["", "\n \n\t\n"])
def test_an_empty_file(text: str):
    assert import_error(text) == "sample.txt:1: the file is empty"


def test_a_cover_page_without_an_article():
    text = cover() + HEAD
    assert import_error(text) == (
        f"sample.txt:{line_of(text, 'Ada Example')}: no article text after the header"
    )


def test_a_publication_date_that_is_not_a_year_names_its_line():
    text = article(BODY, NOTES, top=cover({**FIELDS, "Publication Date": "Spring 1999"}) + HEAD)
    assert import_error(text) == (
        f"sample.txt:{line_of(text, 'Spring 1999')}: publication date 'Spring 1999' is not a year"
    )


# --- the edition's own article ---------------------------------------------------------------


def test_the_seed_imports_to_the_committed_reading_byte_for_byte():
    text = SEED.read_text(encoding="utf-8")
    result = import_text(text, SEED, joins=[60])
    committed = (CONTENT / "readings" / "blank-2014.md").read_bytes()
    assert result.markdown.encode("utf-8") == committed
    assert result.notes == 29
    assert result.warnings == ()
