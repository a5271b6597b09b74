"""The build, top to bottom: is it up to date; if not, make the outputs; commit them and the
manifest together.

A build first compares a fingerprint of everything it reads with the one the last complete
build recorded (engine.state); if they match and the outputs are as that build left them,
nothing is done. Past that, engine.make makes the outputs, every expensive step a job cached
by a key over its own inputs, so an edit redoes only the layouts and conversions it changes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence

from pressroom.cache import file_digest
from pressroom.engine.manifest import NAME, Entry, Manifest
from pressroom.engine.settings import Output, Settings
from pressroom.engine.state import STATE, fingerprint, read_json, up_to_date
from pressroom.engine.strict import counting
from pressroom.errors import ConfigError
from pressroom.files import Staging, build_lock, write_text_atomic
from pressroom.papers import DEFAULT_PAPERS, FORMATS, KINDS, selected_variants

log = logging.getLogger(__name__)


@contextlib.contextmanager
def stopped_by_sigterm() -> Iterator[None]:
    """While a build runs, SIGTERM raises SystemExit in it, as Ctrl-C raises
    KeyboardInterrupt: the executor's, the staging's and the lock's context managers run, so
    the workers are stopped, what was staged is thrown away, and build/ is as it was. (Only
    the main thread can take a signal; a build in another thread, as the preview's, leaves
    the handler alone.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _old_layout(settings: Settings) -> None:
    """Say so once if build/ still holds outputs from before each collection had a folder
    of its own: they are left alone, and ``inv clean`` removes them."""
    old = settings.build_dir / NAME
    if old.is_file():
        log.warning("%s: outputs of an earlier pressroom are left in %s/ as they are; this "
                    "build writes into %s/ (inv clean empties build/)", old,
                    settings.build_dir, settings.out_dir)


def build(settings: Settings, formats: Iterable[str] = FORMATS,
          papers: Iterable[str] = DEFAULT_PAPERS, kinds: Iterable[str] = KINDS,
          progress: Callable[[str], None] | None = None) -> list[Output]:
    """Build the requested outputs and list them in the manifest.

    PDFs: every variant of the table for the chosen papers and kinds. All outputs and the
    manifest are committed together at the end: a build that fails, is interrupted or is
    killed leaves every earlier output and the manifest as they were; so does a strict build
    that gave a warning. ``progress`` is told what each step is about to do and what each
    finished job took.
    """
    return build_batch([settings], formats, papers, kinds, progress)[0]


def build_batch(collections: Sequence[Settings], formats: Iterable[str] = FORMATS,
                papers: Iterable[str] = DEFAULT_PAPERS, kinds: Iterable[str] = KINDS,
                progress: Callable[[str], None] | None = None) -> list[list[Output]]:
    """Build several collections of one project as one job graph (engine.make.make_batch):
    those up to date are left alone, the others' jobs share the workers. Each collection's
    outputs are committed into its own folder; if any collection fails, none is committed
    (and a strict batch that gave a warning commits none)."""
    say = progress or (lambda _message: None)
    formats, papers, kinds = tuple(formats), tuple(papers), tuple(kinds)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ConfigError(f"unknown format {unknown[0]!r} (choose from {', '.join(FORMATS)})")
    if not collections:
        raise ConfigError("no collection to build")
    roots = {s.build_dir for s in collections}
    if len(roots) != 1:
        raise ConfigError("a batch builds into one build folder")
    ids = [s.collection_id for s in collections]
    twice = next((i for i in ids if ids.count(i) > 1), None)
    if twice:
        raise ConfigError(f"two collections of the batch have the id {twice!r}: each needs "
                          "its own, which names its folder in build/",
                          path=next(s.edition for s in collections if s.collection_id == twice))
    variants = selected_variants(formats, papers, kinds)
    complete = (set(formats) == set(FORMATS) and set(papers) == set(DEFAULT_PAPERS)
                and set(kinds) == set(KINDS))
    results: list[list[Output] | None] = [None] * len(collections)
    with stopped_by_sigterm(), build_lock(collections[0].build_dir), counting() as warnings:
        _old_layout(collections[0])
        todo: list[tuple[int, Settings, dict, list[str]]] = []
        for index, settings in enumerate(collections):
            last = read_json(settings.out_dir / STATE) or {}
            shared = [str(name) for name in last.get("shared", [])]
            reused = up_to_date(settings, fingerprint(settings, formats, papers, kinds, shared))
            if reused is not None:
                results[index] = reused
            else:
                todo.append((index, settings, last, shared))
        if todo:
            # Deferred (see pressroom.engine): what makes the outputs imports Pandoc's
            # wrapper, pydantic and pypdf, which an up-to-date build never needs.
            from pressroom.engine import make

            stagings = [Staging(settings.out_dir) for _, settings, _, _ in todo]
            try:
                made = make.make_batch(
                    [(settings, staging, last.get("keys", {}))
                     for (_, settings, last, _), staging in zip(todo, stagings, strict=True)],
                    formats, variants, say)
                if any(settings.strict for settings in collections):
                    warnings.check()
                for (index, settings, last, shared), staging, making in zip(
                        todo, stagings, made, strict=True):
                    commit(settings, staging, making.outputs, complete)
                    _record(settings, (formats, papers, kinds), last, shared, making)
                    results[index] = making.outputs
            finally:
                for staging in stagings:
                    staging.discard()
    return [r if r is not None else [] for r in results]


def commit(settings: Settings, staging: Staging, outputs: Iterable[Output],
           complete: bool = False) -> None:
    """Add the staged outputs to the collection's manifest and commit them with it (a
    handout, a print package, braille, an LMS package: ``complete`` False keeps the
    manifest's other entries)."""
    out = settings.out_dir
    entries = [Entry.of(o, out, staging.path(o.path.relative_to(out).as_posix()))
               for o in outputs]
    manifest = (Manifest.load(out) or Manifest()).merged(out, entries, complete)
    staging.write(NAME, manifest.dumps().encode("utf-8"))
    staging.commit()


def _record(settings: Settings, options: tuple[tuple[str, ...], ...], last: dict,
            shared: list[str], made) -> None:
    """The state the next build compares itself with (engine.state)."""
    folder = settings.content_dir.resolve()
    now_shared = sorted(str(p.resolve()) for p in made.sources
                        if not p.resolve().is_relative_to(folder))
    write_text_atomic(settings.out_dir / STATE, json.dumps({
        "fingerprint": fingerprint(settings, *options, now_shared),
        "shared": now_shared,
        "manifest": file_digest(settings.out_dir / NAME),
        "keys": {**last.get("keys", {}), **made.keys},
    }, indent=1, sort_keys=True))
