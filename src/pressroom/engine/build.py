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
import signal
import threading
from collections.abc import Callable, Iterable, Iterator

from pressroom.cache import file_digest
from pressroom.engine.manifest import NAME, Entry, Manifest
from pressroom.engine.settings import Output, Settings
from pressroom.engine.state import STATE, fingerprint, read_json, up_to_date
from pressroom.engine.strict import counting
from pressroom.errors import ConfigError
from pressroom.files import Staging, build_lock, write_text_atomic
from pressroom.papers import DEFAULT_PAPERS, FORMATS, KINDS, selected_variants


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
    say = progress or (lambda _message: None)
    formats, papers, kinds = tuple(formats), tuple(papers), tuple(kinds)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ConfigError(f"unknown format {unknown[0]!r} (choose from {', '.join(FORMATS)})")
    variants = selected_variants(formats, papers, kinds)
    with stopped_by_sigterm(), build_lock(settings.build_dir), counting() as warnings:
        last = read_json(settings.cache.root / STATE) or {}
        shared = [str(name) for name in last.get("shared", [])]
        state = fingerprint(settings, formats, papers, kinds, shared)
        reused = up_to_date(settings, state)
        if reused is not None:
            return reused
        # Deferred (see pressroom.engine): what makes the outputs imports Pandoc's wrapper,
        # pydantic and pypdf, which an up-to-date build never needs.
        from pressroom.engine import make

        previous = last.get("keys", {})
        staging = Staging(settings.build_dir)
        try:
            made = make.make(settings, formats, variants, staging, previous, say)
            if settings.strict:
                warnings.check()
            complete = (set(formats) == set(FORMATS) and set(papers) == set(DEFAULT_PAPERS)
                        and set(kinds) == set(KINDS))
            entries = [Entry.of(o, settings.build_dir,
                                staging.path(o.path.relative_to(settings.build_dir).as_posix()))
                       for o in made.outputs]
            manifest = (Manifest.load(settings.build_dir) or Manifest()).merged(
                settings.build_dir, entries, complete)
            staging.write(NAME, manifest.dumps().encode("utf-8"))
            staging.commit()
        finally:
            staging.discard()
        folder = settings.content_dir.resolve()
        now_shared = sorted(str(p.resolve()) for p in made.sources
                            if not p.resolve().is_relative_to(folder))
        if now_shared != shared:
            state = fingerprint(settings, formats, papers, kinds, now_shared)
        write_text_atomic(settings.cache.root / STATE, json.dumps({
            "fingerprint": state,
            "shared": now_shared,
            "manifest": file_digest(settings.build_dir / NAME),
            "keys": {**previous, **made.keys},
        }, indent=1, sort_keys=True))
        return made.outputs
