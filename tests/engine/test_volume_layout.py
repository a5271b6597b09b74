"""The reading as the unit of layout: the pieces give the pages of a volume laid out at once,
an edit re-lays only what it moves, and incremental outputs are those of a clean build."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES, ROOT, TEMPLATES
from pressroom.engine.build import build
from pressroom.engine.layout import lay_out, print_body
from pressroom.engine.local import LocalExecutor
from pressroom.engine.prepare import prepare
from pressroom.engine.settings import Settings
from pressroom.papers import VARIANTS

pytestmark = pytest.mark.slow


def _reader(tmp_path: Path, name: str = "reader") -> Settings:
    folder = tmp_path / name
    shutil.copytree(FIXTURES / "reader", folder)
    return Settings(ROOT, folder / "reader.yaml", TEMPLATES, tmp_path / "build")


def _digests(settings: Settings) -> dict[str, str]:
    out = settings.out_dir
    manifest = json.loads((out / "manifest.json").read_text())
    return {e["path"]: hashlib.sha256((out / e["path"]).read_bytes()).hexdigest()
            for e in manifest["outputs"]}


def _edit(settings: Settings, reading: str, old: str, new: str) -> None:
    path = settings.content_dir / "readings" / f"{reading}.md"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _clean_twin(settings: Settings, tmp_path: Path, name: str) -> Settings:
    """The same sources built from nothing, in a project folder of its own."""
    twin = tmp_path / name
    shutil.copytree(settings.content_dir, twin / "reader")
    return Settings(ROOT, twin / "reader" / "reader.yaml", TEMPLATES, twin / "build")


def test_the_pieces_give_every_anchor_the_page_a_whole_volume_layout_gives_it(tmp_path):
    settings = _reader(tmp_path)
    prepared = prepare(settings)
    body = print_body(settings, prepared)
    with LocalExecutor(settings.limits) as executor:
        pieces = lay_out(settings, prepared, body, VARIANTS, executor)
        whole = lay_out(settings, prepared, body, VARIANTS, executor, whole=True)
    for variant in VARIANTS:
        joined, one = pieces[variant][1], whole[variant][1]
        assert one.pieces == 1 and joined.pieces > 5, variant.name
        assert joined.pages == one.pages, variant.name
        assert joined.anchor_pages == one.anchor_pages, variant.name
        assert joined.page_map.placed() == one.page_map.placed(), variant.name
        assert {t: sorted(n) for t, n in joined.printed_pages.items()} == {
            t: sorted(n) for t, n in one.printed_pages.items()}, variant.name


def test_a_one_word_edit_re_lays_only_its_reading_and_gives_a_clean_builds_bytes(tmp_path):
    settings = _reader(tmp_path)
    build(settings)
    _edit(settings, "beta", "bind the parties that sign them", "bind the parties that seal them")
    outputs = build(settings)
    pdfs = [o for o in outputs if o.format == "pdf"]
    assert len(pdfs) == len(VARIANTS)
    for output in pdfs:
        assert output.rebuilt
        assert output.reason.startswith("its inputs changed; laid out 1 of "), output.reason
        assert output.reason.endswith("pieces: beta"), output.reason
    clean = _clean_twin(settings, tmp_path, "clean")
    build(clean)
    assert _digests(settings) == _digests(clean)


def test_a_reading_that_grows_and_shrinks_moves_the_rest_and_stays_a_clean_build(tmp_path):
    settings = _reader(tmp_path)
    build(settings)
    longer = "Treaties in theory bind the parties that sign them." + (
        " Alpha beta gamma delta epsilon, the parties go on at length." * 120)
    steps = [("beta", "Treaties in theory bind the parties that sign them.", longer),
             ("alpha", "Alpha", "Alphas"),
             ("beta", longer, "Treaties in theory bind the parties that sign them.")]
    for number, (reading, old, new) in enumerate(steps):
        _edit(settings, reading, old, new)
        outputs = {o.path.name: o for o in build(settings)}
        clean = _clean_twin(settings, tmp_path, f"clean-{number}")
        build(clean)
        assert _digests(settings) == _digests(clean), f"after edit {number}"
        if number == 0:
            a4 = outputs["fixture-reader-a4.pdf"]
            # It grew by pages: the pieces after it moved, the ones before did not.
            assert "beta" in a4.reason and "plain" in a4.reason and "alpha" not in a4.reason


def test_building_a_then_b_then_a_leaves_a_as_it_was(tmp_path):
    first = _reader(tmp_path, "a")
    other = Settings(ROOT, FIXTURES / "minimal", TEMPLATES, first.build_dir)
    build(first)
    before = _digests(first)
    build(other)
    again = build(first)
    assert again and all(o.reason == "up to date" and not o.rebuilt for o in again)
    assert _digests(first) == before
    assert first.out_dir != other.out_dir
    assert (first.out_dir / "edition.md").read_text() != (other.out_dir / "edition.md").read_text()
