"""inv check on real outputs: everything passes on a good build and a broken output fails."""

from __future__ import annotations

import json
import shutil
import zipfile

import pytest

from conftest import Built
from pressroom.checks.outputs import check_outputs, run_accessibility_check
from pressroom.engine.settings import Settings

#: Builds whole editions (or readers): the full suite runs it, the fast tier does not.
pytestmark = pytest.mark.slow


def test_every_check_passes_on_the_fixture_build(minimal_build: Built):
    results = check_outputs(minimal_build.settings)
    names = {r.name.split()[0] for r in results}
    assert {"epubcheck", "ace", "pdf", "qpdf", "epub"} <= names
    failed = [r for r in results if not r.ok]
    assert failed == []


def test_a_broken_epub_and_a_wrong_page_count_fail(minimal_build: Built, tmp_path):
    build_dir = tmp_path / "build"
    shutil.copytree(minimal_build.settings.build_dir, build_dir)
    settings = Settings(minimal_build.settings.project_root, minimal_build.settings.edition,
                        minimal_build.settings.templates_dir, build_dir)
    out_dir = settings.out_dir
    epub = next(out_dir.glob("*.epub"))
    with zipfile.ZipFile(epub) as zf:
        contents = {n: zf.read(n) for n in zf.namelist()}
    chapter = next(n for n in contents if n.endswith("ch001.xhtml"))
    contents[chapter] = contents[chapter].replace(b'id="sample-1999-note-2"', b'id="gone"')
    with zipfile.ZipFile(epub, "w") as zf:
        for name, data in contents.items():
            zf.writestr(name, data)
    manifest = json.loads((out_dir / "manifest.json").read_text())
    for entry in manifest["outputs"]:
        if entry["path"].endswith("-letter.pdf"):
            entry["pages"] += 1
    (out_dir / "manifest.json").write_text(json.dumps(manifest))
    failed = {r.name: r.detail for r in check_outputs(settings) if not r.ok}
    assert any("sample-1999-note-2 does not resolve" in d for d in failed.values()), failed
    assert any("manifest says" in d for d in failed.values()), failed


def test_the_edition_passes_ace(edition_build: Built):
    result = run_accessibility_check(edition_build.one("epub"), edition_build.settings)
    assert result.ok, result.detail
