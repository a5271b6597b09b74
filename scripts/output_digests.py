"""Build every collection the project ships, from cold, and print a sha256 for each output.

A change that should alter no output (a refactoring, a new cache) is checked by running this
before and after it and comparing the two listings:

    .venv/bin/python scripts/output_digests.py > before.txt
    ... change ...
    .venv/bin/python scripts/output_digests.py > after.txt
    diff before.txt after.txt

Each collection is built through the command line, as a user builds it, into a folder of its
own under the given root (the same path each run, since the build records paths relative to
it), with a cache of its own, so nothing is reused across runs. The package is imported from
this checkout's src/, whatever the environment has installed, so a second worktree of an
older commit can be measured with the same script.

An EPUB is also listed member by member, its XML members (the package document, the
navigation, the content documents) canonicalised (C14N 2.0) besides their bytes: a change of
serialisation that says the same XML shows there as a changed byte digest and an unchanged
canonical one.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent

#: The default edition, the demonstration reader and the test suite's fixture collections.
COLLECTIONS = (
    "src/content/edition.yaml",
    "src/content/readers/sino-soviet/reader.yaml",
    "tests/fixtures/minimal/edition.yaml",
    "tests/fixtures/images/edition.yaml",
    "tests/fixtures/scripts/edition.yaml",
    "tests/fixtures/reader/reader.yaml",
)
#: A handout (a reading of a reader, with the reader's page numbers).
HANDOUTS = (("src/content/readers/sino-soviet/reader.yaml", "blank-2014"),)


def _invoke(build_dir: Path, *args: str) -> None:
    env = {**os.environ, "INVOKE_PRESSROOM_BUILD_DIR": str(build_dir),
           "PYTHONPATH": str(ROOT / "src")}
    subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def _digests(build_dir: Path) -> list[str]:
    lines = []
    for path in sorted(build_dir.rglob("*")):
        relative = path.relative_to(build_dir)
        # The cache and the build's own bookkeeping are not outputs.
        if path.is_dir() or any(part.startswith(".") for part in relative.parts):
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {relative.as_posix()}")
        if path.suffix == ".epub":
            lines += _members(path, relative.as_posix())
    return lines


def _members(epub: Path, name: str) -> list[str]:
    lines = []
    with zipfile.ZipFile(epub) as archive:
        for member in archive.namelist():
            data = archive.read(member)
            lines.append(f"{hashlib.sha256(data).hexdigest()}  {name}!{member}")
            if member.endswith((".opf", ".xhtml", ".ncx")):
                parser = etree.XMLParser(resolve_entities=False, no_network=True,
                                         load_dtd=False)
                canonical = etree.tostring(etree.fromstring(data, parser), method="c14n2")
                lines.append(f"{hashlib.sha256(canonical).hexdigest()}  {name}!{member} (C14N)")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root",
                        default=str(Path(tempfile.gettempdir()) / "pressroom-output-digests"),
                        help="where the collections are built (emptied first)")
    options = parser.parse_args()
    root = Path(options.root)
    shutil.rmtree(root, ignore_errors=True)
    for collection in COLLECTIONS:
        name = collection.replace("/", "_")
        build_dir = root / name
        _invoke(build_dir, "build", "--edition", collection)
        for handout_of, reading in HANDOUTS:
            if handout_of == collection:
                _invoke(build_dir, "handout", reading, "--edition", collection)
        for line in _digests(build_dir):
            print(f"{name}: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
