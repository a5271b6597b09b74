"""The whole build: manifest, atomic outputs, and the CLI boundary (one line, no traceback)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys

from conftest import Built
from helpers import CONTENT, ROOT, copy_fixture
from pressroom.sources.yamldoc import collection_id


def test_manifest_lists_every_output_with_size_and_hash(minimal_build: Built):
    out_dir = minimal_build.settings.out_dir
    manifest = json.loads((out_dir / "manifest.json").read_text())
    entries = {e["path"]: e for e in manifest["outputs"]}
    assert len(entries) == len(minimal_build.outputs)
    for out in minimal_build.outputs:
        entry = entries[out.path.name]
        assert entry["format"] == out.format
        assert entry["bytes"] == out.path.stat().st_size
        assert entry["sha256"] == hashlib.sha256(out.path.read_bytes()).hexdigest()
        if out.format == "pdf":
            assert entry["pages"] > 0 and entry["paper"]


def _invoke(*args: str, env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **env_extra}
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_bad_content_gives_one_line_and_keeps_previous_outputs(tmp_path):
    content = copy_fixture(tmp_path)
    chronology = content / "timeline" / "chronology.yaml"
    chronology.write_text(chronology.read_text().replace("notes: [1]", "notes: [31]"))
    build_dir = tmp_path / "build"
    out_dir = build_dir / collection_id(content)
    out_dir.mkdir(parents=True)
    (out_dir / "manifest.json").write_text('{"outputs": []}\n')
    (out_dir / "edition.md").write_text("previous\n")
    result = _invoke("build", env_extra={
        "INVOKE_PRESSROOM_EDITION": str(content),
        "INVOKE_PRESSROOM_BUILD_DIR": str(build_dir),
    })
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {chronology}:")
    assert "unknown note 31 (the article 'sample-1999' has notes 1-3)" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert (out_dir / "edition.md").read_text() == "previous\n"
    # Nothing new but the lock (which stays, empty of meaning once its build has ended).
    assert sorted(p.name for p in build_dir.iterdir()) == [".lock", out_dir.name]
    assert sorted(p.name for p in out_dir.iterdir()) == ["edition.md", "manifest.json"]


def test_undefined_template_variable_gives_one_line(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    for src in (ROOT / "templates").iterdir():
        (templates / src.name).write_text(src.read_text())
    reading = templates / "reading.md.j2"
    reading.write_text(reading.read_text().replace("[{{ reading.rights }}]{.rights}",
                                                   "{{ reading.bodyy }}"))
    line = reading.read_text().splitlines().index("{{ reading.bodyy }}") + 1
    result = _invoke("build", env_extra={
        "INVOKE_PRESSROOM_EDITION": str(ROOT / "tests" / "fixtures" / "minimal"),
        "INVOKE_PRESSROOM_TEMPLATES_DIR": str(templates),
        "INVOKE_PRESSROOM_BUILD_DIR": str(tmp_path / "build"),
    })
    assert result.returncode == 1
    expected = f"error: {reading}:{line}: 'dict object' has no attribute 'bodyy'"
    assert result.stderr.strip() == expected


def test_import_text_of_a_missing_file_is_one_line(tmp_path):
    result = _invoke("import-text", str(tmp_path / "nope.txt"), env_extra={})
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.txt'}: file not found"


def test_every_task_has_a_one_line_help():
    # The tasks as Invoke loads them, not the text of tasks.py.
    spec = importlib.util.spec_from_file_location("project_tasks", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tasks = module.ns.tasks
    assert set(tasks) >= {"build", "pdf", "epub", "html", "check", "clean", "import-text"}
    for name, task in tasks.items():
        doc = task.__doc__ or ""
        assert doc and doc.splitlines()[0].endswith("."), name
    listing = subprocess.run([sys.executable, "-m", "invoke", "--list"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    for name in ("build", "pdf", "epub", "html", "check", "clean", "import-text"):
        assert any(line.split()[:1] == [name] and len(line.split()) > 1
                   for line in listing.splitlines()), name


def test_a_second_build_gives_the_same_bytes(minimal_build: Built, tmp_path):
    # Not a comparison with a stored file (those break with every library update): two builds
    # from the same inputs, now, must agree byte for byte; reproducible builds rest on this.
    from pressroom.engine.build import build
    from pressroom.engine.settings import Settings

    first = minimal_build.settings
    again = build(Settings(first.project_root, first.edition, first.templates_dir,
                           tmp_path / "again"))
    for out in again:
        before = first.out_dir / out.path.name
        assert hashlib.sha256(out.path.read_bytes()).digest() == hashlib.sha256(
            before.read_bytes()).digest(), out.path.name


def test_a_failed_stage_leaves_every_output_and_the_manifest_as_they_were(
        minimal_build: Built, tmp_path):
    import shutil

    from pressroom.engine.build import build
    from pressroom.engine.settings import Settings
    from pressroom.errors import TemplateError

    build_dir = tmp_path / "build"
    shutil.copytree(minimal_build.settings.build_dir, build_dir)
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "epub.css").unlink()  # the last stage, the EPUB, will fail
    (templates / "reading.md.j2").write_text(
        (templates / "reading.md.j2").read_text().replace("::: byline", "::: byline\nNew.\n"))
    settings = Settings(ROOT, minimal_build.settings.edition, templates, build_dir)
    out_dir = settings.out_dir
    before = {p.name: p.read_bytes() for p in out_dir.iterdir() if p.is_file()
              and not p.name.startswith(".")}
    try:
        build(settings)
    except TemplateError as exc:
        assert str(exc).startswith(f"{templates / 'epub.css'}: cannot read")
    else:
        raise AssertionError("the build should have stopped at the missing stylesheet")
    manifest = json.loads((out_dir / "manifest.json").read_text())
    for entry in manifest["outputs"]:
        assert (out_dir / entry["path"]).read_bytes() == before[entry["path"]], entry["path"]
    assert (out_dir / "manifest.json").read_bytes() == before["manifest.json"]
    html = next(out_dir.glob("*.html")).read_text()
    assert "New." not in html  # the HTML was made, but outputs change together or not at all
    assert not [p for folder in (build_dir, out_dir) for p in folder.iterdir()
                if p.name.startswith((".staging", ".commit"))]


def test_outputs_are_readable_by_everyone(minimal_build: Built):
    for out in minimal_build.outputs:
        assert out.path.stat().st_mode & 0o777 == 0o644, out.path.name


def test_clean_refuses_to_empty_the_project():
    result = _invoke("clean", env_extra={"INVOKE_PRESSROOM_BUILD_DIR": "."})
    assert result.returncode == 1
    expected = f"error: refusing to empty {ROOT}: not a folder inside the project"
    assert result.stderr.strip() == expected
    assert (ROOT / "tasks.py").exists()


def test_check_with_a_corrupt_manifest_is_one_line(tmp_path):
    # The default collection's folder (the project's edition, as invoke.yaml names it).
    out_dir = tmp_path / "build" / collection_id(CONTENT)
    out_dir.mkdir(parents=True)
    (out_dir / "manifest.json").write_text("[]")
    result = _invoke("check", env_extra={"INVOKE_PRESSROOM_BUILD_DIR": str(tmp_path / "build")})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: {out_dir / 'manifest.json'}: unreadable manifest: rebuild with `inv build`")


def test_a_bad_collection_named_with_edition_gives_one_line(tmp_path):
    reader = copy_fixture(tmp_path, "reader")
    alpha = reader / "readings" / "alpha.md"
    alpha.write_text(alpha.read_text().replace("issued: 1995", "issued: spring 1995"))
    result = _invoke("build", "--edition", str(reader / "reader.yaml"),
                     env_extra={"INVOKE_PRESSROOM_BUILD_DIR": str(tmp_path / "build")})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: {alpha}:9: source: date 'spring 1995': write YYYY, YYYY-MM or YYYY-MM-DD, "
        "or CSL date-parts")
    assert "Traceback" not in result.stdout + result.stderr
