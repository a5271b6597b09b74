"""Benchmarks of the reading as the unit of layout, as ratios measured in one run.

A generated course reader of 20 readings of about 25 A4 pages each (notes, two parts, a
table and an image in every reading: about 500 pages), built cold in all five variants and
after a one-word edit, against WeasyPrint's command line laying out the same volume's A4
print HTML once; the same reader at 5 and 10 readings for the cost per page; the peak
resident memory of the largest process; and readers per hour for a batch of three readers,
on the local worker pool and on a two-worker Dask LocalCluster on loopback.

Run with `inv bench` (after bench_build.py) or alone: `python bench/bench_volume.py`.
Every figure is printed, never asserted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from generated import write_reader
from PIL import Image, ImageDraw

from pressroom.engine.build import build, build_batch
from pressroom.engine.layout import print_body, print_html
from pressroom.engine.prepare import prepare
from pressroom.engine.settings import Settings
from pressroom.papers import VARIANTS

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"

WORDS = ("alliance", "treaty", "socialist", "solidarity", "brothers", "obligation", "crisis",
         "conference", "leadership", "ideology", "interpretation", "archive", "document",
         "negotiation", "expectation", "delegation", "memorandum", "cadre", "assistance",
         "boundary", "commune", "congress", "rupture", "polemic", "doctrine")


def _sentence(seed: int, length: int) -> str:
    words = [WORDS[(seed * 7 + i * 11 + (i * i) % 5) % len(WORDS)] for i in range(length)]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _figure(path: Path) -> None:
    image = Image.new("RGB", (1200, 700), "white")
    draw = ImageDraw.Draw(image)
    for n in range(12):
        draw.rectangle((60 + n * 90, 650 - 40 * (n % 7 + 1), 120 + n * 90, 650), fill=(60, 60,
                                                                                        60))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


def make_volume(folder: Path, readings: int, ident: str = "bench-volume") -> Path:
    """A reader of ``readings`` generated readings of about 25 A4 pages each, in two parts."""
    _figure(folder / "images" / "figure.png")
    bodies: list[str] = []
    for n in range(1, readings + 1):
        blocks: list[str] = []
        note = 0
        notes: list[str] = []
        for section in range(1, 11):
            blocks.append(f"## Section {section} of reading {n}")
            for p in range(1, 8):
                text = " ".join(_sentence(n * 100 + section * 10 + p + s, 14 + s % 9)
                                for s in range(5))
                if p % 2 == 0:
                    note += 1
                    text += f"[^{note}]"
                    notes.append(f"[^{note}]: {_sentence(n + note, 18)} See p. {note + 3}.")
                blocks.append(text)
            if section == 2:
                blocks.append("| Year | Event | Count |\n|---:|:---|---:|\n" + "\n".join(
                    f"| {1949 + r} | {_sentence(r + n, 4)} | {r * 7 + n} |" for r in range(8)))
            if section == 4:
                blocks.append(f"![A bar chart for reading {n}: twelve bars of varying height."
                              "](../images/figure.png)")
        bodies.append("\n\n".join(blocks) + "\n\n" + "\n".join(notes) + "\n")
    return write_reader(folder, bodies, ident)


class PeakMemory:
    """The largest resident set of this process or any of its descendants, sampled."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.1):
            parents: dict[int, int] = {}
            rss: dict[int, int] = {}
            for proc in Path("/proc").iterdir():
                entry = proc.name
                if not entry.isdigit():
                    continue
                try:
                    status = (proc / "status").read_text()
                except OSError:
                    continue
                fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                parents[int(entry)] = int(fields.get("PPid", "0").strip() or 0)
                rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0] or 0)
            for pid, kb in rss.items():
                walk, seen = pid, 0
                while walk not in (0, 1, me) and seen < 64:
                    walk, seen = parents.get(walk, 0), seen + 1
                if walk == me:
                    self.peak_kb = max(self.peak_kb, kb)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _a4_pages(settings: Settings) -> int:
    pdf = settings.out_dir / f"{settings.collection_id}-a4.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(next(line.split()[-1] for line in info.stdout.splitlines()
                    if line.startswith("Pages:")))


