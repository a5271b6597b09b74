"""A private font cache for every program pressroom bounds in memory.

fontconfig keeps one cache file per font folder in the system's cache folder, and a process
that cannot map a cache file (under an address-space limit, a layout near its memory limit
can not) takes the cache for missing, scans the folder, fails to open its fonts for the same
want of memory, and writes the empty result back over the good cache, as the first writable
cache folder it is configured with. From then on every program on the machine, pressroom's
next build included, finds no font in that folder: a face the set-up installed is "not
installed" until someone runs ``fc-cache -f``.

So a bounded program is given a configuration of its own: a throwaway cache folder first
(where fontconfig writes), then the configuration it would have read anyway (where it reads
the system's caches from). Reading is unchanged, the fonts are the same; a starved program's
empty cache lands in the throwaway folder and goes with it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from xml.sax.saxutils import escape

#: fontconfig's own configuration when FONTCONFIG_FILE does not name another (Debian's
#: compiled-in default; FONTCONFIG_PATH moves the folder).
DEFAULT_CONFIG = "fonts.conf"
DEFAULT_FOLDER = "/etc/fonts"


def current_config(env: Mapping[str, str]) -> str:
    """The configuration file fontconfig would read in env."""
    named = env.get("FONTCONFIG_FILE")
    if named:
        return str(Path(env.get("FONTCONFIG_PATH") or DEFAULT_FOLDER, named))
    return str(Path(env.get("FONTCONFIG_PATH") or DEFAULT_FOLDER, DEFAULT_CONFIG))


def write_config(folder: Path, env: Mapping[str, str]) -> dict[str, str]:
    """Write a configuration in folder whose cache folder is folder/cache and which includes
    the one env would have read; return env pointing fontconfig at it."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<fontconfig>\n"
        f"  <cachedir>{escape(str(folder / 'cache'))}</cachedir>\n"
        f'  <include ignore_missing="no">{escape(current_config(env))}</include>\n'
        "</fontconfig>\n",
        encoding="utf-8")
    return {**env, "FONTCONFIG_FILE": str(config)}


@contextlib.contextmanager
def private_cache(env: Mapping[str, str] | None = None,
                  parent: str | None = None) -> Iterator[dict[str, str]]:
    """The environment (env, else this process's) for one bounded program, with a cache
    folder of its own that is removed when the block ends."""
    base = os.environ if env is None else env
    folder = Path(tempfile.mkdtemp(prefix="pressroom-fontconfig-", dir=parent))
    try:
        yield write_config(folder, base)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
