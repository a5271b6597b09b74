"""The one caller of liblouis: text to braille and back, with its lou_translate program
(Debian's liblouis-bin), bounded as every outside program is.

The PyPI package named ``louis`` is not liblouis, and Debian's python3-louis binds into the
system's Python, not the project's environment: the program is what the project can rely on.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pressroom.errors import ConfigError, RenderError
from pressroom.tools.run import DEFAULT_LIMITS, Limits, run_tool

#: North American Braille ASCII, the cells of a BRF file.
DISPLAY = "en-us-brf.dis"
#: Unified English Braille, grade 2 (contracted): what BANA formats are transcribed in.
DEFAULT_TABLE = "en-ueb-g2.ctb"


def translate(lines: Sequence[str], table: str = DEFAULT_TABLE, *, backward: bool = False,
              limits: Limits = DEFAULT_LIMITS, source_path: Path | None = None) -> list[str]:
    """Each line of text as one line of braille ASCII (or, ``backward``, each line of braille
    as text). A line must hold no line break: lou_translate translates line by line."""
    if any("\n" in line or "\r" in line for line in lines):
        raise ValueError("a line to translate holds a line break")
    if not lines:
        return []
    result = run_tool(["lou_translate", "--backward" if backward else "--forward",
                       f"{DISPLAY},{table}"], what="lou_translate (liblouis)", limits=limits,
                      source_path=source_path,
                      # lou_translate reads escapes (\x, \u) in its input, in either
                      # direction: a backslash (braille ASCII for "ou") is written doubled,
                      # or the line fails whole ("invalid escape sequence").
                      input="".join(line.replace("\\", "\\\\") + "\n" for line in lines))
    if "error" in result.stderr:
        # lou_translate says so on standard error, exits 0 and prints an empty line.
        raise RenderError(f"lou_translate: {' '.join(result.stderr.split())[:200]}",
                          path=source_path)
    out = result.stdout.split("\n")
    if out and out[-1] == "":
        out.pop()
    if len(out) != len(lines):
        raise RenderError(f"lou_translate gave {len(out)} lines for {len(lines)}",
                          path=source_path)
    return out


def check_table(table: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse, before any work, a table liblouis cannot compile (a misspelt --table)."""
    try:
        translate(["a"], table, limits=limits)
    except RenderError as exc:
        raise ConfigError(f"liblouis cannot use the table {table!r} ({exc.message})") from None
