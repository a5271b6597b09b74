"""The assembled Markdown of the minimal fixture edition, compared with a reviewed golden file.

After an intended change to the templates or the assembler, run `inv golden` (pytest
--update-golden) and review the diff of tests/golden/minimal.md before committing it.
"""

from __future__ import annotations

import re

from helpers import MINIMAL, ROOT, TEMPLATES
from pressroom.assemble.chunks import assemble_markdown
from pressroom.sources.load import load_edition

GOLDEN = ROOT / "tests" / "golden" / "minimal.md"


def render_minimal() -> str:
    """The assembled Markdown, with the figure's data URI shortened (tests/assemble/test_figure.py
    checks the figure itself)."""
    text = assemble_markdown(load_edition(MINIMAL), TEMPLATES)
    return re.sub(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", "data:image/svg+xml;base64,…",
                  text)


def test_minimal_edition_assembles_to_the_golden_file(request):
    if request.config.getoption("--update-golden"):
        GOLDEN.write_text(render_minimal(), encoding="utf-8")
    assert render_minimal() == GOLDEN.read_text(encoding="utf-8")
