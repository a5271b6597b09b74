"""DAISY Ace on the minimal fixture's EPUB, with the real Ace and Chromium where installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Built
from helpers import ROOT
from pressroom.checks.ace import IMPACTS, ace_available, run_ace
from pressroom.errors import CheckError, LimitError

#: Builds whole editions (or readers): the full suite runs it, the fast tier does not.
pytestmark = pytest.mark.slow

UNAVAILABLE = ace_available(ROOT)


@pytest.fixture
def ace_installed() -> None:
    # The set-up installs Ace; a test that cannot run it fails rather than passing unseen.
    if UNAVAILABLE is not None:
        pytest.fail(f"DAISY Ace cannot run here: {UNAVAILABLE}")


needs_ace = pytest.mark.usefixtures("ace_installed")

# Ace sorts each of these into missing, empty or present, whatever the EPUB declares.
KEY_METADATA = {"schema:accessMode", "schema:accessibilityFeature",
                "schema:accessibilityHazard", "schema:accessibilitySummary"}


@needs_ace
def test_run_ace_parses_the_report(minimal_build: Built):
    epub = minimal_build.one("epub")
    build_dir = minimal_build.settings.build_dir
    report = run_ace(epub, ROOT, build_dir)

    assert report.epub == epub
    assert report.ace_version
    assert report.outcome in {"pass", "fail"}
    assert list(report.counts) == list(IMPACTS)
    assert sum(report.counts.values()) == len(report.violations)
    assert (report.outcome == "pass") == (not report.violations)
    for violation in report.violations:
        assert violation.impact in IMPACTS
        assert violation.rule and violation.description
        assert violation.location.startswith(violation.file)
        assert "\n" not in str(violation)
    states = (report.missing_metadata, report.empty_metadata, report.present_metadata)
    found = [name for state in states for name in state]
    assert len(found) == len(set(found))
    assert set(found) >= KEY_METADATA
    assert "\n" not in report.summary()
    assert not list(build_dir.glob(".ace-*")), "the temporary folder was left behind"


@needs_ace
def test_run_ace_on_a_broken_epub_raises_one_line(tmp_path: Path):
    epub = tmp_path / "broken.epub"
    epub.write_bytes(b"not a zip archive")
    with pytest.raises(CheckError) as info:
        run_ace(epub, ROOT, tmp_path / "build")
    message = str(info.value)
    assert message.startswith(f"{epub}: DAISY Ace failed (exit 1): ")
    assert "\n" not in message
    assert not list((tmp_path / "build").glob(".ace-*"))


@needs_ace
def test_run_ace_timeout_raises_one_line(minimal_build: Built, tmp_path: Path):
    epub = minimal_build.one("epub")
    with pytest.raises(LimitError, match=r"DAISY Ace stopped after 0\.001 s \(limit ace_seconds;"):
        run_ace(epub, ROOT, tmp_path / "build", timeout=0.001)
    assert not list((tmp_path / "build").glob(".ace-*"))


def test_ace_available_reports_a_missing_install(tmp_path: Path):
    reason = ace_available(tmp_path)
    assert reason is not None
    assert reason.startswith("DAISY Ace is not installed in .tools/ace")
    assert "\n" not in reason
    with pytest.raises(CheckError, match="DAISY Ace is not installed"):
        run_ace(tmp_path / "x.epub", tmp_path, tmp_path / "build")
