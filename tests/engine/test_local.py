"""The build engine: cache keys, incremental builds, bounded layouts, builds that lose nothing."""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from helpers import FIXTURES, MINIMAL, ROOT, TEMPLATES, system_font_caches
from pressroom.engine import jobs, state
from pressroom.engine.build import build
from pressroom.engine.executor import WorkerError
from pressroom.engine.jobs import LayoutJob
from pressroom.engine.local import NICE, LocalExecutor
from pressroom.engine.settings import Settings
from pressroom.engine.state import STATE
from pressroom.errors import ConfigError, LimitError
from pressroom.faces import font_face_css
from pressroom.tools.run import Limits


def _project(tmp_path: Path) -> Settings:
    content = tmp_path / "content"
    shutil.copytree(MINIMAL, content)
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    return Settings(ROOT, content, templates, tmp_path / "build")


def _digests(out_dir: Path) -> dict[str, str]:
    """Every output the manifest in a collection's folder lists, by its sha256."""
    manifest = json.loads((out_dir / "manifest.json").read_text())
    return {e["path"]: hashlib.sha256((out_dir / e["path"]).read_bytes()).hexdigest()
            for e in manifest["outputs"]}


def _outputs(out_dir: Path) -> dict[str, bytes]:
    """The manifest in a collection's folder and every output it lists, as bytes."""
    manifest = (out_dir / "manifest.json").read_bytes()
    return {"manifest.json": manifest, **{
        e["path"]: (out_dir / e["path"]).read_bytes()
        for e in json.loads(manifest)["outputs"]}}


#: Why a PDF every piece of which was laid out again was rebuilt.
ALL_PIECES = re.compile(r"its inputs changed; laid out all \d+ pieces")


def test_a_second_build_is_up_to_date_and_touches_nothing(tmp_path):
    settings = _project(tmp_path)
    build(settings)
    stamps = {p: p.stat().st_mtime_ns for p in settings.out_dir.iterdir() if p.is_file()}
    assert settings.out_dir / "manifest.json" in stamps
    again = build(settings)
    assert again and all(o.reason == "up to date" and not o.rebuilt for o in again)
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps


@pytest.mark.slow
def test_editing_one_stylesheet_rebuilds_exactly_the_outputs_that_use_it(tmp_path):
    settings = _project(tmp_path)
    first = {o.path.name: o for o in build(settings)}
    sheet = settings.templates_dir / "page-a5.css"
    sheet.write_text(sheet.read_text() + "\nhtml { word-spacing: 0.01em; }\n")
    second = {o.path.name: o for o in build(settings)}
    rebuilt = {name for name, o in second.items() if o.format in ("pdf", "epub") and o.rebuilt}
    assert rebuilt == {next(n for n in first if n.endswith("-booklet-a4.pdf"))}
    assert ALL_PIECES.fullmatch(
        second[next(n for n in first if n.endswith("-booklet-a4.pdf"))].reason)


@pytest.mark.slow
def test_an_incremental_build_gives_the_bytes_of_a_clean_build(tmp_path):
    settings = _project(tmp_path / "incremental")
    build(settings)
    reading = next((settings.content_dir / "readings").glob("*.md"))
    reading.write_text(reading.read_text().replace("fixture", "fixtures", 1))
    build(settings)
    sheet = settings.templates_dir / "epub.css"
    sheet.write_text(sheet.read_text() + "\np { orphans: 2 }\n")
    build(settings)
    clean = Settings(ROOT, settings.content_dir, settings.templates_dir, tmp_path / "clean")
    build(clean)
    assert _digests(settings.out_dir) == _digests(clean.out_dir)


@pytest.mark.slow
def test_deleting_the_cache_is_safe(tmp_path):
    settings = _project(tmp_path)
    build(settings)
    before = _digests(settings.out_dir)
    shutil.rmtree(settings.build_dir / ".cache")
    # The state of the last build is the collection's own, not the cache's: up to date still.
    assert all(o.reason == "up to date" for o in build(settings))
    assert _digests(settings.out_dir) == before
    # With the state gone too (as when it lived in the cache), everything is made again.
    (settings.out_dir / STATE).unlink()
    outputs = build(settings)
    assert any(o.rebuilt for o in outputs)
    assert _digests(settings.out_dir) == before


