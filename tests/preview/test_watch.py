"""Watch mode and its preview page, in a real browser (headless Debian chromium)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from helpers import MINIMAL, ROOT, TEMPLATES, pdftotext
from pressroom.engine.settings import Settings
from pressroom.preview.server import serve
from pressroom.preview.watch import Status, watch

CHROMIUM = ("chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run")


def _dom(url: str) -> str:
    """The preview page as the browser has it after its script has run a while."""
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([*CHROMIUM, f"--user-data-dir={profile}",
                               "--virtual-time-budget=4000", "--dump-dom", url],
                              capture_output=True, text=True, timeout=120, check=True).stdout


def _status(url: str) -> dict:
    # Our own server on loopback.
    with urllib.request.urlopen(f"{url}status", timeout=10) as response:  # noqa: S310
        return json.load(response)


def _wait(url: str, predicate, seconds: float = 180) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = _status(url)
        if predicate(status):
            return status
        time.sleep(0.2)
    raise AssertionError(f"the watcher did not get there: {status}")


@pytest.mark.slow
def test_the_preview_follows_edits_and_shows_errors_as_one_line(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(MINIMAL, content)
    settings = Settings(ROOT, content, TEMPLATES, tmp_path / "build")
    status = Status()
    server = serve(status)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    stop = threading.Event()
    messages: list[str] = []
    thread = threading.Thread(target=watch, args=(settings, status, messages.append, stop),
                              kwargs={"paths": [content]}, daemon=True)
    thread.start()
    try:
        first = _wait(url, lambda s: s["generation"] >= 1 and not s["building"])
        assert first["ok"], first
        dom = _dom(url)
        assert f'data-generation="{first["generation"]}"' in dom
        assert "/preview.pdf?g=" in dom

        reading = next((content / "readings").glob("*.md"))
        reading.write_text(reading.read_text().replace("fixture", "watchword", 1))
        second = _wait(url, lambda s: s["generation"] > first["generation"]
                       and not s["building"])
        assert second["ok"], second
        pdf_url = f"{url}preview.pdf"
        with urllib.request.urlopen(pdf_url, timeout=10) as response:  # noqa: S310
            pdf = tmp_path / "preview.pdf"
            pdf.write_bytes(response.read())
        assert "watchword" in pdftotext(pdf)
        assert f'data-generation="{second["generation"]}"' in _dom(url)

        chronology = content / "timeline" / "chronology.yaml"
        chronology.write_text(chronology.read_text().replace("notes: [1]", "notes: [31]"))
        third = _wait(url, lambda s: s["generation"] > second["generation"]
                      and not s["building"])
        assert not third["ok"]
        assert third["error"].startswith(f"error: {chronology}:")
        assert "\n" not in third["error"]
        dom = _dom(url)
        assert 'class="error"' in dom and "unknown note 31" in dom
        assert thread.is_alive()  # the watcher goes on after an error
    finally:
        stop.set()
        thread.join(timeout=30)
        server.shutdown()
        server.server_close()
    assert Path(settings.out_dir / "manifest.json").exists()


def test_an_edit_to_one_reading_previews_that_reading_alone_with_its_volume_pages(tmp_path):
    from helpers import READER
    from pressroom.engine.build import build
    from pressroom.preview.watch import preview_reading

    content = tmp_path / "reader"
    shutil.copytree(READER.parent, content)
    settings = Settings(ROOT, content / READER.name, TEMPLATES, tmp_path / "build")
    build(settings, formats=("pdf",), papers=("a4",), kinds=("reading",))
    page_map = json.loads(next(settings.out_dir.glob("*-a4.pagemap.json")).read_text())
    first = page_map["anchors"]["beta"]
    beta = content / "readings" / "beta.md"
    beta.write_text(beta.read_text().replace("bind the parties", "bind thee parties", 1))
    pdf = preview_reading(settings, [beta])
    assert pdf is not None and pdf.parent.name == ".preview"
    text = pdftotext(pdf)
    assert "bind thee parties" in " ".join(text.split())
    assert "Readings in Fixtures" in text  # the "From:" line names the reader
    assert "The First Alliance" not in text and "Treaties in Theory" in text
    # The first page carries the number it has in the volume.
    assert pdftotext(pdf, 1, 1).split()[-1] == str(first)
    # A change to two files, or to something that is no reading, is the whole A4 edition's.
    assert preview_reading(settings, [beta, content / "reader.yaml"]) is None
    assert preview_reading(settings, [content / "reader.yaml"]) is None
