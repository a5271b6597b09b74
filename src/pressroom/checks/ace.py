"""Check the EPUB's accessibility with DAISY Ace and read its JSON report."""


from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pressroom.errors import CheckError
from pressroom.tools.run import DEFAULT_LIMITS, Limits, run_bounded

#: Where the set-up installs Ace (`npm install --ignore-scripts @daisy/ace`), per project.
TOOLS_DIR = Path(".tools") / "ace"
#: The command-line Ace that drives a headless Chromium through Puppeteer. Plain `ace` is the
#: Electron build, whose binary --ignore-scripts never downloads, so it cannot start here.
ACE_BIN = Path("node_modules") / ".bin" / "ace-puppeteer"
IMPACTS = ("critical", "serious", "moderate", "minor")

#: Ace already passes --no-sandbox (Chromium refuses to run as root without it) and Puppeteer
#: adds --disable-background-networking, but neither lets us add flags, and Chromium still looks
#: up update.googleapis.com, clients2.google.com and accounts.google.com. These go on the
#: command line through a launcher script (see _write_launcher); the resolver rule turns every
#: host name into "not found" without a DNS query, which is safe because Ace only opens files.
CHROMIUM_FLAGS = (
    "--disable-component-update",
    "--disable-domain-reliability",
    "--no-pings",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Violation:
    """One failed check on one element (or on the package document)."""

    rule: str
    impact: str
    file: str
    location: str
    description: str

    def __str__(self) -> str:
        return f"{self.impact}: {self.rule}: {self.location}: {self.description}"


@dataclass(frozen=True)
class AceReport:
    """What Ace found: its verdict, every violation, and the accessibility metadata it read."""

    epub: Path
    ace_version: str
    outcome: str
    violations: tuple[Violation, ...]
    #: Accessibility metadata properties (e.g. "schema:accessibilitySummary") by state.
    missing_metadata: tuple[str, ...]
    empty_metadata: tuple[str, ...]
    present_metadata: tuple[str, ...]

    @property
    def counts(self) -> dict[str, int]:
        """Violations by impact, every impact listed, most severe first."""
        counts = dict.fromkeys(IMPACTS, 0)
        for v in self.violations:
            counts[v.impact] = counts.get(v.impact, 0) + 1
        return counts

    def summary(self) -> str:
        found = ", ".join(f"{n} {impact}" for impact, n in self.counts.items() if n)
        missing = ", ".join(self.missing_metadata) or "none"
        return f"{found or 'no violations'}; missing metadata: {missing}"


def find_ace(project_root: Path, tools_dir: Path | None = None) -> Path | None:
    ace = ((tools_dir or project_root / TOOLS_DIR) / ACE_BIN).absolute()
    return ace if ace.is_file() and os.access(ace, os.X_OK) else None


def find_chromium() -> Path | None:
    # Debian's chromium package installs /usr/bin/chromium; look there first, then on PATH.
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def ace_available(project_root: Path, tools_dir: Path | None = None) -> str | None:
    """None if Ace can run; otherwise one plain line saying what is missing."""
    if find_ace(project_root, tools_dir) is None:
        where = tools_dir or TOOLS_DIR
        return f"DAISY Ace is not installed in {where} (run the set-up)"
    if shutil.which("node") is None:
        return "no Node.js on PATH (DAISY Ace needs Node.js 20 or newer)"
    if find_chromium() is None:
        return "no chromium (DAISY Ace needs Debian's chromium package; the set-up installs it)"
    return None


def run_ace(
    epub: Path,
    project_root: Path,
    build_dir: Path,
    *,
    tools_dir: Path | None = None,
    timeout: float | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> AceReport:
    """Run Ace on epub in a temporary folder under build_dir and return its parsed report.

    Ace (Node and the Chromium it drives) runs within limits.ace_seconds (or ``timeout``) and
    limits.ace_memory_mb; a run of the edition takes about 5 s.
    """
    reason = ace_available(project_root, tools_dir)
    ace, chromium = find_ace(project_root, tools_dir), find_chromium()
    if reason or ace is None or chromium is None:
        raise CheckError(reason or "DAISY Ace cannot run", path=epub)
    build_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".ace-", dir=build_dir))
    # Chromium puts its sockets in TMPDIR, and a Unix socket path may not exceed 107 bytes:
    # a deep build folder would stop the browser from starting, so TMPDIR stays short.
    runtime = Path(tempfile.mkdtemp(prefix="pressroom-ace-"))
    try:
        seconds = timeout if timeout is not None else limits.ace_seconds
        _run(ace, chromium, epub.resolve(), work, seconds, limits.ace_memory_mb, runtime)
        return _read_report(work / "report" / "report.json", epub)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(runtime, ignore_errors=True)


