"""Safe writes: an output is either the old file or the complete new one, and a build's
outputs change together."""


from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pressroom.errors import ConfigError, RenderError

#: What the disk, not the build, is to blame for: full, over quota, mounted read-only.
DISK_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


def cannot_write(exc: OSError, path: Path | str | None = None) -> RenderError:
    """A write the disk refused, as one line naming the file (a full disk, a read-only
    build folder): the machine's state, not a bug, so no traceback."""
    return RenderError(f"cannot write: {exc.strerror or exc}", path=path or exc.filename)


def _write_file(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
    path.chmod(0o644)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write data to path through a temporary file in the same folder and os.replace; a
    write the disk refuses is a RenderError naming path."""
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        tmp = Path(name)
        _write_file(tmp, data)
        tmp.replace(path)
    except OSError as exc:
        raise cannot_write(exc, path) from exc
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Builds: one at a time per project, and outputs that change all together or not at all.

LOCK_NAME = ".lock"
JOURNAL_NAME = ".commit.json"
STAGING_PREFIX = ".staging-"
#: Pandoc's scratch folders for the EPUB (engine.work), made in build/ by a worker.
SCRATCH_PREFIXES = (STAGING_PREFIX, ".epub-")


@contextlib.contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """Hold build/.lock for the duration of a build; a second build stops at once, saying
    which process holds it, instead of interleaving its writes with the first."""
    path = build_dir / LOCK_NAME
    try:
        build_dir.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:
        raise cannot_write(exc, path) from exc
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
        # Each collection commits into a folder of its own (engine.settings.out_dir).
        for folder in [build_dir, *sorted(p for p in build_dir.iterdir()
                                          if p.is_dir() and not p.name.startswith("."))]:
            recover(folder)
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
    # Under the lock no other build is running: what its staging or a worker's scratch left
    # is a killed build's.
    for prefix in SCRATCH_PREFIXES:
        for leftover in build_dir.glob(f"{prefix}*"):
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
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise cannot_write(exc, self.folder) from exc
        self.names: list[str] = []

    def path(self, name: str) -> Path:
        """Where an output is staged; its final place is build/<name>."""
        return self.folder / name

    def write(self, name: str, data: bytes) -> Path:
        target = self.path(name)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_file(target, data)
        except OSError as exc:
            # Named as the output it was to become: the staging folder is the build's own.
            raise cannot_write(exc, self.build_dir / name) from exc
        if name not in self.names:
            self.names.append(name)
        return self.build_dir / name

    def commit(self) -> None:
        moves = [[self.path(n).relative_to(self.build_dir).as_posix(), n] for n in self.names]
        write_text_atomic(self.build_dir / JOURNAL_NAME, json.dumps(moves))
        try:
            for staged, final in moves:
                (self.build_dir / staged).replace(self.build_dir / final)
            (self.build_dir / JOURNAL_NAME).unlink()
        except OSError as exc:
            # The journal stands, and with it the staged files (discard leaves them): the
            # next build finishes the moves (recover).
            raise cannot_write(exc, self.build_dir) from exc
        except BaseException:
            # Stopped part-way (SIGTERM, Ctrl-C): the build had decided to commit, and what
            # is left is a few renames. Finish them now rather than leave build/ half old,
            # half new; if even that is stopped, the journal stands for the next build.
            with contextlib.suppress(OSError):
                recover(self.build_dir)
            raise
        self.discard()

    def discard(self) -> None:
        """Throw the staged files away, unless a journal names them: then the commit has
        begun, and they are what recover moves into build/ to finish it."""
        if (self.build_dir / JOURNAL_NAME).exists():
            return
        shutil.rmtree(self.folder, ignore_errors=True)
