"""Faults rather than mistakes: a damaged cache, a stage that fails late, a PDF or YAML built
to break the tools, a full or read-only disk, a build stopped from outside. Each leaves the
outputs as they were, or gives the bytes a clean build gives, and says so in one line."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from helpers import ROOT, TEMPLATES, copy_fixture
from pressroom.engine.build import build
from pressroom.engine.settings import Settings
from pressroom.errors import TemplateError


def _outputs(build_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in build_dir.iterdir()
            if p.is_file() and not p.name.startswith(".")}


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
    path.write_bytes(bytes(data))


# -- 3. a damaged cache entry is a miss, not an output --------------------------------------

@pytest.mark.slow
def test_a_damaged_cache_entry_is_made_again_not_served(tmp_path, caplog):
    content = copy_fixture(tmp_path)
    settings = Settings(ROOT, content / "edition.yaml", TEMPLATES, tmp_path / "build")
    build(settings)
    damaged = sorted((settings.build_dir / ".cache" / "layout").glob("*.pdf"))
    assert damaged
    for path in damaged:
        _flip(path)
    reading = content / "readings" / "sample.md"
    # An edit that makes the build run but changes no layout: the damaged entries are asked for.
    reading.write_text(reading.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="pressroom"):
        build(settings)
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "damaged cache entry" in warned
    assert any(str(path) in warned for path in damaged)
    clean = Settings(ROOT, content / "edition.yaml", TEMPLATES, tmp_path / "clean")
    build(clean)
    assert _outputs(settings.build_dir) == _outputs(clean.build_dir)


# -- 4. a failure after assembling leaves the assembled documents as they were -------------

PREPARED = ("edition.md", "edition.json", "edition-meta.yaml")


def test_a_late_failure_leaves_the_assembled_documents_as_they_were(minimal_build, tmp_path):
    build_dir = tmp_path / "build"
    shutil.copytree(minimal_build.settings.build_dir, build_dir)
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    # The reading's opener changes (so would edition.md), and the EPUB, a late stage, fails.
    opener = templates / "reading.md.j2"
    opener.write_text(opener.read_text().replace("::: byline", "::: byline\nNew.\n"))
    (templates / "epub.css").unlink()
    before = {name: (build_dir / name).read_bytes() for name in PREPARED}
    with pytest.raises(TemplateError, match=r"epub\.css"):
        build(Settings(ROOT, minimal_build.settings.edition, templates, build_dir))
    assert {name: (build_dir / name).read_bytes() for name in PREPARED} == before
    # The writers read the new documents from the scratch folder, not from build/.
    assert "New." in (build_dir / ".cache" / "prepared" / "edition.md").read_text()
