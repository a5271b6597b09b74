"""A scratch folder of its own for every program pressroom bounds in memory: its font cache
and its temporary files, removed with it, however the program ends.

**The font cache.** fontconfig keeps one cache file per font folder in the system's cache
folder, and a process that cannot map a cache file (under an address-space limit, a layout
near its memory limit can not) takes the cache for missing, scans the folder, fails to open
its fonts for the same want of memory, and writes the empty result back over the good cache,
as the first writable cache folder it is configured with. From then on every program on the
machine, pressroom's next build included, finds no font in that folder: a face the set-up
installed is "not installed" until someone runs ``fc-cache -f``. So a bounded program is
given a configuration of its own: a throwaway cache folder first (where fontconfig writes),
then the configuration it would have read anyway (where it reads the system's caches from).
Reading is unchanged, the fonts are the same; a starved program's empty cache lands in the
throwaway folder and goes with it.

**Temporary files.** WeasyPrint writes each document's fonts into a ``weasyprint-*`` folder
of the system's temporary folder and removes it only when the font configuration is
garbage-collected, which a layout process that exits, is stopped at its time limit or dies
of its memory limit never does: every layout left a megabyte or more in /tmp. The scratch
folder is the program's TMPDIR (and a Python worker's ``tempfile.tempdir``), so whatever a
program leaves there goes when its scratch folder does.

**A process that is killed** (SIGKILL, the machine's out-of-memory killer, a Dask worker
stopped under its job) removes nothing. So every scratch folder is named by the machine and
the process it belongs to, and making one first removes those of this machine whose process
is gone: what a killed build left goes at the next one, and a live build's folders, or
another machine's on a shared temporary folder, are never touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from xml.sax.saxutils import escape

#: fontconfig's own configuration when FONTCONFIG_FILE does not name another (Debian's
#: compiled-in default; FONTCONFIG_PATH moves the folder).
DEFAULT_CONFIG = "fonts.conf"
DEFAULT_FOLDER = "/etc/fonts"


#: The kinds of scratch folder: one a bounded program's, one a worker pool's (its workers'
#: folders inside it).
KINDS = ("scratch", "workers")


def _host() -> str:
    # A folder name's part: the host name without what a name part may not hold.
    return re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname()) or "host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def sweep(root: Path | None = None) -> list[Path]:
    """Remove the scratch folders in root (the system's temporary folder) that a process of
    this machine left when it was killed; return them."""
    root = Path(tempfile.gettempdir()) if root is None else root
    mine = re.compile(rf"pressroom-(?:{'|'.join(KINDS)})-{re.escape(_host())}-(\d+)-[^-]+")
    removed = []
    for folder in root.glob("pressroom-*"):
        found = mine.fullmatch(folder.name)
        if found and int(found.group(1)) != os.getpid() and not _alive(int(found.group(1))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def make_scratch(kind: str) -> Path:
    """A new scratch folder of this process in the system's temporary folder, named by its
    machine and process (the sweep's first)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of scratch folder: {kind}")
    sweep()
    return Path(tempfile.mkdtemp(prefix=f"pressroom-{kind}-{_host()}-{os.getpid()}-"))


def current_config(env: Mapping[str, str]) -> str:
    """The configuration file fontconfig would read in env."""
    named = env.get("FONTCONFIG_FILE")
    if named:
        return str(Path(env.get("FONTCONFIG_PATH") or DEFAULT_FOLDER, named))
    return str(Path(env.get("FONTCONFIG_PATH") or DEFAULT_FOLDER, DEFAULT_CONFIG))


def scratch_env(folder: Path, env: Mapping[str, str]) -> dict[str, str]:
    """Make folder a program's scratch: write a fontconfig configuration there whose cache
    folder is folder/cache and which includes the one env would have read, and make
    folder/tmp; return env pointing fontconfig and TMPDIR at them."""
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<fontconfig>\n"
        f"  <cachedir>{escape(str(folder / 'cache'))}</cachedir>\n"
        f'  <include ignore_missing="no">{escape(current_config(env))}</include>\n'
        "</fontconfig>\n",
        encoding="utf-8")
    return {**env, "FONTCONFIG_FILE": str(config), "TMPDIR": str(folder / "tmp")}


@contextlib.contextmanager
def private_scratch(env: Mapping[str, str] | None = None) -> Iterator[dict[str, str]]:
    """The environment (env, else this process's) for one bounded program, with a scratch
    folder of its own (scratch_env) that is removed when the block ends."""
    base = os.environ if env is None else env
    folder = make_scratch("scratch")
    try:
        made = scratch_env(folder, base)
        if base.get("TMPDIR", "") not in ("", os.environ.get("TMPDIR", "")):
            # The caller chose a temporary folder of its own (Ace's short one, for
            # chromium's sockets), which it removes: that one stands.
            made["TMPDIR"] = base["TMPDIR"]
        yield made
    finally:
        shutil.rmtree(folder, ignore_errors=True)
