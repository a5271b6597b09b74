"""Jinja writes Markdown: data prints literally unless marked trusted, and mistakes name their line.

The escaping is checked the only way that matters: the real Pandoc turns the rendered Markdown
into HTML, and the HTML must show the characters the YAML held.
"""

from __future__ import annotations

from pathlib import Path

import pypandoc
import pytest
import yaml
from markupsafe import Markup

from pressroom.errors import TemplateError
from pressroom.templating import (
    escape_markdown,
    make_environment,
    render_template,
    trusted_markdown,
)

# Data values as they come out of a timeline file.
VALUES = yaml.safe_load(
    r"""
emphasis: An *emphatic* claim and **strong** words
underscores: an _underlined_ word and a snake_case_name
link: "[the minutes](https://example.org/minutes)"
image: "![a seal](seal.png)"
autolink: <https://example.org/>
heading: "# Not a heading"
script: <script>alert(1)</script>
entity: "&lt;b&gt; and &amp;"
code: "`rm -rf`"
math: between $x$ and $y$
citation: as @smith argued
sub_super: H~2~O and 2^10^
span: "[inside]{.evil}"
numbered: "1964. The year"
backslash: '\*not emphasis\*'
paragraphs: "First line\n\n# second paragraph"
"""
)

LITERAL = {
    "emphasis": "An *emphatic* claim and **strong** words",
    "underscores": "an _underlined_ word and a snake_case_name",
    "link": "[the minutes](https://example.org/minutes)",
    "image": "![a seal](seal.png)",
    "autolink": "&lt;https://example.org/&gt;",
    "heading": "# Not a heading",
    "script": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "entity": "&amp;lt;b&amp;gt; and &amp;amp;",
    "code": "`rm -rf`",
    "math": "between $x$ and $y$",
    "citation": "as @smith argued",
    "sub_super": "H~2~O and 2^10^",
    "span": "[inside]{.evil}",
    "numbered": "1964. The year",
    "backslash": "\\*not emphasis\\*",
    "paragraphs": "First line # second paragraph",
}

# What Markdown would make of the values if they were not escaped.
MARKUP = ("<script", "<a ", "<img", "<em", "<strong", "<code", "<span", "<sub", "<sup", "<math",
          "<h1", "<h2", "<ol", "<ul", "<hr", "<b>")


def templates_with(tmp_path: Path, **sources: str) -> Path:
    """A templates folder holding the given templates (name -> source)."""
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    for name, source in sources.items():
        (folder / name).write_text(source, encoding="utf-8")
    return folder


def render(tmp_path: Path, source: str, **context: object) -> str:
    folder = templates_with(tmp_path, **{"t.md.j2": source})
    return render_template(make_environment(folder), "t.md.j2", context, folder)


def to_html(markdown: str) -> str:
    return pypandoc.convert_text(markdown, "html5", format="markdown")


def template_error(folder: Path, name: str, **context: object) -> str:
    with pytest.raises(TemplateError) as caught:
        render_template(make_environment(folder), name, context, folder)
    return str(caught.value)


# --- data values print literally -------------------------------------------------------------


# A heading or a list marker means something only at the start of a line.
LINE_START_ONLY = {"heading", "numbered"}
CASES = [
    (source, key)
    for source in ("Before {{ value }} after.\n", "{{ value }}\n", "{{ value | md }}\n")
    for key in sorted(VALUES)
    if source.startswith("{{") or key not in LINE_START_ONLY
]


@pytest.mark.parametrize(("source", "key"), CASES)
def test_a_data_value_prints_literally(tmp_path: Path, source: str, key: str):
    html = to_html(render(tmp_path, source, value=VALUES[key]))
    assert LITERAL[key] in html
    for tag in MARKUP:
        assert tag not in html, tag


def test_a_value_cannot_add_attributes_to_a_heading(tmp_path: Path):
    html = to_html(render(tmp_path, "# {{ title }}\n", title="Title {#fake .evil}"))
    assert "Title {#fake .evil}</h1>" in html
    assert 'id="fake"' not in html and 'class="evil"' not in html


def test_a_value_cannot_break_out_of_a_span(tmp_path: Path):
    html = to_html(render(tmp_path, "[{{ title }}]{.title}\n", title="x]{.evil} [y"))
    assert '<span class="title">x]{.evil} [y</span>' in html


