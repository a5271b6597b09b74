"""The scratch folder a bounded program is given: it reads the machine's fonts and caches as
before and writes nowhere else than its own folder, its temporary files included."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from helpers import system_font_caches
from pressroom.tools.run import run_bounded
from pressroom.tools.scratch import _host, current_config, private_scratch, sweep


def _fonts(env: dict[str, str] | None = None) -> list[str]:
    return sorted(subprocess.run(["fc-list"], env=env, capture_output=True, text=True,
                                 check=True, timeout=60).stdout.splitlines())


def test_a_program_sees_the_same_fonts_through_its_private_scratch():
    with private_scratch() as env:
        assert _fonts(env) == _fonts()


def test_a_rescan_writes_into_the_private_folder_and_not_over_the_machines_caches():
    before = system_font_caches()
    with private_scratch() as env:
        folder = Path(env["FONTCONFIG_FILE"]).parent
        # fc-cache -f rescans every font folder and writes every cache, as a starved
        # program's fontconfig writes the (empty) ones it could not read.
        subprocess.run(["fc-cache", "-f"], env=env, check=True, timeout=300)
        written = list((folder / "cache").glob("*.cache-*"))
        assert written, "fc-cache wrote no cache into the private folder"
    assert not folder.exists()
    assert system_font_caches() == before


def test_every_bounded_program_runs_with_a_private_scratch():
    done = run_bounded(["sh", "-c", 'echo "$FONTCONFIG_FILE"; cat "$FONTCONFIG_FILE"'],
                       seconds=30, memory_mb=256, what="sh")
    config = Path(done.stdout.splitlines()[0])
    assert f"<include ignore_missing=\"no\">{current_config({})}</include>" in done.stdout
    assert f"<cachedir>{config.parent / 'cache'}</cachedir>" in done.stdout
    assert not config.parent.exists()


def test_a_configuration_already_chosen_is_the_one_included(tmp_path: Path):
    chosen = tmp_path / "other.conf"
    assert current_config({"FONTCONFIG_FILE": str(chosen)}) == str(chosen)
    assert current_config({}) == "/etc/fonts/fonts.conf"
    assert current_config({"FONTCONFIG_PATH": "/opt/fonts"}) == "/opt/fonts/fonts.conf"


def test_what_a_bounded_program_leaves_in_its_temporary_folder_goes_with_it():
    done = run_bounded(["sh", "-c", 'echo "$TMPDIR"; mkdir "$TMPDIR/weasyprint-left"'],
                       seconds=30, memory_mb=256, what="sh")
    tmp = Path(done.stdout.splitlines()[0])
    assert tmp.name == "tmp" and tmp.parent.name.startswith("pressroom-scratch-")
    assert not tmp.parent.exists()


def test_a_temporary_folder_the_caller_chose_stands(tmp_path: Path):
    chosen = tmp_path / "short"
    chosen.mkdir()
    with private_scratch({**os.environ, "TMPDIR": str(chosen)}) as env:
        assert env["TMPDIR"] == str(chosen)
    assert chosen.is_dir()


def _dead_pid() -> int:
    done = subprocess.Popen(["true"])
    done.wait(timeout=30)
    return done.pid


def test_what_a_killed_process_left_is_swept_and_nothing_else(tmp_path: Path):
    dead, host = _dead_pid(), _host()
    left = [tmp_path / f"pressroom-scratch-{host}-{dead}-a1b2c3d4",
            tmp_path / f"pressroom-workers-{host}-{dead}-e5f6_7h8"]
    kept = [tmp_path / f"pressroom-scratch-{host}-{os.getpid()}-a1b2c3d4",  # this process
            tmp_path / f"pressroom-workers-{host}-{os.getppid()}-a1b2c3d4",  # a live one
            tmp_path / f"pressroom-scratch-another_machine-{dead}-a1b2c3d4",
            tmp_path / "pressroom-scratch-a1b2c3d4",  # unnamed: whose, nobody can tell
            tmp_path / f"pressroom-cache-{host}-{dead}-a1b2c3d4"]  # not a scratch folder
    for folder in left + kept:
        (folder / "tmp").mkdir(parents=True)
    assert sorted(sweep(tmp_path)) == sorted(left)
    assert not any(f.exists() for f in left) and all(f.exists() for f in kept)


def test_a_killed_builds_worker_folders_go_at_the_next_build(tmp_path: Path):
    # A building process killed outright (no handler runs) leaves its pool's folder; the
    # next pool, in another process, removes it as it starts.
    script = ("import sys, time\n"
              "from pressroom.engine.local import LocalExecutor\n"
              "with LocalExecutor() as pool:\n"
              "    print(pool._scratches, flush=True)\n"
              "    time.sleep(120)\n")
    build = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        folder = Path(build.stdout.readline().strip())
        assert folder.is_dir() and folder.parent == Path(tempfile.gettempdir())
    finally:
        os.kill(build.pid, signal.SIGKILL)
        build.wait(timeout=30)
        build.stdout.close()
    assert folder.is_dir()
    with private_scratch() as env:
        assert Path(env["TMPDIR"]).is_dir()
    assert not folder.exists()
