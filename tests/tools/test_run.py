"""The bounded runner: time and memory limits on real processes, and limits from configuration."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from pressroom.errors import ConfigError, LimitError
from pressroom.tools.run import Limits, run_bounded


def test_a_timeout_kills_the_program_and_everything_it_started(tmp_path: Path):
    pid_file = tmp_path / "grandchild.pid"
    script = f"sleep 60 & echo $! > {pid_file}; wait"
    started = time.monotonic()
    with pytest.raises(LimitError, match=r"^x\.md: sh stopped after 1 s \(limit tool_seconds; "
                                         r"raise it in invoke\.yaml under pressroom\.limits\)$"):
        run_bounded(["sh", "-c", script], seconds=1, memory_mb=512, what="sh", limit="tool",
                    source_path="x.md")
    assert time.monotonic() - started < 10
    grandchild = int(pid_file.read_text())
    time.sleep(0.2)
    assert _gone(grandchild), "the program's own child outlived the timeout"


def _gone(pid: int) -> bool:
    # Killed: no such process, or a zombie waiting for whoever adopted it to reap it.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in {"Z", "X"}


def test_the_memory_limit_stops_a_program_that_allocates_too_much():
    grab = "x = bytearray(512 * 1024 * 1024)"
    with pytest.raises(LimitError, match=r"^python ran out of memory at 256 MB \(limit "
                                         r"tool_memory_mb;"):
        run_bounded([sys.executable, "-c", grab], seconds=60, memory_mb=256, what="python",
                    limit="tool")
    # The same program within a limit that allows it.
    result = run_bounded([sys.executable, "-c", grab], seconds=60, memory_mb=2048,
                         what="python", limit="tool")
    assert result.returncode == 0


def test_a_failing_program_is_returned_not_raised():
    result = run_bounded(["sh", "-c", "echo oops >&2; exit 3"], seconds=10, memory_mb=256,
                         what="sh")
    assert (result.returncode, result.stderr) == (3, "oops\n")


def test_limits_from_configuration():
    limits = Limits.from_mapping({"pandoc_seconds": 5, "source_mb": 20})
    assert limits.pandoc_seconds == 5.0 and limits.source_mb == 20
    assert limits.of("pandoc") == (5.0, Limits().pandoc_memory_mb)
    with pytest.raises(ConfigError, match="unknown limit 'pandoc_secs'"):
        Limits.from_mapping({"pandoc_secs": 5})
    for bad in (0, -1, "5", True, None):
        with pytest.raises(ConfigError, match="must be a positive number"):
            Limits.from_mapping({"pandoc_seconds": bad})
