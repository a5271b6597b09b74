"""Safe writes: an output is either the old file or the complete new one, and a build's
outputs change together."""


from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pressroom.errors import ConfigError


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write data to path through a temporary file in the same folder and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Builds: one at a time per project, and outputs that change all together or not at all.

LOCK_NAME = ".lock"
JOURNAL_NAME = ".commit.json"
STAGING_PREFIX = ".staging-"


@contextlib.contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """Hold build/.lock for the duration of a build; a second build stops at once, saying
    which process holds it, instead of interleaving its writes with the first."""
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / LOCK_NAME
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise ConfigError(f"another build is running in this project (pid {holder}); "
                              "wait for it to finish", path=path) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        recover(build_dir)
        yield
    finally:
        handle.close()  # closing releases the lock; the file stays, empty of meaning


def recover(build_dir: Path) -> None:
    """Finish or discard what a killed build left: a journal whose staged files all exist is
    rolled forward (the build had decided to commit); anything else staged is thrown away."""
    journal = build_dir / JOURNAL_NAME
    if journal.exists():
        try:
            entries = json.loads(journal.read_text(encoding="utf-8"))
            for staged, final in entries:
                source = build_dir / staged
                if source.exists():
                    source.replace(build_dir / final)
        except (ValueError, OSError, TypeError):
            pass  # a torn journal was never acted on: its build had not started committing
        journal.unlink(missing_ok=True)
    for leftover in build_dir.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in build_dir.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)


class Staging:
    """Outputs of one build, written aside and moved into build/ together by commit().

    Until commit() every earlier output is untouched; commit() writes a journal naming each
    move before making the first, so a build killed half-way through committing is completed
    by the next one (recover) rather than left half old, half new.
    """

    def __init__(self, build_dir: Path) -> None:
        self.build_dir = build_dir
        self.folder = build_dir / f"{STAGING_PREFIX}{os.getpid()}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.names: list[str] = []

    def path(self, name: str) -> Path:
        """Where an output is staged; its final place is build/<name>."""
        return self.folder / name

    def write(self, name: str, data: bytes) -> Path:
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o644)
        if name not in self.names:
            self.names.append(name)
        return self.build_dir / name

    def commit(self) -> None:
        moves = [[self.path(n).relative_to(self.build_dir).as_posix(), n] for n in self.names]
        write_text_atomic(self.build_dir / JOURNAL_NAME, json.dumps(moves))
        for staged, final in moves:
            (self.build_dir / staged).replace(self.build_dir / final)
        (self.build_dir / JOURNAL_NAME).unlink()
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
