"""pressroom tasks: a table of contents of the build. Each task calls the package.

What every build task needs is imported here; a task that only some invocations run (a
handout, the preview, the checks, an import) imports its stage when it runs, so that
`inv build` with nothing to do stays a fraction of a second (see pressroom.engine)."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
import sys
import time
from pathlib import Path

from invoke import Collection, Exit, task
from rich.console import Console

from pressroom import papers
from pressroom.engine.build import build as build_edition
from pressroom.engine.build import build_batch
from pressroom.engine.settings import Settings
from pressroom.errors import ConfigError, PressroomError
from pressroom.files import LOCK_NAME, build_lock
from pressroom.tools.run import Limits

ROOT = Path(__file__).resolve().parent

EDITION_HELP = "the collection file to build (default: src/content/edition.yaml)"
OCR_HELP = "recognise the text of scanned PDF readings with OCRmyPDF (cached)"
SCHEDULER_HELP = ("run the layouts and the EPUB on the Dask cluster whose scheduler is at "
                  "tcp://HOST:PORT (default: this machine's worker processes)")
CACHE_HELP = ("keep the cache in the store at this fsspec URL (e.g. s3://bucket/prefix), "
              "which the cluster's workers share (default: build/.cache)")
STRICT_HELP = "make every warning of the build an error (nothing is written then)"


def _settings(c, strict: bool = False, edition: str | None = None,
              ocr: bool = False, scheduler: str | None = None,
              cache: str | None = None) -> Settings:
    cfg = c.pressroom
    # pressroom.limits in invoke.yaml (or INVOKE_PRESSROOM_LIMITS_PANDOC_SECONDS=...) raises
    # the time and memory the outside programs get; the package only sees a Limits value.
    limits = _run(Limits.from_mapping, {name: cfg.limits[name] for name in cfg.limits})
    settings = Settings.for_project(ROOT, edition or cfg.edition, cfg.templates_dir,
                                    cfg.build_dir, strict, limits, ocr)
    return dataclasses.replace(settings, scheduler=scheduler or cfg.get("scheduler"),
                               cache_url=cache or cfg.get("cache"))


def _run(fn, *args, **kwargs):
    # The boundary: a content mistake is one line and a non-zero exit, never a traceback.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(name)s: %(message)s")
    try:
        return fn(*args, **kwargs)
    except PressroomError as exc:
        raise Exit(f"error: {exc.shown_from(ROOT)}", code=1) from None


def _build(c, formats, papers=papers.DEFAULT_PAPERS, kinds=papers.KINDS,
           strict=False, edition=None, ocr=False, scheduler=None, every=False,
           batch=None, cache=None) -> None:
    # Progress goes to standard output: standard error carries only the one-line error.
    console = Console()
    settings = _settings(c, strict, edition, ocr, scheduler, cache)
    with _progress(console) as progress:
        if every or batch:
            collections = _run(_collections, settings, batch)
            results = _run(build_batch, collections, formats=formats, papers=papers,
                           kinds=kinds, progress=progress)
        else:
            results = [_run(build_edition, settings, formats=formats, papers=papers,
                            kinds=kinds, progress=progress)]
    for outputs in results:
        if outputs and all(o.reason == "up to date" for o in outputs):
            print(f"everything up to date ({len(outputs)} outputs in "
                  f"{os.path.relpath(outputs[0].path.parent)}/)")
        else:
            _report(outputs)


def _collections(settings: Settings, batch: str | None) -> list[Settings]:
    """The collections of a batch file, or every collection under the default edition's
    folder (src/content)."""
    from pressroom.sources.yamldoc import find_collections, read_batch

    paths = (read_batch(ROOT / batch, ROOT) if batch
             else find_collections(settings.edition.parent if settings.edition.is_file()
                                   else settings.edition))
    return [dataclasses.replace(settings, edition=path) for path in paths]


@contextlib.contextmanager
def _progress(console: Console):
    """A line per job that ran, with its time, under a live count of the jobs done (rich);
    the lines alone where standard output is not a terminal."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    start = time.perf_counter()
    # How many jobs a build runs is known only as it goes (a piece whose numbers come out
    # wrong is laid out again): the bar pulses, and counts the jobs done.
    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                   TextColumn("[dim]{task.completed} jobs[/dim]"), TimeElapsedColumn(),
                   console=console, transient=True, disable=not console.is_terminal)
    with bar:
        task_id = bar.add_task("building", total=None)

        def progress(message: str) -> None:
            # A job's line ends with its time or its pages ("... (3.1 s)").
            if message.endswith(" s)"):
                bar.advance(task_id)
            else:
                bar.update(task_id, description=message)
            console.print(f"[dim]{time.perf_counter() - start:5.1f} s[/dim]  {message}",
                          highlight=False)

        yield progress


def _report(outputs) -> None:
    for out in outputs:
        pages = f", {out.pages} pages" if out.pages else ""
        paper = f" {out.paper}" if out.paper else ""
        verb = "wrote" if out.rebuilt else "kept "
        print(f"{verb} {os.path.relpath(out.path)} ({out.format}{paper}{pages}): {out.reason}")