def _write_launcher(chromium: Path, folder: Path) -> Path:
    # Puppeteer runs whatever PUPPETEER_EXECUTABLE_PATH names with its own arguments, so a
    # small script is the one place our flags can join them. It records its pid, which exec
    # hands on to Chromium, so that a timeout can find the browser (see _stop).
    launcher = folder / "chromium"
    flags = " ".join(shlex.quote(flag) for flag in CHROMIUM_FLAGS)
    pid_file = shlex.quote(str(folder / "chromium.pid"))
    launcher.write_text(
        f'#!/bin/sh\necho $$ > {pid_file}\nexec {shlex.quote(str(chromium))} {flags} "$@"\n',
        encoding="utf-8",
    )
    launcher.chmod(0o700)
    return launcher


def _run(ace: Path, chromium: Path, epub: Path, work: Path, seconds: float, memory_mb: int,
         runtime: Path) -> None:
    home = work / "home"
    home.mkdir()
    env = {
        **os.environ,
        "PUPPETEER_EXECUTABLE_PATH": str(_write_launcher(chromium, work)),
        "PUPPETEER_SKIP_DOWNLOAD": "true",
        # Ace's logs and config, Chromium's profile and crash reports all follow these, so a
        # run leaves nothing behind once `work` and `runtime` are removed.
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TMPDIR": str(runtime),
    }
    args = [str(ace), "--force", "--lang", "en", "--outdir", str(work / "report"),
            "--tempdir", str(work / "unzipped"), str(epub)]
    # run_bounded gives Node a session of its own, so that a timeout can signal it without
    # signalling us; _stop then finds the browser, which Puppeteer starts in another session.
    try:
        result = run_bounded(args, seconds=seconds, memory_mb=memory_mb, what="DAISY Ace",
                             limit="ace", source_path=epub, cwd=work, env=env,
                             on_timeout=lambda proc: _stop(proc, work), memory="data")
    except OSError as exc:
        raise CheckError(f"cannot run DAISY Ace: {exc}", path=epub) from exc
    if result.returncode != 0:
        raise CheckError(f"DAISY Ace failed (exit {result.returncode}): "
                         f"{_last_error(result.stdout + result.stderr)}", path=epub)


def _stop(proc: subprocess.Popen[str], work: Path) -> None:
    # SIGTERM first: Puppeteer's handler for it closes the browser it started. run_bounded
    # kills Node's group outright afterwards.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
    # Puppeteer starts Chromium in a session of its own, which outlives a killed Node. Its
    # group is the launcher's pid; the command line naming our folder proves it is still ours.
    with contextlib.suppress(OSError, ValueError):
        pid = int((work / "chromium.pid").read_text(encoding="utf-8"))
        if str(work).encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
            os.killpg(pid, signal.SIGKILL)


def _last_error(output: str) -> str:
    # Ace logs "error: ..." lines, the most specific last; the rest is progress.
    errors = [line.split(":", 1)[1].strip() for line in _ANSI.sub("", output).splitlines()
              if line.startswith("error:") and line.split(":", 1)[1].strip()]
    if errors:
        return errors[-1]
    lines = [line.strip() for line in _ANSI.sub("", output).splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _one_line(text: str) -> str:
    return "; ".join(part.strip() for part in str(text).splitlines() if part.strip())


def _severity_first(v: Violation) -> tuple[int, str, str, str]:
    rank = IMPACTS.index(v.impact) if v.impact in IMPACTS else len(IMPACTS)
    return rank, v.file, v.rule, v.location


def _read_report(path: Path, epub: Path) -> AceReport:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckError("DAISY Ace wrote no report.json", path=epub) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckError(f"unreadable report.json from DAISY Ace: {exc}", path=epub) from exc
    try:
        violations = []
        for document in report["assertions"]:
            file = document["earl:testSubject"]["url"]
            for item in document.get("assertions", []):
                test, result = item["earl:test"], item["earl:result"]
                location = file
                pointer = result.get("earl:pointer") or {}
                # An element is located as Ace's HTML report does: its first CFI, and the CSS
                # selector too, which a person can read.
                if pointer.get("cfi"):
                    location += f"#epubcfi({pointer['cfi'][0]})"
                if pointer.get("css"):
                    location += f" ({pointer['css'][0]})"
                violations.append(Violation(
                    rule=test["dct:title"],
                    impact=test["earl:impact"],
                    file=file,
                    location=location,
                    description=_one_line(result.get("dct:description")
                                          or test.get("dct:description", "")),
                ))
        metadata = report["a11y-metadata"]
        return AceReport(
            epub=epub,
            ace_version=report["earl:assertedBy"]["doap:release"]["doap:revision"],
            outcome=report["earl:result"]["earl:outcome"],
            # Ace checks documents in parallel, so its order changes from run to run.
            violations=tuple(sorted(violations, key=_severity_first)),
            missing_metadata=tuple(metadata.get("missing", ())),
            empty_metadata=tuple(metadata.get("empty", ())),
            present_metadata=tuple(metadata.get("present", ())),
        )
    except (KeyError, IndexError, TypeError) as exc:
        raise CheckError(f"unexpected report.json from DAISY Ace: no {exc}", path=epub) from exc
