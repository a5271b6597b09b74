"""The scratch folder a bounded program is given: it reads the machine's fonts and caches as
before and writes nowhere else than its own folder, its temporary files included."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from helpers import system_font_caches
from pressroom.tools.run import run_bounded
from pressroom.tools.scratch import current_config, private_scratch


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