@task(help={"edition": EDITION_HELP})
def html(c, edition=None):
    """Build the print HTML (the page WeasyPrint lays out) into build/."""
    _build(c, ("html",), edition=edition)


@task(help={"paper": "a4, letter or all (default: all)",
            "variant": "reading, large-print, booklet or all (default: all)",
            "strict": STRICT_HELP, "edition": EDITION_HELP, "ocr": OCR_HELP,
            "scheduler": SCHEDULER_HELP})
def pdf(c, paper="all", variant="all", strict=False, edition=None, ocr=False, scheduler=None):
    """Build the PDFs (reading edition, large print, booklet) with WeasyPrint into build/."""
    _build(c, ("pdf",), papers.DEFAULT_PAPERS if paper == "all" else (paper,),
           papers.KINDS if variant == "all" else (variant,), strict, edition, ocr, scheduler)


@task(help={"edition": EDITION_HELP, "ocr": OCR_HELP, "scheduler": SCHEDULER_HELP})
def epub(c, edition=None, ocr=False, scheduler=None):
    """Build the EPUB 3 edition with Pandoc into build/."""
    _build(c, ("epub",), edition=edition, ocr=ocr, scheduler=scheduler)


@task(default=True, help={"strict": STRICT_HELP, "edition": EDITION_HELP, "ocr": OCR_HELP,
                          "scheduler": SCHEDULER_HELP,
                          "all": "build every collection under src/content as one job graph",
                          "batch": "build the collections a file names, one path a line",
                          "cache": CACHE_HELP})
def build(c, strict=False, edition=None, ocr=False, scheduler=None, all=False, batch=None,
          cache=None):
    """Build every output and the manifest into build/<id>/ (--all, --batch: many).

    HTML, PDFs, EPUB and the permissions report; with --all or --batch, many collections at
    once, as one job graph."""
    _build(c, papers.FORMATS, strict=strict, edition=edition, ocr=ocr, scheduler=scheduler,
           every=all, batch=batch, cache=cache)


@task(help={"reading": "the id of the reading (its front matter id, or its file name)",
            "edition": EDITION_HELP,
            "restart": "number the handout's pages from 1, not as in the reader",
            "ocr": OCR_HELP, "scheduler": SCHEDULER_HELP})
def handout(c, reading, edition=None, restart=False, ocr=False, scheduler=None):
    """Build one reading alone as a handout: A4 and Letter PDFs and a booklet."""
    from pressroom.engine.handout import build_handout

    console = Console()
    outputs = _run(build_handout, _settings(c, edition=edition, ocr=ocr, scheduler=scheduler),
                   reading,
                   restart=restart,
                   progress=lambda message: console.print(message, highlight=False))
    _report(outputs)


@task(name="print-package",
      help={"profile": "copy-shop, kdp or ingram (default: copy-shop); see the README",
            "edition": EDITION_HELP, "scheduler": SCHEDULER_HELP})
def print_package(c, profile="copy-shop", edition=None, scheduler=None):
    """Build a print shop's package: the interior as PDF/X with bleed, and the cover."""
    from pressroom.distribution.printpackage import build_print_package

    console = Console()
    outputs = _run(build_print_package, _settings(c, edition=edition, scheduler=scheduler),
                   profile, progress=lambda message: console.print(message, highlight=False))
    _report(outputs)


@task(help={"edition": EDITION_HELP, "scheduler": SCHEDULER_HELP})
def lms(c, edition=None, scheduler=None):
    """Build the LMS package: a PDF per reading, a Common Cartridge, RIS and BibTeX lists."""
    from pressroom.distribution.lms import build_lms

    console = Console()
    outputs = _run(build_lms, _settings(c, edition=edition, scheduler=scheduler),
                   progress=lambda message: console.print(message, highlight=False))
    _report(outputs)


@task(help={"edition": EDITION_HELP,
            "table": "the liblouis table (default: en-ueb-g2.ctb, UEB grade 2)",
            "scheduler": SCHEDULER_HELP})
def brf(c, edition=None, table="en-ueb-g2.ctb", scheduler=None):
    """Build each reading as Braille Ready Format (liblouis), with print page references."""
    from pressroom.distribution.braille import build_brf

    console = Console()
    outputs = _run(build_brf, _settings(c, edition=edition, scheduler=scheduler), table=table,
                   progress=lambda message: console.print(message, highlight=False))
    _report(outputs)


@task(help={"port": "the preview's port on 127.0.0.1 (default 8765; 0 for any free port)",
            "edition": EDITION_HELP})
def watch(c, port=8765, edition=None):
    """Rebuild the A4 preview on every save and serve it on localhost, reloading itself."""
    from pressroom.preview.server import serve
    from pressroom.preview.watch import Status
    from pressroom.preview.watch import watch as watch_sources

    status = Status()
    server = serve(status, int(port))
    print(f"preview: http://127.0.0.1:{server.server_address[1]}/  (Ctrl-C to stop)")
    try:
        watch_sources(_settings(c, edition=edition), status)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()


