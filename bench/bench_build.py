"""Benchmarks of the build engine, as ratios against references measured in the same run.

Run with `inv bench`. Every figure is printed, never asserted: performance is tracked here,
not in the tests. Each case runs in a fresh build folder of its own; the references are the
plain tools on the same inputs: Pandoc's EPUB writer on the assembled Markdown, Pandoc with
WeasyPrint as its PDF engine, and WeasyPrint's command line on the A4 print HTML.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from generated import write_reader

from pressroom.engine.build import build as build_edition
from pressroom.engine.settings import Settings

ROOT = Path(__file__).resolve().parent.parent



def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run(*args: str, env: dict[str, str] | None = None) -> None:
    # Pandoc finds the weasyprint command beside this Python (the project's environment).
    full = {**os.environ, **(env or {}),
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    subprocess.run(args, check=True, capture_output=True, timeout=600, env=full, cwd=ROOT)


WORDS = ("alliance", "treaty", "socialist", "solidarity", "brothers", "obligation", "crisis",
         "conference", "leadership", "ideology", "interpretation", "archive", "document",
         "negotiation", "expectation")


def make_reader(folder: Path, readings: int = 12) -> Path:
    """A course reader of generated readings (about three A4 pages each, notes from 1)."""
    bodies: list[str] = []
    for n in range(1, readings + 1):
        paragraphs = []
        for p in range(1, 13):
            words = " ".join(WORDS[(n * 7 + p * 3 + i) % len(WORDS)] for i in range(70))
            note = f"[^{p // 3}]" if p % 3 == 0 else ""
            paragraphs.append(f"Reading {n}, paragraph {p}: {words}.{note}")
        notes = [f"[^{k}]: Note {k} of reading {n}, citing a source of its own." for k in
                 range(1, 5)]
        bodies.append("\n\n".join(paragraphs) + "\n\n" + "\n".join(notes) + "\n")
    return write_reader(folder, bodies, "bench-reader", "Reading Number")


def reader_rows(work: Path) -> list[tuple[str, float, str]]:
    """Cold build of a twelve-reading reader, then a one-word edit in one reading as the
    watcher previews it."""
    from pressroom.preview.watch import Status, rebuild_preview

    collection = make_reader(work / "reader")
    settings = Settings(ROOT, collection, ROOT / "templates", work / "reader-build")
    cold = timed(lambda: build_edition(settings))
    reading = collection.parent / "readings" / "reading-07.md"
    reading.write_text(reading.read_text(encoding="utf-8").replace("paragraph 5:",
                                                                    "paragraph five:", 1))
    status = Status()
    edit = timed(lambda: rebuild_preview(settings, status, changed=[reading]))
    if not status.ok:
        raise SystemExit(f"the preview failed: {status.error}")
    return [("cold inv build, 12-reading reader", cold, "1.00x"),
            ("one-word edit in one reading, preview", edit, f"{edit / cold:.3f}x cold reader")]


#: The last commit before the build engine: the reference for the cold build.
BASELINE = "c5d7643"


def baseline(work: Path) -> float | None:
    """A cold `inv build` of the default edition at BASELINE, in a worktree of its own, with
    this environment's Python; None where the history does not have that commit."""
    tree = work / "baseline"
    made = subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree),
                           BASELINE], capture_output=True, timeout=120)
    if made.returncode != 0:
        return None
    try:
        return timed(lambda: subprocess.run(
            [sys.executable, "-m", "invoke", "build"], cwd=tree, check=True,
            capture_output=True, timeout=900))
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                       capture_output=True, timeout=120)


