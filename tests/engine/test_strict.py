"""--strict: every warning pressroom gives fails the build, and loses no output."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil

import pytest

from helpers import MINIMAL, ROOT, TEMPLATES
from pressroom.engine.build import build
from pressroom.engine.settings import Settings
from pressroom.engine.strict import counting
from pressroom.errors import StrictError


def _digests(folder):
    """The manifest and every output it lists."""
    listed = [e["path"] for e in json.loads((folder / "manifest.json").read_text())["outputs"]]
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
            for name in ["manifest.json", *listed]}


def _project(tmp_path, strict: bool) -> Settings:
    return Settings(ROOT, tmp_path / "content", tmp_path / "templates", tmp_path / "build",
                    strict=strict)


@pytest.fixture
def project(tmp_path):
    shutil.copytree(MINIMAL, tmp_path / "content")
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    return tmp_path


def test_a_strict_build_with_a_warning_fails_naming_the_first_and_keeps_the_outputs(project):
    build(_project(project, strict=False), formats=("pdf",), papers=("a4",),
          kinds=("reading",))
    out_dir = _project(project, strict=False).out_dir
    before = _digests(out_dir)
    reading = next((project / "content" / "readings").glob("*.md"))
    text = reading.read_text()
    reading.write_text(_without_rights(text))
    with pytest.raises(StrictError, match=r"^strict mode: the build gave (a warning|\d+ "
                                          r"warnings); the first: .*\.md:2: rights: no "
                                          r"rights statement"):
        build(_project(project, strict=True), formats=("pdf",), papers=("a4",),
              kinds=("reading",))
    assert _digests(out_dir) == before


def test_a_weasyprint_warning_fails_a_strict_build(project):
    sheet = project / "templates" / "print.css"
    sheet.write_text(sheet.read_text() + "\np { colour: red }\n")
    with pytest.raises(StrictError,
                       match=r"the first: WeasyPrint: Ignored `colour: red ?` .*unknown property"):
        build(_project(project, strict=True), formats=("pdf",), papers=("a4",),
              kinds=("reading",))
    # Without --strict it is a warning, and the build goes on.
    outputs = build(_project(project, strict=False), formats=("pdf",), papers=("a4",),
                    kinds=("reading",))
    assert any(o.format == "pdf" for o in outputs)


def test_the_counter_sees_warnings_from_every_module_of_the_package():
    with counting() as counter:
        logging.getLogger("pressroom.engine.layout").warning("one")
        logging.getLogger("pressroom.sources.load").warning("two")
        logging.getLogger("weasyprint").warning("not ours")
        logging.getLogger("pressroom.anything").info("not a warning")
    assert (counter.count, counter.first) == (2, "one")


def _without_rights(text: str) -> str:
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("rights:")]
    return "".join(lines)