@task(help={"edition": EDITION_HELP})
def check(c, edition=None):
    """Validate the outputs in build/: EPUBCheck, DAISY Ace, PDF structure, notes linked."""
    from pressroom.checks.outputs import check_outputs

    failed = False
    for result in _run(check_outputs, _settings(c, edition=edition)):
        status = "skip" if result.skipped else "ok  " if result.ok else "FAIL"
        print(f"{status} {result.name}: {result.detail}")
        failed |= not result.ok
    if failed:
        raise Exit("error: some checks failed", code=1)


@task
def clean(c):
    """Empty build/ and its cache."""
    build_dir = _settings(c).build_dir.resolve()
    if build_dir == ROOT or not build_dir.is_relative_to(ROOT):
        raise Exit(f"error: refusing to empty {build_dir}: not a folder inside the project",
                   code=1)
    # Under the build lock: a build running now is refused this the way a second build is,
    # rather than have its folder emptied under it. The cache lives in build/.cache, so
    # this empties both; deleting it is always safe.
    _run(_empty, build_dir)


def _empty(build_dir: Path) -> None:
    with build_lock(build_dir):
        for child in build_dir.iterdir():
            if child.name == LOCK_NAME:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()


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
    from pressroom.files import write_text_atomic
    from pressroom.sources.importer import import_file

    def run():
        try:
            joins = [int(n) for n in join or []]
        except ValueError:
            raise ConfigError(f"--join takes source line numbers, not {join!r}") from None
        result = import_file(Path(source), reading_id=id, joins=joins)
        if out:
            try:
                write_text_atomic(Path(out), result.markdown)
            except OSError as exc:
                raise ConfigError(f"cannot write: {exc.strerror}", path=out) from exc
        return result

    result = _run(run)
    for warning in result.warnings:
        print(f"warning: {source}: {warning}", file=sys.stderr)
    if out:
        joined = ", ".join(map(str, result.joined)) or "none"
        print(f"wrote {out}: {result.notes} notes, joined paragraphs at source lines {joined}")
    else:
        sys.stdout.write(result.markdown)


@task
def golden(c):
    """Regenerate the golden assembled Markdown of the minimal test edition (review the diff)."""
    c.run(f"{sys.executable} -m pytest -q tests/assemble/test_chunks.py --update-golden", pty=False)


@task
def test(c):
    """Run the test suite."""
    c.run(f"{sys.executable} -m pytest", pty=False)


@task
def lint(c):
    """Check style with ruff, and the package's import graph with import-linter."""
    c.run(f"{sys.executable} -m ruff check src tests tasks.py bench scripts", pty=False)
    c.run(f"{Path(sys.executable).parent / 'lint-imports'}", pty=False)


@task
def bench(c):
    """Run the benchmarks (bench/) and print their ratios.

    Cold, no-op, EPUB and preview builds, and the 500-page reader laid out piece by piece
    (cold, after an edit, per page, memory, batches)."""
    c.run(f"{sys.executable} bench/bench_build.py", pty=False)
    c.run(f"{sys.executable} bench/bench_volume.py", pty=False)


#: The tool that writes requirements.lock, installed for the occasion and thrown away after.
LOCK_TOOL = "uv==0.13.9"


@task
def lock(c):
    """Regenerate requirements.lock (exact versions, hashes) from pyproject.toml and PyPI."""
    import tempfile
    import venv

    with tempfile.TemporaryDirectory(prefix="pressroom-lock-") as tmp:
        venv.create(tmp, with_pip=True)
        python = Path(tmp) / "bin" / "python"
        # PyPI alone: no local pip configuration (extra indexes, find-links) may leak in.
        env = {"PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": "", "PIP_EXTRA_INDEX_URL": "",
               "PIP_CONSTRAINT": ""}
        c.run(f"{python} -m pip install --quiet {LOCK_TOOL}", env=env)
        # setuptools is what `pip install --no-build-isolation -e .` builds pressroom with;
        # pip is what scripts/setup.sh installs first, as older pips (23.2) refuse a hashed
        # lock whose packages are also asked for with extras (fonttools[woff]).
        build_requires = Path(tmp) / "build-requires.in"
        build_requires.write_text("setuptools>=69\npip>=25.3\n", encoding="utf-8")
        c.run(f"{python} -m uv pip compile --quiet --no-config --universal "
              "--python-version 3.11 --generate-hashes --extra test "
              "--custom-compile-command 'inv lock' "
              f"--output-file {ROOT / 'requirements.lock'} {ROOT / 'pyproject.toml'} "
              f"{build_requires}", env=env)


ns = Collection(html, pdf, epub, build, handout, print_package, lms, brf, watch, check, clean,
                import_text, golden, test, lint, bench, lock)
ns.configure(
    {
        "pressroom": {
            "edition": "src/content/edition.yaml",
            "templates_dir": "templates",
            "build_dir": "build",
            "limits": dataclasses.asdict(Limits()),
            # A Dask scheduler's address for every build (pressroom.scheduler in invoke.yaml).
            "scheduler": None,
            # The cache's store as an fsspec URL (pressroom.cache); None: build/.cache.
            "cache": None,
        }
    }
)
