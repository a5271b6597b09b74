"""Time each stage of a full build of the default edition (run with `inv bench`).

Timings are printed, never asserted: performance is tracked here, not in the tests.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pressroom import pipeline  # noqa: E402


def main(repeat: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = pipeline.Settings.for_project(ROOT, build=tmp)
        stages = {
            "prepare (load + assemble)": lambda: pipeline.prepare(settings),
        }
        prepared = pipeline.prepare(settings)
        stages.update({
            "html": lambda: pipeline.build_html(settings, prepared),
            "pdf a4": lambda: pipeline.build_pdf(settings, prepared, "a4"),
            "booklet a4": lambda: pipeline.build_booklet(settings, prepared, "a4"),
            "epub": lambda: pipeline.build_epub(settings, prepared),
        })
        for name, stage in stages.items():
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                stage()
                times.append(time.perf_counter() - start)
            median = sorted(times)[len(times) // 2]
            print(f"{name:28} best {min(times):7.3f} s   median {median:7.3f} s")


if __name__ == "__main__":
    main()
