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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pressroom import pipeline  # noqa: E402


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


def main() -> None:
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        settings = pipeline.Settings.for_project(ROOT, build=str(work / "build"))
        name = None

        cold = timed(lambda: pipeline.build(settings))
        name = next(settings.build_dir.glob("*.epub")).stem
        rows.append(("cold inv build (default edition)", cold, "1.00x cold"))
        noop = timed(lambda: pipeline.build(settings), repeat=3)
        rows.append(("no-op build (in process)", noop, f"{noop / cold:.3f}x cold"))
        cli = timed(lambda: run(sys.executable, "-m", "invoke", "build",
                                env={"INVOKE_PRESSROOM_BUILD_DIR": str(settings.build_dir)}),
                    repeat=3)
        rows.append(("no-op inv build (command line)", cli, f"{cli / cold:.3f}x cold"))

        epub_after = timed(lambda: pipeline.build(settings, formats=("epub",)))
        shutil.rmtree(settings.build_dir / ".cache" / "epub")
        (settings.build_dir / ".cache" / "state.json").unlink()
        epub_fresh = timed(lambda: pipeline.build(settings, formats=("epub",)))

        markdown = settings.build_dir / "edition.md"
        meta = settings.build_dir / "edition-meta.yaml"
        html = settings.build_dir / f"{name}.html"
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
        a4 = pipeline.Settings.for_project(ROOT, build=str(work / "a4"))
        a4_only = timed(lambda: pipeline.build(a4, formats=("pdf",), papers=("a4",),
                                               kinds=("reading",)))
        rows.append(("inv pdf --paper a4 --variant reading (cold)", a4_only,
                     f"{a4_only / weasy_cli:.2f}x WeasyPrint CLI"))
        pandoc_pdf = timed(lambda: run(pandoc, str(markdown), "--metadata-file", str(meta),
                                       "--pdf-engine=weasyprint", "-o", str(work / "p.pdf")))
        rows.append(("plain pandoc --pdf-engine=weasyprint (reference)", pandoc_pdf,
                     f"{pandoc_pdf / cold:.2f}x cold build"))

    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    width = max(len(r[0]) for r in rows)
    for label, seconds, ratio in rows:
        print(f"{label:{width}}  {seconds:7.2f} s   {ratio}")
    print(f"{'peak RSS of the largest child process':{width}}  {peak:7.0f} MB")


if __name__ == "__main__":
    main()