def test_a_list_of_values_is_joined_with_each_escaped(tmp_path: Path):
    markdown = render(tmp_path, "People: {{ people | join_md }}.\n", people=["*A*", "B_c", "<d>"])
    assert markdown == "People: \\*A\\*, B\\_c, \\<d\\>.\n"


def test_an_attribute_value_cannot_close_its_quotes(tmp_path: Path):
    markdown = render(tmp_path, '# T { #t data-short="{{ v | attr }}" }\n', v='A "quoted" {x}\\')
    assert 'data-short="A quoted x"' in to_html(markdown)


# --- trusted Markdown ------------------------------------------------------------------------


def test_trusted_markdown_keeps_emphasis_and_links(tmp_path: Path):
    annotation = "The *treaty* and [its text](https://example.org/treaty)."
    html = to_html(render(tmp_path, "{{ note | markdown }}\n", note=annotation))
    assert "<em>treaty</em>" in html
    assert '<a href="https://example.org/treaty">its' in html


def test_trusted_markdown_still_prints_raw_html_literally(tmp_path: Path):
    annotation = "A *real* point. <script>alert(1)</script> <b>bold</b> &lt;tag&gt;"
    html = to_html(render(tmp_path, "{{ note | markdown }}\n", note=annotation))
    assert "<em>real</em>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "&amp;lt;tag&amp;gt;" in html
    assert "<script" not in html and "<b>" not in html


def test_markup_passes_both_filters_unchanged():
    marked = Markup("*already* Markdown")
    assert escape_markdown(marked) is marked
    assert trusted_markdown(marked) is marked


def test_escape_markdown_folds_whitespace_to_one_line():
    assert escape_markdown("one\n\n  two\tthree") == "one two three"
    assert escape_markdown(", ") == ", "  # a separator keeps its space


@pytest.mark.parametrize("value", ["- a dash first", "(1) first", "a) first", "---"])
def test_a_value_at_the_start_of_a_line_is_not_a_list_or_rule(tmp_path: Path, value: str):
    html = to_html(render(tmp_path, "{{ value }}\n", value=value))
    assert not any(tag in html for tag in ("<ol", "<ul", "<hr"))


# --- the environment -------------------------------------------------------------------------


def test_the_environment_keeps_the_trailing_newline(tmp_path: Path):
    assert render(tmp_path, "{{ a }}\n\n", a="x") == "x\n\n"


def test_an_undefined_variable_names_its_template_and_line(tmp_path: Path):
    folder = templates_with(tmp_path, **{"bad.md.j2": "# Title\n\n{{ nope }}\n"})
    assert template_error(folder, "bad.md.j2") == f"{folder}/bad.md.j2:3: 'nope' is undefined"


def test_an_undefined_variable_in_an_included_template_names_that_template(tmp_path: Path):
    folder = templates_with(
        tmp_path,
        **{"outer.md.j2": "Outer\n{% include 'bad.md.j2' %}\n", "bad.md.j2": "a\nb\n{{ nope }}\n"},
    )
    assert template_error(folder, "outer.md.j2") == f"{folder}/bad.md.j2:3: 'nope' is undefined"


def test_a_misspelt_field_names_its_line(tmp_path: Path):
    folder = templates_with(tmp_path, **{"field.md.j2": "x\n{{ event.titel }}\n"})
    assert template_error(folder, "field.md.j2", event={"title": "T"}) == (
        f"{folder}/field.md.j2:2: 'dict object' has no attribute 'titel'"
    )


def test_a_template_syntax_error_names_its_file_and_line(tmp_path: Path):
    folder = templates_with(tmp_path, **{"syntax.md.j2": "# Title\n\n{{ value }\n"})
    assert template_error(folder, "syntax.md.j2", value=1) == (
        f"{folder}/syntax.md.j2:3: template syntax: unexpected '}}'"
    )


def test_a_syntax_error_in_an_included_template_names_that_template(tmp_path: Path):
    folder = templates_with(
        tmp_path,
        **{"outer.md.j2": "{% include 'inner.md.j2' %}\n", "inner.md.j2": "a\n{% for x in y %}\n"},
    )
    message = template_error(folder, "outer.md.j2", y=[])
    assert message.startswith(f"{folder}/inner.md.j2:2: template syntax: Unexpected end of ")


def test_a_missing_template(tmp_path: Path):
    folder = templates_with(tmp_path)
    assert template_error(folder, "gone.md.j2") == f"{folder}: template not found: gone.md.j2"