def main() -> None:
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        settings = Settings.for_project(ROOT, build=str(work / "build"))
        name = None

        cold = timed(lambda: build_edition(settings))
        name = next(settings.out_dir.glob("*.epub")).stem
        rows.append(("cold inv build (default edition)", cold, "1.00x cold"))
        before = baseline(work)
        if before:
            rows.append((f"cold inv build at {BASELINE} (before the engine)", before,
                         f"cold now = {cold / before:.2f}x this"))
        noop = timed(lambda: build_edition(settings), repeat=3)
        rows.append(("no-op build (in process)", noop, f"{noop / cold:.3f}x cold"))
        cli = timed(lambda: run(sys.executable, "-m", "invoke", "build",
                                env={"INVOKE_PRESSROOM_BUILD_DIR": str(settings.build_dir)}),
                    repeat=3)
        rows.append(("no-op inv build (command line)", cli, f"{cli / cold:.3f}x cold"))

        epub_after = timed(lambda: build_edition(settings, formats=("epub",)))
        shutil.rmtree(settings.build_dir / ".cache" / "epub")
        (settings.out_dir / ".state.json").unlink()
        epub_fresh = timed(lambda: build_edition(settings, formats=("epub",)))

        markdown = settings.out_dir / "edition.md"
        meta = settings.out_dir / "edition-meta.yaml"
        html = settings.out_dir / f"{name}.html"
        plain_epub = timed(lambda: run(pandoc, str(markdown), "--metadata-file", str(meta),
                                       "-o", str(work / "plain.epub")))
        rows.append(("plain pandoc -o x.epub (reference)", plain_epub, "1.00x"))
        rows.append(("inv epub after a build", epub_after,
                     f"{epub_after / plain_epub:.2f}x plain pandoc"))
        rows.append(("inv epub, EPUB not cached", epub_fresh,
                     f"{epub_fresh / plain_epub:.2f}x plain pandoc"))

        weasy_cli = timed(lambda: run(sys.executable, "-m", "weasyprint", str(html),
                                      str(work / "cli.pdf")))
        rows.append(("WeasyPrint CLI on the A4 print HTML (reference)", weasy_cli, "1.00x"))
        a4 = Settings.for_project(ROOT, build=str(work / "a4"))
        a4_only = timed(lambda: build_edition(a4, formats=("pdf",), papers=("a4",),
                                               kinds=("reading",)))
        rows.append(("inv pdf --paper a4 --variant reading (cold)", a4_only,
                     f"{a4_only / weasy_cli:.2f}x WeasyPrint CLI"))
        # The usual case: the sources changed since the last build, whose page numbers are
        # the starting point (pagehints.py).
        edited = work / "edited"
        shutil.copytree(ROOT / "src" / "content", edited)
        a4_edit = Settings(ROOT, edited / "edition.yaml", ROOT / "templates",
                                    work / "a4-edit")
        build_edition(a4_edit, formats=("pdf",), papers=("a4",), kinds=("reading",))
        reading = edited / "readings" / "blank-2014.md"
        reading.write_text(reading.read_text(encoding="utf-8").replace(
            "shocked socialists", "surprised socialists", 1), encoding="utf-8")
        a4_after = timed(lambda: build_edition(a4_edit, formats=("pdf",), papers=("a4",),
                                                kinds=("reading",)))
        rows.append(("inv pdf --paper a4 --variant reading (after an edit)", a4_after,
                     f"{a4_after / weasy_cli:.2f}x WeasyPrint CLI"))
        pandoc_pdf = timed(lambda: run(pandoc, str(markdown), "--metadata-file", str(meta),
                                       "--pdf-engine=weasyprint", "-o", str(work / "p.pdf")))
        rows.append(("plain pandoc --pdf-engine=weasyprint (reference)", pandoc_pdf,
                     f"{pandoc_pdf / cold:.2f}x cold build"))

        rows += reader_rows(work)

    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    width = max(len(r[0]) for r in rows)
    for label, seconds, ratio in rows:
        print(f"{label:{width}}  {seconds:7.2f} s   {ratio}")
    print(f"{'peak RSS of the largest child process':{width}}  {peak:7.0f} MB")
    print(f"{'peak RSS of the building process':{width}}  {own:7.0f} MB")


if __name__ == "__main__":
    main()
