"""What the building process reads from a variant's stylesheets is kept in the cache."""

from __future__ import annotations

from helpers import MINIMAL, ROOT, TEMPLATES
from pressroom.engine import layout
from pressroom.engine.settings import Settings
from pressroom.printing import pagehints, pieces

CSS = """
section.reading { break-before: right }
section.part { break-before: recto }
section.note { break-before: page }
a.ref::after { content: " (p. " target-counter(attr(href url), page) ")" }
"""


def _settings(tmp_path) -> Settings:
    return Settings(ROOT, MINIMAL / "edition.yaml", TEMPLATES, tmp_path / "build")


def test_what_is_read_from_the_stylesheets_is_what_parsing_them_gives(tmp_path):
    settings = _settings(tmp_path)
    for _ in range(2):  # made, then taken from the cache
        assert layout.literal_rules(settings, CSS) == pagehints.literal_rules(CSS)
        assert layout.recto_classes(settings, CSS) == pieces.recto_classes(CSS) \
            == {"reading", "part"}
    assert len(list((settings.cache.root / "stylesheets").glob("*.json"))) == 2


def test_the_cache_is_read_by_the_stylesheets_text(tmp_path):
    settings = _settings(tmp_path)
    layout.recto_classes(settings, CSS)
    (entry,) = (settings.cache.root / "stylesheets").glob("*.json")
    settings.cache.put_json("stylesheets", entry.name.removesuffix(".json"), ["kept"])
    assert layout.recto_classes(settings, CSS) == {"kept"}
    # Other stylesheets are another entry, made from their own text.
    other = CSS.replace("break-before: recto", "break-before: avoid")
    assert layout.recto_classes(settings, other) == {"reading"}