def test_a_second_build_at_once_stops_with_one_clear_line(tmp_path):
    import fcntl

    settings = _project(tmp_path)
    settings.build_dir.mkdir(parents=True)
    with (settings.build_dir / ".lock").open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("4242")
        held.flush()
        with pytest.raises(ConfigError, match=r"another build is running in this project "
                                              r"\(pid 4242\)"):
            build(settings)


def test_a_layout_over_its_time_limit_is_stopped_and_named():
    html = "<p>" + "word " * 200_000 + "</p>"
    job = LayoutJob("PDF, slow", html, ROOT, pdf_variant=None)
    start = time.monotonic()
    with LocalExecutor(Limits(layout_seconds=1)) as executor, pytest.raises(
            LimitError, match=r"PDF, slow: stopped after 1 s \(limit layout_seconds"):
        executor.submit(job).result()
    assert time.monotonic() - start < 30


def test_a_layout_over_its_memory_limit_is_stopped_and_named():
    caches = system_font_caches()
    job = LayoutJob("PDF, big", "<p>text</p>", ROOT, pdf_variant=None)
    with LocalExecutor(Limits(layout_memory_mb=64)) as executor, pytest.raises(
            LimitError, match=r"PDF, big: .*out of memory \(limit layout_memory_mb = 64;"):
        executor.submit(job).result()
    # Starved, fontconfig cannot map its caches, scans the font folders, opens none of their
    # fonts and writes the empty result back: the worker's must go to a folder of its own.
    assert system_font_caches() == caches


def test_a_layout_leaves_nothing_in_the_temporary_folder():
    # WeasyPrint writes the fonts @font-face loads into a weasyprint-* folder of the
    # temporary folder and removes it only when garbage-collected, which a worker process
    # that exits never is: the worker's temporary folder is its own scratch.
    html = (f"<style>{font_face_css()}</style>"
            "<p style='font-family: \"EB Garamond\"'>text</p>")
    job = LayoutJob("PDF, fonts", html, ROOT, pdf_variant=None)
    temporary = Path(tempfile.gettempdir())
    before = set(temporary.glob("weasyprint-*"))
    with LocalExecutor(workers=1) as executor:
        assert executor.submit(job).result().pages == 1
        workers = Path(executor._scratches)
        assert workers.is_dir() and not any(workers.iterdir())
    assert set(temporary.glob("weasyprint-*")) <= before
    assert not workers.exists()


def test_a_bug_in_a_worker_keeps_its_traceback():
    # Not a user's mistake: the command line shows it whole, not as one line.
    job = LayoutJob("PDF, buggy", None, ROOT, pdf_variant=None)  # type: ignore[arg-type]
    with LocalExecutor() as executor, pytest.raises(
            WorkerError, match=r"(?s)PDF, buggy: a bug in the worker:\nTraceback .*Error"):
        executor.submit(job).result()


def test_jobs_run_in_order_and_every_worker_is_stopped_when_the_executor_is_left(tmp_path):
    jobs = [LayoutJob(f"PDF, {n}", f"<p>page {n}</p>", ROOT, pdf_variant=None)
            for n in range(4)]
    with LocalExecutor(workers=2) as executor:
        layouts = [executor.submit(job).result() for job in jobs]
        children = multiprocessing.active_children()
    assert [layout.pages for layout in layouts] == [1, 1, 1, 1]
    assert all(not child.is_alive() for child in children
               if child.name.startswith("ForkServerProcess"))


def test_an_urgent_job_runs_before_the_jobs_queued_ahead_of_it():
    # The A4 edition's layouts and join, and the EPUB after them: the EPUB waits for A4's
    # page map, so the others wait instead.
    jobs = [LayoutJob(f"PDF, {n}", f"<p>page {n}</p>", ROOT, pdf_variant=None)
            for n in range(4)]
    finished: list[str] = []
    with LocalExecutor(workers=1) as executor:
        futures = [executor.submit(jobs[0])]
        deadline = time.monotonic() + 60
        while not futures[0].running() and time.monotonic() < deadline:
            time.sleep(0.01)
        futures += [executor.submit(job) for job in jobs[1:3]]
        futures.append(executor.submit(jobs[3], urgent=True))
        for job, future in zip(jobs, futures, strict=True):
            future.add_done_callback(lambda _, name=job.name: finished.append(name))
        for future in futures:
            future.result()
    # The first was running already; the urgent one went before the other two.
    assert finished == ["PDF, 0", "PDF, 3", "PDF, 1", "PDF, 2"]


