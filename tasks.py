"""pressroom tasks: a table of contents of the build. Each task calls the package."""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

from invoke import Collection, Exit, task

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "src"))

from pressroom import check as checks  # noqa: E402
from pressroom import pipeline as b  # noqa: E402
from pressroom.errors import PressroomError  # noqa: E402
from pressroom.importer import import_file  # noqa: E402


def _settings(c) -> b.Settings:
    cfg = c.pressroom
    return b.Settings.for_project(ROOT, cfg.content_dir, cfg.templates_dir, cfg.build_dir)


def _report(outputs) -> None:
    for out in outputs:
        extra = f", {out.pages} pages" if out.pages else ""
        paper = f" {out.paper}" if out.paper else ""
        print(f"wrote {out.path.relative_to(ROOT)} ({out.format}{paper}{extra})")


def _run(fn, *args, **kwargs):
    # The boundary: a content mistake is one line and a non-zero exit, never a traceback.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(name)s: %(message)s")
    try:
        return fn(*args, **kwargs)
    except PressroomError as exc:
        raise Exit(f"error: {exc}", code=1) from None


@task
def html(c):
    """Build the print HTML (the page WeasyPrint lays out) into build/."""
    settings = _settings(c)

    def run():
        prepared = b.prepare(settings)
        outputs = [b.build_html(settings, prepared)]
        b.write_manifest(settings, outputs)
        return outputs

    _report(_run(run))


@task(help={"paper": "a4, letter or all (default: all); with a4, large print too"})
def pdf(c, paper="all"):
    """Build the PDF editions (reading, large print, booklet) with WeasyPrint into build/."""
    settings = _settings(c)
    papers = ("a4", "letter") if paper == "all" else (paper,)

    def run():
        prepared = b.prepare(settings)
        outputs = b.build_pdfs(settings, prepared, papers)
        b.write_manifest(settings, outputs)
        return outputs

    _report(_run(run))


@task
def epub(c):
    """Build the EPUB 3 edition with Pandoc into build/."""
    settings = _settings(c)

    def run():
        prepared = b.prepare(settings)
        outputs = [b.build_epub(settings, prepared)]
        b.write_manifest(settings, outputs)
        return outputs

    _report(_run(run))


@task(default=True)
def build(c):
    """Build every output (HTML, PDFs, EPUB) and build/manifest.json."""
    settings = _settings(c)
    _report(_run(b.build, settings, papers=("a4", "letter")))


@task
def check(c):
    """Validate the outputs in build/: EPUBCheck, DAISY Ace, PDF structure, notes linked."""
    settings = _settings(c)
    results = _run(checks.check_outputs, settings)
    failed = False
    for result in results:
        status = "skip" if result.skipped else "ok  " if result.ok else "FAIL"
        print(f"{status} {result.name}: {result.detail}")
        failed |= not result.ok
    if failed:
        raise Exit("error: some checks failed", code=1)


@task
def clean(c):
    """Empty build/."""
    build_dir = _settings(c).build_dir
    if build_dir.exists():
        shutil.rmtree(build_dir)
    build_dir.mkdir(parents=True)


@task(
    name="import-text",
    help={
        "source": "the plain-text extraction to import",
        "out": "where to write the Markdown reading (default: print it)",
        "id": "the reading's id (default: author surname and year)",
        "join": "a source line whose paragraph continues the one before it (repeatable)",
    },
    iterable=["join"],
)
def import_text(c, source, out=None, id=None, join=None):
    """Import a plain-text article extraction as a Markdown reading with footnotes."""
    joins = [int(n) for n in join or []]
    result = _run(import_file, Path(source), reading_id=id, joins=joins)
    for warning in result.warnings:
        print(f"warning: {source}: {warning}", file=sys.stderr)
    if out:
        from pressroom._io import write_text_atomic

        write_text_atomic(Path(out), result.markdown)
        print(f"wrote {out}: {result.notes} notes, joined paragraphs at source lines "
              f"{', '.join(map(str, result.joined)) or 'none'}")
    else:
        sys.stdout.write(result.markdown)


@task
def golden(c):
    """Regenerate the golden assembled Markdown of the minimal test edition (review the diff)."""
    from pressroom._io import write_text_atomic

    sys.path.insert(0, str(ROOT / "tests"))
    from test_golden import GOLDEN, render_minimal

    write_text_atomic(GOLDEN, _run(render_minimal))
    print("wrote tests/golden/minimal.md")


@task
def test(c):
    """Run the test suite."""
    c.run(f"{sys.executable} -m pytest", pty=False)


@task
def lint(c):
    """Check style with ruff."""
    c.run(f"{sys.executable} -m ruff check src tests tasks.py bench", pty=False)


@task
def bench(c):
    """Time the stages of a full build (see bench/)."""
    c.run(f"{sys.executable} bench/bench_build.py", pty=False)


ns = Collection(html, pdf, epub, build, check, clean, import_text, golden, test, lint, bench)
ns.configure(
    {
        "pressroom": {
            "content_dir": "src/content",
            "templates_dir": "templates",
            "build_dir": "build",
        }
    }
)