def _cli_every_variant(settings: Settings, folder: Path) -> None:
    """WeasyPrint's command line on the whole print HTML of every variant, as many at once as
    there are cores: the cost of one plain layout of each, with no pieces, notes check, tags
    or join."""
    folder.mkdir(parents=True, exist_ok=True)
    prepared = prepare(settings)
    body = print_body(settings, prepared)
    pages = []
    for variant in VARIANTS:
        page = folder / f"{variant.name}.html"
        page.write_text(print_html(settings, prepared, body, variant), encoding="utf-8")
        pages.append(page)
    cores = len(os.sched_getaffinity(0))
    running: list[subprocess.Popen] = []
    for page in pages:
        if len(running) == cores:
            running.pop(0).wait(timeout=3600)
        running.append(subprocess.Popen([sys.executable, "-m", "weasyprint", str(page),
                                         str(page.with_suffix(".pdf"))], cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for process in running:
        process.wait(timeout=3600)


class Rows(list):
    """The table's rows; each is also said as it is measured, so that a run that fails late
    keeps what it measured."""

    def append(self, row: tuple[str, str, str]) -> None:
        super().append(row)
        print("  ".join(row), flush=True)


def main() -> None:
    rows: list[tuple[str, str, str]] = Rows()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        per_page: dict[int, float] = {}
        for readings in (5, 10, 20):
            collection = make_volume(work / f"volume-{readings}", readings)
            settings = Settings(ROOT, collection, TEMPLATES, work / f"build-{readings}")
            with PeakMemory() as memory:
                cold = timed(lambda s=settings: build(s))
            pages = _a4_pages(settings)
            per_page[readings] = cold / pages
            rows.append((f"cold inv build, {readings} readings ({pages} A4 pages, 5 variants)",
                         f"{cold:8.1f} s", f"{1000 * cold / pages:6.0f} ms per A4 page; "
                         f"largest process {memory.peak_kb / 1024:.0f} MB"))
            if readings == 20:
                big, big_cold = settings, cold
        rows.append(("per-page cost, 500 pages against 125", "",
                     f"{per_page[20] / per_page[5]:.2f}x"))

        html = big.out_dir / f"{big.collection_id}.html"
        with PeakMemory() as memory:
            cli = timed(lambda: subprocess.run(
                [sys.executable, "-m", "weasyprint", str(html), str(work / "cli.pdf")],
                check=True, capture_output=True, cwd=ROOT, timeout=3600))
        rows.append(("WeasyPrint CLI, the 20-reading A4 print HTML (reference)",
                     f"{cli:8.1f} s", f"1.00x; its process {memory.peak_kb / 1024:.0f} MB"))
        rows.append(("cold inv build of all five variants, 20 readings", f"{big_cold:8.1f} s",
                     f"{big_cold / cli:.2f}x WeasyPrint CLI A4"))
        floor = timed(lambda: _cli_every_variant(big, work / "floor"))
        rows.append(("WeasyPrint CLI on each of the five variants' print HTML, two at a time",
                     f"{floor:8.1f} s", f"{floor / cli:.2f}x WeasyPrint CLI A4: what laying "
                     "out each variant once, untagged, costs on these cores"))

        reading = big.content_dir / "readings" / "reading-12.md"
        text = reading.read_text(encoding="utf-8")
        reading.write_text(text.replace("Section 3 of reading 12", "Section three of reading 12",
                                        1), encoding="utf-8")
        outputs: list = []
        edit = timed(lambda: outputs.extend(build(big)))
        laid = sorted({o.reason.split(": ", 1)[-1] for o in outputs if o.format == "pdf"})
        rows.append(("inv build after a one-word edit in reading 12", f"{edit:8.1f} s",
                     f"{edit / big_cold:.3f}x cold; laid out again: {'; '.join(laid)}"))

        batch = [make_volume(work / f"batch-{n}", 5, f"batch-reader-{n}") for n in range(3)]
        local = [Settings(ROOT, c, TEMPLATES, work / "batch-local") for c in batch]
        local_time = timed(lambda: build_batch(local))
        rows.append(("batch of three 5-reading readers, local pool", f"{local_time:8.1f} s",
                     f"{3 * 3600 / local_time:.0f} readers per hour"))
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address="127.0.0.1:0") as cluster:
            remote = [Settings(ROOT, c, TEMPLATES, work / "batch-dask",
                               scheduler=cluster.scheduler_address) for c in batch]
            dask_time = timed(lambda: build_batch(remote))
        rows.append(("the same batch, 2-worker Dask LocalCluster", f"{dask_time:8.1f} s",
                     f"{3 * 3600 / dask_time:.0f} readers per hour "
                     f"({dask_time / local_time:.2f}x the local pool's time)"))

    width = max(len(r[0]) for r in rows)
    for label, seconds, ratio in rows:
        print(f"{label:{width}}  {seconds:>10}   {ratio}")


if __name__ == "__main__":
    main()