def _niceness_while_running(urgent: bool) -> set[int]:
    """The niceness of a job's worker, as seen from outside while the job runs."""
    job = LayoutJob("PDF, long", "<p>text</p>" * 3000, ROOT, pdf_variant=None)
    seen: set[int] = set()
    with LocalExecutor(workers=1) as executor:
        future = executor.submit(job, urgent=urgent)
        while not future.done():
            for _, _, process, _ in list(executor._running.values()):
                with contextlib.suppress(ProcessLookupError, TypeError):
                    seen.add(os.getpriority(os.PRIO_PROCESS, process.pid))
            time.sleep(0.02)
        future.result()
    return seen


def test_a_job_others_wait_for_keeps_its_priority_and_the_rest_yield_to_it():
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    # Forked at the building process's niceness, a job that is not urgent lowers its own.
    assert ours + NICE in _niceness_while_running(urgent=False)
    assert _niceness_while_running(urgent=True) == {ours}


@pytest.mark.slow
def test_a_build_killed_half_way_leaves_every_output_and_the_manifest_as_they_were(tmp_path):
    settings = _project(tmp_path)
    build(settings)
    before = _outputs(settings.out_dir)
    reading = next((settings.content_dir / "readings").glob("*.md"))
    reading.write_text(reading.read_text().replace("fixture", "changed fixture", 1))
    script = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "from pressroom.engine.build import build; from pressroom.engine.settings import Settings;"
        "build(Settings(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]),"
        " Path(sys.argv[5])))"
    )
    process = subprocess.Popen([sys.executable, "-c", script, str(ROOT / "src"), str(ROOT),
                                str(settings.content_dir), str(settings.templates_dir),
                                str(settings.build_dir)], start_new_session=True)
    # Wait until it is laying out (a staging folder exists), then kill the whole group.
    deadline = time.monotonic() + 60
    while not list(settings.out_dir.glob(".staging-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    while True:  # until every process of the killed build (its layout workers too) is gone
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    assert _outputs(settings.out_dir) == before
    # The next build clears what the killed one left and makes the new outputs.
    build(settings)
    for folder in (settings.build_dir, settings.out_dir):
        assert not list(folder.glob(".staging-*"))
        assert not list(folder.glob(".*.tmp"))


@pytest.mark.slow
def test_editing_the_epub_stylesheet_rebuilds_the_epub_alone(tmp_path):
    settings = _project(tmp_path)
    build(settings)
    sheet = settings.templates_dir / "epub.css"
    sheet.write_text(sheet.read_text() + "\nblockquote { margin-left: 1.5em }\n")
    rebuilt = {o.format for o in build(settings) if o.format in ("pdf", "epub") and o.rebuilt}
    assert rebuilt == {"epub"}


@pytest.mark.slow
def test_a_change_of_fonts_rebuilds_every_pdf_and_the_epub(tmp_path, monkeypatch):

    settings = _project(tmp_path)
    build(settings)
    # As if a face had been installed or updated: fontconfig lists something else.
    for module in (jobs, state):
        monkeypatch.setattr(module, "fonts_fingerprint", lambda: "another set of faces")
    outputs = [o for o in build(settings) if o.format in ("pdf", "epub")]
    assert outputs and all(o.rebuilt for o in outputs)
    reasons = {o.reason for o in outputs if o.format == "pdf"}
    assert reasons and all(ALL_PIECES.fullmatch(reason) for reason in reasons), reasons


@pytest.mark.slow
def test_a_collection_built_after_another_takes_its_layouts_from_the_cache(tmp_path):
    # Each collection keeps its own page numbers: building B does not make A lay out again.
    first = _project(tmp_path / "a")
    other = Settings(ROOT, FIXTURES / "reader" / "reader.yaml", first.templates_dir,
                     first.build_dir)
    build(first)
    build(other)
    # So that the build runs rather than finding its own folder up to date.
    (first.out_dir / STATE).unlink()
    said: list[str] = []
    again = [o for o in build(first, progress=said.append) if o.format == "pdf"]
    assert again and not any(o.rebuilt for o in again)
    assert all(o.reason == "reused from the cache" for o in again), [o.reason for o in again]
    # Not one layout was run, not even a first round with the other collection's numbers: a
    # job found in the cache prints no line, a job that ran does.
    assert said, "the build said nothing"
    jobs = [line for line in said if line.startswith("PDF, ")]
    assert jobs == [], jobs
